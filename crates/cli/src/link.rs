//! `waymark link`: batch de-duplication of person records in a CSV file with the
//! `waymark_linkage` engine, and `waymark gen people`: a synthetic population in the same
//! format with its truth beside it. No database is opened. The formats are in
//! `docs/linkage.md`.
//!
//! Both commands write through [`write_new_file`]: a temporary file beside the output, renamed into
//! place only when everything was written, and never over an existing file. A problem with
//! the input is found before anything is written, so a failed run leaves no output at all.
//!
//! No message repeats a cell's content: problems name the line and the reason, because the
//! cells hold people's personal data.
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use waymark_domain::marac_return::csv_cell;
use waymark_linkage::generate::{self, GenOptions};
use waymark_linkage::{LinkOptions, PersonRecord, RawPersonRecord};

use crate::UsageError;

/// How many row problems are listed before the rest are only counted.
const MAX_LISTED: usize = 200;

/// The columns every input file must have.
pub const REQUIRED: [&str; 7] = [
    "record_id",
    "first_name",
    "surname",
    "dob",
    "gender",
    "postcode",
    "phone",
];

/// Columns read when present; multi-valued ones hold values separated by `;`.
pub const OPTIONAL: [&str; 4] = ["other_names", "previous_postcodes", "nhs_number", "pnc_id"];

/// What separates several values in one cell (`phone`, `other_names`, `previous_postcodes`).
const MULTI: char = ';';

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The records: a CSV file (UTF-8) whose header row names at least record_id,
    /// first_name, surname, dob, gender, postcode and phone, in any order.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write record_id,person_id,match_probability (one row per input row). The
    /// file must not exist yet.
    #[arg(long)]
    pub output: PathBuf,
    /// How probable a link must be to put two records into one person: a number between
    /// 0 and 1, exclusive [default: the engine's, 0.9].
    #[arg(long, allow_hyphen_values = true)]
    pub threshold: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Synthetic UK-style people in households, each appearing 1-4 times with realistic
    /// errors, as a `waymark link` input file with the truth in two more columns
    /// (true_person_id, household_id). The same seed gives the same file.
    People {
        /// How many records (rows) to write.
        #[arg(long)]
        size: usize,
        /// The random seed: the same seed and size give the same file, byte for byte.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The CSV file to write; it must not exist yet.
        #[arg(long)]
        output: PathBuf,
    },
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// The exit status of a command run outside the async runtime: 2 with one line for a
/// usage error, 1 for anything else.
pub fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(u) = e.downcast_ref::<UsageError>() {
                eprintln!("error: {u}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        }
    }
}

/// `--threshold`: a probability strictly between 0 and 1.
fn threshold(raw: Option<&str>) -> anyhow::Result<f64> {
    let default = LinkOptions::default().cluster.threshold;
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(usage(format!(
            "--threshold: {raw:?} is not a probability between 0 and 1 (exclusive), like {default}"
        ))),
    }
}

/// Refuses an output that exists (or is a dangling link), before any work is done.
fn refuse_existing(output: &Path) -> anyhow::Result<()> {
    if output.symlink_metadata().is_ok() {
        return Err(usage(format!(
            "--output: {} already exists; Waymark never overwrites a file",
            output.display()
        )));
    }
    Ok(())
}

/// `waymark link`.
pub fn link(args: LinkArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let threshold = threshold(args.threshold.as_deref())?;
    refuse_existing(&args.output)?;
    let bytes = std::fs::read(&args.input).map_err(|e| {
        usage(format!(
            "--input: cannot read {}: {e}",
            args.input.display()
        ))
    })?;
    let name = args.input.display().to_string();

    let progress = reading_bar(bytes.len());
    let input = read_records(&bytes, |done| progress.set_position(done as u64));
    progress.finish_and_clear();
    drop(bytes);
    let input = match input {
        Ok(i) => i,
        Err(Problems::File(message)) => {
            return Err(usage(format!("{name}: {message}; no output was written")));
        }
        Err(Problems::Rows(problems)) => {
            for p in problems.iter().take(MAX_LISTED) {
                eprintln!("{p}");
            }
            if problems.len() > MAX_LISTED {
                eprintln!("and {} more", problems.len() - MAX_LISTED);
            }
            return Err(usage(format!(
                "{name}: {} row(s) have problems; no output was written",
                problems.len()
            )));
        }
    };
    if input.left_out > 0 {
        eprintln!(
            "note: {} value(s) could not be read and were left out of matching ({})",
            input.left_out,
            input.left_out_by_field()
        );
    }

    let spinner = linking_spinner(input.records.len());
    let mut options = LinkOptions::default();
    options.cluster.threshold = threshold;
    let linkage = waymark_linkage::link(&input.records, &options);
    spinner.finish_and_clear();

    let people = write_new_file(&args.output, |w| {
        write_linkage(
            w,
            &input.ids,
            &linkage.cluster_of,
            &linkage.best_probability,
        )
    })?;
    println!(
        "linked {} records into {} people ({} links at or above {threshold}, {} pairs scored) in {:.2} s; wrote {}",
        input.records.len(),
        people,
        linkage.stats.links,
        linkage.stats.pairs_scored,
        started.elapsed().as_secs_f64(),
        args.output.display()
    );
    Ok(())
}

