//! The quarterly Marac data return, counted the way SafeLives collects it: per meeting,
//! from the cohort of cases heard at each meeting date in the period, not per case record.
//! Also the coverage check against the recommended 40 cases per 10,000 adult females a
//! year, and the annualising of a period's cases that the check needs.
//!
//! Shares are kept as tenths of a per cent (an integer), so a return reads "28.6%" without
//! floating point and two runs over the same data always agree to the last digit.
use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::referral::{Gender, choice};

/// The longest period one return may cover, in days counted inclusively: a leap year.
pub const MAX_PERIOD_DAYS: u32 = 366;

/// The recommended Marac volume: cases a year per 10,000 adult females.
pub const RECOMMENDED_PER_10K: u32 = 40;

choice!(
    /// The kind of agency that referred a case to the Marac or sat at its table, in the
    /// groups the national data return uses.
    AgencyKind {
        Police = "police": "Police",
        IdvaService = "idva_service": "Idva or specialist domestic abuse service",
        ChildrensSocialCare = "childrens_social_care": "Children's social care",
        AdultSocialCare = "adult_social_care": "Adult social care",
        Health = "health": "Health",
        Housing = "housing": "Housing",
        Probation = "probation": "Probation",
        Education = "education": "Education",
        Voluntary = "voluntary": "Voluntary sector",
        Other = "other": "Other",
    }
);

/// One case as heard at one meeting. A case heard at two meetings is two `HeardCase`s.
///
/// The equality fields are `Option`s because a referral form may leave them blank; `None`
/// means "not recorded", which the return reports as unknown, never as "no".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeardCase {
    /// The date of the meeting that heard the case.
    pub meeting_on: Date,
    /// Any stable identifier for the case, used only to spot a case listed twice at the
    /// same meeting.
    pub case_key: String,
    /// Heard as a repeat (a further incident within 12 months of the last referral).
    pub repeat: bool,
    pub children_in_household: u32,
    pub referring_agency_kind: AgencyKind,
    /// `None` and `Some(Gender::NotKnown)` both count as unknown.
    pub victim_gender: Option<Gender>,
    pub victim_racially_minoritised: Option<bool>,
    pub victim_disabled: Option<bool>,
    pub victim_lgbt: Option<bool>,
    pub victim_age_at_meeting: Option<u32>,
    /// Each perpetrator's age at the meeting, `None` where no date of birth is recorded.
    pub perpetrator_ages_at_meeting: Vec<Option<u32>>,
}

/// Whether a case had a perpetrator aged 17 or under at the meeting, for the national
/// return's question: yes when any perpetrator was; not known when none is known to have
/// been but at least one has no date of birth, or no perpetrator is recorded at all;
/// otherwise no. As for the victim's age, a missing date of birth is never read as "no".
pub fn perpetrator_aged_17_or_under(ages: &[Option<u32>]) -> Option<bool> {
    if ages.iter().any(|a| a.is_some_and(|a| a <= 17)) {
        Some(true)
    } else if ages.is_empty() || ages.iter().any(Option::is_none) {
        None
    } else {
        Some(false)
    }
}

/// Whether an agency was at one meeting, as the minutes record it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    pub meeting_on: Date,
    pub agency_kind: AgencyKind,
    /// `false` records apologies (or an expected agency that did not come).
    pub attended: bool,
}

/// How many cases discussed had a characteristic.
///
/// The denominator is every case discussed, as in the national return. A case whose
/// answer is not recorded is counted in `unknown` and in the denominator but not in
/// `count`: unknown is not "no", and it is not "yes" either, so the share is the share
/// *known* to have the characteristic. `unknown` is reported beside it so a reader can see
/// how much of the denominator is unrecorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    /// Cases known to have the characteristic.
    pub count: u32,
    /// Cases where it was not recorded.
    pub unknown: u32,
    /// All cases discussed.
    pub of: u32,
    /// `count` as tenths of a per cent of `of`, rounded half up; `None` when no cases were
    /// discussed.
    pub percent_tenths: Option<u32>,
}

impl Share {
    fn new(count: u32, unknown: u32, of: u32) -> Share {
        Share {
            count,
            unknown,
            of,
            percent_tenths: tenths_of_percent(count, of),
        }
    }

    /// The share as a per cent with one decimal, e.g. "28.6".
    pub fn percent(&self) -> Option<String> {
        self.percent_tenths.map(tenths_text)
    }

    /// The share among cases where the answer was recorded, in tenths of a per cent; for a
    /// reader who wants to set the unknowns aside.
    pub fn percent_of_known_tenths(&self) -> Option<u32> {
        tenths_of_percent(self.count, self.of.saturating_sub(self.unknown))
    }
}

/// How often one kind of agency was at the period's meetings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AgencyAttendance {
    pub agency: AgencyKind,
    /// Whether an agency of this kind is a member of the Marac. A kind with no member
    /// agency is listed only if it was present at a meeting all the same, marked apart.
    pub member: bool,
    /// Meetings in the period at which the agency was present.
    pub attended: u32,
    /// Meetings held in the period.
    pub held: u32,
    /// `attended` as tenths of a per cent of `held`; `None` when no meetings were held.
    pub percent_tenths: Option<u32>,
}

