//! Server-side sessions. The browser holds a 256-bit random token; the database holds
//! only its SHA-256, so a copy of the database cannot be used to sign in.
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::entity::session;
use crate::users::User;
use crate::{StoreError, Tx};

/// How long a session lasts without use, and at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
        }
    }
}

/// A live session and its user.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub id: Uuid,
    pub user: User,
    pub csrf_token: String,
    /// Whether this session has passed the second factor.
    pub mfa_verified: bool,
    /// When the user last proved who they are in this session.
    pub authenticated_at: Option<OffsetDateTime>,
}

/// A new random token, URL-safe hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Tx {
    /// Starts a new session for a user; returns the token to put in the cookie.
    pub async fn start_session(
        &self,
        user_id: Uuid,
        policy: SessionPolicy,
        now: OffsetDateTime,
        mfa_verified: bool,
    ) -> Result<String, StoreError> {
        let token = random_token();
        session::ActiveModel {
            id: Set(Uuid::now_v7()),
            token_hash: Set(token_hash(&token)),
            user_id: Set(user_id),
            csrf_token: Set(random_token()),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(now + policy.absolute_timeout),
            mfa_verified: Set(mfa_verified),
            authenticated_at: Set(Some(now)),
        }
        .insert(self.conn())
        .await?;
        Ok(token)
    }

    /// Finds the live session for a token and marks it used. An expired, idle or
    /// unknown session, or one whose user has been disabled, is deleted and gives None.
    pub async fn resume_session(
        &self,
        token: &str,
        policy: SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Option<ActiveSession>, StoreError> {
        let found = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash(token)))
            .one(self.conn())
            .await?;
        let Some(s) = found else { return Ok(None) };
        let user = self.user(s.user_id).await?;
        let live = now < s.expires_at && now < s.last_seen_at + policy.idle_timeout;
        match user {
            Some(user) if live && user.active => {
                let id = s.id;
                let csrf_token = s.csrf_token.clone();
                let mfa_verified = s.mfa_verified;
                let authenticated_at = s.authenticated_at;
                let mut am: session::ActiveModel = s.into();
                am.last_seen_at = Set(now);
                am.update(self.conn()).await?;
                Ok(Some(ActiveSession {
                    id,
                    user,
                    csrf_token,
                    mfa_verified,
                    authenticated_at,
                }))
            }
            _ => {
                session::Entity::delete_by_id(s.id)
                    .exec(self.conn())
                    .await?;
                Ok(None)
            }
        }
    }

    pub async fn end_session(&self, id: Uuid) -> Result<(), StoreError> {
        session::Entity::delete_by_id(id).exec(self.conn()).await?;
        Ok(())
    }

    /// Ends every session of a user (disabling an account, changing a password).
    pub async fn end_all_sessions(&self, user_id: Uuid) -> Result<u64, StoreError> {
        let r = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected)
    }
}

impl Tx {
    /// Records that a session has passed the second factor.
    pub async fn mark_session_mfa_verified(&self, id: Uuid) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(
                session::Column::MfaVerified,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(session::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}

impl Tx {
    /// Records that the session's user has just proved who they are again.
    pub async fn confirm_identity(&self, id: Uuid, now: OffsetDateTime) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(
                session::Column::AuthenticatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(session::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}
