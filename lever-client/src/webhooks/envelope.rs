//! Reading a delivery in one pass over its bytes, without building a `serde_json::Value`.
//!
//! [`Envelope::read`] borrows `token`, `signature`, `event` and `id`, reads `triggeredAt`, and
//! keeps `data` as raw JSON text, which [`Envelope::into_event`] then decodes straight into the
//! event's typed data.
//!
//! This is the fast path for well-formed deliveries, and it is deliberately conservative: it
//! answers `None` whenever the body is anything else (not JSON, not an object, a repeated
//! envelope key, a field of an unexpected type, an unknown event, data that does not decode,
//! deep nesting...), and the callers then take the `Value`-based path, which gives the exact
//! error (or keeps the unknown event whole). In the other direction, whatever the fast path
//! accepts, the `Value`-based path accepts too and turns into the same event: every value in
//! the body is checked as strictly as `serde_json::Value` parsing checks it (UTF-8, escapes,
//! number ranges, nesting), envelope fields are only taken in the shapes both paths read the
//! same way, and a repeated key makes the fast path give up rather than pick one.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::delivery::DeliveryParts;
use super::signature::{decode_signature, SignedFields};
use super::WebhookEvent;
use crate::Timestamp;

/// How deeply arrays and objects may nest inside an envelope value before the fast path gives
/// up. Well below serde_json's limit of 128 levels for the whole body, so a `Value` parse of a
/// body accepted here cannot hit that limit (`data` is checked on its own text, where
/// serde_json's own count starts again at zero).
const MAX_DEPTH: usize = 100;

/// One envelope field, in the shapes the fast path cares about.
#[derive(Debug, Default)]
enum Slot<'a> {
    /// The key is not in the body.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A string, borrowed from the body unless it had escapes.
    Str(Cow<'a, str>),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Anything else (checked, then dropped).
    Other,
}

/// The envelope of a delivery, read in one pass. See the module documentation.
#[derive(Debug)]
pub(crate) struct Envelope<'a> {
    token: Slot<'a>,
    triggered_at: Slot<'a>,
    signature: Slot<'a>,
    event: Slot<'a>,
    id: Slot<'a>,
    data: Option<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    /// Reads a body, or `None` if it is not a well-formed delivery object (the caller then
    /// takes the `Value`-based path). `data` is only skimmed: see [`Envelope::check_data`].
    pub(crate) fn read(body: &'a [u8]) -> Option<Envelope<'a>> {
        serde_json::from_slice(body).ok()
    }

    /// Checks `data` as strictly as a `Value` parse of the body would: a `RawValue` only skims
    /// its text (it does not parse numbers nor count nesting). `None` if it fails or there is
    /// no `data`.
    pub(crate) fn check_data(&self) -> Option<()> {
        check_raw(self.data?)
    }

    /// The signed fields, when `token` is a string, `triggeredAt` an `i64` integer and
    /// `signature` 64 hexadecimal characters; `None` otherwise.
    pub(crate) fn signed(&self) -> Option<SignedFields<'_>> {
        let Slot::Str(token) = &self.token else {
            return None;
        };
        let Slot::Int(triggered_at) = self.triggered_at else {
            return None;
        };
        let Slot::Str(hex_sig) = &self.signature else {
            return None;
        };
        let signature = decode_signature(hex_sig)?;
        Some(SignedFields {
            token,
            triggered_at,
            signature,
        })
    }

    /// The typed event, when the event is known and every field decodes; `None` otherwise.
    pub(crate) fn into_event(self) -> Option<WebhookEvent> {
        let Slot::Str(name) = self.event else {
            return None;
        };
        let Slot::Str(token) = self.token else {
            return None;
        };
        let Slot::Int(triggered_at) = self.triggered_at else {
            return None;
        };
        let signature = optional_string(self.signature)?;
        let id = optional_string(self.id)?;
        let data = self.data?;
        // Decoding the data checks it as a `Value` parse would when every type in it reads
        // all of its input and it cannot nest deeper than a `Value` parse of the whole body
        // allows (each level needs a `[` or `{`); otherwise check it first.
        // `memchr` finds the (usually few) brackets with SIMD; counting byte by byte cost about
        // a tenth of this path's instructions.
        let shallow = memchr::memchr2_iter(b'[', b'{', data.get().as_bytes())
            .take(MAX_DEPTH)
            .count()
            < MAX_DEPTH;
        if !(shallow && WebhookEvent::decodes_data_strictly(&name)) {
            check_raw(data)?;
        }
        let parts = DeliveryParts {
            id,
            token: token.into_owned(),
            triggered_at: Timestamp(triggered_at),
            signature,
        };
        WebhookEvent::from_parts(&name, parts, data.get())?.ok()
    }
}

