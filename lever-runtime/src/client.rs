//! The client and the request loop (tracing, metrics); its builder is in [`builder`], one
//! attempt (auth, rate limit, retries, deadline) in [`attempt`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use tracing::Instrument as _;

use crate::__private::Body;
use crate::auth::Auth;
use crate::config::{RateLimit, RetryPolicy};
use crate::error::Error;
use crate::rate_limit::RateLimiter;
use crate::raw::RawRequest;

mod attempt;
mod builder;

use attempt::{Attempts, Budget, Next};
pub use builder::ClientBuilder;
pub(crate) use builder::DEFAULT_USER_AGENT;

/// A Lever API client.
///
/// Cheap to clone: clones share one connection pool, one rate limiter and one OAuth token
/// state (so concurrent tasks cause at most one token refresh). `Debug` never shows a secret.
///
/// ```no_run
/// # fn demo() -> Result<(), lever_client::Error> {
/// let client = lever_client::Client::builder().api_key("my-api-key").build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// This handle's overall deadline when it differs from the builder's
    /// ([`Client::with_deadline`]); kept outside `inner` so the override shares everything else.
    deadline_override: Option<Option<Duration>>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth: Auth,
    limiter: Option<RateLimiter>,
    rate_limit: RateLimit,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    /// The per-attempt timeout the HTTP client was built with.
    attempt_timeout: Duration,
    /// Set when the app brought its own HTTP client: what our builder would have configured
    /// on it is applied to each request instead.
    per_request: Option<PerRequest>,
    /// A label for traces and metrics (e.g. your ID of the connected account).
    account: Option<String>,
    on_response: Option<ResponseHook>,
    #[cfg(feature = "record")]
    recorder: Option<crate::record::Recorder>,
}

type ResponseHook = Arc<dyn Fn(&RequestMetrics) + Send + Sync>;

/// What one call did, for [`ClientBuilder::on_response`]: enough to count requests, errors
/// and latency per action and per account. No secret, no body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestMetrics {
    /// The HTTP method.
    pub method: Method,
    /// The action's path template (e.g. `/postings/{posting}`), or a passthrough path as
    /// written.
    pub path: String,
    /// The client's account label ([`ClientBuilder::account`]).
    pub account: Option<String>,
    /// The status of the last answer, if any came.
    pub status: Option<StatusCode>,
    /// Attempts made (retries and the retry after a token refresh included).
    pub attempts: u32,
    /// From the first attempt (or rate-limit wait) to the result.
    pub duration: Duration,
    /// Whether the call succeeded.
    pub ok: bool,
}

/// Settings applied per request to an HTTP client the app supplied.
struct PerRequest {
    user_agent: http::HeaderValue,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.auth)
            .field("rate_limit", &self.inner.rate_limit)
            .field("retry", &self.inner.retry)
            .field("deadline", &self.deadline())
            .finish()
    }
}

