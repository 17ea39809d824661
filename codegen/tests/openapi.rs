//! `lever-codegen openapi`: the document passes an independent validator (PyPI's
//! `openapi-spec-validator`, run as `python3 -m openapi_spec_validator`; `.ci/run` installs
//! it), matches the spec's counts, and is deterministic.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

fn shipped() -> lever_spec::Spec {
    lever_spec::load(&lever_spec::default_spec_dir(), &[]).expect("the shipped spec loads")
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lever-codegen-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn run_export(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lever-codegen"))
        .arg("openapi")
        .args(args)
        .output()
        .expect("lever-codegen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_exported_document_passes_openapi_spec_validator() {
    let file = temp_file("lever.json");
    run_export(&["--out", file.to_str().expect("UTF-8 path")]);
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs (install the validator with `pip install openapi-spec-validator`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document (is it installed? `pip install \
         openapi-spec-validator`):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("OK"), "{stdout}");
}

#[test]
fn every_action_type_and_event_is_in_the_document() {
    let spec = shipped();
    let doc = lever_codegen::openapi::openapi(&spec);
    assert_eq!(doc["openapi"], "3.1.0");

    let mut operation_ids = Vec::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("a path item").values() {
            operation_ids.push(op["operationId"].as_str().expect("an id").to_string());
        }
    }
    let mut expected: Vec<String> = spec
        .actions()
        .map(|(resource, action)| format!("{}_{}", resource.name, action.name))
        .collect();
    operation_ids.sort();
    expected.sort();
    assert_eq!(operation_ids, expected, "one operation per action");

    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    assert_eq!(
        schemas.len(),
        spec.types.len() + lever_codegen::openapi::EXTRA_SCHEMAS.len()
    );
    assert!(spec.types.keys().all(|name| schemas.contains_key(name)));

    let webhooks = doc["webhooks"].as_object().expect("webhooks");
    assert_eq!(webhooks.len(), spec.events.len());
    assert_eq!(
        webhooks["candidateStageChange"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["properties"]["data"],
        json!({"$ref": "#/components/schemas/CandidateStageChangeData"})
    );
}

#[test]
fn operations_carry_title_docs_link_scopes_and_the_envelope() {
    let doc = lever_codegen::openapi::openapi(&shipped());
    let get = &doc["paths"]["/postings/{posting}"]["get"];
    assert_eq!(get["operationId"], "postings_get");
    assert_eq!(get["summary"], "Get Postings by ID");
    assert!(get["externalDocs"]["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://hire.lever.co/developer/documentation")));
    assert_eq!(
        get["security"][0],
        json!({"oauth2": ["postings:read:admin"]})
    );
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"type": "object", "required": ["data"], "properties": {"data": {"$ref": "#/components/schemas/Posting"}}})
    );

    let list = &doc["paths"]["/postings"]["get"];
    let page = &list["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(page["properties"]["data"]["type"], "array");
    assert!(page["properties"]["next"].is_object() && page["properties"]["hasNext"].is_object());
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"limit") && names.contains(&"offset"),
        "{names:?}"
    );

    let create = &doc["paths"]["/opportunities"]["post"]["requestBody"]["content"];
    let form = &create["multipart/form-data"]["schema"]["allOf"][1]["properties"];
    assert_eq!(form["files[]"]["type"], "array");
    assert!(form["resumeFile"].is_object());
}

#[test]
fn schemas_keep_absent_null_open_enums_and_expandables_apart() {
    let doc = lever_codegen::openapi::openapi(&shipped());
    let schemas = &doc["components"]["schemas"];
    // An open enum: the known values, or any string.
    let state = &schemas["PostingState"]["anyOf"];
    assert!(state[0]["enum"]
        .as_array()
        .expect("values")
        .contains(&json!("published")));
    assert_eq!(state[1], json!({"type": "string"}));
    // Nullable, present: `null` allowed, and listed under `required` only if not optional.
    let posting = &schemas["Posting"];
    let manager = &posting["properties"]["hiringManager"];
    assert_eq!(manager["anyOf"][1], json!({"type": "null"}));
    // An expandable reference: an ID or the object.
    assert_eq!(
        manager["anyOf"][0]["oneOf"],
        json!([{"type": "string"}, {"$ref": "#/components/schemas/User"}])
    );
    let required: Vec<&Value> = posting["required"]
        .as_array()
        .expect("required")
        .iter()
        .collect();
    assert_eq!(required, vec![&json!("id")], "only `id` is always present");
    // A required, non-nullable field of a write body.
    let create = &schemas["CreatePosting"];
    assert_eq!(create["required"], json!(["text"]));
    assert_eq!(create["properties"]["text"]["type"], "string");
}

#[test]
fn the_export_is_deterministic_and_includes_overlays() {
    let first = run_export(&[]);
    let second = run_export(&[]);
    assert_eq!(first, second);

    let overlay = temp_file("overlay.yaml");
    std::fs::write(
        &overlay,
        "types:\n  Posting:\n    extend: true\n    fields:\n      internalCode: { type: string, optional: true }\n",
    )
    .expect("write the overlay");
    let with_overlay: Value = serde_json::from_str(&run_export(&[
        "--overlay",
        overlay.to_str().expect("UTF-8 path"),
    ]))
    .expect("JSON");
    assert_eq!(
        with_overlay["components"]["schemas"]["Posting"]["properties"]["internalCode"]["type"],
        "string"
    );
    let plain: Value = serde_json::from_str(&first).expect("JSON");
    assert!(plain["components"]["schemas"]["Posting"]["properties"]["internalCode"].is_null());
}
