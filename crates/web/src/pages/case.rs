//! One case: the people, the referral, the Dash history and the latest decision.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value, context};
use waymark_domain::dash::{Decision, InstrumentRegistry, RiskLevel};
use waymark_domain::referral::{Consent, Gender, LivesWith, ReferralRoute, Relationship};
use waymark_store::cases::{CaseDetail, RestrictedDetails, StoredAssessment};
use waymark_store::casework::Casework;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::render;

pub fn parse_id(s: &str) -> Result<uuid::Uuid, AppError> {
    // A malformed id is treated like an id that does not exist.
    uuid::Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

pub fn risk_tag(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::High => "govuk-tag--red",
        RiskLevel::Medium => "govuk-tag--orange",
        RiskLevel::Standard => "govuk-tag--grey",
    }
}

/// The decision as the templates show it.
pub fn decision_ctx(d: &Decision, items: usize) -> Value {
    context! {
        yes_count => d.yes_count,
        not_known_count => d.not_known_count,
        answered => d.answered,
        items => items,
        risk_level => d.risk_level.as_str(),
        risk_label => d.risk_level.label(),
        risk_tag => risk_tag(d.risk_level),
        refer_to_marac => d.refer_to_marac,
        criteria => d.criteria.iter().map(|c| c.label()).collect::<Vec<_>>(),
    }
}

pub fn assessment_row(a: &StoredAssessment, registry: &InstrumentRegistry) -> Value {
    let items = registry
        .get(&a.decision.instrument)
        .map(|i| i.items.len())
        .unwrap_or(0);
    context! {
        id => a.id.to_string(),
        assessed_on => a.assessment.assessed_on.to_string(),
        assessed_by => a.assessed_by,
        incidents => a.assessment.abuse_incidents_last_12_months,
        judgement => a.assessment.professional_judgement.as_ref().map(|j| j.reason.clone()),
        decision => decision_ctx(&a.decision, items),
    }
}

fn label<T: Copy>(
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> Option<&'static str> {
    v.and_then(parse).map(label)
}

pub fn case_ctx(c: &CaseDetail, registry: &InstrumentRegistry) -> Value {
    let person = |p: &waymark_store::cases::CasePerson| {
        context! {
            name => p.full_name(),
            date_of_birth => p.date_of_birth.map(|d| d.to_string()),
            gender => label(p.gender.as_deref(), Gender::parse, Gender::label),
            relationship => label(p.relationship.as_deref(), Relationship::parse, Relationship::label),
            lives_with => label(p.lives_with.as_deref(), LivesWith::parse, LivesWith::label),
        }
    };
    let with_role = |role: &str| {
        c.people
            .iter()
            .filter(|p| p.role == role)
            .map(person)
            .collect::<Vec<_>>()
    };
    let referral = c.referral.as_ref().map(|r| {
        context! {
            referring_agency => r.referring_agency,
            route => label(Some(&r.route), ReferralRoute::parse, ReferralRoute::label),
            referred_on => r.referred_on.to_string(),
            consent => label(Some(&r.consent), Consent::parse, Consent::label),
            consent_reason => r.consent_reason,
            victim_aware => r.victim_aware,
            reason => r.reason,
            safe_contact_given => r.safe_contact_given,
            voicemail_safe => r.voicemail_safe,
            post_safe => r.post_safe,
            immediate_danger => r.immediate_danger,
        }
    });
    let history: Vec<_> = c
        .assessments
        .iter()
        .rev()
        .map(|a| assessment_row(a, registry))
        .collect();
    context! {
        id => c.id.to_string(),
        reference => c.reference,
        status => c.status,
        owning_agency => c.owning_agency,
        marac => c.marac.name,
        caseworker_name => c.caseworker_name,
        team => c.team.as_ref().map(|(_, name)| name.clone()),
        opened_on => c.opened_on.to_string(),
        victim => c.victim().map(person),
        perpetrators => with_role("perpetrator"),
        referral => referral,
        history => history,
        latest => c.assessments.last().map(|a| assessment_row(a, registry)),
        whereabouts => whereabouts_recorded_ctx(&c.whereabouts_recorded),
    }
}

/// Which of the victim's whereabouts are recorded, without what they are.
fn whereabouts_recorded_ctx(w: &waymark_store::cases::WhereaboutsRecorded) -> Value {
    let recorded: Vec<&str> = [
        (w.address, "current address"),
        (w.postcode, "postcode"),
        (w.refuge, "refuge"),
        (w.gp_practice, "GP practice"),
    ]
    .into_iter()
    .filter_map(|(on, label)| on.then_some(label))
    .collect();
    context! { any => w.any(), recorded => recorded }
}

