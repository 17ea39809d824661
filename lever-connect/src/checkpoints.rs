//! Poll checkpoints in the [`Store`], so that [`Poller`](lever_client::triggers::Poller)s
//! resume where they stopped — on this machine or, with PostgreSQL, on another.

use std::sync::Arc;

use futures::future::BoxFuture;
use lever_client::triggers::{Checkpoint, CheckpointStore, StoreError as CheckpointError};

use crate::store::Store;
use crate::time::now_ms;

/// A [`CheckpointStore`] over a [`Store`] (table `lever_checkpoints`, one JSON row per
/// account and trigger). `save` returns once the row is committed.
#[derive(Debug, Clone)]
pub struct StoreCheckpoints {
    store: Arc<dyn Store>,
}

impl StoreCheckpoints {
    /// Checkpoints kept in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        StoreCheckpoints { store }
    }
}

fn backend_error(e: impl std::error::Error + Send + Sync + 'static) -> CheckpointError {
    CheckpointError::Other(Box::new(e))
}

impl CheckpointStore for StoreCheckpoints {
    fn load<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, CheckpointError>> {
        Box::pin(async move {
            let Some(json) = self
                .store
                .checkpoint(account, trigger)
                .await
                .map_err(backend_error)?
            else {
                return Ok(None);
            };
            serde_json::from_str(&json).map(Some).map_err(backend_error)
        })
    }

    fn save<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), CheckpointError>> {
        Box::pin(async move {
            let json = serde_json::to_string(checkpoint).map_err(backend_error)?;
            self.store
                .put_checkpoint(account, trigger, &json, now_ms())
                .await
                .map_err(backend_error)
        })
    }
}
