//! `waymark import referrals`: many referrals from a CSV file into the Idva service's
//! triage queue, as if the importing caseworker had entered each one, all in one
//! transaction. The file's format is in `docs/import.md`; reading and checking it is in
//! `waymark_domain::referral_csv`.
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use waymark_domain::referral_csv::{self, REFERRING_AGENCY, RowError};
use waymark_store::cases::{CaseError, Intake};
use waymark_store::directory::Marac;
use waymark_store::users::User;
use waymark_store::{Store, Tx, Uuid};

use crate::UsageError;

/// How many problems are listed before the rest are only counted.
const MAX_LISTED: usize = 200;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import referrals from a CSV file (columns as in docs/import.md). Every row is checked
    /// first; if any row has a problem nothing is imported and every problem is listed.
    Referrals {
        /// The CSV file, saved as "CSV UTF-8".
        file: PathBuf,
        /// The email of the caseworker or Marac coordinator making the referrals; the new
        /// cases belong to their agency and wait in its triage queue for allocation.
        #[arg(long = "as", value_name = "EMAIL")]
        as_user: String,
        /// The Marac's name or id (needed only when there is more than one).
        #[arg(long)]
        marac: Option<String>,
        /// Check the whole file, report, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

pub async fn run(store: &Store, command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Referrals {
        file,
        as_user,
        marac,
        dry_run,
    } = command;
    let bytes = std::fs::read(&file)
        .map_err(|e| usage(format!("{}: cannot read the file: {e}", file.display())))?;
    let parsed = referral_csv::read(&bytes)
        .map_err(|e| usage(format!("{}: {e}; nothing was imported", file.display())))?;
    drop(bytes);

    // The transaction takes the write lock now, so nothing changes between the checks
    // and the writes.
    let tx = store.begin().await?;
    let user = importer(&tx, &as_user).await?;
    let marac = choose_marac(&tx, marac.as_deref()).await?;
    let agencies = tx.agencies().await?;
    let mut by_name: HashMap<String, Vec<Uuid>> = HashMap::new();
    for a in &agencies {
        by_name
            .entry(a.name.trim().to_lowercase())
            .or_default()
            .push(a.id);
    }
    let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
    let checked = parsed.validate(today, |name| {
        match by_name.get(&name.to_lowercase()).map(Vec::as_slice) {
            Some([id]) => Ok(id.to_string()),
            Some(_) => Err("matches more than one agency's name; rename one of them".into()),
            None => Err(
                "is not the name of an agency in Waymark (names are matched ignoring case)".into(),
            ),
        }
    });
    let referrals = match checked {
        Ok(r) => r,
        Err(errors) => {
            report(&errors);
            if errors.iter().any(|e| e.column == REFERRING_AGENCY) {
                let names: Vec<&str> = agencies.iter().map(|a| a.name.as_str()).collect();
                eprintln!("the agencies in Waymark are: {}", names.join(", "));
            }
            let rows: BTreeSet<u64> = errors.iter().map(|e| e.line).collect();
            return Err(usage(format!(
                "{}: {} row(s) have problems; nothing was imported",
                file.display(),
                rows.len()
            )));
        }
    };
    if dry_run {
        // Dropping the transaction rolls it back; nothing was written anyway.
        drop(tx);
        println!(
            "would import {} referrals into {} as {}; nothing was written (dry run)",
            referrals.len(),
            marac.name,
            user.email
        );
        return Ok(());
    }

    let request_id = format!("cli-import-{}", Uuid::now_v7());
    let mut event = crate::admin_event_on("referral.import", "user", user.id);
    event.request_id = Some(request_id.clone());
    tx.audit(event).await?;
    let progress = progress_bar(referrals.len());
    for r in &referrals {
        // `create_referral_to` checks the agency and Marac again and writes the audit row
        // of each new case, exactly as for a referral made in the browser.
        match tx
            .create_referral_to(
                &user,
                marac.id,
                &r.referral,
                Intake::Triage,
                Some(request_id.clone()),
            )
            .await
        {
            Ok(_) => progress.inc(1),
            Err(CaseError::Invalid { field, message }) => {
                progress.finish_and_clear();
                report(&[RowError {
                    line: r.line,
                    column: referral_csv::column_for_field(&field),
                    message,
                }]);
                return Err(usage(format!("{}: nothing was imported", file.display())));
            }
            Err(CaseError::Forbidden | CaseError::NotFound) => {
                progress.finish_and_clear();
                return Err(usage(format!(
                    "--as: {} may not make referrals; nothing was imported",
                    user.email
                )));
            }
            Err(other) => {
                progress.finish_and_clear();
                return Err(anyhow::Error::new(other).context("nothing was imported"));
            }
        }
    }
    tx.commit().await?;
    progress.finish_and_clear();
    println!("imported {} referrals", referrals.len());
    Ok(())
}

/// The user the referrals are made by: an active account that may make referrals.
async fn importer(tx: &Tx, email: &str) -> anyhow::Result<User> {
    let user = tx
        .user_by_email(email)
        .await?
        .ok_or_else(|| usage(format!("--as: no user has the email {email}")))?;
    if !user.active {
        return Err(usage(format!("--as: {}'s account is disabled", user.email)));
    }
    if !waymark_domain::access::can_create_referral(&user.actor()) {
        return Err(usage(format!(
            "--as: {} is a {}; only a caseworker or a Marac coordinator makes referrals",
            user.email,
            user.role.as_str()
        )));
    }
    Ok(user)
}

/// The Marac named by `--marac` (name, ignoring case, or id), or the only one there is.
async fn choose_marac(tx: &Tx, wanted: Option<&str>) -> anyhow::Result<Marac> {
    let maracs = tx.maracs().await?;
    let listed = || {
        maracs
            .iter()
            .map(|m| format!("{} ({})", m.name, m.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(wanted) = wanted.map(str::trim) else {
        return match maracs.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(usage(
                "there is no Marac yet: add one with `waymark marac add`",
            )),
            _ => Err(usage(format!(
                "--marac: there is more than one Marac; name one of {}",
                listed()
            ))),
        };
    };
    let by_id = Uuid::parse_str(wanted).ok();
    let found: Vec<&Marac> = maracs
        .iter()
        .filter(|m| Some(m.id) == by_id || m.name.trim().eq_ignore_ascii_case(wanted))
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(usage(format!(
            "--marac: no Marac is named {wanted:?}; the Maracs are {}",
            if maracs.is_empty() {
                "(none yet: add one with `waymark marac add`)".into()
            } else {
                listed()
            }
        ))),
        _ => Err(usage(format!(
            "--marac: more than one Marac is named {wanted:?}; give its id: {}",
            listed()
        ))),
    }
}

/// Lists the problems on stderr, one per line, at most [`MAX_LISTED`].
fn report(errors: &[RowError]) {
    for e in errors.iter().take(MAX_LISTED) {
        eprintln!("{e}");
    }
    if errors.len() > MAX_LISTED {
        eprintln!("and {} more", errors.len() - MAX_LISTED);
    }
}

/// A progress bar on stderr; indicatif hides it when stderr is not a terminal.
fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(len).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template(
        "importing {bar:40} {pos}/{len} referrals ({elapsed}, about {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}
