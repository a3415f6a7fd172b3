//! Step-up: before the most sensitive actions (revealing restricted fields, emergency
//! access), a user whose last proof of identity is older than the step-up window confirms
//! their password again, and their authenticator code when they have one.
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use waymark_domain::referral::FieldError;
use waymark_store::audit::{AuditEvent, Outcome};
use waymark_store::users::MfaCheck;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, render};

pub const CONFIRM_PATH: &str = "/account/confirm";

/// Whether the user proved who they are recently enough for a sensitive action.
pub fn recently_confirmed(state: &SharedState, session: &Session) -> bool {
    session
        .0
        .authenticated_at
        .is_some_and(|t| state.config.clock.now() - t <= state.config.step_up_window)
}

/// Where to send someone to confirm, coming back to `next` afterwards.
pub fn confirm_first(next: &str) -> Response {
    Redirect::to(&format!("{CONFIRM_PATH}?next={next}")).into_response()
}

/// Only paths inside Waymark, made of plain characters, are followed after confirming.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-') =>
        {
            n
        }
        _ => "/cases",
    }
}

fn needs_code(state: &SharedState, session: &Session) -> bool {
    let u = &session.0.user;
    u.mfa_enrolled && !(state.config.demo && u.mfa_exempt_demo)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

fn page(
    state: &SharedState,
    session: &Session,
    next: &str,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut res = render(
        state,
        Some(session),
        "confirm.html",
        context! {
            title => "Confirm it is you",
            next => next,
            needs_code => needs_code(state, session),
            errors => errors_ctx(errors),
        },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    page(
        &state,
        &session,
        safe_next(q.next.as_deref()),
        &[],
        StatusCode::OK,
    )
}

pub async fn submit(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let next = safe_next(field(&form, "next")).to_owned();
    let password = field(&form, "password").unwrap_or("");
    let code = field(&form, "code").unwrap_or("").trim().to_owned();
    let user = &session.0.user;
    let key = format!("confirm:{}", user.id);
    let now = state.config.clock.now();
    let tx = state.store.begin().await?;
    if let Some(seconds) = crate::pages::mfa::throttled(&state, &tx, &key).await? {
        tx.commit().await?;
        let errors = [FieldError::new(
            "password",
            format!("Too many attempts. Wait {} seconds and try again", seconds),
        )];
        return page(
            &state,
            &session,
            &next,
            &errors,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let password_ok = !password.is_empty() && tx.check_password(user.id, password).await?;
    let code_ok = if !needs_code(&state, &session) {
        true
    } else if password_ok {
        !matches!(tx.verify_mfa(user.id, &code, now).await?, MfaCheck::Invalid)
    } else {
        false
    };
    let audit = |outcome| AuditEvent {
        actor: Some(user.audit_actor()),
        action: "identity.confirm",
        object_type: "user",
        object_id: Some(user.id.to_string()),
        outcome,
        request_id: Some(request_id.0.clone()),
    };
    if !(password_ok && code_ok) {
        tx.record_sign_in_failure(&[key], now).await?;
        tx.audit(audit(Outcome::Denied)).await?;
        tx.commit().await?;
        let field_name = if password_ok { "code" } else { "password" };
        let errors = [FieldError::new(
            field_name,
            if password_ok {
                "Enter the newest code from your authenticator app"
            } else {
                "Enter your correct password"
            },
        )];
        return page(
            &state,
            &session,
            &next,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    tx.clear_sign_in_failures(&key).await?;
    tx.confirm_identity(session.0.id, now).await?;
    tx.audit(audit(Outcome::Allowed)).await?;
    tx.commit().await?;
    Ok(Redirect::to(&next).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_plain_paths_inside_waymark_are_followed() {
        assert_eq!(safe_next(Some("/cases/01a2-b3")), "/cases/01a2-b3");
        assert_eq!(safe_next(Some("/emergency-access")), "/emergency-access");
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/cases?x=1",
            "/a b",
            "cases",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/cases", "{bad}");
        }
        assert_eq!(safe_next(None), "/cases");
    }
}
