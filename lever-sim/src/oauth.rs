//! The OAuth 2 token endpoint: authorization codes, access tokens and rotating refresh
//! tokens, each bound to the client and the simulated account it was issued for.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::account::Account;
use crate::config::OAuthConfig;
use crate::state::Shared;
use crate::util::{lock, SimRng};

/// Counters of the token endpoint, for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OAuthStats {
    /// Every request to `/oauth/token` (per account: those naming a code or refresh token
    /// that was issued for the account, whatever the outcome).
    pub token_requests: u64,
    /// Successful `authorization_code` exchanges.
    pub code_grants: u64,
    /// Successful `refresh_token` grants.
    pub refresh_grants: u64,
    /// Requests answered with an error.
    pub failures: u64,
}

/// An authorization code waiting to be exchanged.
struct CodeGrant {
    /// The client the code was issued to; `None` (codes from the test hook) lets any
    /// registered client exchange it.
    client_id: Option<String>,
    /// The `redirect_uri` of the authorization request, which the exchange must repeat.
    redirect_uri: Option<String>,
    account: Arc<Account>,
}

struct RefreshGrant {
    client_id: String,
    account: Arc<Account>,
}

struct AccessGrant {
    expires_at: i64,
    account: Arc<Account>,
}

/// Live codes and tokens, and whom spent ones belonged to (so a replay still counts for its
/// account). No Debug: every key is a secret.
pub(crate) struct OAuthState {
    codes: HashMap<String, CodeGrant>,
    spent_codes: HashMap<String, Arc<Account>>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    spent_refresh: HashMap<String, Arc<Account>>,
    pub stats: OAuthStats,
    /// Per account ID.
    per_account: HashMap<String, OAuthStats>,
    rng: SimRng,
}

impl OAuthState {
    pub(crate) fn new(seed: u64) -> Self {
        OAuthState {
            codes: HashMap::new(),
            spent_codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            spent_refresh: HashMap::new(),
            stats: OAuthStats::default(),
            per_account: HashMap::new(),
            rng: SimRng::new(seed ^ 0x0a07_4000),
        }
    }

    /// The account a live access token belongs to.
    pub(crate) fn access_token_account(&self, token: &str, now: i64) -> Option<Arc<Account>> {
        self.access
            .get(token)
            .filter(|g| g.expires_at > now)
            .map(|g| Arc::clone(&g.account))
    }

    /// Issues a single-use code for `account`.
    pub(crate) fn issue_code(
        &mut self,
        account: Arc<Account>,
        client_id: Option<String>,
        redirect_uri: Option<String>,
    ) -> String {
        let code = self.rng.alnum(32);
        self.codes.insert(
            code.clone(),
            CodeGrant {
                client_id,
                redirect_uri,
                account,
            },
        );
        code
    }

    pub(crate) fn expire_access_tokens(&mut self) {
        self.access.clear();
    }

    /// Revokes every refresh token of `account`; returns how many there were.
    pub(crate) fn revoke_refresh_tokens(&mut self, account: &Account) -> usize {
        let revoked: Vec<String> = self
            .refresh
            .iter()
            .filter(|(_, g)| g.account.id == account.id)
            .map(|(t, _)| t.clone())
            .collect();
        for token in &revoked {
            if let Some(grant) = self.refresh.remove(token) {
                self.spent_refresh.insert(token.clone(), grant.account);
            }
        }
        revoked.len()
    }

    /// The counters of one account.
    pub(crate) fn account_stats(&self, account: &Account) -> OAuthStats {
        self.per_account
            .get(&account.id)
            .copied()
            .unwrap_or_default()
    }

    /// The account a grant names, live or spent.
    fn grant_account(&self, form: &Form) -> Option<Arc<Account>> {
        match form.field("grant_type") {
            "authorization_code" => {
                let code = form.field("code");
                self.codes
                    .get(code)
                    .map(|g| &g.account)
                    .or_else(|| self.spent_codes.get(code))
                    .cloned()
            }
            "refresh_token" => {
                let token = form.field("refresh_token");
                self.refresh
                    .get(token)
                    .map(|g| &g.account)
                    .or_else(|| self.spent_refresh.get(token))
                    .cloned()
            }
            _ => None,
        }
    }

