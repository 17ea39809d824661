//! Uses of lever-client built with only its `postings` feature: what is compiled in works,
//! what is not fails with the feature to enable.

use lever_macros::{request, trigger};

/// `postings` is compiled in; `contacts` is not.
pub fn requests(client: &lever_client::Client) {
    let _compiled_in = request!(client, GET "/postings");
    let _left_out = request!(client, GET "/contacts/{contact}", "c1");
}

#[trigger("posting_created")]
async fn on_posting(
    posting: lever_client::models::Posting,
) -> Result<(), std::convert::Infallible> {
    let _ = posting;
    Ok(())
}

// Needs `opportunities` and `contacts`.
#[trigger("candidate_updated")]
async fn on_candidate(
    event: lever_client::triggers::TriggerEvent,
) -> Result<(), std::convert::Infallible> {
    let _ = event;
    Ok(())
}
