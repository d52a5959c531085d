//! Seeding the demo organisation: generate it deterministically (`la-demo`) and write it
//! through the ingestion port, marked `source = 'mock'` (decision 7), then give the demo
//! logins local accounts with a known password.

use crate::passwords::hash_password;
use crate::ports::{Store, StoreError, WriteSummary};
use chrono::Utc;
use la_demo::{DemoConfig, DemoLogin};
use la_domain::model::{DataSource, Provenance};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Hash(#[from] crate::passwords::HashError),
    #[error("demo generator stopped unexpectedly")]
    Generator,
}

/// What a seeding run wrote.
#[derive(Debug, Clone)]
pub struct SeedSummary {
    pub written: WriteSummary,
    pub logins: Vec<DemoLogin>,
}

/// Learners generated and written per transaction: bounds memory for large organisations.
pub const LEARNERS_PER_CHUNK: usize = 1_000;

/// Writes the demo data set; `progress(done, total)` is called after each chunk is stored.
///
/// Generation runs on a blocking thread and hands chunks over a small channel, so the next
/// chunk is generated while the previous one is written.
pub async fn seed_demo(
    store: Arc<dyn Store>,
    config: DemoConfig,
    password: &str,
    progress: impl Fn(usize, usize),
) -> Result<SeedSummary, SeedError> {
    let provenance = Provenance {
        source: DataSource::Mock,
        synced_at: Utc::now(),
    };
    let logins = la_demo::demo_logins(&config);
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let generator = tokio::task::spawn_blocking(move || {
        la_demo::generate_in_chunks(&config, LEARNERS_PER_CHUNK, |chunk, done, total| {
            // A closed channel means the writer failed; its error is reported below.
            let _ = tx.blocking_send((chunk, done, total));
        });
    });
    let mut written = WriteSummary::default();
    while let Some((chunk, done, total)) = rx.recv().await {
        let summary = store.write_dataset(&chunk, provenance).await?;
        for (kind, rows) in summary.rows {
            written.add(kind, rows);
        }
        progress(done, total);
    }
    generator.await.map_err(|_| SeedError::Generator)?;

    for login in &logins {
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|_| SeedError::Generator)??;
        store.upsert_account(login.user_id, &hash).await?;
    }
    Ok(SeedSummary { written, logins })
}
