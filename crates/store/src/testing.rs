//! Fresh databases for tests: a new SQLite file per test, and a new PostgreSQL database
//! per test when `WAYMARK_TEST_DATABASE_URL` is set. Under `CI=true` that variable is
//! required, so a missing PostgreSQL fails the run instead of skipping half the suite.
use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};

use crate::{Store, StoreError};

/// A fixed key for tests, so that failures are reproducible. Never used outside tests.
pub fn test_keys() -> Result<crate::crypto::Keyring, StoreError> {
    Ok(crate::crypto::Keyring::new(
        crate::crypto::DataKey::new("test", [42; 32])?,
        Vec::new(),
    ))
}

/// A migrated, empty store that cleans up its SQLite directory when dropped.
pub struct TestStore {
    pub store: Store,
    /// "sqlite" or "postgres", for assertion messages.
    pub label: &'static str,
    /// The SQLite data directory, for tests that read the raw file.
    pub dir: Option<PathBuf>,
    /// The PostgreSQL URL, for tests that dump the database.
    pub url: Option<String>,
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Result<Option<String>, StoreError> {
    match std::env::var("WAYMARK_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(Some(url)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => Err(StoreError::Invalid(
            "CI=true but WAYMARK_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI"
                .into(),
        )),
        _ => Ok(None),
    }
}

pub async fn sqlite() -> Result<TestStore, StoreError> {
    let dir = std::env::temp_dir().join(format!("waymark-test-{}", uuid::Uuid::new_v4().simple()));
    let store = Store::open_sqlite_dir(&dir, test_keys()?).await?;
    store.migrate().await?;
    Ok(TestStore {
        store,
        label: "sqlite",
        dir: Some(dir),
        url: None,
    })
}

/// Creates a new database on the server named by `admin_url` and returns a store on it.
pub async fn postgres(admin_url: &str) -> Result<TestStore, StoreError> {
    let name = format!("waymark_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    let url = match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    };
    let store = Store::connect(&url, test_keys()?).await?;
    store.migrate().await?;
    Ok(TestStore {
        store,
        label: "postgres",
        dir: None,
        url: Some(url),
    })
}

/// One fresh store per available back end: SQLite always, PostgreSQL when configured.
pub async fn all_backends() -> Result<Vec<TestStore>, StoreError> {
    let mut out = vec![sqlite().await?];
    if let Some(url) = postgres_url()? {
        out.push(postgres(&url).await?);
    }
    Ok(out)
}
