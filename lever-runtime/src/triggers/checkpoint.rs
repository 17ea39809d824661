//! Poll checkpoints and where they are kept: [`CheckpointStore`], [`MemoryStore`],
//! [`FileStore`].

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::source::PollEmit;
use crate::Timestamp;

/// How far polling one list (e.g. `/postings` by `updatedAt`) has got for one connected
/// account. Every trigger on that list shares it (see [`PollRule::checkpoint_name`]).
///
/// [`PollRule::checkpoint_name`]: super::PollRule::checkpoint_name
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The high-water mark: the largest cursor value (e.g. `updatedAt`) handled so far, or the
    /// start time before anything was handled. The next poll asks for items from
    /// `since - overlap` on.
    pub since: Timestamp,
    /// Items already handled near the boundary, as `(id, cursor value)`: the overlap returns
    /// them again and they are skipped.
    #[serde(default)]
    pub seen: Vec<(String, Timestamp)>,
    /// Items whose cursor value is below `floor` are never emitted: the poller sets it to its
    /// start time when it creates the first checkpoint, so changes made before it started do
    /// not fire even though the overlap asks for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<Timestamp>,
}

impl Checkpoint {
    /// A checkpoint at `since` with nothing seen and no floor.
    pub fn new(since: Timestamp) -> Self {
        Checkpoint {
            since,
            seen: Vec::new(),
            floor: None,
        }
    }

    /// The first checkpoint of a poller that starts at `start`: nothing before `start` fires.
    pub fn starting_at(start: Timestamp) -> Self {
        Checkpoint {
            since: start,
            seen: Vec::new(),
            floor: Some(start),
        }
    }

    /// The checkpoint of a list, carried over from the per-trigger checkpoints that older
    /// versions kept for the triggers on it (each with the items its trigger fires for), or
    /// `None` when there are none. It is no further than any of them, so no trigger misses
    /// what it had still to handle: the earliest `since` and `floor` (no floor if one has
    /// none), and as handled only the items every one of them handled.
    ///
    /// An item that a `Created` trigger (or, without one, any trigger) had seen is not new,
    /// even where another trigger had not seen it yet: it is kept as an entry whose cursor is
    /// `i64::MIN`, which no listed item ever has, so it marks the ID as known without marking
    /// any version as handled. Such entries are dropped by the next complete poll, which
    /// lists and records every current version in the window.
    pub(crate) fn carried_over(legacy: Vec<(Checkpoint, PollEmit)>) -> Option<Checkpoint> {
        let decides_creation = legacy.iter().any(|(_, emit)| *emit != PollEmit::Updated);
        let mut known: Vec<String> = legacy
            .iter()
            .filter(|(_, emit)| !decides_creation || *emit != PollEmit::Updated)
            .flat_map(|(cp, _)| cp.seen.iter().map(|(id, _)| id.clone()))
            .collect();
        let mut iter = legacy.into_iter().map(|(cp, _)| cp);
        let mut merged = iter.next()?;
        for cp in iter {
            merged.since = merged.since.min(cp.since);
            merged.floor = match (merged.floor, cp.floor) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            };
            merged.seen.retain(|item| cp.seen.contains(item));
        }
        known.sort_unstable();
        known.dedup();
        for id in known {
            if !merged.seen.iter().any(|(seen, _)| *seen == id) {
                merged.seen.push((id, Timestamp(i64::MIN)));
            }
        }
        Some(merged)
    }
}

/// A store of [`Checkpoint`]s, keyed by (connected account, checkpoint name).
///
/// The [`Poller`](super::Poller) keeps one checkpoint per polled list and passes
/// [`PollRule::checkpoint_name`](super::PollRule::checkpoint_name) as the `trigger` key (e.g.
/// `/postings?updated_at_start&confidentiality=all#updatedAt/createdAt`, shared by "Posting
/// Created" and "Posting Updated"). Checkpoints of versions that kept one per trigger, under
/// the trigger's name, are read once to carry their progress over, and left in place.
///
/// Implement it over your database to run pollers on many machines; [`FileStore`] serves one
/// machine and [`MemoryStore`] serves tests. `save` must be durable when it returns: the
/// poller saves only after a handler succeeded, and relies on it to never lose a change.
pub trait CheckpointStore: Send + Sync {
    /// The checkpoint for `(account, trigger)` (`trigger` is a checkpoint name), or `None` if
    /// none was saved.
    fn load<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, StoreError>>;

