//! Properties of the generated demo world: determinism, chunking, counts, referential
//! integrity, natural-key uniqueness, value ranges, variety and the demo logins.

use chrono::{DateTime, Duration, TimeZone, Utc};
use la_demo::{
    Archetype, DemoConfig, demo_logins, generate, generate_in_chunks, learner_archetypes,
};
use la_domain::Role;
use la_domain::ids::{OrgId, UserId};
use la_domain::model::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 14, 30, 0).unwrap()
}

fn default_config() -> DemoConfig {
    DemoConfig::new(now())
}

/// The default dataset, generated once for all tests of this file.
fn data() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| generate(&default_config()))
}

fn main_org() -> OrgId {
    data().organizations[0].id
}

fn has_role(user: &User, role: Role) -> bool {
    user.roles.contains(&role)
}

/// Asserts that `keys` has no duplicates, naming the entity.
fn assert_unique<K: Ord + std::fmt::Debug>(entity: &str, keys: impl IntoIterator<Item = K>) {
    let mut seen = BTreeSet::new();
    for key in keys {
        assert!(
            seen.insert(format!("{key:?}")),
            "duplicate {entity} key {key:?}"
        );
    }
}

#[test]
fn generation_is_deterministic_and_seed_dependent() {
    let cfg = default_config();
    assert_eq!(&generate(&cfg), data(), "same config, same data");

    let mut other = cfg.clone();
    other.seed = 7;
    let different = generate(&other);
    assert_ne!(&different, data(), "another seed changes the data");
    // Ids come from readable keys, so the catalogue keeps its ids across seeds.
    assert_eq!(different.courses[0].id, data().courses[0].id);
}

#[test]
fn chunks_concatenate_to_the_whole_dataset() {
    let cfg = default_config();
    let mut chunks = Vec::new();
    let mut progress = Vec::new();
    generate_in_chunks(&cfg, 37, |chunk, done, total| {
        chunks.push(chunk);
        progress.push((done, total));
    });
    let total = cfg.learners + cfg.second_org_learners;
    assert_eq!(chunks.len(), 1 + total.div_ceil(37));
    assert_eq!(progress.first(), Some(&(0, total)));
    assert_eq!(progress.last(), Some(&(total, total)));
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));

    // The first chunk is the shared part: no learners, no learner activity.
    let first = &chunks[0];
    assert!(!first.courses.is_empty() && !first.skills.is_empty() && !first.kpis.is_empty());
    assert!(first.users.iter().all(|u| !has_role(u, Role::Learner)));
    assert!(first.enrollments.is_empty() && first.assessment_attempts.is_empty());
    // Learner chunks hold no catalogue.
    assert!(
        chunks[1..]
            .iter()
            .all(|c| c.courses.is_empty() && c.organizations.is_empty())
    );
    assert!(chunks[1..].iter().all(|c| c.users.len() <= 37));

    let mut joined = Dataset::default();
    for chunk in chunks {
        joined.append(chunk);
    }
    assert_eq!(&joined, data());
}

/// Counting convention (see the crate docs): learners are main-org users holding the learner
/// role, the demo learner and the multi-role user included; trainers are the main-org users
/// whose only role is trainer.
#[test]
fn default_config_has_the_configured_counts() {
    let ds = data();
    let cfg = default_config();
    eprintln!("record counts of the default config:");
    for (kind, n) in ds.counts() {
        eprintln!("  {:<26} {n}", kind.as_str());
    }
    eprintln!("  {:<26} {}", "total", ds.total_records());

    let main = main_org();
    let in_main = |u: &&User| u.org_id == Some(main);
    let learners = ds
        .users
        .iter()
        .filter(in_main)
        .filter(|u| has_role(u, Role::Learner))
        .count();
    assert_eq!(learners, cfg.learners);
    let trainers = ds
        .users
        .iter()
        .filter(in_main)
        .filter(|u| u.roles == [Role::Trainer])
        .count();
    assert_eq!(trainers, cfg.trainers);
    let with_trainer_role = ds
        .users
        .iter()
        .filter(in_main)
        .filter(|u| has_role(u, Role::Trainer))
        .count();
    assert_eq!(
        with_trainer_role,
        cfg.trainers + 1,
        "plus the multi-role user"
    );
    assert_eq!(
        ds.courses
            .iter()
            .filter(|c| c.owner_org_id == Some(main))
            .count(),
        cfg.courses
    );
    assert_eq!(ds.skills.len(), cfg.skills);
    assert_eq!(
        ds.departments.iter().filter(|d| d.org_id == main).count(),
        cfg.departments
    );

    // The second organisation: its learners, one trainer, one org admin.
    assert_eq!(ds.organizations.len(), 2);
    let second = ds.organizations[1].id;
    let in_second: Vec<&User> = ds
        .users
        .iter()
        .filter(|u| u.org_id == Some(second))
        .collect();
    assert_eq!(
        in_second
            .iter()
            .filter(|u| has_role(u, Role::Learner))
            .count(),
        cfg.second_org_learners
    );
    assert_eq!(
        in_second
            .iter()
            .filter(|u| has_role(u, Role::Trainer))
            .count(),
        1
    );
    assert_eq!(
        in_second
            .iter()
            .filter(|u| has_role(u, Role::OrgAdmin))
            .count(),
        1
    );

    // KPIs and value propositions per organisation.
    for org in &ds.organizations {
        assert!(ds.kpis.iter().any(|k| k.org_id == org.id), "{}", org.name);
        assert!(
            ds.value_propositions.iter().any(|v| v.org_id == org.id),
            "{}",
            org.name
        );
    }
    let main_kpis = ds.kpis.iter().filter(|k| k.org_id == main).count();
    assert!((4..=6).contains(&main_kpis));
    assert!((6..=10).contains(&ds.learning_paths.len()));

    // Every course: 4-8 ordered modules, a pre and a post (or quiz) per module, a required exam.
    for course in &ds.courses {
        let modules: Vec<&Module> = ds
            .modules
            .iter()
            .filter(|m| m.course_id == course.id)
            .collect();
        assert!((4..=8).contains(&modules.len()), "{}", course.title);
        let orders: Vec<i32> = modules.iter().map(|m| m.order).collect();
        assert_eq!(orders, (1..=modules.len() as i32).collect::<Vec<_>>());
        for module in &modules {
            let kinds: Vec<AssessmentKind> = ds
                .assessments
                .iter()
                .filter(|a| a.module_id == Some(module.id))
                .map(|a| a.kind)
                .collect();
            assert!(kinds.contains(&AssessmentKind::Pre), "{}", module.name);
            assert!(kinds.contains(&AssessmentKind::Post) || kinds.contains(&AssessmentKind::Quiz));
            let items = ds
                .content_items
                .iter()
                .filter(|i| i.module_id == Some(module.id))
                .count();
            assert!(items >= 2);
        }
        let exams: Vec<&Assessment> = ds
            .assessments
            .iter()
            .filter(|a| a.course_id == Some(course.id) && a.kind == AssessmentKind::Exam)
            .collect();
        assert_eq!(exams.len(), 1);
        assert!(exams[0].required);
        assert!(
            (1..=3).contains(&course.taught_skills.len()),
            "{}",
            course.title
        );
    }

    // Every learner has 2-6 enrollments and 1-2 learning paths.
    for user in ds.users.iter().filter(|u| has_role(u, Role::Learner)) {
        let enrollments = ds
            .enrollments
            .iter()
            .filter(|e| e.user_id == user.id)
            .count();
        assert!(
            (2..=6).contains(&enrollments),
            "{} has {enrollments}",
            user.display_name
        );
        let paths = ds
            .user_learning_paths
            .iter()
            .filter(|p| p.user_id == user.id)
            .count();
        assert!((1..=2).contains(&paths));
    }
}

