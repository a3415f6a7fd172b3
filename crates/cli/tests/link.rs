//! `waymark link` and `waymark gen people` as a data team runs them: accuracy against the
//! generator's truth, the CSV dialect that is read, the escaping of what is written, and every
//! way a malformed file is refused (exit status 2, the line and the reason, no output file).
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn waymark(args: &[&str], stdin: &str, data_dir: &Path) -> Output {
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

/// A scratch directory; `data` is a data directory that must never be created, because
/// these commands use no database.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn run(&self, args: &[&str]) -> Output {
        let data = self.path("waymark-data");
        let out = waymark(args, "", &data);
        assert!(!data.exists(), "a database directory was created");
        out
    }

    /// `waymark link --input IN --output OUT [extra…]` in this directory.
    fn link(&self, input: &str, output: &str, extra: &[&str]) -> Output {
        let (i, o) = (self.path(input), self.path(output));
        let mut args = vec![
            "link",
            "--input",
            i.to_str().unwrap(),
            "--output",
            o.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        stderr(out)
    );
}

/// Exit status 2, every wanted fragment on stderr, and no output (nor a temporary file) in
/// the directory: only the files that were there before.
fn assert_refused(s: &Scratch, out: &Output, before: &[&str], wanted: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    for w in wanted {
        assert!(err.contains(w), "{w:?} not in stderr: {err}");
    }
    assert!(
        err.lines().last().unwrap_or("").starts_with("error: "),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "{}", stdout(out));
    let mut expected: Vec<String> = before.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(s.files(), expected, "an output or temporary file was left");
}

/// Rows of a CSV file as maps from column name to value.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn column(rows: &[HashMap<String, String>], name: &str) -> Vec<String> {
    rows.iter().map(|r| r[name].clone()).collect()
}

fn pairs<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> u64 {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    counts.values().map(|n| n * (n - 1) / 2).sum()
}

/// A full date of birth as written by the generator (`YYYY-MM-DD` or `DD/MM/YYYY`).
fn full_dob(s: &str) -> Option<String> {
    let p: Vec<&str> = s.split(['-', '/']).collect();
    match p.as_slice() {
        [y, m, d] if y.len() == 4 => Some(format!("{y}-{m}-{d}")),
        [d, m, y] if y.len() == 4 => Some(format!("{y}-{m}-{d}")),
        _ => None,
    }
}

const HEADER: &str = "record_id,first_name,surname,dob,gender,postcode,phone";

