//! Lever's documented request and response shapes, sent and decoded through the generated
//! client (issue #17). Each example follows the shape in Lever's API documentation
//! (`shared/lever-api.md` records the facts); names and values are made up.

mod common;

use common::{api_key_client, Reply, Scripted};
use lever_client::__private::Body;
use lever_client::models::{
    CreateOpportunity, PostingCategoriesInput, RequisitionFieldOptionIds, UpdateFeedbackTemplate,
    UpdateFormTemplate, UpdateInterview, UpdatePanel, UpdatePosting, UpdateRequisition,
    UpdateRequisitionField,
};
use lever_client::{ByteSize, FilePart, Timestamp};
use serde_json::{json, Value};

fn json_body(body: &Body) -> Value {
    match body {
        Body::Json(bytes) => serde_json::from_slice(bytes).expect("a JSON body"),
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

fn offline_client() -> lever_client::Client {
    lever_client::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .expect("client")
}

#[tokio::test]
async fn the_diversity_survey_endpoint_returns_a_list() {
    let s = Scripted::new();
    s.on(
        "/v1/surveys/diversity/p1",
        vec![Reply::json(
            200,
            json!({"data": [{
                "id": "s1",
                "createdAt": 1_600_000_000_000_i64,
                "updatedAt": 1_600_000_100_000_i64,
                "text": "Voluntary self-identification",
                "candidateLocations": {"countryCodes": ["US", "CA"]},
                "postingLocations": [],
                "instructions": "Answering is optional.",
                "fields": [{
                    "id": "q1",
                    "type": "multiple-choice",
                    "text": "Gender",
                    "options": [{"text": "Woman", "optionId": "o1"}]
                }]
            }]}),
        )],
    );
    let client = api_key_client(&s.start().await);
    let surveys = client
        .surveys()
        .get_diversity("p1")
        .country_code("US")
        .send()
        .await
        .expect("a list of surveys decodes");
    assert_eq!(surveys.len(), 1);
    assert_eq!(surveys[0].id.as_str(), "s1");
    let codes = surveys[0]
        .candidate_locations
        .as_ref()
        .and_then(|l| l.country_codes.clone());
    assert_eq!(codes, Some(vec!["US".to_string(), "CA".to_string()]));
}

#[tokio::test]
async fn eeo_responses_carry_the_answers() {
    let s = Scripted::new();
    s.on(
        "/v1/eeo/responses/pii",
        vec![Reply::json(
            200,
            json!({"data": [{
                "id": "r1",
                "applicationId": "a1",
                "gender": "Decline to self-identify",
                "race": "Decline to self-identify",
                "veteran": "I am not a protected veteran",
                "disability": "No, I do not have a disability",
                "disabilitySignatureDate": "01/02/2020",
                "requisitionCodes": ["REQ-1"],
                "source": "LinkedIn",
                "appliedAt": "1600000000000",
                "opportunityId": "o1",
                "contact": "c1",
                "posting": "p1",
                "origin": "applied",
                "hiringManager": null
            }], "hasNext": false}),
        )],
    );
    let client = api_key_client(&s.start().await);
    let page = client
        .eeo()
        .list_responses_pii()
        .send()
        .await
        .expect("decodes");
    let row = &page.data[0];
    assert_eq!(row.id.as_deref(), Some("r1"));
    assert_eq!(
        row.application_id
            .as_ref()
            .and_then(|a| a.as_ref())
            .map(|a| a.as_str()),
        Some("a1")
    );
    assert_eq!(
        row.gender.clone().flatten().as_deref(),
        Some("Decline to self-identify")
    );
    assert_eq!(
        row.veteran.clone().flatten().as_deref(),
        Some("I am not a protected veteran")
    );
    assert_eq!(
        row.disability.clone().flatten().as_deref(),
        Some("No, I do not have a disability")
    );
    assert_eq!(
        row.disability_signature_date.clone().flatten().as_deref(),
        Some("01/02/2020")
    );
    assert_eq!(
        row.requisition_codes.clone().flatten(),
        Some(vec!["REQ-1".to_string()])
    );
    assert_eq!(row.source.clone().flatten().as_deref(), Some("LinkedIn"));
    assert_eq!(
        row.applied_at.flatten(),
        Some(Timestamp(1_600_000_000_000)),
        "the docs' string timestamp decodes"
    );
}

#[test]
fn removing_requisition_field_options_sends_their_ids() {
    let client = offline_client();
    let request = client
        .requisition_fields()
        .delete_options(
            "job_level",
            RequisitionFieldOptionIds::new(vec!["opt-1".to_string(), "opt-2".to_string()]),
        )
        .to_request()
        .expect("encodes");
    assert_eq!(request.method, lever_client::Method::DELETE);
    assert_eq!(request.path, "/requisition_fields/job_level/options");
    assert_eq!(
        json_body(&request.body),
        json!({"values": ["opt-1", "opt-2"]})
    );
}

#[tokio::test]
async fn requisition_field_option_writes_decode_their_documented_responses() {
    let s = Scripted::new();
    s.on(
        "/v1/requisition_fields/job_level/options",
        vec![
            // Add: the new option.
            Reply::json(200, json!({"data": {"id": "opt-3", "text": "Staff"}})),
            // Update: the whole field.
            Reply::json(
                200,
                json!({"data": {
                    "id": "job_level",
                    "text": "Job level",
                    "type": "dropdown",
                    "isRequired": false,
                    "options": [{"id": "opt-3", "text": "Staff engineer"}]
                }}),
            ),
        ],
    );
    let client = api_key_client(&s.start().await);
    let values = lever_client::models::RequisitionFieldOptionValues::new(vec![
        lever_client::models::RequisitionFieldOptionInput::new("Staff"),
    ]);
    let added = client
        .requisition_fields()
        .add_options("job_level", values.clone())
        .send()
        .await
        .expect("add decodes");
    assert_eq!(added.id.as_str(), "opt-3");
    assert_eq!(added.text.as_deref(), Some("Staff"));
    let field = client
        .requisition_fields()
        .update_options("job_level", values)
        .send()
        .await
        .expect("update decodes");
    assert_eq!(field.id.as_str(), "job_level");
    let options = field.options.expect("options");
    assert_eq!(options[0].text.as_deref(), Some("Staff engineer"));
}

#[test]
fn posting_categories_take_every_location() {
    let client = offline_client();
    let body = UpdatePosting {
        categories: Some(PostingCategoriesInput {
            location: Some("Berlin".into()),
            all_locations: Some(vec!["Berlin".into(), "Remote".into()]),
            ..PostingCategoriesInput::default()
        }),
        ..UpdatePosting::default()
    };
    let request = client
        .postings()
        .update("p1", body)
        .perform_as("u1")
        .to_request()
        .expect("encodes");
    assert_eq!(
        json_body(&request.body),
        json!({"categories": {"location": "Berlin", "allLocations": ["Berlin", "Remote"]}})
    );
}

#[test]
fn update_bodies_can_be_partial() {
    let client = offline_client();
    // An interview update without `panel` (or anything but the subject).
    let interview = UpdateInterview {
        subject: Some("On-site".into()),
        ..UpdateInterview::default()
    };
    let request = client
        .interviews()
        .update("o1", "i1", interview)
        .perform_as("u1")
        .to_request()
        .expect("encodes");
    assert_eq!(json_body(&request.body), json!({"subject": "On-site"}));

    // Every other update body builds empty, so none requires a create-only field.
    let empty = json!({});
    let bodies = [
        json_body(
            &client
                .panels()
                .update("o1", "pa1", UpdatePanel::default())
                .perform_as("u1")
                .to_request()
                .expect("encodes")
                .body,
        ),
        json_body(
            &client
                .requisitions()
                .update("r1", UpdateRequisition::default())
                .to_request()
                .expect("encodes")
                .body,
        ),
        json_body(
            &client
                .requisition_fields()
                .update("f1", UpdateRequisitionField::default())
                .to_request()
                .expect("encodes")
                .body,
        ),
        json_body(
            &client
                .feedback_templates()
                .update("t1", UpdateFeedbackTemplate::default())
                .to_request()
                .expect("encodes")
                .body,
        ),
        json_body(
            &client
                .form_templates()
                .update("t1", UpdateFormTemplate::default())
                .to_request()
                .expect("encodes")
                .body,
        ),
    ];
    for body in bodies {
        assert_eq!(body, empty);
    }
}

#[test]
fn file_sizes_decode_from_numbers_and_numeric_strings() {
    let documented: lever_client::models::OpportunityFile = serde_json::from_value(json!({
        "id": "f1", "downloadUrl": "https://x/f1", "ext": "pdf", "name": "cv.pdf",
        "uploadedAt": "1468953420000", "status": "processed", "size": "1024"
    }))
    .expect("the docs' string size decodes");
    assert_eq!(documented.size, Some(ByteSize(1024)));
    let real: lever_client::models::OpportunityFile =
        serde_json::from_value(json!({"id": "f1", "size": 2048})).expect("a number decodes");
    assert_eq!(real.size, Some(ByteSize(2048)));
}

#[test]
fn approval_steps_and_note_comments_keep_their_ids() {
    let step: lever_client::models::ApprovalStep = serde_json::from_value(json!({
        "id": "step-1", "completed": false, "status": "pending", "approvers": []
    }))
    .expect("decodes");
    assert_eq!(step.id.as_deref(), Some("step-1"));
    let comment: lever_client::models::NoteComment = serde_json::from_value(json!({
        "id": "c-1", "type": "note", "text": "Comment", "description": "",
        "value": "Strong candidate", "createdAt": 1
    }))
    .expect("decodes");
    assert_eq!(comment.id.as_deref(), Some("c-1"));
    assert_eq!(comment.description, Some(Some(String::new())));
}

#[test]
fn posting_triggers_declare_the_confidential_scope_and_deleted_postings_are_experimental() {
    use lever_client::triggers::Trigger;
    for trigger in [Trigger::PostingCreated, Trigger::PostingUpdated] {
        assert!(
            trigger.scopes().contains(&"confidential:access:admin"),
            "{trigger:?}: {:?}",
            trigger.scopes()
        );
        assert!(trigger.scopes().contains(&"postings:read:admin"));
        assert!(!trigger.is_experimental());
    }
    assert!(Trigger::PostingDeleted.is_experimental());
    assert!(!Trigger::PostingDeleted
        .scopes()
        .contains(&"confidential:access:admin"));
}

#[test]
fn an_opportunity_without_files_is_sent_as_json() {
    let client = offline_client();
    let request = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Ada".into()),
            ..CreateOpportunity::default()
        })
        .perform_as("u1")
        .to_request()
        .expect("encodes");
    assert_eq!(json_body(&request.body), json!({"name": "Ada"}));
}

