//! A child or another linked person added to a case after the referral: a child who was
//! not named, a baby born since, a new partner or another adult at risk.
//!
//! Raw input becomes a [`NewLinkedPerson`] only through [`LinkedPersonInput::parse`], which
//! reports every problem at once. A school or nursery belongs to a child and a
//! relationship note to an adult, so each can only be held where it belongs.
use serde::{Deserialize, Serialize};
use time::Date;

use crate::referral::{Checker, FieldError, LivesWith, PersonDetails, choice};

choice!(
    /// A person's part in a case beyond the victim and the perpetrator.
    LinkedRole {
        Child = "child": "A child",
        Linked = "linked": "Another linked person, such as a new partner or another adult at risk",
    }
);

/// The longest school or nursery name, or relationship note, accepted.
pub const MAX_NOTE: usize = 200;

/// A child is under 18.
pub const ADULT_AT: u32 = 18;

/// A linked person as submitted: every field as text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkedPersonInput {
    pub role: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    /// Children only.
    pub lives_with: String,
    /// Children only: a restricted field, revealed like the safe phone.
    pub school: String,
    /// Linked adults only: who they are to the victim.
    pub relationship: String,
}

/// What is known about the person's part in the case, by role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Child {
        lives_with: Option<LivesWith>,
        /// The school or nursery (restricted).
        school: Option<String>,
    },
    Linked {
        /// Who they are to the victim, in the worker's words.
        relationship: Option<String>,
    },
}

impl Link {
    pub fn role(&self) -> LinkedRole {
        match self {
            Link::Child { .. } => LinkedRole::Child,
            Link::Linked { .. } => LinkedRole::Linked,
        }
    }
}

/// A valid linked person, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLinkedPerson {
    pub person: PersonDetails,
    pub link: Link,
}

impl LinkedPersonInput {
    /// Checks every field against today's (UK) date; returns the person or every problem.
    pub fn parse(&self, today: Date) -> Result<NewLinkedPerson, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let role = c.choice(
            "role",
            &self.role,
            LinkedRole::parse,
            "Select whether this is a child or another linked person",
            true,
        );
        let given_name = c.name("given_name", &self.given_name, "first name");
        let family_name = c.name("family_name", &self.family_name, "last name");
        let date_of_birth = c.date(
            "date_of_birth",
            &self.date_of_birth,
            "date of birth",
            today,
            false,
        );
        let lives_with = c.choice(
            "lives_with",
            &self.lives_with,
            LivesWith::parse,
            "Select whom the child lives with",
            false,
        );
        let school = c.optional_text("school", &self.school, MAX_NOTE, "The school or nursery");
        let relationship = c.optional_text(
            "relationship",
            &self.relationship,
            MAX_NOTE,
            "The relationship to the victim",
        );
        let link = match role {
            Some(LinkedRole::Child) => {
                if let Some(dob) = date_of_birth
                    && age_on(dob, today) >= ADULT_AT
                {
                    c.errors.push(FieldError::new(
                        "date_of_birth",
                        "A child must be under 18: add an adult as another linked person",
                    ));
                }
                if relationship.is_some() {
                    c.errors.push(FieldError::new(
                        "relationship",
                        "Leave the relationship empty for a child, or choose another linked person",
                    ));
                }
                Some(Link::Child { lives_with, school })
            }
            Some(LinkedRole::Linked) => {
                if lives_with.is_some() {
                    c.errors.push(FieldError::new(
                        "lives_with",
                        "Only a child's living arrangements are recorded here: leave this empty, or choose a child",
                    ));
                }
                if school.is_some() {
                    c.errors.push(FieldError::new(
                        "school",
                        "Only a child has a school or nursery: leave this empty, or choose a child",
                    ));
                }
                Some(Link::Linked { relationship })
            }
            None => None,
        };
        match link {
            Some(link) if c.errors.is_empty() => Ok(NewLinkedPerson {
                person: PersonDetails {
                    given_name,
                    family_name,
                    date_of_birth,
                    gender: None,
                },
                link,
            }),
            _ => Err(c.errors),
        }
    }
}

/// Age in whole years on `today`. Someone born on 29 February is a year older on
/// 1 March in a year without one, as in UK law.
pub fn age_on(born: Date, today: Date) -> u32 {
    if today < born {
        return 0;
    }
    let years = today.year() - born.year();
    let before_birthday = (today.month() as u8, today.day()) < (born.month() as u8, born.day());
    u32::try_from(years - i32::from(before_birthday)).unwrap_or(0)
}

/// Age in whole months on `today`, for babies.
fn months_on(born: Date, today: Date) -> u32 {
    if today < born {
        return 0;
    }
    let months = (today.year() - born.year()) * 12 + i32::from(today.month() as u8)
        - i32::from(born.month() as u8)
        - i32::from(today.day() < born.day());
    u32::try_from(months).unwrap_or(0)
}

