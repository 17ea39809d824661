//! The runtime's settings come from the spec's `api` section: the environments' URLs and the
//! default rate limit are the generated `spec_info`, and the README's copies of those URLs
//! (kept for readers) are checked against it.

use lever_client::{spec_info, Environment, RateLimit};

fn shipped_spec() -> lever_spec::Spec {
    lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("the shipped spec loads")
}

#[test]
fn environments_use_the_specs_urls() {
    let api = shipped_spec().api;
    let production = Environment::Production;
    assert_eq!(production.base_url(), api.production_url);
    assert_eq!(
        production.authorize_url(),
        api.oauth.production_authorize_url
    );
    assert_eq!(production.token_url(), api.oauth.production_token_url);
    assert_eq!(production.audience(), api.oauth.production_audience);
    let sandbox = Environment::Sandbox;
    assert_eq!(sandbox.base_url(), api.sandbox_url);
    assert_eq!(sandbox.authorize_url(), api.oauth.sandbox_authorize_url);
    assert_eq!(sandbox.token_url(), api.oauth.sandbox_token_url);
    assert_eq!(sandbox.audience(), api.oauth.sandbox_audience);
}

#[test]
fn the_default_rate_limit_is_the_documented_one() {
    let api = shipped_spec().api;
    let limit = RateLimit::default();
    assert_eq!(
        limit.requests_per_second,
        f64::from(api.rate_limit.requests_per_second)
    );
    assert_eq!(limit.burst, api.rate_limit.burst);
}

/// Every Lever URL the README names (up to a query string) is one the runtime uses.
#[test]
fn the_readmes_lever_urls_are_the_specs() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read lever-client/README.md");
    let known = [
        spec_info::PRODUCTION_URL,
        spec_info::SANDBOX_URL,
        spec_info::PRODUCTION_AUTHORIZE_URL,
        spec_info::PRODUCTION_TOKEN_URL,
        spec_info::PRODUCTION_AUDIENCE,
        spec_info::SANDBOX_AUTHORIZE_URL,
        spec_info::SANDBOX_TOKEN_URL,
        spec_info::SANDBOX_AUDIENCE,
    ];
    let mut checked = 0;
    for (at, _) in readme.match_indices("https://") {
        let url: String = readme[at..]
            .chars()
            .take_while(|c| !matches!(c, '`' | ' ' | ')' | '?' | ',' | '&' | '"' | '\n'))
            .collect();
        let host = url.trim_start_matches("https://");
        // Lever's API and OAuth hosts; other URLs (the developer docs, examples) are not settings.
        let is_setting = host.starts_with("api.") || host.contains("auth");
        if is_setting {
            assert!(
                known.contains(&url.as_str()),
                "README names {url}, not in the spec"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "the README's environment URLs were found ({checked})"
    );
}
