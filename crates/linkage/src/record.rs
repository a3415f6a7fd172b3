//! The person record the engine matches, the raw text form it is parsed from (a CSV row, a
//! form), and the prepared features each record is compared on.

use serde::{Deserialize, Serialize};

use crate::dob::PartialDate;
use crate::nicknames::{self, NameGroup};
use crate::normalise::{self, NhsNumber, Phone, PncId, Postcode};
use crate::phonetic;

/// A recorded gender. Anything else, or nothing, is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    /// Recorded, and neither female nor male.
    Other,
}

impl Gender {
    /// Read the usual spellings (`F`, `female`, `woman`, `M`, `male`, `man`, `X`, `other`,
    /// `non-binary`); `None` for anything else, including "unknown" and "prefer not to say".
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "f" | "female" | "woman" | "w" | "girl" => Some(Gender::Female),
            "m" | "male" | "man" | "boy" => Some(Gender::Male),
            "x" | "other" | "non-binary" | "nonbinary" | "non binary" => Some(Gender::Other),
            _ => None,
        }
    }
}

/// One agency's record of a person. Every field may be missing; typed fields hold only values
/// that parsed (an impossible postcode is left out rather than compared).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub first_name: Option<String>,
    pub surname: Option<String>,
    /// Other names the person is known by: a maiden or former surname, an alias, a full alias
    /// name. Each is matched against both the first name and the surname of the other record.
    pub other_names: Vec<String>,
    pub dob: Option<PartialDate>,
    pub gender: Option<Gender>,
    /// The current postcode.
    pub postcode: Option<Postcode>,
    /// Earlier postcodes, most recent first.
    pub previous_postcodes: Vec<Postcode>,
    pub phones: Vec<Phone>,
    pub nhs_number: Option<NhsNumber>,
    pub pnc_id: Option<PncId>,
}

impl PersonRecord {
    /// Every postcode, current first.
    pub fn postcodes(&self) -> impl Iterator<Item = &Postcode> {
        self.postcode.iter().chain(&self.previous_postcodes)
    }
}

/// A record as text, the way it arrives in a CSV file or a form. Multi-valued fields hold one
/// value per entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawPersonRecord {
    pub first_name: String,
    pub surname: String,
    pub other_names: Vec<String>,
    pub dob: String,
    pub gender: String,
    pub postcode: String,
    pub previous_postcodes: Vec<String>,
    pub phones: Vec<String>,
    pub nhs_number: String,
    pub pnc_id: String,
}

/// A value in a raw record that could not be used and was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldIssue {
    /// The field's name, e.g. `postcode`.
    pub field: &'static str,
    /// Why it was left out.
    pub reason: String,
}

impl RawPersonRecord {
    /// Parse every field leniently: a value that does not parse is left out of the record and
    /// reported, because a referral with a mistyped postcode still has to be matched.
    pub fn parse(&self) -> (PersonRecord, Vec<FieldIssue>) {
        let mut issues = Vec::new();
        let text = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        };
        let dob = keep(&mut issues, "dob", &self.dob, PartialDate::parse);
        let postcode = keep(&mut issues, "postcode", &self.postcode, Postcode::parse);
        let previous_postcodes = self
            .previous_postcodes
            .iter()
            .filter_map(|p| keep(&mut issues, "previous_postcodes", p, Postcode::parse))
            .collect();
        let phones = self
            .phones
            .iter()
            .filter_map(|p| keep(&mut issues, "phones", p, Phone::parse))
            .collect();
        let nhs_number = keep(
            &mut issues,
            "nhs_number",
            &self.nhs_number,
            NhsNumber::parse,
        );
        let pnc_id = keep(&mut issues, "pnc_id", &self.pnc_id, PncId::parse);
        let record = PersonRecord {
            first_name: text(&self.first_name),
            surname: text(&self.surname),
            other_names: self.other_names.iter().filter_map(|n| text(n)).collect(),
            dob,
            gender: Gender::parse(&self.gender),
            postcode,
            previous_postcodes,
            phones,
            nhs_number,
            pnc_id,
        };
        (record, issues)
    }
}

