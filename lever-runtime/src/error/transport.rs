//! [`TransportError`]: a request that never got a complete HTTP response, without exposing
//! the HTTP library's error type (so that upgrading it is not a breaking change for users).

use std::fmt;

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made (DNS, refused, TLS handshake…): the request was not
    /// delivered.
    Connect,
    /// The attempt timed out (the per-attempt timeout, or the connect timeout).
    Timeout,
    /// Sending the request failed after the connection was made (e.g. reset).
    Request,
    /// Reading the response body failed (e.g. the connection was lost mid-body).
    Body,
    /// Anything else the HTTP library reported (a redirect loop, a builder error, a body it
    /// could not decode…).
    Other,
}

/// A request that never got a complete HTTP response: the source of
/// [`Error::Transport`](crate::Error::Transport).
///
/// Its `Display` is the HTTP library's message with the request URL removed (the URL's
/// query may hold personal data); [`source`](std::error::Error::source) is that library's
/// error, as `dyn Error`.
pub struct TransportError {
    kind: TransportKind,
    inner: reqwest::Error,
}

impl TransportError {
    pub(crate) fn new(error: reqwest::Error) -> TransportError {
        let error = error.without_url();
        let kind = if error.is_connect() {
            TransportKind::Connect
        } else if error.is_timeout() {
            TransportKind::Timeout
        } else if error.is_request() {
            TransportKind::Request
        } else if error.is_body() {
            TransportKind::Body
        } else {
            TransportKind::Other
        };
        TransportError { kind, inner: error }
    }

    /// What kind of failure this was.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }

    /// The connection could not be made, so the request certainly was not delivered.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportKind::Connect
    }

    /// The attempt timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportKind::Timeout
    }

    /// A failure worth another try: the connection could not be made, timed out, or was lost
    /// while sending or reading.
    pub fn is_transient(&self) -> bool {
        !matches!(self.kind, TransportKind::Other)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &format_args!("{}", self.inner))
            .finish()
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner)
    }
}
