//! Each broken spec makes exactly the mistake its name says; every rendered message is pinned.

use std::path::PathBuf;

const API: &str = r#"
api:
  title: Test API
  base_urls: { production: https://api.example.test/v1, sandbox: https://sandbox.example.test/v1 }
  oauth:
    scopes: [postings:read:admin, postings:write:admin]
"#;

const BASE: &str = r#"
types:
  UserId: { id: true, doc: A user. }
  PostingState: { enum: [published, draft] }
  Posting:
    fields_optional: true
    fields:
      id: { type: string }
      state: { type: PostingState }
      createdAt: { type: timestamp }
      updatedAt: { type: timestamp }
  AppData:
    fields_optional: true
    fields:
      opportunityId: { type: string }
resources:
  postings:
    actions:
      list:
        title: Get Postings
        method: GET
        path: /postings
        paginated: true
        query: { updated_at_start: timestamp }
        response: Posting
events:
  applicationCreated: { data: AppData }
"#;

/// Loads API + BASE + `broken` (as `spec/broken.yaml`), plus an optional overlay.
fn render(broken: &str, overlay: Option<&str>) -> String {
    let base = vec![
        (PathBuf::from("spec/api.yaml"), API.to_string()),
        (PathBuf::from("spec/base.yaml"), BASE.to_string()),
        (PathBuf::from("spec/broken.yaml"), broken.to_string()),
    ];
    let overlays = overlay
        .map(|o| vec![(PathBuf::from("overlay.yaml"), o.to_string())])
        .unwrap_or_default();
    match lever_spec::from_sources(base, overlays) {
        Ok(_) => panic!("expected the spec to be rejected"),
        Err(err) => err.render(),
    }
}

macro_rules! broken {
    ($($name:ident: $yaml:expr;)*) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), render($yaml, None));
            }
        )*
    };
}

macro_rules! broken_overlay {
    ($($name:ident: $yaml:expr;)*) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), render("{}", Some($yaml)));
            }
        )*
    };
}

#[test]
fn the_base_is_valid() {
    let spec = lever_spec::from_sources(
        vec![
            (PathBuf::from("spec/api.yaml"), API.to_string()),
            (PathBuf::from("spec/base.yaml"), BASE.to_string()),
        ],
        vec![],
    )
    .expect("the base spec is valid");
    assert_eq!(spec.actions().count(), 1);
}

