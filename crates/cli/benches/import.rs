//! A benchmark that is also a check: 100,000 referrals imported from one CSV file in one
//! transaction by the real (release-built) binary into a fresh SQLite database. It prints
//! the time and fails unless every case, referral and audit row is there.
//!
//! `cargo bench -p waymark --bench import` (docs/performance.md records the results).
// A failed check should stop with a message, which is what a panic gives here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../tests/import_support/mod.rs"]
mod import_support;

use std::time::Instant;

use import_support::*;

fn main() {
    let rows: usize = std::env::var("WAYMARK_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let install = install();
    let started = Instant::now();
    let file = write(install.path(), "large.csv", large_csv(rows).as_bytes());
    let generated = started.elapsed();
    let before = counts(&install);
    let started = Instant::now();
    let dry = ok(import(&install, &file, &["--dry-run"]));
    let checked = started.elapsed();
    assert!(
        dry.starts_with(&format!("would import {rows} referrals")),
        "{dry}"
    );
    let started = Instant::now();
    let stdout = ok(import(&install, &file, &[]));
    let imported = started.elapsed();
    assert_eq!(stdout.trim(), format!("imported {rows} referrals"));
    let after = counts(&install);
    assert_eq!(count(&after, "cases"), count(&before, "cases") + rows);
    assert_eq!(
        count(&after, "referrals"),
        count(&before, "referrals") + rows
    );
    assert_eq!(count(&after, "people"), count(&before, "people") + 2 * rows);
    assert_eq!(
        count(&after, "audit_events"),
        count(&before, "audit_events") + rows + 1
    );
    println!(
        "import: {rows} referrals ({} bytes, written in {:.1} s): dry run {:.1} s, import {:.1} s ({} build)",
        std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0),
        generated.as_secs_f64(),
        checked.as_secs_f64(),
        imported.as_secs_f64(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
}
