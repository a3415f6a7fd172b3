//! Blocking: the keys under which records are filed so that only records sharing a key are
//! compared. Several loose keys together keep nearly every true pair reachable (a pair needs to
//! share only one) while comparing a tiny fraction of all pairs.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use crate::phonetic;
use crate::record::Prepared;

/// The blocking rules. A record gets one key per rule and value (a record with two postcodes
/// gets two postcode keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Phonetic code of the surname (each part of a double surname, each former name) and year
    /// of birth.
    SurnameSoundAndYear,
    /// First-name group (or phonetic code) and full date of birth, with day and month in either
    /// order so a transposition still meets.
    FirstNameAndDob,
    /// First initial (of the name or its canonical form) and full date of birth, day and month in
    /// either order: meets an initial, or a first name too garbled for its group.
    InitialAndDob,
    /// Surname phonetic code with day and month of birth (either order), without the year: meets
    /// a mistyped year, or a missing first name.
    SurnameAndBirthday,
    /// Postcode unit (current or previous) and first initial (of the name or its canonical form).
    PostcodeAndInitial,
    /// Postcode unit and the phonetic code of either name: meets a missing or swapped first name
    /// at the same address.
    PostcodeAndName,
    /// First-name group (or phonetic code) and surname phonetic code.
    Names,
    /// The phonetic codes of first name and surname as an unordered pair: meets a first/last swap.
    SwappedNames,
    /// Any phone number.
    Phone,
    NhsNumber,
    PncId,
}

impl BlockingRule {
    fn tag(self) -> u8 {
        self as u8 + 1
    }
}

/// Phonetic codes are cut to this many letters, so long names still meet after a late typo.
const CODE_LEN: usize = 6;

fn short(code: &str) -> &str {
    code.get(..code.len().min(CODE_LEN)).unwrap_or(code)
}

/// A 64-bit key built from a rule's tag and parts (FNV-1a, then a final avalanche).
struct KeyBuilder(u64);

impl KeyBuilder {
    fn new(rule: BlockingRule) -> Self {
        let mut k = Self(0xcbf2_9ce4_8422_2325);
        k.byte(rule.tag());
        k
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01B3);
    }

    fn part(mut self, bytes: &[u8]) -> Self {
        for b in bytes {
            self.byte(*b);
        }
        self.byte(0xff);
        self
    }

    fn number(self, n: u64) -> Self {
        self.part(&n.to_le_bytes())
    }

    fn finish(self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The first-name tokens a record blocks on: its nickname groups and the phonetic code of the
/// name itself (so a misspelt name outside the table still meets its correct spelling).
fn first_name_tokens(p: &Prepared) -> Vec<Vec<u8>> {
    let mut tokens: Vec<Vec<u8>> = p
        .first_groups
        .iter()
        .map(|g| {
            let mut t = vec![b'g'];
            t.extend_from_slice(&g.id().to_le_bytes());
            t
        })
        .collect();
    if p.first.chars().nth(1).is_some() && !p.first_code.is_empty() {
        let mut t = vec![b'p'];
        t.extend_from_slice(short(&p.first_code).as_bytes());
        tokens.push(t);
    }
    tokens
}

fn surname_codes(p: &Prepared) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    if !p.surname_code.is_empty() {
        codes.push(short(&p.surname_code).to_owned());
    }
    if p.surname_tokens.len() > 1 {
        for t in &p.surname_tokens {
            codes.push(short(&phonetic::nysiis(t)).to_owned());
        }
    }
    for t in &p.other_tokens {
        codes.push(short(&phonetic::nysiis(t)).to_owned());
    }
    codes.retain(|c| !c.is_empty());
    codes.sort();
    codes.dedup();
    codes
}

