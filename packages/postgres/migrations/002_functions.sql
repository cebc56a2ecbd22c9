-- fieldsync 002: the store's SQL functions. Idempotent (create or replace).
--
-- Every function takes one jsonb `payload` and returns jsonb, so the pg/PGlite store calls
-- `select "schema".fieldsync_x($1::jsonb)` and the Supabase store calls `.rpc('fieldsync_x',
-- { payload })`: one call, one statement, one transaction. Entity identifiers arrive in the
-- payload and are only ever used quoted (format %I), after a catalog lookup.

-- The entity table, checked to exist.
create or replace function "public".fieldsync_entity_relation(entity_schema text, entity text) returns regclass
language plpgsql stable as $fn$
declare
  relation regclass;
begin
  relation := to_regclass(format('%I.%I', coalesce(entity_schema, 'public'), entity));
  if relation is null then
    raise exception using errcode = '42P01', message = format('relation %I.%I does not exist', coalesce(entity_schema, 'public'), entity);
  end if;
  return relation;
end
$fn$;

-- An entity table's columns: { idColumn, columns: [{ name, type, nullable }] }, or null.
create or replace function "public".fieldsync_describe_entity(payload jsonb) returns jsonb
language plpgsql stable as $fn$
declare
  relation regclass := to_regclass(format('%I.%I', coalesce(payload->>'entitySchema', 'public'), payload->>'entity'));
  primary_key text;
begin
  if relation is null then
    return null;
  end if;
  select a.attname into primary_key
  from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
  where i.indrelid = relation and i.indisprimary and i.indnatts = 1;
  return jsonb_build_object(
    'idColumn', coalesce(primary_key, 'id'),
    'columns', coalesce((
      select jsonb_agg(jsonb_build_object(
        'name', a.attname,
        'type', case when t.typcategory = 'A' then e.typname || '[]' else t.typname end,
        'nullable', not a.attnotnull,
        'hasDefault', a.atthasdef
      ) order by a.attnum)
      from pg_attribute a
      join pg_type t on t.oid = a.atttypid
      left join pg_type e on e.oid = t.typelem and t.typcategory = 'A'
      where a.attrelid = relation and a.attnum > 0 and not a.attisdropped
    ), '[]'::jsonb)
  );
end
$fn$;

-- Existing entities for one batch's keys:
-- { fields: [key field, ...fields], rows: [[id, key, value per field]], owners: { id: { field: sourceId } } }.
-- json, not jsonb, and positional rows: about half the cost of building jsonb objects per row.
drop function if exists "public".fieldsync_load_entities(jsonb);
-- enable_seqscan off: a table just filled by a sync has no statistics yet (autovacuum analyzes it
-- later), and the planner then scans all of it for every batch's 500 keys (3x slower at 100,000
-- rows, measured); a batch of keys is always a job for the key's index.
create function "public".fieldsync_load_entities(payload jsonb) returns json
language plpgsql stable set enable_seqscan = off as $fn$
declare
  entity_schema text := coalesce(payload->>'entitySchema', 'public');
  entity text := payload->>'entity';
  key_field text := payload->>'keyField';
  id_column text := coalesce(payload->>'idColumn', 'id');
  relation regclass := "public".fieldsync_entity_relation(entity_schema, entity);
  key_type text;
  fields text[];
  row_sql text;
  rows_found json;
  versions_found json;
  owners jsonb := '{}'::jsonb;
begin
  select format_type(a.atttypid, a.atttypmod) into key_type
  from pg_attribute a where a.attrelid = relation and a.attname = key_field and a.attnum > 0 and not a.attisdropped;
  if key_type is null then
    raise exception using errcode = '42703', message = format('column %I of relation %I.%I does not exist', key_field, entity_schema, entity);
  end if;
  -- The key field first, then the requested fields in order, each once.
  select array_agg(field order by position) into fields from (
    select distinct on (field) field, position
    from (select key_field as field, 0::bigint as position
          union all
          select value, ordinality from jsonb_array_elements_text(coalesce(payload->'fields', '[]'::jsonb)) with ordinality) requested
    order by field, position
  ) unique_fields;
  if array_length(fields, 1) <= 98 then
    select format('json_build_array(t.%I::text, t.%I::text, %s)', id_column, key_field, string_agg(format('t.%I', field), ', ' order by position))
      into row_sql from unnest(fields) with ordinality as f(field, position);
  else
    -- json_build_array takes at most 100 arguments: join jsonb arrays of 50.
    select '(' || string_agg(chunk, ' || ' order by part) || ')::json' into row_sql from (
      select part, 'jsonb_build_array(' || string_agg(item, ', ' order by position) || ')' as chunk
      from (select item, position, (position - 1) / 50 as part from unnest(
              array[format('t.%I::text', id_column), format('t.%I::text', key_field)] || array(select format('t.%I', field) from unnest(fields) field)
            ) with ordinality as i(item, position)) numbered
      group by part
    ) chunks;
  end if;
  -- versions[i] is row i's version (xmin:ctid), for row fingerprints: both aggregates see the rows in one order.
  execute format('select coalesce(json_agg(%1$s), ''[]''::json), %6$s from %2$I.%3$I t where t.%4$I = any($1::%5$s[])',
    row_sql, entity_schema, entity, key_field, key_type,
    -- Only when asked (row fingerprints): a view as entity relation has no xmin or ctid.
    case when coalesce((payload->>'withVersions')::boolean, false)
      then 'coalesce(json_agg(t.xmin::text || '':'' || t.ctid::text), ''[]''::json)' else 'null::json' end)
    into rows_found, versions_found
    using array(select jsonb_array_elements_text(coalesce(payload->'keys', '[]'::jsonb)));
  if coalesce((payload->>'withOwners')::boolean, false) and json_array_length(rows_found) > 0 then
    select coalesce(jsonb_object_agg(latest.entity_id::text, latest.owners), '{}'::jsonb) into owners
    from (
      select newest.entity_id, jsonb_object_agg(newest.field_name, newest.source_id) as owners
      from (
        select distinct on (l.entity_id, l.field_name) l.entity_id, l.field_name, l.source_id
        from "public"."field_lineage" l
        where l.entity_type = entity
          and l.entity_id = any(array(select (r->>0)::uuid from json_array_elements(rows_found) r))
          and l.field_name = any(fields)
        order by l.entity_id, l.field_name, l.changed_at desc
      ) newest
      group by newest.entity_id
    ) latest;
  end if;
  return json_build_object('fields', to_json(fields), 'rows', rows_found, 'versions', versions_found, 'owners', owners);
