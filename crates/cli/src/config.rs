//! Settings: defaults, then an optional TOML file, then `LA_*` environment variables (the
//! last wins). Every value has a sane default except secrets: in development mode a missing
//! JWT secret is generated once and kept in the data directory; in production mode it must be
//! given, and the service refuses to start with a clear message otherwise.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }

    fn parse(value: &str) -> anyhow::Result<Self> {
        match value.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Environment::Development),
            "production" | "prod" => Ok(Environment::Production),
            other => bail!("LA_ENV must be development or production, not `{other}`"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// A secret value whose `Debug` output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub listen: SocketAddr,
    pub database_url: String,
    pub database_max_connections: u32,
    pub data_dir: PathBuf,
    pub jwt_secret: Secret,
    pub service_name: String,
    /// Seed the demo organisation when `serve` finds an empty database.
    pub seed_demo: bool,
    pub demo_password: Secret,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// `iss` and `aud` of access tokens (`api.md` 3.1: configurable).
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Scales every rate limit of `api.md` 3.4; 1 in production (only tests raise it).
    pub rate_limit_multiplier: u32,
    /// Origins allowed by CORS (exact match; empty = no cross-origin access).
    pub cors_origins: Vec<String>,
    /// Hashes of the keys upstreams push data with (`LA_INGEST_KEYS=name:sha256hex,…`).
    pub ingest_keys: la_app::ingest::IngestKeys,
    /// The job queue's workers and schedules (`data.md` 6).
    pub jobs: JobSettings,
    /// How old a source's last success may be for it to count as present (decision 9;
    /// `LA_COVERAGE_MAX_AGE_HOURS`, default 48).
    pub coverage_max_age_hours: u32,
    /// Mode, base URL and token of each upstream (`LA_UPSTREAM_*`, environment only;
    /// default: every upstream in mock mode). `serve` builds its I1-I6 registry from it.
    pub upstreams: la_upstream::UpstreamSettings,
    /// Seconds between health probes of the http upstreams (`integration.md` 10.1;
    /// `LA_UPSTREAM_PROBE_SECONDS`, default 60, 0 turns the probe off, at most 3600).
    pub upstream_probe_seconds: u32,
}

/// The job runtime `serve` starts (environment only: `LA_JOB_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    /// Run workers at all (`LA_JOB_WORKERS_ENABLED`, default true).
    pub workers_enabled: bool,
    /// Workers for refreshes, collection and ingest follow-ups (`LA_JOB_WORKERS`, default 2).
    pub interactive_workers: usize,
    /// Workers for batch chunks and maintenance (`LA_JOB_BATCH_WORKERS`, default 1).
    pub background_workers: usize,
    /// Start the scheduled runs (`LA_JOB_SCHEDULER`, default true).
    pub scheduler_enabled: bool,
    /// Cron line of the daily batch, UTC (`LA_BATCH_SCHEDULE`, default `0 2 * * *`).
    pub batch_schedule: String,
    /// Cron line of the retention clean-up, UTC (`LA_RETENTION_SCHEDULE`, default `30 4 * * *`).
    pub retention_schedule: String,
    /// Seconds a silent worker keeps its job's lease (`LA_JOB_LEASE_SECONDS`, default 120,
    /// 2 to 3600); heartbeats every quarter, reaper every half of it.
    pub lease_seconds: u32,
    /// Delay before the first retry of a failed attempt, doubled for each further one
    /// (`LA_JOB_RETRY_SECONDS`, default 60, 1 to 3600).
    pub retry_seconds: u32,
    /// Test hook: a batch chunk pauses this long between storing its results and
    /// completing (`LA_TEST_CHUNK_PAUSE_MS`; refused in production). The crash tests kill
    /// the process in that window.
    pub test_chunk_pause_ms: Option<u64>,
}

pub const DEFAULT_BATCH_SCHEDULE: &str = "0 2 * * *";
pub const DEFAULT_RETENTION_SCHEDULE: &str = "30 4 * * *";

