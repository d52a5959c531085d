//! Trainer analytics (AS-002.7 … AS-002.10): subject = a trainer and the courses they teach.
//!
//! - [`cohort`]: the shared course-cohort view (course, ordered modules, assessments, the
//!   enrolled learners' course rows, reviews), the at-risk rule, sentiment keywords and the
//!   cross-course benchmark population.
//! - [`course_performance`] AS-002.7 (endpoint T1), [`course_health`] AS-002.8 (T2),
//!   [`student_distribution`] AS-002.9 (T3), [`teaching_effectiveness`] AS-002.10 (T4).
//!
//! A batch builds [`cohort::build_cohorts`] once, then [`cohort::CourseBenchmarks::build`]
//! and [`teaching_effectiveness::TeachingPeers::build`], and calls each analytic's
//! `for_trainer` entry point per trainer.

pub mod cohort;
pub mod course_health;
pub mod course_performance;
pub mod student_distribution;
pub mod teaching_effectiveness;