/// Writes the output rows; returns how many people there are.
fn write_linkage(
    w: &mut impl Write,
    ids: &[String],
    cluster_of: &[u32],
    best: &[Option<f64>],
) -> std::io::Result<usize> {
    writeln!(w, "record_id,person_id,match_probability")?;
    // Person ids are numbered by first appearance in the input, whatever the engine's
    // cluster numbers are.
    let mut person_of: HashMap<u32, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let cluster = cluster_of.get(i).copied().unwrap_or(u32::MAX - i as u32);
        let next = person_of.len() + 1;
        let person = *person_of.entry(cluster).or_insert(next);
        let probability = best
            .get(i)
            .copied()
            .flatten()
            .map(|p| format!("{p:.4}"))
            .unwrap_or_default();
        writeln!(w, "{},P{person:06},{probability}", csv_cell(id))?;
    }
    Ok(person_of.len())
}

/// The records of an input file, in order.
#[derive(Debug, Default)]
pub struct Input {
    pub ids: Vec<String>,
    pub records: Vec<PersonRecord>,
    /// Values that did not parse (an impossible postcode, a date that is not a date) and
    /// were left out of matching, by column.
    pub left_out_fields: Vec<(&'static str, usize)>,
    pub left_out: usize,
}

impl Input {
    fn left_out_by_field(&self) -> String {
        self.left_out_fields
            .iter()
            .map(|(f, n)| format!("{f}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn note_left_out(&mut self, field: &'static str) {
        self.left_out += 1;
        match self.left_out_fields.iter_mut().find(|(f, _)| *f == field) {
            Some((_, n)) => *n += 1,
            None => self.left_out_fields.push((field, 1)),
        }
    }
}

/// Why an input file cannot be linked.
#[derive(Debug)]
pub enum Problems {
    /// The file as a whole (no header row, a missing column, not UTF-8 at all).
    File(String),
    /// Problems with rows, in line order, each `line N: reason`.
    Rows(Vec<String>),
}

/// Where each column of the format is in the file.
struct Columns {
    width: usize,
    record_id: usize,
    first_name: usize,
    surname: usize,
    dob: usize,
    gender: usize,
    postcode: usize,
    phone: usize,
    other_names: Option<usize>,
    previous_postcodes: Option<usize>,
    nhs_number: Option<usize>,
    pnc_id: Option<usize>,
}

fn header(line: u64, cells: &[&str]) -> Result<Columns, Problems> {
    let names: Vec<String> = cells.iter().map(|c| c.trim().to_lowercase()).collect();
    let mut problems = Vec::new();
    let find = |wanted: &str, problems: &mut Vec<String>| -> Option<usize> {
        let at: Vec<usize> = (0..names.len())
            .filter(|&i| names.get(i).is_some_and(|n| n == wanted))
            .collect();
        if at.len() > 1 {
            problems.push(format!("column {wanted} appears {} times", at.len()));
        }
        at.first().copied()
    };
    let mut required = [0usize; REQUIRED.len()];
    let mut missing = Vec::new();
    for (slot, name) in required.iter_mut().zip(REQUIRED) {
        match find(name, &mut problems) {
            Some(i) => *slot = i,
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        problems.insert(
            0,
            format!("missing required column(s): {}", missing.join(", ")),
        );
    }
    let [other_names, previous_postcodes, nhs_number, pnc_id] =
        OPTIONAL.map(|name| find(name, &mut problems));
    if !problems.is_empty() {
        return Err(Problems::File(format!(
            "line {line}: the header row is not right: {} (it must name at least {})",
            problems.join("; "),
            REQUIRED.join(",")
        )));
    }
    let [record_id, first_name, surname, dob, gender, postcode, phone] = required;
    Ok(Columns {
        width: cells.len(),
        record_id,
        first_name,
        surname,
        dob,
        gender,
        postcode,
        phone,
        other_names,
        previous_postcodes,
        nhs_number,
        pnc_id,
    })
}

/// A value a spreadsheet guard was put in front of (`'+44 7700 900123`, as Waymark's own
/// exports and many other tools write a cell that starts like a formula), without the guard.
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Reads an input file: header row, then one record per row. Every row problem is
/// collected; `progress` is told how many bytes have been read now and then.
pub fn read_records(bytes: &[u8], progress: impl Fn(usize)) -> Result<Input, Problems> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Problems::File(
            "line 1: the file is UTF-16 text, not UTF-8; save it as \"CSV UTF-8\"".into(),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut row = csv::ByteRecord::new();
    let mut columns: Option<Columns> = None;
    let mut input = Input::default();
    let mut lines: Vec<u64> = Vec::new();
    let mut problems: Vec<(u64, String)> = Vec::new();
    let mut rows = 0usize;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map_or(line, csv::Position::line);
                return Err(Problems::File(format!(
                    "line {at}: the file cannot be read as CSV"
                )));
            }
        }
        let line = row.position().map_or(line, csv::Position::line);
        rows += 1;
        if rows.is_multiple_of(8192) {
            progress(reader.position().byte() as usize);
        }
        let mut cells: Vec<&str> = Vec::with_capacity(row.len());
        let mut utf8 = true;
        for cell in &row {
            match std::str::from_utf8(cell) {
                Ok(c) => cells.push(c),
                Err(_) => {
                    utf8 = false;
                    break;
                }
            }
        }
        if !utf8 {
            let problem = format!(
                "line {line}: is not UTF-8 text (the file was probably saved in a Windows \
                 encoding; save it as \"CSV UTF-8\")"
            );
            if columns.is_none() {
                return Err(Problems::File(problem));
            }
            problems.push((line, problem));
            continue;
        }
        let Some(c) = &columns else {
            columns = Some(header(line, &cells)?);
            continue;
        };
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            // A row a spreadsheet left behind (`,,,,,,`): nothing to match.
            continue;
        }
        if cells.len() != c.width {
            problems.push((
                line,
                format!(
                    "line {line}: has {} cells, but the header row has {} columns; check for a \
                     missing or extra comma, or a cell that needs quotes",
                    cells.len(),
                    c.width
                ),
            ));
            continue;
        }
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let value = |i: usize| unguard(cell(i)).to_owned();
        let values = |i: Option<usize>| -> Vec<String> {
            i.map(|i| {
                unguard(cell(i))
                    .split(MULTI)
                    .map(|v| unguard(v.trim()).to_owned())
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default()
        };
        let id = cell(c.record_id);
        if id.trim().is_empty() {
            problems.push((
                line,
                format!("line {line}: record_id is empty; every row needs one"),
            ));
            continue;
        }
        let raw = RawPersonRecord {
            first_name: value(c.first_name),
            surname: value(c.surname),
            other_names: values(c.other_names),
            dob: value(c.dob),
            gender: value(c.gender),
            postcode: value(c.postcode),
            previous_postcodes: values(c.previous_postcodes),
            phones: values(Some(c.phone)),
            nhs_number: c.nhs_number.map(value).unwrap_or_default(),
            pnc_id: c.pnc_id.map(value).unwrap_or_default(),
        };
        let (record, issues) = raw.parse();
        for issue in issues {
            let field = match issue.field {
                "phones" => "phone",
                other => other,
            };
            input.note_left_out(field);
        }
        input.ids.push(id.to_owned());
        input.records.push(record);
        lines.push(line);
    }
    if columns.is_none() {
        return Err(Problems::File(
            "the file is empty: it needs a header row naming the columns".into(),
        ));
    }
    let mut first_seen: HashMap<&str, u64> = HashMap::with_capacity(input.ids.len());
    for (id, &line) in input.ids.iter().zip(&lines) {
        if let Some(first) = first_seen.insert(id.as_str(), line) {
            // Keep the first line for later duplicates.
            first_seen.insert(id.as_str(), first);
            problems.push((
                line,
                format!("line {line}: duplicate record_id (first used on line {first})"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        problems.sort_by_key(|(line, _)| *line);
        Err(Problems::Rows(
            problems.into_iter().map(|(_, p)| p).collect(),
        ))
    }
}

fn reading_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("reading {bar:40} {bytes}/{total_bytes} ({elapsed})")
    {
        bar.set_style(style);
    }
    bar
}

/// The engine links a batch in one call, so this shows that it is working, not how far.
fn linking_spinner(records: usize) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} linking {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(format!("{records} records"));
    if !bar.is_hidden() {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}

/// `waymark gen people`.
pub fn gen_people(command: GenCommand) -> anyhow::Result<()> {
    let GenCommand::People { size, seed, output } = command;
    if size == 0 {
        return Err(usage("--size must be at least 1"));
    }
    refuse_existing(&output)?;
    let generated = generate::people(&GenOptions {
        records: size,
        seed,
    });
    write_new_file(&output, |w| write_generated(w, &generated))?;
    let people: std::collections::HashSet<u64> =
        generated.truth.iter().map(|t| t.person_id).collect();
    let households: std::collections::HashSet<u64> =
        generated.truth.iter().map(|t| t.household_id).collect();
    println!(
        "wrote {} records of {} people in {} households to {} (seed {seed})",
        generated.records.len(),
        people.len(),
        households.len(),
        output.display()
    );
    Ok(())
}

/// The columns `waymark gen people` writes.
pub const GENERATED: [&str; 13] = [
    "record_id",
    "first_name",
    "surname",
    "other_names",
    "dob",
    "gender",
    "postcode",
    "previous_postcodes",
    "phone",
    "nhs_number",
    "pnc_id",
    "true_person_id",
    "household_id",
];

fn write_generated(w: &mut impl Write, g: &generate::Generated) -> std::io::Result<()> {
    writeln!(w, "{}", GENERATED.join(","))?;
    let separator = format!("{MULTI} ");
    for (i, (r, t)) in g.records.iter().zip(&g.truth).enumerate() {
        let cells = [
            format!("R{:07}", i + 1),
            r.first_name.clone(),
            r.surname.clone(),
            r.other_names.join(&separator),
            r.dob.clone(),
            r.gender.clone(),
            r.postcode.clone(),
            r.previous_postcodes.join(&separator),
            r.phones.join(&separator),
            r.nhs_number.clone(),
            r.pnc_id.clone(),
            t.person_id.to_string(),
            t.household_id.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(w, "{}", line.join(","))?;
    }
    Ok(())
}

/// Removes a temporary file when dropped, unless it was moved into place.
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        // After a hard link this removes the temporary name only; after a rename there is
        // nothing left to remove.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes a new file that appears at `path` only when complete: written under a temporary
/// name in the same directory, then linked into place, which fails rather than replace a
/// file that appeared meanwhile. On any error the temporary file is removed and `path` is
/// untouched. The file is readable by its owner only.
fn write_new_file<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<T>,
) -> anyhow::Result<T> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| usage(format!("--output: {} is not a file name", path.display())))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = TempPath(dir.join(format!(
        ".{}.{}-{nanos}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp.0)
        .map_err(|e| {
            usage(format!(
                "--output: cannot create a file in {}: {e}",
                dir.display()
            ))
        })?;
    let failed = || format!("cannot write {}", path.display());
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    let value = write(&mut writer).with_context(failed)?;
    let file = writer
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(failed)?;
    file.sync_all().with_context(failed)?;
    drop(file);
    match std::fs::hard_link(&temp.0, path) {
        Ok(()) => Ok(value),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(usage(format!(
            "--output: {} already exists; Waymark never overwrites a file",
            path.display()
        ))),
        // A file system without hard links: rename, having checked once more.
        Err(_) => {
            refuse_existing(path)?;
            std::fs::rename(&temp.0, path)
                .with_context(|| format!("cannot move the output into {}", path.display()))?;
            Ok(value)
        }
    }
}
