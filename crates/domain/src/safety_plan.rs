//! The safety plan: each identified risk (from the Dash or the Idva's own assessment) with
//! the actions that answer it, who does each (the victim, the Idva or a named agency), by
//! when, and whether it is done. Every save is a new version; the plan is reviewed on a
//! date the Idva sets.
//!
//! The form works without JavaScript: it shows one row per risk and a blank one, and "Add
//! another risk" sends the form back with one more blank row; [`SafetyPlanInput::parse`]
//! reads the filled rows and ignores empty ones. A new plan starts from every risk the
//! latest Dash found ([`risks_from_dash`]).
use serde::{Deserialize, Serialize};
use time::Date;

use crate::dash::{Answer, Assessment, Instrument};
use crate::referral::{Checker, FieldError, parse_iso_date};

/// The fewest risk rows the form shows.
pub const MIN_RISK_ROWS: usize = 3;
/// The most risks one plan may hold (more rows than this are ignored).
pub const MAX_RISKS: usize = 40;
/// The most actions one risk may hold.
pub const MAX_ACTIONS: usize = 20;
/// The Dash item key the professional judgement's reason is kept under in a plan.
pub const JUDGEMENT_ITEM: &str = "professional_judgement";
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
    /// How many actions are not yet done, with a due date or without.
    pub fn open_actions(&self) -> usize {
        self.risks
            .iter()
            .flat_map(|r| r.actions.iter())
            .filter(|a| !a.done)
            .count()
    }

    /// Due dates of the actions not yet done, for the caseworker's tasks.
    pub fn open_actions_due(&self) -> Vec<Date> {
        self.risks
            .iter()
            .flat_map(|r| r.actions.iter())
            .filter(|a| !a.done)
            .filter_map(|a| a.due_on)
            .collect()
    }

    /// The plan as the form shows it: every risk, then a blank row.
    pub fn to_input(&self) -> SafetyPlanInput {
        let mut input = SafetyPlanInput::empty();
        input.review_on = self.review_on.map(|d| d.to_string()).unwrap_or_default();
        input.risks = self
            .risks
            .iter()
            .map(|r| {
                let mut slot = RiskInput::blank();
                slot.risk = r.risk.clone();
                slot.dash_item = r.dash_item.clone().unwrap_or_default();
                // Every action is kept, with room for more.
                slot.actions = r
                    .actions
                    .iter()
                    .map(|a| ActionInput {
                        action: a.action.clone(),
                        owner: a.owner.to_field(),
                        due_on: a.due_on.map(|d| d.to_string()).unwrap_or_default(),
                        done: a.done,
                    })
                    .collect();
                slot.actions.resize(
                    (r.actions.len() + 1).max(ACTION_SLOTS),
                    ActionInput::default(),
                );
                slot
            })
            .collect();
        input.with_room()
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

impl RiskInput {
    /// An empty row with its action slots.
    pub fn blank() -> RiskInput {
        RiskInput {
            risk: String::new(),
            dash_item: String::new(),
            actions: vec![ActionInput::default(); ACTION_SLOTS],
        }
    }

    fn is_blank(&self) -> bool {
        self.risk.trim().is_empty()
            && self.actions.iter().all(|a| {
                a.action.trim().is_empty()
                    && a.owner.trim().is_empty()
                    && a.due_on.trim().is_empty()
                    && !a.done
            })
    }
}

/// The risks a new plan starts from: every item the latest Dash answered yes, highest harm
/// first (the instrument's `harm_rank`: strangulation, threats to kill, weapons, stalking,
/// escalation), then the rest in the checklist's order, each written as a risk for the plan
/// (`plan_risk`, else the question); then the professional judgement's reason, if the
/// assessor gave one.
pub fn risks_from_dash(instrument: &Instrument, assessment: &Assessment) -> Vec<RiskInput> {
    let mut yes: Vec<(usize, &crate::dash::InstrumentItem)> = instrument
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| assessment.answers.get(&item.key) == Some(&Answer::Yes))
        .collect();
    yes.sort_by_key(|(order, item)| (item.harm_rank.unwrap_or(u32::MAX), *order));
    let mut risks: Vec<RiskInput> = yes
        .into_iter()
        .map(|(_, item)| RiskInput {
            risk: item
                .plan_risk
                .clone()
                .unwrap_or_else(|| item.prompt.clone()),
            dash_item: item.key.clone(),
            ..RiskInput::blank()
        })
        .collect();
    if let Some(judgement) = &assessment.professional_judgement {
        risks.push(RiskInput {
            risk: format!("Professional judgement: {}", judgement.reason),
            dash_item: JUDGEMENT_ITEM.to_owned(),
            ..RiskInput::blank()
        });
    }
    risks
}

