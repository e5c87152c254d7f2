-- When each tenant's round of each kind reached its deltaLink (Unix time in
-- milliseconds, by the clock of the process that applied the page; NULL mid-round):
-- a run skips a tenant another process synced during it.
ALTER TABLE sync_state ADD COLUMN round_ended_ms INTEGER;
