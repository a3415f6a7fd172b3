//! Working a case: recording contacts, interventions, allocation, closure and a returning
//! client's repeat case. Every form is checked on the server; a refused or invalid form
//! saves nothing and shows the GOV.UK error summary.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value, context};
use waymark_domain::access;
use waymark_domain::casework::{
    ClosureInput, ClosureReason, ContactInput, ContactKind, ContactOutcome, InterventionInput,
    InterventionKind, InterventionStatus,
};
use waymark_domain::referral::{FieldError, ReferralRoute};
use waymark_store::cases::{CaseDetail, CaseError};
use waymark_store::casework::{Caseload, Casework};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::{errors_ctx, field, render, uk_today};

/// Options for a select or radios from a `choice!` enum.
pub fn options<T: Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Value> {
    all.iter()
        .map(|v| context! { value => key(*v), label => label(*v) })
        .collect()
}

/// The form's values, by name, for re-showing a form with its errors.
pub(crate) fn values(form: &[(String, String)]) -> Value {
    let map: std::collections::BTreeMap<&str, &str> = form
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Value::from_serialize(&map)
}

/// Loads a case and its casework for someone allowed by `allowed`; anyone else gets 404.
pub(crate) async fn load(
    state: &SharedState,
    session: &Session,
    case_id: uuid::Uuid,
    request_id: &RequestId,
    action: &'static str,
    allowed: fn(&access::Actor, &access::CaseAccessFacts) -> bool,
) -> Result<(CaseDetail, Casework), AppError> {
    let tx = state.store.begin().await?;
    let found = tx
        .case_with_casework_for(
            &session.0.user,
            case_id,
            &state.config.casework,
            action,
            allowed,
            Some(request_id.0.clone()),
        )
        .await;
    Ok(tx.settle(found).await?)
}

