//! Webhook verification: signature vectors, tampering, the `Verifier`'s windows, dedup and
//! limits. Parsing, one test per event, is in `webhook_events.rs`.

use std::time::Duration;

use lever_client::webhooks::{
    self, parse, sign, signed_delivery, signed_delivery_with, verify, verify_and_parse, Verifier,
    WebhookError,
};
use lever_client::Timestamp;
use serde_json::{json, Value};

mod common;

use common::deliveries::{body, delivery, with, without, AT, KEY, SIG, TOKEN};

// ------------------------------------------------------------------------------- signatures

#[test]
fn sign_matches_an_independent_vector() {
    assert_eq!(sign(KEY, TOKEN, AT), SIG);
}

#[test]
fn valid_signature_verifies() {
    assert_eq!(verify(KEY, &body(delivery())), Ok(()));
    let event = verify_and_parse(KEY, &body(delivery())).unwrap();
    assert_eq!(event.name(), "candidateStageChange");
    assert_eq!(event.token(), TOKEN);
    assert_eq!(event.triggered_at(), Some(Timestamp(AT)));
}

#[test]
fn the_raw_body_is_not_signed() {
    // Lever signs token + triggeredAt only: other fields and formatting may change.
    let v = with(delivery(), "data", json!({"toStageId": "hired"}));
    let pretty = serde_json::to_vec_pretty(&v).unwrap();
    assert_eq!(verify(KEY, &pretty), Ok(()));
}

