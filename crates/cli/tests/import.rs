//! `waymark import referrals` as a user runs it, against a fresh database (SQLite, and
//! PostgreSQL when configured): a good file imports every row with its audit rows, a bad
//! or hostile file writes nothing and lists every problem, a dry run writes nothing. The
//! 100,000-row run is a benchmark: `cargo bench -p waymark --bench import`.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod import_support;

use import_support::*;

#[test]
fn a_good_file_imports_every_referral_with_its_audit_row() {
    for install in installs() {
        let at = install.label();
        let mut rows = vec![row(1), row(2)];
        // A child, and a reason that spans lines inside quotes.
        rows.push(
            "Victim3,Example,,,Perp3,Sample,intimate_partner,Northmoor Police,self,2025-06-02,\
             not_given,\"Children at risk,\nsaid the school\",no,,,,yes,yes,Cy,Example,\
             2019-05-06,victim"
                .into(),
        );
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(csv(&rows).as_bytes());
        let file = write(install.path(), "referrals.csv", &bytes);
        let before = counts(&install);
        let out = import(&install, &file, &[]);
        let err = stderr(&out);
        let stdout = ok(out);
        assert_eq!(stdout.trim(), "imported 3 referrals", "{at}");
        for text in [&stdout, &err] {
            for data in ["Victim", "Perp", "7700", "school"] {
                assert!(!text.contains(data), "{at}: {data:?} printed: {text}");
            }
        }
        let after = counts(&install);
        assert_eq!(count(&after, "cases"), count(&before, "cases") + 3, "{at}");
        assert_eq!(count(&after, "referrals"), count(&before, "referrals") + 3);
        assert_eq!(count(&after, "people"), count(&before, "people") + 7);
        // One `referral.create` row per case, and one for the import itself.
        assert_eq!(
            count(&after, "audit_events"),
            count(&before, "audit_events") + 4,
            "{at}"
        );
        let cases = agency_cases(&install);
        let mut victims: Vec<&str> = cases.iter().map(|c| c.victim_name.as_str()).collect();
        victims.sort_unstable();
        // Imported referrals wait in the triage queue, allocated to no one.
        assert!(
            cases
                .iter()
                .all(|c| c.status == "awaiting_allocation" && c.caseworker_name.is_none()),
            "{at}"
        );
        assert_eq!(
            victims,
            ["Victim1 Example", "Victim2 Example", "Victim3 Example"],
            "{at}"
        );
        let audit = ok(install.run(&["audit", "verify"]));
        assert!(audit.contains("audit chain intact"), "{at}: {audit}");
    }
}

#[test]
fn a_bad_file_writes_nothing_and_lists_every_problem_by_line_and_column() {
    for install in installs() {
        let at = install.label();
        let rows = vec![
            row(1),
            row(2).replace("Victim2", ""),
            row(3),
            row(4).replace("northmoor police", "Southmoor Police"),
            row(5).replace("2025-06-01", "01/06/2025"),
            "Victim6,Example".into(),
        ];
        let file = write(install.path(), "bad.csv", csv(&rows).as_bytes());
        let before = counts(&install);
        let out = import(&install, &file, &[]);
        assert_eq!(out.status.code(), Some(2), "{at}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        for expected in [
            "line 3: victim_given_name: Enter the victim's first name",
            "line 5: referring_agency: is not the name of an agency",
            "line 6: referred_on: The referral date must be a real date",
            "line 7: (whole row): has 2 cells",
            "4 row(s) have problems; nothing was imported",
            "the agencies in Waymark are: Northmoor Domestic Abuse Service, Northmoor Police",
        ] {
            assert!(err.contains(expected), "{at}: {expected:?} not in {err}");
        }
        for data in ["Victim", "Southmoor", "01/06/2025", "7700"] {
            assert!(!err.contains(data), "{at}: {data:?} repeated in {err}");
        }
        assert_eq!(counts(&install), before, "{at}: nothing was written");
    }
}