pub(crate) fn with_status(mut res: Response, errors: &[FieldError]) -> Response {
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// Turns a store refusal into form errors, or passes any other error on.
pub(crate) fn form_errors(e: CaseError) -> Result<Vec<FieldError>, AppError> {
    match e {
        CaseError::Form(errors) => Ok(errors),
        CaseError::Invalid { field, message } => Ok(vec![FieldError::new(field, message)]),
        other => Err(other.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Contacts
// ---------------------------------------------------------------------------------------

async fn contact_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, work) = load(
        state,
        session,
        id,
        request_id,
        "case.work.view",
        access::can_work_case,
    )
    .await?;
    let mut v = values(form);
    if form.is_empty() {
        v = Value::from_serialize(context! { contact_on => uk_today(state).to_string() });
    }
    let res = render(
        state,
        Some(session),
        "contact_new.html",
        context! {
            title => "Record a contact",
            case => case_ctx(&detail, &state.registry),
            intensity => work.intensity,
            kinds => options(ContactKind::ALL, ContactKind::as_str, ContactKind::label),
            outcomes => options(ContactOutcome::ALL, ContactOutcome::as_str, ContactOutcome::label),
            yes_no => vec![context! { value => "yes", label => "Yes" }, context! { value => "no", label => "No" }],
            v => v,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn contact_new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    contact_page(&state, &session, id, &request_id, &[], &[]).await
}

pub async fn contact_create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let input = ContactInput {
        contact_on: f("contact_on"),
        kind: f("kind"),
        outcome: f("outcome"),
        significant: f("significant"),
        duration_minutes: f("duration_minutes"),
        note: f("note"),
    };
    let tx = state.store.begin().await?;
    let done = tx
        .record_contact(
            &session.0.user,
            id,
            &input,
            uk_today(&state),
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(_) => Ok(crate::pages::saved::back_to_case(
            id,
            crate::pages::saved::Saved::Contact,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            contact_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Interventions
// ---------------------------------------------------------------------------------------

async fn intervention_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, _) = load(
        state,
        session,
        id,
        request_id,
        "case.work.view",
        access::can_work_case,
    )
    .await?;
    let tx = state.store.begin().await?;
    let agencies = tx.agencies().await?;
    tx.commit().await?;
    let mut kinds = options(
        InterventionKind::ALL,
        InterventionKind::as_str,
        InterventionKind::label,
    );
    if !state.config.local_interventions.is_empty() {
        kinds.push(context! { value => "local", label => "A local intervention (name it below)" });
    }
    let res = render(
        state,
        Some(session),
        "intervention_new.html",
        context! {
            title => "Add an intervention",
            case => case_ctx(&detail, &state.registry),
            kinds => kinds,
            local => state.config.local_interventions.iter().map(|l| context! { value => l, label => l }).collect::<Vec<_>>(),
            statuses => options(InterventionStatus::ALL, InterventionStatus::as_str, InterventionStatus::label),
            agencies => agencies.iter().map(|a| context! { value => a.id.to_string(), label => a.name }).collect::<Vec<_>>(),
            v => values(form),
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn intervention_new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    intervention_page(&state, &session, id, &request_id, &[], &[]).await
}

pub async fn intervention_create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let input = InterventionInput {
        kind: f("kind"),
        local_name: f("local_name"),
        status: f("status"),
        agency_id: f("agency_id"),
        note: f("note"),
    };
    let tx = state.store.begin().await?;
    let done = tx
        .add_intervention(
            &session.0.user,
            id,
            &input,
            &state.config.local_interventions,
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(_) => Ok(crate::pages::saved::back_to_case(
            id,
            crate::pages::saved::Saved::Intervention,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            intervention_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

/// Moves an intervention on, from the case page.
pub async fn intervention_update(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path((case_id, intervention_id)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let intervention_id = parse_id(&intervention_id)?;
    let tx = state.store.begin().await?;
    let done = tx
        .set_intervention_status(
            &session.0.user,
            id,
            intervention_id,
            field(&form, "status").unwrap_or(""),
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(()) => Ok(crate::pages::saved::back_to_case(
            id,
            crate::pages::saved::Saved::InterventionStatus,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            Err(AppError::Invalid(errors))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Allocation
// ---------------------------------------------------------------------------------------

/// A count per case, to one decimal place ("–" with no cases).
pub fn per_case(count: u32, cases: u32) -> String {
    match (count * 10 + cases / 2).checked_div(cases) {
        Some(tenths) => format!("{}.{}", tenths / 10, tenths % 10),
        None => "–".to_owned(),
    }
}

pub fn caseload_ctx(l: &Caseload) -> Value {
    context! {
        user_id => l.user_id.to_string(),
        name => l.name,
        fte => l.fte.to_string(),
        open_cases => l.open_cases,
        high_risk_open => l.high_risk_open,
        allocated_in_window => l.allocated_in_window,
        projected_annual => l.projection.projected_annual,
        per_fte => l.projection.per_fte,
        band => l.projection.band,
        overdue => l.overdue,
        significant_contacts => l.significant_contacts,
        contacts_per_case => per_case(l.significant_contacts, l.open_cases),
        intensive_cases => l.intensive_cases,
    }
}

async fn allocation_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    chosen: &str,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, _) = load(
        state,
        session,
        id,
        request_id,
        "case.allocate.view",
        access::can_allocate,
    )
    .await?;
    let tx = state.store.begin().await?;
    let found = tx
        .allocation_options(
            &session.0.user,
            id,
            &state.config.casework,
            uk_today(state),
            Some(request_id.0.clone()),
        )
        .await;
    let (_, loads) = tx.settle(found).await?;
    let rules = &state.config.casework;
    let res = render(
        state,
        Some(session),
        "allocation.html",
        context! {
            title => "Allocate the case",
            case => case_ctx(&detail, &state.registry),
            loads => loads.iter().map(caseload_ctx).collect::<Vec<_>>(),
            chosen => chosen,
            caseload_low => rules.caseload_low,
            caseload_high => rules.caseload_high,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn allocation_show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    allocation_page(&state, &session, id, &request_id, "", &[]).await
}

pub async fn allocate(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let chosen = field(&form, "caseworker_id").unwrap_or("");
    let tx = state.store.begin().await?;
    let done = tx
        .allocate(&session.0.user, id, chosen, Some(request_id.0.clone()))
        .await;
    match tx.settle(done).await {
        Ok(()) => Ok(crate::pages::saved::back_to_case(
            id,
            crate::pages::saved::Saved::Allocation,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            allocation_page(&state, &session, id, &request_id, chosen, &errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Closure and repeat cases
// ---------------------------------------------------------------------------------------

/// The closure form, with what is still open on the case above it.
async fn close_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let found = async {
        let (detail, work) = tx
            .case_with_casework_for(
                &session.0.user,
                id,
                &state.config.casework,
                "case.work.view",
                access::can_work_case,
                Some(request_id.0.clone()),
            )
            .await?;
        let check = tx.closure_check(&detail).await?;
        Ok::<_, CaseError>((detail, work, check))
    }
    .await;
    let (detail, _work, check) = tx.settle(found).await?;
    let mut v = values(form);
    if form.is_empty() {
        v = Value::from_serialize(context! { closed_on => uk_today(state).to_string() });
    }
    let res = render(
        state,
        Some(session),
        "close.html",
        context! {
            title => "Close the case",
            case => case_ctx(&detail, &state.registry),
            check => closure_check_ctx(&check),
            follow_up_months => state.config.casework.follow_up_months,
            reasons => options(ClosureReason::ALL, ClosureReason::as_str, ClosureReason::label),
            v => v,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

/// What is still open on a case about to close, for the closure form and its check step.
fn closure_check_ctx(check: &waymark_store::casework::ClosureCheck) -> Value {
    let f = &check.facts;
    context! {
        still_open => f.still_open().iter().map(|o| o.text()).collect::<Vec<_>>(),
        risk_high => f.risk_still_high(),
        listed_on => f.listed_unheard.first().map(|d| d.to_string()),
        exit_recorded => f.exit_recorded,
        review_recorded => f.review_recorded,
        coordinators => check.coordinators.iter().map(|(id, name)| context! {
            value => id.to_string(), label => name,
        }).collect::<Vec<_>>(),
    }
}

/// `GET /cases/{id}/close`: the closure form.
pub async fn close_new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    close_page(&state, &session, id, &request_id, &[], &[]).await
}

/// `POST /cases/{id}/close`: the answers are checked and shown back with everything still
/// open on the case (check your answers); only a confirmation from that step closes it.
/// "Change your answers" goes back to the form with the answers kept.
pub async fn close(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    if f("change") == "yes" {
        return close_page(&state, &session, id, &request_id, &form, &[]).await;
    }
    let input = ClosureInput {
        closed_on: f("closed_on"),
        reason: f("reason"),
        reason_detail: f("reason_detail"),
        exit_not_taken_reason: f("exit_not_taken_reason"),
        risk_reason: f("risk_reason"),
        coordinator_agreed: f("coordinator_agreed"),
    };
    let today = uk_today(&state);
    let rid = Some(request_id.0.clone());
    let tx = state.store.begin().await?;
    if f("confirmed") == "yes" {
        let done = tx.close_case(&session.0.user, id, &input, today, rid).await;
        return match tx.settle(done).await {
            Ok(()) => Ok(crate::pages::saved::back_to_case(
                id,
                crate::pages::saved::Saved::CaseClosed,
            )),
            Err(e) => {
                let errors = form_errors(e)?;
                close_page(&state, &session, id, &request_id, &form, &errors).await
            }
        };
    }
    let checked = async {
        let (closure, check) = tx
            .check_closure(&session.0.user, id, &input, today, rid.clone())
            .await?;
        let (detail, _) = tx
            .case_with_casework_for(
                &session.0.user,
                id,
                &state.config.casework,
                "case.work.view",
                access::can_work_case,
                rid,
            )
            .await?;
        Ok::<_, CaseError>((closure, check, detail))
    }
    .await;
    match tx.settle(checked).await {
        Ok((closure, check, detail)) => {
            let agreed = closure.coordinator_agreed.as_ref().and_then(|id| {
                check
                    .coordinators
                    .iter()
                    .find(|(u, _)| u.to_string() == *id)
                    .map(|(_, name)| name.clone())
            });
            render(
                &state,
                Some(&session),
                "close_check.html",
                context! {
                    title => "Check before closing the case",
                    case => case_ctx(&detail, &state.registry),
                    check => closure_check_ctx(&check),
                    closed_on => closure.closed_on.to_string(),
                    reason => closure.reason.label(),
                    reason_detail => closure.reason_detail,
                    exit_not_taken_reason => closure.exit_not_taken_reason,
                    risk_reason => closure.risk_reason,
                    agreed_by => agreed,
                    follow_up_months => state.config.casework.follow_up_months,
                    v => values(&form),
                },
            )
        }
        Err(e) => {
            let errors = form_errors(e)?;
            close_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

async fn repeat_page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, _) = load(
        state,
        session,
        id,
        request_id,
        "case.work.view",
        access::can_work_case,
    )
    .await?;
    let mut v = values(form);
    if form.is_empty() {
        v = Value::from_serialize(context! { referred_on => uk_today(state).to_string() });
    }
    let res = render(
        state,
        Some(session),
        "repeat_new.html",
        context! {
            title => "Open a repeat case",
            case => case_ctx(&detail, &state.registry),
            routes => options(ReferralRoute::ALL, ReferralRoute::as_str, ReferralRoute::label),
            v => v,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn repeat_new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    repeat_page(&state, &session, id, &request_id, &[], &[]).await
}

pub async fn repeat_create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let Some(referred_on) =
        waymark_domain::referral::parse_iso_date(field(&form, "referred_on").unwrap_or(""))
    else {
        let errors = [FieldError::new(
            "referred_on",
            "The date the client came back must be a real date, like 2024-03-27",
        )];
        return repeat_page(&state, &session, id, &request_id, &form, &errors).await;
    };
    let tx = state.store.begin().await?;
    let done = tx
        .open_repeat_case(
            &session.0.user,
            id,
            field(&form, "route").unwrap_or(""),
            referred_on,
            uk_today(&state),
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(new_id) => Ok(crate::pages::saved::back_to_case(
            new_id,
            crate::pages::saved::Saved::RepeatCase,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            repeat_page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}

/// The casework section of the case page. Without `notes` (emergency access), the working
/// notes are left out: contact and intervention notes, and why the case closed.
pub fn casework_ctx(work: &Casework, today: time::Date, notes: bool) -> Value {
    let due: Vec<Value> = work
        .due
        .iter()
        .map(|d| {
            context! {
                label => d.kind.label(),
                due_on => d.due_on.to_string(),
                overdue => d.overdue(today),
            }
        })
        .collect();
    context! {
        status => work.status.as_str(),
        status_label => work.status.label(),
        referred_on => work.referred_on.to_string(),
        allocated_on => work.allocated_on.map(|d| d.to_string()),
        first_contact_on => work.first_contact_on.map(|d| d.to_string()),
        time_to_first_contact => work.time_to_first_contact,
        intensity => work.intensity,
        contacts => work.contacts.iter().rev().map(|c| context! {
            contact_on => c.contact_on.to_string(),
            kind => c.kind.label(),
            outcome => c.outcome.label(),
            significant => c.significant,
            duration_minutes => c.duration_minutes,
            note => if notes { c.note.clone() } else { None },
            recorded_by => c.recorded_by,
        }).collect::<Vec<_>>(),
        interventions => work.interventions.iter().map(|i| context! {
            id => i.id.to_string(),
            label => i.intervention.label(),
            status => i.status.as_str(),
            status_label => i.status.label(),
            agency => i.agency,
            note => if notes { i.note.clone() } else { None },
            updated_on => i.updated_on.to_string(),
        }).collect::<Vec<_>>(),
        interventions_received => work.interventions_received,
        statuses => options(InterventionStatus::ALL, InterventionStatus::as_str, InterventionStatus::label),
        due => due,
        closure => work.closure.as_ref().map(|c| context! {
            closed_on => c.closed_on.to_string(),
            reason => c.reason.label(),
            detail => if notes { c.detail.clone() } else { None },
            exit_not_taken_reason => if notes { c.exit_not_taken_reason.clone() } else { None },
        }),
        repeat_of => work.repeat_of.as_ref().map(|(id, reference)| context! { id => id.to_string(), reference => reference }),
        measures_recorded => work.measures_recorded,
        safety_plan => work.safety_plan.as_ref().map(|p| context! {
            version => p.version,
            risks => p.plan.risks.len(),
            open_actions => p.plan.risks.iter().flat_map(|r| r.actions.iter()).filter(|a| !a.done).count(),
            review_on => p.plan.review_on.map(|d| d.to_string()),
        }),
        measures => waymark_domain::casework::MeasureStage::ALL.iter().map(|stage| {
            let recorded = work.measures.iter().find(|m| m.stage == *stage);
            context! {
                stage => stage.as_str(),
                label => stage.label(),
                recorded_on => recorded.map(|m| m.recorded_on.to_string()),
                open => stage.allowed_when(work.status),
            }
        }).collect::<Vec<_>>(),
    }
}

#[cfg(test)]
mod tests {
    use super::per_case;

    #[test]
    fn contacts_per_case_round_to_one_decimal() {
        assert_eq!(per_case(0, 0), "–");
        assert_eq!(per_case(7, 2), "3.5");
        assert_eq!(per_case(10, 3), "3.3");
        assert_eq!(per_case(20, 3), "6.7");
        assert_eq!(per_case(6, 1), "6.0");
    }
}
