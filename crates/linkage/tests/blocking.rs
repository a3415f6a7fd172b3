//! Blocking keeps nearly every true pair reachable while comparing a tiny share of all pairs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use waymark_linkage::generate::{GenOptions, people};
use waymark_linkage::{Index, RecordId};

#[test]
fn at_least_99_percent_of_true_pairs_are_reachable() {
    for seed in [1, 2] {
        let generated = people(&GenOptions {
            records: 5_000,
            seed,
        });
        let records = generated.parsed();
        let mut index = Index::default();
        let ids: Vec<RecordId> = records.iter().map(|r| index.insert(r).unwrap()).collect();
        let mut by_person: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, t) in generated.truth.iter().enumerate() {
            by_person.entry(t.person_id).or_default().push(i);
        }
        let candidates: Vec<Vec<RecordId>> = ids
            .iter()
            .map(|id| index.candidates_of(*id).unwrap())
            .collect();
        let compared: usize = candidates.iter().map(Vec::len).sum::<usize>() / 2;
        let (mut reachable, mut total) = (0usize, 0usize);
        for members in by_person.values() {
            for (x, &a) in members.iter().enumerate() {
                for &b in members.iter().skip(x + 1) {
                    total += 1;
                    reachable += usize::from(candidates[a].contains(&ids[b]));
                }
            }
        }
        let share = reachable as f64 / total as f64;
        let n = records.len() as f64;
        let all_pairs = n * (n - 1.0) / 2.0;
        println!(
            "seed {seed}: {reachable}/{total} true pairs reachable ({:.2}%), {compared} pairs compared ({:.3}% of all pairs)",
            share * 100.0,
            compared as f64 / all_pairs * 100.0
        );
        assert!(
            share >= 0.99,
            "only {:.2}% of true pairs reachable",
            share * 100.0
        );
        assert!(
            (compared as f64) < all_pairs * 0.005,
            "blocking compares too many pairs: {compared}"
        );
    }
}
