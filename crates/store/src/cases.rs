//! Cases, referrals and Dash assessments. There is no unscoped finder here: every read
//! takes the acting [`User`], applies the domain's access policy and writes an audit row.
use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::Date;
use uuid::Uuid;
use waymark_domain::access::{self, CaseAccessFacts};
use waymark_domain::casework::CaseStatus;
use waymark_domain::dash::{
    self, Answer, Assessment, Decision, InstrumentRegistry, MaracCriterion, ProfessionalJudgement,
    RiskLevel,
};
use waymark_domain::referral::{NewReferral, PersonDetails};
use waymark_domain::whereabouts::{Whereabouts, WhereaboutsInput};

use crate::audit::{AuditEvent, Outcome};
use crate::directory::Marac;
use crate::entity::{
    break_glass_grant, case, case_exclusion, case_person, case_reference_counter, dash_assessment,
    marac_referral, person, referral,
};
use crate::users::User;
use crate::{StoreError, Tx};

/// Why a case operation did not happen. `NotFound` covers "does not exist" and "you
/// may not see it" alike, so that the two cannot be told apart.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("not found")]
    NotFound,
    #[error("not permitted")]
    Forbidden,
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A form with problems in one or more fields; nothing was saved.
    #[error("{} problems with the form", .0.len())]
    Form(Vec<waymark_domain::referral::FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for CaseError {
    fn from(e: sea_orm::DbErr) -> Self {
        CaseError::Store(StoreError::Db(e))
    }
}

/// Where a new referral goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intake {
    /// To the worker who took it, who will work the case.
    AllocateToReferrer,
    /// To the triage queue, for a manager or coordinator to allocate.
    Triage,
}

/// One row of the case list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: Uuid,
    pub reference: String,
    pub victim_name: String,
    pub caseworker_name: Option<String>,
    pub status: String,
    pub risk_level: Option<RiskLevel>,
    pub yes_count: Option<u32>,
    pub last_assessed_on: Option<Date>,
    pub opened_on: Date,
}

/// How to order the case list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    Reference,
    Victim,
    Risk,
    LastAssessed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub risk_level: Option<RiskLevel>,
    /// Only cases allocated to the acting user.
    pub mine_only: bool,
    /// A case reference or part of the victim's name.
    pub search: Option<String>,
    pub sort: CaseSort,
    pub descending: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasePerson {
    pub person_id: Uuid,
    pub role: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub gender: Option<String>,
    pub relationship: Option<String>,
    pub lives_with: Option<String>,
    /// A linked adult's relationship to the victim, in the worker's words.
    pub relationship_note: Option<String>,
    /// Whether a child's school or nursery is recorded. The school itself is restricted:
    /// it is only in [`RestrictedDetails`], from [`Tx::reveal_restricted`].
    pub school_recorded: bool,
}

impl CasePerson {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralRecord {
    pub referring_agency: String,
    pub route: String,
    pub referred_on: Date,
    pub consent: String,
    pub consent_reason: Option<String>,
    pub victim_aware: bool,
    pub reason: Option<String>,
    /// Whether safe contact details were given. The details themselves are restricted:
    /// they are only in [`RestrictedDetails`], from [`Tx::reveal_restricted`].
    pub safe_contact_given: bool,
    pub voicemail_safe: bool,
    pub post_safe: bool,
    /// The victim said they were in immediate danger (a self-referral).
    pub immediate_danger: bool,
}

/// One use of emergency access, as the holding agency's managers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakGlassAlert {
    pub case_id: Uuid,
    pub case_reference: String,
    pub user_name: String,
    pub agency_name: String,
    pub reason: String,
    pub granted_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
}

/// A case's restricted fields, revealed on purpose and audited: the safe contact details,
/// where the victim lives (address, postcode, refuge, GP) and the children's schools.
/// Nothing else carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestrictedDetails {
    pub safe_phone: Option<String>,
    pub safe_times: Option<String>,
    pub whereabouts: Whereabouts,
    /// Each child with a school or nursery recorded, in the order of the case's people.
    pub schools: Vec<ChildSchool>,
}

/// One child's school or nursery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildSchool {
    pub person_id: Uuid,
    pub child_name: String,
    pub school: String,
}

/// A stored Dash with the decision made when it was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAssessment {
    pub id: Uuid,
    pub assessment: Assessment,
    pub decision: Decision,
    pub assessed_by: String,
    pub recorded_at: time::OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseDetail {
    pub id: Uuid,
    pub reference: String,
    pub status: String,
    pub owning_agency_id: Uuid,
    pub owning_agency: String,
    pub marac: Marac,
    pub caseworker_name: Option<String>,
    pub caseworker_id: Option<Uuid>,
    /// The holding agency's team that works the case: its id and name.
    pub team: Option<(Uuid, String)>,
    pub people: Vec<CasePerson>,
    pub referral: Option<ReferralRecord>,
    /// Oldest first.
    pub assessments: Vec<StoredAssessment>,
    pub opened_on: Date,
    /// Who may never see this case. Shown only to those who may manage exclusions.
    pub exclusions: Vec<ExclusionRecord>,
    /// Live emergency access grants: who, and until when.
    pub break_glass: Vec<(Uuid, time::OffsetDateTime)>,
    /// The UK date of the last change to the case, which retention counts from.
    pub last_activity: Date,
    /// The case is on legal hold (the reason is not shown here).
    pub legal_hold: bool,
    /// Which of the victim's whereabouts are recorded. The details themselves are
    /// restricted: they are only in [`RestrictedDetails`], from [`Tx::reveal_restricted`].
    pub whereabouts_recorded: WhereaboutsRecorded,
}

/// Which of the restricted whereabouts fields a case holds, without their values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WhereaboutsRecorded {
    pub address: bool,
    pub postcode: bool,
    pub refuge: bool,
    pub gp_practice: bool,
}