/// Checks raw JSON text as strictly as a `Value` parse would; `None` if it fails.
fn check_raw(data: &RawValue) -> Option<()> {
    let mut de = serde_json::Deserializer::from_str(data.get());
    Strict(MAX_DEPTH).deserialize(&mut de).ok()?;
    de.end().ok()
}

/// An optional string field: absent or `null` is `Some(None)`, a string `Some(Some(_))`,
/// anything else `None` (not the fast path's business).
fn optional_string(slot: Slot<'_>) -> Option<Option<String>> {
    match slot {
        Slot::Absent | Slot::Null => Some(None),
        Slot::Str(s) => Some(Some(s.into_owned())),
        Slot::Int(_) | Slot::Other => None,
    }
}

/// The envelope keys the fast path reads.
enum Key {
    Token,
    TriggeredAt,
    Signature,
    Event,
    Id,
    Data,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "token" => Key::Token,
                    "triggeredAt" => Key::TriggeredAt,
                    "signature" => Key::Signature,
                    "event" => Key::Event,
                    "id" => Key::Id,
                    "data" => Key::Data,
                    _ => Key::Other,
                })
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor;

        impl<'de> Visitor<'de> for EnvelopeVisitor {
            type Value = Envelope<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a webhook delivery object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
                let mut envelope = Envelope {
                    token: Slot::Absent,
                    triggered_at: Slot::Absent,
                    signature: Slot::Absent,
                    event: Slot::Absent,
                    id: Slot::Absent,
                    data: None,
                };
                while let Some(key) = map.next_key::<Key>()? {
                    let slot = match key {
                        Key::Token => &mut envelope.token,
                        Key::TriggeredAt => &mut envelope.triggered_at,
                        Key::Signature => &mut envelope.signature,
                        Key::Event => &mut envelope.event,
                        Key::Id => &mut envelope.id,
                        Key::Data => {
                            if envelope.data.is_some() {
                                return Err(de::Error::custom("repeated key"));
                            }
                            envelope.data = Some(map.next_value()?);
                            continue;
                        }
                        Key::Other => {
                            map.next_value_seed(Strict(MAX_DEPTH))?;
                            continue;
                        }
                    };
                    // A `Value` keeps the last of repeated keys; leave that case to it.
                    if !matches!(slot, Slot::Absent) {
                        return Err(de::Error::custom("repeated key"));
                    }
                    *slot = map.next_value()?;
                }
                Ok(envelope)
            }
        }

        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

