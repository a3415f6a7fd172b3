//! Time-based one-time passwords (TOTP, RFC 6238: HMAC-SHA1, 30-second steps, six
//! digits) and single-use recovery codes, stored hashed.
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The length of one TOTP time step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// How many recovery codes an account is given at enrolment.
pub const RECOVERY_CODES: usize = 10;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let index = ((buffer >> bits) & 31) as usize;
            out.push(char::from(BASE32.get(index).copied().unwrap_or(b'A')));
        }
    }
    if bits > 0 {
        let index = ((buffer << (5 - bits)) & 31) as usize;
        out.push(char::from(BASE32.get(index).copied().unwrap_or(b'A')));
    }
    out
}

/// Decodes base32 (case-insensitive, spaces ignored); None if it is not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == c)?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// A new random 160-bit secret, base32-encoded.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

/// The time step a moment falls in.
pub fn step_at(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// The six-digit code for one time step.
pub fn code_for_step(secret: &[u8], step: i64) -> Option<String> {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last().copied()? & 0x0f);
    let slice = digest.get(offset..offset + 4)?;
    let value = u32::from_be_bytes([slice[0] & 0x7f, slice[1], slice[2], slice[3]]);
    Some(format!("{:06}", value % 1_000_000))
}

/// The code shown by an authenticator at `at` (used by tests and the enrolment check).
pub fn code_at(secret_base32: &str, at: OffsetDateTime) -> Option<String> {
    code_for_step(&base32_decode(secret_base32)?, step_at(at))
}

/// Checks a submitted code against the steps either side of now (clock drift), refusing
/// any step at or before `last_used_step`, so that a code cannot be replayed. Returns
/// the step that matched.
pub fn verify(
    secret_base32: &str,
    submitted: &str,
    at: OffsetDateTime,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let submitted: String = submitted.chars().filter(|c| !c.is_whitespace()).collect();
    if submitted.len() != 6 || !submitted.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secret = base32_decode(secret_base32)?;
    let now = step_at(at);
    (now - 1..=now + 1)
        .filter(|step| last_used_step.is_none_or(|last| *step > last))
        .find(|step| {
            code_for_step(&secret, *step)
                .is_some_and(|c| constant_time_eq(c.as_bytes(), submitted.as_bytes()))
        })
}

/// The `otpauth://` address authenticator apps read from a QR code. The label names the
/// service and the account's email (it stays on the user's own device).
pub fn otpauth_uri(secret_base32: &str, account: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/Waymark:{}?secret={secret_base32}&issuer=Waymark&algorithm=SHA1&digits=6&period=30",
        enc(account)
    )
}

/// Compares two byte strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// New recovery codes, as shown once to the user: ten groups like `k7qm-2xpa-9dfe`.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 12];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: Vec<char> = bytes
                .iter()
                .map(|b| {
                    char::from(
                        ALPHABET
                            .get(usize::from(*b) % ALPHABET.len())
                            .copied()
                            .unwrap_or(b'a'),
                    )
                })
                .collect();
            chars
                .chunks(4)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// How a recovery code is stored: SHA-256 of its normalised form (the codes are random
/// and long, so a fast hash is enough; nothing about them is guessable).
pub fn recovery_code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", truncated to 6 digits.
        let secret = b"12345678901234567890";
        for (t, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_for_step(secret, t / 30).unwrap(), expected, "T = {t}");
        }
    }

    #[test]
    fn base32_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(base32_decode(&base32(&bytes)).unwrap(), bytes);
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn codes_verify_within_one_step_and_never_twice() {
        let secret = new_secret();
        let now = OffsetDateTime::now_utc();
        let code = code_at(&secret, now).unwrap();
        let step = verify(&secret, &code, now, None).unwrap();
        assert_eq!(step, step_at(now));
        // The same code again is a replay.
        assert!(verify(&secret, &code, now, Some(step)).is_none());
        // Thirty seconds of drift either way is tolerated; ninety is not.
        assert!(verify(&secret, &code, now + time::Duration::seconds(30), None).is_some());
        assert!(verify(&secret, &code, now + time::Duration::seconds(90), None).is_none());
        assert!(verify(&secret, "12345", now, None).is_none());
        assert!(verify(&secret, "abcdef", now, None).is_none());
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_without_formatting() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert_eq!(
            recovery_code_hash(c),
            recovery_code_hash(&c.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_code_hash(c), recovery_code_hash(&codes[1]));
    }
}
