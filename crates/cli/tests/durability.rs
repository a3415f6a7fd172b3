//! Kill -9 during concurrent writes: every write the server acknowledged survives the
//! restart, nothing is half-written, and the database and audit chain check out.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use waymark_store::Store;
use waymark_store::audit::ChainCheck;
use waymark_store::crypto::Keyring;

/// Starts the demo server on a free port and returns it with its address.
fn start(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_waymark"))
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "serve",
            "--demo",
            "--addr",
            "127.0.0.1:0",
        ])
        .env_remove("DATABASE_URL")
        .env("WAYMARK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(url) = line.strip_prefix("Waymark is listening on ") {
            break url.to_owned();
        }
    };
    (child, url)
}

fn cookie(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned()
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap() + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

/// The first option's value of a select in a page.
fn first_option(body: &str, select: &str) -> String {
    let at = body.find(&format!("name=\"{select}\"")).unwrap();
    let rest = &body[at..];
    let opt = rest.find("<option value=\"\"").unwrap();
    let after = &rest[opt + 10..];
    let next = after.find("<option value=\"").unwrap() + "<option value=\"".len();
    after[next..].split('"').next().unwrap().to_owned()
}

async fn sign_in(client: &reqwest::Client, url: &str) -> (String, String, Value) {
    let page = client.get(format!("{url}/sign-in")).send().await.unwrap();
    let signin = cookie(&page, "__Host-waymark-signin");
    let token = hidden(&page.text().await.unwrap(), "signin_token");
    let res = client
        .post(format!("{url}/sign-in"))
        .header("cookie", &signin)
        .form(&[
            ("signin_token", token.as_str()),
            ("email", "idva@demo.waymark.test"),
            ("password", "demo-caseworker-1-northmoor"),
        ])
        .send()
        .await
        .unwrap();
    let session = cookie(&res, "__Host-waymark-session");
    let form = client
        .get(format!("{url}/referrals/new"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let me: Value = client
        .get(format!("{url}/api/v1/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({
        "marac_id": first_option(&form, "marac_id"),
        "referral": {
            "victim_given_name": "Durable", "victim_family_name": "Example",
            "perpetrator_given_name": "Perry", "perpetrator_family_name": "Sample",
            "relationship": "ex_partner", "referring_agency_id": first_option(&form, "referring_agency_id"),
            "route": "police", "referred_on": "2026-01-10", "consent": "given",
            "victim_aware": "yes", "voicemail_safe": "no", "post_safe": "no"
        }
    });
    (session, me["csrf_token"].as_str().unwrap().to_owned(), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..3 {
        let (mut server, url) = start(dir.path());
        let (session, csrf, body) = sign_in(&client, &url).await;
        let mut writers = Vec::new();
        for _ in 0..4 {
            let (client, url, session, csrf, body) = (
                client.clone(),
                url.clone(),
                session.clone(),
                csrf.clone(),
                body.clone(),
            );
            writers.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                loop {
                    let res = client
                        .post(format!("{url}/api/v1/referrals"))
                        .header("cookie", &session)
                        .header("x-csrf-token", &csrf)
                        .json(&body)
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == 201 => match r.json::<Value>().await {
                            Ok(v) => ids.push(v["id"].as_str().unwrap().to_owned()),
                            Err(_) => break,
                        },
                        // The server died: stop, keeping only what it acknowledged.
                        _ => break,
                    }
                }
                ids
            }));
        }
        tokio::time::sleep(Duration::from_millis(800 + 300 * round)).await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        for w in writers {
            acknowledged.extend(w.await.unwrap());
        }
    }
    assert!(
        acknowledged.len() >= 10,
        "too few writes acknowledged to prove anything: {}",
        acknowledged.len()
    );

    let keys = Keyring::load_file(&dir.path().join("waymark.key")).unwrap();
    let store = Store::open_sqlite_dir(dir.path(), keys).await.unwrap();
    assert_eq!(
        store
            .sqlite_pragma("integrity_check")
            .await
            .unwrap()
            .as_deref(),
        Some("ok")
    );
    assert!(matches!(
        store.verify_audit_chain().await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    let tx = store.begin().await.unwrap();
    let idva = tx
        .user_by_email("idva@demo.waymark.test")
        .await
        .unwrap()
        .unwrap();
    for id in &acknowledged {
        let id = waymark_store::Uuid::parse_str(id).unwrap();
        let case = tx.case_detail(&idva, id, None).await;
        let case = case.unwrap_or_else(|e| panic!("acknowledged case {id} was lost: {e}"));
        // Nothing half-written: the case has its people and its referral.
        assert_eq!(case.people.len(), 2);
        assert!(case.referral.is_some());
    }
}
