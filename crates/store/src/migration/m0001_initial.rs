//! The foundation: agencies, Maracs, users, sessions, people, cases, referrals, Dash
//! assessments, Marac referrals and the audit chain.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Maracs {
    Table,
    Id,
    Name,
    Area,
    VisibleHighRiskYes,
    MediumFromYes,
    EscalationIncidents,
    RepeatWindowMonths,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    AgencyId,
    Role,
    PasswordHash,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    GivenName,
    FamilyName,
    DateOfBirth,
    Gender,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    Reference,
    OwningAgencyId,
    MaracId,
    CaseworkerId,
    Status,
    LatestRiskLevel,
    LatestYesCount,
    LatestAssessedOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CasePeople {
    Table,
    Id,
    CaseId,
    PersonId,
    Role,
    Relationship,
    LivesWith,
    Position,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    CaseId,
    ReferringAgencyId,
    Route,
    ReferredOn,
    Consent,
    ConsentReason,
    VictimAware,
    Reason,
    SafePhone,
    SafeTimes,
    VoicemailSafe,
    PostSafe,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DashAssessments {
    Table,
    Id,
    CaseId,
    InstrumentId,
    InstrumentVersion,
    Answers,
    Details,
    AbuseIncidents,
    ProfessionalJudgementReason,
    AssessedOn,
    PreviousMaracReferralOn,
    YesCount,
    NotKnownCount,
    Answered,
    RiskLevel,
    ReferToMarac,
    Criteria,
    AssessedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MaracReferrals {
    Table,
    Id,
    CaseId,
    MaracId,
    VictimPersonId,
    AssessmentId,
    ReferredOn,
    Criteria,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    OccurredAt,
    ActorUserId,
    Action,
    ObjectType,
    ObjectId,
    Outcome,
    RequestId,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    Seq,
    Hash,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Agencies::Table)
                .col(pk_uuid(Agencies::Id))
                .col(string_uniq(Agencies::Name))
                .col(string(Agencies::Kind))
                .col(timestamp_with_time_zone(Agencies::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Maracs::Table)
                .col(pk_uuid(Maracs::Id))
                .col(string_uniq(Maracs::Name))
                .col(string(Maracs::Area))
                .col(integer(Maracs::VisibleHighRiskYes))
                .col(integer(Maracs::MediumFromYes))
                .col(integer(Maracs::EscalationIncidents))
                .col(integer(Maracs::RepeatWindowMonths))
                .col(timestamp_with_time_zone(Maracs::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_uniq(Users::Email))
                .col(string(Users::DisplayName))
                .col(uuid(Users::AgencyId))
                .col(string(Users::Role))
                .col(string(Users::PasswordHash))
                .col(boolean(Users::Active))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_users_agency",
                    (Users::Table, Users::AgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(pk_uuid(Sessions::Id))
                .col(string_uniq(Sessions::TokenHash))
                .col(uuid(Sessions::UserId))
                .col(string(Sessions::CsrfToken))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .foreign_key(&mut fk(
                    "fk_sessions_user",
                    (Sessions::Table, Sessions::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(People::Table)
                .col(pk_uuid(People::Id))
                .col(string(People::GivenName))
                .col(string(People::FamilyName))
                .col(date_null(People::DateOfBirth))
                .col(string_null(People::Gender))
                .col(timestamp_with_time_zone(People::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Cases::Table)
                .col(pk_uuid(Cases::Id))
                .col(string_uniq(Cases::Reference))
                .col(uuid(Cases::OwningAgencyId))
                .col(uuid(Cases::MaracId))
                .col(uuid_null(Cases::CaseworkerId))
                .col(string(Cases::Status))
                .col(string_null(Cases::LatestRiskLevel))
                .col(integer_null(Cases::LatestYesCount))
                .col(date_null(Cases::LatestAssessedOn))
                .col(timestamp_with_time_zone(Cases::CreatedAt))
                .col(timestamp_with_time_zone(Cases::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_cases_agency",
                    (Cases::Table, Cases::OwningAgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_cases_marac",
                    (Cases::Table, Cases::MaracId),
                    (Maracs::Table, Maracs::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_cases_caseworker",
                    (Cases::Table, Cases::CaseworkerId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cases_agency")
                .table(Cases::Table)
                .col(Cases::OwningAgencyId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CasePeople::Table)
                .col(pk_uuid(CasePeople::Id))
                .col(uuid(CasePeople::CaseId))
                .col(uuid(CasePeople::PersonId))
                .col(string(CasePeople::Role))
                .col(string_null(CasePeople::Relationship))
                .col(string_null(CasePeople::LivesWith))
                .col(integer(CasePeople::Position))
                .foreign_key(&mut fk(
                    "fk_case_people_case",
                    (CasePeople::Table, CasePeople::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_case_people_person",
                    (CasePeople::Table, CasePeople::PersonId),
                    (People::Table, People::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_case_people_case")
                .table(CasePeople::Table)
                .col(CasePeople::CaseId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Referrals::Table)
                .col(pk_uuid(Referrals::Id))
                .col(uuid(Referrals::CaseId))
                .col(uuid(Referrals::ReferringAgencyId))
                .col(string(Referrals::Route))
                .col(date(Referrals::ReferredOn))
                .col(string(Referrals::Consent))
                .col(text_null(Referrals::ConsentReason))
                .col(boolean(Referrals::VictimAware))
                .col(text_null(Referrals::Reason))
                .col(string_null(Referrals::SafePhone))
                .col(string_null(Referrals::SafeTimes))
                .col(boolean(Referrals::VoicemailSafe))
                .col(boolean(Referrals::PostSafe))
                .col(uuid(Referrals::CreatedBy))
                .col(timestamp_with_time_zone(Referrals::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_referrals_case",
                    (Referrals::Table, Referrals::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_referrals_agency",
                    (Referrals::Table, Referrals::ReferringAgencyId),
                    (Agencies::Table, Agencies::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DashAssessments::Table)
                .col(pk_uuid(DashAssessments::Id))
                .col(uuid(DashAssessments::CaseId))
                .col(string(DashAssessments::InstrumentId))
                .col(string(DashAssessments::InstrumentVersion))
                .col(text(DashAssessments::Answers))
                .col(text(DashAssessments::Details))
                .col(integer(DashAssessments::AbuseIncidents))
                .col(text_null(DashAssessments::ProfessionalJudgementReason))
                .col(date(DashAssessments::AssessedOn))
                .col(date_null(DashAssessments::PreviousMaracReferralOn))
                .col(integer(DashAssessments::YesCount))
                .col(integer(DashAssessments::NotKnownCount))
                .col(integer(DashAssessments::Answered))
                .col(string(DashAssessments::RiskLevel))
                .col(boolean(DashAssessments::ReferToMarac))
                .col(string(DashAssessments::Criteria))
                .col(uuid(DashAssessments::AssessedBy))
                .col(timestamp_with_time_zone(DashAssessments::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_dash_case",
                    (DashAssessments::Table, DashAssessments::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_dash_case")
                .table(DashAssessments::Table)
                .col(DashAssessments::CaseId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MaracReferrals::Table)
                .col(pk_uuid(MaracReferrals::Id))
                .col(uuid(MaracReferrals::CaseId))
                .col(uuid(MaracReferrals::MaracId))
                .col(uuid(MaracReferrals::VictimPersonId))
                .col(uuid(MaracReferrals::AssessmentId))
                .col(date(MaracReferrals::ReferredOn))
                .col(string(MaracReferrals::Criteria))
                .col(timestamp_with_time_zone(MaracReferrals::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_marac_referrals_case",
                    (MaracReferrals::Table, MaracReferrals::CaseId),
                    (Cases::Table, Cases::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_marac_referrals_assessment",
                    (MaracReferrals::Table, MaracReferrals::AssessmentId),
                    (DashAssessments::Table, DashAssessments::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_marac_referrals_victim")
                .table(MaracReferrals::Table)
                .col(MaracReferrals::VictimPersonId)
                .col(MaracReferrals::MaracId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(big_integer(AuditEvents::Seq).primary_key())
                .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                .col(uuid_null(AuditEvents::ActorUserId))
                .col(string(AuditEvents::Action))
                .col(string(AuditEvents::ObjectType))
                .col(string_null(AuditEvents::ObjectId))
                .col(string(AuditEvents::Outcome))
                .col(string_null(AuditEvents::RequestId))
                .col(string(AuditEvents::PrevHash))
                .col(string(AuditEvents::Hash))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditHead::Table)
                .col(integer(AuditHead::Id).primary_key())
                .col(big_integer(AuditHead::Seq))
                .col(string(AuditHead::Hash))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(AuditHead::Table)
                .columns([AuditHead::Id, AuditHead::Seq, AuditHead::Hash])
                .values_panic([1.into(), 0i64.into(), crate::audit::GENESIS_HASH.into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
