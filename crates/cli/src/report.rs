//! `waymark report marac-return`: the quarterly Marac data return for a data team, as CSV,
//! JSON or an Excel workbook, counted exactly as the web page counts it.
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use waymark_domain::marac_return;
use waymark_store::Store;

use crate::UsageError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The Marac data return for a period (a quarter, usually), counted per meeting.
    MaracReturn {
        /// The Marac's id (`waymark marac add` prints it).
        #[arg(long)]
        marac: String,
        /// First day of the period, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day of the period, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Write here instead of standard output (required for xlsx).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn date(flag: &str, s: &str) -> Result<time::Date, UsageError> {
    waymark_domain::referral::parse_iso_date(s)
        .ok_or_else(|| UsageError(format!("--{flag}: {s:?} is not a date like 2026-07-01")))
}

pub async fn run(store: &Store, command: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::MaracReturn {
        marac,
        from,
        to,
        format,
        output,
    } = command;
    let marac_id = waymark_store::Uuid::parse_str(marac.trim())
        .map_err(|_| UsageError(format!("--marac: {marac:?} is not a Marac id")))?;
    let (from, to) = (date("from", &from)?, date("to", &to)?);
    if let Some(path) = &output
        && path.exists()
    {
        return Err(UsageError(format!("--output: {} already exists", path.display())).into());
    }
    if format == Format::Xlsx && output.is_none() {
        return Err(UsageError("--format xlsx needs --output FILE.xlsx".into()).into());
    }
    let tx = store.begin().await?;
    let (config, ret) = match tx.marac_return_export(marac_id, from, to).await {
        Ok(r) => r,
        Err(waymark_store::StoreError::Invalid(m)) => return Err(UsageError(m).into()),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    let bytes = match format {
        Format::Csv => marac_return::to_csv(&ret).into_bytes(),
        Format::Json => {
            let mut v = serde_json::to_value(&ret)?;
            if let Some(o) = v.as_object_mut() {
                o.insert("marac".into(), serde_json::json!(config.marac.name));
                // Dates as ISO 8601, as everywhere else in Waymark's output.
                o.insert("from".into(), serde_json::json!(ret.from.to_string()));
                o.insert("to".into(), serde_json::json!(ret.to.to_string()));
                o.insert(
                    "meetings".into(),
                    serde_json::json!(
                        ret.meetings
                            .iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                    ),
                );
                o.insert(
                    "marac_id".into(),
                    serde_json::json!(config.marac.id.to_string()),
                );
            }
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s.into_bytes()
        }
        // The same workbook the web page offers for download.
        Format::Xlsx => waymark_web::exports::marac_return_xlsx(&ret, &config.marac.name)?,
    };
    match output {
        Some(path) => std::fs::write(&path, bytes)?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}
