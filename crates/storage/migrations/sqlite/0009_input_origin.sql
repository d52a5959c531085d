-- Where each stored result's inputs came from; see the PostgreSQL migration of the same
-- number. `sources` is JSON text here.
ALTER TABLE analytics_results
    ADD COLUMN input_origin TEXT NOT NULL DEFAULT 'live'
        CHECK (input_origin IN ('live', 'last_known', 'mock'));
ALTER TABLE analytics_results ADD COLUMN sources TEXT NOT NULL DEFAULT '{}';
