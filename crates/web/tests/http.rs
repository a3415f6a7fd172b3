//! The real application on `127.0.0.1:0` with a fresh database per test, on SQLite and
//! (when `WAYMARK_TEST_DATABASE_URL` is set, always in CI) on PostgreSQL.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::net::SocketAddr;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use waymark_domain::dash::{InstrumentRegistry, Thresholds};
use waymark_domain::role::Role;
use waymark_store::Uuid;
use waymark_store::testing::{TestStore, all_backends};
use waymark_web::routes::{Permission, specs};

const PASSWORD: &str = "a long test password";

struct TestApp {
    base: String,
    client: reqwest::Client,
    marac_id: Uuid,
    referrer_id: Uuid,
    label: &'static str,
    /// The app's clock, when the test controls it.
    clock: Option<ManualTime>,
    /// Each enrolled user's unused recovery codes, spent one per later sign-in, so that
    /// signing in twice within one 30-second step never looks like a replayed code.
    recovery_codes: std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>,
    _store: TestStore,
}

/// A signed-in client: the session cookie and the CSRF token.
struct Signed {
    cookie: String,
    csrf: String,
}

impl TestApp {
    async fn spawn(t: TestStore) -> TestApp {
        TestApp::spawn_with(t, waymark_web::WebConfig::default()).await
    }

    async fn spawn_with(t: TestStore, config: waymark_web::WebConfig) -> TestApp {
        TestApp::spawn_configured(t, config, false).await
    }

