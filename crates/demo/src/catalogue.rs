//! The catalogue: skills and their market demand, learning paths, courses with modules,
//! assessments and content items, plus the organisations' KPIs, value propositions and
//! mandatory assignments.
//!
//! Besides the domain records, the catalogue keeps hidden "ground truth" (course quality,
//! the hard module, the effect of each content item) that the learner simulation uses, so
//! that the analytics find real signal: strong courses score and review well, weak ones
//! lose learners at their hard module, interactive content lifts post scores.

use crate::config::DemoConfig;
use crate::names::{
    COURSE_CATEGORIES, COURSES, CourseTemplate, KPIS, MODULE_NAMES, PATHS, SKILL_CATEGORIES,
    SKILLS, TOPIC_PATTERNS,
};
use crate::people::{Archetype, MAIN_ORG, OrgPlan, archetype_of, learner_user_id};
use crate::util::{Draw, Stream, Ts, quarter_end, quarter_start, rng_for, weighted_index};
use chrono::{Duration, NaiveDate};
use la_domain::ids::{
    AssessmentId, ContentId, CourseId, KpiId, ModuleId, PathId, SkillId, TopicId, UserId,
    ValuePropId,
};
use la_domain::model::{
    AppliesTo, Assessment, AssessmentKind, BusinessPriority, ContentItem, ContentType, Course,
    CreationMethod, Difficulty, Kpi, LearningPath, Module, PathTopic, RequiredSkill, Skill,
    SkillDemand, SkillLevel, TaughtSkill, ValueProposition,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// How good a course is (hidden; drives scores, drop-outs and reviews).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quality {
    Strong,
    Average,
    Weak,
}

impl Quality {
    /// Shift of the learners' score share on this course's assessments.
    pub fn score_shift(self) -> f64 {
        match self {
            Quality::Strong => 0.07,
            Quality::Average => 0.0,
            Quality::Weak => -0.12,
        }
    }

    /// Base probability that an enrollment in this course ends in a drop-out.
    pub fn drop_rate(self) -> f64 {
        match self {
            Quality::Strong => 0.04,
            Quality::Average => 0.12,
            Quality::Weak => 0.45,
        }
    }
}

/// A content item with its typical length and hidden effect on post scores (points).
pub(crate) struct ItemPlan {
    pub item: ContentItem,
    pub minutes: f64,
    pub effect: f64,
}

pub(crate) struct ModulePlan {
    pub module: Module,
    pub pre: Assessment,
    /// The module's post assessment (kind `post` or `quiz`).
    pub post: Assessment,
    /// Content items of the module (indices into [`Catalogue::items`]).
    pub items: Vec<usize>,
    /// The module where weak courses lose their learners.
    pub hard: bool,
}

pub(crate) struct CoursePlan {
    pub course: Course,
    pub org: usize,
    pub category: usize,
    pub quality: Quality,
    /// Relative chance of being picked by a learner.
    pub popularity: f64,
    /// Rating shift of reviews written in the last 30 days (courses improving or declining).
    pub rating_trend: i32,
    pub modules: Vec<ModulePlan>,
    pub exam: Assessment,
}

impl CoursePlan {
    pub fn hard_module(&self) -> usize {
        self.modules.iter().position(|m| m.hard).unwrap_or(0)
    }
}

pub(crate) struct PathPlan {
    pub path: LearningPath,
    pub skill_categories: &'static [usize],
}

/// The shared, learner-independent part of the world.
pub(crate) struct Catalogue {
    pub skills: Vec<Skill>,
    /// Category index (into [`SKILL_CATEGORIES`]) of each skill.
    pub skill_category: Vec<usize>,
    pub skill_demand: Vec<SkillDemand>,
    pub paths: Vec<PathPlan>,
    pub courses: Vec<CoursePlan>,
    /// All content items in output order (course items, then employee-authored items).
    pub items: Vec<ItemPlan>,
    /// Path topics teaching each skill: (path index, topic index).
    pub skill_topics: Vec<Vec<(usize, usize)>>,
    /// Skill index of each skill id.
    pub skill_index: BTreeMap<SkillId, usize>,
}

