//! HTTP integration tests: the real server on a random port with a fresh database (SQLite by
//! default, PostgreSQL when `LA_TEST_DATABASE_URL` is set). One binary, one link step.

mod access;
mod auth;
mod cli;
mod cors;
mod coverage;
mod helpers;
mod ingest;
mod integration;
mod jobs;
mod metrics;
mod openapi;
mod preferences;
mod recommendations;
mod rls;
mod role_recommendations;
mod shapes;
mod system;
