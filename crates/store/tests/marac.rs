//! The Marac as it runs, against real databases (SQLite always, PostgreSQL when
//! `WAYMARK_TEST_DATABASE_URL` is set): screening and repeats, meeting allocation, the
//! research window, the meeting itself, the data return, audit and sealing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;

use sea_orm::{ConnectionTrait, Statement};
use time::Date;
use time::macros::date;
use waymark_domain::dash::{Answer, Assessment, InstrumentRegistry, Thresholds};
use waymark_domain::marac::{
    ActionInput, ActionStatus, ActionUpdateInput, AttendanceStatus, Cadence, Capacity,
    MeetingStatus, Minutes, Schedule,
};
use waymark_domain::marac_referral::{
    MaracReferralDetails, MaracReferralInput, ReferralStatus, ScreeningInput,
};
use waymark_domain::marac_return::AgencyKind;
use waymark_domain::referral::{
    Child, Consent, Gender, NewReferral, PersonDetails, ReferralRoute, Relationship,
};
use waymark_domain::role::Role;
use waymark_store::audit::ChainCheck;
use waymark_store::cases::{CaseError, Excluded};
use waymark_store::marac::{AgendaCase, HearingAccess, HearingView, MaracSettings, QueuedReferral};
use waymark_store::testing::{TestStore, all_backends};
use waymark_store::users::User;
use waymark_store::{Store, Tx, Uuid};

struct World {
    marac: Uuid,
    police: Uuid,
    idva: Uuid,
    housing: Uuid,
    health: Uuid,
    /// Caseworkers of the Idva service and the police, who hold and refer cases.
    idva_worker: User,
    police_worker: User,
    /// Marac coordinator at the Idva service (the coordinating agency).
    coord: User,
    /// Agency representatives: housing (a member), health (not a member), and a police
    /// representative who chairs the Marac.
    housing_rep: User,
    health_rep: User,
    chair: User,
    housing_manager: User,
}

/// Meetings every other Tuesday from 6 January 2026: 6 and 20 January, 3 and 17 February…
const FIRST_MEETING: Date = date!(2026 - 01 - 06);
const JAN_20: Date = date!(2026 - 01 - 20);
const ADULT: Date = date!(1990 - 01 - 02);

/// Awaits a store call that must succeed.
macro_rules! ok {
    ($call:expr) => {
        $call.await.unwrap()
    };
}

async fn stores() -> Vec<TestStore> {
    all_backends().await.unwrap()
}

async fn world(store: &Store, cases_per_meeting: u32) -> World {
    let tx = store.begin().await.unwrap();
    let police = ok!(tx.create_agency("Police", "police")).id;
    let idva = ok!(tx.create_agency("Idva Service", "idva_service")).id;
    let housing = ok!(tx.create_agency("Housing", "housing")).id;
    let health = ok!(tx.create_agency("Health", "health")).id;
    let marac = ok!(tx.create_marac("Testshire Marac", "Testshire", &Thresholds::default())).id;
    let mut n = 0;
    let mut user = async |agency: Uuid, role: Role, name: &str| {
        n += 1;
        let email = format!("user{n}@example.test");
        ok!(tx.create_user(&email, name, agency, role, "long enough password"))
    };
    let idva_worker = user(idva, Role::Caseworker, "Idva Worker").await;
    let police_worker = user(police, Role::Caseworker, "Police Worker").await;
    let coord = user(idva, Role::MaracCoordinator, "Coordinator").await;
    let housing_rep = user(housing, Role::AgencyRep, "Housing Rep").await;
    let health_rep = user(health, Role::AgencyRep, "Health Rep").await;
    let chair = user(police, Role::AgencyRep, "Chair").await;
    let housing_manager = user(housing, Role::Manager, "Housing Manager").await;
    let settings = MaracSettings {
        coordinating_agency_id: Some(idva),
        chair_user_id: Some(chair.id),
        schedule: Some(Schedule {
            first_on: FIRST_MEETING,
            cadence: Cadence::EveryWeeks { weeks: 2 },
        }),
        capacity: Capacity {
            cases_per_meeting,
            research_days: 5,
        },
        repeats_first: true,
        adult_female_population: Some(100_000),
        members: vec![police, idva, housing],
    };
    ok!(tx.configure_marac(marac, &settings));
    ok!(tx.commit());
    World {
        marac,
        police,
        idva,
        housing,
        health,
        idva_worker,
        police_worker,
        coord,
        housing_rep,
        health_rep,
        chair,
        housing_manager,
    }
}

fn person(given: &str, born: Date) -> PersonDetails {
    PersonDetails {
        given_name: given.into(),
        family_name: "Example".into(),
        date_of_birth: Some(born),
        gender: None,
    }
}

fn assessment(yes: usize, on: Date) -> Assessment {
    let registry = InstrumentRegistry::builtin().unwrap();
    let instrument = registry.default_instrument();
    let answers: BTreeMap<String, Answer> = instrument
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (
                item.key.clone(),
                [Answer::Yes, Answer::No][usize::from(i >= yes)],
            )
        })
        .collect();
    Assessment::new(instrument, answers, BTreeMap::new(), 0, None, on, None).unwrap()
}

/// Opens a case held by `by`'s agency, with `children` children and a Dash of `yes` answers.
async fn open_case(
    tx: &Tx,
    w: &World,
    by: &User,
    victim: PersonDetails,
    children: usize,
    yes: usize,
    on: Date,
) -> Uuid {
    let perpetrator = person("Perp", date!(1985 - 05 - 05));
    open_case_naming(tx, w, by, victim, perpetrator, children, yes, on).await
}

#[allow(clippy::too_many_arguments)]
async fn open_case_naming(
    tx: &Tx,
    w: &World,
    by: &User,
    victim: PersonDetails,
    perpetrator: PersonDetails,
    children: usize,
    yes: usize,
    on: Date,
) -> Uuid {
    let child = |i| Child {
        person: person(&format!("Kid{i}"), date!(2018 - 03 - 04)),
        lives_with: None,
    };
    let new = NewReferral {
        victim,
        perpetrator,
        relationship: Relationship::ExPartner,
        children: (0..children).map(child).collect(),
        referring_agency_id: by.agency_id.to_string(),
        route: ReferralRoute::Police,
        referred_on: on,
        consent: Consent::Given,
        consent_reason: None,
        victim_aware: true,
        reason: None,
        safe_phone: None,
        safe_times: None,
        voicemail_safe: false,
        post_safe: false,
    };
    let id = ok!(tx.create_referral(by, w.marac, &new, None));
    let registry = InstrumentRegistry::builtin().unwrap();
    let dash = assessment(yes, on);
    ok!(tx.record_assessment(by, id, &registry, dash, None));
    id
}

/// An adult victim's case, without children.
async fn case(tx: &Tx, w: &World, by: &User, name: &str, yes: usize, on: Date) -> Uuid {
    open_case(tx, w, by, person(name, ADULT), 0, yes, on).await
}

fn form(reason: &str, disabled: &str) -> MaracReferralDetails {
    let input = MaracReferralInput {
        consent: "given".into(),
        victim_aware: "yes".into(),
        reason: reason.into(),
        victim_disabled: if disabled.is_empty() {
            "not_known"
        } else {
            disabled
        }
        .into(),
        victim_racially_minoritised: "not_known".into(),
        victim_lgbt: "not_known".into(),
        victim_gender: "not_known".into(),
        ..Default::default()
    };
    input.parse().unwrap()
}

async fn refer(tx: &Tx, by: &User, case: Uuid, on: Date) -> (Uuid, ReferralStatus) {
    let details = form("Threats to kill", "");
    ok!(tx.refer_to_marac(by, case, &details, on, None))
}

/// The coordinator's decision on a referral.
async fn screen(
    tx: &Tx,
    w: &World,
    referral: Uuid,
    (decision, repeat_of, reason): (&str, Option<Uuid>, &str),
    today: Date,
) -> Result<Option<Date>, CaseError> {
    let input = ScreeningInput {
        decision: decision.into(),
        repeat_of: repeat_of.map(|r| r.to_string()).unwrap_or_default(),
        reason: reason.into(),
    };
    let coord = &w.coord;
    tx.screen_referral(coord, referral, &input, today, None)
        .await
}

const ACCEPT: (&str, Option<Uuid>, &str) = ("accept", None, "");

fn repeat_of(earlier: Uuid) -> (&'static str, Option<Uuid>, &'static str) {
    ("accept", Some(earlier), "")
}

/// Refers a case and has the coordinator accept it on `on`; the referral and its meeting.
async fn refer_and_accept(tx: &Tx, w: &World, by: &User, case: Uuid, on: Date) -> (Uuid, Date) {
    let (id, _) = refer(tx, by, case, on).await;
    let meets_on = screen(tx, w, id, ACCEPT, on).await.unwrap();
    (id, meets_on.unwrap())
}

