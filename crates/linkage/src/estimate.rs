//! Estimating the model from the records themselves: u (how often different people agree by
//! chance) from random pairs, with exact-agreement u taken from value frequencies; m (how often
//! records of one person agree) by expectation–maximisation over candidate pairs from blocking.
//! The E-step scores with the same household cap and rules as linking, so EM is not pulled
//! towards treating a household as one person.

use serde::Serialize;

use crate::compare::{
    self, ComparisonVector, FIELD_COUNT, Field, SIMILARITY_SLOTS_LOG2, Similarities,
};
use crate::dob::PartialDate;
use crate::hashing::FastMap;
use crate::index::Index;
use crate::link::{PhaseTime, Stopwatch};
use crate::model::{Model, ModelParameters, SharedValueFrequencies, log2_odds};
use crate::rng::Rng;

/// How much data training reads.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingOptions {
    /// Random pairs compared to estimate u.
    pub random_pairs: usize,
    /// Records whose candidate pairs feed EM (spread evenly over the index).
    pub em_records: usize,
    pub max_iterations: usize,
    /// EM stops when no m moves by more than this.
    pub tolerance: f64,
    pub seed: u64,
}

impl Default for TrainingOptions {
    fn default() -> Self {
        Self {
            random_pairs: 200_000,
            em_records: 50_000,
            max_iterations: 60,
            tolerance: 1e-5,
            seed: 0x5EED_1234,
        }
    }
}

/// What training saw and found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainingReport {
    pub random_pairs: usize,
    pub em_pairs: usize,
    pub distinct_vectors: usize,
    pub iterations: usize,
    pub converged: bool,
    /// The estimated share of candidate pairs that are the same person.
    pub match_share: f64,
    /// The estimated number of other records per person record.
    pub duplicates_per_record: f64,
}

/// Pseudo-counts pulling u towards the prior where random pairs say little.
const U_PSEUDO: f64 = 50.0;
/// Pseudo-counts pulling m towards the prior where candidate pairs say little.
const M_PSEUDO: f64 = 10.0;
/// The least m or u any level keeps.
const FLOOR: f64 = 1e-6;

