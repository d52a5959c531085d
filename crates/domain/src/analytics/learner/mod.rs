//! Learner analytics (AS-001.1 … AS-001.6): subject = one learner.

pub mod content_effectiveness;
pub mod engagement;
pub mod mastery;
pub mod performance;
pub mod skill_gap;
pub mod velocity;
