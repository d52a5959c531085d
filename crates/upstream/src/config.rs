//! Which upstreams are collected and how (`integration.md` 1, 7.1, 11; decisions 3, 7).
//!
//! Environment (read through a lookup function so the binary's config and tests share it):
//!
//! | variable | meaning |
//! |---|---|
//! | `LA_UPSTREAM_MODE` | `mock` (default: every upstream is the demo generator, no network) or `http` |
//! | `LA_UPSTREAM_<SERVICE>_URL` | base URL of the upstream (no trailing slash; `http://` only for loopback) |
//! | `LA_UPSTREAM_<SERVICE>_TOKEN` | static bearer token (optional) |
//! | `LA_UPSTREAM_<SERVICE>_MODE` | `mock` or `http`, overriding the global mode for one upstream |
//! | `LA_UPSTREAM_ORG_IDS` | comma-separated Directory organisation ids to pull beyond the stored ones |
//! | `LA_UPSTREAM_SERVICE_SECRET` | at least 32 bytes: signs a service JWT for http upstreams without a token |
//!
//! `<SERVICE>` is `DIRECTORY`, `COURSE_BUILDER`, `CONTENT_STUDIO`, `ASSESSMENT`,
//! `SKILLS_ENGINE`, `LEARNER_AI`, `DEVLAB`, `RAG_ASSISTANT` or `MS12_AUTH`. In `http` mode an
//! upstream without a URL is not collected (push-only, decision 7): it is never mocked.

use crate::auth::ServiceToken;
use crate::service::Service;
use reqwest::Url;
use std::collections::BTreeMap;

/// How one upstream is collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The deterministic demo generator; never touches the network.
    Mock,
    Http {
        base_url: Url,
        token: Option<ServiceToken>,
    },
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Mock => "mock",
            Mode::Http { .. } => "http",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: `{value}` is neither `mock` nor `http`")]
    BadMode { var: String, value: String },
    #[error("{var}: not a valid URL ({reason})")]
    BadUrl { var: String, reason: String },
    #[error("{var}: plain http is allowed only for loopback hosts; use https")]
    InsecureUrl { var: String },
    #[error("{var}: the upstream is set to http but has no URL")]
    MissingUrl { var: String },
    #[error("LA_UPSTREAM_SERVICE_SECRET must be at least 32 bytes")]
    WeakSecret,
}

/// The upstreams to collect: absent ones are push-only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamSettings {
    pub services: BTreeMap<Service, Mode>,
    pub extra_org_ids: Vec<String>,
    /// Signs service JWTs for http upstreams without a static token (8.1).
    pub service_secret: Option<ServiceToken>,
}

fn parse_mode(var: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "mock" => Ok(false),
        "http" => Ok(true),
        _ => Err(ConfigError::BadMode {
            var: var.to_owned(),
            value: value.to_owned(),
        }),
    }
}

/// Parses a base URL: https anywhere, http only on loopback (`integration.md` 2.1).
pub fn base_url(var: &str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim().trim_end_matches('/')).map_err(|e| ConfigError::BadUrl {
        var: var.to_owned(),
        reason: e.to_string(),
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(ConfigError::InsecureUrl {
            var: var.to_owned(),
        }),
        other => Err(ConfigError::BadUrl {
            var: var.to_owned(),
            reason: format!("scheme `{other}`"),
        }),
    }
}

impl UpstreamSettings {
    /// Every upstream in mock mode (the default: demo and tests).
    pub fn all_mock() -> Self {
        UpstreamSettings {
            services: Service::ALL.into_iter().map(|s| (s, Mode::Mock)).collect(),
            extra_org_ids: Vec::new(),
            service_secret: None,
        }
    }

