//! Adding a child or another linked person to a case after the referral. A child's school
//! or nursery is a restricted field: it is typed here, and afterwards shown only by the
//! audited reveal on the case page.
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use waymark_domain::access;
use waymark_domain::linked_person::{LinkedPersonInput, LinkedRole};
use waymark_domain::referral::{FieldError, LivesWith};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::casework::{form_errors, load, options, values, with_status};
use crate::pages::{field, render, uk_today};

async fn page(
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
    let res = render(
        state,
        Some(session),
        "linked_person_new.html",
        context! {
            title => "Add a child or linked person",
            case => case_ctx(&detail, &state.registry),
            roles => options(LinkedRole::ALL, LinkedRole::as_str, LinkedRole::label),
            lives_with => options(LivesWith::ALL, LivesWith::as_str, LivesWith::label),
            v => values(form),
            errors => crate::pages::errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    page(&state, &session, id, &request_id, &[], &[]).await
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
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let input = LinkedPersonInput {
        role: f("role"),
        given_name: f("given_name"),
        family_name: f("family_name"),
        date_of_birth: f("date_of_birth"),
        lives_with: f("lives_with"),
        school: f("school"),
        relationship: f("relationship"),
    };
    let tx = state.store.begin().await?;
    let done = tx
        .add_linked_person(
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
            crate::pages::saved::Saved::LinkedPerson,
        )),
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &session, id, &request_id, &form, &errors).await
        }
    }
}
