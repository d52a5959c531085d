//! One learner's user record and all of their activity, simulated session by session.
//!
//! The simulation keeps the entities consistent with each other: content interactions,
//! module time and attempts happen inside sessions; a module completes once its time is
//! spent, which triggers its post assessment and, for a module mapped to a path topic, the
//! topic completion; a course completes when its final exam is passed; skill levels rise on
//! completions and passes. Randomness comes from a generator seeded by
//! (seed, org, learner index) only, so a learner's rows never depend on the chunking.

use crate::World;
use crate::catalogue::{CoursePlan, Quality};
use crate::names::{
    COURSE_CATEGORIES, MIXED_COMMENTS, NEGATIVE_COMMENTS, NEGATIVE_TAGS, POSITIVE_COMMENTS,
    POSITIVE_TAGS, RECOMMENDATION_REASONS,
};
use crate::people::{
    Archetype, LearnerIdentity, MAIN_ORG, OrgPlan, SECOND_ORG, assignment_day, learner_identity,
    learner_user,
};
use crate::util::{
    Draw, Stream, Ts, day_start, mint_id, minutes, normal, rng_for, round1, weighted_index,
};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use la_domain::ids::{
    AttemptId, EnrollmentId, IdKind, RecommendationId, ReviewId, SessionId, SkillId, SubmissionId,
    UserId,
};
use la_domain::model::{
    AcquiredVia, Assessment, AssessmentAttempt, AssessmentKind, AssignmentType, BusinessPriority,
    ContentInteraction, ContentShare, ContentType, CourseReview, Dataset, Enrollment,
    EnrollmentStatus, HelpRequest, MentoringEvent, MentoringKind, ModuleProgress, PathStatus,
    PracticeStatus, PracticeSubmission, QuestionResult, RecommendationKind, Session, SkillLevel,
    SkillTarget, TargetSource, TopicCompletion, UpstreamRecommendation, User, UserLearningPath,
    UserSkill,
};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];

/// Start hours of the four preferred study slots (morning, lunch, afternoon, evening).
const SLOTS: [(u32, u32); 4] = [(7, 9), (12, 13), (14, 16), (18, 21)];

/// Generates learner `idx` of organisation `org` into `out`.
pub(crate) fn learner(world: &World, org: usize, idx: usize, out: &mut Dataset) {
    let org = &world.orgs[org];
    let who = learner_identity(world.cfg.seed, org, idx);
    let rng = rng_for(
        world.cfg.seed,
        Stream::Learner,
        &[org.index as u64, idx as u64],
    );
    let mut sim = Sim::new(world, org, idx, who, rng, out);
    sim.plan_sessions();
    sim.plan_enrollments();
    sim.plan_paths();
    sim.run();
    sim.finish();
}

/// Stable traits of a learner.
struct Profile {
    archetype: Archetype,
    competency: u8,
    created_at: Ts,
    /// First calendar day the learner can be active.
    active_from: NaiveDate,
    /// Share of an assessment's max score the learner typically reaches.
    ability: f64,
    /// Change of `ability` per day (slowing learners decline, fast ones improve).
    drift: f64,
    /// Multiplier of the time a module takes.
    speed: f64,
    slot: usize,
    device: usize,
    personal_category: usize,
    preferred_type: ContentType,
    help: f64,
    practice: f64,
    strong_tag: usize,
    weak_tag: usize,
}

struct PlannedSession {
    start: Ts,
    minutes: f64,
    login_only: bool,
}

struct ModState {
    required: f64,
    minutes: f64,
    started_at: Option<Ts>,
    completed_at: Option<Ts>,
    pre_done: bool,
    post_attempts: i32,
    post_passed: bool,
    post_due: bool,
    /// Sum and count of the effects of the items consumed in this module.
    effect: (f64, u32),
}

struct EnrollState {
    course: usize,
    enrolled_at: Ts,
    assignment: AssignmentType,
    due_date: Option<NaiveDate>,
    /// The module at which the learner gives up, if they will.
    drop_at: Option<usize>,
    cursor: usize,
    modules: Vec<ModState>,
    exam_attempts: i32,
    exam_passed: bool,
    completed_at: Option<Ts>,
    dropped_at: Option<Ts>,
    /// Failed the exam too often; the enrollment stays open but is no longer worked on.
    stuck: bool,
    last_activity: Option<Ts>,
}

impl EnrollState {
    fn open(&self) -> bool {
        self.completed_at.is_none() && self.dropped_at.is_none() && !self.stuck
    }
}

struct PathState {
    path: usize,
    started_at: Ts,
    target_date: Option<NaiveDate>,
    done: BTreeMap<usize, Ts>,
    /// Minutes spent per topic in path-study sessions.
    minutes: BTreeMap<usize, f64>,
    last_activity: Ts,
}

/// A level change of a skill caused by an event.
struct SkillEvent {
    at: Ts,
    skill: SkillId,
    /// `Some(level)`: raise to at least this level (course completion); `None`: maybe one
    /// level up (assessment and practice passes).
    to: Option<u8>,
    /// What caused it (becomes `acquiredVia` when it makes the skill acquired).
    via: AcquiredVia,
}

/// Whole-window state of one learner's simulation.
struct Sim<'w, 'o> {
    world: &'w World,
    org: &'w OrgPlan,
    idx: usize,
    who: LearnerIdentity,
    user_id: UserId,
    rng: ChaCha8Rng,
    out: &'o mut Dataset,
    p: Profile,
    sessions: Vec<PlannedSession>,
    enrollments: Vec<EnrollState>,
    paths: Vec<PathState>,
    /// Progress and the learner's cap (some items are never finished) per content item.
    items: BTreeMap<usize, (f64, f64)>,
    /// Completed DevLab submissions: (start, skills).
    practice_log: Vec<(Ts, Vec<SkillId>)>,
    skill_events: Vec<SkillEvent>,
    /// Practised skills (for the user-skill rows).
    practised: Vec<SkillId>,
    /// Content items the learner finished, with when (candidates for sharing).
    completed_items: Vec<(usize, Ts)>,
    /// Skills the learner has a target for (set by `finish_skills`).
    target_skills: Vec<SkillId>,
    attempt_seq: usize,
    practice_seq: usize,
}