    /// Reads the variables above through `var` (e.g. `|k| std::env::var(k).ok()`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let global_http = match get("LA_UPSTREAM_MODE") {
            Some(v) => parse_mode("LA_UPSTREAM_MODE", &v)?,
            None => false,
        };
        let mut services = BTreeMap::new();
        for service in Service::ALL {
            let key = service.env_key();
            let mode_var = format!("LA_UPSTREAM_{key}_MODE");
            let url_var = format!("LA_UPSTREAM_{key}_URL");
            let http = match get(&mode_var) {
                Some(v) => parse_mode(&mode_var, &v)?,
                None => global_http,
            };
            if !http {
                services.insert(service, Mode::Mock);
                continue;
            }
            match get(&url_var) {
                Some(url) => {
                    let token =
                        get(&format!("LA_UPSTREAM_{key}_TOKEN")).and_then(ServiceToken::new);
                    services.insert(
                        service,
                        Mode::Http {
                            base_url: base_url(&url_var, &url)?,
                            token,
                        },
                    );
                }
                // Explicitly http without a URL is a mistake; globally http means push-only.
                None if get(&mode_var).is_some() => {
                    return Err(ConfigError::MissingUrl { var: url_var });
                }
                None => {}
            }
        }
        let extra_org_ids = get("LA_UPSTREAM_ORG_IDS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let service_secret = get("LA_UPSTREAM_SERVICE_SECRET").and_then(ServiceToken::new);
        if let Some(secret) = &service_secret
            && secret.secret().len() < crate::auth::MIN_SECRET_BYTES
        {
            return Err(ConfigError::WeakSecret);
        }
        Ok(UpstreamSettings {
            services,
            extra_org_ids,
            service_secret,
        })
    }

    /// Whether any upstream is mocked (production refuses that outside an explicit choice).
    pub fn any_mock(&self) -> bool {
        self.services.values().any(|m| *m == Mode::Mock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<UpstreamSettings, ConfigError> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        UpstreamSettings::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn default_is_all_mock() {
        assert_eq!(settings(&[]).expect("ok"), UpstreamSettings::all_mock());
    }

    #[test]
    fn http_mode_collects_only_upstreams_with_a_url() {
        let s = settings(&[
            ("LA_UPSTREAM_MODE", "http"),
            ("LA_UPSTREAM_DIRECTORY_URL", "https://dir.example.com/"),
            ("LA_UPSTREAM_DIRECTORY_TOKEN", "t0k"),
            ("LA_UPSTREAM_DEVLAB_MODE", "mock"),
            ("LA_UPSTREAM_ORG_IDS", "org_1, org_2"),
        ])
        .expect("ok");
        assert_eq!(s.services.len(), 2);
        match &s.services[&Service::Directory] {
            Mode::Http { base_url, token } => {
                assert_eq!(base_url.as_str(), "https://dir.example.com/");
                assert!(token.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.services[&Service::Devlab], Mode::Mock);
        assert_eq!(s.extra_org_ids, vec!["org_1", "org_2"]);
    }

    #[test]
    fn insecure_or_missing_urls_are_refused() {
        assert!(matches!(
            settings(&[
                ("LA_UPSTREAM_MODE", "http"),
                ("LA_UPSTREAM_DEVLAB_URL", "http://devlab:80")
            ]),
            Err(ConfigError::InsecureUrl { .. })
        ));
        assert!(
            settings(&[
                ("LA_UPSTREAM_MODE", "http"),
                ("LA_UPSTREAM_DEVLAB_URL", "http://127.0.0.1:9")
            ])
            .is_ok()
        );
        assert!(matches!(
            settings(&[("LA_UPSTREAM_DEVLAB_MODE", "http")]),
            Err(ConfigError::MissingUrl { .. })
        ));
        assert!(matches!(
            settings(&[("LA_UPSTREAM_MODE", "sometimes")]),
            Err(ConfigError::BadMode { .. })
        ));
        assert_eq!(
            settings(&[("LA_UPSTREAM_SERVICE_SECRET", "too short")]),
            Err(ConfigError::WeakSecret)
        );
    }
}
