//! The authorisation matrix: every route × every actor × every object situation, checked
//! against the real application on `127.0.0.1:0`, on SQLite and (when
//! `WAYMARK_TEST_DATABASE_URL` is set) PostgreSQL.
//!
//! The tables below are the same as `docs/authorisation-matrix.md`; change both together.
//! Each cell names the expected status and the audit row the request must leave. Around
//! every cell the test also checks that no marker string of a case the actor may not see
//! appears anywhere in the response (none at all when the request is refused), that a 404
//! is byte-identical to the 404 for a case that does not exist, and that a refused POST
//! saved nothing while an allowed one saved exactly one thing. All failing cells are
//! collected and reported together.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use waymark_domain::dash::{InstrumentRegistry, Thresholds};
use waymark_domain::marac::{ActionInput, Cadence, Capacity, Schedule};
use waymark_domain::marac_referral::{MaracReferralInput, ScreeningInput};
use waymark_domain::role::Role;
use waymark_store::Uuid;
use waymark_store::cases::CaseFilter;
use waymark_store::marac::{HearingAccess, MaracSettings, MeetingView};
use waymark_store::testing::{TestStore, all_backends};

const PASSWORD: &str = "a long test password";
const NEW_PASSWORD: &str = "another long test password";

// ---------------------------------------------------------------------------------------
// The vocabulary of the matrix
// ---------------------------------------------------------------------------------------

/// Who makes the request. All but the police caseworker and the signed-out visitor work
/// for the holder agency (an Idva service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Who {
    /// Caseworker B: a colleague of caseworker A, who creates most of the cases.
    Caseworker,
    Coordinator,
    AgencyRep,
    Manager,
    Admin,
    /// The holder agency's data protection officer.
    DataProtection,
    /// A caseworker at the police, a second agency.
    PoliceCaseworker,
    /// Caseworker C of the holder agency, with a session that has passed the password but
    /// not yet the second factor.
    MfaPending,
    SignedOut,
}
use Who::*;

/// The columns of `NO_CASE`, in order.
const WHO: [Who; 9] = [
    Caseworker,
    Coordinator,
    AgencyRep,
    Manager,
    Admin,
    DataProtection,
    PoliceCaseworker,
    MfaPending,
    SignedOut,
];

/// The object a case route is asked about, from the actor's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Situation {
    /// A case the actor created, held by their agency.
    Own,
    /// A case held by the actor's agency, created by a colleague (caseworker A).
    SameAgency,
    /// A case held by the actor's agency but by another team (caseworker D's, team
    /// South). The holder agency restricts caseworkers to their team's cases; caseworkers
    /// A, B and C are in team North.
    OtherTeam,
    /// A case held by another agency and not shared.
    OtherAgency,
    /// A case with an exclusion of the actor (by user, and of the police by agency).
    ExcludingMe,
    /// A random id: no such case.
    NonExistent,
}

/// The columns of `CASES`, in order.
const SITUATIONS: [Situation; 6] = [
    Situation::Own,
    Situation::SameAgency,
    Situation::OtherTeam,
    Situation::OtherAgency,
    Situation::ExcludingMe,
    Situation::NonExistent,
];

/// The object a Marac route (one naming a referral, meeting, hearing, action or Marac) is
/// asked about. The same object for every actor; the cells say what each may do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MaracSituation {
    /// On the Marac's published agenda: meeting 1; the hearing and referral of the police
    /// case listed on it; the holder agency's action on the `Same` case listed on it; for
    /// the data return, the Marac itself (coordinated by the holder, the holder and the
    /// police its members).
    Agenda,
    /// Barred by an exclusion: meeting 2, whose only case excludes every actor; the hearing,
    /// referral and holder-agency action of that case on meeting 1's agenda; for the data
    /// return, a second Marac that nobody here coordinates or sits at.
    Barred,
    /// A random id: no such object.
    NonExistent,
}

/// The columns of `MARAC`, in order.
const MARAC_SITUATIONS: [MaracSituation; 3] = [
    MaracSituation::Agenda,
    MaracSituation::Barred,
    MaracSituation::NonExistent,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Audit {
    /// No new audit row.
    None,
    /// The newest row: this actor, this object, outcome `allowed`.
    Allowed,
    /// The newest row: this actor, this object, outcome `denied`.
    Denied,
}

/// One cell: the status, where a 303 must go (a trailing `/` means "starts with"), and
/// the audit row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Exp {
    status: u16,
    location: Option<&'static str>,
    audit: Audit,
}

const fn exp(status: u16, location: Option<&'static str>, audit: Audit) -> Exp {
    Exp {
        status,
        location,
        audit,
    }
}

/// 200, no audit row.
const OK: Exp = exp(200, None, Audit::None);
/// 200 and an `allowed` row.
const OK_A: Exp = exp(200, None, Audit::Allowed);
/// 201 (API create) and an `allowed` row.
const NEW_A: Exp = exp(201, None, Audit::Allowed);
/// 303 to the case list, no row (the front door and sign-in page when already signed in).
const TO_CASES: Exp = exp(303, Some("/cases"), Audit::None);
/// 303 to the case list and an `allowed` row (signed in; password changed).
const TO_CASES_A: Exp = exp(303, Some("/cases"), Audit::Allowed);
/// 303 to a page of a case and an `allowed` row (a form saved).
const SAVED_A: Exp = exp(303, Some("/cases/"), Audit::Allowed);
/// A self-referral sent: 303 to the thank-you page, and an `allowed` row with no actor.
const SENT_A: Exp = exp(303, Some("/self-referral/sent"), Audit::Allowed);
/// 303 to sign-in and an `allowed` row (signed out).
const BYE_A: Exp = exp(303, Some("/sign-in"), Audit::Allowed);
/// Signed in with a password and enrolled: 303 to the second factor and an `allowed` row.
const TO_MFA_A: Exp = exp(303, Some("/sign-in/mfa"), Audit::Allowed);
/// The second factor is still to be given, a page: 303 to it, no row.
const TO_MFA: Exp = exp(303, Some("/sign-in/mfa"), Audit::None);
/// The second factor is still to be given, the API: 403 `mfa_required`, no row.
const MFA_API: Exp = exp(403, None, Audit::None);
/// Refused, and sent on to the case list: 303 and a `denied` row.
const TO_CASES_D: Exp = exp(303, Some("/cases"), Audit::Denied);
/// Signed out, a page: 303 to sign-in, no row.
const SIGN_IN: Exp = exp(303, Some("/sign-in"), Audit::None);
/// Signed out, the API: 401, no row.
const NO_AUTH: Exp = exp(401, None, Audit::None);
/// The role may never do this (no object named): 403 and a `denied` row.
const DENY: Exp = exp(403, None, Audit::Denied);
/// Off: 404 and no audit row (`/metrics` without a configured token).
const OFF: Exp = exp(404, None, Audit::None);
/// Not visible, not permitted or not there: 404 and a `denied` row naming the id.
const NF: Exp = exp(404, None, Audit::Denied);
/// Refused input (a wrong password): 422 and a `denied` row.
const BAD_D: Exp = exp(422, None, Audit::Denied);
/// Allowed, but the form is refused as it stands (closing without exit measures, a repeat
/// of an open case): 422 and an `allowed` row; nothing saved.
const BAD_A: Exp = exp(422, None, Audit::Allowed);
/// The situation does not exist for this actor.
const NA: Exp = exp(0, None, Audit::None);
/// A Marac meeting form saved: 303 back to the meeting and an `allowed` row.
const TO_MEETING_A: Exp = exp(303, Some("/marac/meetings/"), Audit::Allowed);
/// A form on a case at a Marac saved: 303 back to the hearing and an `allowed` row.
const TO_HEARING_A: Exp = exp(303, Some("/marac/hearings/"), Audit::Allowed);
/// An action updated: 303 back to the agency's action plan and an `allowed` row.
const TO_ACTIONS_A: Exp = exp(303, Some("/marac/actions"), Audit::Allowed);

/// Every route of `routes.rs`, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum R {
    Healthz,
    Readyz,
    Asset,
    OpenApi,
    Home,
    SignInPage,
    SignIn,
    SelfReferralForm,
    SelfReferral,
    SelfReferralSent,
    SignOut,
    PasswordPage,
    ChangePassword,
    MfaPage,
    MfaVerify,
    MfaSetupPage,
    MfaSetup,
    CaseList,
    CaseSearch,
    ReferralForm,
    CreateReferral,
    MeApi,
    CaseListApi,
    CreateReferralApi,
    ScoreApi,
    CasePage,
    DashForm,
    RecordDash,
    DashDecision,
    ExclusionForm,
    AddExclusion,
    CaseApi,
    RecordAssessmentApi,
    RevealSafeContact,
    RevealSafeContactApi,
    WhereaboutsForm,
    SaveWhereabouts,
    AccessLog,
    EmergencyForm,
    EmergencyAccess,
    Alerts,
    ConfirmPage,
    Confirm,
    Triage,
    Team,
    Metrics,
    DataProtectionHome,
    FindCaseLog,
    StaffActivity,
    ContactForm,
    RecordContact,
    InterventionForm,
    AddIntervention,
    UpdateIntervention,
    AllocationPage,
    Allocate,
    CloseForm,
    CloseCase,
    RepeatForm,
    OpenRepeat,
    MeasuresForm,
    RecordMeasures,
    SafetyPlanPage,
    SafetyPlanForm,
    SaveSafetyPlan,
    PrintSafetyPlan,
    LinkedPersonForm,
    AddLinkedPerson,
    CorrectPeopleForm,
    CorrectPeople,
    ReferToMaracForm,
    ReferToMarac,
    MatchesPage,
    DecideMatch,
    MaracHome,
    ScreeningQueue,
    ScreeningPage,
    Screen,
    MeetingPage,
    AcceptConfidentiality,
    PublishAgenda,
    DecideSerialLink,
    RecordAttendance,
    CloseMeeting,
    MeetingMinutes,
    HearingPage,
    SaveResearch,
    RecordMinutes,
    AddAction,
    TransferCase,
    AgencyActions,
    UpdateAction,
    DataReturn,
    DataReturnCsv,
    DataReturnXlsx,
    DataReturnTrend,
}

impl R {
    const ALL: [R; 96] = [
        R::Healthz,
        R::Readyz,
        R::Asset,
        R::OpenApi,
        R::Home,
        R::SignInPage,
        R::SignIn,
        R::SelfReferralForm,
        R::SelfReferral,
        R::SelfReferralSent,
        R::SignOut,
        R::PasswordPage,
        R::ChangePassword,
        R::MfaPage,
        R::MfaVerify,
        R::MfaSetupPage,
        R::MfaSetup,
        R::CaseList,
        R::CaseSearch,
        R::ReferralForm,
        R::CreateReferral,
        R::MeApi,
        R::CaseListApi,
        R::CreateReferralApi,
        R::ScoreApi,
        R::CasePage,
        R::DashForm,
        R::RecordDash,
        R::DashDecision,
        R::ExclusionForm,
        R::AddExclusion,
        R::CaseApi,
        R::RecordAssessmentApi,
        R::RevealSafeContact,
        R::RevealSafeContactApi,
        R::WhereaboutsForm,
        R::SaveWhereabouts,
        R::AccessLog,
        R::EmergencyForm,
        R::EmergencyAccess,
        R::Alerts,
        R::ConfirmPage,
        R::Confirm,
        R::Triage,
        R::Team,
        R::Metrics,
        R::DataProtectionHome,
        R::FindCaseLog,
        R::StaffActivity,
        R::ContactForm,
        R::RecordContact,
        R::InterventionForm,
        R::AddIntervention,
        R::UpdateIntervention,
        R::AllocationPage,
        R::Allocate,
        R::CloseForm,
        R::CloseCase,
        R::RepeatForm,
        R::OpenRepeat,
        R::MeasuresForm,
        R::RecordMeasures,
        R::SafetyPlanPage,
        R::SafetyPlanForm,
        R::SaveSafetyPlan,
        R::PrintSafetyPlan,
        R::LinkedPersonForm,
        R::AddLinkedPerson,
        R::CorrectPeopleForm,
        R::CorrectPeople,
        R::ReferToMaracForm,
        R::ReferToMarac,
        R::MatchesPage,
        R::DecideMatch,
        R::MaracHome,
        R::ScreeningQueue,
        R::ScreeningPage,
        R::Screen,
        R::MeetingPage,
        R::AcceptConfidentiality,
        R::PublishAgenda,
        R::DecideSerialLink,
        R::RecordAttendance,
        R::CloseMeeting,
        R::MeetingMinutes,
        R::HearingPage,
        R::SaveResearch,
        R::RecordMinutes,
        R::AddAction,
        R::TransferCase,
        R::AgencyActions,
        R::UpdateAction,
        R::DataReturn,
        R::DataReturnCsv,
        R::DataReturnXlsx,
        R::DataReturnTrend,
    ];

    fn method_path(self) -> (Method, &'static str) {
        let (get, post) = (Method::GET, Method::POST);
        match self {
            R::Healthz => (get, "/healthz"),
            R::Readyz => (get, "/readyz"),
            R::Asset => (get, "/assets/{name}"),
            R::OpenApi => (get, "/api/openapi.json"),
            R::Home => (get, "/"),
            R::SignInPage => (get, "/sign-in"),
            R::SignIn => (post, "/sign-in"),
            R::SelfReferralForm => (get, "/self-referral"),
            R::SelfReferral => (post, "/self-referral"),
            R::SelfReferralSent => (get, "/self-referral/sent"),
            R::SignOut => (post, "/sign-out"),
            R::PasswordPage => (get, "/account/password"),
            R::ChangePassword => (post, "/account/password"),
            R::MfaPage => (get, "/sign-in/mfa"),
            R::MfaVerify => (post, "/sign-in/mfa"),
            R::MfaSetupPage => (get, "/account/mfa/setup"),
            R::MfaSetup => (post, "/account/mfa/setup"),
            R::CaseList => (get, "/cases"),
            R::CaseSearch => (post, "/cases"),
            R::ReferralForm => (get, "/referrals/new"),
            R::CreateReferral => (post, "/referrals"),
            R::MeApi => (get, "/api/v1/me"),
            R::CaseListApi => (get, "/api/v1/cases"),
            R::CreateReferralApi => (post, "/api/v1/referrals"),
            R::ScoreApi => (post, "/api/v1/dash/score"),
            R::CasePage => (get, "/cases/{case_id}"),
            R::DashForm => (get, "/cases/{case_id}/dash/new"),
            R::RecordDash => (post, "/cases/{case_id}/dash"),
            R::DashDecision => (get, "/cases/{case_id}/dash/{assessment_id}"),
            R::ExclusionForm => (get, "/cases/{case_id}/exclusions/new"),
            R::AddExclusion => (post, "/cases/{case_id}/exclusions"),
            R::CaseApi => (get, "/api/v1/cases/{case_id}"),
            R::RecordAssessmentApi => (post, "/api/v1/cases/{case_id}/assessments"),
            R::RevealSafeContact => (post, "/cases/{case_id}/safe-contact"),
            R::RevealSafeContactApi => (post, "/api/v1/cases/{case_id}/safe-contact"),
            R::WhereaboutsForm => (get, "/cases/{case_id}/whereabouts"),
            R::SaveWhereabouts => (post, "/cases/{case_id}/whereabouts"),
            R::AccessLog => (get, "/cases/{case_id}/access-log"),
            R::EmergencyForm => (get, "/emergency-access"),
            R::EmergencyAccess => (post, "/emergency-access"),
            R::Alerts => (get, "/alerts"),
            R::ConfirmPage => (get, "/account/confirm"),
            R::Confirm => (post, "/account/confirm"),
            R::Triage => (get, "/triage"),
            R::Team => (get, "/team"),
            R::Metrics => (get, "/metrics"),
            R::DataProtectionHome => (get, "/data-protection"),
            R::FindCaseLog => (post, "/data-protection/access-log"),
            R::StaffActivity => (get, "/data-protection/staff/{user_id}"),
            R::ContactForm => (get, "/cases/{case_id}/contacts/new"),
            R::RecordContact => (post, "/cases/{case_id}/contacts"),
            R::InterventionForm => (get, "/cases/{case_id}/interventions/new"),
            R::AddIntervention => (post, "/cases/{case_id}/interventions"),
            R::UpdateIntervention => (post, "/cases/{case_id}/interventions/{intervention_id}"),
            R::AllocationPage => (get, "/cases/{case_id}/allocation"),
            R::Allocate => (post, "/cases/{case_id}/allocation"),
            R::CloseForm => (get, "/cases/{case_id}/close"),
            R::CloseCase => (post, "/cases/{case_id}/close"),
            R::RepeatForm => (get, "/cases/{case_id}/repeat"),
            R::OpenRepeat => (post, "/cases/{case_id}/repeat"),
            R::MeasuresForm => (get, "/cases/{case_id}/measures/{stage}"),
            R::RecordMeasures => (post, "/cases/{case_id}/measures/{stage}"),
            R::SafetyPlanPage => (get, "/cases/{case_id}/safety-plan"),
            R::SafetyPlanForm => (get, "/cases/{case_id}/safety-plan/edit"),
            R::SaveSafetyPlan => (post, "/cases/{case_id}/safety-plan"),
            R::PrintSafetyPlan => (get, "/cases/{case_id}/safety-plan/print"),
            R::LinkedPersonForm => (get, "/cases/{case_id}/people/new"),
            R::AddLinkedPerson => (post, "/cases/{case_id}/people"),
            R::CorrectPeopleForm => (get, "/cases/{case_id}/people/edit"),
            R::CorrectPeople => (post, "/cases/{case_id}/people/edit"),
            R::ReferToMaracForm => (get, "/cases/{case_id}/marac-referral/new"),
            R::ReferToMarac => (post, "/cases/{case_id}/marac-referral"),
            R::MatchesPage => (get, "/cases/{case_id}/matches"),
            R::DecideMatch => (post, "/cases/{case_id}/matches"),
            R::MaracHome => (get, "/marac"),
            R::ScreeningQueue => (get, "/marac/referrals"),
            R::ScreeningPage => (get, "/marac/referrals/{referral_id}"),
            R::Screen => (post, "/marac/referrals/{referral_id}"),
            R::MeetingPage => (get, "/marac/meetings/{meeting_id}"),
            R::AcceptConfidentiality => (post, "/marac/meetings/{meeting_id}/confidentiality"),
            R::PublishAgenda => (post, "/marac/meetings/{meeting_id}/publish"),
            R::DecideSerialLink => (post, "/marac/meetings/{meeting_id}/serial-links"),
            R::RecordAttendance => (post, "/marac/meetings/{meeting_id}/attendance"),
            R::CloseMeeting => (post, "/marac/meetings/{meeting_id}/close"),
            R::MeetingMinutes => (get, "/marac/meetings/{meeting_id}/minutes"),
            R::HearingPage => (get, "/marac/hearings/{hearing_id}"),
            R::SaveResearch => (post, "/marac/hearings/{hearing_id}/research"),
            R::RecordMinutes => (post, "/marac/hearings/{hearing_id}/minutes"),
            R::AddAction => (post, "/marac/hearings/{hearing_id}/actions"),
            R::TransferCase => (post, "/marac/hearings/{hearing_id}/transfer"),
            R::AgencyActions => (get, "/marac/actions"),
            R::UpdateAction => (post, "/marac/actions/{action_id}"),
            R::DataReturn => (get, "/marac/returns/{marac_id}"),
            R::DataReturnCsv => (get, "/marac/returns/{marac_id}/csv"),
            R::DataReturnXlsx => (get, "/marac/returns/{marac_id}/xlsx"),
            R::DataReturnTrend => (get, "/marac/returns/{marac_id}/trend"),
        }
    }

