//! Named types: objects and their fields, enums, IDs.

use super::*;

/// One entry of `types:`. Every problem goes to `sink`, so one read reports them all.
// Long because it is one match over the keys a type may have, each a line or two.
pub(super) fn decode_type(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<TypeAst> {
    let path = name.path.clone();
    let map = Map::new(node, &path, sink)?;
    let keys = [
        "doc",
        "extend",
        "fields",
        "enum",
        "id",
        "keep_unknown",
        "fields_optional",
    ];
    let mut doc = None;
    let mut extend = false;
    let mut fields = None;
    let mut values = None;
    let mut is_id = false;
    let mut keep_unknown = false;
    let mut fields_optional = false;
    for (key, value) in map.entries(&keys, sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "doc" => doc = string(value, &p, sink),
            "extend" => extend = boolean(value, &p, sink),
            "keep_unknown" => keep_unknown = boolean(value, &p, sink),
            "fields_optional" => fields_optional = boolean(value, &p, sink),
            "id" => is_id = boolean(value, &p, sink),
            "fields" => {
                let mut list = Vec::new();
                each_entry(value, &p, sink, |fname, fnode, sink| {
                    if let Some(f) = decode_field(fname, fnode, sink) {
                        list.push(f);
                    }
                });
                fields = Some((list, key.location.clone()));
            }
            "enum" => values = Some((decode_enum_values(value, &p, sink), key.location.clone())),
            _ => {}
        }
    }
    let kinds = usize::from(fields.is_some()) + usize::from(values.is_some()) + usize::from(is_id);
    if kinds > 1 {
        sink.error_help(
            &name.location,
            &path,
            format!("type `{}` mixes `fields`, `enum` and `id`", name.value),
            "a type is exactly one of: an object (`fields`), an enum (`enum`) or an ID (`id: true`)",
        );
    }
    let kind = if let Some((values, _)) = values {
        TypeAstKind::Enum(values)
    } else if is_id {
        TypeAstKind::Id
    } else if let Some((fields, _)) = fields {
        TypeAstKind::Object {
            fields,
            keep_unknown,
            fields_optional,
        }
    } else if extend {
        TypeAstKind::Object {
            fields: Vec::new(),
            keep_unknown,
            fields_optional,
        }
    } else {
        sink.error_help(
            &name.location,
            &path,
            format!("type `{}` has no `fields`, `enum` or `id`", name.value),
            "add `fields: {...}` for an object, `enum: [...]` for an enum, or `id: true` for an ID",
        );
        return None;
    };
    Some(TypeAst {
        name,
        doc,
        extend,
        kind,
    })
}

fn decode_enum_values(
    node: &Node,
    path: &str,
    sink: &mut Sink,
) -> Vec<Spanned<crate::model::EnumValue>> {
    let Value::Seq(items) = &node.value else {
        sink.error_help(
            &node.location,
            path,
            format!("expected a list of enum values, found {}", node.kind()),
            "write `enum: [a, b]` or a list of `{ value: a, doc: ... }`",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if let Some(text) = item.as_str() {
            out.push(Spanned {
                value: crate::model::EnumValue {
                    value: text.to_string(),
                    doc: None,
                },
                location: item.location.clone(),
                path: p,
            });
            continue;
        }
        let Some(map) = Map::new(item, &p, sink) else {
            continue;
        };
        let mut value = None;
        let mut doc = None;
        for (k, v) in map.entries(&["value", "doc"], sink) {
            let kp = join(&p, &k.name);
            if k.name == "value" {
                value = string(v, &kp, sink);
            } else {
                doc = string(v, &kp, sink);
            }
        }
        match value {
            Some(value) => out.push(Spanned {
                value: crate::model::EnumValue { value, doc },
                location: item.location.clone(),
                path: p,
            }),
            None => sink.error(&item.location, &p, "enum value is missing `value`"),
        }
    }
    out
}

fn decode_field(name: Spanned<String>, node: &Node, sink: &mut Sink) -> Option<FieldAst> {
    let path = name.path.clone();
    // Shorthand: `name: Type`.
    if let Some(text) = node.as_str() {
        return Some(FieldAst {
            name,
            doc: None,
            ty: spanned_str(text, node, &path),
            optional: None,
            nullable: false,
        });
    }
    let map = Map::new(node, &path, sink)?;
    let mut ty = None;
    let mut doc = None;
    let mut optional = None;
    let mut nullable = false;
    for (key, value) in map.entries(&["type", "doc", "optional", "nullable"], sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "type" => ty = spanned_string(value, &p, sink),
            "doc" => doc = string(value, &p, sink),
            "optional" => optional = Some(boolean(value, &p, sink)),
            _ => nullable = boolean(value, &p, sink),
        }
    }
    let Some(ty) = ty else {
        sink.error_help(
            &name.location,
            &path,
            format!("field `{}` has no `type`", name.value),
            "add `type: string` (or any type name)",
        );
        return None;
    };
    Some(FieldAst {
        name,
        doc,
        ty,
        optional,
        nullable,
    })
}
