//! Activity building blocks of `analytics.md` 0.3 and 8.2, shared by engagement, velocity,
//! drop-off, culture and gamification: session minutes, login and active days, streaks.

use super::common::Clock;
use super::input::LearnerRecord;
use crate::model::Session;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeSet;

/// Longest a single session may count for, in minutes.
pub const MAX_SESSION_MINUTES: f64 = 240.0;

/// `(endedAt ?? lastActivityAt) - startedAt`, clipped to [0, 240] minutes; `None` when both
/// ends are missing (the session then counts as a login only).
pub fn session_minutes(session: &Session) -> Option<f64> {
    let end = session.ended_at.or(session.last_activity_at)?;
    let minutes = (end - session.started_at).num_seconds() as f64 / 60.0;
    Some(minutes.clamp(0.0, MAX_SESSION_MINUTES))
}

/// Learning hours of the sessions started in `[from, to)`.
pub fn learning_hours(sessions: &[Session], from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    sessions
        .iter()
        .filter(|s| s.started_at >= from && s.started_at < to)
        .filter_map(session_minutes)
        .sum::<f64>()
        / 60.0
}

/// Calendar days (in the clock's timezone) with at least one session start, up to now.
pub fn login_days(record: &LearnerRecord, clock: &Clock) -> BTreeSet<NaiveDate> {
    record
        .sessions
        .iter()
        .filter(|s| s.started_at <= clock.now)
        .map(|s| clock.local_date(s.started_at))
        .collect()
}

/// Every activity event of `analytics.md` 0.3 (session start, module progress update,
/// content interaction, attempt submission, DevLab submission, path-topic completion), up
/// to now, oldest first.
pub fn activity_events(record: &LearnerRecord, clock: &Clock) -> Vec<DateTime<Utc>> {
    let mut events: Vec<DateTime<Utc>> = events_up_to_now(record, clock).collect();
    // Equal instants are indistinguishable, so the unstable sort gives the same list.
    events.sort_unstable();
    events
}

/// The instants of [`activity_events`] in no particular order, for callers that only test,
/// count, bucket or take the latest of them (no list built, nothing sorted).
pub fn events_up_to_now<'a>(
    record: &'a LearnerRecord,
    clock: &Clock,
) -> impl Iterator<Item = DateTime<Utc>> + 'a {
    let now = clock.now;
    let progress = record
        .module_progress
        .iter()
        .flat_map(|p| p.started_at.into_iter().chain(p.completed_at));
    record
        .sessions
        .iter()
        .map(|s| s.started_at)
        .chain(progress)
        .chain(record.content_interactions.iter().map(|c| c.started_at))
        .chain(record.attempts.iter().map(|a| a.submitted_at))
        .chain(record.practice.iter().map(|p| p.started_at))
        .chain(record.topic_completions.iter().map(|t| t.completed_at))
        .filter(move |t| *t <= now)
}

/// Whether the learner has any activity event up to now: [`activity_events`] is not empty.
pub fn any_activity(record: &LearnerRecord, clock: &Clock) -> bool {
    events_up_to_now(record, clock).next().is_some()
}

/// Calendar days with at least one activity event.
pub fn active_days(record: &LearnerRecord, clock: &Clock) -> BTreeSet<NaiveDate> {
    events_up_to_now(record, clock)
        .map(|t| clock.local_date(t))
        .collect()
}

/// The current streak of `analytics.md` 8.2: consecutive days ending today, or ending
/// yesterday when there is no activity yet today.
pub fn current_streak(days: &BTreeSet<NaiveDate>, today: NaiveDate) -> u32 {
    let mut day = if days.contains(&today) {
        today
    } else {
        today - Duration::days(1)
    };
    let mut streak = 0;
    while days.contains(&day) {
        streak += 1;
        day -= Duration::days(1);
    }
    streak
}