broken! {
    yaml_syntax_unclosed_flow: "types:\n  Thing: { fields: { id: string }\n";
    yaml_syntax_bad_indentation: "types:\n  Thing:\n    fields:\n      id: string\n     name: string\n";
    unknown_top_level_key: "resource:\n  things: {}\n";
    unknown_type_key: "types:\n  Thing:\n    feilds: { id: string }\n";
    unknown_field_key: "types:\n  Thing:\n    fields:\n      id: { type: string, optinal: true }\n";
    unknown_type_reference: "types:\n  Thing:\n    fields:\n      posting: { type: Postng }\n";
    unknown_type_inside_list: "types:\n  Thing:\n    fields:\n      users: { type: list<Usr> }\n";
    unclosed_type_expression: "types:\n  Thing:\n    fields:\n      postings: { type: list<Posting }\n";
    unknown_type_constructor: "types:\n  Thing:\n    fields:\n      postings: { type: vec<Posting> }\n";
    expandable_of_builtin: "types:\n  Thing:\n    fields:\n      owner: { type: expandable<string> }\n";
    expandable_of_enum: "types:\n  Thing:\n    fields:\n      state: { type: expandable<PostingState> }\n";
    duplicate_type_across_files: "types:\n  Posting:\n    fields:\n      id: string\n";
    duplicate_key_in_mapping: "types:\n  Thing:\n    fields:\n      id: string\n      id: integer\n";
    type_without_kind: "types:\n  Thing:\n    doc: Nothing else.\n";
    type_with_two_kinds: "types:\n  Thing:\n    enum: [a]\n    fields: { id: string }\n";
    enum_value_twice: "types:\n  Color:\n    enum: [red, blue, red]\n";
    enum_values_collide: "types:\n  Confidentiality:\n    enum: [non-confidential, non_confidential]\n";
    field_names_collide: "types:\n  Thing:\n    fields:\n      createdAt: timestamp\n      created_at: timestamp\n";
    type_name_not_pascal_case: "types:\n  thing_type:\n    fields: { id: string }\n";
    resource_name_not_snake_case: "resources:\n  JobPostings:\n    actions: {}\n";
    action_without_title: "resources:\n  things:\n    actions:\n      get: { method: GET, path: /things, response: Posting }\n";
    unknown_http_method: "resources:\n  things:\n    actions:\n      get: { title: Get, method: FETCH, path: /things, response: Posting }\n";
    path_parameter_undeclared: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: '/things/{thing}', response: Posting }\n";
    path_parameter_unused: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: '/things/{thing}', params: { thing: string, other: string }, response: Posting }\n";
    body_on_get: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: /things, body: Posting, response: Posting }\n";
    paginated_response_is_a_list: "resources:\n  things:\n    actions:\n      list: { title: List, method: GET, path: /things, paginated: true, response: 'list<Posting>' }\n";
    paginated_post: "resources:\n  things:\n    actions:\n      search: { title: Search, method: POST, path: /things/search, paginated: true, response: Posting }\n";
    unknown_oauth_scope: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: /things, response: Posting, scopes: ['postings:raed:admin'] }\n";
    perform_as_bad_value: "resources:\n  things:\n    actions:\n      create: { title: Create, method: POST, path: /things, response: Posting, perform_as: requried }\n";
    perform_as_as_query_parameter: "resources:\n  things:\n    actions:\n      create: { title: Create, method: POST, path: /things, response: Posting, query: { perform_as: UserId } }\n";
    path_parameter_inside_a_segment: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: '/things/v{version}', params: { version: string }, response: Posting }\n";
    same_route_with_other_parameter_names: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: '/things/{thing}', params: { thing: string }, response: Posting }\n      fetch: { title: Fetch, method: GET, path: '/things/{id}/', params: { id: string }, response: Posting }\n";
    same_route_twice: "resources:\n  things:\n    actions:\n      all: { title: All, method: GET, path: /postings, response: Posting }\n";
    boolean_written_as_string: "types:\n  Thing:\n    fields:\n      id: { type: string, optional: 'yes' }\n";
    type_contains_itself: "types:\n  Node:\n    fields:\n      parent: { type: Node }\n";
    event_data_not_an_object: "events:\n  postingChanged: { data: PostingState }\n";
    event_without_data: "events:\n  postingChanged: { doc: No data. }\n";
    trigger_unknown_event: "triggers:\n  candidate_created: { title: Candidate Created, webhook: [applicationCreatd] }\n";
    trigger_without_source: "triggers:\n  nothing: { title: Nothing }\n";
    trigger_poll_unknown_action: "triggers:\n  posting_created:\n    title: Posting Created\n    poll: { action: postings.lst, since: updated_at_start, cursor: updatedAt, created_field: createdAt, emit: created }\n";
    trigger_poll_unknown_parameter: "triggers:\n  posting_created:\n    title: Posting Created\n    poll: { action: postings.list, since: updated_since, cursor: updatedAt, created_field: createdAt, emit: created }\n";
    trigger_poll_unknown_field: "triggers:\n  posting_created:\n    title: Posting Created\n    poll: { action: postings.list, since: updated_at_start, cursor: updatedAtt, created_field: createdAt, emit: created }\n";
    trigger_poll_cursor_not_timestamp: "triggers:\n  posting_created:\n    title: Posting Created\n    poll: { action: postings.list, since: updated_at_start, cursor: state, created_field: createdAt, emit: created }\n";
    trigger_unknown_scope: "triggers:\n  candidate_created: { title: Candidate Created, webhook: [applicationCreated], scopes: [postings:raed:admin] }\n";
    trigger_polls_confidential_items_without_the_scope: "resources:\n  secrets:\n    actions:\n      list: { title: List, method: GET, path: /secrets, paginated: true, query: { updated_at_start: timestamp, confidentiality: string }, response: Posting }\ntriggers:\n  secret_created:\n    title: Secret Created\n    poll: { action: secrets.list, since: updated_at_start, cursor: updatedAt, created_field: createdAt, emit: created, query: { confidentiality: all } }\n";
    file_parts_on_a_multipart_body: "resources:\n  uploads:\n    actions:\n      create: { title: Upload, method: POST, path: /uploads, body: { type: file, format: multipart, files: { extra: {} } }, response: json }\n";
    file_part_named_like_a_builder_method: "resources:\n  things:\n    actions:\n      create: { title: Create, method: POST, path: /things, body: { type: AppData, files: { send: {} } }, response: json }\n";
    trigger_poll_bad_emit: "triggers:\n  posting_created:\n    title: Posting Created\n    poll: { action: postings.list, since: updated_at_start, cursor: updatedAt, created_field: createdAt, emit: creatd }\n";
    multipart_body_not_a_file: "resources:\n  things:\n    actions:\n      upload: { title: Upload, method: POST, path: /things, body: { type: Posting, format: multipart }, response: Posting }\n";
    a_mapping_where_a_list_belongs: "types:\n  Color:\n    enum: { red: 1 }\n";
    two_documents_in_one_file: "types:\n  Color: { enum: [red] }\n---\ntypes:\n  Shade: { enum: [dark] }\n";
}

