//! MS12 Auth (`integration.md` 3.9): login verification only, never pulled. The payload and
//! the token it returns are never stored; roles are normalised to the API spelling.

use crate::contracts::Ms12Login;
use crate::transport::{CallError, Get, Transport};
use la_domain::Role;
use serde_json::json;

/// Who MS12 says the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser {
    pub upstream_id: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub organization_id: Option<String>,
}

/// `POST /auth/login`; `Ok(None)` when MS12 refuses the credentials (401/403 count as
/// refused credentials here, not as a service fault) or does not know the user (404).
pub async fn login(
    t: &Transport,
    email: &str,
    password: &str,
    api_key: Option<&str>,
    request_id: &str,
) -> Result<Option<VerifiedUser>, CallError> {
    let mut get = Get::new("/auth/login", "/auth/login".to_owned());
    get.body = Some(json!({ "email": email, "password": password }));
    get.checks_credentials = true;
    if let Some(key) = api_key {
        get.headers.push(("X-API-Key", key.to_owned()));
    }
    match t.get_json::<Ms12Login>(&get, request_id).await {
        Ok(Some(login)) => Ok(Some(VerifiedUser {
            upstream_id: login.user.id.0,
            email: login.user.email.to_ascii_lowercase(),
            roles: login
                .user
                .roles
                .iter()
                .filter_map(|r| Role::parse_lenient(r).ok())
                .collect(),
            organization_id: login.user.organization_id.map(|o| o.0),
        })),
        Ok(None) | Err(CallError::AuthRejected(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
