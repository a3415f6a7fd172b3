//! The `waymark` command: serve the application, apply migrations, manage users, agencies
//! and Maracs, score a Dash from the command line and verify the audit chain.
#![forbid(unsafe_code)]

mod demo;
mod demo_marac;
mod import;
mod link;
mod marac_cli;
mod report;
mod self_referral;
mod team_cli;

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
use waymark_store::crypto::{DataKey, Keyring};
use waymark_store::sealing::Reseal;

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
    /// The file holding the data keys that seal sensitive fields (one `id:base64` per
    /// line, the first in use). Without it, SQLite installs keep `waymark.key` in the
    /// data directory (created on first start); PostgreSQL installs must name one.
    #[arg(long, env = "WAYMARK_KEY_FILE", global = true)]
    key_file: Option<PathBuf>,
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
        /// Waymark is served over HTTPS by a proxy in front of it: send Strict-Transport-Security.
        #[arg(long, env = "WAYMARK_BEHIND_TLS")]
        behind_tls: bool,
        /// Hours a session lasts at most.
        #[arg(long, env = "WAYMARK_SESSION_MAX_HOURS", default_value_t = 12)]
        session_max_hours: i64,
        /// Open the public self-referral form (/self-referral), sending survivors' requests
        /// to this agency's triage queue (its name, as in `agency add`). Under --demo the demo
        /// Idva service receives them unless another is named.
        #[arg(long, env = "WAYMARK_SELF_REFERRAL_AGENCY")]
        self_referral_agency: Option<String>,
        /// The Marac of self-referred cases (its name); needed only when there are several.
        #[arg(long, env = "WAYMARK_SELF_REFERRAL_MARAC")]
        self_referral_marac: Option<String>,
        /// First contact with a Marac-level (high-risk) referral is due within this many
        /// working days.
        #[arg(long, env = "WAYMARK_FIRST_CONTACT_DAYS_HIGH", default_value_t = 2)]
        first_contact_days_high: u32,
        /// First contact with any other referral is due within this many working days.
        #[arg(long, env = "WAYMARK_FIRST_CONTACT_DAYS", default_value_t = 5)]
        first_contact_days: u32,
        /// The Dash is re-assessed on open cases every this many days.
        #[arg(long, env = "WAYMARK_REASSESSMENT_DAYS", default_value_t = 56)]
        reassessment_days: u32,
        /// An intervention the service records beyond the national catalogue (repeat the
        /// flag for each, e.g. --local-intervention "Freedom Programme").
        #[arg(
            long = "local-intervention",
            env = "WAYMARK_LOCAL_INTERVENTIONS",
            value_delimiter = ';'
        )]
        local_interventions: Vec<String>,
        /// The address of a reverse proxy in front of Waymark whose X-Forwarded-For header
        /// is believed (repeat for each), so sign-in and self-referral throttling count
        /// each visitor, not the proxy.
        #[arg(
            long = "trusted-proxy",
            env = "WAYMARK_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// The service's retention schedule (months after a case's last activity), shown
        /// on each case as its review date. The same setting as `waymark retention`.
        #[arg(long, env = "WAYMARK_RETENTION_CASE_MONTHS")]
        retention_case_months: Option<u32>,
        /// Serve Prometheus metrics at /metrics to scrapers that send
        /// `Authorization: Bearer TOKEN` (at least 32 characters). Without it /metrics is off.
        #[arg(long, env = "WAYMARK_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
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
    /// An agency's teams, and whether its caseworkers see only their own team's cases.
    Team {
        #[command(subcommand)]
        command: team_cli::TeamCommand,
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
    /// Write an encrypted, integrity-checked copy of the whole database (safe while the
    /// server runs). Store it apart from the key file; restoring needs the key that made it.
    Backup {
        #[arg(long)]
        output: PathBuf,
    },
    /// Restore a backup into an empty database (the key file must hold its key).
    Restore {
        #[arg(long)]
        input: PathBuf,
    },
    /// Retention: delete cases past the service's schedule (legal holds excepted).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Exports of personal data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Legal hold on a case.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// The data keys that seal sensitive fields.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Bulk imports (see docs/import.md).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Reports for data teams.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Find which records in a CSV file are the same person (batch de-duplication; see
    /// docs/linkage.md). No database is used.
    Link(link::LinkArgs),
    /// Generate synthetic data for testing and benchmarks (see docs/linkage.md).
    Gen {
        #[command(subcommand)]
        command: link::GenCommand,
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
        /// caseworker, marac_coordinator, agency_rep, manager, admin or data_protection.
        #[arg(long)]
        role: String,
        /// The name shown to colleagues (defaults to the email address).
        #[arg(long)]
        name: Option<String>,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Change an account's role; it applies from the user's next request.
    SetRole {
        #[arg(long)]
        email: String,
        /// caseworker, marac_coordinator, agency_rep, manager, admin or data_protection.
        #[arg(long)]
        role: String,
    },
    /// Record a caseworker's working time as a fraction of full time (for caseload
    /// projections against the recommended 60–70 cases a year per full-time Idva).
    SetFte {
        #[arg(long)]
        email: String,
        /// For example 1, 0.8 or 0.6.
        #[arg(long)]
        fte: String,
    },
    /// Put a user in one of their agency's teams (see `waymark team`), or in none.
    SetTeam {
        #[arg(long)]
        email: String,
        /// The team's name or id.
        #[arg(long, required_unless_present = "no_team", conflicts_with = "no_team")]
        team: Option<String>,
        /// Take the user out of their team.
        #[arg(long)]
        no_team: bool,
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
    /// Set how a Marac runs: coordinating agency, chair, member agencies, schedule,
    /// capacity and the adult female population. Flags not given keep their values.
    Configure(marac_cli::Configure),
    /// Print how a Marac is set up.
    Show {
        /// The Marac, by name or id.
        #[arg(long)]
        marac: String,
    },
}

#[derive(Debug, Subcommand)]
enum DashCommand {
    /// Read one assessment as JSON on stdin; write the decision as JSON on stdout.
    Score,
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// List the cases past the schedule (references only), and which are on legal hold.
    Report {
        /// Months after a case's last activity that it is kept. No national period exists:
        /// the service sets its own.
        #[arg(long, env = "WAYMARK_RETENTION_CASE_MONTHS")]
        case_months: u32,
    },
    /// Delete the cases past the schedule that are not on legal hold.
    Run {
        #[arg(long, env = "WAYMARK_RETENTION_CASE_MONTHS")]
        case_months: u32,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Everything held about one person, for a subject access request, as JSON. Other
    /// people's details are withheld.
    SubjectAccess {
        /// The person's full name, as recorded (given name then family name).
        #[arg(long)]
        name: String,
        /// Which person, when several share the name (the ids are listed).
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum CaseCommand {
    /// Put a case on legal hold: retention will not delete it.
    Hold {
        #[arg(long)]
        reference: String,
        #[arg(long)]
        reason: String,
    },
    /// Release a legal hold.
    Release {
        #[arg(long)]
        reference: String,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Write a new key file (refuses to overwrite one).
    Generate {
        #[arg(long)]
        output: PathBuf,
    },
    /// Add a new key to the key file, re-seal every sensitive field with it, and keep the
    /// old keys for reading (remove them from the file once backups made with them expire).
    Rotate,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the audit hash chain and report whether it is intact.
    Verify,
}

/// A problem with what the user typed: exit status 2, one line on stderr.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Link(args) => return link::exit(link::link(args)),
        Command::Gen { command } => return link::exit(link::gen_people(command)),
        _ => {}
    }
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

/// Where the key file is: the one named, or `waymark.key` beside a SQLite database.
fn key_path(cli: &Cli) -> anyhow::Result<PathBuf> {
    match (&cli.key_file, &cli.database_url) {
        (Some(path), _) => Ok(path.clone()),
        (None, None) => Ok(cli.data_dir.join("waymark.key")),
        (None, Some(_)) => Err(UsageError(
            "PostgreSQL needs a data key: set --key-file or WAYMARK_KEY_FILE \
             (create one with `waymark key generate --output FILE`)"
                .into(),
        )
        .into()),
    }
}

fn load_keys(cli: &Cli) -> anyhow::Result<Keyring> {
    let path = key_path(cli)?;
    if cli.key_file.is_none() && !path.exists() {
        std::fs::create_dir_all(&cli.data_dir)
            .with_context(|| format!("cannot create {}", cli.data_dir.display()))?;
        let keys = Keyring::new(DataKey::generate()?, Vec::new());
        keys.save_file(&path)?;
        eprintln!(
            "created a new data key in {}: back it up, and keep it apart from copies of the database",
            path.display()
        );
        return Ok(keys);
    }
    Ok(Keyring::load_file(&path)?)
}

async fn open_store(cli: &Cli) -> anyhow::Result<Store> {
    let keys = load_keys(cli)?;
    let store = match &cli.database_url {
        Some(url) => Store::connect(url, keys)
            .await
            .context("cannot connect to DATABASE_URL")?,
        None => Store::open_sqlite_dir(&cli.data_dir, keys)
            .await
            .with_context(|| format!("cannot open the database in {}", cli.data_dir.display()))?,
    };
    store.migrate().await.context("cannot apply migrations")?;
    let sealed = store
        .reseal(Reseal::Plaintext)
        .await
        .context("cannot seal older data")?;
    if sealed > 0 {
        eprintln!("sealed {sealed} values written before encryption at rest");
    }
    Ok(store)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Key {
        command: KeyCommand::Generate { output },
    } = &cli.command
    {
        if output.exists() {
            return Err(
                UsageError(format!("--output: {} already exists", output.display())).into(),
            );
        }
        let keys = Keyring::new(DataKey::generate()?, Vec::new());
        keys.save_file(output)?;
        println!(
            "wrote a new data key to {} (readable by its owner only)",
            output.display()
        );
        return Ok(());
    }
    let store = open_store(&cli).await?;
    match cli.command {
        Command::Serve {
            addr,
            demo,
            session_idle_minutes,
            session_max_hours,
            behind_tls,
            self_referral_agency,
            self_referral_marac,
            first_contact_days_high,
            first_contact_days,
            reassessment_days,
            local_interventions,
            trusted_proxies,
            retention_case_months,
            metrics_token,
        } => {
            if metrics_token
                .as_deref()
                .is_some_and(|t| t.trim().chars().count() < 32)
            {
                return Err(
                    UsageError("--metrics-token must be at least 32 characters".into()).into(),
                );
            }
            if retention_case_months == Some(0) {
                return Err(UsageError("--retention-case-months must be 1 or more".into()).into());
            }
            if reassessment_days < 1 {
                return Err(UsageError("--reassessment-days must be at least 1".into()).into());
            }
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
                hsts: behind_tls,
                trusted_proxies,
                retention_case_months,
                metrics_token: metrics_token.map(|t| t.trim().to_owned()),
                casework: waymark_domain::casework::CaseworkRules {
                    first_contact_working_days_high: first_contact_days_high,
                    first_contact_working_days: first_contact_days,
                    reassessment_days,
                    ..waymark_domain::casework::CaseworkRules::default()
                },
                local_interventions: local_interventions
                    .into_iter()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
                self_referral: self_referral::target(
                    &store,
                    self_referral_agency.as_deref(),
                    self_referral_marac.as_deref(),
                    demo,
                )
                .await?,
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
            command: UserCommand::Disable { email },
        } => {
            let tx = store.begin().await?;
            let user = tx
                .user_by_email(&email)
                .await?
                .ok_or_else(|| UsageError(format!("--email: no user {email}")))?;
            tx.disable_user(user.id).await?;
            tx.audit(admin_event("user.disable", user.id)).await?;
            tx.commit().await?;
            println!("disabled {}; their sessions have ended", user.email);
            Ok(())
        }
        Command::User {
            command: UserCommand::SetFte { email, fte },
        } => {
            let fte = waymark_domain::casework::Fte::parse(&fte).ok_or_else(|| {
                UsageError(format!(
                    "--fte: {fte} is not a fraction of full time from 0.01 to 1, like 0.6"
                ))
            })?;
            let tx = store.begin().await?;
            let user = tx
                .user_by_email(&email)
                .await?
                .ok_or_else(|| UsageError(format!("--email: no user {email}")))?;
            tx.set_fte(user.id, fte).await?;
            tx.audit(admin_event("user.set_fte", user.id)).await?;
            tx.commit().await?;
            println!("{} now works {fte} of full time", user.email);
            Ok(())
        }
        Command::User {
            command: UserCommand::SetRole { email, role },
        } => {
            let role = parse_role(&role)?;
            let tx = store.begin().await?;
            let user = tx
                .user_by_email(&email)
                .await?
                .ok_or_else(|| UsageError(format!("--email: no user {email}")))?;
            tx.set_role(user.id, role).await?;
            tx.audit(admin_event("user.set_role", user.id)).await?;
            tx.commit().await?;
            println!(
                "{} is now {}; this applies from their next request",
                user.email,
                role.as_str()
            );
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
            let role = parse_role(&role)?;
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
            tx.audit(admin_event("user.create", user.id)).await?;
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
            tx.audit(admin_event_on("agency.create", "agency", a.id))
                .await?;
            tx.commit().await?;
            println!("created agency {} ({})", a.name, a.id);
            Ok(())
        }
        Command::Report { command } => report::run(&store, command).await,
        Command::Team { command } => team_cli::run(&store, command).await,
        Command::User {
            command: UserCommand::SetTeam { email, team, .. },
        } => team_cli::set_team(&store, &email, team.as_deref()).await,
        Command::Marac {
            command: MaracCommand::Configure(c),
        } => marac_cli::configure(&store, c).await,
        Command::Marac {
            command: MaracCommand::Show { marac },
        } => marac_cli::show(&store, &marac).await,
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
            tx.audit(admin_event_on("marac.create", "marac", m.id))
                .await?;
            tx.commit().await?;
            println!("created Marac {} ({})", m.name, m.id);
            Ok(())
        }
        Command::Link(_) | Command::Gen { .. } => Ok(()),
        Command::Dash { .. }
        | Command::Key {
            command: KeyCommand::Generate { .. },
        } => Ok(()),
        Command::Retention { command } => {
            let (case_months, delete) = match command {
                RetentionCommand::Report { case_months } => (case_months, false),
                RetentionCommand::Run { case_months } => (case_months, true),
            };
            if case_months < 1 {
                return Err(UsageError("--case-months must be 1 or more".into()).into());
            }
            let schedule = waymark_store::retention::RetentionSchedule { case_months };
            let tx = store.begin().await?;
            let due = tx
                .cases_due_for_deletion(schedule, time::OffsetDateTime::now_utc())
                .await?;
            let mut deleted = 0;
            for d in &due {
                let status = if d.on_legal_hold {
                    "kept: on legal hold"
                } else if d.still_open {
                    "kept: still open, review it"
                } else if delete {
                    tx.delete_case_for_retention(d.id).await?;
                    deleted += 1;
                    "deleted"
                } else {
                    "due for deletion"
                };
                println!(
                    "{} last active {} {status}",
                    d.reference,
                    d.last_activity.date()
                );
            }
            tx.commit().await?;
            println!(
                "{} case(s) past {case_months} months; {deleted} deleted",
                due.len()
            );
            Ok(())
        }
        Command::Export {
            command:
                ExportCommand::SubjectAccess {
                    name,
                    person,
                    output,
                },
        } => {
            if output.exists() {
                return Err(
                    UsageError(format!("--output: {} already exists", output.display())).into(),
                );
            }
            let tx = store.begin().await?;
            let found = tx.find_people_by_name(&name).await?;
            let mut ids: Vec<waymark_store::Uuid> = found.iter().map(|m| m.person_id).collect();
            ids.dedup();
            let chosen = match (person, ids.as_slice()) {
                (Some(p), _) => waymark_store::Uuid::parse_str(p.trim())
                    .ok()
                    .filter(|id| ids.contains(id))
                    .ok_or_else(|| {
                        UsageError(format!(
                            "--person: {p} is not one of the people named {name:?}"
                        ))
                    })?,
                (None, [only]) => *only,
                (None, []) => {
                    return Err(
                        UsageError(format!("--name: no one named {name:?} is recorded")).into(),
                    );
                }
                (None, _) => {
                    for m in &found {
                        eprintln!(
                            "person {} is the {} in {}",
                            m.person_id, m.role, m.case_reference
                        );
                    }
                    return Err(UsageError(
                        "--name matches several people: choose one with --person".into(),
                    )
                    .into());
                }
            };
            let export = tx
                .subject_access(chosen)
                .await?
                .ok_or_else(|| UsageError("--person: no such person".into()))?;
            let json = serde_json::to_vec_pretty(&export)?;
            // The export is recorded before the file is written, so no export goes unaudited.
            tx.commit().await?;
            write_private_file(&output, &json)?;
            println!(
                "wrote the subject access export to {} ({} case(s))",
                output.display(),
                export.cases.len()
            );
            Ok(())
        }
        Command::Case { command } => {
            let (reference, reason) = match &command {
                CaseCommand::Hold { reference, reason } => {
                    if reason.trim().is_empty() {
                        return Err(UsageError("--reason must not be empty".into()).into());
                    }
                    (reference, Some(reason.trim()))
                }
                CaseCommand::Release { reference } => (reference, None),
            };
            let tx = store.begin().await?;
            if tx.set_legal_hold(reference, reason).await?.is_none() {
                return Err(UsageError(format!("--reference: no case {reference}")).into());
            }
            tx.commit().await?;
            println!(
                "{reference} is {}",
                if reason.is_some() {
                    "on legal hold"
                } else {
                    "no longer on legal hold"
                }
            );
            Ok(())
        }
        Command::Backup { output } => {
            if output.exists() {
                return Err(
                    UsageError(format!("--output: {} already exists", output.display())).into(),
                );
            }
            let (bytes, summary) = store.backup().await?;
            write_private_file(&output, &bytes)?;
            println!("backed up {} rows to {}", summary.total(), output.display());
            Ok(())
        }
        Command::Restore { input } => {
            let bytes = std::fs::read(&input).map_err(|e| {
                UsageError(format!("--input: cannot read {}: {e}", input.display()))
            })?;
            let summary = store.restore(&bytes).await.map_err(|e| match e {
                waymark_store::StoreError::Invalid(m) => anyhow::Error::new(UsageError(m)),
                other => anyhow::Error::new(other),
            })?;
            println!(
                "restored {} rows; the audit chain is intact",
                summary.total()
            );
            Ok(())
        }
        Command::Key {
            command: KeyCommand::Rotate,
        } => {
            let path = key_path(&cli)?;
            let rotated = Keyring::load_file(&path)?.rotated(DataKey::generate()?);
            // The new file keeps the old keys, so data stays readable if re-sealing stops.
            rotated.save_file(&path)?;
            drop(store);
            let store = open_store(&cli).await?;
            let n = store.reseal(Reseal::NotCurrent).await?;
            println!(
                "new key {} is in use; re-sealed {n} values; older keys stay in {} for reading",
                rotated.active().id(),
                path.display()
            );
            Ok(())
        }
        Command::Import { command } => import::run(&store, command).await,
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

/// Writes a new file only its owner can read.
fn write_private_file(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// A role from the command line, or a usage error naming the choices.
fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::parse(role).ok_or_else(|| {
        UsageError(format!(
            "--role: {role:?} is not one of caseworker, marac_coordinator, agency_rep, manager, admin, data_protection"
        ))
        .into()
    })
}

/// The audit record of an administration command run on the server itself (request id
/// `cli`; the operator is whoever has a shell on the server).
pub(crate) fn admin_event_on(
    action: &'static str,
    object_type: &'static str,
    id: waymark_store::Uuid,
) -> waymark_store::audit::AuditEvent {
    waymark_store::audit::AuditEvent {
        actor: None,
        action,
        object_type,
        object_id: Some(id.to_string()),
        outcome: waymark_store::audit::Outcome::Allowed,
        request_id: Some("cli".into()),
    }
}

pub(crate) fn admin_event(
    action: &'static str,
    user_id: waymark_store::Uuid,
) -> waymark_store::audit::AuditEvent {
    admin_event_on(action, "user", user_id)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
