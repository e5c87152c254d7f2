-- Memberships clustered on their key (WITHOUT ROWID): one b-tree instead of a
-- rowid table plus an index on the key.
--
-- The index by member goes too: the store builds it when a round of groups
-- ends (CREATE INDEX IF NOT EXISTS), so the first round does not maintain it
-- row by row. Members arrive in random key order; kept up to date through the
-- first round, that index had most of its pages rewritten at every page's
-- commit, and 10,000 groups took a second instead of a fraction of one.
CREATE TABLE memberships_clustered (
    tenant TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NOT NULL,
    seen_round INTEGER NOT NULL,
    PRIMARY KEY (tenant, group_id, member_id)
) WITHOUT ROWID;
INSERT INTO memberships_clustered (tenant, group_id, member_id, member_type, seen_round)
    SELECT tenant, group_id, member_id, member_type, seen_round FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_clustered RENAME TO memberships;
