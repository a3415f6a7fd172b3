//! Opening a case from a new referral.
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::{
    ChildInput, Consent, FieldError, Gender, LivesWith, ReferralInput, ReferralRoute, Relationship,
};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, refuse, render, today};

/// The number of child rows the form offers.
pub const CHILD_ROWS: usize = 4;

fn options<T: Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<minijinja::Value> {
    all.iter()
        .map(|v| context! { value => key(*v), label => label(*v) })
        .collect()
}

/// Reads the flat form into the same input the JSON API takes.
pub fn input_from_form(form: &[(String, String)]) -> ReferralInput {
    let f = |name: &str| field(form, name).unwrap_or("").to_owned();
    let children = (1..=CHILD_ROWS)
        .map(|n| ChildInput {
            given_name: f(&format!("child_{n}_given_name")),
            family_name: f(&format!("child_{n}_family_name")),
            date_of_birth: f(&format!("child_{n}_date_of_birth")),
            lives_with: f(&format!("child_{n}_lives_with")),
        })
        .collect();
    ReferralInput {
        victim_given_name: f("victim_given_name"),
        victim_family_name: f("victim_family_name"),
        victim_date_of_birth: f("victim_date_of_birth"),
        victim_gender: f("victim_gender"),
        perpetrator_given_name: f("perpetrator_given_name"),
        perpetrator_family_name: f("perpetrator_family_name"),
        perpetrator_date_of_birth: f("perpetrator_date_of_birth"),
        perpetrator_gender: f("perpetrator_gender"),
        relationship: f("relationship"),
        children,
        referring_agency_id: f("referring_agency_id"),
        route: f("route"),
        referred_on: f("referred_on"),
        consent: f("consent"),
        consent_reason: f("consent_reason"),
        victim_aware: f("victim_aware"),
        reason: f("reason"),
        safe_phone: f("safe_phone"),
        safe_times: f("safe_times"),
        voicemail_safe: f("voicemail_safe"),
        post_safe: f("post_safe"),
    }
}

async fn form_page(
    state: &SharedState,
    session: &Session,
    values: &ReferralInput,
    marac_id: &str,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let agencies = tx.agencies().await?;
    let maracs = tx.maracs().await?;
    tx.commit().await?;
    let mut children = values.children.clone();
    children.resize(CHILD_ROWS, ChildInput::default());
    let children: Vec<_> = children
        .iter()
        .enumerate()
        .map(|(i, c)| context! { n => i + 1, values => c })
        .collect();
    let mut res = render(
        state,
        Some(session),
        "referral_new.html",
        context! {
            title => "New referral",
            v => values,
            children => children,
            marac_id => marac_id,
            agencies => agencies.iter().map(|a| context! { value => a.id.to_string(), label => a.name }).collect::<Vec<_>>(),
            maracs => maracs.iter().map(|m| context! { value => m.id.to_string(), label => m.name }).collect::<Vec<_>>(),
            routes => options(ReferralRoute::ALL, ReferralRoute::as_str, ReferralRoute::label),
            relationships => options(Relationship::ALL, Relationship::as_str, Relationship::label),
            genders => options(Gender::ALL, Gender::as_str, Gender::label),
            lives_with => options(LivesWith::ALL, LivesWith::as_str, LivesWith::label),
            consents => options(Consent::ALL, Consent::as_str, Consent::label),
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    if !waymark_domain::access::can_create_referral(&session.0.user.actor()) {
        return Err(refuse(&state, &session, "referral.new", &request_id).await);
    }
    let values = ReferralInput {
        referred_on: today().to_string(),
        ..ReferralInput::default()
    };
    form_page(&state, &session, &values, "", &[]).await
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    if !waymark_domain::access::can_create_referral(&session.0.user.actor()) {
        return Err(refuse(&state, &session, "referral.create", &request_id).await);
    }
    let input = input_from_form(&form);
    let marac_field = field(&form, "marac_id").unwrap_or("").to_owned();
    let mut errors = Vec::new();
    let marac_id = uuid::Uuid::parse_str(marac_field.trim()).ok();
    if marac_id.is_none() {
        errors.push(FieldError::new(
            "marac_id",
            "Select the Marac for this area",
        ));
    }
    let parsed = input.parse(today());
    let new = match parsed {
        Ok(new) if errors.is_empty() => new,
        Ok(_) => return form_page(&state, &session, &input, &marac_field, &errors).await,
        Err(mut e) => {
            e.append(&mut errors);
            return form_page(&state, &session, &input, &marac_field, &e).await;
        }
    };
    let Some(marac_id) = marac_id else {
        return form_page(&state, &session, &input, &marac_field, &errors).await;
    };
    let tx = state.store.begin().await?;
    let created = async {
        let case_id = tx
            .create_referral(&session.0.user, marac_id, &new, Some(request_id.0))
            .await?;
        // The people on a new referral may already be known to another case: the
        // caseworker sees the possible matches, with why, before the Dash.
        let waiting = tx.pending_match_count_for(&session.0.user, case_id).await?;
        Ok((case_id, waiting))
    }
    .await;
    match tx.settle(created).await {
        Ok((case_id, 0)) => Ok(Redirect::to(&format!("/cases/{case_id}/dash/new")).into_response()),
        Ok((case_id, _)) => {
            Ok(Redirect::to(&format!("/cases/{case_id}/matches?after=referral")).into_response())
        }
        Err(waymark_store::cases::CaseError::Invalid { field, message }) => {
            form_page(
                &state,
                &session,
                &input,
                &marac_field,
                &[FieldError::new(field, message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
