//! Leaderboards (`analytics.md` 8.4; README G3; decision 16): anonymous boards with the
//! requester's percentile, band and cut points.
//!
//! Inputs: one [`Participant`] of plain numbers per user of the role (built by
//! [`Participant::from_record`] / [`build_participants`], each in the user's own calendar,
//! with the leaderboard opt-out of `UserPreferences`), the organisations' [`Department`]s
//! (names), then per request a [`Requester`] and the `type`, `scope` and `window` query
//! parameters. [`Leaderboards::build`] sorts every board once per batch; a request is a
//! binary search for the requester (`O(log n)`), so 100,000 learners cost one sort per board.
//!
//! - Types: `points` (points awarded in the window), `completionSpeed` (mean days from
//!   enrollment to completion over the courses completed in the window; lower is better),
//!   `skills` (skills acquired in the window), `departments` (mean points per learner of
//!   each department). Scopes `platform`, `organization` (the requester's), `department`
//!   (the requester's). Windows `weekly` (ISO week), `monthly` (calendar month), `allTime`.
//! - Population = participants in scope with a value, minus opt-outs. K-anonymity with the
//!   subject excluded (7.1): a board is shown only when at least K = 10 members other than
//!   the requester remain; otherwise the view carries only `{insufficientData: true,
//!   minimumRequired: 10}` (the real size is not disclosed).
//! - The requester sees `yourPercentile` = `pr(v, G)` of 0.3 over the other members (on
//!   "goodness": higher points/skills, fewer days), and `yourBand`: `top_10` (pr >= 90),
//!   `top_25` (>= 75), `top_50` (>= 50), `top_75` (>= 25), else `bottom_25`; cut points
//!   `{p50, p75, p90}` of the board population; completionSpeed adds
//!   `fasterThanAveragePct = (mean - mine) / mean * 100` (1 dp).
//! - `top`: at most 10 `{rank, value, isYou, name}` best first, no names or ids of people;
//!   `name` is a department name on department boards and `null` otherwise.
//!
//! Decided here:
//! - **Who has a value**: every participant has points (0 included) and, for the `learner`
//!   role, a skills count (0 included); a completionSpeed value needs a course completed in
//!   the window. Other roles earn only streak points, so their completionSpeed and skills
//!   boards are empty. Participants are active users holding the role.
//! - **Ranks** are competition ranks (`1 + members strictly better`); ties are anonymous
//!   and the requester takes the first slot of their tie group, so a requester tied into
//!   the top 10 sees themself.
//! - **Cut points** are the values a member must reach to be at the 50th/75th/90th
//!   percentile of performance: quantiles (0.3, linear) of the values for points, skills and
//!   departments, and the (1 - q) quantile of days for completionSpeed. Points and skills
//!   values are integers (0 dp), days and department means 1 dp.
//! - **Opted-out requester**: off every board (no percentile, band or `isYou`, also for
//!   their department), but still sees the board.
//! - **Department boards** list the departments of the scope (platform: all; organization
//!   and department scope: the requester's organisation) with at least K non-opted-out
//!   members, by name; the requester's own department additionally needs K members
//!   besides the requester (its mean would otherwise expose the other members' total). The
//!   board is suppressed when no department qualifies. Percentile and band compare the
//!   requester's department with the other shown departments (`null` without any).
//!   Members are the users whose `departmentId` is the department (no roll-up to parents);
//!   departments without a name record are not listed.
//! - `sampleSize` = the board population (learners; for department boards the learners of
//!   the shown departments), shown only with the board (decision 14).

use super::{Period, earns_learning_rewards, facts, points};
use crate::analytics::common::{pct, quantile, round_dp, round_int};
use crate::analytics::{Analysis, Clock, Guarded, K, LearnerRecord};
use crate::ids::{DepartmentId, OrgId, UserId};
use crate::model::{Department, User};
use crate::role::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BoardType {
    Points,
    CompletionSpeed,
    Skills,
    Departments,
}

impl BoardType {
    pub const ALL: [BoardType; 4] = [
        BoardType::Points,
        BoardType::CompletionSpeed,
        BoardType::Skills,
        BoardType::Departments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BoardType::Points => "points",
            BoardType::CompletionSpeed => "completionSpeed",
            BoardType::Skills => "skills",
            BoardType::Departments => "departments",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        BoardType::ALL.into_iter().find(|t| t.as_str() == value)
    }

    fn lower_is_better(self) -> bool {
        self == BoardType::CompletionSpeed
    }

    /// Goodness key: higher is better on every board.
    fn good(self, value: f64) -> f64 {
        if self.lower_is_better() {
            -value
        } else {
            value
        }
    }

    fn value_of_good(self, good: f64) -> f64 {
        self.good(good)
    }

