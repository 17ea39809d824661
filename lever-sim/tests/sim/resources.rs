//! Resources through the API and the seed data: postings with `perform_as`, create, get,
//! update and filters; opportunities with `expand`, `include` and filters.

use lever_sim::{SimConfig, Simulator};
use reqwest::StatusCode;
use serde_json::json;

use super::common::config;
use super::{Api, TestResult};

#[tokio::test]
async fn postings_perform_as_create_get_update_and_filters() -> TestResult {
    let api = Api::start(config()).await?;
    let body = json!({ "text": "Staff Rust Engineer", "state": "published", "categories": { "team": "Platform" } });
    let (status, err) = api
        .send(api.req(reqwest::Method::POST, "/postings").json(&body))
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        json!({ "code": "BadRequest", "message": "perform_as is required" })
    );
    let (status, _) = api
        .send(
            api.req(reqwest::Method::POST, "/postings")
                .query(&[("perform_as", "nobody")])
                .json(&body),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .send(
            api.req(reqwest::Method::POST, "/postings")
                .query(&[("perform_as", api.user())])
                .json(&json!({ "state": "draft" })),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "text is required");

    api.sim.advance_clock(1_000);
    let (status, created) = api
        .send(
            api.req(reqwest::Method::POST, "/postings")
                .query(&[("perform_as", api.user())])
                .json(&body),
        )
        .await?;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let posting = &created["data"];
    let id = posting["id"].as_str().ok_or("no id")?;
    assert_eq!(posting["text"], "Staff Rust Engineer");
    assert_eq!(posting["owner"], json!(api.user()));
    let created_at = posting["createdAt"]
        .as_i64()
        .ok_or("createdAt is not a number")?;
    let (status, got) = api.get(&format!("/postings/{id}")).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["data"]["id"], json!(id));
    assert_eq!(got["data"]["text"], "Staff Rust Engineer");

    // Partial update: POST /postings/{id}.
    api.sim.advance_clock(1_000);
    let (status, updated) = api
        .send(
            api.req(reqwest::Method::POST, &format!("/postings/{id}"))
                .query(&[("perform_as", api.user())])
                .json(&json!({ "text": "Principal Rust Engineer" })),
        )
        .await?;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["data"]["text"], "Principal Rust Engineer");
    assert_eq!(updated["data"]["state"], "published");
    let updated_at = updated["data"]["updatedAt"]
        .as_i64()
        .ok_or("no updatedAt")?;
    assert!(updated_at > created_at);

    // updated_at_start: only what changed since.
    let (status, list) = api
        .send(
            api.req(reqwest::Method::GET, "/postings")
                .query(&[("updated_at_start", updated_at.to_string())]),
        )
        .await?;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, vec![id]);
    let (_, list) = api
        .send(
            api.req(reqwest::Method::GET, "/postings")
                .query(&[("updated_at_end", (created_at - 1).to_string())]),
        )
        .await?;
    assert!(list["data"]
        .as_array()
        .is_some_and(|d| !d.is_empty() && d.iter().all(|p| p["id"] != json!(id))));
    // Repeated parameters are a union.
    let (_, list) = api
        .send(
            api.req(reqwest::Method::GET, "/postings")
                .query(&[("state", "draft"), ("state", "closed")]),
        )
        .await?;
    let states: Vec<&str> = list["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|p| p["state"].as_str())
        .collect();
    assert!(!states.is_empty() && states.iter().all(|s| *s == "draft" || *s == "closed"));
    // Confidential postings only with confidentiality=all.
    let (_, all) = api
        .send(
            api.req(reqwest::Method::GET, "/postings")
                .query(&[("confidentiality", "all")]),
        )
        .await?;
    let (_, default) = api.get("/postings").await?;
    assert!(all["data"].as_array().map(Vec::len) > default["data"].as_array().map(Vec::len));

    // Deleted postings.
    api.sim.delete("Posting", id).ok_or("delete failed")?;
    let (status, _) = api.get(&format!("/postings/{id}")).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, deleted) = api.get("/postings/deleted").await?;
    let d = deleted["data"].as_array().ok_or("no data")?;
    assert!(d
        .iter()
        .any(|p| p["id"] == json!(id) && p["deletedAt"].is_i64()));
    api.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn opportunities_expand_include_and_filters() -> TestResult {
    let api = Api::start(config()).await?;
    let (status, list) = api.get("/opportunities?limit=5").await?;
    assert_eq!(status, StatusCode::OK);
    let opp = &list["data"][0];
    let id = opp["id"].as_str().ok_or("no id")?;
    assert!(opp["stage"].is_string() && opp["contact"].is_string());
    assert!(opp["createdAt"].is_i64());
    let (_, got) = api
        .get(&format!("/opportunities/{id}?expand=stage&expand=contact"))
        .await?;
    let data = &got["data"];
    assert_eq!(data["stage"]["id"], opp["stage"]);
    assert!(data["stage"]["text"].is_string());
    assert_eq!(data["contact"]["id"], opp["contact"]);
    assert!(data["owner"].is_string());
    let (_, got) = api
        .get(&format!("/opportunities/{id}?expand=owner&include=name"))
        .await?;
    let keys: Vec<&String> = got["data"].as_object().ok_or("no object")?.keys().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(got["data"]["owner"]["name"].is_string());

    let stage = opp["stage"].as_str().ok_or("no stage")?;
    let (_, by_stage) = api.get(&format!("/opportunities?stage_id={stage}")).await?;
    let items = by_stage["data"].as_array().ok_or("no data")?;
    assert!(!items.is_empty() && items.iter().all(|o| o["stage"] == json!(stage)));
    let (_, archived) = api.get("/opportunities?archived=true").await?;
    let items = archived["data"].as_array().ok_or("no data")?;
    assert!(!items.is_empty() && items.iter().all(|o| o["archived"].is_object()));
    let (status, _) = api.get("/opportunities?archived=maybe").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn seed_data_is_deterministic_and_complete() -> TestResult {
    let a = Simulator::start(config()).await?;
    let b = Simulator::start(config()).await?;
    assert_eq!(a.list("Opportunity"), b.list("Opportunity"));
    assert_eq!(a.list("Posting").len(), 10);
    assert_eq!(a.list("Opportunity").len(), 20);
    assert!(a
        .list("User")
        .iter()
        .any(|u| u["accessRole"] == "super admin"));
    for slug in [
        "lead-new",
        "lead-reached-out",
        "lead-responded",
        "applicant-new",
        "offer",
    ] {
        assert!(a.get("Stage", slug).is_some(), "{slug}");
    }
    assert!(a.list("ArchiveReason").iter().any(|r| r["type"] == "hired"));
    // Every field the spec's Opportunity declares as always present is there.
    let spec = a.spec().clone();
    let object = spec.object("Opportunity").ok_or("no Opportunity type")?;
    for opp in a.list("Opportunity") {
        for f in object.fields.iter().filter(|f| !f.optional) {
            assert!(opp.get(&f.name).is_some(), "missing {}", f.name);
        }
    }
    let c = Simulator::start(SimConfig {
        seed: 7,
        ..config()
    })
    .await?;
    assert_ne!(a.list("Opportunity"), c.list("Opportunity"));
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_posted_note_is_a_thread_and_note_id_adds_a_comment_to_it() -> TestResult {
    let api = Api::start(config()).await?;
    let (_, list) = api.get("/opportunities?limit=1").await?;
    let opp = list["data"][0]["id"].as_str().ok_or("no id")?.to_owned();
    let author = api.sim.default_user_id().ok_or("no users")?;
    let (status, created) = api
        .send(
            api.req(reqwest::Method::POST, &format!("/opportunities/{opp}/notes"))
                .query(&[("perform_as", author.as_str())])
                .json(&json!({ "value": "Strong systems background", "score": 3, "notifyFollowers": true })),
        )
        .await?;
    assert_eq!(status, StatusCode::CREATED);
    let note = &created["data"];
    let id = note["id"].as_str().ok_or("no id")?;
    // Real responses carry the whole note and `noteId` (the docs show only `noteId`).
    assert_eq!(note["noteId"], json!(id));
    assert_eq!(note["text"], json!("Note"));
    assert_eq!(note["secret"], json!(false));
    assert_eq!(note["user"], json!(author));
    let comment = &note["fields"][0];
    assert_eq!(comment["type"], json!("note"));
    assert_eq!(comment["text"], json!("Comment"));
    assert_eq!(comment["value"], json!("Strong systems background"));
    assert_eq!(comment["score"], json!(3));
    assert_eq!(comment["user"], json!(author));
    assert!(comment["createdAt"].is_i64());
    assert!(note.get("value").is_none() && note.get("notifyFollowers").is_none());

    let (_, listed) = api.get(&format!("/opportunities/{opp}/notes")).await?;
    let found = listed["data"].as_array().ok_or("no data")?;
    assert!(found
        .iter()
        .any(|n| n["id"] == json!(id)
            && n["fields"][0]["value"] == json!("Strong systems background")));

    // `note_id` adds a comment to that thread instead of starting one.
    let comment = |opportunity: &str, thread: &str| {
        api.req(
            reqwest::Method::POST,
            &format!("/opportunities/{opportunity}/notes"),
        )
        .query(&[("perform_as", author.as_str()), ("note_id", thread)])
        .json(&json!({ "value": "Second interview booked" }))
    };
    let (status, replied) = api.send(comment(&opp, id)).await?;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replied["data"]["id"], json!(id));
    let comments = replied["data"]["fields"].as_array().ok_or("no fields")?;
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1]["value"], json!("Second interview booked"));
    assert_eq!(comments[1]["score"], json!(null));
    let (_, got) = api.get(&format!("/opportunities/{opp}/notes/{id}")).await?;
    assert_eq!(got["data"]["fields"], replied["data"]["fields"]);
    let (_, after) = api.get(&format!("/opportunities/{opp}/notes")).await?;
    assert_eq!(after["data"].as_array().map(Vec::len), Some(found.len()));
    // A thread of another opportunity, or none at all, is not found.
    let (_, others) = api.get("/opportunities?limit=2").await?;
    let other = others["data"][1]["id"].as_str().ok_or("no id")?.to_owned();
    let (status, _) = api.send(comment(&other, id)).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api.send(comment(&opp, "no-such-note")).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    api.sim.shutdown().await;
    Ok(())
}
