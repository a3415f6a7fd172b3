//! The numbers each Marac may set locally: where high and medium risk start, how many incidents
//! make potential escalation, and how long after a referral a new incident counts as a repeat.

use serde::{Deserialize, Serialize};

use super::error::ThresholdError;

/// A Marac's referral thresholds. Missing fields in stored JSON take the default, so a Marac
/// that changes one number only has to record that one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Yes answers at or above which a case is visible high risk (default 14).
    pub visible_high_risk_yes: u32,
    /// Yes answers at or above which a below-threshold case is banded medium (default 10).
    pub medium_from_yes: u32,
    /// Incidents in the past 12 months at or above which escalation is flagged (default 3).
    pub escalation_incidents: u32,
    /// Months after the last Marac referral within which a new incident is a repeat (default 12).
    pub repeat_window_months: u32,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            visible_high_risk_yes: 14,
            medium_from_yes: 10,
            escalation_incidents: 3,
            repeat_window_months: 12,
        }
    }
}

impl Thresholds {
    /// Rejects settings that would make the decision meaningless: zero thresholds would refer
    /// every case, and a medium band above the high band could never be reached.
    pub fn validate(&self) -> Result<(), ThresholdError> {
        if self.visible_high_risk_yes == 0 {
            return Err(ThresholdError::VisibleHighRiskZero);
        }
        if self.medium_from_yes > self.visible_high_risk_yes {
            return Err(ThresholdError::MediumAboveHigh {
                medium_from_yes: self.medium_from_yes,
                visible_high_risk_yes: self.visible_high_risk_yes,
            });
        }
        if self.escalation_incidents == 0 {
            return Err(ThresholdError::EscalationIncidentsZero);
        }
        if self.repeat_window_months == 0 {
            return Err(ThresholdError::RepeatWindowZero);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_national_figures() {
        let t = Thresholds::default();
        assert_eq!(
            (
                t.visible_high_risk_yes,
                t.medium_from_yes,
                t.escalation_incidents,
                t.repeat_window_months
            ),
            (14, 10, 3, 12)
        );
        assert_eq!(t.validate(), Ok(()));
    }

    #[test]
    fn medium_may_equal_but_not_exceed_the_high_threshold() {
        let equal = Thresholds {
            medium_from_yes: 14,
            ..Thresholds::default()
        };
        assert_eq!(equal.validate(), Ok(()));
        let above = Thresholds {
            medium_from_yes: 15,
            ..Thresholds::default()
        };
        assert_eq!(
            above.validate(),
            Err(ThresholdError::MediumAboveHigh {
                medium_from_yes: 15,
                visible_high_risk_yes: 14
            })
        );
    }

    #[test]
    fn zero_thresholds_are_rejected_and_one_is_accepted() {
        let base = Thresholds {
            visible_high_risk_yes: 1,
            medium_from_yes: 0,
            escalation_incidents: 1,
            repeat_window_months: 1,
        };
        assert_eq!(base.validate(), Ok(()));
        let cases = [
            (
                Thresholds {
                    visible_high_risk_yes: 0,
                    ..base.clone()
                },
                ThresholdError::VisibleHighRiskZero,
                "visible_high_risk_yes:",
            ),
            (
                Thresholds {
                    escalation_incidents: 0,
                    ..base.clone()
                },
                ThresholdError::EscalationIncidentsZero,
                "escalation_incidents:",
            ),
            (
                Thresholds {
                    repeat_window_months: 0,
                    ..base.clone()
                },
                ThresholdError::RepeatWindowZero,
                "repeat_window_months:",
            ),
        ];
        for (thresholds, expected, prefix) in cases {
            let err = thresholds.validate().unwrap_err();
            assert_eq!(err, expected);
            assert!(err.to_string().starts_with(prefix), "{err}");
        }
    }

    #[test]
    fn stored_json_may_set_only_some_fields() {
        let t: Thresholds = serde_json::from_str(r#"{"visible_high_risk_yes": 12}"#).unwrap();
        assert_eq!(
            t,
            Thresholds {
                visible_high_risk_yes: 12,
                ..Thresholds::default()
            }
        );
        assert!(serde_json::from_str::<Thresholds>(r#"{"visible": 12}"#).is_err());
        let round = serde_json::to_value(Thresholds::default()).unwrap();
        assert_eq!(
            round,
            serde_json::json!({"visible_high_risk_yes": 14, "medium_from_yes": 10,
                "escalation_incidents": 3, "repeat_window_months": 12})
        );
    }
}
