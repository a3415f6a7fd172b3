//! The JSON interface of `waymark dash score`. Fields are checked by hand rather than through
//! serde's derive so that every rejection names the exact field (`answers.q3`,
//! `professional_judgement.reason`) in words a form-filler can act on.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use time::Date;

use super::answer::Answer;
use super::assessment::{Assessment, ProfessionalJudgement, parse_iso_date};
use super::error::{DashInputError, excerpt, field_path};
use super::instrument::{Instrument, InstrumentRegistry};

/// A checked request: which instrument to score with, and the assessment itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreRequest {
    pub instrument_id: String,
    pub assessment: Assessment,
}

const ANSWERS: &str = "answers";
const DETAILS: &str = "details";
const INCIDENTS: &str = "abuse_incidents_last_12_months";
const JUDGEMENT: &str = "professional_judgement";
const ASSESSED_ON: &str = "assessed_on";
const PREVIOUS_REFERRAL: &str = "previous_marac_referral_on";
const INSTRUMENT: &str = "instrument";

const TOP_LEVEL_FIELDS: [&str; 7] = [
    ANSWERS,
    INCIDENTS,
    JUDGEMENT,
    ASSESSED_ON,
    PREVIOUS_REFERRAL,
    INSTRUMENT,
    DETAILS,
];
const TOP_LEVEL_LIST: &str = "answers, abuse_incidents_last_12_months, professional_judgement, assessed_on, previous_marac_referral_on, instrument, details";
const DATE_FORM: &str = "a date in YYYY-MM-DD form";
const COUNT_FORM: &str = "a whole number of 0 or more";

/// Parses and checks a score request.
///
/// Required: `answers` (an object, which may be empty), `abuse_incidents_last_12_months` and
/// `assessed_on`. Optional, where absent means the same as `null`: `professional_judgement`,
/// `previous_marac_referral_on`, `instrument` (defaults to the Dash RIC) and `details`.
/// Unknown fields are refused rather than ignored, because a misspelt field that was silently
/// dropped could hide a referral criterion.
pub fn parse_score_request(
    json: &str,
    registry: &InstrumentRegistry,
) -> Result<ScoreRequest, DashInputError> {
    let StrictJson(value) =
        serde_json::from_str(json).map_err(|err| DashInputError::MalformedJson(err.to_string()))?;
    let Value::Object(fields) = value else {
        return Err(DashInputError::NotAnObject);
    };
    reject_unknown_fields(&fields, "", &TOP_LEVEL_FIELDS, TOP_LEVEL_LIST)?;

    // The instrument comes first: which answer keys are valid depends on it.
    let instrument = parse_instrument(fields.get(INSTRUMENT), registry)?;
    let answers = parse_answers(fields.get(ANSWERS), instrument)?;
    let details = parse_details(fields.get(DETAILS), instrument)?;
    let incidents = parse_count(INCIDENTS, fields.get(INCIDENTS))?;
    let judgement = parse_judgement(fields.get(JUDGEMENT))?;
    let assessed_on = match fields.get(ASSESSED_ON) {
        None => return Err(missing(ASSESSED_ON, DATE_FORM)),
        Some(value) => parse_date(ASSESSED_ON, value)?,
    };
    let previous_referral = match fields.get(PREVIOUS_REFERRAL) {
        None | Some(Value::Null) => None,
        Some(value) => Some(parse_date(PREVIOUS_REFERRAL, value)?),
    };

    let assessment = Assessment::new(
        instrument,
        answers,
        details,
        incidents,
        judgement,
        assessed_on,
        previous_referral,
    )?;
    Ok(ScoreRequest {
        instrument_id: instrument.id.clone(),
        assessment,
    })
}

fn missing(field: &str, expected: &'static str) -> DashInputError {
    DashInputError::MissingField {
        field: field.to_string(),
        expected,
    }
}

fn reject_unknown_fields(
    fields: &Map<String, Value>,
    parent: &str,
    allowed: &[&str],
    allowed_list: &'static str,
) -> Result<(), DashInputError> {
    match fields.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(unknown) => Err(DashInputError::UnknownField {
            field: field_path(parent, unknown),
            expected: allowed_list,
        }),
        None => Ok(()),
    }
}

