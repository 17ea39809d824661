//! Extending the shipped Lever spec from your own crate: `lever-overlay.yaml` adds a `tasks`
//! resource, a field and an enum value on existing types, and an action on `postings`. The
//! overlay's actions go through the same client (auth, rate limit, retries, pagination) as the
//! built-in ones. Run with `cargo run -p lever-overlay-example`.

use std::sync::Arc;

use futures::TryStreamExt as _;
use lever_client::Client;
use lever_sim::{SimConfig, Simulator};

/// The code generated from `lever-overlay.yaml`.
pub mod lever_ext {
    lever_macros::overlay!("lever-overlay.yaml");
}

use lever_ext::models::CreateTask;
use lever_ext::{LeverExt as _, LeverExtPostings as _};

/// Errors from any step.
pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

/// Starts a simulator that serves the overlay, calls the overlay's actions through the client,
/// and returns how many tasks the paginated list found.
pub async fn run() -> Result<usize> {
    // The simulator is driven by the spec, so it serves the overlay's endpoints too.
    let overlay = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lever-overlay.yaml");
    let spec = lever_spec::load(&lever_spec::default_spec_dir(), &[overlay])?;
    let sim = Simulator::start(SimConfig {
        spec: Some(Arc::new(spec)),
        ..SimConfig::default()
    })
    .await?;
    let client = Client::builder()
        .api_key(sim.api_key())
        .base_url(sim.base_url())
        .build()?;
    let admin = sim.default_user_id().ok_or("no users")?;
    println!("lever-sim with the overlay at {}", sim.base_url());

    // A resource the shipped spec lacks: `client.tasks()`, from the `LeverExt` trait.
    for text in [
        "Call the candidate back",
        "Book the panel",
        "Send the offer",
    ] {
        let task = client
            .tasks()
            .create(CreateTask::new(text))
            .perform_as(admin.as_str())
            .send()
            .await?;
        println!("created task {} {:?}", task.id, task.text);
    }
    let tasks: Vec<_> = client
        .tasks()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await?;
    println!("listed {} tasks, two per page", tasks.len());
    let first = client.tasks().get(&tasks[0].id).send().await?;
    println!("got task {} {:?}", first.id, first.text);

    // A new action on an existing resource: `client.postings().get_internal(id)`, from
    // `LeverExtPostings`, returning the overlay's extended `Posting` (with `internalCode`).
    let posting_id = client
        .postings()
        .list()
        .limit(1)
        .send()
        .await?
        .data
        .remove(0)
        .id;
    let internal = client.postings().get_internal(&posting_id).send().await?;
    println!(
        "posting {} internal code {:?}",
        internal.id, internal.internal_code
    );
    sim.shutdown().await;
    Ok(tasks.len())
}
