//! The runtime contract used by generated code. Not a public API: it may change in any
//! release without notice.

use futures::stream::{self, StreamExt as _};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

pub use crate::api_request::{ApiRequest, RequestBody as Body};
pub use crate::codegen_support::*;
pub use crate::error::describe::describe as describe_json_error;
pub use crate::form::FormBody;
pub use crate::response_future::{Binary, Data, Empty, ResponseKind, Whole};

/// Contract 2 between generated code and this runtime. Code generated outside this crate
/// (`lever_macros::overlay!`) comes wrapped in this macro, the number being
/// `lever_codegen::RUNTIME_CONTRACT` of the generator that wrote it. A `lever-macros` built
/// for a runtime without this contract then fails with one error, "cannot find macro
/// `__lever_client_runtime_contract_2`", instead of one error per generated item. When the
/// contract changes, both numbers go up, and the old macro stays here as a `compile_error!`
/// that says which side to update.
///
/// Contract 2: `object_serde!` also writes the object's redacting `Debug` (generated objects no
/// longer derive it), and IDs, enums and builders use `debug_shown!`/`redacted_debug!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __lever_client_runtime_contract_2 {
    ($($generated:tt)*) => { $($generated)* };
}

/// Contract 1: code from a generator older than this runtime.
#[doc(hidden)]
#[macro_export]
macro_rules! __lever_client_runtime_contract_1 {
    ($($generated:tt)*) => {
        ::std::compile_error!(
            "this code was generated for an older lever-client (runtime contract 1, this \
             lever-client has contract 2): update lever-macros and lever-codegen to the \
             version of lever-client, then rebuild"
        );
    };
}

use crate::client::Client;
use crate::error::Error;
use crate::pagination::PageGuard;
use crate::types::Page;

impl ApiRequest {
    fn url(&self, client: &Client) -> Result<url::Url, Error> {
        let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client.url(&self.path, &query)
    }
}

/// Unreserved characters (RFC 3986) stay; everything else is percent-encoded.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path parameter value so it stays one path segment (`/` becomes `%2F`).
pub fn encode_path_segment(s: &str) -> String {
    match s {
        // Dot segments would be resolved away by URL normalisation.
        "." => "%2E".to_owned(),
        ".." => "%2E%2E".to_owned(),
        _ => utf8_percent_encode(s, PATH_SEGMENT).to_string(),
    }
}

/// Decodes a JSON body as `T`; on failure an [`Error::Decode`] with the JSON path (the
/// decoder's message and a body snippet only in its sensitive detail).
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| Error::decode(e, body))?;
    de.end()
        .map_err(|e| Error::decode_at(".".into(), &e, body))?;
    Ok(value)
}

impl Client {
    /// Sends `req` and returns the body of a 2xx response. Non-generic.
    async fn send_for_body(&self, req: ApiRequest) -> Result<bytes::Bytes, Error> {
        self.send_for_success(req).await.map(|ok| ok.body)
    }

    /// Sends `req` and returns the status, headers and body of a 2xx response. Non-generic.
    pub(crate) async fn send_for_success(
        &self,
        req: ApiRequest,
    ) -> Result<crate::client::Success, Error> {
        let url = req.url(self)?;
        self.execute(&req.method, url, req.path_template, &req.body)
            .await
    }

