//! The access matrix (`api.md` 1.3, 1.4, 3.1): every protected route of the route table ×
//! {no token, malformed token, expired token, token signed with another key, `alg: none`
//! token, no `X-Active-Role`, an invalid role value, a role the user does not hold, a held role
//! the route does not allow, another user's / trainer's / organisation's id, the owner, a
//! platform admin}, with the exact status and `error` code, over HTTP on a real server.
//!
//! The fixture knows each route by its id: a route added to `ROUTES` without an entry here
//! makes the test fail.

use crate::helpers::{
    Session, SpawnOptions, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, TestApp, spawn_app_with,
    status_and_code,
};
use la_app::auth::TokenCodec;
use la_domain::{OrgId, Role, UserId};
use la_http::policy::{ActiveRoleRule, ROUTES, RouteSpec, SubjectRule};

struct Users {
    learner: Session,
    trainer: Session,
    org_admin: Session,
    platform_admin: Session,
    other_learner: Session,
    other_trainer: Session,
    other_org_admin: Session,
}

/// The user who owns a route's subject, the role they use, and the path addressing them.
fn owner<'a>(spec: &RouteSpec, users: &'a Users) -> (&'a Session, &'static str) {
    match spec.id {
        "A3" | "A4" | "L1" | "L2" | "L3" | "L4" | "L5" | "L6" | "L7" | "C1" | "C2" | "P1"
        | "P2" | "P3" | "P4" | "G1" | "G2" | "G3" | "G4" | "G5" => (&users.learner, "learner"),
        "T1" | "T2" | "T3" | "T4" | "T5" => (&users.trainer, "trainer"),
        "O1" | "O2" | "O3" | "O4" | "O5" => (&users.org_admin, "org-admin"),
        "IN1" | "IN2" | "I5" => (&users.platform_admin, "platform-admin"),
        "I3" | "I4" | "I6" => (&users.learner, "learner"),
        "S3" | "J1" | "J2" => (&users.learner, "learner"),
        other => panic!("route {other} has no entry in the access matrix"),
    }
}

/// The same route addressing another organisation's user / trainer / organisation.
fn other_subject_id(spec: &RouteSpec, users: &Users) -> Option<String> {
    match spec.subject {
        SubjectRule::None => None,
        SubjectRule::OwnUser => Some(users.other_learner.user_id.clone()),
        SubjectRule::OwnTrainer => Some(users.other_trainer.user_id.clone()),
        SubjectRule::OwnOrganization => users.other_org_admin.organization_id.clone(),
    }
}

fn subject_id(spec: &RouteSpec, session: &Session) -> String {
    match spec.subject {
        SubjectRule::OwnOrganization => session.organization_id.clone().unwrap(),
        _ => session.user_id.clone(),
    }
}

fn path_for(spec: &RouteSpec, id: &str) -> String {
    spec.path
        .replace("{jobId}", &uuid::Uuid::nil().to_string())
        .replace("{userId}", id)
        .replace("{trainerId}", id)
        .replace("{orgId}", id)
        .replace("{entity}", "skills")
        .replace("{serviceName}", "directory")
        // Any id: the matrix checks access; the real item is the recommendations test's.
        .replace("{recommendationId}", "00000000-0000-4000-8000-000000000000")
}

/// What an allowed caller gets once every access check passed: 200, except where the
/// matrix's request cannot succeed (P4's made-up recommendation id and J1/J2's unknown job:
/// 404; S3 without a body: 415).
fn success(spec: &RouteSpec) -> (u16, Option<&'static str>) {
    match spec.id {
        "P4" | "J1" | "J2" => (404, Some("NOT_FOUND")),
        // The matrix sends S3 no body; its success is the jobs tests'.
        "S3" => (415, Some("UNSUPPORTED_MEDIA_TYPE")),
        _ => (200, None),
    }
}

/// The body a route needs to succeed for its owner (routes that read none get none).
fn body_for(spec: &RouteSpec) -> Option<serde_json::Value> {
    match spec.id {
        "IN1" => Some(serde_json::json!({
            "records": [{"id": "access-matrix-skill", "name": "Access matrix", "category": "testing"}]
        })),
        "IN2" => Some(serde_json::json!({"keys": ["access-matrix-skill"]})),
        "G5" => Some(serde_json::json!({"optOutLeaderboards": false, "shareAchievements": true})),
        "P4" => Some(serde_json::json!({"status": "saved"})),
        // Needs no upstream: succeeds in the matrix's all-mock server.
        "I3" => Some(serde_json::json!({"testType": "mock-data"})),
        _ => None,
    }
}

