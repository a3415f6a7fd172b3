//! The incremental in-memory index: add, change or remove one record, and query one record
//! against everyone known, without rebuilding. A server keeps one warm and updates it as
//! records change.

use serde::{Deserialize, Serialize};

use crate::blocking::{self, Blocks};
use crate::compare::{self, ComparisonVector, FirstNameLevel, Similarities, SurnameLevel};
use crate::estimate::{self, TrainingOptions, TrainingReport};
use crate::link::{PhaseTime, Stopwatch};
use crate::model::{Evaluation, Explanation, Model, SharedValueFrequencies, TermCounts};
use crate::names::{Interner, NONE, Names, View};
use crate::record::{PersonRecord, Prepared};

/// A record's id in an index: its insertion number. Ids are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordId(pub u32);

/// A possible match for a queried record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Match {
    pub record: RecordId,
    pub probability: f64,
    pub explanation: Explanation,
}

/// How many matches a query returns, and how weak a match may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueryOptions {
    pub limit: usize,
    pub min_probability: f64,
}

impl Default for QueryOptions {
    fn default() -> Self {
        Self {
            limit: 10,
            min_probability: 0.05,
        }
    }
}

/// Why an index operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("no record {0:?} in the index")]
    UnknownRecord(RecordId),
    #[error("the index is full (4 billion records)")]
    Full,
}

/// The default largest block compared in full; bigger blocks are too common a value to be
/// evidence and are skipped (other keys still reach their pairs).
pub const DEFAULT_MAX_BLOCK: usize = 1_000;

/// An incremental index of person records.
pub struct Index {
    model: Model,
    names: Names,
    records: Vec<Option<Prepared>>,
    blocks: Blocks,
    surnames: TermCounts,
    first_names: TermCounts,
    live: usize,
    max_block: usize,
    looks: StoredLooks,
}

/// The blocks each record of a bulk load looks in, as block numbers, in a few parts of
/// consecutive records. Valid for a record while it keeps its base keys and no block has been
/// added since the load.
#[derive(Default)]
struct StoredLooks {
    parts: Vec<LookPart>,
}

/// The looks of records `first..first + start.len() - 1`: record `first + i`'s are
/// `slots[start[i]..start[i + 1]]`.
struct LookPart {
    first: u32,
    slots: Vec<u32>,
    start: Vec<u32>,
}

impl Default for Index {
    fn default() -> Self {
        Self::new(Model::default())
    }
}

impl Index {
    /// An empty index scoring with `model`.
    pub fn new(model: Model) -> Self {
        Self {
            model,
            names: Names::default(),
            records: Vec::new(),
            blocks: Blocks::default(),
            surnames: TermCounts::default(),
            first_names: TermCounts::default(),
            live: 0,
            max_block: DEFAULT_MAX_BLOCK,
            looks: StoredLooks::default(),
        }
    }

    /// Set the largest block compared in full.
    pub fn with_max_block(mut self, max_block: usize) -> Self {
        self.max_block = max_block.max(2);
        self
    }

    /// How many records the index holds.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The model used for scoring.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Score with a different model from now on.
    pub fn set_model(&mut self, model: Model) {
        self.model = model;
    }

    /// How many distinct blocking keys are in use.
    pub fn block_count(&self) -> usize {
        self.blocks.key_count()
    }