end
$fn$;

-- A JSON array as a Postgres array, in order (JSON null items become NULL).
create or replace function "public".fieldsync_text_array(items jsonb) returns text[]
language sql immutable as $fn$
  select coalesce(array_agg(item order by position), '{}')
  from jsonb_array_elements_text(coalesce(items, '[]'::jsonb)) with ordinality as e(item, position);
$fn$;

create or replace function "public".fieldsync_jsonb_array(items jsonb) returns jsonb[]
language sql immutable as $fn$
  select coalesce(array_agg(nullif(item, 'null'::jsonb) order by position), '{}')
  from jsonb_array_elements(coalesce(items, '[]'::jsonb)) with ordinality as e(item, position);
$fn$;

-- The lineage rows of a batch's columnar payload (see fieldsync_apply_batch), at the batch's
-- instant, created entities' ids taken from created_ids by key.
create or replace function "public".fieldsync_lineage_rows(lineage jsonb, lineage_rows integer, created_ids jsonb, batch_instant timestamptz)
returns table (entity_type text, entity_id uuid, entity_key text, field_name text, source_type text, source_id uuid, source_ref text,
               previous_value jsonb, new_value jsonb, sync_run_id uuid, changed_by uuid, changed_at timestamptz, change_reason text,
               ordinal bigint)
language sql stable as $fn$
  -- jsonb_to_record turns the JSON arrays of text and uuid columns into Postgres arrays in C (a
  -- per-column jsonb_array_elements + array_agg was 2x slower). Not the value columns: a value
  -- that is itself a JSON array would be read as a second array dimension. A column sent once in
  -- `uniform` (one value for every row) is repeated with array_fill.
  select l.entity_type, coalesce(l.entity_id, (created_ids->>l.entity_key)::uuid), l.entity_key, l.field_name,
         l.source_type, l.source_id, l.source_ref, l.previous_value, l.new_value,
         l.sync_run_id, l.changed_by, batch_instant, l.change_reason, l.ordinal
  from jsonb_to_record(lineage) as c(
         entity_type text[], entity_id uuid[], entity_key text[], field_name text[], source_type text[], source_id uuid[],
         source_ref text[], sync_run_id uuid[], changed_by uuid[], change_reason text[]),
       jsonb_to_record(coalesce(lineage->'uniform', '{}'::jsonb)) as u(
         entity_type text, entity_id uuid, entity_key text, field_name text, source_type text, source_id uuid,
         source_ref text, sync_run_id uuid, changed_by uuid, change_reason text),
       unnest(coalesce(c.entity_type, array_fill(u.entity_type, array[lineage_rows])),
              coalesce(c.entity_id, array_fill(u.entity_id, array[lineage_rows])),
              coalesce(c.entity_key, array_fill(u.entity_key, array[lineage_rows])),
              coalesce(c.field_name, array_fill(u.field_name, array[lineage_rows])),
              coalesce(c.source_type, array_fill(u.source_type, array[lineage_rows])),
              coalesce(c.source_id, array_fill(u.source_id, array[lineage_rows])),
              coalesce(c.source_ref, array_fill(u.source_ref, array[lineage_rows])),
              case when lineage ? 'previous_value' then "public".fieldsync_jsonb_array(lineage->'previous_value')
                   else array_fill(nullif(lineage->'uniform'->'previous_value', 'null'::jsonb), array[lineage_rows]) end,
              case when lineage ? 'new_value' then "public".fieldsync_jsonb_array(lineage->'new_value')
                   else array_fill(nullif(lineage->'uniform'->'new_value', 'null'::jsonb), array[lineage_rows]) end,
              coalesce(c.sync_run_id, array_fill(u.sync_run_id, array[lineage_rows])),
              coalesce(c.changed_by, array_fill(u.changed_by, array[lineage_rows])),
              coalesce(c.change_reason, array_fill(u.change_reason, array[lineage_rows]))) with ordinality
    as l(entity_type, entity_id, entity_key, field_name, source_type, source_id, source_ref,
         previous_value, new_value, sync_run_id, changed_by, change_reason, ordinal);
$fn$;

-- A UUID of version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Every lineage
-- row fieldsync writes gets a time-ordered id (a batch's rows: see fieldsync_apply_batch), so
-- inserts go to the right edge of the primary key instead of a random leaf page each: a random
-- id dirtied (and, after a checkpoint, wrote a full-page image of) one more leaf per row.
create or replace function "public".fieldsync_time_ordered_uuid() returns uuid
language sql volatile parallel safe as $fn$
  select encode(set_bit(set_bit(
    overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6),
    52, 1), 53, 1), 'hex')::uuid;
