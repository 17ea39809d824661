//! Milliseconds since the Unix epoch, the unit of every stored time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now, in ms since the epoch (0 if the clock is before 1970).
pub(crate) fn now_ms() -> i64 {
    to_ms(SystemTime::now())
}

/// A time in ms since the epoch, saturating.
pub(crate) fn to_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// ms since the epoch as a time, saturating at the epoch for negative values.
pub(crate) fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}
