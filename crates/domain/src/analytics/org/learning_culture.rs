//! AS-003.14 Learning Culture Metrics (`learning_culture`, endpoint O3).
//!
//! Question: do employees learn on their own initiative, share knowledge, mentor each
//! other and keep learning regularly?
//!
//! Inputs: employees' enrollments with `assignmentType` voluntary|mandatory and completions
//! (CB); content items created by employees ([`Catalog`], `createdBy`) and their shares (CS);
//! mentoring events (DIR, optional); current streaks and AS-001.3 engagement scores
//! ([`OrgMetricsInput`]); sessions and activity; org setting `ksiTarget` (default 5).
//! Range `[start, end)` (default `now − window .. now`, decision 12);
//! `months = days in range / 30`.
//!
//! - `voluntaryParticipationPct` = voluntary / all enrollments made in the range * 100;
//!   `voluntaryCompletionPct` = voluntary / all completions in the range * 100 (1 dp).
//! - `mentoringEngagementPct` = employees with a mentoring event in the range / employees *
//!   100; null when the organisation has no mentoring data at all (no event of any
//!   employee, ever).
//! - `knowledgeSharingIndex = (items created + shares) / employees * 100 / months` (1 dp,
//!   **decided here**); `KSI_norm = min(100, KSI / target * 100)`, target 5.
//! - `streaksActivePct` = employees with current streak >= 7 (original: "> 7-day") /
//!   employees * 100; the streak is the batch's number, else computed from the employee's activity
//!   (`analytics.md` 8.2) **(decided here)**.
//! - `learningMaturityScore = 0.35*volPart + 0.20*volCompl + 0.20*KSI_norm + 0.15*mentoring +
//!   0.10*streaks`, 1 dp; without mentoring data the term is dropped and the weights
//!   rescaled; a component without a denominator (no enrollments or completions in the
//!   range) is dropped the same way **(decided here)**.
//! - `averageEngagementScore` = mean AS-001.3 over employees with a score (1 dp);
//!   `participationRatePct` = employees with an activity event in the range / employees *
//!   100; `learningFrequency` = sessions started in the range / employees / months (2 dp);
//!   `cultureGrade` A >= 90, B >= 80, C >= 70, D >= 60, else F on the rounded maturity score.
//! - `departments [{departmentId, voluntaryParticipationPct, knowledgeSharingIndex,
//!   learningMaturityScore}]`: the same formulas over each department's members; hidden
//!   below K with complementary suppression; shown rows carry `sampleSize`.
//! - `insights`: deterministic templates.
//!
//! Insufficient data: no employees.

use super::period::Span;
use super::shared::{Grade, active_in, grade, rescaled_weighted};
use super::workforce::{Employee, OrgMetricsInput, Workforce, current_streak_of};
use crate::analytics::Analysis;
use crate::analytics::common::{Clock, Window, mean, pct, ratio, round_dp};
use crate::analytics::input::{Catalog, LearnerRecord, OrgRecord};
use crate::analytics::privacy::Guarded;
use crate::ids::{DepartmentId, UserId};
use crate::model::{AssignmentType, EnrollmentStatus};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Default knowledge-sharing target (items + shares per 100 employees per month).
pub const DEFAULT_KSI_TARGET: f64 = 5.0;
/// A streak counts as active from this many days.
pub const ACTIVE_STREAK_DAYS: u32 = 7;
/// Maturity weights: voluntary participation, voluntary completion, KSI, mentoring, streaks.
pub const MATURITY_WEIGHTS: [f64; 5] = [0.35, 0.20, 0.20, 0.15, 0.10];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearningCulture {
    pub voluntary_participation_pct: Option<f64>,
    pub voluntary_completion_pct: Option<f64>,
    pub mentoring_engagement_pct: Option<f64>,
    pub knowledge_sharing_index: Option<f64>,
    pub streaks_active_pct: Option<f64>,
    pub learning_maturity_score: Option<f64>,
    pub average_engagement_score: Option<f64>,
    pub participation_rate_pct: Option<f64>,
    pub learning_frequency: Option<f64>,
    pub culture_grade: Option<Grade>,
    pub departments: Vec<DepartmentCultureRow>,
    pub insights: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentCultureRow {
    pub department_id: DepartmentId,
    #[serde(flatten)]
    pub metrics: Guarded<DepartmentCulture>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentCulture {
    pub sample_size: usize,
    pub voluntary_participation_pct: Option<f64>,
    pub knowledge_sharing_index: Option<f64>,
    pub learning_maturity_score: Option<f64>,
}

/// The unrounded components of one employee group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CultureComponents {
    pub voluntary_participation: Option<f64>,
    pub voluntary_completion: Option<f64>,
    pub ksi: Option<f64>,
    pub mentoring: Option<f64>,
    pub streaks: Option<f64>,
}

impl CultureComponents {
    /// `min(100, KSI / target * 100)`.
    pub fn ksi_norm(&self, target: f64) -> Option<f64> {
        self.ksi
            .and_then(|k| pct(k, target))
            .map(|n| n.clamp(0.0, 100.0))
    }

    /// The weighted maturity score, null components dropped and weights rescaled.
    pub fn maturity(&self, ksi_target: f64) -> Option<f64> {
        let [p, c, k, m, s] = MATURITY_WEIGHTS;
        rescaled_weighted(&[
            (p, self.voluntary_participation),
            (c, self.voluntary_completion),
            (k, self.ksi_norm(ksi_target)),
            (m, self.mentoring),
            (s, self.streaks),
        ])
    }
}

/// Computes the culture components of `members` over `span`.
struct Ctx<'c> {
    clock: &'c Clock,
    span: Span,
    months: f64,
    has_mentoring: bool,
    org: &'c OrgRecord,
    /// Content items created in the range, per employee.
    created: BTreeMap<UserId, usize>,
}

