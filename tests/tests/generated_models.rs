//! How the generated types behave on the wire: unknown fields ignored, unknown enum values kept
//! and re-serialised unchanged, absent vs null, keywords, expandables, request building.

use lever_tests::fixtures::*;
use serde_json::json;

#[test]
fn unknown_fields_are_ignored() {
    let thing: open_enum::models::Thing =
        serde_json::from_value(json!({"id": "t1", "state": "published", "brandNew": {"x": 1}}))
            .expect("decodes");
    assert_eq!(thing.id, "t1");
    assert_eq!(thing.state, open_enum::models::ThingState::Published);
}

#[test]
fn unknown_enum_values_are_kept_and_reserialised_unchanged() {
    use open_enum::models::ThingState;
    let thing: open_enum::models::Thing =
        serde_json::from_value(json!({"id": "t1", "state": "archived-by-robot"})).expect("decodes");
    assert_eq!(thing.state, ThingState::Other("archived-by-robot".into()));
    assert_eq!(
        serde_json::to_value(&thing).expect("encodes"),
        json!({"id": "t1", "state": "archived-by-robot"})
    );
    // FromStr, Display and serde agree, for known and unknown values alike.
    for wire in [
        "published",
        "non-confidential",
        "super admin",
        "something-new",
    ] {
        let parsed: ThingState = wire.parse().expect("infallible");
        assert_eq!(parsed.to_string(), wire);
        assert_eq!(parsed.as_str(), wire);
        let from_json: ThingState = serde_json::from_value(json!(wire)).expect("decodes");
        assert_eq!(from_json, parsed);
        assert_eq!(serde_json::to_value(&parsed).expect("encodes"), json!(wire));
    }
    assert_eq!(
        ThingState::from("non-confidential"),
        ThingState::NonConfidential
    );
    assert_eq!(ThingState::from("super admin"), ThingState::SuperAdmin);
    assert!(serde_json::from_value::<ThingState>(json!(3)).is_err());
}

#[test]
fn absent_and_null_are_kept_apart() {
    use nullable_optional::models::Thing;
    let all = |v| serde_json::from_value::<Thing>(v).expect("decodes");

    let absent = all(json!({"required": "r", "maybeNull": null}));
    assert_eq!(absent.maybe_absent, None);
    assert_eq!(absent.maybe_null, None);
    assert_eq!(absent.absent_or_null, None);

    let null = all(json!({"required": "r", "maybeNull": 3, "absentOrNull": null}));
    assert_eq!(null.maybe_null, Some(3));
    assert_eq!(null.absent_or_null, Some(None));

    let value = all(json!({"required": "r", "maybeNull": null, "absentOrNull": "1468953420000"}));
    assert_eq!(
        value.absent_or_null,
        Some(Some(lever_client::Timestamp(1_468_953_420_000)))
    );

    // Serialising keeps the distinction: absent stays absent, null stays null.
    assert_eq!(
        serde_json::to_value(&absent).expect("encodes"),
        json!({"required": "r", "maybeNull": null})
    );
    assert_eq!(
        serde_json::to_value(&null).expect("encodes"),
        json!({"required": "r", "maybeNull": 3, "absentOrNull": null})
    );
    assert_eq!(
        serde_json::to_value(&value).expect("encodes"),
        json!({"required": "r", "maybeNull": null, "absentOrNull": 1468953420000_i64})
    );
    // A required field that is missing is a decode error.
    assert!(serde_json::from_value::<Thing>(json!({"maybeNull": 1})).is_err());
}

