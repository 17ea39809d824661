//! [`ClientBuilder::record_to`](lever_runtime::ClientBuilder::record_to) (feature `record`):
//! each successful response written as a recording for `lever-codegen drift`, with personal
//! data redacted so that users can share the files. See [`lever_runtime::record`] for what
//! redaction keeps.

use serde_json::Value;

/// The redacted copy of a response body: strings become placeholders of the same kind unless
/// they are IDs, numeric, or an enum value this spec knows; numbers become `0` unless they
/// look like timestamps.
pub fn redact(value: &Value) -> Value {
    lever_runtime::record::redact(value, crate::spec_info::ENUM_VALUES)
}

#[cfg(test)]
mod tests {
    use crate::spec_info::ENUM_VALUES;

    #[test]
    fn enum_values_are_sorted_for_the_binary_search() {
        assert!(ENUM_VALUES.windows(2).all(|w| w[0] < w[1]));
        assert!(ENUM_VALUES.contains(&"non-confidential"));
    }
}
