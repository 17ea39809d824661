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
use crate::registry::EventKind;
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
    pub(crate) fn into_event<E: EventKind>(self) -> Option<E> {
        // Decoding the data checks it as a `Value` parse would when every type in it reads all
        // of its input; otherwise check it first.
        if !(self.shallow_data() && E::decodes_data_strictly(self.event)) {
            self.check_data()?;
        }
        let parts = DeliveryParts {
            id: self.id,
            token: self.token.to_owned(),
            triggered_at: Timestamp(self.triggered_at),
            signature: self.signature.map(str::to_owned),
        };
        E::from_parts(self.event, parts, self.data.get())?.ok()
    }
}

/// The two paths apart, for the differential test in lever-client (`tests/webhooks_fast_path.rs`),
/// which runs them on the generated events: whatever the one-pass path answers, the `Value`
/// path must answer too.
#[doc(hidden)]
pub mod paths {
    use super::super::{check_signature, event_from_value, parse_json, verify_value};
    use super::{Envelope, EventKind};
    use crate::webhooks::WebhookError;

    /// The `Value` path: (verify against `signature_token`, parse).
    pub fn by_value<E: EventKind>(
        signature_token: &str,
        body: &[u8],
    ) -> (Result<(), WebhookError>, Result<E, WebhookError>) {
        let verify = parse_json(body).and_then(|v| verify_value(signature_token, &v));
        let parse = parse_json(body).and_then(event_from_value);
        (verify, parse)
    }

    /// The one-pass path: (verify, parse), each `None` where it leaves the body to the `Value`
    /// path.
    pub fn one_pass<E: EventKind>(
        signature_token: &str,
        body: &[u8],
    ) -> (Option<Result<(), WebhookError>>, Option<E>) {
        let envelope = Envelope::read(body);
        let verify = envelope
            .as_ref()
            .filter(|e| e.check_data().is_some())
            .and_then(Envelope::signed)
            .map(|fields| check_signature(signature_token, &fields));
        (verify, envelope.and_then(Envelope::into_event))
    }
}