/// A held role that the route refuses, with a user holding it.
fn disallowed<'a>(spec: &RouteSpec, users: &'a Users) -> Option<(&'a Session, &'static str)> {
    match spec.role {
        ActiveRoleRule::OneOf(allowed) if !allowed.contains(&Role::Learner) => {
            Some((&users.learner, "learner"))
        }
        ActiveRoleRule::OneOf(allowed) if !allowed.contains(&Role::Trainer) => {
            Some((&users.trainer, "trainer"))
        }
        _ => None,
    }
}

/// A role the owner does not hold.
fn unheld_role(owner_role: &str) -> &'static str {
    if owner_role == "trainer" {
        "learner"
    } else {
        "trainer"
    }
}

/// Forged tokens for the owner: expired, signed with another key, `alg: none`.
fn forged_tokens(session: &Session) -> Vec<(&'static str, String)> {
    let codec = TokenCodec::new(TEST_JWT_SECRET.as_bytes(), TEST_ISSUER, TEST_AUDIENCE);
    let user = UserId(session.user_id.parse().unwrap());
    let org = session
        .organization_id
        .as_ref()
        .map(|o| OrgId(o.parse().unwrap()));
    let roles = [
        Role::Learner,
        Role::Trainer,
        Role::OrgAdmin,
        Role::PlatformAdmin,
    ];
    let sid = uuid::Uuid::new_v4();
    // Issued 2 h ago: expired an hour ago, far beyond the 30 s leeway.
    let expired = codec.encode(&codec.claims(
        user,
        "x@demo.local",
        &roles,
        org,
        sid,
        chrono::Utc::now() - chrono::Duration::hours(2),
    ));
    let other_key = TokenCodec::new(
        b"another-key-another-key-another-key!",
        TEST_ISSUER,
        TEST_AUDIENCE,
    );
    let foreign = other_key.encode(&other_key.claims(
        user,
        "x@demo.local",
        &roles,
        org,
        sid,
        chrono::Utc::now(),
    ));
    // The real token's payload under an unsigned `alg: none` header.
    let payload = session.token.split('.').nth(1).unwrap();
    // base64url of {"alg":"none","typ":"JWT"}
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    vec![
        ("malformed token", "not.a.jwt".to_owned()),
        ("expired token", expired),
        ("token signed with another key", foreign),
        ("alg none token", alg_none),
    ]
}

struct Matrix<'a> {
    app: &'a TestApp,
    failures: Vec<String>,
    checked: usize,
}

impl Matrix<'_> {
    async fn expect(
        &mut self,
        spec: &RouteSpec,
        case: &str,
        path: &str,
        token: Option<&str>,
        role: Option<&str>,
        expected: (u16, Option<&str>),
    ) {
        let mut request = self.app.request(spec.method.clone(), path, token, role);
        if let Some(body) = body_for(spec) {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let got = status_and_code(response).await;
        self.checked += 1;
        if (got.0, got.1.as_deref()) != expected {
            self.failures.push(format!(
                "{} {} [{case}]: expected {expected:?}, got {got:?}",
                spec.id, spec.path
            ));
        }
    }
}

