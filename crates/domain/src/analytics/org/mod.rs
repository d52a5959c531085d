//! Organisation analytics (AS-003.11 … AS-003.14): subject = an organisation.
