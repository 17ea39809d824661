//! Webhook verification and parsing: signature vectors, one parse test per event, round trips.

use std::time::Duration;

use lever_client::webhooks::{
    self, parse, sign, signed_delivery, signed_delivery_with, verify, verify_and_parse, Verifier,
    WebhookError, WebhookEvent,
};
use lever_client::Timestamp;
use serde_json::{json, Value};

const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef";
const TOKEN: &str = "be58f7aa3154";
const AT: i64 = 1431454330072;
/// `python3 -c "import hmac,hashlib; print(hmac.new(KEY, b'be58f7aa3154' + b'1431454330072',
/// hashlib.sha256).hexdigest())"`, computed outside this crate.
const SIG: &str = "848ac99068ddea5c0c377cb105c2ed6ef57535765edde4c3c3ff39dc4f0001ad";

fn body(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

fn delivery() -> Value {
    json!({
        "triggeredAt": AT,
        "event": "candidateStageChange",
        "token": TOKEN,
        "signature": SIG,
        "data": {
            "opportunityId": "250d8f03-738a-4bba-a671-8a3d73477145",
            "candidateId": "250d8f03-738a-4bba-a671-8a3d73477145",
            "contactId": "f9f5a1f4-5b83-4c2c-8b8b-1b1b1b1b1b1b",
            "toStageId": "offer",
            "fromStageId": "applicant-new"
        }
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

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

// ------------------------------------------------------------------------------- parsing

fn envelope(event: &str, data: Value) -> Value {
    json!({
        "triggeredAt": AT,
        "event": event,
        "token": "abcdef0123456789abcdef0123456789abcdef0123456789",
        "signature": SIG,
        "data": data,
    })
}

const OPP: &str = "250d8f03-738a-4bba-a671-8a3d73477145";
const CONTACT: &str = "f9f5a1f4-5b83-4c2c-8b8b-1b1b1b1b1b1b";

/// Realistic deliveries per §3.5, one per event.
fn samples() -> Vec<Value> {
    vec![
        envelope(
            "applicationCreated",
            json!({"opportunityId": OPP, "applicationId": "a1b2c3", "contactId": CONTACT,
                   "candidateId": OPP, "postingId": "p-123"}),
        ),
        envelope(
            "candidateHired",
            json!({"opportunityId": OPP, "candidateId": OPP, "contactId": CONTACT}),
        ),
        envelope(
            "candidateStageChange",
            json!({"opportunityId": OPP, "candidateId": OPP, "contactId": CONTACT,
                   "toStageId": "offer", "fromStageId": "applicant-new"}),
        ),
        envelope(
            "candidateArchiveChange",
            json!({"opportunityId": OPP, "candidateId": OPP, "contactId": CONTACT,
                   "fromArchived": null,
                   "toArchived": {"archivedAt": 1431454330000i64, "reason": "63dd55b2-a99f-4e7b-985f-22c7bf80ab42"}}),
        ),
        envelope(
            "candidateDeleted",
            json!({"opportunityId": OPP, "candidateId": OPP, "contactId": CONTACT, "deletedBy": "u-9"}),
        ),
        envelope(
            "interviewCreated",
            json!({"interviewId": "i-1", "panelId": "pan-1", "opportunityId": OPP, "contactId": CONTACT}),
        ),
        envelope(
            "interviewUpdated",
            json!({"interviewId": "i-2", "panelId": "pan-1", "opportunityId": OPP, "contactId": CONTACT}),
        ),
        envelope(
            "interviewDeleted",
            json!({"interviewId": "i-3", "panelId": "pan-1", "opportunityId": OPP, "contactId": CONTACT}),
        ),
        envelope("contactCreated", json!({"contactId": CONTACT})),
        envelope(
            "contactUpdated",
            json!({"contactId": "c-updated", "someNewField": [1, 2]}),
        ),
    ]
}

fn parse_value(v: &Value) -> WebhookEvent {
    parse(&body(v.clone())).unwrap()
}

#[test]
fn parses_application_created() {
    let WebhookEvent::ApplicationCreated(d) = parse_value(&samples()[0]) else {
        panic!()
    };
    assert_eq!(d.data.application_id.as_ref().unwrap().as_str(), "a1b2c3");
    assert_eq!(d.data.posting_id.as_ref().unwrap().as_str(), "p-123");
    assert_eq!(d.triggered_at, Timestamp(AT));
}

#[test]
fn parses_candidate_hired() {
    let WebhookEvent::CandidateHired(d) = parse_value(&samples()[1]) else {
        panic!()
    };
    assert_eq!(d.data.opportunity_id.as_ref().unwrap().as_str(), OPP);
}

#[test]
fn parses_candidate_stage_change() {
    let WebhookEvent::CandidateStageChange(d) = parse_value(&samples()[2]) else {
        panic!()
    };
    assert_eq!(d.data.to_stage_id.as_ref().unwrap().as_str(), "offer");
    assert_eq!(
        d.data.from_stage_id.as_ref().unwrap().as_str(),
        "applicant-new"
    );
    assert_eq!(d.data.contact_id.as_ref().unwrap().as_str(), CONTACT);
    assert_eq!(d.signature.as_deref(), Some(SIG));
}

#[test]
fn parses_candidate_archive_change() {
    let WebhookEvent::CandidateArchiveChange(d) = parse_value(&samples()[3]) else {
        panic!()
    };
    let to = d.data.to_archived.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(to.archived_at, Timestamp(1431454330000));
    assert_eq!(to.reason.as_str(), "63dd55b2-a99f-4e7b-985f-22c7bf80ab42");
    // `fromArchived: null` is present-and-null.
    assert_eq!(d.data.from_archived, Some(None));
}

#[test]
fn parses_candidate_deleted() {
    let WebhookEvent::CandidateDeleted(d) = parse_value(&samples()[4]) else {
        panic!()
    };
    assert_eq!(d.data.deleted_by.as_ref().unwrap().as_str(), "u-9");
}

#[test]
fn parses_interview_created() {
    let WebhookEvent::InterviewCreated(d) = parse_value(&samples()[5]) else {
        panic!()
    };
    assert_eq!(d.data.interview_id.as_ref().unwrap().as_str(), "i-1");
    assert_eq!(d.data.panel_id.as_ref().unwrap().as_str(), "pan-1");
}

#[test]
fn parses_interview_updated() {
    let WebhookEvent::InterviewUpdated(d) = parse_value(&samples()[6]) else {
        panic!()
    };
    assert_eq!(d.data.interview_id.as_ref().unwrap().as_str(), "i-2");
}

#[test]
fn parses_interview_deleted() {
    let WebhookEvent::InterviewDeleted(d) = parse_value(&samples()[7]) else {
        panic!()
    };
    assert_eq!(d.data.interview_id.as_ref().unwrap().as_str(), "i-3");
}

#[test]
fn parses_contact_created() {
    let WebhookEvent::ContactCreated(d) = parse_value(&samples()[8]) else {
        panic!()
    };
    assert_eq!(d.data.contact_id.as_ref().unwrap().as_str(), CONTACT);
}

#[test]
fn parses_contact_updated_keeping_unknown_fields() {
    let WebhookEvent::ContactUpdated(d) = parse_value(&samples()[9]) else {
        panic!()
    };
    assert_eq!(d.data.contact_id.as_ref().unwrap().as_str(), "c-updated");
    assert_eq!(d.data.unknown_fields["someNewField"], json!([1, 2]));
}

#[test]
fn every_event_name_has_a_sample() {
    let mut names: Vec<String> = samples()
        .iter()
        .map(|s| s["event"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    let mut known: Vec<String> = WebhookEvent::NAMES.iter().map(|s| s.to_string()).collect();
    known.sort();
    assert_eq!(names, known);
    for s in samples() {
        let e = parse_value(&s);
        assert!(!matches!(e, WebhookEvent::Unknown(_)), "{}", e.name());
        assert_eq!(e.name(), s["event"].as_str().unwrap());
    }
}

#[test]
fn connection_test_ping_with_empty_data() {
    for name in WebhookEvent::NAMES {
        let v = envelope(name, json!({}));
        let e = parse_value(&v);
        assert_eq!(e.name(), *name);
        assert_eq!(serde_json::to_value(&e).unwrap(), v);
    }
    let WebhookEvent::CandidateStageChange(d) =
        parse_value(&envelope("candidateStageChange", json!({})))
    else {
        panic!()
    };
    assert!(d.data.to_stage_id.is_none() && d.data.opportunity_id.is_none());
}

#[test]
fn unknown_event_is_kept_with_raw_json() {
    let v = json!({
        "triggeredAt": AT, "event": "postingCreated", "token": "tok", "signature": SIG,
        "data": {"postingId": "p1", "nested": {"a": [1, 2.5, null]}}, "extra": true
    });
    let e = parse_value(&v);
    let WebhookEvent::Unknown(u) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(u.event, "postingCreated");
    assert_eq!(u.raw, v);
    assert_eq!(e.name(), "postingCreated");
    assert_eq!(e.token(), "tok");
    assert_eq!(e.triggered_at(), Some(Timestamp(AT)));
    assert!(e.triggers().is_empty());
    assert_eq!(serde_json::to_value(&e).unwrap(), v);
}

#[test]
fn every_event_round_trips_losslessly() {
    let mut all = samples();
    all.push(json!({"triggeredAt": AT, "event": "somethingNew", "token": "t", "data": [1]}));
    all.push(with(
        envelope("candidateHired", json!({})),
        "id",
        json!("evt-1"),
    ));
    all.push(without(
        envelope("contactCreated", json!({"contactId": "c"})),
        "signature",
    ));
    for v in all {
        let e = parse_value(&v);
        let back = serde_json::to_value(&e).unwrap();
        assert_eq!(back, v, "{}", e.name());
        let again: WebhookEvent = serde_json::from_value(back.clone()).unwrap();
        assert_eq!(again, e);
        // Through bytes too.
        let bytes = serde_json::to_vec(&e).unwrap();
        assert_eq!(parse(&bytes).unwrap(), e);
    }
}

#[test]
fn wrong_data_shape_is_a_typed_error() {
    let v = envelope("candidateStageChange", json!("not an object"));
    assert!(matches!(
        parse(&body(v)),
        Err(WebhookError::UnknownShape { .. })
    ));
    let v = envelope("candidateStageChange", json!({"toStageId": 7}));
    assert!(matches!(
        parse(&body(v)),
        Err(WebhookError::UnknownShape { .. })
    ));
    let v = with(delivery(), "event", json!(3));
    assert!(matches!(
        parse(&body(v)),
        Err(WebhookError::InvalidField { field: "event", .. })
    ));
}

#[test]
fn events_map_to_triggers() {
    use lever_client::triggers::Trigger;
    let e = parse_value(&samples()[0]);
    assert!(e.triggers().contains(&Trigger::CandidateCreated));
    assert!(e.triggers().contains(&Trigger::ApplicationCreated));
    let e = parse_value(&samples()[2]);
    assert!(e.triggers().contains(&Trigger::CandidateStageChange));
    assert!(e.triggers().contains(&Trigger::CandidateUpdated));
}
