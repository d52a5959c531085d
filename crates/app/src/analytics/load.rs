//! Loading the inputs of a batch: the catalogue once, then each organisation with a few
//! bulk queries, grouped per learner in memory.

use crate::ports::{AnalyticsInputStore, StoreError};
use la_domain::analytics::input::{Catalog, LearnerRecord, OrgRecord, group_by_user, group_orgs};
use la_domain::{OrgId, UserId};
use std::collections::BTreeMap;

/// Everything a batch computes from.
#[derive(Debug, Clone, Default)]
pub struct PlatformInputs {
    pub catalog: Catalog,
    pub orgs: BTreeMap<OrgId, OrgRecord>,
    pub users: BTreeMap<UserId, LearnerRecord>,
}

impl PlatformInputs {
    /// Records of an organisation's members.
    pub fn members(&self, org: OrgId) -> impl Iterator<Item = &LearnerRecord> {
        self.orgs
            .get(&org)
            .into_iter()
            .flat_map(|o| o.members.iter())
            .filter_map(|id| self.users.get(id))
    }

    pub fn total_rows(&self) -> usize {
        self.users
            .values()
            .map(|r| {
                r.sessions.len()
                    + r.enrollments.len()
                    + r.module_progress.len()
                    + r.attempts.len()
                    + r.user_skills.len()
                    + r.skill_targets.len()
                    + r.paths.len()
                    + r.topic_completions.len()
                    + r.content_interactions.len()
                    + r.help_requests.len()
                    + r.practice.len()
                    + r.reviews.len()
                    + r.recommendations.len()
                    + r.content_shares.len()
                    + r.mentoring.len()
                    + 1
            })
            .sum()
    }
}

/// Loads the catalogue and every organisation (`progress(done, total)` after each).
pub async fn load_platform(
    store: &dyn AnalyticsInputStore,
    progress: impl Fn(usize, usize),
) -> Result<PlatformInputs, StoreError> {
    let catalog = Catalog::from_dataset(&store.load_catalog().await?);
    let org_ids = store.organization_ids().await?;
    let mut inputs = PlatformInputs {
        catalog,
        ..PlatformInputs::default()
    };
    for (i, org) in org_ids.iter().enumerate() {
        let data = store.load_organization(*org).await?;
        inputs.orgs.extend(group_orgs(&data));
        inputs.users.extend(group_by_user(&data));
        progress(i + 1, org_ids.len());
    }
    Ok(inputs)
}
