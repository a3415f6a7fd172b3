//! Where the victim lives: current address, postcode, refuge and GP practice. They are
//! restricted fields, so the form that changes them is itself a reveal: it opens only after
//! a recent proof of identity, only for the staff who contact the victim, and writes a
//! `restricted.reveal` audit row; saving writes `restricted.update`.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use waymark_domain::access;
use waymark_domain::referral::FieldError;
use waymark_domain::whereabouts::{Whereabouts, WhereaboutsInput};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::casework::{form_errors, load, values, with_status};
use crate::pages::{confirm, field, render};

fn path(id: uuid::Uuid) -> String {
    format!("/cases/{id}/whereabouts")
}

fn recorded_values(w: &Whereabouts) -> minijinja::Value {
    context! {
        address => w.address,
        postcode => w.postcode,
        refuge => w.refuge,
        gp_practice => w.gp_practice,
    }
}

async fn page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    request_id: &RequestId,
    v: minijinja::Value,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, _) = load(
        state,
        session,
        id,
        request_id,
        "case.view",
        access::can_reveal_restricted,
    )
    .await?;
    let res = render(
        state,
        Some(session),
        "whereabouts.html",
        context! {
            title => "Where the victim lives",
            case => case_ctx(&detail, &state.registry),
            v => v,
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
    if !confirm::recently_confirmed(&state, &session) {
        return Ok(confirm::confirm_first(&path(id)));
    }
    let tx = state.store.begin().await?;
    let found = tx
        .whereabouts_for_edit(&session.0.user, id, Some(request_id.0.clone()))
        .await;
    let recorded = tx.settle(found).await?;
    page(
        &state,
        &session,
        id,
        &request_id,
        recorded_values(&recorded),
        &[],
    )
    .await
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
    if !confirm::recently_confirmed(&state, &session) {
        return Ok(confirm::confirm_first(&path(id)));
    }
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let input = WhereaboutsInput {
        address: f("address"),
        postcode: f("postcode"),
        refuge: f("refuge"),
        gp_practice: f("gp_practice"),
    };
    let tx = state.store.begin().await?;
    let done = tx
        .update_whereabouts(&session.0.user, id, &input, Some(request_id.0.clone()))
        .await;
    match tx.settle(done).await {
        Ok(()) => Ok(crate::pages::saved::back_to_case(
            id,
            crate::pages::saved::Saved::Whereabouts,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &session, id, &request_id, values(&form), &errors).await
        }
    }
}
