//! Fellegi–Sunter scoring: each field's level carries an m probability (of that level among
//! records of the same person) and a u probability (among records of different people); the
//! evidence is log2(m/u), summed with the prior odds into the odds that two records are the same
//! person, then turned into a probability.
//!
//! Two corrections keep household members apart, because surname, postcode and phone are shared
//! by everyone in a household and so are not independent evidence:
//!
//! - **Household cap.** Together the household fields may raise the odds no further than
//!   "these two records are from the same household" (`household_log2_odds`, about 1:2). What is
//!   left to decide who in the household it is falls to first name, date of birth and gender.
//! - **Rules.** Clearly different first names together with clearly different dates of birth
//!   (the household rule); years of birth a generation apart (a parent and the child named after
//!   them); or clearly different first names alone unless an NHS number or PNC id agrees (twins
//!   share everything else): each caps the odds far below any link threshold.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::compare::{ComparisonVector, FIELD_COUNT, Field, FirstNameLevel, IdLevel, SurnameLevel};

/// The most levels any field has.
const MAX_LEVELS: usize = 8;

/// m and u for one level of one field.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelParameters {
    /// P(level | same person).
    pub m: f64,
    /// P(level | different people).
    pub u: f64,
}

/// Everything a model is: serialisable so a trained model can be stored and reloaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelParameters {
    /// For each field in [`Field::ALL`] order, each level's m and u. The `missing` level's are
    /// ignored: a missing value is no evidence either way.
    pub fields: Vec<Vec<LevelParameters>>,
    /// How many other records of the same person a record has, on average. With `n` records the
    /// prior probability that two of them are the same person is this over `n − 1`.
    pub duplicates_per_record: f64,
    /// Log2 odds that two records from one household (same surname, address and phone) are the
    /// same person: the most that household fields together may lift the odds to.
    pub household_log2_odds: f64,
    /// Log2 odds a rule caps a pair at.
    pub rule_log2_odds: f64,
    /// The smallest term frequency used, so one unique value cannot dominate.
    pub min_term_frequency: f64,
}

/// Why a pair was held below any link threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Clearly different first names and clearly different dates of birth: two members of one
    /// household (a mother and child, siblings, partners), whatever else they share.
    Household,
    /// Clearly different first names, with no NHS number or PNC id agreeing: twins, or a
    /// household member whose date of birth is unknown.
    FirstNameConflict,
    /// Years of birth a generation apart (12 years or more): a parent and the child named after
    /// them, whatever else they share.
    GenerationApart,
}

impl Rule {
    /// A sentence a caseworker can read.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Household => {
                "household rule: first names and dates of birth are both clearly different, so these are two people who may share a surname, address and phone"
            }
            Rule::FirstNameConflict => {
                "first names are clearly different (not nicknames of each other) and no NHS number or PNC id agrees, so these are treated as two people, such as twins"
            }
            Rule::GenerationApart => {
                "years of birth are a generation apart, so these are two people, such as a parent and a child named after them"
            }
        }
    }
}

/// The evidence one field contributed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldEvidence {
    pub field: Field,
    /// The level's label, e.g. `nickname or alias`.
    pub level: &'static str,
    /// Log2 of the likelihood ratio: positive for agreement, negative for disagreement, zero
    /// when missing.
    pub weight: f64,
    /// The frequency of the shared value, when the weight was adjusted for how common it is.
    pub term_frequency: Option<f64>,
}

impl FieldEvidence {
    /// True when the field counted for the match.
    pub fn agrees(&self) -> bool {
        self.weight > 0.0
    }
}

/// Why a pair scored as it did: each field's level and weight, the corrections, the rule that
/// applied, and the final probability.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub fields: Vec<FieldEvidence>,
    /// Log2 odds before any evidence.
    pub prior_log2_odds: f64,
    /// How much the household cap took off (zero or negative).
    pub household_adjustment: f64,
    /// The names agreed only when first name and surname were swapped.
    pub names_swapped: bool,
    pub rule: Option<Rule>,
    pub log2_odds: f64,
    pub probability: f64,
}

