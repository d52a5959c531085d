//! Organisations, departments, teams, staff users, learner identities and the demo logins.
//!
//! Everything about a learner that other parts of the world need to know without generating
//! the learner's activity (id, name, department, archetype) is a pure function of
//! `(seed, org, learner index)`, so the catalogue can point at learners (content authors)
//! and chunks can be generated in any order.

use crate::config::DemoConfig;
use crate::names::{
    DepartmentTemplate, FIRST_NAMES, LAST_NAMES, MAIN_DEPARTMENTS, SECOND_DEPARTMENTS,
};
use crate::util::{Draw, Stream, Ts, mix64, rng_for, unit_from_hash, weyl};
use chrono::Duration;
use la_domain::Role;
use la_domain::ids::{DepartmentId, OrgId, TeamId, UserId};
use la_domain::model::{
    AlignmentWeights, Department, Kpi, OrgSettings, Organization, SkillLevel, Team,
    TrainingInvestment, User, ValueProposition,
};
use rand::Rng;

/// Index of the main organisation.
pub(crate) const MAIN_ORG: usize = 0;
/// Index of the second, small organisation.
pub(crate) const SECOND_ORG: usize = 1;

/// How a learner behaves over the activity window; assigned deterministically per learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Archetype {
    /// ~20%: active most days, long sessions, high scores, several completions.
    Fast,
    /// ~40%: active about every other day over the whole window.
    Steady,
    /// ~25%: active early in the window, little in the last two to three weeks, declining
    /// scores.
    Slowing,
    /// ~15%: some activity early in the window, (almost) nothing in the last 30 days.
    Inactive,
}

impl Archetype {
    /// All archetypes, in quota order.
    pub const ALL: [Archetype; 4] = [
        Archetype::Fast,
        Archetype::Steady,
        Archetype::Slowing,
        Archetype::Inactive,
    ];

    /// Lower-case name, for descriptions.
    pub fn as_str(self) -> &'static str {
        match self {
            Archetype::Fast => "fast",
            Archetype::Steady => "steady",
            Archetype::Slowing => "slowing",
            Archetype::Inactive => "inactive",
        }
    }
}

/// Step of the Weyl sequence for archetypes (golden ratio) and teams (silver ratio); being
/// different irrationals, the two assignments are practically uncorrelated.
const ARCHETYPE_STEP: f64 = 0.618_033_988_749_894_9;
const TEAM_STEP: f64 = 0.414_213_562_373_095_1;

/// The archetype of learner `idx` of organisation `org`: fixed for the demo logins, otherwise
/// a quota (20/40/25/15 %) spread evenly over the learner indices.
pub(crate) fn archetype_of(seed: u64, org: usize, idx: usize) -> Archetype {
    match (org, idx) {
        (MAIN_ORG, 0) | (SECOND_ORG, 0) => return Archetype::Steady,
        (MAIN_ORG, 1) => return Archetype::Fast,
        _ => {}
    }
    let offset = unit_from_hash(mix64(seed ^ mix64(0xA7C4 + org as u64)));
    let u = weyl(idx, ARCHETYPE_STEP, offset);
    if u < 0.20 {
        Archetype::Fast
    } else if u < 0.60 {
        Archetype::Steady
    } else if u < 0.85 {
        Archetype::Slowing
    } else {
        Archetype::Inactive
    }
}

/// A team and its share of the department's learners.
pub(crate) struct TeamPlan {
    pub team: Team,
    pub weight: f64,
}

/// A department with its teams, the course categories its people prefer and its mandatory
/// assignment.
pub(crate) struct DepartmentPlan {
    pub department: Department,
    pub teams: Vec<TeamPlan>,
    pub course_categories: &'static [usize],
    /// A department-specific mandatory course (index into the catalogue's courses).
    pub mandatory_course: Option<usize>,
}

