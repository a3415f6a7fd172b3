//! Idva casework on a case: allocation, the contacts log, interventions, closure, repeat
//! cases, and the queues and caseloads built from them. Every read and change goes through
//! the access policy and writes an audit row in the request's transaction.
use std::collections::{HashMap, HashSet};

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::Date;
use uuid::Uuid;
use waymark_domain::access;
use waymark_domain::calendar::uk_date;
use waymark_domain::casework::{
    self, CaseClock, CaseStatus, CaseloadProjection, CaseworkRules, Closure, ClosureFacts,
    ClosureInput, ClosureReason, ContactInput, ContactKind, ContactOutcome, Due, EarlierCase,
    FirstContactSummary, Fte, Intensity, Intervention, InterventionInput, InterventionStatus,
    MeasureStage, PROJECTION_WINDOW_DAYS, TimeToFirstContact,
};
use waymark_domain::dash::RiskLevel;
use waymark_domain::referral::{FieldError, ReferralRoute};
use waymark_domain::role::Role;
use waymark_domain::safety_plan::{ActionOwner, SafetyPlan};

use crate::audit::{AuditEvent, Outcome};
use crate::cases::{CaseError, facts};
use crate::entity::{
    case, case_contact, case_exclusion, case_intervention, case_measure, case_person, marac_action,
    marac_hearing, marac_meeting, referral, safety_plan, user,
};
use crate::users::User;
use crate::{StoreError, Tx};

/// One entry of the contacts log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: Uuid,
    pub contact_on: Date,
    pub kind: ContactKind,
    pub outcome: ContactOutcome,
    pub significant: bool,
    pub duration_minutes: Option<u32>,
    pub note: Option<String>,
    pub recorded_by: String,
}

/// One intervention on a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterventionRecord {
    pub id: Uuid,
    pub intervention: Intervention,
    pub status: InterventionStatus,
    pub agency: Option<String>,
    pub note: Option<String>,
    pub updated_on: Date,
}

/// What a case still has open as it is about to close, and the Marac coordinators who may
/// agree to it closing while it is listed for a meeting not yet held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosureCheck {
    pub facts: ClosureFacts,
    /// The Marac's coordinators (active users of its coordinating agency): id and name.
    pub coordinators: Vec<(Uuid, String)>,
}

/// How and why a case closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosureRecord {
    pub closed_on: Date,
    pub reason: ClosureReason,
    pub detail: Option<String>,
    pub exit_not_taken_reason: Option<String>,
}

/// The casework side of a case, for its page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Casework {
    pub status: CaseStatus,
    pub referred_on: Date,
    pub allocated_on: Option<Date>,
    pub first_contact_on: Option<Date>,
    pub time_to_first_contact: Option<TimeToFirstContact>,
    pub contacts: Vec<ContactRecord>,
    pub intensity: Intensity,
    pub interventions: Vec<InterventionRecord>,
    /// Interventions the victim received (accepted, in progress or done).
    pub interventions_received: usize,
    pub due: Vec<Due>,
    pub closure: Option<ClosureRecord>,
    /// The earlier case this one repeats, by reference.
    pub repeat_of: Option<(Uuid, String)>,
    /// Stages of the outcome measures recorded so far (intake, review, exit, follow_up).
    pub measures_recorded: Vec<String>,
    /// The recorded measures: stage, date, and the form's record as JSON.
    pub measures: Vec<MeasureRecord>,
    /// The current safety plan, if one has been made.
    pub safety_plan: Option<PlanVersion>,
    /// Every version of the plan, newest first: version, who saved it, when.
    pub plan_history: Vec<(i32, String, time::OffsetDateTime)>,
}

/// One saved version of a safety plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanVersion {
    pub version: i32,
    pub plan: SafetyPlan,
    pub saved_by: String,
    pub saved_at: time::OffsetDateTime,
}

/// One stage of outcome measures as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasureRecord {
    pub stage: MeasureStage,
    pub recorded_on: Date,
    /// The domain record (`measures::Intake` and so on) as JSON.
    pub answers: String,
}

/// A referral waiting for allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriageEntry {
    pub id: Uuid,
    pub reference: String,
    pub victim_name: String,
    pub risk_level: Option<RiskLevel>,
    pub route: Option<ReferralRoute>,
    pub referred_on: Date,
    pub first_contact_due: Date,
    pub repeat: bool,
    /// The victim said they were in immediate danger (a self-referral).
    pub in_danger: bool,
}

/// One caseworker's current load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caseload {
    pub user_id: Uuid,
    pub name: String,
    pub fte: Fte,
    pub open_cases: u32,
    pub high_risk_open: u32,
    pub allocated_in_window: u32,
    pub projection: CaseloadProjection,
    pub overdue: u32,
    /// Significant contacts across their open cases.
    pub significant_contacts: u32,
    pub intensive_cases: u32,
}

/// The team view: every caseworker's load, and what waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamView {
    pub caseloads: Vec<Caseload>,
    pub awaiting_allocation: u32,
    pub open_cases: u32,
    pub high_risk_open: u32,
    pub overdue: u32,
    pub significant_contacts: u32,
    pub intensive_cases: u32,
    /// Referral to first contact, for referrals in the projection window.
    pub first_contact: FirstContactSummary,
}

/// Something due on one of a caseworker's cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub case_id: Uuid,
    pub reference: String,
    pub due: Due,
}

fn status_of(c: &case::Model) -> Result<CaseStatus, StoreError> {
    CaseStatus::parse(&c.status).ok_or_else(|| StoreError::Corrupt("case status".into()))
}

fn form_error(field: &str, message: &str) -> CaseError {
    CaseError::Form(vec![FieldError::new(field, message)])
}

fn high_risk(c: &case::Model) -> bool {
    c.latest_risk_level.as_deref() == Some(RiskLevel::High.as_str())
}

fn referred_on(c: &case::Model) -> Date {
    c.referred_on.unwrap_or_else(|| uk_date(c.created_at))
}

fn minutes(v: Option<i32>) -> Option<u32> {
    v.and_then(|m| u32::try_from(m).ok())
}

