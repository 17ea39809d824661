//! Reading and editing the JSON fields of request bodies and stored objects.

use serde_json::{json, Value};

use crate::store::Obj;

/// The strings of an array (non-strings skipped), or a lone string as one item.
pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// A string field of an object.
pub(super) fn str_field<'o>(obj: &'o Obj, key: &str) -> Option<&'o str> {
    obj.get(key).and_then(Value::as_str)
}

/// The IDs of an array of IDs or of objects with an `id`.
pub(super) fn ids(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                i.as_str()
                    .or_else(|| i.get("id").and_then(Value::as_str))
                    .map(str::to_string)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Appends to the array at `key` (made an array if it is not one) the values it lacks.
pub(super) fn add_unique(obj: &mut Obj, key: &str, values: &[Value]) {
    let entry = obj.entry(key.to_string()).or_insert_with(|| json!([]));
    if !entry.is_array() {
        *entry = json!([]);
    }
    if let Value::Array(items) = entry {
        for v in values {
            if !items.contains(v) {
                items.push(v.clone());
            }
        }
    }
}
