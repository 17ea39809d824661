//! A trigger's extra OAuth scopes: each must be a known scope, and a poll that lists
//! confidential items (`confidentiality: all` or `confidential`) must declare
//! `confidential:access:admin`, because Lever answers 403 without it.

use crate::ast::TriggerAst;
use crate::diag::{did_you_mean, Sink};
use crate::model::{PollRule, Spec};

/// The scope Lever asks for before it returns confidential postings, opportunities or
/// requisitions.
pub(crate) const CONFIDENTIAL_SCOPE: &str = "confidential:access:admin";

pub(crate) fn check_trigger_scopes(
    trigger: &TriggerAst,
    poll: Option<&PollRule>,
    spec: &Spec,
    sink: &mut Sink,
) {
    let known = &spec.api.oauth.scopes;
    for scope in &trigger.scopes {
        if !known.is_empty() && !known.contains(&scope.value) {
            sink.error_maybe_help(
                &scope.location,
                &scope.path,
                format!("unknown OAuth scope `{}`", scope.value),
                did_you_mean(&scope.value, known.iter().map(String::as_str)),
            );
        }
    }
    let lists_confidential = poll.is_some_and(|p| {
        p.fixed_query.iter().any(|(name, value)| {
            name == "confidentiality" && (value == "all" || value == "confidential")
        })
    });
    let declared = trigger.scopes.iter().any(|s| s.value == CONFIDENTIAL_SCOPE);
    if lists_confidential && !declared {
        sink.error_help(
            &trigger.name.location,
            &trigger.name.path,
            format!(
                "trigger `{}` polls confidential items but does not declare `{CONFIDENTIAL_SCOPE}`",
                trigger.name.value
            ),
            format!("add `scopes: [{CONFIDENTIAL_SCOPE}]` to the trigger"),
        );
    }
}
