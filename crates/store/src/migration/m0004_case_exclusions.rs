//! Per-case exclusions: named users or whole agencies that must never see a case.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseExclusions {
    Table,
    Id,
    CaseId,
    ExcludedUserId,
    ExcludedAgencyId,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CaseExclusions::Table)
                .col(pk_uuid(CaseExclusions::Id))
                .col(uuid(CaseExclusions::CaseId))
                .col(uuid_null(CaseExclusions::ExcludedUserId))
                .col(uuid_null(CaseExclusions::ExcludedAgencyId))
                .col(text(CaseExclusions::Reason))
                .col(uuid(CaseExclusions::CreatedBy))
                .col(timestamp_with_time_zone(CaseExclusions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_case_exclusions_case")
                        .from(CaseExclusions::Table, CaseExclusions::CaseId)
                        .to(Cases::Table, Cases::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_exclusions_case")
                .table(CaseExclusions::Table)
                .col(CaseExclusions::CaseId)
                .to_owned(),
        )
        .await
    }
}
