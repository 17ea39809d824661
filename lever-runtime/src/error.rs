//! The crate's single error type, and what it tells about a response without quoting it.

pub(crate) mod describe;
mod sensitive;
mod transport;

use http::StatusCode;

pub use describe::{Found, JsonKind};
pub use sensitive::SensitiveDetail;
pub use transport::{TransportError, TransportKind};

use sensitive::Withheld;

/// Boxed error used as the source of [`Error::Auth`].
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Maximum length (in characters) of body snippets kept in errors.
pub(crate) const SNIPPET_LEN: usize = 200;

/// Everything that can go wrong when talking to Lever.
///
/// No variant ever shows, in its `Display` or `Debug` output (nor in those of its sources):
/// an API key, access token, refresh token or client secret; a value from a response body
/// (which would be a candidate's personal data); a request URL (whose query may hold an
/// e-mail address). What a response said verbatim is kept only behind
/// [`Error::sensitive_detail`].
///
/// ```no_run
/// # async fn demo(client: lever_client::Client) {
/// use lever_client::Error;
///
/// match client.postings().get("posting-id").send().await {
///     Ok(posting) => println!("{:?}", posting.text),
///     Err(e) if e.is_not_found() => println!("no such posting"),
///     Err(e) if e.needs_reconnect() => println!("the customer must connect again"),
///     Err(e @ Error::Decode { .. }) => eprintln!("Lever sent an unexpected shape: {e}"),
///     Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
///     Err(e) => eprintln!("failed: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Lever answered with a non-success HTTP status.
    ///
    /// Lever's error body is `{"code": "...", "message": "..."}`; `code` is an open string
    /// (e.g. `ResourceNotFound`). Any other body (HTML from a proxy, foreign JSON) is not
    /// shown: `code` and `message` are `None` and the start of the body is in `detail`.
    #[error("Lever API error {status}{}{}", fmt_code(.code), fmt_message(.message, .detail))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Lever's error code, if the body had one.
        code: Option<String>,
        /// Lever's error message, if the body had one (a string).
        message: Option<String>,
        /// The start of a body that is not Lever's error JSON (at most 200 characters). May
        /// contain personal data: see [`Error::sensitive_detail`].
        detail: Option<SensitiveDetail>,
    },

    /// A response body could not be decoded into the expected type.
    ///
    /// `Display` reads like `could not decode the response at data[3].createdAt: expected a
    /// millisecond timestamp (an integer or a numeric string), found a string with an invalid
    /// value`: the path, what was expected, the kind of value found — never the value.
    #[error("could not decode the response at {path}: expected {expected}, found {found}")]
    Decode {
        /// JSON path of the failure, e.g. `data[2].createdAt` (`.` for the root). Keys that do
        /// not look like field names (map keys such as e-mail addresses) show as `<key>`.
        path: String,
        /// What the decoder expected, in its own words (`u64`, `a sequence`, `the field
        /// `id``...), or `a value of the expected type` when it did not say.
        expected: String,
        /// The kind of value found.
        found: Found,
        /// The decoder's message (which quotes the value) and the start of the body (at most
        /// 200 characters). May contain personal data: see [`Error::sensitive_detail`].
        detail: SensitiveDetail,
    },

    /// The request never got a complete HTTP response: connection failure, timeout, TLS...
    /// (The request URL is removed: its query may hold personal data.)
    #[error("transport error: {0}")]
    Transport(#[source] TransportError),

    /// Authentication failed before Lever could answer: no usable credentials, or an OAuth
    /// token refresh or code exchange failed.
    ///
    /// A token endpoint's `error` code is shown when it is one of the standard OAuth codes; its
    /// `error_description` (which may echo a token) only through [`Error::sensitive_detail`].
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

    /// The call did not complete within its overall deadline
    /// ([`ClientBuilder::deadline`](crate::ClientBuilder::deadline), or a request's own).
    #[error("the call did not complete within its deadline of {after:?}")]
    Deadline {
        /// The deadline that ran out.
        after: std::time::Duration,
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

fn fmt_message(message: &Option<String>, detail: &Option<SensitiveDetail>) -> String {
    match (message, detail) {
        (Some(m), _) => format!(": {m}"),
        (None, Some(_)) => {
            ": the body is not in Lever's error format (see Error::sensitive_detail)".into()
        }
        (None, None) => String::new(),
    }
}

impl Error {
    /// The HTTP status of an [`Error::Api`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
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

    /// What the response said verbatim, when this error withholds it: the start of a body that
    /// is not Lever's error JSON ([`Error::Api`]), the decoder's message and the start of the
    /// body ([`Error::Decode`]), a token endpoint's error description ([`Error::OAuth`], [`Error::Auth`]).
    ///
    /// **Sensitive**: this text may contain candidates' personal data or secrets. It is meant
    /// for debugging in places allowed to hold such data, not for ordinary logs or error
    /// reports — which is why `Display` and `Debug` leave it out.
    pub fn sensitive_detail(&self) -> Option<&str> {
        match self {
            Error::Api { detail, .. } => detail.as_ref().map(SensitiveDetail::expose),
            Error::Decode { detail, .. } => Some(detail.expose()),
            Error::OAuth { description, .. } => description.as_ref().map(|d| d.expose()),
            Error::Auth {
                source: Some(source),
                ..
            } => source
                .downcast_ref::<Withheld>()
                .map(|withheld| withheld.0.expose()),
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
            Error::Transport(e) => e.is_transient(),
            Error::Deadline { .. } => true,
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

    /// An [`Error::Auth`] whose message is safe to show and whose `detail` (e.g. an OAuth
    /// `error_description`) is kept only for [`Error::sensitive_detail`].
    pub(crate) fn auth_withholding(message: impl Into<String>, detail: Option<String>) -> Error {
        Error::Auth {
            message: message.into(),
            source: detail.map(|d| Box::new(Withheld(SensitiveDetail::new(d))) as BoxError),
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
        /// A scalar as text; `None` for an object or array, which is not Lever's shape and
        /// could hold anything.
        fn text(v: Option<serde_json::Value>) -> (Option<String>, bool) {
            match v {
                None | Some(serde_json::Value::Null) => (None, true),
                Some(serde_json::Value::String(s)) => (Some(s), true),
                Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    (Some(v.to_string()), true)
                }
                Some(_) => (None, false),
            }
        }
        if let Ok(e) = serde_json::from_slice::<LeverError>(body) {
            let ((code, code_ok), (message, message_ok)) = (text(e.code), text(e.message));
            if code.is_some() || message.is_some() {
                return Error::Api {
                    status,
                    code,
                    message,
                    detail: (!(code_ok && message_ok)).then(|| SensitiveDetail::new(snippet(body))),
                };
            }
        }
        let snippet = snippet(body);
        Error::Api {
            status,
            code: None,
            message: None,
            detail: (!snippet.is_empty()).then(|| SensitiveDetail::new(snippet)),
        }
    }

    /// Builds an [`Error::Decode`] from a `serde_path_to_error` failure.
    pub(crate) fn decode(err: serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> Error {
        let path = describe::display_path(err.path());
        Error::decode_at(path, &err.into_inner(), body)
    }

    /// Builds an [`Error::Decode`] for a failure at `path` (already fit for display).
    pub(crate) fn decode_at(path: String, err: &serde_json::Error, body: &[u8]) -> Error {
        let (expected, found) = describe::describe(err);
        Error::Decode {
            path,
            expected,
            found,
            detail: SensitiveDetail::new(format!("{err} (body: {})", snippet(body))),
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
    fn api_error_from_html_body_withholds_snippet() {
        let body = format!("<html>{}</html>", "x".repeat(500));
        let e = Error::from_response(StatusCode::BAD_GATEWAY, body.as_bytes());
        let Error::Api { code, message, .. } = &e else {
            panic!("not api: {e:?}")
        };
        assert!(code.is_none() && message.is_none());
        let d = e.sensitive_detail().unwrap_or_default();
        assert!(d.starts_with("<html>xxx"));
        assert_eq!(d.chars().count(), SNIPPET_LEN + 1);
        assert!(!format!("{e} {e:?}").contains("<html>"), "{e} {e:?}");
        assert_eq!(
            e.to_string(),
            "Lever API error 502 Bad Gateway: the body is not in Lever's error format \
             (see Error::sensitive_detail)"
        );
        assert!(e.is_retryable());
    }

    #[test]
    fn lever_body_with_a_structured_message_withholds_it() {
        let e = Error::from_response(
            StatusCode::BAD_REQUEST,
            br#"{"code": "BadRequestError", "message": {"email": "jane@example.com"}}"#,
        );
        assert_eq!(e.code(), Some("BadRequestError"));
        assert_eq!(e.message(), None);
        assert!(e.sensitive_detail().unwrap_or_default().contains("jane@"));
        assert!(!format!("{e} {e:?}").contains("jane@"), "{e} {e:?}");
        let lever = Error::from_response(
            StatusCode::NOT_FOUND,
            br#"{"code": "ResourceNotFound", "message": "Posting not found"}"#,
        );
        assert_eq!(lever.sensitive_detail(), None, "nothing withheld");
    }

    #[test]
    fn empty_body_has_no_message() {
        let e = Error::from_response(StatusCode::SERVICE_UNAVAILABLE, b"");
        assert_eq!(e.message(), None);
        assert_eq!(e.to_string(), "Lever API error 503 Service Unavailable");
    }
}