    /// A value rounded for output.
    fn display(self, value: f64) -> f64 {
        match self {
            BoardType::Points | BoardType::Skills => round_dp(value, 0),
            BoardType::CompletionSpeed | BoardType::Departments => round_dp(value, 1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BoardScope {
    Platform,
    Organization,
    Department,
}

impl BoardScope {
    pub const ALL: [BoardScope; 3] = [
        BoardScope::Platform,
        BoardScope::Organization,
        BoardScope::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BoardScope::Platform => "platform",
            BoardScope::Organization => "organization",
            BoardScope::Department => "department",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        BoardScope::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// The board G1 embeds as `leaderboard` **(decided here)**: points, organization, monthly
/// (`api.md`'s default leaderboard timeframe is the month).
pub const STATS_BOARD: (BoardType, BoardScope, Period) =
    (BoardType::Points, BoardScope::Organization, Period::Monthly);

/// One user's leaderboard numbers for one role; values per [`Period`] (weekly, monthly,
/// allTime).
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub user_id: UserId,
    pub org_id: Option<OrgId>,
    pub department_id: Option<DepartmentId>,
    pub opted_out: bool,
    pub points: [f64; 3],
    /// Mean days from enrollment to completion of the courses completed in the period.
    pub completion_days: [Option<f64>; 3],
    /// Skills acquired in the period; `None` for roles without skill rewards.
    pub skills: [Option<f64>; 3],
}

impl Participant {
    pub fn from_record(record: &LearnerRecord, clock: &Clock, role: Role, opted_out: bool) -> Self {
        let today = clock.today();
        let ledger = points::ledger(record, clock, role);
        let learner = earns_learning_rewards(role);
        let completions = if learner {
            facts::course_completions(record, clock)
        } else {
            Vec::new()
        };
        let skills = if learner {
            facts::skill_acquisitions(record, clock)
        } else {
            Vec::new()
        };
        let in_period =
            |period: Period, t: DateTime<Utc>| period.contains(today, clock.local_date(t));
        let per_period = |f: &dyn Fn(Period) -> Option<f64>| Period::ALL.map(f);
        Participant {
            user_id: record.id(),
            org_id: record.user.org_id,
            department_id: record.user.department_id,
            opted_out,
            points: Period::ALL.map(|p| points::points_in(&ledger, clock, p) as f64),
            completion_days: per_period(&|p| {
                let days: Vec<f64> = completions
                    .iter()
                    .filter(|c| in_period(p, c.completed_at))
                    .map(|c| {
                        ((c.completed_at - c.enrolled_at).num_seconds() as f64 / 86_400.0).max(0.0)
                    })
                    .collect();
                crate::analytics::common::mean(&days)
            }),
            skills: per_period(&|p| {
                learner.then(|| skills.iter().filter(|(_, t)| in_period(p, *t)).count() as f64)
            }),
        }
    }

    fn value(&self, board: BoardType, period: Period) -> Option<f64> {
        let i = period.index();
        match board {
            BoardType::Points | BoardType::Departments => Some(self.points[i]),
            BoardType::CompletionSpeed => self.completion_days[i],
            BoardType::Skills => self.skills[i],
        }
    }
}

/// The participants of `role`: active users holding it, each in their own timezone.
pub fn build_participants(
    records: &[LearnerRecord],
    now: DateTime<Utc>,
    role: Role,
    opted_out: &BTreeSet<UserId>,
) -> Vec<Participant> {
    records
        .iter()
        .filter(|r| r.user.is_active && r.user.roles.contains(&role))
        .map(|r| {
            let clock = Clock::in_zone(now, r.user.timezone.as_deref());
            Participant::from_record(r, &clock, role, opted_out.contains(&r.id()))
        })
        .collect()
}

/// Who asks: the requester's own ids (never shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requester {
    pub user_id: UserId,
    pub org_id: Option<OrgId>,
    pub department_id: Option<DepartmentId>,
}

impl Requester {
    pub fn of(user: &User) -> Self {
        Requester {
            user_id: user.id,
            org_id: user.org_id,
            department_id: user.department_id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Band {
    #[serde(rename = "top_10")]
    Top10,
    #[serde(rename = "top_25")]
    Top25,
    #[serde(rename = "top_50")]
    Top50,
    #[serde(rename = "top_75")]
    Top75,
    #[serde(rename = "bottom_25")]
    Bottom25,
}

pub fn band(percentile: i64) -> Band {
    match percentile {
        p if p >= 90 => Band::Top10,
        p if p >= 75 => Band::Top25,
        p if p >= 50 => Band::Top50,
        p if p >= 25 => Band::Top75,
        _ => Band::Bottom25,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CutPoints {
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
}

/// One anonymous row of `top`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopEntry {
    pub rank: usize,
    pub value: f64,
    pub is_you: bool,
    /// The department's name on department boards; `null` on boards of people.
    pub name: Option<String>,
}

/// What a board shows when its population is large enough.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoardStanding {
    pub sample_size: usize,
    pub your_percentile: Option<i64>,
    pub your_band: Option<Band>,
    pub cut_points: CutPoints,
    pub faster_than_average_pct: Option<f64>,
    pub top: Vec<TopEntry>,
}

/// The G3 output: `{type, scope, window}` plus either the standing or the k-anonymity
/// marker `{insufficientData: true, minimumRequired: 10}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaderboardView {
    #[serde(rename = "type")]
    pub board_type: BoardType,
    pub scope: BoardScope,
    pub window: Period,
    #[serde(flatten)]
    pub board: Guarded<BoardStanding>,
}

/// Maximum rows of `top`.
pub const TOP_ROWS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ScopeKey {
    Platform,
    Org(OrgId),
    Dept(DepartmentId),
}

/// One sorted board of people: goodness keys, best first.
#[derive(Debug, Clone, PartialEq, Default)]
struct Board {
    goods: Vec<f64>,
    sum_goods: f64,
}

impl Board {
    fn new(mut goods: Vec<f64>) -> Self {
        goods.sort_by(|a, b| b.total_cmp(a));
        let sum_goods = goods.iter().sum();
        Board { goods, sum_goods }
    }

    fn better_than(&self, good: f64) -> usize {
        self.goods.partition_point(|g| *g > good)
    }

    fn not_worse_than(&self, good: f64) -> usize {
        self.goods.partition_point(|g| *g >= good)
    }

    /// `percentile_cont` of the goodness keys at `q` (ascending order).
    fn quantile_good(&self, q: f64) -> f64 {
        let n = self.goods.len();
        let ascending = |i: usize| self.goods[n - 1 - i];
        let position = q * (n - 1) as f64;
        let lower = position.floor() as usize;
        let upper = position.ceil() as usize;
        ascending(lower) + (ascending(upper) - ascending(lower)) * (position - lower as f64)
    }
}

/// A department's members and points sums per period (opt-outs excluded).
#[derive(Debug, Clone, PartialEq)]
struct DepartmentTotals {
    id: DepartmentId,
    org_id: OrgId,
    name: String,
    members: usize,
    points: [f64; 3],
}

/// Every board of one role, sorted once; answer requests with [`Leaderboards::view`].
#[derive(Debug, Clone, Default)]
pub struct Leaderboards {
    participants: Vec<Participant>,
    index: HashMap<UserId, usize>,
    boards: BTreeMap<(BoardType, Period, ScopeKey), Board>,
    departments: Vec<DepartmentTotals>,
}

const PEOPLE_BOARDS: [BoardType; 3] = [
    BoardType::Points,
    BoardType::CompletionSpeed,
    BoardType::Skills,
];

impl Leaderboards {
    pub fn build(participants: Vec<Participant>, departments: &[Department]) -> Self {
        let mut groups: BTreeMap<(BoardType, Period, ScopeKey), Vec<f64>> = BTreeMap::new();
        let mut totals: BTreeMap<DepartmentId, DepartmentTotals> = departments
            .iter()
            .map(|d| {
                (
                    d.id,
                    DepartmentTotals {
                        id: d.id,
                        org_id: d.org_id,
                        name: d.name.clone(),
                        members: 0,
                        points: [0.0; 3],
                    },
                )
            })
            .collect();
        for p in participants.iter().filter(|p| !p.opted_out) {
            let mut scopes = vec![ScopeKey::Platform];
            scopes.extend(p.org_id.map(ScopeKey::Org));
            scopes.extend(p.department_id.map(ScopeKey::Dept));
            for board in PEOPLE_BOARDS {
                for period in Period::ALL {
                    if let Some(v) = p.value(board, period) {
                        for scope in &scopes {
                            groups
                                .entry((board, period, *scope))
                                .or_default()
                                .push(board.good(v));
                        }
                    }
                }
            }
            if let Some(d) = p.department_id.and_then(|d| totals.get_mut(&d)) {
                d.members += 1;
                for (sum, points) in d.points.iter_mut().zip(p.points) {
                    *sum += points;
                }
            }
        }
        let index = participants
            .iter()
            .enumerate()
            .map(|(i, p)| (p.user_id, i))
            .collect();
        Leaderboards {
            participants,
            index,
            boards: groups
                .into_iter()
                .map(|(k, v)| (k, Board::new(v)))
                .collect(),
            departments: totals.into_values().filter(|d| d.members > 0).collect(),
        }
    }

    fn participant(&self, user: UserId) -> Option<&Participant> {
        self.index.get(&user).map(|i| &self.participants[*i])
    }

    /// The G3 view of one board for `requester`. `InsufficientData` when the requester has
    /// no organisation (organization scope) or no department (department scope).
    pub fn view(
        &self,
        requester: &Requester,
        board_type: BoardType,
        scope: BoardScope,
        window: Period,
    ) -> Analysis<LeaderboardView> {
        let standing = if board_type == BoardType::Departments {
            self.department_board(requester, scope, window)
        } else {
            self.people_board(requester, board_type, scope, window)
        };
        match standing {
            Ok(board) => Analysis::Ready(LeaderboardView {
                board_type,
                scope,
                window,
                board,
            }),
            Err(why) => Analysis::InsufficientData(why),
        }
    }

    fn people_board(
        &self,
        requester: &Requester,
        board_type: BoardType,
        scope: BoardScope,
        window: Period,
    ) -> Result<Guarded<BoardStanding>, &'static str> {
        let key = match scope {
            BoardScope::Platform => ScopeKey::Platform,
            BoardScope::Organization => ScopeKey::Org(requester.org_id.ok_or(NO_ORG)?),
            BoardScope::Department => ScopeKey::Dept(requester.department_id.ok_or(NO_DEPARTMENT)?),
        };
        let empty = Board::default();
        let board = self
            .boards
            .get(&(board_type, window, key))
            .unwrap_or(&empty);
        let own = self
            .participant(requester.user_id)
            .filter(|p| !p.opted_out)
            .filter(|p| match key {
                ScopeKey::Platform => true,
                ScopeKey::Org(o) => p.org_id == Some(o),
                ScopeKey::Dept(d) => p.department_id == Some(d),
            })
            .and_then(|p| p.value(board_type, window))
            .map(|v| board_type.good(v));
        let n = board.goods.len();
        let others = n - usize::from(own.is_some());
        Ok(Guarded::new(others, || {
            let your_percentile = own.map(|g| {
                let better = board.better_than(g);
                let not_worse = board.not_worse_than(g);
                let ties = (not_worse - better - 1) as f64;
                let worse = (n - not_worse) as f64;
                round_int((worse + 0.5 * ties) / others as f64 * 100.0)
            });
            let faster_than_average_pct = own
                .filter(|_| board_type == BoardType::CompletionSpeed)
                .and_then(|g| {
                    let mine = board_type.value_of_good(g);
                    let mean = board_type.value_of_good((board.sum_goods - g) / others as f64);
                    pct(mean - mine, mean).map(|p| round_dp(p, 1))
                });
            let you_at = own.map(|g| board.better_than(g));
            let cut = |q: f64| board_type.display(board_type.value_of_good(board.quantile_good(q)));
            BoardStanding {
                sample_size: n,
                your_percentile,
                your_band: your_percentile.map(band),
                cut_points: CutPoints {
                    p50: cut(0.5),
                    p75: cut(0.75),
                    p90: cut(0.9),
                },
                faster_than_average_pct,
                top: board
                    .goods
                    .iter()
                    .take(TOP_ROWS)
                    .enumerate()
                    .map(|(i, g)| TopEntry {
                        rank: board.better_than(*g) + 1,
                        value: board_type.display(board_type.value_of_good(*g)),
                        is_you: you_at == Some(i),
                        name: None,
                    })
                    .collect(),
            }
        }))
    }

    fn department_board(
        &self,
        requester: &Requester,
        scope: BoardScope,
        window: Period,
    ) -> Result<Guarded<BoardStanding>, &'static str> {
        let org = match scope {
            BoardScope::Platform => None,
            BoardScope::Organization | BoardScope::Department => {
                Some(requester.org_id.ok_or(NO_ORG)?)
            }
        };
        // The requester's department, when they are on the boards at all.
        let mine = self
            .participant(requester.user_id)
            .filter(|p| !p.opted_out)
            .and_then(|p| p.department_id);
        let i = window.index();
        let mut shown: Vec<(f64, &DepartmentTotals)> = self
            .departments
            .iter()
            .filter(|d| org.is_none_or(|o| d.org_id == o))
            .filter(|d| d.members - usize::from(mine == Some(d.id)) >= K)
            .map(|d| (d.points[i] / d.members as f64, d))
            .collect();
        shown.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| (&a.1.name, a.1.id).cmp(&(&b.1.name, b.1.id)))
        });
        let learners: usize = shown.iter().map(|(_, d)| d.members).sum();
        let own = shown
            .iter()
            .find(|(_, d)| mine == Some(d.id))
            .map(|(mean, _)| *mean);
        let others = learners - usize::from(own.is_some());
        Ok(Guarded::new(others, || {
            let means: Vec<f64> = shown.iter().map(|(m, _)| *m).collect();
            let rank_of = |m: f64| means.iter().filter(|x| **x > m).count() + 1;
            let your_percentile = own.and_then(|m| {
                let rest = means.len() - 1;
                (rest > 0).then(|| {
                    let worse = means.iter().filter(|x| **x < m).count() as f64;
                    let ties = (means.iter().filter(|x| **x == m).count() - 1) as f64;
                    round_int((worse + 0.5 * ties) / rest as f64 * 100.0)
                })
            });
            let cut = |q: f64| BoardType::Departments.display(quantile(&means, q).unwrap_or(0.0));
            BoardStanding {
                sample_size: learners,
                your_percentile,
                your_band: your_percentile.map(band),
                cut_points: CutPoints {
                    p50: cut(0.5),
                    p75: cut(0.75),
                    p90: cut(0.9),
                },
                faster_than_average_pct: None,
                top: shown
                    .iter()
                    .take(TOP_ROWS)
                    .map(|(m, d)| TopEntry {
                        rank: rank_of(*m),
                        value: BoardType::Departments.display(*m),
                        is_you: mine == Some(d.id),
                        name: Some(d.name.clone()),
                    })
                    .collect(),
            }
        }))
    }
}

const NO_ORG: &str = "the requester belongs to no organisation";
const NO_DEPARTMENT: &str = "the requester belongs to no department";

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::analytics::common::percentile_rank;
    use proptest::prelude::*;

