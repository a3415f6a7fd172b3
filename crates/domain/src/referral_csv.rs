//! Referrals from a CSV file, for bulk import into the Idva service's triage queue.
//!
//! [`read`] turns the file's bytes into rows of [`ReferralInput`] (plus the referring
//! agency's name), or refuses the whole file when it cannot be read as intended: not
//! UTF-8, no header row, unknown, duplicate or missing columns. Problems with single rows
//! (a cell that spreadsheet programs would run as a formula, the wrong number of cells)
//! are collected, never stopping at the first. [`ReferralFile::validate`] then checks every
//! row with [`ReferralInput::parse`], the same rules as the referral form.
//!
//! No message here repeats a cell's content: problems name the line, the column and the
//! reason, because the cells hold victims' and perpetrators' personal data.
//! The format is described for users in `docs/import.md`.
use std::collections::HashSet;
use std::fmt;

use time::Date;

use crate::referral::{
    ChildInput, Consent, FieldError, Gender, LivesWith, NewReferral, ReferralInput, ReferralRoute,
    Relationship,
};

/// The most children a file can name per referral (`child1_…` to `child6_…`).
pub const MAX_CHILDREN: usize = 6;

/// The column naming the referring agency (by name, not by id).
pub const REFERRING_AGENCY: &str = "referring_agency";

/// The columns of a referral other than the children's, in the order the docs list them,
/// and whether a file must have each. A column is required when the referral form needs
/// its value; the others may be left out of the file entirely.
pub const COLUMNS: &[(&str, bool)] = &[
    ("victim_given_name", true),
    ("victim_family_name", true),
    ("victim_date_of_birth", false),
    ("victim_gender", false),
    ("perpetrator_given_name", true),
    ("perpetrator_family_name", true),
    ("perpetrator_date_of_birth", false),
    ("perpetrator_gender", false),
    ("relationship", true),
    (REFERRING_AGENCY, true),
    ("route", true),
    ("referred_on", true),
    ("consent", true),
    ("consent_reason", false),
    ("victim_aware", true),
    ("reason", false),
    ("safe_phone", false),
    ("safe_times", false),
    ("voicemail_safe", true),
    ("post_safe", true),
];

/// The parts of a child's columns: `child1_given_name` and so on.
pub const CHILD_PARTS: &[&str] = &["given_name", "family_name", "date_of_birth", "lives_with"];

/// Columns whose values are codes (`ex_partner`, `yes`), matched without regard to case.
const CODE_COLUMNS: &[&str] = &[
    "victim_gender",
    "perpetrator_gender",
    "relationship",
    "route",
    "consent",
    "victim_aware",
    "voicemail_safe",
    "post_safe",
];

/// A problem that stops the whole file from being read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(
        "the file is empty: it needs a header row naming the columns, then one row per referral"
    )]
    Empty,
    #[error("the file has a header row (line {header_line}) but no referrals")]
    NoReferrals { header_line: u64 },
    #[error(
        "the file is UTF-16 text, not UTF-8: save it again as \"CSV UTF-8 (Comma delimited)\" \
         and import that file"
    )]
    Utf16,
    #[error(
        "this is a spreadsheet workbook, not a CSV file: save it as \"CSV UTF-8 (Comma \
         delimited)\" and import that file"
    )]
    Workbook,
    #[error(
        "line {line} contains a NUL byte, so this is not a UTF-8 text file (UTF-16 files \
         look like this): save it as \"CSV UTF-8 (Comma delimited)\" and import that file"
    )]
    NulByte { line: u64 },
    #[error(
        "line {line} is not UTF-8 text: the file was probably saved in a Windows encoding \
         (such as Excel's plain \"CSV (Comma delimited)\"); save it as \"CSV UTF-8 (Comma \
         delimited)\" and import that file"
    )]
    NotUtf8 { line: u64 },
    #[error(
        "line {line} is not a header row: none of its cells is a column name. The first row \
         must name the columns (see docs/import.md)"
    )]
    NoHeader { line: u64 },
    #[error("the header row (line {line}) is not right: {}", problems.join("; "))]
    Header { line: u64, problems: Vec<String> },
    #[error("line {line}: the file cannot be read as CSV: {message}")]
    Csv { line: u64, message: String },
}

/// A problem with one row: its line, the column, and what is wrong. The message never
/// contains the cell's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line of the file where the row starts (a quoted cell may span lines).
    pub line: u64,
    /// The column's name as in the header, or [`WHOLE_ROW`].
    pub column: String,
    pub message: String,
}

/// The column named by a problem with the whole row rather than one cell.
pub const WHOLE_ROW: &str = "(whole row)";

