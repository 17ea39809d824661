//! The crate's single error type.

use http::StatusCode;

/// Boxed error used as the source of [`Error::Auth`].
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Maximum length (in characters) of body snippets kept in errors.
pub(crate) const SNIPPET_LEN: usize = 200;

/// Everything that can go wrong when talking to Lever.
///
/// No variant ever contains an API key, access token, refresh token or client secret in its
/// `Display` or `Debug` output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Lever answered with a non-success HTTP status.
    ///
    /// Lever's error body is `{"code": "...", "message": "..."}`; `code` is an open string
    /// (e.g. `ResourceNotFound`). When the body is not such JSON, `message` holds a short
    /// snippet of it.
    #[error("Lever API error {status}{}{}", fmt_code(.code), fmt_message(.message))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Lever's error code, if the body had one.
        code: Option<String>,
        /// Lever's error message (or a snippet of a non-JSON body).
        message: Option<String>,
    },

    /// A response body could not be decoded into the expected type.
    #[error("cannot decode response at `{path}`: {message} (body: {snippet})")]
    Decode {
        /// JSON path of the failure, e.g. `data[2].createdAt` (`.` for the root).
        path: String,
        /// What serde said.
        message: String,
        /// The start of the body (at most 200 characters).
        snippet: String,
    },

    /// The request never got a complete HTTP response: connection failure, timeout, TLS...
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

    /// Authentication failed before Lever could answer: no usable credentials, or an OAuth
    /// token refresh or code exchange failed.
    #[error("authentication failed: {message}")]
    Auth {
        /// What went wrong (never contains a secret).
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },

    /// Lever's OAuth token endpoint refused a grant (`{"error": "...", ...}` in its answer).
    ///
    /// `code` is the OAuth error code, e.g. `invalid_grant` (the refresh token is unknown,
    /// already used or revoked: the customer must connect again, see
    /// [`Error::needs_reconnect`]), `invalid_client` (the app's client ID or secret is wrong).
    /// Lever's `error_description` may echo a token, so it is kept out of `Display` and
    /// `Debug` and offered only by [`Error::oauth_description`].
    #[error("OAuth token endpoint refused the request ({status}): {code}")]
    OAuth {
        /// The token endpoint's HTTP status.
        status: StatusCode,
        /// The OAuth error code (`invalid_grant`, `invalid_client`, `invalid_request`, …).
        code: String,
        /// Lever's `error_description` (sensitive: may contain a token; `Debug` prints `***`).
        description: Option<crate::Secret>,
    },

    /// Invalid client configuration (builder input).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Invalid input to a request (e.g. a bad content type or path).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A request body or query could not be serialised.
    #[error("cannot serialise request: {0}")]
    Serialize(#[source] serde_json::Error),

    /// A list did not end: its `next` token repeated one already followed, or it went past
    /// the page cap. Not retryable: the same walk would stop the same way.
    #[error("list {path} did not end after {pages} pages: {reason}")]
    Pagination {
        /// The list's path template (e.g. `/postings`).
        path: &'static str,
        /// The pages received before the walk stopped.
        pages: usize,
        /// Why it stopped.
        reason: crate::PaginationStop,
    },
}

fn fmt_code(code: &Option<String>) -> String {
    code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}

