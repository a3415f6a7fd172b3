//! Table definitions as SeaORM entities; one module per table.
pub mod agency;
pub mod audit_event;
pub mod audit_head;
pub mod break_glass_grant;
pub mod case;
pub mod case_exclusion;
pub mod case_person;
pub mod dash_assessment;
pub mod marac;
pub mod marac_referral;
pub mod person;
pub mod recovery_code;
pub mod referral;
pub mod session;
pub mod sign_in_failure;
pub mod user;
