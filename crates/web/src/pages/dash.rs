//! Completing a Dash risk checklist with the victim, and the decision it leads to.
use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::dash::{self, Answer, Assessment, Instrument, ProfessionalJudgement};
use waymark_domain::referral::{FieldError, MAX_TEXT, parse_iso_date};
use waymark_store::cases::CaseDetail;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, decision_ctx, parse_id};
use crate::pages::{errors_ctx, field, render, today};

/// The submitted values, kept to re-display the form after an error.
fn values_ctx(form: &[(String, String)]) -> BTreeMap<String, String> {
    form.iter()
        .filter(|(k, _)| k != "csrf_token")
        .cloned()
        .collect()
}

/// Turns the form into an assessment, or every problem with it.
pub fn assessment_from_form(
    instrument: &Instrument,
    form: &[(String, String)],
    today: time::Date,
) -> Result<Assessment, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut answers = BTreeMap::new();
    let mut details = BTreeMap::new();
    for item in &instrument.items {
        match field(form, &item.key).map(str::trim).unwrap_or("") {
            "" => {}
            v => match Answer::parse(v) {
                Some(a) => {
                    answers.insert(item.key.clone(), a);
                }
                None => errors.push(FieldError::new(&item.key, "Select yes, no or not known")),
            },
        }
        let detail_field = format!("{}_detail", item.key);
        let detail = field(form, &detail_field).map(str::trim).unwrap_or("");
        if detail.chars().count() > MAX_TEXT {
            errors.push(FieldError::new(
                detail_field,
                format!("The detail must be {MAX_TEXT} characters or fewer"),
            ));
        } else if !detail.is_empty() {
            details.insert(item.key.clone(), detail.to_owned());
        }
    }
    let incidents_raw = field(form, "abuse_incidents_last_12_months")
        .map(str::trim)
        .unwrap_or("");
    let incidents = if incidents_raw.is_empty() {
        errors.push(FieldError::new(
            "abuse_incidents_last_12_months",
            "Enter the number of domestic abuse incidents in the last 12 months, or 0 if there were none",
        ));
        0
    } else {
        match incidents_raw.parse::<u32>() {
            Ok(n) if n <= 10_000 => n,
            _ => {
                errors.push(FieldError::new(
                    "abuse_incidents_last_12_months",
                    "The number of incidents must be a whole number, like 0, 2 or 5",
                ));
                0
            }
        }
    };
    let judgement = if field(form, "professional_judgement") == Some("yes") {
        let reason = field(form, "professional_judgement_reason").unwrap_or("");
        match ProfessionalJudgement::new(reason) {
            Ok(j) if reason.chars().count() <= MAX_TEXT => Some(j),
            Ok(_) => {
                errors.push(FieldError::new(
                    "professional_judgement_reason",
                    format!("The reason must be {MAX_TEXT} characters or fewer"),
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "professional_judgement_reason",
                    "Enter the reason for your professional judgement",
                ));
                None
            }
        }
    } else {
        None
    };
    let date = |name: &str, what: &str, required: bool, errors: &mut Vec<FieldError>| {
        let raw = field(form, name).map(str::trim).unwrap_or("");
        if raw.is_empty() {
            if required {
                errors.push(FieldError::new(name, format!("Enter the {what}")));
            }
            return None;
        }
        match parse_iso_date(raw) {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                errors.push(FieldError::new(
                    name,
                    format!("The {what} must be today or in the past"),
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    name,
                    format!("The {what} must be a real date, like 2024-03-27"),
                ));
                None
            }
        }
    };
    let assessed_on = date("assessed_on", "date of the assessment", true, &mut errors);
    let previous = date(
        "previous_marac_referral_on",
        "date of the last Marac referral",
        false,
        &mut errors,
    );
    let Some(assessed_on) = assessed_on else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Assessment::new(
        instrument,
        answers,
        details,
        incidents,
        judgement,
        assessed_on,
        previous,
    )
    .map_err(|e| vec![FieldError::new("assessment", e.to_string())])
}

fn items_ctx(instrument: &Instrument) -> Vec<minijinja::Value> {
    instrument
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            context! { number => i + 1, key => item.key, prompt => item.prompt, detail_hint => item.detail_hint }
        })
        .collect()
}

