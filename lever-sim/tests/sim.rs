//! End-to-end tests of the simulator over HTTP, with reqwest only (no lever-client).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use lever_sim::{FaultConfig, RateLimitConfig, SimConfig, Simulator, WebhookRetryConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The shipped spec once it has the resources these tests use; the fixture until then.
fn spec() -> Arc<lever_spec::Spec> {
    let shipped = lever_spec::load(&lever_spec::default_spec_dir(), &[]).ok();
    let complete = shipped.as_ref().is_some_and(|s| {
        [
            "opportunities",
            "contacts",
            "postings",
            "users",
            "stages",
            "webhooks",
        ]
        .iter()
        .all(|r| s.resources.contains_key(*r))
    });
    match shipped {
        Some(s) if complete => Arc::new(s),
        _ => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec");
            Arc::new(lever_spec::load(&dir, &[]).expect("the fixture spec loads"))
        }
    }
}

fn config() -> SimConfig {
    SimConfig {
        spec: Some(spec()),
        rate_limit: None,
        webhook_retry: WebhookRetryConfig {
            attempts: 5,
            initial_delay: Duration::from_millis(50),
            timeout: Duration::from_secs(2),
        },
        ..SimConfig::default()
    }
}

struct Api {
    sim: Simulator,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: SimConfig) -> Result<Api, Box<dyn std::error::Error>> {
        let sim = Simulator::start(config).await?;
        Ok(Api {
            sim,
            http: reqwest::Client::new(),
        })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .basic_auth(self.sim.api_key(), Some(""))
    }

    async fn send(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        let resp = rb.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    async fn get(&self, path: &str) -> Result<(StatusCode, Value), reqwest::Error> {
        self.send(self.req(reqwest::Method::GET, path)).await
    }

    fn user(&self) -> String {
        self.sim.default_user_id().expect("seed data has users")
    }
}

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

#[tokio::test]
async fn oauth_code_tokens_and_rotating_refresh() -> TestResult {
    let api = Api::start(config()).await?;
    let oauth = api.sim.oauth_config().clone();
    let token_url = api.sim.oauth_token_url();
    let code = api.sim.issue_auth_code();
    let form = |extra: Vec<(&'static str, String)>| {
        let mut f = vec![
            ("client_id", oauth.client_id.clone()),
            ("client_secret", oauth.client_secret.clone()),
        ];
        f.extend(extra);
        f
    };
    let resp = api
        .http
        .post(&token_url)
        .form(&form(vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
            ("redirect_uri", "http://localhost/cb".into()),
        ]))
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await?;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = tokens["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_string();
    let refresh1 = tokens["refresh_token"]
        .as_str()
        .ok_or("no refresh token")?
        .to_string();

    let base = api.sim.base_url();
    let resp = api
        .http
        .get(format!("{base}/stages"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::OK);
    // The code is single-use.
    let resp = api
        .http
        .post(&token_url)
        .form(&form(vec![
            ("grant_type", "authorization_code".into()),
            ("code", code),
        ]))
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let resp = api
        .http
        .post(&token_url)
        .form(&form(vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh1.clone()),
        ]))
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens2: Value = resp.json().await?;
    let refresh2 = tokens2["refresh_token"]
        .as_str()
        .ok_or("no refresh token")?
        .to_string();
    assert_ne!(refresh1, refresh2);
    // The old refresh token is rejected after use.
    let resp = api
        .http
        .post(&token_url)
        .form(&form(vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh1),
        ]))
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: Value = resp.json().await?;
    assert_eq!(err["error"], "invalid_grant");
    // Wrong client secret.
    let resp = api
        .http
        .post(&token_url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh2.as_str()),
            ("client_id", oauth.client_id.as_str()),
            ("client_secret", "nope"),
        ])
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Access tokens expire on the simulator's clock.
    let access2 = tokens2["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_string();
    api.sim.advance_clock(3_600_001);
    let resp = api
        .http
        .get(format!("{base}/stages"))
        .bearer_auth(&access2)
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let stats = api.sim.oauth_stats();
    assert_eq!(stats.token_requests, 5);
    assert_eq!(stats.code_grants, 1);
    assert_eq!(stats.refresh_grants, 1);
    assert_eq!(stats.failures, 3);
    api.sim.shutdown().await;
    Ok(())
}

