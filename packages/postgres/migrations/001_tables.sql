-- fieldsync 001: tables.
--
-- Idempotent: every statement is safe to run again, and a host that already has the seed's
-- sync_runs / field_lineage tables keeps them; only missing columns and indexes are added.
-- Plain SQL for hosts that run their own migrations (e.g. `supabase migration new fieldsync`):
-- as shipped it targets the schema "public"; `renderMigrations({ schema })` from
-- @fieldsync/postgres gives the same SQL for another schema or other table names.
--
-- Decision: sync_runs is created WITHOUT the seed's foreign keys to data_sources/tab_mappings,
-- because mappings defined in code have ids (stable UUIDs of slugs) that are not rows of those
-- tables. A host whose existing sync_runs has the foreign keys keeps them; it must then keep
-- its mappings in the config tables (postgresConfigLoader) or insert matching rows.

-- Configuration tables in the seed's shape (read by postgresConfigLoader).
create table if not exists "public"."data_sources" (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  type text not null,
  connector_config jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists "public"."tab_mappings" (
  id uuid primary key default gen_random_uuid(),
  data_source_id uuid not null references "public"."data_sources"(id) on delete cascade,
  tab_name text not null,
  primary_entity text not null,
  status text not null default 'active',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table "public"."tab_mappings" add column if not exists header_row integer not null default 1;
alter table "public"."tab_mappings" add column if not exists mode text not null default 'full';
alter table "public"."tab_mappings" add column if not exists delete_policy text not null default 'ignore';
alter table "public"."tab_mappings" add column if not exists delete_marker_field text;
alter table "public"."tab_mappings" add column if not exists options jsonb not null default '{}'::jsonb;

create table if not exists "public"."column_mappings" (
  id uuid primary key default gen_random_uuid(),
  tab_mapping_id uuid not null references "public"."tab_mappings"(id) on delete cascade,
  source_column text not null,
  target_field text,
  is_key boolean not null default false,
  authority text not null default 'source_of_truth',
  transform text,
  created_at timestamptz not null default now()
);
alter table "public"."column_mappings" add column if not exists transform_options jsonb not null default '{}'::jsonb;
alter table "public"."column_mappings" add column if not exists source_priority integer not null default 0;
alter table "public"."column_mappings" add column if not exists required boolean not null default false;

create table if not exists "public"."computed_fields" (
  id uuid primary key default gen_random_uuid(),
  entity_type text not null,
  field_name text not null,
  source_priority jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (entity_type, field_name)
);

-- The seed's sync_runs (same columns; see the foreign key decision above).
create table if not exists "public"."sync_runs" (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  data_source_id UUID,
  tab_mapping_id UUID,
  status TEXT NOT NULL,  -- 'running' | 'completed' | 'failed'
  started_at TIMESTAMPTZ DEFAULT NOW(),
  completed_at TIMESTAMPTZ,
  rows_processed INT DEFAULT 0,
  rows_created INT DEFAULT 0,
  rows_updated INT DEFAULT 0,
  rows_skipped INT DEFAULT 0,
  errors JSONB,
  triggered_by UUID,
  created_at TIMESTAMPTZ DEFAULT NOW()
);
-- fieldsync's run columns, added to a pre-existing seed table too.
alter table "public"."sync_runs" add column if not exists "trigger" text not null default 'manual';
alter table "public"."sync_runs" add column if not exists dry_run boolean not null default false;
alter table "public"."sync_runs" add column if not exists force_overwrite boolean not null default false;
alter table "public"."sync_runs" add column if not exists rows_deleted integer not null default 0;
alter table "public"."sync_runs" add column if not exists rows_unchanged integer not null default 0;
alter table "public"."sync_runs" add column if not exists error_count integer not null default 0;
alter table "public"."sync_runs" add column if not exists lineage_count integer not null default 0;
alter table "public"."sync_runs" add column if not exists conflict_count integer not null default 0;
alter table "public"."sync_runs" add column if not exists heartbeat_at timestamptz;
alter table "public"."sync_runs" add column if not exists warnings jsonb not null default '[]'::jsonb;
alter table "public"."sync_runs" add column if not exists failure jsonb;
create index if not exists fieldsync_sync_runs_started on "public"."sync_runs" (started_at desc, id desc);
create index if not exists fieldsync_sync_runs_tab on "public"."sync_runs" (tab_mapping_id, started_at desc);
create index if not exists fieldsync_sync_runs_running on "public"."sync_runs" (heartbeat_at) where status = 'running';

-- The seed's field_lineage, exactly, plus entity_key and change_reason.
create table if not exists "public"."field_lineage" (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_type TEXT NOT NULL,         -- 'partners', 'staff', 'asins'
  entity_id UUID NOT NULL,           -- ID of the entity record
  field_name TEXT NOT NULL,          -- Field that was updated
  source_type TEXT NOT NULL,         -- 'google_sheet', 'api', 'app'
  source_id UUID,                    -- data_source_id if from external
  source_ref TEXT,                   -- Human-readable: "Master Sheet → Column B"
  previous_value JSONB,              -- Value before change
  new_value JSONB,                   -- Value after change
  sync_run_id UUID,                  -- Which sync run made this change
  changed_by UUID,                   -- User ID if manual, null if sync
  changed_at TIMESTAMPTZ DEFAULT NOW(),

  -- Composite index for entity lookups
  UNIQUE(entity_type, entity_id, field_name, changed_at)
);
-- A host's own field_lineage keeps its columns, but its id must be the seed's uuid (a domain over
-- uuid is one): fieldsync writes time-ordered uuids there and pages history by (changed_at, id).
-- Checked before any index is built on the table.
do $do$
declare
  id_type regtype := (select coalesce(nullif(t.typbasetype, 0), t.oid)::regtype
                      from pg_attribute a join pg_type t on t.oid = a.atttypid
                      where a.attrelid = '"public"."field_lineage"'::regclass and a.attname = 'id' and not a.attisdropped);
begin
  if id_type is distinct from 'uuid'::regtype then
    raise exception using errcode = 'FS002', message = format('%s.id is %s, not uuid', '"public"."field_lineage"'::regclass, coalesce(id_type::text, 'missing')),
      hint = 'fieldsync needs the seed''s column: id uuid primary key default gen_random_uuid(). Change the column (or rename this table and let fieldsync create its own), then migrate again.';
  end if;
end
$do$;
CREATE INDEX IF NOT EXISTS idx_lineage_entity ON "public"."field_lineage"(entity_type, entity_id);
CREATE INDEX IF NOT EXISTS idx_lineage_source ON "public"."field_lineage"(source_id);
alter table "public"."field_lineage" add column if not exists entity_key text;
alter table "public"."field_lineage" add column if not exists change_reason text;
-- (An index on changed_at alone existed in earlier versions; the batch instant is now found
-- through the index below, so every lineage insert maintains one index less.)
drop index if exists "public".fieldsync_lineage_changed_at;
-- A batch's instant comes after the last change of each field it writes, found by one backward
-- probe per field of a btree index whose columns start with entity_type, entity_id and
-- field_name (in any order), then changed_at; field history reads it too. The seed's UNIQUE
-- constraint is such an index; a host table without a usable one (none, or only partial,
-- invalid or non-btree ones) gets a plain one, named by Postgres. Building it locks the table
-- against writes for as long as it takes (seconds per million rows).
do $do$
begin
  if not exists (
    select 1 from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_am am on am.oid = c.relam and am.amname = 'btree'
    where i.indrelid = '"public"."field_lineage"'::regclass and i.indnkeyatts >= 4
      and i.indpred is null and i.indisvalid
      and (select array_agg(a.attname::text order by a.attname::text)
           from unnest((i.indkey::int2[])[0:2]) as k(attnum)
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum) = array['entity_id', 'entity_type', 'field_name']
      and (select a.attname::text from pg_attribute a where a.attrelid = i.indrelid and a.attnum = (i.indkey::int2[])[3]) = 'changed_at'
  ) then
    create index on "public"."field_lineage" (entity_type, entity_id, field_name, changed_at);
  end if;
end
$do$;

-- Values that lost (lower priority, overwritten, reference), kept for admin review.
create table if not exists "public"."fieldsync_conflicts" (
  id uuid primary key default gen_random_uuid(),
  entity_type text not null,
  entity_id uuid not null,
  entity_key text,
  field_name text not null,
  current_value jsonb,
  losing_value jsonb not null default 'null'::jsonb,
  losing_source_id uuid,
  losing_source_ref text,
  winning_source_id uuid,
  reason text not null,
  sync_run_id uuid,
  status text not null default 'open',
  resolution text,
  resolved_by uuid,
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  -- One open conflict per entity, field, losing source and losing value (jsonb text is canonical).
  dedupe_hash text generated always as (md5(coalesce(losing_source_id::text, '') || ':' || losing_value::text)) stored
);
create unique index if not exists fieldsync_conflicts_open_unique
  on "public"."fieldsync_conflicts" (entity_type, entity_id, field_name, dedupe_hash) where status = 'open';
create index if not exists fieldsync_conflicts_created on "public"."fieldsync_conflicts" (created_at desc, id desc);
create index if not exists fieldsync_conflicts_entity on "public"."fieldsync_conflicts" (entity_type, entity_id);

-- Incremental cursor per tab.
create table if not exists "public"."fieldsync_sync_state" (
  tab_mapping_id uuid primary key,
  cursor jsonb,
  updated_at timestamptz not null default now()
);

-- Row fingerprints per tab: the hash of a row's raw source cells (and of the mapping) when a
-- run last decided it, and the version (xmin, ctid) its entity row had after that run. A later
-- run skips a row whose hash is unchanged while its entity row is still that tuple version,
-- i.e. nobody wrote it since (any UPDATE makes a new tuple with a new xmin and ctid). A lost or
-- stale fingerprint only costs deciding the row again.
create table if not exists "public"."fieldsync_row_fingerprints" (
  tab_mapping_id uuid not null,
  entity_key text not null,
  row_hash bigint not null,
  entity_id text not null,
  entity_xmin xid not null,
  entity_ctid tid not null,
  entity_tableoid oid,
  primary key (tab_mapping_id, entity_key)
);
-- The partition (or table) that holds the version: partitions number their ctids each, and one
-- transaction gives every row it writes the same xmin. (Fingerprints recorded before this column
-- existed have none and are decided again once.)
alter table "public"."fieldsync_row_fingerprints" add column if not exists entity_tableoid oid;

-- Lease locks for stores that cannot hold a session (Supabase over HTTP). The pg store uses
-- session advisory locks instead.
create table if not exists "public"."fieldsync_locks" (
  lock_key text primary key,
  holder uuid not null,
  expires_at timestamptz not null
);