impl JobSettings {
    fn load(env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let flag = |name: &str| -> anyhow::Result<bool> {
            match env(name) {
                Some(v) => parse_bool(name, &v),
                None => Ok(true),
            }
        };
        let count = |name: &str, default: usize| -> anyhow::Result<usize> {
            match env(name) {
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n <= 64)
                    .with_context(|| format!("{name} `{v}` is not a whole number from 0 to 64")),
                None => Ok(default),
            }
        };
        let batch_schedule = env("LA_BATCH_SCHEDULE")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_BATCH_SCHEDULE.to_owned());
        let retention_schedule = env("LA_RETENTION_SCHEDULE")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_RETENTION_SCHEDULE.to_owned());
        // Refuse a bad cron line at start-up, naming the variable.
        la_app::jobs::schedule::default_entries(&batch_schedule, DEFAULT_RETENTION_SCHEDULE)
            .map_err(|e| anyhow::anyhow!("LA_BATCH_SCHEDULE: {e}"))?;
        la_app::jobs::schedule::default_entries(DEFAULT_BATCH_SCHEDULE, &retention_schedule)
            .map_err(|e| anyhow::anyhow!("LA_RETENTION_SCHEDULE: {e}"))?;
        let seconds = |name: &str, default: u32| -> anyhow::Result<u32> {
            let (low, high) = if name == "LA_JOB_LEASE_SECONDS" {
                (2, 3600)
            } else {
                (1, 3600)
            };
            match env(name) {
                Some(v) => v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (low..=high).contains(n))
                    .with_context(|| {
                        format!("{name} `{v}` is not a whole number from {low} to {high}")
                    }),
                None => Ok(default),
            }
        };
        let test_chunk_pause_ms = match env("LA_TEST_CHUNK_PAUSE_MS") {
            Some(v) => Some(v.parse::<u64>().ok().with_context(|| {
                format!("LA_TEST_CHUNK_PAUSE_MS `{v}` is not a whole number of milliseconds")
            })?),
            None => None,
        };
        Ok(JobSettings {
            workers_enabled: flag("LA_JOB_WORKERS_ENABLED")?,
            interactive_workers: count("LA_JOB_WORKERS", 2)?,
            background_workers: count("LA_JOB_BATCH_WORKERS", 1)?,
            scheduler_enabled: flag("LA_JOB_SCHEDULER")?,
            batch_schedule,
            retention_schedule,
            lease_seconds: seconds("LA_JOB_LEASE_SECONDS", 120)?,
            retry_seconds: seconds("LA_JOB_RETRY_SECONDS", 60)?,
            test_chunk_pause_ms,
        })
    }
}

/// The keys a TOML configuration file may set (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    environment: Option<String>,
    listen: Option<String>,
    database_url: Option<String>,
    database_max_connections: Option<u32>,
    data_dir: Option<PathBuf>,
    jwt_secret: Option<String>,
    service_name: Option<String>,
    seed_demo: Option<bool>,
    demo_password: Option<String>,
    log_format: Option<String>,
    log: Option<String>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    rate_limit_multiplier: Option<u32>,
    cors_origins: Option<Vec<String>>,
    ingest_keys: Option<Vec<String>>,
}

/// The documented defaults (README, "Configuration").
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_DEMO_PASSWORD: &str = "demo-password";
pub const DEFAULT_UPSTREAM_PROBE_SECONDS: u32 = 60;
const MIN_SECRET_BYTES: usize = 32;
const JWT_SECRET_FILE: &str = "jwt-secret";

