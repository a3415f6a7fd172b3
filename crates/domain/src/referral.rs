//! A new referral to the service: the victim, the perpetrator, the children in the
//! household, who referred and by which route, consent and safe contact details.
//!
//! Raw input (a form or a JSON body) becomes a [`NewReferral`] only through
//! [`ReferralInput::parse`], which reports every problem at once, each naming its field.
use serde::{Deserialize, Serialize};
use time::Date;

/// One problem with one field of a submitted form or JSON body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name, as in the form and the JSON body (e.g. `victim_given_name`).
    pub field: String,
    /// A message a caseworker can act on.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

macro_rules! choice {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $key:literal : $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $key),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(s: &str) -> Option<$name> { match s { $($key => Some($name::$variant),)+ _ => None } }
        }
    };
}
pub(crate) use choice;

choice!(
    /// How the referral reached the service (the Insights referral routes).
    ReferralRoute {
        Police = "police": "Police",
        SelfReferral = "self": "Self-referral",
        Marac = "marac": "Marac",
        DvServices = "dv_services": "Domestic or sexual violence service",
        Health = "health": "Health",
        ChildrensServices = "childrens_services": "Children and young people's services",
        Housing = "housing": "Housing",
        Specialist = "specialist": "Other specialist service",
        Other = "other": "Other",
    }
);

choice!(
    /// Whether the victim consented to the referral.
    Consent {
        Given = "given": "Yes, the victim consented",
        NotGiven = "not_given": "No, shared without consent",
    }
);

choice!(
    /// The perpetrator's relationship to the victim.
    Relationship {
        IntimatePartner = "intimate_partner": "Intimate partner",
        ExPartner = "ex_partner": "Ex-partner",
        IntermittentPartner = "intermittent_partner": "Intermittent partner",
        FamilyMember = "family_member": "Family member",
        Other = "other": "Other",
    }
);

choice!(
    /// Gender as recorded by the referrer.
    Gender {
        Female = "female": "Female",
        Male = "male": "Male",
        NonBinary = "non_binary": "Non-binary or other",
        NotKnown = "not_known": "Not known",
    }
);

choice!(
    /// Whom a child lives with.
    LivesWith {
        Victim = "victim": "The victim",
        Perpetrator = "perpetrator": "The perpetrator",
        Both = "both": "Both",
        Other = "other": "Someone else",
    }
);

/// The raw input of a referral: every field as text, exactly as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralInput {
    pub victim_given_name: String,
    pub victim_family_name: String,
    pub victim_date_of_birth: String,
    pub victim_gender: String,
    pub perpetrator_given_name: String,
    pub perpetrator_family_name: String,
    pub perpetrator_date_of_birth: String,
    pub perpetrator_gender: String,
    pub relationship: String,
    pub children: Vec<ChildInput>,
    pub referring_agency_id: String,
    pub route: String,
    pub referred_on: String,
    pub consent: String,
    pub consent_reason: String,
    pub victim_aware: String,
    pub reason: String,
    pub safe_phone: String,
    pub safe_times: String,
    pub voicemail_safe: String,
    pub post_safe: String,
}

/// A child in the household, as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChildInput {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub lives_with: String,
}

/// A person as the referral names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonDetails {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub gender: Option<Gender>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub person: PersonDetails,
    pub lives_with: Option<LivesWith>,
}

/// A valid referral, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReferral {
    pub victim: PersonDetails,
    pub perpetrator: PersonDetails,
    pub relationship: Relationship,
    pub children: Vec<Child>,
    /// Checked against the agencies that exist by the store.
    pub referring_agency_id: String,
    pub route: ReferralRoute,
    pub referred_on: Date,
    pub consent: Consent,
    pub consent_reason: Option<String>,
    pub victim_aware: bool,
    pub reason: Option<String>,
    pub safe_phone: Option<String>,
    pub safe_times: Option<String>,
    pub voicemail_safe: bool,
    pub post_safe: bool,
}

/// The longest free text accepted in one field.
pub const MAX_TEXT: usize = 4000;
const MAX_NAME: usize = 100;

/// Parses a date in `YYYY-MM-DD` form.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

/// Collects every problem with a submitted form, each naming its field.
pub(crate) struct Checker {
    pub(crate) errors: Vec<FieldError>,
}

