//! A survivor's own request for support, from the public self-referral form.
//!
//! The form asks for as little as possible: a first name, how (and whether) the service
//! may safely call, and whatever the survivor chooses to say. Consent is implicit: the
//! victim is referring themselves. Raw input becomes a [`SelfReferral`] only through
//! [`SelfReferralInput::parse`], which reports every problem at once, each naming its field.
use time::{Date, Duration};

use crate::referral::{Checker, FieldError, MAX_TEXT};

/// The National Domestic Abuse Helpline (free, 24 hours), for anyone the service cannot
/// safely call back.
pub const HELPLINE: &str = "0808 2000 247";

const MAX_NAME: usize = 100;
const MAX_PHONE: usize = 30;
const MAX_TIMES: usize = 200;

/// The raw input of the form: every field as text, exactly as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelfReferralInput {
    pub given_name: String,
    pub family_name: String,
    pub safe_phone: String,
    /// `yes` when the survivor ticked that there is no safe number to call.
    pub no_safe_phone: String,
    pub safe_times: String,
    pub voicemail_safe: String,
    pub immediate_danger: String,
    pub whats_happening: String,
}

/// How the service may reach the survivor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SafeContact {
    /// A number that is safe to call, and when.
    Phone {
        number: String,
        times: Option<String>,
        voicemail_safe: bool,
    },
    /// There is no safe number: the service cannot call back.
    NoSafeNumber,
}

/// A valid self-referral, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfReferral {
    pub given_name: String,
    /// Survivors need not give it.
    pub family_name: Option<String>,
    pub contact: SafeContact,
    /// Answered so that the page can tell them to call 999; the form still submits.
    pub immediate_danger: bool,
    /// What is happening, in the survivor's words: the referral's reason.
    pub whats_happening: Option<String>,
    /// The day the form was sent (UK date).
    pub referred_on: Date,
}

/// Whether a phone number is written with digits (and spaces, `+`, brackets or dashes).
fn looks_like_a_phone_number(p: &str) -> bool {
    p.chars()
        .all(|ch| ch.is_ascii_digit() || " +()-".contains(ch))
        && p.chars().filter(char::is_ascii_digit).count() >= 7
}

impl SelfReferralInput {
    /// Checks every field; returns the self-referral or every problem found.
    pub fn parse(&self, today: Date) -> Result<SelfReferral, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let immediate_danger = c.yes_no(
            "immediate_danger",
            &self.immediate_danger,
            "are you in immediate danger?",
        );
        let given_name =
            c.optional_text("given_name", &self.given_name, MAX_NAME, "Your first name");
        if given_name.is_none() {
            c.errors
                .push(FieldError::new("given_name", "Enter your first name"));
        }
        let family_name =
            c.optional_text("family_name", &self.family_name, MAX_NAME, "Your last name");
        let no_safe_phone = match self.no_safe_phone.trim() {
            "" => false,
            "yes" => true,
            _ => {
                c.errors.push(FieldError::new(
                    "no_safe_phone",
                    "Tick the box only if there is no safe number to call",
                ));
                false
            }
        };
        let phone = c.optional_text(
            "safe_phone",
            &self.safe_phone,
            MAX_PHONE,
            "The phone number",
        );
        let contact = match (phone, no_safe_phone) {
            (Some(_), true) => {
                c.errors.push(FieldError::new(
                    "safe_phone",
                    "Either give a safe phone number or tick that there is none, not both",
                ));
                None
            }
            (None, true) => Some(SafeContact::NoSafeNumber),
            (None, false) => {
                c.errors.push(FieldError::new(
                    "safe_phone",
                    "Enter a safe phone number, or tick that there is no safe number",
                ));
                None
            }
            (Some(number), false) => {
                if !looks_like_a_phone_number(&number) {
                    c.errors.push(FieldError::new(
                        "safe_phone",
                        "Enter the phone number using digits, like 07700 900123",
                    ));
                }
                let times = c.optional_text(
                    "safe_times",
                    &self.safe_times,
                    MAX_TIMES,
                    "Safe times to call",
                );
                let voicemail_safe = c.yes_no(
                    "voicemail_safe",
                    &self.voicemail_safe,
                    "is it safe to leave a voicemail?",
                );
                Some(SafeContact::Phone {
                    number,
                    times,
                    voicemail_safe,
                })
            }
        };
        let whats_happening = c.optional_text(
            "whats_happening",
            &self.whats_happening,
            MAX_TEXT,
            "What is happening",
        );
        match (given_name, contact) {
            (Some(given_name), Some(contact)) if c.errors.is_empty() => Ok(SelfReferral {
                given_name,
                family_name,
                contact,
                immediate_danger,
                whats_happening,
                referred_on: today,
            }),
            _ => Err(c.errors),
        }
    }
}

/// How many self-referrals one network address may send in a sliding window. The form
/// is public, so this is what keeps a script from filling the triage queue (and the audit
/// trail) with junk. `Default` gives the values Waymark runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmissionLimit {
    pub max_per_address: u32,
    pub window: Duration,
}

impl Default for SubmissionLimit {
    fn default() -> Self {
        SubmissionLimit {
            max_per_address: 5,
            window: Duration::hours(1),
        }
    }
}