impl Explanation {
    /// The evidence for one field.
    pub fn field(&self, field: Field) -> Option<&FieldEvidence> {
        self.fields.iter().find(|e| e.field == field)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "probability {:.4} (log2 odds {:+.2}; prior {:+.2})",
            self.probability, self.log2_odds, self.prior_log2_odds
        )?;
        for e in &self.fields {
            write!(
                f,
                "  {:<14} {:<44} {:+6.2}",
                e.field.label(),
                e.level,
                e.weight
            )?;
            if let Some(tf) = e.term_frequency {
                write!(f, "  (value shared by 1 in {:.0})", 1.0 / tf.max(1e-12))?;
            }
            writeln!(f)?;
        }
        if self.names_swapped {
            writeln!(f, "  first name and surname agree when swapped")?;
        }
        if self.household_adjustment < 0.0 {
            writeln!(
                f,
                "  household cap {:+.2}: surname, postcode and phone together count as no more than one household",
                self.household_adjustment
            )?;
        }
        if let Some(rule) = self.rule {
            writeln!(f, "  {}", rule.describe())?;
        }
        Ok(())
    }
}

/// The result of scoring one comparison vector, without allocating.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Evaluation {
    pub weights: [f64; FIELD_COUNT],
    pub term_frequencies: [Option<f64>; FIELD_COUNT],
    pub prior: f64,
    pub household_adjustment: f64,
    pub rule: Option<Rule>,
    pub log2_odds: f64,
}

impl Evaluation {
    pub fn probability(&self) -> f64 {
        probability(self.log2_odds)
    }
}

/// Term frequencies of the two names the records share, when they share them exactly.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SharedValueFrequencies {
    pub first_name: Option<f64>,
    pub surname: Option<f64>,
}

/// Probability from log2 odds.
pub fn probability(log2_odds: f64) -> f64 {
    1.0 / (1.0 + (-log2_odds).exp2())
}

/// Log2 odds from a probability.
pub fn log2_odds(probability: f64) -> f64 {
    let p = probability.clamp(1e-15, 1.0 - 1e-15);
    (p / (1.0 - p)).log2()
}

/// A Fellegi–Sunter model with its weights computed.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    params: ModelParameters,
    weights: [[f64; MAX_LEVELS]; FIELD_COUNT],
}

impl Default for Model {
    fn default() -> Self {
        Self::from(ModelParameters::default())
    }
}

impl From<ModelParameters> for Model {
    fn from(params: ModelParameters) -> Self {
        let mut weights = [[0.0; MAX_LEVELS]; FIELD_COUNT];
        for (field, row) in Field::ALL.iter().zip(weights.iter_mut()) {
            let missing = field.missing_level();
            let levels = params
                .fields
                .get(field.index())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for (level, (slot, p)) in row.iter_mut().zip(levels).enumerate() {
                *slot = if level == missing {
                    0.0
                } else {
                    (p.m.max(1e-12) / p.u.max(1e-12)).log2()
                };
            }
        }
        Self { params, weights }
    }
}

impl Default for ModelParameters {
    /// Sensible priors before any training: roughly what a UK multi-agency extract looks like.
    fn default() -> Self {
        let lp = |pairs: &[(f64, f64)]| -> Vec<LevelParameters> {
            pairs
                .iter()
                .map(|&(m, u)| LevelParameters { m, u })
                .collect()
        };
        let fields = vec![
            // exact, related, close, fuzzy, initial, missing, different
            lp(&[
                (0.70, 0.01),
                (0.15, 0.004),
                (0.05, 0.002),
                (0.03, 0.03),
                (0.02, 0.01),
                (1.0, 1.0),
                (0.05, 0.944),
            ]),
            // exact, close, other name, phonetic, fuzzy, missing, different
            lp(&[
                (0.80, 0.003),
                (0.06, 0.001),
                (0.04, 0.0002),
                (0.02, 0.002),
                (0.02, 0.02),
                (1.0, 1.0),
                (0.06, 0.974),
            ]),
            // exact, transposed, one digit, same year-month, partial, year±1, missing, different
            lp(&[
                (0.78, 0.00005),
                (0.03, 0.000005),
                (0.05, 0.0004),
                (0.005, 0.001),
                (0.08, 0.013),
                (0.02, 0.03),
                (1.0, 1.0),
                (0.035, 0.9555),
            ]),
            // agree, missing, disagree
            lp(&[(0.98, 0.5), (1.0, 1.0), (0.02, 0.5)]),
            // unit, sector, district, missing, different
            lp(&[
                (0.70, 0.00005),
                (0.03, 0.001),
                (0.02, 0.005),
                (1.0, 1.0),
                (0.25, 0.99395),
            ]),
            // exact, one digit, missing, different
            lp(&[(0.65, 0.00005), (0.02, 0.00005), (1.0, 1.0), (0.33, 0.9999)]),
            // NHS number: same, missing, different
            lp(&[(0.97, 0.000001), (1.0, 1.0), (0.03, 0.999999)]),
            // PNC id: same, missing, different
            lp(&[(0.97, 0.000001), (1.0, 1.0), (0.03, 0.999999)]),
        ];
        Self {
            fields,
            duplicates_per_record: 1.0,
            household_log2_odds: -1.0,
            rule_log2_odds: -20.0,
            min_term_frequency: 1e-6,
        }
    }
}

