//! Query strings: parameters, pagination tokens, list filters, `expand` and `include`.

use std::borrow::Borrow;

use lever_spec::{Spec, TypeRef};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::store::{public, Obj, Store};

/// A parsed query string, keeping repeated parameters in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| {
                    let k = k.strip_suffix("[]").unwrap_or(&k).to_string();
                    (k, v.into_owned())
                })
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (repeated parameters).
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every value of `name`, also splitting comma-separated lists (`expand=a,b`).
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        self.all(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

/// `limit`: 1–100, default 100.
pub(crate) fn limit(q: &Query, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = q.first("limit") else {
        return Ok(max);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 1 && usize::try_from(n).is_ok_and(|n| n <= max) => {
            Ok(usize::try_from(n).unwrap_or(max))
        }
        _ => Err(ApiError::bad_request(format!(
            "Invalid value for limit: {raw:?} (must be an integer from 1 to {max})"
        ))),
    }
}

/// The sort key of a listed object: `(createdAt, id)`.
pub(crate) fn sort_key(obj: &Obj) -> (i64, String) {
    let (ts, id) = borrowed_key(obj);
    (ts, id.to_owned())
}

/// [`sort_key`] borrowed, for comparing without allocating.
fn borrowed_key(obj: &Obj) -> (i64, &str) {
    let ts = obj.get("createdAt").and_then(as_ms).unwrap_or(0);
    (
        ts,
        obj.get("id").and_then(Value::as_str).unwrap_or_default(),
    )
}

/// An opaque offset token for the position after `key`: URL-encoded JSON `[1, ts, id]`.
pub(crate) fn encode_token(key: &(i64, String)) -> String {
    let raw = json!([1, key.0, key.1]).to_string();
    utf8_percent_encode(&raw, NON_ALPHANUMERIC).to_string()
}

/// Decodes an `offset` token (accepting it once or twice URL-decoded).
pub(crate) fn decode_token(token: &str) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::bad_request(format!("Invalid offset token: {token:?}"));
    let mut text = token.trim().to_string();
    if text.starts_with('%') {
        text = percent_encoding::percent_decode_str(&text)
            .decode_utf8()
            .map_err(|_| bad())?
            .into_owned();
    }
    let value: Value = serde_json::from_str(&text).map_err(|_| bad())?;
    match value.as_array().map(Vec::as_slice) {
        Some([Value::Number(v), ts, Value::String(id)]) if v.as_i64() == Some(1) => {
            Ok((ts.as_i64().ok_or_else(bad)?, id.clone()))
        }
        _ => Err(bad()),
    }
}

