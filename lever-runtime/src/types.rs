//! Value types shared by the runtime and the generated models.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

// ---------------------------------------------------------------------------------------------
// Timestamp
// ---------------------------------------------------------------------------------------------

/// A Lever timestamp: milliseconds since the Unix epoch (UTC).
///
/// Serialises as a JSON integer. Deserialises leniently, because Lever's documentation and
/// some responses use strings: an integer, a float without a fractional part (`1.5e12`), or a
/// numeric string such as `"1468953420000"` are all accepted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Converts a [`SystemTime`] (saturating at the `i64` range).
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(e) => Timestamp(
                i64::try_from(e.duration().as_millis())
                    .map(|ms| -ms)
                    .unwrap_or(i64::MIN),
            ),
        }
    }

    /// Converts to a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_millis(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

impl From<i64> for Timestamp {
    fn from(ms: i64) -> Self {
        Timestamp(ms)
    }
}

impl From<Timestamp> for i64 {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Timestamp::from_system_time(t)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a millisecond timestamp (an integer or a numeric string)")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }

            // The errors below describe the value without quoting it: a timestamp in a body
            // may be someone's date of birth, and messages end up in logs.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::invalid_value(Unexpected::Other("integer out of range"), &self))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                // i64::MAX as f64 rounds up to 2^63, so use a strict upper bound.
                if v.is_finite() && v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64
                {
                    // In range and integral, so the cast is exact.
                    Ok(Timestamp(v as i64))
                } else {
                    Err(E::invalid_value(
                        Unexpected::Other(
                            "floating point number that is not a whole number of milliseconds",
                        ),
                        &self,
                    ))
                }
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                let t = v.trim();
                if let Ok(ms) = t.parse::<i64>() {
                    return Ok(Timestamp(ms));
                }
                match t.parse::<f64>() {
                    Ok(f)
                        if t.bytes()
                            .all(|b| b.is_ascii_digit() || b".-+eE".contains(&b)) =>
                    {
                        self.visit_f64(f)
                    }
                    _ => Err(E::invalid_value(
                        Unexpected::Other("string that is not a number"),
                        &self,
                    )),
                }
            }
        }

        deserializer.deserialize_any(TimestampVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Expandable
// ---------------------------------------------------------------------------------------------

/// A reference that Lever's `expand` parameter can replace with the full object.
///
/// Without `expand`, Lever sends the ID as a string; with it, the object. This type accepts
/// both and serialises back to the same shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Expandable<T> {
    /// The ID of the referenced object (not expanded).
    Id(String),
    /// The expanded object.
    Expanded(Box<T>),
}

/// An object with an ID: every generated model with a required `id` implements it, so an
/// [`Expandable`] reference to it has an [`Expandable::id`] whether expanded or not.
pub trait Identified {
    /// The object's ID.
    fn id(&self) -> &str;
}

impl<T: Identified> Expandable<T> {
    /// The referenced object's ID, expanded or not.
    ///
    /// ```
    /// use lever_client::models::User;
    /// use lever_client::Expandable;
    ///
    /// let by_id: Expandable<User> = serde_json::from_str(r#""u-1""#).unwrap();
    /// assert_eq!(by_id.id(), "u-1");
    /// ```
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) => id,
            Expandable::Expanded(t) => t.id(),
        }
    }
}

impl<T> Expandable<T> {
    /// The ID, when not expanded ([`Expandable::id`] gives it in both cases).
    pub fn as_id(&self) -> Option<&str> {
        match self {
            Expandable::Id(id) => Some(id),
            Expandable::Expanded(_) => None,
        }
    }

    /// The object, when expanded.
    pub fn expanded(&self) -> Option<&T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Expanded(t) => Some(t),
        }
    }

    /// Whether the object was expanded.
    pub fn is_expanded(&self) -> bool {
        matches!(self, Expandable::Expanded(_))
    }

    /// The object, when expanded, by value.
    pub fn into_expanded(self) -> Option<T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Expanded(t) => Some(*t),
        }
    }
}

impl<T> From<String> for Expandable<T> {
    fn from(id: String) -> Self {
        Expandable::Id(id)
    }
}

