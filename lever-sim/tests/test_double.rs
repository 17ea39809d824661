//! lever-sim as a test double in users' own tests: typos in store hooks are refused, targeted
//! faults fail or delay one route, and the request log shows what was called.

use std::time::Duration;

use lever_sim::{SimConfig, SimError, Simulator};
use serde_json::json;

async fn sim() -> Simulator {
    Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_type_name_typo_is_refused_with_a_suggestion() {
    let sim = sim().await;
    let before = sim.list("Posting").len();
    let e = sim.insert("Postings", json!({"text": "x"})).unwrap_err();
    assert!(
        matches!(&e, SimError::UnknownType { name, suggestion } if name == "Postings" && suggestion.as_deref() == Some("Posting")),
        "{e:?}"
    );
    assert!(e.to_string().contains("did you mean \"Posting\""), "{e}");
    assert!(matches!(
        sim.insert("Posting", json!(["not", "an", "object"])),
        Err(SimError::NotAnObject { .. })
    ));
    assert_eq!(sim.list("Posting").len(), before, "nothing stored");
    sim.insert("Posting", json!({"text": "ok"})).unwrap();
    assert_eq!(sim.list("Posting").len(), before + 1);
}

#[tokio::test]
async fn fail_next_fails_one_route_once() {
    let sim = sim().await;
    sim.fail_next("POST /postings", 422).unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/postings", sim.base_url());
    let user = sim.default_user_id().unwrap();
    // Another route is untouched.
    let list = http
        .get(&url)
        .basic_auth(sim.api_key(), Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let post = |n: &str| {
        http.post(format!("{url}?perform_as={user}"))
            .basic_auth(sim.api_key(), Some(""))
            .json(&json!({"text": n}))
            .send()
    };
    let first = post("a").await.unwrap();
    assert_eq!(first.status(), 422);
    let body: serde_json::Value = first.json().await.unwrap();
    assert_eq!(body["code"], "InjectedFault");
    assert!(
        post("b").await.unwrap().status().is_success(),
        "used up after one"
    );
    // The log shows both attempts with their statuses.
    let posts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/postings")
        .map(|r| r.status)
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0], Some(422));
    assert!(matches!(
        sim.fail_next("postings", 500),
        Err(SimError::InvalidRoute { .. })
    ));
    assert!(matches!(
        sim.fail_next("GET /postings", 200),
        Err(SimError::InvalidStatus { .. })
    ));
}

#[tokio::test]
async fn delay_slows_one_route_until_cleared() {
    let sim = sim().await;
    sim.delay("GET /postings/{posting}", Duration::from_millis(300))
        .unwrap();
    let http = reqwest::Client::new();
    let id = sim.list("Posting")[0]["id"].as_str().unwrap().to_owned();
    let slow = http
        .get(format!("{}/postings/{id}", sim.base_url()))
        .basic_auth(sim.api_key(), Some(""))
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(slow.is_err_and(|e| e.is_timeout()), "the delay applies");
    sim.clear_targeted_faults();
    let fast = http
        .get(format!("{}/postings/{id}", sim.base_url()))
        .basic_auth(sim.api_key(), Some(""))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(fast.status(), 200);
}