    /// As `spawn_with`; with `self_referral`, the public self-referral form sends to the
    /// Idva service ("DA Service") and the Marac.
    async fn spawn_configured(
        t: TestStore,
        mut config: waymark_web::WebConfig,
        self_referral: bool,
    ) -> TestApp {
        let tx = t.store.begin().await.unwrap();
        let service = tx
            .create_agency("DA Service", "idva_service")
            .await
            .unwrap();
        let police = tx.create_agency("Police", "police").await.unwrap();
        let marac = tx
            .create_marac("Marac", "Area", &Thresholds::default())
            .await
            .unwrap();
        if self_referral {
            config.self_referral = Some(waymark_web::SelfReferralTarget {
                agency_id: service.id,
                marac_id: marac.id,
            });
        }
        for (email, name, role) in [
            ("colleague@example.test", "Colleague", Role::Caseworker),
            ("manager@example.test", "Manager", Role::Manager),
            ("dpo@example.test", "Data Officer", Role::DataProtection),
        ] {
            tx.create_user(email, name, service.id, role, PASSWORD)
                .await
                .unwrap();
        }
        tx.create_user(
            "idva@example.test",
            "Idva",
            service.id,
            Role::Caseworker,
            PASSWORD,
        )
        .await
        .unwrap();
        tx.create_user(
            "officer@example.test",
            "Officer",
            police.id,
            Role::Caseworker,
            PASSWORD,
        )
        .await
        .unwrap();
        tx.create_user(
            "admin@example.test",
            "Admin",
            service.id,
            Role::Admin,
            PASSWORD,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let state = waymark_web::AppState::new(
            t.store.clone(),
            InstrumentRegistry::builtin().unwrap(),
            config,
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                waymark_web::app(state).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base: format!("http://{addr}"),
            client,
            marac_id: marac.id,
            referrer_id: police.id,
            label: t.label,
            clock: None,
            recovery_codes: std::sync::Mutex::new(std::collections::HashMap::new()),
            _store: t,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Fills in and submits the sign-in form, as a browser would: the page first (for its
    /// double-submit token and cookie), then the form.
    async fn submit_sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let page = self.client.get(self.url("/sign-in")).send().await.unwrap();
        let signin_cookie = cookie_pair(page.headers(), "__Host-waymark-signin").unwrap();
        let token = hidden(&page.text().await.unwrap(), "signin_token");
        self.client
            .post(self.url("/sign-in"))
            .header("cookie", &signin_cookie)
            .form(&[
                ("signin_token", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    async fn sign_in(&self, email: &str) -> Signed {
        let res = self.submit_sign_in(email, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{}: sign-in as {email}",
            self.label
        );
        let cookie = cookie_pair(res.headers(), "__Host-waymark-session").unwrap();
        let cookie = match res.headers()[LOCATION].to_str().unwrap() {
            "/account/mfa/setup" => self.enrol_mfa(email, &cookie).await,
            "/sign-in/mfa" => {
                let code = self
                    .recovery_codes
                    .lock()
                    .unwrap()
                    .get_mut(email)
                    .and_then(Vec::pop)
                    .unwrap();
                self.second_factor(&cookie, &code).await
            }
            _ => cookie,
        };
        let me = self
            .client
            .get(self.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.status(),
            StatusCode::OK,
            "{}: signed in as {email}: {:?}",
            self.label,
            me.text().await
        );
        let me: Value = self
            .client
            .get(self.url("/api/v1/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Signed {
            cookie,
            csrf: me["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    fn now(&self) -> time::OffsetDateTime {
        match &self.clock {
            Some(t) => *t.lock().unwrap(),
            None => time::OffsetDateTime::now_utc(),
        }
    }

    /// Sets up an authenticator from the setup page and keeps the recovery codes shown.
    /// Returns the new session cookie.
    async fn enrol_mfa(&self, email: &str, cookie: &str) -> String {
        let page = self
            .client
            .get(self.url("/account/mfa/setup"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{}: setup page", self.label);
        let page = page.text().await.unwrap();
        let secret = page
            .split("id=\"totp-secret\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .replace(' ', "");
        let csrf = hidden(&page, "csrf_token");
        let code = waymark_store::mfa::code_at(&secret, self.now()).unwrap();
        let res = self
            .client
            .post(self.url("/account/mfa/setup"))
            .header("cookie", cookie)
            .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}: enrolment", self.label);
        let fresh = cookie_pair(res.headers(), "__Host-waymark-session").unwrap();
        let body = res.text().await.unwrap();
        let codes: Vec<String> = body
            .split("<li><code>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap().to_owned())
            .collect();
        assert_eq!(codes.len(), 10, "{}: ten recovery codes", self.label);
        self.recovery_codes
            .lock()
            .unwrap()
            .insert(email.to_owned(), codes);
        fresh
    }

    /// Gives a second-factor code at /sign-in/mfa; returns the new session cookie.
    async fn second_factor(&self, cookie: &str, code: &str) -> String {
        let page = self
            .client
            .get(self.url("/sign-in/mfa"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "csrf_token");
        let res = self
            .client
            .post(self.url("/sign-in/mfa"))
            .header("cookie", cookie)
            .form(&[("csrf_token", csrf.as_str()), ("code", code)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{}: second factor",
            self.label
        );
        cookie_pair(res.headers(), "__Host-waymark-session").unwrap()
    }

    /// Opens a case through the API as `who`; returns its id.
    async fn create_case(&self, who: &Signed) -> String {
        let res = self
            .post_json(who, "/api/v1/referrals", &self.referral_json())
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", self.label);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn get(&self, who: &Signed, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", &who.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post_form(
        &self,
        who: &Signed,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("cookie", &who.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn post_json(&self, who: &Signed, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    fn referral_json(&self) -> Value {
        json!({
            "marac_id": self.marac_id.to_string(),
            "referral": {
                "victim_given_name": "Zelda", "victim_family_name": "Markerton",
                "perpetrator_given_name": "Perry", "perpetrator_family_name": "Sample",
                "relationship": "ex_partner", "referring_agency_id": self.referrer_id.to_string(),
                "route": "police", "referred_on": "2026-01-10", "consent": "given",
                "victim_aware": "yes", "voicemail_safe": "no", "post_safe": "no",
                "safe_phone": "07700 900456",
                "children": [{ "given_name": "Kit", "family_name": "Markerton", "date_of_birth": "2019-02-03", "lives_with": "victim" }]
            }
        })
    }
}

fn cookie_pair(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap() + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn dash_form(csrf: &str, yes: usize, incidents: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf_token".to_owned(), csrf.to_owned()),
        ("assessed_on".to_owned(), "2026-01-11".to_owned()),
        (
            "abuse_incidents_last_12_months".to_owned(),
            incidents.to_owned(),
        ),
    ];
    for i in 1..=24 {
        form.push((
            format!("q{i}"),
            if i <= yes { "yes" } else { "no" }.to_owned(),
        ));
    }
    form
}

async fn apps() -> Vec<TestApp> {
    let mut out = Vec::new();
    for t in all_backends().await.unwrap() {
        out.push(TestApp::spawn(t).await);
    }
    out
}

#[tokio::test]
async fn health_readiness_and_api_description() {
    for app in apps().await {
        let r = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", app.label);
        let doc: Value = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        // Every API route is documented, and nothing undocumented is described.
        let api: Vec<(String, String)> = specs()
            .iter()
            .filter(|s| s.path.starts_with("/api/v1/"))
            .map(|s| (s.path.to_owned(), s.method.as_str().to_lowercase()))
            .collect();
        for (path, method) in &api {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is not in the OpenAPI document"
            );
        }
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_object().unwrap().len())
            .sum();
        assert_eq!(documented, api.len());
    }
}

#[tokio::test]
async fn signed_out_requests_are_refused_on_every_protected_route() {
    let app = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let id = Uuid::now_v7();
    let mut checked = 0;
    for spec in specs() {
        // Public routes need nothing; /metrics needs its bearer token, not a session
        // (`metrics_need_their_token_and_hold_no_personal_data`).
        if matches!(
            spec.permission,
            Permission::Public | Permission::MetricsToken
        ) {
            continue;
        }
        let path = spec
            .path
            .replace("{case_id}", &id.to_string())
            .replace("{assessment_id}", &id.to_string());
        let res = app
            .client
            .request(spec.method.clone(), app.url(&path))
            .send()
            .await
            .unwrap();
        if path.starts_with("/api/") {
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{} {path}",
                spec.method
            );
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated");
        } else {
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{} {path}",
                spec.method
            );
            assert_eq!(res.headers()[LOCATION], "/sign-in");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} protected routes found");
}

#[tokio::test]
async fn security_headers_and_cookie_flags() {
    let app = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let page = app.client.get(app.url("/sign-in")).send().await.unwrap();
    let h = page.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let me = app.sign_in("idva@example.test").await;
    assert!(me.cookie.starts_with("__Host-waymark-session="));
    let res = app.get(&me, "/cases").await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    // The session cookie itself: Secure, HttpOnly, SameSite=Strict, host-only.
    let page = app.client.get(app.url("/sign-in")).send().await.unwrap();
    let token = hidden(
        &page
            .headers()
            .get(SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .replace("__Host-waymark-signin=", "name=\"t\" value=\"")
            .replace(';', "\";"),
        "t",
    );
    assert!(!token.is_empty());
    let set = page
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "cookie lacks {flag}: {set}");
    }
    assert!(!set.contains("Domain="));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_look_the_same() {
    let app = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let mut bodies = Vec::new();
    for email in ["idva@example.test", "nobody@example.test"] {
        let res = app.submit_sign_in(email, "not the password").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(cookie_pair(res.headers(), "__Host-waymark-session").is_none());
        let body = res.text().await.unwrap();
        assert!(body.contains("Enter a correct email address and password"));
        // Strip the per-page random token before comparing.
        let t = hidden(&body, "signin_token");
        bodies.push(body.replace(&t, "TOKEN").replace(email, "EMAIL"));
    }
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let me = app.sign_in("idva@example.test").await;
    let res = app
        .post_form(&me, "/referrals", &[("victim_given_name", "X")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_form(&me, "/sign-out", &[("csrf_token", "wrong")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .client
        .post(app.url("/api/v1/referrals"))
        .header("cookie", &me.cookie)
        .json(&app.referral_json())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Still signed in: a refused form does not end the session.
    assert_eq!(app.get(&me, "/cases").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_caseworker_refers_completes_a_dash_and_sees_the_marac_decision() {
    for app in apps().await {
        let me = app.sign_in("idva@example.test").await;
        // An empty form: errors by field, nothing saved.
        let res = app
            .post_form(&me, "/referrals", &[("csrf_token", me.csrf.as_str())])
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        let body = res.text().await.unwrap();
        assert!(body.contains("There is a problem"));
        assert!(body.contains("href=\"#victim_given_name\""));
        assert!(body.contains("<title>Error: New referral"));
        let list = app.get(&me, "/cases").await.text().await.unwrap();
        assert!(
            list.contains("0 cases"),
            "{}: a failed form saved something",
            app.label
        );

        let marac = app.marac_id.to_string();
        let referrer = app.referrer_id.to_string();
        let form = [
            ("csrf_token", me.csrf.as_str()),
            ("victim_given_name", "Zelda"),
            ("victim_family_name", "Markerton"),
            ("perpetrator_given_name", "Perry"),
            ("perpetrator_family_name", "Sample"),
            ("relationship", "intimate_partner"),
            ("child_1_given_name", "Kit"),
            ("child_1_family_name", "Markerton"),
            ("child_1_date_of_birth", "2019-02-03"),
            ("child_1_lives_with", "victim"),
            ("referring_agency_id", referrer.as_str()),
            ("route", "police"),
            ("referred_on", "2026-01-10"),
            ("marac_id", marac.as_str()),
            ("consent", "given"),
            ("victim_aware", "yes"),
            ("safe_phone", "07700 900123"),
            ("voicemail_safe", "no"),
            ("post_safe", "no"),
        ];
        let res = app.post_form(&me, "/referrals", &form).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let dash_url = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(!dash_url.contains("Zelda") && !dash_url.contains("Markerton"));
        let case_path = dash_url.trim_end_matches("/dash/new").to_owned();
        let page = app.get(&me, &dash_url).await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("Dash risk checklist") && !page.contains("<title>Zelda"));

        // Bad Dash input: a clear error, nothing saved.
        let mut bad = dash_form(&me.csrf, 3, "three");
        bad.push(("professional_judgement".into(), "yes".into()));
        let res = app
            .client
            .post(app.url(&format!("{case_path}/dash")))
            .header("cookie", &me.cookie)
            .form(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(body.contains("href=\"#abuse_incidents_last_12_months\""));
        assert!(body.contains("href=\"#professional_judgement_reason\""));

        let res = app
            .client
            .post(app.url(&format!("{case_path}/dash")))
            .header("cookie", &me.cookie)
            .form(&dash_form(&me.csrf, 14, "0"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let decision_url = res.headers()[LOCATION].to_str().unwrap().to_owned();
        let decision = app.get(&me, &decision_url).await.text().await.unwrap();
        assert!(
            decision.contains("This case meets the Marac referral criteria."),
            "{}",
            app.label
        );
        assert!(decision.contains("Visible high risk"));
        assert!(decision.contains("<strong>14</strong> yes"));

        // Re-assess: one more yes; the page shows what changed.
        let res = app
            .client
            .post(app.url(&format!("{case_path}/dash")))
            .header("cookie", &me.cookie)
            .form(&dash_form(&me.csrf, 15, "4"))
            .send()
            .await
            .unwrap();
        let second = app
            .get(&me, res.headers()[LOCATION].to_str().unwrap())
            .await
            .text()
            .await
            .unwrap();
        assert!(second.contains("What changed since"));
        assert!(second.contains("Score up 1"));
        assert!(second.contains("Potential escalation"));

        let case_page = app.get(&me, &case_path).await.text().await.unwrap();
        assert!(case_page.contains("Zelda Markerton"));
        assert!(case_page.contains("Kit Markerton"));
        // The Dash history links to both decisions; the re-assess button links to a new Dash.
        let history_links = case_page
            .matches(&format!("href=\"{case_path}/dash/"))
            .count();
        assert_eq!(
            history_links, 3,
            "{}: two decisions and the re-assess button",
            app.label
        );
        assert!(case_page.contains("Re-assess risk"));
        let list = app
            .get(&me, "/cases?sort=risk&order=desc&risk=high")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            list.contains("1 case") && list.contains("Zelda Markerton"),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn another_agencys_case_is_indistinguishable_from_a_missing_one() {
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let res = app
            .post_json(&idva, "/api/v1/referrals", &app.referral_json())
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", app.label);
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let officer = app.sign_in("officer@example.test").await;
        let admin = app.sign_in("admin@example.test").await;
        for who in [&officer, &admin] {
            for path in [format!("/cases/{id}"), format!("/cases/{id}/dash/new")] {
                let theirs = app.get(who, &path).await;
                assert_eq!(
                    theirs.status(),
                    StatusCode::NOT_FOUND,
                    "{} {path}",
                    app.label
                );
                let theirs = theirs.text().await.unwrap();
                let missing = app
                    .get(who, &path.replace(&id, &Uuid::now_v7().to_string()))
                    .await
                    .text()
                    .await
                    .unwrap();
                assert_eq!(
                    theirs, missing,
                    "{}: forbidden and missing differ on {path}",
                    app.label
                );
                assert!(!theirs.contains("Markerton"));
            }
            let api = app.get(who, &format!("/api/v1/cases/{id}")).await;
            assert_eq!(api.status(), StatusCode::NOT_FOUND);
            let list = app.get(who, "/api/v1/cases").await.text().await.unwrap();
            assert!(
                !list.contains("Markerton"),
                "{}: a list leaked another agency's case",
                app.label
            );
        }
        let res = app
            .post_json(
                &officer,
                &format!("/api/v1/cases/{id}/assessments"),
                &json!({
                    "answers": {}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-01-11"
                }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_api_records_assessments_and_rejects_bad_input_by_field() {
    for app in apps().await {
        let me = app.sign_in("idva@example.test").await;
        let mut body = app.referral_json();
        body["referral"]["is_admin"] = json!(true);
        let res = app.post_json(&me, "/api/v1/referrals", &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = res.json().await.unwrap();
        assert!(
            err["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("is_admin")
        );
        let mut body = app.referral_json();
        body["referral"]["referred_on"] = json!("10/01/2026");
        let err: Value = app
            .post_json(&me, "/api/v1/referrals", &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(err["error"]["fields"][0]["field"], "referred_on");

        let id = app.create_case(&me).await;
        let path = format!("/api/v1/cases/{id}/assessments");
        let bad = app
            .post_json(&me, &path, &json!({"answers": {"q25": "yes"}, "abuse_incidents_last_12_months": 0, "assessed_on": "2026-01-11"}))
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = bad.json().await.unwrap();
        assert_eq!(err["error"]["fields"][0]["field"], "answers.q25");

        let answers: serde_json::Map<String, Value> = (1..=24)
            .map(|i| (format!("q{i}"), json!(if i <= 5 { "yes" } else { "no" })))
            .collect();
        let res = app
            .post_json(&me, &path, &json!({
                "answers": answers, "abuse_incidents_last_12_months": 1, "assessed_on": "2026-01-11",
                "professional_judgement": {"reason": "Threats escalated after separation"}
            }))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", app.label);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["decision"]["risk_level"], "high");
        assert_eq!(v["decision"]["criteria"], json!(["professional_judgement"]));
        let case: Value = app
            .get(&me, &format!("/api/v1/cases/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["assessments"].as_array().unwrap().len(), 1);
        assert_eq!(case["people"].as_array().unwrap().len(), 3);
        let list: Value = app
            .get(&me, "/api/v1/cases?risk=high")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["cases"].as_array().unwrap().len(), 1);
        let bad_query = app.get(&me, "/api/v1/cases?risk=extreme").await;
        assert_eq!(bad_query.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let me = app.sign_in("idva@example.test").await;
    let res = app
        .post_form(&me, "/sign-out", &[("csrf_token", me.csrf.as_str())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers().get("clear-site-data").is_some());
    // The old cookie, replayed, no longer works.
    let res = app.get(&me, "/cases").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/sign-in");
}

#[tokio::test]
async fn an_initial_password_must_be_changed_before_anything_else() {
    for app in apps().await {
        let tx = app._store.store.begin().await.unwrap();
        let agency = tx.agency_by_name("DA Service").await.unwrap().unwrap();
        let user = tx
            .create_user(
                "new@example.test",
                "New Starter",
                agency.id,
                Role::Caseworker,
                PASSWORD,
            )
            .await
            .unwrap();
        tx.require_password_change(user.id).await.unwrap();
        tx.commit().await.unwrap();

        let res = app.submit_sign_in("new@example.test", PASSWORD).await;
        assert_eq!(
            res.headers()[LOCATION],
            "/account/password",
            "{}",
            app.label
        );
        let cookie = cookie_pair(res.headers(), "__Host-waymark-session").unwrap();
        let who = Signed {
            cookie,
            csrf: String::new(),
        };

        let blocked = app.get(&who, "/cases").await;
        assert_eq!(blocked.status(), StatusCode::SEE_OTHER);
        assert_eq!(blocked.headers()[LOCATION], "/account/password");
        let api = app.get(&who, "/api/v1/cases").await;
        assert_eq!(api.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            api.json::<Value>().await.unwrap()["error"]["code"],
            "password_change_required"
        );

        let form_page = app
            .get(&who, "/account/password")
            .await
            .text()
            .await
            .unwrap();
        assert!(form_page.contains("Change your password"), "{form_page}");
        let csrf = hidden(&form_page, "csrf_token");
        let attempt = |current: &'static str, new: &'static str, confirm: &'static str| {
            let csrf = csrf.clone();
            let cookie = who.cookie.clone();
            let client = app.client.clone();
            let url = app.url("/account/password");
            async move {
                client
                    .post(url)
                    .header("cookie", cookie)
                    .form(&[
                        ("csrf_token", csrf.as_str()),
                        ("current_password", current),
                        ("new_password", new),
                        ("confirm_password", confirm),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let wrong = attempt(
            "not my password",
            "a brand new passphrase",
            "a brand new passphrase",
        )
        .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong
                .text()
                .await
                .unwrap()
                .contains("href=\"#current_password\"")
        );
        let short = attempt(PASSWORD, "too short", "too short").await;
        assert!(
            short
                .text()
                .await
                .unwrap()
                .contains("at least 12 characters")
        );
        let mismatch = attempt(PASSWORD, "a brand new passphrase", "a different passphrase").await;
        assert!(
            mismatch
                .text()
                .await
                .unwrap()
                .contains("href=\"#confirm_password\"")
        );
        let same = attempt(PASSWORD, PASSWORD, PASSWORD).await;
        assert_eq!(same.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let ok = attempt(PASSWORD, "a brand new passphrase", "a brand new passphrase").await;
        assert_eq!(ok.status(), StatusCode::SEE_OTHER, "{}", app.label);
        // Next comes setting up the second factor.
        assert_eq!(ok.headers()[LOCATION], "/account/mfa/setup");
        let fresh = cookie_pair(ok.headers(), "__Host-waymark-session").unwrap();
        assert_ne!(fresh, who.cookie, "a new session is issued");
        // The old session is gone; the new one goes on to the second factor, then the cases.
        assert_eq!(
            app.get(&who, "/cases").await.headers()[LOCATION],
            "/sign-in"
        );
        let now = Signed {
            cookie: fresh,
            csrf: String::new(),
        };
        assert_eq!(
            app.get(&now, "/cases").await.headers()[LOCATION],
            "/account/mfa/setup"
        );
        let enrolled = Signed {
            cookie: app.enrol_mfa("new@example.test", &now.cookie).await,
            csrf: String::new(),
        };
        assert_eq!(app.get(&enrolled, "/cases").await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn exclusions_hide_a_case_from_a_colleague_and_from_a_whole_agency() {
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let colleague = app.sign_in("colleague@example.test").await;
        let manager = app.sign_in("manager@example.test").await;
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}")).await.status(),
            StatusCode::OK
        );

        let form_page = app.get(&idva, &format!("/cases/{id}/exclusions/new")).await;
        assert_eq!(form_page.status(), StatusCode::OK, "{}", app.label);
        let form_page = form_page.text().await.unwrap();
        let colleague_id = {
            let marker = "\">Colleague (DA Service)";
            let end = form_page.find(marker).unwrap();
            let start = form_page[..end].rfind("value=\"").unwrap() + 7;
            form_page[start..end].to_owned()
        };
        // No reason: refused by field, nothing saved.
        let path = format!("/cases/{id}/exclusions");
        let res = app
            .post_form(
                &idva,
                &path,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "user"),
                    ("excluded_user_id", colleague_id.as_str()),
                    ("reason", " "),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("href=\"#reason\""));
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}")).await.status(),
            StatusCode::OK
        );

        let res = app
            .post_form(
                &idva,
                &path,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "user"),
                    ("excluded_user_id", colleague_id.as_str()),
                    ("reason", "Knows the family"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", app.label);

        // The excluded colleague: a 404 identical to a missing case, on every surface.
        let theirs = app.get(&colleague, &format!("/cases/{id}")).await;
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "{}", app.label);
        let missing = app
            .get(&colleague, &format!("/cases/{}", Uuid::now_v7()))
            .await;
        assert_eq!(theirs.text().await.unwrap(), missing.text().await.unwrap());
        assert_eq!(
            app.get(&colleague, &format!("/api/v1/cases/{id}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}/dash/new"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        let list = app.get(&colleague, "/cases").await.text().await.unwrap();
        assert!(
            list.contains("0 cases") && !list.contains("Markerton"),
            "{}",
            app.label
        );
        let api_list: Value = app
            .get(&colleague, "/api/v1/cases")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(api_list["cases"].as_array().unwrap().len(), 0);
        // Colleagues not excluded still see it, with the exclusion listed.
        let page = app
            .get(&manager, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Knows the family") && page.contains("Person: Colleague"));

        // Excluding the agency that holds the case is refused.
        let tx = app._store.store.begin().await.unwrap();
        let service_id = tx
            .agency_by_name("DA Service")
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string();
        drop(tx);
        let res = app
            .post_form(
                &idva,
                &path,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "agency"),
                    ("excluded_agency_id", service_id.as_str()),
                    ("reason", "No"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // A manager excludes a whole agency.
        let police = app.referrer_id.to_string();
        let res = app
            .post_form(
                &manager,
                &path,
                &[
                    ("csrf_token", manager.csrf.as_str()),
                    ("kind", "agency"),
                    ("excluded_agency_id", police.as_str()),
                    ("reason", "Perpetrator is a serving officer"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Agency: Police"));
        // The excluded colleague cannot reach the exclusion form either.
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}/exclusions/new"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
}

type ManualTime = std::sync::Arc<std::sync::Mutex<time::OffsetDateTime>>;

/// One app per back end, each with a clock the test moves by hand.
async fn apps_with_clock() -> Vec<(TestApp, ManualTime)> {
    let mut out = Vec::new();
    for t in all_backends().await.unwrap() {
        let time: ManualTime =
            std::sync::Arc::new(std::sync::Mutex::new(time::OffsetDateTime::now_utc()));
        let config = waymark_web::WebConfig {
            clock: waymark_web::Clock::manual(time.clone()),
            ..waymark_web::WebConfig::default()
        };
        let mut app = TestApp::spawn_with(t, config).await;
        app.clock = Some(time.clone());
        out.push((app, time));
    }
    out
}

fn advance(time: &std::sync::Mutex<time::OffsetDateTime>, by: time::Duration) {
    *time.lock().unwrap() += by;
}

impl TestApp {
    /// One sign-in attempt: the status, the body with the page's random token and the
    /// email removed, and whether a session cookie was set.
    async fn attempt(&self, email: &str, password: &str) -> (StatusCode, String, bool) {
        let res = self.submit_sign_in(email, password).await;
        let status = res.status();
        let signed_in = cookie_pair(res.headers(), "__Host-waymark-session").is_some();
        let body = res.text().await.unwrap();
        let body = match body.find("name=\"signin_token\" value=\"") {
            Some(_) => {
                let t = hidden(&body, "signin_token");
                body.replace(&t, "TOKEN")
            }
            None => body,
        };
        (status, body.replace(email, "EMAIL"), signed_in)
    }
}

#[tokio::test]
async fn ten_failures_in_five_minutes_stop_sign_in_for_that_account_but_not_for_good() {
    for (app, time) in apps_with_clock().await {
        let policy = waymark_domain::throttle::ThrottlePolicy::default();
        for failures in 1..=10 {
            let (status, _, signed_in) = app.attempt("idva@example.test", "wrong password!!").await;
            assert_eq!(status, StatusCode::OK);
            assert!(!signed_in);
            // Wait out exactly the growing delay (63 seconds in all), so that the ten
            // failures fall inside one five-minute window.
            advance(&time, policy.delay_after(failures));
        }
        assert!(
            app.attempt("idva@example.test", "wrong password!!")
                .await
                .1
                .contains("Too many attempts"),
            "the window now holds ten failures"
        );
        // Even the right password is refused while throttled: the password is not checked.
        let (status, body, signed_in) = app.attempt("idva@example.test", PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(body.contains("Too many attempts to sign in"));
        assert!(!signed_in);
        // Another account is not affected.
        assert!(app.attempt("officer@example.test", PASSWORD).await.2);
        // Five minutes after the last failure, the account signs in again: no lockout.
        advance(&time, time::Duration::minutes(5));
        assert!(app.attempt("idva@example.test", PASSWORD).await.2);
    }
}

#[tokio::test]
async fn delays_grow_and_unknown_accounts_are_throttled_identically() {
    for (app, time) in apps_with_clock().await {
        let mut bodies = Vec::new();
        for email in ["idva@example.test", "nobody@example.test"] {
            for _ in 0..4 {
                assert_eq!(
                    app.attempt(email, "wrong password!!").await.0,
                    StatusCode::OK
                );
            }
            // After the fourth failure a one-second delay is owed.
            let (status, body, _) = app.attempt(email, "wrong password!!").await;
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}");
            assert!(body.contains("Wait 1 second and try again"), "{email}");
            bodies.push(body);
            advance(&time, time::Duration::seconds(1));
            assert_eq!(
                app.attempt(email, "wrong password!!").await.0,
                StatusCode::OK
            );
            // Now five failures: two seconds.
            assert!(
                app.attempt(email, "wrong password!!")
                    .await
                    .1
                    .contains("Wait 2 seconds")
            );
        }
        assert_eq!(
            bodies[0], bodies[1],
            "known and unknown accounts must look the same"
        );
    }
}

#[tokio::test]
async fn one_address_guessing_across_many_accounts_is_slowed() {
    for (app, time) in apps_with_clock().await {
        for i in 0..100 {
            let (status, _, _) = app
                .attempt(&format!("guess{i}@example.test"), "wrong password!!")
                .await;
            assert_eq!(status, StatusCode::OK, "attempt {i}");
        }
        let (status, _, signed_in) = app.attempt("idva@example.test", PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(!signed_in);
        advance(&time, time::Duration::minutes(5));
        assert!(app.attempt("idva@example.test", PASSWORD).await.2);
    }
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes_and_twelve_hours_in_all() {
    for (app, time) in apps_with_clock().await {
        let me = app.sign_in("idva@example.test").await;
        advance(&time, time::Duration::minutes(29));
        assert_eq!(app.get(&me, "/cases").await.status(), StatusCode::OK);
        advance(&time, time::Duration::minutes(31));
        let res = app.get(&me, "/cases").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[LOCATION], "/sign-in");

        let me = app.sign_in("idva@example.test").await;
        for _ in 0..35 {
            advance(&time, time::Duration::minutes(20));
            assert_eq!(app.get(&me, "/cases").await.status(), StatusCode::OK);
        }
        advance(&time, time::Duration::minutes(20));
        assert_eq!(
            app.get(&me, "/cases").await.status(),
            StatusCode::SEE_OTHER,
            "12 hours is the limit"
        );
    }
}

#[tokio::test]
async fn the_second_factor_is_required_every_sign_in_and_codes_are_single_use() {
    for (app, time) in apps_with_clock().await {
        // First sign-in: enrolment before anything else.
        let first = app.sign_in("idva@example.test").await;
        assert_eq!(app.get(&first, "/cases").await.status(), StatusCode::OK);
        let secret_page = app.get(&first, "/account/mfa/setup").await;
        assert_eq!(
            secret_page.headers()[LOCATION],
            "/cases",
            "enrolled accounts cannot re-enrol"
        );

        // A later sign-in stops at the code page; nothing else opens.
        let res = app.submit_sign_in("idva@example.test", PASSWORD).await;
        assert_eq!(res.headers()[LOCATION], "/sign-in/mfa", "{}", app.label);
        let half = Signed {
            cookie: cookie_pair(res.headers(), "__Host-waymark-session").unwrap(),
            csrf: String::new(),
        };
        assert_eq!(
            app.get(&half, "/cases").await.headers()[LOCATION],
            "/sign-in/mfa"
        );
        let api = app.get(&half, "/api/v1/cases").await;
        assert_eq!(api.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            api.json::<Value>().await.unwrap()["error"]["code"],
            "mfa_required"
        );

        // A wrong code, then a used recovery code, are refused; a fresh one works.
        let page = app.get(&half, "/sign-in/mfa").await.text().await.unwrap();
        let csrf = hidden(&page, "csrf_token");
        let post = |code: String| {
            let (client, url, cookie, csrf) = (
                app.client.clone(),
                app.url("/sign-in/mfa"),
                half.cookie.clone(),
                csrf.clone(),
            );
            async move {
                client
                    .post(url)
                    .header("cookie", cookie)
                    .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
                    .send()
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            post("123456".into()).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let recovery = app
            .recovery_codes
            .lock()
            .unwrap()
            .get_mut("idva@example.test")
            .unwrap()
            .pop()
            .unwrap();
        let ok = post(recovery.clone()).await;
        assert_eq!(ok.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let full = Signed {
            cookie: cookie_pair(ok.headers(), "__Host-waymark-session").unwrap(),
            csrf: String::new(),
        };
        assert_ne!(
            full.cookie, half.cookie,
            "the session token changes once the factor is given"
        );
        assert_eq!(app.get(&full, "/cases").await.status(), StatusCode::OK);
        assert_eq!(
            app.get(&half, "/cases").await.headers()[LOCATION],
            "/sign-in",
            "the half-signed-in token is dead"
        );

        // The recovery code cannot be used again.
        let res = app.submit_sign_in("idva@example.test", PASSWORD).await;
        let cookie = cookie_pair(res.headers(), "__Host-waymark-session").unwrap();
        let page = app
            .client
            .get(app.url("/sign-in/mfa"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden(&page, "csrf_token");
        let reuse = app
            .client
            .post(app.url("/sign-in/mfa"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("code", recovery.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            reuse.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: a recovery code works once",
            app.label
        );

        // Ten wrong codes in five minutes: further codes are refused for a while.
        for _ in 0..10 {
            let r = app
                .client
                .post(app.url("/sign-in/mfa"))
                .header("cookie", &cookie)
                .form(&[("csrf_token", csrf.as_str()), ("code", "000001")])
                .send()
                .await
                .unwrap();
            assert!(
                r.status() == StatusCode::UNPROCESSABLE_ENTITY
                    || r.status() == StatusCode::TOO_MANY_REQUESTS
            );
            advance(&time, time::Duration::seconds(10));
        }
        let r = app
            .client
            .post(app.url("/sign-in/mfa"))
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str()), ("code", "000001")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{}", app.label);
    }
}

#[tokio::test]
async fn role_changes_and_disabling_apply_on_the_very_next_request() {
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let colleague = app.sign_in("colleague@example.test").await;
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}")).await.status(),
            StatusCode::OK
        );

        let store = &app._store.store;
        let tx = store.begin().await.unwrap();
        let user = tx
            .user_by_email("colleague@example.test")
            .await
            .unwrap()
            .unwrap();
        tx.set_role(user.id, Role::AgencyRep).await.unwrap();
        tx.commit().await.unwrap();
        // Same session, next request: the new role's rules.
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}")).await.status(),
            StatusCode::NOT_FOUND,
            "{}",
            app.label
        );
        let list: Value = app
            .get(&colleague, "/api/v1/cases")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["cases"].as_array().unwrap().len(), 0);

        let tx = store.begin().await.unwrap();
        tx.disable_user(user.id).await.unwrap();
        tx.commit().await.unwrap();
        let res = app.get(&colleague, "/cases").await;
        assert_eq!(
            res.headers()[LOCATION],
            "/sign-in",
            "{}: a disabled user's session is gone",
            app.label
        );
    }
}

#[tokio::test]
async fn the_access_log_shows_who_looked_and_who_was_refused() {
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let colleague = app.sign_in("colleague@example.test").await;
        assert_eq!(
            app.get(&colleague, &format!("/cases/{id}")).await.status(),
            StatusCode::OK
        );
        let officer = app.sign_in("officer@example.test").await;
        assert_eq!(
            app.get(&officer, &format!("/cases/{id}")).await.status(),
            StatusCode::NOT_FOUND
        );

        let log = app.get(&idva, &format!("/cases/{id}/access-log")).await;
        assert_eq!(log.status(), StatusCode::OK, "{}", app.label);
        let log = log.text().await.unwrap();
        assert!(
            log.contains("Colleague, Caseworker (DA Service)"),
            "{}",
            app.label
        );
        assert!(log.contains("Officer, Caseworker (Police)"));
        assert!(log.contains("Refused"));
        assert!(log.contains("Opened the case from a referral"));
        // The officer cannot read the log either, and that looks like any missing case.
        assert_eq!(
            app.get(&officer, &format!("/cases/{id}/access-log"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn emergency_access_is_time_limited_read_only_alerted_and_beaten_by_exclusions() {
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let case: Value = app
            .get(&idva, &format!("/api/v1/cases/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let reference = case["reference"].as_str().unwrap().to_owned();
        // Working notes and the safety plan, which emergency access must not show.
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/contacts"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("contact_on", "2026-01-12"),
                    ("kind", "phone"),
                    ("outcome", "spoke"),
                    ("significant", "yes"),
                    ("note", "Moving to her sister's HIDDENNOTE"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/safety-plan"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("risk_1", "He knows the old address HIDDENPLAN"),
                    ("risk_1_action_1", "Stay at the new address"),
                    ("risk_1_action_1_owner", "victim"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let officer = app.sign_in("officer@example.test").await;
        assert_eq!(
            app.get(&officer, &format!("/cases/{id}")).await.status(),
            StatusCode::NOT_FOUND
        );
        let ask = |reference: String, reason: &'static str| {
            let (client, url, cookie, csrf) = (
                app.client.clone(),
                app.url("/emergency-access"),
                officer.cookie.clone(),
                officer.csrf.clone(),
            );
            async move {
                client
                    .post(url)
                    .header("cookie", cookie)
                    .form(&[
                        ("csrf_token", csrf.as_str()),
                        ("reference", reference.as_str()),
                        ("reason", reason),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let short = ask(reference.clone(), "urgent").await;
        assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.text().await.unwrap().contains("href=\"#reason\""));
        let missing = ask("WM-1999-99999".into(), "Police attending an incident now").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let missing = missing
            .text()
            .await
            .unwrap()
            .replace("WM-1999-99999", "REF");

        let granted = ask(reference.clone(), "Police attending an incident now").await;
        assert_eq!(granted.status(), StatusCode::SEE_OTHER, "{}", app.label);
        assert_eq!(granted.headers()[LOCATION], format!("/cases/{id}").as_str());
        let page = app.get(&officer, &format!("/cases/{id}")).await;
        assert_eq!(page.status(), StatusCode::OK, "{}", app.label);
        let page = page.text().await.unwrap();
        assert!(page.contains("through emergency access until"));
        assert!(!page.contains("Re-assess") && !page.contains("Show safe contact details"));
        assert!(!page.contains("HIDDENNOTE") && !page.contains("HIDDENPLAN"));
        assert!(
            page.contains("Version 1"),
            "the plan's existence is shown, not its content"
        );
        for path in [
            format!("/cases/{id}/safety-plan"),
            format!("/cases/{id}/contacts/new"),
        ] {
            assert_eq!(
                app.get(&officer, &path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        // Read-only: no Dash, no reveal, no access log, no exclusions.
        for path in [
            format!("/cases/{id}/dash/new"),
            format!("/cases/{id}/access-log"),
            format!("/cases/{id}/exclusions/new"),
        ] {
            assert_eq!(
                app.get(&officer, &path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        assert_eq!(
            app.post_json(
                &officer,
                &format!("/api/v1/cases/{id}/safe-contact"),
                &json!({})
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
        // Never in the officer's list: it opens one case.
        let list: Value = app
            .get(&officer, "/api/v1/cases")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["cases"].as_array().unwrap().len(), 0);

        // The holding agency's manager is alerted, with the reason.
        let manager = app.sign_in("manager@example.test").await;
        let alerts = app.get(&manager, "/alerts").await.text().await.unwrap();
        assert!(
            alerts.contains("Officer (Police)")
                && alerts.contains("Police attending an incident now"),
            "{}",
            app.label
        );
        assert!(alerts.contains(&reference));
        assert_eq!(
            app.get(&idva, "/alerts").await.status(),
            StatusCode::FORBIDDEN
        );
        let admin = app.sign_in("admin@example.test").await;
        assert_eq!(
            app.get(&admin, "/emergency-access").await.status(),
            StatusCode::FORBIDDEN
        );

        // An exclusion beats a live grant, and asking again looks like a missing case.
        let police = app.referrer_id.to_string();
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/exclusions"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "agency"),
                    ("excluded_agency_id", police.as_str()),
                    ("reason", "Perpetrator is a serving officer"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&officer, &format!("/cases/{id}")).await.status(),
            StatusCode::NOT_FOUND,
            "{}",
            app.label
        );
        let again = ask(reference.clone(), "Police attending an incident now").await;
        assert_eq!(again.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            again.text().await.unwrap().replace(&reference, "REF"),
            missing,
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn a_panic_becomes_a_generic_500_with_a_request_id_and_the_server_lives_on() {
    let t = waymark_store::testing::sqlite().await.unwrap();
    let state = waymark_web::AppState::new(
        t.store.clone(),
        InstrumentRegistry::builtin().unwrap(),
        waymark_web::WebConfig {
            hsts: true,
            ..waymark_web::WebConfig::default()
        },
    )
    .unwrap();
    let routes = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                // A value the compiler cannot see is missing, as in a real bug.
                let bug: Option<&str> = std::hint::black_box(None);
                bug.expect("a bug with a secret in it")
            }),
        )
        .route("/fine", axum::routing::get(|| async { "fine" }));
    let app = waymark_web::routes::with_layers(routes, state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service())
            .await
            .unwrap()
    });
    let client = reqwest::Client::new();
    let res = client
        .get(format!("http://{addr}/boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let body = res.text().await.unwrap();
    assert!(body.contains("Sorry, something went wrong"));
    assert!(
        body.contains(&request_id),
        "the page gives the reference to quote"
    );
    assert!(
        !body.contains("secret"),
        "no internal detail reaches the user"
    );
    let fine = client
        .get(format!("http://{addr}/fine"))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.text().await.unwrap(), "fine", "the server carries on");
}

#[tokio::test]
async fn the_most_sensitive_actions_ask_for_a_recent_proof_of_identity() {
    for (app, time) in apps_with_clock().await {
        let me = app.sign_in("idva@example.test").await;
        let id = app.create_case(&me).await;
        let reveal = format!("/cases/{id}/safe-contact");
        // Just signed in: revealing works.
        let res = app
            .post_form(&me, &reveal, &[("csrf_token", me.csrf.as_str())])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", app.label);

        // Sixteen minutes on (still within the idle timeout), confirm first.
        advance(&time, time::Duration::minutes(16));
        let res = app
            .post_form(&me, &reveal, &[("csrf_token", me.csrf.as_str())])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()[LOCATION],
            format!("/account/confirm?next=/cases/{id}").as_str()
        );
        // The form for where the victim lives shows what is recorded: confirm first too,
        // and come back to the form.
        let whereabouts = format!("/cases/{id}/whereabouts");
        for res in [
            app.get(&me, &whereabouts).await,
            app.post_form(
                &me,
                &whereabouts,
                &[("csrf_token", me.csrf.as_str()), ("postcode", "NM1 4AB")],
            )
            .await,
        ] {
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", app.label);
            assert_eq!(
                res.headers()[LOCATION],
                format!("/account/confirm?next={whereabouts}").as_str()
            );
        }
        let api = app
            .post_json(&me, &format!("/api/v1/cases/{id}/safe-contact"), &json!({}))
            .await;
        assert_eq!(api.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            api.json::<Value>().await.unwrap()["error"]["code"],
            "reauthentication_required"
        );

        let page = app
            .get(&me, &format!("/account/confirm?next=/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Code from your authenticator app"),
            "enrolled users give a code too"
        );
        let code = app
            .recovery_codes
            .lock()
            .unwrap()
            .get_mut("idva@example.test")
            .unwrap()
            .pop()
            .unwrap();
        let next = format!("/cases/{id}");
        let wrong = app
            .post_form(
                &me,
                "/account/confirm",
                &[
                    ("csrf_token", me.csrf.as_str()),
                    ("next", next.as_str()),
                    ("password", "not my password"),
                    ("code", code.as_str()),
                ],
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let ok = app
            .post_form(
                &me,
                "/account/confirm",
                &[
                    ("csrf_token", me.csrf.as_str()),
                    ("next", next.as_str()),
                    ("password", PASSWORD),
                    ("code", code.as_str()),
                ],
            )
            .await;
        assert_eq!(ok.status(), StatusCode::SEE_OTHER, "{}", app.label);
        assert_eq!(ok.headers()[LOCATION], next.as_str());
        let res = app
            .post_form(&me, &reveal, &[("csrf_token", me.csrf.as_str())])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", app.label);
    }
}

#[tokio::test]
async fn an_empty_case_list_says_why_for_roles_that_see_no_cases() {
    let app = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let admin = app.sign_in("admin@example.test").await;
    let page = app.get(&admin, "/cases").await.text().await.unwrap();
    assert!(page.contains("do not see case content"));
    let idva = app.sign_in("idva@example.test").await;
    let page = app.get(&idva, "/cases").await.text().await.unwrap();
    assert!(
        !page.contains("govuk-inset-text"),
        "caseworkers need no such note"
    );
}

/// The ids of the form's `name` radios or options, in order (for picking a caseworker).
fn radio_values(body: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" type=\"radio\" value=\"");
    body.split(&marker)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_case_is_worked_from_first_contact_to_closure_and_comes_back_as_a_repeat() {
    for app in apps().await {
        let l = app.label;
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"case-status\">Open<"), "{l}");
        assert!(
            page.contains("<span id=\"significant-contacts\">0</span>"),
            "{l}"
        );
        assert!(
            page.contains("First contact: "),
            "{l}: first contact is due"
        );

        // Bad input: every problem named, nothing saved.
        let bad = app
            .post_form(
                &idva,
                &format!("/cases/{id}/contacts"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("contact_on", "2099-01-01"),
                    ("kind", "pigeon"),
                    ("outcome", "no_answer"),
                    ("significant", "yes"),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let bad = bad.text().await.unwrap();
        assert!(bad.contains("There is a problem"), "{l}");
        assert!(bad.contains("must be today or in the past"), "{l}");
        assert!(
            bad.contains("Select how the contact happened from the list"),
            "{l}"
        );
        assert!(
            bad.contains("Only a contact that reached the victim"),
            "{l}"
        );
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("No contacts recorded yet"),
            "{l}: nothing saved"
        );

        // An unanswered call, then six significant contacts: intensive support.
        let attempt = app
            .post_form(
                &idva,
                &format!("/cases/{id}/contacts"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("contact_on", "2026-01-11"),
                    ("kind", "phone"),
                    ("outcome", "no_answer"),
                ],
            )
            .await;
        assert_eq!(attempt.status(), StatusCode::SEE_OTHER, "{l}");
        for day in 12..18 {
            let date = format!("2026-01-{day}");
            let res = app
                .post_form(
                    &idva,
                    &format!("/cases/{id}/contacts"),
                    &[
                        ("csrf_token", idva.csrf.as_str()),
                        ("contact_on", date.as_str()),
                        ("kind", "face_to_face"),
                        ("outcome", "spoke"),
                        ("significant", "yes"),
                        ("duration_minutes", "45"),
                        ("note", "Safety planning"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}: contact {day}");
        }
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("<span id=\"significant-contacts\">6</span>"),
            "{l}"
        );
        assert!(page.contains("id=\"intensive\""), "{l}: intensive support");
        // The first contact that reached the victim, two days after the referral.
        assert!(
            page.contains("12 January 2026: 1 working day"),
            "{l}: {page}"
        );

        // Interventions: three added, one moved on; a made-up one refused.
        for (kind, status) in [
            ("safety_planning", "done"),
            ("civil_remedies", "offered"),
            ("housing", "declined"),
        ] {
            let res = app
                .post_form(
                    &idva,
                    &format!("/cases/{id}/interventions"),
                    &[
                        ("csrf_token", idva.csrf.as_str()),
                        ("kind", kind),
                        ("status", status),
                        ("agency_id", &app.referrer_id.to_string()),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}: {kind}");
        }
        let bad = app
            .post_form(
                &idva,
                &format!("/cases/{id}/interventions"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "magic"),
                    ("status", "done"),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"interventions-received\">1<"), "{l}");
        let civil = page
            .split("action=\"/cases/")
            .filter_map(|s| s.split('"').next())
            .filter(|s| s.contains("/interventions/"))
            .nth(1)
            .unwrap()
            .to_owned();
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{civil}"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("status", "in_progress"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"interventions-received\">2<"), "{l}");

        // A manager sees the case but does not work it.
        let manager = app.sign_in("manager@example.test").await;
        let res = app
            .get(&manager, &format!("/cases/{id}/contacts/new"))
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{l}");

        // Closing needs the exit measures or a reason why they were not taken.
        let close = |extra: Option<&'static str>| {
            let mut form = vec![
                ("csrf_token", idva.csrf.clone()),
                ("closed_on", "2026-03-01".to_owned()),
                ("reason", "support_completed".to_owned()),
            ];
            if let Some(r) = extra {
                form.push(("exit_not_taken_reason", r.to_owned()));
            }
            form
        };
        let form = close(None);
        let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app
            .post_form(&idva, &format!("/cases/{id}/close"), &form_ref)
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Record the exit measures first"),
            "{l}"
        );
        let mut form = close(Some("The client moved before the exit meeting"));
        let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // Valid answers are shown back with what is still open; nothing closes yet.
        let res = app
            .post_form(&idva, &format!("/cases/{id}/close"), &form_ref)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{l}");
        let check = res.text().await.unwrap();
        assert!(check.contains("Check before closing the case"), "{l}");
        assert!(
            check.contains("The review (Time 2) measures have not been recorded"),
            "{l}"
        );
        assert!(check.contains("name=\"confirmed\" value=\"yes\""), "{l}");
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("id=\"case-status\">Open<"),
            "{l}: not closed yet"
        );
        // Changing the answers goes back to the form with them kept.
        form.push(("change", "yes".to_owned()));
        let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app
            .post_form(&idva, &format!("/cases/{id}/close"), &form_ref)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{l}");
        let again = res.text().await.unwrap();
        assert!(
            again.contains("The client moved before the exit meeting"),
            "{l}"
        );
        assert!(
            again.contains("<h1 class=\"govuk-heading-l\">Close the case</h1>"),
            "{l}"
        );
        form.pop();
        // Confirmed: closed, and the case page says so.
        form.push(("confirmed", "yes".to_owned()));
        let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app
            .post_form(&idva, &format!("/cases/{id}/close"), &form_ref)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        assert_eq!(
            res.headers()[LOCATION].to_str().unwrap(),
            format!("/cases/{id}?saved=closed"),
            "{l}"
        );
        let page = app
            .get(&idva, &format!("/cases/{id}?saved=closed"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"saved-banner\">Case closed<"), "{l}");
        assert!(page.contains("id=\"case-status\">Closed<"), "{l}");
        assert!(
            page.contains("Six-month follow-up: 1 September 2026"),
            "{l}"
        );
        // Nothing more is recorded on a closed case.
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/contacts"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("contact_on", "2026-03-02"),
                    ("kind", "phone"),
                    ("outcome", "no_answer"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");

        // The client comes back: a repeat case, linked, waiting for allocation.
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/repeat"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("referred_on", "2026-06-01"),
                    ("route", "self"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let repeat = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert_ne!(repeat, format!("/cases/{id}"), "{l}");
        let page = app.get(&idva, &repeat).await.text().await.unwrap();
        assert!(page.contains("Awaiting allocation"), "{l}");
        assert!(page.contains("Repeat of"), "{l}");
        assert!(page.contains("Zelda Markerton"), "{l}: the same victim");
        // A second repeat while this one is open is refused.
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/repeat"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("referred_on", "2026-06-02"),
                    ("route", "self"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");

        // Triage: the manager allocates it to a colleague, who sees the first contact due.
        let triage = app.get(&manager, "/triage").await.text().await.unwrap();
        assert!(triage.contains("Zelda Markerton"), "{l}");
        assert!(triage.contains(">Repeat<"), "{l}");
        let new_id = repeat
            .trim_start_matches("/cases/")
            .trim_end_matches("?saved=repeat");
        let alloc = app
            .get(&manager, &format!("/cases/{new_id}/allocation"))
            .await
            .text()
            .await
            .unwrap();
        assert!(alloc.contains("Colleague"), "{l}");
        assert!(!alloc.contains(">Manager<"), "{l}: managers hold no cases");
        let bad = app
            .post_form(
                &manager,
                &format!("/cases/{new_id}/allocation"),
                &[
                    ("csrf_token", manager.csrf.as_str()),
                    ("caseworker_id", &uuid_like()),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let colleague_id = radio_values(&alloc, "caseworker_id")
            .into_iter()
            .zip(alloc.split("radios__label").skip(1))
            .find(|(_, label)| label.contains("Colleague"))
            .map(|(v, _)| v)
            .unwrap();
        let res = app
            .post_form(
                &manager,
                &format!("/cases/{new_id}/allocation"),
                &[
                    ("csrf_token", manager.csrf.as_str()),
                    ("caseworker_id", colleague_id.as_str()),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let triage = app.get(&manager, "/triage").await.text().await.unwrap();
        assert!(triage.contains("No referrals are waiting"), "{l}");
        let colleague = app.sign_in("colleague@example.test").await;
        let home = app.get(&colleague, "/cases").await.text().await.unwrap();
        // The repeat was referred months ago: its first contact is overdue, listed apart
        // from what is due this week.
        let overdue = home
            .split("id=\"tasks-overdue\"")
            .nth(1)
            .and_then(|rest| rest.split("</ul>").next())
            .unwrap_or_default();
        assert!(overdue.contains("First contact, was due"), "{l}: {home}");

        // The team view counts it; caseworkers may not see it.
        let team = app.get(&manager, "/team").await;
        assert_eq!(team.status(), StatusCode::OK, "{l}");
        let team = team.text().await.unwrap();
        assert!(team.contains("id=\"open-cases\">1<"), "{l}: {team}");
        assert!(team.contains("id=\"awaiting\">0<"), "{l}");
        assert!(team.contains("id=\"contacts-per-case\">0.0<"), "{l}");
        assert_eq!(
            app.get(&idva, "/team").await.status(),
            StatusCode::FORBIDDEN,
            "{l}"
        );
    }
}

fn uuid_like() -> String {
    "0190a4c2-0000-7000-8000-000000000000".to_owned()
}

#[tokio::test]
async fn outcome_measures_are_recorded_pre_filled_and_unlock_closure_and_follow_up() {
    for app in apps().await {
        let l = app.label;
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        // The intake form starts from what the case knows: the relationship and one child.
        let form = app
            .get(&idva, &format!("/cases/{id}/measures/intake"))
            .await
            .text()
            .await
            .unwrap();
        assert!(form.contains("value=\"ex_partner\" checked"), "{l}");
        assert!(form.contains("id=\"children_in_household\" name=\"children_in_household\" type=\"text\" value=\"1\""), "{l}");
        let post = |path: String, fields: Vec<(&'static str, &'static str)>| {
            let mut body = vec![("csrf_token", idva.csrf.clone())];
            body.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
            let app = &app;
            let idva = &idva;
            async move {
                let body: Vec<(&str, &str)> = body.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.post_form(idva, &path, &body).await
            }
        };
        let bad = post(
            format!("/cases/{id}/measures/intake"),
            vec![("physical_currency", "current")],
        )
        .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let bad = bad.text().await.unwrap();
        assert!(bad.contains("There is a problem"), "{l}");
        let mut intake = vec![
            ("recorded_on", "2026-01-12"),
            ("relationship", "ex_partner"),
            ("living_with_perpetrator", "no"),
            ("children_in_household", "1"),
            ("physical_currency", "current"),
            ("physical_trend", "getting_worse"),
            ("sexual_currency", "none"),
            ("harassment_and_stalking_currency", "current"),
            ("harassment_and_stalking_trend", "unchanged"),
            ("jealous_and_controlling_currency", "historic"),
            ("fear_of_further_injury", "yes"),
            ("fear_of_being_killed", "yes"),
            ("feeling_frightened", "yes"),
            ("child_contact_conflict", "yes"),
            ("fear_of_harm_to_children", "no"),
            ("threats_to_kill_children", "not_known"),
        ];
        for f in [
            "perpetrator_alcohol",
            "perpetrator_drugs",
            "perpetrator_mental_health",
            "perpetrator_criminal_record",
            "perpetrator_dv_criminal_record",
            "perpetrator_financial_problems",
            "perpetrator_suicide_threats",
        ] {
            intake.push((f, "not_known"));
        }
        let res = post(format!("/cases/{id}/measures/intake"), intake).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{l}: {}",
            res.text().await.unwrap()
        );
        // The review starts from the intake's abuse profile.
        let review = app
            .get(&idva, &format!("/cases/{id}/measures/review"))
            .await
            .text()
            .await
            .unwrap();
        assert!(review.contains("value=\"getting_worse\" checked"), "{l}");
        // A follow-up before closure is refused.
        let early = post(
            format!("/cases/{id}/measures/follow_up"),
            vec![
                ("recorded_on", "2026-02-01"),
                ("abuse_resumed", "no"),
                ("wants_support_again", "no"),
            ],
        )
        .await;
        assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let exit = vec![
            ("recorded_on", "2026-02-20"),
            ("abuse_period", "since_intake"),
            ("physical_rating", "none"),
            ("sexual_rating", "none"),
            ("harassment_and_stalking_rating", "standard"),
            ("jealous_and_controlling_rating", "dont_know"),
            ("feels_safer", "much_safer"),
            ("quality_of_life", "improved"),
            ("ongoing_contact", "yes"),
            ("contact_reason", "child_contact"),
            ("cessation_sustainable", "yes"),
            ("fear_of_further_injury", "no"),
            ("fear_of_being_killed", "no"),
            ("feeling_frightened", "no"),
            ("coping", "better"),
            ("social_networks", "better"),
        ];
        let res = post(format!("/cases/{id}/measures/exit"), exit).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{l}: {}",
            res.text().await.unwrap()
        );
        // With the exit measures recorded, closing needs no excuse.
        let res = post(
            format!("/cases/{id}/close"),
            vec![
                ("closed_on", "2026-03-01"),
                ("reason", "support_completed"),
                ("confirmed", "yes"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let res = post(
            format!("/cases/{id}/measures/follow_up"),
            vec![
                ("recorded_on", "2026-09-01"),
                ("abuse_resumed", "no"),
                ("wants_support_again", "no"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Recorded 12 January 2026"), "{l}");
        assert!(page.contains("Recorded 1 September 2026"), "{l}");
        assert!(
            !page.contains("Six-month follow-up: "),
            "{l}: the follow-up is no longer due"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The public self-referral form
// ---------------------------------------------------------------------------------------

/// One app per back end with the self-referral form sending to the Idva service, on a
/// clock the test moves by hand.
async fn self_referral_apps() -> Vec<(TestApp, ManualTime)> {
    let mut out = Vec::new();
    for t in all_backends().await.unwrap() {
        let time: ManualTime =
            std::sync::Arc::new(std::sync::Mutex::new(time::OffsetDateTime::now_utc()));
        let config = waymark_web::WebConfig {
            clock: waymark_web::Clock::manual(time.clone()),
            ..waymark_web::WebConfig::default()
        };
        let mut app = TestApp::spawn_configured(t, config, true).await;
        app.clock = Some(time.clone());
        out.push((app, time));
    }
    out
}

/// What a survivor types; every value is distinctive, so an echo is easy to find.
const SELF_REFERRAL: [(&str, &str); 7] = [
    ("immediate_danger", "no"),
    ("given_name", "Selfina"),
    ("family_name", "Refermark"),
    ("safe_phone", "07700 900777"),
    ("safe_times", "Tuesdays after nine SRTIMES"),
    ("voicemail_safe", "no"),
    ("whats_happening", "He took my keys SRSTORY"),
];

impl TestApp {
    async fn send_self_referral(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url("/self-referral"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn newest_audit_seq(&self) -> i64 {
        let rows = self._store.store.recent_audit(1).await.unwrap();
        rows.first().map(|r| r.seq).unwrap_or(0)
    }
}

#[tokio::test]
async fn the_self_referral_form_is_public_neutral_and_offers_a_quick_exit() {
    for (app, _) in self_referral_apps().await {
        let l = app.label;
        let res = app
            .client
            .get(app.url("/self-referral"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{l}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{l}");
        assert!(
            res.headers().get(SET_COOKIE).is_none(),
            "{l}: the form leaves no cookie on the device"
        );
        let page = res.text().await.unwrap();
        assert!(
            page.contains("<title>Contact form – Waymark</title>"),
            "{l}: a neutral title"
        );
        assert!(page.contains("data-module=\"govuk-exit-this-page\""), "{l}");
        assert!(
            page.contains(
                "href=\"https://www.bbc.co.uk/weather\" role=\"button\" draggable=\"false\" \
                 class=\"govuk-button govuk-button--warning govuk-exit-this-page__button \
                 govuk-js-exit-this-page-button\" data-module=\"govuk-button\" \
                 rel=\"nofollow noreferrer\""
            ),
            "{l}: the exit link goes to a neutral site"
        );
        assert!(page.contains("Shift key 3 times"), "{l}");
        assert!(page.contains("0808 2000 247"), "{l}");
        assert!(page.contains("call 999"), "{l}");
        assert!(page.contains("autocomplete=\"off\""), "{l}");
        assert!(!page.contains("<script>"), "{l}: no inline script");
        // Signed in, it is the same form (no staff navigation, nothing about the user).
        let idva = app.sign_in("idva@example.test").await;
        let res = app.get(&idva, "/self-referral").await;
        assert_eq!(res.status(), StatusCode::OK, "{l}");
        let signed_in = res.text().await.unwrap();
        assert!(!signed_in.contains("Signed in as"), "{l}");
        assert!(signed_in.contains("govuk-exit-this-page"), "{l}");
        let sent = app
            .client
            .get(app.url("/self-referral/sent"))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::OK, "{l}");
        assert!(
            sent.text().await.unwrap().contains("govuk-exit-this-page"),
            "{l}"
        );
    }
}

#[tokio::test]
async fn a_self_referral_waits_in_triage_and_is_never_echoed_back() {
    for (app, _) in self_referral_apps().await {
        let l = app.label;
        let res = app.send_self_referral(&SELF_REFERRAL).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        assert_eq!(res.headers()[LOCATION], "/self-referral/sent", "{l}");
        assert!(res.headers().get(SET_COOKIE).is_none(), "{l}");
        let mut seen: String = res
            .headers()
            .iter()
            .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
            .collect();
        seen.push_str(&res.text().await.unwrap());
        let sent = app
            .client
            .get(app.url("/self-referral/sent"))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::OK, "{l}");
        let sent = sent.text().await.unwrap();
        assert!(sent.contains("Message sent"), "{l}");
        seen.push_str(&sent);
        for (_, value) in SELF_REFERRAL
            .iter()
            .filter(|(k, _)| !matches!(*k, "immediate_danger" | "voicemail_safe"))
        {
            assert!(!seen.contains(value), "{l}: {value} was echoed back");
        }

        // Audited in the same transaction, with no actor.
        let newest = app._store.store.recent_audit(1).await.unwrap();
        let row = &newest[0];
        assert_eq!(
            (row.action.as_str(), row.outcome.as_str(), row.actor_user_id),
            ("referral.self", "allowed", None),
            "{l}"
        );
        let case_id = row.object_id.clone().unwrap();

        // The Idva service's triage queue has it, as a self-referral.
        let manager = app.sign_in("manager@example.test").await;
        let triage = app.get(&manager, "/triage").await.text().await.unwrap();
        assert!(triage.contains(&format!("/cases/{case_id}")), "{l}");
        assert!(triage.contains("Selfina Refermark"), "{l}");
        assert!(triage.contains("Self-referral"), "{l}");
        let page = app
            .get(&manager, &format!("/cases/{case_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Awaiting allocation"), "{l}");
        assert!(page.contains("DA Service (Self-referral)"), "{l}");
        assert!(page.contains("He took my keys SRSTORY"), "{l}");
        assert!(page.contains("Do not leave a voicemail"), "{l}");
        assert!(page.contains("Do not send post"), "{l}");
        assert!(
            page.contains("<dt class=\"govuk-summary-list__key\">Perpetrator</dt>\n    <dd class=\"govuk-summary-list__value\">Not given</dd>"),
            "{l}"
        );
        let log = app
            .get(&manager, &format!("/cases/{case_id}/access-log"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            log.contains("Opened from the public self-referral form"),
            "{l}"
        );
        // The safe contact details are sealed and restricted, like any referral's.
        assert!(!page.contains("07700 900777"), "{l}");
        let idva = app.sign_in("idva@example.test").await;
        let revealed = app
            .post_json(
                &idva,
                &format!("/api/v1/cases/{case_id}/safe-contact"),
                &json!({}),
            )
            .await;
        assert_eq!(revealed.status(), StatusCode::OK, "{l}");
        let revealed = revealed.text().await.unwrap();
        assert!(revealed.contains("07700 900777"), "{l}");
        assert!(revealed.contains("Tuesdays after nine SRTIMES"), "{l}");

        // With no safe number, no voicemail answer is needed and the case says not to call.
        let res = app
            .send_self_referral(&[
                ("immediate_danger", "yes"),
                ("given_name", "Nophone"),
                ("no_safe_phone", "yes"),
            ])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let rows = app._store.store.recent_audit(1).await.unwrap();
        let id = rows[0].object_id.clone().unwrap();
        let page = app
            .get(&manager, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("None given – do not call"), "{l}");
    }
}

#[tokio::test]
async fn an_invalid_or_cross_site_self_referral_saves_nothing() {
    for (app, _) in self_referral_apps().await {
        let l = app.label;
        let before = app.newest_audit_seq().await;
        let res = app
            .send_self_referral(&[
                ("immediate_danger", "yes"),
                ("family_name", "Refermark"),
                ("safe_phone", "not a number"),
            ])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let page = res.text().await.unwrap();
        assert!(page.contains("govuk-error-summary"), "{l}");
        assert!(
            page.contains("<title>Error: Contact form – Waymark</title>"),
            "{l}"
        );
        assert!(page.contains("href=\"#given_name\""), "{l}");
        assert!(page.contains("href=\"#safe_phone\""), "{l}");
        assert!(page.contains("href=\"#voicemail_safe\""), "{l}");
        // They said they are in danger: the page tells them to call 999 before the form.
        assert!(page.contains("id=\"call-999\""), "{l}");
        // What they typed is kept for them to correct.
        assert!(page.contains("value=\"Refermark\""), "{l}");

        // A form posted from another site is refused, even when valid.
        let res = app
            .client
            .post(app.url("/self-referral"))
            .header("sec-fetch-site", "cross-site")
            .form(&SELF_REFERRAL)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{l}");

        assert_eq!(app.newest_audit_seq().await, before, "{l}: nothing written");
        let manager = app.sign_in("manager@example.test").await;
        let triage = app.get(&manager, "/triage").await.text().await.unwrap();
        assert!(
            triage.contains("No referrals are waiting for allocation"),
            "{l}"
        );
    }
}

#[tokio::test]
async fn the_self_referral_form_is_off_unless_a_service_receives_it() {
    for app in apps().await {
        let l = app.label;
        for res in [
            app.client
                .get(app.url("/self-referral"))
                .send()
                .await
                .unwrap(),
            app.send_self_referral(&SELF_REFERRAL).await,
            app.client
                .get(app.url("/self-referral/sent"))
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{l}");
        }
    }
}

#[tokio::test]
async fn self_referrals_are_throttled_per_address() {
    for (app, time) in self_referral_apps().await {
        let l = app.label;
        for n in 1..=5 {
            let res = app.send_self_referral(&SELF_REFERRAL).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}: submission {n}");
            advance(&time, time::Duration::minutes(5));
        }
        let before = app.newest_audit_seq().await;
        let res = app.send_self_referral(&SELF_REFERRAL).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{l}");
        assert_eq!(res.headers()["retry-after"], "3600", "{l}");
        let page = res.text().await.unwrap();
        assert!(page.contains("Please try again later"), "{l}");
        assert!(page.contains("0808 2000 247"), "{l}");
        assert!(!page.contains("Selfina"), "{l}");
        assert_eq!(
            app.newest_audit_seq().await,
            before,
            "{l}: a throttled attempt writes nothing"
        );
        // An hour after the first, one more may go.
        advance(&time, time::Duration::minutes(36));
        let res = app.send_self_referral(&SELF_REFERRAL).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let res = app.send_self_referral(&SELF_REFERRAL).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{l}");
        // Sign-in has its own count: the address can still sign in.
        app.sign_in("idva@example.test").await;
    }
}

#[tokio::test]
async fn a_safety_plan_is_versioned_suggested_by_the_dash_and_printed_without_names() {
    for app in apps().await {
        let l = app.label;
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let dash = dash_form(&idva.csrf, 3, "0");
        let dash: Vec<(&str, &str)> = dash.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let res = app
            .post_form(&idva, &format!("/cases/{id}/dash"), &dash)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        // The form suggests the risks the Dash answered "yes".
        let form = app
            .get(&idva, &format!("/cases/{id}/safety-plan/edit"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            form.contains("name=\"risk_3_dash_item\" value=\"q3\""),
            "{l}"
        );
        assert!(
            form.contains("name=\"risk_4_dash_item\" value=\"\""),
            "{l}: three yes"
        );
        // Bad input names every slot and saves nothing.
        let bad = app
            .post_form(
                &idva,
                &format!("/cases/{id}/safety-plan"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("risk_1", "Handovers"),
                    ("risk_1_action_1", "Contact centre"),
                    (
                        "risk_1_action_1_owner",
                        "0190a4c2-0000-7000-8000-000000000000",
                    ),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        assert!(
            bad.text()
                .await
                .unwrap()
                .contains("Select who will do the action"),
            "{l}"
        );
        let plan = app
            .get(&idva, &format!("/cases/{id}/safety-plan"))
            .await
            .text()
            .await
            .unwrap();
        assert!(plan.contains("No safety plan has been made"), "{l}");
        let save = |due: &'static str, done: Option<&'static str>| {
            let mut f = vec![
                ("csrf_token", idva.csrf.clone()),
                ("review_on", "2099-01-31".to_owned()),
                ("risk_1", "He waits outside her work".to_owned()),
                (
                    "risk_1_action_1",
                    "Ask the employer about a safe exit".to_owned(),
                ),
                ("risk_1_action_1_owner", "idva".to_owned()),
                ("risk_1_action_1_due_on", due.to_owned()),
                ("risk_1_action_2", "Report every sighting".to_owned()),
                ("risk_1_action_2_owner", app.referrer_id.to_string()),
            ];
            if let Some(d) = done {
                f.push(("risk_1_action_1_done", d.to_owned()));
            }
            f
        };
        for (due, done) in [("2026-02-01", None), ("2026-02-01", Some("yes"))] {
            let f = save(due, done);
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app
                .post_form(&idva, &format!("/cases/{id}/safety-plan"), &f)
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
            if done.is_none() {
                // An overdue action is on the caseworker's list.
                let home = app.get(&idva, "/cases").await.text().await.unwrap();
                assert!(
                    home.contains("Safety plan action, was due 1 February 2026"),
                    "{l}"
                );
                assert!(home.contains("Overdue on your cases"), "{l}");
            }
        }
        let plan = app
            .get(&idva, &format!("/cases/{id}/safety-plan"))
            .await
            .text()
            .await
            .unwrap();
        assert!(plan.contains("Version 2, saved by Idva"), "{l}");
        assert!(
            plan.contains("Version 1, saved by Idva"),
            "{l}: the earlier version is listed"
        );
        assert!(plan.contains("Police"), "{l}: the agency is named");
        let home = app.get(&idva, "/cases").await.text().await.unwrap();
        assert!(
            !home.contains("Safety plan action"),
            "{l}: a done action is not due"
        );
        // The printed copy: the open actions, and nothing that identifies anyone.
        let print = app
            .get(&idva, &format!("/cases/{id}/safety-plan/print"))
            .await;
        assert_eq!(print.status(), StatusCode::OK, "{l}");
        let print = print.text().await.unwrap();
        assert!(print.contains("<title>My plan</title>"), "{l}");
        assert!(print.contains("Report every sighting"), "{l}");
        assert!(
            !print.contains("Ask the employer"),
            "{l}: done actions are left off"
        );
        for secret in [
            "Zelda",
            "Markerton",
            "Perry",
            "Sample",
            "WM-",
            "Waymark",
            "DA Service",
        ] {
            assert!(
                !print.contains(secret),
                "{l}: the printed plan contains {secret}"
            );
        }
        // A manager reads the plan but cannot change it.
        let manager = app.sign_in("manager@example.test").await;
        assert_eq!(
            app.get(&manager, &format!("/cases/{id}/safety-plan"))
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            app.get(&manager, &format!("/cases/{id}/safety-plan/edit"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn someone_who_says_they_are_in_danger_heads_the_triage_queue() {
    for (app, _) in self_referral_apps().await {
        let l = app.label;
        let mut calm = SELF_REFERRAL;
        calm[1] = ("given_name", "Calmfirst");
        let mut danger = SELF_REFERRAL;
        danger[0] = ("immediate_danger", "yes");
        danger[1] = ("given_name", "Dangersecond");
        for form in [calm, danger] {
            let res = app.send_self_referral(&form).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        }
        let danger_case = app._store.store.recent_audit(1).await.unwrap()[0]
            .object_id
            .clone()
            .unwrap();
        let manager = app.sign_in("manager@example.test").await;
        let triage = app.get(&manager, "/triage").await.text().await.unwrap();
        let first = triage.find("Dangersecond").unwrap();
        let second = triage.find("Calmfirst").unwrap();
        assert!(first < second, "{l}: the referral in danger comes first");
        assert_eq!(triage.matches("Said they are in danger").count(), 1, "{l}");
        let page = app
            .get(&manager, &format!("/cases/{danger_case}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("the victim said they were in immediate danger"),
            "{l}"
        );
    }
}

#[tokio::test]
async fn children_and_linked_people_are_added_and_schools_are_shown_only_on_a_reveal() {
    const SCHOOL: &str = "Hillside Markerschool Primary";
    for app in apps().await {
        let l = app.label;
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let people = |case: &Value| case["people"].as_array().unwrap().len();
        let case_json = |who: &Signed| {
            let (client, url, cookie) = (
                app.client.clone(),
                app.url(&format!("/api/v1/cases/{id}")),
                who.cookie.clone(),
            );
            async move {
                let res = client
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap();
                res.text().await.unwrap()
            }
        };
        let before = people(&serde_json::from_str(&case_json(&idva).await).unwrap());

        let form = app.get(&idva, &format!("/cases/{id}/people/new")).await;
        assert_eq!(form.status(), StatusCode::OK, "{l}");
        let form = form.text().await.unwrap();
        assert!(form.contains("Add a child or linked person"), "{l}");
        assert!(form.contains("School or nursery (optional)"), "{l}");
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!("href=\"/cases/{id}/people/new\"")),
            "{l}: the case page links to the form"
        );

        // Bad input: every problem named, nothing saved.
        let add = format!("/cases/{id}/people");
        let bad = app
            .post_form(
                &idva,
                &add,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("role", "lodger"),
                    ("given_name", ""),
                    ("family_name", "Markerton"),
                    ("school", SCHOOL),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        let bad = bad.text().await.unwrap();
        assert!(bad.contains("There is a problem"), "{l}");
        assert!(bad.contains("href=\"#role\""), "{l}");
        assert!(bad.contains("Enter the first name"), "{l}");
        // A date of birth in the future is refused.
        let future = (time::OffsetDateTime::now_utc().date() + time::Duration::days(3)).to_string();
        let bad = app
            .post_form(
                &idva,
                &add,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("role", "child"),
                    ("given_name", "Robin"),
                    ("family_name", "Markerton"),
                    ("date_of_birth", future.as_str()),
                    ("school", SCHOOL),
                ],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY, "{l}");
        assert!(
            bad.text()
                .await
                .unwrap()
                .contains("The date of birth must be today or in the past"),
            "{l}"
        );
        let after = people(&serde_json::from_str(&case_json(&idva).await).unwrap());
        assert_eq!(after, before, "{l}: nothing saved");

        // A child with a school, and a linked adult.
        let born = time::OffsetDateTime::now_utc().date() - time::Duration::days(7 * 365 + 100);
        let born = born.to_string();
        let res = app
            .post_form(
                &idva,
                &add,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("role", "child"),
                    ("given_name", "Robin"),
                    ("family_name", "Markerton"),
                    ("date_of_birth", born.as_str()),
                    ("lives_with", "both"),
                    ("school", SCHOOL),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        assert_eq!(
            res.headers()[LOCATION],
            format!("/cases/{id}?saved=linked-person").as_str()
        );
        let row = &app._store.store.recent_audit(1).await.unwrap()[0];
        assert_eq!(
            (row.action.as_str(), row.outcome.as_str()),
            ("case.person.add", "allowed"),
            "{l}"
        );
        assert_eq!(row.object_id.as_deref(), Some(id.as_str()), "{l}");
        let res = app
            .post_form(
                &idva,
                &add,
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("role", "linked"),
                    ("given_name", "Sam"),
                    ("family_name", "Newpartner"),
                    ("relationship", "Her new partner"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");

        // The case page: ages, who the child lives with, that a school is recorded, and
        // never the school itself.
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Robin Markerton, aged 7 (born "), "{l}");
        assert!(page.contains("lives with both"), "{l}");
        assert!(page.contains("School or nursery recorded (hidden)"), "{l}");
        assert!(
            page.contains("Kit Markerton, aged "),
            "{l}: the referral's child too"
        );
        assert!(page.contains("Other linked people"), "{l}");
        assert!(page.contains("Her new partner"), "{l}");
        assert!(page.contains("Sam Newpartner"), "{l}");
        assert!(page.contains("Show schools and nurseries"), "{l}");
        assert!(!page.contains(SCHOOL), "{l}: the school is restricted");
        let api = case_json(&idva).await;
        assert!(!api.contains(SCHOOL), "{l}: not in the case JSON either");
        let api: Value = serde_json::from_str(&api).unwrap();
        assert_eq!(people(&api), before + 2, "{l}");
        let robin = api["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["given_name"] == "Robin")
            .unwrap();
        assert_eq!(robin["role"], "child");
        assert_eq!(robin["school_recorded"], true);

        // A manager sees the case, never the school, and may not add people.
        let manager = app.sign_in("manager@example.test").await;
        let page = app
            .get(&manager, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Robin Markerton"), "{l}");
        assert!(!page.contains(SCHOOL), "{l}");
        assert!(!page.contains("Show schools and nurseries"), "{l}");
        assert!(
            page.contains("only the staff who contact the victim"),
            "{l}"
        );
        assert!(!page.contains("/people/new"), "{l}");
        assert!(!case_json(&manager).await.contains(SCHOOL), "{l}");
        assert_eq!(
            app.get(&manager, &format!("/cases/{id}/people/new"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{l}"
        );
        let refused = app
            .post_form(
                &manager,
                &add,
                &[
                    ("csrf_token", manager.csrf.as_str()),
                    ("role", "child"),
                    ("given_name", "Manny"),
                    ("family_name", "Markerton"),
                ],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{l}");
        let row = &app._store.store.recent_audit(1).await.unwrap()[0];
        assert_eq!(
            (row.action.as_str(), row.outcome.as_str()),
            ("case.person.add", "denied"),
            "{l}"
        );
        let reveal = app
            .post_form(
                &manager,
                &format!("/cases/{id}/safe-contact"),
                &[("csrf_token", manager.csrf.as_str())],
            )
            .await;
        assert_eq!(reveal.status(), StatusCode::NOT_FOUND, "{l}");
        assert!(!reveal.text().await.unwrap().contains(SCHOOL), "{l}");
        let after = people(&serde_json::from_str(&case_json(&idva).await).unwrap());
        assert_eq!(after, before + 2, "{l}: the manager added nobody");

        // Revealed on purpose, by the caseworker: the school is there, and audited.
        let revealed = app
            .post_form(
                &idva,
                &format!("/cases/{id}/safe-contact"),
                &[("csrf_token", idva.csrf.as_str())],
            )
            .await;
        assert_eq!(revealed.status(), StatusCode::OK, "{l}");
        let revealed = revealed.text().await.unwrap();
        assert!(revealed.contains("id=\"schools\""), "{l}");
        assert!(revealed.contains(SCHOOL), "{l}");
        assert!(
            revealed.contains("07700 900456"),
            "{l}: with the safe phone"
        );
        let row = &app._store.store.recent_audit(2).await.unwrap();
        assert!(
            row.iter()
                .any(|r| r.action == "restricted.reveal" && r.outcome == "allowed"),
            "{l}"
        );
        let api = app
            .post_json(
                &idva,
                &format!("/api/v1/cases/{id}/safe-contact"),
                &json!({}),
            )
            .await;
        assert_eq!(api.status(), StatusCode::OK, "{l}");
        let api: Value = api.json().await.unwrap();
        assert_eq!(api["schools"][0]["school"], SCHOOL, "{l}");
        assert_eq!(api["schools"][0]["child_name"], "Robin Markerton", "{l}");
        assert_eq!(api["schools"].as_array().unwrap().len(), 1, "{l}");

        // Emergency access reads the case, never a school.
        let case: Value = serde_json::from_str(&case_json(&idva).await).unwrap();
        let reference = case["reference"].as_str().unwrap().to_owned();
        let officer = app.sign_in("officer@example.test").await;
        let granted = app
            .post_form(
                &officer,
                "/emergency-access",
                &[
                    ("csrf_token", officer.csrf.as_str()),
                    ("reference", reference.as_str()),
                    ("reason", "Police attending an incident now"),
                ],
            )
            .await;
        assert_eq!(granted.status(), StatusCode::SEE_OTHER, "{l}");
        let page = app.get(&officer, &format!("/cases/{id}")).await;
        assert_eq!(page.status(), StatusCode::OK, "{l}");
        let page = page.text().await.unwrap();
        assert!(page.contains("Robin Markerton"), "{l}");
        assert!(!page.contains(SCHOOL), "{l}");
        assert!(!page.contains("Show schools and nurseries"), "{l}");
        assert!(!case_json(&officer).await.contains(SCHOOL), "{l}");
        assert_eq!(
            app.get(&officer, &format!("/cases/{id}/people/new"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{l}: emergency access is read-only"
        );
    }
}

#[tokio::test]
async fn a_repeat_case_keeps_the_earlier_cases_exclusions() {
    for app in apps().await {
        let l = app.label;
        let idva = app.sign_in("idva@example.test").await;
        let colleague = app.sign_in("colleague@example.test").await;
        let id = app.create_case(&idva).await;
        let colleague_id = app
            .get(&colleague, "/api/v1/me")
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/exclusions"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "user"),
                    ("excluded_user_id", colleague_id.as_str()),
                    ("reason", "Lives on the same street"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/close"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("closed_on", "2026-02-01"),
                    ("reason", "could_not_contact"),
                    ("reason_detail", "No answer for three weeks"),
                    ("exit_not_taken_reason", "Could not be reached"),
                    ("confirmed", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{id}/repeat"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("referred_on", "2026-05-01"),
                    ("route", "police"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}");
        let repeat = res.headers()[LOCATION].to_str().unwrap().to_owned();
        assert_eq!(
            app.get(&colleague, &repeat).await.status(),
            StatusCode::NOT_FOUND,
            "{l}"
        );
        let triage = app.get(&colleague, "/triage").await.text().await.unwrap();
        assert!(
            !triage.contains("Zelda"),
            "{l}: the excluded colleague's triage"
        );
        assert!(
            app.get(&idva, &repeat)
                .await
                .text()
                .await
                .unwrap()
                .contains("Lives on the same street")
        );
    }
}

#[tokio::test]
async fn the_team_view_measures_referral_to_first_contact() {
    for app in apps().await {
        let l = app.label;
        let idva = app.sign_in("idva@example.test").await;
        let today = time::OffsetDateTime::now_utc().date();
        let day = |ago: i64| (today - time::Duration::days(ago)).to_string();
        // Two referrals a fortnight ago: one reached the next day, one only yesterday.
        for (late, spoke) in [(false, 13), (true, 1)] {
            let mut body = app.referral_json();
            body["referral"]["referred_on"] = json!(day(14));
            let res = app.post_json(&idva, "/api/v1/referrals", &body).await;
            assert_eq!(res.status(), StatusCode::CREATED, "{l}");
            let id = res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let on = day(spoke);
            let res = app
                .post_form(
                    &idva,
                    &format!("/cases/{id}/contacts"),
                    &[
                        ("csrf_token", idva.csrf.as_str()),
                        ("contact_on", on.as_str()),
                        ("kind", "phone"),
                        ("outcome", "spoke"),
                        ("significant", "yes"),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}: late {late}");
        }
        let manager = app.sign_in("manager@example.test").await;
        let team = app.get(&manager, "/team").await.text().await.unwrap();
        assert!(
            team.contains("<strong>50%</strong> of 2 within the standard"),
            "{l}: {team}"
        );
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_is_throttled_on_their_own() {
    for t in all_backends().await.unwrap() {
        let config = waymark_web::WebConfig {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..waymark_web::WebConfig::default()
        };
        let app = TestApp::spawn_configured(t, config, true).await;
        let l = app.label;
        let send = |from: &'static str| {
            app.client
                .post(app.url("/self-referral"))
                .header("x-forwarded-for", from)
                .form(&SELF_REFERRAL)
                .send()
        };
        for n in 1..=5 {
            let res = send("198.51.100.7").await.unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{l}: submission {n}");
        }
        assert_eq!(
            send("198.51.100.7").await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{l}"
        );
        // Another visitor behind the same proxy is not held up by the first.
        assert_eq!(
            send("203.0.113.20").await.unwrap().status(),
            StatusCode::SEE_OTHER,
            "{l}"
        );
        // A forged left-hand entry does not help: the proxy appended the real address.
        assert_eq!(
            send("192.0.2.1, 198.51.100.7").await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{l}"
        );
    }
}

#[tokio::test]
async fn the_case_page_shows_its_retention_review_date_when_the_service_sets_one() {
    for t in all_backends().await.unwrap() {
        let config = waymark_web::WebConfig {
            retention_case_months: Some(72),
            ..waymark_web::WebConfig::default()
        };
        let app = TestApp::spawn_with(t, config).await;
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
        let due = waymark_domain::retention::due_on(today, 72);
        let due_text = format!("{} {} {}", due.day(), due.month(), due.year());
        assert!(
            page.contains("Open cases are never deleted"),
            "{}: {page}",
            app.label
        );
        assert!(
            page.contains(&format!("due for review from {due_text} (72 months)")),
            "{}",
            app.label
        );
    }
    // Without a schedule, nothing is claimed.
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        let page = app
            .get(&idva, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!page.contains("id=\"retention\""), "{}", app.label);
    }
}

async fn case_reference(app: &TestApp, who: &Signed, id: &str) -> String {
    app.get(who, &format!("/api/v1/cases/{id}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_data_protection_officer_sees_who_looked_and_what_staff_opened_never_the_case() {
    for app in apps().await {
        let idva = app.sign_in("idva@example.test").await;
        let officer = app.sign_in("officer@example.test").await;
        let dpo = app.sign_in("dpo@example.test").await;
        let ours = app.create_case(&idva).await;
        let theirs = app.create_case(&officer).await;
        let hidden = app.create_case(&idva).await;
        let (ours_ref, theirs_ref, hidden_ref) = (
            case_reference(&app, &idva, &ours).await,
            case_reference(&app, &officer, &theirs).await,
            case_reference(&app, &idva, &hidden).await,
        );
        // The police officer tries our case (refused); the Idva excludes the data protection
        // officer from `hidden`.
        assert_eq!(
            app.get(&officer, &format!("/cases/{ours}")).await.status(),
            StatusCode::NOT_FOUND
        );
        let home = app.get(&dpo, "/data-protection").await;
        assert_eq!(home.status(), StatusCode::OK, "{}", app.label);
        let home = home.text().await.unwrap();
        let dpo_id = {
            let end = home
                .find("\">Review activity<span class=\"govuk-visually-hidden\"> of Data Officer")
                .unwrap();
            let start = home[..end].rfind("/data-protection/staff/").unwrap() + 23;
            home[start..end].to_owned()
        };
        let res = app
            .post_form(
                &idva,
                &format!("/cases/{hidden}/exclusions"),
                &[
                    ("csrf_token", idva.csrf.as_str()),
                    ("kind", "user"),
                    ("excluded_user_id", dpo_id.as_str()),
                    ("reason", "Knows the family personally"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", app.label);

        // Never the case itself.
        assert_eq!(
            app.get(&dpo, &format!("/cases/{ours}")).await.status(),
            StatusCode::NOT_FOUND
        );
        // The log of our case, found by reference: who looked, and the refusal.
        let found = app
            .post_form(
                &dpo,
                "/data-protection/access-log",
                &[
                    ("csrf_token", dpo.csrf.as_str()),
                    ("reference", ours_ref.as_str()),
                ],
            )
            .await;
        assert_eq!(found.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let log_path = format!("/cases/{ours}/access-log");
        assert_eq!(found.headers()[LOCATION], log_path.as_str());
        let log = app.get(&dpo, &log_path).await;
        assert_eq!(log.status(), StatusCode::OK);
        let log = log.text().await.unwrap();
        assert!(
            log.contains("Officer") && log.contains("Refused"),
            "{}",
            app.label
        );
        assert!(
            !log.contains("Zelda") && !log.contains("Markerton"),
            "no case content"
        );
        // Another agency's case, an excluded case and a made-up reference look the same.
        let mut answers = Vec::new();
        for r in [theirs_ref.as_str(), hidden_ref.as_str(), "WM-1999-99999"] {
            let res = app
                .post_form(
                    &dpo,
                    "/data-protection/access-log",
                    &[("csrf_token", dpo.csrf.as_str()), ("reference", r)],
                )
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{r}");
            let body = res.text().await.unwrap();
            assert!(body.contains("no case with that reference"));
            answers.push(body.replace(r, ""));
        }
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[1], answers[2]);
        assert_eq!(
            app.get(&dpo, &format!("/cases/{hidden}/access-log"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );

        // What the Idva has opened: our case by reference, the excluded one not at all.
        let idva_id = {
            let end = home
                .find("\">Review activity<span class=\"govuk-visually-hidden\"> of Idva")
                .unwrap();
            let start = home[..end].rfind("/data-protection/staff/").unwrap() + 23;
            home[start..end].to_owned()
        };
        let activity = app
            .get(&dpo, &format!("/data-protection/staff/{idva_id}"))
            .await;
        assert_eq!(activity.status(), StatusCode::OK);
        let activity = activity.text().await.unwrap();
        assert!(activity.contains(&ours_ref), "{}", app.label);
        assert!(
            !activity.contains(&hidden_ref),
            "an excluded case is left out"
        );
        assert!(!activity.contains(&hidden), "an excluded case is left out");
        assert!(!activity.contains("Zelda"));
        // Another agency's staff are not the officer's to review; other roles never are.
        let officer_id = app
            .get(&officer, "/api/v1/me")
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.get(&dpo, &format!("/data-protection/staff/{officer_id}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        let manager = app.sign_in("manager@example.test").await;
        assert_eq!(
            app.get(&manager, &format!("/data-protection/staff/{idva_id}"))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        // When the Idva is refused another agency's case, her review names that agency,
        // never the case.
        assert_eq!(
            app.get(&idva, &format!("/cases/{theirs}")).await.status(),
            StatusCode::NOT_FOUND
        );
        let activity = app
            .get(&dpo, &format!("/data-protection/staff/{idva_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(activity.contains("A case held by Police"), "{}", app.label);
        assert!(!activity.contains(&theirs_ref));
    }
}

#[tokio::test]
async fn metrics_need_their_token_and_hold_no_personal_data() {
    const TOKEN: &str = "a-metrics-token-of-at-least-32-characters";
    // Off by default: the same 404 as any unknown page.
    let off = TestApp::spawn(waymark_store::testing::sqlite().await.unwrap()).await;
    let res = off
        .client
        .get(off.url("/metrics"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    for t in all_backends().await.unwrap() {
        let app = TestApp::spawn_with(
            t,
            waymark_web::WebConfig {
                metrics_token: Some(TOKEN.into()),
                ..waymark_web::WebConfig::default()
            },
        )
        .await;
        let idva = app.sign_in("idva@example.test").await;
        let id = app.create_case(&idva).await;
        assert_eq!(
            app.get(&idva, &format!("/cases/{id}")).await.status(),
            StatusCode::OK
        );
        let search = app
            .post_form(
                &idva,
                "/cases",
                &[("csrf_token", idva.csrf.as_str()), ("search", "Markerton")],
            )
            .await;
        assert_eq!(search.status(), StatusCode::OK);
        for auth in [
            None,
            Some("Bearer wrong-token".to_owned()),
            Some(TOKEN.to_owned()),
        ] {
            let mut req = app.client.get(app.url("/metrics"));
            if let Some(a) = auth.as_deref() {
                req = req.header("authorization", a);
            }
            assert_eq!(
                req.send().await.unwrap().status(),
                StatusCode::NOT_FOUND,
                "{auth:?}"
            );
        }
        let res = app
            .client
            .get(app.url("/metrics"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", app.label);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = res.text().await.unwrap();
        assert!(text.contains("waymark_up 1"));
        assert!(text.contains(
            "waymark_http_requests_total{method=\"GET\",route=\"/cases/{case_id}\",status=\"200\"} 1"
        ), "{text}");
        assert!(text.contains(
            "waymark_http_requests_total{method=\"POST\",route=\"/api/v1/referrals\",status=\"201\"} 1"
        ));
        // Templates, never paths: no case id, no name, no search term.
        for secret in [
            id.as_str(),
            "Zelda",
            "Markerton",
            "Perry",
            "idva@example.test",
        ] {
            assert!(
                !text.contains(secret),
                "{}: metrics contain {secret}",
                app.label
            );
        }
    }
}
