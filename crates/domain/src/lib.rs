//! Waymark's pure domain rules for the risk-led response to domestic abuse: the Dash risk
//! checklist and the Marac referral decision, user roles, and object-level access policy.
//!
//! This crate does no I/O. It must stay free of async runtimes, databases and HTTP so that the
//! rules a victim's safety depends on can be read, tested and reviewed on their own.
#![forbid(unsafe_code)]

pub mod access;
pub mod calendar;
pub mod casework;
pub mod dash;
pub mod linked_person;
pub mod marac;
pub mod marac_referral;
pub mod marac_return;
pub mod measures;
pub mod person_correction;
pub mod referral;
pub mod referral_csv;
pub mod retention;
pub mod role;
pub mod safety_plan;
pub mod self_referral;
pub mod throttle;
pub mod whereabouts;