#[test]
fn keyword_field_names_round_trip() {
    use keyword_fields::models::Thing;
    let wire = json!({"type": "t", "match": true, "async": ["a"], "self-link": "x"});
    let thing: Thing = serde_json::from_value(wire.clone()).expect("decodes");
    assert_eq!(thing.r#type, "t");
    assert_eq!(thing.r#match, Some(true));
    assert_eq!(thing.r#async.as_deref(), Some(&["a".to_string()][..]));
    assert_eq!(thing.self_link.as_deref(), Some("x"));
    assert_eq!(serde_json::to_value(&thing).expect("encodes"), wire);
}

#[test]
fn expandable_references_hold_an_id_or_the_object() {
    use expandable::models::Thing;
    let ids: Thing = serde_json::from_value(json!({"id": "t", "owner": "u1", "followers": ["u2"]}))
        .expect("decodes");
    let owner = ids.owner.clone().flatten().expect("owner");
    assert_eq!(owner.as_id(), Some("u1"));
    assert!(!owner.is_expanded());

    let expanded: Thing = serde_json::from_value(json!({
        "id": "t",
        "owner": {"id": "u1", "name": "Ada"},
        "followers": [{"id": "u2", "name": "Grace"}, "u3"]
    }))
    .expect("decodes");
    let owner = expanded.owner.clone().flatten().expect("owner");
    assert_eq!(owner.expanded().map(|u| u.name.as_str()), Some("Ada"));
    let followers = expanded.followers.clone().expect("followers");
    assert_eq!(followers[0].expanded().map(|u| u.id.as_str()), Some("u2"));
    assert_eq!(followers[1].as_id(), Some("u3"));
    // `id()` works either way (`as_id()` is `None` once expanded).
    assert_eq!(followers[0].as_id(), None);
    let ids: Vec<&str> = followers.iter().map(|f| f.id()).collect();
    assert_eq!(ids, ["u2", "u3"]);
    assert_eq!(owner.id(), "u1");
    assert_eq!(
        serde_json::to_value(&expanded).expect("encodes")["owner"],
        json!({"id": "u1", "name": "Ada"})
    );
    // A null owner is `Some(None)`; an absent one is `None`.
    let null: Thing = serde_json::from_value(json!({"id": "t", "owner": null})).expect("decodes");
    assert_eq!(null.owner, Some(None));
}

#[test]
fn request_builders_produce_lever_requests() {
    use paginated::models::{CreateThing, ThingExpand};
    use paginated::PaginatedExt as _;
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .expect("client");

    let list = client
        .things()
        .list()
        .updated_at_start(lever_client::Timestamp(5))
        .expand(ThingExpand::Owner)
        .expand("followers")
        .limit(10)
        .offset("tok/en")
        .to_request()
        .expect("no body to encode");
    assert_eq!(list.method, lever_client::Method::GET);
    assert_eq!(list.path, "/things");
    assert_eq!(
        list.query,
        vec![
            ("updated_at_start", "5".to_string()),
            ("expand", "owner".to_string()),
            ("expand", "followers".to_string()),
            ("limit", "10".to_string()),
            ("offset", "tok/en".to_string()),
        ]
    );

    let get = client.things().get("a b/c").to_request().expect("no body");
    assert_eq!(get.path, "/things/a%20b%2Fc");
    assert_eq!(get.path_template, "/things/{thing}");

    let mut body = CreateThing::new("Engineer");
    body.tags = Some(vec!["rust".into()]);
    let create = client
        .things()
        .create(body)
        .perform_as("user-1")
        .to_request()
        .expect("encodes");
    assert_eq!(create.method, lever_client::Method::POST);
    assert_eq!(create.query, vec![("perform_as", "user-1".to_string())]);
    match create.body {
        lever_client::__private::Body::Json(bytes) => assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&bytes).expect("json"),
            json!({"text": "Engineer", "tags": ["rust"]})
        ),
        other => panic!("expected a JSON body, got {other:?}"),
    }

    let delete = client.things().delete("t1").to_request().expect("no body");
    assert_eq!(delete.method, lever_client::Method::DELETE);
    assert!(delete.query.is_empty());
    let delete = client
        .things()
        .delete("t1")
        .perform_as("u")
        .to_request()
        .expect("no body");
    assert_eq!(delete.query, vec![("perform_as", "u".to_string())]);
}

#[test]
fn webhook_event_data_keeps_unknown_keys() {
    use webhook_event::events::WebhookEvent;
    let body = json!({
        "token": "abc", "triggeredAt": 1431454330072_i64, "signature": "00",
        "event": "thingChanged",
        "data": {"thingId": "t1", "toStageId": "s2", "surprise": [1, 2]}
    });
    let event = WebhookEvent::from_value(body.clone()).expect("decodes");
    match &event {
        WebhookEvent::ThingChanged(delivery) => {
            assert_eq!(delivery.data.thing_id.as_deref(), Some("t1"));
            assert_eq!(delivery.data.unknown_fields["surprise"], json!([1, 2]));
        }
        other => panic!("wrong variant {other:?}"),
    }
    assert_eq!(event.name(), "thingChanged");
    assert_eq!(
        event.triggers(),
        &[webhook_event::registry::Trigger::ThingChanged]
    );
    assert_eq!(serde_json::to_value(&event).expect("encodes"), body);

    let unknown =
        json!({"token": "t", "triggeredAt": 1, "event": "somethingNew", "data": {"a": 1}});
    let event = WebhookEvent::from_value(unknown.clone()).expect("decodes");
    assert!(matches!(&event, WebhookEvent::Unknown(u) if u.event == "somethingNew"));
    assert_eq!(serde_json::to_value(&event).expect("encodes"), unknown);
    assert!(WebhookEvent::from_value(json!({"token": "t"})).is_err());
}

#[test]
fn polling_triggers_describe_their_rule() {
    use lever_client::triggers::PollEmit;
    use polling_trigger::registry::Trigger;
    assert_eq!(
        Trigger::ALL,
        &[Trigger::ThingCreated, Trigger::ThingUpdated]
    );
    let created = Trigger::ThingCreated;
    assert_eq!(created.name(), "thing_created");
    assert_eq!(created.title(), "Thing Created");
    assert_eq!(created.to_string(), "Thing Created");
    assert_eq!(
        "thing_updated".parse::<Trigger>(),
        Ok(Trigger::ThingUpdated)
    );
    assert!("thing_deleted".parse::<Trigger>().is_err());
    let rule = created.source().poll.expect("polls");
    assert_eq!(rule.path, "/things");
    assert_eq!(rule.since, "updated_at_start");
    assert_eq!(rule.cursor, "updatedAt");
    assert_eq!(rule.created_field, Some("createdAt"));
    assert_eq!(rule.emit, PollEmit::Created);
    assert_eq!(rule.query, &[("confidentiality", "all")]);
    assert!(created.source().webhook.is_empty());
}

#[test]
fn keep_unknown_objects_decode_every_kind_of_field_and_keep_the_rest() {
    use keep_unknown::models::Kept;
    let wire = json!({
        "id": "k1", "maybeNull": null, "absentOrNull": null, "type": ["a"],
        "later": {"added": true}, "n": 3
    });
    let kept: Kept = serde_json::from_value(wire.clone()).expect("decodes");
    assert_eq!(kept.id, "k1");
    assert_eq!(kept.maybe_absent, None);
    assert_eq!(kept.maybe_null, None);
    assert_eq!(kept.absent_or_null, Some(None));
    assert_eq!(kept.r#type.as_deref(), Some(&["a".to_string()][..]));
    assert_eq!(kept.unknown_fields.len(), 2);
    assert_eq!(kept.unknown_fields["later"], json!({"added": true}));
    assert_eq!(serde_json::to_value(&kept).expect("encodes"), wire);
    // From bytes too (the path webhooks use), with the same result.
    let from_bytes: Kept = serde_json::from_slice(wire.to_string().as_bytes()).expect("decodes");
    assert_eq!(from_bytes, kept);

    let absent: Kept =
        serde_json::from_value(json!({"id": "k2", "maybeNull": "x", "maybeAbsent": 5}))
            .expect("decodes");
    assert_eq!(absent.absent_or_null, None);
    assert_eq!(absent.maybe_absent, Some(5));
    assert_eq!(absent.maybe_null.as_deref(), Some("x"));

    let missing =
        serde_json::from_value::<Kept>(json!({"maybeNull": null})).expect_err("id is required");
    assert!(
        missing.to_string().contains("missing field `id`"),
        "{missing}"
    );
    let twice = serde_json::from_str::<Kept>(r#"{"id": "a", "id": "b"}"#).expect_err("duplicate");
    assert!(
        twice.to_string().contains("duplicate field `id`"),
        "{twice}"
    );
    let wrong = serde_json::from_value::<Kept>(json!({"id": 1})).expect_err("wrong type");
    assert!(wrong.to_string().contains("invalid type"), "{wrong}");
    assert!(serde_json::from_value::<Kept>(json!(["k1"])).is_err());
}