/// One page of `items` (already filtered) after the `offset` token.
pub(crate) fn paginate<'a>(
    items: Vec<&'a Obj>,
    q: &Query,
    max_limit: usize,
) -> Result<(Vec<&'a Obj>, Option<String>), ApiError> {
    let limit = limit(q, max_limit)?;
    let after = match q.first("offset") {
        Some(t) if !t.trim().is_empty() => Some(decode_token(t)?),
        _ => None,
    };
    // Each key is read once (reading it is most of the cost), then only the items after the
    // offset are kept, and of those only the first `limit + 1` in order (one more tells whether
    // there is a next page) are selected in linear time and sorted, instead of sorting
    // everything for every page.
    let mut keyed: Vec<((i64, &'a str), &'a Obj)> =
        items.into_iter().map(|o| (borrowed_key(o), o)).collect();
    if let Some((ts, id)) = &after {
        let after = (*ts, id.as_str());
        keyed.retain(|(key, _)| *key > after);
    }
    let wanted = limit.saturating_add(1);
    if keyed.len() > wanted {
        keyed.select_nth_unstable_by(wanted - 1, |a, b| a.0.cmp(&b.0));
        keyed.truncate(wanted);
    }
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let has_more = keyed.len() > limit;
    keyed.truncate(limit);
    let next = if has_more {
        keyed
            .last()
            .map(|((ts, id), _)| encode_token(&(*ts, (*id).to_owned())))
    } else {
        None
    };
    Ok((keyed.into_iter().map(|(_, o)| o).collect(), next))
}

/// A timestamp: a number or a numeric string.
pub(crate) fn as_ms(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

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

/// Keeps the items that pass every filter in `q`.
/// Keeps the items that pass every filter in `q`. Generic over owned and borrowed objects so a
/// list request filters references and clones only the page it returns.
pub(crate) fn filter<T: Borrow<Obj>>(
    items: Vec<T>,
    q: &Query,
    cx: &FilterCtx<'_>,
) -> Result<Vec<T>, ApiError> {
    // Validate and collect the filters once.
    let mut ranges: Vec<(String, Option<i64>, Option<i64>)> = Vec::new();
    let mut names: Vec<&str> = q.names().collect();
    names.sort_unstable();
    names.dedup();
    for name in &names {
        for (suffix, is_start) in [("_start", true), ("_end", false)] {
            if let Some(prefix) = name.strip_suffix(suffix) {
                let raw = q.first(name).unwrap_or_default();
                let v = raw.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "Invalid value for {name}: {raw:?} (expected a timestamp in ms)"
                    ))
                })?;
                let field = range_field(prefix);
                let entry = match ranges.iter_mut().find(|(f, _, _)| *f == field) {
                    Some(e) => e,
                    None => {
                        ranges.push((field, None, None));
                        let last = ranges.len() - 1;
                        &mut ranges[last]
                    }
                };
                if is_start {
                    entry.1 = Some(v);
                } else {
                    entry.2 = Some(v);
                }
            }
        }
    }
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
    let archived = q
        .first("archived")
        .map(|v| parse_bool("archived", v))
        .transpose()?;
    let snoozed = q
        .first("snoozed")
        .map(|v| parse_bool("snoozed", v))
        .transpose()?;
    let include_deactivated = q
        .first("includeDeactivated")
        .map(|v| parse_bool("includeDeactivated", v))
        .transpose()?
        .unwrap_or(false);

    let mut out = Vec::new();
    'items: for owned in items {
        let item: &Obj = owned.borrow();
        for (field, start, end) in &ranges {
            let Some(ts) = path(item, field).and_then(as_ms) else {
                continue 'items;
            };
            if start.is_some_and(|s| ts < s) || end.is_some_and(|e| ts > e) {
                continue 'items;
            }
        }
        if confidentiality != "all" {
            if let Some(c) = item.get("confidentiality").and_then(Value::as_str) {
                if c != confidentiality {
                    continue;
                }
            }
        }
        if let Some(want) = archived {
            let is = item.get("archived").is_some_and(|a| !a.is_null());
            if is != want {
                continue;
            }
        }
        if let Some(want) = snoozed {
            let is = item
                .get("snoozedUntil")
                .and_then(as_ms)
                .is_some_and(|t| t > cx.now);
            if is != want {
                continue;
            }
        }
        if cx.ty == "User"
            && !include_deactivated
            && item.get("deactivatedAt").is_some_and(|d| !d.is_null())
        {
            continue;
        }
        for name in &names {
            if NOT_FILTERS.contains(name)
                || name.ends_with("_start")
                || name.ends_with("_end")
                || matches!(
                    *name,
                    "confidentiality" | "archived" | "snoozed" | "includeDeactivated"
                )
            {
                continue;
            }
            let wanted = q.all(name);
            let keep = match *name {
                "stage_id" => holds_any(item, "stage", &wanted, false),
                "contact_id" => holds_any(item, "contact", &wanted, false),
                "tag" => holds_any(item, "tags", &wanted, false),
                "source" => holds_any(item, "sources", &wanted, false),
                "email" => {
                    holds_any(item, "emails", &wanted, true)
                        || holds_any(item, "email", &wanted, true)
                }
                "archive_reason_id" => holds_any(item, "archived.reason", &wanted, false),
                "distributionChannel" => holds_any(item, "distributionChannels", &wanted, false),
                "posting_id" | "archived_posting_id" => {
                    if item.contains_key("posting") {
                        holds_any(item, "posting", &wanted, false)
                    } else {
                        applied_to(item, cx.store, &wanted)
                    }
                }
                "team" | "department" | "location" | "commitment" | "level"
                    if item.contains_key("categories") =>
                {
                    holds_any(item, &format!("categories.{name}"), &wanted, false)
                }
                _ => {
                    let camel_name = camel(name);
                    let field = match camel_name.strip_suffix("Id") {
                        Some(f) if item.contains_key(f) => f.to_string(),
                        _ => camel_name,
                    };
                    let declared = cx.declared.iter().any(|p| p.name == *name);
                    let known = matches!(*name, "state" | "origin" | "type" | "accessRole");
                    // Only a parameter the spec declares (or a well-known one) filters, and
                    // only on objects that have the field.
                    !(declared || known)
                        || !item.contains_key(&field)
                        || holds_any(item, &field, &wanted, false)
                }
            };
            if !keep {
                continue 'items;
            }
        }
        out.push(owned);
    }
    Ok(out)
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