/// Asserts a form error naming exactly these fields.
fn bad<T: Debug>(r: Result<T, CaseError>, expected: &[&str]) {
    match r {
        Err(CaseError::Form(errors)) => {
            let got: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(got, expected, "{errors:?}");
        }
        other => panic!("expected a form error on {expected:?}, got {other:?}"),
    }
}

fn nf<T: Debug>(r: Result<T, CaseError>) {
    let refused = matches!(r, Err(CaseError::NotFound));
    assert!(refused, "expected not found, got {r:?}");
}

async fn queued(tx: &Tx, w: &World, referral: Uuid) -> Option<QueuedReferral> {
    let queue = ok!(tx.referral_queue(&w.coord, None));
    queue.into_iter().find(|q| q.id == referral)
}

fn candidates(q: &QueuedReferral) -> Vec<(Uuid, bool)> {
    q.candidates.iter().map(|c| (c.id, c.same_record)).collect()
}

/// The meeting on a date, as the coordinator lists it.
async fn meeting_on(tx: &Tx, w: &World, on: Date) -> Uuid {
    let meetings = ok!(tx.meetings_for(&w.coord));
    meetings.iter().find(|m| m.meets_on == on).unwrap().id
}

/// A meeting's agenda as `who` sees it, after accepting the confidentiality statement.
async fn agenda(tx: &Tx, who: &User, meeting: Uuid) -> Vec<AgendaCase> {
    ok!(tx.accept_confidentiality(who, meeting, None));
    let view = ok!(tx.meeting(who, meeting, FIRST_MEETING, None));
    view.agenda
}

fn cases_of(agenda: &[AgendaCase]) -> Vec<Uuid> {
    agenda.iter().map(|a| a.case_id).collect()
}

fn research(view: &HearingView) -> Vec<(Uuid, &str)> {
    let rows = view.research.iter();
    rows.map(|r| (r.agency_id, r.research.as_str())).collect()
}

fn hearing_of(agenda: &[AgendaCase], case: Uuid) -> Uuid {
    let item = agenda.iter().find(|a| a.case_id == case);
    item.unwrap().hearing_id
}

async fn open(tx: &Tx, who: &User, hearing: Uuid, today: Date) -> HearingView {
    match ok!(tx.hearing(who, hearing, today, None)) {
        HearingAccess::Open(v) => *v,
        other => panic!("expected an open hearing, got {other:?}"),
    }
}

async fn is_open(tx: &Tx, who: &User, hearing: Uuid, today: Date) -> bool {
    let access = tx.hearing(who, hearing, today, None).await;
    matches!(access, Ok(HearingAccess::Open(_)))
}

fn action(text: &str, agency: Uuid, due: &str) -> ActionInput {
    ActionInput {
        action: text.into(),
        agency_id: agency.to_string(),
        due_on: due.into(),
        purpose: "victim".into(),
    }
}

async fn set_action(tx: &Tx, who: &User, action: Uuid, status: &str) -> Result<(), CaseError> {
    let input = ActionUpdateInput {
        status: status.into(),
        ..Default::default()
    };
    let update = input.parse().unwrap();
    tx.update_action(who, action, &update, None, None).await
}

fn decision(text: &str) -> Minutes {
    Minutes {
        decision: Some(text.into()),
        ..Minutes::default()
    }
}

fn statement(store: &Store, sql: &str) -> Statement {
    Statement::from_string(store.connection().get_database_backend(), sql.to_owned())
}

/// The `v` column of every row a query returns, as text (NULL as empty).
async fn column(store: &Store, sql: &str) -> Vec<String> {
    let rows = store.connection().query_all_raw(statement(store, sql));
    let text = |r: &sea_orm::QueryResult| r.try_get::<Option<String>>("", "v").unwrap();
    let rows = rows.await.unwrap();
    rows.iter().map(|r| text(r).unwrap_or_default()).collect()
}

async fn count(store: &Store, sql: &str) -> i64 {
    let row = store.connection().query_one_raw(statement(store, sql));
    row.await.unwrap().unwrap().try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn repeats_are_found_within_twelve_months_and_screening_follows_the_threshold() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let (police, idva) = (&w.police_worker, &w.idva_worker);
        let d = date!(2026 - 01 - 05);
        // The police refer Xena; the coordinator accepts her onto the meeting of the 20th.
        let a_case = case(&tx, &w, police, "Xena", 15, d).await;
        let (a, status) = refer(&tx, police, a_case, d).await;
        assert_eq!(status, ReferralStatus::Received, "{l}");
        let q = queued(&tx, &w, a).await.expect("in the queue");
        assert!(q.meets_threshold && q.candidates.is_empty(), "{l}: {q:?}");
        assert_eq!((q.yes_count, q.referring_agency.as_str()), (15, "Police"));
        // Only the coordinator screens.
        assert!(ok!(tx.referral_queue(police, None)).is_empty());
        nf(tx.screening(police, a, None).await);
        let input = ScreeningInput {
            decision: "accept".into(),
            ..Default::default()
        };
        nf(tx.screen_referral(&w.chair, a, &input, d, None).await);
        assert_eq!(screen(&tx, &w, a, ACCEPT, d).await.unwrap(), Some(JAN_20));
        assert!(queued(&tx, &w, a).await.is_none(), "{l}: out of the queue");
        bad(screen(&tx, &w, a, ACCEPT, d).await, &["decision"]);

        // The Idva service's own cases for a woman with the same name and date of birth:
        // different person records, referred ten months, 12 months to the day and 12
        // months and a day later. The last has a Dash below the threshold.
        let ten = date!(2026 - 11 - 05);
        let to_the_day = date!(2027 - 01 - 05);
        let past = date!(2027 - 01 - 06);
        let b_case = case(&tx, &w, idva, "Xena", 15, ten).await;
        let c_case = case(&tx, &w, idva, "Xena", 15, to_the_day).await;
        let d_case = case(&tx, &w, idva, "Xena", 3, past).await;
        let (b, _) = refer(&tx, idva, b_case, ten).await;
        let (c, _) = refer(&tx, idva, c_case, to_the_day).await;
        let (dd, _) = refer(&tx, idva, d_case, past).await;
        let qb = queued(&tx, &w, b).await.unwrap();
        assert_eq!(candidates(&qb), [(a, false)], "{l}: possible, to confirm");
        assert_eq!(qb.candidates[0].agency, "Police", "{l}");
        let qc = queued(&tx, &w, c).await.unwrap();
        assert_eq!(candidates(&qc), [(a, false)], "{l}: 12 months to the day");
        let qd = queued(&tx, &w, dd).await.unwrap();
        assert!(qd.candidates.is_empty(), "{l}: a day past: {qd:?}");
        assert!(!qd.meets_threshold, "{l}");
        let view = ok!(tx.screening(&w.coord, b, None));
        assert_eq!(view.referral.candidates, qb.candidates, "{l}");
        assert_eq!(view.victim_born, Some(ADULT));

        // Only a listed candidate can be confirmed; confirming one marks the repeat.
        let stranger = repeat_of(Uuid::now_v7());
        bad(screen(&tx, &w, b, stranger, ten).await, &["repeat_of"]);
        let meets = screen(&tx, &w, b, repeat_of(a), ten).await.unwrap();
        let meets = meets.unwrap();
        let detail = ok!(tx.case_detail(idva, b_case, None));
        let refs = ok!(tx.case_marac_referrals(&detail));
        assert_eq!(refs.len(), 1, "{l}");
        let accepted = (ReferralStatus::Accepted, true);
        assert_eq!((refs[0].status, refs[0].repeat), accepted, "{l}");
        assert_eq!(refs[0].meeting_on, Some(meets), "{l}");
        assert!(meets >= ten + time::Duration::days(5), "{l}");

        // Below the threshold: only as a repeat (now of B, within 12 months).
        bad(screen(&tx, &w, dd, ACCEPT, past).await, &["decision"]);
        let qd = queued(&tx, &w, dd).await.unwrap();
        assert_eq!(candidates(&qd), [(b, false)], "{l}");
        let meets = screen(&tx, &w, dd, repeat_of(b), past).await.unwrap();
        assert!(meets.is_some(), "{l}");

        // Returning needs a reason, which the referrer then sees on the case.
        let ret = |why| ("return", None, why);
        bad(screen(&tx, &w, c, ret(" "), to_the_day).await, &["reason"]);
        let why = "Already heard last month; please send new information instead";
        let returned = screen(&tx, &w, c, ret(why), to_the_day).await;
        assert_eq!(returned.unwrap(), None, "{l}");
        let detail = ok!(tx.case_detail(idva, c_case, None));
        let refs = ok!(tx.case_marac_referrals(&detail));
        assert_eq!(refs[0].status, ReferralStatus::Returned, "{l}");
        assert_eq!(refs[0].returned_reason.as_deref(), Some(why), "{l}");
        assert_eq!(refs[0].meeting_on, None);
        assert!(ok!(tx.referral_queue(&w.coord, None)).is_empty(), "{l}");
        // The same person record referred again is a certain repeat.
        let (again, _) = refer(&tx, police, a_case, date!(2026 - 06 - 01)).await;
        let qa = queued(&tx, &w, again).await.unwrap();
        assert_eq!(candidates(&qa), [(a, true)], "{l}");
        ok!(tx.commit());
    }
}

