//! The safety plan: each identified risk (from the Dash or the Idva's own assessment) with
//! the actions that answer it, who does each (the victim, the Idva or a named agency), by
//! when, and whether it is done. Every save is a new version; the plan is reviewed on a
//! date the Idva sets.
//!
//! The form has a fixed number of slots (risks, and actions per risk) so it works without
//! JavaScript; [`SafetyPlanInput::parse`] reads the filled slots and ignores empty ones.
use serde::{Deserialize, Serialize};
use time::Date;

use crate::referral::{Checker, FieldError, parse_iso_date};

/// Risks a plan form offers at once.
pub const RISK_SLOTS: usize = 8;
/// Actions per risk the form offers.
pub const ACTION_SLOTS: usize = 3;
/// The longest risk or action text.
pub const MAX_PLAN_TEXT: usize = 500;

/// Who carries out an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionOwner {
    Victim,
    Idva,
    /// A named agency, by id (checked by the store).
    Agency {
        agency_id: String,
    },
}

impl ActionOwner {
    /// The form's value: `victim`, `idva` or the agency's id.
    pub fn to_field(&self) -> String {
        match self {
            ActionOwner::Victim => "victim".to_owned(),
            ActionOwner::Idva => "idva".to_owned(),
            ActionOwner::Agency { agency_id } => agency_id.clone(),
        }
    }
}

/// One thing to do about a risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanAction {
    pub action: String,
    pub owner: ActionOwner,
    pub due_on: Option<Date>,
    pub done: bool,
}

/// One identified risk and its actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRisk {
    pub risk: String,
    /// The Dash item it came from (its key), if it came from the Dash.
    pub dash_item: Option<String>,
    pub actions: Vec<PlanAction>,
}

/// A version of a case's safety plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPlan {
    pub risks: Vec<PlanRisk>,
    pub review_on: Option<Date>,
}

impl SafetyPlan {
    /// Due dates of the actions not yet done, for the caseworker's tasks.
    pub fn open_actions_due(&self) -> Vec<Date> {
        self.risks
            .iter()
            .flat_map(|r| r.actions.iter())
            .filter(|a| !a.done)
            .filter_map(|a| a.due_on)
            .collect()
    }

    /// The plan as the form shows it: every filled slot, then empty ones.
    pub fn to_input(&self) -> SafetyPlanInput {
        let mut input = SafetyPlanInput::empty();
        input.review_on = self.review_on.map(|d| d.to_string()).unwrap_or_default();
        for (slot, r) in input.risks.iter_mut().zip(&self.risks) {
            slot.risk = r.risk.clone();
            slot.dash_item = r.dash_item.clone().unwrap_or_default();
            for (a_slot, a) in slot.actions.iter_mut().zip(&r.actions) {
                a_slot.action = a.action.clone();
                a_slot.owner = a.owner.to_field();
                a_slot.due_on = a.due_on.map(|d| d.to_string()).unwrap_or_default();
                a_slot.done = a.done;
            }
        }
        input
    }
}

/// One action slot of the form, as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ActionInput {
    pub action: String,
    /// `victim`, `idva` or an agency id.
    pub owner: String,
    pub due_on: String,
    pub done: bool,
}

/// One risk slot of the form, as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskInput {
    pub risk: String,
    pub dash_item: String,
    pub actions: Vec<ActionInput>,
}

/// The whole form, as submitted. Field names: `review_on`, `risk_N`, `risk_N_dash_item`,
/// `risk_N_action_M`, `risk_N_action_M_owner`, `risk_N_action_M_due_on`,
/// `risk_N_action_M_done` (N from 1 to [`RISK_SLOTS`], M from 1 to [`ACTION_SLOTS`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SafetyPlanInput {
    pub review_on: String,
    pub risks: Vec<RiskInput>,
}

impl SafetyPlanInput {
    /// A form with every slot empty.
    pub fn empty() -> SafetyPlanInput {
        SafetyPlanInput {
            review_on: String::new(),
            risks: (0..RISK_SLOTS)
                .map(|_| RiskInput {
                    risk: String::new(),
                    dash_item: String::new(),
                    actions: vec![ActionInput::default(); ACTION_SLOTS],
                })
                .collect(),
        }
    }

