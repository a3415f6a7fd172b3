//! Field-by-field comparison of two records into a comparison vector of graded levels: the
//! evidence the Fellegi–Sunter model weighs.

use serde::Serialize;

use crate::dob::{self, DobLevel};
use crate::names::{NONE, View};
use crate::normalise::{PACKED_DISTRICT_SHIFT, PACKED_SECTOR_SHIFT, Phone};
use crate::record::{NO_NHS, Prepared};
use crate::similarity::jaro_winkler;

/// Jaro–Winkler similarities of interned words, remembered. A batch run compares the same few
/// name pairs over and over (a block holds many records with the same names), so each thread
/// keeps a small direct-mapped table keyed by the ordered pair of word ids; a pair that lands
/// on an occupied slot replaces it. The value kept is exactly the one computed, for the pair in
/// the order it was asked, so a remembered similarity is the same number as a fresh one.
///
/// The table borrows the names it reads, so their ids keep their meaning while it lives. Only
/// words of the index's own table are remembered: a query's overlay words are always computed.
pub(crate) struct Similarities<'a> {
    names: View<'a>,
    /// Ids below this are the index's own words.
    base_words: u32,
    slots: Vec<Slot>,
    /// How far a key's hash is shifted to give a slot number.
    shift: u32,
    hits: u64,
    misses: u64,
}

#[derive(Clone, Copy)]
struct Slot {
    /// The two word ids, first in the high half; [`EMPTY_SLOT`] for an unused slot.
    key: u64,
    value: f64,
}

/// The key of an unused slot: the pair ([`NONE`], [`NONE`]), which is never remembered.
const EMPTY_SLOT: u64 = u64::MAX;

/// Slots per thread in a batch run (16 bytes each).
pub(crate) const SIMILARITY_SLOTS_LOG2: u32 = 14;

impl<'a> Similarities<'a> {
    /// A table of `1 << slots_log2` slots over `names`.
    pub fn new(names: View<'a>, slots_log2: u32) -> Self {
        let slots_log2 = slots_log2.clamp(1, 30);
        Self {
            names,
            base_words: u32::try_from(names.base_word_count()).unwrap_or(NONE),
            slots: vec![
                Slot {
                    key: EMPTY_SLOT,
                    value: 0.0,
                };
                1 << slots_log2
            ],
            shift: 64 - slots_log2,
            hits: 0,
            misses: 0,
        }
    }

    /// No table: every similarity is computed (for one-off comparisons and queries).
    pub fn uncached(names: View<'a>) -> Self {
        Self {
            names,
            base_words: 0,
            slots: Vec::new(),
            shift: 63,
            hits: 0,
            misses: 0,
        }
    }

    /// The names compared.
    pub fn names(&self) -> &View<'a> {
        &self.names
    }

    /// Similarities found in the table, and those computed and stored.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }

    /// The Jaro–Winkler similarity of word `a` to word `b`.
    pub fn jaro_winkler(&mut self, a: u32, b: u32) -> f64 {
        if a >= self.base_words || b >= self.base_words {
            return jaro_winkler(self.names.text(a), self.names.text(b));
        }
        let key = (u64::from(a) << 32) | u64::from(b);
        let i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        let Some(slot) = self.slots.get_mut(i) else {
            return jaro_winkler(self.names.text(a), self.names.text(b));
        };
        if slot.key == key {
            self.hits += 1;
            return slot.value;
        }
        let value = jaro_winkler(self.names.text(a), self.names.text(b));
        *slot = Slot { key, value };
        self.misses += 1;
        value
    }
}

/// Jaro–Winkler at or above which two names are "close" (a slip of one letter).
pub const CLOSE: f64 = 0.92;
/// Jaro–Winkler below which two names are clearly different.
pub const FUZZY: f64 = 0.80;
/// Years of birth at least this far apart are a generation apart: a parent and a child.
pub const GENERATION_YEARS: u16 = 12;

/// The fields a comparison vector grades, in a fixed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FirstName,
    Surname,
    Dob,
    Gender,
    Postcode,
    Phone,
    NhsNumber,
    PncId,
}

