//! `lever-sim`: serve a local Lever until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use lever_sim::{AccountConfig, RateLimitConfig, SimConfig, Simulator};

/// A local Lever Data API v1 for development and tests.
#[derive(Debug, Parser)]
#[command(name = "lever-sim", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4010")]
    addr: SocketAddr,
    /// An accepted API key (repeatable); default `sim-api-key`.
    #[arg(long = "api-key")]
    api_keys: Vec<String>,
    /// Seed for the seed data, IDs, tokens and fault draws.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Requests per second per credential.
    #[arg(long, default_value_t = 10.0)]
    rate_limit: f64,
    /// Token-bucket size per credential.
    #[arg(long, default_value_t = 20)]
    burst: u32,
    /// Turn rate limiting off.
    #[arg(long)]
    no_rate_limit: bool,
    /// Share of requests answered 500/503 (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of requests whose connection is dropped without an answer (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Delay added to every request, in milliseconds.
    #[arg(long)]
    delay_ms: Option<u64>,
    /// Load the spec from this file or folder instead of the shipped one.
    #[arg(long)]
    spec: Option<std::path::PathBuf>,
    /// Create this many more accounts (`account-1` … `account-N`), each with its own seed
    /// data and a generated API key.
    #[arg(long, default_value_t = 0)]
    accounts: u32,
    /// Print a single-use authorization code for this account (repeatable); exchange it at
    /// the token URL with any registered client.
    #[arg(long = "auth-code", value_name = "ACCOUNT")]
    auth_codes: Vec<String>,
    /// Refuse consent on /oauth/authorize (`error=access_denied`).
    #[arg(long)]
    deny_consent: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = match sim_config(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("lever-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("lever-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    sim.deny_consent(args.deny_consent);
    // Resolved before anything is printed, so a wrong name fails without half an output.
    let mut codes = Vec::new();
    for name in &args.auth_codes {
        match sim.account(name) {
            Some(account) => codes.push((account.name().to_string(), account.issue_auth_code())),
            None => {
                eprintln!("lever-sim: --auth-code: no account is named {name:?}");
                return ExitCode::FAILURE;
            }
        }
    }
    print_where_to_connect(&sim, &codes);
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("lever-sim: cannot wait for Ctrl-C: {e}");
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// The simulator's configuration from the command line; the spec is loaded here.
fn sim_config(args: &Args) -> Result<SimConfig, lever_spec::LoadError> {
    let mut config = SimConfig {
        addr: args.addr,
        seed: args.seed,
        rate_limit: (!args.no_rate_limit).then_some(RateLimitConfig {
            requests_per_second: args.rate_limit,
            burst: args.burst,
        }),
        ..SimConfig::default()
    };
    if !args.api_keys.is_empty() {
        config.api_keys = args.api_keys.clone();
    }
    config.accounts = (1..=args.accounts)
        .map(|i| AccountConfig::new(format!("account-{i}")))
        .collect();
    config.faults.error_rate = args.error_rate;
    config.faults.drop_rate = args.drop_rate;
    config.faults.delay = args.delay_ms.map(std::time::Duration::from_millis);
    if let Some(path) = &args.spec {
        config.spec = Some(std::sync::Arc::new(lever_spec::load(path, &[])?));
    }
    Ok(config)
}

/// stdout is for scripts: the base URL first (tools rely on it), then tab-separated
/// `account NAME ID API_KEY` and `auth-code ACCOUNT CODE` lines; stderr gets a summary for
/// people.
fn print_where_to_connect(sim: &Simulator, codes: &[(String, String)]) {
    println!("{}", sim.base_url());
    for account in sim.accounts() {
        println!(
            "account\t{}\t{}\t{}",
            account.name, account.id, account.api_key
        );
    }
    for (account, code) in codes {
        println!("auth-code\t{account}\t{code}");
    }
    let client = sim.oauth_config();
    eprintln!(
        "lever-sim: API key {:?}; OAuth client {:?}; authorize URL {}; token URL {}; Ctrl-C to stop",
        sim.api_key(),
        client.client_id,
        sim.authorize_url(),
        sim.oauth_token_url()
    );
}
