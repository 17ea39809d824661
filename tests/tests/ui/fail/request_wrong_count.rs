fn main() {
    let client = lever_client::Client::builder().api_key("k").build().unwrap();
    let _ = lever_macros::request!(client, GET "/opportunities/{opportunity}/applications/{application}", "o1");
}
