//! Keeping every sensitive field sealed with the active key: values written before
//! sealing existed are sealed when the server starts, and `waymark key rotate` re-seals
//! everything with a new key.
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use uuid::Uuid;

use crate::{Store, StoreError};

/// Every sealed column, as (table, column). The seal's context is `table.column:id`.
pub const SEALED_FIELDS: &[(&str, &str)] = &[
    ("people", "given_name"),
    ("people", "family_name"),
    ("people", "date_of_birth"),
    ("case_people", "school"),
    ("case_people", "relationship_note"),
    ("referrals", "consent_reason"),
    ("referrals", "reason"),
    ("referrals", "safe_phone"),
    ("referrals", "safe_times"),
    ("dash_assessments", "details"),
    ("dash_assessments", "professional_judgement_reason"),
    ("case_exclusions", "reason"),
    ("break_glass_grants", "reason"),
    ("cases", "legal_hold_reason"),
    ("cases", "closure_detail"),
    ("cases", "exit_not_taken_reason"),
    ("cases", "closure_risk_reason"),
    ("cases", "current_address"),
    ("cases", "current_postcode"),
    ("cases", "refuge"),
    ("cases", "gp_practice"),
    ("case_contacts", "note"),
    ("case_interventions", "note"),
    ("safety_plans", "plan"),
    ("case_measures", "answers"),
    ("marac_referrals", "details"),
    ("marac_referrals", "returned_reason"),
    ("marac_referrals", "transfer_reason"),
    ("marac_hearings", "discussion"),
    ("marac_hearings", "risks"),
    ("marac_hearings", "decision"),
    ("marac_research", "research"),
    ("marac_actions", "action"),
    ("marac_actions", "status_note"),
    ("users", "totp_secret"),
];

/// Which values to re-seal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reseal {
    /// Only values that are not sealed at all (written before sealing existed).
    Plaintext,
    /// Every value not sealed with the active key (after a key rotation).
    NotCurrent,
}

impl Store {
    /// Re-seals values in one transaction; returns how many were rewritten.
    pub async fn reseal(&self, which: Reseal) -> Result<u64, StoreError> {
        let tx = self.begin().await?;
        let mut rewritten = 0;
        for (table, column) in SEALED_FIELDS {
            let select = Query::select()
                .column(Alias::new("id"))
                .column(Alias::new(*column))
                .from(Alias::new(*table))
                .and_where(Expr::col(Alias::new(*column)).is_not_null())
                .to_owned();
            let rows = tx.conn().query_all(&select).await?;
            for row in rows {
                let id: Uuid = row.try_get("", "id")?;
                let stored: String = row.try_get("", column)?;
                let needed = match which {
                    Reseal::Plaintext => !stored.starts_with("wm1:"),
                    Reseal::NotCurrent => !self.keys.is_current(&stored),
                };
                if !needed {
                    continue;
                }
                let field = format!("{table}.{column}");
                let plain = tx.open(&field, id, &stored)?;
                let sealed = tx.seal(&field, id, &plain)?;
                let update = Query::update()
                    .table(Alias::new(*table))
                    .value(Alias::new(*column), sealed)
                    .and_where(Expr::col(Alias::new("id")).eq(id))
                    .to_owned();
                tx.conn().execute(&update).await?;
                rewritten += 1;
            }
        }
        tx.commit().await?;
        Ok(rewritten)
    }
}
