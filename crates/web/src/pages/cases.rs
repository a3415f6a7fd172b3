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
    page: Option<String>,
}

/// Cases a page of the list shows.
pub const PAGE_SIZE: usize = 50;

/// Which page to show (1-based) of `total` rows: a missing, unreadable or out-of-range page
/// number shows the nearest page there is.
fn page_of(asked: Option<&str>, total: usize) -> (usize, usize) {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = asked
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    (page, pages)
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
    page: Option<&str>,
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
    let total = cases.len();
    let (page, pages) = page_of(page, total);
    let rows: Vec<_> = cases
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(row)
        .collect();
    let first = if total == 0 {
        0
    } else {
        (page - 1) * PAGE_SIZE + 1
    };
    let rows_len = rows.len();
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
            total => total,
            page => page,
            pages => pages,
            shown_from => first,
            shown_to => first.saturating_sub(1) + rows_len,
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
    let page = query.page.clone();
    list_page(&state, &session, &query, None, page.as_deref(), request_id).await
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
    // A search's pages are posted too, so the name searched for stays out of the address.
    let page = field(&form, "page").map(str::to_owned);
    list_page(&state, &session, &query, q, page.as_deref(), request_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_fifty_cases_and_a_bad_page_shows_the_nearest() {
        assert_eq!(page_of(None, 0), (1, 1));
        assert_eq!(page_of(None, 50), (1, 1));
        assert_eq!(page_of(Some("2"), 51), (2, 2));
        assert_eq!(page_of(Some("9"), 120), (3, 3));
        assert_eq!(page_of(Some("0"), 120), (1, 3));
        assert_eq!(page_of(Some("two"), 120), (1, 3));
    }
}
