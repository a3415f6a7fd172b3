//! The person record the engine matches, the raw text form it is parsed from (a CSV row, a
//! form), and the prepared features each record is compared on.

use serde::{Deserialize, Serialize};

use crate::dob::PartialDate;
use crate::names::{Interner, NONE, View};
use crate::normalise::{NhsNumber, Phone, PncId, Postcode};

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

/// The features of one record that comparisons and blocking read, computed once and packed
/// small: names as interned ids (see [`crate::names`]), postcodes, phones and identifiers as
/// numbers. The first postcode and phone are held inline; a record with more keeps the rest
/// in `more`.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    /// The first word of the first name (`mary`), the name the person is called by, as a word
    /// id, or [`NONE`].
    pub first: u32,
    /// The whole normalised first-name field (`mary jane`) as a word id.
    pub first_full: u32,
    /// The first-name form (words, groups, blocking parts), or [`NONE`].
    pub first_form: u32,
    /// The compact surname (`smithjones`) as a word id, or [`NONE`].
    pub surname: u32,
    pub surname_form: u32,
    /// The id of the surname's NYSIIS code, or [`NONE`].
    pub surname_code: u32,
    /// The other names' form (maiden names, aliases), or [`NONE`].
    pub other_form: u32,
    /// The first letter of the first name.
    pub first_char: Option<char>,
    /// The first name is a single letter.
    pub first_initial: bool,
    pub gender: Option<Gender>,
    pub dob: Option<PartialDate>,
    /// The current postcode ([`Postcode::packed`]), or 0.
    pub postcode: u64,
    /// The first phone ([`Phone::packed`]), or 0.
    pub phone: u64,
    /// The NHS number, or [`NO_NHS`].
    pub nhs_number: u64,
    /// The PNC id ([`PncId::packed`]), or 0.
    pub pnc_id: u64,
    /// Earlier postcodes and further phones, when there are any.
    pub more: Option<Box<More>>,
}

/// The postcodes and phones of a record beyond its first of each.
#[derive(Clone, Debug, Default)]
pub(crate) struct More {
    pub postcodes: Box<[u64]>,
    pub phones: Box<[u64]>,
}

/// The packed NHS number of a record without one.
pub(crate) const NO_NHS: u64 = u64::MAX;

impl Prepared {
    /// Prepare a record, interning its names.
    pub fn new(names: &mut Interner<'_>, record: &PersonRecord) -> Self {
        let first_form = record
            .first_name
            .as_deref()
            .map_or(NONE, |f| names.first(f));
        let surname_form = record.surname.as_deref().map_or(NONE, |s| names.surname(s));
        let other_form = names.others(&record.other_names);
        let own: &crate::names::Names = names.own;
        let view = match names.base {
            Some(base) => View {
                base,
                extra: Some(own),
            },
            None => View::new(own),
        };
        let (first, first_full) = view
            .first(first_form)
            .map_or((NONE, NONE), |f| (f.first, f.full));
        let (surname, surname_code) = view
            .surname(surname_form)
            .map_or((NONE, NONE), |s| (s.compact, s.code));
        let word = view.word(first);
        let mut postcodes: Vec<u64> = record.postcodes().map(Postcode::packed).collect();
        dedup_keep_order(&mut postcodes);
        let mut phones: Vec<u64> = record.phones.iter().map(Phone::packed).collect();
        dedup_keep_order(&mut phones);
        let more = (postcodes.len() > 1 || phones.len() > 1).then(|| {
            Box::new(More {
                postcodes: postcodes.get(1..).unwrap_or(&[]).into(),
                phones: phones.get(1..).unwrap_or(&[]).into(),
            })
        });
        Self {
            first,
            first_full,
            first_form: if first == NONE { NONE } else { first_form },
            surname,
            surname_form: if surname == NONE { NONE } else { surname_form },
            surname_code,
            other_form,
            first_char: word.and_then(|w| w.first_char),
            first_initial: word.is_some_and(|w| w.initial),
            gender: record.gender,
            dob: record.dob,
            postcode: postcodes.first().copied().unwrap_or(0),
            phone: phones.first().copied().unwrap_or(0),
            nhs_number: record.nhs_number.map_or(NO_NHS, NhsNumber::value),
            pnc_id: record.pnc_id.as_ref().map_or(0, PncId::packed),
            more,
        }
    }

    /// Every postcode (packed), current first.
    pub fn postcodes(&self) -> impl Iterator<Item = u64> + '_ {
        (self.postcode != 0)
            .then_some(self.postcode)
            .into_iter()
            .chain(self.more.iter().flat_map(|m| m.postcodes.iter().copied()))
    }

    /// Every phone (packed).
    pub fn phones(&self) -> impl Iterator<Item = u64> + '_ {
        (self.phone != 0)
            .then_some(self.phone)
            .into_iter()
            .chain(self.more.iter().flat_map(|m| m.phones.iter().copied()))
    }

    /// True when the first name is more than an initial.
    pub fn first_is_name(&self) -> bool {
        self.first != NONE && !self.first_initial
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

/// Prepare records in a fresh name table (for tests of comparisons and blocking).
#[cfg(test)]
pub(crate) fn prepare_fresh(records: &[&PersonRecord]) -> (crate::names::Names, Vec<Prepared>) {
    let mut names = crate::names::Names::default();
    let mut interner = Interner {
        base: None,
        own: &mut names,
    };
    let prepared = records
        .iter()
        .map(|r| Prepared::new(&mut interner, r))
        .collect();
    (names, prepared)
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

        let (names, prepared) = prepare_fresh(&[&record]);
        let p = &prepared[0];
        let view = View::new(&names);
        assert_eq!(view.text(p.first), "kate");
        assert_eq!(view.text(p.surname), "oneillsmith");
        let surname = view.surname(p.surname_form).unwrap();
        let tokens: Vec<&str> = surname.tokens.iter().map(|t| view.text(*t)).collect();
        assert_eq!(tokens, vec!["oneill", "smith"]);
        let others: Vec<&str> = view
            .other_tokens(p.other_form)
            .iter()
            .map(|t| view.text(*t))
            .collect();
        assert_eq!(others, vec!["jones"]);
        assert!(!view.first(p.first_form).unwrap().groups.is_empty());
        assert_eq!(p.postcodes().count(), 1);
        assert_eq!(p.phones().count(), 1);
        assert!(p.more.is_none());
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