/// The longest run of consecutive days.
pub fn longest_streak(days: &BTreeSet<NaiveDate>) -> u32 {
    let mut longest = 0;
    let mut run = 0;
    let mut previous: Option<NaiveDate> = None;
    for day in days {
        run = match previous {
            Some(p) if *day - p == Duration::days(1) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(*day);
    }
    longest
}

/// The longest run of days without activity within `[first, last]` (inclusive).
pub fn longest_gap(days: &BTreeSet<NaiveDate>, first: NaiveDate, last: NaiveDate) -> i64 {
    let mut longest = 0;
    let mut run = 0;
    let mut day = first;
    while day <= last {
        if days.contains(&day) {
            run = 0;
        } else {
            run += 1;
            longest = longest.max(run);
        }
        day += Duration::days(1);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{SessionId, UserId};
    use chrono::TimeZone;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, day).unwrap()
    }

    fn session(start_min: i64, end_min: Option<i64>, last_min: Option<i64>) -> Session {
        let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap();
        Session {
            id: SessionId(uuid::Uuid::nil()),
            user_id: UserId(uuid::Uuid::nil()),
            started_at: t0 + Duration::minutes(start_min),
            ended_at: end_min.map(|m| t0 + Duration::minutes(m)),
            last_activity_at: last_min.map(|m| t0 + Duration::minutes(m)),
            device: None,
            course_id: None,
        }
    }

    #[test]
    fn session_minutes_fall_back_to_last_activity_and_are_clipped() {
        assert_eq!(session_minutes(&session(0, Some(30), None)), Some(30.0));
        assert_eq!(session_minutes(&session(0, None, Some(12))), Some(12.0));
        assert_eq!(session_minutes(&session(0, Some(600), None)), Some(240.0));
        assert_eq!(session_minutes(&session(10, Some(5), None)), Some(0.0));
        assert_eq!(session_minutes(&session(0, None, None)), None);
    }

    #[test]
    fn streak_ends_today_or_yesterday() {
        let days: BTreeSet<_> = [d(1), d(2), d(3), d(5), d(6)].into_iter().collect();
        assert_eq!(current_streak(&days, d(6)), 2);
        // No activity yet on the 7th: the streak ending yesterday still counts.
        assert_eq!(current_streak(&days, d(7)), 2);
        assert_eq!(current_streak(&days, d(8)), 0);
        assert_eq!(longest_streak(&days), 3);
        assert_eq!(longest_streak(&BTreeSet::new()), 0);
    }

    #[test]
    fn activity_counts_only_events_up_to_now_oldest_first() {
        use crate::analytics::org::test_support::{at, learner, session as logged};
        let now = at(2026, 5, 10);
        let clock = Clock::utc(now);
        let mut record = learner(1, None, None);
        assert!(!any_activity(&record, &clock));
        // A session starting after now is not activity yet.
        record
            .sessions
            .push(logged(1, now + Duration::hours(1), 10));
        assert!(!any_activity(&record, &clock));
        assert!(activity_events(&record, &clock).is_empty());
        assert!(active_days(&record, &clock).is_empty());
        record.sessions.push(logged(1, now - Duration::days(2), 10));
        record.sessions.push(logged(1, now - Duration::days(5), 10));
        assert!(any_activity(&record, &clock));
        assert_eq!(
            activity_events(&record, &clock),
            vec![now - Duration::days(5), now - Duration::days(2)]
        );
        assert_eq!(
            active_days(&record, &clock).into_iter().collect::<Vec<_>>(),
            vec![d(5), d(8)]
        );
    }

    #[test]
    fn longest_gap_counts_inactive_days_inside_the_range() {
        let days: BTreeSet<_> = [d(2), d(6)].into_iter().collect();
        // 1 | 3,4,5 | 7,8 -> 3
        assert_eq!(longest_gap(&days, d(1), d(8)), 3);
        assert_eq!(longest_gap(&BTreeSet::new(), d(1), d(7)), 7);
    }
}
