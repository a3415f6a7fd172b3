//! Interned names. Every distinct normalised name word is stored once, with what comparisons
//! read from it (its nickname groups, whether it is an initial, its canonical form), and every
//! distinct first-name, surname and other-names field as written is normalised once into a
//! *form* holding word ids and the blocking parts. A prepared record then carries small ids
//! instead of strings, so comparing two records mostly compares integers and never normalises
//! or allocates.
//!
//! An index owns one [`Names`]. A query for a record that is not in the index interns its names
//! into a small overlay on top of the index's table, so the index is not changed by a query;
//! ids in the overlay continue after the index's own.

use crate::hashing::FastMap;
use crate::nicknames::{self, NameGroup};
use crate::normalise;
use crate::phonetic;

/// The id used for "no value" (an empty name, a name with no phonetic code).
pub(crate) const NONE: u32 = u32::MAX;

/// Phonetic codes are cut to this many letters for blocking, so long names still meet after a
/// late typo.
const CODE_LEN: usize = 6;

fn short(code: &str) -> &str {
    code.get(..code.len().min(CODE_LEN)).unwrap_or(code)
}

/// A 64-bit hash of a tagged byte string (FNV-1a, then a final avalanche): one part of a
/// blocking key.
pub(crate) fn part_hash(tag: u8, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(&tag).chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    avalanche(h)
}

pub(crate) fn avalanche(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The blocking part for a phonetic code (cut short): first-name and surname codes hash alike,
/// so a name written in the other field still meets.
fn code_part(code: &str) -> Option<u64> {
    (!code.is_empty()).then(|| part_hash(b'p', short(code).as_bytes()))
}

/// One distinct normalised word (or compact surname, or whole first-name field).
#[derive(Clone, Debug)]
pub(crate) struct Word {
    pub text: Box<str>,
    /// The nickname groups the word is in (empty for a word outside the table).
    pub groups: &'static [NameGroup],
    /// The id of its canonical form (`kate` → `katherine`; itself outside the table).
    pub canonical: u32,
    /// A single character: an initial.
    pub initial: bool,
    pub first_char: Option<char>,
}

/// A first-name field as written, normalised.
#[derive(Clone, Debug)]
pub(crate) struct FirstForm {
    /// The first word (the name the person is called by), or [`NONE`].
    pub first: u32,
    /// The whole field (`mary jane`); the same as `first` for one word.
    pub full: u32,
    /// Every word.
    pub tokens: Box<[u32]>,
    /// Nickname groups of every word (or, for a name outside the table, of the table names it
    /// is a near-spelling of), sorted.
    pub groups: Box<[NameGroup]>,
    /// Blocking parts of the first name: each group, and the phonetic code of a first word
    /// that is more than an initial.
    pub block_tokens: Box<[u64]>,
    /// The phonetic code part of a first word that is more than an initial.
    pub block_code: Option<u64>,
    /// Blocking parts of the initials (of the word and of each group's canonical name).
    pub initials: Box<[u64]>,
}

/// A surname field as written, normalised.
#[derive(Clone, Debug)]
pub(crate) struct SurnameForm {
    /// The surname with word breaks removed (`smithjones`), or [`NONE`].
    pub compact: u32,
    pub tokens: Box<[u32]>,
    /// The id of the NYSIIS code of the compact surname, or [`NONE`] when it has none.
    pub code: u32,
    /// The code part of the compact surname.
    pub block_code: Option<u64>,
    /// Code parts of the compact surname and, for a double surname, of each part.
    pub block_codes: Box<[u64]>,
}

/// The other names of a record (maiden names, aliases), as words.
#[derive(Clone, Debug, Default)]
pub(crate) struct OtherForm {
    /// Every word of every other name, sorted by id, without duplicates.
    pub tokens: Box<[u32]>,
    /// Code parts of each word.
    pub block_codes: Box<[u64]>,
}

/// A table of interned words and forms.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    words: Vec<Word>,
    word_ids: FastMap<Box<str>, u32>,
    codes: FastMap<Box<str>, u32>,
    firsts: Vec<FirstForm>,
    first_ids: FastMap<Box<str>, u32>,
    surnames: Vec<SurnameForm>,
    surname_ids: FastMap<Box<str>, u32>,
    others: Vec<OtherForm>,
    other_ids: FastMap<Box<str>, u32>,
}

impl Names {
    /// How many distinct words are interned.
    #[cfg(test)]
    pub fn word_count(&self) -> usize {
        self.words.len()
    }
}

fn id_of(len: usize) -> u32 {
    // More than four billion distinct names is far beyond any index; ids saturate below NONE.
    u32::try_from(len).unwrap_or(NONE - 1).min(NONE - 1)
}

/// Interns into `own`, reusing whatever `base` (the index's table, for a query's overlay)
/// already holds. Ids in `own` continue after `base`'s.
pub(crate) struct Interner<'a> {
    pub base: Option<&'a Names>,
    pub own: &'a mut Names,
}