fn initials(p: &Prepared) -> Vec<char> {
    let mut out: Vec<char> = p.first.chars().next().into_iter().collect();
    for g in &p.first_groups {
        if let Some(c) = g.canonical().chars().next() {
            out.push(c);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Every blocking key of a record, sorted and without duplicates.
pub(crate) fn keys(p: &Prepared) -> Vec<u64> {
    let mut out = Vec::with_capacity(16);
    let surnames = surname_codes(p);
    let firsts = first_name_tokens(p);
    if let Some(dob) = p.dob {
        for sc in &surnames {
            out.push(
                KeyBuilder::new(BlockingRule::SurnameSoundAndYear)
                    .part(sc.as_bytes())
                    .number(u64::from(dob.year()))
                    .finish(),
            );
        }
        if let (Some(m), Some(d)) = (dob.month(), dob.day()) {
            let (lo, hi) = (m.min(d), m.max(d));
            for ft in &firsts {
                out.push(
                    KeyBuilder::new(BlockingRule::FirstNameAndDob)
                        .part(ft)
                        .number(u64::from(dob.year()))
                        .part(&[lo, hi])
                        .finish(),
                );
            }
        }
    }
    let inits = initials(p);
    if let Some(dob) = p.dob
        && let (Some(m), Some(d)) = (dob.month(), dob.day())
    {
        let (lo, hi) = (m.min(d), m.max(d));
        for i in &inits {
            let mut buf = [0u8; 4];
            out.push(
                KeyBuilder::new(BlockingRule::InitialAndDob)
                    .part(i.encode_utf8(&mut buf).as_bytes())
                    .number(u64::from(dob.year()))
                    .part(&[lo, hi])
                    .finish(),
            );
        }
        for sc in &surnames {
            out.push(
                KeyBuilder::new(BlockingRule::SurnameAndBirthday)
                    .part(sc.as_bytes())
                    .part(&[lo, hi])
                    .finish(),
            );
        }
    }
    let mut name_codes: Vec<&str> = surnames.iter().map(String::as_str).collect();
    if p.first.chars().nth(1).is_some() && !p.first_code.is_empty() {
        name_codes.push(short(&p.first_code));
    }
    for pc in &p.postcodes {
        for code in &name_codes {
            out.push(
                KeyBuilder::new(BlockingRule::PostcodeAndName)
                    .part(pc.as_str().as_bytes())
                    .part(code.as_bytes())
                    .finish(),
            );
        }
    }
    for pc in &p.postcodes {
        for i in &inits {
            let mut buf = [0u8; 4];
            out.push(
                KeyBuilder::new(BlockingRule::PostcodeAndInitial)
                    .part(pc.as_str().as_bytes())
                    .part(i.encode_utf8(&mut buf).as_bytes())
                    .finish(),
            );
        }
    }
    for ft in &firsts {
        for sc in &surnames {
            out.push(
                KeyBuilder::new(BlockingRule::Names)
                    .part(ft)
                    .part(sc.as_bytes())
                    .finish(),
            );
        }
    }
    if !p.first_code.is_empty() && !p.surname_code.is_empty() && p.first.chars().nth(1).is_some() {
        let (a, b) = (short(&p.first_code), short(&p.surname_code));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        out.push(
            KeyBuilder::new(BlockingRule::SwappedNames)
                .part(lo.as_bytes())
                .part(hi.as_bytes())
                .finish(),
        );
    }
    for phone in &p.phones {
        out.push(
            KeyBuilder::new(BlockingRule::Phone)
                .part(phone.digits().as_bytes())
                .finish(),
        );
    }
    if let Some(nhs) = p.nhs_number {
        out.push(
            KeyBuilder::new(BlockingRule::NhsNumber)
                .part(nhs.to_string().as_bytes())
                .finish(),
        );
    }
    if let Some(pnc) = &p.pnc_id {
        out.push(
            KeyBuilder::new(BlockingRule::PncId)
                .part(pnc.as_str().as_bytes())
                .finish(),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Keys are already well mixed, so the map uses them as their own hash.
#[derive(Default)]
pub(crate) struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

const NIL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Entry {
    record: u32,
    next: u32,
}

#[derive(Clone, Copy, Debug)]
struct Head {
    first: u32,
    len: u32,
}

/// The blocks: for each key, the records filed under it, as linked lists in one arena so that a
/// million records do not need millions of small allocations.
#[derive(Default)]
pub(crate) struct Blocks {
    heads: HashMap<u64, Head, BuildHasherDefault<KeyIsHash>>,
    entries: Vec<Entry>,
}

impl Blocks {
    pub fn insert(&mut self, key: u64, record: u32) {
        let slot = self.entries.len() as u32;
        let head = self.heads.entry(key).or_insert(Head { first: NIL, len: 0 });
        self.entries.push(Entry {
            record,
            next: head.first,
        });
        head.first = slot;
        head.len += 1;
    }

    pub fn remove(&mut self, key: u64, record: u32) {
        let Some(head) = self.heads.get_mut(&key) else {
            return;
        };
        let mut prev = NIL;
        let mut at = head.first;
        while at != NIL {
            let Some(entry) = self.entries.get(at as usize).copied() else {
                return;
            };
            if entry.record == record {
                if prev == NIL {
                    head.first = entry.next;
                } else if let Some(p) = self.entries.get_mut(prev as usize) {
                    p.next = entry.next;
                }
                head.len -= 1;
                if head.len == 0 {
                    self.heads.remove(&key);
                }
                return;
            }
            prev = at;
            at = entry.next;
        }
    }

    /// How many records are filed under a key.
    pub fn len(&self, key: u64) -> usize {
        self.heads.get(&key).map_or(0, |h| h.len as usize)
    }

    /// The records filed under a key, newest first.
    pub fn members(&self, key: u64) -> Members<'_> {
        Members {
            entries: &self.entries,
            at: self.heads.get(&key).map_or(NIL, |h| h.first),
        }
    }

    /// How many distinct keys there are.
    pub fn key_count(&self) -> usize {
        self.heads.len()
    }
}

pub(crate) struct Members<'a> {
    entries: &'a [Entry],
    at: u32,
}

impl Iterator for Members<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let entry = self.entries.get(self.at as usize)?;
        self.at = entry.next;
        Some(entry.record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RawPersonRecord;

    fn prepared(first: &str, surname: &str, dob: &str, postcode: &str) -> Prepared {
        Prepared::new(
            &RawPersonRecord {
                first_name: first.into(),
                surname: surname.into(),
                dob: dob.into(),
                postcode: postcode.into(),
                ..Default::default()
            }
            .parse()
            .0,
        )
    }

    fn share_a_key(a: &Prepared, b: &Prepared) -> bool {
        let kb = keys(b);
        keys(a).iter().any(|k| kb.contains(k))
    }

    #[test]
    fn typical_corruptions_still_share_a_key() {
        let base = prepared("Katherine", "Smith", "1985-03-04", "LS1 4DY");
        for other in [
            prepared("Kate", "Smith", "", ""),
            prepared("Katherine", "Smyth", "1985-04-03", ""),
            prepared("Kathy", "Jones", "1985-03-04", ""),
            prepared("K", "Smith", "1985-07-09", ""),
            prepared("Kat", "Smiht", "", "ls14dy"),
            prepared("Smith", "Katherine", "", ""),
        ] {
            assert!(share_a_key(&base, &other), "{other:?}");
        }
        assert!(!share_a_key(
            &base,
            &prepared("Sunita", "Patel", "1990-11-12", "M1 1AE")
        ));
    }

    #[test]
    fn blocks_file_and_unfile_records() {
        let mut blocks = Blocks::default();
        blocks.insert(7, 1);
        blocks.insert(7, 2);
        blocks.insert(7, 3);
        blocks.insert(9, 3);
        assert_eq!(blocks.members(7).collect::<Vec<_>>(), vec![3, 2, 1]);
        assert_eq!(blocks.len(7), 3);
        blocks.remove(7, 2);
        assert_eq!(blocks.members(7).collect::<Vec<_>>(), vec![3, 1]);
        blocks.remove(7, 3);
        blocks.remove(7, 1);
        assert_eq!(blocks.len(7), 0);
        assert_eq!(blocks.members(7).count(), 0);
        assert_eq!(blocks.key_count(), 1);
        blocks.remove(42, 1);
    }
}
