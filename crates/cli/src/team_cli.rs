//! `waymark team`: an agency's teams, and whether its caseworkers see only their own
//! team's cases. `waymark user set-team` puts someone in a team.
use clap::{Subcommand, ValueEnum};
use waymark_store::directory::Agency;
use waymark_store::{Store, StoreError, Tx, Uuid};

use crate::{UsageError, admin_event, admin_event_on};

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Add a team to an agency (for example "Hospital Idva team").
    Add {
        /// The agency's name or id.
        #[arg(long)]
        agency: String,
        #[arg(long)]
        name: String,
    },
    /// List an agency's teams, who is in each, and whether the restriction is on.
    List {
        /// The agency's name or id.
        #[arg(long)]
        agency: String,
    },
    /// Turn on or off the agency's team restriction: when on, its caseworkers see only
    /// their own team's cases and the cases allocated to them. Managers and Marac
    /// coordinators still see every case of the agency. Applies from the next request.
    Restrict {
        /// The agency's name or id.
        #[arg(long)]
        agency: String,
        #[arg(long, value_enum)]
        to_teams: OnOff,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

fn usage(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(m) => anyhow::Error::new(UsageError(m)),
        other => anyhow::Error::new(other),
    }
}

async fn find_agency(tx: &Tx, agency: &str) -> anyhow::Result<Agency> {
    let found = match Uuid::parse_str(agency.trim()) {
        Ok(id) => tx.agency(id).await?,
        Err(_) => tx.agency_by_name(agency.trim()).await?,
    };
    found.ok_or_else(|| UsageError(format!("--agency: no agency named {agency:?}")).into())
}

pub async fn run(store: &Store, command: TeamCommand) -> anyhow::Result<()> {
    match command {
        TeamCommand::Add { agency, name } => {
            let tx = store.begin().await?;
            let agency = find_agency(&tx, &agency).await?;
            let team = tx.add_team(agency.id, &name).await.map_err(usage)?;
            tx.audit(admin_event_on("team.create", "team", team.id))
                .await?;
            tx.commit().await?;
            println!("added team {} to {} ({})", team.name, agency.name, team.id);
            Ok(())
        }
        TeamCommand::List { agency } => {
            let tx = store.begin().await?;
            let agency = find_agency(&tx, &agency).await?;
            let teams = tx.teams(agency.id).await?;
            let users = tx.agency_users(agency.id).await?;
            let restricted = tx.restricts_to_teams(agency.id).await?;
            tx.commit().await?;
            println!(
                "{}: team restriction {}",
                agency.name,
                if restricted {
                    "on (caseworkers see their own team's cases)"
                } else {
                    "off (caseworkers see every case of the agency)"
                }
            );
            if teams.is_empty() {
                println!("no teams yet: add one with `waymark team add`");
            }
            for team in &teams {
                let members: Vec<&str> = users
                    .iter()
                    .filter(|u| u.team_id == Some(team.id))
                    .map(|u| u.email.as_str())
                    .collect();
                println!(
                    "{}: {}",
                    team.name,
                    if members.is_empty() {
                        "(no one)".into()
                    } else {
                        members.join(", ")
                    }
                );
            }
            let unteamed: Vec<&str> = users
                .iter()
                .filter(|u| u.team_id.is_none())
                .map(|u| u.email.as_str())
                .collect();
            if !unteamed.is_empty() {
                println!("in no team: {}", unteamed.join(", "));
            }
            Ok(())
        }
        TeamCommand::Restrict { agency, to_teams } => {
            let tx = store.begin().await?;
            let agency = find_agency(&tx, &agency).await?;
            let on = to_teams == OnOff::On;
            tx.set_team_restriction(agency.id, on)
                .await
                .map_err(usage)?;
            tx.audit(admin_event_on(
                "agency.set_team_restriction",
                "agency",
                agency.id,
            ))
            .await?;
            tx.commit().await?;
            if on {
                println!(
                    "{}: caseworkers now see only their own team's cases and those allocated to them, from their next request",
                    agency.name
                );
            } else {
                println!(
                    "{}: caseworkers now see every case of the agency, from their next request",
                    agency.name
                );
            }
            Ok(())
        }
    }
}

/// `waymark user set-team --email E (--team NAME | --no-team)`.
pub async fn set_team(store: &Store, email: &str, team: Option<&str>) -> anyhow::Result<()> {
    let tx = store.begin().await?;
    let user = tx
        .user_by_email(email)
        .await?
        .ok_or_else(|| UsageError(format!("--email: no user {email}")))?;
    let team = match team {
        Some(name) => {
            let found = tx.team_by_name(user.agency_id, name).await?;
            let Some(found) = found else {
                let names: Vec<String> = tx
                    .teams(user.agency_id)
                    .await?
                    .into_iter()
                    .map(|t| t.name)
                    .collect();
                return Err(UsageError(format!(
                    "--team: the user's agency has no team {name:?}; its teams are: {}",
                    if names.is_empty() {
                        "(none yet: add one with `waymark team add`)".into()
                    } else {
                        names.join(", ")
                    }
                ))
                .into());
            };
            Some(found)
        }
        None => None,
    };
    tx.set_user_team(user.id, team.as_ref().map(|t| t.id))
        .await
        .map_err(usage)?;
    tx.audit(admin_event("user.set_team", user.id)).await?;
    tx.commit().await?;
    match team {
        Some(t) => println!(
            "{} is now in {}; this applies from their next request",
            user.email, t.name
        ),
        None => println!(
            "{} is now in no team; this applies from their next request",
            user.email
        ),
    }
    Ok(())
}
