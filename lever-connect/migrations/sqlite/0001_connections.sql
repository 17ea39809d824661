-- Connected accounts, their (encrypted) credentials and what the connect flow, the webhook
-- route and the pollers keep per account. Secrets are sealed by the application's keyring
-- before they reach these tables: sealed_* columns hold nonce || ciphertext || tag, and
-- key_id names the key that sealed them.

CREATE TABLE lever_connections (
    account           TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,          -- 'oauth' | 'api_key'
    status            TEXT NOT NULL,          -- 'active' | 'needs_reauthorization' | 'disconnected'
    status_reason     TEXT,
    status_changed_at BIGINT NOT NULL,        -- ms since the epoch
    key_id            TEXT,
    sealed_secret     BLOB,                   -- NULL once disconnected
    expires_at        BIGINT,                 -- access token expiry (ms), not secret
    scopes            TEXT,
    token_version     BIGINT NOT NULL DEFAULT 0,  -- +1 on every credential write
    lock_owner        TEXT,                   -- refresh lease (SQLite; PostgreSQL locks the row)
    lock_until        BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE lever_oauth_states (
    state_hash   TEXT PRIMARY KEY,            -- SHA-256 of the state sent to Lever
    account      TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT                       -- single use: set when the callback consumes it
);

CREATE TABLE lever_webhooks (
    account      TEXT NOT NULL,
    webhook_id   TEXT NOT NULL,
    event        TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    sealed_token BLOB NOT NULL,                -- the webhook's signatureToken
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account, webhook_id)
);

CREATE TABLE lever_checkpoints (
    account      TEXT NOT NULL,
    trigger_name TEXT NOT NULL,
    checkpoint   TEXT NOT NULL,               -- lever_client::triggers::Checkpoint as JSON
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (account, trigger_name)
);

CREATE TABLE lever_webhook_deliveries (
    dedup_key    TEXT PRIMARY KEY,            -- derived from what Lever signs
    account      TEXT NOT NULL,
    received_at  BIGINT NOT NULL
);