impl Settings {
    /// Loads settings from the optional file and the process environment.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(config_file, |key| std::env::var(key).ok())
    }

    /// Loads settings with an injectable environment (for tests).
    pub fn load_from(
        config_file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let file = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str::<FileSettings>(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let pick =
            |var: &str, from_file: Option<String>| env(var).filter(|v| !v.is_empty()).or(from_file);

        let environment = match pick("LA_ENV", file.environment) {
            Some(v) => Environment::parse(&v)?,
            None => Environment::Development,
        };
        let production = environment == Environment::Production;
        let data_dir = pick(
            "LA_DATA_DIR",
            file.data_dir.map(|p| p.display().to_string()),
        )
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let listen_text =
            pick("LA_LISTEN", file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen = listen_text
            .parse()
            .with_context(|| format!("LA_LISTEN `{listen_text}` is not an address:port"))?;
        let database_url = pick("LA_DATABASE_URL", file.database_url).unwrap_or_else(|| {
            format!(
                "sqlite:{}",
                data_dir.join("learning-analytics.db").display()
            )
        });
        la_storage::backend_of(&database_url)
            .map_err(|e| anyhow::anyhow!("LA_DATABASE_URL: {e}"))?;
        let database_max_connections = match env("LA_DATABASE_MAX_CONNECTIONS") {
            Some(v) => v
                .parse()
                .with_context(|| format!("LA_DATABASE_MAX_CONNECTIONS `{v}` is not a number"))?,
            None => file.database_max_connections.unwrap_or(10),
        };
        let seed_demo = match env("LA_SEED_DEMO") {
            Some(v) => parse_bool("LA_SEED_DEMO", &v)?,
            None => file.seed_demo.unwrap_or(!production),
        };
        let log_format = match pick("LA_LOG_FORMAT", file.log_format).as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => bail!("LA_LOG_FORMAT must be json or pretty, not `{other}`"),
        };
        let jwt_secret = match pick("LA_JWT_SECRET", file.jwt_secret) {
            Some(secret) => {
                if secret.len() < MIN_SECRET_BYTES {
                    bail!("LA_JWT_SECRET must be at least {MIN_SECRET_BYTES} characters");
                }
                Secret(secret)
            }
            None if production => bail!(
                "LA_JWT_SECRET is required in production: set it to at least \
                 {MIN_SECRET_BYTES} random characters (e.g. `openssl rand -hex 32`)"
            ),
            None => Secret(development_secret(&data_dir)?),
        };
        let rate_limit_multiplier = match env("LA_RATE_LIMIT_MULTIPLIER") {
            Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).with_context(|| {
                format!("LA_RATE_LIMIT_MULTIPLIER `{v}` is not a whole number >= 1")
            })?,
            None => file.rate_limit_multiplier.unwrap_or(1),
        };
        if production && rate_limit_multiplier != 1 {
            bail!("LA_RATE_LIMIT_MULTIPLIER is for tests; production uses the specified limits");
        }
        let jobs = JobSettings::load(&env)?;
        if production && jobs.test_chunk_pause_ms.is_some() {
            bail!("LA_TEST_CHUNK_PAUSE_MS is a test hook; production must not set it");
        }
        let cors_origins = match env("LA_CORS_ORIGINS") {
            Some(v) => v
                .split(',')
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            None => file.cors_origins.unwrap_or_default(),
        };
        if cors_origins.iter().any(|o| o == "*") {
            bail!("LA_CORS_ORIGINS lists exact origins; `*` is not allowed");
        }
        if let Some(bad) = cors_origins.iter().find(|o| !is_origin(o)) {
            bail!(
                "LA_CORS_ORIGINS: `{bad}` is not an origin like https://app.example.com \
                 (scheme and host in lower case, optional port, no path or trailing slash)"
            );
        }
        let ingest_key_entries: Vec<String> = match env("LA_INGEST_KEYS") {
            Some(v) => v.split(',').map(str::to_owned).collect(),
            None => file.ingest_keys.unwrap_or_default(),
        };
        let ingest_keys =
            la_app::ingest::IngestKeys::parse(ingest_key_entries.iter().map(String::as_str))
                .map_err(|e| anyhow::anyhow!("LA_INGEST_KEYS: {e}"))?;
        let coverage_max_age_hours = match env("LA_COVERAGE_MAX_AGE_HOURS") {
            Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).with_context(|| {
                format!("LA_COVERAGE_MAX_AGE_HOURS `{v}` is not a whole number of hours >= 1")
            })?,
            None => la_app::analytics::coverage::DEFAULT_MAX_AGE_HOURS,
        };
        let upstream_probe_seconds = match env("LA_UPSTREAM_PROBE_SECONDS") {
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| *n <= 3600)
                .with_context(|| {
                    format!("LA_UPSTREAM_PROBE_SECONDS `{v}` is not a whole number from 0 to 3600")
                })?,
            None => DEFAULT_UPSTREAM_PROBE_SECONDS,
        };
        Ok(Settings {
            environment,
            listen,
            database_url,
            database_max_connections,
            data_dir,
            jwt_secret,
            service_name: pick("LA_SERVICE_NAME", file.service_name)
                .unwrap_or_else(|| "Learning Analytics".to_owned()),
            seed_demo,
            demo_password: Secret(
                pick("LA_DEMO_PASSWORD", file.demo_password)
                    .unwrap_or_else(|| DEFAULT_DEMO_PASSWORD.to_owned()),
            ),
            log_format,
            log_filter: pick("LA_LOG", file.log)
                .unwrap_or_else(|| "info,sqlx=warn,tower_http=info".to_owned()),
            jwt_issuer: pick("LA_JWT_ISSUER", file.jwt_issuer)
                .unwrap_or_else(|| "learning-analytics".to_owned()),
            jwt_audience: pick("LA_JWT_AUDIENCE", file.jwt_audience)
                .unwrap_or_else(|| "learning-analytics-api".to_owned()),
            rate_limit_multiplier,
            cors_origins,
            ingest_keys,
            jobs,
            coverage_max_age_hours,
            upstreams: la_upstream::UpstreamSettings::from_lookup(&env)
                .context("invalid LA_UPSTREAM_* settings")?,
            upstream_probe_seconds,
        })
    }
}

