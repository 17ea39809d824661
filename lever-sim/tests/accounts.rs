//! Several simulated Lever accounts: separate data, webhooks, rate-limit buckets and request
//! logs, with every request routed to the account its credential belongs to.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{config, signed_with, two_accounts, As, Receiver, TestResult};
use lever_sim::{
    AccountConfig, FaultConfig, RateLimitConfig, SimConfig, SimError, Simulator, DEFAULT_ACCOUNT,
    DEFAULT_API_KEY,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_default_account_keeps_the_configured_keys_and_hooks() -> TestResult {
    let sim = Simulator::start(SimConfig {
        api_keys: vec![DEFAULT_API_KEY.into(), "second-key".into()],
        ..two_accounts()
    })
    .await?;
    let base = sim.base_url();
    let first = As::key(&base, DEFAULT_API_KEY).ids("/postings").await?;
    let second = As::key(&base, "second-key").ids("/postings").await?;
    assert_eq!(first, second, "both keys belong to the default account");
    // Lists leave confidential postings out unless asked.
    let hooked: Vec<String> = sim
        .list("Posting")
        .iter()
        .filter(|p| p["confidentiality"] != "confidential")
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        first.iter().collect::<HashSet<_>>(),
        hooked.iter().collect::<HashSet<_>>()
    );
    let default = sim.default_account();
    assert_eq!(default.name(), DEFAULT_ACCOUNT);
    assert_eq!(default.api_key(), DEFAULT_API_KEY);
    assert_eq!(sim.api_key(), DEFAULT_API_KEY);
    let names: Vec<String> = sim.accounts().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["default", "acme", "globex"]);
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn accounts_never_see_each_others_data() -> TestResult {
    let sim = Simulator::start(two_accounts()).await?;
    let base = sim.base_url();
    let acme = As::key(&base, "acme-key");
    let globex = As::key(&base, "globex-key");
    let default = As::key(&base, DEFAULT_API_KEY);

    // Seed data: the same shapes, different IDs.
    for path in ["/postings", "/opportunities", "/users"] {
        let a: HashSet<String> = acme.ids(path).await?.into_iter().collect();
        let g: HashSet<String> = globex.ids(path).await?.into_iter().collect();
        let d: HashSet<String> = default.ids(path).await?.into_iter().collect();
        assert!(
            !a.is_empty() && a.len() == g.len() && g.len() == d.len(),
            "{path}"
        );
        assert!(
            a.is_disjoint(&g) && a.is_disjoint(&d) && g.is_disjoint(&d),
            "{path}"
        );
    }
    let acme_hooks = sim.account("acme").ok_or("no acme")?;
    let globex_hooks = sim.account("globex").ok_or("no globex")?;
    let acme_user = acme_hooks.default_user_id().ok_or("no acme user")?;
    let globex_user = globex_hooks.default_user_id().ok_or("no globex user")?;

    // Created over the API: visible to its account only, by ID and in lists.
    let opp = acme.create_candidate(&acme_user, "a@example.org").await?;
    let opp_id = opp["id"].as_str().ok_or("no id")?;
    let contact_id = opp["contact"].as_str().ok_or("no contact")?;
    assert_eq!(
        acme.get(&format!("/opportunities/{opp_id}")).await?.0,
        StatusCode::OK
    );
    for other in [&globex, &default] {
        let (status, _) = other.get(&format!("/opportunities/{opp_id}")).await?;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = other.get(&format!("/contacts/{contact_id}")).await?;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!other
            .ids("/opportunities")
            .await?
            .contains(&opp_id.to_string()));
    }
    assert!(globex_hooks.get("Opportunity", opp_id).is_none());
    assert!(sim.get("Opportunity", opp_id).is_none());
    assert!(acme_hooks.get("Opportunity", opp_id).is_some());

    // One account's user is no user of another.
    let (status, body) = globex
        .send(
            globex
                .req(Method::POST, "/opportunities")
                .query(&[("perform_as", acme_user.as_str())])
                .json(&json!({ "name": "X", "emails": ["x@example.org"] })),
        )
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // The same email in another account is a new contact, not a dedupe.
    let twin = globex
        .create_candidate(&globex_user, "a@example.org")
        .await?;
    assert_ne!(twin["contact"], opp["contact"]);

    // Store hooks act on their own account.
    let inserted = globex_hooks
        .insert(
            "Posting",
            json!({ "text": "Globex only", "state": "published" }),
        )
        .map_err(|e| e.to_string())?;
    let posting_id = inserted["id"].as_str().ok_or("no id")?;
    assert!(globex
        .ids("/postings")
        .await?
        .contains(&posting_id.to_string()));
    assert!(!acme
        .ids("/postings")
        .await?
        .contains(&posting_id.to_string()));
    assert!(acme_hooks
        .update("Posting", posting_id, json!({"text": "y"}))
        .is_none());
    assert!(acme_hooks.delete("Posting", posting_id).is_none());
    assert!(globex_hooks.get("Posting", posting_id).is_some());

    // Webhooks are listed by their own account only.
    let (hook_id, _) = acme
        .register("http://127.0.0.1:9/hook", "contactCreated")
        .await?;
    assert!(acme.ids("/webhooks").await?.contains(&hook_id));
    assert!(globex.ids("/webhooks").await?.is_empty());
    assert!(default.ids("/webhooks").await?.is_empty());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn concurrent_writes_stay_in_their_account() -> TestResult {
    let sim = Simulator::start(two_accounts()).await?;
    let base = sim.base_url();
    let mut tasks = tokio::task::JoinSet::new();
    for (name, key) in [("acme", "acme-key"), ("globex", "globex-key")] {
        let user = sim
            .account(name)
            .and_then(|a| a.default_user_id())
            .ok_or("no user")?;
        for i in 0..15 {
            let client = As::key(&base, key);
            let user = user.clone();
            tasks.spawn(async move {
                let opp = client
                    .create_candidate(&user, &format!("c{i}@example.org"))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((name, opp["id"].as_str().unwrap_or_default().to_string()))
            });
        }
    }
    let mut created: Vec<(&str, String)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        created.push(done??);
    }
    for (name, id) in &created {
        let owner = sim.account(name).ok_or("no account")?;
        assert!(owner.get("Opportunity", id).is_some());
        for other in ["acme", "globex", DEFAULT_ACCOUNT]
            .iter()
            .filter(|n| *n != name)
        {
            assert!(sim
                .account(other)
                .ok_or("no account")?
                .get("Opportunity", id)
                .is_none());
        }
    }
    let seeded = sim.list("Opportunity").len();
    for name in ["acme", "globex"] {
        let n = sim
            .account(name)
            .ok_or("no account")?
            .list("Opportunity")
            .len();
        assert_eq!(n, seeded + 15, "{name}");
    }
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn webhooks_fire_for_their_own_account_only() -> TestResult {
    let sim = Simulator::start(two_accounts()).await?;
    let base = sim.base_url();
    let acme = As::key(&base, "acme-key");
    let globex = As::key(&base, "globex-key");
    let acme_rx = Receiver::start().await?;
    let globex_rx = Receiver::start().await?;
    let (acme_hook, acme_token) = acme.register(&acme_rx.url, "contactCreated").await?;
    let (globex_hook, globex_token) = globex.register(&globex_rx.url, "contactCreated").await?;

    let globex_user = sim
        .account("globex")
        .and_then(|a| a.default_user_id())
        .ok_or("no user")?;
    let acme_user = sim
        .account("acme")
        .and_then(|a| a.default_user_id())
        .ok_or("no user")?;
    let g_opp = globex
        .create_candidate(&globex_user, "g@example.org")
        .await?;
    let a_opp = acme.create_candidate(&acme_user, "a@example.org").await?;

    let deliveries = sim.wait_for_deliveries(2, Duration::from_secs(10)).await;
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    let globex_bodies = globex_rx.bodies();
    let acme_bodies = acme_rx.bodies();
    assert_eq!(globex_bodies.len(), 1);
    assert_eq!(acme_bodies.len(), 1);
    assert_eq!(globex_bodies[0]["data"]["contactId"], g_opp["contact"]);
    assert_eq!(acme_bodies[0]["data"]["contactId"], a_opp["contact"]);
    assert!(signed_with(&globex_token, &globex_bodies[0]));
    assert!(signed_with(&acme_token, &acme_bodies[0]));
    assert!(!signed_with(&acme_token, &globex_bodies[0]));

    let by_hook = |hook: &str| deliveries.iter().find(|d| d.webhook_id == hook).cloned();
    assert_eq!(
        by_hook(&acme_hook).ok_or("no acme delivery")?.account,
        "acme"
    );
    assert_eq!(
        by_hook(&globex_hook).ok_or("no globex delivery")?.account,
        "globex"
    );
    let acme_log = sim.account("acme").ok_or("no acme")?.deliveries();
    assert_eq!(acme_log.len(), 1);
    assert_eq!(acme_log[0].webhook_id, acme_hook);

    // The delete hook fires to the deleting account's webhooks only.
    let a_id = a_opp["id"].as_str().ok_or("no id")?;
    let acme_deleted = Receiver::start().await?;
    let (_, del_token) = acme.register(&acme_deleted.url, "candidateDeleted").await?;
    let globex_deleted = Receiver::start().await?;
    globex
        .register(&globex_deleted.url, "candidateDeleted")
        .await?;
    sim.account("acme")
        .ok_or("no acme")?
        .delete("Opportunity", a_id)
        .ok_or("not deleted")?;
    let deliveries = sim.wait_for_deliveries(3, Duration::from_secs(10)).await;
    assert_eq!(deliveries.len(), 3, "{deliveries:?}");
    assert_eq!(deliveries[2].account, "acme");
    assert!(signed_with(&del_token, &acme_deleted.bodies()[0]));
    assert!(globex_deleted.bodies().is_empty());
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn each_account_has_its_own_rate_limit_bucket() -> TestResult {
    let sim = Simulator::start(SimConfig {
        rate_limit: Some(RateLimitConfig {
            requests_per_second: 0.001,
            burst: 3,
        }),
        accounts: vec![
            AccountConfig {
                api_keys: vec!["acme-1".into(), "acme-2".into()],
                ..AccountConfig::new("acme")
            },
            AccountConfig {
                api_keys: vec!["globex-key".into()],
                ..AccountConfig::new("globex")
            },
        ],
        ..config()
    })
    .await?;
    let base = sim.base_url();
    for _ in 0..3 {
        assert_eq!(
            As::key(&base, "acme-1").get("/stages").await?.0,
            StatusCode::OK
        );
    }
    // The account's other key shares its bucket...
    assert_eq!(
        As::key(&base, "acme-2").get("/stages").await?.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...and other accounts have their own.
    assert_eq!(
        As::key(&base, "globex-key").get("/stages").await?.0,
        StatusCode::OK
    );
    assert_eq!(
        As::key(&base, DEFAULT_API_KEY).get("/stages").await?.0,
        StatusCode::OK
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn three_hundred_accounts_each_reach_their_own_data() -> TestResult {
    let sim = Simulator::start(config()).await?;
    let mut created = Vec::new();
    for i in 0..300 {
        created.push(sim.add_account(format!("tenant-{i}"))?);
    }
    let keys: HashSet<&str> = created.iter().map(|a| a.api_key.as_str()).collect();
    let ids: HashSet<&str> = created.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(keys.len(), 300);
    assert_eq!(ids.len(), 300);
    assert_eq!(sim.accounts().len(), 301);

    // Every key answers with its own account's postings, and no posting ID repeats.
    let base = sim.base_url();
    let mut tasks = tokio::task::JoinSet::new();
    for account in &created {
        let client = As::key(&base, &account.api_key);
        tasks.spawn(async move { client.ids("/postings").await.map_err(|e| e.to_string()) });
    }
    let mut seen = HashSet::new();
    let mut answered = 0;
    while let Some(done) = tasks.join_next().await {
        let postings = done??;
        assert!(!postings.is_empty());
        for id in postings {
            assert!(seen.insert(id), "a posting ID is shared between accounts");
        }
        answered += 1;
    }
    assert_eq!(answered, 300);
    for account in &created {
        let handle = sim.account(&account.name).ok_or("no account by name")?;
        assert_eq!(handle.request_count(), 1);
        assert_eq!(
            sim.account(&account.id).ok_or("no account by id")?.name(),
            account.name
        );
    }
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn account_seed_data_is_deterministic() -> TestResult {
    let ids = |sim: &Simulator, name: &str| -> Vec<String> {
        sim.account(name)
            .map(|a| a.list("Posting"))
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p["id"].as_str().map(str::to_string))
            .collect()
    };
    let one = Simulator::start(config()).await?;
    let two = Simulator::start(config()).await?;
    let a1 = one.add_account("x")?;
    let a2 = two.add_account("x")?;
    assert_eq!(a1, a2, "same seed, same creation order: same ID and key");
    assert_eq!(ids(&one, "x"), ids(&two, "x"));
    assert_ne!(ids(&one, "x"), ids(&one, DEFAULT_ACCOUNT));
    let empty = one.add_account_with(AccountConfig {
        seed_data: false,
        ..AccountConfig::new("empty")
    })?;
    assert!(ids(&one, &empty.name).is_empty());
    one.shutdown().await;
    two.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn bad_account_definitions_are_typed_errors() -> TestResult {
    let sim = Simulator::start(two_accounts()).await?;
    assert!(matches!(
        sim.add_account("acme"),
        Err(SimError::DuplicateAccount { name }) if name == "acme"
    ));
    assert!(matches!(
        sim.add_account(DEFAULT_ACCOUNT),
        Err(SimError::DuplicateAccount { .. })
    ));
    let acme_id = sim.account("acme").ok_or("no acme")?.id().to_string();
    assert!(matches!(
        sim.add_account(acme_id),
        Err(SimError::DuplicateAccount { .. })
    ));
    assert!(matches!(
        sim.add_account("  "),
        Err(SimError::EmptyAccountName)
    ));
    let stolen = sim.add_account_with(AccountConfig {
        api_keys: vec!["acme-key".into()],
        ..AccountConfig::new("thief")
    });
    match stolen {
        Err(e @ SimError::DuplicateApiKey { .. }) => {
            assert!(!e.to_string().contains("acme-key"), "the key leaks: {e}");
        }
        other => return Err(format!("expected DuplicateApiKey, got {other:?}").into()),
    }
    assert!(sim.account("thief").is_none());
    assert!(matches!(
        sim.revoke_refresh_tokens("nobody"),
        Err(SimError::UnknownAccount { account }) if account == "nobody"
    ));
    assert!(sim.account_oauth_stats("nobody").is_none());
    assert!(sim.set_consenting_account("nobody").is_err());
    sim.shutdown().await;

    let clash = Simulator::start(SimConfig {
        accounts: vec![AccountConfig {
            api_keys: vec![DEFAULT_API_KEY.into()],
            ..AccountConfig::new("copy")
        }],
        ..config()
    })
    .await;
    assert!(matches!(clash, Err(SimError::DuplicateApiKey { .. })));
    Ok(())
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() -> TestResult {
    let mut cfg = two_accounts();
    cfg.api_keys = vec!["very-secret-default-key".into()];
    cfg.oauth.client_secret = "very-secret-client-secret".into();
    let shown = format!("{cfg:?}");
    for secret in [
        "very-secret-default-key",
        "acme-key",
        "very-secret-client-secret",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let sim = Simulator::start(config()).await?;
    let account = sim.add_account("acme")?;
    assert!(!format!("{account:?}").contains(&account.api_key));
    let handle = sim.account("acme").ok_or("no acme")?;
    assert!(!format!("{handle:?}").contains(&account.api_key));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_request_log_keeps_query_body_and_credential_kind() -> TestResult {
    let sim = Simulator::start(two_accounts()).await?;
    let base = sim.base_url();
    let acme = As::key(&base, "acme-key");
    acme.get("/opportunities?email=private.person%40example.org&limit=5")
        .await?;
    let user = sim
        .account("acme")
        .ok_or("no acme")?
        .default_user_id()
        .ok_or("no user")?;
    acme.create_candidate(&user, "someone.private@example.org")
        .await?;
    // A request stopped by a targeted fault is logged too, without a body.
    sim.fail_next("POST /opportunities", 422)?;
    let (status, _) = acme
        .send(
            acme.req(Method::POST, "/opportunities")
                .query(&[("perform_as", user.as_str())])
                .json(&json!({ "name": "Refused", "emails": ["another.private@example.org"] })),
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let log = sim.account("acme").ok_or("no acme")?.requests();
    let list = &log[0];
    assert_eq!(list.path, "/v1/opportunities");
    assert_eq!(
        list.query_param("email").as_deref(),
        Some("private.person@example.org")
    );
    assert_eq!(list.query_param("limit").as_deref(), Some("5"));
    assert_eq!(list.query_param("offset"), None);
    assert!(list.body.is_empty());
    assert_eq!(list.auth, lever_sim::AuthKind::ApiKey);

    let created = log
        .iter()
        .find(|r| r.method == "POST" && r.status == Some(201))
        .ok_or("no answered POST")?;
    let body = created.json().ok_or("a JSON body")?;
    assert_eq!(body["emails"][0], "someone.private@example.org");
    assert_eq!(created.query_param("perform_as"), Some(user.clone()));

    let refused = log.last().ok_or("empty log")?;
    assert_eq!(refused.status, Some(422));
    assert!(refused.body.is_empty());

    // Debug shows sizes, never the query or the body.
    let printed = format!("{log:?}");
    assert!(!printed.contains("private"), "{printed}");
    assert!(printed.contains("bytes>"));
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_request_log_names_each_account() -> TestResult {
    let sim = Simulator::start(SimConfig {
        request_log_limit: 3,
        ..two_accounts()
    })
    .await?;
    let base = sim.base_url();
    let acme = As::key(&base, "acme-key");
    let globex = As::key(&base, "globex-key");
    acme.get("/postings").await?;
    globex.get("/stages").await?;
    acme.get("/opportunities?email=private.person%40example.org")
        .await?;
    acme.get("/no-such-route").await?;
    As::key(&base, "wrong-key").get("/postings").await?;

    let log = sim.account("acme").ok_or("no acme")?.requests();
    let seen: Vec<(&str, &str, Option<u16>)> = log
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/v1/postings", Some(200)),
            ("GET", "/v1/opportunities", Some(200)),
            ("GET", "/v1/no-such-route", Some(404)),
        ]
    );
    assert!(log
        .iter()
        .all(|r| r.account == "acme" && r.started <= r.finished));
    assert!(log
        .windows(2)
        .all(|w| w[0].started <= w[1].started && w[0].at_ms <= w[1].at_ms));
    assert!(!format!("{log:?}").contains("private.person"));

    // The whole log, across accounts, in arrival order.
    let all = sim.requests();
    let accounts: Vec<&str> = all.iter().map(|r| r.account.as_str()).collect();
    assert_eq!(accounts, ["acme", "globex", "acme", "acme"]);

    // Bounded: the oldest entry goes; the count keeps counting.
    acme.get("/users").await?;
    let acme_hooks = sim.account("acme").ok_or("no acme")?;
    let paths: Vec<String> = acme_hooks.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/v1/opportunities", "/v1/no-such-route", "/v1/users"]
    );
    assert_eq!(acme_hooks.request_count(), 4);

    // A dropped connection is logged without a status.
    sim.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::default()
    });
    assert!(globex.get("/stages").await.is_err());
    sim.set_faults(FaultConfig::default());
    let last = sim.account("globex").ok_or("no globex")?.requests();
    assert_eq!(last.last().map(|r| r.status), Some(None));

    sim.clear_requests();
    assert!(sim.requests().is_empty());
    assert_eq!(acme_hooks.request_count(), 4);
    sim.shutdown().await;
    Ok(())
}