impl Model {
    /// The parameters, to store or inspect.
    pub fn parameters(&self) -> &ModelParameters {
        &self.params
    }

    /// The evidence weight (log2 m/u) of one level of one field.
    pub fn weight(&self, field: Field, level: usize) -> f64 {
        self.weights
            .get(field.index())
            .and_then(|row| row.get(level))
            .copied()
            .unwrap_or(0.0)
    }

    /// The prior log2 odds that two records are the same person among `records` records.
    pub fn prior_log2_odds(&self, records: usize) -> f64 {
        let others = (records.max(2) - 1) as f64;
        let lambda = (self.params.duplicates_per_record / others).clamp(1e-12, 0.5);
        (lambda / (1.0 - lambda)).log2()
    }

    pub(crate) fn evaluate(
        &self,
        cv: &ComparisonVector,
        shared: SharedValueFrequencies,
        prior: f64,
    ) -> Evaluation {
        let levels = cv.level_indices();
        let mut weights = [0.0; FIELD_COUNT];
        let mut term_frequencies = [None; FIELD_COUNT];
        for ((field, level), (w, tf_slot)) in Field::ALL
            .iter()
            .zip(levels)
            .zip(weights.iter_mut().zip(term_frequencies.iter_mut()))
        {
            *w = self.weight(*field, level);
            let tf = match field {
                Field::FirstName if cv.first_name == FirstNameLevel::Exact && !cv.names_swapped => {
                    shared.first_name
                }
                Field::Surname if cv.surname == SurnameLevel::Exact && !cv.names_swapped => {
                    shared.surname
                }
                _ => None,
            };
            if let Some(tf) = tf {
                let m = self
                    .params
                    .fields
                    .get(field.index())
                    .and_then(|l| l.get(level))
                    .map(|p| p.m)
                    .unwrap_or(1.0);
                let tf = tf.max(self.params.min_term_frequency);
                *w = (m.max(1e-12) / tf).log2();
                *tf_slot = Some(tf);
            }
        }
        let household: f64 = Field::ALL
            .iter()
            .zip(weights)
            .filter(|(f, _)| f.is_household_field())
            .map(|(_, w)| w.max(0.0))
            .sum();
        let cap = (self.params.household_log2_odds - prior).max(0.0);
        let household_adjustment = if household > cap {
            cap - household
        } else {
            0.0
        };
        let mut log2_odds = prior + weights.iter().sum::<f64>() + household_adjustment;
        let strong_id = cv.nhs_number == IdLevel::Exact || cv.pnc_id == IdLevel::Exact;
        let rule = if cv.household_rule_applies() {
            Some(Rule::Household)
        } else if cv.dobs_generation_apart {
            Some(Rule::GenerationApart)
        } else if cv.first_names_conflict && !strong_id {
            Some(Rule::FirstNameConflict)
        } else {
            None
        };
        if rule.is_some() {
            log2_odds = log2_odds.min(self.params.rule_log2_odds);
        }
        Evaluation {
            weights,
            term_frequencies,
            prior,
            household_adjustment,
            rule,
            log2_odds,
        }
    }

