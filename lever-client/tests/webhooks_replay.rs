//! Replays and forgeries that a valid signature does not stop: captured deliveries sent again,
//! digits shifted between `token` and `triggeredAt` (Lever signs their concatenation with no
//! separator), old and future timestamps, and oversized bodies.

use std::time::Duration;

use lever_client::triggers::{Trigger, TriggerEvent};
use lever_client::webhooks::{
    self, parse, random_token, signed_delivery_with, verify, verify_and_parse, DedupKey, Verifier,
    WebhookError, WebhookEvent, DEFAULT_MAX_BODY_BYTES,
};
use lever_client::Timestamp;
use serde_json::{json, Value};

const KEY: &str = "replay-signature-token";

const HOUR: i64 = 3_600_000;

fn now() -> i64 {
    Timestamp::now().as_millis()
}

/// A genuine delivery, as captured by an attacker, whose `token` ends with a digit.
fn captured(at: i64) -> Value {
    let token = format!("{}7", &random_token()[..47]);
    let body = signed_delivery_with(
        KEY,
        "candidateStageChange",
        &token,
        at,
        json!({"opportunityId": "opp-genuine", "toStageId": "phone-screen"}),
    );
    serde_json::from_slice(&body).unwrap()
}

/// The captured delivery with new `event`/`data`, and a digit moved between `token` and
/// `triggeredAt`: the signed text `token + triggeredAt` is unchanged, so the signature is
/// still valid. `into_token` moves the first digit of `triggeredAt` to the end of `token`;
/// otherwise the last character of `token` (a digit) goes in front of `triggeredAt`.
fn shifted(genuine: &Value, into_token: bool) -> Vec<u8> {
    let token = genuine["token"].as_str().unwrap();
    let at = genuine["triggeredAt"].as_i64().unwrap().to_string();
    let (token, at) = if into_token {
        (format!("{token}{}", &at[..1]), at[1..].to_owned())
    } else {
        let (head, digit) = token.split_at(token.len() - 1);
        (head.to_owned(), format!("{digit}{at}"))
    };
    let forged = json!({
        "triggeredAt": at.parse::<i64>().unwrap(),
        "event": "candidateHired",
        "token": token,
        "signature": genuine["signature"],
        "data": {"opportunityId": "opp-chosen-by-the-attacker"},
    });
    serde_json::to_vec(&forged).unwrap()
}

#[test]
fn shifted_digit_forgeries_are_valid_signatures() {
    // The premise of the attack: the free function (no dedup, no window) accepts them.
    let genuine = captured(now());
    for into_token in [true, false] {
        assert_eq!(verify(KEY, &shifted(&genuine, into_token)), Ok(()));
    }
}

#[test]
fn shifted_digit_forgeries_are_refused_by_default() {
    let verifier = Verifier::new(KEY).dedup(1_000);
    let mut accepted = 0;
    for i in 0..50 {
        let genuine = captured(now() - i * 60_000);
        let body = serde_json::to_vec(&genuine).unwrap();
        assert!(verifier.verify_and_parse(&body).is_ok(), "genuine {i}");
        let forged = shifted(&genuine, i % 2 == 0);
        if verifier.verify_and_parse(&forged).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 0, "forged deliveries accepted out of 50");
}

#[test]
fn a_verifier_refuses_old_deliveries_by_default() {
    let verifier = Verifier::new(KEY);
    let old = serde_json::to_vec(&captured(now() - 4 * 24 * HOUR)).unwrap();
    assert!(matches!(
        verifier.verify(&old),
        Err(WebhookError::Stale { .. })
    ));
    assert!(matches!(
        verifier.verify_and_parse(&old),
        Err(WebhookError::Stale { .. })
    ));
    // Lever's retries of the last couple of days still get through.
    let retried = serde_json::to_vec(&captured(now() - 2 * 24 * HOUR)).unwrap();
    assert_eq!(verifier.verify(&retried), Ok(()));
}

#[test]
fn a_verifier_refuses_future_deliveries_by_default() {
    let verifier = Verifier::new(KEY);
    let future = serde_json::to_vec(&captured(now() + HOUR)).unwrap();
    assert!(matches!(
        verifier.verify(&future),
        Err(WebhookError::FromTheFuture { .. })
    ));
    let slightly_ahead = serde_json::to_vec(&captured(now() + 60_000)).unwrap();
    assert_eq!(verifier.verify(&slightly_ahead), Ok(()));
}

#[test]
fn trigger_dedup_keys_do_not_change_when_digits_shift() {
    // A handler keyed on `TriggerEvent::dedup_key` must see the forgery as the same delivery.
    let genuine = captured(now());
    let original = parse(&serde_json::to_vec(&genuine).unwrap()).unwrap();
    let original = TriggerEvent::from_webhook(Trigger::CandidateHired, "acct", original);
    for into_token in [true, false] {
        let forged = parse(&shifted(&genuine, into_token)).unwrap();
        let forged = TriggerEvent::from_webhook(Trigger::CandidateHired, "acct", forged);
        assert_eq!(forged.dedup_key, original.dedup_key);
    }
}

