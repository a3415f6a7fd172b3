//! Excluding a named user or a whole agency from a case (for example, the perpetrator
//! works there, or a worker knows the family). An excluded user gets "not found" for the
//! case everywhere, whatever their role.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::access::can_manage_exclusions;
use waymark_domain::referral::FieldError;
use waymark_store::cases::{CaseDetail, CaseError, Excluded};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::{errors_ctx, field, render};

async fn form_page(
    state: &SharedState,
    session: &Session,
    detail: &CaseDetail,
    values: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let agencies = tx.agencies().await?;
    let users = tx.users().await?;
    tx.commit().await?;
    let agency_name = |id| {
        agencies
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let user_options: Vec<_> = users
        .iter()
        .filter(|u| u.active && u.id != session.0.user.id)
        .map(|u| context! { value => u.id.to_string(), label => format!("{} ({})", u.display_name, agency_name(u.agency_id)) })
        .collect();
    let agency_options: Vec<_> = agencies
        .iter()
        .filter(|a| a.id != detail.owning_agency_id)
        .map(|a| context! { value => a.id.to_string(), label => a.name })
        .collect();
    let v = |name: &str| field(values, name).unwrap_or("").to_owned();
    let mut res = render(
        state,
        Some(session),
        "exclusion_new.html",
        context! {
            title => "Exclude someone from this case",
            case => case_ctx(detail, &state.registry),
            users => user_options,
            agencies => agency_options,
            v => context! { kind => v("kind"), excluded_user_id => v("excluded_user_id"), excluded_agency_id => v("excluded_agency_id"), reason => v("reason") },
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Loads the case for someone who may manage its exclusions; anyone else gets a 404.
async fn load(
    state: &SharedState,
    session: &Session,
    case_id: &str,
    request_id: RequestId,
) -> Result<CaseDetail, AppError> {
    let case_id = parse_id(case_id)?;
    let tx = state.store.begin().await?;
    let detail = tx
        .case_detail(&session.0.user, case_id, Some(request_id.0))
        .await;
    let detail = tx.settle(detail).await?;
    if !can_manage_exclusions(&session.0.user.actor(), &detail.access_facts()) {
        return Err(AppError::NotFound);
    }
    Ok(detail)
}

pub async fn new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let detail = load(&state, &session, &case_id, request_id).await?;
    form_page(&state, &session, &detail, &[], &[]).await
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let parse = |name: &str, message: &str| {
        uuid::Uuid::parse_str(field(&form, name).unwrap_or("").trim())
            .map_err(|_| FieldError::new(name, message))
    };
    let excluded = match field(&form, "kind") {
        Some("user") => {
            parse("excluded_user_id", "Select the person to exclude").map(Excluded::User)
        }
        Some("agency") => {
            parse("excluded_agency_id", "Select the agency to exclude").map(Excluded::Agency)
        }
        _ => Err(FieldError::new(
            "kind",
            "Select whether to exclude a person or a whole agency",
        )),
    };
    let excluded = match excluded {
        Ok(e) => e,
        Err(e) => {
            let detail = load(&state, &session, &case_id, request_id).await?;
            return form_page(&state, &session, &detail, &form, &[e]).await;
        }
    };
    let reason = field(&form, "reason").unwrap_or("");
    let tx = state.store.begin().await?;
    let added = tx
        .add_exclusion(
            &session.0.user,
            id,
            excluded,
            reason,
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(added).await {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(CaseError::Invalid { field, message }) => {
            let detail = load(&state, &session, &case_id, request_id).await?;
            form_page(
                &state,
                &session,
                &detail,
                &form,
                &[FieldError::new(field, message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