impl Interner<'_> {
    fn base_len<T>(&self, f: impl Fn(&Names) -> &Vec<T>) -> usize {
        self.base.map_or(0, |b| f(b).len())
    }

    pub fn word(&mut self, text: &str) -> u32 {
        if let Some(id) = self.base.and_then(|b| b.word_ids.get(text)) {
            return *id;
        }
        let offset = self.base_len(|n| &n.words);
        if let Some(id) = self.own.word_ids.get(text) {
            return *id;
        }
        let canonical_text = nicknames::canonical(text);
        let id = id_of(offset + self.own.words.len());
        let mut chars = text.chars();
        let first_char = chars.next();
        let word = Word {
            text: text.into(),
            groups: nicknames::groups(text),
            canonical: id,
            initial: chars.next().is_none(),
            first_char,
        };
        self.own.words.push(word);
        self.own.word_ids.insert(text.into(), id);
        if canonical_text != text {
            let canonical = self.word(canonical_text);
            let local = (id as usize).saturating_sub(offset);
            if let Some(w) = self.own.words.get_mut(local) {
                w.canonical = canonical;
            }
        }
        id
    }

    fn code(&mut self, code: &str) -> u32 {
        if code.is_empty() {
            return NONE;
        }
        if let Some(id) = self.base.and_then(|b| b.codes.get(code)) {
            return *id;
        }
        let offset = self.base.map_or(0, |b| b.codes.len());
        let next = id_of(offset + self.own.codes.len());
        *self.own.codes.entry(code.into()).or_insert(next)
    }

    fn lookup(&self, id: u32) -> Option<&Word> {
        let offset = self.base_len(|n| &n.words);
        match self.base {
            Some(b) if (id as usize) < offset => b.words.get(id as usize),
            _ => self.own.words.get((id as usize).checked_sub(offset)?),
        }
    }

    /// The form of a first-name field as written.
    pub fn first(&mut self, raw: &str) -> u32 {
        if let Some(id) = self.base.and_then(|b| b.first_ids.get(raw)) {
            return *id;
        }
        if let Some(id) = self.own.first_ids.get(raw) {
            return *id;
        }
        let tokens_text = normalise::name_tokens(raw);
        let tokens: Box<[u32]> = tokens_text.iter().map(|t| self.word(t)).collect();
        let first_text = tokens_text.first().map(String::as_str).unwrap_or("");
        let first = tokens.first().copied().unwrap_or(NONE);
        let full = if tokens.len() > 1 {
            self.word(&tokens_text.join(" "))
        } else {
            first
        };
        let mut groups: Vec<NameGroup> = tokens
            .iter()
            .filter_map(|t| self.lookup(*t))
            .flat_map(|w| w.groups.iter().copied())
            .collect();
        if groups.is_empty() {
            groups = nicknames::near_groups(first_text);
        }
        groups.sort_unstable();
        groups.dedup();
        let more_than_initial = first_text.chars().nth(1).is_some();
        let block_code = if more_than_initial {
            code_part(&phonetic::nysiis(first_text))
        } else {
            None
        };
        let mut block_tokens: Vec<u64> = groups
            .iter()
            .map(|g| part_hash(b'g', &g.id().to_le_bytes()))
            .collect();
        block_tokens.extend(block_code);
        let mut initials: Vec<char> = first_text.chars().next().into_iter().collect();
        initials.extend(groups.iter().filter_map(|g| g.canonical().chars().next()));
        initials.sort_unstable();
        initials.dedup();
        let initials = initials
            .iter()
            .map(|c| {
                let mut buf = [0u8; 4];
                part_hash(b'i', c.encode_utf8(&mut buf).as_bytes())
            })
            .collect();
        let form = FirstForm {
            first,
            full,
            tokens,
            groups: groups.into(),
            block_tokens: block_tokens.into(),
            block_code,
            initials,
        };
        let id = id_of(self.base_len(|n| &n.firsts) + self.own.firsts.len());
        self.own.firsts.push(form);
        self.own.first_ids.insert(raw.into(), id);
        id
    }

    /// The form of a surname field as written.
    pub fn surname(&mut self, raw: &str) -> u32 {
        if let Some(id) = self.base.and_then(|b| b.surname_ids.get(raw)) {
            return *id;
        }
        if let Some(id) = self.own.surname_ids.get(raw) {
            return *id;
        }
        let tokens_text = normalise::name_tokens(raw);
        let compact_text = tokens_text.concat();
        let tokens: Box<[u32]> = tokens_text.iter().map(|t| self.word(t)).collect();
        let compact = if compact_text.is_empty() {
            NONE
        } else {
            self.word(&compact_text)
        };
        let code_text = phonetic::nysiis(&compact_text);
        let code = self.code(&code_text);
        let block_code = code_part(&code_text);
        let mut block_codes: Vec<u64> = block_code.into_iter().collect();
        if tokens_text.len() > 1 {
            block_codes.extend(
                tokens_text
                    .iter()
                    .filter_map(|t| code_part(&phonetic::nysiis(t))),
            );
        }
        block_codes.sort_unstable();
        block_codes.dedup();
        let form = SurnameForm {
            compact,
            tokens,
            code,
            block_code,
            block_codes: block_codes.into(),
        };
        let id = id_of(self.base_len(|n| &n.surnames) + self.own.surnames.len());
        self.own.surnames.push(form);
        self.own.surname_ids.insert(raw.into(), id);
        id
    }

    /// The form of a record's other names, or [`NONE`] when it has none.
    pub fn others(&mut self, raw: &[String]) -> u32 {
        if raw.is_empty() {
            return NONE;
        }
        let key = raw.join("\u{1f}");
        if let Some(id) = self.base.and_then(|b| b.other_ids.get(key.as_str())) {
            return *id;
        }
        if let Some(id) = self.own.other_ids.get(key.as_str()) {
            return *id;
        }
        let mut words: Vec<String> = raw.iter().flat_map(|n| normalise::name_tokens(n)).collect();
        words.sort();
        words.dedup();
        let id = if words.is_empty() {
            NONE
        } else {
            let mut tokens: Vec<u32> = words.iter().map(|t| self.word(t)).collect();
            tokens.sort_unstable();
            tokens.dedup();
            let mut block_codes: Vec<u64> = words
                .iter()
                .filter_map(|t| code_part(&phonetic::nysiis(t)))
                .collect();
            block_codes.sort_unstable();
            block_codes.dedup();
            let id = id_of(self.base_len(|n| &n.others) + self.own.others.len());
            self.own.others.push(OtherForm {
                tokens: tokens.into(),
                block_codes: block_codes.into(),
            });
            id
        };
        self.own.other_ids.insert(key.into(), id);
        id
    }
}