/// One organisation of the demo world.
pub(crate) struct OrgPlan {
    pub index: usize,
    pub organization: Organization,
    /// E-mail domain of ordinary users.
    pub domain: &'static str,
    /// E-mail domain of the demo logins.
    pub login_domain: &'static str,
    pub learners: usize,
    pub departments: Vec<DepartmentPlan>,
    /// Dedicated trainers; the first is the demo trainer.
    pub trainers: Vec<User>,
    /// Org admin (and, in the main org, the platform admin).
    pub admins: Vec<User>,
    /// Courses owned by the organisation (indices into the catalogue's courses).
    pub courses: Vec<usize>,
    /// The organisation-wide mandatory course (index into the catalogue's courses).
    pub org_mandatory_course: Option<usize>,
    pub value_propositions: Vec<ValueProposition>,
    pub kpis: Vec<Kpi>,
}

impl OrgPlan {
    pub fn id(&self) -> OrgId {
        self.organization.id
    }

    /// The multi-role demo user (learner 1 of the main org), if there are enough learners.
    pub fn multirole_user(&self) -> Option<UserId> {
        (self.index == MAIN_ORG && self.learners >= 2).then(|| learner_user_id(self.index, 1))
    }
}

/// Day (counted from the window start) at which mandatory courses are assigned to department
/// `dept`: staggered so that some due dates lie in the past and some ahead.
pub(crate) fn assignment_day(dept: usize, days: u32, department_specific: bool) -> u32 {
    let base = if department_specific { 20 } else { 3 };
    let day = base + 9 * dept as u32;
    day.min(days.saturating_sub(7))
}

/// Static facts of an organisation that the config does not choose.
struct OrgTemplate {
    name: &'static str,
    domain: &'static str,
    login_domain: &'static str,
    timezone: &'static str,
    departments: &'static [DepartmentTemplate],
}

const ORGS: [OrgTemplate; 2] = [
    OrgTemplate {
        name: "Northwind Learning Co.",
        domain: "northwind.example",
        login_domain: "demo.local",
        timezone: "Europe/London",
        departments: MAIN_DEPARTMENTS,
    },
    OrgTemplate {
        name: "Harbor Analytics Ltd.",
        domain: "harbor.example",
        login_domain: "second.demo.local",
        timezone: "UTC",
        departments: SECOND_DEPARTMENTS,
    },
];

pub(crate) fn org_id(org: usize) -> OrgId {
    OrgId::from_external(&format!("demo-org-{org}")).expect("valid external id")
}

pub(crate) fn learner_user_id(org: usize, idx: usize) -> UserId {
    UserId::from_external(&learner_external_id(org, idx)).expect("valid external id")
}

fn learner_external_id(org: usize, idx: usize) -> String {
    format!("demo-u-{org}-{idx:06}")
}

/// Builds the organisations (without catalogue-dependent parts: courses, mandatory
/// assignments, KPIs and value propositions are filled in by the catalogue).
pub(crate) fn build_orgs(cfg: &DemoConfig) -> Vec<OrgPlan> {
    let mut orgs = vec![build_org(
        cfg,
        MAIN_ORG,
        cfg.learners,
        cfg.trainers,
        cfg.departments,
    )];
    if cfg.second_org_learners > 0 {
        orgs.push(build_org(cfg, SECOND_ORG, cfg.second_org_learners, 1, 2));
    }
    orgs
}

