//! [`ApiRequest`]: the HTTP request a generated builder describes.

use std::fmt;

use http::Method;

use crate::error::Error;
use crate::form::FormBody;
use crate::types::FilePart;

/// One API call as a request builder describes it (its `to_request()`): what is sent, before
/// the client adds the base URL, authentication and headers.
///
/// `Debug` shows the query's parameter names, not their values (a filter may be an email).
#[derive(Clone)]
pub struct ApiRequest {
    /// The HTTP method.
    pub method: Method,
    /// Path relative to the base URL, already percent-encoded (e.g. `/postings/abc`).
    pub path: String,
    /// The path template (e.g. `/postings/{posting}`), for tracing.
    pub path_template: &'static str,
    /// Query parameters; a name may repeat (`expand=a&expand=b`).
    pub query: Vec<(&'static str, String)>,
    /// The request body.
    pub body: RequestBody,
}

impl ApiRequest {
    /// A request without query or body.
    pub fn new(method: Method, path: impl Into<String>, path_template: &'static str) -> Self {
        ApiRequest {
            method,
            path: path.into(),
            path_template,
            query: Vec::new(),
            body: RequestBody::None,
        }
    }
}

/// A request body.
#[derive(Clone)]
pub enum RequestBody {
    /// No body.
    None,
    /// A serialised JSON body (`application/json`).
    Json(Vec<u8>),
    /// A `multipart/form-data` upload with one part named `file`.
    File(FilePart),
    /// A `multipart/form-data` body of text fields and named files.
    Form(FormBody),
}

impl RequestBody {
    /// A multipart body: `value`'s fields as form fields (Lever's `field[]` and
    /// `parent[child]` spelling) plus `files`.
    pub fn form<T: serde::Serialize + ?Sized>(
        value: &T,
        files: Vec<(String, FilePart)>,
    ) -> Result<RequestBody, Error> {
        FormBody::new(value, files).map(RequestBody::Form)
    }

    /// Serialises `value` as a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<RequestBody, Error> {
        serde_json::to_vec(value)
            .map(RequestBody::Json)
            .map_err(Error::Serialize)
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("path_template", &self.path_template)
            .field("query", &crate::redact::ParamNames(&self.query))
            .field("body", &self.body)
            .finish()
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBody::None => f.write_str("None"),
            RequestBody::Json(b) => write!(f, "Json({} bytes)", b.len()),
            RequestBody::File(file) => f.debug_tuple("File").field(file).finish(),
            RequestBody::Form(form) => f.debug_tuple("Form").field(form).finish(),
        }
    }
}
