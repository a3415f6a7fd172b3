//! Benchmark of batch linkage on generated people: wall time, peak memory, pairs scored,
//! pairwise precision/recall/F1 against the truth, the same-household false-merge rate, and
//! one-record query latency against the built index.
//!
//! The benchmark generates and parses records one at a time, so it holds the parsed records
//! (as a caller of `link` would) but not the generator's text; peak memory is of the parsed
//! input and the run.
//!
//! `cargo bench -p waymark-linkage --bench link` runs 10k and 100k records;
//! `WAYMARK_BENCH_1M=1` adds 1M. `WAYMARK_BENCH_SIZES=5000,20000` picks sizes explicitly.

use std::time::Instant;

use waymark_linkage::eval::evaluate;
use waymark_linkage::generate::{GenOptions, people_parsed};
use waymark_linkage::index::QueryOptions;
use waymark_linkage::link::{LinkOptions, link};

/// Peak resident memory of this process so far, from /proc (Linux only).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user and system, all threads) this process has used so far, from /proc (Linux
/// only; clock ticks assumed to be the usual 100 a second).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
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
        // Generated and parsed record by record, so the benchmark holds the parsed records and
        // the truth but never the text of a million records.
        let (mut records, mut truth) = people_parsed(&GenOptions {
            records: n + PROBES,
            seed: 2024,
        });
        let probe_records = records.split_off(n);
        let probe_truth = truth.split_off(n);
        records.shrink_to_fit();
        let person_of: Vec<u64> = truth.iter().map(|t| t.person_id).collect();
        let household_of: Vec<u64> = truth.iter().map(|t| t.household_id).collect();
        drop(truth);
        let generate_time = started.elapsed();

        let started = Instant::now();
        let cpu_before = cpu_seconds();
        let linkage = link(&records, &LinkOptions::default());
        let link_time = started.elapsed();
        let link_cpu = cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
        let metrics = evaluate(&linkage.cluster_of, &person_of, &household_of);
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
        for phase in &s.phases {
            if phase.threads > 1 {
                println!(
                    "  phase {:<48} {:>6.2} s summed over {} threads",
                    phase.phase, phase.seconds, phase.threads
                );
            } else {
                println!("  phase {:<48} {:>6.2} s", phase.phase, phase.seconds);
            }
        }
        if let Some(cpu) = link_cpu {
            println!(
                "link CPU time: {cpu:.2} s over all threads (wall time is longer when other work shares the cores)"
            );
        }
        let all_pairs = n as f64 * (n as f64 - 1.0) / 2.0;
        println!(
            "pairs scored: {} ({:.5}% of all {:.3e} pairs); blocking keys {}; oversized blocks skipped {}",
            s.pairs_scored,
            100.0 * s.pairs_scored as f64 / all_pairs,
            all_pairs,
            s.blocking_keys,
            s.oversized_blocks_skipped
        );
        let lookups = s.similarity_hits + s.similarity_misses;
        println!(
            "name similarities while scoring: {} looked up, {} found already worked out ({:.1}%)",
            lookups,
            s.similarity_hits,
            100.0 * s.similarity_hits as f64 / lookups.max(1) as f64
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
