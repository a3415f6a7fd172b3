//! Batch linkage: index every record, train the model on them, score every candidate pair in
//! parallel, and cluster the links into people. This is what a de-duplication run does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cluster::{self, ClusterOptions, ClusterStats, Link, PairScore};
use crate::compare::{SIMILARITY_SLOTS_LOG2, Similarities};
use crate::estimate::{TrainingOptions, TrainingReport};
use crate::index::{DEFAULT_MAX_BLOCK, Index};
use crate::model::Model;
use crate::record::PersonRecord;

/// How a batch run works.
#[derive(Clone, Debug)]
pub struct LinkOptions {
    /// The model to start from.
    pub model: Model,
    /// Re-estimate the model from the records first (`None` scores with `model` as given).
    pub training: Option<TrainingOptions>,
    pub cluster: ClusterOptions,
    /// Worker threads (0: as many as the machine has).
    pub threads: usize,
    pub max_block: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            model: Model::default(),
            training: Some(TrainingOptions::default()),
            cluster: ClusterOptions::default(),
            threads: 0,
            max_block: DEFAULT_MAX_BLOCK,
        }
    }
}

/// Counts and timings of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LinkStats {
    pub records: usize,
    pub blocking_keys: usize,
    /// Candidate pairs compared and scored.
    pub pairs_scored: usize,
    /// Pairs at or above the link threshold.
    pub links: usize,
    pub oversized_blocks_skipped: usize,
    /// Name similarities (Jaro–Winkler) the scoring threads found already worked out in their
    /// small tables of recent ones, and those they had to work out.
    pub similarity_hits: u64,
    pub similarity_misses: u64,
    pub clusters: usize,
    pub training: Option<TrainingReport>,
    pub clustering: ClusterStats,
    pub index_time: Duration,
    pub train_time: Duration,
    pub score_time: Duration,
    pub cluster_time: Duration,
    /// Finer timings inside the four stages, in order. Phases run on several threads report
    /// the time summed over the threads (`threads` > 1), so they can exceed the wall time.
    pub phases: Vec<PhaseTime>,
}

/// How long one phase of a run took.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PhaseTime {
    pub phase: &'static str,
    pub seconds: f64,
    /// How many threads shared the phase (the seconds are summed over them).
    pub threads: usize,
}

impl PhaseTime {
    pub(crate) fn new(phase: &'static str, time: Duration) -> Self {
        Self {
            phase,
            seconds: time.as_secs_f64(),
            threads: 1,
        }
    }

    pub(crate) fn summed(phase: &'static str, time: Duration, threads: usize) -> Self {
        Self {
            phase,
            seconds: time.as_secs_f64(),
            threads,
        }
    }
}

/// Times consecutive phases.
pub(crate) struct Stopwatch<'a> {
    phases: &'a mut Vec<PhaseTime>,
    at: Instant,
}

impl<'a> Stopwatch<'a> {
    pub fn new(phases: &'a mut Vec<PhaseTime>) -> Self {
        Self {
            phases,
            at: Instant::now(),
        }
    }

    /// Record the time since the last lap (or the start) as `phase`.
    pub fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.phases.push(PhaseTime::new(phase, now - self.at));
        self.at = now;
    }

    /// Record a phase timed elsewhere, and start the next lap now.
    pub fn push(&mut self, phase: PhaseTime) {
        self.phases.push(phase);
        self.at = Instant::now();
    }
}

/// The outcome of a run.
pub struct Linkage {
    /// Cluster number of each input record; records of one person share it.
    pub cluster_of: Vec<u32>,
    /// Every scored pair at or above the link threshold.
    pub links: Vec<Link>,
    /// Each record's strongest link probability, if it has one at or above the threshold.
    pub best_probability: Vec<Option<f64>>,
    pub stats: LinkStats,
    /// The model used (trained, when training was asked for).
    pub model: Model,
    index: Index,
}

impl Linkage {
    /// The index built during the run, ready to answer queries against these records.
    pub fn into_index(self) -> Index {
        self.index
    }

    /// The index built during the run.
    pub fn index(&self) -> &Index {
        &self.index
    }
}

