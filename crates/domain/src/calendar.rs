//! Working days in England and Wales: weekends and bank holidays, for due dates that
//! services set in working days ("first contact within 2 working days").
//!
//! Bank holidays follow the standing rules (New Year's Day, Good Friday, Easter Monday,
//! the first and last Mondays of May, the last Monday of August, Christmas Day and Boxing
//! Day, each moved to the next weekday when it falls at a weekend) with the one-off
//! changes proclaimed since 2020 listed in [`ONE_OFF_CHANGES`].
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// A one-off change to the bank holidays of a year: a standing holiday moved, or an extra one.
#[derive(Clone, Copy, Debug)]
pub struct OneOff {
    /// The standing holiday that did not happen (if one was moved).
    pub removed: Option<(i32, Month, u8)>,
    /// The day that was a bank holiday instead, or as well.
    pub added: (i32, Month, u8),
}

/// Proclaimed changes to the standing rules since 2020.
pub const ONE_OFF_CHANGES: &[OneOff] = &[
    // VE Day 75: the early May holiday moved to Friday 8 May 2020.
    OneOff {
        removed: Some((2020, Month::May, 4)),
        added: (2020, Month::May, 8),
    },
    // Platinum Jubilee: the spring holiday moved to 2 June 2022, with 3 June added.
    OneOff {
        removed: Some((2022, Month::May, 30)),
        added: (2022, Month::June, 2),
    },
    OneOff {
        removed: None,
        added: (2022, Month::June, 3),
    },
    // The State Funeral of Queen Elizabeth II.
    OneOff {
        removed: None,
        added: (2022, Month::September, 19),
    },
    // The Coronation of King Charles III.
    OneOff {
        removed: None,
        added: (2023, Month::May, 8),
    },
];

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

fn date(y: i32, m: Month, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, m, d).ok()
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn first_monday(year: i32, month: Month) -> Option<Date> {
    let mut d = date(year, month, 1)?;
    while d.weekday() != Weekday::Monday {
        d = d.next_day()?;
    }
    Some(d)
}

fn last_monday(year: i32, month: Month) -> Option<Date> {
    let mut d = date(year, month, month.length(year))?;
    while d.weekday() != Weekday::Monday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// The bank holidays of England and Wales in one year, in date order.
pub fn bank_holidays(year: i32) -> Vec<Date> {
    let mut days: Vec<Date> = Vec::new();
    // New Year's Day, or the Monday after when it falls at a weekend.
    if let Some(mut d) = date(year, Month::January, 1) {
        while is_weekend(d) {
            match d.next_day() {
                Some(n) => d = n,
                None => break,
            }
        }
        days.push(d);
    }
    if let Some(easter) = easter_sunday(year) {
        days.push(easter - Duration::days(2));
        days.push(easter + Duration::days(1));
    }
    days.extend(first_monday(year, Month::May));
    days.extend(last_monday(year, Month::May));
    days.extend(last_monday(year, Month::August));
    // Christmas Day and Boxing Day; a holiday at a weekend moves to the next free weekday.
    for day in [25, 26] {
        if let Some(mut d) = date(year, Month::December, day) {
            while is_weekend(d) || days.contains(&d) {
                match d.next_day() {
                    Some(n) => d = n,
                    None => break,
                }
            }
            days.push(d);
        }
    }
    for change in ONE_OFF_CHANGES {
        if let Some((y, m, d)) = change.removed
            && y == year
            && let Some(removed) = date(y, m, d)
        {
            days.retain(|x| *x != removed);
        }
        let (y, m, d) = change.added;
        if y == year
            && let Some(added) = date(y, m, d)
        {
            days.push(added);
        }
    }
    days.sort();
    days.dedup();
    days
}

/// Whether a day is a working day: a weekday that is not a bank holiday.
pub fn is_working_day(d: Date) -> bool {
    !is_weekend(d) && !bank_holidays(d.year()).contains(&d)
}

/// The date `n` working days after `start` (the start day itself does not count).
pub fn add_working_days(start: Date, n: u32) -> Date {
    let mut d = start;
    let mut left = n;
    while left > 0 {
        match d.next_day() {
            Some(next) => d = next,
            None => return d,
        }
        if is_working_day(d) {
            left -= 1;
        }
    }
    d
}

/// Working days from `from` to `to`: how many working days after `from`, up to and
/// including `to`. Zero when `to` is on or before `from`.
pub fn working_days_between(from: Date, to: Date) -> u32 {
    let mut n: u32 = 0;
    let mut d = from;
    while d < to {
        match d.next_day() {
            Some(next) => d = next,
            None => break,
        }
        if is_working_day(d) {
            n = n.saturating_add(1);
        }
    }
    n
}

/// A date as the UK writes it in a sentence: "20 January 2027".
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// The same day `months` calendar months later, or the month's last day when it is shorter
/// (31 January + 1 month = 28 or 29 February).
pub fn add_months(d: Date, months: u32) -> Date {
    let total = i64::from(d.month() as u8) - 1 + i64::from(months);
    let year = i64::from(d.year()) + total.div_euclid(12);
    let month_index = total.rem_euclid(12) + 1;
    let (Ok(year), Ok(month_number)) = (i32::try_from(year), u8::try_from(month_index)) else {
        return d;
    };
    let Ok(month) = Month::try_from(month_number) else {
        return d;
    };
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(d)
}

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let last = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    let back = last.weekday().number_days_from_sunday();
    last.checked_sub(Duration::days(i64::from(back)))
}

