//! The OpenAPI document against the route table and against real responses.

use crate::helpers::{SpawnOptions, spawn_app, spawn_app_with};
use la_http::policy::{ActiveRoleRule, ROUTES};
use serde_json::Value;
use std::collections::BTreeSet;

async fn fetch_document(app: &crate::helpers::TestApp) -> Value {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    response.json().await.unwrap()
}

/// (METHOD, path) of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let documented = documented_operations(&doc);
    // axum's `{userId}` templates are OpenAPI's syntax too, so they compare as they are.
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation: {undocumented:?}"
    );
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "documented but not routed: {unserved:?}"
    );

    for spec in ROUTES {
        let op = &doc["paths"][spec.path][spec.method.as_str().to_lowercase()];
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let param = |name: &str, place: &str| {
            params
                .iter()
                .find(|p| p["name"] == name && p["in"] == place)
                .cloned()
        };
        // Every path parameter of the template is declared, required.
        for name in spec
            .path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap())
        {
            let p = param(name, "path").unwrap_or_else(|| panic!("{} lacks {name}", spec.id));
            assert_eq!(p["required"], true, "{} {name}", spec.id);
        }
        // Authentication and the active-role header follow the table's rule.
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let role_header = param("X-Active-Role", "header");
        match spec.role {
            ActiveRoleRule::Ignored => {
                assert!(!secured, "{} is public", spec.id);
                assert!(role_header.is_none(), "{}", spec.id);
            }
            ActiveRoleRule::Optional => {
                assert!(secured, "{}", spec.id);
                assert_eq!(role_header.unwrap()["required"], false, "{}", spec.id);
            }
            ActiveRoleRule::Any | ActiveRoleRule::OneOf(_) => {
                assert!(secured, "{}", spec.id);
                assert_eq!(role_header.unwrap()["required"], true, "{}", spec.id);
                assert!(op["responses"]["401"].is_object(), "{}", spec.id);
                assert!(op["responses"]["403"].is_object(), "{}", spec.id);
            }
        }
        // S3 queues work and answers 202.
        let success = if spec.id == "S3" { "202" } else { "200" };
        assert!(op["responses"][success].is_object(), "{}", spec.id);
        assert!(op["responses"]["429"].is_object(), "{}", spec.id);
        // S3 (`/analytics/refresh`) recomputes every stored window and takes none.
        if spec.path.contains("/analytics/") && spec.id != "S3" {
            assert!(
                param("window", "query").is_some(),
                "{} lacks window",
                spec.id
            );
        }
    }
    let c2 = &doc["paths"]["/api/v1/comparison/skill-demand"]["get"]["parameters"];
    for name in ["timeframe", "skills"] {
        assert!(
            c2.as_array().unwrap().iter().any(|p| p["name"] == name),
            "skill demand lacks {name}"
        );
    }
    let bearer = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(bearer["scheme"], "bearer");
    app.stop().await;
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = spawn_app().await;
    let doc = fetch_document(&app).await;
    for (method, path) in documented_operations(&doc) {
        // Any well-formed id: unauthenticated calls stop at 401 before looking it up.
        let url = app.url(
            &path
                .replace("{userId}", &uuid::Uuid::nil().to_string())
                .replace("{trainerId}", &uuid::Uuid::nil().to_string())
                .replace("{orgId}", &uuid::Uuid::nil().to_string())
                // A known slug: an unknown one is a (documented) 404 SERVICE_NOT_FOUND.
                .replace("{serviceName}", "directory"),
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), url)
            .send()
            .await
            .unwrap();
        assert!(
            ![404, 405].contains(&response.status().as_u16()),
            "{method} {path}: {}",
            response.status()
        );
    }
    app.stop().await;
}

/// The names of a schema's properties, following `$ref`s into `components`.
fn properties(doc: &Value, schema_name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][schema_name]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema_name}"))
        .keys()
        .cloned()
        .collect()
}

fn keys(body: &Value) -> BTreeSet<String> {
    body.as_object().unwrap().keys().cloned().collect()
}

fn assert_documented(doc: &Value, schema: &str, body: &Value) {
    let documented = properties(doc, schema);
    let extra: Vec<_> = keys(body).difference(&documented).cloned().collect();
    assert!(extra.is_empty(), "{schema} does not document {extra:?}");
    let required = doc["components"]["schemas"][schema]["required"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for field in required {
        assert!(
            body.get(field.as_str().unwrap()).is_some(),
            "{schema}: {field} missing"
        );
    }
}

#[tokio::test]
async fn documented_schemas_match_real_responses() {
    let app = spawn_app_with(SpawnOptions::demo()).await;
    let doc = fetch_document(&app).await;
    let health: Value = app.get("/api/health").await.json().await.unwrap();
    assert_documented(&doc, "HealthReport", &health);
    let status: Value = app.get("/api/status").await.json().await.unwrap();
    assert_documented(&doc, "StatusReport", &status);
    assert_documented(&doc, "StatusMetrics", &status["metrics"]);
    let missing: Value = app.get("/api/v1/nothing-here").await.json().await.unwrap();
    assert_documented(&doc, "Error", &missing);

    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "learner@demo.local", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let login: Value = login.json().await.unwrap();
    assert_documented(&doc, "LoginResponse", &login);
    assert_documented(&doc, "User", &login["user"]);
    let token = login["token"].as_str().unwrap();
    let user = login["user"]["id"].as_str().unwrap();
    let me: Value = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_documented(&doc, "MeResponse", &me);
    assert_documented(&doc, "User", &me["user"]);
    let envelope = app
        .client
        .get(app.url(&format!("/api/v1/gamification/streak/{user}")))
        .bearer_auth(token)
        .header("x-active-role", "learner")
        .send()
        .await
        .unwrap();
    assert_eq!(envelope.status(), 200);
    let envelope: Value = envelope.json().await.unwrap();
    assert_documented(&doc, "AnalyticsEnvelope", &envelope);

    let pushed = app
        .client
        .post(app.url("/api/v1/ingest/skills"))
        .bearer_auth(crate::helpers::TEST_INGEST_KEY)
        .json(
            &serde_json::json!({"records": [{"id": "doc-skill", "name": "Docs", "category": "x"}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 200);
    let pushed: Value = pushed.json().await.unwrap();
    assert_documented(&doc, "IngestResponse", &pushed);
    assert_documented(&doc, "IdMapping", &pushed["ids"][0]);
    let deleted = app
        .client
        .delete(app.url("/api/v1/ingest/skills"))
        .bearer_auth(crate::helpers::TEST_INGEST_KEY)
        .json(&serde_json::json!({"keys": ["doc-skill"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let deleted: Value = deleted.json().await.unwrap();
    assert_documented(&doc, "IngestDeleteResponse", &deleted);
    app.stop().await;
}

#[tokio::test]
async fn the_docs_page_embeds_the_document_with_its_own_csp() {
    let app = spawn_app().await;
    let response = app.get("/api/docs").await;
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src https://cdn.jsdelivr.net"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let page = response.text().await.unwrap();
    assert!(page.contains("/api/v1/auth/login"));
    // Every other response keeps the strict policy.
    let health = app.get("/api/health").await;
    assert_eq!(
        health.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    app.stop().await;
}