#[test]
fn the_free_functions_limit_the_body() {
    // A genuine, signed delivery just over the limit.
    let padding = "x".repeat(DEFAULT_MAX_BODY_BYTES);
    let big = signed_delivery_with(
        KEY,
        "contactCreated",
        "t",
        now(),
        json!({"contactId": "c", "padding": padding}),
    );
    assert!(big.len() > DEFAULT_MAX_BODY_BYTES);
    let too_large = WebhookError::BodyTooLarge {
        limit: DEFAULT_MAX_BODY_BYTES,
    };
    assert_eq!(verify(KEY, &big), Err(too_large.clone()));
    assert_eq!(verify_and_parse(KEY, &big), Err(too_large.clone()));
    assert_eq!(parse(&big), Err(too_large));
    // At the limit exactly, the body is read.
    let fits = signed_delivery_with(KEY, "contactCreated", "t", now(), json!({"contactId": "c"}));
    let mut text = String::from_utf8(fits).unwrap();
    text.push_str(&" ".repeat(DEFAULT_MAX_BODY_BYTES - text.len()));
    assert_eq!(verify(KEY, text.as_bytes()), Ok(()));
    assert!(verify_and_parse(KEY, text.as_bytes()).is_ok());
}

#[test]
fn without_a_window_dedup_alone_refuses_shifted_digits() {
    let verifier = Verifier::new(KEY).replay_window(None).dedup(1_000);
    for i in 0..50 {
        let genuine = captured(now() - i * 60_000);
        assert_eq!(
            verifier.verify(&serde_json::to_vec(&genuine).unwrap()),
            Ok(())
        );
        let forged = shifted(&genuine, i % 2 == 0);
        assert_eq!(
            verifier.verify(&forged),
            Err(WebhookError::Duplicate),
            "{i}"
        );
        assert_eq!(
            verifier.verify_and_parse(&forged),
            Err(WebhookError::Duplicate)
        );
    }
    // Negative timestamps move a sign, not a digit: `x-` + `5` is `x` + `-5`.
    let genuine = signed_delivery_with(KEY, "candidateHired", "x-", 5, json!({}));
    let moved = signed_delivery_with(KEY, "candidateHired", "x", -5, json!({}));
    assert_eq!(verifier.verify(&genuine), Ok(()));
    assert_eq!(verifier.verify(&moved), Err(WebhookError::Duplicate));
}

#[test]
fn the_dedup_key_is_what_is_signed() {
    let genuine = captured(now());
    let original = parse(&serde_json::to_vec(&genuine).unwrap()).unwrap();
    let key = original.dedup_key().unwrap();
    assert_eq!(
        key,
        DedupKey::new(
            genuine["token"].as_str().unwrap(),
            genuine["triggeredAt"].as_i64().unwrap()
        )
    );
    for into_token in [true, false] {
        let forged = parse(&shifted(&genuine, into_token)).unwrap();
        assert_eq!(forged.dedup_key(), Some(key));
    }
    let WebhookEvent::CandidateStageChange(delivery) = original else {
        panic!("{original:?}")
    };
    assert_eq!(delivery.dedup_key(), key);
    // Another delivery, another key; the key is printable and fixed-size.
    assert_ne!(
        parse(&serde_json::to_vec(&captured(now())).unwrap())
            .unwrap()
            .dedup_key(),
        Some(key)
    );
    let text = key.to_string();
    assert_eq!(text.len(), 64);
    assert!(text
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert!(!text.contains(genuine["token"].as_str().unwrap()));
}

#[test]
fn unknown_events_have_a_dedup_key_when_verified() {
    let body = signed_delivery_with(
        KEY,
        "postingCreated",
        "tok",
        now(),
        json!({"postingId": "p"}),
    );
    let event = verify_and_parse(KEY, &body).unwrap();
    assert!(matches!(event, WebhookEvent::Unknown(_)));
    let at = event.triggered_at().unwrap().as_millis();
    assert_eq!(event.dedup_key(), Some(DedupKey::new("tok", at)));
    // Without the signed fields, there is no key (and no verification either).
    let unsigned = parse(br#"{"event": "postingCreated", "triggeredAt": 1.5}"#).unwrap();
    assert_eq!(unsigned.dedup_key(), None);
}

#[test]
fn the_window_can_be_widened_or_disabled() {
    let old = serde_json::to_vec(&captured(now() - 10 * 24 * HOUR)).unwrap();
    let future = serde_json::to_vec(&captured(now() + 24 * HOUR)).unwrap();
    let wide = Verifier::new(KEY).replay_window(Some(Duration::from_secs(14 * 24 * 3600)));
    assert_eq!(wide.verify(&old), Ok(()));
    assert!(matches!(
        wide.verify(&future),
        Err(WebhookError::FromTheFuture { .. })
    ));
    let none = Verifier::new(KEY).replay_window(None);
    assert_eq!(none.verify(&old), Ok(()));
    assert_eq!(none.verify(&future), Ok(()));
    assert_eq!(
        webhooks::DEFAULT_REPLAY_WINDOW,
        Duration::from_secs(72 * 3600)
    );
}