/// Read access to an index's names, with a query's overlay when there is one.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub base: &'a Names,
    pub extra: Option<&'a Names>,
}

fn pick<'a, T>(base: &'a [T], extra: Option<&'a Vec<T>>, id: u32) -> Option<&'a T> {
    let i = id as usize;
    match base.get(i) {
        Some(x) => Some(x),
        None => extra?.get(i.checked_sub(base.len())?),
    }
}

impl<'a> View<'a> {
    pub fn new(base: &'a Names) -> Self {
        Self { base, extra: None }
    }

    /// How many words the index's own table holds: ids below this are the table's, ids at or
    /// above it are a query's overlay.
    pub fn base_word_count(&self) -> usize {
        self.base.words.len()
    }

    pub fn word(&self, id: u32) -> Option<&'a Word> {
        pick(&self.base.words, self.extra.map(|e| &e.words), id)
    }

    /// A word's text ("" for [`NONE`]).
    pub fn text(&self, id: u32) -> &'a str {
        self.word(id).map_or("", |w| &w.text)
    }

    pub fn first(&self, id: u32) -> Option<&'a FirstForm> {
        pick(&self.base.firsts, self.extra.map(|e| &e.firsts), id)
    }

    pub fn surname(&self, id: u32) -> Option<&'a SurnameForm> {
        pick(&self.base.surnames, self.extra.map(|e| &e.surnames), id)
    }

    pub fn others(&self, id: u32) -> Option<&'a OtherForm> {
        pick(&self.base.others, self.extra.map(|e| &e.others), id)
    }

    /// The words of a record's other names (empty for none).
    pub fn other_tokens(&self, id: u32) -> &'a [u32] {
        self.others(id).map_or(&[], |o| &o.tokens)
    }

    /// True when two words share a nickname group (`kate`/`kathy`).
    pub fn related(&self, a: u32, b: u32) -> bool {
        match (self.word(a), self.word(b)) {
            (Some(x), Some(y)) => x.groups.iter().any(|g| y.groups.contains(g)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_share_words_and_an_overlay_reuses_the_base() {
        let mut base = Names::default();
        let mut i = Interner {
            base: None,
            own: &mut base,
        };
        let kate = i.first("Kate");
        let mary_jane = i.first("Mary-Jane");
        let smith = i.surname("Smith-Jones");
        let view = View::new(&base);
        let k = view.first(kate).unwrap();
        assert_eq!(view.text(k.first), "kate");
        assert_eq!(
            view.text(view.word(k.first).unwrap().canonical),
            "katherine"
        );
        let mj = view.first(mary_jane).unwrap();
        assert_eq!(view.text(mj.full), "mary jane");
        assert_eq!(mj.tokens.len(), 2);
        let s = view.surname(smith).unwrap();
        assert_eq!(view.text(s.compact), "smithjones");
        assert_eq!(s.tokens.len(), 2);
        assert_eq!(s.block_codes.len(), 3);

        let mut overlay = Names::default();
        let mut q = Interner {
            base: Some(&base),
            own: &mut overlay,
        };
        assert_eq!(q.first("Kate"), kate);
        let zeb = q.first("Zebedee");
        let view = View {
            base: &base,
            extra: Some(&overlay),
        };
        assert_eq!(view.text(view.first(zeb).unwrap().first), "zebedee");
        assert!(view.first(zeb).unwrap().first as usize >= base.word_count());
        assert!(view.related(k.first, view.word(k.first).unwrap().canonical));
    }
}