    /// The index's names, for reading.
    pub(crate) fn view(&self) -> View<'_> {
        View::new(&self.names)
    }

    fn prepare(&mut self, record: &PersonRecord) -> Prepared {
        let mut interner = Interner {
            base: None,
            own: &mut self.names,
        };
        Prepared::new(&mut interner, record)
    }

    /// Add a record.
    pub fn insert(&mut self, record: &PersonRecord) -> Result<RecordId, IndexError> {
        let id = u32::try_from(self.records.len()).map_err(|_| IndexError::Full)?;
        if id == u32::MAX {
            return Err(IndexError::Full);
        }
        let prepared = self.prepare(record);
        self.file(id, &prepared);
        self.records.push(Some(prepared));
        self.live += 1;
        Ok(RecordId(id))
    }

    /// Add a batch of records to an empty index at once, computing blocking keys on `threads`
    /// threads and filing them into the packed base. `false` (and nothing added) when the index
    /// is not empty or the batch is too large.
    pub(crate) fn bulk_load(
        &mut self,
        records: &[PersonRecord],
        threads: usize,
        phases: &mut Vec<PhaseTime>,
    ) -> bool {
        if !self.records.is_empty() || records.len() >= u32::MAX as usize {
            return false;
        }
        let mut clock = Stopwatch::new(phases);
        let mut interner = Interner {
            base: None,
            own: &mut self.names,
        };
        let prepared: Vec<Prepared> = records
            .iter()
            .map(|r| Prepared::new(&mut interner, r))
            .collect();
        clock.lap("index: normalise and intern names");
        let view = View::new(&self.names);
        let chunk = prepared.len().div_ceil(threads.max(1)).max(1);
        let parts: Vec<BatchKeys> = std::thread::scope(|scope| {
            let handles: Vec<_> = prepared
                .chunks(chunk)
                .map(|part| (part, scope.spawn(move || keys_of(&view, part))))
                .collect();
            handles
                .into_iter()
                // A failed worker's share is redone here, never dropped.
                .map(|(part, h)| h.join().unwrap_or_else(|_| keys_of(&view, part)))
                .collect()
        });
        clock.lap("index: blocking keys");
        let mut key_start: Vec<usize> = Vec::with_capacity(prepared.len() + 1);
        key_start.push(0);
        for part in &parts {
            for &c in &part.file_counts {
                let last = key_start.last().copied().unwrap_or(0);
                key_start.push(last + c as usize);
            }
        }
        // Every look fits the stored form; checked before anything is filed, so that a refused
        // load leaves the index empty.
        let looks_total: usize = parts.iter().map(|p| p.looks.looks.len()).sum();
        if u32::try_from(looks_total).is_err()
            || parts
                .iter()
                .any(|p| p.looks.look_keys.len() >= LOOK_ELSEWHERE as usize)
        {
            return false;
        }
        let mut file_keys: Vec<Vec<u64>> = Vec::with_capacity(parts.len());
        let mut looks: Vec<BatchLooks> = Vec::with_capacity(parts.len());
        for part in parts {
            file_keys.push(part.file);
            looks.push(part.looks);
        }
        let Ok(slot_of) = self.blocks.bulk(prepared.len(), file_keys, &key_start) else {
            return false;
        };
        clock.lap("index: file into blocks");
        // Each record's look keys as block numbers, so that a batch run finds its candidates
        // without computing keys or searching the key table again.
        let blocks = &self.blocks;
        let (slot_of, key_start) = (&slot_of, &key_start);
        let mut first = 0usize;
        let stored: Option<Vec<LookPart>> = std::thread::scope(|scope| {
            let handles: Vec<_> = looks
                .into_iter()
                .map(|part| {
                    let at = first;
                    first += part.counts.len();
                    scope.spawn(move || resolve_looks(blocks, slot_of, key_start, at, part))
                })
                .collect();
            // A failed worker's part is lost; the records' keys are then computed when needed.
            handles.into_iter().map(|h| h.join().ok()).collect()
        });
        self.looks = StoredLooks {
            parts: stored.unwrap_or_default(),
        };
        clock.lap("index: look keys as block numbers");
        for p in &prepared {
            self.count(p, true);
        }
        self.live = prepared.len();
        self.records = prepared.into_iter().map(Some).collect();
        clock.lap("index: name frequencies");
        true
    }

    fn count(&mut self, p: &Prepared, add: bool) {
        let canonical = self.names_view_canonical(p.first);
        if add {
            self.surnames.add(p.surname);
            self.first_names.add(canonical);
        } else {
            self.surnames.remove(p.surname);
            self.first_names.remove(canonical);
        }
    }

    fn names_view_canonical(&self, first: u32) -> u32 {
        self.view().word(first).map_or(NONE, |w| w.canonical)
    }

    fn file(&mut self, id: u32, p: &Prepared) {
        for key in blocking::keys(&self.view(), p) {
            self.blocks.insert(key, id);
        }
        if self.blocks.has_keys_since_bulk() {
            // A bulk-loaded record may now look in a block that did not exist at the load,
            // so its stored block numbers are no longer complete; its keys are computed again.
            self.looks = StoredLooks::default();
        }
        self.count(p, true);
    }

    fn unfile(&mut self, id: u32, p: &Prepared) {
        let keys = blocking::keys(&self.view(), p);
        self.blocks.remove_record(&keys, id);
        self.count(p, false);
    }

    /// Replace a record's details (keeping its id).
    pub fn update(&mut self, id: RecordId, record: &PersonRecord) -> Result<(), IndexError> {
        let old = self
            .records
            .get_mut(id.0 as usize)
            .and_then(Option::take)
            .ok_or(IndexError::UnknownRecord(id))?;
        self.unfile(id.0, &old);
        let new = self.prepare(record);
        self.file(id.0, &new);
        if let Some(slot) = self.records.get_mut(id.0 as usize) {
            *slot = Some(new);
        }
        Ok(())
    }

    /// Remove a record.
    pub fn remove(&mut self, id: RecordId) -> Result<(), IndexError> {
        let old = self
            .records
            .get_mut(id.0 as usize)
            .and_then(Option::take)
            .ok_or(IndexError::UnknownRecord(id))?;
        self.unfile(id.0, &old);
        self.live -= 1;
        Ok(())
    }

    /// True when the index holds a record with this id.
    pub fn contains(&self, id: RecordId) -> bool {
        self.prepared(id.0).is_some()
    }

    pub(crate) fn prepared(&self, id: u32) -> Option<&Prepared> {
        self.records.get(id as usize).and_then(Option::as_ref)
    }

    pub(crate) fn all_prepared(&self) -> impl Iterator<Item = (u32, &Prepared)> {
        self.records
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| (i as u32, p)))
    }

    /// The ids of records sharing a blocking key with `p`, sorted, without `exclude`, and (when
    /// `below` is given) only those with smaller ids. `exclude`, when given, is `p`'s own id
    /// in this index. Returns how many oversized blocks it skipped.
    pub(crate) fn candidates(
        &self,
        names: &View<'_>,
        p: &Prepared,
        exclude: Option<u32>,
        below: Option<u32>,
        out: &mut Vec<u32>,
    ) -> usize {
        out.clear();
        let mut skipped = 0;
        let mut gather = |slot: u32| {
            if self.blocks.slot_len(slot) > self.max_block {
                skipped += 1;
            } else {
                self.blocks.collect_members(slot, below, out);
            }
        };
        match exclude.and_then(|id| self.stored_looks(id)) {
            // A record of the bulk load that still has its keys: its blocks are known.
            Some(slots) => slots.iter().copied().for_each(&mut gather),
            None => blocking::look_keys(names, p)
                .into_iter()
                .filter_map(|key| self.blocks.slot(key))
                .for_each(&mut gather),
        }
        if let Some(x) = exclude {
            out.retain(|id| *id != x);
        }
        out.sort_unstable();
        out.dedup();
        skipped
    }

    /// The block numbers a record of the bulk load looks in, while it still has its base keys
    /// and no block has been added since the load.
    fn stored_looks(&self, id: u32) -> Option<&[u32]> {
        if !self.blocks.in_base(id) || self.blocks.has_keys_since_bulk() {
            return None;
        }
        let parts = &self.looks.parts;
        let part = parts.get(parts.partition_point(|p| p.first <= id).checked_sub(1)?)?;
        let i = (id - part.first) as usize;
        let (lo, hi) = (*part.start.get(i)?, *part.start.get(i + 1)?);
        part.slots.get(lo as usize..hi as usize)
    }

    /// Read a little of each record in `ids` (and of its first-name and surname forms) before
    /// they are compared. The reads do not depend on one another, so the processor fetches
    /// the records from memory together instead of one after another as each comparison
    /// reaches it; the comparisons then find them in cache.
    pub(crate) fn warm(&self, names: &View<'_>, ids: &[u32]) {
        let mut forms = 0u32;
        for &id in ids {
            if let Some(q) = self.prepared(id) {
                forms ^= q.first_form ^ q.surname_form.rotate_left(16);
            }
        }
        std::hint::black_box(forms);
        let mut touched = 0u32;
        for &id in ids {
            if let Some(q) = self.prepared(id) {
                touched ^= names.first(q.first_form).map_or(0, |f| f.first);
                touched ^= names.surname(q.surname_form).map_or(0, |s| s.compact);
            }
        }
        std::hint::black_box(touched);
    }

    /// Compare and score two prepared records with this index's term frequencies, with name
    /// similarities remembered in `sims`.
    pub(crate) fn score(
        &self,
        sims: &mut Similarities<'_>,
        a: &Prepared,
        b: &Prepared,
        prior: f64,
    ) -> (ComparisonVector, Evaluation) {
        let cv = compare::compare_with(sims, a, b);
        let names = sims.names();
        let shared = SharedValueFrequencies {
            // First names are counted by canonical form, so a rare spelling of a common name
            // (Ellie for Eleanor) is not mistaken for a rare name.
            first_name: (cv.first_name == FirstNameLevel::Exact).then(|| {
                self.first_names
                    .frequency(names.word(a.first).map_or(NONE, |w| w.canonical))
            }),
            surname: (cv.surname == SurnameLevel::Exact)
                .then(|| self.surnames.frequency(a.surname)),
        };
        (cv, self.model.evaluate(&cv, shared, prior))
    }

    pub(crate) fn prior(&self) -> f64 {
        self.model.prior_log2_odds(self.live.max(1) + 1)
    }

    /// Possible matches for a record that is not (yet) in the index, strongest first.
    pub fn query(&self, record: &PersonRecord) -> Vec<Match> {
        self.query_with(record, QueryOptions::default())
    }

    /// [`Index::query`] with explicit options.
    pub fn query_with(&self, record: &PersonRecord, options: QueryOptions) -> Vec<Match> {
        // The query's names go into an overlay, so the index is not changed.
        let mut overlay = Names::default();
        let mut interner = Interner {
            base: Some(&self.names),
            own: &mut overlay,
        };
        let p = Prepared::new(&mut interner, record);
        let view = View {
            base: &self.names,
            extra: Some(&overlay),
        };
        self.matches(&view, &p, None, options)
    }

    /// Possible matches for a record already in the index (itself excluded), strongest first.
    pub fn matches_for(
        &self,
        id: RecordId,
        options: QueryOptions,
    ) -> Result<Vec<Match>, IndexError> {
        let p = self.prepared(id.0).ok_or(IndexError::UnknownRecord(id))?;
        Ok(self.matches(&self.view(), p, Some(id.0), options))
    }

    fn matches(
        &self,
        names: &View<'_>,
        p: &Prepared,
        exclude: Option<u32>,
        options: QueryOptions,
    ) -> Vec<Match> {
        let prior = self.prior();
        let mut ids = Vec::new();
        self.candidates(names, p, exclude, None, &mut ids);
        let mut sims = Similarities::uncached(*names);
        let mut scored: Vec<(u32, ComparisonVector, Evaluation)> = ids
            .iter()
            .filter_map(|&id| {
                let other = self.prepared(id)?;
                let (cv, e) = self.score(&mut sims, p, other, prior);
                (e.probability() >= options.min_probability).then_some((id, cv, e))
            })
            .collect();
        scored.sort_by(|x, y| y.2.log2_odds.total_cmp(&x.2.log2_odds).then(x.0.cmp(&y.0)));
        scored.truncate(options.limit);
        scored
            .into_iter()
            .map(|(id, cv, e)| Match {
                record: RecordId(id),
                probability: e.probability(),
                explanation: self.model.explanation(&cv, &e),
            })
            .collect()
    }

    /// The records a stored record would be compared with: those sharing a blocking key with it
    /// (in blocks no larger than the limit), itself excluded.
    pub fn candidates_of(&self, id: RecordId) -> Result<Vec<RecordId>, IndexError> {
        let p = self.prepared(id.0).ok_or(IndexError::UnknownRecord(id))?;
        let mut ids = Vec::new();
        self.candidates(&self.view(), p, Some(id.0), None, &mut ids);
        Ok(ids.into_iter().map(RecordId).collect())
    }

    /// Explain how two records in the index compare.
    pub fn explain(&self, a: RecordId, b: RecordId) -> Result<Explanation, IndexError> {
        let pa = self.prepared(a.0).ok_or(IndexError::UnknownRecord(a))?;
        let pb = self.prepared(b.0).ok_or(IndexError::UnknownRecord(b))?;
        let (cv, e) = self.score(
            &mut Similarities::uncached(self.view()),
            pa,
            pb,
            self.prior(),
        );
        Ok(self.model.explanation(&cv, &e))
    }

    /// Re-estimate the model from the records held: u from random pairs, m by EM over candidate
    /// pairs. Scoring uses the new model from then on.
    pub fn train(&mut self, options: &TrainingOptions) -> TrainingReport {
        self.train_timed(options, &mut Vec::new())
    }

    /// [`Index::train`], recording the time of each phase.
    pub(crate) fn train_timed(
        &mut self,
        options: &TrainingOptions,
        phases: &mut Vec<PhaseTime>,
    ) -> TrainingReport {
        let (model, report) = estimate::train(self, options, phases);
        self.model = model;
        report
    }

    pub(crate) fn surname_counts(&self) -> &TermCounts {
        &self.surnames
    }

    pub(crate) fn first_name_counts(&self) -> &TermCounts {
        &self.first_names
    }
}

