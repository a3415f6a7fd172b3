//! Emergency ("break-glass") access: time-limited grants with a sealed reason, and the
//! alerts they raise for the holding agency's managers.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BreakGlassGrants {
    Table,
    Id,
    CaseId,
    UserId,
    Reason,
    GrantedAt,
    ExpiresAt,
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
                .table(BreakGlassGrants::Table)
                .col(pk_uuid(BreakGlassGrants::Id))
                .col(uuid(BreakGlassGrants::CaseId))
                .col(uuid(BreakGlassGrants::UserId))
                .col(text(BreakGlassGrants::Reason))
                .col(timestamp_with_time_zone(BreakGlassGrants::GrantedAt))
                .col(timestamp_with_time_zone(BreakGlassGrants::ExpiresAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_break_glass_case")
                        .from(BreakGlassGrants::Table, BreakGlassGrants::CaseId)
                        .to(Cases::Table, Cases::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_break_glass_case")
                .table(BreakGlassGrants::Table)
                .col(BreakGlassGrants::CaseId)
                .to_owned(),
        )
        .await
    }
}
