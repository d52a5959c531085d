//! Trainer analytics (AS-002.7 … AS-002.10): subject = a trainer and the courses they teach.
