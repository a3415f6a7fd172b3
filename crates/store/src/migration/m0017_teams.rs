//! Teams within an agency, and the agency's choice to limit its caseworkers to their own
//! team's cases: a `teams` table, `agencies.restrict_to_teams`, and the team of each user
//! and each case.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    AgencyId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    RestrictToTeams,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TeamId,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    TeamId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Teams::Table)
                .col(pk_uuid(Teams::Id))
                .col(uuid(Teams::AgencyId))
                .col(text(Teams::Name))
                .col(timestamp_with_time_zone(Teams::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_teams_agency")
                        .from(Teams::Table, Teams::AgencyId)
                        .to(Agencies::Table, Agencies::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_teams_agency_name")
                .table(Teams::Table)
                .col(Teams::AgencyId)
                .col(Teams::Name)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Agencies::Table)
                .add_column(boolean(Agencies::RestrictToTeams).default(false))
                .to_owned(),
        )
        .await?;
        // SQLite takes one column per ALTER TABLE, and no foreign key on an added column;
        // the store checks that a team belongs to the user's or the case's agency.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(uuid_null(Users::TeamId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Cases::Table)
                .add_column(uuid_null(Cases::TeamId))
                .to_owned(),
        )
        .await
    }
}
