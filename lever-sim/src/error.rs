//! Errors: why a simulator could not start, and Lever's `{code, message}` API errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why [`Simulator::start`](crate::Simulator::start) failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The shipped spec could not be loaded.
    #[error("cannot load the Lever spec: {0}")]
    Spec(#[from] lever_spec::LoadError),
    /// The HTTP client used for webhook deliveries could not be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// Two accounts were given the same name (or a name equal to another account's ID).
    #[error("an account named {name:?} already exists")]
    DuplicateAccount {
        /// The name asked for.
        name: String,
    },
    /// An account name was empty.
    #[error("an account name must not be empty")]
    EmptyAccountName,
    /// An API key was given to two accounts, so requests with it could not be routed. The key
    /// itself is a secret and is not shown.
    #[error("an API key of account {account:?} already belongs to another account")]
    DuplicateApiKey {
        /// The account the key was given to second.
        account: String,
    },
    /// Two OAuth clients were given the same `client_id`, so a token request could not tell
    /// which secret to check.
    #[error("two OAuth clients have the client_id {client_id:?}")]
    DuplicateClient {
        /// The repeated client ID.
        client_id: String,
    },
    /// A targeted fault's route is not `"METHOD /path"`.
    #[error("invalid route {route:?}: write it as \"METHOD /path\", e.g. \"POST /postings\"")]
    InvalidRoute {
        /// The route given.
        route: String,
    },
    /// A targeted failure's status is not an error status (400–599).
    #[error("{status} is not an error status (400–599)")]
    InvalidStatus {
        /// The status given.
        status: u16,
    },
    /// A store hook named a type the spec does not have (e.g. `"Postings"` for `"Posting"`).
    #[error("the spec has no object type {name:?}{}", suggestion.as_ref().map(|s| format!("; did you mean {s:?}?")).unwrap_or_default())]
    UnknownType {
        /// The type name given.
        name: String,
        /// The nearest type name the spec has.
        suggestion: Option<String>,
    },
    /// A store hook was given a value that is not a JSON object.
    #[error("a stored {type_name} must be a JSON object")]
    NotAnObject {
        /// The type name given.
        type_name: String,
    },
    /// No account has this name or ID.
    #[error("no simulated account is named {account:?}")]
    UnknownAccount {
        /// The name or ID asked for.
        account: String,
    },
}

/// An error answered the way Lever does: an HTTP status and `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Lever's error code, e.g. `ResourceNotFound`.
    pub code: &'static str,
    /// A human message.
    pub message: String,
}

impl ApiError {
    /// An injected failure with `status`, shaped like Lever's errors.
    pub fn injected(status: StatusCode) -> Self {
        ApiError {
            status,
            code: "InjectedFault",
            message: format!(
                "{} (injected by a targeted fault)",
                status.canonical_reason().unwrap_or("error")
            ),
        }
    }
    /// 400 `BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: message.into(),
        }
    }
    /// 401 `Unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "Unauthorized",
            message: message.into(),
        }
    }
    /// 403 `Forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "Forbidden",
            message: message.into(),
        }
    }
    /// 404 `ResourceNotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "ResourceNotFound",
            message: message.into(),
        }
    }
    /// 429 `TooManyRequests`.
    pub fn too_many_requests() -> Self {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "TooManyRequests",
            message: "Rate limit exceeded, please slow down".to_string(),
        }
    }
    /// 500 `InternalServerError`.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalServerError",
            message: message.into(),
        }
    }
    /// 503 `ServiceUnavailable`.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "ServiceUnavailable",
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code, "message": self.message });
        (self.status, axum::Json(body)).into_response()
    }
}
