//! The audit trail: every read and change of a case, every sign-in and every
//! authorisation refusal writes a row in the same transaction as the work itself.
//! Rows form a hash chain (each row's hash covers the previous row's hash), so that
//! `waymark audit verify` detects an edited, deleted, reordered or truncated row.
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use waymark_domain::role::Role;

use crate::entity::{audit_event, audit_head};
use crate::{Store, StoreError, Tx};

/// The hash the chain starts from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted, as they were at the time: their agency and role are recorded with the row,
/// so a later change of role does not rewrite history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditActor {
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub role: Role,
}

/// What happened. Object ids are opaque identifiers, never names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: Option<AuditActor>,
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: Option<String>,
    pub outcome: Outcome,
    pub request_id: Option<String>,
}

/// Whether the audited action was allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// A stored audit row, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: time::OffsetDateTime,
    pub actor_user_id: Option<Uuid>,
    pub actor_agency_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub outcome: String,
}

pub(crate) async fn lock_head(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    // A no-op update takes the row lock (PostgreSQL) or the write lock (SQLite) before
    // the transaction reads anything, so concurrent requests queue here instead of
    // failing half-way through.
    let stmt = Query::update()
        .table(audit_head::Entity)
        .value(audit_head::Column::Seq, Expr::col(audit_head::Column::Seq))
        .and_where(audit_head::Column::Id.eq(1))
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

fn row_hash(prev_hash: &str, seq: i64, m: &audit_event::Model) -> Result<String, StoreError> {
    let occurred = m
        .occurred_at
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("audit time: {e}")))?;
    let fields = serde_json::json!([
        prev_hash,
        seq,
        occurred,
        m.actor_user_id.map(|u| u.to_string()),
        m.actor_agency_id.map(|u| u.to_string()),
        m.actor_role,
        m.action,
        m.object_type,
        m.object_id,
        m.outcome,
        m.request_id,
    ]);
    let mut h = Sha256::new();
    h.update(fields.to_string().as_bytes());
    Ok(hex::encode(h.finalize()))
}

impl Tx {
    /// Appends one audit row to the chain in this transaction.
    pub async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        let head = audit_head::Entity::find_by_id(1)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::Corrupt("audit head row missing".into()))?;
        let seq = head.seq + 1;
        let mut model = audit_event::Model {
            seq,
            occurred_at: crate::now(),
            actor_user_id: event.actor.as_ref().map(|a| a.user_id),
            actor_agency_id: event.actor.as_ref().map(|a| a.agency_id),
            actor_role: event.actor.as_ref().map(|a| a.role.as_str().to_owned()),
            action: event.action.to_owned(),
            object_type: event.object_type.to_owned(),
            object_id: event.object_id,
            outcome: event.outcome.as_str().to_owned(),
            request_id: event.request_id,
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        model.hash = row_hash(&head.hash, seq, &model)?;
        let hash = model.hash.clone();
        audit_event::ActiveModel::from(model)
            .insert(self.conn())
            .await?;
        audit_head::ActiveModel {
            id: Set(1),
            seq: Set(seq),
            hash: Set(hash),
        }
        .update(self.conn())
        .await?;
        Ok(())
    }
}

/// The result of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainCheck {
    Intact { rows: u64 },
    Broken { at_seq: i64, problem: String },
}

impl Store {
    /// Recomputes every hash from the first row and compares with the stored head.
    pub async fn verify_audit_chain(&self) -> Result<ChainCheck, StoreError> {
        let rows = audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Seq)
            .all(self.connection())
            .await?;
        let head = audit_head::Entity::find_by_id(1)
            .one(self.connection())
            .await?
            .ok_or_else(|| StoreError::Corrupt("audit head row missing".into()))?;
        let mut prev = GENESIS_HASH.to_owned();
        let mut expected_seq = 1;
        for row in &rows {
            if row.seq != expected_seq {
                return Ok(ChainCheck::Broken {
                    at_seq: row.seq,
                    problem: format!(
                        "expected row {expected_seq}: a row is missing or out of order"
                    ),
                });
            }
            if row.prev_hash != prev {
                return Ok(ChainCheck::Broken {
                    at_seq: row.seq,
                    problem: "link to the previous row does not match".into(),
                });
            }
            if row_hash(&prev, row.seq, row)? != row.hash {
                return Ok(ChainCheck::Broken {
                    at_seq: row.seq,
                    problem: "row content does not match its hash".into(),
                });
            }
            prev = row.hash.clone();
            expected_seq += 1;
        }
        if head.seq != expected_seq - 1 || head.hash != prev {
            return Ok(ChainCheck::Broken {
                at_seq: expected_seq,
                problem:
                    "the chain is shorter than its recorded head: rows were removed from the end"
                        .into(),
            });
        }
        Ok(ChainCheck::Intact {
            rows: rows.len() as u64,
        })
    }

    /// The most recent audit rows, newest first (for tests and the admin view).
    pub async fn recent_audit(&self, limit: u64) -> Result<Vec<AuditRow>, StoreError> {
        use sea_orm::QuerySelect;
        let rows = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Seq)
            .limit(limit)
            .all(self.connection())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRow {
                seq: r.seq,
                occurred_at: r.occurred_at,
                actor_user_id: r.actor_user_id,
                actor_agency_id: r.actor_agency_id,
                actor_role: r.actor_role,
                action: r.action,
                object_type: r.object_type,
                object_id: r.object_id,
                outcome: r.outcome,
            })
            .collect())
    }
}

/// One line of a case's access log, for its staff to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub at: time::OffsetDateTime,
    pub user_name: Option<String>,
    pub agency_name: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub outcome: String,
}

impl Tx {
    /// Who has read, changed or been refused a case, newest first (at most `limit` rows).
    /// The caller must already have checked that the actor may see the case's log.
    pub(crate) async fn access_log_rows(
        &self,
        case_id: uuid::Uuid,
        limit: u64,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        use sea_orm::{QueryFilter, QuerySelect};
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::ObjectType.eq("case"))
            .filter(audit_event::Column::ObjectId.eq(case_id.to_string()))
            .order_by_desc(audit_event::Column::Seq)
            .limit(limit)
            .all(self.conn())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let user_name = match r.actor_user_id {
                Some(id) => self.user(id).await?.map(|u| u.display_name),
                None => None,
            };
            let agency_name = match r.actor_agency_id {
                Some(id) => self.agency(id).await?.map(|a| a.name),
                None => None,
            };
            out.push(AccessEntry {
                at: r.occurred_at,
                user_name,
                agency_name,
                role: r.actor_role,
                action: r.action,
                outcome: r.outcome,
            });
        }
        Ok(out)
    }
}
