//! Outbound service authentication (`integration.md` 8.1): the static bearer token of an
//! upstream. The token never reaches logs, `Debug` output, errors or status snapshots.

use std::fmt;

/// A secret bearer token.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceToken(String);

impl ServiceToken {
    /// `None` for an empty value (an unset token means no `Authorization` header).
    pub fn new(token: impl Into<String>) -> Option<Self> {
        let token = token.into();
        let token = token.trim();
        (!token.is_empty()).then(|| ServiceToken(token.to_owned()))
    }

    /// The `Authorization` header value.
    pub fn header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// The secret itself (only to sign with it).
    pub fn secret(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for ServiceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServiceToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted_and_blank_means_none() {
        let t = ServiceToken::new(" s3cret ").expect("token");
        assert_eq!(t.header_value(), "Bearer s3cret");
        assert!(!format!("{t:?}").contains("s3cret"));
        assert_eq!(ServiceToken::new("  "), None);
    }
}

/// Mints the service JWT of `integration.md` 8.1 for upstreams without a static token:
/// HS256 with the shared service secret, `iss` = `sub` = `learning-analytics`, `aud` = the
/// upstream slug, `scope` = `read`, 300 s life, a fresh `jti`; cached and re-minted when
/// under 60 s remain.
pub struct Minter {
    key: jsonwebtoken::EncodingKey,
    audience: &'static str,
    cached: std::sync::Mutex<Option<(String, i64)>>,
}

/// The service secret is shorter than 32 bytes (8.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the service secret must be at least {MIN_SECRET_BYTES} bytes")]
pub struct WeakSecret;

pub const MIN_SECRET_BYTES: usize = 32;
pub const TOKEN_LIFETIME_S: i64 = 300;
pub const REMINT_BELOW_S: i64 = 60;
const ISSUER: &str = "learning-analytics";

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    scope: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

impl Minter {
    pub fn new(secret: &[u8], audience: &'static str) -> Result<Self, WeakSecret> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(WeakSecret);
        }
        Ok(Minter {
            key: jsonwebtoken::EncodingKey::from_secret(secret),
            audience,
            cached: std::sync::Mutex::new(None),
        })
    }

    /// The `Authorization` header value at `now` (Unix seconds); `None` if signing failed.
    pub fn header_value(&self, now: i64) -> Option<String> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, exp)) = cached.as_ref()
            && exp - now >= REMINT_BELOW_S
        {
            return Some(format!("Bearer {token}"));
        }
        let claims = Claims {
            iss: ISSUER,
            sub: ISSUER,
            aud: self.audience,
            scope: "read",
            iat: now,
            exp: now + TOKEN_LIFETIME_S,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let token = jsonwebtoken::encode(&header, &claims, &self.key).ok()?;
        *cached = Some((token.clone(), claims.exp));
        Some(format!("Bearer {token}"))
    }
}

impl fmt::Debug for Minter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Minter(aud = {}, secret = ***)", self.audience)
    }
}

#[cfg(test)]
mod minter_tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn claims(header: &str) -> serde_json::Value {
        let token = header.strip_prefix("Bearer ").expect("bearer");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_audience(&["devlab"]);
        validation.validate_exp = false;
        jsonwebtoken::decode::<serde_json::Value>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(SECRET),
            &validation,
        )
        .expect("valid token")
        .claims
    }

    #[test]
    fn minted_tokens_carry_the_claims_and_are_reused_until_a_minute_remains() {
        assert!(Minter::new(b"short", "devlab").is_err());
        let m = Minter::new(SECRET, "devlab").expect("minter");
        let first = m.header_value(1_000).expect("token");
        let c = claims(&first);
        assert_eq!(c["iss"], "learning-analytics");
        assert_eq!(c["aud"], "devlab");
        assert_eq!(c["scope"], "read");
        assert_eq!(c["exp"], 1_300);
        assert_eq!(m.header_value(1_240).as_deref(), Some(first.as_str()));
        let renewed = m.header_value(1_241).expect("token");
        assert_ne!(renewed, first);
        assert!(!format!("{m:?}").contains("0123"));
    }
}
