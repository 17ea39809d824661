//! The shipped spec is valid and holds what users expect first.

use lever_spec::{Method, PerformAs, PollEmit};

fn spec() -> lever_spec::Spec {
    match lever_spec::load(&lever_spec::default_spec_dir(), &[]) {
        Ok(spec) => spec,
        Err(err) => panic!("the shipped spec is invalid:\n{err}"),
    }
}

#[test]
fn the_nine_seed_actions_have_lever_method_path_and_title() {
    let spec = spec();
    let expected = [
        (
            "opportunities",
            "create",
            "Create an Opportunity",
            Method::Post,
            "/opportunities",
        ),
        (
            "opportunities",
            "get",
            "Get Opportunity by ID",
            Method::Get,
            "/opportunities/{opportunity}",
        ),
        (
            "opportunities",
            "list",
            "Get Opportunities",
            Method::Get,
            "/opportunities",
        ),
        (
            "contacts",
            "update",
            "Update Contact",
            Method::Put,
            "/contacts/{contact}",
        ),
        (
            "contacts",
            "get",
            "Get Contact by ID",
            Method::Get,
            "/contacts/{contact}",
        ),
        (
            "postings",
            "create",
            "Create a Posting",
            Method::Post,
            "/postings",
        ),
        (
            "postings",
            "update",
            "Update Posting",
            Method::Post,
            "/postings/{posting}",
        ),
        (
            "postings",
            "get",
            "Get Postings by ID",
            Method::Get,
            "/postings/{posting}",
        ),
        ("postings", "list", "Get Postings", Method::Get, "/postings"),
    ];
    for (resource, name, title, method, path) in expected {
        let action = spec
            .action(resource, name)
            .unwrap_or_else(|| panic!("{resource}.{name} is missing"));
        assert_eq!(action.title, title, "{resource}.{name}");
        assert_eq!(action.method, method, "{resource}.{name}");
        assert_eq!(action.path, path, "{resource}.{name}");
        assert!(action.docs.is_some(), "{resource}.{name} has no docs link");
    }
    for (resource, name) in [
        ("opportunities", "create"),
        ("postings", "create"),
        ("postings", "update"),
    ] {
        assert_eq!(
            spec.action(resource, name).map(|a| a.perform_as),
            Some(PerformAs::Required)
        );
    }
    assert!(spec
        .action("opportunities", "list")
        .is_some_and(|a| a.paginated));
    assert!(spec.action("postings", "list").is_some_and(|a| a.paginated));
}

#[test]
fn all_ten_webhook_events() {
    let spec = spec();
    let names: Vec<&str> = spec.events.keys().map(String::as_str).collect();
    let mut expected = vec![
        "applicationCreated",
        "candidateHired",
        "candidateStageChange",
        "candidateArchiveChange",
        "candidateDeleted",
        "interviewCreated",
        "interviewUpdated",
        "interviewDeleted",
        "contactCreated",
        "contactUpdated",
    ];
    expected.sort_unstable();
    assert_eq!(names, expected);
}

#[test]
fn the_seed_triggers() {
    let spec = spec();
    let title = |name: &str| spec.triggers.get(name).map(|t| t.title.as_str());
    assert_eq!(title("candidate_created"), Some("Candidate Created"));
    assert_eq!(title("candidate_updated"), Some("Candidate Updated"));
    assert_eq!(title("posting_created"), Some("Posting Created"));
    assert_eq!(title("posting_updated"), Some("Posting Updated"));
    assert!(spec.triggers.contains_key("posting_deleted"));
    // Lever has no posting webhooks: posting triggers poll.
    let created = spec.triggers["posting_created"]
        .poll
        .as_ref()
        .expect("polls");
    assert_eq!(
        (created.resource.as_str(), created.emit),
        ("postings", PollEmit::Created)
    );
    let updated = spec.triggers["posting_updated"]
        .poll
        .as_ref()
        .expect("polls");
    assert_eq!(updated.emit, PollEmit::Updated);
    // One trigger per native event.
    for event in spec.events.keys() {
        assert!(
            spec.triggers
                .values()
                .any(|t| t.webhook == vec![event.clone()]),
            "no trigger for {event} alone"
        );
    }
}

#[test]
fn every_action_has_a_title_docs_and_scopes() {
    let spec = spec();
    assert!(
        spec.actions().count() >= 80,
        "only {} actions",
        spec.actions().count()
    );
    for (_, action) in spec.actions() {
        assert!(!action.title.is_empty(), "{}", action.full_name());
        assert!(
            action.docs.is_some(),
            "{} has no docs link",
            action.full_name()
        );
        assert!(
            !action.scopes.is_empty(),
            "{} has no scopes",
            action.full_name()
        );
    }
}

/// Lever's updates take partial bodies, so an update must not reuse a create body (and inherit
/// its required fields). `users.update` is the one documented full replace (`name`, `email`
/// and `accessRole` required), and it has its own body type too.
#[test]
fn no_update_action_reuses_a_create_body() {
    let spec = spec();
    let create_bodies: Vec<(String, String)> = spec
        .resources
        .values()
        .flat_map(|r| r.actions.values())
        .filter(|a| a.name.starts_with("create"))
        .filter_map(|a| Some((a.full_name(), a.body.as_ref()?.ty.to_string())))
        .collect();
    let mut updates = 0;
    for action in spec.resources.values().flat_map(|r| r.actions.values()) {
        if !action.name.starts_with("update") {
            continue;
        }
        let Some(body) = &action.body else { continue };
        updates += 1;
        let ty = body.ty.to_string();
        if let Some((create, _)) = create_bodies.iter().find(|(_, t)| *t == ty) {
            panic!(
                "{} sends `{ty}`, the body of {create}: updates must not require create-only fields",
                action.full_name()
            );
        }
    }
    assert!(updates >= 10, "only {updates} update actions found");
}