#[test]
fn organisation_settings_feed_the_org_analytics() {
    let settings = &data().organizations[0].settings;
    assert_eq!(settings.recommended_hours_per_week, Some(5.0));
    assert_eq!(settings.gap_closure_target, Some(75.0));
    assert_eq!(settings.ksi_target, Some(5.0));
    assert!(settings.value_per_skill.is_some());
    assert_eq!(settings.training_investment.len(), 2);
    let periods: Vec<&str> = settings
        .training_investment
        .iter()
        .map(|t| t.period.as_str())
        .collect();
    assert_eq!(periods, ["2025-Q4", "2026-Q1"]);
}

#[test]
fn every_reference_resolves() {
    let ds = data();
    let orgs: BTreeSet<_> = ds.organizations.iter().map(|o| o.id).collect();
    let depts: BTreeMap<_, _> = ds.departments.iter().map(|d| (d.id, d)).collect();
    let teams: BTreeMap<_, _> = ds.teams.iter().map(|t| (t.id, t)).collect();
    let users: BTreeMap<_, _> = ds.users.iter().map(|u| (u.id, u)).collect();
    let skills: BTreeSet<_> = ds.skills.iter().map(|s| s.id).collect();
    let courses: BTreeMap<_, _> = ds.courses.iter().map(|c| (c.id, c)).collect();
    let modules: BTreeMap<_, _> = ds.modules.iter().map(|m| (m.id, m)).collect();
    let assessments: BTreeMap<_, _> = ds.assessments.iter().map(|a| (a.id, a)).collect();
    let paths: BTreeMap<_, _> = ds.learning_paths.iter().map(|p| (p.id, p)).collect();
    let topics: BTreeSet<_> = ds
        .learning_paths
        .iter()
        .flat_map(|p| p.topics.iter().map(|t| t.topic_id))
        .collect();
    let contents: BTreeSet<_> = ds.content_items.iter().map(|c| c.id).collect();
    let all_skills = |ids: &[la_domain::ids::SkillId]| ids.iter().all(|s| skills.contains(s));

    for d in &ds.departments {
        assert!(orgs.contains(&d.org_id));
    }
    for t in &ds.teams {
        assert!(orgs.contains(&t.org_id));
        let dept = depts[&t.parent_id.expect("teams sit in a department")];
        assert_eq!(dept.org_id, t.org_id);
    }
    for u in &ds.users {
        let org = u.org_id.expect("every demo user has an organisation");
        assert!(orgs.contains(&org));
        if let Some(d) = u.department_id {
            assert_eq!(depts[&d].org_id, org);
        }
        if let Some(t) = u.team_id {
            assert_eq!(
                teams[&t].parent_id, u.department_id,
                "team within the user's department"
            );
        }
    }
    for s in &ds.sessions {
        assert!(users.contains_key(&s.user_id));
        assert!(s.course_id.is_none_or(|c| courses.contains_key(&c)));
    }
    for s in &ds.skills {
        assert!(all_skills(&s.prerequisite_skill_ids));
    }
    for c in &ds.courses {
        assert!(c.owner_org_id.is_some_and(|o| orgs.contains(&o)));
        assert!(
            c.trainer_ids
                .iter()
                .all(|t| users.get(t).is_some_and(|u| has_role(u, Role::Trainer)))
        );
        assert!(!c.trainer_ids.is_empty());
        assert!(c.taught_skills.iter().all(|t| skills.contains(&t.skill_id)));
    }
    for m in &ds.modules {
        assert!(courses.contains_key(&m.course_id));
        assert!(m.topic_id.is_none_or(|t| topics.contains(&t)));
        assert!(all_skills(&m.skill_ids));
    }
    for a in &ds.assessments {
        assert!(a.course_id.is_some_and(|c| courses.contains_key(&c)));
        if let Some(m) = a.module_id {
            assert_eq!(Some(modules[&m].course_id), a.course_id);
        }
        assert!(a.topic_id.is_none_or(|t| topics.contains(&t)));
        assert!(all_skills(&a.skill_ids));
    }
    for e in &ds.enrollments {
        assert!(users.contains_key(&e.user_id) && courses.contains_key(&e.course_id));
    }
    for p in &ds.module_progress {
        assert!(users.contains_key(&p.user_id) && modules.contains_key(&p.module_id));
        let course = modules[&p.module_id].course_id;
        assert!(
            ds.enrollments
                .iter()
                .any(|e| e.user_id == p.user_id && e.course_id == course),
            "module progress only in enrolled courses"
        );
    }
    for a in &ds.assessment_attempts {
        assert!(users.contains_key(&a.user_id));
        assert_eq!(a.max_score, assessments[&a.assessment_id].max_score);
    }
    for s in &ds.user_skills {
        assert!(users.contains_key(&s.user_id) && skills.contains(&s.skill_id));
    }
    for t in &ds.skill_targets {
        assert!(users.contains_key(&t.user_id) && skills.contains(&t.skill_id));
    }
    for d in &ds.skill_demand {
        assert!(skills.contains(&d.skill_id));
    }
    for p in &ds.learning_paths {
        assert!(p.topics.iter().all(|t| all_skills(&t.skill_ids)));
    }
    for p in &ds.user_learning_paths {
        assert!(users.contains_key(&p.user_id) && paths.contains_key(&p.path_id));
    }
    for t in &ds.topic_completions {
        assert!(users.contains_key(&t.user_id));
        assert!(
            paths[&t.path_id]
                .topics
                .iter()
                .any(|x| x.topic_id == t.topic_id),
            "topic of its path"
        );
        assert!(
            ds.user_learning_paths
                .iter()
                .any(|p| p.user_id == t.user_id && p.path_id == t.path_id)
        );
    }
    for c in &ds.content_items {
        assert!(c.course_id.is_none_or(|id| courses.contains_key(&id)));
        if let Some(m) = c.module_id {
            assert_eq!(Some(modules[&m].course_id), c.course_id);
        }
        assert!(c.created_by.is_none_or(|u| users.contains_key(&u)));
        assert!(c.owner_org_id.is_some_and(|o| orgs.contains(&o)));
    }
    for i in &ds.content_interactions {
        assert!(users.contains_key(&i.user_id) && contents.contains(&i.content_id));
    }
    for s in &ds.content_shares {
        assert!(users.contains_key(&s.shared_by) && contents.contains(&s.content_id));
    }
    for h in &ds.help_requests {
        assert!(users.contains_key(&h.user_id));
        assert!(h.course_id.is_none_or(|c| courses.contains_key(&c)));
    }
    for p in &ds.practice_submissions {
        assert!(users.contains_key(&p.user_id));
        assert!(p.topic_id.is_none_or(|t| topics.contains(&t)));
        assert!(all_skills(&p.skill_ids));
    }
    for r in &ds.course_reviews {
        assert!(users.contains_key(&r.user_id) && courses.contains_key(&r.course_id));
        let trainer = r.trainer_id.expect("reviews name the course's trainer");
        assert!(courses[&r.course_id].trainer_ids.contains(&trainer));
        assert!(
            ds.enrollments
                .iter()
                .any(|e| e.user_id == r.user_id && e.course_id == r.course_id)
        );
    }
    for k in &ds.kpis {
        assert!(orgs.contains(&k.org_id));
        assert!(k.department_id.is_none_or(|d| depts[&d].org_id == k.org_id));
        assert!(all_skills(&k.linked_skill_ids) && !k.linked_skill_ids.is_empty());
    }
    for v in &ds.value_propositions {
        assert!(orgs.contains(&v.org_id));
        assert!(v.skills.iter().all(|s| skills.contains(&s.skill_id)));
        if let Some(applies) = &v.applies_to {
            assert!(
                applies
                    .department_ids
                    .iter()
                    .all(|d| depts[d].org_id == v.org_id)
            );
        }
    }
    for m in &ds.mentoring_events {
        assert_eq!(users[&m.user_id].org_id, Some(m.org_id));
    }
    for r in &ds.upstream_recommendations {
        assert!(users.contains_key(&r.user_id));
        let target = uuid::Uuid::parse_str(&r.target_id).expect("targets are internal ids");
        let resolves = match r.kind {
            RecommendationKind::Path => paths.contains_key(&la_domain::ids::PathId(target)),
            RecommendationKind::Skill => skills.contains(&la_domain::ids::SkillId(target)),
            RecommendationKind::Content => contents.contains(&la_domain::ids::ContentId(target)),
        };
        assert!(resolves, "{r:?}");
    }
}