impl Catalogue {
    /// Index of the skill called `name`, if it is in the generated skill set.
    fn skill_named(&self, name: &str) -> Option<usize> {
        self.skills.iter().position(|s| s.name == name)
    }

    /// Skills of the categories `cats`, foundational ones first.
    fn skills_in(&self, cats: &[usize]) -> Vec<usize> {
        (0..self.skills.len())
            .filter(|s| cats.contains(&self.skill_category[*s]))
            .collect()
    }

    /// Path topics that teach any of `skills`.
    pub fn topics_for(&self, skills: &[SkillId]) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = skills
            .iter()
            .filter_map(|s| self.skill_index.get(s))
            .flat_map(|s| self.skill_topics[*s].iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

pub(crate) fn skill_id(n: usize) -> SkillId {
    SkillId::from_external(&format!("demo-s-{n:03}")).expect("valid external id")
}

/// Builds the catalogue and completes the organisations (owned courses, mandatory courses,
/// value propositions, KPIs).
pub(crate) fn build(cfg: &DemoConfig, orgs: &mut [OrgPlan]) -> Catalogue {
    let mut rng = rng_for(cfg.seed, Stream::Catalogue, &[]);
    let mut cat = Catalogue {
        skills: Vec::new(),
        skill_category: Vec::new(),
        skill_demand: Vec::new(),
        paths: Vec::new(),
        courses: Vec::new(),
        items: Vec::new(),
        skill_topics: Vec::new(),
        skill_index: BTreeMap::new(),
    };
    build_skills(cfg, &mut rng, &mut cat);
    build_demand(cfg, &mut rng, &mut cat);
    build_paths(&mut rng, &mut cat);
    for org in orgs.iter_mut() {
        let count = if org.index == MAIN_ORG {
            cfg.courses
        } else {
            (cfg.courses / 8).clamp(3, 8)
        };
        for n in 0..count {
            let idx = build_course(cfg, &mut rng, &mut cat, org, n);
            org.courses.push(idx);
        }
    }
    for org in orgs.iter() {
        build_employee_items(cfg, &mut rng, &mut cat, org);
    }
    for org in orgs.iter_mut() {
        assign_mandatory(&cat, org);
        org.value_propositions = value_propositions(cfg, &cat, org);
        org.kpis = kpis(cfg, &mut rng, &cat, org);
    }
    cat
}

fn build_skills(cfg: &DemoConfig, rng: &mut ChaCha8Rng, cat: &mut Catalogue) {
    // Round-robin over categories so that any prefix of the list covers every category.
    let cats = SKILL_CATEGORIES.len();
    let per_cat = SKILLS.iter().map(|s| s.len()).max().unwrap_or(1);
    for n in 0..cfg.skills {
        let category = n % cats;
        let rank = (n / cats) % per_cat;
        let round = n / (cats * per_cat);
        let base = SKILLS[category][rank % SKILLS[category].len()];
        let name = if round == 0 {
            base.to_owned()
        } else {
            format!("{base} {}", roman(round + 1))
        };
        // Prerequisites only among earlier skills of the same category: a DAG by construction.
        let earlier: Vec<usize> = (0..n)
            .filter(|p| cat.skill_category[*p] == category)
            .collect();
        let mut prerequisite_skill_ids = Vec::new();
        if !earlier.is_empty() && rng.chance(0.45) {
            let first = *earlier.choose(rng).expect("non-empty");
            prerequisite_skill_ids.push(cat.skills[first].id);
            if earlier.len() > 2 && rng.chance(0.3) {
                let second = *earlier.choose(rng).expect("non-empty");
                if second != first {
                    prerequisite_skill_ids.push(cat.skills[second].id);
                }
            }
        }
        let id = skill_id(n);
        cat.skill_index.insert(id, n);
        cat.skills.push(Skill {
            id,
            name,
            category: SKILL_CATEGORIES[category].to_owned(),
            prerequisite_skill_ids,
        });
        cat.skill_category.push(category);
    }
    cat.skill_topics = vec![Vec::new(); cfg.skills];
}

fn roman(n: usize) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
        .get(n.saturating_sub(1))
        .copied()
        .unwrap_or("X+")
}

/// Market demand per skill at a few dates across the window, with a per-skill trend so
/// that growth labels (growing / stable / declining) all occur.
fn build_demand(cfg: &DemoConfig, rng: &mut ChaCha8Rng, cat: &mut Catalogue) {
    // Hot categories (AI, cloud, security, data) sit higher.
    const CATEGORY_BASE: [f64; 12] = [
        70.0, 64.0, 72.0, 84.0, 76.0, 78.0, 55.0, 58.0, 50.0, 52.0, 45.0, 56.0,
    ];
    let today = cfg.now.date_naive();
    let days = i64::from(cfg.days.max(1));
    // A few as-of dates across the window (distinct: the natural key is (skillId, asOf)).
    let mut offsets = vec![days - 1, days * 2 / 3, days / 3, 3.min(days - 1)];
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    for (s, category) in cat.skill_category.iter().enumerate() {
        let trend = weighted_index(rng, &[0.35, 0.45, 0.20]);
        let mut value: f64 = CATEGORY_BASE[*category] + rng.uniform(-15.0, 15.0);
        for offset in &offsets {
            value = value.clamp(5.0, 100.0);
            cat.skill_demand.push(SkillDemand {
                skill_id: cat.skills[s].id,
                market_demand: (value * 10.0).round() / 10.0,
                market_trend: Some(["growing", "stable", "declining"][trend].to_owned()),
                as_of: today - Duration::days(*offset),
            });
            value += match trend {
                0 => rng.uniform(3.0, 7.0),
                1 => rng.uniform(-2.0, 2.0),
                _ => rng.uniform(-6.0, -3.0),
            };
        }
    }
}

fn build_paths(rng: &mut ChaCha8Rng, cat: &mut Catalogue) {
    for (p, template) in PATHS.iter().enumerate() {
        let mut pool = cat.skills_in(template.skill_categories);
        if pool.is_empty() {
            pool = (0..cat.skills.len()).collect();
        }
        let n_topics = rng.random_range(5..=8);
        let mut topics = Vec::with_capacity(n_topics);
        for t in 0..n_topics {
            let mut skill_ids = Vec::new();
            let name = if pool.is_empty() {
                format!("Topic {}", t + 1)
            } else {
                let main = pool[t % pool.len()];
                skill_ids.push(cat.skills[main].id);
                cat.skill_topics[main].push((p, t));
                if pool.len() > 1 && rng.chance(0.5) {
                    let extra = pool[(t + rng.random_range(1..pool.len())) % pool.len()];
                    if extra != main {
                        skill_ids.push(cat.skills[extra].id);
                        cat.skill_topics[extra].push((p, t));
                    }
                }
                TOPIC_PATTERNS[(t + t / pool.len()) % TOPIC_PATTERNS.len()]
                    .replace("{}", &cat.skills[main].name)
            };
            topics.push(PathTopic {
                topic_id: TopicId::from_external(&format!("demo-tp-{p}-{t}"))
                    .expect("valid external id"),
                name,
                skill_ids,
            });
        }
        cat.paths.push(PathPlan {
            path: LearningPath {
                id: PathId::from_external(&format!("demo-p-{p}")).expect("valid external id"),
                name: template.name.to_owned(),
                difficulty: Difficulty::ALL[template.difficulty],
                target_competency: Some(
                    SkillLevel::new(i64::from(template.target_competency)).expect("0-4"),
                ),
                topics,
            },
            skill_categories: template.skill_categories,
        });
    }
}

/// The `n`-th course template: round-robin over the course categories, so the first course
/// is the security awareness course every organisation makes mandatory.
fn course_template(n: usize) -> (&'static CourseTemplate, usize) {
    let cats = COURSES.len();
    let category = n % cats;
    let rank = n / cats;
    let list = COURSES[category];
    (&list[rank % list.len()], rank / list.len())
}

fn build_course(
    cfg: &DemoConfig,
    rng: &mut ChaCha8Rng,
    cat: &mut Catalogue,
    org: &OrgPlan,
    n: usize,
) -> usize {
    let (template, round) = course_template(n);
    let title = if round == 0 {
        template.title.to_owned()
    } else {
        format!("{} (Part {})", template.title, round + 1)
    };
    let ext = format!("demo-c-{}-{n:03}", org.index);
    let course_id = CourseId::from_external(&ext).expect("valid external id");
    let trainers = org.trainers.len();
    // Trainer t teaches courses t, t + T, t + 2T, ...: the demo trainer gets courses 0, T, 2T.
    let demo_trainer_course = trainers > 0 && n.is_multiple_of(trainers);
    let mut trainer_ids: Vec<UserId> = Vec::new();
    if trainers > 0 {
        trainer_ids.push(org.trainers[n % trainers].id);
        // Some courses are co-taught; never by the demo trainer, whose course list stays
        // exactly courses 0, T, 2T, ... (all popular enough for course analytics).
        let co = (n + trainers / 2) % trainers;
        if trainers > 2 && n % 4 == 2 && co != 0 && co != n % trainers {
            trainer_ids.push(org.trainers[co].id);
        }
    }
    if let Some(multirole) = org.multirole_user()
        && (n % 10 == 7 || trainer_ids.is_empty())
    {
        trainer_ids.push(multirole);
    }

    let quality = if demo_trainer_course {
        // The demo trainer's courses cover the whole range.
        [
            Quality::Average,
            Quality::Strong,
            Quality::Weak,
            Quality::Strong,
        ][(n / trainers) % 4]
    } else {
        [Quality::Strong, Quality::Average, Quality::Weak][weighted_index(rng, &[0.30, 0.45, 0.25])]
    };
    let is_active = n == 0 || demo_trainer_course || !rng.chance(0.08);
    let popularity = rng.uniform(0.5, 1.5)
        * if demo_trainer_course { 2.0 } else { 1.0 }
        * if is_active { 1.0 } else { 0.15 };
    let rating_trend = [0, 0, 1, -1][rng.random_range(0..4)];

    let created_at = cfg.now - Duration::days(i64::from(cfg.days) + rng.random_range(20..600));
    let age = (cfg.now - created_at).num_hours();
    let updated_at = if rng.chance(0.4) {
        cfg.now - Duration::hours(rng.random_range(24..i64::from(cfg.days.max(2)) * 24))
    } else {
        created_at + Duration::hours(rng.random_range(0..age / 2))
    };

    // Taught skills: the template's named skills present in the skill set, else skills of the
    // category.
    let mut taught: Vec<usize> = template
        .skills
        .iter()
        .filter_map(|s| cat.skill_named(s))
        .collect();
    if taught.is_empty() {
        let pool = cat.skills_in(COURSE_CATEGORIES[template.category].skill_categories);
        if let Some(s) = pool.choose(rng) {
            taught.push(*s);
        }
    }
    let advanced = title.contains("in Depth") || title.contains("in Production") || round > 0;
    let taught_skills: Vec<TaughtSkill> = taught
        .iter()
        .map(|s| TaughtSkill {
            skill_id: cat.skills[*s].id,
            level: SkillLevel::new(if advanced {
                rng.random_range(3..=4)
            } else {
                rng.random_range(1..=3)
            })
            .expect("0-4"),
        })
        .collect();
    let taught_ids: Vec<SkillId> = taught_skills.iter().map(|t| t.skill_id).collect();

    let n_modules: usize = rng.random_range(4..=8);
    // The hard module sits in the first half, where weak courses lose learners.
    let hard = rng.random_range(1..=(n_modules / 2).max(1));
    let mut modules = Vec::with_capacity(n_modules);
    let mut total_hours = 0.0;
    for m in 0..n_modules {
        let name_idx = if m + 1 == n_modules {
            MODULE_NAMES.len() - 1
        } else {
            m
        };
        let module_ext = format!("demo-m-{}-{n:03}-{m}", org.index);
        let module_id = ModuleId::from_external(&module_ext).expect("valid external id");
        let skill_ids: Vec<SkillId> = if taught_ids.is_empty() {
            Vec::new()
        } else if m + 1 == n_modules {
            taught_ids.clone()
        } else {
            vec![taught_ids[m % taught_ids.len()]]
        };
        let topics = cat.topics_for(&skill_ids[..skill_ids.len().min(1)]);
        let topic_id = if !topics.is_empty() && rng.chance(0.6) {
            let (p, t) = *topics.choose(rng).expect("non-empty");
            Some(cat.paths[p].path.topics[t].topic_id)
        } else {
            None
        };
        let estimated_hours = f64::from(rng.random_range(2..=8)) * 0.25;
        total_hours += estimated_hours;
        let assessment =
            |kind: AssessmentKind, max_score: f64, pass: Option<f64>, required: bool| Assessment {
                id: AssessmentId::from_external(&format!(
                    "demo-a-{}-{n:03}-{m}-{}",
                    org.index,
                    kind.as_str()
                ))
                .expect("valid external id"),
                course_id: Some(course_id),
                module_id: Some(module_id),
                kind,
                max_score,
                pass_threshold: pass,
                required,
                topic_id,
                skill_ids: skill_ids.clone(),
                due_at: None,
            };
        let pre = assessment(
            AssessmentKind::Pre,
            if rng.chance(0.7) { 100.0 } else { 50.0 },
            None,
            false,
        );
        let pass = [Some(70.0), Some(70.0), Some(75.0), None][rng.random_range(0..4)];
        let required = m + 1 == n_modules || rng.chance(0.5);
        let post = if m % 3 == 1 {
            assessment(AssessmentKind::Quiz, 20.0, pass, required)
        } else {
            let max = if rng.chance(0.75) { 100.0 } else { 50.0 };
            assessment(AssessmentKind::Post, max, pass, required)
        };
        let module_name = MODULE_NAMES[name_idx].to_owned();
        let mut items = Vec::new();
        for i in 0..rng.random_range(2..=4) {
            let content_type = if i == 0 {
                if rng.chance(0.6) {
                    ContentType::Video
                } else {
                    ContentType::Article
                }
            } else {
                ContentType::ALL[weighted_index(rng, &[30.0, 25.0, 20.0, 15.0, 10.0, 3.0])]
            };
            let creation_method = CreationMethod::ALL[weighted_index(rng, &[0.5, 0.3, 0.2])];
            let item_created =
                (created_at + Duration::hours(rng.random_range(0..24 * 7))).min(updated_at);
            items.push(cat.items.len());
            cat.items.push(item_plan(
                rng,
                ContentItem {
                    id: ContentId::from_external(&format!("demo-ci-{}-{n:03}-{m}-{i}", org.index))
                        .expect("valid external id"),
                    external_id: Some(format!("demo-ci-{}-{n:03}-{m}-{i}", org.index)),
                    course_id: Some(course_id),
                    module_id: Some(module_id),
                    title: format!("{title}: {module_name} - {}", type_label(content_type)),
                    content_type,
                    creation_method,
                    created_by: None,
                    created_at: item_created,
                    owner_org_id: Some(org.id()),
                },
                0.0,
            ));
        }
        modules.push(ModulePlan {
            module: Module {
                id: module_id,
                course_id,
                order: m as i32 + 1,
                name: module_name,
                estimated_hours: Some(estimated_hours),
                topic_id,
                skill_ids,
            },
            pre,
            post,
            items,
            hard: m == hard,
        });
    }

    let exam_due = match rng.random_range(0..10) {
        0..=3 => Some(cfg.now + Duration::days(rng.random_range(5..45))),
        4 => Some(cfg.now - Duration::days(rng.random_range(3..20))),
        _ => None,
    };
    let exam = Assessment {
        id: AssessmentId::from_external(&format!("demo-a-{}-{n:03}-exam", org.index))
            .expect("valid external id"),
        course_id: Some(course_id),
        module_id: None,
        kind: AssessmentKind::Exam,
        max_score: 100.0,
        pass_threshold: Some([70.0, 75.0, 80.0][rng.random_range(0..3)]),
        required: true,
        topic_id: None,
        skill_ids: taught_ids,
        due_at: exam_due,
    };

    let course = Course {
        id: course_id,
        external_id: Some(ext),
        title,
        category: COURSE_CATEGORIES[template.category].name.to_owned(),
        owner_org_id: Some(org.id()),
        trainer_ids,
        is_active,
        created_at,
        updated_at,
        estimated_duration_weeks: Some((total_hours / 2.0).ceil().max(1.0)),
        target_completion_rate: [
            Some(60.0),
            Some(70.0),
            Some(75.0),
            Some(80.0),
            Some(85.0),
            None,
        ][rng.random_range(0..6)],
        issues_certificate: n == 0 || rng.chance(0.4),
        taught_skills,
    };
    cat.courses.push(CoursePlan {
        course,
        org: org.index,
        category: template.category,
        quality,
        popularity,
        rating_trend,
        modules,
        exam,
    });
    cat.courses.len() - 1
}

fn type_label(t: ContentType) -> &'static str {
    match t {
        ContentType::Video => "video walkthrough",
        ContentType::Article => "reading",
        ContentType::Interactive => "interactive lab",
        ContentType::Quiz => "knowledge check",
        ContentType::Podcast => "expert podcast",
        ContentType::Other => "cheat sheet",
    }
}

