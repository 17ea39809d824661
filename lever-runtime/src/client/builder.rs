//! [`ClientBuilder`]: credentials, environment, timeouts, limits and hooks, checked once in
//! [`ClientBuilder::build`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::header::ACCEPT;

use super::{Client, Inner, PerRequest, RequestMetrics, ResponseHook, DEFAULT_DEADLINE};
use crate::auth::Auth;
use crate::config::{Environment, RateLimit, RetryPolicy};
use crate::error::Error;
use crate::oauth::{OAuthCredentials, TokenStore};
use crate::rate_limit::RateLimiter;
use crate::secret::Secret;

/// `lever-client/<version>`.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("lever-client/", env!("CARGO_PKG_VERSION"));

enum Credentials {
    ApiKey(Secret),
    OAuth(OAuthCredentials),
}

/// Builds a [`Client`]. Start with [`Client::builder`].
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
pub struct ClientBuilder<C = Client> {
    credentials: Option<Credentials>,
    environment: Environment,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    rate_limit: RateLimit,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    token_store: Option<Arc<dyn TokenStore>>,
    http_client: Option<reqwest::Client>,
    account: Option<String>,
    on_response: Option<ResponseHook>,
    #[cfg(feature = "record")]
    record_to: Option<std::path::PathBuf>,
    /// The enum values the spec knows, kept by the recorder's redaction.
    #[cfg(feature = "record")]
    known_enum_values: &'static [&'static str],
    /// What [`ClientBuilder::build`] returns: `lever_client::Client`, a wrapper that adds the
    /// generated resource accessors, or this crate's [`Client`].
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            None => "None".to_owned(),
            Some(Credentials::ApiKey(_)) => "ApiKey(\"***\")".to_owned(),
            Some(Credentials::OAuth(c)) => format!("OAuth {{ client_id: {:?} }}", c.client_id),
        };
        f.debug_struct("ClientBuilder")
            .field("credentials", &format_args!("{credentials}"))
            .field("environment", &self.environment)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("deadline", &self.deadline)
            .field("token_store", &self.token_store.is_some())
            .field("http_client", &self.http_client.is_some())
            .field("account", &self.account)
            .field("on_response", &self.on_response.is_some())
            .finish()
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            environment: Environment::Production,
            base_url: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            rate_limit: RateLimit::default(),
            retry: RetryPolicy::default(),
            deadline: Some(DEFAULT_DEADLINE),
            token_store: None,
            http_client: None,
            account: None,
            on_response: None,
            #[cfg(feature = "record")]
            record_to: None,
            #[cfg(feature = "record")]
            known_enum_values: &[],
            client: PhantomData,
        }
    }
}

