-- The schema that migrations 0001 to 0004 build, in one piece (but for the
-- member index, below): what a new database gets, in one batch instead of
-- four migrations, the last of which rewrote the tables the first had just
-- made. A database that has any of it is brought up to date by the numbered
-- migrations instead. Kept equal to them by the store test
-- postgres_a_new_database_gets_the_schema_the_migrations_build.
--
-- The mirror: objects keyed by tenant, each kept as the JSON text Graph sent
-- (migration 0004); the --select columns are added as plain TEXT columns
-- when first asked for, filled by each write.
CREATE TABLE users (
    tenant TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    data JSON NOT NULL,
    -- NULL: present; 'changed': soft-deleted (@removed reason changed), can come back.
    removed TEXT,
    -- The round that last wrote the row: a full round sweeps rows it did not see.
    seen_round BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE groups (
    tenant TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    data JSON NOT NULL,
    removed TEXT,
    seen_round BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE memberships (
    tenant TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    member_id TEXT COLLATE "C" NOT NULL,
    member_type TEXT NOT NULL,
    seen_round BIGINT NOT NULL,
    PRIMARY KEY (tenant, group_id, member_id)
);
-- The index of memberships by member (migration 0001) is built when a round
-- of groups first ends, then kept up to date (as SQLite's): kept up to date
-- through the initial load, members arriving in random order, it took more
-- than half of the memberships' insert time (BENCHMARKS.md).
-- Where each tenant's round of each kind stands: the link to call next
-- (a nextLink mid-round, the deltaLink once done), written in the same
-- transaction as the page before it; when the round reached its deltaLink
-- (Unix milliseconds; NULL mid-round, migration 0002).
CREATE TABLE sync_state (
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    link TEXT NOT NULL,
    done BOOLEAN NOT NULL,
    full_round BOOLEAN NOT NULL,
    round BIGINT NOT NULL,
    selection TEXT NOT NULL,
    round_ended_ms BIGINT,
    PRIMARY KEY (tenant, kind)
);
-- The check that opens a page sent behind another (migration 0003).
CREATE FUNCTION entrad_sync_expect_cursor(p_tenant TEXT, p_kind TEXT, p_link TEXT, p_round BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM sync_state
    WHERE tenant = p_tenant AND kind = p_kind AND link = p_link AND round = p_round
  ) THEN
    RAISE EXCEPTION 'the page sent before this one was not committed'
      USING ERRCODE = 'EN001';
  END IF;
END
$$;
