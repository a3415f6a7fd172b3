//! Dates of birth that may be partial (a year, or a year and month, is common on referrals) and
//! the graded comparison of two of them: exact, day and month transposed, one digit different,
//! same year and month, consistent but partial, year within one, missing, or different.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The earliest and latest years accepted as a date of birth.
const YEARS: std::ops::RangeInclusive<u16> = 1850..=2100;

/// Why a string is not a date of birth.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("the date is empty")]
    Empty,
    #[error("write dates as YYYY-MM-DD, YYYY-MM, YYYY or DD/MM/YYYY")]
    Format,
    #[error("the year {0} is outside 1850 to 2100")]
    Year(u32),
    #[error("there is no month {0}")]
    Month(u32),
    #[error("there is no day {day} in month {month} of {year}")]
    Day { year: u16, month: u8, day: u32 },
}

/// A date of birth known to the year, the month or the day. A day is only ever known together
/// with its month.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl PartialDate {
    /// A full date.
    pub fn ymd(year: u32, month: u32, day: u32) -> Result<Self, DateError> {
        let ym = Self::ym(year, month)?;
        let month = ym.month.unwrap_or(0);
        if day == 0 || day > u32::from(days_in_month(ym.year, month)) {
            return Err(DateError::Day {
                year: ym.year,
                month,
                day,
            });
        }
        Ok(Self {
            day: Some(day as u8),
            ..ym
        })
    }

    /// A year and month.
    pub fn ym(year: u32, month: u32) -> Result<Self, DateError> {
        let y = Self::y(year)?;
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(month));
        }
        Ok(Self {
            month: Some(month as u8),
            ..y
        })
    }

    /// A year alone.
    pub fn y(year: u32) -> Result<Self, DateError> {
        let year16 = u16::try_from(year).map_err(|_| DateError::Year(year))?;
        if !YEARS.contains(&year16) {
            return Err(DateError::Year(year));
        }
        Ok(Self {
            year: year16,
            month: None,
            day: None,
        })
    }

    /// Parse `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `YYYYMMDD`, or the UK order `DD/MM/YYYY` (with
    /// `/`, `-` or `.`). A zero month or day (`1985-00-00`, `00/03/1985`) is read as unknown.
    pub fn parse(raw: &str) -> Result<Self, DateError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(DateError::Empty);
        }
        let parts: Vec<&str> = s.split(['-', '/', '.']).map(str::trim).collect();
        let number = |p: &str| -> Result<u32, DateError> {
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(DateError::Format);
            }
            p.parse().map_err(|_| DateError::Format)
        };
        let (year, month, day) = match parts.as_slice() {
            [compact] if compact.len() == 8 => {
                let digits = number(compact.get(..4).unwrap_or(""))?;
                let m = number(compact.get(4..6).unwrap_or(""))?;
                let d = number(compact.get(6..8).unwrap_or(""))?;
                (digits, m, d)
            }
            [y] if y.len() == 4 => (number(y)?, 0, 0),
            [y, m] if y.len() == 4 && m.len() <= 2 => (number(y)?, number(m)?, 0),
            [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
                (number(y)?, number(m)?, number(d)?)
            }
            [d, m, y] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
                (number(y)?, number(m)?, number(d)?)
            }
            _ => return Err(DateError::Format),
        };
        match (month, day) {
            (0, _) => Self::y(year),
            (m, 0) => Self::ym(year, m),
            (m, d) => Self::ymd(year, m, d),
        }
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn month(&self) -> Option<u8> {
        self.month
    }

    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// True when the day is known (and so the month).
    pub fn is_full(&self) -> bool {
        self.day.is_some()
    }

    /// The date as the number `YYYYMMDD`, for a full date.
    fn as_number(&self) -> Option<u32> {
        Some(u32::from(self.year) * 10_000 + u32::from(self.month?) * 100 + u32::from(self.day?))
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartialDate({self})")
    }
}

