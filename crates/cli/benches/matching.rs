//! A benchmark that is also a check: what person matching costs on the case page and
//! after a new referral, on a fresh SQLite store holding N referrals (a victim and a
//! perpetrator each, with the generator's varied and repeated names and dates of birth).
//!
//! For each size it times, on the store reopened so that the matching index is cold:
//! the first `Tx::pending_match_count_for` (every person opened and filed), the same call
//! warm (the id scan and the query), the call a new referral makes in its own transaction
//! (one new pair to file), and the matches page (`Tx::possible_matches`) warm. It fails
//! unless the index holds every person and the counts are what it set up.
//!
//! `cargo bench -p waymark --bench matching` (docs/performance.md records the results);
//! `WAYMARK_BENCH_PEOPLE=2000,20000` picks the numbers of referrals.
// A failed check should stop with a message, which is what a panic gives here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../tests/import_support/mod.rs"]
mod import_support;

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use import_support::{IDVA, block_on, install};
use waymark_domain::referral::{NewReferral, ReferralInput};
use waymark_linkage::generate::{self, GenOptions};
use waymark_linkage::{Gender, PartialDate, RawPersonRecord};
use waymark_store::{Store, Uuid};

/// Warm calls timed for each percentile.
const WARM_CALLS: usize = 200;
/// New referrals, each timed as the call its own transaction makes.
const NEW_REFERRALS: usize = 20;

struct Row {
    referrals: usize,
    people: usize,
    load: Duration,
    cold: Duration,
    cold_count: usize,
    warm: Vec<Duration>,
    after_new: Vec<Duration>,
    matches: Vec<Duration>,
    matches_count: usize,
    passed_over: usize,
    rss_kib: Option<u64>,
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = match std::env::var("WAYMARK_BENCH_PEOPLE") {
        Ok(v) => v
            .split(',')
            .map(|s| s.trim().replace('_', "").parse())
            .collect::<Result<_, _>>()
            .context("WAYMARK_BENCH_PEOPLE: numbers of referrals, comma-separated")?,
        Err(_) => vec![10_000, 50_000],
    };
    println!(
        "matching: {} build, load average at start: {}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        load_average()
    );
    let mut rows = Vec::new();
    for n in sizes {
        let row = run(n)?;
        println!(
            "  {} referrals ({} generated records without both names passed over): loaded in \
             {:.1} s; cold {:.2} s ({} pending on the case); peak RSS so far {}",
            row.referrals,
            row.passed_over,
            row.load.as_secs_f64(),
            row.cold.as_secs_f64(),
            row.cold_count,
            rss(row.rss_kib)
        );
        rows.push(row);
    }
    println!("load average at end: {}", load_average());
    println!();
    println!(
        "| referrals | people | cold first use | warm p50 / p99 | after one new referral p50 / p99 \
         | possible_matches p50 / p99 | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {:.2} s | {} / {} ms | {} / {} ms | {} / {} ms ({} shown) | {} |",
            r.referrals,
            r.people,
            r.cold.as_secs_f64(),
            ms(&r.warm, 0.5),
            ms(&r.warm, 0.99),
            ms(&r.after_new, 0.5),
            ms(&r.after_new, 0.99),
            ms(&r.matches, 0.5),
            ms(&r.matches, 0.99),
            r.matches_count,
            rss(r.rss_kib)
        );
    }
    Ok(())
}

