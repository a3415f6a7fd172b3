//! Shared test fixtures for the dash module: the built-in instrument, dates and answer sets.

use std::collections::BTreeMap;

use time::{Date, Month};

use super::answer::Answer;
use super::instrument::{Instrument, InstrumentRegistry};

/// A small second instrument, standing in for a police force's local form, to prove a new
/// definition works through data alone.
pub const POLICE_FORM_JSON: &str = r#"{
  "id": "demo-police-form",
  "version": "2024-test",
  "title": "Demonstration police risk form",
  "scoring": {"kind": "count_yes"},
  "items": [
    {"key": "p1", "slug": "recent_violence", "prompt": "Has there been violence this week?"},
    {"key": "p2", "slug": "weapon_access", "prompt": "Can they get hold of a weapon?", "detail_hint": "Which weapon"},
    {"key": "p3", "slug": "children_present", "prompt": "Were children there?"}
  ]
}"#;

pub fn dash() -> Instrument {
    InstrumentRegistry::builtin()
        .expect("built-in instruments load")
        .default_instrument()
        .clone()
}

pub fn date(year: i32, month: u8, day: u8) -> Date {
    Date::from_calendar_date(year, Month::try_from(month).expect("month"), day).expect("date")
}

/// The Dash key for item number `n`.
pub fn key(n: usize) -> String {
    format!("q{n}")
}

/// Yes to the first `n` Dash items and nothing else.
pub fn first_n_yes(n: usize) -> BTreeMap<String, Answer> {
    (1..=n).map(|i| (key(i), Answer::Yes)).collect()
}

pub fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
    pairs.iter().map(|(k, a)| (k.to_string(), *a)).collect()
}
