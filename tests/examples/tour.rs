//! A tour of the Lever client against an embedded simulator: the seed actions, a passthrough
//! request, the triggers, and two customers connecting their own Lever accounts
//! (`lever-connect` on an embedded SQLite file). Run it with `cargo run -p lever-tests --example tour`.
//!
//! Building this example builds `lever-client`, whose build script regenerates the client from
//! the shipped spec (`lever-spec/spec/`), so the tour always shows the current spec at work.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::TryStreamExt as _;
use lever_client::models::{
    CreateOpportunity, CreatePosting, CreateWebhook, PostingState, UpdateContact,
    UpdateOpportunityStage, UpdatePosting,
};
use lever_client::triggers::{
    Dispatcher, HandlerError, MemoryStore, Poller, Trigger, TriggerEvent,
};
use lever_client::webhooks::axum::{router, WebhookConfig};
use lever_client::webhooks::Verifier;
use lever_client::{Client, Method};
use lever_sim::{SimConfig, Simulator};

type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

fn step(title: &str) {
    println!("\n== {title}");
}

#[tokio::main]
async fn main() -> Result<()> {
    step("The spec");
    let spec = lever_spec::load(&lever_spec::default_spec_dir(), &[])?;
    println!(
        "lever-spec/spec: {} resources, {} actions, {} webhook events, {} triggers (the client was generated from it at build time)",
        spec.resources.len(),
        spec.actions().count(),
        spec.events.len(),
        spec.triggers.len()
    );

    step("A local Lever");
    let sim = Simulator::start(SimConfig::default()).await?;
    println!(
        "lever-sim serves {} (API key {:?}, 10 req/s, bursts of 20)",
        sim.base_url(),
        sim.api_key()
    );
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .build()?;
    let admin = sim.default_user_id().ok_or("the simulator has no users")?;
    println!("client: {client:?}");

    step("Get Postings");
    let page = client.postings().list().limit(3).send().await?;
    for posting in &page.data {
        println!(
            "  {} | {} | {:?}",
            posting.id,
            posting.text.as_deref().unwrap_or("?"),
            posting.state
        );
    }
    println!("  has_next = {}, next = {:?}", page.has_next, page.next);

    step("Create a Posting (perform_as is required: the compiler checks it)");
    let mut body = CreatePosting::new("Senior Rust Engineer");
    body.state = Some(PostingState::Published);
    let posting = client
        .postings()
        .create(body)
        .perform_as(admin.as_str())
        .send()
        .await?;
    println!("  created {} {:?}", posting.id, posting.text);

    step("Get Postings by ID");
    let fetched = client.postings().get(&posting.id).send().await?;
    println!("  {} is {:?}", fetched.id, fetched.state);

    step("Update Posting");
    let update = UpdatePosting {
        text: Some("Staff Rust Engineer".into()),
        ..UpdatePosting::default()
    };
    let updated = client
        .postings()
        .update(&posting.id, update)
        .perform_as(admin.as_str())
        .send()
        .await?;
    println!("  now {:?}", updated.text);

    step("Create an Opportunity");
    let opportunity = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Ada Lovelace".into()),
            emails: Some(vec!["ada@example.com".into()]),
            postings: Some(vec![posting.id.clone()]),
            ..CreateOpportunity::default()
        })
        .perform_as(admin.as_str())
        .send()
        .await?;
    println!("  created {} for {:?}", opportunity.id, opportunity.name);

    step("Get Opportunity by ID (expanding stage and contact)");
    let fetched = client
        .opportunities()
        .get(&opportunity.id)
        .expand("stage")
        .expand("contact")
        .send()
        .await?;
    let stage = fetched
        .stage
        .as_ref()
        .and_then(|s| s.expanded())
        .and_then(|s| s.text.clone());
    let contact = fetched
        .contact
        .as_ref()
        .and_then(|c| c.expanded())
        .cloned()
        .ok_or("no contact")?;
    println!(
        "  stage {stage:?}, contact {} {:?}",
        contact.id, contact.name
    );

    step("Get Opportunities (a stream across pages)");
    let all: Vec<_> = client
        .opportunities()
        .list()
        .limit(10)
        .stream()
        .try_collect()
        .await?;
    println!("  {} opportunities, fetched 10 per page", all.len());

    step("Get Contact by ID");
    let fetched = client.contacts().get(&contact.id).send().await?;
    println!("  {:?} <{:?}>", fetched.name, fetched.emails);

    step("Update Contact");
    let changed = client
        .contacts()
        .update(
            &contact.id,
            UpdateContact {
                headline: Some("Analytical Engine".into()),
                ..UpdateContact::default()
            },
        )
        .send()
        .await?;
    println!("  headline {:?}", changed.headline);

    step("A passthrough request (any path, same auth, rate limit and retries)");
    let stages = client
        .request(Method::GET, "/stages")
        .query_pair("limit", "100")
        .send()
        .await?;
    let names: Vec<&str> = stages["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["text"].as_str())
        .collect();
    println!("  GET /stages -> {names:?}");
    let checked =
        lever_macros::request!(client, GET "/opportunities/{opportunity}", opportunity.id.clone())
            .send()
            .await?;
    println!(
        "  request!(GET \"/opportunities/{{opportunity}}\") is checked at compile time -> {:?}",
        checked.name
    );

    step("Triggers");
    for trigger in Trigger::ALL {
        let source = trigger.source();
        let how = match (source.webhook.is_empty(), source.poll.is_some()) {
            (false, false) => format!("webhook {}", source.webhook.join(", ")),
            (true, true) => "polling".to_string(),
            _ => "webhook and polling".to_string(),
        };
        println!("  {:<26} {how}", trigger.title());
    }

    let mut dispatcher = Dispatcher::new();
    for trigger in [
        Trigger::CandidateCreated,
        Trigger::CandidateUpdated,
        Trigger::PostingCreated,
        Trigger::PostingUpdated,
    ] {
        dispatcher.on(trigger, |event: TriggerEvent| async move {
            let what = match event.webhook() {
                Some(webhook) => format!("webhook {}", webhook.name()),
                None => "poll".to_string(),
            };
            println!("  -> {} fired ({what})", event.trigger.title());
            Ok::<(), HandlerError>(())
        });
    }

    // Webhooks: a receiver with the ready-made axum route, subscribed through Lever's API.
    let tokens: Arc<RwLock<Vec<String>>> = Arc::default();
    let lookup = tokens.clone();
    let config = WebhookConfig::per_account(
        move |_account| lookup.read().ok().map(|t| Verifier::with_tokens(t.clone())),
        dispatcher.clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver = format!("http://{}/tour-account", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router(config)).await });
    for event in [
        "applicationCreated",
        "candidateStageChange",
        "contactUpdated",
    ] {
        let webhook = client
            .webhooks()
            .create(CreateWebhook::new(receiver.clone(), event))
            .send()
            .await?;
        let token = webhook
            .configuration
            .and_then(|c| c.signature_token)
            .ok_or("no signature token")?;
        if let Ok(mut tokens) = tokens.write() {
            tokens.push(token);
        }
    }
    println!("  subscribed {receiver} to 3 webhook events");

    // Polling: Lever has no posting webhooks.
    let poller = Poller::new(
        client.clone(),
        "tour-account",
        MemoryStore::new(),
        dispatcher,
    )
    .trigger(Trigger::PostingCreated)?
    .trigger(Trigger::PostingUpdated)?
    .overlap(Duration::from_millis(50));
    poller.poll_once().await;
    sim.advance_clock(1000);

    println!("  a candidate applies…");
    let candidate = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Grace Hopper".into()),
            emails: Some(vec!["grace@example.com".into()]),
            postings: Some(vec![posting.id.clone()]),
            ..CreateOpportunity::default()
        })
        .perform_as(admin.as_str())
        .send()
        .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!("  …and moves to another stage");
    client
        .opportunities()
        .update_stage(&candidate.id, UpdateOpportunityStage::new("lead-responded"))
        .send()
        .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!("  a posting is created, then edited; the poller runs after each");
    let new_posting = client
        .postings()
        .create(CreatePosting::new("Data Engineer"))
        .perform_as(admin.as_str())
        .send()
        .await?;
    poller.poll_once().await;
    sim.advance_clock(1000);
    client
        .postings()
        .update(
            &new_posting.id,
            UpdatePosting {
                text: Some("Senior Data Engineer".into()),
                ..UpdatePosting::default()
            },
        )
        .perform_as(admin.as_str())
        .send()
        .await?;
    poller.poll_once().await;
    let accepted = sim
        .deliveries()
        .iter()
        .filter(|d| d.status == Some(200))
        .count();
    println!("  {accepted} signed webhook deliveries accepted");

    connected_accounts(&sim).await?;

    step("Done");
    println!("{} requests served by the simulator", sim.request_count());
    sim.shutdown().await;
    Ok(())
}

