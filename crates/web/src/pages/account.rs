//! The user's own account: changing the password. Changing it ends every session the user
//! has (other browsers included) and starts a new one here.
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::FieldError;
use waymark_store::audit::{AuditEvent, Outcome};
use waymark_store::users::PasswordChangeError;

use crate::SharedState;
use crate::auth::{SESSION_COOKIE, Session, set_cookie};
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, render};

pub const PASSWORD_PATH: &str = "/account/password";

fn page(
    state: &SharedState,
    session: &Session,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let mut res = render(
        state,
        Some(session),
        "account_password.html",
        context! {
            title => "Change your password",
            required => session.0.user.must_change_password,
            min_len => waymark_store::passwords::MIN_LEN,
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
) -> Result<Response, AppError> {
    page(&state, &session, &[])
}

pub async fn change(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let current = field(&form, "current_password").unwrap_or("");
    let new = field(&form, "new_password").unwrap_or("");
    let confirm = field(&form, "confirm_password").unwrap_or("");
    let mut errors = Vec::new();
    if current.is_empty() {
        errors.push(FieldError::new(
            "current_password",
            "Enter your current password",
        ));
    }
    if new.is_empty() {
        errors.push(FieldError::new("new_password", "Enter a new password"));
    } else if new != confirm {
        errors.push(FieldError::new(
            "confirm_password",
            "The passwords do not match",
        ));
    }
    if !errors.is_empty() {
        return page(&state, &session, &errors);
    }
    let user = &session.0.user;
    let tx = state.store.begin().await?;
    let outcome = tx.change_password(user.id, current, new).await?;
    if let Err(e) = outcome {
        tx.audit(AuditEvent {
            actor: Some(user.audit_actor()),
            action: "password.change",
            object_type: "user",
            object_id: Some(user.id.to_string()),
            outcome: Outcome::Failed,
            request_id: Some(request_id.0),
        })
        .await?;
        tx.commit().await?;
        let field = match e {
            PasswordChangeError::WrongCurrent => "current_password",
            PasswordChangeError::Unacceptable(_) | PasswordChangeError::Unchanged => "new_password",
        };
        return page(&state, &session, &[FieldError::new(field, e.to_string())]);
    }
    let token = tx
        .start_session(
            user.id,
            state.config.session,
            state.config.clock.now(),
            session.0.mfa_verified,
        )
        .await?;
    tx.audit(AuditEvent {
        actor: Some(user.audit_actor()),
        action: "password.change",
        object_type: "user",
        object_id: Some(user.id.to_string()),
        outcome: Outcome::Allowed,
        request_id: Some(request_id.0),
    })
    .await?;
    tx.commit().await?;
    let mut after = session.0.user.clone();
    after.must_change_password = false;
    let next = crate::auth::pending_step(&state, &after, session.0.mfa_verified)
        .map(|(path, _)| path)
        .unwrap_or("/cases");
    let mut res = Redirect::to(next).into_response();
    let max_age = state.config.session.absolute_timeout.whole_seconds();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, &token, Some(max_age))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
