pub mod analytics;
pub mod auth;
pub mod ingest;
pub mod integration;
pub mod jobs;
pub mod preferences;
pub mod recommendations;
pub mod system;
