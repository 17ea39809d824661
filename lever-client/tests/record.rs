//! `ClientBuilder::record_to` (feature `record`): each response is written as a drift
//! recording, and no value of a response survives redaction except IDs, enum values,
//! timestamps and keys.

mod common;

use common::{Reply, Scripted};
use serde_json::{json, Value};

const OPPORTUNITY: &str = "0f4e9a5c-8b1d-4c2e-9f3a-1b2c3d4e5f60";
const CONTACT: &str = "a1b2c3d4-e5f6-4a1b-8c2d-3e4f5a6b7c8d";

/// Every personal value in the response below, each of which must be gone.
const PERSONAL: &[&str] = &[
    "Ada Lovelace",
    "ada@example.com",
    "+44 20 7946 0958",
    "Analytical engine enthusiast",
    "London, UK",
    "https://ada.example/portfolio",
    "Met at the conference",
    "123457",
];

fn response() -> Value {
    json!({"data": {
        "id": OPPORTUNITY,
        "name": "Ada Lovelace",
        "headline": "Analytical engine enthusiast",
        "contact": CONTACT,
        "emails": ["ada@example.com"],
        "phones": [{"type": "mobile", "value": "+44 20 7946 0958"}],
        "location": "London, UK",
        "links": ["https://ada.example/portfolio"],
        "confidentiality": "non-confidential",
        "origin": "referred",
        "createdAt": 1_600_000_000_000_i64,
        "stageChanges": [{"toStageId": "lead-new", "updatedAt": "1600000000001"}],
        "notes": [{"value": "Met at the conference"}],
        "salary": 123457,
        "isAnonymized": false,
        "snoozedUntil": null
    }})
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn responses_are_recorded_in_the_drift_format_and_redacted() {
    let s = Scripted::new();
    let path = format!("/v1/opportunities/{OPPORTUNITY}");
    s.on(&path, vec![Reply::json(200, response())]);
    let base = s.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url(&base)
        .no_rate_limit()
        .record_to(dir.path())
        .build()
        .expect("client");
    let opportunity = client
        .opportunities()
        .get(OPPORTUNITY)
        .send()
        .await
        .expect("the call itself is unchanged");
    assert_eq!(opportunity.name.as_deref(), Some("Ada Lovelace"));

    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("the folder exists")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).expect("readable");
    let call: Value = serde_json::from_str(&text).expect("JSON");
    let mut keys: Vec<&String> = call.as_object().expect("an object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["method", "path", "response", "status"]);
    assert_eq!(call["method"], "GET");
    assert_eq!(call["path"], path);
    assert_eq!(call["status"], 200);

    for value in PERSONAL {
        assert!(
            !text.contains(value),
            "`{value}` survived redaction:\n{text}"
        );
    }
    let data = &call["response"]["data"];
    // Kept: IDs, enum values, timestamps, keys, booleans and nulls.
    assert_eq!(data["id"], OPPORTUNITY);
    assert_eq!(data["contact"], CONTACT);
    assert_eq!(data["stageChanges"][0]["toStageId"], "lead-new");
    assert_eq!(data["confidentiality"], "non-confidential");
    assert_eq!(data["phones"][0]["type"], "mobile");
    assert_eq!(data["createdAt"], 1_600_000_000_000_i64);
    assert_eq!(data["stageChanges"][0]["updatedAt"], "1600000000001");
    assert_eq!(data["isAnonymized"], false);
    assert!(data["snoozedUntil"].is_null());
    // Replaced by a placeholder of the same kind.
    assert_eq!(data["emails"][0], "redacted@example.invalid");
    assert_eq!(data["links"][0], "https://redacted.invalid/");
    assert_eq!(data["phones"][0]["value"], "+10000000000");
    assert_eq!(data["name"], "redacted");
    assert_eq!(data["salary"], 0);
    // Same shape: every key of the response is still there.
    let original = response();
    let original = original["data"].as_object().expect("object");
    assert!(original.keys().all(|k| data.get(k).is_some()));

    // Every string left is a placeholder or one of the kept values.
    let kept = [
        OPPORTUNITY,
        CONTACT,
        "lead-new",
        "non-confidential",
        "mobile",
        "referred",
        "1600000000001",
    ];
    let placeholders = [
        "redacted",
        "redacted@example.invalid",
        "https://redacted.invalid/",
        "+10000000000",
    ];
    let mut left = Vec::new();
    strings(&call["response"], &mut left);
    for s in left {
        assert!(
            kept.contains(&s.as_str()) || placeholders.contains(&s.as_str()),
            "`{s}` is neither kept nor a placeholder"
        );
    }
}

#[test]
fn redaction_is_a_pure_function_of_the_body() {
    let redacted = lever_client::record::redact(&response());
    assert_eq!(redacted, lever_client::record::redact(&response()));
    assert_eq!(
        lever_client::record::redact(&redacted),
        redacted,
        "redacting twice changes nothing"
    );
}
