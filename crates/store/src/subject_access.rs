//! Subject-access exports: everything Waymark holds about one person, and nothing about
//! anyone else. A victim's export includes their referral, safe contact details and Dash
//! assessments; a perpetrator's or a child's holds their own record and the cases they
//! appear in, never the victim's details (a perpetrator's export must never lead them to
//! the victim).
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{AuditEvent, Outcome};
use crate::entity::{case, case_person, dash_assessment, person, referral};
use crate::{StoreError, Tx};

/// A person found by name, to choose whose export to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonMatch {
    pub person_id: Uuid,
    pub role: String,
    pub case_reference: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SubjectAccessExport {
    pub generated_at: String,
    pub person: PersonRecord,
    pub cases: Vec<CaseRecord>,
    pub withheld: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct PersonRecord {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseRecord {
    pub reference: String,
    pub role: String,
    pub relationship: Option<String>,
    pub lives_with: Option<String>,
    pub opened_on: String,
    /// Only in a victim's own export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<serde_json::Value>,
    /// Only in a victim's own export.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dash_assessments: Vec<serde_json::Value>,
    /// Where the victim lives, her refuge and GP: only in her own export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whereabouts: Option<waymark_domain::whereabouts::Whereabouts>,
}

impl Tx {
    /// People whose full name matches (ignoring case and surrounding spaces).
    pub async fn find_people_by_name(
        &self,
        full_name: &str,
    ) -> Result<Vec<PersonMatch>, StoreError> {
        let wanted = full_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let mut out = Vec::new();
        // Names are sealed, so the search opens them here rather than in SQL.
        for p in person::Entity::find().all(self.conn()).await? {
            let given = self.open("people.given_name", p.id, &p.given_name)?;
            let family = self.open("people.family_name", p.id, &p.family_name)?;
            if format!("{given} {family}").to_lowercase() != wanted {
                continue;
            }
            for link in case_person::Entity::find()
                .filter(case_person::Column::PersonId.eq(p.id))
                .all(self.conn())
                .await?
            {
                let reference = case::Entity::find_by_id(link.case_id)
                    .one(self.conn())
                    .await?
                    .map(|c| c.reference)
                    .unwrap_or_default();
                out.push(PersonMatch {
                    person_id: p.id,
                    role: link.role,
                    case_reference: reference,
                });
            }
        }
        Ok(out)
    }

    /// The export for one person; audited.
    pub async fn subject_access(
        &self,
        person_id: Uuid,
    ) -> Result<Option<SubjectAccessExport>, StoreError> {
        let Some(p) = person::Entity::find_by_id(person_id)
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let record = PersonRecord {
            given_name: self.open("people.given_name", p.id, &p.given_name)?,
            family_name: self.open("people.family_name", p.id, &p.family_name)?,
            date_of_birth: self.open_opt(
                "people.date_of_birth",
                p.id,
                p.date_of_birth.as_deref(),
            )?,
            gender: p.gender.clone(),
        };
        let mut cases = Vec::new();
        for link in case_person::Entity::find()
            .filter(case_person::Column::PersonId.eq(p.id))
            .all(self.conn())
            .await?
        {
            let Some(c) = case::Entity::find_by_id(link.case_id)
                .one(self.conn())
                .await?
            else {
                continue;
            };
            let mut record = CaseRecord {
                reference: c.reference.clone(),
                role: link.role.clone(),
                relationship: link.relationship.clone(),
                lives_with: link.lives_with.clone(),
                opened_on: c.created_at.date().to_string(),
                referral: None,
                dash_assessments: Vec::new(),
                whereabouts: None,
            };
            if link.role == "victim" {
                let w = self.whereabouts_of(&c)?;
                record.whereabouts = (!w.is_empty()).then_some(w);
                if let Some(r) = referral::Entity::find()
                    .filter(referral::Column::CaseId.eq(c.id))
                    .one(self.conn())
                    .await?
                {
                    record.referral = Some(serde_json::json!({
                        "referred_on": r.referred_on.to_string(),
                        "route": r.route,
                        "consent": r.consent,
                        "consent_reason": self.open_opt("referrals.consent_reason", r.id, r.consent_reason.as_deref())?,
                        "victim_aware": r.victim_aware,
                        "reason": self.open_opt("referrals.reason", r.id, r.reason.as_deref())?,
                        "safe_phone": self.open_opt("referrals.safe_phone", r.id, r.safe_phone.as_deref())?,
                        "safe_times": self.open_opt("referrals.safe_times", r.id, r.safe_times.as_deref())?,
                        "voicemail_safe": r.voicemail_safe,
                        "post_safe": r.post_safe,
                    }));
                }
                for a in dash_assessment::Entity::find()
                    .filter(dash_assessment::Column::CaseId.eq(c.id))
                    .all(self.conn())
                    .await?
                {
                    let details = self.open("dash_assessments.details", a.id, &a.details)?;
                    record.dash_assessments.push(serde_json::json!({
                        "assessed_on": a.assessed_on.to_string(),
                        "instrument": a.instrument_id,
                        "answers": serde_json::from_str::<serde_json::Value>(&a.answers).unwrap_or_default(),
                        "details": serde_json::from_str::<serde_json::Value>(&details).unwrap_or_default(),
                        "abuse_incidents_last_12_months": a.abuse_incidents,
                        "professional_judgement": self.open_opt(
                            "dash_assessments.professional_judgement_reason",
                            a.id,
                            a.professional_judgement_reason.as_deref(),
                        )?,
                        "risk_level": a.risk_level,
                        "refer_to_marac": a.refer_to_marac,
                    }));
                }
            }
            cases.push(record);
        }
        self.audit(AuditEvent {
            actor: None,
            action: "person.subject_access_export",
            object_type: "person",
            object_id: Some(person_id.to_string()),
            outcome: Outcome::Allowed,
            request_id: Some("cli".into()),
        })
        .await?;
        Ok(Some(SubjectAccessExport {
            generated_at: crate::now().date().to_string(),
            person: record,
            cases,
            withheld: "Details of other people in these cases are withheld (third-party data).",
        }))
    }
}
