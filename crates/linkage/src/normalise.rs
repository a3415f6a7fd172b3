//! Normalisation of the values people are matched on: names, UK postcodes, phone numbers and
//! the NHS number and police national computer id. Each typed value parses on construction, so
//! an impossible postcode or a phone number with too few digits never reaches the comparisons.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Titles dropped from the start of a name when other words remain.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "lady", "lord",
];
/// Generational suffixes dropped from the end of a name when other words remain.
const SUFFIXES: &[&str] = &[
    "jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv",
];

/// A name reduced to lower-case ASCII-folded words separated by single spaces: accents on Latin
/// letters removed (`Zoë` → `zoe`, `Łukasz` → `lukasz`), apostrophes joined (`O'Brien` →
/// `obrien`), hyphens and other punctuation made word breaks (`Smith-Jones` → `smith jones`),
/// digits dropped, and leading titles and trailing `Jr`/`Snr` removed. Letters of other scripts
/// are kept, lower-cased.
pub fn name(raw: &str) -> String {
    name_tokens(raw).join(" ")
}

/// The words of [`name`], in order.
pub fn name_tokens(raw: &str) -> Vec<String> {
    let mut folded = String::with_capacity(raw.len());
    for c in raw.chars() {
        fold_char(c, &mut folded);
    }
    let mut tokens: Vec<String> = folded
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    while tokens.len() > 1 && tokens.first().is_some_and(|t| TITLES.contains(&t.as_str())) {
        tokens.remove(0);
    }
    while tokens.len() > 1
        && tokens
            .last()
            .is_some_and(|t| SUFFIXES.contains(&t.as_str()))
    {
        tokens.pop();
    }
    tokens
}

/// A name with its word breaks removed too (`Smith-Jones` and `Smith Jones` → `smithjones`), so
/// that double surnames compare equal however they were punctuated.
pub fn compact_name(raw: &str) -> String {
    name_tokens(raw).concat()
}

fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&c)
}

fn fold_char(c: char, out: &mut String) {
    match c {
        // Apostrophes join the parts of a name: O'Brien, D'Souza.
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{02bc}' | '\u{00b4}' => {}
        c if is_combining_mark(c) => {}
        c if c.is_ascii_alphabetic() => out.push(c.to_ascii_lowercase()),
        c if c.is_alphabetic() => {
            for lower in c.to_lowercase() {
                if is_combining_mark(lower) {
                    continue;
                }
                match fold_latin(lower) {
                    Some(ascii) => out.push_str(ascii),
                    None => out.push(lower),
                }
            }
        }
        _ => {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        }
    }
}

/// The ASCII spelling of a lower-case accented Latin letter, if it is one.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ȧ' => "a",
        'æ' | 'ǣ' | 'ǽ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẽ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => "u",
        'ŵ' | 'ẁ' | 'ẃ' | 'ẅ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'ỳ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Postcodes
// ---------------------------------------------------------------------------------------------

/// Every postcode area in use in the UK, with the Crown dependencies that share the scheme.
#[rustfmt::skip]
const POSTCODE_AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E",
    "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS",
    "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL",
    "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
    "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM",
    "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// The letters a postcode unit may use (never C, I, K, M, O or V).
pub(crate) const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
/// The letters allowed after the digit in an `A9A` outward code.
const A9A_LETTERS: &[u8] = b"ABCDEFGHJKPSTUW";
/// The letters allowed after the digit in an `AA9A` outward code.
const AA9A_LETTERS: &[u8] = b"ABEHMNPRVWXY";

/// Why a string is not a UK postcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    #[error("the postcode is empty")]
    Empty,
    #[error("a postcode has 5 to 7 letters and digits")]
    Length,
    #[error("a postcode cannot contain {0:?}")]
    Character(char),
    #[error("{0:?} is not a UK postcode area")]
    UnknownArea(String),
    #[error("the outward code (the first half) is not in a UK pattern")]
    Outward,
    #[error(
        "the inward code (the last three characters) must be a digit and two letters other than C, I, K, M, O and V"
    )]
    Inward,
}

