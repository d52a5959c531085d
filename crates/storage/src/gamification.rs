//! The column mapping of the gamification stores (`points_ledger`, `badge_awards`,
//! `streak_state`; `data.md` 3.4).

use crate::decode::{Cells, Decode, DecodeResult};
use crate::records::Record;
use crate::value::{ToValue, Value};
use chrono::{DateTime, NaiveDate, Utc};
use la_app::ports::GamificationState;
use la_domain::analytics::gamification::badges::BadgeAward;
use la_domain::{OrgId, Role, UserId};

/// A deferrable index of the points ledger: its name and its definition as migration 0002
/// creates it, the same on both databases.
pub(crate) struct LedgerIndex {
    pub name: &'static str,
    pub create: &'static str,
}

/// The ledger's `(organization_id, role, occurred_at)` index (`data.md` 3.4). Both databases
/// defer it through a first fill (`SqliteStore::ledger_fill`, `PgStore::ledger_fill`).
pub(crate) const LEDGER_ORG_TIME_INDEX: LedgerIndex = LedgerIndex {
    name: "points_ledger_org_time",
    create: "CREATE INDEX IF NOT EXISTS points_ledger_org_time \
             ON points_ledger (organization_id, role, occurred_at)",
};

/// The ledger's `(user_id, role, occurred_at DESC)` index (`data.md` 3.4). PostgreSQL defers
/// it through a first fill (`PgStore::ledger_fill`).
pub(crate) const LEDGER_USER_TIME_INDEX: LedgerIndex = LedgerIndex {
    name: "points_ledger_user_time",
    create: "CREATE INDEX IF NOT EXISTS points_ledger_user_time \
             ON points_ledger (user_id, role, occurred_at DESC)",
};

pub(crate) struct LedgerRow {
    user_id: UserId,
    role: Role,
    event_type: &'static str,
    source_id: String,
    organization_id: Option<OrgId>,
    points: i64,
    occurred_at: DateTime<Utc>,
}

impl Record for LedgerRow {
    const TABLE: &'static str = "points_ledger";
    const KEY: &'static [&'static str] = &["user_id", "role", "event_type", "source_id"];
    const COLUMNS: &'static [&'static str] = &[
        "user_id",
        "role",
        "event_type",
        "source_id",
        "organization_id",
        "points",
        "occurred_at",
    ];
    fn push_values(&self, out: &mut Vec<Value>) {
        out.push(self.user_id.to_value());
        out.push(Value::Text(Some(self.role.as_str().to_owned())));
        out.push(Value::Text(Some(self.event_type.to_owned())));
        out.push(self.source_id.to_value());
        out.push(self.organization_id.to_value());
        out.push(Value::Int(Some(self.points)));
        out.push(self.occurred_at.to_value());
    }
}

pub(crate) struct AwardRow {
    pub user_id: UserId,
    pub role: Role,
    pub award: BadgeAward,
}

impl Record for AwardRow {
    const TABLE: &'static str = "badge_awards";
    const KEY: &'static [&'static str] = &["user_id", "role", "badge_id"];
    const COLUMNS: &'static [&'static str] = &["user_id", "role", "badge_id", "earned_at"];
    fn push_values(&self, out: &mut Vec<Value>) {
        out.push(self.user_id.to_value());
        out.push(Value::Text(Some(self.role.as_str().to_owned())));
        out.push(self.award.badge_id.to_value());
        out.push(self.award.earned_at.to_value());
    }
}

impl Decode for AwardRow {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(AwardRow {
            user_id: UserId(c.uuid()?),
            role: c.parsed(Role::parse_wire)?,
            award: BadgeAward {
                badge_id: c.text()?,
                earned_at: c.ts()?,
            },
        })
    }
}

pub(crate) struct StreakRow {
    user_id: UserId,
    role: Role,
    current_streak: u32,
    longest_streak: u32,
    last_active_date: Option<NaiveDate>,
    updated_at: DateTime<Utc>,
    ledger_digest: i64,
}

impl Record for StreakRow {
    const TABLE: &'static str = "streak_state";
    const KEY: &'static [&'static str] = &["user_id", "role"];
    const COLUMNS: &'static [&'static str] = &[
        "user_id",
        "role",
        "current_streak",
        "longest_streak",
        "last_active_date",
        "updated_at",
        "ledger_digest",
    ];
    fn push_values(&self, out: &mut Vec<Value>) {
        out.push(self.user_id.to_value());
        out.push(Value::Text(Some(self.role.as_str().to_owned())));
        out.push(Value::Int(Some(i64::from(self.current_streak))));
        out.push(Value::Int(Some(i64::from(self.longest_streak))));
        out.push(self.last_active_date.to_value());
        out.push(self.updated_at.to_value());
        out.push(Value::Int(Some(self.ledger_digest)));
    }
}

/// A stored ledger digest (`streak_state.ledger_digest`, migration 0011).
pub(crate) struct DigestRow {
    pub user_id: UserId,
    pub role: Role,
    pub digest: i64,
}

impl Record for DigestRow {
    const TABLE: &'static str = "streak_state";
    const KEY: &'static [&'static str] = &["user_id", "role"];
    const COLUMNS: &'static [&'static str] = &["user_id", "role", "ledger_digest"];
    fn push_values(&self, out: &mut Vec<Value>) {
        out.push(self.user_id.to_value());
        out.push(Value::Text(Some(self.role.as_str().to_owned())));
        out.push(Value::Int(Some(self.digest)));
    }
}

impl Decode for DigestRow {
    fn decode(c: &mut impl Cells) -> DecodeResult<Self> {
        Ok(DigestRow {
            user_id: UserId(c.uuid()?),
            role: c.parsed(Role::parse_wire)?,
            digest: c.opt_i64()?.unwrap_or_default(),
        })
    }
}

/// The rows of a batch of states, per table: ledger rows only of the states whose ledger
/// changed.
pub(crate) fn rows(
    states: &[GamificationState],
) -> (Vec<LedgerRow>, Vec<AwardRow>, Vec<StreakRow>) {
    let mut ledger = Vec::new();
    let mut awards = Vec::new();
    let mut streaks = Vec::with_capacity(states.len());
    for state in states {
        if state.ledger_changed {
            ledger.extend(state.ledger.iter().map(|entry| LedgerRow {
                user_id: state.user_id,
                role: state.role,
                event_type: entry.event_type.as_str(),
                source_id: entry.source_id.clone(),
                organization_id: state.organization_id,
                points: entry.points,
                occurred_at: entry.occurred_at,
            }));
        }
        awards.extend(state.new_awards.iter().map(|award| AwardRow {
            user_id: state.user_id,
            role: state.role,
            award: award.clone(),
        }));
        streaks.push(StreakRow::of(state));
    }
    (ledger, awards, streaks)
}

impl StreakRow {
    fn of(state: &GamificationState) -> Self {
        StreakRow {
            user_id: state.user_id,
            role: state.role,
            current_streak: state.streak.current_streak,
            longest_streak: state.streak.longest_streak,
            last_active_date: state.streak.last_active_date,
            updated_at: state.updated_at,
            ledger_digest: state.ledger_digest,
        }
    }
}
