//! Signing in and out.
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::FieldError;
use waymark_domain::throttle::Verdict;
use waymark_store::audit::{AuditEvent, Outcome};
use waymark_store::sessions::random_token;
use waymark_store::throttle::{account_key, address_key};

use crate::SharedState;
use crate::auth::{
    ClientAddress, SESSION_COOKIE, SIGNIN_COOKIE, Session, clear_cookie, constant_time_eq, cookie,
    set_cookie,
};
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, render};

fn sign_in_page(
    state: &SharedState,
    email: &str,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let token = random_token();
    let mut res = render(
        state,
        None,
        "sign_in.html",
        context! { title => "Sign in", email => email, signin_token => token, errors => errors_ctx(errors) },
    )?;
    let c = set_cookie(SIGNIN_COOKIE, &token, Some(3600));
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The audit record of a refused sign-in; it names no account, so that failed attempts
/// with mistyped or invented addresses leave no personal data behind.
fn sign_in_denied(request_id: String) -> AuditEvent {
    AuditEvent {
        actor: None,
        action: "sign_in",
        object_type: "session",
        object_id: None,
        outcome: Outcome::Denied,
        request_id: Some(request_id),
    }
}

pub async fn show(
    State(state): State<SharedState>,
    session: Option<Session>,
) -> Result<Response, AppError> {
    if session.is_some() {
        return Ok(Redirect::to("/cases").into_response());
    }
    sign_in_page(&state, "", &[])
}

pub async fn submit(
    State(state): State<SharedState>,
    request_id: RequestId,
    address: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted = field(&form, "signin_token").unwrap_or("");
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(submitted.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Csrf);
    }
    let email = field(&form, "email").unwrap_or("").trim().to_owned();
    let password = field(&form, "password").unwrap_or("");
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(FieldError::new("email", "Enter your email address"));
    }
    if password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    if !errors.is_empty() {
        return sign_in_page(&state, &email, &errors);
    }
    let now = state.config.clock.now();
    let policy = state.config.throttle;
    let account = account_key(&email);
    let address_key = address_key(&address.0);
    let tx = state.store.begin().await?;
    let since = now - policy.window;
    let verdict = policy.check(
        tx.sign_in_failures(&account, since).await?,
        tx.sign_in_failures(&address_key, since).await?,
        now,
    );
    if let Verdict::Wait(wait) = verdict {
        // Refused before the password is checked, whether or not the account exists.
        tx.audit(sign_in_denied(request_id.0)).await?;
        tx.commit().await?;
        let seconds = wait.whole_seconds();
        let mut res = sign_in_page(
            &state,
            &email,
            &[FieldError::new(
                "email",
                format!(
                    "Too many attempts to sign in. Wait {seconds} second{} and try again",
                    if seconds == 1 { "" } else { "s" }
                ),
            )],
        )?;
        *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(res);
    }
    let user = tx.authenticate(&email, password).await?;
    let Some(user) = user else {
        tx.record_sign_in_failure(&[account, address_key], now)
            .await?;
        tx.audit(sign_in_denied(request_id.0)).await?;
        tx.commit().await?;
        // The same message whether the account exists or not.
        return sign_in_page(
            &state,
            &email,
            &[FieldError::new(
                "email",
                "Enter a correct email address and password",
            )],
        );
    };
    tx.clear_sign_in_failures(&account).await?;
    let token = tx
        .start_session(
            user.id,
            state.config.session,
            state.config.clock.now(),
            false,
        )
        .await?;
    tx.audit(AuditEvent {
        actor: Some(user.audit_actor()),
        action: "sign_in",
        object_type: "session",
        object_id: None,
        outcome: Outcome::Allowed,
        request_id: Some(request_id.0),
    })
    .await?;
    tx.commit().await?;
    let next = crate::auth::pending_step(&state, &user, false)
        .map(|(path, _)| path)
        .unwrap_or("/cases");
    let mut res = Redirect::to(next).into_response();
    let max_age = state.config.session.absolute_timeout.whole_seconds();
    for c in [
        set_cookie(SESSION_COOKIE, &token, Some(max_age)),
        clear_cookie(SIGNIN_COOKIE),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

pub async fn sign_out(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let tx = state.store.begin().await?;
    tx.end_session(session.0.id).await?;
    tx.audit(AuditEvent {
        actor: Some(session.0.user.audit_actor()),
        action: "sign_out",
        object_type: "session",
        object_id: None,
        outcome: Outcome::Allowed,
        request_id: Some(request_id.0),
    })
    .await?;
    tx.commit().await?;
    let mut res = Redirect::to("/sign-in").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(SESSION_COOKIE)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""),
    );
    Ok(res)
}
