//! Learner AI (`integration.md` 3.6): learning paths (definition, the user's progress and
//! completed topics) and recommendations.

use super::{Pull, PullContext, dedup_by_key, derived_id, each, user_list};
use crate::contracts::{LearningPath as Path, Recommendation};
use crate::transport::Transport;
use la_domain::model::*;
use la_domain::*;
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let users = ctx.user_ids();
    let paths = each(users.clone(), ctx.concurrency, &mut pull, |user| {
        let t = t.clone();
        async move {
            user_list::<Path>(
                &t,
                ctx,
                "/users/{userId}/learning-paths",
                &user,
                false,
                false,
            )
            .await
        }
    })
    .await;
    let recommendations = if pull.stopped {
        Vec::new()
    } else {
        each(users, ctx.concurrency, &mut pull, |user| {
            let t = t.clone();
            async move {
                user_list::<Recommendation>(
                    &t,
                    ctx,
                    "/users/{userId}/recommendations",
                    &user,
                    false,
                    false,
                )
                .await
            }
        })
        .await
    };
    let mut definitions: BTreeMap<PathId, LearningPath> = BTreeMap::new();
    for (user, list) in paths {
        let Ok(user_id) = UserId::from_external(&user) else {
            pull.unmappable += 1;
            continue;
        };
        for p in list {
            if map_path(user_id, p, ctx, &mut definitions, &mut pull).is_none() {
                pull.unmappable += 1;
            }
        }
    }
    pull.data.learning_paths = definitions.into_values().collect();
    let mut recs = Vec::new();
    for (user, list) in recommendations {
        let Ok(user_id) = UserId::from_external(&user) else {
            pull.unmappable += 1;
            continue;
        };
        for r in list {
            let Ok(id) = RecommendationId::from_external(&r.id.0) else {
                pull.unmappable += 1;
                continue;
            };
            let kind = match r.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("path") | Some("learning_path") => RecommendationKind::Path,
                Some("skill") => RecommendationKind::Skill,
                _ => RecommendationKind::Content,
            };
            recs.push(UpstreamRecommendation {
                id,
                user_id,
                kind,
                target_id: r.id.0,
                reason: r.reason.unwrap_or(r.title),
                // The contract carries no time: first seen now.
                created_at: ctx.now,
                expires_at: None,
            });
        }
    }
    pull.data.upstream_recommendations = dedup_by_key(recs, |r| r.id);
    pull
}

fn map_path(
    user_id: UserId,
    p: Path,
    ctx: &PullContext,
    definitions: &mut BTreeMap<PathId, LearningPath>,
    pull: &mut Pull,
) -> Option<()> {
    let path_id = PathId::from_external(&p.id.0).ok()?;
    let mut topics = Vec::new();
    let mut completed = Vec::new();
    for (n, step) in p.steps.iter().enumerate() {
        let order = step.order.unwrap_or(n as i32 + 1);
        let topic_id = match &step.topic_id {
            Some(t) => TopicId::from_external(&t.0).ok()?,
            None => TopicId(derived_id(IdKind::Topic, &format!("{}:{order}", path_id.0))),
        };
        if topics.iter().any(|t: &PathTopic| t.topic_id == topic_id) {
            continue;
        }
        topics.push(PathTopic {
            topic_id,
            name: step
                .title
                .clone()
                .unwrap_or_else(|| format!("Step {order}")),
            skill_ids: step
                .skill_ids
                .iter()
                .filter_map(|s| SkillId::from_external(&s.0).ok())
                .collect(),
        });
        let done = step.status.as_deref() == Some("completed") || step.completed_at.is_some();
        if done {
            completed.push((topic_id, step.completed_at.map(|t| t.0)));
        }
    }
    let total = topics.len() as i32;
    let done = completed.len() as i32;
    let times: Vec<_> = completed.iter().filter_map(|(_, t)| *t).collect();
    let first = times.iter().min().copied();
    let last = times.iter().max().copied();
    let all_done = total > 0 && done == total;
    pull.data.user_learning_paths.push(UserLearningPath {
        user_id,
        path_id,
        status: if all_done {
            PathStatus::Completed
        } else {
            PathStatus::Active
        },
        started_at: first.unwrap_or(ctx.now),
        target_date: p.target_date.map(|d| d.0),
        topics_total: total,
        topics_completed: done,
        progress_pct: if total > 0 {
            f64::from(done) / f64::from(total) * 100.0
        } else {
            0.0
        },
        completed_at: if all_done { last } else { None },
        last_activity_at: last.unwrap_or(ctx.now),
    });
    for (topic_id, at) in completed {
        if let Some(at) = at {
            pull.data.topic_completions.push(TopicCompletion {
                user_id,
                path_id,
                topic_id,
                completed_at: at,
            });
        }
    }
    definitions.insert(
        path_id,
        LearningPath {
            id: path_id,
            name: p.title,
            difficulty: p
                .difficulty
                .and_then(|d| Difficulty::parse(&d.to_ascii_lowercase()).ok())
                .unwrap_or(Difficulty::Intermediate),
            target_competency: None,
            topics,
        },
    );
    Some(())
}
