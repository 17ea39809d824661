//! Golden files: each fixture under `tests/fixtures/` exercises one construct, and its generated
//! code is pinned in `tests/src/fixtures/<name>.rs` of the workspace, where the `lever-tests`
//! crate compiles it (so every snapshot also builds) and tests its behaviour.
//!
//! Regenerate after an intended change with `UPDATE_GOLDEN=1 cargo test -p lever-codegen`.

use std::path::{Path, PathBuf};

const FIXTURES: &[&str] = &[
    "open_enum",
    "nullable_optional",
    "keyword_fields",
    "expandable",
    "paginated",
    "webhook_event",
    "polling_trigger",
    "keep_unknown",
];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/src/fixtures/{name}.rs"))
}

fn generate(name: &str) -> String {
    let dir = fixture_dir();
    let read = |file: &str| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("fixture readable");
        (PathBuf::from(format!("fixtures/{file}")), text)
    };
    let spec = lever_spec::from_sources(
        vec![read("api.yaml"), read(&format!("{name}.yaml"))],
        vec![],
    )
    .unwrap_or_else(|err| panic!("fixture {name} is invalid:\n{err}"));
    let trait_name = format!("{}Ext", lever_spec::naming::pascal(name));
    lever_codegen::generate_extension(&spec, &trait_name).expect("generates")
}

#[test]
fn generated_code_matches_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some() && std::env::var_os("CI").is_none();
    let mut stale = Vec::new();
    for name in FIXTURES {
        let fresh = generate(name);
        let path = golden_path(name);
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        if pinned != fresh {
            if update {
                std::fs::write(&path, &fresh).expect("golden file writable");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from the golden files (run `UPDATE_GOLDEN=1 cargo test -p lever-codegen` and review the diff): {stale:#?}"
    );
}

#[test]
fn generation_is_deterministic() {
    for name in FIXTURES {
        assert_eq!(generate(name), generate(name), "{name}");
    }
    let spec = lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("shipped spec");
    let a = lever_codegen::generate_client(&spec).expect("generates");
    let b = lever_codegen::generate_client(&spec).expect("generates");
    assert_eq!(a, b);
}

#[test]
fn expand_twice_is_byte_identical() {
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lever-codegen"))
            .arg("expand")
            .output()
            .expect("lever-codegen runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let first = run();
    assert!(first.len() > 10_000, "the full client is generated");
    assert_eq!(first, run());
}

#[test]
fn every_action_links_to_lever_docs() {
    let spec = lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("shipped spec");
    let source = lever_codegen::generate_client(&spec).expect("generates");
    let mut without_docs = Vec::new();
    for (_, action) in spec.actions() {
        match &action.docs {
            Some(url) => {
                let link = format!("[Lever's documentation]({url})");
                assert!(
                    source.contains(&link),
                    "{}: the generated docs lack its link {url}",
                    action.full_name()
                );
            }
            None => without_docs.push(action.full_name()),
        }
        let builder = format!(
            "pub struct {}",
            lever_codegen::names::request_builder(action)
        );
        assert!(source.contains(&builder), "{builder}");
    }
    assert!(
        without_docs.is_empty(),
        "every shipped action needs `docs:` (a link to Lever's documentation); these have none: {without_docs:?}"
    );
}

#[test]
fn parallel_rendering_equals_formatting_the_whole_file() {
    let spec = lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("shipped spec");
    let parallel = lever_codegen::generate_client(&spec).expect("generates");
    let whole = lever_codegen::format_tokens(lever_codegen::client_tokens(
        &spec,
        &lever_codegen::Accessors::Inherent,
    ))
    .expect("formats");
    assert_eq!(parallel, whole);
}
