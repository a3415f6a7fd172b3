//! Liveness and readiness for load balancers and orchestration.
use axum::extract::State;
use axum::http::StatusCode;

use crate::SharedState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
pub async fn readyz(State(state): State<SharedState>) -> (StatusCode, &'static str) {
    if state.store.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