    /// Checks and consumes the grant; returns the account to issue tokens for.
    fn redeem(&mut self, client: &OAuthConfig, form: &Form) -> Result<Arc<Account>, Refusal> {
        match form.field("grant_type") {
            "authorization_code" => {
                let code = form.field("code");
                let grant = self
                    .codes
                    .get(code)
                    .ok_or(Refusal::grant("Invalid or already used authorization code"))?;
                if grant
                    .client_id
                    .as_ref()
                    .is_some_and(|c| *c != client.client_id)
                {
                    return Err(Refusal::grant(
                        "The authorization code was issued to another client",
                    ));
                }
                if grant
                    .redirect_uri
                    .as_ref()
                    .is_some_and(|r| r != form.field("redirect_uri"))
                {
                    return Err(Refusal::grant(
                        "redirect_uri differs from the authorization request",
                    ));
                }
                let grant = self
                    .codes
                    .remove(code)
                    .ok_or(Refusal::grant("Invalid or already used authorization code"))?;
                self.spent_codes
                    .insert(code.to_string(), Arc::clone(&grant.account));
                Ok(grant.account)
            }
            "refresh_token" => {
                let token = form.field("refresh_token");
                let grant = self
                    .refresh
                    .get(token)
                    .ok_or(Refusal::grant("Unknown or already used refresh token"))?;
                if grant.client_id != client.client_id {
                    return Err(Refusal::grant(
                        "The refresh token was issued to another client",
                    ));
                }
                let grant = self
                    .refresh
                    .remove(token)
                    .ok_or(Refusal::grant("Unknown or already used refresh token"))?;
                self.spent_refresh
                    .insert(token.to_string(), Arc::clone(&grant.account));
                Ok(grant.account)
            }
            "" => Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant_type",
            )),
            _ => Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only authorization_code and refresh_token are supported",
            )),
        }
    }

    /// Issues an access token and a fresh refresh token for `account` and `client`.
    fn issue_tokens(
        &mut self,
        client: &OAuthConfig,
        account: Arc<Account>,
        now: i64,
    ) -> (String, String) {
        let access = self.rng.alnum(40);
        let refresh = format!("v1.{}", self.rng.alnum(48));
        let ttl_ms = i64::try_from(client.access_token_ttl.as_millis()).unwrap_or(i64::MAX);
        self.access.insert(
            access.clone(),
            AccessGrant {
                expires_at: now.saturating_add(ttl_ms),
                account: Arc::clone(&account),
            },
        );
        self.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client.client_id.clone(),
                account,
            },
        );
        (access, refresh)
    }
}

/// A form-urlencoded body.
struct Form(HashMap<String, String>);

impl Form {
    fn field(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Why a token request is refused.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, description: &'static str) -> Self {
        Refusal {
            status,
            error,
            description,
        }
    }

    fn grant(description: &'static str) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }
}

/// An OAuth error body (`{"error", "error_description"}`).
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Handles `POST /oauth/token` with a form-urlencoded body.
pub(crate) fn token(shared: &Shared, body: &[u8]) -> Response {
    let form = Form(url::form_urlencoded::parse(body).into_owned().collect());
    let now = shared.clock.now_ms();
    let mut oauth = lock(&shared.oauth);
    let account = oauth.grant_account(&form);
    let outcome = exchange(shared, &mut oauth, &form, now);
    let grant_type = form.field("grant_type");
    let count = |stats: &mut OAuthStats| {
        stats.token_requests += 1;
        match &outcome {
            Err(_) => stats.failures += 1,
            Ok(_) if grant_type == "authorization_code" => stats.code_grants += 1,
            Ok(_) => stats.refresh_grants += 1,
        }
    };
    count(&mut oauth.stats);
    if let Some(account) = account {
        count(oauth.per_account.entry(account.id.clone()).or_default());
    }
    drop(oauth);
    match outcome {
        Ok(body) => axum::Json(body).into_response(),
        Err(r) => oauth_error(r.status, r.error, r.description),
    }
}

fn exchange(
    shared: &Shared,
    oauth: &mut OAuthState,
    form: &Form,
    now: i64,
) -> Result<Value, Refusal> {
    let client = shared
        .client(form.field("client_id"))
        .filter(|c| c.client_secret == form.field("client_secret"))
        .ok_or(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unknown client or wrong client secret",
        ))?;
    let account = oauth.redeem(client, form)?;
    let (access, refresh) = oauth.issue_tokens(client, account, now);
    let scope = form
        .0
        .get("scope")
        .cloned()
        .unwrap_or_else(|| shared.spec.api.oauth.scopes.join(" "));
    Ok(json!({
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": client.access_token_ttl.as_secs(),
    }))
}
