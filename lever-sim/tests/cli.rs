//! The `lever-sim` binary: the base URL first, then one line per account with its API key,
//! and authorization codes on request.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use common::{As, TestResult};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Reads stdout lines until `want` lines have arrived. The timeout only guards against a
/// hung binary; it is no performance bound.
async fn lines(
    out: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    want: usize,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut got = Vec::new();
    while got.len() < want {
        match tokio::time::timeout(Duration::from_secs(60), out.next_line()).await?? {
            Some(line) => got.push(line),
            None => return Err(format!("stdout ended after {got:?}").into()),
        }
    }
    Ok(got)
}

#[tokio::test]
async fn prints_every_accounts_key_and_an_auth_code() -> TestResult {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lever-sim"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--no-rate-limit",
            "--accounts",
            "3",
        ])
        .args(["--auth-code", "account-2", "--auth-code", "default"])
        .arg("--spec")
        .arg(common::spec_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut out = BufReader::new(stdout).lines();
    let got = lines(&mut out, 1 + 4 + 2).await?;
    let base = got[0].clone();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/v1"),
        "{base}"
    );

    let mut keys = HashMap::new();
    for line in &got[1..5] {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "{line}");
        assert_eq!(fields[0], "account");
        keys.insert(fields[1].to_string(), fields[3].to_string());
    }
    let names: HashSet<&str> = keys.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        HashSet::from(["default", "account-1", "account-2", "account-3"])
    );
    assert_eq!(keys["default"], lever_sim::DEFAULT_API_KEY);
    let mut postings = HashMap::new();
    for (name, key) in &keys {
        postings.insert(name.clone(), As::key(&base, key).ids("/postings").await?);
    }
    assert_ne!(postings["account-1"], postings["account-2"]);
    assert_ne!(postings["default"], postings["account-3"]);

    // The printed codes exchange for tokens of their account.
    let token_url = base.replace("/v1", "/oauth/token");
    for line in &got[5..] {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "{line}");
        assert_eq!(fields[0], "auth-code");
        let resp = reqwest::Client::new()
            .post(&token_url)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", "sim-client-id"),
                ("client_secret", "sim-client-secret"),
                ("code", fields[2]),
            ])
            .send()
            .await?;
        assert_eq!(resp.status(), reqwest::StatusCode::OK);
        let tokens: serde_json::Value = resp.json().await?;
        let access = tokens["access_token"].as_str().ok_or("no access token")?;
        assert_eq!(
            As::bearer(&base, access).ids("/postings").await?,
            postings[fields[1]]
        );
    }
    // The authorize endpoint is served too.
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(base.replace("/v1", "/oauth/authorize"))
        .query(&[
            ("client_id", "sim-client-id"),
            ("redirect_uri", "http://localhost/cb"),
            ("response_type", "code"),
            ("state", "s"),
            ("login_hint", "account-1"),
        ])
        .send()
        .await?;
    assert_eq!(resp.status(), reqwest::StatusCode::FOUND);
    child.kill().await?;
    Ok(())
}

#[tokio::test]
async fn an_unknown_account_for_an_auth_code_is_an_error() -> TestResult {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_lever-sim"))
        .args(["--addr", "127.0.0.1:0", "--auth-code", "nobody"])
        .arg("--spec")
        .arg(common::spec_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await?;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nobody"), "{stderr}");
    Ok(())
}
