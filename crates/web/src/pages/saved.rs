//! The success banner after a save: the form redirects to the case or meeting page with a
//! fixed key (`?saved=contact`), never anything the user typed, and the page names what was
//! saved in a GOV.UK notification banner.
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What was saved on a case, as the banner names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    Contact,
    Intervention,
    InterventionStatus,
    Allocation,
    CaseClosed,
    RepeatCase,
    LinkedPerson,
    Whereabouts,
    AgendaPublished,
    MeetingClosed,
    Attendance,
}

impl Saved {
    const ALL: [Saved; 11] = [
        Saved::Contact,
        Saved::Intervention,
        Saved::InterventionStatus,
        Saved::Allocation,
        Saved::CaseClosed,
        Saved::RepeatCase,
        Saved::LinkedPerson,
        Saved::Whereabouts,
        Saved::AgendaPublished,
        Saved::MeetingClosed,
        Saved::Attendance,
    ];

    /// The key in the case page's address.
    pub fn key(self) -> &'static str {
        match self {
            Saved::Contact => "contact",
            Saved::Intervention => "intervention",
            Saved::InterventionStatus => "intervention-status",
            Saved::Allocation => "allocation",
            Saved::CaseClosed => "closed",
            Saved::RepeatCase => "repeat",
            Saved::LinkedPerson => "linked-person",
            Saved::Whereabouts => "whereabouts",
            Saved::AgendaPublished => "published",
            Saved::MeetingClosed => "meeting-closed",
            Saved::Attendance => "attendance",
        }
    }

    /// The banner's heading.
    pub fn message(self) -> &'static str {
        match self {
            Saved::Contact => "Contact recorded",
            Saved::Intervention => "Intervention added",
            Saved::InterventionStatus => "Intervention updated",
            Saved::Allocation => "Caseworker allocated",
            Saved::CaseClosed => "Case closed",
            Saved::RepeatCase => "Repeat case opened",
            Saved::LinkedPerson => "Person added to the case",
            Saved::Whereabouts => "Where the victim lives saved",
            Saved::AgendaPublished => "Agenda published",
            Saved::MeetingClosed => "Meeting closed",
            Saved::Attendance => "Attendance saved",
        }
    }

    pub fn parse(key: &str) -> Option<Saved> {
        Saved::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The case page's query string: which save to confirm, if any.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    pub saved: String,
}

impl SavedQuery {
    /// The banner's heading, for a key the page knows; anything else shows no banner.
    pub fn message(&self) -> Option<&'static str> {
        Saved::parse(&self.saved).map(Saved::message)
    }
}

/// Back to the case page, which confirms what was saved.
pub fn back_to_case(id: uuid::Uuid, saved: Saved) -> Response {
    redirect(&format!("/cases/{id}"), saved)
}

/// To a page (its path, without a query) that confirms what was saved.
pub fn redirect(path: &str, saved: Saved) -> Response {
    Redirect::to(&format!("{path}?saved={}", saved.key())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_and_nothing_else_does() {
        for s in Saved::ALL {
            assert_eq!(Saved::parse(s.key()), Some(s));
            assert!(!s.message().is_empty());
        }
        assert_eq!(Saved::parse("Contact"), None);
        assert_eq!(Saved::parse("<script>"), None);
        assert_eq!(SavedQuery::default().message(), None);
    }
}
