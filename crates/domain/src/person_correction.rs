//! Correcting the victim's or a perpetrator's name, date of birth and gender after the
//! referral: a spelling put right, a date of birth learned later, a former name now known.
//!
//! Each person's fields carry a prefix (their person id and `-`), so one form can correct
//! everyone named on a case and every problem is reported against the right field.
use time::Date;

use crate::referral::{Checker, FieldError, Gender, PersonDetails};

/// One person's details as submitted: every field as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonCorrectionInput {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub gender: String,
}

impl PersonCorrectionInput {
    /// Checks the fields against today's (UK) date; errors name `{prefix}{field}`.
    pub fn parse(&self, prefix: &str, today: Date) -> Result<PersonDetails, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let field = |name: &str| format!("{prefix}{name}");
        let given_name = c.name(&field("given_name"), &self.given_name, "first name");
        let family_name = c.name(&field("family_name"), &self.family_name, "last name");
        let date_of_birth = c.date(
            &field("date_of_birth"),
            &self.date_of_birth,
            "date of birth",
            today,
            false,
        );
        let gender = c.choice(
            &field("gender"),
            &self.gender,
            Gender::parse,
            "Select a gender",
            false,
        );
        if c.errors.is_empty() {
            Ok(PersonDetails {
                given_name,
                family_name,
                date_of_birth,
                gender,
            })
        } else {
            Err(c.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 03);

    fn input(given: &str, family: &str, dob: &str, gender: &str) -> PersonCorrectionInput {
        PersonCorrectionInput {
            given_name: given.into(),
            family_name: family.into(),
            date_of_birth: dob.into(),
            gender: gender.into(),
        }
    }

    #[test]
    fn a_correction_is_trimmed_and_may_leave_the_date_of_birth_unknown() {
        let p = input("  Katherine ", "Ollerenshaw", "", "")
            .parse("x-", TODAY)
            .unwrap();
        assert_eq!(p.given_name, "Katherine");
        assert_eq!(p.date_of_birth, None);
        assert_eq!(p.gender, None);
        let p = input("Kate", "Smith", "1988-07-21", "female")
            .parse("x-", TODAY)
            .unwrap();
        assert_eq!(p.date_of_birth, Some(date!(1988 - 07 - 21)));
        assert_eq!(p.gender, Some(Gender::Female));
    }

    #[test]
    fn every_problem_is_named_against_the_persons_own_field() {
        let errors = input(" ", "", "2027-01-01", "sometimes")
            .parse("p1-", TODAY)
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "p1-given_name",
                "p1-family_name",
                "p1-date_of_birth",
                "p1-gender"
            ]
        );
        assert!(errors[0].message.contains("first name"));
    }
}
