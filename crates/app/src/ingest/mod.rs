//! Push ingestion (spec README decisions 2, 8 and 11): `POST /api/v1/ingest/{entity}` with
//! `{"records": [...]}` and `DELETE /api/v1/ingest/{entity}` with `{"keys": [...]}`.
//!
//! A request is all-or-nothing. Every record is parsed and checked (types, enumerations,
//! required fields, ranges, clock skew, unknown fields, repeated keys), then every reference
//! is resolved against the same request and the database with one bulk look-up per
//! referenced entity, and the rules that need stored rows (an attempt's score within its
//! assessment's `maxScore`, unique emails) run the same way. Any error rejects the whole
//! request with every bad record's index, field and reason; nothing is written. Otherwise the
//! records are upserted in one transaction with provenance `push` and `syncedAt = now`, and
//! the outcome says how many rows were new, changed or identical.
//!
//! Ids may be UUIDs or external strings (1-128 of `[A-Za-z0-9._:-]`); external ones map to
//! UUID v5 per entity kind, references included, and the outcome lists the mapping.

mod check;
mod entities;
pub mod keys;
mod wire;

pub use check::CLOCK_SKEW;
pub use keys::IngestKeys;

use crate::ports::{ChangeCounts, KeyValue, PushIngestStore, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use entities::with_entity;
use la_domain::model::{DataSource, EntityKind, Provenance};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;
use wire::{KeyType, StoredRule, WireEntity};

/// Most records (or keys) in one request (decision 2).
pub const MAX_RECORDS: usize = 10_000;

/// One problem with a request: the record (or key) at `index` and its field, or the body
/// itself when `index` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub index: Option<usize>,
    /// camelCase path inside the record (`taughtSkills[1].skillId`); empty for the whole
    /// record.
    pub field: String,
    pub reason: String,
}

impl FieldError {
    fn record(index: usize, field: &str, reason: String) -> Self {
        FieldError {
            index: Some(index),
            field: field.to_owned(),
            reason,
        }
    }