/// How many fields there are.
pub const FIELD_COUNT: usize = 8;

impl Field {
    /// Every field, in order.
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::FirstName,
        Field::Surname,
        Field::Dob,
        Field::Gender,
        Field::Postcode,
        Field::Phone,
        Field::NhsNumber,
        Field::PncId,
    ];

    /// The field's position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Field::FirstName => "first name",
            Field::Surname => "surname",
            Field::Dob => "date of birth",
            Field::Gender => "gender",
            Field::Postcode => "postcode",
            Field::Phone => "phone",
            Field::NhsNumber => "NHS number",
            Field::PncId => "PNC id",
        }
    }

    /// The labels of the field's levels, strongest agreement first; one of them is `missing`.
    pub fn level_labels(self) -> &'static [&'static str] {
        match self {
            Field::FirstName => &[
                "exact",
                "nickname or alias",
                "close spelling",
                "similar spelling",
                "initial agrees",
                "missing",
                "different",
            ],
            Field::Surname => &[
                "exact",
                "close spelling or part of a double surname",
                "matches a former name",
                "sounds alike",
                "similar spelling",
                "missing",
                "different",
            ],
            Field::Dob => &[
                "exact",
                "day and month transposed",
                "one digit different",
                "same year and month",
                "partial date agrees",
                "year within one",
                "missing",
                "different",
            ],
            Field::Gender => &["agrees", "missing", "disagrees"],
            Field::Postcode => &[
                "same unit",
                "same sector",
                "same district",
                "missing",
                "different",
            ],
            Field::Phone => &["same number", "one digit different", "missing", "different"],
            Field::NhsNumber | Field::PncId => &["same", "missing", "different"],
        }
    }

    /// How many levels the field has.
    pub fn level_count(self) -> usize {
        self.level_labels().len()
    }

    /// The index of the field's `missing` level, which carries no evidence.
    pub fn missing_level(self) -> usize {
        self.level_labels()
            .iter()
            .position(|l| *l == "missing")
            .unwrap_or(0)
    }

    /// True for fields every member of a household tends to share.
    pub fn is_household_field(self) -> bool {
        matches!(self, Field::Surname | Field::Postcode | Field::Phone)
    }
}

/// First-name levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstNameLevel {
    Exact,
    /// Same nickname group (Kate/Katherine), a shared word of a multi-word name, or an alias.
    Related,
    Close,
    Fuzzy,
    /// One side is an initial, and it agrees.
    Initial,
    Missing,
    Different,
}

/// Surname levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurnameLevel {
    Exact,
    /// Jaro–Winkler ≥ 0.92, or one part of a double-barrelled surname.
    Close,
    /// The surname is among the other record's other names (a maiden name).
    OtherName,
    /// Same NYSIIS code.
    Phonetic,
    Fuzzy,
    Missing,
    Different,
}

/// Gender levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GenderLevel {
    Agree,
    Missing,
    Disagree,
}

/// Postcode levels, over every pair of current and previous postcodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostcodeLevel {
    Unit,
    Sector,
    District,
    Missing,
    Different,
}

/// Phone levels, over every pair of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneLevel {
    Exact,
    OneDigit,
    Missing,
    Different,
}

/// Levels of an exact identifier (NHS number, PNC id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdLevel {
    Exact,
    Missing,
    Different,
}

/// The graded comparison of two records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ComparisonVector {
    pub first_name: FirstNameLevel,
    pub surname: SurnameLevel,
    pub dob: DobLevel,
    pub gender: GenderLevel,
    pub postcode: PostcodeLevel,
    pub phone: PhoneLevel,
    pub nhs_number: IdLevel,
    pub pnc_id: IdLevel,
    /// The first name and surname agree only when swapped between the records.
    pub names_swapped: bool,
    /// Both first names are real names (not initials), and they are clearly different: not
    /// nicknames of each other, not sharing a word, not an alias, Jaro–Winkler below 0.8.
    pub first_names_conflict: bool,
    /// Both dates of birth are full and clearly different (not within the slip levels).
    pub dobs_conflict: bool,
    /// The years of birth are a generation apart (at least [`GENERATION_YEARS`]).
    pub dobs_generation_apart: bool,
}