impl RowError {
    fn new(line: u64, column: impl Into<String>, message: impl Into<String>) -> RowError {
        RowError {
            line,
            column: column.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.column, self.message)
    }
}

/// One referral as the file gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralRow {
    /// The line where the row starts.
    pub line: u64,
    /// Every field as text; `children` always holds [`MAX_CHILDREN`] entries (blank ones
    /// are skipped by [`ReferralInput::parse`]) and `referring_agency_id` is empty.
    pub input: ReferralInput,
    /// The referring agency's name, to be matched against the agencies that exist.
    pub referring_agency: String,
}

/// A file read as far as the CSV layer can: its rows, and the problems found in them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralFile {
    /// Every row with the right number of cells, blank rows left out.
    pub rows: Vec<ReferralRow>,
    /// Rows with the wrong number of cells, and cells that would run as formulas.
    pub errors: Vec<RowError>,
}

/// A checked referral and the line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidReferral {
    pub line: u64,
    pub referral: NewReferral,
}

/// Where one column's value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Field(&'static str),
    Child(usize, &'static str),
}

impl Target {
    fn from_name(name: &str) -> Option<Target> {
        if let Some((known, _)) = COLUMNS.iter().find(|(c, _)| *c == name) {
            return Some(Target::Field(known));
        }
        let rest = name.strip_prefix("child")?;
        let (n, part) = rest.split_once('_')?;
        // `child01_…` or `child+1_…` are not column names.
        if !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
            return None;
        }
        let n: usize = n.parse().ok()?;
        let part = CHILD_PARTS.iter().find(|p| **p == part)?;
        (1..=MAX_CHILDREN)
            .contains(&n)
            .then_some(Target::Child(n, part))
    }

    fn is_code(self) -> bool {
        match self {
            Target::Field(f) => CODE_COLUMNS.contains(&f),
            Target::Child(_, part) => part == "lives_with",
        }
    }
}

fn assign(row: &mut ReferralRow, target: Target, value: String) {
    let input = &mut row.input;
    let slot = match target {
        Target::Field(REFERRING_AGENCY) => &mut row.referring_agency,
        Target::Field("victim_given_name") => &mut input.victim_given_name,
        Target::Field("victim_family_name") => &mut input.victim_family_name,
        Target::Field("victim_date_of_birth") => &mut input.victim_date_of_birth,
        Target::Field("victim_gender") => &mut input.victim_gender,
        Target::Field("perpetrator_given_name") => &mut input.perpetrator_given_name,
        Target::Field("perpetrator_family_name") => &mut input.perpetrator_family_name,
        Target::Field("perpetrator_date_of_birth") => &mut input.perpetrator_date_of_birth,
        Target::Field("perpetrator_gender") => &mut input.perpetrator_gender,
        Target::Field("relationship") => &mut input.relationship,
        Target::Field("route") => &mut input.route,
        Target::Field("referred_on") => &mut input.referred_on,
        Target::Field("consent") => &mut input.consent,
        Target::Field("consent_reason") => &mut input.consent_reason,
        Target::Field("victim_aware") => &mut input.victim_aware,
        Target::Field("reason") => &mut input.reason,
        Target::Field("safe_phone") => &mut input.safe_phone,
        Target::Field("safe_times") => &mut input.safe_times,
        Target::Field("voicemail_safe") => &mut input.voicemail_safe,
        Target::Field("post_safe") => &mut input.post_safe,
        Target::Field(_) => return,
        Target::Child(n, part) => {
            let Some(child) = n.checked_sub(1).and_then(|i| input.children.get_mut(i)) else {
                return;
            };
            match part {
                "given_name" => &mut child.given_name,
                "family_name" => &mut child.family_name,
                "date_of_birth" => &mut child.date_of_birth,
                "lives_with" => &mut child.lives_with,
                _ => return,
            }
        }
    };
    *slot = value;
}

/// Why a cell would be dangerous in a spreadsheet, if it would.
///
/// Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula,
/// and a leading tab or carriage return can hide such a character from a reader's eye.
/// Referral fields are trimmed before they are stored, so a cell is also checked after
/// its leading spaces: ` =HYPERLINK(…)` would be stored as `=HYPERLINK(…)`.
///
/// A `+` or `-` followed only by digits, spaces, brackets and hyphens (or nothing) is
/// allowed: that is a phone number (`+44 7700 900123`), a plain number or a dash meaning
/// "none", which a spreadsheet at worst turns into arithmetic on digits, never a function
/// call or a reference to another cell.
pub fn formula_risk(cell: &str) -> Option<String> {
    match cell.chars().next() {
        Some('\t') => {
            return Some(
                "starts with a tab character, which can hide a formula in spreadsheet \
                 programs; remove it"
                    .into(),
            );
        }
        Some('\r') => {
            return Some(
                "starts with a carriage return, which can hide a formula in spreadsheet \
                 programs; remove it"
                    .into(),
            );
        }
        _ => {}
    }
    let mut chars = cell.trim_start().chars();
    let first = chars.next()?;
    if !matches!(first, '=' | '+' | '-' | '@') {
        return None;
    }
    let harmless_number = matches!(first, '+' | '-')
        && chars.all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-'));
    if harmless_number {
        return None;
    }
    Some(format!(
        "starts with '{first}', which spreadsheet programs run as a formula; remove it or \
         reword the cell"
    ))
}

