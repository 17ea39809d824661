//! One recorded JSON value checked against a spec type, the way the generated client would
//! decode it, collecting every difference instead of stopping at the first.

use lever_spec::{Spec, TypeKind, TypeRef};
use serde_json::Value;

/// What differs between the traffic and the spec at one JSON path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// A key the spec does not declare (the client skips it: a warning).
    UnknownField,
    /// A value of another JSON kind than the spec's type (decoding fails).
    TypeMismatch {
        /// What the spec expects, e.g. `string`.
        expected: String,
        /// The JSON kind found, e.g. `number`.
        found: &'static str,
    },
    /// `null` where the spec says the field is not nullable (decoding fails).
    UnexpectedNull,
    /// A required key that is absent (decoding fails).
    MissingRequired,
    /// An enum value the spec does not list (decodes as `Other`: a warning).
    UnknownEnumValue {
        /// The enum type.
        enum_name: String,
        /// The value seen.
        value: String,
    },
    /// The response is not in the envelope the spec says (decoding fails).
    EnvelopeMismatch {
        /// The expected envelope, e.g. `{"data": ...}`.
        expected: &'static str,
    },
}

impl Finding {
    /// Whether the generated client would fail to decode the response.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Finding::UnknownField | Finding::UnknownEnumValue { .. }
        )
    }

    /// A short description.
    pub fn describe(&self) -> String {
        match self {
            Finding::UnknownField => "field not in the spec".into(),
            Finding::TypeMismatch { expected, found } => {
                format!("expected {expected}, found {found}")
            }
            Finding::UnexpectedNull => "null, but the spec says not nullable".into(),
            Finding::MissingRequired => "absent, but the spec says required".into(),
            Finding::UnknownEnumValue { enum_name, value } => {
                format!("value {value:?} is not in enum {enum_name}")
            }
            Finding::EnvelopeMismatch { expected } => {
                format!("envelope did not match: expected {expected}")
            }
        }
    }
}

/// The JSON kind of a value, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks values against spec types, pushing `(json path, finding)` pairs. Array indices are
/// written `[]`, so findings from different items of one list add up.
pub(crate) struct Walker<'s> {
    pub spec: &'s Spec,
    pub findings: Vec<(String, Finding)>,
}

fn is_numeric_string(value: &Value, allow_sign: bool) -> bool {
    value.as_str().is_some_and(|s| {
        let digits = if allow_sign {
            s.trim().strip_prefix('-').unwrap_or(s.trim())
        } else {
            s.trim()
        };
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

impl Walker<'_> {
    fn mismatch(&mut self, path: &str, expected: impl Into<String>, value: &Value) {
        self.findings.push((
            path.to_string(),
            Finding::TypeMismatch {
                expected: expected.into(),
                found: kind(value),
            },
        ));
    }

    /// Checks `value` at `path` against `ty`.
    pub(crate) fn check(&mut self, value: &Value, ty: &TypeRef, path: &str) {
        match ty {
            TypeRef::String if !value.is_string() => self.mismatch(path, "string", value),
            TypeRef::Integer if !(value.is_i64() || value.is_u64()) => {
                self.mismatch(path, "integer", value)
            }
            TypeRef::Number if !value.is_number() => self.mismatch(path, "number", value),
            TypeRef::Boolean if !value.is_boolean() => self.mismatch(path, "boolean", value),
            TypeRef::Timestamp if !(value.is_i64() || is_numeric_string(value, true)) => {
                self.mismatch(path, "timestamp (integer milliseconds)", value)
            }
            TypeRef::ByteSize if !(value.is_u64() || is_numeric_string(value, false)) => {
                self.mismatch(path, "byte size (non-negative integer)", value)
            }
            TypeRef::List(inner) => match value.as_array() {
                Some(items) => {
                    for item in items {
                        self.check(item, inner, &format!("{path}[]"));
                    }
                }
                None => self.mismatch(path, "array", value),
            },
            TypeRef::Map(inner) => match value.as_object() {
                Some(entries) => {
                    for item in entries.values() {
                        self.check(item, inner, &format!("{path}.*"));
                    }
                }
                None => self.mismatch(path, "object", value),
            },
            TypeRef::Expandable(name) => match value {
                Value::String(_) => {}
                Value::Object(_) => self.named(value, name, path),
                other => self.mismatch(path, format!("ID or {name}"), other),
            },
            TypeRef::Named(name) => self.named(value, name, path),
            _ => {}
        }
    }

    fn named(&mut self, value: &Value, name: &str, path: &str) {
        let Some(def) = self.spec.types.get(name) else {
            return;
        };
        match &def.kind {
            TypeKind::Id if !value.is_string() => {
                self.mismatch(path, format!("{name} (an ID string)"), value)
            }
            TypeKind::Id => {}
            TypeKind::Enum(values) => match value.as_str() {
                Some(s) if values.values.iter().any(|v| v.value == s) => {}
                Some(s) => self.findings.push((
                    path.to_string(),
                    Finding::UnknownEnumValue {
                        enum_name: name.to_string(),
                        value: s.to_string(),
                    },
                )),
                None => self.mismatch(path, format!("{name} (a string)"), value),
            },
            TypeKind::Object(object) => {
                let Some(map) = value.as_object() else {
                    return self.mismatch(path, name.to_string(), value);
                };
                for field in &object.fields {
                    let at = join(path, &field.name);
                    match map.get(&field.name) {
                        None if !field.optional => {
                            self.findings.push((at, Finding::MissingRequired))
                        }
                        None => {}
                        Some(Value::Null) if field.nullable => {}
                        Some(Value::Null) => self.findings.push((at, Finding::UnexpectedNull)),
                        Some(v) => self.check(v, &field.ty, &at),
                    }
                }
                for key in map.keys() {
                    if !object.fields.iter().any(|f| &f.name == key) {
                        self.findings.push((join(path, key), Finding::UnknownField));
                    }
                }
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