#[test]
fn gen_then_link_finds_the_people_and_keeps_households_apart() {
    let s = Scratch::new();
    let gen_out = s.run(&[
        "gen",
        "people",
        "--size",
        "2000",
        "--seed",
        "20260611",
        "--output",
        s.path("people.csv").to_str().unwrap(),
    ]);
    assert_ok(&gen_out);
    assert!(stdout(&gen_out).starts_with("wrote 2000 records of "));
    let out = s.link("people.csv", "linked.csv", &[]);
    assert_ok(&out);
    // Not a terminal: no progress bar, and clean generated data leaves nothing to say.
    let summary = stdout(&out);
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(
        summary.starts_with("linked 2000 records into "),
        "{summary}"
    );
    assert!(summary.contains(" s; wrote "), "{summary}");

    let truth = read_csv(&s.path("people.csv"));
    let linked = read_csv(&s.path("linked.csv"));
    assert_eq!(truth.len(), 2000);
    assert_eq!(column(&linked, "record_id"), column(&truth, "record_id"));
    let predicted = column(&linked, "person_id");
    let person = column(&truth, "true_person_id");
    let household = column(&truth, "household_id");

    // Person ids are numbered by first appearance.
    let mut seen: Vec<&str> = Vec::new();
    for p in &predicted {
        if !seen.contains(&p.as_str()) {
            seen.push(p);
            assert_eq!(*p, format!("P{:06}", seen.len()));
        }
    }
    // A probability has four decimals, or is empty.
    for p in column(&linked, "match_probability") {
        if !p.is_empty() {
            let (_, decimals) = p.split_once('.').unwrap();
            assert_eq!(decimals.len(), 4, "{p}");
            let v: f64 = p.parse().unwrap();
            assert!((0.9..=1.0).contains(&v), "{p}");
        }
    }

    let predicted_pairs = pairs(predicted.iter());
    let true_pairs = pairs(person.iter());
    let correct = pairs(predicted.iter().zip(&person));
    let precision = correct as f64 / predicted_pairs as f64;
    let recall = correct as f64 / true_pairs as f64;
    let f1 = 2.0 * precision * recall / (precision + recall);
    assert!(
        f1 >= 0.9,
        "pairwise precision {precision:.4} recall {recall:.4} F1 {f1:.4}"
    );

    // Different people of one household (mothers and children, partners, twins) share a
    // person_id only rarely.
    let household_pairs = pairs(household.iter()) - true_pairs;
    let household_merged = pairs(predicted.iter().zip(&household)) - correct;
    assert!(household_pairs > 1_000, "{household_pairs}");
    let rate = household_merged as f64 / household_pairs as f64;
    assert!(
        rate < 0.01,
        "{household_merged} of {household_pairs} same-household pairs merged"
    );
    // Twins: records of different people of one household with the same full date of birth.
    let mut twin_pairs = 0;
    let mut twins_merged = 0;
    for i in 0..truth.len() {
        for j in (i + 1)..truth.len() {
            if household[i] == household[j]
                && person[i] != person[j]
                && full_dob(&truth[i]["dob"]).is_some()
                && full_dob(&truth[i]["dob"]) == full_dob(&truth[j]["dob"])
            {
                twin_pairs += 1;
                if predicted[i] == predicted[j] {
                    twins_merged += 1;
                }
            }
        }
    }
    assert!(twin_pairs >= 5, "only {twin_pairs} twin pairs generated");
    assert!(
        twins_merged * 10 <= twin_pairs,
        "{twins_merged} of {twin_pairs} twin pairs merged"
    );
}

#[test]
fn gen_is_deterministic_by_seed_writes_the_truth_and_never_overwrites() {
    let s = Scratch::new();
    let gen_people = |seed: &str, name: &str| {
        s.run(&[
            "gen",
            "people",
            "--size",
            "300",
            "--seed",
            seed,
            "--output",
            s.path(name).to_str().unwrap(),
        ])
    };
    assert_ok(&gen_people("5", "a.csv"));
    assert_ok(&gen_people("5", "b.csv"));
    assert_ok(&gen_people("6", "c.csv"));
    let a = std::fs::read(s.path("a.csv")).unwrap();
    assert_eq!(a, std::fs::read(s.path("b.csv")).unwrap());
    assert_ne!(a, std::fs::read(s.path("c.csv")).unwrap());
    let text = String::from_utf8(a.clone()).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "record_id,first_name,surname,other_names,dob,gender,postcode,previous_postcodes,\
         phone,nhs_number,pnc_id,true_person_id,household_id"
    );
    assert_eq!(read_csv(&s.path("a.csv")).len(), 300);

    let again = gen_people("7", "a.csv");
    assert_refused(
        &s,
        &again,
        &["a.csv", "b.csv", "c.csv"],
        &["already exists"],
    );
    assert_eq!(std::fs::read(s.path("a.csv")).unwrap(), a);

    let zero = s.run(&[
        "gen",
        "people",
        "--size",
        "0",
        "--output",
        s.path("d.csv").to_str().unwrap(),
    ]);
    assert_refused(
        &s,
        &zero,
        &["a.csv", "b.csv", "c.csv"],
        &["--size must be at least 1"],
    );
}

