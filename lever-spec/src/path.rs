//! Path templates: an action's path parsed once into literal and parameter segments.
//!
//! Validation parses every spec path here; codegen (the request's format string), the macros
//! (`request!` matching a user's path), the simulator and the drift checker (routing a concrete
//! path) all read the segments instead of parsing the text again.

use crate::naming;

/// One `/`-separated segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A fixed segment, e.g. `postings`.
    Literal(String),
    /// A `{name}` placeholder filling the whole segment.
    Param(String),
}

/// A path relative to the base URL, as segments: `/opportunities/{opportunity}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PathTemplate {
    segments: Vec<PathSegment>,
}

/// Which placeholder spellings a path may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    /// `{name}` only, as the spec (and Lever's docs) write paths.
    Spec,
    /// `{name}` or `:name` (the integration platforms' spelling), for paths users write.
    User,
}

impl PathTemplate {
    /// Parses a spec path: `/`-separated segments, each a literal or a `{snake_case}`
    /// placeholder filling the whole segment; no parameter twice. Empty segments (a trailing
    /// `/`) are dropped.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::parse_as(text, Syntax::Spec)
    }

    /// Parses a path a user wrote (in `request!`): like [`parse`](Self::parse), and a
    /// segment `:name` is the placeholder `{name}`.
    pub fn parse_user(text: &str) -> Result<Self, String> {
        Self::parse_as(text, Syntax::User)
    }

    fn parse_as(text: &str, syntax: Syntax) -> Result<Self, String> {
        let mut segments: Vec<PathSegment> = Vec::new();
        for piece in text.split('/').filter(|s| !s.is_empty()) {
            let segment = parse_segment(text, piece, syntax)?;
            if let PathSegment::Param(name) = &segment {
                if segments.contains(&segment) {
                    return Err(format!("path parameter `{{{name}}}` appears twice"));
                }
            }
            segments.push(segment);
        }
        Ok(PathTemplate { segments })
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    /// The parameter names, in the order they appear.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            PathSegment::Param(name) => Some(name.as_str()),
            PathSegment::Literal(_) => None,
        })
    }

    /// The route's shape: each literal, and `None` for each parameter. Two templates with
    /// one shape address the same route whatever their parameters are called.
    pub fn shape(&self) -> Vec<Option<&str>> {
        self.segments
            .iter()
            .map(|s| match s {
                PathSegment::Literal(text) => Some(text.as_str()),
                PathSegment::Param(_) => None,
            })
            .collect()
    }

    /// Whether two templates address the same route (see [`shape`](Self::shape)).
    pub fn same_route(&self, other: &PathTemplate) -> bool {
        self.shape() == other.shape()
    }

    /// The template with every parameter written `{}` and its literal braces doubled: a
    /// `format!` string taking the (encoded) parameters in order.
    pub fn format_string(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                PathSegment::Literal(text) => {
                    out.push_str(&text.replace('{', "{{").replace('}', "}}"));
                }
                PathSegment::Param(_) => out.push_str("{}"),
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// Matches a concrete path (segments split on `/`, empty ones ignored; no query string)
    /// against the template: the raw (still percent-encoded) value of each parameter, in
    /// order, or `None` when a literal differs or the number of segments does.
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<(&str, &'p str)>> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                PathSegment::Literal(text) if text == part => {}
                PathSegment::Literal(_) => return None,
                PathSegment::Param(name) => params.push((name.as_str(), part)),
            }
        }
        Some(params)
    }

    /// Which segments are literals, in order: of two templates matching one path, the one
    /// whose mask is greater (literals earliest) is the more specific, so
    /// `/postings/deleted` wins over `/postings/{posting}`.
    pub fn literal_mask(&self) -> Vec<bool> {
        self.shape().iter().map(Option::is_some).collect()
    }
}

