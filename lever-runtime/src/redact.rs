//! `Debug` for generated models and request builders that keeps candidates' personal data out.
//!
//! `Debug` output ends up in logs, panic messages and error reports, and a Lever object is
//! mostly personal data: names, emails, phone numbers, notes, feedback. So the `Debug` of a
//! generated object shows its shape — which fields are set, IDs, enums, numbers, booleans,
//! timestamps and the keys of unknown fields — and prints `<redacted>` for every non-empty
//! string and every JSON value. A program that needs a value reads the field.
//!
//! [`RedactedDebug`] says how one field's value is shown; [`Redacted`] turns it into a `Debug`
//! value; `__lever_redacted_debug!` writes the `Debug` impl of a struct from its field names,
//! as one call of [`debug_struct`]. Types whose own `Debug` is already safe (IDs, open enums,
//! generated objects, the client) show themselves through it, by `__lever_debug_shown!`.

use std::collections::BTreeMap;
use std::fmt;

use crate::{ByteSize, Client, Expandable, FilePart, Timestamp};

/// What a redacted value prints in place of its content.
const REDACTED: &str = "<redacted>";

/// How a field's value appears in a redacted `Debug`.
pub trait RedactedDebug {
    /// Writes the value, or `<redacted>` in place of content that may be personal data.
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// Writes the value of a field named `id`: an object's own ID is shown even when the spec
    /// types it as a plain string.
    fn fmt_as_id(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_redacted(f)
    }
}

/// A field's value as `Debug` shows it: through [`RedactedDebug`]. A trait object, so a
/// struct's `Debug` impl is not instantiated once per field type.
pub struct Redacted<'a>(pub &'a dyn RedactedDebug);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_redacted(f)
    }
}

/// A struct field's value as `Debug` shows it: [`Redacted`], except that a field named `id`
/// shows the ID.
struct FieldValue<'a> {
    is_id: bool,
    value: &'a dyn RedactedDebug,
}

impl fmt::Debug for FieldValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_id {
            self.value.fmt_as_id(f)
        } else {
            self.value.fmt_redacted(f)
        }
    }
}

/// The `Debug` of a generated struct, from its field names (as `stringify!` spells them) and
/// values: one non-generic call per struct, so that the generated code is an array of trait
/// objects rather than a chain of `.field()` calls.
#[doc(hidden)]
pub fn debug_struct(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fields: &[&str],
    values: &[&dyn RedactedDebug],
) -> fmt::Result {
    let mut out = f.debug_struct(name);
    for (field, value) in fields.iter().zip(values) {
        // `type`, not `r#type`.
        let field = field.strip_prefix("r#").unwrap_or(field);
        out.field(
            field,
            &FieldValue {
                is_id: field == "id",
                value: *value,
            },
        );
    }
    out.finish()
}

/// Free text: whether it is empty is shown, never what it says.
impl RedactedDebug for String {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_str().fmt_redacted(f)
    }

    fn fmt_as_id(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl RedactedDebug for str {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str(REDACTED)
        }
    }
}

/// Arbitrary JSON (custom fields, form answers, an unknown event): only `null` is shown.
impl RedactedDebug for serde_json::Value {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            serde_json::Value::Null => f.write_str("Null"),
            _ => f.write_str(REDACTED),
        }
    }
}

/// Keys the spec does not know: their names are shown (they are Lever's field names, and
/// seeing them is how one notices the API grew), their values are not.
impl RedactedDebug for serde_json::Map<String, serde_json::Value> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(key, value)| (key, Redacted(value))))
            .finish()
    }
}

/// A map keyed by strings the spec does not name (signer keys, custom field IDs): keys and
/// values both go through redaction.
impl<T: RedactedDebug> RedactedDebug for BTreeMap<String, T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.iter()
                    .map(|(key, value)| (Redacted(key), Redacted(value))),
            )
            .finish()
    }
}

impl<T: RedactedDebug> RedactedDebug for Option<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => f.debug_tuple("Some").field(&Redacted(value)).finish(),
            None => f.write_str("None"),
        }
    }

    fn fmt_as_id(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => f
                .debug_tuple("Some")
                .field(&FieldValue { is_id: true, value })
                .finish(),
            None => f.write_str("None"),
        }
    }
}

impl<T: RedactedDebug> RedactedDebug for Vec<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|value| Redacted(value)))
            .finish()
    }
}

impl<T: RedactedDebug + ?Sized> RedactedDebug for Box<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_redacted(f)
    }
}

impl<A: RedactedDebug, B: RedactedDebug> RedactedDebug for (A, B) {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("")
            .field(&Redacted(&self.0))
            .field(&Redacted(&self.1))
            .finish()
    }
}

/// An unexpanded reference is an ID, shown; an expanded one is the object, redacted.
impl<T: RedactedDebug> RedactedDebug for Expandable<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expandable::Id(id) => f.debug_tuple("Id").field(id).finish(),
            Expandable::Expanded(object) => {
                f.debug_tuple("Expanded").field(&Redacted(object)).finish()
            }
        }
    }
}

