//! Type expressions (`list<expandable<User>>`): parsing, and checking the names they use.

use std::collections::BTreeSet;

use crate::ast::Spanned;
use crate::diag::{did_you_mean, Sink};
use crate::model::TypeRef;

/// Parses a type expression such as `list<expandable<User>>`.
pub(crate) fn parse_type_expr(text: &str) -> Result<TypeRef, String> {
    // Parsing recurses once per `<`; a bound keeps a hostile type from overflowing the stack.
    let depth = text.matches('<').count();
    if depth > MAX_TYPE_NESTING {
        return Err(format!(
            "the type nests {depth} `<...>`, more than the {MAX_TYPE_NESTING} a spec may use"
        ));
    }
    parse_nested_type(text)
}

/// The deepest nesting of type constructors (`list<map<...>>`); Lever's deepest is two.
const MAX_TYPE_NESTING: usize = 16;

fn parse_nested_type(text: &str) -> Result<TypeRef, String> {
    let text = text.trim();
    if let Some((outer, rest)) = text.split_once('<') {
        let inner = rest
            .strip_suffix('>')
            .ok_or_else(|| format!("`{text}` is missing a closing `>`"))?;
        return match outer.trim() {
            "list" => Ok(TypeRef::List(Box::new(parse_nested_type(inner)?))),
            "map" => Ok(TypeRef::Map(Box::new(parse_nested_type(inner)?))),
            "expandable" => match parse_nested_type(inner)? {
                TypeRef::Named(name) => Ok(TypeRef::Expandable(name)),
                other => Err(format!("`expandable<{other}>` must name an object type")),
            },
            other => Err(format!(
                "unknown type constructor `{other}<...>`; expected `list`, `map` or `expandable`"
            )),
        };
    }
    Ok(match text {
        "string" => TypeRef::String,
        "integer" => TypeRef::Integer,
        "number" => TypeRef::Number,
        "boolean" => TypeRef::Boolean,
        "timestamp" => TypeRef::Timestamp,
        "json" => TypeRef::Json,
        "byte_size" => TypeRef::ByteSize,
        "file" => TypeRef::File,
        "" => return Err("empty type name".into()),
        name if name.contains(['>', ' ', ',']) => return Err(format!("`{name}` is not a type")),
        name => TypeRef::Named(name.to_string()),
    })
}

pub(super) const BUILTINS: &[&str] = &[
    "string",
    "integer",
    "number",
    "boolean",
    "timestamp",
    "json",
    "byte_size",
    "file",
];

/// Parses and checks a type expression against the known type names.
pub(super) fn resolve_type_ref(
    ty: &Spanned<String>,
    names: &BTreeSet<&str>,
    sink: &mut Sink,
) -> Option<TypeRef> {
    let parsed = match parse_type_expr(&ty.value) {
        Ok(parsed) => parsed,
        Err(message) => {
            sink.error_help(
                &ty.location,
                &ty.path,
                message,
                "types are `string`, `integer`, `number`, `boolean`, `timestamp`, `json`, a type name, `list<T>`, `map<T>` or `expandable<Object>`",
            );
            return None;
        }
    };
    let mut ok = true;
    visit_names(&parsed, &mut |name| {
        if !names.contains(name) {
            ok = false;
            let candidates = names.iter().copied().chain(BUILTINS.iter().copied());
            let help = did_you_mean(name, candidates).or_else(|| {
                Some("define it under `types:`, or use a built-in type such as `string`".into())
            });
            sink.unresolved(
                &ty.location,
                &ty.path,
                format!("unknown type `{name}`"),
                help,
            );
        }
    });
    ok.then_some(parsed)
}

pub(super) fn visit_names(ty: &TypeRef, f: &mut impl FnMut(&str)) {
    match ty {
        TypeRef::Named(name) | TypeRef::Expandable(name) => f(name),
        TypeRef::List(inner) | TypeRef::Map(inner) => visit_names(inner, f),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_expressions() {
        assert_eq!(parse_type_expr("string"), Ok(TypeRef::String));
        assert_eq!(
            parse_type_expr("list<expandable<User>>"),
            Ok(TypeRef::List(Box::new(TypeRef::Expandable("User".into()))))
        );
        assert!(parse_type_expr("list<User").is_err());
        assert!(parse_type_expr("vec<User>").is_err());
        assert!(parse_type_expr("expandable<string>").is_err());
    }
}
