// `request!` checks the path against the spec and returns the action's typed builder.
fn main() {
    let client = lever_client::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();
    let builder = lever_macros::request!(
        client,
        GET "/opportunities/{opportunity}/applications/{application}",
        "o1",
        "a1"
    );
    assert_eq!(builder.to_request().unwrap().path, "/opportunities/o1/applications/a1");

    // Paragon's `:param` style works too; setters of the typed builder are available.
    let get = lever_macros::request!(&client, GET "/opportunities/:opportunity", "o1").expand("stage");
    assert_eq!(get.to_request().unwrap().query, vec![("expand", "stage".to_string())]);

    // The response type is the action's: this only compiles if `send` yields a Posting.
    async fn typed(client: &lever_client::Client) -> Result<lever_client::models::Posting, lever_client::Error> {
        lever_macros::request!(client, GET "/postings/{posting}", "p1").send().await
    }
    let _ = typed;

    let body = lever_client::models::UpdateContact::default();
    let put = lever_macros::request!(client, PUT "/contacts/{contact}", "c1", body);
    assert_eq!(put.to_request().unwrap().method, lever_client::Method::PUT);
}
