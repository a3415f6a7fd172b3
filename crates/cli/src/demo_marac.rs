//! The demo Marac: a fortnightly meeting with its member agencies, a year of meetings heard
//! and closed with research, minutes and actions, the latest meeting still in progress, and
//! the newest referrals waiting for the coordinator. Every name is made up.
use waymark_domain::marac::{
    ActionInput, ActionStatus, ActionUpdate, AttendanceStatus, Cadence, Capacity, Minutes, Risks,
    Schedule,
};
use waymark_domain::marac_referral::{MaracReferralDetails, ScreeningInput};
use waymark_domain::referral::Consent;
use waymark_store::Tx;
use waymark_store::directory::Agency;
use waymark_store::marac::MaracSettings;
use waymark_store::users::User;

/// A demo Marac referral waiting to be made: the case, who refers it and when.
pub struct Pending {
    pub case_id: waymark_store::Uuid,
    pub owner: User,
    pub on: time::Date,
}

fn form(n: usize) -> MaracReferralDetails {
    MaracReferralDetails {
        consent: if n % 6 == 5 {
            Consent::NotGiven
        } else {
            Consent::Given
        },
        consent_reason: (n % 6 == 5)
            .then(|| "Demo: risk of serious harm; sharing is necessary and proportionate.".into()),
        victim_aware: n % 7 != 3,
        victim_wants: Some("Demo: to feel safe at home and for the children to be safe.".into()),
        reason: "Demo referral: a recent incident with threats; made-up details.".into(),
        police_reference: n
            .is_multiple_of(2)
            .then(|| format!("NM/{:05}/26", 10_000 + n)),
        victim_racially_minoritised: [Some(false), Some(true), None, Some(false)]
            .get(n % 4)
            .copied()
            .flatten(),
        victim_disabled: [Some(false), Some(false), Some(true), None]
            .get(n % 4)
            .copied()
            .flatten(),
        victim_lgbt: [Some(false), None, Some(false), Some(false), Some(true)]
            .get(n % 5)
            .copied()
            .flatten(),
        // The demo's people carry their gender on the person record.
        victim_gender: None,
    }
}

