//! `la-upstream`: collectors for the nine upstream microservices of `integration.md`.
//!
//! An adapter crate: it reaches the database only through la-app's ports
//! ([`la_app::ports::CollectionStore`]) and writes through the push-ingestion use case, so
//! pulled and pushed records are validated alike. Resilience lives in small modules
//! ([`breaker`], [`retry`], [`transport`] with its bulkhead, [`auth`]); [`clients`] maps each
//! contract into the section 9 entities; [`collector`] runs them (mock or http per upstream)
//! and serves the status, test, mock-sample and reset operations of `api.md` I1-I6.

pub mod auth;
pub mod breaker;
pub mod clients;
pub mod clock;
pub mod collector;
pub mod config;
pub mod contracts;
pub mod metrics;
pub mod mock;
pub mod probe;
pub mod retry;
pub mod service;
pub mod stats;
pub mod transport;
pub mod writer;

pub use collector::{CollectionReport, CollectorOptions, RunStatus, ServiceReport, Upstreams};
pub use config::{Mode, UpstreamSettings};
pub use service::Service;
pub use transport::install_tls_provider;