fn parse_instrument<'r>(
    value: Option<&Value>,
    registry: &'r InstrumentRegistry,
) -> Result<&'r Instrument, DashInputError> {
    match value {
        None | Some(Value::Null) => Ok(registry.default_instrument()),
        Some(Value::String(id)) => registry
            .get(id)
            .ok_or_else(|| DashInputError::UnknownInstrument { id: id.clone() }),
        Some(_) => Err(DashInputError::WrongType {
            field: INSTRUMENT.to_string(),
            expected: "an instrument id in quotes, such as \"safelives-dash-ric\"",
        }),
    }
}

fn parse_answers(
    value: Option<&Value>,
    instrument: &Instrument,
) -> Result<BTreeMap<String, Answer>, DashInputError> {
    const EXPECTED: &str = "an object of item keys to yes, no or not_known";
    let entries = match value {
        None => return Err(missing(ANSWERS, EXPECTED)),
        Some(Value::Object(entries)) => entries,
        Some(_) => {
            return Err(DashInputError::WrongType {
                field: ANSWERS.to_string(),
                expected: EXPECTED,
            });
        }
    };
    let mut answers = BTreeMap::new();
    for (key, value) in entries {
        let field = field_path(ANSWERS, key);
        if instrument.item(key).is_none() {
            return Err(DashInputError::UnknownItem {
                field,
                instrument: instrument.id.clone(),
            });
        }
        let answer = value.as_str().and_then(Answer::parse).ok_or_else(|| {
            DashInputError::InvalidAnswer {
                field,
                value: excerpt(value),
            }
        })?;
        answers.insert(key.clone(), answer);
    }
    Ok(answers)
}

fn parse_details(
    value: Option<&Value>,
    instrument: &Instrument,
) -> Result<BTreeMap<String, String>, DashInputError> {
    let entries = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(entries)) => entries,
        Some(_) => {
            return Err(DashInputError::WrongType {
                field: DETAILS.to_string(),
                expected: "an object of item keys to text",
            });
        }
    };
    let mut details = BTreeMap::new();
    for (key, value) in entries {
        let field = field_path(DETAILS, key);
        if instrument.item(key).is_none() {
            return Err(DashInputError::UnknownItem {
                field,
                instrument: instrument.id.clone(),
            });
        }
        let Value::String(text) = value else {
            return Err(DashInputError::WrongType {
                field,
                expected: "text in quotes",
            });
        };
        details.insert(key.clone(), text.clone());
    }
    Ok(details)
}

fn parse_count(field: &str, value: Option<&Value>) -> Result<u32, DashInputError> {
    let Some(value) = value else {
        return Err(missing(field, COUNT_FORM));
    };
    // Fractions, negatives, strings and null all fail here: an incident count is never guessed.
    let whole = value.as_u64().ok_or_else(|| DashInputError::InvalidCount {
        field: field.to_string(),
    })?;
    u32::try_from(whole).map_err(|_| DashInputError::CountTooLarge {
        field: field.to_string(),
        max: u32::MAX,
    })
}

fn parse_judgement(value: Option<&Value>) -> Result<Option<ProfessionalJudgement>, DashInputError> {
    const REASON: &str = "reason";
    let fields = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            return Err(DashInputError::WrongType {
                field: JUDGEMENT.to_string(),
                expected: "null or an object with a reason, such as {\"reason\": \"...\"}",
            });
        }
    };
    reject_unknown_fields(fields, JUDGEMENT, &[REASON], REASON)?;
    let field = field_path(JUDGEMENT, REASON);
    match fields.get(REASON) {
        None => Err(missing(&field, "the reason for the professional judgement")),
        Some(Value::String(reason)) => ProfessionalJudgement::new(reason).map(Some),
        Some(_) => Err(DashInputError::WrongType {
            field,
            expected: "text in quotes",
        }),
    }
}

fn parse_date(field: &str, value: &Value) -> Result<Date, DashInputError> {
    value
        .as_str()
        .and_then(parse_iso_date)
        .ok_or_else(|| DashInputError::InvalidDate {
            field: field.to_string(),
            value: excerpt(value),
        })
}

