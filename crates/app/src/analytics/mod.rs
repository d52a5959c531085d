//! Computing analytics: loading inputs, running the pure domain analytics for every
//! subject and role, and storing the results.

pub mod batch;
pub mod compute;
pub mod coverage;
pub mod load;
pub mod names;
pub mod on_demand;
pub mod read;
mod role_advice;
