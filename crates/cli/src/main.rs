//! `learning-analytics`: serve the API, apply migrations, or seed demo data.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use la_app::analytics::batch::{BatchOptions, BatchStage, run_batch};
use la_demo::{DemoConfig, DemoLogin};
use la_domain::OrgId;
use la_domain::analytics::Window;
use learning_analytics::config::Settings;
use learning_analytics::startup::{self, Application};
use learning_analytics::{demo_now, telemetry};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "learning-analytics",
    version,
    about = "Learning analytics service: collects learning data, computes analytics and gamification, serves them over a secured REST API."
)]
struct Cli {
    /// Optional TOML configuration file (environment variables override it).
    #[arg(long, global = true, env = "LA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (applies migrations; seeds the demo organisation into an empty database in development).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Generate the deterministic demo organisation into an empty database.
    SeedDemo(SeedArgs),
    /// Compute every analytic for every subject now and store the results.
    Batch(BatchArgs),
    /// Make a new ingest key for an upstream: prints the key (give it to the upstream) and the
    /// `LA_INGEST_KEYS` entry holding its hash (give that to the service).
    IngestKey(IngestKeyArgs),
    /// Pull the upstream microservices into the database (every configured one, or one).
    Collect(CollectArgs),
}

#[derive(clap::Args)]
struct IngestKeyArgs {
    /// A name for the logs, e.g. the upstream service (`[A-Za-z0-9._-]`, 1-64 characters).
    name: String,
}

#[derive(clap::Args)]
struct CollectArgs {
    /// Only this upstream (directory, course-builder, content-studio, assessment,
    /// skills-engine, learner-ai, devlab, rag-assistant).
    #[arg(long)]
    service: Option<String>,
}

#[derive(clap::Args)]
struct BatchArgs {
    /// Store only the results of this organisation's subjects (UUID).
    #[arg(long, conflicts_with = "queue")]
    org: Option<uuid::Uuid>,
    /// Run today's daily batch through the job queue instead: enqueue it, work its chunks
    /// with `--workers` workers in this process and return when every chunk is done (the
    /// workers of running instances may take chunks too).
    #[arg(long)]
    queue: bool,
    /// Workers of `--queue`.
    #[arg(long, default_value_t = 2, requires = "queue")]
    workers: usize,
    /// Window of the role analytics: 7d, 30d or 90d.
    #[arg(long, default_value = "30d", value_parser = parse_window)]
    window: Window,
}

fn parse_window(value: &str) -> Result<Window, String> {
    Window::parse(value).ok_or_else(|| format!("`{value}` is not one of 7d, 30d, 90d"))
}

#[derive(clap::Args)]
struct SeedArgs {
    /// Random seed; the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Learners in the main organisation.
    #[arg(long, default_value_t = 300)]
    learners: usize,
    /// Trainers in the main organisation.
    #[arg(long, default_value_t = 12)]
    trainers: usize,
    /// Courses in the catalogue.
    #[arg(long, default_value_t = 40)]
    courses: usize,
    /// Days of activity before now.
    #[arg(long, default_value_t = 90)]
    days: u32,
}

/// mimalloc instead of glibc's malloc: a cached analytics read allocates and frees many
/// small buffers across threads, where glibc's arenas cost about a fifth of the server's
/// time (measured with `perf`, see the README's load benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format, &settings.log_filter);
    la_app::analytics::coverage::set_max_age_hours(settings.coverage_max_age_hours);
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            startup::connect_and_migrate(&settings).await?.close().await;
            println!(
                "migrations applied to {}",
                redact_url(&settings.database_url)
            );
            Ok(())
        }
        Command::SeedDemo(args) => seed_demo(settings, args).await,
        Command::Batch(args) => batch(settings, args).await,
        Command::IngestKey(args) => {
            let key = la_app::ingest::keys::generate_key();
            let entry = format!("{}:{}", args.name, la_app::ingest::keys::key_hash_hex(&key));
            // Refuse a name the service would refuse at start.
            la_app::ingest::IngestKeys::parse([entry.as_str()])?;
            println!("key (for the upstream, shown once): {key}");
            println!("LA_INGEST_KEYS entry (for the service): {entry}");
            Ok(())
        }
        Command::Collect(args) => collect(settings, args).await,
    }
}

