//! Analytics whose parameter space is too large to precompute: the G3 leaderboard (board type ×
//! scope × period, seen by each requester) and skill demand with a `skills` filter or another
//! timeframe. Both read platform-wide figures, so one loaded snapshot of the platform serves
//! every such request for a few minutes.

use super::compute::{GAMIFIED_ROLES, stored};
use super::load::PlatformInputs;
use crate::results::{ResultKey, StoredResult};
use chrono::{DateTime, Utc};
use la_domain::analytics::comparison::skill_demand::{self, SkillDemandFilters, Timeframe};
use la_domain::analytics::gamification::Period;
use la_domain::analytics::gamification::leaderboard::{
    self, BoardScope, BoardType, Leaderboards, Requester,
};
use la_domain::analytics::predictive::drop_off;
use la_domain::analytics::{Analysis, Clock};
use la_domain::model::ValueProposition;
use la_domain::{Role, UserId};
use std::collections::BTreeMap;
use std::time::Instant;

/// The platform as loaded at one instant, with the figures the on-demand analytics share.
pub struct PlatformSnapshot {
    pub loaded_at: DateTime<Utc>,
    inputs: PlatformInputs,
    demand_learners: Vec<skill_demand::DemandLearner>,
    value_props: Vec<ValueProposition>,
    boards: BTreeMap<Role, Leaderboards>,
}

/// A G3 request: which board, in which scope, over which period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardRequest {
    pub board_type: BoardType,
    pub scope: BoardScope,
    pub period: Period,
}

impl BoardRequest {
    pub fn params_key(&self) -> String {
        format!(
            "scope={}&type={}&window={}",
            self.scope.as_str(),
            self.board_type.as_str(),
            self.period.as_str()
        )
    }
}

/// The storage parameters of a skill-demand request.
pub fn skill_demand_params_key(timeframe: Timeframe, skills: &[String]) -> String {
    if skills.is_empty() {
        format!("timeframe={}", timeframe.as_str())
    } else {
        format!(
            "skills={}&timeframe={}",
            skills.join(","),
            timeframe.as_str()
        )
    }
}

impl PlatformSnapshot {
    /// Builds the shared figures (CPU-bound: call from a blocking thread).
    pub fn build(inputs: PlatformInputs, now: DateTime<Utc>) -> Self {
        let demand_learners = skill_demand::project(&inputs.records);
        let value_props = inputs
            .orgs
            .values()
            .flat_map(|o| o.value_propositions.iter().cloned())
            .collect();
        let departments: Vec<la_domain::model::Department> = inputs
            .orgs
            .values()
            .flat_map(|o| o.departments.iter().cloned())
            .collect();
        // Users who left the leaderboards are not in any population (decision 17).
        let opted_out = inputs.opted_out.clone();
        let boards = GAMIFIED_ROLES
            .iter()
            .map(|role| {
                let participants =
                    leaderboard::build_participants(&inputs.records, now, *role, &opted_out);
                (*role, Leaderboards::build(participants, &departments))
            })
            .collect();
        PlatformSnapshot {
            loaded_at: now,
            inputs,
            demand_learners,
            value_props,
            boards,
        }
    }

    /// Skill demand with `skills` and `timeframe` (C2).
    pub fn skill_demand(
        &self,
        key: ResultKey,
        timeframe: Timeframe,
        skills: &[String],
        now: DateTime<Utc>,
    ) -> StoredResult {
        let started = Instant::now();
        let filters = SkillDemandFilters {
            timeframe,
            skills: skills.to_vec(),
            ..SkillDemandFilters::default()
        };
        let outcome = skill_demand::compute(
            &self.inputs.catalog,
            &self.demand_learners,
            &self.value_props,
            &filters,
            &Clock::utc(now),
        );
        stored(key, None, outcome, now, started)
    }

    /// The G3 view of `user` in `role`; `None` when the user is unknown.
    pub fn leaderboard(
        &self,
        key: ResultKey,
        user: UserId,
        role: Role,
        request: BoardRequest,
        now: DateTime<Utc>,
    ) -> Option<StoredResult> {
        let started = Instant::now();
        let record = self.inputs.record(user)?;
        let outcome = match self.boards.get(&role) {
            Some(boards) => boards.view(
                &Requester::of(&record.user),
                request.board_type,
                request.scope,
                request.period,
            ),
            None => Analysis::InsufficientData("no leaderboard for this role"),
        };
        Some(stored(key, record.user.org_id, outcome, now, started))
    }
}

/// The storage parameters of P1 for one course (`courseId`, decision 12: part of the key).
pub fn drop_off_params_key(course: uuid::Uuid, window: la_domain::analytics::Window) -> String {
    format!("courseId={course}&window={}", window.as_str())
}

impl PlatformSnapshot {
    /// P1 with `courseId` (AS-004.15 for the learner's latest enrollment in that course, in
    /// the learner's timezone, as the batch computes P1); `None` when the user is no learner
    /// or the course is unknown (404). No stored daily history yet, as in the batch.
    pub fn drop_off_for_course(
        &self,
        key: ResultKey,
        user: UserId,
        course: la_domain::CourseId,
        now: DateTime<Utc>,
    ) -> Option<StoredResult> {
        let started = Instant::now();
        let record = self.inputs.record(user)?;
        if !record.user.roles.contains(&Role::Learner)
            || !self.inputs.catalog.courses.contains_key(&course)
        {
            return None;
        }
        let timezone = record.user.timezone.as_deref().or(self
            .inputs
            .org_of(record)
            .and_then(|o| o.org.timezone.as_deref()));
        let clock = Clock::in_zone(now, timezone);
        let outcome = drop_off::compute(
            record,
            &self.inputs.catalog,
            &clock,
            Some(course),
            &Default::default(),
        );
        Some(stored(key, record.user.org_id, outcome, now, started))
    }
}

/// The storage name of G3 results.
pub const LEADERBOARD: &str = "leaderboard";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_keys_are_sorted_and_stable() {
        let board = BoardRequest {
            board_type: BoardType::Points,
            scope: BoardScope::Organization,
            period: Period::Monthly,
        };
        assert_eq!(
            board.params_key(),
            "scope=organization&type=points&window=monthly"
        );
        assert_eq!(
            skill_demand_params_key(Timeframe::Months6, &[]),
            "timeframe=6months"
        );
        assert_eq!(
            skill_demand_params_key(Timeframe::Year1, &["go".into(), "rust".into()]),
            "skills=go,rust&timeframe=1year"
        );
    }
}
