//! Ingest keys (spec README decision 2): upstream systems push data with
//! `Authorization: Bearer <key>`. The service is configured with the keys' SHA-256 hashes,
//! never the keys, so a leaked configuration grants nothing; a presented key is hashed and
//! compared with every configured hash in constant time.
//!
//! A key is random and long (the `ingest-key` command makes 256-bit ones), so a plain SHA-256
//! is the right tool: a slow password hash guards guessable secrets and would only cost
//! throughput here.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Shortest accepted key, so that a key can never be guessed.
pub const MIN_KEY_LENGTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestKeyError {
    #[error("ingest key entry `{0}` is not `name:sha256-hex`")]
    Malformed(String),
    #[error("ingest key name `{0}` must be 1-64 characters of [A-Za-z0-9._-]")]
    BadName(String),
    #[error("ingest key `{0}` is configured twice")]
    Duplicate(String),
}

/// One configured key: a name for the logs (which upstream pushed) and the key's hash.
#[derive(Clone)]
struct IngestKey {
    name: String,
    hash: [u8; 32],
}

/// The configured ingest keys; empty means only platform admins may push.
#[derive(Clone, Default)]
pub struct IngestKeys {
    keys: Vec<IngestKey>,
}

impl std::fmt::Debug for IngestKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.keys.iter().map(|k| k.name.as_str()).collect();
        f.debug_struct("IngestKeys").field("names", &names).finish()
    }
}

impl IngestKeys {
    /// Parses `name:sha256hex` entries, e.g. from `LA_INGEST_KEYS=devlab:9f86…,assessment:…`.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, IngestKeyError> {
        let mut keys: Vec<IngestKey> = Vec::new();
        for entry in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            let (name, hash_hex) = entry
                .split_once(':')
                .ok_or_else(|| IngestKeyError::Malformed(redact(entry)))?;
            let name = name.trim();
            let name_ok = (1..=64).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !name_ok {
                return Err(IngestKeyError::BadName(name.to_owned()));
            }
            let mut hash = [0u8; 32];
            hex::decode_to_slice(hash_hex.trim(), &mut hash)
                .map_err(|_| IngestKeyError::Malformed(redact(entry)))?;
            if keys.iter().any(|k| k.name == name) {
                return Err(IngestKeyError::Duplicate(name.to_owned()));
            }
            keys.push(IngestKey {
                name: name.to_owned(),
                hash,
            });
        }
        Ok(IngestKeys { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The name of the key `presented` is, if any. Every configured hash is compared, each in
    /// constant time, so timing reveals neither which key nor how much of one matched.
    pub fn verify(&self, presented: &str) -> Option<&str> {
        if self.keys.is_empty() || presented.len() < MIN_KEY_LENGTH {
            return None;
        }
        let hash = hash_key(presented);
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.hash.ct_eq(&hash)) {
                found = Some(key.name.as_str());
            }
        }
        found
    }
}

/// The SHA-256 of a key, as configured (lowercase hex).
pub fn key_hash_hex(key: &str) -> String {
    hex::encode(hash_key(key))
}

/// A new random key (256 bits, URL-safe base64, 43 characters).
pub fn generate_key() -> String {
    use base64::Engine;
    use rand::TryRngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// An entry for an error message without its hash part.
fn redact(entry: &str) -> String {
    entry.split(':').next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "k3y-for-tests-k3y-for-tests-k3y-for-tests";

    #[test]
    fn a_configured_key_is_recognised_by_its_hash() {
        let keys = IngestKeys::parse([format!("devlab:{}", key_hash_hex(KEY)).as_str()]).unwrap();
        assert_eq!(keys.verify(KEY), Some("devlab"));
        assert_eq!(keys.verify(&format!("{KEY}x")), None);
        assert_eq!(keys.verify(""), None);
    }

    #[test]
    fn the_right_name_is_found_among_several_keys() {
        let other = "another-key-another-key-another-key-00";
        let entries = format!(
            "a:{}, b:{}",
            key_hash_hex(other),
            key_hash_hex(KEY).to_uppercase()
        );
        let keys = IngestKeys::parse(entries.split(',')).unwrap();
        assert_eq!(keys.verify(KEY), Some("b"));
        assert_eq!(keys.verify(other), Some("a"));
    }

    #[test]
    fn short_keys_never_match_even_if_configured() {
        let short = "short";
        let keys = IngestKeys::parse([format!("x:{}", key_hash_hex(short)).as_str()]).unwrap();
        assert_eq!(keys.verify(short), None);
    }

    #[test]
    fn bad_entries_are_refused_without_echoing_the_hash() {
        assert_eq!(
            IngestKeys::parse(["nocolon"]).unwrap_err(),
            IngestKeyError::Malformed("nocolon".into())
        );
        assert_eq!(
            IngestKeys::parse(["a:zz"]).unwrap_err(),
            IngestKeyError::Malformed("a".into())
        );
        assert!(matches!(
            IngestKeys::parse([format!("bad name:{}", key_hash_hex(KEY)).as_str()]),
            Err(IngestKeyError::BadName(_))
        ));
        let entry = format!("a:{}", key_hash_hex(KEY));
        assert_eq!(
            IngestKeys::parse([entry.as_str(), entry.as_str()]).unwrap_err(),
            IngestKeyError::Duplicate("a".into())
        );
        assert!(IngestKeys::parse(["", " "]).unwrap().is_empty());
    }

    #[test]
    fn generated_keys_are_long_and_distinct() {
        let (a, b) = (generate_key(), generate_key());
        assert_ne!(a, b);
        assert!(a.len() >= MIN_KEY_LENGTH);
        let keys = IngestKeys::parse([format!("g:{}", key_hash_hex(&a)).as_str()]).unwrap();
        assert_eq!(keys.verify(&a), Some("g"));
    }
}
