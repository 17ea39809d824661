//! Passthrough requests to any Lever path.

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::__private::{decode, Body};
use crate::client::Client;
use crate::error::Error;
use crate::types::FilePart;

/// A request to any Lever path, built by [`Client::request`].
///
/// Uses the client's auth, rate limit and retries. The path is relative to the base URL and
/// sent as given (percent-encode IDs with care); query values are encoded for you.
///
/// ```no_run
/// # async fn demo(client: lever_client::Client) -> Result<(), lever_client::Error> {
/// use lever_client::Method;
/// use serde_json::json;
///
/// let note = client
///     .request(Method::POST, "/opportunities/250d8f03-738a-4bba-a671-8a3d73477145/notes")
///     .query_pair("perform_as", "8d49b010-cc6a-4f40-ace5-e86061c677ed")
///     .json(&json!({ "value": "Great call today" }))
///     .send()
///     .await?;
/// println!("{}", note["data"]["id"]);
/// # Ok(()) }
/// ```
#[must_use = "a request does nothing until `.send()` is awaited"]
#[derive(Debug)]
pub struct RawRequest {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Body,
    error: Option<Error>,
}

impl RawRequest {
    pub(crate) fn new(client: Client, method: Method, path: &str) -> Self {
        RawRequest {
            client,
            method,
            path: path.to_owned(),
            query: Vec::new(),
            body: Body::None,
            error: None,
        }
    }

    /// Adds query parameters from a struct or map. Sequences repeat the name
    /// (`{"expand": ["a", "b"]}` → `expand=a&expand=b`); `null`/`None` values are left out.
    /// A list of `(name, value)` pairs works too.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        match serde_json::to_value(query)
            .map_err(Error::Serialize)
            .and_then(query_pairs)
        {
            Ok(pairs) => self.query.extend(pairs),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Adds one query parameter (may repeat a name).
    pub fn query_pair(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sends a JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match Body::json(body) {
            Ok(b) => self.body = b,
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sends a file as `multipart/form-data` (one part named `file`).
    pub fn file(mut self, file: FilePart) -> Self {
        self.body = Body::File(file);
        self
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    async fn execute(self) -> Result<(StatusCode, bytes::Bytes), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let query: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = self.client.url(&self.path, &query)?;
        let ok = self
            .client
            .execute(&self.method, url, "(raw)", &self.body)
            .await?;
        Ok((ok.status, ok.body))
    }

    /// Sends the request and returns the whole JSON body (`Value::Null` for 204 or an empty
    /// body).
    pub async fn send(self) -> Result<Value, Error> {
        let (status, body) = self.execute().await?;
        if status == StatusCode::NO_CONTENT || body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        decode(&body)
    }

    /// Sends the request and decodes the whole body (no envelope is removed) as `T`.
    pub async fn send_as<T: DeserializeOwned>(self) -> Result<T, Error> {
        let (_, body) = self.execute().await?;
        decode(&body)
    }

    /// Sends the request and returns the raw body bytes.
    pub async fn send_bytes(self) -> Result<bytes::Bytes, Error> {
        self.execute().await.map(|(_, b)| b)
    }
}

/// Flattens a serialised query into name/value pairs.
fn query_pairs(value: Value) -> Result<Vec<(String, String)>, Error> {
    fn scalar(v: Value) -> Result<Option<String>, Value> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Bool(b) => Ok(Some(b.to_string())),
            Value::Number(n) => Ok(Some(n.to_string())),
            other => Err(other),
        }
    }
    let nested =
        |name: &str| Error::InvalidInput(format!("query parameter {name:?} has a nested value"));
    let mut out = Vec::new();
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Array(items) => {
                        for item in items {
                            match scalar(item) {
                                Ok(Some(s)) => out.push((k.clone(), s)),
                                Ok(None) => {}
                                Err(_) => return Err(nested(&k)),
                            }
                        }
                    }
                    v => match scalar(v) {
                        Ok(Some(s)) => out.push((k, s)),
                        Ok(None) => {}
                        Err(_) => return Err(nested(&k)),
                    },
                }
            }
        }
        Value::Array(pairs) => {
            for pair in pairs {
                let Value::Array(mut kv) = pair else {
                    return Err(Error::InvalidInput(
                        "a query list must hold (name, value) pairs".into(),
                    ));
                };
                if kv.len() != 2 {
                    return Err(Error::InvalidInput(
                        "a query list must hold (name, value) pairs".into(),
                    ));
                }
                let v = kv.pop().unwrap_or(Value::Null);
                let k = match kv.pop() {
                    Some(Value::String(k)) => k,
                    _ => {
                        return Err(Error::InvalidInput(
                            "query parameter names must be strings".into(),
                        ))
                    }
                };
                match scalar(v) {
                    Ok(Some(s)) => out.push((k, s)),
                    Ok(None) => {}
                    Err(_) => return Err(nested(&k)),
                }
            }
        }
        _ => {
            return Err(Error::InvalidInput(
                "the query must serialise to a map, a struct or a list of pairs".into(),
            ))
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_flattening() {
        let mut p =
            query_pairs(json!({"limit": 10, "expand": ["a", "b"], "x": null, "t": true})).unwrap();
        p.sort(); // map order depends on serde_json features
        assert_eq!(
            p,
            vec![
                ("expand".to_string(), "a".to_string()),
                ("expand".into(), "b".into()),
                ("limit".into(), "10".into()),
                ("t".into(), "true".into()),
            ]
        );
        let p = query_pairs(serde_json::to_value([("a", "1"), ("a", "2")]).unwrap()).unwrap();
        assert_eq!(p, vec![("a".into(), "1".into()), ("a".into(), "2".into())]);
        assert!(query_pairs(json!({"a": {"b": 1}})).is_err());
        assert!(query_pairs(json!(3)).is_err());
    }
}
