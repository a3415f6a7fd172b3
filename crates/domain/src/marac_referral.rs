//! A referral to the Marac as any agency makes it, and the coordinator's screening of it:
//! accepted onto an agenda, accepted as a repeat whatever the score, returned to the
//! referrer with a reason, or (for a victim under 16) sent to children's safeguarding.
use serde::{Deserialize, Serialize};
use time::Date;

use crate::dash::repeat_window_end;
use crate::marac::{Eligibility, eligibility};
use crate::referral::{Checker, Consent, FieldError, Gender, MAX_TEXT, choice};

/// How long a Marac referral stays the anchor of the repeat rule: 12 months to the day.
pub const REPEAT_WINDOW_MONTHS: u32 = 12;

choice!(
    /// Where a Marac referral stands.
    ReferralStatus {
        Received = "received": "Waiting for screening",
        Accepted = "accepted": "Accepted",
        Returned = "returned": "Returned to the referrer",
        Diverted = "diverted": "Sent to children's safeguarding",
    }
);

/// The referral form as submitted. Everything else the form carries (victim, children,
/// perpetrators, the Dash and the criteria it met) comes from the case.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaracReferralInput {
    pub consent: String,
    /// Why the referral is shared without consent.
    pub consent_reason: String,
    /// Whether the victim knows about the referral: yes or no.
    pub victim_aware: String,
    /// What the victim wants from the Marac, in their words where possible.
    pub victim_wants: String,
    pub reason: String,
    /// The police crime or incident reference, where there is one.
    pub police_reference: String,
    /// The equality questions: yes, no, or not_known (not known or declined to say). Each
    /// must be answered: the data return counts a blank as unknown, so a blank is refused
    /// rather than silently stored.
    pub victim_racially_minoritised: String,
    pub victim_disabled: String,
    pub victim_lgbt: String,
    /// The victim's gender (a `Gender` key; not_known for not known or declined to say).
    pub victim_gender: String,
}

/// A valid referral form, stored sealed with the referral.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct MaracReferralDetails {
    pub consent: Consent,
    pub consent_reason: Option<String>,
    pub victim_aware: bool,
    pub victim_wants: Option<String>,
    pub reason: String,
    pub police_reference: Option<String>,
    pub victim_racially_minoritised: Option<bool>,
    pub victim_disabled: Option<bool>,
    pub victim_lgbt: Option<bool>,
    /// The victim's gender as the referral form answered it; `None` on referrals made
    /// before the form asked (the person record's gender is used for those).
    #[serde(default)]
    pub victim_gender: Option<Gender>,
}

/// One equality question: yes, no, or not known (which includes declined to say). A blank
/// is refused: unknown must be said, never assumed.
fn known(c: &mut Checker, field: &str, value: &str, question: &str) -> Option<bool> {
    match value.trim() {
        "not_known" => None,
        "yes" => Some(true),
        "no" => Some(false),
        "" => {
            c.errors.push(FieldError::new(
                field,
                format!(
                    "Select yes, no or not known (not known if the victim declined to say): {question}"
                ),
            ));
            None
        }
        _ => {
            c.errors.push(FieldError::new(
                field,
                format!("Select yes, no or not known: {question}"),
            ));
            None
        }
    }
}

impl MaracReferralInput {
    /// Checks every field; returns the form or every problem found.
    pub fn parse(&self) -> Result<MaracReferralDetails, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let consent = c.choice(
            "consent",
            &self.consent,
            Consent::parse,
            "Select whether the victim consented to the referral",
            true,
        );
        let consent_reason = c.optional_text(
            "consent_reason",
            &self.consent_reason,
            MAX_TEXT,
            "The reason for sharing without consent",
        );
        if consent == Some(Consent::NotGiven) && consent_reason.is_none() {
            c.errors.push(FieldError::new(
                "consent_reason",
                "Give the reason for referring without the victim's consent",
            ));
        }
        let victim_aware = c.yes_no(
            "victim_aware",
            &self.victim_aware,
            "does the victim know about this referral?",
        );
        let victim_wants = c.optional_text(
            "victim_wants",
            &self.victim_wants,
            MAX_TEXT,
            "What the victim wants from the Marac",
        );
        let reason = c.optional_text("reason", &self.reason, MAX_TEXT, "The reason for referral");
        if reason.is_none() {
            c.errors.push(FieldError::new(
                "reason",
                "Give the reason for referral: the risks and what has happened",
            ));
        }
        let police_reference = c.optional_text(
            "police_reference",
            &self.police_reference,
            60,
            "The police reference",
        );
        let victim_racially_minoritised = known(
            &mut c,
            "victim_racially_minoritised",
            &self.victim_racially_minoritised,
            "is the victim from a racially minoritised group?",
        );
        let victim_disabled = known(
            &mut c,
            "victim_disabled",
            &self.victim_disabled,
            "does the victim have a disability?",
        );
        let victim_lgbt = known(
            &mut c,
            "victim_lgbt",
            &self.victim_lgbt,
            "is the victim lesbian, gay, bisexual or trans?",
        );
        let victim_gender = c.choice(
            "victim_gender",
            &self.victim_gender,
            Gender::parse,
            "Select the victim's gender, or not known if the victim declined to say",
            true,
        );
        match (consent, reason) {
            (Some(consent), Some(reason)) if c.errors.is_empty() => Ok(MaracReferralDetails {
                consent,
                consent_reason: if consent == Consent::NotGiven {
                    consent_reason
                } else {
                    None
                },
                victim_aware,
                victim_wants,
                reason,
                police_reference,
                victim_racially_minoritised,
                victim_disabled,
                victim_lgbt,
                victim_gender,
            }),
            _ => Err(c.errors),
        }
    }
}