pub(crate) fn train(
    index: &Index,
    options: &TrainingOptions,
    phases: &mut Vec<PhaseTime>,
) -> (Model, TrainingReport) {
    let mut clock = Stopwatch::new(phases);
    let records: Vec<(u32, &crate::record::Prepared)> = index.all_prepared().collect();
    let names = index.view();
    let n = records.len();
    let mut params = index.model().parameters().clone();
    let priors = ModelParameters::default();
    let mut report = TrainingReport {
        random_pairs: 0,
        em_pairs: 0,
        distinct_vectors: 0,
        iterations: 0,
        converged: false,
        match_share: 0.0,
        duplicates_per_record: params.duplicates_per_record,
    };
    if n < 10 {
        return (index.model().clone(), report);
    }

    // u from random pairs.
    let mut rng = Rng::new(options.seed);
    let mut counts: Vec<Vec<f64>> = Field::ALL
        .iter()
        .map(|f| vec![0.0; f.level_count()])
        .collect();
    let mut totals = [0.0f64; FIELD_COUNT];
    for _ in 0..options.random_pairs {
        let (i, j) = (rng.below(n), rng.below(n));
        if i == j {
            continue;
        }
        let (Some((_, a)), Some((_, b))) = (records.get(i), records.get(j)) else {
            continue;
        };
        let cv = compare::compare(&names, a, b);
        add_levels(&cv, 1.0, &mut counts, &mut totals);
        report.random_pairs += 1;
    }
    for (f, field) in Field::ALL.iter().enumerate() {
        let missing = field.missing_level();
        let (Some(levels), Some(prior_levels), Some(c)) = (
            params.fields.get_mut(f),
            priors.fields.get(f),
            counts.get(f),
        ) else {
            continue;
        };
        for (l, level) in levels.iter_mut().enumerate() {
            if l == missing {
                continue;
            }
            let u0 = prior_levels.get(l).map_or(FLOOR, |p| p.u);
            let seen = c.get(l).copied().unwrap_or(0.0);
            level.u = ((seen + U_PSEUDO * u0) / (totals.get(f).copied().unwrap_or(0.0) + U_PSEUDO))
                .max(FLOOR);
        }
    }
    clock.lap("train: u from random pairs");
    // Exact agreement by chance is known precisely from how often each value occurs.
    let exact_u = [
        (
            Field::FirstName,
            index.first_name_counts().agreement_probability(),
        ),
        (
            Field::Surname,
            index.surname_counts().agreement_probability(),
        ),
        (
            Field::Dob,
            agreement(
                records
                    .iter()
                    .filter_map(|(_, p)| p.dob.filter(PartialDate::is_full)),
            ),
        ),
        (
            Field::Postcode,
            agreement(records.iter().filter_map(|(_, p)| p.postcodes().next())),
        ),
        (
            Field::Phone,
            agreement(records.iter().filter_map(|(_, p)| p.phones().next())),
        ),
    ];
    for (field, u) in exact_u {
        if let Some(level) = params
            .fields
            .get_mut(field.index())
            .and_then(|l| l.first_mut())
        {
            level.u = u.max(FLOOR);
        }
    }

    clock.lap("train: exact-agreement u from value frequencies");
    // m by EM over candidate pairs of records spread evenly over the index.
    let stride = (n / options.em_records.max(1)).max(1);
    let mut vectors: FastMap<u32, (ComparisonVector, f64)> = FastMap::default();
    let mut ids = Vec::new();
    let mut sims = Similarities::new(names, SIMILARITY_SLOTS_LOG2);
    for (id, p) in records.iter().step_by(stride) {
        index.candidates(&names, p, Some(*id), Some(*id), &mut ids);
        for other in &ids {
            let Some(q) = index.prepared(*other) else {
                continue;
            };
            let cv = compare::compare_with(&mut sims, p, q);
            vectors.entry(cv.pattern()).or_insert((cv, 0.0)).1 += 1.0;
            report.em_pairs += 1;
        }
    }
    // A fixed order, so floating-point sums (and so the model) are the same on every run.
    let mut vectors: Vec<(u32, (ComparisonVector, f64))> = vectors.into_iter().collect();
    vectors.sort_unstable_by_key(|(pattern, _)| *pattern);
    report.distinct_vectors = vectors.len();
    clock.lap("train: EM sample pairs");
    if report.em_pairs < 100 {
        return (index.model().clone(), report);
    }
    let mut share: f64 = 0.2;
    for iteration in 0..options.max_iterations {
        let model = Model::from(params.clone());
        let prior = log2_odds(share);
        let mut numerators: Vec<Vec<f64>> = Field::ALL
            .iter()
            .map(|f| vec![0.0; f.level_count()])
            .collect();
        let mut denominators = [0.0f64; FIELD_COUNT];
        let mut matched = 0.0;
        let mut total = 0.0;
        for (_, (cv, count)) in &vectors {
            let p = model
                .evaluate(cv, SharedValueFrequencies::default(), prior)
                .probability();
            add_levels(cv, count * p, &mut numerators, &mut denominators);
            matched += count * p;
            total += count;
        }
        let mut largest_change: f64 = 0.0;
        for (f, field) in Field::ALL.iter().enumerate() {
            let missing = field.missing_level();
            let (Some(levels), Some(prior_levels), Some(num)) = (
                params.fields.get_mut(f),
                priors.fields.get(f),
                numerators.get(f),
            ) else {
                continue;
            };
            let den = denominators.get(f).copied().unwrap_or(0.0);
            let mut updated: Vec<f64> = levels
                .iter()
                .enumerate()
                .map(|(l, _)| {
                    if l == missing {
                        return 1.0;
                    }
                    let m0 = prior_levels.get(l).map_or(FLOOR, |p| p.m);
                    ((num.get(l).copied().unwrap_or(0.0) + M_PSEUDO * m0) / (den + M_PSEUDO))
                        .max(FLOOR)
                })
                .collect();
            let sum: f64 = updated
                .iter()
                .enumerate()
                .filter(|(l, _)| *l != missing)
                .map(|(_, m)| m)
                .sum();
            for (l, m) in updated.iter_mut().enumerate() {
                if l != missing && sum > 0.0 {
                    *m /= sum;
                }
            }
            for (level, m) in levels.iter_mut().zip(updated) {
                largest_change = largest_change.max((level.m - m).abs());
                level.m = m;
            }
        }
        share = (matched / total.max(1.0)).clamp(1e-6, 0.999);
        report.iterations = iteration + 1;
        if largest_change < options.tolerance {
            report.converged = true;
            break;
        }
    }
    report.match_share = share;
    // The prior: how many other records each record has. The mixture share above is fitted
    // inside the candidate set, where blocking has already selected pairs that agree on names,
    // so it overstates matches; instead find the number of duplicates that is consistent with
    // scoring under the global prior: d = 2 · Σ P(match | vector, prior(d)) / n, summed over
    // candidate pairs (every sampled record stands for `stride` records).
    let model = Model::from(params.clone());
    let mut duplicates = params.duplicates_per_record.clamp(0.01, 50.0);
    for _ in 0..30 {
        let prior = (duplicates / (n - 1) as f64).clamp(1e-12, 0.5);
        let prior = log2_odds(prior);
        let expected: f64 = vectors
            .iter()
            .map(|(_, (cv, count))| {
                count
                    * model
                        .evaluate(cv, SharedValueFrequencies::default(), prior)
                        .probability()
            })
            .sum();
        let next = (2.0 * expected * stride as f64 / n as f64).clamp(0.01, 50.0);
        let settled = (next - duplicates).abs() < 1e-4;
        duplicates = next;
        if settled {
            break;
        }
    }
    params.duplicates_per_record = duplicates;
    report.duplicates_per_record = duplicates;
    clock.lap("train: EM iterations and prior");
    (Model::from(params), report)
}

fn add_levels(
    cv: &ComparisonVector,
    weight: f64,
    counts: &mut [Vec<f64>],
    totals: &mut [f64; FIELD_COUNT],
) {
    for ((field, level), (row, total)) in Field::ALL
        .iter()
        .zip(cv.level_indices())
        .zip(counts.iter_mut().zip(totals.iter_mut()))
    {
        if level == field.missing_level() {
            continue;
        }
        if let Some(c) = row.get_mut(level) {
            *c += weight;
            *total += weight;
        }
    }
}

/// The chance two values drawn at random are equal.
fn agreement<T: std::hash::Hash + Eq>(values: impl Iterator<Item = T>) -> f64 {
    let mut counts: FastMap<T, u64> = FastMap::default();
    let mut total = 0u64;
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
        total += 1;
    }
    if total == 0 {
        return FLOOR;
    }
    let t = total as f64;
    // Summed in a fixed order so the result does not depend on hash-map order.
    let mut counts: Vec<u64> = counts.into_values().collect();
    counts.sort_unstable();
    counts.iter().map(|&c| (c as f64 / t).powi(2)).sum()
}
