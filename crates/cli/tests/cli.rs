//! The `waymark` binary as a user runs it.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn waymark(args: &[&str], stdin: &str, data_dir: &std::path::Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_waymark"))
        .args(args)
        .env("WAYMARK_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn score(input: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    waymark(&["dash", "score"], input, dir.path())
}

fn answers(yes: usize) -> String {
    let items: Vec<String> = (1..=24)
        .map(|i| format!("\"q{i}\": \"{}\"", if i <= yes { "yes" } else { "no" }))
        .collect();
    format!("{{{}}}", items.join(", "))
}

#[test]
fn dash_score_writes_the_decision() {
    let out = score(&format!(
        r#"{{"answers": {}, "abuse_incidents_last_12_months": 0, "professional_judgement": null, "assessed_on": "2026-03-01", "previous_marac_referral_on": null}}"#,
        answers(14)
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["instrument"], "safelives-dash-ric");
    assert_eq!(v["yes_count"], 14);
    assert_eq!(v["answered"], 24);
    assert_eq!(v["risk_level"], "high");
    assert_eq!(v["refer_to_marac"], true);
    assert_eq!(v["criteria"], serde_json::json!(["visible_high_risk"]));
}

#[test]
fn dash_score_applies_every_criterion_in_order() {
    let out = score(&format!(
        r#"{{"answers": {}, "abuse_incidents_last_12_months": 3, "professional_judgement": {{"reason": "Threats to the children"}}, "assessed_on": "2026-03-01", "previous_marac_referral_on": "2025-03-01"}}"#,
        answers(13)
    ));
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["risk_level"], "high");
    assert_eq!(
        v["criteria"],
        serde_json::json!(["professional_judgement", "potential_escalation", "repeat"])
    );
    let below = score(&format!(
        r#"{{"answers": {}, "abuse_incidents_last_12_months": 2, "assessed_on": "2026-03-02", "previous_marac_referral_on": "2025-03-01"}}"#,
        answers(13)
    ));
    let v: serde_json::Value = serde_json::from_slice(&below.stdout).unwrap();
    assert_eq!(v["risk_level"], "medium");
    assert_eq!(v["refer_to_marac"], false);
}

#[test]
fn bad_dash_input_exits_2_naming_the_field() {
    let cases = [
        (
            r#"{"answers": {"q25": "yes"}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-03-01"}"#,
            "answers.q25",
        ),
        (
            r#"{"answers": {"q3": "maybe"}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-03-01"}"#,
            "answers.q3",
        ),
        (
            r#"{"answers": {}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-03-01", "professional_judgement": {"reason": " "}}"#,
            "professional_judgement.reason",
        ),
        (
            r#"{"answers": {}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-13-01"}"#,
            "assessed_on",
        ),
        (
            r#"{"answers": {}, "abuse_incidents_last_12_months": -1, "assessed_on": "2026-03-01"}"#,
            "abuse_incidents_last_12_months",
        ),
        (
            r#"{"answers": {}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-03-01", "previous_marac_referral_on": "01/03/2025"}"#,
            "previous_marac_referral_on",
        ),
        (
            r#"{"answers": {}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-03-01", "instrument": "nope"}"#,
            "instrument",
        ),
        (r#"{"answers": {} "#, "malformed JSON"),
    ];
    for (input, field) in cases {
        let out = score(input);
        assert_eq!(out.status.code(), Some(2), "{input}");
        assert!(out.stdout.is_empty(), "{input}: stdout must stay empty");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{input}: one line expected, got {err}"
        );
        assert!(
            err.contains(field),
            "{input}: {err:?} does not name {field}"
        );
    }
}

