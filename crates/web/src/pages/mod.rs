//! Server-rendered pages, one module per resource; each handler is short.
pub mod access_log;
pub mod account;
pub mod case;
pub mod cases;
pub mod casework;
pub mod confirm;
pub mod dash;
pub mod data_protection;
pub mod emergency;
pub mod exclusions;
pub mod health;
pub mod home;
pub mod linked_people;
pub mod marac;
pub mod marac_reports;
pub mod matches;
pub mod measures;
pub mod mfa;
pub mod people_edit;
pub mod referral;
pub mod safety_plan;
pub mod saved;
pub mod self_referral;
pub mod sign_in;
pub mod team;
pub mod whereabouts;

use axum::response::{Html, IntoResponse, Response};
use minijinja::{Value, context};
use waymark_domain::referral::FieldError;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Renders a page for a signed-in user with the common context (user, CSRF token, demo
/// banner) merged with the page's own.
pub fn render(
    state: &SharedState,
    session: Option<&Session>,
    name: &str,
    page: Value,
) -> Result<Response, AppError> {
    let user = session.map(|s| {
        context! {
            display_name => s.0.user.display_name,
            role => s.0.user.role.label(),
            can_create_referral => waymark_domain::access::can_create_referral(&s.0.user.actor()),
            can_break_glass => waymark_domain::access::can_break_glass(&s.0.user.actor()),
            is_manager => s.0.user.role == waymark_domain::role::Role::Manager,
            can_triage => waymark_domain::access::can_triage(&s.0.user.actor()),
            marac => waymark_domain::access::takes_part_in_marac(&s.0.user.actor()),
            reviews_access => waymark_domain::access::can_review_access(&s.0.user.actor()),
        }
    });
    let common = context! {
        user => user,
        csrf_token => session.map(|s| s.0.csrf_token.clone()),
        demo => state.config.demo,
    };
    let html = state
        .templates
        .render(name, context! { ..common, ..page })?;
    Ok(Html(html).into_response())
}

/// Form errors in the shape the templates use: a list for the error summary and a map
/// from field name to message for the inline messages.
pub fn errors_ctx(errors: &[FieldError]) -> Value {
    let by_field: std::collections::BTreeMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    context! { list => errors, by_field => by_field }
}

/// Looks up one submitted form field.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Today in the UK: dates typed by users are UK civil dates.
pub fn today() -> time::Date {
    crate::uk_time::date(time::OffsetDateTime::now_utc())
}

/// Today in the UK by the application's clock (which tests move).
pub fn uk_today(state: &SharedState) -> time::Date {
    crate::uk_time::date(state.config.clock.now())
}

/// Refuses an action the user's role may never take: writes the `denied` audit row (in
/// its own transaction, as nothing else happens) and answers 403.
pub async fn refuse(
    state: &SharedState,
    session: &Session,
    action: &'static str,
    request_id: &RequestId,
) -> AppError {
    let audit = async {
        let tx = state.store.begin().await?;
        tx.audit(waymark_store::audit::AuditEvent {
            actor: Some(session.0.user.audit_actor()),
            action,
            object_type: "case",
            object_id: None,
            outcome: waymark_store::audit::Outcome::Denied,
            request_id: Some(request_id.0.clone()),
        })
        .await?;
        tx.commit().await
    };
    match audit.await {
        Ok(()) => AppError::Forbidden,
        Err(e) => e.into(),
    }
}
