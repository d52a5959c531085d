pub mod analytics;
pub mod auth;
pub mod jobs;
pub mod system;
