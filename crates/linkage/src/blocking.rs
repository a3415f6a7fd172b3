//! Blocking: the keys under which records are filed so that only records sharing a key are
//! compared. Several loose keys together keep nearly every true pair reachable (a pair needs to
//! share only one) while comparing a tiny fraction of all pairs.
//!
//! Most keys are symmetric: a record is filed under a key and looks for others under it. A few
//! broad keys (surname and year of birth, the two names, the two names swapped) would compare
//! everyone with a common name born in a common year; for a record with a full date of birth
//! the narrower date keys already meet its other records, so such a record is only *filed*
//! under the broad key, and only records lacking a full date (or any date) *look* there. A pair
//! is compared when one record looks in a block the other is filed in; looking is arranged so
//! that this is symmetric (see [`keys_into`]).

use serde::Serialize;

use crate::names::{View, avalanche};
use crate::record::{NO_NHS, Prepared};

/// The blocking rules. A record gets one key per rule and value (a record with two postcodes
/// gets two postcode keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Phonetic code of the surname (each part of a double surname, each former name) and year
    /// of birth, with the month or the day: two full dates that differ in one of day or month
    /// (or have them transposed) still meet. A record whose date of birth is partial looks at
    /// every record of its surname and year.
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
    /// First-name group (or phonetic code) and surname phonetic code; looked in only by records
    /// without a full date of birth.
    Names,
    /// The phonetic codes of first name and surname as an unordered pair, with year of birth:
    /// meets a first/last swap. Records without a date of birth look on the codes alone.
    SwappedNames,
    /// Any phone number.
    Phone,
    NhsNumber,
    PncId,
}

impl BlockingRule {
    fn tag(self) -> u64 {
        self as u64 + 1
    }
}

/// A 64-bit key built from a rule's tag and parts (each part already a well-mixed hash).
struct KeyBuilder(u64);

