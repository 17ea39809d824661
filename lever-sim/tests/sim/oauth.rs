//! The token endpoint: code exchange, access tokens and rotating refresh tokens.

use reqwest::StatusCode;
use serde_json::Value;

use super::common::config;
use super::{Api, TestResult};

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
