//! The fleet proof: a multi-account lever-sim, a throwaway PostgreSQL, N accounts connected,
//! W worker processes sharing them through leases, changes made at a steady rate in random
//! accounts (postings, picked up by polling; candidates, delivered by webhooks), one worker
//! `kill -9`ed mid-run and restarted (`--kill-one`), then every change checked against what
//! the handlers received.
//!
//! ```text
//! cargo run --release -p lever-connect --example fleet -- --workers 3 --accounts 300 --seconds 60 --kill-one
//! ```
//!
//! Flags: `--workers N` (3), `--accounts N` (300), `--seconds S` (60), `--kill-one`,
//! `--rate R` changes per second (20), `--ttl-ms` lease TTL (5000), `--interval-ms` poll
//! interval (2000). The last line is
//! `fleet: C changes, L lost, D duplicates, overlap O, takeover T s, inbox dead D2`.
//! Webhooks are received by the parent through `routes::webhook_routes`, which stores each
//! verified delivery in the durable inbox and answers 200 after the commit; the worker
//! processes poll their leased accounts and drain the shared inbox on every heartbeat
//! (`Inbox::worker_step`). Each worker prints its status (leases, polls/s, inbox depth, dead
//! letters) to stderr every 5 s.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use lever_client::models::{CreateOpportunity, CreatePosting};
use lever_client::triggers::{Dispatcher, HandlerError, Trigger, TriggerPayload};
use lever_client::Timestamp;
use lever_connect::inbox::Inbox;
use lever_connect::routes::webhook_routes;
use lever_connect::testing::TempPostgres;
use lever_connect::worker::Worker;
use lever_connect::{Connections, Keyring, SqlStore, WebhookSetup};
use lever_sim::{SimConfig, Simulator};
use rand::{Rng as _, SeedableRng as _};
use sqlx::Row as _;
use tokio::time::Instant;

type Fail = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone)]
struct Args {
    workers: usize,
    accounts: usize,
    seconds: u64,
    kill_one: bool,
    rate: u64,
    ttl: Duration,
    interval: Duration,
}

