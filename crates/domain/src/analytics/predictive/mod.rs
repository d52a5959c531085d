//! Predictive analytics (AS-004.15 … AS-004.17, `analytics.md` section 5).
//!
//! - [`drop_off`]: AS-004.15 Drop-Off Risk Prediction (learner × course), rules model
//!   `rules-v1`;
//! - [`forecast`]: AS-004.16 Learning Outcome Forecasting (learner × course or path) and the
//!   trainer/org cohort aggregates;
//! - [`recommendations`]: AS-004.17 Personalized Recommendations for learners, trainers and
//!   organisations, with the persisted item lifecycle and the DevLab practice statistic.
//!
//! This file holds the few helpers the three share (scoping attempts and content to a
//! course, labels for assessments, number formatting for templates).

pub mod drop_off;
pub mod forecast;
pub mod recommendations;

#[cfg(test)]
pub(crate) mod fixtures;

use super::common::round_dp;
use super::input::Catalog;
use crate::ids::CourseId;
use crate::model::{Assessment, AssessmentKind, ContentItem};

/// The course a content item belongs to, directly or through its module.
pub(crate) fn course_of_content(catalog: &Catalog, item: &ContentItem) -> Option<CourseId> {
    item.course_id.or_else(|| {
        item.module_id
            .and_then(|m| catalog.modules.get(&m))
            .map(|m| m.course_id)
    })
}

/// A readable name for an assessment in templates (assessments carry no title): "the quiz of
/// <module>", else "the quiz of <course>", else "an assessment".
pub(crate) fn assessment_label(catalog: &Catalog, assessment: &Assessment) -> String {
    let kind = match assessment.kind {
        AssessmentKind::Pre => "pre-assessment",
        AssessmentKind::Post => "post-assessment",
        AssessmentKind::Quiz => "quiz",
        AssessmentKind::Exam => "exam",
    };
    if let Some(module) = assessment.module_id.and_then(|m| catalog.modules.get(&m)) {
        return format!("the {kind} of {}", module.name);
    }
    if let Some(course) = catalog
        .course_of_assessment(assessment)
        .and_then(|c| catalog.courses.get(&c))
    {
        return format!("the {kind} of {}", course.title);
    }
    "an assessment".to_owned()
}

/// A number for a template sentence: rounded to `dp` places, without trailing zeros
/// (`2.50` → "2.5", `5.0` → "5").
pub(crate) fn fmt_num(x: f64, dp: u32) -> String {
    let rounded = if x.is_finite() { round_dp(x, dp) } else { 0.0 };
    let text = format!("{rounded:.prec$}", prec = dp as usize);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_templates_drop_trailing_zeros() {
        assert_eq!(fmt_num(2.5, 2), "2.5");
        assert_eq!(fmt_num(5.0, 1), "5");
        assert_eq!(fmt_num(42.857, 1), "42.9");
        assert_eq!(fmt_num(-0.04, 1), "0");
        assert_eq!(fmt_num(f64::NAN, 1), "0");
        assert_eq!(fmt_num(12.0, 0), "12");
    }
}
