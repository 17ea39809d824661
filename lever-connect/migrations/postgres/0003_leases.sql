-- Worker leases: which worker polls which connected account. A row per active connection;
-- `owner` is the worker holding it until `expires_at` (ms since the epoch, the holder's
-- clock), renewed by its heartbeats; `generation` grows with every claim (a fencing count).
CREATE TABLE lever_leases (
    account    TEXT PRIMARY KEY,
    owner      TEXT,
    expires_at BIGINT NOT NULL DEFAULT 0,
    generation BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX lever_leases_owner ON lever_leases (owner);

-- The live workers (heartbeated like the leases), so each can compute its fair share.
CREATE TABLE lever_workers (
    worker_id  TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    started_at BIGINT NOT NULL
);
