//! The risk decision: score an assessment, band it, and say which Marac referral criteria it
//! meets. The score is a floor: criteria can raise a case to high risk but nothing lowers it.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::answer::Answer;
use super::assessment::Assessment;
use super::error::DashInputError;
use super::instrument::{Instrument, ScoringRule};
use super::thresholds::Thresholds;

/// The risk band of a case. Ordered from least to most serious so that `max` raises a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Standard,
    Medium,
    High,
}

impl RiskLevel {
    /// Every level, least serious first.
    pub const ALL: [RiskLevel; 3] = [RiskLevel::Standard, RiskLevel::Medium, RiskLevel::High];

    /// The stable machine spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            RiskLevel::Standard => "standard",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    /// Reads the machine spelling back; exact match only.
    pub fn parse(s: &str) -> Option<RiskLevel> {
        RiskLevel::ALL.into_iter().find(|level| level.as_str() == s)
    }

    /// The name shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            RiskLevel::Standard => "Standard",
            RiskLevel::Medium => "Medium",
            RiskLevel::High => "High",
        }
    }
}

/// A reason to refer a case to the Marac. Declared in the order they are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaracCriterion {
    /// The number of yes answers reached the high-risk threshold.
    VisibleHighRisk,
    /// The assessor has serious concerns whatever the score, with a recorded reason.
    ProfessionalJudgement,
    /// Enough incidents in the past 12 months to suggest the abuse is escalating.
    PotentialEscalation,
    /// A further incident within the repeat window of the victim's last referral.
    Repeat,
}

impl MaracCriterion {
    /// Every criterion, in reporting order.
    pub const ALL: [MaracCriterion; 4] = [
        MaracCriterion::VisibleHighRisk,
        MaracCriterion::ProfessionalJudgement,
        MaracCriterion::PotentialEscalation,
        MaracCriterion::Repeat,
    ];

    /// The stable machine spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            MaracCriterion::VisibleHighRisk => "visible_high_risk",
            MaracCriterion::ProfessionalJudgement => "professional_judgement",
            MaracCriterion::PotentialEscalation => "potential_escalation",
            MaracCriterion::Repeat => "repeat",
        }
    }

    /// Reads the machine spelling back; exact match only.
    pub fn parse(s: &str) -> Option<MaracCriterion> {
        MaracCriterion::ALL
            .into_iter()
            .find(|criterion| criterion.as_str() == s)
    }

    /// The short name shown to people. The numbers are local settings, so they are left out
    /// here; [`MaracCriterion::describe`] includes them.
    pub fn label(&self) -> &'static str {
        match self {
            MaracCriterion::VisibleHighRisk => "Visible high risk",
            MaracCriterion::ProfessionalJudgement => "Professional judgement",
            MaracCriterion::PotentialEscalation => "Potential escalation",
            MaracCriterion::Repeat => "Repeat within 12 months",
        }
    }

    /// The criterion with this Marac's numbers, for referral forms and decision screens.
    pub fn describe(&self, thresholds: &Thresholds) -> String {
        match self {
            MaracCriterion::VisibleHighRisk => format!(
                "Visible high risk ({} or more yes answers)",
                thresholds.visible_high_risk_yes
            ),
            MaracCriterion::ProfessionalJudgement => {
                "Professional judgement (serious concerns, reason recorded)".to_string()
            }
            MaracCriterion::PotentialEscalation => format!(
                "Potential escalation ({} or more incidents in the past 12 months)",
                thresholds.escalation_incidents
            ),
            MaracCriterion::Repeat => format!(
                "Repeat (a further incident within {} months of the last referral)",
                thresholds.repeat_window_months
            ),
        }
    }
}

