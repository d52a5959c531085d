//! Writes collected records through the push-ingestion use case
//! ([`la_app::ingest::ingest_records`]), so that pulled and pushed rows pass the same
//! validation (types, ranges, clock skew, references, unique emails). Unlike a push, one bad
//! upstream record must not hold back the rest: the records the validation names are left
//! out and the remainder is validated again (a left-out record can orphan a reference of
//! another, hence a few rounds).

use chrono::{DateTime, Utc};
use la_app::ingest::{IngestError, MAX_RECORDS, ingest_records};
use la_app::ports::{CollectionStore, StoreError};
use la_domain::model::{DataSource, Dataset, EntityKind};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// Validation rounds per chunk before the rest of the chunk is given up.
const MAX_ROUNDS: usize = 5;
/// Rejection reasons kept per entity (for the report; the log gets the same).
const MAX_REASONS: usize = 5;

/// What writing one entity's records did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityWrite {
    pub entity: String,
    pub received: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records the validation refused (left out; the rest was written).
    pub rejected: u64,
    /// A few of the reasons, as `index field: reason`.
    pub reasons: Vec<String>,
}

/// The order entities are written in: every entity after those it references (the same
/// order as la-storage's bulk writer; a session may name a course, an enrollment a user).
pub const WRITE_ORDER: [EntityKind; 28] = {
    use EntityKind as E;
    [
        E::Organizations,
        E::Departments,
        E::Teams,
        E::Users,
        E::Skills,
        E::SkillDemand,
        E::Courses,
        E::Modules,
        E::Assessments,
        E::LearningPaths,
        E::ContentItems,
        E::Sessions,
        E::Enrollments,
        E::ModuleProgress,
        E::AssessmentAttempts,
        E::UserSkills,
        E::SkillTargets,
        E::UserLearningPaths,
        E::TopicCompletions,
        E::ContentInteractions,
        E::ContentShares,
        E::HelpRequests,
        E::PracticeSubmissions,
        E::CourseReviews,
        E::Kpis,
        E::ValuePropositions,
        E::MentoringEvents,
        E::UpstreamRecommendations,
    ]
};

/// A dataset's records per entity as wire JSON (the push format): camelCase, and an
/// entity's upstream id (`externalId`) back in `id`, which the use case maps to the same
/// UUID again.
/// In [`WRITE_ORDER`].
pub fn wire_records(data: &Dataset) -> Vec<(EntityKind, Vec<Value>)> {
    let mut out = Vec::new();
    // Serialising plain model values cannot fail; an empty map is the harmless fallback.
    let Ok(Value::Object(mut lists)) = serde_json::to_value(data) else {
        return out;
    };
    for kind in WRITE_ORDER {
        let Some(Value::Array(records)) = lists.remove(&camel(kind.as_str())) else {
            continue;
        };
        if records.is_empty() {
            continue;
        }
        let records = records
            .into_iter()
            .map(|mut r| {
                if let Some(object) = r.as_object_mut()
                    && let Some(external) = object.remove("externalId")
                    && external.is_string()
                {
                    object.insert("id".to_owned(), external);
                }
                r
            })
            .collect();
        out.push((kind, records));
    }
    out
}

/// `module-progress` -> `moduleProgress`.
fn camel(kebab: &str) -> String {
    let mut out = String::with_capacity(kebab.len());
    let mut upper = false;
    for c in kebab.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Validates and upserts `records` of `kind` with provenance `source`.
pub async fn write_entity<S: CollectionStore + ?Sized>(
    store: &S,
    kind: EntityKind,
    records: Vec<Value>,
    source: DataSource,
    now: DateTime<Utc>,
) -> Result<EntityWrite, StoreError> {
    let mut result = EntityWrite {
        entity: kind.as_str().to_owned(),
        received: records.len() as u64,
        ..EntityWrite::default()
    };
    let mut records = records;
    while !records.is_empty() {
        let rest = records.split_off(records.len().min(MAX_RECORDS));
        let mut chunk = std::mem::replace(&mut records, rest);
        for round in 0..MAX_ROUNDS {
            if chunk.is_empty() {
                break;
            }
            match ingest_records(store, kind, chunk.clone(), source, now).await {
                Ok(outcome) => {
                    result.inserted += outcome.inserted;
                    result.updated += outcome.updated;
                    result.unchanged += outcome.unchanged;
                    chunk.clear();
                    break;
                }
                Err(IngestError::Invalid { errors, .. }) => {
                    let bad: BTreeSet<usize> = errors.iter().filter_map(|e| e.index).collect();
                    for e in &errors {
                        if result.reasons.len() < MAX_REASONS {
                            result.reasons.push(format!(
                                "{} {}: {}",
                                e.index.map_or(-1, |i| i as i64),
                                e.field,
                                e.reason
                            ));
                        }
                    }
                    tracing::warn!(
                        entity = kind.as_str(),
                        source = source.as_str(),
                        rejected = bad.len(),
                        round,
                        "collected records failed validation; left out"
                    );
                    if bad.is_empty() || round + 1 == MAX_ROUNDS {
                        // Nothing to single out (or no progress left): the chunk is given up.
                        result.rejected += chunk.len() as u64;
                        chunk.clear();
                        break;
                    }
                    result.rejected += bad.len() as u64;
                    chunk = chunk
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| !bad.contains(i))
                        .map(|(_, r)| r)
                        .collect();
                }
                Err(IngestError::Store(e)) => return Err(e),
                Err(IngestError::UnknownEntity(name)) => {
                    return Err(StoreError::Other(format!("unknown entity {name}")));
                }
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_map_to_dataset_fields() {
        assert_eq!(camel("module-progress"), "moduleProgress");
        assert_eq!(camel("skill-demand"), "skillDemand");
        let data = la_demo::generate(&la_demo::DemoConfig {
            learners: 3,
            second_org_learners: 0,
            ..la_demo::DemoConfig::new(chrono::Utc::now())
        });
        let wire: std::collections::BTreeMap<_, _> = wire_records(&data).into_iter().collect();
        for (kind, n) in data.counts() {
            assert_eq!(wire.get(&kind).map_or(0, Vec::len), n, "{kind}");
        }
        let mut order = WRITE_ORDER.to_vec();
        order.sort();
        order.dedup();
        assert_eq!(order.len(), EntityKind::ALL.len(), "every entity once");
        // Upstream ids travel in `id`.
        let org = &wire[&EntityKind::Organizations][0];
        assert!(org.get("externalId").is_none());
    }
}
