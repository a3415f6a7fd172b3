//! The store against real databases: SQLite always, PostgreSQL when
//! `WAYMARK_TEST_DATABASE_URL` is set (always in CI). Each test gets fresh databases.
// Test helpers may unwrap: a panic there is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use time::macros::date;
use waymark_domain::dash::{
    Answer, Assessment, InstrumentRegistry, MaracCriterion, RiskLevel, Thresholds,
};
use waymark_domain::referral::{Consent, NewReferral, PersonDetails, ReferralRoute, Relationship};
use waymark_domain::role::Role;
use waymark_store::audit::ChainCheck;
use waymark_store::cases::{CaseError, CaseFilter, CaseSort};
use waymark_store::sessions::SessionPolicy;
use waymark_store::testing::{TestStore, all_backends};
use waymark_store::users::User;
use waymark_store::{Backend, Store, Uuid};

struct Area {
    idva: User,
    police: User,
    marac: Uuid,
    referrer: Uuid,
}

async fn area(store: &Store) -> Area {
    let tx = store.begin().await.unwrap();
    let service = tx
        .create_agency("Test DA Service", "idva_service")
        .await
        .unwrap();
    let police = tx.create_agency("Test Police", "police").await.unwrap();
    let marac = tx
        .create_marac("Test Marac", "Testshire", &Thresholds::default())
        .await
        .unwrap();
    let idva = tx
        .create_user(
            "Idva@Example.test",
            "Idva One",
            service.id,
            Role::Caseworker,
            "long enough password",
        )
        .await
        .unwrap();
    let officer = tx
        .create_user(
            "officer@example.test",
            "Officer",
            police.id,
            Role::Caseworker,
            "long enough password",
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Area {
        idva,
        police: officer,
        marac: marac.id,
        referrer: police.id,
    }
}

fn referral(area: &Area, victim: &str) -> NewReferral {
    NewReferral {
        victim: PersonDetails {
            given_name: victim.into(),
            family_name: "Example".into(),
            date_of_birth: Some(date!(1990 - 01 - 02)),
            gender: None,
        },
        perpetrator: PersonDetails {
            given_name: "Perp".into(),
            family_name: "Sample".into(),
            date_of_birth: None,
            gender: None,
        },
        relationship: Relationship::ExPartner,
        children: vec![],
        referring_agency_id: area.referrer.to_string(),
        route: ReferralRoute::Police,
        referred_on: date!(2026 - 01 - 05),
        consent: Consent::Given,
        consent_reason: None,
        victim_aware: true,
        reason: None,
        safe_phone: Some("07700 900123".into()),
        safe_times: None,
        voicemail_safe: false,
        post_safe: false,
    }
}

fn assessment(yes: usize, on: time::Date) -> Assessment {
    let registry = InstrumentRegistry::builtin().unwrap();
    let instrument = registry.default_instrument();
    let answers: BTreeMap<String, Answer> = instrument
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (
                item.key.clone(),
                if i < yes { Answer::Yes } else { Answer::No },
            )
        })
        .collect();
    Assessment::new(instrument, answers, BTreeMap::new(), 0, None, on, None).unwrap()
}

fn marac_form() -> waymark_domain::marac_referral::MaracReferralDetails {
    waymark_domain::marac_referral::MaracReferralInput {
        consent: "given".into(),
        victim_aware: "yes".into(),
        reason: "Threats to kill".into(),
        victim_racially_minoritised: "not_known".into(),
        victim_disabled: "not_known".into(),
        victim_lgbt: "not_known".into(),
        victim_gender: "female".into(),
        ..Default::default()
    }
    .parse()
    .unwrap()
}

async fn count(store: &Store, table: &str) -> i64 {
    let backend = match store.backend() {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
    };
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn stores() -> Vec<TestStore> {
    all_backends().await.unwrap()
}

#[tokio::test]
async fn sqlite_is_durable_and_enforces_foreign_keys() {
    let t = waymark_store::testing::sqlite().await.unwrap();
    let s = &t.store;
    assert_eq!(
        s.sqlite_pragma("journal_mode").await.unwrap().as_deref(),
        Some("wal")
    );
    // 2 = FULL: an acknowledged commit survives power loss.
    assert_eq!(
        s.sqlite_pragma("synchronous").await.unwrap().as_deref(),
        Some("2")
    );
    assert_eq!(
        s.sqlite_pragma("foreign_keys").await.unwrap().as_deref(),
        Some("1")
    );
    assert_eq!(
        s.sqlite_pragma("busy_timeout").await.unwrap().as_deref(),
        Some("10000")
    );
}

#[tokio::test]
async fn a_referral_round_trips_and_is_visible_only_to_its_agency() {
    for t in stores().await {
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        let mut r = referral(&a, "Vicky");
        r.children = vec![waymark_domain::referral::Child {
            person: PersonDetails {
                given_name: "Kid".into(),
                family_name: "Example".into(),
                date_of_birth: Some(date!(2018 - 03 - 04)),
                gender: None,
            },
            lives_with: Some(waymark_domain::referral::LivesWith::Victim),
        }];
        let id = tx
            .create_referral(&a.idva, a.marac, &r, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let tx = t.store.begin().await.unwrap();
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        assert_eq!(
            detail.victim().unwrap().full_name(),
            "Vicky Example",
            "{}",
            t.label
        );
        assert_eq!(detail.people.len(), 3, "{}", t.label);
        // Safe contact details are restricted: the case shows only that they exist, and
        // revealing them is its own audited action, refused to other agencies.
        assert!(detail.referral.as_ref().unwrap().safe_contact_given);
        let revealed = tx.reveal_restricted(&a.idva, id, None).await.unwrap();
        assert_eq!(
            revealed.safe_phone.as_deref(),
            Some("07700 900123"),
            "{}",
            t.label
        );
        assert!(matches!(
            tx.reveal_restricted(&a.police, id, None).await,
            Err(CaseError::NotFound)
        ));
        assert!(detail.reference.starts_with("WM-"), "{}", t.label);
        // Another agency's user gets exactly what a missing case gives.
        let other = tx.case_detail(&a.police, id, None).await;
        assert!(matches!(other, Err(CaseError::NotFound)), "{}", t.label);
        let missing = tx.case_detail(&a.police, Uuid::now_v7(), None).await;
        assert!(matches!(missing, Err(CaseError::NotFound)), "{}", t.label);
        let theirs = tx
            .list_cases(&a.police, &CaseFilter::default(), None)
            .await
            .unwrap();
        assert!(theirs.is_empty(), "{}", t.label);
        let mine = tx
            .list_cases(&a.idva, &CaseFilter::default(), None)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1, "{}", t.label);
        tx.commit().await.unwrap();

        let audit = t.store.recent_audit(10).await.unwrap();
        let denied: Vec<_> = audit.iter().filter(|r| r.outcome == "denied").collect();
        assert_eq!(
            denied.len(),
            3,
            "{}: every refused read is audited",
            t.label
        );
        assert!(
            audit
                .iter()
                .any(|r| r.action == "restricted.reveal" && r.outcome == "allowed")
        );
        assert!(denied.iter().all(|r| r.actor_user_id == Some(a.police.id)));
    }
}

#[tokio::test]
async fn an_uncommitted_referral_saves_nothing() {
    for t in stores().await {
        let a = area(&t.store).await;
        let before = (
            count(&t.store, "people").await,
            count(&t.store, "audit_events").await,
        );
        {
            let tx = t.store.begin().await.unwrap();
            tx.create_referral(&a.idva, a.marac, &referral(&a, "Gone"), None)
                .await
                .unwrap();
            // Dropped without commit, as when a later step of the request fails.
        }
        assert_eq!(count(&t.store, "cases").await, 0, "{}", t.label);
        let after = (
            count(&t.store, "people").await,
            count(&t.store, "audit_events").await,
        );
        assert_eq!(before, after, "{}", t.label);
    }
}

#[tokio::test]
async fn an_unknown_referring_agency_is_rejected_by_field() {
    for t in stores().await {
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        let mut r = referral(&a, "Vicky");
        r.referring_agency_id = Uuid::now_v7().to_string();
        match tx.create_referral(&a.idva, a.marac, &r, None).await {
            Err(CaseError::Invalid { field, .. }) => assert_eq!(field, "referring_agency_id"),
            other => panic!("{}: expected a field error, got {other:?}", t.label),
        }
    }
}

#[tokio::test]
async fn assessments_keep_history_update_the_list_and_detect_repeats() {
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let tx = t.store.begin().await.unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Rae"), None)
            .await
            .unwrap();
        let (_, first) = tx
            .record_assessment(
                &a.idva,
                id,
                &registry,
                assessment(14, date!(2025 - 03 - 01)),
                None,
            )
            .await
            .unwrap();
        assert_eq!(first.risk_level, RiskLevel::High);
        assert_eq!(first.criteria, vec![MaracCriterion::VisibleHighRisk]);
        tx.refer_to_marac(&a.idva, id, &marac_form(), date!(2025 - 03 - 01), None)
            .await
            .unwrap();
        // Twelve months to the day after the referral: still a repeat.
        let (_, second) = tx
            .record_assessment(
                &a.idva,
                id,
                &registry,
                assessment(3, date!(2026 - 03 - 01)),
                None,
            )
            .await
            .unwrap();
        assert_eq!(second.criteria, vec![MaracCriterion::Repeat], "{}", t.label);
        assert!(second.refer_to_marac);
        // A back-dated entry does not displace the newest on the case list.
        tx.record_assessment(
            &a.idva,
            id,
            &registry,
            assessment(0, date!(2025 - 01 - 01)),
            None,
        )
        .await
        .unwrap();
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        assert_eq!(detail.assessments.len(), 3);
        assert_eq!(
            detail.assessments[0].assessment.assessed_on,
            date!(2025 - 01 - 01)
        );
        assert_eq!(
            detail.assessments[2].decision.criteria,
            vec![MaracCriterion::Repeat]
        );
        let list = tx
            .list_cases(&a.idva, &CaseFilter::default(), None)
            .await
            .unwrap();
        assert_eq!(list[0].risk_level, Some(RiskLevel::High), "{}", t.label);
        assert_eq!(list[0].yes_count, Some(3), "{}", t.label);
        assert_eq!(list[0].last_assessed_on, Some(date!(2026 - 03 - 01)));
        // The other agency cannot assess it either.
        let refused = tx
            .record_assessment(
                &a.police,
                id,
                &registry,
                assessment(20, date!(2026 - 03 - 02)),
                None,
            )
            .await;
        assert!(matches!(refused, Err(CaseError::NotFound)));
        tx.commit().await.unwrap();
        // Only the explicit referral: a Dash never refers on its own.
        assert_eq!(count(&t.store, "marac_referrals").await, 1, "{}", t.label);
        assert_eq!(count(&t.store, "dash_assessments").await, 3, "{}", t.label);
    }
}