impl ComparisonVector {
    /// The level index of each field, in [`Field::ALL`] order.
    pub fn level_indices(&self) -> [usize; FIELD_COUNT] {
        [
            self.first_name as usize,
            self.surname as usize,
            self.dob as usize,
            self.gender as usize,
            self.postcode as usize,
            self.phone as usize,
            self.nhs_number as usize,
            self.pnc_id as usize,
        ]
    }

    /// The level index of one field.
    pub fn level_index(&self, field: Field) -> usize {
        self.level_indices()
            .get(field.index())
            .copied()
            .unwrap_or(0)
    }

    /// True when the pair fall under the household rule: clearly different first names and
    /// clearly different dates of birth.
    pub fn household_rule_applies(&self) -> bool {
        self.first_names_conflict && self.dobs_conflict
    }

    /// A compact code of the levels and flags, for counting identical vectors.
    pub(crate) fn pattern(&self) -> u32 {
        let mut code: u32 = 0;
        for (field, level) in Field::ALL.iter().zip(self.level_indices()) {
            code = code * field.level_count() as u32 + level as u32;
        }
        code = code * 2 + u32::from(self.names_swapped);
        code = code * 2 + u32::from(self.first_names_conflict);
        code = code * 2 + u32::from(self.dobs_conflict);
        code * 2 + u32::from(self.dobs_generation_apart)
    }
}

/// Compare two prepared records whose names are in `names`.
pub(crate) fn compare(names: &View<'_>, a: &Prepared, b: &Prepared) -> ComparisonVector {
    compare_with(&mut Similarities::uncached(*names), a, b)
}

/// [`compare`], with name similarities remembered in `sims`.
pub(crate) fn compare_with(
    sims: &mut Similarities<'_>,
    a: &Prepared,
    b: &Prepared,
) -> ComparisonVector {
    let mut first_name = compare_first(sims, a, b);
    let mut surname = compare_surname(sims, a, b);
    let mut names_swapped = false;
    let weak_first = matches!(
        first_name,
        FirstNameLevel::Fuzzy | FirstNameLevel::Different
    );
    let weak_surname = matches!(
        surname,
        SurnameLevel::Fuzzy | SurnameLevel::Different | SurnameLevel::Phonetic
    );
    if (weak_first || weak_surname)
        && let Some((f, s)) = compare_swapped(sims, a, b)
    {
        first_name = f;
        surname = s;
        names_swapped = true;
    }
    let first_names_conflict =
        first_name == FirstNameLevel::Different && a.first_is_name() && b.first_is_name();
    ComparisonVector {
        first_name,
        surname,
        dob: dob::compare(a.dob, b.dob),
        gender: match (a.gender, b.gender) {
            (Some(x), Some(y)) if x == y => GenderLevel::Agree,
            (Some(_), Some(_)) => GenderLevel::Disagree,
            _ => GenderLevel::Missing,
        },
        postcode: compare_postcodes(a, b),
        phone: compare_phones(a, b),
        nhs_number: compare_id(a.nhs_number, b.nhs_number, NO_NHS),
        pnc_id: compare_id(a.pnc_id, b.pnc_id, 0),
        names_swapped,
        first_names_conflict,
        dobs_conflict: dob::clearly_different(a.dob, b.dob),
        dobs_generation_apart: match (a.dob, b.dob) {
            (Some(x), Some(y)) => dob::year_gap(x, y) >= GENERATION_YEARS,
            _ => false,
        },
    }
}

