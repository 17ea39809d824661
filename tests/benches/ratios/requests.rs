//! Request overhead: typed calls beside reqwest + `serde_json::Value`.

use serde_json::Value;
use std::time::Instant;

use crate::sim::{client_runtime, SimProcess};
use crate::table::{median, ms, progress, Config, Row};

pub(crate) fn bench_requests(cfg: &Config) -> Vec<Row> {
    progress("requests: starting the simulator (100 postings, no rate limit)");
    let sim = SimProcess::start(100, false, false);
    let rt = client_runtime();
    let client = sim.client().no_rate_limit().build().expect("client");
    let http = reqwest::Client::builder().build().expect("reqwest client");
    let url = format!("{}/postings?limit=50", sim.base_url.trim_end_matches('/'));
    let key = sim.api_key.clone();

    let typed = || async {
        let page = client
            .postings()
            .list()
            .limit(50)
            .send()
            .await
            .expect("typed list");
        assert_eq!(page.data.len(), 50);
        std::hint::black_box(page);
    };
    let raw = || async {
        let value: Value = http
            .get(&url)
            .basic_auth(&key, Some(""))
            .send()
            .await
            .expect("reqwest send")
            .error_for_status()
            .expect("2xx")
            .json()
            .await
            .expect("JSON body");
        assert_eq!(value["data"].as_array().map(Vec::len), Some(50));
        std::hint::black_box(value);
    };

    let rounds = cfg.pick(20, 4);
    let per_round = cfg.pick(100, 25);
    let (mut t_lat, mut b_lat) = (Vec::new(), Vec::new());
    let (mut t_total, mut b_total) = (0.0, 0.0);
    rt.block_on(async {
        for _ in 0..50 {
            typed().await;
            raw().await;
        }
        for round in 0..rounds {
            // Alternate the order so drift on a shared machine hits both sides alike.
            for side in 0..2 {
                let typed_side = (round + side) % 2 == 0;
                let start = Instant::now();
                for _ in 0..per_round {
                    let t = Instant::now();
                    if typed_side {
                        typed().await;
                        t_lat.push(t.elapsed().as_secs_f64());
                    } else {
                        raw().await;
                        b_lat.push(t.elapsed().as_secs_f64());
                    }
                }
                let spent = start.elapsed().as_secs_f64();
                if typed_side {
                    t_total += spent;
                } else {
                    b_total += spent;
                }
            }
        }
    });
    let n = rounds * per_round;
    rows(n, (&mut t_lat, t_total), (&mut b_lat, b_total))
}

/// The table rows from each side's per-call latencies and total time of `n` calls.
fn rows(n: usize, typed: (&mut [f64], f64), raw: (&mut [f64], f64)) -> Vec<Row> {
    let ((t_lat, t_total), (b_lat, b_total)) = (typed, raw);
    let (t_med, b_med) = (median(t_lat), median(b_lat));
    let (t_rps, b_rps) = (n as f64 / t_total, n as f64 / b_total);
    let lat_ratio = t_med / b_med;
    let rps_ratio = t_rps / b_rps;
    vec![
        Row::new(format!(
            "requests: median latency, list 50 postings ({} sequential calls each)",
            n
        ))
        .figure(ms(t_med))
        .baseline(format!("{} (reqwest + Value)", ms(b_med)))
        .ratio(lat_ratio)
        .target("≤ 1.05×")
        .met(lat_ratio <= 1.05),
        Row::new("requests: sequential throughput, same calls")
            .figure(format!("{t_rps:.0} req/s"))
            .baseline(format!("{b_rps:.0} req/s"))
            .ratio(rps_ratio)
            .target("≥ 0.95×")
            .met(rps_ratio >= 0.95),
    ]
}
