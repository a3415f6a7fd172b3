//! The public self-referral form: a survivor asks the service to contact them.
//!
//! Anyone may use it, signed in or not; the service that receives it is configured
//! (`WebConfig::self_referral`), and without one every route here answers 404. Nothing a
//! survivor types is ever echoed after sending: the form redirects (303) to a thank-you page
//! that holds no personal data, so the back button and history never show their details.
//! Page titles are neutral, every response is `no-store` (the global middleware), and the
//! form sets no cookie, so using it leaves as little on the device as a web page can.
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use waymark_domain::referral::{FieldError, MAX_TEXT};
use waymark_domain::self_referral::{HELPLINE, SelfReferralInput};
use waymark_store::throttle::self_referral_key;

use crate::auth::ClientAddress;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, render, uk_today};
use crate::{SelfReferralTarget, SharedState};

/// Where a sent form goes.
pub const SENT_PATH: &str = "/self-referral/sent";

/// The neutral title the form's page shows in tabs and history.
const TITLE: &str = "Contact form";

fn target(state: &SharedState) -> Result<SelfReferralTarget, AppError> {
    state.config.self_referral.ok_or(AppError::NotFound)
}

fn form_page(
    state: &SharedState,
    form: &[(String, String)],
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let values: std::collections::BTreeMap<&str, &str> =
        form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut res = render(
        state,
        None,
        "self_referral.html",
        context! {
            title => TITLE,
            v => Value::from_serialize(&values),
            errors => errors_ctx(errors),
            helpline => HELPLINE,
            max_text => MAX_TEXT,
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn after_page(state: &SharedState, busy: bool) -> Result<Response, AppError> {
    render(
        state,
        None,
        "self_referral_sent.html",
        context! {
            title => if busy { "Please try again later" } else { "Message sent" },
            busy => busy,
            helpline => HELPLINE,
        },
    )
}

/// The form has no session to carry a CSRF token, and a cookie would leave a trace on the
/// survivor's device. Browsers say where a form was sent from: refuse other sites' forms.
fn refuse_cross_site(headers: &HeaderMap) -> Result<(), AppError> {
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("cross-site") => Err(AppError::Csrf),
        _ => Ok(()),
    }
}

pub async fn show(State(state): State<SharedState>) -> Result<Response, AppError> {
    target(&state)?;
    form_page(&state, &[], &[])
}

pub async fn sent(State(state): State<SharedState>) -> Result<Response, AppError> {
    target(&state)?;
    after_page(&state, false)
}

pub async fn submit(
    State(state): State<SharedState>,
    request_id: RequestId,
    address: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let to = target(&state)?;
    refuse_cross_site(&headers)?;
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let input = SelfReferralInput {
        given_name: f("given_name"),
        family_name: f("family_name"),
        safe_phone: f("safe_phone"),
        no_safe_phone: f("no_safe_phone"),
        safe_times: f("safe_times"),
        voicemail_safe: f("voicemail_safe"),
        immediate_danger: f("immediate_danger"),
        whats_happening: f("whats_happening"),
    };
    // Checked before the database is touched: an invalid form costs no lock and no row.
    let referral = match input.parse(uk_today(&state)) {
        Ok(r) => r,
        Err(errors) => return form_page(&state, &form, &errors),
    };
    let now = state.config.clock.now();
    let limit = state.config.self_referral_limit;
    let key = self_referral_key(&address.0);
    let tx = state.store.begin().await?;
    if !limit.allows(tx.recent_self_referrals(&key, now - limit.window).await?) {
        // Nothing is written (the transaction rolls back when dropped): a throttled
        // flood must not grow the audit trail either.
        drop(tx);
        let mut res = after_page(&state, true)?;
        *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = HeaderValue::from_str(&limit.window.whole_seconds().to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(res);
    }
    let created = async {
        let id = tx
            .create_self_referral(to.agency_id, to.marac_id, &referral, Some(request_id.0))
            .await?;
        tx.record_self_referral(&key, now).await?;
        Ok::<_, waymark_store::cases::CaseError>(id)
    }
    .await;
    tx.settle(created).await?;
    Ok(Redirect::to(SENT_PATH).into_response())
}
