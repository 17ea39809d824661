//! [`SqlStore`]: the [`Store`] on SQLite (embedded, one file in WAL mode) or PostgreSQL
//! (shared by many workers), through sqlx's `Any` driver so that both engines run the same
//! SQL. What differs is kept here and small: the migrations (column types) and the refresh
//! lock — PostgreSQL locks the row (`SELECT … FOR UPDATE`) for the length of the refresh;
//! SQLite, whose only lock is the whole database, takes a lease in the row instead.

use std::path::Path;
use std::time::Duration;

use futures::future::BoxFuture;
use rand::Rng as _;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row as _};

use super::{
    ConnectionRecord, LockedUpdate, OAuthStateRecord, StateLookup, Store, StoreError, WebhookRecord,
};
use crate::crypto::Sealed;
use crate::time::now_ms;

mod migrations;
mod rows;

pub(crate) use rows::{attempts_of, limit_param};

use migrations::Embedded;
use rows::{
    bind_connection, connection_from_row, state_from_row, CONNECTION_COLUMNS, UPDATE_CONNECTION,
};

/// How long an SQLite refresh lease lasts: longer than a token request can take (the
/// client's per-attempt timeout), so a live holder never loses it; a crashed holder's lease
/// is taken over after this.
const SQLITE_LEASE: Duration = Duration::from_secs(120);
/// How long `update_locked` waits for another holder before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(180);

/// Which database engine a [`SqlStore`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file, one machine (the embedded default).
    Sqlite,
    /// PostgreSQL: shared by workers on several machines.
    Postgres,
}

/// The [`Store`] on SQLite or PostgreSQL. Cheap to clone (a connection pool inside).
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's options hold the database URL, which may contain a password.
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl SqlStore {
    /// Opens (creating it if needed) an SQLite database file, in WAL mode, and brings its
    /// schema up to date.
    pub async fn sqlite(path: impl AsRef<Path>) -> Result<SqlStore, StoreError> {
        let url = format!("sqlite://{}?mode=rwc", path.as_ref().display());
        SqlStore::connect(&url).await
    }

    /// Connects to PostgreSQL (`postgres://user@host/db`) and brings the schema up to date.
    pub async fn postgres(url: &str) -> Result<SqlStore, StoreError> {
        SqlStore::connect(url).await
    }

    /// Opens a store from a URL: `sqlite://PATH?mode=rwc` or `postgres://…`; then migrates.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        sqlx::any::install_default_drivers();
        let scheme = url.split(':').next().unwrap_or_default();
        let backend = match scheme {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            other => {
                return Err(StoreError::UnsupportedUrl {
                    scheme: other.to_owned(),
                })
            }
        };
        let options = AnyPoolOptions::new().max_connections(match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 10,
        });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // Several processes share the file: wait for the write lock instead of
                    // failing with SQLITE_BUSY.
                    sqlx::query("PRAGMA busy_timeout = 30000")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(url).await?;
        if backend == Backend::Sqlite {
            // Persistent in the file: readers never block the writer.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let store = SqlStore { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for queries of your own (e.g. to inspect the tables).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the embedded, versioned migrations that have not run yet (sqlx's migrator:
    /// checksummed, recorded in `_sqlx_migrations`, under a lock on PostgreSQL so concurrent
    /// workers starting at once do not race).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = Migrator::new(Embedded(self.backend)).await?;
        migrator.run(&self.pool).await?;
        Ok(())
    }
}

