//! The nine seed actions, each called once, so that their request building and response
//! decoding (`#[inline]` in lever-client) are compiled here, as in a user's crate.

use lever_client::models::{CreateOpportunity, CreatePosting, UpdateContact, UpdatePosting};
use lever_client::{Client, Error};

/// Creates an opportunity, reads it back, lists a page; updates and reads its contact;
/// creates, updates, reads and lists postings.
pub async fn nine_actions(client: &Client, user: &str) -> Result<usize, Error> {
    let opportunity = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Ada Lovelace".into()),
            ..CreateOpportunity::default()
        })
        .perform_as(user)
        .send()
        .await?;
    let fetched = client.opportunities().get(&opportunity.id).send().await?;
    let page = client.opportunities().list().limit(10).send().await?;

    let contact_id = fetched.contact.as_ref().map(|c| c.id()).unwrap_or_default();
    let contact = client.contacts().get(contact_id).send().await?;
    let updated = client
        .contacts()
        .update(
            &contact.id,
            UpdateContact {
                headline: Some("Analyst".into()),
                ..UpdateContact::default()
            },
        )
        .send()
        .await?;

    let posting = client
        .postings()
        .create(CreatePosting::new("Rust Engineer"))
        .perform_as(user)
        .send()
        .await?;
    let posting = client
        .postings()
        .update(
            &posting.id,
            UpdatePosting {
                text: Some("Senior Rust Engineer".into()),
                ..UpdatePosting::default()
            },
        )
        .perform_as(user)
        .send()
        .await?;
    let posting = client.postings().get(&posting.id).send().await?;
    let postings = client.postings().list().send().await?;

    Ok(page.data.len() + postings.data.len() + usize::from(updated.id == contact.id)
        + usize::from(!posting.id.as_str().is_empty()))
}