impl<'w, 'o> Sim<'w, 'o> {
    fn new(
        world: &'w World,
        org: &'w OrgPlan,
        idx: usize,
        who: LearnerIdentity,
        mut rng: ChaCha8Rng,
        out: &'o mut Dataset,
    ) -> Self {
        let cfg = &world.cfg;
        let days = i64::from(cfg.days);
        let archetype = who.archetype;
        let joined_recently = !who.showcase && days >= 21 && rng.chance(0.08);
        let created_at = if joined_recently {
            cfg.now
                - Duration::days(rng.random_range(14..=(days * 2 / 3).max(14)))
                - Duration::hours(rng.random_range(0..24))
        } else {
            cfg.now
                - Duration::days(days + rng.random_range(30..900))
                - Duration::hours(rng.random_range(0..24))
        };
        let active_from = (created_at.date_naive() + Duration::days(1)).max(world.first_day);
        let competency = if who.showcase {
            2
        } else {
            weighted_index(&mut rng, &[0.08, 0.30, 0.35, 0.20, 0.07]) as u8
        };
        let (mean, drift, speed) = match archetype {
            Archetype::Fast => (0.84, 0.0006, 0.8),
            Archetype::Steady => (0.76, 0.0, 1.0),
            Archetype::Slowing => (0.70, -0.0018, 1.15),
            Archetype::Inactive => (0.62, 0.0, 1.3),
        };
        let ability = normal(&mut rng, mean, 0.06).clamp(0.4, 0.97);
        let speed = speed * rng.uniform(0.85, 1.15);
        let slot = weighted_index(&mut rng, &[0.3, 0.2, 0.2, 0.3]);
        let device = weighted_index(&mut rng, &[0.6, 0.3, 0.1]);
        let personal_category = rng.random_range(0..COURSE_CATEGORIES.len());
        let preferred_type =
            ContentType::ALL[weighted_index(&mut rng, &[0.35, 0.25, 0.2, 0.1, 0.1])];
        let help = if who.showcase {
            0.14
        } else {
            rng.uniform(0.02, 0.12)
        };
        let practice = match archetype {
            Archetype::Fast => 0.22,
            Archetype::Steady => 0.18,
            Archetype::Slowing => 0.14,
            Archetype::Inactive => 0.10,
        } * rng.uniform(0.6, 1.4);
        let strong_tag = rng.random_range(0..4);
        let weak_tag = (strong_tag + rng.random_range(1..4)) % 4;
        let user_id = who.user_id;
        Sim {
            world,
            org,
            idx,
            who,
            user_id,
            rng,
            out,
            p: Profile {
                archetype,
                competency,
                created_at,
                active_from,
                ability,
                drift,
                speed,
                slot,
                device,
                personal_category,
                preferred_type,
                help,
                practice,
                strong_tag,
                weak_tag,
            },
            sessions: Vec::new(),
            enrollments: Vec::new(),
            paths: Vec::new(),
            items: BTreeMap::new(),
            practice_log: Vec::new(),
            skill_events: Vec::new(),
            practised: Vec::new(),
            completed_items: Vec::new(),
            target_skills: Vec::new(),
            attempt_seq: 0,
            practice_seq: 0,
        }
    }

    fn ext(&self) -> String {
        format!("{}-{:06}", self.org.index, self.idx)
    }

    /// Probability of being active on a day `days_ago` before today, by archetype: the
    /// archetype rules of the crate documentation.
    fn activity_probability(&self, days_ago: i64, weekday: Weekday) -> f64 {
        let base = match self.p.archetype {
            Archetype::Fast => 0.72,
            Archetype::Steady => 0.55,
            Archetype::Slowing => {
                if days_ago >= 28 {
                    0.6
                } else if days_ago >= 14 {
                    0.15 + 0.45 * (days_ago - 14) as f64 / 14.0
                } else {
                    0.06
                }
            }
            Archetype::Inactive => {
                if days_ago >= 35 {
                    0.3
                } else {
                    0.0
                }
            }
        };
        let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
        let weekend_factor = match (weekend, self.p.archetype) {
            (false, _) => 1.0,
            (true, Archetype::Fast) => 0.7,
            (true, _) => 0.35,
        };
        base * weekend_factor
    }

    /// Sessions on realistic days and hours; the showcase logins are active on each of the
    /// last ten days (a current streak).
    fn plan_sessions(&mut self) {
        let world = self.world;
        let now = world.cfg.now;
        let personal = self.rng.uniform(0.8, 1.2);
        let mut date = self.p.active_from;
        while date <= world.today {
            let days_ago = (world.today - date).num_days();
            let mut p = self.activity_probability(days_ago, date.weekday()) * personal;
            if self.who.showcase {
                p = if days_ago < 10 { 1.0 } else { p.max(0.62) };
            }
            if self.rng.chance(p.clamp(0.0, 1.0)) {
                self.plan_day(date, days_ago, now);
            }
            date += Duration::days(1);
        }
        // Some inactive learners drop by once, briefly, without learning anything.
        if self.p.archetype == Archetype::Inactive && world.cfg.days > 5 && self.rng.chance(0.3) {
            let days_ago = self.rng.random_range(3..30.min(i64::from(world.cfg.days)));
            let date = world.today - Duration::days(days_ago);
            if date >= self.p.active_from {
                let start =
                    day_start(date) + Duration::minutes(self.rng.random_range(8 * 60..20 * 60));
                let minutes = self.rng.uniform(5.0, 10.0);
                if start + crate::util::minutes(minutes) <= now {
                    self.sessions.push(PlannedSession {
                        start,
                        minutes,
                        login_only: true,
                    });
                }
            }
        }
        self.sessions.sort_by_key(|s| s.start);
    }

    fn plan_day(&mut self, date: NaiveDate, days_ago: i64, now: Ts) {
        let extra = match self.p.archetype {
            Archetype::Fast => u32::from(self.rng.chance(0.5)) + u32::from(self.rng.chance(0.2)),
            Archetype::Steady => u32::from(self.rng.chance(0.3)),
            Archetype::Slowing => u32::from(self.rng.chance(0.25)),
            Archetype::Inactive => 0,
        };
        let day_end = day_start(date) + Duration::hours(24) - Duration::minutes(1);
        let mut earliest = day_start(date);
        for n in 0..=extra {
            let start = if n == 0 {
                let (lo, hi) = if self.rng.chance(0.7) {
                    SLOTS[self.p.slot]
                } else {
                    (7, 21)
                };
                day_start(date)
                    + Duration::minutes(i64::from(self.rng.random_range(lo * 60..=hi * 60 + 59)))
            } else {
                earliest + Duration::minutes(self.rng.random_range(30..240))
            };
            let (mean, sd, lo, hi) = match self.p.archetype {
                Archetype::Fast => (65.0, 25.0, 10.0, 120.0),
                Archetype::Steady => (45.0, 18.0, 8.0, 110.0),
                Archetype::Slowing => (38.0, 15.0, 5.0, 90.0),
                Archetype::Inactive => (25.0, 12.0, 5.0, 60.0),
            };
            let mut minutes = normal(&mut self.rng, mean, sd).clamp(lo, hi);
            if self.p.archetype == Archetype::Slowing && days_ago < 21 {
                minutes = (minutes * 0.6).max(5.0);
            }
            let end = start + crate::util::minutes(minutes);
            if end > day_end || end > now {
                break;
            }
            self.sessions.push(PlannedSession {
                start,
                minutes,
                login_only: false,
            });
            earliest = end;
        }
    }

