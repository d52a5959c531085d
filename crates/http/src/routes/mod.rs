pub mod analytics;
pub mod auth;
pub mod system;
