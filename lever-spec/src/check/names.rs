//! Names as Rust will see them: each spec name checked with the shared
//! [`naming::ident_problem`], against the names the generated and runtime API already use, and
//! against the other names of its namespace.

use std::collections::HashMap;

use crate::ast::{ActionAst, Spanned};
use crate::diag::Sink;
use crate::naming;

/// Reports a spec name whose Rust form `rust` cannot be an identifier, with the shared check
/// of [`naming::ident_problem`]; returns whether the name is usable.
pub(super) fn check_ident(sink: &mut Sink, name: &Spanned<String>, what: &str, rust: &str) -> bool {
    let Some(problem) = naming::ident_problem(rust) else {
        return true;
    };
    let message = if rust == name.value {
        format!("{what} `{}` cannot be a Rust name: {problem}", name.value)
    } else {
        format!(
            "{what} `{}` becomes the Rust name `{rust}`, which cannot be used: {problem}",
            name.value
        )
    };
    sink.error_help(
        &name.location,
        &name.path,
        message,
        "rename it: every name in the spec becomes a Rust identifier (see \"Names\" in lever-spec/README.md)",
    );
    false
}

/// Reports a spec name whose Rust form is taken by the generated or runtime API.
pub(super) fn reserved(
    sink: &mut Sink,
    name: &Spanned<String>,
    what: &str,
    rust: &str,
    taken_by: &str,
) {
    sink.error_help(
        &name.location,
        &name.path,
        if rust == name.value {
            format!("{what} `{rust}` is already {taken_by}")
        } else {
            format!(
                "{what} `{}` becomes `{rust}`, which is already {taken_by}",
                name.value
            )
        },
        "rename it: generated names must not hide or clash with the API around them (see \"Names\" in lever-spec/README.md)",
    );
}

/// Rust names in one namespace of the generated code, each with the spec name it came from,
/// to report two spec names that become the same Rust name.
#[derive(Default)]
pub(super) struct Namespace<'w> {
    /// Rust name → what the first spec name was, the name, and where.
    taken: HashMap<String, (&'w str, String, crate::yaml::Location)>,
}

impl<'w> Namespace<'w> {
    pub(super) fn claim(
        &mut self,
        sink: &mut Sink,
        name: &Spanned<String>,
        what: &'w str,
        rust: String,
    ) {
        match self.taken.get(&rust) {
            Some((first_what, first, at)) => {
                let first_what = if *first_what == what { "" } else { first_what };
                sink.error_help(
                    &name.location,
                    &name.path,
                    format!(
                        "{what} `{}` and {first_what}{}`{first}` (at {at}) both become `{rust}` in Rust",
                        name.value,
                        if first_what.is_empty() { "" } else { " " },
                    ),
                    "rename one of them: two items cannot share a Rust name",
                );
            }
            None => {
                self.taken
                    .insert(rust, (what, name.value.clone(), name.location.clone()));
            }
        }
    }
}

/// Path and query parameters become fields (and optional ones setters) of the action's request
/// builder, beside the builder's own fields and methods.
pub(super) fn check_param_names(action: &ActionAst, sink: &mut Sink) {
    let perform_as = action.perform_as.as_ref().map(|p| p.value.as_str());
    let mut own: Vec<&str> = vec!["client"];
    own.extend(naming::BUILDER_METHODS);
    if let Some(body) = &action.body {
        own.push("body");
        if !body.files.is_empty() {
            own.push("file_parts");
        }
    }
    if perform_as.is_some() {
        own.push("perform_as");
    }
    if perform_as == Some("required") {
        own.push("state");
    }
    if action.paginated {
        own.extend(["limit", "offset"]);
    }
    let mut fields = Namespace::default();
    for (param, kind) in action
        .params
        .iter()
        .map(|p| (p, "path parameter"))
        .chain(action.query.iter().map(|p| (p, "query parameter")))
    {
        // `perform_as`, `limit` and `offset` as query parameters have their own error.
        if kind == "query parameter"
            && matches!(param.name.value.as_str(), "perform_as" | "limit" | "offset")
        {
            continue;
        }
        let rust = naming::field_name(&param.name.value);
        if !check_ident(sink, &param.name, kind, &rust) {
            continue;
        }
        if own.contains(&rust.as_str()) {
            reserved(
                sink,
                &param.name,
                kind,
                &rust,
                "a field or method of the action's request builder",
            );
            continue;
        }
        fields.claim(sink, &param.name, kind, rust);
    }
    for part in action.body.iter().flat_map(|b| &b.files) {
        let rust = naming::field_name(&part.name.value);
        if !check_ident(sink, &part.name, "file part", &rust) {
            continue;
        }
        if own.contains(&rust.as_str()) {
            reserved(
                sink,
                &part.name,
                "file part",
                &rust,
                "a field or method of the action's request builder",
            );
            continue;
        }
        fields.claim(sink, &part.name, "file part", rust);
    }
}
