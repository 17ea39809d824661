//! Targeted faults for tests: fail the next N requests of one route with a status, or delay
//! every request of a route — beside the random fault rates of [`FaultConfig`](crate::FaultConfig).

use std::time::Duration;

use axum::http::{Method, StatusCode};

use crate::error::SimError;

/// A route as tests write it: `"POST /postings"` or `"GET /postings/{posting}"` (`/v1` may be
/// left out; `{…}` or `:…` segments match any one segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteMatch {
    method: Method,
    segments: Vec<Option<String>>,
}

impl RouteMatch {
    pub(crate) fn parse(route: &str) -> Result<RouteMatch, SimError> {
        let invalid = || SimError::InvalidRoute {
            route: route.to_owned(),
        };
        let (method, path) = route.trim().split_once(' ').ok_or_else(invalid)?;
        let method = Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| invalid())?;
        let path = path.trim();
        if !path.starts_with('/') {
            return Err(invalid());
        }
        let path = path
            .strip_prefix("/v1")
            .filter(|p| p.is_empty() || p.starts_with('/'))
            .unwrap_or(path);
        let segments = path
            .trim_matches('/')
            .split('/')
            .map(|s| {
                let wild = (s.starts_with('{') && s.ends_with('}')) || s.starts_with(':');
                (!wild).then(|| s.to_owned())
            })
            .collect();
        Ok(RouteMatch { method, segments })
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        if method != self.method {
            return false;
        }
        let path = path.strip_prefix("/v1").unwrap_or(path);
        let mut parts = path.trim_matches('/').split('/');
        let mut wanted = self.segments.iter();
        loop {
            match (parts.next(), wanted.next()) {
                (None, None) => return true,
                (Some(part), Some(Some(literal))) if part == literal => {}
                (Some(_), Some(None)) => {}
                _ => return false,
            }
        }
    }
}

/// What a targeted fault does.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Answer `status` (a Lever-shaped error body), this many more times.
    Fail { status: StatusCode, remaining: u32 },
    /// Wait this long before answering, every time.
    Delay(Duration),
}

/// The targeted faults in force, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct TargetedFaults {
    faults: Vec<(RouteMatch, Action)>,
}

/// What the server does to one request.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub delay: Duration,
    pub fail: Option<StatusCode>,
}

impl TargetedFaults {
    pub(crate) fn add(&mut self, route: RouteMatch, action: Action) {
        self.faults.push((route, action));
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    /// The delays and the first pending failure that apply to a request; uses that failure up.
    pub(crate) fn take(&mut self, method: &Method, path: &str) -> Verdict {
        let mut verdict = Verdict::default();
        for (route, action) in &mut self.faults {
            if !route.matches(method, path) {
                continue;
            }
            match action {
                Action::Delay(d) => verdict.delay = verdict.delay.saturating_add(*d),
                Action::Fail { status, remaining } if *remaining > 0 && verdict.fail.is_none() => {
                    *remaining -= 1;
                    verdict.fail = Some(*status);
                }
                Action::Fail { .. } => {}
            }
        }
        self.faults
            .retain(|(_, a)| !matches!(a, Action::Fail { remaining: 0, .. }));
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_templates_with_or_without_v1() {
        let r = RouteMatch::parse("get /postings/{posting}").unwrap();
        assert!(r.matches(&Method::GET, "/v1/postings/abc"));
        assert!(r.matches(&Method::GET, "/postings/abc/"));
        assert!(!r.matches(&Method::POST, "/v1/postings/abc"));
        assert!(!r.matches(&Method::GET, "/v1/postings"));
        assert!(!r.matches(&Method::GET, "/v1/postings/abc/apply"));
        let colon = RouteMatch::parse("POST /v1/opportunities/:id/notes").unwrap();
        assert!(colon.matches(&Method::POST, "/v1/opportunities/o1/notes"));
        for bad in ["/postings", "GET postings", "G@T /x", ""] {
            assert!(RouteMatch::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn failures_are_used_up_and_delays_stay() {
        let mut f = TargetedFaults::default();
        let route = RouteMatch::parse("POST /postings").unwrap();
        f.add(
            route.clone(),
            Action::Fail {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                remaining: 2,
            },
        );
        f.add(route, Action::Delay(Duration::from_millis(5)));
        for _ in 0..2 {
            let v = f.take(&Method::POST, "/v1/postings");
            assert_eq!(v.fail, Some(StatusCode::UNPROCESSABLE_ENTITY));
            assert_eq!(v.delay, Duration::from_millis(5));
        }
        let v = f.take(&Method::POST, "/v1/postings");
        assert_eq!(v.fail, None);
        assert_eq!(v.delay, Duration::from_millis(5));
        assert_eq!(f.take(&Method::GET, "/v1/postings").delay, Duration::ZERO);
    }
}
