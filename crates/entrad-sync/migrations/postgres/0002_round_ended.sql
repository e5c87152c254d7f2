-- When each tenant's round of each kind reached its deltaLink (Unix time in
-- milliseconds, by the clock of the worker that applied the page; NULL mid-round):
-- a worker of a fleet skips a tenant another worker synced during its run.
ALTER TABLE sync_state ADD COLUMN round_ended_ms BIGINT;