/// The children and linked adults as the case page shows them: a child's age on `today`,
/// and only *whether* a school is recorded (the school itself is restricted).
fn people_ctx(c: &CaseDetail, today: time::Date) -> Value {
    let children: Vec<Value> = c
        .people
        .iter()
        .filter(|p| p.role == "child")
        .map(|p| {
            context! {
                name => p.full_name(),
                date_of_birth => p.date_of_birth.map(|d| d.to_string()),
                age => p.date_of_birth.map(|d| waymark_domain::linked_person::age_label(d, today)),
                lives_with => label(p.lives_with.as_deref(), LivesWith::parse, LivesWith::label),
                school_recorded => p.school_recorded,
            }
        })
        .collect();
    let linked: Vec<Value> = c
        .people
        .iter()
        .filter(|p| p.role == "linked")
        .map(|p| {
            context! {
                name => p.full_name(),
                date_of_birth => p.date_of_birth.map(|d| d.to_string()),
                relationship => p.relationship_note,
            }
        })
        .collect();
    let schools_recorded = c.people.iter().any(|p| p.school_recorded);
    context! { children => children, linked => linked, schools_recorded => schools_recorded }
}

/// The restricted fields as the page shows them once revealed.
fn revealed_ctx(r: &RestrictedDetails) -> Value {
    context! {
        safe_phone => r.safe_phone,
        safe_times => r.safe_times,
        address_lines => r.whereabouts.address.as_deref().map(|a| a.lines().collect::<Vec<_>>()),
        postcode => r.whereabouts.postcode,
        refuge => r.whereabouts.refuge,
        gp_practice => r.whereabouts.gp_practice,
        schools => r.schools.iter().map(|s| context! { child => s.child_name, school => s.school }).collect::<Vec<_>>(),
    }
}

/// The case's retention review date under the service's schedule, if one is set.
fn retention_ctx(state: &SharedState, detail: &CaseDetail) -> Option<Value> {
    use waymark_domain::retention::{RetentionStatus, status};
    let months = state.config.retention_case_months?;
    let s = status(
        detail.last_activity,
        months,
        detail.status == "closed",
        detail.legal_hold,
    );
    Some(match s {
        RetentionStatus::LegalHold => context! { kind => "hold", months => months },
        RetentionStatus::Open { review_from } => context! {
            kind => "open", months => months, on => review_from.to_string(),
            last_activity => detail.last_activity.to_string(),
        },
        RetentionStatus::Closed { delete_from } => context! {
            kind => "closed", months => months, on => delete_from.to_string(),
            last_activity => detail.last_activity.to_string(),
        },
    })
}

/// Renders the case page; `revealed` holds the restricted fields (safe contact details
/// and schools) when the user has just asked to see them (never kept in the page otherwise).
/// What the case page shows around the case itself: its Marac referrals and actions, how
/// many possible matches wait, and the banner for what was just saved.
struct Around {
    marac: Value,
    pending_matches: usize,
    saved: Option<&'static str>,
}

fn case_page(
    state: &SharedState,
    session: &Session,
    detail: &CaseDetail,
    work: &Casework,
    revealed: Option<&RestrictedDetails>,
    around: Around,
) -> Result<Response, AppError> {
    let Around {
        marac,
        pending_matches,
        saved,
    } = around;
    let actor = session.0.user.actor();
    let facts = detail.access_facts();
    let manage = waymark_domain::access::can_manage_exclusions(&actor, &facts);
    let exclusions: Vec<_> = detail
        .exclusions
        .iter()
        .map(|e| {
            context! {
                kind => match e.excluded {
                    waymark_store::cases::Excluded::User(_) => "Person",
                    waymark_store::cases::Excluded::Agency(_) => "Agency",
                },
                name => e.name,
                reason => e.reason,
                created_on => e.created_on.to_string(),
            }
        })
        .collect();
    render(
        state,
        Some(session),
        "case.html",
        context! {
            title => "Case",
            case => case_ctx(detail, &state.registry),
            can_assess => waymark_domain::access::can_assess(&actor, &facts),
            can_reveal => waymark_domain::access::can_reveal_restricted(&actor, &facts),
            revealed => revealed.map(revealed_ctx),
            people => people_ctx(detail, crate::pages::uk_today(state)),
            can_manage_exclusions => manage,
            can_see_access_log => waymark_domain::access::can_see_access_log(&actor, &facts),
            emergency_until => (waymark_domain::access::view_ground(&actor, &facts)
                == Some(waymark_domain::access::ViewGround::BreakGlass))
                .then(|| {
                    detail
                        .break_glass
                        .iter()
                        .find(|(u, _)| *u == session.0.user.id)
                        .map(|(_, until)| crate::uk_time::clock(*until))
                        .unwrap_or_default()
                }),
            exclusions => if manage { exclusions } else { Vec::new() },
            work => crate::pages::casework::casework_ctx(
                work,
                crate::pages::uk_today(state),
                waymark_domain::access::can_read_casework_notes(&actor, &facts),
            ),
            can_read_notes => waymark_domain::access::can_read_casework_notes(&actor, &facts),
            can_work => waymark_domain::access::can_work_case(&actor, &facts),
            pending_matches => pending_matches,
            can_allocate => waymark_domain::access::can_allocate(&actor, &facts),
            marac => marac,
            retention => retention_ctx(state, detail),
            saved => saved,
        },
    )
}