impl<T> From<&str> for Expandable<T> {
    fn from(id: &str) -> Self {
        Expandable::Id(id.to_owned())
    }
}

impl<T: Serialize> Serialize for Expandable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expandable::Id(id) => serializer.serialize_str(id),
            Expandable::Expanded(t) => t.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Expandable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExpandableVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ExpandableVisitor<T> {
            type Value = Expandable<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ID string or an expanded object")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Expandable::Id(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Expandable::Id(v))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                // Streams the object straight into T (no buffering), so error paths reach
                // inside the expanded object.
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| Expandable::Expanded(Box::new(t)))
            }
        }

        deserializer.deserialize_any(ExpandableVisitor(std::marker::PhantomData))
    }
}

// ---------------------------------------------------------------------------------------------
// FilePart
// ---------------------------------------------------------------------------------------------

/// A file to upload as `multipart/form-data` (one part named `file`).
#[derive(Clone)]
pub struct FilePart {
    /// The file name sent to Lever (e.g. `resume.pdf`).
    pub file_name: String,
    /// The MIME type (e.g. `application/pdf`); `None` lets the server guess.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Bytes,
}

impl FilePart {
    /// A file with a name and content, without a content type.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        FilePart {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// Sets the MIME type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// Shows the file name's extension only: a résumé is usually named after its candidate
/// (`Jane_Doe_CV.pdf`), and `Debug` output ends up in logs.
impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extension = std::path::Path::new(&self.file_name)
            .extension()
            .and_then(|e| e.to_str());
        f.debug_struct("FilePart")
            .field("file_extension", &extension)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Page
// ---------------------------------------------------------------------------------------------

/// One page of a Lever list: `{"data": [...], "hasNext": bool, "next": "<token>"}`.
///
/// `hasNext` may be absent or null (then `false`); `next` is absent on the last page. Pass
/// `next` back unchanged as the `offset` query parameter to get the following page (the
/// `.stream()` methods do this for you).
///
/// ```
/// use lever_client::Page;
///
/// let page: Page<serde_json::Value> =
///     serde_json::from_str(r#"{"data": [{"id": "p1"}], "hasNext": true, "next": "abc"}"#).unwrap();
/// assert_eq!(page.data.len(), 1);
/// assert_eq!(page.next_offset(), Some("abc"));
/// assert!(!page.is_last());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Whether another page follows.
    #[serde(default, deserialize_with = "null_as_false")]
    pub has_next: bool,
    /// The opaque offset token of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The offset token to request the next page with, if there is one.
    pub fn next_offset(&self) -> Option<&str> {
        if self.has_next {
            self.next.as_deref()
        } else {
            None
        }
    }