fn run(n: usize) -> anyhow::Result<Row> {
    ensure!(n >= 2, "at least two referrals");
    let install = install();
    let mut people = Generated::new(3 * (n + NEW_REFERRALS) + 1000);
    block_on(async {
        // N referrals in one transaction, as `waymark import referrals` writes them.
        let started = Instant::now();
        let store = install.open().await;
        let tx = store.begin().await?;
        let (user, marac, police) = setting(&tx).await?;
        let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
        let mut cases = Vec::with_capacity(n);
        // The case measured is the first whose victim has a full date of birth; the last
        // referral names her again, so it has at least one possible match.
        let mut target: Option<(usize, RawPersonRecord)> = None;
        for i in 0..n {
            let twin = (i == n - 1).then(|| target.as_ref().map(|t| t.1.clone()));
            let (referral, victim) = people.referral(&police, today, twin.flatten())?;
            if target.is_none() && full_dob(&victim, today) {
                target = Some((i, victim));
            }
            let id = tx.create_referral(&user, marac, &referral, None).await?;
            cases.push(id);
        }
        tx.commit().await?;
        let load = started.elapsed();
        let (target, _) = target.context("no victim with a full date of birth")?;
        let case_id = cases[target];
        let people_count = 2 * n;
        drop(store);

        // Cold: a store just opened has an empty index.
        let store = install.open().await;
        ensure!(index_len(&store) == 0, "a new store's index is empty");
        let tx = store.begin().await?;
        let user = tx.user_by_email(IDVA).await?.context("caseworker")?;
        let started = Instant::now();
        let cold_count = tx.pending_match_count_for(&user, case_id).await?;
        let cold = started.elapsed();
        drop(tx);
        ensure!(
            index_len(&store) == people_count,
            "the index holds {} people, not {people_count}",
            index_len(&store)
        );
        ensure!(
            cold_count >= 1,
            "the measured case has no possible match, though its victim is named again"
        );

        // Warm: the id scan, nothing to open, and the query.
        let mut warm = Vec::with_capacity(WARM_CALLS);
        for _ in 0..WARM_CALLS {
            let tx = store.begin().await?;
            let started = Instant::now();
            let count = tx.pending_match_count_for(&user, case_id).await?;
            warm.push(started.elapsed());
            ensure!(count == cold_count, "warm count {count}, cold {cold_count}");
        }

        // A new referral: created and counted in one transaction, as the referral page
        // does, so the count files one new pair. Each new victim is another case's victim
        // named again (with a full date of birth), so each has a possible match.
        let mut after_new = Vec::with_capacity(NEW_REFERRALS);
        let (_, marac, police) = setting(&store.begin().await?).await?;
        for k in 0..NEW_REFERRALS {
            let tx = store.begin().await?;
            let again = people
                .victims_with_full_dob
                .get(1 + k * people.victims_with_full_dob.len() / (NEW_REFERRALS + 1))
                .cloned()
                .context("too few victims with a full date of birth")?;
            let (referral, _) = people.referral(&police, today, Some(again))?;
            let new_case = tx.create_referral(&user, marac, &referral, None).await?;
            let started = Instant::now();
            let count = tx.pending_match_count_for(&user, new_case).await?;
            after_new.push(started.elapsed());
            tx.commit().await?;
            ensure!(count >= 1, "new referral {k} has no possible match");
            let expected = people_count + 2 * (k + 1);
            ensure!(
                index_len(&store) == expected,
                "the index holds {} people after {} new referrals, not {expected}",
                index_len(&store),
                k + 1
            );
        }

        // The matches page, warm (each look is rolled back, so its audit rows go too).
        let tx = store.begin().await?;
        let expected = tx.pending_match_count_for(&user, case_id).await?;
        drop(tx);
        let mut matches = Vec::with_capacity(WARM_CALLS);
        for _ in 0..WARM_CALLS {
            let tx = store.begin().await?;
            let started = Instant::now();
            let found = tx.possible_matches(&user, case_id, None).await?;
            matches.push(started.elapsed());
            ensure!(
                found.possible.len() == expected && expected >= 1,
                "the matches page shows {} possible matches, the count says {expected}",
                found.possible.len()
            );
        }
        Ok::<Row, anyhow::Error>(Row {
            referrals: n,
            people: people_count,
            load,
            cold,
            cold_count,
            warm,
            after_new,
            matches,
            matches_count: expected,
            passed_over: people.passed_over,
            rss_kib: peak_rss_kib(),
        })
    })
}

/// The caseworker, the Marac and the police's agency id, as `import_support` set them up.
async fn setting(
    tx: &waymark_store::Tx,
) -> anyhow::Result<(waymark_store::users::User, Uuid, String)> {
    let user = tx.user_by_email(IDVA).await?.context("caseworker")?;
    let marac = tx.maracs().await?.first().context("a Marac")?.id;
    let police = tx
        .agencies()
        .await?
        .into_iter()
        .find(|a| a.name == "Northmoor Police")
        .context("the police")?
        .id
        .to_string();
    Ok((user, marac, police))
}

