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
        assert_eq!(
            detail.referral.as_ref().unwrap().safe_phone.as_deref(),
            Some("07700 900123")
        );
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
            2,
            "{}: both refused reads are audited",
            t.label
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
        assert_eq!(count(&t.store, "marac_referrals").await, 2, "{}", t.label);
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
        assert!(
            matches!(
                t.store.verify_audit_chain().await.unwrap(),
                ChainCheck::Broken { at_seq: 2, .. }
            ),
            "{}",
            t.label
        );
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
        assert!(
            matches!(
                t.store.verify_audit_chain().await.unwrap(),
                ChainCheck::Broken { at_seq: 3, .. }
            ),
            "{}",
            t.label
        );
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
        assert!(
            matches!(
                t.store.verify_audit_chain().await.unwrap(),
                ChainCheck::Broken { at_seq: 3, .. }
            ),
            "{}",
            t.label
        );
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
        assert!(
            matches!(
                t.store.verify_audit_chain().await.unwrap(),
                ChainCheck::Broken { at_seq: 2, .. }
            ),
            "{}",
            t.label
        );
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
            .start_session(a.idva.id, policy, time::OffsetDateTime::now_utc())
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
            .start_session(a.idva.id, policy, time::OffsetDateTime::now_utc())
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