impl KeyBuilder {
    fn new(rule: BlockingRule) -> Self {
        Self(avalanche(rule.tag().wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }

    fn part(self, x: u64) -> Self {
        Self((self.0.rotate_left(23) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn finish(self) -> u64 {
        avalanche(self.0)
    }
}

/// The key of the records that look in a broad block, filed beside it.
fn lookers(key: u64) -> u64 {
    avalanche(key ^ 0x6C6F_6F6B_6572_7321)
}

/// Where a record's keys go: the blocks it is filed in, and those it looks in.
struct Sink<'a> {
    file: &'a mut Vec<u64>,
    look: &'a mut Vec<u64>,
}

impl Sink<'_> {
    /// A symmetric key: filed and looked in.
    fn both(&mut self, key: u64) {
        self.file.push(key);
        self.look.push(key);
    }

    /// A broad key. Everyone is filed under it; a record that `looks` is also filed under its
    /// lookers' key and looks at everyone, and one that does not looks only at the lookers.
    /// So two records meet here when at least one of them looks, whichever side finds it.
    fn broad(&mut self, key: u64, looks: bool) {
        self.file.push(key);
        if looks {
            self.file.push(lookers(key));
            self.look.push(key);
        } else {
            self.look.push(lookers(key));
        }
    }
}

/// Every blocking key of a record, into `file` (the blocks it is filed in) and `look` (the
/// blocks it is compared against), each sorted and without duplicates.
pub(crate) fn keys_into(names: &View<'_>, p: &Prepared, file: &mut Vec<u64>, look: &mut Vec<u64>) {
    file.clear();
    look.clear();
    let mut out = Sink { file, look };
    let first = names.first(p.first_form);
    let surname = names.surname(p.surname_form);
    let empty: &[u64] = &[];
    let surname_parts = surname.map_or(empty, |s| &s.block_codes);
    let other_parts = names.others(p.other_form).map_or(empty, |o| &o.block_codes);
    let surnames = || surname_parts.iter().chain(other_parts).copied();
    let firsts = first.map_or(empty, |f| &f.block_tokens);
    let inits = first.map_or(empty, |f| &f.initials);
    let first_code = first.and_then(|f| f.block_code);
    let full_dob = p.dob.is_some_and(|d| d.is_full());
    if let Some(dob) = p.dob {
        let year = u64::from(dob.year());
        for sc in surnames() {
            out.broad(
                KeyBuilder::new(BlockingRule::SurnameSoundAndYear)
                    .part(sc)
                    .part(year)
                    .finish(),
                !full_dob,
            );
        }
        if let (Some(m), Some(d)) = (dob.month(), dob.day()) {
            let bd = u64::from(m.min(d)) << 8 | u64::from(m.max(d));
            for sc in surnames() {
                // Month and day are not told apart, so a transposed date meets as well.
                for v in [m, d] {
                    out.both(
                        KeyBuilder::new(BlockingRule::SurnameSoundAndYear)
                            .part(sc)
                            .part(year)
                            .part(u64::from(v))
                            .finish(),
                    );
                }
                out.both(
                    KeyBuilder::new(BlockingRule::SurnameAndBirthday)
                        .part(sc)
                        .part(bd)
                        .finish(),
                );
            }
            for &ft in firsts {
                out.both(
                    KeyBuilder::new(BlockingRule::FirstNameAndDob)
                        .part(ft)
                        .part(year)
                        .part(bd)
                        .finish(),
                );
            }
            for &i in inits {
                out.both(
                    KeyBuilder::new(BlockingRule::InitialAndDob)
                        .part(i)
                        .part(year)
                        .part(bd)
                        .finish(),
                );
            }
        }
    }
    for pc in p.postcodes() {
        for code in surnames().chain(first_code) {
            out.both(
                KeyBuilder::new(BlockingRule::PostcodeAndName)
                    .part(pc)
                    .part(code)
                    .finish(),
            );
        }
        for &i in inits {
            out.both(
                KeyBuilder::new(BlockingRule::PostcodeAndInitial)
                    .part(pc)
                    .part(i)
                    .finish(),
            );
        }
    }
    for &ft in firsts {
        for sc in surnames() {
            out.broad(
                KeyBuilder::new(BlockingRule::Names)
                    .part(ft)
                    .part(sc)
                    .finish(),
                !full_dob,
            );
        }
    }
    if let (Some(a), Some(b)) = (first_code, surname.and_then(|s| s.block_code)) {
        let (lo, hi) = (a.min(b), a.max(b));
        let pair = || {
            KeyBuilder::new(BlockingRule::SwappedNames)
                .part(lo)
                .part(hi)
        };
        match p.dob {
            Some(dob) => {
                out.both(pair().part(u64::from(dob.year())).finish());
                // Filed on the codes alone too, for the records without a date to find.
                out.broad(pair().finish(), false);
            }
            None => out.broad(pair().finish(), true),
        }
    }
    for phone in p.phones() {
        out.both(KeyBuilder::new(BlockingRule::Phone).part(phone).finish());
    }
    if p.nhs_number != NO_NHS {
        out.both(
            KeyBuilder::new(BlockingRule::NhsNumber)
                .part(p.nhs_number)
                .finish(),
        );
    }
    if p.pnc_id != 0 {
        out.both(KeyBuilder::new(BlockingRule::PncId).part(p.pnc_id).finish());
    }
    for v in [&mut *out.file, &mut *out.look] {
        v.sort_unstable();
        v.dedup();
    }
}

/// The blocks a record is filed in, sorted and without duplicates.
pub(crate) fn keys(names: &View<'_>, p: &Prepared) -> Vec<u64> {
    let (mut file, mut look) = (Vec::with_capacity(32), Vec::with_capacity(32));
    keys_into(names, p, &mut file, &mut look);
    file
}

/// The blocks a record is compared against, sorted and without duplicates.
pub(crate) fn look_keys(names: &View<'_>, p: &Prepared) -> Vec<u64> {
    let (mut file, mut look) = (Vec::with_capacity(32), Vec::with_capacity(32));
    keys_into(names, p, &mut file, &mut look);
    look
}

const NIL: u32 = u32::MAX;

/// The block number of each key: an open-addressing table with linear probing. Keys are
/// already well mixed, so a key's home place is its top bits; keys taken in sorted order then
/// fill the table from front to back, which is how a bulk load fills it.
#[derive(Default)]
struct KeyTable {
    /// `(key, block)`, with block [`NIL`] for an empty place; a power-of-two length, or empty.
    places: Vec<(u64, u32)>,
    len: usize,
    /// How far a key is shifted to give its home place.
    shift: u32,
}

impl KeyTable {
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The place of `key`, or the empty place where it would go.
    fn find(&self, key: u64) -> usize {
        let mask = self.places.len().wrapping_sub(1);
        let mut at = (key >> self.shift) as usize & mask;
        // The table is never full, so the search ends.
        while let Some(&(k, block)) = self.places.get(at) {
            if block == NIL || k == key {
                break;
            }
            at = (at + 1) & mask;
        }
        at
    }

    fn get(&self, key: u64) -> Option<u32> {
        match self.places.get(self.find(key)) {
            Some(&(_, block)) if block != NIL => Some(block),
            _ => None,
        }
    }

    /// Room for `more` keys beyond those held, at most three quarters full.
    fn reserve(&mut self, more: usize) {
        let want = (self.len + more).saturating_mul(4) / 3 + 1;
        if want <= self.places.len() {
            return;
        }
        let size = want.next_power_of_two().max(16);
        let old = std::mem::replace(&mut self.places, vec![(0, NIL); size]);
        self.shift = 64 - size.trailing_zeros();
        for (k, block) in old {
            if block != NIL {
                let at = self.find(k);
                if let Some(place) = self.places.get_mut(at) {
                    *place = (k, block);
                }
            }
        }
    }

    /// The block of `key`, given the number `next` if it had none.
    fn get_or_insert(&mut self, key: u64, next: u32) -> u32 {
        if self.len + 1 > self.places.len() / 4 * 3 {
            self.reserve(1);
        }
        let at = self.find(key);
        match self.places.get_mut(at) {
            Some(place) if place.1 != NIL => place.1,
            Some(place) => {
                *place = (key, next);
                self.len += 1;
                next
            }
            None => next,
        }
    }
}

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

/// The blocks: for each key, the records filed under it.
///
/// A batch of records is filed at once into a packed base: each block's members are one run
/// of a single array, in id order, so a million records need a handful of allocations and
/// reading a block reads consecutive memory. Records filed one at a time afterwards go into
/// linked lists in one arena. A base record that is changed or removed is marked stale and
/// skipped (its base entries stay; each block keeps an exact count of its live members).
#[derive(Default)]
pub(crate) struct Blocks {
    /// Block number of each key.
    slots: KeyTable,
    /// For each base block, its run of `base_members` and how many of them are live.
    base: Vec<BaseBlock>,
    base_members: Vec<u32>,
    /// Records filed in the base (ids below this) that are still filed there.
    base_records: u32,
    stale: Vec<bool>,
    stale_count: usize,
    /// Records filed one at a time: per block, a linked list in `entries` (allocated only
    /// once a record is filed this way).
    heads: Vec<Head>,
    /// Blocks with records filed one at a time.
    delta_blocks: usize,
    entries: Vec<Entry>,
}

/// A block of the packed base: its members are `base_members[start..end]`, of which `live`
/// are still filed there. Kept together so that reading a block touches one place.
#[derive(Clone, Copy, Debug)]
struct BaseBlock {
    start: u32,
    end: u32,
    live: u32,
}

/// Why a bulk load was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooMany;

impl Blocks {
    /// File records `0..n` at once into an empty store: record `i` under the keys
    /// `key_start[i]..key_start[i + 1]` of `keys`, read as one sequence (the batch's keys
    /// arrive in a few consecutive parts, each freed once it has been read). Returns the block
    /// number of every key, in order.
    pub fn bulk(
        &mut self,
        n: usize,
        keys: Vec<Vec<u64>>,
        key_start: &[usize],
    ) -> Result<Vec<u32>, TooMany> {
        if !self.slots.is_empty() || !self.entries.is_empty() || key_start.len() != n + 1 {
            return Err(TooMany);
        }
        let n32 = u32::try_from(n).map_err(|_| TooMany)?;
        let total: usize = keys.iter().map(Vec::len).sum();
        u32::try_from(total).map_err(|_| TooMany)?;
        if key_start.last() != Some(&total) {
            return Err(TooMany);
        }
        // Every key with its position, grouped by its top bits, then sorted within each group:
        // the keys in order, each key's positions in order. Each is kept as three 32-bit words
        // (key high, key low, position), which sort the same way and take 12 bytes, not 16.
        let bits = (usize::BITS - (total / 2048).leading_zeros()).min(16);
        let group_of = |k: u64| {
            if bits == 0 {
                0
            } else {
                (k >> (64 - bits)) as usize
            }
        };
        let mut group_start = vec![0usize; (1 << bits) + 1];
        for k in keys.iter().flatten() {
            if let Some(c) = group_start.get_mut(group_of(*k) + 1) {
                *c += 1;
            }
        }
        for g in 1..group_start.len() {
            let before = group_start.get(g - 1).copied().unwrap_or(0);
            if let Some(c) = group_start.get_mut(g) {
                *c += before;
            }
        }
        let mut sorted: Vec<[u32; 3]> = vec![[0; 3]; total];
        {
            let mut fill = group_start.clone();
            let mut position = 0u32;
            for part in keys {
                for k in part {
                    if let Some(at) = fill.get_mut(group_of(k)) {
                        if let Some(x) = sorted.get_mut(*at) {
                            *x = [(k >> 32) as u32, k as u32, position];
                        }
                        *at += 1;
                    }
                    position += 1;
                }
            }
        }
        for w in group_start.windows(2) {
            if let (Some(&lo), Some(&hi)) = (w.first(), w.get(1))
                && let Some(g) = sorted.get_mut(lo..hi)
            {
                g.sort_unstable();
            }
        }
        // Blocks are numbered in the order their keys first occur: mark each key's first
        // position, then number the marks in position order.
        const FIRST: u32 = NIL - 1;
        let mut slot_of: Vec<u32> = vec![NIL; total];
        let runs = || sorted.chunk_by(|x, y| x[..2] == y[..2]);
        for run in runs() {
            if let Some(&[_, _, first]) = run.first()
                && let Some(s) = slot_of.get_mut(first as usize)
            {
                *s = FIRST;
            }
        }
        let mut blocks = 0u32;
        for s in &mut slot_of {
            if *s == FIRST {
                *s = blocks;
                blocks += 1;
            }
        }
        // Each block's size is counted in `live` first, then its run is laid out.
        let mut base: Vec<BaseBlock> = vec![
            BaseBlock {
                start: 0,
                end: 0,
                live: 0,
            };
            blocks as usize
        ];
        self.slots.reserve(blocks as usize);
        for run in runs() {
            let Some(&[high, low, first]) = run.first() else {
                continue;
            };
            let key = (u64::from(high) << 32) | u64::from(low);
            let slot = slot_of.get(first as usize).copied().unwrap_or(NIL);
            self.slots.get_or_insert(key, slot);
            if let Some(b) = base.get_mut(slot as usize) {
                b.live = run.len() as u32;
            }
            for &[_, _, position] in run.get(1..).unwrap_or(&[]) {
                if let Some(s) = slot_of.get_mut(position as usize) {
                    *s = slot;
                }
            }
        }
        drop(sorted);
        // `end` is where the next member goes until every member is placed.
        let mut at = 0u32;
        for b in &mut base {
            b.start = at;
            b.end = at;
            at += b.live;
        }
        let mut members = vec![0u32; total];
        for (record, w) in key_start.windows(2).enumerate() {
            let (Some(&lo), Some(&hi)) = (w.first(), w.get(1)) else {
                continue;
            };
            for &slot in slot_of.get(lo..hi).unwrap_or(&[]) {
                if let Some(b) = base.get_mut(slot as usize) {
                    if let Some(m) = members.get_mut(b.end as usize) {
                        *m = record as u32;
                    }
                    b.end += 1;
                }
            }
        }
        self.base = base;
        self.base_members = members;
        self.base_records = n32;
        self.stale = vec![false; n];
        Ok(slot_of)
    }

    /// The block number of a key, if any record was ever filed under it.
    pub fn slot(&self, key: u64) -> Option<u32> {
        self.slots.get(key)
    }

    pub fn insert(&mut self, key: u64, record: u32) {
        let next = self.slots.len() as u32;
        let slot = self.slots.get_or_insert(key, next);
        let at = self.entries.len() as u32;
        if self.heads.len() <= slot as usize {
            self.heads
                .resize(slot as usize + 1, Head { first: NIL, len: 0 });
        }
        let Some(head) = self.heads.get_mut(slot as usize) else {
            return;
        };
        self.entries.push(Entry {
            record,
            next: head.first,
        });
        head.first = at;
        head.len += 1;
        if head.len == 1 {
            self.delta_blocks += 1;
        }
    }

    /// True when a key no record of the bulk load was filed under has been used since (its
    /// block number is not known to anything computed at the load).
    pub fn has_keys_since_bulk(&self) -> bool {
        self.slots.len() > self.base.len()
    }

    /// True while a record filed in the base still has its base keys (it was not changed or
    /// removed since).
    pub fn in_base(&self, record: u32) -> bool {
        record < self.base_records && !self.stale.get(record as usize).copied().unwrap_or(true)
    }

    /// Unfile a record from every one of its keys.
    pub fn remove_record(&mut self, keys: &[u64], record: u32) {
        if self.in_base(record) {
            for key in keys {
                if let Some(slot) = self.slot(*key)
                    && let Some(b) = self.base.get_mut(slot as usize)
                {
                    b.live = b.live.saturating_sub(1);
                }
            }
            if let Some(s) = self.stale.get_mut(record as usize) {
                *s = true;
                self.stale_count += 1;
            }
            return;
        }
        for key in keys {
            self.remove(*key, record);
        }
    }

    fn remove(&mut self, key: u64, record: u32) {
        let Some(slot) = self.slot(key) else {
            return;
        };
        let Some(head) = self.heads.get_mut(slot as usize) else {
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
                    self.delta_blocks -= 1;
                }
                return;
            }
            prev = at;
            at = entry.next;
        }
    }

    /// How many records are filed in a block.
    pub fn slot_len(&self, slot: u32) -> usize {
        let base = self.base.get(slot as usize).map_or(0, |b| b.live);
        let delta = self.heads.get(slot as usize).map_or(0, |h| h.len);
        (base + delta) as usize
    }

    /// How many records are filed under a key.
    #[cfg(test)]
    pub fn len(&self, key: u64) -> usize {
        self.slot(key).map_or(0, |s| self.slot_len(s))
    }

    /// The base members of a block, in id order, stale ones included.
    pub fn base_members(&self, slot: u32) -> &[u32] {
        match self.base.get(slot as usize) {
            Some(b) => self
                .base_members
                .get(b.start as usize..b.end as usize)
                .unwrap_or(&[]),
            None => &[],
        }
    }

    /// Append a block's live members with ids below `below` (all when `None`) to `out`: base
    /// members in id order, then those filed since.
    pub fn collect_members(&self, slot: u32, below: Option<u32>, out: &mut Vec<u32>) {
        let base = self.base_members(slot);
        // Base members are in id order, so those below the bound are a prefix.
        let base = match below {
            Some(b) => base.get(..base.partition_point(|&m| m < b)).unwrap_or(&[]),
            None => base,
        };
        if self.stale_count == 0 {
            out.extend_from_slice(base);
        } else {
            out.extend(
                base.iter()
                    .copied()
                    .filter(|r| !self.stale.get(*r as usize).copied().unwrap_or(false)),
            );
        }
        if self.delta_blocks > 0 {
            let delta = Members {
                entries: &self.entries,
                at: self.heads.get(slot as usize).map_or(NIL, |h| h.first),
            };
            out.extend(delta.filter(|r| below.is_none_or(|b| *r < b)));
        }
    }

    /// The live records in a block: base members first (in id order), then those filed since
    /// (newest first).
    #[cfg(test)]
    pub fn slot_members(&self, slot: u32) -> impl Iterator<Item = u32> + '_ {
        let base = self
            .base_members(slot)
            .iter()
            .copied()
            .filter(|r| !self.stale.get(*r as usize).copied().unwrap_or(false));
        let delta = Members {
            entries: &self.entries,
            at: self.heads.get(slot as usize).map_or(NIL, |h| h.first),
        };
        base.chain(delta)
    }

