//! Recent failed sign-in attempts, keyed by a hash of the account or network address,
//! for throttling. Rows older than a day are pruned as new failures arrive.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Id,
    Key,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignInFailures::Table)
                .col(pk_uuid(SignInFailures::Id))
                .col(string(SignInFailures::Key))
                .col(timestamp_with_time_zone(SignInFailures::FailedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sign_in_failures_key_time")
                .table(SignInFailures::Table)
                .col(SignInFailures::Key)
                .col(SignInFailures::FailedAt)
                .to_owned(),
        )
        .await
    }
}