/// Finds the line a record starts on, walking forward through the text once.
///
/// The csv crate's own line numbers are not used: a record's position there can be that
/// of the previous line's `\n` (after CRLF) or of blank lines skipped before it. Its byte
/// offset has the same slack, but no record starts with a line end, so skipping CR and LF
/// from that offset finds the record's first byte.
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    fn at(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX);
        while let Some(b'\r' | b'\n') = self.text.get(start) {
            start += 1;
        }
        if start >= self.offset {
            let between = self.text.get(self.offset..start).unwrap_or_default();
            let newlines = between.iter().filter(|b| **b == b'\n').count();
            self.line += u64::try_from(newlines).unwrap_or(u64::MAX);
            self.offset = start;
        }
        self.line
    }
}

/// The line (1-based) that holds byte `offset` of `bytes`.
fn line_at(bytes: &[u8], offset: usize) -> u64 {
    let upto = bytes.get(..offset).unwrap_or(bytes);
    let newlines = upto.iter().filter(|b| **b == b'\n').count();
    u64::try_from(newlines)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

/// Checks the encoding and returns the text without a byte-order mark.
fn decode(bytes: &[u8]) -> Result<&str, FileError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::Utf16);
    }
    // .xlsx and .ods are zip files; .xls is an OLE compound document.
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::Workbook);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(FileError::NulByte {
            line: line_at(bytes, at),
        });
    }
    std::str::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        line: line_at(bytes, e.valid_up_to()),
    })
}

/// The smallest number of single-character edits from `a` to `b` (for "did you mean").
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let delete = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(substitute.min(delete).min(insert));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// Every column name a file may use.
pub fn all_column_names() -> Vec<String> {
    let mut names: Vec<String> = COLUMNS.iter().map(|(c, _)| (*c).to_owned()).collect();
    for n in 1..=MAX_CHILDREN {
        names.extend(CHILD_PARTS.iter().map(|p| format!("child{n}_{p}")));
    }
    names
}

/// A header cell as it may be shown: quoted, escaped, and cut short. Header cells are
/// shown only when the row really is a header, so they are column names, not data.
fn shown(name: &str) -> String {
    let short: String = name.chars().take(40).collect();
    if short.len() < name.len() {
        format!("{:?}…", short)
    } else {
        format!("{short:?}")
    }
}

/// Reads the header row: which column each position fills.
fn header(line: u64, cells: &csv::StringRecord) -> Result<Vec<Target>, FileError> {
    let names: Vec<&str> = cells.iter().map(str::trim).collect();
    let targets: Vec<Option<Target>> = names.iter().map(|n| Target::from_name(n)).collect();
    if targets.iter().all(Option::is_none) {
        // Probably a data row where the header should be: show none of it.
        return Err(FileError::NoHeader { line });
    }
    let mut problems = Vec::new();
    let known = all_column_names();
    let unknown: Vec<String> = names
        .iter()
        .zip(&targets)
        .enumerate()
        .filter(|(_, (_, t))| t.is_none())
        .map(|(i, (name, _))| {
            let position = i + 1;
            if name.is_empty() {
                return format!("column {position} has no name");
            }
            let near = known
                .iter()
                .map(|k| (edit_distance(&name.to_lowercase(), k), k))
                .min_by_key(|(d, _)| *d)
                .filter(|(d, _)| *d <= 3);
            match near {
                Some((_, k)) => format!("{} (column {position}; did you mean {k}?)", shown(name)),
                None => format!("{} (column {position})", shown(name)),
            }
        })
        .collect();
    if !unknown.is_empty() {
        problems.push(format!("unknown columns: {}", unknown.join(", ")));
    }
    let mut seen = HashSet::new();
    let mut duplicates = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()) {
        if !seen.insert(*name) && !duplicates.contains(name) {
            duplicates.push(*name);
        }
    }
    if !duplicates.is_empty() {
        let listed: Vec<String> = duplicates.iter().map(|d| shown(d)).collect();
        problems.push(format!(
            "columns named more than once: {}",
            listed.join(", ")
        ));
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|(c, required)| *required && !names.contains(c))
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        problems.push(format!("missing required columns: {}", missing.join(", ")));
    }
    if problems.is_empty() {
        Ok(targets.into_iter().flatten().collect())
    } else {
        Err(FileError::Header { line, problems })
    }
}

