//! The record of failed sign-ins that throttling decides from. Keys are hashes, so the
//! table holds neither the email addresses people typed nor their network addresses.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;
use waymark_domain::throttle::Failures;

use crate::entity::sign_in_failure;
use crate::{StoreError, Tx};

fn key(kind: &str, value: &str) -> String {
    format!("{kind}:{}", hex::encode(Sha256::digest(value.as_bytes())))
}

/// The throttling key of an account, from the email address as typed.
pub fn account_key(email: &str) -> String {
    key("account", &crate::users::normalise_email(email))
}

/// The throttling key of a network address.
pub fn address_key(address: &str) -> String {
    key("address", address)
}

/// The key that counts a network address's self-referrals (a namespace of its own, so the
/// public form and sign-in never share a count).
pub fn self_referral_key(address: &str) -> String {
    key("self-referral", address)
}

impl Tx {
    /// Failures recorded against `key` after `since`.
    pub async fn sign_in_failures(
        &self,
        key: &str,
        since: OffsetDateTime,
    ) -> Result<Failures, StoreError> {
        let recent = sign_in_failure::Entity::find()
            .filter(sign_in_failure::Column::Key.eq(key))
            .filter(sign_in_failure::Column::FailedAt.gt(since));
        let count = recent.clone().count(self.conn()).await?;
        let latest = recent
            .order_by_desc(sign_in_failure::Column::FailedAt)
            .one(self.conn())
            .await?
            .map(|f| f.failed_at);
        Ok(Failures {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            latest,
        })
    }

    /// Records one failure against each key, and prunes failures older than a day.
    pub async fn record_sign_in_failure(
        &self,
        keys: &[String],
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        for k in keys {
            sign_in_failure::ActiveModel {
                id: Set(Uuid::now_v7()),
                key: Set(k.clone()),
                failed_at: Set(at),
            }
            .insert(self.conn())
            .await?;
        }
        sign_in_failure::Entity::delete_many()
            .filter(sign_in_failure::Column::FailedAt.lt(at - time::Duration::days(1)))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Forgets an account's failures after it signs in successfully.
    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        sign_in_failure::Entity::delete_many()
            .filter(sign_in_failure::Column::Key.eq(key))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}
