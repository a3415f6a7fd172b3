//! Idva casework: the case's lifecycle dates, caseworkers' working time, and the contacts
//! log, interventions, versioned safety plans and outcome measures of each case.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    ReferredOn,
    AllocatedAt,
    FirstContactOn,
    ClosedOn,
    ClosureReason,
    ClosureDetail,
    ExitNotTakenReason,
    PreviousCaseId,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    ImmediateDanger,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    FteHundredths,
}

#[derive(DeriveIden)]
enum CaseContacts {
    Table,
    Id,
    CaseId,
    ContactOn,
    Kind,
    Outcome,
    Significant,
    DurationMinutes,
    Note,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CaseInterventions {
    Table,
    Id,
    CaseId,
    Kind,
    Status,
    AgencyId,
    Note,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SafetyPlans {
    Table,
    Id,
    CaseId,
    Version,
    Plan,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CaseReferenceCounters {
    Table,
    Year,
    Last,
}

#[derive(DeriveIden)]
enum CaseMeasures {
    Table,
    Id,
    CaseId,
    Stage,
    RecordedOn,
    Answers,
    RecordedBy,
    CreatedAt,
}

fn case_fk(name: &str, table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Cases::Table, Cases::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let case_columns = [
            date_null(Cases::ReferredOn),
            timestamp_with_time_zone_null(Cases::AllocatedAt),
            date_null(Cases::FirstContactOn),
            date_null(Cases::ClosedOn),
            string_null(Cases::ClosureReason),
            text_null(Cases::ClosureDetail),
            text_null(Cases::ExitNotTakenReason),
            uuid_null(Cases::PreviousCaseId),
        ];
        for mut column in case_columns {
            m.alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE cases SET referred_on = \
             (SELECT MIN(r.referred_on) FROM referrals r WHERE r.case_id = cases.id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE cases SET allocated_at = created_at WHERE caseworker_id IS NOT NULL",
        )
        .await?;
        // A survivor who refers themselves may say they are in immediate danger: triage
        // puts them first.
        m.alter_table(
            Table::alter()
                .table(Referrals::Table)
                .add_column(boolean(Referrals::ImmediateDanger).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer(Users::FteHundredths).default(100))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseContacts::Table)
                .col(pk_uuid(CaseContacts::Id))
                .col(uuid(CaseContacts::CaseId))
                .col(date(CaseContacts::ContactOn))
                .col(string(CaseContacts::Kind))
                .col(string(CaseContacts::Outcome))
                .col(boolean(CaseContacts::Significant))
                .col(integer_null(CaseContacts::DurationMinutes))
                .col(text_null(CaseContacts::Note))
                .col(uuid(CaseContacts::RecordedBy))
                .col(timestamp_with_time_zone(CaseContacts::CreatedAt))
                .foreign_key(&mut case_fk(
                    "fk_case_contacts_case",
                    CaseContacts::Table,
                    CaseContacts::CaseId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_contacts_case")
                .table(CaseContacts::Table)
                .col(CaseContacts::CaseId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseInterventions::Table)
                .col(pk_uuid(CaseInterventions::Id))
                .col(uuid(CaseInterventions::CaseId))
                .col(string(CaseInterventions::Kind))
                .col(string(CaseInterventions::Status))
                .col(uuid_null(CaseInterventions::AgencyId))
                .col(text_null(CaseInterventions::Note))
                .col(uuid(CaseInterventions::RecordedBy))
                .col(timestamp_with_time_zone(CaseInterventions::CreatedAt))
                .col(timestamp_with_time_zone(CaseInterventions::UpdatedAt))
                .foreign_key(&mut case_fk(
                    "fk_case_interventions_case",
                    CaseInterventions::Table,
                    CaseInterventions::CaseId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_interventions_case")
                .table(CaseInterventions::Table)
                .col(CaseInterventions::CaseId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SafetyPlans::Table)
                .col(pk_uuid(SafetyPlans::Id))
                .col(uuid(SafetyPlans::CaseId))
                .col(integer(SafetyPlans::Version))
                .col(text(SafetyPlans::Plan))
                .col(uuid(SafetyPlans::CreatedBy))
                .col(timestamp_with_time_zone(SafetyPlans::CreatedAt))
                .foreign_key(&mut case_fk(
                    "fk_safety_plans_case",
                    SafetyPlans::Table,
                    SafetyPlans::CaseId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_safety_plans_case_version")
                .table(SafetyPlans::Table)
                .col(SafetyPlans::CaseId)
                .col(SafetyPlans::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        // The last case reference issued each year, so a new reference costs one row
        // read however many cases exist (bulk imports), and deleted cases' references are
        // never issued again.
        m.create_table(
            Table::create()
                .table(CaseReferenceCounters::Table)
                .col(integer(CaseReferenceCounters::Year).primary_key())
                .col(integer(CaseReferenceCounters::Last))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CaseMeasures::Table)
                .col(pk_uuid(CaseMeasures::Id))
                .col(uuid(CaseMeasures::CaseId))
                .col(string(CaseMeasures::Stage))
                .col(date(CaseMeasures::RecordedOn))
                .col(text(CaseMeasures::Answers))
                .col(uuid(CaseMeasures::RecordedBy))
                .col(timestamp_with_time_zone(CaseMeasures::CreatedAt))
                .foreign_key(&mut case_fk(
                    "fk_case_measures_case",
                    CaseMeasures::Table,
                    CaseMeasures::CaseId,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_measures_case_stage")
                .table(CaseMeasures::Table)
                .col(CaseMeasures::CaseId)
                .col(CaseMeasures::Stage)
                .unique()
                .to_owned(),
        )
        .await
    }
}
