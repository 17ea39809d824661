-- The durable webhook inbox: a delivery is stored here (verified, deduplicated by what Lever
-- signs) before the webhook route answers 200, and workers run its handlers from here.
-- state: 'pending' (due at next_attempt_at) | 'in_flight' (claimed by lease_owner until
-- lease_until; an expired lease makes it claimable again) | 'done' | 'dead'.

CREATE TABLE lever_webhook_inbox (
    dedup_key       TEXT PRIMARY KEY,         -- DedupKey of the delivery: one row per delivery
    account         TEXT NOT NULL,
    body            BYTEA,                    -- the verified body; NULL once done
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0, -- claims so far (a crash mid-handling counts)
    next_attempt_at BIGINT NOT NULL,          -- ms since the epoch
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    received_at     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX lever_webhook_inbox_due ON lever_webhook_inbox (state, next_attempt_at);
