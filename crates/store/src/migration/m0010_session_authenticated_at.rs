//! When a session's user last proved who they are (sign-in, or confirming their password
//! again), so the most sensitive actions can ask for a recent proof (step-up).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    AuthenticatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(timestamp_with_time_zone_null(Sessions::AuthenticatedAt))
                .to_owned(),
        )
        .await
    }
}