    /// Streams the items of every page of a list, following `next` (sent back as `offset`)
    /// until `hasNext` is false. One page is held in memory at a time; an error is yielded and
    /// ends the stream. A `next` token that was already followed, or a page past
    /// [`DEFAULT_MAX_PAGES`](crate::DEFAULT_MAX_PAGES), ends it with [`Error::Pagination`].
    #[doc(hidden)]
    pub fn stream_items<T: DeserializeOwned + Send + 'static>(
        &self,
        req: ApiRequest,
    ) -> futures::stream::BoxStream<'static, Result<T, Error>> {
        self.stream_items_with_max_pages(req, crate::DEFAULT_MAX_PAGES)
    }

    /// [`Client::stream_items`] with another page cap (at least one page is fetched).
    #[doc(hidden)]
    pub fn stream_items_with_max_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        req: ApiRequest,
        max_pages: usize,
    ) -> futures::stream::BoxStream<'static, Result<T, Error>> {
        self.stream_pages(req, max_pages)
            .flat_map(|page| match page {
                Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
                Err(e) => stream::once(async { Err(e) }).right_stream(),
            })
            .boxed()
    }

    /// The walk behind [`Client::stream_items`], a page at a time: each item is the `data` of
    /// one page (the poller counts pages). An error is yielded after the items of the page
    /// that led to it, and ends the stream.
    #[doc(hidden)]
    pub fn stream_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        req: ApiRequest,
        max_pages: usize,
    ) -> impl futures::Stream<Item = Result<Vec<T>, Error>> + Send + 'static {
        let client = self.clone();
        let guard = PageGuard::new(req.path_template, max_pages, offset_of(&req));
        // (walk, pages fetched, items yielded so far): the counts go on each page's span.
        stream::unfold(
            (Walk::Fetch(req, guard), 0u64, 0u64),
            move |(walk, pages, items)| {
                let client = client.clone();
                async move {
                    let (req, mut guard) = match walk {
                        Walk::Fetch(req, guard) => (req, guard),
                        Walk::Fail(e) => return Some((Err(e), (Walk::Done, pages, items))),
                        Walk::Done => return None,
                    };
                    let span = tracing::debug_span!(
                        "lever.page",
                        path = %req.path_template,
                        page = pages + 1,
                        items_before = items,
                        items = tracing::field::Empty,
                    );
                    let fetched = async {
                        let body = client.send_for_body(req.clone()).await?;
                        decode::<Page<T>>(&body)
                    }
                    .instrument(span.clone())
                    .await;
                    let page = match fetched {
                        Ok(page) => page,
                        Err(e) => return Some((Err(e), (Walk::Done, pages + 1, items))),
                    };
                    span.record("items", page.data.len());
                    let items = items + page.data.len() as u64;
                    let then = match guard.next(page.has_next, page.next.as_deref()) {
                        Ok(Some(token)) => Walk::Fetch(with_offset(req, token), guard),
                        Ok(None) => Walk::Done,
                        // This page's items are yielded first, then the error.
                        Err(e) => Walk::Fail(e),
                    };
                    Some((Ok(page.data), (then, pages + 1, items)))
                }
            },
        )
    }
}

/// Where a list walk stands between two pages.
enum Walk {
    /// The next page to fetch.
    Fetch(ApiRequest, PageGuard),
    /// The walk must stop with this error.
    Fail(Error),
    /// Nothing more.
    Done,
}

/// The `offset` query parameter of `req`, if any.
fn offset_of(req: &ApiRequest) -> Option<&str> {
    req.query
        .iter()
        .find(|(k, _)| *k == "offset")
        .map(|(_, v)| v.as_str())
}

/// `req` with its `offset` replaced by `token`.
fn with_offset(mut req: ApiRequest, token: &str) -> ApiRequest {
    req.query.retain(|(k, _)| *k != "offset");
    req.query.push(("offset", token.to_owned()));
    req
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response_future::Data;
    use http::Method;
    use serde::Deserialize;

    #[test]
    fn path_segments() {
        assert_eq!(encode_path_segment("abc-123_x.y~z"), "abc-123_x.y~z");
        assert_eq!(encode_path_segment("a/b c?d#e%"), "a%2Fb%20c%3Fd%23e%25");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
    }

    #[test]
    fn with_offset_replaces_offset() {
        let mut req = ApiRequest::new(Method::GET, "/postings", "/postings");
        req.query.push(("limit", "2".into()));
        req.query.push(("offset", "old".into()));
        assert_eq!(offset_of(&req), Some("old"));
        let next = with_offset(req, "%5B1%5D");
        assert_eq!(
            next.query,
            vec![
                ("limit", "2".to_string()),
                ("offset", "%5B1%5D".to_string())
            ]
        );
    }

    #[test]
    fn decode_reports_path_and_snippet() {
        let body = br#"{"data": {"items": [{"n": 1}, {"n": "two"}]}}"#;
        #[derive(Debug, Deserialize)]
        struct Item {
            #[allow(dead_code)]
            n: i64,
        }
        #[derive(Debug, Deserialize)]
        struct Items {
            #[allow(dead_code)]
            items: Vec<Item>,
        }
        let e = Data::<Items>::decode(bytes::Bytes::from_static(body)).unwrap_err();
        let Error::Decode { path, found, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(path, "data.items[1].n");
        assert_eq!(
            *found,
            crate::error::Found::WrongKind(crate::error::JsonKind::String)
        );
        assert_eq!(
            e.to_string(),
            "could not decode the response at data.items[1].n: expected i64, found a string"
        );
        let detail = e.sensitive_detail().unwrap_or_default();
        assert!(detail.contains("\"two\""), "{detail}");
        assert!(detail.contains("(body: {\"data\""), "{detail}");
        let e = decode::<serde_json::Value>(b"{} trailing").unwrap_err();
        assert_eq!(
            e.to_string(),
            "could not decode the response at .: expected valid JSON, found text that is not JSON"
        );
    }
}
