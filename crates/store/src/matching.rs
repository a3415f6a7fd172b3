//! Possible matches between the people on different cases: the same woman referred by
//! police on Monday and by housing in March under her maiden name, the same man named as
//! the perpetrator on two victims' cases.
//!
//! The linkage engine's incremental index lives in memory beside the database (names and
//! dates of birth are sealed at rest, so they cannot be matched in SQL). Each use brings it
//! up to date with the `people` table first: new people are opened and filed, deleted ones
//! are dropped. The engine only suggests; a caseworker or coordinator decides, and the
//! decision is stored once per pair so the same question is never asked twice. A match is
//! only ever shown with a case the user may see.
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;
use waymark_domain::access;
use waymark_domain::referral::FieldError;
use waymark_linkage::model::Explanation;
use waymark_linkage::{Index, Model, QueryOptions, RawPersonRecord, RecordId};

use crate::audit::{AuditEvent, Outcome};
use crate::cases::{CaseError, facts};
use crate::entity::{agency, case, case_person, person, person_match};
use crate::users::User;
use crate::{StoreError, Tx};

/// Matches at least this likely are suggested to the case's staff.
pub const SUGGEST_FROM: f64 = 0.5;

/// A perpetrator on two victims' cases at least this likely to be one man raises the
/// serial-perpetrator alert on the Marac agenda (a confirmed match always does).
pub const SERIAL_FROM: f64 = 0.9;

/// The in-memory matching index, shared by every transaction of a store.
pub struct Matcher {
    state: Mutex<State>,
}

struct State {
    index: Index,
    person_of: HashMap<u32, Uuid>,
    record_of: HashMap<Uuid, RecordId>,
    /// Each person's `updated_at` as filed: a later correction refiles them.
    version_of: HashMap<Uuid, Option<time::OffsetDateTime>>,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher {
            state: Mutex::new(State {
                index: Index::new(Model::default()),
                person_of: HashMap::new(),
                record_of: HashMap::new(),
                version_of: HashMap::new(),
            }),
        }
    }
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the people it holds.
        f.debug_struct("Matcher")
            .field("people", &self.len())
            .finish()
    }
}

impl Matcher {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is rebuilt from the database on every use, so a panic elsewhere cannot
        // leave it wrong for long; carry on with what is there.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many people the index holds.
    pub fn len(&self) -> usize {
        self.lock().record_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A possible match of one person on the case with a person on another case the user may
/// see.
#[derive(Clone, Debug, PartialEq)]
pub struct PossibleMatch {
    pub person_id: Uuid,
    /// `victim` or `perpetrator`: their part in this case.
    pub person_role: String,
    pub person_name: String,
    pub other_person_id: Uuid,
    pub other_role: String,
    pub other_name: String,
    pub other_date_of_birth: Option<String>,
    pub other_case_id: Uuid,
    pub other_reference: String,
    pub other_agency: String,
    pub probability: f64,
    /// What agreed and what did not, in words, strongest first.
    pub evidence: Vec<String>,
}

/// Another case on which someone on this case is the same person: the same person record
/// (a client who came back, a repeat) or a match someone confirmed. Only cases the user may
/// see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SamePersonCase {
    pub person_id: Uuid,
    /// `victim` or `perpetrator`: their part in this case.
    pub person_role: String,
    pub person_name: String,
    /// Their part in the other case.
    pub other_role: String,
    pub other_case_id: Uuid,
    pub other_reference: String,
    pub other_agency: String,
    /// "the same person record" or "confirmed as the same person".
    pub basis: &'static str,
    pub referred_on: Option<time::Date>,
    /// The other case's status as stored (`triage`, `open`, `closed`, ...).
    pub status: String,
    pub latest_risk_level: Option<String>,
    pub latest_assessed_on: Option<time::Date>,
    pub closed_on: Option<time::Date>,
}

/// What the matches page shows: the person's other cases, and the possible matches
/// waiting for a decision.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matches {
    pub same_person: Vec<SamePersonCase>,
    pub possible: Vec<PossibleMatch>,
}

/// A decision on a possible match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchDecision {
    SamePerson,
    Different,
}

