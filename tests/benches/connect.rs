//! `cargo bench -p lever-tests --bench connect`: lever-connect's figures beside baselines
//! measured in the same run, printed as one Markdown table.
//!
//! | measurement | figure | baseline |
//! |---|---|---|
//! | client lookup | `Connections::client(account)` among 10 000 stored connections, once cached | `HashMap<String, Client>::get` + clone |
//! | refresh contention | 4 processes × 25 concurrent calls on one expired connection, until all complete | one uncontended refresh + call |
//!
//! The refresh rows run on SQLite and, when PostgreSQL's binaries are installed (or
//! `DATABASE_URL` is set), on a throwaway PostgreSQL. The children are this binary run with
//! `--refresh-child`. `LEVER_BENCH_QUICK=1` shortens the lookup loop.
//! Without `--bench` the binary only prints how to run it.

use std::collections::HashMap;
use std::hint::black_box;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use lever_client::{Client, Method};
use lever_connect::{Connections, Keyring, OAuthApp, SqlStore};
use lever_sim::{SimConfig, Simulator};
use tokio::io::{AsyncBufReadExt as _, BufReader};

const ACCOUNT: &str = "bench-account";

fn keyring() -> Keyring {
    Keyring::new("bench", [9; 32])
}

fn manager(store: SqlStore, base: &str, token_url: &str) -> Connections {
    Connections::builder()
        .store(store)
        .keyring(keyring())
        .base_url(base)
        .oauth_app(
            OAuthApp::new("sim-client-id", "sim-client-secret", "https://app/cb")
                .token_url(token_url),
        )
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .expect("connections")
}

fn row(measurement: &str, figure: String, baseline: String, ratio: f64, target: &str, met: bool) {
    println!(
        "| {measurement} | {figure} | {baseline} | {ratio:.2}× | {target} | {} |",
        if met { "yes" } else { "**no**" }
    );
}

/// `--refresh-child DB_URL BASE TOKEN_URL`: 25 concurrent calls once stdin says go; prints
/// `ok N`.
async fn refresh_child(args: &[String]) {
    let conns = manager(
        SqlStore::connect(&args[0]).await.expect("store"),
        &args[1],
        &args[2],
    );
    let client = conns.client(ACCOUNT).await.expect("client");
    println!("ready");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let calls: Vec<_> = (0..25)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.request(Method::GET, "/users").send().await.is_ok() })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        if call.await.unwrap_or(false) {
            ok += 1;
        }
    }
    println!("ok {ok}");
}

