//! `waymark marac configure` and `waymark marac show`: how a Marac runs (who coordinates
//! and chairs it, which agencies sit at it, when it meets, how many cases a meeting hears)
//! and the population its coverage is measured against.
use clap::Args;
use time::Weekday;
use waymark_domain::marac::{Cadence, Capacity, Schedule};
use waymark_store::Store;
use waymark_store::marac::{MaracConfig, MaracSettings};

use crate::UsageError;

#[derive(Debug, Args)]
pub struct Configure {
    /// The Marac, by name or id.
    #[arg(long)]
    pub marac: String,
    /// The agency whose Marac coordinators run it (screen referrals, publish agendas).
    #[arg(long)]
    pub coordinating_agency: Option<String>,
    /// The chair, by email address.
    #[arg(long)]
    pub chair: Option<String>,
    /// A member agency, by name; repeat for each. Replaces the members when given.
    #[arg(long = "member")]
    pub members: Vec<String>,
    /// Meets every N weeks from --first-meeting (fortnightly is 2).
    #[arg(long, conflicts_with = "monthly")]
    pub every_weeks: Option<u32>,
    /// Meets monthly on a weekday, like "2 tuesday" or "last thursday".
    #[arg(long)]
    pub monthly: Option<String>,
    /// The first meeting, YYYY-MM-DD (with --every-weeks or --monthly).
    #[arg(long)]
    pub first_meeting: Option<String>,
    /// Cases a meeting can hear (about 16 at 12–15 minutes each is typical).
    #[arg(long)]
    pub cases_per_meeting: Option<u32>,
    /// Days agencies need to research a case before its meeting.
    #[arg(long)]
    pub research_days: Option<u32>,
    /// Whether repeat referrals are heard first (true or false).
    #[arg(long)]
    pub repeats_first: Option<bool>,
    /// Adult females in the Marac's area, for the coverage check (cases per 10,000).
    #[arg(long)]
    pub adult_female_population: Option<u32>,
}

fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_lowercase().as_str() {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        _ => return None,
    })
}

/// Reads "2 tuesday", "2nd tuesday" or "last thursday".
pub fn monthly(s: &str) -> Result<Cadence, UsageError> {
    let bad = || {
        UsageError(format!(
            "--monthly: {s:?} is not a weekday of the month, like \"2 tuesday\" or \"last thursday\""
        ))
    };
    let mut parts = s.split_whitespace();
    let (Some(nth), Some(day), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let nth = match nth
        .to_lowercase()
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
    {
        "" if nth.eq_ignore_ascii_case("last") => 5,
        n => n
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=4).contains(n))
            .ok_or_else(bad)?,
    };
    Ok(Cadence::Monthly {
        nth,
        weekday: weekday(day).ok_or_else(bad)?,
    })
}

async fn find(tx: &waymark_store::Tx, marac: &str) -> anyhow::Result<MaracConfig> {
    let wanted = marac.trim();
    let found = tx
        .maracs()
        .await?
        .into_iter()
        .find(|m| m.id.to_string() == wanted || m.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| UsageError(format!("--marac: no Marac named {wanted:?}")))?;
    tx.marac_config(found.id)
        .await?
        .ok_or_else(|| UsageError(format!("--marac: no Marac named {wanted:?}")).into())
}