/// Wraps an item with its hidden length and effect. Interactive and quiz formats lift post
/// scores most, AI-generated items a little less than hand-made ones, so the format and
/// creation-method analytics have a real difference to find.
fn item_plan(rng: &mut ChaCha8Rng, item: ContentItem, bonus: f64) -> ItemPlan {
    let (lo, hi, type_effect) = match item.content_type {
        ContentType::Video => (6.0, 20.0, 2.0),
        ContentType::Article => (5.0, 15.0, 0.0),
        ContentType::Interactive => (10.0, 30.0, 5.0),
        ContentType::Quiz => (4.0, 10.0, 3.0),
        ContentType::Podcast => (15.0, 40.0, -2.0),
        ContentType::Other => (3.0, 8.0, -1.0),
    };
    let method_effect = match item.creation_method {
        CreationMethod::Manual => 1.0,
        CreationMethod::Hybrid => 1.0,
        CreationMethod::Ai => -3.0,
    };
    ItemPlan {
        minutes: rng.random_range(lo..hi),
        effect: type_effect + method_effect + bonus + crate::util::normal(rng, 0.0, 1.5),
        item,
    }
}

/// Content written by employees (knowledge sharing): a few items per organisation, authored
/// by active learners (the demo learner writes the first one) and attached to a module.
fn build_employee_items(
    cfg: &DemoConfig,
    rng: &mut ChaCha8Rng,
    cat: &mut Catalogue,
    org: &OrgPlan,
) {
    let active_courses: Vec<usize> = org
        .courses
        .iter()
        .copied()
        .filter(|c| cat.courses[*c].course.is_active)
        .collect();
    if org.learners == 0 || active_courses.is_empty() {
        return;
    }
    // Authored inside the window, at least a day before `now` (so colleagues can read them).
    let span_hours = (i64::from(cfg.days) - 1) * 24;
    if span_hours <= 24 {
        return;
    }
    let count = (org.learners / 15).max(1);
    for k in 0..count {
        let author = if k == 0 {
            0
        } else {
            let mut pick = rng.random_range(0..org.learners);
            for _ in 0..20 {
                if matches!(
                    archetype_of(cfg.seed, org.index, pick),
                    Archetype::Fast | Archetype::Steady
                ) {
                    break;
                }
                pick = rng.random_range(0..org.learners);
            }
            pick
        };
        let c = *active_courses.choose(rng).expect("non-empty");
        let m = rng.random_range(0..cat.courses[c].modules.len());
        let content_type = [
            ContentType::Article,
            ContentType::Video,
            ContentType::Interactive,
            ContentType::Podcast,
        ][weighted_index(rng, &[0.5, 0.25, 0.15, 0.10])];
        let creation_method = [
            CreationMethod::Manual,
            CreationMethod::Hybrid,
            CreationMethod::Ai,
        ][weighted_index(rng, &[0.6, 0.3, 0.1])];
        let created_at: Ts = cfg.now - Duration::hours(rng.random_range(24..span_hours));
        let ext = format!("demo-ci-{}-emp-{k:03}", org.index);
        let course = &cat.courses[c];
        let module = &course.modules[m].module;
        let item = ContentItem {
            id: ContentId::from_external(&ext).expect("valid external id"),
            external_id: Some(ext),
            course_id: Some(course.course.id),
            module_id: Some(module.id),
            title: format!("Community notes: {} ({})", module.name, course.course.title),
            content_type,
            creation_method,
            created_by: Some(learner_user_id(org.index, author)),
            created_at,
            owner_org_id: Some(org.id()),
        };
        let idx = cat.items.len();
        let plan = item_plan(rng, item, 2.0);
        cat.items.push(plan);
        cat.courses[c].modules[m].items.push(idx);
    }
}

