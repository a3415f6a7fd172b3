//! The Marac: referring a case, the coordinator's screening queue, meetings and agendas,
//! agencies' research, the chair's meeting mode (attendance, minutes, actions, the review
//! of earlier actions), each agency's action plan and the quarterly data return.
//!
//! Handlers are thin: the store applies the access rules (a case a user may not see is a
//! 404) and audits every read and change in the request's transaction.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use waymark_domain::dash::MaracCriterion;
use waymark_domain::marac::{
    ActionInput, ActionPurpose, ActionStatus, ActionUpdateInput, AttendanceStatus,
    CONFIDENTIALITY_STATEMENT, MeetingStatus, MinutesInput, NotDoneReason, RisksInput,
};
use waymark_domain::marac_referral::{MaracReferralInput, ScreeningInput};
use waymark_domain::marac_return::{DataReturn, Share};
use waymark_domain::referral::{Consent, FieldError, Gender};
use waymark_domain::role::Role;
use waymark_store::cases::CaseError;
use waymark_store::marac::{ActionRow, HearingAccess, HearingView, MeetingView};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id, risk_tag};
use crate::pages::casework::{form_errors, options, values, with_status};
use crate::pages::saved::{Saved, SavedQuery};
use crate::pages::{errors_ctx, field, refuse, render, uk_today};