impl Ctx<'_> {
    fn components(&self, members: &[Employee<'_>]) -> CultureComponents {
        let n = members.len() as f64;
        let enrollments = members
            .iter()
            .flat_map(|m| &m.record.enrollments)
            .filter(|e| self.span.contains(e.enrolled_at));
        let (mut voluntary, mut all) = (0usize, 0usize);
        for e in enrollments {
            all += 1;
            voluntary += usize::from(e.assignment_type == AssignmentType::Voluntary);
        }
        let completions = members
            .iter()
            .flat_map(|m| &m.record.enrollments)
            .filter(|e| e.status == EnrollmentStatus::Completed)
            .filter(|e| e.completed_at.is_some_and(|t| self.span.contains(t)));
        let (mut voluntary_done, mut all_done) = (0usize, 0usize);
        for e in completions {
            all_done += 1;
            voluntary_done += usize::from(e.assignment_type == AssignmentType::Voluntary);
        }
        let created: usize = members
            .iter()
            .map(|m| self.created.get(&m.id()).copied().unwrap_or(0))
            .sum();
        let shares: usize = members
            .iter()
            .map(|m| {
                m.record
                    .content_shares
                    .iter()
                    .filter(|s| self.span.contains(s.shared_at))
                    .count()
            })
            .sum();
        let mentored = members
            .iter()
            .filter(|m| {
                m.record
                    .mentoring
                    .iter()
                    .any(|e| e.org_id == self.org.org.id && self.span.contains(e.occurred_at))
            })
            .count();
        let streaking = members
            .iter()
            .filter(|m| {
                m.metrics
                    .current_streak
                    .unwrap_or_else(|| current_streak_of(m.record, self.clock.now))
                    >= ACTIVE_STREAK_DAYS
            })
            .count();
        CultureComponents {
            voluntary_participation: pct(voluntary as f64, all as f64),
            voluntary_completion: pct(voluntary_done as f64, all_done as f64),
            ksi: ratio((created + shares) as f64 * 100.0, n * self.months),
            mentoring: self
                .has_mentoring
                .then(|| pct(mentored as f64, n))
                .flatten(),
            streaks: pct(streaking as f64, n),
        }
    }
}

