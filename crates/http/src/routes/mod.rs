pub mod analytics;
pub mod auth;
pub mod ingest;
pub mod preferences;
pub mod recommendations;
pub mod system;