    fn body(field: &str, reason: impl Into<String>) -> Self {
        FieldError {
            index: None,
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    /// The name of the field in the request body, for the `validation` map of the error body:
    /// `records[3].score`, `records[3]`, or a top-level name.
    pub fn path(&self, list: &str) -> String {
        match (self.index, self.field.is_empty()) {
            (Some(i), true) => format!("{list}[{i}]"),
            (Some(i), false) => format!("{list}[{i}].{}", self.field),
            (None, _) => self.field.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The path names no entity (maps to 404).
    #[error("unknown entity `{0}`")]
    UnknownEntity(String),
    /// The request is invalid; nothing was written (maps to 400 `VALIDATION_ERROR`). `list`
    /// is the body's list (`records` or `keys`) that indexes refer to.
    #[error("{} invalid field(s)", errors.len())]
    Invalid {
        list: &'static str,
        errors: Vec<FieldError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    /// The errors as the `validation` map of the error body (field path -> reason; reasons
    /// of one path joined).
    pub fn validation_map(&self) -> BTreeMap<String, String> {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        if let IngestError::Invalid { list, errors } = self {
            for error in errors {
                map.entry(error.path(list))
                    .and_modify(|r| {
                        r.push_str("; ");
                        r.push_str(&error.reason);
                    })
                    .or_insert_with(|| error.reason.clone());
            }
        }
        map
    }
}

/// A non-UUID id of the request and the UUID it maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdMapping {
    /// The id kind (`user`, `content-item`, …).
    pub kind: &'static str,
    pub external_id: String,
    pub id: Uuid,
}

/// The success body of `POST /api/v1/ingest/{entity}` (decision 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestOutcome {
    pub entity: EntityKind,
    pub received: usize,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Every external id of the request (own ids and references), sorted by kind and id.
    pub ids: Vec<IdMapping>,
    /// The coalesced recalculation this push requested, when rows changed and the job queue
    /// runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_job_id: Option<Uuid>,
}

/// The success body of `DELETE /api/v1/ingest/{entity}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOutcome {
    pub entity: EntityKind,
    pub received: usize,
    pub deleted: u64,
    /// Keys that matched no stored row (deleting is idempotent).
    pub not_found: u64,
    pub ids: Vec<IdMapping>,
    /// As [`IngestOutcome::refresh_job_id`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_job_id: Option<Uuid>,
}

/// The push-ingestion use case as the HTTP layer holds it: the store and the configured
/// ingest keys.
#[derive(Clone)]
pub struct IngestService {
    store: std::sync::Arc<dyn PushIngestStore>,
    keys: std::sync::Arc<IngestKeys>,
    refresh: Option<Refresh>,
}

/// Where the recalculation after a push is requested (decision 2).
#[derive(Clone)]
struct Refresh {
    jobs: std::sync::Arc<dyn crate::ports::JobStore>,
    orgs: std::sync::Arc<dyn crate::ports::AnalyticsInputStore>,
}

impl IngestService {
    pub fn new(store: std::sync::Arc<dyn PushIngestStore>, keys: IngestKeys) -> Self {
        IngestService {
            store,
            keys: std::sync::Arc::new(keys),
            refresh: None,
        }
    }

    /// The same service, requesting the coalesced `ingest-refresh` recalculation after every
    /// push or delete that changed stored rows.
    pub fn with_refresh(
        mut self,
        jobs: std::sync::Arc<dyn crate::ports::JobStore>,
        orgs: std::sync::Arc<dyn crate::ports::AnalyticsInputStore>,
    ) -> Self {
        self.refresh = Some(Refresh { jobs, orgs });
        self
    }

    /// Requests the recalculation of every organisation (a record's subjects are not traced
    /// back to organisations; one coalesced job recomputes them all, which costs the same
    /// as one organisation while each refresh loads the whole platform). After the commit:
    /// a failure to enqueue is logged and the daily batch catches up; the pushed rows stay.
    async fn request_refresh(&self, changed: u64) -> Option<Uuid> {
        let refresh = self.refresh.as_ref().filter(|_| changed > 0)?;
        let result = async {
            let orgs = refresh.orgs.organization_ids().await?;
            crate::jobs::request_ingest_refresh(refresh.jobs.as_ref(), &orgs, Utc::now()).await
        }
        .await;
        match result {
            Ok(enqueued) => Some(enqueued.id()),
            Err(error) => {
                tracing::error!(%error, "could not request the recalculation after a push");
                None
            }
        }
    }

    /// The name of the ingest key `bearer` is, if it is one.
    pub fn key_name(&self, bearer: &str) -> Option<&str> {
        self.keys.verify(bearer)
    }

    /// [`ingest`] at the current time, then the recalculation request.
    pub async fn ingest(&self, entity: &str, body: &[u8]) -> Result<IngestOutcome, IngestError> {
        let mut outcome = ingest(self.store.as_ref(), entity, body, Utc::now()).await?;
        outcome.refresh_job_id = self
            .request_refresh(outcome.inserted + outcome.updated)
            .await;
        Ok(outcome)
    }

    /// [`delete`], then the recalculation request.
    pub async fn delete(&self, entity: &str, body: &[u8]) -> Result<DeleteOutcome, IngestError> {
        let mut outcome = delete(self.store.as_ref(), entity, body).await?;
        outcome.refresh_job_id = self.request_refresh(outcome.deleted).await;
        Ok(outcome)
    }
}

/// The entity named by a path segment (`assessment-attempts`).
pub fn entity_kind(name: &str) -> Result<EntityKind, IngestError> {
    EntityKind::parse(name).map_err(|_| IngestError::UnknownEntity(name.to_owned()))
}

/// The key fields of an entity (decision 11), camelCase, in the order of its key columns.
pub fn key_fields(kind: EntityKind) -> Vec<&'static str> {
    with_entity!(kind, T => T::KEY.iter().map(|(field, _)| *field).collect())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordsBody {
    records: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysBody {
    keys: Vec<Value>,
}

fn parse_body<B: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<B, IngestError> {
    serde_json::from_slice(body).map_err(|e| IngestError::Invalid {
        list: "records",
        errors: vec![FieldError::body("body", format!("malformed: {e}"))],
    })
}

fn check_count(list: &'static str, n: usize) -> Result<(), IngestError> {
    if (1..=MAX_RECORDS).contains(&n) {
        return Ok(());
    }
    Err(IngestError::Invalid {
        list,
        errors: vec![FieldError::body(
            list,
            format!("must hold 1 to {MAX_RECORDS} entries, got {n}"),
        )],
    })
}

/// Validates and upserts the records of `body` (`{"records": [...]}`) as entity `entity`.
#[tracing::instrument(skip(store, body), fields(bytes = body.len()))]
pub async fn ingest<S: PushIngestStore + ?Sized>(
    store: &S,
    entity: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<IngestOutcome, IngestError> {
    let kind = entity_kind(entity)?;
    let body: RecordsBody = parse_body(body)?;
    check_count("records", body.records.len())?;
    with_entity!(kind, T => ingest_as::<T, S>(store, body.records, DataSource::Push, now).await)
}

/// The same validated, all-or-nothing upsert as [`ingest`] for records already parsed from
/// JSON, written with provenance `source`: upstream collectors use it so that pulled and
/// pushed records pass exactly the same checks (decision 1). At most [`MAX_RECORDS`] per call.
#[tracing::instrument(skip(store, records), fields(entity = %kind, records = records.len()))]
pub async fn ingest_records<S: PushIngestStore + ?Sized>(
    store: &S,
    kind: EntityKind,
    records: Vec<Value>,
    source: DataSource,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, IngestError> {
    check_count("records", records.len())?;
    with_entity!(kind, T => ingest_as::<T, S>(store, records, source, now).await)
}

async fn ingest_as<T: WireEntity, S: PushIngestStore + ?Sized>(
    store: &S,
    raw: Vec<Value>,
    source: DataSource,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, IngestError> {
    let received = raw.len();
    // Phase timings for the debug log (where a slow push spends its time).
    let t0 = std::time::Instant::now();
    let mut parsed = wire::parse_records::<T>(raw, now);
    let t1 = t0.elapsed();
    resolve_references(
        store,
        T::KIND,
        &parsed.references,
        &parsed.own_ids,
        &mut parsed.errors,
    )
    .await?;
    let mut rules = Vec::new();
    for (index, record) in &parsed.records {
        record.stored_rules(*index, &mut rules);
    }
    apply_stored_rules(store, rules, &mut parsed.errors).await?;
    let t2 = t0.elapsed();
    if !parsed.errors.is_empty() {
        parsed.errors.sort_by_key(|e| e.index);
        return Err(IngestError::Invalid {
            list: "records",
            errors: parsed.errors,
        });
    }
    let records: Vec<T> = parsed.records.into_iter().map(|(_, r)| r).collect();
    let provenance = Provenance {
        source,
        synced_at: now,
    };
    let ChangeCounts {
        inserted,
        updated,
        unchanged,
    } = store
        .upsert_changed(&T::into_dataset(records), provenance)
        .await?;
    tracing::debug!(
        parse_ms = t1.as_millis() as u64,
        lookups_ms = (t2 - t1).as_millis() as u64,
        write_ms = (t0.elapsed() - t2).as_millis() as u64,
        "ingested"
    );
    Ok(IngestOutcome {
        entity: T::KIND,
        received,
        inserted,
        updated,
        unchanged,
        ids: id_mappings(parsed.mapping),
        refresh_job_id: None,
    })
}

fn id_mappings(mapping: BTreeMap<(&'static str, String), Uuid>) -> Vec<IdMapping> {
    mapping
        .into_iter()
        .map(|((kind, external_id), id)| IdMapping {
            kind,
            external_id,
            id,
        })
        .collect()
}

/// Every reference must name a record of the same request or a stored row: one look-up per
/// referenced entity with all of its ids.
async fn resolve_references<S: PushIngestStore + ?Sized>(
    store: &S,
    kind: EntityKind,
    references: &[wire::Reference],
    own_ids: &HashSet<Uuid>,
    errors: &mut Vec<FieldError>,
) -> Result<(), IngestError> {
    let mut wanted: BTreeMap<EntityKind, HashSet<Uuid>> = BTreeMap::new();
    for r in references {
        if !(r.target == kind && own_ids.contains(&r.id)) {
            wanted.entry(r.target).or_default().insert(r.id);
        }
    }
    let mut found: HashMap<EntityKind, HashSet<Uuid>> = HashMap::new();
    for (target, ids) in wanted {
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let existing = store.existing_ids(target, &ids).await?;
        found.insert(target, existing.into_iter().collect());
    }
    for r in references {
        let known = (r.target == kind && own_ids.contains(&r.id))
            || found.get(&r.target).is_some_and(|ids| ids.contains(&r.id));
        if !known {
            errors.push(FieldError::record(
                r.index,
                &r.field,
                format!(
                    "unknown {} `{}`: not in this request or stored",
                    singular(r.target),
                    r.given
                ),
            ));
        }
    }
    Ok(())
}

/// `assessment-attempts` -> `assessment-attempt` (for messages).
fn singular(kind: EntityKind) -> &'static str {
    let name = kind.as_str();
    name.strip_suffix('s').unwrap_or(name)
}

async fn apply_stored_rules<S: PushIngestStore + ?Sized>(
    store: &S,
    rules: Vec<StoredRule>,
    errors: &mut Vec<FieldError>,
) -> Result<(), IngestError> {
    let mut scores = Vec::new();
    let mut emails = Vec::new();
    for rule in rules {
        match rule {
            StoredRule::ScoreWithinAssessment {
                index,
                assessment,
                score,
            } => scores.push((index, assessment, score)),
            StoredRule::UniqueEmail { index, user, email } => emails.push((index, user, email)),
        }
    }
    if !scores.is_empty() {
        let ids: Vec<Uuid> = scores
            .iter()
            .map(|(_, a, _)| *a)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let max: HashMap<Uuid, f64> = store
            .assessment_max_scores(&ids)
            .await?
            .into_iter()
            .collect();
        for (index, assessment, score) in scores {
            if let Some(max) = max.get(&assessment)
                && score > *max
            {
                errors.push(FieldError::record(
                    index,
                    "score",
                    format!("must not exceed the assessment's maxScore {max}"),
                ));
            }
        }
    }
    if !emails.is_empty() {
        // One email per user: within the request, and against other stored users.
        let mut first: HashMap<&str, (usize, Uuid)> = HashMap::new();
        for (index, user, email) in &emails {
            match first.get(email.as_str()) {
                Some((other, owner)) if owner != user => errors.push(FieldError::record(
                    *index,
                    "email",
                    format!("is also the email of record {other}"),
                )),
                Some(_) => {}
                None => {
                    first.insert(email, (*index, *user));
                }
            }
        }
        let wanted: Vec<String> = first.keys().map(|e| (*e).to_owned()).collect();
        let stored: HashMap<String, Uuid> = store
            .users_by_email(&wanted)
            .await?
            .into_iter()
            .map(|(email, user)| (email, user.0))
            .collect();
        for (index, user, email) in &emails {
            if stored.get(email).is_some_and(|owner| owner != user) {
                errors.push(FieldError::record(
                    *index,
                    "email",
                    "belongs to another stored user".to_owned(),
                ));
            }
        }
    }
    Ok(())
}

/// Deletes the records named by `body` (`{"keys": [...]}`): for entities with an id each key
/// is the id (string, or `{"id": …}`); otherwise an object with exactly the natural-key
/// fields of decision 11. Invalid keys reject the whole request; keys that match nothing
/// are counted in `notFound`. Rows that reference a deleted row go with it (the schema's
/// `ON DELETE CASCADE`).
#[tracing::instrument(skip(store, body), fields(bytes = body.len()))]
pub async fn delete<S: PushIngestStore + ?Sized>(
    store: &S,
    entity: &str,
    body: &[u8],
) -> Result<DeleteOutcome, IngestError> {
    let kind = entity_kind(entity)?;
    let body: KeysBody = parse_body(body)?;
    check_count("keys", body.keys.len())?;
    let key_spec = with_entity!(kind, T => T::KEY);
    let received = body.keys.len();
    let mut errors = Vec::new();
    let mut mapping = BTreeMap::new();
    let mut keys: Vec<Vec<KeyValue>> = Vec::with_capacity(received);
    let mut seen = HashSet::with_capacity(received);
    for (index, key) in body.keys.into_iter().enumerate() {
        let before = errors.len();
        let values = parse_key(key_spec, key, index, &mut errors, &mut mapping);
        if errors.len() == before && seen.insert(values.clone()) {
            keys.push(values);
        }
    }
    if !errors.is_empty() {
        return Err(IngestError::Invalid {
            list: "keys",
            errors,
        });
    }
    let deleted = store.delete_keys(kind, &keys).await?;
    Ok(DeleteOutcome {
        entity: kind,
        received,
        deleted,
        not_found: keys.len() as u64 - deleted.min(keys.len() as u64),
        ids: id_mappings(mapping),
        refresh_job_id: None,
    })
}

fn parse_key(
    spec: &[(&'static str, KeyType)],
    key: Value,
    index: usize,
    errors: &mut Vec<FieldError>,
    mapping: &mut BTreeMap<(&'static str, String), Uuid>,
) -> Vec<KeyValue> {
    let mut fail = |field: &str, reason: String| {
        errors.push(FieldError::record(index, field, reason));
    };
    let mut object = match key {
        Value::Object(object) => object,
        // An entity with an id may name it directly.
        Value::String(id) if spec.len() == 1 && spec[0].0 == "id" => {
            serde_json::Map::from_iter([("id".to_owned(), Value::String(id))])
        }
        _ => {
            let expected = if spec.len() == 1 && spec[0].0 == "id" {
                "an id or an object with `id`".to_owned()
            } else {
                let fields: Vec<&str> = spec.iter().map(|(f, _)| *f).collect();
                format!("an object with {}", fields.join(", "))
            };
            fail("", format!("must be {expected}"));
            return Vec::new();
        }
    };
    for field in object.keys() {
        if !spec.iter().any(|(f, _)| f == field) {
            fail(field, "unknown field".to_owned());
        }
    }
    let mut values = Vec::with_capacity(spec.len());
    for (field, ty) in spec {
        let Some(value) = object.remove(*field) else {
            fail(field, "is required".to_owned());
            continue;
        };
        let parsed = match (ty, &value) {
            (KeyType::Id(kind), Value::String(given)) => kind
                .map_external(given)
                .map(|id| {
                    if Uuid::parse_str(given).is_err() {
                        mapping.insert((kind.slug(), given.clone()), id);
                    }
                    KeyValue::Uuid(id)
                })
                .map_err(|e| e.to_string()),
            (KeyType::Ts, _) => serde_json::from_value::<DateTime<Utc>>(value)
                .map(KeyValue::Ts)
                .map_err(|_| "must be an RFC 3339 timestamp".to_owned()),
            (KeyType::Date, _) => serde_json::from_value::<NaiveDate>(value)
                .map(KeyValue::Date)
                .map_err(|_| "must be a date (YYYY-MM-DD)".to_owned()),
            (KeyType::Text(check), Value::String(text)) => {
                check(text).map(|()| KeyValue::Text(text.clone()))
            }
            _ => Err("must be a string".to_owned()),
        };
        match parsed {
            Ok(v) => values.push(v),
            Err(reason) => fail(field, reason),
        }
    }
    values
}

#[cfg(test)]
mod tests;
