//! Waymark persistence: one schema and one set of queries for SQLite (the embedded
//! default) and PostgreSQL (production), migrations, the audit chain and scoped finders.
//!
//! Every request runs in one [`Tx`]. A transaction takes the audit chain's head row first,
//! so write transactions are serialised and an audit row is always written in the same
//! transaction as the change or read it records.
#![forbid(unsafe_code)]

pub mod audit;
pub mod backup;
pub mod cases;
pub mod casework;
pub mod crypto;
pub mod data_protection;
pub mod directory;
mod entity;
pub mod error;
pub mod linked_people;
pub mod marac;
pub mod matching;
pub mod mfa;
mod migration;
pub mod passwords;
pub mod retention;
pub mod sealing;
pub mod self_referral;
pub mod sessions;
pub mod subject_access;
pub mod teams;
pub mod testing;
pub mod throttle;
pub mod users;

use std::path::Path;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

pub use error::StoreError;
pub use uuid::Uuid;

/// Which database engine a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    keys: std::sync::Arc<crypto::Keyring>,
    matcher: std::sync::Arc<matching::Matcher>,
}

/// SQLite's durability and integrity settings, in one place. A test asserts them.
fn sqlite_options(
    opts: sea_orm::sqlx::sqlite::SqliteConnectOptions,
) -> sea_orm::sqlx::sqlite::SqliteConnectOptions {
    opts.create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: an acknowledged commit survives power loss, not only a process crash.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
}

impl Store {
    /// Opens (creating if needed) the SQLite database file `waymark.db` in `data_dir`.
    pub async fn open_sqlite_dir(
        data_dir: &Path,
        keys: crypto::Keyring,
    ) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(StoreError::DataDir)?;
        let file = data_dir.join("waymark.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        Store::connect(&url, keys).await
    }

    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str, keys: crypto::Keyring) -> Result<Store, StoreError> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false);
        match backend {
            Backend::Sqlite => {
                // One connection: SQLite has one writer anyway, and a single connection
                // means a transaction never meets SQLITE_BUSY half-way through.
                opts.max_connections(1);
                opts.map_sqlx_sqlite_opts(sqlite_options);
            }
            Backend::Postgres => {
                opts.max_connections(16).min_connections(1);
            }
        }
        opts.acquire_timeout(Duration::from_secs(10));
        let db = Database::connect(opts).await?;
        Ok(Store {
            db,
            backend,
            keys: std::sync::Arc::new(keys),
            matcher: std::sync::Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies any migrations not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.db.ping().await.is_ok()
    }

    /// Reads one SQLite pragma as text (for the settings test and diagnostics).
    pub async fn sqlite_pragma(&self, name: &str) -> Result<Option<String>, StoreError> {
        if self.backend != Backend::Sqlite
            || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Ok(None);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        if let Ok(v) = row.try_get_by_index::<String>(0) {
            return Ok(Some(v));
        }
        Ok(row.try_get_by_index::<i64>(0).ok().map(|v| v.to_string()))
    }

    /// Starts the one transaction of a request. It locks the audit chain's head row first,
    /// which serialises writers on both engines and keeps the chain linear.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        Ok(Tx {
            txn,
            keys: self.keys.clone(),
            matcher: self.matcher.clone(),
        })
    }

    /// The raw connection, for tests of the store itself.
    #[doc(hidden)]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// One request's transaction. Dropping it without [`Tx::commit`] rolls everything back,
/// audit rows included.
pub struct Tx {
    txn: DatabaseTransaction,
    keys: std::sync::Arc<crypto::Keyring>,
    matcher: std::sync::Arc<matching::Matcher>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        Ok(())
    }

    pub(crate) fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Seals a sensitive field of one record (`field` is `table.column`).
    pub(crate) fn seal(&self, field: &str, id: Uuid, plain: &str) -> Result<String, StoreError> {
        self.keys.seal(&format!("{field}:{id}"), plain)
    }

    pub(crate) fn seal_opt(
        &self,
        field: &str,
        id: Uuid,
        plain: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        plain.map(|p| self.seal(field, id, p)).transpose()
    }

    /// Opens a sealed field of one record.
    pub(crate) fn open(&self, field: &str, id: Uuid, stored: &str) -> Result<String, StoreError> {
        self.keys.open(&format!("{field}:{id}"), stored)
    }

    pub(crate) fn open_opt(
        &self,
        field: &str,
        id: Uuid,
        stored: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        stored.map(|s| self.open(field, id, s)).transpose()
    }
}

/// The current time, truncated to microseconds so both engines store it identically.
pub(crate) fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}
