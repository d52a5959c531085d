-- Stored analytics documents become lz4-compressed bytes (`payload`) instead of `jsonb`.
--
-- Why: a batch writes about 45 KB of JSON per learner (450 MB for 10 000 learners); parsing
-- that into jsonb and writing it through the WAL was most of the batch's time. The documents
-- are only ever read whole by the service, never queried inside, so they are stored the way
-- they are served: serialised once, compressed by the service (about a sixth of the bytes),
-- and left uncompressed by TOAST (`STORAGE EXTERNAL`: compressed bytes do not shrink again).
--
-- Stored results are a recomputable cache (7-day retention; a missing result is computed on
-- read and by the next batch), so the old rows are dropped instead of converted.
DELETE FROM analytics_results;
ALTER TABLE analytics_results DROP COLUMN data;
ALTER TABLE analytics_results ADD COLUMN payload bytea;
ALTER TABLE analytics_results ALTER COLUMN payload SET STORAGE EXTERNAL;
