// An overlay adds a resource, a field, an enum value and an action on an existing resource,
// all reachable from `lever_client::Client` like the built-in ones.
mod lever_ext {
    lever_macros::overlay!("tests/ui/overlay.yaml");
}

use lever_ext::{LeverExt as _, LeverExtPostings as _};

fn main() {
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();

    let list = client.tasks().list().updated_at_start(lever_client::Timestamp(1)).limit(5).to_request().unwrap();
    assert_eq!(list.path, "/tasks");
    let create = client
        .tasks()
        .create(lever_ext::models::CreateTask::new("Call back"))
        .perform_as("user-1")
        .to_request()
        .unwrap();
    assert_eq!(create.query, vec![("perform_as", "user-1".to_string())]);
    let internal = client.postings().get_internal("p1").to_request().unwrap();
    assert_eq!(internal.path, "/postings/p1/internal");

    // The extended Posting has the new field; the extended enum has the new value.
    let posting: lever_ext::models::Posting = serde_json::from_value(serde_json::json!({
        "id": "p1", "internalCode": "X-1", "state": "archived"
    }))
    .unwrap();
    assert_eq!(posting.internal_code.as_deref(), Some("X-1"));
    assert_eq!(posting.state, Some(lever_ext::models::PostingState::Archived));
    // Unchanged base types are reused, not copied.
    let mut task = lever_ext::models::Task::new("t1");
    let owner: lever_client::Expandable<lever_client::models::User> =
        lever_client::Expandable::Id("u1".into());
    task.assignee = Some(Some(owner));
    assert_eq!(task.id.as_str(), "t1");
}
