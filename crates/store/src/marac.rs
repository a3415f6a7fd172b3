//! The Marac as it runs: configuration, referrals and the coordinator's screening, meetings
//! and their agendas, member agencies' research, attendance and confidentiality, minutes,
//! actions and the quarterly data return.
//!
//! Access follows `waymark_domain::access`: coordinators and the chair run a Marac; member
//! agencies' representatives see a case only while it is on a published agenda and its
//! actions are open; exclusions beat everything. Every read and change of a case is audited
//! in the request's transaction.
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use time::Date;
use uuid::Uuid;
use waymark_domain::access::{self, Actor, CaseAccessFacts, MaracFacts};
use waymark_domain::dash::{MaracCriterion, RiskLevel};
use waymark_domain::marac::{
    ActionPurpose, ActionStatus, ActionUpdate, AgendaItem, AttendanceStatus, Capacity,
    CaseAtMeeting, MeetingStatus, Minutes, NewAction, NotDoneReason, Schedule, age_on,
    cases_blocking_close, due_soon, meeting_for, order_agenda, overdue,
};
use waymark_domain::marac_referral::{
    MaracReferralDetails, ReferralStatus, Screening, ScreeningInput, is_repeat, route_on_receipt,
};
use waymark_domain::marac_return::{self, AgencyKind, Attendance, DataReturn, HeardCase};
use waymark_domain::referral::{FieldError, Gender};
use waymark_domain::role::Role;

use crate::audit::{AuditEvent, Outcome};
use crate::cases::{CaseDetail, CaseError, StoredAssessment, count_i32, facts, json, parse_json};
use crate::directory::{Agency, Marac, marac_from};
use crate::entity::{
    agency, case, case_person, marac, marac_action, marac_attendance, marac_confidentiality,
    marac_hearing, marac_meeting, marac_member, marac_referral, marac_research, person,
};
use crate::matching::{SERIAL_FROM, SUGGEST_FROM};
use crate::users::User;
use crate::{StoreError, Tx};

/// Days before an action's due date that its agency is reminded.
pub const REMINDER_DAYS: i64 = 7;

/// A Marac with everything that decides how it runs and who takes part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaracConfig {
    pub marac: Marac,
    pub coordinating_agency_id: Option<Uuid>,
    pub chair_user_id: Option<Uuid>,
    pub schedule: Option<Schedule>,
    pub capacity: Capacity,
    pub repeats_first: bool,
    pub adult_female_population: Option<u32>,
    /// Member agencies, by name.
    pub members: Vec<Agency>,
}

impl MaracConfig {
    pub fn facts(&self) -> MaracFacts {
        MaracFacts {
            coordinating_agency_id: self.coordinating_agency_id.map(|a| a.to_string()),
            chair_user_id: self.chair_user_id.map(|u| u.to_string()),
            member_agency_ids: self.members.iter().map(|a| a.id.to_string()).collect(),
        }
    }

    pub fn is_member(&self, agency_id: Uuid) -> bool {
        self.members.iter().any(|a| a.id == agency_id)
    }
}

/// How a Marac is set up; written by `configure_marac`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaracSettings {
    pub coordinating_agency_id: Option<Uuid>,
    pub chair_user_id: Option<Uuid>,
    pub schedule: Option<Schedule>,
    pub capacity: Capacity,
    pub repeats_first: bool,
    pub adult_female_population: Option<u32>,
    pub members: Vec<Uuid>,
}

/// A Marac referral as the case's own staff see it: where it stands and, if returned, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMaracReferral {
    pub id: Uuid,
    pub marac_name: String,
    pub referred_on: Date,
    pub status: ReferralStatus,
    pub repeat: bool,
    pub returned_reason: Option<String>,
    /// The meeting the case is listed for, once accepted.
    pub meeting_on: Option<Date>,
}

/// An earlier referral to the same Marac that a new one may repeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatCandidate {
    pub id: Uuid,
    pub referred_on: Date,
    pub agency: String,
    /// The same person record (certain); otherwise a match for the coordinator to confirm.
    pub same_record: bool,
    /// Why it may be the same victim, in words: the same person record, a match someone
    /// confirmed, the same name and date of birth, or the engine's likelihood.
    pub basis: String,
    /// For a likely match, what agreed and what did not (see `matching::evidence`).
    pub evidence: Vec<String>,
    /// The earlier referral's victim (a person record).
    pub earlier_victim: Uuid,
    /// Not yet decided (neither the same record nor a decided pair): accepting the referral
    /// as a repeat of this one records the two women as the same person, and accepting it
    /// as "not a repeat: a different person" records them as two.
    pub suggested: bool,
}

/// A referral waiting for the coordinator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedReferral {
    pub id: Uuid,
    pub marac_id: Uuid,
    pub marac_name: String,
    pub case_id: Uuid,
    pub case_reference: String,
    pub victim_name: String,
    pub referring_agency: String,
    pub referred_on: Date,
    pub yes_count: u32,
    pub risk_level: Option<RiskLevel>,
    pub criteria: Vec<MaracCriterion>,
    /// Whether the Dash behind it met the Marac's threshold.
    pub meets_threshold: bool,
    pub candidates: Vec<RepeatCandidate>,
    /// The Marac the case was transferred from, when the victim moved area.
    pub transferred_from: Option<String>,
}

/// What the coordinator sees to screen one referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreeningView {
    pub referral: QueuedReferral,
    pub details: Option<MaracReferralDetails>,
    pub victim_born: Option<Date>,
    pub children: u32,
    pub perpetrators: Vec<String>,
    /// Why the case was transferred here, when it was.
    pub transfer_reason: Option<String>,
}

/// A meeting in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingSummary {
    pub id: Uuid,
    pub marac_id: Uuid,
    pub marac_name: String,
    pub meets_on: Date,
    pub status: MeetingStatus,
    /// Cases on the agenda that the user may see.
    pub cases: u32,
}

/// One case on an agenda.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgendaCase {
    pub hearing_id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    pub victim_name: String,
    pub repeat: bool,
    pub yes_count: u32,
    pub risk_level: Option<RiskLevel>,
    pub criteria: Vec<MaracCriterion>,
    pub children: u32,
    pub idva: Option<String>,
    pub referring_agency: String,
    pub referred_on: Date,
    pub transferred_from: Option<String>,
    /// Agencies that have added research.
    pub research_from: Vec<String>,
    pub actions: u32,
    pub decision_recorded: bool,
    /// Other cases at this Marac whose perpetrator is the same man, with a different
    /// victim (the serial-perpetrator alert), for those who run the meeting only.
    pub linked_cases: Vec<SerialLink>,
}

/// Another case at the Marac whose perpetrator is taken as the same man as this case's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialLink {
    pub other_case_id: Uuid,
    pub other_reference: String,
    /// The perpetrator on this case, and on the other.
    pub perpetrator: Uuid,
    pub other_perpetrator: Uuid,
    /// Why they are taken as one man: the same person record, a confirmed match, the same
    /// name and date of birth, or the engine's likelihood.
    pub basis: String,
    /// Settled (the same record, or decided): the coordinator is not asked about it.
    pub settled: bool,
}

/// One agency's attendance at a meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendanceRow {
    pub agency_id: Uuid,
    pub agency: String,
    pub status: Option<AttendanceStatus>,
    pub attendee: Option<String>,
    pub information_sent: bool,
}

/// An action, wherever it is listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRow {
    pub id: Uuid,
    pub hearing_id: Uuid,
    pub case_reference: String,
    pub victim_name: String,
    pub marac_name: String,
    pub meets_on: Date,
    pub agency_id: Uuid,
    pub agency: String,
    pub action: String,
    pub purpose: ActionPurpose,
    pub due_on: Date,
    pub status: ActionStatus,
    pub not_done_reason: Option<NotDoneReason>,
    pub note: Option<String>,
    pub overdue: bool,
    pub due_soon: bool,
}

/// A meeting as its user may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingView {
    pub id: Uuid,
    pub config: MaracConfig,
    pub meets_on: Date,
    pub status: MeetingStatus,
    pub can_run: bool,
    pub can_coordinate: bool,
    /// Until the user accepts the confidentiality statement, the agenda, attendance and
    /// review lists are empty.
    pub confidentiality_accepted: bool,
    pub agenda: Vec<AgendaCase>,
    pub attendance: Vec<AttendanceRow>,
    /// Open actions from this Marac's earlier meetings, for the chair's review.
    pub review: Vec<ActionRow>,
}

/// One agency's research on a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResearchRow {
    pub agency_id: Uuid,
    pub agency: String,
    pub research: String,
    pub written_by: String,
    pub updated_on: Date,
}

/// A person as a Marac needs them: name, age, and nothing about where they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaracPerson {
    pub name: String,
    pub date_of_birth: Option<Date>,
    pub age: Option<i32>,
    pub gender: Option<String>,
}

/// A case at one meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HearingView {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub meets_on: Date,
    pub meeting_status: MeetingStatus,
    pub config: MaracConfig,
    pub case_id: Uuid,
    pub case_reference: String,
    pub can_run: bool,
    /// Whether the user may add research for their agency now.
    pub can_add_research: bool,
    pub victim: Option<MaracPerson>,
    pub perpetrators: Vec<MaracPerson>,
    pub children: Vec<MaracPerson>,
    pub referring_agency: String,
    pub referred_on: Date,
    pub repeat: bool,
    pub details: Option<MaracReferralDetails>,
    pub yes_count: u32,
    pub risk_level: Option<RiskLevel>,
    pub criteria: Vec<MaracCriterion>,
    pub idva: Option<String>,
    pub transferred_from: Option<String>,
    /// Everyone's research for those who run the meeting; the user's own agency's otherwise.
    pub research: Vec<ResearchRow>,
    /// Shown to those who run the meeting, and to agencies once the meeting is closed.
    pub minutes: Option<Minutes>,
    /// All actions for those who run the meeting; the user's agency's otherwise.
    pub actions: Vec<ActionRow>,
    /// For those who run the meeting: the case's earlier hearings at any Marac (the
    /// transfer package when the victim moved area), newest first.
    pub history: Vec<PastHearing>,
    /// For those who run the meeting: every Dash on the case, newest first.
    pub risk_history: Vec<PastRisk>,
    /// Other Maracs a coordinator may transfer the case to.
    pub transfer_to: Vec<Marac>,
}

/// An earlier hearing of the same case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastHearing {
    pub marac_name: String,
    pub meets_on: Date,
    pub minutes: Minutes,
    pub actions: Vec<ActionRow>,
}

/// One Dash in a case's risk history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastRisk {
    pub assessed_on: Date,
    pub yes_count: u32,
    pub risk_level: RiskLevel,
    pub criteria: Vec<MaracCriterion>,
}

/// A person referred to the Marac who appears on a newer referral in any agency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub marac_name: String,
    /// "victim" or "perpetrator" on the newer case.
    pub role: String,
    pub person_name: String,
    pub referred_on: Date,
    pub agency: String,
    pub opened_on: Date,
    /// Why the two records are taken as one person ("the same name and date of birth", "a
    /// likely match, 93% likely", ...).
    pub basis: String,
}

/// A hearing, or the confidentiality statement that must be accepted first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HearingAccess {
    NeedsConfidentiality { meeting_id: Uuid },
    Open(Box<HearingView>),
}

fn form_error(field: &str, message: &str) -> CaseError {
    CaseError::Form(vec![FieldError::new(field, message)])
}

fn status_of<T>(parse: fn(&str) -> Option<T>, s: &str, what: &str) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {s}")))
}