/// Whether `value` has the shape browsers send in `Origin` (`scheme://host[:port]`, lower
/// case, no path): the allowlist is compared byte for byte, so any other spelling would
/// silently never match.
fn is_origin(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal (`[::1]`) contains colons of its own.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'.' | b'-' | b'[' | b']' | b':')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{name} must be true or false, not `{value}`"),
    }
}

/// Reads the development JWT secret from the data directory, creating it on first run.
fn development_secret(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(JWT_SECRET_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(existing);
        }
    }
    let mut bytes = [0u8; 32];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut bytes)
        .context("no operating-system randomness for the JWT secret")?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    write_private(&path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!("la-config-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn development_defaults_generate_and_keep_a_secret() {
        let dir = temp_dir();
        let data_dir = dir.display().to_string();
        let first = Settings::load_from(None, env(&[("LA_DATA_DIR", &data_dir)])).unwrap();
        assert_eq!(first.environment, Environment::Development);
        assert_eq!(first.listen.to_string(), DEFAULT_LISTEN);
        assert!(first.database_url.starts_with("sqlite:"));
        assert!(first.seed_demo);
        assert_eq!(first.jwt_secret.expose().len(), 64);
        let second = Settings::load_from(None, env(&[("LA_DATA_DIR", &data_dir)])).unwrap();
        assert_eq!(first.jwt_secret, second.jwt_secret, "secret is persisted");
        assert!(!format!("{first:?}").contains(first.jwt_secret.expose()));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn production_requires_a_long_secret_and_does_not_seed() {
        let err = Settings::load_from(None, env(&[("LA_ENV", "production")])).unwrap_err();
        assert!(
            err.to_string().contains("LA_JWT_SECRET is required"),
            "{err}"
        );
        let err = Settings::load_from(
            None,
            env(&[("LA_ENV", "production"), ("LA_JWT_SECRET", "short")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at least 32"), "{err}");
        let ok = Settings::load_from(
            None,
            env(&[("LA_ENV", "production"), ("LA_JWT_SECRET", &"k".repeat(32))]),
        )
        .unwrap();
        assert!(!ok.seed_demo);
        assert_eq!(ok.jobs.lease_seconds, 120);
        assert_eq!(ok.jobs.retry_seconds, 60);
        let err = Settings::load_from(
            None,
            env(&[
                ("LA_ENV", "production"),
                ("LA_JWT_SECRET", &"k".repeat(32)),
                ("LA_TEST_CHUNK_PAUSE_MS", "1000"),
            ]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("LA_TEST_CHUNK_PAUSE_MS"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        let dir = temp_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        std::fs::write(
            &file,
            format!(
                "listen = \"127.0.0.1:9000\"\nservice_name = \"From file\"\njwt_secret = \"{}\"\n",
                "f".repeat(40)
            ),
        )
        .unwrap();
        let settings =
            Settings::load_from(Some(&file), env(&[("LA_SERVICE_NAME", "From env")])).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(settings.service_name, "From env");
        assert_eq!(settings.jwt_secret.expose(), "f".repeat(40));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn cors_origins_are_exact_origins() {
        let base = [("LA_JWT_SECRET", "s".repeat(32))];
        let load = |origins: &str| {
            let mut pairs: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
            pairs.push(("LA_CORS_ORIGINS", origins));
            Settings::load_from(None, env(&pairs))
        };
        let ok = load("https://app.example.com, http://localhost:5173,http://[::1]:3000").unwrap();
        assert_eq!(
            ok.cors_origins,
            [
                "https://app.example.com",
                "http://localhost:5173",
                "http://[::1]:3000"
            ]
        );
        for bad in [
            "*",
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://App.example.com",
            "https://app.example.com:",
            "https://app.example.com:80a",
            "ftp://app.example.com",
            "https://",
        ] {
            let err = load(bad).unwrap_err();
            assert!(err.to_string().contains("LA_CORS_ORIGINS"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_upstream_probe_interval_defaults_to_60_and_0_turns_it_off() {
        let secret = "s".repeat(32);
        let load = |pairs: &[(&str, &str)]| {
            let mut all = pairs.to_vec();
            all.push(("LA_JWT_SECRET", secret.as_str()));
            Settings::load_from(None, env(&all)).expect("valid")
        };
        assert_eq!(load(&[]).upstream_probe_seconds, 60);
        assert_eq!(
            load(&[("LA_UPSTREAM_PROBE_SECONDS", "0")]).upstream_probe_seconds,
            0
        );
        assert_eq!(
            load(&[("LA_UPSTREAM_PROBE_SECONDS", "5")]).upstream_probe_seconds,
            5
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_name() {
        for (var, value) in [
            ("LA_LISTEN", "nowhere"),
            ("LA_DATABASE_URL", "mysql://x"),
            ("LA_ENV", "staging"),
            ("LA_SEED_DEMO", "maybe"),
            ("LA_BATCH_SCHEDULE", "0 25 * * *"),
            ("LA_RETENTION_SCHEDULE", "whenever"),
            ("LA_JOB_WORKERS", "many"),
            ("LA_JOB_SCHEDULER", "sometimes"),
            ("LA_JOB_LEASE_SECONDS", "1"),
            ("LA_JOB_RETRY_SECONDS", "0"),
            ("LA_TEST_CHUNK_PAUSE_MS", "soon"),
            ("LA_UPSTREAM_PROBE_SECONDS", "3601"),
        ] {
            let err = Settings::load_from(
                None,
                env(&[(var, value), ("LA_JWT_SECRET", &"s".repeat(32))]),
            )
            .unwrap_err();
            assert!(err.to_string().contains(var), "{var}: {err}");
        }
    }
}
