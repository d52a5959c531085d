//! DevLab (`integration.md` 3.7): practice sessions. Without `passed`, a session passed when
//! it is completed with `score >= 70` (decided there).

use super::{Pull, PullContext, dedup_by_key, each, user_list};
use crate::contracts::PracticeSession;
use crate::transport::Transport;
use la_domain::model::*;
use la_domain::*;
use std::sync::Arc;

const PASS_SCORE: f64 = 70.0;

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let sessions = each(ctx.user_ids(), ctx.concurrency, &mut pull, |user| {
        let t = t.clone();
        async move {
            user_list::<PracticeSession>(
                &t,
                ctx,
                "/users/{userId}/practice-sessions",
                &user,
                false,
                false,
            )
            .await
        }
    })
    .await;
    let mut rows = Vec::new();
    for (_, list) in sessions {
        for s in list {
            match map(s) {
                Some(row) => rows.push(row),
                None => pull.unmappable += 1,
            }
        }
    }
    pull.data.practice_submissions = dedup_by_key(rows, |r| r.id);
    pull
}

fn map(s: PracticeSession) -> Option<PracticeSubmission> {
    let status = PracticeStatus::parse(&s.status.to_ascii_lowercase()).ok()?;
    let completed = status == PracticeStatus::Completed;
    let passed = s
        .passed
        .unwrap_or(completed && s.score.is_some_and(|x| x >= PASS_SCORE));
    Some(PracticeSubmission {
        id: SubmissionId::from_external(&s.id.0).ok()?,
        user_id: UserId::from_external(&s.user_id.0).ok()?,
        topic_id: s.topic_id.and_then(|t| TopicId::from_external(&t.0).ok()),
        skill_ids: s
            .skill_ids
            .iter()
            .filter_map(|k| SkillId::from_external(&k.0).ok())
            .collect(),
        started_at: s.started_at.0,
        completed_at: s.completed_at.map(|t| t.0.max(s.started_at.0)),
        status,
        passed,
        score: s.score,
        duration_minutes: s
            .duration
            .filter(|d| d.is_finite() && *d >= 0.0)
            .unwrap_or(0.0)
            / 60.0,
    })
}
