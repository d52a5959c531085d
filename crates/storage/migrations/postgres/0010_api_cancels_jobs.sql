-- J2 (cancel a job) writes as `la_api` under row-level security, like J1's read (0007).
--
-- Why: a cancellation is the one write the API makes to `jobs`; before this migration it ran
-- as the table owner after J1's read had checked visibility. Now the database itself refuses a
-- cancellation the caller may not make: only the `status`, `completed_at`, `updated_at` and
-- `revision` columns may change, only a pending job the caller may see (their own, or any for
-- a platform admin), and only into `cancelled`.
GRANT UPDATE (status, completed_at, updated_at, revision) ON jobs TO la_api;
CREATE POLICY api_cancel ON jobs FOR UPDATE TO la_api
    USING (app_role_valid() AND status = 'pending'
           AND ((user_id IS NOT NULL AND user_id = app_user_id()) OR app_is_platform_admin()))
    WITH CHECK (app_role_valid() AND status = 'cancelled'
           AND ((user_id IS NOT NULL AND user_id = app_user_id()) OR app_is_platform_admin()));
