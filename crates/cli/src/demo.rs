//! A demonstration area: agencies, an Idva service, a Marac, users for every role and
//! about 80 cases with Dash histories. Every name is made up, and obviously so.
use std::collections::BTreeMap;

use waymark_domain::casework::{
    ClosureInput, ContactInput, Fte, InterventionInput, InterventionKind, InterventionStatus,
    MeasureStage,
};
use waymark_domain::dash::{
    Answer, Assessment, InstrumentRegistry, ProfessionalJudgement, Thresholds,
};
use waymark_domain::measures::{
    AbuseResumed, ByAbuseType, Change, Exit, ExitProfile, ExitRating, Fear, FearAnswer, FeelsSafer,
    FollowUp, OngoingContact, Period, QualityOfLife, Sustainable,
};
use waymark_domain::referral::{
    Child, Consent, Gender, LivesWith, NewReferral, PersonDetails, ReferralRoute, Relationship,
};
use waymark_domain::role::Role;
use waymark_store::cases::Intake;
use waymark_store::users::User;
use waymark_store::{Store, Tx};

pub struct DemoAccount {
    pub role: Role,
    pub email: String,
    pub password: String,
}

/// The demo accounts: (role, email, display name, agency index). Passwords are fixed so
/// that a restarted demo prints the same working accounts.
const ACCOUNTS: &[(Role, &str, &str, usize)] = &[
    (
        Role::Caseworker,
        "idva@demo.waymark.test",
        "Casey Idva (demo)",
        1,
    ),
    (
        Role::Caseworker,
        "idva2@demo.waymark.test",
        "Robin Outreach (demo)",
        1,
    ),
    (
        Role::Caseworker,
        "police-dao@demo.waymark.test",
        "Pat Officer (demo)",
        0,
    ),
    (
        Role::MaracCoordinator,
        "coordinator@demo.waymark.test",
        "Morgan Coordinator (demo)",
        1,
    ),
    (
        Role::AgencyRep,
        "housing-rep@demo.waymark.test",
        "Harper Housing (demo)",
        4,
    ),
    (
        Role::Manager,
        "manager@demo.waymark.test",
        "Jordan Manager (demo)",
        1,
    ),
    (
        Role::Admin,
        "admin@demo.waymark.test",
        "Alex Admin (demo)",
        1,
    ),
    (
        Role::AgencyRep,
        "police-rep@demo.waymark.test",
        "Sam Sergeant (demo), Marac chair",
        0,
    ),
    (
        Role::DataProtection,
        "dpo@demo.waymark.test",
        "Drew Protection (demo), data protection officer",
        1,
    ),
];

const AGENCIES: &[(&str, &str)] = &[
    ("Northmoor Police (demo)", "police"),
    ("Northmoor Domestic Abuse Service (demo)", "idva_service"),
    (
        "Northmoor Children's Social Care (demo)",
        "childrens_social_care",
    ),
    ("Northmoor NHS Trust (demo)", "health"),
    ("Northmoor Housing (demo)", "housing"),
];

const GIVEN: &[&str] = &[
    "Alex", "Bailey", "Casey", "Dana", "Eden", "Frankie", "Gale", "Harley", "Indie", "Jesse",
    "Kit", "Lee", "Morgan", "Nico", "Oakley", "Parker", "Quinn", "Rowan", "Sasha", "Tate", "Umi",
    "Val", "Wren", "Yael", "Zion",
];
const FAMILY: &[&str] = &[
    "Example",
    "Sample",
    "Placeholder",
    "Testwell",
    "Mockridge",
    "Dummett",
    "Fictional",
    "Madeup",
    "Pretendly",
    "Notreal",
    "Samplewood",
    "Testington",
    "Demoford",
    "Imaginary",
    "Fakeley",
];

fn password_for(role: Role, n: usize) -> String {
    format!("demo-{}-{n}-northmoor", role.as_str().replace('_', "-"))
}

/// A small deterministic generator, so the demo area is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or("Example")
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn person(rng: &mut Rng, born_from: i32, born_to: i32, gender: Option<Gender>) -> PersonDetails {
    let year = born_from
        + i32::try_from(rng.below(usize::try_from(born_to - born_from).unwrap_or(1))).unwrap_or(0);
    let day = u8::try_from(1 + rng.below(28)).unwrap_or(1);
    let month = time::Month::try_from(u8::try_from(1 + rng.below(12)).unwrap_or(1))
        .unwrap_or(time::Month::January);
    PersonDetails {
        given_name: rng.pick(GIVEN).to_owned(),
        family_name: rng.pick(FAMILY).to_owned(),
        date_of_birth: time::Date::from_calendar_date(year, month, day).ok(),
        gender,
    }
}