/// `learning-analytics collect`: one collection run (decision 6), with a per-upstream report.
async fn collect(settings: Settings, args: CollectArgs) -> anyhow::Result<()> {
    use la_upstream::{RunStatus, Service};
    let env = |key: &str| std::env::var(key).ok();
    // Decision 3: production never fabricates data unless an operator chose mock mode.
    if settings.environment == learning_analytics::config::Environment::Production
        && env("LA_UPSTREAM_MODE").is_none_or(|v| v.trim().is_empty())
    {
        bail!("in production set LA_UPSTREAM_MODE (http, or mock on purpose) before collecting");
    }
    let only = args.service.as_deref().map(Service::parse).transpose()?;
    let upstreams = startup::build_upstreams(&settings.upstreams)?;
    let database = startup::connect_and_migrate(&settings).await?;
    let store = database.collection_store();
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} collecting {msg} ({elapsed})")
            .context("progress template")?,
    );
    let names: Vec<&str> = match only {
        Some(s) => vec![s.slug()],
        None => upstreams.pulled().iter().map(|s| s.slug()).collect(),
    };
    bar.set_message(names.join(", "));
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = upstreams.collect(&*store, only, chrono::Utc::now()).await;
    bar.finish_and_clear();
    database.close().await;
    let report = report?;
    println!(
        "Collection {} in {:.1} s:",
        report.collection_id,
        report.duration_ms as f64 / 1000.0
    );
    let mut failed = 0;
    for s in &report.services {
        let rejected: u64 = s.written.iter().map(|w| w.rejected).sum();
        println!(
            "  {:<15} {:<5} {:<10} calls {:>6} failed {:>4}  rows written {:>8}  rejected {:>5}",
            s.service.slug(),
            s.mode,
            format!("{:?}", s.status).to_lowercase(),
            s.calls,
            s.failed_calls,
            s.rows_written(),
            rejected
        );
        for e in &s.errors {
            println!("      {e}");
        }
        if s.status != RunStatus::Completed {
            failed += 1;
        }
    }
    if failed > 0 {
        bail!("{failed} upstream(s) did not complete");
    }
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let (app, report) = Application::build(&settings).await?;
    if let Some(seeded) = &report.seeded {
        println!(
            "Seeded the demo organisation: {} records.",
            seeded.written.total()
        );
        print_logins(&seeded.logins, settings.demo_password.expose());
    }
    if let Some(batch) = &report.batch {
        println!(
            "Computed the demo analytics: {} results for {} subjects in {:.1} s.",
            batch.results,
            batch.subjects,
            batch.total().as_secs_f64()
        );
    }
    println!(
        "learning-analytics {} listening on http://{}:{} ({}, {}) — ready in {} ms",
        startup::VERSION,
        settings.listen.ip(),
        app.port(),
        settings.environment.as_str(),
        redact_url(&settings.database_url),
        started.elapsed().as_millis()
    );
    tracing::info!(port = app.port(), "ready");
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn seed_demo(settings: Settings, args: SeedArgs) -> anyhow::Result<()> {
    let database = startup::connect_and_migrate(&settings).await?;
    let store = database.store();
    if !store.is_empty().await? {
        bail!(
            "the database at {} already holds data; seed into a fresh one, e.g. \
             LA_DATABASE_URL=sqlite:data/demo-{}.db",
            redact_url(&settings.database_url),
            args.learners
        );
    }
    let mut config = DemoConfig::new(demo_now());
    config.seed = args.seed;
    config.learners = args.learners;
    config.trainers = args.trainers;
    config.courses = args.courses;
    config.days = args.days;
    let bar = ProgressBar::new(config.total_learners() as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} seeding [{bar:40}] {pos}/{len} learners ({per_sec}, eta {eta})",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let summary = la_app::demo::seed_demo(
        store,
        config,
        settings.demo_password.expose(),
        |done, _total| bar.set_position(done as u64),
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "Wrote {} records in {:.1} s:",
        summary.written.total(),
        started.elapsed().as_secs_f64()
    );
    for (kind, rows) in &summary.written.rows {
        println!("  {:<26} {rows:>10}", kind.as_str());
    }
    print_logins(&summary.logins, settings.demo_password.expose());
    database.close().await;
    Ok(())
}