$fn$;

-- A batch, atomically: creates, updates (changed columns only, grouped by column set),
-- deletes, lineage, conflicts (open duplicates skipped), run counters and the tab's cursor.
-- Payload: { entitySchema, entity, keyField, idColumn, idHasDefault, runId, tabMappingId,
--   creates: [{ columns, rows: [{col: value}] }], updates: [{ columns, rows: [{id, col: value}] }],
--   deletes: [{id}], lineage: { column: [value per row] } (columnar: a batch holds ~10 lineage rows
--   per entity, and repeating 12 keys per row made the payload 1.7x larger), or the older array of
--   row objects, conflicts: [{...}], stats: {...}, checkpoint?, lock?: { key, holder } }
-- With `lock` (the Supabase store's tab lease), the batch is written only while that holder's lease
-- row is unexpired; otherwise it raises SQLSTATE FS001 (FIELDSYNC_LEASE_LOST) before any write.
create or replace function "public".fieldsync_apply_batch(payload jsonb) returns jsonb
language plpgsql as $fn$
declare
  entity_schema text := coalesce(payload->>'entitySchema', 'public');
  entity text := payload->>'entity';
  key_field text := payload->>'keyField';
  id_column text := coalesce(payload->>'idColumn', 'id');
  relation regclass;
  id_has_default boolean;
  batch_group jsonb;
  group_columns text[];
  created_ids jsonb := '{}'::jsonb;
  group_ids jsonb;
  affected bigint;
  total_created bigint := 0;
  total_updated bigint := 0;
  total_deleted bigint := 0;
  total_lineage bigint := 0;
  total_conflicts bigint := 0;
  batch_instant timestamptz;
  stats jsonb := coalesce(payload->'stats', '{}'::jsonb);
  lineage jsonb := payload->'lineage';
  lineage_rows integer := case jsonb_typeof(payload->'lineage')
    when 'object' then coalesce((payload->'lineage'->>'rows')::int, jsonb_array_length(payload->'lineage'->'field_name'), 0)
    when 'array' then jsonb_array_length(payload->'lineage')
    else 0 end;
  fingerprint_rows integer := case jsonb_typeof(payload->'fingerprints')
    when 'object' then coalesce(jsonb_array_length(payload->'fingerprints'->'keys'), 0) else 0 end;
  key_type text;
  fingerprint_keys text[];
  fingerprint_hashes bigint[];
  fingerprint_versions text[];
  raced text[] := '{}';
  lineage_id_prefix text;
  lineage_id_start bigint;
begin
  -- The lease, checked in this transaction: a client-side check alone let a batch sent just before
  -- the lease ran out commit after another instance took the tab. FOR SHARE makes a takeover's
  -- update of the row wait for this batch's commit. (Payloads without `lock`, e.g. the Postgres
  -- store's, which holds a session advisory lock instead, are not checked.)
  if jsonb_typeof(payload->'lock') = 'object' then
    perform 1 from "public"."fieldsync_locks" l
    where l.lock_key = payload->'lock'->>'key' and l.holder = (payload->'lock'->>'holder')::uuid
      and l.expires_at > clock_timestamp()
    for share;
    if not found then
      raise exception using errcode = 'FS001', message = 'FIELDSYNC_LEASE_LOST',
        hint = 'The tab''s lease expired or another holder has it: nothing of this batch was written.';
    end if;
  end if;
  -- A batch of unchanged rows only adds to the run's counters: progress that needs no fsync of its
  -- own (a crash loses at most these counts; finishRun writes the final ones durably).
  if jsonb_array_length(coalesce(payload->'creates', '[]'::jsonb)) = 0 and jsonb_array_length(coalesce(payload->'updates', '[]'::jsonb)) = 0
     and jsonb_array_length(coalesce(payload->'deletes', '[]'::jsonb)) = 0 and lineage_rows = 0
     and jsonb_array_length(coalesce(payload->'conflicts', '[]'::jsonb)) = 0 and not payload ? 'checkpoint' then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  -- Updates and deletes find their rows by id through the index, also on a table that has no
  -- statistics yet (see fieldsync_load_entities). Transaction-local: this call is the transaction.
  -- (Not a SET clause on the function: leaving it would also undo synchronous_commit above.)
  perform set_config('enable_seqscan', 'off', true);
  -- Catalog lookups only when the entity table is written (a batch of unchanged rows only adds counters).
  if jsonb_array_length(coalesce(payload->'creates', '[]'::jsonb)) > 0 or jsonb_array_length(coalesce(payload->'updates', '[]'::jsonb)) > 0
     or jsonb_array_length(coalesce(payload->'deletes', '[]'::jsonb)) > 0 then
    relation := "public".fieldsync_entity_relation(entity_schema, entity);
    select a.atthasdef into id_has_default
    from pg_attribute a where a.attrelid = relation and a.attname = id_column and a.attnum > 0 and not a.attisdropped;
  end if;

  -- Row fingerprints whose entity another writer changed after the batch loaded it (its version
  -- moved), or created (a null version is for an entity this batch creates), are not recorded:
  -- that row must be decided again next run. Checked before this batch's own writes.
  if fingerprint_rows > 0 then
    relation := coalesce(relation, "public".fieldsync_entity_relation(entity_schema, entity));
    select format_type(a.atttypid, a.atttypmod) into key_type
    from pg_attribute a where a.attrelid = relation and a.attname = key_field and a.attnum > 0 and not a.attisdropped;
    select f.keys, f.hashes, f.versions into fingerprint_keys, fingerprint_hashes, fingerprint_versions
    from jsonb_to_record(payload->'fingerprints') as f(keys text[], hashes bigint[], versions text[]);
    -- The rows this batch updates are locked before the check, so no other writer can commit a
    -- change to them between the check and the UPDATE (rows it does not write are checked again
    -- after, below).
    for batch_group in select value from jsonb_array_elements(coalesce(payload->'updates', '[]'::jsonb)) loop
      execute format(
        'select count(*) from (select 1 from %1$I.%2$I t where t.%3$I in (select s.%3$I from jsonb_populate_recordset(null::%1$I.%2$I, $1) s) for no key update of t) locked',
        entity_schema, entity, id_column)
        into affected
        using batch_group->'rows';
    end loop;
    execute format(
      'select coalesce(array_agg(f.key), ''{}'') from unnest($1::text[], $2::text[]) f(key, version) '
      || 'left join %1$I.%2$I e on e.%3$I = f.key::%4$s '
      || 'where case when f.version is null then e.%3$I is not null else e.%3$I is null or e.xmin::text || '':'' || e.ctid::text <> f.version end',
      entity_schema, entity, key_field, key_type)
      into raced
      using fingerprint_keys, fingerprint_versions;
  end if;

  for batch_group in select value from jsonb_array_elements(coalesce(payload->'creates', '[]'::jsonb)) loop
    select array_agg(value) into group_columns from jsonb_array_elements_text(batch_group->'columns');
    execute format(
      'with inserted as (insert into %1$I.%2$I (%3$s) select %4$s from jsonb_populate_recordset(null::%1$I.%2$I, $1) s returning %5$I::text as id, %6$I::text as key) '
      || 'select coalesce(jsonb_object_agg(key, id), ''{}''::jsonb), count(*) from inserted',
      entity_schema, entity,
      case when coalesce(id_has_default, false) then '' else quote_ident(id_column) || ', ' end
        || (select string_agg(quote_ident(c), ', ') from unnest(group_columns) c),
      case when coalesce(id_has_default, false) then '' else 'gen_random_uuid(), ' end
        || (select string_agg('s.' || quote_ident(c), ', ') from unnest(group_columns) c),
      id_column, key_field)
      into group_ids, affected
      using batch_group->'rows';
    created_ids := created_ids || group_ids;
    total_created := total_created + affected;
  end loop;

  for batch_group in select value from jsonb_array_elements(coalesce(payload->'updates', '[]'::jsonb)) loop
    select array_agg(value) into group_columns from jsonb_array_elements_text(batch_group->'columns');
    execute format(
      'update %1$I.%2$I t set %3$s from jsonb_populate_recordset(null::%1$I.%2$I, $1) s where t.%4$I = s.%4$I',
      entity_schema, entity,
      (select string_agg(format('%I = s.%I', c, c), ', ') from unnest(group_columns) c),
      id_column)
      using batch_group->'rows';
    get diagnostics affected = row_count;
    total_updated := total_updated + affected;
  end loop;

  if jsonb_array_length(coalesce(payload->'deletes', '[]'::jsonb)) > 0 then
    execute format(
      'delete from %1$I.%2$I t using jsonb_populate_recordset(null::%1$I.%2$I, $1) s where t.%3$I = s.%3$I',
      entity_schema, entity, id_column)
      using payload->'deletes';
    get diagnostics total_deleted = row_count;
  end if;

  if lineage_rows > 0 or jsonb_array_length(coalesce(payload->'conflicts', '[]'::jsonb)) > 0 then
    -- Later than the last stored change of each field this batch writes, so the seed's
    -- UNIQUE(entity_type, entity_id, field_name, changed_at) holds even on a millisecond clock
    -- (PGlite) and each field's history is in order of writing. One backward probe of that
    -- unique index per field written (not a scan of each entity's whole history, which grows
    -- with every change). Created entities have no history.
    batch_instant := greatest(
      clock_timestamp(),
      (select max(last.changed_at) + interval '1 microsecond'
       from (
         select distinct w.entity_id, w.field_name
         from jsonb_to_record(case when jsonb_typeof(lineage) = 'object' then lineage else '{}'::jsonb end) as c(entity_id uuid[], field_name text[]),
              jsonb_to_record(case when jsonb_typeof(lineage) = 'object' then coalesce(lineage->'uniform', '{}'::jsonb) else '{}'::jsonb end) as u(entity_id uuid, field_name text),
              unnest(coalesce(c.entity_id, array_fill(u.entity_id, array[lineage_rows])),
                     coalesce(c.field_name, array_fill(u.field_name, array[lineage_rows]))) as w(entity_id, field_name)
         where jsonb_typeof(lineage) = 'object' and w.entity_id is not null
         union
         select (line->>'entity_id')::uuid, line->>'field_name'
         from jsonb_array_elements(case when jsonb_typeof(lineage) = 'array' then lineage else '[]'::jsonb end) as lines(line)
         where line->>'entity_id' is not null
       ) written
       cross join lateral (
         select h.changed_at from "public"."field_lineage" h
         where h.entity_type = entity and h.entity_id = written.entity_id and h.field_name = written.field_name
           and h.changed_at is not null
         order by h.changed_at desc limit 1
       ) last),
      (select max(created_at) + interval '1 microsecond' from "public"."fieldsync_conflicts"));
  end if;

  if lineage_rows > 0 and jsonb_typeof(lineage) = 'object' then
    -- Time-ordered ids (the column's default, gen_random_uuid(), put each row in a random leaf
    -- page of the primary key): one version 7 UUID per batch, whose last 48 bits count up from a
    -- random start through the batch's rows (RFC 9562's monotonic random), so a row's id costs
    -- a string, not a random draw and a UUID built byte by byte (0.4 against 4-6 us per row).
    lineage_id_prefix := left(replace("public".fieldsync_time_ordered_uuid()::text, '-', ''), 20);
    lineage_id_start := floor(random() * 140737488355328)::bigint;
    insert into "public"."field_lineage"
      (id, entity_type, entity_id, entity_key, field_name, source_type, source_id, source_ref,
       previous_value, new_value, sync_run_id, changed_by, changed_at, change_reason)
    select (lineage_id_prefix || lpad(to_hex(lineage_id_start + l.ordinal), 12, '0'))::uuid,
           l.entity_type, l.entity_id, l.entity_key, l.field_name, l.source_type, l.source_id, l.source_ref,
           l.previous_value, l.new_value, l.sync_run_id, l.changed_by, l.changed_at, l.change_reason
    from "public".fieldsync_lineage_rows(lineage, lineage_rows, created_ids, batch_instant) l;
    get diagnostics total_lineage = row_count;
  elsif lineage_rows > 0 then
    insert into "public"."field_lineage"
      (id, entity_type, entity_id, entity_key, field_name, source_type, source_id, source_ref,
       previous_value, new_value, sync_run_id, changed_by, changed_at, change_reason)
    select "public".fieldsync_time_ordered_uuid(), l.entity_type, coalesce(l.entity_id, (created_ids->>l.entity_key)::uuid), l.entity_key, l.field_name,
           l.source_type, l.source_id, l.source_ref, l.previous_value, l.new_value, l.sync_run_id, l.changed_by,
           batch_instant, l.change_reason
    from jsonb_to_recordset(lineage) as l(
      entity_type text, entity_id uuid, entity_key text, field_name text, source_type text, source_id uuid,
      source_ref text, previous_value jsonb, new_value jsonb, sync_run_id uuid, changed_by uuid, change_reason text);
    get diagnostics total_lineage = row_count;
  end if;

  if jsonb_array_length(coalesce(payload->'conflicts', '[]'::jsonb)) > 0 then
    insert into "public"."fieldsync_conflicts"
      (entity_type, entity_id, entity_key, field_name, current_value, losing_value, losing_source_id,
       losing_source_ref, winning_source_id, reason, sync_run_id, created_at)
    select c.entity_type, coalesce(c.entity_id, (created_ids->>c.entity_key)::uuid), c.entity_key, c.field_name,
           coalesce(c.current_value, 'null'::jsonb), coalesce(c.losing_value, 'null'::jsonb), c.losing_source_id,
           c.losing_source_ref, c.winning_source_id, c.reason, c.sync_run_id, batch_instant
    from jsonb_to_recordset(payload->'conflicts') as c(
      entity_type text, entity_id uuid, entity_key text, field_name text, current_value jsonb, losing_value jsonb,
      losing_source_id uuid, losing_source_ref text, winning_source_id uuid, reason text, sync_run_id uuid)
    on conflict (entity_type, entity_id, field_name, dedupe_hash) where status = 'open' do nothing;
    get diagnostics total_conflicts = row_count;
  end if;

  if payload->>'runId' is not null then
    update "public"."sync_runs" set
      rows_processed = coalesce(rows_processed, 0) + coalesce((stats->>'rowsProcessed')::int, 0),
      rows_created = coalesce(rows_created, 0) + coalesce((stats->>'rowsCreated')::int, 0),
      rows_updated = coalesce(rows_updated, 0) + coalesce((stats->>'rowsUpdated')::int, 0),
      rows_skipped = coalesce(rows_skipped, 0) + coalesce((stats->>'rowsSkipped')::int, 0),
      rows_deleted = rows_deleted + coalesce((stats->>'rowsDeleted')::int, 0),
      rows_unchanged = rows_unchanged + coalesce((stats->>'rowsUnchanged')::int, 0),
      error_count = error_count + coalesce((stats->>'errorCount')::int, 0),
      lineage_count = lineage_count + coalesce((stats->>'lineageCount')::int, 0),
      conflict_count = conflict_count + coalesce((stats->>'conflictCount')::int, 0),
      heartbeat_at = greatest(clock_timestamp(), heartbeat_at)
    where id = (payload->>'runId')::uuid;
  end if;

  -- Fingerprints carry the entity's version after this batch's writes. Each statement here sees
  -- other transactions' commits (READ COMMITTED), so a row is recorded only if it is still the
  -- version the run loaded, or a version this transaction wrote (rows it updates were locked
  -- before the check): a write committed by someone else is never taken for the run's.
  if fingerprint_rows > 0 then
    execute format(
      'insert into "public"."fieldsync_row_fingerprints" (tab_mapping_id, entity_key, row_hash, entity_id, entity_xmin, entity_ctid, entity_tableoid) '
      || 'select $3, f.key, f.hash, e.%5$I::text, e.xmin, e.ctid, e.tableoid '
      || 'from unnest($1::text[], $2::bigint[], $5::text[]) f(key, hash, version) join %1$I.%2$I e on e.%3$I = f.key::%4$s '
      || 'where not (f.key = any($4)) '
      || 'and (e.xmin = pg_current_xact_id()::xid or e.xmin::text || '':'' || e.ctid::text = f.version) '
      || 'on conflict (tab_mapping_id, entity_key) do update set row_hash = excluded.row_hash, entity_id = excluded.entity_id, '
      || 'entity_xmin = excluded.entity_xmin, entity_ctid = excluded.entity_ctid, entity_tableoid = excluded.entity_tableoid',
      entity_schema, entity, key_field, key_type, id_column)
      using fingerprint_keys, fingerprint_hashes, (payload->>'tabMappingId')::uuid, raced, fingerprint_versions;
  end if;

  if payload ? 'checkpoint' then
    insert into "public"."fieldsync_sync_state" (tab_mapping_id, cursor, updated_at)
    values ((payload->>'tabMappingId')::uuid, payload->'checkpoint', clock_timestamp())
    on conflict (tab_mapping_id) do update set cursor = excluded.cursor, updated_at = excluded.updated_at;
  end if;

  return jsonb_build_object('created', total_created, 'updated', total_updated, 'deleted', total_deleted,
    'lineage', total_lineage, 'conflicts', total_conflicts);