    /// Reads the form's fields (name, value) into the slots; unknown names are ignored.
    pub fn from_form(form: &[(String, String)]) -> SafetyPlanInput {
        let mut input = SafetyPlanInput::empty();
        for (name, value) in form {
            if name == "review_on" {
                input.review_on = value.clone();
                continue;
            }
            let Some(rest) = name.strip_prefix("risk_") else {
                continue;
            };
            let (n, rest) = rest.split_once('_').unwrap_or((rest, ""));
            let Some(slot) = n
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| input.risks.get_mut(i))
            else {
                continue;
            };
            if rest.is_empty() {
                slot.risk = value.clone();
                continue;
            }
            if rest == "dash_item" {
                slot.dash_item = value.clone();
                continue;
            }
            let Some(rest) = rest.strip_prefix("action_") else {
                continue;
            };
            let (m, field) = rest.split_once('_').unwrap_or((rest, ""));
            let Some(action) = m
                .parse::<usize>()
                .ok()
                .and_then(|m| m.checked_sub(1))
                .and_then(|i| slot.actions.get_mut(i))
            else {
                continue;
            };
            match field {
                "" => action.action = value.clone(),
                "owner" => action.owner = value.clone(),
                "due_on" => action.due_on = value.clone(),
                "done" => action.done = value == "yes",
                _ => {}
            }
        }
        input
    }

    /// Checks the filled slots. A plan needs at least one risk and one action; an action
    /// needs its text and who does it; dates must be real (a due date may be in the future,
    /// the review date must be). A risk may wait for its actions, but the plan needs one.
    pub fn parse(&self, today: Date) -> Result<SafetyPlan, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        let review_on = match self.review_on.trim() {
            "" => None,
            s => match parse_iso_date(s) {
                Some(d) if d > today => Some(d),
                Some(_) => {
                    c.errors.push(FieldError::new(
                        "review_on",
                        "The review date must be in the future",
                    ));
                    None
                }
                None => {
                    c.errors.push(FieldError::new(
                        "review_on",
                        "The review date must be a real date, like 2027-01-31",
                    ));
                    None
                }
            },
        };
        let mut risks = Vec::new();
        for (i, slot) in self.risks.iter().enumerate() {
            let n = i + 1;
            let risk_field = format!("risk_{n}");
            let risk = c
                .optional_text(&risk_field, &slot.risk, MAX_PLAN_TEXT, "The risk")
                .unwrap_or_default();
            let mut actions = Vec::new();
            for (j, a) in slot.actions.iter().enumerate() {
                let m = j + 1;
                let field = format!("risk_{n}_action_{m}");
                let text = c
                    .optional_text(&field, &a.action, MAX_PLAN_TEXT, "The action")
                    .unwrap_or_default();
                let owner_given = !a.owner.trim().is_empty();
                let due_given = !a.due_on.trim().is_empty();
                if text.is_empty() {
                    if owner_given || due_given || a.done {
                        c.errors.push(FieldError::new(
                            &field,
                            format!("Describe action {m} of risk {n}, or clear its other answers"),
                        ));
                    }
                    continue;
                }
                let owner = match a.owner.trim() {
                    "victim" => Some(ActionOwner::Victim),
                    "idva" => Some(ActionOwner::Idva),
                    "" => {
                        c.errors.push(FieldError::new(
                            format!("{field}_owner"),
                            format!("Select who will do action {m} of risk {n}"),
                        ));
                        None
                    }
                    id => Some(ActionOwner::Agency {
                        agency_id: id.to_owned(),
                    }),
                };
                let due_on = match a.due_on.trim() {
                    "" => None,
                    s => {
                        let d = parse_iso_date(s);
                        if d.is_none() {
                            c.errors.push(FieldError::new(
                                format!("{field}_due_on"),
                                format!(
                                    "The due date of action {m} of risk {n} must be a real date, like 2027-01-31"
                                ),
                            ));
                        }
                        d
                    }
                };
                if let Some(owner) = owner {
                    actions.push(PlanAction {
                        action: text,
                        owner,
                        due_on,
                        done: a.done,
                    });
                }
            }
            if risk.is_empty() {
                if !actions.is_empty() {
                    c.errors.push(FieldError::new(
                        &risk_field,
                        format!("Describe risk {n}, which has actions"),
                    ));
                }
                continue;
            }
            let dash_item =
                (!slot.dash_item.trim().is_empty()).then(|| slot.dash_item.trim().to_owned());
            risks.push(PlanRisk {
                risk,
                dash_item,
                actions,
            });
        }
        if risks.is_empty() && c.errors.is_empty() {
            c.errors.push(FieldError::new(
                "risk_1",
                "Describe at least one risk and what will be done about it",
            ));
        } else if c.errors.is_empty() && risks.iter().all(|r| r.actions.is_empty()) {
            // A risk may wait for its actions to be agreed, but a plan needs one action.
            c.errors.push(FieldError::new(
                "risk_1_action_1",
                "Add at least one action: what will be done, and by whom",
            ));
        }
        if c.errors.is_empty() {
            Ok(SafetyPlan { risks, review_on })
        } else {
            Err(c.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    fn form(pairs: &[(&str, &str)]) -> SafetyPlanInput {
        SafetyPlanInput::from_form(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>(),
        )
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_plan_reads_its_filled_slots() {
        let plan = form(&[
            ("review_on", "2026-12-20"),
            ("risk_1", "He knows where she lives"),
            ("risk_1_dash_item", "q5"),
            ("risk_1_action_1", "Sanctuary scheme referral"),
            ("risk_1_action_1_owner", "idva"),
            ("risk_1_action_1_due_on", "2026-12-01"),
            ("risk_1_action_2", "Keep the phone charged"),
            ("risk_1_action_2_owner", "victim"),
            ("risk_1_action_2_done", "yes"),
            ("risk_3", "Child contact handovers"),
            ("risk_3_action_1", "Supervised handovers"),
            (
                "risk_3_action_1_owner",
                "0190a4c2-0000-7000-8000-000000000001",
            ),
            ("csrf_token", "ignored"),
        ])
        .parse(TODAY)
        .unwrap();
        assert_eq!(plan.risks.len(), 2);
        assert_eq!(plan.risks[0].dash_item.as_deref(), Some("q5"));
        assert_eq!(plan.risks[0].actions[1].owner, ActionOwner::Victim);
        assert!(plan.risks[0].actions[1].done);
        assert!(matches!(
            plan.risks[1].actions[0].owner,
            ActionOwner::Agency { .. }
        ));
        assert_eq!(plan.open_actions_due(), vec![date!(2026 - 12 - 01)]);
        // Round trip through the form.
        let again = plan.to_input().parse(TODAY).unwrap();
        assert_eq!(again, plan);
    }

    #[test]
    fn an_empty_plan_is_refused() {
        assert_eq!(fields(form(&[]).parse(TODAY).unwrap_err()), ["risk_1"]);
    }

    #[test]
    fn every_incomplete_slot_is_named() {
        let e = form(&[
            ("review_on", "2026-11-01"),
            ("risk_1", "Stalking"),
            ("risk_2_action_1", "Orphan action"),
            ("risk_2_action_1_owner", "idva"),
            ("risk_3", "Threats"),
            ("risk_3_action_1", "Call 999 if he comes"),
            ("risk_3_action_2_due_on", "2026-12-01"),
            ("risk_4", "Money"),
            ("risk_4_action_1", "Benefits advice"),
            ("risk_4_action_1_owner", "idva"),
            ("risk_4_action_1_due_on", "soon"),
        ])
        .parse(TODAY)
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "review_on",
                "risk_2",
                "risk_3_action_1_owner",
                "risk_3_action_2",
                "risk_4_action_1_due_on",
            ]
        );
    }

    #[test]
    fn risks_may_wait_for_actions_but_a_plan_needs_one() {
        let e = form(&[("risk_1", "Stalking"), ("risk_2", "Threats")])
            .parse(TODAY)
            .unwrap_err();
        assert_eq!(fields(e), ["risk_1_action_1"]);
        let plan = form(&[
            ("risk_1", "Stalking"),
            ("risk_2", "Threats"),
            ("risk_2_action_1", "Panic alarm"),
            ("risk_2_action_1_owner", "idva"),
        ])
        .parse(TODAY)
        .unwrap();
        assert!(plan.risks[0].actions.is_empty());
    }

    #[test]
    fn slots_beyond_the_form_are_ignored() {
        let plan = form(&[
            ("risk_1", "A"),
            ("risk_1_action_1", "B"),
            ("risk_1_action_1_owner", "victim"),
            ("risk_99", "Injected"),
            ("risk_1_action_9", "Injected"),
            ("risk_0", "Injected"),
        ])
        .parse(TODAY)
        .unwrap();
        assert_eq!(plan.risks.len(), 1);
        assert_eq!(plan.risks[0].actions.len(), 1);
    }

    #[test]
    fn text_is_capped() {
        let long = "x".repeat(MAX_PLAN_TEXT + 1);
        let e = form(&[
            ("risk_1", long.as_str()),
            ("risk_1_action_1", "B"),
            ("risk_1_action_1_owner", "victim"),
        ])
        .parse(TODAY)
        .unwrap_err();
        assert_eq!(fields(e), ["risk_1"]);
    }
}
