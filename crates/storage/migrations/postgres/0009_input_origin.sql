-- Where each stored result's inputs came from (`integration.md` 6.7, `data.md` `analytics`):
-- `input_origin` is the worst origin over the families the analytic reads (live, then
-- last_known, then mock), `sources` maps each family (by its upstream's slug) to
-- `{"origin", "fetchedAt"}`. Both are set from `source_status` where coverage is judged
-- (`la_domain::coverage::family_origins`). Existing rows predate the judgement and are
-- recomputed by the next batch; until then they read as live with no per-family entry.
ALTER TABLE analytics_results
    ADD COLUMN input_origin text NOT NULL DEFAULT 'live'
        CHECK (input_origin IN ('live', 'last_known', 'mock'));
ALTER TABLE analytics_results ADD COLUMN sources jsonb NOT NULL DEFAULT '{}';