/// The generator's people, handed out in order as the victims and perpetrators of
/// referrals. Records a referral cannot hold (no first name or surname) are passed over.
struct Generated {
    records: std::vec::IntoIter<RawPersonRecord>,
    victims_with_full_dob: Vec<RawPersonRecord>,
    passed_over: usize,
}

impl Generated {
    fn new(records: usize) -> Generated {
        let all = generate::people(&GenOptions { records, seed: 42 }).records;
        Generated {
            records: all.into_iter(),
            victims_with_full_dob: Vec::new(),
            passed_over: 0,
        }
    }

    fn next(&mut self) -> anyhow::Result<RawPersonRecord> {
        for r in self.records.by_ref() {
            if usable(&r.first_name) && usable(&r.surname) {
                return Ok(r);
            }
            self.passed_over += 1;
        }
        anyhow::bail!("the generator ran out of people")
    }

    /// The next referral (with `victim` as its victim if given), and its victim.
    fn referral(
        &mut self,
        police: &str,
        today: time::Date,
        victim: Option<RawPersonRecord>,
    ) -> anyhow::Result<(NewReferral, RawPersonRecord)> {
        let victim = match victim {
            Some(v) => v,
            None => self.next()?,
        };
        let perpetrator = self.next()?;
        let input = ReferralInput {
            victim_given_name: victim.first_name.clone(),
            victim_family_name: victim.surname.clone(),
            victim_date_of_birth: iso_dob(&victim, today),
            victim_gender: gender(&victim).into(),
            perpetrator_given_name: perpetrator.first_name.clone(),
            perpetrator_family_name: perpetrator.surname.clone(),
            perpetrator_date_of_birth: iso_dob(&perpetrator, today),
            perpetrator_gender: gender(&perpetrator).into(),
            relationship: "ex_partner".into(),
            referring_agency_id: police.to_owned(),
            route: "police".into(),
            referred_on: "2025-06-01".into(),
            consent: "given".into(),
            victim_aware: "yes".into(),
            safe_phone: "+44 7700 900123".into(),
            safe_times: "after 6pm".into(),
            voicemail_safe: "no".into(),
            post_safe: "no".into(),
            ..ReferralInput::default()
        };
        let referral = input
            .parse(today)
            .map_err(|e| anyhow::anyhow!("a generated referral does not parse: {e:?}"))?;
        if full_dob(&victim, today) {
            self.victims_with_full_dob.push(victim.clone());
        }
        Ok((referral, victim))
    }
}

fn usable(name: &str) -> bool {
    let n = name.trim().chars().count();
    n > 0 && n <= 100
}

fn full_dob(r: &RawPersonRecord, today: time::Date) -> bool {
    !iso_dob(r, today).is_empty()
}

/// The generated date of birth as the referral form takes it, or blank when it is partial,
/// missing, unreadable or (a slip in the year) after today.
fn iso_dob(r: &RawPersonRecord, today: time::Date) -> String {
    match PartialDate::parse(&r.dob) {
        Ok(d) if d.is_full() => {
            let text = format!(
                "{:04}-{:02}-{:02}",
                d.year(),
                d.month().unwrap_or(1),
                d.day().unwrap_or(1)
            );
            match waymark_domain::referral::parse_iso_date(&text) {
                Some(date) if date <= today => text,
                _ => String::new(),
            }
        }
        _ => String::new(),
    }
}

fn gender(r: &RawPersonRecord) -> &'static str {
    match Gender::parse(&r.gender) {
        Some(Gender::Female) => "female",
        Some(Gender::Male) => "male",
        Some(Gender::Other) => "non_binary",
        None => "",
    }
}

/// How many people the store's matching index holds, from its debug form (the matcher
/// shows only its size there).
fn index_len(store: &Store) -> usize {
    let text = format!("{store:?}");
    let at = text
        .find("Matcher { people: ")
        .expect("the store's debug form shows its matcher");
    text[at + "Matcher { people: ".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|d| d.parse().ok())
        .expect("a number of people")
}

/// Milliseconds at this quantile.
fn ms(samples: &[Duration], q: f64) -> String {
    let mut v = samples.to_vec();
    v.sort();
    let i = ((v.len() as f64 - 1.0) * q).round() as usize;
    format!("{:.2}", v[i].as_secs_f64() * 1000.0)
}

/// The process's peak resident set (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn rss(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{} MiB", k / 1024))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