/// The type `expand=field` resolves to on object type `ty`.
pub(crate) fn expand_target(spec: &Spec, ty: &str, field: &str) -> Option<String> {
    if let Some(f) = spec.object(ty).and_then(|o| o.field(field)) {
        let mut t = &f.ty;
        while let TypeRef::List(inner) = t {
            t = inner;
        }
        if let TypeRef::Expandable(target) = t {
            return Some(target.clone());
        }
    }
    let fallback = match field {
        "stage" => "Stage",
        "owner"
        | "sourcedBy"
        | "followers"
        | "user"
        | "hiringManager"
        | "postingOwner"
        | "postingHiringManager"
        | "creator"
        | "referrer" => "User",
        "contact" => "Contact",
        "applications" => "Application",
        "posting" | "postings" => "Posting",
        _ => return None,
    };
    Some(fallback.to_string())
}

/// The public JSON of `obj` with `expand` and `include` applied.
pub(crate) fn render(spec: &Spec, store: &Store, ty: &str, obj: &Obj, q: &Query) -> Value {
    let mut out = public(obj);
    let expand = q.list("expand");
    for field in &expand {
        let Some(target) = expand_target(spec, ty, field) else {
            continue;
        };
        let resolve = |v: &Value| -> Value {
            match v.as_str().and_then(|id| store.get(&target, id)) {
                Some(found) => Value::Object(public(found)),
                None => v.clone(),
            }
        };
        if let Some(v) = out.get_mut(field.as_str()) {
            let replaced = match &*v {
                Value::Array(items) => Value::Array(items.iter().map(resolve).collect()),
                other => resolve(other),
            };
            *v = replaced;
        }
    }
    let include = q.list("include");
    if !include.is_empty() {
        out.retain(|k, _| k == "id" || include.contains(k) || expand.contains(k));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(created_at: i64, id: &str) -> Obj {
        match json!({ "createdAt": created_at, "id": id }) {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        }
    }

    /// Walks every page of `items` with `limit`, returning the ids in the order served.
    fn walk(items: &[Obj], limit: usize) -> Vec<String> {
        let mut served = Vec::new();
        let mut offset: Option<String> = None;
        loop {
            let raw = match &offset {
                Some(token) => format!("limit={limit}&offset={token}"),
                None => format!("limit={limit}"),
            };
            let q = Query::parse(Some(&raw));
            let (page, next) = paginate(items.iter().collect(), &q, 100).expect("valid page");
            assert!(page.len() <= limit);
            served.extend(
                page.iter()
                    .map(|o| o["id"].as_str().unwrap_or_default().to_owned()),
            );
            match next {
                Some(token) => offset = Some(token),
                None => return served,
            }
        }
    }

    #[test]
    fn pages_cover_every_item_once_in_created_then_id_order() {
        // Many equal timestamps, so the id decides; a small LCG keeps the order scrambled.
        let mut state = 7_u64;
        let items: Vec<Obj> = (0..257)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                obj(
                    i64::try_from(state >> 61).unwrap_or(0),
                    &format!("id-{:03}", (i * 89) % 257),
                )
            })
            .collect();
        let mut expected: Vec<(i64, String)> = items.iter().map(sort_key).collect();
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
        for limit in [1, 2, 7, 100] {
            assert_eq!(walk(&items, limit), expected, "limit {limit}");
        }
        assert_eq!(walk(&[], 5), Vec::<String>::new());
    }
}
