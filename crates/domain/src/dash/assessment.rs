//! A completed checklist: the answers, the details, the incident count, any professional
//! judgement, and the dates the repeat rule needs. Only valid assessments can be built.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::answer::Answer;
use super::error::{DashInputError, field_path};
use super::instrument::Instrument;

/// The assessor's recorded reason for referring whatever the score. Guidance requires the
/// reason to be written down, so a judgement without one cannot exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "JudgementRecord")]
pub struct ProfessionalJudgement {
    pub reason: String,
}

/// The stored shape, checked on the way in so that reading a record back cannot smuggle in an
/// empty reason.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JudgementRecord {
    reason: String,
}

impl TryFrom<JudgementRecord> for ProfessionalJudgement {
    type Error = DashInputError;

    fn try_from(record: JudgementRecord) -> Result<ProfessionalJudgement, DashInputError> {
        ProfessionalJudgement::new(record.reason)
    }
}

impl ProfessionalJudgement {
    /// Trims the reason and refuses one that is empty or only whitespace.
    pub fn new(reason: impl AsRef<str>) -> Result<ProfessionalJudgement, DashInputError> {
        let reason = reason.as_ref().trim();
        if reason.is_empty() {
            return Err(DashInputError::Empty {
                field: "professional_judgement.reason".to_string(),
            });
        }
        Ok(ProfessionalJudgement {
            reason: reason.to_string(),
        })
    }
}

/// A parsed, valid assessment against one instrument. Build only through [`Assessment::new`]
/// (or [`super::parse_score_request`]), which checks every answer key exists in the instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub instrument_id: String,
    pub instrument_version: String,
    /// Keyed by item key. Items with no entry were not asked or not recorded.
    pub answers: BTreeMap<String, Answer>,
    /// Free text per item key, trimmed and never empty.
    pub details: BTreeMap<String, String>,
    /// Domestic abuse incidents known to any agency in the past 12 months, not only police
    /// call-outs, as current guidance asks.
    pub abuse_incidents_last_12_months: u32,
    pub professional_judgement: Option<ProfessionalJudgement>,
    /// The day the checklist was completed; it stands in for the date the new incident was
    /// identified when testing the repeat rule.
    pub assessed_on: Date,
    /// The victim's last referral to this Marac, if any.
    pub previous_marac_referral_on: Option<Date>,
}

impl Assessment {
    /// Builds an assessment, refusing answers or details for items the instrument does not
    /// have and a judgement with no reason. Details are trimmed; blank ones are dropped because
    /// a form sends an empty box for every item left without notes.
    pub fn new(
        instrument: &Instrument,
        answers: BTreeMap<String, Answer>,
        details: BTreeMap<String, String>,
        abuse_incidents_last_12_months: u32,
        professional_judgement: Option<ProfessionalJudgement>,
        assessed_on: Date,
        previous_marac_referral_on: Option<Date>,
    ) -> Result<Assessment, DashInputError> {
        if let Some(key) = answers.keys().find(|key| instrument.item(key).is_none()) {
            return Err(DashInputError::UnknownItem {
                field: field_path("answers", key),
                instrument: instrument.id.clone(),
            });
        }
        let mut kept_details = BTreeMap::new();
        for (key, text) in details {
            if instrument.item(&key).is_none() {
                return Err(DashInputError::UnknownItem {
                    field: field_path("details", &key),
                    instrument: instrument.id.clone(),
                });
            }
            let text = text.trim();
            if !text.is_empty() {
                kept_details.insert(key, text.to_string());
            }
        }
        // The fields of ProfessionalJudgement are public, so one built by hand is checked again.
        let professional_judgement = professional_judgement
            .map(|judgement| ProfessionalJudgement::new(judgement.reason))
            .transpose()?;
        Ok(Assessment {
            instrument_id: instrument.id.clone(),
            instrument_version: instrument.version.clone(),
            answers,
            details: kept_details,
            abuse_incidents_last_12_months,
            professional_judgement,
            assessed_on,
            previous_marac_referral_on,
        })
    }

    /// The assessment in the `waymark dash score` request form, so it can be stored or sent
    /// and read back with [`super::parse_score_request`].
    pub fn to_json(&self) -> serde_json::Value {
        let answers: serde_json::Map<String, serde_json::Value> = self
            .answers
            .iter()
            .map(|(key, answer)| (key.clone(), answer.as_str().into()))
            .collect();
        let details: serde_json::Map<String, serde_json::Value> = self
            .details
            .iter()
            .map(|(key, text)| (key.clone(), text.as_str().into()))
            .collect();
        serde_json::json!({
            "instrument": self.instrument_id,
            "answers": answers,
            "details": details,
            "abuse_incidents_last_12_months": self.abuse_incidents_last_12_months,
            "professional_judgement": self
                .professional_judgement
                .as_ref()
                .map(|judgement| serde_json::json!({"reason": judgement.reason})),
            "assessed_on": format_iso_date(self.assessed_on),
            "previous_marac_referral_on": self.previous_marac_referral_on.map(format_iso_date),
        })
    }
}