#[test]
fn a_fresh_install_has_no_accounts_and_users_are_added_by_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = waymark(&["migrate"], "", dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = waymark(
        &[
            "user",
            "add",
            "--email",
            "a@example.test",
            "--agency",
            "Nowhere",
            "--role",
            "caseworker",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--agency"));
    let out = waymark(
        &[
            "agency",
            "add",
            "--name",
            "Test Service",
            "--kind",
            "idva_service",
        ],
        "",
        dir.path(),
    );
    assert!(out.status.success());
    let out = waymark(
        &[
            "user",
            "add",
            "--email",
            "a@example.test",
            "--agency",
            "Test Service",
            "--role",
            "chief",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    let out = waymark(
        &[
            "user",
            "add",
            "--email",
            "a@example.test",
            "--agency",
            "Test Service",
            "--role",
            "caseworker",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("initial password: "))
        .unwrap();
    assert!(password.len() >= 12);
    let again = waymark(
        &[
            "user",
            "add",
            "--email",
            "A@example.test",
            "--agency",
            "Test Service",
            "--role",
            "caseworker",
        ],
        "",
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(2), "duplicate emails are refused");
    let out = waymark(&["audit", "verify"], "", dir.path());
    assert!(out.status.success());
}

#[test]
fn data_keys_live_outside_the_database_and_rotate() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A SQLite install makes its own key beside the database, readable by its owner only.
    let out = waymark(
        &[
            "agency",
            "add",
            "--name",
            "Test Service",
            "--kind",
            "idva_service",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = dir.path().join("waymark.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A key file others can read is a start-up error, not a warning.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = waymark(&["migrate"], "", dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    // Rotation adds a key and keeps the old one for reading.
    let before = std::fs::read_to_string(&key).unwrap();
    let out = waymark(&["key", "rotate"], "", dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&key).unwrap();
    let lines = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count()
    };
    assert_eq!(lines(&after), lines(&before) + 1);
    assert!(
        waymark(&["audit", "verify"], "", dir.path())
            .status
            .success()
    );
    // `key generate` refuses to overwrite.
    let other = dir.path().join("other.key");
    assert!(
        waymark(
            &["key", "generate", "--output", other.to_str().unwrap()],
            "",
            dir.path()
        )
        .status
        .success()
    );
    let again = waymark(
        &["key", "generate", "--output", other.to_str().unwrap()],
        "",
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn backup_and_restore_round_trip_through_the_command_line() {
    let source = tempfile::tempdir().unwrap();
    let out = waymark(
        &[
            "agency",
            "add",
            "--name",
            "Backed Up Service",
            "--kind",
            "idva_service",
        ],
        "",
        source.path(),
    );
    assert!(out.status.success());
    let file = source.path().join("copy.wmbackup");
    let out = waymark(
        &["backup", "--output", file.to_str().unwrap()],
        "",
        source.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The restoring install uses the same key file.
    let target = tempfile::tempdir().unwrap();
    let key = source.path().join("waymark.key");
    let restore = |args: &[&str]| {
        let mut all = vec!["--key-file", key.to_str().unwrap()];
        all.extend_from_slice(args);
        waymark(&all, "", target.path())
    };
    let out = restore(&["restore", "--input", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = restore(&["restore", "--input", file.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "restoring over data is refused"
    );
    let out = restore(&[
        "agency",
        "add",
        "--name",
        "Backed Up Service",
        "--kind",
        "idva_service",
    ]);
    assert_eq!(out.status.code(), Some(2), "the restored agency is there");
    // Without the right key, the backup cannot be opened.
    let stranger = tempfile::tempdir().unwrap();
    let out = waymark(
        &["restore", "--input", file.to_str().unwrap()],
        "",
        stranger.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be opened"));
}

#[test]
fn retention_needs_a_schedule_and_legal_holds_name_a_case() {
    let dir = tempfile::tempdir().unwrap();
    // No national period exists, so there is no default: the service must set one.
    let out = waymark(&["retention", "run"], "", dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--case-months"));
    let out = waymark(
        &["retention", "report", "--case-months", "72"],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 case(s) past 72 months; 0 deleted"));
    let out = waymark(
        &[
            "case",
            "hold",
            "--reference",
            "WM-1999-00001",
            "--reason",
            "Proceedings",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reference"));
}

#[test]
fn a_subject_access_export_needs_a_recorded_name() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("sar.json");
    let out = waymark(
        &[
            "export",
            "subject-access",
            "--name",
            "Nobody Recorded",
            "--output",
            out_file.to_str().unwrap(),
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no one named"));
    assert!(!out_file.exists(), "nothing is written");
}

#[test]
fn a_caseworkers_working_time_is_set_by_command_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["agency", "add", "--name", "Svc", "--kind", "idva_service"][..],
        &[
            "user",
            "add",
            "--email",
            "pt@example.test",
            "--agency",
            "Svc",
            "--role",
            "caseworker",
        ][..],
    ] {
        let out = waymark(args, "", dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for bad in ["0", "1.5", "half", "0.555"] {
        let out = waymark(
            &[
                "user",
                "set-fte",
                "--email",
                "pt@example.test",
                "--fte",
                bad,
            ],
            "",
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--fte"),
            "{bad}"
        );
    }
    let out = waymark(
        &[
            "user",
            "set-fte",
            "--email",
            "nobody@example.test",
            "--fte",
            "0.6",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = waymark(
        &[
            "user",
            "set-fte",
            "--email",
            "pt@example.test",
            "--fte",
            "0.6",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("now works 0.60 of full time"));
}

#[test]
fn the_marac_data_return_comes_as_csv_json_or_a_workbook_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = waymark(
        &[
            "marac",
            "add",
            "--name",
            "Report Marac",
            "--area",
            "Testshire",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let id = stdout
        .trim()
        .rsplit('(')
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    // Before the adult female population is set there is no coverage: the rows that
    // need it are blank and the JSON says so.
    let unset = waymark(
        &[
            "report",
            "marac-return",
            "--marac",
            &id,
            "--from",
            "2026-07-01",
            "--to",
            "2026-09-30",
            "--format",
            "json",
        ],
        "",
        dir.path(),
    );
    assert!(unset.status.success());
    let v: serde_json::Value = serde_json::from_slice(&unset.stdout).unwrap();
    assert_eq!(v["coverage"], serde_json::Value::Null);
    assert_eq!(v["adult_females"], serde_json::Value::Null);
    assert_eq!(v["recommended_per_10k"], 40);
    let out = waymark(
        &[
            "marac",
            "configure",
            "--marac",
            &id,
            "--adult-female-population",
            "50000",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = |extra: &[&str]| {
        let mut args = vec![
            "report",
            "marac-return",
            "--marac",
            &id,
            "--from",
            "2026-07-01",
            "--to",
            "2026-09-30",
        ];
        args.extend_from_slice(extra);
        waymark(&args, "", dir.path())
    };
    let csv = report(&[]);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("figure,count,percent,unknown\n"), "{csv}");
    assert!(csv.contains("\nCases discussed,0,,\n"), "{csv}");
    // Coverage: no cases in the 92 days of July to September is 0 a year, 0.0 per 10,000
    // adult females, against the recommended 40, which for 50,000 women is 200 a year.
    for row in [
        "\nDays in the period,92,,\n",
        "\nCases a year at this rate (cases discussed × 365 ÷ days in the period),0,,\n",
        "\nAdult female population,50000,,\n",
        "\n\"Cases a year per 10,000 adult females\",0.0,,\n",
        "\n\"Recommended cases a year per 10,000 adult females\",40,,\n",
        "\nRecommended cases a year for this population,200,,\n",
    ] {
        assert!(csv.contains(row), "{row:?} in {csv}");
    }
    let json = report(&["--format", "json"]);
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["cases_discussed"], 0);
    assert_eq!(v["days_in_period"], 92);
    assert_eq!(v["annualised_cases"], 0);
    assert_eq!(v["adult_females"], 50_000);
    assert_eq!(v["recommended_per_10k"], 40);
    assert_eq!(v["coverage"]["cases_per_year"], 0);
    assert_eq!(v["coverage"]["per_10k_tenths"], 0);
    assert_eq!(v["coverage"]["recommended_per_10k"], 40);
    assert_eq!(v["coverage"]["recommended_cases"], 200);
    assert_eq!(v["coverage"]["meets_recommended"], false);
    assert_eq!(v["marac"], "Report Marac");
    assert_eq!(v["from"], "2026-07-01");
    // A workbook needs a file; an existing file is never overwritten.
    let refused = report(&["--format", "xlsx"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--output"));
    let path = dir.path().join("return.xlsx");
    let book = report(&["--format", "xlsx", "--output", path.to_str().unwrap()]);
    assert!(
        book.status.success(),
        "{}",
        String::from_utf8_lossy(&book.stderr)
    );
    assert_eq!(
        &std::fs::read(&path).unwrap()[..2],
        b"PK",
        "an xlsx file is a zip"
    );
    let again = report(&["--format", "xlsx", "--output", path.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    // Bad dates, a reversed period and an unknown Marac are refused with the reason.
    let mut bad = vec![
        "report",
        "marac-return",
        "--marac",
        &id,
        "--from",
        "01/07/2026",
        "--to",
        "2026-09-30",
    ];
    let out = waymark(&bad, "", dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from"));
    bad[5] = "2026-10-01";
    let out = waymark(&bad, "", dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("after the end"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = waymark_store::Uuid::now_v7().to_string();
    let out = waymark(
        &[
            "report",
            "marac-return",
            "--marac",
            &other,
            "--from",
            "2026-07-01",
            "--to",
            "2026-09-30",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Marac"));
}

#[test]
fn a_marac_is_configured_by_command_and_bad_settings_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (name, kind) in [
        ("Test Police", "police"),
        ("Test Housing", "housing"),
        ("Test DA Service", "idva_service"),
    ] {
        let out = waymark(
            &["agency", "add", "--name", name, "--kind", kind],
            "",
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = waymark(
        &[
            "marac",
            "add",
            "--name",
            "Test Marac",
            "--area",
            "Testshire",
        ],
        "",
        dir.path(),
    );
    assert!(out.status.success());
    let out = waymark(&["marac", "show", "--marac", "Test Marac"], "", dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("schedule: no schedule yet"));
    let out = waymark(
        &[
            "marac",
            "configure",
            "--marac",
            "test marac",
            "--coordinating-agency",
            "Test DA Service",
            "--member",
            "Test Police",
            "--member",
            "Test Housing",
            "--every-weeks",
            "2",
            "--first-meeting",
            "2027-01-07",
            "--cases-per-meeting",
            "18",
            "--adult-female-population",
            "92000",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(shown.contains("every 2 week(s) from 2027-01-07"), "{shown}");
    assert!(
        shown.contains("18 cases a meeting, 5 research days"),
        "{shown}"
    );
    assert!(shown.contains("adult female population: 92000"), "{shown}");
    // The coordinating agency always sits at its own Marac.
    assert!(
        shown.contains("members: Test DA Service, Test Housing, Test Police"),
        "{shown}"
    );
    // A later change keeps what it does not name.
    let out = waymark(
        &[
            "marac",
            "configure",
            "--marac",
            "Test Marac",
            "--monthly",
            "last thursday",
            "--first-meeting",
            "2027-02-25",
        ],
        "",
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        shown.contains("monthly on the last Thursday, from 2027-02-25"),
        "{shown}"
    );
    assert!(shown.contains("18 cases a meeting"), "{shown}");
    for (args, flag) in [
        (vec!["--member", "Nowhere Agency"], "--member"),
        (vec!["--chair", "nobody@example.test"], "--chair"),
        (vec!["--cases-per-meeting", "0"], "--cases-per-meeting"),
        (
            vec!["--monthly", "2 saturday", "--first-meeting", "2027-01-01"],
            "--monthly",
        ),
        (vec!["--every-weeks", "2"], "--first-meeting"),
        (
            vec!["--every-weeks", "2", "--first-meeting", "07/01/2027"],
            "--first-meeting",
        ),
    ] {
        let mut all = vec!["marac", "configure", "--marac", "Test Marac"];
        all.extend(args);
        let out = waymark(&all, "", dir.path());
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = waymark(&["marac", "show", "--marac", "Nowhere"], "", dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_short_metrics_token_is_refused_before_the_server_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = waymark(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--metrics-token",
            "too-short",
        ],
        "",
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--metrics-token must be at least 32 characters"),
        "{err}"
    );
    assert!(!err.contains("too-short"), "the token is never echoed");
}

#[test]
fn teams_are_added_listed_and_joined_by_command_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| waymark(args, "", dir.path());
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let refused = |args: &[&str], names: &str| {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(names), "{args:?}: {err}");
    };
    ok(&["agency", "add", "--name", "Svc", "--kind", "idva_service"]);
    ok(&["agency", "add", "--name", "Other", "--kind", "police"]);
    ok(&[
        "user",
        "add",
        "--email",
        "w@example.test",
        "--agency",
        "Svc",
        "--role",
        "caseworker",
    ]);
    ok(&["team", "add", "--agency", "Other", "--name", "Response"]);
    refused(
        &["team", "add", "--agency", "Nowhere", "--name", "North"],
        "--agency",
    );
    refused(
        &["team", "add", "--agency", "Svc", "--name", "   "],
        "--name",
    );
    refused(
        &["team", "add", "--agency", "Svc", "--name", &"x".repeat(81)],
        "--name",
    );
    assert!(ok(&["team", "list", "--agency", "Svc"]).contains("no teams yet"));
    assert!(ok(&["team", "add", "--agency", "Svc", "--name", "North"]).contains("North"));
    refused(
        &["team", "add", "--agency", "Svc", "--name", "north"],
        "already",
    );
    // Another agency's team, an unknown team or user: refused, naming the option.
    refused(
        &[
            "user",
            "set-team",
            "--email",
            "w@example.test",
            "--team",
            "Response",
        ],
        "--team",
    );
    refused(
        &[
            "user",
            "set-team",
            "--email",
            "nobody@example.test",
            "--team",
            "North",
        ],
        "--email",
    );
    let list = ok(&["team", "list", "--agency", "Svc"]);
    assert!(list.contains("North: (no one)"), "{list}");
    assert!(list.contains("in no team: w@example.test"), "{list}");
    assert!(list.contains("team restriction off"), "{list}");
    ok(&[
        "user",
        "set-team",
        "--email",
        "w@example.test",
        "--team",
        "NORTH",
    ]);
    ok(&["team", "restrict", "--agency", "Svc", "--to-teams", "on"]);
    let list = ok(&["team", "list", "--agency", "Svc"]);
    assert!(list.contains("North: w@example.test"), "{list}");
    assert!(list.contains("team restriction on"), "{list}");
    refused(
        &["team", "restrict", "--agency", "Svc", "--to-teams", "maybe"],
        "--to-teams",
    );
    ok(&["user", "set-team", "--email", "w@example.test", "--no-team"]);
    assert!(ok(&["team", "list", "--agency", "Svc"]).contains("in no team: w@example.test"));
    // Every change is in the audit trail, which still verifies.
    let verified = ok(&["audit", "verify"]);
    assert!(!verified.to_lowercase().contains("broken"), "{verified}");
}