/// The outcome of scoring one assessment; also the output of `waymark dash score`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub instrument: String,
    pub version: String,
    pub yes_count: u32,
    pub not_known_count: u32,
    /// Items with any answer, not known included.
    pub answered: u32,
    /// Keys of items with no answer, in instrument order, so the assessor can go back to them.
    pub unanswered: Vec<String>,
    pub risk_level: RiskLevel,
    pub refer_to_marac: bool,
    /// The criteria met, in [`MaracCriterion`] declaration order.
    pub criteria: Vec<MaracCriterion>,
}

/// Scores `assessment` against `instrument` under a Marac's `thresholds`.
///
/// Only the instrument's own items are counted, in its order, so an answer that is somehow not
/// an item (fields are public) can never inflate a score. The caller must pass the instrument
/// the assessment was made with; [`try_decide`] checks that.
pub fn decide(
    instrument: &Instrument,
    thresholds: &Thresholds,
    assessment: &Assessment,
) -> Decision {
    let mut yes_count: u32 = 0;
    let mut not_known_count: u32 = 0;
    let mut answered: u32 = 0;
    let mut unanswered = Vec::new();
    for item in &instrument.items {
        match assessment.answers.get(&item.key) {
            Some(answer) => {
                answered = answered.saturating_add(1);
                match answer {
                    Answer::Yes => yes_count = yes_count.saturating_add(1),
                    Answer::NotKnown => not_known_count = not_known_count.saturating_add(1),
                    Answer::No => {}
                }
            }
            None => unanswered.push(item.key.clone()),
        }
    }
    let score = match instrument.scoring {
        ScoringRule::CountYes => yes_count,
    };

    let judgement_given = assessment
        .professional_judgement
        .as_ref()
        .is_some_and(|judgement| !judgement.reason.trim().is_empty());
    let repeat = assessment
        .previous_marac_referral_on
        .is_some_and(|referral_on| {
            is_within_repeat_window(
                referral_on,
                assessment.assessed_on,
                thresholds.repeat_window_months,
            )
        });
    let criteria: Vec<MaracCriterion> = [
        (
            MaracCriterion::VisibleHighRisk,
            score >= thresholds.visible_high_risk_yes,
        ),
        (MaracCriterion::ProfessionalJudgement, judgement_given),
        (
            MaracCriterion::PotentialEscalation,
            assessment.abuse_incidents_last_12_months >= thresholds.escalation_incidents,
        ),
        (MaracCriterion::Repeat, repeat),
    ]
    .into_iter()
    .filter_map(|(criterion, met)| met.then_some(criterion))
    .collect();

    let refer_to_marac = !criteria.is_empty();
    // High risk is exactly "meets a Marac criterion": a visible-high-risk score is one such
    // criterion, and judgement, escalation or a repeat raise a lower score to high. Nothing
    // lowers a level, so the score bands below apply only when no criterion is met.
    let risk_level = if refer_to_marac {
        RiskLevel::High
    } else if score >= thresholds.medium_from_yes {
        RiskLevel::Medium
    } else {
        RiskLevel::Standard
    };

    Decision {
        instrument: instrument.id.clone(),
        version: instrument.version.clone(),
        yes_count,
        not_known_count,
        answered,
        unanswered,
        risk_level,
        refer_to_marac,
        criteria,
    }
}

/// [`decide`], refusing an instrument other than the one the assessment was made with.
pub fn try_decide(
    instrument: &Instrument,
    thresholds: &Thresholds,
    assessment: &Assessment,
) -> Result<Decision, DashInputError> {
    if assessment.instrument_id != instrument.id
        || assessment.instrument_version != instrument.version
    {
        return Err(DashInputError::InstrumentMismatch {
            assessment: format!(
                "{} {}",
                assessment.instrument_id, assessment.instrument_version
            ),
            instrument: format!("{} {}", instrument.id, instrument.version),
        });
    }
    Ok(decide(instrument, thresholds, assessment))
}