    /// Mandatory assignments of the learner's department plus voluntary enrollments made
    /// during sessions, 2-6 in all.
    fn plan_enrollments(&mut self) {
        let world = self.world;
        let cfg = &world.cfg;
        let cat = &world.cat;
        let now = cfg.now;
        let dept = self.who.department;
        let mut chosen: Vec<(usize, Ts, AssignmentType, Option<NaiveDate>)> = Vec::new();

        // Mandatory: the organisation-wide course and, for some departments, a second one.
        let mut mandatory = Vec::new();
        if let Some(c) = self.org.org_mandatory_course {
            mandatory.push((c, assignment_day(dept.unwrap_or(0), cfg.days, false)));
        }
        if let Some(c) = dept.and_then(|d| self.org.departments[d].mandatory_course) {
            mandatory.push((c, assignment_day(dept.unwrap_or(0), cfg.days, true)));
        }
        for (course, day) in mandatory {
            let assigned = world.window_start + Duration::days(i64::from(day)) + Duration::hours(9);
            let at = if self.p.created_at >= assigned {
                self.p.created_at + Duration::days(1)
            } else {
                assigned
            };
            if at <= now {
                chosen.push((
                    course,
                    at,
                    AssignmentType::Mandatory,
                    Some((at + Duration::days(45)).date_naive()),
                ));
            }
        }

        let total: usize = if self.who.showcase && self.org.index == MAIN_ORG {
            5
        } else {
            match self.p.archetype {
                Archetype::Fast => self.rng.random_range(4..=6),
                Archetype::Steady => self.rng.random_range(3..=4),
                Archetype::Slowing => self.rng.random_range(2..=4),
                Archetype::Inactive => self.rng.random_range(2..=3),
            }
        };
        let voluntary = total
            .saturating_sub(chosen.len())
            .max(2usize.saturating_sub(chosen.len()));

        // Candidate courses, weighted by popularity and fit with the department and the
        // learner's own interest.
        let mut candidates: Vec<usize> = self.org.courses.clone();
        if self.org.index == SECOND_ORG && self.rng.chance(0.2) {
            // Some learners of the second org also take a course of the main org's academy.
            if let Some(main) = world.orgs.first() {
                candidates.extend(
                    main.courses
                        .iter()
                        .copied()
                        .filter(|c| cat.courses[*c].course.is_active),
                );
            }
        }
        candidates.retain(|c| !chosen.iter().any(|x| x.0 == *c));
        let preferred: &[usize] = dept.map_or(&[], |d| self.org.departments[d].course_categories);
        let mut picks: Vec<usize> = Vec::new();
        if self.who.showcase && self.org.index == MAIN_ORG {
            // The demo learner studies with the demo trainer.
            if let Some(c) = self.org.courses.get(self.org.trainers.len().max(1))
                && candidates.contains(c)
            {
                picks.push(*c);
            }
        }
        while picks.len() < voluntary {
            let pool: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|c| !picks.contains(c))
                .collect();
            if pool.is_empty() {
                break;
            }
            let weights: Vec<f64> = pool
                .iter()
                .map(|c| {
                    let course = &cat.courses[*c];
                    let fit = if preferred.contains(&course.category) {
                        2.2
                    } else if course.category == self.p.personal_category {
                        1.6
                    } else {
                        0.8
                    };
                    let foreign = if course.org == self.org.index {
                        1.0
                    } else {
                        0.3
                    };
                    course.popularity * fit * foreign
                })
                .collect();
            picks.push(pool[weighted_index(&mut self.rng, &weights)]);
        }

        // Voluntary enrollments happen during sessions, spread over the learner's activity.
        let learning: Vec<Ts> = self
            .sessions
            .iter()
            .filter(|s| !s.login_only)
            .map(|s| s.start)
            .collect();
        let n = picks.len();
        for (j, course) in picks.into_iter().enumerate() {
            let at = if learning.is_empty() {
                // No learning session: enrolled on the portal at some point in the window.
                let from = day_start(self.p.active_from).max(world.window_start);
                let span = (now - from).num_minutes();
                if span < 1 {
                    continue;
                }
                from + Duration::minutes(self.rng.random_range(0..span))
            } else {
                let f = if j == 0 {
                    self.rng.uniform(0.0, 0.1)
                } else {
                    (j as f64 + self.rng.uniform(0.0, 1.0)) / n as f64 * 0.85
                };
                learning[((f * learning.len() as f64) as usize).min(learning.len() - 1)]
            };
            chosen.push((course, at, AssignmentType::Voluntary, None));
        }
        chosen.sort_by_key(|c| c.1);

