#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! The hand-written runtime behind [`lever-client`](https://docs.rs/lever-client): the HTTP
//! client, API-key and OAuth authentication with one refresh at a time, the rate limiter,
//! retries, deadlines, pagination, errors that never show personal data, and the contract that
//! generated code calls (`__private`).
//!
//! Use it through `lever-client`, which re-exports every public item here under the same
//! names and adds the surface generated from the spec (models, request builders, webhook
//! events, triggers). It is a crate of its own so that it is compiled once and cached like
//! any dependency: a spec edit, or another set of `lever-client` resource features, recompiles
//! only the generated surface.

mod api_request;
mod auth;
mod byte_size;
mod client;
mod config;
pub mod error;
mod form;
pub mod oauth;
mod pagination;
mod rate_limit;
mod raw;
#[cfg(feature = "record")]
pub mod record;
mod registry;
mod response_future;
mod retry;
mod secret;
#[cfg(test)]
mod settings_strategies;
mod spec_settings;
pub mod triggers;
mod types;
pub mod webhooks;

#[doc(hidden)]
pub mod __private;
mod codegen_support;
mod object_serde;
mod redact;

pub use api_request::{ApiRequest, RequestBody};
pub use byte_size::ByteSize;
pub use client::{Client, ClientBuilder, RequestMetrics};
pub use config::{Environment, RateLimit, RetryPolicy};
pub use error::{Error, TransportError, TransportKind};
pub use form::FormBody;
pub use http::{Method, StatusCode};
pub use oauth::{MemoryTokenStore, OAuthCredentials, Refresh, TokenPair, TokenStore};
pub use pagination::{PaginationStop, DEFAULT_MAX_PAGES};
pub use raw::RawRequest;
/// The HTTP client crate, re-exported for [`ClientBuilder::http_client`] (so its version
/// matches this crate's).
pub use reqwest;
pub use response_future::ResponseFuture;
pub use secret::Secret;
pub use types::{Expandable, FilePart, Identified, ItemStream, Page, Response, Timestamp};
