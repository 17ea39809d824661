//! The resolved spec: what every consumer (codegen, the simulator, the macros) reads.
//!
//! Every reference in a [`Spec`] has been checked: a [`TypeRef::Named`] always names an entry
//! of [`Spec::types`], a trigger's poll rule always names a paginated action, and so on.
//! Collections are ordered by name so that generated output is deterministic.

use std::collections::BTreeMap;

pub use crate::path::{PathSegment, PathTemplate};
use crate::yaml::Location;

/// A fully loaded, merged and validated spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// API-wide settings.
    pub api: Api,
    /// Every named type, by name.
    pub types: BTreeMap<String, TypeDef>,
    /// Every resource, by its snake_case name (e.g. `postings`).
    pub resources: BTreeMap<String, Resource>,
    /// Every webhook event, by Lever's name (e.g. `applicationCreated`).
    pub events: BTreeMap<String, Event>,
    /// The triggers registry, by snake_case name (e.g. `posting_created`).
    pub triggers: BTreeMap<String, TriggerDef>,
}

impl Spec {
    /// Looks up an action by resource and action name.
    pub fn action(&self, resource: &str, action: &str) -> Option<&Action> {
        self.resources.get(resource)?.actions.get(action)
    }

    /// Every action with its resource, in a stable order.
    pub fn actions(&self) -> impl Iterator<Item = (&Resource, &Action)> {
        self.resources
            .values()
            .flat_map(|resource| resource.actions.values().map(move |a| (resource, a)))
    }

    /// Looks up an object type by name.
    pub fn object(&self, name: &str) -> Option<&ObjectType> {
        match &self.types.get(name)?.kind {
            TypeKind::Object(object) => Some(object),
            _ => None,
        }
    }
}

/// API-wide settings: base URLs, auth, limits and conventions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Api {
    /// A human name for the API.
    pub title: String,
    /// Base URL for production accounts (ends in `/v1`).
    pub production_url: String,
    /// Base URL for sandbox accounts.
    pub sandbox_url: String,
    /// OAuth 2 settings.
    pub oauth: OAuth,
    /// The documented rate limit.
    pub rate_limit: RateLimit,
    /// How list endpoints page.
    pub pagination: Pagination,
}

/// OAuth 2 authorization-code settings, per environment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OAuth {
    /// Production authorize URL.
    pub production_authorize_url: String,
    /// Production token URL.
    pub production_token_url: String,
    /// Production audience.
    pub production_audience: String,
    /// Sandbox authorize URL.
    pub sandbox_authorize_url: String,
    /// Sandbox token URL.
    pub sandbox_token_url: String,
    /// Sandbox audience.
    pub sandbox_audience: String,
    /// Every scope Lever knows.
    pub scopes: Vec<String>,
}

/// A token-bucket rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RateLimit {
    /// Steady-state requests per second.
    pub requests_per_second: u32,
    /// Largest burst.
    pub burst: u32,
}

/// List pagination conventions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pagination {
    /// Query parameter holding the page size.
    pub limit_param: String,
    /// Query parameter holding the opaque offset token.
    pub offset_param: String,
    /// Largest page size.
    pub max_limit: u32,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The type's name, PascalCase.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// What kind of type it is.
    pub kind: TypeKind,
    /// Where it was declared.
    pub location: Location,
}

/// The kinds of named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with named fields.
    Object(ObjectType),
    /// An open enum of strings: unknown values are kept.
    Enum(EnumType),
    /// A string ID newtype.
    Id,
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectType {
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// Keep unknown keys in an extra map (for lossless round trips).
    pub keep_unknown: bool,
}

impl ObjectType {
    /// Looks up a field by its wire name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One field of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The name on the wire (camelCase as Lever sends it; may be a Rust keyword).
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The field's type.
    pub ty: TypeRef,
    /// The key may be absent.
    pub optional: bool,
    /// The value may be `null`.
    pub nullable: bool,
    /// Where it was declared.
    pub location: Location,
}

/// An open enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// Known values, in declaration order.
    pub values: Vec<EnumValue>,
}

/// One known value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// The value on the wire.
    pub value: String,
    /// Documentation.
    pub doc: Option<String>,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    /// A UTF-8 string.
    String,
    /// A signed 64-bit integer.
    Integer,
    /// A floating-point number.
    Number,
    /// A boolean.
    Boolean,
    /// Milliseconds since the Unix epoch (lenient: number or numeric string).
    Timestamp,
    /// A size in bytes (lenient: Lever's examples send a number or a numeric string).
    ByteSize,
    /// Any JSON value.
    Json,
    /// An uploaded file (multipart bodies only).
    File,
    /// A named type from [`Spec::types`].
    Named(String),
    /// A list.
    List(Box<TypeRef>),
    /// A map with string keys.
    Map(Box<TypeRef>),
    /// An ID that `expand` can replace with the named object.
    Expandable(String),
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::String => f.write_str("string"),
            TypeRef::Integer => f.write_str("integer"),
            TypeRef::Number => f.write_str("number"),
            TypeRef::Boolean => f.write_str("boolean"),
            TypeRef::Timestamp => f.write_str("timestamp"),
            TypeRef::ByteSize => f.write_str("byte_size"),
            TypeRef::Json => f.write_str("json"),
            TypeRef::File => f.write_str("file"),
            TypeRef::Named(name) => f.write_str(name),
            TypeRef::List(inner) => write!(f, "list<{inner}>"),
            TypeRef::Map(inner) => write!(f, "map<{inner}>"),
            TypeRef::Expandable(name) => write!(f, "expandable<{name}>"),
        }
    }
}

/// A resource: a group of actions (e.g. `postings`).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// snake_case name; also the client accessor's name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Actions by name.
    pub actions: BTreeMap<String, Action>,
    /// Where it was declared.
    pub location: Location,
}