fn parse_segment(path: &str, piece: &str, syntax: Syntax) -> Result<PathSegment, String> {
    let placeholder = match piece.strip_prefix('{') {
        Some(rest) => Some(
            rest.strip_suffix('}')
                .ok_or_else(|| format!("path `{path}` has an unclosed `{{` in `{piece}`"))?,
        ),
        None if syntax == Syntax::User => piece.strip_prefix(':'),
        None => None,
    };
    match placeholder {
        Some(name) if name.is_empty() || !naming::is_snake_case(name) => Err(format!(
            "path parameter `{{{name}}}` must be a snake_case name"
        )),
        Some(name) if name.contains(['{', '}']) => Err(format!(
            "path `{path}` has a segment `{piece}` that is not one `{{parameter}}`"
        )),
        Some(name) => Ok(PathSegment::Param(name.to_string())),
        None if piece.contains(['{', '}']) => Err(format!(
            "path `{path}` has a segment `{piece}` that mixes text and `{{...}}`; a parameter must be a whole segment"
        )),
        None => Ok(PathSegment::Literal(piece.to_string())),
    }
}

impl std::fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for segment in &self.segments {
            match segment {
                PathSegment::Literal(text) => write!(f, "/{text}")?,
                PathSegment::Param(name) => write!(f, "/{{{name}}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> PathSegment {
        PathSegment::Literal(s.into())
    }

    fn param(s: &str) -> PathSegment {
        PathSegment::Param(s.into())
    }

    #[test]
    fn parses_segments_and_params_in_order() {
        let t = PathTemplate::parse("/opportunities/{opportunity}/notes/{note}").unwrap();
        assert_eq!(
            t.segments(),
            [
                lit("opportunities"),
                param("opportunity"),
                lit("notes"),
                param("note")
            ]
        );
        assert_eq!(t.params().collect::<Vec<_>>(), ["opportunity", "note"]);
        assert_eq!(t.to_string(), "/opportunities/{opportunity}/notes/{note}");
        assert_eq!(t.format_string(), "/opportunities/{}/notes/{}");
    }

    #[test]
    fn refuses_bad_placeholders() {
        assert!(PathTemplate::parse("/a/{b").is_err());
        assert!(PathTemplate::parse("/a/{b}/{b}").is_err());
        assert!(PathTemplate::parse("/a/{B}").is_err());
        assert!(PathTemplate::parse("/a/{}").is_err());
        assert!(PathTemplate::parse("/a/b}").is_err());
        assert!(PathTemplate::parse("/a/x{b}").is_err());
        assert!(PathTemplate::parse("/a/{b}{c}").is_err());
    }

    #[test]
    fn colon_params_only_in_user_paths() {
        let user = PathTemplate::parse_user("/opportunities/:opportunity/").unwrap();
        let spec = PathTemplate::parse("/opportunities/{id}").unwrap();
        assert!(user.same_route(&spec));
        assert_eq!(
            PathTemplate::parse("/opportunities/:opportunity")
                .unwrap()
                .segments()[1],
            lit(":opportunity")
        );
    }

    #[test]
    fn same_route_ignores_parameter_names_only() {
        let a = PathTemplate::parse("/postings/{posting}").unwrap();
        let b = PathTemplate::parse("/postings/{id}/").unwrap();
        let c = PathTemplate::parse("/postings/deleted").unwrap();
        assert!(a.same_route(&b));
        assert!(!a.same_route(&c));
    }

    #[test]
    fn matches_concrete_paths() {
        let t = PathTemplate::parse("/postings/{posting}/apply").unwrap();
        assert_eq!(
            t.match_path("/postings/p%201/apply"),
            Some(vec![("posting", "p%201")])
        );
        assert_eq!(t.match_path("/postings/p1"), None);
        assert_eq!(t.match_path("/users/p1/apply"), None);
        let deleted = PathTemplate::parse("/postings/deleted").unwrap();
        let by_id = PathTemplate::parse("/postings/{posting}").unwrap();
        assert!(deleted.literal_mask() > by_id.literal_mask());
    }

    #[test]
    fn literal_braces_are_escaped_in_format_strings() {
        // Only reachable through `Literal` values built in code: parsing refuses braces.
        let t = PathTemplate {
            segments: vec![lit("a{b}"), param("c")],
        };
        assert_eq!(t.format_string(), "/a{{b}}/{}");
    }
}