impl<C> ClientBuilder<C> {
    /// Authenticates with an API key (HTTP Basic, key as user name, empty password).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::ApiKey(Secret::new(key.into())));
        self
    }

    /// Authenticates with OAuth 2 bearer tokens, refreshed automatically.
    pub fn oauth(mut self, credentials: OAuthCredentials) -> Self {
        self.credentials = Some(Credentials::OAuth(credentials));
        self
    }

    /// Selects the Lever environment (API base URL and default OAuth token URL).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Overrides the API base URL, e.g. `http://127.0.0.1:4010/v1` for the simulator. The path
    /// (`/v1`) is kept; request paths are appended to it.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// Total time limit of one HTTP attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most one call may take overall, from its first attempt to its last answer,
    /// including rate-limit waits, retries and their delays (default 2 minutes; `None` for
    /// no limit). [`timeout`](ClientBuilder::timeout) bounds each attempt; this bounds the
    /// sum. A call that runs out gets [`Error::Deadline`]; a retry whose delay would end past
    /// the deadline is not made (the last error is returned). A token refresh in progress is
    /// never cut short (its rotated refresh token must be saved), so a call can overrun its
    /// deadline by the length of one refresh.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Time limit to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `lever-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The client-side rate limit (default 10 requests/s, bursts of 20).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Disables the client-side rate limit.
    pub fn no_rate_limit(self) -> Self {
        self.rate_limit(RateLimit::disabled())
    }

    /// The retry policy (default: 4 attempts, 200 ms base delay, 10 s maximum delay).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses your own HTTP client — the escape hatch for proxies, custom root certificates,
    /// client certificates or DNS overrides — for API calls and OAuth token requests alike.
    ///
    /// The [`timeout`](ClientBuilder::timeout), `User-Agent` and `Accept` headers are then
    /// applied to each request; [`connect_timeout`](ClientBuilder::connect_timeout) cannot be
    /// (set it on your client). Build it from the re-exported [`reqwest`](crate::reqwest) so
    /// the versions match.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let http = lever_client::reqwest::Client::builder()
    ///     .proxy(lever_client::reqwest::Proxy::https("http://proxy.internal:3128")?)
    ///     .connect_timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// let client = lever_client::Client::builder()
    ///     .api_key("key")
    ///     .http_client(http)
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// A label for this client's traces and [`RequestMetrics`]: typically your ID of the
    /// connected account it acts for (`lever-connect` sets it). Not sent to Lever.
    pub fn account(mut self, label: impl Into<String>) -> Self {
        self.account = Some(label.into());
        self
    }

    /// Calls `hook` after every call (typed or passthrough) with what it did, e.g. to count
    /// requests and latency per action:
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// let per_action: Arc<Mutex<HashMap<String, (u64, Duration)>>> = Arc::default();
    /// let metrics = per_action.clone();
    /// let client = lever_client::Client::builder()
    ///     .api_key("key")
    ///     .on_response(move |m| {
    ///         let mut map = metrics.lock().unwrap();
    ///         let entry = map.entry(format!("{} {}", m.method, m.path)).or_default();
    ///         entry.0 += 1;
    ///         entry.1 += m.duration;
    ///     })
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), lever_client::Error>(())
    /// ```
    ///
    /// The hook runs on the calling task: keep it quick (hand the figures to your metrics
    /// library).
    pub fn on_response(mut self, hook: impl Fn(&RequestMetrics) + Send + Sync + 'static) -> Self {
        self.on_response = Some(Arc::new(hook));
        self
    }

    /// Writes each successful response into `dir` as a recording for `lever-codegen drift`
    /// (`{"method", "path", "status", "response"}`), with personal data redacted: see
    /// [`record`](crate::record) for what is kept. Feature `record`.
    #[cfg(feature = "record")]
    pub fn record_to(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.record_to = Some(dir.into());
        self
    }

    /// The enum values the spec knows, which redaction keeps (`lever-client` passes its
    /// spec's; a crate of its own passes none).
    #[doc(hidden)]
    #[cfg(feature = "record")]
    pub fn known_enum_values(mut self, values: &'static [&'static str]) -> Self {
        self.known_enum_values = values;
        self
    }

    /// Where refreshed OAuth tokens are persisted (Lever rotates refresh tokens).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Builds the client. Fails without credentials, or with an invalid URL or setting.
    pub fn build(self) -> Result<C, Error>
    where
        C: From<Client>,
    {
        let base_url = normalize_base_url(
            self.base_url
                .as_deref()
                .unwrap_or(self.environment.base_url()),
        )?;
        let rl = self.rate_limit;
        rl.validate()?;
        let retry = self.retry;
        retry.validate()?;

        let auth = match self.credentials {
            None => {
                return Err(Error::Config(
                    "no credentials: call .api_key(..) or .oauth(..)".into(),
                ))
            }
            Some(Credentials::ApiKey(key)) => Auth::api_key(&key)?,
            Some(Credentials::OAuth(creds)) => {
                Auth::oauth(creds, self.environment.token_url(), self.token_store)?
            }
        };

        let (http, per_request) = match self.http_client {
            Some(http) => {
                let user_agent = http::HeaderValue::try_from(self.user_agent)
                    .map_err(|_| Error::Config("the User-Agent is not a valid header".into()))?;
                (http, Some(PerRequest { user_agent }))
            }
            None => (
                shared_http_client(self.user_agent, self.timeout, self.connect_timeout)?,
                None,
            ),
        };

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                auth,
                limiter: RateLimiter::new(rl),
                rate_limit: rl,
                retry,
                deadline: self.deadline,
                attempt_timeout: self.timeout,
                per_request,
                account: self.account,
                on_response: self.on_response,
                #[cfg(feature = "record")]
                recorder: self
                    .record_to
                    .map(|dir| crate::record::Recorder::new(dir, self.known_enum_values)),
            }),
            deadline_override: None,
        }
        .into())
    }
}

/// Validates a base URL and strips trailing slashes, so `/postings` joins to `.../v1/postings`.
fn normalize_base_url(raw: &str) -> Result<String, Error> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| Error::Config(format!("invalid base URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "invalid base URL {raw:?}: the scheme must be http or https"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
        return Err(Error::Config(format!(
            "invalid base URL {raw:?}: no query or fragment allowed"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "invalid base URL: credentials in the URL are not allowed; use .api_key(..)".into(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The HTTP client (connection pool, TLS configuration) of every [`Client`] built with the
/// same user agent and timeouts, shared: building one loads the platform's root certificates,
/// which costs more than everything else in [`ClientBuilder::build`], and an application
/// with a client per connected account then keeps one pool, not one per account. Requests
/// carry their own credentials, so sharing the pool shares nothing else.
fn shared_http_client(
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, Error> {
    type Settings = (String, Duration, Duration);
    static SHARED: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<Settings, reqwest::Client>>,
    > = std::sync::OnceLock::new();
    let key = (user_agent, timeout, connect_timeout);
    let mut shared = SHARED
        .get_or_init(Default::default)
        .lock()
        // The map is only ever inserted into: a panic elsewhere cannot leave it inconsistent.
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(http) = shared.get(&key) {
        return Ok(http.clone());
    }
    let mut default_headers = http::HeaderMap::new();
    default_headers.insert(ACCEPT, http::HeaderValue::from_static("application/json"));
    let http = reqwest::Client::builder()
        .user_agent(key.0.clone())
        .timeout(key.1)
        .connect_timeout(key.2)
        .default_headers(default_headers)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
    shared.insert(key, http.clone());
    Ok(http)
}