/// A UK postcode in its canonical form, `AB1 2CD`: upper case, one space before the inward
/// code. Parsing accepts any case and spacing and rejects impossible postcodes (unknown area,
/// outward code in no UK pattern, unit letters the Royal Mail never uses).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode {
    text: [u8; 8],
    len: u8,
}

impl Postcode {
    /// Parse a postcode written in any case and spacing.
    pub fn parse(raw: &str) -> Result<Self, PostcodeError> {
        let mut compact = [0u8; 7];
        let mut n = 0usize;
        for c in raw.chars() {
            if c.is_whitespace() || c == '-' || c == '.' {
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                return Err(PostcodeError::Character(c));
            }
            let Some(slot) = compact.get_mut(n) else {
                return Err(PostcodeError::Length);
            };
            *slot = c.to_ascii_uppercase() as u8;
            n += 1;
        }
        if n == 0 {
            return Err(PostcodeError::Empty);
        }
        if n < 5 {
            return Err(PostcodeError::Length);
        }
        let body = compact.get(..n).ok_or(PostcodeError::Length)?;
        let (outward, inward) = body.split_at(n - 3);
        if outward == b"GIR" && inward == b"0AA" {
            return Ok(Self::from_parts(outward, inward));
        }
        match inward {
            [d, a, b]
                if d.is_ascii_digit() && UNIT_LETTERS.contains(a) && UNIT_LETTERS.contains(b) => {}
            _ => return Err(PostcodeError::Inward),
        }
        validate_outward(outward)?;
        Ok(Self::from_parts(outward, inward))
    }

    fn from_parts(outward: &[u8], inward: &[u8]) -> Self {
        let mut text = [0u8; 8];
        let mut len = 0usize;
        for b in outward.iter().chain(b" ").chain(inward) {
            if let Some(slot) = text.get_mut(len) {
                *slot = *b;
                len += 1;
            }
        }
        Self {
            text,
            len: len as u8,
        }
    }

