//! User accounts. Emails are stored lower-cased; passwords only as Argon2id hashes.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;
use waymark_domain::access::Actor;
use waymark_domain::casework::Fte;
use waymark_domain::role::Role;

use crate::entity::{agency, recovery_code, user};
use crate::{StoreError, Tx, passwords};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub agency_id: Uuid,
    pub role: Role,
    pub active: bool,
    /// Set for accounts created with an initial password; cleared by changing it.
    pub must_change_password: bool,
    /// Whether the account has a confirmed authenticator.
    pub mfa_enrolled: bool,
    /// A seeded demo account, which need not use a second factor in demo mode only.
    pub mfa_exempt_demo: bool,
    /// Working time, for caseload projections.
    pub fte: Fte,
    /// The user's team within their agency, if any.
    pub team_id: Option<Uuid>,
    /// Whether the user's agency limits its caseworkers to their own team's cases (read
    /// with the user on every request, so a change applies at once).
    pub restricted_to_team: bool,
}

impl User {
    /// The user as the audit trail records them.
    pub fn audit_actor(&self) -> crate::audit::AuditActor {
        crate::audit::AuditActor {
            user_id: self.id,
            agency_id: self.agency_id,
            role: self.role,
        }
    }

    /// The user as the access policy sees them.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id.to_string(),
            agency_id: self.agency_id.to_string(),
            role: self.role,
            team_id: self.team_id.map(|t| t.to_string()),
            restricted_to_team: self.restricted_to_team,
        }
    }
}

fn user_from(m: user::Model, restricted_to_team: bool) -> Result<User, StoreError> {
    let role = Role::parse(&m.role).ok_or_else(|| StoreError::Corrupt("unknown role".into()))?;
    Ok(User {
        id: m.id,
        email: m.email,
        display_name: m.display_name,
        agency_id: m.agency_id,
        role,
        active: m.active,
        must_change_password: m.must_change_password,
        mfa_enrolled: m.mfa_enrolled_at.is_some(),
        mfa_exempt_demo: m.mfa_exempt_demo,
        fte: u32::try_from(m.fte_hundredths)
            .ok()
            .and_then(Fte::from_hundredths)
            .unwrap_or(Fte::FULL_TIME),
        team_id: m.team_id,
        restricted_to_team,
    })
}

/// Normalises an email address for storage and look-up.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A very small syntactic check: something@something.something, no spaces.
pub fn plausible_email(email: &str) -> bool {
    let e = email.trim();
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
        && e.len() <= 254
}

impl Tx {
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        agency_id: Uuid,
        role: Role,
        password: &str,
    ) -> Result<User, StoreError> {
        let email = normalise_email(email);
        if !plausible_email(&email) {
            return Err(StoreError::Invalid(
                "--email is not an email address".into(),
            ));
        }
        passwords::check_new_password(password).map_err(StoreError::Invalid)?;
        if self.agency(agency_id).await?.is_none() {
            return Err(StoreError::Invalid("no such agency".into()));
        }
        let exists = user::Entity::find()
            .filter(user::Column::Email.eq(email.clone()))
            .count(self.conn())
            .await?;
        if exists > 0 {
            return Err(StoreError::Invalid(format!(
                "a user with the email {email} already exists"
            )));
        }
        let m = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email),
            display_name: Set(display_name.trim().to_owned()),
            agency_id: Set(agency_id),
            role: Set(role.as_str().to_owned()),
            password_hash: Set(passwords::hash(password)?),
            active: Set(true),
            must_change_password: Set(false),
            totp_secret: Set(None),
            totp_last_step: Set(None),
            mfa_enrolled_at: Set(None),
            mfa_exempt_demo: Set(false),
            fte_hundredths: Set(100),
            team_id: Set(None),
            created_at: Set(crate::now()),
        }
        .insert(self.conn())
        .await?;
        self.with_agency_rules(m).await
    }

    /// A user row as a [`User`], with their agency's team restriction.
    async fn with_agency_rules(&self, m: user::Model) -> Result<User, StoreError> {
        let restricted = agency::Entity::find_by_id(m.agency_id)
            .one(self.conn())
            .await?
            .is_some_and(|a| a.restrict_to_teams);
        user_from(m, restricted)
    }

    /// User rows as [`User`]s, reading the agencies' team restriction once.
    async fn all_with_agency_rules(&self, rows: Vec<user::Model>) -> Result<Vec<User>, StoreError> {
        let restricting: std::collections::HashSet<Uuid> = agency::Entity::find()
            .filter(agency::Column::RestrictToTeams.eq(true))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        rows.into_iter()
            .map(|m| {
                let restricted = restricting.contains(&m.agency_id);
                user_from(m, restricted)
            })
            .collect()
    }

    /// Checks an email and password. Unknown accounts, disabled accounts and wrong
    /// passwords are indistinguishable to the caller and take similar time.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let email = normalise_email(email);
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(self.conn())
            .await?;
        let Some(m) = found else {
            passwords::dummy_verify(password);
            return Ok(None);
        };
        if !passwords::verify(password, &m.password_hash) || !m.active {
            return Ok(None);
        }
        // Hashes made with weaker parameters than today's are replaced while the password
        // is at hand.
        if passwords::needs_rehash(&m.password_hash) {
            let fresh = passwords::hash(password)?;
            let mut am: user::ActiveModel = m.clone().into();
            am.password_hash = Set(fresh);
            am.update(self.conn()).await?;
        }
        self.with_agency_rules(m).await.map(Some)
    }

    pub async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        match user::Entity::find_by_id(id).one(self.conn()).await? {
            Some(m) => self.with_agency_rules(m).await.map(Some),
            None => Ok(None),
        }
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = user::Entity::find()
            .order_by_asc(user::Column::Email)
            .all(self.conn())
            .await?;
        self.all_with_agency_rules(rows).await
    }

    /// Users who hold a role in an agency (for allocation lists).
    pub async fn agency_users(&self, agency_id: Uuid) -> Result<Vec<User>, StoreError> {
        let rows = user::Entity::find()
            .filter(user::Column::AgencyId.eq(agency_id))
            .order_by_asc(user::Column::DisplayName)
            .all(self.conn())
            .await?;
        self.all_with_agency_rules(rows).await
    }

    pub async fn user_count(&self) -> Result<u64, StoreError> {
        Ok(user::Entity::find().count(self.conn()).await?)
    }
}