    const ORG: u128 = 900;

    fn person(n: u128, points: f64, dept: Option<u128>) -> Participant {
        Participant {
            user_id: UserId(id(n)),
            org_id: Some(OrgId(id(ORG))),
            department_id: dept.map(|d| DepartmentId(id(d))),
            opted_out: false,
            points: [points, points, points],
            completion_days: [None; 3],
            skills: [Some(0.0); 3],
        }
    }

    fn req(n: u128, dept: Option<u128>) -> Requester {
        Requester {
            user_id: UserId(id(n)),
            org_id: Some(OrgId(id(ORG))),
            department_id: dept.map(|d| DepartmentId(id(d))),
        }
    }

    fn points_view(boards: &Leaderboards, r: &Requester) -> LeaderboardView {
        match boards.view(
            r,
            BoardType::Points,
            BoardScope::Organization,
            Period::AllTime,
        ) {
            Analysis::Ready(v) => v,
            Analysis::InsufficientData(why) => panic!("{why}"),
        }
    }

    fn dept(n: u128, name: &str) -> Department {
        Department {
            id: DepartmentId(id(n)),
            org_id: OrgId(id(ORG)),
            parent_id: None,
            name: name.into(),
        }
    }

    #[test]
    fn a_hand_computed_points_board() {
        // 12 learners with 10, 20, ..., 120 points; the requester has 120.
        let people: Vec<Participant> = (1..=12).map(|k| person(k, 10.0 * k as f64, None)).collect();
        let boards = Leaderboards::build(people, &[]);
        let v = points_view(&boards, &req(12, None));
        let s = v.board.shown().unwrap();
        assert_eq!(s.sample_size, 12);
        // All 11 others below: (11 + 0) / 11 * 100 = 100 -> top_10.
        assert_eq!(s.your_percentile, Some(100));
        assert_eq!(s.your_band, Some(Band::Top10));
        // p50: position 0.5 * 11 = 5.5 -> 60 + 0.5 * 10 = 65; p75: 8.25 -> 92.5 -> 93
        // (points are integers); p90: 9.9 -> 100 + 0.9 * 10 = 109.
        assert_eq!(
            s.cut_points,
            CutPoints {
                p50: 65.0,
                p75: 93.0,
                p90: 109.0
            }
        );
        assert_eq!(s.top.len(), 10);
        assert_eq!(
            s.top[0],
            TopEntry {
                rank: 1,
                value: 120.0,
                is_you: true,
                name: None
            }
        );
        assert_eq!(s.top[9].rank, 10);
        assert_eq!(s.top[9].value, 30.0);
        assert_eq!(s.faster_than_average_pct, None);
        // The learner with 50 points: 4 others below of 11 -> 36.4 -> 36 -> top_75.
        let low = points_view(&boards, &req(5, None));
        let s = low.board.shown().unwrap();
        assert_eq!(
            (s.your_percentile, s.your_band),
            (Some(36), Some(Band::Top75))
        );
        // 50 is the 8th best: inside the top 10.
        assert_eq!(
            s.top[7],
            TopEntry {
                rank: 8,
                value: 50.0,
                is_you: true,
                name: None
            }
        );
        // The learner with 20: 1 below -> 9.1 -> 9 -> bottom_25, 11th: not in the top.
        let s = points_view(&boards, &req(2, None))
            .board
            .shown()
            .cloned()
            .unwrap();
        assert_eq!(s.your_band, Some(Band::Bottom25));
        assert!(s.top.iter().all(|t| !t.is_you));
        let json = serde_json::to_value(points_view(&boards, &req(12, None))).unwrap();
        assert_eq!(json["type"], "points");
        assert_eq!(json["window"], "allTime");
        assert_eq!(json["top"][0]["isYou"], true);
        assert_eq!(json["yourBand"], "top_10");
    }