impl Checker {
    pub(crate) fn name(&mut self, field: &str, value: &str, what: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.errors
                .push(FieldError::new(field, format!("Enter the {what}")));
        } else if v.chars().count() > MAX_NAME {
            self.errors.push(FieldError::new(
                field,
                format!("The {what} must be {MAX_NAME} characters or fewer"),
            ));
        }
        v.to_owned()
    }

    pub(crate) fn optional_text(
        &mut self,
        field: &str,
        value: &str,
        max: usize,
        what: &str,
    ) -> Option<String> {
        let v = value.trim();
        if v.chars().count() > max {
            self.errors.push(FieldError::new(
                field,
                format!("{what} must be {max} characters or fewer"),
            ));
        }
        (!v.is_empty()).then(|| v.to_owned())
    }

    pub(crate) fn date(
        &mut self,
        field: &str,
        value: &str,
        what: &str,
        today: Date,
        required: bool,
    ) -> Option<Date> {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.errors
                    .push(FieldError::new(field, format!("Enter the {what}")));
            }
            return None;
        }
        match parse_iso_date(v) {
            None => {
                self.errors.push(FieldError::new(
                    field,
                    format!("The {what} must be a real date, like 2024-03-27"),
                ));
                None
            }
            Some(d) if d > today => {
                self.errors.push(FieldError::new(
                    field,
                    format!("The {what} must be today or in the past"),
                ));
                None
            }
            Some(d) => Some(d),
        }
    }

    pub(crate) fn choice<T: Copy>(
        &mut self,
        field: &str,
        value: &str,
        parse: fn(&str) -> Option<T>,
        missing: &str,
        required: bool,
    ) -> Option<T> {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.errors.push(FieldError::new(field, missing));
            }
            return None;
        }
        let parsed = parse(v);
        if parsed.is_none() {
            self.errors
                .push(FieldError::new(field, format!("{missing} from the list")));
        }
        parsed
    }

    pub(crate) fn yes_no(&mut self, field: &str, value: &str, question: &str) -> bool {
        match value.trim() {
            "yes" => true,
            "no" => false,
            _ => {
                self.errors.push(FieldError::new(
                    field,
                    format!("Select yes or no: {question}"),
                ));
                false
            }
        }
    }
}

