//! `multipart/form-data` bodies made of a JSON object's fields plus named files, spelled the
//! way Lever reads them: arrays as `field[]`, nested values as `parent[child]`.

use std::fmt;

use serde_json::Value;

use crate::{Error, FilePart};

/// A form body: text fields (flattened from a JSON object) and file parts.
#[derive(Clone)]
pub struct FormBody {
    /// `(name, value)` text fields, in the object's order.
    pub fields: Vec<(String, String)>,
    /// `(name, file)` file parts; a repeated part's name ends in `[]`.
    pub files: Vec<(String, FilePart)>,
}

impl FormBody {
    /// Flattens `body` (which must serialise to a JSON object) into text fields and adds
    /// `files`.
    pub fn new<T: serde::Serialize + ?Sized>(
        body: &T,
        files: Vec<(String, FilePart)>,
    ) -> Result<FormBody, Error> {
        let value = serde_json::to_value(body).map_err(Error::Serialize)?;
        let Value::Object(object) = value else {
            return Err(Error::InvalidInput(
                "a multipart body must be a JSON object".into(),
            ));
        };
        let mut fields = Vec::new();
        for (key, value) in object {
            flatten(key, value, &mut fields);
        }
        Ok(FormBody { fields, files })
    }

    /// The `reqwest` form to send.
    pub(crate) fn to_multipart(&self) -> Result<reqwest::multipart::Form, Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in &self.fields {
            form = form.text(name.clone(), value.clone());
        }
        for (name, file) in &self.files {
            form = form.part(name.clone(), crate::client::file_part(file)?);
        }
        Ok(form)
    }
}

/// Lever's multipart spelling: `tags[]=a`, `archived[reason]=r`; `null` sends nothing.
fn flatten(name: String, value: Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::String(s) => out.push((name, s)),
        Value::Bool(b) => out.push((name, b.to_string())),
        Value::Number(n) => out.push((name, n.to_string())),
        Value::Array(items) => {
            for item in items {
                flatten(format!("{name}[]"), item, out);
            }
        }
        Value::Object(object) => {
            for (key, value) in object {
                flatten(format!("{name}[{key}]"), value, out);
            }
        }
    }
}

// Field values are candidates' personal data (names, emails): only names and sizes are shown.
impl fmt::Debug for FormBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<&str> = self.fields.iter().map(|(name, _)| name.as_str()).collect();
        let files: Vec<(&str, usize)> = self
            .files
            .iter()
            .map(|(name, file)| (name.as_str(), file.bytes.len()))
            .collect();
        f.debug_struct("FormBody")
            .field("fields", &fields)
            .field("files", &files)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_arrays_and_nested_objects_like_lever() {
        let body = FormBody::new(
            &json!({
                "name": "Ada",
                "emails": ["a@x", "b@x"],
                "archived": {"reason": "r1", "archivedAt": 5},
                "owner": null,
                "flag": true
            }),
            vec![("resumeFile".into(), FilePart::new("cv.pdf", "pdf"))],
        )
        .expect("an object");
        let mut fields = body.fields.clone();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                ("archived[archivedAt]".to_string(), "5".to_string()),
                ("archived[reason]".into(), "r1".into()),
                ("emails[]".into(), "a@x".into()),
                ("emails[]".into(), "b@x".into()),
                ("flag".into(), "true".into()),
                ("name".into(), "Ada".into()),
            ]
        );
        let debug = format!("{body:?}");
        assert!(!debug.contains("Ada") && !debug.contains("a@x"), "{debug}");
        assert!(debug.contains("resumeFile"), "{debug}");
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        let err = FormBody::new(&json!([1, 2]), Vec::new()).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }
}
