//! The runtime's one generic send ([`Client::dispatch`]) under a name per kind of response,
//! for tests that send a hand-made [`ApiRequest`] and read best saying what they expect back.

use lever_client::__private::{Binary, Data, Empty, Whole};
use lever_client::{ApiRequest, Client, Page, ResponseFuture};
use serde::de::DeserializeOwned;

/// `client.send_data(req)` and friends, as generated builders send them.
pub trait SendAs {
    /// Decodes Lever's `{"data": T}` envelope.
    fn send_data<T: DeserializeOwned + Send + 'static>(&self, req: ApiRequest)
        -> ResponseFuture<T>;
    /// Decodes the whole body as `T`.
    fn send_raw<T: DeserializeOwned + Send + 'static>(&self, req: ApiRequest) -> ResponseFuture<T>;
    /// Decodes one list page.
    fn send_page<T: DeserializeOwned + Send + 'static>(
        &self,
        req: ApiRequest,
    ) -> ResponseFuture<Page<T>>;
    /// Expects any 2xx and ignores the body.
    fn send_empty(&self, req: ApiRequest) -> ResponseFuture<()>;
    /// Returns the body's bytes.
    fn send_bytes(&self, req: ApiRequest) -> ResponseFuture<lever_client::__private::Bytes>;
}

impl SendAs for Client {
    fn send_data<T: DeserializeOwned + Send + 'static>(
        &self,
        req: ApiRequest,
    ) -> ResponseFuture<T> {
        self.dispatch::<Data<T>>(Ok(req))
    }
    fn send_raw<T: DeserializeOwned + Send + 'static>(&self, req: ApiRequest) -> ResponseFuture<T> {
        self.dispatch::<Whole<T>>(Ok(req))
    }
    fn send_page<T: DeserializeOwned + Send + 'static>(
        &self,
        req: ApiRequest,
    ) -> ResponseFuture<Page<T>> {
        self.dispatch::<Whole<Page<T>>>(Ok(req))
    }
    fn send_empty(&self, req: ApiRequest) -> ResponseFuture<()> {
        self.dispatch::<Empty>(Ok(req))
    }
    fn send_bytes(&self, req: ApiRequest) -> ResponseFuture<lever_client::__private::Bytes> {
        self.dispatch::<Binary>(Ok(req))
    }
}
