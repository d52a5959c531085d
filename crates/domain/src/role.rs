//! Roles on the wire: `learner`, `trainer`, `org-admin`, `platform-admin` (spec README).

use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Learner,
    Trainer,
    OrgAdmin,
    PlatformAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; expected learner, trainer, org-admin or platform-admin")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Learner,
        Role::Trainer,
        Role::OrgAdmin,
        Role::PlatformAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Trainer => "trainer",
            Role::OrgAdmin => "org-admin",
            Role::PlatformAdmin => "platform-admin",
        }
    }

    /// Parses the strict wire spelling (used for `X-Active-Role`).
    pub fn parse_wire(value: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == value)
            .ok_or_else(|| UnknownRole(value.to_owned()))
    }

    /// Parses upstream spellings too (`org_admin`, `platform_admin`), normalising them.
    pub fn parse_lenient(value: &str) -> Result<Self, UnknownRole> {
        Role::parse_wire(&value.trim().to_ascii_lowercase().replace('_', "-"))
            .map_err(|_| UnknownRole(value.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse_wire(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spelling_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse_wire(role.as_str()), Ok(role));
            assert_eq!(
                serde_json::to_string(&role).unwrap(),
                format!("\"{}\"", role.as_str())
            );
        }
    }

    #[test]
    fn upstream_spellings_are_normalised_but_not_accepted_on_the_wire() {
        assert_eq!(Role::parse_lenient("org_admin"), Ok(Role::OrgAdmin));
        assert_eq!(
            Role::parse_lenient("Platform_Admin"),
            Ok(Role::PlatformAdmin)
        );
        assert!(Role::parse_wire("org_admin").is_err());
        assert!(Role::parse_wire("admin").is_err());
    }
}