end
$fn$;

-- Runs -------------------------------------------------------------------------------------

create or replace function "public".fieldsync_create_run(payload jsonb) returns jsonb
language plpgsql as $fn$
declare
  started timestamptz;
  created jsonb;
begin
  -- Strictly after the newest run, so "newest first" is creation order on a millisecond clock too.
  started := greatest(clock_timestamp(), (select max(started_at) + interval '1 microsecond' from "public"."sync_runs"));
  insert into "public"."sync_runs" as r
    (data_source_id, tab_mapping_id, status, started_at, created_at, heartbeat_at, triggered_by, "trigger",
     dry_run, force_overwrite, rows_processed, rows_created, rows_updated, rows_skipped, errors, warnings)
  values ((payload->>'dataSourceId')::uuid, (payload->>'tabMappingId')::uuid, 'running', started, started, started,
     (payload->>'triggeredBy')::uuid, coalesce(payload->>'trigger', 'manual'),
     coalesce((payload->>'dryRun')::boolean, false), coalesce((payload->>'forceOverwrite')::boolean, false),
     0, 0, 0, 0, '[]'::jsonb, '[]'::jsonb)
  returning to_jsonb(r) into created;
  return created;
end
$fn$;

-- A heartbeat needs no fsync of its own: losing one in a crash only makes the run look stale sooner.
-- (set_config with is_local lasts to the commit; a SET clause on the function would end with it.)
create or replace function "public".fieldsync_heartbeat_run(payload jsonb) returns jsonb
language plpgsql as $fn$
begin
  perform set_config('synchronous_commit', 'off', true);
  update "public"."sync_runs" set heartbeat_at = greatest(clock_timestamp(), heartbeat_at)
  where id = (payload->>'runId')::uuid and status = 'running';
  return jsonb_build_object('updated', found);