impl<T: ?Sized> RedactedDebug for std::marker::PhantomData<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhantomData")
    }
}

/// A whole JSON document (a polled item, an unknown delivery): an object shows its keys, every
/// value is redacted.
pub(crate) struct JsonKeys<'a>(pub(crate) &'a serde_json::Value);

impl fmt::Debug for JsonKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            serde_json::Value::Object(map) => map.fmt_redacted(f),
            other => other.fmt_redacted(f),
        }
    }
}

/// Query or path parameters: their names are shown, their values (an `email` filter, say)
/// are not.
pub(crate) struct ParamNames<'a, N>(pub(crate) &'a [(N, String)]);

impl<N: fmt::Debug> fmt::Debug for ParamNames<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, value)| (name, Redacted(value))))
            .finish()
    }
}

/// Shows a type through its own `Debug`, which is already free of personal data (an ID, an
/// enum, a number, a timestamp, a generated object whose `Debug` redacts).
#[doc(hidden)]
#[macro_export]
macro_rules! __lever_debug_shown {
    ($($ty:ty),* $(,)?) => {
        $(impl $crate::__private::RedactedDebug for $ty {
            fn fmt_redacted(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(self, f)
            }
        })*
    };
}

// `FilePart`'s `Debug` shows its extension, content type and size, never the file's name.
crate::__lever_debug_shown!(bool, i64, u32, f64, Timestamp, ByteSize, FilePart, Client);

/// `impl Debug` for a generated struct, each field shown through [`RedactedDebug`]; an
/// optional type parameter (a builder's type state) is carried over.
///
/// ```text
/// ::lever_client::__private::redacted_debug!(Posting { id, text, unknown_fields });
/// ::lever_client::__private::redacted_debug!(PostingsCreateRequest<S> { client, body });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __lever_redacted_debug {
    ($name:ident $(<$state:ident>)? { $($field:ident),* $(,)? }) => {
        impl$(<$state>)? ::std::fmt::Debug for $name$(<$state>)? {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::__private::debug_struct(
                    f,
                    ::std::stringify!($name),
                    &[$(::std::stringify!($field)),*],
                    &[$(&self.$field as &dyn $crate::__private::RedactedDebug),*],
                )
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Person {
        id: String,
        name: String,
        nickname: Option<String>,
        emails: Vec<String>,
        archived_at: Option<Timestamp>,
        score: Option<i64>,
        custom: BTreeMap<String, serde_json::Value>,
        extra: Option<serde_json::Value>,
        r#type: String,
        unknown_fields: serde_json::Map<String, serde_json::Value>,
    }

    crate::__lever_redacted_debug!(Person {
        id,
        name,
        nickname,
        emails,
        archived_at,
        score,
        custom,
        extra,
        r#type,
        unknown_fields
    });

    fn person() -> Person {
        let mut unknown_fields = serde_json::Map::new();
        unknown_fields.insert("pronouns".into(), json!("PII-pronouns"));
        Person {
            id: "PII-id".into(),
            name: "PII-name Jane Roe".into(),
            nickname: None,
            emails: vec!["PII-email jane@example.com".into(), String::new()],
            archived_at: Some(Timestamp(1_700_000_000_000)),
            score: Some(7),
            custom: BTreeMap::from([("PII-key".to_owned(), json!({"a": "PII-custom"}))]),
            extra: Some(serde_json::Value::Null),
            r#type: "PII-type".into(),
            unknown_fields,
        }
    }

    #[test]
    fn strings_and_json_are_redacted_and_the_shape_is_shown() {
        let plain = format!("{:?}", person());
        let pretty = format!("{:#?}", person());
        for text in [&plain, &pretty] {
            let without_id = text.replace("\"PII-id\"", "");
            assert!(!without_id.contains("PII"), "personal data leaks: {text}");
        }
        assert_eq!(
            plain,
            "Person { id: \"PII-id\", name: <redacted>, nickname: None, \
             emails: [<redacted>, \"\"], archived_at: Some(Timestamp(1700000000000)), \
             score: Some(7), custom: {<redacted>: <redacted>}, extra: Some(Null), \
             type: <redacted>, unknown_fields: {\"pronouns\": <redacted>} }"
        );
    }

    #[test]
    fn an_unexpanded_reference_shows_its_id_and_an_expanded_one_is_redacted() {
        struct Owner {
            name: String,
        }
        crate::__lever_redacted_debug!(Owner { name });
        crate::__lever_debug_shown!(Owner);
        let by_id: Expandable<Owner> = Expandable::Id("u-1".into());
        let expanded = Expandable::Expanded(Box::new(Owner {
            name: "PII-owner".into(),
        }));
        assert_eq!(format!("{:?}", Redacted(&by_id)), "Id(\"u-1\")");
        assert_eq!(
            format!("{:?}", Redacted(&expanded)),
            "Expanded(Owner { name: <redacted> })"
        );
    }
}