/// Sets up the Marac and runs a year of it.
#[allow(clippy::too_many_arguments)]
pub async fn seed(
    tx: &Tx,
    marac_id: waymark_store::Uuid,
    agencies: &[Agency],
    coordinator: &User,
    chair: &User,
    housing_rep: &User,
    mut pending: Vec<Pending>,
    today: time::Date,
) -> anyhow::Result<()> {
    let err = |e: waymark_store::cases::CaseError| anyhow::anyhow!("{e}");
    let coordinating = agencies
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("demo agency"))?;
    tx.configure_marac(
        marac_id,
        &MaracSettings {
            coordinating_agency_id: Some(coordinating.id),
            chair_user_id: Some(chair.id),
            // Fortnightly, on the weekday of today, so one meeting is always near.
            schedule: Some(Schedule {
                first_on: today - time::Duration::days(364 + 14 * 26),
                cadence: Cadence::EveryWeeks { weeks: 2 },
            }),
            capacity: Capacity::default(),
            repeats_first: true,
            adult_female_population: Some(92_000),
            members: agencies.iter().map(|a| a.id).collect(),
        },
    )
    .await?;
    // The neighbouring area's Marac, which cases transfer to when a victim moves.
    let southmoor = tx
        .create_marac(
            "Southmoor Marac (demo)",
            "Southmoor",
            &waymark_domain::dash::Thresholds::default(),
        )
        .await?;
    tx.configure_marac(
        southmoor.id,
        &MaracSettings {
            coordinating_agency_id: Some(coordinating.id),
            chair_user_id: None,
            schedule: Some(Schedule {
                first_on: today - time::Duration::days(7 + 28 * 13),
                cadence: Cadence::EveryWeeks { weeks: 4 },
            }),
            capacity: Capacity::default(),
            repeats_first: true,
            adult_female_population: Some(61_000),
            members: agencies.iter().map(|a| a.id).collect(),
        },
    )
    .await?;
    pending.sort_by_key(|p| p.on);
    // The newest referrals wait for the coordinator.
    let waiting_from = today - time::Duration::days(6);
    for (n, p) in pending.iter().enumerate() {
        let (referral_id, _) = tx
            .refer_to_marac(&p.owner, p.case_id, &form(n), p.on, None)
            .await
            .map_err(err)?;
        if p.on >= waiting_from {
            continue;
        }
        let view = tx
            .screening(coordinator, referral_id, None)
            .await
            .map_err(err)?;
        let repeat_of = view
            .referral
            .candidates
            .first()
            .map(|c| c.id.to_string())
            .unwrap_or_default();
        tx.screen_referral(
            coordinator,
            referral_id,
            &ScreeningInput {
                decision: "accept".into(),
                repeat_of,
                reason: String::new(),
            },
            p.on,
            None,
        )
        .await
        .map_err(err)?;
    }
    // Every meeting before today was held; the latest is still being minuted.
    let meetings: Vec<_> = tx
        .meetings_for(coordinator)
        .await?
        .into_iter()
        .filter(|m| m.meets_on < today)
        .collect();
    let last = meetings.last().map(|m| m.id);
    for (k, m) in meetings.iter().enumerate() {
        tx.publish_agenda(coordinator, m.id, None)
            .await
            .map_err(err)?;
        tx.accept_confidentiality(coordinator, m.id, None)
            .await
            .map_err(err)?;
        tx.accept_confidentiality(housing_rep, m.id, None)
            .await
            .map_err(err)?;
        tx.accept_confidentiality(chair, m.id, None)
            .await
            .map_err(err)?;
        let view = tx
            .meeting(coordinator, m.id, today, None)
            .await
            .map_err(err)?;
        let attendance: Vec<_> = agencies
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let status = if (i + k) % 7 == 6 {
                    AttendanceStatus::Apologies
                } else {
                    AttendanceStatus::Present
                };
                (
                    a.id,
                    status,
                    None,
                    status == AttendanceStatus::Present || k % 2 == 0,
                )
            })
            .collect();
        tx.record_attendance(chair, m.id, &attendance, None)
            .await
            .map_err(err)?;
        for (j, case) in view.agenda.iter().enumerate() {
            if j.is_multiple_of(2) {
                tx.save_research(
                    housing_rep,
                    case.hearing_id,
                    "Demo research: the victim is a housing tenant; one report of damage to the property last month.",
                    None,
                )
                .await
                .map_err(err)?;
            }
            if Some(m.id) == last && j % 2 == 1 {
                // Still to be heard at the meeting in progress.
                continue;
            }
            tx.record_minutes(
                chair,
                case.hearing_id,
                &Minutes {
                    discussion: Some(
                        "Demo: agencies shared what they know; the risk remains high.".into(),
                    ),
                    decision: None,
                    risks: Risks {
                        to_victim: Some("Demo: further assault; stalking after separation.".into()),
                        to_children: (case.children > 0)
                            .then(|| "Demo: witnessing abuse at home.".into()),
                        to_others: None,
                        to_staff: None,
                    },
                },
                None,
            )
            .await
            .map_err(err)?;
            for (a, (text, purpose)) in [
                (
                    "Demo: flag the address for an urgent police response.",
                    "victim",
                ),
                (
                    "Demo: consider a management transfer and target hardening.",
                    "victim",
                ),
                (
                    "Demo: check the children's school is aware of the risk.",
                    "children",
                ),
            ]
            .iter()
            .enumerate()
            .take(1 + (j + k) % 3)
            {
                let owner = agencies
                    .get([0, 4, 2][a % 3])
                    .ok_or_else(|| anyhow::anyhow!("demo agency"))?;
                let id = tx
                    .add_action(
                        chair,
                        case.hearing_id,
                        &ActionInput {
                            action: (*text).to_owned(),
                            agency_id: owner.id.to_string(),
                            due_on: (m.meets_on + time::Duration::days(14 + 7 * a as i64))
                                .to_string(),
                            purpose: (*purpose).to_owned(),
                        },
                        None,
                    )
                    .await
                    .map_err(err)?;
                // Most older actions are done by now; a few are overdue.
                if m.meets_on + time::Duration::days(42) < today && (j + a + k) % 5 != 0 {
                    tx.update_action(
                        coordinator,
                        id,
                        &ActionUpdate {
                            status: ActionStatus::Done,
                            not_done_reason: None,
                            note: None,
                        },
                        None,
                        None,
                    )
                    .await
                    .map_err(err)?;
                }
            }
        }
        if Some(m.id) != last {
            tx.close_meeting(chair, m.id, None).await.map_err(err)?;
        }
    }
    Ok(())
}
