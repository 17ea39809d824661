//! `GET /oauth/authorize`: the consent screen, answered at once by a simulated user who
//! consents (or refuses) on behalf of one simulated account.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::config::OAuthConfig;
use crate::oauth::oauth_error;
use crate::state::Shared;
use crate::util::lock;

/// Answers an authorization request: 302 to `redirect_uri` with `code` and `state`, or with
/// `error` and `state`; 400 without redirecting when the client or the redirect URI cannot be
/// trusted (redirecting there would hand the answer to a stranger).
pub(crate) fn authorize(shared: &Shared, query: Option<&str>) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let (client, redirect_uri, redirect) = match trusted_redirect(shared, &param) {
        Ok(trusted) => trusted,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why),
    };
    let state = param("state");
    let refuse = |error: &str, description: &str| {
        redirect_with(
            &redirect,
            &[("error", error), ("error_description", description)],
            state,
        )
    };
    if param("response_type") != Some("code") {
        return refuse(
            "unsupported_response_type",
            "Only response_type=code is supported",
        );
    }
    if state.is_none() {
        return refuse("invalid_request", "Missing state");
    }
    let account = match param("login_hint") {
        Some(hint) => match shared.find_account(hint) {
            Some(account) => account,
            None => return refuse("invalid_request", "login_hint names no simulated account"),
        },
        None => Arc::clone(&lock(&shared.consenting)),
    };
    if client.deny_consent || shared.deny_consent.load(Ordering::SeqCst) {
        return refuse("access_denied", "The user did not consent");
    }
    let code = lock(&shared.oauth).issue_code(
        account,
        Some(client.client_id.clone()),
        Some(redirect_uri.to_string()),
    );
    redirect_with(&redirect, &[("code", &code)], state)
}

/// The client and the redirect URI (as sent and parsed), or why either cannot be trusted.
fn trusted_redirect<'p>(
    shared: &'p Shared,
    param: &impl Fn(&str) -> Option<&'p str>,
) -> Result<(&'p OAuthConfig, &'p str, url::Url), &'static str> {
    let client = param("client_id")
        .and_then(|id| shared.client(id))
        .ok_or("Missing or unknown client_id")?;
    let redirect_uri = param("redirect_uri").ok_or("Missing redirect_uri")?;
    let redirect =
        url::Url::parse(redirect_uri).map_err(|_| "redirect_uri is not an absolute URL")?;
    if !client.redirect_uris.is_empty() && !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err("redirect_uri is not registered for this client");
    }
    Ok((client, redirect_uri, redirect))
}

/// 302 to `redirect` with `pairs` and `state` added to its query (a query it has is kept).
fn redirect_with(redirect: &url::Url, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut to = redirect.clone();
    {
        let mut query = to.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, to.as_str())]).into_response()
}