    /// Saves (replaces) the checkpoint for `(account, trigger)`.
    fn save<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<S: CheckpointStore + ?Sized> CheckpointStore for Arc<S> {
    fn load<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, StoreError>> {
        (**self).load(account, trigger)
    }

    fn save<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).save(account, trigger, checkpoint)
    }
}

/// Why a checkpoint could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file operation failed.
    #[error("checkpoint I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A stored checkpoint could not be decoded.
    #[error("corrupt checkpoint {}: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        message: String,
    },
    /// An error from a custom store.
    #[error("checkpoint store error: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Checkpoints in memory, for tests. Clones share the same map.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    map: Arc<Mutex<HashMap<(String, String), Checkpoint>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// The stored checkpoint for `(account, trigger)`, synchronously.
    pub fn get(&self, account: &str, trigger: &str) -> Option<Checkpoint> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(account.to_owned(), trigger.to_owned()))
            .cloned()
    }
}

impl CheckpointStore for MemoryStore {
    fn load<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, StoreError>> {
        let found = self.get(account, trigger);
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((account.to_owned(), trigger.to_owned()), checkpoint.clone());
        Box::pin(async { Ok(()) })
    }
}

/// Checkpoints as JSON files under a directory: `<dir>/<account>/<name>.json`, with unusual
/// characters in the account ID and the checkpoint name percent-encoded.
///
/// Saves are atomic and durable: the JSON is written to a temporary file in the same
/// directory, flushed to disk, renamed over the old file, and the directory is flushed too
/// (where the platform allows). A crash leaves either the old or the new checkpoint.
/// Several processes must not poll the same (account, list) with one directory.
#[derive(Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore").field("dir", &self.dir).finish()
    }
}

impl FileStore {
    /// A store under `dir` (created on the first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the checkpoint for `(account, trigger)`.
    pub fn path_for(&self, account: &str, trigger: &str) -> PathBuf {
        self.dir
            .join(file_name_component(account))
            .join(format!("{}.json", file_name_component(trigger)))
    }
}

/// Keeps ASCII letters, digits, `-` and `_`; percent-encodes every other byte, so any string
/// gives a distinct, safe file name (never `.`, `..`, or one with a separator).
fn file_name_component(s: &str) -> String {
    if s.is_empty() {
        return "%".to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

fn load_file(path: &Path) -> Result<Option<Checkpoint>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StoreError::Corrupt {
            path: path.to_owned(),
            message: e.to_string(),
        })
}

