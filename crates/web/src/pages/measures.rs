//! The outcome measures forms (Time 1 intake, Time 2 review, exit, six-month follow-up),
//! filled in as part of the work and pre-filled from what the case already knows. Each
//! form is a list of questions; the domain's `measures` module checks the answers.
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Serialize;
use serde::de::DeserializeOwned;
use waymark_domain::access;
use waymark_domain::casework::MeasureStage;
use waymark_domain::measures::{
    self, AbuseResumed, Change, ContactReason, Currency, EqualityGender, Ethnicity, ExitInput,
    ExitRating, FearAnswer, FeelsSafer, FollowUpInput, IntakeInput, Period, QualityOfLife,
    ReviewInput, RiskJudgement, SexualOrientation, Sustainable, Trend, YesNoPreferNot,
};
use waymark_domain::referral::{FieldError, Relationship};
use waymark_store::cases::{CaseDetail, CaseError};
use waymark_store::casework::Casework;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::casework::options;
use crate::pages::{errors_ctx, field, render, uk_today};

/// How a question is asked.
enum Ask {
    Date,
    Number,
    Text,
    Radios(Vec<Value>),
    Select(Vec<Value>),
}

struct Question {
    name: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    ask: Ask,
}

/// A group of questions under one heading.
struct Section {
    heading: &'static str,
    questions: Vec<Question>,
}

fn q(name: &'static str, label: &'static str, ask: Ask) -> Question {
    Question {
        name,
        label,
        hint: None,
        ask,
    }
}

fn yes_no() -> Vec<Value> {
    vec![
        context! { value => "yes", label => "Yes" },
        context! { value => "no", label => "No" },
    ]
}

fn yes_no_not_known() -> Vec<Value> {
    vec![
        context! { value => "yes", label => "Yes" },
        context! { value => "no", label => "No" },
        context! { value => "not_known", label => "Not known" },
    ]
}