pub fn compute(
    org: &OrgRecord,
    members: &[&LearnerRecord],
    catalog: &Catalog,
    metrics: &OrgMetricsInput,
    clock: &Clock,
    span: Span,
) -> Analysis<LearningCulture> {
    let workforce = Workforce::new(org, members, metrics);
    if workforce.is_empty() {
        return Analysis::InsufficientData("the organisation has no employees");
    }
    let has_mentoring = workforce
        .employees
        .iter()
        .any(|e| e.record.mentoring.iter().any(|m| m.org_id == org.org.id));
    let ids: BTreeSet<UserId> = workforce.employees.iter().map(|e| e.id()).collect();
    let mut created: BTreeMap<UserId, usize> = BTreeMap::new();
    for item in catalog.content.values() {
        if let Some(author) = item.created_by.filter(|u| ids.contains(u))
            && span.contains(item.created_at)
        {
            *created.entry(author).or_default() += 1;
        }
    }
    let ctx = Ctx {
        clock,
        span,
        months: span.days() / 30.0,
        has_mentoring,
        org,
        created,
    };
    let ksi_target = org
        .org
        .settings
        .ksi_target
        .filter(|t| t.is_finite() && *t > 0.0)
        .unwrap_or(DEFAULT_KSI_TARGET);
    let employees = &workforce.employees;
    let n = employees.len() as f64;
    let components = ctx.components(employees);
    let maturity = components.maturity(ksi_target).map(|m| round_dp(m, 1));
    let active = employees
        .iter()
        .filter(|e| active_in(e.record, clock, &span))
        .count();
    let sessions = employees
        .iter()
        .flat_map(|e| &e.record.sessions)
        .filter(|s| span.contains(s.started_at) && s.started_at <= clock.now)
        .count();
    let engagement: Vec<f64> = employees
        .iter()
        .filter_map(|e| e.metrics.engagement())
        .collect();

    let departments: Vec<DepartmentCultureRow> = workforce
        .departments()
        .into_iter()
        .map(|segment| DepartmentCultureRow {
            department_id: segment.id,
            metrics: Guarded::new(
                if segment.shown {
                    segment.members.len()
                } else {
                    0
                },
                || {
                    let c = ctx.components(&segment.members);
                    DepartmentCulture {
                        sample_size: segment.members.len(),
                        voluntary_participation_pct: c
                            .voluntary_participation
                            .map(|v| round_dp(v, 1)),
                        knowledge_sharing_index: c.ksi.map(|v| round_dp(v, 1)),
                        learning_maturity_score: c.maturity(ksi_target).map(|v| round_dp(v, 1)),
                    }
                },
            ),
        })
        .collect();

    let insights = insights(
        &components,
        maturity,
        ksi_target,
        has_mentoring,
        departments
            .iter()
            .filter(|d| d.metrics.is_suppressed())
            .count(),
    );
    Analysis::Ready(LearningCulture {
        voluntary_participation_pct: components.voluntary_participation.map(|v| round_dp(v, 1)),
        voluntary_completion_pct: components.voluntary_completion.map(|v| round_dp(v, 1)),
        mentoring_engagement_pct: components.mentoring.map(|v| round_dp(v, 1)),
        knowledge_sharing_index: components.ksi.map(|v| round_dp(v, 1)),
        streaks_active_pct: components.streaks.map(|v| round_dp(v, 1)),
        learning_maturity_score: maturity,
        average_engagement_score: mean(&engagement).map(|v| round_dp(v, 1)),
        participation_rate_pct: pct(active as f64, n).map(|v| round_dp(v, 1)),
        learning_frequency: ratio(sessions as f64, n * ctx.months).map(|v| round_dp(v, 2)),
        culture_grade: maturity.map(grade),
        departments,
        insights,
    })
}

/// `[now − window, now)`.
pub fn default_span(clock: &Clock, window: Window) -> Span {
    Span::from_window(clock, window)
}