#[tokio::test]
async fn a_victim_under_sixteen_goes_to_childrens_safeguarding() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let on = date!(2026 - 01 - 05);
        let idva = &w.idva_worker;
        let young = person("Young", date!(2010 - 01 - 06));
        let young = open_case(&tx, &w, idva, young, 0, 15, on).await;
        let sixteen = person("Sixteen", date!(2010 - 01 - 05));
        let sixteen = open_case(&tx, &w, idva, sixteen, 0, 15, on).await;
        let (y, status) = refer(&tx, idva, young, on).await;
        assert_eq!(status, ReferralStatus::Diverted, "{l}: 16 tomorrow");
        let (s, status) = refer(&tx, idva, sixteen, on).await;
        assert_eq!(status, ReferralStatus::Received, "{l}: 16 today");
        let queue = ok!(tx.referral_queue(&w.coord, None));
        assert_eq!(queue.iter().map(|q| q.id).collect::<Vec<_>>(), [s], "{l}");
        bad(screen(&tx, &w, y, ACCEPT, on).await, &["decision"]);
        let detail = ok!(tx.case_detail(idva, young, None));
        let refs = ok!(tx.case_marac_referrals(&detail));
        assert_eq!(refs[0].status, ReferralStatus::Diverted, "{l}");
    }
}

#[tokio::test]
async fn accepted_referrals_go_to_the_first_meeting_with_room_and_time_to_research() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 1).await;
        let tx = ok!(t.store.begin());
        let idva = &w.idva_worker;
        let on = date!(2026 - 01 - 10);
        let one = case(&tx, &w, idva, "One", 15, on).await;
        let two = case(&tx, &w, idva, "Two", 15, on).await;
        let three = case(&tx, &w, idva, "Three", 15, on).await;
        // Thursday 15 January leaves five days before the 20th; one case fills it.
        let (_, first) = refer_and_accept(&tx, &w, idva, one, date!(2026 - 01 - 15)).await;
        assert_eq!(first, JAN_20, "{l}");
        let (_, second) = refer_and_accept(&tx, &w, idva, two, date!(2026 - 01 - 15)).await;
        assert_eq!(second, date!(2026 - 02 - 03), "{l}: the 20th is full");
        // From Friday 16th the 3 February meeting would be in time, but it is full.
        let (_, third) = refer_and_accept(&tx, &w, idva, three, date!(2026 - 01 - 16)).await;
        assert_eq!(third, date!(2026 - 02 - 17), "{l}");
        let meetings = ok!(tx.meetings_for(&w.coord));
        let listed: Vec<_> = meetings.iter().map(|m| (m.meets_on, m.cases)).collect();
        assert_eq!(listed, [(first, 1), (second, 1), (third, 1)], "{l}");
        let planned = meetings.iter().all(|m| m.status == MeetingStatus::Planned);
        assert!(planned, "{l}");
        let detail = ok!(tx.case_detail(idva, two, None));
        let refs = ok!(tx.case_marac_referrals(&detail));
        assert_eq!(refs[0].meeting_on, Some(second), "{l}");
        // A Marac cannot be set up to hear nothing.
        let mut settings = MaracSettings::default();
        settings.capacity.cases_per_meeting = 0;
        assert!(tx.configure_marac(w.marac, &settings).await.is_err(), "{l}");
    }
}

#[tokio::test]
async fn member_agencies_research_only_published_cases_they_are_not_excluded_from() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let (idva, housing, health) = (&w.idva_worker, &w.housing_rep, &w.health_rep);
        let on = date!(2026 - 01 - 10);
        let p = case(&tx, &w, idva, "Pat", 15, on).await;
        let q = case(&tx, &w, idva, "Quin", 16, on).await;
        let r = case(&tx, &w, idva, "Rue", 15, on).await;
        let why = "The perpetrator works there";
        ok!(tx.add_exclusion(idva, q, Excluded::Agency(w.housing), why, None));
        refer_and_accept(&tx, &w, idva, p, on).await;
        refer_and_accept(&tx, &w, idva, q, on).await;
        let (_, later) = refer_and_accept(&tx, &w, idva, r, JAN_20).await;
        let m1 = meeting_on(&tx, &w, JAN_20).await;
        let m2 = meeting_on(&tx, &w, later).await;
        let full = agenda(&tx, &w.coord, m1).await;
        // Repeats first (none here), then the higher Dash score.
        assert_eq!(cases_of(&full), [q, p], "{l}");
        let (hp, hq) = (hearing_of(&full, p), hearing_of(&full, q));
        let hr = hearing_of(&agenda(&tx, &w.coord, m2).await, r);

        // Before publication the agencies see nothing; only the coordinator publishes.
        assert!(ok!(tx.meetings_for(housing)).is_empty(), "{l}");
        nf(tx.hearing(housing, hp, on, None).await);
        nf(tx.meeting(housing, m1, on, None).await);
        nf(tx.publish_agenda(&w.chair, m1, None).await);
        ok!(tx.publish_agenda(&w.coord, m1, None));
        bad(tx.publish_agenda(&w.coord, m1, None).await, &["meeting"]);

        // After it, housing sees the published meeting with only the case it may research.
        let listed = ok!(tx.meetings_for(housing));
        let listed: Vec<_> = listed.iter().map(|m| (m.id, m.cases)).collect();
        assert_eq!(listed, [(m1, 1)], "{l}");
        let before = ok!(tx.meeting(housing, m1, on, None));
        assert!(
            !before.confidentiality_accepted && before.agenda.is_empty(),
            "{l}"
        );
        match ok!(tx.hearing(housing, hp, on, None)) {
            HearingAccess::NeedsConfidentiality { meeting_id } => assert_eq!(meeting_id, m1),
            other => panic!("{l}: expected the confidentiality statement, got {other:?}"),
        }
        bad(
            tx.save_research(housing, hp, "Too early", None).await,
            &["research"],
        );
        assert_eq!(cases_of(&agenda(&tx, housing, m1).await), [p], "{l}");
        nf(tx.hearing(housing, hq, on, None).await);
        nf(tx.hearing(housing, hr, on, None).await);
        nf(tx.save_research(housing, hq, "Excluded", None).await);
        let view = open(&tx, housing, hp, on).await;
        assert!(view.can_add_research && !view.can_run, "{l}");
        assert!(view.minutes.is_none() && view.research.is_empty(), "{l}");

        // Research: each agency its own; those who run the meeting see all of it.
        let text = "Two rent arrears visits; the perpetrator was present at both";
        ok!(tx.save_research(housing, hp, text, None));
        let idva_text = "Known to the Idva since March";
        ok!(tx.save_research(&w.coord, hp, idva_text, None));
        ok!(tx.accept_confidentiality(&w.chair, m1, None));
        for runner in [&w.chair, &w.coord] {
            let view = open(&tx, runner, hp, on).await;
            assert_eq!(research(&view), [(w.housing, text), (w.idva, idva_text)]);
            assert_eq!(view.research[0].written_by, "Housing Rep", "{l}");
        }
        let own = open(&tx, housing, hp, on).await;
        assert_eq!(research(&own), [(w.housing, text)], "{l}: only its own");
        // Saving again replaces the agency's research.
        ok!(tx.save_research(housing, hp, "Updated", None));
        let all = open(&tx, &w.chair, hp, on).await.research;
        assert_eq!((all.len(), all[0].research.as_str()), (2, "Updated"), "{l}");

        // A non-member agency gets nothing at all.
        assert!(ok!(tx.meetings_for(health)).is_empty(), "{l}");
        nf(tx.meeting(health, m1, on, None).await);
        nf(tx.accept_confidentiality(health, m1, None).await);
        nf(tx.hearing(health, hp, on, None).await);
        nf(tx.save_research(health, hp, "Not a member", None).await);

        // Housing's action is on its plan until housing is excluded from the case, which
        // hides the case's actions, hearing and meeting from it at once.
        let marker = action("Add a marker", w.housing, "2026-02-03");
        let on_p = ok!(tx.add_action(&w.chair, hp, &marker, None));
        let mine = ok!(tx.agency_actions(housing, on, None));
        assert_eq!(mine.iter().map(|a| a.id).collect::<Vec<_>>(), [on_p], "{l}");
        ok!(tx.add_exclusion(idva, p, Excluded::Agency(w.housing), why, None));
        assert!(ok!(tx.agency_actions(housing, on, None)).is_empty(), "{l}");
        nf(set_action(&tx, housing, on_p, "done").await);
        nf(tx.hearing(housing, hp, on, None).await);
        assert!(ok!(tx.meetings_for(housing)).is_empty(), "{l}");
        assert!(
            is_open(&tx, &w.chair, hp, on).await,
            "{l}: the chair still sees it"
        );
        ok!(tx.commit());
    }
}