    /// The canonical form, e.g. `SW1A 1AA`; the same as [`Postcode::unit`].
    pub fn as_str(&self) -> &str {
        self.text
            .get(..usize::from(self.len))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    fn prefix(&self, drop: usize) -> &str {
        let s = self.as_str();
        s.get(..s.len().saturating_sub(drop)).unwrap_or("")
    }

    /// The full postcode: the unit, about fifteen addresses (`SW1A 1AA`).
    pub fn unit(&self) -> &str {
        self.as_str()
    }

    /// The sector: the outward code and the inward digit, a few thousand addresses (`SW1A 1`).
    pub fn sector(&self) -> &str {
        self.prefix(2)
    }

    /// The outward code (`SW1A`), which is the postcode district.
    pub fn outward(&self) -> &str {
        self.prefix(4)
    }

    /// The postcode district, the same as the outward code (`SW1A`).
    pub fn district(&self) -> &str {
        self.outward()
    }

    /// The inward code (`1AA`).
    pub fn inward(&self) -> &str {
        let s = self.as_str();
        s.get(s.len().saturating_sub(3)..).unwrap_or("")
    }

    /// The postcode area: the leading letters (`SW`).
    pub fn area(&self) -> &str {
        let s = self.as_str();
        let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
        s.get(..letters).unwrap_or("")
    }

    /// The postcode as one non-zero number laid out so that shifting compares its parts: the
    /// outward code in bits 24–55, the inward digit in bits 16–23 and the unit letters below.
    /// Two postcodes share a sector when their packed forms agree above bit 16
    /// ([`PACKED_SECTOR_SHIFT`]), and a district above bit 24 ([`PACKED_DISTRICT_SHIFT`]).
    pub(crate) fn packed(&self) -> u64 {
        let s = self.as_str().as_bytes();
        let (outward, inward) = s.split_at(s.len().saturating_sub(4));
        let mut out: u64 = 0;
        for b in outward.iter().take(4) {
            out = (out << 8) | u64::from(*b);
        }
        let mut inn: u64 = 0;
        for b in inward.iter().filter(|b| **b != b' ').take(3) {
            inn = (inn << 8) | u64::from(*b);
        }
        (out << 24) | inn
    }
}

/// See [`Postcode::packed`].
pub(crate) const PACKED_SECTOR_SHIFT: u32 = 16;
/// See [`Postcode::packed`].
pub(crate) const PACKED_DISTRICT_SHIFT: u32 = 24;

fn validate_outward(outward: &[u8]) -> Result<(), PostcodeError> {
    let letters = outward
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let (area, rest) = outward.split_at(letters);
    let area_str = std::str::from_utf8(area).map_err(|_| PostcodeError::Outward)?;
    if !(1..=2).contains(&letters) {
        return Err(PostcodeError::Outward);
    }
    if !POSTCODE_AREAS.contains(&area_str) {
        return Err(PostcodeError::UnknownArea(area_str.to_owned()));
    }
    let ok = match rest {
        [d] => d.is_ascii_digit(),
        [d, e] if d.is_ascii_digit() && e.is_ascii_digit() => true,
        [d, l] if d.is_ascii_digit() => {
            if letters == 1 {
                A9A_LETTERS.contains(l)
            } else {
                AA9A_LETTERS.contains(l)
            }
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(PostcodeError::Outward)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postcode({})", self.as_str())
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Postcode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Postcode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

/// Why a string is not a usable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number cannot contain {0:?}")]
    Character(char),
    #[error("a UK number has 10 or 11 digits starting 0; an international one 8 to 15")]
    Length,
    #[error("a UK number starts 01, 02, 03, 05, 07, 08 or 09")]
    Prefix,
    #[error("the number is a placeholder (every digit the same)")]
    Placeholder,
}

/// A phone number in one canonical form: a UK number as its national digits (`07700900123`),
/// whether it was written `+44 7700 900123`, `0044 (0)7700-900-123` or `7700900123` (a
/// spreadsheet that dropped the leading zero); any other country's as `+` and digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone {
    digits: u64,
    len: u8,
    international: bool,
}

impl Phone {
    /// Parse a phone number written with any spacing and punctuation.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let cleaned = raw.replace("(0)", "");
        let trimmed = cleaned.trim();
        let plus = trimmed.starts_with('+');
        let mut digits = String::with_capacity(16);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' | ' ' | '-' | '(' | ')' | '.' | '/' | '\t' => {}
                other => return Err(PhoneError::Character(other)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let national = if plus {
            digits.strip_prefix("44").map(|rest| format!("0{rest}"))
        } else if let Some(rest) = digits.strip_prefix("0044") {
            Some(format!("0{rest}"))
        } else if digits.starts_with("00") {
            None
        } else if digits.len() == 12 && digits.starts_with("44") {
            digits.strip_prefix("44").map(|rest| format!("0{rest}"))
        } else if digits.len() == 10 && !digits.starts_with('0') {
            Some(format!("0{digits}"))
        } else {
            Some(digits.clone())
        };
        match national {
            Some(n) => Self::national(&n),
            None => {
                let intl = digits.trim_start_matches("00");
                Self::international(intl)
            }
        }
    }

    fn national(n: &str) -> Result<Self, PhoneError> {
        if !(10..=11).contains(&n.len()) {
            return Err(PhoneError::Length);
        }
        let mut bytes = n.bytes();
        if bytes.next() != Some(b'0') {
            return Err(PhoneError::Prefix);
        }
        if !matches!(
            bytes.next(),
            Some(b'1' | b'2' | b'3' | b'5' | b'7' | b'8' | b'9')
        ) {
            return Err(PhoneError::Prefix);
        }
        let rest = n.get(1..).unwrap_or("");
        let mut chars = rest.chars();
        if let Some(first) = chars.next()
            && chars.all(|c| c == first)
        {
            return Err(PhoneError::Placeholder);
        }
        Ok(Self {
            digits: n.parse().map_err(|_| PhoneError::Length)?,
            len: n.len() as u8,
            international: false,
        })
    }

    fn international(n: &str) -> Result<Self, PhoneError> {
        if !(8..=15).contains(&n.len()) {
            return Err(PhoneError::Length);
        }
        Ok(Self {
            digits: n.parse().map_err(|_| PhoneError::Length)?,
            len: n.len() as u8,
            international: true,
        })
    }

    /// True for a number outside the UK.
    pub fn is_international(&self) -> bool {
        self.international
    }

    /// True for a UK mobile (07…).
    pub fn is_mobile(&self) -> bool {
        !self.international && self.len == 11 && self.digits / 1_000_000_000 == 7
    }

    /// The digits, as written in the canonical form without any `+`.
    pub fn digits(&self) -> String {
        format!("{:0width$}", self.digits, width = usize::from(self.len))
    }

    /// The number as one non-zero `u64` (digits, length and whether it is international), for
    /// compact storage; [`Phone::from_packed`] reverses it.
    pub(crate) fn packed(&self) -> u64 {
        (1 << 63)
            | (u64::from(self.international) << 56)
            | (u64::from(self.len) << 50)
            | (self.digits & ((1 << 50) - 1))
    }

    /// The number [`Phone::packed`] made.
    pub(crate) fn from_packed(packed: u64) -> Self {
        Self {
            digits: packed & ((1 << 50) - 1),
            len: ((packed >> 50) & 0x3f) as u8,
            international: (packed >> 56) & 1 == 1,
        }
    }

    /// True when the two numbers have the same length and differ in exactly one digit: a typo.
    pub fn one_digit_apart(&self, other: &Phone) -> bool {
        if self.len != other.len || self.international != other.international {
            return false;
        }
        let (mut a, mut b) = (self.digits, other.digits);
        let mut differences = 0;
        for _ in 0..self.len {
            if a % 10 != b % 10 {
                differences += 1;
            }
            a /= 10;
            b /= 10;
        }
        differences == 1
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.international {
            f.write_str("+")?;
        }
        f.write_str(&self.digits())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({self})")
    }
}

impl FromStr for Phone {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("an NHS number has 10 digits")]
    NhsLength,
    #[error("the NHS number's check digit is wrong")]
    NhsCheckDigit,
    #[error("a PNC id is a year, a slash, up to 7 digits and a check letter (e.g. 98/123456A)")]
    PncFormat,
}

/// An NHS number whose modulus-11 check digit is right.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(u64);

impl NhsNumber {
    /// The ten digits as a number.
    pub(crate) fn value(self) -> u64 {
        self.0
    }