impl FromStr for PartialDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// How two dates of birth compare, strongest agreement first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DobLevel {
    /// Both full and equal.
    Exact,
    /// Both full, with day and month swapped (`1985-03-04` / `1985-04-03`).
    Transposed,
    /// Both full, one digit of `YYYYMMDD` different: a typing slip.
    OneDigit,
    /// Both full, same year and month, days further apart than a slip.
    SameYearMonth,
    /// At least one is partial and every part both know agrees (`1985` / `1985-03-04`).
    PartialMatch,
    /// Years at most one apart, and no closer level applies.
    YearWithinOne,
    /// At least one is unknown.
    Missing,
    /// Anything else.
    Different,
}

impl DobLevel {
    /// Every level, in order.
    pub const ALL: [DobLevel; 8] = [
        DobLevel::Exact,
        DobLevel::Transposed,
        DobLevel::OneDigit,
        DobLevel::SameYearMonth,
        DobLevel::PartialMatch,
        DobLevel::YearWithinOne,
        DobLevel::Missing,
        DobLevel::Different,
    ];

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            DobLevel::Exact => "exact",
            DobLevel::Transposed => "day and month transposed",
            DobLevel::OneDigit => "one digit different",
            DobLevel::SameYearMonth => "same year and month",
            DobLevel::PartialMatch => "partial date agrees",
            DobLevel::YearWithinOne => "year within one",
            DobLevel::Missing => "missing",
            DobLevel::Different => "different",
        }
    }
}

/// Compare two dates of birth. Symmetric.
pub fn compare(a: Option<PartialDate>, b: Option<PartialDate>) -> DobLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return DobLevel::Missing;
    };
    if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
        if x == y {
            return DobLevel::Exact;
        }
        if a.year == b.year && a.day != a.month && a.day == b.month && a.month == b.day {
            return DobLevel::Transposed;
        }
        if differing_digits(x, y) == 1 {
            return DobLevel::OneDigit;
        }
        if a.year == b.year && a.month == b.month {
            return DobLevel::SameYearMonth;
        }
    } else if a.year == b.year {
        let months_agree = match (a.month, b.month) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        let days_agree = match (a.day, b.day) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        if months_agree && days_agree {
            return DobLevel::PartialMatch;
        }
    }
    if a.year.abs_diff(b.year) <= 1 {
        DobLevel::YearWithinOne
    } else {
        DobLevel::Different
    }
}

/// True when both dates are full and they are clearly different: not equal, not transposed and
/// not one digit apart. Together with clearly different first names this is the household rule.
pub fn clearly_different(a: Option<PartialDate>, b: Option<PartialDate>) -> bool {
    let (Some(x), Some(y)) = (a, b) else {
        return false;
    };
    x.is_full()
        && y.is_full()
        && matches!(
            compare(a, b),
            DobLevel::SameYearMonth | DobLevel::YearWithinOne | DobLevel::Different
        )
}

/// Age gap in whole years between two known years, for explanations and tests.
pub fn year_gap(a: PartialDate, b: PartialDate) -> u16 {
    a.year.abs_diff(b.year)
}