impl WhereaboutsRecorded {
    pub(crate) fn of(c: &case::Model) -> Self {
        WhereaboutsRecorded {
            address: c.current_address.is_some(),
            postcode: c.current_postcode.is_some(),
            refuge: c.refuge.is_some(),
            gp_practice: c.gp_practice.is_some(),
        }
    }

    pub fn any(&self) -> bool {
        self.address || self.postcode || self.refuge || self.gp_practice
    }
}

/// Who is excluded from a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Excluded {
    User(Uuid),
    Agency(Uuid),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExclusionRecord {
    pub excluded: Excluded,
    /// The user's display name or the agency's name.
    pub name: String,
    pub reason: String,
    pub created_on: Date,
}

impl CaseDetail {
    /// What the access policy needs to know about this case.
    pub fn access_facts(&self) -> CaseAccessFacts {
        let mut f = CaseAccessFacts::owned_by(self.owning_agency_id.to_string());
        f.team_id = self.team.as_ref().map(|(t, _)| t.to_string());
        f.caseworker_id = self.caseworker_id.map(|u| u.to_string());
        f.break_glass_user_ids = self
            .break_glass
            .iter()
            .map(|(u, _)| u.to_string())
            .collect();
        for e in &self.exclusions {
            match e.excluded {
                Excluded::User(u) => f.excluded_user_ids.push(u.to_string()),
                Excluded::Agency(a) => f.excluded_agency_ids.push(a.to_string()),
            }
        }
        f
    }

    pub fn victim(&self) -> Option<&CasePerson> {
        self.people.iter().find(|p| p.role == "victim")
    }
}

/// The access facts of a case, from its row, its exclusions and its live emergency grants.
pub(crate) fn facts(
    c: &case::Model,
    exclusions: &[case_exclusion::Model],
    grants: &[break_glass_grant::Model],
) -> CaseAccessFacts {
    let mut f = CaseAccessFacts::owned_by(c.owning_agency_id.to_string());
    f.team_id = c.team_id.map(|t| t.to_string());
    f.caseworker_id = c.caseworker_id.map(|u| u.to_string());
    f.break_glass_user_ids = grants
        .iter()
        .filter(|g| g.case_id == c.id)
        .map(|g| g.user_id.to_string())
        .collect();
    for e in exclusions.iter().filter(|e| e.case_id == c.id) {
        if let Some(u) = e.excluded_user_id {
            f.excluded_user_ids.push(u.to_string());
        }
        if let Some(a) = e.excluded_agency_id {
            f.excluded_agency_ids.push(a.to_string());
        }
    }
    f
}

pub(crate) fn count_i32(v: u32) -> Result<i32, StoreError> {
    i32::try_from(v).map_err(|_| StoreError::Invalid("number too large".into()))
}

pub(crate) fn count_u32(v: i32) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt("negative count".into()))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))
}

fn assessment_from(
    tx: &Tx,
    m: &dash_assessment::Model,
) -> Result<(Assessment, Decision), StoreError> {
    let answers: BTreeMap<String, Answer> = parse_json(&m.answers)?;
    let details: BTreeMap<String, String> =
        parse_json(&tx.open("dash_assessments.details", m.id, &m.details)?)?;
    let judgement = tx.open_opt(
        "dash_assessments.professional_judgement_reason",
        m.id,
        m.professional_judgement_reason.as_deref(),
    )?;
    let criteria: Vec<MaracCriterion> = parse_json(&m.criteria)?;
    let risk_level =
        RiskLevel::parse(&m.risk_level).ok_or_else(|| StoreError::Corrupt("risk level".into()))?;
    let yes_count = count_u32(m.yes_count)?;
    let not_known_count = count_u32(m.not_known_count)?;
    let answered = count_u32(m.answered)?;
    let assessment = Assessment {
        instrument_id: m.instrument_id.clone(),
        instrument_version: m.instrument_version.clone(),
        answers,
        details,
        abuse_incidents_last_12_months: count_u32(m.abuse_incidents)?,
        professional_judgement: judgement.map(|reason| ProfessionalJudgement { reason }),
        assessed_on: m.assessed_on,
        previous_marac_referral_on: m.previous_marac_referral_on,
    };
    let decision = Decision {
        instrument: m.instrument_id.clone(),
        version: m.instrument_version.clone(),
        yes_count,
        not_known_count,
        answered,
        unanswered: Vec::new(),
        risk_level,
        refer_to_marac: m.refer_to_marac,
        criteria,
    };
    Ok((assessment, decision))
}

