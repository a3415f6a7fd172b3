//! Backups: a consistent, encrypted, integrity-checked copy of every table, taken while
//! the server runs, and restored into an empty database. The copy is logical (rows as
//! JSON, sealed fields still sealed), so a SQLite backup restores into PostgreSQL and
//! back. The whole copy is sealed again with the data key; a changed byte fails the
//! restore before anything is written.
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::entity::{
    agency, audit_event, audit_head, break_glass_grant, case, case_contact, case_exclusion,
    case_intervention, case_measure, case_person, case_reference_counter, dash_assessment, marac,
    marac_action, marac_attendance, marac_confidentiality, marac_hearing, marac_meeting,
    marac_member, marac_referral, marac_research, person, person_match, recovery_code, referral,
    safety_plan, team, user,
};
use crate::{Store, StoreError};

const MAGIC: &str = "waymark-backup-1";

/// Every table's rows. Sessions and sign-in failures are not kept: a restored service
/// starts with everyone signed out.
#[derive(Serialize, Deserialize, Default)]
struct Tables {
    agencies: Vec<agency::Model>,
    maracs: Vec<marac::Model>,
    #[serde(default)]
    teams: Vec<team::Model>,
    users: Vec<user::Model>,
    recovery_codes: Vec<recovery_code::Model>,
    people: Vec<person::Model>,
    #[serde(default)]
    person_matches: Vec<person_match::Model>,
    cases: Vec<case::Model>,
    case_people: Vec<case_person::Model>,
    case_exclusions: Vec<case_exclusion::Model>,
    #[serde(default)]
    break_glass_grants: Vec<break_glass_grant::Model>,
    referrals: Vec<referral::Model>,
    dash_assessments: Vec<dash_assessment::Model>,
    marac_referrals: Vec<marac_referral::Model>,
    #[serde(default)]
    marac_members: Vec<marac_member::Model>,
    #[serde(default)]
    marac_meetings: Vec<marac_meeting::Model>,
    #[serde(default)]
    marac_hearings: Vec<marac_hearing::Model>,
    #[serde(default)]
    marac_research: Vec<marac_research::Model>,
    #[serde(default)]
    marac_attendance: Vec<marac_attendance::Model>,
    #[serde(default)]
    marac_confidentiality: Vec<marac_confidentiality::Model>,
    #[serde(default)]
    marac_actions: Vec<marac_action::Model>,
    #[serde(default)]
    case_contacts: Vec<case_contact::Model>,
    #[serde(default)]
    case_interventions: Vec<case_intervention::Model>,
    #[serde(default)]
    safety_plans: Vec<safety_plan::Model>,
    #[serde(default)]
    case_measures: Vec<case_measure::Model>,
    #[serde(default)]
    case_reference_counters: Vec<case_reference_counter::Model>,
    audit_events: Vec<audit_event::Model>,
    audit_head: Vec<audit_head::Model>,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    created_at: time::OffsetDateTime,
    tables: Tables,
}

/// What a backup or restore moved, table by table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupSummary {
    pub rows: Vec<(&'static str, usize)>,
}