#[test]
fn skill_prerequisites_form_a_dag() {
    let ds = data();
    // Kahn's algorithm: every skill must be removable.
    let mut remaining: BTreeMap<_, BTreeSet<_>> = ds
        .skills
        .iter()
        .map(|s| (s.id, s.prerequisite_skill_ids.iter().copied().collect()))
        .collect();
    while !remaining.is_empty() {
        let free: Vec<_> = remaining
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(id, _)| *id)
            .collect();
        assert!(
            !free.is_empty(),
            "prerequisite cycle among {} skills",
            remaining.len()
        );
        for id in free {
            remaining.remove(&id);
            for prereqs in remaining.values_mut() {
                prereqs.remove(&id);
            }
        }
    }
    assert!(
        ds.skills
            .iter()
            .any(|s| !s.prerequisite_skill_ids.is_empty())
    );
}

#[test]
fn primary_and_natural_keys_are_unique() {
    let ds = data();
    assert_unique("organization", ds.organizations.iter().map(|x| x.id));
    assert_unique("department", ds.departments.iter().map(|x| x.id));
    assert_unique("team", ds.teams.iter().map(|x| x.id));
    assert_unique("user", ds.users.iter().map(|x| x.id));
    assert_unique("user email", ds.users.iter().map(|x| x.email.clone()));
    assert_unique("session", ds.sessions.iter().map(|x| x.id));
    assert_unique("skill", ds.skills.iter().map(|x| x.id));
    assert_unique("course", ds.courses.iter().map(|x| x.id));
    assert_unique("module", ds.modules.iter().map(|x| x.id));
    assert_unique("enrollment", ds.enrollments.iter().map(|x| x.id));
    assert_unique(
        "enrollment (user, course)",
        ds.enrollments.iter().map(|x| (x.user_id, x.course_id)),
    );
    assert_unique(
        "module progress",
        ds.module_progress.iter().map(|x| (x.user_id, x.module_id)),
    );
    assert_unique("assessment", ds.assessments.iter().map(|x| x.id));
    assert_unique("attempt", ds.assessment_attempts.iter().map(|x| x.id));
    assert_unique(
        "attempt (user, assessment, no)",
        ds.assessment_attempts
            .iter()
            .map(|x| (x.user_id, x.assessment_id, x.attempt_no)),
    );
    assert_unique(
        "user skill",
        ds.user_skills.iter().map(|x| (x.user_id, x.skill_id)),
    );
    assert_unique(
        "skill target",
        ds.skill_targets
            .iter()
            .map(|x| (x.user_id, x.skill_id, x.source)),
    );
    assert_unique(
        "skill demand",
        ds.skill_demand.iter().map(|x| (x.skill_id, x.as_of)),
    );
    assert_unique("learning path", ds.learning_paths.iter().map(|x| x.id));
    assert_unique(
        "topic",
        ds.learning_paths
            .iter()
            .flat_map(|p| p.topics.iter().map(|t| t.topic_id)),
    );
    assert_unique(
        "user learning path",
        ds.user_learning_paths
            .iter()
            .map(|x| (x.user_id, x.path_id)),
    );
    assert_unique(
        "topic completion",
        ds.topic_completions
            .iter()
            .map(|x| (x.user_id, x.path_id, x.topic_id)),
    );
    assert_unique("content item", ds.content_items.iter().map(|x| x.id));
    assert_unique(
        "content interaction",
        ds.content_interactions
            .iter()
            .map(|x| (x.user_id, x.content_id, x.started_at)),
    );
    assert_unique(
        "content share",
        ds.content_shares
            .iter()
            .map(|x| (x.content_id, x.shared_by, x.shared_at)),
    );
    assert_unique(
        "help request",
        ds.help_requests.iter().map(|x| (x.user_id, x.occurred_at)),
    );
    assert_unique(
        "practice submission",
        ds.practice_submissions.iter().map(|x| x.id),
    );
    assert_unique("course review", ds.course_reviews.iter().map(|x| x.id));
    assert_unique("kpi", ds.kpis.iter().map(|x| x.id));
    assert_unique(
        "value proposition",
        ds.value_propositions.iter().map(|x| x.id),
    );
    assert_unique(
        "mentoring event",
        ds.mentoring_events
            .iter()
            .map(|x| (x.org_id, x.user_id, x.kind, x.occurred_at)),
    );
    assert_unique(
        "recommendation",
        ds.upstream_recommendations.iter().map(|x| x.id),
    );
    assert_unique(
        "external id",
        ds.users.iter().map(|u| u.external_id.clone()),
    );
}