async fn batch(settings: Settings, args: BatchArgs) -> anyhow::Result<()> {
    if args.queue {
        return batch_through_queue(settings, args.workers).await;
    }
    let database = startup::connect_and_migrate(&settings).await?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg:<10} [{bar:40}] {pos}/{len} ({eta})")
            .context("progress template")?
            .progress_chars("=> "),
    );
    let report = bar.clone();
    let options = BatchOptions {
        now: chrono::Utc::now(),
        window: args.window,
        org: args.org.map(OrgId),
    };
    let summary = run_batch(database.store(), options, move |stage| {
        let (message, done, total) = match stage {
            BatchStage::Loading { done, total } => ("loading", done, total),
            BatchStage::Computing { done, total } => ("computing", done, total),
            BatchStage::Writing { done, total } => ("writing", done, total),
        };
        report.set_message(message);
        report.set_length(total as u64);
        report.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    database.close().await;
    println!(
        "Batch done: {} organisations, {} users ({} input rows) -> {} subjects, {} results \
         ({} insufficient data).",
        summary.organizations,
        summary.users,
        summary.input_rows,
        summary.subjects,
        summary.results,
        summary.insufficient
    );
    println!(
        "  load {:.2} s, compute {:.2} s, write {:.2} s, total {:.2} s \
         (of the writing, {:.2} s gamification and item states)",
        summary.load.as_secs_f64(),
        summary.compute.as_secs_f64(),
        summary.write.as_secs_f64(),
        summary.total().as_secs_f64(),
        summary.write_state.as_secs_f64()
    );
    Ok(())
}

/// `batch --queue`: the daily batch as the scheduler would start it, worked by `workers`
/// background workers of this process through the database queue (claims, leases,
/// heartbeats, completion), timed from enqueueing to the last chunk's completion.
async fn batch_through_queue(settings: Settings, workers: usize) -> anyhow::Result<()> {
    use la_app::jobs::handlers::AnalyticsJobs;
    use la_app::jobs::runtime::{JobRuntime, RuntimeConfig};
    use la_app::ports::Coalesce;
    use la_domain::jobs::JobStatus;
    use std::sync::Arc;

    let database = startup::connect_and_migrate(&settings).await?;
    let jobs = database.jobs();
    let started = Instant::now();
    let now = chrono::Utc::now();
    let day = now.date_naive();
    let job = la_app::jobs::daily_batch_job(day, now);
    let id = jobs.enqueue(&job, Coalesce::PendingOnly).await?.id();
    let mut config = RuntimeConfig::new(Vec::new());
    config.interactive_workers = 0;
    config.background_workers = workers.max(1);
    config.poll = std::time::Duration::from_millis(100);
    let handler = AnalyticsJobs::new(database.store(), jobs.clone());
    let runtime = JobRuntime::start(jobs.clone(), Arc::new(handler), config);
    let bar = ProgressBar::new_spinner();
    let outcome = loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let Some(planner) = jobs.get_job(id).await? else {
            break Err(anyhow::anyhow!("the batch job {id} disappeared"));
        };
        match planner.status {
            JobStatus::Completed => {
                let open = jobs.open_batch_chunks(&day.to_string()).await?;
                bar.set_message(format!("{open} chunks to go"));
                if open == 0 {
                    break Ok(());
                }
            }
            JobStatus::Failed | JobStatus::Cancelled => {
                break Err(anyhow::anyhow!(
                    "the batch job {id} ended {}: {}",
                    planner.status.as_str(),
                    planner.error.unwrap_or_default()
                ));
            }
            JobStatus::Pending | JobStatus::Running => bar.set_message("planning"),
        }
        bar.tick();
    };
    bar.finish_and_clear();
    runtime.shutdown().await;
    database.close().await;
    outcome?;
    println!(
        "Queued batch done: job {id}, {} workers, wall {:.2} s",
        workers.max(1),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_logins(logins: &[DemoLogin], password: &str) {
    println!("Demo logins (password: {password}):");
    for login in logins {
        let roles: Vec<&str> = login.roles.iter().map(|r| r.as_str()).collect();
        println!(
            "  {:<28} {:<34} {}",
            login.email,
            roles.join(", "),
            login.description
        );
    }
}

/// Hides a password in a database URL before printing it.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