#[tokio::test]
async fn a_meeting_records_minutes_and_actions_and_closes_only_when_every_case_is_settled() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let (idva, housing, chair) = (&w.idva_worker, &w.housing_rep, &w.chair);
        let on = date!(2026 - 01 - 10);
        let p = case(&tx, &w, idva, "Pat", 15, on).await;
        let q = case(&tx, &w, idva, "Quin", 15, on).await;
        refer_and_accept(&tx, &w, idva, p, on).await;
        refer_and_accept(&tx, &w, idva, q, on).await;
        let m = meeting_on(&tx, &w, JAN_20).await;
        let items = agenda(&tx, &w.coord, m).await;
        let (hp, hq) = (hearing_of(&items, p), hearing_of(&items, q));
        let reference = |c| {
            let a = items.iter().find(|a| a.case_id == c).unwrap();
            a.case_reference.clone()
        };
        let (p_ref, q_ref) = (reference(p), reference(q));
        let talk = Minutes {
            discussion: Some("Escalating threats; children not present".into()),
            ..Minutes::default()
        };
        bad(
            tx.record_minutes(chair, hp, &talk, None).await,
            &["meeting"],
        );
        ok!(tx.publish_agenda(&w.coord, m, None));
        for who in [housing, chair] {
            ok!(tx.accept_confidentiality(who, m, None));
        }
        ok!(tx.record_minutes(chair, hp, &talk, None));
        let due = "2026-02-03";
        let mut ids = Vec::new();
        for (agency, text) in [
            (w.police, "Flag the address"),
            (w.idva, "Safety plan"),
            (w.housing, "Sanctuary scheme"),
        ] {
            let input = action(text, agency, due);
            ids.push(ok!(tx.add_action(chair, hp, &input, None)));
        }
        let (police_action, idva_action, housing_action) = (ids[0], ids[1], ids[2]);
        let gp = action("GP review", w.health, due);
        bad(tx.add_action(chair, hp, &gp, None).await, &["agency_id"]);
        let early = action("Too soon", w.police, "2026-01-19");
        bad(tx.add_action(chair, hp, &early, None).await, &["due_on"]);
        let own = action("Mine", w.housing, due);
        nf(tx.add_action(housing, hp, &own, None).await);
        nf(tx.record_minutes(housing, hp, &talk, None).await);

        // Q has neither actions nor a decision: the meeting cannot close, and says why.
        match tx.close_meeting(chair, m, None).await {
            Err(CaseError::Form(errors)) => {
                assert_eq!(errors.len(), 1, "{l}: {errors:?}");
                assert!(errors[0].message.contains(&q_ref), "{l}: {errors:?}");
                assert!(!errors[0].message.contains(&p_ref));
            }
            other => panic!("{l}: expected the meeting to refuse to close, got {other:?}"),
        }
        let nfa = decision("No further action: risk managed");
        ok!(tx.record_minutes(chair, hq, &nfa, None));
        ok!(tx.close_meeting(chair, m, None));
        bad(tx.close_meeting(chair, m, None).await, &["meeting"]);
        bad(
            tx.record_minutes(chair, hp, &talk, None).await,
            &["meeting"],
        );

        // Each agency's action plan holds its own actions and nobody else's.
        let today = date!(2026 - 01 - 30);
        for (who, id, text) in [
            (housing, housing_action, "Sanctuary scheme"),
            (&w.police_worker, police_action, "Flag the address"),
            (&w.coord, idva_action, "Safety plan"),
        ] {
            let rows = ok!(tx.agency_actions(who, today, None));
            assert_eq!(rows.len(), 1, "{l}: {} sees {rows:?}", who.display_name);
            assert_eq!((rows[0].id, rows[0].action.as_str()), (id, text), "{l}");
            assert!(rows[0].due_soon && !rows[0].overdue, "{l}");
        }
        let theirs = ok!(tx.agency_actions(&w.health_rep, today, None));
        assert!(theirs.is_empty(), "{l}");
        let late = ok!(tx.overdue_actions(&w.coord, date!(2026 - 02 - 04)));
        assert_eq!(late.len(), 3, "{l}");
        assert!(late.iter().all(|a| a.overdue));

        // Only the owner (or those who run the meeting) updates an action.
        nf(set_action(&tx, &w.police_worker, housing_action, "done").await);
        nf(set_action(&tx, &w.health_rep, housing_action, "done").await);
        ok!(set_action(&tx, housing, housing_action, "in_progress"));
        let rows = ok!(tx.agency_actions(housing, today, None));
        assert_eq!(rows[0].status, ActionStatus::InProgress, "{l}");

        // After the meeting housing reads the minutes and its own actions only, and cannot
        // add research; the window stays open while any action on the case is open.
        let view = open(&tx, housing, hp, today).await;
        assert_eq!(view.minutes.unwrap().discussion, talk.discussion, "{l}");
        let seen: Vec<_> = view.actions.iter().map(|a| a.id).collect();
        assert_eq!(seen, [housing_action], "{l}");
        assert!(!view.can_add_research, "{l}");
        let late = tx.save_research(housing, hp, "Late", None).await;
        bad(late, &["research"]);
        assert_eq!(open(&tx, chair, hp, today).await.actions.len(), 3, "{l}");
        ok!(set_action(&tx, housing, housing_action, "done"));
        ok!(set_action(&tx, &w.police_worker, police_action, "done"));
        assert!(is_open(&tx, housing, hp, today).await, "{l}: one is open");
        ok!(set_action(&tx, &w.coord, idva_action, "done"));
        nf(tx.hearing(housing, hp, today, None).await);
        assert!(ok!(tx.meetings_for(housing)).is_empty(), "{l}");
        assert!(
            is_open(&tx, chair, hp, today).await,
            "{l}: the chair sees it"
        );
        ok!(tx.commit());
    }
}

