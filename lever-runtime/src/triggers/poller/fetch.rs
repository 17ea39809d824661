//! Fetching one poll's window: the runtime's list walk, each item read for its ID and cursor.

use std::collections::HashSet;

use futures::StreamExt as _;
use serde_json::Value;

use super::{PollError, PollStats, Poller};
use crate::registry::EventKind;
use crate::triggers::PollRule;
use crate::ApiRequest;
use crate::{Method, Timestamp};

impl<E: EventKind> Poller<E> {
    /// Lists every page of the rule's window (the runtime's list walk, with its page cap and
    /// cycle guard); returns the items not seen before.
    pub(super) async fn fetch(
        &self,
        rule: &PollRule,
        window_start: Timestamp,
        seen: &HashSet<(&str, Timestamp)>,
        stats: &mut PollStats,
    ) -> Result<Vec<Polled>, PollError<E::Trigger>> {
        let mut request = ApiRequest::new(Method::GET, rule.path, rule.path);
        request.query = rule
            .query
            .iter()
            .map(|(key, value)| (*key, (*value).to_owned()))
            .collect();
        request
            .query
            .push((rule.since, window_start.as_millis().to_string()));
        request.query.push(("limit", self.page_size.to_string()));
        let mut pages = std::pin::pin!(self.client.stream_pages::<Value>(request, self.max_pages));
        let mut fresh = Vec::new();
        let mut in_this_poll: HashSet<(String, Timestamp)> = HashSet::new();
        while let Some(page) = pages.next().await {
            let data = page.map_err(|source| PollError::Api {
                path: rule.path,
                source,
            })?;
            stats.pages += 1;
            for value in data {
                stats.fetched += 1;
                let Some(item) = Polled::read(value, rule) else {
                    stats.malformed += 1;
                    tracing::warn!(
                        path = rule.path,
                        "polled item without a usable id or cursor"
                    );
                    continue;
                };
                if item.cursor < window_start {
                    // The server ignored the filter; items this old were handled long ago.
                    stats.out_of_window += 1;
                    continue;
                }
                if seen.contains(&(item.id.as_str(), item.cursor))
                    || !in_this_poll.insert((item.id.clone(), item.cursor))
                {
                    stats.duplicates += 1;
                    continue;
                }
                fresh.push(item);
            }
        }
        Ok(fresh)
    }
}

/// A polled item with what the poller needs from it.
pub(super) struct Polled {
    pub(super) id: String,
    pub(super) cursor: Timestamp,
    pub(super) created: Option<Timestamp>,
    pub(super) value: Value,
}

impl Polled {
    fn read(value: Value, rule: &PollRule) -> Option<Polled> {
        let id = match value.get("id")? {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let created = rule.created_field.and_then(|f| timestamp(&value, f));
        // An item never updated may have a null cursor field: fall back on its creation time.
        let cursor = timestamp(&value, rule.cursor).or(created)?;
        Some(Polled {
            id,
            cursor,
            created,
            value,
        })
    }
}

/// A timestamp field (number or numeric string), if present and valid.
fn timestamp(value: &Value, field: &str) -> Option<Timestamp> {
    value
        .get(field)
        .filter(|v| !v.is_null())
        .and_then(|v| <Timestamp as serde::Deserialize>::deserialize(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::PollEmit;
    use serde_json::json;

    #[test]
    fn items_need_an_id_and_a_cursor() {
        let rule = PollRule {
            resource: "postings",
            action: "list",
            path: "/postings",
            since: "updated_at_start",
            cursor: "updatedAt",
            created_field: Some("createdAt"),
            emit: PollEmit::Updated,
            query: &[],
        };
        let item =
            Polled::read(json!({"id": "p", "updatedAt": "5", "createdAt": 3}), &rule).unwrap();
        assert_eq!(
            (item.id.as_str(), item.cursor, item.created),
            ("p", Timestamp(5), Some(Timestamp(3)))
        );
        let item =
            Polled::read(json!({"id": "p", "updatedAt": null, "createdAt": 3}), &rule).unwrap();
        assert_eq!(item.cursor, Timestamp(3));
        assert!(Polled::read(json!({"updatedAt": 5}), &rule).is_none());
        assert!(Polled::read(json!({"id": "p"}), &rule).is_none());
        assert!(Polled::read(json!({"id": "p", "updatedAt": "soon"}), &rule).is_none());
        assert!(Polled::read(json!(7), &rule).is_none());
    }
}
