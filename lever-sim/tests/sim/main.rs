//! End-to-end tests of the simulator over HTTP, with reqwest only (no lever-client), one
//! module a concern.

#[path = "../common/mod.rs"]
mod common;

mod faults;
mod oauth;
mod requests;
mod resources;
mod webhooks;

use std::ops::Deref;

use lever_sim::{SimConfig, Simulator};

use common::{As, TestResult};

/// A simulator and a client holding its default account's API key.
struct Api {
    sim: Simulator,
    client: As,
}

impl Deref for Api {
    type Target = As;

    fn deref(&self) -> &As {
        &self.client
    }
}

impl Api {
    async fn start(config: SimConfig) -> Result<Api, common::Error> {
        let sim = Simulator::start(config).await?;
        let client = As::key(&sim.base_url(), sim.api_key());
        Ok(Api { sim, client })
    }

    /// The seeded super admin, for `perform_as`.
    fn user(&self) -> String {
        self.sim.default_user_id().expect("seed data has users")
    }
}
