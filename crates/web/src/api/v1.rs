//! Version 1 of the JSON API. Signed-in by the session cookie; every POST must carry the
//! session's CSRF token in the `X-CSRF-Token` header (read it from `GET /api/v1/me`).
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use waymark_domain::dash::{self, Decision, RiskLevel};
use waymark_domain::referral::{FieldError, ReferralInput};
use waymark_store::cases::{CaseDetail, CaseFilter, CaseSort, StoredAssessment};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::parse_id;
use crate::pages::today;

fn csrf(session: &Session, headers: &HeaderMap) -> Result<(), AppError> {
    session.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, AppError> {
    serde_json::from_str(body)
        .map_err(|e| AppError::Invalid(vec![FieldError::new("body", e.to_string())]))
}

#[derive(Serialize)]
pub struct Me {
    id: String,
    email: String,
    display_name: String,
    role: &'static str,
    agency_id: String,
    csrf_token: String,
}

pub async fn me(session: Session) -> Json<Me> {
    let u = &session.0.user;
    Json(Me {
        id: u.id.to_string(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: u.role.as_str(),
        agency_id: u.agency_id.to_string(),
        csrf_token: session.0.csrf_token.clone(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseQuery {
    risk: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    mine: Option<bool>,
}

#[derive(Serialize)]
struct CaseSummaryJson {
    id: String,
    reference: String,
    victim_name: String,
    caseworker_name: Option<String>,
    status: String,
    risk_level: Option<RiskLevel>,
    yes_count: Option<u32>,
    last_assessed_on: Option<String>,
}

pub async fn list_cases(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Query(q): Query<CaseQuery>,
) -> Result<Response, AppError> {
    let risk_level = match q.risk.as_deref() {
        None | Some("") => None,
        Some(s) => Some(RiskLevel::parse(s).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "risk",
                "must be one of high, medium, standard",
            )])
        })?),
    };
    let sort = match q.sort.as_deref() {
        None | Some("reference") => CaseSort::Reference,
        Some("victim") => CaseSort::Victim,
        Some("risk") => CaseSort::Risk,
        Some("assessed") => CaseSort::LastAssessed,
        Some(_) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "sort",
                "must be one of reference, victim, risk, assessed",
            )]));
        }
    };
    let filter = CaseFilter {
        risk_level,
        mine_only: q.mine.unwrap_or(false),
        search: None,
        sort,
        descending: q.order.as_deref() == Some("desc"),
    };
    let tx = state.store.begin().await?;
    let cases = tx
        .list_cases(&session.0.user, &filter, Some(request_id.0))
        .await?;
    tx.commit().await?;
    let cases: Vec<_> = cases
        .into_iter()
        .map(|c| CaseSummaryJson {
            id: c.id.to_string(),
            reference: c.reference,
            victim_name: c.victim_name,
            caseworker_name: c.caseworker_name,
            status: c.status,
            risk_level: c.risk_level,
            yes_count: c.yes_count,
            last_assessed_on: c.last_assessed_on.map(|d| d.to_string()),
        })
        .collect();
    Ok(Json(serde_json::json!({ "cases": cases })).into_response())
}

fn assessment_json(a: &StoredAssessment) -> serde_json::Value {
    serde_json::json!({
        "id": a.id.to_string(),
        "assessed_on": a.assessment.assessed_on.to_string(),
        "assessed_by": a.assessed_by,
        "answers": a.assessment.answers,
        "abuse_incidents_last_12_months": a.assessment.abuse_incidents_last_12_months,
        "professional_judgement": a.assessment.professional_judgement,
        "previous_marac_referral_on": a.assessment.previous_marac_referral_on.map(|d| d.to_string()),
        "decision": decision_json(&a.decision),
    })
}

fn decision_json(d: &Decision) -> serde_json::Value {
    serde_json::json!({
        "instrument": d.instrument,
        "version": d.version,
        "yes_count": d.yes_count,
        "not_known_count": d.not_known_count,
        "answered": d.answered,
        "risk_level": d.risk_level,
        "refer_to_marac": d.refer_to_marac,
        "criteria": d.criteria,
    })
}