    /// Parse ten digits, with any spaces or dashes, and check the check digit.
    pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
        let digits: Vec<u64> = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_digit(10).map(u64::from))
            .collect::<Option<Vec<u64>>>()
            .ok_or(IdentifierError::NhsLength)?;
        if digits.len() != 10 {
            return Err(IdentifierError::NhsLength);
        }
        let weighted: u64 = digits
            .iter()
            .take(9)
            .zip((2..=10u64).rev())
            .map(|(d, w)| d * w)
            .sum();
        let check = match 11 - weighted % 11 {
            11 => 0,
            10 => return Err(IdentifierError::NhsCheckDigit),
            c => c,
        };
        if digits.last() != Some(&check) {
            return Err(IdentifierError::NhsCheckDigit);
        }
        if digits.iter().all(|d| Some(d) == digits.first()) {
            return Err(IdentifierError::NhsCheckDigit);
        }
        Ok(Self(digits.iter().fold(0, |acc, d| acc * 10 + d)))
    }

    /// The check digit for nine leading digits, or `None` when no valid number starts so.
    pub fn check_digit(first_nine: u64) -> Option<u64> {
        let mut n = first_nine;
        let mut weighted = 0;
        for weight in 2..=10u64 {
            weighted += (n % 10) * weight;
            n /= 10;
        }
        match 11 - weighted % 11 {
            11 => Some(0),
            10 => None,
            c => Some(c),
        }
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NhsNumber({self})")
    }
}

impl Serialize for NhsNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NhsNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A police national computer id in one form: two-digit year, `/`, the serial without leading
/// zeros, and the check letter (`98/12345A`). The check letter is kept, not verified.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PncId(String);

