//! The connect flow end to end: the app's axum routes, lever-sim's authorize endpoint and
//! token endpoint, two simulated Lever accounts — and isolation between them.

mod common;

use lever_client::models::CreatePosting;
use lever_connect::routes::{connect_routes, ConnectRoutes};
use lever_connect::{ConnectionStatus, Connections, OAuthApp};
use lever_sim::{SimConfig, Simulator};
use reqwest::StatusCode;

struct App {
    sim: Simulator,
    conns: Connections,
    base: String,
    http: reqwest::Client,
    _guard: common::Guard,
}

async fn app(db: common::Db) -> App {
    let sim = Simulator::start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.add_account("acme").unwrap();
    sim.add_account("globex").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (store, guard) = common::store(db).await;
    let oauth = sim.oauth_config();
    let conns = Connections::builder()
        .store(store)
        .keyring(common::keyring())
        .base_url(sim.base_url())
        .oauth_app(
            OAuthApp::new(
                &oauth.client_id,
                oauth.client_secret.as_str(),
                format!("{base}/lever/callback"),
            )
            .authorize_url(sim.authorize_url())
            .token_url(sim.oauth_token_url()),
        )
        .configure_clients(|b| b.no_rate_limit())
        .build()
        .unwrap();
    let router = axum::Router::new().nest(
        "/lever",
        connect_routes(
            conns.clone(),
            ConnectRoutes::new(
                "https://app.example/connected",
                "https://app.example/failed",
            )
            .scopes(["postings:read:admin", "postings:write:admin"]),
        ),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    App {
        sim,
        conns,
        base,
        http,
        _guard: guard,
    }
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

impl App {
    /// Walks the browser's path: our connect route → Lever's consent (as `lever_account`) →
    /// our callback. Returns the callback's response and URL.
    async fn connect(&self, account: &str, lever_account: &str) -> (reqwest::Response, String) {
        let start = self
            .http
            .get(format!("{}/lever/connect/{account}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), StatusCode::FOUND);
        let authorize = location(&start);
        assert!(
            authorize.starts_with(&self.sim.authorize_url()),
            "{authorize}"
        );
        let consent = self
            .http
            .get(format!("{authorize}&login_hint={lever_account}"))
            .send()
            .await
            .unwrap();
        assert_eq!(consent.status(), StatusCode::FOUND);
        let callback = location(&consent);
        assert!(callback.starts_with(&format!("{}/lever/callback?", self.base)));
        let done = self.http.get(&callback).send().await.unwrap();
        (done, callback)
    }
}

async fn flow(db: common::Db) {
    let app = app(db).await;
    let (done, callback) = app.connect("customer-a", "acme").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    assert_eq!(
        location(&done),
        "https://app.example/connected?account=customer-a"
    );
    let (done, _) = app.connect("customer-b", "globex").await;
    assert_eq!(done.status(), StatusCode::FOUND);
    assert_eq!(app.sim.oauth_stats().code_grants, 2);

    // A replayed callback is refused and changes nothing.
    let replay = app.http.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay
        .text()
        .await
        .unwrap()
        .contains("https://app.example/failed?error=invalid_state"));
    // A forged state too.
    let forged = app
        .http
        .get(format!(
            "{}/lever/callback?code={}&state=forged",
            app.base,
            app.sim.issue_auth_code()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.sim.oauth_stats().code_grants,
        2,
        "no code was exchanged"
    );

    // Denied consent: 403, a page sending the browser to the failure URL, nothing stored.
    app.sim.deny_consent(true);
    let (denied, _) = app.connect("customer-c", "acme").await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let page = denied.text().await.unwrap();
    assert!(
        page.contains("https://app.example/failed?error=access_denied&amp;account=customer-c"),
        "{page}"
    );
    assert!(app.conns.status("customer-c").await.unwrap().is_none());
    app.sim.deny_consent(false);

    // Isolation: each customer's client reaches only its own Lever account.
    let a = app.conns.client("customer-a").await.unwrap();
    let b = app.conns.client("customer-b").await.unwrap();
    let acme = app.sim.account("acme").unwrap();
    let user = acme.default_user_id().unwrap();
    let created = a
        .postings()
        .create(CreatePosting::new("Only at Acme"))
        .perform_as(user.as_str())
        .send()
        .await
        .unwrap();
    let id = created.id.to_string();
    assert!(acme.get("Posting", &id).is_some());
    let e = b.postings().get(id.as_str()).send().await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let ids = |page: lever_client::Page<lever_client::models::Posting>| {
        page.data
            .into_iter()
            .map(|p| p.id.to_string())
            .collect::<std::collections::HashSet<_>>()
    };
    let seen_a = ids(a.postings().list().limit(100).send().await.unwrap());
    let seen_b = ids(b.postings().list().limit(100).send().await.unwrap());
    assert!(seen_a.contains(&id) && !seen_b.contains(&id));
    assert!(seen_a.is_disjoint(&seen_b), "accounts share no postings");
    // Every request of customer-b's client landed in globex's account.
    assert!(app.sim.account("globex").unwrap().request_count() >= 2);

    let list = app.conns.list().await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|c| c.status == ConnectionStatus::Active));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_routes_end_to_end_on_sqlite() {
    flow(common::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_routes_end_to_end_on_postgres() {
    flow(common::Db::Postgres).await;
}

#[tokio::test]
async fn a_bad_account_id_is_a_400() {
    let app = app(common::Db::Sqlite).await;
    let long = "x".repeat(300);
    let resp = app
        .http
        .get(format!("{}/lever/connect/{long}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}