fn compare_first(sims: &mut Similarities<'_>, a: &Prepared, b: &Prepared) -> FirstNameLevel {
    let names = *sims.names();
    if a.first == NONE || b.first == NONE {
        return FirstNameLevel::Missing;
    }
    if a.first == b.first || a.first_full == b.first_full {
        return FirstNameLevel::Exact;
    }
    if a.first_initial || b.first_initial {
        return if a.first_char == b.first_char {
            FirstNameLevel::Initial
        } else {
            FirstNameLevel::Different
        };
    }
    let (Some(fa), Some(fb)) = (names.first(a.first_form), names.first(b.first_form)) else {
        return FirstNameLevel::Missing;
    };
    let shares_group = fa.groups.iter().any(|g| fb.groups.contains(g));
    let shares_word = fa.tokens.iter().any(|t| fb.tokens.contains(t));
    let alias = names.other_tokens(b.other_form).contains(&a.first)
        || names.other_tokens(a.other_form).contains(&b.first);
    if shares_group || shares_word || alias {
        return FirstNameLevel::Related;
    }
    let mut jw = sims.jaro_winkler(a.first, b.first);
    if jw < CLOSE && (a.first_full != a.first || b.first_full != b.first) {
        jw = jw.max(sims.jaro_winkler(a.first_full, b.first_full));
    }
    if jw >= CLOSE {
        FirstNameLevel::Close
    } else if jw >= FUZZY {
        FirstNameLevel::Fuzzy
    } else {
        FirstNameLevel::Different
    }
}

fn compare_surname(sims: &mut Similarities<'_>, a: &Prepared, b: &Prepared) -> SurnameLevel {
    let names = *sims.names();
    if a.surname == NONE || b.surname == NONE {
        return SurnameLevel::Missing;
    }
    if a.surname == b.surname {
        return SurnameLevel::Exact;
    }
    let (Some(sa), Some(sb)) = (names.surname(a.surname_form), names.surname(b.surname_form))
    else {
        return SurnameLevel::Missing;
    };
    let double = sa.tokens.len() > 1 || sb.tokens.len() > 1;
    if double && sa.tokens.iter().any(|t| sb.tokens.contains(t)) {
        return SurnameLevel::Close;
    }
    let jw = sims.jaro_winkler(a.surname, b.surname);
    if jw >= CLOSE {
        return SurnameLevel::Close;
    }
    let (oa, ob) = (
        names.other_tokens(a.other_form),
        names.other_tokens(b.other_form),
    );
    let former =
        sa.tokens.iter().any(|t| ob.contains(t)) || sb.tokens.iter().any(|t| oa.contains(t));
    if former {
        return SurnameLevel::OtherName;
    }
    if a.surname_code != NONE && a.surname_code == b.surname_code {
        return SurnameLevel::Phonetic;
    }
    if jw >= FUZZY {
        SurnameLevel::Fuzzy
    } else {
        SurnameLevel::Different
    }
}

/// The names compared crosswise (first against surname), when both agree that way: the
/// surname side closely, the first-name side closely, as a nickname or as an initial.
fn compare_swapped(
    sims: &mut Similarities<'_>,
    a: &Prepared,
    b: &Prepared,
) -> Option<(FirstNameLevel, SurnameLevel)> {
    if a.first == NONE || b.first == NONE || a.surname == NONE || b.surname == NONE {
        return None;
    }
    // a's first name is b's surname, and a's surname is b's first name.
    let surname = if a.first == b.surname {
        SurnameLevel::Exact
    } else if sims.jaro_winkler(a.first, b.surname) >= CLOSE {
        SurnameLevel::Close
    } else {
        return None;
    };
    let first = crosswise_first(sims, a.surname, b.first)?;
    Some((first, surname))
}

/// How a surname read as a first name agrees with a first name.
fn crosswise_first(
    sims: &mut Similarities<'_>,
    surname: u32,
    first: u32,
) -> Option<FirstNameLevel> {
    let names = *sims.names();
    if surname == first {
        return Some(FirstNameLevel::Exact);
    }
    if names.related(surname, first) {
        return Some(FirstNameLevel::Related);
    }
    let (s, f) = (names.word(surname)?, names.word(first)?);
    if f.initial || s.initial {
        return (s.first_char == f.first_char).then_some(FirstNameLevel::Initial);
    }
    (sims.jaro_winkler(surname, first) >= CLOSE).then_some(FirstNameLevel::Close)
}

