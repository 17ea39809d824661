//! Named types: names, enums, objects, `expandable<...>` targets and self-containment.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{Document, FieldAst, Spanned, TypeAstKind};
use crate::diag::Sink;
use crate::model::*;
use crate::naming;

use super::names::{check_ident, reserved};
use super::type_expr::{resolve_type_ref, BUILTINS};

pub(super) fn resolve_types(doc: &Document, sink: &mut Sink) -> BTreeMap<String, TypeDef> {
    let names: BTreeSet<&str> = doc.types.iter().map(|t| t.name.value.as_str()).collect();
    let kinds: BTreeMap<&str, &TypeAstKind> = doc
        .types
        .iter()
        .map(|t| (t.name.value.as_str(), &t.kind))
        .collect();
    let mut out = BTreeMap::new();
    for ty in &doc.types {
        let name = &ty.name;
        if !naming::is_pascal_case(&name.value) {
            sink.error_help(
                &name.location,
                &name.path,
                format!("type name `{}` is not PascalCase", name.value),
                format!("rename it to `{}`", naming::pascal(&name.value)),
            );
        }
        if naming::is_pascal_case(&name.value) {
            check_ident(sink, name, "type name", &name.value);
        }
        if BUILTINS.contains(&name.value.to_lowercase().as_str()) {
            sink.error(
                &name.location,
                &name.path,
                format!("type name `{}` clashes with a built-in type", name.value),
            );
        }
        let kind = match &ty.kind {
            TypeAstKind::Id => TypeKind::Id,
            TypeAstKind::Enum(values) => resolve_enum(name, values, sink),
            TypeAstKind::Object {
                fields,
                keep_unknown,
                fields_optional,
            } => resolve_object(
                fields,
                *keep_unknown,
                *fields_optional,
                (&names, &kinds),
                sink,
            ),
        };
        out.insert(
            name.value.clone(),
            TypeDef {
                name: name.value.clone(),
                doc: ty.doc.clone(),
                kind,
                location: name.location.clone(),
            },
        );
    }
    check_recursion(&out, sink);
    out
}

/// An enum's values: each a usable, distinct variant, none the catch-all `Other`.
fn resolve_enum(
    name: &Spanned<String>,
    values: &[Spanned<EnumValue>],
    sink: &mut Sink,
) -> TypeKind {
    if values.is_empty() {
        sink.error_help(
            &name.location,
            &name.path,
            format!("enum `{}` has no values", name.value),
            "list at least one known value; unknown values are kept at runtime",
        );
    }
    let mut variants: BTreeMap<String, &str> = BTreeMap::new();
    for value in values {
        let variant = naming::variant_name(&value.value.value);
        let spelled = Spanned {
            value: value.value.value.clone(),
            location: value.location.clone(),
            path: value.path.clone(),
        };
        if !check_ident(sink, &spelled, "enum value", &variant) {
            continue;
        }
        if variant == "Other" {
            sink.error_help(
                &value.location,
                &value.path,
                format!(
                    "enum value `{}` clashes with the catch-all variant `Other`",
                    value.value.value
                ),
                "the catch-all variant keeps unknown values; remove this value",
            );
        }
        if let Some(first) = variants.insert(variant.clone(), &value.value.value) {
            sink.error_help(
                &value.location,
                &value.path,
                if first == value.value.value {
                    format!("enum value `{first}` is listed twice")
                } else {
                    format!(
                        "enum values `{first}` and `{}` both become the variant `{variant}`",
                        value.value.value
                    )
                },
                "remove one of them",
            );
        }
    }
    TypeKind::Enum(EnumType {
        values: values.iter().map(|v| v.value.clone()).collect(),
    })
}

/// An object's fields: distinct Rust names, known types, `file` only in bodies.
fn resolve_object(
    fields: &[FieldAst],
    keep_unknown: bool,
    fields_optional: bool,
    known: (&BTreeSet<&str>, &BTreeMap<&str, &TypeAstKind>),
    sink: &mut Sink,
) -> TypeKind {
    let (names, kinds) = known;
    let mut resolved = Vec::new();
    let mut rust_names: BTreeMap<String, &str> = BTreeMap::new();
    for field in fields {
        let rust = naming::field_name(&field.name.value);
        check_ident(sink, &field.name, "field name", &rust);
        if keep_unknown && rust == naming::UNKNOWN_FIELDS_FIELD {
            reserved(
                sink,
                &field.name,
                "field name",
                &rust,
                "the field that keeps unknown keys (`keep_unknown: true`)",
            );
        }
        if let Some(first) = rust_names.insert(rust.clone(), &field.name.value) {
            sink.error(
                &field.name.location,
                &field.name.path,
                format!(
                    "fields `{first}` and `{}` both become the Rust field `{rust}`",
                    field.name.value
                ),
            );
        }
        let Some(ty_ref) = resolve_type_ref(&field.ty, names, sink) else {
            continue;
        };
        if ty_ref == TypeRef::File {
            sink.error_help(
                &field.ty.location,
                &field.ty.path,
                "`file` can only be a request body",
                "use `body: { type: file, format: multipart }` on the action",
            );
        }
        check_expandable(&ty_ref, kinds, &field.ty, sink);
        resolved.push(Field {
            name: field.name.value.clone(),
            doc: field.doc.clone(),
            ty: ty_ref,
            optional: field
                .optional
                .unwrap_or(fields_optional && field.name.value != "id"),
            nullable: field.nullable,
            location: field.name.location.clone(),
        });
    }
    TypeKind::Object(ObjectType {
        fields: resolved,
        keep_unknown,
    })
}

fn check_expandable(
    ty: &TypeRef,
    kinds: &BTreeMap<&str, &TypeAstKind>,
    at: &Spanned<String>,
    sink: &mut Sink,
) {
    match ty {
        TypeRef::Expandable(name)
            if !matches!(kinds.get(name.as_str()), Some(TypeAstKind::Object { .. })) =>
        {
            sink.error(
                &at.location,
                &at.path,
                format!("`expandable<{name}>` must name an object type"),
            );
        }
        TypeRef::List(inner) | TypeRef::Map(inner) => check_expandable(inner, kinds, at, sink),
        _ => {}
    }
}

/// A struct that contains itself without a list, map or expandable in between cannot exist.
fn check_recursion(types: &BTreeMap<String, TypeDef>, sink: &mut Sink) {
    for (name, def) in types {
        let mut stack = vec![name.as_str()];
        let mut seen = BTreeSet::new();
        while let Some(current) = stack.pop() {
            let Some(TypeDef {
                kind: TypeKind::Object(object),
                ..
            }) = types.get(current)
            else {
                continue;
            };
            for field in &object.fields {
                if let TypeRef::Named(target) = &field.ty {
                    if target == name {
                        sink.error_help(
                            &def.location,
                            name,
                            format!(
                                "type `{name}` contains itself through field `{}`",
                                field.name
                            ),
                            "wrap the field in `list<...>` or `expandable<...>`",
                        );
                        return;
                    }
                    if seen.insert(target.as_str()) {
                        stack.push(target);
                    }
                }
            }
        }
    }
}
