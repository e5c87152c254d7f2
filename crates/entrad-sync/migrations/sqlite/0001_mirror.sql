-- The mirror: objects keyed by tenant, the full object as JSON; a column per
-- --select property is added when first asked for (src/store/ddl.rs). Mirrors
-- of the first versions got generated columns over `data`; they are now plain
-- columns that each write fills (SqliteStore::add_columns replaces the old ones).
CREATE TABLE users (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    -- NULL: present; 'changed': soft-deleted (@removed reason changed), can come back.
    removed TEXT,
    -- The round that last wrote the row: a full round sweeps rows it did not see.
    seen_round INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE groups (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    removed TEXT,
    seen_round INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE memberships (
    tenant TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    member_type TEXT NOT NULL,
    seen_round INTEGER NOT NULL,
    PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX memberships_member ON memberships (tenant, member_id);
-- Where each tenant's round of each kind stands: the link to call next
-- (a nextLink mid-round, the deltaLink once done), written in the same
-- transaction as the page before it.
CREATE TABLE sync_state (
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    link TEXT NOT NULL,
    done INTEGER NOT NULL,
    full_round INTEGER NOT NULL,
    round INTEGER NOT NULL,
    selection TEXT NOT NULL,
    PRIMARY KEY (tenant, kind)
);