/// Where the case stands with the Marac after its latest Dash, for the case page and the
/// Dash decision to lead with: "Refer to the Marac" while it is due, else the referral's
/// state.
pub(crate) fn marac_step_ctx(
    detail: &CaseDetail,
    referrals: &[waymark_store::marac::CaseMaracReferral],
) -> Value {
    use waymark_domain::marac_referral::{MaracStep, marac_step};
    let latest = detail
        .assessments
        .last()
        .map(|a| (a.assessment.assessed_on, a.decision.refer_to_marac));
    let dated: Vec<_> = referrals
        .iter()
        .map(|r| (r.referred_on, r.status))
        .collect();
    let step = marac_step(latest, &dated);
    let referral = match step {
        MaracStep::Referred { referred_on, .. } => referrals
            .iter()
            .filter(|r| r.referred_on == referred_on)
            .max_by_key(|r| r.id),
        _ => None,
    };
    context! {
        refer => step.offers_referral(),
        referred => referral.map(|r| context! {
            marac_name => r.marac_name,
            referred_on => r.referred_on.to_string(),
            status => r.status.label(),
            meeting_on => r.meeting_on.map(|d| d.to_string()),
            returned_reason => r.returned_reason,
        }),
    }
}

/// The case's Marac referrals and the actions agreed on it, for its own staff (the Idva
/// holds the agencies to account).
async fn marac_of(
    tx: &waymark_store::Tx,
    detail: &CaseDetail,
    today: time::Date,
) -> Result<Value, waymark_store::StoreError> {
    let referrals = tx.case_marac_referrals(detail).await?;
    let actions = tx.case_marac_actions(detail, today).await?;
    Ok(context! {
        step => marac_step_ctx(detail, &referrals),
        referrals => referrals.iter().map(|r| context! {
            marac_name => r.marac_name,
            referred_on => r.referred_on.to_string(),
            status => r.status.label(),
            repeat => r.repeat,
            meeting_on => r.meeting_on.map(|d| d.to_string()),
            returned_reason => r.returned_reason,
        }).collect::<Vec<_>>(),
        actions => actions.iter().map(crate::pages::marac::action_ctx).collect::<Vec<_>>(),
    })
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    axum::extract::Query(saved): axum::extract::Query<crate::pages::saved::SavedQuery>,
) -> Result<Response, AppError> {
    let case_id = parse_id(&case_id)?;
    let tx = state.store.begin().await?;
    let found = tx
        .case_with_casework(
            &session.0.user,
            case_id,
            &state.config.casework,
            Some(request_id.0),
        )
        .await;
    let today = crate::pages::uk_today(&state);
    let found = match found {
        Ok((detail, work)) => async {
            let marac = marac_of(&tx, &detail, today).await?;
            let pending = tx.pending_match_count(&session.0.user, &detail).await?;
            Ok::<_, waymark_store::StoreError>((detail, work, marac, pending))
        }
        .await
        .map_err(waymark_store::cases::CaseError::from),
        Err(e) => Err(e),
    };
    let (detail, work, marac, pending) = tx.settle(found).await?;
    case_page(
        &state,
        &session,
        &detail,
        &work,
        None,
        Around {
            marac,
            pending_matches: pending,
            saved: saved.message(),
        },
    )
}

/// Shows the restricted fields (safe contact details and children's schools), on
/// purpose: the case page again, with them revealed, and an audit row saying who saw them.
pub async fn reveal_safe_contact(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(crate::pages::field(&form, "csrf_token"))?;
    let case_id = parse_id(&case_id)?;
    if !crate::pages::confirm::recently_confirmed(&state, &session) {
        return Ok(crate::pages::confirm::confirm_first(&format!(
            "/cases/{case_id}"
        )));
    }
    let tx = state.store.begin().await?;
    let result = async {
        let (detail, work) = tx
            .case_with_casework(
                &session.0.user,
                case_id,
                &state.config.casework,
                Some(request_id.0.clone()),
            )
            .await?;
        let revealed = tx
            .reveal_restricted(&session.0.user, case_id, Some(request_id.0.clone()))
            .await?;
        let marac = marac_of(&tx, &detail, crate::pages::uk_today(&state)).await?;
        let pending = tx.pending_match_count(&session.0.user, &detail).await?;
        Ok((detail, work, revealed, marac, pending))
    }
    .await;
    let (detail, work, revealed, marac, pending) = tx.settle(result).await?;
    case_page(
        &state,
        &session,
        &detail,
        &work,
        Some(&revealed),
        Around {
            marac,
            pending_matches: pending,
            saved: None,
        },
    )
}