impl BackupSummary {
    pub fn total(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

fn summary(t: &Tables) -> BackupSummary {
    BackupSummary {
        rows: vec![
            ("agencies", t.agencies.len()),
            ("maracs", t.maracs.len()),
            ("teams", t.teams.len()),
            ("users", t.users.len()),
            ("recovery_codes", t.recovery_codes.len()),
            ("people", t.people.len()),
            ("person_matches", t.person_matches.len()),
            ("cases", t.cases.len()),
            ("case_people", t.case_people.len()),
            ("case_exclusions", t.case_exclusions.len()),
            ("break_glass_grants", t.break_glass_grants.len()),
            ("referrals", t.referrals.len()),
            ("dash_assessments", t.dash_assessments.len()),
            ("marac_referrals", t.marac_referrals.len()),
            ("marac_members", t.marac_members.len()),
            ("marac_meetings", t.marac_meetings.len()),
            ("marac_hearings", t.marac_hearings.len()),
            ("marac_research", t.marac_research.len()),
            ("marac_attendance", t.marac_attendance.len()),
            ("marac_confidentiality", t.marac_confidentiality.len()),
            ("marac_actions", t.marac_actions.len()),
            ("case_contacts", t.case_contacts.len()),
            ("case_interventions", t.case_interventions.len()),
            ("safety_plans", t.safety_plans.len()),
            ("case_measures", t.case_measures.len()),
            ("case_reference_counters", t.case_reference_counters.len()),
            ("audit_events", t.audit_events.len()),
        ],
    }
}

impl Store {
    /// Takes a backup: every table read in one transaction that holds the audit head
    /// lock, so no change can land half-way through; returns the sealed bytes.
    pub async fn backup(&self) -> Result<(Vec<u8>, BackupSummary), StoreError> {
        let tx = self.begin().await?;
        let c = tx.conn();
        let tables = Tables {
            agencies: agency::Entity::find().all(c).await?,
            maracs: marac::Entity::find().all(c).await?,
            teams: team::Entity::find().all(c).await?,
            users: user::Entity::find().all(c).await?,
            recovery_codes: recovery_code::Entity::find().all(c).await?,
            person_matches: person_match::Entity::find().all(c).await?,
            people: person::Entity::find().all(c).await?,
            cases: case::Entity::find().all(c).await?,
            case_people: case_person::Entity::find().all(c).await?,
            case_exclusions: case_exclusion::Entity::find().all(c).await?,
            break_glass_grants: break_glass_grant::Entity::find().all(c).await?,
            referrals: referral::Entity::find().all(c).await?,
            dash_assessments: dash_assessment::Entity::find().all(c).await?,
            marac_referrals: marac_referral::Entity::find().all(c).await?,
            marac_members: marac_member::Entity::find().all(c).await?,
            marac_meetings: marac_meeting::Entity::find().all(c).await?,
            marac_hearings: marac_hearing::Entity::find().all(c).await?,
            marac_research: marac_research::Entity::find().all(c).await?,
            marac_attendance: marac_attendance::Entity::find().all(c).await?,
            marac_confidentiality: marac_confidentiality::Entity::find().all(c).await?,
            marac_actions: marac_action::Entity::find().all(c).await?,
            case_contacts: case_contact::Entity::find().all(c).await?,
            case_interventions: case_intervention::Entity::find().all(c).await?,
            safety_plans: safety_plan::Entity::find().all(c).await?,
            case_measures: case_measure::Entity::find().all(c).await?,
            case_reference_counters: case_reference_counter::Entity::find().all(c).await?,
            audit_events: audit_event::Entity::find()
                .order_by_asc(audit_event::Column::Seq)
                .all(c)
                .await?,
            audit_head: audit_head::Entity::find().all(c).await?,
        };
        tx.commit().await?;
        let done = summary(&tables);
        let envelope = Envelope {
            format: MAGIC.into(),
            created_at: crate::now(),
            tables,
        };
        let json =
            serde_json::to_string(&envelope).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sealed = self.keys.seal(MAGIC, &json)?;
        Ok((sealed.into_bytes(), done))
    }

    /// Restores a backup into this store, which must be empty (freshly migrated). The
    /// backup is opened and checked before anything is written, and written in one
    /// transaction; the audit chain is verified afterwards.
    pub async fn restore(&self, bytes: &[u8]) -> Result<BackupSummary, StoreError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| StoreError::Invalid("not a Waymark backup".into()))?;
        if !text.starts_with("wm1:") {
            return Err(StoreError::Invalid("not a Waymark backup".into()));
        }
        let json = self.keys.open(MAGIC, text.trim()).map_err(|_| {
            StoreError::Invalid(
                "the backup cannot be opened: it was changed or damaged, or was made with a key that is not in the key file"
                    .into(),
            )
        })?;
        let envelope: Envelope = serde_json::from_str(&json)
            .map_err(|e| StoreError::Invalid(format!("the backup is not readable: {e}")))?;
        if envelope.format != MAGIC {
            return Err(StoreError::Invalid(format!(
                "unknown backup format {}",
                envelope.format
            )));
        }
        let t = envelope.tables;
        let tx = self.begin().await?;
        let c = tx.conn();
        let used = agency::Entity::find().count(c).await?
            + user::Entity::find().count(c).await?
            + case::Entity::find().count(c).await?
            + audit_event::Entity::find().count(c).await?;
        if used > 0 {
            return Err(StoreError::Invalid(
                "restore needs an empty database: this one already holds data".into(),
            ));
        }

        macro_rules! insert_all {
            ($rows:expr, $module:ident) => {
                for row in &$rows {
                    $module::ActiveModel::from(row.clone()).insert(c).await?;
                }
            };
        }
        insert_all!(t.agencies, agency);
        insert_all!(t.maracs, marac);
        insert_all!(t.teams, team);
        insert_all!(t.users, user);
        insert_all!(t.recovery_codes, recovery_code);
        insert_all!(t.people, person);
        insert_all!(t.person_matches, person_match);
        insert_all!(t.cases, case);
        insert_all!(t.case_people, case_person);
        insert_all!(t.case_exclusions, case_exclusion);
        insert_all!(t.break_glass_grants, break_glass_grant);
        insert_all!(t.referrals, referral);
        insert_all!(t.dash_assessments, dash_assessment);
        insert_all!(t.marac_referrals, marac_referral);
        insert_all!(t.marac_members, marac_member);
        insert_all!(t.marac_meetings, marac_meeting);
        insert_all!(t.marac_hearings, marac_hearing);
        insert_all!(t.marac_research, marac_research);
        insert_all!(t.marac_attendance, marac_attendance);
        insert_all!(t.marac_confidentiality, marac_confidentiality);
        insert_all!(t.marac_actions, marac_action);
        insert_all!(t.case_contacts, case_contact);
        insert_all!(t.case_interventions, case_intervention);
        insert_all!(t.safety_plans, safety_plan);
        insert_all!(t.case_measures, case_measure);
        insert_all!(t.case_reference_counters, case_reference_counter);
        insert_all!(t.audit_events, audit_event);
        for head in &t.audit_head {
            let mut am = audit_head::ActiveModel::from(head.clone());
            am.seq = sea_orm::Set(head.seq);
            am.hash = sea_orm::Set(head.hash.clone());
            am.update(c).await?;
        }
        tx.commit().await?;
        let done = summary(&t);
        match self.verify_audit_chain().await? {
            crate::audit::ChainCheck::Intact { .. } => Ok(done),
            crate::audit::ChainCheck::Broken { at_seq, problem } => Err(StoreError::Corrupt(
                format!("restored, but the audit chain is broken at row {at_seq}: {problem}"),
            )),
        }
    }
}