fn insights(
    c: &CultureComponents,
    maturity: Option<f64>,
    ksi_target: f64,
    has_mentoring: bool,
    hidden_departments: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = maturity {
        out.push(format!(
            "Learning maturity is {m:.1} (grade {:?}).",
            grade(m)
        ));
    }
    if let Some(v) = c.voluntary_participation.map(|v| round_dp(v, 1)) {
        if v < 70.0 {
            out.push(format!(
                "{v:.1}% of enrollments are voluntary (below 70%); consider incentives for self-directed learning."
            ));
        } else {
            out.push(format!("{v:.1}% of enrollments are voluntary."));
        }
    }
    if let Some(ksi) = c.ksi.map(|k| round_dp(k, 1)) {
        if ksi >= ksi_target {
            out.push(format!(
                "Knowledge sharing ({ksi:.1}) meets the target of {ksi_target}; recognise the most active sharers."
            ));
        } else {
            out.push(format!(
                "Knowledge sharing ({ksi:.1}) is below the target of {ksi_target}."
            ));
        }
    }
    if !has_mentoring {
        out.push(
            "No mentoring data is available; the maturity score is computed without mentoring."
                .to_owned(),
        );
    }
    if let Some(s) = c.streaks.map(|s| round_dp(s, 1)) {
        out.push(format!(
            "{s:.1}% of employees have a learning streak of at least {ACTIVE_STREAK_DAYS} days."
        ));
    }
    if hidden_departments > 0 {
        out.push(format!(
            "{hidden_departments} department(s) are not shown to protect groups of fewer than 10 employees."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::org::test_support::*;
    use crate::analytics::org::workforce::{EmployeeMetrics, build_org_metrics};
    use crate::ids::ContentId;
    use crate::model::{
        ContentItem, ContentShare, ContentType, CreationMethod, MentoringEvent, MentoringKind,
    };
    use proptest::prelude::*;

    fn mentoring(user: u128, days_ago: i64) -> MentoringEvent {
        MentoringEvent {
            org_id: org_id(),
            user_id: user_id(user),
            kind: MentoringKind::Mentee,
            occurred_at: ago(days_ago),
        }
    }

    fn content(n: u128, author: u128, days_ago: i64) -> ContentItem {
        ContentItem {
            id: ContentId(id(9000 + n)),
            external_id: None,
            course_id: None,
            module_id: None,
            title: "Note".into(),
            content_type: ContentType::Article,
            creation_method: CreationMethod::Manual,
            created_by: Some(user_id(author)),
            created_at: ago(days_ago),
            owner_org_id: None,
        }
    }

    fn sixty_days() -> Span {
        Span::new(ago(60), now())
    }

    /// Ten employees in "Ops"; see the test for the hand computation.
    fn fixture() -> (OrgRecord, Vec<LearnerRecord>, Catalog, OrgMetricsInput) {
        let org = org(&[(1, "Ops")], &[]);
        let mut people: Vec<LearnerRecord> = (0..10).map(|n| learner(n, Some(1), None)).collect();
        for (n, r) in people.iter_mut().enumerate() {
            let n = n as u128;
            let kind = if n < 7 {
                AssignmentType::Voluntary
            } else {
                AssignmentType::Mandatory
            };
            let done = matches!(n, 0 | 1 | 7 | 8).then(|| ago(10));
            r.enrollments.push(enrollment(n, 1, ago(30), done, kind));
            r.sessions.push(session(n, ago(20), 30));
        }
        people[0]
            .enrollments
            .push(enrollment(0, 2, ago(90), None, AssignmentType::Voluntary));
        for (n, r) in people.iter_mut().enumerate().take(3) {
            r.mentoring.push(mentoring(n as u128, 5));
        }
        people[3].mentoring.push(mentoring(3, 100));
        people[4].content_shares.push(ContentShare {
            content_id: ContentId(id(9000)),
            shared_by: user_id(4),
            shared_at: ago(7),
        });
        let catalog = Catalog::new(
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![content(1, 5, 90)],
        );
        let streak = |s: u32, e: Option<f64>| EmployeeMetrics {
            current_streak: Some(s),
            engagement_score: e,
            ..EmployeeMetrics::default()
        };
        let metrics = build_org_metrics([
            (user_id(0), streak(7, Some(50.0))),
            (user_id(1), streak(7, Some(70.0))),
            (user_id(2), streak(10, None)),
            (user_id(3), streak(30, None)),
            (user_id(4), streak(6, None)),
        ]);
        (org, people, catalog, metrics)
    }

    #[test]
    fn hand_computed_culture() {
        let (org, people, catalog, metrics) = fixture();
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            sixty_days(),
        );
        let out = out.ready().unwrap();
        // Enrollments in the 60 days: 7 voluntary of 10 -> 70.0 (the one 90 days ago is out).
        assert_eq!(out.voluntary_participation_pct, Some(70.0));
        // Completions: 0, 1 voluntary; 7, 8 mandatory -> 2/4 = 50.0.
        assert_eq!(out.voluntary_completion_pct, Some(50.0));
        // Mentoring in range: 0, 1, 2 -> 30.0 (3's event is older but proves the org has data).
        assert_eq!(out.mentoring_engagement_pct, Some(30.0));
        // One share, no item in range: 1/10*100/2 months = 5.0 = target -> KSI_norm 100.
        assert_eq!(out.knowledge_sharing_index, Some(5.0));
        // Streaks 7, 7, 10, 30 count (>= 7); 6 and the computed 0s do not: 40.0.
        assert_eq!(out.streaks_active_pct, Some(40.0));
        // 0.35*70 + 0.2*50 + 0.2*100 + 0.15*30 + 0.1*40 = 24.5+10+20+4.5+4 = 63.0 -> D.
        assert_eq!(out.learning_maturity_score, Some(63.0));
        assert_eq!(out.culture_grade, Some(Grade::D));
        assert_eq!(out.average_engagement_score, Some(60.0));
        assert_eq!(out.participation_rate_pct, Some(100.0));
        // 10 sessions / 10 employees / 2 months.
        assert_eq!(out.learning_frequency, Some(0.5));
        let ops = out.departments[0].metrics.shown().unwrap();
        assert_eq!(
            (
                ops.sample_size,
                ops.voluntary_participation_pct,
                ops.knowledge_sharing_index,
                ops.learning_maturity_score
            ),
            (10, Some(70.0), Some(5.0), Some(63.0))
        );
        assert!(out.insights.iter().any(|i| i.contains("meets the target")));
        let json = serde_json::to_value(out).unwrap();
        for key in [
            "voluntaryParticipationPct",
            "voluntaryCompletionPct",
            "mentoringEngagementPct",
            "knowledgeSharingIndex",
            "streaksActivePct",
            "learningMaturityScore",
            "averageEngagementScore",
            "participationRatePct",
            "learningFrequency",
            "cultureGrade",
            "departments",
            "insights",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn without_mentoring_data_the_term_is_dropped() {
        let (org, mut people, catalog, metrics) = fixture();
        for r in &mut people {
            r.mentoring.clear();
        }
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            sixty_days(),
        );
        let out = out.ready().unwrap();
        assert_eq!(out.mentoring_engagement_pct, None);
        // (24.5 + 10 + 20 + 4) / 0.85 = 68.82 -> 68.8 -> D.
        assert_eq!(out.learning_maturity_score, Some(68.8));
        assert!(out.insights.iter().any(|i| i.contains("No mentoring data")));
        let components = CultureComponents {
            voluntary_participation: Some(100.0),
            voluntary_completion: Some(100.0),
            ksi: Some(10.0),
            mentoring: None,
            streaks: Some(100.0),
        };
        // KSI 10 vs target 5 saturates at 100; everything 100 -> 100 (A).
        assert_eq!(components.ksi_norm(5.0), Some(100.0));
        assert_eq!(components.maturity(5.0), Some(100.0));
    }

    #[test]
    fn a_streak_of_exactly_seven_days_from_activity_counts() {
        let org = org(&[], &[]);
        let mut a = learner(0, None, None);
        // Sessions today and on the 6 days before: streak 7.
        for d in 0..7 {
            a.sessions.push(session(
                0,
                now() - chrono::Duration::days(d) - chrono::Duration::hours(1),
                10,
            ));
        }
        a.sort();
        let mut b = learner(1, None, None);
        for d in 0..6 {
            b.sessions.push(session(
                1,
                now() - chrono::Duration::days(d) - chrono::Duration::hours(1),
                10,
            ));
        }
        b.sort();
        let people = vec![a, b];
        let metrics = OrgMetricsInput::default();
        let out = compute(
            &org,
            &refs(&people),
            &catalog(vec![], vec![]),
            &metrics,
            &clock(),
            sixty_days(),
        );
        let out = out.ready().unwrap();
        // 1 of 2 has a 7-day streak -> 50.0; no enrollments -> those components are null.
        assert_eq!(out.streaks_active_pct, Some(50.0));
        assert_eq!(out.voluntary_participation_pct, None);
        // Components: KSI 0 (norm 0), streaks 50 -> (0.2*0 + 0.1*50)/0.3 = 16.7 -> F.
        assert_eq!(out.learning_maturity_score, Some(16.7));
        assert_eq!(out.culture_grade, Some(Grade::F));
        // 13 sessions / 2 employees / 2 months = 3.25.
        assert_eq!(out.learning_frequency, Some(3.25));
    }

    #[test]
    fn small_departments_empty_orgs_and_empty_ranges() {
        let org = org(&[(1, "A"), (2, "B")], &[]);
        let people: Vec<LearnerRecord> = (0..10u128)
            .map(|n| learner(n, Some(1 + n % 2), None))
            .collect();
        let metrics = OrgMetricsInput::default();
        let catalog = catalog(vec![], vec![]);
        let out = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            sixty_days(),
        );
        let out = out.ready().unwrap();
        assert!(out.departments.iter().all(|d| d.metrics.is_suppressed()));
        assert!(out.insights.iter().any(|i| i.contains("2 department(s)")));
        let empty = compute(
            &org,
            &refs(&people),
            &catalog,
            &metrics,
            &clock(),
            Span::new(now(), now()),
        );
        let empty = empty.ready().unwrap();
        assert_eq!(empty.knowledge_sharing_index, None);
        assert_eq!(empty.learning_frequency, None);
        assert!(
            compute(&org, &[], &catalog, &metrics, &clock(), sixty_days())
                .ready()
                .is_none()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_cultures_stay_in_range(
            people in prop::collection::vec(
                (0u8..3, prop::collection::vec((0i64..120, prop::option::of(0i64..120), any::<bool>()), 0..3),
                 prop::collection::vec(0i64..120, 0..3), prop::collection::vec(0i64..120, 0..3),
                 prop::option::of(0u32..20), prop::option::of(0.0f64..100.0)),
                0..25),
            window in prop::sample::select(vec![Window::Days7, Window::Days30, Window::Days90]),
            ksi_target in prop::option::of(-1.0f64..20.0),
        ) {
            let mut org = org(&[(1, "A"), (2, "B")], &[]);
            org.org.settings.ksi_target = ksi_target;
            let mut records = Vec::new();
            let mut entries = Vec::new();
            for (n, (dept, enrollments, shares, mentoring_days, streak, engagement)) in people.iter().enumerate() {
                let n = n as u128;
                let mut r = learner(n, (*dept > 0).then_some(u128::from(*dept)), None);
                for (i, (e, c, voluntary)) in enrollments.iter().enumerate() {
                    let kind = if *voluntary { AssignmentType::Voluntary } else { AssignmentType::Mandatory };
                    r.enrollments.push(enrollment(n, i as u128, ago(*e), c.filter(|c| c <= e).map(ago), kind));
                    r.sessions.push(session(n, ago(*e), 20));
                }
                for s in shares {
                    r.content_shares.push(ContentShare { content_id: ContentId(id(9000)), shared_by: user_id(n), shared_at: ago(*s) });
                }
                for m in mentoring_days { r.mentoring.push(mentoring(n, *m)); }
                r.sort();
                records.push(r);
                entries.push((user_id(n), EmployeeMetrics { current_streak: *streak, engagement_score: *engagement, ..EmployeeMetrics::default() }));
            }
            let metrics = build_org_metrics(entries);
            let catalog = catalog(vec![], vec![]);
            let span = default_span(&clock(), window);
            let run = || compute(&org, &refs(&records), &catalog, &metrics, &clock(), span);
            let out = run();
            prop_assert_eq!(&out, &run());
            let debug = format!("{out:?}");
            prop_assert!(!has_non_finite(&debug));
            if let Some(out) = out.ready() {
                for v in [out.voluntary_participation_pct, out.voluntary_completion_pct, out.mentoring_engagement_pct,
                          out.streaks_active_pct, out.learning_maturity_score, out.average_engagement_score,
                          out.participation_rate_pct].into_iter().flatten() {
                    prop_assert!((0.0..=100.0).contains(&v));
                }
                prop_assert_eq!(out.culture_grade, out.learning_maturity_score.map(grade));
                for d in &out.departments {
                    if let Some(m) = d.metrics.shown() { prop_assert!(m.sample_size >= 10); }
                }
            } else {
                prop_assert!(records.is_empty());
            }
        }
    }
}
