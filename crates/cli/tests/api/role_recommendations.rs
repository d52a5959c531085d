//! AS-004.17 for trainers and org admins in the T5 and O5 overviews (spec README: "T5 and O5
//! add the trainer and organisation recommendations"), and O4's `includeWorkers`. The
//! "convert formats" trainer rule is fed from AS-001.6 effect sizes per content type.

use crate::helpers::{Session, SpawnOptions, TestApp, spawn_app_with};
use la_app::analytics::batch::{BatchOptions, run_batch};
use la_app::analytics::load::load_platform;
use la_domain::analytics::Clock;
use la_domain::analytics::Window;
use la_domain::analytics::predictive::drop_off;
use la_domain::model::EnrollmentStatus;
use la_domain::model::{DataSource, Dataset, Provenance};
use la_domain::{OrgId, UserId};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

async fn get(app: &TestApp, path: &str, session: &Session, role: &str) -> (u16, Value) {
    let response = app
        .request(reqwest::Method::GET, path, Some(&session.token), Some(role))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn patch_status(app: &TestApp, session: &Session, role: &str, id: &str, status: &str) -> u16 {
    app.request(
        reqwest::Method::PATCH,
        &format!(
            "/api/v1/predictive/recommendations/{}/{id}",
            session.user_id
        ),
        Some(&session.token),
        Some(role),
    )
    .json(&json!({ "status": status }))
    .send()
    .await
    .expect("request")
    .status()
    .as_u16()
}

/// Every shown item of an AS-004.17 output, as (id, status).
fn items(advice: &Value) -> Vec<(String, String)> {
    ["urgent", "thisWeek", "ongoing"]
        .iter()
        .flat_map(|b| {
            advice["recommendations"][b]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|i| {
            (
                i["recommendationId"].as_str().unwrap().to_owned(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn trainer_overview_asks_to_check_in_with_the_students_at_high_drop_off_risk() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let trainer = app.login("trainer@demo.local").await;
    let path = format!("/api/v1/trainer/analytics/overview/{}", trainer.user_id);
    let (status, body) = get(&app, &path, &trainer, "trainer").await;
    assert_eq!(status, 200, "{body}");
    let advice = &body["data"]["recommendations"];
    assert_eq!(advice["subjectId"], trainer.user_id.as_str(), "{advice}");
    assert!(advice["recommendations"]["workerKPIs"].is_null());

    // The expectation, from the stored records at the generation instant: per course the
    // trainer teaches, the students whose active enrollment is at AS-004.15 high/critical
    // risk (UTC calendar, as the trainer analytics).
    let generated: chrono::DateTime<chrono::Utc> = advice["generatedAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("generatedAt");
    let inputs = load_platform(app.database.store().as_ref(), |_, _| {})
        .await
        .expect("inputs");
    let clock = Clock::utc(generated);
    let me = UserId(uuid::Uuid::parse_str(&trainer.user_id).unwrap());
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for course in inputs.catalog.courses_of_trainer(me) {
        let at_risk: BTreeSet<String> = inputs
            .records
            .iter()
            .filter(|r| {
                r.enrollments
                    .iter()
                    .any(|e| e.course_id == course.id && e.status == EnrollmentStatus::Active)
            })
            .filter(|r| {
                drop_off::risk_by_course(r, &inputs.catalog, &clock)
                    .get(&course.id)
                    .is_some_and(|(_, level)| level.is_high_or_critical())
            })
            .map(|r| r.id().to_string())
            .collect();
        if !at_risk.is_empty() {
            expected.insert(course.title.clone(), at_risk);
        }
    }
    assert!(
        !expected.is_empty(),
        "the demo trainer has students at high drop-off risk"
    );

    // One urgent check-in per such course, listing exactly those students.
    let check_ins: Vec<&Value> = advice["recommendations"]["urgent"]
        .as_array()
        .expect("urgent")
        .iter()
        .filter(|i| i["category"] == "at_risk_students")
        .collect();
    assert_eq!(check_ins.len(), expected.len(), "{advice}");
    for item in &check_ins {
        assert_eq!(item["source"], "AS-004.15");
        assert_eq!(item["bucket"], "urgent");
        let action = item["action"].as_str().unwrap();
        let (title, ids) = expected
            .iter()
            .find(|(title, _)| action.ends_with(&format!(" in {title}")))
            .unwrap_or_else(|| panic!("a check-in for an unexpected course: {action}"));
        assert_eq!(
            action,
            format!(
                "Check in with the {} students at high drop-off risk in {title}",
                ids.len()
            )
        );
        let listed: BTreeSet<String> = item["reason"]
            .as_str()
            .unwrap()
            .trim_start_matches("High or critical drop-off risk: ")
            .trim_end_matches('.')
            .split(", ")
            .map(str::to_owned)
            .collect();
        assert_eq!(&listed, ids);
    }
    // The summary leads with the first urgent item.
    assert!(
        advice["aiSummary"].as_str().unwrap().starts_with(&format!(
            "Urgent: {}",
            advice["recommendations"]["urgent"][0]["action"]
                .as_str()
                .unwrap()
        )),
        "{advice}"
    );

    // The trainer's decisions are theirs (decision 17): a saved check-in shows as saved.
    let id = check_ins[0]["recommendationId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        patch_status(&app, &trainer, "trainer", &id, "saved").await,
        200
    );
    let (_, body) = get(&app, &path, &trainer, "trainer").await;
    assert!(
        items(&body["data"]["recommendations"]).contains(&(id.clone(), "saved".to_owned())),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn org_overview_recommendations_are_the_admins_own_and_neutral_for_platform_admins() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let admin = app.login("orgadmin@demo.local").await;
    let platform = app.login("platformadmin@demo.local").await;
    let org = admin
        .organization_id
        .clone()
        .expect("the org admin's organisation");
    let path = format!("/api/v1/org-admin/analytics/overview/{org}");

    let (status, own) = get(&app, &path, &admin, "org-admin").await;
    assert_eq!(status, 200, "{own}");
    let (status, neutral) = get(&app, &path, &platform, "platform-admin").await;
    assert_eq!(status, 200, "{neutral}");
    let own = &own["data"]["recommendations"];
    let neutral = &neutral["data"]["recommendations"];
    for advice in [own, neutral] {
        assert_eq!(advice["subjectId"], org.as_str(), "{advice}");
        assert!(
            advice["recommendations"]["workerKPIs"].is_array(),
            "{advice}"
        );
    }
    // Same rules over the same signals: the same actions, under different ids (each viewer's
    // ids are their own).
    let actions = |advice: &Value| -> Vec<String> {
        ["urgent", "thisWeek", "ongoing"]
            .iter()
            .flat_map(|b| {
                advice["recommendations"][b]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|i| i["action"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(actions(own), actions(neutral));
    let shown = items(own);
    assert!(
        !shown.is_empty(),
        "the demo organisation gets advice: {own}"
    );
    let neutral_ids: BTreeSet<String> = items(neutral).into_iter().map(|(id, _)| id).collect();
    assert!(shown.iter().all(|(id, _)| !neutral_ids.contains(id)));

    // The admin dismisses an item: gone from their overview, still in the neutral view.
    let (dismissed, _) = shown[0].clone();
    assert_eq!(
        patch_status(&app, &admin, "org-admin", &dismissed, "dismissed").await,
        200
    );
    let (_, after) = get(&app, &path, &admin, "org-admin").await;
    let after = items(&after["data"]["recommendations"]);
    assert!(!after.iter().any(|(id, _)| *id == dismissed), "{after:?}");
    assert_eq!(after.len(), shown.len() - 1);
    let (_, still) = get(&app, &path, &platform, "platform-admin").await;
    assert_eq!(
        items(&still["data"]["recommendations"]).len(),
        neutral_ids.len()
    );
    app.stop().await;
}

#[tokio::test]
async fn org_performance_lists_workers_only_on_request_and_only_of_the_own_organisation() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let admin = app.login("orgadmin@demo.local").await;
    let org = admin
        .organization_id
        .clone()
        .expect("the org admin's organisation");
    let path = format!("/api/v1/org-admin/analytics/org-performance/{org}");

    // Requested first, so a shared cache entry would leak the list into the default read.
    let (status, with) = get(
        &app,
        &format!("{path}?includeWorkers=true"),
        &admin,
        "org-admin",
    )
    .await;
    assert_eq!(status, 200, "{with}");
    let workers = with["data"]["workers"].as_array().expect("workers").clone();
    assert!(!workers.is_empty(), "{with}");
    for query in ["", "?includeWorkers=false", "?window=30d"] {
        let (status, body) = get(&app, &format!("{path}{query}"), &admin, "org-admin").await;
        assert_eq!(status, 200, "{body}");
        assert!(body["data"]["workers"].is_null(), "{query}: {body}");
        // The rest of the output is the same.
        assert_eq!(body["data"]["teams"], with["data"]["teams"]);
    }

    // Every worker belongs to the admin's organisation.
    let inputs = load_platform(app.database.store().as_ref(), |_, _| {})
        .await
        .expect("inputs");
    let org_id = OrgId(uuid::Uuid::parse_str(&org).unwrap());
    let members: BTreeSet<String> = inputs.orgs[&org_id]
        .members
        .iter()
        .map(|u| u.to_string())
        .collect();
    let listed: BTreeSet<String> = workers
        .iter()
        .map(|w| w["userId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), workers.len(), "one row per worker");
    assert!(listed.is_subset(&members), "{listed:?} ⊄ {members:?}");
    assert!(workers.iter().all(|w| w["displayName"].is_string()));

    // Another organisation's list is not the admin's to read.
    let other = inputs
        .orgs
        .keys()
        .find(|o| **o != org_id)
        .expect("a second demo organisation");
    let (status, body) = get(
        &app,
        &format!("/api/v1/org-admin/analytics/org-performance/{other}?includeWorkers=true"),
        &admin,
        "org-admin",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("FORBIDDEN")),
        "{body}"
    );

    // Only `true` and `false`; validation comes before ownership (`api.md` 1.4).
    for bad in ["yes", "1", "TRUE", ""] {
        for target in [&org_id.0.to_string(), &other.0.to_string()] {
            let (status, body) = get(
                &app,
                &format!(
                    "/api/v1/org-admin/analytics/org-performance/{target}?includeWorkers={bad}"
                ),
                &admin,
                "org-admin",
            )
            .await;
            assert_eq!(status, 400, "{bad}: {body}");
            assert!(body["validation"]["includeWorkers"].is_string(), "{body}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn drop_off_risk_takes_a_course_id() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let other = app.login("multirole@demo.local").await;
    let path = format!("/api/v1/predictive/drop-off-risk/{}", learner.user_id);
    let inputs = load_platform(app.database.store().as_ref(), |_, _| {})
        .await
        .expect("inputs");
    let me = UserId(uuid::Uuid::parse_str(&learner.user_id).unwrap());
    let record = inputs.record(me).expect("the demo learner");
    let active: BTreeSet<la_domain::CourseId> = record
        .enrollments
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Active)
        .map(|e| e.course_id)
        .collect();
    assert!(
        !active.is_empty(),
        "the demo learner has an active enrollment"
    );

    // Every active enrollment answers for its own course, with AS-004.15's score of it.
    let timezone = record.user.timezone.as_deref().or(inputs
        .org_of(record)
        .and_then(|o| o.org.timezone.as_deref()));
    for course in &active {
        let (status, body) = get(
            &app,
            &format!("{path}?courseId={}", course.0),
            &learner,
            "learner",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let data = &body["data"];
        assert_eq!(data["courseId"], course.0.to_string(), "{data}");
        let at: chrono::DateTime<chrono::Utc> = data["computedAt"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("computedAt");
        let expected = drop_off::compute(
            record,
            &inputs.catalog,
            &Clock::in_zone(at, timezone),
            Some(*course),
            &Default::default(),
        );
        let expected = expected.ready().expect("an active enrollment is scored");
        assert_eq!(data["riskScore"], expected.risk_score, "{data}");
        assert!(body["window"].is_null(), "P1 takes no window");
    }

    // A known course without the learner's enrollment: insufficient data, not an error.
    let foreign = inputs
        .catalog
        .courses
        .keys()
        .find(|c| !record.enrollments.iter().any(|e| e.course_id == **c))
        .expect("a course the learner is not enrolled in");
    let (status, body) = get(
        &app,
        &format!("{path}?courseId={}", foreign.0),
        &learner,
        "learner",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "insufficient_data");
    assert!(body["data"].is_null());

    // An unknown course is 404; a malformed one 400, before ownership (`api.md` 1.4).
    let unknown = uuid::Uuid::new_v4();
    let (status, body) = get(
        &app,
        &format!("{path}?courseId={unknown}"),
        &learner,
        "learner",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("NOT_FOUND")),
        "{body}"
    );
    for target in [&learner.user_id, &other.user_id] {
        let (status, body) = get(
            &app,
            &format!("/api/v1/predictive/drop-off-risk/{target}?courseId=not-a-uuid"),
            &learner,
            "learner",
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body["validation"]["courseId"].is_string(), "{body}");
    }
    // Someone else's risk stays theirs.
    let some = active.first().unwrap().0;
    let (status, _) = get(
        &app,
        &format!(
            "/api/v1/predictive/drop-off-risk/{}?courseId={some}",
            other.user_id
        ),
        &learner,
        "learner",
    )
    .await;
    assert_eq!(status, 403);
    app.stop().await;
}

/// A course of the demo trainer whose video module teaches far more than its article module
/// (AS-001.6 effect sizes per content type), taken by `learners`; `now` = the batch instant.
fn format_gap_course(
    trainer: UserId,
    org: Option<OrgId>,
    learners: &[UserId],
    now: chrono::DateTime<chrono::Utc>,
) -> Dataset {
    use la_domain::ids::{AssessmentId, AttemptId, ContentId, CourseId, EnrollmentId, ModuleId};
    use la_domain::model::*;
    let id = |tag: &str| uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, tag.as_bytes());
    let days_ago = |d: i64| now - chrono::Duration::days(d);
    let course = CourseId(id("gap-course"));
    let mut data = Dataset {
        courses: vec![Course {
            id: course,
            external_id: None,
            title: "Formats Compared".into(),
            category: "tech".into(),
            owner_org_id: org,
            trainer_ids: vec![trainer],
            is_active: true,
            created_at: days_ago(200),
            updated_at: days_ago(10),
            estimated_duration_weeks: Some(4.0),
            target_completion_rate: None,
            issues_certificate: false,
            taught_skills: vec![],
        }],
        ..Dataset::default()
    };
    // Module 0 is taught by a video, module 1 by an article; each has a pre and a post.
    for (m, content_type) in [ContentType::Video, ContentType::Article]
        .into_iter()
        .enumerate()
    {
        let module = ModuleId(id(&format!("gap-module-{m}")));
        data.modules.push(Module {
            id: module,
            course_id: course,
            order: m as i32 + 1,
            name: format!("Part {m}"),
            estimated_hours: Some(2.0),
            topic_id: None,
            skill_ids: vec![],
        });
        for kind in [AssessmentKind::Pre, AssessmentKind::Post] {
            data.assessments.push(Assessment {
                id: AssessmentId(id(&format!("gap-{m}-{}", kind.as_str()))),
                course_id: Some(course),
                module_id: Some(module),
                kind,
                max_score: 100.0,
                pass_threshold: None,
                required: false,
                topic_id: None,
                skill_ids: vec![],
                due_at: None,
            });
        }
        data.content_items.push(ContentItem {
            id: ContentId(id(&format!("gap-item-{m}"))),
            external_id: None,
            course_id: Some(course),
            module_id: Some(module),
            title: format!("{} of part {m}", content_type.as_str()),
            content_type,
            creation_method: CreationMethod::Manual,
            created_by: Some(trainer),
            created_at: days_ago(100),
            owner_org_id: org,
        });
    }
    for (i, learner) in learners.iter().enumerate() {
        data.enrollments.push(Enrollment {
            id: EnrollmentId(id(&format!("gap-enrollment-{learner}"))),
            user_id: *learner,
            course_id: course,
            enrolled_at: days_ago(20),
            status: EnrollmentStatus::Active,
            progress_pct: 50.0,
            completed_at: None,
            last_activity_at: Some(days_ago(2)),
            assignment_type: AssignmentType::Voluntary,
            due_date: None,
        });
        // Video: pre 50, post 80 or 90 (gains 30, 40: d = 35 / 5 = 7); article: pre 50,
        // post 50 or 60 (gains 0, 10: d = 5 / 5 = 1).
        let bump = if i % 2 == 0 { 0.0 } else { 10.0 };
        for (m, post) in [(0, 80.0 + bump), (1, 50.0 + bump)] {
            data.content_interactions.push(ContentInteraction {
                user_id: *learner,
                content_id: ContentId(id(&format!("gap-item-{m}"))),
                started_at: days_ago(6),
                last_interaction_at: days_ago(6),
                duration_seconds: 1200.0,
                progress_pct: 100.0,
                completed: true,
                completed_at: Some(days_ago(6)),
            });
            for (kind, score, day) in [("pre", 50.0, 7), ("post", post, 5)] {
                data.assessment_attempts.push(AssessmentAttempt {
                    id: AttemptId(id(&format!("gap-attempt-{learner}-{m}-{kind}"))),
                    assessment_id: AssessmentId(id(&format!("gap-{m}-{kind}"))),
                    user_id: *learner,
                    attempt_no: 1,
                    started_at: days_ago(day) - chrono::Duration::minutes(20),
                    submitted_at: days_ago(day),
                    duration_minutes: 20.0,
                    score,
                    max_score: 100.0,
                    passed: score >= 70.0,
                    question_results: None,
                });
            }
        }
    }
    data
}

#[tokio::test]
async fn trainer_overview_asks_to_convert_the_weaker_format_of_a_course() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let trainer = app.login("trainer@demo.local").await;
    let store = app.database.store();
    let inputs = load_platform(store.as_ref(), |_, _| {})
        .await
        .expect("inputs");
    let me = UserId(uuid::Uuid::parse_str(&trainer.user_id).unwrap());
    let org = inputs.record(me).expect("the demo trainer").user.org_id;
    // K = 10 learners with pre/post pairs per type make the types' effect sizes shown.
    let learners: Vec<UserId> = inputs
        .records
        .iter()
        .filter(|r| r.id() != me && r.user.is_active)
        .map(|r| r.id())
        .take(12)
        .collect();
    assert_eq!(learners.len(), 12, "the demo has enough learners");
    let now = chrono::Utc::now();
    store
        .write_dataset(
            &format_gap_course(me, org, &learners, now),
            Provenance {
                source: DataSource::Push,
                synced_at: now,
            },
        )
        .await
        .expect("the course is stored");
    run_batch(
        store.clone(),
        BatchOptions {
            now,
            window: Window::Days30,
            org: None,
        },
        |_| {},
    )
    .await
    .expect("batch");

    let path = format!("/api/v1/trainer/analytics/overview/{}", trainer.user_id);
    let (status, body) = get(&app, &path, &trainer, "trainer").await;
    assert_eq!(status, 200, "{body}");
    let ongoing = body["data"]["recommendations"]["recommendations"]["ongoing"]
        .as_array()
        .expect("ongoing")
        .clone();
    let converts: Vec<&Value> = ongoing
        .iter()
        .filter(|i| i["category"] == "content_format")
        .filter(|i| i["action"].as_str().unwrap().contains("Formats Compared"))
        .collect();
    assert_eq!(converts.len(), 1, "{ongoing:?}");
    let item = converts[0];
    assert_eq!(
        item["action"],
        "Convert article content in Formats Compared to video"
    );
    assert_eq!(
        item["reason"],
        "video content has an effect size of 7, against 1 for article."
    );
    assert_eq!(item["source"], "AS-001.6");
    assert_eq!(item["bucket"], "ongoing");
    app.stop().await;
}
