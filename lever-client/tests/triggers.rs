//! The triggers registry, trigger events and the dispatcher.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lever_client::triggers::{
    DispatchError, Dispatcher, HandlerError, MemoryStore, PollEmit, PollError, Poller, Trigger,
    TriggerEvent, TriggerPayload,
};
use lever_client::webhooks::{parse, signed_delivery, WebhookEvent};
use lever_client::Timestamp;
use serde_json::json;

#[test]
fn registry_names_titles_and_sources() {
    assert!(Trigger::ALL.len() >= 5);
    for &t in Trigger::ALL {
        assert_eq!(Trigger::from_name(t.name()), Some(t));
        assert_eq!(t.name().parse::<Trigger>(), Ok(t));
        assert!(!t.title().is_empty() && !t.description().is_empty());
        let source = t.source();
        assert!(
            !source.webhook.is_empty() || source.poll.is_some(),
            "{}",
            t.name()
        );
    }
    assert!("no_such_trigger".parse::<Trigger>().is_err());
    assert_eq!(Trigger::PostingUpdated.title(), "Posting Updated");
    let rule = Trigger::PostingCreated.source().poll.unwrap();
    assert_eq!(rule.path, "/postings");
    assert_eq!(rule.since, "updated_at_start");
    assert_eq!(rule.cursor, "updatedAt");
    assert_eq!(rule.created_field, Some("createdAt"));
    assert_eq!(rule.emit, PollEmit::Created);
    assert!(rule.query.contains(&("confidentiality", "all")));
    assert_eq!(
        Trigger::PostingUpdated.source().poll.unwrap().emit,
        PollEmit::Updated
    );
    assert!(Trigger::CandidateCreated
        .source()
        .webhook
        .contains(&"applicationCreated"));
}

fn webhook(event: &str) -> WebhookEvent {
    parse(&signed_delivery(
        "k",
        event,
        json!({"opportunityId": "o1", "toStageId": "offer"}),
    ))
    .unwrap()
}

#[test]
fn trigger_events_serialise_for_queues() {
    let e = TriggerEvent::from_webhook(
        Trigger::CandidateStageChange,
        "acct",
        webhook("candidateStageChange"),
    );
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["trigger"], json!("candidate_stage_change"));
    assert_eq!(v["account"], json!("acct"));
    assert_eq!(v["payload"]["source"], json!("webhook"));
    assert_eq!(
        v["payload"]["value"]["event"],
        json!("candidateStageChange")
    );
    let back: TriggerEvent = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
    let delivery = e.webhook().unwrap().dedup_key().unwrap();
    assert_eq!(
        e.dedup_key,
        format!("candidate_stage_change:webhook:{delivery}")
    );
    assert!(e.item_as::<serde_json::Value>().is_err());

    let item = json!({"id": "p1", "text": "Engineer", "createdAt": 5, "updatedAt": 7});
    let e = TriggerEvent::polled(
        Trigger::PostingCreated,
        "acct",
        item.clone(),
        "p1",
        Timestamp(7),
    );
    let text = serde_json::to_string(&e).unwrap();
    let back: TriggerEvent = serde_json::from_str(&text).unwrap();
    assert_eq!(back, e);
    assert_eq!(e.dedup_key, "posting_created:poll:p1:7");
    let posting: lever_client::models::Posting = e.item_as().unwrap();
    assert_eq!(posting.id.as_str(), "p1");
    assert_eq!(posting.text.as_deref(), Some("Engineer"));
    let TriggerPayload::Polled { cursor, .. } = &e.payload else {
        panic!()
    };
    assert_eq!(*cursor, Timestamp(7));
    assert!(e.webhook().is_none());

    let bad = json!({"trigger": "nope", "account": "a", "payload": {"source": "polled", "value": {"item": {}, "id": "x", "cursor": 1}}, "dedup_key": "k"});
    assert!(serde_json::from_value::<TriggerEvent>(bad).is_err());
}