/// The organisation-wide mandatory course (the first owned course) and a department-specific
/// one for every other department.
fn assign_mandatory(cat: &Catalogue, org: &mut OrgPlan) {
    org.org_mandatory_course = org.courses.first().copied();
    for (d, dept) in org.departments.iter_mut().enumerate() {
        if d % 2 != 0 {
            continue;
        }
        let Some(primary) = dept.course_categories.first() else {
            continue;
        };
        dept.mandatory_course = org
            .courses
            .iter()
            .skip(1)
            .copied()
            .find(|c| cat.courses[*c].category == *primary && cat.courses[*c].course.is_active);
    }
}

/// Skills taught by the organisation's active courses in the given course categories.
fn taught_in(cat: &Catalogue, org: &OrgPlan, categories: &[usize]) -> Vec<SkillId> {
    let mut out = Vec::new();
    for c in &org.courses {
        let course = &cat.courses[*c];
        if categories.is_empty() || categories.contains(&course.category) {
            for t in &course.course.taught_skills {
                if !out.contains(&t.skill_id) {
                    out.push(t.skill_id);
                }
            }
        }
    }
    out
}

fn value_propositions(cfg: &DemoConfig, cat: &Catalogue, org: &OrgPlan) -> Vec<ValueProposition> {
    let today = cfg.now.date_naive();
    let quarter = quarter_start(today);
    let previous_quarter = quarter_start(quarter - Duration::days(1));
    let mut out = Vec::new();
    let all_taught = taught_in(cat, org, &[]);
    let pick = |preferred: &[&str], pool: &[SkillId], n: usize| -> Vec<SkillId> {
        let mut skills: Vec<SkillId> = preferred
            .iter()
            .filter_map(|name| cat.skill_named(name).map(|s| cat.skills[s].id))
            .collect();
        for s in pool {
            if skills.len() >= n {
                break;
            }
            if !skills.contains(s) {
                skills.push(*s);
            }
        }
        skills.truncate(n);
        skills
    };
    let required = |skills: Vec<SkillId>,
                    level: i64,
                    plan: &[(BusinessPriority, Option<NaiveDate>)],
                    why: &str| {
        skills
            .into_iter()
            .enumerate()
            .map(|(i, skill_id)| {
                let (business_priority, deadline) = plan[i % plan.len()];
                let name = &cat.skills[cat.skill_index[&skill_id]].name;
                RequiredSkill {
                    skill_id,
                    required_level: SkillLevel::new(level).expect("0-4"),
                    business_priority,
                    justification: Some(format!("{name}: {why}")),
                    deadline,
                }
            })
            .collect::<Vec<_>>()
    };
    let q_end = quarter_end(today);
    let vp_id = |n: usize| {
        ValuePropId::from_external(&format!("demo-vp-{}-{n}", org.index))
            .expect("valid external id")
    };
    if org.index == MAIN_ORG {
        let core = pick(
            &[
                "Security Awareness",
                "Data Literacy",
                "Prompt Engineering",
                "Agile & Scrum",
                "Business Writing",
            ],
            &all_taught,
            5,
        );
        out.push(ValueProposition {
            id: vp_id(0),
            org_id: org.id(),
            period_start: previous_quarter,
            period_end: None,
            skills: required(
                core,
                2,
                &[
                    (BusinessPriority::Critical, Some(today + Duration::days(45))),
                    (BusinessPriority::High, Some(q_end)),
                    (BusinessPriority::High, None),
                    (BusinessPriority::Medium, None),
                    (BusinessPriority::Low, Some(today + Duration::days(100))),
                ],
                "baseline for every employee in the digital-first strategy",
            ),
            applies_to: None,
        });
        if org.departments.len() >= 2 {
            let mut cats: Vec<usize> = org.departments[0].course_categories.to_vec();
            cats.extend_from_slice(org.departments[1].course_categories);
            let pool = taught_in(cat, org, &cats);
            // Skip the skills of the core proposition so the two differ.
            let specialist: Vec<SkillId> = pool.into_iter().skip(2).collect();
            out.push(ValueProposition {
                id: vp_id(1),
                org_id: org.id(),
                period_start: quarter,
                period_end: Some(q_end + Duration::days(180)),
                skills: required(
                    pick(&[], &specialist, 4),
                    3,
                    &[
                        (BusinessPriority::Critical, Some(today + Duration::days(30))),
                        (BusinessPriority::High, Some(today + Duration::days(75))),
                        (BusinessPriority::Medium, None),
                        (BusinessPriority::Medium, None),
                    ],
                    "needed to deliver the platform modernisation programme",
                ),
                applies_to: Some(AppliesTo {
                    department_ids: vec![
                        org.departments[0].department.id,
                        org.departments[1].department.id,
                    ],
                }),
            });
        }
    } else {
        out.push(ValueProposition {
            id: vp_id(0),
            org_id: org.id(),
            period_start: previous_quarter,
            period_end: Some(q_end),
            skills: required(
                pick(&["Data Literacy"], &all_taught, 4),
                2,
                &[
                    (BusinessPriority::High, Some(today + Duration::days(50))),
                    (BusinessPriority::Medium, None),
                    (BusinessPriority::Medium, None),
                    (BusinessPriority::Low, None),
                ],
                "client-facing analytics offering",
            ),
            applies_to: None,
        });
    }
    out.retain(|vp| !vp.skills.is_empty());
    out
}