impl Tx {
    pub(crate) async fn insert_person(&self, p: &PersonDetails) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let dob = p.date_of_birth.map(|d| d.to_string());
        let m = person::ActiveModel {
            id: Set(id),
            given_name: Set(self.seal("people.given_name", id, &p.given_name)?),
            family_name: Set(self.seal("people.family_name", id, &p.family_name)?),
            date_of_birth: Set(self.seal_opt("people.date_of_birth", id, dob.as_deref())?),
            gender: Set(p.gender.map(|g| g.as_str().to_owned())),
            created_at: Set(crate::now()),
            updated_at: Set(None),
        }
        .insert(self.conn())
        .await?;
        Ok(m.id)
    }

    pub(crate) async fn link_person(
        &self,
        case_id: Uuid,
        person_id: Uuid,
        role: &str,
        relationship: Option<&str>,
        lives_with: Option<&str>,
        position: i32,
    ) -> Result<(), StoreError> {
        case_person::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case_id),
            person_id: Set(person_id),
            role: Set(role.to_owned()),
            relationship: Set(relationship.map(str::to_owned)),
            lives_with: Set(lives_with.map(str::to_owned)),
            position: Set(position),
            school: Set(None),
            relationship_note: Set(None),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    pub(crate) async fn next_case_reference(&self, year: i32) -> Result<String, StoreError> {
        // Writers are serialised by the audit head lock, so the counter is race-free.
        let prefix = format!("WM-{year}-");
        let last = match case_reference_counter::Entity::find_by_id(year)
            .one(self.conn())
            .await?
        {
            Some(row) => row.last,
            None => {
                // The first reference of the year on this database (or the first since
                // counters existed): carry on from the highest reference already issued.
                let mut highest = 0;
                for c in case::Entity::find()
                    .filter(case::Column::Reference.starts_with(prefix.clone()))
                    .all(self.conn())
                    .await?
                {
                    if let Some(n) = c
                        .reference
                        .strip_prefix(&prefix)
                        .and_then(|n| n.parse::<i32>().ok())
                    {
                        highest = highest.max(n);
                    }
                }
                case_reference_counter::ActiveModel {
                    year: Set(year),
                    last: Set(highest),
                }
                .insert(self.conn())
                .await?;
                highest
            }
        };
        let next = last
            .checked_add(1)
            .ok_or_else(|| StoreError::Invalid("case reference counter overflow".into()))?;
        case_reference_counter::ActiveModel {
            year: Set(year),
            last: Set(next),
        }
        .update(self.conn())
        .await?;
        Ok(format!("{prefix}{next:05}"))
    }

    /// Opens a case from a referral, allocated to the referring worker, who will work it:
    /// people, case, referral and an audit row, all or nothing.
    pub async fn create_referral(
        &self,
        actor: &User,
        marac_id: Uuid,
        new: &NewReferral,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        self.create_referral_to(actor, marac_id, new, Intake::AllocateToReferrer, request_id)
            .await
    }

    /// Opens a case from a referral, either allocated to the referring worker or waiting in
    /// the triage queue for allocation.
    pub async fn create_referral_to(
        &self,
        actor: &User,
        marac_id: Uuid,
        new: &NewReferral,
        intake: Intake,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        if !access::can_create_referral(&actor.actor()) {
            self.audit(AuditEvent {
                actor: Some(actor.audit_actor()),
                action: "referral.create",
                object_type: "case",
                object_id: None,
                outcome: Outcome::Denied,
                request_id,
            })
            .await?;
            return Err(CaseError::Forbidden);
        }
        let referring_agency_id = Uuid::parse_str(&new.referring_agency_id)
            .ok()
            .filter(|_| true)
            .ok_or_else(|| CaseError::Invalid {
                field: "referring_agency_id".into(),
                message: "Select the referring agency from the list".into(),
            })?;
        if self.agency(referring_agency_id).await?.is_none() {
            return Err(CaseError::Invalid {
                field: "referring_agency_id".into(),
                message: "Select the referring agency from the list".into(),
            });
        }
        if self.marac(marac_id).await?.is_none() {
            return Err(CaseError::Invalid {
                field: "marac_id".into(),
                message: "No such Marac".into(),
            });
        }
        let now = crate::now();
        let case_id = Uuid::now_v7();
        let reference = self.next_case_reference(now.year()).await?;
        case::ActiveModel {
            id: Set(case_id),
            reference: Set(reference),
            owning_agency_id: Set(actor.agency_id),
            marac_id: Set(marac_id),
            caseworker_id: Set(match intake {
                Intake::AllocateToReferrer => Some(actor.id),
                Intake::Triage => None,
            }),
            // The case belongs to the referrer's team, if they are in one.
            team_id: Set(actor.team_id),
            status: Set(match intake {
                Intake::AllocateToReferrer => CaseStatus::Open,
                Intake::Triage => CaseStatus::AwaitingAllocation,
            }
            .as_str()
            .to_owned()),
            latest_risk_level: Set(None),
            latest_yes_count: Set(None),
            latest_assessed_on: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            legal_hold_reason: Set(None),
            referred_on: Set(Some(new.referred_on)),
            allocated_at: Set(match intake {
                Intake::AllocateToReferrer => Some(now),
                Intake::Triage => None,
            }),
            first_contact_on: Set(None),
            closed_on: Set(None),
            closure_reason: Set(None),
            closure_detail: Set(None),
            exit_not_taken_reason: Set(None),
            closure_risk_reason: Set(None),
            closure_agreed_by: Set(None),
            previous_case_id: Set(None),
            current_address: Set(None),
            current_postcode: Set(None),
            refuge: Set(None),
            gp_practice: Set(None),
        }
        .insert(self.conn())
        .await?;
        let victim_id = self.insert_person(&new.victim).await?;
        self.link_person(case_id, victim_id, "victim", None, None, 0)
            .await?;
        let perpetrator_id = self.insert_person(&new.perpetrator).await?;
        self.link_person(
            case_id,
            perpetrator_id,
            "perpetrator",
            Some(new.relationship.as_str()),
            None,
            0,
        )
        .await?;
        for (i, child) in new.children.iter().enumerate() {
            let child_id = self.insert_person(&child.person).await?;
            let pos = i32::try_from(i).unwrap_or(i32::MAX);
            self.link_person(
                case_id,
                child_id,
                "child",
                None,
                child.lives_with.map(|l| l.as_str()),
                pos,
            )
            .await?;
        }
        let referral_id = Uuid::now_v7();
        let seal =
            |field: &str, v: &Option<String>| self.seal_opt(field, referral_id, v.as_deref());
        referral::ActiveModel {
            id: Set(referral_id),
            case_id: Set(case_id),
            referring_agency_id: Set(referring_agency_id),
            route: Set(new.route.as_str().to_owned()),
            referred_on: Set(new.referred_on),
            consent: Set(new.consent.as_str().to_owned()),
            consent_reason: Set(seal("referrals.consent_reason", &new.consent_reason)?),
            victim_aware: Set(new.victim_aware),
            reason: Set(seal("referrals.reason", &new.reason)?),
            safe_phone: Set(seal("referrals.safe_phone", &new.safe_phone)?),
            safe_times: Set(seal("referrals.safe_times", &new.safe_times)?),
            voicemail_safe: Set(new.voicemail_safe),
            post_safe: Set(new.post_safe),
            immediate_danger: Set(false),
            created_by: Set(actor.id),
            created_at: Set(now),
        }
        .insert(self.conn())
        .await?;
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "referral.create",
            object_type: "case",
            object_id: Some(case_id.to_string()),
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        Ok(case_id)
    }

    /// Loads a case only if the actor may see it; audits the attempt either way.
    pub(crate) async fn case_for_action(
        &self,
        actor: &User,
        case_id: Uuid,
        action: &'static str,
        allowed: fn(&access::Actor, &CaseAccessFacts) -> bool,
        request_id: Option<String>,
    ) -> Result<case::Model, CaseError> {
        let found = self.case_permitted(actor, case_id, allowed).await?;
        let permitted = found.is_some();
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action,
            object_type: "case",
            object_id: Some(case_id.to_string()),
            outcome: if permitted {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        found.ok_or(CaseError::NotFound)
    }

    /// The case, when it exists and the actor may do this to it; `None` otherwise. Writes
    /// no audit row: the caller must (see [`Tx::case_for_action`]).
    pub(crate) async fn case_permitted(
        &self,
        actor: &User,
        case_id: Uuid,
        allowed: fn(&access::Actor, &CaseAccessFacts) -> bool,
    ) -> Result<Option<case::Model>, StoreError> {
        let found = case::Entity::find_by_id(case_id).one(self.conn()).await?;
        let exclusions = self.exclusion_rows(&[case_id]).await?;
        let grants = self.live_grants(case_id).await?;
        Ok(found.filter(|c| allowed(&actor.actor(), &facts(c, &exclusions, &grants))))
    }

    /// The cases the actor may see, filtered and sorted.
    pub async fn list_cases(
        &self,
        actor: &User,
        filter: &CaseFilter,
        request_id: Option<String>,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let who = actor.actor();
        // The query narrows to the actor's agency; the policy check on every row below is
        // the rule itself, so a list can never show a case the case page would refuse.
        let mut q = case::Entity::find().filter(case::Column::OwningAgencyId.eq(actor.agency_id));
        if let Some(level) = filter.risk_level {
            q = q.filter(case::Column::LatestRiskLevel.eq(level.as_str()));
        }
        if filter.mine_only {
            q = q.filter(case::Column::CaseworkerId.eq(actor.id));
        }
        let candidates = q.all(self.conn()).await?;
        let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
        let exclusions = self.exclusion_rows(&ids).await?;
        let rows: Vec<case::Model> = candidates
            .into_iter()
            // Emergency grants never put a case in a list: they open one case, found by
            // its reference.
            .filter(|c| access::can_view_case(&who, &facts(c, &exclusions, &[])))
            .collect();
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let victims = self.victim_names(&ids).await?;
        let caseworkers = self
            .user_names(rows.iter().filter_map(|c| c.caseworker_id).collect())
            .await?;
        let needle = filter
            .search
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        let mut out = Vec::with_capacity(rows.len());
        for c in rows {
            let victim_name = victims.get(&c.id).cloned().unwrap_or_default();
            if let Some(n) = &needle
                && !victim_name.to_lowercase().contains(n.as_str())
                && !c.reference.to_lowercase().contains(n.as_str())
            {
                continue;
            }
            out.push(CaseSummary {
                id: c.id,
                reference: c.reference,
                victim_name,
                caseworker_name: c.caseworker_id.and_then(|id| caseworkers.get(&id).cloned()),
                status: c.status,
                risk_level: c.latest_risk_level.as_deref().and_then(RiskLevel::parse),
                yes_count: c.latest_yes_count.map(count_u32).transpose()?,
                last_assessed_on: c.latest_assessed_on,
                opened_on: waymark_domain::calendar::uk_date(c.created_at),
            });
        }
        match filter.sort {
            CaseSort::Reference => out.sort_by(|a, b| a.reference.cmp(&b.reference)),
            CaseSort::Victim => out.sort_by(|a, b| {
                a.victim_name
                    .to_lowercase()
                    .cmp(&b.victim_name.to_lowercase())
                    .then(a.reference.cmp(&b.reference))
            }),
            CaseSort::Risk => out.sort_by(|a, b| {
                a.risk_level
                    .cmp(&b.risk_level)
                    .then(a.yes_count.cmp(&b.yes_count))
                    .then(a.reference.cmp(&b.reference))
            }),
            CaseSort::LastAssessed => out.sort_by(|a, b| {
                a.last_assessed_on
                    .cmp(&b.last_assessed_on)
                    .then(a.reference.cmp(&b.reference))
            }),
        }
        if filter.descending {
            out.reverse();
        }
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "case.list",
            object_type: "case",
            object_id: None,
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        Ok(out)
    }

    pub(crate) async fn victim_names(
        &self,
        case_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, String>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let links = case_person::Entity::find()
            .filter(case_person::Column::CaseId.is_in(case_ids.iter().copied()))
            .filter(case_person::Column::Role.eq("victim"))
            .all(self.conn())
            .await?;
        let people: HashMap<Uuid, person::Model> = person::Entity::find()
            .filter(person::Column::Id.is_in(links.iter().map(|l| l.person_id)))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut names = HashMap::new();
        for l in links {
            if let Some(p) = people.get(&l.person_id) {
                let given = self.open("people.given_name", p.id, &p.given_name)?;
                let family = self.open("people.family_name", p.id, &p.family_name)?;
                names.insert(l.case_id, format!("{given} {family}"));
            }
        }
        Ok(names)
    }

    pub(crate) async fn user_names(
        &self,
        ids: Vec<Uuid>,
    ) -> Result<HashMap<Uuid, String>, StoreError> {
        use crate::entity::user;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    /// The whole case, if the actor may see it. Audited as a read.
    pub async fn case_detail(
        &self,
        actor: &User,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<CaseDetail, CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "case.view",
                access::can_view_case,
                request_id,
            )
            .await?;
        self.load_detail(c).await
    }

    /// The whole case with its casework (contacts, interventions, what is due), if the
    /// actor may see it. One audited read.
    pub async fn case_with_casework(
        &self,
        actor: &User,
        case_id: Uuid,
        rules: &waymark_domain::casework::CaseworkRules,
        request_id: Option<String>,
    ) -> Result<(CaseDetail, crate::casework::Casework), CaseError> {
        self.case_with_casework_for(
            actor,
            case_id,
            rules,
            "case.view",
            access::can_view_case,
            request_id,
        )
        .await
    }

    /// The case with its casework for a form of one kind of work: allowed only if
    /// `allowed` holds, and audited under `action` either way.
    pub async fn case_with_casework_for(
        &self,
        actor: &User,
        case_id: Uuid,
        rules: &waymark_domain::casework::CaseworkRules,
        action: &'static str,
        allowed: fn(&access::Actor, &CaseAccessFacts) -> bool,
        request_id: Option<String>,
    ) -> Result<(CaseDetail, crate::casework::Casework), CaseError> {
        let c = self
            .case_for_action(actor, case_id, action, allowed, request_id)
            .await?;
        let work = self.load_casework(actor, &c, rules).await?;
        Ok((self.load_detail(c).await?, work))
    }

    pub(crate) async fn load_detail(&self, c: case::Model) -> Result<CaseDetail, CaseError> {
        let links = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(c.id))
            .order_by_asc(case_person::Column::Position)
            .all(self.conn())
            .await?;
        let people: HashMap<Uuid, person::Model> = person::Entity::find()
            .filter(person::Column::Id.is_in(links.iter().map(|l| l.person_id)))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let role_order = |r: &str| match r {
            "victim" => 0,
            "perpetrator" => 1,
            "child" => 2,
            _ => 3,
        };
        let mut case_people: Vec<CasePerson> = Vec::with_capacity(links.len());
        for l in links {
            let Some(p) = people.get(&l.person_id) else {
                continue;
            };
            let dob = self.open_opt("people.date_of_birth", p.id, p.date_of_birth.as_deref())?;
            case_people.push(CasePerson {
                person_id: p.id,
                role: l.role.clone(),
                given_name: self.open("people.given_name", p.id, &p.given_name)?,
                family_name: self.open("people.family_name", p.id, &p.family_name)?,
                date_of_birth: dob
                    .map(|d| {
                        waymark_domain::referral::parse_iso_date(&d)
                            .ok_or_else(|| StoreError::Corrupt("date of birth".into()))
                    })
                    .transpose()?,
                gender: p.gender.clone(),
                relationship: l.relationship.clone(),
                lives_with: l.lives_with.clone(),
                relationship_note: self.open_opt(
                    "case_people.relationship_note",
                    l.id,
                    l.relationship_note.as_deref(),
                )?,
                school_recorded: l.school.is_some(),
            });
        }
        case_people.sort_by_key(|p| role_order(&p.role));
        let referral = match referral::Entity::find()
            .filter(referral::Column::CaseId.eq(c.id))
            .one(self.conn())
            .await?
        {
            Some(r) => Some(ReferralRecord {
                consent_reason: self.open_opt(
                    "referrals.consent_reason",
                    r.id,
                    r.consent_reason.as_deref(),
                )?,
                reason: self.open_opt("referrals.reason", r.id, r.reason.as_deref())?,
                safe_contact_given: r.safe_phone.is_some() || r.safe_times.is_some(),
                referring_agency: self
                    .agency(r.referring_agency_id)
                    .await?
                    .map(|a| a.name)
                    .unwrap_or_default(),
                route: r.route,
                referred_on: r.referred_on,
                consent: r.consent,
                victim_aware: r.victim_aware,
                voicemail_safe: r.voicemail_safe,
                post_safe: r.post_safe,
                immediate_danger: r.immediate_danger,
            }),
            None => None,
        };
        let rows = dash_assessment::Entity::find()
            .filter(dash_assessment::Column::CaseId.eq(c.id))
            .order_by_asc(dash_assessment::Column::AssessedOn)
            .order_by_asc(dash_assessment::Column::CreatedAt)
            .all(self.conn())
            .await?;
        let assessors = self
            .user_names(rows.iter().map(|r| r.assessed_by).collect())
            .await?;
        let mut assessments = Vec::with_capacity(rows.len());
        for r in &rows {
            let (assessment, decision) = assessment_from(self, r)?;
            assessments.push(StoredAssessment {
                id: r.id,
                assessment,
                decision,
                assessed_by: assessors.get(&r.assessed_by).cloned().unwrap_or_default(),
                recorded_at: r.created_at,
            });
        }
        let marac = self
            .marac(c.marac_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("case without Marac".into()))?;
        let caseworker_name = match c.caseworker_id {
            Some(id) => self.user(id).await?.map(|u| u.display_name),
            None => None,
        };
        let whereabouts_recorded = WhereaboutsRecorded::of(&c);
        let team = match c.team_id {
            Some(id) => self.team(id).await?.map(|t| (t.id, t.name)),
            None => None,
        };
        Ok(CaseDetail {
            id: c.id,
            reference: c.reference,
            status: c.status,
            owning_agency_id: c.owning_agency_id,
            owning_agency: self
                .agency(c.owning_agency_id)
                .await?
                .map(|a| a.name)
                .unwrap_or_default(),
            marac,
            caseworker_name,
            caseworker_id: c.caseworker_id,
            team,
            people: case_people,
            referral,
            assessments,
            opened_on: waymark_domain::calendar::uk_date(c.created_at),
            last_activity: waymark_domain::calendar::uk_date(c.updated_at),
            legal_hold: c.legal_hold_reason.is_some(),
            whereabouts_recorded,
            exclusions: self.exclusion_records(c.id).await?,
            break_glass: self
                .live_grants(c.id)
                .await?
                .into_iter()
                .map(|g| (g.user_id, g.expires_at))
                .collect(),
        })
    }

    pub(crate) async fn exclusion_rows(
        &self,
        case_ids: &[Uuid],
    ) -> Result<Vec<case_exclusion::Model>, StoreError> {
        if case_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(case_exclusion::Entity::find()
            .filter(case_exclusion::Column::CaseId.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?)
    }

    async fn exclusion_records(&self, case_id: Uuid) -> Result<Vec<ExclusionRecord>, StoreError> {
        let mut out = Vec::new();
        for e in self.exclusion_rows(&[case_id]).await? {
            let (excluded, name) = match (e.excluded_user_id, e.excluded_agency_id) {
                (Some(u), _) => (
                    Excluded::User(u),
                    self.user(u).await?.map(|u| u.display_name),
                ),
                (None, Some(a)) => (Excluded::Agency(a), self.agency(a).await?.map(|a| a.name)),
                (None, None) => return Err(StoreError::Corrupt("exclusion of nobody".into())),
            };
            out.push(ExclusionRecord {
                excluded,
                name: name.unwrap_or_default(),
                reason: self.open("case_exclusions.reason", e.id, &e.reason)?,
                created_on: waymark_domain::calendar::uk_date(e.created_at),
            });
        }
        Ok(out)
    }

    /// The case's access log, for its own staff and managers. Reading it is audited too.
    pub async fn case_access_log(
        &self,
        actor: &User,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<(String, Vec<crate::audit::AccessEntry>), CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "case.access_log",
                access::can_see_access_log,
                request_id,
            )
            .await?;
        let rows = self.access_log_rows(c.id, 500).await?;
        Ok((c.reference, rows))
    }

    pub(crate) async fn live_grants(
        &self,
        case_id: Uuid,
    ) -> Result<Vec<break_glass_grant::Model>, StoreError> {
        Ok(break_glass_grant::Entity::find()
            .filter(break_glass_grant::Column::CaseId.eq(case_id))
            .filter(break_glass_grant::Column::ExpiresAt.gt(crate::now()))
            .all(self.conn())
            .await?)
    }

    /// Emergency ("break-glass") access: opens a case the actor's agency does not hold,
    /// found by its reference, for `minutes`, with a typed reason. The grant is audited
    /// and shows on the holding agency managers' alerts page. A reference that does not
    /// exist and a case that excludes the actor give the same `NotFound`.
    pub async fn break_glass(
        &self,
        actor: &User,
        reference: &str,
        reason: &str,
        minutes: i64,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let who = actor.actor();
        let denied = |object_id: Option<String>, request_id: Option<String>| AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "break_glass.grant",
            object_type: "case",
            object_id,
            outcome: Outcome::Denied,
            request_id,
        };
        if !access::can_break_glass(&who) {
            self.audit(denied(None, request_id)).await?;
            return Err(CaseError::Forbidden);
        }
        let reason = reason.trim();
        if reason.chars().count() < 10 {
            return Err(CaseError::Invalid {
                field: "reason".into(),
                message: "Explain the emergency in a sentence: it is sent to the case's managers"
                    .into(),
            });
        }
        if reason.chars().count() > waymark_domain::referral::MAX_TEXT {
            return Err(CaseError::Invalid {
                field: "reason".into(),
                message: "The reason must be 4000 characters or fewer".into(),
            });
        }
        let found = case::Entity::find()
            .filter(case::Column::Reference.eq(reference.trim().to_uppercase()))
            .one(self.conn())
            .await?;
        let Some(c) = found else {
            self.audit(denied(None, request_id)).await?;
            return Err(CaseError::NotFound);
        };
        let exclusions = self.exclusion_rows(&[c.id]).await?;
        let current = facts(&c, &exclusions, &self.live_grants(c.id).await?);
        if current.excludes(&who) {
            self.audit(denied(Some(c.id.to_string()), request_id))
                .await?;
            return Err(CaseError::NotFound);
        }
        if access::can_view_case(&who, &current) {
            // Already visible (their own agency's case, or a live grant): nothing to grant.
            return Ok(c.id);
        }
        let grant_id = Uuid::now_v7();
        let now = crate::now();
        break_glass_grant::ActiveModel {
            id: Set(grant_id),
            case_id: Set(c.id),
            user_id: Set(actor.id),
            reason: Set(self.seal("break_glass_grants.reason", grant_id, reason)?),
            granted_at: Set(now),
            expires_at: Set(now + time::Duration::minutes(minutes)),
        }
        .insert(self.conn())
        .await?;
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "break_glass.grant",
            object_type: "case",
            object_id: Some(c.id.to_string()),
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        Ok(c.id)
    }

    /// Emergency access to the cases a manager's agency holds, newest first: the alerts
    /// managers must see. Empty for anyone but a manager.
    pub async fn break_glass_alerts(
        &self,
        actor: &User,
    ) -> Result<Vec<BreakGlassAlert>, StoreError> {
        if actor.role != waymark_domain::role::Role::Manager {
            return Ok(Vec::new());
        }
        let cases: HashMap<Uuid, String> = case::Entity::find()
            .filter(case::Column::OwningAgencyId.eq(actor.agency_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|c| (c.id, c.reference))
            .collect();
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let grants = break_glass_grant::Entity::find()
            .filter(break_glass_grant::Column::CaseId.is_in(cases.keys().copied()))
            .order_by_desc(break_glass_grant::Column::GrantedAt)
            .all(self.conn())
            .await?;
        let mut out = Vec::with_capacity(grants.len());
        for g in grants {
            let user = self.user(g.user_id).await?;
            let agency = match &user {
                Some(u) => self.agency(u.agency_id).await?.map(|a| a.name),
                None => None,
            };
            out.push(BreakGlassAlert {
                case_id: g.case_id,
                case_reference: cases.get(&g.case_id).cloned().unwrap_or_default(),
                user_name: user.map(|u| u.display_name).unwrap_or_default(),
                agency_name: agency.unwrap_or_default(),
                reason: self.open("break_glass_grants.reason", g.id, &g.reason)?,
                granted_at: g.granted_at,
                expires_at: g.expires_at,
            });
        }
        Ok(out)
    }

    /// Reveals a case's restricted fields (the safe contact details and the children's
    /// schools) to someone allowed to contact the victim, writing a `restricted.reveal`
    /// audit row either way.
    pub async fn reveal_restricted(
        &self,
        actor: &User,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<RestrictedDetails, CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "restricted.reveal",
                access::can_reveal_restricted,
                request_id,
            )
            .await?;
        let schools = self.child_schools(c.id).await?;
        let whereabouts = self.whereabouts_of(&c)?;
        let Some(r) = referral::Entity::find()
            .filter(referral::Column::CaseId.eq(c.id))
            .one(self.conn())
            .await?
        else {
            return Ok(RestrictedDetails {
                safe_phone: None,
                safe_times: None,
                whereabouts,
                schools,
            });
        };
        Ok(RestrictedDetails {
            safe_phone: self.open_opt("referrals.safe_phone", r.id, r.safe_phone.as_deref())?,
            safe_times: self.open_opt("referrals.safe_times", r.id, r.safe_times.as_deref())?,
            whereabouts,
            schools,
        })
    }

    /// A case's whereabouts, opened. Only the reveal, the form that changes them (itself a
    /// reveal) and the victim's own subject access export call this.
    pub(crate) fn whereabouts_of(&self, c: &case::Model) -> Result<Whereabouts, StoreError> {
        Ok(Whereabouts {
            address: self.open_opt("cases.current_address", c.id, c.current_address.as_deref())?,
            postcode: self.open_opt(
                "cases.current_postcode",
                c.id,
                c.current_postcode.as_deref(),
            )?,
            refuge: self.open_opt("cases.refuge", c.id, c.refuge.as_deref())?,
            gp_practice: self.open_opt("cases.gp_practice", c.id, c.gp_practice.as_deref())?,
        })
    }

    /// The whereabouts form: what is recorded, opened for the staff who may change it. Opening
    /// the form is a reveal, audited as `restricted.reveal` like the reveal on the case page.
    pub async fn whereabouts_for_edit(
        &self,
        actor: &User,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<Whereabouts, CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "restricted.reveal",
                access::can_reveal_restricted,
                request_id,
            )
            .await?;
        Ok(self.whereabouts_of(&c)?)
    }

    /// Records where the victim can be found now (replacing what was recorded; an empty
    /// field removes it), sealed, with a `restricted.update` audit row. Only the staff who
    /// may reveal the case's restricted fields may change them.
    pub async fn update_whereabouts(
        &self,
        actor: &User,
        case_id: Uuid,
        input: &WhereaboutsInput,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "restricted.update",
                access::can_reveal_restricted,
                request_id,
            )
            .await?;
        let w = input.parse().map_err(CaseError::Form)?;
        let id = c.id;
        let mut active: case::ActiveModel = c.into();
        active.current_address =
            Set(self.seal_opt("cases.current_address", id, w.address.as_deref())?);
        active.current_postcode =
            Set(self.seal_opt("cases.current_postcode", id, w.postcode.as_deref())?);
        active.refuge = Set(self.seal_opt("cases.refuge", id, w.refuge.as_deref())?);
        active.gp_practice =
            Set(self.seal_opt("cases.gp_practice", id, w.gp_practice.as_deref())?);
        active.updated_at = Set(crate::now());
        active.update(self.conn()).await?;
        Ok(())
    }

    /// Excludes a user or a whole agency from a case. The actor must be allowed to manage
    /// the case's exclusions; nobody can exclude themselves or the owning agency, which
    /// would leave the case with no one to work it.
    pub async fn add_exclusion(
        &self,
        actor: &User,
        case_id: Uuid,
        excluded: Excluded,
        reason: &str,
        request_id: Option<String>,
    ) -> Result<(), CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "exclusion.add",
                access::can_manage_exclusions,
                request_id,
            )
            .await?;
        let reason = reason.trim();
        let invalid = |field: &str, message: &str| CaseError::Invalid {
            field: field.into(),
            message: message.into(),
        };
        if reason.is_empty() {
            return Err(invalid("reason", "Enter the reason for the exclusion"));
        }
        if reason.chars().count() > waymark_domain::referral::MAX_TEXT {
            return Err(invalid(
                "reason",
                "The reason must be 4000 characters or fewer",
            ));
        }
        let (user, agency) = match excluded {
            Excluded::User(u) => {
                if u == actor.id {
                    return Err(invalid("excluded_user_id", "You cannot exclude yourself"));
                }
                if self.user(u).await?.is_none() {
                    return Err(invalid("excluded_user_id", "Select a user from the list"));
                }
                (Some(u), None)
            }
            Excluded::Agency(a) => {
                if a == c.owning_agency_id {
                    return Err(invalid(
                        "excluded_agency_id",
                        "You cannot exclude the agency that holds the case",
                    ));
                }
                if self.agency(a).await?.is_none() {
                    return Err(invalid(
                        "excluded_agency_id",
                        "Select an agency from the list",
                    ));
                }
                (None, Some(a))
            }
        };
        let exclusion_id = Uuid::now_v7();
        case_exclusion::ActiveModel {
            id: Set(exclusion_id),
            case_id: Set(c.id),
            excluded_user_id: Set(user),
            excluded_agency_id: Set(agency),
            reason: Set(self.seal("case_exclusions.reason", exclusion_id, reason)?),
            created_by: Set(actor.id),
            created_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    /// Opens a case for an assessment: the actor must be allowed to assess it.
    /// Returns what the Dash form needs (the Marac's thresholds and the case reference).
    pub async fn case_for_assessment(
        &self,
        actor: &User,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<CaseDetail, CaseError> {
        let c = self
            .case_for_action(actor, case_id, "dash.open", access::can_assess, request_id)
            .await?;
        self.load_detail(c).await
    }

    /// The date of the victim's most recent referral to this Marac on or before `on`.
    async fn previous_marac_referral(
        &self,
        victim_person_id: Uuid,
        marac_id: Uuid,
        on: Date,
    ) -> Result<Option<Date>, StoreError> {
        Ok(marac_referral::Entity::find()
            .filter(marac_referral::Column::VictimPersonId.eq(victim_person_id))
            .filter(marac_referral::Column::MaracId.eq(marac_id))
            .filter(marac_referral::Column::ReferredOn.lte(on))
            .filter(marac_referral::Column::Status.is_in([
                waymark_domain::marac_referral::ReferralStatus::Received.as_str(),
                waymark_domain::marac_referral::ReferralStatus::Accepted.as_str(),
            ]))
            .order_by_desc(marac_referral::Column::ReferredOn)
            .one(self.conn())
            .await?
            .map(|r| r.referred_on))
    }

    /// Records a Dash against a case. The repeat rule uses the victim's earlier referrals
    /// to the case's Marac (or the date the assessor gave, whichever is later). Referring
    /// to the Marac is a separate, explicit step (`Tx::refer_to_marac`).
    pub async fn record_assessment(
        &self,
        actor: &User,
        case_id: Uuid,
        registry: &InstrumentRegistry,
        mut assessment: Assessment,
        request_id: Option<String>,
    ) -> Result<(Uuid, Decision), CaseError> {
        let c = self
            .case_for_action(
                actor,
                case_id,
                "dash.record",
                access::can_assess,
                request_id,
            )
            .await?;
        let instrument =
            registry
                .get(&assessment.instrument_id)
                .ok_or_else(|| CaseError::Invalid {
                    field: "instrument".into(),
                    message: "Unknown risk instrument".into(),
                })?;
        let marac = self
            .marac(c.marac_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("case without Marac".into()))?;
        let victim = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(c.id))
            .filter(case_person::Column::Role.eq("victim"))
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("case without victim".into()))?;
        let known = self
            .previous_marac_referral(victim.person_id, marac.id, assessment.assessed_on)
            .await?;
        assessment.previous_marac_referral_on = match (known, assessment.previous_marac_referral_on)
        {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let decision = dash::decide(instrument, &marac.thresholds, &assessment);
        let id = Uuid::now_v7();
        let now = crate::now();
        dash_assessment::ActiveModel {
            id: Set(id),
            case_id: Set(c.id),
            instrument_id: Set(instrument.id.clone()),
            instrument_version: Set(instrument.version.clone()),
            answers: Set(json(&assessment.answers)?),
            details: Set(self.seal("dash_assessments.details", id, &json(&assessment.details)?)?),
            abuse_incidents: Set(count_i32(assessment.abuse_incidents_last_12_months)?),
            professional_judgement_reason: Set(self.seal_opt(
                "dash_assessments.professional_judgement_reason",
                id,
                assessment
                    .professional_judgement
                    .as_ref()
                    .map(|j| j.reason.as_str()),
            )?),
            assessed_on: Set(assessment.assessed_on),
            previous_marac_referral_on: Set(assessment.previous_marac_referral_on),
            yes_count: Set(count_i32(decision.yes_count)?),
            not_known_count: Set(count_i32(decision.not_known_count)?),
            answered: Set(count_i32(decision.answered)?),
            risk_level: Set(decision.risk_level.as_str().to_owned()),
            refer_to_marac: Set(decision.refer_to_marac),
            criteria: Set(json(&decision.criteria)?),
            assessed_by: Set(actor.id),
            created_at: Set(now),
        }
        .insert(self.conn())
        .await?;
        // The case list shows the latest assessment; "latest" is by assessment date, so a
        // back-dated entry does not displace a newer one.
        let newer_exists = c
            .latest_assessed_on
            .is_some_and(|d| d > assessment.assessed_on);
        if !newer_exists {
            case::Entity::update_many()
                .col_expr(
                    case::Column::LatestRiskLevel,
                    Expr::value(decision.risk_level.as_str()),
                )
                .col_expr(
                    case::Column::LatestYesCount,
                    Expr::value(count_i32(decision.yes_count)?),
                )
                .col_expr(
                    case::Column::LatestAssessedOn,
                    Expr::value(assessment.assessed_on),
                )
                .col_expr(case::Column::UpdatedAt, Expr::value(now))
                .filter(case::Column::Id.eq(c.id))
                .exec(self.conn())
                .await?;
        }
        Ok((id, decision))
    }
}

impl Tx {
    /// Ends a request's transaction according to its result: success commits; a refusal
    /// (`NotFound`/`Forbidden`) also commits, because the refusal's audit row must be
    /// kept; anything else rolls back, so a failed change saves nothing.
    pub async fn settle<T>(self, result: Result<T, CaseError>) -> Result<T, CaseError> {
        match result {
            Ok(v) => {
                self.commit().await?;
                Ok(v)
            }
            Err(e @ (CaseError::NotFound | CaseError::Forbidden)) => {
                self.commit().await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}
