//! Transfers between Maracs: a referral that came from another Marac when the victim moved
//! area, and why (sealed).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MaracReferrals {
    Table,
    TransferredFromMaracId,
    TransferReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for mut column in [
            uuid_null(MaracReferrals::TransferredFromMaracId),
            text_null(MaracReferrals::TransferReason),
        ] {
            m.alter_table(
                Table::alter()
                    .table(MaracReferrals::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
