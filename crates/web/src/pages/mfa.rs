//! The second factor: setting up an authenticator app (with single-use recovery codes)
//! and entering a code at sign-in. Attempts are throttled like passwords.
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::FieldError;
use waymark_domain::throttle::{Failures, Verdict};
use waymark_store::audit::{AuditEvent, Outcome};
use waymark_store::users::MfaCheck;

use crate::SharedState;
use crate::auth::{SESSION_COOKIE, Session, set_cookie};
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{errors_ctx, field, render};

pub const VERIFY_PATH: &str = "/sign-in/mfa";
pub const SETUP_PATH: &str = "/account/mfa/setup";

fn audit(
    session: &Session,
    action: &'static str,
    outcome: Outcome,
    request_id: String,
) -> AuditEvent {
    AuditEvent {
        actor: Some(session.0.user.audit_actor()),
        action,
        object_type: "user",
        object_id: Some(session.0.user.id.to_string()),
        outcome,
        request_id: Some(request_id),
    }
}

/// The QR code of the `otpauth://` address, as inline SVG markup (no inline styles, so
/// the page's CSP holds).
fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

fn throttle_key(session: &Session) -> String {
    format!("mfa:{}", session.0.user.id)
}

/// Refuses the attempt if this account has failed too often recently: the seconds to
/// wait, or None. Shared by the second-factor and step-up pages.
pub(crate) async fn throttled(
    state: &SharedState,
    tx: &waymark_store::Tx,
    key: &str,
) -> Result<Option<i64>, AppError> {
    let now = state.config.clock.now();
    let policy = state.config.throttle;
    let failures = tx.sign_in_failures(key, now - policy.window).await?;
    let none = Failures {
        count: 0,
        latest: None,
    };
    Ok(match policy.check(failures, none, now) {
        Verdict::Allow => None,
        Verdict::Wait(d) => Some(d.whole_seconds()),
    })
}

/// Replaces the session with a fresh one that has passed the second factor, so the
/// token that existed before the factor was given is worth nothing afterwards.
async fn promote(
    state: &SharedState,
    tx: &waymark_store::Tx,
    session: &Session,
) -> Result<String, AppError> {
    tx.end_session(session.0.id).await?;
    Ok(tx
        .start_session(
            session.0.user.id,
            state.config.session,
            state.config.clock.now(),
            true,
        )
        .await?)
}

fn with_session_cookie(mut res: Response, state: &SharedState, token: &str) -> Response {
    let max_age = state.config.session.absolute_timeout.whole_seconds();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, token, Some(max_age))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn verify_page(
    state: &SharedState,
    session: &Session,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut res = render(
        state,
        Some(session),
        "mfa_verify.html",
        context! { title => "Enter your security code", errors => errors_ctx(errors) },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

pub async fn verify_show(
    State(state): State<SharedState>,
    session: Session,
) -> Result<Response, AppError> {
    if !session.0.user.mfa_enrolled || session.0.mfa_verified {
        return Ok(Redirect::to("/cases").into_response());
    }
    verify_page(&state, &session, &[], StatusCode::OK)
}

pub async fn verify_submit(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    if !session.0.user.mfa_enrolled || session.0.mfa_verified {
        return Ok(Redirect::to("/cases").into_response());
    }
    let code = field(&form, "code").unwrap_or("").trim().to_owned();
    if code.is_empty() {
        return verify_page(
            &state,
            &session,
            &[FieldError::new(
                "code",
                "Enter the 6-digit code from your authenticator app, or a recovery code",
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let key = throttle_key(&session);
    let tx = state.store.begin().await?;
    if let Some(seconds) = throttled(&state, &tx, &key).await? {
        tx.audit(audit(&session, "mfa.verify", Outcome::Denied, request_id.0))
            .await?;
        tx.commit().await?;
        return verify_page(
            &state,
            &session,
            &[FieldError::new(
                "code",
                format!("Too many wrong codes. Wait {seconds} seconds and try again"),
            )],
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let now = state.config.clock.now();
    match tx.verify_mfa(session.0.user.id, &code, now).await? {
        MfaCheck::Invalid => {
            tx.record_sign_in_failure(&[key], now).await?;
            tx.audit(audit(&session, "mfa.verify", Outcome::Denied, request_id.0))
                .await?;
            tx.commit().await?;
            verify_page(
                &state,
                &session,
                &[FieldError::new(
                    "code",
                    "The code is not correct, or has been used already. Enter the newest code from your app",
                )],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        MfaCheck::Totp | MfaCheck::RecoveryCode { .. } => {
            tx.clear_sign_in_failures(&key).await?;
            let token = promote(&state, &tx, &session).await?;
            tx.audit(audit(
                &session,
                "mfa.verify",
                Outcome::Allowed,
                request_id.0,
            ))
            .await?;
            tx.commit().await?;
            let next = crate::auth::pending_step(&state, &session.0.user, true)
                .map(|(path, _)| path)
                .unwrap_or("/cases");
            Ok(with_session_cookie(
                Redirect::to(next).into_response(),
                &state,
                &token,
            ))
        }
    }
}

async fn setup_page(
    state: &SharedState,
    session: &Session,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let secret = tx.mfa_enrolment_secret(session.0.user.id).await?;
    tx.commit().await?;
    let Some(secret) = secret else {
        return Ok(Redirect::to("/cases").into_response());
    };
    let uri = waymark_store::mfa::otpauth_uri(&secret, &session.0.user.email);
    let grouped: Vec<String> = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let mut res = render(
        state,
        Some(session),
        "mfa_setup.html",
        context! {
            title => "Set up your authenticator app",
            qr_svg => qr_svg(&uri).map(minijinja::Value::from_safe_string),
            secret => grouped.join(" "),
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn setup_show(
    State(state): State<SharedState>,
    session: Session,
) -> Result<Response, AppError> {
    setup_page(&state, &session, &[]).await
}

pub async fn setup_submit(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let code = field(&form, "code").unwrap_or("").trim().to_owned();
    if code.is_empty() {
        return setup_page(
            &state,
            &session,
            &[FieldError::new(
                "code",
                "Enter the 6-digit code your app shows",
            )],
        )
        .await;
    }
    let key = throttle_key(&session);
    let tx = state.store.begin().await?;
    if let Some(seconds) = throttled(&state, &tx, &key).await? {
        tx.commit().await?;
        return setup_page(
            &state,
            &session,
            &[FieldError::new(
                "code",
                format!("Too many wrong codes. Wait {seconds} seconds and try again"),
            )],
        )
        .await;
    }
    let now = state.config.clock.now();
    let Some(codes) = tx
        .complete_mfa_enrolment(session.0.user.id, &code, now)
        .await?
    else {
        tx.record_sign_in_failure(&[key], now).await?;
        tx.audit(audit(&session, "mfa.enrol", Outcome::Denied, request_id.0))
            .await?;
        tx.commit().await?;
        return setup_page(
            &state,
            &session,
            &[FieldError::new(
                "code",
                "The code is not correct. Check the time on your phone and enter the newest code",
            )],
        )
        .await;
    };
    tx.clear_sign_in_failures(&key).await?;
    let token = promote(&state, &tx, &session).await?;
    tx.audit(audit(&session, "mfa.enrol", Outcome::Allowed, request_id.0))
        .await?;
    tx.commit().await?;
    // The recovery codes are shown on this response only; they are stored hashed.
    let res = render(
        &state,
        Some(&session),
        "mfa_recovery_codes.html",
        context! { title => "Save your recovery codes", codes => codes },
    )?;
    Ok(with_session_cookie(res, &state, &token))
}
