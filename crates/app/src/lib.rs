//! Application layer: the use cases of the service and the ports they need.
//!
//! Architecture invariant: no SQL, no HTTP, no driver types. Use cases take ports
//! (`Arc<dyn …>`) and domain values and return domain values or errors built on
//! [`ports::StoreError`]; adapters implement the ports and the binary wires them together.

pub mod analytics;
pub mod auth;
pub mod demo;
pub mod ingest;
pub mod jobs;
pub mod passwords;
pub mod ports;
pub mod preferences;
pub mod results;
pub mod system;
