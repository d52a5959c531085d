//! Motivation messages (`analytics.md` 8.5): deterministic templates for the four
//! triggers. Optional AI text (PII-free context, cached 48 h) is the application's
//! business; these templates are its fallback and contain no names of other people.
//!
//! Triggers:
//! - `return_after_break`: today is an active day and more than 3 calendar days without
//!   activity lie between it and the previous active day (`gap = today - previous - 1 > 3`)
//!   **(decided here: a first-ever activity is not a return)**;
//! - `badge_earned`: a badge newly awarded (the output of [`badges::new_awards`]);
//! - `needs_boost`: the momentum state is Needs Boost (8.2);
//! - `milestone_page`: the learner opens the milestone page (shows `nextMilestone`).
//!
//! Output `{trigger, title, message}` **(decided here)**; [`triggers`] lists the automatic
//! triggers in the order return, badges (catalogue order), needs boost.

use super::badges::{self, BadgeAward, NextMilestone};
use super::streaks::MomentumState;
use crate::analytics::activity;
use crate::analytics::{Clock, LearnerRecord};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

/// Inactive days after which an active day counts as a return (more than 3).
pub const RETURN_AFTER_DAYS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MotivationTrigger {
    ReturnAfterBreak,
    BadgeEarned,
    NeedsBoost,
    MilestonePage,
}