impl<'de> Deserialize<'de> for Slot<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SlotVisitor;

        impl<'de> Visitor<'de> for SlotVisitor {
            type Value = Slot<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Slot<'de>, E> {
                Ok(Slot::Other)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot<'de>, E> {
                Ok(Slot::Int(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot<'de>, E> {
                Ok(i64::try_from(v).map_or(Slot::Other, Slot::Int))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Slot<'de>, E> {
                Ok(Slot::Other)
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Slot<'de>, E> {
                Ok(Slot::Str(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot<'de>, E> {
                Ok(Slot::Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Slot<'de>, E> {
                Ok(Slot::Str(Cow::Owned(v)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Slot<'de>, E> {
                Ok(Slot::Null)
            }

            fn visit_none<E: de::Error>(self) -> Result<Slot<'de>, E> {
                Ok(Slot::Null)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Slot<'de>, A::Error> {
                StrictVisitor(MAX_DEPTH)
                    .visit_seq(seq)
                    .map(|()| Slot::Other)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Slot<'de>, A::Error> {
                StrictVisitor(MAX_DEPTH)
                    .visit_map(map)
                    .map(|()| Slot::Other)
            }
        }

        deserializer.deserialize_any(SlotVisitor)
    }
}

/// Skips a value while checking it as strictly as parsing it into a `serde_json::Value` would
/// (unlike `IgnoredAny`, which only skims): strings are decoded, numbers parsed, and arrays and
/// objects may nest this many more levels.
#[derive(Debug, Clone, Copy)]
struct Strict(usize);

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(StrictVisitor(self.0))
    }
}

/// The visitor of [`Strict`], with the nesting still allowed.
struct StrictVisitor(usize);

impl StrictVisitor {
    /// The seed for the elements of an array or object, one level deeper.
    fn inner<E: de::Error>(&self) -> Result<Strict, E> {
        match self.0.checked_sub(1) {
            Some(depth) => Ok(Strict(depth)),
            None => Err(E::custom("nested too deeply")),
        }
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while seq.next_element_seed(inner)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let inner = self.inner()?;
        while map.next_key_seed(inner)?.is_some() {
            map.next_value_seed(inner)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The fast path against the `Value` path: whenever the fast path answers, the `Value` path
    //! gives the same answer.

    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::super::{check_signature, event_from_value, parse_json, verify_value, WebhookError};
    use super::*;

    const KEY: &str = "key";

    fn kind(e: WebhookError) -> String {
        format!("{e:?}")
    }

    /// What the `Value` path says about `body`: (verify, parse).
    fn slow(body: &[u8]) -> (Result<(), String>, Result<WebhookEvent, String>) {
        let verify = parse_json(body).and_then(|v| verify_value(KEY, &v));
        let parse = parse_json(body).and_then(event_from_value);
        (verify.map_err(kind), parse.map_err(kind))
    }

    /// Checks that the fast path agrees with the `Value` path wherever it answers, and returns
    /// whether it answered (verify, parse).
    fn agree(body: &[u8]) -> (bool, bool) {
        let (slow_verify, slow_parse) = slow(body);
        let envelope = Envelope::read(body);
        let fast_verify = envelope
            .as_ref()
            .filter(|e| e.check_data().is_some())
            .and_then(Envelope::signed)
            .map(|fields| check_signature(KEY, &fields).map_err(kind));
        if let Some(fast) = &fast_verify {
            assert_eq!(fast, &slow_verify, "{}", String::from_utf8_lossy(body));
        }
        let fast_parse = envelope.and_then(Envelope::into_event);
        if let Some(fast) = &fast_parse {
            assert_eq!(
                Ok(fast),
                slow_parse.as_ref(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // The public functions agree with the `Value` path everywhere.
        assert_eq!(super::super::verify(KEY, body).map_err(kind), slow_verify);
        assert_eq!(super::super::parse(body).map_err(kind), slow_parse);
        let both = slow_verify.and(slow_parse);
        assert_eq!(
            super::super::verify_and_parse(KEY, body).map_err(kind),
            both
        );
        (fast_verify.is_some(), fast_parse.is_some())
    }

    fn delivery(event: &str, data: Value) -> Value {
        let token = "0123456789abcdef0123456789abcdef0123456789abcdef";
        let at = 1_700_000_000_000_i64;
        json!({"triggeredAt": at, "event": event, "token": token,
               "signature": super::super::sign(KEY, token, at), "data": data})
    }

    fn archive_change() -> Value {
        delivery(
            "candidateArchiveChange",
            json!({"opportunityId": "o", "fromArchived": null,
                   "toArchived": {"archivedAt": 1, "reason": "r"}, "extra": [1, {"a": "b"}]}),
        )
    }

    #[test]
    fn well_formed_deliveries_take_the_fast_path() {
        for body in [
            archive_change(),
            delivery("contactUpdated", json!({"contactId": "c", "x": null})),
            delivery("candidateHired", json!({})),
        ] {
            assert_eq!(agree(body.to_string().as_bytes()), (true, true));
            assert_eq!(
                agree(&serde_json::to_vec_pretty(&body).unwrap()),
                (true, true)
            );
        }
        // Escapes in envelope strings and keys.
        let text = archive_change()
            .to_string()
            .replace("\"token\"", "\"tok\\u0065n\"")
            .replace("\"data\"", "\"d\\u0061ta\"");
        assert_eq!(agree(text.as_bytes()), (true, true));
    }

    #[test]
    fn anything_unusual_takes_the_value_path() {
        let good = archive_change().to_string();
        let cases = [
            // Repeated keys: a `Value` keeps the last one.
            good.replacen('{', r#"{"token": 5, "#, 1),
            good.replacen('{', r#"{"data": 5, "#, 1),
            good.replacen('{', r#"{"event": "contactCreated", "#, 1),
            good.replace(
                r#""opportunityId":"o""#,
                r#""opportunityId":"o","opportunityId":"p""#,
            ),
            // Values a `Value` refuses even where the typed path would skim them.
            good.replacen('{', r#"{"extra": 1e400, "#, 1),
            good.replace(r#""reason":"r""#, r#""reason":"r","x":1e400"#),
            good.replace(r#""extra":[1"#, r#""extra":[1e999"#),
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            good.replacen(
                '{',
                &format!(r#"{{"deep": {}1{}, "#, "[".repeat(127), "]".repeat(127)),
                1,
            ),
            // Not the shapes both paths read alike.
            good.replace("1700000000000", "1700000000000.0"),
            good.replace("1700000000000", "\"1700000000000\""),
            good.replace(
                r#""event":"candidateArchiveChange""#,
                r#""event":"somethingNew""#,
            ),
            good.replace(r#""fromArchived":null"#, r#""fromArchived":7"#),
            good.replacen('{', r#"{"id": 5, "#, 1),
            good.replacen('{', r#"{"id": "evt", "#, 1),
            format!("{good} "),
            format!("{good}x"),
            good.replace(r#""data":{"#, r#""data":null,"x":{"#),
        ];
        for body in &cases {
            agree(body.as_bytes());
        }
        // An event whose data decodes strictly, with values a `Value` refuses.
        let contact = delivery("contactUpdated", json!({"contactId": "c", "x": [1]})).to_string();
        for depth in [120, 125, 126, 127, 128, 129] {
            let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            agree(contact.replace("[1]", &deep).as_bytes());
            agree(
                good.replace(r#""extra":[1"#, &format!(r#""extra":[{deep}"#))
                    .as_bytes(),
            );
        }
        for odd in ["1e400", "-1e999", r#""\ud800""#, "[1,]"] {
            agree(contact.replace("[1]", odd).as_bytes());
        }
        // Invalid UTF-8 in a skipped string.
        let mut bytes = good.replacen('{', r#"{"extra": "??", "#, 1).into_bytes();
        let at = bytes.iter().position(|&b| b == b'?').unwrap();
        bytes[at] = 0xff;
        assert_eq!(agree(&bytes), (false, false));
    }

    /// Any JSON value, a few levels deep.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::hash_map("[a-zA-Z]{0,12}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("token".to_owned()),
            Just("triggeredAt".to_owned()),
            Just("signature".to_owned()),
            Just("event".to_owned()),
            Just("data".to_owned()),
            Just("id".to_owned()),
            Just("opportunityId".to_owned()),
            Just("contactId".to_owned()),
            Just("toArchived".to_owned()),
            Just("fromArchived".to_owned()),
            Just("archivedAt".to_owned()),
            "[a-z]{1,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Random edits of a delivery, at the JSON level or as text (which can repeat keys).
        #[test]
        fn fast_path_agrees_with_value_path(
            strict_event in any::<bool>(),
            edits in prop::collection::vec((0usize..4, key(), any_json()), 0..4),
        ) {
            let mut v = if strict_event {
                delivery("contactUpdated", json!({"contactId": "c", "x": [1]}))
            } else {
                archive_change()
            };
            let mut text = None;
            for (what, k, x) in &edits {
                match what {
                    0 => { v[k.as_str()] = x.clone(); }
                    1 => { v.as_object_mut().map(|m| m.remove(k)); }
                    2 => {
                        if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                            data.insert(k.clone(), x.clone());
                        }
                    }
                    _ => {
                        let t = text.take().unwrap_or_else(|| v.to_string());
                        text = Some(t.replacen('{', &format!("{{{}:{x},", json!(k)), 1));
                    }
                }
            }
            let body = text.unwrap_or_else(|| v.to_string());
            agree(body.as_bytes());
        }
    }
}