fn differing_digits(mut x: u32, mut y: u32) -> u32 {
    let mut n = 0;
    for _ in 0..8 {
        if x % 10 != y % 10 {
            n += 1;
        }
        x /= 10;
        y /= 10;
    }
    n
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.day).cmp(&(other.year, other.month, other.day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn d(s: &str) -> Option<PartialDate> {
        Some(PartialDate::parse(s).unwrap())
    }

    #[test]
    fn parses_iso_uk_and_partial_forms() {
        assert_eq!(d("1985-03-04"), Some(PartialDate::ymd(1985, 3, 4).unwrap()));
        assert_eq!(d("04/03/1985"), d("1985-03-04"));
        assert_eq!(d("4.3.1985"), d("1985-03-04"));
        assert_eq!(d("19850304"), d("1985-03-04"));
        assert_eq!(d("1985-03").unwrap().to_string(), "1985-03");
        assert_eq!(d("1985").unwrap().to_string(), "1985");
        assert_eq!(d("1985-00-00").unwrap().to_string(), "1985");
        assert_eq!(d("00/03/1985").unwrap().to_string(), "1985-03");
        assert_eq!(d("2000-02-29").unwrap().to_string(), "2000-02-29");
        assert_eq!(PartialDate::parse(""), Err(DateError::Empty));
        assert_eq!(
            PartialDate::parse("1900-02-29"),
            Err(DateError::Day {
                year: 1900,
                month: 2,
                day: 29
            })
        );
        assert_eq!(PartialDate::parse("1985-13-01"), Err(DateError::Month(13)));
        assert_eq!(PartialDate::parse("1700"), Err(DateError::Year(1700)));
        assert_eq!(PartialDate::parse("04/03/85"), Err(DateError::Format));
        assert_eq!(PartialDate::parse("yesterday"), Err(DateError::Format));
        assert!(d("1985-03-04").unwrap().is_full());
        assert!(!d("1985-03").unwrap().is_full());
    }

    #[test]
    fn levels() {
        use DobLevel::*;
        let cases = [
            ("1985-03-04", "1985-03-04", Exact),
            ("1985-03-04", "1985-04-03", Transposed),
            ("1985-03-04", "1985-03-05", OneDigit),
            ("1985-03-04", "1986-03-04", OneDigit),
            ("1985-03-04", "1985-03-14", OneDigit),
            ("1985-03-04", "1985-03-27", SameYearMonth),
            ("1985-03-04", "1985-11-27", YearWithinOne),
            ("1985-03-04", "1986-11-27", YearWithinOne),
            ("1985-03-04", "2010-06-19", Different),
            ("1985-03-04", "1985", PartialMatch),
            ("1985-03-04", "1985-03", PartialMatch),
            ("1985-03", "1985", PartialMatch),
            ("1985-03-04", "1985-04", YearWithinOne),
            ("1985", "1986", YearWithinOne),
            ("1985", "1990-01-01", Different),
        ];
        for (a, b, level) in cases {
            assert_eq!(compare(d(a), d(b)), level, "{a} {b}");
            assert_eq!(compare(d(b), d(a)), level, "{b} {a}");
        }
        assert_eq!(compare(None, d("1985-03-04")), Missing);
        assert_eq!(compare(None, None), Missing);
        // Same day and month: transposition does not apply.
        assert_eq!(compare(d("1985-03-03"), d("1985-03-03")), Exact);
    }

    #[test]
    fn clearly_different_needs_two_full_dates_outside_slip_levels() {
        assert!(clearly_different(d("1985-03-04"), d("2010-06-19")));
        assert!(clearly_different(d("2009-03-04"), d("2010-06-19")));
        assert!(!clearly_different(d("1985-03-04"), d("1985-04-03")));
        assert!(!clearly_different(d("1985-03-04"), d("1985-03-05")));
        assert!(!clearly_different(d("1985-03-04"), d("1985-03-04")));
        assert!(!clearly_different(d("1985"), d("2010-06-19")));
        assert!(!clearly_different(None, d("2010-06-19")));
    }

    #[test]
    fn comparison_is_symmetric_and_reflexive_on_generated_dates() {
        let mut rng = Rng::new(17);
        let random_date = |rng: &mut Rng| -> Option<PartialDate> {
            let year = rng.between(1940, 2020) as u32;
            let month = rng.between(1, 12) as u32;
            let day = rng.between(1, 28) as u32;
            match rng.below(6) {
                0 => None,
                1 => PartialDate::y(year).ok(),
                2 => PartialDate::ym(year, month).ok(),
                _ => PartialDate::ymd(year, month, day).ok(),
            }
        };
        for _ in 0..5_000 {
            let a = random_date(&mut rng);
            let b = random_date(&mut rng);
            assert_eq!(compare(a, b), compare(b, a), "{a:?} {b:?}");
            assert_eq!(clearly_different(a, b), clearly_different(b, a));
            match a {
                Some(x) if x.is_full() => assert_eq!(compare(a, a), DobLevel::Exact),
                Some(_) => assert_eq!(compare(a, a), DobLevel::PartialMatch),
                None => assert_eq!(compare(a, a), DobLevel::Missing),
            }
            if let Some(x) = a {
                assert_eq!(PartialDate::parse(&x.to_string()).unwrap(), x);
            }
        }
    }
}
