//! Candidates' personal data from response bodies never reaches an error's `Display` or
//! `Debug`, nor the client's logs: every body below carries distinctive markers, and every
//! error is decoded through a typed call and rendered in every way a program may log it.

mod common;

use common::sending::SendAs as _;

use std::error::Error as _;

use common::{get, Reply, Scripted};
use lever_client::oauth::{self, CodeExchange};
use lever_client::{Client, Error, RetryPolicy};
use serde_json::{json, Value};

/// Every marker starts with this, so one substring check covers them all.
const PII: &str = "CANDIDATE-PII";

/// `Display`, alternate `Display`, `Debug`, pretty `Debug`, and the same for every source.
fn renderings(e: &Error) -> String {
    let mut out = format!("{e}\n{e:#}\n{e:?}\n{e:#?}\n");
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    out
}

fn assert_clean(case: &str, e: &Error) {
    let text = renderings(e);
    assert!(!text.contains(PII), "{case}: personal data leaks:\n{text}");
}

fn raw(status: u16, content_type: &str, body: &str) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", content_type.into())],
        body: body.into(),
    }
}

/// A candidate whose name comes first, so that any snippet of the body starts with it.
fn opportunity(extra: Value) -> Value {
    let mut o = json!({
        "name": "CANDIDATE-PII-name Jane Roe",
        "id": "opp1",
        "emails": ["CANDIDATE-PII-email jane@example.com"],
    });
    if let (Some(o), Value::Object(extra)) = (o.as_object_mut(), extra) {
        o.extend(extra);
    }
    json!({ "data": o })
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
enum Closed {
    Active,
    Archived,
}

#[tokio::test]
async fn decode_and_api_errors_never_show_body_values() {
    let (capture, subscriber) = common::logs::Logs::subscriber(tracing::Level::TRACE);
    // Thread-local: the current-thread test runtime runs the client on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = Scripted::new();
    let cases: Vec<(&str, Reply)> = vec![
        (
            "wrong-type",
            Reply::json(
                200,
                opportunity(json!({"phones": "CANDIDATE-PII-phone 555-0100"})),
            ),
        ),
        (
            "bad-timestamp",
            Reply::json(
                200,
                opportunity(json!({"createdAt": "CANDIDATE-PII-born 1990-01-01"})),
            ),
        ),
        (
            "wrong-type-in-array",
            Reply::json(
                200,
                opportunity(json!({"links": ["x", 7, "CANDIDATE-PII-link"]})),
            ),
        ),
        (
            "truncated",
            raw(
                200,
                "application/json",
                r#"{"data": {"id": "opp1", "name": "CANDIDATE-PII-trunc Jane"#,
            ),
        ),
        (
            "trailing",
            raw(
                200,
                "application/json",
                r#"{"data": {"id": "opp1"}} CANDIDATE-PII-trailing"#,
            ),
        ),
        (
            "not-json-200",
            raw(200, "text/plain", "CANDIDATE-PII-plain Jane Roe"),
        ),
        (
            "html-500",
            raw(500, "text/html", "<html>CANDIDATE-PII-html Jane Roe</html>"),
        ),
        (
            "foreign-json-422",
            Reply::json(
                422,
                json!({"errors": [{"field": "email", "value": "CANDIDATE-PII-422 jane@example.com"}]}),
            ),
        ),
        (
            "object-message-400",
            Reply::json(
                400,
                json!({"code": "BadRequestError", "message": {"email": "CANDIDATE-PII-400"}}),
            ),
        ),
    ];
    for (case, reply) in &cases {
        s.on(&format!("/v1/opportunities/{case}"), vec![reply.clone()]);
    }
    s.on(
        "/v1/closed",
        vec![Reply::json(200, json!({"data": "CANDIDATE-PII-variant"}))],
    );
    let base = s.start().await;
    let client = Client::builder()
        .api_key("test-key")
        .base_url(&base)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    // What `Display` says instead: the path, the expectation and the kind found.
    let expected_display = [
        "could not decode the response at data.phones: expected a sequence, found a string",
        "could not decode the response at data.createdAt: expected a millisecond timestamp \
         (an integer or a numeric string), found a string with an invalid value",
        "could not decode the response at data.links[1]: expected a string, found a number",
        "could not decode the response at data.name: expected valid JSON, found the end of the \
         body (truncated JSON)",
        "could not decode the response at .: expected valid JSON, found text that is not JSON",
        "could not decode the response at .: expected valid JSON, found text that is not JSON",
        "Lever API error 500 Internal Server Error: the body is not in Lever's error format \
         (see Error::sensitive_detail)",
        "Lever API error 422 Unprocessable Entity: the body is not in Lever's error format \
         (see Error::sensitive_detail)",
        "Lever API error 400 Bad Request (BadRequestError): the body is not in Lever's error \
         format (see Error::sensitive_detail)",
    ];
    for ((case, _), display) in cases.iter().zip(expected_display) {
        let e = client.opportunities().get(*case).send().await.unwrap_err();
        assert_clean(case, &e);
        assert_eq!(e.to_string(), display, "{case}");
        // The verbatim text stays available, explicitly.
        let detail = e.sensitive_detail().unwrap_or_default();
        assert!(
            detail.contains(PII),
            "{case}: the detail is lost: {detail:?}"
        );
    }
    let e = client
        .send_data::<Closed>(get("/closed"))
        .await
        .unwrap_err();
    assert_clean("unknown-variant", &e);
    assert_eq!(
        e.to_string(),
        "could not decode the response at data: expected `Active` or `Archived`, found an unknown \
         name"
    );

    // A transport error names no URL: its query may hold an e-mail address.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let dead = Client::builder()
        .api_key("test-key")
        .base_url(format!("http://{addr}/v1"))
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: std::time::Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let e = dead
        .request(lever_client::Method::GET, "/opportunities")
        .query_pair("email", "CANDIDATE-PII-query@example.com")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_clean("transport", &e);

    let logs = capture.text();
    assert!(logs.contains("lever request failed"), "{logs}");
    assert!(!logs.contains(PII), "the logs leak personal data:\n{logs}");
}

#[tokio::test]
async fn oauth_failures_never_show_the_description_or_a_token() {
    let s = Scripted::new();
    s.on(
        "/described/token",
        vec![Reply::json(
            400,
            json!({"error": "invalid_grant", "error_description": "CANDIDATE-PII-token refresh token SECRET-rt-123 is revoked"}),
        )],
    );
    s.on(
        "/odd-code/token",
        vec![Reply::json(
            401,
            json!({"error": "CANDIDATE-PII-code-SECRET-rt-123"}),
        )],
    );
    s.on(
        "/lever-shape/token",
        vec![Reply::json(
            403,
            json!({"code": "Forbidden", "message": "CANDIDATE-PII-message SECRET-rt-123"}),
        )],
    );
    let base = s.start().await.replace("/v1", "");
    for case in ["described", "odd-code", "lever-shape"] {
        let e = oauth::exchange_code(
            &CodeExchange::new("cid", "client-secret", "the-code", "https://app/cb")
                .token_url(format!("{base}/{case}/token")),
        )
        .await
        .unwrap_err();
        assert!(e.is_auth(), "{case}: {e:?}");
        assert_clean(case, &e);
        assert!(!renderings(&e).contains("SECRET"), "{case}: {e:?}");
        let detail = e.sensitive_detail().unwrap_or_default();
        assert!(
            detail.contains(PII),
            "{case}: the detail is lost: {detail:?}"
        );
    }
    // A standard OAuth code is shown; the description is not.
    let e = oauth::exchange_code(
        &CodeExchange::new("cid", "client-secret", "the-code", "https://app/cb")
            .token_url(format!("{base}/described/token")),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "OAuth token endpoint refused the request (400 Bad Request): invalid_grant"
    );
    assert!(e.needs_reconnect());
}

#[test]
fn webhook_errors_never_show_values_from_the_delivery() {
    use lever_client::webhooks;
    let bodies: [&[u8]; 4] = [
        // A string where the envelope wants a number: serde quotes the string.
        br#"{"event":"candidateHired","id":"x","token":"t","triggeredAt":"CANDIDATE-PII-when","signature":"00","data":{}}"#,
        // A string where `data` wants an object: serde quotes it too.
        br#"{"event":"candidateHired","id":"x","token":"t","triggeredAt":1,"signature":"00","data":"CANDIDATE-PII-data"}"#,
        // Not JSON at all, and truncated JSON.
        b"CANDIDATE-PII-plain-text",
        br#"{"event":"candidateHired","data":{"x":"CANDIDATE-PII-"#,
    ];
    let mut refused = 0;
    for body in bodies {
        if let Err(e) = webhooks::parse(body) {
            refused += 1;
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("CANDIDATE-PII"), "{shown}");
        }
    }
    assert_eq!(refused, bodies.len());
}