/// Reads a referral CSV file: a header row, then one referral per row.
///
/// Accepts UTF-8 with or without a byte-order mark, CRLF or LF line ends, and quoted
/// cells that span lines (a row's line is the line it starts on). Rows whose cells are
/// all blank are skipped. Returns the rows and every row problem found, or the reason the
/// file as a whole cannot be read.
pub fn read(bytes: &[u8]) -> Result<ReferralFile, FileError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut columns: Option<(u64, Vec<Target>)> = None;
    let mut file = ReferralFile::default();
    let mut record = csv::StringRecord::new();
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    loop {
        let start = reader.position().byte();
        let more = reader
            .read_record(&mut record)
            .map_err(|e| FileError::Csv {
                line: lines.at(e.position().map_or(start, csv::Position::byte)),
                message: csv_error_kind(&e),
            })?;
        if !more {
            break;
        }
        let line = lines.at(record.position().map_or(start, csv::Position::byte));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some((_, targets)) = &columns else {
            columns = Some((line, header(line, &record)?));
            continue;
        };
        if record.len() != targets.len() {
            file.errors.push(RowError::new(
                line,
                WHOLE_ROW,
                format!(
                    "has {} cells, but the header row has {} columns; check for a missing \
                     or extra comma, or a cell that needs quotes",
                    record.len(),
                    targets.len()
                ),
            ));
            continue;
        }
        let mut row = ReferralRow {
            line,
            input: ReferralInput {
                children: vec![ChildInput::default(); MAX_CHILDREN],
                ..ReferralInput::default()
            },
            referring_agency: String::new(),
        };
        for (cell, target) in record.iter().zip(targets) {
            if let Some(reason) = formula_risk(cell) {
                file.errors
                    .push(RowError::new(line, column_name(*target), reason));
            }
            let value = if target.is_code() {
                cell.to_lowercase()
            } else {
                cell.to_owned()
            };
            assign(&mut row, *target, value);
        }
        file.rows.push(row);
    }
    match columns {
        None => Err(FileError::Empty),
        Some((header_line, _)) if file.rows.is_empty() && file.errors.is_empty() => {
            Err(FileError::NoReferrals { header_line })
        }
        Some(_) => Ok(file),
    }
}

/// What went wrong in the CSV layer, without the data (the csv crate's own messages
/// can quote the record).
fn csv_error_kind(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(_) => "it could not be read".into(),
        csv::ErrorKind::Utf8 { .. } => "a cell is not UTF-8 text".into(),
        csv::ErrorKind::UnequalLengths { .. } => "rows have different numbers of cells".into(),
        _ => "the CSV structure is broken".into(),
    }
}

fn column_name(target: Target) -> String {
    match target {
        Target::Field(f) => f.to_owned(),
        Target::Child(n, part) => format!("child{n}_{part}"),
    }
}

/// The CSV column for a field named by [`ReferralInput::parse`] (`child_2_lives_with`
/// is column `child2_lives_with`; the agency is given by name in `referring_agency`).
pub fn column_for_field(field: &str) -> String {
    if field == "referring_agency_id" {
        return REFERRING_AGENCY.to_owned();
    }
    if let Some(rest) = field.strip_prefix("child_")
        && let Some((n, part)) = rest.split_once('_')
    {
        return format!("child{n}_{part}");
    }
    field.to_owned()
}

/// The codes a choice column accepts, if it is one.
fn codes_for(column: &str) -> Option<String> {
    fn join<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> String {
        all.iter().map(|v| key(*v)).collect::<Vec<_>>().join(", ")
    }
    Some(match column {
        "victim_gender" | "perpetrator_gender" => join(Gender::ALL, Gender::as_str),
        "relationship" => join(Relationship::ALL, Relationship::as_str),
        "route" => join(ReferralRoute::ALL, ReferralRoute::as_str),
        "consent" => join(Consent::ALL, Consent::as_str),
        c if c.starts_with("child") && c.ends_with("_lives_with") => {
            join(LivesWith::ALL, LivesWith::as_str)
        }
        _ => return None,
    })
}

/// A form's message, reworded where the form's wording does not fit a file.
fn row_error(line: u64, e: FieldError) -> RowError {
    let column = column_for_field(&e.field);
    let message = if column == REFERRING_AGENCY {
        "Enter the referring agency's name, as it is recorded in Waymark".to_owned()
    } else if e.message.ends_with("from the list")
        && let Some(codes) = codes_for(&column)
    {
        format!(
            "{}: one of {codes}",
            e.message.trim_end_matches(" from the list")
        )
    } else {
        e.message
    };
    RowError::new(line, column, message)
}