/// A webhook receiver on loopback: records bodies and user agents; fails the first `fail`
/// requests with 500.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn receiver(fail: usize) -> Result<Receiver, Box<dyn std::error::Error>> {
    let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let store = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let store = Arc::clone(&store);
                let calls = Arc::clone(&calls);
                async move {
                    let ua = headers
                        .get("user-agent")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    store
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((ua, value));
                    if calls.fetch_add(1, Ordering::SeqCst) < fail {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Receiver { url, got })
}

fn verify(signature_token: &str, body: &Value) -> bool {
    let (Some(token), Some(at), Some(sig)) = (
        body["token"].as_str(),
        body["triggeredAt"].as_i64(),
        body["signature"].as_str(),
    ) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(signature_token.as_bytes()) else {
        return false;
    };
    mac.update(format!("{token}{at}").as_bytes());
    let Ok(sig) = hex::decode(sig) else {
        return false;
    };
    mac.verify_slice(&sig).is_ok()
}

async fn register(api: &Api, url: &str, event: &str) -> Result<String, Box<dyn std::error::Error>> {
    let (status, created) = api
        .send(
            api.req(reqwest::Method::POST, "/webhooks")
                .json(&json!({ "url": url, "event": event })),
        )
        .await?;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["data"]["configuration"]["signatureToken"]
        .as_str()
        .ok_or("no signatureToken")?
        .to_string();
    assert_eq!(token.len(), 48);
    assert!(token
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    Ok(token)
}

#[tokio::test]
async fn webhook_application_created_is_signed() -> TestResult {
    let api = Api::start(config()).await?;
    let rx = receiver(0).await?;
    let token = register(&api, &rx.url, "applicationCreated").await?;
    let contact_token = register(&api, &rx.url, "contactCreated").await?;
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
    let got = rx.got.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(got.len(), 2);
    let (ua, app_event) = got
        .iter()
        .find(|(_, b)| b["event"] == "applicationCreated")
        .ok_or("no applicationCreated")?;
    assert_eq!(ua, "Lever-Webhooks");
    assert!(verify(&token, app_event), "bad signature: {app_event}");
    assert!(!verify(&contact_token, app_event));
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
    assert!(verify(&contact_token, contact_event));

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
    let rx = receiver(2).await?;
    register(&api, &rx.url, "candidateStageChange").await?;
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
    let rx = receiver(0).await?;
    for event in [
        "candidateArchiveChange",
        "candidateHired",
        "contactUpdated",
        "candidateDeleted",
    ] {
        register(&api, &rx.url, event).await?;
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

#[tokio::test]
async fn fault_injection() -> TestResult {
    let api = Api::start(config()).await?;
    api.sim.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let mut seen = Vec::new();
    for _ in 0..12 {
        let (status, body) = api.get("/stages").await?;
        assert!(
            status == StatusCode::INTERNAL_SERVER_ERROR
                || status == StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(body["code"].is_string() && body["message"].is_string());
        seen.push(status);
    }
    assert!(
        seen.contains(&StatusCode::INTERNAL_SERVER_ERROR)
            && seen.contains(&StatusCode::SERVICE_UNAVAILABLE)
    );
    // The OAuth endpoint is spared unless asked.
    let resp = api
        .http
        .post(api.sim.oauth_token_url())
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    api.sim.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::default()
    });
    let err = api.req(reqwest::Method::GET, "/stages").send().await;
    assert!(err.is_err(), "a dropped connection is an error: {err:?}");

    api.sim.set_faults(FaultConfig {
        delay: Some(Duration::from_millis(150)),
        ..FaultConfig::default()
    });
    let started = std::time::Instant::now();
    let (status, _) = api.get("/stages").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));

    api.sim.set_faults(FaultConfig::default());
    let (status, _) = api.get("/stages").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(api.sim.request_count() >= 15);
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