fn radios<T: Copy>(all: &[T], key: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Ask {
    Ask::Radios(options(all, key, label))
}

fn recorded_on() -> Section {
    Section {
        heading: "When",
        questions: vec![Question {
            name: "recorded_on",
            label: "Date the measures were taken",
            hint: Some("For example, 2026-11-24"),
            ask: Ask::Date,
        }],
    }
}

fn intake_profile() -> Section {
    let mut questions = Vec::new();
    for (abuse, currency, trend) in [
        ("Physical abuse", "physical_currency", "physical_trend"),
        ("Sexual abuse", "sexual_currency", "sexual_trend"),
        (
            "Harassment and stalking",
            "harassment_and_stalking_currency",
            "harassment_and_stalking_trend",
        ),
        (
            "Jealous and controlling behaviour",
            "jealous_and_controlling_currency",
            "jealous_and_controlling_trend",
        ),
    ] {
        questions.push(q(
            currency,
            abuse,
            radios(Currency::ALL, Currency::as_str, Currency::label),
        ));
        questions.push(Question {
            name: trend,
            label: "If current: its severity and frequency are",
            hint: None,
            ask: radios(Trend::ALL, Trend::as_str, Trend::label),
        });
    }
    Section {
        heading: "Abuse in the last three months",
        questions,
    }
}

fn fear() -> Section {
    let f = || radios(FearAnswer::ALL, FearAnswer::as_str, FearAnswer::label);
    Section {
        heading: "Fear",
        questions: vec![
            q("fear_of_further_injury", "Afraid of further injury", f()),
            q("fear_of_being_killed", "Afraid of being killed", f()),
            q("feeling_frightened", "Feeling frightened", f()),
        ],
    }
}

fn perpetrator() -> Section {
    let a = || Ask::Radios(yes_no_not_known());
    Section {
        heading: "The perpetrator",
        questions: vec![
            q("perpetrator_alcohol", "Alcohol misuse", a()),
            q("perpetrator_drugs", "Drug misuse", a()),
            q("perpetrator_mental_health", "Mental health problems", a()),
            q("perpetrator_criminal_record", "Criminal record", a()),
            q(
                "perpetrator_dv_criminal_record",
                "Domestic abuse related criminal record",
                a(),
            ),
            q("perpetrator_financial_problems", "Financial problems", a()),
            q("perpetrator_suicide_threats", "Threats of suicide", a()),
        ],
    }
}

fn children() -> Section {
    let a = || Ask::Radios(yes_no_not_known());
    Section {
        heading: "Children (only where there are children)",
        questions: vec![
            q("child_contact_conflict", "Conflict over child contact", a()),
            q(
                "fear_of_harm_to_children",
                "Afraid the children will be harmed",
                a(),
            ),
            q(
                "threats_to_kill_children",
                "Threats to kill the children",
                a(),
            ),
        ],
    }
}

fn coping() -> Section {
    let c = || radios(Change::ALL, Change::as_str, Change::label);
    Section {
        heading: "Coping and support",
        questions: vec![
            q("coping", "Coping, compared with intake", c()),
            q(
                "social_networks",
                "Social networks, compared with intake",
                c(),
            ),
        ],
    }
}

fn sections(stage: MeasureStage) -> Vec<Section> {
    match stage {
        MeasureStage::Intake => {
            vec![
                recorded_on(),
                Section {
                    heading: "About the victim (every question is optional)",
                    questions: vec![
                    q(
                        "gender",
                        "Gender",
                        radios(EqualityGender::ALL, EqualityGender::as_str, EqualityGender::label),
                    ),
                    Question {
                        name: "age",
                        label: "Age",
                        hint: Some("In years. Leave blank if the victim preferred not to say"),
                        ask: Ask::Number,
                    },
                    Question {
                        name: "ethnicity",
                        label: "Ethnic group",
                        hint: Some("The 2021 Census categories for England and Wales"),
                        ask: Ask::Select(
                            Ethnicity::ALL
                                .iter()
                                .map(|e| context! { value => e.as_str(), label => e.full_label() })
                                .collect(),
                        ),
                    },
                    q(
                        "disability",
                        "Disabled",
                        radios(YesNoPreferNot::ALL, YesNoPreferNot::as_str, YesNoPreferNot::label),
                    ),
                    q(
                        "sexual_orientation",
                        "Sexual orientation",
                        radios(
                            SexualOrientation::ALL,
                            SexualOrientation::as_str,
                            SexualOrientation::label,
                        ),
                    ),
                    q("children_in_household", "Children in the household", Ask::Number),
                    q(
                        "mental_health_difficulties",
                        "Mental health difficulties in the last 12 months",
                        radios(YesNoPreferNot::ALL, YesNoPreferNot::as_str, YesNoPreferNot::label),
                    ),
                    q(
                        "pregnant",
                        "Pregnant",
                        radios(YesNoPreferNot::ALL, YesNoPreferNot::as_str, YesNoPreferNot::label),
                    ),
                ],
                },
                Section {
                    heading: "The relationship",
                    questions: vec![
                        q(
                            "relationship",
                            "Relationship to the perpetrator",
                            radios(Relationship::ALL, Relationship::as_str, Relationship::label),
                        ),
                        q(
                            "living_with_perpetrator",
                            "Living with the perpetrator",
                            Ask::Radios(yes_no()),
                        ),
                    ],
                },
                intake_profile(),
                fear(),
                perpetrator(),
                children(),
            ]
        }
        MeasureStage::Review => vec![
            recorded_on(),
            Section {
                heading: "The Idva's judgement",
                questions: vec![q(
                    "risk_judgement",
                    "Since intake, the risk has",
                    radios(
                        RiskJudgement::ALL,
                        RiskJudgement::as_str,
                        RiskJudgement::label,
                    ),
                )],
            },
            intake_profile(),
            fear(),
            coping(),
            perpetrator(),
            children(),
        ],
        MeasureStage::Exit => {
            let r = || radios(ExitRating::ALL, ExitRating::as_str, ExitRating::label);
            vec![
                recorded_on(),
                Section {
                    heading: "Abuse at exit",
                    questions: vec![
                        q(
                            "abuse_period",
                            "The ratings below cover",
                            radios(Period::ALL, Period::as_str, Period::label),
                        ),
                        q("physical_rating", "Physical abuse", r()),
                        q("sexual_rating", "Sexual abuse", r()),
                        q(
                            "harassment_and_stalking_rating",
                            "Harassment and stalking",
                            r(),
                        ),
                        q(
                            "jealous_and_controlling_rating",
                            "Jealous and controlling behaviour",
                            r(),
                        ),
                    ],
                },
                Section {
                    heading: "Safety and wellbeing",
                    questions: vec![
                        q(
                            "feels_safer",
                            "Compared with intake, the victim feels",
                            radios(FeelsSafer::ALL, FeelsSafer::as_str, FeelsSafer::label),
                        ),
                        q(
                            "quality_of_life",
                            "Quality of life",
                            radios(
                                QualityOfLife::ALL,
                                QualityOfLife::as_str,
                                QualityOfLife::label,
                            ),
                        ),
                        q(
                            "cessation_sustainable",
                            "Do you believe the end of the abuse is sustainable?",
                            radios(Sustainable::ALL, Sustainable::as_str, Sustainable::label),
                        ),
                    ],
                },
                Section {
                    heading: "Contact with the perpetrator",
                    questions: vec![
                        q(
                            "ongoing_contact",
                            "Still in contact with the perpetrator",
                            Ask::Radios(yes_no()),
                        ),
                        q(
                            "contact_reason",
                            "If so, why",
                            radios(
                                ContactReason::ALL,
                                ContactReason::as_str,
                                ContactReason::label,
                            ),
                        ),
                        q("contact_reason_other", "The other reason", Ask::Text),
                    ],
                },
                fear(),
                coping(),
            ]
        }
        MeasureStage::FollowUp => vec![
            recorded_on(),
            Section {
                heading: "Six months on",
                questions: vec![
                    q(
                        "abuse_resumed",
                        "Has the abuse resumed?",
                        radios(AbuseResumed::ALL, AbuseResumed::as_str, AbuseResumed::label),
                    ),
                    q(
                        "wants_support_again",
                        "Does the victim want support again?",
                        Ask::Radios(yes_no()),
                    ),
                    q("note", "Note (optional)", Ask::Text),
                ],
            },
        ],
    }
}

fn sections_ctx(stage: MeasureStage) -> Vec<Value> {
    sections(stage)
        .into_iter()
        .map(|s| {
            context! {
                heading => s.heading,
                questions => s.questions.into_iter().map(|q| {
                    let (kind, options) = match q.ask {
                        Ask::Date => ("date", Vec::new()),
                        Ask::Number => ("number", Vec::new()),
                        Ask::Text => ("text", Vec::new()),
                        Ask::Radios(o) => ("radios", o),
                        Ask::Select(o) => ("select", o),
                    };
                    context! { name => q.name, label => q.label, hint => q.hint, kind => kind, options => options }
                }).collect::<Vec<_>>(),
            }
        })
        .collect()
}

fn stage_of(s: &str) -> Result<MeasureStage, AppError> {
    MeasureStage::parse(s).ok_or(AppError::NotFound)
}

fn to_map<T: Serialize>(input: &T) -> Value {
    Value::from_serialize(input)
}

/// The form's current values: what was submitted, else what was recorded, else what the
/// case already knows.
fn prefill(stage: MeasureStage, detail: &CaseDetail, work: &Casework, today: time::Date) -> Value {
    let stored = |s: MeasureStage| work.measures.iter().find(|m| m.stage == s);
    fn read<T: DeserializeOwned>(json: &str) -> Option<T> {
        serde_json::from_str(json).ok()
    }
    let today = today.to_string();
    match stage {
        MeasureStage::Intake => {
            match stored(stage).and_then(|m| read::<measures::Intake>(&m.answers)) {
                Some(r) => to_map(&IntakeInput::from(&r)),
                None => {
                    let relationship = detail
                        .people
                        .iter()
                        .find(|p| p.role == "perpetrator")
                        .and_then(|p| p.relationship.clone())
                        .unwrap_or_default();
                    let children = detail.people.iter().filter(|p| p.role == "child").count();
                    to_map(&IntakeInput {
                        recorded_on: today,
                        relationship,
                        children_in_household: children.to_string(),
                        ..Default::default()
                    })
                }
            }
        }
        MeasureStage::Review => {
            match stored(stage).and_then(|m| read::<measures::Review>(&m.answers)) {
                Some(r) => to_map(&ReviewInput::from(&r)),
                None => {
                    let mut input = stored(MeasureStage::Intake)
                        .and_then(|m| read::<measures::Intake>(&m.answers))
                        .map(|i| ReviewInput::from_intake(&i))
                        .unwrap_or_default();
                    input.recorded_on = today;
                    to_map(&input)
                }
            }
        }
        MeasureStage::Exit => {
            match stored(stage).and_then(|m| read::<measures::Exit>(&m.answers)) {
                Some(r) => to_map(&ExitInput::from(&r)),
                None => to_map(&ExitInput {
                    recorded_on: today,
                    ..Default::default()
                }),
            }
        }
        MeasureStage::FollowUp => {
            match stored(stage).and_then(|m| read::<measures::FollowUp>(&m.answers)) {
                Some(r) => to_map(&FollowUpInput::from(&r)),
                None => to_map(&FollowUpInput {
                    recorded_on: today,
                    ..Default::default()
                }),
            }
        }
    }
}

async fn page(
    state: &SharedState,
    session: &Session,
    id: uuid::Uuid,
    stage: MeasureStage,
    request_id: &RequestId,
    submitted: Option<&[(String, String)]>,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let (detail, work) = crate::pages::casework::load(
        state,
        session,
        id,
        request_id,
        "case.work.view",
        access::can_work_case,
    )
    .await?;
    let values = match submitted {
        Some(form) => crate::pages::casework::values(form),
        None => prefill(stage, &detail, &work, uk_today(state)),
    };
    let mut res = render(
        state,
        Some(session),
        "measures.html",
        context! {
            title => stage.label(),
            stage => stage.as_str(),
            stage_label => stage.label(),
            case => case_ctx(&detail, &state.registry),
            sections => sections_ctx(stage),
            v => values,
            recorded => work.measures.iter().any(|m| m.stage == stage),
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path((case_id, stage)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    let stage = stage_of(&stage)?;
    page(&state, &session, id, stage, &request_id, None, &[]).await
}

/// Reads the submitted form into the stage's input type; unknown fields are refused.
fn input<T: DeserializeOwned>(form: &[(String, String)]) -> Result<T, Vec<FieldError>> {
    let map: serde_json::Map<String, serde_json::Value> = form
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|_| {
        vec![FieldError::new(
            "recorded_on",
            "The form has fields it should not have",
        )]
    })
}

/// Checks a submitted form: the record's date and its JSON, or every problem.
fn check(
    stage: MeasureStage,
    form: &[(String, String)],
    today: time::Date,
) -> Result<(time::Date, String), Vec<FieldError>> {
    fn json<T: Serialize>(v: &T) -> Result<String, Vec<FieldError>> {
        serde_json::to_string(v).map_err(|_| {
            vec![FieldError::new(
                "recorded_on",
                "The answers could not be saved",
            )]
        })
    }
    match stage {
        MeasureStage::Intake => {
            let r = input::<IntakeInput>(form)?.parse(today)?;
            Ok((r.recorded_on, json(&r)?))
        }
        MeasureStage::Review => {
            let r = input::<ReviewInput>(form)?.parse(today)?;
            Ok((r.recorded_on, json(&r)?))
        }
        MeasureStage::Exit => {
            let r = input::<ExitInput>(form)?.parse(today)?;
            Ok((r.recorded_on, json(&r)?))
        }
        MeasureStage::FollowUp => {
            let r = input::<FollowUpInput>(form)?.parse(today)?;
            Ok((r.recorded_on, json(&r)?))
        }
    }
}

/// A number question's "preferred not to say" box (`NAME_prefer_not`) becomes the answer
/// `prefer_not_to_say` for NAME, whatever was typed in the number box.
fn with_declined_numbers(form: Vec<(String, String)>) -> Vec<(String, String)> {
    let declined: Vec<String> = form
        .iter()
        .filter(|(k, v)| k.ends_with("_prefer_not") && v == "yes")
        .map(|(k, _)| k.trim_end_matches("_prefer_not").to_owned())
        .collect();
    let mut out: Vec<(String, String)> = form
        .into_iter()
        .filter(|(k, _)| !k.ends_with("_prefer_not") && !declined.contains(k))
        .collect();
    for name in declined {
        out.push((name, "prefer_not_to_say".to_owned()));
    }
    out
}

pub async fn record(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path((case_id, stage)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let stage = stage_of(&stage)?;
    let form = with_declined_numbers(form);
    let (recorded_on, answers) = match check(stage, &form, uk_today(&state)) {
        Ok(checked) => checked,
        Err(errors) => {
            return page(
                &state,
                &session,
                id,
                stage,
                &request_id,
                Some(&form),
                &errors,
            )
            .await;
        }
    };
    let tx = state.store.begin().await?;
    let done = tx
        .record_measures(
            &session.0.user,
            id,
            stage,
            recorded_on,
            &answers,
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(CaseError::Form(errors)) => {
            page(
                &state,
                &session,
                id,
                stage,
                &request_id,
                Some(&form),
                &errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn preferring_not_to_say_overrides_a_typed_number() {
        let form = vec![
            ("age".to_owned(), "34".to_owned()),
            ("age_prefer_not".to_owned(), "yes".to_owned()),
            ("children_in_household".to_owned(), "2".to_owned()),
        ];
        let out = super::with_declined_numbers(form);
        assert!(out.contains(&("age".to_owned(), "prefer_not_to_say".to_owned())));
        assert!(!out.iter().any(|(k, v)| k == "age" && v == "34"));
        assert!(out.contains(&("children_in_household".to_owned(), "2".to_owned())));
        assert!(!out.iter().any(|(k, _)| k.ends_with("_prefer_not")));
    }
}