/// The whole form, as submitted. Field names: `review_on`, `risk_N`, `risk_N_dash_item`,
/// `risk_N_action_M`, `risk_N_action_M_owner`, `risk_N_action_M_due_on`,
/// `risk_N_action_M_done` (N from 1 to [`MAX_RISKS`], M from 1 to [`MAX_ACTIONS`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SafetyPlanInput {
    pub review_on: String,
    pub risks: Vec<RiskInput>,
}

impl SafetyPlanInput {
    /// A form with [`MIN_RISK_ROWS`] empty rows.
    pub fn empty() -> SafetyPlanInput {
        SafetyPlanInput {
            review_on: String::new(),
            risks: Vec::new(),
        }
        .with_room()
    }

    /// A new plan's form: the risks the latest Dash found, then room for more.
    pub fn from_dash(instrument: &Instrument, assessment: &Assessment) -> SafetyPlanInput {
        SafetyPlanInput {
            review_on: String::new(),
            risks: risks_from_dash(instrument, assessment),
        }
        .with_room()
    }

    /// The form as shown: trailing blank rows dropped, then one blank row (at least
    /// [`MIN_RISK_ROWS`] rows in all, at most [`MAX_RISKS`]).
    pub fn with_room(mut self) -> SafetyPlanInput {
        while self.risks.last().is_some_and(RiskInput::is_blank) {
            self.risks.pop();
        }
        let rows = (self.risks.len() + 1).clamp(MIN_RISK_ROWS, MAX_RISKS);
        if self.risks.len() < rows {
            self.risks.resize_with(rows, RiskInput::blank);
        }
        self
    }

    /// The form with one more blank row ("Add another risk"), up to [`MAX_RISKS`].
    pub fn with_another_risk(mut self) -> SafetyPlanInput {
        self = self.with_room();
        if self.risks.len() < MAX_RISKS {
            self.risks.push(RiskInput::blank());
        }
        self
    }

