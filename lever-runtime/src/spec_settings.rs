//! The spec's API-wide settings (`lever-spec/spec/api.yaml`) that the runtime needs: base
//! URLs, OAuth endpoints and the documented rate limit.
//!
//! The spec is their one source: `lever-client` generates the same values as `spec_info`, and
//! its `spec_settings` test fails when one here differs. They are written out here because
//! this crate is compiled without the spec, so that a spec edit never recompiles it.

/// Production base URL.
pub(crate) const PRODUCTION_URL: &str = "https://api.lever.co/v1";
/// Sandbox base URL.
pub(crate) const SANDBOX_URL: &str = "https://api.sandbox.lever.co/v1";
/// Production OAuth authorize URL.
pub(crate) const PRODUCTION_AUTHORIZE_URL: &str = "https://auth.lever.co/authorize";
/// Production OAuth token URL.
pub(crate) const PRODUCTION_TOKEN_URL: &str = "https://auth.lever.co/oauth/token";
/// Production OAuth audience.
pub(crate) const PRODUCTION_AUDIENCE: &str = "https://api.lever.co/v1/";
/// Sandbox OAuth authorize URL.
pub(crate) const SANDBOX_AUTHORIZE_URL: &str = "https://sandbox-lever.auth0.com/authorize";
/// Sandbox OAuth token URL.
pub(crate) const SANDBOX_TOKEN_URL: &str = "https://sandbox-lever.auth0.com/oauth/token";
/// Sandbox OAuth audience.
pub(crate) const SANDBOX_AUDIENCE: &str = "https://api.sandbox.lever.co/v1/";
/// Lever's documented steady rate, per API key.
pub(crate) const RATE_LIMIT_PER_SECOND: u32 = 10;
/// Lever's documented burst, per API key.
pub(crate) const RATE_LIMIT_BURST: u32 = 20;