#[test]
fn emails_are_lowercase_ascii_addresses() {
    for user in &data().users {
        let email = user.email.as_deref().expect("every demo user has an email");
        assert_eq!(email, email.to_lowercase());
        assert!(email.is_ascii() && email.contains('@'), "{email}");
    }
}

fn pct(value: f64) -> bool {
    (0.0..=100.0).contains(&value)
}

/// Everything that happened lies in the window; plan dates (due dates, deadlines, target
/// dates, expiries, KPI/value-proposition periods) may be ahead of `now`.
#[test]
fn values_lie_in_their_ranges_and_in_the_window() {
    let ds = data();
    let cfg = default_config();
    let now = cfg.now;
    let window_start = now - Duration::days(i64::from(cfg.days));
    let in_window = |t: DateTime<Utc>| t >= window_start && t <= now;

    for u in &ds.users {
        assert!(u.created_at <= now);
        assert!(u.competency_level.value() <= 4);
    }
    let learners: BTreeSet<UserId> = ds
        .users
        .iter()
        .filter(|u| has_role(u, Role::Learner))
        .map(|u| u.id)
        .collect();
    let mut by_user: BTreeMap<UserId, Vec<&Session>> = BTreeMap::new();
    for s in &ds.sessions {
        assert!(in_window(s.started_at), "{s:?}");
        let end = s.ended_at.or(s.last_activity_at).expect("some end");
        assert!(in_window(end) && end >= s.started_at);
        if let Some(last) = s.last_activity_at {
            assert!(last >= s.started_at && s.ended_at.is_none_or(|e| last <= e));
        }
        if let Some(ended) = s.ended_at {
            let minutes = (ended - s.started_at).num_minutes();
            let max = if learners.contains(&s.user_id) {
                120
            } else {
                60
            };
            assert!((4..=max).contains(&minutes), "{minutes} min");
        }
        by_user.entry(s.user_id).or_default().push(s);
    }
    for sessions in by_user.values() {
        for pair in sessions.windows(2) {
            let end = pair[0].ended_at.or(pair[0].last_activity_at).unwrap();
            assert!(
                pair[1].started_at >= end,
                "sessions of a user do not overlap"
            );
        }
    }
    for c in &ds.courses {
        assert!(c.created_at <= c.updated_at && c.updated_at <= now);
        assert!(c.target_completion_rate.is_none_or(pct));
    }
    for c in &ds.content_items {
        assert!(c.created_at <= now);
        if c.created_by.is_some() {
            assert!(in_window(c.created_at));
        }
    }
    for e in &ds.enrollments {
        assert!(in_window(e.enrolled_at));
        assert!(pct(e.progress_pct));
        assert!(
            e.last_activity_at
                .is_none_or(|t| in_window(t) && t >= e.enrolled_at)
        );
        match e.status {
            EnrollmentStatus::Completed => {
                let done = e.completed_at.expect("completed enrollments have a date");
                assert!(in_window(done) && done >= e.enrolled_at);
                assert_eq!(e.progress_pct, 100.0);
            }
            EnrollmentStatus::Active | EnrollmentStatus::Dropped => {
                assert!(e.completed_at.is_none());
                assert!(e.progress_pct < 100.0);
            }
        }
        assert_eq!(
            e.due_date.is_some(),
            e.assignment_type == AssignmentType::Mandatory
        );
    }
    for p in &ds.module_progress {
        assert!(pct(p.progress_pct) && p.time_spent_minutes >= 0.0);
        let started = p.started_at.expect("rows exist once a module is started");
        assert!(in_window(started));
        match p.completed_at {
            Some(done) => assert!(done >= started && in_window(done) && p.progress_pct == 100.0),
            None => assert!(p.progress_pct < 100.0),
        }
    }
    let assessments: BTreeMap<_, _> = ds.assessments.iter().map(|a| (a.id, a)).collect();
    let mut attempts: BTreeMap<_, Vec<i32>> = BTreeMap::new();
    for a in &ds.assessment_attempts {
        assert!(
            a.max_score > 0.0 && (0.0..=a.max_score).contains(&a.score),
            "{a:?}"
        );
        assert!(
            in_window(a.started_at) && in_window(a.submitted_at) && a.submitted_at >= a.started_at
        );
        assert!(a.duration_minutes >= 0.0);
        let threshold = assessments[&a.assessment_id].pass_threshold.unwrap_or(70.0);
        assert_eq!(a.passed, a.score_pct().unwrap() >= threshold, "{a:?}");
        attempts
            .entry((a.user_id, a.assessment_id))
            .or_default()
            .push(a.attempt_no);
    }
    for numbers in attempts.values() {
        assert_eq!(
            *numbers,
            (1..=numbers.len() as i32).collect::<Vec<_>>(),
            "attempts numbered 1..n in time order"
        );
    }
    for a in &ds.assessments {
        assert!(a.max_score > 0.0 && a.pass_threshold.is_none_or(pct));
    }
    for s in &ds.user_skills {
        assert!(s.current_level.value() <= 4);
        assert!(in_window(s.updated_at));
        assert_eq!(s.acquired, s.acquired_at.is_some());
        assert_eq!(s.acquired, s.acquired_via.is_some());
        assert!(s.acquired_at.is_none_or(in_window));
    }
    for d in &ds.skill_demand {
        assert!(pct(d.market_demand));
        assert!(d.as_of <= now.date_naive() && d.as_of >= window_start.date_naive());
    }
    let paths: BTreeMap<_, _> = ds.learning_paths.iter().map(|p| (p.id, p)).collect();
    for p in &ds.user_learning_paths {
        assert!(
            in_window(p.started_at)
                && in_window(p.last_activity_at)
                && p.last_activity_at >= p.started_at
        );
        let done = ds
            .topic_completions
            .iter()
            .filter(|t| t.user_id == p.user_id && t.path_id == p.path_id)
            .count();
        assert_eq!(
            p.topics_completed as usize, done,
            "topicsCompleted matches the completions"
        );
        assert_eq!(p.topics_total as usize, paths[&p.path_id].topics.len());
        assert!(pct(p.progress_pct));
        assert_eq!(
            p.status == PathStatus::Completed,
            p.topics_completed == p.topics_total
        );
        assert_eq!(p.completed_at.is_some(), p.status == PathStatus::Completed);
    }
    for t in &ds.topic_completions {
        assert!(in_window(t.completed_at));
    }
    for i in &ds.content_interactions {
        assert!(
            in_window(i.started_at)
                && in_window(i.last_interaction_at)
                && i.last_interaction_at >= i.started_at
        );
        assert!(pct(i.progress_pct) && i.duration_seconds >= 0.0);
        assert_eq!(i.completed, i.completed_at.is_some());
        assert!(!i.completed || i.progress_pct == 100.0);
    }
    let items: BTreeMap<_, _> = ds.content_items.iter().map(|c| (c.id, c)).collect();
    for i in &ds.content_interactions {
        assert!(
            items[&i.content_id].created_at <= i.started_at,
            "content is read after it exists"
        );
    }
    for s in &ds.content_shares {
        assert!(in_window(s.shared_at));
    }
    for h in &ds.help_requests {
        assert!(in_window(h.occurred_at));
    }
    for p in &ds.practice_submissions {
        assert!(in_window(p.started_at) && p.duration_minutes >= 0.0);
        assert_eq!(
            p.completed_at.is_some(),
            p.status == PracticeStatus::Completed
        );
        assert!(
            p.completed_at
                .is_none_or(|c| in_window(c) && c >= p.started_at)
        );
        assert!(!p.passed || p.status == PracticeStatus::Completed);
        assert!(p.score.is_none_or(pct));
    }
    for r in &ds.course_reviews {
        assert!((1..=5).contains(&r.rating));
        assert!(in_window(r.created_at));
    }
    for m in &ds.mentoring_events {
        assert!(in_window(m.occurred_at));
    }
    for r in &ds.upstream_recommendations {
        assert!(in_window(r.created_at));
        assert!(r.expires_at.is_none_or(|e| e > r.created_at));
    }
    for k in &ds.kpis {
        assert!(k.period_start <= k.period_end && k.weight >= 0.0 && k.target > 0.0);
    }
}