/// Parse one value; an empty value is simply absent, an unparseable one is absent and reported.
fn keep<T, E: std::fmt::Display>(
    issues: &mut Vec<FieldIssue>,
    field: &'static str,
    raw: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<T> {
    if raw.trim().is_empty() {
        return None;
    }
    match parse(raw) {
        Ok(v) => Some(v),
        Err(e) => {
            issues.push(FieldIssue {
                field,
                reason: e.to_string(),
            });
            None
        }
    }
}

/// The features of one record that comparisons and blocking read, computed once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Prepared {
    /// The whole normalised first-name field (`mary jane`).
    pub first_full: String,
    /// Its first word (`mary`), the name the person is called by.
    pub first: String,
    /// All its words.
    pub first_tokens: Vec<String>,
    /// Nickname groups of every first-name word (or, for a name outside the table, of the table
    /// names it is a near-spelling of).
    pub first_groups: Vec<NameGroup>,
    /// NYSIIS of the first word.
    pub first_code: String,
    /// The surname with word breaks removed (`smithjones`).
    pub surname: String,
    /// The surname's words (`smith`, `jones`).
    pub surname_tokens: Vec<String>,
    /// NYSIIS of the compact surname.
    pub surname_code: String,
    /// Every word of every other name (maiden names, aliases).
    pub other_tokens: Vec<String>,
    pub dob: Option<PartialDate>,
    pub gender: Option<Gender>,
    /// Current postcode first, then earlier ones.
    pub postcodes: Vec<Postcode>,
    pub phones: Vec<Phone>,
    pub nhs_number: Option<NhsNumber>,
    pub pnc_id: Option<PncId>,
}

impl Prepared {
    pub fn new(record: &PersonRecord) -> Self {
        let first_tokens = record
            .first_name
            .as_deref()
            .map(normalise::name_tokens)
            .unwrap_or_default();
        let first = first_tokens.first().cloned().unwrap_or_default();
        let mut first_groups: Vec<NameGroup> = first_tokens
            .iter()
            .flat_map(|t| nicknames::groups(t).iter().copied())
            .collect();
        if first_groups.is_empty() {
            first_groups = nicknames::near_groups(&first);
        }
        first_groups.sort_unstable();
        first_groups.dedup();
        let surname_tokens = record
            .surname
            .as_deref()
            .map(normalise::name_tokens)
            .unwrap_or_default();
        let surname = surname_tokens.concat();
        let mut other_tokens: Vec<String> = record
            .other_names
            .iter()
            .flat_map(|n| normalise::name_tokens(n))
            .collect();
        other_tokens.sort();
        other_tokens.dedup();
        let mut postcodes: Vec<Postcode> = record.postcodes().copied().collect();
        dedup_keep_order(&mut postcodes);
        let mut phones = record.phones.clone();
        dedup_keep_order(&mut phones);
        Self {
            first_full: first_tokens.join(" "),
            first_code: phonetic::nysiis(&first),
            first,
            first_tokens,
            first_groups,
            surname_code: phonetic::nysiis(&surname),
            surname,
            surname_tokens,
            other_tokens,
            dob: record.dob,
            gender: record.gender,
            postcodes,
            phones,
            nhs_number: record.nhs_number,
            pnc_id: record.pnc_id.clone(),
        }
    }
}

fn dedup_keep_order<T: PartialEq + Copy>(items: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::with_capacity(items.len());
    items.retain(|x| {
        if seen.contains(x) {
            false
        } else {
            seen.push(*x);
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_records_parse_leniently_and_report_what_was_left_out() {
        let raw = RawPersonRecord {
            first_name: " Kate ".into(),
            surname: "O'Neill-Smith".into(),
            other_names: vec!["Jones".into(), "  ".into()],
            dob: "04/03/1985".into(),
            gender: "F".into(),
            postcode: "zz1 1aa".into(),
            previous_postcodes: vec!["ls1 4dy".into()],
            phones: vec!["+44 7700 900123".into(), "n/a".into()],
            nhs_number: "943 476 5919".into(),
            pnc_id: String::new(),
        };
        let (record, issues) = raw.parse();
        assert_eq!(record.first_name.as_deref(), Some("Kate"));
        assert_eq!(record.other_names, vec!["Jones".to_string()]);
        assert_eq!(record.dob.unwrap().to_string(), "1985-03-04");
        assert_eq!(record.gender, Some(Gender::Female));
        assert_eq!(record.postcode, None);
        assert_eq!(record.previous_postcodes.len(), 1);
        assert_eq!(record.phones.len(), 1);
        assert!(record.nhs_number.is_some());
        assert_eq!(record.pnc_id, None);
        let fields: Vec<&str> = issues.iter().map(|i| i.field).collect();
        assert_eq!(fields, vec!["postcode", "phones"]);

        let p = Prepared::new(&record);
        assert_eq!(p.first, "kate");
        assert_eq!(p.surname, "oneillsmith");
        assert_eq!(p.surname_tokens, vec!["oneill", "smith"]);
        assert_eq!(p.other_tokens, vec!["jones"]);
        assert!(!p.first_groups.is_empty());
    }

    #[test]
    fn genders() {
        assert_eq!(Gender::parse("Male"), Some(Gender::Male));
        assert_eq!(Gender::parse(" f "), Some(Gender::Female));
        assert_eq!(Gender::parse("non-binary"), Some(Gender::Other));
        assert_eq!(Gender::parse("unknown"), None);
        assert_eq!(Gender::parse(""), None);
    }
}
