//! Measuring a clustering against the truth: pairwise precision, recall and F1, and the rate at
//! which members of one household were wrongly merged. Also how many true pairs blocking
//! reaches.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Pairwise accuracy of a clustering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct PairwiseMetrics {
    /// Pairs of records placed together that are the same person.
    pub true_positive_pairs: u64,
    /// Pairs of records placed together.
    pub predicted_pairs: u64,
    /// Pairs of records that are the same person.
    pub true_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pairs of records of different people in the same household.
    pub household_pairs: u64,
    /// Of those, pairs placed together.
    pub household_false_merges: u64,
    pub household_false_merge_rate: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn pair_count<K: Hash + Eq>(keys: impl Iterator<Item = K>) -> u64 {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_insert(0) += 1;
    }
    counts.values().map(|&c| pairs(c)).sum()
}

/// Compare predicted clusters with the true person and household of each record.
pub fn evaluate(cluster_of: &[u32], person_of: &[u64], household_of: &[u64]) -> PairwiseMetrics {
    let predicted_pairs = pair_count(cluster_of.iter());
    let true_pairs = pair_count(person_of.iter());
    let true_positive_pairs = pair_count(cluster_of.iter().zip(person_of));
    let household_together = pair_count(cluster_of.iter().zip(household_of));
    let household_all = pair_count(household_of.iter());
    let household_pairs = household_all.saturating_sub(true_pairs);
    let household_false_merges = household_together.saturating_sub(true_positive_pairs);
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let precision = ratio(true_positive_pairs, predicted_pairs);
    let recall = ratio(true_positive_pairs, true_pairs);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    PairwiseMetrics {
        true_positive_pairs,
        predicted_pairs,
        true_pairs,
        precision,
        recall,
        f1,
        household_pairs,
        household_false_merges,
        household_false_merge_rate: if household_pairs == 0 {
            0.0
        } else {
            household_false_merges as f64 / household_pairs as f64
        },
    }
}

impl std::fmt::Display for PairwiseMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "precision {:.4} recall {:.4} F1 {:.4} (pairs: {} predicted, {} true, {} correct); same-household false merges {}/{} = {:.4}%",
            self.precision,
            self.recall,
            self.f1,
            self.predicted_pairs,
            self.true_pairs,
            self.true_positive_pairs,
            self.household_false_merges,
            self.household_pairs,
            self.household_false_merge_rate * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_by_cluster_person_and_household() {
        // Household 1: person 10 (records 0, 1, 2), person 11 (record 3). Household 2: person 20 (4, 5).
        let person = [10, 10, 10, 11, 20, 20];
        let household = [1, 1, 1, 1, 2, 2];
        let perfect = evaluate(&[0, 0, 0, 1, 2, 2], &person, &household);
        assert_eq!(
            (perfect.precision, perfect.recall, perfect.f1),
            (1.0, 1.0, 1.0)
        );
        assert_eq!(perfect.household_pairs, 3);
        assert_eq!(perfect.household_false_merges, 0);
        // Merging the child into the mother's cluster: 3 wrong pairs, all within the household.
        let merged = evaluate(&[0, 0, 0, 0, 2, 2], &person, &household);
        assert_eq!(merged.predicted_pairs, 7);
        assert_eq!(merged.true_positive_pairs, 4);
        assert_eq!(merged.household_false_merges, 3);
        assert!((merged.household_false_merge_rate - 1.0).abs() < 1e-12);
        // Splitting a person loses recall only.
        let split = evaluate(&[0, 0, 1, 2, 3, 3], &person, &household);
        assert_eq!(split.precision, 1.0);
        assert!((split.recall - 2.0 / 4.0).abs() < 1e-12);
    }
}
