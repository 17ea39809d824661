//! The OpenAPI 3.1 export rewritten into the OpenAPI 3.0 that progenitor reads, and a list of
//! what did not survive the trip (the bench prints it: it is what progenitor cannot express).

use serde_json::{json, Map, Value};

/// Something of the spec that progenitor's input cannot carry as it is, and how many times.
pub struct Loss {
    pub what: &'static str,
    pub count: usize,
}

/// `document` (as `lever-codegen openapi` writes it) in OpenAPI 3.0.3, plus what was lost.
pub fn for_progenitor(mut document: Value) -> (Value, Vec<Loss>) {
    let mut lost = Lost::default();
    document["openapi"] = json!("3.0.3");
    if let Some(webhooks) = document.as_object_mut().and_then(|d| d.remove("webhooks")) {
        lost.webhook_events = webhooks.as_object().map_or(0, Map::len);
    }
    for key in ["components", "paths"] {
        if let Some(part) = document.get_mut(key) {
            schemas_to_3_0(part, &mut lost);
        }
    }
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut().filter_map(Value::as_object_mut) {
                operation_for_progenitor(operation, &mut lost);
            }
        }
    }
    (document, lost.into_list())
}

#[derive(Default)]
struct Lost {
    webhook_events: usize,
    ref_siblings: usize,
    default_responses: usize,
    multipart_alternatives: usize,
    multipart_only: usize,
}

impl Lost {
    fn into_list(self) -> Vec<Loss> {
        [
            (
                "webhook events (OpenAPI 3.0 has no `webhooks`; progenitor generates no receiver)",
                self.webhook_events,
            ),
            (
                "descriptions beside a `$ref` (3.0 ignores a reference's siblings)",
                self.ref_siblings,
            ),
            (
                "`default` error responses, given as `4XX` and `5XX` (progenitor counts a `default` response as a second success type and panics)",
                self.default_responses,
            ),
            (
                "`multipart/form-data` alternatives to a JSON body, dropped (progenitor takes one media type per body)",
                self.multipart_alternatives,
            ),
            (
                "`multipart/form-data` bodies, sent as raw bytes instead (progenitor has no multipart)",
                self.multipart_only,
            ),
        ]
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(what, count)| Loss { what, count })
        .collect()
    }
}

/// 3.1 schema keywords to 3.0 ones, everywhere below `value`: `type: [T, "null"]` and
/// `anyOf: [S, {type: null}]` become `nullable`, `const` an `enum` of one, and
/// `contentMediaType` a `format: binary`.
fn schemas_to_3_0(value: &mut Value, lost: &mut Lost) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| schemas_to_3_0(v, lost)),
        Value::Object(map) => {
            map.values_mut().for_each(|v| schemas_to_3_0(v, lost));
            schema_to_3_0(map, lost);
        }
        _ => {}
    }
}

fn schema_to_3_0(map: &mut Map<String, Value>, lost: &mut Lost) {
    if map.contains_key("$ref") && map.len() > 1 {
        map.retain(|k, _| k == "$ref");
        lost.ref_siblings += 1;
    }
    if let Some(Value::Array(types)) = map.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let nullable = kept.len() < types.len();
        let single = kept.len() == 1;
        map.insert(
            "type".into(),
            if single {
                kept[0].clone()
            } else {
                Value::Array(kept)
            },
        );
        if nullable {
            map.insert("nullable".into(), json!(true));
        }
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = map.get(key) else {
            continue;
        };
        let null = json!({"type": "null"});
        let kept: Vec<Value> = members.iter().filter(|m| **m != null).cloned().collect();
        if kept.len() == members.len() {
            continue;
        }
        map.remove(key);
        match <[Value; 1]>::try_from(kept) {
            Ok([Value::Object(only)]) if only.contains_key("$ref") => {
                map.insert("allOf".into(), json!([only]));
            }
            Ok([Value::Object(only)]) => map.extend(only),
            Ok([other]) => {
                map.insert(key.into(), json!([other]));
            }
            Err(kept) => {
                map.insert(key.into(), Value::Array(kept));
            }
        }
        map.insert("nullable".into(), json!(true));
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
    if map.remove("contentMediaType").is_some() {
        map.insert("format".into(), json!("binary"));
    }
    map.remove("examples");
}

fn operation_for_progenitor(operation: &mut Map<String, Value>, lost: &mut Lost) {
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        if let Some(error) = responses.remove("default") {
            responses.insert("4XX".into(), error.clone());
            responses.insert("5XX".into(), error);
            lost.default_responses += 1;
        }
    }
    let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if content.remove("multipart/form-data").is_some() {
        if content.is_empty() {
            content.insert(
                "application/octet-stream".into(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            );
            lost.multipart_only += 1;
        } else {
            lost.multipart_alternatives += 1;
        }
    }
}
