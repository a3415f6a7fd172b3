//! Risk instruments as versioned data. The questions, their order and how they are scored come
//! from JSON definitions, so a Marac can load its police force's form or a revised checklist
//! without a release, and old assessments stay tied to the version they were made with.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::InstrumentError;

/// The id of the SafeLives Dash RIC, the instrument used when a request names none.
pub const DEFAULT_INSTRUMENT_ID: &str = "safelives-dash-ric";

/// Built-in definitions ship inside the binary so a fresh install scores correctly before any
/// configuration exists.
const BUILTIN_DEFINITIONS: [&str; 1] = [include_str!("../../instruments/safelives-dash-ric.json")];

/// A risk checklist: its identity, its questions in order, and how a score is formed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub version: String,
    pub title: String,
    pub items: Vec<InstrumentItem>,
    pub scoring: ScoringRule,
}

/// One question of an instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentItem {
    /// Stable key answers are stored under, e.g. `q1`.
    pub key: String,
    /// Readable name of the risk factor, e.g. `injury`, for reports and exports.
    pub slug: String,
    /// The question as put to the victim.
    pub prompt: String,
    /// What the free-text detail should capture, if the item has one.
    #[serde(default)]
    pub detail_hint: Option<String>,
    /// The item as a risk written for a safety plan, when it is answered yes ("Strangulation:
    /// they have tried to strangle you"); the question is used when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_risk: Option<String>,
    /// How harmful the risk is, for ordering a plan's risks: 1 first. Unranked items follow
    /// the ranked ones in the checklist's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harm_rank: Option<u32>,
}

/// How answers become a score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScoringRule {
    /// The score is the number of items answered yes.
    CountYes,
}

impl Instrument {
    /// Parses and validates a definition.
    pub fn from_json(json: &str) -> Result<Instrument, InstrumentError> {
        let instrument: Instrument = serde_json::from_str(json)
            .map_err(|err| InstrumentError::MalformedJson(err.to_string()))?;
        instrument.validate()?;
        Ok(instrument)
    }

    /// Checks what scoring and storage rely on: a usable id and version, at least one item,
    /// and item keys and slugs that are unique and safe to use in field paths and exports.
    pub fn validate(&self) -> Result<(), InstrumentError> {
        if self.id.trim().is_empty() {
            return Err(InstrumentError::EmptyId);
        }
        if !self
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(InstrumentError::InvalidId {
                id: self.id.clone(),
            });
        }
        for (field, value) in [("version", &self.version), ("title", &self.title)] {
            if value.trim().is_empty() {
                return Err(InstrumentError::EmptyField {
                    id: self.id.clone(),
                    field,
                });
            }
        }
        if self.items.is_empty() {
            return Err(InstrumentError::NoItems {
                id: self.id.clone(),
            });
        }
        let mut keys = BTreeSet::new();
        let mut slugs = BTreeSet::new();
        for (index, item) in self.items.iter().enumerate() {
            for (field, value) in [
                ("key", &item.key),
                ("slug", &item.slug),
                ("prompt", &item.prompt),
            ] {
                if value.trim().is_empty() {
                    return Err(InstrumentError::EmptyItemField {
                        id: self.id.clone(),
                        index,
                        field,
                    });
                }
            }
            for (field, value) in [("key", &item.key), ("slug", &item.slug)] {
                if !is_plain_name(value) {
                    return Err(InstrumentError::InvalidItemName {
                        id: self.id.clone(),
                        index,
                        field,
                        value: value.clone(),
                    });
                }
            }
            if !keys.insert(item.key.as_str()) {
                return Err(InstrumentError::DuplicateKey {
                    id: self.id.clone(),
                    index,
                    key: item.key.clone(),
                });
            }
            if !slugs.insert(item.slug.as_str()) {
                return Err(InstrumentError::DuplicateSlug {
                    id: self.id.clone(),
                    index,
                    slug: item.slug.clone(),
                });
            }
        }
        Ok(())
    }

    /// The item with this key, if the instrument has one.
    pub fn item(&self, key: &str) -> Option<&InstrumentItem> {
        self.items.iter().find(|item| item.key == key)
    }

    /// Item keys in instrument order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|item| item.key.as_str())
    }
}

