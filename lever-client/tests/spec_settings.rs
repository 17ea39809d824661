//! `lever-runtime` is compiled without the spec, so it holds the spec's API-wide settings as
//! constants of its own; the spec stays their one source, because this test fails when the
//! runtime's defaults differ from the generated `spec_info`.

use lever_client::{spec_info, Environment, RateLimit};

#[test]
fn the_runtime_uses_the_urls_of_the_spec() {
    assert_eq!(
        Environment::Production.base_url(),
        spec_info::PRODUCTION_URL
    );
    assert_eq!(Environment::Sandbox.base_url(), spec_info::SANDBOX_URL);
    assert_eq!(
        Environment::Production.authorize_url(),
        spec_info::PRODUCTION_AUTHORIZE_URL
    );
    assert_eq!(
        Environment::Sandbox.authorize_url(),
        spec_info::SANDBOX_AUTHORIZE_URL
    );
    assert_eq!(
        Environment::Production.token_url(),
        spec_info::PRODUCTION_TOKEN_URL
    );
    assert_eq!(
        Environment::Sandbox.token_url(),
        spec_info::SANDBOX_TOKEN_URL
    );
    assert_eq!(
        Environment::Production.audience(),
        spec_info::PRODUCTION_AUDIENCE
    );
    assert_eq!(Environment::Sandbox.audience(), spec_info::SANDBOX_AUDIENCE);
}

#[test]
fn the_runtime_defaults_to_the_rate_limit_of_the_spec() {
    assert_eq!(
        RateLimit::default(),
        RateLimit::new(
            f64::from(spec_info::RATE_LIMIT_PER_SECOND),
            spec_info::RATE_LIMIT_BURST
        )
    );
}