/// The blocking keys of consecutive records: the keys each is filed under (flattened, with
/// each record's count), and the keys each looks in.
struct BatchKeys {
    file: Vec<u64>,
    file_counts: Vec<u32>,
    looks: BatchLooks,
}

/// The keys each of consecutive records looks in, with each record's count. A look key that
/// is also one of the record's own file keys (most are) is given as its position among them;
/// any other is [`LOOK_ELSEWHERE`] plus its position in `look_keys`.
struct BatchLooks {
    looks: Vec<u32>,
    look_keys: Vec<u64>,
    counts: Vec<u32>,
}

/// Marks a look key that is not among the record's own file keys.
const LOOK_ELSEWHERE: u32 = 1 << 31;

fn keys_of(names: &View<'_>, records: &[Prepared]) -> BatchKeys {
    let mut out = BatchKeys {
        file: Vec::with_capacity(records.len() * 16),
        file_counts: Vec::with_capacity(records.len()),
        looks: BatchLooks {
            looks: Vec::with_capacity(records.len() * 16),
            look_keys: Vec::new(),
            counts: Vec::with_capacity(records.len()),
        },
    };
    let looks = &mut out.looks;
    let (mut file, mut look) = (Vec::with_capacity(48), Vec::with_capacity(48));
    for p in records {
        blocking::keys_into(names, p, &mut file, &mut look);
        for key in &look {
            // Both lists are sorted and short.
            match file.binary_search(key) {
                Ok(at) => looks.looks.push(at as u32),
                Err(_) => {
                    // Kept below LOOK_ELSEWHERE: a load with more such keys is refused.
                    let at = looks.look_keys.len() as u32 & !LOOK_ELSEWHERE;
                    looks.looks.push(LOOK_ELSEWHERE | at);
                    looks.look_keys.push(*key);
                }
            }
        }
        out.file.extend_from_slice(&file);
        out.file_counts.push(file.len() as u32);
        looks.counts.push(look.len() as u32);
    }
    out
}