#[tokio::test]
async fn dispatch_webhook_runs_every_handler_of_every_trigger() {
    let counts = Arc::new(AtomicUsize::new(0));
    let mut d = Dispatcher::new();
    for t in [
        Trigger::CandidateStageChange,
        Trigger::CandidateUpdated,
        Trigger::CandidateUpdated,
    ] {
        let counts = counts.clone();
        d.on(t, move |event| {
            let counts = counts.clone();
            async move {
                assert_eq!(event.account, "acct");
                counts.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        });
    }
    // Not fired by candidateStageChange.
    d.on(Trigger::ContactCreated, |_e| async {
        Err::<(), HandlerError>("must not run".into())
    });
    let outcome = d
        .dispatch_webhook("acct", webhook("candidateStageChange"))
        .await
        .unwrap();
    assert_eq!(outcome.handlers_run, 3);
    assert!(outcome.triggers.contains(&Trigger::CandidateStageChange));
    assert!(outcome.triggers.contains(&Trigger::CandidateUpdated));
    assert_eq!(counts.load(Ordering::SeqCst), 3);

    // An event nobody listens to is a success with nothing run.
    let outcome = d
        .dispatch_webhook("acct", webhook("interviewDeleted"))
        .await
        .unwrap();
    assert_eq!(outcome.handlers_run, 0);
    // An unknown event fires no trigger.
    let unknown = parse(&signed_delivery("k", "postingCreated", json!({}))).unwrap();
    let outcome = d.dispatch_webhook("acct", unknown).await.unwrap();
    assert!(outcome.triggers.is_empty());
}

#[tokio::test]
async fn failures_and_panics_are_reported_and_others_still_run() {
    let ran = Arc::new(AtomicUsize::new(0));
    let mut d = Dispatcher::new();
    d.on(Trigger::ContactCreated, |_e| async {
        Err::<(), HandlerError>("boom".into())
    });
    d.on(Trigger::ContactCreated, |_e| async {
        if true {
            panic!("handler bug");
        }
        Ok::<(), HandlerError>(())
    });
    let r = ran.clone();
    d.on(Trigger::ContactCreated, move |_e| {
        r.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), std::io::Error>(()) }
    });
    let clone = d.clone();
    let err = clone
        .dispatch_webhook("acct", webhook("contactCreated"))
        .await
        .unwrap_err();
    let DispatchError::HandlersFailed {
        succeeded,
        failures,
    } = &err
    else {
        panic!()
    };
    assert_eq!(*succeeded, 1);
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].message, "boom");
    assert!(failures[1].message.contains("handler bug"));
    assert!(err.to_string().contains("2 trigger handler(s) failed"));
    assert_eq!(ran.load(Ordering::SeqCst), 1);

    let polled = TriggerEvent::polled(
        Trigger::ContactCreated,
        "acct",
        json!({}),
        "c",
        Timestamp(1),
    );
    assert!(d.dispatch(polled).await.is_err());
}

#[test]
fn registering_on_a_clone_leaves_the_original_alone() {
    let mut a = Dispatcher::new();
    a.on(Trigger::ContactCreated, |_e| async {
        Ok::<(), HandlerError>(())
    });
    let mut b = a.clone();
    b.on(Trigger::ContactCreated, |_e| async {
        Ok::<(), HandlerError>(())
    });
    assert_eq!(a.handler_count(Trigger::ContactCreated), 1);
    assert_eq!(b.handler_count(Trigger::ContactCreated), 2);
    assert_eq!(a.triggers(), vec![Trigger::ContactCreated]);
}

#[test]
fn webhook_only_triggers_cannot_be_polled() {
    let client = lever_client::Client::builder()
        .api_key("k")
        .build()
        .unwrap();
    let err = Poller::new(client, "a", MemoryStore::new(), Dispatcher::new())
        .trigger(Trigger::CandidateCreated)
        .unwrap_err();
    assert!(matches!(
        err,
        PollError::NotPolled(Trigger::CandidateCreated)
    ));
}
