//! Helpers shared by the import tests (`tests/import.rs`) and the 100,000-row benchmark
//! (`benches/import.rs`): a fresh install driven through the real binary, CSV rows, and
//! table counts read back through the store.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use waymark_store::Store;
use waymark_store::cases::CaseFilter;
use waymark_store::crypto::Keyring;

pub const IDVA: &str = "idva@example.test";

pub const HEADER: &str = "victim_given_name,victim_family_name,victim_date_of_birth,victim_gender,\
    perpetrator_given_name,perpetrator_family_name,relationship,referring_agency,route,\
    referred_on,consent,consent_reason,victim_aware,reason,safe_phone,safe_times,\
    voicemail_safe,post_safe,child1_given_name,child1_family_name,child1_date_of_birth,\
    child1_lives_with";

/// A fresh install: a SQLite data directory, or a new PostgreSQL database with a key
/// file in that directory.
pub struct Install {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

impl Install {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_waymark"));
        command
            .args(args)
            .env("WAYMARK_DATA_DIR", self.path())
            .env("WAYMARK_LOG", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("WAYMARK_KEY_FILE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = &self.database_url {
            command
                .env("DATABASE_URL", url)
                .env("WAYMARK_KEY_FILE", self.path().join("waymark.key"));
        }
        command.output().unwrap()
    }

    pub async fn open(&self) -> Store {
        let keys = Keyring::load_file(&self.path().join("waymark.key")).unwrap();
        match &self.database_url {
            Some(url) => Store::connect(url, keys).await.unwrap(),
            None => Store::open_sqlite_dir(self.path(), keys).await.unwrap(),
        }
    }

    pub fn label(&self) -> &'static str {
        if self.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }
}

pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A fresh SQLite install with an Idva service, the police, one Marac, a caseworker and
/// a manager.
pub fn install() -> Install {
    set_up(Install {
        dir: tempfile::tempdir().unwrap(),
        database_url: None,
    })
}

/// The same on every engine: SQLite always, PostgreSQL when `WAYMARK_TEST_DATABASE_URL`
/// is set (required under `CI=true`).
pub fn installs() -> Vec<Install> {
    let mut all = vec![install()];
    if let Some(admin) = waymark_store::testing::postgres_url().unwrap() {
        let url = block_on(async {
            waymark_store::testing::postgres(&admin)
                .await
                .unwrap()
                .url
                .clone()
                .unwrap()
        });
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("waymark.key");
        let pg = Install {
            dir,
            database_url: Some(url),
        };
        ok(pg.run(&["key", "generate", "--output", key.to_str().unwrap()]));
        all.push(set_up(pg));
    }
    all
}

pub fn set_up(install: Install) -> Install {
    ok(install.run(&["migrate"]));
    ok(install.run(&[
        "agency",
        "add",
        "--name",
        "Northmoor Domestic Abuse Service",
        "--kind",
        "idva_service",
    ]));
    ok(install.run(&[
        "agency",
        "add",
        "--name",
        "Northmoor Police",
        "--kind",
        "police",
    ]));
    ok(install.run(&[
        "marac",
        "add",
        "--name",
        "Northmoor Marac",
        "--area",
        "Northmoor",
    ]));
    for (email, role) in [(IDVA, "caseworker"), ("manager@example.test", "manager")] {
        ok(install.run(&[
            "user",
            "add",
            "--email",
            email,
            "--agency",
            "Northmoor Domestic Abuse Service",
            "--role",
            role,
        ]));
    }
    install
}

/// One good row; `n` makes the names differ.
pub fn row(n: usize) -> String {
    format!(
        "Victim{n},Example,1990-02-03,female,Perp{n},Sample,ex_partner,northmoor police,police,\
         2025-06-01,given,,yes,,+44 7700 900123,after 6pm,no,no,,,,"
    )
}

pub fn csv(rows: &[String]) -> String {
    let mut s = format!("{HEADER}\r\n");
    for r in rows {
        s.push_str(r);
        s.push_str("\r\n");
    }
    s
}

pub fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

pub fn import(install: &Install, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", "referrals", file.to_str().unwrap(), "--as", IDVA];
    args.extend_from_slice(extra);
    install.run(&args)
}

pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Every table's row count, from the store's own backup summary.
pub fn counts(install: &Install) -> Vec<(&'static str, usize)> {
    block_on(async { install.open().await.backup().await.unwrap().1.rows })
}

pub fn count(all: &[(&'static str, usize)], table: &str) -> usize {
    all.iter().find(|(t, _)| *t == table).unwrap().1
}

/// The cases the caseworker sees as allocated to them (read in a transaction that is
/// rolled back, so looking leaves no audit row).
/// The cases the importing caseworker's agency holds, as the importer sees them.
pub fn agency_cases(install: &Install) -> Vec<waymark_store::cases::CaseSummary> {
    block_on(async {
        let store = install.open().await;
        let tx = store.begin().await.unwrap();
        let user = tx.user_by_email(IDVA).await.unwrap().unwrap();
        tx.list_cases(&user, &CaseFilter::default(), None)
            .await
            .unwrap()
    })
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A file of `rows` good referrals, each with different names.
pub fn large_csv(rows: usize) -> String {
    let mut text = String::with_capacity(rows * 120);
    text.push_str(HEADER);
    text.push('\n');
    for n in 0..rows {
        text.push_str(&row(n));
        text.push('\n');
    }
    text
}