impl MatchDecision {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "same" => Some(MatchDecision::SamePerson),
            "different" => Some(MatchDecision::Different),
            _ => None,
        }
    }
}

/// The engine's explanation as sentences a caseworker can weigh.
pub fn evidence(e: &Explanation) -> Vec<String> {
    let mut fields: Vec<_> = e.fields.iter().filter(|f| f.weight != 0.0).collect();
    fields.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    let mut out: Vec<String> = fields
        .into_iter()
        .map(|f| {
            let strength = match f.weight.abs() {
                w if w >= 6.0 => "strongly",
                w if w >= 2.0 => "",
                _ => "slightly",
            };
            let way = if f.weight > 0.0 { "for" } else { "against" };
            let mut s = format!("{}: {}", capitalise(f.field.label()), f.level);
            if strength.is_empty() {
                s.push_str(&format!(" (counts {way})"));
            } else {
                s.push_str(&format!(" (counts {strength} {way})"));
            }
            if let Some(tf) = f.term_frequency
                && tf > 0.0
            {
                s.push_str(&format!(
                    "; a value shared by about 1 in {:.0} people here",
                    1.0 / tf
                ));
            }
            s
        })
        .collect();
    if e.names_swapped {
        out.push("First name and surname agree when swapped".to_owned());
    }
    if e.household_adjustment < 0.0 {
        out.push(
            "Surname, postcode and phone together count as no more than one household".to_owned(),
        );
    }
    if let Some(rule) = e.rule {
        out.push(capitalise(rule.describe()));
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A pair's key: the smaller id first.
pub(crate) fn pair(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a <= b { (a, b) } else { (b, a) }
}

impl Tx {
    /// Brings the matching index up to date with the people table.
    pub(crate) async fn sync_matcher(&self) -> Result<(), StoreError> {
        let rows: Vec<(Uuid, Option<time::OffsetDateTime>)> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .column(person::Column::UpdatedAt)
            .into_tuple()
            .all(self.conn())
            .await?;
        let present: HashSet<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        // New people, and people corrected since they were filed.
        let (missing, gone): (Vec<Uuid>, Vec<Uuid>) = {
            let s = self.matcher.lock();
            (
                rows.iter()
                    .filter(|(id, at)| s.version_of.get(id) != Some(at))
                    .map(|(id, _)| *id)
                    .collect(),
                s.record_of
                    .keys()
                    .filter(|id| !present.contains(id))
                    .copied()
                    .collect(),
            )
        };
        let mut new = Vec::with_capacity(missing.len());
        for chunk in missing.chunks(500) {
            for p in person::Entity::find()
                .filter(person::Column::Id.is_in(chunk.iter().copied()))
                .all(self.conn())
                .await?
            {
                let raw = RawPersonRecord {
                    first_name: self.open("people.given_name", p.id, &p.given_name)?,
                    surname: self.open("people.family_name", p.id, &p.family_name)?,
                    dob: self
                        .open_opt("people.date_of_birth", p.id, p.date_of_birth.as_deref())?
                        .unwrap_or_default(),
                    gender: p.gender.clone().unwrap_or_default(),
                    ..RawPersonRecord::default()
                };
                new.push((p.id, p.updated_at, raw.parse().0));
            }
        }
        let mut s = self.matcher.lock();
        for id in gone {
            s.version_of.remove(&id);
            if let Some(r) = s.record_of.remove(&id) {
                s.person_of.remove(&r.0);
                // Already gone from the index is as good as removed.
                let _ = s.index.remove(r);
            }
        }
        for (id, version, record) in new {
            if s.version_of.get(&id) == Some(&version) {
                // Another transaction filed this version meanwhile.
                continue;
            }
            match s.record_of.get(&id).copied() {
                Some(r) => s
                    .index
                    .update(r, &record)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                None => {
                    let r = s
                        .index
                        .insert(&record)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    s.record_of.insert(id, r);
                    s.person_of.insert(r.0, id);
                }
            }
            s.version_of.insert(id, version);
        }
        Ok(())
    }

    /// The decided pairs among these people: true for the same person.
    pub(crate) async fn decided_pairs(
        &self,
        people: &[Uuid],
    ) -> Result<HashMap<(Uuid, Uuid), bool>, StoreError> {
        Ok(self
            .decisions_for(people)
            .await?
            .into_iter()
            .map(|(k, m)| (k, m.same_person))
            .collect())
    }

    /// The decided pairs among these people.
    async fn decisions_for(
        &self,
        people: &[Uuid],
    ) -> Result<HashMap<(Uuid, Uuid), person_match::Model>, StoreError> {
        if people.is_empty() {
            return Ok(HashMap::new());
        }
        let mut out = HashMap::new();
        for col in [person_match::Column::PersonA, person_match::Column::PersonB] {
            for m in person_match::Entity::find()
                .filter(col.is_in(people.iter().copied()))
                .all(self.conn())
                .await?
            {
                out.insert((m.person_a, m.person_b), m);
            }
        }
        Ok(out)
    }

    /// The victims and perpetrators on a case: (person id, role).
    async fn matchable_people(&self, case_id: Uuid) -> Result<Vec<(Uuid, String)>, StoreError> {
        Ok(case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(case_id))
            .filter(case_person::Column::Role.is_in(["victim", "perpetrator"]))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|l| (l.person_id, l.role))
            .collect())
    }

    /// For a case the actor works: the other cases its victim and perpetrators are on (the
    /// same person record, or a confirmed match), and the possible matches with people on
    /// other cases, undecided pairs only, most likely first; only cases the actor may see.
    /// Each other case shown writes a `person_match.show` or `person_match.suggest` row,
    /// and the look itself a `person_match.view` row on the case (newest, so the case's
    /// access log shows it last); refused, only a denied row.
    pub async fn possible_matches(
        &self,
        actor: &User,
        case_id: Uuid,
        request_id: Option<String>,
    ) -> Result<Matches, CaseError> {
        let permitted = self
            .case_permitted(actor, case_id, access::can_work_case)
            .await?
            .is_some();
        let view_event = |outcome| AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "person_match.view",
            object_type: "case",
            object_id: Some(case_id.to_string()),
            outcome,
            request_id: request_id.clone(),
        };
        if !permitted {
            self.audit(view_event(Outcome::Denied)).await?;
            return Err(CaseError::NotFound);
        }
        let same_person = self.same_person_cases(actor, case_id).await?;
        let possible = self.find_matches(actor, case_id).await?;
        let shown = |ids: &mut dyn Iterator<Item = Uuid>| {
            let mut v: Vec<Uuid> = ids.collect();
            v.sort();
            v.dedup();
            v
        };
        let linked = shown(&mut same_person.iter().map(|c| c.other_case_id));
        let suggested = shown(&mut possible.iter().map(|m| m.other_case_id));
        for (action, others) in [
            ("person_match.show", linked),
            ("person_match.suggest", suggested),
        ] {
            for other in others {
                self.audit(AuditEvent {
                    actor: Some(actor.audit_actor()),
                    action,
                    object_type: "case",
                    object_id: Some(other.to_string()),
                    outcome: Outcome::Allowed,
                    request_id: request_id.clone(),
                })
                .await?;
            }
        }
        self.audit(view_event(Outcome::Allowed)).await?;
        Ok(Matches {
            same_person,
            possible,
        })
    }

    /// The other cases the victim and perpetrators of a case are on, as the same person
    /// record or a confirmed match (one step: a match of a match is not followed), that
    /// the actor may see; newest first. Reads, and writes no audit row.
    async fn same_person_cases(
        &self,
        actor: &User,
        case_id: Uuid,
    ) -> Result<Vec<SamePersonCase>, StoreError> {
        let mine = self.matchable_people(case_id).await?;
        let my_ids: Vec<Uuid> = mine.iter().map(|(p, _)| *p).collect();
        // (mine, theirs, basis)
        let mut wanted: Vec<(Uuid, Uuid, &'static str)> = my_ids
            .iter()
            .map(|p| (*p, *p, "the same person record"))
            .collect();
        for ((a, b), m) in self.decisions_for(&my_ids).await? {
            if !m.same_person {
                continue;
            }
            if my_ids.contains(&a) {
                wanted.push((a, b, "confirmed as the same person"));
            }
            if my_ids.contains(&b) {
                wanted.push((b, a, "confirmed as the same person"));
            }
        }
        let theirs: Vec<Uuid> = wanted.iter().map(|(_, o, _)| *o).collect();
        let links: Vec<case_person::Model> = case_person::Entity::find()
            .filter(case_person::Column::PersonId.is_in(theirs.iter().copied()))
            .filter(case_person::Column::Role.is_in(["victim", "perpetrator"]))
            .filter(case_person::Column::CaseId.ne(case_id))
            .all(self.conn())
            .await?;
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let case_ids: Vec<Uuid> = links.iter().map(|l| l.case_id).collect();
        let exclusions = self.exclusion_rows(&case_ids).await?;
        let who = actor.actor();
        let cases: HashMap<Uuid, case::Model> = case::Entity::find()
            .filter(case::Column::Id.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?
            .into_iter()
            .filter(|c| access::can_view_case(&who, &facts(c, &exclusions, &[])))
            .map(|c| (c.id, c))
            .collect();
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let agencies = self
            .agency_names(cases.values().map(|c| c.owning_agency_id))
            .await?;
        let mut names: HashMap<Uuid, String> = HashMap::new();
        for p in person::Entity::find()
            .filter(person::Column::Id.is_in(my_ids.iter().copied()))
            .all(self.conn())
            .await?
        {
            let name = format!(
                "{} {}",
                self.open("people.given_name", p.id, &p.given_name)?.trim(),
                self.open("people.family_name", p.id, &p.family_name)?
                    .trim()
            );
            names.insert(p.id, name);
        }
        let mut out: Vec<SamePersonCase> = Vec::new();
        for (me, other, basis) in wanted {
            for l in links.iter().filter(|l| l.person_id == other) {
                let Some(c) = cases.get(&l.case_id) else {
                    continue;
                };
                if out
                    .iter()
                    .any(|x| x.person_id == me && x.other_case_id == c.id)
                {
                    continue;
                }
                out.push(SamePersonCase {
                    person_id: me,
                    person_role: mine
                        .iter()
                        .find(|(x, _)| *x == me)
                        .map(|(_, r)| r.clone())
                        .unwrap_or_default(),
                    person_name: names.get(&me).cloned().unwrap_or_default(),
                    other_role: l.role.clone(),
                    other_case_id: c.id,
                    other_reference: c.reference.clone(),
                    other_agency: agencies
                        .get(&c.owning_agency_id)
                        .cloned()
                        .unwrap_or_default(),
                    basis,
                    referred_on: c.referred_on,
                    status: c.status.clone(),
                    latest_risk_level: c.latest_risk_level.clone(),
                    latest_assessed_on: c.latest_assessed_on,
                    closed_on: c.closed_on,
                });
            }
        }
        out.sort_by(|a, b| {
            b.referred_on
                .cmp(&a.referred_on)
                .then_with(|| b.other_reference.cmp(&a.other_reference))
        });
        Ok(out)
    }

    /// The names of these agencies, by id.
    async fn agency_names(
        &self,
        ids: impl Iterator<Item = Uuid>,
    ) -> Result<HashMap<Uuid, String>, StoreError> {
        let mut ids: Vec<Uuid> = ids.collect();
        ids.sort();
        ids.dedup();
        Ok(agency::Entity::find()
            .filter(agency::Column::Id.is_in(ids))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect())
    }

    /// How many possible matches wait for a decision on a case the caller has opened, for
    /// the case page: a number, naming no one, so it reads no other case. Zero for anyone
    /// who may not work the case.
    pub async fn pending_match_count(
        &self,
        actor: &User,
        detail: &crate::cases::CaseDetail,
    ) -> Result<usize, StoreError> {
        if !access::can_work_case(&actor.actor(), &detail.access_facts()) {
            return Ok(0);
        }
        Ok(self.find_matches(actor, detail.id).await?.len())
    }

    /// How many possible matches wait for a decision on a case, for the page a new
    /// referral leads to: a number, naming no one, so no audit row. Zero for anyone who
    /// may not work the case.
    pub async fn pending_match_count_for(
        &self,
        actor: &User,
        case_id: Uuid,
    ) -> Result<usize, StoreError> {
        if self
            .case_permitted(actor, case_id, access::can_work_case)
            .await?
            .is_none()
        {
            return Ok(0);
        }
        Ok(self.find_matches(actor, case_id).await?.len())
    }

    /// The matching itself, for a case already opened by the caller.
    async fn find_matches(
        &self,
        actor: &User,
        case_id: Uuid,
    ) -> Result<Vec<PossibleMatch>, StoreError> {
        self.sync_matcher().await?;
        let mine = self.matchable_people(case_id).await?;
        let my_ids: HashSet<Uuid> = mine.iter().map(|(p, _)| *p).collect();
        // Every person on this case, children included, is "this case", never a match.
        let on_case: HashSet<Uuid> = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(case_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|l| l.person_id)
            .collect();
        // (mine, other, probability, evidence)
        let mut raw: Vec<(Uuid, Uuid, f64, Vec<String>)> = Vec::new();
        {
            let s = self.matcher.lock();
            for (p, _) in &mine {
                let Some(r) = s.record_of.get(p).copied() else {
                    continue;
                };
                let Ok(found) = s.index.matches_for(
                    r,
                    QueryOptions {
                        limit: 20,
                        min_probability: SUGGEST_FROM,
                    },
                ) else {
                    continue;
                };
                for m in found {
                    if let Some(other) = s.person_of.get(&m.record.0).copied()
                        && !on_case.contains(&other)
                    {
                        raw.push((*p, other, m.probability, evidence(&m.explanation)));
                    }
                }
            }
        }
        let others: Vec<Uuid> = raw.iter().map(|(_, o, ..)| *o).collect();
        let mut everyone: Vec<Uuid> = others.clone();
        everyone.extend(my_ids.iter().copied());
        let decided = self.decisions_for(&everyone).await?;
        raw.retain(|(p, o, ..)| !decided.contains_key(&pair(*p, *o)));
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        // The other people's cases, kept only where the actor may see the case.
        let links: Vec<case_person::Model> = case_person::Entity::find()
            .filter(case_person::Column::PersonId.is_in(others.iter().copied()))
            .filter(case_person::Column::Role.is_in(["victim", "perpetrator"]))
            .all(self.conn())
            .await?;
        let case_ids: Vec<Uuid> = links.iter().map(|l| l.case_id).collect();
        let cases: HashMap<Uuid, case::Model> = case::Entity::find()
            .filter(case::Column::Id.is_in(case_ids.iter().copied()))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let exclusions = self.exclusion_rows(&case_ids).await?;
        let who = actor.actor();
        let agencies = self
            .agency_names(cases.values().map(|c| c.owning_agency_id))
            .await?;
        let mut out = Vec::new();
        let mut names: HashMap<Uuid, (String, Option<String>)> = HashMap::new();
        for (p, o, probability, evidence) in raw {
            for l in links.iter().filter(|l| l.person_id == o) {
                let Some(c) = cases.get(&l.case_id) else {
                    continue;
                };
                if c.id == case_id || !access::can_view_case(&who, &facts(c, &exclusions, &[])) {
                    continue;
                }
                for id in [p, o] {
                    if !names.contains_key(&id)
                        && let Some(row) = person::Entity::find_by_id(id).one(self.conn()).await?
                    {
                        let name = format!(
                            "{} {}",
                            self.open("people.given_name", id, &row.given_name)?.trim(),
                            self.open("people.family_name", id, &row.family_name)?
                                .trim()
                        );
                        let dob = self.open_opt(
                            "people.date_of_birth",
                            id,
                            row.date_of_birth.as_deref(),
                        )?;
                        names.insert(id, (name, dob));
                    }
                }
                let (Some((person_name, _)), Some((other_name, other_dob))) =
                    (names.get(&p), names.get(&o))
                else {
                    continue;
                };
                out.push(PossibleMatch {
                    person_id: p,
                    person_role: mine
                        .iter()
                        .find(|(x, _)| *x == p)
                        .map(|(_, r)| r.clone())
                        .unwrap_or_default(),
                    person_name: person_name.clone(),
                    other_person_id: o,
                    other_role: l.role.clone(),
                    other_name: other_name.clone(),
                    other_date_of_birth: other_dob.clone(),
                    other_case_id: c.id,
                    other_reference: c.reference.clone(),
                    other_agency: agencies
                        .get(&c.owning_agency_id)
                        .cloned()
                        .unwrap_or_default(),
                    probability,
                    evidence: evidence.clone(),
                });
            }
        }
        out.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.other_reference.cmp(&b.other_reference))
        });
        Ok(out)
    }

    /// Records a decision on a possible match the actor was shown: the same person, or two
    /// people. Refused (nothing saved) unless the pair is still suggested to this actor for
    /// this case. Audited as `person_match.confirm` or `person_match.reject` on the case.
    pub async fn decide_match(
        &self,
        actor: &User,
        case_id: Uuid,
        person_id: &str,
        other_person_id: &str,
        decision: &str,
        request_id: Option<String>,
    ) -> Result<MatchDecision, CaseError> {
        let permitted = self
            .case_permitted(actor, case_id, access::can_work_case)
            .await?
            .is_some();
        let parsed = MatchDecision::parse(decision);
        let action = match parsed {
            Some(MatchDecision::Different) => "person_match.reject",
            _ => "person_match.confirm",
        };
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
        if !permitted {
            return Err(CaseError::NotFound);
        }
        let Some(decision) = parsed else {
            return Err(CaseError::Form(vec![FieldError::new(
                "decision",
                "Select whether these are the same person",
            )]));
        };
        let p = Uuid::parse_str(person_id.trim()).ok();
        let o = Uuid::parse_str(other_person_id.trim()).ok();
        let suggested = self.find_matches(actor, case_id).await?;
        let Some(m) = suggested
            .iter()
            .find(|m| Some(m.person_id) == p && Some(m.other_person_id) == o)
        else {
            return Err(CaseError::Form(vec![FieldError::new(
                "decision",
                "That possible match is no longer suggested: it may have been decided already",
            )]));
        };
        self.store_decision(
            actor,
            m.person_id,
            m.other_person_id,
            decision,
            m.probability,
        )
        .await?;
        Ok(decision)
    }

    /// Stores a decision on a pair of people (the caller has checked it may be made, and
    /// audits it): one row per pair, never asked again.
    pub(crate) async fn store_decision(
        &self,
        actor: &User,
        person: Uuid,
        other: Uuid,
        decision: MatchDecision,
        probability: f64,
    ) -> Result<(), StoreError> {
        let (a, b) = pair(person, other);
        person_match::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_a: Set(a),
            person_b: Set(b),
            same_person: Set(decision == MatchDecision::SamePerson),
            probability: Set(probability),
            decided_by: Set(actor.id),
            decided_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    /// The engine's probability that two people are one; `None` when either is unknown to
    /// the index (call [`Tx::sync_matcher`] first).
    pub(crate) fn pair_score(&self, a: Uuid, b: Uuid) -> Option<f64> {
        self.pair_explanation(a, b).map(|e| e.probability)
    }

    /// The people the engine rates at least `min` likely to be this person (never the
    /// person themselves), most likely first, with the probability; empty when the person
    /// is unknown to the index (call [`Tx::sync_matcher`] first).
    pub(crate) fn likely_people(&self, person: Uuid, min: f64, limit: usize) -> Vec<(Uuid, f64)> {
        let s = self.matcher.lock();
        let Some(r) = s.record_of.get(&person).copied() else {
            return Vec::new();
        };
        let found = s
            .index
            .matches_for(
                r,
                QueryOptions {
                    limit,
                    min_probability: min,
                },
            )
            .unwrap_or_default();
        found
            .into_iter()
            .filter_map(|m| s.person_of.get(&m.record.0).map(|p| (*p, m.probability)))
            .collect()
    }

    /// How the engine compares two people; `None` when either is unknown to the index.
    pub(crate) fn pair_explanation(&self, a: Uuid, b: Uuid) -> Option<Explanation> {
        let s = self.matcher.lock();
        let (ra, rb) = (s.record_of.get(&a)?, s.record_of.get(&b)?);
        s.index.explain(*ra, *rb).ok()
    }
}
