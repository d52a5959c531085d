//! Computing analytics: loading inputs, running the pure domain analytics for every
//! subject and role, and storing the results.

pub mod load;