broken_overlay! {
    overlay_redefines_type: "types:\n  Posting:\n    fields: { id: string }\n";
    overlay_extends_unknown_type: "types:\n  Postings:\n    extend: true\n    fields: { code: string }\n";
    overlay_adds_existing_field: "types:\n  Posting:\n    extend: true\n    fields: { state: string }\n";
    overlay_adds_existing_enum_value: "types:\n  PostingState:\n    extend: true\n    enum: [draft]\n";
    overlay_changes_api: "api:\n  title: Mine\n";
    overlay_extends_enum_with_fields: "types:\n  PostingState:\n    extend: true\n    fields: { x: string }\n";
    overlay_redefines_action: "resources:\n  postings:\n    extend: true\n    actions:\n      list: { title: List, method: GET, path: /postings/all, response: Posting }\n";
}

#[test]
fn every_error_is_reported_at_once() {
    let rendered = render(
        "types:\n  Thing:\n    fields:\n      a: { type: Postng }\n      b: { type: Usr }\n      c: { type: string, optinal: true }\n",
        None,
    );
    assert!(rendered.contains("unknown type `Postng`"), "{rendered}");
    assert!(rendered.contains("unknown type `Usr`"), "{rendered}");
    assert!(rendered.contains("unknown key `optinal`"), "{rendered}");
    assert!(rendered.contains("the spec has 3 errors"), "{rendered}");
}

#[test]
fn overlays_add_and_extend() {
    let overlay = "types:\n  Posting:\n    extend: true\n    fields:\n      internalCode: { type: string, optional: true }\n  PostingState:\n    extend: true\n    enum: [archived]\nresources:\n  postings:\n    extend: true\n    actions:\n      get:\n        title: Get Posting\n        method: GET\n        path: '/postings/{posting}'\n        params: { posting: string }\n        response: Posting\n";
    let spec = lever_spec::from_sources(
        vec![
            (PathBuf::from("spec/api.yaml"), API.to_string()),
            (PathBuf::from("spec/base.yaml"), BASE.to_string()),
        ],
        vec![(PathBuf::from("overlay.yaml"), overlay.to_string())],
    )
    .expect("the overlay is valid");
    let posting = spec.object("Posting").expect("Posting is an object");
    assert!(posting.field("internalCode").is_some());
    assert!(spec.action("postings", "get").is_some());
    match &spec.types["PostingState"].kind {
        lever_spec::TypeKind::Enum(e) => assert_eq!(e.values.len(), 3),
        other => panic!("PostingState is {other:?}"),
    }
}

#[test]
fn rust_keywords_are_accepted_as_field_names() {
    let spec = lever_spec::from_sources(
        vec![
            (PathBuf::from("spec/api.yaml"), API.to_string()),
            (
                PathBuf::from("spec/k.yaml"),
                "types:\n  Thing:\n    fields:\n      type: string\n      match: boolean\n      async: string\n".to_string(),
            ),
        ],
        vec![],
    )
    .expect("keywords are fine as field names");
    assert_eq!(spec.object("Thing").map(|o| o.fields.len()), Some(3));
}

// ---- YAML limits and positions (issue #12, item 10) -----------------------------------------

