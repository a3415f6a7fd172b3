//! What a closure must answer when a case still has risk open: why it closes while the
//! latest Dash says the risk is high (`cases.closure_risk_reason`, sealed), and which Marac
//! coordinator agreed to it closing while listed for a meeting not yet held
//! (`cases.closure_agreed_by`).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    ClosureRiskReason,
    ClosureAgreedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column at a time.
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .add_column(text_null(Cases::ClosureRiskReason))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .add_column(uuid_null(Cases::ClosureAgreedBy))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Cases::ClosureAgreedBy, Cases::ClosureRiskReason] {
            m.alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