impl ReferralFile {
    /// Checks every row with the referral form's rules and finds each referring agency
    /// with `agency_id` (its name to its id, or a message saying why not). Returns every
    /// referral, or every problem in the file, in line order; a cell already reported by
    /// [`read`] is not reported again.
    pub fn validate<F>(
        self,
        today: Date,
        mut agency_id: F,
    ) -> Result<Vec<ValidReferral>, Vec<RowError>>
    where
        F: FnMut(&str) -> Result<String, String>,
    {
        let ReferralFile { rows, mut errors } = self;
        let flagged: HashSet<(u64, String)> =
            errors.iter().map(|e| (e.line, e.column.clone())).collect();
        let mut valid = Vec::with_capacity(rows.len());
        for row in rows {
            let ReferralRow {
                line,
                mut input,
                referring_agency,
            } = row;
            let name = referring_agency.trim();
            if !name.is_empty() {
                match agency_id(name) {
                    Ok(id) => input.referring_agency_id = id,
                    Err(message) => {
                        if !flagged.contains(&(line, REFERRING_AGENCY.to_owned())) {
                            errors.push(RowError::new(line, REFERRING_AGENCY, message));
                        }
                        // Stands in for the id so the form's check does not report it twice.
                        input.referring_agency_id = "unmatched".into();
                    }
                }
            }
            match input.parse(today) {
                Ok(referral) => valid.push(ValidReferral { line, referral }),
                Err(field_errors) => errors.extend(
                    field_errors
                        .into_iter()
                        .map(|e| row_error(line, e))
                        .filter(|e| !flagged.contains(&(e.line, e.column.clone()))),
                ),
            }
        }
        if errors.is_empty() {
            Ok(valid)
        } else {
            // Stable: within a line, problems stay in column order.
            errors.sort_by_key(|e| e.line);
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const HEADER: &str = "victim_given_name,victim_family_name,victim_date_of_birth,\
        perpetrator_given_name,perpetrator_family_name,relationship,referring_agency,route,\
        referred_on,consent,victim_aware,safe_phone,voicemail_safe,post_safe";

    fn row(given: &str, phone: &str) -> String {
        format!(
            "{given},Example,1990-02-03,Bob,Sample,ex_partner,Northmoor Police,police,\
             2026-11-20,given,yes,{phone},no,no"
        )
    }

    fn file(rows: &[String]) -> String {
        let mut s = HEADER.to_owned();
        for r in rows {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        s
    }

    fn today() -> Date {
        date!(2026 - 11 - 25)
    }

    fn agencies(name: &str) -> Result<String, String> {
        if name.eq_ignore_ascii_case("northmoor police") {
            Ok("agency-1".into())
        } else {
            Err("no agency has this name".into())
        }
    }

    fn lines_and_columns(errors: &[RowError]) -> Vec<(u64, &str)> {
        errors.iter().map(|e| (e.line, e.column.as_str())).collect()
    }

    #[test]
    fn a_good_file_reads_and_validates() {
        let f = read(file(&[row("Ada", "07700 900123"), row("Bea", "")]).as_bytes()).unwrap();
        assert!(f.errors.is_empty());
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.rows[0].input.victim_given_name, "Ada");
        assert_eq!(f.rows[0].referring_agency, "Northmoor Police");
        assert_eq!(f.rows[0].input.children.len(), MAX_CHILDREN);
        let valid = f.validate(today(), agencies).unwrap();
        assert_eq!(valid.len(), 2);
        assert_eq!(valid[1].line, 3);
        assert_eq!(valid[0].referral.referring_agency_id, "agency-1");
        assert_eq!(
            valid[0].referral.safe_phone.as_deref(),
            Some("07700 900123")
        );
        assert!(valid[0].referral.children.is_empty());
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
        let text = file(&[row("Ada", ""), row("Bea", "")]).replace('\n', "\r\n");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        let f = read(&bytes).unwrap();
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[1].line, 3);
        // The first column's name is found despite the byte-order mark.
        assert_eq!(f.rows[0].input.victim_given_name, "Ada");
        assert_eq!(f.rows[1].input.post_safe, "no", "no stray carriage return");
        assert_eq!(f.validate(today(), agencies).unwrap().len(), 2);
    }

    #[test]
    fn a_quoted_cell_may_span_lines_and_rows_keep_their_starting_line() {
        let mut with_reason = format!("{HEADER},reason\n");
        with_reason.push_str(&format!(
            "{},\"Line one\r\nline two\nline three\"\n",
            row("Ada", "")
        ));
        with_reason.push_str(&format!("{},Short\n", row("=Bea", "")));
        let crlf = with_reason.replace("\n", "\r\n").replace("\r\r\n", "\r\n");
        let f = read(crlf.as_bytes()).unwrap();
        assert_eq!(lines_and_columns(&f.errors), vec![(5, "victim_given_name")]);
        let f = read(with_reason.as_bytes()).unwrap();
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.rows[0].input.reason, "Line one\r\nline two\nline three");
        assert_eq!(
            f.rows[1].line, 5,
            "the second row starts after the three lines"
        );
        assert_eq!(lines_and_columns(&f.errors), vec![(5, "victim_given_name")]);
    }