fn postcode_level(x: u64, y: u64) -> PostcodeLevel {
    if x == y {
        PostcodeLevel::Unit
    } else if x >> PACKED_SECTOR_SHIFT == y >> PACKED_SECTOR_SHIFT {
        PostcodeLevel::Sector
    } else if x >> PACKED_DISTRICT_SHIFT == y >> PACKED_DISTRICT_SHIFT {
        PostcodeLevel::District
    } else {
        PostcodeLevel::Different
    }
}

fn compare_postcodes(a: &Prepared, b: &Prepared) -> PostcodeLevel {
    if a.postcode == 0 || b.postcode == 0 {
        return PostcodeLevel::Missing;
    }
    if a.more.is_none() && b.more.is_none() {
        return postcode_level(a.postcode, b.postcode);
    }
    let mut best = PostcodeLevel::Different;
    for x in a.postcodes() {
        for y in b.postcodes() {
            best = best.min(postcode_level(x, y));
        }
    }
    best
}

fn compare_phones(a: &Prepared, b: &Prepared) -> PhoneLevel {
    if a.phone == 0 || b.phone == 0 {
        return PhoneLevel::Missing;
    }
    let mut best = PhoneLevel::Different;
    for x in a.phones() {
        for y in b.phones() {
            if x == y {
                return PhoneLevel::Exact;
            }
            if Phone::from_packed(x).one_digit_apart(&Phone::from_packed(y)) {
                best = PhoneLevel::OneDigit;
            }
        }
    }
    best
}

