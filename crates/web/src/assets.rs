//! Static assets compiled into the binary, so a deployment is one file.
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &[u8] = include_bytes!("../assets/waymark.css");
const GOVUK_JS: &[u8] = include_bytes!("../assets/govuk-frontend.min.js");
const INIT_JS: &[u8] = include_bytes!("../assets/init.js");

pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "waymark.css" => (CSS, "text/css; charset=utf-8"),
        "govuk-frontend.min.js" => (GOVUK_JS, "text/javascript; charset=utf-8"),
        "init.js" => (INIT_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}
