//! A value-free description of a JSON decoding failure.
//!
//! serde's messages quote the offending value (`invalid type: string "Jane Roe", expected
//! u64`), and in an applicant tracking system that value is a candidate's personal data. This
//! module keeps only what the *code* contributed to a message — the expected type, which
//! comes from a visitor's `expecting`, and field names, which are `&'static str` — plus the
//! kind of JSON value found. What it cannot recognise it leaves out.

use std::fmt;

use serde_json::error::Category;

/// The kind of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonKind {
    /// A string.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// An object.
    Object,
    /// An array.
    Array,
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonKind::String => "a string",
            JsonKind::Number => "a number",
            JsonKind::Bool => "a boolean",
            JsonKind::Null => "null",
            JsonKind::Object => "an object",
            JsonKind::Array => "an array",
        })
    }
}

/// What a response body held where the decoder expected something else (never the value
/// itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Found {
    /// A value of another JSON kind, e.g. a string where a number belongs.
    WrongKind(JsonKind),
    /// A value of an acceptable kind but not an acceptable value, e.g. a string that is not a
    /// timestamp, or a number out of range.
    InvalidValue(JsonKind),
    /// An array or object with the wrong number of elements.
    WrongLength,
    /// A name that is not one of the expected variants or fields.
    UnknownName,
    /// Nothing: a required field is absent (the expectation names it).
    MissingField,
    /// A field given more than once (the expectation names it).
    DuplicateField,
    /// The end of the body before the JSON was complete: a truncated response.
    EndOfInput,
    /// Text that is not JSON, or more text after the JSON value.
    NotJson,
    /// Something else the decoder refused; its message is kept only in the sensitive detail.
    Other,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::WrongKind(kind) => write!(f, "{kind}"),
            Found::InvalidValue(kind) => write!(f, "{kind} with an invalid value"),
            Found::WrongLength => f.write_str("the wrong number of elements"),
            Found::UnknownName => f.write_str("an unknown name"),
            Found::MissingField => f.write_str("nothing (the field is missing)"),
            Found::DuplicateField => f.write_str("the field more than once"),
            Found::EndOfInput => f.write_str("the end of the body (truncated JSON)"),
            Found::NotJson => f.write_str("text that is not JSON"),
            Found::Other => f.write_str("a value the decoder refused"),
        }
    }
}

/// Said when the message does not reveal what was expected.
const UNKNOWN_EXPECTATION: &str = "a value of the expected type";

/// The expectation and the kind found, from a `serde_json` error.
pub fn describe(err: &serde_json::Error) -> (String, Found) {
    match err.classify() {
        Category::Eof => ("valid JSON".into(), Found::EndOfInput),
        Category::Syntax | Category::Io => ("valid JSON".into(), Found::NotJson),
        Category::Data => describe_data(&message_without_position(err)),
    }
}

/// serde_json's message without the ` at line L column C` it appends.
fn message_without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    if err.line() == 0 {
        return message;
    }
    let position = format!(" at line {} column {}", err.line(), err.column());
    match message.strip_suffix(&position) {
        Some(m) => m.to_owned(),
        None => message,
    }
}

/// Reads serde's standard messages (`serde::de::Error`'s provided methods, and serde_json's
/// versions of `invalid_type`/`invalid_value`).
fn describe_data(message: &str) -> (String, Found) {
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return (
            expectation(rest),
            kind_of(rest).map_or(Found::Other, Found::WrongKind),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        return (
            expectation(rest),
            kind_of(rest).map_or(Found::Other, Found::InvalidValue),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        return (expectation(rest), Found::WrongLength);
    }
    for prefix in ["unknown variant ", "unknown field "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let expected = match rest.rsplit_once(", expected ") {
                Some((_, e)) => e.to_owned(),
                None => "no variant or field at all".to_owned(),
            };
            return (expected, Found::UnknownName);
        }
    }
    // The field names of these two are `&'static str`: they come from the code.
    if let Some(name) = field_name(message, "missing field `") {
        return (format!("the field `{name}`"), Found::MissingField);
    }
    if let Some(name) = field_name(message, "duplicate field `") {
        return (format!("the field `{name}` once"), Found::DuplicateField);
    }
    (UNKNOWN_EXPECTATION.into(), Found::Other)
}

/// The text after serde's last `, expected `: what the visitor expected. The value, which
/// comes before, may itself contain `, expected `; the expectation comes from code and does
/// not.
fn expectation(rest: &str) -> String {
    match rest.rsplit_once(", expected ") {
        Some((_, expected)) if !expected.is_empty() => expected.to_owned(),
        _ => UNKNOWN_EXPECTATION.to_owned(),
    }
}