    #[test]
    fn boards_below_k_others_show_only_the_marker() {
        // 10 members including the requester: 9 others < K.
        let people: Vec<Participant> = (1..=10).map(|k| person(k, k as f64, None)).collect();
        let boards = Leaderboards::build(people.clone(), &[]);
        let v = points_view(&boards, &req(1, None));
        assert!(v.board.is_suppressed());
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({
                "type": "points", "scope": "organization", "window": "allTime",
                "insufficientData": true, "minimumRequired": 10
            })
        );
        // An outsider sees 10 others: shown, without a percentile.
        let outsider = points_view(&boards, &req(99, None));
        let s = outsider.board.shown().unwrap();
        assert_eq!((s.sample_size, s.your_percentile), (10, None));
        // An 11th member makes the board visible to members too.
        let mut more = people;
        more.push(person(11, 11.0, None));
        let boards = Leaderboards::build(more, &[]);
        assert!(!points_view(&boards, &req(1, None)).board.is_suppressed());
    }

    #[test]
    fn opt_outs_leave_the_population() {
        // 11 members, one of whom (not the requester) opted out: 9 others remain.
        let mut people: Vec<Participant> = (1..=11).map(|k| person(k, k as f64, None)).collect();
        people[10].opted_out = true;
        let boards = Leaderboards::build(people.clone(), &[]);
        assert!(points_view(&boards, &req(1, None)).board.is_suppressed());
        // 12 members, the requester opted out: 11 others, shown, no standing, no isYou,
        // and the requester's 100 points are not on the board.
        let mut people: Vec<Participant> = (1..=11).map(|k| person(k, k as f64, None)).collect();
        let mut me = person(12, 100.0, None);
        me.opted_out = true;
        people.push(me);
        let boards = Leaderboards::build(people, &[]);
        let s = points_view(&boards, &req(12, None))
            .board
            .shown()
            .cloned()
            .unwrap();
        assert_eq!(
            (s.sample_size, s.your_percentile, s.your_band),
            (11, None, None)
        );
        assert!(s.top.iter().all(|t| !t.is_you && t.value <= 11.0));
    }

    #[test]
    fn completion_speed_prefers_fewer_days() {
        // Requester: 5 days; 10 others: 10 days each.
        let mut people: Vec<Participant> = (1..=10)
            .map(|k| {
                let mut p = person(k, 0.0, None);
                p.completion_days = [Some(10.0); 3];
                p
            })
            .collect();
        let mut me = person(11, 0.0, None);
        me.completion_days = [Some(5.0); 3];
        people.push(me);
        // One learner without a completion has no value: not in the population.
        people.push(person(12, 0.0, None));
        let boards = Leaderboards::build(people, &[]);
        let Analysis::Ready(v) = boards.view(
            &req(11, None),
            BoardType::CompletionSpeed,
            BoardScope::Platform,
            Period::Weekly,
        ) else {
            panic!()
        };
        let s = v.board.shown().unwrap();
        assert_eq!(s.sample_size, 11);
        assert_eq!(s.your_percentile, Some(100));
        // (10 - 5) / 10 * 100 = 50.0
        assert_eq!(s.faster_than_average_pct, Some(50.0));
        assert_eq!(
            s.top[0],
            TopEntry {
                rank: 1,
                value: 5.0,
                is_you: true,
                name: None
            }
        );
        assert_eq!(s.top[1].rank, 2);
        assert_eq!(s.top[1].value, 10.0);
        // Cut points are the days needed: all but one at 10 -> 10 at every cut point
        // except p90: ascending goodness -10 x10, -5: position 9 -> -10 -> 10 days.
        assert_eq!(s.cut_points.p50, 10.0);
        // The learner without a completion sees the board but no standing.
        let Analysis::Ready(v) = boards.view(
            &req(12, None),
            BoardType::CompletionSpeed,
            BoardScope::Platform,
            Period::Weekly,
        ) else {
            panic!()
        };
        let s = v.board.shown().unwrap();
        assert_eq!((s.your_percentile, s.faster_than_average_pct), (None, None));
    }

    #[test]
    fn a_requester_tied_into_the_top_ten_sees_themself() {
        // 9 with 100 points, 5 with 50 (requester among them): ranks 1 and 10.
        let mut people: Vec<Participant> = (1..=9).map(|k| person(k, 100.0, None)).collect();
        people.extend((10..=14).map(|k| person(k, 50.0, None)));
        let boards = Leaderboards::build(people, &[]);
        let s = points_view(&boards, &req(14, None))
            .board
            .shown()
            .cloned()
            .unwrap();
        assert_eq!(
            s.top[9],
            TopEntry {
                rank: 10,
                value: 50.0,
                is_you: true,
                name: None
            }
        );
        assert!(s.top[..9].iter().all(|t| t.rank == 1 && !t.is_you));
        // 0 below, 4 tied of 13 others: (0 + 2) / 13 * 100 = 15.4 -> 15.
        assert_eq!(s.your_percentile, Some(15));
    }

    #[test]
    fn department_boards_name_only_departments_of_k_or_more() {
        // A: 12 members (mean 10), B: 10 members (mean 30), C: 5 members (mean 99).
        let mut people = Vec::new();
        people.extend((1..=12).map(|k| person(k, 10.0, Some(1))));
        people.extend((20..=29).map(|k| person(k, 30.0, Some(2))));
        people.extend((40..=44).map(|k| person(k, 99.0, Some(3))));
        let depts = [dept(1, "Alpha"), dept(2, "Beta"), dept(3, "Gamma")];
        let boards = Leaderboards::build(people, &depts);
        let view = |r: &Requester| match boards.view(
            r,
            BoardType::Departments,
            BoardScope::Organization,
            Period::Monthly,
        ) {
            Analysis::Ready(v) => v,
            Analysis::InsufficientData(w) => panic!("{w}"),
        };
        // A member of Alpha: Beta (30) then Alpha (10); Gamma is too small.
        let s = view(&req(1, Some(1))).board.shown().cloned().unwrap();
        let names: Vec<_> = s.top.iter().map(|t| t.name.clone().unwrap()).collect();
        assert_eq!(names, vec!["Beta", "Alpha"]);
        assert_eq!(
            s.top[1],
            TopEntry {
                rank: 2,
                value: 10.0,
                is_you: true,
                name: Some("Alpha".into())
            }
        );
        assert_eq!(s.sample_size, 22);
        // Alpha vs the one other department (Beta, better): 0 / 1 -> 0 -> bottom_25.
        assert_eq!(
            (s.your_percentile, s.your_band),
            (Some(0), Some(Band::Bottom25))
        );
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("Gamma"));
        // A member of Beta: Beta has only 9 members besides the requester, so it is hidden
        // from them; Alpha alone remains.
        let s = view(&req(20, Some(2))).board.shown().cloned().unwrap();
        assert_eq!(s.top.len(), 1);
        assert_eq!(s.top[0].name.as_deref(), Some("Alpha"));
        assert_eq!(s.your_percentile, None);
        // Department scope folds to the organisation; platform scope works without an org.
        assert!(matches!(
            boards.view(
                &req(1, Some(1)),
                BoardType::Departments,
                BoardScope::Department,
                Period::Monthly
            ),
            Analysis::Ready(_)
        ));
        // A Gamma member: nothing qualifies besides Alpha and Beta (22 learners).
        let s = view(&req(40, Some(3))).board.shown().cloned().unwrap();
        assert_eq!(s.top.len(), 2);
        assert!(s.top.iter().all(|t| !t.is_you));
    }

    #[test]
    fn scopes_need_the_requesters_org_and_department() {
        let boards = Leaderboards::build(vec![], &[]);
        let nobody = Requester {
            user_id: UserId(id(1)),
            org_id: None,
            department_id: None,
        };
        assert!(matches!(
            boards.view(
                &nobody,
                BoardType::Points,
                BoardScope::Organization,
                Period::Weekly
            ),
            Analysis::InsufficientData(_)
        ));
        assert!(matches!(
            boards.view(
                &nobody,
                BoardType::Skills,
                BoardScope::Department,
                Period::Weekly
            ),
            Analysis::InsufficientData(_)
        ));
        let Analysis::Ready(v) = boards.view(
            &nobody,
            BoardType::Points,
            BoardScope::Platform,
            Period::Weekly,
        ) else {
            panic!()
        };
        assert!(v.board.is_suppressed(), "an empty board");
        assert_eq!(
            BoardType::parse("completionSpeed"),
            Some(BoardType::CompletionSpeed)
        );
        assert_eq!(
            BoardScope::parse("organization"),
            Some(BoardScope::Organization)
        );
        assert_eq!(band(90), Band::Top10);
        assert_eq!(band(89), Band::Top25);
        assert_eq!(band(75), Band::Top25);
        assert_eq!(band(50), Band::Top50);
        assert_eq!(band(25), Band::Top75);
        assert_eq!(band(24), Band::Bottom25);
    }

    #[test]
    fn a_hundred_thousand_learners_sort_once_per_board() {
        let people: Vec<Participant> = (0..100_000u128)
            .map(|k| {
                let mut p = person(k, (k * 7919 % 5000) as f64, Some(k % 50));
                p.org_id = Some(OrgId(id(ORG + k % 5)));
                p.completion_days = [Some((k % 97) as f64); 3];
                p
            })
            .collect();
        let depts: Vec<Department> = (0..50)
            .map(|d| Department {
                org_id: OrgId(id(ORG + d % 5)),
                ..dept(d, &format!("D{d}"))
            })
            .collect();
        let boards = Leaderboards::build(people, &depts);
        for k in (0..100_000u128).step_by(997) {
            let r = Requester {
                user_id: UserId(id(k)),
                org_id: Some(OrgId(id(ORG + k % 5))),
                department_id: Some(DepartmentId(id(k % 50))),
            };
            for t in BoardType::ALL {
                let Analysis::Ready(v) =
                    boards.view(&r, t, BoardScope::Organization, Period::Monthly)
                else {
                    panic!()
                };
                assert!(v.board.shown().is_some());
            }
        }
    }

    /// Records with names, orgs and departments for the privacy proptest.
    fn population(spec: &[(u8, u8, u8, bool)]) -> (Vec<LearnerRecord>, BTreeSet<UserId>) {
        let mut records = Vec::new();
        let mut opted = BTreeSet::new();
        for (k, (dept_no, courses, logins, opt)) in spec.iter().enumerate() {
            let n = 1 + k as u128;
            let mut r = learner(n);
            r.user.org_id = Some(OrgId(id(ORG + u128::from(*dept_no % 2))));
            r.user.department_id = Some(DepartmentId(id(500 + u128::from(*dept_no))));
            for c in 0..*courses {
                let c = u128::from(c);
                r.enrollments.push(enrollment(
                    n * 100 + c,
                    10 + c,
                    day(-(c as i64) - 3),
                    Some(day(c as i64 % 15 + 1)),
                ));
            }
            for s in 0..(*logins % 4) {
                r.user_skills
                    .push(skill(u128::from(s), Some(day(i64::from(s) + 2))));
            }
            login_on(&mut r, (0..i64::from(*logins)).map(|d| 15 - d));
            if *opt {
                opted.insert(r.id());
            }
            records.push(r);
        }
        (records, opted)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn boards_never_show_people_or_small_groups(
            spec in prop::collection::vec((0u8..3, 0u8..4, 0u8..10, prop::bool::weighted(0.15)), 0..40),
            asker in 0usize..45,
        ) {
            let (records, opted) = population(&spec);
            let participants = build_participants(&records, now(), Role::Learner, &opted);
            let depts: Vec<Department> = (0..3).map(|d| Department {
                id: DepartmentId(id(500 + d)),
                org_id: OrgId(id(ORG + d % 2)),
                parent_id: None,
                name: format!("Department {d}"),
            }).collect();
            let boards = Leaderboards::build(participants.clone(), &depts);
            let requester = records.get(asker).map(|r| Requester::of(&r.user)).unwrap_or(Requester {
                user_id: UserId(id(777)),
                org_id: Some(OrgId(id(ORG))),
                department_id: Some(DepartmentId(id(500))),
            });
            for t in BoardType::ALL {
                for scope in BoardScope::ALL {
                    for window in Period::ALL {
                        let Analysis::Ready(view) = boards.view(&requester, t, scope, window) else {
                            continue;
                        };
                        let json = serde_json::to_string(&view).unwrap();
                        prop_assert_eq!(&json, &serde_json::to_string(&boards.view(&requester, t, scope, window)).unwrap());
                        for r in &records {
                            prop_assert!(!json.contains(&r.id().to_string()));
                            prop_assert!(!json.contains(&r.user.display_name));
                        }
                        prop_assert!(!json.contains("Learner Number"));
                        prop_assert!(!json.contains("00000000-"));
                        if t == BoardType::Departments {
                            // Every named department has K members besides the requester.
                            for d in 0..3u128 {
                                let name = format!("Department {d}");
                                if json.contains(&name) {
                                    let members = participants.iter().filter(|p| {
                                        !p.opted_out
                                            && p.department_id == Some(DepartmentId(id(500 + d)))
                                            && p.user_id != requester.user_id
                                    }).count();
                                    prop_assert!(members >= K);
                                }
                            }
                            continue;
                        }
                        // The population this board is about, requester excluded.
                        let in_scope = |p: &Participant| match scope {
                            BoardScope::Platform => true,
                            BoardScope::Organization => p.org_id == requester.org_id,
                            BoardScope::Department => p.department_id == requester.department_id,
                        };
                        let others: Vec<f64> = participants.iter()
                            .filter(|p| !p.opted_out && in_scope(p) && p.user_id != requester.user_id)
                            .filter_map(|p| p.value(t, window))
                            .map(|v| t.good(v))
                            .collect();
                        match view.board.shown() {
                            None => {
                                prop_assert!(others.len() < K);
                                prop_assert!(!json.contains("top") && !json.contains("cutPoints") && !json.contains("yourPercentile"));
                                prop_assert!(json.contains("\"insufficientData\":true"));
                            }
                            Some(s) => {
                                prop_assert!(others.len() >= K);
                                prop_assert!(s.top.len() <= TOP_ROWS);
                                prop_assert!(s.top.iter().filter(|e| e.is_you).count() <= 1);
                                prop_assert!(s.top.windows(2).all(|w| w[0].rank <= w[1].rank));
                                let own = participants.iter()
                                    .find(|p| p.user_id == requester.user_id && !p.opted_out && in_scope(p))
                                    .and_then(|p| p.value(t, window));
                                prop_assert_eq!(s.your_percentile, own.and_then(|v| percentile_rank(t.good(v), &others)));
                                if let Some(p) = s.your_percentile {
                                    prop_assert!((0..=100).contains(&p));
                                    prop_assert_eq!(s.your_band, Some(band(p)));
                                }
                                let c = s.cut_points;
                                prop_assert!(c.p50.is_finite() && c.p75.is_finite() && c.p90.is_finite());
                                if t.lower_is_better() {
                                    prop_assert!(c.p50 >= c.p75 && c.p75 >= c.p90);
                                } else {
                                    prop_assert!(c.p50 <= c.p75 && c.p75 <= c.p90);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
