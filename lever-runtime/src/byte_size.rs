//! `ByteSize`: a file size as Lever sends it, a number in real data and a numeric string in
//! the documentation's examples.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A size in bytes.
///
/// Serialises as a JSON integer. Deserialises leniently: a non-negative integer, a float
/// without a fractional part, or a numeric string such as `"1024"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl From<u64> for ByteSize {
    fn from(bytes: u64) -> Self {
        ByteSize(bytes)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

struct ByteSizeVisitor;

impl Visitor<'_> for ByteSizeVisitor {
    type Value = ByteSize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a size in bytes (a non-negative integer or a numeric string)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
        Ok(ByteSize(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
        u64::try_from(v)
            .map(ByteSize)
            .map_err(|_| E::invalid_value(Unexpected::Other("negative integer"), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ByteSize, E> {
        // u64::MAX as f64 rounds up to 2^64, so use a strict upper bound.
        if v.is_finite() && v.fract() == 0.0 && v >= 0.0 && v < u64::MAX as f64 {
            // In range and integral, so the cast is exact.
            Ok(ByteSize(v as u64))
        } else {
            Err(E::invalid_value(
                Unexpected::Other("number that is not a whole, non-negative count of bytes"),
                &self,
            ))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
        v.trim()
            .parse::<u64>()
            .map(ByteSize)
            .map_err(|_| E::invalid_value(Unexpected::Other("string that is not a count"), &self))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ByteSizeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_numbers_and_numeric_strings() {
        for (wire, bytes) in [
            (json!(1024), 1024),
            (json!("1024"), 1024),
            (json!(" 7 "), 7),
            (json!(2048.0), 2048),
        ] {
            let size: ByteSize = serde_json::from_value(wire.clone()).expect("decodes");
            assert_eq!(size, ByteSize(bytes), "{wire}");
        }
        assert_eq!(
            serde_json::to_value(ByteSize(1024)).expect("encodes"),
            json!(1024)
        );
    }

    #[test]
    fn refuses_what_is_not_a_count() {
        for wire in [
            json!(-1),
            json!(1.5),
            json!("big"),
            json!(true),
            json!(null),
        ] {
            assert!(
                serde_json::from_value::<ByteSize>(wire.clone()).is_err(),
                "{wire}"
            );
        }
    }
}