fn case_json(c: &CaseDetail) -> serde_json::Value {
    let people: Vec<_> = c
        .people
        .iter()
        .map(|p| {
            serde_json::json!({
                "role": p.role,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "date_of_birth": p.date_of_birth.map(|d| d.to_string()),
                "gender": p.gender,
                "relationship": p.relationship,
                "lives_with": p.lives_with,
                "relationship_note": p.relationship_note,
                "school_recorded": p.school_recorded,
            })
        })
        .collect();
    serde_json::json!({
        "id": c.id.to_string(),
        "reference": c.reference,
        "status": c.status,
        "owning_agency": c.owning_agency,
        "marac": c.marac.name,
        "caseworker_name": c.caseworker_name,
        "team": c.team.as_ref().map(|(_, name)| name.clone()),
        "opened_on": c.opened_on.to_string(),
        "people": people,
        "referral": c.referral.as_ref().map(|r| serde_json::json!({
            "referring_agency": r.referring_agency,
            "route": r.route,
            "referred_on": r.referred_on.to_string(),
            "consent": r.consent,
            "consent_reason": r.consent_reason,
            "victim_aware": r.victim_aware,
            "reason": r.reason,
            "safe_contact_given": r.safe_contact_given,
            "voicemail_safe": r.voicemail_safe,
            "post_safe": r.post_safe,
        })),
        "assessments": c.assessments.iter().map(assessment_json).collect::<Vec<_>>(),
    })
}

pub async fn get_case(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let case_id = parse_id(&case_id)?;
    let tx = state.store.begin().await?;
    let detail = tx
        .case_detail(&session.0.user, case_id, Some(request_id.0))
        .await;
    let detail = tx.settle(detail).await?;
    Ok(Json(case_json(&detail)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReferralBody {
    marac_id: String,
    referral: ReferralInput,
}

pub async fn create_referral(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    csrf(&session, &headers)?;
    if !waymark_domain::access::can_create_referral(&session.0.user.actor()) {
        return Err(crate::pages::refuse(&state, &session, "referral.create", &request_id).await);
    }
    let body: NewReferralBody = parse_body(&body)?;
    let marac_id = uuid::Uuid::parse_str(body.marac_id.trim()).map_err(|_| {
        AppError::Invalid(vec![FieldError::new(
            "marac_id",
            "must be the id of a Marac",
        )])
    })?;
    let new = body.referral.parse(today()).map_err(AppError::Invalid)?;
    let tx = state.store.begin().await?;
    let created = tx
        .create_referral(&session.0.user, marac_id, &new, Some(request_id.0))
        .await;
    let case_id = tx.settle(created).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": case_id.to_string() })),
    )
        .into_response())
}

pub async fn create_assessment(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    headers: HeaderMap,
    Path(case_id): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    csrf(&session, &headers)?;
    let case_id = parse_id(&case_id)?;
    let req = dash::parse_score_request(&body, &state.registry)
        .map_err(|e| AppError::Invalid(vec![FieldError::new(e.field(), e.to_string())]))?;
    if req.assessment.assessed_on > today() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "assessed_on",
            "must be today or in the past",
        )]));
    }
    let tx = state.store.begin().await?;
    let recorded = tx
        .record_assessment(
            &session.0.user,
            case_id,
            &state.registry,
            req.assessment,
            Some(request_id.0),
        )
        .await;
    let (id, decision) = tx.settle(recorded).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id.to_string(), "decision": decision_json(&decision) })),
    )
        .into_response())
}

/// Scores an assessment without storing anything (the API twin of `waymark dash score`).
pub async fn score(
    State(state): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    csrf(&session, &headers)?;
    let req = dash::parse_score_request(&body, &state.registry)
        .map_err(|e| AppError::Invalid(vec![FieldError::new(e.field(), e.to_string())]))?;
    let instrument = state.registry.get(&req.instrument_id).ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new("instrument", "unknown instrument")])
    })?;
    let decision = dash::decide(instrument, &dash::Thresholds::default(), &req.assessment);
    Ok(Json(decision).into_response())
}

/// Reveals a case's restricted fields (the safe contact details, where the victim lives,
/// her refuge and GP, and the children's schools): an explicit, audited request, for the staff who contact the victim only.
pub async fn reveal_safe_contact(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    headers: HeaderMap,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    csrf(&session, &headers)?;
    let case_id = parse_id(&case_id)?;
    if !crate::pages::confirm::recently_confirmed(&state, &session) {
        return Err(AppError::ReauthRequired);
    }
    let tx = state.store.begin().await?;
    let revealed = tx
        .reveal_restricted(&session.0.user, case_id, Some(request_id.0))
        .await;
    let revealed = tx.settle(revealed).await?;
    Ok(Json(serde_json::json!({
        "safe_phone": revealed.safe_phone,
        "safe_times": revealed.safe_times,
        "address": revealed.whereabouts.address,
        "postcode": revealed.whereabouts.postcode,
        "refuge": revealed.whereabouts.refuge,
        "gp_practice": revealed.whereabouts.gp_practice,
        "schools": revealed.schools.iter().map(|s| serde_json::json!({
            "person_id": s.person_id.to_string(),
            "child_name": s.child_name,
            "school": s.school,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}
