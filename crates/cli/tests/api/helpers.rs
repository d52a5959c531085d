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
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    // Declared last: dropped after the server has stopped.
    _test_db: TestDatabase,
}

#[derive(Default)]
pub struct SpawnOptions {
    pub seed_demo: bool,
}

pub fn test_settings(database_url: &str, seed_demo: bool) -> Settings {
    let data_dir = std::env::temp_dir().join(format!("la-test-data-{}", uuid::Uuid::new_v4()));
    let env: HashMap<&str, String> = HashMap::from([
        ("LA_DATABASE_URL", database_url.to_owned()),
        ("LA_LISTEN", "127.0.0.1:0".to_owned()),
        ("LA_DATA_DIR", data_dir.display().to_string()),
        ("LA_JWT_SECRET", "test-secret-".repeat(4)),
        ("LA_SEED_DEMO", seed_demo.to_string()),
        ("LA_DATABASE_MAX_CONNECTIONS", "5".to_owned()),
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
    let mut settings = test_settings(&test_db.url, options.seed_demo);
    configure(&mut settings);
    let (app, _report) = Application::build(&settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let database = app.database();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        database,
        settings,
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
