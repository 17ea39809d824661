//! The public surface DESIGN.md promises, written the way a user reads it there, run against
//! lever-sim. If a name in DESIGN.md changes, this stops compiling.

use futures::StreamExt as _;
use lever_client::models::{
    Application, Contact, CreateOpportunity, CreatePosting, Opportunity, Posting, UpdateContact,
    UpdatePosting,
};
use lever_client::triggers::Trigger;
use lever_client::webhooks::{self, WebhookEvent};
use lever_client::{Client, Environment, Error, Method, Page};

fn assert_model<
    T: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + Clone + PartialEq,
>() {
}
fn assert_client<T: Clone + std::fmt::Debug + Send + Sync>() {}

#[tokio::test]
async fn the_design_surface() {
    assert_client::<Client>();
    assert_model::<Opportunity>();
    assert_model::<Contact>();
    assert_model::<Posting>();
    assert_model::<Application>();
    assert_model::<CreateOpportunity>();
    assert_model::<UpdateContact>();
    assert_model::<CreatePosting>();
    assert_model::<UpdatePosting>();

    // Builders for both environments and for any base URL.
    let production = Client::builder()
        .api_key("k")
        .environment(Environment::Production)
        .build()
        .expect("client");
    assert_eq!(production.base_url(), "https://api.lever.co/v1");
    let sandbox = Client::builder()
        .api_key("k")
        .environment(Environment::Sandbox)
        .build()
        .expect("client");
    assert_eq!(sandbox.base_url(), "https://api.sandbox.lever.co/v1");
    assert!(!format!("{production:?}").contains("\"k\""));

    let sim = lever_sim::Simulator::start(lever_sim::SimConfig::default())
        .await
        .expect("sim");
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .build()
        .expect("client");
    let clone = client.clone();
    let user = sim.default_user_id().expect("user");

    // Postings: get, list, create, update.
    let page: Page<Posting> = client
        .postings()
        .list()
        .limit(2)
        .send()
        .await
        .expect("list");
    assert_eq!(page.data.len(), 2);
    assert!(page.has_next && page.next.is_some());
    let id = page.data[0].id.clone();
    let posting: Posting = clone
        .postings()
        .get(id.as_str())
        .send()
        .await
        .expect("get by &str");
    let _: Posting = client
        .postings()
        .get(id.to_string())
        .send()
        .await
        .expect("get by String");
    let created = client
        .postings()
        .create(CreatePosting::new("Engineer"))
        .perform_as(user.as_str())
        .send()
        .await
        .expect("create");
    let _ = client
        .postings()
        .update(&created.id, UpdatePosting::default())
        .perform_as(user.as_str())
        .send()
        .await
        .expect("update");
    let mut stream = client.postings().list().stream();
    let first: Result<Posting, Error> = stream.next().await.expect("an item");
    assert!(first.is_ok());

    // Opportunities: get, list, create; contacts: get, update.
    let opportunity = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Ada".into()),
            ..CreateOpportunity::default()
        })
        .perform_as(user.as_str())
        .send()
        .await
        .expect("create");
    let fetched = client
        .opportunities()
        .get(&opportunity.id)
        .expand("owner")
        .send()
        .await
        .expect("get");
    let _: Page<Opportunity> = client.opportunities().list().send().await.expect("list");
    let contact = fetched
        .contact
        .as_ref()
        .and_then(|c| c.as_id())
        .expect("contact")
        .to_string();
    let _: Contact = client
        .contacts()
        .get(contact.as_str())
        .send()
        .await
        .expect("get");
    let _: Contact = client
        .contacts()
        .update(contact, UpdateContact::default())
        .send()
        .await
        .expect("update");

    // Passthrough: any path, JSON in and out.
    let value: serde_json::Value = client
        .request(Method::GET, "/postings")
        .query(&[("limit", "1")])
        .send()
        .await
        .expect("passthrough");
    assert_eq!(value["data"].as_array().map(Vec::len), Some(1));
    let _ = client
        .request(Method::POST, "/tags")
        .json(&serde_json::json!({}))
        .send()
        .await;

    // Errors keep Lever's code and message, and say whether to retry.
    let err: Error = client
        .postings()
        .get("missing")
        .send()
        .await
        .expect_err("404");
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(lever_client::StatusCode::NOT_FOUND));
    assert_eq!(err.code(), Some("ResourceNotFound"));
    let message = err.message().expect("Lever's message is kept");
    assert!(
        message.contains("missing"),
        "the message names the ID: {message}"
    );
    assert_eq!(posting.id, id);

    // Webhooks and triggers.
    let body = webhooks::signed_delivery(
        "secret",
        "candidateStageChange",
        serde_json::json!({"toStageId": "offer"}),
    );
    let event: WebhookEvent = webhooks::verify_and_parse("secret", &body).expect("verified");
    assert!(matches!(event, WebhookEvent::CandidateStageChange(_)));
    assert!(webhooks::verify("other", &body).is_err());
    assert!(webhooks::parse(&body).is_ok());
    let _signature: String = webhooks::sign("secret", "token", 1);
    assert_eq!(Trigger::PostingUpdated.title(), "Posting Updated");
    assert_eq!(Trigger::PostingUpdated.name(), "posting_updated");
    assert!(Trigger::ALL.contains(&Trigger::CandidateCreated));
    assert!(Trigger::PostingUpdated.source().poll.is_some());
    sim.shutdown().await;
}
