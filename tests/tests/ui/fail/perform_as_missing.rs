// Lever requires `perform_as` to create a posting: without it there is no `.send()`.
async fn create(client: &lever_client::Client) {
    let body = lever_client::models::CreatePosting::new("Rust Engineer");
    let _ = client.postings().create(body).send().await;
}

fn main() {}
