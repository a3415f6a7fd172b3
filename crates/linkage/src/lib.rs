//! Waymark's person-matching engine: finds that the woman police referred on Monday is the one
//! housing referred in March under her maiden name, and that the man on this referral is the
//! perpetrator on two other victims' cases — while keeping mothers, children, twins and partners,
//! who share a surname, address and phone, apart.
//!
//! The pipeline: [`normalise`] values (names, postcodes, phones), file records under
//! [`blocking`] keys, [`compare`] candidate pairs into graded levels, score them with a
//! Fellegi–Sunter [`model`] whose parameters are [`estimate`]d from the data by EM, and
//! [`cluster`] strong links into people without chaining. [`index::Index`] does this one record
//! at a time for a live service; [`link::link`] does it for a batch. Every score carries a
//! [`model::Explanation`]. The engine suggests matches; it never merges people on its own.
//!
//! [`generate`] makes a synthetic population with ground truth and [`eval`] measures accuracy
//! against it. This crate does no I/O and has no web or database dependency.
#![forbid(unsafe_code)]

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod dob;
pub mod estimate;
pub mod eval;
pub mod generate;
mod hashing;
pub mod index;
pub mod link;
pub mod model;
mod names;
pub mod nicknames;
pub mod normalise;
pub mod phonetic;
pub mod record;
pub mod rng;
pub mod similarity;

pub use dob::PartialDate;
pub use index::{Index, Match, QueryOptions, RecordId};
pub use link::{LinkOptions, Linkage, link};
pub use model::{Explanation, Model, ModelParameters};
pub use normalise::{NhsNumber, Phone, PncId, Postcode};
pub use record::{Gender, PersonRecord, RawPersonRecord};
