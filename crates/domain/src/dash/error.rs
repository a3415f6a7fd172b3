//! Errors for instruments, thresholds and assessment input. Every message is one line that
//! starts with the field at fault, because the people reading them are fixing a form or a
//! JSON file and need to know where to look.

/// Longest excerpt of user input echoed back in a message; enough to recognise the value
/// without letting a pasted essay swamp a log line.
const MAX_ECHO_CHARS: usize = 60;

/// A problem with a risk instrument definition.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum InstrumentError {
    #[error("instrument definition: malformed JSON: {0}")]
    MalformedJson(String),
    #[error("instrument definition: id must not be empty")]
    EmptyId,
    #[error("instrument definition: id {}: use only letters, digits, '-', '_' or '.'", quote(.id))]
    InvalidId { id: String },
    #[error("instrument {id}: {field} must not be empty")]
    EmptyField { id: String, field: &'static str },
    #[error("instrument {id}: items must not be empty")]
    NoItems { id: String },
    #[error("instrument {id}: items[{index}].{field} must not be empty")]
    EmptyItemField {
        id: String,
        index: usize,
        field: &'static str,
    },
    #[error("instrument {id}: items[{index}].{field} {}: use only letters, digits, '-' or '_'", quote(.value))]
    InvalidItemName {
        id: String,
        index: usize,
        field: &'static str,
        value: String,
    },
    #[error("instrument {id}: items[{index}].key {}: already used by an earlier item", quote(.key))]
    DuplicateKey {
        id: String,
        index: usize,
        key: String,
    },
    #[error("instrument {id}: items[{index}].slug {}: already used by an earlier item", quote(.slug))]
    DuplicateSlug {
        id: String,
        index: usize,
        slug: String,
    },
    #[error("instrument registry: an instrument with id {} is already registered", quote(.id))]
    DuplicateInstrument { id: String },
    #[error("instrument registry: built-in instrument {} is missing", quote(.id))]
    MissingBuiltin { id: String },
}

/// A Marac's threshold configuration that cannot be applied sensibly.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThresholdError {
    #[error("visible_high_risk_yes: must be 1 or more, or every case would be referred")]
    VisibleHighRiskZero,
    #[error(
        "medium_from_yes: {medium_from_yes} is above visible_high_risk_yes ({visible_high_risk_yes}); the medium band must start at or below the high-risk threshold"
    )]
    MediumAboveHigh {
        medium_from_yes: u32,
        visible_high_risk_yes: u32,
    },
    #[error("escalation_incidents: must be 1 or more")]
    EscalationIncidentsZero,
    #[error("repeat_window_months: must be 1 or more")]
    RepeatWindowZero,
}

/// A problem with a completed checklist, whether it came from a form or from JSON.
///
/// `field` is a path such as `answers.q3` or `professional_judgement.reason`; values echoed back
/// are stored already rendered as JSON (quoted, escaped, shortened) so a message stays one line.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DashInputError {
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("request: must be a JSON object")]
    NotAnObject,
    #[error("{field}: unknown field; expected one of {expected}")]
    UnknownField {
        field: String,
        expected: &'static str,
    },
    #[error("{field}: missing; expected {expected}")]
    MissingField {
        field: String,
        expected: &'static str,
    },
    #[error("{field}: must be {expected}")]
    WrongType {
        field: String,
        expected: &'static str,
    },
    #[error("instrument: unknown instrument {}", quote(.id))]
    UnknownInstrument { id: String },
    #[error("instrument: this assessment is for {assessment} but was scored with {instrument}")]
    InstrumentMismatch {
        assessment: String,
        instrument: String,
    },
    #[error("{field}: not an item of {instrument}")]
    UnknownItem { field: String, instrument: String },
    #[error("{field}: {value} is not one of yes, no, not_known")]
    InvalidAnswer { field: String, value: String },
    #[error("{field}: must not be empty")]
    Empty { field: String },
    #[error("{field}: {value} is not a date in YYYY-MM-DD form")]
    InvalidDate { field: String, value: String },
    #[error("{field}: must be a whole number of 0 or more")]
    InvalidCount { field: String },
    #[error("{field}: must be at most {max}")]
    CountTooLarge { field: String, max: u32 },
}

/// Renders text as a JSON string literal, shortened, so quotes, newlines and control
/// characters in user input cannot break a message over lines or fake another message.
pub(crate) fn quote(text: &str) -> String {
    let mut shown: String = text.chars().take(MAX_ECHO_CHARS).collect();
    let cut = shown.len() < text.len();
    if cut {
        shown.push('…');
    }
    serde_json::Value::String(shown).to_string()
}

/// Renders any JSON value for echoing back in a message, shortened the same way.
pub(crate) fn excerpt(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => quote(text),
        other => {
            let rendered = other.to_string();
            if rendered.chars().count() > MAX_ECHO_CHARS {
                let mut shown: String = rendered.chars().take(MAX_ECHO_CHARS).collect();
                shown.push('…');
                shown
            } else {
                rendered
            }
        }
    }
}

/// Joins a field path. Keys that came from input are shown bare when they look like ordinary
/// keys (`answers.q3`) and quoted otherwise, so a key holding a newline or a dot stays legible
/// and unambiguous.
pub(crate) fn field_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().count() <= MAX_ECHO_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let shown = if plain { key.to_string() } else { quote(key) };
    if parent.is_empty() {
        shown
    } else {
        format!("{parent}.{shown}")
    }
}

impl DashInputError {
    /// The offending field's path (`answers.q3`, `assessed_on`…), or `body` when the
    /// problem is with the request as a whole.
    pub fn field(&self) -> &str {
        match self {
            DashInputError::MalformedJson(_) | DashInputError::NotAnObject => "body",
            DashInputError::UnknownInstrument { .. }
            | DashInputError::InstrumentMismatch { .. } => "instrument",
            DashInputError::UnknownField { field, .. }
            | DashInputError::MissingField { field, .. }
            | DashInputError::WrongType { field, .. }
            | DashInputError::UnknownItem { field, .. }
            | DashInputError::InvalidAnswer { field, .. }
            | DashInputError::Empty { field }
            | DashInputError::InvalidDate { field, .. }
            | DashInputError::InvalidCount { field }
            | DashInputError::CountTooLarge { field, .. } => field,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_shortens() {
        assert_eq!(quote("maybe"), "\"maybe\"");
        assert_eq!(quote("a\nb\"c"), "\"a\\nb\\\"c\"");
        let long = "x".repeat(200);
        let shown = quote(&long);
        assert!(shown.chars().count() < 70, "{shown}");
        assert!(shown.ends_with("…\""));
    }

    #[test]
    fn field_paths_quote_odd_keys() {
        assert_eq!(field_path("answers", "q3"), "answers.q3");
        assert_eq!(field_path("", "foo"), "foo");
        assert_eq!(field_path("answers", "a.b"), "answers.\"a.b\"");
        assert_eq!(field_path("", "a\nb"), "\"a\\nb\"");
        assert_eq!(field_path("", ""), "\"\"");
    }

    #[test]
    fn excerpt_shows_non_strings_as_json() {
        assert_eq!(excerpt(&serde_json::json!(true)), "true");
        assert_eq!(excerpt(&serde_json::json!(["a"])), "[\"a\"]");
        let long = serde_json::json!(vec![1; 100]);
        assert!(excerpt(&long).ends_with('…'));
    }
}
