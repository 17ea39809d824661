//! Uses of lever-client built with only its `postings` feature (requests, triggers, overlays):
//! what is compiled in works, what is not fails with one error naming the feature to enable.

use lever_macros::{overlay, request, trigger};

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

/// An overlay on a type that `postings` compiles in.
pub mod posting_overlay {
    super::overlay!("overlays/posting.yaml", trait_name = PostingOverlay);

    /// The extended type is usable.
    pub fn code(posting: &models::Posting) -> Option<&str> {
        posting.internal_code.as_deref()
    }
}

/// An overlay on `Opportunity`, which `postings` does not compile in.
pub mod opportunity_overlay {
    super::overlay!("overlays/opportunity.yaml", trait_name = OpportunityOverlay);
}

/// An overlay adding an action to `contacts`, which is not compiled in.
pub mod contact_overlay {
    super::overlay!("overlays/contact-action.yaml", trait_name = ContactOverlay);
}
