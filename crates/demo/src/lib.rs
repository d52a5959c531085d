//! `la-demo`: a pure, deterministic generator of a realistic demo organisation.
//!
//! The output is a [`Dataset`] of the ingestion model (`analytics.md` section 9) that gives
//! every analytic and the gamification rules something meaningful to show. There is no I/O
//! and no async; the same [`DemoConfig`] always yields the same data.
//!
//! # The world
//!
//! * **Main organisation** "Northwind Learning Co." with `departments` departments of 2-3
//!   teams (the last team of the last department is small, below the k-anonymity threshold
//!   of 10 at the default size), `trainers` trainers, an org admin, a platform admin and
//!   `learners` learners.
//! * **Second organisation** "Harbor Analytics Ltd." (optional): `second_org_learners`
//!   learners, one trainer, one org admin and a few courses of its own, so that
//!   cross-organisation access can be tested. Some of its learners also take a main-org
//!   course.
//! * **Catalogue**: `skills` skills in 12 categories with a prerequisite DAG and market
//!   demand at a few dates, 8 learning paths, courses with 4-8 modules, pre and post (or
//!   quiz) assessments per module, a required final exam, and 2-4 content items per module,
//!   plus items written by employees. Courses are strong, average or weak (hidden), which
//!   shows in scores, drop-outs and reviews.
//! * **KPIs and value propositions** per organisation; mandatory course assignments.
//!
//! # Learner archetypes
//!
//! Each learner gets an [`Archetype`] from a quota spread evenly over learner indices:
//! fast 20 % (active ~72 % of days, long sessions, high scores), steady 40 % (about every
//! other day), slowing 25 % (active early, little in the last two to three weeks, declining
//! scores) and inactive 15 % (activity only more than 35 days ago; a few log in once in the
//! last 30 days without learning). The demo learners are steady, the multi-role user fast.
//! Sessions are simulated one by one; content interactions, module time, attempts, topic
//! completions, practice and help requests happen inside them, so all entities agree.
//!
//! # Determinism and chunking
//!
//! Each learner draws from a generator seeded by (seed, organisation, learner index) only, so
//! [`generate_in_chunks`] yields exactly the records of [`generate`], in the same order,
//! whatever the chunk size. Output order never depends on hash-map iteration.
//!
//! # Counting conventions
//!
//! `learners` counts every user of the main organisation holding the learner role,
//! including the demo learner (`learner@demo.local`) and the multi-role user
//! (`multirole@demo.local`, learner + trainer + org admin). `trainers` counts the dedicated
//! trainers (role trainer only); the multi-role user co-teaches some courses in addition.

mod activity;
mod catalogue;
mod config;
mod names;
mod people;
mod util;

pub use config::DemoConfig;
pub use people::{Archetype, DemoLogin};

use chrono::{Duration, NaiveDate};
use la_domain::ids::UserId;
use la_domain::model::Dataset;
use people::OrgPlan;
use util::Ts;

/// Everything shared by all learners: the config, the organisations and the catalogue.
pub(crate) struct World {
    pub cfg: DemoConfig,
    pub orgs: Vec<OrgPlan>,
    pub cat: catalogue::Catalogue,
    /// `now - days`: nothing happens before it.
    pub window_start: Ts,
    /// The first calendar day (UTC) fully inside the window.
    pub first_day: NaiveDate,
    /// The calendar day (UTC) of `now`.
    pub today: NaiveDate,
}

impl World {
    fn new(cfg: &DemoConfig) -> Self {
        let mut orgs = people::build_orgs(cfg);
        let cat = catalogue::build(cfg, &mut orgs);
        let window_start = cfg.now - Duration::days(i64::from(cfg.days));
        let today = cfg.now.date_naive();
        // After `today` when the window is shorter than a day: then no day is simulated.
        let first_day = window_start.date_naive() + Duration::days(1);
        World {
            cfg: cfg.clone(),
            orgs,
            cat,
            window_start,
            first_day,
            today,
        }
    }

