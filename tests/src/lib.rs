//! Cross-crate tests for the Lever client.
//!
//! The modules below are the golden outputs of `lever-codegen` for the small fixture specs in
//! `codegen/tests/fixtures/`: compiling this crate proves every pinned snapshot builds, and
//! `tests/generated_models.rs` tests how the generated types behave.

#![allow(missing_docs)]

/// Golden generated code, one module per fixture.
pub mod fixtures {
    /// An open enum with an unknown value.
    pub mod open_enum {
        include!("fixtures/open_enum.rs");
    }
    /// Absent vs null.
    pub mod nullable_optional {
        include!("fixtures/nullable_optional.rs");
    }
    /// Field names that are Rust keywords.
    pub mod keyword_fields {
        include!("fixtures/keyword_fields.rs");
    }
    /// Expandable references.
    pub mod expandable {
        include!("fixtures/expandable.rs");
    }
    /// A paginated action and the other response kinds.
    pub mod paginated {
        include!("fixtures/paginated.rs");
    }
    /// A webhook event.
    pub mod webhook_event {
        include!("fixtures/webhook_event.rs");
    }
    /// Polling triggers.
    pub mod polling_trigger {
        include!("fixtures/polling_trigger.rs");
    }
    /// An object that keeps unknown keys (`object_serde!` with `keep`).
    pub mod keep_unknown {
        include!("fixtures/keep_unknown.rs");
    }
}

/// The workspace README's examples, compiled as doctests so they stay true.
#[doc = include_str!("../../README.md")]
mod readme {}