#[test]
fn learners_follow_their_archetypes() {
    let ds = data();
    let cfg = default_config();
    let archetypes = learner_archetypes(&cfg);
    assert_eq!(archetypes.len(), cfg.learners + cfg.second_org_learners);
    let present: BTreeSet<Archetype> = archetypes.iter().map(|(_, a)| *a).collect();
    assert_eq!(present.len(), 4, "all four archetypes occur");
    let share = |a: Archetype| {
        archetypes.iter().filter(|(_, x)| *x == a).count() as f64 / archetypes.len() as f64
    };
    assert!((0.17..0.23).contains(&share(Archetype::Fast)));
    assert!((0.37..0.43).contains(&share(Archetype::Steady)));
    assert!((0.22..0.28).contains(&share(Archetype::Slowing)));
    assert!((0.12..0.18).contains(&share(Archetype::Inactive)));

    let last30 = cfg.now - Duration::days(30);
    let last14 = cfg.now - Duration::days(14);
    let recent = |user: UserId, since: DateTime<Utc>| {
        ds.sessions
            .iter()
            .filter(|s| s.user_id == user && s.started_at >= since)
            .count()
    };
    let mean = |a: Archetype, since: DateTime<Utc>| {
        let users: Vec<UserId> = archetypes
            .iter()
            .filter(|(_, x)| *x == a)
            .map(|(u, _)| *u)
            .collect();
        users.iter().map(|u| recent(*u, since)).sum::<usize>() as f64 / users.len() as f64
    };
    // Inactive learners did (almost) nothing lately; at least one has no session at all.
    assert!(
        archetypes
            .iter()
            .any(|(u, a)| *a == Archetype::Inactive && recent(*u, last30) == 0)
    );
    assert!(mean(Archetype::Inactive, last30) < 0.5);
    // Recent activity ranks fast > steady > slowing > inactive.
    assert!(mean(Archetype::Fast, last14) > mean(Archetype::Steady, last14));
    assert!(mean(Archetype::Steady, last14) > mean(Archetype::Slowing, last14));
    assert!(mean(Archetype::Slowing, last14) > mean(Archetype::Inactive, last14));
    // Slowing learners were active earlier in the window.
    let early = cfg.now - Duration::days(45);
    let slowing: Vec<UserId> = archetypes
        .iter()
        .filter(|(_, a)| *a == Archetype::Slowing)
        .map(|(u, _)| *u)
        .collect();
    let early_sessions: usize = slowing
        .iter()
        .map(|u| {
            ds.sessions
                .iter()
                .filter(|s| s.user_id == *u && s.started_at < early)
                .count()
        })
        .sum();
    let late_sessions: usize = slowing.iter().map(|u| recent(*u, last14)).sum();
    assert!(early_sessions > 3 * late_sessions);
}

