//! Sessions and CSRF. The session cookie is `__Host-` prefixed, Secure, HttpOnly and
//! SameSite=Strict; the token in it is random and only its hash is stored. Every
//! state-changing request must carry the session's CSRF token (a hidden form field, or
//! the `X-CSRF-Token` header for the API).
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use waymark_store::sessions::ActiveSession;

use crate::SharedState;
use crate::error::AppError;
use crate::middleware::RequestId;

pub const SESSION_COOKIE: &str = "__Host-waymark-session";
/// Double-submit token for the sign-in form, before any session exists.
pub const SIGNIN_COOKIE: &str = "__Host-waymark-signin";

/// Reads one cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>) -> String {
    let age = max_age_secs
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict{age}")
}

pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The signed-in user of this request. Extracting it resumes (and refreshes) the session
/// in its own short transaction; an expired or unknown session is `Unauthenticated`.
pub struct Session(pub ActiveSession);

impl FromRequestParts<SharedState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
        let tx = state.store.begin().await?;
        let found = tx
            .resume_session(&token, state.config.session, state.config.clock.now())
            .await?;
        tx.commit().await?;
        let session = found.map(Session).ok_or(AppError::Unauthenticated)?;
        // Signing in finishes in steps: the second factor (if set up), then any required
        // password change, then setting up a second factor. Until then only the page for
        // the current step and sign-out work.
        let path = parts.uri.path();
        let step = pending_step(state, &session.0.user, session.0.mfa_verified);
        if let Some((allowed, error)) = step
            && path != allowed
            && path != "/sign-out"
        {
            return Err(error);
        }
        Ok(session)
    }
}

impl Session {
    /// Checks a submitted CSRF token in constant time.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        match submitted {
            Some(s) if constant_time_eq(s.as_bytes(), self.0.csrf_token.as_bytes()) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<SharedState> for RequestId {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::new))
    }
}

impl axum::extract::OptionalFromRequestParts<SharedState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Session as FromRequestParts<SharedState>>::from_request_parts(parts, state).await {
            Ok(s) => Ok(Some(s)),
            Err(AppError::Unauthenticated) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The network address the request came from, for throttling. Without connection
/// information (for example in some tests) every request shares one address.
pub struct ClientAddress(pub String);

impl FromRequestParts<SharedState> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(ClientAddress(ip))
    }
}

/// The step still needed to finish signing in, if any, as the page that handles it and
/// the error other pages answer with: the second factor (if set up), then any required
/// password change, then setting up a second factor. Seeded demo accounts skip the second
/// factor only while Waymark runs in demo mode.
pub fn pending_step(
    state: &SharedState,
    user: &waymark_store::users::User,
    mfa_verified: bool,
) -> Option<(&'static str, AppError)> {
    let mfa_needed = !(state.config.demo && user.mfa_exempt_demo);
    if mfa_needed && user.mfa_enrolled && !mfa_verified {
        Some((
            crate::pages::mfa::VERIFY_PATH,
            AppError::MfaRequired { enrol: false },
        ))
    } else if user.must_change_password {
        Some((
            crate::pages::account::PASSWORD_PATH,
            AppError::PasswordChangeRequired,
        ))
    } else if mfa_needed && !user.mfa_enrolled {
        Some((
            crate::pages::mfa::SETUP_PATH,
            AppError::MfaRequired { enrol: true },
        ))
    } else {
        None
    }
}
