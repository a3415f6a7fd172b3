//! Retention review dates. No national retention period exists for Idva or Marac records,
//! so each service sets its own, counted in calendar months from a case's last activity.

use time::Date;

use crate::calendar::add_months;

/// Where a case stands against the service's retention schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetentionStatus {
    /// On legal hold: never deleted until the hold is released.
    LegalHold,
    /// Still open (or waiting for allocation): never deleted; listed for review once quiet
    /// for longer than the schedule.
    Open { review_from: Date },
    /// Closed: deleted by `waymark retention run` from this date unless it is touched again.
    Closed { delete_from: Date },
}

/// The date a case becomes due under a schedule of `months` months from `last_activity`
/// (the same day of the month, or the month's last day when it has no such day).
pub fn due_on(last_activity: Date, months: u32) -> Date {
    add_months(last_activity, months)
}

/// A case's retention status.
pub fn status(last_activity: Date, months: u32, closed: bool, legal_hold: bool) -> RetentionStatus {
    let on = due_on(last_activity, months);
    match (legal_hold, closed) {
        (true, _) => RetentionStatus::LegalHold,
        (false, false) => RetentionStatus::Open { review_from: on },
        (false, true) => RetentionStatus::Closed { delete_from: on },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn due_dates_count_calendar_months() {
        assert_eq!(due_on(date!(2026 - 11 - 25), 72), date!(2032 - 11 - 25));
        assert_eq!(due_on(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(due_on(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
    }

    #[test]
    fn holds_and_open_cases_are_never_deleted() {
        let d = date!(2026 - 01 - 10);
        assert_eq!(status(d, 6, true, true), RetentionStatus::LegalHold);
        assert_eq!(
            status(d, 6, false, false),
            RetentionStatus::Open {
                review_from: date!(2026 - 07 - 10)
            }
        );
        assert_eq!(
            status(d, 6, true, false),
            RetentionStatus::Closed {
                delete_from: date!(2026 - 07 - 10)
            }
        );
    }
}
