//! List filters: the query parameters that narrow a list (`created_at_start`, `stage_id`,
//! `tag`, `confidentiality`, …), checked once per request and applied to every item.

use std::borrow::Borrow;

use serde_json::Value;

use crate::error::ApiError;
use crate::query::{as_ms, Query};
use crate::store::{Obj, Store};

/// A scalar (or an expanded object's ID) as a string, for comparisons.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

fn path<'a>(obj: &'a Obj, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut cur = obj.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// Whether `field` of `obj` (a scalar or an array) holds one of `wanted`.
fn holds_any(obj: &Obj, field: &str, wanted: &[&str], case_insensitive: bool) -> bool {
    let eq = |a: &str, b: &str| {
        if case_insensitive {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match path(obj, field) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(scalar)
            .any(|s| wanted.iter().any(|w| eq(&s, w))),
        Some(v) => scalar(v).is_some_and(|s| wanted.iter().any(|w| eq(&s, w))),
        None => false,
    }
}

fn parse_bool(name: &str, raw: &str) -> Result<bool, ApiError> {
    match raw.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "Invalid value for {name}: {raw:?} (expected true or false)"
        ))),
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The field a `*_at_start` / `*_at_end` filter ranges over.
fn range_field(prefix: &str) -> String {
    match prefix {
        "archived_at" => "archived.archivedAt".to_string(),
        "advanced_at" => "lastAdvancedAt".to_string(),
        other => camel(other),
    }
}

/// Parameters that never filter.
const NOT_FILTERS: &[&str] = &[
    "limit",
    "offset",
    "perform_as",
    "expand",
    "include",
    "distribution",
    "perform_as_posting_owner",
    "parse",
    "group",
];

/// The context a filter needs.
pub(crate) struct FilterCtx<'a> {
    pub store: &'a Store,
    pub ty: &'a str,
    pub declared: &'a [lever_spec::Param],
    pub confidential_access: bool,
    pub now: i64,
}

/// Keeps the items that pass every filter in `q`. Generic over owned and borrowed objects so a
/// list request filters references and clones only the page it returns.
pub(crate) fn filter<T: Borrow<Obj>>(
    items: Vec<T>,
    q: &Query,
    cx: &FilterCtx<'_>,
) -> Result<Vec<T>, ApiError> {
    let filters = Filters::parse(q, cx)?;
    Ok(items
        .into_iter()
        .filter(|item| filters.keeps(item.borrow(), cx))
        .collect())
}

/// A time range on one field: `*_at_start` and `*_at_end`, inclusive.
struct Range {
    field: String,
    start: Option<i64>,
    end: Option<i64>,
}

/// The filters of one request, validated.
struct Filters<'q> {
    ranges: Vec<Range>,
    /// `non-confidential` (the default), `confidential` or `all`.
    confidentiality: &'q str,
    archived: Option<bool>,
    snoozed: Option<bool>,
    include_deactivated: bool,
    /// Every other parameter, with its values (repeated parameters are a union).
    fields: Vec<(&'q str, Vec<&'q str>)>,
}

/// Parameters with a rule of their own in [`Filters`].
const OWN_RULES: &[&str] = &[
    "confidentiality",
    "archived",
    "snoozed",
    "includeDeactivated",
];

