//! The household trap: mothers and children, twins, siblings and partners share a surname, an
//! address and a phone, and must never be linked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use waymark_linkage::model::Rule;
use waymark_linkage::{Index, PersonRecord, RawPersonRecord};

/// Above any link threshold a caseworker would be shown.
const ANY_THRESHOLD: f64 = 0.01;

fn person(first: &str, surname: &str, dob: &str, gender: &str) -> PersonRecord {
    RawPersonRecord {
        first_name: first.into(),
        surname: surname.into(),
        dob: dob.into(),
        gender: gender.into(),
        postcode: "LS6 2QT".into(),
        phones: vec!["0113 496 0123".into()],
        ..Default::default()
    }
    .parse()
    .0
}

/// An index holding some unrelated people, so priors and term frequencies are realistic.
fn index_with_neighbours() -> Index {
    let mut index = Index::default();
    let generated = waymark_linkage::generate::people(&waymark_linkage::generate::GenOptions {
        records: 2_000,
        seed: 99,
    });
    for r in generated.parsed() {
        index.insert(&r).unwrap();
    }
    index
}

fn probability(index: &mut Index, a: &PersonRecord, b: &PersonRecord) -> (f64, Option<Rule>) {
    let ia = index.insert(a).unwrap();
    let ib = index.insert(b).unwrap();
    let x = index.explain(ia, ib).unwrap();
    index.remove(ia).unwrap();
    index.remove(ib).unwrap();
    (x.probability, x.rule)
}

#[test]
fn mother_and_child_stay_apart() {
    let mut index = index_with_neighbours();
    let (p, rule) = probability(
        &mut index,
        &person("Sarah", "Okafor", "1984-02-11", "F"),
        &person("Amara", "Okafor", "2012-09-30", "F"),
    );
    assert!(p < ANY_THRESHOLD, "{p}");
    assert_eq!(rule, Some(Rule::Household));
    // Even when the child's record is missing her date of birth, different first names hold.
    let (p, _) = probability(
        &mut index,
        &person("Sarah", "Okafor", "1984-02-11", "F"),
        &person("Amara", "Okafor", "", "F"),
    );
    assert!(p < ANY_THRESHOLD, "{p}");
    // A daughter named after her mother is held apart by a generation between them.
    let (p, rule) = probability(
        &mut index,
        &person("Sarah", "Okafor", "1984-02-11", "F"),
        &person("Sarah", "Okafor", "2012-09-30", "F"),
    );
    assert!(p < ANY_THRESHOLD, "{p}");
    assert_eq!(rule, Some(Rule::GenerationApart));
}

#[test]
fn twins_stay_apart() {
    let mut index = index_with_neighbours();
    for (a, b, ga, gb) in [
        ("Olivia", "Amelia", "F", "F"),
        ("Jack", "Harry", "M", "M"),
        ("Ruby", "Noah", "F", "M"),
    ] {
        let (p, rule) = probability(
            &mut index,
            &person(a, "Whitfield", "2015-06-01", ga),
            &person(b, "Whitfield", "2015-06-01", gb),
        );
        assert!(p < ANY_THRESHOLD, "{a}/{b}: {p}");
        assert_eq!(rule, Some(Rule::FirstNameConflict));
    }
}

#[test]
fn siblings_and_partners_stay_apart() {
    let mut index = index_with_neighbours();
    let cases = [
        // Siblings a year apart, two years apart, ten years apart.
        (
            person("Megan", "Price", "2009-03-04", "F"),
            person("Ellie", "Price", "2010-05-20", "F"),
        ),
        (
            person("Tom", "Price", "2007-11-12", "M"),
            person("Ben", "Price", "2009-01-30", "M"),
        ),
        (
            person("Chloe", "Price", "2001-08-08", "F"),
            person("Mason", "Price", "2011-02-14", "M"),
        ),
        // Partners with one surname, and with two.
        (
            person("Gemma", "Price", "1983-05-05", "F"),
            person("Darren", "Price", "1980-12-01", "M"),
        ),
        (
            person("Gemma", "Price", "1983-05-05", "F"),
            person("Darren", "Hughes", "1980-12-01", "M"),
        ),
        // Same-sex partners born the same year.
        (
            person("Kelly", "Price", "1983-05-05", "F"),
            person("Joanne", "Price", "1983-09-17", "F"),
        ),
    ];
    for (a, b) in &cases {
        let (p, _) = probability(&mut index, a, b);
        assert!(
            p < ANY_THRESHOLD,
            "{:?}/{:?}: {p}",
            a.first_name,
            b.first_name
        );
    }
}

#[test]
fn household_members_are_not_offered_as_matches_but_the_person_is() {
    let mut index = index_with_neighbours();
    let mother = index
        .insert(&person("Katherine", "Price", "1983-05-05", "F"))
        .unwrap();
    let partner = index
        .insert(&person("Darren", "Price", "1980-12-01", "M"))
        .unwrap();
    let twin_a = index
        .insert(&person("Lily", "Price", "2014-07-07", "F"))
        .unwrap();
    let twin_b = index
        .insert(&person("Poppy", "Price", "2014-07-07", "F"))
        .unwrap();
    let matches = index.query(&person("Kate", "Price", "1983-05-05", "F"));
    assert_eq!(matches.first().map(|m| m.record), Some(mother));
    for m in &matches {
        assert!(![partner, twin_a, twin_b].contains(&m.record) || m.probability < ANY_THRESHOLD);
    }
    let lily = index.query(&person("Lilly", "Price", "2014-07-07", "F"));
    assert_eq!(lily.first().map(|m| m.record), Some(twin_a));
    assert!(lily.iter().all(|m| m.record != twin_b));
}

/// Property over generated households: every pair of different people in one household whose
/// first names are clearly different and whose dates of birth are clearly different scores below
/// any threshold, whatever else they share.
#[test]
fn household_rule_holds_for_every_generated_household_pair() {
    use waymark_linkage::{dob, nicknames, normalise, similarity};
    let generated = waymark_linkage::generate::people(&waymark_linkage::generate::GenOptions {
        records: 3_000,
        seed: 5,
    });
    let records = generated.parsed();
    let mut index = Index::default();
    let ids: Vec<_> = records.iter().map(|r| index.insert(r).unwrap()).collect();
    let mut checked = 0;
    for (i, a) in records.iter().enumerate() {
        for (j, b) in records.iter().enumerate().skip(i + 1) {
            let (ta, tb) = (generated.truth[i], generated.truth[j]);
            if ta.household_id != tb.household_id || ta.person_id == tb.person_id {
                continue;
            }
            let first = |r: &PersonRecord| {
                normalise::name_tokens(r.first_name.as_deref().unwrap_or(""))
                    .first()
                    .cloned()
                    .unwrap_or_default()
            };
            let (fa, fb) = (first(a), first(b));
            let clearly_different_names = fa.len() > 1
                && fb.len() > 1
                && !nicknames::related(&fa, &fb)
                && similarity::jaro_winkler(&fa, &fb) < 0.8
                && !normalise::name(a.first_name.as_deref().unwrap_or("")).contains(&fb)
                && !normalise::name(b.first_name.as_deref().unwrap_or("")).contains(&fa);
            if clearly_different_names && dob::clearly_different(a.dob, b.dob) {
                let x = index.explain(ids[i], ids[j]).unwrap();
                assert!(x.probability < 1e-4, "{a:?}\n{b:?}\n{x}");
                checked += 1;
            }
        }
    }
    println!("household rule checked on {checked} generated same-household pairs");
    assert!(checked > 500, "{checked}");
}