/// Seeds the demo area if the database has no users; returns the demo accounts either way.
pub async fn seed_if_empty(store: &Store) -> anyhow::Result<Vec<DemoAccount>> {
    let accounts: Vec<DemoAccount> = ACCOUNTS
        .iter()
        .enumerate()
        .map(|(i, (role, email, _, _))| DemoAccount {
            role: *role,
            email: (*email).to_owned(),
            password: password_for(*role, i + 1),
        })
        .collect();
    let tx = store.begin().await?;
    if tx.user_count().await? > 0 {
        return Ok(accounts);
    }
    let registry = InstrumentRegistry::builtin().map_err(|e| anyhow::anyhow!("{e}"))?;
    let instrument = registry.default_instrument().clone();
    let mut agencies = Vec::new();
    for (name, kind) in AGENCIES {
        agencies.push(tx.create_agency(name, kind).await?);
    }
    let marac = tx
        .create_marac(
            "Northmoor Marac (demo)",
            "Northmoor",
            &Thresholds::default(),
        )
        .await?;
    let mut users = Vec::new();
    for ((role, email, display, agency), account) in ACCOUNTS.iter().zip(&accounts) {
        let agency_id = agencies
            .get(*agency)
            .map(|a| a.id)
            .ok_or_else(|| anyhow::anyhow!("demo agency"))?;
        let user = tx
            .create_user(email, display, agency_id, *role, &account.password)
            .await?;
        // Demo accounts skip the second factor, but only while Waymark runs with --demo.
        tx.set_mfa_exempt_demo(user.id).await?;
        users.push(user);
    }
    let referrers: Vec<_> = users
        .iter()
        .filter(|u| u.role == Role::Caseworker)
        .cloned()
        .collect();
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
    let mut closed = Vec::new();
    let mut marac_referrals = Vec::new();
    for n in 0..80 {
        // Most cases belong to the Idva service; every fifth to the police, so that the
        // demo shows a case from another agency staying invisible.
        let owner = if n % 5 == 4 {
            referrers.get(2)
        } else {
            referrers.get(n % 2)
        };
        let owner = owner.ok_or_else(|| anyhow::anyhow!("demo caseworker"))?;
        let children = (0..rng.below(3))
            .map(|_| Child {
                person: person(&mut rng, 2010, 2025, None),
                lives_with: Some(if rng.chance(80) {
                    LivesWith::Victim
                } else {
                    LivesWith::Both
                }),
            })
            .collect();
        let male_victim = rng.chance(7);
        let referred_on =
            today - time::Duration::days(i64::try_from(30 + rng.below(330)).unwrap_or(30));
        let referral = NewReferral {
            victim: person(
                &mut rng,
                1960,
                2006,
                Some(if male_victim {
                    Gender::Male
                } else {
                    Gender::Female
                }),
            ),
            perpetrator: person(
                &mut rng,
                1955,
                2006,
                Some(if male_victim {
                    Gender::Female
                } else {
                    Gender::Male
                }),
            ),
            relationship: *[
                Relationship::IntimatePartner,
                Relationship::ExPartner,
                Relationship::IntermittentPartner,
                Relationship::FamilyMember,
            ]
            .get(rng.below(4))
            .unwrap_or(&Relationship::ExPartner),
            children,
            referring_agency_id: agencies
                .get(rng.below(agencies.len()))
                .map(|a| a.id.to_string())
                .unwrap_or_default(),
            route: *[
                ReferralRoute::Police,
                ReferralRoute::Police,
                ReferralRoute::Police,
                ReferralRoute::SelfReferral,
                ReferralRoute::Health,
                ReferralRoute::Marac,
            ]
            .get(rng.below(6))
            .unwrap_or(&ReferralRoute::Police),
            referred_on,
            consent: if rng.chance(85) {
                Consent::Given
            } else {
                Consent::NotGiven
            },
            consent_reason: None,
            victim_aware: rng.chance(90),
            reason: Some("Demo referral: recent incident reported; made-up details.".into()),
            safe_phone: rng
                .chance(70)
                .then(|| format!("07700 900{:03}", rng.below(1000))),
            safe_times: rng.chance(50).then(|| "Weekdays 10am to 2pm".to_owned()),
            voicemail_safe: rng.chance(30),
            post_safe: rng.chance(20),
        };
        let referral = if referral.consent == Consent::NotGiven {
            NewReferral {
                consent_reason: Some(
                    "Risk to children; sharing is necessary and proportionate.".into(),
                ),
                ..referral
            }
        } else {
            referral
        };
        // Recent referrals to the Idva service wait in triage; the rest are being worked.
        let idva_case = n % 5 != 4;
        let intake = if idva_case && (today - referred_on).whole_days() < 45 && rng.chance(40) {
            Intake::Triage
        } else {
            Intake::AllocateToReferrer
        };
        let case_id = tx
            .create_referral_to(owner, marac.id, &referral, intake, None)
            .await?;
        // Where some of the Idva service's clients live, a few of them in refuge (chosen by
        // the case number, so the rest of the demo area stays as it is).
        if idva_case && n % 3 == 0 {
            const UNIT: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
            let letter = |i: usize| char::from(UNIT.get(i % UNIT.len()).copied().unwrap_or(b'A'));
            let in_refuge = n % 6 == 0;
            let whereabouts = waymark_domain::whereabouts::WhereaboutsInput {
                address: if in_refuge {
                    String::new()
                } else {
                    format!("{} Moorside Road (demo)\nNorthmoor", 1 + n % 90)
                },
                postcode: format!("NM{} {}{}{}", 1 + n % 9, n % 10, letter(n), letter(n / 3)),
                refuge: if in_refuge {
                    "Northmoor Women's Refuge (demo); the refuge holds the address".to_owned()
                } else {
                    String::new()
                },
                gp_practice: "Moor Lane Surgery (demo), Northmoor".to_owned(),
            };
            tx.update_whereabouts(owner, case_id, &whereabouts, None)
                .await?;
        }
        if intake == Intake::AllocateToReferrer
            && let Some(closed_on) =
                work_case(&tx, owner, case_id, referred_on, today, &mut rng).await?
            && idva_case
        {
            closed.push((case_id, closed_on));
        }
        // One to three Dash assessments, weeks apart. Each case has its own order in which
        // risk factors become "yes", so a re-assessment adds factors the way a worsening
        // situation would, and the list of what changed reads naturally.
        let mut order: Vec<usize> = (0..instrument.items.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut assessed_on = referred_on;
        let mut last_decision = None;
        let base = rng.below(20);
        for k in 0..(1 + rng.below(3)) {
            let target = (base + k * rng.below(4)).min(24);
            let mut answers = BTreeMap::new();
            for (rank, &i) in order.iter().enumerate() {
                let Some(item) = instrument.items.get(i) else {
                    continue;
                };
                let answer = if rank < target {
                    Answer::Yes
                } else if rng.chance(15) {
                    Answer::NotKnown
                } else {
                    Answer::No
                };
                answers.insert(item.key.clone(), answer);
            }
            let judgement = (target < 14 && rng.chance(8))
                .then(|| {
                    ProfessionalJudgement::new(
                        "Demo: serious concern after the victim's disclosure.",
                    )
                })
                .transpose()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let assessment = Assessment::new(
                &instrument,
                answers,
                BTreeMap::new(),
                u32::try_from(rng.below(5)).unwrap_or(0),
                judgement,
                assessed_on,
                None,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (_, decision) = tx
                .record_assessment(owner, case_id, &registry, assessment, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            last_decision = Some((assessed_on, decision.refer_to_marac));
            assessed_on += time::Duration::days(i64::try_from(14 + rng.below(40)).unwrap_or(14));
            if assessed_on > today {
                break;
            }
        }
        // Cases whose latest Dash meets the criteria were referred to the Marac then.
        if let Some((on, true)) = last_decision {
            marac_referrals.push(crate::demo_marac::Pending {
                case_id,
                owner: owner.clone(),
                on,
            });
        }
    }
    // A victim the police referred about ten months ago, heard at the Marac: if she is
    // referred again, the coordinator is shown the earlier referral as a possible repeat.
    if let Some(officer) = referrers.get(2) {
        let on = today - time::Duration::days(300);
        let case_id = tx
            .create_referral_to(
                officer,
                marac.id,
                &earlier_victim(&agencies, on),
                Intake::AllocateToReferrer,
                None,
            )
            .await?;
        let answers = instrument
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                (
                    item.key.clone(),
                    if i < 15 { Answer::Yes } else { Answer::No },
                )
            })
            .collect();
        let assessment = Assessment::new(&instrument, answers, BTreeMap::new(), 2, None, on, None)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tx.record_assessment(officer, case_id, &registry, assessment, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        marac_referrals.push(crate::demo_marac::Pending {
            case_id,
            owner: officer.clone(),
            on,
        });
    }
    if let (Some(coordinator), Some(housing_rep), Some(chair)) =
        (users.get(3), users.get(4), users.get(7))
    {
        crate::demo_marac::seed(
            &tx,
            marac.id,
            &agencies,
            coordinator,
            chair,
            housing_rep,
            marac_referrals,
            today,
        )
        .await?;
    }
    // A few clients came back after their case closed: repeat cases, waiting in triage.
    for (case_id, closed_on) in closed.iter().take(3) {
        let back = (*closed_on + time::Duration::days(40)).min(today);
        if let Some(owner) = referrers.first() {
            tx.open_repeat_case(owner, *case_id, "self", back, today, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    // The outreach worker is part time.
    if let (Some(part_timer), Some(fte)) = (users.get(1), Fte::parse("0.6")) {
        tx.set_fte(part_timer.id, fte).await?;
    }
    tx.commit().await?;
    Ok(accounts)
}

/// The victim of the demo's earlier Marac referral (the browser journey refers her again).
pub const EARLIER_VICTIM: (&str, &str, &str) = ("Rowan", "Testwell", "1991-05-14");

fn earlier_victim(agencies: &[waymark_store::directory::Agency], on: time::Date) -> NewReferral {
    NewReferral {
        victim: PersonDetails {
            given_name: EARLIER_VICTIM.0.into(),
            family_name: EARLIER_VICTIM.1.into(),
            date_of_birth: time::Date::parse(
                EARLIER_VICTIM.2,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok(),
            gender: Some(Gender::Female),
        },
        perpetrator: PersonDetails {
            given_name: "Quinn".into(),
            family_name: "Fakeley".into(),
            date_of_birth: None,
            gender: Some(Gender::Male),
        },
        relationship: Relationship::ExPartner,
        children: Vec::new(),
        referring_agency_id: agencies
            .first()
            .map(|a| a.id.to_string())
            .unwrap_or_default(),
        route: ReferralRoute::Police,
        referred_on: on,
        consent: Consent::Given,
        consent_reason: None,
        victim_aware: true,
        reason: Some("Demo referral: assault at her flat; made-up details.".into()),
        safe_phone: None,
        safe_times: None,
        voicemail_safe: false,
        post_safe: false,
    }
}

/// A case's working life so far: contact attempts and contacts, interventions, intake
/// measures, and for older cases the exit measures, closure and a follow-up.
async fn work_case(
    tx: &Tx,
    owner: &User,
    case_id: waymark_store::Uuid,
    referred_on: time::Date,
    today: time::Date,
    rng: &mut Rng,
) -> anyhow::Result<Option<time::Date>> {
    let err = |e: waymark_store::cases::CaseError| anyhow::anyhow!("{e}");
    let mut day = referred_on + time::Duration::days(1);
    let contact =
        |on: time::Date, kind: &str, outcome: &str, significant: bool, note: &str| ContactInput {
            contact_on: on.to_string(),
            kind: kind.to_owned(),
            outcome: outcome.to_owned(),
            significant: if significant { "yes" } else { "no" }.to_owned(),
            duration_minutes: if significant {
                "40".to_owned()
            } else {
                String::new()
            },
            note: note.to_owned(),
        };
    if day > today {
        return Ok(None);
    }
    if rng.chance(35) {
        tx.record_contact(
            owner,
            case_id,
            &contact(day, "phone", "no_answer", false, ""),
            today,
            None,
        )
        .await
        .map_err(err)?;
        day += time::Duration::days(i64::try_from(1 + rng.below(3)).unwrap_or(1));
    }
    let significant = rng.below(10);
    for k in 0..=significant {
        if day > today {
            break;
        }
        let (kind, note) = match k % 4 {
            0 => ("phone", "Demo: risk assessment and safety planning call."),
            1 => (
                "face_to_face",
                "Demo: met at a safe venue; went through options.",
            ),
            2 => (
                "on_behalf",
                "Demo: spoke to housing on the client's behalf.",
            ),
            _ => ("text", "Demo: checked in by text at a safe time."),
        };
        let outcome = if kind == "on_behalf" {
            "agency_contacted"
        } else {
            "spoke"
        };
        tx.record_contact(
            owner,
            case_id,
            &contact(day, kind, outcome, kind != "text", note),
            today,
            None,
        )
        .await
        .map_err(err)?;
        day += time::Duration::days(i64::try_from(4 + rng.below(10)).unwrap_or(4));
    }
    let kinds = InterventionKind::ALL;
    for _ in 0..rng.below(6) {
        let Some(kind) = kinds.get(rng.below(kinds.len())) else {
            continue;
        };
        let status = *[
            InterventionStatus::Offered,
            InterventionStatus::Accepted,
            InterventionStatus::InProgress,
            InterventionStatus::Done,
            InterventionStatus::Done,
            InterventionStatus::Declined,
        ]
        .get(rng.below(6))
        .unwrap_or(&InterventionStatus::Offered);
        let input = InterventionInput {
            kind: kind.as_str().to_owned(),
            status: status.as_str().to_owned(),
            ..Default::default()
        };
        tx.add_intervention(owner, case_id, &input, &[], None)
            .await
            .map_err(err)?;
    }
    let age = (today - referred_on).whole_days();
    if age > 120 && rng.chance(65) {
        // Closed after the last contact, three to four months in.
        let closed_on = (referred_on
            + time::Duration::days(i64::try_from(90 + rng.below(40)).unwrap_or(90)))
        .max(day)
        .min(today);
        let completed = rng.chance(70);
        if completed {
            let exit = Exit {
                recorded_on: closed_on,
                profile: ExitProfile {
                    period: Period::SinceIntake,
                    ratings: ByAbuseType::from_fn(|_| {
                        *[
                            ExitRating::None,
                            ExitRating::None,
                            ExitRating::Standard,
                            ExitRating::DontKnow,
                        ]
                        .get(rng.below(4))
                        .unwrap_or(&ExitRating::None)
                    }),
                },
                feels_safer: if rng.chance(80) {
                    FeelsSafer::MuchSafer
                } else {
                    FeelsSafer::Same
                },
                quality_of_life: QualityOfLife::Improved,
                ongoing_contact: if rng.chance(33) {
                    OngoingContact::ChildContact
                } else {
                    OngoingContact::NoContact
                },
                cessation_sustainable: Sustainable::Yes,
                fear: Fear {
                    further_injury: FearAnswer::No,
                    being_killed: FearAnswer::No,
                    frightened: if rng.chance(20) {
                        FearAnswer::Yes
                    } else {
                        FearAnswer::No
                    },
                },
                coping: Change::Better,
                social_networks: if rng.chance(50) {
                    Change::Better
                } else {
                    Change::Same
                },
            };
            let json = serde_json::to_string(&exit)?;
            tx.record_measures(owner, case_id, MeasureStage::Exit, closed_on, &json, None)
                .await
                .map_err(err)?;
        }
        let closure = ClosureInput {
            closed_on: closed_on.to_string(),
            reason: if completed {
                "support_completed"
            } else {
                "could_not_contact"
            }
            .to_owned(),
            reason_detail: if completed {
                String::new()
            } else {
                "Demo: no answer on the safe number for three weeks.".to_owned()
            },
            exit_not_taken_reason: if completed {
                String::new()
            } else {
                "Demo: the client could not be reached for an exit interview.".to_owned()
            },
            // Kept only where the latest Dash still says the risk is high.
            risk_reason: "Demo: the police safeguarding team holds the risk.".to_owned(),
            coordinator_agreed: String::new(),
        };
        tx.close_case(owner, case_id, &closure, today, None)
            .await
            .map_err(err)?;
        let follow_up_on = closed_on + time::Duration::days(183);
        if follow_up_on <= today && rng.chance(50) {
            let follow_up = FollowUp {
                recorded_on: follow_up_on,
                abuse_resumed: if rng.chance(80) {
                    AbuseResumed::No
                } else {
                    AbuseResumed::Yes
                },
                wants_support_again: Some(false),
                note: None,
            };
            let json = serde_json::to_string(&follow_up)?;
            tx.record_measures(
                owner,
                case_id,
                MeasureStage::FollowUp,
                follow_up_on,
                &json,
                None,
            )
            .await
            .map_err(err)?;
        }
        return Ok(Some(closed_on));
    }
    Ok(None)
}