end
$fn$;

create or replace function "public".fieldsync_finish_run(payload jsonb) returns jsonb
language plpgsql as $fn$
declare
  stats jsonb := coalesce(payload->'stats', '{}'::jsonb);
  finished jsonb;
begin
  update "public"."sync_runs" as r set
    status = payload->>'status',
    completed_at = greatest(clock_timestamp(), r.started_at),
    rows_processed = coalesce((stats->>'rowsProcessed')::int, 0),
    rows_created = coalesce((stats->>'rowsCreated')::int, 0),
    rows_updated = coalesce((stats->>'rowsUpdated')::int, 0),
    rows_skipped = coalesce((stats->>'rowsSkipped')::int, 0),
    rows_deleted = coalesce((stats->>'rowsDeleted')::int, 0),
    rows_unchanged = coalesce((stats->>'rowsUnchanged')::int, 0),
    error_count = coalesce((stats->>'errorCount')::int, 0),
    lineage_count = coalesce((stats->>'lineageCount')::int, 0),
    conflict_count = coalesce((stats->>'conflictCount')::int, 0),
    errors = coalesce(payload->'errors', '[]'::jsonb),
    warnings = coalesce(payload->'warnings', '[]'::jsonb),
    failure = case when payload->'failure' = 'null'::jsonb then null else payload->'failure' end
  where r.id = (payload->>'runId')::uuid
  returning to_jsonb(r) into finished;
  return finished;