/// A Marac's data return for one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DataReturn {
    pub from: Date,
    pub to: Date,
    /// The meeting dates in the period at which at least one case was heard, oldest first.
    pub meetings: Vec<Date>,
    /// Cases heard, counted per meeting: a case heard at two meetings counts twice.
    pub cases_discussed: u32,
    /// The same case listed more than once at the same meeting: counted once, and the
    /// extra listings (whose details are ignored) are reported here to be put right.
    pub duplicate_listings: u32,
    pub repeat_cases: Share,
    /// Children in the households of the cases discussed (a family heard twice is counted
    /// at each meeting, as the national return counts it).
    pub children: u32,
    /// Cases discussed by referring agency, every kind listed (zero included) in a fixed
    /// order.
    pub referrals_by_agency: Vec<(AgencyKind, u32)>,
    /// Cases referred by an agency other than the police.
    pub non_police_referrals: Share,
    pub male_victims: Share,
    pub racially_minoritised_victims: Share,
    pub disabled_victims: Share,
    pub lgbt_victims: Share,
    /// Victims aged 16 or 17 at the meeting.
    pub victims_aged_16_17: Share,
    /// Cases with at least one perpetrator aged 17 or under.
    pub perpetrators_17_or_under: Share,
    /// Attendance by agency kind, in a fixed order: the kinds of the Marac's member
    /// agencies (zero included), then any other kind that was present, marked apart.
    pub attendance: Vec<AgencyAttendance>,
    /// Attendance records for a date in the period at which no case was heard: not a
    /// meeting this return knows of, so they are left out and counted here to be checked.
    pub unmatched_attendance: u32,
    /// The days in the period, both ends counted: what the annualising divides by.
    pub days_in_period: u32,
    /// The period's cases scaled to a year: cases discussed × 365 ÷ days in the period,
    /// rounded half up (see [`annualised_cases`]).
    pub annualised_cases: Option<u32>,
    /// The Marac's adult female population, when it is set.
    pub adult_females: Option<u32>,
    /// The recommended Marac volume, cases a year per 10,000 adult females.
    pub recommended_per_10k: u32,
    /// The annualised cases against the adult female population; `None` while the
    /// population is not set.
    pub coverage: Option<Coverage>,
}

impl DataReturn {
    /// The return with the coverage check against the Marac's adult female population
    /// (`None` when it is not set), the same check the page, the files and the command
    /// line all show.
    pub fn with_adult_females(mut self, adult_females: Option<u32>) -> DataReturn {
        self.adult_females = adult_females;
        self.coverage = adult_females.and_then(|women| {
            self.annualised_cases
                .and_then(|cases| coverage_per_10k(cases, women))
        });
        self
    }
}

/// Why a return cannot be computed for a period.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReturnError {
    #[error("period: the start {from} is after the end {to}")]
    PeriodReversed { from: Date, to: Date },
    #[error("period: {days} days is longer than a return may cover ({max} days)")]
    PeriodTooLong { days: u32, max: u32 },
}

/// The days in a period, counting both ends; `None` when `from` is after `to`.
fn days_in_period(from: Date, to: Date) -> Option<u32> {
    let days = (to - from).whole_days() + 1;
    u32::try_from(days).ok().filter(|d| *d > 0)
}

