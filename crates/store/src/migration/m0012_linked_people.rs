//! Children and linked people added after the referral: a child's school or nursery (a
//! restricted field, sealed) and a linked adult's relationship to the victim (sealed).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CasePeople {
    Table,
    School,
    RelationshipNote,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for mut column in [
            text_null(CasePeople::School),
            text_null(CasePeople::RelationshipNote),
        ] {
            m.alter_table(
                Table::alter()
                    .table(CasePeople::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
