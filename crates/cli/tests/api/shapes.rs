//! Issue 4: every analytics read endpoint of the route table answers, for each demo role, an
//! envelope (`api.md` 1.9 + spec README decision 10) whose `data` matches the field list of its
//! analytic in `analytics.md` (spec README "Precedence": the content of `data` comes from
//! `analytics.md`; the field lists of `api.md` 2.3–2.8 are superseded).
//!
//! Each endpoint's expected shape is written below in a compact schema language (JSON values):
//!
//! | schema | accepts |
//! |---|---|
//! | `"int"`, `"num"`, `"str"`, `"bool"` | integer, any number, string, boolean |
//! | `"count"` | integer ≥ 0 |
//! | `"score"` | integer in [0, 100] (the catalogue's rounded 0–100 indices) |
//! | `"pct"` | number in [0, 100] (`analytics.md` 0.2: percentages are JSON numbers, 0–100) |
//! | `"ratio"` | number in [0, 1] |
//! | `"ts"`, `"date"`, `"uuid"` | RFC 3339 UTC timestamp with `Z` and at most millisecond precision (`api.md` 1.1), `YYYY-MM-DD`, UUID string |
//! | `"int:1..5"`, `"num:0.."` | integer / number with inclusive bounds (either side optional) |
//! | `"a\|b\|c"`, `"=a"` | one of these strings; exactly this string |
//! | suffix `?` on a type (`"pct?"`) | also `null` (the field must still be present) |
//! | suffix `?` on a key (`{"workers?": …}`) | the field may be absent or `null` |
//! | `[S]` | array whose every element matches S |
//! | `{"*": S}` | map with data keys, every value matches S |
//! | `{"$oneOf": [A, B]}` | matches A or B (k-anonymity markers, insufficient groups) |
//! | `{…}` | object with exactly these keys: missing and unexpected fields are errors |
//! | `null`, `true`, `10` | exactly this JSON value |
//!
//! [`validate`] walks a value against a schema and collects every mismatch with its JSON path,
//! so one run lists all differences rather than the first.

use crate::helpers::{Session, SpawnOptions, TestApp, spawn_app_with};
use la_http::policy::{ROUTES, RouteSpec};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

/// Every mismatch of `value` against `schema`, as `"<json path>: <problem>"`.
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, value, "$", &mut errors);
    errors
}

fn check(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    match schema {
        Value::String(token) => check_token(token, value, path, errors),
        Value::Array(items) => {
            let [element] = items.as_slice() else {
                errors.push(format!(
                    "{path}: bad schema (array schema needs one element)"
                ));
                return;
            };
            match value.as_array() {
                Some(values) => {
                    for (i, v) in values.iter().enumerate() {
                        check(element, v, &format!("{path}[{i}]"), errors);
                    }
                }
                None => errors.push(format!("{path}: expected an array, got {}", brief(value))),
            }
        }
        Value::Object(fields) => {
            if let Some(alternatives) = fields.get("$oneOf").and_then(Value::as_array) {
                check_one_of(alternatives, value, path, errors);
                return;
            }
            let Some(object) = value.as_object() else {
                errors.push(format!("{path}: expected an object, got {}", brief(value)));
                return;
            };
            if let Some(each) = fields.get("*") {
                for (key, v) in object {
                    check(each, v, &format!("{path}.{key}"), errors);
                }
                return;
            }
            check_object(fields, object, path, errors);
        }
        literal => {
            if value != literal {
                errors.push(format!(
                    "{path}: expected exactly {literal}, got {}",
                    brief(value)
                ));
            }
        }
    }
}

fn check_object(
    fields: &Map<String, Value>,
    object: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    for (key, schema) in fields {
        let (name, optional) = match key.strip_suffix('?') {
            Some(name) => (name, true),
            None => (key.as_str(), false),
        };
        let field_path = format!("{path}.{name}");
        match object.get(name) {
            None if optional => {}
            None => errors.push(format!("{field_path}: missing")),
            Some(Value::Null) if optional => {}
            Some(v) => check(schema, v, &field_path, errors),
        }
    }
    for key in object.keys() {
        if !fields.contains_key(key) && !fields.contains_key(&format!("{key}?")) {
            errors.push(format!("{path}.{key}: unexpected field"));
        }
    }
}

fn check_one_of(alternatives: &[Value], value: &Value, path: &str, errors: &mut Vec<String>) {
    let mut best: Option<Vec<String>> = None;
    for alternative in alternatives {
        // A non-null value is never "closest" to the `null` alternative of `nullable`.
        if alternative.is_null() && !value.is_null() {
            continue;
        }
        let mut errs = Vec::new();
        check(alternative, value, path, &mut errs);
        if errs.is_empty() {
            return;
        }
        if best.as_ref().is_none_or(|b| errs.len() < b.len()) {
            best = Some(errs);
        }
    }
    errors.push(format!(
        "{path}: matches none of {} alternatives; closest:",
        alternatives.len()
    ));
    errors.extend(
        best.unwrap_or_default()
            .into_iter()
            .map(|e| format!("  {e}")),
    );
    if alternatives.iter().all(Value::is_null) {
        errors.push(format!("{path}: expected null, got {}", brief(value)));
    }
}

fn check_token(token: &str, value: &Value, path: &str, errors: &mut Vec<String>) {
    let (token, nullable) = match token.strip_suffix('?') {
        Some(t) => (t, true),
        None => (token, false),
    };
    if value.is_null() {
        if !nullable {
            errors.push(format!("{path}: null where {token} is required"));
        }
        return;
    }
    if let Some(literal) = token.strip_prefix('=') {
        if value.as_str() != Some(literal) {
            errors.push(format!(
                "{path}: expected \"{literal}\", got {}",
                brief(value)
            ));
        }
        return;
    }
    if token.contains('|') {
        match value.as_str() {
            Some(s) if token.split('|').any(|option| option == s) => {}
            _ => errors.push(format!("{path}: {} is not one of {token}", brief(value))),
        }
        return;
    }
    let (kind, bounds) = match token.split_once(':') {
        Some((kind, bounds)) => (kind, Some(bounds)),
        None => (token, None),
    };
    let (lo, hi) = match (kind, bounds) {
        (_, Some(bounds)) => {
            let Some((lo, hi)) = bounds.split_once("..") else {
                errors.push(format!("{path}: bad schema bounds {bounds}"));
                return;
            };
            (lo.parse::<f64>().ok(), hi.parse::<f64>().ok())
        }
        ("count", None) => (Some(0.0), None),
        ("score" | "pct", None) => (Some(0.0), Some(100.0)),
        ("ratio", None) => (Some(0.0), Some(1.0)),
        _ => (None, None),
    };
    let ok = match kind {
        "int" | "count" | "score" => value.is_i64() || value.is_u64(),
        "num" | "pct" | "ratio" => value.is_number(),
        "str" => value.is_string(),
        "bool" => value.is_boolean(),
        "ts" => value.as_str().is_some_and(wire_timestamp),
        "date" => value.as_str().is_some_and(|s| {
            s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        }),
        "uuid" => value
            .as_str()
            .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()),
        other => {
            errors.push(format!("{path}: bad schema token {other}"));
            return;
        }
    };
    if !ok {
        errors.push(format!("{path}: expected {token}, got {}", brief(value)));
        return;
    }
    if let Some(n) = value.as_f64()
        && (lo.is_some_and(|lo| n < lo) || hi.is_some_and(|hi| n > hi))
    {
        errors.push(format!("{path}: {n} out of range for {token}"));
    }
}

