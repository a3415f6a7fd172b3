//! Layers every response passes through: a request id, security headers, `no-store`
//! caching, and rendering of errors as an HTML page or a JSON envelope.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::SharedState;
use crate::error::RenderError;

/// An opaque id for one request, shown on error pages and written to the audit trail.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn new() -> RequestId {
        RequestId(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

/// The Content-Security-Policy: nothing but our own scripts, styles and images; no
/// inline script or style, no framing, forms post only to us.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn around(State(state): State<SharedState>, mut req: Request, next: Next) -> Response {
    let request_id = RequestId::new();
    req.extensions_mut().insert(request_id.clone());
    let is_api = req.uri().path().starts_with("/api/");
    let is_asset = req.uri().path().starts_with("/assets/");
    // The route template, never the path: no id or search term reaches a metric.
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    state.metrics.record(
        &method,
        route.as_deref(),
        res.status().as_u16(),
        started.elapsed(),
    );
    if let Some(err) = res.extensions_mut().remove::<RenderError>() {
        res = render_error(&state, &err, is_api, &request_id);
    }
    let h = res.headers_mut();
    h.insert(
        "x-request-id",
        HeaderValue::from_str(&request_id.0).unwrap_or(HeaderValue::from_static("-")),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

fn render_error(
    state: &SharedState,
    err: &RenderError,
    is_api: bool,
    request_id: &RequestId,
) -> Response {
    if is_api {
        let body = serde_json::json!({
            "error": {
                "code": err.code,
                "message": err.message,
                "fields": err.fields,
                "request_id": request_id.0,
            }
        });
        return (err.status, axum::Json(body)).into_response();
    }
    if err.status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/sign-in").into_response();
    }
    match err.code {
        "password_change_required" => {
            return Redirect::to(crate::pages::account::PASSWORD_PATH).into_response();
        }
        "mfa_required" => return Redirect::to(crate::pages::mfa::VERIFY_PATH).into_response(),
        "mfa_enrolment_required" => {
            return Redirect::to(crate::pages::mfa::SETUP_PATH).into_response();
        }
        _ => {}
    }
    let ctx = minijinja::context! {
        title => err.message,
        status => err.status.as_u16(),
        request_id => (err.status.is_server_error()).then(|| request_id.0.clone()),
        demo => state.config.demo,
    };
    match state.templates.render("error.html", ctx) {
        Ok(html) => (err.status, axum::response::Html(html)).into_response(),
        Err(_) => {
            let mut r = Response::new(Body::from("Sorry, something went wrong"));
            *r.status_mut() = err.status;
            r
        }
    }
}

/// The last-resort handler: a panic becomes a generic 500 and the process carries on.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    crate::error::AppError::Internal("a request handler panicked".into()).into_response()
}
