//! The data protection officer's tools: a case's access log, found by its reference, and
//! everything one member of their agency's staff has opened, changed or been refused.
//! Neither shows case content, and a case that excludes the officer is left out of both,
//! as it is everywhere.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;
use waymark_domain::access;

use crate::Tx;
use crate::audit::{AuditEvent, Outcome};
use crate::cases::{CaseError, facts};
use crate::entity::{audit_event, case};
use crate::users::User;

/// How many of a person's audit rows the review shows, newest first.
pub const ACTIVITY_LIMIT: u64 = 500;

/// One thing a member of staff did, as the data protection officer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRow {
    pub at: time::OffsetDateTime,
    pub action: String,
    pub outcome: String,
    /// What the row was about.
    pub object: ActivityObject,
}

/// The object of an activity row, told without case content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivityObject {
    /// A case the officer's agency holds: its id (for its access log) and reference.
    OwnCase { id: Uuid, reference: String },
    /// A case another agency holds: which agency, never the case.
    OtherAgencysCase { agency: String },
    /// A case id that names no case (never existed, or deleted by retention).
    NoSuchCase,
    /// Anything else (a sign-in, a Marac meeting, an account): its kind.
    Other { object_type: String },
}

/// A member of staff's activity, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffActivity {
    pub user: User,
    pub rows: Vec<ActivityRow>,
    /// More rows exist than [`ACTIVITY_LIMIT`].
    pub truncated: bool,
}

impl Tx {
    /// The staff of the officer's agency, for the review page, audited as
    /// `data_protection.open`. Any other role is refused (`Forbidden`, audited too).
    pub async fn staff_for_review(
        &self,
        actor: &User,
        request_id: Option<String>,
    ) -> Result<Vec<User>, CaseError> {
        let allowed = access::can_review_access(&actor.actor());
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "data_protection.open",
            object_type: "agency",
            object_id: allowed.then(|| actor.agency_id.to_string()),
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
        Ok(self.agency_users(actor.agency_id).await?)
    }

    /// Finds the case whose access log the officer asks for by its reference. A reference
    /// that names no case, another agency's case and a case that excludes the officer all
    /// give the same `NotFound`; each attempt is audited.
    pub async fn case_for_access_review(
        &self,
        actor: &User,
        reference: &str,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        let who = actor.actor();
        let event = |object_id: Option<String>, outcome| AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "data_protection.find_case",
            object_type: "case",
            object_id,
            outcome,
            request_id: request_id.clone(),
        };
        if !access::can_review_access(&who) {
            self.audit(event(None, Outcome::Denied)).await?;
            return Err(CaseError::Forbidden);
        }
        let found = case::Entity::find()
            .filter(case::Column::Reference.eq(reference.trim().to_uppercase()))
            .one(self.conn())
            .await?;
        let Some(c) = found else {
            self.audit(event(None, Outcome::Denied)).await?;
            return Err(CaseError::NotFound);
        };
        let exclusions = self.exclusion_rows(&[c.id]).await?;
        let allowed = access::can_see_access_log(&who, &facts(&c, &exclusions, &[]));
        let outcome = if allowed {
            Outcome::Allowed
        } else {
            Outcome::Denied
        };
        self.audit(event(Some(c.id.to_string()), outcome)).await?;
        if allowed {
            Ok(c.id)
        } else {
            Err(CaseError::NotFound)
        }
    }

    /// Everything a member of staff has opened, changed or been refused, newest first, for
    /// their own agency's data protection officer. Anyone else, or another agency's member
    /// of staff, gives `NotFound` (a role that may never review gives `Forbidden`); every
    /// attempt is audited with the member of staff as its object.
    pub async fn staff_activity(
        &self,
        actor: &User,
        user_id: Uuid,
        request_id: Option<String>,
    ) -> Result<StaffActivity, CaseError> {
        let who = actor.actor();
        let target = self.user(user_id).await?;
        let may_review = access::can_review_access(&who);
        let permitted = may_review
            && target
                .as_ref()
                .is_some_and(|u| access::can_review_staff(&who, &u.agency_id.to_string()));
        self.audit(AuditEvent {
            actor: Some(actor.audit_actor()),
            action: "data_protection.staff_activity",
            object_type: "user",
            object_id: may_review.then(|| user_id.to_string()),
            outcome: if permitted {
                Outcome::Allowed
            } else {
                Outcome::Denied
            },
            request_id,
        })
        .await?;
        let user = match target {
            Some(u) if permitted => u,
            _ if !may_review => return Err(CaseError::Forbidden),
            _ => return Err(CaseError::NotFound),
        };
        let mut events = audit_event::Entity::find()
            .filter(audit_event::Column::ActorUserId.eq(user_id))
            .order_by_desc(audit_event::Column::Seq)
            .limit(ACTIVITY_LIMIT + 1)
            .all(self.conn())
            .await?;
        let truncated = events.len() as u64 > ACTIVITY_LIMIT;
        events.truncate(ACTIVITY_LIMIT as usize);

        let case_ids: Vec<Uuid> = events
            .iter()
            .filter(|e| e.object_type == "case")
            .filter_map(|e| e.object_id.as_deref().and_then(|s| Uuid::parse_str(s).ok()))
            .collect();
        let cases: HashMap<Uuid, case::Model> = if case_ids.is_empty() {
            HashMap::new()
        } else {
            case::Entity::find()
                .filter(case::Column::Id.is_in(case_ids.clone()))
                .all(self.conn())
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };
        let ids: Vec<Uuid> = cases.keys().copied().collect();
        let exclusions = self.exclusion_rows(&ids).await?;
        let mut agency_names: HashMap<Uuid, String> = HashMap::new();
        let mut rows = Vec::with_capacity(events.len());
        for e in events {
            let object = if e.object_type == "case" {
                match e
                    .object_id
                    .as_deref()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .and_then(|id| cases.get(&id))
                {
                    None => ActivityObject::NoSuchCase,
                    Some(c) => {
                        let f = facts(c, &exclusions, &[]);
                        if f.excludes(&who) {
                            // A case that excludes the officer is not theirs to know of.
                            continue;
                        }
                        if c.owning_agency_id == actor.agency_id {
                            ActivityObject::OwnCase {
                                id: c.id,
                                reference: c.reference.clone(),
                            }
                        } else {
                            let agency = match agency_names.get(&c.owning_agency_id) {
                                Some(n) => n.clone(),
                                None => {
                                    let n = self
                                        .agency(c.owning_agency_id)
                                        .await?
                                        .map(|a| a.name)
                                        .unwrap_or_default();
                                    agency_names.insert(c.owning_agency_id, n.clone());
                                    n
                                }
                            };
                            ActivityObject::OtherAgencysCase { agency }
                        }
                    }
                }
            } else {
                ActivityObject::Other {
                    object_type: e.object_type.clone(),
                }
            };
            rows.push(ActivityRow {
                at: e.occurred_at,
                action: e.action,
                outcome: e.outcome,
                object,
            });
        }
        Ok(StaffActivity {
            user,
            rows,
            truncated,
        })
    }
}