fn u32_of(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// Whether a case's research window is open: its meeting's agenda is published, and the
/// meeting is not yet closed or the case still has open actions.
fn window_open(meeting: &marac_meeting::Model, open_actions: bool) -> bool {
    match MeetingStatus::parse(&meeting.status) {
        Some(MeetingStatus::Published) => true,
        Some(MeetingStatus::Closed) => open_actions,
        _ => false,
    }
}

impl Tx {
    /// Sets up how a Marac runs. Configuration, not casework: the CLI and the demo call it.
    pub async fn configure_marac(
        &self,
        marac_id: Uuid,
        settings: &MaracSettings,
    ) -> Result<(), StoreError> {
        let m = marac::Entity::find_by_id(marac_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Invalid("no such Marac".into()))?;
        if settings.capacity.cases_per_meeting == 0 {
            return Err(StoreError::Invalid(
                "a meeting must be able to hear at least one case".into(),
            ));
        }
        let mut am: marac::ActiveModel = m.into();
        am.coordinating_agency_id = Set(settings.coordinating_agency_id);
        am.chair_user_id = Set(settings.chair_user_id);
        am.schedule = Set(settings.schedule.as_ref().map(json).transpose()?);
        am.cases_per_meeting = Set(count_i32(settings.capacity.cases_per_meeting)?);
        am.research_days = Set(count_i32(settings.capacity.research_days)?);
        am.repeats_first = Set(settings.repeats_first);
        am.adult_female_population = Set(settings
            .adult_female_population
            .map(count_i32)
            .transpose()?);
        am.update(self.conn()).await?;
        marac_member::Entity::delete_many()
            .filter(marac_member::Column::MaracId.eq(marac_id))
            .exec(self.conn())
            .await?;
        let mut seen = HashSet::new();
        for agency_id in &settings.members {
            if seen.insert(*agency_id) {
                marac_member::ActiveModel {
                    marac_id: Set(marac_id),
                    agency_id: Set(*agency_id),
                }
                .insert(self.conn())
                .await?;
            }
        }
        Ok(())
    }

    fn config_from(m: marac::Model, members: Vec<Agency>) -> Result<MaracConfig, StoreError> {
        let schedule = m.schedule.as_deref().map(parse_json).transpose()?;
        Ok(MaracConfig {
            coordinating_agency_id: m.coordinating_agency_id,
            chair_user_id: m.chair_user_id,
            schedule,
            capacity: Capacity {
                cases_per_meeting: u32_of(m.cases_per_meeting),
                research_days: u32_of(m.research_days),
            },
            repeats_first: m.repeats_first,
            adult_female_population: m.adult_female_population.map(u32_of),
            members,
            marac: marac_from(m)?,
        })
    }

    async fn members_of(&self, marac_id: Uuid) -> Result<Vec<Agency>, StoreError> {
        let ids: Vec<Uuid> = marac_member::Entity::find()
            .filter(marac_member::Column::MaracId.eq(marac_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| m.agency_id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(agency::Entity::find()
            .filter(agency::Column::Id.is_in(ids))
            .order_by_asc(agency::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|a| Agency {
                id: a.id,
                name: a.name,
                kind: a.kind,
            })
            .collect())
    }

    /// A Marac's configuration.
    pub async fn marac_config(&self, marac_id: Uuid) -> Result<Option<MaracConfig>, StoreError> {
        match marac::Entity::find_by_id(marac_id).one(self.conn()).await? {
            Some(m) => {
                let members = self.members_of(m.id).await?;
                Ok(Some(Self::config_from(m, members)?))
            }
            None => Ok(None),
        }
    }

    /// The Maracs the user coordinates, chairs or sits at (as a member agency's staff).
    pub async fn my_maracs(&self, actor: &User) -> Result<Vec<MaracConfig>, StoreError> {
        let who = actor.actor();
        let mut out = Vec::new();
        for m in marac::Entity::find()
            .order_by_asc(marac::Column::Name)
            .all(self.conn())
            .await?
        {
            let members = self.members_of(m.id).await?;
            let config = Self::config_from(m, members)?;
            let f = config.facts();
            if access::can_run_meeting(&who, &f) || access::is_member(&who, &f) {
                out.push(config);
            }
        }
        Ok(out)
    }

    async fn audit_marac(
        &self,
        actor: &User,
        action: &'static str,
        object_type: &'static str,
        object_id: Uuid,
        allowed: bool,
        request_id: Option<String>,
    ) -> Result<(), StoreError> {
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action,
            object_type,
            object_id: Some(object_id.to_string()),
            outcome: if allowed {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await
    }

    async fn case_facts(
        &self,
        case_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CaseAccessFacts>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let cases = case::Entity::find()
            .filter(case::Column::Id.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?;
        let exclusions = self.exclusion_rows(case_ids).await?;
        Ok(cases
            .iter()
            .map(|c| (c.id, facts(c, &exclusions, &[])))
            .collect())
    }

    // ----- Referrals -----

    /// The Marac referrals made from a case, for the case's own page. Takes the case detail
    /// the caller was allowed to load, so it can only be asked about a case already opened.
    pub async fn case_marac_referrals(
        &self,
        detail: &CaseDetail,
    ) -> Result<Vec<CaseMaracReferral>, StoreError> {
        let rows = marac_referral::Entity::find()
            .filter(marac_referral::Column::CaseId.eq(detail.id))
            .filter(marac_referral::Column::ReferredBy.is_not_null())
            .order_by_desc(marac_referral::Column::ReferredOn)
            .all(self.conn())
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let hearing = marac_hearing::Entity::find()
                .filter(marac_hearing::Column::ReferralId.eq(r.id))
                .one(self.conn())
                .await?;
            let meeting_on = match hearing {
                Some(h) => marac_meeting::Entity::find_by_id(h.meeting_id)
                    .one(self.conn())
                    .await?
                    .map(|m| m.meets_on),
                None => None,
            };
            let marac_name = self
                .marac(r.marac_id)
                .await?
                .map(|m| m.name)
                .unwrap_or_default();
            out.push(CaseMaracReferral {
                id: r.id,
                marac_name,
                referred_on: r.referred_on,
                status: status_of(ReferralStatus::parse, &r.status, "referral status")?,
                repeat: r.repeat,
                returned_reason: self.open_opt(
                    "marac_referrals.returned_reason",
                    r.id,
                    r.returned_reason.as_deref(),
                )?,
                meeting_on,
            });
        }
        Ok(out)
    }

    /// Refers a case to its Marac. The case's own workers refer; the Dash behind the
    /// referral is the case's latest. A victim under 16 is sent to children's safeguarding
    /// instead of the coordinator's queue. A case can have one referral waiting at a time.
    pub async fn refer_to_marac(
        &self,
        actor: &User,
        case_id: Uuid,
        details: &MaracReferralDetails,
        today: Date,
        request_id: Option<String>,
    ) -> Result<(Uuid, ReferralStatus), CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "marac_referral.create",
                access::can_work_case,
                request_id,
            )
            .await?;
        let detail = self.load_detail(c.clone()).await?;
        let Some(latest) = latest_assessment(&detail) else {
            return Err(form_error(
                "dash",
                "Complete a Dash risk assessment on this case before referring it to the Marac",
            ));
        };
        let waiting = marac_referral::Entity::find()
            .filter(marac_referral::Column::CaseId.eq(case_id))
            .filter(marac_referral::Column::Status.eq(ReferralStatus::Received.as_str()))
            .count(self.conn())
            .await?;
        if waiting > 0 {
            return Err(form_error(
                "case",
                "This case already has a Marac referral waiting for the coordinator",
            ));
        }
        let victim = detail
            .victim()
            .ok_or_else(|| StoreError::Corrupt("case without victim".into()))?;
        let status = route_on_receipt(victim.date_of_birth, today);
        let id = Uuid::now_v7();
        marac_referral::ActiveModel {
            id: Set(id),
            case_id: Set(c.id),
            marac_id: Set(c.marac_id),
            victim_person_id: Set(victim.person_id),
            assessment_id: Set(latest.id),
            referred_on: Set(today),
            criteria: Set(json(&latest.decision.criteria)?),
            created_at: Set(crate::now()),
            status: Set(status.as_str().to_owned()),
            referring_agency_id: Set(Some(actor.agency_id)),
            referred_by: Set(Some(actor.id)),
            details: Set(Some(self.seal(
                "marac_referrals.details",
                id,
                &json(details)?,
            )?)),
            repeat: Set(false),
            repeat_of: Set(None),
            returned_reason: Set(None),
            screened_by: Set(None),
            screened_at: Set(None),
            transferred_from_marac_id: Set(None),
            transfer_reason: Set(None),
        }
        .insert(self.conn())
        .await?;
        Ok((id, status))
    }

    async fn person_identity(
        &self,
        person_id: Uuid,
    ) -> Result<Option<(String, String, Option<String>)>, StoreError> {
        let Some(p) = person::Entity::find_by_id(person_id)
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let norm = |s: String| s.trim().to_lowercase();
        Ok(Some((
            norm(self.open("people.given_name", p.id, &p.given_name)?),
            norm(self.open("people.family_name", p.id, &p.family_name)?),
            self.open_opt("people.date_of_birth", p.id, p.date_of_birth.as_deref())?,
        )))
    }

    /// Earlier accepted referrals to the same Marac within the repeat window whose victim
    /// is the same person record, or possibly the same woman: a confirmed match, the same
    /// name and date of birth, or a match the engine rates at least `SUGGEST_FROM`, unless
    /// someone decided they are two people. The coordinator confirms.
    async fn repeat_candidates(
        &self,
        r: &marac_referral::Model,
    ) -> Result<Vec<RepeatCandidate>, StoreError> {
        let earlier = marac_referral::Entity::find()
            .filter(marac_referral::Column::MaracId.eq(r.marac_id))
            .filter(marac_referral::Column::Status.eq(ReferralStatus::Accepted.as_str()))
            .filter(marac_referral::Column::ReferredOn.lte(r.referred_on))
            .filter(marac_referral::Column::Id.ne(r.id))
            .order_by_desc(marac_referral::Column::ReferredOn)
            .all(self.conn())
            .await?;
        let earlier: Vec<marac_referral::Model> = earlier
            .into_iter()
            .filter(|e| is_repeat(e.referred_on, r.referred_on))
            .collect();
        if earlier.is_empty() {
            return Ok(Vec::new());
        }
        let me = self.person_identity(r.victim_person_id).await?;
        let mut out = Vec::new();
        let mut identities: HashMap<Uuid, Option<(String, String, Option<String>)>> =
            HashMap::new();
        self.sync_matcher().await?;
        let decided = self.decided_pairs(&[r.victim_person_id]).await?;
        for e in earlier {
            let same_record = e.victim_person_id == r.victim_person_id;
            let (basis, evidence, suggested) = if same_record {
                (Some("same person record".to_owned()), Vec::new(), false)
            } else {
                if let Entry::Vacant(slot) = identities.entry(e.victim_person_id) {
                    slot.insert(self.person_identity(e.victim_person_id).await?);
                }
                let exact = match (&me, identities.get(&e.victim_person_id)) {
                    (Some((g, f, Some(d))), Some(Some((g2, f2, Some(d2))))) => {
                        g == g2 && f == f2 && d == d2
                    }
                    _ => false,
                };
                let pair = crate::matching::pair(r.victim_person_id, e.victim_person_id);
                match decided.get(&pair) {
                    Some(false) => (None, Vec::new(), false),
                    Some(true) => (
                        Some("confirmed as the same person".to_owned()),
                        Vec::new(),
                        false,
                    ),
                    None if exact => (
                        Some("same name and date of birth".to_owned()),
                        Vec::new(),
                        true,
                    ),
                    None => match self.pair_explanation(r.victim_person_id, e.victim_person_id) {
                        Some(x) if x.probability >= SUGGEST_FROM => (
                            Some(format!(
                                "possible match, {:.0}% likely",
                                (x.probability * 100.0).floor()
                            )),
                            crate::matching::evidence(&x),
                            true,
                        ),
                        _ => (None, Vec::new(), false),
                    },
                }
            };
            if let Some(basis) = basis {
                let agency = match e.referring_agency_id {
                    Some(a) => self.agency(a).await?.map(|a| a.name).unwrap_or_default(),
                    None => String::new(),
                };
                out.push(RepeatCandidate {
                    id: e.id,
                    referred_on: e.referred_on,
                    agency,
                    same_record,
                    suggested,
                    basis,
                    evidence,
                    earlier_victim: e.victim_person_id,
                });
            }
        }
        Ok(out)
    }

    /// A referral as the queue shows it. `with_candidates`: look for earlier referrals it
    /// may repeat (decrypts people, so only screening asks for it; agendas and action
    /// lists do not need it).
    async fn queued(
        &self,
        r: &marac_referral::Model,
        config: &MaracConfig,
        with_candidates: bool,
    ) -> Result<QueuedReferral, StoreError> {
        let c = case::Entity::find_by_id(r.case_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("referral without case".into()))?;
        let assessment = crate::entity::dash_assessment::Entity::find_by_id(r.assessment_id)
            .one(self.conn())
            .await?;
        let referring_agency = match r.referring_agency_id {
            Some(a) => self.agency(a).await?.map(|a| a.name).unwrap_or_default(),
            None => String::new(),
        };
        let victim_name = self
            .victim_names(&[c.id])
            .await?
            .remove(&c.id)
            .unwrap_or_default();
        Ok(QueuedReferral {
            id: r.id,
            marac_id: config.marac.id,
            marac_name: config.marac.name.clone(),
            case_id: c.id,
            case_reference: c.reference,
            victim_name,
            referring_agency,
            referred_on: r.referred_on,
            yes_count: assessment
                .as_ref()
                .map(|a| u32_of(a.yes_count))
                .unwrap_or(0),
            risk_level: assessment
                .as_ref()
                .and_then(|a| RiskLevel::parse(&a.risk_level)),
            criteria: parse_json(&r.criteria)?,
            meets_threshold: assessment.as_ref().is_some_and(|a| a.refer_to_marac),
            candidates: if with_candidates {
                self.repeat_candidates(r).await?
            } else {
                Vec::new()
            },
            transferred_from: match r.transferred_from_marac_id {
                Some(m) => self.marac(m).await?.map(|m| m.name),
                None => None,
            },
        })
    }

    /// Referrals waiting for screening at the Maracs the user coordinates, oldest first.
    pub async fn referral_queue(
        &self,
        actor: &User,
        request_id: Option<String>,
    ) -> Result<Vec<QueuedReferral>, StoreError> {
        let who = actor.actor();
        let mut out = Vec::new();
        for config in self.my_maracs(actor).await? {
            if !access::can_coordinate(&who, &config.facts()) {
                continue;
            }
            let rows = marac_referral::Entity::find()
                .filter(marac_referral::Column::MaracId.eq(config.marac.id))
                .filter(marac_referral::Column::Status.eq(ReferralStatus::Received.as_str()))
                .order_by_asc(marac_referral::Column::ReferredOn)
                .all(self.conn())
                .await?;
            let ids: Vec<Uuid> = rows.iter().map(|r| r.case_id).collect();
            let facts = self.case_facts(&ids).await?;
            for r in rows {
                if facts.get(&r.case_id).is_some_and(|f| !f.excludes(&who)) {
                    out.push(self.queued(&r, &config, true).await?);
                }
            }
        }
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "marac_referral.queue",
            object_type: "marac_referral",
            object_id: None,
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        Ok(out)
    }

    /// A referral the user may screen, with its case facts checked and the read audited.
    async fn referral_for_screening(
        &self,
        actor: &User,
        referral_id: Uuid,
        action: &'static str,
        request_id: Option<String>,
    ) -> Result<(marac_referral::Model, MaracConfig), CaseError> {
        let who = actor.actor();
        let found = marac_referral::Entity::find_by_id(referral_id)
            .one(self.conn())
            .await?;
        let mut permitted = None;
        if let Some(r) = found
            && let Some(config) = self.marac_config(r.marac_id).await?
        {
            let facts = self.case_facts(&[r.case_id]).await?;
            if access::can_coordinate(&who, &config.facts())
                && facts.get(&r.case_id).is_some_and(|f| !f.excludes(&who))
            {
                permitted = Some((r, config));
            }
        }
        let case_id = permitted.as_ref().map(|(r, _)| r.case_id);
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action,
            object_type: if case_id.is_some() {
                "case"
            } else {
                "marac_referral"
            },
            object_id: Some(case_id.unwrap_or(referral_id).to_string()),
            outcome: if permitted.is_some() {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        permitted.ok_or(CaseError::NotFound)
    }

    /// One referral as the coordinator screens it.
    pub async fn screening(
        &self,
        actor: &User,
        referral_id: Uuid,
        request_id: Option<String>,
    ) -> Result<ScreeningView, CaseError> {
        let (r, config) = self
            .referral_for_screening(actor, referral_id, "marac_referral.open", request_id)
            .await?;
        let queued = self.queued(&r, &config, true).await?;
        let details = self
            .open_opt("marac_referrals.details", r.id, r.details.as_deref())?
            .map(|s| parse_json(&s))
            .transpose()?;
        let c = case::Entity::find_by_id(r.case_id)
            .one(self.conn())
            .await?
            .ok_or(CaseError::NotFound)?;
        let detail = self.load_detail(c).await?;
        Ok(ScreeningView {
            referral: queued,
            details,
            victim_born: detail.victim().and_then(|v| v.date_of_birth),
            children: u32::try_from(detail.people.iter().filter(|p| p.role == "child").count())
                .unwrap_or(u32::MAX),
            perpetrators: detail
                .people
                .iter()
                .filter(|p| p.role == "perpetrator")
                .map(|p| p.full_name())
                .collect(),
            transfer_reason: self.open_opt(
                "marac_referrals.transfer_reason",
                r.id,
                r.transfer_reason.as_deref(),
            )?,
        })
    }

    /// Accepts a referral onto the next meeting with room, or returns it with a reason.
    /// Returns the meeting date when accepted.
    pub async fn screen_referral(
        &self,
        actor: &User,
        referral_id: Uuid,
        input: &ScreeningInput,
        today: Date,
        request_id: Option<String>,
    ) -> Result<Option<Date>, CaseError> {
        let (r, config) = self
            .referral_for_screening(
                actor,
                referral_id,
                "marac_referral.screen",
                request_id.clone(),
            )
            .await?;
        if r.status != ReferralStatus::Received.as_str() {
            return Err(form_error(
                "decision",
                "This referral has already been screened",
            ));
        }
        let queued = self.queued(&r, &config, true).await?;
        let candidates: Vec<String> = queued.candidates.iter().map(|c| c.id.to_string()).collect();
        let screening = input
            .parse(queued.meets_threshold, &candidates)
            .map_err(CaseError::Form)?;
        let mut am: marac_referral::ActiveModel = r.clone().into();
        am.screened_by = Set(Some(actor.id));
        am.screened_at = Set(Some(crate::now()));
        match screening {
            Screening::Return { reason } => {
                am.status = Set(ReferralStatus::Returned.as_str().to_owned());
                am.returned_reason = Set(Some(self.seal(
                    "marac_referrals.returned_reason",
                    r.id,
                    &reason,
                )?));
                am.update(self.conn()).await?;
                Ok(None)
            }
            Screening::Accept { repeat_of } => {
                let schedule = config.schedule.ok_or_else(|| {
                    form_error(
                        "decision",
                        "This Marac has no meeting schedule yet: set one before accepting referrals",
                    )
                })?;
                let meetings = marac_meeting::Entity::find()
                    .filter(marac_meeting::Column::MaracId.eq(config.marac.id))
                    .filter(marac_meeting::Column::MeetsOn.gte(today))
                    .all(self.conn())
                    .await?;
                let mut booked: HashMap<Date, u32> = HashMap::new();
                let mut closed: HashSet<Date> = HashSet::new();
                for m in &meetings {
                    let n = marac_hearing::Entity::find()
                        .filter(marac_hearing::Column::MeetingId.eq(m.id))
                        .count(self.conn())
                        .await?;
                    booked.insert(m.meets_on, u32::try_from(n).unwrap_or(u32::MAX));
                    if m.status == MeetingStatus::Closed.as_str() {
                        closed.insert(m.meets_on);
                    }
                }
                let meets_on = meeting_for(&schedule, &config.capacity, today, &|d| {
                    if closed.contains(&d) {
                        u32::MAX
                    } else {
                        booked.get(&d).copied().unwrap_or(0)
                    }
                })
                .ok_or_else(|| {
                    form_error(
                        "decision",
                        "Every meeting in the next year is full: add capacity or a meeting",
                    )
                })?;
                let meeting_id = match meetings.iter().find(|m| m.meets_on == meets_on) {
                    Some(m) => m.id,
                    None => {
                        let id = Uuid::now_v7();
                        marac_meeting::ActiveModel {
                            id: Set(id),
                            marac_id: Set(config.marac.id),
                            meets_on: Set(meets_on),
                            status: Set(MeetingStatus::Planned.as_str().to_owned()),
                            published_at: Set(None),
                            closed_at: Set(None),
                            created_at: Set(crate::now()),
                        }
                        .insert(self.conn())
                        .await?;
                        id
                    }
                };
                let already = marac_hearing::Entity::find()
                    .filter(marac_hearing::Column::MeetingId.eq(meeting_id))
                    .filter(marac_hearing::Column::CaseId.eq(r.case_id))
                    .count(self.conn())
                    .await?;
                if already > 0 {
                    return Err(form_error(
                        "decision",
                        "This case is already on that meeting's agenda",
                    ));
                }
                let position = booked.get(&meets_on).copied().unwrap_or(0) + 1;
                let now = crate::now();
                marac_hearing::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    meeting_id: Set(meeting_id),
                    referral_id: Set(r.id),
                    case_id: Set(r.case_id),
                    position: Set(count_i32(position)?),
                    transferred_from: Set(queued.transferred_from.clone()),
                    discussion: Set(None),
                    risks: Set(None),
                    decision: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(self.conn())
                .await?;
                let repeat_of = repeat_of.and_then(|s| Uuid::parse_str(&s).ok());
                am.status = Set(ReferralStatus::Accepted.as_str().to_owned());
                am.repeat = Set(repeat_of.is_some());
                am.repeat_of = Set(repeat_of);
                am.update(self.conn()).await?;
                self.decide_repeat_candidates(actor, &r, &queued.candidates, repeat_of, request_id)
                    .await?;
                Ok(Some(meets_on))
            }
        }
    }

    /// The coordinator's answer to "is this a repeat?" decides the undecided pairs it was
    /// asked about: the chosen earlier victim is the same woman; with "not a repeat: a
    /// different person", every one offered is someone else. Each decision is audited on
    /// the case.
    async fn decide_repeat_candidates(
        &self,
        actor: &User,
        r: &marac_referral::Model,
        candidates: &[RepeatCandidate],
        repeat_of: Option<Uuid>,
        request_id: Option<String>,
    ) -> Result<(), StoreError> {
        use crate::matching::MatchDecision;
        let mut decided: HashSet<Uuid> = HashSet::new();
        for c in candidates.iter().filter(|c| c.suggested) {
            let decision = match repeat_of {
                Some(chosen) if chosen == c.id => MatchDecision::SamePerson,
                Some(_) => continue,
                None => MatchDecision::Different,
            };
            // Two earlier referrals of one woman are one pair, decided once.
            if c.earlier_victim == r.victim_person_id || !decided.insert(c.earlier_victim) {
                continue;
            }
            let probability = self
                .pair_score(r.victim_person_id, c.earlier_victim)
                .unwrap_or(SUGGEST_FROM);
            self.store_decision(
                actor,
                r.victim_person_id,
                c.earlier_victim,
                decision,
                probability,
            )
            .await?;
            self.audit(AuditEvent {
                actor: Some(actor.audit_actor()),
                action: match decision {
                    MatchDecision::SamePerson => "person_match.confirm",
                    MatchDecision::Different => "person_match.reject",
                },
                object_type: "case",
                object_id: Some(r.case_id.to_string()),
                outcome: Outcome::Allowed,
                request_id: request_id.clone(),
            })
            .await?;
        }
        Ok(())
    }

    // ----- Meetings -----

    /// Meetings the user may see: every meeting of a Marac they run; published and closed
    /// meetings of a Marac their agency sits at that have a case they may research.
    pub async fn meetings_for(&self, actor: &User) -> Result<Vec<MeetingSummary>, StoreError> {
        let who = actor.actor();
        let mut out = Vec::new();
        for config in self.my_maracs(actor).await? {
            let f = config.facts();
            let runs = access::can_run_meeting(&who, &f);
            let meetings = marac_meeting::Entity::find()
                .filter(marac_meeting::Column::MaracId.eq(config.marac.id))
                .order_by_asc(marac_meeting::Column::MeetsOn)
                .all(self.conn())
                .await?;
            for m in meetings {
                let visible = self.visible_hearings(&who, &config, &m).await?;
                if runs || !visible.is_empty() {
                    out.push(MeetingSummary {
                        id: m.id,
                        marac_id: config.marac.id,
                        marac_name: config.marac.name.clone(),
                        meets_on: m.meets_on,
                        status: status_of(MeetingStatus::parse, &m.status, "meeting status")?,
                        cases: u32::try_from(visible.len()).unwrap_or(u32::MAX),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The hearings of a meeting that `who` may see, with their case facts.
    async fn visible_hearings(
        &self,
        who: &Actor,
        config: &MaracConfig,
        meeting: &marac_meeting::Model,
    ) -> Result<Vec<(marac_hearing::Model, CaseAccessFacts)>, StoreError> {
        let f = config.facts();
        let runs = access::can_run_meeting(who, &f);
        let hearings = marac_hearing::Entity::find()
            .filter(marac_hearing::Column::MeetingId.eq(meeting.id))
            .order_by_asc(marac_hearing::Column::Position)
            .all(self.conn())
            .await?;
        let ids: Vec<Uuid> = hearings.iter().map(|h| h.case_id).collect();
        let facts = self.case_facts(&ids).await?;
        let open = self.open_action_hearings(&hearings).await?;
        let mut out = Vec::new();
        for h in hearings {
            let Some(cf) = facts.get(&h.case_id).cloned() else {
                continue;
            };
            let window = window_open(meeting, open.contains(&h.id));
            let visible = if runs {
                !cf.excludes(who)
            } else {
                access::can_research(who, &f, &cf, window)
            };
            if visible {
                out.push((h, cf));
            }
        }
        Ok(out)
    }

    async fn open_action_hearings(
        &self,
        hearings: &[marac_hearing::Model],
    ) -> Result<HashSet<Uuid>, StoreError> {
        if hearings.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(marac_action::Entity::find()
            .filter(marac_action::Column::HearingId.is_in(hearings.iter().map(|h| h.id)))
            .filter(marac_action::Column::Status.is_in([
                ActionStatus::Agreed.as_str(),
                ActionStatus::InProgress.as_str(),
            ]))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|a| a.hearing_id)
            .collect())
    }

    /// A meeting and its Marac, if the user runs it or may see a case on it; audited.
    async fn meeting_for_user(
        &self,
        actor: &User,
        meeting_id: Uuid,
        action: &'static str,
        request_id: Option<String>,
    ) -> Result<(marac_meeting::Model, MaracConfig, bool), CaseError> {
        let who = actor.actor();
        let mut found = None;
        if let Some(m) = marac_meeting::Entity::find_by_id(meeting_id)
            .one(self.conn())
            .await?
            && let Some(config) = self.marac_config(m.marac_id).await?
        {
            let runs = access::can_run_meeting(&who, &config.facts());
            if runs || !self.visible_hearings(&who, &config, &m).await?.is_empty() {
                found = Some((m, config, runs));
            }
        }
        self.audit_marac(
            actor,
            action,
            "marac_meeting",
            meeting_id,
            found.is_some(),
            request_id,
        )
        .await?;
        found.ok_or(CaseError::NotFound)
    }

    async fn accepted(&self, meeting_id: Uuid, user_id: Uuid) -> Result<bool, StoreError> {
        Ok(marac_confidentiality::Entity::find()
            .filter(marac_confidentiality::Column::MeetingId.eq(meeting_id))
            .filter(marac_confidentiality::Column::UserId.eq(user_id))
            .count(self.conn())
            .await?
            > 0)
    }

    /// A meeting's agenda, attendance and review list, as the user may see them.
    pub async fn meeting(
        &self,
        actor: &User,
        meeting_id: Uuid,
        today: Date,
        request_id: Option<String>,
    ) -> Result<MeetingView, CaseError> {
        let (m, config, runs) = self
            .meeting_for_user(actor, meeting_id, "marac.meeting.open", request_id.clone())
            .await?;
        let who = actor.actor();
        let accepted = self.accepted(m.id, actor.id).await?;
        let mut view = MeetingView {
            id: m.id,
            meets_on: m.meets_on,
            status: status_of(MeetingStatus::parse, &m.status, "meeting status")?,
            can_run: runs,
            can_coordinate: access::can_coordinate(&who, &config.facts()),
            confidentiality_accepted: accepted,
            agenda: Vec::new(),
            attendance: Vec::new(),
            review: Vec::new(),
            config,
        };
        if !accepted {
            return Ok(view);
        }
        let visible = self.visible_hearings(&who, &view.config, &m).await?;
        let mut cases = Vec::new();
        for (h, _) in &visible {
            self.audit_marac(
                actor,
                "marac.agenda.case",
                "case",
                h.case_id,
                true,
                request_id.clone(),
            )
            .await?;
            cases.push(self.agenda_case(h).await?);
        }
        let items: Vec<AgendaItem<Uuid>> = cases
            .iter()
            .map(|c| AgendaItem {
                id: c.hearing_id,
                repeat: c.repeat,
                yes_count: c.yes_count,
                referred_on: c.referred_on,
            })
            .collect();
        let order = order_agenda(&items, view.config.repeats_first);
        let mut by_id: HashMap<Uuid, AgendaCase> =
            cases.into_iter().map(|c| (c.hearing_id, c)).collect();
        view.agenda = order.iter().filter_map(|id| by_id.remove(id)).collect();
        if runs {
            let links = self.perpetrator_links(view.config.marac.id, &who).await?;
            for c in &mut view.agenda {
                c.linked_cases = links.get(&c.case_id).cloned().unwrap_or_default();
            }
            let rows = marac_attendance::Entity::find()
                .filter(marac_attendance::Column::MeetingId.eq(m.id))
                .all(self.conn())
                .await?;
            view.attendance = view
                .config
                .members
                .iter()
                .map(|a| {
                    let row = rows.iter().find(|r| r.agency_id == a.id);
                    AttendanceRow {
                        agency_id: a.id,
                        agency: a.name.clone(),
                        status: row.and_then(|r| AttendanceStatus::parse(&r.status)),
                        attendee: row.and_then(|r| r.attendee.clone()),
                        information_sent: row.is_some_and(|r| r.information_sent),
                    }
                })
                .collect();
            view.review = self
                .earlier_open_actions(actor, &view.config, m.meets_on, today)
                .await?;
        }
        Ok(view)
    }

    async fn agenda_case(&self, h: &marac_hearing::Model) -> Result<AgendaCase, StoreError> {
        let r = marac_referral::Entity::find_by_id(h.referral_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("hearing without referral".into()))?;
        let config = self
            .marac_config(r.marac_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("referral without Marac".into()))?;
        let q = self.queued(&r, &config, false).await?;
        let c = case::Entity::find_by_id(h.case_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("hearing without case".into()))?;
        let idva = match c.caseworker_id {
            Some(u) => self.user(u).await?.map(|u| u.display_name),
            None => None,
        };
        let children = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(h.case_id))
            .filter(case_person::Column::Role.eq("child"))
            .count(self.conn())
            .await?;
        let research = marac_research::Entity::find()
            .filter(marac_research::Column::HearingId.eq(h.id))
            .all(self.conn())
            .await?;
        let mut research_from = Vec::new();
        for row in research {
            if let Some(a) = self.agency(row.agency_id).await? {
                research_from.push(a.name);
            }
        }
        research_from.sort();
        let actions = marac_action::Entity::find()
            .filter(marac_action::Column::HearingId.eq(h.id))
            .count(self.conn())
            .await?;
        Ok(AgendaCase {
            hearing_id: h.id,
            case_id: h.case_id,
            case_reference: q.case_reference,
            victim_name: q.victim_name,
            repeat: r.repeat,
            yes_count: q.yes_count,
            risk_level: q.risk_level,
            criteria: q.criteria,
            children: u32::try_from(children).unwrap_or(u32::MAX),
            idva,
            referring_agency: q.referring_agency,
            referred_on: r.referred_on,
            transferred_from: h.transferred_from.clone(),
            research_from,
            actions: u32::try_from(actions).unwrap_or(u32::MAX),
            decision_recorded: h.decision.is_some(),
            linked_cases: Vec::new(),
        })
    }

    /// Records that the user accepted the meeting's confidentiality statement.
    pub async fn accept_confidentiality(
        &self,
        actor: &User,
        meeting_id: Uuid,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let (m, _, _) = self
            .meeting_for_user(
                actor,
                meeting_id,
                "marac.confidentiality.accept",
                request_id,
            )
            .await?;
        if !self.accepted(m.id, actor.id).await? {
            marac_confidentiality::ActiveModel {
                id: Set(Uuid::now_v7()),
                meeting_id: Set(m.id),
                user_id: Set(actor.id),
                accepted_at: Set(crate::now()),
            }
            .insert(self.conn())
            .await?;
        }
        Ok(())
    }

    /// A meeting the user runs (coordinator or chair), or not found.
    async fn meeting_to_run(
        &self,
        actor: &User,
        meeting_id: Uuid,
        action: &'static str,
        coordinator_only: bool,
        request_id: Option<String>,
    ) -> Result<(marac_meeting::Model, MaracConfig), CaseError> {
        let who = actor.actor();
        let mut found = None;
        if let Some(m) = marac_meeting::Entity::find_by_id(meeting_id)
            .one(self.conn())
            .await?
            && let Some(config) = self.marac_config(m.marac_id).await?
        {
            let f = config.facts();
            let allowed = if coordinator_only {
                access::can_coordinate(&who, &f)
            } else {
                access::can_run_meeting(&who, &f)
            };
            if allowed {
                found = Some((m, config));
            }
        }
        self.audit_marac(
            actor,
            action,
            "marac_meeting",
            meeting_id,
            found.is_some(),
            request_id,
        )
        .await?;
        found.ok_or(CaseError::NotFound)
    }

    /// Everyone who records anything at a meeting has accepted its confidentiality
    /// statement first, as everyone who reads it has.
    async fn require_confidentiality(
        &self,
        actor: &User,
        meeting_id: Uuid,
    ) -> Result<(), CaseError> {
        if self.accepted(meeting_id, actor.id).await? {
            Ok(())
        } else {
            Err(form_error(
                "confidentiality",
                "Accept the meeting's confidentiality statement first",
            ))
        }
    }

    /// Publishes a meeting's agenda, opening the research window for member agencies.
    pub async fn publish_agenda(
        &self,
        actor: &User,
        meeting_id: Uuid,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let (m, _) = self
            .meeting_to_run(actor, meeting_id, "marac.agenda.publish", true, request_id)
            .await?;
        if m.status != MeetingStatus::Planned.as_str() {
            return Err(form_error("meeting", "This agenda is already published"));
        }
        let cases = marac_hearing::Entity::find()
            .filter(marac_hearing::Column::MeetingId.eq(m.id))
            .count(self.conn())
            .await?;
        if cases == 0 {
            return Err(form_error(
                "meeting",
                "There are no cases on this agenda to publish",
            ));
        }
        let mut am: marac_meeting::ActiveModel = m.into();
        am.status = Set(MeetingStatus::Published.as_str().to_owned());
        am.published_at = Set(Some(crate::now()));
        am.update(self.conn()).await?;
        Ok(())
    }

    /// The coordinator's answer to a serial-perpetrator alert on the agenda: the two
    /// perpetrators are the same man, or two men. Only a link the agenda shows the
    /// coordinator and nobody has settled may be decided; the decision is kept for the pair
    /// (the alert, flags and matching follow it) and audited on both cases, after the
    /// meeting row.
    pub async fn decide_serial_link(
        &self,
        actor: &User,
        meeting_id: Uuid,
        perpetrator: &str,
        other_perpetrator: &str,
        decision: &str,
        request_id: Option<String>,
    ) -> Result<crate::matching::MatchDecision, CaseError> {
        use crate::matching::MatchDecision;
        let (_, config) = self
            .meeting_to_run(
                actor,
                meeting_id,
                "person_match.serial",
                true,
                request_id.clone(),
            )
            .await?;
        let Some(decision) = MatchDecision::parse(decision) else {
            return Err(form_error(
                "decision",
                "Select whether these perpetrators are the same man",
            ));
        };
        let p = Uuid::parse_str(perpetrator.trim()).ok();
        let o = Uuid::parse_str(other_perpetrator.trim()).ok();
        let links = self
            .perpetrator_links(config.marac.id, &actor.actor())
            .await?;
        let Some((case_id, link)) = links.iter().find_map(|(case_id, list)| {
            list.iter()
                .find(|l| !l.settled && Some(l.perpetrator) == p && Some(l.other_perpetrator) == o)
                .map(|l| (*case_id, l.clone()))
        }) else {
            return Err(form_error(
                "decision",
                "That link is no longer on the agenda: it may have been decided already",
            ));
        };
        let probability = self
            .pair_score(link.perpetrator, link.other_perpetrator)
            .unwrap_or(SERIAL_FROM);
        self.store_decision(
            actor,
            link.perpetrator,
            link.other_perpetrator,
            decision,
            probability,
        )
        .await?;
        for on in [case_id, link.other_case_id] {
            self.audit(AuditEvent {
                actor: Some(actor.audit_actor()),
                action: match decision {
                    MatchDecision::SamePerson => "person_match.confirm",
                    MatchDecision::Different => "person_match.reject",
                },
                object_type: "case",
                object_id: Some(on.to_string()),
                outcome: Outcome::Allowed,
                request_id: request_id.clone(),
            })
            .await?;
        }
        Ok(decision)
    }

    /// Records every member agency's attendance at once (absent unless given).
    pub async fn record_attendance(
        &self,
        actor: &User,
        meeting_id: Uuid,
        rows: &[(Uuid, AttendanceStatus, Option<String>, bool)],
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let (m, config) = self
            .meeting_to_run(
                actor,
                meeting_id,
                "marac.attendance.record",
                false,
                request_id,
            )
            .await?;
        self.require_confidentiality(actor, m.id).await?;
        if m.status != MeetingStatus::Published.as_str() {
            return Err(form_error(
                "attendance",
                "Attendance is recorded once the agenda is published and before the meeting closes",
            ));
        }
        for (agency_id, _, attendee, _) in rows {
            if !config.is_member(*agency_id) {
                return Err(form_error(
                    "attendance",
                    "Only member agencies attend the Marac",
                ));
            }
            if attendee.as_ref().is_some_and(|a| a.chars().count() > 200) {
                return Err(form_error(
                    "attendance",
                    "An attendee's name must be 200 characters or fewer",
                ));
            }
        }
        marac_attendance::Entity::delete_many()
            .filter(marac_attendance::Column::MeetingId.eq(m.id))
            .exec(self.conn())
            .await?;
        for (agency_id, status, attendee, information_sent) in rows {
            marac_attendance::ActiveModel {
                id: Set(Uuid::now_v7()),
                meeting_id: Set(m.id),
                agency_id: Set(*agency_id),
                status: Set(status.as_str().to_owned()),
                attendee: Set(attendee.clone()),
                information_sent: Set(*information_sent),
                recorded_by: Set(actor.id),
                created_at: Set(crate::now()),
            }
            .insert(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Closes a meeting: every case needs an action or a recorded decision.
    pub async fn close_meeting(
        &self,
        actor: &User,
        meeting_id: Uuid,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let (m, _) = self
            .meeting_to_run(actor, meeting_id, "marac.meeting.close", false, request_id)
            .await?;
        self.require_confidentiality(actor, m.id).await?;
        if m.status != MeetingStatus::Published.as_str() {
            return Err(form_error(
                "meeting",
                "Only a meeting with a published agenda that is not yet closed can be closed",
            ));
        }
        let hearings = marac_hearing::Entity::find()
            .filter(marac_hearing::Column::MeetingId.eq(m.id))
            .all(self.conn())
            .await?;
        let mut at_meeting = Vec::new();
        for h in &hearings {
            let actions = marac_action::Entity::find()
                .filter(marac_action::Column::HearingId.eq(h.id))
                .count(self.conn())
                .await?;
            let reference = case::Entity::find_by_id(h.case_id)
                .one(self.conn())
                .await?
                .map(|c| c.reference)
                .unwrap_or_default();
            at_meeting.push(CaseAtMeeting {
                id: reference,
                actions: u32::try_from(actions).unwrap_or(u32::MAX),
                decision_recorded: h.decision.is_some(),
            });
        }
        let blocking = cases_blocking_close(&at_meeting);
        let who = actor.actor();
        let facts = self
            .case_facts(&hearings.iter().map(|h| h.case_id).collect::<Vec<_>>())
            .await?;
        let hidden: HashSet<String> = hearings
            .iter()
            .filter(|h| facts.get(&h.case_id).is_none_or(|f| f.excludes(&who)))
            .filter_map(|h| {
                at_meeting
                    .iter()
                    .zip(hearings.iter())
                    .find(|(_, x)| x.id == h.id)
                    .map(|(c, _)| c.id.clone())
            })
            .collect();
        if !blocking.is_empty() {
            return Err(CaseError::Form(
                blocking
                    .into_iter()
                    .map(|r| {
                        // A case the user is excluded from is counted, never named.
                        let name = if hidden.contains(&r) {
                            "A case you cannot see".to_owned()
                        } else {
                            format!("Case {r}")
                        };
                        FieldError::new(
                            "meeting",
                            format!("{name} has no actions and no recorded decision"),
                        )
                    })
                    .collect(),
            ));
        }
        let mut am: marac_meeting::ActiveModel = m.into();
        am.status = Set(MeetingStatus::Closed.as_str().to_owned());
        am.closed_at = Set(Some(crate::now()));
        am.update(self.conn()).await?;
        Ok(())
    }

    // ----- Hearings: research, minutes, actions -----

    /// A hearing the user may see, its meeting and Marac, whether they run it and whether
    /// their research window is open; audited against the case.
    async fn hearing_for_user(
        &self,
        actor: &User,
        hearing_id: Uuid,
        action: &'static str,
        only_runners: bool,
        request_id: Option<String>,
    ) -> Result<
        (
            marac_hearing::Model,
            marac_meeting::Model,
            MaracConfig,
            bool,
            bool,
        ),
        CaseError,
    > {
        let who = actor.actor();
        let mut found = None;
        if let Some(h) = marac_hearing::Entity::find_by_id(hearing_id)
            .one(self.conn())
            .await?
            && let Some(m) = marac_meeting::Entity::find_by_id(h.meeting_id)
                .one(self.conn())
                .await?
            && let Some(config) = self.marac_config(m.marac_id).await?
        {
            let facts = self.case_facts(&[h.case_id]).await?;
            let open = self.open_action_hearings(std::slice::from_ref(&h)).await?;
            let window = window_open(&m, open.contains(&h.id));
            let f = config.facts();
            if let Some(cf) = facts.get(&h.case_id) {
                let runs = access::can_run_meeting(&who, &f) && !cf.excludes(&who);
                let research = access::can_research(&who, &f, cf, window);
                if runs || (research && !only_runners) {
                    found = Some((h, m, config, runs, research));
                }
            }
        }
        let case_id = found.as_ref().map(|(h, ..)| h.case_id);
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action,
            object_type: if case_id.is_some() {
                "case"
            } else {
                "marac_hearing"
            },
            object_id: Some(case_id.unwrap_or(hearing_id).to_string()),
            outcome: if found.is_some() {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        found.ok_or(CaseError::NotFound)
    }

    /// A case at a meeting, as the user may see it.
    pub async fn hearing(
        &self,
        actor: &User,
        hearing_id: Uuid,
        today: Date,
        request_id: Option<String>,
    ) -> Result<HearingAccess, CaseError> {
        let (h, m, config, runs, research_open) = self
            .hearing_for_user(actor, hearing_id, "marac.hearing.open", false, request_id)
            .await?;
        if !self.accepted(m.id, actor.id).await? {
            return Ok(HearingAccess::NeedsConfidentiality { meeting_id: m.id });
        }
        let meeting_status = status_of(MeetingStatus::parse, &m.status, "meeting status")?;
        let r = marac_referral::Entity::find_by_id(h.referral_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("hearing without referral".into()))?;
        let agenda = self.agenda_case(&h).await?;
        let c = case::Entity::find_by_id(h.case_id)
            .one(self.conn())
            .await?
            .ok_or(CaseError::NotFound)?;
        let detail = self.load_detail(c).await?;
        let person = |p: &crate::cases::CasePerson| MaracPerson {
            name: p.full_name(),
            date_of_birth: p.date_of_birth,
            age: p.date_of_birth.map(|b| age_on(b, m.meets_on)),
            gender: p.gender.clone(),
        };
        let details: Option<MaracReferralDetails> = self
            .open_opt("marac_referrals.details", r.id, r.details.as_deref())?
            .map(|s| parse_json(&s))
            .transpose()?;
        let mut research = Vec::new();
        for row in marac_research::Entity::find()
            .filter(marac_research::Column::HearingId.eq(h.id))
            .all(self.conn())
            .await?
        {
            if !runs && row.agency_id != actor.agency_id {
                continue;
            }
            research.push(ResearchRow {
                agency_id: row.agency_id,
                agency: self
                    .agency(row.agency_id)
                    .await?
                    .map(|a| a.name)
                    .unwrap_or_default(),
                research: self.open("marac_research.research", row.id, &row.research)?,
                written_by: self
                    .user(row.written_by)
                    .await?
                    .map(|u| u.display_name)
                    .unwrap_or_default(),
                updated_on: waymark_domain::calendar::uk_date(row.updated_at),
            });
        }
        research.sort_by(|a, b| a.agency.cmp(&b.agency));
        let minutes = if runs || meeting_status == MeetingStatus::Closed {
            Some(self.minutes_of(&h)?)
        } else {
            None
        };
        let mut actions = Vec::new();
        for a in marac_action::Entity::find()
            .filter(marac_action::Column::HearingId.eq(h.id))
            .order_by_asc(marac_action::Column::CreatedAt)
            .all(self.conn())
            .await?
        {
            if runs || a.agency_id == actor.agency_id {
                actions.push(
                    self.action_row(&a, &config, m.meets_on, &agenda, today)
                        .await?,
                );
            }
        }
        let mut history = Vec::new();
        let mut risk_history = Vec::new();
        let mut transfer_to = Vec::new();
        if runs {
            for past in marac_hearing::Entity::find()
                .filter(marac_hearing::Column::CaseId.eq(h.case_id))
                .filter(marac_hearing::Column::Id.ne(h.id))
                .all(self.conn())
                .await?
            {
                let Some(pm) = marac_meeting::Entity::find_by_id(past.meeting_id)
                    .one(self.conn())
                    .await?
                else {
                    continue;
                };
                let Some(pconfig) = self.marac_config(pm.marac_id).await? else {
                    continue;
                };
                let pagenda = self.agenda_case(&past).await?;
                let mut pactions = Vec::new();
                for a in marac_action::Entity::find()
                    .filter(marac_action::Column::HearingId.eq(past.id))
                    .order_by_asc(marac_action::Column::CreatedAt)
                    .all(self.conn())
                    .await?
                {
                    pactions.push(
                        self.action_row(&a, &pconfig, pm.meets_on, &pagenda, today)
                            .await?,
                    );
                }
                history.push(PastHearing {
                    marac_name: pconfig.marac.name.clone(),
                    meets_on: pm.meets_on,
                    minutes: self.minutes_of(&past)?,
                    actions: pactions,
                });
            }
            history.sort_by_key(|h| std::cmp::Reverse(h.meets_on));
            risk_history = detail
                .assessments
                .iter()
                .rev()
                .map(|a| PastRisk {
                    assessed_on: a.assessment.assessed_on,
                    yes_count: a.decision.yes_count,
                    risk_level: a.decision.risk_level,
                    criteria: a.decision.criteria.clone(),
                })
                .collect();
            if access::can_coordinate(&actor.actor(), &config.facts()) {
                transfer_to = self
                    .maracs()
                    .await?
                    .into_iter()
                    .filter(|m| m.id != config.marac.id)
                    .collect();
            }
        }
        Ok(HearingAccess::Open(Box::new(HearingView {
            id: h.id,
            meeting_id: m.id,
            meets_on: m.meets_on,
            meeting_status,
            case_id: h.case_id,
            case_reference: detail.reference.clone(),
            can_run: runs,
            can_add_research: research_open && meeting_status == MeetingStatus::Published,
            victim: detail.victim().map(person),
            perpetrators: detail
                .people
                .iter()
                .filter(|p| p.role == "perpetrator")
                .map(person)
                .collect(),
            children: detail
                .people
                .iter()
                .filter(|p| p.role == "child")
                .map(person)
                .collect(),
            referring_agency: agenda.referring_agency.clone(),
            referred_on: r.referred_on,
            repeat: r.repeat,
            details,
            yes_count: agenda.yes_count,
            risk_level: agenda.risk_level,
            criteria: agenda.criteria.clone(),
            idva: agenda.idva.clone(),
            transferred_from: h.transferred_from.clone(),
            research,
            minutes,
            actions,
            history,
            risk_history,
            transfer_to,
            config,
        })))
    }

    fn minutes_of(&self, h: &marac_hearing::Model) -> Result<Minutes, StoreError> {
        let risks = self
            .open_opt("marac_hearings.risks", h.id, h.risks.as_deref())?
            .map(|s| parse_json(&s))
            .transpose()?
            .unwrap_or_default();
        Ok(Minutes {
            discussion: self.open_opt(
                "marac_hearings.discussion",
                h.id,
                h.discussion.as_deref(),
            )?,
            decision: self.open_opt("marac_hearings.decision", h.id, h.decision.as_deref())?,
            risks,
        })
    }

    async fn action_row(
        &self,
        a: &marac_action::Model,
        config: &MaracConfig,
        meets_on: Date,
        agenda: &AgendaCase,
        today: Date,
    ) -> Result<ActionRow, StoreError> {
        let status = status_of(ActionStatus::parse, &a.status, "action status")?;
        Ok(ActionRow {
            id: a.id,
            hearing_id: a.hearing_id,
            case_reference: agenda.case_reference.clone(),
            victim_name: agenda.victim_name.clone(),
            marac_name: config.marac.name.clone(),
            meets_on,
            agency_id: a.agency_id,
            agency: config
                .members
                .iter()
                .find(|m| m.id == a.agency_id)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            action: self.open("marac_actions.action", a.id, &a.action)?,
            purpose: status_of(ActionPurpose::parse, &a.purpose, "action purpose")?,
            due_on: a.due_on,
            status,
            not_done_reason: a.not_done_reason.as_deref().and_then(NotDoneReason::parse),
            note: self.open_opt("marac_actions.status_note", a.id, a.status_note.as_deref())?,
            overdue: overdue(status, a.due_on, today),
            due_soon: due_soon(status, a.due_on, today, REMINDER_DAYS),
        })
    }

    /// Adds or replaces the user's agency's research on a case before the meeting.
    pub async fn save_research(
        &self,
        actor: &User,
        hearing_id: Uuid,
        research: &str,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let (h, m, _, _, research_open) = self
            .hearing_for_user(actor, hearing_id, "marac.research.save", false, request_id)
            .await?;
        if !research_open || m.status != MeetingStatus::Published.as_str() {
            return Err(form_error(
                "research",
                "Research can be added only by a member agency while the agenda is published and before the meeting closes",
            ));
        }
        if !self.accepted(m.id, actor.id).await? {
            return Err(form_error(
                "research",
                "Accept the meeting's confidentiality statement first",
            ));
        }
        let text = research.trim();
        if text.is_empty() {
            return Err(form_error(
                "research",
                "Enter your agency's research: what it knows that is relevant to the risk",
            ));
        }
        if text.chars().count() > waymark_domain::referral::MAX_TEXT {
            return Err(form_error(
                "research",
                &format!(
                    "Research must be {} characters or fewer",
                    waymark_domain::referral::MAX_TEXT
                ),
            ));
        }
        let now = crate::now();
        let existing = marac_research::Entity::find()
            .filter(marac_research::Column::HearingId.eq(h.id))
            .filter(marac_research::Column::AgencyId.eq(actor.agency_id))
            .one(self.conn())
            .await?;
        match existing {
            Some(row) => {
                let id = row.id;
                let mut am: marac_research::ActiveModel = row.into();
                am.research = Set(self.seal("marac_research.research", id, text)?);
                am.written_by = Set(actor.id);
                am.updated_at = Set(now);
                am.update(self.conn()).await?;
            }
            None => {
                let id = Uuid::now_v7();
                marac_research::ActiveModel {
                    id: Set(id),
                    hearing_id: Set(h.id),
                    case_id: Set(h.case_id),
                    agency_id: Set(actor.agency_id),
                    research: Set(self.seal("marac_research.research", id, text)?),
                    written_by: Set(actor.id),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(self.conn())
                .await?;
            }
        }
        Ok(())
    }

    /// A hearing the user runs, at a meeting in progress (agenda published, not closed).
    async fn hearing_to_run(
        &self,
        actor: &User,
        hearing_id: Uuid,
        action: &'static str,
        request_id: Option<String>,
    ) -> Result<(marac_hearing::Model, marac_meeting::Model, MaracConfig), CaseError> {
        let (h, m, config, runs, _) = self
            .hearing_for_user(actor, hearing_id, action, true, request_id)
            .await?;
        if !runs {
            return Err(CaseError::NotFound);
        }
        if m.status != MeetingStatus::Published.as_str() {
            return Err(form_error(
                "meeting",
                "Minutes and actions are recorded once the agenda is published and before the meeting closes",
            ));
        }
        self.require_confidentiality(actor, m.id).await?;
        Ok((h, m, config))
    }

    /// Records the minutes of a case: discussion, risks identified and any decision.
    pub async fn record_minutes(
        &self,
        actor: &User,
        hearing_id: Uuid,
        minutes: &Minutes,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let (h, _, _) = self
            .hearing_to_run(actor, hearing_id, "marac.minutes.record", request_id)
            .await?;
        let id = h.id;
        let mut am: marac_hearing::ActiveModel = h.into();
        am.discussion = Set(self.seal_opt(
            "marac_hearings.discussion",
            id,
            minutes.discussion.as_deref(),
        )?);
        am.decision =
            Set(self.seal_opt("marac_hearings.decision", id, minutes.decision.as_deref())?);
        am.risks = Set(Some(self.seal(
            "marac_hearings.risks",
            id,
            &json(&minutes.risks)?,
        )?));
        am.updated_at = Set(crate::now());
        am.update(self.conn()).await?;
        Ok(())
    }

    /// Adds an action agreed on a case; its owner must be a member agency.
    pub async fn add_action(
        &self,
        actor: &User,
        hearing_id: Uuid,
        input: &waymark_domain::marac::ActionInput,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let (h, m, config) = self
            .hearing_to_run(actor, hearing_id, "marac.action.add", request_id)
            .await?;
        let members: Vec<String> = config.members.iter().map(|a| a.id.to_string()).collect();
        let NewAction {
            action,
            agency_id,
            due_on,
            purpose,
        } = input.parse(m.meets_on, &members).map_err(CaseError::Form)?;
        let agency_id = Uuid::parse_str(&agency_id)
            .map_err(|_| form_error("agency_id", "Select the agency that owns the action"))?;
        // An agency excluded from the case could never see its action.
        let facts = self.case_facts(&[h.case_id]).await?;
        if facts
            .get(&h.case_id)
            .is_some_and(|f| f.excluded_agency_ids.contains(&agency_id.to_string()))
        {
            return Err(form_error(
                "agency_id",
                "That agency is excluded from this case: give the action to another agency",
            ));
        }
        let id = Uuid::now_v7();
        let now = crate::now();
        marac_action::ActiveModel {
            id: Set(id),
            hearing_id: Set(h.id),
            meeting_id: Set(m.id),
            case_id: Set(h.case_id),
            agency_id: Set(agency_id),
            action: Set(self.seal("marac_actions.action", id, &action)?),
            purpose: Set(purpose.as_str().to_owned()),
            due_on: Set(due_on),
            status: Set(ActionStatus::Agreed.as_str().to_owned()),
            not_done_reason: Set(None),
            status_note: Set(None),
            reviewed_at_meeting_id: Set(None),
            created_by: Set(actor.id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.conn())
        .await?;
        Ok(id)
    }

    /// Updates an action's status: its owning agency's staff at a member agency, or the
    /// coordinator and chair (at a later meeting's review, which is recorded).
    pub async fn update_action(
        &self,
        actor: &User,
        action_id: Uuid,
        update: &ActionUpdate,
        review_meeting_id: Option<Uuid>,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let who = actor.actor();
        let mut found = None;
        if let Some(a) = marac_action::Entity::find_by_id(action_id)
            .one(self.conn())
            .await?
            && let Some(m) = marac_meeting::Entity::find_by_id(a.meeting_id)
                .one(self.conn())
                .await?
            && let Some(config) = self.marac_config(m.marac_id).await?
        {
            let facts = self.case_facts(&[a.case_id]).await?;
            let f = config.facts();
            if let Some(cf) = facts.get(&a.case_id) {
                // The owning agency works its action only while its window on the case is
                // open, so it can never reopen a case that is closed to it.
                let open = marac_action::Entity::find()
                    .filter(marac_action::Column::HearingId.eq(a.hearing_id))
                    .filter(marac_action::Column::Status.is_in([
                        ActionStatus::Agreed.as_str(),
                        ActionStatus::InProgress.as_str(),
                    ]))
                    .count(self.conn())
                    .await?
                    > 0;
                let owner = a.agency_id == actor.agency_id
                    && access::can_see_agency_actions(&who, &f, cf)
                    && access::takes_part_in_marac(&who)
                    && window_open(&m, open);
                let runs = access::can_run_meeting(&who, &f) && !cf.excludes(&who);
                if owner || runs {
                    found = Some((a, config, runs, m.meets_on));
                }
            }
        }
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "marac.action.update",
            object_type: if found.is_some() {
                "case"
            } else {
                "marac_action"
            },
            object_id: Some(
                found
                    .as_ref()
                    .map(|(a, ..)| a.case_id)
                    .unwrap_or(action_id)
                    .to_string(),
            ),
            outcome: if found.is_some() {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        let (a, config, runs, action_on) = found.ok_or(CaseError::NotFound)?;
        if let Some(rm) = review_meeting_id {
            // Only those running the Marac review, and only at a later meeting.
            let ok = runs
                && marac_meeting::Entity::find_by_id(rm)
                    .one(self.conn())
                    .await?
                    .is_some_and(|m| m.marac_id == config.marac.id && m.meets_on > action_on);
            if !ok {
                return Err(form_error(
                    "review",
                    "Review an action at a later meeting of its Marac",
                ));
            }
        }
        let id = a.id;
        let mut am: marac_action::ActiveModel = a.into();
        am.status = Set(update.status.as_str().to_owned());
        am.not_done_reason = Set(update.not_done_reason.map(|r| r.as_str().to_owned()));
        am.status_note =
            Set(self.seal_opt("marac_actions.status_note", id, update.note.as_deref())?);
        if review_meeting_id.is_some() {
            am.reviewed_at_meeting_id = Set(review_meeting_id);
        }
        am.updated_at = Set(crate::now());
        am.update(self.conn()).await?;
        Ok(())
    }

    async fn rows_for_actions(
        &self,
        actions: Vec<marac_action::Model>,
        today: Date,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let mut out = Vec::new();
        let mut configs: HashMap<Uuid, (MaracConfig, Date)> = HashMap::new();
        let mut agendas: HashMap<Uuid, AgendaCase> = HashMap::new();
        for a in actions {
            if let Entry::Vacant(slot) = configs.entry(a.meeting_id) {
                let Some(m) = marac_meeting::Entity::find_by_id(a.meeting_id)
                    .one(self.conn())
                    .await?
                else {
                    continue;
                };
                let Some(config) = self.marac_config(m.marac_id).await? else {
                    continue;
                };
                slot.insert((config, m.meets_on));
            }
            if let Entry::Vacant(slot) = agendas.entry(a.hearing_id) {
                let Some(h) = marac_hearing::Entity::find_by_id(a.hearing_id)
                    .one(self.conn())
                    .await?
                else {
                    continue;
                };
                slot.insert(self.agenda_case(&h).await?);
            }
            if let (Some((config, meets_on)), Some(agenda)) =
                (configs.get(&a.meeting_id), agendas.get(&a.hearing_id))
            {
                out.push(
                    self.action_row(&a, config, *meets_on, agenda, today)
                        .await?,
                );
            }
        }
        out.sort_by(|a, b| {
            a.due_on
                .cmp(&b.due_on)
                .then(a.case_reference.cmp(&b.case_reference))
        });
        Ok(out)
    }

    /// The user's agency's action plan: its actions on cases whose window is open to it.
    pub async fn agency_actions(
        &self,
        actor: &User,
        today: Date,
        request_id: Option<String>,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let who = actor.actor();
        let actions = marac_action::Entity::find()
            .filter(marac_action::Column::AgencyId.eq(actor.agency_id))
            .all(self.conn())
            .await?;
        let case_ids: Vec<Uuid> = actions.iter().map(|a| a.case_id).collect();
        let facts = self.case_facts(&case_ids).await?;
        // The window counts every agency's open actions on the case, as the hearing does.
        let hearing_ids: HashSet<Uuid> = actions.iter().map(|a| a.hearing_id).collect();
        let open_cases: HashSet<Uuid> = if hearing_ids.is_empty() {
            HashSet::new()
        } else {
            marac_action::Entity::find()
                .filter(marac_action::Column::HearingId.is_in(hearing_ids))
                .filter(marac_action::Column::Status.is_in([
                    ActionStatus::Agreed.as_str(),
                    ActionStatus::InProgress.as_str(),
                ]))
                .all(self.conn())
                .await?
                .into_iter()
                .map(|a| a.hearing_id)
                .collect()
        };
        let mut keep = Vec::new();
        let mut configs: HashMap<Uuid, Option<MaracConfig>> = HashMap::new();
        for a in actions {
            let Some(cf) = facts.get(&a.case_id) else {
                continue;
            };
            let Some(m) = marac_meeting::Entity::find_by_id(a.meeting_id)
                .one(self.conn())
                .await?
            else {
                continue;
            };
            if let Entry::Vacant(slot) = configs.entry(m.marac_id) {
                slot.insert(self.marac_config(m.marac_id).await?);
            }
            let Some(Some(config)) = configs.get(&m.marac_id) else {
                continue;
            };
            if access::can_see_agency_actions(&who, &config.facts(), cf)
                && window_open(&m, open_cases.contains(&a.hearing_id))
            {
                keep.push(a);
            }
        }
        let rows = self.rows_for_actions(keep, today).await?;
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "marac.actions.agency",
            object_type: "agency",
            object_id: Some(actor.agency_id.to_string()),
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        Ok(rows)
    }

    /// Open actions of the Maracs the user coordinates that are past their due date.
    pub async fn overdue_actions(
        &self,
        actor: &User,
        today: Date,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let who = actor.actor();
        let mut out = Vec::new();
        for config in self.my_maracs(actor).await? {
            if !access::can_coordinate(&who, &config.facts()) {
                continue;
            }
            out.extend(
                self.earlier_open_actions(actor, &config, today, today)
                    .await?
                    .into_iter()
                    .filter(|a| a.overdue),
            );
        }
        Ok(out)
    }

    /// Open actions agreed at this Marac's meetings before `before`, without cases that
    /// exclude the user.
    async fn earlier_open_actions(
        &self,
        actor: &User,
        config: &MaracConfig,
        before: Date,
        today: Date,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let who = actor.actor();
        let meetings: Vec<Uuid> = marac_meeting::Entity::find()
            .filter(marac_meeting::Column::MaracId.eq(config.marac.id))
            .filter(marac_meeting::Column::MeetsOn.lt(before))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        if meetings.is_empty() {
            return Ok(Vec::new());
        }
        let actions = marac_action::Entity::find()
            .filter(marac_action::Column::MeetingId.is_in(meetings))
            .filter(marac_action::Column::Status.is_in([
                ActionStatus::Agreed.as_str(),
                ActionStatus::InProgress.as_str(),
            ]))
            .all(self.conn())
            .await?;
        let case_ids: Vec<Uuid> = actions.iter().map(|a| a.case_id).collect();
        let facts = self.case_facts(&case_ids).await?;
        let keep: Vec<_> = actions
            .into_iter()
            .filter(|a| facts.get(&a.case_id).is_some_and(|f| !f.excludes(&who)))
            .collect();
        self.rows_for_actions(keep, today).await
    }

    /// Every Marac action on a case, for its Idva to hold agencies to account. Takes the
    /// case detail the caller was allowed to load.
    pub async fn case_marac_actions(
        &self,
        detail: &CaseDetail,
        today: Date,
    ) -> Result<Vec<ActionRow>, StoreError> {
        let actions = marac_action::Entity::find()
            .filter(marac_action::Column::CaseId.eq(detail.id))
            .all(self.conn())
            .await?;
        self.rows_for_actions(actions, today).await
    }

    // ----- The data return -----

    /// The cases heard and the attendance at a Marac's closed meetings in a period. Cases
    /// that exclude `who` are left out: a report counts only what its reader may see.
    async fn heard(
        &self,
        marac_id: Uuid,
        from: Date,
        to: Date,
        who: Option<&Actor>,
    ) -> Result<(Vec<HeardCase>, Vec<Attendance>), StoreError> {
        let meetings = marac_meeting::Entity::find()
            .filter(marac_meeting::Column::MaracId.eq(marac_id))
            .filter(marac_meeting::Column::MeetsOn.gte(from))
            .filter(marac_meeting::Column::MeetsOn.lte(to))
            .filter(marac_meeting::Column::Status.eq(MeetingStatus::Closed.as_str()))
            .all(self.conn())
            .await?;
        let mut kinds: HashMap<Uuid, AgencyKind> = HashMap::new();
        for a in agency::Entity::find().all(self.conn()).await? {
            kinds.insert(
                a.id,
                AgencyKind::parse(&a.kind).unwrap_or(AgencyKind::Other),
            );
        }
        let mut cases = Vec::new();
        let mut attendance = Vec::new();
        for m in &meetings {
            let hearings = marac_hearing::Entity::find()
                .filter(marac_hearing::Column::MeetingId.eq(m.id))
                .all(self.conn())
                .await?;
            let ids: Vec<Uuid> = hearings.iter().map(|h| h.case_id).collect();
            let facts = self.case_facts(&ids).await?;
            for h in hearings {
                if let Some(w) = who
                    && facts.get(&h.case_id).is_none_or(|f| f.excludes(w))
                {
                    continue;
                }
                let Some(r) = marac_referral::Entity::find_by_id(h.referral_id)
                    .one(self.conn())
                    .await?
                else {
                    continue;
                };
                let details: Option<MaracReferralDetails> = self
                    .open_opt("marac_referrals.details", r.id, r.details.as_deref())?
                    .map(|s| parse_json(&s))
                    .transpose()?;
                let people = case_person::Entity::find()
                    .filter(case_person::Column::CaseId.eq(h.case_id))
                    .all(self.conn())
                    .await?;
                let mut children = 0u32;
                let mut perpetrator_ages = Vec::new();
                let mut victim_gender = None;
                let mut victim_age = None;
                for link in &people {
                    let Some(p) = person::Entity::find_by_id(link.person_id)
                        .one(self.conn())
                        .await?
                    else {
                        continue;
                    };
                    let born = self
                        .open_opt("people.date_of_birth", p.id, p.date_of_birth.as_deref())?
                        .and_then(|d| waymark_domain::referral::parse_iso_date(&d));
                    let age = born.map(|b| age_on(b, m.meets_on));
                    match link.role.as_str() {
                        "child" => children += 1,
                        "perpetrator" => {
                            perpetrator_ages.push(age.and_then(|a| u32::try_from(a).ok()));
                        }
                        "victim" => {
                            victim_gender = p.gender.as_deref().and_then(Gender::parse);
                            victim_age = age.and_then(|a| u32::try_from(a).ok());
                        }
                        _ => {}
                    }
                }
                let referring = match r.referring_agency_id {
                    Some(a) => Some(a),
                    None => crate::entity::referral::Entity::find()
                        .filter(crate::entity::referral::Column::CaseId.eq(h.case_id))
                        .one(self.conn())
                        .await?
                        .map(|x| x.referring_agency_id),
                };
                // The person record's gender, where known; otherwise the referral form's
                // answer (which may itself be "not known or declined to say").
                let victim_gender = match victim_gender {
                    Some(g) if g != Gender::NotKnown => Some(g),
                    recorded => details.as_ref().and_then(|d| d.victim_gender).or(recorded),
                };
                cases.push(HeardCase {
                    meeting_on: m.meets_on,
                    case_key: h.case_id.to_string(),
                    repeat: r.repeat,
                    children_in_household: children,
                    referring_agency_kind: referring
                        .and_then(|a| kinds.get(&a).copied())
                        .unwrap_or(AgencyKind::Other),
                    victim_gender,
                    victim_racially_minoritised: details
                        .as_ref()
                        .and_then(|d| d.victim_racially_minoritised),
                    victim_disabled: details.as_ref().and_then(|d| d.victim_disabled),
                    victim_lgbt: details.as_ref().and_then(|d| d.victim_lgbt),
                    victim_age_at_meeting: victim_age,
                    perpetrator_ages_at_meeting: perpetrator_ages,
                });
            }
            for a in marac_attendance::Entity::find()
                .filter(marac_attendance::Column::MeetingId.eq(m.id))
                .all(self.conn())
                .await?
            {
                attendance.push(Attendance {
                    meeting_on: m.meets_on,
                    agency_kind: kinds
                        .get(&a.agency_id)
                        .copied()
                        .unwrap_or(AgencyKind::Other),
                    attended: a.status == AttendanceStatus::Present.as_str(),
                });
            }
        }
        Ok((cases, attendance))
    }

    /// The data return for a Marac and period, for its coordinators and chair and the
    /// managers of its member agencies. Audited as an export.
    pub async fn marac_return(
        &self,
        actor: &User,
        marac_id: Uuid,
        from: Date,
        to: Date,
        request_id: Option<String>,
    ) -> Result<(MaracConfig, DataReturn), CaseError> {
        let who = actor.actor();
        let config = self.marac_config(marac_id).await?;
        let allowed = config.as_ref().is_some_and(|c| {
            let f = c.facts();
            access::can_run_meeting(&who, &f)
                || (actor.role == Role::Manager && access::is_member(&who, &f))
        });
        self.audit_marac(
            actor,
            "marac.return",
            "marac",
            marac_id,
            allowed,
            request_id,
        )
        .await?;
        let config = config.filter(|_| allowed).ok_or(CaseError::NotFound)?;
        let (cases, attendance) = self.heard(marac_id, from, to, Some(&who)).await?;
        // A bad period is put to the field that can fix it.
        let ret = return_for(&config, &cases, &attendance, from, to).map_err(|e| match e {
            marac_return::ReturnError::PeriodReversed { .. } => form_error(
                "from",
                "The start of the period must be on or before its end",
            ),
            marac_return::ReturnError::PeriodTooLong { days, max } => form_error(
                "to",
                &format!("A return covers at most {max} days: this period is {days} days"),
            ),
        })?;
        Ok((config, ret))
    }

    /// The data return as the command line produces it for a data team: everything heard,
    /// audited as an export by the system.
    pub async fn marac_return_export(
        &self,
        marac_id: Uuid,
        from: Date,
        to: Date,
    ) -> Result<(MaracConfig, DataReturn), StoreError> {
        let config = self
            .marac_config(marac_id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no Marac with id {marac_id}")))?;
        self.audit(AuditEvent {
            actor: None,
            action: "marac.return.export",
            object_type: "marac",
            object_id: Some(marac_id.to_string()),
            outcome: Outcome::Allowed,
            request_id: None,
        })
        .await?;
        let (cases, attendance) = self.heard(marac_id, from, to, None).await?;
        let ret = return_for(&config, &cases, &attendance, from, to)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok((config, ret))
    }
}

/// A Marac's return for the cases heard: attendance reported for its member agencies'
/// kinds, and the coverage check against its adult female population when that is set.
fn return_for(
    config: &MaracConfig,
    cases: &[HeardCase],
    attendance: &[Attendance],
    from: Date,
    to: Date,
) -> Result<DataReturn, marac_return::ReturnError> {
    let members: Vec<AgencyKind> = config
        .members
        .iter()
        .map(|a| AgencyKind::parse(&a.kind).unwrap_or(AgencyKind::Other))
        .collect();
    Ok(
        marac_return::data_return(cases, attendance, &members, from, to)?
            .with_adult_females(config.adult_female_population),
    )
}

/// A person as exact matching knows them: normalised given and family name and the date
/// of birth. Records without a date of birth never match exactly: a name alone is too weak
/// to tell a coordinator two people are one.
type Identity = (String, String, String);

/// A victim or perpetrator on a case, as the Marac's checks compare people.
#[derive(Clone, Debug)]
struct CasePerson {
    person: Uuid,
    /// `victim` or `perpetrator`.
    role: String,
    /// `None` without a date of birth.
    identity: Option<Identity>,
    name: String,
}

/// Whether two people on different cases are one person, and why: the same person record,
/// a confirmed match, the same name and date of birth, or the engine rating them at least
/// `likely_from`; never when someone decided they are two people.
fn one_person_basis(
    decided: &HashMap<(Uuid, Uuid), bool>,
    a: &CasePerson,
    b: &CasePerson,
    engine: impl Fn(Uuid, Uuid) -> Option<f64>,
    likely_from: f64,
) -> Option<String> {
    if a.person == b.person {
        return Some("the same person record".to_owned());
    }
    match decided.get(&crate::matching::pair(a.person, b.person)) {
        Some(true) => Some("confirmed as the same person".to_owned()),
        Some(false) => None,
        None if a.identity.is_some() && a.identity == b.identity => {
            Some("the same name and date of birth".to_owned())
        }
        None => engine(a.person, b.person)
            .filter(|p| *p >= likely_from)
            .map(|p| format!("a likely match, {:.0}% likely", (p * 100.0).floor())),
    }
}

impl Tx {
    /// For each case referred to this Marac, the references of the other referred cases
    /// whose perpetrator is the same man, with a different victim: the serial-perpetrator
    /// alert. The same man means a confirmed match, or the same name and date of birth, or
    /// a match the engine rates at least [`SERIAL_FROM`], unless someone decided they are
    /// two people. Cases that exclude `who` are neither linked nor named.
    async fn perpetrator_links(
        &self,
        marac_id: Uuid,
        who: &Actor,
    ) -> Result<HashMap<Uuid, Vec<SerialLink>>, StoreError> {
        let referrals = marac_referral::Entity::find()
            .filter(marac_referral::Column::MaracId.eq(marac_id))
            .filter(marac_referral::Column::Status.is_in([
                ReferralStatus::Accepted.as_str(),
                ReferralStatus::Received.as_str(),
            ]))
            .all(self.conn())
            .await?;
        let mut case_ids: Vec<Uuid> = referrals.iter().map(|r| r.case_id).collect();
        case_ids.sort();
        case_ids.dedup();
        let facts = self.case_facts(&case_ids).await?;
        let visible: Vec<Uuid> = case_ids
            .into_iter()
            .filter(|c| facts.get(c).is_some_and(|f| !f.excludes(who)))
            .collect();
        if visible.len() < 2 {
            return Ok(HashMap::new());
        }
        self.sync_matcher().await?;
        // (case, perpetrator, the case's victim)
        let mut perpetrators: Vec<(Uuid, CasePerson, Option<CasePerson>)> = Vec::new();
        for case_id in &visible {
            let people = self.case_people(*case_id).await?;
            let victim = people.iter().find(|p| p.role == "victim").cloned();
            for p in people {
                if p.role == "perpetrator" {
                    perpetrators.push((*case_id, p, victim.clone()));
                }
            }
        }
        let mut everyone: Vec<Uuid> = perpetrators.iter().map(|(_, p, _)| p.person).collect();
        everyone.extend(
            perpetrators
                .iter()
                .filter_map(|(.., v)| v.as_ref().map(|v| v.person)),
        );
        let decided = self.decided_pairs(&everyone).await?;
        let basis = |a: &CasePerson, b: &CasePerson| {
            one_person_basis(&decided, a, b, |x, y| self.pair_score(x, y), SERIAL_FROM)
        };
        let mut references: HashMap<Uuid, String> = HashMap::new();
        for c in case::Entity::find()
            .filter(case::Column::Id.is_in(visible.iter().copied()))
            .all(self.conn())
            .await?
        {
            references.insert(c.id, c.reference);
        }
        let mut out: HashMap<Uuid, Vec<SerialLink>> = HashMap::new();
        for (case_id, perpetrator, victim) in &perpetrators {
            for (other, other_perpetrator, other_victim) in &perpetrators {
                if other == case_id {
                    continue;
                }
                let Some(why) = basis(perpetrator, other_perpetrator) else {
                    continue;
                };
                let same_victim = match (victim, other_victim) {
                    (Some(a), Some(b)) => basis(a, b).is_some(),
                    _ => false,
                };
                if !same_victim && let Some(reference) = references.get(other) {
                    let list = out.entry(*case_id).or_default();
                    if !list.iter().any(|l| l.other_case_id == *other) {
                        let settled = perpetrator.person == other_perpetrator.person
                            || decided.contains_key(&crate::matching::pair(
                                perpetrator.person,
                                other_perpetrator.person,
                            ));
                        list.push(SerialLink {
                            other_case_id: *other,
                            other_reference: reference.clone(),
                            perpetrator: perpetrator.person,
                            other_perpetrator: other_perpetrator.person,
                            basis: why,
                            settled,
                        });
                    }
                }
            }
        }
        for list in out.values_mut() {
            list.sort_by(|a, b| a.other_reference.cmp(&b.other_reference));
        }
        Ok(out)
    }

    /// The victim and perpetrators on a case.
    async fn case_people(&self, case_id: Uuid) -> Result<Vec<CasePerson>, StoreError> {
        let mut out = Vec::new();
        for link in case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(case_id))
            .filter(case_person::Column::Role.is_in(["victim", "perpetrator"]))
            .all(self.conn())
            .await?
        {
            let Some(p) = person::Entity::find_by_id(link.person_id)
                .one(self.conn())
                .await?
            else {
                continue;
            };
            let given = self.open("people.given_name", p.id, &p.given_name)?;
            let family = self.open("people.family_name", p.id, &p.family_name)?;
            let dob = self.open_opt("people.date_of_birth", p.id, p.date_of_birth.as_deref())?;
            let norm = |s: &str| s.trim().to_lowercase();
            out.push(CasePerson {
                person: p.id,
                role: link.role,
                identity: dob.map(|d| (norm(&given), norm(&family), d)),
                name: format!("{} {}", given.trim(), family.trim()),
            });
        }
        Ok(out)
    }

    /// People referred to the Maracs the user coordinates in the last 12 months who appear
    /// (as victim or perpetrator) on a case opened since in any agency that has not been
    /// referred to that Marac again: the same person record, a confirmed match, the same
    /// name and date of birth, or a match the engine rates at least [`SERIAL_FROM`] (never
    /// a pair someone decided are two people). The coordinator is told who, when, which
    /// agency and why, never given the other agency's case.
    pub async fn marac_flags(&self, actor: &User, today: Date) -> Result<Vec<Flag>, StoreError> {
        let who = actor.actor();
        let mut out = Vec::new();
        for config in self.my_maracs(actor).await? {
            if !access::can_coordinate(&who, &config.facts()) {
                continue;
            }
            let since = today - time::Duration::days(366);
            let referrals = marac_referral::Entity::find()
                .filter(marac_referral::Column::MaracId.eq(config.marac.id))
                .filter(marac_referral::Column::Status.is_in([
                    ReferralStatus::Accepted.as_str(),
                    ReferralStatus::Received.as_str(),
                ]))
                .filter(marac_referral::Column::ReferredOn.gte(since))
                .all(self.conn())
                .await?;
            if referrals.is_empty() {
                continue;
            }
            let referred_cases: HashSet<Uuid> = referrals.iter().map(|r| r.case_id).collect();
            let facts = self
                .case_facts(&referred_cases.iter().copied().collect::<Vec<_>>())
                .await?;
            // Each flagged person with their latest referral date and its case.
            let mut flagged: HashMap<Uuid, (CasePerson, Date, Uuid)> = HashMap::new();
            for r in &referrals {
                if !is_repeat(r.referred_on, today)
                    || facts.get(&r.case_id).is_none_or(|f| f.excludes(&who))
                {
                    continue;
                }
                for p in self.case_people(r.case_id).await? {
                    let e = flagged
                        .entry(p.person)
                        .or_insert((p, r.referred_on, r.case_id));
                    if r.referred_on > e.1 {
                        e.1 = r.referred_on;
                        e.2 = r.case_id;
                    }
                }
            }
            let Some(earliest) = flagged.values().map(|(_, d, _)| *d).min() else {
                continue;
            };
            let mut by_identity: HashMap<&Identity, Vec<Uuid>> = HashMap::new();
            for (p, ..) in flagged.values() {
                if let Some(id) = &p.identity {
                    by_identity.entry(id).or_default().push(p.person);
                }
            }
            let flagged_ids: Vec<Uuid> = flagged.keys().copied().collect();
            let decided = self.decided_pairs(&flagged_ids).await?;
            let mut confirmed: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
            for ((a, b), same) in &decided {
                if *same {
                    confirmed.entry(*a).or_default().push(*b);
                    confirmed.entry(*b).or_default().push(*a);
                }
            }
            self.sync_matcher().await?;
            let start = earliest
                .with_hms(0, 0, 0)
                .map(|t| t.assume_utc())
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let newer: Vec<case::Model> = case::Entity::find()
                .filter(case::Column::CreatedAt.gte(start))
                .all(self.conn())
                .await?
                .into_iter()
                .filter(|c| !referred_cases.contains(&c.id))
                .collect();
            let newer_facts = self
                .case_facts(&newer.iter().map(|c| c.id).collect::<Vec<_>>())
                .await?;
            for c in newer {
                if newer_facts.get(&c.id).is_none_or(|f| f.excludes(&who)) {
                    continue;
                }
                let opened_on = waymark_domain::calendar::uk_date(c.created_at);
                for p in self.case_people(c.id).await? {
                    // The flagged people this one may be: the same record, confirmed,
                    // the same identity, or the engine's likely matches.
                    let mut candidates: Vec<Uuid> = vec![p.person];
                    candidates.extend(confirmed.get(&p.person).into_iter().flatten());
                    if let Some(id) = &p.identity {
                        candidates.extend(by_identity.get(id).into_iter().flatten());
                    }
                    candidates.extend(
                        self.likely_people(p.person, SERIAL_FROM, 20)
                            .into_iter()
                            .map(|(o, _)| o),
                    );
                    candidates.sort();
                    candidates.dedup();
                    // The strongest reason to flag, then the latest referral.
                    let best = candidates
                        .iter()
                        .filter_map(|f| flagged.get(f))
                        .filter(|(_, referred_on, referred_case)| {
                            *referred_case != c.id && opened_on >= *referred_on
                        })
                        .filter_map(|(f, referred_on, _)| {
                            one_person_basis(
                                &decided,
                                &p,
                                f,
                                |x, y| self.pair_score(x, y),
                                SERIAL_FROM,
                            )
                            .map(|basis| (basis, *referred_on))
                        })
                        .max_by_key(|(_, on)| *on);
                    if let Some((basis, referred_on)) = best {
                        out.push(Flag {
                            marac_name: config.marac.name.clone(),
                            role: p.role.clone(),
                            person_name: p.name.clone(),
                            referred_on,
                            agency: self
                                .agency(c.owning_agency_id)
                                .await?
                                .map(|a| a.name)
                                .unwrap_or_default(),
                            opened_on,
                            basis,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|f| std::cmp::Reverse(f.opened_on));
        Ok(out)
    }

    /// Transfers a case to another Marac when the victim moves area: a referral to the
    /// receiving Marac, waiting for its coordinator, that carries the case's earlier
    /// hearings, minutes, actions and risk history (the receiving Marac's runners see them
    /// on the hearing); the case now belongs to the receiving Marac. Only the sending
    /// Marac's coordinators may transfer, and only with a reason.
    pub async fn transfer_case(
        &self,
        actor: &User,
        hearing_id: Uuid,
        to_marac: &str,
        reason: &str,
        today: Date,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let (h, _, config, runs, _) = self
            .hearing_for_user(actor, hearing_id, "marac.transfer", true, request_id)
            .await?;
        if !runs || !access::can_coordinate(&actor.actor(), &config.facts()) {
            return Err(CaseError::NotFound);
        }
        let mut errors = Vec::new();
        let to = match Uuid::parse_str(to_marac.trim()) {
            Ok(id) if id != config.marac.id => self.marac(id).await?,
            _ => None,
        };
        if to.is_none() {
            errors.push(FieldError::new(
                "to_marac",
                "Select the Marac for the area the victim has moved to",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            errors.push(FieldError::new(
                "transfer_reason",
                "Give the reason for the transfer, such as the victim's move to another area",
            ));
        } else if reason.chars().count() > waymark_domain::referral::MAX_TEXT {
            errors.push(FieldError::new(
                "transfer_reason",
                format!(
                    "The reason must be {} characters or fewer",
                    waymark_domain::referral::MAX_TEXT
                ),
            ));
        }
        let Some(to) = to.filter(|_| errors.is_empty()) else {
            return Err(CaseError::Form(errors));
        };
        let waiting = marac_referral::Entity::find()
            .filter(marac_referral::Column::CaseId.eq(h.case_id))
            .filter(marac_referral::Column::Status.eq(ReferralStatus::Received.as_str()))
            .count(self.conn())
            .await?;
        if waiting > 0 {
            return Err(form_error(
                "to_marac",
                "This case already has a referral waiting for a coordinator",
            ));
        }
        let original = marac_referral::Entity::find_by_id(h.referral_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("hearing without referral".into()))?;
        let c = case::Entity::find_by_id(h.case_id)
            .one(self.conn())
            .await?
            .ok_or(CaseError::NotFound)?;
        let detail = self.load_detail(c).await?;
        let latest = latest_assessment(&detail);
        let details = self.open_opt(
            "marac_referrals.details",
            original.id,
            original.details.as_deref(),
        )?;
        let id = Uuid::now_v7();
        marac_referral::ActiveModel {
            id: Set(id),
            case_id: Set(h.case_id),
            marac_id: Set(to.id),
            victim_person_id: Set(original.victim_person_id),
            assessment_id: Set(latest.map(|a| a.id).unwrap_or(original.assessment_id)),
            referred_on: Set(today),
            criteria: Set(match latest {
                Some(a) => json(&a.decision.criteria)?,
                None => original.criteria.clone(),
            }),
            created_at: Set(crate::now()),
            status: Set(ReferralStatus::Received.as_str().to_owned()),
            referring_agency_id: Set(original.referring_agency_id),
            referred_by: Set(Some(actor.id)),
            details: Set(self.seal_opt("marac_referrals.details", id, details.as_deref())?),
            repeat: Set(false),
            repeat_of: Set(None),
            returned_reason: Set(None),
            screened_by: Set(None),
            screened_at: Set(None),
            transferred_from_marac_id: Set(Some(config.marac.id)),
            transfer_reason: Set(Some(self.seal(
                "marac_referrals.transfer_reason",
                id,
                reason,
            )?)),
        }
        .insert(self.conn())
        .await?;
        case::Entity::update_many()
            .col_expr(
                case::Column::MaracId,
                sea_orm::sea_query::Expr::value(to.id),
            )
            .col_expr(
                case::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(crate::now()),
            )
            .filter(case::Column::Id.eq(h.case_id))
            .exec(self.conn())
            .await?;
        Ok(id)
    }
}

/// The latest Dash on a case (by assessment date, then when recorded).
fn latest_assessment(detail: &CaseDetail) -> Option<&StoredAssessment> {
    detail
        .assessments
        .iter()
        .max_by_key(|a| (a.assessment.assessed_on, a.recorded_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone(id: u128, identity: Option<(&str, &str, &str)>) -> CasePerson {
        CasePerson {
            person: Uuid::from_u128(id),
            role: "perpetrator".into(),
            identity: identity.map(|(g, f, d)| (g.into(), f.into(), d.into())),
            name: String::new(),
        }
    }

    #[test]
    fn one_person_is_a_record_a_decision_an_identity_or_a_likely_match_but_never_rejected() {
        let will = someone(1, Some(("will", "ravenscroft", "1983-09-27")));
        let twin = someone(2, Some(("will", "ravenscroft", "1983-09-27")));
        let bill = someone(3, Some(("bill", "ravenscroft", "1983-09-27")));
        let none = HashMap::new();
        let likely = |_: Uuid, _: Uuid| Some(0.93);
        let unlikely = |_: Uuid, _: Uuid| Some(0.6);
        let unknown = |_: Uuid, _: Uuid| None;
        let basis = |d: &HashMap<_, _>, a, b, e: &dyn Fn(Uuid, Uuid) -> Option<f64>| {
            one_person_basis(d, a, b, e, 0.9)
        };
        assert_eq!(
            basis(&none, &will, &will, &unknown).as_deref(),
            Some("the same person record")
        );
        assert_eq!(
            basis(&none, &will, &twin, &unknown).as_deref(),
            Some("the same name and date of birth")
        );
        assert_eq!(
            basis(&none, &will, &bill, &likely).as_deref(),
            Some("a likely match, 93% likely")
        );
        assert_eq!(
            basis(&none, &will, &bill, &unlikely),
            None,
            "below the line"
        );
        assert_eq!(basis(&none, &will, &bill, &unknown), None);
        let rejected = HashMap::from([(crate::matching::pair(will.person, twin.person), false)]);
        assert_eq!(
            basis(&rejected, &twin, &will, &likely),
            None,
            "a decision that they are two people beats name, date of birth and engine"
        );
        let confirmed = HashMap::from([(crate::matching::pair(will.person, bill.person), true)]);
        assert_eq!(
            basis(&confirmed, &bill, &will, &unknown).as_deref(),
            Some("confirmed as the same person")
        );
    }
}