end
$fn$;

-- Fails `running` runs whose heartbeat is older than staleAfterMs; returns { failed }.
create or replace function "public".fieldsync_fail_stale_runs(payload jsonb) returns jsonb
language plpgsql as $fn$
declare
  failed bigint;
begin
  update "public"."sync_runs" as r set
    status = 'failed',
    completed_at = clock_timestamp(),
    failure = jsonb_build_object('code', 'RUN_ABANDONED', 'message',
      '[fieldsync] [postgres] The run stopped sending heartbeats (its process probably crashed or lost its connection) and was marked failed. Run the sync again; committed batches are kept.')
  where r.status = 'running'
    and coalesce(r.heartbeat_at, r.started_at) < clock_timestamp() - make_interval(secs => coalesce((payload->>'staleAfterMs')::double precision, 0) / 1000.0)
    and (payload->>'tabMappingId' is null or r.tab_mapping_id = (payload->>'tabMappingId')::uuid);
  get diagnostics failed = row_count;
  return jsonb_build_object('failed', failed);
end
$fn$;

create or replace function "public".fieldsync_get_run(payload jsonb) returns jsonb
language sql stable as $fn$
  select to_jsonb(r) from "public"."sync_runs" r where r.id = (payload->>'runId')::uuid;
$fn$;

-- Newest first by (started_at, id). Cursor: { at, id } of the last item seen (`at` as returned).
create or replace function "public".fieldsync_list_runs(payload jsonb) returns jsonb
language plpgsql stable as $fn$
declare
  page_size int := greatest(1, least(coalesce((payload->>'limit')::int, 50), 1000));
  cursor_at timestamptz := (payload->'cursor'->>'at')::timestamptz;
  cursor_id uuid := (payload->'cursor'->>'id')::uuid;
  page_items jsonb;