/// Whether an incident identified on `identified_on` is a repeat of a referral made on
/// `referral_on`: from the referral day itself up to and including the last day of the window.
fn is_within_repeat_window(referral_on: Date, identified_on: Date, months: u32) -> bool {
    referral_on <= identified_on && identified_on <= repeat_window_end(referral_on, months)
}

/// The last day of a repeat window: the same calendar date `months` later, or the last day of
/// that month when the date does not exist there (29 Feb 2024 + 12 months = 28 Feb 2025).
/// Saturates at the latest representable date rather than failing.
pub fn repeat_window_end(referral_on: Date, months: u32) -> Date {
    let start = i64::from(referral_on.year()) * 12 + i64::from(u8::from(referral_on.month())) - 1;
    let target = start + i64::from(months);
    let year = i32::try_from(target.div_euclid(12)).ok();
    let month = u8::try_from(target.rem_euclid(12) + 1)
        .ok()
        .and_then(|number| Month::try_from(number).ok());
    let (Some(year), Some(month)) = (year, month) else {
        return Date::MAX;
    };
    let day = referral_on.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::dash::assessment::ProfessionalJudgement;
    use crate::dash::testing::{dash, date, first_n_yes, key};

    fn assess(
        answers: BTreeMap<String, Answer>,
        incidents: u32,
        judgement: Option<&str>,
        assessed_on: Date,
        previous_referral: Option<Date>,
    ) -> Assessment {
        Assessment::new(
            &dash(),
            answers,
            BTreeMap::new(),
            incidents,
            judgement.map(|reason| ProfessionalJudgement::new(reason).unwrap()),
            assessed_on,
            previous_referral,
        )
        .unwrap()
    }

    fn yes(n: usize) -> Assessment {
        assess(first_n_yes(n), 0, None, date(2024, 6, 1), None)
    }

    fn decide_default(assessment: &Assessment) -> Decision {
        decide(&dash(), &Thresholds::default(), assessment)
    }

    #[test]
    fn thirteen_yes_is_medium_and_not_referred() {
        let d = decide_default(&yes(13));
        assert_eq!(d.yes_count, 13);
        assert_eq!(d.risk_level, RiskLevel::Medium);
        assert!(!d.refer_to_marac);
        assert!(d.criteria.is_empty());
    }

    #[test]
    fn fourteen_yes_is_visible_high_risk() {
        let d = decide_default(&yes(14));
        assert_eq!(d.yes_count, 14);
        assert_eq!(d.risk_level, RiskLevel::High);
        assert!(d.refer_to_marac);
        assert_eq!(d.criteria, [MaracCriterion::VisibleHighRisk]);
    }

    #[test]
    fn medium_band_starts_at_ten() {
        let nine = decide_default(&yes(9));
        assert_eq!(nine.risk_level, RiskLevel::Standard);
        let ten = decide_default(&yes(10));
        assert_eq!(ten.risk_level, RiskLevel::Medium);
        assert!(!ten.refer_to_marac);
        assert_eq!(decide_default(&yes(0)).risk_level, RiskLevel::Standard);
    }

    #[test]
    fn three_incidents_is_potential_escalation_whatever_the_score() {
        let two = decide_default(&assess(BTreeMap::new(), 2, None, date(2024, 6, 1), None));
        assert!(!two.refer_to_marac);
        assert_eq!(two.risk_level, RiskLevel::Standard);
        let three = decide_default(&assess(BTreeMap::new(), 3, None, date(2024, 6, 1), None));
        assert!(three.refer_to_marac);
        assert_eq!(three.criteria, [MaracCriterion::PotentialEscalation]);
        assert_eq!(three.risk_level, RiskLevel::High);
    }

    fn repeat_decision(referral: Date, assessed: Date) -> Decision {
        decide_default(&assess(BTreeMap::new(), 0, None, assessed, Some(referral)))
    }

    #[test]
    fn repeat_exactly_twelve_months_to_the_day_refers() {
        let d = repeat_decision(date(2024, 3, 15), date(2025, 3, 15));
        assert_eq!(d.criteria, [MaracCriterion::Repeat]);
        assert!(d.refer_to_marac);
        assert_eq!(d.risk_level, RiskLevel::High);
    }

    #[test]
    fn repeat_one_day_past_the_window_is_a_new_referral() {
        let d = repeat_decision(date(2024, 3, 15), date(2025, 3, 16));
        assert!(d.criteria.is_empty());
        assert!(!d.refer_to_marac);
        assert_eq!(d.risk_level, RiskLevel::Standard);
    }

    #[test]
    fn repeat_on_the_referral_day_itself_counts() {
        let d = repeat_decision(date(2024, 3, 15), date(2024, 3, 15));
        assert_eq!(d.criteria, [MaracCriterion::Repeat]);
    }

    #[test]
    fn assessment_before_the_referral_is_not_a_repeat() {
        let d = repeat_decision(date(2024, 3, 15), date(2024, 3, 14));
        assert!(d.criteria.is_empty());
    }

    #[test]
    fn no_previous_referral_is_never_a_repeat() {
        let d = decide_default(&assess(BTreeMap::new(), 0, None, date(2024, 3, 15), None));
        assert!(!d.refer_to_marac);
    }

    #[test]
    fn repeat_window_from_29_february_ends_on_28_february() {
        assert_eq!(repeat_window_end(date(2024, 2, 29), 12), date(2025, 2, 28));
        let last_day = repeat_decision(date(2024, 2, 29), date(2025, 2, 28));
        assert_eq!(last_day.criteria, [MaracCriterion::Repeat]);
        let day_after = repeat_decision(date(2024, 2, 29), date(2025, 3, 1));
        assert!(day_after.criteria.is_empty());
    }

    #[test]
    fn repeat_window_end_clamps_and_rolls_over_years() {
        assert_eq!(repeat_window_end(date(2024, 2, 29), 48), date(2028, 2, 29));
        assert_eq!(repeat_window_end(date(2024, 1, 31), 1), date(2024, 2, 29));
        assert_eq!(repeat_window_end(date(2023, 1, 31), 1), date(2023, 2, 28));
        assert_eq!(repeat_window_end(date(2024, 3, 31), 6), date(2024, 9, 30));
        assert_eq!(repeat_window_end(date(2024, 11, 30), 3), date(2025, 2, 28));
        assert_eq!(repeat_window_end(date(2024, 12, 15), 1), date(2025, 1, 15));
        assert_eq!(repeat_window_end(date(2024, 3, 15), 0), date(2024, 3, 15));
    }

    #[test]
    fn repeat_window_end_saturates_instead_of_failing() {
        assert_eq!(repeat_window_end(date(9999, 6, 1), 12), Date::MAX);
        assert_eq!(repeat_window_end(date(2024, 6, 1), u32::MAX), Date::MAX);
    }

    #[test]
    fn not_known_never_counts_as_yes() {
        let all_not_known: BTreeMap<String, Answer> =
            (1..=24).map(|n| (key(n), Answer::NotKnown)).collect();
        let d = decide_default(&assess(all_not_known, 0, None, date(2024, 6, 1), None));
        assert_eq!((d.yes_count, d.not_known_count, d.answered), (0, 24, 24));
        assert_eq!(d.risk_level, RiskLevel::Standard);
        assert!(!d.refer_to_marac);

        // 13 yes with every other item not known stays below the high-risk threshold.
        let mut answers = first_n_yes(13);
        for n in 14..=24 {
            answers.insert(key(n), Answer::NotKnown);
        }
        let d = decide_default(&assess(answers, 0, None, date(2024, 6, 1), None));
        assert_eq!((d.yes_count, d.not_known_count), (13, 11));
        assert_eq!(d.risk_level, RiskLevel::Medium);
        assert!(!d.refer_to_marac);
    }

    #[test]
    fn unanswered_items_are_reported_in_instrument_order() {
        let mut answers = BTreeMap::new();
        for n in [2, 5, 11, 24] {
            answers.insert(key(n), Answer::No);
        }
        let d = decide_default(&assess(answers, 0, None, date(2024, 6, 1), None));
        let expected: Vec<String> = (1..=24)
            .filter(|n| ![2, 5, 11, 24].contains(n))
            .map(key)
            .collect();
        // Instrument order puts q9 before q10, which sorted-string order would not.
        assert_eq!(d.unanswered, expected);
        assert_eq!(d.answered, 4);
        assert_eq!(d.answered as usize + d.unanswered.len(), 24);
    }

    #[test]
    fn judgement_raises_a_low_score_to_high() {
        let d = decide_default(&assess(
            first_n_yes(2),
            0,
            Some("threats to the children last night"),
            date(2024, 6, 1),
            None,
        ));
        assert_eq!(d.yes_count, 2);
        assert_eq!(d.risk_level, RiskLevel::High);
        assert!(d.refer_to_marac);
        assert_eq!(d.criteria, [MaracCriterion::ProfessionalJudgement]);
    }

    #[test]
    fn judgement_never_lowers_a_high_score() {
        let d = decide_default(&assess(
            first_n_yes(20),
            0,
            Some("victim minimising"),
            date(2024, 6, 1),
            None,
        ));
        assert_eq!(d.risk_level, RiskLevel::High);
        assert_eq!(
            d.criteria,
            [
                MaracCriterion::VisibleHighRisk,
                MaracCriterion::ProfessionalJudgement
            ]
        );
    }

    #[test]
    fn a_hand_built_empty_judgement_meets_no_criterion() {
        let mut assessment = yes(0);
        assessment.professional_judgement = Some(ProfessionalJudgement {
            reason: " ".to_string(),
        });
        let d = decide_default(&assessment);
        assert!(!d.refer_to_marac);
    }

    #[test]
    fn answers_outside_the_instrument_are_ignored() {
        let mut assessment = yes(13);
        assessment.answers.insert("q99".to_string(), Answer::Yes);
        let d = decide_default(&assessment);
        assert_eq!(d.yes_count, 13);
        assert_eq!(d.answered, 13);
        assert!(!d.refer_to_marac);
    }

    #[test]
    fn all_criteria_are_reported_in_declared_order() {
        let d = decide_default(&assess(
            first_n_yes(15),
            5,
            Some("serious concern"),
            date(2024, 6, 1),
            Some(date(2024, 1, 1)),
        ));
        assert_eq!(d.criteria, MaracCriterion::ALL);
        let mut sorted = d.criteria.clone();
        sorted.sort();
        assert_eq!(sorted, d.criteria);
    }

    #[test]
    fn thresholds_are_configurable() {
        let local = Thresholds {
            visible_high_risk_yes: 12,
            medium_from_yes: 8,
            escalation_incidents: 4,
            repeat_window_months: 6,
        };
        let d = |a: &Assessment| decide(&dash(), &local, a);
        assert_eq!(d(&yes(12)).criteria, [MaracCriterion::VisibleHighRisk]);
        assert_eq!(d(&yes(11)).risk_level, RiskLevel::Medium);
        assert_eq!(d(&yes(8)).risk_level, RiskLevel::Medium);
        assert_eq!(d(&yes(7)).risk_level, RiskLevel::Standard);
        // Three incidents escalate by default but not under a threshold of four.
        let three = assess(BTreeMap::new(), 3, None, date(2024, 6, 1), None);
        assert!(!d(&three).refer_to_marac);
        let four = assess(BTreeMap::new(), 4, None, date(2024, 6, 1), None);
        assert_eq!(d(&four).criteria, [MaracCriterion::PotentialEscalation]);
        // A six-month repeat window.
        let inside = assess(
            BTreeMap::new(),
            0,
            None,
            date(2024, 7, 15),
            Some(date(2024, 1, 15)),
        );
        assert_eq!(d(&inside).criteria, [MaracCriterion::Repeat]);
        let outside = assess(
            BTreeMap::new(),
            0,
            None,
            date(2024, 7, 16),
            Some(date(2024, 1, 15)),
        );
        assert!(d(&outside).criteria.is_empty());
        // An area that escalates at two incidents.
        let two = assess(BTreeMap::new(), 2, None, date(2024, 6, 1), None);
        let strict = Thresholds {
            escalation_incidents: 2,
            ..Thresholds::default()
        };
        assert!(decide(&dash(), &strict, &two).refer_to_marac);
    }

    #[test]
    fn decision_serialises_to_the_agreed_shape() {
        let mut answers = first_n_yes(14);
        answers.insert(key(15), Answer::NotKnown);
        answers.insert(key(16), Answer::No);
        let d = decide_default(&assess(answers, 0, None, date(2024, 6, 1), None));
        let json = serde_json::to_string(&d).unwrap();
        let expected = concat!(
            r#"{"instrument":"safelives-dash-ric","version":"2009-uk","yes_count":14,"#,
            r#""not_known_count":1,"answered":16,"#,
            r#""unanswered":["q17","q18","q19","q20","q21","q22","q23","q24"],"#,
            r#""risk_level":"high","refer_to_marac":true,"criteria":["visible_high_risk"]}"#
        );
        assert_eq!(json, expected);
        let back: Decision = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn try_decide_refuses_the_wrong_instrument() {
        let assessment = yes(3);
        let mut other = dash();
        other.version = "2099-test".to_string();
        let err = try_decide(&other, &Thresholds::default(), &assessment).unwrap_err();
        assert_eq!(
            err.to_string(),
            "instrument: this assessment is for safelives-dash-ric 2009-uk but was scored with safelives-dash-ric 2099-test"
        );
        let ok = try_decide(&dash(), &Thresholds::default(), &assessment).unwrap();
        assert_eq!(ok, decide_default(&assessment));
    }

    #[test]
    fn risk_levels_order_and_spell() {
        assert!(RiskLevel::Standard < RiskLevel::Medium && RiskLevel::Medium < RiskLevel::High);
        assert_eq!(
            RiskLevel::ALL.map(|l| l.as_str()),
            ["standard", "medium", "high"]
        );
        assert_eq!(
            RiskLevel::ALL.map(|l| l.label()),
            ["Standard", "Medium", "High"]
        );
        for level in RiskLevel::ALL {
            assert_eq!(RiskLevel::parse(level.as_str()), Some(level));
            assert_eq!(
                serde_json::to_string(&level).unwrap(),
                format!("\"{}\"", level.as_str())
            );
        }
        assert_eq!(RiskLevel::parse("High"), None);
    }

    #[test]
    fn criteria_spell_and_label() {
        assert_eq!(
            MaracCriterion::ALL.map(|c| c.as_str()),
            [
                "visible_high_risk",
                "professional_judgement",
                "potential_escalation",
                "repeat"
            ]
        );
        assert_eq!(
            MaracCriterion::ALL.map(|c| c.label()),
            [
                "Visible high risk",
                "Professional judgement",
                "Potential escalation",
                "Repeat within 12 months"
            ]
        );
        for criterion in MaracCriterion::ALL {
            assert_eq!(MaracCriterion::parse(criterion.as_str()), Some(criterion));
            assert_eq!(
                serde_json::to_string(&criterion).unwrap(),
                format!("\"{}\"", criterion.as_str())
            );
        }
        assert_eq!(MaracCriterion::parse("Repeat"), None);
        let local = Thresholds {
            visible_high_risk_yes: 12,
            ..Thresholds::default()
        };
        assert_eq!(
            MaracCriterion::VisibleHighRisk.describe(&local),
            "Visible high risk (12 or more yes answers)"
        );
    }
}