impl ReferralInput {
    /// Checks every field; returns the referral or every problem found.
    pub fn parse(&self, today: Date) -> Result<NewReferral, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let victim = PersonDetails {
            given_name: c.name(
                "victim_given_name",
                &self.victim_given_name,
                "victim's first name",
            ),
            family_name: c.name(
                "victim_family_name",
                &self.victim_family_name,
                "victim's last name",
            ),
            date_of_birth: c.date(
                "victim_date_of_birth",
                &self.victim_date_of_birth,
                "victim's date of birth",
                today,
                false,
            ),
            gender: c.choice(
                "victim_gender",
                &self.victim_gender,
                Gender::parse,
                "Select the victim's gender",
                false,
            ),
        };
        let perpetrator = PersonDetails {
            given_name: c.name(
                "perpetrator_given_name",
                &self.perpetrator_given_name,
                "perpetrator's first name",
            ),
            family_name: c.name(
                "perpetrator_family_name",
                &self.perpetrator_family_name,
                "perpetrator's last name",
            ),
            date_of_birth: c.date(
                "perpetrator_date_of_birth",
                &self.perpetrator_date_of_birth,
                "perpetrator's date of birth",
                today,
                false,
            ),
            gender: c.choice(
                "perpetrator_gender",
                &self.perpetrator_gender,
                Gender::parse,
                "Select the perpetrator's gender",
                false,
            ),
        };
        let relationship = c.choice(
            "relationship",
            &self.relationship,
            Relationship::parse,
            "Select the perpetrator's relationship to the victim",
            true,
        );
        let mut children = Vec::new();
        for (i, child) in self.children.iter().enumerate() {
            let n = i + 1;
            let blank = child.given_name.trim().is_empty()
                && child.family_name.trim().is_empty()
                && child.date_of_birth.trim().is_empty()
                && child.lives_with.trim().is_empty();
            if blank {
                continue;
            }
            children.push(Child {
                person: PersonDetails {
                    given_name: c.name(
                        &format!("child_{n}_given_name"),
                        &child.given_name,
                        &format!("first name of child {n}"),
                    ),
                    family_name: c.name(
                        &format!("child_{n}_family_name"),
                        &child.family_name,
                        &format!("last name of child {n}"),
                    ),
                    date_of_birth: c.date(
                        &format!("child_{n}_date_of_birth"),
                        &child.date_of_birth,
                        &format!("date of birth of child {n}"),
                        today,
                        false,
                    ),
                    gender: None,
                },
                lives_with: c.choice(
                    &format!("child_{n}_lives_with"),
                    &child.lives_with,
                    LivesWith::parse,
                    &format!("Select whom child {n} lives with"),
                    false,
                ),
            });
        }
        let referring_agency_id = self.referring_agency_id.trim().to_owned();
        if referring_agency_id.is_empty() {
            c.errors.push(FieldError::new(
                "referring_agency_id",
                "Select the referring agency",
            ));
        }
        let route = c.choice(
            "route",
            &self.route,
            ReferralRoute::parse,
            "Select the referral route",
            true,
        );
        let referred_on = c.date(
            "referred_on",
            &self.referred_on,
            "referral date",
            today,
            true,
        );
        let consent = c.choice(
            "consent",
            &self.consent,
            Consent::parse,
            "Select whether the victim consented",
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
                "Enter the reason for sharing without the victim's consent",
            ));
        }
        let victim_aware = c.yes_no(
            "victim_aware",
            &self.victim_aware,
            "does the victim know about this referral?",
        );
        let reason = c.optional_text("reason", &self.reason, MAX_TEXT, "The reason for referral");
        let safe_phone =
            c.optional_text("safe_phone", &self.safe_phone, 30, "The safe phone number");
        if let Some(p) = &safe_phone {
            let ok = p
                .chars()
                .all(|ch| ch.is_ascii_digit() || " +()-".contains(ch))
                && p.chars().filter(char::is_ascii_digit).count() >= 7;
            if !ok {
                c.errors.push(FieldError::new(
                    "safe_phone",
                    "Enter the safe phone number using digits, like 07700 900123",
                ));
            }
        }
        let safe_times = c.optional_text("safe_times", &self.safe_times, 200, "Safe times to call");
        let voicemail_safe = c.yes_no(
            "voicemail_safe",
            &self.voicemail_safe,
            "is it safe to leave a voicemail?",
        );
        let post_safe = c.yes_no("post_safe", &self.post_safe, "is it safe to send post?");

        match (relationship, route, referred_on, consent) {
            (Some(relationship), Some(route), Some(referred_on), Some(consent))
                if c.errors.is_empty() =>
            {
                Ok(NewReferral {
                    victim,
                    perpetrator,
                    relationship,
                    children,
                    referring_agency_id,
                    route,
                    referred_on,
                    consent,
                    consent_reason: if consent == Consent::NotGiven {
                        consent_reason
                    } else {
                        None
                    },
                    victim_aware,
                    reason,
                    safe_phone,
                    safe_times,
                    voicemail_safe,
                    post_safe,
                })
            }
            _ => Err(c.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn valid() -> ReferralInput {
        ReferralInput {
            victim_given_name: "Ada".into(),
            victim_family_name: "Example".into(),
            victim_date_of_birth: "1990-02-03".into(),
            victim_gender: "female".into(),
            perpetrator_given_name: "Bob".into(),
            perpetrator_family_name: "Sample".into(),
            relationship: "ex_partner".into(),
            children: vec![ChildInput {
                given_name: "Cy".into(),
                family_name: "Example".into(),
                date_of_birth: "2019-05-06".into(),
                lives_with: "victim".into(),
            }],
            referring_agency_id: "agency-1".into(),
            route: "police".into(),
            referred_on: "2026-11-20".into(),
            consent: "given".into(),
            victim_aware: "yes".into(),
            safe_phone: "07700 900123".into(),
            voicemail_safe: "no".into(),
            post_safe: "no".into(),
            ..ReferralInput::default()
        }
    }

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_complete_referral_parses() {
        let r = valid().parse(date!(2026 - 11 - 25)).unwrap();
        assert_eq!(r.victim.given_name, "Ada");
        assert_eq!(r.relationship, Relationship::ExPartner);
        assert_eq!(r.children.len(), 1);
        assert_eq!(r.children[0].lives_with, Some(LivesWith::Victim));
        assert!(r.victim_aware);
        assert!(!r.voicemail_safe);
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let mut input = valid();
        input.victim_given_name = "  ".into();
        input.referred_on = "2026-13-01".into();
        input.route = "carrier pigeon".into();
        input.safe_phone = "call me".into();
        input.voicemail_safe = String::new();
        let errs = input.parse(date!(2026 - 11 - 25)).unwrap_err();
        assert_eq!(
            fields(&errs),
            vec![
                "victim_given_name",
                "route",
                "referred_on",
                "safe_phone",
                "voicemail_safe"
            ]
        );
    }

    #[test]
    fn sharing_without_consent_needs_a_reason() {
        let mut input = valid();
        input.consent = "not_given".into();
        let errs = input.parse(date!(2026 - 11 - 25)).unwrap_err();
        assert_eq!(fields(&errs), vec!["consent_reason"]);
        input.consent_reason = "Children at risk".into();
        assert!(input.parse(date!(2026 - 11 - 25)).is_ok());
    }

    #[test]
    fn future_dates_and_blank_child_rows() {
        let mut input = valid();
        input.referred_on = "2026-11-26".into();
        input.children.push(ChildInput::default());
        let errs = input.parse(date!(2026 - 11 - 25)).unwrap_err();
        assert_eq!(fields(&errs), vec!["referred_on"]);
        input.referred_on = "2026-11-25".into();
        assert_eq!(
            input.parse(date!(2026 - 11 - 25)).unwrap().children.len(),
            1
        );
    }

    #[test]
    fn a_half_filled_child_row_is_an_error() {
        let mut input = valid();
        input.children.push(ChildInput {
            given_name: "Dee".into(),
            ..ChildInput::default()
        });
        let errs = input.parse(date!(2026 - 11 - 25)).unwrap_err();
        assert_eq!(fields(&errs), vec!["child_2_family_name"]);
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        let err =
            serde_json::from_str::<ReferralInput>(r#"{"victim_given_name":"A","is_admin":true}"#)
                .unwrap_err();
        assert!(err.to_string().contains("is_admin"));
    }
}
