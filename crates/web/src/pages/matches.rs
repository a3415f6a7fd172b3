//! Possible matches: the people on other cases the matching engine thinks may be this
//! case's victim or perpetrator, with why, for the case's staff to confirm or reject. A
//! match is only ever shown with a case the user may see; a decision is asked once.
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use waymark_domain::referral::FieldError;
use waymark_store::cases::CaseDetail;
use waymark_store::matching::{Matches, PossibleMatch, SamePersonCase};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::{case_ctx, parse_id};
use crate::pages::casework::{form_errors, with_status};
use crate::pages::{errors_ctx, field, render};

fn match_ctx(m: &PossibleMatch) -> minijinja::Value {
    context! {
        person_id => m.person_id.to_string(),
        person_role => m.person_role,
        person_name => m.person_name,
        other_person_id => m.other_person_id.to_string(),
        other_role => m.other_role,
        other_name => m.other_name,
        other_date_of_birth => m.other_date_of_birth,
        other_case_id => m.other_case_id.to_string(),
        other_reference => m.other_reference,
        other_agency => m.other_agency,
        percent => format!("{:.0}", (m.probability * 100.0).clamp(0.0, 100.0).floor()),
        evidence => m.evidence,
    }
}

/// `?after=referral`: the page a new referral leads to, before the Dash;
/// `?after=correction`: the page corrected details lead to.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Shown {
    #[serde(default)]
    after: Option<String>,
}

/// What led here, as the page and its forms carry it.
fn after(raw: Option<&str>) -> Option<&'static str> {
    match raw {
        Some("referral") => Some("referral"),
        Some("correction") => Some("correction"),
        _ => None,
    }
}

fn same_person_ctx(c: &SamePersonCase) -> minijinja::Value {
    let risk = c
        .latest_risk_level
        .as_deref()
        .and_then(waymark_domain::dash::RiskLevel::parse);
    context! {
        person_role => c.person_role,
        person_name => c.person_name,
        other_role => c.other_role,
        other_case_id => c.other_case_id.to_string(),
        other_reference => c.other_reference,
        other_agency => c.other_agency,
        basis => c.basis,
        referred_on => c.referred_on.map(|d| d.to_string()),
        status => waymark_domain::casework::CaseStatus::parse(&c.status).map(|s| s.label()),
        risk_label => risk.map(|r| r.label()),
        risk_tag => risk.map(crate::pages::case::risk_tag),
        assessed_on => c.latest_assessed_on.map(|d| d.to_string()),
        closed_on => c.closed_on.map(|d| d.to_string()),
    }
}

async fn page(
    state: &SharedState,
    session: &Session,
    case_id: uuid::Uuid,
    request_id: &RequestId,
    errors: &[FieldError],
    after: Option<&'static str>,
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let found: Result<(CaseDetail, Matches), _> = async {
        let detail = tx
            .case_detail(&session.0.user, case_id, Some(request_id.0.clone()))
            .await?;
        let matches = tx
            .possible_matches(&session.0.user, case_id, Some(request_id.0.clone()))
            .await?;
        Ok((detail, matches))
    }
    .await;
    let (detail, matches) = tx.settle(found).await?;
    let res = render(
        state,
        Some(session),
        "matches.html",
        context! {
            title => "Matches on other cases",
            case => case_ctx(&detail, &state.registry),
            matches => matches.possible.iter().map(match_ctx).collect::<Vec<_>>(),
            same_person => matches.same_person.iter().map(same_person_ctx).collect::<Vec<_>>(),
            after => after,
            errors => errors_ctx(errors),
        },
    )?;
    Ok(with_status(res, errors))
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Query(shown): Query<Shown>,
) -> Result<Response, AppError> {
    let id = parse_id(&case_id)?;
    page(
        &state,
        &session,
        id,
        &request_id,
        &[],
        after(shown.after.as_deref()),
    )
    .await
}

pub async fn decide(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let id = parse_id(&case_id)?;
    let f = |name: &str| field(&form, name).unwrap_or("").to_owned();
    let led_by = after(Some(f("after").as_str()));
    let tx = state.store.begin().await?;
    let done = tx
        .decide_match(
            &session.0.user,
            id,
            &f("person_id"),
            &f("other_person_id"),
            &f("decision"),
            Some(request_id.0.clone()),
        )
        .await;
    match tx.settle(done).await {
        Ok(_) => {
            let back = led_by.map(|a| format!("?after={a}")).unwrap_or_default();
            Ok(Redirect::to(&format!("/cases/{id}/matches{back}")).into_response())
        }
        Err(e) => {
            let errors = form_errors(e)?;
            page(&state, &session, id, &request_id, &errors, led_by).await
        }
    }
}
