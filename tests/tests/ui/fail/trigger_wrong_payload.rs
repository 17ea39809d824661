#[lever_macros::trigger("posting_created")]
async fn on_posting(
    opportunity: lever_client::models::Opportunity,
) -> Result<(), lever_client::triggers::HandlerError> {
    let _ = opportunity;
    Ok(())
}

fn main() {}
