//! OAuth across accounts and clients: `/oauth/authorize` (consent, denial, bad clients and
//! redirects), codes bound to client, redirect URI and account, rotating refresh tokens,
//! revocation and per-account counters.

mod common;

use std::collections::HashMap;

use common::{config, two_accounts, As, Error, TestResult};
use lever_sim::{OAuthConfig, OAuthStats, SimConfig, SimError, Simulator, DEFAULT_API_KEY};
use reqwest::StatusCode;
use serde_json::Value;

const REDIRECT: &str = "http://localhost:8765/callback";

fn setup() -> SimConfig {
    SimConfig {
        oauth_clients: vec![
            OAuthConfig {
                client_id: "second-app".into(),
                client_secret: "second-secret".into(),
                redirect_uris: vec!["https://second.example/cb".into()],
                ..OAuthConfig::default()
            },
            OAuthConfig {
                client_id: "refused-app".into(),
                client_secret: "refused-secret".into(),
                deny_consent: true,
                ..OAuthConfig::default()
            },
        ],
        ..two_accounts()
    }
}

struct Flow {
    sim: Simulator,
    http: reqwest::Client,
}

/// What `/oauth/authorize` answered.
#[derive(Debug)]
enum Answer {
    /// 302: the redirect target without its query, and its query parameters.
    Redirect(String, HashMap<String, String>),
    /// Anything else: status and JSON body.
    Error(StatusCode, Value),
}

impl Flow {
    async fn start(config: SimConfig) -> Result<Flow, Error> {
        Ok(Flow {
            sim: Simulator::start(config).await?,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        })
    }

    async fn authorize(&self, params: &[(&str, &str)]) -> Result<Answer, Error> {
        let resp = self
            .http
            .get(self.sim.authorize_url())
            .query(params)
            .send()
            .await?;
        let status = resp.status();
        if status == StatusCode::FOUND {
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or("302 without Location")?;
            let url = url::Url::parse(location)?;
            let query = url.query_pairs().into_owned().collect();
            let mut bare = url.clone();
            bare.set_query(None);
            return Ok(Answer::Redirect(bare.to_string(), query));
        }
        let text = resp.text().await?;
        Ok(Answer::Error(
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        ))
    }

    /// Authorizes the default client for `login_hint` (if any) and returns the code.
    async fn code(&self, login_hint: Option<&str>) -> Result<String, Error> {
        let client_id = self.sim.oauth_config().client_id.clone();
        let mut params = vec![
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("state", "st-1"),
            ("scope", "offline_access opportunities:read:admin"),
            ("audience", "https://api.lever.co/v1/"),
            ("prompt", "consent"),
        ];
        if let Some(hint) = login_hint {
            params.push(("login_hint", hint));
        }
        match self.authorize(&params).await? {
            Answer::Redirect(_, q) => Ok(q.get("code").ok_or("no code")?.clone()),
            other => Err(format!("no redirect: {other:?}").into()),
        }
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<(StatusCode, Value), Error> {
        let resp = self
            .http
            .post(self.sim.oauth_token_url())
            .form(form)
            .send()
            .await?;
        let status = resp.status();
        Ok((status, resp.json().await?))
    }

    fn default_client(&self) -> (String, String) {
        let c = self.sim.oauth_config();
        (c.client_id.clone(), c.client_secret.clone())
    }

    async fn exchange(&self, code: &str, redirect: &str) -> Result<(StatusCode, Value), Error> {
        let (id, secret) = self.default_client();
        self.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", code),
            ("redirect_uri", redirect),
        ])
        .await
    }

    async fn refresh(&self, refresh_token: &str) -> Result<(StatusCode, Value), Error> {
        let (id, secret) = self.default_client();
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    async fn postings_of_key(&self, key: &str) -> Result<Vec<String>, Error> {
        As::key(&self.sim.base_url(), key).ids("/postings").await
    }

    async fn postings_of_token(&self, token: &str) -> Result<Vec<String>, Error> {
        As::bearer(&self.sim.base_url(), token)
            .ids("/postings")
            .await
    }
}

fn str_of<'v>(v: &'v Value, key: &str) -> Result<&'v str, Error> {
    Ok(v[key].as_str().ok_or_else(|| format!("no {key} in {v}"))?)
}