fn count(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Tx {
    async fn audit_case(
        &self,
        actor: &User,
        action: &'static str,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<(), StoreError> {
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action,
            object_type: "case",
            object_id: Some(case_id.to_string()),
            outcome: Outcome::Allowed,
            request_id,
        })
        .await
    }

    async fn contact_rows(
        &self,
        case_ids: &[Uuid],
    ) -> Result<Vec<case_contact::Model>, StoreError> {
        if case_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(case_contact::Entity::find()
            .filter(case_contact::Column::CaseId.is_in(case_ids.iter().copied()))
            .order_by_asc(case_contact::Column::ContactOn)
            .order_by_asc(case_contact::Column::CreatedAt)
            .all(self.conn())
            .await?)
    }

    async fn measure_stages(&self, case_ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, StoreError> {
        if case_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(case_measure::Entity::find()
            .filter(case_measure::Column::CaseId.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| (m.case_id, m.stage))
            .collect())
    }

    /// Which of these cases were referred by a victim who said they were in immediate
    /// danger: they are contacted to the high-risk standard.
    /// Which of these cases a client came back from: a repeat case names them as its
    /// previous case.
    async fn returned(&self, case_ids: &[Uuid]) -> Result<HashSet<Uuid>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(case::Entity::find()
            .filter(case::Column::PreviousCaseId.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?
            .into_iter()
            .filter_map(|c| c.previous_case_id)
            .collect())
    }

    async fn in_danger(&self, case_ids: &[Uuid]) -> Result<HashSet<Uuid>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(referral::Entity::find()
            .filter(referral::Column::CaseId.is_in(case_ids.iter().copied()))
            .filter(referral::Column::ImmediateDanger.eq(true))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|r| r.case_id)
            .collect())
    }

    /// The latest safety plan of each case.
    async fn latest_plans(
        &self,
        case_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, (safety_plan::Model, SafetyPlan)>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut latest: HashMap<Uuid, safety_plan::Model> = HashMap::new();
        for row in safety_plan::Entity::find()
            .filter(safety_plan::Column::CaseId.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?
        {
            match latest.get(&row.case_id) {
                Some(held) if held.version >= row.version => {}
                _ => {
                    latest.insert(row.case_id, row);
                }
            }
        }
        let mut out = HashMap::new();
        for (case_id, row) in latest {
            let plan: SafetyPlan =
                serde_json::from_str(&self.open("safety_plans.plan", row.id, &row.plan)?)
                    .map_err(|e| StoreError::Corrupt(format!("safety plan: {e}")))?;
            out.insert(case_id, (row, plan));
        }
        Ok(out)
    }

    /// What decides the due dates of a case, from its row and its records.
    fn clock(
        c: &case::Model,
        stages: &[&str],
        marac_level: bool,
        plan: Option<&SafetyPlan>,
        returned: bool,
    ) -> Result<CaseClock, StoreError> {
        Ok(CaseClock {
            status: status_of(c)?,
            referred_on: referred_on(c),
            marac_level,
            first_contact_on: c.first_contact_on,
            support_began_on: c.allocated_at.map(uk_date),
            last_assessed_on: c.latest_assessed_on,
            review_recorded: stages.contains(&"review") || stages.contains(&"exit"),
            closed_on: c.closed_on,
            follow_up_recorded: stages.contains(&"follow_up"),
            open_actions_due: plan.map(SafetyPlan::open_actions_due).unwrap_or_default(),
            returned,
        })
    }

    /// The casework of a case the caller has already been allowed to see.
    pub(crate) async fn load_casework(
        &self,
        actor: &User,
        c: &case::Model,
        rules: &CaseworkRules,
    ) -> Result<Casework, StoreError> {
        let rows = self.contact_rows(&[c.id]).await?;
        let names = self
            .user_names(rows.iter().map(|r| r.recorded_by).collect())
            .await?;
        let mut contacts = Vec::with_capacity(rows.len());
        for r in &rows {
            contacts.push(ContactRecord {
                id: r.id,
                contact_on: r.contact_on,
                kind: ContactKind::parse(&r.kind)
                    .ok_or_else(|| StoreError::Corrupt("contact kind".into()))?,
                outcome: ContactOutcome::parse(&r.outcome)
                    .ok_or_else(|| StoreError::Corrupt("contact outcome".into()))?,
                significant: r.significant,
                duration_minutes: minutes(r.duration_minutes),
                note: self.open_opt("case_contacts.note", r.id, r.note.as_deref())?,
                recorded_by: names.get(&r.recorded_by).cloned().unwrap_or_default(),
            });
        }
        let significant = count(contacts.iter().filter(|c| c.significant).count());
        let mut interventions = Vec::new();
        for i in case_intervention::Entity::find()
            .filter(case_intervention::Column::CaseId.eq(c.id))
            .order_by_asc(case_intervention::Column::CreatedAt)
            .all(self.conn())
            .await?
        {
            let agency = match i.agency_id {
                Some(a) => self.agency(a).await?.map(|a| a.name),
                None => None,
            };
            interventions.push(InterventionRecord {
                id: i.id,
                intervention: Intervention::from_key(&i.kind)
                    .ok_or_else(|| StoreError::Corrupt("intervention kind".into()))?,
                status: InterventionStatus::parse(&i.status)
                    .ok_or_else(|| StoreError::Corrupt("intervention status".into()))?,
                agency,
                note: self.open_opt("case_interventions.note", i.id, i.note.as_deref())?,
                updated_on: uk_date(i.updated_at),
            });
        }
        let mut measures = Vec::new();
        for m in case_measure::Entity::find()
            .filter(case_measure::Column::CaseId.eq(c.id))
            .all(self.conn())
            .await?
        {
            measures.push(MeasureRecord {
                stage: MeasureStage::parse(&m.stage)
                    .ok_or_else(|| StoreError::Corrupt("measure stage".into()))?,
                recorded_on: m.recorded_on,
                answers: self.open("case_measures.answers", m.id, &m.answers)?,
            });
        }
        measures.sort_by_key(|m| MeasureStage::ALL.iter().position(|s| *s == m.stage));
        let stages: Vec<String> = measures
            .iter()
            .map(|m| m.stage.as_str().to_owned())
            .collect();
        let stage_refs: Vec<&str> = stages.iter().map(String::as_str).collect();
        let marac_level = high_risk(c) || !self.in_danger(&[c.id]).await?.is_empty();
        let mut plans = self.latest_plans(&[c.id]).await?;
        let latest = plans.remove(&c.id);
        let returned = !self.returned(&[c.id]).await?.is_empty();
        let clock = Self::clock(
            c,
            &stage_refs,
            marac_level,
            latest.as_ref().map(|(_, p)| p),
            returned,
        )?;
        let versions = safety_plan::Entity::find()
            .filter(safety_plan::Column::CaseId.eq(c.id))
            .order_by_desc(safety_plan::Column::Version)
            .all(self.conn())
            .await?;
        let authors = self
            .user_names(versions.iter().map(|v| v.created_by).collect())
            .await?;
        let plan_history = versions
            .iter()
            .map(|v| {
                (
                    v.version,
                    authors.get(&v.created_by).cloned().unwrap_or_default(),
                    v.created_at,
                )
            })
            .collect();
        let safety_plan = latest.map(|(row, plan)| PlanVersion {
            version: row.version,
            saved_by: authors.get(&row.created_by).cloned().unwrap_or_default(),
            saved_at: row.created_at,
            plan,
        });
        let closure = match (c.closed_on, c.closure_reason.as_deref()) {
            (Some(closed_on), Some(reason)) => Some(ClosureRecord {
                closed_on,
                reason: ClosureReason::parse(reason)
                    .ok_or_else(|| StoreError::Corrupt("closure reason".into()))?,
                detail: self.open_opt("cases.closure_detail", c.id, c.closure_detail.as_deref())?,
                exit_not_taken_reason: self.open_opt(
                    "cases.exit_not_taken_reason",
                    c.id,
                    c.exit_not_taken_reason.as_deref(),
                )?,
            }),
            _ => None,
        };
        // The earlier case is named only to someone who may see it.
        let repeat_of = match c.previous_case_id {
            Some(p) => {
                let exclusions = self.exclusion_rows(&[p]).await?;
                case::Entity::find_by_id(p)
                    .one(self.conn())
                    .await?
                    .filter(|p| access::can_view_case(&actor.actor(), &facts(p, &exclusions, &[])))
                    .map(|p| (p.id, p.reference))
            }
            None => None,
        };
        Ok(Casework {
            status: clock.status,
            referred_on: clock.referred_on,
            allocated_on: c.allocated_at.map(uk_date),
            first_contact_on: c.first_contact_on,
            time_to_first_contact: c
                .first_contact_on
                .map(|f| casework::time_to_first_contact(rules, clock.referred_on, f, marac_level)),
            intensity: rules.intensity(significant),
            interventions_received: interventions.iter().filter(|i| i.status.received()).count(),
            interventions,
            contacts,
            due: casework::due_items(rules, &clock),
            closure,
            repeat_of,
            measures_recorded: stages,
            safety_plan,
            plan_history,
            measures,
        })
    }

    /// Marks a case as worked on now: retention counts from a case's last activity.
    async fn touch(&self, case_id: Uuid) -> Result<(), StoreError> {
        case::Entity::update_many()
            .col_expr(
                case::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(crate::now()),
            )
            .filter(case::Column::Id.eq(case_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Loads a case for a casework change, refusing a closed case.
    pub(crate) async fn open_case_for_work(
        &self,
        actor: &User,
        case_id: Uuid,
        action: &'static str,
        allowed: fn(&access::Actor, &access::CaseAccessFacts) -> bool,
        request_id: Option<String>,
    ) -> Result<case::Model, CaseError> {
        let c = self
            .case_for_action(actor, case_id, action, allowed, request_id)
            .await?;
        if status_of(&c)? == CaseStatus::Closed {
            return Err(form_error(
                "case",
                "This case is closed. Open a repeat case if the client has come back.",
            ));
        }
        Ok(c)
    }

    /// Records a contact or an attempt. The first contact that reaches the victim sets the
    /// case's first-contact date (the referral-to-first-contact indicator).
    pub async fn record_contact(
        &self,
        actor: &User,
        case_id: Uuid,
        input: &ContactInput,
        today: Date,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.contact.record",
                access::can_work_case,
                request_id,
            )
            .await?;
        let new = input
            .parse(today, referred_on(&c))
            .map_err(CaseError::Form)?;
        let id = Uuid::now_v7();
        let now = crate::now();
        case_contact::ActiveModel {
            id: Set(id),
            case_id: Set(c.id),
            contact_on: Set(new.contact_on),
            kind: Set(new.kind.as_str().to_owned()),
            outcome: Set(new.outcome.as_str().to_owned()),
            significant: Set(new.significant),
            duration_minutes: Set(new
                .duration_minutes
                .map(|m| i32::try_from(m).unwrap_or(i32::MAX))),
            note: Set(self.seal_opt("case_contacts.note", id, new.note.as_deref())?),
            recorded_by: Set(actor.id),
            created_at: Set(now),
        }
        .insert(self.conn())
        .await?;
        self.touch(c.id).await?;
        if new.outcome == ContactOutcome::Spoke
            && c.first_contact_on.is_none_or(|f| new.contact_on < f)
        {
            let mut m: case::ActiveModel = c.into();
            m.first_contact_on = Set(Some(new.contact_on));
            m.updated_at = Set(now);
            m.update(self.conn()).await?;
        }
        Ok(id)
    }

    /// Records (or corrects) one stage of a case's outcome measures. `answers` is the
    /// checked domain record as JSON; it is sealed. The follow-up is recorded after
    /// closure, the other stages before.
    pub async fn record_measures(
        &self,
        actor: &User,
        case_id: Uuid,
        stage: MeasureStage,
        recorded_on: Date,
        answers: &str,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "case.measures.record",
                access::can_work_case,
                request_id,
            )
            .await?;
        let status = status_of(&c)?;
        if !stage.allowed_when(status) {
            return Err(form_error(
                "recorded_on",
                if stage == MeasureStage::FollowUp {
                    "The follow-up is recorded after the case has closed"
                } else {
                    "This case is closed: only the follow-up can be recorded now"
                },
            ));
        }
        if recorded_on < referred_on(&c) {
            return Err(form_error(
                "recorded_on",
                "The date must be on or after the date of the referral",
            ));
        }
        if stage == MeasureStage::FollowUp && c.closed_on.is_some_and(|d| recorded_on < d) {
            return Err(form_error(
                "recorded_on",
                "The follow-up date must be on or after the closure date",
            ));
        }
        let now = crate::now();
        let existing = case_measure::Entity::find()
            .filter(case_measure::Column::CaseId.eq(c.id))
            .filter(case_measure::Column::Stage.eq(stage.as_str()))
            .one(self.conn())
            .await?;
        match existing {
            Some(found) => {
                let id = found.id;
                let mut m: case_measure::ActiveModel = found.into();
                m.recorded_on = Set(recorded_on);
                m.answers = Set(self.seal("case_measures.answers", id, answers)?);
                m.recorded_by = Set(actor.id);
                m.update(self.conn()).await?;
            }
            None => {
                let id = Uuid::now_v7();
                case_measure::ActiveModel {
                    id: Set(id),
                    case_id: Set(c.id),
                    stage: Set(stage.as_str().to_owned()),
                    recorded_on: Set(recorded_on),
                    answers: Set(self.seal("case_measures.answers", id, answers)?),
                    recorded_by: Set(actor.id),
                    created_at: Set(now),
                }
                .insert(self.conn())
                .await?;
            }
        }
        self.touch(c.id).await?;
        Ok(())
    }

    /// Saves a new version of a case's safety plan; returns its version number. Agencies
    /// named as doing actions must exist.
    pub async fn save_safety_plan(
        &self,
        actor: &User,
        case_id: Uuid,
        plan: &SafetyPlan,
        request_id: Option<String>,
    ) -> Result<i32, CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.safety_plan.save",
                access::can_work_case,
                request_id,
            )
            .await?;
        let mut errors = Vec::new();
        for (i, risk) in plan.risks.iter().enumerate() {
            for (j, action) in risk.actions.iter().enumerate() {
                if let ActionOwner::Agency { agency_id } = &action.owner {
                    let found = match Uuid::parse_str(agency_id) {
                        Ok(id) => self.agency(id).await?,
                        Err(_) => None,
                    };
                    if found.is_none() {
                        errors.push(FieldError::new(
                            format!("risk_{}_action_{}_owner", i + 1, j + 1),
                            "Select who will do the action from the list",
                        ));
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(CaseError::Form(errors));
        }
        let version = safety_plan::Entity::find()
            .filter(safety_plan::Column::CaseId.eq(c.id))
            .order_by_desc(safety_plan::Column::Version)
            .one(self.conn())
            .await?
            .map_or(1, |p| p.version + 1);
        let id = Uuid::now_v7();
        let json = serde_json::to_string(plan).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        safety_plan::ActiveModel {
            id: Set(id),
            case_id: Set(c.id),
            version: Set(version),
            plan: Set(self.seal("safety_plans.plan", id, &json)?),
            created_by: Set(actor.id),
            created_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        self.touch(c.id).await?;
        Ok(version)
    }

    /// Adds an intervention to a case.
    pub async fn add_intervention(
        &self,
        actor: &User,
        case_id: Uuid,
        input: &InterventionInput,
        local: &[String],
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.intervention.add",
                access::can_work_case,
                request_id,
            )
            .await?;
        let new = input.parse(local).map_err(CaseError::Form)?;
        let agency_id = match new.agency_id.as_deref() {
            None => None,
            Some(a) => {
                let found = match Uuid::parse_str(a) {
                    Ok(id) => self.agency(id).await?,
                    Err(_) => None,
                };
                Some(
                    found
                        .ok_or_else(|| {
                            form_error("agency_id", "Select the agency involved from the list")
                        })?
                        .id,
                )
            }
        };
        let id = Uuid::now_v7();
        let now = crate::now();
        case_intervention::ActiveModel {
            id: Set(id),
            case_id: Set(c.id),
            kind: Set(new.intervention.key()),
            status: Set(new.status.as_str().to_owned()),
            agency_id: Set(agency_id),
            note: Set(self.seal_opt("case_interventions.note", id, new.note.as_deref())?),
            recorded_by: Set(actor.id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.conn())
        .await?;
        self.touch(c.id).await?;
        Ok(id)
    }

    /// Changes an intervention's status. Any status may follow any other: a victim may
    /// take up an intervention she declined, or an accepted one may fall through.
    pub async fn set_intervention_status(
        &self,
        actor: &User,
        case_id: Uuid,
        intervention_id: Uuid,
        status: &str,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.intervention.update",
                access::can_work_case,
                request_id,
            )
            .await?;
        let status = InterventionStatus::parse(status.trim()).ok_or_else(|| {
            form_error(
                "status",
                "Select where the intervention stands from the list",
            )
        })?;
        let found = case_intervention::Entity::find_by_id(intervention_id)
            .filter(case_intervention::Column::CaseId.eq(c.id))
            .one(self.conn())
            .await?
            .ok_or(CaseError::NotFound)?;
        let mut m: case_intervention::ActiveModel = found.into();
        m.status = Set(status.as_str().to_owned());
        m.updated_at = Set(crate::now());
        m.update(self.conn()).await?;
        self.touch(c.id).await?;
        Ok(())
    }

    /// The caseworkers a case may be allocated to: active caseworkers and coordinators of
    /// the holding agency who are not excluded from it. Any team's: allocation moves the
    /// case into the worker's team, so the team restriction does not narrow the choice.
    async fn allocatable(&self, c: &case::Model) -> Result<Vec<User>, StoreError> {
        let exclusions = self.exclusion_rows(&[c.id]).await?;
        let f = facts(c, &exclusions, &[]);
        Ok(self
            .agency_users(c.owning_agency_id)
            .await?
            .into_iter()
            .filter(|u| {
                let mut as_allocated = u.actor();
                as_allocated.restricted_to_team = false;
                u.active
                    && casework::holds_a_caseload(u.role)
                    && access::can_work_case(&as_allocated, &f)
            })
            .collect())
    }

    /// Who a case may be allocated to, with their loads, for the allocation form.
    pub async fn allocation_options(
        &self,
        actor: &User,
        case_id: Uuid,
        rules: &CaseworkRules,
        today: Date,
        request_id: Option<String>,
    ) -> Result<(String, Vec<Caseload>), CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.allocate.view",
                access::can_allocate,
                request_id,
            )
            .await?;
        let people: Vec<Uuid> = self.allocatable(&c).await?.iter().map(|u| u.id).collect();
        let team = self.team_loads(actor, rules, today).await?;
        let loads = team
            .caseloads
            .into_iter()
            .filter(|l| people.contains(&l.user_id))
            .collect();
        Ok((c.reference, loads))
    }

    /// Allocates a case to a caseworker; the case opens if it was waiting in triage.
    pub async fn allocate(
        &self,
        actor: &User,
        case_id: Uuid,
        caseworker: &str,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.allocate",
                access::can_allocate,
                request_id,
            )
            .await?;
        let chosen = Uuid::parse_str(caseworker.trim()).ok();
        let allowed = self.allocatable(&c).await?;
        let Some(worker) = chosen.and_then(|id| allowed.iter().find(|u| u.id == id)) else {
            return Err(form_error(
                "caseworker_id",
                "Select a caseworker from the list",
            ));
        };
        let now = crate::now();
        let allocated_at = c.allocated_at;
        let mut m: case::ActiveModel = c.into();
        m.caseworker_id = Set(Some(worker.id));
        // The case moves to the worker's team (a worker in no team leaves it where it is).
        if let Some(team) = worker.team_id {
            m.team_id = Set(Some(team));
        }
        m.status = Set(CaseStatus::Open.as_str().to_owned());
        // Support began at the first allocation; a reallocation does not restart the clock
        // of the four-month review (reallocations are in the audit trail).
        if allocated_at.is_none() {
            m.allocated_at = Set(Some(now));
        }
        m.updated_at = Set(now);
        m.update(self.conn()).await?;
        Ok(())
    }

    /// Closes a case, with the exit measures recorded or a reason why they could not be.
    pub async fn close_case(
        &self,
        actor: &User,
        case_id: Uuid,
        input: &ClosureInput,
        today: Date,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.close",
                access::can_work_case,
                request_id,
            )
            .await?;
        let (closure, _) = self.valid_closure(&c, input, today).await?;
        let id = c.id;
        let mut m: case::ActiveModel = c.into();
        m.status = Set(CaseStatus::Closed.as_str().to_owned());
        m.closed_on = Set(Some(closure.closed_on));
        m.closure_reason = Set(Some(closure.reason.as_str().to_owned()));
        m.closure_detail =
            Set(self.seal_opt("cases.closure_detail", id, closure.reason_detail.as_deref())?);
        m.exit_not_taken_reason = Set(self.seal_opt(
            "cases.exit_not_taken_reason",
            id,
            closure.exit_not_taken_reason.as_deref(),
        )?);
        m.closure_risk_reason = Set(self.seal_opt(
            "cases.closure_risk_reason",
            id,
            closure.risk_reason.as_deref(),
        )?);
        m.closure_agreed_by = Set(closure
            .coordinator_agreed
            .as_deref()
            .and_then(|u| Uuid::parse_str(u).ok()));
        m.updated_at = Set(crate::now());
        m.update(self.conn()).await?;
        Ok(())
    }

    /// What is still open on a case, for the closure form. Takes the case detail the caller
    /// was allowed to load, so it can only be asked about a case already opened.
    pub async fn closure_check(
        &self,
        detail: &crate::cases::CaseDetail,
    ) -> Result<ClosureCheck, StoreError> {
        let c = case::Entity::find_by_id(detail.id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("the case loaded is gone".into()))?;
        self.closure_check_of(&c).await
    }

    async fn closure_check_of(&self, c: &case::Model) -> Result<ClosureCheck, StoreError> {
        let stages = self.measure_stages(&[c.id]).await?;
        let recorded = |stage: MeasureStage| stages.iter().any(|(_, s)| s == stage.as_str());
        let hearings = marac_hearing::Entity::find()
            .filter(marac_hearing::Column::CaseId.eq(c.id))
            .all(self.conn())
            .await?;
        let mut listed_unheard: Vec<Date> = Vec::new();
        if !hearings.is_empty() {
            for m in marac_meeting::Entity::find()
                .filter(marac_meeting::Column::Id.is_in(hearings.iter().map(|h| h.meeting_id)))
                .all(self.conn())
                .await?
            {
                if m.status != waymark_domain::marac::MeetingStatus::Closed.as_str() {
                    listed_unheard.push(m.meets_on);
                }
            }
        }
        listed_unheard.sort();
        let open_marac_actions = marac_action::Entity::find()
            .filter(marac_action::Column::CaseId.eq(c.id))
            .filter(marac_action::Column::Status.is_in([
                waymark_domain::marac::ActionStatus::Agreed.as_str(),
                waymark_domain::marac::ActionStatus::InProgress.as_str(),
            ]))
            .all(self.conn())
            .await?
            .len();
        let open_plan_actions = self
            .latest_plans(&[c.id])
            .await?
            .get(&c.id)
            .map_or(0, |(_, plan)| plan.open_actions());
        let facts = ClosureFacts {
            latest_risk: c.latest_risk_level.as_deref().and_then(RiskLevel::parse),
            listed_unheard,
            open_marac_actions,
            open_plan_actions,
            review_recorded: recorded(MeasureStage::Review),
            exit_recorded: recorded(MeasureStage::Exit),
        };
        let coordinating = match self.marac_config(c.marac_id).await? {
            Some(config) => config.coordinating_agency_id,
            None => None,
        };
        let coordinators = match coordinating {
            Some(agency) => user::Entity::find()
                .filter(user::Column::AgencyId.eq(agency))
                .filter(user::Column::Role.eq(Role::MaracCoordinator.as_str()))
                .filter(user::Column::Active.eq(true))
                .order_by_asc(user::Column::DisplayName)
                .all(self.conn())
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect(),
            None => Vec::new(),
        };
        Ok(ClosureCheck {
            facts,
            coordinators,
        })
    }

    /// Checks a closure before the caseworker confirms it: the answers, and what is still
    /// open. Nothing is written but the audit row (`case.close.check`).
    pub async fn check_closure(
        &self,
        actor: &User,
        case_id: Uuid,
        input: &ClosureInput,
        today: Date,
        request_id: Option<String>,
    ) -> Result<(Closure, ClosureCheck), CaseError> {
        let c = self
            .open_case_for_work(
                actor,
                case_id,
                "case.close.check",
                access::can_work_case,
                request_id,
            )
            .await?;
        self.valid_closure(&c, input, today).await
    }

    /// A closure held to the case's records: the domain's rules, and not before the last
    /// contact or the exit interview.
    async fn valid_closure(
        &self,
        c: &case::Model,
        input: &ClosureInput,
        today: Date,
    ) -> Result<(Closure, ClosureCheck), CaseError> {
        let check = self.closure_check_of(c).await?;
        let coordinators: Vec<String> = check
            .coordinators
            .iter()
            .map(|(id, _)| id.to_string())
            .collect();
        let closure = input
            .parse(today, referred_on(c), &check.facts, &coordinators)
            .map_err(CaseError::Form)?;
        // A case closes after the work on it: its last contact and its exit interview.
        let last_contact = self
            .contact_rows(&[c.id])
            .await?
            .iter()
            .map(|r| r.contact_on)
            .max();
        let exit_on = case_measure::Entity::find()
            .filter(case_measure::Column::CaseId.eq(c.id))
            .filter(case_measure::Column::Stage.eq(MeasureStage::Exit.as_str()))
            .one(self.conn())
            .await?
            .map(|m| m.recorded_on);
        if let Some(latest) = last_contact.into_iter().chain(exit_on).max()
            && closure.closed_on < latest
        {
            return Err(form_error(
                "closed_on",
                &format!(
                    "The closure date must be on or after the last contact or the exit interview ({latest})"
                ),
            ));
        }
        Ok((closure, check))
    }

    /// A client who comes back after their case closed: a new case for the same people,
    /// linked to the earlier one as a repeat, waiting for allocation.
    pub async fn open_repeat_case(
        &self,
        actor: &User,
        closed_case_id: Uuid,
        route: &str,
        referred_on: Date,
        today: Date,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let earlier = self
            .case_for_action(
                actor,
                closed_case_id,
                "case.repeat",
                access::can_work_case,
                request_id.clone(),
            )
            .await?;
        let mut errors = Vec::new();
        let route = ReferralRoute::parse(route.trim());
        if route.is_none() {
            errors.push(FieldError::new(
                "route",
                "Select how the client came back from the list",
            ));
        }
        if referred_on > today {
            errors.push(FieldError::new(
                "referred_on",
                "The date must be today or in the past",
            ));
        }
        if earlier.closed_on.is_some_and(|d| referred_on < d) {
            errors.push(FieldError::new(
                "referred_on",
                "The date must be on or after the date the earlier case closed",
            ));
        }
        // Every case of this victim held by the agency decides whether this is a repeat.
        let links = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(earlier.id))
            .order_by_asc(case_person::Column::Position)
            .all(self.conn())
            .await?;
        let victim = links
            .iter()
            .find(|l| l.role == "victim")
            .ok_or_else(|| StoreError::Corrupt("case without victim".into()))?;
        let victim_cases: Vec<Uuid> = case_person::Entity::find()
            .filter(case_person::Column::PersonId.eq(victim.person_id))
            .filter(case_person::Column::Role.eq("victim"))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|l| l.case_id)
            .collect();
        let mut history = Vec::new();
        let victim_rows = case::Entity::find()
            .filter(case::Column::Id.is_in(victim_cases))
            .filter(case::Column::OwningAgencyId.eq(earlier.owning_agency_id))
            .all(self.conn())
            .await?;
        let ids: Vec<Uuid> = victim_rows.iter().map(|c| c.id).collect();
        let exclusions = self.exclusion_rows(&ids).await?;
        // Only the cases the actor may see decide, so a refusal never hints at the others.
        for c in victim_rows
            .into_iter()
            .filter(|c| access::can_view_case(&actor.actor(), &facts(c, &exclusions, &[])))
        {
            history.push(EarlierCase {
                id: c.id,
                status: status_of(&c)?,
                closed_on: c.closed_on,
            });
        }
        let Some(previous) = casework::repeat_of(&history) else {
            errors.push(FieldError::new(
                "case",
                "This client already has a case that is not closed: record the new referral there",
            ));
            return Err(CaseError::Form(errors));
        };
        if !errors.is_empty() {
            return Err(CaseError::Form(errors));
        }
        let Some(route) = route else {
            return Err(CaseError::Form(errors));
        };
        let now = crate::now();
        let case_id = Uuid::now_v7();
        let reference = self.next_case_reference(now.year()).await?;
        // Where the client lives, her refuge and GP carry over too, sealed for the new
        // case; the caseworker checks them at first contact.
        let carry_case = |field: &str, v: &Option<String>| -> Result<Option<String>, StoreError> {
            let plain = self.open_opt(field, earlier.id, v.as_deref())?;
            self.seal_opt(field, case_id, plain.as_deref())
        };
        case::ActiveModel {
            id: Set(case_id),
            reference: Set(reference),
            owning_agency_id: Set(earlier.owning_agency_id),
            marac_id: Set(earlier.marac_id),
            caseworker_id: Set(None),
            // A returning client goes back to the team that knew her.
            team_id: Set(earlier.team_id),
            status: Set(CaseStatus::AwaitingAllocation.as_str().to_owned()),
            latest_risk_level: Set(None),
            latest_yes_count: Set(None),
            latest_assessed_on: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            legal_hold_reason: Set(None),
            referred_on: Set(Some(referred_on)),
            allocated_at: Set(None),
            first_contact_on: Set(None),
            closed_on: Set(None),
            closure_reason: Set(None),
            closure_detail: Set(None),
            exit_not_taken_reason: Set(None),
            closure_risk_reason: Set(None),
            closure_agreed_by: Set(None),
            previous_case_id: Set(Some(previous)),
            current_address: Set(carry_case(
                "cases.current_address",
                &earlier.current_address,
            )?),
            current_postcode: Set(carry_case(
                "cases.current_postcode",
                &earlier.current_postcode,
            )?),
            refuge: Set(carry_case("cases.refuge", &earlier.refuge)?),
            gp_practice: Set(carry_case("cases.gp_practice", &earlier.gp_practice)?),
        }
        .insert(self.conn())
        .await?;
        for l in &links {
            self.carry_link(case_id, l).await?;
        }
        // Whoever was kept away from the earlier case is kept away from this one.
        for e in self.exclusion_rows(&[earlier.id]).await? {
            let id = Uuid::now_v7();
            let reason = self.open("case_exclusions.reason", e.id, &e.reason)?;
            case_exclusion::ActiveModel {
                id: Set(id),
                case_id: Set(case_id),
                excluded_user_id: Set(e.excluded_user_id),
                excluded_agency_id: Set(e.excluded_agency_id),
                reason: Set(self.seal("case_exclusions.reason", id, &reason)?),
                created_by: Set(e.created_by),
                created_at: Set(now),
            }
            .insert(self.conn())
            .await?;
        }
        // The referral's consent and safe contact details carry over; they are checked
        // with the client at first contact like any referral's.
        if let Some(r) = referral::Entity::find()
            .filter(referral::Column::CaseId.eq(earlier.id))
            .one(self.conn())
            .await?
        {
            let referral_id = Uuid::now_v7();
            let carry = |field: &str, v: &Option<String>| -> Result<Option<String>, StoreError> {
                let plain = self.open_opt(field, r.id, v.as_deref())?;
                self.seal_opt(field, referral_id, plain.as_deref())
            };
            referral::ActiveModel {
                id: Set(referral_id),
                case_id: Set(case_id),
                referring_agency_id: Set(earlier.owning_agency_id),
                route: Set(route.as_str().to_owned()),
                referred_on: Set(referred_on),
                consent: Set(r.consent.clone()),
                consent_reason: Set(carry("referrals.consent_reason", &r.consent_reason)?),
                victim_aware: Set(r.victim_aware),
                reason: Set(None),
                safe_phone: Set(carry("referrals.safe_phone", &r.safe_phone)?),
                safe_times: Set(carry("referrals.safe_times", &r.safe_times)?),
                voicemail_safe: Set(r.voicemail_safe),
                post_safe: Set(r.post_safe),
                immediate_danger: Set(false),
                created_by: Set(actor.id),
                created_at: Set(now),
            }
            .insert(self.conn())
            .await?;
        }
        self.audit_case(actor, "case.repeat.open", case_id, request_id)
            .await?;
        Ok(case_id)
    }

    /// The cases of the actor's agency waiting for allocation: anyone who said they are in
    /// immediate danger first, then highest risk, then oldest referral. Only what the actor may see; the read is audited.
    pub async fn triage_queue(
        &self,
        actor: &User,
        rules: &CaseworkRules,
        request_id: Option<String>,
    ) -> Result<Vec<TriageEntry>, CaseError> {
        let who = actor.actor();
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "case.triage.view",
            object_type: "agency",
            object_id: None,
            outcome: if access::can_triage(&who) {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        if !access::can_triage(&who) {
            return Err(CaseError::Forbidden);
        }
        let rows = case::Entity::find()
            .filter(case::Column::OwningAgencyId.eq(actor.agency_id))
            .filter(case::Column::Status.eq(CaseStatus::AwaitingAllocation.as_str()))
            .all(self.conn())
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let exclusions = self.exclusion_rows(&ids).await?;
        let visible: Vec<case::Model> = rows
            .into_iter()
            .filter(|c| access::can_view_case(&who, &facts(c, &exclusions, &[])))
            .collect();
        let visible_ids: Vec<Uuid> = visible.iter().map(|c| c.id).collect();
        let names = self.victim_names(&visible_ids).await?;
        let routes: HashMap<Uuid, (String, bool)> = referral::Entity::find()
            .filter(referral::Column::CaseId.is_in(visible.iter().map(|c| c.id)))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|r| (r.case_id, (r.route, r.immediate_danger)))
            .collect();
        let mut out: Vec<TriageEntry> = visible
            .iter()
            .map(|c| {
                let level = c.latest_risk_level.as_deref().and_then(RiskLevel::parse);
                let referred = referred_on(c);
                let in_danger = routes.get(&c.id).is_some_and(|(_, d)| *d);
                TriageEntry {
                    id: c.id,
                    reference: c.reference.clone(),
                    victim_name: names.get(&c.id).cloned().unwrap_or_default(),
                    risk_level: level,
                    route: routes.get(&c.id).and_then(|(r, _)| ReferralRoute::parse(r)),
                    referred_on: referred,
                    // Someone who says they are in danger is contacted to the high-risk standard.
                    first_contact_due: rules
                        .first_contact_due(referred, in_danger || level == Some(RiskLevel::High)),
                    repeat: c.previous_case_id.is_some(),
                    in_danger,
                }
            })
            .collect();
        let rank = |l: Option<RiskLevel>| match l {
            Some(RiskLevel::High) => 0,
            None => 1,
            Some(RiskLevel::Medium) => 2,
            Some(RiskLevel::Standard) => 3,
        };
        // Anyone who said they are in danger first, then by risk, then the oldest.
        out.sort_by(|a, b| {
            (
                !a.in_danger,
                rank(a.risk_level),
                a.referred_on,
                &a.reference,
            )
                .cmp(&(
                    !b.in_danger,
                    rank(b.risk_level),
                    b.referred_on,
                    &b.reference,
                ))
        });
        Ok(out)
    }

    /// Loads, overdue work and contacts of an agency's caseworkers (no case content).
    async fn team_loads(
        &self,
        viewer: &User,
        rules: &CaseworkRules,
        today: Date,
    ) -> Result<TeamView, StoreError> {
        let agency_id = viewer.agency_id;
        let rows = case::Entity::find()
            .filter(case::Column::OwningAgencyId.eq(agency_id))
            .all(self.conn())
            .await?;
        // Counts only see what the viewer may see: cases they are excluded from are left out.
        let row_ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let exclusions = self.exclusion_rows(&row_ids).await?;
        let cases: Vec<case::Model> = rows
            .into_iter()
            .filter(|c| access::can_view_case(&viewer.actor(), &facts(c, &exclusions, &[])))
            .collect();
        let open: Vec<&case::Model> = cases
            .iter()
            .filter(|c| c.status == CaseStatus::Open.as_str())
            .collect();
        let open_ids: Vec<Uuid> = open.iter().map(|c| c.id).collect();
        let mut significant: HashMap<Uuid, u32> = HashMap::new();
        for r in self.contact_rows(&open_ids).await? {
            if r.significant {
                *significant.entry(r.case_id).or_default() += 1;
            }
        }
        let mut stages: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (case_id, stage) in self.measure_stages(&open_ids).await? {
            stages.entry(case_id).or_default().push(stage);
        }
        let plans = self.latest_plans(&open_ids).await?;
        let danger = self.in_danger(&open_ids).await?;
        let returned = self.returned(&open_ids).await?;
        let window_start = today - time::Duration::days(i64::from(PROJECTION_WINDOW_DAYS));
        let workers: Vec<User> = self
            .agency_users(agency_id)
            .await?
            .into_iter()
            .filter(|u| u.active && matches!(u.role, Role::Caseworker | Role::MaracCoordinator))
            .collect();
        let mut view = TeamView {
            caseloads: Vec::new(),
            awaiting_allocation: count(
                cases
                    .iter()
                    .filter(|c| c.status == CaseStatus::AwaitingAllocation.as_str())
                    .count(),
            ),
            open_cases: count(open.len()),
            high_risk_open: count(open.iter().filter(|c| high_risk(c)).count()),
            overdue: 0,
            significant_contacts: 0,
            intensive_cases: 0,
            first_contact: FirstContactSummary::default(),
        };
        // The first-contact indicator over the referrals of the last 13 weeks.
        let recent: Vec<&case::Model> = cases
            .iter()
            .filter(|c| referred_on(c) > window_start && c.first_contact_on.is_some())
            .collect();
        let recent_danger = self
            .in_danger(&recent.iter().map(|c| c.id).collect::<Vec<_>>())
            .await?;
        let times: Vec<_> = recent
            .iter()
            .filter_map(|c| {
                c.first_contact_on.map(|first| {
                    casework::time_to_first_contact(
                        rules,
                        referred_on(c),
                        first,
                        high_risk(c) || recent_danger.contains(&c.id),
                    )
                })
            })
            .collect();
        view.first_contact = casework::summarise_first_contacts(&times);
        for w in workers {
            let mine: Vec<&&case::Model> = open
                .iter()
                .filter(|c| c.caseworker_id == Some(w.id))
                .collect();
            let mut overdue = 0;
            let mut contacts = 0;
            let mut intensive = 0;
            for c in &mine {
                let s: Vec<&str> = stages
                    .get(&c.id)
                    .map(|v| v.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                let marac_level = high_risk(c) || danger.contains(&c.id);
                let clock = Self::clock(
                    c,
                    &s,
                    marac_level,
                    plans.get(&c.id).map(|(_, p)| p),
                    returned.contains(&c.id),
                )?;
                overdue += count(
                    casework::due_items(rules, &clock)
                        .iter()
                        .filter(|d| d.overdue(today))
                        .count(),
                );
                let n = significant.get(&c.id).copied().unwrap_or(0);
                contacts += n;
                if rules.intensity(n).intensive {
                    intensive += 1;
                }
            }
            let allocated_in_window = count(
                cases
                    .iter()
                    .filter(|c| {
                        c.caseworker_id == Some(w.id)
                            && c.allocated_at.is_some_and(|a| uk_date(a) > window_start)
                    })
                    .count(),
            );
            view.overdue += overdue;
            view.significant_contacts += contacts;
            view.intensive_cases += intensive;
            view.caseloads.push(Caseload {
                user_id: w.id,
                name: w.display_name.clone(),
                fte: w.fte,
                open_cases: count(mine.len()),
                high_risk_open: count(mine.iter().filter(|c| high_risk(c)).count()),
                allocated_in_window,
                projection: casework::project_caseload(
                    rules,
                    allocated_in_window,
                    PROJECTION_WINDOW_DAYS,
                    w.fte,
                ),
                overdue,
                significant_contacts: contacts,
                intensive_cases: intensive,
            });
        }
        view.caseloads.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(view)
    }

    /// The manager's team view of their agency. Audited; refused to other roles.
    pub async fn team_view(
        &self,
        actor: &User,
        rules: &CaseworkRules,
        today: Date,
        request_id: Option<String>,
    ) -> Result<TeamView, CaseError> {
        let allowed = access::can_see_team(&actor.actor());
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "team.view",
            object_type: "agency",
            object_id: None,
            outcome: if allowed {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        if !allowed {
            return Err(CaseError::Forbidden);
        }
        Ok(self.team_loads(actor, rules, today).await?)
    }

    /// What is due on the actor's own cases, earliest first.
    pub async fn my_tasks(
        &self,
        actor: &User,
        rules: &CaseworkRules,
        request_id: Option<String>,
    ) -> Result<Vec<Task>, StoreError> {
        let who = actor.actor();
        let rows = case::Entity::find()
            .filter(case::Column::CaseworkerId.eq(actor.id))
            .filter(case::Column::OwningAgencyId.eq(actor.agency_id))
            .all(self.conn())
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let exclusions = self.exclusion_rows(&ids).await?;
        let mut stages: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (case_id, stage) in self.measure_stages(&ids).await? {
            stages.entry(case_id).or_default().push(stage);
        }
        let plans = self.latest_plans(&ids).await?;
        let danger = self.in_danger(&ids).await?;
        let returned = self.returned(&ids).await?;
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "case.tasks.view",
            object_type: "case",
            object_id: None,
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        let mut tasks = Vec::new();
        for c in rows
            .iter()
            .filter(|c| access::can_work_case(&who, &facts(c, &exclusions, &[])))
        {
            let s: Vec<&str> = stages
                .get(&c.id)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let plan = plans.get(&c.id).map(|(_, p)| p);
            let marac_level = high_risk(c) || danger.contains(&c.id);
            let clock = Self::clock(c, &s, marac_level, plan, returned.contains(&c.id))?;
            for due in casework::due_items(rules, &clock) {
                tasks.push(Task {
                    case_id: c.id,
                    reference: c.reference.clone(),
                    due,
                });
            }
        }
        tasks.sort_by(|a, b| (a.due.due_on, &a.reference).cmp(&(b.due.due_on, &b.reference)));
        Ok(tasks)
    }
}
