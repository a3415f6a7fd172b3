//! Sensitive fields are sealed (encrypted) by the application, so their columns hold
//! text: the date of birth becomes text on PostgreSQL (SQLite stores it as text already),
//! and names and safe contact details, which were short strings, become unbounded text.
//! Values written before sealing existed are sealed when the server starts.
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES: &[&str] = &[
    "ALTER TABLE people ALTER COLUMN date_of_birth TYPE text USING date_of_birth::text",
    "ALTER TABLE people ALTER COLUMN given_name TYPE text",
    "ALTER TABLE people ALTER COLUMN family_name TYPE text",
    "ALTER TABLE referrals ALTER COLUMN safe_phone TYPE text",
    "ALTER TABLE referrals ALTER COLUMN safe_times TYPE text",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            let conn = m.get_connection();
            for sql in POSTGRES {
                conn.execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }
}
