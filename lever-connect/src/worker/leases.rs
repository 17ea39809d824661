//! The lease table in SQL: one text per statement for both engines, except the claim, where
//! PostgreSQL adds `FOR UPDATE SKIP LOCKED` (SQLite has one writer at a time, so its plain
//! conditional `UPDATE` is already atomic).

use sqlx::Row as _;

use crate::store::{limit_param, Backend, SqlStore, StoreError};

/// The lease statements of one worker.
#[derive(Debug, Clone)]
pub(crate) struct Leases {
    store: SqlStore,
    owner: String,
}

impl Leases {
    pub(crate) fn new(store: SqlStore, owner: String) -> Self {
        Leases { store, owner }
    }

    /// Registers (or keeps alive) this worker until `until`, and forgets workers that
    /// expired: the count of live workers is what the fair share is computed from.
    pub(crate) async fn heartbeat_worker(&self, now: i64, until: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO lever_workers (worker_id, expires_at, started_at) VALUES ($1, $2, $3) \
             ON CONFLICT (worker_id) DO UPDATE SET expires_at = excluded.expires_at",
        )
        .bind(&self.owner)
        .bind(until)
        .bind(now)
        .execute(self.store.pool())
        .await?;
        sqlx::query("DELETE FROM lever_workers WHERE expires_at <= $1")
            .bind(now)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Creates a free lease for every active connection that has none, and deletes the
    /// leases of connections no longer active (their holder stops at its next renewal).
    pub(crate) async fn sync_accounts(&self) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO lever_leases (account, owner, expires_at, generation) \
             SELECT account, NULL, 0, 0 FROM lever_connections WHERE status = 'active' \
             ON CONFLICT (account) DO NOTHING",
        )
        .execute(self.store.pool())
        .await?;
        sqlx::query(
            "DELETE FROM lever_leases WHERE account NOT IN \
             (SELECT account FROM lever_connections WHERE status = 'active')",
        )
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Extends every lease this worker still holds (not expired at `now`) to `until`;
    /// returns the accounts renewed. A lease missing from the answer is lost.
    pub(crate) async fn renew(&self, now: i64, until: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "UPDATE lever_leases SET expires_at = $2 WHERE owner = $1 AND expires_at > $3 \
             RETURNING account",
        )
        .bind(&self.owner)
        .bind(until)
        .bind(now)
        .fetch_all(self.store.pool())
        .await?;
        accounts(&rows)
    }

    /// The number of live workers (at least 1: this one) and of leases.
    pub(crate) async fn census(&self, now: i64) -> Result<(u64, u64), StoreError> {
        let workers: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM lever_workers WHERE expires_at > $1")
                .bind(now)
                .fetch_one(self.store.pool())
                .await?
                .try_get("n")?;
        let leases: i64 = sqlx::query("SELECT COUNT(*) AS n FROM lever_leases")
            .fetch_one(self.store.pool())
            .await?
            .try_get("n")?;
        Ok((
            u64::try_from(workers).unwrap_or(0).max(1),
            u64::try_from(leases).unwrap_or(0),
        ))
    }

    /// Claims up to `limit` leases that are free or expired at `now`, until `until`.
    /// On PostgreSQL rows another worker is claiming are skipped, not waited for.
    pub(crate) async fn claim(
        &self,
        now: i64,
        until: i64,
        limit: u64,
    ) -> Result<Vec<String>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let lock = match self.store.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The outer condition repeats the inner one: under READ COMMITTED a row claimed by a
        // concurrent statement between the two is re-checked, never stolen.
        let sql = format!(
            "UPDATE lever_leases SET owner = $1, expires_at = $2, generation = generation + 1 \
             WHERE account IN (SELECT account FROM lever_leases \
                WHERE owner IS NULL OR expires_at <= $3 ORDER BY account LIMIT $4{lock}) \
             AND (owner IS NULL OR expires_at <= $3) RETURNING account"
        );
        let rows = sqlx::query(&sql)
            .bind(&self.owner)
            .bind(until)
            .bind(now)
            .bind(limit_param(limit))
            .fetch_all(self.store.pool())
            .await?;
        accounts(&rows)
    }

    /// Frees this worker's lease of `account` (its poller has stopped).
    pub(crate) async fn release(&self, account: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE lever_leases SET owner = NULL, expires_at = 0 \
             WHERE owner = $1 AND account = $2",
        )
        .bind(&self.owner)
        .bind(account)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Frees every lease of this worker and deregisters it (clean shutdown).
    pub(crate) async fn release_all(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE lever_leases SET owner = NULL, expires_at = 0 WHERE owner = $1")
            .bind(&self.owner)
            .execute(self.store.pool())
            .await?;
        sqlx::query("DELETE FROM lever_workers WHERE worker_id = $1")
            .bind(&self.owner)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}

fn accounts(rows: &[sqlx::any::AnyRow]) -> Result<Vec<String>, StoreError> {
    rows.iter()
        .map(|row| {
            row.try_get::<String, _>("account")
                .map_err(StoreError::from)
        })
        .collect()
}
