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
}