broken! {
    yaml_tab_after_a_scalar: "types:\n  Thing:\n    doc: A thing.\n\tfields: { id: string }\n";
    yaml_tab_as_indentation: "types:\n  Thing:\n\tfields: { id: string }\n";
    yaml_quote_closed_by_the_next_one: "types:\n  Thing:\n    fields: { id: { type: \"string, doc: \"the id\" } }\n";
    yaml_single_quote_closed_by_the_next_one: "types:\n  Thing:\n    fields: { id: { type: 'it''s, doc: 'the id' } }\n";
    yaml_unclosed_list: "types:\n  Color:\n    enum: [red, blue\n  Shade: { enum: [dark] }\n";
    yaml_nested_too_deep: &format!("types:\n  Thing: {}{}\n", "[".repeat(130), "]".repeat(130));
}

#[test]
fn a_type_expression_nested_too_deep_is_refused() {
    // 100 000 levels overflowed the stack of the recursive type parser (an abort, not an error).
    let yaml = format!(
        "types:\n  Thing:\n    fields:\n      deep: {}string{}\n",
        "list<".repeat(100_000),
        ">".repeat(100_000)
    );
    let rendered = render(&yaml, None);
    assert!(
        rendered.starts_with("error: the type nests 100000 `<...>`, more than the 16 a spec may use\n --> spec/broken.yaml:4:13\n"),
        "{}",
        &rendered[..200]
    );
}

/// Ten lines whose aliases would expand to 10^9 nodes.
const BILLION_LAUGHS: &str = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
j: &j [*i, *i, *i, *i, *i, *i, *i, *i, *i, *i]
";

/// Parses one file with `lever_spec::yaml::parse`.
fn parse_yaml(text: &str) -> Result<lever_spec::yaml::Node, lever_spec::yaml::SyntaxError> {
    let file = std::sync::Arc::new(lever_spec::yaml::SourceFile {
        path: PathBuf::from("spec/broken.yaml"),
        text: text.to_string(),
    });
    lever_spec::yaml::parse(&file)
}

fn count_nodes(node: &lever_spec::yaml::Node) -> usize {
    use lever_spec::yaml::Value;
    1 + match &node.value {
        Value::Scalar { .. } => 0,
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|(_, v)| 1 + count_nodes(v)).sum(),
    }
}

#[test]
fn billion_laughs_is_refused() {
    // The error comes from the first alias whose copy would pass the limit: the parser never
    // holds more than `MAX_ALIAS_NODES` copied nodes, so the refusal costs no more than that.
    let err = parse_yaml(BILLION_LAUGHS).expect_err("the alias bomb is refused");
    assert!(
        err.message
            .contains(&lever_spec::yaml::MAX_ALIAS_NODES.to_string()),
        "{}",
        err.message
    );
    // Lines 1-4 copy 24 674 nodes (each anchored list once, each alias its list); each alias
    // on line 5 copies 11 111 more, and its seventh is the first to pass 100 000.
    assert_eq!((err.location.line, err.location.column), (5, 32));
    insta::assert_snapshot!("billion_laughs", render(BILLION_LAUGHS, None));
}

#[test]
fn aliases_up_to_the_limit_are_expanded() {
    // Four levels: 11 111 nodes in `d`'s list, 24 674 copied in all, under the limit; every
    // copy is really there.
    let four_levels: String = BILLION_LAUGHS
        .lines()
        .take(4)
        .map(|l| format!("{l}\n"))
        .collect();
    let root = parse_yaml(&four_levels).expect("a modest use of aliases parses");
    let lever_spec::yaml::Value::Map(entries) = &root.value else {
        panic!("a mapping")
    };
    assert_eq!(
        count_nodes(&entries[3].1),
        1 + 10 * (1 + 10 * (1 + 10 * (1 + 10)))
    );
}

#[test]
fn anchors_count_against_the_limit_too() {
    // Nested anchors are remembered as copies: 600 levels of `&aN [` would copy 180 000 nodes
    // without any alias. Depth is refused first here, so flatten it: one anchored list of
    // 60 000 scalars, anchored twice over (its items and itself).
    let items = vec!["x"; 60_000].join(", ");
    let text = format!("a: &a [{items}]\nb: &b [*a]\n");
    let err = parse_yaml(&text).expect_err("copies past the limit are refused");
    assert!(
        err.message.contains("anchors and aliases"),
        "{}",
        err.message
    );
    assert_eq!(err.location.line, 2);
}

