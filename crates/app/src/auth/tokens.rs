//! Access tokens (`api.md` 3.1): HS256 JWTs with the claims `sub`, `email`, `roles`,
//! `organizationId`, `sid`, `jti`, `iat`, `exp`, `iss`, `aud`. Only HS256 verifies: a token
//! naming another algorithm (including `none`) is refused before its signature is looked at.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use la_domain::{OrgId, Role, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// Lifetime of an access token (`expiresIn` 3600).
pub const ACCESS_TOKEN_SECONDS: i64 = 3_600;
/// Clock skew tolerated on `exp` (`api.md` 3.1: at most 30 s).
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessClaims {
    pub sub: Uuid,
    pub email: String,
    pub roles: Vec<Role>,
    pub organization_id: Option<Uuid>,
    pub sid: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl AccessClaims {
    pub fn user_id(&self) -> UserId {
        UserId(self.sub)
    }

    pub fn organization(&self) -> Option<OrgId> {
        self.organization_id.map(OrgId)
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Why a presented token was refused (all map to 401; the reason is only logged).
#[derive(Debug, thiserror::Error)]
#[error("invalid access token: {0}")]
pub struct TokenRejected(String);

/// Signs and verifies access tokens with the configured secret, issuer and audience.
#[derive(Clone)]
pub struct TokenCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl TokenCodec {
    pub fn new(secret: &[u8], issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        TokenCodec {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Claims for a new token of `user` in session `sid`, issued at `now`.
    pub fn claims(
        &self,
        user: UserId,
        email: &str,
        roles: &[Role],
        organization: Option<OrgId>,
        sid: Uuid,
        now: DateTime<Utc>,
    ) -> AccessClaims {
        AccessClaims {
            sub: user.0,
            email: email.to_owned(),
            roles: roles.to_vec(),
            organization_id: organization.map(|o| o.0),
            sid,
            jti: Uuid::new_v4(),
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TOKEN_SECONDS,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        }
    }

    pub fn encode(&self, claims: &AccessClaims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing of serialisable claims cannot fail")
    }

    /// Verifies signature, algorithm, `exp` (with leeway), `iss` and `aud`.
    pub fn decode(&self, token: &str) -> Result<AccessClaims, TokenRejected> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| TokenRejected(e.to_string()))
    }
}

/// Verified access tokens by their exact text: a request presenting a token that passed
/// [`TokenCodec::decode`] before skips the signature check and the claims parsing (about a
/// seventh of the server's work per cached analytics read).
///
/// Only fully verified tokens enter, a hit needs the identical string, and `exp` is checked
/// again on each hit (with the same leeway as `decode`), so the cache changes the cost of a
/// request, never its outcome. Revocation is not this cache's concern: the session check
/// runs on every request either way.
pub struct VerifiedTokens {
    cache: moka::sync::Cache<Box<str>, Arc<AccessClaims>>,
}

impl VerifiedTokens {
    /// Holds at most `capacity` tokens; no entry outlives a token's full lifetime.
    pub fn new(capacity: u64) -> Self {
        VerifiedTokens {
            cache: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(std::time::Duration::from_secs(
                    ACCESS_TOKEN_SECONDS.unsigned_abs() + LEEWAY_SECONDS,
                ))
                .build(),
        }
    }

    /// The claims of `token` if it is valid at `now` under `codec`.
    pub fn verify(
        &self,
        codec: &TokenCodec,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Arc<AccessClaims>, TokenRejected> {
        if let Some(claims) = self.cache.get(token) {
            // `decode` refuses once `exp < now - leeway`; the same boundary here.
            if claims.exp.saturating_add(LEEWAY_SECONDS as i64) >= now.timestamp() {
                return Ok(claims);
            }
            self.cache.invalidate(token);
            return Err(TokenRejected("expired (cached)".to_owned()));
        }
        let claims = Arc::new(codec.decode(token)?);
        self.cache.insert(token.into(), claims.clone());
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn codec() -> TokenCodec {
        TokenCodec::new(
            b"0123456789abcdef0123456789abcdef",
            "learning-analytics",
            "learning-analytics-api",
        )
    }

    fn sample(codec: &TokenCodec, now: DateTime<Utc>) -> AccessClaims {
        codec.claims(
            UserId(Uuid::new_v4()),
            "a@b.c",
            &[Role::Learner, Role::Trainer],
            Some(OrgId(Uuid::new_v4())),
            Uuid::new_v4(),
            now,
        )
    }

    #[test]
    fn a_token_round_trips_with_every_claim() {
        let codec = codec();
        let claims = sample(&codec, Utc::now());
        assert_eq!(codec.decode(&codec.encode(&claims)).unwrap(), claims);
        assert_eq!(claims.exp - claims.iat, 3_600);
    }

    #[test]
    fn expired_tokens_are_refused_after_the_leeway() {
        let codec = codec();
        // Issued 1 h 31 s ago: expired 31 s ago, beyond the 30 s leeway.
        let old = sample(&codec, Utc::now() - chrono::Duration::seconds(3_631));
        assert!(codec.decode(&codec.encode(&old)).is_err());
        // Expired 10 s ago: still inside the leeway.
        let recent = sample(&codec, Utc::now() - chrono::Duration::seconds(3_610));
        assert!(codec.decode(&codec.encode(&recent)).is_ok());
    }

    #[test]
    fn another_key_issuer_or_audience_is_refused() {
        let codec = codec();
        let token = codec.encode(&sample(&codec, Utc::now()));
        let other_key = TokenCodec::new(
            b"another-secret-another-secret-xx",
            "learning-analytics",
            "learning-analytics-api",
        );
        assert!(other_key.decode(&token).is_err());
        let other_issuer = TokenCodec::new(
            b"0123456789abcdef0123456789abcdef",
            "someone-else",
            "learning-analytics-api",
        );
        assert!(other_issuer.decode(&token).is_err());
        let other_audience = TokenCodec::new(
            b"0123456789abcdef0123456789abcdef",
            "learning-analytics",
            "another-api",
        );
        assert!(other_audience.decode(&token).is_err());
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let codec = codec();
        let token = codec.encode(&sample(&codec, Utc::now()));
        let payload = token.split('.').nth(1).unwrap();
        for alg in ["none", "HS512", "RS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let forged = format!("{header}.{payload}.");
            assert!(codec.decode(&forged).is_err(), "{alg}");
        }
        assert!(codec.decode("not-a-token").is_err());
    }

    #[test]
    fn a_cached_token_is_refused_once_it_expires() {
        let codec = codec();
        let cache = VerifiedTokens::new(10);
        // Issued so that it expires 5 s from now (inside its lifetime for the real clock).
        let now = Utc::now();
        let claims = sample(&codec, now - chrono::Duration::seconds(3_595));
        let token = codec.encode(&claims);
        assert_eq!(*cache.verify(&codec, &token, now).unwrap(), claims);
        // A hit 30 s after `exp` is still inside the leeway ...
        let at_leeway = now + chrono::Duration::seconds(35);
        assert!(cache.verify(&codec, &token, at_leeway).is_ok());
        // ... one second later it is refused, although the entry is cached.
        let beyond = now + chrono::Duration::seconds(36);
        assert!(cache.verify(&codec, &token, beyond).is_err());
    }

    #[test]
    fn a_cached_token_does_not_vouch_for_a_tampered_copy() {
        let codec = codec();
        let cache = VerifiedTokens::new(10);
        let now = Utc::now();
        let token = codec.encode(&sample(&codec, now));
        assert!(cache.verify(&codec, &token, now).is_ok());
        // Same header and claims, another signature; and the same claims re-signed with
        // another key: neither is the cached string, both go through the full check.
        let (unsigned, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        let tampered = format!("{unsigned}.{flipped}{}", &signature[1..]);
        assert!(cache.verify(&codec, &tampered, now).is_err());
        let other_key = TokenCodec::new(
            b"another-secret-another-secret-xx",
            "learning-analytics",
            "learning-analytics-api",
        );
        let claims = codec.decode(&token).unwrap();
        assert!(
            cache
                .verify(&codec, &other_key.encode(&claims), now)
                .is_err()
        );
        // The genuine token still verifies.
        assert!(cache.verify(&codec, &token, now).is_ok());
    }
}
