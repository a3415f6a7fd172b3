//! The incremental in-memory index: add, change or remove one record, and query one record
//! against everyone known, without rebuilding. A server keeps one warm and updates it as
//! records change.

use serde::{Deserialize, Serialize};

use crate::blocking::{self, Blocks};
use crate::compare::{self, ComparisonVector, FirstNameLevel, SurnameLevel};
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
        let parts: Vec<(Vec<u64>, Vec<u32>)> = std::thread::scope(|scope| {
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
        let total: usize = parts.iter().map(|(k, _)| k.len()).sum();
        if u32::try_from(total).is_err() {
            return false;
        }
        let mut keys: Vec<u64> = Vec::with_capacity(total);
        let mut start: Vec<u32> = Vec::with_capacity(prepared.len() + 1);
        start.push(0);
        for (k, counts) in parts {
            keys.extend_from_slice(&k);
            for c in counts {
                let last = start.last().copied().unwrap_or(0);
                start.push(last + c);
            }
        }
        let key_start: Vec<usize> = start.iter().map(|&s| s as usize).collect();
        if self.blocks.bulk(prepared.len(), &keys, &key_start).is_err() {
            return false;
        }
        drop(keys);
        clock.lap("index: file into blocks");
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
    /// `below` is given) only those with smaller ids. Returns how many oversized blocks it skipped.
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
        for key in blocking::look_keys(names, p) {
            let Some(slot) = self.blocks.slot(key) else {
                continue;
            };
            if self.blocks.slot_len(slot) > self.max_block {
                skipped += 1;
                continue;
            }
            self.blocks.collect_members(slot, below, out);
        }
        if let Some(x) = exclude {
            out.retain(|id| *id != x);
        }
        out.sort_unstable();
        out.dedup();
        skipped
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

    /// Compare and score two prepared records with this index's term frequencies.
    pub(crate) fn score(
        &self,
        names: &View<'_>,
        a: &Prepared,
        b: &Prepared,
        prior: f64,
    ) -> (ComparisonVector, Evaluation) {
        let cv = compare::compare(names, a, b);
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
        let mut scored: Vec<(u32, ComparisonVector, Evaluation)> = ids
            .iter()
            .filter_map(|&id| {
                let other = self.prepared(id)?;
                let (cv, e) = self.score(names, p, other, prior);
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
        let (cv, e) = self.score(&self.view(), pa, pb, self.prior());
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

/// The blocking keys of consecutive records, flattened, with each record's key count.
fn keys_of(names: &View<'_>, records: &[Prepared]) -> (Vec<u64>, Vec<u32>) {
    let mut keys = Vec::with_capacity(records.len() * 24);
    let mut counts = Vec::with_capacity(records.len());
    let (mut file, mut look) = (Vec::with_capacity(48), Vec::with_capacity(48));
    for p in records {
        blocking::keys_into(names, p, &mut file, &mut look);
        keys.extend_from_slice(&file);
        counts.push(file.len() as u32);
    }
    (keys, counts)
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