/// `api.md` 1.1 "Timestamps": RFC 3339 UTC with `Z`, second or millisecond precision.
fn wire_timestamp(s: &str) -> bool {
    let fraction_digits = s
        .split_once('.')
        .map_or(0, |(_, rest)| rest.trim_end_matches('Z').len());
    s.ends_with('Z') && fraction_digits <= 3 && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn brief(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

// ---------------------------------------------------------------------------------------------
// The field lists of `analytics.md`
// ---------------------------------------------------------------------------------------------

const CONTENT_TYPE: &str = "video|article|interactive|quiz|podcast|other";
const GROWTH: &str = "growing|stable|declining";

/// `privacy.rs` `Guarded`: a group below k = 10 serialises as the marker of `analytics.md`
/// 7.1 rule 2, keeping only its identifying fields (`base`).
fn guarded(base: Value, stats: Value) -> Value {
    let mut shown = base.as_object().cloned().unwrap_or_default();
    shown.extend(stats.as_object().cloned().unwrap_or_default());
    let mut hidden = base.as_object().cloned().unwrap_or_default();
    hidden.insert("insufficientData".into(), json!(true));
    hidden.insert("minimumRequired".into(), json!(10));
    json!({"$oneOf": [Value::Object(shown), Value::Object(hidden)]})
}

fn nullable(schema: Value) -> Value {
    json!({"$oneOf": [null, schema]})
}

/// A single comparison statistic that obeys k (decision 14: "comparisons across
/// organisations, trainers or courses obey k"): the value or the bare marker.
fn k_guarded(token: &str) -> Value {
    json!({"$oneOf": [token, {"insufficientData": true, "minimumRequired": 10}]})
}

/// AS-001.1 "Output `learningVelocity`".
fn learner_velocity() -> Value {
    json!({
        "currentPace": "num:0..",
        "averagePace": "num:0..",
        "trend": "accelerating|steady|decelerating|stalled",
        "trendPercentage": "num?",
        "comparisonToGoal": {
            "targetPace": "num:0..?",
            "variance": "num?",
            "status": "ahead|on_track|behind|no_target|overdue"
        },
        "predictions": {
            "remainingTopics": "count",
            "estimatedWeeksToComplete": "count?",
            "predictedCompletionDate": "date?",
            "targetCompletionDate": "date?",
            "onTrack": "bool"
        },
        "timeAnalysis": {
            "totalTimeSpent": "num:0..",
            "averageTimePerTopic": "num:0..?",
            "efficientLearner": "bool?"
        },
        "momentum": {
            "score": "score",
            "level": "strong|steady|slowing|stalled",
            "description": "str",
            "recommendation": "str"
        },
        "history": [{"periodStart": "date", "topicsCompleted": "count"}]
    })
}

/// AS-001.2 "Output `skillGapMatrix`" (levels on the 0–4 scale of 0.2).
fn learner_skill_gap() -> Value {
    json!({
        "summary": {
            "totalTargetSkills": "count",
            "skillsAcquired": "count",
            "skillsInProgress": "count",
            "skillsNotStarted": "count",
            "criticalGaps": "count",
            "averageGap": "num:0..4"
        },
        "prioritizedGaps": [{
            "skillId": "uuid",
            "skillName": "str",
            "currentLevel": "int:0..4",
            "targetLevel": "int:1..4",
            "gap": "int:1..4",
            "gapPercentage": "pct",
            "priorityScore": "score",
            "priorityRank": "int:1..",
            "isCritical": "bool",
            "status": "not_started|in_progress",
            "factors": {
                "businessPriority": "critical|high|medium|low",
                "businessJustification": "str?",
                "marketDemand": "score",
                "marketTrend": "str?",
                "prerequisiteFor": ["str"],
                "blockedSkills": "count",
                "careerImpact": "score"
            },
            "actionPlan": {
                "estimatedHours": "count",
                "estimatedTimeToClose": "count",
                "recommendedPath": [{"step": "int:1..3", "courseId": "uuid", "courseName": "str"}],
                "practices": ["str"],
                "nextMilestone": "str",
                "deadline": "date?"
            },
            "visualization": {"progressBarPercentage": "pct"}
        }],
        "skillsOnTrack": [{
            "skillId": "uuid",
            "skillName": "str",
            "currentLevel": "int:0..4",
            "targetLevel": "int:1..4",
            "gap": 1
        }],
        "skillsAchieved": [{
            "skillId": "uuid",
            "skillName": "str",
            "achievedLevel": "int:0..4",
            "targetLevel": "int:1..4",
            "achievedDate": "date?"
        }]
    })
}

/// AS-001.3 "Output `engagementAnalytics`" (component scores 1 dp, 0–100; behavioural
/// patterns as the bullet lists them).
fn learner_engagement() -> Value {
    json!({
        "overallScore": "score",
        "engagementBand": "highly_engaged|engaged|at_risk",
        "scoreGrade": "Excellent|Good|Fair|Poor",
        "scoreTrend": "int:-100..100?",
        "breakdowns": {
            "consistency": {
                "score": "pct",
                "loginFrequency": "num:0..",
                "loginFrequencyTarget": 5,
                "activeStreak": "count",
                "longestGap": "count"
            },
            "timeInvestment": {
                "score": "pct",
                "hoursLast7Days": "num:0..",
                "hoursLast30Days": "num:0..",
                "averageSessionDuration": "num:0..?",
                "recommendedHoursPerWeek": "num:0..",
                "comparisonToRecommended": "num:0..?"
            },
            "interactionQuality": {
                "score": "pct",
                "contentCompletionRate": "pct?",
                "chatbotInteractions": "num:0..",
                "practiceAttempts": "num:0..",
                "assessmentAttempts": "num:0.."
            },
            "resourceUsage": {
                "score": "pct",
                "contentTypesUsed": [CONTENT_TYPE],
                "preferredContentType": format!("{CONTENT_TYPE}?"),
                "underutilizedResources": [CONTENT_TYPE]
            }
        },
        "behavioralPatterns": {
            "peakLearningTime": "str?",
            "peakLearningDays": ["Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"],
            "preferredDevice": "str?",
            "averageSessionsPerDay": "num:0..?",
            "learningStyle": "visual|reading|interactive|mixed",
            "concentrationSpan": "num:0..?",
            "preferredContentType": format!("{CONTENT_TYPE}?"),
            "underutilizedResources": [CONTENT_TYPE]
        },
        "riskAssessment": {
            "riskLevel": "high|medium|low",
            "riskScore": "score",
            "riskFactors": ["str"],
            "interventionRecommended": "bool"
        },
        // "null below K".
        "comparisonToPeers": nullable(json!({
            "yourScore": "score",
            "peerAverage": "pct",
            "percentile": "int:0..100"
        }))
    })
}

/// AS-001.4 "Output `masteryTracking`".
fn learner_mastery() -> Value {
    json!({
        "summary": {
            "topicsMastered": "count",
            "topicsInProgress": "count",
            "topicsNotStarted": "count",
            "overallMasteryScore": "score",
            "masteryPercentage": "pct"
        },
        "pathBreakdown": [{
            "pathId": "uuid",
            "pathName": "str",
            "masteredSkills": "count",
            "totalSkills": "count",
            "masteryPercentage": "pct"
        }],
        "topicBreakdown": [{
            "topicId": "uuid",
            "topicName": "str",
            "status": "mastered|in_progress|not_started",
            "masteryLevel": "score",
            "masteryGrade": "Beginner|Developing|Proficient|Master",
            "progressToMaster": "pct",
            "practiceAttempts": "count",
            "successRate": "pct?",
            "averageScore": "pct?",
            "timeSpent": "num:0..",
            "retentionScore": "score",
            "lastPracticeDate": "date?",
            "needsReview": "bool",
            "nextReviewDate": "date?",
            // "Milestones = first dates the stored level reached 31, 61, 86": the spec gives
            // no type for `achievedAt`; the `*At` naming convention (api.md 1.1) makes it a ts.
            "milestones": [{
                "milestone": "Developing|Proficient|Master",
                "achievedAt": "ts",
                "level": "score"
            }],
            "strengthAreas": ["str"],
            "improvementAreas": ["str"]
        }],
        "nextSkillsToMaster": ["str"]
    })
}

/// AS-001.5 "Output:" (no attempts: scores null, counts 0, trend stable).
fn learner_performance() -> Value {
    let trend = "improving|declining|stable";
    json!({
        "overview": {
            "totalAssessments": "count",
            "completedAssessments": "count",
            "pendingAssessments": "count",
            "overallAverageScore": "pct?",
            "recentAverageScore": "pct?",
            "passRate": "pct?",
            "improvementTrend": trend,
            "trendStrength": "ratio?"
        },
        "performance": {
            "bestScore": "pct?",
            "worstScore": "pct?",
            "lastScore": "pct?",
            "scoreProgression": ["pct"]
        },
        "passAnalysis": {"passThreshold": "pct", "totalPassed": "count", "totalFailed": "count"},
        "topicBreakdown": [{
            "topicId": "uuid",
            "topicName": "str",
            "averageScore": "pct?",
            "assessmentCount": "count",
            "trend": trend
        }],
        "timeEfficiency": {
            "averageCompletionTime": "num:0..?",
            "timeEfficiencyRatio": "num:0..?",
            "quickestCompletion": "num:0..?"
        },
        "retryPatterns": {
            "retryRate": "pct?",
            "retrySuccessRate": "pct?",
            "averageAttemptsToPass": "num:1..?"
        },
        "predictions": {
            "projectedNextScore": "score",
            "riskLevel": "high|medium|low",
            "recommendedStudyTime": "int:2.."
        },
        "skillsAcquiredViaAssessments": "count"
    })
}

/// AS-001.6, learner scope. The spec names the lists; the item fields of `topContent` /
/// `lowContent` ("3 best/worst items") are the domain's (`content_effectiveness.rs`).
fn learner_content_effectiveness() -> Value {
    let item = json!({"contentId": "uuid", "title": "str", "type": CONTENT_TYPE, "score": "pct"});
    json!({
        "effectivenessByType": [{"type": CONTENT_TYPE, "avgScore": "pct?", "count": "count"}],
        "engagementToScoreCorrelation": "num:-1..1?",
        "topContent": [item],
        "lowContent": [item],
        "recommendedContentType": format!("{CONTENT_TYPE}?"),
        "insights": ["str"]
    })
}

/// L7: the six analytics keyed by their endpoint names in camelCase (decision 10).
fn learner_overview() -> Value {
    json!({
        // Tolerated: the prototype's L7 field list (api.md 2.3 "L7 overview") starts with
        // `userId`; the README's precedence table does not remove it.
        "userId": "uuid",
        "velocity": nullable(learner_velocity()),
        "skillGap": nullable(learner_skill_gap()),
        "engagement": nullable(learner_engagement()),
        "mastery": nullable(learner_mastery()),
        "performance": nullable(learner_performance()),
        "contentEffectiveness": nullable(learner_content_effectiveness())
    })
}

/// AS-002.7: "objects … each holding exactly the fields named in the bullet of the same name
/// (rates/averages `num`, counts `int`, labels `str`, `lastActivityDate date`)".
fn course_performance() -> Value {
    json!({
        "courseInfo": {
            "courseId": "uuid",
            "courseName": "str",
            "trainerId": "uuid?",
            "trainerName": "str?",
            "createdDate": "date",
            "lastUpdated": "ts",
            "isActive": "bool"
        },
        "enrollment": {
            "total": "count",
            "activeStudents": "count",
            "newEnrollmentsLast30Days": "count",
            "enrollmentGrowthRate": "num?",
            "enrollmentTrend": GROWTH
        },
        "completion": {
            "completionRate": "pct",
            "averageProgress": "pct?",
            "averageCompletionTime": "num:0..?",
            "dropoutRate": "pct",
            "dropoutStage": "str?"
        },
        "engagement": {
            "averageSessionDuration": "num:0..?",
            "averageWeeklyActivity": "num:0..?",
            "contentCompletionRate": "pct?",
            // "`forumParticipation = null` (no upstream) (decided here)".
            "forumParticipation": null,
            "lastActivityDate": "date?"
        },
        "performance": {
            "averageCourseScore": "pct?",
            "passRate": "pct?",
            "assessmentCompletionRate": "pct?",
            "topPerformingModule": "str?",
            "strugglingModule": "str?"
        },
        "feedback": {
            "averageRating": "num:1..5?",
            "totalReviews": "count",
            "ratingTrend": "improving|stable|declining?",
            "sentimentScore": "pct?",
            "commonFeedbackThemes": ["str"]
        },
        // Benchmarks compare across courses, so each obeys k (course_performance.rs
        // `Benchmarks`, all `Guarded`).
        "benchmarks": {
            "platformAverageCompletion": k_guarded("pct?"),
            "categoryAverageRating": k_guarded("num:1..5?"),
            "rankInCategory": k_guarded("int:1..?"),
            "performanceVsPeers": k_guarded("above|below|on_par?")
        },
        "predictions": {
            "atRiskStudents": "count",
            "projectedCompletions": "count",
            "potentialEnrollments": "count",
            "recommendedActions": ["str"]
        },
        "enrollmentHistory": [{"periodStart": "date", "enrollments": "count", "completions": "count"}],
        "insights": ["str"]
    })
}

/// AS-002.8 "Output `courseHealth`".
fn course_health() -> Value {
    let topic = json!({
        "topic": "str",
        "averageScore": "pct",
        "passRate": "pct",
        "averageAttempts": "num:1.."
    });
    json!({
        "courseId": "uuid",
        "courseName": "str",
        "overallHealth": "excellent|good|fair|poor",
        "healthScore": "score",
        "metrics": {
            "enrollments": {
                "total": "count",
                "active": "count",
                "trendPct": "num?",
                // "vs mean per platform course": a cross-course comparison, so it obeys k.
                "comparisonToAverage": k_guarded("num?")
            },
            "completion": {
                "rate": "pct?",
                "target": "pct",
                "variance": "num:-100..100?",
                "averageTimeToComplete": "num:0..?",
                "targetTime": "num:0..?"
            },
            "satisfaction": {
                "averageRating": "num:1..5?",
                "totalReviews": "count",
                "satisfactionScore": "pct?",
                "nps": "num:-100..100?",
                "ratingTrend": "num:-4..4?"
            }
        },
        "funnel": [{"stage": "enrolled|started|midpoint|completed", "count": "count", "pct": "pct"}],
        "dropOffAnalysis": {
            "overallDropOffRate": "pct",
            "dropOffPoints": [{
                "moduleId": "uuid",
                "moduleName": "str",
                "dropOffRate": "pct",
                "studentsDropped": "count",
                "avgProgressBeforeDrop": "pct",
                "likelyReasons": ["str"],
                "recommendedActions": ["str"],
                "priority": "high|medium|low",
                "isProblemArea": "bool"
            }]
        },
        "activityHeatmap": [["count"]],
        "contentPerformance": {"strugglingTopics": [topic], "highPerformanceTopics": [topic]},
        "atRiskStudentCount": "count",
        // "(trainer only)": absent for other roles.
        "atRiskStudents?": [{"userId": "uuid", "displayName": "str", "reasons": ["str"]}],
        "recommendations": [{"type": "str", "priority": "high|medium|low", "suggestion": "str"}]
    })
}

/// AS-002.9 "Output:" ("any segment with < K students -> `{insufficientData: true}`"; the
/// whole course is one such segment: student_distribution.rs flattens a `Guarded` after
/// `courseId` and `dateRange`).
fn student_distribution() -> Value {
    let attempts = "1|2|3|4plus";
    guarded(
        json!({
            "courseId": "uuid",
            "dateRange": {"start": "ts", "end": "ts"}
        }),
        json!({
            "scoreHistogram": [{
                "bucket": "0-9|10-19|20-29|30-39|40-49|50-59|60-69|70-79|80-89|90-100",
                "count": "count"
            }],
            "boxPlot": {"p25": "pct?", "p50": "pct?", "p75": "pct?", "p90": "pct?"},
            "attemptsDistribution": [{"attempts": attempts, "count": "count"}],
            "passRateByAttempts": [guarded(json!({"attempts": attempts}), json!({"passRate": "pct"}))],
            "atRiskClusterPct": "pct?",
            "performanceBands": [{"band": "high|medium|low", "count": "count", "pct": "pct"}],
            "engagementDistribution": [{"band": "highly_engaged|engaged|at_risk", "count": "count"}],
            "completionStatusDistribution": [{
                "status": "not_started|in_progress|completed|dropped",
                "count": "count"
            }],
            // "when no moduleId": null when filtered to one module.
            "moduleBreakdown": nullable(json!([guarded(
                json!({"moduleId": "uuid", "moduleName": "str"}),
                json!({"p50": "pct", "passRate": "pct", "avgAttemptsToPass": "num:1..?"})
            )])),
            "insights": ["str"]
        }),
    )
}

/// AS-002.10 (the spec lists the fields in the bullets; there is no "Output:" line).
fn teaching_effectiveness() -> Value {
    json!({
        // Tolerated additions (teaching_effectiveness.rs): the subject and the required
        // `start`/`end` filter echoed, and the peer group the comparisons used with its
        // `sampleSize` (decision 14: groups "carry `sampleSize` when shown").
        "trainerId": "uuid",
        "dateRange": {"start": "ts", "end": "ts"},
        "peerGroup": nullable(json!({
            "scope": "category|platform",
            "category": "str?",
            "sampleSize": "int:10.."
        })),
        "satisfaction": {"avg": "num:1..5?", "trend30d": ["num:1..5?"]},
        "passRate": {
            "trainerPct": "pct?",
            "peerPct": "pct?",
            "deltaPct": "num:-100..100?",
            "zScore": "num?"
        },
        "completionRate": {"trainerPct": "pct?", "peerPct": "pct?", "deltaPct": "num:-100..100?"},
        "scoreGain": {"meanDelta": "num:-100..100?", "effectSize": "num?"},
        "attemptsEfficiency": {"avgAttemptsToPass": "num:1..?", "firstTryPassPct": "pct?"},
        "peerPercentile": "int:0..100?",
        "averageStudentProgress": "pct?",
        "skillAcquisitionRate": "pct?",
        "studentRetentionRate": "pct?",
        "feedbackThemes": {"positive": ["str"], "negative": ["str"]}
    })
}

fn courses(schema: Value) -> Value {
    json!({"courses": [schema]})
}

/// AS-004.17 item.
fn recommendation_item(bucket: &str) -> Value {
    json!({
        "recommendationId": "uuid",
        "category": "str",
        "action": "str",
        "reason": "str",
        "source": "str",
        "bucket": format!("={bucket}"),
        "status": "new|saved|dismissed|completed",
        "createdAt": "ts"
    })
}

/// AS-004.17 "Output:".
fn recommendations() -> Value {
    json!({
        "subjectId": "uuid",
        "courseId": "uuid?",
        "generatedAt": "ts",
        "aiSummary": "str?",
        "recommendations": {
            "urgent": [recommendation_item("urgent")],
            "thisWeek": [recommendation_item("thisWeek")],
            "ongoing": [recommendation_item("ongoing")],
            "devlabInsights": [{
                "insight": "str",
                "withPracticePassRate": "pct",
                "withoutPracticePassRate": "pct",
                "sampleSize": "int:10.."
            }],
            "peerInsights": [{"insight": "str", "sampleSize": "int:10.."}],
            // "(org)": null for the learner and trainer rules.
            "workerKPIs": nullable(json!([{
                "workerId": "uuid",
                // Anonymous (decision 14): always null.
                "name": null,
                "missingSkills": ["str"],
                "kpiStatus": "off_track|at_risk|on_track?",
                "action": "str"
            }]))
        },
        "followThroughRate": "ratio?"
    })
}

fn trainer_overview() -> Value {
    json!({
        "trainerId": "uuid",
        "coursePerformance": nullable(courses(course_performance())),
        "courseHealth": nullable(courses(course_health())),
        "studentDistribution": nullable(courses(student_distribution())),
        "teachingEffectiveness": nullable(teaching_effectiveness()),
        // Spec README: T5 adds the trainer recommendations of AS-004.17.
        "recommendations": recommendations()
    })
}

const GRADE: &str = "A|B|C|D|F";

/// AS-003.11 "Output `orgLearningVelocity`".
fn org_learning_velocity() -> Value {
    json!({
        "organizationId": "uuid",
        "period": "str",
        "overview": {
            "totalEmployees": "count",
            "activelyLearning": "count",
            "participationRate": "pct?",
            "averageCompletionRate": "pct?",
            "skillsAcquiredThisQuarter": "count",
            "certificationsEarned": "count",
            "averageVelocity": "num:0..?",
            "velocityDistribution": {"high": "count", "medium": "count", "low": "count"}
        },
        // "ROI only with investment data (else null)".
        "roiMetrics": nullable(json!({
            "trainingInvestment": "num:0..",
            "productivityGains": "num:0..?",
            "roi": "num?",
            "costPerSkillAcquired": "num:0..?",
            "averageTimeToSkill": "num:0..?"
        })),
        "departmentBreakdown": [guarded(
            json!({"departmentId": "uuid", "departmentName": "str"}),
            json!({
                // Decision 14: shown groups carry `sampleSize`.
                "sampleSize": "int:10..",
                "totalEmployees": "count",
                "activelyLearning": "count",
                "participationRate": "pct?",
                "completionRate": "pct?",
                "skillsAcquired": "count",
                "topSkills": [{"skill": "str", "employeesWithSkill": "count"}],
                "skillGapClosure": "pct?",
                "target": "pct",
                "status": "on_track|at_risk|behind",
                // "closure change vs previous quarter": a signed number of points.
                "trend": "num:-100..100?"
            })
        )],
        "trends": {
            "quarterOverQuarter": "num?",
            "yearOverYear": "num?",
            "peakLearningMonth": "str?",
            "weeklyAverageVelocity": [{"weekStart": "date", "value": "num:0.."}]
        }
    })
}

/// AS-003.12 "Output:".
fn strategic_alignment() -> Value {
    json!({
        "orgId": "uuid",
        "dateRange": {"start": "date", "end": "date"},
        "kpis": [{
            "kpiId": "uuid",
            "name": "str",
            "target": "num",
            "achieved": "num",
            // "reported uncapped".
            "achievementPct": "num:0..",
            "weight": "num:0..",
            "status": "on_track|at_risk|off_track"
        }],
        // strategic_alignment.rs: null without a value proposition, the k marker when its
        // scope is a sub-group below K.
        "valueProposition": nullable(guarded(json!({}), json!({
            "valuePropId": "uuid",
            "skills": [{
                "skillId": "uuid",
                "name": "str",
                "requiredLevel": "int:0..4",
                "coveragePct": "pct"
            }],
            "overallSkillCoveragePct": "pct?"
        }))),
        "workerReadinessPct": "pct?",
        "trainingCompliance": {"mandatoryCompletionPct": "pct?", "nonCompliantCount": "count"},
        "alignmentScore": "pct?",
        "alignmentGrade": format!("{GRADE}?"),
        "alignmentMatrix": [{"kpiId": "uuid", "cells": [{"skillId": "uuid", "coveragePct": "pct"}]}],
        "gapAnalysis": {
            "criticalGaps": "count",
            "mediumGaps": "count",
            "lowGaps": "count",
            "topMissingSkills": [{"skill": "str", "priority": "critical|high|medium|low", "gap": "pct"}]
        },
        "departments": [guarded(
            json!({"departmentId": "uuid"}),
            json!({
                "sampleSize": "int:10..",
                "kpiAchievementPct": "pct?",
                "skillCoveragePct": "pct?",
                "trainingCompliancePct": "pct?",
                "alignmentScore": "pct?"
            })
        )],
        "insights": ["str"]
    })
}

/// AS-003.14 "Output: the fields above + departments, insights".
fn learning_culture() -> Value {
    json!({
        "voluntaryParticipationPct": "pct?",
        "voluntaryCompletionPct": "pct?",
        "mentoringEngagementPct": "pct?",
        "knowledgeSharingIndex": "num:0..?",
        "streaksActivePct": "pct?",
        "learningMaturityScore": "pct?",
        "averageEngagementScore": "pct?",
        "participationRatePct": "pct?",
        "learningFrequency": "num:0..?",
        "cultureGrade": format!("{GRADE}?"),
        "departments": [guarded(
            json!({"departmentId": "uuid"}),
            json!({
                "sampleSize": "int:10..",
                "voluntaryParticipationPct": "pct?",
                "knowledgeSharingIndex": "num:0..?",
                "learningMaturityScore": "pct?"
            })
        )],
        "insights": ["str"]
    })
}

/// AS-003.13 "Output: orgId, dateRange, groupType, teams, topTeams, bottomTeams, workers?".
fn org_performance() -> Value {
    json!({
        "orgId": "uuid",
        "dateRange": {"start": "date", "end": "date"},
        "groupType": "department|team",
        "teams": [guarded(
            json!({"teamId": "uuid", "teamName": "str"}),
            json!({
                "sampleSize": "int:10..",
                "skillCoveragePct": "pct?",
                "completionPct": "pct?",
                "engagementScore": "pct?",
                "passRatePct": "pct?",
                "avgTimeToCompleteDays": "num:0..?",
                "activeLearners": "count",
                "rank": "int:1..",
                "percentile": "int:0..100",
                "trend": "improving|stable|declining?"
            })
        )],
        "topTeams": ["str"],
        "bottomTeams": ["str"],
        // Only with `includeWorkers=true`.
        "workers?": [{
            "userId": "uuid",
            "displayName": "str",
            "departmentId": "uuid?",
            "teamId": "uuid?",
            "averagePace": "num:0..?",
            "engagementScore": "score?",
            "masteryPercentage": "pct?",
            "averageScore": "pct?",
            "completionPct": "pct?",
            "skillCoveragePct": "pct?",
            "dropOffRiskLevel": "critical|high|medium|low?"
        }]
    })
}

fn org_overview() -> Value {
    json!({
        "organizationId": "uuid",
        "learningVelocity": nullable(org_learning_velocity()),
        "strategicAlignment": nullable(strategic_alignment()),
        "learningCulture": nullable(learning_culture()),
        "orgPerformance": nullable(org_performance()),
        // Spec README: O5 adds the organisation recommendations of AS-004.17.
        "recommendations": recommendations()
    })
}

/// AS-005.19 peer comparison.
fn peer_comparison() -> Value {
    let metric = "overallProgress|averageScore|learningPace|engagementScore|skillsAcquired|masteryPercentage|coursesCompleted";
    let group = guarded(
        json!({}),
        json!({
            "groupSize": "int:10..",
            "averageProgress": "pct?",
            "averageScore": "pct?",
            "averagePace": "num:0..?",
            "averageEngagement": "pct?",
            "averageSkills": "num:0..?",
            "myPercentile": "int:0..100?",
            "percentiles": {
                "overallProgress": "int:0..100?",
                "averageScore": "int:0..100?",
                "learningPace": "int:0..100?",
                "engagementScore": "int:0..100?",
                "skillsAcquired": "int:0..100?",
                "masteryPercentage": "int:0..100?",
                "coursesCompleted": "int:0..100?"
            },
            "topPercentBand": "top_10|top_25|top_50|bottom_50?"
        }),
    );
    json!({
        "myMetrics": {
            "overallProgress": "pct?",
            "averageScore": "pct?",
            "learningPace": "num:0..?",
            "engagementScore": "score?",
            "skillsAcquired": "count",
            "masteryPercentage": "pct?",
            "coursesCompleted": "count"
        },
        "peerGroups": {
            "sameDepartment": group,
            "sameOrganization": group,
            "sameLearningPath": group,
            "sameCompetencyLevel": group,
            "platform": group
        },
        // Tolerated addition (peer.rs `PeerComparison::default_group`): names "the default
        // group (sameOrganization, else platform)" that strengths, areas and the chart use.
        "defaultGroup": "sameOrganization|platform",
        "strengthsComparedToPeers": [{
            "metric": metric,
            "yourValue": "num",
            "peerAverage": "num",
            "percentageBetter": "num:10.."
        }],
        "areasToImprove": [{
            "metric": metric,
            "yourValue": "num",
            "peerAverage": "num",
            "topPerformersAverage?": "num",
            "gap": "num:0.."
        }],
        "visualization": {
            "type": "=radar_chart",
            "dataPoints": [{
                "dimension": "Progress|Scores|Pace|Engagement|Skills",
                "you": "num?",
                "peers": "num?"
            }]
        },
        "privacyNote": "str"
    })
}

/// AS-005.18 skill demand.
fn skill_demand() -> Value {
    let skill = json!({
        "skillId": "uuid",
        "skillName": "str",
        "category": "str",
        "demandScore": "score",
        "enrollmentCount": "count",
        "valuePropCount": "count",
        "pathRequirementCount": "count",
        "trend": GROWTH,
        "growthRate": "num?",
        "acquisitionVelocity": "num:0..",
        "completionRate": "pct?"
    });
    json!({
        "dateRange": {"start": "ts", "end": "ts"},
        "topSkills": [skill],
        "fastestGrowing": [skill],
        "highestCompletion": [skill],
        "demandByCategory": [{"category": "str", "demandScore": "score", "topSkill": "str"}],
        "forecast": [{
            "skillId": "uuid",
            "skillName": "str",
            "forecastedDemand": "score",
            "confidence": "ratio?",
            "aiInsight": "str?"
        }],
        "insights": ["str"]
    })
}

/// AS-004.15 "Output `dropOffRiskPrediction`" with the factor names of its table.
fn drop_off_risk() -> Value {
    let level = "critical|high|medium|low";
    let category = |max: u32, factors: &[&str]| {
        let factors: Map<String, Value> = factors
            .iter()
            .map(|f| {
                (
                    (*f).to_owned(),
                    json!({"value": "num?", "points": format!("int:0..{max}")}),
                )
            })
            .collect();
        json!({"score": format!("int:0..{max}"), "maxScore": max, "factors": factors})
    };
    json!({
        "userId": "uuid",
        "courseId?": "uuid",
        "computedAt": "ts",
        "riskScore": "score",
        "riskLevel": level,
        "riskLevelColor": "red|orange|yellow|green",
        "riskFactors": {
            "engagement": category(40, &["daysSinceLastLogin", "loginsLast30Days", "averageSessionMinutes"]),
            "performance": category(30, &["recentAverageScore", "scoreTrend"]),
            "behavioral": category(20, &["contentCompletionRate", "helpRequestsLast30Days"]),
            "progress": category(10, &["courseProgress"])
        },
        "interventions": [{"action": "str", "priority": level, "reasoning": "str"}],
        "aiExplanation": {
            "summary": "str",
            "personalizedAdvice": "str",
            "predictedOutcome": "str",
            "motivationalMessage": "str"
        },
        "historicalTrend": [{"date": "date", "riskScore": "score", "riskLevel": level}],
        "metadata": {
            "modelVersion": "=rules-v1",
            "confidenceScore": "num:0.5..1",
            "dataCompletenessScore": "ratio",
            "cacheHit": "bool"
        }
    })
}

/// AS-004.16 "Output:".
fn forecast() -> Value {
    json!({
        "scope": "course|path",
        "subjectId": "uuid",
        // Tolerated: "courseId|pathId" is written as both keys, the one not forecast null.
        "courseId": "uuid?",
        "pathId": "uuid?",
        "forecast": {
            "completionProbability": "score",
            "expectedFinalGrade": "score?",
            "timeToCompleteWeeks": "count",
            "forecastCompletionDate": "date",
            "confidence": "ratio"
        },
        "scenario": {"weeklyStudyHours": "num:0..", "breakWeeks": "count"},
        "actualVsPredicted": [{"weekStart": "date", "actualTopics": "count", "predictedTopics": "num:0..?"}],
        "insights": ["str"],
        "aiExplanation": "str?"
    })
}

/// 8.3 badge.
fn badge() -> Value {
    json!({
        "badgeId": "str",
        "family": "str",
        "tier": "str?",
        "name": "str",
        "earned": "bool",
        "earnedDate": "date?",
        "description": "str",
        "progress": {"current": "count", "target": "int:1.."},
        "rarity": "common|uncommon|rare|epic|legendary",
        "rarityPct": "pct"
    })
}

/// 8.3 `nextMilestone`.
fn next_milestone() -> Value {
    json!({
        "badgeId": "str",
        "name": "str",
        "description": "str",
        "progress": {"current": "count", "target": "int:1.."},
        // Tolerated additions (badges.rs `NextMilestone`): the remaining count and the day
        // estimate behind the spec's `estimatedTime` text.
        "remaining": "int:1..",
        "estimatedDays": "count?",
        "estimatedTime": "str?"
    })
}

/// 8.4 leaderboard view.
fn leaderboard() -> Value {
    let kind = json!({
        "type": "points|completionSpeed|skills|departments",
        "scope": "platform|organization|department",
        "window": "weekly|monthly|allTime"
    });
    guarded(
        kind,
        json!({
            // Decision 14: shown populations carry `sampleSize`.
            "sampleSize": "int:10..",
            "yourPercentile": "int:0..100?",
            "yourBand": "top_10|top_25|top_50|top_75|bottom_25?",
            "cutPoints": {"p50": "num", "p75": "num", "p90": "num"},
            "fasterThanAveragePct": "num?",
            "top": [{
                "rank": "int:1..10",
                "value": "num",
                "isYou": "bool",
                // "Department boards list department names": null on every other board.
                "name": "str?"
            }]
        }),
    )
}

/// G1: `analytics.md` 8.5 `GET /gamification/{userId}`.
fn gamification_stats() -> Value {
    json!({
        "totalPoints": "count",
        "weeklyPoints": "count",
        "monthlyPoints": "count",
        "pointsBreakdown": {
            "courses": "count",
            "skills": "count",
            "assessments": "count",
            "practice": "count",
            "streak": "count"
        },
        "currentStreak": "count",
        "longestStreak": "count",
        "streakCalendar": [{"date": "date", "active": "bool"}],
        "consistencyStatus": {
            "label": "Highly Consistent|Consistent|Building Consistency",
            "activeDaysPerWeek": "num:0..7"
        },
        "velocityStatus": {
            "label": "Fast Learner|Steady Learner|Learning at Your Pace",
            "coursesPerMonth": "num:0.."
        },
        "momentumState": "On Fire|Warming Up|Needs Boost|Steady",
        "momentumRun": "count",
        "badges": [badge()],
        "earnedCount": "count",
        "totalBadges": "int:1..",
        "nextMilestone": nullable(next_milestone()),
        "leaderboard?": leaderboard(),
        "optOutLeaderboards": "bool"
    })
}

/// G2: every badge, earned or not (README table, 8.3).
fn gamification_achievements() -> Value {
    json!({
        "badges": [badge()],
        "earnedCount": "count",
        "totalBadges": "int:1..",
        "nextMilestone": nullable(next_milestone())
    })
}

/// G4: current and longest streak, 30-day calendar (8.2).
fn gamification_streak() -> Value {
    json!({
        "currentStreak": "count",
        "longestStreak": "count",
        "streakCalendar": [{"date": "date", "active": "bool"}]
    })
}

/// The expected `data` of an analytics read route, or `None` for other routes.
fn data_schema(id: &str) -> Option<Value> {
    Some(match id {
        "L1" => learner_velocity(),
        "L2" => learner_skill_gap(),
        "L3" => learner_engagement(),
        "L4" => learner_mastery(),
        "L5" => learner_performance(),
        "L6" => learner_content_effectiveness(),
        "L7" => learner_overview(),
        "T1" => courses(course_performance()),
        "T2" => courses(course_health()),
        "T3" => courses(student_distribution()),
        "T4" => teaching_effectiveness(),
        "T5" => trainer_overview(),
        "O1" => org_learning_velocity(),
        "O2" => strategic_alignment(),
        "O3" => learning_culture(),
        "O4" => org_performance(),
        "O5" => org_overview(),
        "C1" => peer_comparison(),
        "C2" => skill_demand(),
        "P1" => drop_off_risk(),
        "P2" => forecast(),
        "P3" => recommendations(),
        "G1" => gamification_stats(),
        "G2" => gamification_achievements(),
        "G3" => leaderboard(),
        "G4" => gamification_streak(),
        _ => return None,
    })
}

/// `api.md` 1.9 with decision 10's additions, without `data` (checked against its own schema).
fn envelope_schema(windowed: bool) -> Value {
    let mut envelope = json!({
        "cached": "bool",
        "lastUpdated": "ts",
        "expiresAt": "ts",
        "isStale": "bool",
        "source": "cache|stale_cache|calculated",
        "refreshJobId?": "uuid",
        "status": "complete|partial|insufficient_data",
        "lowConfidence": "bool",
        "coverage": "ratio",
        "warnings": ["str"]
    });
    if windowed {
        envelope["window"] = json!("7d|30d|90d");
    }
    envelope
}

// ---------------------------------------------------------------------------------------------
// The validator can fail
// ---------------------------------------------------------------------------------------------

#[test]
fn shapes_validator_reports_every_kind_of_mismatch() {
    let schema = json!({
        "count": "count",
        "score": "score",
        "share": "ratio",
        "pct": "pct?",
        "when": "ts",
        "precise": "ts",
        "day": "date",
        "id": "uuid",
        "level": "low|high",
        "fixed": "=radar_chart",
        "items": [{"n": "int:1..3"}],
        "map": {"*": "bool"},
        "maybe?": {"x": "str"},
        "group": guarded(json!({"name": "str"}), json!({"size": "int:10.."})),
        "ten": 10
    });
    let good = json!({
        "count": 0, "score": 100, "share": 0.5, "pct": null, "when": "2026-01-01T00:00:00Z",
        "precise": "2026-01-01T00:00:00.123Z", "day": "2026-01-01", "id": "6a2f1c9e-2d3b-4c5d-8e9f-0a1b2c3d4e5f", "level": "low",
        "fixed": "radar_chart", "items": [{"n": 1}, {"n": 3}], "map": {"a": true},
        "group": {"name": "x", "insufficientData": true, "minimumRequired": 10}, "ten": 10
    });
    assert_eq!(validate(&schema, &good), Vec::<String>::new());

    let bad = json!({
        "count": -1,                 // out of range
        "score": 99.5,               // not an integer
        "share": 1.5,                // ratio above 1
        "pct": "12",                 // wrong type
        "when": "2026-01-01",        // not a timestamp
        "precise": "2026-01-01T00:00:00.123456789Z", // finer than milliseconds
        "day": "2026-01-01T00:00:00Z", // not a date
        "id": "42",                  // not a UUID
        "level": "medium",           // bad enum value
        "fixed": "bar_chart",        // bad literal
        "items": [{"n": 4}, {}],     // out of range; missing
        "map": {"a": 1},             // wrong map value
        "maybe": {"x": "ok", "y": 1},// unexpected extra field in an optional object
        "group": {"name": "x", "size": 9}, // neither alternative
        "ten": 11,                   // wrong literal
        "extra": true                // unexpected field
    });
    let errors = validate(&schema, &bad);
    let expect = [
        "$.count: -1 out of range",
        "$.score: expected score",
        "$.share: 1.5 out of range",
        "$.pct: expected pct",
        "$.when: expected ts",
        "$.precise: expected ts",
        "$.day: expected date",
        "$.id: expected uuid",
        "$.level: \"medium\" is not one of low|high",
        "$.fixed: expected \"radar_chart\"",
        "$.items[0].n: 4 out of range",
        "$.items[1].n: missing",
        "$.map.a: expected bool",
        "$.maybe.y: unexpected field",
        "$.group: matches none of 2 alternatives",
        "$.ten: expected exactly 10",
        "$.extra: unexpected field",
    ];
    for fragment in expect {
        assert!(
            errors.iter().any(|e| e.starts_with(fragment)),
            "no error starting with {fragment:?} in {errors:#?}"
        );
    }
    // A missing required field, a null where none is allowed, a non-array, a non-object.
    let errors = validate(
        &json!({"a": "int", "b": "str", "c": ["int"], "d": {"x": "int"}}),
        &json!({"b": null, "c": 1, "d": []}),
    );
    assert_eq!(
        errors,
        [
            "$.a: missing",
            "$.b: null where str is required",
            "$.c: expected an array, got 1",
            "$.d: expected an object, got []",
        ]
    );
}

#[test]
fn shapes_schema_covers_every_analytics_read_route() {
    for spec in ROUTES {
        let analytics_read = spec.method == reqwest::Method::GET
            && [
                "/learner/analytics/",
                "/trainer/analytics/",
                "/org-admin/analytics/",
                "/comparison/",
                "/predictive/",
                "/gamification/",
            ]
            .iter()
            .any(|p| spec.path.contains(p));
        assert_eq!(
            analytics_read,
            data_schema(spec.id).is_some(),
            "route {} ({}) and the schema table disagree",
            spec.id,
            spec.path
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Real responses
// ---------------------------------------------------------------------------------------------

/// The demo role whose own subject a route addresses.
fn owner_role(spec: &RouteSpec) -> &'static str {
    match spec.id.as_bytes()[0] {
        b'T' => "trainer",
        b'O' => "org-admin",
        _ => "learner",
    }
}

fn path_for(spec: &RouteSpec, subject: &Session) -> String {
    let org = subject.organization_id.clone().unwrap_or_default();
    spec.path
        .replace("{userId}", &subject.user_id)
        .replace("{trainerId}", &subject.user_id)
        .replace("{orgId}", &org)
}

/// Fetches one envelope and returns every mismatch, prefixed with what was asked; also hands
/// back `data` for the non-emptiness checks.
async fn check_route(
    app: &TestApp,
    spec: &RouteSpec,
    path: &str,
    caller: &Session,
    role: &str,
) -> (Vec<String>, Value) {
    let label = format!("{} {path} as {role}", spec.id);
    let response = app
        .request(reqwest::Method::GET, path, Some(&caller.token), Some(role))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status != 200 {
        return (
            vec![format!("{label}: status {status}, body {body}")],
            Value::Null,
        );
    }
    let windowed = spec.path.contains("/analytics/");
    let mut errors = Vec::new();
    let mut envelope = body.as_object().cloned().unwrap_or_default();
    if envelope.remove("data").is_none() {
        errors.push("$.data: missing".to_owned());
    }
    errors.extend(validate(
        &envelope_schema(windowed),
        &Value::Object(envelope),
    ));
    errors.extend(envelope_invariants(&body, windowed));
    let data = body["data"].clone();
    if body["status"] == "insufficient_data" {
        if !data.is_null() {
            errors.push("$.data: must be null when insufficient_data".to_owned());
        }
    } else {
        let schema = data_schema(spec.id).expect("schema");
        errors.extend(validate(&schema, &data));
    }
    (
        errors
            .into_iter()
            .map(|e| format!("{label}: {e}"))
            .collect(),
        data,
    )
}

/// The relations between envelope fields (`api.md` 1.9): `expiresAt = lastUpdated + 6 h`,
/// `source` agrees with `cached` and `isStale`, and the default window is echoed.
fn envelope_invariants(body: &Value, windowed: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let time = |field: &str| {
        body[field]
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    };
    if let (Some(updated), Some(expires)) = (time("lastUpdated"), time("expiresAt"))
        && expires - updated != chrono::Duration::hours(6)
    {
        errors.push(format!(
            "$.expiresAt: {expires} is not lastUpdated {updated} + 6 h"
        ));
    }
    let expected_source = match (body["cached"].as_bool(), body["isStale"].as_bool()) {
        (Some(false), _) => Some("calculated"),
        (Some(true), Some(false)) => Some("cache"),
        (Some(true), Some(true)) => Some("stale_cache"),
        _ => None,
    };
    if let Some(expected) = expected_source
        && body["source"] != expected
    {
        errors.push(format!(
            "$.source: {} disagrees with cached/isStale (expected {expected})",
            body["source"]
        ));
    }
    if windowed && body["window"] != "30d" {
        errors.push(format!("$.window: default is 30d, got {}", body["window"]));
    }
    errors
}

/// Non-empty arrays at `pointer`s of `data`, so that element schemas were really exercised.
fn assert_non_empty(label: &str, data: &Value, pointers: &[&str]) {
    for pointer in pointers {
        let len = data
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(Vec::len);
        assert!(
            len.is_some_and(|n| n > 0),
            "{label}: expected a non-empty array at {pointer}, got {:?}",
            data.pointer(pointer)
        );
    }
}

#[tokio::test]
async fn shapes_of_every_analytics_endpoint_match_the_spec_for_each_demo_role() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let learner = app.login("learner@demo.local").await;
    let trainer = app.login("trainer@demo.local").await;
    let org_admin = app.login("orgadmin@demo.local").await;
    let admin = app.login("platformadmin@demo.local").await;
    let multirole = app.login("multirole@demo.local").await;

    let mut errors = Vec::new();
    let mut checked = 0;
    for spec in ROUTES.iter().filter(|s| data_schema(s.id).is_some()) {
        let role = owner_role(spec);
        let owner = match role {
            "trainer" => &trainer,
            "org-admin" => &org_admin,
            _ => &learner,
        };
        let path = path_for(spec, owner);
        // The owner in the demo role of the route.
        let (errs, data) = check_route(&app, spec, &path, owner, role).await;
        errors.extend(errs);
        non_empty_checks(spec.id, &data);
        // A platform admin addressing the same subject (decision 19: any subject).
        let (errs, _) = check_route(&app, spec, &path, &admin, "platform-admin").await;
        errors.extend(errs);
        // Gamification is kept per role and C2 takes any role: the trainer and the org admin
        // read their own too.
        if spec.id.starts_with('G') || spec.id == "C2" {
            for (session, role) in [(&trainer, "trainer"), (&org_admin, "org-admin")] {
                let path = path_for(spec, session);
                let (errs, _) = check_route(&app, spec, &path, session, role).await;
                errors.extend(errs);
            }
        }
        // The multi-role user in each role they hold that the route allows.
        for role in ["learner", "trainer", "org-admin"] {
            let allowed = match spec.role {
                la_http::policy::ActiveRoleRule::OneOf(roles) => {
                    roles.iter().any(|r| r.as_str() == role)
                }
                _ => true,
            };
            if allowed {
                let path = path_for(spec, &multirole);
                let (errs, _) = check_route(&app, spec, &path, &multirole, role).await;
                errors.extend(errs);
            }
        }
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} analytics routes checked");
    assert!(
        errors.is_empty(),
        "{} mismatches against analytics.md:\n{}",
        errors.len(),
        errors.join("\n")
    );
    app.stop().await;
}

/// The demo data fills the main lists, so their element schemas are exercised.
fn non_empty_checks(id: &str, data: &Value) {
    let pointers: &[&str] = match id {
        "L1" => &["/history"],
        "L2" => &["/prioritizedGaps", "/skillsAchieved"],
        "L4" => &["/topicBreakdown", "/pathBreakdown"],
        "L5" => &["/topicBreakdown", "/performance/scoreProgression"],
        "L6" => &["/effectivenessByType", "/topContent"],
        "T1" => &["/courses", "/courses/0/enrollmentHistory"],
        "T2" => &[
            "/courses",
            "/courses/0/funnel",
            "/courses/0/dropOffAnalysis/dropOffPoints",
        ],
        "T3" => &[
            "/courses",
            "/courses/0/scoreHistogram",
            "/courses/0/moduleBreakdown",
        ],
        "O1" => &["/departmentBreakdown", "/trends/weeklyAverageVelocity"],
        "O2" => &["/kpis", "/departments", "/alignmentMatrix"],
        "O3" => &["/departments"],
        "O4" => &["/teams"],
        "C1" => &["/strengthsComparedToPeers", "/visualization/dataPoints"],
        "C2" => &["/topSkills", "/forecast", "/demandByCategory"],
        "P1" => &["/interventions"],
        "P3" => &["/recommendations/thisWeek"],
        "G1" => &["/badges", "/streakCalendar", "/leaderboard/top"],
        "G2" => &["/badges"],
        "G4" => &["/streakCalendar"],
        _ => &[],
    };
    assert_non_empty(id, data, pointers);
    match id {
        "G2" => assert_eq!(
            data["badges"].as_array().map(Vec::len),
            data["totalBadges"].as_u64().map(|n| n as usize),
            "G2 lists every badge"
        ),
        "G1" | "G4" => assert_eq!(
            data["streakCalendar"].as_array().map(Vec::len),
            Some(30),
            "{id}: 30-day streak calendar"
        ),
        "T2" => {
            let heatmap = &data["courses"][0]["activityHeatmap"];
            assert_eq!(heatmap.as_array().map(Vec::len), Some(7), "T2 heatmap rows");
            assert_eq!(
                heatmap[0].as_array().map(Vec::len),
                Some(24),
                "T2 heatmap hours"
            );
        }
        _ => {}
    }
}
