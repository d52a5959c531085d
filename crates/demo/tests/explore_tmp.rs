use chrono::{TimeZone, Utc};
use la_demo::*;
use la_domain::model::*;
use std::collections::BTreeMap;

#[test]
fn explore() {
    let cfg = DemoConfig::new(Utc.with_ymd_and_hms(2026, 3, 15, 14, 30, 0).unwrap());
    let t = std::time::Instant::now();
    let ds = generate(&cfg);
    eprintln!("generated in {:?}", t.elapsed());
    for (k, n) in ds.counts() {
        eprint!("{k}={n} ");
    }
    eprintln!("\ntotal {}", ds.total_records());
    let mut per: BTreeMap<_, (usize, usize, usize, usize)> = BTreeMap::new();
    let course: BTreeMap<_, _> = ds.courses.iter().map(|c| (c.id, c)).collect();
    for e in &ds.enrollments {
        let x = per.entry(e.course_id).or_default();
        x.0 += 1;
        match e.status {
            EnrollmentStatus::Completed => x.1 += 1,
            EnrollmentStatus::Dropped => x.2 += 1,
            _ => x.3 += 1,
        }
    }
    let mut ratings: BTreeMap<_, Vec<i32>> = BTreeMap::new();
    for r in &ds.course_reviews {
        ratings.entry(r.course_id).or_default().push(r.rating);
    }
    for (c, x) in &per {
        let r = ratings
            .get(c)
            .map(|v| v.iter().sum::<i32>() as f64 / v.len() as f64)
            .unwrap_or(0.0);
        eprintln!(
            "{:45} n={:3} c={:3} d={:2} a={:3} rating {:.2} ({})",
            &course[c].title.chars().take(45).collect::<String>(),
            x.0,
            x.1,
            x.2,
            x.3,
            r,
            ratings.get(c).map_or(0, |v| v.len())
        );
    }
    let arch = learner_archetypes(&cfg);
    let mut sess: BTreeMap<_, usize> = BTreeMap::new();
    let last30 = cfg.now - chrono::Duration::days(30);
    let mut recent: BTreeMap<_, usize> = BTreeMap::new();
    for s in &ds.sessions {
        *sess.entry(s.user_id).or_default() += 1;
        if s.started_at >= last30 {
            *recent.entry(s.user_id).or_default() += 1;
        }
    }
    let mut by: BTreeMap<Archetype, (usize, usize, usize)> = BTreeMap::new();
    for (u, a) in &arch {
        let e = by.entry(*a).or_default();
        e.0 += 1;
        e.1 += sess.get(u).copied().unwrap_or(0);
        e.2 += recent.get(u).copied().unwrap_or(0);
    }
    for (a, v) in &by {
        eprintln!(
            "{a:?}: n={} sessions/learner {:.1} last30 {:.1}",
            v.0,
            v.1 as f64 / v.0 as f64,
            v.2 as f64 / v.0 as f64
        );
    }
    let kinds: BTreeMap<_, _> = ds.assessments.iter().map(|a| (a.id, a.kind)).collect();
    let mut pr: BTreeMap<_, (usize, usize, f64)> = BTreeMap::new();
    for a in &ds.assessment_attempts {
        let e = pr.entry(kinds[&a.assessment_id]).or_default();
        e.0 += 1;
        if a.passed {
            e.1 += 1;
        }
        e.2 += a.score / a.max_score * 100.0;
    }
    for (k, v) in &pr {
        eprintln!(
            "{k:?}: {} attempts, pass {:.0}%, mean {:.1}",
            v.0,
            v.1 as f64 / v.0 as f64 * 100.0,
            v.2 / v.0 as f64
        );
    }
    let perfect = ds
        .assessment_attempts
        .iter()
        .filter(|a| a.score == a.max_score)
        .count();
    eprintln!("perfect {perfect}");
    let mut st: BTreeMap<_, usize> = BTreeMap::new();
    for p in &ds.user_learning_paths {
        *st.entry(p.status).or_default() += 1;
    }
    eprintln!("paths {st:?}");
    let acquired = ds.user_skills.iter().filter(|s| s.acquired).count();
    eprintln!("acquired {acquired}");
    let vol = ds
        .enrollments
        .iter()
        .filter(|e| e.assignment_type == AssignmentType::Voluntary)
        .count();
    eprintln!("voluntary {vol}/{}", ds.enrollments.len());
    let logins = demo_logins(&cfg);
    let demo = logins[0].user_id;
    eprintln!(
        "demo: sessions {} attempts {} practice {} help {} ci {} topics {}",
        sess[&demo],
        ds.assessment_attempts
            .iter()
            .filter(|s| s.user_id == demo)
            .count(),
        ds.practice_submissions
            .iter()
            .filter(|s| s.user_id == demo)
            .count(),
        ds.help_requests
            .iter()
            .filter(|s| s.user_id == demo)
            .count(),
        ds.content_interactions
            .iter()
            .filter(|s| s.user_id == demo)
            .count(),
        ds.topic_completions
            .iter()
            .filter(|s| s.user_id == demo)
            .count()
    );
    for e in ds.enrollments.iter().filter(|s| s.user_id == demo) {
        eprintln!(
            "  {} {:?} {} {:?}",
            course[&e.course_id].title, e.status, e.progress_pct, e.assignment_type
        );
    }
    let trainer = logins[1].user_id;
    for c in ds
        .courses
        .iter()
        .filter(|c| c.trainer_ids.contains(&trainer))
    {
        eprintln!("trainer course {} : {}", c.title, per[&c.id].0);
    }
}

