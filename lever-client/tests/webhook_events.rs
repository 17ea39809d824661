//! Webhook parsing: one test per event on a Lever-shaped delivery, unknown events kept, round
//! trips, and events mapped to triggers.

use lever_client::webhooks::{parse, WebhookError, WebhookEvent};
use lever_client::Timestamp;
use serde_json::{json, Value};

mod common;

use common::deliveries::{body, delivery, with, without, AT, SIG};

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
