//! An index on the audit trail by actor, for the data protection officer's review of what
//! one member of staff has opened.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    ActorUserId,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_audit_events_actor")
                .table(AuditEvents::Table)
                .col(AuditEvents::ActorUserId)
                .col(AuditEvents::Seq)
                .to_owned(),
        )
        .await
    }
}