pub async fn configure(store: &Store, c: Configure) -> anyhow::Result<()> {
    let tx = store.begin().await?;
    let current = find(&tx, &c.marac).await?;
    let mut settings = MaracSettings {
        coordinating_agency_id: current.coordinating_agency_id,
        chair_user_id: current.chair_user_id,
        schedule: current.schedule,
        capacity: current.capacity,
        repeats_first: current.repeats_first,
        adult_female_population: current.adult_female_population,
        members: current.members.iter().map(|a| a.id).collect(),
    };
    if let Some(name) = &c.coordinating_agency {
        let a = tx.agency_by_name(name.trim()).await?.ok_or_else(|| {
            UsageError(format!("--coordinating-agency: no agency named {name:?}"))
        })?;
        settings.coordinating_agency_id = Some(a.id);
    }
    if let Some(email) = &c.chair {
        let u = tx
            .user_by_email(email.trim())
            .await?
            .ok_or_else(|| UsageError(format!("--chair: no user {email}")))?;
        settings.chair_user_id = Some(u.id);
    }
    if !c.members.is_empty() {
        let mut ids = Vec::new();
        for name in &c.members {
            let a = tx
                .agency_by_name(name.trim())
                .await?
                .ok_or_else(|| UsageError(format!("--member: no agency named {name:?}")))?;
            ids.push(a.id);
        }
        settings.members = ids;
    }
    let first_on = c
        .first_meeting
        .as_deref()
        .map(|d| {
            waymark_domain::referral::parse_iso_date(d).ok_or_else(|| {
                UsageError(format!(
                    "--first-meeting: {d:?} is not a date like 2027-01-07"
                ))
            })
        })
        .transpose()?;
    let cadence = match (c.every_weeks, c.monthly.as_deref()) {
        (Some(0), _) => return Err(UsageError("--every-weeks must be 1 or more".into()).into()),
        (Some(weeks), _) => Some(Cadence::EveryWeeks { weeks }),
        (None, Some(m)) => Some(monthly(m)?),
        (None, None) => None,
    };
    match (cadence, first_on) {
        (Some(cadence), Some(first_on)) => settings.schedule = Some(Schedule { first_on, cadence }),
        (Some(_), None) => {
            return Err(UsageError("--first-meeting is needed with a new schedule".into()).into());
        }
        (None, Some(first_on)) => match settings.schedule {
            Some(s) => settings.schedule = Some(Schedule { first_on, ..s }),
            None => {
                return Err(UsageError(
                    "--first-meeting needs --every-weeks or --monthly (the Marac has no schedule yet)".into(),
                )
                .into());
            }
        },
        (None, None) => {}
    }
    if let Some(n) = c.cases_per_meeting {
        if n == 0 {
            return Err(UsageError("--cases-per-meeting must be 1 or more".into()).into());
        }
        settings.capacity = Capacity {
            cases_per_meeting: n,
            ..settings.capacity
        };
    }
    if let Some(d) = c.research_days {
        settings.capacity = Capacity {
            research_days: d,
            ..settings.capacity
        };
    }
    if let Some(r) = c.repeats_first {
        settings.repeats_first = r;
    }
    if let Some(p) = c.adult_female_population {
        if p == 0 {
            return Err(UsageError("--adult-female-population must be more than 0".into()).into());
        }
        settings.adult_female_population = Some(p);
    }
    if let Some(coordinating) = settings.coordinating_agency_id
        && !settings.members.contains(&coordinating)
    {
        // The coordinating agency always sits at its own Marac.
        settings.members.push(coordinating);
    }
    tx.configure_marac(current.marac.id, &settings).await?;
    tx.audit(crate::admin_event_on(
        "marac.configure",
        "marac",
        current.marac.id,
    ))
    .await?;
    let updated = find(&tx, &current.marac.id.to_string()).await?;
    tx.commit().await?;
    print!("{}", describe(&updated));
    Ok(())
}

/// The Marac's configuration, as `marac show` prints it.
pub fn describe(m: &MaracConfig) -> String {
    let schedule = match m.schedule {
        None => "no schedule yet".to_owned(),
        Some(Schedule {
            first_on,
            cadence: Cadence::EveryWeeks { weeks },
        }) => format!("every {weeks} week(s) from {first_on}"),
        Some(Schedule {
            first_on,
            cadence: Cadence::Monthly { nth, weekday },
        }) => {
            let which = match nth {
                1 => "1st".to_owned(),
                2 => "2nd".to_owned(),
                3 => "3rd".to_owned(),
                n if n >= 5 => "last".to_owned(),
                n => format!("{n}th"),
            };
            format!("monthly on the {which} {weekday}, from {first_on}")
        }
    };
    let members: Vec<&str> = m.members.iter().map(|a| a.name.as_str()).collect();
    format!(
        "{} ({})\n  area: {}\n  schedule: {schedule}\n  capacity: {} cases a meeting, {} research days\n  repeats first: {}\n  adult female population: {}\n  members: {}\n  coordinating agency id: {}\n  chair user id: {}\n",
        m.marac.name,
        m.marac.id,
        m.marac.area,
        m.capacity.cases_per_meeting,
        m.capacity.research_days,
        m.repeats_first,
        m.adult_female_population
            .map(|p| p.to_string())
            .unwrap_or_else(|| "not set".into()),
        if members.is_empty() {
            "none".to_owned()
        } else {
            members.join(", ")
        },
        m.coordinating_agency_id
            .map(|a| a.to_string())
            .unwrap_or_else(|| "not set".into()),
        m.chair_user_id
            .map(|a| a.to_string())
            .unwrap_or_else(|| "not set".into()),
    )
}

pub async fn show(store: &Store, marac: &str) -> anyhow::Result<()> {
    let tx = store.begin().await?;
    let m = find(&tx, marac).await?;
    tx.commit().await?;
    print!("{}", describe(&m));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_cadences_read_as_people_write_them() {
        assert_eq!(
            monthly("2 tuesday").unwrap(),
            Cadence::Monthly {
                nth: 2,
                weekday: Weekday::Tuesday
            }
        );
        assert_eq!(
            monthly("2nd Tuesday").unwrap(),
            Cadence::Monthly {
                nth: 2,
                weekday: Weekday::Tuesday
            }
        );
        assert_eq!(
            monthly("last thursday").unwrap(),
            Cadence::Monthly {
                nth: 5,
                weekday: Weekday::Thursday
            }
        );
        assert!(monthly("5 tuesday").is_err());
        assert!(monthly("2 saturday").is_err());
        assert!(monthly("tuesday").is_err());
    }
}
