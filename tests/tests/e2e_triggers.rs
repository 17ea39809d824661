//! The four seed triggers end to end against lever-sim: "Candidate Created" and "Candidate
//! Updated" through signed webhook deliveries to the axum route, "Posting Created" and
//! "Posting Updated" through polling (Lever has no posting webhooks). Each fires exactly once
//! per change.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use lever_client::models::{
    CreateOpportunity, CreatePosting, CreateWebhook, UpdateContact, UpdateOpportunityStage,
    UpdatePosting,
};
use lever_client::triggers::{
    Dispatcher, HandlerError, MemoryStore, Poller, Trigger, TriggerEvent,
};
use lever_client::webhooks::axum::{router, WebhookConfig};
use lever_client::webhooks::Verifier;
use lever_client::Client;
use lever_sim::{SimConfig, Simulator};

/// Every trigger event a handler saw, by trigger.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<TriggerEvent>>>);

impl Seen {
    fn count(&self, trigger: Trigger) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.trigger == trigger)
            .count()
    }

    fn by_trigger(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for event in self.0.lock().unwrap().iter() {
            *out.entry(event.trigger.name()).or_default() += 1;
        }
        out
    }

    async fn wait_for(&self, trigger: Trigger, n: usize) {
        for _ in 0..200 {
            if self.count(trigger) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "{} fired {} times, expected {n}; saw {:?}",
            trigger.name(),
            self.count(trigger),
            self.by_trigger()
        );
    }
}

fn dispatcher(seen: &Seen, triggers: &[Trigger]) -> Dispatcher {
    let mut dispatcher = Dispatcher::new();
    for &trigger in triggers {
        let seen = seen.clone();
        dispatcher.on(trigger, move |event| {
            let seen = seen.clone();
            async move {
                seen.0.lock().unwrap().push(event);
                Ok::<(), HandlerError>(())
            }
        });
    }
    dispatcher
}

async fn start() -> (Simulator, Client) {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .no_rate_limit()
        .build()
        .expect("client");
    (sim, client)
}

#[tokio::test]
async fn candidate_triggers_fire_once_per_change_through_signed_webhooks() {
    let (sim, client) = start().await;
    let admin = sim.default_user_id().expect("admin");
    let seen = Seen::default();

    // Our receiver: the ready-made axum route, verifying with every token Lever gave us.
    let tokens: Arc<RwLock<Vec<String>>> = Arc::default();
    let lookup_tokens = tokens.clone();
    let config = WebhookConfig::per_account(
        move |account| {
            (account == "acct-1")
                .then(|| Verifier::with_tokens(lookup_tokens.read().unwrap().clone()).dedup(1000))
        },
        dispatcher(
            &seen,
            &[Trigger::CandidateCreated, Trigger::CandidateUpdated],
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let receiver = format!("http://{}/acct-1", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move { axum::serve(listener, router(config)).await });

    // Subscribe through Lever's webhook management API; keep each signature token.
    for event in [
        "applicationCreated",
        "candidateStageChange",
        "candidateArchiveChange",
        "candidateHired",
        "contactUpdated",
    ] {
        let webhook = client
            .webhooks()
            .create(CreateWebhook::new(receiver.clone(), event))
            .send()
            .await
            .expect("webhook created");
        let token = webhook
            .configuration
            .and_then(|c| c.signature_token)
            .expect("the create response carries the signature token");
        tokens.write().unwrap().push(token);
    }

    // A new candidate applies: Candidate Created, once.
    let posting = client
        .postings()
        .create(CreatePosting::new("Backend Engineer"))
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("posting");
    let opportunity = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Grace Hopper".into()),
            emails: Some(vec!["grace@example.com".into()]),
            postings: Some(vec![posting.id.clone()]),
            ..CreateOpportunity::default()
        })
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("opportunity");
    seen.wait_for(Trigger::CandidateCreated, 1).await;

    // Two changes to the candidate: Candidate Updated, once each.
    client
        .opportunities()
        .update_stage(
            &opportunity.id,
            UpdateOpportunityStage::new("lead-responded"),
        )
        .send()
        .await
        .expect("stage changed");
    seen.wait_for(Trigger::CandidateUpdated, 1).await;
    let contact = opportunity
        .contact
        .as_ref()
        .and_then(|c| c.as_id())
        .expect("contact")
        .to_string();
    client
        .contacts()
        .update(
            &contact,
            UpdateContact {
                headline: Some("Compilers".into()),
                ..UpdateContact::default()
            },
        )
        .send()
        .await
        .expect("contact updated");
    seen.wait_for(Trigger::CandidateUpdated, 2).await;

    // Nothing more arrives: give stray retries a moment, then count.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        seen.count(Trigger::CandidateCreated),
        1,
        "{:?}",
        seen.by_trigger()
    );
    assert_eq!(
        seen.count(Trigger::CandidateUpdated),
        2,
        "{:?}",
        seen.by_trigger()
    );
    // Every delivery was accepted (2xx) on its first attempt.
    let deliveries = sim.deliveries();
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "{deliveries:#?}"
    );
    server.abort();
    sim.shutdown().await;
}

#[tokio::test]
async fn forged_deliveries_reach_nothing() {
    let seen = Seen::default();
    let config = WebhookConfig::single(
        "acct-1",
        Verifier::new("the-real-token"),
        dispatcher(&seen, &[Trigger::CandidateCreated]),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move { axum::serve(listener, router(config)).await });
    let forged = lever_client::webhooks::signed_delivery(
        "a-guessed-token",
        "applicationCreated",
        serde_json::json!({"opportunityId": "o1"}),
    );
    let response = reqwest_post(&url, forged).await;
    assert_eq!(response, 401);
    let genuine = lever_client::webhooks::signed_delivery(
        "the-real-token",
        "applicationCreated",
        serde_json::json!({"opportunityId": "o1"}),
    );
    assert_eq!(reqwest_post(&url, genuine).await, 200);
    assert_eq!(seen.count(Trigger::CandidateCreated), 1);
    server.abort();
}

