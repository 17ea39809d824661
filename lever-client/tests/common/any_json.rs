//! Proptest strategies for any JSON value and for webhook keys, shared by the webhook property tests
//! (`tests/webhooks_proptest.rs`) and the envelope's differential test (through `#[path]`).

use proptest::prelude::*;
use serde_json::{json, Value};

/// Any JSON value, a few levels deep.
pub(crate) fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,20}".prop_map(Value::String),
        "[0-9a-f]{0,70}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-zA-Z]{0,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A key a webhook body has (envelope or `data`), or a random one: mutations that hit the
/// keys the parser looks at find more than random names would.
pub(crate) fn webhook_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("token".to_owned()),
        Just("triggeredAt".to_owned()),
        Just("signature".to_owned()),
        Just("event".to_owned()),
        Just("data".to_owned()),
        Just("id".to_owned()),
        Just("opportunityId".to_owned()),
        Just("contactId".to_owned()),
        Just("toArchived".to_owned()),
        Just("fromArchived".to_owned()),
        Just("archivedAt".to_owned()),
        "[a-zA-Z]{1,10}",
    ]
}
