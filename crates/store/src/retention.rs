//! Retention: there is no national retention period for Idva or Marac records, so each
//! service sets its own schedule. A case whose last activity is older than the schedule is
//! due for review; an open case is only ever listed for review, never deleted; `waymark retention run` deletes due cases that are not under legal hold,
//! everywhere (people, referral, assessments, Marac referrals, exclusions, emergency grants),
//! and leaves a content-free audit tombstone.
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::audit::{AuditEvent, Outcome};
use crate::entity::{
    break_glass_grant, case, case_contact, case_exclusion, case_intervention, case_measure,
    case_person, dash_assessment, marac_action, marac_hearing, marac_referral, marac_research,
    person, person_match, referral, safety_plan,
};
use crate::{StoreError, Tx};

/// A service's retention schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionSchedule {
    /// Months after a case's last activity before it is deleted.
    pub case_months: u32,
}

/// A case due for deletion, or held back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueCase {
    pub id: Uuid,
    pub reference: String,
    pub last_activity: time::OffsetDateTime,
    pub on_legal_hold: bool,
    /// The case is still open (or waiting for allocation): it is kept and listed for review,
    /// never deleted, however long it has been quiet.
    pub still_open: bool,
}

/// The last moment of activity that keeps a case under `schedule` at `now`.
fn cutoff(schedule: RetentionSchedule, now: time::OffsetDateTime) -> time::OffsetDateTime {
    let months = i64::from(schedule.case_months);
    // Calendar months, counted on the date; the time of day is kept.
    let total = i64::from(now.year()) * 12 + i64::from(u8::from(now.month())) - 1 - months;
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MIN);
    let month = u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1);
    let month = time::Month::try_from(month).unwrap_or(time::Month::January);
    let day = now.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|d| now.replace_date(d))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

impl Tx {
    /// Cases whose last activity is older than the schedule, oldest first.
    pub async fn cases_due_for_deletion(
        &self,
        schedule: RetentionSchedule,
        now: time::OffsetDateTime,
    ) -> Result<Vec<DueCase>, StoreError> {
        Ok(case::Entity::find()
            .filter(case::Column::UpdatedAt.lt(cutoff(schedule, now)))
            .order_by_asc(case::Column::UpdatedAt)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|c| DueCase {
                id: c.id,
                reference: c.reference,
                last_activity: c.updated_at,
                on_legal_hold: c.legal_hold_reason.is_some(),
                still_open: c.status != "closed",
            })
            .collect())
    }

    /// Puts a case under legal hold (or releases it with `None`), by reference.
    pub async fn set_legal_hold(
        &self,
        reference: &str,
        reason: Option<&str>,
    ) -> Result<Option<Uuid>, StoreError> {
        let Some(c) = case::Entity::find()
            .filter(case::Column::Reference.eq(reference.trim().to_uppercase()))
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let sealed = self.seal_opt("cases.legal_hold_reason", c.id, reason)?;
        case::Entity::update_many()
            .col_expr(case::Column::LegalHoldReason, Expr::value(sealed))
            .filter(case::Column::Id.eq(c.id))
            .exec(self.conn())
            .await?;
        self.audit(AuditEvent {
            actor: None,
            action: if reason.is_some() {
                "case.legal_hold"
            } else {
                "case.legal_hold_released"
            },
            object_type: "case",
            object_id: Some(c.id.to_string()),
            outcome: Outcome::Allowed,
            request_id: Some("cli".into()),
        })
        .await?;
        Ok(Some(c.id))
    }

    /// Deletes one case and everything recorded for it, leaving an audit tombstone that
    /// holds only the case id. Refuses a case under legal hold.
    pub async fn delete_case_for_retention(&self, case_id: Uuid) -> Result<bool, StoreError> {
        let Some(c) = case::Entity::find_by_id(case_id).one(self.conn()).await? else {
            return Ok(false);
        };
        if c.legal_hold_reason.is_some() || c.status != "closed" {
            return Ok(false);
        }
        let people: Vec<Uuid> = case_person::Entity::find()
            .filter(case_person::Column::CaseId.eq(case_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|l| l.person_id)
            .collect();
        case_contact::Entity::delete_many()
            .filter(case_contact::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        case_intervention::Entity::delete_many()
            .filter(case_intervention::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        safety_plan::Entity::delete_many()
            .filter(safety_plan::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        case_measure::Entity::delete_many()
            .filter(case_measure::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        marac_action::Entity::delete_many()
            .filter(marac_action::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        marac_research::Entity::delete_many()
            .filter(marac_research::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        marac_hearing::Entity::delete_many()
            .filter(marac_hearing::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        marac_referral::Entity::delete_many()
            .filter(marac_referral::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        dash_assessment::Entity::delete_many()
            .filter(dash_assessment::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        referral::Entity::delete_many()
            .filter(referral::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        case_exclusion::Entity::delete_many()
            .filter(case_exclusion::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        break_glass_grant::Entity::delete_many()
            .filter(break_glass_grant::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        case_person::Entity::delete_many()
            .filter(case_person::Column::CaseId.eq(case_id))
            .exec(self.conn())
            .await?;
        // A case's people go with it, unless another case (a repeat) still names them.
        let still_named: Vec<Uuid> = case_person::Entity::find()
            .filter(case_person::Column::PersonId.is_in(people.clone()))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|l| l.person_id)
            .collect();
        let people: Vec<Uuid> = people
            .into_iter()
            .filter(|p| !still_named.contains(p))
            .collect();
        if !people.is_empty() {
            // Decisions about a deleted person's possible matches go with them.
            for col in [person_match::Column::PersonA, person_match::Column::PersonB] {
                person_match::Entity::delete_many()
                    .filter(col.is_in(people.iter().copied()))
                    .exec(self.conn())
                    .await?;
            }
            person::Entity::delete_many()
                .filter(person::Column::Id.is_in(people))
                .exec(self.conn())
                .await?;
        }
        case::Entity::delete_by_id(case_id)
            .exec(self.conn())
            .await?;
        self.audit(AuditEvent {
            actor: None,
            action: "case.deleted_by_retention",
            object_type: "case",
            object_id: Some(case_id.to_string()),
            outcome: Outcome::Allowed,
            request_id: Some("retention".into()),
        })
        .await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_cutoff_counts_calendar_months() {
        let s = RetentionSchedule { case_months: 12 };
        assert_eq!(
            cutoff(s, datetime!(2026-11-25 10:00 UTC)),
            datetime!(2025-11-25 10:00 UTC)
        );
        let s = RetentionSchedule { case_months: 72 };
        assert_eq!(
            cutoff(s, datetime!(2026-03-31 08:00 UTC)),
            datetime!(2020-03-31 08:00 UTC)
        );
        let s = RetentionSchedule { case_months: 1 };
        assert_eq!(
            cutoff(s, datetime!(2026-03-31 08:00 UTC)),
            datetime!(2026-02-28 08:00 UTC)
        );
        assert_eq!(
            cutoff(s, datetime!(2026-01-15 08:00 UTC)),
            datetime!(2025-12-15 08:00 UTC)
        );
    }
}
