//! Every route of the application, in one table, each with the permission it needs.
//! The router is built only from this table, and a test checks that every route is
//! declared with a permission and that signed-out requests are refused where required.
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use tower_http::catch_panic::CatchPanicLayer;

use crate::{SharedState, api, assets, middleware, pages};

/// What a route requires before its handler runs. Object-level rules (which case) are
/// applied inside the store's scoped finders, from the domain's access policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Open to anyone: health checks, assets, the sign-in page, the API description.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A role that may open referrals (caseworker, Marac coordinator).
    CreateReferral,
    /// A user who may see this case (owning agency's caseworkers, coordinators, managers).
    ViewCase,
    /// A user who may record a Dash on this case.
    AssessCase,
    /// A user who may manage this case's exclusions (its staff and managers).
    ManageCase,
    /// A user who may see who has opened this case: its staff and managers, and the
    /// holding agency's data protection officer (who sees the log, never the case).
    SeeAccessLog,
    /// A user who may reveal this case's restricted fields (the staff who contact the
    /// victim); every reveal is audited.
    RevealRestricted,
    /// A role that may ask for emergency access (caseworker, coordinator, manager).
    BreakGlass,
    /// Managers: the alerts about their agency's cases, and the team view.
    ManagerOnly,
    /// A user who may work this case (its caseworkers and coordinators): contacts,
    /// interventions, closure, a returning client's repeat case.
    WorkCase,
    /// A user who may allocate this case (its agency's managers and coordinators).
    AllocateCase,
    /// The roles that hold cases: the triage queue of their agency.
    Triage,
    /// Anyone who takes part in a Marac (every role but administrator): which Marac,
    /// meeting, case and action is decided in the store from the Marac's membership, the
    /// agenda and the case's exclusions.
    MaracMember,
    /// The Marac coordinators: the referral screening queue of the Maracs they run.
    CoordinateMarac,
    /// Scrapers that present the configured metrics token; off (404) without one.
    MetricsToken,
    /// Data protection officers: finding a case's access log by reference and reviewing
    /// what their agency's staff have opened.
    ReviewAccess,
}

pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub permission: Permission,
}