#[test]
fn the_data_has_signal_for_every_analytic() {
    let ds = data();
    let cfg = default_config();
    let main = main_org();
    let now = cfg.now;

    // k-anonymity: every main department has >= 10 learners, some team has fewer.
    let learners: Vec<&User> = ds
        .users
        .iter()
        .filter(|u| u.org_id == Some(main) && has_role(u, Role::Learner))
        .collect();
    for d in ds.departments.iter().filter(|d| d.org_id == main) {
        assert!(
            learners
                .iter()
                .filter(|u| u.department_id == Some(d.id))
                .count()
                >= 10,
            "{}",
            d.name
        );
    }
    let team_sizes: Vec<usize> = ds
        .teams
        .iter()
        .filter(|t| t.org_id == main)
        .map(|t| learners.iter().filter(|u| u.team_id == Some(t.id)).count())
        .collect();
    assert!(
        team_sizes.iter().any(|n| (1..10).contains(n)),
        "{team_sizes:?}"
    );
    assert!(
        (2..=3).contains(&(ds.teams.iter().filter(|t| t.org_id == main).count() / cfg.departments))
    );

    // Statuses and assignment types all occur; some mandatory work is overdue.
    for status in EnrollmentStatus::ALL {
        assert!(
            ds.enrollments.iter().any(|e| e.status == *status),
            "{status}"
        );
    }
    assert!(
        ds.enrollments
            .iter()
            .any(|e| e.assignment_type == AssignmentType::Voluntary)
    );
    assert!(
        ds.enrollments
            .iter()
            .any(|e| e.due_date.is_some_and(|d| d < now.date_naive())
                && e.status != EnrollmentStatus::Completed)
    );
    for status in PathStatus::ALL {
        assert!(
            ds.user_learning_paths.iter().any(|p| p.status == *status),
            "{status}"
        );
    }
    assert!(
        ds.user_learning_paths
            .iter()
            .any(|p| p.target_date.is_none())
    );
    assert!(
        ds.user_learning_paths.iter().any(|p| {
            p.target_date.is_some_and(|d| d < now.date_naive())
                && p.topics_completed < p.topics_total
        }),
        "an overdue path"
    );

    // Content: every format and creation method; employees author content.
    for t in [
        ContentType::Video,
        ContentType::Article,
        ContentType::Interactive,
        ContentType::Quiz,
        ContentType::Podcast,
    ] {
        assert!(ds.content_items.iter().any(|c| c.content_type == t));
    }
    for m in CreationMethod::ALL {
        assert!(ds.content_items.iter().any(|c| c.creation_method == *m));
    }
    let learner_ids: BTreeSet<UserId> = learners.iter().map(|u| u.id).collect();
    assert!(
        ds.content_items
            .iter()
            .any(|c| c.created_by.is_some_and(|u| learner_ids.contains(&u)))
    );
    assert!(!ds.content_shares.is_empty() && !ds.mentoring_events.is_empty());

    // Assessments: passes, failures, retries after failure, perfect scores, question tags.
    assert!(ds.assessment_attempts.iter().any(|a| a.passed));
    assert!(ds.assessment_attempts.iter().any(|a| !a.passed));
    assert!(ds.assessment_attempts.iter().any(|a| a.attempt_no >= 3));
    assert!(
        ds.assessment_attempts
            .iter()
            .any(|a| a.score == a.max_score)
    );
    assert!(
        ds.assessment_attempts
            .iter()
            .any(|a| a.question_results.as_ref().is_some_and(|q| !q.is_empty()))
    );
    assert!(
        ds.assessments
            .iter()
            .any(|a| a.due_at.is_some_and(|d| d > now))
    );

    // Courses differ in quality: high and low ratings, praise and complaints, drop-outs.
    let mean_rating = |course: &Course| {
        let ratings: Vec<i32> = ds
            .course_reviews
            .iter()
            .filter(|r| r.course_id == course.id)
            .map(|r| r.rating)
            .collect();
        (ratings.len() >= 3).then(|| ratings.iter().sum::<i32>() as f64 / ratings.len() as f64)
    };
    let means: Vec<f64> = ds.courses.iter().filter_map(mean_rating).collect();
    assert!(
        means.iter().any(|m| *m >= 4.0) && means.iter().any(|m| *m <= 2.5),
        "{means:?}"
    );
    let comments: Vec<String> = ds
        .course_reviews
        .iter()
        .filter_map(|r| r.comment.as_ref())
        .map(|c| c.to_lowercase())
        .collect();
    for word in [
        "great",
        "clear",
        "helpful",
        "confusing",
        "difficult",
        "boring",
    ] {
        assert!(comments.iter().any(|c| c.contains(word)), "{word}");
    }
    for tag in ["pacing", "examples", "difficulty"] {
        assert!(
            ds.course_reviews
                .iter()
                .any(|r| r.tags.iter().any(|t| t == tag)),
            "{tag}"
        );
    }
    let categories: BTreeSet<&str> = ds.courses.iter().map(|c| c.category.as_str()).collect();
    assert!(categories.len() >= 5 && categories.len() < ds.courses.len());

    // Skills: gaps, acquisitions through each channel, demand that moves.
    let levels: BTreeMap<_, _> = ds
        .user_skills
        .iter()
        .map(|s| ((s.user_id, s.skill_id), s.current_level))
        .collect();
    assert!(ds.skill_targets.iter().any(|t| {
        levels
            .get(&(t.user_id, t.skill_id))
            .is_some_and(|l| *l < t.target_level)
    }));
    assert!(ds.skill_targets.iter().any(|t| {
        levels
            .get(&(t.user_id, t.skill_id))
            .is_some_and(|l| *l >= t.target_level)
    }));
    for source in TargetSource::ALL {
        assert!(
            ds.skill_targets.iter().any(|t| t.source == *source),
            "{source}"
        );
    }
    for via in AcquiredVia::ALL {
        assert!(
            ds.user_skills.iter().any(|s| s.acquired_via == Some(*via)),
            "{via}"
        );
    }
    for trend in ["growing", "stable", "declining"] {
        assert!(
            ds.skill_demand
                .iter()
                .any(|d| d.market_trend.as_deref() == Some(trend))
        );
    }

    // Practice before assessments exists (DevLab statistic) and help requests occur.
    assert!(ds.practice_submissions.iter().any(|p| p.passed));
    assert!(
        ds.practice_submissions
            .iter()
            .any(|p| p.status == PracticeStatus::Abandoned)
    );
    assert!(!ds.help_requests.is_empty() && !ds.upstream_recommendations.is_empty());
    for device in ["desktop", "mobile", "tablet"] {
        assert!(
            ds.sessions
                .iter()
                .any(|s| s.device.as_deref() == Some(device))
        );
    }
    // Some learners take a course of the other organisation.
    let course_org: BTreeMap<_, _> = ds.courses.iter().map(|c| (c.id, c.owner_org_id)).collect();
    let user_org: BTreeMap<_, _> = ds.users.iter().map(|u| (u.id, u.org_id)).collect();
    assert!(
        ds.enrollments
            .iter()
            .any(|e| course_org[&e.course_id] != user_org[&e.user_id])
    );
}

