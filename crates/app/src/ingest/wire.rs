//! From request JSON to typed records, generically for every entity.
//!
//! The domain types hold typed UUID ids, while pushed records may name ids by any external
//! string (decision 11). Rather than a second, wire-level copy of each of the 28 entities, a
//! pre-pass rewrites the id fields of each record in place: each entity lists where its ids
//! sit ([`WireEntity::IDS`], a small path language) and of which kind they are; every
//! non-UUID string there becomes the UUID v5 of its kind ([`IdKind::map_external`]). The
//! rewritten JSON then deserialises into the domain type with serde (error paths from
//! `serde_path_to_error`). Unknown fields, which serde would skip, are found by serialising
//! the typed record back and looking for input keys it does not have.

use super::FieldError;
use super::check::Checker;
use la_domain::IdKind;
use la_domain::model::{Dataset, EntityKind, UnknownValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// The type of one key field (decision 11), for `DELETE` keys.
#[derive(Clone, Copy)]
pub(crate) enum KeyType {
    Id(IdKind),
    Ts,
    Date,
    /// An enumeration stored as text, with its parser.
    Text(fn(&str) -> Result<(), String>),
}

/// Checks a value of a text enumeration (for [`KeyType::Text`]).
pub(crate) fn enum_text<E: std::str::FromStr<Err = UnknownValue>>(
    value: &str,
) -> Result<(), String> {
    value.parse::<E>().map(drop).map_err(|e| e.to_string())
}

/// A stored fact a record's rules depend on, looked up in bulk for the whole request.
pub(crate) enum StoredRule {
    /// `score` (of record `index`) must not exceed the stored assessment's `maxScore`.
    ScoreWithinAssessment {
        index: usize,
        assessment: Uuid,
        score: f64,
    },
    /// The email (lowercase) of user `user` (record `index`) must not belong to another user.
    UniqueEmail {
        index: usize,
        user: Uuid,
        email: String,
    },
}

/// An entity as pushed: where its ids are, its key, and its rules.
pub(crate) trait WireEntity:
    Serialize + DeserializeOwned + Send + Sync + Sized + 'static
{
    const KIND: EntityKind;
    /// Id fields as paths of camelCase names (`a.b`; `a[]` is every element of list `a`),
    /// with their kind. The record's own id, where it has one, is the path `id`.
    const IDS: &'static [(&'static str, IdKind)];
    /// The upsert key (decision 11), in the order of the table's key columns.
    const KEY: &'static [(&'static str, KeyType)];
    /// Rules on the record alone.
    fn check(&self, c: &mut Checker<'_>);
    /// Rules that need stored rows.
    fn stored_rules(&self, _index: usize, _out: &mut Vec<StoredRule>) {}
    /// Keeps the upstream's id where the entity stores one (`None` when it was a UUID).
    fn set_external_id(&mut self, _external: Option<String>) {}
    fn into_dataset(records: Vec<Self>) -> Dataset;
}

/// A reference from one record to a row of another (or the same) entity.
pub(crate) struct Reference {
    pub index: usize,
    pub field: String,
    pub target: EntityKind,
    pub id: Uuid,
    pub given: String,
}

