//! Waymark's HTTP surface: server-rendered pages for caseworkers, the JSON API under
//! `/api/v1`, sessions, CSRF protection and security headers.
//!
//! Handlers are thin: extract, open the request's one transaction, call the store's
//! scoped functions (which apply the domain's access policy and audit), render.
#![forbid(unsafe_code)]
#![recursion_limit = "512"]

mod api;
mod assets;
mod auth;
mod error;
pub mod exports;
mod metrics;
mod middleware;
mod pages;
pub mod routes;
mod templates;
mod uk_time;

use std::net::SocketAddr;
use std::sync::Arc;

use time::OffsetDateTime;
use waymark_domain::dash::InstrumentRegistry;
use waymark_domain::throttle::ThrottlePolicy;
use waymark_store::Store;
use waymark_store::sessions::SessionPolicy;

pub use error::AppError;

/// Settings the web layer needs, built once in `main`.
#[derive(Clone, Debug)]
pub struct WebConfig {
    pub session: SessionPolicy,
    pub throttle: ThrottlePolicy,
    /// Show the "demo data" banner on every page.
    pub demo: bool,
    /// Where the time comes from; tests move it by hand.
    pub clock: Clock,
    /// How long emergency ("break-glass") access to a case lasts.
    pub break_glass_minutes: i64,
    /// Waymark is served over TLS (by a proxy in front of it): send HSTS.
    pub hsts: bool,
    /// How recently a user must have proved who they are before the most sensitive
    /// actions (revealing restricted fields, emergency access).
    pub step_up_window: time::Duration,
    /// The service's casework standards (first contact, reviews, caseloads).
    pub casework: waymark_domain::casework::CaseworkRules,
    /// Interventions the service records beyond the national catalogue.
    pub local_interventions: Vec<String>,
    /// Where the public self-referral form sends survivors' requests. `None`: the form is
    /// off, and its routes answer 404.
    pub self_referral: Option<SelfReferralTarget>,
    /// How many self-referrals one network address may send in a window.
    pub self_referral_limit: waymark_domain::self_referral::SubmissionLimit,
    /// Proxies in front of Waymark whose `X-Forwarded-For` is believed, so that throttling
    /// counts each visitor rather than the proxy. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The service's retention schedule in months from a case's last activity, shown on
    /// each case as its review date. `None`: no schedule set (retention is not run).
    pub retention_case_months: Option<u32>,
    /// The bearer token a Prometheus scraper must send for `GET /metrics`. `None`: the
    /// endpoint is off and answers 404.
    pub metrics_token: Option<String>,
}

/// The service that receives self-referrals, and the Marac its cases belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfReferralTarget {
    pub agency_id: uuid::Uuid,
    pub marac_id: uuid::Uuid,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            demo: false,
            clock: Clock::system(),
            break_glass_minutes: 60,
            hsts: false,
            step_up_window: time::Duration::minutes(15),
            casework: waymark_domain::casework::CaseworkRules::default(),
            local_interventions: Vec::new(),
            self_referral: None,
            self_referral_limit: Default::default(),
            trusted_proxies: Vec::new(),
            retention_case_months: None,
            metrics_token: None,
        }
    }
}

/// The source of the current time for sessions and throttling.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    /// A clock that reads a shared time the caller can move (for tests).
    pub fn manual(time: Arc<std::sync::Mutex<OffsetDateTime>>) -> Clock {
        Clock(Arc::new(move || {
            time.lock()
                .map(|t| *t)
                .unwrap_or_else(|poisoned| *poisoned.into_inner())
        }))
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// Shared, read-only state of the application.
pub struct AppState {
    pub store: Store,
    pub registry: InstrumentRegistry,
    pub config: WebConfig,
    pub metrics: metrics::Metrics,
    templates: templates::Templates,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(
        store: Store,
        registry: InstrumentRegistry,
        config: WebConfig,
    ) -> Result<SharedState, AppError> {
        Ok(Arc::new(AppState {
            store,
            registry,
            config,
            metrics: metrics::Metrics::default(),
            templates: templates::Templates::load()?,
        }))
    }
}

/// Builds the whole application: routes, then the layers every response passes through.
pub fn app(state: SharedState) -> axum::Router {
    routes::router(state)
}

/// Binds `addr` and serves until the process is stopped. Returns the bound address
/// through `on_bound` first (useful when `addr` has port 0).
pub async fn serve(
    state: SharedState,
    addr: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_bound(listener.local_addr()?);
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