fn build_org(
    cfg: &DemoConfig,
    index: usize,
    learners: usize,
    trainers: usize,
    departments: usize,
) -> OrgPlan {
    let template = &ORGS[index];
    let mut rng = rng_for(cfg.seed, Stream::Organisation, &[index as u64]);
    let id = org_id(index);
    let today = cfg.now.date_naive();
    let quarter = crate::util::quarter_start(today);
    let previous_quarter = crate::util::quarter_start(quarter - Duration::days(1));
    // Main org: a funded programme with ROI data; second org: smaller numbers.
    let (investment, value_per_skill) = if index == MAIN_ORG {
        (60_000.0, 250.0)
    } else {
        (8_000.0, 250.0)
    };
    let organization = Organization {
        id,
        external_id: Some(format!("demo-org-{index}")),
        name: template.name.to_owned(),
        timezone: Some(template.timezone.to_owned()),
        settings: OrgSettings {
            alignment_weights: (index == MAIN_ORG).then_some(AlignmentWeights {
                k: 0.5,
                s: 0.3,
                t: 0.2,
            }),
            gap_closure_target: Some(75.0),
            ksi_target: Some(5.0),
            recommended_hours_per_week: Some(5.0),
            training_investment: vec![
                TrainingInvestment {
                    period: crate::util::quarter_label(previous_quarter),
                    amount: investment * 0.9,
                },
                TrainingInvestment {
                    period: crate::util::quarter_label(quarter),
                    amount: investment,
                },
            ],
            value_per_skill: Some(value_per_skill),
        },
    };

    let mut depts = Vec::with_capacity(departments);
    for d in 0..departments {
        let (name, team_names, categories): (String, Vec<String>, &'static [usize]) =
            match template.departments.get(d) {
                Some(t) => (
                    t.name.to_owned(),
                    t.teams.iter().map(|s| (*s).to_owned()).collect(),
                    t.course_categories,
                ),
                None => (
                    format!("Department {}", d + 1),
                    vec!["Team A".to_owned(), "Team B".to_owned()],
                    &[5, 4],
                ),
            };
        let department = Department {
            id: DepartmentId::from_external(&format!("demo-d-{index}-{d}"))
                .expect("valid external id"),
            org_id: id,
            parent_id: None,
            name,
        };
        let teams = team_names
            .into_iter()
            .enumerate()
            .map(|(t, team_name)| {
                // The last team of the last department of the main org is kept small (under
                // the k-anonymity threshold at the default size) to exercise suppression.
                let small = index == MAIN_ORG
                    && d + 1 == departments
                    && t + 1 == template_team_count(template, d);
                TeamPlan {
                    team: Team {
                        id: TeamId::from_external(&format!("demo-tm-{index}-{d}-{t}"))
                            .expect("valid external id"),
                        org_id: id,
                        parent_id: Some(department.id),
                        name: team_name,
                    },
                    weight: if small { 0.15 } else { rng.uniform(0.7, 1.3) },
                }
            })
            .collect();
        depts.push(DepartmentPlan {
            department,
            teams,
            course_categories: categories,
            mandatory_course: None,
        });
    }

    let long_ago = |rng: &mut rand_chacha::ChaCha8Rng| -> Ts {
        cfg.now - Duration::days(i64::from(cfg.days) + rng.random_range(60..900))
    };
    let staff_user = |ext: String,
                      name: String,
                      email: String,
                      roles: Vec<Role>,
                      dept: Option<DepartmentId>,
                      created: Ts| User {
        id: UserId::from_external(&ext).expect("valid external id"),
        external_id: Some(ext),
        org_id: Some(id),
        department_id: dept,
        team_id: None,
        display_name: name,
        email: Some(email),
        roles,
        timezone: Some(template.timezone.to_owned()),
        competency_level: SkillLevel::ADVANCED,
        is_active: true,
        created_at: created,
    };

    let trainer_users = (0..trainers)
        .map(|t| {
            let (name, email) = if t == 0 {
                let name = if index == MAIN_ORG {
                    "Priya Shah"
                } else {
                    "Jamie Fox"
                };
                (
                    name.to_owned(),
                    format!("trainer@{}", template.login_domain),
                )
            } else {
                let (first, last) = person_name(cfg.seed, index, 1_000_000 + t);
                (
                    format!("{first} {last}"),
                    format!(
                        "{}.{}.t{t}@{}",
                        first.to_lowercase(),
                        last.to_lowercase(),
                        template.domain
                    ),
                )
            };
            let dept = (!depts.is_empty()).then(|| depts[t % depts.len()].department.id);
            let created = long_ago(&mut rng);
            staff_user(
                format!("demo-t-{index}-{t:03}"),
                name,
                email,
                vec![Role::Trainer],
                dept,
                created,
            )
        })
        .collect();

    let mut admins = vec![{
        let name = if index == MAIN_ORG {
            "Morgan Blake"
        } else {
            "Avery Cole"
        };
        let created = long_ago(&mut rng);
        staff_user(
            format!("demo-oa-{index}"),
            name.to_owned(),
            format!("orgadmin@{}", template.login_domain),
            vec![Role::OrgAdmin],
            None,
            created,
        )
    }];
    if index == MAIN_ORG {
        let created = long_ago(&mut rng);
        admins.push(staff_user(
            "demo-pa".to_owned(),
            "Riley Quinn".to_owned(),
            "platformadmin@demo.local".to_owned(),
            vec![Role::PlatformAdmin],
            None,
            created,
        ));
    }

    OrgPlan {
        index,
        organization,
        domain: template.domain,
        login_domain: template.login_domain,
        learners,
        departments: depts,
        trainers: trainer_users,
        admins,
        courses: Vec::new(),
        org_mandatory_course: None,
        value_propositions: Vec::new(),
        kpis: Vec::new(),
    }
}

fn template_team_count(template: &OrgTemplate, dept: usize) -> usize {
    template.departments.get(dept).map_or(2, |t| t.teams.len())
}

/// A (first, last) name pair for person `n` of organisation `org`.
fn person_name(seed: u64, org: usize, n: usize) -> (&'static str, &'static str) {
    let h = mix64(seed ^ mix64(((org as u64) << 40) ^ n as u64 ^ 0x5EED));
    let first = FIRST_NAMES[(h % FIRST_NAMES.len() as u64) as usize];
    let last = LAST_NAMES[((h >> 32) % LAST_NAMES.len() as u64) as usize];
    (first, last)
}

/// Who a learner is: the parts of the user record that do not depend on activity.
pub(crate) struct LearnerIdentity {
    pub user_id: UserId,
    pub external_id: String,
    pub display_name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub department: Option<usize>,
    pub team: Option<usize>,
    pub archetype: Archetype,
    /// A demo login that must carry rich data.
    pub showcase: bool,
}

/// The identity of learner `idx` of `org`.
pub(crate) fn learner_identity(seed: u64, org: &OrgPlan, idx: usize) -> LearnerIdentity {
    let external_id = learner_external_id(org.index, idx);
    let user_id = learner_user_id(org.index, idx);
    let archetype = archetype_of(seed, org.index, idx);
    let (display_name, email, roles, showcase) = match (org.index, idx) {
        (MAIN_ORG, 0) => (
            "Sam Taylor".to_owned(),
            format!("learner@{}", org.login_domain),
            vec![Role::Learner],
            true,
        ),
        (MAIN_ORG, 1) => (
            "Jordan Lee".to_owned(),
            format!("multirole@{}", org.login_domain),
            vec![Role::Learner, Role::Trainer, Role::OrgAdmin],
            true,
        ),
        (SECOND_ORG, 0) => (
            "Casey Brooks".to_owned(),
            format!("learner@{}", org.login_domain),
            vec![Role::Learner],
            true,
        ),
        _ => {
            let (first, last) = person_name(seed, org.index, idx);
            (
                format!("{first} {last}"),
                format!(
                    "{}.{}.{idx}@{}",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    org.domain
                ),
                vec![Role::Learner],
                false,
            )
        }
    };
    let (department, team) = if showcase {
        // Demo logins sit in the first (large) team so their peer groups are visible.
        (Some(0).filter(|_| !org.departments.is_empty()), Some(0))
    } else {
        assign_team(seed, org, idx)
    };
    let team = team.filter(|_| department.is_some());
    LearnerIdentity {
        user_id,
        external_id,
        display_name,
        email,
        roles,
        department,
        team,
        archetype,
        showcase,
    }
}

/// Department and team of a learner: a weighted quota over all teams of the organisation,
/// spread evenly over learner indices (so team sizes follow the weights closely).
fn assign_team(seed: u64, org: &OrgPlan, idx: usize) -> (Option<usize>, Option<usize>) {
    let weights: Vec<(usize, usize, f64)> = org
        .departments
        .iter()
        .enumerate()
        .flat_map(|(d, dept)| {
            dept.teams
                .iter()
                .enumerate()
                .map(move |(t, team)| (d, t, team.weight))
        })
        .collect();
    if weights.is_empty() {
        return (None, None);
    }
    let total: f64 = weights.iter().map(|w| w.2).sum();
    let offset = unit_from_hash(mix64(seed ^ mix64(0x7EA4 + org.index as u64)));
    let mut x = weyl(idx, TEAM_STEP, offset) * total;
    for (d, t, w) in &weights {
        if x < *w {
            return (Some(*d), Some(*t));
        }
        x -= w;
    }
    let (d, t, _) = weights[weights.len() - 1];
    (Some(d), Some(t))
}

/// A login of the demo, with what it is good for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// The user in the generated dataset.
    pub user_id: UserId,
    /// Lower-case login e-mail (`learner@demo.local`, ...).
    pub email: String,
    pub display_name: String,
    /// All roles of the user (a multi-role user lists several).
    pub roles: Vec<Role>,
    pub org_id: OrgId,
    /// What the login is good for in a demo.
    pub description: &'static str,
}

