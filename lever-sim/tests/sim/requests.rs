//! The request pipeline: authentication, unknown routes, pagination, the rate limit, and
//! every action of the spec answering something.

use std::path::Path;
use std::sync::Arc;

use lever_sim::{RateLimitConfig, SimConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::common::{config, spec};
use super::{Api, TestResult};

#[tokio::test]
async fn auth_and_unknown_routes() -> TestResult {
    let api = Api::start(config()).await?;
    let base = api.sim.base_url();
    let resp = api.http.get(format!("{base}/postings")).send().await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await?;
    assert_eq!(body["code"], "Unauthorized");
    let resp = api
        .http
        .get(format!("{base}/postings"))
        .basic_auth("wrong-key", Some(""))
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = api.get("/postings").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(body["data"].as_array().is_some_and(|d| !d.is_empty()));
    assert_eq!(body["hasNext"], false);
    assert!(body.get("next").is_none());
    let (status, body) = api.get("/no-such-thing/at-all").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "ResourceNotFound");
    let (status, body) = api.get("/postings/not-a-real-id").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "ResourceNotFound");
    api.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn pagination_visits_every_item_once() -> TestResult {
    let api = Api::start(config()).await?;
    for i in 0..120 {
        api.sim
            .insert(
                "Posting",
                json!({ "text": format!("Extra posting {i}"), "state": "published", "confidentiality": "non-confidential" }),
            )
            .map_err(|e| e.to_string())?;
    }
    let expected: Vec<String> = api
        .sim
        .list("Posting")
        .iter()
        .filter(|p| p["confidentiality"] != "confidential")
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect();
    assert!(expected.len() > 100);
    let mut seen = Vec::new();
    let mut offset: Option<String> = None;
    let mut pages = 0;
    let mut inserted_mid_way = None;
    loop {
        let mut rb = api
            .req(reqwest::Method::GET, "/postings")
            .query(&[("limit", "7")]);
        if let Some(o) = &offset {
            rb = rb.query(&[("offset", o.as_str())]);
        }
        let (status, body) = api.send(rb).await?;
        assert_eq!(status, StatusCode::OK, "{body}");
        let data = body["data"].as_array().ok_or("no data")?;
        assert!(data.len() <= 7);
        seen.extend(
            data.iter()
                .filter_map(|p| p["id"].as_str().map(str::to_string)),
        );
        pages += 1;
        if pages == 3 {
            // Inserts do not disturb a walk in progress: the new item comes at the end.
            let new = api.sim.insert(
                "Posting",
                json!({ "text": "Inserted mid-walk", "confidentiality": "non-confidential" }),
            );
            inserted_mid_way = new.ok().and_then(|n| n["id"].as_str().map(str::to_string));
        }
        if body["hasNext"] == true {
            offset = Some(
                body["next"]
                    .as_str()
                    .ok_or("hasNext without next")?
                    .to_string(),
            );
        } else {
            assert!(
                body.get("next").is_none(),
                "next must be absent on the last page"
            );
            break;
        }
    }
    let mut want = expected.clone();
    want.extend(inserted_mid_way);
    let mut got = seen.clone();
    got.sort();
    got.dedup();
    assert_eq!(got.len(), seen.len(), "an item was listed twice");
    want.sort();
    assert_eq!(got, want);

    for bad in ["0", "101", "-1", "ten"] {
        let (status, body) = api
            .send(
                api.req(reqwest::Method::GET, "/postings")
                    .query(&[("limit", bad)]),
            )
            .await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "limit={bad}");
        assert_eq!(body["code"], "BadRequest");
    }
    let (status, _) = api
        .send(
            api.req(reqwest::Method::GET, "/postings")
                .query(&[("offset", "garbage")]),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn rate_limit_answers_429() -> TestResult {
    let mut cfg = config();
    cfg.rate_limit = Some(RateLimitConfig {
        requests_per_second: 1.0,
        burst: 3,
    });
    let api = Api::start(cfg).await?;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let resp = api.req(reqwest::Method::GET, "/stages").send().await?;
        assert!(resp.headers().get("retry-after").is_none());
        let status = resp.status();
        let body: Value = resp.json().await?;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "TooManyRequests");
        }
        statuses.push(status);
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
    api.sim.shutdown().await;
    Ok(())
}

/// Every action of the spec answers without a server error, whatever it is sent.
#[tokio::test]
async fn every_action_answers_without_server_error() -> TestResult {
    for spec in [
        spec(),
        Arc::new(lever_spec::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec"),
            &[],
        )?),
    ] {
        let api = Api::start(SimConfig {
            spec: Some(Arc::clone(&spec)),
            ..config()
        })
        .await?;
        let user = api.user();
        for (_, action) in spec.actions() {
            let mut path = action.path.clone();
            for p in &action.path_params {
                let ty = match &p.ty {
                    lever_spec::TypeRef::Named(n) => n.strip_suffix("Id").unwrap_or(n).to_string(),
                    _ => String::new(),
                };
                let id = api
                    .sim
                    .list(&ty)
                    .first()
                    .and_then(|o| o["id"].as_str().map(str::to_string))
                    .unwrap_or_else(|| "unknown-id".to_string());
                path = path.replace(&format!("{{{}}}", p.name), &id);
            }
            let method = reqwest::Method::from_bytes(action.method.as_str().as_bytes())?;
            for body in [
                json!({}),
                json!({ "text": "x", "stage": "offer", "reason": null, "tags": ["a"] }),
            ] {
                let rb = api
                    .req(method.clone(), &path)
                    .query(&[("perform_as", user.as_str())])
                    .json(&body);
                let resp = rb.send().await?;
                assert!(
                    !resp.status().is_server_error(),
                    "{} {} answered {}",
                    action.method.as_str(),
                    path,
                    resp.status()
                );
            }
        }
        api.sim.shutdown().await;
    }
    Ok(())
}
