//! The `lever-codegen` command line: check, list and diff.

use std::path::Path;
use std::process::Command;

fn codegen(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lever-codegen"))
        .args(args)
        .output()
        .expect("lever-codegen runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_passes_on_the_shipped_spec() {
    let (ok, stdout, stderr) = codegen(&["check"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("spec ok:"), "{stdout}");
    assert_eq!(stdout.lines().count(), 1);
}

#[test]
fn check_renders_every_error_and_fails() {
    let dir = tempdir();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api.yaml"),
        dir.join("api.yaml"),
    )
    .expect("copy");
    std::fs::write(
        dir.join("bad.yaml"),
        "types:\n  Thing:\n    fields:\n      a: { type: Strng }\n      b: { type: list<Thing }\n",
    )
    .expect("write");
    let (ok, _, stderr) = codegen(&["check", "--spec", dir.to_str().expect("utf-8 path")]);
    assert!(!ok);
    assert!(stderr.contains("unknown type `Strng`"), "{stderr}");
    assert!(stderr.contains("bad.yaml:4:"), "{stderr}");
    assert!(stderr.contains("missing a closing `>`"), "{stderr}");
    assert!(stderr.contains("the spec has 2 errors"), "{stderr}");
}

#[test]
fn list_json_has_actions_events_and_triggers() {
    let (ok, stdout, stderr) = codegen(&["list", "--json"]);
    assert!(ok, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let actions = value["actions"].as_array().expect("actions");
    let find = |resource: &str, name: &str| {
        actions
            .iter()
            .find(|a| a["resource"] == resource && a["name"] == name)
            .unwrap_or_else(|| panic!("{resource}.{name} not listed"))
    };
    let create = find("opportunities", "create");
    assert_eq!(create["title"], "Create an Opportunity");
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/opportunities");
    assert_eq!(find("postings", "update")["method"], "POST");
    assert_eq!(value["events"].as_array().map(Vec::len), Some(10));
    let triggers = value["triggers"].as_array().expect("triggers");
    for title in [
        "Candidate Created",
        "Candidate Updated",
        "Posting Created",
        "Posting Updated",
    ] {
        assert!(triggers.iter().any(|t| t["title"] == title), "{title}");
    }
    let posting_created = triggers
        .iter()
        .find(|t| t["name"] == "posting_created")
        .expect("posting_created");
    assert_eq!(posting_created["source"]["poll"]["action"], "postings.list");
}

#[test]
fn diff_marks_breaking_changes() {
    let old = tempdir();
    let new = tempdir();
    let api = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api.yaml"),
    )
    .expect("api fixture");
    for dir in [&old, &new] {
        std::fs::write(dir.join("api.yaml"), &api).expect("write");
    }
    std::fs::write(
        old.join("t.yaml"),
        "types:\n  Thing:\n    fields:\n      id: string\n      size: { type: integer, optional: true }\n  Color: { enum: [red, blue] }\nresources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: /things, response: Thing }\n      gone: { title: Gone, method: DELETE, path: /things, response: none }\n",
    )
    .expect("write");
    std::fs::write(
        new.join("t.yaml"),
        "types:\n  Thing:\n    fields:\n      id: string\n      size: { type: string, optional: true }\n      name: string\n  Color: { enum: [red, green] }\nresources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: /things, response: Thing }\n      list: { title: List, method: GET, path: /things/all, paginated: true, response: Thing }\n",
    )
    .expect("write");
    let (ok, stdout, stderr) = codegen(&[
        "diff",
        old.to_str().expect("utf-8"),
        new.to_str().expect("utf-8"),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("BREAKING action `gone` removed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("BREAKING `Thing`: `size` type `integer` -> `string`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("BREAKING type `Thing`: required field `name` added"),
        "{stdout}"
    );
    assert!(
        stdout.contains("BREAKING enum `Color`: value `blue` removed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok       enum `Color`: value `green` added"),
        "{stdout}"
    );
    assert!(stdout.contains("ok       action `list` added"), "{stdout}");
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lever-codegen-cli-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn an_installed_binary_needs_no_source_tree() {
    // A copy of the binary, run from an empty folder: the shipped spec is compiled in.
    let dir = tempdir();
    let binary = dir.join("lever-codegen");
    std::fs::copy(env!("CARGO_BIN_EXE_lever-codegen"), &binary).expect("copy the binary");
    let run = |args: &[&str]| {
        Command::new(&binary)
            .args(args)
            .current_dir(&dir)
            .env_remove("CARGO_MANIFEST_DIR")
            .output()
            .expect("the copied binary runs")
    };
    let expand = run(&["expand"]);
    assert!(
        expand.status.success(),
        "{}",
        String::from_utf8_lossy(&expand.stderr)
    );
    let (_, from_build, _) = codegen(&["expand"]);
    assert_eq!(String::from_utf8_lossy(&expand.stdout), from_build);
    // Errors about the shipped files name them as embedded (`lever-spec/spec/...`), not by a
    // path into a source tree: the files were not read from disk.
    std::fs::write(
        dir.join("overlay.yaml"),
        "types:\n  Posting:\n    fields:\n      id: { type: string }\n",
    )
    .expect("write the overlay");
    let check = run(&["check", "--overlay", "overlay.yaml"]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(!check.status.success());
    assert!(
        stderr.contains("the first definition is at lever-spec/spec/resources/postings.yaml:"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
