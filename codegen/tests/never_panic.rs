//! Every spec that loads generates code that parses, and a spec whose names cannot become Rust
//! gets an error from generation, never a panic.

use std::path::PathBuf;

use proptest::prelude::*;

#[path = "../../lever-spec/tests/support/mutate.rs"]
mod mutate;

use mutate::{apply, mutation, shipped};

/// Generates and parses the client for a spec that loaded.
fn generates_and_parses(spec: &lever_spec::Spec) -> Result<(), String> {
    let source = lever_codegen::generate_client(spec).map_err(|e| e.to_string())?;
    syn::parse_file(&source).map_err(|e| format!("generated code does not parse: {e}"))?;
    let source = lever_codegen::generate_extension(spec, "LeverExt").map_err(|e| e.to_string())?;
    syn::parse_file(&source).map_err(|e| format!("generated extension does not parse: {e}"))?;
    Ok(())
}

proptest! {
    // Generation in a debug build takes about a second for the whole spec, hence fewer cases
    // than the loader's own test (which runs 256).
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_mutated_spec_that_loads_generates_code_that_parses(
        file in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut sources = shipped();
        let index = file % sources.len();
        let mut text = sources[index].1.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        sources[index].1 = text;
        if let Ok(spec) = lever_spec::from_sources(sources, vec![]) {
            prop_assert_eq!(generates_and_parses(&spec), Ok(()));
        }
    }
}

/// A spec small enough to change by hand.
fn small_spec() -> lever_spec::Spec {
    let api = "api:\n  title: T\n  base_urls: { production: https://a.test/v1, sandbox: https://b.test/v1 }\n";
    let rest = "types:\n  Color: { enum: [red] }\n  Thing: { fields: { id: string, color: Color } }\nresources:\n  things:\n    actions:\n      list: { title: List, method: GET, path: /things, query: { tag: string }, response: Thing }\nevents:\n  thingCreated: { data: Thing }\ntriggers:\n  thing_created: { title: Thing Created, webhook: [thingCreated] }\n";
    lever_spec::from_sources(
        vec![
            (PathBuf::from("api.yaml"), api.into()),
            (PathBuf::from("things.yaml"), rest.into()),
        ],
        vec![],
    )
    .expect("the small spec is valid")
}

#[test]
fn the_small_spec_generates() {
    assert_eq!(generates_and_parses(&small_spec()), Ok(()));
}

/// Names that `lever_spec::load` refuses, put into a resolved spec by hand: generation returns
/// `GenerateError::Name` for each (it used to panic in `format_ident!`).
#[test]
fn names_changed_by_hand_are_refused_not_panicked_on() {
    type Edit = fn(&mut lever_spec::Spec);
    let edits: &[(&str, Edit)] = &[
        ("an enum value", |spec| {
            if let Some(lever_spec::TypeKind::Enum(e)) =
                spec.types.get_mut("Color").map(|t| &mut t.kind)
            {
                e.values[0].value = "\u{663}x".into();
            }
        }),
        ("a type", |spec| {
            if let Some(mut def) = spec.types.remove("Thing") {
                def.name = "Self".into();
                spec.types.insert("Self".into(), def);
            }
        }),
        ("a field", |spec| {
            if let Some(lever_spec::TypeKind::Object(o)) =
                spec.types.get_mut("Thing").map(|t| &mut t.kind)
            {
                o.fields[0].name = "crate".into();
            }
        }),
        ("a query parameter", |spec| {
            if let Some(a) = spec
                .resources
                .get_mut("things")
                .and_then(|r| r.actions.get_mut("list"))
            {
                a.query[0].name = "\u{663}x".into();
            }
        }),
        ("a resource", |spec| {
            if let Some(mut r) = spec.resources.remove("things") {
                r.name = "self".into();
                spec.resources.insert("self".into(), r);
            }
        }),
        ("an event", |spec| {
            if let Some(e) = spec.events.get_mut("thingCreated") {
                e.name = "self".into();
            }
        }),
        ("a trigger", |spec| {
            if let Some(t) = spec.triggers.get_mut("thing_created") {
                t.name = "self".into();
            }
        }),
    ];
    for (what, edit) in edits {
        let mut spec = small_spec();
        edit(&mut spec);
        let result = std::panic::catch_unwind(|| lever_codegen::generate_client(&spec));
        match result {
            Ok(Err(lever_codegen::GenerateError::Name { .. })) => {}
            Ok(Err(other)) => panic!("{what}: expected GenerateError::Name, got {other}"),
            Ok(Ok(_)) => panic!("{what}: generated code for a name that cannot be Rust"),
            Err(_) => panic!("{what}: generation panicked"),
        }
    }
    let spec = small_spec();
    assert!(matches!(
        lever_codegen::generate_extension(&spec, "1Ext"),
        Err(lever_codegen::GenerateError::Name { .. })
    ));
}
