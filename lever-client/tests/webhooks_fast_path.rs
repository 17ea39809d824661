//! The one-pass webhook parse against the `Value` path, on the generated events: whenever
//! the one-pass path answers, the `Value` path gives the same answer, and the public functions
//! agree with the `Value` path everywhere.

use lever_client::webhooks::{self, WebhookError, WebhookEvent};
use lever_runtime::webhooks::__paths;
use proptest::prelude::*;
use serde_json::{json, Value};

#[path = "common/any_json.rs"]
mod any_json;

use any_json::{any_json, webhook_key};

const KEY: &str = "key";

fn kind(e: WebhookError) -> String {
    format!("{e:?}")
}

/// What the `Value` path says about `body`: (verify, parse).
fn slow(body: &[u8]) -> (Result<(), String>, Result<WebhookEvent, String>) {
    let (verify, parse) = __paths::by_value::<WebhookEvent>(KEY, body);
    (verify.map_err(kind), parse.map_err(kind))
}

/// Checks that the fast path agrees with the `Value` path wherever it answers, and returns
/// whether it answered (verify, parse).
fn agree(body: &[u8]) -> (bool, bool) {
    let (slow_verify, slow_parse) = slow(body);
    let (fast_verify, fast_parse) = __paths::one_pass::<WebhookEvent>(KEY, body);
    let fast_verify = fast_verify.map(|verify| verify.map_err(kind));
    if let Some(fast) = &fast_verify {
        assert_eq!(fast, &slow_verify, "{}", String::from_utf8_lossy(body));
    }
    if let Some(fast) = &fast_parse {
        assert_eq!(
            Ok(fast),
            slow_parse.as_ref(),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // The public functions agree with the `Value` path everywhere.
    assert_eq!(webhooks::verify(KEY, body).map_err(kind), slow_verify);
    assert_eq!(webhooks::parse(body).map_err(kind), slow_parse);
    let both = slow_verify.and(slow_parse);
    assert_eq!(webhooks::verify_and_parse(KEY, body).map_err(kind), both);
    (fast_verify.is_some(), fast_parse.is_some())
}

fn delivery(event: &str, data: Value) -> Value {
    let token = "0123456789abcdef0123456789abcdef0123456789abcdef";
    let at = 1_700_000_000_000_i64;
    json!({"triggeredAt": at, "event": event, "token": token,
           "signature": webhooks::sign(KEY, token, at), "data": data})
}

fn archive_change() -> Value {
    delivery(
        "candidateArchiveChange",
        json!({"opportunityId": "o", "fromArchived": null,
               "toArchived": {"archivedAt": 1, "reason": "r"}, "extra": [1, {"a": "b"}]}),
    )
}

#[test]
fn well_formed_deliveries_take_the_fast_path() {
    for body in [
        archive_change(),
        delivery("contactUpdated", json!({"contactId": "c", "x": null})),
        delivery("candidateHired", json!({})),
    ] {
        assert_eq!(agree(body.to_string().as_bytes()), (true, true));
        assert_eq!(
            agree(&serde_json::to_vec_pretty(&body).unwrap()),
            (true, true)
        );
    }
    // Escapes in envelope keys.
    let text = archive_change()
        .to_string()
        .replace("\"token\"", "\"tok\\u0065n\"")
        .replace("\"data\"", "\"d\\u0061ta\"");
    assert_eq!(agree(text.as_bytes()), (true, true));
}

#[test]
fn anything_unusual_takes_the_value_path() {
    let good = archive_change().to_string();
    let cases = [
        // Repeated keys: a `Value` keeps the last one.
        good.replacen('{', r#"{"token": 5, "#, 1),
        good.replacen('{', r#"{"data": 5, "#, 1),
        good.replacen('{', r#"{"event": "contactCreated", "#, 1),
        good.replace(
            r#""opportunityId":"o""#,
            r#""opportunityId":"o","opportunityId":"p""#,
        ),
        // Values a `Value` refuses even where the typed path would skim them.
        good.replacen('{', r#"{"extra": 1e400, "#, 1),
        good.replace(r#""reason":"r""#, r#""reason":"r","x":1e400"#),
        good.replace(r#""extra":[1"#, r#""extra":[1e999"#),
        format!("{}{}", "[".repeat(200), "]".repeat(200)),
        good.replacen(
            '{',
            &format!(r#"{{"deep": {}1{}, "#, "[".repeat(127), "]".repeat(127)),
            1,
        ),
        // Not the shapes both paths read alike.
        good.replace("1700000000000", "1700000000000.0"),
        good.replace("1700000000000", "\"1700000000000\""),
        good.replace(
            r#""event":"candidateArchiveChange""#,
            r#""event":"somethingNew""#,
        ),
        good.replace(r#""fromArchived":null"#, r#""fromArchived":7"#),
        good.replacen('{', r#"{"id": 5, "#, 1),
        good.replacen('{', r#"{"id": "evt", "#, 1),
        format!("{good} "),
        format!("{good}x"),
        good.replace(r#""data":{"#, r#""data":null,"x":{"#),
        // An escaped envelope string is not borrowed: the `Value` path reads it.
        good.replace(
            r#""event":"candidateArchiveChange""#,
            r#""event":"candid\u0061teArchiveChange""#,
        ),
        // A derived struct would read the fields from an array, in order.
        format!(
            r#"["{token}", {at}, "{sig}", "candidateHired", null, {{}}]"#,
            token = "t",
            at = 5,
            sig = webhooks::sign(KEY, "t", 5)
        ),
    ];
    for body in &cases {
        agree(body.as_bytes());
    }
    // An event whose data decodes strictly, with values a `Value` refuses.
    let contact = delivery("contactUpdated", json!({"contactId": "c", "x": [1]})).to_string();
    for depth in [120, 125, 126, 127, 128, 129] {
        let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        agree(contact.replace("[1]", &deep).as_bytes());
        agree(
            good.replace(r#""extra":[1"#, &format!(r#""extra":[{deep}"#))
                .as_bytes(),
        );
    }
    for odd in ["1e400", "-1e999", r#""\ud800""#, "[1,]"] {
        agree(contact.replace("[1]", odd).as_bytes());
    }
    // Invalid UTF-8 in a skipped string.
    let mut bytes = good.replacen('{', r#"{"extra": "??", "#, 1).into_bytes();
    let at = bytes.iter().position(|&b| b == b'?').unwrap();
    bytes[at] = 0xff;
    assert_eq!(agree(&bytes), (false, false));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Random edits of a delivery, at the JSON level or as text (which can repeat keys).
    #[test]
    fn fast_path_agrees_with_value_path(
        strict_event in any::<bool>(),
        edits in prop::collection::vec((0usize..4, webhook_key(), any_json()), 0..4),
    ) {
        let mut v = if strict_event {
            delivery("contactUpdated", json!({"contactId": "c", "x": [1]}))
        } else {
            archive_change()
        };
        let mut text = None;
        for (what, k, x) in &edits {
            match what {
                0 => { v[k.as_str()] = x.clone(); }
                1 => { v.as_object_mut().map(|m| m.remove(k)); }
                2 => {
                    if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                        data.insert(k.clone(), x.clone());
                    }
                }
                _ => {
                    let t = text.take().unwrap_or_else(|| v.to_string());
                    text = Some(t.replacen('{', &format!("{{{}:{x},", json!(k)), 1));
                }
            }
        }
        let body = text.unwrap_or_else(|| v.to_string());
        agree(body.as_bytes());
    }
}
