//! A Lever-shaped signed delivery and helpers to bend it, shared by the webhook tests.

use serde_json::{json, Value};

pub const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "be58f7aa3154";
pub const AT: i64 = 1431454330072;
/// `python3 -c "import hmac,hashlib; print(hmac.new(KEY, b'be58f7aa3154' + b'1431454330072',
/// hashlib.sha256).hexdigest())"`, computed outside this crate.
pub const SIG: &str = "848ac99068ddea5c0c377cb105c2ed6ef57535765edde4c3c3ff39dc4f0001ad";

pub fn body(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).unwrap()
}

pub fn delivery() -> Value {
    json!({
        "triggeredAt": AT,
        "event": "candidateStageChange",
        "token": TOKEN,
        "signature": SIG,
        "data": {
            "opportunityId": "250d8f03-738a-4bba-a671-8a3d73477145",
            "candidateId": "250d8f03-738a-4bba-a671-8a3d73477145",
            "contactId": "f9f5a1f4-5b83-4c2c-8b8b-1b1b1b1b1b1b",
            "toStageId": "offer",
            "fromStageId": "applicant-new"
        }
    })
}

pub fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

pub fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}
