//! `Serialize` and `Deserialize` for generated objects, written by a declarative macro instead
//! of serde's derive, and their `Debug`, which redacts personal data (see `redact.rs`).
//!
//! The derive writes, per struct, a field enum with three visitors, a sequence visitor and a map
//! visitor. JSON objects only ever need the map visitor, and a declarative macro expands far
//! faster than a procedural one, so the generated client compiles in noticeably less time (see
//! the compile rows of the README's benchmark table) and the generated source is shorter: one
//! line per field here instead of `#[serde(...)]` attributes on each field.
//!
//! Semantics, matching what the derive with the generator's old attributes gave:
//!
//! * `required`: the key must be present (`missing field` otherwise); always written.
//! * `optional` (`Option<T>`): absent or `null` is `None`; `None` is not written.
//! * `nullable` (`Option<T>`): absent or `null` is `None`; `None` is written as `null`.
//! * `optional_nullable` (`Option<Option<T>>`): absent is `None`, `null` is `Some(None)`;
//!   `None` is not written, `Some(None)` is written as `null`.
//! * A repeated known key is a `duplicate field` error. Unknown keys are skipped, or, with
//!   `keep <field>`, kept in that `serde_json::Map` (a repeated unknown key keeps its last
//!   value) and written after the known fields.

use std::borrow::Cow;

use serde::Deserialize;

/// An object key, borrowed from the input when it can be (a key with escapes is owned).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl Key<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

/// The per-field steps of `__lever_object_serde!`, as functions: one generic body here
/// instead of the same statements expanded (and type-checked) once per field of every object.
pub mod object_fields {
    use serde::de::{Error as _, IgnoredAny, MapAccess};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Serialize};
    use serde_json::{Map, Value};

    /// Reads the value of a known key into its slot; a second occurrence is an error.
    #[inline]
    pub fn read<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        slot: &mut Option<T>,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        read_as(map, slot, wire, |value| value)
    }

    /// [`read`] for an `optional_nullable` field: the key is present, so even `null` is
    /// `Some(None)`.
    #[inline]
    pub fn read_present<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        slot: &mut Option<Option<T>>,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        read_as(map, slot, wire, Some)
    }

    #[inline]
    fn read_as<'de, A: MapAccess<'de>, T: Deserialize<'de>, V>(
        map: &mut A,
        slot: &mut Option<V>,
        wire: &'static str,
        wrap: fn(T) -> V,
    ) -> Result<(), A::Error> {
        if slot.is_some() {
            return Err(A::Error::duplicate_field(wire));
        }
        *slot = Some(wrap(map.next_value()?));
        Ok(())
    }

    /// Skips the value of a key the spec does not know.
    #[inline]
    pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
        map.next_value::<IgnoredAny>().map(|_| ())
    }

    /// Keeps the value of a key the spec does not know (a repeated key keeps its last value).
    #[inline]
    pub fn keep<'de, A: MapAccess<'de>>(
        map: &mut A,
        unknown: &mut Map<String, Value>,
        key: super::Key<'de>,
    ) -> Result<(), A::Error> {
        let value = map.next_value::<Value>()?;
        unknown.insert(key.into_string(), value);
        Ok(())
    }

    /// A required field's value, or `missing field` when its key never came.
    #[inline]
    pub fn required<T, E: serde::de::Error>(slot: Option<T>, wire: &'static str) -> Result<T, E> {
        slot.ok_or_else(|| E::missing_field(wire))
    }

    /// Writes an optional field only when it is set.
    #[inline]
    pub fn write_present<M: SerializeMap, T: Serialize>(
        map: &mut M,
        wire: &'static str,
        value: &Option<T>,
    ) -> Result<(), M::Error> {
        match value {
            Some(value) => map.serialize_entry(wire, value),
            None => Ok(()),
        }
    }
}