fn args() -> Result<Args, Fail> {
    let mut a = Args {
        workers: 3,
        accounts: 300,
        seconds: 60,
        kill_one: false,
        rate: 20,
        ttl: Duration::from_millis(5000),
        interval: Duration::from_millis(2000),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--workers" => a.workers = value()?.parse()?,
            "--accounts" => a.accounts = value()?.parse()?,
            "--seconds" => a.seconds = value()?.parse()?,
            "--rate" => a.rate = value()?.parse()?,
            "--ttl-ms" => a.ttl = Duration::from_millis(value()?.parse()?),
            "--interval-ms" => a.interval = Duration::from_millis(value()?.parse()?),
            "--kill-one" => a.kill_one = true,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    a.workers = a.workers.max(1);
    Ok(a)
}

fn keyring() -> Keyring {
    // A fixed demo key: the database is throwaway.
    Keyring::new("fleet-demo", [7; 32])
}

#[tokio::main]
async fn main() -> Result<(), Fail> {
    if let Ok(id) = std::env::var("FLEET_WORKER_ID") {
        return worker(id).await;
    }
    parent(args()?).await
}

/// Appends one line to a log shared by the worker processes, synced before returning.
fn append_line(log: &Path, line: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    // One write per line: O_APPEND keeps a single small write whole, while `writeln!` may
    // split a line across writes that other processes interleave.
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_all()
}

/// A worker process: polls `PostingCreated` for the accounts it leases and handles
/// `CandidateCreated` webhooks from the shared inbox; each handled item is appended (synced)
/// to its log before the handler returns.
async fn worker(id: String) -> Result<(), Fail> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let store = SqlStore::connect(&var("FLEET_DB")?).await?;
    let log = PathBuf::from(var("FLEET_LOG")?);
    let hooks_log = PathBuf::from(var("FLEET_HOOKS_LOG")?);
    let start: i64 = var("FLEET_START")?.parse()?;
    let ttl = Duration::from_millis(var("FLEET_TTL_MS")?.parse()?);
    let interval = Duration::from_millis(var("FLEET_INTERVAL_MS")?.parse()?);
    let conns = Connections::builder()
        .store(store.clone())
        .keyring(keyring())
        .base_url(var("FLEET_SIM")?)
        .build()?;
    let mut dispatcher = Dispatcher::new();
    dispatcher.on(Trigger::PostingCreated, move |event| {
        let log = log.clone();
        async move {
            let TriggerPayload::Polled { id, .. } = &event.payload else {
                return Err(HandlerError::from("not a polled item"));
            };
            append_line(&log, &format!("{} {id}", event.account))?;
            Ok::<(), HandlerError>(())
        }
    });
    let mut webhooks = Dispatcher::new();
    webhooks.on(Trigger::CandidateCreated, move |event| {
        let hooks_log = hooks_log.clone();
        async move {
            let json = serde_json::to_value(event.webhook())?;
            let opportunity = opportunity_id(&json).ok_or("no opportunityId")?;
            append_line(&hooks_log, &format!("{} {opportunity}", event.account))?;
            Ok::<(), HandlerError>(())
        }
    });
    let inbox = Inbox::new(store.clone()).owner(id.clone());
    let worker = Worker::new(conns, store, dispatcher)
        .id(id.clone())
        .step(inbox.worker_step(webhooks))
        .lease_ttl(ttl)
        .poll_interval(interval)
        .configure_poller(move |p| p.start_at(Timestamp(start)));
    let status = worker.status();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        every.tick().await;
        loop {
            every.tick().await;
            let s = status.snapshot();
            eprintln!(
                "fleet: {id}: {} accounts leased, {:.1} polls/s, inbox depth {}, dead letters {}",
                s.accounts.len(),
                s.polls_per_second,
                s.inbox_depth.map_or("?".to_owned(), |d| d.to_string()),
                s.dead_letters.map_or("?".to_owned(), |d| d.to_string()),
            );
        }
    });
    worker
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn spawn_worker(id: &str, env: &[(&str, String)]) -> Result<tokio::process::Child, Fail> {
    let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
    cmd.env("FLEET_WORKER_ID", id)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Ok(cmd.spawn()?)
}

/// Live leases per owner.
async fn holders(pool: &sqlx::AnyPool) -> Result<HashMap<String, Vec<String>>, Fail> {
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT owner, account FROM lever_leases WHERE owner IS NOT NULL AND expires_at > $1",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut by_owner: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        by_owner
            .entry(row.try_get("owner")?)
            .or_default()
            .push(row.try_get("account")?);
    }
    Ok(by_owner)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn handled(log: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, p)| (a.to_owned(), p.to_owned()))
        .collect()
}

fn summary(by_owner: &HashMap<String, Vec<String>>) -> String {
    let mut owners: Vec<_> = by_owner
        .iter()
        .map(|(o, a)| format!("{o}={}", a.len()))
        .collect();
    owners.sort();
    owners.join(" ")
}

/// Finds `opportunityId` anywhere in a webhook event's JSON.
fn opportunity_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Object(map) => map
            .get("opportunityId")
            .and_then(|v| v.as_str().map(str::to_owned))
            .or_else(|| map.values().find_map(opportunity_id)),
        serde_json::Value::Array(items) => items.iter().find_map(opportunity_id),
        _ => None,
    }
}

