//! What a request builder's `.send()` returns, and how each kind of Lever response is read.
//!
//! Generated builders call [`Client::dispatch`] or [`Client::dispatch_with_meta`] from a plain
//! function instead of being `async fn`s themselves: the one async body lives here, generic
//! over the response kind, so the compiler checks it once, here, instead of once per action
//! in the generated code (this was the largest part of compiling the generated builders; see
//! the features rows of the README's benchmark table).

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::api_request::ApiRequest;
use crate::client::Client;
use crate::error::Error;
use crate::types::Response;

/// The future returned by a request builder's `.send()` and `.send_with_meta()`: await it for
/// the decoded response.
///
/// It owns its request and a handle to the client, so it is `Send + 'static` and can be
/// spawned or stored; like any future, it does nothing until polled.
#[must_use = "a request does nothing until its future is awaited"]
pub struct ResponseFuture<T> {
    inner: BoxFuture<'static, Result<T, Error>>,
}

impl<T> ResponseFuture<T> {
    fn new(future: impl Future<Output = Result<T, Error>> + Send + 'static) -> Self {
        ResponseFuture {
            inner: Box::pin(future),
        }
    }
}

impl<T> Future for ResponseFuture<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<T> fmt::Debug for ResponseFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// How the body of a 2xx answer becomes a builder's result. One marker type per kind of
/// response in the spec; generated code names them through `__private`.
pub trait ResponseKind: 'static {
    /// What `.send()` returns.
    type Output: Send + 'static;

    /// Decodes a successful response body.
    fn decode(body: Bytes) -> Result<Self::Output, Error>;
}

/// Lever's `{"data": T}` envelope (other top-level keys such as `deduped` are ignored).
pub struct Data<T>(PhantomData<fn() -> T>);

/// The whole body as `T`: list pages and the few answers without an envelope.
pub struct Whole<T>(PhantomData<fn() -> T>);

/// Any 2xx (typically 204); the body is ignored.
pub struct Empty;

/// The body's bytes (file downloads).
pub struct Binary;

#[derive(Deserialize)]
struct DataEnvelope<T> {
    data: T,
}

impl<T: DeserializeOwned + Send + 'static> ResponseKind for Data<T> {
    type Output = T;

    fn decode(body: Bytes) -> Result<T, Error> {
        crate::__private::decode::<DataEnvelope<T>>(&body).map(|envelope| envelope.data)
    }
}

impl<T: DeserializeOwned + Send + 'static> ResponseKind for Whole<T> {
    type Output = T;

    fn decode(body: Bytes) -> Result<T, Error> {
        crate::__private::decode(&body)
    }
}

impl ResponseKind for Empty {
    type Output = ();

    fn decode(_body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}

impl ResponseKind for Binary {
    type Output = Bytes;

    fn decode(body: Bytes) -> Result<Bytes, Error> {
        Ok(body)
    }
}

impl Client {
    /// Sends a generated builder's request (or reports why it could not be built) and decodes
    /// the answer as `K` says.
    #[doc(hidden)]
    pub fn dispatch<K: ResponseKind>(
        &self,
        req: Result<ApiRequest, Error>,
    ) -> ResponseFuture<K::Output> {
        // A handle of its own (an `Arc` clone), so the future borrows nothing.
        let client = self.clone();
        ResponseFuture::new(async move {
            let ok = client.send_for_success(req?).await?;
            K::decode(ok.body)
        })
    }

    /// [`Client::dispatch`] with the HTTP status and headers.
    #[doc(hidden)]
    pub fn dispatch_with_meta<K: ResponseKind>(
        &self,
        req: Result<ApiRequest, Error>,
    ) -> ResponseFuture<Response<K::Output>> {
        let client = self.clone();
        ResponseFuture::new(async move {
            let ok = client.send_for_success(req?).await?;
            Ok(Response {
                status: ok.status,
                headers: ok.headers,
                body: K::decode(ok.body)?,
            })
        })
    }
}