#[test]
fn tampered_token_is_refused() {
    let v = with(delivery(), "token", json!("be58f7aa3155"));
    assert_eq!(
        verify(KEY, &body(v.clone())),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verify_and_parse(KEY, &body(v)),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn tampered_timestamp_is_refused() {
    let v = with(delivery(), "triggeredAt", json!(AT + 1));
    assert_eq!(verify(KEY, &body(v)), Err(WebhookError::SignatureMismatch));
}

#[test]
fn wrong_key_is_refused() {
    assert_eq!(
        verify("another-signature-token", &body(delivery())),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        verify("", &body(delivery())),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn bad_signature_encodings_are_refused() {
    for bad in [
        json!("zz".repeat(32)),            // not hex
        json!(&SIG[..62]),                 // too short
        json!(format!("{SIG}00")),         // too long
        json!(""),                         // empty
        json!(42),                         // not a string
        json!(format!("{}g", &SIG[..63])), // one bad character
    ] {
        let v = with(delivery(), "signature", bad.clone());
        assert_eq!(
            verify(KEY, &body(v)),
            Err(WebhookError::BadSignatureEncoding),
            "{bad}"
        );
    }
}

#[test]
fn missing_signature_is_refused() {
    assert_eq!(
        verify(KEY, &body(without(delivery(), "signature"))),
        Err(WebhookError::MissingSignature)
    );
    assert_eq!(
        verify(KEY, &body(with(delivery(), "signature", Value::Null))),
        Err(WebhookError::MissingSignature)
    );
    assert!(verify(KEY, &body(without(delivery(), "signature")))
        .unwrap_err()
        .is_signature_error());
}

#[test]
fn missing_envelope_fields_are_typed() {
    assert_eq!(
        verify(KEY, &body(without(delivery(), "token"))),
        Err(WebhookError::MissingField("token"))
    );
    assert_eq!(
        verify(KEY, &body(without(delivery(), "triggeredAt"))),
        Err(WebhookError::MissingField("triggeredAt"))
    );
    assert!(matches!(
        verify(KEY, &body(with(delivery(), "token", json!(5)))),
        Err(WebhookError::InvalidField { field: "token", .. })
    ));
    assert_eq!(
        parse(&body(without(delivery(), "event"))),
        Err(WebhookError::MissingField("event"))
    );
}

#[test]
fn triggered_at_must_be_a_json_integer() {
    // A string holding the same digits.
    let v = with(delivery(), "triggeredAt", json!(AT.to_string()));
    let e = verify(KEY, &body(v)).unwrap_err();
    assert!(
        matches!(
            e,
            WebhookError::InvalidField {
                field: "triggeredAt",
                ..
            }
        ),
        "{e:?}"
    );
    // A float, written by hand so serde_json does not normalise it.
    let text = String::from_utf8(body(delivery()))
        .unwrap()
        .replace(&AT.to_string(), &format!("{AT}.0"));
    assert!(text.contains(".0"));
    let e = verify(KEY, text.as_bytes()).unwrap_err();
    assert!(
        matches!(
            e,
            WebhookError::InvalidField {
                field: "triggeredAt",
                ..
            }
        ),
        "{e:?}"
    );
    // Exponent notation of the same value.
    let text = String::from_utf8(body(delivery()))
        .unwrap()
        .replace(&AT.to_string(), "1.431454330072e12");
    let e = verify(KEY, text.as_bytes()).unwrap_err();
    assert!(
        matches!(
            e,
            WebhookError::InvalidField {
                field: "triggeredAt",
                ..
            }
        ),
        "{e:?}"
    );
    // Beyond i64.
    let v = with(delivery(), "triggeredAt", json!(u64::MAX));
    assert!(matches!(
        verify(KEY, &body(v)),
        Err(WebhookError::InvalidField {
            field: "triggeredAt",
            ..
        })
    ));
}

#[test]
fn negative_and_zero_timestamps_are_signed_as_written() {
    for at in [0i64, -1, i64::MIN, i64::MAX] {
        let b = signed_delivery_with(KEY, "candidateHired", "t", at, json!({}));
        assert_eq!(verify(KEY, &b), Ok(()), "{at}");
    }
}

#[test]
fn a_body_that_is_not_json_is_refused() {
    for b in [&b""[..], b"not json", b"{\"token\":", b"\xff\xfe", b"{} {}"] {
        assert!(
            matches!(verify(KEY, b), Err(WebhookError::InvalidJson { .. })),
            "{b:?}"
        );
        assert!(matches!(parse(b), Err(WebhookError::InvalidJson { .. })));
        assert!(matches!(
            verify_and_parse(KEY, b),
            Err(WebhookError::InvalidJson { .. })
        ));
    }
    for b in [&b"[]"[..], b"42", b"\"x\"", b"null"] {
        assert!(
            matches!(verify(KEY, b), Err(WebhookError::UnknownShape { .. })),
            "{b:?}"
        );
        assert!(matches!(parse(b), Err(WebhookError::UnknownShape { .. })));
    }
}

#[test]
fn error_messages_never_contain_the_key() {
    let secret = "my-very-secret-signature-token";
    let bodies = [
        body(delivery()),
        body(without(delivery(), "signature")),
        b"nope".to_vec(),
        signed_delivery(secret, "candidateHired", json!({})),
    ];
    let verifier = Verifier::new(secret)
        .max_age(Duration::from_secs(1))
        .dedup(2);
    for b in &bodies {
        for e in [
            verify(secret, b).err(),
            verifier.verify(b).err(),
            verifier.verify(b).err(),
        ]
        .into_iter()
        .flatten()
        {
            assert!(!e.to_string().contains(secret), "{e}");
            assert!(!format!("{e:?}").contains(secret), "{e:?}");
        }
    }
    assert!(!format!("{verifier:?}").contains(secret));
}

// ------------------------------------------------------------------------------- Verifier

#[test]
fn verifier_accepts_any_of_several_tokens() {
    let v = Verifier::with_tokens(["first", "second"])
        .add_token(KEY)
        .replay_window(None);
    assert_eq!(v.verify(&body(delivery())), Ok(()));
    let v = Verifier::with_tokens(["first", "second"]);
    assert_eq!(
        v.verify(&body(delivery())),
        Err(WebhookError::SignatureMismatch)
    );
    let none = Verifier::with_tokens(Vec::<String>::new());
    assert_eq!(
        none.verify(&body(delivery())),
        Err(WebhookError::NoSignatureToken)
    );
}

#[test]
fn verifier_refuses_stale_and_future_deliveries() {
    let now = Timestamp::now().as_millis();
    let v = Verifier::new(KEY)
        .max_age(Duration::from_secs(60))
        .future_tolerance(Duration::from_secs(10));
    let fresh = signed_delivery_with(KEY, "candidateHired", "t1", now - 1_000, json!({}));
    assert_eq!(v.verify(&fresh), Ok(()));
    let stale = signed_delivery_with(KEY, "candidateHired", "t2", now - 120_000, json!({}));
    match v.verify(&stale) {
        Err(WebhookError::Stale { age }) => assert!(age >= Duration::from_secs(120)),
        other => panic!("{other:?}"),
    }
    let future = signed_delivery_with(KEY, "candidateHired", "t3", now + 60_000, json!({}));
    assert!(matches!(
        v.verify(&future),
        Err(WebhookError::FromTheFuture { .. })
    ));
    // The documentation example from 2015 is stale, by default too; fine without a window.
    assert!(matches!(
        v.verify(&body(delivery())),
        Err(WebhookError::Stale { .. })
    ));
    assert!(matches!(
        Verifier::new(KEY).verify(&body(delivery())),
        Err(WebhookError::Stale { .. })
    ));
    assert_eq!(
        Verifier::new(KEY)
            .replay_window(None)
            .verify(&body(delivery())),
        Ok(())
    );
    // A stale delivery with a bad signature is a signature error first.
    let forged = with(
        serde_json::from_slice(&stale).unwrap(),
        "signature",
        json!(SIG),
    );
    assert_eq!(
        v.verify(&body(forged)),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn verifier_refuses_duplicates() {
    let v = Verifier::new(KEY).dedup(100);
    let first = signed_delivery(KEY, "contactCreated", json!({"contactId": "c1"}));
    let second = signed_delivery(KEY, "contactCreated", json!({"contactId": "c1"}));
    assert!(v.verify_and_parse(&first).is_ok());
    assert_eq!(v.verify_and_parse(&first), Err(WebhookError::Duplicate));
    assert_eq!(v.verify(&first), Err(WebhookError::Duplicate));
    // A clone shares the memory.
    assert_eq!(v.clone().verify(&first), Err(WebhookError::Duplicate));
    assert_eq!(v.verify(&second), Ok(()));
    // Forgetting a delivery lets a retry through.
    let key = parse(&first).unwrap().dedup_key().unwrap();
    v.forget(&key);
    assert!(v.verify_and_parse(&first).is_ok());
    // A forged body does not poison the memory.
    let forged = with(
        serde_json::from_slice(&second).unwrap(),
        "token",
        json!("fresh-token"),
    );
    assert_eq!(
        v.verify(&body(forged)),
        Err(WebhookError::SignatureMismatch)
    );
    let now = Timestamp::now().as_millis();
    let genuine = signed_delivery_with(KEY, "contactCreated", "fresh-token", now, json!({}));
    assert_eq!(v.verify(&genuine), Ok(()));
    // Without dedup, repeats are fine.
    assert_eq!(Verifier::new(KEY).verify(&first), Ok(()));
    assert_eq!(Verifier::new(KEY).verify(&first), Ok(()));
}

#[test]
fn dedup_memory_is_bounded() {
    let v = Verifier::new(KEY).dedup(2);
    let now = Timestamp::now().as_millis();
    let bodies: Vec<_> = (0..3)
        .map(|i| signed_delivery_with(KEY, "contactCreated", &format!("t{i}"), now, json!({})))
        .collect();
    for b in &bodies {
        assert_eq!(v.verify(b), Ok(()));
    }
    // The oldest delivery was forgotten; the newest two are remembered.
    assert_eq!(v.verify(&bodies[2]), Err(WebhookError::Duplicate));
    assert_eq!(v.verify(&bodies[0]), Ok(()));
}

#[test]
fn verifier_limits_the_body() {
    let v = Verifier::new(KEY).max_body_bytes(100);
    let big = signed_delivery(KEY, "contactCreated", json!({"contactId": "x".repeat(200)}));
    assert_eq!(
        v.verify(&big),
        Err(WebhookError::BodyTooLarge { limit: 100 })
    );
    assert_eq!(
        WebhookError::BodyTooLarge { limit: 100 }.status_code(),
        lever_client::StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        Verifier::new(KEY).body_limit(),
        webhooks::DEFAULT_MAX_BODY_BYTES
    );
}

#[test]
fn signed_delivery_looks_like_lever() {
    let b = signed_delivery(KEY, "candidateHired", json!({"opportunityId": "o1"}));
    let v: Value = serde_json::from_slice(&b).unwrap();
    let token = v["token"].as_str().unwrap();
    assert_eq!(token.len(), 48);
    assert!(v["triggeredAt"].is_i64());
    assert!((Timestamp::now().as_millis() - v["triggeredAt"].as_i64().unwrap()).abs() < 60_000);
    assert_eq!(
        v["signature"],
        json!(sign(KEY, token, v["triggeredAt"].as_i64().unwrap()))
    );
    // Fresh token each time.
    let b2 = signed_delivery(KEY, "candidateHired", json!({}));
    assert_ne!(parse(&b).unwrap().token(), parse(&b2).unwrap().token());
}