fn criteria_text(criteria: &[MaracCriterion]) -> String {
    criteria
        .iter()
        .map(|c| c.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes_no_known() -> Vec<Value> {
    vec![
        context! { value => "yes", label => "Yes" },
        context! { value => "no", label => "No" },
        context! { value => "not_known", label => "Not known or declined to say" },
    ]
}

fn yes_no() -> Vec<Value> {
    vec![
        context! { value => "yes", label => "Yes" },
        context! { value => "no", label => "No" },
    ]
}

pub(crate) fn action_ctx(a: &ActionRow) -> Value {
    context! {
        id => a.id.to_string(),
        hearing_id => a.hearing_id.to_string(),
        case_reference => a.case_reference,
        victim_name => a.victim_name,
        marac_name => a.marac_name,
        meets_on => a.meets_on.to_string(),
        agency => a.agency,
        action => a.action,
        purpose => a.purpose.label(),
        due_on => a.due_on.to_string(),
        status => a.status.as_str(),
        status_label => a.status.label(),
        open => a.status.open(),
        not_done_reason => a.not_done_reason.map(NotDoneReason::label),
        note => a.note,
        overdue => a.overdue,
        due_soon => a.due_soon,
    }
}

fn action_choices() -> Value {
    context! {
        statuses => options(ActionStatus::ALL, ActionStatus::as_str, ActionStatus::label),
        reasons => options(NotDoneReason::ALL, NotDoneReason::as_str, NotDoneReason::label),
    }
}

/// Pages for users who take part in a Marac; administrators never do.
async fn members_only(
    state: &SharedState,
    session: &Session,
    action: &'static str,
    request_id: &RequestId,
) -> Result<(), AppError> {
    if !waymark_domain::access::takes_part_in_marac(&session.0.user.actor()) {
        return Err(refuse(state, session, action, request_id).await);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The Marac overview
// ---------------------------------------------------------------------------------------

pub async fn home(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    members_only(&state, &session, "marac.home", &request_id).await?;
    let user = &session.0.user;
    let tx = state.store.begin().await?;
    let maracs = tx.my_maracs(user).await?;
    let meetings = tx.meetings_for(user).await?;
    let today = uk_today(&state);
    let overdue = tx.overdue_actions(user, today).await?;
    let mine = tx
        .agency_actions(user, today, Some(request_id.0.clone()))
        .await?;
    tx.commit().await?;
    let who = user.actor();
    let maracs: Vec<Value> = maracs
        .iter()
        .map(|m| {
            let f = m.facts();
            context! {
                id => m.marac.id.to_string(),
                name => m.marac.name,
                area => m.marac.area,
                coordinates => waymark_domain::access::can_coordinate(&who, &f),
                can_report => waymark_domain::access::can_run_meeting(&who, &f)
                    || (user.role == Role::Manager && waymark_domain::access::is_member(&who, &f)),
                members => m.members.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
                cases_per_meeting => m.capacity.cases_per_meeting,
            }
        })
        .collect();
    let meetings: Vec<Value> = meetings
        .iter()
        .map(|m| {
            context! {
                id => m.id.to_string(),
                marac_name => m.marac_name,
                meets_on => m.meets_on.to_string(),
                status => m.status.label(),
                cases => m.cases,
                past => m.meets_on < today,
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "marac_home.html",
        context! {
            title => "Marac",
            maracs => maracs,
            meetings => meetings,
            overdue => overdue.iter().map(action_ctx).collect::<Vec<_>>(),
            is_coordinator => user.role == Role::MaracCoordinator,
            mine_due_soon => mine.iter().filter(|a| a.due_soon).count(),
            mine_overdue => mine.iter().filter(|a| a.overdue).count(),
        },
    )
}

// ---------------------------------------------------------------------------------------
// Referring a case
// ---------------------------------------------------------------------------------------

async fn referral_page(
    state: &SharedState,
    session: &Session,
    case_id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, _) = crate::pages::casework::load(
        state,
        session,
        case_id,
        request_id,
        "marac_referral.new",
        waymark_domain::access::can_work_case,
    )
    .await?;
    let mut v = values(form);
    if form.is_empty() {
        // Pre-filled from the case's referral, and the victim's gender from the person record.
        let r = detail.referral.as_ref();
        let gender = detail
            .people
            .iter()
            .find(|p| p.role == "victim")
            .and_then(|p| p.gender.clone());
        v = Value::from_serialize(context! {
            consent => r.map(|r| r.consent.clone()),
            consent_reason => r.and_then(|r| r.consent_reason.clone()),
            victim_aware => r.map(|r| if r.victim_aware { "yes" } else { "no" }),
            reason => r.map(|r| r.reason.clone()),
            victim_gender => gender,
        });
    }
    let res = render(
        state,
        Some(session),
        "marac_referral_new.html",
        context! {
            title => "Refer to the Marac",
            case => case_ctx(&detail, &state.registry),
            children => detail.people.iter().filter(|p| p.role == "child").count(),
            consents => options(&[Consent::Given, Consent::NotGiven], Consent::as_str, Consent::label),
            yes_no => yes_no(),
            yes_no_known => yes_no_known(),
            genders => Gender::ALL.iter().map(|g| context! {
                value => g.as_str(),
                label => if *g == Gender::NotKnown { "Not known or declined to say" } else { g.label() },
            }).collect::<Vec<_>>(),
            v => v,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn referral_new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    referral_page(&state, &session, id, &request_id, &[], &[]).await
}

pub async fn referral_create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let get = |k: &str| field(&form, k).unwrap_or("").to_owned();
    let input = MaracReferralInput {
        consent: get("consent"),
        consent_reason: get("consent_reason"),
        victim_aware: get("victim_aware"),
        victim_wants: get("victim_wants"),
        reason: get("reason"),
        police_reference: get("police_reference"),
        victim_racially_minoritised: get("victim_racially_minoritised"),
        victim_disabled: get("victim_disabled"),
        victim_lgbt: get("victim_lgbt"),
        victim_gender: get("victim_gender"),
    };
    let tx = state.store.begin().await?;
    let done = match input.parse() {
        Ok(details) => {
            tx.refer_to_marac(
                &session.0.user,
                id,
                &details,
                uk_today(&state),
                Some(request_id.0.clone()),
            )
            .await
        }
        Err(errors) => Err(CaseError::Form(errors)),
    };
    match tx.settle(done).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            referral_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Screening
// ---------------------------------------------------------------------------------------

pub async fn queue(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    if session.0.user.role != Role::MaracCoordinator {
        return Err(refuse(&state, &session, "marac_referral.queue", &request_id).await);
    }
    let tx = state.store.begin().await?;
    let queue = tx
        .referral_queue(&session.0.user, Some(request_id.0.clone()))
        .await?;
    let flags = tx.marac_flags(&session.0.user, uk_today(&state)).await?;
    tx.commit().await?;
    let flags: Vec<Value> = flags
        .iter()
        .map(|f| {
            context! {
                marac_name => f.marac_name,
                role => f.role,
                person_name => f.person_name,
                referred_on => f.referred_on.to_string(),
                agency => f.agency,
                opened_on => f.opened_on.to_string(),
                basis => f.basis,
            }
        })
        .collect();
    let rows: Vec<Value> = queue
        .iter()
        .map(|q| {
            context! {
                id => q.id.to_string(),
                marac_name => q.marac_name,
                case_reference => q.case_reference,
                victim_name => q.victim_name,
                referring_agency => q.referring_agency,
                referred_on => q.referred_on.to_string(),
                yes_count => q.yes_count,
                risk_label => q.risk_level.map(|l| l.label()),
                risk_tag => q.risk_level.map(risk_tag),
                criteria => criteria_text(&q.criteria),
                meets_threshold => q.meets_threshold,
                possible_repeat => !q.candidates.is_empty(),
                transferred_from => q.transferred_from,
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "marac_queue.html",
        context! { title => "Marac referrals to screen", rows => rows, flags => flags },
    )
}

async fn screening_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let view = tx
        .screening(&session.0.user, id, Some(request_id.0.clone()))
        .await;
    let view = tx.settle(view).await?;
    let q = &view.referral;
    let d = view.details.as_ref();
    let res = render(
        state,
        Some(session),
        "marac_screen.html",
        context! {
            title => "Screen a Marac referral",
            r => context! {
                id => q.id.to_string(),
                marac_name => q.marac_name,
                case_reference => q.case_reference,
                victim_name => q.victim_name,
                victim_born => view.victim_born.map(|d| d.to_string()),
                referring_agency => q.referring_agency,
                referred_on => q.referred_on.to_string(),
                yes_count => q.yes_count,
                risk_label => q.risk_level.map(|l| l.label()),
                risk_tag => q.risk_level.map(risk_tag),
                criteria => criteria_text(&q.criteria),
                meets_threshold => q.meets_threshold,
                transferred_from => q.transferred_from,
                transfer_reason => view.transfer_reason,
                children => view.children,
                perpetrators => view.perpetrators,
                consent => d.map(|d| d.consent.label()),
                consent_reason => d.and_then(|d| d.consent_reason.clone()),
                victim_aware => d.map(|d| d.victim_aware),
                victim_wants => d.and_then(|d| d.victim_wants.clone()),
                reason => d.map(|d| d.reason.clone()),
            },
            candidates => !q.candidates.is_empty(),
            repeat_options => q.candidates.iter().map(|c| context! {
                value => c.id.to_string(),
                label => format!(
                    "Repeat of the referral on {} by {} ({})",
                    format!("{} {} {}", c.referred_on.day(), c.referred_on.month(), c.referred_on.year()),
                    c.agency,
                    c.basis,
                ),
                hint => (!c.evidence.is_empty()).then(|| c.evidence.join("; ")),
            }).chain(std::iter::once(context! {
                value => "",
                label => "Not a repeat: a different person",
            })).collect::<Vec<_>>(),
            v => values(form),
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn screen_show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(referral_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&referral_id)?;
    screening_page(&state, &session, id, &request_id, &[], &[]).await
}

pub async fn screen(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(referral_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&referral_id)?;
    let get = |k: &str| field(&form, k).unwrap_or("").to_owned();
    let input = ScreeningInput {
        decision: get("decision"),
        repeat_of: get("repeat_of"),
        reason: get("reason"),
    };
    let tx = state.store.begin().await?;
    let done = tx
        .screen_referral(
            &session.0.user,
            id,
            &input,
            uk_today(&state),
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(_) => Ok(Redirect::to("/marac/referrals").into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            screening_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Meetings
// ---------------------------------------------------------------------------------------

/// Each pair of cases the serial-perpetrator alert links, once, for those who run the
/// meeting: why, and what the coordinator may decide.
fn serial_alerts(m: &MeetingView) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for c in &m.agenda {
        for l in &c.linked_cases {
            let key = if c.case_id <= l.other_case_id {
                (c.case_id, l.other_case_id)
            } else {
                (l.other_case_id, c.case_id)
            };
            if !seen.insert(key) {
                continue;
            }
            out.push(context! {
                case_reference => c.case_reference,
                other_reference => l.other_reference,
                basis => l.basis,
                settled => l.settled,
                perpetrator => l.perpetrator.to_string(),
                other_perpetrator => l.other_perpetrator.to_string(),
            });
        }
    }
    out
}

fn meeting_ctx(m: &MeetingView) -> Value {
    context! {
        id => m.id.to_string(),
        marac_name => m.config.marac.name,
        meets_on => m.meets_on.to_string(),
        status => m.status.as_str(),
        status_label => m.status.label(),
        can_run => m.can_run,
        can_coordinate => m.can_coordinate,
        accepted => m.confidentiality_accepted,
        capacity => m.config.capacity.cases_per_meeting,
        marac_id => m.config.marac.id.to_string(),
        quarter_from => quarter_of(m.meets_on).0.to_string(),
        quarter_to => quarter_of(m.meets_on).1.to_string(),
        agenda => m.agenda.iter().map(|c| context! {
            hearing_id => c.hearing_id.to_string(),
            case_reference => c.case_reference,
            victim_name => c.victim_name,
            repeat => c.repeat,
            yes_count => c.yes_count,
            risk_label => c.risk_level.map(|l| l.label()),
            risk_tag => c.risk_level.map(risk_tag),
            criteria => criteria_text(&c.criteria),
            children => c.children,
            idva => c.idva,
            referring_agency => c.referring_agency,
            transferred_from => c.transferred_from,
            research_from => c.research_from.join(", "),
            actions => c.actions,
            decision_recorded => c.decision_recorded,
            linked_cases => c.linked_cases
                .iter()
                .map(|l| l.other_reference.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }).collect::<Vec<_>>(),
        serial_alerts => serial_alerts(m),
        attendance => m.attendance.iter().map(|a| context! {
            agency_id => a.agency_id.to_string(),
            agency => a.agency,
            status => a.status.map(AttendanceStatus::as_str),
            attendee => a.attendee,
            information_sent => a.information_sent,
        }).collect::<Vec<_>>(),
        review => m.review.iter().map(action_ctx).collect::<Vec<_>>(),
    }
}

async fn meeting_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    meeting_page_saying(state, session, id, request_id, errors, None).await
}

async fn meeting_page_saying(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    errors: &[FieldError],
    saved: Option<&'static str>,
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let view = tx
        .meeting(
            &session.0.user,
            id,
            uk_today(state),
            Some(request_id.0.clone()),
        )
        .await;
    let view = tx.settle(view).await?;
    let res = render(
        state,
        Some(session),
        "marac_meeting.html",
        context! {
            title => "Marac meeting",
            m => meeting_ctx(&view),
            statement => CONFIDENTIALITY_STATEMENT,
            attendance_statuses => options(AttendanceStatus::ALL, AttendanceStatus::as_str, AttendanceStatus::label),
            choices => action_choices(),
            errors => errors_ctx(errors),
            saved => saved,
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn meeting(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
    Query(saved): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let id = parse_id(&meeting_id)?;
    meeting_page_saying(&state, &session, id, &request_id, &[], saved.message()).await
}

/// Publishing an agenda and closing a meeting cannot be undone, so they are asked first:
/// the first POST shows what will happen (for those who may do it, with the meeting in the
/// right state); only the confirmation (`confirmed=yes`) acts. Anyone else, or a meeting in
/// another state, goes straight to the store, which refuses as it always has.
async fn confirm_first(
    state: &SharedState,
    session: &Session,
    request_id: &RequestId,
    meeting_id: &str,
    form: &[(String, String)],
    what: MeetingStep,
) -> Result<Option<Response>, AppError> {
    if field(form, "confirmed") == Some("yes") {
        return Ok(None);
    }
    session.check_csrf(field(form, "csrf_token"))?;
    let id = parse_id(meeting_id)?;
    let tx = state.store.begin().await?;
    let view = tx
        .meeting(
            &session.0.user,
            id,
            uk_today(state),
            Some(request_id.0.clone()),
        )
        .await;
    let Ok(view) = tx.settle(view).await else {
        return Ok(None);
    };
    let due = match what {
        MeetingStep::Publish => view.can_coordinate && view.status == MeetingStatus::Planned,
        MeetingStep::Close => view.can_run && view.status == MeetingStatus::Published,
    };
    if !due || !view.confidentiality_accepted {
        return Ok(None);
    }
    let (heading, explain, button, path) = match what {
        MeetingStep::Publish => (
            "Publish the agenda?",
            "The member agencies' representatives will see these cases and can add their research. The agenda cannot be taken back once published.",
            "Yes, publish the agenda",
            "publish",
        ),
        MeetingStep::Close => (
            "Close the meeting?",
            "The minutes and actions become final: each agency sees its own actions and attendees can read the minutes. A closed meeting cannot be reopened.",
            "Yes, close the meeting",
            "close",
        ),
    };
    let res = render(
        state,
        Some(session),
        "marac_confirm.html",
        context! {
            title => heading,
            m => meeting_ctx(&view),
            heading => heading,
            explain => explain,
            button => button,
            path => path,
            cases => view.agenda.len(),
        },
    )?;
    Ok(Some(res))
}

/// The steps of a meeting that are asked first.
#[derive(Clone, Copy)]
enum MeetingStep {
    Publish,
    Close,
}

/// Runs one meeting action; on success back to the meeting, on a refused form the meeting
/// page with the errors.
async fn meeting_action<F>(
    state: SharedState,
    session: Session,
    request_id: RequestId,
    meeting_id: String,
    form: Vec<(String, String)>,
    saved: Option<Saved>,
    act: F,
) -> Result<Response, AppError>
where
    F: AsyncFnOnce(&waymark_store::Tx, uuid::Uuid) -> Result<(), CaseError>,
{
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&meeting_id)?;
    let tx = state.store.begin().await?;
    let done = act(&tx, id).await;
    match tx.settle(done).await {
        Ok(()) => Ok(match saved {
            Some(saved) => crate::pages::saved::redirect(&format!("/marac/meetings/{id}"), saved),
            None => Redirect::to(&format!("/marac/meetings/{id}")).into_response(),
        }),
        Err(e) => {
            let errors = form_errors(e)?;
            meeting_page(&state, &session, id, &request_id, &errors).await
        }
    }
}

pub async fn accept_confidentiality(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    let accepted = field(&form, "accept") == Some("yes");
    meeting_action(
        state,
        session,
        request_id,
        meeting_id,
        form,
        None,
        async move |tx, id| {
            if !accepted {
                return Err(CaseError::Form(vec![FieldError::new(
                    "accept",
                    "Confirm that you accept the confidentiality statement",
                )]));
            }
            tx.accept_confidentiality(&user, id, Some(rid)).await
        },
    )
    .await
}

pub async fn publish(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if let Some(ask) = confirm_first(
        &state,
        &session,
        &request_id,
        &meeting_id,
        &form,
        MeetingStep::Publish,
    )
    .await?
    {
        return Ok(ask);
    }
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    meeting_action(
        state,
        session,
        request_id,
        meeting_id,
        form,
        Some(Saved::AgendaPublished),
        async move |tx, id| tx.publish_agenda(&user, id, Some(rid)).await,
    )
    .await
}

/// The coordinator says whether the perpetrators an alert links are the same man.
pub async fn decide_serial_link(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let (perpetrator, other, decision) = (f("perpetrator"), f("other_perpetrator"), f("decision"));
    meeting_action(
        state,
        session,
        request_id,
        meeting_id,
        form,
        None,
        async move |tx, id| {
            tx.decide_serial_link(&user, id, &perpetrator, &other, &decision, Some(rid))
                .await
                .map(|_| ())
        },
    )
    .await
}

pub async fn attendance(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    // One set of fields per agency: status-{id}, attendee-{id}, sent-{id}.
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (k, v) in &form {
        let Some(agency) = k.strip_prefix("status-") else {
            continue;
        };
        let Ok(agency_id) = uuid::Uuid::parse_str(agency) else {
            errors.push(FieldError::new("attendance", "Unknown agency"));
            continue;
        };
        let Some(status) = AttendanceStatus::parse(v) else {
            errors.push(FieldError::new(
                "attendance",
                "Select present, apologies or did not attend for each agency",
            ));
            continue;
        };
        let attendee = field(&form, &format!("attendee-{agency}"))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let sent = field(&form, &format!("sent-{agency}")) == Some("yes");
        rows.push((agency_id, status, attendee, sent));
    }
    meeting_action(
        state,
        session,
        request_id,
        meeting_id,
        form,
        Some(Saved::Attendance),
        async move |tx, id| {
            if !errors.is_empty() {
                return Err(CaseError::Form(errors));
            }
            tx.record_attendance(&user, id, &rows, Some(rid)).await
        },
    )
    .await
}

pub async fn close(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(meeting_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if let Some(ask) = confirm_first(
        &state,
        &session,
        &request_id,
        &meeting_id,
        &form,
        MeetingStep::Close,
    )
    .await?
    {
        return Ok(ask);
    }
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    meeting_action(
        state,
        session,
        request_id,
        meeting_id,
        form,
        Some(Saved::MeetingClosed),
        async move |tx, id| tx.close_meeting(&user, id, Some(rid)).await,
    )
    .await
}

// ---------------------------------------------------------------------------------------
// A case at a meeting
// ---------------------------------------------------------------------------------------

fn person_ctx(p: &waymark_store::marac::MaracPerson) -> Value {
    context! {
        name => p.name,
        date_of_birth => p.date_of_birth.map(|d| d.to_string()),
        age => p.age,
        gender => p.gender.as_deref().and_then(waymark_domain::referral::Gender::parse).map(|g| g.label()),
    }
}

fn hearing_ctx(h: &HearingView) -> Value {
    let d = h.details.as_ref();
    let minutes = h.minutes.as_ref().map(|m| {
        context! {
            discussion => m.discussion,
            decision => m.decision,
            to_victim => m.risks.to_victim,
            to_children => m.risks.to_children,
            to_others => m.risks.to_others,
            to_staff => m.risks.to_staff,
        }
    });
    context! {
        id => h.id.to_string(),
        meeting_id => h.meeting_id.to_string(),
        meets_on => h.meets_on.to_string(),
        meeting_status => h.meeting_status.as_str(),
        marac_name => h.config.marac.name,
        case_reference => h.case_reference,
        can_run => h.can_run,
        can_add_research => h.can_add_research,
        in_progress => h.meeting_status == waymark_domain::marac::MeetingStatus::Published,
        victim => h.victim.as_ref().map(person_ctx),
        perpetrators => h.perpetrators.iter().map(person_ctx).collect::<Vec<_>>(),
        children => h.children.iter().map(person_ctx).collect::<Vec<_>>(),
        referring_agency => h.referring_agency,
        referred_on => h.referred_on.to_string(),
        repeat => h.repeat,
        yes_count => h.yes_count,
        risk_label => h.risk_level.map(|l| l.label()),
        risk_tag => h.risk_level.map(risk_tag),
        criteria => criteria_text(&h.criteria),
        idva => h.idva,
        transferred_from => h.transferred_from,
        reason => d.map(|d| d.reason.clone()),
        victim_wants => d.and_then(|d| d.victim_wants.clone()),
        consent => d.map(|d| d.consent.label()),
        victim_aware => d.map(|d| d.victim_aware),
        research => h.research.iter().map(|r| context! {
            agency => r.agency,
            research => r.research,
            written_by => r.written_by,
            updated_on => r.updated_on.to_string(),
            mine => false,
        }).collect::<Vec<_>>(),
        minutes => minutes,
        actions => h.actions.iter().map(action_ctx).collect::<Vec<_>>(),
        members => h.config.members.iter().map(|a| context! { value => a.id.to_string(), label => a.name }).collect::<Vec<_>>(),
        history => h.history.iter().map(|p| context! {
            marac_name => p.marac_name,
            meets_on => p.meets_on.to_string(),
            discussion => p.minutes.discussion,
            decision => p.minutes.decision,
            to_victim => p.minutes.risks.to_victim,
            to_children => p.minutes.risks.to_children,
            actions => p.actions.iter().map(action_ctx).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
        risk_history => h.risk_history.iter().map(|r| context! {
            assessed_on => r.assessed_on.to_string(),
            yes_count => r.yes_count,
            risk_label => r.risk_level.label(),
            risk_tag => risk_tag(r.risk_level),
            criteria => criteria_text(&r.criteria),
        }).collect::<Vec<_>>(),
        transfer_to => h.transfer_to.iter().map(|m| context! { value => m.id.to_string(), label => m.name }).collect::<Vec<_>>(),
    }
}

async fn hearing_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let found = tx
        .hearing(
            &session.0.user,
            id,
            uk_today(state),
            Some(request_id.0.clone()),
        )
        .await;
    let found = tx.settle(found).await?;
    let view = match found {
        HearingAccess::NeedsConfidentiality { meeting_id } => {
            return Ok(Redirect::to(&format!("/marac/meetings/{meeting_id}")).into_response());
        }
        HearingAccess::Open(view) => view,
    };
    let own_research = view
        .research
        .iter()
        .find(|r| r.agency_id == session.0.user.agency_id)
        .map(|r| r.research.clone());
    let mut v = values(form);
    if form.is_empty() {
        let m = view.minutes.clone().unwrap_or_default();
        v = Value::from_serialize(context! {
            research => own_research,
            discussion => m.discussion,
            decision => m.decision,
            to_victim => m.risks.to_victim,
            to_children => m.risks.to_children,
            to_others => m.risks.to_others,
            to_staff => m.risks.to_staff,
        });
    }
    let res = render(
        state,
        Some(session),
        "marac_hearing.html",
        context! {
            title => "Case at the Marac",
            h => hearing_ctx(&view),
            purposes => options(ActionPurpose::ALL, ActionPurpose::as_str, ActionPurpose::label),
            choices => action_choices(),
            v => v,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn hearing(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(hearing_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&hearing_id)?;
    hearing_page(&state, &session, id, &request_id, &[], &[]).await
}

async fn hearing_action<F>(
    state: SharedState,
    session: Session,
    request_id: RequestId,
    hearing_id: String,
    form: Vec<(String, String)>,
    act: F,
) -> Result<Response, AppError>
where
    F: AsyncFnOnce(&waymark_store::Tx, uuid::Uuid) -> Result<(), CaseError>,
{
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&hearing_id)?;
    let tx = state.store.begin().await?;
    let done = act(&tx, id).await;
    match tx.settle(done).await {
        Ok(()) => Ok(Redirect::to(&format!("/marac/hearings/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            hearing_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

pub async fn research(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(hearing_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    let text = field(&form, "research").unwrap_or("").to_owned();
    hearing_action(
        state,
        session,
        request_id,
        hearing_id,
        form,
        async move |tx, id| tx.save_research(&user, id, &text, Some(rid)).await,
    )
    .await
}

pub async fn minutes(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(hearing_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    let get = |k: &str| field(&form, k).unwrap_or("").to_owned();
    let input = MinutesInput {
        discussion: get("discussion"),
        decision: get("decision"),
        risks: RisksInput {
            to_victim: get("to_victim"),
            to_children: get("to_children"),
            to_others: get("to_others"),
            to_staff: get("to_staff"),
        },
    };
    hearing_action(
        state,
        session,
        request_id,
        hearing_id,
        form,
        async move |tx, id| {
            let minutes = input.parse().map_err(CaseError::Form)?;
            tx.record_minutes(&user, id, &minutes, Some(rid)).await
        },
    )
    .await
}

pub async fn add_action(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(hearing_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = session.0.user.clone();
    let rid = request_id.0.clone();
    let get = |k: &str| field(&form, k).unwrap_or("").to_owned();
    let input = ActionInput {
        action: get("action"),
        agency_id: get("agency_id"),
        due_on: get("due_on"),
        purpose: get("purpose"),
    };
    hearing_action(
        state,
        session,
        request_id,
        hearing_id,
        form,
        async move |tx, id| {
            tx.add_action(&user, id, &input, Some(rid))
                .await
                .map(|_| ())
        },
    )
    .await
}

/// Transfers the case to another Marac (the victim moved area); back to the queue of
/// referrals, where the receiving coordinator will find it.
pub async fn transfer(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(hearing_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&hearing_id)?;
    let to = field(&form, "to_marac").unwrap_or("").to_owned();
    let reason = field(&form, "transfer_reason").unwrap_or("").to_owned();
    let tx = state.store.begin().await?;
    let done = tx
        .transfer_case(
            &session.0.user,
            id,
            &to,
            &reason,
            uk_today(&state),
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(_) => Ok(Redirect::to(&format!("/marac/hearings/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            hearing_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Action plans
// ---------------------------------------------------------------------------------------

async fn actions_page(
    state: &SharedState,
    session: &Session,
    request_id: &RequestId,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let user = &session.0.user;
    let today = uk_today(state);
    let tx = state.store.begin().await?;
    let mine = tx
        .agency_actions(user, today, Some(request_id.0.clone()))
        .await?;
    let overdue = tx.overdue_actions(user, today).await?;
    let agency = tx.agency(user.agency_id).await?.map(|a| a.name);
    tx.commit().await?;
    let res = render(
        state,
        Some(session),
        "marac_actions.html",
        context! {
            title => "Marac actions",
            agency => agency,
            actions => mine.iter().map(action_ctx).collect::<Vec<_>>(),
            overdue => overdue.iter().map(action_ctx).collect::<Vec<_>>(),
            is_coordinator => user.role == Role::MaracCoordinator,
            choices => action_choices(),
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn actions(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    members_only(&state, &session, "marac.actions", &request_id).await?;
    actions_page(&state, &session, &request_id, &[]).await
}

/// Updates an action: from the agency's action plan, the case page at the meeting, or the
/// chair's review of earlier actions (which names the reviewing meeting).
pub async fn update_action(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(action_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&action_id)?;
    let get = |k: &str| field(&form, k).unwrap_or("").to_owned();
    let input = ActionUpdateInput {
        status: get("status"),
        not_done_reason: get("not_done_reason"),
        note: get("note"),
    };
    let review = field(&form, "review_meeting_id").and_then(|s| uuid::Uuid::parse_str(s).ok());
    let back = match field(&form, "back") {
        Some(b) if b.starts_with("/marac/") && !b.contains("//") => b.to_owned(),
        _ => "/marac/actions".to_owned(),
    };
    let tx = state.store.begin().await?;
    let done = match input.parse() {
        Ok(update) => {
            tx.update_action(
                &session.0.user,
                id,
                &update,
                review,
                Some(request_id.0.clone()),
            )
            .await
        }
        Err(errors) => Err(CaseError::Form(errors)),
    };
    match tx.settle(done).await {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            actions_page(&state, &session, &request_id, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// The data return
// ---------------------------------------------------------------------------------------

#[derive(serde::Deserialize, Default)]
pub struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The calendar quarter a date falls in, as the data return is collected.
pub(crate) fn quarter_of(day: time::Date) -> (time::Date, time::Date) {
    let q = (u8::from(day.month()) - 1) / 3;
    let start = time::Month::try_from(q * 3 + 1).unwrap_or(time::Month::January);
    let from = time::Date::from_calendar_date(day.year(), start, 1).unwrap_or(day);
    let to = waymark_domain::calendar::add_months(from, 3) - time::Duration::days(1);
    (from, to)
}

/// The period asked for, or the current quarter.
fn period(p: &Period, today: time::Date) -> Result<(time::Date, time::Date), Vec<FieldError>> {
    if p.from.is_empty() && p.to.is_empty() {
        return Ok(quarter_of(today));
    }
    let mut errors = Vec::new();
    let from = waymark_domain::referral::parse_iso_date(&p.from);
    let to = waymark_domain::referral::parse_iso_date(&p.to);
    if from.is_none() {
        errors.push(FieldError::new(
            "from",
            "Enter the start of the period as a real date, like 2026-07-01",
        ));
    }
    if to.is_none() {
        errors.push(FieldError::new(
            "to",
            "Enter the end of the period as a real date, like 2026-09-30",
        ));
    }
    match (from, to) {
        (Some(f), Some(t)) if errors.is_empty() => Ok((f, t)),
        _ => Err(errors),
    }
}

fn share_ctx(s: &Share) -> Value {
    context! { count => s.count, unknown => s.unknown, of => s.of, percent => s.percent() }
}

async fn load_return(
    state: &SharedState,
    session: &Session,
    request_id: &RequestId,
    marac_id: &str,
    p: &Period,
) -> Result<Result<(waymark_store::marac::MaracConfig, DataReturn), Vec<FieldError>>, AppError> {
    members_only(state, session, "marac.return", request_id).await?;
    let id = parse_id(marac_id)?;
    let (from, to) = match period(p, uk_today(state)) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let tx = state.store.begin().await?;
    let found = tx
        .marac_return(&session.0.user, id, from, to, Some(request_id.0.clone()))
        .await;
    match tx.settle(found).await {
        Ok(r) => Ok(Ok(r)),
        Err(e) => Ok(Err(form_errors(e)?)),
    }
}

pub async fn data_return(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(marac_id): Path<String>,
    Query(p): Query<Period>,
) -> Result<Response, AppError> {
    let loaded = load_return(&state, &session, &request_id, &marac_id, &p).await?;
    let (config, ret, errors) = match loaded {
        Ok((c, r)) => (Some(c), Some(r), Vec::new()),
        Err(errors) => (None, None, errors),
    };
    let coverage = ret.as_ref().and_then(|r| {
        r.coverage.map(|cov| {
            context! {
                per_10k => cov.per_10k_text(),
                recommended => cov.recommended_per_10k,
                recommended_cases => cov.recommended_cases,
                annualised => cov.cases_per_year,
                days => r.days_in_period,
                cases => r.cases_discussed,
                population => cov.adult_females,
                meets => cov.meets_recommended,
            }
        })
    });
    let res = render(
        &state,
        Some(&session),
        "marac_return.html",
        context! {
            title => "Marac data return",
            marac_id => marac_id,
            marac_name => config.as_ref().map(|c| c.marac.name.clone()),
            from => ret.as_ref().map(|r| r.from.to_string()).unwrap_or(p.from.clone()),
            to => ret.as_ref().map(|r| r.to.to_string()).unwrap_or(p.to.clone()),
            meetings => ret.as_ref().map(|r| r.meetings.iter().map(|d| d.to_string()).collect::<Vec<_>>()),
            rows => ret.as_ref().map(|r| waymark_domain::marac_return::rows(r).into_iter().map(|(label, n, pct, unknown)| context! {
                label => label, count => n, percent => pct, unknown => unknown,
            }).collect::<Vec<_>>()),
            repeat => ret.as_ref().map(|r| share_ctx(&r.repeat_cases)),
            national_repeat_rate => 32,
            coverage => coverage,
            errors => errors_ctx(&errors),
        },
    )?;
    Ok(with_status(res, &errors))
}

pub async fn data_return_csv(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(marac_id): Path<String>,
    Query(p): Query<Period>,
) -> Result<Response, AppError> {
    match load_return(&state, &session, &request_id, &marac_id, &p).await? {
        Ok((_, ret)) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"marac-return-{}-{}.csv\"",
                        ret.from, ret.to
                    ),
                ),
            ],
            waymark_domain::marac_return::to_csv(&ret),
        )
            .into_response()),
        Err(errors) => Err(AppError::Invalid(errors)),
    }
}
