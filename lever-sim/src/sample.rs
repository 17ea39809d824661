//! Filling objects from the spec: every required field gets a plausible value.

use lever_spec::{Spec, TypeKind, TypeRef};
use serde_json::{json, Map, Value};

use crate::store::Obj;
use crate::util::SimRng;

/// A plausible value of type `ty` (`depth` bounds recursion through object types).
pub(crate) fn sample(spec: &Spec, ty: &TypeRef, rng: &mut SimRng, now: i64, depth: u32) -> Value {
    match ty {
        TypeRef::String => json!(""),
        TypeRef::Integer | TypeRef::ByteSize => json!(0),
        TypeRef::Number => json!(0.0),
        TypeRef::Boolean => json!(false),
        TypeRef::Timestamp => json!(now),
        TypeRef::Json | TypeRef::Map(_) => json!({}),
        TypeRef::File => Value::Null,
        TypeRef::List(_) => json!([]),
        TypeRef::Expandable(_) => json!(rng.uuid()),
        TypeRef::Named(name) => match spec.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Enum(e)) => e
                .values
                .first()
                .map_or(json!(""), |v| json!(v.value.clone())),
            Some(TypeKind::Id) => json!(rng.uuid()),
            Some(TypeKind::Object(_)) if depth < 4 => {
                let mut obj = Map::new();
                complete(spec, name, &mut obj, rng, now, depth + 1);
                Value::Object(obj)
            }
            _ => json!({}),
        },
    }
}

/// Adds every field of object type `ty` that may not be absent and is missing from `obj`
/// (null where the field is nullable). Unknown types are left alone.
pub(crate) fn complete(
    spec: &Spec,
    ty: &str,
    obj: &mut Obj,
    rng: &mut SimRng,
    now: i64,
    depth: u32,
) {
    let Some(object) = spec.object(ty) else {
        return;
    };
    for field in &object.fields {
        if field.optional || obj.contains_key(&field.name) {
            continue;
        }
        let value = if field.nullable {
            Value::Null
        } else if field.name == "id" {
            json!(rng.uuid())
        } else {
            sample(spec, &field.ty, rng, now, depth)
        };
        obj.insert(field.name.clone(), value);
    }
}

/// Whether object type `ty` declares field `name` (`true` when the type is unknown).
pub(crate) fn declares(spec: &Spec, ty: &str, name: &str) -> bool {
    spec.object(ty).is_none_or(|o| o.field(name).is_some())
}
