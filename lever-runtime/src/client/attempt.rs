//! One call's attempts: the rate-limit wait, the request, and what its answer asks for (done,
//! a token refresh, or a retry after a delay), all within the call's deadline.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use tokio::time::Instant;

use super::{Client, Success};
use crate::__private::Body;
use crate::error::Error;
use crate::retry;

/// One call's time budget: the overall deadline, if any, counted from the call's start.
pub(super) struct Budget {
    deadline: Option<Duration>,
    /// `None`: no limit (also when the deadline is too far to represent).
    ends_at: Option<Instant>,
}

impl Budget {
    pub(super) fn starting_now(deadline: Option<Duration>) -> Self {
        Budget {
            deadline,
            ends_at: deadline.and_then(|d| Instant::now().checked_add(d)),
        }
    }

    fn remaining(&self) -> Option<Duration> {
        self.ends_at
            .map(|end| end.saturating_duration_since(Instant::now()))
    }

    /// Whether waiting `needed` would reach the deadline.
    fn out_of_time(&self, needed: Duration) -> bool {
        self.remaining().is_some_and(|left| needed >= left)
    }

    fn error(&self) -> Error {
        Error::Deadline {
            after: self.deadline.unwrap_or_default(),
        }
    }
}

/// What the attempts of one call have done so far.
#[derive(Default)]
pub(super) struct Attempts {
    /// Attempts started.
    pub(super) made: u32,
    /// Failed attempts that were retried.
    failures: u32,
    /// Whether the access token was refreshed after a 401 (only once per call).
    refreshed: bool,
    /// The status of the last answer, if any came.
    pub(super) last_status: Option<StatusCode>,
}

/// What an attempt's outcome asks for.
pub(super) enum Next {
    /// The call's result.
    Done(Result<Success, Error>),
    /// Another attempt at once (the token was refreshed).
    Again,
    /// Another attempt after this delay.
    After(Duration),
}

