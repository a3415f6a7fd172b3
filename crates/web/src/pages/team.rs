//! The service's queues: the triage queue of referrals waiting for allocation, and the
//! manager's team view of caseloads against the recommended range.
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use waymark_domain::casework::PROJECTION_WINDOW_DAYS;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::risk_tag;
use crate::pages::casework::caseload_ctx;
use crate::pages::{render, uk_today};

pub async fn triage(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let queue = tx
        .triage_queue(&session.0.user, &state.config.casework, Some(request_id.0))
        .await;
    let queue = tx.settle(queue).await?;
    let today = uk_today(&state);
    let can_allocate = matches!(
        session.0.user.role,
        waymark_domain::role::Role::Manager | waymark_domain::role::Role::MaracCoordinator
    );
    let rows: Vec<_> = queue
        .iter()
        .map(|e| {
            context! {
                id => e.id.to_string(),
                reference => e.reference,
                victim_name => e.victim_name,
                risk_label => e.risk_level.map(|l| l.label()),
                risk_tag => e.risk_level.map(risk_tag),
                route => e.route.map(|r| r.label()),
                referred_on => e.referred_on.to_string(),
                first_contact_due => e.first_contact_due.to_string(),
                overdue => e.first_contact_due < today,
                repeat => e.repeat,
                in_danger => e.in_danger,
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "triage.html",
        context! { title => "Referrals waiting for allocation", rows => rows, can_allocate => can_allocate },
    )
}

pub async fn team(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
) -> Result<Response, AppError> {
    let tx = state.store.begin().await?;
    let view = tx
        .team_view(
            &session.0.user,
            &state.config.casework,
            uk_today(&state),
            Some(request_id.0),
        )
        .await;
    let view = tx.settle(view).await?;
    let rules = &state.config.casework;
    let high_share = (view.high_risk_open * 100 + view.open_cases / 2)
        .checked_div(view.open_cases)
        .unwrap_or(0);
    render(
        &state,
        Some(&session),
        "team.html",
        context! {
            title => "Team caseloads",
            loads => view.caseloads.iter().map(caseload_ctx).collect::<Vec<_>>(),
            awaiting_allocation => view.awaiting_allocation,
            open_cases => view.open_cases,
            high_risk_open => view.high_risk_open,
            high_share => high_share,
            overdue => view.overdue,
            significant_contacts => view.significant_contacts,
            contacts_per_case => crate::pages::casework::per_case(view.significant_contacts, view.open_cases),
            intensive_cases => view.intensive_cases,
            caseload_low => rules.caseload_low,
            caseload_high => rules.caseload_high,
            window_weeks => PROJECTION_WINDOW_DAYS / 7,
            first_contact => context! {
                cases => view.first_contact.cases,
                percent => view.first_contact.percent_within_standard(),
                median => view.first_contact.median_working_days,
                high_days => rules.first_contact_working_days_high,
                other_days => rules.first_contact_working_days,
            },
        },
    )
}
