//! No input makes webhook verification or parsing panic.

use std::time::Duration;

use lever_client::webhooks::{parse, signed_delivery_with, verify, verify_and_parse, Verifier};
use proptest::prelude::*;
use serde_json::{json, Value};

const KEY: &str = "prop-key";

fn valid() -> Value {
    let body = signed_delivery_with(
        KEY,
        "candidateArchiveChange",
        "0123456789abcdef0123456789abcdef0123456789abcdef",
        1_700_000_000_000,
        json!({"opportunityId": "o", "toArchived": {"archivedAt": 1, "reason": "r"}, "fromArchived": null}),
    );
    serde_json::from_slice(&body).unwrap()
}

#[path = "common/any_json.rs"]
mod any_json;

use any_json::{any_json, webhook_key};

#[derive(Debug, Clone)]
enum Mutation {
    Set(String, Value),
    Remove(String),
    SetData(String, Value),
    Event(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (webhook_key(), any_json()).prop_map(|(k, v)| Mutation::Set(k, v)),
        webhook_key().prop_map(Mutation::Remove),
        (
            prop_oneof![
                Just("toArchived".to_owned()),
                Just("fromArchived".to_owned()),
                Just("opportunityId".to_owned()),
                "[a-zA-Z]{1,10}"
            ],
            any_json()
        )
            .prop_map(|(k, v)| Mutation::SetData(k, v)),
        prop_oneof![
            Just("candidateStageChange".to_owned()),
            Just("contactCreated".to_owned()),
            Just("interviewDeleted".to_owned()),
            ".{0,12}"
        ]
        .prop_map(Mutation::Event),
    ]
}

fn apply(mut v: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let Some(map) = v.as_object_mut() else { break };
        match m {
            Mutation::Set(k, x) => {
                map.insert(k.clone(), x.clone());
            }
            Mutation::Remove(k) => {
                map.remove(k);
            }
            Mutation::SetData(k, x) => {
                if let Some(Value::Object(data)) = map.get_mut("data") {
                    data.insert(k.clone(), x.clone());
                }
            }
            Mutation::Event(e) => {
                map.insert("event".into(), json!(e));
            }
        }
    }
    v
}

fn exercise(body: &[u8]) {
    let _ = parse(body);
    let _ = verify(KEY, body);
    let _ = verify_and_parse(KEY, body);
    let verifier = Verifier::with_tokens([KEY, "other"])
        .max_age(Duration::from_secs(1))
        .max_body_bytes(4096)
        .dedup(4);
    let _ = verifier.verify(body);
    let _ = verifier.verify_and_parse(body);
    // Whatever parses serialises back without panicking.
    if let Ok(event) = parse(body) {
        let _ = serde_json::to_vec(&event);
        let _ = (
            event.name(),
            event.token(),
            event.triggered_at(),
            event.triggers(),
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn random_json_never_panics(v in any_json()) {
        exercise(v.to_string().as_bytes());
    }

    #[test]
    fn mutated_deliveries_never_panic(mutations in prop::collection::vec(mutation(), 0..6)) {
        let v = apply(valid(), &mutations);
        let body = v.to_string();
        exercise(body.as_bytes());
        // A mutation that leaves the signed fields alone still verifies.
        let untouched = ["token", "triggeredAt", "signature"]
            .iter()
            .all(|k| v.get(*k) == valid().get(*k));
        if untouched {
            prop_assert_eq!(verify(KEY, body.as_bytes()), Ok(()));
        } else {
            prop_assert!(verify(KEY, body.as_bytes()).is_err());
        }
    }

    #[test]
    fn truncated_deliveries_never_panic(cut in 0usize..400) {
        let body = valid().to_string();
        let cut = cut.min(body.len());
        exercise(&body.as_bytes()[..cut]);
    }
}