async fn form_page(
    state: &SharedState,
    session: &Session,
    detail: &CaseDetail,
    values: BTreeMap<String, String>,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let instrument = state.registry.default_instrument();
    let mut res = render(
        state,
        Some(session),
        "dash_form.html",
        context! {
            title => "Dash risk checklist",
            case => case_ctx(detail, &state.registry),
            instrument => context! { title => instrument.title, version => instrument.version },
            items => items_ctx(instrument),
            thresholds => detail.marac.thresholds,
            v => values,
            errors => errors_ctx(errors),
        },
    )?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn new(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let case_id = parse_id(&case_id)?;
    let tx = state.store.begin().await?;
    let detail = tx
        .case_for_assessment(&session.0.user, case_id, Some(request_id.0))
        .await;
    let detail = tx.settle(detail).await?;
    let mut values = BTreeMap::new();
    values.insert("assessed_on".to_owned(), today().to_string());
    form_page(&state, &session, &detail, values, &[]).await
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let case_id = parse_id(&case_id)?;
    session.check_csrf(field(&form, "csrf_token"))?;
    let instrument = state.registry.default_instrument();
    let tx = state.store.begin().await?;
    match assessment_from_form(instrument, &form, today()) {
        Ok(assessment) => {
            let recorded = tx
                .record_assessment(
                    &session.0.user,
                    case_id,
                    &state.registry,
                    assessment,
                    Some(request_id.0),
                )
                .await;
            let (assessment_id, _) = tx.settle(recorded).await?;
            Ok(Redirect::to(&format!("/cases/{case_id}/dash/{assessment_id}")).into_response())
        }
        Err(errors) => {
            // Re-display only if the user may assess this case at all; otherwise 404.
            let detail = tx
                .case_for_assessment(&session.0.user, case_id, Some(request_id.0))
                .await;
            let detail = tx.settle(detail).await?;
            form_page(&state, &session, &detail, values_ctx(&form), &errors).await
        }
    }
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path((case_id, assessment_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let case_id = parse_id(&case_id)?;
    let assessment_id = parse_id(&assessment_id)?;
    let tx = state.store.begin().await?;
    let found = async {
        let detail = tx
            .case_detail(&session.0.user, case_id, Some(request_id.0))
            .await?;
        let referrals = tx.case_marac_referrals(&detail).await?;
        Ok::<_, waymark_store::cases::CaseError>((detail, referrals))
    }
    .await;
    let (detail, referrals) = tx.settle(found).await?;
    let Some(pos) = detail
        .assessments
        .iter()
        .position(|a| a.id == assessment_id)
    else {
        return Err(AppError::NotFound);
    };
    let current = detail.assessments.get(pos).ok_or(AppError::NotFound)?;
    let instrument = state
        .registry
        .get(&current.decision.instrument)
        .ok_or_else(|| AppError::Internal("assessment with an unknown instrument".into()))?;
    let prompt = |key: &String| {
        instrument
            .item(key)
            .map(|i| i.prompt.clone())
            .unwrap_or_else(|| key.clone())
    };
    let unanswered: Vec<String> = instrument
        .items
        .iter()
        .filter(|i| !current.assessment.answers.contains_key(&i.key))
        .map(|i| i.prompt.clone())
        .collect();
    let change = pos
        .checked_sub(1)
        .and_then(|p| detail.assessments.get(p))
        .map(|prev| {
            let c = dash::compare(
                instrument,
                &prev.assessment,
                &prev.decision,
                &current.assessment,
                &current.decision,
            );
            context! {
                previous_on => prev.assessment.assessed_on.to_string(),
                previous_level => c.previous_level.label(),
                level_changed => c.level_changed,
                score_delta => c.score_delta,
                turned_yes => c.turned_yes.iter().map(prompt).collect::<Vec<_>>(),
                no_longer_yes => c.no_longer_yes.iter().map(prompt).collect::<Vec<_>>(),
            }
        });
    let answers: Vec<_> = instrument
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            context! {
                number => i + 1,
                prompt => item.prompt,
                answer => current.assessment.answers.get(&item.key).map(|a| match a {
                    Answer::Yes => "Yes",
                    Answer::No => "No",
                    Answer::NotKnown => "Not known",
                }),
                detail => current.assessment.details.get(&item.key),
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "assessment.html",
        context! {
            title => "Dash decision",
            case => case_ctx(&detail, &state.registry),
            assessed_on => current.assessment.assessed_on.to_string(),
            assessed_by => current.assessed_by,
            incidents => current.assessment.abuse_incidents_last_12_months,
            judgement => current.assessment.professional_judgement.as_ref().map(|j| j.reason.clone()),
            previous_referral_on => current.assessment.previous_marac_referral_on.map(|d| d.to_string()),
            decision => decision_ctx(&current.decision, instrument.items.len()),
            unanswered => unanswered,
            change => change,
            answers => answers,
            thresholds => detail.marac.thresholds,
            // The next step follows the latest Dash only, for those who work the case.
            marac_step => (pos + 1 == detail.assessments.len()
                && waymark_domain::access::can_work_case(&session.0.user.actor(), &detail.access_facts()))
                .then(|| crate::pages::case::marac_step_ctx(&detail, &referrals)),
        },
    )
}
