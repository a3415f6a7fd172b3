//! Where the victim can be found, on the case: current address, postcode, refuge and GP
//! practice. All four are restricted fields, sealed like the safe contact details.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    CurrentAddress,
    CurrentPostcode,
    Refuge,
    GpPractice,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for mut column in [
            text_null(Cases::CurrentAddress),
            text_null(Cases::CurrentPostcode),
            text_null(Cases::Refuge),
            text_null(Cases::GpPractice),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
