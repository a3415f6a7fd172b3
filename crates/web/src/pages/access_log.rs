//! A case's access log: who has opened, changed or been refused the case, so that its
//! staff can spot someone looking who should not be.
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;

use crate::SharedState;
use crate::auth::Session;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::pages::case::parse_id;
use crate::pages::render;

/// The audit action in words a caseworker reads.
pub fn describe(action: &str) -> &'static str {
    match action {
        "referral.create" => "Opened the case from a referral",
        "referral.self" => "Opened from the public self-referral form (nobody signed in)",
        "case.view" => "Viewed the case",
        "dash.open" => "Opened the Dash form",
        "dash.record" => "Recorded a Dash",
        "exclusion.add" => "Added an exclusion",
        "restricted.reveal" => {
            "Revealed the restricted details (safe contact, where the victim lives, schools)"
        }
        "restricted.update" => "Changed where the victim lives (address, refuge, GP)",
        "data_protection.find_case" => "Looked up this case's access log (data protection)",
        "case.access_log" => "Read this access log",
        "case.work.view" => "Opened a casework form",
        "case.measures.record" => "Recorded outcome measures",
        "case.safety_plan.view" => "Read the safety plan",
        "case.safety_plan.save" => "Saved a new version of the safety plan",
        "case.safety_plan.print" => "Printed the safety plan",
        "case.contact.record" => "Recorded a contact",
        "case.person.add" => "Added a child or linked person",
        "case.intervention.add" => "Added an intervention",
        "case.intervention.update" => "Updated an intervention",
        "case.allocate.view" => "Opened the allocation page",
        "case.allocate" => "Allocated the case",
        "case.close" => "Closed the case",
        "case.repeat" => "Opened a repeat case from this one",
        "case.repeat.open" => "Opened as a repeat case",
        _ => "Other action",
    }
}

pub async fn show(
    State(state): State<SharedState>,
    session: Session,
    request_id: RequestId,
    Path(case_id): Path<String>,
) -> Result<Response, AppError> {
    let case_id = parse_id(&case_id)?;
    let tx = state.store.begin().await?;
    // The log names the case only by its reference: a data protection officer reads it
    // without the case.
    let found = tx
        .case_access_log(&session.0.user, case_id, Some(request_id.0.clone()))
        .await;
    let (reference, log) = tx.settle(found).await?;
    let actor = session.0.user.actor();
    let back = if actor.role == waymark_domain::role::Role::DataProtection {
        ("/data-protection", "Back to data protection")
    } else {
        ("", "")
    };
    let rows: Vec<_> = log
        .iter()
        .map(|e| {
            context! {
                at => crate::uk_time::format(e.at),
                who => e.user_name.clone().unwrap_or_else(|| "Unknown".to_owned()),
                agency => e.agency_name,
                role => e.role.as_deref().and_then(waymark_domain::role::Role::parse).map(|r| r.label()),
                action => describe(&e.action),
                refused => e.outcome != "allowed",
            }
        })
        .collect();
    render(
        &state,
        Some(&session),
        "access_log.html",
        context! {
            title => "Who has seen this case",
            case => context! { id => case_id.to_string(), reference => reference },
            rows => rows,
            back_href => back.0,
            back_label => back.1,
        },
    )
}
