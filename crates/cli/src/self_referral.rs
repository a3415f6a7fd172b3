//! Which service receives the public self-referral form (`serve --self-referral-agency`).
use waymark_store::Store;
use waymark_web::SelfReferralTarget;

use crate::UsageError;

/// The demo area's Idva service, which receives self-referrals under `--demo`.
const DEMO_AGENCY: &str = "Northmoor Domestic Abuse Service (demo)";
/// The demo area's own Marac (the demo also has a neighbouring one to transfer cases to).
const DEMO_MARAC: &str = "Northmoor Marac (demo)";

/// Looks the receiving agency and its Marac up by name: the Marac may be left out when
/// there is only one. Under `--demo` the demo Idva service receives them unless another
/// agency is named. `None`: the form is off.
pub async fn target(
    store: &Store,
    agency: Option<&str>,
    marac: Option<&str>,
    demo: bool,
) -> anyhow::Result<Option<SelfReferralTarget>> {
    let (name, named) = match (agency, demo) {
        (Some(name), _) => (name, true),
        (None, true) => (DEMO_AGENCY, false),
        (None, false) if marac.is_some() => {
            return Err(
                UsageError("--self-referral-marac needs --self-referral-agency".into()).into(),
            );
        }
        (None, false) => return Ok(None),
    };
    let tx = store.begin().await?;
    let found = tx.agency_by_name(name).await?;
    let maracs = tx.maracs().await?;
    tx.commit().await?;
    let Some(found) = found else {
        if !named {
            // A demo database seeded by hand or by an older version: run without the form.
            eprintln!("no agency named {DEMO_AGENCY:?}: the self-referral form is off");
            return Ok(None);
        }
        return Err(UsageError(format!("--self-referral-agency: no agency named {name:?}")).into());
    };
    let marac = match marac.or((!named).then_some(DEMO_MARAC)) {
        Some(m) => maracs
            .iter()
            .find(|x| x.name == m)
            .ok_or_else(|| UsageError(format!("--self-referral-marac: no Marac named {m:?}")))?,
        None => match maracs.as_slice() {
            [only] => only,
            [] => return Err(UsageError("self-referrals need a Marac: none exists".into()).into()),
            _ => {
                return Err(UsageError(
                    "there are several Maracs: name one with --self-referral-marac".into(),
                )
                .into());
            }
        },
    };
    println!(
        "self-referrals go to {:?} (Marac {:?}) at /self-referral",
        found.name, marac.name
    );
    Ok(Some(SelfReferralTarget {
        agency_id: found.id,
        marac_id: marac.id,
    }))
}