        for (course, enrolled_at, assignment, due_date) in chosen {
            let plan = &cat.courses[course];
            let archetype_factor = match self.p.archetype {
                Archetype::Fast => 0.5,
                Archetype::Steady => 0.9,
                Archetype::Slowing => 1.6,
                Archetype::Inactive => 1.3,
            };
            let mandatory_factor = if assignment == AssignmentType::Mandatory {
                0.5
            } else {
                1.0
            };
            let drop_p = (plan.quality.drop_rate() * archetype_factor * mandatory_factor).min(0.9);
            let drop_at = self.rng.chance(drop_p).then(|| {
                if plan.quality == Quality::Weak || self.rng.chance(0.6) {
                    plan.hard_module()
                } else {
                    self.rng.random_range(0..plan.modules.len())
                }
            });
            let modules = plan
                .modules
                .iter()
                .map(|m| ModState {
                    required: m.module.estimated_hours.unwrap_or(1.0)
                        * 60.0
                        * self.p.speed
                        * self.rng.uniform(0.85, 1.15)
                        * if m.hard { 1.3 } else { 1.0 },
                    minutes: 0.0,
                    started_at: None,
                    completed_at: None,
                    pre_done: false,
                    post_attempts: 0,
                    post_passed: false,
                    post_due: false,
                    effect: (0.0, 0),
                })
                .collect();
            self.enrollments.push(EnrollState {
                course,
                enrolled_at,
                assignment,
                due_date,
                drop_at,
                cursor: 0,
                modules,
                exam_attempts: 0,
                exam_passed: false,
                completed_at: None,
                dropped_at: None,
                stuck: false,
                last_activity: None,
            });
        }
    }

    /// One or two learning paths, the first matching the department's focus.
    fn plan_paths(&mut self) {
        let world = self.world;
        let cat = &world.cat;
        if cat.paths.is_empty() {
            return;
        }
        let dept_skill_cats: Vec<usize> = self
            .who
            .department
            .map(|d| self.org.departments[d].course_categories)
            .unwrap_or(&[])
            .iter()
            .flat_map(|c| COURSE_CATEGORIES[*c].skill_categories.iter().copied())
            .collect();
        let two = self.who.showcase
            || match self.p.archetype {
                Archetype::Fast | Archetype::Steady => self.rng.chance(0.5),
                _ => self.rng.chance(0.3),
            };
        let mut picked: Vec<usize> = Vec::new();
        for n in 0..(1 + usize::from(two)).min(cat.paths.len()) {
            let weights: Vec<f64> = cat
                .paths
                .iter()
                .enumerate()
                .map(|(p, path)| {
                    if picked.contains(&p) {
                        0.0
                    } else if n == 0
                        && path
                            .skill_categories
                            .iter()
                            .any(|c| dept_skill_cats.contains(c))
                    {
                        4.0
                    } else {
                        1.0
                    }
                })
                .collect();
            picked.push(weighted_index(&mut self.rng, &weights));
        }
        let learning: Vec<Ts> = self
            .sessions
            .iter()
            .filter(|s| !s.login_only)
            .map(|s| s.start)
            .collect();
        let today = world.today;
        for (n, path) in picked.into_iter().enumerate() {
            let started_at = match learning.len() {
                0 => day_start(self.p.active_from).max(world.window_start) + Duration::hours(10),
                len => {
                    let f = if n == 0 {
                        0.0
                    } else {
                        self.rng.uniform(0.2, 0.5)
                    };
                    learning[((f * len as f64) as usize).min(len - 1)]
                }
            };
            let started_date = started_at.date_naive();
            let future = today + Duration::days(self.rng.random_range(14..90));
            let target_date = if self.who.showcase {
                // The demo learner: a path with a target ahead, one already overdue.
                Some(if n == 0 {
                    today + Duration::days(self.rng.random_range(30..60))
                } else {
                    (started_date + Duration::days(30)).min(today - Duration::days(3))
                })
            } else {
                match self.rng.random_range(0..4) {
                    0 => None,
                    1 => Some(
                        (started_date + Duration::days(self.rng.random_range(20..45))).min(future),
                    ),
                    _ => Some(future),
                }
            };
            self.paths.push(PathState {
                path,
                started_at: started_at.min(world.cfg.now),
                target_date,
                done: BTreeMap::new(),
                minutes: BTreeMap::new(),
                last_activity: started_at.min(world.cfg.now),
            });
        }
    }

    fn ability_at(&self, t: Ts) -> f64 {
        let days = (t - self.world.window_start).num_hours() as f64 / 24.0;
        (self.p.ability + self.p.drift * days).clamp(0.3, 0.99)
    }

    /// Runs all sessions in time order.
    fn run(&mut self) {
        let sessions = std::mem::take(&mut self.sessions);
        for (k, s) in sessions.iter().enumerate() {
            let end = s.start + minutes(s.minutes);
            let mut course_id = None;
            let mut last = s.start + minutes(s.minutes * 0.8);
            if !s.login_only {
                let t = s.start;
                let available: Vec<usize> = (0..self.enrollments.len())
                    .filter(|e| {
                        self.enrollments[*e].open() && self.enrollments[*e].enrolled_at <= t
                    })
                    .collect();
                let has_path = self
                    .paths
                    .iter()
                    .any(|p| p.started_at <= t && self.path_next_topic(p).is_some());
                let weights = [
                    if available.is_empty() { 0.0 } else { 0.75 },
                    self.p.practice,
                    if has_path { 0.15 } else { 0.0 },
                ];
                let mut help_p = self.p.help * 0.5;
                let mut help_course = None;
                if weights.iter().sum::<f64>() > 0.0 {
                    match weighted_index(&mut self.rng, &weights) {
                        0 => {
                            let e = self.pick_enrollment(&available);
                            let course = &self.world.cat.courses[self.enrollments[e].course];
                            let cursor = self.enrollments[e].cursor;
                            // Weak courses and hard modules send learners to the assistant.
                            let weak = f64::from(u8::from(course.quality == Quality::Weak));
                            let hard = course.modules.get(cursor).is_some_and(|m| m.hard);
                            help_p = self.p.help + 0.06 * weak + 0.05 * f64::from(u8::from(hard));
                            help_course = Some(course.course.id);
                            if self.rng.chance(0.8) {
                                course_id = Some(course.course.id);
                            }
                            last = self.work_course(e, t, end);
                        }
                        1 => last = self.practice(t, end),
                        _ => last = self.path_work(t, end),
                    }
                }
                if self.rng.chance(help_p.min(0.9)) {
                    let span = (end - s.start).num_seconds().max(1);
                    let occurred_at = s.start + Duration::seconds(self.rng.random_range(0..span));
                    let course_id = help_course.filter(|_| self.rng.chance(0.85));
                    self.out.help_requests.push(HelpRequest {
                        user_id: self.user_id,
                        occurred_at,
                        course_id,
                    });
                }
            }
            let last = last.clamp(s.start, end);
            let ended_at = (!self.rng.chance(0.04)).then_some(end);
            let device = if self.rng.chance(0.75) {
                DEVICES[self.p.device]
            } else {
                DEVICES[self.rng.random_range(0..3)]
            };
            self.out.sessions.push(Session {
                id: SessionId(mint_id(
                    IdKind::Session,
                    &format!("demo-ss-{}-{k}", self.ext()),
                )),
                user_id: self.user_id,
                started_at: s.start,
                ended_at,
                last_activity_at: Some(last),
                device: Some(device.to_owned()),
                course_id,
            });
        }
        self.sessions = sessions;
    }

    /// Which open enrollment a course session works on: mostly the one in progress, mandatory
    /// ones with a near due date first.
    fn pick_enrollment(&mut self, available: &[usize]) -> usize {
        if let Some(e) = available
            .iter()
            .copied()
            .filter(|e| self.enrollments[*e].assignment == AssignmentType::Mandatory)
            .min_by_key(|e| self.enrollments[*e].due_date)
            && self.rng.chance(0.3)
        {
            return e;
        }
        if self.rng.chance(0.75) {
            // Focus: finish what was started (the most advanced open enrollment, the earliest
            // on ties).
            *available
                .iter()
                .rev()
                .max_by_key(|e| self.enrollments[**e].cursor)
                .expect("non-empty")
        } else {
            *available.choose(&mut self.rng).expect("non-empty")
        }
    }

    /// Studies the current module(s) of enrollment `e` from `t` until `end`; returns the time
    /// of the last activity.
    fn work_course(&mut self, e: usize, mut t: Ts, end: Ts) -> Ts {
        let course: &CoursePlan = &self.world.cat.courses[self.enrollments[e].course];
        let n = course.modules.len();
        let left = |t: Ts| (end - t).num_seconds() as f64 / 60.0;

        // Owed and retried assessments first.
        for m in 0..n {
            if self.enrollments[e].modules[m].post_due && left(t) >= 8.0 {
                t = self.post_attempt(e, m, t, left(t));
            }
        }
        if self.enrollments[e].cursor >= n && !self.enrollments[e].exam_passed && left(t) >= 15.0 {
            t = self.exam_attempt(e, t, left(t));
        }

        while self.enrollments[e].open() && self.enrollments[e].cursor < n && left(t) >= 5.0 {
            let m = self.enrollments[e].cursor;
            if self.enrollments[e].modules[m].started_at.is_none() {
                self.enrollments[e].modules[m].started_at = Some(t);
                if !self.enrollments[e].modules[m].pre_done {
                    self.enrollments[e].modules[m].pre_done = true;
                    let pre = &course.modules[m].pre;
                    t = self.attempt(e, Some(m), pre, 1, t, left(t)).0;
                }
            }
            let state = &self.enrollments[e].modules[m];
            if self.enrollments[e].drop_at == Some(m) && state.minutes >= 0.3 * state.required {
                self.enrollments[e].dropped_at = Some(t);
                self.enrollments[e].last_activity = Some(t);
                return t;
            }
            let need = state.required - state.minutes;
            let work = need.min(left(t));
            if work < 1.0 && need >= 1.0 {
                // Too little time left in this session; a remainder under a minute is
                // finished now (otherwise the module could never complete).
                break;
            }
            self.consume_content(e, m, t, work);
            t += minutes(work);
            let state = &mut self.enrollments[e].modules[m];
            state.minutes += work;
            self.enrollments[e].last_activity = Some(t);
            let state = &mut self.enrollments[e].modules[m];
            if state.minutes + 0.01 >= state.required {
                state.completed_at = Some(t);
                state.post_due = true;
                self.enrollments[e].cursor += 1;
                if let Some(topic) = course.modules[m].module.topic_id {
                    self.complete_topic(topic, t);
                }
                if left(t) >= 5.0 {
                    t = self.post_attempt(e, m, t, left(t));
                }
            }
        }
        if self.enrollments[e].open() && self.enrollments[e].cursor >= n && left(t) >= 15.0 {
            t = self.exam_attempt(e, t, left(t));
        }
        self.enrollments[e].last_activity = Some(t);
        t
    }

    fn post_attempt(&mut self, e: usize, m: usize, t: Ts, budget: f64) -> Ts {
        let course = &self.world.cat.courses[self.enrollments[e].course];
        let post = &course.modules[m].post;
        let attempt_no = self.enrollments[e].modules[m].post_attempts + 1;
        let (t, passed) = self.attempt(e, Some(m), post, attempt_no, t, budget);
        let state = &mut self.enrollments[e].modules[m];
        state.post_attempts = attempt_no;
        // Retry failed posts up to three attempts in later sessions.
        state.post_due = !passed && attempt_no < 3;
        if passed && !state.post_passed {
            state.post_passed = true;
            for skill in &post.skill_ids {
                self.skill_events.push(SkillEvent {
                    at: t,
                    skill: *skill,
                    to: None,
                    via: AcquiredVia::Assessment,
                });
            }
        }
        t
    }

    fn exam_attempt(&mut self, e: usize, t: Ts, budget: f64) -> Ts {
        let course = &self.world.cat.courses[self.enrollments[e].course];
        let attempt_no = self.enrollments[e].exam_attempts + 1;
        let (t, passed) = self.attempt(e, None, &course.exam, attempt_no, t, budget);
        let state = &mut self.enrollments[e];
        state.exam_attempts = attempt_no;
        if passed {
            state.exam_passed = true;
            state.completed_at = Some(t);
            for taught in &course.course.taught_skills {
                self.skill_events.push(SkillEvent {
                    at: t,
                    skill: taught.skill_id,
                    to: Some(taught.level.value()),
                    via: AcquiredVia::Course,
                });
            }
        } else if attempt_no >= 4 {
            state.stuck = true;
        }
        state.last_activity = Some(t);
        t
    }

    /// One assessment attempt starting at `t`; returns (submission time, passed).
    fn attempt(
        &mut self,
        e: usize,
        module: Option<usize>,
        assessment: &Assessment,
        attempt_no: i32,
        t: Ts,
        budget: f64,
    ) -> (Ts, bool) {
        let course = &self.world.cat.courses[self.enrollments[e].course];
        let (lo, hi): (f64, f64) = match assessment.kind {
            AssessmentKind::Pre => (4.0, 12.0),
            AssessmentKind::Quiz => (4.0, 12.0),
            AssessmentKind::Post => (8.0, 22.0),
            AssessmentKind::Exam => (20.0, 45.0),
        };
        let duration = self.rng.uniform(lo, hi).min(budget).max(3.0);
        let ability = self.ability_at(t);
        let share = if assessment.kind == AssessmentKind::Pre {
            ability - 0.32 + normal(&mut self.rng, 0.0, 0.1)
        } else {
            let content = module
                .map(|m| {
                    let (sum, n) = self.enrollments[e].modules[m].effect;
                    if n == 0 { -2.0 } else { sum / f64::from(n) }
                })
                .unwrap_or(0.0);
            let practised = self.practice_log.iter().any(|(at, skills)| {
                *at < t
                    && t - *at <= Duration::hours(48)
                    && skills.iter().any(|s| assessment.skill_ids.contains(s))
            });
            let hard = module.is_some_and(|m| course.modules[m].hard);
            ability
                + course.quality.score_shift()
                + content / 100.0
                + if practised { 0.06 } else { 0.0 }
                + 0.07 * f64::from(attempt_no - 1)
                - if hard { 0.08 } else { 0.0 }
                + normal(&mut self.rng, 0.0, 0.08)
        };
        let share = share.clamp(0.0, 1.0);
        let score = (share * assessment.max_score).round();
        let pct = score / assessment.max_score * 100.0;
        let passed = pct >= assessment.pass_threshold.unwrap_or(70.0);
        let question_results = (assessment.kind != AssessmentKind::Pre && self.rng.chance(0.5))
            .then(|| {
                let tags = COURSE_CATEGORIES[course.category].question_tags;
                (0..self.rng.random_range(6..=10))
                    .map(|q| {
                        let tag = self.rng.random_range(0..tags.len());
                        let bias = if tag == self.p.strong_tag {
                            0.15
                        } else if tag == self.p.weak_tag {
                            -0.25
                        } else {
                            0.0
                        };
                        QuestionResult {
                            question_id: format!("q{}", q + 1),
                            tag: tags[tag].to_owned(),
                            correct: self.rng.chance((share + bias).clamp(0.02, 0.98)),
                        }
                    })
                    .collect()
            });
        let submitted_at = t + minutes(duration);
        self.out.assessment_attempts.push(AssessmentAttempt {
            id: AttemptId(mint_id(
                IdKind::AssessmentAttempt,
                &format!("demo-at-{}-{}", self.ext(), self.attempt_seq),
            )),
            assessment_id: assessment.id,
            user_id: self.user_id,
            attempt_no,
            started_at: t,
            submitted_at,
            duration_minutes: round1(duration),
            score,
            max_score: assessment.max_score,
            passed,
            question_results,
        });
        self.attempt_seq += 1;
        (submitted_at, passed)
    }

    /// Content interactions while studying module `m` for `work` minutes from `t`.
    fn consume_content(&mut self, e: usize, m: usize, t: Ts, work: f64) {
        let cat = &self.world.cat;
        let module = &cat.courses[self.enrollments[e].course].modules[m];
        let available: Vec<usize> = module
            .items
            .iter()
            .copied()
            .filter(|i| cat.items[*i].item.created_at <= t)
            .collect();
        let mut open: Vec<usize> = available
            .iter()
            .copied()
            .filter(|i| {
                self.items
                    .get(i)
                    .is_none_or(|(progress, cap)| progress < cap)
            })
            .collect();
        if open.is_empty() {
            // Everything seen: an occasional revisit.
            if available.is_empty() || !self.rng.chance(0.3) {
                return;
            }
            open = vec![*available.choose(&mut self.rng).expect("non-empty")];
        }
        // The learner's preferred format first.
        open.shuffle(&mut self.rng);
        open.sort_by_key(|i| cat.items[*i].item.content_type != self.p.preferred_type);
        let first_share = if open.len() > 1 && work > 20.0 {
            self.rng.uniform(0.3, 0.7)
        } else {
            1.0
        };
        let parts = [work * first_share, work * (1.0 - first_share)];
        let mut cursor = t;
        for (i, part) in open.into_iter().zip(parts).filter(|(_, part)| *part > 0.0) {
            let plan = &cat.items[i];
            let cap = if self.rng.chance(0.8) {
                100.0
            } else {
                self.rng.uniform(30.0, 90.0)
            };
            let entry = self.items.entry(i).or_insert((0.0, cap));
            let before = entry.0;
            entry.0 = (entry.0 + part / plan.minutes * 100.0)
                .min(entry.1)
                .min(100.0);
            let progress = round1(entry.0);
            // Spend no longer on the item than it lasts (skimming counts as time too).
            let seconds = (part * 60.0).min(plan.minutes * 60.0 * 1.5).max(30.0);
            let last = cursor + Duration::seconds(seconds as i64);
            let completed = progress >= 100.0;
            if completed && before < 100.0 {
                self.completed_items.push((i, last));
            }
            self.out.content_interactions.push(ContentInteraction {
                user_id: self.user_id,
                content_id: plan.item.id,
                started_at: cursor,
                last_interaction_at: last,
                duration_seconds: seconds.round(),
                progress_pct: progress,
                completed,
                completed_at: completed.then_some(last),
            });
            if before < 50.0 && progress >= 50.0 {
                let effect = &mut self.enrollments[e].modules[m].effect;
                effect.0 += plan.effect;
                effect.1 += 1;
            }
            cursor += minutes(part);
        }
    }

    /// A DevLab practice session; returns the time of the last activity.
    fn practice(&mut self, mut t: Ts, end: Ts) -> Ts {
        let world = self.world;
        let cat = &world.cat;
        let now = world.cfg.now;
        // Practise what the current module teaches, or the next topic of a path.
        let current: Vec<(usize, usize)> = self
            .enrollments
            .iter()
            .filter(|e| {
                e.open() && e.enrolled_at <= t && e.cursor < cat.courses[e.course].modules.len()
            })
            .map(|e| (e.course, e.cursor))
            .collect();
        let path_topic = self
            .paths
            .iter()
            .filter(|p| p.started_at <= t)
            .find_map(|p| self.path_next_topic(p).map(|topic| (p.path, topic)));
        let (topic_id, skill_ids) = match (current.choose(&mut self.rng).copied(), path_topic) {
            (Some((c, m)), path) if path.is_none() || self.rng.chance(0.6) => {
                let module = &cat.courses[c].modules[m].module;
                let topic = module.topic_id.or_else(|| {
                    cat.topics_for(&module.skill_ids)
                        .first()
                        .map(|(p, tp)| cat.paths[*p].path.topics[*tp].topic_id)
                });
                (topic, module.skill_ids.clone())
            }
            (_, Some((p, tp))) => {
                let topic = &cat.paths[p].path.topics[tp];
                (Some(topic.topic_id), topic.skill_ids.clone())
            }
            _ => return t,
        };
        let submissions = 1 + usize::from(self.rng.chance(0.4));
        for _ in 0..submissions {
            let left = (end - t).num_seconds() as f64 / 60.0;
            if left < 5.0 {
                break;
            }
            let duration = self.rng.uniform(8.0, 40.0_f64).min(left);
            let finish = t + minutes(duration);
            let recent = now - finish < Duration::hours(24);
            let status = if recent && self.rng.chance(0.3) {
                PracticeStatus::InProgress
            } else if self.rng.chance(0.1) {
                PracticeStatus::Abandoned
            } else {
                PracticeStatus::Completed
            };
            let (score, passed, completed_at) = if status == PracticeStatus::Completed {
                let score = ((self.ability_at(t) + 0.02 + normal(&mut self.rng, 0.0, 0.12))
                    .clamp(0.0, 1.0)
                    * 100.0)
                    .round();
                (Some(score), score >= 70.0, Some(finish))
            } else {
                (None, false, None)
            };
            if status == PracticeStatus::Completed {
                self.practice_log.push((t, skill_ids.clone()));
            }
            if passed {
                for skill in &skill_ids {
                    self.skill_events.push(SkillEvent {
                        at: finish,
                        skill: *skill,
                        to: None,
                        via: AcquiredVia::Devlab,
                    });
                }
            }
            for skill in &skill_ids {
                if !self.practised.contains(skill) {
                    self.practised.push(*skill);
                }
            }
            self.out.practice_submissions.push(PracticeSubmission {
                id: SubmissionId(mint_id(
                    IdKind::PracticeSubmission,
                    &format!("demo-ps-{}-{}", self.ext(), self.practice_seq),
                )),
                user_id: self.user_id,
                topic_id,
                skill_ids: skill_ids.clone(),
                started_at: t,
                completed_at,
                status,
                passed,
                score,
                duration_minutes: round1(duration),
            });
            self.practice_seq += 1;
            t = finish;
        }
        t
    }

    fn path_next_topic(&self, path: &PathState) -> Option<usize> {
        let topics = self.world.cat.paths[path.path].path.topics.len();
        (0..topics).find(|t| !path.done.contains_key(t))
    }

    /// Studies the next topic of an active path (learner-AI material outside courses).
    fn path_work(&mut self, t: Ts, end: Ts) -> Ts {
        let Some(p) = (0..self.paths.len()).find(|p| {
            self.paths[*p].started_at <= t && self.path_next_topic(&self.paths[*p]).is_some()
        }) else {
            return t;
        };
        let topic = self.path_next_topic(&self.paths[p]).expect("checked");
        let work = (end - t).num_seconds() as f64 / 60.0;
        let need = 55.0 * self.p.speed;
        let spent = self.paths[p].minutes.entry(topic).or_insert(0.0);
        let before = *spent;
        *spent += work;
        let finish = if *spent >= need {
            let at = t + minutes((need - before).max(1.0).min(work));
            self.paths[p].done.insert(topic, at);
            let topic_id = self.world.cat.paths[self.paths[p].path].path.topics[topic].topic_id;
            self.out.topic_completions.push(TopicCompletion {
                user_id: self.user_id,
                path_id: self.world.cat.paths[self.paths[p].path].path.id,
                topic_id,
                completed_at: at,
            });
            at
        } else {
            end
        };
        self.paths[p].last_activity = finish;
        finish
    }

    /// Completes `topic` in every started path of the learner that contains it (a module
    /// mapped to a topic counts once per path).
    fn complete_topic(&mut self, topic: la_domain::ids::TopicId, at: Ts) {
        let cat = &self.world.cat;
        for path in &mut self.paths {
            if path.started_at > at {
                continue;
            }
            let plan = &cat.paths[path.path].path;
            if let Some(tp) = plan.topics.iter().position(|x| x.topic_id == topic)
                && !path.done.contains_key(&tp)
            {
                path.done.insert(tp, at);
                path.last_activity = path.last_activity.max(at);
                self.out.topic_completions.push(TopicCompletion {
                    user_id: self.user_id,
                    path_id: plan.id,
                    topic_id: topic,
                    completed_at: at,
                });
            }
        }
    }

    /// Emits the user, enrollments, progress, paths, skills, reviews and the occasional
    /// social rows, once the sessions are simulated.
    fn finish(&mut self) {
        let competency = SkillLevel::new(i64::from(self.p.competency)).expect("0-4");
        let user: User = learner_user(self.org, &self.who, self.p.created_at, competency);
        self.out.users.push(user);
        self.finish_enrollments();
        self.finish_paths();
        self.finish_skills();
        self.finish_social();
    }

    fn finish_enrollments(&mut self) {
        let world = self.world;
        let cat = &world.cat;
        let now = world.cfg.now;
        for (j, e) in self.enrollments.iter().enumerate() {
            let course = &cat.courses[e.course];
            let n = course.modules.len();
            let mut sum = 0.0;
            for (m, state) in e.modules.iter().enumerate() {
                let Some(started_at) = state.started_at else {
                    continue;
                };
                let pct = if state.completed_at.is_some() {
                    100.0
                } else {
                    round1((state.minutes / state.required * 100.0).min(99.0))
                };
                sum += pct;
                self.out.module_progress.push(ModuleProgress {
                    user_id: self.user_id,
                    module_id: course.modules[m].module.id,
                    started_at: Some(started_at),
                    completed_at: state.completed_at,
                    progress_pct: pct,
                    time_spent_minutes: round1(state.minutes),
                });
            }
            // Progress counts the modules and the final exam as equal units.
            let progress = if e.completed_at.is_some() {
                100.0
            } else {
                round1((sum / (n as f64 + 1.0)).min(99.0))
            };
            let status = if e.completed_at.is_some() {
                EnrollmentStatus::Completed
            } else if e.dropped_at.is_some() {
                EnrollmentStatus::Dropped
            } else {
                EnrollmentStatus::Active
            };
            self.out.enrollments.push(Enrollment {
                id: EnrollmentId(mint_id(
                    IdKind::Enrollment,
                    &format!("demo-e-{}-{j}", self.ext()),
                )),
                user_id: self.user_id,
                course_id: course.course.id,
                enrolled_at: e.enrolled_at,
                status,
                progress_pct: progress,
                completed_at: e.completed_at,
                last_activity_at: e.last_activity,
                assignment_type: e.assignment,
                due_date: e.due_date,
            });

            // Reviews: most completers, half of the drop-outs, a few learners midway.
            let review_p = match status {
                EnrollmentStatus::Completed => 0.55,
                EnrollmentStatus::Dropped => 0.5,
                EnrollmentStatus::Active if progress >= 40.0 => 0.15,
                EnrollmentStatus::Active => 0.0,
            };
            if !self.rng.chance(review_p) {
                continue;
            }
            let anchor = e
                .completed_at
                .or(e.dropped_at)
                .or(e.last_activity)
                .unwrap_or(e.enrolled_at);
            let created_at =
                (anchor + Duration::minutes(self.rng.random_range(10..72 * 60))).min(now);
            let base = match course.quality {
                Quality::Strong => 4.5,
                Quality::Average => 3.6,
                Quality::Weak => 2.3,
            };
            let recent = now - created_at <= Duration::days(30);
            let rating = (base
                + normal(&mut self.rng, 0.0, 0.7)
                + if status == EnrollmentStatus::Dropped {
                    -0.8
                } else {
                    0.0
                }
                + if recent {
                    f64::from(course.rating_trend) * 0.6
                } else {
                    0.0
                })
            .round()
            .clamp(1.0, 5.0) as i32;
            let comments = match rating {
                4..=5 => POSITIVE_COMMENTS,
                3 => MIXED_COMMENTS,
                _ => NEGATIVE_COMMENTS,
            };
            let comment = self
                .rng
                .chance(0.85)
                .then(|| comments[self.rng.random_range(0..comments.len())].to_owned());
            let mut tags = Vec::new();
            if rating >= 4 {
                if self.rng.chance(0.6) {
                    tags.push(
                        POSITIVE_TAGS[self.rng.random_range(0..POSITIVE_TAGS.len())].to_owned(),
                    );
                }
            } else {
                // Weak courses share a few recurring complaints (drop-off reasons).
                let pool: &[&str] = if course.quality == Quality::Weak {
                    &NEGATIVE_TAGS[..3]
                } else {
                    NEGATIVE_TAGS
                };
                for _ in 0..self.rng.random_range(1..=2) {
                    let tag = pool[self.rng.random_range(0..pool.len())].to_owned();
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
            }
            self.out.course_reviews.push(CourseReview {
                id: ReviewId(mint_id(
                    IdKind::CourseReview,
                    &format!("demo-r-{}-{j}", self.ext()),
                )),
                course_id: course.course.id,
                trainer_id: course.course.trainer_ids.first().copied(),
                user_id: self.user_id,
                rating,
                comment,
                tags,
                created_at,
            });
        }
    }

    fn finish_paths(&mut self) {
        let world = self.world;
        let now = world.cfg.now;
        for state in &self.paths {
            let plan = &world.cat.paths[state.path].path;
            let total = plan.topics.len();
            let completed = state.done.len();
            let last_completion = state.done.values().max().copied();
            let last_activity = state
                .last_activity
                .max(last_completion.unwrap_or(state.started_at))
                .min(now);
            let status = if total > 0 && completed == total {
                PathStatus::Completed
            } else if matches!(self.p.archetype, Archetype::Slowing | Archetype::Inactive)
                && now - last_activity > Duration::days(21)
                && self.rng.chance(0.6)
            {
                PathStatus::Paused
            } else {
                PathStatus::Active
            };
            self.out.user_learning_paths.push(UserLearningPath {
                user_id: self.user_id,
                path_id: plan.id,
                status,
                started_at: state.started_at,
                target_date: state.target_date,
                topics_total: total as i32,
                topics_completed: completed as i32,
                progress_pct: if total == 0 {
                    0.0
                } else {
                    round1(completed as f64 / total as f64 * 100.0)
                },
                completed_at: (status == PathStatus::Completed)
                    .then(|| last_completion.unwrap_or(state.started_at)),
                last_activity_at: last_activity,
            });
        }
    }

    /// Skill targets (value propositions, paths, personal goals) and user skills: initial
    /// levels mostly below the targets, raised by completions and passes during the window.
    fn finish_skills(&mut self) {
        let world = self.world;
        let cat = &world.cat;
        let now = world.cfg.now;
        let today = world.today;

        let mut targets: Vec<SkillTarget> = Vec::new();
        let mut push_target = |target: SkillTarget| {
            if !targets
                .iter()
                .any(|t| t.skill_id == target.skill_id && t.source == target.source)
            {
                targets.push(target);
            }
        };
        let dept_id = self
            .who
            .department
            .map(|d| self.org.departments[d].department.id);
        for vp in &self.org.value_propositions {
            let applies = vp
                .applies_to
                .as_ref()
                .is_none_or(|a| dept_id.is_some_and(|d| a.department_ids.contains(&d)));
            if applies {
                for req in &vp.skills {
                    push_target(SkillTarget {
                        user_id: self.user_id,
                        skill_id: req.skill_id,
                        target_level: req.required_level,
                        source: TargetSource::ValueProposition,
                        business_priority: req.business_priority,
                        business_justification: req.justification.clone(),
                        deadline: req.deadline,
                    });
                }
            }
        }
        for state in &self.paths {
            let plan = &cat.paths[state.path].path;
            let level = plan.target_competency.unwrap_or(SkillLevel::INTERMEDIATE);
            for topic in &plan.topics {
                for skill in &topic.skill_ids {
                    push_target(SkillTarget {
                        user_id: self.user_id,
                        skill_id: *skill,
                        target_level: level,
                        source: TargetSource::Path,
                        business_priority: BusinessPriority::Medium,
                        business_justification: None,
                        deadline: state.target_date,
                    });
                }
            }
        }
        let personal_pool: Vec<SkillId> = COURSE_CATEGORIES[self.p.personal_category]
            .skill_categories
            .iter()
            .flat_map(|c| {
                cat.skills
                    .iter()
                    .enumerate()
                    .filter(move |(s, _)| cat.skill_category[*s] == *c)
                    .map(|(_, skill)| skill.id)
            })
            .collect();
        for _ in 0..self.rng.random_range(1..=2) {
            if let Some(skill) = personal_pool.choose(&mut self.rng).copied() {
                let deadline = self
                    .rng
                    .chance(0.4)
                    .then(|| today + Duration::days(self.rng.random_range(30..120)));
                push_target(SkillTarget {
                    user_id: self.user_id,
                    skill_id: skill,
                    target_level: SkillLevel::new(self.rng.random_range(2..=3)).expect("0-4"),
                    source: TargetSource::Personal,
                    business_priority: if self.rng.chance(0.5) {
                        BusinessPriority::Low
                    } else {
                        BusinessPriority::Medium
                    },
                    business_justification: None,
                    deadline,
                });
            }
        }

        // The skills the learner has a record for, with the highest target level.
        let mut skills: BTreeMap<usize, u8> = BTreeMap::new();
        for t in &targets {
            let s = cat.skill_index[&t.skill_id];
            let level = skills.entry(s).or_insert(0);
            *level = (*level).max(t.target_level.value());
        }
        // One user-skill row per skill, in first-mention order: targets, taught skills of the
        // enrollments, practised skills, a few unrelated ones.
        let mut ordered: Vec<usize> = Vec::new();
        let add = |s: usize, ordered: &mut Vec<usize>| {
            if !ordered.contains(&s) {
                ordered.push(s);
            }
        };
        for t in &targets {
            add(cat.skill_index[&t.skill_id], &mut ordered);
        }
        for e in &self.enrollments {
            for t in &cat.courses[e.course].course.taught_skills {
                add(cat.skill_index[&t.skill_id], &mut ordered);
            }
        }
        for s in &self.practised {
            add(cat.skill_index[s], &mut ordered);
        }
        if !cat.skills.is_empty() {
            for _ in 0..self.rng.random_range(2..=3) {
                let s = self.rng.random_range(0..cat.skills.len());
                add(s, &mut ordered);
            }
        }

        let window_from = world.window_start.max(self.p.created_at);
        let window_span = (now - window_from).num_minutes().max(1);
        let mut events = std::mem::take(&mut self.skill_events);
        events.sort_by_key(|e| e.at);
        for s in ordered {
            let skill_id = cat.skills[s].id;
            let target = skills.get(&s).copied();
            let competency = i32::from(self.p.competency);
            let mut level: u8 = match target {
                // Mostly below the target, so that gaps exist; sometimes already there.
                Some(target) if target > 0 => {
                    if self.rng.chance(0.15) {
                        target
                    } else {
                        self.rng.random_range(0..target)
                    }
                }
                _ => (competency + self.rng.random_range(-2..=1)).clamp(0, 4) as u8,
            };
            let mut acquired: Option<(Ts, AcquiredVia)> = None;
            if level >= 3 {
                // Verified by a manager early in the window.
                let at = window_from
                    + Duration::minutes(self.rng.random_range(0..(window_span / 3).max(1)));
                acquired = Some((at, AcquiredVia::Manual));
            }
            let mut updated_at =
                window_from + Duration::minutes(self.rng.random_range(0..window_span));
            for ev in events.iter().filter(|ev| ev.skill == skill_id) {
                let new_level = match ev.to {
                    Some(to) => level.max(to),
                    None => {
                        let p = if ev.via == AcquiredVia::Assessment {
                            0.35
                        } else {
                            0.25
                        };
                        if self.rng.chance(p) {
                            (level + 1).min(4)
                        } else {
                            level
                        }
                    }
                };
                if new_level != level {
                    level = new_level;
                    updated_at = updated_at.max(ev.at);
                    if level >= 2 && acquired.is_none() {
                        acquired = Some((ev.at, ev.via));
                    }
                }
            }
            if let Some((at, _)) = acquired {
                updated_at = updated_at.max(at);
            }
            self.out.user_skills.push(UserSkill {
                user_id: self.user_id,
                skill_id,
                current_level: SkillLevel::new(i64::from(level)).expect("0-4"),
                acquired: acquired.is_some(),
                acquired_at: acquired.map(|a| a.0),
                acquired_via: acquired.map(|a| a.1),
                updated_at: updated_at.min(now),
            });
        }
        self.target_skills = targets.iter().map(|t| t.skill_id).collect();
        self.out.skill_targets.extend(targets);
    }

    /// Content shares, mentoring events and upstream recommendations for some learners.
    fn finish_social(&mut self) {
        let world = self.world;
        let cat = &world.cat;
        let now = world.cfg.now;
        let active = self.p.archetype != Archetype::Inactive;

        let completed = std::mem::take(&mut self.completed_items);
        if !completed.is_empty() && (self.who.showcase || (active && self.rng.chance(0.1))) {
            let mut shared: Vec<usize> = Vec::new();
            for _ in 0..self.rng.random_range(1..=2) {
                let (item, at) = *completed.choose(&mut self.rng).expect("non-empty");
                if shared.contains(&item) {
                    continue;
                }
                shared.push(item);
                self.out.content_shares.push(ContentShare {
                    content_id: cat.items[item].item.id,
                    shared_by: self.user_id,
                    shared_at: (at + Duration::minutes(self.rng.random_range(1..30))).min(now),
                });
            }
        }

        let learning: Vec<Ts> = self
            .sessions
            .iter()
            .filter(|s| !s.login_only)
            .map(|s| s.start)
            .collect();
        if !learning.is_empty() && (self.who.showcase || (active && self.rng.chance(0.12))) {
            let kind = if self.rng.chance(0.25) {
                MentoringKind::PeerSupport
            } else if self.p.competency >= 3 {
                MentoringKind::Mentor
            } else {
                MentoringKind::Mentee
            };
            let mut times: Vec<Ts> = (0..self.rng.random_range(1..=4))
                .map(|_| *learning.choose(&mut self.rng).expect("non-empty"))
                .collect();
            times.sort();
            times.dedup();
            for occurred_at in times {
                self.out.mentoring_events.push(MentoringEvent {
                    org_id: self.org.id(),
                    user_id: self.user_id,
                    kind,
                    occurred_at,
                });
            }
        }

        if self.who.showcase || self.rng.chance(0.35) {
            let span = (i64::from(world.cfg.days) * 24).clamp(2, 20 * 24);
            for k in 0..self.rng.random_range(1..=3) {
                let created_at = (now - Duration::hours(self.rng.random_range(1..span)))
                    .max(self.p.created_at)
                    .max(world.window_start);
                let (kind, target_id) = match k % 3 {
                    0 => {
                        let taken: Vec<usize> = self.paths.iter().map(|p| p.path).collect();
                        let options: Vec<usize> = (0..cat.paths.len())
                            .filter(|p| !taken.contains(p))
                            .collect();
                        match options.choose(&mut self.rng) {
                            Some(p) => {
                                (RecommendationKind::Path, cat.paths[*p].path.id.to_string())
                            }
                            None => continue,
                        }
                    }
                    1 => match self.target_skills.choose(&mut self.rng) {
                        Some(skill) => (RecommendationKind::Skill, skill.to_string()),
                        None => continue,
                    },
                    _ => {
                        let items: Vec<usize> = self
                            .enrollments
                            .iter()
                            .flat_map(|e| {
                                cat.courses[e.course]
                                    .modules
                                    .iter()
                                    .flat_map(|m| m.items.iter().copied())
                            })
                            .filter(|i| cat.items[*i].item.created_at <= created_at)
                            .collect();
                        match items.choose(&mut self.rng) {
                            Some(i) => (
                                RecommendationKind::Content,
                                cat.items[*i].item.id.to_string(),
                            ),
                            None => continue,
                        }
                    }
                };
                self.out
                    .upstream_recommendations
                    .push(UpstreamRecommendation {
                        id: RecommendationId(mint_id(
                            IdKind::UpstreamRecommendation,
                            &format!("demo-rec-{}-{k}", self.ext()),
                        )),
                        user_id: self.user_id,
                        kind,
                        target_id,
                        reason: RECOMMENDATION_REASONS
                            [self.rng.random_range(0..RECOMMENDATION_REASONS.len())]
                        .to_owned(),
                        created_at,
                        expires_at: Some(created_at + Duration::days(14)),
                    });
            }
        }
    }
}