/// An HTTP method an action may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Whether an action takes `perform_as`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PerformAs {
    /// Not accepted.
    #[default]
    None,
    /// Accepted, not required.
    Optional,
    /// Required by Lever.
    Required,
}

/// One API action (an endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The resource it belongs to.
    pub resource: String,
    /// snake_case name; also the method's name.
    pub name: String,
    /// A human title, e.g. "Create a Posting".
    pub title: String,
    /// Documentation.
    pub doc: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// Path relative to the base URL, with `{param}` placeholders, as the spec writes it.
    pub path: String,
    /// [`path`](Self::path) parsed into segments: read these rather than parsing the text.
    pub path_template: PathTemplate,
    /// Path parameters in the order they appear in the path.
    pub path_params: Vec<Param>,
    /// Query parameters in declaration order (without `perform_as`, `limit`, `offset`).
    pub query: Vec<Param>,
    /// The request body.
    pub body: Option<Body>,
    /// What comes back.
    pub response: Response,
    /// Whether the action is a paginated list.
    pub paginated: bool,
    /// OAuth scopes it needs.
    pub scopes: Vec<String>,
    /// `perform_as` rules.
    pub perform_as: PerformAs,
    /// Link to Lever's documentation.
    pub docs: Option<String>,
    /// Where it was declared.
    pub location: Location,
}

impl Action {
    /// `resource.action`, the action's full name.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.resource, self.name)
    }

    /// The query parameters that are arguments of the action's method (and of `request!`),
    /// after the path parameters: required and given once.
    pub fn argument_query(&self) -> impl Iterator<Item = &Param> {
        self.query.iter().filter(|p| p.is_argument())
    }

    /// The query parameters set with the request builder's setters: optional or repeated.
    pub fn setter_query(&self) -> impl Iterator<Item = &Param> {
        self.query.iter().filter(|p| !p.is_argument())
    }

    /// Looks up a query parameter by wire name.
    pub fn query_param(&self, name: &str) -> Option<&Param> {
        self.query.iter().find(|p| p.name == name)
    }
}

/// A path or query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name on the wire.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// A scalar, named enum/ID type, or a list for repeated parameters.
    pub ty: TypeRef,
    /// Required (path parameters always are).
    pub required: bool,
    /// May be given several times (`?tag=a&tag=b`).
    pub repeated: bool,
}

impl Param {
    /// Whether a query parameter is an argument of the action's method rather than a setter:
    /// required, and given once (a repeated one gets a setter that adds one value per call).
    pub fn is_argument(&self) -> bool {
        self.required && !self.repeated
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The body's type.
    pub ty: TypeRef,
    /// How it is encoded.
    pub format: BodyFormat,
    /// Files a JSON body may carry; when any is attached, the request is sent as
    /// `multipart/form-data` with the body's fields as form fields (Lever's create-opportunity
    /// with `resumeFile` and `files[]`).
    pub files: Vec<FilePartDef>,
}

/// A named file part of a body (see [`Body::files`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FilePartDef {
    /// The part's name as declared (`resumeFile`); repeated parts go on the wire as `name[]`.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Several files may be sent under this name.
    pub repeated: bool,
}

impl FilePartDef {
    /// The form field name on the wire: `files[]` for a repeated part, else the name.
    pub fn wire_name(&self) -> String {
        if self.repeated {
            format!("{}[]", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json`.
    Json,
    /// `multipart/form-data` with one `file` part.
    Multipart,
}

/// What an action returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// `{"data": T}` (for paginated actions: `{"data": [T], "hasNext", "next"}` where T is the item).
    Data(TypeRef),
    /// The body is `T` itself, with no envelope.
    Raw(TypeRef),
    /// No body (204).
    Empty,
    /// Binary content (a file download).
    Binary,
}

/// A webhook event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Lever's name, e.g. `candidateStageChange`.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// The object type of its `data`.
    pub data: String,
    /// Where it was declared.
    pub location: Location,
}

/// A registry entry: something users react to.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerDef {
    /// snake_case name.
    pub name: String,
    /// A human title, e.g. "Posting Updated".
    pub title: String,
    /// What it means.
    pub description: String,
    /// Native webhook events that fire it.
    pub webhook: Vec<String>,
    /// A polling rule, where Lever sends no webhook (or as a fallback).
    pub poll: Option<PollRule>,
    /// OAuth scopes it needs beyond its poll action's (e.g. `confidential:access:admin` when
    /// the poll lists confidential items too).
    pub scopes: Vec<String>,
    /// Whether it rests on behaviour Lever does not document, so its events may change.
    pub experimental: bool,
    /// Where it was declared.
    pub location: Location,
}

/// What a poll reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollEmit {
    /// Items whose `created_field` is at or after the checkpoint.
    Created,
    /// Items changed since the checkpoint that were created before it.
    Updated,
    /// Every item seen (e.g. a list of deleted objects).
    All,
}

impl PollEmit {
    /// The spelling in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            PollEmit::Created => "created",
            PollEmit::Updated => "updated",
            PollEmit::All => "all",
        }
    }
}

/// How to poll for a trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct PollRule {
    /// The resource of the list action.
    pub resource: String,
    /// The paginated list action.
    pub action: String,
    /// The query parameter that takes the checkpoint (e.g. `updated_at_start`).
    pub since: String,
    /// The item's timestamp field that advances the checkpoint (e.g. `updatedAt`).
    pub cursor: String,
    /// The item's creation timestamp field, used to tell created from updated.
    pub created_field: Option<String>,
    /// Which items fire the trigger.
    pub emit: PollEmit,
    /// Extra fixed query parameters (e.g. `confidentiality=all`).
    pub fixed_query: Vec<(String, String)>,
}
