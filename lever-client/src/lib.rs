#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! # lever-client
//!
//! A typed async client for [Lever](https://hire.lever.co/developer/documentation), the
//! applicant tracking system.
//!
//! The crate has two halves:
//!
//! * a hand-written **runtime** (this code): transport over `reqwest` + rustls, API-key and
//!   OAuth 2 authentication with single-flight token refresh and rotating refresh tokens,
//!   a shared token-bucket rate limiter, retries with exponential backoff and jitter,
//!   cursor pagination as streams, one [`Error`] type, and `tracing` spans;
//! * a **generated surface** (models, one accessor per resource, request builders) produced
//!   from the YAML spec in `lever-spec/`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lever_client::Error> {
//! use lever_client::{Client, Environment, Method};
//!
//! let client = Client::builder()
//!     .api_key("my-api-key")
//!     .environment(Environment::Sandbox)
//!     .build()?;
//!
//! // Any Lever path, with the same auth, rate limit and retries as typed calls.
//! let postings = client
//!     .request(Method::GET, "/postings")
//!     .query_pair("limit", "10")
//!     .send()
//!     .await?;
//! println!("{postings}");
//! # Ok(())
//! # }
//! ```

// Generated code refers to `::lever_client::...` even inside this crate. (Inner attributes
// must precede items, so this is the first *item* of the crate.)
extern crate self as lever_client;

mod auth;
mod client;
mod config;
pub mod error;
pub mod oauth;
mod pagination;
mod rate_limit;
mod raw;
mod retry;
mod secret;
#[cfg(test)]
mod settings_strategies;
mod types;

#[doc(hidden)]
pub mod __private;

pub use client::{Client, ClientBuilder};
pub use config::{Environment, RateLimit, RetryPolicy};
pub use error::Error;
pub use http::{Method, StatusCode};
pub use oauth::{MemoryTokenStore, OAuthCredentials, Refresh, TokenPair, TokenStore};
pub use pagination::{PaginationStop, DEFAULT_MAX_PAGES};
pub use raw::RawRequest;
/// The HTTP client crate, re-exported for [`ClientBuilder::http_client`] (so its version
/// matches this crate's).
pub use reqwest;
pub use secret::Secret;
pub use types::{Expandable, FilePart, Identified, Page, Response, Timestamp};

// The generated surface: models, resource accessors and request builders, webhook events and
// the triggers registry, produced by `lever-codegen` from the spec at build time (build.rs).
// Generated code uses the runtime only through `::lever_client::__private` and the public
// types re-exported above.
mod codegen_support;
mod generated;
mod object_serde;
pub mod triggers;
pub mod webhooks;

pub use generated::{models, resources, spec_info};