fn table() -> Vec<(RouteSpec, MethodRouter<SharedState>)> {
    use Permission::*;
    let r = |method: Method,
             path: &'static str,
             permission: Permission,
             handler: MethodRouter<SharedState>| {
        (
            RouteSpec {
                method,
                path,
                permission,
            },
            handler,
        )
    };
    vec![
        r(Method::GET, "/healthz", Public, get(pages::health::healthz)),
        r(Method::GET, "/readyz", Public, get(pages::health::readyz)),
        r(Method::GET, "/assets/{name}", Public, get(assets::asset)),
        r(
            Method::GET,
            "/api/openapi.json",
            Public,
            get(api::openapi::document),
        ),
        r(Method::GET, "/", Public, get(pages::home::home)),
        r(Method::GET, "/sign-in", Public, get(pages::sign_in::show)),
        r(
            Method::POST,
            "/sign-in",
            Public,
            post(pages::sign_in::submit),
        ),
        r(
            Method::GET,
            "/self-referral",
            Public,
            get(pages::self_referral::show),
        ),
        r(
            Method::POST,
            "/self-referral",
            Public,
            post(pages::self_referral::submit),
        ),
        r(
            Method::GET,
            "/self-referral/sent",
            Public,
            get(pages::self_referral::sent),
        ),
        r(
            Method::POST,
            "/sign-out",
            SignedIn,
            post(pages::sign_in::sign_out),
        ),
        r(
            Method::GET,
            "/account/password",
            SignedIn,
            get(pages::account::show),
        ),
        r(
            Method::POST,
            "/account/password",
            SignedIn,
            post(pages::account::change),
        ),
        r(
            Method::GET,
            "/sign-in/mfa",
            SignedIn,
            get(pages::mfa::verify_show),
        ),
        r(
            Method::POST,
            "/sign-in/mfa",
            SignedIn,
            post(pages::mfa::verify_submit),
        ),
        r(
            Method::GET,
            "/account/mfa/setup",
            SignedIn,
            get(pages::mfa::setup_show),
        ),
        r(
            Method::POST,
            "/account/mfa/setup",
            SignedIn,
            post(pages::mfa::setup_submit),
        ),
        r(
            Method::GET,
            "/account/confirm",
            SignedIn,
            get(pages::confirm::show),
        ),
        r(
            Method::POST,
            "/account/confirm",
            SignedIn,
            post(pages::confirm::submit),
        ),
        r(Method::GET, "/cases", SignedIn, get(pages::cases::list)),
        r(Method::POST, "/cases", SignedIn, post(pages::cases::search)),
        r(
            Method::GET,
            "/referrals/new",
            CreateReferral,
            get(pages::referral::new),
        ),
        r(
            Method::POST,
            "/referrals",
            CreateReferral,
            post(pages::referral::create),
        ),
        r(
            Method::GET,
            "/cases/{case_id}",
            ViewCase,
            get(pages::case::show),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/dash/new",
            AssessCase,
            get(pages::dash::new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/dash",
            AssessCase,
            post(pages::dash::create),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/dash/{assessment_id}",
            ViewCase,
            get(pages::dash::show),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/exclusions/new",
            ManageCase,
            get(pages::exclusions::new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/exclusions",
            ManageCase,
            post(pages::exclusions::create),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/safe-contact",
            RevealRestricted,
            post(pages::case::reveal_safe_contact),
        ),
        r(
            Method::POST,
            "/api/v1/cases/{case_id}/safe-contact",
            RevealRestricted,
            post(api::v1::reveal_safe_contact),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/whereabouts",
            RevealRestricted,
            get(pages::whereabouts::edit),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/whereabouts",
            RevealRestricted,
            post(pages::whereabouts::save),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/access-log",
            SeeAccessLog,
            get(pages::access_log::show),
        ),
        r(
            Method::GET,
            "/emergency-access",
            BreakGlass,
            get(pages::emergency::new),
        ),
        r(
            Method::POST,
            "/emergency-access",
            BreakGlass,
            post(pages::emergency::create),
        ),
        r(
            Method::GET,
            "/alerts",
            ManagerOnly,
            get(pages::emergency::alerts),
        ),
        r(Method::GET, "/triage", Triage, get(pages::team::triage)),
        r(Method::GET, "/team", ManagerOnly, get(pages::team::team)),
        r(
            Method::GET,
            "/metrics",
            MetricsToken,
            get(crate::metrics::metrics),
        ),
        r(
            Method::GET,
            "/data-protection",
            ReviewAccess,
            get(pages::data_protection::home),
        ),
        r(
            Method::POST,
            "/data-protection/access-log",
            ReviewAccess,
            post(pages::data_protection::find_case),
        ),
        r(
            Method::GET,
            "/data-protection/staff/{user_id}",
            ReviewAccess,
            get(pages::data_protection::staff_activity),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/contacts/new",
            WorkCase,
            get(pages::casework::contact_new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/contacts",
            WorkCase,
            post(pages::casework::contact_create),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/interventions/new",
            WorkCase,
            get(pages::casework::intervention_new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/interventions",
            WorkCase,
            post(pages::casework::intervention_create),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/interventions/{intervention_id}",
            WorkCase,
            post(pages::casework::intervention_update),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/people/new",
            WorkCase,
            get(pages::linked_people::new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/people",
            WorkCase,
            post(pages::linked_people::create),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/people/edit",
            WorkCase,
            get(pages::people_edit::edit),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/people/edit",
            WorkCase,
            post(pages::people_edit::save),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/allocation",
            AllocateCase,
            get(pages::casework::allocation_show),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/allocation",
            AllocateCase,
            post(pages::casework::allocate),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/close",
            WorkCase,
            get(pages::casework::close_new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/close",
            WorkCase,
            post(pages::casework::close),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/repeat",
            WorkCase,
            get(pages::casework::repeat_new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/repeat",
            WorkCase,
            post(pages::casework::repeat_create),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/measures/{stage}",
            WorkCase,
            get(pages::measures::show),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/measures/{stage}",
            WorkCase,
            post(pages::measures::record),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/safety-plan",
            ViewCase,
            get(pages::safety_plan::show),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/safety-plan/edit",
            WorkCase,
            get(pages::safety_plan::edit),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/safety-plan",
            WorkCase,
            post(pages::safety_plan::save),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/safety-plan/print",
            WorkCase,
            get(pages::safety_plan::print),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/matches",
            WorkCase,
            get(pages::matches::show),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/matches",
            WorkCase,
            post(pages::matches::decide),
        ),
        r(
            Method::GET,
            "/cases/{case_id}/marac-referral/new",
            WorkCase,
            get(pages::marac::referral_new),
        ),
        r(
            Method::POST,
            "/cases/{case_id}/marac-referral",
            WorkCase,
            post(pages::marac::referral_create),
        ),
        r(Method::GET, "/marac", MaracMember, get(pages::marac::home)),
        r(
            Method::GET,
            "/marac/referrals",
            CoordinateMarac,
            get(pages::marac::queue),
        ),
        r(
            Method::GET,
            "/marac/referrals/{referral_id}",
            CoordinateMarac,
            get(pages::marac::screen_show),
        ),
        r(
            Method::POST,
            "/marac/referrals/{referral_id}",
            CoordinateMarac,
            post(pages::marac::screen),
        ),
        r(
            Method::GET,
            "/marac/meetings/{meeting_id}",
            MaracMember,
            get(pages::marac::meeting),
        ),
        r(
            Method::POST,
            "/marac/meetings/{meeting_id}/confidentiality",
            MaracMember,
            post(pages::marac::accept_confidentiality),
        ),
        r(
            Method::POST,
            "/marac/meetings/{meeting_id}/publish",
            CoordinateMarac,
            post(pages::marac::publish),
        ),
        r(
            Method::POST,
            "/marac/meetings/{meeting_id}/serial-links",
            CoordinateMarac,
            post(pages::marac::decide_serial_link),
        ),
        r(
            Method::POST,
            "/marac/meetings/{meeting_id}/attendance",
            MaracMember,
            post(pages::marac::attendance),
        ),
        r(
            Method::POST,
            "/marac/meetings/{meeting_id}/close",
            MaracMember,
            post(pages::marac::close),
        ),
        r(
            Method::GET,
            "/marac/meetings/{meeting_id}/minutes",
            MaracMember,
            get(pages::marac_reports::minutes),
        ),
        r(
            Method::GET,
            "/marac/hearings/{hearing_id}",
            MaracMember,
            get(pages::marac::hearing),
        ),
        r(
            Method::POST,
            "/marac/hearings/{hearing_id}/research",
            MaracMember,
            post(pages::marac::research),
        ),
        r(
            Method::POST,
            "/marac/hearings/{hearing_id}/minutes",
            MaracMember,
            post(pages::marac::minutes),
        ),
        r(
            Method::POST,
            "/marac/hearings/{hearing_id}/actions",
            MaracMember,
            post(pages::marac::add_action),
        ),
        r(
            Method::POST,
            "/marac/hearings/{hearing_id}/transfer",
            CoordinateMarac,
            post(pages::marac::transfer),
        ),
        r(
            Method::GET,
            "/marac/actions",
            MaracMember,
            get(pages::marac::actions),
        ),
        r(
            Method::POST,
            "/marac/actions/{action_id}",
            MaracMember,
            post(pages::marac::update_action),
        ),
        r(
            Method::GET,
            "/marac/returns/{marac_id}",
            MaracMember,
            get(pages::marac::data_return),
        ),
        r(
            Method::GET,
            "/marac/returns/{marac_id}/csv",
            MaracMember,
            get(pages::marac::data_return_csv),
        ),
        r(
            Method::GET,
            "/marac/returns/{marac_id}/xlsx",
            MaracMember,
            get(pages::marac_reports::xlsx),
        ),
        r(
            Method::GET,
            "/marac/returns/{marac_id}/trend",
            MaracMember,
            get(pages::marac_reports::trend),
        ),
        r(Method::GET, "/api/v1/me", SignedIn, get(api::v1::me)),
        r(
            Method::GET,
            "/api/v1/cases",
            SignedIn,
            get(api::v1::list_cases),
        ),
        r(
            Method::GET,
            "/api/v1/cases/{case_id}",
            ViewCase,
            get(api::v1::get_case),
        ),
        r(
            Method::POST,
            "/api/v1/referrals",
            CreateReferral,
            post(api::v1::create_referral),
        ),
        r(
            Method::POST,
            "/api/v1/cases/{case_id}/assessments",
            AssessCase,
            post(api::v1::create_assessment),
        ),
        r(
            Method::POST,
            "/api/v1/dash/score",
            SignedIn,
            post(api::v1::score),
        ),
    ]
}

/// The declared routes, for tests and the OpenAPI document.
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

pub fn router(state: SharedState) -> Router {
    let mut router: Router<SharedState> = Router::new();
    for (spec, handler) in table() {
        router = router.route(spec.path, handler);
    }
    with_layers(router, state)
}

/// The layers every response passes through, around any set of routes (tests use this to
/// prove the last-resort handler on a route that panics).
pub fn with_layers(router: Router<SharedState>, state: SharedState) -> Router {
    router
        .fallback(pages::not_found)
        // Inner to outer: a panic becomes an error response, which `around` then renders
        // with the request id and security headers like any other.
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::around,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(256 * 1024))
        .with_state(state)
}