impl PncId {
    /// Parse `YY/NNNNNNNL` or `YYYY/NNNNNNNL`, any case and spacing.
    pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let (year, rest) = compact.split_once('/').ok_or(IdentifierError::PncFormat)?;
        let year = match year.len() {
            2 => year,
            4 => year.get(2..).unwrap_or(""),
            _ => return Err(IdentifierError::PncFormat),
        };
        if !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::PncFormat);
        }
        let letter = rest.chars().last().ok_or(IdentifierError::PncFormat)?;
        let serial = rest.get(..rest.len().saturating_sub(1)).unwrap_or("");
        if !letter.is_ascii_uppercase()
            || serial.is_empty()
            || serial.len() > 7
            || !serial.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(IdentifierError::PncFormat);
        }
        let serial = serial.trim_start_matches('0');
        if serial.is_empty() {
            return Err(IdentifierError::PncFormat);
        }
        Ok(Self(format!("{year}/{serial}{letter}")))
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as one non-zero number (year, serial and check letter), for compact storage;
    /// equal ids pack equally and different ones differently.
    pub(crate) fn packed(&self) -> u64 {
        let (year, rest) = self.0.split_once('/').unwrap_or(("", ""));
        let year: u64 = year.parse().unwrap_or(0);
        let letter = rest.bytes().last().map_or(0, u64::from);
        let serial: u64 = rest
            .get(..rest.len().saturating_sub(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (1 << 63) | (year << 40) | (serial << 8) | letter
    }
}

impl fmt::Display for PncId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PncId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PncId({})", self.0)
    }
}

