-- What an initial sync costs the server, lessened (BENCHMARKS.md).
--
-- Objects are kept as the JSON text Graph sent (json, as SQLite keeps
-- text), no longer parsed into jsonb: building each object's jsonb (its
-- keys sorted, its strings copied) was a third of the server's work. The
-- --select columns become plain columns that each write fills, keeping
-- their values: generated from data->>'name', they would parse the json
-- text once more per column and row.
--
-- The keys (tenant and object ids, GUIDs and domain names) compare as bytes
-- (COLLATE "C"): each insert compares its key with a leaf's keys, and a
-- linguistic collation (the database's default, en_US.UTF-8 on many
-- servers) made every comparison a locale's, for an order nobody reads.
-- Joining them with columns of the default collation works as before.
-- A view, rule or index of the mirror's user on these columns can stand in
-- the way (a view on `data`, a GIN index of jsonb): the migration then
-- stops with what is in the way and how to go on, and changes nothing.
DO $$
DECLARE
  c record;
  detail text;
BEGIN
  FOR c IN
    SELECT attrelid::regclass AS tbl, attname
    FROM pg_attribute
    WHERE attrelid IN ('users'::regclass, 'groups'::regclass)
      AND attgenerated = 's' AND NOT attisdropped
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP EXPRESSION', c.tbl, c.attname);
  END LOOP;
  ALTER TABLE users
    ALTER COLUMN data TYPE JSON USING data::json,
    ALTER COLUMN tenant TYPE TEXT COLLATE "C",
    ALTER COLUMN id TYPE TEXT COLLATE "C";
  ALTER TABLE groups
    ALTER COLUMN data TYPE JSON USING data::json,
    ALTER COLUMN tenant TYPE TEXT COLLATE "C",
    ALTER COLUMN id TYPE TEXT COLLATE "C";
  ALTER TABLE memberships
    ALTER COLUMN tenant TYPE TEXT COLLATE "C",
    ALTER COLUMN group_id TYPE TEXT COLLATE "C",
    ALTER COLUMN member_id TYPE TEXT COLLATE "C";
EXCEPTION WHEN feature_not_supported OR undefined_object OR dependent_objects_still_exist OR wrong_object_type THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RAISE EXCEPTION 'upgrading the mirror (migration 4: objects kept as json, keys compared as bytes) is stopped by an object of yours on users, groups or memberships: % (%): drop it, run entrad sync once, then create it again (cast data::jsonb where it needs jsonb)',
      SQLERRM, coalesce(nullif(detail, ''), 'no detail')
    USING ERRCODE = 'dependent_objects_still_exist';
END
$$;
