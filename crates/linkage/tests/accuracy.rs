//! A first accuracy check on generated people: batch linkage must find the people (pairwise
//! F1) without merging household members. The thresholds are set a little under what was
//! measured (F1 about 0.98 and same-household false merges about 0.05–0.1% at 10k records), so
//! a regression fails and noise does not. Run with `--nocapture` to see the numbers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use waymark_linkage::compare::Field;
use waymark_linkage::eval::evaluate;
use waymark_linkage::generate::{GenOptions, people};
use waymark_linkage::link::{LinkOptions, link};

#[test]
fn linkage_on_5000_generated_records_is_accurate_and_household_safe() {
    let generated = people(&GenOptions {
        records: 5_000,
        seed: 2024,
    });
    let records = generated.parsed();
    let linkage = link(&records, &LinkOptions::default());
    let metrics = evaluate(
        &linkage.cluster_of,
        &generated.person_ids(),
        &generated.household_ids(),
    );
    let n = records.len() as f64;
    println!("5,000 records: {metrics}");
    println!(
        "pairs scored {} of {:.0} ({:.3}%), links {}, clusters {}",
        linkage.stats.pairs_scored,
        n * (n - 1.0) / 2.0,
        linkage.stats.pairs_scored as f64 / (n * (n - 1.0) / 2.0) * 100.0,
        linkage.stats.links,
        linkage.stats.clusters
    );
    if let Some(t) = &linkage.stats.training {
        println!("training: {t:?}");
    }
    assert!(metrics.precision >= 0.98, "precision {}", metrics.precision);
    assert!(metrics.recall >= 0.93, "recall {}", metrics.recall);
    assert!(metrics.f1 >= 0.95, "F1 {}", metrics.f1);
    assert!(
        metrics.household_pairs > 5_000,
        "too few household pairs to judge: {}",
        metrics.household_pairs
    );
    assert!(
        metrics.household_false_merge_rate < 0.005,
        "household false merges {}",
        metrics.household_false_merge_rate
    );
}

#[test]
fn em_learns_sensible_parameters_from_the_data() {
    let generated = people(&GenOptions {
        records: 4_000,
        seed: 11,
    });
    let records = generated.parsed();
    let linkage = link(&records, &LinkOptions::default());
    let model = &linkage.model;
    let report = linkage.stats.training.clone().unwrap();
    assert!(report.em_pairs > 1_000, "{report:?}");
    // Agreement counts for a match, disagreement against, for every field with evidence.
    for field in Field::ALL {
        let labels = field.level_labels();
        let different = labels.len() - 1;
        assert!(
            model.weight(field, 0) > 0.0,
            "{field:?} exact weight {}",
            model.weight(field, 0)
        );
        assert!(
            model.weight(field, different) < 0.0,
            "{field:?} different weight {}",
            model.weight(field, different)
        );
        assert_eq!(model.weight(field, field.missing_level()), 0.0);
    }
    // A nickname counts for less than the same name, and an exact date for more than a year.
    assert!(model.weight(Field::FirstName, 0) > model.weight(Field::FirstName, 1) - 1.0);
    assert!(model.weight(Field::Dob, 0) > model.weight(Field::Dob, 5));
    // The estimated number of other records per person is near the truth.
    let persons: std::collections::HashSet<u64> = generated.person_ids().into_iter().collect();
    let true_duplicates = 2.0 * {
        let mut counts = std::collections::HashMap::new();
        for p in generated.person_ids() {
            *counts.entry(p).or_insert(0u64) += 1;
        }
        counts.values().map(|c| c * (c - 1) / 2).sum::<u64>() as f64
    } / records.len() as f64;
    println!(
        "persons {}, duplicates per record: estimated {:.3}, true {:.3}",
        persons.len(),
        report.duplicates_per_record,
        true_duplicates
    );
    assert!(
        report.duplicates_per_record > true_duplicates * 0.5
            && report.duplicates_per_record < true_duplicates * 2.0
    );
}

#[test]
fn a_trained_index_answers_one_record_queries_with_explanations() {
    let mut generated = people(&GenOptions {
        records: 3_100,
        seed: 3,
    });
    let probes: Vec<_> = generated
        .records
        .split_off(3_000)
        .iter()
        .map(|r| r.parse().0)
        .collect();
    let probe_truth = generated.truth.split_off(3_000);
    let records = generated.parsed();
    let person_of = generated.person_ids();
    let index = link(&records, &LinkOptions::default()).into_index();
    let (mut right, mut wrong, mut answerable) = (0, 0, 0);
    for (probe, truth) in probes.iter().zip(&probe_truth) {
        answerable += usize::from(person_of.contains(&truth.person_id));
        let matches = index.query(probe);
        for m in &matches {
            assert_eq!(m.explanation.fields.len(), Field::ALL.len());
            assert!((m.explanation.probability - m.probability).abs() < 1e-12);
        }
        if let Some(top) = matches.first().filter(|m| m.probability >= 0.9) {
            if person_of[top.record.0 as usize] == truth.person_id {
                right += 1;
            } else {
                wrong += 1;
            }
        }
    }
    println!(
        "{answerable} of 100 probes have their person indexed; top match right {right}, wrong {wrong}"
    );
    assert!(
        right as f64 >= answerable as f64 * 0.85,
        "{right}/{answerable}"
    );
    assert!(wrong <= 2, "{wrong}");
}