/// `impl Serialize`, `impl Deserialize` and a redacting `impl Debug` for a generated object.
/// See the module documentation for the field kinds.
///
/// ```text
/// ::lever_client::__private::object_serde!(Posting {
///     required id = "id",
///     optional created_at = "createdAt",
/// });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __lever_object_serde {
    ($name:ident { $($kind:ident $field:ident = $wire:literal),* $(,)? } $(keep $unknown:ident)?) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<__S: $crate::__private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> ::std::result::Result<__S::Ok, __S::Error> {
                use $crate::__private::serde::ser::SerializeMap as _;
                // Not mutated when the object has no fields.
                #[allow(unused_mut)]
                let mut map = serializer.serialize_map(::std::option::Option::None)?;
                $($crate::__lever_object_serde!(@write $kind map, &self.$field, $wire);)*
                $(for (key, value) in &self.$unknown {
                    map.serialize_entry(key, value)?;
                })?
                map.end()
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<__D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: __D,
            ) -> ::std::result::Result<Self, __D::Error> {
                // Named so that this local item cannot shadow a generated type called `$name`.
                struct __LeverObjectVisitor;

                impl<'de> $crate::__private::serde::de::Visitor<'de> for __LeverObjectVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(::std::concat!("struct ", ::std::stringify!($name)))
                    }

                    fn visit_map<__A: $crate::__private::serde::de::MapAccess<'de>>(
                        self,
                        mut map: __A,
                    ) -> ::std::result::Result<$name, __A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        $(let mut $unknown = $crate::__private::serde_json::Map::new();)?
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<$crate::__private::Key<'de>>()?
                        {
                            // One `?` for the whole match, not one per field.
                            match key.as_str() {
                                $($wire => $crate::__lever_object_serde!(@read $kind map, &mut $field, $wire),)*
                                _ => $crate::__lever_object_serde!(@unknown map, key $(, $unknown)?),
                            }?;
                        }
                        ::std::result::Result::Ok($name {
                            $($field: $crate::__lever_object_serde!(@finish $kind $field, $wire, __A),)*
                            $($unknown,)?
                        })
                    }
                }

                deserializer.deserialize_map(__LeverObjectVisitor)
            }
        }

        $crate::__lever_redacted_debug!($name { $($field,)* $($unknown)? });
        $crate::__lever_debug_shown!($name);
    };

    (@write required $map:ident, $value:expr, $wire:literal) => {
        $map.serialize_entry($wire, $value)?
    };
    (@write nullable $map:ident, $value:expr, $wire:literal) => {
        $map.serialize_entry($wire, $value)?
    };
    (@write $kind:ident $map:ident, $value:expr, $wire:literal) => {
        $crate::__private::object_fields::write_present(&mut $map, $wire, $value)?
    };

    (@read optional_nullable $map:ident, $slot:expr, $wire:literal) => {
        $crate::__private::object_fields::read_present(&mut $map, $slot, $wire)
    };
    (@read $kind:ident $map:ident, $slot:expr, $wire:literal) => {
        $crate::__private::object_fields::read(&mut $map, $slot, $wire)
    };

    (@unknown $map:ident, $key:ident) => {
        $crate::__private::object_fields::skip(&mut $map)
    };
    (@unknown $map:ident, $key:ident, $unknown:ident) => {
        $crate::__private::object_fields::keep(&mut $map, &mut $unknown, $key)
    };

    (@finish required $field:ident, $wire:literal, $access:ident) => {
        $crate::__private::object_fields::required::<_, $access::Error>($field, $wire)?
    };
    (@finish optional $field:ident, $wire:literal, $access:ident) => {
        ::std::option::Option::unwrap_or_default($field)
    };
    (@finish nullable $field:ident, $wire:literal, $access:ident) => {
        ::std::option::Option::unwrap_or_default($field)
    };
    (@finish optional_nullable $field:ident, $wire:literal, $access:ident) => {
        ::std::option::Option::unwrap_or_default($field)
    };
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde_json::{json, Map, Value};

    use super::Key;

    #[test]
    fn keys_are_borrowed_unless_escaped() {
        let plain: Key<'_> = serde_json::from_str(r#""createdAt""#).unwrap();
        assert!(matches!(plain.0, Cow::Borrowed("createdAt")));
        let escaped: Key<'_> = serde_json::from_str(r#""cre\u0061tedAt""#).unwrap();
        assert!(matches!(&escaped.0, Cow::Owned(key) if key == "createdAt"));
        assert!(serde_json::from_str::<Key<'_>>("5").is_err());
    }

    /// One field of each kind, a keyword field, and unknown keys kept.
    #[derive(Clone, PartialEq)]
    struct Kept {
        id: String,
        r#type: Option<u32>,
        note: Option<String>,
        owner: Option<Option<String>>,
        unknown_fields: Map<String, Value>,
    }
    crate::__lever_object_serde!(Kept {
        required id = "id",
        optional r#type = "type",
        nullable note = "note",
        optional_nullable owner = "owner"
    } keep unknown_fields);

    /// The same without `keep`.
    #[derive(Clone, PartialEq)]
    struct Skipped {
        id: String,
        owner: Option<Option<String>>,
    }
    crate::__lever_object_serde!(Skipped {
        required id = "id",
        optional_nullable owner = "owner"
    });

    #[derive(Clone, PartialEq)]
    struct Empty {}
    crate::__lever_object_serde!(Empty {});

    fn kept(value: Value) -> Result<Kept, serde_json::Error> {
        // Both a slice (borrowed keys) and a `Value` (owned keys) must read the same.
        let from_slice = serde_json::from_slice::<Kept>(value.to_string().as_bytes());
        let from_value = serde_json::from_value::<Kept>(value);
        match (&from_slice, &from_value) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(
                a.to_string().split(" at line").next(),
                Some(b.to_string().as_str())
            ),
            _ => panic!("slice {from_slice:?} and value {from_value:?} disagree"),
        }
        from_slice
    }

    #[test]
    fn absent_null_and_value_are_kept_apart() {
        let absent = kept(json!({"id": "a"})).unwrap();
        assert_eq!(
            (absent.r#type, absent.note.clone(), absent.owner.clone()),
            (None, None, None)
        );
        let null = kept(json!({"id": "a", "type": null, "note": null, "owner": null})).unwrap();
        assert_eq!(
            (null.r#type, null.note.clone(), null.owner.clone()),
            (None, None, Some(None))
        );
        let set = kept(json!({"id": "a", "type": 3, "note": "n", "owner": "u"})).unwrap();
        assert_eq!(set.r#type, Some(3));
        assert_eq!(set.note.as_deref(), Some("n"));
        assert_eq!(set.owner, Some(Some("u".into())));

        assert_eq!(
            serde_json::to_value(&absent).unwrap(),
            json!({"id": "a", "note": null})
        );
        assert_eq!(
            serde_json::to_value(&null).unwrap(),
            json!({"id": "a", "note": null, "owner": null})
        );
        assert_eq!(
            serde_json::to_value(&set).unwrap(),
            json!({"id": "a", "type": 3, "note": "n", "owner": "u"})
        );
    }

    #[test]
    fn unknown_keys_are_kept_after_the_fields_or_skipped() {
        let body = r#"{"z\u0061": [1, {"b": 2}], "id": "a", "extra": true, "extra": false}"#;
        let value: Kept = serde_json::from_str(body).unwrap();
        assert_eq!(value.unknown_fields.get("za"), Some(&json!([1, {"b": 2}])));
        // A repeated unknown key keeps its last value, as `serde_json::Map` does.
        assert_eq!(value.unknown_fields.get("extra"), Some(&json!(false)));
        let written = serde_json::to_string(&value).unwrap();
        assert!(
            written.starts_with(r#"{"id":"a","note":null,"#),
            "{written}"
        );
        assert_eq!(serde_json::from_str::<Kept>(&written).unwrap(), value);

        let skipped: Skipped = serde_json::from_str(body).unwrap();
        assert_eq!(
            skipped,
            Skipped {
                id: "a".into(),
                owner: None
            }
        );
        assert_eq!(serde_json::from_str::<Empty>(body).unwrap(), Empty {});
        assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
    }

    #[test]
    fn bad_input_is_a_precise_error() {
        let missing = kept(json!({"type": 1})).unwrap_err().to_string();
        assert!(missing.starts_with("missing field `id`"), "{missing}");
        let wrong = kept(json!({"id": "a", "type": "x"}))
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("invalid type: string \"x\""), "{wrong}");
        let not_object = kept(json!(["a"])).unwrap_err().to_string();
        assert!(not_object.contains("expected struct Kept"), "{not_object}");
        let repeated = serde_json::from_str::<Kept>(r#"{"id": "a", "id": "b"}"#)
            .unwrap_err()
            .to_string();
        assert!(repeated.starts_with("duplicate field `id`"), "{repeated}");
        let truncated = serde_json::from_str::<Kept>(r#"{"id": "a", "owner": "#).unwrap_err();
        assert!(truncated.is_eof(), "{truncated}");
    }
}