fn fmt_message(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status of an [`Error::Api`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// Lever's error code (e.g. `ResourceNotFound`) of an [`Error::Api`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Lever's error message of an [`Error::Api`].
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// Whether trying again later may succeed: 429, 500, 502, 503, 504, connections that could
    /// not be made, timed out or were lost (the same transport failures the client retries for
    /// idempotent methods).
    ///
    /// The client already retries these according to its [`RetryPolicy`](crate::RetryPolicy);
    /// this is for callers that implement their own, longer-term retry.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => is_retryable_status(*status),
            Error::Transport(e) => crate::retry::is_transient_transport(e),
            _ => false,
        }
    }

    /// Whether the customer must connect (authorise) again: Lever refused the refresh token
    /// (`invalid_grant`). A client that got this makes no further token requests.
    pub fn needs_reconnect(&self) -> bool {
        matches!(self, Error::OAuth { code, .. } if code == "invalid_grant")
    }

    /// The OAuth `error_description` of an [`Error::OAuth`]. **Sensitive**: Lever's text may
    /// echo a token; never log it.
    pub fn oauth_description(&self) -> Option<&str> {
        match self {
            Error::OAuth { description, .. } => description.as_ref().map(|d| d.expose()),
            _ => None,
        }
    }

    /// An [`Error::OAuth`] with `invalid_grant`, for [`TokenStore`](crate::TokenStore)
    /// implementations that know a connection's refresh token is dead (e.g. another process
    /// already got `invalid_grant` for it).
    pub fn invalid_grant() -> Error {
        Error::OAuth {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_grant".into(),
            description: None,
        }
    }

    /// Whether this is a 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether this is a 401 Unauthorized or 403 Forbidden, or an [`Error::Auth`].
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth { .. } | Error::OAuth { .. })
            || matches!(
                self.status(),
                Some(StatusCode::UNAUTHORIZED) | Some(StatusCode::FORBIDDEN)
            )
    }

    pub(crate) fn auth(message: impl Into<String>) -> Error {
        Error::Auth {
            message: message.into(),
            source: None,
        }
    }

    /// Builds an [`Error::Api`] from a non-success response.
    pub(crate) fn from_response(status: StatusCode, body: &[u8]) -> Error {
        #[derive(serde::Deserialize)]
        struct LeverError {
            #[serde(default)]
            code: Option<serde_json::Value>,
            #[serde(default)]
            message: Option<serde_json::Value>,
        }
        fn text(v: Option<serde_json::Value>) -> Option<String> {
            match v? {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                other => Some(other.to_string()),
            }
        }
        if let Ok(e) = serde_json::from_slice::<LeverError>(body) {
            let (code, message) = (text(e.code), text(e.message));
            if code.is_some() || message.is_some() {
                return Error::Api {
                    status,
                    code,
                    message,
                };
            }
        }
        let snippet = snippet(body);
        Error::Api {
            status,
            code: None,
            message: (!snippet.is_empty()).then_some(snippet),
        }
    }

    /// Builds an [`Error::Decode`] from a `serde_path_to_error` failure.
    pub(crate) fn decode(err: serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> Error {
        let path = err.path().to_string();
        Error::Decode {
            path,
            message: err.into_inner().to_string(),
            snippet: snippet(body),
        }
    }
}

/// Statuses worth retrying: 429, 500, 502, 503, 504. A 500 from Lever is a transient server
/// error as often as not; like the gateway errors it is retried for idempotent methods only.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

/// The start of a body as text: at most [`SNIPPET_LEN`] characters, trimmed, with `…` when cut.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut out: String = text.chars().take(SNIPPET_LEN).collect();
    if text.chars().nth(SNIPPET_LEN).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_from_lever_body() {
        let e = Error::from_response(
            StatusCode::NOT_FOUND,
            br#"{"code":"ResourceNotFound","message":"Posting not found"}"#,
        );
        assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(e.code(), Some("ResourceNotFound"));
        assert_eq!(e.message(), Some("Posting not found"));
        assert!(e.is_not_found());
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "Lever API error 404 Not Found (ResourceNotFound): Posting not found"
        );
    }

    #[test]
    fn api_error_from_html_body_keeps_snippet() {
        let body = format!("<html>{}</html>", "x".repeat(500));
        let e = Error::from_response(StatusCode::BAD_GATEWAY, body.as_bytes());
        let Error::Api { code, message, .. } = &e else {
            panic!("not api: {e:?}")
        };
        assert!(code.is_none());
        let m = message.as_deref().unwrap_or_default();
        assert!(m.starts_with("<html>xxx"));
        assert_eq!(m.chars().count(), SNIPPET_LEN + 1);
        assert!(e.is_retryable());
    }

    #[test]
    fn empty_body_has_no_message() {
        let e = Error::from_response(StatusCode::SERVICE_UNAVAILABLE, b"");
        assert_eq!(e.message(), None);
        assert_eq!(e.to_string(), "Lever API error 503 Service Unavailable");
    }
}
