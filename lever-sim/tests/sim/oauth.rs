//! The token endpoint: code exchange, access tokens and rotating refresh tokens.

use reqwest::StatusCode;
use serde_json::Value;

use super::common::{config, Error};
use super::{Api, TestResult};

/// Posts a token request with the default client's credentials and `grant`; returns the
/// status and the JSON answer.
async fn token_request(api: &Api, grant: &[(&str, &str)]) -> Result<(StatusCode, Value), Error> {
    let oauth = api.sim.oauth_config();
    let mut form = vec![
        ("client_id", oauth.client_id.as_str()),
        ("client_secret", oauth.client_secret.as_str()),
    ];
    form.extend_from_slice(grant);
    let resp = api
        .http
        .post(api.sim.oauth_token_url())
        .form(&form)
        .send()
        .await?;
    let status = resp.status();
    Ok((status, resp.json().await.unwrap_or(Value::Null)))
}

/// The status of GET /stages with an access token.
async fn stages_with(api: &Api, access: &str) -> Result<StatusCode, Error> {
    let resp = api
        .http
        .get(format!("{}/stages", api.sim.base_url()))
        .bearer_auth(access)
        .send()
        .await?;
    Ok(resp.status())
}

/// A refresh grant.
fn refresh(token: &str) -> [(&'static str, &str); 2] {
    [("grant_type", "refresh_token"), ("refresh_token", token)]
}

fn field(tokens: &Value, name: &str) -> Result<String, Error> {
    Ok(tokens[name]
        .as_str()
        .ok_or_else(|| format!("no {name} in {tokens}"))?
        .to_string())
}

#[tokio::test]
async fn oauth_code_tokens_and_rotating_refresh() -> TestResult {
    let api = Api::start(config()).await?;
    let code = api.sim.issue_auth_code();
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost/cb"),
    ];
    let (status, tokens) = token_request(&api, &exchange).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = field(&tokens, "access_token")?;
    let refresh1 = field(&tokens, "refresh_token")?;
    assert_eq!(stages_with(&api, &access).await?, StatusCode::OK);
    // The code is single-use.
    let (status, _) = token_request(&api, &exchange[..2]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, tokens2) = token_request(&api, &refresh(&refresh1)).await?;
    assert_eq!(status, StatusCode::OK, "{tokens2}");
    let refresh2 = field(&tokens2, "refresh_token")?;
    assert_ne!(refresh1, refresh2);
    // The old refresh token is rejected after use.
    let (status, err) = token_request(&api, &refresh(&refresh1)).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"], "invalid_grant");
    // Wrong client secret.
    let resp = api
        .http
        .post(api.sim.oauth_token_url())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh2.as_str()),
            ("client_id", api.sim.oauth_config().client_id.as_str()),
            ("client_secret", "nope"),
        ])
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // Access tokens expire on the simulator's clock.
    let access2 = field(&tokens2, "access_token")?;
    api.sim.advance_clock(3_600_001);
    assert_eq!(stages_with(&api, &access2).await?, StatusCode::UNAUTHORIZED);
    let stats = api.sim.oauth_stats();
    assert_eq!(stats.token_requests, 5);
    assert_eq!(stats.code_grants, 1);
    assert_eq!(stats.refresh_grants, 1);
    assert_eq!(stats.failures, 3);
    api.sim.shutdown().await;
    Ok(())
}