/// Computes the data return for the cases heard between `from` and `to`, both included.
///
/// Cases and attendance outside the period are ignored. A case counts once for each
/// meeting that heard it; the same `case_key` listed twice at one meeting counts once (the
/// first listing's details are used). `members` are the kinds of the Marac's member
/// agencies, whose attendance is reported whether or not they came. The coverage check
/// is left unset; [`DataReturn::with_adult_females`] adds it.
pub fn data_return(
    cases: &[HeardCase],
    attendance: &[Attendance],
    members: &[AgencyKind],
    from: Date,
    to: Date,
) -> Result<DataReturn, ReturnError> {
    let days = days_in_period(from, to).ok_or(ReturnError::PeriodReversed { from, to })?;
    if days > MAX_PERIOD_DAYS {
        return Err(ReturnError::PeriodTooLong {
            days,
            max: MAX_PERIOD_DAYS,
        });
    }
    let in_period = |d: Date| from <= d && d <= to;

    let mut seen: HashSet<(Date, &str)> = HashSet::new();
    let mut heard: Vec<&HeardCase> = Vec::new();
    let mut duplicate_listings = 0u32;
    for case in cases.iter().filter(|c| in_period(c.meeting_on)) {
        if seen.insert((case.meeting_on, case.case_key.as_str())) {
            heard.push(case);
        } else {
            duplicate_listings = duplicate_listings.saturating_add(1);
        }
    }
    let meetings: Vec<Date> = heard
        .iter()
        .map(|c| c.meeting_on)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    let n = count(heard.len());
    let how_many =
        |pred: &dyn Fn(&HeardCase) -> bool| count(heard.iter().filter(|c| pred(c)).count());
    let flag = |get: &dyn Fn(&HeardCase) -> Option<bool>| {
        Share::new(
            how_many(&|c| get(c) == Some(true)),
            how_many(&|c| get(c).is_none()),
            n,
        )
    };

    let referrals_by_agency = AgencyKind::ALL
        .iter()
        .map(|&kind| (kind, how_many(&|c| c.referring_agency_kind == kind)))
        .collect();

    let male_victims = Share::new(
        how_many(&|c| c.victim_gender == Some(Gender::Male)),
        how_many(&|c| matches!(c.victim_gender, None | Some(Gender::NotKnown))),
        n,
    );
    let victims_aged_16_17 = Share::new(
        how_many(&|c| matches!(c.victim_age_at_meeting, Some(16 | 17))),
        how_many(&|c| c.victim_age_at_meeting.is_none()),
        n,
    );

    // An agency is present at a meeting if any record for that meeting says it attended
    // (two officers from one agency are one agency present).
    let meeting_set: BTreeSet<Date> = meetings.iter().copied().collect();
    let mut present: HashSet<(AgencyKind, Date)> = HashSet::new();
    let mut unmatched_attendance = 0u32;
    for record in attendance.iter().filter(|a| in_period(a.meeting_on)) {
        if !meeting_set.contains(&record.meeting_on) {
            unmatched_attendance = unmatched_attendance.saturating_add(1);
        } else if record.attended {
            present.insert((record.agency_kind, record.meeting_on));
        }
    }
    let held = count(meetings.len());
    let attendance = AgencyKind::ALL
        .iter()
        .filter_map(|&agency| {
            let attended = count(present.iter().filter(|(kind, _)| *kind == agency).count());
            let member = members.contains(&agency);
            (member || attended > 0).then(|| AgencyAttendance {
                agency,
                member,
                attended,
                held,
                percent_tenths: tenths_of_percent(attended, held),
            })
        })
        .collect();

    Ok(DataReturn {
        from,
        to,
        cases_discussed: n,
        duplicate_listings,
        repeat_cases: Share::new(how_many(&|c| c.repeat), 0, n),
        children: heard
            .iter()
            .fold(0u32, |sum, c| sum.saturating_add(c.children_in_household)),
        referrals_by_agency,
        non_police_referrals: Share::new(
            how_many(&|c| c.referring_agency_kind != AgencyKind::Police),
            0,
            n,
        ),
        male_victims,
        racially_minoritised_victims: flag(&|c| c.victim_racially_minoritised),
        disabled_victims: flag(&|c| c.victim_disabled),
        lgbt_victims: flag(&|c| c.victim_lgbt),
        victims_aged_16_17,
        perpetrators_17_or_under: flag(&|c| {
            perpetrator_aged_17_or_under(&c.perpetrator_ages_at_meeting)
        }),
        attendance,
        unmatched_attendance,
        meetings,
        days_in_period: days,
        annualised_cases: annualised_cases(n, from, to),
        adult_females: None,
        recommended_per_10k: RECOMMENDED_PER_10K,
        coverage: None,
    })
}

/// Scales a period's cases to a year: `cases × 365 ÷ days in the period` (both ends
/// counted), rounded half up.
///
/// Multiplying a quarter by four would be wrong: quarters run 90 to 92 days, so a January
/// to March quarter would be understated against a July to September one. A full leap
/// year (366 days) is scaled by 365/366, which moves a few hundred cases by one at most.
/// `None` when `from` is after `to` or the result does not fit.
pub fn annualised_cases(cases: u32, from: Date, to: Date) -> Option<u32> {
    let days = u64::from(days_in_period(from, to)?);
    let scaled = (u64::from(cases) * 365 + days / 2) / days;
    u32::try_from(scaled).ok()
}

/// A Marac's volume against the recommended 40 cases a year per 10,000 adult females.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub cases_per_year: u32,
    pub adult_females: u32,
    /// The recommendation checked against: [`RECOMMENDED_PER_10K`].
    pub recommended_per_10k: u32,
    /// Cases per 10,000 adult females, rounded half up to a whole number (as published).
    pub per_10k: u32,
    /// Cases per 10,000 adult females in tenths, rounded half up.
    pub per_10k_tenths: u32,
    /// The cases a year the recommendation implies for this population, rounded half up.
    pub recommended_cases: u32,
    /// Whether the volume reaches the recommendation (compared exactly, not after rounding).
    pub meets_recommended: bool,
}

impl Coverage {
    /// The rate with one decimal, e.g. "38.0".
    pub fn per_10k_text(&self) -> String {
        tenths_text(self.per_10k_tenths)
    }
}

/// Checks a year's cases against the recommended 40 per 10,000 adult females. `None`
/// when there are no adult females to measure against (or the rate does not fit).
pub fn coverage_per_10k(cases_per_year: u32, adult_females: u32) -> Option<Coverage> {
    let cases = u64::from(cases_per_year);
    let women = u64::from(adult_females);
    if women == 0 {
        return None;
    }
    let rounded = |numerator: u64| u32::try_from((numerator + women / 2) / women).ok();
    let recommended = (women * u64::from(RECOMMENDED_PER_10K) + 5_000) / 10_000;
    Some(Coverage {
        cases_per_year,
        adult_females,
        recommended_per_10k: RECOMMENDED_PER_10K,
        per_10k: rounded(cases * 10_000)?,
        per_10k_tenths: rounded(cases * 100_000)?,
        recommended_cases: u32::try_from(recommended).ok()?,
        meets_recommended: cases * 10_000 >= women * u64::from(RECOMMENDED_PER_10K),
    })
}

/// `part` as tenths of a per cent of `whole`, rounded half up; `None` when `whole` is 0.
fn tenths_of_percent(part: u32, whole: u32) -> Option<u32> {
    let whole = u64::from(whole);
    let tenths = (u64::from(part) * 1_000 + whole / 2).checked_div(whole)?;
    u32::try_from(tenths).ok()
}

