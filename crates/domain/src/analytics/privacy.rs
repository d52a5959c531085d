//! k-anonymity (`analytics.md` 7.1): every aggregate about other people needs at least
//! [`K`] distinct members, the subject excluded. Below that, the only thing an output may
//! carry is the marker `{insufficientData: true, minimumRequired: 10}`; the real size is not
//! disclosed. [`Guarded`] is the only way analytics put a group statistic into an output, so
//! the rule cannot be bypassed by a caller.

use super::common::K;
use serde::{Serialize, Serializer};

/// The marker that replaces a group below K.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InsufficientGroup {
    insufficient_data: bool,
    minimum_required: usize,
}

impl InsufficientGroup {
    pub const MARKER: InsufficientGroup = InsufficientGroup {
        insufficient_data: true,
        minimum_required: K,
    };
}

/// A group statistic that is shown only for groups of at least K members.
#[derive(Debug, Clone, PartialEq)]
pub enum Guarded<T> {
    Shown(T),
    Suppressed,
}

impl<T> Guarded<T> {
    /// Computes `statistic` only when `group_size >= K`; otherwise it is never evaluated.
    pub fn new(group_size: usize, statistic: impl FnOnce() -> T) -> Self {
        if group_size >= K {
            Guarded::Shown(statistic())
        } else {
            Guarded::Suppressed
        }
    }

    pub fn shown(&self) -> Option<&T> {
        match self {
            Guarded::Shown(value) => Some(value),
            Guarded::Suppressed => None,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self, Guarded::Suppressed)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Guarded<U> {
        match self {
            Guarded::Shown(value) => Guarded::Shown(f(value)),
            Guarded::Suppressed => Guarded::Suppressed,
        }
    }
}

impl<T: Serialize> Serialize for Guarded<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Guarded::Shown(value) => value.serialize(serializer),
            Guarded::Suppressed => InsufficientGroup::MARKER.serialize(serializer),
        }
    }
}

/// Complementary suppression of sibling segments under a shown total (`analytics.md` 7.1
/// rule 3, AS-003): if exactly one segment is below K, the next smallest is hidden too, so
/// that no hidden size can be recovered by subtraction. Returns, per input index, whether
/// the segment may be shown.
pub fn complementary_suppression(sizes: &[usize]) -> Vec<bool> {
    let mut shown: Vec<bool> = sizes.iter().map(|n| *n >= K).collect();
    let hidden = shown.iter().filter(|s| !**s).count();
    if hidden == 1 {
        let next_smallest = sizes
            .iter()
            .enumerate()
            .filter(|(i, _)| shown[*i])
            .min_by_key(|(i, n)| (**n, *i))
            .map(|(i, _)| i);
        if let Some(i) = next_smallest {
            shown[i] = false;
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_below_k_serialise_as_the_marker_only() {
        let small = Guarded::new(9, || 42.0);
        assert!(small.is_suppressed());
        assert_eq!(
            serde_json::to_value(&small).unwrap(),
            serde_json::json!({"insufficientData": true, "minimumRequired": 10})
        );
        let big = Guarded::new(10, || 42.0);
        assert_eq!(serde_json::to_value(&big).unwrap(), serde_json::json!(42.0));
    }

    #[test]
    fn a_suppressed_statistic_is_never_computed() {
        let guarded: Guarded<f64> = Guarded::new(3, || panic!("must not run"));
        assert!(guarded.shown().is_none());
    }

    #[test]
    fn one_hidden_sibling_hides_the_next_smallest() {
        assert_eq!(
            complementary_suppression(&[25, 4, 12, 30]),
            vec![true, false, false, true]
        );
        // Two hidden already: nothing to recover by subtraction.
        assert_eq!(
            complementary_suppression(&[25, 4, 3, 30]),
            vec![true, false, false, true]
        );
        assert_eq!(complementary_suppression(&[25, 30]), vec![true, true]);
        assert_eq!(complementary_suppression(&[5]), vec![false]);
    }
}
