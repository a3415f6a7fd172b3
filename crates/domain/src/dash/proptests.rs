//! Property tests: the scoring and referral rules hold for every combination of answers,
//! incidents, judgement, dates and valid thresholds, not only for the hand-picked examples.

use std::collections::BTreeMap;

use proptest::prelude::*;
use time::{Date, Duration};

use super::answer::Answer;
use super::assessment::{Assessment, ProfessionalJudgement};
use super::decision::{Decision, RiskLevel, decide, repeat_window_end};
use super::instrument::InstrumentRegistry;
use super::request::parse_score_request;
use super::testing::{dash, date, key};
use super::thresholds::Thresholds;

const ITEMS: usize = 24;

fn answer() -> impl Strategy<Value = Option<Answer>> {
    prop_oneof![
        Just(None),
        Just(Some(Answer::Yes)),
        Just(Some(Answer::No)),
        Just(Some(Answer::NotKnown)),
    ]
}

fn day_in_range() -> impl Strategy<Value = Date> {
    // 2015-01-01 to about 2034, wide enough to cross many leap years and month ends.
    (0i64..7000).prop_map(|offset| date(2015, 1, 1) + Duration::days(offset))
}

fn thresholds() -> impl Strategy<Value = Thresholds> {
    (1u32..=25, 1u32..=6, 1u32..=24).prop_flat_map(|(visible, escalation, window)| {
        (0u32..=visible).prop_map(move |medium| Thresholds {
            visible_high_risk_yes: visible,
            medium_from_yes: medium,
            escalation_incidents: escalation,
            repeat_window_months: window,
        })
    })
}

prop_compose! {
    fn assessment()(
        answers in proptest::collection::vec(answer(), ITEMS),
        incidents in 0u32..8,
        judgement in proptest::option::of("[a-z ]{0,12}"),
        assessed_on in day_in_range(),
        referral_before in proptest::option::of(-60i64..800),
    ) -> Assessment {
        let answers: BTreeMap<String, Answer> = answers
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.map(|a| (key(i + 1), a)))
            .collect();
        // Blank generated reasons mean "no judgement", as a form would treat them.
        let judgement = judgement.and_then(|r| ProfessionalJudgement::new(r).ok());
        let previous = referral_before.map(|days| assessed_on - Duration::days(days));
        Assessment::new(&dash(), answers, BTreeMap::new(), incidents, judgement, assessed_on, previous)
            .expect("generated assessments use only Dash keys")
    }
}

fn score_band(decision: &Decision, thresholds: &Thresholds) -> RiskLevel {
    if decision.yes_count >= thresholds.visible_high_risk_yes {
        RiskLevel::High
    } else if decision.yes_count >= thresholds.medium_from_yes {
        RiskLevel::Medium
    } else {
        RiskLevel::Standard
    }
}

proptest! {
    #[test]
    fn the_score_is_exactly_the_number_of_yes_answers(a in assessment(), t in thresholds()) {
        let d = decide(&dash(), &t, &a);
        let yes = a.answers.values().filter(|x| **x == Answer::Yes).count();
        let not_known = a.answers.values().filter(|x| **x == Answer::NotKnown).count();
        prop_assert_eq!(d.yes_count as usize, yes);
        prop_assert!(d.yes_count as usize <= ITEMS);
        prop_assert_eq!(d.not_known_count as usize, not_known);
    }

    #[test]
    fn answered_plus_unanswered_is_every_item(a in assessment(), t in thresholds()) {
        let instrument = dash();
        let d = decide(&instrument, &t, &a);
        prop_assert_eq!(d.answered as usize + d.unanswered.len(), instrument.items.len());
        let expected: Vec<String> = instrument
            .keys()
            .filter(|k| !a.answers.contains_key(*k))
            .map(str::to_string)
            .collect();
        prop_assert_eq!(&d.unanswered, &expected);
    }

    #[test]
    fn referral_means_high_risk_and_the_score_is_a_floor(a in assessment(), t in thresholds()) {
        let d = decide(&dash(), &t, &a);
        prop_assert_eq!(d.refer_to_marac, !d.criteria.is_empty());
        if d.refer_to_marac {
            prop_assert_eq!(d.risk_level, RiskLevel::High);
        } else {
            prop_assert_eq!(d.risk_level, score_band(&d, &t));
        }
        prop_assert!(d.risk_level >= score_band(&d, &t));
        let mut sorted = d.criteria.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(&sorted, &d.criteria);
    }

    #[test]
    fn adding_a_yes_never_lowers_the_level_or_drops_a_criterion(
        a in assessment(),
        t in thresholds(),
        item in 1usize..=ITEMS,
    ) {
        let instrument = dash();
        let before = decide(&instrument, &t, &a);
        let was_yes = a.answers.get(&key(item)) == Some(&Answer::Yes);
        let mut raised = a.clone();
        raised.answers.insert(key(item), Answer::Yes);
        let after = decide(&instrument, &t, &raised);
        prop_assert!(after.risk_level >= before.risk_level);
        for criterion in &before.criteria {
            prop_assert!(after.criteria.contains(criterion), "{:?} dropped", criterion);
        }
        let expected = before.yes_count + u32::from(!was_yes);
        prop_assert_eq!(after.yes_count, expected);
    }

    #[test]
    fn assessments_round_trip_through_json(a in assessment()) {
        let registry = InstrumentRegistry::builtin().expect("builtin");
        let parsed = parse_score_request(&a.to_json().to_string(), &registry)
            .expect("an assessment's own JSON parses");
        prop_assert_eq!(parsed.assessment, a);
    }

    #[test]
    fn repeat_window_end_lands_in_the_right_month(start in day_in_range(), months in 0u32..200) {
        let end = repeat_window_end(start, months);
        prop_assert!(end >= start);
        let month_index = |d: Date| i64::from(d.year()) * 12 + i64::from(u8::from(d.month()));
        prop_assert_eq!(month_index(end) - month_index(start), i64::from(months));
        prop_assert!(end.day() <= start.day());
        // Only a day that does not exist in the target month is moved, and then to its last day.
        if end.day() < start.day() {
            prop_assert_eq!(end.day(), end.month().length(end.year()));
        }
    }
}