fn thread_count(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// Link a batch of records into people.
pub fn link(records: &[PersonRecord], options: &LinkOptions) -> Linkage {
    let threads = thread_count(options.threads);
    let mut stats = LinkStats {
        records: records.len(),
        ..LinkStats::default()
    };

    let started = Instant::now();
    let mut index = Index::new(options.model.clone()).with_max_block(options.max_block);
    if !index.bulk_load(records, threads, &mut stats.phases) {
        // More records than an index can number: file as many as fit, one at a time.
        for r in records {
            if index.insert(r).is_err() {
                break;
            }
        }
    }
    stats.blocking_keys = index.block_count();
    stats.index_time = started.elapsed();

    let started = Instant::now();
    if let Some(training) = &options.training {
        stats.training = Some(index.train_timed(training, &mut stats.phases));
    }
    stats.train_time = started.elapsed();

    let started = Instant::now();
    let threshold = options.cluster.threshold;
    let (links, pairs_scored, oversized, (hits, misses)) =
        score_all(&index, threshold, threads, &mut stats.phases);
    stats.pairs_scored = pairs_scored;
    stats.similarity_hits = hits;
    stats.similarity_misses = misses;
    stats.oversized_blocks_skipped = oversized;
    stats.links = links.len();
    stats.score_time = started.elapsed();

    let started = Instant::now();
    let prior = index.prior();
    let veto = options.cluster.veto_log2_odds;
    let mut sims = Similarities::new(index.view(), SIMILARITY_SLOTS_LOG2);
    let (cluster_of, clustering) =
        cluster::cluster(records.len(), &links, &options.cluster, |a, b| {
            match (index.prepared(a), index.prepared(b)) {
                (Some(x), Some(y)) => {
                    let (_, e) = index.score(&mut sims, x, y, prior);
                    PairScore {
                        probability: e.probability(),
                        vetoed: e.rule.is_some() || e.log2_odds <= veto,
                    }
                }
                _ => PairScore {
                    probability: 0.0,
                    vetoed: true,
                },
            }
        });
    stats.clustering = clustering;
    stats.clusters = cluster_of
        .iter()
        .copied()
        .max()
        .map_or(0, |m| m as usize + 1);
    stats.cluster_time = started.elapsed();
    stats
        .phases
        .push(PhaseTime::new("cluster", stats.cluster_time));

    let mut best_probability: Vec<Option<f64>> = vec![None; records.len()];
    for l in &links {
        for r in [l.a, l.b] {
            if let Some(slot) = best_probability.get_mut(r as usize) {
                *slot = Some(slot.map_or(l.probability, |p| p.max(l.probability)));
            }
        }
    }
    Linkage {
        cluster_of,
        links,
        best_probability,
        stats,
        model: index.model().clone(),
        index,
    }
}

/// Score every candidate pair once (each record against the records before it), in parallel.
fn score_all(
    index: &Index,
    threshold: f64,
    threads: usize,
    phases: &mut Vec<PhaseTime>,
) -> (Vec<Link>, usize, usize, (u64, u64)) {
    const CHUNK: usize = 512;
    let mut clock = Stopwatch::new(phases);
    let n = index.len();
    let next = AtomicUsize::new(0);
    type Part = (Vec<Link>, usize, usize, Duration, Duration, (u64, u64));
    let results: Mutex<Vec<Part>> = Mutex::new(Vec::new());
    let prior = index.prior();
    let names = index.view();
    // Records are taken in name order, so that consecutive records share blocks and the
    // candidates one record reads are still in cache for the next.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&i| {
        index
            .prepared(i)
            .map_or((u32::MAX, u32::MAX, i), |p| (p.surname, p.first, i))
    });
    let order = &order;
    clock.lap("score: order records");
    let threads = threads.max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut links = Vec::new();
                let mut pairs = 0usize;
                let mut oversized = 0usize;
                let mut ids = Vec::new();
                let mut sims = Similarities::new(names, SIMILARITY_SLOTS_LOG2);
                let (mut finding, mut scoring) = (Duration::ZERO, Duration::ZERO);
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= n {
                        break;
                    }
                    for &i in order.get(start..(start + CHUNK).min(n)).unwrap_or(&[]) {
                        let Some(p) = index.prepared(i) else { continue };
                        let t0 = Instant::now();
                        oversized += index.candidates(&names, p, Some(i), Some(i), &mut ids);
                        index.warm(&names, &ids);
                        let t1 = Instant::now();
                        finding += t1 - t0;
                        for &j in &ids {
                            let Some(q) = index.prepared(j) else { continue };
                            let (_, e) = index.score(&mut sims, p, q, prior);
                            pairs += 1;
                            let probability = e.probability();
                            if probability >= threshold {
                                links.push(Link {
                                    a: j,
                                    b: i,
                                    probability,
                                });
                            }
                        }
                        scoring += t1.elapsed();
                    }
                }
                results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((links, pairs, oversized, finding, scoring, sims.counts()));
            });
        }
    });
    clock.lap("score: candidates and scoring (wall)");
    let mut links = Vec::new();
    let mut pairs = 0;
    let mut oversized = 0;
    let (mut finding, mut scoring) = (Duration::ZERO, Duration::ZERO);
    let (mut hits, mut misses) = (0u64, 0u64);
    for (l, p, o, f, s, (h, m)) in results.into_inner().unwrap_or_else(PoisonError::into_inner) {
        links.extend(l);
        pairs += p;
        oversized += o;
        finding += f;
        scoring += s;
        hits += h;
        misses += m;
    }
    clock.push(PhaseTime::summed(
        "score: finding candidates",
        finding,
        threads,
    ));
    clock.push(PhaseTime::summed(
        "score: comparing and scoring pairs",
        scoring,
        threads,
    ));
    links.sort_by_key(|l| (l.a, l.b));
    clock.lap("score: gather and sort links");
    (links, pairs, oversized, (hits, misses))
}
