//! Clustering scored links into people without chaining: links are taken strongest first, and
//! two groups are joined only when every pair across them is free of contrary evidence (no rule
//! holding them apart, no strongly negative score) and their average probability across all
//! cross pairs stays high. One weak link between two people is never enough to merge them.

use serde::Serialize;

use crate::hashing::FastMap;

/// A scored pair of records (by position).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub probability: f64,
}

/// The score of a pair as clustering needs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairScore {
    pub probability: f64,
    /// A rule holds the pair apart, or the evidence is strongly against.
    pub vetoed: bool,
}

/// Clustering thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClusterOptions {
    /// A link must reach this probability to join two groups.
    pub threshold: f64,
    /// The average probability over every pair across two groups must reach this.
    pub min_average: f64,
    /// A cross pair at or below these log2 odds vetoes the merge.
    pub veto_log2_odds: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            threshold: 0.9,
            min_average: 0.5,
            veto_log2_odds: -10.0,
        }
    }
}

/// What clustering did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ClusterStats {
    pub links_considered: usize,
    pub merges: usize,
    pub merges_vetoed: usize,
    pub merges_below_average: usize,
    pub extra_pairs_scored: usize,
}

/// Cluster `n` records given their links; `score` compares any two records on demand (for
/// cross pairs that blocking did not produce). Returns a cluster number per record (numbered
/// from 0 in order of first appearance) and statistics.
pub fn cluster(
    n: usize,
    links: &[Link],
    options: &ClusterOptions,
    mut score: impl FnMut(u32, u32) -> PairScore,
) -> (Vec<u32>, ClusterStats) {
    let mut stats = ClusterStats::default();
    let mut sorted: Vec<Link> = links
        .iter()
        .copied()
        .filter(|l| l.probability >= options.threshold)
        .collect();
    sorted.sort_by(|x, y| {
        y.probability
            .total_cmp(&x.probability)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let known: FastMap<(u32, u32), f64> = links
        .iter()
        .map(|l| (ordered(l.a, l.b), l.probability))
        .collect();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    for link in &sorted {
        stats.links_considered += 1;
        let (ra, rb) = (find(&mut parent, link.a), find(&mut parent, link.b));
        if ra == rb {
            continue;
        }
        let group_a = members.get(ra as usize).cloned().unwrap_or_default();
        let group_b = members.get(rb as usize).cloned().unwrap_or_default();
        if group_a.len() * group_b.len() > 1 {
            let mut sum = 0.0;
            let mut vetoed = false;
            'cross: for &x in &group_a {
                for &y in &group_b {
                    let s = match known.get(&ordered(x, y)) {
                        Some(&probability) if probability >= options.threshold => PairScore {
                            probability,
                            vetoed: false,
                        },
                        _ => {
                            stats.extra_pairs_scored += 1;
                            score(x, y)
                        }
                    };
                    if s.vetoed {
                        vetoed = true;
                        break 'cross;
                    }
                    sum += s.probability;
                }
            }
            if vetoed {
                stats.merges_vetoed += 1;
                continue;
            }
            if sum / ((group_a.len() * group_b.len()) as f64) < options.min_average {
                stats.merges_below_average += 1;
                continue;
            }
        }
        // Union: the larger group absorbs the smaller.
        let (keep, absorb) = if group_a.len() >= group_b.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let moved = members
            .get_mut(absorb as usize)
            .map(std::mem::take)
            .unwrap_or_default();
        if let Some(m) = members.get_mut(keep as usize) {
            m.extend(moved);
        }
        if let Some(p) = parent.get_mut(absorb as usize) {
            *p = keep;
        }
        stats.merges += 1;
    }
    let mut numbers: FastMap<u32, u32> = FastMap::default();
    let mut out = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let root = find(&mut parent, i);
        let next = numbers.len() as u32;
        out.push(*numbers.entry(root).or_insert(next));
    }
    (out, stats)
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    if a <= b { (a, b) } else { (b, a) }
}

fn find(parent: &mut [u32], x: u32) -> u32 {
    let mut root = x;
    while let Some(&p) = parent.get(root as usize) {
        if p == root {
            break;
        }
        root = p;
    }
    // Path compression.
    let mut at = x;
    while at != root {
        let Some(slot) = parent.get_mut(at as usize) else {
            break;
        };
        let next = *slot;
        *slot = root;
        at = next;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(a: u32, b: u32, probability: f64) -> Link {
        Link { a, b, probability }
    }

    #[test]
    fn strong_links_join_and_weak_ones_do_not() {
        let links = [link(0, 1, 0.99), link(1, 2, 0.95), link(3, 4, 0.5)];
        let (c, stats) = cluster(5, &links, &ClusterOptions::default(), |_, _| PairScore {
            probability: 0.9,
            vetoed: false,
        });
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[4]);
        assert_eq!(stats.merges, 2);
    }

    #[test]
    fn one_link_does_not_chain_two_people_together() {
        // People {0,1} and {2,3}; a single link 1–2 while every other cross pair says no.
        let links = [link(0, 1, 0.999), link(2, 3, 0.999), link(1, 2, 0.92)];
        let (c, stats) = cluster(4, &links, &ClusterOptions::default(), |_, _| PairScore {
            probability: 0.01,
            vetoed: false,
        });
        assert_eq!(c[0], c[1]);
        assert_eq!(c[2], c[3]);
        assert_ne!(c[1], c[2]);
        assert_eq!(stats.merges_below_average, 1);
    }

    #[test]
    fn a_vetoed_cross_pair_blocks_the_merge() {
        // Mother {0} linked to record 1, child {2} linked to record 1 as well: record 1 joins
        // one of them, never both.
        let links = [link(0, 1, 0.99), link(1, 2, 0.98)];
        let (c, stats) = cluster(3, &links, &ClusterOptions::default(), |a, b| PairScore {
            probability: 0.0,
            vetoed: (a.min(b), a.max(b)) == (0, 2),
        });
        assert_eq!(c[0], c[1]);
        assert_ne!(c[1], c[2]);
        assert_eq!(stats.merges_vetoed, 1);
    }

    #[test]
    fn clusters_partition_every_record_on_generated_links() {
        let mut rng = crate::rng::Rng::new(4);
        for _ in 0..50 {
            let n = 1 + rng.below(60);
            let links: Vec<Link> = (0..rng.below(120))
                .map(|_| link(rng.below(n) as u32, rng.below(n) as u32, rng.unit()))
                .filter(|l| l.a != l.b)
                .collect();
            let (c, _) = cluster(n, &links, &ClusterOptions::default(), |_, _| PairScore {
                probability: 0.6,
                vetoed: false,
            });
            assert_eq!(c.len(), n);
            let max = c.iter().copied().max().unwrap_or(0) as usize;
            for k in 0..=max {
                assert!(c.contains(&(k as u32)), "cluster numbers are dense");
            }
        }
    }
}
