-- Objects are kept as the JSON text Graph sent (json, as SQLite keeps
-- text), no longer parsed into jsonb: building each object's jsonb (its
-- keys sorted, its strings copied) was a third of the server's work in an
-- initial sync. The --select columns become plain columns that each write
-- fills, keeping their values: generated from data->>'name', they would
-- parse the json text once more per column and row.
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
ALTER TABLE users ALTER COLUMN data TYPE JSON USING data::json;
ALTER TABLE groups ALTER COLUMN data TYPE JSON USING data::json;
