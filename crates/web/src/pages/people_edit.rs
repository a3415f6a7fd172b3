//! Correcting the names, dates of birth and genders of the victim and perpetrators on a
//! case: a spelling put right, a date of birth learned later. Afterwards the caseworker sees
//! any possible matches the corrected details now find.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::access;
use waymark_domain::referral::{FieldError, Gender};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::casework::{form_errors, load, options, with_status};
use crate::pages::{field, render, uk_today};

async fn page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    form: Option<&[(String, String)]>,
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
    let people: Vec<_> = detail
        .people
        .iter()
        .filter(|p| p.role == "victim" || p.role == "perpetrator")
        .map(|p| {
            let prefix = format!("{}-", p.person_id);
            // What was typed, after a refused form; what is recorded, otherwise.
            let value = |name: &str, recorded: String| match form {
                Some(f) => field(f, &format!("{prefix}{name}"))
                    .unwrap_or("")
                    .to_owned(),
                None => recorded,
            };
            context! {
                prefix => prefix,
                heading => if p.role == "victim" { "Victim" } else { "Perpetrator" },
                given_name => value("given_name", p.given_name.clone()),
                family_name => value("family_name", p.family_name.clone()),
                date_of_birth => value(
                    "date_of_birth",
                    p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                ),
                gender => value("gender", p.gender.clone().unwrap_or_default()),
            }
        })
        .collect();
    let res = render(
        state,
        Some(session),
        "people_edit.html",
        context! {
            title => "Correct names and dates of birth",
            case => case_ctx(&detail, &state.registry),
            people => people,
            genders => options(Gender::ALL, Gender::as_str, Gender::label),
            errors => crate::pages::errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn edit(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    page(&state, &session, id, &request_id, None, &[]).await
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
    let tx = state.store.begin().await?;
    let done = async {
        let changed = tx
            .correct_people(
                &session.0.user,
                id,
                &form,
                uk_today(&state),
                Some(request_id.0.clone()),
            )
            .await?;
        // Corrected details may find people they did not before.
        let waiting = if changed > 0 {
            tx.pending_match_count_for(&session.0.user, id).await?
        } else {
            0
        };
        Ok(waiting)
    }
    .await;
    match tx.settle(done).await {
        Ok(0) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/matches?after=correction")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &session, id, &request_id, Some(&form), &errors).await
        }
    }
}
