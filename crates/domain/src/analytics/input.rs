//! The inputs every analytic reads, built from the ingestion model.
//!
//! The batch loads an organisation with a few bulk queries and groups the rows per learner
//! ([`LearnerRecord`]); the shared catalogue (skills, courses, modules, assessments, paths,
//! content) is indexed once ([`Catalog`]). Analytics borrow from these and never query
//! anything, so each one is a pure function of its inputs and a [`Clock`](super::Clock).
//! Maps are `BTreeMap`s so that every iteration, and therefore every output, is
//! deterministic.

use crate::ids::*;
use crate::model::*;
use std::collections::BTreeMap;

/// The catalogue shared by all learners of a platform, indexed for lookups.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub skills: BTreeMap<SkillId, Skill>,
    /// Market-demand observations per skill, oldest first.
    pub skill_demand: BTreeMap<SkillId, Vec<SkillDemand>>,
    pub courses: BTreeMap<CourseId, Course>,
    pub modules: BTreeMap<ModuleId, Module>,
    /// Each course's modules in `order`.
    pub course_modules: BTreeMap<CourseId, Vec<ModuleId>>,
    pub assessments: BTreeMap<AssessmentId, Assessment>,
    pub paths: BTreeMap<PathId, LearningPath>,
    /// The path each topic belongs to.
    pub topic_paths: BTreeMap<TopicId, PathId>,
    pub content: BTreeMap<ContentId, ContentItem>,
}

impl Catalog {
    pub fn new(
        skills: Vec<Skill>,
        skill_demand: Vec<SkillDemand>,
        courses: Vec<Course>,
        modules: Vec<Module>,
        assessments: Vec<Assessment>,
        paths: Vec<LearningPath>,
        content: Vec<ContentItem>,
    ) -> Self {
        let mut catalog = Catalog {
            skills: skills.into_iter().map(|s| (s.id, s)).collect(),
            courses: courses.into_iter().map(|c| (c.id, c)).collect(),
            assessments: assessments.into_iter().map(|a| (a.id, a)).collect(),
            content: content.into_iter().map(|c| (c.id, c)).collect(),
            ..Catalog::default()
        };
        for demand in skill_demand {
            catalog
                .skill_demand
                .entry(demand.skill_id)
                .or_default()
                .push(demand);
        }
        for observations in catalog.skill_demand.values_mut() {
            observations.sort_by_key(|d| d.as_of);
        }
        let mut ordered: Vec<&Module> = modules.iter().collect();
        ordered.sort_by_key(|m| (m.course_id, m.order, m.id));
        for module in ordered {
            catalog
                .course_modules
                .entry(module.course_id)
                .or_default()
                .push(module.id);
        }
        catalog.modules = modules.into_iter().map(|m| (m.id, m)).collect();
        for path in paths {
            for topic in &path.topics {
                catalog.topic_paths.insert(topic.topic_id, path.id);
            }
            catalog.paths.insert(path.id, path);
        }
        catalog
    }

    /// Builds the catalogue from the catalogue entities of a dataset.
    pub fn from_dataset(data: &Dataset) -> Self {
        Catalog::new(
            data.skills.clone(),
            data.skill_demand.clone(),
            data.courses.clone(),
            data.modules.clone(),
            data.assessments.clone(),
            data.learning_paths.clone(),
            data.content_items.clone(),
        )
    }

    /// A course's modules in order.
    pub fn modules_of(&self, course: CourseId) -> impl Iterator<Item = &Module> {
        self.course_modules
            .get(&course)
            .into_iter()
            .flatten()
            .filter_map(|id| self.modules.get(id))
    }

    /// The latest market-demand observation of a skill.
    pub fn latest_demand(&self, skill: SkillId) -> Option<&SkillDemand> {
        self.skill_demand.get(&skill).and_then(|v| v.last())
    }

    /// The course an assessment belongs to, directly or through its module.
    pub fn course_of_assessment(&self, assessment: &Assessment) -> Option<CourseId> {
        assessment.course_id.or_else(|| {
            assessment
                .module_id
                .and_then(|m| self.modules.get(&m))
                .map(|m| m.course_id)
        })
    }

    /// Courses listing `trainer` among their trainers.
    pub fn courses_of_trainer(&self, trainer: UserId) -> impl Iterator<Item = &Course> {
        self.courses
            .values()
            .filter(move |c| c.trainer_ids.contains(&trainer))
    }
}