#[test]
fn demo_logins_exist_with_their_emails_and_roles() {
    let ds = data();
    let cfg = default_config();
    let logins = demo_logins(&cfg);
    assert_eq!(logins, demo_logins(&cfg), "stable");
    let users: BTreeMap<_, _> = ds.users.iter().map(|u| (u.id, u)).collect();
    let by_email: BTreeMap<&str, _> = logins.iter().map(|l| (l.email.as_str(), l)).collect();
    let expected: [(&str, &[Role], usize); 7] = [
        ("learner@demo.local", &[Role::Learner], 0),
        ("trainer@demo.local", &[Role::Trainer], 0),
        ("orgadmin@demo.local", &[Role::OrgAdmin], 0),
        ("platformadmin@demo.local", &[Role::PlatformAdmin], 0),
        (
            "multirole@demo.local",
            &[Role::Learner, Role::Trainer, Role::OrgAdmin],
            0,
        ),
        ("learner@second.demo.local", &[Role::Learner], 1),
        ("orgadmin@second.demo.local", &[Role::OrgAdmin], 1),
    ];
    for (email, roles, org) in expected {
        let login = by_email
            .get(email)
            .unwrap_or_else(|| panic!("no login {email}"));
        assert_eq!(login.roles, roles, "{email}");
        assert_eq!(login.org_id, ds.organizations[org].id, "{email}");
        let user = users
            .get(&login.user_id)
            .unwrap_or_else(|| panic!("{email} not in the dataset"));
        assert_eq!(user.email.as_deref(), Some(email));
        assert_eq!(user.roles, login.roles);
        assert_eq!(user.org_id, Some(login.org_id));
        assert_eq!(user.display_name, login.display_name);
        assert!(!login.description.is_empty());
    }
    for role in Role::ALL {
        assert!(
            logins.iter().any(|l| l.roles.contains(&role)),
            "a login per role"
        );
    }
    // The multi-role user actually teaches.
    let multirole = by_email["multirole@demo.local"].user_id;
    assert!(
        ds.courses
            .iter()
            .any(|c| c.trainer_ids.contains(&multirole))
    );
}

