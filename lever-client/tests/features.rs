//! lever-client has one cargo feature per resource of the shipped spec, and `full` enables
//! them all: a resource added to the spec needs its feature here too.

use std::collections::BTreeSet;

/// The `[features]` table of lever-client's Cargo.toml: each feature and what it enables.
fn features() -> Vec<(String, Vec<String>)> {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("read lever-client/Cargo.toml");
    let section = manifest
        .split("\n[features]\n")
        .nth(1)
        .expect("Cargo.toml has a [features] table");
    let section = section.split("\n[").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| !line.trim_start().starts_with('#') && line.contains('='))
        .map(|line| {
            let (name, list) = line.split_once('=').expect("checked above");
            let enabled = list
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|item| item.trim().trim_matches('"').to_string())
                .filter(|item| !item.is_empty())
                .collect();
            (name.trim().to_string(), enabled)
        })
        .collect()
}

fn spec_resources() -> BTreeSet<String> {
    let spec =
        lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("the shipped spec loads");
    spec.resources.keys().cloned().collect()
}

#[test]
fn every_resource_has_a_feature_and_full_enables_exactly_them() {
    let resources = spec_resources();
    let features = features();
    let names: BTreeSet<String> = features.iter().map(|(name, _)| name.clone()).collect();
    let missing: Vec<_> = resources.difference(&names).collect();
    assert!(
        missing.is_empty(),
        "resources without a feature in Cargo.toml: {missing:?}"
    );

    let full: BTreeSet<String> = features
        .iter()
        .find(|(name, _)| name == "full")
        .map(|(_, enabled)| enabled.iter().cloned().collect())
        .expect("a `full` feature");
    assert_eq!(
        full, resources,
        "`full` enables every resource and nothing else"
    );

    let default: Vec<String> = features
        .iter()
        .find(|(name, _)| name == "default")
        .map(|(_, enabled)| enabled.clone())
        .expect("a `default` feature");
    assert_eq!(default, ["full"]);
}

#[test]
fn resource_features_enable_nothing_else_and_no_feature_is_a_stale_resource() {
    let resources = spec_resources();
    let other_features = ["default", "full", "axum", "record"];
    for (name, enabled) in features() {
        if other_features.contains(&name.as_str()) {
            continue;
        }
        assert!(
            resources.contains(&name),
            "feature `{name}` is no resource of the spec (removed or renamed?)"
        );
        assert!(enabled.is_empty(), "feature `{name}` enables {enabled:?}");
    }
}