/// Why a password change was refused; each maps to one form field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordChangeError {
    #[error("The current password is not correct")]
    WrongCurrent,
    #[error("{0}")]
    Unacceptable(String),
    #[error("The new password must be different from the current one")]
    Unchanged,
}

impl Tx {
    /// Marks an account as needing a new password at its next sign-in.
    pub async fn require_password_change(&self, user_id: Uuid) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(
                user::Column::MustChangePassword,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(user::Column::Id.eq(user_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Changes a user's own password after checking the current one, and ends every
    /// session the user has (the caller starts a fresh one).
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: &str,
        new: &str,
    ) -> Result<Result<(), PasswordChangeError>, StoreError> {
        let Some(m) = user::Entity::find_by_id(user_id).one(self.conn()).await? else {
            return Ok(Err(PasswordChangeError::WrongCurrent));
        };
        if !passwords::verify(current, &m.password_hash) {
            return Ok(Err(PasswordChangeError::WrongCurrent));
        }
        if let Err(msg) = passwords::check_new_password(new) {
            return Ok(Err(PasswordChangeError::Unacceptable(msg)));
        }
        if current == new {
            return Ok(Err(PasswordChangeError::Unchanged));
        }
        let mut am: user::ActiveModel = m.into();
        am.password_hash = Set(passwords::hash(new)?);
        am.must_change_password = Set(false);
        am.update(self.conn()).await?;
        self.end_all_sessions(user_id).await?;
        Ok(Ok(()))
    }
}

/// The outcome of checking a second-factor code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfaCheck {
    /// A fresh code from the authenticator.
    Totp,
    /// A recovery code, now used up; this many remain.
    RecoveryCode {
        remaining: u64,
    },
    Invalid,
}

impl Tx {
    /// Records a user's working time (full-time equivalent), for caseload projections.
    pub async fn set_fte(&self, user_id: Uuid, fte: Fte) -> Result<(), StoreError> {
        let found = user::Entity::find_by_id(user_id).one(self.conn()).await?;
        let Some(found) = found else {
            return Err(StoreError::Invalid("no such user".into()));
        };
        let mut m: user::ActiveModel = found.into();
        m.fte_hundredths = Set(i32::try_from(fte.hundredths()).unwrap_or(100));
        m.update(self.conn()).await?;
        Ok(())
    }