/// The block numbers of the look keys of records `first..` (one part of [`keys_of`]'s output),
/// leaving out keys no record is filed under. `slot_of` is the block number of every file key
/// of the load, record `r`'s starting at `key_start[r]`. The block numbers are written over the
/// looks they come from, so the part needs no second copy.
fn resolve_looks(
    blocks: &Blocks,
    slot_of: &[u32],
    key_start: &[usize],
    first: usize,
    part: BatchLooks,
) -> LookPart {
    let BatchLooks {
        mut looks,
        look_keys,
        counts,
    } = part;
    let mut start = Vec::with_capacity(counts.len() + 1);
    start.push(0u32);
    let (mut read, mut write) = (0usize, 0usize);
    for (r, &count) in counts.iter().enumerate() {
        let file_at = key_start.get(first + r).copied().unwrap_or(0);
        for _ in 0..count {
            let Some(look) = looks.get(read).copied() else {
                break;
            };
            read += 1;
            let slot = if look & LOOK_ELSEWHERE == 0 {
                slot_of.get(file_at + look as usize).copied()
            } else {
                look_keys
                    .get((look & !LOOK_ELSEWHERE) as usize)
                    .and_then(|k| blocks.slot(*k))
            };
            // Never ahead of `read`, so nothing unread is overwritten.
            if let Some(slot) = slot
                && let Some(w) = looks.get_mut(write)
            {
                *w = slot;
                write += 1;
            }
        }
        start.push(write as u32);
    }
    looks.truncate(write);
    looks.shrink_to_fit();
    LookPart {
        first: first as u32,
        slots: looks,
        start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rule;
    use crate::record::RawPersonRecord;

    fn person(first: &str, surname: &str, dob: &str, postcode: &str, phone: &str) -> PersonRecord {
        RawPersonRecord {
            first_name: first.into(),
            surname: surname.into(),
            dob: dob.into(),
            postcode: postcode.into(),
            phones: vec![phone.into()],
            ..Default::default()
        }
        .parse()
        .0
    }

    #[test]
    fn insert_then_query_finds_the_person_with_an_explanation() {
        let mut index = Index::default();
        let kate = index
            .insert(&person(
                "Katherine",
                "Okonkwo",
                "1985-03-04",
                "LS1 4DY",
                "07700900123",
            ))
            .unwrap();
        let child = index
            .insert(&person(
                "Amara",
                "Okonkwo",
                "2012-06-19",
                "LS1 4DY",
                "07700900123",
            ))
            .unwrap();
        let _other = index
            .insert(&person("Sunita", "Patel", "1990-11-12", "M1 1AE", ""))
            .unwrap();
        assert_eq!(index.len(), 3);

        let found = index.query(&person(
            "Kate",
            "Okonkwo",
            "1985-04-03",
            "ls14dy",
            "+44 7700 900123",
        ));
        let best = found.first().unwrap();
        assert_eq!(best.record, kate);
        assert!(best.probability > 0.95, "{}", best.explanation);
        assert!(
            found.iter().all(|m| m.record != child),
            "the child must not be offered"
        );

        // The child compared with her mother is held apart by the household rule.
        let x = index.explain(kate, child).unwrap();
        assert_eq!(x.rule, Some(Rule::Household));
        assert!(x.probability < 1e-5);
    }

    /// Every record's candidates, as a set, for the ids `0..n`.
    fn all_candidates(index: &Index, n: u32) -> Vec<Vec<RecordId>> {
        (0..n)
            .map(|i| {
                let mut c = index.candidates_of(RecordId(i)).unwrap_or_default();
                c.sort_unstable();
                c
            })
            .collect()
    }

    #[test]
    fn a_bulk_load_finds_the_same_candidates_as_one_at_a_time_before_and_after_changes() {
        let generated = crate::generate::people(&crate::generate::GenOptions {
            records: 1_500,
            seed: 7,
        });
        let records = generated.parsed();
        let (first, later) = records.split_at(1_000);
        let mut bulk = Index::default();
        assert!(bulk.bulk_load(first, 2, &mut Vec::new()));
        let mut single = Index::default();
        for r in first {
            single.insert(r).unwrap();
        }
        assert_eq!(all_candidates(&bulk, 1_000), all_candidates(&single, 1_000));
        // Records filed one at a time after the load, some without a date of birth (they
        // look in, and are filed under, blocks the load may not have had), and changes to
        // loaded records.
        for (i, r) in later.iter().enumerate() {
            let mut r = r.clone();
            if i % 3 == 0 {
                r.dob = None;
            }
            assert_eq!(bulk.insert(&r).unwrap(), single.insert(&r).unwrap());
        }
        for i in (0..1_000u32).step_by(7) {
            let r = later[i as usize % later.len()].clone();
            bulk.update(RecordId(i), &r).unwrap();
            single.update(RecordId(i), &r).unwrap();
        }
        for i in (3..1_000u32).step_by(11) {
            bulk.remove(RecordId(i)).unwrap();
            single.remove(RecordId(i)).unwrap();
        }
        let n = records.len() as u32;
        let (b, s) = (all_candidates(&bulk, n), all_candidates(&single, n));
        for (i, (b, s)) in b.iter().zip(&s).enumerate() {
            assert_eq!(b, s, "record {i}");
        }
    }

    #[test]
    fn update_and_remove_take_effect_without_rebuilding() {
        let mut index = Index::default();
        let a = index
            .insert(&person("John", "Smith", "1970-01-02", "B33 8TH", ""))
            .unwrap();
        let probe = person("John", "Smith", "1970-01-02", "B33 8TH", "");
        assert_eq!(index.query(&probe).first().map(|m| m.record), Some(a));
        index
            .update(a, &person("Ahmed", "Khan", "1988-05-06", "M1 1AE", ""))
            .unwrap();
        assert!(index.query(&probe).is_empty());
        assert_eq!(
            index
                .query(&person("Ahmed", "Khan", "1988-05-06", "", ""))
                .first()
                .map(|m| m.record),
            Some(a)
        );
        index.remove(a).unwrap();
        assert!(index.is_empty());
        assert!(
            index
                .query(&person("Ahmed", "Khan", "1988-05-06", "", ""))
                .is_empty()
        );
        assert_eq!(index.remove(a), Err(IndexError::UnknownRecord(a)));
        assert!(index.matches_for(a, QueryOptions::default()).is_err());
    }
}
