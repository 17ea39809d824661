//! `multipart/form-data` bodies, as Lever's create-opportunity takes them: text fields spelled
//! `field[]` (arrays) and `parent[child]` (nested values) are rebuilt into a JSON object, and
//! file parts are counted but not stored.

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::store::Obj;

/// A decoded form: the text fields as a JSON object, and the names of the file parts.
pub(crate) struct Form {
    pub fields: Obj,
    pub files: Vec<String>,
}

/// Whether a `Content-Type` header value announces a form.
pub(crate) fn is_form(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    })
}

/// Decodes a `multipart/form-data` body.
pub(crate) fn parse(content_type: &str, raw: &[u8]) -> Result<Form, ApiError> {
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty())
        .ok_or_else(|| ApiError::bad_request("The multipart body has no boundary"))?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut form = Form {
        fields: Map::new(),
        files: Vec::new(),
    };
    let mut rest = raw;
    // Everything before the first delimiter is a preamble.
    let Some(start) = find(rest, &delimiter) else {
        return Err(ApiError::bad_request("The multipart body has no parts"));
    };
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Ok(form);
        }
        let rest_of_part = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let end = find(rest_of_part, &delimiter)
            .ok_or_else(|| ApiError::bad_request("The multipart body is not terminated"))?;
        let part = &rest_of_part[..end];
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        add_part(&mut form, part)?;
        rest = &rest_of_part[end + delimiter.len()..];
    }
}

fn add_part(form: &mut Form, part: &[u8]) -> Result<(), ApiError> {
    let split = find(part, b"\r\n\r\n")
        .ok_or_else(|| ApiError::bad_request("A multipart part has no headers"))?;
    let headers = String::from_utf8_lossy(&part[..split]);
    let content = &part[split + 4..];
    let disposition = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
        .ok_or_else(|| ApiError::bad_request("A multipart part has no Content-Disposition"))?;
    let name = param(disposition, "name")
        .ok_or_else(|| ApiError::bad_request("A multipart part has no name"))?;
    if param(disposition, "filename").is_some() {
        form.files.push(name);
        return Ok(());
    }
    let value = Value::String(String::from_utf8_lossy(content).into_owned());
    let (base, path) = split_name(&name);
    let slot = form.fields.entry(base).or_insert(Value::Null);
    insert(slot, &path, value);
    Ok(())
}

/// `archived[reason]` → (`archived`, [`reason`]); `tags[]` → (`tags`, [``]).
fn split_name(name: &str) -> (String, Vec<String>) {
    let Some(open) = name.find('[') else {
        return (name.to_string(), Vec::new());
    };
    let base = name[..open].to_string();
    let path = name[open..]
        .split('[')
        .filter_map(|seg| seg.strip_suffix(']'))
        .map(str::to_string)
        .collect();
    (base, path)
}

fn insert(slot: &mut Value, path: &[String], value: Value) {
    let Some((segment, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if segment.is_empty() {
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(items) = slot {
            items.push(Value::Null);
            if let Some(last) = items.last_mut() {
                insert(last, rest, value);
            }
        }
    } else {
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        if let Value::Object(object) = slot {
            let child = object.entry(segment.clone()).or_insert(Value::Null);
            insert(child, rest, value);
        }
    }
}

/// A `key="value"` parameter of a Content-Disposition header.
fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.eq_ignore_ascii_case(key)).then(|| v.trim_matches('"').to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rebuilds_arrays_and_nested_fields_and_counts_files() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAda\r\n\
            --XX\r\nContent-Disposition: form-data; name=\"emails[]\"\r\n\r\na@x\r\n\
            --XX\r\nContent-Disposition: form-data; name=\"emails[]\"\r\n\r\nb@x\r\n\
            --XX\r\nContent-Disposition: form-data; name=\"archived[reason]\"\r\n\r\nr1\r\n\
            --XX\r\nContent-Disposition: form-data; name=\"resumeFile\"; filename=\"cv.pdf\"\r\n\
            Content-Type: application/pdf\r\n\r\n%PDF\r\n--XX--\r\n";
        let form = parse("multipart/form-data; boundary=XX", body.as_bytes()).expect("parses");
        assert_eq!(
            Value::Object(form.fields),
            json!({"name": "Ada", "emails": ["a@x", "b@x"], "archived": {"reason": "r1"}})
        );
        assert_eq!(form.files, vec!["resumeFile".to_string()]);
    }

    #[test]
    fn a_body_without_boundary_or_end_is_a_bad_request() {
        assert!(parse("multipart/form-data", b"").is_err());
        assert!(parse("multipart/form-data; boundary=XX", b"--XX\r\nno end").is_err());
    }
}