#[test]
fn a_file_that_is_not_utf8_is_located() {
    let mut bytes = b"types:\n  Thing:\n    doc: caf".to_vec();
    bytes.push(0xE9); // Latin-1 "é"
    bytes.extend_from_slice(b"\n    fields: { id: string }\n");
    let base = vec![
        (PathBuf::from("spec/api.yaml"), API.as_bytes().to_vec()),
        (PathBuf::from("spec/base.yaml"), BASE.as_bytes().to_vec()),
        (PathBuf::from("spec/latin1.yaml"), bytes),
    ];
    let err = lever_spec::from_byte_sources(base, vec![]).expect_err("rejected");
    insta::assert_snapshot!("not_utf8", err.render());
}

#[test]
fn a_binary_file_is_located_through_load() {
    let dir = std::env::temp_dir().join(format!("lever-spec-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("api.yaml"), API).expect("write");
    std::fs::write(
        dir.join("blob.yaml"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0xFF],
    )
    .expect("write");
    let result = lever_spec::load(&dir, &[]);
    let _ = std::fs::remove_dir_all(&dir);
    let rendered = match result {
        Err(lever_spec::LoadError::Invalid(err)) => err.render(),
        other => panic!("expected a located spec error, got {other:?}"),
    };
    assert!(rendered.starts_with("error: "), "{rendered}");
    assert!(
        rendered.contains("blob.yaml is not valid UTF-8"),
        "{rendered}"
    );
    assert!(rendered.contains("blob.yaml:1:1"), "{rendered}");
}

// ---- no follow-on errors after a file fails to parse (issue #12, item 11) -------------------

/// A file with a YAML error, defining what two other files use.
const UNPARSABLE: &str = "types:\n  Widget:\n    fields: { id: string\n  WidgetKind: { enum: [a, b] }\nevents:\n  widgetCreated: { data: Widget }\n";
/// Uses `Widget`, `WidgetKind` and `widgetCreated` from the file above, and extends `Widget`.
const USER: &str = "types:\n  Gadget:\n    fields:\n      widget: { type: Widget }\n      kind: { type: 'list<WidgetKind>' }\n  Widget:\n    extend: true\n    fields: { size: integer }\nresources:\n  gadgets:\n    actions:\n      list: { title: List, method: GET, path: /gadgets, response: Widget }\ntriggers:\n  widget_created: { title: Widget Created, webhook: [widgetCreated] }\n";

fn error_lines(rendered: &str) -> usize {
    rendered
        .lines()
        .filter(|l| l.starts_with("error: "))
        .count()
}

fn render_files(files: Vec<(&str, Vec<u8>)>) -> String {
    let mut base = vec![
        (PathBuf::from("spec/api.yaml"), API.as_bytes().to_vec()),
        (PathBuf::from("spec/base.yaml"), BASE.as_bytes().to_vec()),
    ];
    base.extend(files.into_iter().map(|(p, t)| (PathBuf::from(p), t)));
    match lever_spec::from_byte_sources(base, vec![]) {
        Ok(_) => panic!("expected the spec to be rejected"),
        Err(err) => err.render(),
    }
}

#[test]
fn a_syntax_error_has_no_follow_on_errors() {
    let rendered = render_files(vec![
        ("spec/a_unparsable.yaml", UNPARSABLE.as_bytes().to_vec()),
        ("spec/b_user.yaml", USER.as_bytes().to_vec()),
    ]);
    insta::assert_snapshot!("syntax_error_no_follow_on", rendered);
}

#[test]
fn a_file_that_is_not_utf8_has_no_follow_on_errors() {
    let mut bytes = UNPARSABLE
        .replace("{ id: string\n", "{ id: string }\n")
        .into_bytes();
    bytes.push(0xFF);
    let rendered = render_files(vec![
        ("spec/a_unreadable.yaml", bytes),
        ("spec/b_user.yaml", USER.as_bytes().to_vec()),
    ]);
    assert_eq!(error_lines(&rendered), 2, "{rendered}");
    assert!(rendered.contains("is not valid UTF-8"), "{rendered}");
}

#[test]
fn errors_that_do_not_depend_on_the_unparsable_file_are_still_reported() {
    // A misspelt key and an unknown HTTP method are wrong whatever the other file defines.
    let user = "resources:\n  gadgets:\n    actions:\n      list: { title: List, method: FETCH, path: /gadgets, response: Posting, paginatd: true }\n";
    let rendered = render_files(vec![
        ("spec/a_unparsable.yaml", UNPARSABLE.as_bytes().to_vec()),
        ("spec/b_user.yaml", user.as_bytes().to_vec()),
    ]);
    // Three errors and the count.
    assert_eq!(error_lines(&rendered), 4, "{rendered}");
    assert!(rendered.contains("unknown key `paginatd`"), "{rendered}");
    assert!(
        rendered.contains("unknown HTTP method `FETCH`"),
        "{rendered}"
    );
}

// ---- names that cannot become Rust, or collide with the generated API (issue #12, item 9) ---

broken! {
    type_named_self: "types:\n  Self:\n    fields: { id: string }\n";
    field_not_an_identifier: "types:\n  Thing:\n    fields:\n      \"\u{663}x\": string\n";
    field_with_a_letter_rust_could_take: "types:\n  Thing:\n    fields:\n      na\u{ef}ve: string\n";
    field_named_crate: "types:\n  Thing:\n    fields:\n      crate: string\n";
    field_named_like_the_unknown_fields: "types:\n  Thing:\n    keep_unknown: true\n    fields:\n      unknownFields: json\n";
    enum_value_not_an_identifier: "types:\n  Color:\n    enum: [red, \"\u{663}x\"]\n";
    enum_value_self: "types:\n  Color:\n    enum: [red, self]\n";
    query_parameter_send: "resources:\n  things:\n    actions:\n      list: { title: List, method: GET, path: /things, query: { send: string }, response: Posting }\n";
    query_parameter_to_request: "resources:\n  things:\n    actions:\n      list: { title: List, method: GET, path: /things, query: { toRequest: string }, response: Posting }\n";
    query_parameter_deadline: "resources:\n  things:\n    actions:\n      list: { title: List, method: GET, path: /things, query: { deadline: string }, response: Posting }\n";
    query_parameter_body_with_a_body: "resources:\n  things:\n    actions:\n      create: { title: Create, method: POST, path: /things, body: Posting, query: { body: string }, response: Posting }\n";
    query_parameter_state_with_perform_as: "resources:\n  things:\n    actions:\n      create: { title: Create, method: POST, path: /things, perform_as: required, query: { state: string }, response: Posting }\n";
    query_parameters_collide: "resources:\n  things:\n    actions:\n      list: { title: List, method: GET, path: /things, query: { createdAt: string, created_at: string }, response: Posting }\n";
    path_and_query_parameters_collide: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: '/things/{thing}', params: { thing: string }, query: { thing: string }, response: Posting }\n";
    path_parameter_self: "resources:\n  things:\n    actions:\n      get: { title: Get, method: GET, path: '/things/{self}', params: { self: string }, response: Posting }\n";
    resource_named_request: "resources:\n  request:\n    actions:\n      get: { title: Get, method: GET, path: /request, response: Posting }\n";
    resource_named_builder: "resources:\n  builder:\n    actions:\n      get: { title: Get, method: GET, path: /builder, response: Posting }\n";
    resource_named_self: "resources:\n  self:\n    actions:\n      get: { title: Get, method: GET, path: /self, response: Posting }\n";
    resource_named_like_a_marker_type: "resources:\n  perform_as_set:\n    actions:\n      get: { title: Get, method: GET, path: /set, response: Posting }\n";
    resources_collide: "resources:\n  things_1:\n    actions: {}\n  things1:\n    actions: {}\n";
    builders_collide: "resources:\n  things:\n    actions:\n      get_all: { title: Get, method: GET, path: /things, response: Posting }\n  things_get:\n    actions:\n      all: { title: All, method: GET, path: /things/all, response: Posting }\n";
    action_named_crate: "resources:\n  things:\n    actions:\n      crate: { title: Crate, method: GET, path: /things, response: Posting }\n";
    action_named_client: "resources:\n  things:\n    actions:\n      client: { title: Client, method: GET, path: /things, response: Posting }\n";
    event_named_unknown: "events:\n  unknown: { data: AppData }\n";
    event_named_self: "events:\n  self: { data: AppData }\n";
    events_collide: "events:\n  application_created: { data: AppData }\n";
    trigger_named_self: "triggers:\n  self: { title: Me, webhook: [applicationCreated] }\n";
}
