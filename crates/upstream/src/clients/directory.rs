//! Directory (`integration.md` 3.1): organisations with departments and teams, members
//! (listing extension), KPIs, login logs (sessions) and course feedback (extension).

use super::{Pull, PullContext, each, user_list};
use crate::contracts::{DirKpi, DirOrganization, DirUser, Feedback, LoginLog};
use crate::transport::{Get, Transport};
use chrono::{Datelike, Duration, NaiveDate};
use la_domain::model::*;
use la_domain::*;
use std::collections::BTreeSet;
use std::sync::Arc;

pub async fn pull(t: Arc<Transport>, ctx: &PullContext) -> Pull {
    let mut pull = Pull::default();
    let mut orgs: BTreeSet<String> = ctx
        .roster
        .organizations
        .iter()
        .map(|o| o.upstream_id())
        .collect();
    orgs.extend(ctx.extra_org_ids.iter().cloned());
    let orgs: Vec<String> = orgs.into_iter().collect();
    let rid = ctx.request_id.as_str();

    let found = each(orgs.clone(), ctx.concurrency, &mut pull, |org| {
        let t = t.clone();
        async move {
            let template = "/organizations/{orgId}";
            let get = Get::new(template, format!("/organizations/{org}"));
            t.get_json::<DirOrganization>(&get, rid).await
        }
    })
    .await;
    for (_, org) in found.into_iter().filter_map(|(id, o)| o.map(|o| (id, o))) {
        map_org(org, &mut pull);
    }
    if pull.stopped {
        return pull;
    }

    let members = each(orgs.clone(), ctx.concurrency, &mut pull, |org| {
        let t = t.clone();
        async move {
            let template = "/organizations/{orgId}/users";
            let get = Get::new(template, format!("/organizations/{org}/users")).extension();
            t.get_list::<DirUser>(&get, rid).await
        }
    })
    .await;
    let mut users: BTreeSet<String> = ctx.user_ids().into_iter().collect();
    for (_, list) in members {
        for user in list {
            users.insert(user.id.0.clone());
            map_user(user, ctx, &mut pull);
        }
    }
    if pull.stopped {
        return pull;
    }

    let kpis = each(orgs, ctx.concurrency, &mut pull, |org| {
        let t = t.clone();
        async move {
            let template = "/organizations/{orgId}/kpis";
            let get = Get::new(template, format!("/organizations/{org}/kpis"));
            t.get_list::<DirKpi>(&get, rid).await
        }
    })
    .await;
    for (org, list) in kpis {
        for kpi in list {
            map_kpi(&org, kpi, &mut pull);
        }
    }
    if pull.stopped {
        return pull;
    }

    let logs = each(
        users.into_iter().collect(),
        ctx.concurrency,
        &mut pull,
        |user| {
            let t = t.clone();
            async move {
                user_list::<LoginLog>(&t, ctx, "/users/{userId}/login-logs", &user, true, false)
                    .await
            }
        },
    )
    .await;
    for (_, list) in logs {
        for log in list {
            map_session(log, &mut pull);
        }
    }
    if pull.stopped {
        return pull;
    }

    let feedback = each(ctx.course_ids(), ctx.concurrency, &mut pull, |course| {
        let t = t.clone();
        async move {
            let get = Get::new("/feedback", "/feedback".to_owned())
                .query("courseId", course)
                .extension();
            t.get_list::<Feedback>(&get, rid).await
        }
    })
    .await;
    for (_, list) in feedback {
        for f in list {
            map_feedback(f, ctx, &mut pull);
        }
    }
    pull
}

fn map_org(org: DirOrganization, pull: &mut Pull) {
    let Ok(id) = OrgId::from_external(&org.id.0) else {
        pull.unmappable += 1;
        return;
    };
    for dept in org.departments {
        let Ok(dept_id) = DepartmentId::from_external(&dept.id.0) else {
            pull.unmappable += 1;
            continue;
        };
        pull.data.departments.push(Department {
            id: dept_id,
            org_id: id,
            parent_id: None,
            name: dept.name,
        });
        for team in dept.teams {
            let Ok(team_id) = TeamId::from_external(&team.id.0) else {
                pull.unmappable += 1;
                continue;
            };
            pull.data.teams.push(Team {
                id: team_id,
                org_id: id,
                parent_id: Some(dept_id),
                name: team.name,
            });
        }
    }
    pull.data.organizations.push(Organization {
        id,
        external_id: Some(org.id.0),
        name: org.name,
        timezone: org.settings.and_then(|s| s.timezone),
        settings: OrgSettings::default(),
    });
}

