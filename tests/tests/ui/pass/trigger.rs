// `#[trigger]` registers typed handlers: the polled item's model type, the webhook event, or
// the raw `TriggerEvent`.
use std::sync::atomic::{AtomicUsize, Ordering};

use lever_client::triggers::{Dispatcher, HandlerError, Trigger, TriggerEvent};

static POSTINGS: AtomicUsize = AtomicUsize::new(0);

#[lever_macros::trigger("posting_created")]
async fn on_posting(posting: lever_client::models::Posting) -> Result<(), HandlerError> {
    assert_eq!(posting.text.as_deref(), Some("Rust Engineer"));
    POSTINGS.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

static ACCOUNTS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

#[lever_macros::trigger("posting_updated")]
async fn on_update(account: String, posting: lever_client::models::Posting) -> Result<(), HandlerError> {
    assert_eq!(posting.text.as_deref(), Some("Senior Rust Engineer"));
    ACCOUNTS.lock().unwrap().push(account);
    Ok(())
}

#[lever_macros::trigger("candidate_created")]
async fn on_candidate(event: lever_client::webhooks::WebhookEvent) -> Result<(), HandlerError> {
    assert_eq!(event.name(), "applicationCreated");
    Ok(())
}

#[lever_macros::trigger("candidate_stage_change")]
async fn on_stage(event: TriggerEvent) -> Result<(), std::io::Error> {
    assert_eq!(event.trigger, Trigger::CandidateStageChange);
    Ok(())
}

fn main() {
    let mut dispatcher = Dispatcher::new();
    on_posting::register(&mut dispatcher);
    on_candidate::register(&mut dispatcher);
    on_stage::register(&mut dispatcher);
    on_update::register(&mut dispatcher);
    assert_eq!(on_posting::TRIGGER, Trigger::PostingCreated);
    assert_eq!(dispatcher.handler_count(Trigger::PostingCreated), 1);
    assert_eq!(dispatcher.handler_count(Trigger::CandidateCreated), 1);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let event = TriggerEvent::polled(
        Trigger::PostingCreated,
        "acct-1",
        serde_json::json!({"id": "p1", "text": "Rust Engineer"}),
        "p1",
        lever_client::Timestamp(1),
    );
    runtime.block_on(dispatcher.dispatch(event)).unwrap();
    assert_eq!(POSTINGS.load(Ordering::SeqCst), 1);

    // A polled item that does not decode as a Posting fails the handler (and is retried later).
    let bad = TriggerEvent::polled(
        Trigger::PostingCreated,
        "acct-1",
        serde_json::json!({"id": 7}),
        "p2",
        lever_client::Timestamp(2),
    );
    assert!(runtime.block_on(dispatcher.dispatch(bad)).is_err());

    // A handler taking the account gets the event's account ID.
    let updated = TriggerEvent::polled(
        Trigger::PostingUpdated,
        "acct-7",
        serde_json::json!({"id": "p1", "text": "Senior Rust Engineer"}),
        "p1",
        lever_client::Timestamp(3),
    );
    runtime.block_on(dispatcher.dispatch(updated)).unwrap();
    assert_eq!(*ACCOUNTS.lock().unwrap(), ["acct-7"]);
}
