//! Decisions on possible matches between people: `person_matches`, one row per pair.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PersonMatches {
    Table,
    Id,
    PersonA,
    PersonB,
    SamePerson,
    Probability,
    DecidedBy,
    DecidedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign keys to people: retention deletes a person's decisions with them.
        m.create_table(
            Table::create()
                .table(PersonMatches::Table)
                .col(pk_uuid(PersonMatches::Id))
                .col(uuid(PersonMatches::PersonA))
                .col(uuid(PersonMatches::PersonB))
                .col(boolean(PersonMatches::SamePerson))
                .col(double(PersonMatches::Probability))
                .col(uuid(PersonMatches::DecidedBy))
                .col(timestamp_with_time_zone(PersonMatches::DecidedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_person_matches_pair")
                .table(PersonMatches::Table)
                .col(PersonMatches::PersonA)
                .col(PersonMatches::PersonB)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_person_matches_b")
                .table(PersonMatches::Table)
                .col(PersonMatches::PersonB)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PersonMatches::Table).to_owned())
            .await
    }
}
