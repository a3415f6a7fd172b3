//! The safety plan: the current version with its history, the form that saves a new
//! version (suggesting the risks the latest Dash found), and a printable copy for the
//! victim that names no one and says nothing about where it came from.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use waymark_domain::access;
use waymark_domain::referral::FieldError;
use waymark_domain::safety_plan::{ActionOwner, SafetyPlan, SafetyPlanInput};
use waymark_store::cases::{CaseDetail, CaseError};
use waymark_store::casework::Casework;
use waymark_store::directory::Agency;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::{errors_ctx, field, render, uk_today};

/// The case and its casework for `allowed` (see `casework::load`), with the agencies that
/// may own actions.
async fn load(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    action: &'static str,
    allowed: fn(&access::Actor, &access::CaseAccessFacts) -> bool,
) -> Result<(CaseDetail, Casework, Vec<Agency>), AppError> {
    let (detail, work) =
        crate::pages::casework::load(state, session, id, request_id, action, allowed).await?;
    let tx = state.store.begin().await?;
    let agencies = tx.agencies().await?;
    tx.commit().await?;
    Ok((detail, work, agencies))
}

fn owner_label(owner: &ActionOwner, agencies: &[Agency], victim_word: &str) -> String {
    match owner {
        ActionOwner::Victim => victim_word.to_owned(),
        ActionOwner::Idva => "Idva".to_owned(),
        ActionOwner::Agency { agency_id } => agencies
            .iter()
            .find(|a| a.id.to_string() == *agency_id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "Another agency".to_owned()),
    }
}

fn plan_ctx(plan: &SafetyPlan, agencies: &[Agency], victim_word: &str, today: time::Date) -> Value {
    context! {
        review_on => plan.review_on.map(|d| d.to_string()),
        risks => plan.risks.iter().map(|r| context! {
            risk => r.risk,
            actions => r.actions.iter().map(|a| context! {
                action => a.action,
                owner => owner_label(&a.owner, agencies, victim_word),
                due_on => a.due_on.map(|d| d.to_string()),
                overdue => !a.done && a.due_on.is_some_and(|d| d < today),
                done => a.done,
            }).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
    }
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    let (detail, work, agencies) = load(
        &state,
        &session,
        id,
        &request_id,
        "case.safety_plan.view",
        access::can_read_casework_notes,
    )
    .await?;
    let today = uk_today(&state);
    render(
        &state,
        Some(&session),
        "safety_plan.html",
        context! {
            title => "Safety plan",
            case => case_ctx(&detail, &state.registry),
            can_work => access::can_work_case(&session.0.user.actor(), &detail.access_facts())
                && work.status != waymark_domain::casework::CaseStatus::Closed,
            plan => work.safety_plan.as_ref().map(|p| plan_ctx(&p.plan, &agencies, "Victim", today)),
            version => work.safety_plan.as_ref().map(|p| context! {
                version => p.version,
                saved_by => p.saved_by,
                saved_at => crate::uk_time::format(p.saved_at),
            }),
            history => work.plan_history.iter().map(|(v, by, at)| context! {
                version => v, saved_by => by, saved_at => crate::uk_time::format(*at),
            }).collect::<Vec<_>>(),
        },
    )
}

/// The form's rows: the plan so far, else every risk the latest Dash found.
fn prefill(state: &SharedState, detail: &CaseDetail, work: &Casework) -> SafetyPlanInput {
    if let Some(current) = &work.safety_plan {
        return current.plan.to_input();
    }
    let Some(latest) = detail.assessments.last() else {
        return SafetyPlanInput::empty();
    };
    match state.registry.get(&latest.assessment.instrument_id) {
        Some(instrument) => SafetyPlanInput::from_dash(instrument, &latest.assessment),
        None => SafetyPlanInput::empty(),
    }
}

async fn form_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    submitted: Option<&SafetyPlanInput>,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, work, agencies) = load(
        state,
        session,
        id,
        request_id,
        "case.work.view",
        access::can_work_case,
    )
    .await?;
    let input = submitted
        .cloned()
        .unwrap_or_else(|| prefill(state, &detail, &work));
    let mut owners = vec![
        context! { value => "victim", label => "The victim" },
        context! { value => "idva", label => "The Idva" },
    ];
    owners.extend(
        agencies
            .iter()
            .map(|a| context! { value => a.id.to_string(), label => a.name }),
    );
    let mut res = render(
        state,
        Some(session),
        "safety_plan_form.html",
        context! {
            title => "Safety plan",
            case => case_ctx(&detail, &state.registry),
            input => input,
            owners => owners,
            version => work.safety_plan.as_ref().map(|p| p.version),
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn edit(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    form_page(&state, &session, id, &request_id, None, &[]).await
}

pub async fn save(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let input = SafetyPlanInput::from_form(&form);
    let shown = input.clone().with_room();
    // "Add another risk": the form again with one more row, nothing saved.
    if field(&form, "add_risk") == Some("yes") {
        let more = input.with_another_risk();
        return form_page(&state, &session, id, &request_id, Some(&more), &[]).await;
    }
    let plan = match input.parse(uk_today(&state)) {
        Ok(plan) => plan,
        Err(errors) => {
            return form_page(&state, &session, id, &request_id, Some(&shown), &errors).await;
        }
    };
    let tx = state.store.begin().await?;
    let saved = tx
        .save_safety_plan(&session.0.user, id, &plan, Some(request_id.0.clone()))
        .await;
    match tx.settle(saved).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/safety-plan")).into_response()),
        Err(CaseError::Form(errors)) => {
            form_page(&state, &session, id, &request_id, Some(&shown), &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A copy for the victim: no names, no case reference, no service branding, a neutral
/// title, so that a printed plan found by someone else gives nothing away.
pub async fn print(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    let (_, work, agencies) = load(
        &state,
        &session,
        id,
        &request_id,
        "case.safety_plan.print",
        access::can_work_case,
    )
    .await?;
    render(
        &state,
        Some(&session),
        "safety_plan_print.html",
        context! {
            title => "My plan",
            plan => work.safety_plan.as_ref().map(|p| plan_ctx(&p.plan, &agencies, "Me", uk_today(&state))),
        },
    )
}
