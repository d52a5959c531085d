//! Authentication use cases (`api.md` 2.2, 3.1–3.3): login, token refresh with rotation and
//! reuse detection, logout, `me`, and the per-request access-token check.
//!
//! Refresh tokens are opaque 256-bit random strings stored only as SHA-256 hashes; each login
//! starts a family (`sid`). Presenting a spent token revokes its whole family. Access tokens
//! are JWTs ([`tokens`]); beyond the signature each request checks that its session is not
//! revoked, its `jti` is not denylisted and its user is active. That check is cached per
//! session for a few seconds (the hot path of every request); a logout on this instance
//! evicts the entry at once, other instances see it when their entry expires.
//!
//! The signature check itself is cached by exact token text ([`tokens::VerifiedTokens`]).

pub mod tokens;

use crate::passwords;
use crate::ports::{NewRefreshToken, RevokeReason, SessionCheck, Store, StoreError, UserProfile};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use la_domain::UserId;
use moka::sync::Cache;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
pub use tokens::{ACCESS_TOKEN_SECONDS, AccessClaims, TokenCodec};
use uuid::Uuid;

/// Refresh tokens live 7 days from issuance (`api.md` 3.2).
pub const REFRESH_TOKEN_DAYS: i64 = 7;
/// How long a positive session check is reused without asking the database.
const SESSION_CHECK_TTL: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("invalid access token")]
    Unauthorized,
    #[error("account disabled")]
    AccountDisabled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password check failed: {0}")]
    Internal(String),
}

/// A successful login or refresh.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub claims: AccessClaims,
}

/// A login: the tokens and the profile to return.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub tokens: IssuedTokens,
    pub user: UserProfile,
}

/// How many verified access tokens are remembered (about 1 KB each).
const VERIFIED_TOKENS_CAPACITY: u64 = 50_000;

/// An authenticated request's identity.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Shared with the verified-token cache: a request clones a pointer, not the claims.
    pub claims: Arc<AccessClaims>,
}

impl Principal {
    pub fn user_id(&self) -> UserId {
        self.claims.user_id()
    }
}

#[derive(Clone)]
pub struct AuthService {
    store: Arc<dyn Store>,
    /// Shared, not copied: the service is cloned for every request (axum state), and the
    /// codec's keys and validation sets are zeroised and freed on every drop.
    codec: Arc<TokenCodec>,
    sessions: Cache<Uuid, SessionCheck>,
    verified: Arc<tokens::VerifiedTokens>,
    /// Where login-staleness refreshes go (`api.md` 4.3); none without a job queue.
    jobs: Option<Arc<dyn crate::ports::JobStore>>,
}

/// A valid argon2id hash of a random password: verifying against it when the email is
/// unknown makes both failures take the same time (`api.md` 3.3).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        passwords::hash_password(&Uuid::new_v4().to_string())
            .expect("hashing a random password cannot fail")
    })
}

/// SHA-256 of a refresh token: what is stored and looked up.
pub fn refresh_token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_refresh_token(now: DateTime<Utc>) -> (String, NewRefreshToken) {
    let mut bytes = [0u8; 32];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut bytes)
        .expect("the operating system's random source is available");
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let stored = NewRefreshToken {
        id: Uuid::new_v4(),
        hash: refresh_token_hash(&token),
        issued_at: now,
        expires_at: now + Duration::days(REFRESH_TOKEN_DAYS),
    };
    (token, stored)
}

impl AuthService {
    pub fn new(store: Arc<dyn Store>, codec: TokenCodec) -> Self {
        AuthService {
            store,
            codec: Arc::new(codec),
            sessions: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(SESSION_CHECK_TTL)
                .build(),
            verified: Arc::new(tokens::VerifiedTokens::new(VERIFIED_TOKENS_CAPACITY)),
            jobs: None,
        }
    }

    pub fn codec(&self) -> &TokenCodec {
        &self.codec
    }

