//! One refresh per expiry across processes: 4 OS processes × 25 concurrent calls on one
//! connection whose access token expired, on SQLite and on PostgreSQL. Lever (the
//! simulator) must see exactly one refresh grant, every call must succeed, and the store
//! must hold the newest refresh token.
//!
//! The children are this test binary run again with `CHILD_*` variables set, running only
//! [`child_process_calls`] (which does nothing in a normal run).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use common::Db;
use lever_client::Method;
use lever_connect::{Connections, OAuthApp, SqlStore};
use lever_sim::{SimConfig, Simulator};
use tokio::io::{AsyncBufReadExt as _, BufReader};

const PROCESSES: usize = 4;
const CALLS: usize = 25;
const ACCOUNT: &str = "customer-with-expired-token";

fn manager(store: SqlStore, base_url: &str, token_url: &str) -> Connections {
    Connections::builder()
        .store(store)
        .keyring(common::keyring())
        .base_url(base_url)
        .oauth_app(
            OAuthApp::new("sim-client-id", "sim-client-secret", "https://app/cb")
                .token_url(token_url),
        )
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .unwrap()
}

/// The child side: build the account's client (holding the expired token), say `ready`,
/// wait for the go file, then make 25 concurrent calls and report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_calls() {
    let Ok(db_url) = std::env::var("CHILD_DB_URL") else {
        return; // a normal test run: only the parent tests below do anything
    };
    let base = std::env::var("CHILD_BASE_URL").unwrap();
    let token_url = std::env::var("CHILD_TOKEN_URL").unwrap();
    let go = PathBuf::from(std::env::var("CHILD_GO_FILE").unwrap());
    let conns = manager(SqlStore::connect(&db_url).await.unwrap(), &base, &token_url);
    let client = conns.client(ACCOUNT).await.unwrap();
    // libtest may print "test child_process_calls ... " before it on the same line.
    println!("CHILD-READY");
    while !go.exists() {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.request(Method::GET, "/users").send().await })
        })
        .collect();
    let (mut ok, mut failed) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                eprintln!("call failed: {e}");
                failed += 1;
            }
        }
    }
    println!("CHILD-RESULT ok={ok} failed={failed}");
}

async fn four_processes(db: Db) {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (store, guard) = common::store(db).await;
    let conns = manager(store, &sim.base_url(), &sim.oauth_token_url());
    // Real tokens from the simulator, then marked expired so every client refreshes first.
    let url = conns.authorize_url(ACCOUNT, &[]).await.unwrap();
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    conns
        .complete(&state, &sim.issue_auth_code())
        .await
        .unwrap();
    let mut tokens = conns.oauth_tokens(ACCOUNT).await.unwrap().unwrap();
    let first_refresh_token = tokens.refresh_token.clone().unwrap();
    tokens.expires_at = Some(SystemTime::now() - Duration::from_secs(1));
    conns.connect_oauth_tokens(ACCOUNT, &tokens).await.unwrap();
    let before = sim.oauth_stats();

    let go_dir = tempfile::tempdir().unwrap();
    let go = go_dir.path().join("go");
    let exe = std::env::current_exe().unwrap();
    let mut children = Vec::new();
    for _ in 0..PROCESSES {
        let mut child = tokio::process::Command::new(&exe)
            .args([
                "--exact",
                "child_process_calls",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CHILD_DB_URL", guard.url())
            .env("CHILD_BASE_URL", sim.base_url())
            .env("CHILD_TOKEN_URL", sim.oauth_token_url())
            .env("CHILD_GO_FILE", &go)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        children.push((child, stdout.lines()));
    }
    // Every child holds the expired token before any may call.
    for (_, lines) in &mut children {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("child exited early");
            if line.ends_with("CHILD-READY") {
                break;
            }
        }
    }
    std::fs::write(&go, b"go").unwrap();
    let mut total_ok = 0;
    for (mut child, mut lines) in children {
        let mut result = None;
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some((_, r)) = line.split_once("CHILD-RESULT ") {
                result = Some(r.to_owned());
            }
        }
        assert!(child.wait().await.unwrap().success());
        let result = result.expect("child reported");
        assert_eq!(result, format!("ok={CALLS} failed=0"), "{db:?}");
        total_ok += CALLS;
    }
    assert_eq!(total_ok, PROCESSES * CALLS);
    let after = sim.oauth_stats();
    assert_eq!(
        after.refresh_grants - before.refresh_grants,
        1,
        "{db:?}: exactly one refresh across {PROCESSES} processes"
    );
    assert_eq!(after.failures, before.failures, "no invalid_grant anywhere");

    // The store holds the newest refresh token: it is not the first one, and it works.
    let stored = conns.oauth_tokens(ACCOUNT).await.unwrap().unwrap();
    let newest = stored.refresh_token.clone().unwrap();
    assert_ne!(newest, first_refresh_token);
    let mut expired = stored;
    expired.expires_at = Some(SystemTime::now() - Duration::from_secs(1));
    conns.connect_oauth_tokens(ACCOUNT, &expired).await.unwrap();
    conns
        .client(ACCOUNT)
        .await
        .unwrap()
        .request(Method::GET, "/users")
        .send()
        .await
        .unwrap();
    assert_eq!(sim.oauth_stats().refresh_grants - after.refresh_grants, 1);
    assert_eq!(sim.oauth_stats().failures, before.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_refresh_once_on_sqlite() {
    four_processes(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_refresh_once_on_postgres() {
    four_processes(Db::Postgres).await;
}