#[test]
fn gen_only() {
    let cfg = DemoConfig::new(Utc.with_ymd_and_hms(2026, 3, 15, 14, 30, 0).unwrap());
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let ds = generate(&cfg);
        eprintln!("generated in {:?} {}", t.elapsed(), ds.total_records());
    }
}

#[test]
fn time_use() {
    let cfg = DemoConfig::new(Utc.with_ymd_and_hms(2026, 3, 15, 14, 30, 0).unwrap());
    let ds = generate(&cfg);
    let arch: BTreeMap<_, _> = learner_archetypes(&cfg).into_iter().collect();
    let mut agg: BTreeMap<Archetype, [f64; 8]> = BTreeMap::new();
    for s in &ds.sessions {
        if let Some(a) = arch.get(&s.user_id) {
            let e = agg.entry(*a).or_default();
            e[0] += (s.ended_at.unwrap_or(s.started_at) - s.started_at).num_minutes() as f64;
            if s.course_id.is_some() {
                e[7] += 1.0;
            }
        }
    }
    for m in &ds.module_progress {
        if let Some(a) = arch.get(&m.user_id) {
            agg.entry(*a).or_default()[1] += m.time_spent_minutes;
        }
    }
    for p in &ds.practice_submissions {
        if let Some(a) = arch.get(&p.user_id) {
            agg.entry(*a).or_default()[2] += p.duration_minutes;
        }
    }
    for p in &ds.assessment_attempts {
        if let Some(a) = arch.get(&p.user_id) {
            agg.entry(*a).or_default()[3] += p.duration_minutes;
        }
    }
    for e in &ds.enrollments {
        if let Some(a) = arch.get(&e.user_id) {
            let x = agg.entry(*a).or_default();
            x[4] += 1.0;
            if e.status == EnrollmentStatus::Completed {
                x[5] += 1.0;
            }
            x[6] += e.progress_pct;
        }
    }
    for (a, x) in &agg {
        eprintln!(
            "{a:?}: session h {:.0} module h {:.0} practice h {:.0} attempt h {:.0} enrollments {} completed {} avg progress {:.1} course sessions {}",
            x[0] / 60.0,
            x[1] / 60.0,
            x[2] / 60.0,
            x[3] / 60.0,
            x[4],
            x[5],
            x[6] / x[4],
            x[7]
        );
    }
}