begin
  select coalesce(jsonb_agg(to_jsonb(page) order by page.started_at desc, page.id desc), '[]'::jsonb) into page_items
  from (
    select r.* from "public"."sync_runs" r
    where (payload->>'dataSourceId' is null or r.data_source_id = (payload->>'dataSourceId')::uuid)
      and (payload->>'tabMappingId' is null or r.tab_mapping_id = (payload->>'tabMappingId')::uuid)
      and (payload->>'status' is null or r.status = payload->>'status')
      and (cursor_id is null or (r.started_at, r.id) < (cursor_at, cursor_id))
    order by r.started_at desc, r.id desc
    limit page_size + 1
  ) page;
  return jsonb_build_object('items', page_items, 'pageSize', page_size);
end
$fn$;

-- State, lineage, conflicts ------------------------------------------------------------------

create or replace function "public".fieldsync_get_state(payload jsonb) returns jsonb
language sql stable as $fn$
  select jsonb_build_object('found', count(*) > 0, 'cursor', max(s.cursor::text)::jsonb)
  from "public"."fieldsync_sync_state" s where s.tab_mapping_id = (payload->>'tabMappingId')::uuid;
$fn$;

-- A tab's row fingerprints whose entity row is still the recorded tuple version (nobody wrote it
-- since): { keys: [...], hashes: [...] }, in one hash join of the two tables on (ctid, xmin).
-- The join settings: tables a sync just filled have no statistics, and the planner then chose a
-- merge join with sorts spilled to disk (2.5x slower at 100,000 rows, measured).
create or replace function "public".fieldsync_load_fingerprints(payload jsonb) returns json
language plpgsql stable set work_mem = '64MB' set enable_mergejoin = off set enable_nestloop = off as $fn$
declare
  entity_schema text := coalesce(payload->>'entitySchema', 'public');
  entity text := payload->>'entity';
  key_field text := payload->>'keyField';
  id_column text := coalesce(payload->>'idColumn', 'id');
  relation regclass := "public".fieldsync_entity_relation(entity_schema, entity);
  result json;
begin
  -- (tableoid, ctid, xmin) is the tuple version: partitions number their ctids each. The row's
  -- key is checked too: VACUUM FULL and CLUSTER move rows to new ctids and keep their xmin, and
  -- one batch gives all its rows one xmin, so after a rewrite one entity's fingerprint can name
  -- the slot of another written by the same batch. The key is compared as text (free for a text
  -- key; comparing the id as text cost twice the join): never a cast of the stored key, which a
  -- fingerprint kept from an earlier key field or column type could fail and fail the load.
  execute format(
    'select json_build_object(''keys'', coalesce(json_agg(f.entity_key), ''[]''::json), ''hashes'', coalesce(json_agg(f.row_hash), ''[]''::json)) '
    || 'from "public"."fieldsync_row_fingerprints" f join %1$I.%2$I e on e.ctid = f.entity_ctid and e.xmin = f.entity_xmin and e.tableoid = f.entity_tableoid '
    || 'where f.tab_mapping_id = $1 and %3$s',
    entity_schema, entity,
    case when key_field is not null then format('e.%I::text = f.entity_key', key_field) else format('e.%I::text = f.entity_id', id_column) end)
    into result
    using (payload->>'tabMappingId')::uuid;
  return result;
end
$fn$;

create or replace function "public".fieldsync_reset_state(payload jsonb) returns jsonb
language sql as $fn$
  with forgotten as (delete from "public"."fieldsync_row_fingerprints" where tab_mapping_id = (payload->>'tabMappingId')::uuid),
  deleted as (delete from "public"."fieldsync_sync_state" where tab_mapping_id = (payload->>'tabMappingId')::uuid returning 1)
  select jsonb_build_object('deleted', count(*)) from deleted;
$fn$;

create or replace function "public".fieldsync_field_history(payload jsonb) returns jsonb
language sql stable as $fn$
  select coalesce(jsonb_agg(to_jsonb(h) order by h.changed_at desc, h.id desc), '[]'::jsonb)
  from (
    select l.* from "public"."field_lineage" l
    where l.entity_type = payload->>'entityType' and l.entity_id = (payload->>'entityId')::uuid
      and l.field_name = payload->>'fieldName'
      -- Optional keyset cursor { at, id } of the last row seen, for callers that page (Supabase caps answers).
      and (payload->'cursor'->>'id' is null
           or (l.changed_at, l.id) < ((payload->'cursor'->>'at')::timestamptz, (payload->'cursor'->>'id')::uuid))
    order by l.changed_at desc, l.id desc
    limit greatest(1, least(coalesce((payload->>'limit')::int, 50), 1000))
  ) h;
$fn$;

-- Newest first by (created_at, id). Cursor as for runs.
create or replace function "public".fieldsync_list_conflicts(payload jsonb) returns jsonb
language plpgsql stable as $fn$
declare
  page_size int := greatest(1, least(coalesce((payload->>'limit')::int, 50), 1000));
  cursor_at timestamptz := (payload->'cursor'->>'at')::timestamptz;
  cursor_id uuid := (payload->'cursor'->>'id')::uuid;
  page_items jsonb;
