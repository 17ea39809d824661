//! How spec names become Rust names. Shared by validation (to catch collisions early) and by
//! codegen (to emit them), so the two can never disagree.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The Rust field or method name for a wire name: `createdAt` → `created_at`.
/// Rust keywords are returned as they are; codegen emits them as raw identifiers.
pub fn field_name(wire: &str) -> String {
    let snake = wire
        .replace(['-', '.', ':', ' ', '[', ']'], "_")
        .to_snake_case();
    if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{snake}")
    } else {
        snake
    }
}

/// The enum variant for a wire value: `non-confidential` → `NonConfidential`.
pub fn variant_name(value: &str) -> String {
    let camel = value
        .replace(['-', '.', ':', ' ', '/'], "_")
        .to_upper_camel_case();
    if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    }
}

/// PascalCase for a snake_case name: `posting_created` → `PostingCreated`.
pub fn pascal(name: &str) -> String {
    name.to_upper_camel_case()
}

/// Strict keywords that `syn` cannot take as raw identifiers.
pub fn is_unrawable_keyword(name: &str) -> bool {
    matches!(name, "self" | "Self" | "super" | "crate" | "_")
}

/// Keywords (strict, reserved and edition-dependent) that generated code must write as raw
/// identifiers (`r#type`). Those that cannot be raw are [`is_unrawable_keyword`].
pub fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// Why a name cannot be written as a Rust identifier in generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentProblem {
    /// The name is empty.
    Empty,
    /// The name starts with a digit.
    StartsWithDigit,
    /// The name holds a character that is not an ASCII letter, digit or `_`. Non-ASCII
    /// letters are refused too, though rustc accepts many: generated names read the same in
    /// every editor and font, and never trip rustc's confusable-identifier lints.
    BadCharacter(char),
    /// `self`, `Self`, `super`, `crate` or `_`: keywords that not even `r#` makes usable.
    Keyword,
}

impl std::fmt::Display for IdentProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdentProblem::Empty => f.write_str("it is empty"),
            IdentProblem::StartsWithDigit => f.write_str("it starts with a digit"),
            IdentProblem::BadCharacter(c) => write!(
                f,
                "it contains {c:?} (U+{:04X}); Rust names here use ASCII letters, digits and `_`",
                u32::from(*c)
            ),
            IdentProblem::Keyword => f.write_str(
                "it is a Rust keyword that cannot be an identifier, not even as `r#` raw identifier",
            ),
        }
    }
}

/// The one check of a generated Rust identifier, used by validation (with the location of the
/// spec name) and by code generation (which refuses a spec rather than emitting or panicking
/// on a bad name). `None` means codegen can emit `name`, raw (`r#name`) if [`is_keyword`].
pub fn ident_problem(name: &str) -> Option<IdentProblem> {
    let Some(first) = name.chars().next() else {
        return Some(IdentProblem::Empty);
    };
    if is_unrawable_keyword(name) {
        return Some(IdentProblem::Keyword);
    }
    if first.is_ascii_digit() {
        return Some(IdentProblem::StartsWithDigit);
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map(IdentProblem::BadCharacter)
}

/// Inherent methods of `lever_client::Client` and of the `lever_runtime::Client` it wraps
/// (reached through `Deref`): a resource accessor of the same name would be unreachable or
/// clash.
/// `lever-spec/tests/client_methods.rs` reads lever-client's source and fails when this list
/// and the methods differ.
pub const CLIENT_METHODS: &[&str] = &[
    "after_answer",
    "after_transport_error",
    "attempt",
    "attempt_request",
    "base_url",
    "builder",
    "deadline",
    "dispatch",
    "dispatch_with_meta",
    "execute",
    "execute_in_span",
    "execute_with_deadline",
    "request",
    "send_for_body",
    "send_for_success",
    "stream_items",
    "stream_items_with_max_pages",
    "stream_pages",
    "url",
    "with_deadline",
];

/// Methods every generated resource accessor has besides its actions.
pub const ACCESSOR_METHODS: &[&str] = &["new", "client"];

/// Methods every generated request builder has besides its parameter setters.
pub const BUILDER_METHODS: &[&str] =
    &["send", "send_with_meta", "stream", "to_request", "deadline"];

/// Types every generated `resources` module holds besides resource accessors and builders.
pub const RESOURCES_MODULE_TYPES: &[&str] = &["PerformAsMissing", "PerformAsSet"];

/// The variant of the generated `WebhookEvent` that holds events the spec does not know.
pub const UNKNOWN_EVENT_VARIANT: &str = "Unknown";

/// The field of a `keep_unknown` object that holds the keys the spec does not know.
pub const UNKNOWN_FIELDS_FIELD: &str = "unknown_fields";

/// The name of an action's request builder type: `postings.get` → `PostingsGetRequest`.
pub fn builder_type_name(resource: &str, action: &str) -> String {
    format!("{}{}Request", pascal(resource), pascal(action))
}

/// Whether `name` is snake_case: lowercase ASCII letters, digits and underscores, starting
/// with a letter.
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `name` is PascalCase: ASCII letters and digits, starting with an uppercase letter.
pub fn is_pascal_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_name("createdAt"), "created_at");
        assert_eq!(field_name("type"), "type");
        assert_eq!(field_name("updated_at_start"), "updated_at_start");
        assert_eq!(variant_name("non-confidential"), "NonConfidential");
        assert_eq!(variant_name("super admin"), "SuperAdmin");
        assert_eq!(
            variant_name("account.authentication:changed"),
            "AccountAuthenticationChanged"
        );
        assert_eq!(variant_name("1"), "V1");
        assert!(is_snake_case("posting_created"));
        assert!(!is_snake_case("PostingCreated"));
        assert!(is_pascal_case("Posting"));
        assert!(!is_pascal_case("posting"));
    }

    #[test]
    fn identifiers() {
        assert_eq!(ident_problem("created_at"), None);
        assert_eq!(
            ident_problem("type"),
            None,
            "rawable keywords are emitted as r#type"
        );
        assert_eq!(ident_problem(""), Some(IdentProblem::Empty));
        assert_eq!(ident_problem("Self"), Some(IdentProblem::Keyword));
        assert_eq!(ident_problem("crate"), Some(IdentProblem::Keyword));
        assert_eq!(ident_problem("_"), Some(IdentProblem::Keyword));
        assert_eq!(ident_problem("1x"), Some(IdentProblem::StartsWithDigit));
        // An Arabic-Indic digit is not an ASCII digit but cannot start an identifier either.
        assert_eq!(
            ident_problem(&variant_name("\u{663}x")),
            Some(IdentProblem::BadCharacter('\u{663}'))
        );
        // `field_name` turns symbols into word breaks, but keeps letters outside ASCII.
        assert_eq!(field_name("a$b"), "a_b");
        assert_eq!(
            ident_problem(&field_name("na\u{ef}ve")),
            Some(IdentProblem::BadCharacter('\u{ef}'))
        );
        assert_eq!(variant_name("self"), "Self");
        assert_eq!(
            ident_problem(&variant_name("self")),
            Some(IdentProblem::Keyword)
        );
    }
}