#[tokio::test]
async fn every_protected_route_refuses_whom_it_must_and_serves_its_owner() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let users = Users {
        learner: app.login("learner@demo.local").await,
        trainer: app.login("trainer@demo.local").await,
        org_admin: app.login("orgadmin@demo.local").await,
        platform_admin: app.login("platformadmin@demo.local").await,
        other_learner: app.login("learner@second.demo.local").await,
        other_trainer: app.login("trainer@second.demo.local").await,
        other_org_admin: app.login("orgadmin@second.demo.local").await,
    };
    let mut matrix = Matrix {
        app: &app,
        failures: Vec::new(),
        checked: 0,
    };
    const UNAUTHORIZED: (u16, Option<&str>) = (401, Some("UNAUTHORIZED"));
    let protected: Vec<&RouteSpec> = ROUTES
        .iter()
        .filter(|r| r.role != ActiveRoleRule::Ignored)
        .collect();
    assert!(
        protected.len() >= 27,
        "{} protected routes",
        protected.len()
    );
    let mut logout = None;
    for spec in protected {
        let (session, role) = owner(spec, &users);
        let path = path_for(spec, &subject_id(spec, session));
        let header_required = matches!(spec.role, ActiveRoleRule::Any | ActiveRoleRule::OneOf(_));

        matrix
            .expect(spec, "no token", &path, None, Some(role), UNAUTHORIZED)
            .await;
        for (case, token) in forged_tokens(session) {
            matrix
                .expect(spec, case, &path, Some(&token), Some(role), UNAUTHORIZED)
                .await;
        }
        if spec.id == "A4" {
            // Logging out ends the session the other cases use: check it last.
            logout = Some((spec, path));
            continue;
        }
        let without_header = if header_required {
            (400, Some("ACTIVE_ROLE_REQUIRED"))
        } else {
            success(spec)
        };
        matrix
            .expect(
                spec,
                "no X-Active-Role",
                &path,
                Some(&session.token),
                None,
                without_header,
            )
            .await;
        matrix
            .expect(
                spec,
                "invalid role value",
                &path,
                Some(&session.token),
                Some("admin"),
                (400, Some("VALIDATION_ERROR")),
            )
            .await;
        matrix
            .expect(
                spec,
                "role not held",
                &path,
                Some(&session.token),
                Some(unheld_role(role)),
                (403, Some("ROLE_NOT_ASSIGNED")),
            )
            .await;
        if let Some((holder, held)) = disallowed(spec, &users) {
            let path = path_for(spec, &subject_id(spec, holder));
            matrix
                .expect(
                    spec,
                    "held role not allowed",
                    &path,
                    Some(&holder.token),
                    Some(held),
                    (403, Some("FORBIDDEN")),
                )
                .await;
        }
        if let Some(other_id) = other_subject_id(spec, &users) {
            let other_path = path_for(spec, &other_id);
            matrix
                .expect(
                    spec,
                    "another subject's id",
                    &other_path,
                    Some(&session.token),
                    Some(role),
                    (403, Some("FORBIDDEN")),
                )
                .await;
            matrix
                .expect(
                    spec,
                    "malformed subject id",
                    &path_for(spec, "not-a-uuid"),
                    Some(&session.token),
                    Some(role),
                    (400, Some("VALIDATION_ERROR")),
                )
                .await;
            // A platform admin reaches any subject; an unknown one is 404. Decision 17's
            // writes (P4, G5) are own-user only, for platform admins too.
            let own_user_only = matches!(spec.id, "P4" | "G5");
            let forbidden = (403, Some("FORBIDDEN"));
            matrix
                .expect(
                    spec,
                    "platform admin, another organisation's subject",
                    &other_path,
                    Some(&users.platform_admin.token),
                    Some("platform-admin"),
                    if own_user_only {
                        forbidden
                    } else {
                        success(spec)
                    },
                )
                .await;
            matrix
                .expect(
                    spec,
                    "platform admin, unknown subject",
                    &path_for(spec, &uuid::Uuid::new_v4().to_string()),
                    Some(&users.platform_admin.token),
                    Some("platform-admin"),
                    if own_user_only {
                        forbidden
                    } else {
                        (404, Some("NOT_FOUND"))
                    },
                )
                .await;
        }
        matrix
            .expect(
                spec,
                "owner",
                &path,
                Some(&session.token),
                Some(role),
                success(spec),
            )
            .await;
    }
    let (spec, path) = logout.expect("the route table has logout");
    let session = &users.learner;
    matrix
        .expect(
            spec,
            "owner logs out",
            &path,
            Some(&session.token),
            None,
            (200, None),
        )
        .await;
    matrix
        .expect(
            spec,
            "revoked token",
            &path,
            Some(&session.token),
            None,
            UNAUTHORIZED,
        )
        .await;
    let failures = std::mem::take(&mut matrix.failures);
    let checked = matrix.checked;
    assert!(
        failures.is_empty(),
        "{} of {checked} access checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "{checked} checks");
    app.stop().await;
}
