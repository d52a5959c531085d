//! Request ids (`api.md` 1.2): an incoming `X-Request-Id` matching `^[A-Za-z0-9._-]{1,64}$`
//! is adopted, anything else is replaced by a fresh UUID v4. The id is echoed on every
//! response, recorded in the request's tracing span, and available to error bodies through a
//! task-local while the request is handled.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled (or a fresh one outside a request).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// The request id of a request, stored in its extensions by [`assign_request_id`].
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn is_acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Middleware: assigns the id, runs the rest of the stack inside its task-local scope, and
/// sets the response header.
pub async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let header = HeaderValue::from_str(&id).expect("request ids are visible ASCII");
    request.headers_mut().insert(&X_REQUEST_ID, header.clone());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = REQUEST_ID.scope(id, next.run(request)).await;
    response.headers_mut().insert(&X_REQUEST_ID, header);
    response
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn only_short_safe_ids_are_adopted() {
        assert!(is_acceptable("abc-123_X.y"));
        assert!(is_acceptable(&"a".repeat(64)));
        assert!(!is_acceptable(&"a".repeat(65)));
        assert!(!is_acceptable(""));
        assert!(!is_acceptable("a b"));
        assert!(!is_acceptable("a/b"));
    }
}
