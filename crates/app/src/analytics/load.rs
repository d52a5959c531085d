//! Loading the inputs of a batch: the catalogue once, then each organisation with a few
//! bulk queries, grouped per learner in memory.

use crate::ports::{
    AnalyticsInputStore, GamificationStore, PreferenceStore, RecommendationStateStore, StoreError,
};
use la_domain::Role;
use la_domain::analytics::gamification::BadgeAward;
use la_domain::analytics::input::{Catalog, LearnerRecord, OrgRecord, group_by_user, group_orgs};
use la_domain::{OrgId, UserId};
use std::collections::BTreeMap;

/// Everything a batch computes from.
#[derive(Debug, Clone, Default)]
pub struct PlatformInputs {
    pub catalog: Catalog,
    pub orgs: BTreeMap<OrgId, OrgRecord>,
    /// Every user's record, sorted by id (the shape the domain's builders take).
    pub records: Vec<LearnerRecord>,
    /// Badges already awarded per (user, role): awards are permanent.
    pub awards: BTreeMap<(UserId, Role), Vec<BadgeAward>>,
    /// Stored AS-004.17 item states by viewer and role (decision 17).
    pub recommendation_states: BTreeMap<
        (UserId, Role),
        Vec<la_domain::analytics::predictive::recommendations::RecommendationState>,
    >,
    /// The stored ledger digest per (user, role): unchanged ledgers are not rewritten.
    pub ledger_digests: BTreeMap<(UserId, Role), i64>,
    /// Users who left the leaderboards (`user_preferences`, decision 17).
    pub opted_out: std::collections::BTreeSet<UserId>,
    index: BTreeMap<UserId, usize>,
}

impl PlatformInputs {
    pub fn new(
        catalog: Catalog,
        orgs: BTreeMap<OrgId, OrgRecord>,
        mut records: Vec<LearnerRecord>,
    ) -> Self {
        records.sort_by_key(|r| r.id());
        let index = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        PlatformInputs {
            catalog,
            orgs,
            records,
            awards: BTreeMap::new(),
            ledger_digests: BTreeMap::new(),
            opted_out: Default::default(),
            recommendation_states: BTreeMap::new(),
            index,
        }
    }

    pub fn record(&self, user: UserId) -> Option<&LearnerRecord> {
        self.index.get(&user).map(|i| &self.records[*i])
    }

    /// The organisation a user belongs to.
    pub fn org_of(&self, record: &LearnerRecord) -> Option<&OrgRecord> {
        record.user.org_id.and_then(|id| self.orgs.get(&id))
    }

    pub fn total_rows(&self) -> usize {
        self.records
            .iter()
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
pub async fn load_platform<
    S: AnalyticsInputStore + GamificationStore + PreferenceStore + RecommendationStateStore + ?Sized,
>(
    store: &S,
    progress: impl Fn(usize, usize),
) -> Result<PlatformInputs, StoreError> {
    let catalog = Catalog::from_dataset(&store.load_catalog().await?);
    let org_ids = store.organization_ids().await?;
    let mut orgs = BTreeMap::new();
    let mut records = Vec::new();
    for (i, org) in org_ids.iter().enumerate() {
        let data = store.load_organization(*org).await?;
        orgs.extend(group_orgs(&data));
        records.extend(group_by_user(data));
        progress(i + 1, org_ids.len());
    }
    let mut inputs = PlatformInputs::new(catalog, orgs, records);
    inputs.awards = store.badge_awards().await?;
    inputs.ledger_digests = store.ledger_digests().await?;
    inputs.opted_out = store.leaderboard_opt_outs().await?.into_iter().collect();
    inputs.recommendation_states = store.recommendation_states().await?;
    Ok(inputs)
}
