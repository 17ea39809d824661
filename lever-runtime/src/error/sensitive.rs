//! Text from a response that must stay out of logs.

use std::fmt;

/// Text taken from a response — a body snippet, the decoder's own message, an OAuth error
/// description — that **may contain candidates' personal data or secrets**.
///
/// It is kept for debugging only: `Debug` shows its length, never its content, and there is
/// no `Display`. Read it with [`SensitiveDetail::expose`], and only where personal data may
/// go (not into ordinary logs or error reports).
#[derive(Clone, PartialEq, Eq)]
pub struct SensitiveDetail(String);

impl SensitiveDetail {
    /// Wraps text (e.g. to build an [`Error`](crate::Error) in a test double).
    pub fn new(text: impl Into<String>) -> Self {
        SensitiveDetail(text.into())
    }

    /// The text. It may contain personal data or secrets: do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SensitiveDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SensitiveDetail(<{} characters withheld>)",
            self.0.chars().count()
        )
    }
}

/// The source of an [`Error::Auth`](crate::Error::Auth) whose detail is withheld: error
/// chains (`{:#}` in anyhow, `source()` loops) print its `Display`, so that says only where
/// the detail is. [`Error::sensitive_detail`](crate::Error::sensitive_detail) finds it.
#[derive(Debug)]
pub(crate) struct Withheld(pub(crate) SensitiveDetail);

impl fmt::Display for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("details withheld: they may contain secrets (see Error::sensitive_detail)")
    }
}

impl std::error::Error for Withheld {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_withholds_the_text() {
        let d = SensitiveDetail::new("Jane Roe");
        assert_eq!(format!("{d:?}"), "SensitiveDetail(<8 characters withheld>)");
        assert_eq!(d.expose(), "Jane Roe");
        let w = Withheld(d);
        assert!(!format!("{w} {w:?}").contains("Jane"));
    }
}