impl SubmissionLimit {
    /// Whether another submission may go ahead after `recent` within the window.
    pub fn allows(&self, recent: u32) -> bool {
        recent < self.max_per_address
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 20);

    fn valid() -> SelfReferralInput {
        SelfReferralInput {
            given_name: " Ada ".into(),
            safe_phone: "07700 900123".into(),
            safe_times: "Weekdays 10 to 2".into(),
            voicemail_safe: "no".into(),
            immediate_danger: "no".into(),
            ..SelfReferralInput::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_minimal_self_referral_parses() {
        let r = valid().parse(TODAY).unwrap();
        assert_eq!(r.given_name, "Ada");
        assert_eq!(r.family_name, None);
        assert_eq!(
            r.contact,
            SafeContact::Phone {
                number: "07700 900123".into(),
                times: Some("Weekdays 10 to 2".into()),
                voicemail_safe: false,
            }
        );
        assert!(!r.immediate_danger);
        assert_eq!(r.whats_happening, None);
        assert_eq!(r.referred_on, TODAY);
    }

    #[test]
    fn an_empty_form_names_every_required_field() {
        let errors = SelfReferralInput::default().parse(TODAY).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["immediate_danger", "given_name", "safe_phone"]
        );
    }

    #[test]
    fn no_safe_number_needs_no_phone_and_no_voicemail_answer() {
        let input = SelfReferralInput {
            safe_phone: String::new(),
            no_safe_phone: "yes".into(),
            voicemail_safe: String::new(),
            safe_times: "Any time".into(),
            ..valid()
        };
        let r = input.parse(TODAY).unwrap();
        assert_eq!(r.contact, SafeContact::NoSafeNumber);
    }

    #[test]
    fn a_number_and_no_safe_number_together_are_refused() {
        let input = SelfReferralInput {
            no_safe_phone: "yes".into(),
            ..valid()
        };
        assert_eq!(fields(&input.parse(TODAY).unwrap_err()), ["safe_phone"]);
        let odd = SelfReferralInput {
            no_safe_phone: "on".into(),
            ..valid()
        };
        assert_eq!(fields(&odd.parse(TODAY).unwrap_err()), ["no_safe_phone"]);
    }

    #[test]
    fn a_phone_number_must_be_digits_and_the_voicemail_question_answered() {
        for bad in ["call me", "0770", "07700 900123 ext. 4", &"0".repeat(31)] {
            let input = SelfReferralInput {
                safe_phone: bad.to_owned(),
                ..valid()
            };
            assert_eq!(
                fields(&input.parse(TODAY).unwrap_err()),
                ["safe_phone"],
                "{bad}"
            );
        }
        let ok = SelfReferralInput {
            safe_phone: "+44 (0)7700-900123".into(),
            ..valid()
        };
        assert!(ok.parse(TODAY).is_ok());
        let unanswered = SelfReferralInput {
            voicemail_safe: "maybe".into(),
            ..valid()
        };
        assert_eq!(
            fields(&unanswered.parse(TODAY).unwrap_err()),
            ["voicemail_safe"]
        );
    }

    #[test]
    fn immediate_danger_is_recorded_and_the_form_still_submits() {
        let input = SelfReferralInput {
            immediate_danger: "yes".into(),
            ..valid()
        };
        assert!(input.parse(TODAY).unwrap().immediate_danger);
        let unanswered = SelfReferralInput {
            immediate_danger: String::new(),
            ..valid()
        };
        assert_eq!(
            fields(&unanswered.parse(TODAY).unwrap_err()),
            ["immediate_danger"]
        );
    }

    #[test]
    fn free_text_is_capped() {
        let at_limit = SelfReferralInput {
            whats_happening: "x".repeat(MAX_TEXT),
            family_name: "y".repeat(MAX_NAME),
            ..valid()
        };
        let r = at_limit.parse(TODAY).unwrap();
        assert_eq!(r.whats_happening.map(|t| t.chars().count()), Some(MAX_TEXT));
        let over = SelfReferralInput {
            whats_happening: "x".repeat(MAX_TEXT + 1),
            given_name: "y".repeat(MAX_NAME + 1),
            safe_times: "z".repeat(MAX_TIMES + 1),
            ..valid()
        };
        assert_eq!(
            fields(&over.parse(TODAY).unwrap_err()),
            ["given_name", "safe_times", "whats_happening"]
        );
    }

    #[test]
    fn blank_optional_fields_are_absent() {
        let input = SelfReferralInput {
            family_name: "   ".into(),
            safe_times: " ".into(),
            whats_happening: "\n".into(),
            ..valid()
        };
        let r = input.parse(TODAY).unwrap();
        assert_eq!(r.family_name, None);
        assert_eq!(r.whats_happening, None);
        assert!(matches!(r.contact, SafeContact::Phone { times: None, .. }));
    }

    #[test]
    fn five_submissions_an_hour_then_no_more() {
        let limit = SubmissionLimit::default();
        assert!(limit.allows(0));
        assert!(limit.allows(4));
        assert!(!limit.allows(5));
        assert_eq!(limit.window, Duration::hours(1));
    }
}