/// How a child's age is shown: "aged 7", or in months under a year ("aged 5 months").
pub fn age_label(born: Date, today: Date) -> String {
    match age_on(born, today) {
        0 => match months_on(born, today) {
            0 => "aged under 1 month".to_owned(),
            1 => "aged 1 month".to_owned(),
            m => format!("aged {m} months"),
        },
        y => format!("aged {y}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn child() -> LinkedPersonInput {
        LinkedPersonInput {
            role: "child".into(),
            given_name: " Ada ".into(),
            family_name: "Lovelace".into(),
            date_of_birth: "2019-06-14".into(),
            lives_with: "victim".into(),
            school: " Hillside Primary ".into(),
            relationship: String::new(),
        }
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_child_with_a_school_parses() {
        let p = child().parse(TODAY).unwrap();
        assert_eq!(p.person.given_name, "Ada");
        assert_eq!(p.person.date_of_birth, Some(date!(2019 - 06 - 14)));
        assert_eq!(
            p.link,
            Link::Child {
                lives_with: Some(LivesWith::Victim),
                school: Some("Hillside Primary".into()),
            }
        );
        assert_eq!(p.link.role(), LinkedRole::Child);
    }

    #[test]
    fn only_the_names_and_role_are_required() {
        let p = LinkedPersonInput {
            role: "linked".into(),
            given_name: "Sam".into(),
            family_name: "Newpartner".into(),
            relationship: "Victim's new partner".into(),
            ..Default::default()
        }
        .parse(TODAY)
        .unwrap();
        assert_eq!(p.person.date_of_birth, None);
        assert_eq!(
            p.link,
            Link::Linked {
                relationship: Some("Victim's new partner".into())
            }
        );
        let empty = LinkedPersonInput::default().parse(TODAY).unwrap_err();
        assert_eq!(fields(empty), ["role", "given_name", "family_name"]);
    }

    #[test]
    fn a_date_of_birth_in_the_future_or_not_a_date_is_refused() {
        let future = LinkedPersonInput {
            date_of_birth: "2026-11-26".into(),
            ..child()
        };
        let e = future.parse(TODAY).unwrap_err();
        assert_eq!(e[0].field, "date_of_birth");
        assert!(e[0].message.contains("today or in the past"));
        // Born today is fine.
        let today = LinkedPersonInput {
            date_of_birth: "2026-11-25".into(),
            ..child()
        };
        assert!(today.parse(TODAY).is_ok());
        let nonsense = LinkedPersonInput {
            date_of_birth: "2019-02-30".into(),
            ..child()
        };
        assert_eq!(
            fields(nonsense.parse(TODAY).unwrap_err()),
            ["date_of_birth"]
        );
    }

    #[test]
    fn a_child_is_under_eighteen() {
        let eighteen_today = LinkedPersonInput {
            date_of_birth: "2008-11-25".into(),
            ..child()
        };
        assert_eq!(
            fields(eighteen_today.parse(TODAY).unwrap_err()),
            ["date_of_birth"]
        );
        let seventeen = LinkedPersonInput {
            date_of_birth: "2008-11-26".into(),
            ..child()
        };
        assert!(seventeen.parse(TODAY).is_ok());
        // An adult is another linked person, whatever their age.
        let adult = LinkedPersonInput {
            role: "linked".into(),
            date_of_birth: "1960-01-01".into(),
            lives_with: String::new(),
            school: String::new(),
            ..child()
        };
        assert!(adult.parse(TODAY).is_ok());
    }

    #[test]
    fn a_school_belongs_to_a_child_and_a_relationship_to_an_adult() {
        let adult_with_school = LinkedPersonInput {
            role: "linked".into(),
            ..child()
        };
        assert_eq!(
            fields(adult_with_school.parse(TODAY).unwrap_err()),
            ["lives_with", "school"]
        );
        let child_with_relationship = LinkedPersonInput {
            relationship: "Nephew".into(),
            ..child()
        };
        assert_eq!(
            fields(child_with_relationship.parse(TODAY).unwrap_err()),
            ["relationship"]
        );
    }

    #[test]
    fn unknown_choices_and_long_text_are_named() {
        let bad = LinkedPersonInput {
            role: "lodger".into(),
            lives_with: "grandparents".into(),
            school: "x".repeat(MAX_NOTE + 1),
            ..child()
        };
        assert_eq!(
            fields(bad.parse(TODAY).unwrap_err()),
            ["role", "lives_with", "school"]
        );
        let long_name = LinkedPersonInput {
            given_name: "x".repeat(101),
            ..child()
        };
        assert_eq!(fields(long_name.parse(TODAY).unwrap_err()), ["given_name"]);
    }

    #[test]
    fn ages_count_whole_years_and_leap_day_birthdays_come_on_the_first_of_march() {
        assert_eq!(age_on(date!(2019 - 06 - 14), TODAY), 7);
        assert_eq!(age_on(date!(2019 - 11 - 25), TODAY), 7);
        assert_eq!(age_on(date!(2019 - 11 - 26), TODAY), 6);
        assert_eq!(age_on(date!(2020 - 02 - 29), date!(2027 - 02 - 28)), 6);
        assert_eq!(age_on(date!(2020 - 02 - 29), date!(2027 - 03 - 01)), 7);
        assert_eq!(age_on(date!(2020 - 02 - 29), date!(2028 - 02 - 29)), 8);
        assert_eq!(age_on(date!(2027 - 01 - 01), TODAY), 0, "not born yet");
    }

    #[test]
    fn babies_are_aged_in_months() {
        assert_eq!(age_label(date!(2019 - 06 - 14), TODAY), "aged 7");
        assert_eq!(age_label(date!(2025 - 11 - 25), TODAY), "aged 1");
        assert_eq!(age_label(date!(2025 - 11 - 26), TODAY), "aged 11 months");
        assert_eq!(age_label(date!(2026 - 10 - 25), TODAY), "aged 1 month");
        assert_eq!(
            age_label(date!(2026 - 10 - 26), TODAY),
            "aged under 1 month"
        );
        assert_eq!(age_label(TODAY, TODAY), "aged under 1 month");
    }
}