    #[test]
    fn formula_cells_are_row_errors_naming_line_and_column() {
        let f = read(
            file(&[
                row("=HYPERLINK(\"http://x\")", ""),
                row("Ada", "+44 7700 900123"),
                row("@SUM(A1)", ""),
                row(" =1+2", ""),
                row("\tAda", ""),
                row("+Ada", "+cmd|' /C calc'!A0"),
            ])
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            lines_and_columns(&f.errors),
            vec![
                (2, "victim_given_name"),
                (4, "victim_given_name"),
                (5, "victim_given_name"),
                (6, "victim_given_name"),
                (7, "victim_given_name"),
                (7, "safe_phone"),
            ]
        );
        assert_eq!(
            f.errors[0].message,
            "starts with '=', which spreadsheet programs run as a formula; remove it or reword \
             the cell"
        );
        assert!(f.errors[1].message.starts_with("starts with '@'"));
        assert!(f.errors[3].message.contains("tab"));
        for e in &f.errors {
            assert!(!e.message.contains("HYPERLINK") && !e.message.contains("Ada"));
        }
        // Every problem, not only the formula cells, and each cell reported once.
        let errors = f.validate(today(), agencies).unwrap_err();
        assert_eq!(
            lines_and_columns(&errors),
            vec![
                (2, "victim_given_name"),
                (4, "victim_given_name"),
                (5, "victim_given_name"),
                (6, "victim_given_name"),
                (7, "victim_given_name"),
                (7, "safe_phone"),
            ]
        );
    }

