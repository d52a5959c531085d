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
