//! Self-referrals: a survivor asks the service for support through the public form. The
//! case waits in the receiving agency's triage queue, like any referral not yet allocated.
//!
//! Nobody is signed in, so the audit row has no actor; the form is throttled per network
//! address (by the web layer, with [`Tx::recent_self_referrals`]) so that anonymous
//! traffic cannot flood the queue or the audit trail.
use sea_orm::{ActiveModelTrait, Set};
use time::OffsetDateTime;
use uuid::Uuid;
use waymark_domain::casework::CaseStatus;
use waymark_domain::referral::{Consent, PersonDetails, ReferralRoute};
use waymark_domain::self_referral::{SafeContact, SelfReferral};

use crate::audit::{AuditEvent, Outcome};
use crate::cases::CaseError;
use crate::entity::{case, referral};
use crate::{StoreError, Tx};

/// The `created_by` of a self-referral's referral row: no staff member created it. The
/// column has no foreign key, and nothing reads it as a user.
pub const NO_STAFF_CREATOR: Uuid = Uuid::nil();

impl Tx {
    /// Opens a case from a self-referral, waiting for allocation at `agency_id`, with its
    /// audit row (`referral.self`, no actor): all or nothing.
    pub async fn create_self_referral(
        &self,
        agency_id: Uuid,
        marac_id: Uuid,
        new: &SelfReferral,
        request_id: Option<String>,
    ) -> Result<Uuid, CaseError> {
        if self.agency(agency_id).await?.is_none() || self.marac(marac_id).await?.is_none() {
            // A configuration fault (the start-up check looks both up by name).
            return Err(StoreError::Invalid("self-referral agency or Marac".into()).into());
        }
        let now = crate::now();
        let case_id = Uuid::now_v7();
        let reference = self.next_case_reference(now.year()).await?;
        case::ActiveModel {
            id: Set(case_id),
            reference: Set(reference),
            owning_agency_id: Set(agency_id),
            marac_id: Set(marac_id),
            caseworker_id: Set(None),
            team_id: Set(None),
            status: Set(CaseStatus::AwaitingAllocation.as_str().to_owned()),
            latest_risk_level: Set(None),
            latest_yes_count: Set(None),
            latest_assessed_on: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            legal_hold_reason: Set(None),
            referred_on: Set(Some(new.referred_on)),
            allocated_at: Set(None),
            first_contact_on: Set(None),
            closed_on: Set(None),
            closure_reason: Set(None),
            closure_detail: Set(None),
            exit_not_taken_reason: Set(None),
            closure_risk_reason: Set(None),
            closure_agreed_by: Set(None),
            previous_case_id: Set(None),
            current_address: Set(None),
            current_postcode: Set(None),
            refuge: Set(None),
            gp_practice: Set(None),
        }
        .insert(self.conn())
        .await?;
        // The victim only. No perpetrator is recorded (the case page says "Not given"),
        // and a survivor need not give a last name.
        let victim_id = self
            .insert_person(&PersonDetails {
                given_name: new.given_name.clone(),
                family_name: new.family_name.clone().unwrap_or_default(),
                date_of_birth: None,
                gender: None,
            })
            .await?;
        self.link_person(case_id, victim_id, "victim", None, None, 0)
            .await?;
        let (safe_phone, safe_times, voicemail_safe) = match &new.contact {
            SafeContact::Phone {
                number,
                times,
                voicemail_safe,
            } => (Some(number.as_str()), times.as_deref(), *voicemail_safe),
            SafeContact::NoSafeNumber => (None, None, false),
        };
        let referral_id = Uuid::now_v7();
        referral::ActiveModel {
            id: Set(referral_id),
            case_id: Set(case_id),
            referring_agency_id: Set(agency_id),
            route: Set(ReferralRoute::SelfReferral.as_str().to_owned()),
            referred_on: Set(new.referred_on),
            consent: Set(Consent::Given.as_str().to_owned()),
            consent_reason: Set(None),
            victim_aware: Set(true),
            reason: Set(self.seal_opt(
                "referrals.reason",
                referral_id,
                new.whats_happening.as_deref(),
            )?),
            safe_phone: Set(self.seal_opt("referrals.safe_phone", referral_id, safe_phone)?),
            safe_times: Set(self.seal_opt("referrals.safe_times", referral_id, safe_times)?),
            voicemail_safe: Set(voicemail_safe),
            post_safe: Set(false),
            immediate_danger: Set(new.immediate_danger),
            created_by: Set(NO_STAFF_CREATOR),
            created_at: Set(now),
        }
        .insert(self.conn())
        .await?;
        self.audit(AuditEvent {
            actor: None,
            action: "referral.self",
            object_type: "case",
            object_id: Some(case_id.to_string()),
            outcome: Outcome::Allowed,
            request_id,
        })
        .await?;
        Ok(case_id)
    }

    /// Self-referrals sent from the address behind `key` (see
    /// [`crate::throttle::self_referral_key`]) after `since`.
    pub async fn recent_self_referrals(
        &self,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        Ok(self.sign_in_failures(key, since).await?.count)
    }

    /// Counts one self-referral against the address behind `key`. The count shares the
    /// sign-in throttle's table (hashed keys, pruned after a day) under its own prefix.
    pub async fn record_self_referral(
        &self,
        key: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.record_sign_in_failure(&[key.to_owned()], at).await
    }
}
