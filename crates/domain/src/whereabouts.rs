//! Where the victim can be found: their current address and postcode, the refuge they are
//! staying in, and their GP practice. These are restricted fields: a perpetrator who learns
//! any of them can find the victim, so they are shown only on an explicit, audited reveal
//! to the staff who contact the victim, and never on a Marac page, a list or an export
//! that another person could receive.
//!
//! Raw input becomes [`Whereabouts`] only through [`WhereaboutsInput::parse`], which reports
//! every problem at once. An empty field means "not recorded": the form is shown with what
//! is recorded already, so clearing a field removes it.
use serde::{Deserialize, Serialize};

use crate::referral::{Checker, FieldError};

/// The longest address accepted (several lines).
pub const MAX_ADDRESS: usize = 400;
/// The longest refuge description accepted (its name and where it is).
pub const MAX_REFUGE: usize = 300;
/// The longest GP practice accepted (its name and address).
pub const MAX_GP: usize = 300;

/// The form as submitted: every field as text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WhereaboutsInput {
    pub address: String,
    pub postcode: String,
    /// The refuge the victim is staying in: its name and location, as the refuge gave them.
    pub refuge: String,
    pub gp_practice: String,
}

/// What is recorded of where the victim can be found. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whereabouts {
    pub address: Option<String>,
    /// In canonical form (`NM1 4AB`).
    pub postcode: Option<String>,
    pub refuge: Option<String>,
    pub gp_practice: Option<String>,
}

impl Whereabouts {
    /// Whether anything at all is recorded.
    pub fn is_empty(&self) -> bool {
        self.address.is_none()
            && self.postcode.is_none()
            && self.refuge.is_none()
            && self.gp_practice.is_none()
    }
}

impl WhereaboutsInput {
    /// Checks every field; returns the details or every problem.
    pub fn parse(&self) -> Result<Whereabouts, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let address = c
            .optional_text("address", &self.address, MAX_ADDRESS, "The address")
            .map(|a| tidy_lines(&a));
        let postcode = match self.postcode.trim() {
            "" => None,
            raw => match canonical_postcode(raw) {
                Some(p) => Some(p),
                None => {
                    c.errors.push(FieldError::new(
                        "postcode",
                        "Enter a real UK postcode, like NM1 4AB",
                    ));
                    None
                }
            },
        };
        let refuge = c.optional_text("refuge", &self.refuge, MAX_REFUGE, "The refuge");
        let gp_practice =
            c.optional_text("gp_practice", &self.gp_practice, MAX_GP, "The GP practice");
        if c.errors.is_empty() {
            Ok(Whereabouts {
                address,
                postcode,
                refuge,
                gp_practice,
            })
        } else {
            Err(c.errors)
        }
    }
}

/// An address with each line trimmed and empty lines dropped, lines joined with `\n`.
fn tidy_lines(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A UK postcode in canonical form (upper case, one space before the inward code), or
/// `None` when it is not in one of the Royal Mail's formats: `A9 9AA`, `A99 9AA`,
/// `AA9 9AA`, `AA99 9AA`, `A9A 9AA`, `AA9A 9AA`, and `GIR 0AA`.
pub fn canonical_postcode(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    if outward == "GIR" && inward == "0AA" {
        return Some("GIR 0AA".to_owned());
    }
    // The unit letters never include C, I, K, M, O or V.
    let unit = |c: char| c.is_ascii_uppercase() && !"CIKMOV".contains(c);
    let inward_ok = matches!(
        inward.chars().collect::<Vec<_>>().as_slice(),
        [d, a, b] if d.is_ascii_digit() && unit(*a) && unit(*b)
    );
    // L = letter, D = digit: the outward code's six shapes.
    let shape: String = outward
        .chars()
        .map(|c| if c.is_ascii_digit() { 'D' } else { 'L' })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "LD" | "LDD" | "LLD" | "LLDD" | "LDL" | "LLDL"
    ) && !outward.starts_with(['Q', 'V', 'X']);
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(address: &str, postcode: &str, refuge: &str, gp: &str) -> WhereaboutsInput {
        WhereaboutsInput {
            address: address.into(),
            postcode: postcode.into(),
            refuge: refuge.into(),
            gp_practice: gp.into(),
        }
    }

    #[test]
    fn postcodes_are_put_in_canonical_form() {
        for (raw, want) in [
            ("nm1 4ab", "NM1 4AB"),
            ("NM14AB", "NM1 4AB"),
            (" sw1a 1aa ", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("gir0aa", "GIR 0AA"),
        ] {
            assert_eq!(canonical_postcode(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn impossible_postcodes_are_refused() {
        for raw in [
            "", "NM1", "NM1 4A", "NM1 4CB", "NM1 AAB", "1M1 4AB", "NMNM 4AB", "QM1 4AB", "NM1-4AB",
            "NM1 4ABX", "N£1 4AB",
        ] {
            assert_eq!(canonical_postcode(raw), None, "{raw}");
        }
    }

    #[test]
    fn empty_fields_mean_not_recorded() {
        let w = input("  ", "", "\n", "").parse().unwrap();
        assert!(w.is_empty());
        assert_eq!(w, Whereabouts::default());
    }

    #[test]
    fn an_address_keeps_its_lines_without_blank_ones() {
        let w = input(
            " 4 Elm Row \r\n\r\n Northmoor ",
            "nm1 4ab",
            "",
            "Moor Lane Surgery",
        )
        .parse()
        .unwrap();
        assert_eq!(w.address.as_deref(), Some("4 Elm Row\nNorthmoor"));
        assert_eq!(w.postcode.as_deref(), Some("NM1 4AB"));
        assert_eq!(w.refuge, None);
        assert_eq!(w.gp_practice.as_deref(), Some("Moor Lane Surgery"));
        assert!(!w.is_empty());
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let long = "x".repeat(MAX_REFUGE + 1);
        let errors = input(&"a".repeat(MAX_ADDRESS + 1), "not a postcode", &long, &long)
            .parse()
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["address", "postcode", "refuge", "gp_practice"]);
        assert!(errors[1].message.contains("postcode"));
        assert!(errors[0].message.contains("400 characters"));
    }

    #[test]
    fn limits_are_inclusive() {
        let w = input(
            &"a".repeat(MAX_ADDRESS),
            "",
            &"r".repeat(MAX_REFUGE),
            &"g".repeat(MAX_GP),
        )
        .parse()
        .unwrap();
        assert_eq!(w.address.map(|a| a.len()), Some(MAX_ADDRESS));
    }
}
