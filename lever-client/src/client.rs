//! [`Client`]: the runtime's client ([`lever_runtime::Client`]) with the generated resource
//! accessors (`client.postings()`, …), which can only be added to a type of this crate.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

/// Builds a [`Client`]: credentials, environment, timeouts, limits and hooks, checked once in
/// [`build`](lever_runtime::ClientBuilder::build). Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use lever_client::{Client, Environment, RateLimit, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("my-api-key")
///     .environment(Environment::Sandbox)
///     .timeout(Duration::from_secs(30))          // per attempt
///     .deadline(Some(Duration::from_secs(90)))   // per call, retries included
///     .rate_limit(RateLimit::new(10.0, 20))
///     .retry(RetryPolicy::default())
///     .build()?;
/// assert!(!format!("{client:?}").contains("my-api-key"));
///
/// // Without credentials, or with a bad setting, `build` says what is wrong.
/// assert!(Client::builder().build().is_err());
/// # Ok::<(), lever_client::Error>(())
/// ```
pub type ClientBuilder = lever_runtime::ClientBuilder<Client>;

/// A Lever API client: every action of the spec, as `client.<resource>().<action>(…)`.
///
/// Cheap to clone: clones share one connection pool, one rate limiter and one OAuth token
/// state (so concurrent tasks cause at most one token refresh). `Debug` never shows a secret.
/// The runtime's methods ([`request`](lever_runtime::Client::request),
/// [`base_url`](lever_runtime::Client::base_url), [`deadline`](lever_runtime::Client::deadline),
/// …) are reached through `Deref`.
///
/// ```no_run
/// # #[cfg(feature = "postings")]
/// # async fn demo() -> Result<(), lever_client::Error> {
/// let client = lever_client::Client::builder().api_key("my-api-key").build()?;
/// let page = client.postings().list().send().await?;
/// # let _ = page; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client(lever_runtime::Client);

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        let builder = ClientBuilder::default();
        // Redaction keeps the enum values this spec knows.
        #[cfg(feature = "record")]
        let builder = builder.known_enum_values(crate::spec_info::ENUM_VALUES);
        builder
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
        Client(self.0.with_deadline(deadline))
    }
}

impl From<lever_runtime::Client> for Client {
    fn from(client: lever_runtime::Client) -> Self {
        Client(client)
    }
}

impl From<Client> for lever_runtime::Client {
    fn from(client: Client) -> Self {
        client.0
    }
}

impl Deref for Client {
    type Target = lever_runtime::Client;

    fn deref(&self) -> &lever_runtime::Client {
        &self.0
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

// A request builder's `Debug` shows its client as the client's own `Debug` does: no secrets.
lever_runtime::__lever_debug_shown!(Client);