#[tokio::test]
async fn authorize_redirects_with_code_and_state_and_tokens_reach_the_account() -> TestResult {
    let flow = Flow::start(setup()).await?;
    assert_eq!(
        flow.sim.authorize_url(),
        format!("http://{}/oauth/authorize", flow.sim.addr())
    );
    assert_eq!(flow.sim.oauth_authorize_url(), flow.sim.authorize_url());
    let client_id = flow.sim.oauth_config().client_id.clone();
    let answer = flow
        .authorize(&[
            ("client_id", client_id.as_str()),
            ("redirect_uri", "http://localhost:8765/callback?keep=1"),
            ("response_type", "code"),
            ("state", "opaque state/+="),
            ("scope", "offline_access"),
            ("audience", "https://api.lever.co/v1/"),
            ("prompt", "consent"),
            ("login_hint", "acme"),
        ])
        .await?;
    let Answer::Redirect(to, query) = answer else {
        return Err(format!("expected a redirect, got {answer:?}").into());
    };
    assert_eq!(to, REDIRECT);
    assert_eq!(
        query.get("state").map(String::as_str),
        Some("opaque state/+=")
    );
    assert_eq!(query.get("keep").map(String::as_str), Some("1"));
    assert!(!query.contains_key("error"));
    let code = query.get("code").ok_or("no code")?;

    let (status, tokens) = flow
        .exchange(code, "http://localhost:8765/callback?keep=1")
        .await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = str_of(&tokens, "access_token")?;
    assert_eq!(
        flow.postings_of_token(access).await?,
        flow.postings_of_key("acme-key").await?
    );
    assert_ne!(
        flow.postings_of_token(access).await?,
        flow.postings_of_key("globex-key").await?
    );
    // Objects created with the token land in its account.
    let acme = flow.sim.account("acme").ok_or("no acme")?;
    let user = acme.default_user_id().ok_or("no user")?;
    let opp = As::bearer(&flow.sim.base_url(), access)
        .create_candidate(&user, "t@example.org")
        .await?;
    assert!(acme.get("Opportunity", str_of(&opp, "id")?).is_some());
    assert!(flow.sim.get("Opportunity", str_of(&opp, "id")?).is_none());
    // The request log tells which credential each call used.
    let kinds: Vec<lever_sim::AuthKind> = acme.requests().iter().map(|r| r.auth).collect();
    assert!(kinds.contains(&lever_sim::AuthKind::OAuth));
    assert!(kinds.contains(&lever_sim::AuthKind::ApiKey));
    let created = acme
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .ok_or("no POST logged")?;
    assert_eq!(created.auth, lever_sim::AuthKind::OAuth);
    flow.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn without_login_hint_the_consenting_account_grants() -> TestResult {
    let flow = Flow::start(setup()).await?;
    let code = flow.code(None).await?;
    let (_, tokens) = flow.exchange(&code, REDIRECT).await?;
    assert_eq!(
        flow.postings_of_token(str_of(&tokens, "access_token")?)
            .await?,
        flow.postings_of_key(DEFAULT_API_KEY).await?
    );
    flow.sim.set_consenting_account("globex")?;
    let code = flow.code(None).await?;
    let (_, tokens) = flow.exchange(&code, REDIRECT).await?;
    assert_eq!(
        flow.postings_of_token(str_of(&tokens, "access_token")?)
            .await?,
        flow.postings_of_key("globex-key").await?
    );
    // login_hint also takes an account ID.
    let acme_id = flow.sim.account("acme").ok_or("no acme")?.id().to_string();
    let code = flow.code(Some(&acme_id)).await?;
    let (_, tokens) = flow.exchange(&code, REDIRECT).await?;
    assert_eq!(
        flow.postings_of_token(str_of(&tokens, "access_token")?)
            .await?,
        flow.postings_of_key("acme-key").await?
    );
    flow.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied() -> TestResult {
    let flow = Flow::start(setup()).await?;
    let base = [
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("state", "st-9"),
    ];
    let with = |client: &'static str| {
        let mut p = vec![("client_id", client)];
        p.extend(base);
        p
    };
    flow.sim.deny_consent(true);
    for _ in 0..2 {
        let answer = flow.authorize(&with("sim-client-id")).await?;
        let Answer::Redirect(to, q) = answer else {
            return Err(format!("expected a redirect, got {answer:?}").into());
        };
        assert_eq!(to, REDIRECT);
        assert_eq!(q.get("error").map(String::as_str), Some("access_denied"));
        assert_eq!(q.get("state").map(String::as_str), Some("st-9"));
        assert!(q.contains_key("error_description"));
        assert!(!q.contains_key("code"));
    }
    flow.sim.deny_consent(false);
    assert!(flow.code(None).await.is_ok());
    // A client configured to be refused is refused whatever the toggle says.
    let answer = flow.authorize(&with("refused-app")).await?;
    let Answer::Redirect(_, q) = answer else {
        return Err(format!("expected a redirect, got {answer:?}").into());
    };
    assert_eq!(q.get("error").map(String::as_str), Some("access_denied"));
    flow.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn bad_clients_and_redirects_are_refused() -> TestResult {
    let flow = Flow::start(setup()).await?;
    let refused_without_redirect = |answer: Answer| match answer {
        Answer::Error(StatusCode::BAD_REQUEST, body) if body["error"] == "invalid_request" => {
            Ok(())
        }
        other => Err(format!("expected 400 invalid_request, got {other:?}")),
    };
    let ok = [("response_type", "code"), ("state", "s")];
    let mut unknown = vec![("client_id", "no-such-app"), ("redirect_uri", REDIRECT)];
    unknown.extend(ok);
    refused_without_redirect(flow.authorize(&unknown).await?)?;
    let mut no_client = vec![("redirect_uri", REDIRECT)];
    no_client.extend(ok);
    refused_without_redirect(flow.authorize(&no_client).await?)?;
    let mut no_redirect = vec![("client_id", "sim-client-id")];
    no_redirect.extend(ok);
    refused_without_redirect(flow.authorize(&no_redirect).await?)?;
    let mut relative = vec![("client_id", "sim-client-id"), ("redirect_uri", "/cb")];
    relative.extend(ok);
    refused_without_redirect(flow.authorize(&relative).await?)?;
    let mut unregistered = vec![
        ("client_id", "second-app"),
        ("redirect_uri", "https://attacker.example/cb"),
    ];
    unregistered.extend(ok);
    refused_without_redirect(flow.authorize(&unregistered).await?)?;
    let mut registered = vec![
        ("client_id", "second-app"),
        ("redirect_uri", "https://second.example/cb"),
    ];
    registered.extend(ok);
    assert!(matches!(
        flow.authorize(&registered).await?,
        Answer::Redirect(..)
    ));

    // Errors the client can be told about go back to it.
    let redirected_error = |answer: Answer, want: &str| match answer {
        Answer::Redirect(_, q) if q.get("error").map(String::as_str) == Some(want) => Ok(()),
        other => Err(format!("expected error={want}, got {other:?}")),
    };
    let common = [("client_id", "sim-client-id"), ("redirect_uri", REDIRECT)];
    let mut token_flow = common.to_vec();
    token_flow.extend([("response_type", "token"), ("state", "s")]);
    redirected_error(
        flow.authorize(&token_flow).await?,
        "unsupported_response_type",
    )?;
    let mut no_state = common.to_vec();
    no_state.push(("response_type", "code"));
    redirected_error(flow.authorize(&no_state).await?, "invalid_request")?;
    let mut stranger = common.to_vec();
    stranger.extend([
        ("response_type", "code"),
        ("state", "s"),
        ("login_hint", "nobody"),
    ]);
    redirected_error(flow.authorize(&stranger).await?, "invalid_request")?;

    // A code is bound to its client and redirect URI, and single-use.
    let code = flow.code(Some("acme")).await?;
    let (status, err) = flow
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "second-app"),
            ("client_secret", "second-secret"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .await?;
    assert_eq!(
        (status, &err["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    let (status, err) = flow.exchange(&code, "http://localhost:8765/other").await?;
    assert_eq!(
        (status, &err["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    let (status, err) = flow.exchange(&code, "").await?;
    assert_eq!(
        (status, &err["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    let (status, tokens) = flow.exchange(&code, REDIRECT).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, err) = flow.exchange(&code, REDIRECT).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"], "invalid_grant");
    // A wrong secret is invalid_client, and does not spend a code.
    let code = flow.code(None).await?;
    let (status, err) = flow
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "sim-client-id"),
            ("client_secret", "guess"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .await?;
    assert_eq!(
        (status, &err["error"]),
        (StatusCode::UNAUTHORIZED, &"invalid_client".into())
    );
    assert_eq!(flow.exchange(&code, REDIRECT).await?.0, StatusCode::OK);
    flow.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn refresh_tokens_rotate_and_revocation_is_per_account() -> TestResult {
    let flow = Flow::start(setup()).await?;
    let (_, acme) = flow
        .exchange(&flow.code(Some("acme")).await?, REDIRECT)
        .await?;
    let (_, globex) = flow
        .exchange(&flow.code(Some("globex")).await?, REDIRECT)
        .await?;
    let acme_refresh = str_of(&acme, "refresh_token")?.to_string();

    let (status, rotated) = flow.refresh(&acme_refresh).await?;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let rotated_refresh = str_of(&rotated, "refresh_token")?.to_string();
    assert_ne!(rotated_refresh, acme_refresh);
    assert_eq!(
        flow.postings_of_token(str_of(&rotated, "access_token")?)
            .await?,
        flow.postings_of_key("acme-key").await?,
        "a refreshed token still belongs to its account"
    );
    let (status, reused) = flow.refresh(&acme_refresh).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reused["error"], "invalid_grant");
    assert_eq!(
        reused["error_description"],
        "Unknown or already used refresh token"
    );
    // Another client cannot use this client's refresh token.
    let (status, other) = flow
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", "second-app"),
            ("client_secret", "second-secret"),
            ("refresh_token", &rotated_refresh),
        ])
        .await?;
    assert_eq!(
        (status, &other["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );

    // Revoking acme's grants leaves globex's alone; access tokens keep working.
    assert_eq!(flow.sim.revoke_refresh_tokens("acme")?, 1);
    let (status, revoked) = flow.refresh(&rotated_refresh).await?;
    assert_eq!(
        (status, &revoked["error"]),
        (StatusCode::BAD_REQUEST, &"invalid_grant".into())
    );
    let (status, _) = flow.refresh(str_of(&globex, "refresh_token")?).await?;
    assert_eq!(status, StatusCode::OK);
    assert!(!flow
        .postings_of_token(str_of(&rotated, "access_token")?)
        .await?
        .is_empty());

    assert_eq!(
        flow.sim.account_oauth_stats("acme"),
        Some(OAuthStats {
            token_requests: 5,
            code_grants: 1,
            refresh_grants: 1,
            failures: 3,
        })
    );
    assert_eq!(
        flow.sim.account_oauth_stats("globex"),
        Some(OAuthStats {
            token_requests: 2,
            code_grants: 1,
            refresh_grants: 1,
            failures: 0,
        })
    );
    assert_eq!(
        flow.sim.account_oauth_stats("default"),
        Some(OAuthStats::default())
    );
    let global = flow.sim.oauth_stats();
    assert_eq!(global.token_requests, 7);
    assert_eq!(global.refresh_grants, 2);
    flow.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn racing_refreshes_of_one_token_succeed_once() -> TestResult {
    let flow = std::sync::Arc::new(Flow::start(setup()).await?);
    let (_, tokens) = flow
        .exchange(&flow.code(Some("acme")).await?, REDIRECT)
        .await?;
    let refresh = str_of(&tokens, "refresh_token")?.to_string();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let flow = std::sync::Arc::clone(&flow);
        let refresh = refresh.clone();
        tasks.spawn(async move {
            flow.refresh(&refresh)
                .await
                .map(|(status, _)| status)
                .map_err(|e| e.to_string())
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.push(done??);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1);
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::BAD_REQUEST)
            .count(),
        7
    );
    let stats = flow.sim.account_oauth_stats("acme").ok_or("no acme")?;
    assert_eq!((stats.refresh_grants, stats.failures), (1, 7));
    Ok(())
}

#[tokio::test]
async fn codes_from_the_hook_belong_to_their_account() -> TestResult {
    let flow = Flow::start(setup()).await?;
    let globex = flow.sim.account("globex").ok_or("no globex")?;
    let code = globex.issue_auth_code();
    // Any registered client, any redirect.
    let (status, tokens) = flow
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", "second-app"),
            ("client_secret", "second-secret"),
            ("code", &code),
        ])
        .await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        flow.postings_of_token(str_of(&tokens, "access_token")?)
            .await?,
        flow.postings_of_key("globex-key").await?
    );
    assert_eq!(globex.oauth_stats().code_grants, 1);
    flow.sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn two_clients_with_one_id_are_a_typed_error() -> TestResult {
    let started = Simulator::start(SimConfig {
        oauth_clients: vec![OAuthConfig {
            client_secret: "another-secret".into(),
            ..OAuthConfig::default()
        }],
        ..config()
    })
    .await;
    match started {
        Err(e @ SimError::DuplicateClient { .. }) => {
            assert!(e.to_string().contains("sim-client-id"), "{e}");
            assert!(!e.to_string().contains("another-secret"), "{e}");
        }
        other => return Err(format!("expected DuplicateClient, got {other:?}").into()),
    }
    Ok(())
}