fn compare_id(a: u64, b: u64, none: u64) -> IdLevel {
    if a == none || b == none {
        IdLevel::Missing
    } else if a == b {
        IdLevel::Exact
    } else {
        IdLevel::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::View;
    use crate::record::{PersonRecord, Prepared, RawPersonRecord};

    fn person(first: &str, surname: &str, dob: &str) -> PersonRecord {
        RawPersonRecord {
            first_name: first.into(),
            surname: surname.into(),
            dob: dob.into(),
            ..Default::default()
        }
        .parse()
        .0
    }

    fn cmp(a: &PersonRecord, b: &PersonRecord) -> ComparisonVector {
        let (names, p) = crate::record::prepare_fresh(&[a, b]);
        compare(&View::new(&names), &p[0], &p[1])
    }

    #[test]
    fn first_name_levels() {
        let level = |a: &str, b: &str| cmp(&person(a, "x", ""), &person(b, "x", "")).first_name;
        assert_eq!(level("Kate", "kate"), FirstNameLevel::Exact);
        assert_eq!(level("Kate", "Katherine"), FirstNameLevel::Related);
        assert_eq!(level("Bill", "Liam"), FirstNameLevel::Related);
        assert_eq!(level("Mary Jane", "Jane"), FirstNameLevel::Related);
        assert_eq!(level("Jonathon", "Jonathan"), FirstNameLevel::Related);
        assert_eq!(level("Cristopher", "Chris"), FirstNameLevel::Related);
        assert_eq!(level("Sarah", "Sarha"), FirstNameLevel::Related);
        assert_eq!(level("Zara", "Zarah"), FirstNameLevel::Close);
        assert_eq!(level("Dwayne", "Duane"), FirstNameLevel::Fuzzy);
        assert_eq!(level("K", "Kate"), FirstNameLevel::Initial);
        assert_eq!(level("", "Kate"), FirstNameLevel::Missing);
        assert_eq!(level("Sarah", "Emily"), FirstNameLevel::Different);
        assert!(cmp(&person("Sarah", "x", ""), &person("Emily", "x", "")).first_names_conflict);
        assert!(!cmp(&person("J", "x", ""), &person("Emily", "x", "")).first_names_conflict);
    }

    #[test]
    fn surname_levels_and_swaps() {
        let level = |a: &str, b: &str| cmp(&person("x", a, ""), &person("x", b, "")).surname;
        assert_eq!(level("O'Brien", "OBRIEN"), SurnameLevel::Exact);
        assert_eq!(level("Smith-Jones", "Smith Jones"), SurnameLevel::Exact);
        assert_eq!(level("Smith-Jones", "Jones"), SurnameLevel::Close);
        assert_eq!(level("Johnson", "Jonson"), SurnameLevel::Close);
        assert_eq!(level("Smith", "Smyth"), SurnameLevel::Fuzzy);
        assert_eq!(level("Stevens", "Stephens"), SurnameLevel::Phonetic);
        assert_eq!(level("Smith", "Khan"), SurnameLevel::Different);
        let mut married = person("Jane", "Smith", "");
        married.other_names.push("Jones".into());
        assert_eq!(
            cmp(&married, &person("Jane", "Jones", "")).surname,
            SurnameLevel::OtherName
        );
        let swapped = cmp(&person("Smith", "John", ""), &person("John", "Smith", ""));
        assert!(swapped.names_swapped);
        assert_eq!(swapped.first_name, FirstNameLevel::Exact);
        assert_eq!(swapped.surname, SurnameLevel::Exact);
        let swapped = cmp(&person("Ball", "Donald", ""), &person("Don", "Ball", ""));
        assert!(swapped.names_swapped);
        assert_eq!(swapped.first_name, FirstNameLevel::Related);
        let swapped = cmp(
            &person("Fairthorpe", "M", ""),
            &person("Mamie", "Fairthorpe", ""),
        );
        assert!(swapped.names_swapped);
        assert_eq!(swapped.first_name, FirstNameLevel::Initial);
    }

    #[test]
    fn comparison_is_symmetric_in_levels() {
        let names = [
            "Kate",
            "Katherine",
            "Bill",
            "William",
            "Sarah",
            "Sara",
            "Emily",
            "J",
            "",
            "Mary Jane",
        ];
        let surnames = ["Smith", "Smyth", "Smith-Jones", "Jones", "Khan", ""];
        let dobs = ["1985-03-04", "1985-04-03", "1985", "", "2010-06-19"];
        for (i, a) in names.iter().enumerate() {
            for (j, b) in names.iter().enumerate() {
                let x = person(a, surnames[i % surnames.len()], dobs[i % dobs.len()]);
                let y = person(b, surnames[j % surnames.len()], dobs[j % dobs.len()]);
                let xy = cmp(&x, &y);
                let yx = cmp(&y, &x);
                assert_eq!(xy, yx, "{a} / {b}");
                assert!(xy.pattern() == yx.pattern());
            }
        }
    }

    #[test]
    fn remembered_similarities_equal_fresh_ones() {
        use crate::names::{Interner, Names};
        let words = [
            "sarah",
            "sara",
            "sarha",
            "zara",
            "zarah",
            "smith",
            "smyth",
            "smithe",
            "jones",
            "jonson",
            "johnson",
            "dwayne",
            "duane",
            "k",
            "mary jane",
            "zoë",
            "zoe",
        ];
        let mut base = Names::default();
        let mut interner = Interner {
            base: None,
            own: &mut base,
        };
        let ids: Vec<u32> = words.iter().map(|w| interner.word(w)).collect();
        let view = View::new(&base);
        let fresh =
            |names: &View<'_>, a: u32, b: u32| jaro_winkler(names.text(a), names.text(b)).to_bits();
        // Two slots: nearly every pair clashes with another and is overwritten.
        for slots_log2 in [1, 4, SIMILARITY_SLOTS_LOG2] {
            let mut sims = Similarities::new(view, slots_log2);
            for _ in 0..3 {
                for &a in &ids {
                    for &b in ids.iter().rev() {
                        // Asked again at once, a pair is found even in the smallest table.
                        for (x, y) in [(a, b), (a, b), (b, a)] {
                            assert_eq!(sims.jaro_winkler(x, y).to_bits(), fresh(&view, x, y));
                        }
                    }
                }
            }
            let (hits, misses) = sims.counts();
            assert!(hits > 0 && misses > 0, "{slots_log2}: {hits} {misses}");
            assert_eq!(hits + misses, 9 * (ids.len() * ids.len()) as u64);
        }
        let mut uncached = Similarities::uncached(view);
        assert_eq!(
            uncached.jaro_winkler(ids[0], ids[1]).to_bits(),
            fresh(&view, ids[0], ids[1])
        );
        assert_eq!(uncached.counts(), (0, 0));

        // A query's overlay words continue the ids after the base's; they are computed, never
        // remembered, whatever the slot they would use holds.
        let mut overlay = Names::default();
        let mut q = Interner {
            base: Some(&base),
            own: &mut overlay,
        };
        let extra: Vec<u32> = ["sarra", "smiht", "zebedee"]
            .iter()
            .map(|w| q.word(w))
            .collect();
        assert!(extra.iter().all(|&id| id as usize >= base.word_count()));
        let view = View {
            base: &base,
            extra: Some(&overlay),
        };
        let mut sims = Similarities::new(view, 1);
        for _ in 0..2 {
            for &a in ids.iter().chain(&extra) {
                for &b in extra.iter().chain(&ids) {
                    assert_eq!(sims.jaro_winkler(a, b).to_bits(), fresh(&view, a, b));
                }
            }
        }
        let (hits, misses) = sims.counts();
        assert_eq!(hits + misses, 2 * (ids.len() * ids.len()) as u64);

        // Whole comparisons, with and without the table, for stored and queried records.
        let people: Vec<PersonRecord> = [
            ("Sarah", "Smith"),
            ("Sara", "Smyth"),
            ("Smith", "Sarah"),
            ("Zara", "Jonson"),
            ("Mary Jane", "Johnson"),
            ("Zarah", "Jones"),
            ("Dwayne", "Smithe"),
            ("K", "Jones"),
        ]
        .iter()
        .map(|(f, s)| person(f, s, ""))
        .collect();
        let refs: Vec<&PersonRecord> = people.iter().collect();
        let (names, stored) = crate::record::prepare_fresh(&refs);
        let mut overlay = Names::default();
        let mut q = Interner {
            base: Some(&names),
            own: &mut overlay,
        };
        let queried: Vec<Prepared> = [("Sarra", "Smiht"), ("Duane", "Smyth"), ("Jonson", "Zara")]
            .iter()
            .map(|(f, s)| Prepared::new(&mut q, &person(f, s, "")))
            .collect();
        let view = View {
            base: &names,
            extra: Some(&overlay),
        };
        let mut sims = Similarities::new(view, 2);
        for _ in 0..2 {
            for a in stored.iter().chain(&queried) {
                for b in queried.iter().chain(&stored) {
                    assert_eq!(compare_with(&mut sims, a, b), compare(&view, a, b));
                }
            }
        }
    }

    #[test]
    fn level_labels_line_up_with_the_enums() {
        assert_eq!(
            Field::FirstName.level_count(),
            FirstNameLevel::Different as usize + 1
        );
        assert_eq!(
            Field::Surname.level_count(),
            SurnameLevel::Different as usize + 1
        );
        assert_eq!(Field::Dob.level_count(), DobLevel::ALL.len());
        assert_eq!(
            Field::Gender.level_count(),
            GenderLevel::Disagree as usize + 1
        );
        assert_eq!(
            Field::Postcode.level_count(),
            PostcodeLevel::Different as usize + 1
        );
        assert_eq!(
            Field::Phone.level_count(),
            PhoneLevel::Different as usize + 1
        );
        assert_eq!(
            Field::NhsNumber.level_count(),
            IdLevel::Different as usize + 1
        );
        assert_eq!(
            Field::FirstName.missing_level(),
            FirstNameLevel::Missing as usize
        );
        assert_eq!(
            Field::Surname.missing_level(),
            SurnameLevel::Missing as usize
        );
        assert_eq!(Field::Dob.missing_level(), DobLevel::Missing as usize);
        assert_eq!(
            Field::Postcode.missing_level(),
            PostcodeLevel::Missing as usize
        );
        assert_eq!(Field::Phone.missing_level(), PhoneLevel::Missing as usize);
        assert_eq!(Field::PncId.missing_level(), IdLevel::Missing as usize);
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
    }
}