async fn parent(args: Args) -> Result<(), Fail> {
    let (server, _cluster) = TempPostgres::url_or_start()?;
    let db_url =
        TempPostgres::create_database(&server, &format!("fleet_{}", std::process::id())).await?;
    let sim = Simulator::start(SimConfig {
        request_log_limit: 1_000_000,
        ..SimConfig::default()
    })
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hooks_url = format!("http://{}/lever/webhooks", listener.local_addr()?);
    let store = SqlStore::connect(&db_url).await?;
    let conns = Connections::builder()
        .store(store.clone())
        .keyring(keyring())
        .base_url(sim.base_url())
        .webhooks(WebhookSetup::new(hooks_url, ["applicationCreated"]))
        .build()?;

    // The route stores each verified delivery in the durable inbox and answers 200 after the
    // commit; the workers run the handlers from it, with retries.
    let inbox = Inbox::new(store.clone());
    let app = axum::Router::new().nest(
        "/lever/webhooks",
        webhook_routes(conns.clone(), inbox.clone()),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut names = Vec::new();
    let mut users = HashMap::new();
    for i in 0..args.accounts {
        let name = format!("acct-{i:04}");
        let account = sim.add_account(&name)?;
        conns
            .connect_api_key(&name, account.api_key.clone())
            .await?;
        let user = sim
            .account(&name)
            .and_then(|a| a.default_user_id())
            .ok_or("a simulated account without users")?;
        users.insert(name.clone(), user);
        names.push(name);
    }
    eprintln!("fleet: {} accounts connected", names.len());

    let start = sim.now_ms();
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("handled.txt");
    let hooks_log = dir.path().join("webhooks.txt");
    let env = vec![
        ("FLEET_DB", db_url.clone()),
        ("FLEET_SIM", sim.base_url()),
        ("FLEET_LOG", log.display().to_string()),
        ("FLEET_HOOKS_LOG", hooks_log.display().to_string()),
        ("FLEET_START", start.to_string()),
        ("FLEET_TTL_MS", args.ttl.as_millis().to_string()),
        ("FLEET_INTERVAL_MS", args.interval.as_millis().to_string()),
    ];
    let mut workers: Vec<(String, tokio::process::Child)> = Vec::new();
    for w in 0..args.workers {
        let id = format!("w{w}");
        workers.push((id.clone(), spawn_worker(&id, &env)?));
    }
    let pool = store.pool().clone();
    let cap = args.accounts.div_ceil(args.workers) + 1;
    loop {
        let by_owner = holders(&pool).await?;
        let held: usize = by_owner.values().map(Vec::len).sum();
        if held == args.accounts
            && by_owner.len() == args.workers
            && by_owner.values().all(|a| a.len() <= cap)
        {
            eprintln!("fleet: stable: {}", summary(&by_owner));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut postings: HashSet<(String, String)> = HashSet::new();
    let mut candidates: HashSet<(String, String)> = HashSet::new();
    let run_for = Duration::from_secs(args.seconds);
    let began = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / u32::try_from(args.rate.max(1))?);
    let mut next_summary = began + Duration::from_secs(5);
    let mut killed: Option<(Instant, Vec<String>)> = None;
    let mut restarted = false;
    let mut rng = rand::rngs::StdRng::from_entropy();
    while began.elapsed() < run_for {
        tick.tick().await;
        let name = &names[rng.gen_range(0..names.len())];
        if rng.gen_bool(0.5) {
            // A posting change, seen only by polling.
            let p = sim
                .account(name)
                .ok_or("no such account")?
                .insert("Posting", serde_json::json!({ "text": "Fleet role" }))?;
            let id = p["id"].as_str().ok_or("posting without id")?.to_owned();
            postings.insert((name.clone(), id));
        } else {
            // A candidate change (webhook), on a new posting (polled too).
            let client = conns.client(name).await?;
            let user = users[name].as_str();
            let posting = client
                .postings()
                .create(CreatePosting::new("Fleet engineer"))
                .perform_as(user)
                .send()
                .await?;
            postings.insert((name.clone(), posting.id.to_string()));
            let opp = client
                .opportunities()
                .create(CreateOpportunity {
                    name: Some("Fleet candidate".into()),
                    postings: Some(vec![posting.id.clone()]),
                    ..CreateOpportunity::default()
                })
                .perform_as(user)
                .send()
                .await?;
            candidates.insert((name.clone(), opp.id.to_string()));
        }
        let elapsed = began.elapsed();
        if args.kill_one && killed.is_none() && elapsed >= run_for / 3 {
            let (id, mut child) = workers.remove(0);
            let victims = holders(&pool).await?.remove(&id).unwrap_or_default();
            child.start_kill()?; // SIGKILL
            child.wait().await?;
            eprintln!("fleet: killed {id} holding {} accounts", victims.len());
            killed = Some((Instant::now(), victims));
        }
        if args.kill_one && !restarted && elapsed >= run_for * 2 / 3 {
            let id = "w0-restarted".to_owned();
            workers.push((id.clone(), spawn_worker(&id, &env)?));
            eprintln!("fleet: restarted as {id}");
            restarted = true;
        }
        if Instant::now() >= next_summary {
            next_summary += Duration::from_secs(5);
            let seen = handled(&log).len();
            let hooks = handled(&hooks_log).len();
            eprintln!(
                "fleet: t={:>3}s leases [{}] changes {} polled {} webhooks {}",
                elapsed.as_secs(),
                summary(&holders(&pool).await?),
                postings.len() + candidates.len(),
                seen,
                hooks
            );
        }
    }

    // Let the fleet catch up: at most a few TTLs + intervals.
    let settle = began.elapsed() + 4 * (args.ttl + args.interval) + Duration::from_secs(10);
    loop {
        let seen: HashSet<(String, String)> = handled(&log).into_iter().collect();
        let hooks: HashSet<(String, String)> = handled(&hooks_log).into_iter().collect();
        if (postings.is_subset(&seen) && candidates.is_subset(&hooks)) || began.elapsed() > settle {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (_, child) in &mut workers {
        child.start_kill()?;
        child.wait().await?;
    }

    let polled = handled(&log);
    let polled_set: HashSet<&(String, String)> = polled.iter().collect();
    let hooks = handled(&hooks_log);
    let hooks_set: HashSet<&(String, String)> = hooks.iter().collect();
    let lost_polled: Vec<_> = postings
        .iter()
        .filter(|p| !polled_set.contains(p))
        .collect();
    let lost_hooks: Vec<_> = candidates
        .iter()
        .filter(|c| !hooks_set.contains(c))
        .collect();
    if !lost_polled.is_empty() || !lost_hooks.is_empty() {
        eprintln!(
            "fleet: lost by polling {:?}; lost webhooks {:?}",
            lost_polled.iter().take(10).collect::<Vec<_>>(),
            lost_hooks.iter().take(10).collect::<Vec<_>>()
        );
        let failed = sim.deliveries().iter().filter(|d| !d.success).count();
        eprintln!("fleet: webhook delivery attempts that failed: {failed}");
    }
    let lost = lost_polled.len() + lost_hooks.len();
    let duplicates = (polled.len() - polled_set.len()) + (hooks.len() - hooks_set.len());

    // Overlap: per account, two polls of its list in flight at the same moment.
    let mut by_account: HashMap<String, Vec<lever_sim::RequestRecord>> = HashMap::new();
    for r in sim.requests() {
        if r.method == "GET" && r.path == "/v1/postings" {
            by_account.entry(r.account.clone()).or_default().push(r);
        }
    }
    let mut overlap = 0;
    for polls in by_account.values_mut() {
        polls.sort_by_key(|r| r.started);
        overlap += polls
            .windows(2)
            .filter(|w| w[1].started < w[0].finished)
            .count();
    }
    let takeover = match &killed {
        Some((at, victims)) => victims
            .iter()
            .filter_map(|v| {
                by_account
                    .get(v)?
                    .iter()
                    .map(|r| r.started)
                    .find(|s| *s > at.into_std())
            })
            .map(|s| s - at.into_std())
            .max()
            .unwrap_or_default()
            .as_secs_f64(),
        None => 0.0,
    };
    eprintln!(
        "fleet: lease TTL {:.1} s, poll interval {:.1} s",
        args.ttl.as_secs_f64(),
        args.interval.as_secs_f64()
    );
    println!(
        "fleet: {} changes, {lost} lost, {duplicates} duplicates, overlap {overlap}, takeover {takeover:.1} s, inbox dead {}",
        postings.len() + candidates.len(),
        inbox.status().await?.dead
    );
    Ok(())
}
