//! The shared token bucket keeps 50 concurrent tasks within its budget, through the client
//! and a real server.

mod common;

use common::sending::SendAs as _;

use common::{Reply, Scripted};
use lever_client::{Client, RateLimit};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_stay_within_the_bucket() {
    const RATE: f64 = 20.0;
    const BURST: u32 = 5;
    const TASKS: usize = 50;

    let s = Scripted::new();
    s.on("/v1/users", vec![Reply::json(200, json!({"data": []}))]);
    let client = Client::builder()
        .api_key("k")
        .base_url(s.start().await)
        .rate_limit(RateLimit::new(RATE, BURST))
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            // Each task has its own clone: clones share one bucket.
            let client = client.clone();
            tokio::spawn(async move { client.send_data::<Value>(common::get("/users")).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }

    let mut times: Vec<_> = s.hits("/v1/users").iter().map(|h| h.at).collect();
    times.sort();
    assert_eq!(times.len(), TASKS);

    // In any window [t_i, t_j], at most BURST + RATE × window requests (+1 for the time a
    // request takes to reach the server). A slow machine only widens the windows, so this
    // holds however long the run takes; the exact schedule is pinned with paused time by
    // `rate_limit::tests::concurrent_callers_are_spaced_by_the_rate`.
    for i in 0..times.len() {
        for j in i..times.len() {
            let window = (times[j] - times[i]).as_secs_f64();
            let count = (j - i + 1) as f64;
            let allowed = f64::from(BURST) + RATE * window + 1.0;
            assert!(
                count <= allowed,
                "{count} requests within {window:.3}s, allowed {allowed:.1}"
            );
        }
    }
}
