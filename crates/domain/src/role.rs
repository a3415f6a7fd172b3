//! The roles a Waymark user can hold. Access decisions live in [`crate::access`]; this module
//! only names the roles and their stable spellings.

use serde::{Deserialize, Serialize};

/// What a user does in the service. One role per user account; the stable `as_str` spelling is
/// what the store and the web forms use, so renaming a variant must keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An Idva or other specialist worker who holds cases and completes the Dash with victims.
    Caseworker,
    /// Runs the Marac: takes referrals, builds the agenda, records the minutes and actions.
    MaracCoordinator,
    /// Represents a partner agency (police, health, housing...) at the Marac.
    AgencyRep,
    /// Oversees a service's caseloads and reports.
    Manager,
    /// Manages accounts and configuration; deliberately has no access to case content.
    Admin,
    /// The data protection officer: sees who has opened their agency's cases and what a
    /// member of their agency's staff has opened, to answer a complaint or investigate a
    /// suspected breach, without reading case content.
    DataProtection,
}

impl Role {
    /// Every role, in the order forms should list them.
    pub const ALL: [Role; 6] = [
        Role::Caseworker,
        Role::MaracCoordinator,
        Role::AgencyRep,
        Role::Manager,
        Role::Admin,
        Role::DataProtection,
    ];

    /// The stable machine spelling, as stored and as sent by forms.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::MaracCoordinator => "marac_coordinator",
            Role::AgencyRep => "agency_rep",
            Role::Manager => "manager",
            Role::Admin => "admin",
            Role::DataProtection => "data_protection",
        }
    }

    /// Reads the machine spelling back; anything else is `None` rather than a guess, because a
    /// mistyped role must never quietly become a more powerful one.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == s)
    }

    /// The name shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            Role::Caseworker => "Caseworker",
            Role::MaracCoordinator => "Marac coordinator",
            Role::AgencyRep => "Agency representative",
            Role::Manager => "Manager",
            Role::Admin => "Administrator",
            Role::DataProtection => "Data protection officer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_match_serde() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
    }

    #[test]
    fn spellings_are_the_agreed_ones() {
        let spellings: Vec<&str> = Role::ALL.iter().map(Role::as_str).collect();
        assert_eq!(
            spellings,
            [
                "caseworker",
                "marac_coordinator",
                "agency_rep",
                "manager",
                "admin",
                "data_protection"
            ]
        );
    }

    #[test]
    fn labels_are_plain_english() {
        let labels: Vec<&str> = Role::ALL.iter().map(Role::label).collect();
        assert_eq!(
            labels,
            [
                "Caseworker",
                "Marac coordinator",
                "Agency representative",
                "Manager",
                "Administrator",
                "Data protection officer"
            ]
        );
    }

    #[test]
    fn parse_rejects_near_misses() {
        for bad in ["", "Admin", "ADMIN", " admin", "marac-coordinator", "idva"] {
            assert_eq!(Role::parse(bad), None, "{bad:?}");
        }
    }
}