/// Where a case stands with the Marac after its latest Dash: what the case page and the Dash
/// decision lead with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaracStep {
    /// The latest Dash meets a referral criterion and no referral has been made since.
    Refer,
    /// Referred on or after the latest Dash: the newest such referral's state. A returned
    /// referral may be made again.
    Referred {
        referred_on: Date,
        status: ReferralStatus,
    },
    /// No Dash yet, or the latest does not meet the criteria, and no referral since.
    NotDue,
}

impl MaracStep {
    /// Whether "Refer to the Marac" is the case's next step.
    pub fn offers_referral(self) -> bool {
        matches!(
            self,
            MaracStep::Refer
                | MaracStep::Referred {
                    status: ReferralStatus::Returned,
                    ..
                }
        )
    }
}

/// The Marac step for a case whose latest Dash was on `assessed_on` (meeting the criteria or
/// not), given its referrals (date, state).
pub fn marac_step(
    latest_dash: Option<(Date, bool)>,
    referrals: &[(Date, ReferralStatus)],
) -> MaracStep {
    let Some((assessed_on, meets)) = latest_dash else {
        return MaracStep::NotDue;
    };
    let since = referrals
        .iter()
        .filter(|(on, _)| *on >= assessed_on)
        .max_by_key(|(on, _)| *on);
    match since {
        Some((referred_on, status)) => MaracStep::Referred {
            referred_on: *referred_on,
            status: *status,
        },
        None if meets => MaracStep::Refer,
        None => MaracStep::NotDue,
    }
}

/// Whether a referral made on `referred_on` repeats an earlier one made on `earlier_on`:
/// from the earlier referral's day up to and including the same date 12 months later.
pub fn is_repeat(earlier_on: Date, referred_on: Date) -> bool {
    earlier_on <= referred_on && referred_on <= repeat_window_end(earlier_on, REPEAT_WINDOW_MONTHS)
}

/// Where a new referral goes before it reaches the coordinator's queue.
pub fn route_on_receipt(victim_born: Option<Date>, referred_on: Date) -> ReferralStatus {
    match eligibility(victim_born, referred_on) {
        Eligibility::ChildrensSafeguarding => ReferralStatus::Diverted,
        Eligibility::Marac | Eligibility::AgeNotKnown => ReferralStatus::Received,
    }
}

/// The coordinator's decision on a referral, as the screening form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreeningInput {
    /// accept or return.
    pub decision: String,
    /// The earlier referral this one repeats, by id; empty when it is not a repeat.
    pub repeat_of: String,
    /// Why a referral is returned (shown to the referrer).
    pub reason: String,
}

/// A valid screening decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screening {
    /// Accepted; `repeat_of` names the earlier referral the coordinator confirmed.
    Accept {
        repeat_of: Option<String>,
    },
    Return {
        reason: String,
    },
}

