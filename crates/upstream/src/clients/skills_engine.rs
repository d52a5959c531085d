//! Skills Engine (`integration.md` 3.5): the skill catalogue and demand (extensions), each
//! user's skills with their acquisitions, and skill targets (extension).

use super::{Pull, PullContext, dedup_by_key, each, user_list};
use crate::contracts::{
    CatalogSkill, Demand, SkillAcquisition, SkillTarget as Target, UserSkill as Owned,
};
use crate::transport::{Get, Transport};
use la_domain::model::*;
use la_domain::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A level given as a label (`Beginner` .. `Expert`) or a number 0-4.
pub fn level(value: &serde_json::Value) -> Option<SkillLevel> {
    match value {
        serde_json::Value::Number(n) => n.as_i64().and_then(|l| SkillLevel::new(l).ok()),
        serde_json::Value::String(s) => SkillLevel::from_label(s),
        _ => None,
    }
}

fn via(method: Option<&str>) -> Option<AcquiredVia> {
    Some(match method? {
        "course_completion" => AcquiredVia::Course,
        "assessment_pass" => AcquiredVia::Assessment,
        "devlab" | "practice" | "mastery_completion" => AcquiredVia::Devlab,
        _ => AcquiredVia::Manual,
    })
}

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let rid = ctx.request_id.as_str();
    let catalog = t
        .get_list::<CatalogSkill>(
            &Get::new("/skills/catalog", "/skills/catalog".into()).extension(),
            rid,
        )
        .await;
    let mut skills: BTreeMap<SkillId, Skill> = BTreeMap::new();
    for s in pull.take(catalog).unwrap_or_default() {
        let Ok(id) = SkillId::from_external(&s.skill_id.0) else {
            pull.unmappable += 1;
            continue;
        };
        skills.insert(
            id,
            Skill {
                id,
                name: s.name,
                category: s.category.unwrap_or_else(|| "general".to_owned()),
                prerequisite_skill_ids: s
                    .prerequisite_skill_ids
                    .iter()
                    .filter_map(|p| SkillId::from_external(&p.0).ok())
                    .filter(|p| *p != id)
                    .collect(),
            },
        );
    }
    if pull.stopped {
        return pull;
    }
    let demand = t
        .get_list::<Demand>(
            &Get::new("/skills/demand", "/skills/demand".into()).extension(),
            rid,
        )
        .await;
    for d in pull.take(demand).unwrap_or_default() {
        let Ok(skill_id) = SkillId::from_external(&d.skill_id.0) else {
            pull.unmappable += 1;
            continue;
        };
        pull.data.skill_demand.push(SkillDemand {
            skill_id,
            market_demand: d.market_demand.clamp(0.0, 100.0),
            market_trend: d.market_trend,
            as_of: d.as_of.0,
        });
    }
    if pull.stopped {
        return pull;
    }
    let users = ctx.user_ids();
    let owned =
        each(users.clone(), ctx.concurrency, &mut pull, |user| {
            let t = t.clone();
            async move {
                user_list::<Owned>(&t, ctx, "/users/{userId}/skills", &user, false, false).await
            }
        })
        .await;
    let acquisitions = if pull.stopped {
        Vec::new()
    } else {
        each(users.clone(), ctx.concurrency, &mut pull, |user| {
            let t = t.clone();
            async move {
                user_list::<SkillAcquisition>(
                    &t,
                    ctx,
                    "/users/{userId}/skill-acquisition",
                    &user,
                    false,
                    false,
                )
                .await
            }
        })
        .await
    };
    let targets = if pull.stopped {
        Vec::new()
    } else {
        each(users, ctx.concurrency, &mut pull, |user| {
            let t = t.clone();
            async move {
                user_list::<Target>(&t, ctx, "/users/{userId}/skill-targets", &user, false, true)
                    .await
            }
        })
        .await
    };
    let mut acquired: BTreeMap<
        (UserId, SkillId),
        (chrono::DateTime<chrono::Utc>, Option<AcquiredVia>),
    > = BTreeMap::new();
    for (_, list) in acquisitions {
        for a in list {
            let (Ok(u), Ok(s)) = (
                UserId::from_external(&a.user_id.0),
                SkillId::from_external(&a.skill_id.0),
            ) else {
                pull.unmappable += 1;
                continue;
            };
            acquired.insert(
                (u, s),
                (a.acquired_at.0, via(a.acquisition_method.as_deref())),
            );
        }
    }
    let mut user_skills = Vec::new();
    for (user, list) in owned {
        let Ok(user_id) = UserId::from_external(&user) else {
            pull.unmappable += 1;
            continue;
        };
        for s in list {
            let (Ok(skill_id), Some(current_level)) =
                (SkillId::from_external(&s.id.0), level(&s.level))
            else {
                pull.unmappable += 1;
                continue;
            };
            skills.entry(skill_id).or_insert_with(|| Skill {
                id: skill_id,
                name: s.name.clone(),
                category: s.category.clone().unwrap_or_else(|| "general".to_owned()),
                prerequisite_skill_ids: Vec::new(),
            });
            let acquisition = acquired.get(&(user_id, skill_id));
            user_skills.push(UserSkill {
                user_id,
                skill_id,
                current_level,
                acquired: s.acquired.unwrap_or(current_level > SkillLevel::MISSING),
                acquired_at: acquisition.map(|a| a.0),
                acquired_via: acquisition.and_then(|a| a.1),
                updated_at: s.last_updated.map(|t| t.0).unwrap_or(ctx.now).min(ctx.now),
            });
        }
    }
    let mut skill_targets = Vec::new();
    for (user, list) in targets {
        let Ok(user_id) = UserId::from_external(&user) else {
            pull.unmappable += 1;
            continue;
        };
        for t in list {
            let (Ok(skill_id), Some(target_level)) = (
                SkillId::from_external(&t.skill_id.0),
                level(&t.target_level),
            ) else {
                pull.unmappable += 1;
                continue;
            };
            skill_targets.push(SkillTarget {
                user_id,
                skill_id,
                target_level,
                source: t
                    .source
                    .as_deref()
                    .and_then(|s| TargetSource::parse(s).ok())
                    .unwrap_or(TargetSource::Personal),
                business_priority: BusinessPriority::Medium,
                business_justification: None,
                deadline: t.deadline.map(|d| d.0),
            });
        }
    }
    pull.data.skills = skills.into_values().collect();
    pull.data.user_skills = dedup_by_key(user_skills, |s| (s.user_id, s.skill_id));
    pull.data.skill_targets = dedup_by_key(skill_targets, |s| (s.user_id, s.skill_id, s.source));
    pull.data.skill_demand = dedup_by_key(std::mem::take(&mut pull.data.skill_demand), |d| {
        (d.skill_id, d.as_of)
    });
    pull
}