/// Reads a date written exactly as `YYYY-MM-DD`. Anything looser (single-digit months, times,
/// slashes) is refused rather than interpreted, because a misread date decides the repeat rule.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(position, byte)| match position {
                4 | 7 => *byte == b'-',
                _ => byte.is_ascii_digit(),
            });
    if !shape_ok {
        return None;
    }
    let year: i32 = text.get(0..4)?.parse().ok()?;
    let month: u8 = text.get(5..7)?.parse().ok()?;
    let day: u8 = text.get(8..10)?.parse().ok()?;
    let month = Month::try_from(month).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Writes a date as `YYYY-MM-DD`.
pub fn format_iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dash::testing::{answers, dash, date};

    #[test]
    fn judgement_reason_is_trimmed() {
        let judgement = ProfessionalJudgement::new("  threats escalating after bail  ").unwrap();
        assert_eq!(judgement.reason, "threats escalating after bail");
        let from_string = ProfessionalJudgement::new(String::from("x")).unwrap();
        assert_eq!(from_string.reason, "x");
    }

    #[test]
    fn judgement_with_empty_or_whitespace_reason_is_rejected() {
        for reason in ["", " ", "\t\n  "] {
            let err = ProfessionalJudgement::new(reason).unwrap_err();
            assert_eq!(
                err.to_string(),
                "professional_judgement.reason: must not be empty"
            );
        }
    }

    #[test]
    fn stored_judgement_with_empty_reason_does_not_deserialise() {
        assert!(serde_json::from_str::<ProfessionalJudgement>(r#"{"reason": "  "}"#).is_err());
        assert!(
            serde_json::from_str::<ProfessionalJudgement>(r#"{"reason": "x", "by": "y"}"#).is_err()
        );
        let ok: ProfessionalJudgement = serde_json::from_str(r#"{"reason": " x "}"#).unwrap();
        assert_eq!(ok.reason, "x");
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::json!({"reason": "x"})
        );
    }

    fn build(
        answers: BTreeMap<String, Answer>,
        details: BTreeMap<String, String>,
        judgement: Option<ProfessionalJudgement>,
    ) -> Result<Assessment, DashInputError> {
        Assessment::new(
            &dash(),
            answers,
            details,
            0,
            judgement,
            date(2024, 5, 1),
            None,
        )
    }

    #[test]
    fn new_records_the_instrument_and_keeps_answers() {
        let assessment = build(
            answers(&[("q1", Answer::Yes), ("q24", Answer::NotKnown)]),
            BTreeMap::new(),
            None,
        )
        .unwrap();
        assert_eq!(assessment.instrument_id, "safelives-dash-ric");
        assert_eq!(assessment.instrument_version, "2009-uk");
        assert_eq!(assessment.answers.len(), 2);
        assert_eq!(assessment.answers.get("q24"), Some(&Answer::NotKnown));
    }

    #[test]
    fn new_rejects_unknown_answer_keys() {
        let err = build(answers(&[("q25", Answer::Yes)]), BTreeMap::new(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "answers.q25: not an item of safelives-dash-ric"
        );
        let err = build(answers(&[("injury", Answer::No)]), BTreeMap::new(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "answers.injury: not an item of safelives-dash-ric"
        );
    }

    #[test]
    fn new_rejects_details_for_unknown_items_and_tidies_the_rest() {
        let details = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let err = build(BTreeMap::new(), details(&[("q99", "x")]), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "details.q99: not an item of safelives-dash-ric"
        );

        let assessment = build(
            BTreeMap::new(),
            details(&[("q1", "  bruised arm \n"), ("q2", "   "), ("q3", "")]),
            None,
        )
        .unwrap();
        assert_eq!(assessment.details, details(&[("q1", "bruised arm")]));
    }

    #[test]
    fn new_rechecks_a_judgement_built_by_hand() {
        let hand_built = ProfessionalJudgement {
            reason: "  ".to_string(),
        };
        let err = build(BTreeMap::new(), BTreeMap::new(), Some(hand_built)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "professional_judgement.reason: must not be empty"
        );
        let padded = ProfessionalJudgement {
            reason: " fear for children ".to_string(),
        };
        let assessment = build(BTreeMap::new(), BTreeMap::new(), Some(padded)).unwrap();
        assert_eq!(
            assessment.professional_judgement.map(|j| j.reason),
            Some("fear for children".to_string())
        );
    }

    #[test]
    fn iso_dates_parse_strictly() {
        assert_eq!(parse_iso_date("2024-02-29"), Some(date(2024, 2, 29)));
        assert_eq!(parse_iso_date("0999-12-31"), Some(date(999, 12, 31)));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-1-05",
            "2024-01-5",
            "24-01-05",
            "2024/01/05",
            "2024-01-05T00:00:00",
            " 2024-01-05",
            "+2024-01-0",
            "２０２４-01-05",
            "",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn iso_dates_format_with_padding() {
        assert_eq!(format_iso_date(date(2025, 3, 7)), "2025-03-07");
        assert_eq!(format_iso_date(date(999, 1, 1)), "0999-01-01");
    }
}
