use la_storage::Database;
use la_storage::testing::TestDatabase;
use learning_analytics::config::Settings;
use learning_analytics::startup::Application;
use std::collections::HashMap;

/// A running service and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: Database,
    pub settings: Settings,
    /// The server's upstream registry (the one `/metrics` and I1-I6 read).
    pub upstreams: std::sync::Arc<la_upstream::Upstreams>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    // Declared last: dropped after the server has stopped.
    _test_db: TestDatabase,
}

pub struct SpawnOptions {
    pub seed_demo: bool,
    /// Scales the rate limits; the default keeps tests clear of them.
    pub rate_limit_multiplier: u32,
}

impl Default for SpawnOptions {
    fn default() -> Self {
        SpawnOptions {
            seed_demo: false,
            rate_limit_multiplier: 1_000,
        }
    }
}

impl SpawnOptions {
    pub fn demo() -> Self {
        SpawnOptions {
            seed_demo: true,
            ..Default::default()
        }
    }
}

/// The JWT secret, issuer and audience of test servers (for forging tokens in tests).
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-test-secret-";
pub const TEST_ISSUER: &str = "learning-analytics";
pub const TEST_AUDIENCE: &str = "learning-analytics-api";
pub const DEMO_PASSWORD: &str = "demo-password";
/// The ingest key test servers accept (configured as its hash, under the name `tests`).
pub const TEST_INGEST_KEY: &str = "test-ingest-key-test-ingest-key-test-ingest-key";

pub fn test_settings_with(database_url: &str, seed_demo: bool, multiplier: u32) -> Settings {
    let data_dir = std::env::temp_dir().join(format!("la-test-data-{}", uuid::Uuid::new_v4()));
    let env: HashMap<&str, String> = HashMap::from([
        ("LA_DATABASE_URL", database_url.to_owned()),
        ("LA_LISTEN", "127.0.0.1:0".to_owned()),
        ("LA_DATA_DIR", data_dir.display().to_string()),
        ("LA_JWT_SECRET", TEST_JWT_SECRET.to_owned()),
        ("LA_RATE_LIMIT_MULTIPLIER", multiplier.to_string()),
        ("LA_SEED_DEMO", seed_demo.to_string()),
        ("LA_DATABASE_MAX_CONNECTIONS", "5".to_owned()),
        (
            "LA_INGEST_KEYS",
            format!(
                "tests:{}",
                la_app::ingest::keys::key_hash_hex(TEST_INGEST_KEY)
            ),
        ),
        // A fresh database would start the day's batch at once when a test runs between
        // 02:00 and 08:00 UTC; tests enqueue what they need.
        ("LA_JOB_SCHEDULER", "false".to_owned()),
    ]);
    Settings::load_from(None, |key| env.get(key).cloned()).expect("test settings")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(SpawnOptions::default()).await
}

pub async fn spawn_app_with(options: SpawnOptions) -> TestApp {
    spawn_app_configured(options, |_| {}).await
}

/// Like [`spawn_app_with`], with a last say over the settings (e.g. `cors_origins`).
pub async fn spawn_app_configured(
    options: SpawnOptions,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        learning_analytics::telemetry::init(learning_analytics::config::LogFormat::Pretty, "debug");
    }
    let test_db = TestDatabase::create().await;
    let mut settings = test_settings_with(
        &test_db.url,
        options.seed_demo,
        options.rate_limit_multiplier,
    );
    configure(&mut settings);
    let (app, _report) = Application::build(&settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let database = app.database();
    let upstreams = app.upstreams();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    // reqwest is built without a default TLS provider (la-upstream installs ring).
    la_upstream::install_tls_provider();
    TestApp {
        address,
        client: reqwest::Client::new(),
        database,
        settings,
        upstreams,
        shutdown: Some(tx),
        server: Some(server),
        _test_db: test_db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Logs a demo user in; panics unless it succeeds.
    pub async fn login(&self, email: &str) -> Session {
        let response = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "login of {email}");
        let body: serde_json::Value = response.json().await.expect("JSON");
        Session {
            token: body["token"].as_str().unwrap().to_owned(),
            refresh_token: body["refreshToken"].as_str().unwrap().to_owned(),
            user_id: body["user"]["id"].as_str().unwrap().to_owned(),
            organization_id: body["user"]["organizationId"].as_str().map(str::to_owned),
        }
    }

    /// A request with an optional bearer token and active role.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        role: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(role) = role {
            request = request.header("X-Active-Role", role);
        }
        request
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }
}

/// Another instance of the service on a test app's database (multi-instance tests).
pub struct SecondInstance {
    pub address: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    /// Starts another instance on this app's database (for SQLite, the same file), with the
    /// app's settings as adjusted by `configure`.
    pub async fn second_instance(&self, configure: impl FnOnce(&mut Settings)) -> SecondInstance {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        let (app, _report) = Application::build(&settings)
            .await
            .expect("second instance");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        SecondInstance {
            address,
            shutdown,
            server,
        }
    }
}

impl SecondInstance {
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        self.server
            .await
            .expect("server task")
            .expect("server result");
    }
}

/// A logged-in demo user.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub user_id: String,
    pub organization_id: Option<String>,
}

/// Status and `error` code of a response (the code is `None` on success).
pub async fn status_and_code(response: reqwest::Response) -> (u16, Option<String>) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body["error"].as_str().map(str::to_owned))
}
