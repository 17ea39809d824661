//! `cargo bench -p lever-tests --bench ratios`: every figure beside a baseline measured in
//! the same run, printed as one Markdown table.
//!
//! | section | figure | baseline |
//! |---|---|---|
//! | generation | `lever_spec::load` + `lever_codegen::generate_client` | YAML parse of the same files |
//! | compile (opt-in) | `cargo build -p lever-client`, cold and after a one-field spec change | `tests/bench-baseline` (same dependencies, no API surface) |
//! | requests | `client.postings().list().limit(50).send()` | reqwest + `serde_json::Value` |
//! | webhooks | `webhooks::verify_and_parse`, and through a `Verifier` | HMAC-SHA256 + `serde_json::from_slice::<Value>` |
//! | rate limit | 8 tasks against a simulator enforcing 10/s, burst 20 | the limit itself |
//! | memory | peak resident growth streaming 100 000 postings | streaming 1 000 |
//!
//! Environment:
//!
//! * `LEVER_BENCH_COMPILE=1` runs the (slow) compile-time section;
//! * `LEVER_BENCH_QUICK=1` shortens everything (CI smoke);
//! * `LEVER_BENCH_RATE_SECS=N` sets the rate-limit run (default 30 s, quick 3 s);
//! * `LEVER_BENCH_ONLY=generation,requests,...` runs only the named sections.
//!
//! The simulator runs in a child process (this binary re-executed with `--sim-server`), so
//! the server does not compete with the client inside one runtime; the memory section streams
//! in another child (`--stream-child`) whose peak resident memory the kernel reports.
//!
//! Without `--bench` (e.g. `cargo test --benches`) the binary only prints how to run it:
//! these are benchmarks, not timed tests.

#[path = "../support/builds.rs"]
mod builds;
mod compile;
mod generation;
mod memory;
mod rate;
mod requests;
mod sim;
mod table;
mod webhooks;

use compile::bench_compile;
use generation::bench_generation;
use memory::{bench_memory, stream_child};
use rate::bench_rate_limit;
use requests::bench_requests;
use sim::sim_server;
use table::{print_table, Config};
use webhooks::bench_webhooks;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--sim-server") {
        sim_server(&args[1..]);
        return;
    }
    if args.first().map(String::as_str) == Some("--stream-child") {
        stream_child(&args[1..]);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("ratios: a benchmark; run it with `cargo bench -p lever-tests --bench ratios`");
        return;
    }
    let cfg = Config::from_env();
    let mut rows = Vec::new();
    if cfg.runs("generation") {
        rows.extend(bench_generation(&cfg));
    }
    if cfg.runs("compile") {
        rows.extend(bench_compile(&cfg));
    }
    if cfg.runs("requests") {
        rows.extend(bench_requests(&cfg));
    }
    if cfg.runs("webhooks") {
        rows.extend(bench_webhooks(&cfg));
    }
    if cfg.runs("rate") {
        rows.extend(bench_rate_limit(&cfg));
    }
    if cfg.runs("memory") {
        rows.extend(bench_memory(&cfg));
    }
    print_table(&rows);
}
