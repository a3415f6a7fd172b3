//! What changed between two assessments of the same case, so a caseworker re-assessing sees at
//! a glance which risk factors are new and whether the risk level moved.

use serde::Serialize;

use super::answer::Answer;
use super::assessment::Assessment;
use super::decision::{Decision, RiskLevel};
use super::instrument::Instrument;

/// The difference between the previous assessment of a case and this one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AssessmentChange {
    /// Items not yes before (no, not known or unanswered) and yes now, in instrument order.
    pub turned_yes: Vec<String>,
    /// Items yes before and not yes now, in instrument order.
    pub no_longer_yes: Vec<String>,
    /// This score minus the previous one.
    pub score_delta: i64,
    pub previous_level: RiskLevel,
    pub level_changed: bool,
}

/// Compares two assessments of one case against `instrument`. Each decision must be the one
/// made for its assessment; they are passed in rather than recomputed so the comparison shows
/// what was actually recorded, under the thresholds in force at the time.
pub fn compare(
    instrument: &Instrument,
    previous: &Assessment,
    previous_decision: &Decision,
    current: &Assessment,
    current_decision: &Decision,
) -> AssessmentChange {
    let is_yes =
        |assessment: &Assessment, key: &str| assessment.answers.get(key) == Some(&Answer::Yes);
    let mut turned_yes = Vec::new();
    let mut no_longer_yes = Vec::new();
    for key in instrument.keys() {
        match (is_yes(previous, key), is_yes(current, key)) {
            (false, true) => turned_yes.push(key.to_string()),
            (true, false) => no_longer_yes.push(key.to_string()),
            _ => {}
        }
    }
    AssessmentChange {
        turned_yes,
        no_longer_yes,
        score_delta: i64::from(current_decision.yes_count) - i64::from(previous_decision.yes_count),
        previous_level: previous_decision.risk_level,
        level_changed: previous_decision.risk_level != current_decision.risk_level,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::dash::decision::decide;
    use crate::dash::testing::{answers, dash, date, first_n_yes, key};
    use crate::dash::thresholds::Thresholds;

    fn assessment(answers: BTreeMap<String, Answer>) -> Assessment {
        Assessment::new(
            &dash(),
            answers,
            BTreeMap::new(),
            0,
            None,
            date(2024, 6, 1),
            None,
        )
        .unwrap()
    }

    fn change(previous: &Assessment, current: &Assessment) -> AssessmentChange {
        let instrument = dash();
        let thresholds = Thresholds::default();
        compare(
            &instrument,
            previous,
            &decide(&instrument, &thresholds, previous),
            current,
            &decide(&instrument, &thresholds, current),
        )
    }

    #[test]
    fn turned_yes_and_no_longer_yes_follow_instrument_order() {
        let previous = assessment(answers(&[
            ("q1", Answer::Yes),
            ("q2", Answer::No),
            ("q3", Answer::NotKnown),
            ("q4", Answer::Yes),
            ("q11", Answer::Yes),
        ]));
        let current = assessment(answers(&[
            ("q1", Answer::Yes),
            ("q2", Answer::Yes),
            ("q3", Answer::Yes),
            ("q4", Answer::No),
            ("q9", Answer::Yes),
            ("q10", Answer::Yes),
        ]));
        let change = change(&previous, &current);
        // q9 before q10: instrument order, not string order. q5..q8 were never yes.
        assert_eq!(change.turned_yes, ["q2", "q3", "q9", "q10"]);
        // q11 went from yes to unanswered, which is no longer yes.
        assert_eq!(change.no_longer_yes, ["q4", "q11"]);
        assert_eq!(change.score_delta, 5 - 3);
        assert_eq!(change.previous_level, RiskLevel::Standard);
        assert!(!change.level_changed);
    }

    #[test]
    fn crossing_a_band_is_a_level_change() {
        let change_up = change(&assessment(first_n_yes(9)), &assessment(first_n_yes(10)));
        assert_eq!(change_up.turned_yes, [key(10)]);
        assert_eq!(change_up.score_delta, 1);
        assert_eq!(change_up.previous_level, RiskLevel::Standard);
        assert!(change_up.level_changed);

        let change_down = change(&assessment(first_n_yes(16)), &assessment(first_n_yes(12)));
        assert_eq!(
            change_down.no_longer_yes,
            [key(13), key(14), key(15), key(16)]
        );
        assert!(change_down.turned_yes.is_empty());
        assert_eq!(change_down.score_delta, -4);
        assert_eq!(change_down.previous_level, RiskLevel::High);
        assert!(change_down.level_changed);
    }

    #[test]
    fn identical_assessments_show_no_change() {
        let same = assessment(first_n_yes(7));
        let change = change(&same, &same);
        assert!(change.turned_yes.is_empty() && change.no_longer_yes.is_empty());
        assert_eq!(change.score_delta, 0);
        assert!(!change.level_changed);
    }
}
