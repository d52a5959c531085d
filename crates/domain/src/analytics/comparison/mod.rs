//! Comparison and benchmarking (AS-005.18, AS-005.19), under k-anonymity.