/// A small file of people a data team might hold: a mother under her maiden and married
/// names and a nickname, her daughter and her partner at the same address and phone, and
/// unrelated people.
fn family_rows() -> Vec<[&'static str; 7]> {
    vec![
        [
            "A1",
            "Katherine",
            "Walsh",
            "1984-03-12",
            "F",
            "LS6 2AB",
            "07700 900123",
        ],
        [
            "A2",
            "Grace",
            "Walsh",
            "2012-09-30",
            "F",
            "LS6 2AB",
            "07700 900123",
        ],
        [
            "A3",
            "Kate",
            "walsh",
            "12/03/1984",
            "Female",
            "ls62ab",
            "+44 7700 900123",
        ],
        [
            "A4",
            "Daniel",
            "Walsh",
            "1981-11-02",
            "M",
            "LS6 2AB",
            "07700 900123",
        ],
        ["A5", "Katherine", "Walsh", "1984-03-12", "F", "", ""],
        [
            "A6",
            "Priya",
            "Shah",
            "1990-01-15",
            "F",
            "M14 5RT",
            "07911 123456",
        ],
        ["A7", "Tomasz", "Nowak", "1975", "M", "B12 9QQ", ""],
        ["A8", "", "", "", "", "", ""],
    ]
}

#[test]
fn the_same_person_shares_a_person_id_and_her_household_does_not() {
    let s = Scratch::new();
    let mut text = format!("{HEADER}\n");
    for r in family_rows() {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    s.write("in.csv", &text);
    let out = s.link("in.csv", "out.csv", &[]);
    assert_ok(&out);
    let rows = read_csv(&s.path("out.csv"));
    let ids = column(&rows, "person_id");
    assert_eq!(
        column(&rows, "record_id"),
        vec!["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"]
    );
    assert_eq!(ids[0], "P000001");
    assert_eq!(ids[1], "P000002");
    assert_eq!(ids[2], ids[0], "Kate is Katherine");
    assert_eq!(ids[4], ids[0], "Katherine without address is Katherine");
    assert_ne!(ids[1], ids[0], "the daughter is not her mother");
    assert_ne!(ids[3], ids[0], "the partner is not her");
    assert_ne!(ids[3], ids[1]);
    assert_eq!(ids[3], "P000003");
    assert_eq!(ids[5], "P000004");
    let probabilities = column(&rows, "match_probability");
    assert!(!probabilities[0].is_empty());
    assert!(
        probabilities[7].is_empty(),
        "an empty record links to no one"
    );
}

#[test]
fn quoted_cells_crlf_line_ends_and_a_byte_order_mark_are_read() {
    let s = Scratch::new();
    let text = "\u{feff}record_id,first_name,surname,dob,gender,postcode,phone\r\n\
        \"id,1\",\"Mary \"\"Molly\"\"\",\"O'Brien, née Kelly\",1990-05-06,F,\"SE1 7PB\",\"020 7946 0018\"\r\n\
        \"id\r\n2\",Mary,O'Brien,1990-05-06,F,SE1 7PB,02079460018\r\n\
        id3,John,Smith,,M,,\r\n";
    s.write("in.csv", text);
    let out = s.link("in.csv", "out.csv", &[]);
    assert_ok(&out);
    let written = std::fs::read_to_string(s.path("out.csv")).unwrap();
    assert!(
        written.starts_with("record_id,person_id,match_probability\n\"id,1\",P000001,"),
        "{written}"
    );
    let rows = read_csv(&s.path("out.csv"));
    assert_eq!(column(&rows, "record_id"), vec!["id,1", "id\r\n2", "id3"]);
    let ids = column(&rows, "person_id");
    assert_eq!(ids, vec!["P000001", "P000001", "P000002"]);
}

#[test]
fn extra_columns_are_ignored_and_columns_may_come_in_any_order() {
    let s = Scratch::new();
    let mut plain = format!("{HEADER}\n");
    let mut shuffled = String::from(
        "Notes,PHONE,postcode,agency,record_id,gender,dob,surname,first_name,true_person_id\n",
    );
    for (i, r) in family_rows().iter().enumerate() {
        let [id, first, surname, dob, gender, postcode, phone] = *r;
        plain.push_str(&r.join(","));
        plain.push('\n');
        shuffled.push_str(&format!(
            "\"note, {i}\",{phone},{postcode},police,{id},{gender},{dob},{surname},{first},{}\n",
            100 - i
        ));
    }
    s.write("plain.csv", &plain);
    s.write("shuffled.csv", &shuffled);
    assert_ok(&s.link("plain.csv", "a.csv", &[]));
    assert_ok(&s.link("shuffled.csv", "b.csv", &[]));
    assert_eq!(
        std::fs::read(s.path("a.csv")).unwrap(),
        std::fs::read(s.path("b.csv")).unwrap()
    );
}

#[test]
fn output_cells_cannot_start_a_formula() {
    let s = Scratch::new();
    let text = format!(
        "{HEADER}\n\
         \"=HYPERLINK(\"\"http://example.com/x\"\",\"\"click\"\")\",Ann,Lee,1970-01-01,F,,\n\
         +1,Bob,Lee,1971-01-01,M,,\n\
         -2,Cat,Lee,1972-01-01,F,,\n\
         @SUM(A1),Dan,Lee,1973-01-01,M,,\n\
         \"\tx\",Eve,Lee,1974-01-01,F,,\n\
         plain,Fay,Lee,1975-01-01,F,,\n"
    );
    s.write("in.csv", text);
    let out = s.link("in.csv", "out.csv", &[]);
    assert_ok(&out);
    let written = std::fs::read_to_string(s.path("out.csv")).unwrap();
    assert!(
        written.contains("\"'=HYPERLINK(\"\"http://example.com/x\"\",\"\"click\"\")\",P000001"),
        "{written}"
    );
    let ids = column(&read_csv(&s.path("out.csv")), "record_id");
    assert_eq!(
        ids,
        vec![
            "'=HYPERLINK(\"http://example.com/x\",\"click\")",
            "'+1",
            "'-2",
            "'@SUM(A1)",
            "'\tx",
            "plain"
        ]
    );
    for line in written.lines() {
        assert!(!line.starts_with(['=', '+', '-', '@', '\t']), "{line}");
    }
}

#[test]
fn guarded_phone_numbers_partial_dates_and_unreadable_values_are_accepted() {
    let s = Scratch::new();
    // `'+44…` is how Waymark's own files (and other tools) guard a phone number. `1970-03`
    // and `1970` are partial dates the engine reads; a postcode that is not one, and a date
    // in a form the engine does not read (`03/1970`), are left out of matching and counted,
    // not refused.
    let text = format!(
        "{HEADER}\n\
         1,Ann,Lee,1970-03,F,not a postcode,'+44 7700 900456\n\
         2,Ann,Lee,1970,F,LS1 4DY,07700900456\n\
         3,Ann,Lee,03/1970,F,,\n"
    );
    s.write("in.csv", text);
    let out = s.link("in.csv", "out.csv", &["--threshold", "0.95"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("postcode: 1"), "{err}");
    assert!(err.contains("dob: 1"), "{err}");
    assert!(
        !err.contains("phone"),
        "the guarded phone number was not read: {err}"
    );
    assert!(
        !err.contains("not a postcode"),
        "cell content echoed: {err}"
    );
    assert_eq!(read_csv(&s.path("out.csv")).len(), 3);
}

#[test]
fn a_missing_required_column_is_refused_with_the_header_line() {
    let s = Scratch::new();
    s.write(
        "in.csv",
        "record_id,first_name,surname,dob,postcode\n1,Ann,Lee,1970-01-01,LS1 4DY\n",
    );
    let out = s.link("in.csv", "out.csv", &[]);
    assert_refused(
        &s,
        &out,
        &["in.csv"],
        &[
            "line 1",
            "missing required column(s): gender, phone",
            "no output",
        ],
    );

    s.write("dup.csv", format!("{HEADER},Surname\n1,Ann,Lee,,,,,x\n"));
    let out = s.link("dup.csv", "out.csv", &[]);
    assert_refused(
        &s,
        &out,
        &["dup.csv", "in.csv"],
        &["line 1", "column surname appears 2 times"],
    );

    s.write("empty.csv", "");
    let out = s.link("empty.csv", "out.csv", &[]);
    assert_refused(&s, &out, &["dup.csv", "empty.csv", "in.csv"], &["empty"]);
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_refused_with_its_line() {
    let s = Scratch::new();
    // Line 3 holds a quoted cell that runs onto line 4; the short row is on line 5.
    let text = format!(
        "{HEADER}\n\
         1,Ann,Lee,1970-01-01,F,LS1 4DY,07700900456\n\
         2,\"Bea\nTrice\",Lee,1971-01-01,F,LS1 4DY,07700900456\n\
         3,Cat,Lee,1972-01-01,F,LS1 4DY\n\
         4,Dan,Lee,1973-01-01,M,LS1 4DY,07700900456,extra\n"
    );
    s.write("in.csv", text);
    let out = s.link("in.csv", "out.csv", &[]);
    assert_refused(
        &s,
        &out,
        &["in.csv"],
        &[
            "line 5: has 6 cells, but the header row has 7 columns",
            "line 6: has 8 cells",
            "2 row(s) have problems",
        ],
    );
    assert!(!stderr(&out).contains("Cat"), "cell content echoed");
}

#[test]
fn text_that_is_not_utf8_is_refused_with_its_line() {
    let s = Scratch::new();
    let mut bytes = format!("{HEADER}\n1,Ann,Lee,,,,\n2,Zo").into_bytes();
    bytes.push(0xEB); // ë in Windows-1252
    bytes.extend_from_slice(b",Lee,,,,\n");
    s.write("in.csv", &bytes);
    let out = s.link("in.csv", "out.csv", &[]);
    assert_refused(&s, &out, &["in.csv"], &["line 3: is not UTF-8 text"]);

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(HEADER.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    s.write("utf16.csv", utf16);
    let out = s.link("utf16.csv", "out.csv", &[]);
    assert_refused(&s, &out, &["in.csv", "utf16.csv"], &["line 1", "UTF-16"]);
}

#[test]
fn duplicate_and_empty_record_ids_are_refused_with_their_lines() {
    let s = Scratch::new();
    let text = format!(
        "{HEADER}\n\
         R1,Ann,Lee,,,,\n\
         R2,Bea,Lee,,,,\n\
         R1,Cat,Lee,,,,\n\
         ,Dan,Lee,,,,\n"
    );
    s.write("in.csv", text);
    let out = s.link("in.csv", "out.csv", &[]);
    assert_refused(
        &s,
        &out,
        &["in.csv"],
        &[
            "line 4: duplicate record_id (first used on line 2)",
            "line 5: record_id is empty",
        ],
    );
    let err = stderr(&out);
    assert!(
        err.find("line 4").unwrap() < err.find("line 5").unwrap(),
        "{err}"
    );
}

#[test]
fn an_invalid_threshold_is_refused() {
    let s = Scratch::new();
    s.write("in.csv", format!("{HEADER}\n1,Ann,Lee,,,,\n"));
    for bad in ["0", "1", "1.5", "-0.2", "abc", "NaN", ""] {
        let out = s.link("in.csv", "out.csv", &["--threshold", bad]);
        assert_refused(&s, &out, &["in.csv"], &["--threshold", "between 0 and 1"]);
    }
    assert_ok(&s.link("in.csv", "out.csv", &["--threshold", "0.5"]));
}

#[test]
fn an_existing_output_is_never_overwritten() {
    let s = Scratch::new();
    s.write("in.csv", format!("{HEADER}\n1,Ann,Lee,,,,\n"));
    s.write("out.csv", "precious");
    let out = s.link("in.csv", "out.csv", &[]);
    assert_refused(&s, &out, &["in.csv", "out.csv"], &["already exists"]);
    assert_eq!(std::fs::read(s.path("out.csv")).unwrap(), b"precious");

    let missing = s.link("nope.csv", "new.csv", &[]);
    assert_refused(
        &s,
        &missing,
        &["in.csv", "out.csv"],
        &["--input: cannot read"],
    );
    let nowhere = s.link("in.csv", "no-such-dir/out.csv", &[]);
    assert_refused(&s, &nowhere, &["in.csv", "out.csv"], &["--output"]);
}