    pub(crate) fn explanation(&self, cv: &ComparisonVector, e: &Evaluation) -> Explanation {
        let fields = Field::ALL
            .iter()
            .zip(cv.level_indices())
            .map(|(field, level)| FieldEvidence {
                field: *field,
                level: field.level_labels().get(level).copied().unwrap_or(""),
                weight: e.weights.get(field.index()).copied().unwrap_or(0.0),
                term_frequency: e.term_frequencies.get(field.index()).copied().flatten(),
            })
            .collect();
        Explanation {
            fields,
            prior_log2_odds: e.prior,
            household_adjustment: e.household_adjustment,
            names_swapped: cv.names_swapped,
            rule: e.rule,
            log2_odds: e.log2_odds,
            probability: e.probability(),
        }
    }
}

/// Counts of values (interned names, by id), for term-frequency adjustment.
#[derive(Clone, Debug, Default)]
pub(crate) struct TermCounts {
    counts: Vec<u32>,
    total: u64,
}

impl TermCounts {
    pub fn add(&mut self, value: u32) {
        if value == crate::names::NONE {
            return;
        }
        let i = value as usize;
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        if let Some(c) = self.counts.get_mut(i) {
            *c += 1;
            self.total += 1;
        }
    }

    pub fn remove(&mut self, value: u32) {
        if let Some(c) = self.counts.get_mut(value as usize)
            && *c > 0
        {
            *c -= 1;
            self.total = self.total.saturating_sub(1);
        }
    }

    /// The share of values equal to `value` (at least one in the total, so a value seen only
    /// in a query still counts as rare rather than impossible).
    pub fn frequency(&self, value: u32) -> f64 {
        let count = self.counts.get(value as usize).copied().unwrap_or(0).max(1);
        f64::from(count) / (self.total.max(1) as f64)
    }

    /// The probability that two values drawn at random are equal: the sum of squared shares.
    pub fn agreement_probability(&self) -> f64 {
        let total = self.total.max(1) as f64;
        // Summed in a fixed order (ascending counts, as before interning) so the result does not
        // depend on the order names were first seen.
        let mut counts: Vec<u32> = self.counts.iter().copied().filter(|c| *c > 0).collect();
        counts.sort_unstable();
        counts.iter().map(|&c| (f64::from(c) / total).powi(2)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{GenderLevel, PhoneLevel, PostcodeLevel};
    use crate::dob::DobLevel;

    fn vector() -> ComparisonVector {
        ComparisonVector {
            first_name: FirstNameLevel::Exact,
            surname: SurnameLevel::Exact,
            dob: DobLevel::Exact,
            gender: GenderLevel::Agree,
            postcode: PostcodeLevel::Unit,
            phone: PhoneLevel::Exact,
            nhs_number: IdLevel::Missing,
            pnc_id: IdLevel::Missing,
            names_swapped: false,
            first_names_conflict: false,
            dobs_conflict: false,
            dobs_generation_apart: false,
        }
    }

    #[test]
    fn default_priors_are_distributions() {
        let p = ModelParameters::default();
        assert_eq!(p.fields.len(), FIELD_COUNT);
        for (field, levels) in Field::ALL.iter().zip(&p.fields) {
            assert_eq!(levels.len(), field.level_count(), "{field:?}");
            let missing = field.missing_level();
            let m: f64 = levels
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != missing)
                .map(|(_, l)| l.m)
                .sum();
            let u: f64 = levels
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != missing)
                .map(|(_, l)| l.u)
                .sum();
            assert!((m - 1.0).abs() < 0.01, "{field:?} m sums to {m}");
            assert!((u - 1.0).abs() < 0.01, "{field:?} u sums to {u}");
        }
    }

    #[test]
    fn a_rare_shared_surname_weighs_more_than_smith() {
        let model = Model::default();
        let prior = model.prior_log2_odds(100_000);
        let cv = ComparisonVector {
            postcode: PostcodeLevel::Missing,
            phone: PhoneLevel::Missing,
            ..vector()
        };
        let smith = model.evaluate(
            &cv,
            SharedValueFrequencies {
                surname: Some(0.012),
                first_name: None,
            },
            prior,
        );
        let rare = model.evaluate(
            &cv,
            SharedValueFrequencies {
                surname: Some(0.00002),
                first_name: None,
            },
            prior,
        );
        assert!(
            rare.weights[1] > smith.weights[1] + 5.0,
            "{} vs {}",
            rare.weights[1],
            smith.weights[1]
        );
        assert!(rare.log2_odds > smith.log2_odds);
    }

