//! The `waymark` command: serve the application, apply migrations, manage users, agencies
//! and Maracs, score a Dash from the command line and verify the audit chain.
#![forbid(unsafe_code)]

mod demo;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};
use waymark_domain::dash::{self, InstrumentRegistry, Thresholds};
use waymark_domain::role::Role;
use waymark_store::Store;
use waymark_store::audit::ChainCheck;

#[derive(Debug, Parser)]
#[command(
    name = "waymark",
    version,
    about = "Waymark: Dash risk assessment, Idva casework and the Marac"
)]
struct Cli {
    /// PostgreSQL URL (postgres://…). Without it, Waymark uses SQLite in --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Where the embedded SQLite database lives.
    #[arg(
        long,
        env = "WAYMARK_DATA_DIR",
        global = true,
        default_value = "./waymark-data"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web application (migrations are applied on start).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "WAYMARK_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Seed a demonstration area when the database is empty, and print the demo accounts.
        #[arg(long, env = "WAYMARK_DEMO")]
        demo: bool,
        /// Minutes a session lasts without use.
        #[arg(long, env = "WAYMARK_SESSION_IDLE_MINUTES", default_value_t = 30)]
        session_idle_minutes: i64,
        /// Hours a session lasts at most.
        #[arg(long, env = "WAYMARK_SESSION_MAX_HOURS", default_value_t = 12)]
        session_max_hours: i64,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage agencies.
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// Manage Maracs.
    Marac {
        #[command(subcommand)]
        command: MaracCommand,
    },
    /// The Dash risk checklist.
    Dash {
        #[command(subcommand)]
        command: DashCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; prints a generated initial password to hand over safely.
    Add {
        #[arg(long)]
        email: String,
        /// The agency's name or id.
        #[arg(long)]
        agency: String,
        /// caseworker, marac_coordinator, agency_rep, manager or admin.
        #[arg(long)]
        role: String,
        /// The name shown to colleagues (defaults to the email address).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AgencyCommand {
    /// Add an agency.
    Add {
        #[arg(long)]
        name: String,
        /// e.g. police, idva_service, health, housing, childrens_social_care, probation, other.
        #[arg(long)]
        kind: String,
    },
}

#[derive(Debug, Subcommand)]
enum MaracCommand {
    /// Add a Marac with the default thresholds (14 yes, 3 incidents, 12 months).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        area: String,
    },
}

#[derive(Debug, Subcommand)]
enum DashCommand {
    /// Read one assessment as JSON on stdin; write the decision as JSON on stdout.
    Score,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the audit hash chain and report whether it is intact.
    Verify,
}

/// A problem with what the user typed: exit status 2, one line on stderr.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Dash {
        command: DashCommand::Score,
    } = cli.command
    {
        return dash_score();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WAYMARK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(u) = e.downcast_ref::<UsageError>() {
                eprintln!("error: {u}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        }
    }
}

/// `waymark dash score`: no database, no logging; stdout carries only the decision.
fn dash_score() -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("error: cannot read standard input: {e}");
        return ExitCode::from(2);
    }
    let registry = match InstrumentRegistry::builtin() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: built-in instruments are invalid: {e}");
            return ExitCode::FAILURE;
        }
    };
    let request = match dash::parse_score_request(&input, &registry) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(instrument) = registry.get(&request.instrument_id) else {
        eprintln!("error: instrument: unknown instrument");
        return ExitCode::from(2);
    };
    let decision = dash::decide(instrument, &Thresholds::default(), &request.assessment);
    match serde_json::to_string(&decision) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn open_store(cli: &Cli) -> anyhow::Result<Store> {
    let store = match &cli.database_url {
        Some(url) => Store::connect(url)
            .await
            .context("cannot connect to DATABASE_URL")?,
        None => Store::open_sqlite_dir(&cli.data_dir)
            .await
            .with_context(|| format!("cannot open the database in {}", cli.data_dir.display()))?,
    };
    store.migrate().await.context("cannot apply migrations")?;
    Ok(store)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let store = open_store(&cli).await?;
    match cli.command {
        Command::Serve {
            addr,
            demo,
            session_idle_minutes,
            session_max_hours,
        } => {
            if session_idle_minutes < 1 || session_max_hours < 1 {
                return Err(UsageError("session timeouts must be at least 1".into()).into());
            }
            if demo {
                let accounts = demo::seed_if_empty(&store)
                    .await
                    .context("cannot seed demo data")?;
                println!(
                    "*** DEMO DATA: every person in this database is made up. Do not enter real cases. ***"
                );
                for a in accounts {
                    println!(
                        "demo account: {} {} {}",
                        a.role.as_str(),
                        a.email,
                        a.password
                    );
                }
            }
            let registry =
                InstrumentRegistry::builtin().map_err(|e| anyhow!("built-in instruments: {e}"))?;
            let config = waymark_web::WebConfig {
                session: waymark_store::sessions::SessionPolicy {
                    idle_timeout: time::Duration::minutes(session_idle_minutes),
                    absolute_timeout: time::Duration::hours(session_max_hours),
                },
                demo,
                ..waymark_web::WebConfig::default()
            };
            let state =
                waymark_web::AppState::new(store, registry, config).map_err(|e| anyhow!("{e}"))?;
            waymark_web::serve(state, addr, |bound| {
                println!("Waymark is listening on http://{bound}");
            })
            .await
            .with_context(|| format!("cannot serve on {addr}"))?;
            Ok(())
        }
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    agency,
                    role,
                    name,
                },
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                UsageError(format!(
                    "--role: {role:?} is not one of caseworker, marac_coordinator, agency_rep, manager, admin"
                ))
            })?;
            let tx = store.begin().await?;
            let found = match waymark_store::Uuid::parse_str(&agency) {
                Ok(id) => tx.agency(id).await?,
                Err(_) => tx.agency_by_name(&agency).await?,
            };
            let Some(agency) = found else {
                let names: Vec<String> = tx.agencies().await?.into_iter().map(|a| a.name).collect();
                return Err(UsageError(format!(
                    "--agency: no agency named {agency:?}; agencies are: {}",
                    if names.is_empty() {
                        "(none yet: add one with `waymark agency add`)".into()
                    } else {
                        names.join(", ")
                    }
                ))
                .into());
            };
            let password = waymark_store::sessions::random_token()
                .chars()
                .take(24)
                .collect::<String>();
            let display = name.unwrap_or_else(|| email.clone());
            let user = tx
                .create_user(&email, &display, agency.id, role, &password)
                .await
                .map_err(|e| match e {
                    waymark_store::StoreError::Invalid(m) => anyhow::Error::new(UsageError(m)),
                    other => anyhow::Error::new(other),
                })?;
            tx.require_password_change(user.id).await?;
            tx.commit().await?;
            println!(
                "created {} ({}) at {}",
                user.email,
                user.role.as_str(),
                agency.name
            );
            println!("initial password: {password}");
            println!(
                "Give it to the user through a safe channel; they must change it when they first sign in."
            );
            Ok(())
        }
        Command::Agency {
            command: AgencyCommand::Add { name, kind },
        } => {
            let name = name.trim();
            if name.is_empty() {
                return Err(UsageError("--name must not be empty".into()).into());
            }
            let tx = store.begin().await?;
            if tx.agency_by_name(name).await?.is_some() {
                return Err(
                    UsageError(format!("--name: an agency named {name:?} already exists")).into(),
                );
            }
            let a = tx.create_agency(name, kind.trim()).await?;
            tx.commit().await?;
            println!("created agency {} ({})", a.name, a.id);
            Ok(())
        }
        Command::Marac {
            command: MaracCommand::Add { name, area },
        } => {
            if name.trim().is_empty() {
                return Err(UsageError("--name must not be empty".into()).into());
            }
            let tx = store.begin().await?;
            let m = tx
                .create_marac(name.trim(), area.trim(), &Thresholds::default())
                .await?;
            tx.commit().await?;
            println!("created Marac {} ({})", m.name, m.id);
            Ok(())
        }
        Command::Dash { .. } => Ok(()),
        Command::Audit {
            command: AuditCommand::Verify,
        } => match store.verify_audit_chain().await? {
            ChainCheck::Intact { rows } => {
                println!("audit chain intact: {rows} rows");
                Ok(())
            }
            ChainCheck::Broken { at_seq, problem } => {
                Err(anyhow!("audit chain broken at row {at_seq}: {problem}"))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