#[test]
fn a_long_list_of_problems_is_cut_short() {
    let install = install();
    let rows: Vec<String> = (0..250).map(|n| row(n).replace("Perp", "=Perp")).collect();
    let file = write(install.path(), "many.csv", csv(&rows).as_bytes());
    let out = import(&install, &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let listed = err.lines().filter(|l| l.starts_with("line ")).count();
    assert_eq!(listed, 200, "{err}");
    assert!(err.contains("\nand 50 more\n"), "{err}");
    assert!(err.contains("250 row(s) have problems"), "{err}");
}

#[test]
fn a_dry_run_checks_everything_and_writes_nothing() {
    for install in installs() {
        let at = install.label();
        let file = write(
            install.path(),
            "good.csv",
            csv(&[row(1), row(2)]).as_bytes(),
        );
        let before = counts(&install);
        let stdout = ok(import(&install, &file, &["--dry-run"]));
        assert!(
            stdout.starts_with("would import 2 referrals"),
            "{at}: {stdout}"
        );
        assert_eq!(counts(&install), before, "{at}");
        // Agency names are checked in a dry run too.
        let file = write(
            install.path(),
            "unknown.csv",
            csv(&[row(1).replace("northmoor police", "Nowhere")]).as_bytes(),
        );
        let out = import(&install, &file, &["--dry-run"]);
        assert_eq!(out.status.code(), Some(2), "{at}");
        assert!(stderr(&out).contains("line 2: referring_agency:"), "{at}");
        assert_eq!(counts(&install), before, "{at}");
    }
}

#[test]
fn a_hostile_file_is_refused() {
    let install = install();
    let rows = vec![
        row(1).replace("Victim1", "\"=HYPERLINK(\"\"http://evil.example\"\")\""),
        row(2),
        row(3).replace("+44 7700 900123", "+cmd|' /C calc'!A0"),
        row(4).replace("after 6pm", "@SUM(A1:A9)"),
        row(5).replace("Victim5", "\"\tVictim5\""),
    ];
    let file = write(install.path(), "hostile.csv", csv(&rows).as_bytes());
    let before = counts(&install);
    let out = import(&install, &file, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "line 2: victim_given_name: starts with '=', which spreadsheet programs run as a formula",
        "line 4: safe_phone: starts with '+'",
        "line 5: safe_times: starts with '@'",
        "line 6: victim_given_name: starts with a tab character",
    ] {
        assert!(err.contains(expected), "{expected:?} not in {err}");
    }
    assert!(
        !err.contains("line 3"),
        "the phone number +44 … is fine: {err}"
    );
    assert!(!err.contains("HYPERLINK") && !err.contains("calc"));
    assert_eq!(counts(&install), before);
}

#[test]
fn files_in_other_encodings_are_refused_with_advice() {
    let install = install();
    let mut latin1 = csv(&[row(1), row(2)]).into_bytes();
    // "Zoë" as Excel's plain "CSV (Comma delimited)" writes it: ë is the byte 0xEB.
    latin1.extend(
        row(3)
            .replace("Victim3", "Zo#")
            .bytes()
            .map(|b| if b == b'#' { 0xEB } else { b }),
    );
    let file = write(install.path(), "latin1.csv", &latin1);
    let out = import(&install, &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("line 4 is not UTF-8"), "{err}");
    assert!(err.contains("CSV UTF-8"), "{err}");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in csv(&[row(1)]).encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let file = write(install.path(), "utf16.csv", &utf16);
    let out = import(&install, &file, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("UTF-16"), "{}", stderr(&out));
}

#[test]
fn the_importer_and_the_marac_must_be_right() {
    let install = install();
    let file = write(install.path(), "good.csv", csv(&[row(1)]).as_bytes());
    let path = file.to_str().unwrap();
    let before = counts(&install);
    let as_manager = install.run(&["import", "referrals", path, "--as", "manager@example.test"]);
    assert_eq!(as_manager.status.code(), Some(2));
    assert!(stderr(&as_manager).contains("--as: manager@example.test is a manager"));
    let nobody = install.run(&["import", "referrals", path, "--as", "nobody@example.test"]);
    assert_eq!(nobody.status.code(), Some(2));
    assert!(stderr(&nobody).contains("--as"));
    let missing = install.run(&["import", "referrals", path]);
    assert_eq!(missing.status.code(), Some(2), "--as is required");
    ok(install.run(&[
        "marac",
        "add",
        "--name",
        "Southmoor Marac",
        "--area",
        "Southmoor",
    ]));
    let which = import(&install, &file, &[]);
    assert_eq!(which.status.code(), Some(2));
    assert!(stderr(&which).contains("--marac: there is more than one Marac"));
    let unknown = import(&install, &file, &["--marac", "Eastmoor Marac"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        count(&counts(&install), "cases"),
        count(&before, "cases"),
        "refused imports wrote nothing"
    );
    ok(import(&install, &file, &["--marac", "southmoor marac"]));
    assert_eq!(
        count(&counts(&install), "cases"),
        count(&before, "cases") + 1
    );
}

/// Thousands of rows in one file and one transaction (the 100,000-row run is the
/// benchmark in `benches/import.rs`).
#[test]
fn thousands_of_referrals_import_in_one_transaction() {
    const ROWS: usize = 2_000;
    let install = install();
    let file = write(install.path(), "many.csv", large_csv(ROWS).as_bytes());
    let before = counts(&install);
    let stdout = ok(import(&install, &file, &[]));
    assert_eq!(stdout.trim(), format!("imported {ROWS} referrals"));
    let after = counts(&install);
    assert_eq!(count(&after, "cases"), count(&before, "cases") + ROWS);
    assert_eq!(
        count(&after, "audit_events"),
        count(&before, "audit_events") + ROWS + 1
    );
}

/// A 100,000-row file is read and checked in full: a dry run counts every row, and one bad
/// row at the very end refuses the whole file, naming its line. (Writing 100,000 referrals
/// is the benchmark in `benches/import.rs`, measured in docs/performance.md.)
#[test]
fn a_hundred_thousand_rows_are_checked_to_the_last_line() {
    const ROWS: usize = 100_000;
    let install = install();
    let mut text = large_csv(ROWS);
    let file = write(install.path(), "large.csv", text.as_bytes());
    let before = counts(&install);
    let stdout = ok(import(&install, &file, &["--dry-run"]));
    assert!(
        stdout.starts_with(&format!("would import {ROWS} referrals")),
        "{stdout}"
    );
    text.push_str(&row(ROWS).replacen(",police,", ",=1+1,", 1));
    text.push('\n');
    let hostile = write(install.path(), "large-hostile.csv", text.as_bytes());
    let out = import(&install, &hostile, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("line {}:", ROWS + 2)),
        "{}",
        stderr(&out)
    );
    assert_eq!(counts(&install), before, "nothing was written");
}