/// Whether British Summer Time is in force at a moment: from 01:00 UTC on the last Sunday
/// of March to 01:00 UTC on the last Sunday of October.
pub fn is_bst(at: OffsetDateTime) -> bool {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    let starts = last_sunday(year, Month::March)
        .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT + Duration::hours(1)));
    let ends = last_sunday(year, Month::October)
        .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT + Duration::hours(1)));
    match (starts, ends) {
        (Some(s), Some(e)) => {
            let t = PrimitiveDateTime::new(at.date(), at.time());
            t >= s && t < e
        }
        _ => false,
    }
}

/// The UK's offset from UTC: one hour in summer, none in winter.
pub fn uk_offset(bst: bool) -> UtcOffset {
    if bst {
        UtcOffset::from_hms(1, 0, 0).unwrap_or(UtcOffset::UTC)
    } else {
        UtcOffset::UTC
    }
}

/// The UK civil date at a moment (after 23:00 UTC in summer it is already tomorrow). Dates
/// people work to (a referral, an allocation, a due date) are UK dates.
pub fn uk_date(at: OffsetDateTime) -> Date {
    at.to_offset(uk_offset(is_bst(at))).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn easter_matches_known_years() {
        assert_eq!(easter_sunday(2024), Some(date!(2024 - 03 - 31)));
        assert_eq!(easter_sunday(2025), Some(date!(2025 - 04 - 20)));
        assert_eq!(easter_sunday(2026), Some(date!(2026 - 04 - 05)));
        assert_eq!(easter_sunday(2027), Some(date!(2027 - 03 - 28)));
        assert_eq!(easter_sunday(2028), Some(date!(2028 - 04 - 16)));
    }

    #[test]
    fn bank_holidays_match_the_published_lists() {
        assert_eq!(
            bank_holidays(2025),
            vec![
                date!(2025 - 01 - 01),
                date!(2025 - 04 - 18),
                date!(2025 - 04 - 21),
                date!(2025 - 05 - 05),
                date!(2025 - 05 - 26),
                date!(2025 - 08 - 25),
                date!(2025 - 12 - 25),
                date!(2025 - 12 - 26),
            ]
        );
        // Boxing Day 2026 is a Saturday: the substitute day is Monday 28 December.
        assert_eq!(
            bank_holidays(2026),
            vec![
                date!(2026 - 01 - 01),
                date!(2026 - 04 - 03),
                date!(2026 - 04 - 06),
                date!(2026 - 05 - 04),
                date!(2026 - 05 - 25),
                date!(2026 - 08 - 31),
                date!(2026 - 12 - 25),
                date!(2026 - 12 - 28),
            ]
        );
        // Christmas 2027 is a Saturday and Boxing Day a Sunday: 27 and 28 December.
        let h2027 = bank_holidays(2027);
        assert!(h2027.contains(&date!(2027 - 12 - 27)));
        assert!(h2027.contains(&date!(2027 - 12 - 28)));
        // New Year's Day 2028 is a Saturday: Monday 3 January.
        assert_eq!(bank_holidays(2028)[0], date!(2028 - 01 - 03));
    }

    #[test]
    fn one_off_changes_apply() {
        let h2022 = bank_holidays(2022);
        assert!(!h2022.contains(&date!(2022 - 05 - 30)));
        assert!(h2022.contains(&date!(2022 - 06 - 02)));
        assert!(h2022.contains(&date!(2022 - 06 - 03)));
        assert!(h2022.contains(&date!(2022 - 09 - 19)));
        assert!(bank_holidays(2023).contains(&date!(2023 - 05 - 08)));
        let h2020 = bank_holidays(2020);
        assert!(!h2020.contains(&date!(2020 - 05 - 04)));
        assert!(h2020.contains(&date!(2020 - 05 - 08)));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // Thursday 23 April 2026 + 2 working days = Monday 27 April.
        assert_eq!(
            add_working_days(date!(2026 - 04 - 23), 2),
            date!(2026 - 04 - 27)
        );
        // Thursday 2 April 2026 + 2: Good Friday and Easter Monday skipped → Wednesday 8 April.
        assert_eq!(
            add_working_days(date!(2026 - 04 - 02), 2),
            date!(2026 - 04 - 08)
        );
        // A referral on a Saturday: 2 working days later is the Tuesday.
        assert_eq!(
            add_working_days(date!(2026 - 11 - 28), 2),
            date!(2026 - 12 - 01)
        );
        assert_eq!(
            add_working_days(date!(2026 - 11 - 25), 0),
            date!(2026 - 11 - 25)
        );
    }

    #[test]
    fn working_days_between_counts_what_add_adds() {
        let start = date!(2026 - 03 - 30);
        for n in 0..30 {
            assert_eq!(working_days_between(start, add_working_days(start, n)), n);
        }
        assert_eq!(
            working_days_between(date!(2026 - 11 - 25), date!(2026 - 11 - 20)),
            0
        );
    }

    #[test]
    fn a_late_summer_evening_is_already_tomorrow_in_the_uk() {
        use time::macros::datetime;
        assert_eq!(
            uk_date(datetime!(2026-07-01 23:30 UTC)),
            date!(2026 - 07 - 02)
        );
        assert_eq!(
            uk_date(datetime!(2026-12-01 23:30 UTC)),
            date!(2026 - 12 - 01)
        );
        // The clocks go forward at 01:00 UTC on 29 March 2026.
        assert!(!is_bst(datetime!(2026-03-29 00:59 UTC)));
        assert!(is_bst(datetime!(2026-03-29 01:00 UTC)));
        assert!(!is_bst(datetime!(2026-10-25 01:00 UTC)));
    }

    #[test]
    fn months_clamp_to_the_end_of_a_short_month() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 10 - 15), 4), date!(2027 - 02 - 15));
        assert_eq!(add_months(date!(2026 - 11 - 25), 6), date!(2027 - 05 - 25));
        assert_eq!(add_months(date!(2026 - 11 - 25), 0), date!(2026 - 11 - 25));
    }
}