#[test]
fn the_demo_learner_has_rich_data_everywhere() {
    let ds = data();
    let cfg = default_config();
    let me = demo_logins(&cfg)[0].user_id;
    let now = cfg.now;
    let mine = |u: UserId| u == me;

    let days_active: BTreeSet<_> = ds
        .sessions
        .iter()
        .filter(|s| mine(s.user_id) && s.started_at >= now - Duration::days(7))
        .map(|s| s.started_at.date_naive())
        .collect();
    assert!(days_active.len() >= 6, "a current streak: {days_active:?}");
    let session_days: BTreeSet<_> = ds
        .sessions
        .iter()
        .filter(|s| mine(s.user_id))
        .map(|s| s.started_at.date_naive())
        .collect();
    assert!(session_days.len() >= 30);

    let enrollments: Vec<&Enrollment> = ds.enrollments.iter().filter(|e| mine(e.user_id)).collect();
    assert!(enrollments.len() >= 4);
    assert!(
        enrollments
            .iter()
            .any(|e| e.status == EnrollmentStatus::Completed)
    );
    assert!(
        enrollments
            .iter()
            .any(|e| e.status == EnrollmentStatus::Active && e.progress_pct > 0.0)
    );
    assert!(
        enrollments
            .iter()
            .any(|e| e.assignment_type == AssignmentType::Mandatory)
    );

    let kinds: BTreeMap<_, _> = ds.assessments.iter().map(|a| (a.id, a.kind)).collect();
    let attempt_kinds: BTreeSet<AssessmentKind> = ds
        .assessment_attempts
        .iter()
        .filter(|a| mine(a.user_id))
        .map(|a| kinds[&a.assessment_id])
        .collect();
    assert!(attempt_kinds.contains(&AssessmentKind::Pre));
    assert!(
        attempt_kinds.contains(&AssessmentKind::Post)
            || attempt_kinds.contains(&AssessmentKind::Quiz)
    );
    assert!(attempt_kinds.contains(&AssessmentKind::Exam));

    assert!(
        ds.practice_submissions
            .iter()
            .filter(|p| mine(p.user_id))
            .count()
            >= 3
    );
    assert!(ds.help_requests.iter().filter(|h| mine(h.user_id)).count() >= 2);
    assert!(ds.topic_completions.iter().any(|t| mine(t.user_id)));
    assert!(ds.module_progress.iter().any(|p| mine(p.user_id)));
    assert!(ds.content_shares.iter().any(|s| mine(s.shared_by)));
    assert!(ds.mentoring_events.iter().any(|m| mine(m.user_id)));
    assert!(ds.upstream_recommendations.iter().any(|r| mine(r.user_id)));
    assert!(ds.content_items.iter().any(|c| c.created_by == Some(me)));

    let items: BTreeMap<_, _> = ds
        .content_items
        .iter()
        .map(|c| (c.id, c.content_type))
        .collect();
    let types: BTreeSet<ContentType> = ds
        .content_interactions
        .iter()
        .filter(|i| mine(i.user_id))
        .map(|i| items[&i.content_id])
        .collect();
    assert!(types.len() >= 3, "{types:?}");

    let paths: Vec<&UserLearningPath> = ds
        .user_learning_paths
        .iter()
        .filter(|p| mine(p.user_id))
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.target_date.is_some_and(|d| d > now.date_naive()))
    );

    let levels: BTreeMap<_, _> = ds
        .user_skills
        .iter()
        .filter(|s| mine(s.user_id))
        .map(|s| (s.skill_id, s.current_level))
        .collect();
    let gaps = ds
        .skill_targets
        .iter()
        .filter(|t| mine(t.user_id) && levels.get(&t.skill_id).is_some_and(|l| *l < t.target_level))
        .count();
    assert!(gaps >= 3, "skill gaps: {gaps}");
    assert!(
        ds.skill_targets
            .iter()
            .any(|t| mine(t.user_id) && t.source == TargetSource::ValueProposition)
    );
}

#[test]
fn the_demo_trainer_teaches_several_well_attended_courses() {
    let ds = data();
    let cfg = default_config();
    let trainer = demo_logins(&cfg)[1].user_id;
    let courses: Vec<&Course> = ds
        .courses
        .iter()
        .filter(|c| c.trainer_ids.contains(&trainer))
        .collect();
    assert!(courses.len() >= 3);
    for course in &courses {
        let enrolled = ds
            .enrollments
            .iter()
            .filter(|e| e.course_id == course.id)
            .count();
        assert!(enrolled >= 10, "{}: {enrolled}", course.title);
        assert!(course.is_active);
    }
    // The demo learner is one of the trainer's students.
    let learner = demo_logins(&cfg)[0].user_id;
    assert!(
        ds.enrollments
            .iter()
            .any(|e| e.user_id == learner && courses.iter().any(|c| c.id == e.course_id))
    );
}

#[test]
fn edge_configs_generate_without_panicking() {
    let base = DemoConfig::new(now());
    let configs = [
        DemoConfig {
            learners: 0,
            trainers: 0,
            courses: 0,
            skills: 0,
            departments: 0,
            second_org_learners: 0,
            ..base.clone()
        },
        DemoConfig {
            learners: 1,
            trainers: 1,
            courses: 1,
            skills: 1,
            departments: 1,
            days: 1,
            second_org_learners: 1,
            ..base.clone()
        },
        DemoConfig {
            days: 0,
            ..base.clone()
        },
        DemoConfig {
            learners: 12,
            trainers: 2,
            courses: 60,
            skills: 130,
            departments: 9,
            days: 14,
            second_org_learners: 3,
            seed: 3,
            ..base.clone()
        },
    ];
    for cfg in configs {
        let ds = generate(&cfg);
        let window_start = cfg.now - Duration::days(i64::from(cfg.days));
        assert!(
            ds.sessions
                .iter()
                .all(|s| s.started_at >= window_start && s.ended_at.is_none_or(|e| e <= cfg.now))
        );
        assert!(
            ds.enrollments
                .iter()
                .all(|e| e.enrolled_at >= window_start && e.enrolled_at <= cfg.now)
        );
        assert!(
            ds.assessment_attempts
                .iter()
                .all(|a| a.submitted_at <= cfg.now)
        );
        assert!(
            ds.upstream_recommendations
                .iter()
                .all(|r| r.created_at >= window_start && r.created_at <= cfg.now)
        );
        assert!(ds.user_skills.iter().all(|s| s.updated_at <= cfg.now));
        let learners = ds
            .users
            .iter()
            .filter(|u| has_role(u, Role::Learner))
            .count();
        assert_eq!(learners, cfg.learners + cfg.second_org_learners);
        for login in demo_logins(&cfg) {
            assert!(
                ds.users.iter().any(|u| u.id == login.user_id),
                "{}",
                login.email
            );
        }
    }
}

#[test]
fn two_thousand_learners_generate_in_chunks() {
    let mut cfg = default_config();
    cfg.learners = 2_000;
    let mut users = 0;
    let mut records = 0;
    let mut last = (0, 0);
    generate_in_chunks(&cfg, 500, |chunk, done, total| {
        users += chunk.users.len();
        records += chunk.total_records();
        last = (done, total);
    });
    assert_eq!(last, (2_025, 2_025));
    assert!(users > 2_025);
    assert!(records > 100_000);
}