#[tokio::test]
async fn the_data_return_counts_the_closed_meetings_of_the_quarter() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let (police, idva) = (&w.police_worker, &w.idva_worker);
        // R1: referred by the police; a disabled 17-year-old man with two children.
        let mut ray = person("Ray", date!(2008 - 06 - 01));
        ray.gender = Some(Gender::Male);
        let on = date!(2026 - 01 - 10);
        let r1 = open_case(&tx, &w, police, ray, 2, 15, on).await;
        let details = form("Stalking", "yes");
        let (r1_ref, _) = ok!(tx.refer_to_marac(police, r1, &details, on, None));
        let meets = screen(&tx, &w, r1_ref, ACCEPT, on).await;
        assert_eq!(meets.unwrap(), Some(JAN_20), "{l}");
        // R2: the Idva service's case with one child, listed for 6 January (a meeting
        // that never closes) and again on the 20th as a repeat. Its perpetrator's date of
        // birth is not recorded.
        let dec = date!(2025 - 12 - 20);
        let mut unknown_age = person("Perp", ADULT);
        unknown_age.date_of_birth = None;
        let sam = person("Sam", ADULT);
        let r2 = open_case_naming(&tx, &w, idva, sam, unknown_age, 1, 15, dec).await;
        let (first, at) = refer_and_accept(&tx, &w, idva, r2, dec).await;
        assert_eq!(at, FIRST_MEETING, "{l}");
        let jan_12 = date!(2026 - 01 - 12);
        let (again, _) = refer(&tx, idva, r2, jan_12).await;
        let meets = screen(&tx, &w, again, repeat_of(first), jan_12).await;
        assert_eq!(meets.unwrap(), Some(JAN_20), "{l}");
        let m = meeting_on(&tx, &w, JAN_20).await;
        let items = agenda(&tx, &w.coord, m).await;
        assert_eq!(cases_of(&items), [r2, r1], "{l}: repeats first");
        assert!(items[0].repeat && !items[1].repeat, "{l}");
        assert_eq!((items[0].children, items[1].children), (1, 2), "{l}");
        ok!(tx.publish_agenda(&w.coord, m, None));
        let rows = [
            (w.police, AttendanceStatus::Present, Some("DS".into()), true),
            (w.idva, AttendanceStatus::Present, None, true),
            (w.housing, AttendanceStatus::Apologies, None, true),
        ];
        // Nothing is recorded before the confidentiality statement is accepted.
        bad(
            tx.record_attendance(&w.chair, m, &rows, None).await,
            &["confidentiality"],
        );
        ok!(tx.accept_confidentiality(&w.chair, m, None));
        ok!(tx.record_attendance(&w.chair, m, &rows, None));
        let outsider = [(w.health, AttendanceStatus::Present, None, false)];
        let refused = tx.record_attendance(&w.chair, m, &outsider, None).await;
        bad(refused, &["attendance"]);
        for c in [r1, r2] {
            let managed = decision("Risk managed by the Idva");
            let h = hearing_of(&items, c);
            ok!(tx.record_minutes(&w.chair, h, &managed, None));
        }
        ok!(tx.close_meeting(&w.chair, m, None));
        ok!(tx.commit());

        let (from, to) = (date!(2026 - 01 - 01), date!(2026 - 03 - 31));
        let tx = ok!(t.store.begin());
        let (_, ret) = ok!(tx.marac_return_export(w.marac, from, to));
        assert_eq!(ret.meetings, [JAN_20], "{l}: only the closed meeting");
        assert_eq!(ret.cases_discussed, 2, "{l}");
        let repeats = &ret.repeat_cases;
        let repeats = (repeats.count, repeats.of, repeats.percent_tenths);
        assert_eq!(repeats, (1, 2, Some(500)), "{l}");
        assert_eq!(ret.children, 3, "{l}");
        let by = |k| {
            ret.referrals_by_agency
                .iter()
                .find(|(a, _)| *a == k)
                .map(|a| a.1)
        };
        assert_eq!(by(AgencyKind::Police), Some(1), "{l}");
        assert_eq!(by(AgencyKind::IdvaService), Some(1), "{l}");
        assert_eq!(by(AgencyKind::Housing), Some(0), "{l}");
        assert_eq!(ret.non_police_referrals.count, 1, "{l}");
        let male = &ret.male_victims;
        assert_eq!((male.count, male.unknown), (1, 1), "{l}");
        let disabled = &ret.disabled_victims;
        assert_eq!((disabled.count, disabled.unknown), (1, 1), "{l}");
        assert_eq!(ret.victims_aged_16_17.count, 1, "{l}");
        // R1's perpetrator is known to be an adult; R2's has no date of birth: unknown,
        // not "no".
        let young = &ret.perpetrators_17_or_under;
        assert_eq!((young.count, young.unknown, young.of), (0, 1, 2), "{l}");
        // Attendance of the member agencies only (police, Idva service, housing): health
        // is not a member and is not listed.
        let att: Vec<_> = ret
            .attendance
            .iter()
            .map(|a| (a.agency, a.member, a.attended, a.held))
            .collect();
        let expected = [
            (AgencyKind::Police, true, 1, 1),
            (AgencyKind::IdvaService, true, 1, 1),
            (AgencyKind::Housing, true, 0, 1), // apologies
        ];
        assert_eq!(att, expected, "{l}");
        assert_eq!(ret.unmatched_attendance, 0, "{l}");
        // Coverage: 2 cases in the 90 days of January to March 2026 is 2 × 365 ÷ 90 = 8.1
        // → 8 a year; against 100,000 adult females that is 0.8 per 10,000, where the
        // recommended 40 would be 400 cases a year.
        assert_eq!(ret.days_in_period, 90, "{l}");
        assert_eq!(ret.annualised_cases, Some(8), "{l}");
        assert_eq!(ret.adult_females, Some(100_000), "{l}");
        let cov = ret.coverage.unwrap();
        assert_eq!(cov.per_10k_text(), "0.8", "{l}");
        assert_eq!((cov.recommended_per_10k, cov.recommended_cases), (40, 400));
        assert!(!cov.meets_recommended, "{l}");
        // The quarter before holds nothing closed.
        let autumn = (date!(2025 - 10 - 01), date!(2025 - 12 - 31));
        let (_, before) = ok!(tx.marac_return_export(w.marac, autumn.0, autumn.1));
        assert_eq!(before.cases_discussed, 0, "{l}");

        for outsider in [&w.housing_rep, &w.health_rep] {
            nf(tx.marac_return(outsider, w.marac, from, to, None).await);
        }
        for reader in [&w.coord, &w.chair, &w.housing_manager] {
            let (config, theirs) = ok!(tx.marac_return(reader, w.marac, from, to, None));
            assert_eq!(config.marac.id, w.marac);
            assert_eq!(theirs, ret, "{l}: {}", reader.display_name);
        }
        let reversed = tx.marac_return(&w.coord, w.marac, to, from, None).await;
        bad(reversed, &["from"]);
        let year_and_a_day = tx
            .marac_return(&w.coord, w.marac, from, date!(2027 - 01 - 02), None)
            .await;
        bad(year_and_a_day, &["to"]);
        ok!(tx.commit());
    }
}

#[tokio::test]
async fn reading_a_hearing_is_audited_against_the_case() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let on = date!(2026 - 01 - 10);
        let p = case(&tx, &w, &w.idva_worker, "Pat", 15, on).await;
        refer_and_accept(&tx, &w, &w.idva_worker, p, on).await;
        let m = meeting_on(&tx, &w, JAN_20).await;
        let h = hearing_of(&agenda(&tx, &w.coord, m).await, p);
        ok!(tx.commit());

        let rows = |object_type: &str, id: Uuid, outcome: &str| {
            format!(
                "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'marac.hearing.open' \
                 AND object_type = '{object_type}' AND object_id = '{id}' \
                 AND outcome = '{outcome}'"
            )
        };
        let opened = rows("case", p, "allowed");
        let refused = rows("marac_hearing", h, "denied");
        assert_eq!(count(&t.store, &opened).await, 0, "{l}");
        let tx = ok!(t.store.begin());
        ok!(tx.accept_confidentiality(&w.chair, m, None));
        open(&tx, &w.chair, h, on).await;
        nf(tx.hearing(&w.health_rep, h, on, None).await);
        ok!(tx.commit());
        assert_eq!(count(&t.store, &opened).await, 1, "{l}");
        assert_eq!(count(&t.store, &refused).await, 1, "{l}: refusals too");
        let recent = ok!(t.store.recent_audit(5));
        let read = recent
            .iter()
            .find(|r| r.action == "marac.hearing.open" && r.outcome == "allowed")
            .unwrap();
        assert_eq!(read.actor_user_id, Some(w.chair.id), "{l}");
        let chain = ok!(t.store.verify_audit_chain());
        assert!(matches!(chain, ChainCheck::Intact { .. }), "{l}");
    }
}

#[tokio::test]
async fn research_minutes_and_actions_are_sealed_at_rest() {
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let (idva, housing, chair) = (&w.idva_worker, &w.housing_rep, &w.chair);
        let on = date!(2026 - 01 - 10);
        let p = case(&tx, &w, idva, "Pat", 15, on).await;
        refer_and_accept(&tx, &w, idva, p, on).await;
        let q = case(&tx, &w, idva, "Quin", 15, on).await;
        let details = form("MARKERREFERRALREASON", "");
        let (rq, _) = ok!(tx.refer_to_marac(idva, q, &details, on, None));
        let ret = ("return", None, "MARKERRETURNED");
        screen(&tx, &w, rq, ret, on).await.unwrap();
        let m = meeting_on(&tx, &w, JAN_20).await;
        let h = hearing_of(&agenda(&tx, &w.coord, m).await, p);
        ok!(tx.publish_agenda(&w.coord, m, None));
        ok!(tx.accept_confidentiality(housing, m, None));
        ok!(tx.accept_confidentiality(chair, m, None));
        let research = "MARKERRESEARCH tenancy history";
        ok!(tx.save_research(housing, h, research, None));
        let minutes = Minutes {
            discussion: Some("MARKERDISCUSSION".into()),
            decision: Some("MARKERDECISION".into()),
            ..Minutes::default()
        };
        ok!(tx.record_minutes(chair, h, &minutes, None));
        let locks = action("MARKERACTION fit locks", w.housing, "2026-02-03");
        let a = ok!(tx.add_action(chair, h, &locks, None));
        let update = ActionUpdateInput {
            status: "in_progress".into(),
            note: "MARKERNOTE".into(),
            ..Default::default()
        };
        let update = update.parse().unwrap();
        ok!(tx.update_action(housing, a, &update, None, None));
        // The markers really were stored, and read back in the clear.
        let view = open(&tx, chair, h, on).await;
        assert_eq!(view.research[0].research, research, "{l}");
        assert_eq!(view.actions[0].action, "MARKERACTION fit locks", "{l}");
        assert_eq!(view.actions[0].note.as_deref(), Some("MARKERNOTE"), "{l}");
        assert_eq!(view.minutes.unwrap(), minutes, "{l}");
        ok!(tx.commit());

        for (sql, marker) in [
            ("SELECT research AS v FROM marac_research", "MARKERRESEARCH"),
            ("SELECT action AS v FROM marac_actions", "MARKERACTION"),
            ("SELECT status_note AS v FROM marac_actions", "MARKERNOTE"),
            ("SELECT discussion AS v FROM marac_hearings", "MARKERDISC"),
            ("SELECT decision AS v FROM marac_hearings", "MARKERDECISION"),
            ("SELECT details AS v FROM marac_referrals", "MARKERREFERRAL"),
            (
                "SELECT returned_reason AS v FROM marac_referrals",
                "MARKERRET",
            ),
        ] {
            let values = column(&t.store, sql).await;
            let stored = values.iter().any(|v| !v.is_empty());
            assert!(stored, "{l}: {sql} stored something");
            let clear = values.iter().filter(|v| v.contains(marker)).count();
            assert_eq!(clear, 0, "{l}: {marker} in the clear: {values:?}");
        }
    }
}