/// Every raw fact about one user, activity sorted oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerRecord {
    pub user: User,
    pub sessions: Vec<Session>,
    pub enrollments: Vec<Enrollment>,
    pub module_progress: Vec<ModuleProgress>,
    pub attempts: Vec<AssessmentAttempt>,
    pub user_skills: Vec<UserSkill>,
    pub skill_targets: Vec<SkillTarget>,
    pub paths: Vec<UserLearningPath>,
    pub topic_completions: Vec<TopicCompletion>,
    pub content_interactions: Vec<ContentInteraction>,
    pub help_requests: Vec<HelpRequest>,
    pub practice: Vec<PracticeSubmission>,
    /// Reviews this user wrote.
    pub reviews: Vec<CourseReview>,
    pub recommendations: Vec<UpstreamRecommendation>,
    /// Content this user shared.
    pub content_shares: Vec<ContentShare>,
    pub mentoring: Vec<MentoringEvent>,
}

impl LearnerRecord {
    pub fn new(user: User) -> Self {
        LearnerRecord {
            user,
            sessions: Vec::new(),
            enrollments: Vec::new(),
            module_progress: Vec::new(),
            attempts: Vec::new(),
            user_skills: Vec::new(),
            skill_targets: Vec::new(),
            paths: Vec::new(),
            topic_completions: Vec::new(),
            content_interactions: Vec::new(),
            help_requests: Vec::new(),
            practice: Vec::new(),
            reviews: Vec::new(),
            recommendations: Vec::new(),
            content_shares: Vec::new(),
            mentoring: Vec::new(),
        }
    }

    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// Sorts every activity list by time (ties by id or key), as analytics expect.
    pub fn sort(&mut self) {
        self.sessions.sort_by_key(|s| (s.started_at, s.id));
        self.enrollments.sort_by_key(|e| (e.enrolled_at, e.id));
        self.module_progress
            .sort_by_key(|p| (p.started_at, p.module_id));
        self.attempts
            .sort_by_key(|a| (a.submitted_at, a.attempt_no, a.id));
        self.user_skills.sort_by_key(|s| s.skill_id);
        self.skill_targets.sort_by_key(|t| (t.skill_id, t.source));
        self.paths.sort_by_key(|p| (p.started_at, p.path_id));
        self.topic_completions
            .sort_by_key(|t| (t.completed_at, t.topic_id));
        self.content_interactions
            .sort_by_key(|c| (c.started_at, c.content_id));
        self.help_requests.sort_by_key(|h| h.occurred_at);
        self.practice.sort_by_key(|p| (p.started_at, p.id));
        self.reviews.sort_by_key(|r| (r.created_at, r.id));
        self.recommendations.sort_by_key(|r| (r.created_at, r.id));
        self.content_shares
            .sort_by_key(|s| (s.shared_at, s.content_id));
        self.mentoring.sort_by_key(|m| (m.occurred_at, m.kind));
    }
}

/// An organisation with its structure and goals; members are referenced by id.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRecord {
    pub org: Organization,
    pub departments: Vec<Department>,
    pub teams: Vec<Team>,
    pub kpis: Vec<Kpi>,
    pub value_propositions: Vec<ValueProposition>,
    pub members: Vec<UserId>,
}

/// Groups a dataset's per-user rows into records (users without rows get empty records),
/// sorted by user id. Rows of unknown users are dropped: referential integrity is the
/// writer's job.
///
/// Takes the dataset by value and moves each row into its record: the batch groups millions
/// of rows, and cloning them (with their strings and question lists) was a second of a
/// 10 000-learner batch's load.
pub fn group_by_user(data: Dataset) -> Vec<LearnerRecord> {
    let mut records: Vec<LearnerRecord> = data.users.into_iter().map(LearnerRecord::new).collect();
    records.sort_by_key(|r| r.id());
    records.dedup_by_key(|r| r.id());
    let mut slots = Slots::new(&records);
    macro_rules! distribute {
        ($field:ident, $target:ident, $user:ident) => {
            for row in data.$field {
                if let Some(i) = slots.find(row.$user) {
                    records[i].$target.push(row);
                }
            }
        };
    }
    distribute!(sessions, sessions, user_id);
    distribute!(enrollments, enrollments, user_id);
    distribute!(module_progress, module_progress, user_id);
    distribute!(assessment_attempts, attempts, user_id);
    distribute!(user_skills, user_skills, user_id);
    distribute!(skill_targets, skill_targets, user_id);
    distribute!(user_learning_paths, paths, user_id);
    distribute!(topic_completions, topic_completions, user_id);
    distribute!(content_interactions, content_interactions, user_id);
    distribute!(help_requests, help_requests, user_id);
    distribute!(practice_submissions, practice, user_id);
    distribute!(course_reviews, reviews, user_id);
    distribute!(upstream_recommendations, recommendations, user_id);
    distribute!(content_shares, content_shares, shared_by);
    distribute!(mentoring_events, mentoring, user_id);
    for record in &mut records {
        record.sort();
    }
    records
}

