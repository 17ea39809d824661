//! Guards that make every list walk end: a `next` token is never followed twice, and no walk
//! goes past a page cap.

use std::collections::HashSet;
use std::fmt;

use crate::error::Error;

/// The most pages a list's `.stream()` follows before it ends with [`Error::Pagination`]:
/// 100 000 pages, ten million items at Lever's largest page size.
pub const DEFAULT_MAX_PAGES: usize = 100_000;

/// Why a list walk was stopped before the server said it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationStop {
    /// The server sent a `next` token that had already been followed: the list would cycle.
    RepeatedToken,
    /// The list went on past the page cap.
    PageCap {
        /// The cap.
        max_pages: usize,
    },
}

impl fmt::Display for PaginationStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationStop::RepeatedToken => {
                f.write_str("the server sent a `next` token that was already followed (a cycle)")
            }
            PaginationStop::PageCap { max_pages } => {
                write!(f, "it went on past the cap of {max_pages} pages")
            }
        }
    }
}

/// Decides, page by page, which `next` token a list walk follows.
///
/// Every token followed is remembered (tokens are short; the page cap bounds how many), so a
/// cycle of any length is caught the first time a token comes back, before its page is
/// fetched again: no item is yielded twice.
#[derive(Debug)]
pub(crate) struct PageGuard {
    path: &'static str,
    followed: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl PageGuard {
    /// A guard for a walk of `path` (a path template, for errors) that started at `first`
    /// (the caller's own `offset`, if any) and fetches at most `max_pages` pages (at least one
    /// page is always fetched).
    pub(crate) fn new(path: &'static str, max_pages: usize, first: Option<&str>) -> Self {
        PageGuard {
            path,
            followed: first.map(str::to_owned).into_iter().collect(),
            pages: 0,
            max_pages,
        }
    }

    /// Called once per page received: the token to follow next, `None` when the list has
    /// ended, or [`Error::Pagination`] when following `next` would repeat a token or pass the
    /// cap.
    pub(crate) fn next<'t>(
        &mut self,
        has_next: bool,
        next: Option<&'t str>,
    ) -> Result<Option<&'t str>, Error> {
        self.pages += 1;
        if !has_next {
            return Ok(None);
        }
        let Some(token) = next.filter(|t| !t.is_empty()) else {
            tracing::warn!(
                path = self.path,
                "hasNext is true but no next token: stopping"
            );
            return Ok(None);
        };
        if self.followed.contains(token) {
            return Err(self.stop(PaginationStop::RepeatedToken));
        }
        if self.pages >= self.max_pages {
            return Err(self.stop(PaginationStop::PageCap {
                max_pages: self.max_pages,
            }));
        }
        self.followed.insert(token.to_owned());
        Ok(Some(token))
    }

    fn stop(&self, reason: PaginationStop) -> Error {
        tracing::warn!(path = self.path, pages = self.pages, %reason, "list walk stopped");
        Error::Pagination {
            path: self.path,
            pages: self.pages,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: Error) -> PaginationStop {
        match e {
            Error::Pagination { reason, .. } => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn follows_new_tokens_until_the_list_ends() {
        let mut guard = PageGuard::new("/x", 10, None);
        assert_eq!(guard.next(true, Some("a")).unwrap(), Some("a"));
        assert_eq!(guard.next(true, Some("b")).unwrap(), Some("b"));
        assert_eq!(guard.next(false, Some("c")).unwrap(), None);
    }

    #[test]
    fn a_missing_or_empty_token_ends_the_list() {
        assert_eq!(
            PageGuard::new("/x", 10, None).next(true, None).unwrap(),
            None
        );
        assert_eq!(
            PageGuard::new("/x", 10, None).next(true, Some("")).unwrap(),
            None
        );
    }

    #[test]
    fn any_repeat_is_a_cycle_however_long() {
        let mut guard = PageGuard::new("/x", 100, None);
        for t in ["a", "b", "c", "d"] {
            guard.next(true, Some(t)).unwrap();
        }
        let e = guard.next(true, Some("b")).unwrap_err();
        assert!(!e.is_retryable());
        assert_eq!(reason(e), PaginationStop::RepeatedToken);
        // The caller's own first offset counts as followed.
        let mut guard = PageGuard::new("/x", 100, Some("start"));
        assert_eq!(
            reason(guard.next(true, Some("start")).unwrap_err()),
            PaginationStop::RepeatedToken
        );
    }

    #[test]
    fn the_cap_counts_pages_received() {
        let mut guard = PageGuard::new("/x", 3, None);
        guard.next(true, Some("1")).unwrap();
        guard.next(true, Some("2")).unwrap();
        let e = guard.next(true, Some("3")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "list /x did not end after 3 pages: it went on past the cap of 3 pages"
        );
        // A list of exactly the cap ends normally.
        let mut guard = PageGuard::new("/x", 2, None);
        guard.next(true, Some("1")).unwrap();
        assert_eq!(guard.next(false, None).unwrap(), None);
    }
}