impl ScreeningInput {
    /// Checks the decision. `meets_threshold` is whether the Dash behind the referral met
    /// the Marac's criteria; `candidates` are the earlier referrals within the repeat
    /// window that the coordinator may confirm. A repeat is accepted whatever the score; a
    /// referral below the threshold that is not a repeat can only be returned.
    pub fn parse(
        &self,
        meets_threshold: bool,
        candidates: &[String],
    ) -> Result<Screening, Vec<FieldError>> {
        let mut errors = Vec::new();
        let repeat_of = self.repeat_of.trim();
        let repeat_of = (!repeat_of.is_empty()).then(|| repeat_of.to_owned());
        if let Some(r) = &repeat_of
            && !candidates.contains(r)
        {
            errors.push(FieldError::new(
                "repeat_of",
                "Select one of the earlier referrals listed, or that this is not a repeat",
            ));
        }
        match self.decision.trim() {
            "accept" => {
                if repeat_of.is_none() && !meets_threshold {
                    errors.push(FieldError::new(
                        "decision",
                        "This referral does not meet the Marac's threshold and is not a repeat: return it to the referrer with a reason",
                    ));
                }
                if errors.is_empty() {
                    Ok(Screening::Accept { repeat_of })
                } else {
                    Err(errors)
                }
            }
            "return" => {
                let reason = self.reason.trim();
                if reason.is_empty() {
                    errors.push(FieldError::new(
                        "reason",
                        "Give the reason the referral is returned; the referrer will see it",
                    ));
                } else if reason.chars().count() > MAX_TEXT {
                    errors.push(FieldError::new(
                        "reason",
                        format!("The reason must be {MAX_TEXT} characters or fewer"),
                    ));
                }
                if errors.is_empty() {
                    Ok(Screening::Return {
                        reason: reason.to_owned(),
                    })
                } else {
                    Err(errors)
                }
            }
            _ => {
                errors.push(FieldError::new(
                    "decision",
                    "Select whether to accept the referral or return it",
                ));
                Err(errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form() -> MaracReferralInput {
        MaracReferralInput {
            consent: "given".into(),
            victim_aware: "yes".into(),
            reason: "Strangulation last week; threats to kill".into(),
            victim_racially_minoritised: "not_known".into(),
            victim_disabled: "not_known".into(),
            victim_lgbt: "not_known".into(),
            victim_gender: "female".into(),
            ..MaracReferralInput::default()
        }
    }

    #[test]
    fn the_next_marac_step_follows_the_latest_dash_and_the_referrals_since() {
        let dash = date!(2026 - 11 - 20);
        // No Dash: nothing to refer on.
        assert_eq!(marac_step(None, &[]), MaracStep::NotDue);
        // Meets a criterion, never referred: refer.
        assert_eq!(marac_step(Some((dash, true)), &[]), MaracStep::Refer);
        assert!(MaracStep::Refer.offers_referral());
        // Below the threshold: not due.
        assert_eq!(marac_step(Some((dash, false)), &[]), MaracStep::NotDue);
        // A referral before the latest Dash does not answer it.
        let before = (date!(2026 - 06 - 01), ReferralStatus::Accepted);
        assert_eq!(marac_step(Some((dash, true)), &[before]), MaracStep::Refer);
        // Referred the same day: its state, and no second button.
        let sent = (dash, ReferralStatus::Received);
        let step = marac_step(Some((dash, true)), &[before, sent]);
        assert_eq!(
            step,
            MaracStep::Referred {
                referred_on: dash,
                status: ReferralStatus::Received
            }
        );
        assert!(!step.offers_referral());
        // Returned by the coordinator: shown, and it may be referred again.
        let returned = (date!(2026 - 11 - 21), ReferralStatus::Returned);
        let step = marac_step(Some((dash, true)), &[sent, returned]);
        assert!(step.offers_referral());
        assert!(matches!(
            step,
            MaracStep::Referred {
                status: ReferralStatus::Returned,
                ..
            }
        ));
    }

    #[test]
    fn repeat_is_twelve_months_to_the_day_inclusive() {
        let earlier = date!(2025 - 11 - 25);
        assert!(is_repeat(earlier, date!(2025 - 11 - 25)));
        assert!(
            is_repeat(earlier, date!(2026 - 09 - 25)),
            "ten months later"
        );
        assert!(is_repeat(earlier, date!(2026 - 11 - 25)), "to the day");
        assert!(!is_repeat(earlier, date!(2026 - 11 - 26)), "one day past");
        assert!(!is_repeat(earlier, date!(2025 - 11 - 24)), "before it");
    }

    #[test]
    fn repeat_from_29_february_runs_to_28_february() {
        let earlier = date!(2024 - 02 - 29);
        assert!(is_repeat(earlier, date!(2025 - 02 - 28)));
        assert!(!is_repeat(earlier, date!(2025 - 03 - 01)));
    }

    #[test]
    fn under_16_goes_to_childrens_safeguarding() {
        let on = date!(2026 - 11 - 25);
        assert_eq!(
            route_on_receipt(Some(date!(2010 - 11 - 26)), on),
            ReferralStatus::Diverted
        );
        assert_eq!(
            route_on_receipt(Some(date!(2010 - 11 - 25)), on),
            ReferralStatus::Received,
            "16 today"
        );
        assert_eq!(route_on_receipt(None, on), ReferralStatus::Received);
    }

    #[test]
    fn a_complete_form_parses() {
        let d = form().parse().unwrap();
        assert_eq!(d.consent, Consent::Given);
        assert!(d.victim_aware);
        assert_eq!(d.victim_racially_minoritised, None);
        let mut f = form();
        f.victim_lgbt = "yes".into();
        f.victim_disabled = "no".into();
        let d = f.parse().unwrap();
        assert_eq!(
            (d.victim_lgbt, d.victim_disabled),
            (Some(true), Some(false))
        );
    }

    #[test]
    fn sharing_without_consent_needs_a_reason() {
        let mut f = form();
        f.consent = "not_given".into();
        let errors = f.parse().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "consent_reason");
        f.consent_reason = "Risk to life; she would be at greater risk if asked".into();
        assert!(f.parse().is_ok());
    }

    #[test]
    fn every_problem_is_named() {
        let f = MaracReferralInput {
            victim_lgbt: "maybe".into(),
            ..MaracReferralInput::default()
        };
        let fields: Vec<String> = f
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "consent",
                "victim_aware",
                "reason",
                "victim_racially_minoritised",
                "victim_disabled",
                "victim_lgbt",
                "victim_gender"
            ]
        );
    }

    #[test]
    fn a_referral_needs_a_reason_and_every_equality_question_answered() {
        // The form the journeys found accepted: a reason of spaces and blank equality
        // questions. Every blank is named, with what to choose when the victim declined.
        let blank = MaracReferralInput {
            reason: "   ".into(),
            victim_racially_minoritised: String::new(),
            victim_disabled: String::new(),
            victim_lgbt: String::new(),
            victim_gender: String::new(),
            ..form()
        };
        let errors = blank.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "reason",
                "victim_racially_minoritised",
                "victim_disabled",
                "victim_lgbt",
                "victim_gender"
            ]
        );
        assert!(
            errors[1]
                .message
                .contains("not known if the victim declined to say")
        );
        // "Not known / declined to say" is an answer: stored as unknown.
        let d = form().parse().unwrap();
        assert_eq!(
            (
                d.victim_racially_minoritised,
                d.victim_disabled,
                d.victim_lgbt
            ),
            (None, None, None)
        );
        assert_eq!(d.victim_gender, Some(Gender::Female));
        let mut declined = form();
        declined.victim_gender = "not_known".into();
        assert_eq!(
            declined.parse().unwrap().victim_gender,
            Some(Gender::NotKnown)
        );
    }

    #[test]
    fn a_referral_stored_before_the_gender_question_still_reads() {
        let old = r#"{"consent":"given","consent_reason":null,"victim_aware":true,
            "victim_wants":null,"reason":"Threats","police_reference":null,
            "victim_racially_minoritised":null,"victim_disabled":null,"victim_lgbt":null}"#;
        let d: MaracReferralDetails = serde_json::from_str(old).unwrap();
        assert_eq!(d.victim_gender, None);
    }

    #[test]
    fn below_threshold_can_be_accepted_only_as_a_repeat() {
        let candidates = vec!["r1".to_owned()];
        let accept = |repeat_of: &str| ScreeningInput {
            decision: "accept".into(),
            repeat_of: repeat_of.into(),
            reason: String::new(),
        };
        assert_eq!(
            accept("").parse(false, &candidates).unwrap_err()[0].field,
            "decision"
        );
        assert_eq!(
            accept("r1").parse(false, &candidates).unwrap(),
            Screening::Accept {
                repeat_of: Some("r1".into())
            }
        );
        assert_eq!(
            accept("").parse(true, &candidates).unwrap(),
            Screening::Accept { repeat_of: None }
        );
        assert_eq!(
            accept("r2").parse(true, &candidates).unwrap_err()[0].field,
            "repeat_of",
            "only a listed referral can be confirmed"
        );
    }

    #[test]
    fn returning_needs_a_reason() {
        let mut s = ScreeningInput {
            decision: "return".into(),
            ..ScreeningInput::default()
        };
        assert_eq!(s.parse(false, &[]).unwrap_err()[0].field, "reason");
        s.reason = "Below the threshold; please refer to the Idva service".into();
        assert!(matches!(
            s.parse(false, &[]).unwrap(),
            Screening::Return { .. }
        ));
        s.decision = "maybe".into();
        assert_eq!(s.parse(true, &[]).unwrap_err()[0].field, "decision");
    }
}