fn save_file(path: &Path, checkpoint: &Checkpoint) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let json = serde_json::to_vec_pretty(checkpoint).map_err(|e| StoreError::Corrupt {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let suffix: u64 = rand::thread_rng().gen();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{suffix:016x}.tmp"));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_error(&tmp))?;
        file.write_all(&json).map_err(io_error(&tmp))?;
        file.sync_all().map_err(io_error(&tmp))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(io_error(path))
    })();
    if result.is_err() {
        // Best effort: do not leave temporary files behind.
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // Make the rename durable. Opening a directory is not possible on every platform
    // (Windows), so failures here are ignored: the data itself is already on disk.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl CheckpointStore for FileStore {
    fn load<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
    ) -> BoxFuture<'a, Result<Option<Checkpoint>, StoreError>> {
        let path = self.path_for(account, trigger);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || load_file(&path))
                .await
                .map_err(|e| StoreError::Other(Box::new(e)))?
        })
    }

    fn save<'a>(
        &'a self,
        account: &'a str,
        trigger: &'a str,
        checkpoint: &'a Checkpoint,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let path = self.path_for(account, trigger);
        let checkpoint = checkpoint.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || save_file(&path, &checkpoint))
                .await
                .map_err(|e| StoreError::Other(Box::new(e)))?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(file_name_component("acct-1_A"), "acct-1_A");
        assert_eq!(file_name_component(".."), "%2E%2E");
        assert_eq!(file_name_component("a/b"), "a%2Fb");
        assert_eq!(file_name_component(""), "%");
        assert_ne!(file_name_component("a%2F"), file_name_component("a/"));
        assert_eq!(file_name_component("é"), "%C3%A9");
    }

    #[tokio::test]
    async fn file_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        assert_eq!(store.load("acc/1", "posting_created").await.unwrap(), None);
        let cp = Checkpoint {
            since: Timestamp(42),
            seen: vec![("p1".into(), Timestamp(41))],
            floor: Some(Timestamp(40)),
        };
        store.save("acc/1", "posting_created", &cp).await.unwrap();
        assert_eq!(
            store.load("acc/1", "posting_created").await.unwrap(),
            Some(cp.clone())
        );
        let newer = Checkpoint::new(Timestamp(50));
        store
            .save("acc/1", "posting_created", &newer)
            .await
            .unwrap();
        assert_eq!(
            store.load("acc/1", "posting_created").await.unwrap(),
            Some(newer)
        );
        // No temporary files are left behind.
        let files: Vec<_> = std::fs::read_dir(dir.path().join("acc%2F1"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            files,
            vec![std::ffi::OsString::from("posting_created.json")]
        );
        // A corrupt file is a typed error.
        std::fs::write(store.path_for("acc/1", "posting_created"), b"{not json").unwrap();
        assert!(matches!(
            store.load("acc/1", "posting_created").await,
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn carried_over_is_behind_every_checkpoint() {
        assert_eq!(Checkpoint::carried_over(Vec::new()), None);
        let a = Checkpoint {
            since: Timestamp(50),
            seen: vec![("p1".into(), Timestamp(49)), ("p2".into(), Timestamp(50))],
            floor: Some(Timestamp(10)),
        };
        let b = Checkpoint {
            since: Timestamp(40),
            seen: vec![("p0".into(), Timestamp(40)), ("p1".into(), Timestamp(49))],
            floor: Some(Timestamp(20)),
        };
        // `a` decides what is created: p2 (seen by it only) is known, not handled; p0 (seen
        // by the Updated trigger only) is neither.
        let merged = Checkpoint::carried_over(vec![
            (a.clone(), PollEmit::Created),
            (b.clone(), PollEmit::Updated),
        ])
        .unwrap();
        assert_eq!(
            merged,
            Checkpoint {
                since: Timestamp(40),
                seen: vec![
                    ("p1".into(), Timestamp(49)),
                    ("p2".into(), Timestamp(i64::MIN))
                ],
                floor: Some(Timestamp(10)),
            }
        );
        // Without a Created trigger, every ID seen is known.
        let merged = Checkpoint::carried_over(vec![
            (a.clone(), PollEmit::Updated),
            (b.clone(), PollEmit::Updated),
        ])
        .unwrap();
        assert_eq!(merged.seen.len(), 3);
        let no_floor = Checkpoint::new(Timestamp(60));
        assert_eq!(
            Checkpoint::carried_over(vec![(a, PollEmit::All), (no_floor, PollEmit::All)])
                .unwrap()
                .floor,
            None
        );
        assert_eq!(
            Checkpoint::carried_over(vec![(b.clone(), PollEmit::Created)]),
            Some(b)
        );
    }

    #[tokio::test]
    async fn memory_store() {
        let store = MemoryStore::new();
        assert_eq!(store.load("a", "t").await.unwrap(), None);
        store
            .save("a", "t", &Checkpoint::new(Timestamp(1)))
            .await
            .unwrap();
        assert_eq!(store.get("a", "t"), Some(Checkpoint::new(Timestamp(1))));
        assert_eq!(store.load("a", "u").await.unwrap(), None);
    }
}
