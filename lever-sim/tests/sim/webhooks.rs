//! Webhooks: registration, Lever's signed deliveries, retries, and the events API changes
//! fire.

use std::sync::Arc;
use std::time::Duration;

use lever_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::json;

use super::common::{config, signed_with, spec, Receiver};
use super::{Api, TestResult};

#[tokio::test]
async fn webhook_application_created_is_signed() -> TestResult {
    let api = Api::start(config()).await?;
    let rx = Receiver::start().await?;
    let (_, token) = api.register(&rx.url, "applicationCreated").await?;
    let (_, contact_token) = api.register(&rx.url, "contactCreated").await?;
    let (status, hooks) = api.get("/webhooks").await?;
    assert_eq!(status, StatusCode::OK);
    let hooks = hooks["data"].as_array().ok_or("no data")?;
    assert_eq!(hooks.len(), 2);
    assert!(hooks
        .iter()
        .all(|h| h["configuration"].get("signatureToken").is_none()));
    let (status, bad) = api
        .send(
            api.req(reqwest::Method::POST, "/webhooks")
                .json(&json!({ "url": rx.url, "event": "postingCreated" })),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");

    let posting = api
        .sim
        .list("Posting")
        .into_iter()
        .find(|p| p["state"] == "published")
        .ok_or("no published posting")?;
    let posting_id = posting["id"].as_str().ok_or("no id")?;
    let (status, created) = api
        .send(
            api.req(reqwest::Method::POST, "/opportunities")
                .query(&[("perform_as", api.user())])
                .json(&json!({ "name": "Test Candidate", "emails": ["test.candidate@example.org"], "postings": [posting_id] })),
        )
        .await?;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["deduped"], false);
    let opp = &created["data"];
    let opp_id = opp["id"].as_str().ok_or("no id")?;
    let contact_id = opp["contact"].as_str().ok_or("no contact")?;
    let app_id = opp["applications"][0].as_str().ok_or("no application")?;
    let (status, contact) = api.get(&format!("/contacts/{contact_id}")).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        contact["data"]["emails"],
        json!(["test.candidate@example.org"])
    );

    let deliveries = api.sim.wait_for_deliveries(2, Duration::from_secs(5)).await;
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    assert!(deliveries.iter().all(|d| d.success && d.attempt == 1));
    let got = rx.requests();
    assert_eq!(got.len(), 2);
    let (ua, app_event) = got
        .iter()
        .find(|(_, b)| b["event"] == "applicationCreated")
        .ok_or("no applicationCreated")?;
    assert_eq!(ua, "Lever-Webhooks");
    assert!(signed_with(&token, app_event), "bad signature: {app_event}");
    let (sent_token, sent_at) = (
        app_event["token"].as_str().ok_or("no token")?,
        app_event["triggeredAt"].as_i64().ok_or("no triggeredAt")?,
    );
    assert_eq!(
        app_event["signature"].as_str(),
        Some(lever_sim::sign(&token, sent_token, sent_at).as_str()),
        "the public `sign` is the one deliveries use"
    );
    assert!(!signed_with(&contact_token, app_event));
    assert_eq!(app_event["token"].as_str().map(str::len), Some(48));
    assert!(app_event["id"].is_string());
    assert_eq!(app_event["data"]["opportunityId"], json!(opp_id));
    assert_eq!(app_event["data"]["applicationId"], json!(app_id));
    assert_eq!(app_event["data"]["contactId"], json!(contact_id));
    assert_eq!(app_event["data"]["candidateId"], json!(opp_id));
    assert_eq!(app_event["data"]["postingId"], json!(posting_id));
    let (_, contact_event) = got
        .iter()
        .find(|(_, b)| b["event"] == "contactCreated")
        .ok_or("no contactCreated")?;
    assert!(signed_with(&contact_token, contact_event));

    // The same email again is deduped onto the same contact.
    let (_, again) = api
        .send(
            api.req(reqwest::Method::POST, "/opportunities")
                .query(&[("perform_as", api.user())])
                .json(&json!({ "name": "Someone Else", "emails": ["Test.Candidate@example.org"] })),
        )
        .await?;
    assert_eq!(again["deduped"], true);
    assert_eq!(again["data"]["contact"], json!(contact_id));
    api.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn webhook_retries_until_success() -> TestResult {
    let api = Api::start(config()).await?;
    let rx = Receiver::failing_first(2).await?;
    api.register(&rx.url, "candidateStageChange").await?;
    let opp = api
        .sim
        .list("Opportunity")
        .into_iter()
        .next()
        .ok_or("no opportunity")?;
    let id = opp["id"].as_str().ok_or("no id")?;
    let to = if opp["stage"] == "offer" {
        "lead-new"
    } else {
        "offer"
    };
    let (status, changed) = api
        .send(
            api.req(reqwest::Method::PUT, &format!("/opportunities/{id}/stage"))
                .json(&json!({ "stage": to })),
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["data"]["stage"], to);
    let deliveries = api.sim.wait_for_deliveries(3, Duration::from_secs(5)).await;
    let attempts: Vec<(u32, Option<u16>)> =
        deliveries.iter().map(|d| (d.attempt, d.status)).collect();
    assert_eq!(
        attempts,
        vec![(1, Some(500)), (2, Some(500)), (3, Some(200))]
    );
    let body = &deliveries[2].body;
    assert_eq!(body["event"], "candidateStageChange");
    assert_eq!(body["data"]["toStageId"], to);
    assert_eq!(body["data"]["fromStageId"], opp["stage"]);
    assert_eq!(body["data"]["contactId"], opp["contact"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(api.sim.deliveries().len(), 3, "no attempt after success");
    api.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn other_events_archive_contact_update_and_delete() -> TestResult {
    let api = Api::start(config()).await?;
    let rx = Receiver::start().await?;
    for event in [
        "candidateArchiveChange",
        "candidateHired",
        "contactUpdated",
        "candidateDeleted",
    ] {
        api.register(&rx.url, event).await?;
    }
    let opp = api
        .sim
        .list("Opportunity")
        .into_iter()
        .find(|o| o["archived"].is_null())
        .ok_or("no active opportunity")?;
    let id = opp["id"].as_str().ok_or("no id")?;
    let hired = api
        .sim
        .list("ArchiveReason")
        .into_iter()
        .find(|r| r["type"] == "hired")
        .ok_or("no hired reason")?;
    let (status, archived) = api
        .send(
            api.req(
                reqwest::Method::PUT,
                &format!("/opportunities/{id}/archived"),
            )
            .json(&json!({ "reason": hired["id"] })),
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{archived}");
    assert_eq!(archived["data"]["archived"]["reason"], hired["id"]);
    let contact = opp["contact"].as_str().ok_or("no contact")?;
    let (status, updated) = api
        .send(
            api.req(reqwest::Method::PUT, &format!("/contacts/{contact}"))
                .json(&json!({ "headline": "Now hired", "location": "Paris" })),
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["data"]["location"], json!({ "name": "Paris" }));
    let (status, tagged) = api
        .send(
            api.req(
                reqwest::Method::POST,
                &format!("/opportunities/{id}/addTags"),
            )
            .json(&json!({ "tags": ["sim-tag"] })),
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{tagged}");
    let (_, by_tag) = api.get("/opportunities?tag=sim-tag").await?;
    assert_eq!(by_tag["data"].as_array().map(Vec::len), Some(1));
    api.sim.delete("Opportunity", id).ok_or("delete failed")?;
    let (_, deleted) = api.get("/opportunities/deleted").await?;
    assert!(deleted["data"]
        .as_array()
        .is_some_and(|d| d.iter().any(|o| o["id"] == json!(id))));

    let deliveries = api.sim.wait_for_deliveries(4, Duration::from_secs(5)).await;
    let mut events: Vec<String> = deliveries.iter().map(|d| d.event.clone()).collect();
    events.sort();
    assert_eq!(
        events,
        [
            "candidateArchiveChange",
            "candidateDeleted",
            "candidateHired",
            "contactUpdated"
        ]
    );
    let archive = deliveries
        .iter()
        .find(|d| d.event == "candidateArchiveChange")
        .ok_or("missing")?;
    assert!(archive.body["data"]["fromArchived"].is_null());
    assert_eq!(archive.body["data"]["toArchived"]["reason"], hired["id"]);
    api.sim.shutdown().await;
    Ok(())
}

/// POST /webhooks takes exactly the events the spec lists (a spec without one refuses it),
/// and its refusal names them.
#[tokio::test]
async fn webhook_events_are_the_specs() -> TestResult {
    let mut fewer = (*spec()).clone();
    fewer
        .events
        .remove("contactUpdated")
        .ok_or("the spec lists contactUpdated")?;
    let names: Vec<String> = fewer.events.keys().cloned().collect();
    let api = Api::start(SimConfig {
        spec: Some(Arc::new(fewer)),
        ..config()
    })
    .await?;
    for event in &names {
        api.register("http://127.0.0.1:9/hook", event).await?;
    }
    for event in ["contactUpdated", "postingCreated"] {
        let (status, refused) = api
            .send(
                api.req(reqwest::Method::POST, "/webhooks")
                    .json(&json!({ "url": "http://127.0.0.1:9/hook", "event": event })),
            )
            .await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{event}: {refused}");
        let message = refused["message"].as_str().ok_or("no message")?;
        assert!(message.contains(&format!("{event:?}")), "{message}");
        let expected = names.join(", ");
        assert!(message.ends_with(&expected), "{message}");
    }
    api.sim.shutdown().await;
    Ok(())
}
