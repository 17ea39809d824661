//! JSON Schemas (OpenAPI 3.1 dialect) for the spec's types and type expressions.

use lever_spec::{Field, ObjectType, Spec, TypeDef, TypeKind, TypeRef};
use serde_json::{json, Map, Value};

/// Schemas the document adds beside the spec's own types.
pub const EXTRA_SCHEMAS: &[&str] = &["LeverError"];

/// A `$ref` to a component schema.
pub(crate) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schema of a type expression.
pub(crate) fn type_schema(ty: &TypeRef) -> Value {
    match ty {
        TypeRef::String => json!({ "type": "string" }),
        TypeRef::Integer => json!({ "type": "integer", "format": "int64" }),
        TypeRef::Number => json!({ "type": "number" }),
        TypeRef::Boolean => json!({ "type": "boolean" }),
        TypeRef::Timestamp => json!({
            "description": "Milliseconds since the Unix epoch (a number; some examples send a numeric string).",
            "anyOf": [{ "type": "integer", "format": "int64" }, { "type": "string", "pattern": "^-?[0-9]+$" }],
        }),
        TypeRef::ByteSize => json!({
            "description": "A size in bytes (a number; Lever's examples send a numeric string).",
            "anyOf": [{ "type": "integer", "minimum": 0 }, { "type": "string", "pattern": "^[0-9]+$" }],
        }),
        TypeRef::Json => json!({}),
        TypeRef::File => {
            json!({ "type": "string", "contentMediaType": "application/octet-stream" })
        }
        TypeRef::Named(name) => reference(name),
        TypeRef::List(inner) => json!({ "type": "array", "items": type_schema(inner) }),
        TypeRef::Map(inner) => {
            json!({ "type": "object", "additionalProperties": type_schema(inner) })
        }
        TypeRef::Expandable(name) => json!({
            "description": "An ID, or the object when `expand` names this field.",
            "oneOf": [{ "type": "string" }, reference(name)],
        }),
    }
}

/// A field's schema: `null` is allowed only where the spec says nullable.
fn field_schema(field: &Field) -> Value {
    let mut schema = type_schema(&field.ty);
    if field.nullable {
        schema = json!({ "anyOf": [schema, { "type": "null" }] });
    }
    if let (Some(doc), Value::Object(map)) = (&field.doc, &mut schema) {
        map.entry("description").or_insert_with(|| json!(doc));
    }
    schema
}

fn object_schema(object: &ObjectType) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &object.fields {
        properties.insert(field.name.clone(), field_schema(field));
        // Absent and null are different: `required` says the key is always there.
        if !field.optional {
            required.push(json!(field.name));
        }
    }
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    schema
}

fn type_def_schema(def: &TypeDef) -> Value {
    let mut schema = match &def.kind {
        TypeKind::Object(object) => object_schema(object),
        // Every enum is open: the known values, or any other string.
        TypeKind::Enum(values) => json!({
            "anyOf": [
                { "enum": values.values.iter().map(|v| v.value.clone()).collect::<Vec<_>>() },
                { "type": "string" },
            ],
        }),
        TypeKind::Id => json!({ "type": "string" }),
    };
    if let Some(doc) = &def.doc {
        schema["description"] = json!(doc);
    }
    schema
}

/// Every component schema: one per spec type, plus [`EXTRA_SCHEMAS`].
pub(crate) fn component_schemas(spec: &Spec) -> Map<String, Value> {
    let mut schemas: Map<String, Value> = spec
        .types
        .iter()
        .map(|(name, def)| (name.clone(), type_def_schema(def)))
        .collect();
    schemas.insert(
        "LeverError".into(),
        json!({
            "description": "Lever's error body.",
            "type": "object",
            "properties": { "code": { "type": "string" }, "message": { "type": "string" } },
        }),
    );
    schemas
}
