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
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientAddress("unknown".to_owned()));
        };
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip = client_ip(peer, forwarded, &state.config.trusted_proxies);
        Ok(ClientAddress(throttle_address(ip)))
    }
}

/// The client's address: the TCP peer, unless the peer is one of the trusted proxies in
/// front of Waymark, in which case the nearest address in `X-Forwarded-For` that is not a
/// trusted proxy (read from the right, because a client can put anything on the left).
pub fn client_ip(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(list) = forwarded_for else {
        return peer;
    };
    let mut nearest = peer;
    for hop in list.rsplit(',') {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => nearest = ip,
            Ok(ip) => return ip,
            // A malformed entry: stop at the last address a trusted proxy vouched for.
            Err(_) => return nearest,
        }
    }
    nearest
}

/// The address as throttling counts it: an IPv6 address by its /64 network (one household
/// or device usually holds a whole /64), an IPv4 address as it is.
pub fn throttle_address(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
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

#[cfg(test)]
mod address_tests {
    use super::*;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.5");
        let trusted = [proxy];
        // Direct connection: the header is ignored, whatever it says.
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("198.51.100.1"), &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the address it appended.
        assert_eq!(
            client_ip(proxy, Some("198.51.100.1"), &trusted),
            ip("198.51.100.1")
        );
        // A client cannot hide behind a forged left-hand entry.
        assert_eq!(
            client_ip(proxy, Some("1.2.3.4, 198.51.100.1"), &trusted),
            ip("198.51.100.1")
        );
        // Chained trusted proxies are skipped.
        assert_eq!(
            client_ip(proxy, Some("198.51.100.1, 10.0.0.5"), &trusted),
            ip("198.51.100.1")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_ip(proxy, None, &trusted), proxy);
        assert_eq!(client_ip(proxy, Some("not-an-ip"), &trusted), proxy);
        // No trusted proxies configured: always the peer.
        assert_eq!(client_ip(proxy, Some("198.51.100.1"), &[]), proxy);
    }

    #[test]
    fn ipv6_addresses_are_throttled_by_their_64_network() {
        assert_eq!(
            throttle_address(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            throttle_address(ip("2001:db8:1:2:bbbb::9")),
            throttle_address(ip("2001:db8:1:2:aaaa::1"))
        );
        assert_eq!(throttle_address(ip("192.0.2.7")), "192.0.2.7");
        assert_eq!(throttle_address(ip("::ffff:192.0.2.7")), "192.0.2.7");
    }
}
