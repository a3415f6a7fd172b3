//! Schema migrations: append-only, one schema for SQLite and PostgreSQL.
use sea_orm_migration::prelude::*;

mod m0001_initial;
mod m0002_password_change;
mod m0003_audit_append_only;
mod m0004_case_exclusions;
mod m0005_sign_in_failures;
mod m0006_mfa;
mod m0007_sealed_fields;
mod m0008_break_glass;
mod m0009_legal_hold;
mod m0010_session_authenticated_at;
mod m0011_casework;
mod m0012_linked_people;
mod m0013_marac;
mod m0014_marac_transfers;
mod m0015_whereabouts;
mod m0016_audit_by_actor;
mod m0017_teams;
mod m0018_person_matches;
mod m0019_people_updated_at;
mod m0020_closure_checks;

/// All migrations in order. Never edit a released migration; add a new one.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_password_change::Migration),
            Box::new(m0003_audit_append_only::Migration),
            Box::new(m0004_case_exclusions::Migration),
            Box::new(m0005_sign_in_failures::Migration),
            Box::new(m0006_mfa::Migration),
            Box::new(m0007_sealed_fields::Migration),
            Box::new(m0008_break_glass::Migration),
            Box::new(m0009_legal_hold::Migration),
            Box::new(m0010_session_authenticated_at::Migration),
            Box::new(m0011_casework::Migration),
            Box::new(m0012_linked_people::Migration),
            Box::new(m0013_marac::Migration),
            Box::new(m0014_marac_transfers::Migration),
            Box::new(m0015_whereabouts::Migration),
            Box::new(m0016_audit_by_actor::Migration),
            Box::new(m0017_teams::Migration),
            Box::new(m0018_person_matches::Migration),
            Box::new(m0019_people_updated_at::Migration),
            Box::new(m0020_closure_checks::Migration),
        ]
    }
}
