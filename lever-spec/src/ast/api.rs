//! The `api` section: base URLs, OAuth, rate limit and pagination settings.

use super::*;

pub(super) fn decode_api(node: &Node, path: &str, sink: &mut Sink) -> ApiAst {
    let mut api = ApiAst {
        location: Some(node.location.clone()),
        ..ApiAst::default()
    };
    let Some(map) = Map::new(node, path, sink) else {
        return api;
    };
    let keys = ["title", "base_urls", "oauth", "rate_limit", "pagination"];
    for (key, value) in map.entries(&keys, sink) {
        let path = join(path, &key.name);
        match key.name.as_str() {
            "title" => api.title = string(value, &path, sink),
            "base_urls" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["production", "sandbox"], sink) {
                        let p = join(&path, &k.name);
                        let s = string(v, &p, sink);
                        if k.name == "production" {
                            api.production_url = s;
                        } else {
                            api.sandbox_url = s;
                        }
                    }
                }
            }
            "oauth" => decode_oauth(value, &path, &mut api.oauth, sink),
            "rate_limit" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["requests_per_second", "burst"], sink) {
                        let n = number(v, &join(&path, &k.name), sink).unwrap_or(0);
                        if k.name == "burst" {
                            api.rate_limit.burst = n;
                        } else {
                            api.rate_limit.requests_per_second = n;
                        }
                    }
                }
            }
            "pagination" => {
                if let Some(m) = Map::new(value, &path, sink) {
                    for (k, v) in m.entries(&["limit_param", "offset_param", "max_limit"], sink) {
                        let p = join(&path, &k.name);
                        match k.name.as_str() {
                            "limit_param" => {
                                api.pagination.limit_param = string(v, &p, sink).unwrap_or_default()
                            }
                            "offset_param" => {
                                api.pagination.offset_param =
                                    string(v, &p, sink).unwrap_or_default()
                            }
                            _ => api.pagination.max_limit = number(v, &p, sink).unwrap_or(0),
                        }
                    }
                }
            }
            _ => {}
        }
    }
    api
}

/// `oauth`: per environment the authorize URL, token URL and audience, and the scopes.
fn decode_oauth(value: &Node, path: &str, oauth: &mut crate::model::OAuth, sink: &mut Sink) {
    if let Some(m) = Map::new(value, path, sink) {
        for (k, v) in m.entries(&["production", "sandbox", "scopes"], sink) {
            let p = join(path, &k.name);
            if k.name == "scopes" {
                oauth.scopes = string_list(v, &p, sink)
                    .into_iter()
                    .map(|s| s.value)
                    .collect();
                continue;
            }
            let Some(env) = Map::new(v, &p, sink) else {
                continue;
            };
            for (ek, ev) in env.entries(&["authorize_url", "token_url", "audience"], sink) {
                let value = string(ev, &join(&p, &ek.name), sink).unwrap_or_default();
                let slot = match (k.name.as_str(), ek.name.as_str()) {
                    ("production", "authorize_url") => &mut oauth.production_authorize_url,
                    ("production", "token_url") => &mut oauth.production_token_url,
                    ("production", _) => &mut oauth.production_audience,
                    ("sandbox", "authorize_url") => &mut oauth.sandbox_authorize_url,
                    ("sandbox", "token_url") => &mut oauth.sandbox_token_url,
                    _ => &mut oauth.sandbox_audience,
                };
                *slot = value;
            }
        }
    }
}