impl<'q> Filters<'q> {
    fn parse(q: &'q Query, cx: &FilterCtx<'_>) -> Result<Filters<'q>, ApiError> {
        let mut names: Vec<&str> = q.names().collect();
        names.sort_unstable();
        names.dedup();
        let ranges = ranges(q, &names)?;
        let confidentiality = q.first("confidentiality").unwrap_or("non-confidential");
        if !matches!(confidentiality, "non-confidential" | "confidential" | "all") {
            return Err(ApiError::bad_request(format!(
                "Invalid value for confidentiality: {confidentiality:?}"
            )));
        }
        if confidentiality != "non-confidential" && !cx.confidential_access {
            return Err(ApiError::forbidden(
                "This credential has no access to confidential data",
            ));
        }
        let flag = |name: &str| q.first(name).map(|v| parse_bool(name, v)).transpose();
        let fields = names
            .iter()
            .filter(|name| {
                !(NOT_FILTERS.contains(name)
                    || name.ends_with("_start")
                    || name.ends_with("_end")
                    || OWN_RULES.contains(name))
            })
            .map(|name| (*name, q.all(name)))
            .collect();
        Ok(Filters {
            ranges,
            confidentiality,
            archived: flag("archived")?,
            snoozed: flag("snoozed")?,
            include_deactivated: flag("includeDeactivated")?.unwrap_or(false),
            fields,
        })
    }

    fn keeps(&self, item: &Obj, cx: &FilterCtx<'_>) -> bool {
        self.in_ranges(item)
            && self.passes_own_rules(item, cx)
            && self
                .fields
                .iter()
                .all(|(name, wanted)| field_matches(item, name, wanted, cx))
    }

    /// Items lacking a ranged field are excluded.
    fn in_ranges(&self, item: &Obj) -> bool {
        self.ranges.iter().all(|r| {
            path(item, &r.field).and_then(as_ms).is_some_and(|ts| {
                !(r.start.is_some_and(|s| ts < s) || r.end.is_some_and(|e| ts > e))
            })
        })
    }

    fn passes_own_rules(&self, item: &Obj, cx: &FilterCtx<'_>) -> bool {
        if self.confidentiality != "all" {
            if let Some(c) = item.get("confidentiality").and_then(Value::as_str) {
                if c != self.confidentiality {
                    return false;
                }
            }
        }
        if let Some(want) = self.archived {
            if item.get("archived").is_some_and(|a| !a.is_null()) != want {
                return false;
            }
        }
        if let Some(want) = self.snoozed {
            let is = item
                .get("snoozedUntil")
                .and_then(as_ms)
                .is_some_and(|t| t > cx.now);
            if is != want {
                return false;
            }
        }
        !(cx.ty == "User"
            && !self.include_deactivated
            && item.get("deactivatedAt").is_some_and(|d| !d.is_null()))
    }
}

/// The `*_start` / `*_end` parameters among `names`, by field.
fn ranges(q: &Query, names: &[&str]) -> Result<Vec<Range>, ApiError> {
    let mut ranges: Vec<Range> = Vec::new();
    for name in names {
        for (suffix, is_start) in [("_start", true), ("_end", false)] {
            let Some(prefix) = name.strip_suffix(suffix) else {
                continue;
            };
            let raw = q.first(name).unwrap_or_default();
            let v = raw.trim().parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!(
                    "Invalid value for {name}: {raw:?} (expected a timestamp in ms)"
                ))
            })?;
            let field = range_field(prefix);
            let index = match ranges.iter().position(|r| r.field == field) {
                Some(i) => i,
                None => {
                    ranges.push(Range {
                        field,
                        start: None,
                        end: None,
                    });
                    ranges.len() - 1
                }
            };
            if is_start {
                ranges[index].start = Some(v);
            } else {
                ranges[index].end = Some(v);
            }
        }
    }
    Ok(ranges)
}

/// Whether `item` passes filter parameter `name` with values `wanted`.
fn field_matches(item: &Obj, name: &str, wanted: &[&str], cx: &FilterCtx<'_>) -> bool {
    match name {
        "stage_id" => holds_any(item, "stage", wanted, false),
        "contact_id" => holds_any(item, "contact", wanted, false),
        "tag" => holds_any(item, "tags", wanted, false),
        "source" => holds_any(item, "sources", wanted, false),
        "email" => {
            holds_any(item, "emails", wanted, true) || holds_any(item, "email", wanted, true)
        }
        "archive_reason_id" => holds_any(item, "archived.reason", wanted, false),
        "distributionChannel" => holds_any(item, "distributionChannels", wanted, false),
        "posting_id" | "archived_posting_id" => {
            if item.contains_key("posting") {
                holds_any(item, "posting", wanted, false)
            } else {
                applied_to(item, cx.store, wanted)
            }
        }
        "team" | "department" | "location" | "commitment" | "level"
            if item.contains_key("categories") =>
        {
            holds_any(item, &format!("categories.{name}"), wanted, false)
        }
        _ => {
            let camel_name = camel(name);
            let field = match camel_name.strip_suffix("Id") {
                Some(f) if item.contains_key(f) => f.to_string(),
                _ => camel_name,
            };
            let declared = cx.declared.iter().any(|p| p.name == name);
            let known = matches!(name, "state" | "origin" | "type" | "accessRole");
            // Only a parameter the spec declares (or a well-known one) filters, and only on
            // objects that have the field.
            !(declared || known)
                || !item.contains_key(&field)
                || holds_any(item, &field, wanted, false)
        }
    }
}

fn applied_to(opportunity: &Obj, store: &Store, postings: &[&str]) -> bool {
    let Some(Value::Array(apps)) = opportunity.get("applications") else {
        return false;
    };
    apps.iter().filter_map(scalar).any(|app_id| {
        store
            .get("Application", &app_id)
            .and_then(|a| a.get("posting"))
            .and_then(scalar)
            .is_some_and(|p| postings.contains(&p.as_str()))
    })
}
