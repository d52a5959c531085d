//! Pure tests of parsing, id mapping and the record rules (the database side is tested in
//! `crates/storage/tests/ingest.rs` against real databases).

use super::wire::{WireEntity, parse_records};
use super::*;
use chrono::TimeZone;
use la_domain::model::{AssessmentAttempt, ContentInteraction, Course, User};
use la_domain::{IdKind, UserId};
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
}

fn attempt(id: &str) -> Value {
    json!({
        "id": id, "assessmentId": "asm-1", "userId": "user-1", "attemptNo": 1,
        "startedAt": "2026-03-10T10:00:00Z", "submittedAt": "2026-03-10T10:30:00Z",
        "durationMinutes": 30, "score": 7, "maxScore": 10, "passed": true,
    })
}

fn errors_of<T: WireEntity>(records: Vec<Value>) -> Vec<(Option<usize>, String, String)> {
    parse_records::<T>(records, now())
        .errors
        .into_iter()
        .map(|e| (e.index, e.field, e.reason))
        .collect()
}

#[test]
fn external_ids_map_to_uuid_v5_of_their_kind_and_are_listed() {
    let parsed = parse_records::<AssessmentAttempt>(vec![attempt("att-1")], now());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let (index, record) = &parsed.records[0];
    assert_eq!(*index, 0);
    assert_eq!(
        record.id.0,
        IdKind::AssessmentAttempt.map_external("att-1").unwrap()
    );
    assert_eq!(record.user_id, UserId::from_external("user-1").unwrap());
    let kinds: Vec<&str> = parsed.mapping.keys().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["assessment", "assessment-attempt", "user"]);
    // References are collected for the bulk existence check; the own id is not one.
    let fields: Vec<&str> = parsed.references.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(fields, ["assessmentId", "userId"]);
}

#[test]
fn a_uuid_id_is_kept_and_not_listed_as_a_mapping() {
    let id = Uuid::new_v4();
    let parsed = parse_records::<AssessmentAttempt>(vec![attempt(&id.to_string())], now());
    assert_eq!(parsed.records[0].1.id.0, id);
    assert!(
        !parsed
            .mapping
            .keys()
            .any(|(k, _)| *k == "assessment-attempt")
    );
}

#[test]
fn the_external_id_is_kept_only_where_the_entity_stores_one() {
    let user = json!({
        "id": "u-42", "displayName": "Ada", "roles": ["learner"], "competencyLevel": 2,
        "createdAt": "2026-01-01T00:00:00Z",
    });
    let parsed = parse_records::<User>(vec![user], now());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.records[0].1.external_id.as_deref(), Some("u-42"));
}

#[test]
fn every_bad_record_is_named_with_its_field_and_reason() {
    let mut missing = attempt("a2");
    missing.as_object_mut().unwrap().remove("userId");
    let mut bad_type = attempt("a3");
    bad_type["score"] = json!("high");
    let mut too_high = attempt("a4");
    too_high["score"] = json!(11);
    let mut future = attempt("a5");
    future["submittedAt"] = json!("2026-03-10T12:06:00Z");
    let mut skew_ok = attempt("a6");
    skew_ok["submittedAt"] = json!("2026-03-10T12:04:00Z");
    let mut bad_id = attempt("a 7");
    bad_id["userId"] = json!("x".repeat(129));
    let mut unknown = attempt("a8");
    unknown["colour"] = json!("red");
    let errors = errors_of::<AssessmentAttempt>(vec![
        attempt("a1"),
        missing,
        bad_type,
        too_high,
        future,
        skew_ok,
        bad_id,
        unknown,
        json!(7),
    ]);
    let expected: Vec<(Option<usize>, &str)> = vec![
        (Some(1), "userId"),
        (Some(2), "score"),
        (Some(3), "score"),
        (Some(4), "submittedAt"),
        (Some(6), "id"),
        (Some(6), "userId"),
        (Some(7), "colour"),
        (Some(8), ""),
    ];
    let got: Vec<(Option<usize>, &str)> = errors.iter().map(|(i, f, _)| (*i, f.as_str())).collect();
    assert_eq!(got, expected, "{errors:?}");
    assert_eq!(errors[0].2, "is required");
    assert!(errors[1].2.contains("invalid type"), "{}", errors[1].2);
    assert_eq!(errors[6].2, "unknown field");
}

#[test]
fn nested_unknown_fields_and_nested_ids_are_found() {
    let course = json!({
        "id": "c1", "title": "Rust", "category": "dev", "trainerIds": ["t1", "bad id"],
        "isActive": true, "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-02T00:00:00Z", "issuesCertificate": false,
        "taughtSkills": [{"skillId": "s1", "level": 2, "weight": 1}],
    });
    let errors = errors_of::<Course>(vec![course.clone()]);
    assert_eq!(
        errors,
        [(
            Some(0),
            "trainerIds[1]".into(),
            "may contain only letters, digits and . _ : -".into()
        )]
    );
    let mut fixed = course;
    fixed["trainerIds"] = json!(["t1"]);
    let errors = errors_of::<Course>(vec![fixed]);
    assert_eq!(
        errors,
        [(
            Some(0),
            "taughtSkills[0].weight".into(),
            "unknown field".into()
        )]
    );
}