/// The records of a request after parsing: the valid ones, and every error found.
pub(crate) struct Parsed<T> {
    pub records: Vec<(usize, T)>,
    pub errors: Vec<FieldError>,
    /// (id kind, external id) -> UUID, for every non-UUID id of the request.
    pub mapping: BTreeMap<(&'static str, String), Uuid>,
    pub references: Vec<Reference>,
    /// Own ids of the request's records (references to them need no stored row).
    pub own_ids: HashSet<Uuid>,
}

/// Parses, maps and checks every record; errors of all records are collected.
pub(crate) fn parse_records<T: WireEntity>(
    raw: Vec<Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Parsed<T> {
    let mut parsed = Parsed {
        records: Vec::with_capacity(raw.len()),
        errors: Vec::new(),
        mapping: BTreeMap::new(),
        references: Vec::new(),
        own_ids: HashSet::new(),
    };
    // Key of each valid record -> its index, to refuse two records with one key.
    let mut keys: HashMap<String, usize> = HashMap::with_capacity(raw.len());
    let mut known = KnownKeys::default();
    for (index, mut value) in raw.into_iter().enumerate() {
        let errors_before = parsed.errors.len();
        let Some(object) = value.as_object_mut() else {
            parsed
                .errors
                .push(FieldError::record(index, "", "must be an object".into()));
            continue;
        };
        if object.contains_key("externalId") {
            // Derived from `id`, never sent.
            parsed.errors.push(FieldError::record(
                index,
                "externalId",
                "unknown field".into(),
            ));
        }
        let mut own_external = None;
        for (path, kind) in T::IDS {
            map_ids_at(object, path, *kind, &mut |field, given, id, external| {
                if external {
                    parsed.mapping.insert((kind.slug(), given.to_owned()), id);
                }
                if *path == "id" {
                    parsed.own_ids.insert(id);
                    own_external = external.then(|| given.to_owned());
                } else if let Some(target) = kind.entity() {
                    parsed.references.push(Reference {
                        index,
                        field: field.to_owned(),
                        target,
                        id,
                        given: given.to_owned(),
                    });
                }
            })
            .into_iter()
            .for_each(|(field, reason)| {
                parsed
                    .errors
                    .push(FieldError::record(index, &field, reason))
            });
        }
        if parsed.errors.len() > errors_before {
            continue;
        }
        // Tracking the path costs time on every value; it is only needed to name the field
        // of a record that does not deserialise, so that record is read a second time.
        let mut record: T = match T::deserialize(&value) {
            Ok(record) => record,
            Err(_) => {
                let e = serde_path_to_error::deserialize::<_, T>(&value)
                    .err()
                    .expect("deserialising the same value fails again");
                let (field, reason) = serde_error(e.path(), &e.inner().to_string());
                parsed
                    .errors
                    .push(FieldError::record(index, &field, reason));
                continue;
            }
        };
        let mut unknown = Vec::new();
        known.unknown(&value, &mut String::new(), &mut unknown);
        if !unknown.is_empty() {
            // Keys not seen in an echo yet: learn this record's shape, then look again.
            // Serialising a plain model struct cannot fail.
            let echo = serde_json::to_value(&record).expect("model values serialise to JSON");
            known.learn(&echo);
            unknown.clear();
            known.unknown(&value, &mut String::new(), &mut unknown);
        }
        for field in unknown {
            parsed
                .errors
                .push(FieldError::record(index, &field, "unknown field".into()));
        }
        record.check(&mut Checker {
            now,
            index,
            errors: &mut parsed.errors,
        });
        if parsed.errors.len() > errors_before {
            continue;
        }
        let key = record_key(T::KEY, &value);
        if let Some(first) = keys.get(&key) {
            parsed.errors.push(FieldError::record(
                index,
                T::KEY[0].0,
                format!("repeats the key of record {first}"),
            ));
            continue;
        }
        keys.insert(key, index);
        record.set_external_id(own_external);
        parsed.records.push((index, record));
    }
    parsed
}

/// Maps every external id string at `path` to its UUID in place, calling `found(field,
/// given, uuid, external)` for each id (a UUID is left as it is: most pushes name rows by
/// UUID, and re-writing 10 000 of them would cost an allocation each); returns the (field,
/// reason) of each id that is not valid. Values of the wrong JSON type are left for serde to
/// report.
pub(crate) fn map_ids_at(
    object: &mut Map<String, Value>,
    path: &str,
    kind: IdKind,
    found: &mut dyn FnMut(&str, &str, Uuid, bool),
) -> Vec<(String, String)> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut errors = Vec::new();
    walk(object, &segments, "", &mut |slot, field| {
        let Value::String(given) = slot else {
            return;
        };
        if let Ok(id) = Uuid::parse_str(given) {
            found(field, given, id, false);
            return;
        }
        match kind.map_external(given) {
            Ok(id) => {
                found(field, given, id, true);
                *slot = Value::String(id.to_string());
            }
            Err(e) => errors.push((field.to_owned(), e.to_string())),
        }
    });
    errors
}

fn walk(
    object: &mut Map<String, Value>,
    segments: &[&str],
    prefix: &str,
    visit: &mut dyn FnMut(&mut Value, &str),
) {
    let Some((segment, rest)) = segments.split_first() else {
        return;
    };
    let (name, list) = match segment.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (*segment, false),
    };
    let Some(child) = object.get_mut(name) else {
        return;
    };
    let field = if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    };
    let mut step = |value: &mut Value, field: &str| {
        if rest.is_empty() {
            visit(value, field);
        } else if let Value::Object(inner) = value {
            walk(inner, rest, field, visit);
        }
    };
    if list {
        if let Value::Array(items) = child {
            for (i, item) in items.iter_mut().enumerate() {
                step(item, &format!("{field}[{i}]"));
            }
        }
    } else {
        step(child, &field);
    }
}