/// A JSON value read with duplicate object keys refused. serde_json keeps the last of two equal
/// keys without a word; for risk answers (`"q1": "yes", "q1": "no"`) that would be a silent
/// guess, so the request is refused instead.
struct StrictJson(Value);

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StrictJson, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictJson::deserialize(deserializer).map(|StrictJson(value)| value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key {}",
                    super::error::quote(&key)
                )));
            }
            let StrictJson(value) = map.next_value()?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dash::decision::{MaracCriterion, RiskLevel, decide};
    use crate::dash::testing::{POLICE_FORM_JSON, date};
    use crate::dash::thresholds::Thresholds;
    use serde_json::json;

    fn registry() -> InstrumentRegistry {
        InstrumentRegistry::builtin().unwrap()
    }

    /// A complete, valid request; tests change one field at a time.
    fn valid() -> Value {
        json!({
            "answers": {"q1": "yes", "q2": "no", "q3": "not_known"},
            "abuse_incidents_last_12_months": 1,
            "professional_judgement": null,
            "assessed_on": "2024-05-01",
            "previous_marac_referral_on": null
        })
    }

    fn with(field: &str, value: Value) -> String {
        let mut request = valid();
        request[field] = value;
        request.to_string()
    }

    fn without(field: &str) -> String {
        let mut request = valid();
        if let Some(fields) = request.as_object_mut() {
            fields.remove(field);
        }
        request.to_string()
    }

    fn error(json: &str) -> String {
        let err = parse_score_request(json, &registry())
            .unwrap_err()
            .to_string();
        assert!(!err.contains('\n'), "message must be one line: {err:?}");
        err
    }

    #[test]
    fn a_full_request_parses() {
        let json = json!({
            "answers": {"q1": "yes", "q2": "no", "q3": "not_known", "q10": "yes"},
            "abuse_incidents_last_12_months": 2,
            "professional_judgement": {"reason": "  threats after release  "},
            "assessed_on": "2024-05-01",
            "previous_marac_referral_on": "2023-11-20",
            "instrument": "safelives-dash-ric",
            "details": {"q1": " cut lip ", "q10": ""}
        });
        let request = parse_score_request(&json.to_string(), &registry()).unwrap();
        assert_eq!(request.instrument_id, "safelives-dash-ric");
        let a = &request.assessment;
        assert_eq!(a.answers.len(), 4);
        assert_eq!(a.answers.get("q3"), Some(&Answer::NotKnown));
        assert_eq!(a.abuse_incidents_last_12_months, 2);
        assert_eq!(
            a.professional_judgement.as_ref().map(|j| j.reason.as_str()),
            Some("threats after release")
        );
        assert_eq!(a.assessed_on, date(2024, 5, 1));
        assert_eq!(a.previous_marac_referral_on, Some(date(2023, 11, 20)));
        assert_eq!(a.details.len(), 1);
        assert_eq!(a.details.get("q1").map(String::as_str), Some("cut lip"));
    }

    #[test]
    fn optional_fields_may_be_left_out() {
        let json = json!({"answers": {}, "abuse_incidents_last_12_months": 0,
            "assessed_on": "2024-05-01"});
        let request = parse_score_request(&json.to_string(), &registry()).unwrap();
        assert_eq!(request.instrument_id, "safelives-dash-ric");
        assert_eq!(request.assessment.professional_judgement, None);
        assert_eq!(request.assessment.previous_marac_referral_on, None);
        assert!(request.assessment.answers.is_empty());
        assert!(parse_score_request(&with("instrument", Value::Null), &registry()).is_ok());
        assert!(parse_score_request(&with("details", Value::Null), &registry()).is_ok());
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = error("{\n  \"answers\": {\"q1\": \"yes\",}\n}");
        assert!(err.starts_with("malformed JSON: "), "{err}");
        assert!(err.contains("line 2 column"), "{err}");
        let err = error("");
        assert!(err.starts_with("malformed JSON: "), "{err}");
        let err = error(&format!("{} trailing", valid()));
        assert!(err.starts_with("malformed JSON: "), "{err}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = error(
            r#"{"answers": {"q1": "yes", "q1": "no"}, "abuse_incidents_last_12_months": 0,
                "assessed_on": "2024-05-01"}"#,
        );
        assert!(
            err.starts_with("malformed JSON: duplicate key \"q1\""),
            "{err}"
        );
        assert!(err.contains("line 1 column"), "{err}");
    }

    #[test]
    fn the_request_must_be_an_object() {
        for json in ["[]", "null", "\"yes\"", "3"] {
            assert_eq!(error(json), "request: must be a JSON object");
        }
    }

    #[test]
    fn unknown_top_level_fields_are_named() {
        let err = error(&with("foo", json!(1)));
        assert_eq!(
            err,
            "foo: unknown field; expected one of answers, abuse_incidents_last_12_months, professional_judgement, assessed_on, previous_marac_referral_on, instrument, details"
        );
        // A plausible misspelling must not be quietly ignored.
        let err = error(&with("abuse_incidents_last_6_months", json!(5)));
        assert!(
            err.starts_with("abuse_incidents_last_6_months: unknown field"),
            "{err}"
        );
        let err = error(&with("bad\nkey", json!(1)));
        assert!(err.starts_with("\"bad\\nkey\": unknown field"), "{err}");
    }

    #[test]
    fn required_fields_are_named_when_missing() {
        assert_eq!(
            error(&without("assessed_on")),
            "assessed_on: missing; expected a date in YYYY-MM-DD form"
        );
        assert_eq!(
            error(&without("answers")),
            "answers: missing; expected an object of item keys to yes, no or not_known"
        );
        assert_eq!(
            error(&without("abuse_incidents_last_12_months")),
            "abuse_incidents_last_12_months: missing; expected a whole number of 0 or more"
        );
    }

    #[test]
    fn unknown_item_keys_are_refused() {
        let err = error(&with("answers", json!({"q1": "yes", "q25": "yes"})));
        assert_eq!(err, "answers.q25: not an item of safelives-dash-ric");
        let err = error(&with("details", json!({"q0": "text"})));
        assert_eq!(err, "details.q0: not an item of safelives-dash-ric");
    }

    #[test]
    fn answers_must_be_yes_no_or_not_known() {
        assert_eq!(
            error(&with("answers", json!({"q3": "maybe"}))),
            r#"answers.q3: "maybe" is not one of yes, no, not_known"#
        );
        assert_eq!(
            error(&with("answers", json!({"q3": "Yes"}))),
            r#"answers.q3: "Yes" is not one of yes, no, not_known"#
        );
        assert_eq!(
            error(&with("answers", json!({"q3": true}))),
            "answers.q3: true is not one of yes, no, not_known"
        );
        assert_eq!(
            error(&with("answers", json!({"q3": null}))),
            "answers.q3: null is not one of yes, no, not_known"
        );
        assert_eq!(
            error(&with("answers", json!({"q3": "a\nb"}))),
            r#"answers.q3: "a\nb" is not one of yes, no, not_known"#
        );
        assert_eq!(
            error(&with("answers", json!(["q1"]))),
            "answers: must be an object of item keys to yes, no or not_known"
        );
    }

    #[test]
    fn judgement_needs_a_non_empty_reason() {
        for reason in ["", "   ", "\n\t"] {
            assert_eq!(
                error(&with("professional_judgement", json!({ "reason": reason }))),
                "professional_judgement.reason: must not be empty"
            );
        }
        assert_eq!(
            error(&with("professional_judgement", json!({}))),
            "professional_judgement.reason: missing; expected the reason for the professional judgement"
        );
        assert_eq!(
            error(&with("professional_judgement", json!({"reason": 5}))),
            "professional_judgement.reason: must be text in quotes"
        );
        assert_eq!(
            error(&with("professional_judgement", json!("worried"))),
            "professional_judgement: must be null or an object with a reason, such as {\"reason\": \"...\"}"
        );
        assert_eq!(
            error(&with("professional_judgement", json!(true))),
            "professional_judgement: must be null or an object with a reason, such as {\"reason\": \"...\"}"
        );
    }

    #[test]
    fn unknown_fields_inside_the_judgement_are_refused() {
        let err = error(&with(
            "professional_judgement",
            json!({"reason": "x", "severity": "high"}),
        ));
        assert_eq!(
            err,
            "professional_judgement.severity: unknown field; expected one of reason"
        );
    }

    #[test]
    fn dates_must_be_real_and_in_yyyy_mm_dd_form() {
        assert_eq!(
            error(&with("assessed_on", json!("2024-13-01"))),
            r#"assessed_on: "2024-13-01" is not a date in YYYY-MM-DD form"#
        );
        assert_eq!(
            error(&with("assessed_on", json!("2023-02-29"))),
            r#"assessed_on: "2023-02-29" is not a date in YYYY-MM-DD form"#
        );
        assert_eq!(
            error(&with("assessed_on", json!("01/05/2024"))),
            r#"assessed_on: "01/05/2024" is not a date in YYYY-MM-DD form"#
        );
        assert_eq!(
            error(&with("assessed_on", json!(20240501))),
            "assessed_on: 20240501 is not a date in YYYY-MM-DD form"
        );
        assert_eq!(
            error(&with("assessed_on", Value::Null)),
            "assessed_on: null is not a date in YYYY-MM-DD form"
        );
        assert_eq!(
            error(&with("previous_marac_referral_on", json!("2024-5-1"))),
            r#"previous_marac_referral_on: "2024-5-1" is not a date in YYYY-MM-DD form"#
        );
    }

    #[test]
    fn incident_counts_must_be_whole_and_not_negative() {
        for bad in [
            json!(-1),
            json!(1.5),
            json!(3.0),
            json!("3"),
            Value::Null,
            json!([3]),
        ] {
            assert_eq!(
                error(&with("abuse_incidents_last_12_months", bad.clone())),
                "abuse_incidents_last_12_months: must be a whole number of 0 or more",
                "{bad}"
            );
        }
        assert_eq!(
            error(&with(
                "abuse_incidents_last_12_months",
                json!(4_294_967_296_u64)
            )),
            "abuse_incidents_last_12_months: must be at most 4294967295"
        );
        let max = with("abuse_incidents_last_12_months", json!(u32::MAX));
        assert!(parse_score_request(&max, &registry()).is_ok());
    }

    #[test]
    fn instrument_must_be_known() {
        assert_eq!(
            error(&with("instrument", json!("x"))),
            r#"instrument: unknown instrument "x""#
        );
        assert_eq!(
            error(&with("instrument", json!(7))),
            "instrument: must be an instrument id in quotes, such as \"safelives-dash-ric\""
        );
    }

    #[test]
    fn details_must_be_text() {
        assert_eq!(
            error(&with("details", json!({"q1": 3}))),
            "details.q1: must be text in quotes"
        );
        assert_eq!(
            error(&with("details", json!("notes"))),
            "details: must be an object of item keys to text"
        );
    }

    #[test]
    fn a_second_instrument_is_scored_from_its_definition_alone() {
        let police = Instrument::from_json(POLICE_FORM_JSON).unwrap();
        let registry = registry().with(police).unwrap();
        let json = json!({
            "instrument": "demo-police-form",
            "answers": {"p1": "yes", "p2": "yes", "p3": "not_known"},
            "abuse_incidents_last_12_months": 0,
            "assessed_on": "2024-05-01"
        });
        let request = parse_score_request(&json.to_string(), &registry).unwrap();
        assert_eq!(request.instrument_id, "demo-police-form");
        let instrument = registry.get(&request.instrument_id).unwrap();
        let local = Thresholds {
            visible_high_risk_yes: 2,
            medium_from_yes: 1,
            ..Thresholds::default()
        };
        let decision = decide(instrument, &local, &request.assessment);
        assert_eq!(decision.instrument, "demo-police-form");
        assert_eq!(decision.version, "2024-test");
        assert_eq!((decision.yes_count, decision.not_known_count), (2, 1));
        assert_eq!(decision.risk_level, RiskLevel::High);
        assert_eq!(decision.criteria, [MaracCriterion::VisibleHighRisk]);

        // Dash keys are not items of the police form, and vice versa.
        let dash_key = json!({"instrument": "demo-police-form", "answers": {"q1": "yes"},
            "abuse_incidents_last_12_months": 0, "assessed_on": "2024-05-01"});
        assert_eq!(
            parse_score_request(&dash_key.to_string(), &registry)
                .unwrap_err()
                .to_string(),
            "answers.q1: not an item of demo-police-form"
        );
        assert_eq!(
            error(&with("answers", json!({"p1": "yes"}))),
            "answers.p1: not an item of safelives-dash-ric"
        );
    }

    #[test]
    fn an_assessment_round_trips_through_its_json_form() {
        let json = json!({
            "answers": {"q1": "yes", "q9": "no", "q10": "not_known"},
            "abuse_incidents_last_12_months": 4,
            "professional_judgement": {"reason": "fear for the baby"},
            "assessed_on": "2024-02-29",
            "previous_marac_referral_on": "2023-03-01",
            "details": {"q1": "bruising"}
        });
        let first = parse_score_request(&json.to_string(), &registry()).unwrap();
        let again =
            parse_score_request(&first.assessment.to_json().to_string(), &registry()).unwrap();
        assert_eq!(again, first);
    }
}
