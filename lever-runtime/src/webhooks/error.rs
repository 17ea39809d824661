//! The error type of webhook verification and parsing.

use std::time::Duration;

/// Why a webhook delivery was refused.
///
/// Messages never contain the signature token (the signing key) nor the delivery's signature.
/// Use [`WebhookError::status_code`] to answer Lever: a 2xx tells Lever to stop retrying,
/// anything else makes it retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is larger than the configured limit.
    #[error("the delivery body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// The body is not valid JSON.
    #[error("the delivery body is not valid JSON: {message}")]
    InvalidJson {
        /// What the JSON parser said.
        message: String,
    },

    /// A required envelope field is missing.
    #[error("the delivery has no `{0}` field")]
    MissingField(&'static str),

    /// An envelope field has the wrong type or value.
    #[error("the delivery's `{field}` field is invalid: {reason}")]
    InvalidField {
        /// The field (`token`, `triggeredAt`, `event`...).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The delivery carries no `signature` (or a `null` one).
    #[error("the delivery has no signature")]
    MissingSignature,

    /// The `signature` is not 64 hexadecimal characters.
    #[error("the delivery's signature is not 64 hexadecimal characters")]
    BadSignatureEncoding,

    /// The signature does not match any configured signature token.
    #[error("the delivery's signature does not match")]
    SignatureMismatch,

    /// No signature token is configured, so nothing can be verified.
    #[error("no signature token is configured")]
    NoSignatureToken,

    /// `triggeredAt` is further in the past than the configured maximum age.
    #[error("the delivery is stale: it was triggered {age:?} ago")]
    Stale {
        /// How long ago the delivery was triggered.
        age: Duration,
    },

    /// `triggeredAt` is further in the future than the configured tolerance.
    #[error("the delivery was triggered {ahead:?} in the future")]
    FromTheFuture {
        /// How far ahead of the local clock `triggeredAt` is.
        ahead: Duration,
    },

    /// The same delivery (same signed `token` and `triggeredAt`, see
    /// [`DedupKey`](super::DedupKey)) was already handled.
    #[error("the delivery was already handled (duplicate)")]
    Duplicate,

    /// The same delivery (same signed `token` and `triggeredAt`) is being handled right now
    /// and has not succeeded yet. Answer a retryable status: if that attempt fails, Lever's
    /// retry must be handled.
    #[error("the same delivery is being handled right now")]
    InFlight,

    /// The body is JSON but not a delivery: not an object, or its `data` does not have the
    /// shape its `event` requires.
    #[error("the body is not a Lever webhook delivery: {message}")]
    UnknownShape {
        /// What is wrong.
        message: String,
    },
}

impl WebhookError {
    /// Whether the delivery failed authentication (missing, malformed or wrong signature).
    pub fn is_signature_error(&self) -> bool {
        matches!(
            self,
            WebhookError::MissingSignature
                | WebhookError::BadSignatureEncoding
                | WebhookError::SignatureMismatch
        )
    }

    /// The HTTP status to answer Lever with:
    ///
    /// | error | status |
    /// |---|---|
    /// | signature missing, malformed or wrong | 401 |
    /// | body too large | 413 |
    /// | not JSON, bad envelope, unknown shape, stale, from the future | 400 |
    /// | duplicate of a handled delivery | 200 (so Lever stops retrying) |
    /// | duplicate of a delivery still being handled | 503 (so Lever retries later) |
    /// | no signature token configured | 500 |
    pub fn status_code(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            WebhookError::MissingSignature
            | WebhookError::BadSignatureEncoding
            | WebhookError::SignatureMismatch => StatusCode::UNAUTHORIZED,
            WebhookError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::Duplicate => StatusCode::OK,
            WebhookError::InFlight => StatusCode::SERVICE_UNAVAILABLE,
            WebhookError::NoSignatureToken => StatusCode::INTERNAL_SERVER_ERROR,
            WebhookError::InvalidJson { .. }
            | WebhookError::MissingField(_)
            | WebhookError::InvalidField { .. }
            | WebhookError::Stale { .. }
            | WebhookError::FromTheFuture { .. }
            | WebhookError::UnknownShape { .. } => StatusCode::BAD_REQUEST,
        }
    }
}