    /// The first chunk: organisations, departments, teams, the catalogue, staff users with
    /// their logins, KPIs and value propositions.
    fn shared_chunk(&self) -> Dataset {
        let mut ds = Dataset::default();
        for org in &self.orgs {
            ds.organizations.push(org.organization.clone());
            for dept in &org.departments {
                ds.departments.push(dept.department.clone());
                ds.teams.extend(dept.teams.iter().map(|t| t.team.clone()));
            }
            for (n, user) in org.trainers.iter().chain(&org.admins).enumerate() {
                ds.users.push(user.clone());
                // The first trainer and the admins are demo logins.
                let showcase = n == 0 || n >= org.trainers.len();
                activity::staff_sessions(self, org.index, n, user, showcase, &mut ds);
            }
            ds.kpis.extend(org.kpis.iter().cloned());
            ds.value_propositions
                .extend(org.value_propositions.iter().cloned());
        }
        let cat = &self.cat;
        ds.skills = cat.skills.clone();
        ds.skill_demand = cat.skill_demand.clone();
        ds.learning_paths = cat.paths.iter().map(|p| p.path.clone()).collect();
        for course in &cat.courses {
            ds.courses.push(course.course.clone());
            for module in &course.modules {
                ds.modules.push(module.module.clone());
                ds.assessments.push(module.pre.clone());
                ds.assessments.push(module.post.clone());
            }
            ds.assessments.push(course.exam.clone());
        }
        ds.content_items = cat.items.iter().map(|i| i.item.clone()).collect();
        ds
    }

    fn total_learners(&self) -> usize {
        self.orgs.iter().map(|o| o.learners).sum()
    }
}

/// All demo logins (one per role at least, plus the multi-role user), in a stable order for
/// a config: the main organisation's learner, trainer, org admin, platform admin and
/// multi-role user, then the second organisation's learner, org admin and trainer. Logins
/// whose user does not exist for the config (e.g. no learners) are left out.
pub fn demo_logins(cfg: &DemoConfig) -> Vec<DemoLogin> {
    // Only the organisations are needed, not the catalogue.
    let orgs = people::build_orgs(cfg);
    people::logins(cfg, &orgs)
}

/// The archetype of every learner (both organisations, in output order), for tests and
/// demo narratives.
pub fn learner_archetypes(cfg: &DemoConfig) -> Vec<(UserId, Archetype)> {
    let orgs = people::build_orgs(cfg);
    orgs.iter()
        .flat_map(|org| {
            (0..org.learners).map(move |idx| {
                (
                    people::learner_user_id(org.index, idx),
                    people::archetype_of(cfg.seed, org.index, idx),
                )
            })
        })
        .collect()
}

/// The whole dataset in memory (fine for the default size).
pub fn generate(cfg: &DemoConfig) -> Dataset {
    let mut all = Dataset::default();
    generate_in_chunks(cfg, usize::MAX, |chunk, _, _| all.append(chunk));
    all
}

/// The same data as [`generate`], delivered in pieces so that 100,000 learners never sit in
/// memory at once: first a chunk with organisations, departments, teams, the catalogue
/// (skills, skill demand, courses, modules, assessments, learning paths, content items),
/// trainer and admin users with their sessions, KPIs and value propositions; then one chunk
/// per `learners_per_chunk` learners (0 is treated as 1) holding those users and all their
/// activity rows. Concatenating the chunks' lists gives exactly [`generate`]'s output.
///
/// `on_chunk` receives (chunk, learners done so far, learners in total).
pub fn generate_in_chunks(
    cfg: &DemoConfig,
    learners_per_chunk: usize,
    mut on_chunk: impl FnMut(Dataset, usize, usize),
) {
    let world = World::new(cfg);
    let total = world.total_learners();
    on_chunk(world.shared_chunk(), 0, total);
    let per_chunk = learners_per_chunk.max(1);
    let mut chunk = Dataset::default();
    let mut in_chunk = 0;
    let mut done = 0;
    for org in &world.orgs {
        for idx in 0..org.learners {
            activity::learner(&world, org.index, idx, &mut chunk);
            in_chunk += 1;
            done += 1;
            if in_chunk == per_chunk {
                on_chunk(std::mem::take(&mut chunk), done, total);
                in_chunk = 0;
            }
        }
    }
    if in_chunk > 0 {
        on_chunk(chunk, done, total);
    }
}