    fn name(self) -> String {
        let (m, p) = self.method_path();
        format!("{m} {p}")
    }

    fn names_a_case(self) -> bool {
        self.method_path().1.contains("{case_id}")
    }

    /// The Marac's own pages (not the referral form, which is a page of the case).
    fn is_marac(self) -> bool {
        let p = self.method_path().1;
        p == "/marac" || p.starts_with("/marac/")
    }

    /// A Marac route naming an object: a row of `MARAC`.
    fn names_a_marac_object(self) -> bool {
        self.is_marac() && self.method_path().1.contains('{')
    }

    /// The seeded case whose id an allowed row of a Marac route names, in a situation
    /// (`None`: the row names the meeting or the Marac asked about).
    fn marac_case(self, s: MaracSituation) -> Option<Case> {
        let p = self.method_path().1;
        let by_case = p.contains("{referral_id}") || p.contains("{hearing_id}");
        match s {
            MaracSituation::NonExistent => None,
            MaracSituation::Barred if by_case || self == R::UpdateAction => Some(Case::Excluding),
            MaracSituation::Agenda if by_case => Some(Case::Police),
            MaracSituation::Agenda if self == R::UpdateAction => Some(Case::Same),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The matrix (docs/authorisation-matrix.md)
// ---------------------------------------------------------------------------------------

/// Routes that name no case: one cell per actor, in the order of `WHO`.
#[rustfmt::skip]
const NO_CASE: &[(R, [Exp; 9])] = &[
    //                      caseworker  coordinator agency_rep  manager     admin       dpo         police cw   mfa pending signed out
    (R::Healthz,           [OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK]),
    (R::Readyz,            [OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK]),
    (R::Asset,             [OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK]),
    (R::OpenApi,           [OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK]),
    (R::Home,              [TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_MFA,     SIGN_IN]),
    (R::SignInPage,        [TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_MFA,     OK]),
    // Valid credentials: each actor their own; the signed-out visitor signs in as caseworker A.
    (R::SignIn,            [TO_MFA_A,   TO_MFA_A,   TO_MFA_A,   TO_MFA_A,   TO_MFA_A,   TO_MFA_A,   TO_MFA_A,   TO_MFA_A,   TO_MFA_A]),
    // The public self-referral form: the same for everyone, signed in or not. The row of a
    // sent form has no actor (see `check_cell`).
    (R::SelfReferralForm,  [OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK]),
    (R::SelfReferral,      [SENT_A,     SENT_A,     SENT_A,     SENT_A,     SENT_A,     SENT_A,     SENT_A,     SENT_A,     SENT_A]),
    (R::SelfReferralSent,  [OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK,         OK]),
    (R::SignOut,           [BYE_A,      BYE_A,      BYE_A,      BYE_A,      BYE_A,      BYE_A,      BYE_A,      BYE_A,      SIGN_IN]),
    (R::PasswordPage,      [OK,         OK,         OK,         OK,         OK,         OK,         OK,         TO_MFA,     SIGN_IN]),
    (R::ChangePassword,    [TO_CASES_A, TO_CASES_A, TO_CASES_A, TO_CASES_A, TO_CASES_A, TO_CASES_A, TO_CASES_A, TO_MFA,     SIGN_IN]),
    (R::MfaPage,           [TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   OK,         SIGN_IN]),
    // A valid (recovery) code; a session that has given it already is sent on.
    (R::MfaVerify,         [TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES_A, SIGN_IN]),
    (R::MfaSetupPage,      [TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_CASES,   TO_MFA,     SIGN_IN]),
    // Everyone here is enrolled already: setting up a second authenticator is refused.
    (R::MfaSetup,          [TO_CASES_D, TO_CASES_D, TO_CASES_D, TO_CASES_D, TO_CASES_D, TO_CASES_D, TO_CASES_D, TO_MFA,     SIGN_IN]),
    (R::CaseList,          [OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       TO_MFA,     SIGN_IN]),
    (R::CaseSearch,        [OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       TO_MFA,     SIGN_IN]),
    (R::ReferralForm,      [OK,         OK,         DENY,       DENY,       DENY,       DENY,       OK,         TO_MFA,     SIGN_IN]),
    (R::CreateReferral,    [SAVED_A,    SAVED_A,    DENY,       DENY,       DENY,       DENY,       SAVED_A,    TO_MFA,     SIGN_IN]),
    (R::MeApi,             [OK,         OK,         OK,         OK,         OK,         OK,         OK,         MFA_API,    NO_AUTH]),
    (R::CaseListApi,       [OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       OK_A,       MFA_API,    NO_AUTH]),
    (R::CreateReferralApi, [NEW_A,      NEW_A,      DENY,       DENY,       DENY,       DENY,       NEW_A,      MFA_API,    NO_AUTH]),
    (R::ScoreApi,          [OK,         OK,         OK,         OK,         OK,         OK,         OK,         MFA_API,    NO_AUTH]),
    // Emergency access: asked for a reference that does not exist, so no grant changes
    // the other cells; the answer is the one an excluded case would give too.
    (R::EmergencyForm,     [OK,         OK,         DENY,       OK,         DENY,       DENY,       OK,         TO_MFA,     SIGN_IN]),
    (R::EmergencyAccess,   [NF,         NF,         DENY,       NF,         DENY,       DENY,       NF,         TO_MFA,     SIGN_IN]),
    (R::Alerts,            [DENY,       DENY,       DENY,       OK,         DENY,       DENY,       DENY,       TO_MFA,     SIGN_IN]),
    // Step-up: confirming with a wrong password is refused and recorded, for everyone.
    (R::ConfirmPage,       [OK,         OK,         OK,         OK,         OK,         OK,         OK,         TO_MFA,     SIGN_IN]),
    (R::Confirm,           [BAD_D,      BAD_D,      BAD_D,      BAD_D,      BAD_D,      BAD_D,      BAD_D,      TO_MFA,     SIGN_IN]),
    // The triage queue: the roles that hold cases, for their own agency only.
    (R::Triage,            [OK_A,       OK_A,       DENY,       OK_A,       DENY,       DENY,       OK_A,       TO_MFA,     SIGN_IN]),
    (R::Team,              [DENY,       DENY,       DENY,       OK_A,       DENY,       DENY,       DENY,       TO_MFA,     SIGN_IN]),
    // The Marac: everyone who takes part (every role but administrator). Which Maracs,
    // meetings and actions each sees is decided in the store; the overview writes no row.
    (R::MaracHome,         [OK_A,       OK_A,       OK_A,       OK_A,       DENY,       DENY,       OK_A,       TO_MFA,     SIGN_IN]),
    // The screening queue: Marac coordinators only (its row names no object).
    (R::ScreeningQueue,    [DENY,       OK_A,       DENY,       DENY,       DENY,       DENY,       DENY,       TO_MFA,     SIGN_IN]),
    // The agency's action plan: the row's object is the actor's own agency.
    (R::AgencyActions,     [OK_A,       OK_A,       OK_A,       OK_A,       DENY,       DENY,       OK_A,       TO_MFA,     SIGN_IN]),
    // Metrics are off unless a scrape token is configured (the matrix configures none);
    // a session is no substitute for it (http.rs tests the token).
    (R::Metrics,            [OFF,       OFF,        OFF,        OFF,        OFF,        OFF,        OFF,        OFF,        OFF]),
    // The data protection officer's pages: theirs alone. Finding a case's access log is
    // asked for the `Same` case's reference; the staff review for caseworker A.
    (R::DataProtectionHome, [DENY,       DENY,       DENY,       DENY,       DENY,       OK_A,       DENY,       TO_MFA,     SIGN_IN]),
    (R::FindCaseLog,        [DENY,       DENY,       DENY,       DENY,       DENY,       SAVED_A,    DENY,       TO_MFA,     SIGN_IN]),
    (R::StaffActivity,      [DENY,       DENY,       DENY,       DENY,       DENY,       OK_A,       DENY,       TO_MFA,     SIGN_IN]),
];

/// Routes that name a case: one row per actor, one cell per situation.
#[rustfmt::skip]
const CASES: &[(R, Who, [Exp; 6])] = &[
    //                                           own       same      other     other     excludes  no such
    //                                                     agency    team      agency    me        id
    (R::CasePage,            Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::CasePage,            Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::CasePage,            AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CasePage,            Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::CasePage,            Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CasePage,            DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CasePage,            PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::CasePage,            MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::CasePage,            SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::DashForm,            Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::DashForm,            Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::DashForm,            AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashForm,            Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashForm,            Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashForm,            DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashForm,            PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::DashForm,            MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::DashForm,            SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::RecordDash,          Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::RecordDash,          Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::RecordDash,          AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordDash,          Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordDash,          Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordDash,          DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordDash,          PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::RecordDash,          MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::RecordDash,          SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::DashDecision,        Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::DashDecision,        Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::DashDecision,        AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashDecision,        Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::DashDecision,        Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashDecision,        DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DashDecision,        PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::DashDecision,        MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::DashDecision,        SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::ExclusionForm,       Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::ExclusionForm,       Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::ExclusionForm,       AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ExclusionForm,       Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::ExclusionForm,       Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ExclusionForm,       DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ExclusionForm,       PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::ExclusionForm,       MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::ExclusionForm,       SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::AddExclusion,        Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::AddExclusion,        Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::AddExclusion,        AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddExclusion,        Manager,          [NA,       SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::AddExclusion,        Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddExclusion,        DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddExclusion,        PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::AddExclusion,        MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::AddExclusion,        SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::CaseApi,             Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::CaseApi,             Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::CaseApi,             AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CaseApi,             Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::CaseApi,             Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CaseApi,             DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CaseApi,             PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::CaseApi,             MfaPending,       [NA,       MFA_API,  MFA_API,  MFA_API,  MFA_API,  MFA_API]),
    (R::CaseApi,             SignedOut,        [NA,       NO_AUTH,  NO_AUTH,  NO_AUTH,  NO_AUTH,  NO_AUTH]),

    (R::RecordAssessmentApi, Caseworker,       [NEW_A,    NEW_A,    NF,       NF,       NF,       NF]),
    (R::RecordAssessmentApi, Coordinator,      [NEW_A,    NEW_A,    NEW_A,    NF,       NF,       NF]),
    (R::RecordAssessmentApi, AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordAssessmentApi, Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordAssessmentApi, Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordAssessmentApi, DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordAssessmentApi, PoliceCaseworker, [NEW_A,    NA,       NF,       NF,       NF,       NF]),
    (R::RecordAssessmentApi, MfaPending,       [NA,       MFA_API,  MFA_API,  MFA_API,  MFA_API,  MFA_API]),
    (R::RecordAssessmentApi, SignedOut,        [NA,       NO_AUTH,  NO_AUTH,  NO_AUTH,  NO_AUTH,  NO_AUTH]),

    // Restricted fields: only the staff who contact the victim may reveal them; managers
    // see that they exist. Every reveal, and every refusal, is audited.
    (R::RevealSafeContact,   Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::RevealSafeContact,   Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::RevealSafeContact,   AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContact,   Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContact,   Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContact,   DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContact,   PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContact,   MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::RevealSafeContact,   SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::RevealSafeContactApi, Caseworker,      [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::RevealSafeContactApi, Coordinator,     [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::RevealSafeContactApi, AgencyRep,       [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContactApi, Manager,         [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContactApi, Admin,           [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContactApi, DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContactApi, PoliceCaseworker,[OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::RevealSafeContactApi, MfaPending,      [NA,       MFA_API,  MFA_API,  MFA_API,  MFA_API,  MFA_API]),
    (R::RevealSafeContactApi, SignedOut,       [NA,       NO_AUTH,  NO_AUTH,  NO_AUTH,  NO_AUTH,  NO_AUTH]),

    // Where the victim lives: the form shows what is recorded, so opening it is a reveal,
    // for the same staff; saving replaces it.
    (R::WhereaboutsForm,     Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::WhereaboutsForm,     Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::WhereaboutsForm,     AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::WhereaboutsForm,     Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::WhereaboutsForm,     Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::WhereaboutsForm,     DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::WhereaboutsForm,     PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::WhereaboutsForm,     MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::WhereaboutsForm,     SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::SaveWhereabouts,     Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::SaveWhereabouts,     Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::SaveWhereabouts,     AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveWhereabouts,     Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveWhereabouts,     Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveWhereabouts,     DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveWhereabouts,     PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::SaveWhereabouts,     MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::SaveWhereabouts,     SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // The access log: the case's own staff and managers.
    (R::AccessLog,           Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::AccessLog,           Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::AccessLog,           AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AccessLog,           Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::AccessLog,           Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AccessLog,           DataProtection,   [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::AccessLog,           PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::AccessLog,           MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::AccessLog,           SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // Casework: the staff who hold cases work them; managers and coordinators allocate.
    (R::ContactForm,         Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::ContactForm,         Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::ContactForm,         AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ContactForm,         Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ContactForm,         Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ContactForm,         DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ContactForm,         PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::ContactForm,         MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::ContactForm,         SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::RecordContact,       Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::RecordContact,       Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::RecordContact,       AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordContact,       Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordContact,       Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordContact,       DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordContact,       PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::RecordContact,       MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::RecordContact,       SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::InterventionForm,    Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::InterventionForm,    Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::InterventionForm,    AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::InterventionForm,    Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::InterventionForm,    Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::InterventionForm,    DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::InterventionForm,    PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::InterventionForm,    MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::InterventionForm,    SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::AddIntervention,     Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::AddIntervention,     Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::AddIntervention,     AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddIntervention,     Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddIntervention,     Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddIntervention,     DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddIntervention,     PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::AddIntervention,     MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::AddIntervention,     SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::UpdateIntervention,  Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::UpdateIntervention,  Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::UpdateIntervention,  AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::UpdateIntervention,  Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::UpdateIntervention,  Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::UpdateIntervention,  DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::UpdateIntervention,  PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::UpdateIntervention,  MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::UpdateIntervention,  SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::AllocationPage,      Caseworker,       [NF,       NF,       NF,       NF,       NF,       NF]),
    (R::AllocationPage,      Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::AllocationPage,      AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AllocationPage,      Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::AllocationPage,      Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AllocationPage,      DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AllocationPage,      PoliceCaseworker, [NF,       NA,       NF,       NF,       NF,       NF]),
    (R::AllocationPage,      MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::AllocationPage,      SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::Allocate,            Caseworker,       [NF,       NF,       NF,       NF,       NF,       NF]),
    // A coordinator holds no caseload: allocating their own case back to them is refused.
    (R::Allocate,            Coordinator,      [BAD_A,    SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::Allocate,            AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::Allocate,            Manager,          [NA,       SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::Allocate,            Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::Allocate,            DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::Allocate,            PoliceCaseworker, [NF,       NA,       NF,       NF,       NF,       NF]),
    (R::Allocate,            MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::Allocate,            SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // Closing without the exit measures or a reason, and a repeat of a case still open,
    // are refused as forms by those allowed to try.
    (R::CloseForm,           Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::CloseForm,           Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::CloseForm,           AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseForm,           Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseForm,           Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseForm,           DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseForm,           PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::CloseForm,           MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::CloseForm,           SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::CloseCase,           Caseworker,       [BAD_A,    BAD_A,    NF,       NF,       NF,       NF]),
    (R::CloseCase,           Coordinator,      [BAD_A,    BAD_A,    BAD_A,    NF,       NF,       NF]),
    (R::CloseCase,           AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseCase,           Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseCase,           Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseCase,           DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CloseCase,           PoliceCaseworker, [BAD_A,    NA,       NF,       NF,       NF,       NF]),
    (R::CloseCase,           MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::CloseCase,           SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::RepeatForm,          Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::RepeatForm,          Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::RepeatForm,          AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RepeatForm,          Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RepeatForm,          Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RepeatForm,          DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RepeatForm,          PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::RepeatForm,          MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::RepeatForm,          SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::OpenRepeat,          Caseworker,       [BAD_A,    BAD_A,    NF,       NF,       NF,       NF]),
    (R::OpenRepeat,          Coordinator,      [BAD_A,    BAD_A,    BAD_A,    NF,       NF,       NF]),
    (R::OpenRepeat,          AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::OpenRepeat,          Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::OpenRepeat,          Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::OpenRepeat,          DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::OpenRepeat,          PoliceCaseworker, [BAD_A,    NA,       NF,       NF,       NF,       NF]),
    (R::OpenRepeat,          MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::OpenRepeat,          SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::MeasuresForm,        Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::MeasuresForm,        Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::MeasuresForm,        AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MeasuresForm,        Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MeasuresForm,        Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MeasuresForm,        DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MeasuresForm,        PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::MeasuresForm,        MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::MeasuresForm,        SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::RecordMeasures,      Caseworker,       [BAD_A,    BAD_A,    NF,       NF,       NF,       NF]),
    (R::RecordMeasures,      Coordinator,      [BAD_A,    BAD_A,    BAD_A,    NF,       NF,       NF]),
    (R::RecordMeasures,      AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordMeasures,      Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordMeasures,      Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordMeasures,      DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::RecordMeasures,      PoliceCaseworker, [BAD_A,    NA,       NF,       NF,       NF,       NF]),
    (R::RecordMeasures,      MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::RecordMeasures,      SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // The safety plan: its staff and managers read it; its staff make and print it.
    (R::SafetyPlanPage,      Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::SafetyPlanPage,      Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::SafetyPlanPage,      AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanPage,      Manager,          [NA,       OK_A,     OK_A,     NF,       NF,       NF]),
    (R::SafetyPlanPage,      Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanPage,      DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanPage,      PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanPage,      MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::SafetyPlanPage,      SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::SafetyPlanForm,      Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::SafetyPlanForm,      Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::SafetyPlanForm,      AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanForm,      Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanForm,      Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanForm,      DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanForm,      PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::SafetyPlanForm,      MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::SafetyPlanForm,      SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::SaveSafetyPlan,      Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::SaveSafetyPlan,      Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::SaveSafetyPlan,      AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveSafetyPlan,      Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveSafetyPlan,      Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveSafetyPlan,      DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::SaveSafetyPlan,      PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::SaveSafetyPlan,      MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::SaveSafetyPlan,      SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::PrintSafetyPlan,     Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::PrintSafetyPlan,     Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::PrintSafetyPlan,     AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::PrintSafetyPlan,     Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::PrintSafetyPlan,     Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::PrintSafetyPlan,     DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::PrintSafetyPlan,     PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::PrintSafetyPlan,     MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::PrintSafetyPlan,     SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // Children and linked people: added by the staff who work the case, never a manager.
    (R::LinkedPersonForm,    Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::LinkedPersonForm,    Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::LinkedPersonForm,    AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::LinkedPersonForm,    Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::LinkedPersonForm,    Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::LinkedPersonForm,    DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::LinkedPersonForm,    PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::LinkedPersonForm,    MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::LinkedPersonForm,    SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::AddLinkedPerson,     Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::AddLinkedPerson,     Coordinator,      [SAVED_A,  SAVED_A,  SAVED_A,  NF,       NF,       NF]),
    (R::AddLinkedPerson,     AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddLinkedPerson,     Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddLinkedPerson,     Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddLinkedPerson,     DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::AddLinkedPerson,     PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::AddLinkedPerson,     MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::AddLinkedPerson,     SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // Correcting the victim's and perpetrators' details: the staff who work the case. The
    // body leaves every name empty, so an allowed correction is refused as a form (422,
    // nothing saved).
    (R::CorrectPeopleForm,   Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::CorrectPeopleForm,   Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::CorrectPeopleForm,   AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeopleForm,   Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeopleForm,   Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeopleForm,   DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeopleForm,   PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::CorrectPeopleForm,   MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::CorrectPeopleForm,   SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::CorrectPeople,       Caseworker,       [BAD_A,    BAD_A,    NF,       NF,       NF,       NF]),
    (R::CorrectPeople,       Coordinator,      [BAD_A,    BAD_A,    BAD_A,    NF,       NF,       NF]),
    (R::CorrectPeople,       AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeople,       Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeople,       Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeople,       DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::CorrectPeople,       PoliceCaseworker, [BAD_A,    NA,       NF,       NF,       NF,       NF]),
    (R::CorrectPeople,       MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::CorrectPeople,       SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // Referring a case to the Marac: the staff who work the case (`can_work_case`). The
    // body is valid and every seeded case has a Dash, so an allowed referral saves one
    // more Marac referral on the case. A case has one referral waiting at a time: the
    // coordinator's referral of `Same` comes after caseworker B's (the row above), which is
    // still waiting, so it is refused as a form (422, the form's row, nothing saved).
    (R::ReferToMaracForm,    Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::ReferToMaracForm,    Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::ReferToMaracForm,    AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMaracForm,    Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMaracForm,    Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMaracForm,    DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMaracForm,    PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::ReferToMaracForm,    MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::ReferToMaracForm,    SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::ReferToMarac,        Caseworker,       [SAVED_A,  SAVED_A,  NF,       NF,       NF,       NF]),
    (R::ReferToMarac,        Coordinator,      [SAVED_A,  BAD_A,    SAVED_A,  NF,       NF,       NF]),
    (R::ReferToMarac,        AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMarac,        Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMarac,        Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMarac,        DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::ReferToMarac,        PoliceCaseworker, [SAVED_A,  NA,       NF,       NF,       NF,       NF]),
    (R::ReferToMarac,        MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::ReferToMarac,        SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    // Possible matches with people on other cases: the case's own staff, never a manager.
    // The matrix's decision names a pair that is not suggested, so it is refused as a form
    // and nothing is saved (deciding is covered in store and web tests).
    (R::MatchesPage,         Caseworker,       [OK_A,     OK_A,     NF,       NF,       NF,       NF]),
    (R::MatchesPage,         Coordinator,      [OK_A,     OK_A,     OK_A,     NF,       NF,       NF]),
    (R::MatchesPage,         AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MatchesPage,         Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MatchesPage,         Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MatchesPage,         DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::MatchesPage,         PoliceCaseworker, [OK_A,     NA,       NF,       NF,       NF,       NF]),
    (R::MatchesPage,         MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::MatchesPage,         SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),

    (R::DecideMatch,         Caseworker,       [BAD_A,    BAD_A,    NF,       NF,       NF,       NF]),
    (R::DecideMatch,         Coordinator,      [BAD_A,    BAD_A,    BAD_A,    NF,       NF,       NF]),
    (R::DecideMatch,         AgencyRep,        [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DecideMatch,         Manager,          [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DecideMatch,         Admin,            [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DecideMatch,         DataProtection,   [NA,       NF,       NF,       NF,       NF,       NF]),
    (R::DecideMatch,         PoliceCaseworker, [BAD_A,    NA,       NF,       NF,       NF,       NF]),
    (R::DecideMatch,         MfaPending,       [NA,       TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA,   TO_MFA]),
    (R::DecideMatch,         SignedOut,        [NA,       SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN,  SIGN_IN]),
];

/// Routes that name a Marac object (referral, meeting, hearing, action, Marac): one row per
/// actor, one cell per `MaracSituation`. An allowed row names the case (referral, hearing,
/// action) or the meeting or Marac asked about; a refused one names the id asked for.
#[rustfmt::skip]
const MARAC: &[(R, Who, [Exp; 3])] = &[
    //                                             agenda        barred        no such id
    // Screening: the coordinators of the coordinating agency, never for a case that
    // excludes them. The referral on the agenda is screened already, so screening it again
    // is refused as a form.
    (R::ScreeningPage,         Caseworker,       [NF,           NF,           NF]),
    (R::ScreeningPage,         Coordinator,      [OK_A,         NF,           NF]),
    (R::ScreeningPage,         AgencyRep,        [NF,           NF,           NF]),
    (R::ScreeningPage,         Manager,          [NF,           NF,           NF]),
    (R::ScreeningPage,         Admin,            [NF,           NF,           NF]),
    (R::ScreeningPage,         DataProtection,   [NF,           NF,           NF]),
    (R::ScreeningPage,         PoliceCaseworker, [NF,           NF,           NF]),
    (R::ScreeningPage,         MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::ScreeningPage,         SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::Screen,                Caseworker,       [NF,           NF,           NF]),
    (R::Screen,                Coordinator,      [BAD_A,        NF,           NF]),
    (R::Screen,                AgencyRep,        [NF,           NF,           NF]),
    (R::Screen,                Manager,          [NF,           NF,           NF]),
    (R::Screen,                Admin,            [NF,           NF,           NF]),
    (R::Screen,                DataProtection,   [NF,           NF,           NF]),
    (R::Screen,                PoliceCaseworker, [NF,           NF,           NF]),
    (R::Screen,                MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::Screen,                SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // A meeting: those who run it see it all (but no case that excludes them); a member
    // agency's rep sees a published meeting with a case they may research, and nothing
    // else. Caseworkers and managers hold cases, not agendas.
    (R::MeetingPage,           Caseworker,       [NF,           NF,           NF]),
    (R::MeetingPage,           Coordinator,      [OK_A,         OK_A,         NF]),
    (R::MeetingPage,           AgencyRep,        [OK_A,         NF,           NF]),
    (R::MeetingPage,           Manager,          [NF,           NF,           NF]),
    (R::MeetingPage,           Admin,            [NF,           NF,           NF]),
    (R::MeetingPage,           DataProtection,   [NF,           NF,           NF]),
    (R::MeetingPage,           PoliceCaseworker, [NF,           NF,           NF]),
    (R::MeetingPage,           MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::MeetingPage,           SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::AcceptConfidentiality, Caseworker,       [NF,           NF,           NF]),
    (R::AcceptConfidentiality, Coordinator,      [TO_MEETING_A, TO_MEETING_A, NF]),
    (R::AcceptConfidentiality, AgencyRep,        [TO_MEETING_A, NF,           NF]),
    (R::AcceptConfidentiality, Manager,          [NF,           NF,           NF]),
    (R::AcceptConfidentiality, Admin,            [NF,           NF,           NF]),
    (R::AcceptConfidentiality, DataProtection,   [NF,           NF,           NF]),
    (R::AcceptConfidentiality, PoliceCaseworker, [NF,           NF,           NF]),
    (R::AcceptConfidentiality, MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::AcceptConfidentiality, SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // Both agendas are published already: publishing again is refused as a form.
    (R::PublishAgenda,         Caseworker,       [NF,           NF,           NF]),
    (R::PublishAgenda,         Coordinator,      [BAD_A,        BAD_A,        NF]),
    (R::PublishAgenda,         AgencyRep,        [NF,           NF,           NF]),
    (R::PublishAgenda,         Manager,          [NF,           NF,           NF]),
    (R::PublishAgenda,         Admin,            [NF,           NF,           NF]),
    (R::PublishAgenda,         DataProtection,   [NF,           NF,           NF]),
    (R::PublishAgenda,         PoliceCaseworker, [NF,           NF,           NF]),
    (R::PublishAgenda,         MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::PublishAgenda,         SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // No serial-perpetrator link joins these perpetrators: deciding is refused as a form,
    // and only a coordinator of the meeting's Marac gets that far.
    (R::DecideSerialLink,      Caseworker,       [NF,           NF,           NF]),
    (R::DecideSerialLink,      Coordinator,      [BAD_A,        BAD_A,        NF]),
    (R::DecideSerialLink,      AgencyRep,        [NF,           NF,           NF]),
    (R::DecideSerialLink,      Manager,          [NF,           NF,           NF]),
    (R::DecideSerialLink,      Admin,            [NF,           NF,           NF]),
    (R::DecideSerialLink,      DataProtection,   [NF,           NF,           NF]),
    (R::DecideSerialLink,      PoliceCaseworker, [NF,           NF,           NF]),
    (R::DecideSerialLink,      MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::DecideSerialLink,      SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::RecordAttendance,      Caseworker,       [NF,           NF,           NF]),
    (R::RecordAttendance,      Coordinator,      [TO_MEETING_A, TO_MEETING_A, NF]),
    (R::RecordAttendance,      AgencyRep,        [NF,           NF,           NF]),
    (R::RecordAttendance,      Manager,          [NF,           NF,           NF]),
    (R::RecordAttendance,      Admin,            [NF,           NF,           NF]),
    (R::RecordAttendance,      DataProtection,   [NF,           NF,           NF]),
    (R::RecordAttendance,      PoliceCaseworker, [NF,           NF,           NF]),
    (R::RecordAttendance,      MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::RecordAttendance,      SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // Each meeting has a case with neither an action nor a decision (this row runs before
    // the hearing rows that add one), so closing is refused as a form and the meetings stay
    // open. The refusal must not name the case on meeting 2, which excludes the coordinator.
    (R::CloseMeeting,          Caseworker,       [NF,           NF,           NF]),
    (R::CloseMeeting,          Coordinator,      [BAD_A,        BAD_A,        NF]),
    (R::CloseMeeting,          AgencyRep,        [NF,           NF,           NF]),
    (R::CloseMeeting,          Manager,          [NF,           NF,           NF]),
    (R::CloseMeeting,          Admin,            [NF,           NF,           NF]),
    (R::CloseMeeting,          DataProtection,   [NF,           NF,           NF]),
    (R::CloseMeeting,          PoliceCaseworker, [NF,           NF,           NF]),
    (R::CloseMeeting,          MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::CloseMeeting,          SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // A meeting's printable minutes: whoever may open the meeting, reading each case on it
    // through the hearing (so a rep sees minutes only once the meeting is closed, and only
    // their agency's actions: none yet here, as both meetings are open).
    (R::MeetingMinutes,        Caseworker,       [NF,           NF,           NF]),
    (R::MeetingMinutes,        Coordinator,      [OK_A,         OK_A,         NF]),
    (R::MeetingMinutes,        AgencyRep,        [OK_A,         NF,           NF]),
    (R::MeetingMinutes,        Manager,          [NF,           NF,           NF]),
    (R::MeetingMinutes,        Admin,            [NF,           NF,           NF]),
    (R::MeetingMinutes,        DataProtection,   [NF,           NF,           NF]),
    (R::MeetingMinutes,        PoliceCaseworker, [NF,           NF,           NF]),
    (R::MeetingMinutes,        MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::MeetingMinutes,        SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // A case at a meeting: those who run the meeting, and member agencies' reps (and a
    // coordinator, for their agency) while its research window is open. Never a case that
    // excludes them. The police caseworker holds the police case, but holds no agenda.
    (R::HearingPage,           Caseworker,       [NF,           NF,           NF]),
    (R::HearingPage,           Coordinator,      [OK_A,         NF,           NF]),
    (R::HearingPage,           AgencyRep,        [OK_A,         NF,           NF]),
    (R::HearingPage,           Manager,          [NF,           NF,           NF]),
    (R::HearingPage,           Admin,            [NF,           NF,           NF]),
    (R::HearingPage,           DataProtection,   [NF,           NF,           NF]),
    (R::HearingPage,           PoliceCaseworker, [NF,           NF,           NF]),
    (R::HearingPage,           MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::HearingPage,           SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::SaveResearch,          Caseworker,       [NF,           NF,           NF]),
    (R::SaveResearch,          Coordinator,      [TO_HEARING_A, NF,           NF]),
    (R::SaveResearch,          AgencyRep,        [TO_HEARING_A, NF,           NF]),
    (R::SaveResearch,          Manager,          [NF,           NF,           NF]),
    (R::SaveResearch,          Admin,            [NF,           NF,           NF]),
    (R::SaveResearch,          DataProtection,   [NF,           NF,           NF]),
    (R::SaveResearch,          PoliceCaseworker, [NF,           NF,           NF]),
    (R::SaveResearch,          MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::SaveResearch,          SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // Minutes and actions: only those who run the meeting. The rep may see the case, so
    // the store finds the hearing, but the refusal must still be a 404 with a `denied` row.
    (R::RecordMinutes,         Caseworker,       [NF,           NF,           NF]),
    (R::RecordMinutes,         Coordinator,      [TO_HEARING_A, NF,           NF]),
    (R::RecordMinutes,         AgencyRep,        [NF,           NF,           NF]),
    (R::RecordMinutes,         Manager,          [NF,           NF,           NF]),
    (R::RecordMinutes,         Admin,            [NF,           NF,           NF]),
    (R::RecordMinutes,         DataProtection,   [NF,           NF,           NF]),
    (R::RecordMinutes,         PoliceCaseworker, [NF,           NF,           NF]),
    (R::RecordMinutes,         MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::RecordMinutes,         SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::AddAction,             Caseworker,       [NF,           NF,           NF]),
    (R::AddAction,             Coordinator,      [TO_HEARING_A, NF,           NF]),
    (R::AddAction,             AgencyRep,        [NF,           NF,           NF]),
    (R::AddAction,             Manager,          [NF,           NF,           NF]),
    (R::AddAction,             Admin,            [NF,           NF,           NF]),
    (R::AddAction,             DataProtection,   [NF,           NF,           NF]),
    (R::AddAction,             PoliceCaseworker, [NF,           NF,           NF]),
    (R::AddAction,             MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::AddAction,             SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // A transfer to another Marac: the sending Marac's coordinators only. The form is sent
    // without a reason, so it is refused as it stands and nothing moves (the re-shown
    // hearing page is the allowed read).
    (R::TransferCase,          Caseworker,       [NF,           NF,           NF]),
    (R::TransferCase,          Coordinator,      [BAD_A,        NF,           NF]),
    (R::TransferCase,          AgencyRep,        [NF,           NF,           NF]),
    (R::TransferCase,          Manager,          [NF,           NF,           NF]),
    (R::TransferCase,          Admin,            [NF,           NF,           NF]),
    (R::TransferCase,          DataProtection,   [NF,           NF,           NF]),
    (R::TransferCase,          PoliceCaseworker, [NF,           NF,           NF]),
    (R::TransferCase,          MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::TransferCase,          SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // An action: its owning agency's staff (any role but admin) at a member agency, and
    // those who run the meeting; never on a case that excludes them.
    (R::UpdateAction,          Caseworker,       [TO_ACTIONS_A, NF,           NF]),
    (R::UpdateAction,          Coordinator,      [TO_ACTIONS_A, NF,           NF]),
    (R::UpdateAction,          AgencyRep,        [TO_ACTIONS_A, NF,           NF]),
    (R::UpdateAction,          Manager,          [TO_ACTIONS_A, NF,           NF]),
    (R::UpdateAction,          Admin,            [NF,           NF,           NF]),
    (R::UpdateAction,          DataProtection,   [NF,           NF,           NF]),
    (R::UpdateAction,          PoliceCaseworker, [NF,           NF,           NF]),
    (R::UpdateAction,          MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::UpdateAction,          SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // The data return: those who run the Marac and its member agencies' managers. An
    // administrator is refused before any Marac is looked up (403, no object).
    (R::DataReturn,            Caseworker,       [NF,           NF,           NF]),
    (R::DataReturn,            Coordinator,      [OK_A,         NF,           NF]),
    (R::DataReturn,            AgencyRep,        [NF,           NF,           NF]),
    (R::DataReturn,            Manager,          [OK_A,         NF,           NF]),
    (R::DataReturn,            Admin,            [DENY,         DENY,         DENY]),
    (R::DataReturn,            DataProtection,   [DENY,         DENY,         DENY]),
    (R::DataReturn,            PoliceCaseworker, [NF,           NF,           NF]),
    (R::DataReturn,            MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::DataReturn,            SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::DataReturnCsv,         Caseworker,       [NF,           NF,           NF]),
    (R::DataReturnCsv,         Coordinator,      [OK_A,         NF,           NF]),
    (R::DataReturnCsv,         AgencyRep,        [NF,           NF,           NF]),
    (R::DataReturnCsv,         Manager,          [OK_A,         NF,           NF]),
    (R::DataReturnCsv,         Admin,            [DENY,         DENY,         DENY]),
    (R::DataReturnCsv,         DataProtection,   [DENY,         DENY,         DENY]),
    (R::DataReturnCsv,         PoliceCaseworker, [NF,           NF,           NF]),
    (R::DataReturnCsv,         MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::DataReturnCsv,         SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    (R::DataReturnXlsx,        Caseworker,       [NF,           NF,           NF]),
    (R::DataReturnXlsx,        Coordinator,      [OK_A,         NF,           NF]),
    (R::DataReturnXlsx,        AgencyRep,        [NF,           NF,           NF]),
    (R::DataReturnXlsx,        Manager,          [OK_A,         NF,           NF]),
    (R::DataReturnXlsx,        Admin,            [DENY,         DENY,         DENY]),
    (R::DataReturnXlsx,        DataProtection,   [DENY,         DENY,         DENY]),
    (R::DataReturnXlsx,        PoliceCaseworker, [NF,           NF,           NF]),
    (R::DataReturnXlsx,        MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::DataReturnXlsx,        SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),

    // The last four quarters: one return a quarter, the first call deciding access (a
    // refusal writes that one row and reads no further quarter).
    (R::DataReturnTrend,       Caseworker,       [NF,           NF,           NF]),
    (R::DataReturnTrend,       Coordinator,      [OK_A,         NF,           NF]),
    (R::DataReturnTrend,       AgencyRep,        [NF,           NF,           NF]),
    (R::DataReturnTrend,       Manager,          [OK_A,         NF,           NF]),
    (R::DataReturnTrend,       Admin,            [DENY,         DENY,         DENY]),
    (R::DataReturnTrend,       DataProtection,   [DENY,         DENY,         DENY]),
    (R::DataReturnTrend,       PoliceCaseworker, [NF,           NF,           NF]),
    (R::DataReturnTrend,       MfaPending,       [TO_MFA,       TO_MFA,       TO_MFA]),
    (R::DataReturnTrend,       SignedOut,        [SIGN_IN,      SIGN_IN,      SIGN_IN]),
];

/// The seeded cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Case {
    /// Held by the Idva service, created by caseworker B (the `Caseworker` actor).
    OwnCw,
    /// Held by the Idva service, created by the Marac coordinator.
    OwnMc,
    /// Held by the Idva service, created by caseworker A.
    Same,
    /// Held by the Idva service, created by caseworker D of team South.
    OtherTeam,
    /// Held by the police, created by the police caseworker.
    Police,
    /// Held by the Idva service, created by caseworker A, excluding every actor by name
    /// (except A) and the police as an agency.
    Excluding,
}
const ALL_CASES: [Case; 6] = [
    Case::OwnCw,
    Case::OwnMc,
    Case::Same,
    Case::OtherTeam,
    Case::Police,
    Case::Excluding,
];

impl Case {
    fn key(self) -> &'static str {
        match self {
            Case::OwnCw => "OWNCW",
            Case::OwnMc => "OWNMC",
            Case::Same => "SAME",
            Case::OtherTeam => "OTHERTEAM",
            Case::Police => "POLICE",
            Case::Excluding => "EXCL",
        }
    }
}

/// Which seeded case each situation means for each actor (`None`: not applicable).
fn case_for(who: Who, s: Situation) -> Option<Case> {
    match (s, who) {
        (Situation::Own, Caseworker) => Some(Case::OwnCw),
        (Situation::Own, Coordinator) => Some(Case::OwnMc),
        (Situation::Own, PoliceCaseworker) => Some(Case::Police),
        // Caseworker C (the unfinished sign-in) created no case.
        (Situation::Own, _) => None,
        (Situation::SameAgency, PoliceCaseworker) => None,
        (Situation::SameAgency, _) => Some(Case::Same),
        (Situation::OtherTeam, _) => Some(Case::OtherTeam),
        (Situation::OtherAgency, PoliceCaseworker) => Some(Case::Same),
        (Situation::OtherAgency, _) => Some(Case::Police),
        (Situation::ExcludingMe, _) => Some(Case::Excluding),
        (Situation::NonExistent, _) => None,
    }
}

/// The seeded cases each actor may see: what lists must contain, exactly.
fn visible(who: Who) -> BTreeSet<Case> {
    match who {
        // Caseworker B is held to team North's cases; the others see the whole agency's.
        Caseworker => [Case::OwnCw, Case::OwnMc, Case::Same].into(),
        Coordinator | Manager => [Case::OwnCw, Case::OwnMc, Case::Same, Case::OtherTeam].into(),
        PoliceCaseworker => [Case::Police].into(),
        // Until the second factor is given, nothing.
        AgencyRep | Admin | DataProtection | MfaPending | SignedOut => BTreeSet::new(),
    }
}

/// The seeded cases allocated to each actor (the "mine" filter).
fn allocated(who: Who) -> BTreeSet<Case> {
    match who {
        Caseworker => [Case::OwnCw].into(),
        Coordinator => [Case::OwnMc].into(),
        PoliceCaseworker => [Case::Police].into(),
        _ => BTreeSet::new(),
    }
}

/// The seeded cases whose people each actor may see named on the Marac's pages: the cases
/// on meeting 1's agenda for those who run it and for the agency rep (research window
/// open), and the cases of their agency's Marac actions for the rest. `Excluding` is on the
/// agenda too, and nobody here may see it. This never opens the case record (see
/// `check_agenda_never_opens_the_case`).
fn marac_sight(who: Who) -> BTreeSet<Case> {
    match who {
        Coordinator | AgencyRep => [Case::Same, Case::Police].into(),
        // The holder agency's action on `Same`.
        Caseworker | Manager => [Case::Same].into(),
        // The action the coordinator's row of `POST …/actions` gives the police.
        PoliceCaseworker => [Case::Police].into(),
        Admin | DataProtection | MfaPending | SignedOut => BTreeSet::new(),
    }
}

/// The markers a Marac page may show of a case on its agenda: the names of its people.
/// Nothing else of the case record (notes, Dash details, restricted fields, reasons) ever
/// reaches a Marac page, whoever asks.
fn is_name_marker(m: &str) -> bool {
    [
        "VICTIM-GIVEN",
        "VICTIM-FAMILY",
        "PERP-GIVEN",
        "PERP-FAMILY",
        "CHILD-GIVEN",
    ]
    .iter()
    .any(|f| m.starts_with(&format!("MARKER-{f}-")))
}

/// The marker strings seeded into every free-text field of a case. A phone number must be
/// digits, so it gets a distinctive digit string instead.
fn markers(c: Case) -> Vec<String> {
    let k = c.key();
    let mut m: Vec<String> = [
        "VICTIM-GIVEN",
        "VICTIM-FAMILY",
        "PERP-GIVEN",
        "PERP-FAMILY",
        "CHILD-GIVEN",
        "SAFE-TIMES",
        "REASON",
        "CONSENT-REASON",
        "DASH-DETAIL",
        "JUDGEMENT",
        "CONTACT-NOTE",
        "INTERVENTION-NOTE",
        "SCHOOL",
        "ADDRESS",
        "REFUGE",
        "GP",
    ]
    .iter()
    .map(|f| format!("MARKER-{f}-{k}"))
    .collect();
    m.push(phone(c).to_owned());
    m.push(postcode(c).to_owned());
    if c == Case::Excluding {
        m.push(format!("MARKER-EXCLUSION-REASON-{k}"));
    }
    m
}

/// The markers of a case's restricted fields (safe phone, safe times, a child's school,
/// and where the victim lives).
fn restricted(c: Case) -> Vec<String> {
    let mut r = vec![
        phone(c).to_owned(),
        format!("MARKER-SAFE-TIMES-{}", c.key()),
        format!("MARKER-SCHOOL-{}", c.key()),
    ];
    r.extend(whereabouts(c));
    r
}

/// The markers of where the victim lives: address, postcode, refuge, GP practice.
fn whereabouts(c: Case) -> Vec<String> {
    vec![
        format!("MARKER-ADDRESS-{}", c.key()),
        postcode(c).to_owned(),
        format!("MARKER-REFUGE-{}", c.key()),
        format!("MARKER-GP-{}", c.key()),
    ]
}

/// A real-looking postcode per case, in canonical form (no other text in the app has it).
fn postcode(c: Case) -> &'static str {
    match c {
        Case::OwnCw => "ZE9 7QA",
        Case::OwnMc => "ZE9 7QB",
        Case::Same => "ZE9 7QD",
        Case::OtherTeam => "ZE9 7QG",
        Case::Police => "ZE9 7QE",
        Case::Excluding => "ZE9 7QF",
    }
}

fn phone(c: Case) -> &'static str {
    match c {
        Case::OwnCw => "07700913571",
        Case::OwnMc => "07700913572",
        Case::Same => "07700913573",
        Case::OtherTeam => "07700913576",
        Case::Police => "07700913574",
        Case::Excluding => "07700913575",
    }
}

// ---------------------------------------------------------------------------------------
// The harness (the parts of http.rs this test needs)
// ---------------------------------------------------------------------------------------

struct TestApp {
    base: String,
    client: reqwest::Client,
    label: &'static str,
    t: TestStore,
    /// Each user's unused recovery codes, spent one per later second factor.
    recovery_codes: std::sync::Mutex<HashMap<String, Vec<String>>>,
}

/// A signed-in client: the session cookie and the CSRF token (both empty when signed out).
#[derive(Clone, Default)]
struct Signed {
    cookie: String,
    csrf: String,
}

impl TestApp {
    async fn spawn(t: TestStore, config: waymark_web::WebConfig) -> TestApp {
        let state = waymark_web::AppState::new(
            t.store.clone(),
            InstrumentRegistry::builtin().unwrap(),
            config,
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                waymark_web::app(state).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base: format!("http://{addr}"),
            client,
            label: t.label,
            t,
            recovery_codes: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A fresh sign-in token and its double-submit cookie, fetched without a session.
    async fn sign_in_token(&self) -> (String, String) {
        let page = self.client.get(self.url("/sign-in")).send().await.unwrap();
        let cookie = cookie_pair(page.headers(), "__Host-waymark-signin").unwrap();
        let token = hidden(&page.text().await.unwrap(), "signin_token");
        (cookie, token)
    }

    /// Signs in with the password only: the session cookie and where it was sent next.
    async fn password_step(&self, email: &str) -> (String, String) {
        let (signin_cookie, token) = self.sign_in_token().await;
        let res = self
            .client
            .post(self.url("/sign-in"))
            .header("cookie", &signin_cookie)
            .form(&[
                ("signin_token", token.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{}: sign-in as {email}",
            self.label
        );
        let cookie = cookie_pair(res.headers(), "__Host-waymark-session").unwrap();
        (cookie, res.headers()[LOCATION].to_str().unwrap().to_owned())
    }

    /// A session that has given the password but not yet the second factor, with the CSRF
    /// token from the second-factor page.
    async fn pending_session(&self, email: &str) -> Signed {
        let (cookie, next) = self.password_step(email).await;
        assert_eq!(next, "/sign-in/mfa", "{}: {email} is enrolled", self.label);
        let page = self
            .client
            .get(self.url("/sign-in/mfa"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf_token");
        Signed { cookie, csrf }
    }

    /// One unused recovery code of `email`.
    fn recovery_code(&self, email: &str) -> String {
        self.recovery_codes
            .lock()
            .unwrap()
            .get_mut(email)
            .and_then(Vec::pop)
            .unwrap()
    }

    /// Signs in all the way: password, then enrolment in the second factor (the first
    /// time) or a recovery code (after that).
    async fn sign_in(&self, email: &str) -> Signed {
        let (cookie, next) = self.password_step(email).await;
        let cookie = match next.as_str() {
            "/account/mfa/setup" => self.enrol_mfa(email, &cookie).await,
            "/sign-in/mfa" => {
                let pending = self.pending_session(email).await;
                self.second_factor(&pending, &self.recovery_code(email))
                    .await
            }
            _ => cookie,
        };
        let me = self
            .client
            .get(self.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.status(),
            StatusCode::OK,
            "{}: signed in as {email}",
            self.label
        );
        let me: Value = me.json().await.unwrap();
        Signed {
            cookie,
            csrf: me["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Sets up an authenticator from the setup page and keeps the recovery codes shown.
    /// Returns the new session cookie.
    async fn enrol_mfa(&self, email: &str, cookie: &str) -> String {
        let page = self
            .client
            .get(self.url("/account/mfa/setup"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{}: setup page", self.label);
        let page = page.text().await.unwrap();
        let secret = page
            .split("id=\"totp-secret\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .replace(' ', "");
        let csrf = hidden(&page, "csrf_token");
        let code = waymark_store::mfa::code_at(&secret, time::OffsetDateTime::now_utc()).unwrap();
        let res = self
            .client
            .post(self.url("/account/mfa/setup"))
            .header("cookie", cookie)
            .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}: enrolment", self.label);
        let fresh = cookie_pair(res.headers(), "__Host-waymark-session").unwrap();
        let body = res.text().await.unwrap();
        let codes: Vec<String> = body
            .split("<li><code>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap().to_owned())
            .collect();
        assert!(codes.len() >= 5, "{}: recovery codes", self.label);
        self.recovery_codes
            .lock()
            .unwrap()
            .insert(email.to_owned(), codes);
        fresh
    }

    /// Gives a second-factor code; returns the new session cookie.
    async fn second_factor(&self, pending: &Signed, code: &str) -> String {
        let res = self
            .client
            .post(self.url("/sign-in/mfa"))
            .header("cookie", &pending.cookie)
            .form(&[("csrf_token", pending.csrf.as_str()), ("code", code)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{}: second factor",
            self.label
        );
        cookie_pair(res.headers(), "__Host-waymark-session").unwrap()
    }

    fn request(&self, who: &Signed, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.client.request(method, self.url(path));
        if who.cookie.is_empty() {
            req
        } else {
            req.header("cookie", &who.cookie)
        }
    }

    async fn get(&self, who: &Signed, path: &str) -> reqwest::Response {
        self.request(who, Method::GET, path).send().await.unwrap()
    }

    async fn post_json(&self, who: &Signed, path: &str, body: &Value) -> reqwest::Response {
        self.request(who, Method::POST, path)
            .header("x-csrf-token", &who.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// The UK date, as the application's `uk_today` reads it from the system clock the matrix
/// runs on.
fn uk_today() -> time::Date {
    waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc())
}

fn cookie_pair(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap() + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn dash_form(csrf: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf_token".to_owned(), csrf.to_owned()),
        ("assessed_on".to_owned(), "2026-01-11".to_owned()),
        ("abuse_incidents_last_12_months".to_owned(), "0".to_owned()),
    ];
    for i in 1..=24 {
        form.push((
            format!("q{i}"),
            if i <= 5 { "yes" } else { "no" }.to_owned(),
        ));
    }
    form
}

fn assessment_json(detail: Option<(&str, &str)>) -> Value {
    // 14 yes: visible high risk, so the seeded cases all pass a `risk=high` filter.
    let answers: serde_json::Map<String, Value> = (1..=24)
        .map(|i| (format!("q{i}"), json!(if i <= 14 { "yes" } else { "no" })))
        .collect();
    let mut body = json!({
        "answers": answers, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-01-11",
    });
    if let Some((d, j)) = detail {
        body["details"] = json!({ "q1": d });
        body["professional_judgement"] = json!({ "reason": j });
    }
    body
}

/// A valid referral with ordinary (non-marker) names, as the matrix's POSTs send it.
fn referral_fields(marac: &str, referrer: &str) -> Vec<(&'static str, String)> {
    [
        ("victim_given_name", "Vera"),
        ("victim_family_name", "Matrixcheck"),
        ("perpetrator_given_name", "Perry"),
        ("perpetrator_family_name", "Sample"),
        ("relationship", "ex_partner"),
        ("route", "police"),
        ("referred_on", "2026-01-10"),
        ("consent", "given"),
        ("victim_aware", "yes"),
        ("safe_phone", "07700 900456"),
        ("voicemail_safe", "no"),
        ("post_safe", "no"),
    ]
    .iter()
    .map(|(k, v)| (*k, (*v).to_owned()))
    .chain([
        ("referring_agency_id", referrer.to_owned()),
        ("marac_id", marac.to_owned()),
    ])
    .collect()
}

// ---------------------------------------------------------------------------------------
// The world the matrix is checked in
// ---------------------------------------------------------------------------------------

struct Person {
    id: Uuid,
    email: &'static str,
    signed: Signed,
}

struct Seeded {
    id: Uuid,
    reference: String,
    assessment_id: Uuid,
    intervention_id: Uuid,
    /// Who created it (and may always see it): used to count what it holds.
    creator: Uuid,
}

struct World {
    app: TestApp,
    people: HashMap<Who, Person>,
    /// Caseworker A: creates `Same` and `Excluding`; not an actor of the matrix.
    a: Person,
    /// Caseworker D, of team South: creates `OtherTeam`; not an actor of the matrix.
    d: Person,
    police_caseworker_id: Uuid,
    cases: HashMap<Case, Seeded>,
    marac_id: Uuid,
    police_agency_id: Uuid,
    /// A police user, excluded by the matrix's exclusion POSTs; never an actor.
    bystander_id: Uuid,
    missing_case: Uuid,
    missing_assessment: Uuid,
    holder_agency_id: Uuid,
    /// A second Marac, which nobody here coordinates or sits at.
    other_marac_id: Uuid,
    /// A second Marac coordinator of the holder, excluded from nothing: screens, publishes
    /// and adds the seeded actions, and reads the Marac's state for the side-effect checks.
    /// Never an actor.
    runner_id: Uuid,
    /// The Marac's meetings, hearings, referrals and actions, once seeded.
    marac: Option<MaracWorld>,
}

/// What `World::seed_marac` builds. Meeting 1 (published) hears `Same`, `Police` and
/// `Excluding` (three cases, its capacity); meeting 2 (published) hears `Excluding` again
/// and nothing else. A third referral of `Excluding` waits in the screening queue.
struct MaracWorld {
    m1: Uuid,
    m1_on: time::Date,
    m2: Uuid,
    h_same: Uuid,
    h_police: Uuid,
    /// `Excluding` on meeting 1.
    h_excl: Uuid,
    /// `Excluding` on meeting 2.
    h_excl2: Uuid,
    r_police: Uuid,
    r_excl: Uuid,
    /// The holder agency's action on `Same` (meeting 1).
    a_same: Uuid,
    /// The holder agency's action on `Excluding` (meeting 1).
    a_excl: Uuid,
}

impl World {
    async fn build(t: TestStore) -> World {
        let tx = t.store.begin().await.unwrap();
        let holder = tx
            .create_agency("Holder Idva Service", "idva_service")
            .await
            .unwrap();
        let police = tx.create_agency("Police", "police").await.unwrap();
        let marac = tx
            .create_marac("Marac", "Area", &Thresholds::default())
            .await
            .unwrap();
        let other_marac = tx
            .create_marac("Other Marac", "Elsewhere", &Thresholds::default())
            .await
            .unwrap();
        let mut ids = HashMap::new();
        for (email, name, agency, role) in [
            (
                "a@example.test",
                "Caseworker A",
                holder.id,
                Role::Caseworker,
            ),
            (
                "b@example.test",
                "Caseworker B",
                holder.id,
                Role::Caseworker,
            ),
            (
                "coordinator@example.test",
                "Coordinator",
                holder.id,
                Role::MaracCoordinator,
            ),
            ("rep@example.test", "Agency Rep", holder.id, Role::AgencyRep),
            ("manager@example.test", "Manager", holder.id, Role::Manager),
            ("admin@example.test", "Admin", holder.id, Role::Admin),
            (
                "dpo@example.test",
                "Data Protection",
                holder.id,
                Role::DataProtection,
            ),
            (
                "c@example.test",
                "Caseworker C",
                holder.id,
                Role::Caseworker,
            ),
            (
                "d@example.test",
                "Caseworker D",
                holder.id,
                Role::Caseworker,
            ),
            (
                "officer@example.test",
                "Officer",
                police.id,
                Role::Caseworker,
            ),
            (
                "bystander@example.test",
                "Bystander",
                police.id,
                Role::Caseworker,
            ),
            (
                "runner@example.test",
                "Marac Runner",
                holder.id,
                Role::MaracCoordinator,
            ),
        ] {
            let u = tx
                .create_user(email, name, agency, role, PASSWORD)
                .await
                .unwrap();
            ids.insert(email, u.id);
        }
        // The holder holds its caseworkers to their team's cases: A, B, C and the
        // coordinator (whose cases then belong to North) in North, D in South.
        tx.set_team_restriction(holder.id, true).await.unwrap();
        let north = tx.add_team(holder.id, "North").await.unwrap();
        let south = tx.add_team(holder.id, "South").await.unwrap();
        for (email, team) in [
            ("a@example.test", north.id),
            ("b@example.test", north.id),
            ("c@example.test", north.id),
            ("coordinator@example.test", north.id),
            ("d@example.test", south.id),
        ] {
            tx.set_user_team(ids[email], Some(team)).await.unwrap();
        }
        tx.commit().await.unwrap();
        // The self-referral form sends to the holder. Every actor posts it from the same
        // address, so its per-address limit is out of the way here (http.rs tests it).
        let config = waymark_web::WebConfig {
            self_referral: Some(waymark_web::SelfReferralTarget {
                agency_id: holder.id,
                marac_id: marac.id,
            }),
            self_referral_limit: waymark_domain::self_referral::SubmissionLimit {
                max_per_address: 1000,
                window: time::Duration::hours(1),
            },
            ..waymark_web::WebConfig::default()
        };
        let app = TestApp::spawn(t, config).await;
        let email_of = |who: Who| match who {
            Caseworker => "b@example.test",
            Coordinator => "coordinator@example.test",
            AgencyRep => "rep@example.test",
            Manager => "manager@example.test",
            Admin => "admin@example.test",
            DataProtection => "dpo@example.test",
            PoliceCaseworker => "officer@example.test",
            MfaPending => "c@example.test",
            SignedOut => "",
        };
        let mut people = HashMap::new();
        for who in WHO {
            let email = email_of(who);
            let signed = match who {
                SignedOut => Signed::default(),
                MfaPending => {
                    // Enrolled once, then stopped at the second factor.
                    app.sign_in(email).await;
                    app.pending_session(email).await
                }
                _ => app.sign_in(email).await,
            };
            let id = ids.get(email).copied().unwrap_or_else(Uuid::nil);
            people.insert(who, Person { id, email, signed });
        }
        let a = Person {
            id: ids["a@example.test"],
            email: "a@example.test",
            signed: app.sign_in("a@example.test").await,
        };
        let d = Person {
            id: ids["d@example.test"],
            email: "d@example.test",
            signed: app.sign_in("d@example.test").await,
        };
        let mut w = World {
            app,
            people,
            a,
            d,
            police_caseworker_id: ids["officer@example.test"],
            cases: HashMap::new(),
            marac_id: marac.id,
            police_agency_id: police.id,
            bystander_id: ids["bystander@example.test"],
            missing_case: Uuid::now_v7(),
            missing_assessment: Uuid::now_v7(),
            holder_agency_id: holder.id,
            other_marac_id: other_marac.id,
            runner_id: ids["runner@example.test"],
            marac: None,
        };
        for c in ALL_CASES {
            let seeded = w.seed(c).await;
            w.cases.insert(c, seeded);
        }
        // Exclude every actor by name from `Excluding`, and the police as an agency.
        let excl = w.cases[&Case::Excluding].id;
        // (Caseworker C, the unfinished sign-in, is among them.)
        let mut exclusions: Vec<(&str, String)> = WHO
            .iter()
            .filter(|w| **w != SignedOut)
            .map(|who| ("user", w.people[who].id.to_string()))
            .collect();
        exclusions.push(("agency", w.police_agency_id.to_string()));
        for (kind, id) in exclusions {
            let field = format!("excluded_{kind}_id");
            let reason = format!("MARKER-EXCLUSION-REASON-{}", Case::Excluding.key());
            let res = w
                .app
                .request(
                    &w.a.signed,
                    Method::POST,
                    &format!("/cases/{excl}/exclusions"),
                )
                .form(&[
                    ("csrf_token", w.a.signed.csrf.as_str()),
                    ("kind", kind),
                    (field.as_str(), id.as_str()),
                    ("reason", reason.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "seeding an exclusion");
        }
        w.marac = Some(w.seed_marac().await);
        w
    }

    /// The Marac as it runs: configured, three cases referred, screened onto meeting 1 and
    /// `Excluding` again onto meeting 2, both agendas published, the holder agency given an
    /// action on `Same` and on `Excluding`. The runner (a coordinator excluded from
    /// nothing) does what a coordinator does; nobody else has accepted a confidentiality
    /// statement yet (`check_marac_seeding` does that over HTTP).
    async fn seed_marac(&self) -> MaracWorld {
        let today = uk_today();
        let tx = self.app.t.store.begin().await.unwrap();
        tx.configure_marac(
            self.marac_id,
            &MaracSettings {
                coordinating_agency_id: Some(self.holder_agency_id),
                chair_user_id: None,
                schedule: Some(Schedule {
                    first_on: time::macros::date!(2026 - 01 - 06),
                    cadence: Cadence::EveryWeeks { weeks: 2 },
                }),
                // Three cases a meeting, so that the fourth referral opens meeting 2.
                capacity: Capacity {
                    cases_per_meeting: 3,
                    ..Capacity::default()
                },
                repeats_first: true,
                adult_female_population: Some(100_000),
                // The agency rep works for the holder.
                members: vec![self.holder_agency_id, self.police_agency_id],
            },
        )
        .await
        .unwrap();
        let runner = tx.user(self.runner_id).await.unwrap().unwrap();
        let a = tx.user(self.a.id).await.unwrap().unwrap();
        let officer = tx.user(self.police_caseworker_id).await.unwrap().unwrap();
        let details = MaracReferralInput {
            consent: "given".into(),
            victim_aware: "yes".into(),
            reason: "Threats to kill since the separation".into(),
            victim_racially_minoritised: "no".into(),
            victim_disabled: "not_known".into(),
            victim_lgbt: "no".into(),
            victim_gender: "female".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let accept = ScreeningInput {
            decision: "accept".into(),
            ..Default::default()
        };
        let mut referrals = Vec::new();
        for (c, by) in [
            (Case::Same, &a),
            (Case::Police, &officer),
            (Case::Excluding, &a),
            (Case::Excluding, &a),
        ] {
            let (id, _) = tx
                .refer_to_marac(by, self.cases[&c].id, &details, today, None)
                .await
                .unwrap();
            let on = tx
                .screen_referral(&runner, id, &accept, today, None)
                .await
                .unwrap();
            assert!(on.is_some(), "{c:?} accepted onto a meeting");
            referrals.push(id);
        }
        // A third referral of `Excluding`, left waiting for the coordinator, who is
        // excluded from it and so must never see it in the queue.
        tx.refer_to_marac(&a, self.cases[&Case::Excluding].id, &details, today, None)
            .await
            .unwrap();
        let meetings = tx.meetings_for(&runner).await.unwrap();
        assert_eq!(meetings.len(), 2, "two meetings");
        let (m1, m2) = (meetings[0].id, meetings[1].id);
        for m in [m1, m2] {
            tx.publish_agenda(&runner, m, None).await.unwrap();
            tx.accept_confidentiality(&runner, m, None).await.unwrap();
        }
        let agenda = |v: &MeetingView, c: Case| {
            v.agenda
                .iter()
                .find(|x| x.case_id == self.cases[&c].id)
                .unwrap()
                .hearing_id
        };
        let one = tx.meeting(&runner, m1, today, None).await.unwrap();
        let two = tx.meeting(&runner, m2, today, None).await.unwrap();
        assert_eq!((one.agenda.len(), two.agenda.len()), (3, 1), "agendas");
        let due = (one.meets_on + time::Duration::days(28)).to_string();
        let mut actions = Vec::new();
        for c in [Case::Same, Case::Excluding] {
            let input = ActionInput {
                action: "Fit a door alarm and a letterbox guard".into(),
                agency_id: self.holder_agency_id.to_string(),
                due_on: due.clone(),
                purpose: "victim".into(),
            };
            actions.push(
                tx.add_action(&runner, agenda(&one, c), &input, None)
                    .await
                    .unwrap(),
            );
        }
        tx.commit().await.unwrap();
        MaracWorld {
            m1,
            m1_on: one.meets_on,
            m2,
            h_same: agenda(&one, Case::Same),
            h_police: agenda(&one, Case::Police),
            h_excl: agenda(&one, Case::Excluding),
            h_excl2: agenda(&two, Case::Excluding),
            r_police: referrals[1],
            r_excl: referrals[2],
            a_same: actions[0],
            a_excl: actions[1],
        }
    }

    fn mw(&self) -> &MaracWorld {
        self.marac.as_ref().unwrap()
    }

    fn agency_of(&self, who: Who) -> Uuid {
        match who {
            PoliceCaseworker => self.police_agency_id,
            _ => self.holder_agency_id,
        }
    }

    /// The ids a Marac route's placeholders stand for in a situation: referral, meeting,
    /// hearing, action and Marac.
    fn marac_objects(&self, s: Option<MaracSituation>) -> [Uuid; 5] {
        match s {
            Some(MaracSituation::Agenda) => {
                let mw = self.mw();
                [mw.r_police, mw.m1, mw.h_police, mw.a_same, self.marac_id]
            }
            Some(MaracSituation::Barred) => {
                let mw = self.mw();
                [mw.r_excl, mw.m2, mw.h_excl, mw.a_excl, self.other_marac_id]
            }
            None | Some(MaracSituation::NonExistent) => [self.missing_case; 5],
        }
    }

    /// The id a Marac route names in a situation (what a refusal's row names).
    fn marac_object(&self, route: R, s: MaracSituation) -> Uuid {
        let [referral, meeting, hearing, action, marac] = self.marac_objects(Some(s));
        let p = route.method_path().1;
        if p.contains("{referral_id}") {
            referral
        } else if p.contains("{meeting_id}") {
            meeting
        } else if p.contains("{hearing_id}") {
            hearing
        } else if p.contains("{action_id}") {
            action
        } else {
            marac
        }
    }

    /// Everything a Marac POST could change, read by the runner (who sees every case on
    /// both meetings): both meetings (agenda, research and action counts, decisions,
    /// attendance) and all four hearings (research, minutes, actions and their status).
    async fn marac_state(&self) -> String {
        let mw = self.mw();
        let today = uk_today();
        let tx = self.app.t.store.begin().await.unwrap();
        let runner = tx.user(self.runner_id).await.unwrap().unwrap();
        let mut out = String::new();
        for m in [mw.m1, mw.m2] {
            let view = tx.meeting(&runner, m, today, None).await.unwrap();
            out.push_str(&format!("{view:?}\n"));
        }
        for h in [mw.h_same, mw.h_police, mw.h_excl, mw.h_excl2] {
            match tx.hearing(&runner, h, today, None).await.unwrap() {
                HearingAccess::Open(view) => out.push_str(&format!("{view:?}\n")),
                other => panic!("the runner cannot read hearing {h}: {other:?}"),
            }
        }
        tx.commit().await.unwrap();
        out
    }

    fn signed(&self, who: Who) -> &Signed {
        &self.people[&who].signed
    }

    fn creator(&self, c: Case) -> &Signed {
        match c {
            Case::OwnCw => self.signed(Caseworker),
            Case::OwnMc => self.signed(Coordinator),
            Case::Police => self.signed(PoliceCaseworker),
            Case::Same | Case::Excluding => &self.a.signed,
            Case::OtherTeam => &self.d.signed,
        }
    }

    fn creator_id(&self, c: Case) -> Uuid {
        match c {
            Case::OwnCw => self.people[&Caseworker].id,
            Case::OwnMc => self.people[&Coordinator].id,
            Case::Police => self.police_caseworker_id,
            Case::Same | Case::Excluding => self.a.id,
            Case::OtherTeam => self.d.id,
        }
    }

    /// Creates a case through the API with a marker in every free-text field, and one Dash.
    async fn seed(&self, c: Case) -> Seeded {
        let k = c.key();
        let m = |f: &str| format!("MARKER-{f}-{k}");
        let who = self.creator(c);
        let body = json!({
            "marac_id": self.marac_id.to_string(),
            "referral": {
                "victim_given_name": m("VICTIM-GIVEN"), "victim_family_name": m("VICTIM-FAMILY"),
                "perpetrator_given_name": m("PERP-GIVEN"), "perpetrator_family_name": m("PERP-FAMILY"),
                "relationship": "ex_partner", "referring_agency_id": self.police_agency_id.to_string(),
                "route": "police", "referred_on": "2026-01-10",
                "consent": "not_given", "consent_reason": m("CONSENT-REASON"),
                "victim_aware": "yes", "voicemail_safe": "no", "post_safe": "no",
                "safe_phone": phone(c), "safe_times": m("SAFE-TIMES"), "reason": m("REASON"),
                "children": [{ "given_name": m("CHILD-GIVEN"), "family_name": m("VICTIM-FAMILY"), "date_of_birth": "2019-02-03", "lives_with": "victim" }]
            }
        });
        let res = self.app.post_json(who, "/api/v1/referrals", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "seeding {c:?}");
        let id: Uuid = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let res = self
            .app
            .post_json(
                who,
                &format!("/api/v1/cases/{id}/assessments"),
                &assessment_json(Some((&m("DASH-DETAIL"), &m("JUDGEMENT")))),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "seeding {c:?}'s Dash");
        let assessment_id: Uuid = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let case: Value = self
            .app
            .get(who, &format!("/api/v1/cases/{id}"))
            .await
            .json()
            .await
            .unwrap();
        // A contact and an intervention, with markers in their notes.
        let tx = self.app.t.store.begin().await.unwrap();
        let creator = tx.user(self.creator_id(c)).await.unwrap().unwrap();
        tx.record_contact(
            &creator,
            id,
            &waymark_domain::casework::ContactInput {
                contact_on: "2026-01-12".into(),
                kind: "phone".into(),
                outcome: "spoke".into(),
                significant: "yes".into(),
                note: m("CONTACT-NOTE"),
                ..Default::default()
            },
            time::macros::date!(2026 - 11 - 25),
            None,
        )
        .await
        .unwrap();
        let intervention_id = tx
            .add_intervention(
                &creator,
                id,
                &waymark_domain::casework::InterventionInput {
                    kind: "housing".into(),
                    status: "offered".into(),
                    note: m("INTERVENTION-NOTE"),
                    ..Default::default()
                },
                &[],
                None,
            )
            .await
            .unwrap();
        // A child added later, with a school: a restricted field.
        tx.add_linked_person(
            &creator,
            id,
            &waymark_domain::linked_person::LinkedPersonInput {
                role: "child".into(),
                given_name: "Later".into(),
                family_name: "Child".into(),
                school: m("SCHOOL"),
                ..Default::default()
            },
            time::macros::date!(2026 - 11 - 25),
            None,
        )
        .await
        .unwrap();
        // Where the victim lives: restricted fields on the case.
        tx.update_whereabouts(
            &creator,
            id,
            &waymark_domain::whereabouts::WhereaboutsInput {
                address: format!("{}\n1 Matrix Row", m("ADDRESS")),
                postcode: postcode(c).into(),
                refuge: m("REFUGE"),
                gp_practice: m("GP"),
            },
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        Seeded {
            id,
            reference: case["reference"].as_str().unwrap().to_owned(),
            assessment_id,
            intervention_id,
            creator: self.creator_id(c),
        }
    }

    /// The newest audit row's sequence number.
    async fn audit_head(&self) -> i64 {
        let rows = self.app.t.store.recent_audit(1).await.unwrap();
        rows.first().map(|r| r.seq).unwrap_or(0)
    }

    /// How many assessments, exclusions, contacts, interventions, people and Marac
    /// referrals a case holds, read through the store as its creator.
    async fn holdings(&self, c: Case) -> [usize; 6] {
        let s = &self.cases[&c];
        let tx = self.app.t.store.begin().await.unwrap();
        let user = tx.user(s.creator).await.unwrap().unwrap();
        let (d, w) = tx
            .case_with_casework(&user, s.id, &Default::default(), None)
            .await
            .unwrap();
        let referrals = tx.case_marac_referrals(&d).await.unwrap();
        tx.commit().await.unwrap();
        [
            d.assessments.len(),
            d.exclusions.len(),
            w.contacts.len(),
            w.interventions.len(),
            d.people.len(),
            referrals.len(),
        ]
    }

    /// The case's recorded address, revealed through the store as its creator.
    async fn address(&self, c: Case) -> Option<String> {
        let s = &self.cases[&c];
        let tx = self.app.t.store.begin().await.unwrap();
        let user = tx.user(s.creator).await.unwrap().unwrap();
        let r = tx.reveal_restricted(&user, s.id, None).await.unwrap();
        tx.commit().await.unwrap();
        r.whereabouts.address
    }

    /// How many cases exist, read through the store as the runner and the police caseworker
    /// (between them they see every case the matrix can create, whatever its team).
    async fn case_count(&self) -> usize {
        let tx = self.app.t.store.begin().await.unwrap();
        let mut n = 0;
        for id in [self.runner_id, self.police_caseworker_id] {
            let user = tx.user(id).await.unwrap().unwrap();
            n += tx
                .list_cases(&user, &CaseFilter::default(), None)
                .await
                .unwrap()
                .len();
        }
        tx.commit().await.unwrap();
        n
    }

    /// The markers a response to `who` must not contain.
    fn banned(&self, who: Who, refused: bool, route: R) -> Vec<(Case, String)> {
        let seen = visible(who);
        let reveal = matches!(route, R::RevealSafeContact | R::RevealSafeContactApi);
        // The whereabouts form reveals where the victim lives, and nothing else restricted.
        let reveal_whereabouts = route == R::WhereaboutsForm;
        ALL_CASES
            .iter()
            .flat_map(|c| {
                let hidden = refused || !seen.contains(c);
                markers(*c)
                    .into_iter()
                    // Restricted fields appear only in an allowed reveal, never otherwise.
                    .filter(move |m| {
                        hidden
                            || (!reveal
                                && restricted(*c).contains(m)
                                && !(reveal_whereabouts && whereabouts(*c).contains(m)))
                    })
                    .map(move |m| (*c, m))
            })
            .collect()
    }

    /// What a response of a Marac page to `who` must not contain: of the cases the actor
    /// may see on the Marac's pages, anything but the names of their people; of every other
    /// case, every marker; and the reference of any case the actor may see neither as a case
    /// nor on the Marac. A refusal contains none of it.
    fn banned_marac(&self, who: Who, refused: bool) -> Vec<(Case, String)> {
        let sight = marac_sight(who);
        let known: BTreeSet<Case> = visible(who).union(&sight).copied().collect();
        let mut out = Vec::new();
        for c in ALL_CASES {
            for m in markers(c) {
                if refused || !sight.contains(&c) || !is_name_marker(&m) {
                    out.push((c, m));
                }
            }
            if refused || !known.contains(&c) {
                out.push((c, self.cases[&c].reference.clone()));
            }
        }
        out
    }
}

/// What came back, read in full.
struct Answer {
    status: u16,
    location: String,
    /// The body, with a JSON error's per-request `request_id` replaced, so that two 404s
    /// can be compared byte for byte.
    body: String,
    /// Headers and body, for the marker search.
    everything: String,
}

async fn read(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let headers: String = res
        .headers()
        .iter()
        .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let raw = res.text().await.unwrap();
    let mut body = raw.clone();
    if let Ok(v) = serde_json::from_str::<Value>(&raw)
        && let Some(id) = v["error"]["request_id"].as_str()
        && !id.is_empty()
    {
        body = raw.replace(id, "<request-id>");
    }
    Answer {
        status,
        location,
        body,
        everything: format!("{headers}\n{raw}"),
    }
}

impl World {
    /// Sends `route` as `who` about `case` (or, for a Marac route, the object of the
    /// situation `ms`) with a valid body.
    async fn send(
        &self,
        route: R,
        who: Who,
        case: Option<Case>,
        ms: Option<MaracSituation>,
    ) -> Answer {
        let (case_id, assessment_id, intervention_id, holder) = match case {
            Some(c) => (
                self.cases[&c].id,
                self.cases[&c].assessment_id,
                self.cases[&c].intervention_id,
                self.cases[&c].creator,
            ),
            None => (
                self.missing_case,
                self.missing_assessment,
                self.missing_assessment,
                self.a.id,
            ),
        };
        let (method, template) = route.method_path();
        let path = template
            .replace("{case_id}", &case_id.to_string())
            .replace("{assessment_id}", &assessment_id.to_string())
            .replace("{intervention_id}", &intervention_id.to_string())
            .replace("{stage}", "intake")
            .replace("{name}", "waymark.css")
            .replace("{user_id}", &self.a.id.to_string());
        let [referral_id, meeting_id, hearing_id, action_id, marac_id] = self.marac_objects(ms);
        let path = path
            .replace("{referral_id}", &referral_id.to_string())
            .replace("{meeting_id}", &meeting_id.to_string())
            .replace("{hearing_id}", &hearing_id.to_string())
            .replace("{action_id}", &action_id.to_string())
            .replace("{marac_id}", &marac_id.to_string());
        let me = self.signed(who);
        let marac = self.marac_id.to_string();
        let referrer = self.police_agency_id.to_string();
        let res = match route {
            R::SignIn => {
                let (signin_cookie, token) = self.app.sign_in_token().await;
                let email = if who == SignedOut {
                    self.a.email
                } else {
                    self.people[&who].email
                };
                let cookie = if me.cookie.is_empty() {
                    signin_cookie
                } else {
                    format!("{signin_cookie}; {}", me.cookie)
                };
                self.app
                    .client
                    .post(self.app.url(&path))
                    .header("cookie", cookie)
                    .form(&[
                        ("signin_token", token.as_str()),
                        ("email", email),
                        ("password", PASSWORD),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
            R::SignOut => {
                // A session of its own, so the actor's main session lives on.
                let fresh = match who {
                    SignedOut => Signed::default(),
                    MfaPending => self.app.pending_session(self.people[&who].email).await,
                    _ => self.app.sign_in(self.people[&who].email).await,
                };
                self.app
                    .request(&fresh, method, &path)
                    .form(&[("csrf_token", fresh.csrf.as_str())])
                    .send()
                    .await
                    .unwrap()
            }
            R::ChangePassword => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                    ("confirm_password", NEW_PASSWORD),
                ])
                .send()
                .await
                .unwrap(),
            R::MfaVerify => {
                // The unfinished sign-in finishes here, on a session of its own.
                let session = match who {
                    MfaPending => self.app.pending_session(self.people[&who].email).await,
                    _ => me.clone(),
                };
                let code = match who {
                    SignedOut => "12345678".to_owned(),
                    _ => self.app.recovery_code(self.people[&who].email),
                };
                self.app
                    .request(&session, method, &path)
                    .form(&[
                        ("csrf_token", session.csrf.as_str()),
                        ("code", code.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
            R::MfaSetup => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("code", "123456")])
                .send()
                .await
                .unwrap(),
            R::CaseSearch => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("q", "")])
                .send()
                .await
                .unwrap(),
            R::SelfReferral => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("immediate_danger", "no"),
                    ("given_name", "Selma"),
                    ("safe_phone", "07700 900321"),
                    ("voicemail_safe", "no"),
                ])
                .send()
                .await
                .unwrap(),
            R::CreateReferral => {
                let mut form = referral_fields(&marac, &referrer);
                form.push(("csrf_token", me.csrf.clone()));
                self.app
                    .request(me, method, &path)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
            }
            R::CreateReferralApi => {
                let referral: serde_json::Map<String, Value> = referral_fields(&marac, &referrer)
                    .into_iter()
                    .filter(|(k, _)| *k != "marac_id")
                    .map(|(k, v)| (k.to_owned(), json!(v)))
                    .collect();
                let body = json!({ "marac_id": marac, "referral": referral });
                self.app.post_json(me, &path, &body).await
            }
            R::ScoreApi => self.app.post_json(me, &path, &assessment_json(None)).await,
            R::RecordDash => self
                .app
                .request(me, method, &path)
                .form(&dash_form(&me.csrf))
                .send()
                .await
                .unwrap(),
            R::AddExclusion => {
                let bystander = self.bystander_id.to_string();
                self.app
                    .request(me, method, &path)
                    .form(&[
                        ("csrf_token", me.csrf.as_str()),
                        ("kind", "user"),
                        ("excluded_user_id", bystander.as_str()),
                        ("reason", "Knows the family"),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
            R::RecordAssessmentApi => self.app.post_json(me, &path, &assessment_json(None)).await,
            R::RevealSafeContactApi => self.app.post_json(me, &path, &json!({})).await,
            R::Confirm => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("next", "/cases"),
                    ("password", "not the password at all"),
                    ("code", "000000"),
                ])
                .send()
                .await
                .unwrap(),
            R::EmergencyAccess => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("reference", "WM-1999-99999"),
                    ("reason", "Police attending an incident at the address now"),
                ])
                .send()
                .await
                .unwrap(),
            R::RevealSafeContact => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str())])
                .send()
                .await
                .unwrap(),
            R::FindCaseLog => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("reference", self.cases[&Case::Same].reference.as_str()),
                ])
                .send()
                .await
                .unwrap(),
            // The case's own markers again, with a new second line each time, so that
            // whether it saved can be seen while every marker stays in place.
            R::SaveWhereabouts => {
                let key = case.map_or("NONE", Case::key);
                let line = self.audit_head().await;
                self.app
                    .request(me, method, &path)
                    .form(&[
                        ("csrf_token", me.csrf.as_str()),
                        (
                            "address",
                            format!("MARKER-ADDRESS-{key}\n{line} Matrix Row").as_str(),
                        ),
                        ("postcode", case.map_or("ZE9 7QG", postcode)),
                        ("refuge", format!("MARKER-REFUGE-{key}").as_str()),
                        ("gp_practice", format!("MARKER-GP-{key}").as_str()),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
            R::RecordContact => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("contact_on", "2026-01-13"),
                    ("kind", "face_to_face"),
                    ("outcome", "spoke"),
                    ("significant", "yes"),
                ])
                .send()
                .await
                .unwrap(),
            R::AddIntervention => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("kind", "civil_remedies"),
                    ("status", "accepted"),
                ])
                .send()
                .await
                .unwrap(),
            R::UpdateIntervention => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("status", "accepted")])
                .send()
                .await
                .unwrap(),
            // Allocated to whoever holds it already, so the "mine" lists stay as seeded.
            R::Allocate => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("caseworker_id", holder.to_string().as_str()),
                ])
                .send()
                .await
                .unwrap(),
            R::CorrectPeople => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str())])
                .send()
                .await
                .unwrap(),
            R::AddLinkedPerson => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("role", "child"),
                    ("given_name", "Nova"),
                    ("family_name", "Matrixchild"),
                    ("date_of_birth", "2024-05-06"),
                    ("lives_with", "victim"),
                    ("school", "Little Acorns Nursery"),
                ])
                .send()
                .await
                .unwrap(),
            // No exit measures and no reason why: refused, so the case stays open.
            R::DecideMatch => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("person_id", Uuid::now_v7().to_string().as_str()),
                    ("other_person_id", Uuid::now_v7().to_string().as_str()),
                    ("decision", "same"),
                ])
                .send()
                .await
                .unwrap(),
            R::CloseCase => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("closed_on", "2026-01-14"),
                    ("reason", "support_completed"),
                ])
                .send()
                .await
                .unwrap(),
            R::SaveSafetyPlan => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("risk_1", "Contact at handovers"),
                    ("risk_1_action_1", "Use the contact centre"),
                    ("risk_1_action_1_owner", "idva"),
                ])
                .send()
                .await
                .unwrap(),
            // Intake measures without the date they were taken: refused as a form.
            R::RecordMeasures => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("gender", "female")])
                .send()
                .await
                .unwrap(),
            // The case is still open, so a repeat of it is refused.
            R::OpenRepeat => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("referred_on", "2026-01-15"),
                    ("route", "self"),
                ])
                .send()
                .await
                .unwrap(),
            R::ReferToMarac => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("consent", "given"),
                    ("victim_aware", "yes"),
                    ("reason", "Escalating threats since the separation"),
                    ("victim_racially_minoritised", "not_known"),
                    ("victim_disabled", "no"),
                    ("victim_lgbt", "not_known"),
                    ("victim_gender", "female"),
                ])
                .send()
                .await
                .unwrap(),
            // The referral on the agenda is accepted already: screening it again is refused.
            R::Screen => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("decision", "accept")])
                .send()
                .await
                .unwrap(),
            R::AcceptConfidentiality => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("accept", "yes")])
                .send()
                .await
                .unwrap(),
            R::DecideSerialLink => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token", me.csrf.as_str()),
                    ("perpetrator", &Uuid::now_v7().to_string()),
                    ("other_perpetrator", &Uuid::now_v7().to_string()),
                    ("decision", "different"),
                ])
                .send()
                .await
                .unwrap(),
            R::PublishAgenda | R::CloseMeeting => self
                .app
                .request(me, method, &path)
                .form(&[("csrf_token", me.csrf.as_str()), ("confirmed", "yes")])
                .send()
                .await
                .unwrap(),
            R::RecordAttendance => {
                let (holder, police) = (self.holder_agency_id, self.police_agency_id);
                self.app
                    .request(me, method, &path)
                    .form(&[
                        ("csrf_token".to_owned(), me.csrf.clone()),
                        (format!("status-{holder}"), "present".to_owned()),
                        (
                            format!("attendee-{holder}"),
                            format!("Attendee for {who:?}"),
                        ),
                        (format!("sent-{holder}"), "yes".to_owned()),
                        (format!("status-{police}"), "apologies".to_owned()),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
            R::SaveResearch => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token".to_owned(), me.csrf.clone()),
                    (
                        "research".to_owned(),
                        format!("Research recorded by {who:?}"),
                    ),
                ])
                .send()
                .await
                .unwrap(),
            // No decision: a case with neither actions nor a decision keeps its meeting open.
            R::RecordMinutes => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token".to_owned(), me.csrf.clone()),
                    ("discussion".to_owned(), format!("Discussed by {who:?}")),
                    ("to_victim".to_owned(), "Further threats".to_owned()),
                ])
                .send()
                .await
                .unwrap(),
            // An action for the police, so the holder agency's action plan stays as seeded.
            R::AddAction => {
                let due = self.mw().m1_on + time::Duration::days(28);
                self.app
                    .request(me, method, &path)
                    .form(&[
                        ("csrf_token".to_owned(), me.csrf.clone()),
                        ("action".to_owned(), format!("Action added by {who:?}")),
                        ("agency_id".to_owned(), self.police_agency_id.to_string()),
                        ("due_on".to_owned(), due.to_string()),
                        ("purpose".to_owned(), "victim".to_owned()),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
            // No reason given: refused as it stands, nothing moves.
            R::TransferCase => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token".to_owned(), me.csrf.clone()),
                    ("to_marac".to_owned(), self.other_marac_id.to_string()),
                    ("transfer_reason".to_owned(), String::new()),
                ])
                .send()
                .await
                .unwrap(),
            // Still open, so the research window on its case stays open.
            R::UpdateAction => self
                .app
                .request(me, method, &path)
                .form(&[
                    ("csrf_token".to_owned(), me.csrf.clone()),
                    ("status".to_owned(), "in_progress".to_owned()),
                    ("note".to_owned(), format!("Updated by {who:?}")),
                ])
                .send()
                .await
                .unwrap(),
            _ => {
                assert_eq!(method, Method::GET, "{route:?} needs a request body");
                self.app.get(me, &path).await
            }
        };
        read(res).await
    }

    /// Checks one cell; returns the problems found (empty when the cell holds).
    async fn check_cell(
        &self,
        route: R,
        who: Who,
        case: Option<Case>,
        want: Exp,
        missing_404: Option<&str>,
        ms: Option<MaracSituation>,
    ) -> (Answer, Vec<String>) {
        let mut problems = Vec::new();
        // What a POST can change, before.
        let writes_case = matches!(
            route,
            R::RecordDash
                | R::RecordAssessmentApi
                | R::AddExclusion
                | R::RecordContact
                | R::AddIntervention
                | R::AddLinkedPerson
                | R::ReferToMarac
        );
        let writes_referral = matches!(
            route,
            R::CreateReferral | R::CreateReferralApi | R::SelfReferral
        );
        let held_before = match case {
            Some(c) if writes_case => Some(self.holdings(c).await),
            _ => None,
        };
        let address_before = match case {
            Some(c) if route == R::SaveWhereabouts => Some(self.address(c).await),
            _ => None,
        };
        let cases_before = if writes_referral {
            self.case_count().await
        } else {
            0
        };
        let writes_marac = ms.is_some() && route.method_path().0 == Method::POST;
        let marac_before = if writes_marac {
            Some(self.marac_state().await)
        } else {
            None
        };
        let head = self.audit_head().await;

        let got = self.send(route, who, case, ms).await;

        // Status, and where a redirect goes.
        if got.status != want.status {
            problems.push(format!("status {} (expected {})", got.status, want.status));
        } else if let Some(loc) = want.location {
            let ok = if loc.ends_with('/') {
                got.location.starts_with(loc)
            } else {
                got.location == loc
            };
            if !ok {
                problems.push(format!("redirect to {:?} (expected {loc:?})", got.location));
            }
        }

        // No marker of a case the actor may not see; none at all if refused.
        let refused =
            matches!(who, SignedOut | MfaPending) || matches!(want.status, 401 | 403 | 404);
        let banned = if route.is_marac() {
            self.banned_marac(who, refused)
        } else {
            self.banned(who, refused, route)
        };
        for (c, m) in banned {
            if got.everything.contains(&m) {
                problems.push(format!("response contains {m} of case {c:?}"));
            }
        }

        // A refusal looks exactly like a case that does not exist.
        if want.status == 404
            && let Some(reference) = missing_404
            && got.body != reference
        {
            problems.push("404 body differs from the non-existent id's 404".into());
        }

        // The audit row.
        let rows: Vec<_> = self
            .app
            .t
            .store
            .recent_audit(20)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.seq > head)
            .collect();
        if let Some(s) = ms {
            problems.extend(self.check_marac_audit(route, who, s, want, &rows));
        } else {
            match (want.audit, rows.first()) {
                (Audit::None, None) => {}
                (Audit::None, Some(r)) => problems.push(format!(
                    "{} unexpected audit row(s), newest {} {}",
                    rows.len(),
                    r.action,
                    r.outcome
                )),
                (_, None) => problems.push(format!(
                    "no audit row (expected {})",
                    outcome_word(want.audit)
                )),
                (expected, Some(r)) => {
                    let actor = if route == R::SignIn && who == SignedOut {
                        self.a.id
                    } else {
                        self.people[&who].id
                    };
                    let object = match (route, expected) {
                        _ if route.names_a_case() => Some(
                            case.map_or(self.missing_case, |c| self.cases[&c].id)
                                .to_string(),
                        ),
                        (R::ChangePassword | R::MfaVerify | R::MfaSetup | R::Confirm, _) => {
                            Some(actor.to_string())
                        }
                        // The new case's id, which the test cannot know in advance.
                        (R::CreateReferral | R::CreateReferralApi, Audit::Allowed) => {
                            r.object_id.clone()
                        }
                        // A self-referral's new case; the survivor is nobody's account.
                        (R::SelfReferral, Audit::Allowed) => r.object_id.clone(),
                        // The agency's action plan names the agency.
                        // The officer's review: the agency, the case found, the member of staff.
                        (R::DataProtectionHome, Audit::Allowed) => {
                            Some(self.holder_agency_id.to_string())
                        }
                        (R::FindCaseLog, Audit::Allowed) => {
                            Some(self.cases[&Case::Same].id.to_string())
                        }
                        (R::StaffActivity, Audit::Allowed) => Some(self.a.id.to_string()),
                        (R::AgencyActions | R::MaracHome, Audit::Allowed) => {
                            Some(self.agency_of(who).to_string())
                        }
                        _ => None,
                    };
                    if r.outcome != outcome_word(expected)
                        || r.actor_user_id != (route != R::SelfReferral).then_some(actor)
                        || r.object_id != object
                        || (route == R::CreateReferral || route == R::CreateReferralApi)
                            && expected == Audit::Allowed
                            && r.object_id.is_none()
                        || route == R::SelfReferral && r.object_id.is_none()
                    {
                        problems.push(format!(
                        "audit row {} {} by {:?} on {:?} (expected {} by {actor} on {object:?})",
                        r.action,
                        r.outcome,
                        r.actor_user_id,
                        r.object_id,
                        outcome_word(expected)
                    ));
                    }
                }
            }
        }

        // A refused POST saved nothing; an allowed one saved exactly one thing. (A form
        // refused as it stands, 422, is allowed but saves nothing.)
        let saved = matches!(got.status, 200..=299 | 303);
        let expect_one =
            usize::from(want.audit == Audit::Allowed && matches!(want.status, 200..=299 | 303));
        if let (Some(c), Some(before)) = (case, held_before) {
            let after = self.holdings(c).await;
            let (i, what) = match route {
                R::AddExclusion => (1, "exclusions"),
                R::RecordContact => (2, "contacts"),
                R::AddIntervention => (3, "interventions"),
                R::AddLinkedPerson => (4, "people"),
                R::ReferToMarac => (5, "Marac referrals"),
                _ => (0, "assessments"),
            };
            if after[i] != before[i] + expect_one {
                problems.push(format!(
                    "case {c:?} went from {} to {} {what} (saved: {saved})",
                    before[i], after[i]
                ));
            }
        }
        if let (Some(c), Some(before)) = (case, address_before) {
            let changed = self.address(c).await != before;
            if changed != (expect_one == 1) {
                problems.push(format!(
                    "case {c:?}'s address {} (saved: {saved})",
                    if changed { "changed" } else { "did not change" }
                ));
            }
        }
        if writes_referral {
            let after = self.case_count().await;
            if after != cases_before + expect_one {
                problems.push(format!("cases went from {cases_before} to {after}"));
            }
        }
        // A Marac POST: a refusal (and a form refused as it stands) changes nothing of the
        // meetings and hearings; an allowed one changes them, except accepting a statement
        // already accepted, which keeps them as they were.
        if let Some(before) = marac_before {
            let after = self.marac_state().await;
            let changes = expect_one == 1 && route != R::AcceptConfidentiality;
            if (after != before) != changes {
                problems.push(format!(
                    "the Marac's meetings and hearings {} (expected {})",
                    if after == before {
                        "did not change"
                    } else {
                        "changed"
                    },
                    if changes { "a change" } else { "none" }
                ));
            }
        }
        (got, problems)
    }

    /// The audit rows of a Marac cell. The first row the request wrote is the access
    /// decision: its outcome, this actor, and as its object the case (referral, hearing,
    /// action) or the meeting or Marac when allowed, the id asked for when refused with a
    /// 404, none for a 403. Every row is this actor's; a refusal writes exactly one row; and
    /// no allowed row names a seeded case the actor may not see on the Marac.
    fn check_marac_audit(
        &self,
        route: R,
        who: Who,
        s: MaracSituation,
        want: Exp,
        rows: &[waymark_store::audit::AuditRow],
    ) -> Vec<String> {
        let mut problems = Vec::new();
        // `rows` is newest first.
        let Some(first) = rows.last() else {
            if want.audit != Audit::None {
                problems.push(format!(
                    "no audit row (expected {})",
                    outcome_word(want.audit)
                ));
            }
            return problems;
        };
        if want.audit == Audit::None {
            problems.push(format!(
                "{} unexpected audit row(s), first {} {}",
                rows.len(),
                first.action,
                first.outcome
            ));
            return problems;
        }
        let actor = self.people[&who].id;
        let object = match want.audit {
            _ if want.status == 403 => None,
            Audit::Allowed => Some(match route.marac_case(s) {
                Some(c) => self.cases[&c].id.to_string(),
                None => self.marac_object(route, s).to_string(),
            }),
            _ => Some(self.marac_object(route, s).to_string()),
        };
        if first.outcome != outcome_word(want.audit)
            || first.actor_user_id != Some(actor)
            || first.object_id != object
        {
            problems.push(format!(
                "audit row {} {} by {:?} on {:?} (expected {} by {actor} on {object:?})",
                first.action,
                first.outcome,
                first.actor_user_id,
                first.object_id,
                outcome_word(want.audit)
            ));
        }
        if want.audit == Audit::Denied && rows.len() != 1 {
            problems.push(format!(
                "{} audit rows for a refusal (expected 1)",
                rows.len()
            ));
        }
        let sight = marac_sight(who);
        for r in rows {
            if r.actor_user_id != Some(actor) {
                problems.push(format!("audit row {} by {:?}", r.action, r.actor_user_id));
            }
            if r.outcome == "allowed"
                && let Some(c) = ALL_CASES
                    .into_iter()
                    .find(|c| r.object_id == Some(self.cases[c].id.to_string()))
                && !sight.contains(&c)
            {
                problems.push(format!("audit row {} allowed on case {c:?}", r.action));
            }
        }
        problems
    }
}

fn outcome_word(a: Audit) -> &'static str {
    match a {
        Audit::None => "none",
        Audit::Allowed => "allowed",
        Audit::Denied => "denied",
    }
}

fn cell_name(label: &str, route: R, who: Who, situation: Option<Situation>) -> String {
    match situation {
        Some(s) => format!("[{label}] {} × {who:?} × {s:?}", route.name()),
        None => format!("[{label}] {} × {who:?}", route.name()),
    }
}

fn marac_cell_name(label: &str, route: R, who: Who, s: MaracSituation) -> String {
    format!("[{label}] {} × {who:?} × {s:?}", route.name())
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

/// Every route in `routes.rs` has a row for every actor, and the matrix names no route
/// that does not exist. A new route fails here until it is given its cells.
#[test]
fn every_route_is_in_the_matrix() {
    let declared: BTreeSet<(String, String)> = waymark_web::routes::specs()
        .iter()
        .map(|s| (s.method.to_string(), s.path.to_owned()))
        .collect();
    let matrix: BTreeSet<(String, String)> = R::ALL
        .iter()
        .map(|r| {
            let (m, p) = r.method_path();
            (m.to_string(), p.to_owned())
        })
        .collect();
    let missing: Vec<_> = declared.difference(&matrix).collect();
    let stale: Vec<_> = matrix.difference(&declared).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without matrix rows: {missing:?}; matrix rows without routes: {stale:?}"
    );
    for r in R::ALL {
        let no_case_rows = NO_CASE.iter().filter(|(route, _)| *route == r).count();
        let actors: Vec<Who> = CASES
            .iter()
            .filter(|(route, _, _)| *route == r)
            .map(|(_, who, _)| *who)
            .collect();
        let marac_actors: Vec<Who> = MARAC
            .iter()
            .filter(|(route, _, _)| *route == r)
            .map(|(_, who, _)| *who)
            .collect();
        if r.names_a_case() {
            assert_eq!(no_case_rows, 0, "{} names a case", r.name());
            assert_eq!(actors, WHO, "{}: one row per actor, in order", r.name());
            assert!(marac_actors.is_empty(), "{} names a case", r.name());
        } else if r.names_a_marac_object() {
            assert_eq!(no_case_rows, 0, "{} names a Marac object", r.name());
            assert!(actors.is_empty(), "{} names no case", r.name());
            assert_eq!(
                marac_actors,
                WHO,
                "{}: one row per actor, in order",
                r.name()
            );
        } else {
            assert_eq!(no_case_rows, 1, "{}: exactly one row", r.name());
            assert!(actors.is_empty(), "{} names no case", r.name());
            assert!(marac_actors.is_empty(), "{} names no object", r.name());
        }
    }
    // Every Marac situation exists for every actor.
    for (r, who, cells) in MARAC {
        for (s, cell) in MARAC_SITUATIONS.iter().zip(cells) {
            assert_ne!(*cell, NA, "{} × {who:?} × {s:?}", r.name());
        }
    }
    // A cell is "not applicable" exactly where the situation has no case for the actor.
    for (r, who, cells) in CASES {
        for (s, cell) in SITUATIONS.iter().zip(cells) {
            let applicable = *s == Situation::NonExistent || case_for(*who, *s).is_some();
            assert_eq!(*cell != NA, applicable, "{} × {who:?} × {s:?}", r.name());
        }
    }
}

#[tokio::test]
async fn every_route_role_and_object_gives_the_specified_answer() {
    let mut failures: Vec<String> = Vec::new();
    for t in all_backends().await.unwrap() {
        let started = std::time::Instant::now();
        let w = World::build(t).await;
        let label = w.app.label;
        let failing_before = failures.len();
        let mut cells = 0usize;

        check_seeding(&w, &mut failures).await;
        cells += check_lists(&w, &mut failures).await;
        cells += check_marac_seeding(&w, &mut failures).await;

        // Routes that name no case. Changing a password ends all the user's sessions, so
        // that row runs last, after the routes that name a case.
        for (route, row) in NO_CASE.iter().filter(|(r, _)| *r != R::ChangePassword) {
            for (who, want) in WHO.iter().zip(row) {
                let (_, problems) = w.check_cell(*route, *who, None, *want, None, None).await;
                cells += 1;
                for p in problems {
                    failures.push(format!("{}: {p}", cell_name(label, *route, *who, None)));
                }
            }
        }

        // Routes that name a case. The non-existent id goes first: its 404 is the one
        // every other refusal of that route and actor must match byte for byte.
        for (route, who, row) in CASES {
            let mut missing_404: Option<String> = None;
            let order = [5usize, 0, 1, 2, 3, 4];
            for i in order {
                let (s, want) = (SITUATIONS[i], row[i]);
                if want == NA {
                    continue;
                }
                let case = case_for(*who, s);
                let (got, problems) = w
                    .check_cell(*route, *who, case, want, missing_404.as_deref(), None)
                    .await;
                cells += 1;
                if s == Situation::NonExistent && got.status == 404 {
                    missing_404 = Some(got.body);
                }
                for p in problems {
                    failures.push(format!("{}: {p}", cell_name(label, *route, *who, Some(s))));
                }
            }
        }

        // Routes that name a Marac object, in route order (see the note on closing a
        // meeting). The non-existent id goes first, as above.
        for (route, who, row) in MARAC {
            let mut missing_404: Option<String> = None;
            for i in [2usize, 0, 1] {
                let (s, want) = (MARAC_SITUATIONS[i], row[i]);
                let (got, problems) = w
                    .check_cell(*route, *who, None, want, missing_404.as_deref(), Some(s))
                    .await;
                cells += 1;
                if s == MaracSituation::NonExistent && got.status == 404 {
                    missing_404 = Some(got.body);
                }
                for p in problems {
                    failures.push(format!("{}: {p}", marac_cell_name(label, *route, *who, s)));
                }
            }
        }
        cells += check_agenda_never_opens_the_case(&w, &mut failures).await;
        cells += check_screening_queue(&w, &mut failures).await;
        cells += check_reports(&w, &mut failures).await;

        for (route, row) in NO_CASE.iter().filter(|(r, _)| *r == R::ChangePassword) {
            for (who, want) in WHO.iter().zip(row) {
                let (_, problems) = w.check_cell(*route, *who, None, *want, None, None).await;
                cells += 1;
                for p in problems {
                    failures.push(format!("{}: {p}", cell_name(label, *route, *who, None)));
                }
            }
        }

        eprintln!(
            "[{label}] {cells} cells checked in {:.1}s, {} failing",
            started.elapsed().as_secs_f64(),
            failures.len() - failing_before
        );
    }
    assert!(
        failures.is_empty(),
        "{} failing cell(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The markers are really there for someone who may see them; otherwise every "no marker"
/// check would pass vacuously.
async fn check_seeding(w: &World, failures: &mut Vec<String>) {
    let label = w.app.label;
    for c in ALL_CASES {
        let s = &w.cases[&c];
        let who = w.creator(c);
        let mut seen = String::new();
        for path in [
            format!("/cases/{}", s.id),
            format!("/api/v1/cases/{}", s.id),
            format!("/cases/{}/dash/{}", s.id, s.assessment_id),
        ] {
            let res = w.app.get(who, &path).await;
            assert_eq!(res.status(), StatusCode::OK, "[{label}] {path}");
            let body = res.text().await.unwrap();
            for m in restricted(c) {
                if body.contains(&m) {
                    failures.push(format!(
                        "[{label}] {path} shows restricted {m} without a reveal"
                    ));
                }
            }
            seen.push_str(&body);
        }
        // Revealed on purpose, the restricted fields are there.
        let res = w
            .app
            .post_json(
                who,
                &format!("/api/v1/cases/{}/safe-contact", s.id),
                &json!({}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "[{label}] reveal");
        seen.push_str(&res.text().await.unwrap());
        for m in markers(c) {
            if !seen.contains(&m) {
                failures.push(format!(
                    "[{label}] seeding: {m} does not appear to the creator of {c:?}"
                ));
            }
        }
    }
}

/// Lists, filters and searches contain exactly the cases the actor may see. Returns the
/// number of checks made.
async fn check_lists(w: &World, failures: &mut Vec<String>) -> usize {
    let label = w.app.label;
    let mut checks = 0;
    for who in WHO
        .into_iter()
        .filter(|w| !matches!(w, SignedOut | MfaPending))
    {
        let me = w.signed(who);
        let seen = visible(who);
        let mine: BTreeSet<Case> = seen.intersection(&allocated(who)).copied().collect();
        let mut fail = |what: &str, problem: String| {
            failures.push(format!("[{label}] list {what} × {who:?}: {problem}"));
        };
        let ids_of = |v: &Value| -> BTreeSet<Uuid> {
            v["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().parse().unwrap())
                .collect()
        };
        let want_ids = |set: &BTreeSet<Case>| -> BTreeSet<Uuid> {
            set.iter().map(|c| w.cases[c].id).collect()
        };
        // The API, plain and filtered.
        for (query, want) in [
            ("", &seen),
            ("?risk=high", &seen),
            ("?mine=true", &mine),
            ("?sort=victim&order=desc", &seen),
        ] {
            let what = format!("GET /api/v1/cases{query}");
            let res = read(w.app.get(me, &format!("/api/v1/cases{query}")).await).await;
            checks += 1;
            if res.status != 200 {
                fail(&what, format!("status {}", res.status));
                continue;
            }
            let got = ids_of(&serde_json::from_str(&res.body).unwrap());
            if got != want_ids(want) {
                fail(&what, format!("ids {got:?}, expected those of {want:?}"));
            }
            for (c, m) in w.banned(who, false, R::CaseListApi) {
                if res.everything.contains(&m) {
                    fail(&what, format!("contains {m} of {c:?}"));
                }
            }
        }
        // The page, plain and filtered, and the name search (a POST).
        let mut pages: Vec<(String, Answer, BTreeSet<Case>)> = Vec::new();
        for (query, want) in [("", &seen), ("?risk=high", &seen), ("?mine=on", &mine)] {
            let res = read(w.app.get(me, &format!("/cases{query}")).await).await;
            pages.push((format!("GET /cases{query}"), res, want.clone()));
        }
        for c in ALL_CASES {
            // Part of the victim's name, but not a whole marker: the page repeats the search
            // term back, and that echo must not count as a leak.
            let q = format!("VICTIM-GIVEN-{}", c.key());
            let res = w
                .app
                .request(me, Method::POST, "/cases")
                .form(&[("csrf_token", me.csrf.as_str()), ("q", q.as_str())])
                .send()
                .await
                .unwrap();
            let want: BTreeSet<Case> = seen.iter().filter(|x| **x == c).copied().collect();
            pages.push((
                format!("POST /cases (search for {c:?}'s victim)"),
                read(res).await,
                want,
            ));
        }
        for (what, res, want) in pages {
            checks += 1;
            if res.status != 200 {
                fail(&what, format!("status {}", res.status));
                continue;
            }
            let count = format!(
                "{} case{}",
                want.len(),
                if want.len() == 1 { "" } else { "s" }
            );
            if !res.body.contains(&count) {
                fail(&what, format!("does not say {count:?}"));
            }
            for c in ALL_CASES {
                let listed = res.body.contains(&w.cases[&c].reference);
                if listed != want.contains(&c) {
                    fail(
                        &what,
                        format!(
                            "case {c:?} listed: {listed}, expected {}",
                            want.contains(&c)
                        ),
                    );
                }
            }
            for (c, m) in w.banned(who, false, R::CaseListApi) {
                if res.everything.contains(&m) {
                    fail(&what, format!("contains {m} of {c:?}"));
                }
            }
        }
        // An assessment of a case the actor may not see, asked for under a case they may
        // see, is as missing as any other.
        if seen.contains(&Case::Same) {
            let same = w.cases[&Case::Same].id;
            let missing = read(
                w.app
                    .get(
                        me,
                        &format!("/cases/{}/dash/{}", w.missing_case, w.missing_assessment),
                    )
                    .await,
            )
            .await;
            for c in ALL_CASES.into_iter().filter(|c| !seen.contains(c)) {
                let what = format!("GET /cases/{{Same}}/dash/{{assessment of {c:?}}}");
                let path = format!("/cases/{same}/dash/{}", w.cases[&c].assessment_id);
                let res = read(w.app.get(me, &path).await).await;
                checks += 1;
                if res.status != 404 || res.body != missing.body {
                    fail(
                        &what,
                        format!("status {}, or a 404 unlike a missing one", res.status),
                    );
                }
                for m in markers(c) {
                    if res.everything.contains(&m) {
                        fail(&what, format!("contains {m}"));
                    }
                }
            }
        }
    }
    checks
}

/// The Marac as seeded, before the matrix. Until a reader accepts a meeting's
/// confidentiality statement, a case on its agenda sends them to the meeting, whose page
/// shows the statement and no case. Once accepted (here, over HTTP: the agency rep for
/// meeting 1, the coordinator for both), the agenda and each case on it name their people:
/// the positive control for `banned_marac`, which is checked on every page too.
async fn check_marac_seeding(w: &World, failures: &mut Vec<String>) -> usize {
    let label = w.app.label;
    let mw = w.mw();
    let mut checks = 0;
    let mut fail = |what: String| failures.push(format!("[{label}] Marac seeding: {what}"));
    let rep = w.signed(AgencyRep);
    let meeting = format!("/marac/meetings/{}", mw.m1);
    let hearing = format!("/marac/hearings/{}", mw.h_police);
    let res = read(w.app.get(rep, &hearing).await).await;
    checks += 1;
    if res.status != 303 || res.location != meeting {
        fail(format!(
            "{hearing} before the statement: {} to {:?} (expected 303 to {meeting})",
            res.status, res.location
        ));
    }
    // The printable minutes, likewise.
    let minutes = format!("{meeting}/minutes");
    let res = read(w.app.get(rep, &minutes).await).await;
    checks += 1;
    if res.status != 303 || res.location != meeting {
        fail(format!(
            "{minutes} before the statement: {} to {:?} (expected 303 to {meeting})",
            res.status, res.location
        ));
    }
    let res = read(w.app.get(rep, &meeting).await).await;
    checks += 1;
    if res.status != 200 || !res.body.contains("/confidentiality") {
        fail(format!(
            "{meeting} before the statement: {}, or no statement to accept",
            res.status
        ));
    }
    // Before the statement, not even the names.
    for (c, m) in w.banned_marac(AgencyRep, true) {
        if res.everything.contains(&m) {
            fail(format!("{meeting} before the statement shows {m} of {c:?}"));
        }
    }
    for (who, m) in [
        (AgencyRep, mw.m1),
        (Coordinator, mw.m1),
        (Coordinator, mw.m2),
    ] {
        let me = w.signed(who);
        let res = w
            .app
            .request(
                me,
                Method::POST,
                &format!("/marac/meetings/{m}/confidentiality"),
            )
            .form(&[("csrf_token", me.csrf.as_str()), ("accept", "yes")])
            .send()
            .await
            .unwrap();
        let res = read(res).await;
        checks += 1;
        if res.status != 303 || res.location != format!("/marac/meetings/{m}") {
            fail(format!(
                "{who:?} accepting the statement of {m}: {} to {:?}",
                res.status, res.location
            ));
        }
    }
    let names = |c: Case| -> Vec<String> {
        markers(c)
            .into_iter()
            .filter(|m| is_name_marker(m))
            .collect()
    };
    for who in [AgencyRep, Coordinator] {
        let me = w.signed(who);
        for (path, shown) in [
            (meeting.clone(), vec![Case::Same, Case::Police]),
            (format!("/marac/hearings/{}", mw.h_same), vec![Case::Same]),
            (hearing.clone(), vec![Case::Police]),
        ] {
            let res = read(w.app.get(me, &path).await).await;
            checks += 1;
            if res.status != 200 {
                fail(format!("{who:?} {path}: {}", res.status));
                continue;
            }
            for c in shown {
                // The agenda names the victim; a case's page names everyone.
                let want: Vec<String> = if path == meeting {
                    vec![
                        format!("MARKER-VICTIM-GIVEN-{}", c.key()),
                        w.cases[&c].reference.clone(),
                    ]
                } else {
                    names(c)
                };
                for m in want {
                    if !res.body.contains(&m) {
                        fail(format!("{who:?} {path} does not show {m} of {c:?}"));
                    }
                }
            }
            for (c, m) in w.banned_marac(who, false) {
                if res.everything.contains(&m) {
                    fail(format!("{who:?} {path} shows {m} of {c:?}"));
                }
            }
        }
    }
    checks
}

/// Agenda access never opens the case record. The agency rep (whose own agency holds
/// `Same`) and the coordinator may both read `Police` on the agenda, and the rep `Same`
/// too; every route of those cases themselves answers them exactly as for a case that does
/// not exist (404, byte for byte), with no marker and no reference of the case.
async fn check_agenda_never_opens_the_case(w: &World, failures: &mut Vec<String>) -> usize {
    let label = w.app.label;
    let mut checks = 0;
    let paths = |id: Uuid, assessment: Uuid| {
        vec![
            format!("/cases/{id}"),
            format!("/api/v1/cases/{id}"),
            format!("/cases/{id}/dash/{assessment}"),
            format!("/cases/{id}/safety-plan"),
            format!("/cases/{id}/access-log"),
            format!("/cases/{id}/marac-referral/new"),
        ]
    };
    for who in [AgencyRep, Coordinator] {
        let me = w.signed(who);
        for c in marac_sight(who).difference(&visible(who)) {
            let s = &w.cases[c];
            let missing = paths(w.missing_case, w.missing_assessment);
            for (path, missing) in paths(s.id, s.assessment_id).into_iter().zip(missing) {
                let what = format!("GET {path} ({c:?}, on the agenda) as {who:?}");
                let got = read(w.app.get(me, &path).await).await;
                let reference = read(w.app.get(me, &missing).await).await;
                checks += 1;
                if got.status != 404 || reference.status != 404 || got.body != reference.body {
                    failures.push(format!(
                        "[{label}] {what}: {}, or a 404 unlike a missing case's",
                        got.status
                    ));
                }
                for m in markers(*c).into_iter().chain([s.reference.clone()]) {
                    if got.everything.contains(&m) {
                        failures.push(format!("[{label}] {what}: contains {m}"));
                    }
                }
            }
        }
    }
    checks
}

/// The screening queue after the matrix: the referrals the matrix's POSTs left waiting
/// (caseworker B's of `OwnCw` and `Same`, the coordinator's of `OwnMc`, the police
/// caseworker's of `Police`), and not the waiting referral of `Excluding`, which excludes
/// the coordinator. Of each case, only the names of its people.
async fn check_screening_queue(w: &World, failures: &mut Vec<String>) -> usize {
    let label = w.app.label;
    let res = read(w.app.get(w.signed(Coordinator), "/marac/referrals").await).await;
    let mut fail = |what: String| failures.push(format!("[{label}] GET /marac/referrals: {what}"));
    if res.status != 200 {
        fail(format!("status {}", res.status));
        return 1;
    }
    for c in ALL_CASES {
        let listed = res.body.contains(&w.cases[&c].reference);
        if listed != (c != Case::Excluding) {
            fail(format!("{c:?} listed: {listed}"));
        }
        for m in markers(c) {
            if (c == Case::Excluding || !is_name_marker(&m)) && res.everything.contains(&m) {
                fail(format!("contains {m} of {c:?}"));
            }
        }
    }
    1
}

/// The Marac's reports as their readers get them. Meeting 1's minutes: the coordinator (who
/// runs it) reads both cases they may see, with the holder agency's action; the rep reads
/// no case yet, as the meeting is open. The return as a spreadsheet: an attachment named by
/// its period only.
async fn check_reports(w: &World, failures: &mut Vec<String>) -> usize {
    let label = w.app.label;
    let mw = w.mw();
    let minutes = format!("/marac/meetings/{}/minutes", mw.m1);
    let mut fail = |what: String| failures.push(format!("[{label}] reports: {what}"));
    let coordinator = read(w.app.get(w.signed(Coordinator), &minutes).await).await;
    let rep = read(w.app.get(w.signed(AgencyRep), &minutes).await).await;
    for (who, res) in [(Coordinator, &coordinator), (AgencyRep, &rep)] {
        if res.status != 200 || res.body.matches("OFFICIAL-SENSITIVE").count() < 2 {
            fail(format!(
                "{who:?} {minutes}: {}, or no marking at head and foot",
                res.status
            ));
        }
    }
    for c in [Case::Same, Case::Police] {
        let reference = &w.cases[&c].reference;
        if !coordinator.body.contains(reference) {
            fail(format!("the coordinator's minutes do not show {c:?}"));
        }
        if rep.body.contains(reference) {
            fail(format!(
                "the rep's minutes show {c:?} before the meeting closed"
            ));
        }
    }
    if !coordinator
        .body
        .contains("Fit a door alarm and a letterbox guard")
    {
        fail("the coordinator's minutes do not list the holder's action".into());
    }
    let xlsx = w
        .app
        .get(
            w.signed(Manager),
            &format!("/marac/returns/{}/xlsx", w.marac_id),
        )
        .await;
    let header = |name: &str| {
        xlsx.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    let status = xlsx.status();
    let body = xlsx.bytes().await.unwrap();
    let (from, to) = {
        let today = uk_today();
        let q = (u8::from(today.month()) - 1) / 3;
        let from = time::Date::from_calendar_date(
            today.year(),
            time::Month::try_from(q * 3 + 1).unwrap(),
            1,
        )
        .unwrap();
        let to = waymark_domain::calendar::add_months(from, 3) - time::Duration::days(1);
        (from, to)
    };
    if status != StatusCode::OK
        || kind != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        || disposition != format!("attachment; filename=\"marac-return-{from}-{to}.xlsx\"")
        || !body.starts_with(b"PK")
    {
        fail(format!(
            "the spreadsheet: {status}, {kind:?}, {disposition:?}"
        ));
    }
    3
}