async fn reqwest_post(url: &str, body: Vec<u8>) -> u16 {
    // The passthrough client cannot post raw bytes to a foreign URL; a bare HTTP/1.1 request
    // over TCP is enough for a loopback test.
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let without_scheme = url.trim_start_matches("http://");
    let (host, path) = without_scheme.split_once('/').expect("host/path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(&body).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line")
}

#[tokio::test]
async fn posting_triggers_fire_once_per_change_through_polling() {
    let (sim, client) = start().await;
    let admin = sim.default_user_id().expect("admin");
    let seen = Seen::default();
    let poller = Poller::new(
        client.clone(),
        "acct-1",
        MemoryStore::new(),
        dispatcher(&seen, &[Trigger::PostingCreated, Trigger::PostingUpdated]),
    )
    .trigger(Trigger::PostingCreated)
    .expect("polls")
    .trigger(Trigger::PostingUpdated)
    .expect("polls")
    .overlap(Duration::from_millis(50));

    // The first poll sets the checkpoint: what existed before is not news.
    assert!(poller.poll_once().await.is_ok());
    assert_eq!(seen.by_trigger(), BTreeMap::new());

    sim.advance_clock(1000);
    let posting = client
        .postings()
        .create(CreatePosting::new("Data Engineer"))
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("created");
    assert!(poller.poll_once().await.is_ok());
    assert_eq!(seen.count(Trigger::PostingCreated), 1);
    assert_eq!(seen.count(Trigger::PostingUpdated), 0);

    // Polling again without a change fires nothing.
    assert!(poller.poll_once().await.is_ok());
    assert_eq!(seen.count(Trigger::PostingCreated), 1);

    sim.advance_clock(1000);
    client
        .postings()
        .update(
            &posting.id,
            UpdatePosting {
                text: Some("Senior Data Engineer".into()),
                ..UpdatePosting::default()
            },
        )
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("updated");
    assert!(poller.poll_once().await.is_ok());
    assert!(poller.poll_once().await.is_ok());
    assert_eq!(
        seen.count(Trigger::PostingCreated),
        1,
        "{:?}",
        seen.by_trigger()
    );
    assert_eq!(
        seen.count(Trigger::PostingUpdated),
        1,
        "{:?}",
        seen.by_trigger()
    );
    let updated = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .find(|e| e.trigger == Trigger::PostingUpdated)
        .cloned()
        .expect("event");
    let item: lever_client::models::Posting = updated.item_as().expect("a posting");
    assert_eq!(item.text.as_deref(), Some("Senior Data Engineer"));
    sim.shutdown().await;
}

/// Issue #12: a posting updated while its "Posting Created" handler still runs (so between
/// the poll that found it and the next one) fires "Posting Updated" with the new version.
#[tokio::test]
async fn a_posting_updated_while_its_created_handler_runs_fires_updated() {
    let (sim, client) = start().await;
    let sim = Arc::new(sim);
    let admin = sim.default_user_id().expect("admin");
    let seen = Seen::default();
    let mut handlers = dispatcher(&seen, &[Trigger::PostingUpdated]);
    {
        let seen = seen.clone();
        let client = client.clone();
        let sim = sim.clone();
        let admin = admin.clone();
        handlers.on(Trigger::PostingCreated, move |event: TriggerEvent| {
            let seen = seen.clone();
            let client = client.clone();
            let sim = sim.clone();
            let admin = admin.clone();
            async move {
                let posting: lever_client::models::Posting = event.item_as()?;
                seen.0.lock().unwrap().push(event);
                // The handler is slow: someone edits the posting before it returns.
                sim.advance_clock(1000);
                let text = format!("{} v2", posting.text.unwrap_or_default());
                client
                    .postings()
                    .update(
                        &posting.id,
                        UpdatePosting {
                            text: Some(text),
                            ..UpdatePosting::default()
                        },
                    )
                    .perform_as(admin.as_str())
                    .send()
                    .await?;
                Ok::<(), HandlerError>(())
            }
        });
    }
    let poller = Poller::new(client.clone(), "acct-1", MemoryStore::new(), handlers)
        .trigger(Trigger::PostingCreated)
        .expect("polls")
        .trigger(Trigger::PostingUpdated)
        .expect("polls")
        .overlap(Duration::from_millis(50));
    assert!(poller.poll_once().await.is_ok());

    sim.advance_clock(1000);
    for i in 0..5 {
        client
            .postings()
            .create(CreatePosting::new(format!("Role {i}")))
            .perform_as(admin.as_str())
            .send()
            .await
            .expect("created");
    }
    for _ in 0..3 {
        let report = poller.poll_once().await;
        assert!(report.is_ok(), "{report:?}");
    }
    assert_eq!(
        seen.count(Trigger::PostingCreated),
        5,
        "{:?}",
        seen.by_trigger()
    );
    let mut updated: Vec<String> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.trigger == Trigger::PostingUpdated)
        .map(|e| {
            let posting: lever_client::models::Posting = e.item_as().expect("a posting");
            posting.text.unwrap_or_default()
        })
        .collect();
    updated.sort();
    let expected: Vec<String> = (0..5).map(|i| format!("Role {i} v2")).collect();
    assert_eq!(updated, expected, "every update fired, once");
    drop(poller);
    if let Ok(sim) = Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }
}
