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
/// Uses the client's auth, rate limit and retries. The path is relative to the base URL.
/// It may be a **template**: a segment written `{name}` or `:name` (the integration
/// platforms' syntax) is filled by [`RawRequest::path_param`] with the value
/// percent-encoded as one segment; a template segment left without a value, or a value for a
/// name the template does not have, is an [`Error::InvalidInput`] before anything is sent.
/// Other segments are sent as given (percent-encode them yourself); query values are encoded
/// for you. Traces show the path as written (the template), not the values.
///
/// ```no_run
/// # async fn demo(client: lever_client::Client) -> Result<(), lever_client::Error> {
/// use lever_client::Method;
///
/// let feedback = client
///     .request(Method::GET, "/opportunities/:opportunity/feedback/{feedback}")
///     .path_param("opportunity", "250d8f03-738a-4bba-a671-8a3d73477145")
///     .path_param("feedback", "b6c2a8b1-5f2b-4a38-9a8e-6c1c2f0c8d11")
///     .send()
///     .await?;
/// # let _ = feedback; Ok(()) }
/// ```
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
///
/// `Debug` shows the path as written and the names of path and query parameters, not their
/// values.
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct RawRequest {
    client: Client,
    method: Method,
    path: String,
    path_params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Body,
    deadline: Option<Option<std::time::Duration>>,
    error: Option<Error>,
}

impl std::fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::ParamNames;
        f.debug_struct("RawRequest")
            .field("client", &self.client)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("path_params", &ParamNames(&self.path_params))
            .field("query", &ParamNames(&self.query))
            .field("body", &self.body)
            .field("deadline", &self.deadline)
            .field("error", &self.error)
            .finish()
    }
}

impl RawRequest {
    pub(crate) fn new(client: Client, method: Method, path: &str) -> Self {
        RawRequest {
            client,
            method,
            path: path.to_owned(),
            path_params: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            deadline: None,
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

    /// Fills the path template's `{name}` or `:name` segment with `value`, percent-encoded
    /// as one segment (`/` becomes `%2F`).
    pub fn path_param(mut self, name: impl Into<String>, value: impl AsRef<str>) -> Self {
        self.path_params
            .push((name.into(), value.as_ref().to_owned()));
        self
    }

    /// This call's overall deadline instead of the client's
    /// ([`ClientBuilder::deadline`](crate::ClientBuilder::deadline)); `None` for no limit.
    pub fn deadline(mut self, deadline: Option<std::time::Duration>) -> Self {
        self.deadline = Some(deadline);
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
        let path = fill_template(&self.path, &self.path_params)?;
        let url = self.client.url(&path, &query)?;
        let ok = match self.deadline {
            Some(deadline) => {
                self.client
                    .execute_with_deadline(&self.method, url, &self.path, &self.body, deadline)
                    .await?
            }
            None => {
                self.client
                    .execute(&self.method, url, &self.path, &self.body)
                    .await?
            }
        };
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

/// The parameter name of a template segment: `{name}` or `:name`.
fn template_name(segment: &str) -> Option<&str> {
    let name = segment
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .or_else(|| segment.strip_prefix(':'))?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then_some(name)
}

/// `path` with every template segment replaced by its value, percent-encoded.
fn fill_template(path: &str, params: &[(String, String)]) -> Result<String, Error> {
    let (path_part, rest) = match path.find('?') {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    let mut used = vec![false; params.len()];
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path_part.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let Some(name) = template_name(segment) else {
            out.push_str(segment);
            continue;
        };
        // The last value given for a name wins, as with a builder's setters.
        let Some(at) = params.iter().rposition(|(n, _)| n == name) else {
            return Err(Error::InvalidInput(format!(
                "the path {path:?} has a parameter `{name}` without a value: call .path_param({name:?}, value)"
            )));
        };
        for (j, (n, _)) in params.iter().enumerate() {
            if n == name {
                used[j] = true;
            }
        }
        out.push_str(&crate::__private::encode_path_segment(&params[at].1));
    }
    if let Some(j) = used.iter().position(|u| !u) {
        return Err(Error::InvalidInput(format!(
            "the path {path:?} has no parameter `{}` (write it as {{{}}} or :{})",
            params[j].0, params[j].0, params[j].0
        )));
    }
    out.push_str(rest);
    Ok(out)
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

    fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn templates_are_filled_and_encoded() {
        let p = params(&[("opportunity", "a/b c"), ("note", "..")]);
        assert_eq!(
            fill_template("/opportunities/:opportunity/notes/{note}", &p).unwrap(),
            "/opportunities/a%2Fb%20c/notes/%2E%2E"
        );
        // Plain paths, colons inside segments and queries pass through.
        assert_eq!(fill_template("/a:b/c?x=:y", &[]).unwrap(), "/a:b/c?x=:y");
        assert_eq!(
            fill_template("/x/{id}", &params(&[("id", "1"), ("id", "2")])).unwrap(),
            "/x/2"
        );
    }

    #[test]
    fn unfilled_or_unknown_parameters_are_refused() {
        let e = fill_template("/opportunities/:opportunity/notes", &[]).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput(m) if m.contains(".path_param(\"opportunity\", value)")),
            "{e}"
        );
        let e = fill_template(
            "/postings/{posting}",
            &params(&[("posting", "p"), ("typo", "x")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no parameter `typo`"), "{e}");
        assert!(
            !e.to_string().contains("\"x\""),
            "values stay out of errors: {e}"
        );
    }

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