/// A parsed webhook event and a trigger event show their IDs, names and keys in `Debug`,
/// never the values of the delivery: neither a known event's data (keys the spec does not
/// know included) nor an unknown event's body, nor a polled item.
#[test]
fn webhook_and_trigger_events_debug_without_personal_data() {
    use lever_client::triggers::{Trigger, TriggerEvent};
    use lever_client::webhooks::{self, WebhookEvent};
    use lever_client::Timestamp;

    let known = json!({
        "event": "candidateStageChange", "id": "evt1", "token": "tok", "triggeredAt": 1,
        "data": {
            "opportunityId": "opp-1", "contactId": "contact-1",
            "fromStageId": "lead-new", "toStageId": "applicant-new",
            "candidateName": "CANDIDATE-PII-name Jane Roe",
            "notes": {"text": "CANDIDATE-PII-note"}
        }
    });
    let unknown = json!({
        "event": "candidateDreamed", "token": "tok2", "triggeredAt": 2,
        "data": {"name": "CANDIDATE-PII-unknown", "emails": ["CANDIDATE-PII-mail"]}
    });
    let mut shown = String::new();
    for body in [&known, &unknown] {
        let event = webhooks::parse(body.to_string().as_bytes()).expect("parses");
        shown.push_str(&format!("{event:?}\n{event:#?}\n"));
        let trigger = event
            .triggers()
            .first()
            .copied()
            .unwrap_or(Trigger::CandidateStageChange);
        let fired = TriggerEvent::from_webhook(trigger, "acct", event);
        shown.push_str(&format!("{fired:?}\n"));
    }
    let polled = TriggerEvent::polled(
        Trigger::PostingCreated,
        "acct",
        json!({"id": "p1", "text": "CANDIDATE-PII-posting", "owner": {"name": "CANDIDATE-PII-owner"}}),
        "p1",
        Timestamp(7),
    );
    shown.push_str(&format!("{polled:?}\n{polled:#?}\n"));

    assert!(!shown.contains(PII), "personal data leaks:\n{shown}");
    // What helps debugging stays: IDs, event names, the keys of what was not understood.
    for visible in [
        "OpportunityId(\"opp-1\")",
        "\"candidateName\": <redacted>",
        "event: \"candidateDreamed\"",
        "\"data\": <redacted>",
        "id: \"p1\"",
        "\"text\": <redacted>",
    ] {
        assert!(shown.contains(visible), "{visible} is not shown:\n{shown}");
    }
    let parsed = webhooks::parse(known.to_string().as_bytes()).expect("parses");
    assert!(matches!(parsed, WebhookEvent::CandidateStageChange(_)));
}
