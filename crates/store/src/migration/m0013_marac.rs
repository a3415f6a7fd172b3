//! The Marac as it runs: its schedule, capacity, member agencies, coordinating agency and
//! chair; referrals screened by the coordinator; meetings with agendas, agencies' research,
//! attendance and confidentiality, the minutes of each case heard and the actions agreed.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Maracs {
    Table,
    Id,
    CoordinatingAgencyId,
    ChairUserId,
    Schedule,
    CasesPerMeeting,
    ResearchDays,
    RepeatsFirst,
    AdultFemalePopulation,
}

#[derive(DeriveIden)]
enum MaracReferrals {
    Table,
    Status,
    ReferringAgencyId,
    ReferredBy,
    Details,
    Repeat,
    RepeatOf,
    ReturnedReason,
    ScreenedBy,
    ScreenedAt,
}

#[derive(DeriveIden)]
enum MaracMembers {
    Table,
    MaracId,
    AgencyId,
}

#[derive(DeriveIden)]
enum MaracMeetings {
    Table,
    Id,
    MaracId,
    MeetsOn,
    Status,
    PublishedAt,
    ClosedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MaracHearings {
    Table,
    Id,
    MeetingId,
    ReferralId,
    CaseId,
    Position,
    TransferredFrom,
    Discussion,
    Risks,
    Decision,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MaracResearch {
    Table,
    Id,
    HearingId,
    CaseId,
    AgencyId,
    Research,
    WrittenBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MaracAttendance {
    Table,
    Id,
    MeetingId,
    AgencyId,
    Status,
    Attendee,
    InformationSent,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MaracConfidentiality {
    Table,
    Id,
    MeetingId,
    UserId,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum MaracActions {
    Table,
    Id,
    HearingId,
    MeetingId,
    CaseId,
    AgencyId,
    Action,
    Purpose,
    DueOn,
    Status,
    NotDoneReason,
    StatusNote,
    ReviewedAtMeetingId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

fn fk(
    name: &str,
    table: impl IntoIden,
    column: impl IntoIden,
    to: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for mut column in [
            uuid_null(Maracs::CoordinatingAgencyId),
            uuid_null(Maracs::ChairUserId),
            text_null(Maracs::Schedule),
            integer(Maracs::CasesPerMeeting).default(16).to_owned(),
            integer(Maracs::ResearchDays).default(5).to_owned(),
            boolean(Maracs::RepeatsFirst).default(true).to_owned(),
            integer_null(Maracs::AdultFemalePopulation),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Maracs::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        // Referrals recorded before screening existed were taken as accepted.
        for mut column in [
            string(MaracReferrals::Status)
                .default("accepted")
                .to_owned(),
            uuid_null(MaracReferrals::ReferringAgencyId),
            uuid_null(MaracReferrals::ReferredBy),
            text_null(MaracReferrals::Details),
            boolean(MaracReferrals::Repeat).default(false).to_owned(),
            uuid_null(MaracReferrals::RepeatOf),
            text_null(MaracReferrals::ReturnedReason),
            uuid_null(MaracReferrals::ScreenedBy),
            timestamp_with_time_zone_null(MaracReferrals::ScreenedAt),
        ] {
            m.alter_table(
                Table::alter()
                    .table(MaracReferrals::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(MaracMembers::Table)
                .col(uuid(MaracMembers::MaracId))
                .col(uuid(MaracMembers::AgencyId))
                .primary_key(
                    Index::create()
                        .col(MaracMembers::MaracId)
                        .col(MaracMembers::AgencyId),
                )
                .foreign_key(&mut fk(
                    "fk_marac_members_marac",
                    MaracMembers::Table,
                    MaracMembers::MaracId,
                    Maracs::Table,
                    Maracs::Id,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MaracMeetings::Table)
                .col(pk_uuid(MaracMeetings::Id))
                .col(uuid(MaracMeetings::MaracId))
                .col(date(MaracMeetings::MeetsOn))
                .col(string(MaracMeetings::Status))
                .col(timestamp_with_time_zone_null(MaracMeetings::PublishedAt))
                .col(timestamp_with_time_zone_null(MaracMeetings::ClosedAt))
                .col(timestamp_with_time_zone(MaracMeetings::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_marac_meetings_marac",
                    MaracMeetings::Table,
                    MaracMeetings::MaracId,
                    Maracs::Table,
                    Maracs::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_marac_meetings_date")
                .table(MaracMeetings::Table)
                .col(MaracMeetings::MaracId)
                .col(MaracMeetings::MeetsOn)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MaracHearings::Table)
                .col(pk_uuid(MaracHearings::Id))
                .col(uuid(MaracHearings::MeetingId))
                .col(uuid(MaracHearings::ReferralId))
                .col(uuid(MaracHearings::CaseId))
                .col(integer(MaracHearings::Position))
                .col(text_null(MaracHearings::TransferredFrom))
                .col(text_null(MaracHearings::Discussion))
                .col(text_null(MaracHearings::Risks))
                .col(text_null(MaracHearings::Decision))
                .col(timestamp_with_time_zone(MaracHearings::CreatedAt))
                .col(timestamp_with_time_zone(MaracHearings::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_marac_hearings_meeting",
                    MaracHearings::Table,
                    MaracHearings::MeetingId,
                    MaracMeetings::Table,
                    MaracMeetings::Id,
                ))
                .foreign_key(&mut fk(
                    "fk_marac_hearings_case",
                    MaracHearings::Table,
                    MaracHearings::CaseId,
                    Cases::Table,
                    Cases::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_marac_hearings_once")
                .table(MaracHearings::Table)
                .col(MaracHearings::MeetingId)
                .col(MaracHearings::CaseId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MaracResearch::Table)
                .col(pk_uuid(MaracResearch::Id))
                .col(uuid(MaracResearch::HearingId))
                .col(uuid(MaracResearch::CaseId))
                .col(uuid(MaracResearch::AgencyId))
                .col(text(MaracResearch::Research))
                .col(uuid(MaracResearch::WrittenBy))
                .col(timestamp_with_time_zone(MaracResearch::CreatedAt))
                .col(timestamp_with_time_zone(MaracResearch::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_marac_research_hearing",
                    MaracResearch::Table,
                    MaracResearch::HearingId,
                    MaracHearings::Table,
                    MaracHearings::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_marac_research_once")
                .table(MaracResearch::Table)
                .col(MaracResearch::HearingId)
                .col(MaracResearch::AgencyId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MaracAttendance::Table)
                .col(pk_uuid(MaracAttendance::Id))
                .col(uuid(MaracAttendance::MeetingId))
                .col(uuid(MaracAttendance::AgencyId))
                .col(string(MaracAttendance::Status))
                .col(string_null(MaracAttendance::Attendee))
                .col(boolean(MaracAttendance::InformationSent))
                .col(uuid(MaracAttendance::RecordedBy))
                .col(timestamp_with_time_zone(MaracAttendance::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_marac_attendance_meeting",
                    MaracAttendance::Table,
                    MaracAttendance::MeetingId,
                    MaracMeetings::Table,
                    MaracMeetings::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_marac_attendance_once")
                .table(MaracAttendance::Table)
                .col(MaracAttendance::MeetingId)
                .col(MaracAttendance::AgencyId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MaracConfidentiality::Table)
                .col(pk_uuid(MaracConfidentiality::Id))
                .col(uuid(MaracConfidentiality::MeetingId))
                .col(uuid(MaracConfidentiality::UserId))
                .col(timestamp_with_time_zone(MaracConfidentiality::AcceptedAt))
                .foreign_key(&mut fk(
                    "fk_marac_confidentiality_meeting",
                    MaracConfidentiality::Table,
                    MaracConfidentiality::MeetingId,
                    MaracMeetings::Table,
                    MaracMeetings::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_marac_confidentiality_once")
                .table(MaracConfidentiality::Table)
                .col(MaracConfidentiality::MeetingId)
                .col(MaracConfidentiality::UserId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MaracActions::Table)
                .col(pk_uuid(MaracActions::Id))
                .col(uuid(MaracActions::HearingId))
                .col(uuid(MaracActions::MeetingId))
                .col(uuid(MaracActions::CaseId))
                .col(uuid(MaracActions::AgencyId))
                .col(text(MaracActions::Action))
                .col(string(MaracActions::Purpose))
                .col(date(MaracActions::DueOn))
                .col(string(MaracActions::Status))
                .col(string_null(MaracActions::NotDoneReason))
                .col(text_null(MaracActions::StatusNote))
                .col(uuid_null(MaracActions::ReviewedAtMeetingId))
                .col(uuid(MaracActions::CreatedBy))
                .col(timestamp_with_time_zone(MaracActions::CreatedAt))
                .col(timestamp_with_time_zone(MaracActions::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_marac_actions_hearing",
                    MaracActions::Table,
                    MaracActions::HearingId,
                    MaracHearings::Table,
                    MaracHearings::Id,
                ))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_marac_actions_case", MaracActions::CaseId),
            ("idx_marac_actions_agency", MaracActions::AgencyId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(MaracActions::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
