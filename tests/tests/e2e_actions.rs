//! End to end against lever-sim, through the generated client: the nine seed actions, a stream
//! over 1,000 items, and a run with 10% injected faults.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::TryStreamExt as _;
use lever_client::models::{
    CreateOpportunity, CreatePosting, PostingState, UpdateContact, UpdatePosting,
};
use lever_client::{Client, RetryPolicy};
use lever_sim::{FaultConfig, SimConfig, Simulator};

async fn start(config: SimConfig) -> (Simulator, Client) {
    let sim = Simulator::start(config).await.expect("simulator starts");
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .no_rate_limit()
        .build()
        .expect("client builds");
    (sim, client)
}

fn no_rate_limit() -> SimConfig {
    SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn the_nine_seed_actions() {
    let (sim, client) = start(no_rate_limit()).await;
    let admin = sim.default_user_id().expect("seeded users");

    // Get Postings
    let page = client
        .postings()
        .list()
        .limit(5)
        .send()
        .await
        .expect("Get Postings");
    assert_eq!(page.data.len(), 5);
    assert!(page.has_next);

    // Create a Posting (perform_as is required: `.send()` only exists after `.perform_as`)
    let mut body = CreatePosting::new("Senior Rust Engineer");
    body.state = Some(PostingState::Published);
    body.tags = Some(vec!["rust".into()]);
    let posting = client
        .postings()
        .create(body)
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("Create a Posting");
    assert_eq!(posting.text.as_deref(), Some("Senior Rust Engineer"));
    assert_eq!(posting.state, Some(PostingState::Published));

    // Get Postings by ID
    let fetched = client
        .postings()
        .get(&posting.id)
        .send()
        .await
        .expect("Get Postings by ID");
    assert_eq!(fetched.id, posting.id);
    assert_eq!(fetched.text, posting.text);

    // Update Posting (a partial update: only the fields sent change)
    let update = UpdatePosting {
        text: Some("Staff Rust Engineer".into()),
        ..UpdatePosting::default()
    };
    let updated = client
        .postings()
        .update(&posting.id, update)
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("Update Posting");
    assert_eq!(updated.text.as_deref(), Some("Staff Rust Engineer"));
    assert_eq!(
        updated.state,
        Some(PostingState::Published),
        "untouched fields stay"
    );
    assert!(updated.updated_at >= posting.updated_at);

    // Create an Opportunity, applied to the posting
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
        .await
        .expect("Create an Opportunity");
    assert_eq!(opportunity.name.as_deref(), Some("Ada Lovelace"));
    let contact_id = opportunity
        .contact
        .as_ref()
        .and_then(|c| c.as_id().map(str::to_string))
        .expect("a contact ID");

    // Get Opportunity by ID, expanding the contact
    let fetched = client
        .opportunities()
        .get(&opportunity.id)
        .expand("contact")
        .send()
        .await
        .expect("Get Opportunity by ID");
    let contact = fetched
        .contact
        .expect("contact")
        .expanded()
        .cloned()
        .expect("expanded");
    assert_eq!(contact.id.as_str(), contact_id);

    // Get Opportunities, filtered by contact
    let found: Vec<_> = client
        .opportunities()
        .list()
        .contact_id(contact_id.as_str())
        .stream()
        .try_collect()
        .await
        .expect("Get Opportunities");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, opportunity.id);

    // Get Contact by ID
    let contact = client
        .contacts()
        .get(&contact_id)
        .send()
        .await
        .expect("Get Contact by ID");
    assert_eq!(contact.name.as_deref(), Some("Ada Lovelace"));

    // Update Contact
    let updated = client
        .contacts()
        .update(
            &contact_id,
            UpdateContact {
                name: Some("Ada King".into()),
                ..UpdateContact::default()
            },
        )
        .send()
        .await
        .expect("Update Contact");
    assert_eq!(updated.name.as_deref(), Some("Ada King"));
    let again = client
        .contacts()
        .get(&contact_id)
        .send()
        .await
        .expect("Get Contact by ID");
    assert_eq!(again.name.as_deref(), Some("Ada King"));

    // Errors come back typed, with Lever's code.
    let missing = client
        .postings()
        .get("no-such-posting")
        .send()
        .await
        .expect_err("404");
    assert!(missing.is_not_found(), "{missing}");
    assert_eq!(missing.code(), Some("ResourceNotFound"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_stream_over_1000_items_yields_each_once() {
    let (sim, client) = start(no_rate_limit()).await;
    let visible = |sim: &Simulator| {
        sim.list("Posting")
            .iter()
            .filter(|p| p["confidentiality"] == "non-confidential")
            .count()
    };
    let before = visible(&sim);
    for i in 0..1000 {
        sim.insert(
            "Posting",
            serde_json::json!({ "text": format!("Posting {i}"), "state": "published", "confidentiality": "non-confidential" }),
        )
        .expect("inserted");
    }
    let items: Vec<_> = client
        .postings()
        .list()
        .limit(100)
        .stream()
        .try_collect()
        .await
        .expect("stream");
    let ids: BTreeSet<_> = items.iter().map(|p| p.id.clone()).collect();
    assert_eq!(items.len(), before + 1000);
    assert_eq!(ids.len(), items.len(), "no duplicates");
    sim.shutdown().await;
}

#[tokio::test]
async fn ten_percent_faults_lose_nothing() {
    let (sim, _) = start(no_rate_limit()).await;
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .no_rate_limit()
        .retry(RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client");
    for i in 0..300 {
        sim.insert("Posting", serde_json::json!({ "text": format!("P{i}"), "state": "published", "confidentiality": "non-confidential" }))
            .expect("inserted");
    }
    let expected: BTreeSet<String> = sim
        .list("Posting")
        .iter()
        .filter(|p| p["confidentiality"] == "non-confidential")
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect();
    let contact_id = sim.list("Contact")[0]["id"]
        .as_str()
        .expect("id")
        .to_string();

    sim.set_faults(FaultConfig {
        error_rate: 0.05,
        drop_rate: 0.05,
        ..FaultConfig::default()
    });
    let before = sim.request_count();

    // Lists: every page request may fail; the stream retries each page.
    for _ in 0..3 {
        let items: Vec<_> = client
            .postings()
            .list()
            .limit(25)
            .stream()
            .try_collect()
            .await
            .expect("every page succeeds after retries");
        let ids: Vec<String> = items.iter().map(|p| p.id.to_string()).collect();
        let unique: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), unique.len(), "no item duplicated");
        assert_eq!(unique, expected, "no item lost");
    }
    // Reads and idempotent writes.
    for i in 0..40 {
        client
            .contacts()
            .get(&contact_id)
            .send()
            .await
            .expect("get succeeds");
        client
            .contacts()
            .update(
                &contact_id,
                UpdateContact {
                    headline: Some(format!("headline {i}")),
                    ..UpdateContact::default()
                },
            )
            .send()
            .await
            .expect("PUT is idempotent and retried");
    }
    let sent = sim.request_count() - before;
    let calls = 3 * expected.len().div_ceil(25) as u64 + 80;
    assert!(
        sent > calls,
        "faults were injected and retried ({sent} requests for {calls} calls)"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_opportunity_with_a_resume_is_created_through_multipart() {
    let (sim, client) = start(no_rate_limit()).await;
    let admin = sim.default_user_id().expect("seeded users");
    let opportunity = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Grace Hopper".into()),
            emails: Some(vec!["grace@example.com".into()]),
            tags: Some(vec!["compilers".into(), "navy".into()]),
            ..CreateOpportunity::default()
        })
        .resume_file(
            lever_client::FilePart::new("cv.pdf", b"%PDF-1.4 cv".to_vec())
                .content_type("application/pdf"),
        )
        .files(lever_client::FilePart::new("notes.txt", b"notes".to_vec()))
        .parse(true)
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("the simulator accepts a multipart create");
    assert_eq!(opportunity.name.as_deref(), Some("Grace Hopper"));
    assert_eq!(
        opportunity.tags,
        Some(vec!["compilers".to_string(), "navy".to_string()]),
        "`tags[]` form fields become the list"
    );
    sim.shutdown().await;
}
