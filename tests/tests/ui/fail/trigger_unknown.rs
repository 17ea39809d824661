#[lever_macros::trigger("posting_craeted")]
async fn on_posting(
    posting: lever_client::models::Posting,
) -> Result<(), lever_client::triggers::HandlerError> {
    let _ = posting;
    Ok(())
}

fn main() {}
