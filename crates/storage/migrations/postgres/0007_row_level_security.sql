-- Row-level security (data.md 4), adapted to one login role (ARCHITECTURE.md, "Row-level security").
--
-- The service connects as the role that owns the tables (migrations, ingestion, the batch and
-- the jobs: data.md's `la_owner` and `la_worker` in one). Row-level security is enabled on
-- every table but not forced, so that owner is not subject to it, as `la_worker`'s BYPASSRLS
-- would have it; creating a BYPASSRLS role needs a superuser, and forcing the policies on the
-- owner would make the helper functions below recurse through the `users` policy.
--
-- API reads run in a transaction that switches to `la_api` (`set_config('role', 'la_api', true)`)
-- after setting `app.current_user_id`, `app.current_org_id` and `app.current_role`
-- transaction-locally. `la_api` is NOBYPASSRLS and holds only the privileges granted here, so
-- whatever it reads has passed the policies. Unset variables make every predicate null: no rows.

-- Roles are cluster-wide: another database of the same cluster (or a concurrent migration of
-- one) may have created them already.
DO $roles$
BEGIN
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'la_api') THEN
            CREATE ROLE la_api NOLOGIN NOBYPASSRLS;
        END IF;
    EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'migration 0007 needs the role la_api: create it once (CREATE ROLE la_api NOLOGIN NOBYPASSRLS; GRANT la_api TO <service role>) or migrate as a role with CREATEROLE';
    END;
    -- SET ROLE needs membership unless the service connects as a superuser.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'la_api', 'MEMBER') THEN
        EXECUTE format('GRANT la_api TO %I', current_user);
    END IF;
END
$roles$;

-- Session variables (data.md 4.2). `true` = missing settings read as null, not an error.
CREATE FUNCTION app_user_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;

CREATE FUNCTION app_org_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.current_org_id', true), '')::uuid $$;

CREATE FUNCTION app_role() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.current_role', true), '') $$;

-- The context names an active user of that organisation who holds that role. SECURITY DEFINER:
-- it reads `users` as the owner, past the `users` policy (which itself calls this function).
CREATE FUNCTION app_role_valid() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT coalesce((
            SELECT u.is_active
               AND u.org_id IS NOT DISTINCT FROM app_org_id()
               AND u.roles ? app_role()
              FROM users u
             WHERE u.id = app_user_id()
        ), false)
    $$;

CREATE FUNCTION app_is_platform_admin() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ SELECT app_role() = 'platform-admin' AND app_role_valid() $$;

-- Every table: RLS on, so that a role without a policy (la_api on everything not granted
-- below) sees no rows even if it were granted the table by mistake.
DO $enable$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema()
           AND c.relkind IN ('r', 'p')
           AND c.relname <> '_sqlx_migrations'
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$enable$;

-- Policies for la_api (data.md 4.3). Each predicate is ANDed with app_role_valid(); platform
-- admins read every row (spec README decision 19).
GRANT USAGE ON SCHEMA public TO la_api;

GRANT SELECT ON organizations TO la_api;
CREATE POLICY api_read ON organizations FOR SELECT TO la_api
    USING (app_role_valid() AND (id = app_org_id() OR app_is_platform_admin()));

GRANT SELECT ON users TO la_api;
CREATE POLICY api_read ON users FOR SELECT TO la_api
    USING (app_role_valid() AND (id = app_user_id() OR app_is_platform_admin()));

GRANT SELECT ON analytics_results TO la_api;
CREATE POLICY api_read ON analytics_results FOR SELECT TO la_api
    USING (app_role_valid() AND (
        subject_type = 'platform'
        OR (subject_type = 'user' AND subject_id = app_user_id() AND role = app_role())
        OR (subject_type = 'organization' AND subject_id = app_org_id() AND app_role() = 'org-admin')
        OR app_is_platform_admin()
    ));

GRANT SELECT ON aggregated_analytics TO la_api;
CREATE POLICY api_read ON aggregated_analytics FOR SELECT TO la_api
    USING (app_role_valid() AND (
        scope = 'platform'
        OR (scope = 'cohort' AND (organization_id IS NULL OR organization_id = app_org_id()))
        OR (scope = 'organization' AND organization_id = app_org_id() AND app_role() = 'org-admin')
        OR app_is_platform_admin()
    ));

GRANT SELECT ON points_ledger TO la_api;
CREATE POLICY api_read ON points_ledger FOR SELECT TO la_api
    USING (app_role_valid() AND ((user_id = app_user_id() AND role = app_role()) OR app_is_platform_admin()));

GRANT SELECT ON badge_awards TO la_api;
CREATE POLICY api_read ON badge_awards FOR SELECT TO la_api
    USING (app_role_valid() AND ((user_id = app_user_id() AND role = app_role()) OR app_is_platform_admin()));

GRANT SELECT ON streak_state TO la_api;
CREATE POLICY api_read ON streak_state FOR SELECT TO la_api
    USING (app_role_valid() AND ((user_id = app_user_id() AND role = app_role()) OR app_is_platform_admin()));

-- A user changes the status of their own recommendations only (never a platform admin's
-- edit of someone else's).
GRANT SELECT, UPDATE (status, updated_at) ON recommendation_state TO la_api;
CREATE POLICY api_read ON recommendation_state FOR SELECT TO la_api
    USING (app_role_valid() AND ((user_id = app_user_id() AND role = app_role()) OR app_is_platform_admin()));
CREATE POLICY api_update_own ON recommendation_state FOR UPDATE TO la_api
    USING (app_role_valid() AND user_id = app_user_id() AND role = app_role())
    WITH CHECK (app_role_valid() AND user_id = app_user_id() AND role = app_role());

GRANT SELECT, INSERT, UPDATE ON user_preferences TO la_api;
CREATE POLICY api_read ON user_preferences FOR SELECT TO la_api
    USING (app_role_valid() AND (user_id = app_user_id() OR app_is_platform_admin()));
CREATE POLICY api_insert_own ON user_preferences FOR INSERT TO la_api
    WITH CHECK (app_role_valid() AND user_id = app_user_id());
CREATE POLICY api_update_own ON user_preferences FOR UPDATE TO la_api
    USING (app_role_valid() AND user_id = app_user_id())
    WITH CHECK (app_role_valid() AND user_id = app_user_id());

GRANT SELECT ON jobs TO la_api;
CREATE POLICY api_read ON jobs FOR SELECT TO la_api
    USING (app_role_valid() AND ((user_id IS NOT NULL AND user_id = app_user_id()) OR app_is_platform_admin()));
