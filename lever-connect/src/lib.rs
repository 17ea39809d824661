#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc = include_str!("../README.md")]

mod checkpoints;
mod connections;
pub mod crypto;
mod error;
pub mod inbox;
#[cfg(feature = "axum")]
pub mod routes;
mod secrets;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod time;
mod tokens;
pub mod worker;

pub use checkpoints::StoreCheckpoints;
pub use connections::{
    Callback, ConnectionEvent, ConnectionInfo, Connections, ConnectionsBuilder, OAuthApp,
    WebhookSetup,
};
pub use crypto::Keyring;
pub use error::ConnectError;
pub use inbox::{Inbox, InboxRun, InboxStatus, RetryPolicy};
pub use store::{ConnectionKind, ConnectionStatus, SqlStore, Store, StoreError};
pub use worker::{StatusHandle, Worker, WorkerStatus};
