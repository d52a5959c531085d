//! The knobs of the generator.

use chrono::{DateTime, Utc};

/// What to generate. Two configs that compare equal always produce the same
/// [`Dataset`](la_domain::model::Dataset), whatever the chunk size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of every random choice (default 42).
    pub seed: u64,
    /// The instant the data is generated "as of": all activity lies in the `days` before it
    /// and no timestamp of something that happened is after it.
    pub now: DateTime<Utc>,
    /// Learners of the main organisation (default 300). The demo learner and the multi-role
    /// demo user are two of them.
    pub learners: usize,
    /// Dedicated trainers of the main organisation (default 12). The multi-role demo user also
    /// teaches, but is counted among the learners, not here.
    pub trainers: usize,
    /// Courses owned by the main organisation (default 40).
    pub courses: usize,
    /// Skills of the platform-wide skill catalogue (default 80).
    pub skills: usize,
    /// Departments of the main organisation (default 4), each with 2-3 teams.
    pub departments: usize,
    /// Length of the activity window in days (default 90).
    pub days: u32,
    /// Learners of a second, small organisation (default 25) with one trainer and one org
    /// admin, so that cross-organisation access can be tested; 0 disables it.
    pub second_org_learners: usize,
}

impl DemoConfig {
    /// The default demo organisation as of `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        DemoConfig {
            seed: 42,
            now,
            learners: 300,
            trainers: 12,
            courses: 40,
            skills: 80,
            departments: 4,
            days: 90,
            second_org_learners: 25,
        }
    }

    /// Learners of both organisations together (the unit of progress in
    /// [`generate_in_chunks`](crate::generate_in_chunks)).
    pub fn total_learners(&self) -> usize {
        self.learners + self.second_org_learners
    }
}
