//! Assessment (`integration.md` 3.4): one score per attempt; the assessments themselves are
//! known only through their attempts (id, maxScore, threshold and the optional extension
//! fields), so they are derived from them.

use super::{Pull, PullContext, dedup_by_key, each, user_list};
use crate::contracts::Score;
use crate::transport::Transport;
use chrono::Duration;
use la_domain::model::*;
use la_domain::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Pass mark when neither a status nor a threshold says (`analytics.md` AS-001.5).
const DEFAULT_THRESHOLD: f64 = 70.0;

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let scores =
        each(ctx.user_ids(), ctx.concurrency, &mut pull, |user| {
            let t = t.clone();
            async move {
                user_list::<Score>(&t, ctx, "/users/{userId}/scores", &user, false, false).await
            }
        })
        .await;
    let mut assessments: BTreeMap<AssessmentId, Assessment> = BTreeMap::new();
    let mut attempts = Vec::new();
    for (_, list) in scores {
        for s in list {
            match map(s) {
                Some((assessment, attempt)) => {
                    assessments.insert(assessment.id, assessment);
                    attempts.push(attempt);
                }
                None => pull.unmappable += 1,
            }
        }
    }
    pull.data.assessments = assessments.into_values().collect();
    pull.data.assessment_attempts = dedup_by_key(attempts, |a| a.id);
    pull
}

fn map(s: Score) -> Option<(Assessment, AssessmentAttempt)> {
    if !(s.max_score.is_finite() && s.max_score > 0.0) {
        return None;
    }
    let assessment_id = AssessmentId::from_external(&s.assessment_id.0).ok()?;
    let kind = s
        .kind
        .as_deref()
        .and_then(|k| AssessmentKind::parse(&k.to_ascii_lowercase()).ok())
        .unwrap_or(AssessmentKind::Quiz);
    let pct = s.score / s.max_score * 100.0;
    let threshold = s.threshold.filter(|t| (0.0..=100.0).contains(t));
    let passed = match s.status.as_deref() {
        Some("passed") => true,
        Some("failed") => false,
        _ => pct >= threshold.unwrap_or(DEFAULT_THRESHOLD),
    };
    let duration_minutes = s
        .time_spent
        .filter(|t| t.is_finite() && *t >= 0.0)
        .unwrap_or(0.0)
        / 60.0;
    let submitted_at = s.completed_at.0;
    let started_at = s.started_at.map(|t| t.0).unwrap_or_else(|| {
        submitted_at - Duration::milliseconds((duration_minutes * 60_000.0) as i64)
    });
    let assessment = Assessment {
        id: assessment_id,
        course_id: s.course_id.and_then(|c| CourseId::from_external(&c.0).ok()),
        module_id: s.module_id.and_then(|m| ModuleId::from_external(&m.0).ok()),
        kind,
        max_score: s.max_score,
        pass_threshold: threshold,
        required: matches!(kind, AssessmentKind::Exam),
        topic_id: None,
        skill_ids: s
            .skill_ids
            .iter()
            .filter_map(|k| SkillId::from_external(&k.0).ok())
            .collect(),
        due_at: None,
    };
    let attempt = AssessmentAttempt {
        id: AttemptId::from_external(&s.id.0).ok()?,
        assessment_id,
        user_id: UserId::from_external(&s.user_id.0).ok()?,
        attempt_no: s.attempt_number.max(1),
        started_at: started_at.min(submitted_at),
        submitted_at,
        duration_minutes,
        score: s.score.clamp(0.0, s.max_score),
        max_score: s.max_score,
        passed,
        question_results: s.question_results.map(|qs| {
            qs.into_iter()
                .map(|q| QuestionResult {
                    question_id: q.question_id.0,
                    tag: q.tag.unwrap_or_default(),
                    correct: q.correct,
                })
                .collect()
        }),
    };
    Some((assessment, attempt))
}
