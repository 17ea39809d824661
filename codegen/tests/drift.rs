//! `lever-codegen drift RECORDING...`: recorded responses checked against the shipped spec.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

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

fn recording(name: &str, calls: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lever-codegen-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(calls).expect("JSON")).expect("write");
    path
}

fn arg(path: &std::path::Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[test]
fn matching_traffic_passes_and_unknown_fields_only_warn() {
    let file = recording(
        "ok.json",
        &json!([
            {"method": "GET", "path": "/v1/postings/p1?include=content", "status": 200,
             "response": {"data": {"id": "p1", "state": "published", "brandNew": 1}}},
            {"method": "get", "path": "/postings", "status": 200,
             "response": {"data": [{"id": "p1"}, {"id": "p2", "brandNew": true}], "hasNext": false}},
            {"method": "GET", "path": "/v1/not/a/route", "status": 200, "response": {}},
            {"method": "GET", "path": "/v1/postings/p404", "status": 404,
             "response": {"code": "NotFound", "message": "no"}}
        ]),
    );
    let (ok, stdout, stderr) = codegen(&["drift", arg(&file)]);
    assert!(ok, "warnings only exit 0:\n{stdout}{stderr}");
    assert!(
        stdout.contains(
            "warning: postings.get: data.brandNew: field not in the spec (in 1 call of 1)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning: postings.list: data[].brandNew: field not in the spec"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unmapped: GET /v1/not/a/route matches no action"),
        "{stdout}"
    );
    assert!(
        stdout.contains("drift: 4 calls, 2 actions matched, 1 unmapped: 0 errors, 2 warnings"),
        "{stdout}"
    );
}

#[test]
fn decode_failures_are_reported_per_path_and_exit_1() {
    let file = recording(
        "bad.json",
        &json!([
            {"method": "GET", "path": "/v1/postings/p1", "status": 200, "response": {"data": {
                "id": "p1",
                "state": "frozen",
                "categories": {"team": 7},
                "distributionChannels": null,
                "text": null,
                "tags": "not-a-list"
            }}},
            {"method": "GET", "path": "/v1/postings/p2", "status": 200, "response": {"data": {"text": "no id"}}},
            {"method": "GET", "path": "/v1/users/u1", "status": 200, "response": {"id": "u1"}}
        ]),
    );
    let (ok, stdout, _) = codegen(&["drift", arg(&file)]);
    assert!(!ok, "a decode failure exits 1:\n{stdout}");
    for line in [
        "error: postings.get: data.categories.team: expected string, found number",
        "error: postings.get: data.tags: expected array, found string",
        "error: postings.get: data.text: null, but the spec says not nullable",
        "error: postings.get: data.id: absent, but the spec says required (in 1 call of 2)",
        "warning: postings.get: data.state: value \"frozen\" is not in enum PostingState",
        "error: users.get: (body): envelope did not match: expected {\"data\": ...}",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }

    let (ok, stdout, _) = codegen(&["drift", "--json", arg(&file)]);
    assert!(!ok);
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["calls"], 3);
    assert_eq!(report["fails_to_decode"], true);
    let users = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == "users.get")
        .expect("users.get");
    assert_eq!(users["envelope_matched"], false);
    let postings = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == "postings.get")
        .expect("postings.get");
    let kinds: Vec<&str> = postings["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    for kind in [
        "type_mismatch",
        "unexpected_null",
        "missing_required",
        "unknown_enum_value",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
}

#[test]
fn the_most_specific_template_wins() {
    let file = recording(
        "deleted.json",
        &json!({"method": "GET", "path": "/v1/postings/deleted", "status": 200,
                "response": {"data": [{"id": "p1", "deletedAt": 5}], "hasNext": false}}),
    );
    let (ok, stdout, stderr) = codegen(&["drift", "--json", arg(&file)]);
    assert!(ok, "{stdout}{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["actions"][0]["action"], "postings.list_deleted");
    assert_eq!(report["actions"][0]["envelope_matched"], true);
}

#[test]
fn a_recording_that_is_not_a_call_is_refused_with_its_name() {
    let file = recording("broken.json", &json!([{"method": "GET"}]));
    let (ok, _, stderr) = codegen(&["drift", arg(&file)]);
    assert!(!ok);
    assert!(
        stderr.contains("broken.json: call 0: no `path` string"),
        "{stderr}"
    );
}
