#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! Module map: [`Client`] and [`ClientBuilder`] (the entry point), [`models`] (every Lever
//! object and request body), [`resources`] (one request builder per action, reached through
//! `client.postings()`, `client.opportunities()`, …), [`Error`] and [`error`] (one error type),
//! [`Page`] and [`Response`], [`oauth`] (OAuth 2 and token persistence), [`webhooks`]
//! (verification, typed events, the axum route), [`triggers`] (the registry, dispatcher and
//! poller), [`RawRequest`] (any path). The guide below is the crate's README; every example
//! in it is compiled as a doctest.
//!
//! A model and a typed action builder in a few lines:
//!
//! ```
//! # #[cfg(not(feature = "postings"))] fn main() {} // the example uses `postings`
//! # #[cfg(feature = "postings")] fn main() -> Result<(), lever_client::Error> {
//! use lever_client::models::{CreatePosting, Posting, PostingState};
//!
//! // Models decode Lever's JSON (unknown fields ignored, unknown enum values kept)…
//! let posting: Posting = serde_json::from_str(
//!     r#"{"id": "p1", "text": "Rust Engineer", "state": "published", "createdAt": 1}"#,
//! ).unwrap();
//! assert_eq!(posting.state, Some(PostingState::Published));
//!
//! // …and request bodies are built from their required fields.
//! let mut body = CreatePosting::new("Rust Engineer");
//! body.state = Some(PostingState::Draft);
//!
//! // A builder is typed: Lever requires `perform_as` here, so `.send()` exists only after it.
//! let client = lever_client::Client::builder().api_key("k").build()?;
//! let request = client.postings().create(body).perform_as("user-id");
//! # let _ = request;
//! # Ok(()) }
//! ```
//!
// The guide's examples call actions of many resources: it is part of the docs (and its
// examples doctests) with `full`, the default and what docs.rs builds.
#![cfg_attr(feature = "full", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "full"),
    doc = "The guide (this crate's README) is part of these docs with the `full` feature."
)]

// Generated code refers to `::lever_client::...` even inside this crate. (Inner attributes
// must precede items, so this is the first *item* of the crate.)
extern crate self as lever_client;

// The hand-written runtime lives in `lever-runtime`, compiled once like any dependency; this
// crate re-exports it under the same names and adds the generated surface.
pub use lever_runtime::{
    error, oauth, reqwest, ApiRequest, ByteSize, Environment, Error, Expandable, FilePart,
    FormBody, Identified, ItemStream, MemoryTokenStore, Method, OAuthCredentials, Page,
    PaginationStop, RateLimit, RawRequest, Refresh, RequestBody, RequestMetrics, Response,
    ResponseFuture, RetryPolicy, Secret, StatusCode, Timestamp, TokenPair, TokenStore,
    TransportError, TransportKind, DEFAULT_MAX_PAGES,
};

#[doc(hidden)]
pub use lever_runtime::{
    __lever_client_runtime_contract_1, __lever_client_runtime_contract_2, __lever_object_serde,
    __private,
};

mod client;
#[cfg(feature = "record")]
pub mod record;

pub use client::{Client, ClientBuilder};

// The generated surface: models, resource accessors and request builders, webhook events and
// the triggers registry, produced by `lever-codegen` from the spec at build time (build.rs).
// Generated code uses the runtime only through `::lever_client::__private` and the public
// types re-exported above.
mod generated;
pub mod triggers;
pub mod webhooks;

pub use generated::{models, resources, spec_info};