    #[test]
    fn phone_numbers_and_negative_numbers_are_not_formulas() {
        for ok in [
            "+44 7700 900123",
            "+447700900123",
            "+44 (0)7700 900-123",
            "-12",
            "-",
            "+",
            "07700 900123",
            "Ada",
            "",
            "a=b",
            "Ada-Mae",
        ] {
            assert_eq!(formula_risk(ok), None, "{ok:?}");
        }
        for bad in [
            "=1+2",
            "=",
            "+A1",
            "-2+3*A1",
            "+44 7700 900123 =A1",
            "@SUM(A1:A2)",
            "\t07700",
            "\r07700",
            "  +HYPERLINK(\"x\")",
            "\n=1",
            "-cmd|' /C calc'!A0",
        ] {
            assert!(formula_risk(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn windows_1252_is_refused_naming_the_first_bad_line() {
        // "Zoë" saved by Excel as plain "CSV (Comma delimited)": ë is the single byte 0xEB.
        let mut bytes = file(&[row("Ada", ""), row("Bea", "")]).into_bytes();
        bytes.extend(
            row("Zo#", "")
                .bytes()
                .map(|b| if b == b'#' { 0xEB } else { b }),
        );
        let err = read(&bytes).unwrap_err();
        assert_eq!(err, FileError::NotUtf8 { line: 4 });
        let message = err.to_string();
        assert!(message.contains("line 4"), "{message}");
        assert!(message.contains("CSV UTF-8"), "{message}");
    }

    #[test]
    fn utf16_is_refused_with_or_without_a_byte_order_mark() {
        let text = file(&[row("Ada", "")]);
        let mut le = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
        }
        let err = read(&le).unwrap_err();
        assert_eq!(err, FileError::Utf16);
        assert!(err.to_string().contains("CSV UTF-8"));
        let without_bom = le.get(2..).unwrap();
        assert_eq!(
            read(without_bom).unwrap_err(),
            FileError::NulByte { line: 1 }
        );
        assert_eq!(read(b"PK\x03\x04rest").unwrap_err(), FileError::Workbook);
    }

    #[test]
    fn empty_files_and_header_only_files_are_refused() {
        assert_eq!(read(b"").unwrap_err(), FileError::Empty);
        assert_eq!(read(b"\xEF\xBB\xBF").unwrap_err(), FileError::Empty);
        assert_eq!(read(b"\n\r\n,,,\n").unwrap_err(), FileError::Empty);
        assert_eq!(
            read(format!("{HEADER}\r\n\r\n,,,,\n").as_bytes()).unwrap_err(),
            FileError::NoReferrals { header_line: 1 }
        );
    }

    #[test]
    fn blank_lines_do_not_shift_line_numbers() {
        for end in ["\n", "\r\n"] {
            let text = format!(
                "{HEADER}{end}{end}{}{end}{end}{end}{}{end}",
                row("=Ada", ""),
                row("=Bea", "")
            );
            let f = read(text.as_bytes()).unwrap();
            assert_eq!(
                lines_and_columns(&f.errors),
                vec![(3, "victim_given_name"), (6, "victim_given_name")],
                "{end:?}"
            );
        }
    }

    #[test]
    fn blank_trailing_rows_are_ignored() {
        let text = format!(
            "{}\n,,,,,,,,,,,,,\n , ,,,,,,,,,,,,\n\n",
            file(&[row("Ada", "")]).trim_end()
        );
        let f = read(text.as_bytes()).unwrap();
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.rows.len(), 1);
    }

    #[test]
    fn unknown_duplicate_and_missing_columns_are_named() {
        let header = "victim_given_name,victim_family_nme,victim_given_name,\
            perpetrator_given_name,perpetrator_family_name,relationship,route,referred_on,\
            consent,victim_aware,voicemail_safe,post_safe,child7_given_name,child1_shoe_size,";
        let err = read(format!("{header}\nA,B,C,D,E,F,G,H,I,J,K,L,M,N,\n").as_bytes()).unwrap_err();
        let FileError::Header { line, problems } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(*line, 1);
        assert_eq!(
            problems,
            &vec![
                "unknown columns: \"victim_family_nme\" (column 2; did you mean \
                 victim_family_name?), \"child7_given_name\" (column 13; did you mean \
                 child1_given_name?), \"child1_shoe_size\" (column 14), column 15 has no name"
                    .to_owned(),
                "columns named more than once: \"victim_given_name\"".to_owned(),
                "missing required columns: victim_family_name, referring_agency".to_owned(),
            ]
        );
    }

    #[test]
    fn a_file_without_a_header_row_does_not_echo_its_data() {
        let text = format!("{}\n{}\n", row("Ada", ""), row("Bea", ""));
        let err = read(text.as_bytes()).unwrap_err();
        assert_eq!(err, FileError::NoHeader { line: 1 });
        assert!(!err.to_string().contains("Ada"));
    }

    #[test]
    fn child_columns_are_optional_and_errors_name_them() {
        let header = format!(
            "{HEADER},child1_given_name,child1_family_name,child2_given_name,child2_lives_with"
        );
        let text = format!(
            "{header}\n{},Cy,Example,,\n{},,,Dee,grandparent\n",
            row("Ada", ""),
            row("Bea", "")
        );
        let f = read(text.as_bytes()).unwrap();
        assert!(f.errors.is_empty());
        let errors = f.clone().validate(today(), agencies).unwrap_err();
        assert_eq!(
            lines_and_columns(&errors),
            vec![(3, "child2_family_name"), (3, "child2_lives_with")]
        );
        assert_eq!(
            errors[1].message,
            "Select whom child 2 lives with: one of victim, perpetrator, both, other"
        );
    }

    #[test]
    fn ragged_rows_are_row_errors_with_their_line() {
        let text = format!(
            "{HEADER}\n{}\n{},extra\nAda,Example\n{}\n",
            row("Ada", ""),
            row("Bea", ""),
            row("Cy", "")
        );
        let f = read(text.as_bytes()).unwrap();
        assert_eq!(
            lines_and_columns(&f.errors),
            vec![(3, WHOLE_ROW), (4, WHOLE_ROW)]
        );
        assert!(f.errors[0].message.contains("has 15 cells"));
        assert_eq!(f.rows.len(), 2);
        assert_eq!(
            f.errors[1].to_string(),
            "line 4: (whole row): has 2 cells, but the header row has 14 columns; check for a \
             missing or extra comma, or a cell that needs quotes"
        );
    }

    #[test]
    fn every_problem_in_every_row_is_collected() {
        let text = file(&[
            row("Ada", ""),
            row("", "call me"),
            row("Cy", "").replace("Northmoor Police", "Nowhere"),
            row("Dee", "").replace("ex_partner", "neighbour"),
            row("Eve", "").replace("2026-11-20", "20/11/2026"),
            row("Fay", ""),
        ]);
        let errors = read(text.as_bytes())
            .unwrap()
            .validate(today(), agencies)
            .unwrap_err();
        assert_eq!(
            lines_and_columns(&errors),
            vec![
                (3, "victim_given_name"),
                (3, "safe_phone"),
                (4, "referring_agency"),
                (5, "relationship"),
                (6, "referred_on"),
            ]
        );
        assert_eq!(errors[2].message, "no agency has this name");
        assert!(
            errors[3]
                .message
                .contains("one of intimate_partner, ex_partner")
        );
        let listing: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            listing[0],
            "line 3: victim_given_name: Enter the victim's first name"
        );
        for l in &listing {
            for data in ["call me", "Nowhere", "neighbour", "20/11/2026"] {
                assert!(!l.contains(data), "{l} repeats the cell");
            }
        }
    }

    #[test]
    fn codes_are_matched_without_regard_to_case() {
        let text = file(&[row("Ada", "")
            .replace("ex_partner", "Ex_Partner")
            .replace("police,", "POLICE,")
            .replace(",yes,", ",Yes,")]);
        let valid = read(text.as_bytes())
            .unwrap()
            .validate(today(), agencies)
            .unwrap();
        assert_eq!(valid[0].referral.relationship, Relationship::ExPartner);
        assert_eq!(valid[0].referral.route, ReferralRoute::Police);
        assert!(valid[0].referral.victim_aware);
        // Names keep their case.
        assert_eq!(valid[0].referral.victim.given_name, "Ada");
    }

    #[test]
    fn the_columns_are_the_referral_form_fields() {
        // A field added to the form must be added to the file format too.
        let json = serde_json::to_value(ReferralInput::default()).unwrap();
        let mut fields: Vec<String> = json
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "children")
            .map(|k| column_for_field(k))
            .collect();
        fields.sort();
        let mut columns: Vec<String> = COLUMNS.iter().map(|(c, _)| (*c).to_owned()).collect();
        columns.sort();
        assert_eq!(fields, columns);
        let child = serde_json::to_value(ChildInput::default()).unwrap();
        let mut parts: Vec<&str> = child
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        parts.sort_unstable();
        let mut ours = CHILD_PARTS.to_vec();
        ours.sort_unstable();
        assert_eq!(parts, ours);
    }