    /// Reads the form's fields (name, value) into rows, as many as the form sent (up to
    /// [`MAX_RISKS`] risks); unknown names are ignored.
    pub fn from_form(form: &[(String, String)]) -> SafetyPlanInput {
        let mut input = SafetyPlanInput {
            review_on: String::new(),
            risks: Vec::new(),
        };
        for (name, value) in form {
            if name == "review_on" {
                input.review_on = value.clone();
                continue;
            }
            let Some(rest) = name.strip_prefix("risk_") else {
                continue;
            };
            let (n, rest) = rest.split_once('_').unwrap_or((rest, ""));
            let Some(i) = n
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .filter(|i| *i < MAX_RISKS)
            else {
                continue;
            };
            if input.risks.len() <= i {
                input.risks.resize_with(i + 1, RiskInput::blank);
            }
            let Some(slot) = input.risks.get_mut(i) else {
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
            let Some(j) = m
                .parse::<usize>()
                .ok()
                .and_then(|m| m.checked_sub(1))
                .filter(|j| *j < MAX_ACTIONS)
            else {
                continue;
            };
            if slot.actions.len() <= j {
                slot.actions.resize(j + 1, ActionInput::default());
            }
            let Some(action) = slot.actions.get_mut(j) else {
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
    fn rows_beyond_the_limits_are_ignored() {
        let last = format!("risk_{MAX_RISKS}");
        let beyond = format!("risk_{}", MAX_RISKS + 1);
        let beyond_action = format!("risk_1_action_{}", MAX_ACTIONS + 1);
        let plan = form(&[
            ("risk_1", "A"),
            ("risk_1_action_1", "B"),
            ("risk_1_action_1_owner", "victim"),
            (last.as_str(), "The last row a plan may hold"),
            (beyond.as_str(), "Injected"),
            (beyond_action.as_str(), "Injected"),
            ("risk_0", "Injected"),
        ])
        .parse(TODAY)
        .unwrap();
        let risks: Vec<&str> = plan.risks.iter().map(|r| r.risk.as_str()).collect();
        assert_eq!(risks, ["A", "The last row a plan may hold"]);
        assert_eq!(plan.risks[0].actions.len(), 1);
    }

    #[test]
    fn a_plan_holds_more_risks_and_actions_than_the_form_first_shows() {
        // Twelve risks, the first with five actions: all read, all kept.
        let mut pairs: Vec<(String, String)> = (1..=12)
            .map(|n| (format!("risk_{n}"), format!("Risk {n}")))
            .collect();
        for m in 1..=5 {
            pairs.push((format!("risk_1_action_{m}"), format!("Action {m}")));
            pairs.push((format!("risk_1_action_{m}_owner"), "idva".to_owned()));
        }
        let input = SafetyPlanInput::from_form(&pairs);
        let plan = input.parse(TODAY).unwrap();
        assert_eq!(plan.risks.len(), 12);
        assert_eq!(plan.risks[0].actions.len(), 5);
        // Shown again: every risk and action, with a blank risk row and a blank action.
        let shown = plan.to_input();
        assert_eq!(shown.risks.len(), 13);
        assert_eq!(shown.risks[0].actions.len(), 6);
        assert_eq!(shown.risks[1].actions.len(), ACTION_SLOTS);
        assert!(shown.risks[12].is_blank());
        // "Add another risk" adds one row, and no more than the limit.
        assert_eq!(shown.clone().with_another_risk().risks.len(), 14);
        let full = SafetyPlanInput {
            review_on: String::new(),
            risks: (0..MAX_RISKS)
                .map(|n| RiskInput {
                    risk: format!("Risk {n}"),
                    ..RiskInput::blank()
                })
                .collect(),
        };
        assert_eq!(full.with_another_risk().risks.len(), MAX_RISKS);
        // An empty form shows the fewest rows.
        assert_eq!(SafetyPlanInput::empty().risks.len(), MIN_RISK_ROWS);
    }

    /// An assessment of the built-in Dash with these items answered yes, the rest no.
    fn dash_with_yes(yes: &[&str], judgement: Option<&str>) -> (Instrument, Assessment) {
        let registry = crate::dash::InstrumentRegistry::builtin().unwrap();
        let instrument = registry.default_instrument().clone();
        let answers = instrument
            .items
            .iter()
            .map(|i| {
                let a = if yes.contains(&i.key.as_str()) {
                    Answer::Yes
                } else {
                    Answer::No
                };
                (i.key.clone(), a)
            })
            .collect();
        let judgement = judgement.map(|r| crate::dash::ProfessionalJudgement {
            reason: r.to_owned(),
        });
        let assessment = Assessment::new(
            &instrument,
            answers,
            std::collections::BTreeMap::new(),
            0,
            judgement,
            TODAY,
            None,
        )
        .unwrap();
        (instrument, assessment)
    }

    #[test]
    fn every_dash_risk_is_in_a_new_plan_highest_harm_first() {
        // The fifteen yes answers of the case whose plan dropped weapons, threats to kill
        // and strangulation (q13 to q15), with a professional judgement.
        let yes: Vec<String> = (1..=15).map(|n| format!("q{n}")).collect();
        let yes: Vec<&str> = yes.iter().map(String::as_str).collect();
        let (instrument, assessment) =
            dash_with_yes(&yes, Some("He has bought a knife since the separation"));
        let risks = risks_from_dash(&instrument, &assessment);
        let items: Vec<&str> = risks.iter().map(|r| r.dash_item.as_str()).collect();
        assert_eq!(
            items,
            [
                // Strangulation, threats to kill, weapons, stalking, escalation...
                "q15",
                "q14",
                "q13",
                "q8",
                "q10",
                "q11",
                // ...then the rest in the checklist's order, then the judgement.
                "q1",
                "q2",
                "q3",
                "q4",
                "q5",
                "q6",
                "q7",
                "q9",
                "q12",
                JUDGEMENT_ITEM,
            ]
        );
        // Written as risks for the plan, not as the questions.
        assert!(
            risks[0].risk.starts_with("Strangulation:"),
            "{}",
            risks[0].risk
        );
        assert!(risks[1].risk.starts_with("Threats to kill:"));
        assert!(risks[2].risk.starts_with("Weapons:"));
        for (r, item) in risks.iter().zip(&instrument.items) {
            assert!(!r.risk.ends_with('?'), "{}: {}", item.key, r.risk);
        }
        assert_eq!(
            risks[15].risk,
            "Professional judgement: He has bought a knife since the separation"
        );
        // The form shows them all, and a blank row.
        let input = SafetyPlanInput::from_dash(&instrument, &assessment);
        assert_eq!(input.risks.len(), 17);
        // Every item of the built-in checklist has its risk written for a plan.
        assert!(instrument.items.iter().all(|i| i.plan_risk.is_some()));
    }

    #[test]
    fn a_dash_with_no_yes_starts_an_empty_plan() {
        let (instrument, assessment) = dash_with_yes(&[], None);
        assert!(risks_from_dash(&instrument, &assessment).is_empty());
        let input = SafetyPlanInput::from_dash(&instrument, &assessment);
        assert_eq!(input.risks.len(), MIN_RISK_ROWS);
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
