//! Benchmark of batch linkage on generated people: wall time, peak memory, pairs scored,
//! pairwise precision/recall/F1 against the truth, the same-household false-merge rate, and
//! one-record query latency against the built index.
//!
//! `cargo bench -p waymark-linkage --bench link` runs 10k and 100k records;
//! `WAYMARK_BENCH_1M=1` adds 1M. `WAYMARK_BENCH_SIZES=5000,20000` picks sizes explicitly.

use std::time::Instant;

use waymark_linkage::eval::evaluate;
use waymark_linkage::generate::{GenOptions, people};
use waymark_linkage::index::QueryOptions;
use waymark_linkage::link::{LinkOptions, link};

/// Peak resident memory of this process so far, from /proc (Linux only).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn sizes() -> Vec<usize> {
    if let Ok(list) = std::env::var("WAYMARK_BENCH_SIZES") {
        return list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
    }
    let mut sizes = vec![10_000, 100_000];
    if std::env::var("WAYMARK_BENCH_1M").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    sizes
}

/// Records held out of each batch and queried one at a time.
const PROBES: usize = 2_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}

fn main() {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    println!("waymark-linkage link benchmark ({threads} threads)");
    for n in sizes() {
        // The last PROBES generated records are held out of the batch and used as one-record
        // queries, so most of them have a true match in the index.
        let started = Instant::now();
        let mut generated = people(&GenOptions {
            records: n + PROBES,
            seed: 2024,
        });
        let probe_records: Vec<_> = generated
            .records
            .split_off(n)
            .iter()
            .map(|r| r.parse().0)
            .collect();
        let probe_truth = generated.truth.split_off(n);
        let records = generated.parsed();
        let generate_time = started.elapsed();

        let started = Instant::now();
        let linkage = link(&records, &LinkOptions::default());
        let link_time = started.elapsed();
        let metrics = evaluate(
            &linkage.cluster_of,
            &generated.person_ids(),
            &generated.household_ids(),
        );
        let s = &linkage.stats;
        println!("\n== {n} records ==");
        println!(
            "generate + parse: {:.2} s (not part of linking)",
            generate_time.as_secs_f64()
        );
        println!(
            "link wall time: {:.2} s (index {:.2}, train {:.2}, score {:.2}, cluster {:.2})",
            link_time.as_secs_f64(),
            s.index_time.as_secs_f64(),
            s.train_time.as_secs_f64(),
            s.score_time.as_secs_f64(),
            s.cluster_time.as_secs_f64()
        );
        let all_pairs = n as f64 * (n as f64 - 1.0) / 2.0;
        println!(
            "pairs scored: {} ({:.5}% of all {:.3e} pairs); blocking keys {}; oversized blocks skipped {}",
            s.pairs_scored,
            100.0 * s.pairs_scored as f64 / all_pairs,
            all_pairs,
            s.blocking_keys,
            s.oversized_blocks_skipped
        );
        if let Some(t) = &s.training {
            println!(
                "training: {} random pairs, {} EM pairs ({} distinct vectors), {} iterations, converged {}, match share {:.4}, duplicates per record {:.3}",
                t.random_pairs,
                t.em_pairs,
                t.distinct_vectors,
                t.iterations,
                t.converged,
                t.match_share,
                t.duplicates_per_record
            );
        }
        println!(
            "links >= {}: {}; clusters {}; merges {} (vetoed {}, below average {}, extra pairs scored {})",
            LinkOptions::default().cluster.threshold,
            s.links,
            s.clusters,
            s.clustering.merges,
            s.clustering.merges_vetoed,
            s.clustering.merges_below_average,
            s.clustering.extra_pairs_scored
        );
        println!("accuracy: {metrics}");

        // One-record queries against the built index.
        let person_of = generated.person_ids();
        let index = linkage.into_index();
        let mut latencies: Vec<f64> = Vec::with_capacity(probe_records.len());
        let (mut has_match, mut top_right, mut top_wrong) = (0usize, 0usize, 0usize);
        for (probe, truth) in probe_records.iter().zip(&probe_truth) {
            let t = Instant::now();
            let matches = index.query_with(
                probe,
                QueryOptions {
                    limit: 10,
                    min_probability: 0.5,
                },
            );
            latencies.push(t.elapsed().as_secs_f64() * 1e3);
            has_match += usize::from(person_of.contains(&truth.person_id));
            if let Some(top) = matches
                .first()
                .filter(|m| m.probability >= LinkOptions::default().cluster.threshold)
            {
                if person_of.get(top.record.0 as usize) == Some(&truth.person_id) {
                    top_right += 1;
                } else {
                    top_wrong += 1;
                }
            }
        }
        latencies.sort_by(f64::total_cmp);
        println!(
            "query latency over {} one-record queries against {n}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            probe_records.len(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0.0),
        );
        println!(
            "query accuracy: {has_match} probes have their person in the index; top match above threshold is right for {top_right}, wrong for {top_wrong}"
        );
        if let Some(peak) = peak_rss_mib() {
            println!("peak resident memory so far: {peak:.0} MiB");
        }
    }
}
