//! `Debug` of everything the generated client hands back never shows candidates' personal
//! data: each object the simulator serves is fetched twice, typed and as raw JSON, and no
//! free-text value of the raw JSON (a name, an email, a phone number, a note, a URL) may appear
//! in the typed value's `Debug` or pretty `Debug`. IDs, enums and the shape stay visible.

use lever_client::models::OpportunityExpand;
use lever_client::{Client, Method};
use lever_sim::{SimConfig, Simulator};
use serde_json::Value;

async fn start() -> (Simulator, Client) {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .no_rate_limit()
        .build()
        .expect("client builds");
    (sim, client)
}

/// Lever's IDs, which `Debug` shows on purpose.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A lowercase word such as an enum value (`active`, `mobile`), which may also spell a field
/// name that `Debug` shows; too short or too common to say anything about a candidate.
fn is_word(s: &str) -> bool {
    s.len() < 4
        || s.chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
}

/// Every string of `value` that may be personal data, with its JSON path.
fn free_text(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) if !is_uuid(s) && !is_word(s) => out.push((path.to_owned(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                free_text(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                free_text(item, &format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

/// Checks one typed value against the raw JSON it was decoded from; returns how many
/// free-text values were checked.
fn assert_redacted(case: &str, typed: &impl std::fmt::Debug, raw: &Value) -> usize {
    let shown = format!("{typed:?}\n{typed:#?}");
    let mut texts = Vec::new();
    free_text(raw, "", &mut texts);
    // A page's `next` is Lever's opaque offset token, shown on purpose.
    texts.retain(|(path, _)| path != ".next");
    for (path, text) in &texts {
        // A string leaks through some `Debug` of a string, so quoted: a short value such as
        // `Intern` may also be part of an enum variant's name (`Internal`).
        assert!(
            !shown.contains(&format!("{text:?}")),
            "{case}: the value at {path} ({} chars) shows in Debug",
            text.len()
        );
    }
    assert!(
        shown.contains("<redacted>"),
        "{case}: nothing was redacted: {shown}"
    );
    texts.len()
}

async fn raw(client: &Client, path: &str) -> Value {
    client
        .request(Method::GET, path)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

#[tokio::test]
async fn fetched_objects_debug_without_personal_data() {
    let (sim, client) = start().await;
    let mut checked = 0;

    let expand = [
        OpportunityExpand::Applications,
        OpportunityExpand::Stage,
        OpportunityExpand::Owner,
        OpportunityExpand::Contact,
    ];
    let mut typed = client.opportunities().list().limit(10);
    for e in &expand {
        typed = typed.expand(e.clone());
    }
    let opportunities = typed.send().await.expect("opportunities");
    let raw_opportunities = raw(
        &client,
        "/opportunities?limit=10&expand=applications&expand=stage&expand=owner&expand=contact",
    )
    .await;
    checked += assert_redacted("opportunities", &opportunities, &raw_opportunities);
    let first = opportunities.data.first().expect("seeded opportunities");
    // The shape stays: the ID is shown, and so is which fields are set.
    let shown = format!("{first:?}");
    assert!(shown.contains(first.id.as_str()), "{shown}");
    assert!(shown.contains("name: "), "{shown}");

    let contact_id = first
        .contact
        .as_ref()
        .expect("an opportunity has a contact")
        .id()
        .to_owned();
    let contact = client
        .contacts()
        .get(contact_id.as_str())
        .send()
        .await
        .expect("contact");
    let raw_contact = raw(&client, &format!("/contacts/{contact_id}")).await;
    checked += assert_redacted("contact", &contact, &raw_contact);

    // The simulator seeds no notes: one is written, with the kind of text notes hold.
    let admin = sim.default_user_id().expect("seeded users");
    client
        .notes()
        .create(
            &first.id,
            lever_client::models::CreateNote::new(
                "Spoke with Jane Roe: relocating to Lisbon, +351 912 345 678",
            ),
        )
        .perform_as(admin.as_str())
        .send()
        .await
        .expect("a note");

    // Per opportunity: the first opportunity that has any, for each resource.
    macro_rules! per_opportunity {
        ($($resource:ident),*) => {$(
            let mut found = false;
            for o in &opportunities.data {
                let typed = client.$resource().list(&o.id).send().await
                    .expect(stringify!($resource));
                if typed.data.is_empty() {
                    continue;
                }
                let path = format!("/opportunities/{}/{}", o.id, stringify!($resource));
                checked += assert_redacted(stringify!($resource), &typed, &raw(&client, &path).await);
                found = true;
                break;
            }
            assert!(found, "no seeded {}", stringify!($resource));
        )*};
    }
    per_opportunity!(notes, applications);

    let postings = client
        .postings()
        .list()
        .limit(10)
        .send()
        .await
        .expect("postings");
    checked += assert_redacted(
        "postings",
        &postings,
        &raw(&client, "/postings?limit=10").await,
    );
    let users = client.users().list().limit(10).send().await.expect("users");
    checked += assert_redacted("users", &users, &raw(&client, "/users?limit=10").await);

    // Names, emails, phones, headlines, notes, posting texts: the check must have had plenty
    // to look for, or it proves nothing.
    assert!(
        checked > 100,
        "only {checked} free-text values were checked"
    );
}

#[tokio::test]
async fn request_builders_and_requests_debug_without_query_values_or_body_text() {
    let (_sim, client) = start().await;
    let list = client
        .opportunities()
        .list()
        .email("CANDIDATE-PII-query@example.com");
    let built = list.to_request().expect("a request");
    let body = lever_client::models::CreateOpportunity {
        name: Some("CANDIDATE-PII-name Jane Roe".into()),
        emails: Some(vec!["CANDIDATE-PII-email jane@example.com".into()]),
        ..Default::default()
    };
    let create = client.opportunities().create(body);
    let passthrough = client
        .request(Method::GET, "/opportunities/:opportunity")
        .path_param("opportunity", "CANDIDATE-PII-path")
        .query_pair("email", "CANDIDATE-PII-raw@example.com");
    let shown = format!(
        "{list:?}\n{list:#?}\n{built:?}\n{create:?}\n{create:#?}\n{passthrough:?}\n{passthrough:#?}"
    );
    assert!(!shown.contains("CANDIDATE-PII"), "{shown}");
    // What is set, and the query's names, are still visible.
    assert!(shown.contains("\"email\""), "{shown}");
    assert!(shown.contains("name: Some(<redacted>)"), "{shown}");
    assert!(shown.contains("/opportunities/:opportunity"), "{shown}");
}
