//! Predictive analytics (AS-004.15 … AS-004.17).