async fn connect_expired(conns: &Connections, sim: &Simulator) {
    let url = conns.authorize_url(ACCOUNT, &[]).await.expect("authorize");
    let state = url::Url::parse(&url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("state")
        .1
        .into_owned();
    conns
        .complete(&state, &sim.issue_auth_code())
        .await
        .expect("complete");
    expire(conns).await;
}

async fn expire(conns: &Connections) {
    let mut tokens = conns
        .oauth_tokens(ACCOUNT)
        .await
        .expect("tokens")
        .expect("oauth");
    tokens.expires_at = Some(SystemTime::now() - Duration::from_secs(1));
    conns
        .connect_oauth_tokens(ACCOUNT, &tokens)
        .await
        .expect("store tokens");
}

/// (contended: 4 processes × 25 calls, uncontended: 1 refresh + 1 call), seconds, medians.
async fn refresh_contention(db_url: &str, sim: &Simulator) -> (f64, f64, u64) {
    let conns = manager(
        SqlStore::connect(db_url).await.expect("store"),
        &sim.base_url(),
        &sim.oauth_token_url(),
    );
    connect_expired(&conns, sim).await;
    let (mut contended, mut single) = (Vec::new(), Vec::new());
    let mut grants = Vec::new();
    for _ in 0..5 {
        // Uncontended: one process, one call that must refresh first.
        expire(&conns).await;
        let fresh = manager(
            SqlStore::connect(db_url).await.expect("store"),
            &sim.base_url(),
            &sim.oauth_token_url(),
        );
        let client = fresh.client(ACCOUNT).await.expect("client");
        let start = Instant::now();
        client
            .request(Method::GET, "/users")
            .send()
            .await
            .expect("call");
        single.push(start.elapsed().as_secs_f64());

        // Contended: 4 children, each with its client built on the expired token.
        expire(&conns).await;
        let before = sim.oauth_stats().refresh_grants;
        let exe = std::env::current_exe().expect("exe");
        let mut children = Vec::new();
        for _ in 0..4 {
            let mut child = tokio::process::Command::new(&exe)
                .args([
                    "--refresh-child",
                    db_url,
                    &sim.base_url(),
                    &sim.oauth_token_url(),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("child");
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            assert_eq!(
                lines.next_line().await.expect("read").as_deref(),
                Some("ready")
            );
            children.push((child, lines));
        }
        let start = Instant::now();
        for (child, _) in &mut children {
            let stdin = child.stdin.as_mut().expect("stdin");
            tokio::io::AsyncWriteExt::write_all(stdin, b"go\n")
                .await
                .expect("go");
        }
        for (mut child, mut lines) in children {
            let line = lines.next_line().await.expect("read").unwrap_or_default();
            assert_eq!(line, "ok 25", "every call succeeds");
            let _ = child.wait().await;
        }
        contended.push(start.elapsed().as_secs_f64());
        grants.push(sim.oauth_stats().refresh_grants - before);
    }
    contended.sort_by(f64::total_cmp);
    single.sort_by(f64::total_cmp);
    (
        contended[2],
        single[2],
        grants.into_iter().max().unwrap_or(0),
    )
}

async fn lookup(sim: &Simulator, quick: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqlStore::sqlite(dir.path().join("lookup.db"))
        .await
        .expect("store");
    let conns = Connections::builder()
        .store(store)
        .keyring(keyring())
        .base_url(sim.base_url())
        .build()
        .expect("connections");
    let n = 10_000;
    eprintln!("[connect] storing {n} connections…");
    let accounts: Vec<String> = (0..n).map(|i| format!("customer-{i:05}")).collect();
    for account in &accounts {
        conns
            .connect_api_key(account, sim.api_key().to_owned())
            .await
            .expect("connect");
    }
    let mut map: HashMap<String, Client> = HashMap::new();
    for account in &accounts {
        let client = conns.client(account).await.expect("client");
        map.insert(account.clone(), client);
    }
    let rounds = if quick { 20_000 } else { 500_000 };
    let order: Vec<usize> = (0..rounds).map(|i| (i * 7919) % n).collect();
    let mut figure = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        for &i in &order {
            black_box(map.get(&accounts[i]).cloned());
        }
        baseline.push(start.elapsed().as_secs_f64() / rounds as f64);
        let start = Instant::now();
        for &i in &order {
            black_box(conns.client(&accounts[i]).await.ok());
        }
        figure.push(start.elapsed().as_secs_f64() / rounds as f64);
    }
    figure.sort_by(f64::total_cmp);
    baseline.sort_by(f64::total_cmp);
    let (f, b) = (figure[2], baseline[2]);
    row(
        "`client(account)`, 10 000 stored, cached",
        format!("{:.0} ns", f * 1e9),
        format!("{:.0} ns (`HashMap` get + clone)", b * 1e9),
        f / b,
        "≤ 2×",
        f / b <= 2.0,
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--refresh-child") {
        refresh_child(&args[1..]).await;
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("connect: a benchmark; run it with `cargo bench -p lever-tests --bench connect`");
        return;
    }
    let quick = std::env::var_os("LEVER_BENCH_QUICK").is_some();
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    println!("| measurement | figure | baseline | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    lookup(&sim, quick).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("refresh.db").display()
    );
    let mut engines = vec![("SQLite", sqlite, None)];
    match lever_connect::testing::TempPostgres::url_or_start() {
        Ok((url, guard)) => engines.push(("PostgreSQL", url, guard)),
        Err(e) => eprintln!("[connect] PostgreSQL rows skipped: {e}"),
    }
    for (name, url, _guard) in &engines {
        let (contended, single, grants) = refresh_contention(url, &sim).await;
        row(
            &format!("refresh contention, {name}: 4 processes × 25 calls, all complete"),
            format!("{:.1} ms ({grants} refresh grant)", contended * 1e3),
            format!("{:.1} ms (one uncontended refresh + call)", single * 1e3),
            contended / single,
            "exactly 1 grant",
            grants == 1,
        );
    }
}
