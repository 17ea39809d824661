//! Fault injection: injected errors, drops and delays.

use std::time::Duration;

use lever_sim::FaultConfig;
use reqwest::StatusCode;

use super::common::config;
use super::{Api, TestResult};

#[tokio::test]
async fn fault_injection() -> TestResult {
    let api = Api::start(config()).await?;
    api.sim.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let mut seen = Vec::new();
    for _ in 0..12 {
        let (status, body) = api.get("/stages").await?;
        assert!(
            status == StatusCode::INTERNAL_SERVER_ERROR
                || status == StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(body["code"].is_string() && body["message"].is_string());
        seen.push(status);
    }
    assert!(
        seen.contains(&StatusCode::INTERNAL_SERVER_ERROR)
            && seen.contains(&StatusCode::SERVICE_UNAVAILABLE)
    );
    // The OAuth endpoint is spared unless asked.
    let resp = api
        .http
        .post(api.sim.oauth_token_url())
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await?;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    api.sim.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::default()
    });
    let err = api.req(reqwest::Method::GET, "/stages").send().await;
    assert!(err.is_err(), "a dropped connection is an error: {err:?}");

    api.sim.set_faults(FaultConfig {
        delay: Some(Duration::from_millis(150)),
        ..FaultConfig::default()
    });
    let started = std::time::Instant::now();
    let (status, _) = api.get("/stages").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));

    api.sim.set_faults(FaultConfig::default());
    let (status, _) = api.get("/stages").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(api.sim.request_count() >= 15);
    api.sim.shutdown().await;
    Ok(())
}
