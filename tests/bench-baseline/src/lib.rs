//! Touches each of lever-client's dependencies once, with no API surface of its own: the
//! compile-time baseline for `tests/benches/ratios.rs`.

use base64::Engine as _;
use futures::StreamExt as _;
use hmac::{KeyInit as _, Mac as _};
use rand::Rng as _;

/// One error type (thiserror).
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// A JSON error.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// One serde type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// An id.
    pub id: String,
}

/// Uses every dependency once.
pub async fn touch(body: &[u8]) -> Result<usize, BaselineError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let item: Option<Item> = serde_path_to_error::deserialize(de).ok();
    let client = reqwest::Client::builder().build().ok();
    tokio::time::sleep(std::time::Duration::from_millis(0)).await;
    let n = futures::stream::iter([1, 2]).count().await;
    let method = http::Method::GET;
    let bytes = bytes::Bytes::from_static(b"x");
    tracing::debug!(n, "touched");
    let r: u8 = rand::thread_rng().gen();
    let b64 = base64::engine::general_purpose::STANDARD.encode([r]);
    let url = url::Url::parse("http://127.0.0.1/v1").ok();
    let enc = percent_encoding::utf8_percent_encode("a b", percent_encoding::NON_ALPHANUMERIC);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"k").expect("any key length");
    mac.update(&bytes);
    let hex = hex::encode(mac.finalize().into_bytes());
    Ok(item.map_or(0, |i| i.id.len())
        + usize::from(client.is_some())
        + method.as_str().len()
        + b64.len()
        + url.map_or(0, |u| u.as_str().len())
        + enc.to_string().len()
        + hex.len()
        + memchr::memchr(b'x', &bytes).unwrap_or(0)
        + serde_json::to_vec(&serde_json::json!({ "n": n }))?.len())
}