fn kpis(cfg: &DemoConfig, rng: &mut ChaCha8Rng, cat: &Catalogue, org: &OrgPlan) -> Vec<Kpi> {
    let today = cfg.now.date_naive();
    let (templates, weights): (&[usize], &[f64]) = if org.index == MAIN_ORG {
        (&[0, 1, 2, 3, 4], &[0.3, 0.25, 0.2, 0.15, 0.1])
    } else {
        (&[1, 2, 3], &[0.5, 0.3, 0.2])
    };
    let mut linked_pool: Vec<SkillId> = org
        .value_propositions
        .iter()
        .flat_map(|vp| vp.skills.iter().map(|s| s.skill_id))
        .collect();
    for s in taught_in(cat, org, &[]) {
        if !linked_pool.contains(&s) {
            linked_pool.push(s);
        }
    }
    templates
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let (name, target, ratio) = KPIS[*t];
            let linked_skill_ids = if linked_pool.is_empty() {
                Vec::new()
            } else {
                let n = rng.random_range(2..=3).min(linked_pool.len());
                (0..n)
                    .map(|i| linked_pool[(k * 2 + i) % linked_pool.len()])
                    .collect()
            };
            let department_id = match (org.index, k) {
                (MAIN_ORG, 0) => org.departments.first().map(|d| d.department.id),
                (MAIN_ORG, 3) => org.departments.get(3).map(|d| d.department.id),
                _ => None,
            };
            Kpi {
                id: KpiId::from_external(&format!("demo-k-{}-{k}", org.index))
                    .expect("valid external id"),
                org_id: org.id(),
                department_id,
                name: name.to_owned(),
                target,
                achieved: ((target * ratio * rng.uniform(0.97, 1.03)) * 10.0).round() / 10.0,
                weight: weights[k],
                linked_skill_ids,
                period_start: quarter_start(today),
                period_end: quarter_end(today),
            }
        })
        .collect()
}