    #[test]
    fn every_column_reaches_its_field() {
        let names = all_column_names();
        let values: Vec<String> = (0..names.len()).map(|i| format!("value{i:02}x")).collect();
        let text = format!("{}\n{}\n", names.join(","), values.join(","));
        let f = read(text.as_bytes()).unwrap();
        let row = format!("{:?}", f.rows[0]);
        for (name, value) in names.iter().zip(&values) {
            assert_eq!(row.matches(value.as_str()).count(), 1, "{name} is lost");
        }
        assert_eq!(
            f.rows[0].input.children[5].lives_with,
            values[names.len() - 1]
        );
        assert_eq!(f.rows[0].referring_agency, values[9]);
    }

    proptest::proptest! {
        /// Whatever a quoted cell holds (commas, quotes, CR and LF), a file written by a
        /// CSV writer reads back cell for cell, each row on the line where it starts.
        #[test]
        fn cells_and_line_numbers_survive_any_content(
            reasons in proptest::collection::vec("[a-z0-9 ,=\"\r\n]{0,12}", 1..8),
            crlf in proptest::bool::ANY,
        ) {
            let terminator = if crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            };
            let mut w = csv::WriterBuilder::new()
                .terminator(terminator)
                .from_writer(Vec::new());
            let required: Vec<&str> = COLUMNS.iter().filter(|(_, r)| *r).map(|(c, _)| *c).collect();
            let mut header = required.clone();
            header.push("reason");
            w.write_record(&header).unwrap();
            let mut starts = Vec::new();
            for reason in &reasons {
                w.flush().unwrap();
                let newlines = w.get_ref().iter().filter(|b| **b == b'\n').count();
                starts.push(1 + newlines as u64);
                let mut record: Vec<&str> = required.iter().map(|_| "x").collect();
                record.push(reason);
                w.write_record(&record).unwrap();
            }
            let f = read(&w.into_inner().unwrap()).unwrap();
            let got: Vec<(u64, &str)> =
                f.rows.iter().map(|r| (r.line, r.input.reason.as_str())).collect();
            let want: Vec<(u64, &str)> =
                starts.iter().copied().zip(reasons.iter().map(String::as_str)).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn field_names_map_to_columns() {
        assert_eq!(column_for_field("child_3_lives_with"), "child3_lives_with");
        assert_eq!(column_for_field("referring_agency_id"), "referring_agency");
        assert_eq!(column_for_field("victim_aware"), "victim_aware");
        assert_eq!(all_column_names().len(), COLUMNS.len() + 4 * MAX_CHILDREN);
        for name in all_column_names() {
            assert!(Target::from_name(&name).is_some(), "{name}");
        }
        for not in [
            "child0_given_name",
            "child01_given_name",
            "child7_given_name",
            "child_1_given_name",
        ] {
            assert!(Target::from_name(not).is_none(), "{not}");
        }
    }
}
