//! What generated code needs from the runtime besides the request plumbing in `__private`:
//! re-exported crates (so user crates with generated overlays need no direct dependency on
//! them), type-state markers, and small serde helpers.

pub use bytes::Bytes;
pub use futures::stream::BoxStream;
pub use serde;
pub use serde_json;

pub use crate::__lever_object_serde as object_serde;
pub use crate::object_serde::{object_fields, Key};
pub use crate::redact::{debug_struct, RedactedDebug};
pub use crate::{__lever_debug_shown as debug_shown, __lever_redacted_debug as redacted_debug};

/// Type state of a request builder whose action requires `perform_as` and has none yet:
/// `.send()` is not available until `.perform_as(user)` is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerformAsMissing;

/// Type state of a request builder whose required `perform_as` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerformAsSet;

/// The type states in which `.send()` is available: only [`PerformAsSet`]. Its message is
/// what rustc prints for `.send()` on a builder that still needs `perform_as`.
#[diagnostic::on_unimplemented(
    message = "call `.perform_as(user_id)` first: Lever requires it for this action",
    label = "this request has no `perform_as` yet",
    note = "Lever records the change as made by that user; `.perform_as(user_id)` sets it"
)]
pub trait PerformAsGiven {}

impl PerformAsGiven for PerformAsSet {}

/// Reads an open enum's wire value: any string (unknown values are kept by the caller).
pub fn deserialize_open_enum<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string enum value")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
    }
    deserializer.deserialize_str(Visitor)
}
