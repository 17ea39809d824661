fn main() {
    let client = lever_client::Client::builder().api_key("k").build().unwrap();
    let _ = lever_macros::request!(client, GET "/oportunities/{opportunity}", "o1");
}