    /// Marks a seeded demo account as exempt from the second factor in demo mode.
    pub async fn set_mfa_exempt_demo(&self, user_id: Uuid) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(
                user::Column::MfaExemptDemo,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(user::Column::Id.eq(user_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// The secret to enrol with: the pending one if enrolment was started before (so a
    /// reloaded page shows the same QR code), otherwise a new one. None once enrolled.
    pub async fn mfa_enrolment_secret(&self, user_id: Uuid) -> Result<Option<String>, StoreError> {
        let Some(m) = user::Entity::find_by_id(user_id).one(self.conn()).await? else {
            return Ok(None);
        };
        if m.mfa_enrolled_at.is_some() {
            return Ok(None);
        }
        if let Some(secret) = m.totp_secret.as_deref() {
            return Ok(Some(self.open("users.totp_secret", m.id, secret)?));
        }
        let secret = crate::mfa::new_secret();
        let sealed = self.seal("users.totp_secret", m.id, &secret)?;
        let mut am: user::ActiveModel = m.into();
        am.totp_secret = Set(Some(sealed));
        am.update(self.conn()).await?;
        Ok(Some(secret))
    }

    /// Confirms enrolment with a code from the new authenticator. On success returns the
    /// recovery codes, in plain text for the only time; only their hashes are kept.
    pub async fn complete_mfa_enrolment(
        &self,
        user_id: Uuid,
        code: &str,
        now: time::OffsetDateTime,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let Some(m) = user::Entity::find_by_id(user_id).one(self.conn()).await? else {
            return Ok(None);
        };
        let (Some(secret), None) = (m.totp_secret.as_deref(), m.mfa_enrolled_at) else {
            return Ok(None);
        };
        let secret = self.open("users.totp_secret", m.id, secret)?;
        let Some(step) = crate::mfa::verify(&secret, code, now, m.totp_last_step) else {
            return Ok(None);
        };
        let mut am: user::ActiveModel = m.into();
        am.totp_last_step = Set(Some(step));
        am.mfa_enrolled_at = Set(Some(now));
        am.update(self.conn()).await?;
        let codes = crate::mfa::new_recovery_codes();
        for code in &codes {
            recovery_code::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user_id),
                code_hash: Set(crate::mfa::recovery_code_hash(code)),
                used_at: Set(None),
            }
            .insert(self.conn())
            .await?;
        }
        Ok(Some(codes))
    }

    /// Checks a code at sign-in: a TOTP code not used before, or an unused recovery code
    /// (which is then used up).
    pub async fn verify_mfa(
        &self,
        user_id: Uuid,
        code: &str,
        now: time::OffsetDateTime,
    ) -> Result<MfaCheck, StoreError> {
        let Some(m) = user::Entity::find_by_id(user_id).one(self.conn()).await? else {
            return Ok(MfaCheck::Invalid);
        };
        let (Some(secret), Some(_)) = (m.totp_secret.as_deref(), m.mfa_enrolled_at) else {
            return Ok(MfaCheck::Invalid);
        };
        let secret = self.open("users.totp_secret", m.id, secret)?;
        if let Some(step) = crate::mfa::verify(&secret, code, now, m.totp_last_step) {
            let mut am: user::ActiveModel = m.into();
            am.totp_last_step = Set(Some(step));
            am.update(self.conn()).await?;
            return Ok(MfaCheck::Totp);
        }
        let hash = crate::mfa::recovery_code_hash(code);
        let unused = recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .filter(recovery_code::Column::UsedAt.is_null())
            .all(self.conn())
            .await?;
        let Some(found) = unused
            .iter()
            .find(|r| crate::mfa::constant_time_eq(r.code_hash.as_bytes(), hash.as_bytes()))
        else {
            return Ok(MfaCheck::Invalid);
        };
        let mut am: recovery_code::ActiveModel = found.clone().into();
        am.used_at = Set(Some(now));
        am.update(self.conn()).await?;
        Ok(MfaCheck::RecoveryCode {
            remaining: (unused.len() as u64).saturating_sub(1),
        })
    }
}

impl Tx {
    /// Finds a user by email address (for administration commands).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        match user::Entity::find()
            .filter(user::Column::Email.eq(normalise_email(email)))
            .one(self.conn())
            .await?
        {
            Some(m) => self.with_agency_rules(m).await.map(Some),
            None => Ok(None),
        }
    }

    /// Disables an account and ends all its sessions at once.
    pub async fn disable_user(&self, user_id: Uuid) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::Active, sea_orm::sea_query::Expr::value(false))
            .filter(user::Column::Id.eq(user_id))
            .exec(self.conn())
            .await?;
        self.end_all_sessions(user_id).await?;
        Ok(())
    }

    /// Changes a user's role. Nothing about access is cached in sessions, so the change
    /// applies from the user's very next request.
    pub async fn set_role(&self, user_id: Uuid, role: Role) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(
                user::Column::Role,
                sea_orm::sea_query::Expr::value(role.as_str()),
            )
            .filter(user::Column::Id.eq(user_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}

impl Tx {
    /// Checks a signed-in user's password again (for step-up before sensitive actions).
    pub async fn check_password(&self, user_id: Uuid, password: &str) -> Result<bool, StoreError> {
        let Some(m) = user::Entity::find_by_id(user_id).one(self.conn()).await? else {
            return Ok(false);
        };
        Ok(m.active && passwords::verify(password, &m.password_hash))
    }
}