/// The demo logins of the organisations (only those whose user exists for the config).
pub(crate) fn logins(cfg: &DemoConfig, orgs: &[OrgPlan]) -> Vec<DemoLogin> {
    let mut out = Vec::new();
    for org in orgs {
        let learner = |idx: usize, description: &'static str| {
            let who = learner_identity(cfg.seed, org, idx);
            DemoLogin {
                user_id: who.user_id,
                email: who.email,
                display_name: who.display_name,
                roles: who.roles,
                org_id: org.id(),
                description,
            }
        };
        let staff = |user: &User, description: &'static str| DemoLogin {
            user_id: user.id,
            email: user.email.clone().unwrap_or_default(),
            display_name: user.display_name.clone(),
            roles: user.roles.clone(),
            org_id: org.id(),
            description,
        };
        if org.index == MAIN_ORG {
            if org.learners > 0 {
                out.push(learner(
                    0,
                    "Steady learner with data in every entity: several enrollments, a path with a target date, skill gaps, pre/post attempts, practice, help requests and a current login streak",
                ));
            }
            if let Some(t) = org.trainers.first() {
                out.push(staff(t, "Trainer of several courses with at least ten students each (strong and weak courses)"));
            }
            out.push(staff(&org.admins[0], "Org admin of the main organisation"));
            if let Some(p) = org.admins.get(1) {
                out.push(staff(p, "Platform admin (member of the main organisation)"));
            }
            if org.learners > 1 {
                out.push(learner(
                    1,
                    "Multi-role user: a fast learner who also co-teaches courses and administers the main organisation",
                ));
            }
        } else {
            if org.learners > 0 {
                out.push(learner(
                    0,
                    "Learner of the second organisation (cross-organisation access tests)",
                ));
            }
            out.push(staff(
                &org.admins[0],
                "Org admin of the second organisation (cross-organisation access tests)",
            ));
            if let Some(t) = org.trainers.first() {
                out.push(staff(t, "The single trainer of the second organisation"));
            }
        }
    }
    out
}

/// The learner user record (activity-dependent fields are decided by the caller).
pub(crate) fn learner_user(
    org: &OrgPlan,
    who: &LearnerIdentity,
    created_at: Ts,
    competency: SkillLevel,
) -> User {
    User {
        id: who.user_id,
        external_id: Some(who.external_id.clone()),
        org_id: Some(org.id()),
        department_id: who.department.map(|d| org.departments[d].department.id),
        team_id: who
            .department
            .zip(who.team)
            .map(|(d, t)| org.departments[d].teams[t].team.id),
        display_name: who.display_name.clone(),
        email: Some(who.email.clone()),
        roles: who.roles.clone(),
        timezone: org.organization.timezone.clone(),
        competency_level: competency,
        is_active: true,
        created_at,
    }
}
