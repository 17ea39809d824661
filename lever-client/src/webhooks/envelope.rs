//! Reading a delivery's envelope without building a `serde_json::Value`.
//!
//! [`Envelope::read`] is a derived `Deserialize` that borrows `token`, `signature` and `event`
//! from the body and keeps `data` as raw JSON text, which [`Envelope::into_event`] then decodes
//! straight into the event's typed data.
//!
//! This is the fast path for well-formed deliveries, and it is deliberately conservative: it
//! answers `None` whenever the body is anything else (not a JSON object, a key other than the
//! envelope's, a repeated key, a field of another type, an escaped string, an unknown event,
//! data that does not decode or nests deeply...), and the callers then take the `Value`-based
//! path, which gives the exact error (or keeps the unknown event whole). In the other
//! direction, whatever the fast path accepts, the `Value`-based path accepts too and turns into
//! the same event: serde_json checks the envelope's values as a `Value` parse does, and `data`
//! (which a `RawValue` only skims) is checked by decoding it strictly or as a `Value`.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::delivery::DeliveryParts;
use super::signature::{decode_signature, SignedFields};
use super::WebhookEvent;
use crate::Timestamp;

/// How many `[` and `{` `data` may hold before the fast path gives up: each nesting level
/// needs one, so below this `data` cannot reach serde_json's limit of 128 levels for the
/// whole body, which a check of `data` on its own text (counting from zero) would not see.
const MAX_BRACKETS: usize = 100;

/// The envelope of a delivery. See the module documentation.
///
/// Unknown keys are refused rather than skipped: a derived struct skims what it skips, and a
/// `Value` parse does not (`1e400` or a lone surrogate there is an error).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Envelope<'a> {
    token: &'a str,
    triggered_at: i64,
    #[serde(default)]
    signature: Option<&'a str>,
    event: &'a str,
    #[serde(default)]
    id: Option<String>,
    data: &'a RawValue,
}

impl<'a> Envelope<'a> {
    /// Reads a body, or `None` if it is not a well-formed delivery object (the caller then
    /// takes the `Value`-based path). `data` is only skimmed: see [`Envelope::check_data`].
    pub(crate) fn read(body: &'a [u8]) -> Option<Envelope<'a>> {
        // A derived struct also reads a JSON array (its fields in order); a delivery is an object.
        if body.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        serde_json::from_slice(body).ok()
    }

    /// Checks `data` as strictly as a `Value` parse of the body would; `None` if it fails.
    pub(crate) fn check_data(&self) -> Option<()> {
        if !self.shallow_data() {
            return None;
        }
        serde_json::from_str::<serde_json::Value>(self.data.get())
            .ok()
            .map(drop)
    }

    /// Whether `data` has too few brackets to nest as deeply as a `Value` parse refuses.
    /// `memchr` finds the (usually few) brackets with SIMD; counting byte by byte cost about a
    /// tenth of the typed path's instructions.
    fn shallow_data(&self) -> bool {
        memchr::memchr2_iter(b'[', b'{', self.data.get().as_bytes())
            .take(MAX_BRACKETS)
            .count()
            < MAX_BRACKETS
    }

    /// The signed fields, when `signature` is 64 hexadecimal characters; `None` otherwise.
    pub(crate) fn signed(&self) -> Option<SignedFields<'a>> {
        Some(SignedFields {
            token: self.token,
            triggered_at: self.triggered_at,
            signature: decode_signature(self.signature?)?,
        })
    }

    /// The typed event, when the event is known and its data decodes; `None` otherwise.
    pub(crate) fn into_event(self) -> Option<WebhookEvent> {
        // Decoding the data checks it as a `Value` parse would when every type in it reads all
        // of its input; otherwise check it first.
        if !(self.shallow_data() && WebhookEvent::decodes_data_strictly(self.event)) {
            self.check_data()?;
        }
        let parts = DeliveryParts {
            id: self.id,
            token: self.token.to_owned(),
            triggered_at: Timestamp(self.triggered_at),
            signature: self.signature.map(str::to_owned),
        };
        WebhookEvent::from_parts(self.event, parts, self.data.get())?.ok()
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
    use crate::any_json::{any_json, webhook_key};

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
        // Escapes in envelope keys.
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
            // An escaped envelope string is not borrowed: the `Value` path reads it.
            good.replace(
                r#""event":"candidateArchiveChange""#,
                r#""event":"candid\u0061teArchiveChange""#,
            ),
            // A derived struct would read the fields from an array, in order.
            format!(
                r#"["{token}", {at}, "{sig}", "candidateHired", null, {{}}]"#,
                token = "t",
                at = 5,
                sig = super::super::sign(KEY, "t", 5)
            ),
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Random edits of a delivery, at the JSON level or as text (which can repeat keys).
        #[test]
        fn fast_path_agrees_with_value_path(
            strict_event in any::<bool>(),
            edits in prop::collection::vec((0usize..4, webhook_key(), any_json()), 0..4),
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