#[test]
fn the_shape_learnt_from_one_record_does_not_hide_unknown_fields_of_the_next() {
    let course = |n: u32, skills: Value| {
        json!({
            "id": format!("c{n}"), "title": "Rust", "category": "dev", "trainerIds": [],
            "isActive": true, "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-02T00:00:00Z", "issuesCertificate": false,
            "taughtSkills": skills,
        })
    };
    let errors = errors_of::<Course>(vec![
        course(0, json!([])),
        course(1, json!([{"skillId": "s1", "level": 2, "weight": 1}])),
        course(2, json!([{"skillId": "s1", "level": 2}])),
        course(
            3,
            json!([{"skillId": "s1", "level": 2}, {"skillId": "s2", "level": 1, "w": 0}]),
        ),
    ]);
    assert_eq!(
        errors,
        [
            (
                Some(1),
                "taughtSkills[0].weight".into(),
                "unknown field".into()
            ),
            (Some(3), "taughtSkills[1].w".into(), "unknown field".into()),
        ]
    );
}

#[test]
fn two_records_with_one_key_are_refused() {
    let interaction = json!({
        "userId": "u1", "contentId": "c1", "startedAt": "2026-03-01T10:00:00Z",
        "lastInteractionAt": "2026-03-01T10:05:00Z", "durationSeconds": 300,
        "progressPct": 50, "completed": false,
    });
    let mut same_instant = interaction.clone();
    // The same instant spelled differently is the same key.
    same_instant["startedAt"] = json!("2026-03-01T11:00:00+01:00");
    let errors = errors_of::<ContentInteraction>(vec![interaction, same_instant]);
    assert_eq!(
        errors,
        [(
            Some(1),
            "userId".into(),
            "repeats the key of record 0".into()
        )]
    );
}

#[test]
fn one_uuid_spelled_two_ways_is_one_key() {
    // UUID ids are kept as sent, so the key must not depend on their spelling: two records
    // reaching the upsert with one key would fail the whole statement.
    let id = "0f3c5b9e-7a21-4c1e-9d2b-1a2b3c4d5e6f";
    let upper = attempt(&id.to_uppercase());
    let parsed = parse_records::<AssessmentAttempt>(vec![attempt(id), upper], now());
    let errors: Vec<_> = parsed
        .errors
        .into_iter()
        .map(|e| (e.index, e.field, e.reason))
        .collect();
    assert_eq!(
        errors,
        [(Some(1), "id".into(), "repeats the key of record 0".into())]
    );
    assert_eq!(parsed.records[0].1.id.0.to_string(), id);
    assert!(
        parsed
            .mapping
            .keys()
            .all(|(_, external)| !external.eq_ignore_ascii_case(id)),
        "a UUID is not an external id"
    );
}

#[test]
fn a_level_outside_0_to_4_and_an_unknown_enum_value_are_refused() {
    // serde stops at a record's first type error, so each record carries one.
    let user = json!({
        "id": "u1", "displayName": "Ada", "roles": ["admin"], "competencyLevel": 2,
        "createdAt": "2026-01-01T00:00:00Z",
    });
    let errors = errors_of::<User>(vec![user.clone()]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].1, "roles[0]");
    assert!(errors[0].2.contains("org-admin"), "{errors:?}");
    let mut user = user;
    user["roles"] = json!(["learner"]);
    user["competencyLevel"] = json!(5);
    let errors = errors_of::<User>(vec![user]);
    assert_eq!(errors[0].1, "competencyLevel", "{errors:?}");
    assert!(errors[0].2.contains("0 to 4"), "{errors:?}");
}

#[test]
fn every_entity_has_a_key_and_its_path_name_round_trips() {
    for kind in EntityKind::ALL {
        assert_eq!(entity_kind(kind.as_str()).unwrap(), *kind);
        assert!(!key_fields(*kind).is_empty());
    }
    assert!(matches!(
        entity_kind("attempts"),
        Err(IngestError::UnknownEntity(_))
    ));
}

#[test]
fn validation_paths_name_the_list_index_and_field() {
    let error = IngestError::Invalid {
        list: "records",
        errors: vec![
            FieldError::record(3, "score", "too high".into()),
            FieldError::record(3, "score", "not a number".into()),
            FieldError::record(4, "", "must be an object".into()),
        ],
    };
    let map = error.validation_map();
    assert_eq!(map["records[3].score"], "too high; not a number");
    assert_eq!(map["records[4]"], "must be an object");
}
