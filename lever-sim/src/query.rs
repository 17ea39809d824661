//! Query strings: parameters, pagination tokens, `expand` and `include` (list filters are in
//! [`filters`](crate::filters)).

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
