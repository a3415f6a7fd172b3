//! Password hashing with Argon2id at or above the OWASP ASVS minimums
//! (m = 19 MiB, t = 2, p = 1).
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::StoreError;

/// The shortest and longest passwords accepted.
pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

fn hasher() -> Result<Argon2<'static>, StoreError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|_| StoreError::PasswordHash)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password against the length rule; no composition rules.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("Password must be at least {MIN_LEN} characters"));
    }
    if n > MAX_LEN {
        return Err(format!("Password must be {MAX_LEN} characters or fewer"));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| StoreError::PasswordHash)?
        .to_string())
}

/// Verifies a password against a stored hash. A malformed hash verifies as false.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(h) = hasher() else { return false };
    h.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// A hash of a throwaway password, verified against when an account does not exist so
/// that unknown and known accounts take similar time.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(Some(h)) = Some(DUMMY.get_or_init(|| hash("waymark-timing-equaliser").ok())) {
        let _ = verify(password, h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_wrong_password() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn length_rule() {
        assert!(check_new_password("short pass").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_new_password(&"x".repeat(129)).is_err());
        assert!(check_new_password(&"x".repeat(128)).is_ok());
    }
}