impl Serialize for PncId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PncId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn names_fold_case_accents_punctuation_and_spacing() {
        assert_eq!(name("  ZOË  "), "zoe");
        assert_eq!(name("Chloé"), "chloe");
        assert_eq!(name("Łukasz"), "lukasz");
        assert_eq!(name("Siân"), "sian");
        assert_eq!(name("Róisín"), "roisin");
        assert_eq!(name("Straße"), "strasse");
        assert_eq!(name("O'Brien"), "obrien");
        assert_eq!(name("O’Brien"), "obrien");
        assert_eq!(name("Smith-Jones"), "smith jones");
        assert_eq!(name("Smith  -  JONES"), "smith jones");
        assert_eq!(compact_name("Smith-Jones"), "smithjones");
        assert_eq!(compact_name("smith jones"), "smithjones");
        assert_eq!(name("Mrs Jane Smith"), "jane smith");
        assert_eq!(name("John Smith Jnr"), "john smith");
        assert_eq!(name("Mrs"), "mrs");
        assert_eq!(name("Anna2"), "anna");
        assert_eq!(name("..."), "");
        // Decomposed accents (a letter then a combining mark) fold the same way.
        assert_eq!(name("Zoe\u{0308}"), "zoe");
        // Other scripts are kept, lower-cased.
        assert_eq!(name("ΑΝΝΑ"), "αννα");
    }

    #[test]
    fn name_normalisation_is_idempotent_on_generated_noise() {
        let mut rng = Rng::new(42);
        let alphabet: Vec<char> = "abcdeéèëfghiïjklmnoöpqrstuüvwxyzAZÉ -'.,ßØæ"
            .chars()
            .collect();
        for _ in 0..2_000 {
            let len = rng.below(20);
            let raw: String = (0..len)
                .filter_map(|_| rng.pick(&alphabet).copied())
                .collect();
            let once = name(&raw);
            assert_eq!(name(&once), once, "{raw:?}");
            assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
            assert!(
                once.chars().all(|c| c == ' ' || c.is_ascii_lowercase()),
                "{once:?}"
            );
        }
    }

    #[test]
    fn postcodes_parse_to_canonical_form_with_parts() {
        let p = Postcode::parse("sw1a1aa").unwrap();
        assert_eq!(p.as_str(), "SW1A 1AA");
        assert_eq!(p.area(), "SW");
        assert_eq!(p.outward(), "SW1A");
        assert_eq!(p.district(), "SW1A");
        assert_eq!(p.sector(), "SW1A 1");
        assert_eq!(p.inward(), "1AA");
        assert_eq!(p.unit(), "SW1A 1AA");
        for (raw, canonical) in [
            ("M1 1AE", "M1 1AE"),
            (" m11ae ", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr2  6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("ls1-4dy", "LS1 4DY"),
            ("GIR 0AA", "GIR 0AA"),
        ] {
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), canonical, "{raw}");
        }
        assert_eq!(Postcode::parse("B33 8TH").unwrap().sector(), "B33 8");
        assert_eq!(Postcode::parse("B33 8TH").unwrap().area(), "B");
    }

    #[test]
    fn impossible_postcodes_are_rejected() {
        assert_eq!(Postcode::parse(""), Err(PostcodeError::Empty));
        assert_eq!(Postcode::parse("   "), Err(PostcodeError::Empty));
        assert_eq!(Postcode::parse("SW1"), Err(PostcodeError::Length));
        assert_eq!(Postcode::parse("SW1A 1AAA"), Err(PostcodeError::Length));
        assert_eq!(
            Postcode::parse("SW1A_1AA"),
            Err(PostcodeError::Character('_'))
        );
        assert_eq!(
            Postcode::parse("ZZ1 1AA"),
            Err(PostcodeError::UnknownArea("ZZ".into()))
        );
        assert_eq!(
            Postcode::parse("QA1 1AA"),
            Err(PostcodeError::UnknownArea("QA".into()))
        );
        // Units never use C, I, K, M, O or V.
        assert_eq!(Postcode::parse("SW1A 1AC"), Err(PostcodeError::Inward));
        assert_eq!(Postcode::parse("SW1A 1OA"), Err(PostcodeError::Inward));
        assert_eq!(Postcode::parse("SW1A AAA"), Err(PostcodeError::Inward));
        // A9A takes only certain letters, AA9A others.
        assert_eq!(Postcode::parse("W1Z 1AA"), Err(PostcodeError::Outward));
        assert_eq!(Postcode::parse("SW1C 1AA"), Err(PostcodeError::Outward));
        assert_eq!(Postcode::parse("SW123 1AA"), Err(PostcodeError::Length));
        assert_eq!(Postcode::parse("S 1AA"), Err(PostcodeError::Length));
        assert_eq!(Postcode::parse("1W1 1AA"), Err(PostcodeError::Outward));
    }

    #[test]
    fn postcode_formatting_noise_round_trips() {
        let mut rng = Rng::new(9);
        let areas = ["B", "M", "LS", "SW", "NE", "CF", "EH", "BT"];
        for _ in 0..2_000 {
            let area = rng.pick(&areas).copied().unwrap_or("B");
            let district = rng.between(1, 29);
            let sector = rng.between(0, 9);
            let u1 = char::from(*rng.pick(UNIT_LETTERS).unwrap());
            let u2 = char::from(*rng.pick(UNIT_LETTERS).unwrap());
            let canonical = format!("{area}{district} {sector}{u1}{u2}");
            let p = Postcode::parse(&canonical).unwrap();
            assert_eq!(p.as_str(), canonical);
            let noisy: String = canonical
                .chars()
                .filter(|c| *c != ' ')
                .flat_map(|c| {
                    let c = if rng.chance(0.5) {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    };
                    let space = rng.chance(0.2);
                    std::iter::once(c).chain(space.then_some(' '))
                })
                .collect();
            assert_eq!(Postcode::parse(&noisy).unwrap(), p, "{noisy}");
            assert_eq!(Postcode::parse(p.as_str()).unwrap(), p);
            assert!(p.unit().starts_with(p.sector()));
            assert!(p.sector().starts_with(p.district()));
            assert!(p.district().starts_with(p.area()));
        }
    }

    #[test]
    fn uk_phone_forms_share_one_canonical_national_form() {
        for raw in [
            "07700 900123",
            "07700900123",
            "+44 7700 900123",
            "+44 (0)7700 900123",
            "0044 7700 900 123",
            "447700900123",
            "7700900123",
            "(07700) 900-123",
            "+447700900123",
        ] {
            let phone = Phone::parse(raw).unwrap();
            assert_eq!(phone.to_string(), "07700900123", "{raw}");
            assert!(phone.is_mobile());
        }
        assert_eq!(
            Phone::parse("020 7946 0018").unwrap().to_string(),
            "02079460018"
        );
        assert_eq!(
            Phone::parse("+44 20 7946 0018").unwrap().to_string(),
            "02079460018"
        );
        assert_eq!(
            Phone::parse("01632 960 001").unwrap().to_string(),
            "01632960001"
        );
        let france = Phone::parse("+33 1 23 45 67 89").unwrap();
        assert!(france.is_international());
        assert_eq!(france.to_string(), "+33123456789");
        assert_eq!(Phone::parse("0033 1 23 45 67 89").unwrap(), france);
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("n/a"), Err(PhoneError::Character('n')));
        assert_eq!(Phone::parse("0770090"), Err(PhoneError::Length));
        assert_eq!(Phone::parse("04700 900123"), Err(PhoneError::Prefix));
        assert_eq!(Phone::parse("07777777777"), Err(PhoneError::Placeholder));
        let a = Phone::parse("07700900123").unwrap();
        assert!(a.one_digit_apart(&Phone::parse("07700900124").unwrap()));
        assert!(!a.one_digit_apart(&Phone::parse("07700900321").unwrap()));
        assert!(!a.one_digit_apart(&a));
    }

    #[test]
    fn phone_formatting_noise_round_trips() {
        let mut rng = Rng::new(3);
        for _ in 0..2_000 {
            let mut national = String::from("07");
            for _ in 0..9 {
                national.push(char::from(b'0' + rng.below(10) as u8));
            }
            let Ok(phone) = Phone::parse(&national) else {
                continue;
            };
            let rest = national.get(1..).unwrap();
            let variants = [
                format!("+44{rest}"),
                format!("+44 (0){rest}"),
                format!("0044 {rest}"),
                rest.to_owned(),
                format!(
                    "{} {}",
                    national.get(..5).unwrap(),
                    national.get(5..).unwrap()
                ),
                national
                    .chars()
                    .flat_map(|c| [c, '-'])
                    .collect::<String>()
                    .trim_end_matches('-')
                    .to_owned(),
            ];
            for v in &variants {
                assert_eq!(Phone::parse(v).unwrap(), phone, "{v}");
            }
        }
    }

    #[test]
    fn nhs_numbers_check_their_check_digit() {
        let nhs = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(nhs.to_string(), "9434765919");
        assert_eq!(NhsNumber::parse("943-476-5919").unwrap(), nhs);
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(IdentifierError::NhsCheckDigit)
        );
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(IdentifierError::NhsLength)
        );
        assert_eq!(
            NhsNumber::parse("94347659x9"),
            Err(IdentifierError::NhsLength)
        );
        assert_eq!(
            NhsNumber::parse("0000000000"),
            Err(IdentifierError::NhsCheckDigit)
        );
        assert_eq!(NhsNumber::check_digit(943_476_591), Some(9));
        let mut rng = Rng::new(5);
        for _ in 0..1_000 {
            let nine = 100_000_000 + rng.below(899_999_999) as u64;
            if let Some(check) = NhsNumber::check_digit(nine) {
                let n = NhsNumber::parse(&format!("{}", nine * 10 + check)).unwrap();
                assert_eq!(n.to_string(), format!("{}", nine * 10 + check));
            }
        }
    }

    #[test]
    fn pnc_ids_have_one_form() {
        let id = PncId::parse("98/0012345a").unwrap();
        assert_eq!(id.as_str(), "98/12345A");
        assert_eq!(PncId::parse("1998/12345A").unwrap(), id);
        assert_eq!(PncId::parse(" 98 / 12345 A ").unwrap(), id);
        assert!(PncId::parse("98-12345A").is_err());
        assert!(PncId::parse("98/12345").is_err());
        assert!(PncId::parse("98/A").is_err());
        assert!(PncId::parse("98/123456789A").is_err());
    }
}
