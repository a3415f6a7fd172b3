//! The data protection officer's pages: find a case's access log by its reference, and
//! review everything a member of the agency's staff has opened, changed or been refused.
//! Neither shows case content: a case is named by its reference only.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::FieldError;
use waymark_store::cases::CaseError;
use waymark_store::data_protection::ActivityObject;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::access_log::describe;
use crate::pages::case::parse_id;
use crate::pages::casework::{values, with_status};
use crate::pages::{field, render};

async fn home_page(
    state: &SharedState,
    session: &Session,
    request_id: &RequestId,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let staff = tx
        .staff_for_review(&session.0.user, Some(request_id.0.clone()))
        .await;
    let staff = tx.settle(staff).await?;
    let rows: Vec<_> = staff
        .iter()
        .map(|u| {
            context! {
                id => u.id.to_string(),
                name => u.display_name,
                role => u.role.label(),
                active => u.active,
            }
        })
        .collect();
    let res = render(
        state,
        Some(session),
        "data_protection.html",
        context! {
            title => "Data protection",
            staff => rows,
            v => values(form),
            errors => crate::pages::errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn home(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    home_page(&state, &session, &request_id, &[], &[]).await
}

/// A case's access log by its reference (typed in a form, so it never sits in a URL).
pub async fn find_case(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let reference = field(&form, "reference").unwrap_or("").trim().to_owned();
    if reference.is_empty() {
        let errors = [FieldError::new(
            "reference",
            "Enter the case reference, like WM-2026-00042",
        )];
        return home_page(&state, &session, &request_id, &form, &errors).await;
    }
    let tx = state.store.begin().await?;
    let found = tx
        .case_for_access_review(&session.0.user, &reference, Some(request_id.0.clone()))
        .await;
    match tx.settle(found).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}/access-log")).into_response()),
        Err(CaseError::NotFound) => {
            // The same answer whether the case does not exist, is another agency's, or
            // excludes the officer.
            let errors = [FieldError::new(
                "reference",
                "There is no case with that reference whose access you can review",
            )];
            home_page(&state, &session, &request_id, &form, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn staff_activity(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(user_id): Path<String>,
) -> Result<Response, AppError> {
    let user_id = parse_id(&user_id)?;
    let tx = state.store.begin().await?;
    let found = tx
        .staff_activity(&session.0.user, user_id, Some(request_id.0.clone()))
        .await;
    let activity = tx.settle(found).await?;
    let rows: Vec<_> = activity
        .rows
        .iter()
        .map(|r| {
            let (case_id, reference, about) = match &r.object {
                ActivityObject::OwnCase { id, reference } => {
                    (Some(id.to_string()), Some(reference.clone()), None)
                }
                ActivityObject::OtherAgencysCase { agency } => {
                    (None, None, Some(format!("A case held by {agency}")))
                }
                ActivityObject::NoSuchCase => (
                    None,
                    None,
                    Some("A case that does not exist (or was deleted)".to_owned()),
                ),
                ActivityObject::Other { object_type } => {
                    (None, None, Some(object_label(object_type).to_owned()))
                }
            };
            context! {
                at => crate::uk_time::format(r.at),
                action => describe(&r.action),
                code => r.action,
                refused => r.outcome != "allowed",
                case_id => case_id,
                reference => reference,
                about => about,
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "data_protection_staff.html",
        context! {
            title => "Activity of a member of staff",
            person => context! {
                name => activity.user.display_name,
                role => activity.user.role.label(),
                active => activity.user.active,
            },
            rows => rows,
            truncated => activity.truncated,
            limit => waymark_store::data_protection::ACTIVITY_LIMIT,
        },
    )
}

/// What a non-case audit row was about, in words.
fn object_label(object_type: &str) -> &'static str {
    match object_type {
        "user" => "An account (sign-in, password, second factor or review)",
        "agency" => "The agency",
        "marac_referral" => "A Marac referral",
        "marac_meeting" => "A Marac meeting",
        "marac_hearing" => "A case at a Marac",
        "marac_action" => "A Marac action",
        "marac" => "A Marac",
        "person" => "A person's record",
        _ => "Something else",
    }
}
