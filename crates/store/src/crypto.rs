//! Encryption of sensitive fields at rest. Names, dates of birth, safe contact details
//! and free text are sealed with XChaCha20-Poly1305 before they reach the database; the
//! record id and field name are the associated data, so ciphertext cannot be moved to
//! another record or field. Keys live outside the database (a key file or an environment
//! variable); each ciphertext names its key, so keys can be rotated.
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::StoreError;

/// The prefix of every sealed value: format version and key id follow.
const PREFIX: &str = "wm1:";

/// One data key and its id.
#[derive(Clone)]
pub struct DataKey {
    id: String,
    cipher: XChaCha20Poly1305,
    bytes: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({}, redacted)", self.id)
    }
}

impl DataKey {
    pub fn new(id: &str, bytes: [u8; 32]) -> Result<DataKey, StoreError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(StoreError::Invalid(
                "a key id is letters, digits and dashes".into(),
            ));
        }
        Ok(DataKey {
            id: id.to_owned(),
            cipher: XChaCha20Poly1305::new(&Key::from(bytes)),
            bytes,
        })
    }

    /// A new random key, with an id from the current time.
    pub fn generate() -> Result<DataKey, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        // The time orders keys for people reading the file; the random part keeps two
        // keys made in the same second apart.
        let mut tag = [0u8; 3];
        rand::rngs::OsRng.fill_bytes(&mut tag);
        let id = format!(
            "k{}-{}",
            time::OffsetDateTime::now_utc().unix_timestamp(),
            hex::encode(tag)
        );
        DataKey::new(&id, bytes)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key file line for this key: `id:base64`.
    pub fn to_line(&self) -> String {
        format!("{}:{}", self.id, B64.encode(self.bytes))
    }

    fn parse_line(line: &str) -> Result<DataKey, StoreError> {
        let (id, b64) = line
            .split_once(':')
            .ok_or_else(|| StoreError::Invalid("a key line is `id:base64-key`".into()))?;
        let raw = B64
            .decode(b64.trim())
            .map_err(|_| StoreError::Invalid(format!("key {id}: not base64")))?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|_| StoreError::Invalid(format!("key {id}: must be 32 bytes")))?;
        DataKey::new(id.trim(), bytes)
    }
}

/// The keys a store can use: the first seals new values, all of them open old ones.
#[derive(Clone, Debug)]
pub struct Keyring {
    active: DataKey,
    older: Vec<DataKey>,
}

impl Keyring {
    pub fn new(active: DataKey, older: Vec<DataKey>) -> Keyring {
        Keyring { active, older }
    }

    fn keys(&self) -> impl Iterator<Item = &DataKey> {
        std::iter::once(&self.active).chain(&self.older)
    }

    /// Parses key file text: one `id:base64` per line, the first the active key;
    /// blank lines and `#` comments are ignored.
    pub fn parse(text: &str) -> Result<Keyring, StoreError> {
        let mut keys = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(DataKey::parse_line)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let active = keys
            .next()
            .ok_or_else(|| StoreError::Invalid("the key file holds no key".into()))?;
        Ok(Keyring {
            active,
            older: keys.collect(),
        })
    }