    #[test]
    fn household_fields_are_capped_at_household_odds() {
        let model = Model::default();
        let prior = model.prior_log2_odds(1_000_000);
        // Same surname, postcode and phone; nothing else known.
        let cv = ComparisonVector {
            first_name: FirstNameLevel::Missing,
            dob: DobLevel::Missing,
            gender: GenderLevel::Missing,
            ..vector()
        };
        let e = model.evaluate(&cv, SharedValueFrequencies::default(), prior);
        assert!(e.household_adjustment < 0.0);
        assert!((e.log2_odds - model.parameters().household_log2_odds).abs() < 1e-9);
        assert!(e.probability() < 0.5);
    }

    #[test]
    fn rules_cap_far_below_any_threshold() {
        let model = Model::default();
        let prior = model.prior_log2_odds(1_000);
        let mother_and_child = ComparisonVector {
            first_name: FirstNameLevel::Different,
            dob: DobLevel::Different,
            first_names_conflict: true,
            dobs_conflict: true,
            dobs_generation_apart: true,
            ..vector()
        };
        let e = model.evaluate(&mother_and_child, SharedValueFrequencies::default(), prior);
        assert_eq!(e.rule, Some(Rule::Household));
        assert!(e.probability() < 1e-5);
        let twins = ComparisonVector {
            first_name: FirstNameLevel::Different,
            first_names_conflict: true,
            ..vector()
        };
        let e = model.evaluate(&twins, SharedValueFrequencies::default(), prior);
        assert_eq!(e.rule, Some(Rule::FirstNameConflict));
        assert!(e.probability() < 1e-5);
        // An alias with the same PNC id is not a twin.
        let alias = ComparisonVector {
            pnc_id: IdLevel::Exact,
            ..twins
        };
        let e = model.evaluate(&alias, SharedValueFrequencies::default(), prior);
        assert_eq!(e.rule, None);
        assert!(e.probability() > 0.5);
        // A father and the son named after him.
        let junior = ComparisonVector {
            dob: DobLevel::Different,
            dobs_conflict: true,
            dobs_generation_apart: true,
            ..vector()
        };
        let e = model.evaluate(&junior, SharedValueFrequencies::default(), prior);
        assert_eq!(e.rule, Some(Rule::GenerationApart));
        assert!(e.probability() < 1e-5);
    }

    #[test]
    fn explanation_lists_every_field_and_reads() {
        let model = Model::default();
        let cv = vector();
        let e = model.evaluate(
            &cv,
            SharedValueFrequencies {
                first_name: Some(0.01),
                surname: Some(0.001),
            },
            model.prior_log2_odds(10_000),
        );
        let x = model.explanation(&cv, &e);
        assert_eq!(x.fields.len(), FIELD_COUNT);
        assert!(
            x.field(Field::Surname)
                .is_some_and(|f| f.agrees() && f.term_frequency == Some(0.001))
        );
        assert!(x.field(Field::NhsNumber).is_some_and(|f| f.weight == 0.0));
        assert!(x.probability > 0.99);
        let text = x.to_string();
        assert!(
            text.contains("surname") && text.contains("probability"),
            "{text}"
        );
    }

    #[test]
    fn probability_and_odds_round_trip() {
        for p in [0.001, 0.1, 0.5, 0.9, 0.999] {
            assert!((probability(log2_odds(p)) - p).abs() < 1e-9);
        }
        let mut counts = TermCounts::default();
        let (smith, jones, okonkwo, unseen) = (3, 0, 7, 12);
        for name in [smith, smith, jones, okonkwo] {
            counts.add(name);
        }
        assert!((counts.frequency(smith) - 0.5).abs() < 1e-12);
        assert!((counts.frequency(unseen) - 0.25).abs() < 1e-12);
        assert!((counts.agreement_probability() - (0.25 + 0.0625 + 0.0625)).abs() < 1e-12);
        counts.remove(smith);
        assert!((counts.frequency(smith) - 1.0 / 3.0).abs() < 1e-12);
    }
}