    /// Checks an email and password against the local credential store and starts a session.
    /// `email` must already be trimmed and lowercased.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<LoginOutcome, AuthError> {
        let account = self.store.find_account_by_email(email).await?;
        let hash = account
            .as_ref()
            .map(|a| a.password_hash.clone())
            .unwrap_or_else(|| decoy_hash().to_owned());
        let password = password.to_owned();
        let matches =
            tokio::task::spawn_blocking(move || passwords::verify_password(&password, &hash))
                .await
                .map_err(|e| AuthError::Internal(e.to_string()))?;
        let account = match (account, matches) {
            (Some(account), true) => account,
            _ => return Err(AuthError::InvalidCredentials),
        };
        let mut user = self
            .store
            .user_profile(account.user_id)
            .await?
            .ok_or(AuthError::InvalidCredentials)?;
        if !user.is_active {
            return Err(AuthError::AccountDisabled);
        }
        self.store.record_login(user.id, now).await?;
        user.last_login_at = Some(now);
        let sid = Uuid::new_v4();
        let (refresh_token, stored) = new_refresh_token(now);
        self.store.start_session(sid, user.id, &stored).await?;
        let tokens = self.issue(&user, sid, refresh_token, now);
        self.request_login_refreshes(&user, now);
        Ok(LoginOutcome { tokens, user })
    }

    /// The same service, requesting login-staleness refreshes through `jobs`.
    pub fn with_jobs(mut self, jobs: Arc<dyn crate::ports::JobStore>) -> Self {
        self.jobs = Some(jobs);
        self
    }

    /// Login never waits for this (`api.md` 4.3): the staleness check and the enqueue run on
    /// their own task; a failure is logged, and the next read of a stale result requests the
    /// refresh anyway.
    fn request_login_refreshes(&self, user: &UserProfile, now: DateTime<Utc>) {
        let Some(jobs) = self.jobs.clone() else {
            return;
        };
        let store = self.store.clone();
        let user = user.clone();
        tokio::spawn(async move {
            match crate::jobs::request_login_refreshes(store.as_ref(), jobs.as_ref(), &user, now)
                .await
            {
                Ok(requested) if !requested.is_empty() => {
                    tracing::info!(requested = requested.len(), "login-staleness refreshes");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "login-staleness check failed"),
            }
        });
    }

    fn issue(
        &self,
        user: &UserProfile,
        sid: Uuid,
        refresh_token: String,
        now: DateTime<Utc>,
    ) -> IssuedTokens {
        let claims = self.codec.claims(
            user.id,
            user.email.as_deref().unwrap_or_default(),
            &user.roles,
            user.organization_id,
            sid,
            now,
        );
        IssuedTokens {
            access_token: self.codec.encode(&claims),
            refresh_token,
            expires_in: ACCESS_TOKEN_SECONDS,
            claims,
        }
    }

    /// Exchanges a refresh token for a new access token and its rotated successor. A token
    /// presented twice revokes its family (`api.md` 3.2).
    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, AuthError> {
        let stored = self
            .store
            .find_refresh_token(&refresh_token_hash(refresh_token))
            .await?
            .ok_or(AuthError::InvalidRefreshToken)?;
        if stored.family_revoked || stored.expires_at <= now {
            return Err(AuthError::InvalidRefreshToken);
        }
        if stored.used_at.is_some() {
            self.revoke_family(stored.sid, RevokeReason::ReuseDetected, now)
                .await?;
            tracing::warn!(sid = %stored.sid, "refresh token reused: session family revoked");
            return Err(AuthError::InvalidRefreshToken);
        }
        let user = self
            .store
            .user_profile(stored.user_id)
            .await?
            .ok_or(AuthError::InvalidRefreshToken)?;
        if !user.is_active {
            return Err(AuthError::AccountDisabled);
        }
        let (next_token, next) = new_refresh_token(now);
        if !self
            .store
            .rotate_refresh_token(stored.id, stored.sid, &next)
            .await?
        {
            // Lost a race with another use of the same token: that is reuse too.
            self.revoke_family(stored.sid, RevokeReason::ReuseDetected, now)
                .await?;
            return Err(AuthError::InvalidRefreshToken);
        }
        Ok(self.issue(&user, stored.sid, next_token, now))
    }

    /// The owner of a refresh token, if it resolves (the rate-limit key of A2).
    pub async fn refresh_token_owner(
        &self,
        refresh_token: &str,
    ) -> Result<Option<Uuid>, AuthError> {
        Ok(self
            .store
            .find_refresh_token(&refresh_token_hash(refresh_token))
            .await?
            .map(|t| t.user_id.0))
    }

    async fn revoke_family(
        &self,
        sid: Uuid,
        reason: RevokeReason,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        self.store.revoke_session(sid, reason, now).await?;
        self.sessions.invalidate(&sid);
        Ok(())
    }

    /// Revokes the caller's session family and denylists the access token until it expires.
    pub async fn logout(&self, principal: &Principal, now: DateTime<Utc>) -> Result<(), AuthError> {
        self.store
            .revoke_access_token(principal.claims.jti, principal.claims.expires_at())
            .await?;
        self.revoke_family(principal.claims.sid, RevokeReason::Logout, now)
            .await
    }

    /// Verifies a bearer token: signature and claims, then the session's state.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, AuthError> {
        let claims = self
            .verified
            .verify(&self.codec, token, Utc::now())
            .map_err(|_| AuthError::Unauthorized)?;
        let check = match self.sessions.get(&claims.sid) {
            Some(check) => check,
            None => {
                let check = self
                    .store
                    .check_session(claims.sid, claims.jti, claims.user_id())
                    .await?;
                // Only sessions in good standing are cached, so that a revocation seen
                // by the database is never hidden by a stale entry of this instance.
                if !check.session_revoked && !check.token_revoked && check.user_active {
                    self.sessions.insert(claims.sid, check);
                }
                check
            }
        };
        if check.session_revoked || check.token_revoked {
            return Err(AuthError::Unauthorized);
        }
        if !check.user_active {
            return Err(AuthError::AccountDisabled);
        }
        Ok(Principal { claims })
    }

    /// The caller's profile for `GET /auth/me`.
    pub async fn me(&self, principal: &Principal) -> Result<UserProfile, AuthError> {
        let user = self
            .store
            .user_profile(principal.user_id())
            .await?
            .ok_or(AuthError::Unauthorized)?;
        if !user.is_active {
            return Err(AuthError::AccountDisabled);
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_carry_256_random_bits_and_are_stored_hashed() {
        let now = Utc::now();
        let (a, stored_a) = new_refresh_token(now);
        let (b, _) = new_refresh_token(now);
        assert_ne!(a, b);
        // 32 bytes in unpadded base64url.
        assert_eq!(a.len(), 43);
        assert_eq!(stored_a.hash, refresh_token_hash(&a));
        assert_ne!(stored_a.hash, a.as_bytes());
        assert_eq!(stored_a.expires_at - stored_a.issued_at, Duration::days(7));
    }
}