/// The kind named at the start of a `serde::de::Unexpected` as serde_json displays it.
fn kind_of(unexpected: &str) -> Option<JsonKind> {
    const KINDS: &[(&str, JsonKind)] = &[
        ("string ", JsonKind::String),
        ("character ", JsonKind::String),
        ("byte array", JsonKind::String),
        ("integer ", JsonKind::Number),
        ("floating point ", JsonKind::Number),
        ("boolean ", JsonKind::Bool),
        ("null", JsonKind::Null),
        ("unit value", JsonKind::Null),
        ("Option value", JsonKind::Null),
        ("sequence", JsonKind::Array),
        ("map", JsonKind::Object),
    ];
    KINDS
        .iter()
        .find(|(prefix, _)| unexpected.starts_with(prefix))
        .map(|(_, kind)| *kind)
}

/// `name` from `<prefix>name`` ` `` when `message` is exactly that.
fn field_name<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let name = message.strip_prefix(prefix)?.strip_suffix('`')?;
    (!name.contains('`')).then_some(name)
}

/// A JSON path for display: indices and identifier-like keys as `serde_path_to_error` shows
/// them (`data[3].createdAt`, `.` for the root); any other key, which a map keyed by data
/// (names, e-mail addresses) could hold, as `<key>`.
pub(crate) fn display_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        let name = match segment {
            Segment::Seq { index } => {
                out.push_str(&format!("[{index}]"));
                continue;
            }
            Segment::Map { key } if is_identifier(key) => key.as_str(),
            Segment::Enum { variant } if is_identifier(variant) => variant.as_str(),
            Segment::Map { .. } | Segment::Enum { .. } => "<key>",
            Segment::Unknown => "?",
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(name);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Whether a key looks like a schema's field name rather than data.
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> (String, Found) {
        describe(&serde_json::from_str::<T>(json).unwrap_err())
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct S {
        id: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum E {
        A,
    }

    #[test]
    fn each_message_shape() {
        assert_eq!(
            err::<u64>(r#""Jane, expected u64""#),
            ("u64".into(), Found::WrongKind(JsonKind::String))
        );
        assert_eq!(
            err::<u8>("300"),
            ("u8".into(), Found::InvalidValue(JsonKind::Number))
        );
        assert_eq!(
            err::<String>("null"),
            ("a string".into(), Found::WrongKind(JsonKind::Null))
        );
        assert_eq!(
            err::<u32>("1.5"),
            ("u32".into(), Found::WrongKind(JsonKind::Number))
        );
        assert_eq!(err::<u32>("true").1, Found::WrongKind(JsonKind::Bool));
        assert_eq!(err::<u32>("[1]").1, Found::WrongKind(JsonKind::Array));
        assert_eq!(err::<u32>("{}").1, Found::WrongKind(JsonKind::Object));
        assert_eq!(err::<(u8, u8)>("[1]").1, Found::WrongLength);
        assert_eq!(err::<E>(r#""Jane""#), ("`A`".into(), Found::UnknownName));
        assert_eq!(err::<S>(r#"{"id": 1, "Jane": 2}"#).1, Found::UnknownName);
        assert_eq!(
            err::<S>("{}"),
            ("the field `id`".into(), Found::MissingField)
        );
        assert_eq!(
            err::<S>(r#"{"id": 1, "id": 2}"#),
            ("the field `id` once".into(), Found::DuplicateField)
        );
        assert_eq!(err::<S>(r#"{"id": "#).1, Found::EndOfInput);
        assert_eq!(err::<S>("Jane").1, Found::NotJson);
        assert_eq!(
            describe(&<serde_json::Error as serde::de::Error>::custom("Jane Roe")),
            (UNKNOWN_EXPECTATION.into(), Found::Other)
        );
    }

    #[test]
    fn paths_keep_schema_names_only() {
        let body = r#"{"data": [{"m": {"jane@example.com": {"x": 1}}}]}"#;
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            m: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            data: Vec<Item>,
        }
        let e = serde_path_to_error::deserialize::<_, Body>(
            &mut serde_json::Deserializer::from_str(body),
        )
        .unwrap_err();
        assert_eq!(display_path(e.path()), "data[0].m.<key>.x");
        let e = serde_path_to_error::deserialize::<_, u8>(&mut serde_json::Deserializer::from_str(
            "true",
        ))
        .unwrap_err();
        assert_eq!(display_path(e.path()), ".");
    }
}