fn map_user(user: DirUser, ctx: &PullContext, pull: &mut Pull) {
    let (Ok(id), Ok(org)) = (
        UserId::from_external(&user.id.0),
        OrgId::from_external(&user.organization_id.0),
    ) else {
        pull.unmappable += 1;
        return;
    };
    let mut roles: Vec<Role> = user
        .roles
        .iter()
        .chain(user.role.iter())
        .filter_map(|r| Role::parse_lenient(r).ok())
        .collect();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        roles.push(Role::Learner);
    }
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    pull.data.users.push(User {
        id,
        external_id: Some(user.id.0.clone()),
        org_id: Some(org),
        department_id: user
            .department_id
            .and_then(|d| DepartmentId::from_external(&d.0).ok()),
        team_id: user.team_id.and_then(|t| TeamId::from_external(&t.0).ok()),
        display_name: if name.trim().is_empty() {
            user.id.0.clone()
        } else {
            name
        },
        email: Some(user.email.trim().to_ascii_lowercase()),
        roles,
        timezone: user.profile.and_then(|p| p.timezone),
        // The Directory contract has no competency level.
        competency_level: SkillLevel::MISSING,
        is_active: user.is_active.unwrap_or(true),
        created_at: user.hire_date.map(|d| d.0).unwrap_or(ctx.now).min(ctx.now),
    });
}

/// `2025-Q4`, `2025-11` or `2025` as (first day, last day).
pub fn period_bounds(period: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (year, rest) = period.split_once('-').unwrap_or((period, ""));
    let year: i32 = year.parse().ok()?;
    let (first_month, months) = if rest.is_empty() {
        (1, 12)
    } else if let Some(q) = rest.strip_prefix('Q') {
        let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        (3 * q - 2, 3)
    } else {
        (rest.parse().ok().filter(|m| (1..=12).contains(m))?, 1)
    };
    let start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
    let end_month = first_month + months;
    let next = if end_month > 12 {
        NaiveDate::from_ymd_opt(year + 1, end_month - 12, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, end_month, 1)?
    };
    Some((start, next - Duration::days(1))).filter(|(s, _)| s.year() == year)
}

fn map_kpi(org: &str, kpi: DirKpi, pull: &mut Pull) {
    let (Ok(org_id), Ok(id)) = (OrgId::from_external(org), KpiId::from_external(&kpi.id.0)) else {
        pull.unmappable += 1;
        return;
    };
    // Without a target or a period the KPI cannot be scored (AS-003.12): left out.
    let (Some(target), Some((period_start, period_end))) =
        (kpi.target, kpi.period.as_deref().and_then(period_bounds))
    else {
        pull.unmappable += 1;
        return;
    };
    pull.data.kpis.push(Kpi {
        id,
        org_id,
        department_id: None,
        name: kpi.name,
        target,
        achieved: kpi.value,
        weight: 1.0,
        linked_skill_ids: Vec::new(),
        period_start,
        period_end,
    });
}

fn map_session(log: LoginLog, pull: &mut Pull) {
    if log.is_successful == Some(false) {
        return;
    }
    let (Ok(id), Ok(user_id)) = (
        SessionId::from_external(&log.id.0),
        UserId::from_external(&log.user_id.0),
    ) else {
        pull.unmappable += 1;
        return;
    };
    let started_at = log.login_time.0;
    let ended_at = log.logout_time.map(|t| t.0).or_else(|| {
        log.session_duration
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| started_at + Duration::milliseconds((s * 1000.0) as i64))
    });
    pull.data.sessions.push(Session {
        id,
        user_id,
        started_at,
        ended_at,
        last_activity_at: ended_at,
        device: None,
        course_id: None,
    });
}

fn map_feedback(f: Feedback, ctx: &PullContext, pull: &mut Pull) {
    let (Ok(id), Ok(course_id), Ok(user_id)) = (
        ReviewId::from_external(&f.id.0),
        CourseId::from_external(&f.course_id.0),
        UserId::from_external(&f.user_id.0),
    ) else {
        pull.unmappable += 1;
        return;
    };
    pull.data.course_reviews.push(CourseReview {
        id,
        course_id,
        trainer_id: f
            .trainer_id
            .filter(|t| ctx.knows_user(t))
            .and_then(|t| UserId::from_external(&t.0).ok()),
        user_id,
        rating: f.rating,
        comment: f.comment,
        tags: Vec::new(),
        created_at: f.created_at.0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_become_day_ranges() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(
            period_bounds("2025-Q4"),
            Some((d(2025, 10, 1), d(2025, 12, 31)))
        );
        assert_eq!(
            period_bounds("2026-02"),
            Some((d(2026, 2, 1), d(2026, 2, 28)))
        );
        assert_eq!(
            period_bounds("2026"),
            Some((d(2026, 1, 1), d(2026, 12, 31)))
        );
        assert_eq!(period_bounds("2026-Q5"), None);
        assert_eq!(period_bounds("soon"), None);
    }
}
