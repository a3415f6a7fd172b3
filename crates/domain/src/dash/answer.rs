//! One answer to one checklist item.

use serde::{Deserialize, Serialize};

/// The answer to a checklist item. `NotKnown` is an answer (the question was asked) but it is
/// never a yes: the score counts only what the victim or assessor confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
    NotKnown,
}

impl Answer {
    /// Every answer, in the order forms offer them.
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::No, Answer::NotKnown];

    /// The stable machine spelling, as stored and as used in the JSON interface.
    pub fn as_str(&self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::NotKnown => "not_known",
        }
    }

    /// Reads the machine spelling back. Exact match only: a risk answer is never guessed from
    /// something close ("Yes", "y", "maybe").
    pub fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|answer| answer.as_str() == s)
    }

    /// The wording shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::No => "No",
            Answer::NotKnown => "Not known",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_match_serde() {
        assert_eq!(Answer::ALL.map(|a| a.as_str()), ["yes", "no", "not_known"]);
        for answer in Answer::ALL {
            assert_eq!(Answer::parse(answer.as_str()), Some(answer));
            let json = serde_json::to_string(&answer).unwrap();
            assert_eq!(json, format!("\"{}\"", answer.as_str()));
        }
    }

    #[test]
    fn parse_is_exact() {
        for bad in [
            "",
            "Yes",
            "YES",
            "y",
            "maybe",
            "not known",
            "notknown",
            " yes",
        ] {
            assert_eq!(Answer::parse(bad), None, "{bad:?}");
        }
    }
}
