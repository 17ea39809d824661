//! The `api` section: base URLs, OAuth, limits and pagination, with defaults.

use crate::ast::Document;
use crate::diag::Sink;
use crate::model::{Api, Pagination, RateLimit};

pub(super) fn resolve_api(doc: &Document, sink: &mut Sink) -> Api {
    let Some(api) = &doc.api else {
        // Overlays are resolved together with a base, which has `api`; a base without it is
        // reported at the start of the first file by the loader.
        return Api::default();
    };
    let location = api.location.clone();
    let mut require = |value: &Option<String>, key: &str| -> String {
        match value {
            Some(v) => v.clone(),
            None => {
                if let Some(location) = &location {
                    sink.error_help(
                        location,
                        "api",
                        format!("`api` is missing `{key}`"),
                        format!("add `{key}` to the `api` section"),
                    );
                }
                String::new()
            }
        }
    };
    let production_url = require(&api.production_url, "base_urls.production");
    let sandbox_url = require(&api.sandbox_url, "base_urls.sandbox");
    Api {
        title: api.title.clone().unwrap_or_else(|| "Lever".into()),
        production_url,
        sandbox_url,
        oauth: api.oauth.clone(),
        rate_limit: RateLimit {
            requests_per_second: api.rate_limit.requests_per_second.max(1),
            burst: api.rate_limit.burst.max(1),
        },
        pagination: Pagination {
            limit_param: non_empty(&api.pagination.limit_param, "limit"),
            offset_param: non_empty(&api.pagination.offset_param, "offset"),
            max_limit: if api.pagination.max_limit == 0 {
                100
            } else {
                api.pagination.max_limit
            },
        },
    }
}

fn non_empty(value: &str, default: &str) -> String {
    if value.is_empty() {
        default.to_string()
    } else {
        value.to_string()
    }
}