    /// The records filed under a key.
    #[cfg(test)]
    pub fn members(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        self.slot(key)
            .into_iter()
            .flat_map(move |s| self.slot_members(s))
    }

    /// How many distinct keys are in use.
    pub fn key_count(&self) -> usize {
        let base_used = self.base.iter().filter(|b| b.live > 0).count();
        let delta_only = self
            .heads
            .iter()
            .enumerate()
            .filter(|(s, h)| h.len > 0 && self.base.get(*s).is_none_or(|b| b.live == 0))
            .count();
        base_used + delta_only
    }
}

struct Members<'a> {
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
    use crate::record::{PersonRecord, RawPersonRecord};

    fn person(first: &str, surname: &str, dob: &str, postcode: &str) -> PersonRecord {
        RawPersonRecord {
            first_name: first.into(),
            surname: surname.into(),
            dob: dob.into(),
            postcode: postcode.into(),
            ..Default::default()
        }
        .parse()
        .0
    }

    fn share_a_key(a: &PersonRecord, b: &PersonRecord) -> bool {
        let (names, p) = crate::record::prepare_fresh(&[a, b]);
        let view = View::new(&names);
        let meets = |x: &Prepared, y: &Prepared| {
            let filed = keys(&view, y);
            look_keys(&view, x).iter().any(|k| filed.contains(k))
        };
        let (ab, ba) = (meets(&p[0], &p[1]), meets(&p[1], &p[0]));
        assert_eq!(ab, ba, "meeting is symmetric");
        ab
    }

    #[test]
    fn typical_corruptions_still_share_a_key() {
        let base = person("Katherine", "Smith", "1985-03-04", "LS1 4DY");
        for other in [
            person("Kate", "Smith", "", ""),
            person("Katherine", "Smyth", "1985-04-03", ""),
            person("Kathy", "Jones", "1985-03-04", ""),
            // An initial with a slip in the day; and a partial date of birth.
            person("K", "Smith", "1985-03-09", ""),
            person("Kathy", "Smith", "1985", ""),
            person("Kat", "Smiht", "", "ls14dy"),
            person("Smith", "Katherine", "", ""),
        ] {
            assert!(share_a_key(&base, &other), "{other:?}");
        }
        assert!(!share_a_key(
            &base,
            &person("Sunita", "Patel", "1990-11-12", "M1 1AE")
        ));
    }

    #[test]
    fn a_bulk_load_then_changes_keep_exact_blocks() {
        let mut blocks = Blocks::default();
        // Records 0, 1, 2 with keys {7, 9}, {7}, {7, 9}.
        let keys = vec![vec![7, 9, 7], vec![7, 9]];
        let slots = blocks.bulk(3, keys, &[0, 2, 3, 5]).unwrap();
        assert_eq!(slots, vec![0, 1, 0, 0, 1]);
        assert_eq!(blocks.members(7).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(blocks.len(9), 2);
        blocks.remove_record(&[7, 9], 0);
        assert_eq!(blocks.members(7).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!((blocks.len(7), blocks.len(9)), (2, 1));
        // Record 0 comes back with other keys, filed one at a time.
        blocks.insert(11, 0);
        blocks.insert(7, 3);
        assert_eq!(blocks.members(7).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(blocks.members(11).collect::<Vec<_>>(), vec![0]);
        assert_eq!(blocks.key_count(), 3);
        blocks.remove_record(&[7], 3);
        assert_eq!(blocks.len(7), 2);
        let mut out = Vec::new();
        blocks.collect_members(blocks.slot(7).unwrap(), Some(2), &mut out);
        assert_eq!(out, vec![1]);
        assert!(
            blocks.bulk(1, vec![vec![1]], &[0, 1]).is_err(),
            "only into an empty store"
        );
    }

    #[test]
    fn a_bulk_load_numbers_blocks_in_the_order_keys_first_occur() {
        use std::collections::HashMap;
        let mut rng = crate::rng::Rng::new(5);
        // Keys from a small pool, so most repeat; some share their top bits.
        let pool: Vec<u64> = (0..3_000)
            .map(|i| {
                let k = avalanche(i);
                if i % 7 == 0 { k & !0xffff } else { k }
            })
            .collect();
        let n = 4_000;
        let mut key_start = vec![0usize];
        let mut all = Vec::new();
        for _ in 0..n {
            for _ in 0..1 + rng.below(4) {
                all.push(pool[rng.below(pool.len())]);
            }
            key_start.push(all.len());
        }
        let mut expected_slot: HashMap<u64, u32> = HashMap::new();
        let expected: Vec<u32> = all
            .iter()
            .map(|k| {
                let next = expected_slot.len() as u32;
                *expected_slot.entry(*k).or_insert(next)
            })
            .collect();
        let (a, b) = all.split_at(all.len() / 3);
        let mut blocks = Blocks::default();
        let slots = blocks
            .bulk(n, vec![a.to_vec(), b.to_vec()], &key_start)
            .unwrap();
        assert_eq!(slots, expected);
        for (&key, &slot) in &expected_slot {
            assert_eq!(blocks.slot(key), Some(slot));
            let members: Vec<u32> = (0..n as u32)
                .filter(|&r| {
                    let (lo, hi) = (key_start[r as usize], key_start[r as usize + 1]);
                    all[lo..hi].contains(&key)
                })
                .collect();
            let mut filed: Vec<u32> = blocks.members(key).collect();
            filed.dedup();
            assert_eq!(filed, members);
        }
        assert_eq!(blocks.slot(avalanche(1_000_000)), None);
        assert!(!blocks.has_keys_since_bulk());
        // New keys after the load continue the numbering, and the table grows as needed.
        for i in 0..10_000u64 {
            blocks.insert(avalanche(2_000_000 + i), 1);
        }
        assert!(blocks.has_keys_since_bulk());
        let fresh = expected_slot.len() as u32;
        assert_eq!(blocks.slot(avalanche(2_000_000)), Some(fresh));
        assert_eq!(blocks.slot(avalanche(2_009_999)), Some(fresh + 9_999));
        assert_eq!(blocks.slot(pool[3]), expected_slot.get(&pool[3]).copied());
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
