//! The migrations compiled into the crate, one set per engine (they differ in column types).

use std::borrow::Cow;

use futures::future::BoxFuture;
use sqlx::migrate::{Migration, MigrationSource, MigrationType};

use super::Backend;

#[derive(Debug)]
pub(super) struct Embedded(pub(super) Backend);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> BoxFuture<'s, Result<Vec<Migration>, Box<dyn std::error::Error + Send + Sync>>> {
        let files: &[(i64, &str, &str)] = match self.0 {
            Backend::Sqlite => &[
                (
                    1,
                    "connections",
                    include_str!("../../../migrations/sqlite/0001_connections.sql"),
                ),
                (
                    2,
                    "inbox",
                    include_str!("../../../migrations/sqlite/0002_inbox.sql"),
                ),
                (
                    3,
                    "leases",
                    include_str!("../../../migrations/sqlite/0003_leases.sql"),
                ),
            ],
            Backend::Postgres => &[
                (
                    1,
                    "connections",
                    include_str!("../../../migrations/postgres/0001_connections.sql"),
                ),
                (
                    2,
                    "inbox",
                    include_str!("../../../migrations/postgres/0002_inbox.sql"),
                ),
                (
                    3,
                    "leases",
                    include_str!("../../../migrations/postgres/0003_leases.sql"),
                ),
            ],
        };
        let migrations = files
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}
