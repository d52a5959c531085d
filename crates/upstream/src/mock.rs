//! Mock mode (`integration.md` 7; decisions 3 and 7): an upstream in mock mode is the
//! deterministic demo generator (`la-demo`). Its share of the generated world (the entities
//! it supplies) is written with `source = 'mock'`; nothing touches the network.

use crate::service::Service;
use chrono::{DateTime, Duration, DurationRound, Utc};
use la_demo::DemoConfig;
use la_domain::model::{Dataset, EntityKind};
use serde_json::{Value, json};

/// The generator's settings for mock collection; `now` is rounded down to the UTC day, so
/// that repeated runs within a day write the same rows (`integration.md` 7.2).
pub fn demo_config(base: &DemoConfig, now: DateTime<Utc>) -> DemoConfig {
    DemoConfig {
        now: now.duration_trunc(Duration::days(1)).unwrap_or(now),
        ..base.clone()
    }
}

/// The entities of `world` that `service` supplies; everything else is empty.
pub fn project(world: &Dataset, service: Service) -> Dataset {
    let mut out = Dataset::default();
    for kind in service.entities() {
        copy(world, &mut out, *kind);
    }
    out
}

/// The list of one entity of `data`, alone in a dataset.
pub fn project_kind(data: &Dataset, kind: EntityKind) -> Dataset {
    let mut out = Dataset::default();
    copy(data, &mut out, kind);
    out
}

fn copy(from: &Dataset, to: &mut Dataset, kind: EntityKind) {
    macro_rules! lists {
        ($($variant:ident => $field:ident),* $(,)?) => {
            match kind {
                $(EntityKind::$variant => to.$field = from.$field.clone(),)*
            }
        };
    }
    lists!(
        Organizations => organizations,
        Departments => departments,
        Teams => teams,
        Users => users,
        Sessions => sessions,
        Skills => skills,
        Courses => courses,
        Modules => modules,
        Enrollments => enrollments,
        ModuleProgress => module_progress,
        Assessments => assessments,
        AssessmentAttempts => assessment_attempts,
        UserSkills => user_skills,
        SkillTargets => skill_targets,
        SkillDemand => skill_demand,
        LearningPaths => learning_paths,
        UserLearningPaths => user_learning_paths,
        TopicCompletions => topic_completions,
        ContentItems => content_items,
        ContentInteractions => content_interactions,
        ContentShares => content_shares,
        HelpRequests => help_requests,
        PracticeSubmissions => practice_submissions,
        CourseReviews => course_reviews,
        Kpis => kpis,
        ValuePropositions => value_propositions,
        MentoringEvents => mentoring_events,
        UpstreamRecommendations => upstream_recommendations,
    );
}

/// A labelled synthetic sample of what `service` supplies (`api.md` I4): a small generated
/// world, optionally narrowed to one user's rows (`userId` as the generator names it).
pub fn sample(service: Service, user: Option<uuid::Uuid>, now: DateTime<Utc>) -> Value {
    let config = DemoConfig {
        learners: 12,
        trainers: 2,
        courses: 4,
        skills: 12,
        departments: 2,
        second_org_learners: 0,
        ..demo_config(&DemoConfig::new(now), now)
    };
    let world = la_demo::generate(&config);
    let data = project(&world, service);
    let mut lists = serde_json::to_value(&data).unwrap_or(Value::Null);
    if let (Some(user), Some(object)) = (user, lists.as_object_mut()) {
        let id = Value::String(user.to_string());
        for list in object.values_mut() {
            if let Some(records) = list.as_array_mut() {
                // Rows of other users go; rows without a user (catalogue) stay.
                records.retain(|r| r.get("userId").is_none_or(|u| *u == id));
            }
        }
    }
    if let Some(object) = lists.as_object_mut() {
        object.retain(|_, list| list.as_array().is_some_and(|l| !l.is_empty()));
    }
    json!({
        "service": service.slug(),
        "synthetic": true,
        "generatedAt": now,
        "data": lists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projections_hold_only_the_suppliers_entities_and_cover_the_world() {
        let world = la_demo::generate(&DemoConfig {
            learners: 5,
            second_org_learners: 0,
            ..DemoConfig::new(Utc::now())
        });
        let mut merged = Dataset::default();
        for service in Service::ALL {
            let part = project(&world, service);
            for (kind, n) in part.counts() {
                if n > 0 {
                    assert!(service.entities().contains(&kind), "{service} {kind}");
                }
            }
            merged.append(part);
        }
        // Everything except the push-only entities is supplied by some upstream.
        for ((kind, got), (_, want)) in merged.counts().into_iter().zip(world.counts()) {
            if !matches!(
                kind,
                EntityKind::ContentShares | EntityKind::MentoringEvents
            ) {
                assert_eq!(got, want, "{kind}");
            }
        }
    }

    #[test]
    fn samples_are_labelled_and_narrowed_to_the_user() {
        let now = Utc::now();
        let s = sample(Service::Devlab, None, now);
        assert_eq!(s["synthetic"], true);
        let all = s["data"]["practiceSubmissions"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(all > 0);
        let user = s["data"]["practiceSubmissions"][0]["userId"]
            .as_str()
            .and_then(|u| uuid::Uuid::parse_str(u).ok())
            .expect("a user");
        let one = sample(Service::Devlab, Some(user), now);
        let rows = one["data"]["practiceSubmissions"].as_array().expect("rows");
        assert!(rows.len() < all && rows.iter().all(|r| r["userId"] == user.to_string()));
    }
}
