pub mod analytics;
pub mod auth;
pub mod ingest;
pub mod system;