/// The keys the model has, as a tree (a list's elements share their list's node). Unknown
/// fields are input keys the typed record does not serialise back; rather than serialising
/// every record (costly for 10 000 of them), the tree learns from an echo only when a record
/// has a key it has not seen. An echo has every field of each struct it contains (absent
/// options serialise as `null`), so one echo per shape of record suffices.
#[derive(Default)]
struct KnownKeys {
    children: HashMap<String, KnownKeys>,
}

impl KnownKeys {
    fn learn(&mut self, echo: &Value) {
        match echo {
            Value::Object(fields) => {
                for (key, value) in fields {
                    self.children.entry(key.clone()).or_default().learn(value);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.learn(item)),
            _ => {}
        }
    }

    /// Pushes the path of every key of `input` not in the tree.
    fn unknown(&self, input: &Value, path: &mut String, out: &mut Vec<String>) {
        match input {
            Value::Object(fields) => {
                for (key, value) in fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    match self.children.get(key) {
                        Some(child) => child.unknown(value, path, out),
                        None => out.push(path.clone()),
                    }
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.unknown(item, path, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// The key of a record that deserialised, from its (id-mapped) JSON: ids are already in
/// canonical UUID form; timestamps and dates are normalised so that one instant written two
/// ways is one key.
fn record_key(spec: &[(&'static str, KeyType)], value: &Value) -> String {
    let mut key = String::new();
    for (field, ty) in spec {
        let part = &value[*field];
        match ty {
            KeyType::Ts => match chrono::DateTime::<chrono::Utc>::deserialize(part) {
                Ok(ts) => key.push_str(&ts.timestamp_micros().to_string()),
                Err(_) => key.push_str(&part.to_string()),
            },
            KeyType::Date => match chrono::NaiveDate::deserialize(part) {
                Ok(date) => key.push_str(&date.to_string()),
                Err(_) => key.push_str(&part.to_string()),
            },
            // One UUID has several spellings (case, braces); ids are left as sent.
            KeyType::Id(_) => match part.as_str().map(Uuid::parse_str) {
                Some(Ok(id)) => {
                    key.push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
                }
                _ => key.push_str(part.as_str().unwrap_or_default()),
            },
            KeyType::Text(_) => key.push_str(part.as_str().unwrap_or_default()),
        }
        key.push('\u{1f}');
    }
    key
}

/// The field and reason of a serde error. `serde_path_to_error` gives the path of the value
/// being read (`topics[0].skillIds[1]`, `.` for the record itself); a missing field is
/// reported at its parent, so its name is taken from the message. The `at line … column …`
/// suffix is dropped: it is meaningless for a record inside a request.
fn serde_error(path: &serde_path_to_error::Path, message: &str) -> (String, String) {
    let mut field = path.to_string();
    if field == "." {
        field.clear();
    }
    let message = match message.find(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let field = if field.is_empty() {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        };
        return (field, "is required".to_owned());
    }
    (field, message.to_owned())
}