#[tokio::test]
async fn an_opportunity_with_a_resume_and_files_is_sent_as_multipart() {
    let s = Scripted::new();
    s.on(
        "/v1/opportunities",
        vec![Reply::json(
            201,
            json!({"deduped": false, "data": {"id": "o1", "name": "Ada"}}),
        )],
    );
    let client = api_key_client(&s.start().await);
    let opportunity = client
        .opportunities()
        .create(CreateOpportunity {
            name: Some("Ada".into()),
            emails: Some(vec!["ada@example.com".into(), "ada@work.example".into()]),
            archived: Some(lever_client::models::CreateOpportunityArchived::new(
                "reason-1",
            )),
            ..CreateOpportunity::default()
        })
        .resume_file(FilePart::new("first.pdf", b"%PDF old".to_vec()))
        .resume_file(
            FilePart::new("cv.pdf", b"%PDF resume".to_vec()).content_type("application/pdf"),
        )
        .files(FilePart::new("cover.txt", b"cover letter".to_vec()))
        .files(FilePart::new("portfolio.txt", b"portfolio".to_vec()))
        .parse(true)
        .perform_as("u1")
        .send()
        .await
        .expect("sent and decoded");
    assert_eq!(opportunity.id.as_str(), "o1");

    let hit = &s.hits("/v1/opportunities")[0];
    let query = hit.query.clone().unwrap_or_default();
    assert!(
        query.contains("parse=true") && query.contains("perform_as=u1"),
        "{query}"
    );
    let content_type = hit.headers["content-type"].to_str().expect("ascii");
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8_lossy(&hit.body);
    let part = |name: &str| format!("Content-Disposition: form-data; name=\"{name}\"");
    assert!(
        body.contains(&format!("{}\r\n\r\nAda\r\n", part("name"))),
        "{body}"
    );
    assert_eq!(body.matches(&part("emails[]")).count(), 2, "{body}");
    assert!(body.contains(&part("archived[reason]")), "{body}");
    assert!(body.contains(&format!("{}; filename=\"cv.pdf\"", part("resumeFile"))));
    assert!(
        !body.contains("first.pdf"),
        "a second resume replaces the first"
    );
    assert_eq!(body.matches(&part("files[]")).count(), 2, "{body}");
    assert!(body.contains("%PDF resume") && body.contains("portfolio"));
}
