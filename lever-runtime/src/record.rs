//! `ClientBuilder::record_to` (feature `record`): each successful response written as a
//! recording for `lever-codegen drift`, `{"method", "path", "status", "response"}`, with
//! personal data redacted so that users can share the files.
//!
//! The runtime has no types for a raw body, so redaction goes by shape: every string is
//! replaced by a placeholder of the same kind (an email stays an email, a URL a URL) unless it
//! is an ID (under a key `id`, `…Id` or `…Ids`, or shaped like Lever's UUIDs), an enum value
//! the spec knows, or a numeric string (a timestamp or size). Numbers become `0` (or `0.0`)
//! unless they look like a timestamp (a key ending in `At` or `Date`, `date`, or a value of at
//! least 10^11 ms, 1973). Keys, booleans and `null` are kept: they carry no value of their own.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Map, Value};

/// Writes recordings into a folder.
#[derive(Debug)]
pub(crate) struct Recorder {
    dir: PathBuf,
    counter: AtomicU64,
    known_enum_values: &'static [&'static str],
}

impl Recorder {
    pub(crate) fn new(dir: PathBuf, known_enum_values: &'static [&'static str]) -> Recorder {
        Recorder {
            dir,
            counter: AtomicU64::new(0),
            known_enum_values,
        }
    }

    /// Writes one call; failures are logged, never returned (recording must not break calls).
    pub(crate) fn record(&self, method: &str, path: &str, status: u16, body: &[u8]) {
        let response = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(value) => redact(&value, self.known_enum_values),
                // Not JSON (a download): nothing the drift check reads.
                Err(_) => return,
            }
        };
        let call =
            json!({ "method": method, "path": path, "status": status, "response": response });
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let slug: String = path
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(80)
            .collect();
        let name = format!(
            "{}-{n:05}-{}{slug}.json",
            crate::Timestamp::now().as_millis(),
            method.to_ascii_lowercase()
        );
        let result = std::fs::create_dir_all(&self.dir).and_then(|()| {
            std::fs::write(
                self.dir.join(name),
                serde_json::to_vec_pretty(&call).unwrap_or_default(),
            )
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot write a recording");
        }
    }
}

/// The redacted copy of a response body (see the module docs for what is kept);
/// `known_enum_values`, sorted, are the enum values kept as they are.
pub fn redact(value: &Value, known_enum_values: &[&str]) -> Value {
    redact_under(value, None, known_enum_values)
}

fn redact_under(value: &Value, key: Option<&str>, enums: &[&str]) -> Value {
    match value {
        Value::String(s) => Value::String(redact_string(s, key, enums)),
        Value::Number(n) => {
            if key.is_some_and(is_timestamp_key) || n.as_f64().is_some_and(|f| f >= 1e11) {
                value.clone()
            } else if n.is_f64() {
                json!(0.0)
            } else {
                json!(0)
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| redact_under(v, key, enums)).collect())
        }
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| (k.clone(), redact_under(v, Some(k), enums)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Bool(_) | Value::Null => value.clone(),
    }
}

fn is_id_key(key: &str) -> bool {
    key == "id" || key.ends_with("Id") || key.ends_with("Ids")
}

fn is_timestamp_key(key: &str) -> bool {
    key == "date" || key.ends_with("At") || key.ends_with("Date")
}

/// Lever's IDs: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn redact_string(s: &str, key: Option<&str>, enums: &[&str]) -> String {
    let numeric = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let keep = s.is_empty()
        || key.is_some_and(is_id_key)
        || is_uuid(s)
        || numeric
        || enums.binary_search(&s).is_ok();
    if keep {
        return s.to_string();
    }
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if s.contains('@') {
        "redacted@example.invalid".into()
    } else if s.starts_with("https://") || s.starts_with("http://") {
        "https://redacted.invalid/".into()
    } else if digits >= 7
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b" +-().".contains(&b))
    {
        "+10000000000".into()
    } else {
        "redacted".into()
    }
}
