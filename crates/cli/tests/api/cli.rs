//! The binary's subcommands, run as a user would.

use std::process::Command;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_learning-analytics"))
}

#[test]
fn help_and_version_describe_the_subcommands() {
    let help = binary().arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for subcommand in ["serve", "migrate", "seed-demo"] {
        assert!(text.contains(subcommand), "{text}");
    }
    let version = binary().arg("--version").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn migrate_creates_a_sqlite_file_and_production_without_secret_refuses_to_start() {
    let dir = std::env::temp_dir().join(format!("la-cli-{}", uuid::Uuid::new_v4()));
    let db = dir.join("nested").join("cli.db");
    let output = binary()
        .arg("migrate")
        .env("LA_DATA_DIR", &dir)
        .env("LA_DATABASE_URL", format!("sqlite:{}", db.display()))
        .env_remove("LA_JWT_SECRET")
        .env_remove("LA_ENV")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(db.exists(), "the database file and its folder are created");
    assert!(
        dir.join("jwt-secret").exists(),
        "development secret persisted"
    );

    let refused = binary()
        .arg("serve")
        .env("LA_ENV", "production")
        .env("LA_DATA_DIR", &dir)
        .env_remove("LA_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("LA_JWT_SECRET is required"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn seed_demo_refuses_a_database_that_already_holds_data() {
    let dir = std::env::temp_dir().join(format!("la-cli-{}", uuid::Uuid::new_v4()));
    let url = format!("sqlite:{}", dir.join("seed.db").display());
    let run = || {
        binary()
            .args(["seed-demo", "--learners", "20"])
            .env("LA_DATA_DIR", &dir)
            .env("LA_DATABASE_URL", &url)
            .env_remove("LA_ENV")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let text = String::from_utf8_lossy(&first.stdout);
    assert!(text.contains("learner@demo.local"), "{text}");
    let second = run();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already holds data"));
    std::fs::remove_dir_all(dir).unwrap();
}