#[tokio::test]
async fn one_day_past_the_window_is_not_a_repeat() {
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let tx = t.store.begin().await.unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Sol"), None)
            .await
            .unwrap();
        tx.record_assessment(
            &a.idva,
            id,
            &registry,
            assessment(15, date!(2025 - 03 - 01)),
            None,
        )
        .await
        .unwrap();
        tx.refer_to_marac(&a.idva, id, &marac_form(), date!(2025 - 03 - 01), None)
            .await
            .unwrap();
        let (_, to_the_day) = tx
            .record_assessment(
                &a.idva,
                id,
                &registry,
                assessment(2, date!(2026 - 03 - 01)),
                None,
            )
            .await
            .unwrap();
        assert!(to_the_day.refer_to_marac, "{}", t.label);
        let (_, later) = tx
            .record_assessment(
                &a.idva,
                id,
                &registry,
                assessment(2, date!(2026 - 03 - 02)),
                None,
            )
            .await
            .unwrap();
        assert!(!later.refer_to_marac, "{}", t.label);
        assert_eq!(later.risk_level, RiskLevel::Standard);
    }
}

#[tokio::test]
async fn the_case_list_filters_and_sorts() {
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let tx = t.store.begin().await.unwrap();
        for (name, yes) in [("Ann", 2), ("Bea", 15), ("Cat", 11)] {
            let id = tx
                .create_referral(&a.idva, a.marac, &referral(&a, name), None)
                .await
                .unwrap();
            tx.record_assessment(
                &a.idva,
                id,
                &registry,
                assessment(yes, date!(2026 - 02 - 01)),
                None,
            )
            .await
            .unwrap();
        }
        let by_risk = tx
            .list_cases(
                &a.idva,
                &CaseFilter {
                    sort: CaseSort::Risk,
                    descending: true,
                    ..CaseFilter::default()
                },
                None,
            )
            .await
            .unwrap();
        let names: Vec<_> = by_risk.iter().map(|c| c.victim_name.as_str()).collect();
        assert_eq!(
            names,
            ["Bea Example", "Cat Example", "Ann Example"],
            "{}",
            t.label
        );
        let high = tx
            .list_cases(
                &a.idva,
                &CaseFilter {
                    risk_level: Some(RiskLevel::High),
                    ..CaseFilter::default()
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(high.len(), 1);
        let searched = tx
            .list_cases(
                &a.idva,
                &CaseFilter {
                    search: Some("cat".into()),
                    ..CaseFilter::default()
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(searched.len(), 1);
        assert_eq!(searched[0].victim_name, "Cat Example");
    }
}

/// Runs SQL as someone with raw access to the database file or server would.
async fn raw(store: &Store, sql: &str) -> Result<(), sea_orm::DbErr> {
    let db = store.connection();
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .map(|_| ())
}

/// An attacker with the database itself can remove the append-only triggers; the hash
/// chain is what still catches them.
async fn remove_append_only_protection(store: &Store) {
    match store.backend() {
        Backend::Sqlite => {
            raw(store, "DROP TRIGGER audit_events_no_update")
                .await
                .unwrap();
            raw(store, "DROP TRIGGER audit_events_no_delete")
                .await
                .unwrap();
        }
        Backend::Postgres => raw(store, "ALTER TABLE audit_events DISABLE TRIGGER USER")
            .await
            .unwrap(),
    }
}

/// Fails unless `waymark audit verify` reports the first broken link at `seq`.
async fn assert_broken_at(t: &TestStore, seq: i64) {
    match t.store.verify_audit_chain().await.unwrap() {
        ChainCheck::Broken { at_seq, .. } => assert_eq!(at_seq, seq, "{}", t.label),
        intact => panic!(
            "{}: expected a broken chain at row {seq}, got {intact:?}",
            t.label
        ),
    }
}

async fn store_with_three_audit_rows(t: &TestStore) -> Area {
    let a = area(&t.store).await;
    let tx = t.store.begin().await.unwrap();
    for name in ["One", "Two", "Three"] {
        tx.create_referral(&a.idva, a.marac, &referral(&a, name), None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(
        t.store.verify_audit_chain().await.unwrap(),
        ChainCheck::Intact { rows: 3 },
        "{}",
        t.label
    );
    a
}

#[tokio::test]
async fn audit_rows_record_agency_and_role_and_cannot_be_changed() {
    for t in stores().await {
        let a = store_with_three_audit_rows(&t).await;
        let rows = t.store.recent_audit(3).await.unwrap();
        assert!(
            rows.iter()
                .all(|r| r.actor_agency_id == Some(a.idva.agency_id))
        );
        assert!(
            rows.iter()
                .all(|r| r.actor_role.as_deref() == Some("caseworker"))
        );
        for sql in [
            "UPDATE audit_events SET action = 'nothing' WHERE seq = 2",
            "DELETE FROM audit_events WHERE seq = 3",
            "DELETE FROM audit_events",
        ] {
            let err = raw(&t.store, sql).await.unwrap_err();
            assert!(
                err.to_string().contains("append-only"),
                "{}: {sql}: {err}",
                t.label
            );
        }
        if t.store.backend() == Backend::Postgres {
            let err = raw(&t.store, "TRUNCATE audit_events").await.unwrap_err();
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(
            t.store.verify_audit_chain().await.unwrap(),
            ChainCheck::Intact { rows: 3 }
        );
    }
}

#[tokio::test]
async fn the_audit_chain_detects_an_edited_row() {
    for t in stores().await {
        store_with_three_audit_rows(&t).await;
        remove_append_only_protection(&t.store).await;
        raw(
            &t.store,
            "UPDATE audit_events SET action = 'referral.delete' WHERE seq = 2",
        )
        .await
        .unwrap();
        assert_broken_at(&t, 2).await;
        // One character of the object id.
        raw(
            &t.store,
            "UPDATE audit_events SET action = 'referral.create' WHERE seq = 2",
        )
        .await
        .unwrap();
        raw(
            &t.store,
            "UPDATE audit_events SET object_id = substr(object_id, 1, 35) || 'z' WHERE seq = 3",
        )
        .await
        .unwrap();
        assert_broken_at(&t, 3).await;
    }
}

#[tokio::test]
async fn the_audit_chain_detects_a_deleted_row() {
    for t in stores().await {
        store_with_three_audit_rows(&t).await;
        remove_append_only_protection(&t.store).await;
        raw(&t.store, "DELETE FROM audit_events WHERE seq = 2")
            .await
            .unwrap();
        assert_broken_at(&t, 3).await;
    }
}

#[tokio::test]
async fn the_audit_chain_detects_reordered_rows() {
    for t in stores().await {
        store_with_three_audit_rows(&t).await;
        remove_append_only_protection(&t.store).await;
        // Swap rows 2 and 3 wholesale, hashes included.
        raw(&t.store, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
            .await
            .unwrap();
        raw(&t.store, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
            .await
            .unwrap();
        raw(&t.store, "UPDATE audit_events SET seq = 3 WHERE seq = 100")
            .await
            .unwrap();
        assert_broken_at(&t, 2).await;
    }
}

#[tokio::test]
async fn the_audit_chain_detects_truncation() {
    for t in stores().await {
        store_with_three_audit_rows(&t).await;
        remove_append_only_protection(&t.store).await;
        raw(&t.store, "DELETE FROM audit_events WHERE seq = 3")
            .await
            .unwrap();
        assert!(
            matches!(
                t.store.verify_audit_chain().await.unwrap(),
                ChainCheck::Broken { at_seq: 3, .. }
            ),
            "{}: the head still records row 3",
            t.label
        );
    }
}

#[tokio::test]
async fn sign_in_and_sessions_follow_the_rules() {
    for t in stores().await {
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        assert!(
            tx.authenticate("idva@example.test", "long enough password")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            tx.authenticate(" IDVA@example.TEST ", "long enough password")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            tx.authenticate("idva@example.test", "wrong password!")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            tx.authenticate("nobody@example.test", "long enough password")
                .await
                .unwrap()
                .is_none()
        );
        let duplicate = tx
            .create_user(
                "idva@example.test",
                "Again",
                a.idva.agency_id,
                Role::Manager,
                "long enough password",
            )
            .await;
        assert!(duplicate.is_err());
        let short = tx
            .create_user(
                "new@example.test",
                "New",
                a.idva.agency_id,
                Role::Manager,
                "short",
            )
            .await;
        assert!(short.is_err());

        let policy = SessionPolicy::default();
        let token = tx
            .start_session(a.idva.id, policy, time::OffsetDateTime::now_utc(), false)
            .await
            .unwrap();
        let now = time::OffsetDateTime::now_utc();
        let s = tx
            .resume_session(&token, policy, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.user.id, a.idva.id);
        assert!(
            tx.resume_session("not-a-token", policy, now)
                .await
                .unwrap()
                .is_none()
        );
        // Idle for 31 minutes: gone, and gone for good.
        let later = now + time::Duration::minutes(31);
        assert!(
            tx.resume_session(&token, policy, later)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        assert!(
            tx.resume_session(&token, policy, now)
                .await
                .unwrap()
                .is_none()
        );

        // Used every 20 minutes, a session still ends 12 hours after it began.
        let token = tx
            .start_session(a.idva.id, policy, time::OffsetDateTime::now_utc(), false)
            .await
            .unwrap();
        let mut at = time::OffsetDateTime::now_utc();
        for _ in 0..35 {
            at += time::Duration::minutes(20);
            assert!(
                tx.resume_session(&token, policy, at)
                    .await
                    .unwrap()
                    .is_some()
            );
        }
        at += time::Duration::minutes(20);
        assert!(
            tx.resume_session(&token, policy, at)
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.label
        );
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn when_the_audit_write_fails_the_change_fails() {
    for t in stores().await {
        let a = area(&t.store).await;
        match t.store.backend() {
            Backend::Sqlite => raw(
                &t.store,
                "CREATE TRIGGER audit_broken BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            )
            .await
            .unwrap(),
            Backend::Postgres => {
                raw(
                    &t.store,
                    "CREATE FUNCTION audit_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
                )
                .await
                .unwrap();
                raw(
                    &t.store,
                    "CREATE TRIGGER audit_broken BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_broken()",
                )
                .await
                .unwrap();
            }
        }
        let tx = t.store.begin().await.unwrap();
        let result = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Nobody"), None)
            .await;
        assert!(result.is_err(), "{}", t.label);
        let settled = tx.settle(result).await;
        assert!(settled.is_err());
        assert_eq!(
            count(&t.store, "cases").await,
            0,
            "{}: the referral must not survive",
            t.label
        );
        assert_eq!(count(&t.store, "people").await, 0, "{}", t.label);
    }
}

#[tokio::test]
async fn mfa_enrolment_verification_and_recovery_codes() {
    use waymark_store::users::MfaCheck;
    for t in stores().await {
        let a = area(&t.store).await;
        let now = time::OffsetDateTime::now_utc();
        let tx = t.store.begin().await.unwrap();
        let secret = tx.mfa_enrolment_secret(a.idva.id).await.unwrap().unwrap();
        // Reloading the setup page shows the same secret until enrolment completes.
        assert_eq!(
            tx.mfa_enrolment_secret(a.idva.id).await.unwrap().unwrap(),
            secret
        );
        assert!(
            tx.complete_mfa_enrolment(a.idva.id, "000000", now)
                .await
                .unwrap()
                .is_none()
                || {
                    // One in a million: 000000 could be the right code.
                    waymark_store::mfa::code_at(&secret, now).as_deref() == Some("000000")
                }
        );
        let code = waymark_store::mfa::code_at(&secret, now).unwrap();
        let codes = tx
            .complete_mfa_enrolment(a.idva.id, &code, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(codes.len(), 10);
        let user = tx.user(a.idva.id).await.unwrap().unwrap();
        assert!(user.mfa_enrolled, "{}", t.label);
        assert!(tx.mfa_enrolment_secret(a.idva.id).await.unwrap().is_none());
        // The enrolment code cannot be used again to sign in.
        assert_eq!(
            tx.verify_mfa(a.idva.id, &code, now).await.unwrap(),
            MfaCheck::Invalid
        );
        let later = now + time::Duration::seconds(30);
        let next = waymark_store::mfa::code_at(&secret, later).unwrap();
        assert_eq!(
            tx.verify_mfa(a.idva.id, &next, later).await.unwrap(),
            MfaCheck::Totp
        );
        assert_eq!(
            tx.verify_mfa(a.idva.id, &next, later).await.unwrap(),
            MfaCheck::Invalid
        );
        // Recovery codes: each works once, however it is typed.
        let typed = codes[3].to_uppercase().replace('-', " ");
        assert_eq!(
            tx.verify_mfa(a.idva.id, &typed, later).await.unwrap(),
            MfaCheck::RecoveryCode { remaining: 9 }
        );
        assert_eq!(
            tx.verify_mfa(a.idva.id, &codes[3], later).await.unwrap(),
            MfaCheck::Invalid
        );
        tx.commit().await.unwrap();
        // Only hashes are stored.
        let stored = count(&t.store, "recovery_codes").await;
        assert_eq!(stored, 10);
        let db = t.store.connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT code_hash FROM recovery_codes".to_owned(),
            ))
            .await
            .unwrap();
        for row in rows {
            let h: String = row.try_get("", "code_hash").unwrap();
            assert!(!codes.iter().any(|c| h.contains(c.as_str())));
        }
    }
}

/// Every byte the database holds: the SQLite files (main and write-ahead log), or a
/// `pg_dump` of the PostgreSQL database.
fn raw_database(t: &TestStore) -> Vec<u8> {
    match (&t.dir, &t.url) {
        (Some(dir), _) => {
            let mut bytes = Vec::new();
            for name in ["waymark.db", "waymark.db-wal"] {
                if let Ok(b) = std::fs::read(dir.join(name)) {
                    bytes.extend(b);
                }
            }
            assert!(bytes.len() > 10_000, "the database file was read");
            bytes
        }
        (None, Some(url)) => {
            let out = std::process::Command::new("pg_dump")
                .arg("--dbname")
                .arg(url)
                .output()
                .expect("pg_dump runs (PostgreSQL client tools are needed for this test)");
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
        _ => panic!("no database to read"),
    }
}

#[tokio::test]
async fn a_copy_of_the_database_reveals_no_sensitive_field() {
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let markers = [
            "Markervictimgiven",
            "Markervictimfamily",
            "Markerperpgiven",
            "Markerchildgiven",
            "07700 955512",
            "MARKERSAFETIMES",
            "MARKERREASON",
            "MARKERCONSENT",
            "MARKERDETAIL",
            "MARKERJUDGEMENT",
            "MARKEREXCLUSION",
            "1987-06-05",
            "MARKERADDRESS",
            "ZE9 7QA",
            "ZE97QA",
            "MARKERREFUGE",
            "MARKERGP",
        ];
        let tx = t.store.begin().await.unwrap();
        let mut r = referral(&a, "Markervictimgiven");
        r.victim.family_name = "Markervictimfamily".into();
        r.victim.date_of_birth = Some(date!(1987 - 06 - 05));
        r.perpetrator.given_name = "Markerperpgiven".into();
        r.children = vec![waymark_domain::referral::Child {
            person: PersonDetails {
                given_name: "Markerchildgiven".into(),
                family_name: "Markervictimfamily".into(),
                date_of_birth: None,
                gender: None,
            },
            lives_with: None,
        }];
        r.safe_phone = Some("07700 955512".into());
        r.safe_times = Some("MARKERSAFETIMES".into());
        r.reason = Some("MARKERREASON".into());
        r.consent = Consent::NotGiven;
        r.consent_reason = Some("MARKERCONSENT".into());
        let id = tx
            .create_referral(&a.idva, a.marac, &r, None)
            .await
            .unwrap();
        let mut dash = assessment(3, date!(2026 - 01 - 02));
        dash.details.insert("q1".into(), "MARKERDETAIL".into());
        dash.professional_judgement =
            Some(waymark_domain::dash::ProfessionalJudgement::new("MARKERJUDGEMENT").unwrap());
        tx.record_assessment(&a.idva, id, &registry, dash, None)
            .await
            .unwrap();
        tx.add_exclusion(
            &a.idva,
            id,
            waymark_store::cases::Excluded::User(a.police.id),
            "MARKEREXCLUSION",
            None,
        )
        .await
        .unwrap();
        tx.update_whereabouts(
            &a.idva,
            id,
            &waymark_domain::whereabouts::WhereaboutsInput {
                address: "1 MARKERADDRESS Row".into(),
                postcode: "ze97qa".into(),
                refuge: "MARKERREFUGE".into(),
                gp_practice: "MARKERGP".into(),
            },
            None,
        )
        .await
        .unwrap();
        // Read back through the store: everything opens again.
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            detail.victim().unwrap().full_name(),
            "Markervictimgiven Markervictimfamily"
        );
        assert_eq!(
            detail.victim().unwrap().date_of_birth,
            Some(date!(1987 - 06 - 05))
        );
        let referral = detail.referral.as_ref().unwrap();
        let tx = t.store.begin().await.unwrap();
        let revealed = tx.reveal_restricted(&a.idva, id, None).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(revealed.safe_phone.as_deref(), Some("07700 955512"));
        assert_eq!(revealed.whereabouts.postcode.as_deref(), Some("ZE9 7QA"));
        assert_eq!(revealed.whereabouts.refuge.as_deref(), Some("MARKERREFUGE"));
        assert!(detail.whereabouts_recorded.address && detail.whereabouts_recorded.gp_practice);
        assert_eq!(referral.consent_reason.as_deref(), Some("MARKERCONSENT"));
        assert_eq!(
            detail.assessments[0].assessment.details["q1"],
            "MARKERDETAIL"
        );
        assert_eq!(detail.exclusions[0].reason, "MARKEREXCLUSION");

        let raw = raw_database(&t);
        let text = String::from_utf8_lossy(&raw);
        for m in markers {
            assert!(
                !text.contains(m),
                "{}: {m} is readable in the raw database",
                t.label
            );
        }
    }
}

#[tokio::test]
async fn rotating_the_key_reseals_everything_and_old_data_still_opens() {
    use waymark_store::crypto::{DataKey, Keyring};
    use waymark_store::sealing::Reseal;
    for t in stores().await {
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Rotated"), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Reopen the same database with a new active key and the old one for reading.
        let old = waymark_store::testing::test_keys().unwrap();
        let rotated = old.rotated(DataKey::new("next", [7; 32]).unwrap());
        let reopened = match (&t.dir, &t.url) {
            (Some(dir), _) => Store::open_sqlite_dir(dir, rotated.clone()).await.unwrap(),
            (None, Some(url)) => Store::connect(url, rotated.clone()).await.unwrap(),
            _ => unreachable!(),
        };
        let n = reopened.reseal(Reseal::NotCurrent).await.unwrap();
        assert!(
            n >= 6,
            "{}: names, date of birth and contact details re-sealed ({n})",
            t.label
        );
        assert_eq!(
            reopened.reseal(Reseal::NotCurrent).await.unwrap(),
            0,
            "nothing left to do"
        );
        // Now the new key alone opens everything.
        let only_new = Keyring::new(DataKey::new("next", [7; 32]).unwrap(), Vec::new());
        let fresh = match (&t.dir, &t.url) {
            (Some(dir), _) => Store::open_sqlite_dir(dir, only_new).await.unwrap(),
            (None, Some(url)) => Store::connect(url, only_new).await.unwrap(),
            _ => unreachable!(),
        };
        let tx = fresh.begin().await.unwrap();
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        assert_eq!(
            detail.victim().unwrap().given_name,
            "Rotated",
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn a_backup_restores_to_identical_data_and_a_damaged_one_is_refused() {
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let tx = t.store.begin().await.unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Backedup"), None)
            .await
            .unwrap();
        tx.record_assessment(
            &a.idva,
            id,
            &registry,
            assessment(15, date!(2026 - 01 - 03)),
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (bytes, summary) = t.store.backup().await.unwrap();
        assert!(summary.total() > 10);
        assert!(
            !String::from_utf8_lossy(&bytes).contains("Backedup"),
            "the backup is sealed"
        );

        // Into a fresh database of each kind.
        for target in all_backends().await.unwrap() {
            // One flipped byte: refused, and nothing written.
            let mut damaged = bytes.clone();
            let i = damaged.len() / 2;
            damaged[i] = if damaged[i] == b'A' { b'B' } else { b'A' };
            assert!(target.store.restore(&damaged).await.is_err());
            assert_eq!(count(&target.store, "cases").await, 0);

            let restored = target.store.restore(&bytes).await.unwrap();
            assert_eq!(restored, summary, "{} -> {}", t.label, target.label);
            let tx = target.store.begin().await.unwrap();
            let original = t
                .store
                .begin()
                .await
                .unwrap()
                .case_detail(&a.idva, id, None)
                .await
                .unwrap();
            let copy = tx.case_detail(&a.idva, id, None).await.unwrap();
            assert_eq!(original, copy, "{} -> {}", t.label, target.label);
            tx.commit().await.unwrap();
            // A second restore into the now non-empty database is refused.
            assert!(target.store.restore(&bytes).await.is_err());
        }
    }
}

#[tokio::test]
async fn a_backup_taken_under_write_load_is_consistent() {
    for t in stores().await {
        let a = area(&t.store).await;
        let writer = {
            let store = t.store.clone();
            let (idva, marac, referrer) = (a.idva.clone(), a.marac, a.referrer);
            tokio::spawn(async move {
                let area = Area {
                    idva: idva.clone(),
                    police: idva.clone(),
                    marac,
                    referrer,
                };
                for i in 0..30 {
                    let tx = store.begin().await.unwrap();
                    tx.create_referral(
                        &area.idva,
                        area.marac,
                        &referral(&area, &format!("Load{i}")),
                        None,
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                }
            })
        };
        let mut backups = Vec::new();
        for _ in 0..3 {
            backups.push(t.store.backup().await.unwrap().0);
            tokio::task::yield_now().await;
        }
        writer.await.unwrap();
        for bytes in backups {
            let target = waymark_store::testing::sqlite().await.unwrap();
            target.store.restore(&bytes).await.unwrap();
            // Every case came with its people, referral and audit row: nothing half-copied.
            let cases = count(&target.store, "cases").await;
            assert_eq!(
                count(&target.store, "referrals").await,
                cases,
                "{}",
                t.label
            );
            assert_eq!(
                count(&target.store, "people").await,
                cases * 2,
                "{}",
                t.label
            );
            assert_eq!(
                count(&target.store, "audit_events").await,
                cases,
                "{}",
                t.label
            );
        }
    }
}

#[tokio::test]
async fn emergency_access_expires() {
    for t in stores().await {
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Expiring"), None)
            .await
            .unwrap();
        let reference = tx.case_detail(&a.idva, id, None).await.unwrap().reference;
        // A grant of no minutes has already run out.
        assert_eq!(
            tx.break_glass(&a.police, &reference, "Incident in progress now", 0, None)
                .await
                .unwrap(),
            id
        );
        assert!(
            matches!(
                tx.case_detail(&a.police, id, None).await,
                Err(CaseError::NotFound)
            ),
            "{}",
            t.label
        );
        assert_eq!(
            tx.break_glass(&a.police, &reference, "Incident in progress now", 60, None)
                .await
                .unwrap(),
            id
        );
        assert!(
            tx.case_detail(&a.police, id, None).await.is_ok(),
            "{}",
            t.label
        );
        tx.commit().await.unwrap();
        let grants = count(&t.store, "break_glass_grants").await;
        assert_eq!(grants, 2);
        let rows = t.store.recent_audit(10).await.unwrap();
        assert!(
            rows.iter()
                .any(|r| r.action == "break_glass.grant" && r.outcome == "allowed")
        );
    }
}

#[tokio::test]
async fn a_weaker_password_hash_is_replaced_at_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    for t in stores().await {
        area(&t.store).await;
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"long enough password", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        raw(
            &t.store,
            &format!("UPDATE users SET password_hash = '{weak}' WHERE email = 'idva@example.test'"),
        )
        .await
        .unwrap();
        let tx = t.store.begin().await.unwrap();
        assert!(
            tx.authenticate("idva@example.test", "long enough password")
                .await
                .unwrap()
                .is_some()
        );
        tx.commit().await.unwrap();
        let db = t.store.connection();
        let stored: String = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT password_hash FROM users WHERE email = 'idva@example.test'".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "password_hash")
            .unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}: {stored}",
            t.label
        );
    }
}

#[tokio::test]
async fn retention_deletes_old_cases_everywhere_except_under_legal_hold() {
    use waymark_store::retention::RetentionSchedule;
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let tx = t.store.begin().await.unwrap();
        let old = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Oldcase"), None)
            .await
            .unwrap();
        tx.record_assessment(
            &a.idva,
            old,
            &registry,
            assessment(15, date!(2019 - 01 - 03)),
            None,
        )
        .await
        .unwrap();
        tx.add_exclusion(
            &a.idva,
            old,
            waymark_store::cases::Excluded::User(a.police.id),
            "Knows them",
            None,
        )
        .await
        .unwrap();
        let held = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Heldcase"), None)
            .await
            .unwrap();
        let recent = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Recent"), None)
            .await
            .unwrap();
        // Quiet for as long, but still open: listed for review, never deleted.
        let quiet = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Quietopen"), None)
            .await
            .unwrap();
        let held_ref = tx.case_detail(&a.idva, held, None).await.unwrap().reference;
        tx.commit().await.unwrap();
        // Three cases last touched seven years ago; the first two were closed then.
        for (id, status) in [(old, "closed"), (held, "closed"), (quiet, "open")] {
            let db = t.store.connection();
            let sql = format!(
                "UPDATE cases SET updated_at = '2019-01-03T00:00:00+00:00', status = '{status}' WHERE id = $1"
            );
            db.execute_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                sql,
                [id.into()],
            ))
            .await
            .unwrap();
        }
        let tx = t.store.begin().await.unwrap();
        tx.set_legal_hold(&held_ref, Some("Family court proceedings"))
            .await
            .unwrap()
            .unwrap();
        let schedule = RetentionSchedule { case_months: 72 };
        let due = tx
            .cases_due_for_deletion(schedule, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        assert_eq!(due.len(), 3, "{}", t.label);
        assert!(due.iter().any(|d| d.id == held && d.on_legal_hold));
        assert!(
            due.iter()
                .any(|d| d.id == quiet && d.still_open && !d.on_legal_hold)
        );
        for d in &due {
            assert_eq!(
                tx.delete_case_for_retention(d.id).await.unwrap(),
                !d.on_legal_hold && !d.still_open,
                "{}",
                t.label
            );
        }
        tx.commit().await.unwrap();

        assert_eq!(count(&t.store, "cases").await, 3, "{}", t.label);
        assert_eq!(
            count(&t.store, "people").await,
            6,
            "{}: the old case's people are gone",
            t.label
        );
        assert_eq!(count(&t.store, "dash_assessments").await, 0);
        assert_eq!(count(&t.store, "marac_referrals").await, 0);
        assert_eq!(count(&t.store, "case_exclusions").await, 0);
        let tx = t.store.begin().await.unwrap();
        assert!(matches!(
            tx.case_detail(&a.idva, old, None).await,
            Err(CaseError::NotFound)
        ));
        assert!(tx.case_detail(&a.idva, recent, None).await.is_ok());
        tx.commit().await.unwrap();
        // A content-free tombstone, and the chain still holds.
        let rows = t.store.recent_audit(20).await.unwrap();
        assert!(rows.iter().any(
            |r| r.action == "case.deleted_by_retention" && r.object_id == Some(old.to_string())
        ));
        assert!(matches!(
            t.store.verify_audit_chain().await.unwrap(),
            ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn a_subject_access_export_holds_the_persons_data_and_never_anothers() {
    for t in stores().await {
        let a = area(&t.store).await;
        let registry = InstrumentRegistry::builtin().unwrap();
        let tx = t.store.begin().await.unwrap();
        let mut r = referral(&a, "Sarvictim");
        r.perpetrator.given_name = "Sarperp".into();
        r.safe_times = Some("Mornings only".into());
        r.reason = Some("Threats after separation".into());
        let id = tx
            .create_referral(&a.idva, a.marac, &r, None)
            .await
            .unwrap();
        let mut dash = assessment(5, date!(2026 - 01 - 02));
        dash.details.insert("q2".into(), "Scared to go home".into());
        tx.record_assessment(&a.idva, id, &registry, dash, None)
            .await
            .unwrap();
        tx.update_whereabouts(
            &a.idva,
            id,
            &waymark_domain::whereabouts::WhereaboutsInput {
                address: "Flat 2, Sar House".into(),
                postcode: "NM1 4AB".into(),
                refuge: "Sar Refuge, Eastmoor".into(),
                gp_practice: "Sar Lane Surgery".into(),
            },
            None,
        )
        .await
        .unwrap();

        let victims = tx
            .find_people_by_name("  sarvictim   EXAMPLE ")
            .await
            .unwrap();
        assert_eq!(victims.len(), 1, "{}", t.label);
        assert_eq!(victims[0].role, "victim");
        let export = tx
            .subject_access(victims[0].person_id)
            .await
            .unwrap()
            .unwrap();
        let text = serde_json::to_string(&export).unwrap();
        for own in [
            "Sarvictim",
            "07700 900123",
            "Mornings only",
            "Threats after separation",
            "Scared to go home",
            "Flat 2, Sar House",
            "NM1 4AB",
            "Sar Refuge, Eastmoor",
            "Sar Lane Surgery",
        ] {
            assert!(
                text.contains(own),
                "{}: the victim's export lacks {own}",
                t.label
            );
        }
        assert!(
            !text.contains("Sarperp"),
            "the victim's export leaves the perpetrator out"
        );

        let perpetrators = tx.find_people_by_name("Sarperp Sample").await.unwrap();
        assert_eq!(perpetrators[0].role, "perpetrator");
        let export = tx
            .subject_access(perpetrators[0].person_id)
            .await
            .unwrap()
            .unwrap();
        let text = serde_json::to_string(&export).unwrap();
        assert!(text.contains("Sarperp") && text.contains("perpetrator"));
        for theirs in [
            "Sarvictim",
            "07700 900123",
            "Mornings only",
            "Threats after separation",
            "Scared to go home",
            "Flat 2, Sar House",
            "NM1 4AB",
            "Sar Refuge, Eastmoor",
            "Sar Lane Surgery",
        ] {
            assert!(
                !text.contains(theirs),
                "{}: a perpetrator's export contains {theirs}",
                t.label
            );
        }
        tx.commit().await.unwrap();
        let rows = t.store.recent_audit(5).await.unwrap();
        assert!(
            rows.iter()
                .any(|r| r.action == "person.subject_access_export")
        );
    }
}

#[tokio::test]
async fn casework_notes_are_sealed_and_retention_keeps_a_repeat_cases_people() {
    use waymark_domain::casework::{ClosureInput, ContactInput, InterventionInput};
    for t in stores().await {
        let a = area(&t.store).await;
        let today = date!(2026 - 11 - 25);
        let tx = t.store.begin().await.unwrap();
        let first = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Returner"), None)
            .await
            .unwrap();
        tx.record_contact(
            &a.idva,
            first,
            &ContactInput {
                contact_on: "2026-01-06".into(),
                kind: "phone".into(),
                outcome: "spoke".into(),
                significant: "yes".into(),
                note: "MARKERCONTACTNOTE".into(),
                ..Default::default()
            },
            today,
            None,
        )
        .await
        .unwrap();
        tx.add_intervention(
            &a.idva,
            first,
            &InterventionInput {
                kind: "refuge".into(),
                status: "done".into(),
                note: "MARKERINTERVENTIONNOTE".into(),
                ..Default::default()
            },
            &[],
            None,
        )
        .await
        .unwrap();
        tx.close_case(
            &a.idva,
            first,
            &ClosureInput {
                closed_on: "2026-02-01".into(),
                reason: "could_not_contact".into(),
                reason_detail: "MARKERCLOSUREDETAIL".into(),
                exit_not_taken_reason: "MARKEREXITREASON".into(),
                ..Default::default()
            },
            today,
            None,
        )
        .await
        .unwrap();
        let follow_ups = |work: &waymark_store::casework::Casework| {
            work.due
                .iter()
                .filter(|d| d.kind == waymark_domain::casework::TaskKind::FollowUp)
                .count()
        };
        let (_, closed_work) = tx
            .case_with_casework(&a.idva, first, &Default::default(), None)
            .await
            .unwrap();
        assert_eq!(
            follow_ups(&closed_work),
            1,
            "a closed case is due its follow-up"
        );
        let repeat = tx
            .open_repeat_case(&a.idva, first, "self", date!(2026 - 06 - 01), today, None)
            .await
            .unwrap();
        let (_, closed_work) = tx
            .case_with_casework(&a.idva, first, &Default::default(), None)
            .await
            .unwrap();
        assert_eq!(
            follow_ups(&closed_work),
            0,
            "{}: the client came back, so the follow-up is no longer due",
            t.label
        );
        let (_, work) = tx
            .case_with_casework(&a.idva, repeat, &Default::default(), None)
            .await
            .unwrap();
        let first_ref = tx
            .case_detail(&a.idva, first, None)
            .await
            .unwrap()
            .reference;
        // The client who came back: her and his earlier case is theirs, by the same record.
        let history = tx.possible_matches(&a.idva, repeat, None).await.unwrap();
        let mut roles: Vec<(&str, Uuid, &str, &str)> = history
            .same_person
            .iter()
            .map(|c| {
                (
                    c.person_role.as_str(),
                    c.other_case_id,
                    c.basis,
                    c.status.as_str(),
                )
            })
            .collect();
        roles.sort();
        assert_eq!(
            roles,
            [
                ("perpetrator", first, "the same person record", "closed"),
                ("victim", first, "the same person record", "closed"),
            ],
            "{}",
            t.label
        );
        assert_eq!(history.same_person[0].other_reference, first_ref);
        assert_eq!(
            history.same_person[0].closed_on,
            Some(date!(2026 - 02 - 01))
        );
        tx.commit().await.unwrap();
        assert_eq!(work.repeat_of.as_ref().map(|r| &r.1), Some(&first_ref));
        assert_eq!(work.status.as_str(), "awaiting_allocation");

        let text = String::from_utf8_lossy(&raw_database(&t)).into_owned();
        for m in [
            "MARKERCONTACTNOTE",
            "MARKERINTERVENTIONNOTE",
            "MARKERCLOSUREDETAIL",
            "MARKEREXITREASON",
        ] {
            assert!(!text.contains(m), "{}: {m} is readable", t.label);
        }

        // Retention deletes the first case with its casework, but the repeat case still
        // names the same victim and perpetrator, so they stay.
        let people = count(&t.store, "people").await;
        let tx = t.store.begin().await.unwrap();
        assert!(tx.delete_case_for_retention(first).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(count(&t.store, "case_contacts").await, 0, "{}", t.label);
        assert_eq!(count(&t.store, "case_interventions").await, 0);
        assert_eq!(count(&t.store, "people").await, people, "{}", t.label);
        let tx = t.store.begin().await.unwrap();
        let detail = tx.case_detail(&a.idva, repeat, None).await.unwrap();
        assert_eq!(detail.victim().unwrap().given_name, "Returner");
        // References are never issued twice, even after a deletion.
        let next = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Next"), None)
            .await
            .unwrap();
        let next_ref = tx.case_detail(&a.idva, next, None).await.unwrap().reference;
        tx.commit().await.unwrap();
        assert_ne!(next_ref, first_ref);
        assert!(next_ref.ends_with("00003"), "{}: {next_ref}", t.label);
    }
}

#[tokio::test]
async fn a_childs_school_is_sealed_and_only_an_audited_reveal_opens_it() {
    use waymark_domain::linked_person::LinkedPersonInput;
    for t in stores().await {
        let l = t.label;
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Schooled"), None)
            .await
            .unwrap();
        let today = date!(2026 - 11 - 25);
        tx.add_linked_person(
            &a.idva,
            id,
            &LinkedPersonInput {
                role: "child".into(),
                given_name: "Markerchildlater".into(),
                family_name: "Example".into(),
                date_of_birth: "2020-02-29".into(),
                lives_with: "victim".into(),
                school: "Markerschoolname Academy".into(),
                ..Default::default()
            },
            today,
            None,
        )
        .await
        .unwrap();
        tx.add_linked_person(
            &a.idva,
            id,
            &LinkedPersonInput {
                role: "linked".into(),
                given_name: "Markerlinkedadult".into(),
                family_name: "Example".into(),
                relationship: "Markerrelationnote".into(),
                ..Default::default()
            },
            today,
            None,
        )
        .await
        .unwrap();
        // Invalid input is refused as a form and saves nothing.
        let refused = tx
            .add_linked_person(
                &a.idva,
                id,
                &LinkedPersonInput {
                    role: "child".into(),
                    given_name: "Future".into(),
                    family_name: "Example".into(),
                    date_of_birth: "2026-11-26".into(),
                    ..Default::default()
                },
                today,
                None,
            )
            .await;
        assert!(matches!(refused, Err(CaseError::Form(_))), "{l}");
        // Someone who may not work the case is told it is not there.
        assert!(
            matches!(
                tx.add_linked_person(&a.police, id, &LinkedPersonInput::default(), today, None)
                    .await,
                Err(CaseError::NotFound)
            ),
            "{l}"
        );
        tx.commit().await.unwrap();

        let tx = t.store.begin().await.unwrap();
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        let child = detail
            .people
            .iter()
            .find(|p| p.given_name == "Markerchildlater")
            .unwrap();
        assert_eq!(child.role, "child", "{l}");
        assert!(child.school_recorded, "{l}");
        assert_eq!(child.lives_with.as_deref(), Some("victim"), "{l}");
        let adult = detail.people.iter().find(|p| p.role == "linked").unwrap();
        assert_eq!(
            adult.relationship_note.as_deref(),
            Some("Markerrelationnote"),
            "{l}"
        );
        assert_eq!(detail.people.len(), 4, "{l}: nothing else saved");
        let revealed = tx.reveal_restricted(&a.idva, id, None).await.unwrap();
        assert_eq!(revealed.schools.len(), 1, "{l}");
        assert_eq!(revealed.schools[0].school, "Markerschoolname Academy");
        assert_eq!(revealed.schools[0].child_name, "Markerchildlater Example");
        assert!(matches!(
            tx.reveal_restricted(&a.police, id, None).await,
            Err(CaseError::NotFound)
        ));
        tx.commit().await.unwrap();

        let raw = raw_database(&t);
        let text = String::from_utf8_lossy(&raw);
        for m in [
            "Markerschoolname",
            "Markerrelationnote",
            "Markerchildlater",
            "Markerlinkedadult",
            "2020-02-29",
        ] {
            assert!(
                !text.contains(m),
                "{l}: {m} is readable in the raw database"
            );
        }
    }
}

#[tokio::test]
async fn whereabouts_are_restricted_replaced_whole_and_refused_input_saves_nothing() {
    use waymark_domain::whereabouts::WhereaboutsInput;
    for t in stores().await {
        let a = area(&t.store).await;
        let tx = t.store.begin().await.unwrap();
        let manager = tx
            .create_user(
                "manager@example.test",
                "Manager",
                a.idva.agency_id,
                Role::Manager,
                "long enough password",
            )
            .await
            .unwrap();
        let id = tx
            .create_referral(&a.idva, a.marac, &referral(&a, "Whereabouts"), None)
            .await
            .unwrap();
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        assert!(!detail.whereabouts_recorded.any(), "{}", t.label);
        let input = WhereaboutsInput {
            address: "3 Hidden Lane\nEastmoor".into(),
            postcode: "nm2 7xy".into(),
            refuge: String::new(),
            gp_practice: "Eastmoor Surgery".into(),
        };
        tx.update_whereabouts(&a.idva, id, &input, None)
            .await
            .unwrap();
        // Not the staff who contact the victim: a manager, and another agency's worker,
        // are refused, and the refusal is audited.
        for who in [&manager, &a.police] {
            assert!(matches!(
                tx.update_whereabouts(who, id, &input, None).await,
                Err(CaseError::NotFound)
            ));
            assert!(matches!(
                tx.whereabouts_for_edit(who, id, None).await,
                Err(CaseError::NotFound)
            ));
        }
        tx.commit().await.unwrap();
        let rows = t.store.recent_audit(4).await.unwrap();
        assert!(
            rows.iter().all(|r| r.outcome == "denied"
                && (r.actor_user_id == Some(a.police.id) || r.actor_user_id == Some(manager.id))),
            "{}",
            t.label
        );

        // A bad postcode: the form is refused and what was recorded stays.
        let tx = t.store.begin().await.unwrap();
        let bad = WhereaboutsInput {
            postcode: "not a postcode".into(),
            ..input.clone()
        };
        match tx.update_whereabouts(&a.idva, id, &bad, None).await {
            Err(CaseError::Form(errors)) => assert_eq!(errors[0].field, "postcode"),
            other => panic!("{}: expected a form error, got {other:?}", t.label),
        }
        drop(tx);
        let tx = t.store.begin().await.unwrap();
        let w = tx.whereabouts_for_edit(&a.idva, id, None).await.unwrap();
        assert_eq!(w.address.as_deref(), Some("3 Hidden Lane\nEastmoor"));
        assert_eq!(w.postcode.as_deref(), Some("NM2 7XY"));
        assert_eq!(w.refuge, None);
        // Saving replaces the whole record: she has moved to a refuge, address unknown.
        tx.update_whereabouts(
            &a.idva,
            id,
            &WhereaboutsInput {
                refuge: "Northmoor Women's Refuge".into(),
                gp_practice: "Eastmoor Surgery".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        let detail = tx.case_detail(&a.idva, id, None).await.unwrap();
        assert_eq!(
            detail.whereabouts_recorded,
            waymark_store::cases::WhereaboutsRecorded {
                address: false,
                postcode: false,
                refuge: true,
                gp_practice: true,
            }
        );
        let revealed = tx.reveal_restricted(&a.idva, id, None).await.unwrap();
        assert_eq!(
            revealed.whereabouts.refuge.as_deref(),
            Some("Northmoor Women's Refuge")
        );
        assert_eq!(revealed.whereabouts.address, None);
        tx.commit().await.unwrap();
        let rows = t.store.recent_audit(3).await.unwrap();
        assert_eq!(rows[0].action, "restricted.reveal");
        assert!(rows.iter().any(|r| r.action == "restricted.update"));
    }
}

#[tokio::test]
async fn a_team_restricted_caseworker_sees_only_their_teams_cases_from_the_next_request() {
    for t in stores().await {
        let a = area(&t.store).await;
        let l = t.label;
        let tx = t.store.begin().await.unwrap();
        let colleague = tx
            .create_user(
                "south@example.test",
                "Idva Two",
                a.idva.agency_id,
                Role::Caseworker,
                "long enough password",
            )
            .await
            .unwrap();
        let north = tx.add_team(a.idva.agency_id, "North").await.unwrap();
        let south = tx.add_team(a.idva.agency_id, "South").await.unwrap();
        // A team of another agency cannot take this agency's staff.
        let elsewhere = tx.add_team(a.police.agency_id, "North").await.unwrap();
        assert!(
            tx.set_user_team(a.idva.id, Some(elsewhere.id))
                .await
                .is_err(),
            "{l}"
        );
        assert!(
            tx.add_team(a.idva.agency_id, " north ").await.is_err(),
            "{l}"
        );
        tx.set_user_team(a.idva.id, Some(north.id)).await.unwrap();
        tx.set_user_team(colleague.id, Some(south.id))
            .await
            .unwrap();
        tx.set_team_restriction(a.idva.agency_id, true)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // The colleague's referral belongs to their team.
        let tx = t.store.begin().await.unwrap();
        let colleague = tx.user(colleague.id).await.unwrap().unwrap();
        let id = tx
            .create_referral(&colleague, a.marac, &referral(&a, "Southcase"), None)
            .await
            .unwrap();
        let detail = tx.case_detail(&colleague, id, None).await.unwrap();
        assert_eq!(detail.team, Some((south.id, "South".to_owned())), "{l}");
        tx.commit().await.unwrap();

        let idva_sees = |t: &TestStore| {
            let store = t.store.clone();
            let idva = a.idva.id;
            async move {
                let tx = store.begin().await.unwrap();
                // Read afresh, as every request reads its user.
                let me = tx.user(idva).await.unwrap().unwrap();
                let read = tx.case_detail(&me, id, None).await;
                let reveal = tx.reveal_restricted(&me, id, None).await;
                let listed = tx
                    .list_cases(&me, &CaseFilter::default(), None)
                    .await
                    .unwrap()
                    .len();
                let found = tx
                    .list_cases(
                        &me,
                        &CaseFilter {
                            search: Some("Southcase".into()),
                            ..CaseFilter::default()
                        },
                        None,
                    )
                    .await
                    .unwrap()
                    .len();
                tx.commit().await.unwrap();
                match (read, reveal) {
                    (Ok(_), Ok(_)) => Some((listed, found)),
                    (Err(CaseError::NotFound), Err(CaseError::NotFound)) => {
                        assert_eq!((listed, found), (0, 0), "hidden, and not counted");
                        None
                    }
                    (r, v) => panic!("read and reveal disagree: {r:?} / {v:?}"),
                }
            }
        };
        assert_eq!(idva_sees(&t).await, None, "{l}: another team's case");

        // Lifting the restriction applies on the next read, without signing in again.
        let tx = t.store.begin().await.unwrap();
        tx.set_team_restriction(a.idva.agency_id, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(idva_sees(&t).await, Some((1, 1)), "{l}: restriction off");

        // Restricted again, then moved into the case's team.
        let tx = t.store.begin().await.unwrap();
        tx.set_team_restriction(a.idva.agency_id, true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(idva_sees(&t).await, None, "{l}: restriction back on");
        let tx = t.store.begin().await.unwrap();
        tx.set_user_team(a.idva.id, Some(south.id)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(idva_sees(&t).await, Some((1, 1)), "{l}: now in South");

        // The teams, the restriction and the memberships survive a backup.
        let (bytes, _) = t.store.backup().await.unwrap();
        for target in all_backends().await.unwrap() {
            target.store.restore(&bytes).await.unwrap();
            let tx = target.store.begin().await.unwrap();
            let names: Vec<String> = tx
                .teams(a.idva.agency_id)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect();
            assert_eq!(names, ["North", "South"], "{l} -> {}", target.label);
            assert!(tx.restricts_to_teams(a.idva.agency_id).await.unwrap());
            let me = tx.user(a.idva.id).await.unwrap().unwrap();
            assert_eq!(me.team_id, Some(south.id));
            assert!(me.restricted_to_team);
            tx.commit().await.unwrap();
        }
    }
}

#[tokio::test]
async fn possible_matches_are_explained_decided_once_and_never_show_a_case_out_of_sight() {
    for t in stores().await {
        let a = area(&t.store).await;
        let l = t.label;
        let named = |given: &str, family: &str| {
            let mut r = referral(&a, given);
            r.victim.family_name = family.into();
            r.victim.date_of_birth = Some(date!(1988 - 07 - 21));
            r.perpetrator.given_name = "Anthony".into();
            r.perpetrator.family_name = "Brindlecombe".into();
            r.perpetrator.date_of_birth = Some(date!(1984 - 02 - 11));
            r
        };
        let tx = t.store.begin().await.unwrap();
        let first = tx
            .create_referral(&a.idva, a.marac, &named("Katherine", "Ollerenshaw"), None)
            .await
            .unwrap();
        let mut again = named("Kate", "Ollerenshaw");
        again.perpetrator.given_name = "Tony".into();
        let second = tx
            .create_referral(&a.idva, a.marac, &again, None)
            .await
            .unwrap();
        // The police hold a third record of her, which the Idva may not see.
        let police = tx
            .create_referral(&a.police, a.marac, &named("Katie", "Ollerenshaw"), None)
            .await
            .unwrap();
        // Someone else entirely.
        let mut other = named("Priya", "Nandakumar");
        other.victim.date_of_birth = Some(date!(1979 - 11 - 30));
        other.perpetrator.given_name = "Gareth".into();
        other.perpetrator.family_name = "Whitcombe".into();
        other.perpetrator.date_of_birth = Some(date!(1975 - 05 - 05));
        tx.create_referral(&a.idva, a.marac, &other, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let tx = t.store.begin().await.unwrap();
        let found = tx.possible_matches(&a.idva, second, None).await.unwrap();
        assert!(found.same_person.is_empty(), "{l}: nothing confirmed yet");
        let found = found.possible;
        tx.commit().await.unwrap();
        // Kate and Katherine; Tony and Anthony: both on the first case, nothing else.
        let pairs: Vec<(&str, &str, Uuid)> = found
            .iter()
            .map(|m| {
                (
                    m.person_name.as_str(),
                    m.other_name.as_str(),
                    m.other_case_id,
                )
            })
            .collect();
        assert_eq!(
            pairs.len(),
            2,
            "{l}: {pairs:?} ({:?})",
            found.iter().map(|m| m.probability).collect::<Vec<_>>()
        );
        assert!(pairs.iter().all(|(.., c)| *c == first), "{l}: {pairs:?}");
        assert!(
            pairs.contains(&("Kate Ollerenshaw", "Katherine Ollerenshaw", first)),
            "{l}: {pairs:?}"
        );
        assert!(
            pairs.contains(&("Tony Brindlecombe", "Anthony Brindlecombe", first)),
            "{l}: {pairs:?}"
        );
        let kate = found
            .iter()
            .find(|m| m.person_role == "victim")
            .unwrap()
            .clone();
        assert!(kate.probability >= waymark_store::matching::SUGGEST_FROM);
        assert!(
            kate.evidence.iter().any(|e| e.starts_with("First name:")),
            "{l}: the explanation names the fields: {:?}",
            kate.evidence
        );
        assert!(
            kate.evidence
                .iter()
                .any(|e| e.starts_with("Date of birth:"))
        );

        // The police caseworker is never told about the Idva's cases.
        let tx = t.store.begin().await.unwrap();
        assert!(
            tx.possible_matches(&a.police, police, None)
                .await
                .unwrap()
                .possible
                .is_empty(),
            "{l}"
        );
        // Nor may they ask about a case they cannot see: as missing as a missing one.
        assert!(matches!(
            tx.possible_matches(&a.police, second, None).await,
            Err(CaseError::NotFound)
        ));
        tx.commit().await.unwrap();

        // A decision needs a decision, and a pair that is suggested; refused ones save nothing.
        let pid = kate.person_id.to_string();
        let oid = kate.other_person_id.to_string();
        let tx = t.store.begin().await.unwrap();
        assert!(matches!(
            tx.decide_match(&a.idva, second, &pid, &oid, "maybe", None)
                .await,
            Err(CaseError::Form(_))
        ));
        assert!(matches!(
            tx.decide_match(
                &a.idva,
                second,
                &pid,
                &Uuid::now_v7().to_string(),
                "same",
                None
            )
            .await,
            Err(CaseError::Form(_))
        ));
        assert!(matches!(
            tx.decide_match(&a.police, second, &pid, &oid, "same", None)
                .await,
            Err(CaseError::NotFound)
        ));
        drop(tx);
        assert_eq!(count(&t.store, "person_matches").await, 0, "{l}");

        let tx = t.store.begin().await.unwrap();
        tx.decide_match(&a.idva, second, &pid, &oid, "same", None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Never asked again, from either case; a second decision on the pair is refused.
        let tx = t.store.begin().await.unwrap();
        let seen = tx.possible_matches(&a.idva, second, None).await.unwrap();
        // Kate is now Katherine: the first case is hers, with its state.
        let same: Vec<_> = seen
            .same_person
            .iter()
            .map(|c| (c.person_name.as_str(), c.other_case_id, c.basis))
            .collect();
        assert_eq!(
            same,
            [("Kate Ollerenshaw", first, "confirmed as the same person")],
            "{l}: the police's record of her stays out of sight"
        );
        assert_eq!(seen.same_person[0].other_role, "victim");
        assert!(!seen.same_person[0].other_reference.is_empty());
        let left = seen.possible;
        assert_eq!(left.len(), 1, "{l}: only Tony and Anthony are left");
        assert_eq!(left[0].person_role, "perpetrator");
        let from_first = tx.possible_matches(&a.idva, first, None).await.unwrap();
        assert_eq!(
            from_first
                .same_person
                .iter()
                .map(|c| (c.person_name.as_str(), c.other_case_id))
                .collect::<Vec<_>>(),
            [("Katherine Ollerenshaw", second)],
            "{l}: and from her first case"
        );
        let from_first = from_first.possible;
        assert!(
            from_first.iter().all(|m| m.person_role == "perpetrator"),
            "{l}: {from_first:?}"
        );
        assert!(matches!(
            tx.decide_match(&a.idva, second, &pid, &oid, "different", None)
                .await,
            Err(CaseError::Form(_))
        ));
        tx.commit().await.unwrap();
        assert_eq!(count(&t.store, "person_matches").await, 1, "{l}");
        let audit = t.store.recent_audit(40).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|r| r.action == "person_match.confirm" && r.outcome == "allowed")
        );
        assert!(audit.iter().any(|r| r.action == "person_match.suggest"
            && r.object_id.as_deref() == Some(first.to_string().as_str())));
        assert!(audit.iter().any(|r| r.action == "person_match.show"
            && r.object_id.as_deref() == Some(second.to_string().as_str())));
        assert!(audit.iter().any(|r| r.action == "person_match.view"
            && r.outcome == "denied"
            && r.actor_user_id == Some(a.police.id)));
    }
}

#[tokio::test]
async fn a_correction_changes_the_person_everywhere_and_matching_sees_it_at_once() {
    for t in stores().await {
        let a = area(&t.store).await;
        let l = t.label;
        let today = date!(2026 - 12 - 03);
        let named = |given: &str, family: &str, born| {
            let mut r = referral(&a, given);
            r.victim.family_name = family.into();
            r.victim.date_of_birth = born;
            r
        };
        let tx = t.store.begin().await.unwrap();
        let first = tx
            .create_referral(
                &a.idva,
                a.marac,
                &named("Katherine", "Ollerenshaw", Some(date!(1988 - 07 - 21))),
                None,
            )
            .await
            .unwrap();
        // The second referral's victim was recorded under the wrong name (a friend's, given
        // in fear), without her date of birth.
        let second = tx
            .create_referral(&a.idva, a.marac, &named("Mira", "Quenby", None), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let victim_matches = |m: &waymark_store::matching::Matches| {
            m.possible
                .iter()
                .filter(|p| p.person_role == "victim" && p.other_case_id == first)
                .count()
        };
        let tx = t.store.begin().await.unwrap();
        let before = tx.possible_matches(&a.idva, second, None).await.unwrap();
        let detail = tx.case_detail(&a.idva, second, None).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(victim_matches(&before), 0, "{l}: {:?}", before.possible);
        let victim = detail.victim().unwrap().person_id;
        let perpetrator = detail
            .people
            .iter()
            .find(|p| p.role == "perpetrator")
            .unwrap();
        let fields = |given: &str, family: &str, dob: &str| {
            vec![
                (format!("{victim}-given_name"), given.to_owned()),
                (format!("{victim}-family_name"), family.to_owned()),
                (format!("{victim}-date_of_birth"), dob.to_owned()),
                (format!("{victim}-gender"), "female".to_owned()),
                (
                    format!("{}-given_name", perpetrator.person_id),
                    perpetrator.given_name.clone(),
                ),
                (
                    format!("{}-family_name", perpetrator.person_id),
                    perpetrator.family_name.clone(),
                ),
                (
                    format!("{}-date_of_birth", perpetrator.person_id),
                    perpetrator
                        .date_of_birth
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                ),
            ]
        };

        // Bad input names each problem and saves nothing; another agency gets a 404.
        let tx = t.store.begin().await.unwrap();
        match tx
            .correct_people(
                &a.idva,
                second,
                &fields(" ", "Ollerenshaw", "2099-01-01"),
                today,
                None,
            )
            .await
        {
            Err(CaseError::Form(errors)) => {
                let named: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                assert_eq!(
                    named,
                    [
                        format!("{victim}-given_name"),
                        format!("{victim}-date_of_birth")
                    ],
                    "{l}"
                );
            }
            other => panic!("{l}: {other:?}"),
        }
        assert!(matches!(
            tx.correct_people(
                &a.police,
                second,
                &fields("Kate", "Ollerenshaw", ""),
                today,
                None
            )
            .await,
            Err(CaseError::NotFound)
        ));
        // As a request would: the refusal's audit row is kept.
        tx.commit().await.unwrap();
        let tx = t.store.begin().await.unwrap();
        let unchanged = tx.case_detail(&a.idva, second, None).await.unwrap();
        assert_eq!(unchanged.victim().unwrap().family_name, "Quenby", "{l}");
        // The correction: her surname and date of birth. The perpetrator is as he was.
        let changed = tx
            .correct_people(
                &a.idva,
                second,
                &fields(" Kate ", "Ollerenshaw", "1988-07-21"),
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(changed, 1, "{l}");
        let detail = tx.case_detail(&a.idva, second, None).await.unwrap();
        let v = detail.victim().unwrap();
        assert_eq!(
            (
                v.given_name.as_str(),
                v.family_name.as_str(),
                v.date_of_birth
            ),
            ("Kate", "Ollerenshaw", Some(date!(1988 - 07 - 21))),
            "{l}"
        );
        assert_eq!(v.gender.as_deref(), Some("female"));
        // The matching index refiles her at once: she now matches Katherine.
        let after = tx.possible_matches(&a.idva, second, None).await.unwrap();
        assert_eq!(victim_matches(&after), 1, "{l}: {:?}", after.possible);
        // Saving the same details again changes nothing.
        let again = tx
            .correct_people(
                &a.idva,
                second,
                &fields("Kate", "Ollerenshaw", "1988-07-21"),
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(again, 0, "{l}");
        tx.commit().await.unwrap();
        let audit = t.store.recent_audit(30).await.unwrap();
        assert!(audit.iter().any(|r| r.action == "case.person.correct"
            && r.outcome == "allowed"
            && r.object_id.as_deref() == Some(second.to_string().as_str())));
        assert!(audit.iter().any(|r| r.action == "case.person.correct"
            && r.outcome == "denied"
            && r.actor_user_id == Some(a.police.id)));
    }
}