    /// Reads a key file, refusing one that other users could read.
    pub fn load_file(path: &Path) -> Result<Keyring, StoreError> {
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            StoreError::Invalid(format!("cannot read the key file {}: {e}", path.display()))
        })?;
        Keyring::parse(&text)
    }

    /// Writes the keyring to a new or existing file readable by its owner only.
    pub fn save_file(&self, path: &Path) -> Result<(), StoreError> {
        let mut text = String::from(
            "# Waymark data keys: the first line encrypts new data. Keep this file secret and backed up apart from the database.\n",
        );
        for k in self.keys() {
            text.push_str(&k.to_line());
            text.push('\n');
        }
        write_private(path, &text)
    }

    pub fn active(&self) -> &DataKey {
        &self.active
    }

    /// The keyring after rotation: a new active key, every current key kept for reading.
    pub fn rotated(&self, new: DataKey) -> Keyring {
        Keyring {
            older: self.keys().filter(|k| k.id != new.id).cloned().collect(),
            active: new,
        }
    }

    pub fn key_ids(&self) -> Vec<&str> {
        self.keys().map(|k| k.id.as_str()).collect()
    }

    /// Seals a value for one field of one record.
    pub fn seal(&self, context: &str, plain: &str) -> Result<String, StoreError> {
        let key = self.active();
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = key
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Corrupt("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}:{}", key.id, B64.encode(out)))
    }

    /// Opens a sealed value. A value without the prefix is legacy plain text (written
    /// before encryption existed) and is returned as it is; `is_sealed` finds such values
    /// so they can be sealed.
    pub fn open(&self, context: &str, stored: &str) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (key_id, b64) = rest
            .split_once(':')
            .ok_or_else(|| StoreError::Corrupt("sealed value without a key id".into()))?;
        let key = self.keys().find(|k| k.id == key_id).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "data sealed with key {key_id}, which is not in the key file"
            ))
        })?;
        let raw = B64
            .decode(b64)
            .map_err(|_| StoreError::Corrupt("sealed value is not base64".into()))?;
        if raw.len() < 24 {
            return Err(StoreError::Corrupt("sealed value too short".into()));
        }
        let (nonce, sealed) = raw.split_at(24);
        let nonce: [u8; 24] = nonce
            .try_into()
            .map_err(|_| StoreError::Corrupt("sealed value too short".into()))?;
        let plain = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| {
                StoreError::Corrupt(format!("a sealed {context} value fails authentication"))
            })?;
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt("sealed value is not text".into()))
    }

    /// Whether a stored value is sealed with the active key.
    pub fn is_current(&self, stored: &str) -> bool {
        stored.starts_with(&format!("{PREFIX}{}:", self.active().id))
    }
}

/// Refuses a key file that anyone but its owner can read or write.
pub fn check_private(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| {
            StoreError::Invalid(format!("cannot read the key file {}: {e}", path.display()))
        })?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(StoreError::Invalid(format!(
                "the key file {} can be read by other users (mode {:o}); run: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> Result<(), StoreError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        StoreError::Invalid(format!("cannot write the key file {}: {e}", path.display()))
    })?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| {
            StoreError::Invalid(format!("cannot write the key file {}: {e}", path.display()))
        })?;
    check_private(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring::new(DataKey::new("k1", [7; 32]).unwrap(), vec![])
    }

    #[test]
    fn sealed_values_open_only_in_their_own_place() {
        let r = ring();
        let sealed = r.seal("people.given_name:abc", "Zelda").unwrap();
        assert!(sealed.starts_with("wm1:k1:"));
        assert!(!sealed.contains("Zelda"));
        assert_eq!(r.open("people.given_name:abc", &sealed).unwrap(), "Zelda");
        // Moved to another record or field: refused.
        assert!(r.open("people.given_name:xyz", &sealed).is_err());
        assert!(r.open("people.family_name:abc", &sealed).is_err());
        // Two seals of the same value differ (random nonce).
        assert_ne!(sealed, r.seal("people.given_name:abc", "Zelda").unwrap());
    }

    #[test]
    fn a_flipped_byte_is_detected() {
        let r = ring();
        let sealed = r.seal("c", "text").unwrap();
        let mut raw = B64.decode(sealed.trim_start_matches("wm1:k1:")).unwrap();
        raw[30] ^= 1;
        assert!(r.open("c", &format!("wm1:k1:{}", B64.encode(raw))).is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old = ring();
        let sealed = old.seal("c", "text").unwrap();
        let new = Keyring::new(
            DataKey::new("k2", [9; 32]).unwrap(),
            vec![old.active().clone()],
        );
        assert_eq!(new.open("c", &sealed).unwrap(), "text");
        assert!(!new.is_current(&sealed));
        assert!(new.is_current(&new.seal("c", "text").unwrap()));
        // Without the old key, old values cannot be read.
        let only_new = Keyring::new(DataKey::new("k2", [9; 32]).unwrap(), vec![]);
        assert!(only_new.open("c", &sealed).is_err());
    }

    #[test]
    fn key_files_parse_and_must_be_private() {
        let dir = std::env::temp_dir().join(format!("wm-key-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys");
        let r = Keyring::new(
            DataKey::generate().unwrap(),
            vec![DataKey::new("old", [1; 32]).unwrap()],
        );
        r.save_file(&path).unwrap();
        let loaded = Keyring::load_file(&path).unwrap();
        assert_eq!(loaded.key_ids(), r.key_ids());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = Keyring::load_file(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        assert!(Keyring::parse("# nothing\n").is_err());
        assert!(Keyring::parse("k1:notbase64!").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