/// A response as it came, before it is judged.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Client {
    /// One attempt: waits for the rate limiter, sends, and says what the outcome asks for.
    pub(super) async fn attempt(
        &self,
        method: &Method,
        url: &url::Url,
        body: &Body,
        budget: &Budget,
        attempts: &mut Attempts,
    ) -> Next {
        let inner = &*self.inner;
        attempts.made += 1;
        if let Some(limiter) = &inner.limiter {
            let wait = limiter.reserve();
            if budget.out_of_time(wait) {
                return Next::Done(Err(budget.error()));
            }
            limiter.wait(wait).await;
        }
        if budget.out_of_time(Duration::ZERO) {
            return Next::Done(Err(budget.error()));
        }
        let auth = match inner.auth.header(&inner.http).await {
            Ok(auth) => auth,
            Err(e) => return Next::Done(Err(e)),
        };
        // The last attempt gets what is left of the deadline, if that is less than its own
        // timeout; a timeout then means the deadline passed.
        let cut_by_deadline = budget
            .remaining()
            .filter(|left| *left < inner.attempt_timeout);
        let request = match self.attempt_request(method, url, body, auth.value, cut_by_deadline) {
            Ok(request) => request,
            Err(e) => return Next::Done(Err(e)),
        };
        let attempt_start = Instant::now();
        let sent = match request.send().await {
            Ok(resp) => {
                let (status, headers) = (resp.status(), resp.headers().clone());
                resp.bytes().await.map(|body| Answer {
                    status,
                    headers,
                    body,
                })
            }
            Err(e) => Err(e),
        };
        match sent {
            Ok(answer) => {
                tracing::debug!(
                    attempt = attempts.made,
                    status = answer.status.as_u16(),
                    elapsed_ms = attempt_start.elapsed().as_millis() as u64,
                    "lever response"
                );
                self.after_answer(method, answer, auth.generation, budget, attempts)
                    .await
            }
            Err(e) => {
                self.after_transport_error(method, e, cut_by_deadline.is_some(), budget, attempts)
            }
        }
    }

    /// The HTTP request of one attempt: the credentials, the body, and the settings an app's
    /// own HTTP client does not carry.
    fn attempt_request(
        &self,
        method: &Method,
        url: &url::Url,
        body: &Body,
        authorization: HeaderValue,
        cut_by_deadline: Option<Duration>,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let inner = &*self.inner;
        let mut request = inner
            .http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, authorization);
        if let Some(per_request) = &inner.per_request {
            request = request
                .timeout(inner.attempt_timeout)
                .header(ACCEPT, "application/json")
                .header(USER_AGENT, per_request.user_agent.clone());
        }
        request = match body {
            Body::None => request,
            Body::Json(json) => request
                .header(CONTENT_TYPE, "application/json")
                .body(json.clone()),
            Body::File(file) => request.multipart(super::multipart(file)?),
            Body::Form(form) => request.multipart(form.to_multipart()?),
        };
        if let Some(left) = cut_by_deadline {
            request = request.timeout(left);
        }
        Ok(request)
    }

    /// Judges an answer: success, a refresh after a 401 (once per call), a retry, or the error.
    async fn after_answer(
        &self,
        method: &Method,
        answer: Answer,
        generation: u64,
        budget: &Budget,
        attempts: &mut Attempts,
    ) -> Next {
        let inner = &*self.inner;
        let Answer {
            status,
            headers,
            body,
        } = answer;
        attempts.last_status = Some(status);
        if status.is_success() {
            inner.auth.accepted(generation);
            return Next::Done(Ok(Success {
                status,
                headers,
                body,
            }));
        }
        if status == StatusCode::UNAUTHORIZED && !attempts.refreshed && inner.auth.can_refresh() {
            attempts.refreshed = true;
            tracing::info!(
                attempt = attempts.made,
                "401 Unauthorized: refreshing the access token"
            );
            return match inner.auth.refresh_rejected(&inner.http, generation).await {
                Ok(true) => Next::Again,
                Ok(false) => Next::Done(Err(Error::from_response(status, &body))),
                Err(e) => Next::Done(Err(e)),
            };
        }
        let can_retry = attempts.failures + 1 < inner.retry.max_attempts;
        if can_retry && retry::should_retry_status(method, status) {
            attempts.failures += 1;
            let delay = retry::server_delay(&headers, inner.retry.max_delay)
                .unwrap_or_else(|| retry::backoff(&inner.retry, attempts.failures));
            if budget.out_of_time(delay) {
                // The retry would start past the deadline: the answer stands.
                return Next::Done(Err(Error::from_response(status, &body)));
            }
            tracing::warn!(
                attempt = attempts.made,
                status = status.as_u16(),
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            return Next::After(delay);
        }
        Next::Done(Err(Error::from_response(status, &body)))
    }

    /// Judges a transport failure: the deadline, a retry, or the error.
    fn after_transport_error(
        &self,
        method: &Method,
        error: reqwest::Error,
        cut_by_deadline: bool,
        budget: &Budget,
        attempts: &mut Attempts,
    ) -> Next {
        let inner = &*self.inner;
        // Drops the URL, whose query may hold personal data (`?email=...`).
        let error = crate::TransportError::new(error);
        if error.is_timeout() && cut_by_deadline {
            return Next::Done(Err(budget.error()));
        }
        let can_retry = attempts.failures + 1 < inner.retry.max_attempts;
        if can_retry && retry::should_retry_transport(method, &error) {
            attempts.failures += 1;
            let delay = retry::backoff(&inner.retry, attempts.failures);
            if budget.out_of_time(delay) {
                return Next::Done(Err(Error::Transport(error)));
            }
            tracing::warn!(
                attempt = attempts.made,
                error = %error,
                delay_ms = delay.as_millis() as u64,
                "transport error, retrying"
            );
            return Next::After(delay);
        }
        Next::Done(Err(Error::Transport(error)))
    }
}