    /// Whether this is the last page.
    pub fn is_last(&self) -> bool {
        self.next_offset().is_none()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

fn null_as_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamp_lenient() {
        let ok = [
            json!(1468953420000i64),
            json!("1468953420000"),
            json!(" 1468953420000 "),
            json!(1468953420000.0),
            json!("1468953420000.0"),
        ];
        for v in ok {
            let t: Timestamp = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(t, Timestamp(1468953420000), "{v}");
        }
        for bad in [
            json!("yesterday"),
            json!(1.5),
            json!(true),
            json!(null),
            json!(""),
        ] {
            let e = serde_json::from_value::<Timestamp>(bad.clone()).unwrap_err();
            assert!(
                e.to_string().contains("timestamp"),
                "{bad}: unclear error {e}"
            );
            assert!(
                !e.to_string().contains("yesterday"),
                "{bad}: the message quotes the value: {e}"
            );
        }
        assert_eq!(
            serde_json::to_string(&Timestamp(5)).unwrap(),
            "5",
            "serialises as an integer"
        );
        assert_eq!(Timestamp::from(7).to_string(), "7");
        assert!(Timestamp::now().as_millis() > 1_600_000_000_000);
        let t = Timestamp(1468953420123);
        assert_eq!(Timestamp::from_system_time(t.to_system_time()), t);
        assert_eq!(
            Timestamp::from_system_time(Timestamp(-5).to_system_time()),
            Timestamp(-5)
        );
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct User {
        id: String,
        name: String,
    }

    #[test]
    fn expandable_both_shapes() {
        let id: Expandable<User> = serde_json::from_value(json!("u1")).unwrap();
        assert_eq!(id.as_id(), Some("u1"));
        assert!(!id.is_expanded());
        assert_eq!(serde_json::to_value(&id).unwrap(), json!("u1"));

        let obj = json!({"id": "u1", "name": "Ada"});
        let ex: Expandable<User> = serde_json::from_value(obj.clone()).unwrap();
        assert!(ex.is_expanded());
        assert_eq!(ex.expanded().map(|u| u.name.as_str()), Some("Ada"));
        assert_eq!(ex.as_id(), None);
        assert_eq!(serde_json::to_value(&ex).unwrap(), obj);

        // Also from a streaming deserializer, with the error path inside the object.
        let e = serde_path_to_error::deserialize::<_, Vec<Expandable<User>>>(
            &mut serde_json::Deserializer::from_str(r#"["a", {"id": "b", "name": 3}]"#),
        )
        .unwrap_err();
        assert_eq!(e.path().to_string(), "[1].name");

        assert!(serde_json::from_value::<Expandable<User>>(json!(3)).is_err());
    }

    #[test]
    fn page_envelopes() {
        let p: Page<i32> =
            serde_json::from_value(json!({"data": [1, 2], "hasNext": true, "next": "tok"}))
                .unwrap();
        assert_eq!(
            p,
            Page {
                data: vec![1, 2],
                has_next: true,
                next: Some("tok".into())
            }
        );
        assert_eq!(p.next_offset(), Some("tok"));

        let last: Page<i32> =
            serde_json::from_value(json!({"data": [3], "hasNext": false})).unwrap();
        assert!(!last.has_next && last.next.is_none() && last.is_last());

        let bare: Page<i32> = serde_json::from_value(json!({"data": []})).unwrap();
        assert!(!bare.has_next && bare.next.is_none());

        let nulls: Page<i32> =
            serde_json::from_value(json!({"data": [], "hasNext": null, "next": null})).unwrap();
        assert!(!nulls.has_next && nulls.next.is_none());

        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"data": [1, 2], "hasNext": true, "next": "tok"})
        );
        assert_eq!(
            serde_json::to_value(&last).unwrap(),
            json!({"data": [3], "hasNext": false})
        );
        assert_eq!(p.into_iter().collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn file_part_debug_hides_content_and_name() {
        let f = FilePart::new("Jane_Doe_CV.pdf", b"%PDF-secret-content".to_vec())
            .content_type("application/pdf");
        let d = format!("{f:?} {f:#?}");
        assert!(d.contains("\"pdf\"") && d.contains("len: 19"), "{d}");
        assert!(!d.contains("secret") && !d.contains("Jane"), "{d}");
        let bare = format!("{:?}", FilePart::new("Jane Doe", Vec::new()));
        assert!(!bare.contains("Jane") && bare.contains("None"), "{bare}");
    }
}

// ---------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------

/// A decoded response with its HTTP status and headers, from a typed builder's
/// `.send_with_meta()` (`.send()` returns only the body).
///
/// ```no_run
/// # async fn demo(client: lever_client::Client) -> Result<(), lever_client::Error> {
/// let response = client.postings().list().send_with_meta().await?;
/// let remaining = response.headers.get("x-ratelimit-remaining");
/// println!("{} {:?}: {} postings", response.status, remaining, response.body.data.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    /// The HTTP status (a 2xx).
    pub status: http::StatusCode,
    /// The response headers (e.g. Lever's `X-RateLimit-*`).
    pub headers: http::HeaderMap,
    /// The decoded body, as `.send()` returns it.
    pub body: T,
}

impl<T> Response<T> {
    /// The decoded body, dropping status and headers.
    pub fn into_body(self) -> T {
        self.body
    }
}

/// What `.stream()` on a paginated action returns: every item across all pages, fetched one
/// page at a time (consume it with `futures::StreamExt`, e.g. `next().await`).
pub type ItemStream<T> = futures::stream::BoxStream<'static, Result<T, crate::Error>>;
