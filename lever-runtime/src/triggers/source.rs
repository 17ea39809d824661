//! Where a trigger's events come from, as the registry describes it.

/// The sources of one trigger: native webhook events, a polling rule, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TriggerSource {
    /// Lever webhook events that fire the trigger.
    pub webhook: &'static [&'static str],
    /// How to poll for it, where Lever sends no webhook.
    pub poll: Option<PollRule>,
}

/// How to poll a list action for a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollRule {
    /// The resource of the list action (e.g. `postings`).
    pub resource: &'static str,
    /// The list action (e.g. `list`).
    pub action: &'static str,
    /// The list's path relative to the base URL (e.g. `/postings`).
    pub path: &'static str,
    /// The query parameter that takes the checkpoint (e.g. `updated_at_start`).
    pub since: &'static str,
    /// The item field whose value advances the checkpoint (e.g. `updatedAt`).
    pub cursor: &'static str,
    /// The item field that tells created from updated (e.g. `createdAt`).
    pub created_field: Option<&'static str>,
    /// Which items fire the trigger.
    pub emit: PollEmit,
    /// Fixed query parameters sent with every poll (e.g. `confidentiality=all`).
    pub query: &'static [(&'static str, &'static str)],
}

impl PollRule {
    /// The name under which a [`Poller`](super::Poller) keeps this rule's progress in a
    /// [`CheckpointStore`](super::CheckpointStore), for each connected account.
    ///
    /// Every trigger that polls the same list shares it: rules with the same path, `since`
    /// parameter, fixed query, cursor and created field are fetched once per poll and each
    /// item is classified once for all of them. The form is
    /// `{path}?{since}&{key}={value}…#{cursor}/{created_field}`, the fixed query sorted and
    /// `/{created_field}` left out when there is none, e.g.
    /// `/postings?updated_at_start&confidentiality=all#updatedAt/createdAt`. It contains `/`,
    /// so it never equals a trigger name (checkpoints of older versions were kept under
    /// trigger names).
    pub fn checkpoint_name(&self) -> String {
        let mut query: Vec<&(&str, &str)> = self.query.iter().collect();
        query.sort_unstable();
        let mut name = format!("{}?{}", self.path, self.since);
        for (key, value) in query {
            name.push_str(&format!("&{key}={value}"));
        }
        name.push('#');
        name.push_str(self.cursor);
        if let Some(created) = self.created_field {
            name.push('/');
            name.push_str(created);
        }
        name
    }
}

/// Which polled items fire a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PollEmit {
    /// Items created at or after the checkpoint.
    Created,
    /// Items changed since the checkpoint but created before it.
    Updated,
    /// Every item the poll returns (e.g. a list of deleted objects).
    All,
}

/// A trigger name that is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trigger `{0}`")]
pub struct UnknownTrigger(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(query: &'static [(&'static str, &'static str)]) -> PollRule {
        PollRule {
            resource: "postings",
            action: "list",
            path: "/postings",
            since: "updated_at_start",
            cursor: "updatedAt",
            created_field: Some("createdAt"),
            emit: PollEmit::Created,
            query,
        }
    }

    #[test]
    fn checkpoint_names_identify_the_list_not_the_trigger() {
        let created = rule(&[("confidentiality", "all"), ("a", "1")]);
        assert_eq!(
            created.checkpoint_name(),
            "/postings?updated_at_start&a=1&confidentiality=all#updatedAt/createdAt"
        );
        let updated = PollRule {
            emit: PollEmit::Updated,
            query: &[("a", "1"), ("confidentiality", "all")],
            ..created
        };
        assert_eq!(updated.checkpoint_name(), created.checkpoint_name());
        assert_ne!(rule(&[]).checkpoint_name(), created.checkpoint_name());
        let deleted = PollRule {
            path: "/postings/deleted",
            since: "deleted_at_start",
            cursor: "deletedAt",
            created_field: None,
            emit: PollEmit::All,
            ..rule(&[])
        };
        assert_eq!(
            deleted.checkpoint_name(),
            "/postings/deleted?deleted_at_start#deletedAt"
        );
    }
}