/// The overall limit of one call unless the builder says otherwise.
pub(crate) const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// A successful response.
pub(crate) struct Success {
    pub(crate) status: StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The API base URL, without a trailing slash (e.g. `https://api.lever.co/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The overall deadline of each call made through this handle (`None`: no limit); see
    /// [`ClientBuilder::deadline`].
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline_override.unwrap_or(self.inner.deadline)
    }

    /// This client with another overall deadline per call (`None`: no limit). The copy shares
    /// the connection pool, rate limiter and token state; only calls made through it (or
    /// through request builders made from it) get the new deadline.
    ///
    /// ```no_run
    /// # async fn demo(client: lever_client::Client) -> Result<(), lever_client::Error> {
    /// use std::time::Duration;
    /// let hurried = client.with_deadline(Some(Duration::from_secs(5)));
    /// let page = hurried.request(lever_client::Method::GET, "/postings").send().await?;
    /// # let _ = page; Ok(()) }
    /// ```
    pub fn with_deadline(&self, deadline: Option<Duration>) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            deadline_override: Some(deadline),
        }
    }

    /// A request to any Lever path (relative to the base URL, e.g. `/opportunities`), with the
    /// same auth, rate limit and retries as typed calls.
    pub fn request(&self, method: Method, path: impl AsRef<str>) -> RawRequest {
        RawRequest::new(self.clone(), method, path.as_ref())
    }

    /// Joins a relative, already percent-encoded path (and query) to the base URL.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<url::Url, Error> {
        if path.contains("://") {
            return Err(Error::InvalidInput(format!(
                "the path {path:?} must be relative to the base URL"
            )));
        }
        let mut s = String::with_capacity(self.inner.base_url.len() + path.len() + 1);
        s.push_str(&self.inner.base_url);
        if !path.starts_with('/') {
            s.push('/');
        }
        s.push_str(path);
        let mut url = url::Url::parse(&s)
            .map_err(|e| Error::InvalidInput(format!("invalid request path {path:?}: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Sends a request through rate limit, auth and retries; returns a 2xx response or the
    /// error. Non-generic on purpose: every typed call funnels through here.
    pub(crate) async fn execute(
        &self,
        method: &Method,
        url: url::Url,
        path_template: &str,
        body: &Body,
    ) -> Result<Success, Error> {
        self.execute_with_deadline(method, url, path_template, body, self.deadline())
            .await
    }

    /// [`execute`](Client::execute) with its own overall deadline (`None`: no limit).
    pub(crate) async fn execute_with_deadline(
        &self,
        method: &Method,
        url: url::Url,
        path_template: &str,
        body: &Body,
        deadline: Option<Duration>,
    ) -> Result<Success, Error> {
        // Each field is recorded once, when the call ends (a field recorded twice shows twice
        // in most subscribers); per-attempt details are events inside the span.
        let span = tracing::info_span!(
            "lever.request",
            method = %method,
            path = %path_template,
            account = tracing::field::Empty,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        if let Some(account) = &self.inner.account {
            span.record("account", tracing::field::display(account));
        }
        #[cfg(feature = "record")]
        let url_path = url.path().to_owned();
        let start = std::time::Instant::now();
        let (result, attempts, status) = self
            .execute_in_span(method, url, body, deadline)
            .instrument(span.clone())
            .await;
        let duration = start.elapsed();
        if let Some(status) = status {
            span.record("status", status.as_u16());
        }
        span.record("attempts", attempts);
        span.record("duration_ms", duration.as_millis() as u64);
        #[cfg(feature = "record")]
        if let (Some(recorder), Ok(success)) = (&self.inner.recorder, &result) {
            recorder.record(
                method.as_str(),
                url_path.as_str(),
                success.status.as_u16(),
                &success.body,
            );
        }
        if let Some(hook) = &self.inner.on_response {
            hook(&RequestMetrics {
                method: method.clone(),
                path: path_template.to_owned(),
                account: self.inner.account.clone(),
                status,
                attempts,
                duration,
                ok: result.is_ok(),
            });
        }
        result
    }

    async fn execute_in_span(
        &self,
        method: &Method,
        url: url::Url,
        body: &Body,
        deadline: Option<Duration>,
    ) -> (Result<Success, Error>, u32, Option<StatusCode>) {
        let budget = Budget::starting_now(deadline);
        let mut attempts = Attempts::default();
        let result = loop {
            match self
                .attempt(method, &url, body, &budget, &mut attempts)
                .await
            {
                Next::Done(result) => break result,
                Next::Again => {}
                Next::After(delay) => tokio::time::sleep(delay).await,
            }
        };
        match &result {
            Ok(_) => tracing::debug!("lever request done"),
            Err(e) => tracing::debug!(error = %e, "lever request failed"),
        }
        (result, attempts.made, attempts.last_status)
    }
}

fn multipart(file: &crate::FilePart) -> Result<reqwest::multipart::Form, Error> {
    Ok(reqwest::multipart::Form::new().part("file", file_part(file)?))
}

/// One file as a multipart part, with its name and content type.
pub(crate) fn file_part(file: &crate::FilePart) -> Result<reqwest::multipart::Part, Error> {
    let len = file.bytes.len() as u64;
    let mut part = reqwest::multipart::Part::stream_with_length(file.bytes.clone(), len)
        .file_name(file.file_name.clone());
    if let Some(ct) = &file.content_type {
        part = part
            .mime_str(ct)
            .map_err(|_| Error::InvalidInput(format!("invalid content type {ct:?}")))?;
    }
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;

    fn client(base: &str) -> Client {
        Client::builder()
            .api_key("k")
            .base_url(base)
            .build()
            .unwrap()
    }

    #[test]
    fn base_url_keeps_v1() {
        for base in ["http://h/v1", "http://h/v1/", "http://h/v1//"] {
            let c = client(base);
            assert_eq!(c.base_url(), "http://h/v1");
            assert_eq!(
                c.url("/postings", &[]).unwrap().as_str(),
                "http://h/v1/postings"
            );
            assert_eq!(
                c.url("postings/a%2Fb", &[("expand", "x"), ("expand", "y z")])
                    .unwrap()
                    .as_str(),
                "http://h/v1/postings/a%2Fb?expand=x&expand=y+z"
            );
        }
        assert_eq!(
            Client::builder()
                .api_key("k")
                .environment(Environment::Sandbox)
                .build()
                .unwrap()
                .base_url(),
            "https://api.sandbox.lever.co/v1"
        );
        assert!(client("http://h/v1").url("https://evil/x", &[]).is_err());
    }

    #[test]
    fn builder_errors() {
        let e = Client::builder().build().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        let e = Client::builder()
            .api_key("k")
            .base_url("not a url")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        let e = Client::builder()
            .api_key("k")
            .base_url("ftp://x/v1")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        let e = Client::builder().api_key("").build().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        let e = Client::builder()
            .api_key("k")
            .rate_limit(RateLimit::new(0.0, 1))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
        assert!(Client::builder()
            .api_key("k")
            .no_rate_limit()
            .build()
            .is_ok());
        // These used to be clamped silently; a setting that cannot mean anything is refused.
        for (max_attempts, jitter) in [
            (0, 0.5),
            (4, f64::NAN),
            (4, -0.1),
            (4, 1.5),
            (4, f64::INFINITY),
        ] {
            let e = Client::builder()
                .api_key("k")
                .retry(RetryPolicy {
                    max_attempts,
                    jitter,
                    ..RetryPolicy::default()
                })
                .build()
                .unwrap_err();
            assert!(
                matches!(e, Error::Config(_)),
                "{max_attempts} {jitter}: {e}"
            );
        }
    }
}
