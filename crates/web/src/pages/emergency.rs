//! Emergency ("break-glass") access to a case another agency holds, and the alerts page
//! where the holding agency's managers see every use of it.
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::FieldError;
use waymark_store::cases::CaseError;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, refuse, render};

fn form_page(
    state: &SharedState,
    session: &Session,
    reference: &str,
    reason: &str,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut res = render(
        state,
        Some(session),
        "emergency_access.html",
        context! {
            title => "Emergency access to a case",
            minutes => state.config.break_glass_minutes,
            v => context! { reference => reference, reason => reason },
            errors => errors_ctx(errors),
        },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    if !waymark_domain::access::can_break_glass(&session.0.user.actor()) {
        return Err(refuse(&state, &session, "break_glass.open", &request_id).await);
    }
    form_page(&state, &session, "", "", &[], StatusCode::OK)
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let reference = field(&form, "reference").unwrap_or("").trim().to_owned();
    let reason = field(&form, "reason").unwrap_or("").to_owned();
    if reference.is_empty() {
        let errors = [FieldError::new(
            "reference",
            "Enter the case reference, like WM-2026-00042",
        )];
        return form_page(
            &state,
            &session,
            &reference,
            &reason,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if !crate::pages::confirm::recently_confirmed(&state, &session) {
        // What was typed is not carried through the redirect; the user enters it again.
        return Ok(crate::pages::confirm::confirm_first("/emergency-access"));
    }
    let tx = state.store.begin().await?;
    let granted = tx
        .break_glass(
            &session.0.user,
            &reference,
            &reason,
            state.config.break_glass_minutes,
            Some(request_id.0),
        )
        .await;
    match tx.settle(granted).await {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(CaseError::NotFound) => {
            // The same answer whether the case does not exist or excludes the user.
            let errors = [FieldError::new(
                "reference",
                "No case can be opened with that reference",
            )];
            form_page(
                &state,
                &session,
                &reference,
                &reason,
                &errors,
                StatusCode::NOT_FOUND,
            )
        }
        Err(CaseError::Invalid { field, message }) => form_page(
            &state,
            &session,
            &reference,
            &reason,
            &[FieldError::new(field, message)],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn alerts(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    if session.0.user.role != waymark_domain::role::Role::Manager {
        return Err(refuse(&state, &session, "alerts.view", &request_id).await);
    }
    let tx = state.store.begin().await?;
    let alerts = tx.break_glass_alerts(&session.0.user).await?;
    tx.commit().await?;
    let rows: Vec<_> = alerts
        .iter()
        .map(|a| {
            context! {
                case_id => a.case_id.to_string(),
                reference => a.case_reference,
                who => a.user_name,
                agency => a.agency_name,
                reason => a.reason,
                granted_at => crate::uk_time::format(a.granted_at),
                expires_at => crate::uk_time::format(a.expires_at),
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "alerts.html",
        context! { title => "Emergency access alerts", rows => rows },
    )
}
