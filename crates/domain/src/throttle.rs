//! Sign-in throttling: how long someone must wait before another sign-in attempt, from
//! the failures recorded in the last few minutes. Growing delays and a sliding window
//! rather than a lockout, so that nobody can lock a worker out for good by typing wrong
//! passwords at their account.
use time::{Duration, OffsetDateTime};

/// The limits. `Default` gives the values Waymark runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// At most this many failed attempts per account per window.
    pub max_per_account: u32,
    /// At most this many failed attempts from one network address per window.
    pub max_per_address: u32,
    /// Failures allowed before delays begin.
    pub free_failures: u32,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: Duration::minutes(5),
            max_per_account: 10,
            max_per_address: 100,
            free_failures: 3,
            max_delay: Duration::seconds(60),
        }
    }
}

/// The failures recorded for one key (an account or an address) within the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub latest: Option<OffsetDateTime>,
}

/// Whether an attempt may go ahead now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Refused without checking the password; try again after this long.
    Wait(Duration),
}

impl ThrottlePolicy {
    /// The delay owed after `failures` consecutive failures: none for the first few, then
    /// doubling from one second up to `max_delay`.
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures <= self.free_failures {
            return Duration::ZERO;
        }
        let exponent = (failures - self.free_failures - 1).min(16);
        let seconds = 1i64 << exponent;
        Duration::seconds(seconds).min(self.max_delay)
    }

    /// Decides one attempt from the account's and the address's recent failures.
    pub fn check(&self, account: Failures, address: Failures, now: OffsetDateTime) -> Verdict {
        let window_wait = |f: Failures, max: u32| {
            (f.count >= max).then(|| {
                f.latest
                    .map(|t| t + self.window - now)
                    .unwrap_or(self.window)
            })
        };
        let mut wait = Duration::ZERO;
        if let Some(w) = window_wait(account, self.max_per_account) {
            wait = wait.max(w);
        }
        if let Some(w) = window_wait(address, self.max_per_address) {
            wait = wait.max(w);
        }
        if let Some(latest) = account.latest {
            wait = wait.max(latest + self.delay_after(account.count) - now);
        }
        if wait > Duration::ZERO {
            // Whole seconds, rounded up, so the message never says "0 seconds".
            let secs = wait.whole_seconds() + i64::from(wait.subsec_nanoseconds() > 0);
            Verdict::Wait(Duration::seconds(secs.max(1)))
        } else {
            Verdict::Allow
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn failures(count: u32, seconds_ago: i64) -> Failures {
        Failures {
            count,
            latest: Some(NOW - Duration::seconds(seconds_ago)),
        }
    }

    const NONE: Failures = Failures {
        count: 0,
        latest: None,
    };

    #[test]
    fn the_first_failures_cost_nothing_then_delays_double() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.delay_after(0), Duration::ZERO);
        assert_eq!(p.delay_after(3), Duration::ZERO);
        assert_eq!(p.delay_after(4), Duration::seconds(1));
        assert_eq!(p.delay_after(5), Duration::seconds(2));
        assert_eq!(p.delay_after(9), Duration::seconds(32));
        assert_eq!(p.delay_after(10), Duration::seconds(60));
        assert_eq!(p.delay_after(1000), Duration::seconds(60));
    }

    #[test]
    fn a_delay_is_owed_from_the_latest_failure() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.check(failures(3, 0), NONE, NOW), Verdict::Allow);
        assert_eq!(
            p.check(failures(5, 0), NONE, NOW),
            Verdict::Wait(Duration::seconds(2))
        );
        assert_eq!(
            p.check(failures(5, 1), NONE, NOW),
            Verdict::Wait(Duration::seconds(1))
        );
        assert_eq!(p.check(failures(5, 2), NONE, NOW), Verdict::Allow);
    }

    #[test]
    fn ten_failures_in_five_minutes_stop_attempts_until_the_window_slides() {
        let p = ThrottlePolicy::default();
        // Nine failures, the last 61 seconds ago: the delay has passed, one more try.
        assert_eq!(p.check(failures(9, 61), NONE, NOW), Verdict::Allow);
        // Ten: wait until the latest failure leaves the window.
        assert_eq!(
            p.check(failures(10, 61), NONE, NOW),
            Verdict::Wait(Duration::seconds(239))
        );
        assert_eq!(
            p.check(failures(10, 299), NONE, NOW),
            Verdict::Wait(Duration::seconds(1))
        );
        // Not a permanent lockout: once outside the window the failures no longer count.
        assert_eq!(p.check(NONE, NONE, NOW), Verdict::Allow);
    }

    #[test]
    fn an_address_making_many_failures_is_slowed_across_accounts() {
        let p = ThrottlePolicy::default();
        assert_eq!(p.check(NONE, failures(99, 0), NOW), Verdict::Allow);
        assert_eq!(
            p.check(NONE, failures(100, 10), NOW),
            Verdict::Wait(Duration::seconds(290))
        );
    }
}