/// Logins of a staff member (trainer or admin): most weekdays, short sessions; the demo
/// staff logins also have a current streak.
pub(crate) fn staff_sessions(
    world: &World,
    org: usize,
    n: usize,
    user: &User,
    showcase: bool,
    out: &mut Dataset,
) {
    let mut rng = rng_for(world.cfg.seed, Stream::Staff, &[org as u64, n as u64]);
    let mut date = world.first_day;
    let mut k = 0;
    while date <= world.today {
        let days_ago = (world.today - date).num_days();
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let p = if showcase && days_ago < 8 {
            1.0
        } else if weekend {
            0.08
        } else {
            0.55
        };
        if rng.chance(p) {
            let start = day_start(date) + Duration::minutes(rng.random_range(8 * 60..17 * 60));
            let duration = rng.uniform(5.0, 60.0);
            let end = start + minutes(duration);
            if end <= world.cfg.now {
                out.sessions.push(Session {
                    id: SessionId(mint_id(IdKind::Session, &format!("demo-ss-{org}-s{n}-{k}"))),
                    user_id: user.id,
                    started_at: start,
                    ended_at: Some(end),
                    last_activity_at: Some(end - Duration::minutes(1).min(minutes(duration / 2.0))),
                    device: Some(DEVICES[weighted_index(&mut rng, &[0.85, 0.1, 0.05])].to_owned()),
                    course_id: None,
                });
                k += 1;
            }
        }
        date += Duration::days(1);
    }
}
