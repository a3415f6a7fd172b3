//! The case list: the cases the user may see, with the latest risk level, sortable and
//! filterable. Sorting and the risk filter travel in the query string; a name search is
//! posted, so a victim's name never appears in a URL.
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use waymark_domain::dash::RiskLevel;
use waymark_store::cases::{CaseFilter, CaseSort, CaseSummary};

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::{field, render};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    sort: Option<String>,
    order: Option<String>,
    risk: Option<String>,
    mine: Option<String>,
}

fn parse_sort(s: Option<&str>) -> CaseSort {
    match s {
        Some("victim") => CaseSort::Victim,
        Some("risk") => CaseSort::Risk,
        Some("assessed") => CaseSort::LastAssessed,
        _ => CaseSort::Reference,
    }
}

fn sort_key(s: CaseSort) -> &'static str {
    match s {
        CaseSort::Reference => "reference",
        CaseSort::Victim => "victim",
        CaseSort::Risk => "risk",
        CaseSort::LastAssessed => "assessed",
    }
}

fn risk_tag(level: Option<RiskLevel>) -> &'static str {
    match level {
        Some(RiskLevel::High) => "govuk-tag--red",
        Some(RiskLevel::Medium) => "govuk-tag--orange",
        Some(RiskLevel::Standard) => "govuk-tag--grey",
        None => "govuk-tag--blue",
    }
}

fn row(c: &CaseSummary) -> minijinja::Value {
    context! {
        id => c.id.to_string(),
        reference => c.reference,
        victim_name => c.victim_name,
        caseworker_name => c.caseworker_name,
        risk => c.risk_level.map(|l| l.label()),
        risk_tag => risk_tag(c.risk_level),
        yes_count => c.yes_count,
        last_assessed_on => c.last_assessed_on.map(|d| d.to_string()),
    }
}

async fn list_page(
    state: &SharedState,
    session: &Session,
    query: &ListQuery,
    search: Option<String>,
    request_id: RequestId,
) -> Result<Response, AppError> {
    let sort = parse_sort(query.sort.as_deref());
    let descending = query.order.as_deref() == Some("desc");
    let risk_level = query.risk.as_deref().and_then(RiskLevel::parse);
    let filter = CaseFilter {
        risk_level,
        mine_only: query.mine.as_deref() == Some("on"),
        search: search.clone(),
        sort,
        descending,
    };
    let tx = state.store.begin().await?;
    let cases = tx
        .list_cases(&session.0.user, &filter, Some(request_id.0.clone()))
        .await?;
    // What is due on the actor's own cases heads the plain list (their home page), not a
    // filtered list or a search, whose results must be only what was asked for.
    let plain = filter.search.is_none() && filter.risk_level.is_none() && !filter.mine_only;
    let tasks = if plain {
        tx.my_tasks(&session.0.user, &state.config.casework, Some(request_id.0))
            .await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let today = crate::pages::uk_today(state);
    let tasks: Vec<_> = tasks
        .iter()
        .filter(|t| t.due.due_on <= today + time::Duration::days(7))
        .map(|t| {
            context! {
                case_id => t.case_id.to_string(),
                reference => t.reference,
                label => t.due.kind.label(),
                due_on => t.due.due_on.to_string(),
                overdue => t.due.overdue(today),
            }
        })
        .collect();
    let rows: Vec<_> = cases.iter().map(row).collect();
    render(
        state,
        Some(session),
        "cases.html",
        context! {
            title => "Cases",
            role_note => match session.0.user.role {
                waymark_domain::role::Role::AgencyRep => Some("As an agency representative you see cases only while they are on the agenda of a Marac your agency attends: find them under Marac in the menu."),
                waymark_domain::role::Role::Admin => Some("Administrators manage accounts and settings and do not see case content."),
                waymark_domain::role::Role::DataProtection => Some("As data protection officer you see who has opened your agency's cases, not what they hold: use Data protection in the menu."),
                _ => None,
            },
            cases => rows,
            tasks => tasks,
            sort => sort_key(sort),
            order => if descending { "desc" } else { "asc" },
            risk => risk_level.map(|l| l.as_str()),
            mine => filter.mine_only,
            search => search,
        },
    )
}

pub async fn list(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    list_page(&state, &session, &query, None, request_id).await
}

pub async fn search(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Query(query): Query<ListQuery>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    session.check_csrf(field(&form, "csrf_token"))?;
    let q = field(&form, "q")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    list_page(&state, &session, &query, q, request_id).await
}
