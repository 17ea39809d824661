//! `lever-codegen drift RECORDING...`: recorded Lever traffic checked against the spec.
//!
//! A recording is a JSON file holding one call `{"method", "path", "status", "response"}` or a
//! list of them (`path` may carry `/v1` and a query string; `response` is Lever's raw body).
//! Each call is matched to its action by method and path template, and its response is
//! checked against the action's response type and envelope. Findings add up per action and
//! JSON path; calls that match no action are listed.

mod walk;

use std::collections::BTreeMap;

use lever_spec::{Action, Response, Spec, TypeRef};
use serde_json::{json, Value};

pub use walk::Finding;
use walk::Walker;

/// One recorded call.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The HTTP method.
    pub method: String,
    /// The request path, possibly with `/v1` and a query string.
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// Lever's raw response body.
    pub response: Value,
}

/// Why a recording could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Not JSON.
    #[error("{file}: not JSON: {reason}")]
    NotJson {
        /// The file.
        file: String,
        /// The parser's message.
        reason: String,
    },
    /// JSON, but not a call or a list of calls.
    #[error("{file}: {reason}")]
    NotACall {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads the calls of one recording file's text.
pub fn parse_recording(file: &str, text: &str) -> Result<Vec<RecordedCall>, RecordingError> {
    let value: Value = serde_json::from_str(text).map_err(|e| RecordingError::NotJson {
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    let items = match value {
        Value::Array(items) => items,
        one => vec![one],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = |reason: &str| RecordingError::NotACall {
                file: file.to_string(),
                reason: format!("call {i}: {reason}"),
            };
            let method = item["method"]
                .as_str()
                .ok_or_else(|| bad("no `method` string"))?;
            let path = item["path"]
                .as_str()
                .ok_or_else(|| bad("no `path` string"))?;
            let status = item["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| bad("no `status` number"))?;
            Ok(RecordedCall {
                method: method.to_ascii_uppercase(),
                path: path.to_string(),
                status,
                response: item.get("response").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// What the calls of one action showed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionDrift {
    /// How many calls matched the action.
    pub calls: usize,
    /// How many of them were checked (2xx responses).
    pub checked: usize,
    /// Findings by JSON path, each with the number of calls it occurred in.
    pub findings: BTreeMap<(String, Finding), usize>,
}

impl ActionDrift {
    /// Whether every checked call was in the expected envelope.
    pub fn envelope_matched(&self) -> bool {
        !self
            .findings
            .keys()
            .any(|(_, f)| matches!(f, Finding::EnvelopeMismatch { .. }))
    }
}

/// The drift report of a set of calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriftReport {
    /// Every call read.
    pub calls: usize,
    /// Per action (`resource.action`).
    pub actions: BTreeMap<String, ActionDrift>,
    /// `METHOD path` of calls that match no action.
    pub unmapped: Vec<String>,
}

impl DriftReport {
    /// Whether some response would fail to decode with the generated client.
    pub fn has_failures(&self) -> bool {
        self.actions
            .values()
            .any(|a| a.findings.keys().any(|(_, f)| f.is_fatal()))
    }
}

/// The action a call belongs to: same method, and the template matches the path (without
/// `/v1` and the query string); of several, the most specific (`/postings/deleted` over
/// `/postings/{id}`, see `PathTemplate::literal_mask`).
pub fn find_action<'s>(spec: &'s Spec, method: &str, path: &str) -> Option<&'s Action> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.strip_prefix("/v1").unwrap_or(path);
    spec.actions()
        .map(|(_, action)| action)
        .filter(|action| action.method.as_str() == method)
        .filter(|action| action.path_template.match_path(path).is_some())
        .max_by_key(|action| action.path_template.literal_mask())
}

/// Checks one response against its action's response and envelope.
fn check_response(spec: &Spec, action: &Action, body: &Value) -> Vec<(String, Finding)> {
    let mut walker = Walker {
        spec,
        findings: Vec::new(),
    };
    let envelope = |expected| vec![(String::new(), Finding::EnvelopeMismatch { expected })];
    match &action.response {
        Response::Data(ty) if action.paginated => {
            let Some(items) = body.get("data").and_then(Value::as_array) else {
                return envelope(r#"{"data": [...], "hasNext", "next"}"#);
            };
            for item in items {
                walker.check(item, ty, "data[]");
            }
            match body.get("hasNext") {
                None | Some(Value::Null | Value::Bool(_)) => {}
                Some(other) => walker.check(other, &TypeRef::Boolean, "hasNext"),
            }
            if let Some(next) = body.get("next").filter(|n| !n.is_null()) {
                walker.check(next, &TypeRef::String, "next");
            }
        }
        Response::Data(ty) => match body.get("data") {
            Some(data) if body.is_object() => walker.check(data, ty, "data"),
            _ => return envelope(r#"{"data": ...}"#),
        },
        Response::Raw(ty) => walker.check(body, ty, ""),
        Response::Empty | Response::Binary => {}
    }
    walker.findings
}

/// Checks every call against the spec.
pub fn drift(spec: &Spec, calls: &[RecordedCall]) -> DriftReport {
    let mut report = DriftReport {
        calls: calls.len(),
        ..DriftReport::default()
    };
    for call in calls {
        let Some(action) = find_action(spec, &call.method, &call.path) else {
            report
                .unmapped
                .push(format!("{} {}", call.method, call.path));
            continue;
        };
        let entry = report.actions.entry(action.full_name()).or_default();
        entry.calls += 1;
        // Error bodies (`{code, message}`) are not the action's response type.
        if !(200..300).contains(&call.status) {
            continue;
        }
        entry.checked += 1;
        let mut seen = Vec::new();
        for finding in check_response(spec, action, &call.response) {
            // Count each (path, finding) once per call, however many list items show it.
            if !seen.contains(&finding) {
                seen.push(finding.clone());
                *entry.findings.entry(finding).or_default() += 1;
            }
        }
    }
    report.unmapped.sort();
    report.unmapped.dedup();
    report
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The report as text, one line per finding, like `check`'s output.
pub fn render(report: &DriftReport) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for (action, drift) in &report.actions {
        for ((path, finding), count) in &drift.findings {
            let level = if finding.is_fatal() {
                errors += 1;
                "error"
            } else {
                warnings += 1;
                "warning"
            };
            let at = if path.is_empty() { "(body)" } else { path };
            out.push_str(&format!(
                "{level}: {action}: {at}: {} (in {} of {})\n",
                finding.describe(),
                plural(*count, "call"),
                drift.checked
            ));
        }
    }
    for call in &report.unmapped {
        out.push_str(&format!("unmapped: {call} matches no action\n"));
    }
    out.push_str(&format!(
        "drift: {}, {} matched, {} unmapped: {}, {}\n",
        plural(report.calls, "call"),
        plural(report.actions.len(), "action"),
        report.unmapped.len(),
        plural(errors, "error"),
        plural(warnings, "warning"),
    ));
    out
}

/// The report as pretty-printed JSON.
pub fn render_json(report: &DriftReport) -> String {
    let actions: Vec<Value> = report
        .actions
        .iter()
        .map(|(name, drift)| {
            let findings: Vec<Value> = drift
                .findings
                .iter()
                .map(|((path, finding), count)| {
                    json!({
                        "path": path,
                        "kind": kind_name(finding),
                        "message": finding.describe(),
                        "fatal": finding.is_fatal(),
                        "calls": count,
                    })
                })
                .collect();
            json!({
                "action": name,
                "calls": drift.calls,
                "checked": drift.checked,
                "envelope_matched": drift.envelope_matched(),
                "findings": findings,
            })
        })
        .collect();
    let value = json!({
        "calls": report.calls,
        "fails_to_decode": report.has_failures(),
        "actions": actions,
        "unmapped": report.unmapped,
    });
    // Serialising a `Value` built from strings, numbers and maps cannot fail.
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

fn kind_name(finding: &Finding) -> &'static str {
    match finding {
        Finding::UnknownField => "unknown_field",
        Finding::TypeMismatch { .. } => "type_mismatch",
        Finding::UnexpectedNull => "unexpected_null",
        Finding::MissingRequired => "missing_required",
        Finding::UnknownEnumValue { .. } => "unknown_enum_value",
        Finding::EnvelopeMismatch { .. } => "envelope_mismatch",
    }
}