/// Two customers connect their own (simulated) Lever accounts — one through the OAuth flow,
/// one with an API key — and the app acts on behalf of each.
async fn connected_accounts(sim: &Simulator) -> Result<()> {
    use lever_connect::{Callback, Connections, Keyring, OAuthApp, SqlStore};

    step("Connected accounts (lever-connect, embedded SQLite)");
    sim.add_account("acme")?;
    let globex = sim.add_account("globex")?;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("connections.db");
    let oauth = sim.oauth_config();
    let connections = Connections::builder()
        .store(SqlStore::sqlite(&db).await?)
        .keyring(Keyring::from_base64("tour-key", &Keyring::generate_key())?)
        .base_url(sim.base_url())
        .oauth_app(
            OAuthApp::new(
                &oauth.client_id,
                oauth.client_secret.as_str(),
                "https://app.example/lever/callback",
            )
            .authorize_url(sim.authorize_url())
            .token_url(sim.oauth_token_url()),
        )
        .build()?;
    println!(
        "  store: {} (secrets sealed with AES-256-GCM)",
        db.display()
    );

    // Customer "northwind" goes through Lever's consent screen as the admin of Acme's Lever.
    let authorize = connections
        .authorize_url(
            "northwind",
            &["postings:read:admin", "postings:write:admin"],
        )
        .await?;
    println!(
        "  northwind is sent to {}…",
        &authorize[..authorize.len().min(60)]
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let consent = browser
        .get(format!("{authorize}&login_hint=acme"))
        .send()
        .await?;
    let back = consent
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .ok_or("no redirect from the consent screen")?;
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(back)?.query_pairs().into_owned().collect();
    let callback = Callback {
        state: query.get("state").cloned().unwrap_or_default(),
        code: query.get("code").cloned(),
        error: query.get("error").cloned(),
    };
    let info = connections.complete_callback(&callback).await?;
    println!(
        "  northwind connected: {:?}, {} scopes granted",
        info.status,
        info.scopes.len()
    );

    // Customer "contoso" pastes Globex's API key.
    connections
        .connect_api_key("contoso", globex.api_key.clone())
        .await?;
    println!("  contoso connected with an API key (checked with one call)");

    for account in ["northwind", "contoso"] {
        let client = connections.client(account).await?;
        let page = client.postings().list().limit(100).send().await?;
        println!(
            "  {account}: {} postings in its own Lever, e.g. {:?}",
            page.data.len(),
            page.data.first().and_then(|p| p.text.as_deref())
        );
    }
    let acme_admin = sim
        .account("acme")
        .and_then(|a| a.default_user_id())
        .ok_or("acme has no users")?;
    let northwind = connections.client("northwind").await?;
    let created = northwind
        .postings()
        .create(CreatePosting::new("Only at Acme"))
        .perform_as(acme_admin.as_str())
        .send()
        .await?;
    let contoso = connections.client("contoso").await?;
    let seen = contoso.postings().get(&created.id).send().await;
    println!(
        "  northwind created {:?}; contoso sees it: {}",
        created.text,
        seen.is_ok()
    );
    for c in connections.list().await? {
        println!("  {} | {:?} | {:?}", c.account, c.kind, c.status);
    }
    Ok(())
}
