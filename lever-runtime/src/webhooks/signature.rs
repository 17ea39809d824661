//! Lever's webhook signature: lowercase hex HMAC-SHA256 of `token + triggeredAt`, keyed with
//! the signature token.
//!
//! The raw body is not part of the HMAC and there is no signature header: everything is in the
//! JSON body (see `shared/lever-api.md` §3.3).

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::error::WebhookError;

type HmacSha256 = Hmac<Sha256>;

/// The length of a SHA-256 digest in bytes.
pub(crate) const DIGEST_LEN: usize = 32;

/// The signed fields of a delivery, read from its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignedFields<'a> {
    /// The delivery's random `token`.
    pub(crate) token: &'a str,
    /// `triggeredAt`, a JSON integer.
    pub(crate) triggered_at: i64,
    /// The decoded `signature`.
    pub(crate) signature: [u8; DIGEST_LEN],
}

/// A signature token made ready for HMAC: keying hashes the padded key twice (inner and outer),
/// so a [`Verifier`](super::Verifier) keys once and clones the state for each delivery.
#[derive(Clone)]
pub(crate) struct SigningKey(HmacSha256);

impl SigningKey {
    pub(crate) fn new(signature_token: &str) -> Self {
        // HMAC accepts keys of any length (long keys are hashed, short ones padded), so
        // `new_from_slice` cannot fail for `Hmac<Sha256>`.
        SigningKey(
            HmacSha256::new_from_slice(signature_token.as_bytes())
                .expect("HMAC accepts keys of any length"),
        )
    }

    /// The HMAC over `token + triggered_at` (base 10), ready to finalise or verify.
    fn mac(&self, token: &str, triggered_at: i64) -> HmacSha256 {
        let mut mac = self.0.clone();
        mac.update(token.as_bytes());
        mac.update(decimal(triggered_at, &mut [0; 20]));
        mac
    }

    /// Whether `signature` is the signature of `token + triggered_at` under this key,
    /// compared in constant time.
    pub(crate) fn matches(
        &self,
        token: &str,
        triggered_at: i64,
        signature: &[u8; DIGEST_LEN],
    ) -> bool {
        self.mac(token, triggered_at)
            .verify_slice(signature)
            .is_ok()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// `n` in base 10, exactly as `n.to_string()` writes it, in `buf` (no allocation). An `i64`
/// has at most 19 digits plus a sign, so 20 bytes always suffice.
pub(crate) fn decimal(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    let mut rest = n.unsigned_abs();
    for slot in buf.iter_mut().rev() {
        // `rest % 10` is below 10, so the narrowing is exact.
        *slot = b'0' + (rest % 10) as u8;
        start -= 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'-';
        }
    }
    buf.get(start..).unwrap_or_default()
}

/// Decodes a signature: exactly `2 * DIGEST_LEN` hex digits, either case.
pub(crate) fn decode_signature(hex_sig: &str) -> Option<[u8; DIGEST_LEN]> {
    let mut out = [0u8; DIGEST_LEN];
    hex::decode_to_slice(hex_sig, &mut out).ok()?;
    Some(out)
}

/// Signs a delivery the way Lever does: the lowercase hex HMAC-SHA256 of `token` followed by
/// `triggered_at` written in base 10, keyed with `signature_token`.
///
/// ```
/// let sig = lever_client::webhooks::sign("key", "abc", 1431454330072);
/// assert_eq!(sig.len(), 64);
/// ```
pub fn sign(signature_token: &str, token: &str, triggered_at: i64) -> String {
    hex::encode(
        SigningKey::new(signature_token)
            .mac(token, triggered_at)
            .finalize()
            .into_bytes(),
    )
}

/// Whether `signature` is the signature of `token + triggered_at` under `signature_token`,
/// compared in constant time.
pub(crate) fn matches(
    signature_token: &str,
    token: &str,
    triggered_at: i64,
    signature: &[u8; DIGEST_LEN],
) -> bool {
    SigningKey::new(signature_token).matches(token, triggered_at, signature)
}

/// Reads `token`, `triggeredAt` and `signature` from a parsed delivery body.
pub(crate) fn signed_fields(body: &Value) -> Result<SignedFields<'_>, WebhookError> {
    let Value::Object(map) = body else {
        return Err(WebhookError::UnknownShape {
            message: format!("expected a JSON object, got {}", kind(body)),
        });
    };
    let token = match map.get("token") {
        None | Some(Value::Null) => return Err(WebhookError::MissingField("token")),
        Some(Value::String(token)) => token.as_str(),
        Some(other) => {
            return Err(WebhookError::InvalidField {
                field: "token",
                reason: format!("expected a string, got {}", kind(other)),
            })
        }
    };
    let triggered_at = match map.get("triggeredAt") {
        None | Some(Value::Null) => return Err(WebhookError::MissingField("triggeredAt")),
        Some(value) => integer(value).map_err(|reason| WebhookError::InvalidField {
            field: "triggeredAt",
            reason,
        })?,
    };
    let signature = match map.get("signature") {
        None | Some(Value::Null) => return Err(WebhookError::MissingSignature),
        Some(Value::String(hex_sig)) => {
            decode_signature(hex_sig).ok_or(WebhookError::BadSignatureEncoding)?
        }
        Some(_) => return Err(WebhookError::BadSignatureEncoding),
    };
    Ok(SignedFields {
        token,
        triggered_at,
        signature,
    })
}

