//! Shared by the tests: one store per test on each backend (a fresh SQLite file; a fresh
//! database in one throwaway PostgreSQL cluster per test binary, or in `DATABASE_URL`).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use lever_connect::testing::TempPostgres;
use std::time::Duration;

use lever_connect::{Connections, ConnectionsBuilder, Keyring, SqlStore, Store};

/// The backends every store test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const BOTH: [Db; 2] = [Db::Sqlite, Db::Postgres];

/// The server URL of this test binary's cluster (started once; a watchdog stops it when the
/// binary exits).
fn postgres_server() -> &'static str {
    static SERVER: OnceLock<(String, Option<TempPostgres>)> = OnceLock::new();
    &SERVER
        .get_or_init(|| TempPostgres::url_or_start().expect("start a throwaway PostgreSQL"))
        .0
}

/// A fresh, empty store. Keep the returned guard alive as long as the store.
pub async fn store(db: Db) -> (SqlStore, Guard) {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("lever.db");
            let store = SqlStore::sqlite(&path).await.unwrap();
            (store, Guard::Dir(dir, path.display().to_string()))
        }
        Db::Postgres => {
            let url = database_url().await;
            let store = SqlStore::postgres(&url).await.unwrap();
            (store, Guard::Url(url))
        }
    }
}

/// A fresh PostgreSQL database's URL.
pub async fn database_url() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        rand_suffix()
    );
    let server = postgres_server().to_owned();
    TempPostgres::create_database(&server, &name).await.unwrap()
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// Keeps a test's database alive; `url()` opens it again (e.g. from another process).
pub enum Guard {
    Dir(tempfile::TempDir, String),
    Url(String),
}

impl Guard {
    pub fn url(&self) -> String {
        match self {
            Guard::Dir(_, path) => format!("sqlite://{path}?mode=rwc"),
            Guard::Url(url) => url.clone(),
        }
    }
}

pub fn keyring() -> Keyring {
    Keyring::new("test-key-1", [42; 32])
}

pub fn shared(store: SqlStore) -> Arc<dyn Store> {
    Arc::new(store)
}

/// Opens the database of `guard` again (a second pool, as another process would).
pub async fn store_again(guard: &Guard) -> SqlStore {
    SqlStore::connect(&guard.url()).await.unwrap()
}

/// A connection manager on `store` whose clients talk to `base_url` (the simulator) with no
/// client-side rate limit; add the rest (an OAuth app, say) before `build`.
pub fn manager_builder(store: SqlStore, base_url: &str) -> ConnectionsBuilder {
    Connections::builder()
        .store(store)
        .keyring(keyring())
        .base_url(base_url)
        .configure_clients(|b| b.no_rate_limit())
}

/// [`manager_builder`], built.
pub fn manager(store: SqlStore, base_url: &str) -> Connections {
    manager_builder(store, base_url).build().unwrap()
}

/// Waits until `done` holds, checking every 20 ms; panics after `limit`. The limit only
/// bounds a hang: the tests assert on what happened, not on how long it took.
pub async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
