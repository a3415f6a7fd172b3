//! Prometheus metrics at `GET /metrics`: requests counted by method, route template and
//! status, with their durations. Labels are route templates (`/cases/{case_id}`), never
//! the path asked for, so no id, name or search term can reach a metric.
//!
//! The endpoint is off unless a bearer token is configured (`waymark serve
//! --metrics-token`); with one, a scrape must present it. Deny by default: an unconfigured
//! or wrongly authorised scrape gets the same 404 as any unknown page.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::SharedState;
use crate::error::AppError;

/// Upper bounds of the duration histogram's buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Cumulative counts per bucket of [`BUCKETS`].
    buckets: [u64; BUCKETS.len()],
}

/// The counters one server keeps in memory since it started.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), Series>>,
}

impl Metrics {
    /// Counts one finished request. `route` is the matched route template, or `None` for a
    /// request no route matched (counted as `unmatched`, whatever its path).
    pub fn record(&self, method: &str, route: Option<&str>, status: u16, took: Duration) {
        let method = match method {
            "GET" => "GET",
            "POST" => "POST",
            "HEAD" => "HEAD",
            _ => "other",
        };
        let route = route.unwrap_or("unmatched").to_owned();
        let seconds = took.as_secs_f64();
        let Ok(mut map) = self.requests.lock() else {
            return;
        };
        let s = map.entry((route, method, status)).or_default();
        s.count += 1;
        s.sum_seconds += seconds;
        for (bound, n) in BUCKETS.iter().zip(s.buckets.iter_mut()) {
            if seconds <= *bound {
                *n += 1;
            }
        }
    }

    /// The Prometheus text exposition of everything counted so far.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP waymark_up Whether this Waymark server is running."
        );
        let _ = writeln!(out, "# TYPE waymark_up gauge");
        let _ = writeln!(out, "waymark_up 1");
        let _ = writeln!(
            out,
            "# HELP waymark_build_info The running version of Waymark.\n# TYPE waymark_build_info gauge\nwaymark_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        let Ok(map) = self.requests.lock() else {
            return out;
        };
        let _ = writeln!(
            out,
            "# HELP waymark_http_requests_total Requests answered, by method, route template and status.\n# TYPE waymark_http_requests_total counter"
        );
        for ((route, method, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "waymark_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP waymark_http_request_duration_seconds Time to answer, by method and route template.\n# TYPE waymark_http_request_duration_seconds histogram"
        );
        // Durations by route and method, over every status.
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((route, method, _), s) in map.iter() {
            let t = by_route.entry((route.as_str(), method)).or_default();
            t.count += s.count;
            t.sum_seconds += s.sum_seconds;
            for (a, b) in t.buckets.iter_mut().zip(s.buckets.iter()) {
                *a += b;
            }
        }
        for ((route, method), s) in by_route {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "waymark_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "waymark_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "waymark_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "waymark_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

/// A label value with backslashes, quotes and line breaks escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Whether `headers` carry `Authorization: Bearer <token>`, compared by digest so the
/// comparison takes the same time however much of the token matches.
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

/// `GET /metrics`.
pub async fn metrics(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    match state.config.metrics_token.as_deref() {
        Some(token) if authorised(&headers, token) => Ok((
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            state.metrics.render(),
        )
            .into_response()),
        _ => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_template_with_cumulative_buckets() {
        let m = Metrics::default();
        m.record(
            "GET",
            Some("/cases/{case_id}"),
            200,
            Duration::from_millis(3),
        );
        m.record(
            "GET",
            Some("/cases/{case_id}"),
            200,
            Duration::from_millis(30),
        );
        m.record(
            "GET",
            Some("/cases/{case_id}"),
            404,
            Duration::from_millis(2),
        );
        m.record("PATCH", None, 404, Duration::from_secs(20));
        let text = m.render();
        assert!(text.contains(
            "waymark_http_requests_total{method=\"GET\",route=\"/cases/{case_id}\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "waymark_http_requests_total{method=\"GET\",route=\"/cases/{case_id}\",status=\"404\"} 1"
        ));
        assert!(text.contains(
            "waymark_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 1"
        ));
        // 3 ms and 2 ms are within 5 ms; 30 ms only from 50 ms up.
        assert!(text.contains("waymark_http_request_duration_seconds_bucket{method=\"GET\",route=\"/cases/{case_id}\",le=\"0.005\"} 2"));
        assert!(text.contains("waymark_http_request_duration_seconds_bucket{method=\"GET\",route=\"/cases/{case_id}\",le=\"0.025\"} 2"));
        assert!(text.contains("waymark_http_request_duration_seconds_bucket{method=\"GET\",route=\"/cases/{case_id}\",le=\"0.05\"} 3"));
        assert!(text.contains("waymark_http_request_duration_seconds_count{method=\"GET\",route=\"/cases/{case_id}\"} 3"));
        // 20 s is beyond every bucket but +Inf.
        assert!(text.contains("waymark_http_request_duration_seconds_bucket{method=\"other\",route=\"unmatched\",le=\"10\"} 0"));
        assert!(text.contains("waymark_http_request_duration_seconds_bucket{method=\"other\",route=\"unmatched\",le=\"+Inf\"} 1"));
    }

    #[test]
    fn only_the_configured_bearer_token_opens_them() {
        let mut h = HeaderMap::new();
        assert!(!authorised(&h, "s3cret-token"));
        h.insert(header::AUTHORIZATION, "Bearer s3cret-toke".parse().unwrap());
        assert!(!authorised(&h, "s3cret-token"));
        h.insert(header::AUTHORIZATION, "Basic s3cret-token".parse().unwrap());
        assert!(!authorised(&h, "s3cret-token"));
        h.insert(
            header::AUTHORIZATION,
            "Bearer s3cret-token".parse().unwrap(),
        );
        assert!(authorised(&h, "s3cret-token"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