/// Tenths written with one decimal: 286 → "28.6".
fn tenths_text(tenths: u32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// A count of records as the return's `u32`; no real Marac comes near the limit.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The return as rows of (figure, count, percent, unknown): one table for the page, the
/// CSV, the spreadsheet and the command line.
pub fn rows(r: &DataReturn) -> Vec<(String, String, String, String)> {
    let share = |label: &str, s: &Share| {
        (
            label.to_owned(),
            s.count.to_string(),
            s.percent().map(|p| format!("{p}%")).unwrap_or_default(),
            s.unknown.to_string(),
        )
    };
    let plain = |label: &str, n: u32| {
        (
            label.to_owned(),
            n.to_string(),
            String::new(),
            String::new(),
        )
    };
    let mut rows = vec![
        plain(
            "Meetings",
            u32::try_from(r.meetings.len()).unwrap_or(u32::MAX),
        ),
        plain("Cases discussed", r.cases_discussed),
        share("Repeat cases", &r.repeat_cases),
        plain("Children in the households", r.children),
        share(
            "Referrals from agencies other than the police",
            &r.non_police_referrals,
        ),
        share("Male victims", &r.male_victims),
        share(
            "Racially minoritised victims",
            &r.racially_minoritised_victims,
        ),
        share("Disabled victims", &r.disabled_victims),
        share("LGBT victims", &r.lgbt_victims),
        share("Victims aged 16 or 17", &r.victims_aged_16_17),
        share(
            "Cases with a perpetrator aged 17 or under",
            &r.perpetrators_17_or_under,
        ),
    ];
    // The coverage check: the same figures wherever the return is read. A figure that
    // needs the adult female population is blank while the population is not set.
    let optional = |label: &str, value: Option<String>| {
        (
            label.to_owned(),
            value.unwrap_or_default(),
            String::new(),
            String::new(),
        )
    };
    let coverage = r.coverage.as_ref();
    rows.extend([
        plain("Days in the period", r.days_in_period),
        optional(
            "Cases a year at this rate (cases discussed × 365 ÷ days in the period)",
            r.annualised_cases.map(|n| n.to_string()),
        ),
        optional(
            "Adult female population",
            r.adult_females.map(|n| n.to_string()),
        ),
        optional(
            "Cases a year per 10,000 adult females",
            coverage.map(Coverage::per_10k_text),
        ),
        plain(
            "Recommended cases a year per 10,000 adult females",
            r.recommended_per_10k,
        ),
        optional(
            "Recommended cases a year for this population",
            coverage.map(|c| c.recommended_cases.to_string()),
        ),
    ]);
    for (kind, n) in &r.referrals_by_agency {
        rows.push(plain(&format!("Referrals from {}", kind.label()), *n));
    }
    for a in &r.attendance {
        let apart = if a.member { "" } else { " (not a member)" };
        rows.push((
            format!("Meetings attended: {}{apart}", a.agency.label()),
            a.attended.to_string(),
            a.percent_tenths
                .map(|t| format!("{}.{}%", t / 10, t % 10))
                .unwrap_or_default(),
            String::new(),
        ));
    }
    rows
}

/// Escapes a cell against formula injection in spreadsheets.
pub fn csv_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The return as CSV: one row per figure.
pub fn to_csv(r: &DataReturn) -> String {
    let mut out = String::from("figure,count,percent,unknown\n");
    for (label, n, pct, unknown) in rows(r) {
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_cell(&label),
            csv_cell(&n),
            csv_cell(&pct),
            csv_cell(&unknown)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_cannot_start_a_formula() {
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("12"), "12");
    }

    #[test]
    fn the_csv_has_a_row_per_figure() {
        let r = data_return(
            &[],
            &[],
            &[],
            time::macros::date!(2026 - 07 - 01),
            time::macros::date!(2026 - 09 - 30),
        )
        .unwrap();
        let csv = to_csv(&r);
        assert!(csv.starts_with("figure,count,percent,unknown\n"));
        assert!(csv.contains("\nCases discussed,0,,\n"));
        assert_eq!(csv.lines().count(), 1 + rows(&r).len());
    }

    use super::*;
    use time::macros::date;

    #[allow(clippy::too_many_arguments)]
    fn heard(
        meeting_on: Date,
        key: &str,
        repeat: bool,
        children: u32,
        agency: AgencyKind,
        gender: Option<Gender>,
        minoritised: Option<bool>,
        disabled: Option<bool>,
        lgbt: Option<bool>,
        age: Option<u32>,
        perpetrator_ages: &[Option<u32>],
    ) -> HeardCase {
        HeardCase {
            meeting_on,
            case_key: key.to_string(),
            repeat,
            children_in_household: children,
            referring_agency_kind: agency,
            victim_gender: gender,
            victim_racially_minoritised: minoritised,
            victim_disabled: disabled,
            victim_lgbt: lgbt,
            victim_age_at_meeting: age,
            perpetrator_ages_at_meeting: perpetrator_ages.to_vec(),
        }
    }

    /// A plain case: a woman, nothing flagged, everything recorded.
    fn plain(meeting_on: Date, key: &str) -> HeardCase {
        use AgencyKind::Police;
        let no = Some(false);
        heard(
            meeting_on,
            key,
            false,
            0,
            Police,
            Some(Gender::Female),
            no,
            no,
            no,
            Some(30),
            &[Some(35)],
        )
    }

    fn present(meeting_on: Date, agency_kind: AgencyKind, attended: bool) -> Attendance {
        Attendance {
            meeting_on,
            agency_kind,
            attended,
        }
    }

    const FROM: Date = date!(2024 - 01 - 01);
    const TO: Date = date!(2024 - 03 - 31);
    const JAN: Date = date!(2024 - 01 - 10);
    const FEB: Date = date!(2024 - 02 - 07);
    const MAR: Date = date!(2024 - 03 - 06);

    /// Three meetings in the January to March 2024 quarter. Ten hearings in the period;
    /// case A is heard at the January and the March meetings. Two cases fall outside the
    /// period and one listing at the March meeting is a duplicate.
    ///
    /// Laid out as a table (so not formatted) for the expected figures to be checked by eye.
    #[rustfmt::skip]
    fn quarter() -> Vec<HeardCase> {
        use AgencyKind::*;
        use Gender::*;
        let (y, n, u) = (Some(true), Some(false), None);
        vec![
            // Columns: meeting, key, repeat, children, referrer, gender, racially minoritised,
            // disabled, LGBT, age at the meeting, each perpetrator's age (None: no date of
            // birth recorded).
            /* 1 */ heard(JAN, "A", false, 0, Police,              Some(Female),    n, n, n, Some(34), &[Some(36)]),
            /* 2 */ heard(JAN, "B", true,  1, Police,              Some(Male),      y, u, n, Some(17), &[Some(16), None]),
            /* 3 */ heard(JAN, "C", false, 3, ChildrensSocialCare, Some(Female),    u, y, u, None,     &[Some(15)]),
            /* 4 */ heard(FEB, "D", false, 2, Police,              Some(Female),    n, n, y, Some(16), &[Some(18)]),
            /* 5 */ heard(FEB, "E", true,  0, IdvaService,         None,            y, y, n, Some(45), &[]),
            /* 6 */ heard(FEB, "F", false, 1, Health,              Some(Female),    n, n, n, Some(29), &[Some(17), Some(15)]),
            /* 7 */ heard(MAR, "A", true,  0, Police,              Some(Female),    n, n, n, Some(34), &[Some(36)]), // A again
            /* 8 */ heard(MAR, "G", false, 4, Housing,             Some(NotKnown),  n, u, u, Some(52), &[None]),
            /* 9 */ heard(MAR, "H", false, 0, Police,              Some(Female),    n, n, n, Some(22), &[Some(30), None]),
            /*10 */ heard(MAR, "I", false, 2, Police,              Some(NonBinary), y, n, n, Some(31), &[Some(25), Some(41)]),
            // H listed a second time at the same meeting: ignored, details and all.
            heard(MAR, "H", true, 9, Health, Some(Male), y, y, y, Some(17), &[Some(16)]),
            // Outside the period on either side.
            heard(date!(2023 - 12 - 13), "Z", true, 5, Police, Some(Male), y, y, y, Some(16), &[Some(16)]),
            heard(date!(2024 - 04 - 03), "Y", true, 2, Health, Some(Male), y, y, y, Some(17), &[Some(17)]),
        ]
    }

    /// The kinds of the quarter's member agencies: not housing, whose officers came to the
    /// March meeting all the same, nor education, voluntary or other.
    const QUARTER_MEMBERS: &[AgencyKind] = &[
        AgencyKind::Police,
        AgencyKind::IdvaService,
        AgencyKind::ChildrensSocialCare,
        AgencyKind::AdultSocialCare,
        AgencyKind::Health,
        AgencyKind::Probation,
    ];

    fn quarter_attendance() -> Vec<Attendance> {
        use AgencyKind::*;
        vec![
            present(JAN, Police, true),
            present(FEB, Police, true),
            present(MAR, Police, true),
            present(JAN, IdvaService, true),
            present(FEB, IdvaService, true),
            present(MAR, IdvaService, true),
            present(JAN, ChildrensSocialCare, true),
            present(FEB, ChildrensSocialCare, true),
            present(MAR, ChildrensSocialCare, false), // apologies
            present(JAN, Health, false),
            present(FEB, Health, true),
            present(MAR, Housing, true),
            present(MAR, Housing, true), // two housing officers: one agency present
            present(JAN, Probation, false),
            present(date!(2024 - 04 - 03), Police, true), // outside the period
            present(date!(2024 - 01 - 24), Education, true), // no case heard that day
        ]
    }

    fn share(count: u32, unknown: u32, of: u32, tenths: u32) -> Share {
        Share {
            count,
            unknown,
            of,
            percent_tenths: Some(tenths),
        }
    }

    #[test]
    fn the_quarter_matches_the_hand_count() -> Result<(), ReturnError> {
        let r = data_return(&quarter(), &quarter_attendance(), QUARTER_MEMBERS, FROM, TO)?;
        assert_eq!(r.meetings, vec![JAN, FEB, MAR]);
        // Rows 1–10; A counts at both meetings, the duplicate H and the two outside do not.
        assert_eq!(r.cases_discussed, 10);
        assert_eq!(r.duplicate_listings, 1);
        // Repeats: B, E and A's second hearing = 3 of 10 = 30.0%.
        assert_eq!(r.repeat_cases, share(3, 0, 10, 300));
        assert_eq!(r.repeat_cases.percent().as_deref(), Some("30.0"));
        // Children: 0+1+3+2+0+1+0+4+0+2 = 13.
        assert_eq!(r.children, 13);
        // Police: rows 1, 2, 4, 7, 9, 10 = 6; one each for the rest.
        use AgencyKind::*;
        let by_agency: Vec<(AgencyKind, u32)> = vec![
            (Police, 6),
            (IdvaService, 1),
            (ChildrensSocialCare, 1),
            (AdultSocialCare, 0),
            (Health, 1),
            (Housing, 1),
            (Probation, 0),
            (Education, 0),
            (Voluntary, 0),
            (Other, 0),
        ];
        assert_eq!(r.referrals_by_agency, by_agency);
        // Not police: C, E, F, G = 4 of 10.
        assert_eq!(r.non_police_referrals, share(4, 0, 10, 400));
        // Male: B. Unknown: E (not recorded) and G (recorded as not known). I (non-binary)
        // is known and not male.
        assert_eq!(r.male_victims, share(1, 2, 10, 100));
        // Racially minoritised: B, E, I. Unknown: C.
        assert_eq!(r.racially_minoritised_victims, share(3, 1, 10, 300));
        // Disabled: C, E. Unknown: B, G.
        assert_eq!(r.disabled_victims, share(2, 2, 10, 200));
        // LGBT: D. Unknown: C, G.
        assert_eq!(r.lgbt_victims, share(1, 2, 10, 100));
        // Aged 16–17: B (17), D (16). Unknown: C.
        assert_eq!(r.victims_aged_16_17, share(2, 1, 10, 200));
        // At least one perpetrator aged 17 or under: B (one of two; the other's age is not
        // known, but one known is enough), C (one), F (two) = 3 cases. Unknown: E (no
        // perpetrator recorded), G (one perpetrator, no date of birth) and H (one of two is
        // 30, the other has no date of birth). A (36, twice), D (18) and I (25 and 41)
        // are known "no".
        assert_eq!(r.perpetrators_17_or_under, share(3, 3, 10, 300));
        // Attendance out of 3 meetings, members only: police and Idva 3, children's
        // social care 2 (apologies in March), adult social care 0 (never came), health 1,
        // probation 0 (apologies only). Housing is not a member but two officers came in
        // March (one agency present): listed, marked apart. Education, voluntary and other
        // are not members and never came, so are not listed. The April record is outside;
        // education's 24 January record matches no meeting.
        let attended: Vec<(AgencyKind, bool, u32, Option<u32>)> = r
            .attendance
            .iter()
            .map(|a| (a.agency, a.member, a.attended, a.percent_tenths))
            .collect();
        assert_eq!(
            attended,
            vec![
                (Police, true, 3, Some(1000)),
                (IdvaService, true, 3, Some(1000)),
                (ChildrensSocialCare, true, 2, Some(667)),
                (AdultSocialCare, true, 0, Some(0)),
                (Health, true, 1, Some(333)),
                (Housing, false, 1, Some(333)),
                (Probation, true, 0, Some(0)),
            ]
        );
        let labels: Vec<String> = rows(&r)
            .into_iter()
            .filter(|row| row.0.starts_with("Meetings attended"))
            .map(|row| format!("{} {} {}", row.0, row.1, row.2))
            .collect();
        assert_eq!(
            labels,
            [
                "Meetings attended: Police 3 100.0%",
                "Meetings attended: Idva or specialist domestic abuse service 3 100.0%",
                "Meetings attended: Children's social care 2 66.7%",
                "Meetings attended: Adult social care 0 0.0%",
                "Meetings attended: Health 1 33.3%",
                "Meetings attended: Housing (not a member) 1 33.3%",
                "Meetings attended: Probation 0 0.0%",
            ]
        );
        assert!(r.attendance.iter().all(|a| a.held == 3));
        assert_eq!(r.unmatched_attendance, 1);
        Ok(())
    }

    #[test]
    fn unknown_is_neither_yes_nor_no() -> Result<(), ReturnError> {
        let r = data_return(&quarter(), &[], &[], FROM, TO)?;
        // Disabled: 2 known yes, 2 unknown, so 6 known no. 2 of all 10 is 20.0%; 2 of the
        // 8 recorded is 25.0%.
        assert_eq!(r.disabled_victims.percent_of_known_tenths(), Some(250));
        // Male: 1 of the 8 with a known gender = 12.5%.
        assert_eq!(r.male_victims.percent_of_known_tenths(), Some(125));

        // A cohort where nothing is recorded: every case unknown, none counted as "no"
        // and none as "yes".
        let mut blank = plain(JAN, "X");
        blank.victim_gender = None;
        blank.victim_racially_minoritised = None;
        blank.victim_disabled = None;
        blank.victim_lgbt = None;
        blank.victim_age_at_meeting = None;
        let r = data_return(&[blank], &[], &[], FROM, TO)?;
        for s in [
            r.male_victims,
            r.racially_minoritised_victims,
            r.disabled_victims,
            r.lgbt_victims,
            r.victims_aged_16_17,
        ] {
            assert_eq!(s, share(0, 1, 1, 0));
            assert_eq!(s.percent_of_known_tenths(), None);
        }
        Ok(())
    }

    #[test]
    fn cases_heard_on_the_first_and_last_day_count_and_a_day_outside_does_not()
    -> Result<(), ReturnError> {
        let cases = [
            plain(date!(2023 - 12 - 31), "before"),
            plain(FROM, "first"),
            plain(TO, "last"),
            plain(date!(2024 - 04 - 01), "after"),
        ];
        let r = data_return(&cases, &[], &[], FROM, TO)?;
        assert_eq!(r.meetings, vec![FROM, TO]);
        assert_eq!(r.cases_discussed, 2);
        Ok(())
    }

    #[test]
    fn a_case_heard_at_two_meetings_counts_twice_but_twice_at_one_meeting_once()
    -> Result<(), ReturnError> {
        let mut second = plain(FEB, "A");
        second.repeat = true;
        second.children_in_household = 2;
        let mut first = plain(JAN, "A");
        first.children_in_household = 2;
        let r = data_return(&[first.clone(), second, first], &[], &[], FROM, TO)?;
        assert_eq!(r.cases_discussed, 2);
        assert_eq!(r.duplicate_listings, 1);
        assert_eq!(r.repeat_cases, share(1, 0, 2, 500));
        // The family's two children are counted at each meeting that heard them.
        assert_eq!(r.children, 4);
        Ok(())
    }

    #[test]
    fn an_empty_period_has_no_shares() -> Result<(), ReturnError> {
        let attendance = [present(JAN, AgencyKind::Police, true)];
        let r = data_return(&[], &attendance, &[AgencyKind::Police], FROM, TO)?;
        assert!(r.meetings.is_empty());
        assert_eq!(r.cases_discussed, 0);
        assert_eq!(r.children, 0);
        assert_eq!(r.repeat_cases, Share::default());
        assert_eq!(r.repeat_cases.percent(), None);
        assert!(r.referrals_by_agency.iter().all(|(_, n)| *n == 0));
        assert!(
            r.attendance
                .iter()
                .all(|a| a.held == 0 && a.percent_tenths.is_none())
        );
        assert_eq!(r.unmatched_attendance, 1);
        assert_eq!(r.annualised_cases, Some(0));
        Ok(())
    }

    #[test]
    fn the_period_must_run_forwards_and_be_at_most_a_leap_year() {
        assert_eq!(
            data_return(&[], &[], &[], TO, FROM),
            Err(ReturnError::PeriodReversed { from: TO, to: FROM })
        );
        // One day is a period.
        assert!(data_return(&[], &[], &[], FROM, FROM).is_ok());
        // 2024 is a leap year: 366 days, allowed.
        assert!(data_return(&[], &[], &[], FROM, date!(2024 - 12 - 31)).is_ok());
        assert_eq!(
            data_return(&[], &[], &[], FROM, date!(2025 - 01 - 01)),
            Err(ReturnError::PeriodTooLong {
                days: 367,
                max: 366
            })
        );
        assert_eq!(
            ReturnError::PeriodTooLong {
                days: 367,
                max: 366
            }
            .to_string(),
            "period: 367 days is longer than a return may cover (366 days)"
        );
    }

    #[test]
    fn shares_round_half_up_to_one_decimal() {
        assert_eq!(Share::new(1, 0, 3).percent().as_deref(), Some("33.3"));
        assert_eq!(Share::new(2, 0, 3).percent().as_deref(), Some("66.7"));
        assert_eq!(Share::new(1, 0, 8).percent().as_deref(), Some("12.5"));
        assert_eq!(Share::new(1, 0, 16).percent().as_deref(), Some("6.3")); // 6.25
        assert_eq!(Share::new(0, 0, 7).percent().as_deref(), Some("0.0"));
        assert_eq!(Share::new(7, 0, 7).percent().as_deref(), Some("100.0"));
    }

    #[test]
    fn a_quarter_is_annualised_by_its_days_not_by_four() {
        // 100 cases in January–March 2023 (90 days): 100 × 365 / 90 = 405.6 → 406, where
        // × 4 would say 400.
        assert_eq!(
            annualised_cases(100, date!(2023 - 01 - 01), date!(2023 - 03 - 31)),
            Some(406)
        );
        // April–June (91 days): 401.1 → 401. July–September (92 days): 396.7 → 397.
        assert_eq!(
            annualised_cases(100, date!(2023 - 04 - 01), date!(2023 - 06 - 30)),
            Some(401)
        );
        assert_eq!(
            annualised_cases(100, date!(2023 - 07 - 01), date!(2023 - 09 - 30)),
            Some(397)
        );
        // A whole ordinary year is unchanged; a reversed period has no rate.
        assert_eq!(
            annualised_cases(88_461, date!(2017 - 04 - 01), date!(2018 - 03 - 31)),
            Some(88_461)
        );
        assert_eq!(annualised_cases(1, TO, FROM), None);
    }

    #[test]
    fn the_quarter_annualises_over_its_91_days() -> Result<(), ReturnError> {
        // January–March 2024 is 91 days (a leap year): 10 × 365 / 91 = 40.1 → 40.
        let r = data_return(&quarter(), &[], &[], FROM, TO)?;
        assert_eq!(r.days_in_period, 91);
        assert_eq!(r.annualised_cases, Some(40));
        // No population set: no coverage, and the rows that need it are blank.
        assert_eq!(r.coverage, None);
        let row = |r: &DataReturn, label: &str| {
            rows(r)
                .into_iter()
                .find(|row| row.0.starts_with(label))
                .map(|row| row.1)
        };
        assert_eq!(row(&r, "Days in the period").as_deref(), Some("91"));
        assert_eq!(row(&r, "Cases a year at this rate").as_deref(), Some("40"));
        assert_eq!(row(&r, "Adult female population").as_deref(), Some(""));
        assert_eq!(
            row(&r, "Cases a year per 10,000 adult females").as_deref(),
            Some("")
        );
        // 12,000 adult females: 40 × 10,000 / 12,000 = 33.33 → 33.3 per 10,000 against
        // the recommended 40, which for 12,000 women is 48 cases a year.
        let r = r.with_adult_females(Some(12_000));
        let c = r
            .coverage
            .ok_or(ReturnError::PeriodReversed { from: TO, to: FROM })?;
        assert_eq!((c.cases_per_year, c.adult_females), (40, 12_000));
        assert_eq!((c.per_10k, c.per_10k_tenths), (33, 333));
        assert_eq!((c.recommended_per_10k, c.recommended_cases), (40, 48));
        assert!(!c.meets_recommended);
        assert_eq!(row(&r, "Adult female population").as_deref(), Some("12000"));
        assert_eq!(
            row(&r, "Cases a year per 10,000 adult females").as_deref(),
            Some("33.3")
        );
        assert_eq!(
            row(&r, "Recommended cases a year per 10,000 adult females").as_deref(),
            Some("40")
        );
        assert_eq!(
            row(&r, "Recommended cases a year for this population").as_deref(),
            Some("48")
        );
        // Setting the population back to none takes the coverage away again.
        assert_eq!(r.with_adult_females(None).coverage, None);
        Ok(())
    }

    #[test]
    fn a_perpetrators_age_not_recorded_is_unknown_not_no() {
        // One perpetrator.
        assert_eq!(perpetrator_aged_17_or_under(&[Some(17)]), Some(true));
        assert_eq!(perpetrator_aged_17_or_under(&[Some(18)]), Some(false));
        assert_eq!(perpetrator_aged_17_or_under(&[None]), None);
        // Two perpetrators: one known to be 17 or under is enough; otherwise a missing
        // date of birth makes it unknown.
        assert_eq!(perpetrator_aged_17_or_under(&[None, Some(16)]), Some(true));
        assert_eq!(perpetrator_aged_17_or_under(&[Some(30), None]), None);
        assert_eq!(perpetrator_aged_17_or_under(&[None, None]), None);
        assert_eq!(
            perpetrator_aged_17_or_under(&[Some(30), Some(45)]),
            Some(false)
        );
        // No perpetrator recorded: not known.
        assert_eq!(perpetrator_aged_17_or_under(&[]), None);
    }

    #[test]
    fn the_annualising_uses_the_days_of_the_period_asked_for() -> Result<(), ReturnError> {
        // January alone (31 days) holds the first meeting's three hearings:
        // 3 × 365 / 31 = 35.3 → 35, where the quarter's 91 days would say 12.
        let r = data_return(&quarter(), &[], &[], FROM, date!(2024 - 01 - 31))?;
        assert_eq!(r.cases_discussed, 3);
        assert_eq!(r.days_in_period, 31);
        assert_eq!(r.annualised_cases, Some(35));
        Ok(())
    }

    #[test]
    fn coverage_reproduces_the_ons_figure() -> Result<(), String> {
        // ONS, year to March 2018: 88,461 cases against a recommended 93,220. At 40 per
        // 10,000 that recommendation implies 93,220 × 250 = 23,305,000 adult females, and
        // 88,461 × 10,000 / 23,305,000 = 37.96 → 38 per 10,000 (38.0 to one decimal).
        let c = coverage_per_10k(88_461, 23_305_000).ok_or("no coverage")?;
        assert_eq!(c.per_10k, 38);
        assert_eq!(c.per_10k_text(), "38.0");
        assert_eq!(c.recommended_cases, 93_220);
        assert!(!c.meets_recommended);
        Ok(())
    }

    #[test]
    fn coverage_matches_the_worked_example() -> Result<(), String> {
        // 100,000 adult females → 400 cases a year recommended; 400 cases is 40 per 10,000.
        let c = coverage_per_10k(400, 100_000).ok_or("no coverage")?;
        assert_eq!(c.recommended_cases, 400);
        assert_eq!(c.per_10k, 40);
        assert_eq!(c.per_10k_tenths, 400);
        assert!(c.meets_recommended);
        // One case short is below the recommendation, though it rounds to 40.
        let short = coverage_per_10k(399, 100_000).ok_or("no coverage")?;
        assert_eq!(short.per_10k, 40);
        assert_eq!(short.per_10k_text(), "39.9");
        assert!(!short.meets_recommended);
        // No population, no rate.
        assert_eq!(coverage_per_10k(400, 0), None);
        Ok(())
    }

    #[test]
    fn agency_kinds_have_stable_keys() {
        for kind in AgencyKind::ALL {
            assert_eq!(AgencyKind::parse(kind.as_str()), Some(*kind));
            assert!(!kind.label().is_empty());
        }
        assert_eq!(AgencyKind::IdvaService.as_str(), "idva_service");
    }
}