/// Where each user's record sits in [`group_by_user`]'s list. Rows usually arrive grouped
/// by user (the tables are read through their user indexes), so the last answer is tried
/// before the hash lookup. The map is only looked up, never iterated, so outputs stay
/// deterministic.
struct Slots {
    index: std::collections::HashMap<UserId, usize>,
    last: Option<(UserId, usize)>,
}

impl Slots {
    fn new(records: &[LearnerRecord]) -> Self {
        Slots {
            index: records
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id(), i))
                .collect(),
            last: None,
        }
    }

    fn find(&mut self, user: UserId) -> Option<usize> {
        match self.last {
            Some((last, i)) if last == user => Some(i),
            _ => {
                let i = *self.index.get(&user)?;
                self.last = Some((user, i));
                Some(i)
            }
        }
    }
}

/// Groups a dataset's organisations with their structure and members.
pub fn group_orgs(data: &Dataset) -> BTreeMap<OrgId, OrgRecord> {
    let mut orgs: BTreeMap<OrgId, OrgRecord> = data
        .organizations
        .iter()
        .map(|o| {
            (
                o.id,
                OrgRecord {
                    org: o.clone(),
                    departments: Vec::new(),
                    teams: Vec::new(),
                    kpis: Vec::new(),
                    value_propositions: Vec::new(),
                    members: Vec::new(),
                },
            )
        })
        .collect();
    for d in &data.departments {
        if let Some(o) = orgs.get_mut(&d.org_id) {
            o.departments.push(d.clone());
        }
    }
    for t in &data.teams {
        if let Some(o) = orgs.get_mut(&t.org_id) {
            o.teams.push(t.clone());
        }
    }
    for k in &data.kpis {
        if let Some(o) = orgs.get_mut(&k.org_id) {
            o.kpis.push(k.clone());
        }
    }
    for v in &data.value_propositions {
        if let Some(o) = orgs.get_mut(&v.org_id) {
            o.value_propositions.push(v.clone());
        }
    }
    for u in &data.users {
        if let Some(o) = u.org_id.and_then(|id| orgs.get_mut(&id)) {
            o.members.push(u.id);
        }
    }
    orgs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::org::test_support::{at, learner, session, user_id};
    use chrono::Duration;

    #[test]
    fn grouping_moves_every_row_to_its_learner_whatever_the_row_order() {
        let hour = |h| at(2026, 1, 1) + Duration::hours(h);
        let data = Dataset {
            users: vec![learner(2, None, None).user, learner(1, None, None).user],
            // Users interleaved, so the previous row's learner is often the wrong one, and a
            // row of a user who is not in the dataset.
            sessions: vec![
                session(1, hour(3), 10),
                session(2, hour(1), 10),
                session(1, hour(2), 10),
                session(2, hour(0), 10),
                session(9, hour(0), 10),
            ],
            ..Dataset::default()
        };
        let records = group_by_user(data);
        let mut ids = vec![user_id(1), user_id(2)];
        ids.sort();
        assert_eq!(records.iter().map(|r| r.id()).collect::<Vec<_>>(), ids);
        for record in &records {
            let starts: Vec<_> = record.sessions.iter().map(|s| s.started_at).collect();
            let expected = if record.id() == user_id(1) {
                vec![hour(2), hour(3)]
            } else {
                vec![hour(0), hour(1)]
            };
            assert_eq!(starts, expected, "{:?}", record.id());
            assert!(record.sessions.iter().all(|s| s.user_id == record.id()));
        }
    }
}