/// The migrations compiled into the crate, per engine.
impl SqlStore {
    async fn update_locked_postgres(
        &self,
        account: &str,
        update: LockedUpdate<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "SELECT {CONNECTION_COLUMNS} FROM lever_connections WHERE account = $1 FOR UPDATE"
        ))
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
        let current = row.as_ref().map(connection_from_row).transpose()?;
        let existed = current.is_some();
        if let Some(new) = update(current).await {
            if existed {
                bind_connection(sqlx::query(UPDATE_CONNECTION), &new)
                    .execute(&mut *tx)
                    .await?;
            } else {
                insert_connection(&mut *tx, &new).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn update_locked_sqlite(
        &self,
        account: &str,
        update: LockedUpdate<'_>,
    ) -> Result<(), StoreError> {
        let owner = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        let mut wait = Duration::from_millis(5);
        loop {
            let now = now_ms();
            let taken = sqlx::query(
                "UPDATE lever_connections SET lock_owner = $2, lock_until = $3 \
                 WHERE account = $1 AND (lock_owner IS NULL OR lock_until < $4)",
            )
            .bind(account)
            .bind(&owner)
            .bind(now + SQLITE_LEASE.as_millis() as i64)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if taken == 1 {
                break;
            }
            if self.connection(account).await?.is_none() {
                // Nothing to lock: creating the record is the update.
                if let Some(new) = update(None).await {
                    self.put_connection(&new).await?;
                }
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(StoreError::LockTimeout);
            }
            let jitter = rand::thread_rng().gen_range(0..=wait.as_millis() as u64);
            tokio::time::sleep(wait + Duration::from_millis(jitter)).await;
            wait = (wait * 2).min(Duration::from_millis(100));
        }
        let result = async {
            let current = self.connection(account).await?;
            match update(current).await {
                Some(new) => {
                    let written = bind_connection(
                        sqlx::query(&format!("{UPDATE_CONNECTION} AND lock_owner = $12")),
                        &new,
                    )
                    .bind(&owner)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    if written == 0 {
                        // The lease ran out under us (a token request slower than the lease).
                        // What `update` returns may hold a freshly rotated refresh token that
                        // exists nowhere else: write it anyway rather than lose it.
                        tracing::warn!("refresh lease expired before the write; writing anyway");
                        bind_connection(sqlx::query(UPDATE_CONNECTION), &new)
                            .execute(&self.pool)
                            .await?;
                    }
                }
                None => self.release_lease(account, &owner).await?,
            }
            Ok::<(), StoreError>(())
        }
        .await;
        if result.is_err() {
            // Best effort: the lease also expires on its own.
            let _ = self.release_lease(account, &owner).await;
        }
        result
    }

    async fn release_lease(&self, account: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE lever_connections SET lock_owner = NULL, lock_until = NULL \
             WHERE account = $1 AND lock_owner = $2",
        )
        .bind(account)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

async fn insert_connection<'e, E>(executor: E, r: &ConnectionRecord) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // $1..$11 are bound by `bind_connection` (the same columns, in the same order, as
    // `UPDATE_CONNECTION`); `created_at` comes last.
    let query = sqlx::query(
        "INSERT INTO lever_connections (account, kind, status, status_reason, \
         status_changed_at, key_id, sealed_secret, expires_at, scopes, token_version, \
         updated_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (account) DO UPDATE SET kind = excluded.kind, status = excluded.status, \
         status_reason = excluded.status_reason, status_changed_at = excluded.status_changed_at, \
         key_id = excluded.key_id, sealed_secret = excluded.sealed_secret, \
         expires_at = excluded.expires_at, scopes = excluded.scopes, \
         token_version = excluded.token_version, updated_at = excluded.updated_at",
    );
    bind_connection(query, r)
        .bind(r.created_at)
        .execute(executor)
        .await?;
    Ok(())
}

impl Store for SqlStore {
    fn put_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(insert_connection(&self.pool, record))
    }

    fn connection<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<ConnectionRecord>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM lever_connections WHERE account = $1"
            ))
            .bind(account)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(connection_from_row).transpose()
        })
    }

    fn connections(&self) -> BoxFuture<'_, Result<Vec<ConnectionRecord>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM lever_connections ORDER BY account"
            ))
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(connection_from_row).collect()
        })
    }

    fn update_locked<'a>(
        &'a self,
        account: &'a str,
        update: LockedUpdate<'a>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            match self.backend {
                Backend::Postgres => self.update_locked_postgres(account, update).await,
                Backend::Sqlite => self.update_locked_sqlite(account, update).await,
            }
        })
    }

    fn put_state<'a>(
        &'a self,
        state_hash: &'a str,
        r: &'a OAuthStateRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO lever_oauth_states (state_hash, account, redirect_uri, scopes, \
                 created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(state_hash)
            .bind(&r.account)
            .bind(&r.redirect_uri)
            .bind(&r.scopes)
            .bind(r.created_at)
            .bind(r.expires_at)
            .bind(r.used_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn take_state<'a>(
        &'a self,
        state_hash: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<StateLookup, StoreError>> {
        Box::pin(async move {
            // One statement: of two callbacks racing with the same state, one wins.
            let fresh = sqlx::query(
                "UPDATE lever_oauth_states SET used_at = $2 \
                 WHERE state_hash = $1 AND used_at IS NULL \
                 RETURNING account, redirect_uri, scopes, created_at, expires_at, used_at",
            )
            .bind(state_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = fresh {
                return Ok(StateLookup::Fresh(state_from_row(&row)?));
            }
            let used = sqlx::query(
                "SELECT account, redirect_uri, scopes, created_at, expires_at, used_at \
                 FROM lever_oauth_states WHERE state_hash = $1",
            )
            .bind(state_hash)
            .fetch_optional(&self.pool)
            .await?;
            Ok(match used {
                Some(row) => StateLookup::AlreadyUsed(state_from_row(&row)?),
                None => StateLookup::Unknown,
            })
        })
    }

    fn prune_states(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            Ok(
                sqlx::query("DELETE FROM lever_oauth_states WHERE expires_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected(),
            )
        })
    }

    fn put_webhook<'a>(&'a self, r: &'a WebhookRecord) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO lever_webhooks (account, webhook_id, event, key_id, sealed_token, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (account, webhook_id) DO UPDATE SET event = excluded.event, \
                 key_id = excluded.key_id, sealed_token = excluded.sealed_token",
            )
            .bind(&r.account)
            .bind(&r.webhook_id)
            .bind(&r.event)
            .bind(&r.sealed_token.key_id)
            .bind(r.sealed_token.bytes.clone())
            .bind(r.created_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn webhooks<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Vec<WebhookRecord>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT account, webhook_id, event, key_id, sealed_token, created_at \
                 FROM lever_webhooks WHERE account = $1 ORDER BY webhook_id",
            )
            .bind(account)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(WebhookRecord {
                        account: row.try_get("account")?,
                        webhook_id: row.try_get("webhook_id")?,
                        event: row.try_get("event")?,
                        sealed_token: Sealed {
                            key_id: row.try_get("key_id")?,
                            bytes: row.try_get("sealed_token")?,
                        },
                        created_at: row.try_get("created_at")?,
                    })
                })
                .collect()
        })
    }

    fn delete_webhooks<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM lever_webhooks WHERE account = $1")
                .bind(account)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }

    fn checkpoint<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT checkpoint FROM lever_checkpoints WHERE account = $1 AND trigger_name = $2",
            )
            .bind(account)
            .bind(trigger)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|r| r.try_get("checkpoint")).transpose()?)
        })
    }

    fn put_checkpoint<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO lever_checkpoints (account, trigger_name, checkpoint, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account, trigger_name) \
                 DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at",
            )
            .bind(account)
            .bind(trigger)
            .bind(checkpoint)
            .bind(now)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn record_delivery<'a>(
        &'a self,
        dedup_key: &'a str,
        account: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let inserted = sqlx::query(
                "INSERT INTO lever_webhook_deliveries (dedup_key, account, received_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (dedup_key) DO NOTHING",
            )
            .bind(dedup_key)
            .bind(account)
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
            Ok(inserted == 1)
        })
    }

    fn delivery_recorded<'a>(
        &'a self,
        dedup_key: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT 1 FROM lever_webhook_deliveries WHERE dedup_key = $1")
                .bind(dedup_key)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.is_some())
        })
    }

    fn forget_delivery<'a>(&'a self, dedup_key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM lever_webhook_deliveries WHERE dedup_key = $1")
                .bind(dedup_key)
                .execute(&self.pool)
                .await?;
            Ok(())
        })
    }
}