/// A JSON integer as `i64`. Floats (even `1.0` or `1e12`), strings and out-of-range integers
/// are refused: the signed message uses the integer exactly as Lever wrote it.
fn integer(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.is_u64() {
                Err("the integer is out of range".to_owned())
            } else {
                Err("expected a JSON integer, got a floating-point number".to_owned())
            }
        }
        other => Err(format!("expected a JSON integer, got {}", kind(other))),
    }
}

/// A short name for a JSON value's type, for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signatures_are_64_hex_digits_of_either_case() {
        let lower = sign("key", "abc", 1);
        let decoded = decode_signature(&lower).expect("a lowercase signature decodes");
        assert!(matches("key", "abc", 1, &decoded));
        assert_eq!(decode_signature(&lower.to_uppercase()), Some(decoded));
        for bad in [
            lower[..63].to_owned(),
            format!("{lower}0"),
            format!("g{}", &lower[1..]),
            // 64 bytes, one of them not ASCII.
            format!("é{}", &lower[2..]),
            " ".repeat(64),
            String::new(),
        ] {
            assert_eq!(decode_signature(&bad), None, "{bad:?}");
        }
    }

    /// A vector computed independently:
    /// `printf %s abc1431454330072 | openssl dgst -sha256 -hmac key`.
    #[test]
    fn known_vector() {
        assert_eq!(
            sign("key", "abc", 1431454330072),
            "bc45d26da1c5119ba269cbaab0618c942d8aa624d9fb897d16cc095ba7d2f296"
        );
    }

    #[test]
    fn reads_fields() {
        let sig = sign("k", "t", 5);
        let body = json!({"token": "t", "triggeredAt": 5, "signature": sig});
        let fields = signed_fields(&body).unwrap();
        assert_eq!(fields.token, "t");
        assert_eq!(fields.triggered_at, 5);
        assert!(matches("k", "t", 5, &fields.signature));
        assert!(!matches("other", "t", 5, &fields.signature));
    }

    #[test]
    fn decimal_matches_to_string() {
        for n in [
            0,
            1,
            -1,
            9,
            10,
            -10,
            1431454330072,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string().as_bytes(), "{n}");
        }
    }

    #[test]
    fn integers_only() {
        assert_eq!(integer(&json!(1431454330072i64)), Ok(1431454330072));
        assert_eq!(integer(&json!(-3)), Ok(-3));
        assert!(integer(&json!(1.5)).is_err());
        assert!(integer(&json!(1e12)).is_err());
        assert!(integer(&json!("1431454330072")).is_err());
        assert!(integer(&json!(u64::MAX)).is_err());
        assert!(integer(&json!(null)).is_err());
    }
}