#[tokio::test]
async fn the_coordinator_is_told_of_flagged_people_linked_perpetrators_and_transfers() {
    for t in stores().await {
        let w = world(&t.store, 16).await;
        // Flags look back 12 months from today, and cases are opened now: dates are relative.
        let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
        let on = today - time::Duration::days(40);
        let tx = t.store.begin().await.unwrap();
        // Two victims, the same perpetrator (every case in this world names "Perp Example",
        // born 1985-05-05).
        let ada = case(&tx, &w, &w.idva_worker, "Ada", 15, on).await;
        let bea = case(&tx, &w, &w.police_worker, "Bea", 15, on).await;
        let (_, meets_on) = refer_and_accept(&tx, &w, &w.idva_worker, ada, on).await;
        refer_and_accept(&tx, &w, &w.police_worker, bea, on).await;
        let meeting = meeting_on(&tx, &w, meets_on).await;
        let coordinator_view = agenda(&tx, &w.coord, meeting).await;
        let reference = |c: Uuid| {
            let item = coordinator_view.iter().find(|a| a.case_id == c).unwrap();
            item.case_reference.clone()
        };
        let linked = |v: &[AgendaCase], c: Uuid| {
            v.iter()
                .find(|a| a.case_id == c)
                .unwrap()
                .linked_cases
                .iter()
                .map(|l| l.other_reference.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            linked(&coordinator_view, ada),
            vec![reference(bea)],
            "{}",
            t.label
        );
        assert_eq!(
            linked(&coordinator_view, bea),
            vec![reference(ada)],
            "{}",
            t.label
        );
        ok!(tx.publish_agenda(&w.coord, meeting, None));
        let housing_view = agenda(&tx, &w.housing_rep, meeting).await;
        assert!(
            housing_view.iter().all(|a| a.linked_cases.is_empty()),
            "only those running the meeting see links"
        );

        // Police open a new case naming Ada (same name and date of birth): the coordinator is told.
        let again = case(&tx, &w, &w.police_worker, "Ada", 4, today).await;
        let flags = ok!(tx.marac_flags(&w.coord, today));
        let victim_flags: Vec<_> = flags.iter().filter(|f| f.role == "victim").collect();
        assert_eq!(victim_flags.len(), 1, "{}: {flags:?}", t.label);
        assert_eq!(victim_flags[0].person_name, "Ada Example");
        assert_eq!(victim_flags[0].agency, "Police");
        assert_eq!(victim_flags[0].referred_on, on);
        assert!(
            flags
                .iter()
                .any(|f| f.role == "perpetrator" && f.person_name == "Perp Example")
        );
        assert!(
            ok!(tx.marac_flags(&w.health_rep, today)).is_empty(),
            "only coordinators are told"
        );
        // A coordinator excluded from the new case is not told of it.
        ok!(tx.add_exclusion(
            &w.police_worker,
            again,
            Excluded::User(w.coord.id),
            "Knows the family",
            None
        ));
        assert!(
            ok!(tx.marac_flags(&w.coord, today)).is_empty(),
            "{}",
            t.label
        );
        // Once referred again, it is in the queue instead of the flags.

        // A transfer: Ada moves to another Marac's area.
        let other = ok!(tx.create_marac("Otherby Marac", "Otherby", &Thresholds::default())).id;
        ok!(tx.configure_marac(
            other,
            &MaracSettings {
                coordinating_agency_id: Some(w.idva),
                chair_user_id: None,
                schedule: Some(Schedule {
                    first_on: FIRST_MEETING,
                    cadence: Cadence::EveryWeeks { weeks: 1 }
                }),
                capacity: Capacity::default(),
                repeats_first: true,
                adult_female_population: None,
                members: vec![w.idva, w.police],
            }
        ));
        let hearing = hearing_of(&coordinator_view, ada);
        ok!(tx.accept_confidentiality(&w.chair, meeting, None));
        ok!(tx.record_minutes(
            &w.chair,
            hearing,
            &Minutes {
                discussion: Some("Moved out of the area after the assault".into()),
                ..decision("none")
            },
            None
        ));
        bad(
            tx.transfer_case(&w.coord, hearing, &other.to_string(), " ", today, None)
                .await,
            &["transfer_reason"],
        );
        bad(
            tx.transfer_case(
                &w.coord,
                hearing,
                &w.marac.to_string(),
                "Moved",
                today,
                None,
            )
            .await,
            &["to_marac"],
        );
        nf(tx
            .transfer_case(&w.chair, hearing, &other.to_string(), "Moved", today, None)
            .await);
        nf(tx
            .transfer_case(
                &w.housing_rep,
                hearing,
                &other.to_string(),
                "Moved",
                today,
                None,
            )
            .await);
        let moved = ok!(tx.transfer_case(
            &w.coord,
            hearing,
            &other.to_string(),
            "Moved to Otherby with the children",
            today,
            None
        ));
        let q = queued(&tx, &w, moved).await.unwrap();
        assert_eq!(
            q.transferred_from.as_deref(),
            Some("Testshire Marac"),
            "{}",
            t.label
        );
        assert_eq!(q.marac_id, other);
        let view = ok!(tx.screening(&w.coord, moved, None));
        assert_eq!(
            view.transfer_reason.as_deref(),
            Some("Moved to Otherby with the children")
        );
        let detail = ok!(tx.case_detail(&w.idva_worker, ada, None));
        assert_eq!(
            detail.marac.name, "Otherby Marac",
            "the case now belongs to the receiving Marac"
        );
        let new_meeting = screen(&tx, &w, moved, ACCEPT, today)
            .await
            .unwrap()
            .unwrap();
        let receiving = ok!(tx.meetings_for(&w.coord))
            .into_iter()
            .find(|m| m.marac_id == other && m.meets_on == new_meeting)
            .unwrap();
        let receiving_agenda = agenda(&tx, &w.coord, receiving.id).await;
        assert_eq!(receiving_agenda.len(), 1);
        assert_eq!(
            receiving_agenda[0].transferred_from.as_deref(),
            Some("Testshire Marac")
        );
        let package = open(&tx, &w.coord, receiving_agenda[0].hearing_id, today).await;
        assert_eq!(
            package.history.len(),
            1,
            "the earlier hearing travels with the case"
        );
        assert_eq!(package.history[0].marac_name, "Testshire Marac");
        assert_eq!(
            package.history[0].minutes.discussion.as_deref(),
            Some("Moved out of the area after the assault")
        );
        assert_eq!(package.risk_history.len(), 1);
        assert_eq!(package.risk_history[0].yes_count, 15);
        // Housing sits at the sending Marac only: the receiving Marac's hearing is not theirs.
        nf(tx
            .hearing(&w.housing_rep, receiving_agenda[0].hearing_id, today, None)
            .await);
        tx.commit().await.unwrap();
        let sealed = column(
            &t.store,
            "SELECT transfer_reason FROM marac_referrals WHERE transfer_reason IS NOT NULL",
        )
        .await;
        assert_eq!(sealed.len(), 1);
        assert!(
            !sealed[0].contains("Otherby with the children"),
            "the transfer reason is sealed"
        );
    }
}

#[tokio::test]
async fn a_serial_perpetrator_is_found_under_another_spelling_until_someone_says_otherwise() {
    for t in stores().await {
        let w = world(&t.store, 16).await;
        let l = t.label;
        let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
        let on = today - time::Duration::days(10);
        let named = |given: &str, family: &str, born: Date| PersonDetails {
            given_name: given.into(),
            family_name: family.into(),
            date_of_birth: Some(born),
            gender: None,
        };
        let tx = t.store.begin().await.unwrap();
        // One man, named by two agencies for two different women: "William" and "Bill",
        // with the same date of birth.
        let cleo = open_case_naming(
            &tx,
            &w,
            &w.police_worker,
            named("Cleo", "Abernethy", date!(1990 - 04 - 12)),
            named("William", "Ravenscroft", date!(1983 - 09 - 27)),
            0,
            15,
            on,
        )
        .await;
        let dina = open_case_naming(
            &tx,
            &w,
            &w.police_worker,
            named("Dina", "Okonkwo-Hale", date!(1995 - 12 - 01)),
            named("Bill", "Ravenscroft", date!(1983 - 09 - 27)),
            0,
            15,
            on,
        )
        .await;
        // His brother: same surname, another first name and date of birth. Not him.
        let esme = open_case_naming(
            &tx,
            &w,
            &w.police_worker,
            named("Esme", "Pilkington", date!(1992 - 06 - 18)),
            named("Graham", "Ravenscroft", date!(1979 - 02 - 03)),
            0,
            15,
            on,
        )
        .await;
        let (_, meets_on) = refer_and_accept(&tx, &w, &w.police_worker, cleo, on).await;
        refer_and_accept(&tx, &w, &w.police_worker, dina, on).await;
        refer_and_accept(&tx, &w, &w.police_worker, esme, on).await;
        let meeting = meeting_on(&tx, &w, meets_on).await;
        let view = agenda(&tx, &w.coord, meeting).await;
        let reference = |c: Uuid| {
            view.iter()
                .find(|a| a.case_id == c)
                .map(|a| a.case_reference.clone())
        };
        let linked = |v: &[AgendaCase], c: Uuid| {
            v.iter().find(|a| a.case_id == c).map(|a| {
                a.linked_cases
                    .iter()
                    .map(|l| l.other_reference.clone())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            linked(&view, cleo),
            Some(vec![reference(dina).unwrap()]),
            "{l}"
        );
        assert_eq!(
            linked(&view, dina),
            Some(vec![reference(cleo).unwrap()]),
            "{l}"
        );
        assert_eq!(
            linked(&view, esme),
            Some(vec![]),
            "{l}: the brother is not linked"
        );

        // The police caseworker, who holds both cases, is offered the match on Cleo's case,
        // with why; they know Bill is William's cousin, and say so. The alert stops.
        let offered = tx
            .possible_matches(&w.police_worker, cleo, None)
            .await
            .unwrap()
            .possible;
        let bill = offered
            .iter()
            .find(|m| m.other_case_id == dina && m.person_role == "perpetrator")
            .cloned()
            .unwrap_or_else(|| panic!("{l}: {offered:?}"));
        assert_eq!(bill.other_name, "Bill Ravenscroft", "{l}");
        assert!(
            bill.probability >= waymark_store::matching::SERIAL_FROM,
            "{l}"
        );
        assert!(
            bill.evidence.iter().any(|e| e.contains("nickname")),
            "{l}: {:?}",
            bill.evidence
        );
        ok!(tx.decide_match(
            &w.police_worker,
            cleo,
            &bill.person_id.to_string(),
            &bill.other_person_id.to_string(),
            "different",
            None
        ));
        let view = agenda(&tx, &w.coord, meeting).await;
        assert_eq!(linked(&view, cleo), Some(vec![]), "{l}");
        assert_eq!(linked(&view, dina), Some(vec![]), "{l}");

        // The police open a case (not referred) for another woman whose abuser is "Will
        // Ravenscroft", born the same day: the coordinator is told a man referred this year
        // is on it, with why.
        let fern = open_case_naming(
            &tx,
            &w,
            &w.police_worker,
            named("Fern", "Lindqvist", date!(1988 - 03 - 14)),
            named("Will", "Ravenscroft", date!(1983 - 09 - 27)),
            0,
            4,
            today,
        )
        .await;
        let flags = ok!(tx.marac_flags(&w.coord, today));
        let will: Vec<_> = flags
            .iter()
            .filter(|f| f.person_name == "Will Ravenscroft")
            .collect();
        assert_eq!(will.len(), 1, "{l}: {flags:?}");
        assert_eq!(will[0].role, "perpetrator", "{l}");
        assert!(
            will[0].basis.starts_with("a likely match, "),
            "{l}: {:?}",
            will[0]
        );
        assert!(
            flags.iter().all(|f| f.person_name != "Fern Lindqvist"),
            "{l}: Fern was never referred: {flags:?}"
        );
        // Their caseworker knows Will is not William, nor Bill: the flag goes.
        let offered = ok!(tx.possible_matches(&w.police_worker, fern, None)).possible;
        let theirs: Vec<_> = offered
            .iter()
            .filter(|m| m.person_role == "perpetrator" && [cleo, dina].contains(&m.other_case_id))
            .collect();
        assert_eq!(theirs.len(), 2, "{l}: {offered:?}");
        for m in theirs {
            ok!(tx.decide_match(
                &w.police_worker,
                fern,
                &m.person_id.to_string(),
                &m.other_person_id.to_string(),
                "different",
                None
            ));
        }
        let flags = ok!(tx.marac_flags(&w.coord, today));
        assert!(
            flags.iter().all(|f| f.person_name != "Will Ravenscroft"),
            "{l}: {flags:?}"
        );
        ok!(tx.commit());
    }
}

#[tokio::test]
async fn the_coordinator_settles_a_serial_perpetrator_alert_across_agencies() {
    for t in stores().await {
        let w = world(&t.store, 16).await;
        let l = t.label;
        let today = waymark_domain::calendar::uk_date(time::OffsetDateTime::now_utc());
        let on = today - time::Duration::days(10);
        let named = |given: &str, family: &str, born: Date| PersonDetails {
            given_name: given.into(),
            family_name: family.into(),
            date_of_birth: Some(born),
            gender: None,
        };
        let born = date!(1983 - 09 - 27);
        let tx = t.store.begin().await.unwrap();
        // The Idva service names "William", the police "Bill": no caseworker sees both.
        let idva_case = open_case_naming(
            &tx,
            &w,
            &w.idva_worker,
            named("Cleo", "Abernethy", date!(1990 - 04 - 12)),
            named("William", "Ravenscroft", born),
            0,
            15,
            on,
        )
        .await;
        let police_case = open_case_naming(
            &tx,
            &w,
            &w.police_worker,
            named("Dina", "Okonkwo-Hale", date!(1995 - 12 - 01)),
            named("Bill", "Ravenscroft", born),
            0,
            15,
            on,
        )
        .await;
        let (_, meets_on) = refer_and_accept(&tx, &w, &w.idva_worker, idva_case, on).await;
        refer_and_accept(&tx, &w, &w.police_worker, police_case, on).await;
        let meeting = meeting_on(&tx, &w, meets_on).await;
        let offered = ok!(tx.possible_matches(&w.police_worker, police_case, None)).possible;
        assert!(
            offered.iter().all(|m| m.other_case_id != idva_case),
            "{l}: the police never see the Idva's case"
        );
        let links = |view: &[AgendaCase], c: Uuid| {
            view.iter()
                .find(|a| a.case_id == c)
                .map(|a| a.linked_cases.clone())
                .unwrap_or_default()
        };
        let view = agenda(&tx, &w.coord, meeting).await;
        let link = links(&view, idva_case);
        assert_eq!(link.len(), 1, "{l}: {link:?}");
        assert_eq!(link[0].other_case_id, police_case);
        assert!(!link[0].settled, "{l}");
        assert!(
            link[0].basis.starts_with("a likely match, "),
            "{l}: {:?}",
            link[0]
        );
        let (p, o) = (
            link[0].perpetrator.to_string(),
            link[0].other_perpetrator.to_string(),
        );

        // Bad answers, pairs the agenda does not link, and anyone but a coordinator are
        // refused, and nothing is saved.
        bad(
            tx.decide_serial_link(&w.coord, meeting, &p, &o, "perhaps", None)
                .await,
            &["decision"],
        );
        let stranger = Uuid::now_v7().to_string();
        bad(
            tx.decide_serial_link(&w.coord, meeting, &p, &stranger, "different", None)
                .await,
            &["decision"],
        );
        nf(tx
            .decide_serial_link(&w.chair, meeting, &p, &o, "different", None)
            .await);
        nf(tx
            .decide_serial_link(&w.housing_rep, meeting, &p, &o, "different", None)
            .await);
        assert!(!links(&agenda(&tx, &w.coord, meeting).await, idva_case).is_empty());

        // The coordinator knows Bill is William's cousin: the alert ends, for good.
        ok!(tx.decide_serial_link(&w.coord, meeting, &p, &o, "different", None));
        ok!(tx.commit());
        let recent = ok!(t.store.recent_audit(3));
        let rows: Vec<(&str, Option<String>)> = recent
            .iter()
            .rev()
            .map(|r| (r.action.as_str(), r.object_id.clone()))
            .collect();
        assert_eq!(
            rows[1..],
            [
                ("person_match.reject", Some(idva_case.to_string())),
                ("person_match.reject", Some(police_case.to_string())),
            ],
            "{l}: the decision, on both cases"
        );
        assert_eq!(
            rows[0],
            ("person_match.serial", Some(meeting.to_string())),
            "{l}"
        );

        let tx = t.store.begin().await.unwrap();
        let view = agenda(&tx, &w.coord, meeting).await;
        assert!(links(&view, idva_case).is_empty(), "{l}");
        assert!(links(&view, police_case).is_empty(), "{l}");
        bad(
            tx.decide_serial_link(&w.coord, meeting, &p, &o, "same", None)
                .await,
            &["decision"],
        );

        // A third referral names "Will Ravenscroft": the coordinator confirms he is William.
        let third = open_case_naming(
            &tx,
            &w,
            &w.idva_worker,
            named("Esme", "Pilkington", date!(1992 - 06 - 18)),
            named("Will", "Ravenscroft", born),
            0,
            15,
            on,
        )
        .await;
        refer_and_accept(&tx, &w, &w.idva_worker, third, on).await;
        let view = agenda(&tx, &w.coord, meeting).await;
        let to_william = links(&view, third)
            .into_iter()
            .find(|x| x.other_case_id == idva_case)
            .unwrap_or_else(|| panic!("{l}: {view:?}"));
        assert!(!to_william.settled, "{l}");
        ok!(tx.decide_serial_link(
            &w.coord,
            meeting,
            &to_william.perpetrator.to_string(),
            &to_william.other_perpetrator.to_string(),
            "same",
            None
        ));
        let view = agenda(&tx, &w.coord, meeting).await;
        let settled = links(&view, third)
            .into_iter()
            .find(|x| x.other_case_id == idva_case)
            .unwrap_or_else(|| panic!("{l}: {view:?}"));
        assert!(settled.settled, "{l}");
        assert_eq!(settled.basis, "confirmed as the same person", "{l}");
        ok!(tx.commit());
    }
}

#[tokio::test]
async fn screening_offers_a_likely_repeat_under_a_nickname_with_why_and_not_a_different_woman() {
    for t in stores().await {
        let w = world(&t.store, 16).await;
        let l = t.label;
        let tx = t.store.begin().await.unwrap();
        let d = date!(2026 - 01 - 05);
        let later = date!(2026 - 06 - 01);
        // Police referred Katherine in January; in June the Idva refers "Kate", the same
        // surname and date of birth, and Priya, who shares only the date of birth.
        let first = case(&tx, &w, &w.police_worker, "Katherine", 15, d).await;
        let (a, _) = refer(&tx, &w.police_worker, first, d).await;
        assert!(screen(&tx, &w, a, ACCEPT, d).await.unwrap().is_some());
        let kate = case(&tx, &w, &w.idva_worker, "Kate", 15, later).await;
        let priya = case(&tx, &w, &w.idva_worker, "Priya", 15, later).await;
        let (k, _) = refer(&tx, &w.idva_worker, kate, later).await;
        let (p, _) = refer(&tx, &w.idva_worker, priya, later).await;
        let qk = queued(&tx, &w, k).await.unwrap();
        assert_eq!(candidates(&qk), [(a, false)], "{l}: Kate may be Katherine");
        let offered = &qk.candidates[0];
        assert!(
            offered.basis.starts_with("possible match, "),
            "{l}: {}",
            offered.basis
        );
        assert!(
            offered.evidence.iter().any(|e| e.contains("nickname")),
            "{l}: {:?}",
            offered.evidence
        );
        let qp = queued(&tx, &w, p).await.unwrap();
        assert!(
            qp.candidates.is_empty(),
            "{l}: Priya is someone else: {qp:?}"
        );
        // The coordinator accepts Kate's referral as a repeat of Katherine's: that decides
        // the two women are one, audited, and the engine is not asked about them again.
        assert!(
            screen(&tx, &w, k, repeat_of(a), later)
                .await
                .unwrap()
                .is_some()
        );
        ok!(tx.commit());
        let recent = ok!(t.store.recent_audit(2));
        assert_eq!(recent[0].action, "person_match.confirm", "{l}");
        assert_eq!(recent[0].object_id, Some(kate.to_string()), "{l}");
        assert_eq!(recent[0].actor_user_id, Some(w.coord.id), "{l}");
        let tx = t.store.begin().await.unwrap();
        let (again, _) = refer(
            &tx,
            &w.police_worker,
            first,
            later + time::Duration::days(20),
        )
        .await;
        let qa = queued(&tx, &w, again).await.unwrap();
        assert_eq!(candidates(&qa), [(k, false), (a, true)], "{l}");
        assert_eq!(
            qa.candidates[0].basis, "confirmed as the same person",
            "{l}"
        );
        assert!(qa.candidates[0].evidence.is_empty(), "{l}");
        let settled = screen(
            &tx,
            &w,
            again,
            repeat_of(k),
            later + time::Duration::days(20),
        );
        assert!(settled.await.unwrap().is_some(), "{l}");

        // Another Katherine with the same date of birth, referred by the Idva: offered as
        // a possible repeat; the coordinator says she is a different woman. Her next
        // referral is only a repeat of her own.
        let on = later + time::Duration::days(30);
        let other = case(&tx, &w, &w.idva_worker, "Katherine", 15, on).await;
        let (o, _) = refer(&tx, &w.idva_worker, other, on).await;
        let qo = queued(&tx, &w, o).await.unwrap();
        assert!(
            !qo.candidates.is_empty() && qo.candidates.iter().all(|c| c.suggested),
            "{l}: {qo:?}"
        );
        let women: HashSet<Uuid> = qo.candidates.iter().map(|c| c.earlier_victim).collect();
        assert!(screen(&tx, &w, o, ACCEPT, on).await.unwrap().is_some());
        let (o2, _) = refer(&tx, &w.idva_worker, other, on + time::Duration::days(7)).await;
        let qo2 = queued(&tx, &w, o2).await.unwrap();
        assert_eq!(candidates(&qo2), [(o, true)], "{l}: {qo2:?}");
        ok!(tx.commit());
        let recent = ok!(t.store.recent_audit(12));
        let rejected = recent
            .iter()
            .filter(|r| r.action == "person_match.reject" && r.object_id == Some(other.to_string()))
            .count();
        assert_eq!(rejected, women.len(), "{l}: one per woman: {recent:?}");
    }
}

#[tokio::test]
async fn a_high_risk_case_listed_for_an_unheard_meeting_closes_only_with_a_reason_and_a_coordinator()
 {
    use waymark_domain::casework::{ClosureInput, StillOpen};
    for t in stores().await {
        let l = t.label;
        let w = world(&t.store, 16).await;
        let tx = ok!(t.store.begin());
        let on = date!(2026 - 01 - 05);
        // 15 yes answers: high risk; referred and listed for the 20 January meeting.
        let c = open_case(&tx, &w, &w.idva_worker, person("Ash", ADULT), 0, 15, on).await;
        let (_, meets_on) = refer_and_accept(&tx, &w, &w.idva_worker, c, on).await;
        let detail = ok!(tx.case_detail(&w.idva_worker, c, None));
        let check = ok!(tx.closure_check(&detail));
        assert_eq!(
            check.facts.still_open(),
            [
                StillOpen::HighRisk,
                StillOpen::Listed(meets_on),
                StillOpen::NoExitMeasures,
                StillOpen::NoReviewMeasures,
            ],
            "{l}"
        );
        let names: Vec<&str> = check.coordinators.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            ["Coordinator"],
            "{l}: the coordinating agency's coordinators"
        );

        // Closed on its first day as "support completed": refused, and said why.
        let today = date!(2026 - 01 - 06);
        let rushed = ClosureInput {
            closed_on: "2026-01-06".into(),
            reason: "support_completed".into(),
            exit_not_taken_reason: "Not seen yet".into(),
            ..Default::default()
        };
        bad(
            tx.check_closure(&w.idva_worker, c, &rushed, today, None)
                .await,
            &["reason", "risk_reason", "coordinator_agreed"],
        );
        bad(
            tx.close_case(&w.idva_worker, c, &rushed, today, None).await,
            &["reason", "risk_reason", "coordinator_agreed"],
        );
        // A caseworker cannot stand in for the coordinator.
        let mut explained = ClosureInput {
            reason: "referred_on".into(),
            reason_detail: "Moved to a refuge elsewhere; its Idva holds the case".into(),
            risk_reason: "The receiving Idva and the police hold the risk".into(),
            coordinator_agreed: w.idva_worker.id.to_string(),
            ..rushed
        };
        bad(
            tx.close_case(&w.idva_worker, c, &explained, today, None)
                .await,
            &["coordinator_agreed"],
        );
        explained.coordinator_agreed = w.coord.id.to_string();
        let (closure, _) = ok!(tx.check_closure(&w.idva_worker, c, &explained, today, None));
        assert_eq!(
            closure.coordinator_agreed,
            Some(w.coord.id.to_string()),
            "{l}"
        );
        let detail = ok!(tx.case_detail(&w.idva_worker, c, None));
        assert_eq!(detail.status, "open", "{l}: checking closes nothing");
        ok!(tx.close_case(&w.idva_worker, c, &explained, today, None));
        let detail = ok!(tx.case_detail(&w.idva_worker, c, None));
        assert_eq!(detail.status, "closed", "{l}");
        ok!(tx.commit());
        // The coordinator who agreed is kept; the reason is kept sealed.
        let kept = "SELECT COUNT(*) AS n FROM cases WHERE closure_agreed_by IS NOT NULL \
                    AND closure_risk_reason IS NOT NULL \
                    AND closure_risk_reason NOT LIKE '%receiving Idva%'";
        assert_eq!(count(&t.store, kept).await, 1, "{l}");
    }
}
