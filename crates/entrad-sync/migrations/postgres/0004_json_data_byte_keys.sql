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
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT attrelid::regclass AS tbl, attname
    FROM pg_attribute
    WHERE attrelid IN ('users'::regclass, 'groups'::regclass)
      AND attgenerated = 's' AND NOT attisdropped
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP EXPRESSION', c.tbl, c.attname);
  END LOOP;
END
$$;
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