/// The facts a template needs.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContext {
    ReturnAfterBreak { inactive_days: i64 },
    BadgeEarned { badge_name: String },
    NeedsBoost { this_week: u32, last_week: u32 },
    MilestonePage { next: Option<NextMilestone> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MotivationMessage {
    pub trigger: MotivationTrigger,
    pub title: String,
    pub message: String,
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// Renders the template of a trigger.
pub fn render(context: &MessageContext) -> MotivationMessage {
    match context {
        MessageContext::ReturnAfterBreak { inactive_days } => MotivationMessage {
            trigger: MotivationTrigger::ReturnAfterBreak,
            title: "Welcome back!".to_owned(),
            message: format!(
                "It has been {} since your last activity. A short session today starts a new streak.",
                days(*inactive_days)
            ),
        },
        MessageContext::BadgeEarned { badge_name } => MotivationMessage {
            trigger: MotivationTrigger::BadgeEarned,
            title: format!("Badge earned: {badge_name}"),
            message: format!(
                "Congratulations! You earned the {badge_name} badge. Keep going to unlock the next one."
            ),
        },
        MessageContext::NeedsBoost {
            this_week,
            last_week,
        } => MotivationMessage {
            trigger: MotivationTrigger::NeedsBoost,
            title: "Time for a boost".to_owned(),
            message: format!(
                "You were active on {} in the last 7 days, down from {} the week before. One short session today gets your momentum back.",
                days(i64::from(*this_week)),
                last_week
            ),
        },
        MessageContext::MilestonePage { next: Some(next) } => MotivationMessage {
            trigger: MotivationTrigger::MilestonePage,
            title: format!("Next milestone: {}", next.name),
            message: match &next.estimated_time {
                Some(time) => format!(
                    "You are at {} of {} for {} ({}). At your recent pace you will get there in about {}.",
                    next.progress.current, next.progress.target, next.name, next.description, time
                ),
                None => format!(
                    "You are at {} of {} for {} ({}). Every step counts.",
                    next.progress.current, next.progress.target, next.name, next.description
                ),
            },
        },
        MessageContext::MilestonePage { next: None } => MotivationMessage {
            trigger: MotivationTrigger::MilestonePage,
            title: "Every badge earned".to_owned(),
            message: "You have earned every badge available. Keep your streak alive!".to_owned(),
        },
    }
}

/// The inactive days before today when today is a return after more than 3 of them.
pub fn return_after_break(active_days: &BTreeSet<NaiveDate>, today: NaiveDate) -> Option<i64> {
    if !active_days.contains(&today) {
        return None;
    }
    let previous = active_days.range(..today).next_back()?;
    let gap = (today - *previous).num_days() - 1;
    (gap > RETURN_AFTER_DAYS).then_some(gap)
}

/// The automatic triggers of today: a return, each newly awarded badge (unknown ids
/// skipped), Needs Boost.
pub fn triggers(
    record: &LearnerRecord,
    clock: &Clock,
    momentum: MomentumState,
    newly_awarded: &[BadgeAward],
) -> Vec<MessageContext> {
    let mut contexts = Vec::new();
    let active = activity::active_days(record, clock);
    if let Some(inactive_days) = return_after_break(&active, clock.today()) {
        contexts.push(MessageContext::ReturnAfterBreak { inactive_days });
    }
    contexts.extend(
        newly_awarded
            .iter()
            .filter_map(|a| badges::find(&a.badge_id))
            .map(|d| MessageContext::BadgeEarned {
                badge_name: d.name.to_owned(),
            }),
    );
    if momentum == MomentumState::NeedsBoost {
        let this_week = active
            .range(clock.today() - chrono::Duration::days(6)..=clock.today())
            .count() as u32;
        let last_week = active
            .range(
                clock.today() - chrono::Duration::days(13)
                    ..=clock.today() - chrono::Duration::days(7),
            )
            .count() as u32;
        contexts.push(MessageContext::NeedsBoost {
            this_week,
            last_week,
        });
    }
    contexts
}

#[cfg(test)]
mod tests {
    use super::super::badges::Progress;
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn a_return_needs_more_than_three_inactive_days() {
        let set = |d: &[i64]| d.iter().map(|n| date(*n)).collect::<BTreeSet<_>>();
        // Active 11th and 15th: 12, 13, 14 inactive = 3 -> not a return.
        assert_eq!(return_after_break(&set(&[11, 15]), date(15)), None);
        // Active 10th and 15th: 4 inactive days -> a return.
        assert_eq!(return_after_break(&set(&[10, 15]), date(15)), Some(4));
        // Not active today, or first activity ever: no return.
        assert_eq!(return_after_break(&set(&[1]), date(15)), None);
        assert_eq!(return_after_break(&set(&[15]), date(15)), None);
    }

    #[test]
    fn templates_are_deterministic() {
        let m = render(&MessageContext::ReturnAfterBreak { inactive_days: 4 });
        assert_eq!(m.trigger, MotivationTrigger::ReturnAfterBreak);
        assert_eq!(
            m.message,
            "It has been 4 days since your last activity. A short session today starts a new streak."
        );
        let m = render(&MessageContext::BadgeEarned {
            badge_name: "Week Warrior".into(),
        });
        assert_eq!(m.title, "Badge earned: Week Warrior");
        let m = render(&MessageContext::NeedsBoost {
            this_week: 1,
            last_week: 4,
        });
        assert_eq!(
            m.message,
            "You were active on 1 day in the last 7 days, down from 4 the week before. One short session today gets your momentum back."
        );
        let next = NextMilestone {
            badge_id: "skill-builder",
            name: "Skill Builder",
            description: "Acquire 5 skills",
            progress: Progress {
                current: 3,
                target: 5,
            },
            remaining: 2,
            estimated_days: Some(20),
            estimated_time: Some("3 weeks".into()),
        };
        let m = render(&MessageContext::MilestonePage { next: Some(next) });
        assert_eq!(
            m.message,
            "You are at 3 of 5 for Skill Builder (Acquire 5 skills). At your recent pace you will get there in about 3 weeks."
        );
        assert_eq!(
            serde_json::to_value(&m).unwrap()["trigger"],
            "milestone_page"
        );
        let m = render(&MessageContext::MilestonePage { next: None });
        assert_eq!(m.title, "Every badge earned");
    }

    #[test]
    fn triggers_of_a_returning_learner_in_need_of_a_boost() {
        let mut r = learner(1);
        // Active on 5, 6, 7 (last week: days 2..8) and today (the 15th) after 7 idle days.
        login_on(&mut r, [5, 6, 7, 15]);
        let awarded = [BadgeAward {
            badge_id: "streak-week-warrior".into(),
            earned_at: day(15),
        }];
        let t = triggers(&r, &clock(), MomentumState::NeedsBoost, &awarded);
        assert_eq!(
            t,
            vec![
                MessageContext::ReturnAfterBreak { inactive_days: 7 },
                MessageContext::BadgeEarned {
                    badge_name: "Week Warrior".into()
                },
                MessageContext::NeedsBoost {
                    this_week: 1,
                    last_week: 3
                }
            ]
        );
        assert!(triggers(&learner(2), &clock(), MomentumState::Steady, &[]).is_empty());
    }
}
