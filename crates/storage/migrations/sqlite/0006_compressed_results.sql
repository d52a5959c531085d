-- Stored analytics documents become lz4-compressed bytes (`payload`) instead of JSON text;
-- see the PostgreSQL migration of the same number for why. Stored results are a
-- recomputable cache, so the old rows are dropped instead of converted.
DELETE FROM analytics_results;
ALTER TABLE analytics_results DROP COLUMN data;
ALTER TABLE analytics_results ADD COLUMN payload BLOB;
