-- fieldsync on Supabase: who may call the functions. Run after the @fieldsync/postgres migrations
-- (supabaseMigrationSql() appends it to them). Idempotent.
--
-- The fieldsync_* functions are SECURITY INVOKER (Postgres's default): they run with the rights
-- of the role that calls them, so they give no one more than that role already has. On Supabase
-- only service_role (BYPASSRLS) should call them: Supabase's default privileges grant EXECUTE on
-- new functions in public to anon and authenticated too, so that is revoked here.
-- A role missing on a plain Postgres (anon, authenticated, service_role) is skipped.

do $grants$
declare
  fieldsync_schema regnamespace := (select c.relnamespace::regnamespace from pg_class c where c.oid = '"public"."sync_runs"'::regclass);
  fieldsync_function regprocedure;
  role_name text;
begin
  for fieldsync_function in
    select p.oid::regprocedure from pg_proc p
    where p.pronamespace = fieldsync_schema and p.proname like 'fieldsync\_%'
  loop
    execute format('revoke execute on function %s from public', fieldsync_function);
    foreach role_name in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = role_name) then
        execute format('revoke execute on function %s from %I', fieldsync_function, role_name);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant execute on function %s to service_role', fieldsync_function);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    execute format('grant usage on schema %s to service_role', fieldsync_schema);
    execute 'grant select, insert, update, delete on "public"."sync_runs", "public"."field_lineage", "public"."fieldsync_conflicts",
      "public"."fieldsync_sync_state", "public"."fieldsync_locks", "public"."fieldsync_row_fingerprints", "public"."data_sources",
      "public"."tab_mappings", "public"."column_mappings", "public"."computed_fields" to service_role';
  end if;
end
$grants$;

-- Row-level security on with no policies: the Data API's anon and authenticated roles see no
-- rows; service_role bypasses RLS. Add select policies yourself to show runs or lineage to
-- signed-in admins (e.g. a sync history panel).
alter table "public"."sync_runs" enable row level security;
alter table "public"."field_lineage" enable row level security;
alter table "public"."fieldsync_conflicts" enable row level security;
alter table "public"."fieldsync_sync_state" enable row level security;
alter table "public"."fieldsync_locks" enable row level security;
alter table "public"."fieldsync_row_fingerprints" enable row level security;
alter table "public"."data_sources" enable row level security;
alter table "public"."tab_mappings" enable row level security;
alter table "public"."column_mappings" enable row level security;
alter table "public"."computed_fields" enable row level security;

-- @fieldsync/postgres's migrate() (and migrateSupabase()) records the migrations it ran in
-- fieldsync_migrations; in public it gets Supabase's default grants to anon and authenticated.
-- The rendered migration file never creates it, hence "if it exists".
do $migrations$
declare
  role_name text;
begin
  if to_regclass('"public"."fieldsync_migrations"') is not null then
    alter table "public"."fieldsync_migrations" enable row level security;
    revoke all on "public"."fieldsync_migrations" from public;
    foreach role_name in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = role_name) then
        execute format('revoke all on %s from %I', '"public"."fieldsync_migrations"'::regclass, role_name);
      end if;
    end loop;
  end if;
end
$migrations$;

-- PostgREST picks up the new functions.
notify pgrst, 'reload schema';