/// Keys and slugs end up in field paths (`answers.q3`), column names and URLs, so they are kept
/// to characters that need no escaping anywhere.
fn is_plain_name(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The instruments a deployment can score against, with the Dash RIC always present as the
/// default.
#[derive(Clone, Debug)]
pub struct InstrumentRegistry {
    // Held apart from the rest so that asking for the default can never fail.
    default: Instrument,
    others: Vec<Instrument>,
}

impl InstrumentRegistry {
    /// The registry of built-in definitions, with the SafeLives Dash RIC as the default.
    pub fn builtin() -> Result<InstrumentRegistry, InstrumentError> {
        let mut parsed = Vec::with_capacity(BUILTIN_DEFINITIONS.len());
        for definition in BUILTIN_DEFINITIONS {
            parsed.push(Instrument::from_json(definition)?);
        }
        let position = parsed
            .iter()
            .position(|instrument| instrument.id == DEFAULT_INSTRUMENT_ID)
            .ok_or_else(|| InstrumentError::MissingBuiltin {
                id: DEFAULT_INSTRUMENT_ID.to_string(),
            })?;
        let default = parsed.remove(position);
        let mut registry = InstrumentRegistry {
            default,
            others: Vec::new(),
        };
        for instrument in parsed {
            registry = registry.with(instrument)?;
        }
        Ok(registry)
    }

    /// Adds another definition, such as a police force's form. Ids must be unique because
    /// assessments refer to their instrument by id.
    pub fn with(mut self, instrument: Instrument) -> Result<InstrumentRegistry, InstrumentError> {
        instrument.validate()?;
        if self.get(&instrument.id).is_some() {
            return Err(InstrumentError::DuplicateInstrument { id: instrument.id });
        }
        self.others.push(instrument);
        Ok(self)
    }

    /// The SafeLives Dash RIC.
    pub fn default_instrument(&self) -> &Instrument {
        &self.default
    }

    /// The instrument with this id.
    pub fn get(&self, id: &str) -> Option<&Instrument> {
        std::iter::once(&self.default)
            .chain(self.others.iter())
            .find(|instrument| instrument.id == id)
    }

    /// Every registered instrument, the default first.
    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        std::iter::once(&self.default).chain(self.others.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dash::testing::{POLICE_FORM_JSON, dash};

    /// The slugs from the Dash items table in DOMAIN.md, in order.
    const DASH_SLUGS: [&str; 24] = [
        "injury",
        "very_frightened",
        "afraid_of_further_harm",
        "isolated",
        "depressed_or_suicidal",
        "separation",
        "child_contact_conflict",
        "stalking_harassment",
        "pregnant_or_new_baby",
        "more_often",
        "getting_worse",
        "controlling_jealous",
        "weapons",
        "threats_to_kill",
        "strangulation",
        "sexual_abuse",
        "other_threat",
        "hurt_others",
        "animal_abuse",
        "financial_issues",
        "substance_or_mental_health",
        "suicide_threats",
        "breached_bail_or_order",
        "criminal_history",
    ];

    #[test]
    fn builtin_dash_has_24_items_in_order_with_the_agreed_slugs() {
        let registry = InstrumentRegistry::builtin().unwrap();
        let dash = registry.default_instrument();
        assert_eq!(dash.id, DEFAULT_INSTRUMENT_ID);
        assert_eq!(dash.id, "safelives-dash-ric");
        assert_eq!(dash.version, "2009-uk");
        assert_eq!(dash.scoring, ScoringRule::CountYes);
        let keys: Vec<String> = dash.items.iter().map(|i| i.key.clone()).collect();
        let expected: Vec<String> = (1..=24).map(|n| format!("q{n}")).collect();
        assert_eq!(keys, expected);
        let slugs: Vec<&str> = dash.items.iter().map(|i| i.slug.as_str()).collect();
        assert_eq!(slugs, DASH_SLUGS);
        assert!(registry.get(DEFAULT_INSTRUMENT_ID).is_some());
    }

    #[test]
    fn builtin_prompts_are_questions_with_hints() {
        for item in &dash().items {
            assert!(item.prompt.ends_with('?'), "{}: {}", item.key, item.prompt);
            assert!(
                item.detail_hint
                    .as_deref()
                    .is_some_and(|h| !h.trim().is_empty()),
                "{}",
                item.key
            );
        }
    }

    #[test]
    fn item_finds_by_key() {
        let dash = dash();
        assert_eq!(
            dash.item("q15").map(|i| i.slug.as_str()),
            Some("strangulation")
        );
        assert!(dash.item("q25").is_none());
        assert!(dash.item("injury").is_none(), "slugs are not keys");
    }

    #[test]
    fn scoring_rule_is_tagged_by_kind() {
        let json = serde_json::to_value(ScoringRule::CountYes).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "count_yes"}));
    }

    fn definition(id: &str, version: &str, items: serde_json::Value) -> String {
        serde_json::json!({
            "id": id, "version": version, "title": "Test form",
            "items": items, "scoring": {"kind": "count_yes"}
        })
        .to_string()
    }

    fn item(key: &str, slug: &str) -> serde_json::Value {
        serde_json::json!({"key": key, "slug": slug, "prompt": "Is it so?"})
    }

    #[test]
    fn a_valid_definition_loads_with_optional_hints() {
        let json = definition("local", "1", serde_json::json!([item("a1", "first")]));
        let instrument = Instrument::from_json(&json).unwrap();
        assert_eq!(instrument.items.len(), 1);
        assert_eq!(instrument.items[0].detail_hint, None);
    }

    #[test]
    fn definitions_are_validated() {
        let one = serde_json::json!([item("a1", "first")]);
        let cases = [
            (definition("", "1", one.clone()), InstrumentError::EmptyId),
            (
                definition("has space", "1", one.clone()),
                InstrumentError::InvalidId {
                    id: "has space".into(),
                },
            ),
            (
                definition("local", "  ", one.clone()),
                InstrumentError::EmptyField {
                    id: "local".into(),
                    field: "version",
                },
            ),
            (
                definition("local", "1", serde_json::json!([])),
                InstrumentError::NoItems { id: "local".into() },
            ),
            (
                definition(
                    "local",
                    "1",
                    serde_json::json!([item("a1", "first"), item("a1", "second")]),
                ),
                InstrumentError::DuplicateKey {
                    id: "local".into(),
                    index: 1,
                    key: "a1".into(),
                },
            ),
            (
                definition(
                    "local",
                    "1",
                    serde_json::json!([item("a1", "first"), item("a2", "first")]),
                ),
                InstrumentError::DuplicateSlug {
                    id: "local".into(),
                    index: 1,
                    slug: "first".into(),
                },
            ),
            (
                definition("local", "1", serde_json::json!([item("", "first")])),
                InstrumentError::EmptyItemField {
                    id: "local".into(),
                    index: 0,
                    field: "key",
                },
            ),
            (
                definition("local", "1", serde_json::json!([item("a.1", "first")])),
                InstrumentError::InvalidItemName {
                    id: "local".into(),
                    index: 0,
                    field: "key",
                    value: "a.1".into(),
                },
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(
                Instrument::from_json(&json).unwrap_err(),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn malformed_or_unexpected_definitions_are_rejected() {
        let err = Instrument::from_json("{").unwrap_err();
        assert!(matches!(err, InstrumentError::MalformedJson(_)), "{err}");
        let mut value: serde_json::Value = serde_json::from_str(&definition(
            "local",
            "1",
            serde_json::json!([item("a1", "x")]),
        ))
        .unwrap();
        value["threshold"] = serde_json::json!(14);
        let err = Instrument::from_json(&value.to_string()).unwrap_err();
        assert!(err.to_string().contains("threshold"), "{err}");
        let err = Instrument::from_json(
            &definition("local", "1", serde_json::json!([item("a1", "x")]))
                .replace("count_yes", "weighted"),
        )
        .unwrap_err();
        assert!(matches!(err, InstrumentError::MalformedJson(_)), "{err}");
    }

    #[test]
    fn registry_accepts_another_instrument_and_refuses_duplicates() {
        let police = Instrument::from_json(POLICE_FORM_JSON).unwrap();
        let registry = InstrumentRegistry::builtin()
            .unwrap()
            .with(police.clone())
            .unwrap();
        assert_eq!(
            registry.get("demo-police-form").map(|i| i.items.len()),
            Some(3)
        );
        assert_eq!(registry.default_instrument().id, DEFAULT_INSTRUMENT_ID);
        assert_eq!(registry.instruments().count(), 2);
        assert!(registry.get("nope").is_none());

        let err = registry.clone().with(police).unwrap_err();
        assert_eq!(
            err,
            InstrumentError::DuplicateInstrument {
                id: "demo-police-form".into()
            }
        );
        let err = registry.with(dash()).unwrap_err();
        assert!(matches!(err, InstrumentError::DuplicateInstrument { .. }));
    }

    #[test]
    fn registry_validates_instruments_built_in_code() {
        let mut broken = dash();
        broken.id = "broken".into();
        broken.items.clear();
        let err = InstrumentRegistry::builtin()
            .unwrap()
            .with(broken)
            .unwrap_err();
        assert_eq!(
            err,
            InstrumentError::NoItems {
                id: "broken".into()
            }
        );
    }
}
