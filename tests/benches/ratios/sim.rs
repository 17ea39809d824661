//! lever-sim in a child process (this binary re-executed with `--sim-server`).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

/// A small posting (about 300 B of JSON), for the 100 000-item memory run: the simulator
/// clones and sorts every stored posting for each page it serves, so item size sets how long
/// that run takes.
pub(crate) fn small_posting(i: usize) -> Value {
    json!({
        "id": format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        "text": format!("Software Engineer ({i})"),
        "createdAt": 1_600_000_000_000_i64 + i as i64 * 1000,
        "updatedAt": 1_600_000_000_000_i64 + i as i64 * 1000 + 500,
        "state": "published",
        "confidentiality": "non-confidential",
        "categories": {"team": "Engineering", "location": "Berlin", "commitment": "Full-time"},
        "tags": ["rust"]
    })
}

/// A realistic posting (about 1.5 kB of JSON).
pub(crate) fn posting(i: usize) -> Value {
    let states = ["published", "internal", "closed", "draft"];
    let teams = ["Engineering", "Sales", "Design", "Operations"];
    let user = |n: usize| format!("{:08x}-1111-4000-8000-{:012x}", n % 7, n % 7);
    json!({
        "id": format!("{:08x}-0000-4000-8000-{:012x}", i, i),
        "text": format!("Senior Software Engineer, Platform ({i})"),
        "createdAt": 1_600_000_000_000_i64 + i as i64 * 1000,
        "updatedAt": 1_600_000_000_000_i64 + i as i64 * 1000 + 500,
        "state": states[i % states.len()],
        "distributionChannels": ["public", "internal"],
        "confidentiality": "non-confidential",
        "user": user(i),
        "owner": user(i + 1),
        "hiringManager": user(i + 2),
        "categories": {
            "team": teams[i % teams.len()],
            "department": "Research & Development",
            "location": "Berlin",
            "allLocations": ["Berlin", "Remote (EU)"],
            "commitment": "Full-time",
            "level": null
        },
        "tags": ["rust", "backend", "distributed-systems"],
        "content": {
            "description": "We are looking for an engineer to build and run the services behind our \
                platform: APIs, queues and storage, with a strong focus on reliability.",
            "descriptionHtml": "<div><p>We are looking for an engineer to build and run the \
                services behind our platform: APIs, queues and storage.</p></div>",
            "lists": [
                {"text": "Requirements", "content": "<li>5+ years of backend work</li><li>Rust or C++</li><li>Operating production systems</li>"},
                {"text": "Benefits", "content": "<li>30 days of holiday</li><li>Learning budget</li>"}
            ],
            "closing": "We look forward to hearing from you.",
            "closingHtml": "<p>We look forward to hearing from you.</p>"
        },
        "country": "DE",
        "followers": [user(i + 3), user(i + 4)],
        "reqCode": null,
        "requisitionCodes": [format!("REQ-{i}")],
        "salaryDescription": "Competitive, with equity.",
        "salaryRange": {"min": 80000, "max": 110000, "currency": "EUR", "interval": "per-year-salary"},
        "urls": {
            "list": "https://jobs.lever.co/example",
            "show": format!("https://jobs.lever.co/example/{i}"),
            "apply": format!("https://jobs.lever.co/example/{i}/apply")
        },
        "workplaceType": "hybrid"
    })
}

/// The child process: `--sim-server <postings> <rate-limited: 0|1> [small]`. Prints the base URL and
/// the API key on one line, answers `count` with the number of requests received, and exits
/// when stdin closes.
pub(crate) fn sim_server(args: &[String]) {
    let postings: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let limited = args.get(1).map(String::as_str) == Some("1");
    let small = args.get(2).map(String::as_str) == Some("small");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let sim = lever_sim::Simulator::start(lever_sim::SimConfig {
            rate_limit: limited.then(lever_sim::RateLimitConfig::default),
            seed_data: false,
            ..lever_sim::SimConfig::default()
        })
        .await
        .expect("simulator starts");
        for i in 0..postings {
            let p = if small { small_posting(i) } else { posting(i) };
            sim.insert("Posting", p).expect("insert posting");
        }
        println!("{} {}", sim.base_url(), sim.api_key());
        let sim = Arc::new(sim);
        let counter = sim.clone();
        tokio::task::spawn_blocking(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                if line.trim() == "count" {
                    println!("{}", counter.request_count());
                }
            }
        })
        .await
        .expect("stdin reader");
    });
}

/// A simulator child process; killed when dropped.
pub(crate) struct SimProcess {
    pub(crate) child: Child,
    pub(crate) stdin: Option<ChildStdin>,
    pub(crate) stdout: BufReader<ChildStdout>,
    pub(crate) base_url: String,
    pub(crate) api_key: String,
}

impl SimProcess {
    pub(crate) fn start(postings: usize, rate_limited: bool, small: bool) -> Self {
        let exe = std::env::current_exe().expect("current exe");
        let mut child = Command::new(exe)
            .args([
                "--sim-server",
                &postings.to_string(),
                if rate_limited { "1" } else { "0" },
                if small { "small" } else { "full" },
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the simulator");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("child stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("simulator announces itself");
        let mut parts = line.split_whitespace();
        let base_url = parts.next().expect("base URL").to_string();
        let api_key = parts.next().expect("API key").to_string();
        SimProcess {
            child,
            stdin,
            stdout,
            base_url,
            api_key,
        }
    }

    pub(crate) fn request_count(&mut self) -> u64 {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(b"count\n").expect("ask the simulator");
        stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("simulator answers");
        line.trim().parse().expect("a count")
    }

    pub(crate) fn client(&self) -> lever_client::ClientBuilder {
        lever_client::Client::builder()
            .api_key(self.api_key.clone())
            .base_url(self.base_url.clone())
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}