begin
  select coalesce(jsonb_agg(to_jsonb(page) - 'dedupe_hash' order by page.created_at desc, page.id desc), '[]'::jsonb) into page_items
  from (
    select c.* from "public"."fieldsync_conflicts" c
    where (payload->>'entityType' is null or c.entity_type = payload->>'entityType')
      and (payload->>'entityId' is null or c.entity_id = (payload->>'entityId')::uuid)
      and (payload->>'status' is null or c.status = payload->>'status')
      and (cursor_id is null or (c.created_at, c.id) < (cursor_at, cursor_id))
    order by c.created_at desc, c.id desc
    limit page_size + 1
  ) page;
  return jsonb_build_object('items', page_items, 'pageSize', page_size);
end
$fn$;

-- Resolves an open conflict; `apply_losing_value` also writes the value and a lineage row.
-- Raises SQLSTATE P0002 with message CONFLICT_NOT_FOUND when the conflict is not open.
create or replace function "public".fieldsync_resolve_conflict(payload jsonb) returns jsonb
language plpgsql as $fn$
declare
  entity_schema text := coalesce(payload->>'entitySchema', 'public');
  open_conflict "public"."fieldsync_conflicts";
  relation regclass;
  id_column text;
  previous jsonb;
  instant timestamptz;
  resolved jsonb;
begin
  select * into open_conflict from "public"."fieldsync_conflicts"
  where id = (payload->>'conflictId')::uuid and status = 'open' for update;
  if not found then
    raise exception using errcode = 'P0002', message = 'CONFLICT_NOT_FOUND';
  end if;
  if payload->>'resolution' = 'apply_losing_value' then
    relation := "public".fieldsync_entity_relation(entity_schema, open_conflict.entity_type);
    id_column := "public".fieldsync_describe_entity(jsonb_build_object('entitySchema', entity_schema, 'entity', open_conflict.entity_type))->>'idColumn';
    execute format('select to_jsonb(t.%I) from %I.%I t where t.%I = $1', open_conflict.field_name, entity_schema, open_conflict.entity_type, id_column)
      into previous using open_conflict.entity_id;
    execute format('update %1$I.%2$I t set %3$I = (jsonb_populate_record(null::%1$I.%2$I, $1)).%3$I where t.%4$I = $2',
      entity_schema, open_conflict.entity_type, open_conflict.field_name, id_column)
      using jsonb_build_object(open_conflict.field_name, open_conflict.losing_value), open_conflict.entity_id;
    instant := greatest(clock_timestamp(), (select max(h.changed_at) + interval '1 microsecond' from "public"."field_lineage" h
      where h.entity_type = open_conflict.entity_type and h.entity_id = open_conflict.entity_id));
    insert into "public"."field_lineage"
      (id, entity_type, entity_id, entity_key, field_name, source_type, source_id, source_ref, previous_value, new_value,
       sync_run_id, changed_by, changed_at, change_reason)
    values ("public".fieldsync_time_ordered_uuid(), open_conflict.entity_type, open_conflict.entity_id, open_conflict.entity_key, open_conflict.field_name,
       coalesce(payload->>'sourceType', 'app'), open_conflict.losing_source_id, open_conflict.losing_source_ref, previous,
       open_conflict.losing_value, null, (payload->>'resolvedBy')::uuid, instant, 'conflict_resolution');
  end if;
  update "public"."fieldsync_conflicts" as c set
    status = 'resolved', resolution = payload->>'resolution', resolved_by = (payload->>'resolvedBy')::uuid,
    resolved_at = clock_timestamp()
  where c.id = open_conflict.id
  returning to_jsonb(c) - 'dedupe_hash' into resolved;
  return resolved;
end
$fn$;

-- Lease locks (for stores without a database session, e.g. Supabase): { acquired, holder }.
-- ttlMs defaults to 60000, as the Supabase store's locks.ttlMs does (which always sends it).
create or replace function "public".fieldsync_try_lock(payload jsonb) returns jsonb
language plpgsql as $fn$
declare
  holder uuid := coalesce((payload->>'holder')::uuid, gen_random_uuid());
  acquired integer;
begin
  insert into "public"."fieldsync_locks" as l (lock_key, holder, expires_at)
  values (payload->>'key', holder, clock_timestamp() + make_interval(secs => coalesce((payload->>'ttlMs')::double precision, 60000) / 1000.0))
  on conflict (lock_key) do update set holder = excluded.holder, expires_at = excluded.expires_at
    where l.expires_at < clock_timestamp() or l.holder = excluded.holder;
  get diagnostics acquired = row_count;
  return jsonb_build_object('acquired', acquired > 0, 'holder', holder);
end
$fn$;

create or replace function "public".fieldsync_release_lock(payload jsonb) returns jsonb
language sql as $fn$
  with released as (delete from "public"."fieldsync_locks" where lock_key = payload->>'key' and holder = (payload->>'holder')::uuid returning 1)
  select jsonb_build_object('released', count(*) > 0) from released;
$fn$;

-- The host's configuration tables, as rows (missing optional columns are simply absent).
create or replace function "public".fieldsync_load_config(payload jsonb default '{}'::jsonb) returns jsonb
language sql stable as $fn$
  select jsonb_build_object(
    'dataSources', (select coalesce(jsonb_agg(to_jsonb(d)), '[]'::jsonb) from "public"."data_sources" d),
    'tabMappings', (select coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb) from "public"."tab_mappings" t),
    'columnMappings', (select coalesce(jsonb_agg(to_jsonb(c)), '[]'::jsonb) from "public"."column_mappings" c),
    'computedFields', (select coalesce(jsonb_agg(to_jsonb(f)), '[]'::jsonb) from "public"."computed_fields" f)
  );
$fn$;
