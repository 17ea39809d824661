//! Webhooks: typed verify + parse beside HMAC + `serde_json::Value`.

use hmac::{KeyInit as _, Mac as _};
use serde_json::{json, Value};
use std::time::Instant;

use lever_client::webhooks::Verifier;

use crate::table::{median, progress, Config, Row};

/// The event names the deliveries cycle through: every event the spec knows.
const EVENTS: &[&str] = lever_client::webhooks::WebhookEvent::NAMES;

pub(crate) fn uuid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-{:04x}-4000-8000-{:012x}", i % 0xffff, i * 7919)
}

pub(crate) fn event_data(event: &str, i: usize) -> Value {
    let opp = uuid(1, i);
    let contact = uuid(2, i);
    match event {
        "applicationCreated" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact,
            "applicationId": uuid(3, i), "postingId": uuid(4, i)
        }),
        "candidateHired" => json!({"opportunityId": opp, "candidateId": opp, "contactId": contact}),
        "candidateStageChange" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact,
            "toStageId": "offer", "fromStageId": uuid(5, i)
        }),
        "candidateArchiveChange" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact,
            "fromArchived": null,
            "toArchived": {"archivedAt": 1_700_000_000_000_i64 + i as i64, "reason": uuid(6, i)}
        }),
        "candidateDeleted" => json!({
            "opportunityId": opp, "candidateId": opp, "contactId": contact, "deletedBy": uuid(7, i)
        }),
        "interviewCreated" | "interviewUpdated" | "interviewDeleted" => json!({
            "interviewId": uuid(8, i), "panelId": uuid(9, i),
            "opportunityId": opp, "contactId": contact
        }),
        _ => json!({"contactId": contact}),
    }
}

/// The baseline: what a hand-written receiver does with `serde_json::Value`.
pub(crate) fn verify_value_baseline(key: &[u8], body: &[u8]) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let token = v.get("token")?.as_str()?;
    let triggered_at = v.get("triggeredAt")?.as_i64()?;
    let signature = hex::decode(v.get("signature")?.as_str()?).ok()?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
    mac.update(token.as_bytes());
    mac.update(triggered_at.to_string().as_bytes());
    mac.verify_slice(&signature).ok()?;
    Some(v)
}

/// The signature token every benchmark delivery is signed with.
const KEY: &str = "3f1c9e0a5b7d2e4f6a8c0b1d3e5f7a9c1b3d5e7f9a0c2e4f";

/// `n` signed deliveries, the ten events in turn.
fn signed_bodies(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let event = EVENTS[i % EVENTS.len()];
            let token = format!("{:048x}", i as u128 * 0x9e37_79b9_7f4a_7c15);
            lever_client::webhooks::signed_delivery_with(
                KEY,
                event,
                &token,
                1_700_000_000_000 + i as i64,
                event_data(event, i),
            )
        })
        .collect()
}

/// Deliveries per second of the three sides (typed, through a `Verifier`, baseline): the
/// median of `rounds`, the sides in a rotating order.
fn rates(bodies: &[Vec<u8>], verifier: &Verifier, rounds: usize) -> [f64; 3] {
    let mut rates: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        for side in 0..3 {
            let which = (round + side) % 3;
            let t = Instant::now();
            for b in bodies {
                let b = std::hint::black_box(b);
                let ok = match which {
                    0 => lever_client::webhooks::verify_and_parse(KEY, b).is_ok(),
                    1 => verifier.verify_and_parse(b).is_ok(),
                    _ => verify_value_baseline(KEY.as_bytes(), b).is_some(),
                };
                std::hint::black_box(ok);
            }
            rates[which].push(bodies.len() as f64 / t.elapsed().as_secs_f64());
        }
    }
    rates.map(|mut side| median(&mut side))
}

/// Where the baseline's time goes: seconds per delivery of its HMAC and of its
/// `from_slice::<Value>`, each on its own.
fn baseline_halves(bodies: &[Vec<u8>], rounds: usize) -> (f64, f64) {
    let signed: Vec<(String, i64, Vec<u8>)> = bodies
        .iter()
        .map(|b| {
            let v: Value = serde_json::from_slice(b).expect("JSON");
            (
                v["token"].as_str().expect("token").to_string(),
                v["triggeredAt"].as_i64().expect("triggeredAt"),
                hex::decode(v["signature"].as_str().expect("signature")).expect("hex"),
            )
        })
        .collect();
    let n = bodies.len() as f64;
    let (mut hmac_only, mut parse_only) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t0 = Instant::now();
        for (token, at, sig) in &signed {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).expect("key");
            mac.update(token.as_bytes());
            mac.update(at.to_string().as_bytes());
            std::hint::black_box(mac.verify_slice(sig).is_ok());
        }
        hmac_only.push(t0.elapsed().as_secs_f64() / n);
        let t0 = Instant::now();
        for b in bodies {
            std::hint::black_box(serde_json::from_slice::<Value>(std::hint::black_box(b)).is_ok());
        }
        parse_only.push(t0.elapsed().as_secs_f64() / n);
    }
    (median(&mut hmac_only), median(&mut parse_only))
}

pub(crate) fn bench_webhooks(cfg: &Config) -> Vec<Row> {
    progress("webhooks");
    let n = 1000;
    let bodies = signed_bodies(n);
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    // Both sides accept every delivery, and the typed side knows every event.
    for b in &bodies {
        let event = lever_client::webhooks::verify_and_parse(KEY, b).expect("typed accepts");
        assert!(
            !matches!(event, lever_client::webhooks::WebhookEvent::Unknown(_)),
            "known event"
        );
        assert!(verify_value_baseline(KEY.as_bytes(), b).is_some());
    }
    // A server keeps one `Verifier`; no replay window (the bodies are dated 2023) and no dedup
    // (the default), like the baseline.
    let verifier = Verifier::new(KEY).replay_window(None);
    for b in &bodies {
        verifier.verify_and_parse(b).expect("the verifier accepts");
    }
    let rounds = cfg.pick(30, 5);
    let [t, v, b] = rates(&bodies, &verifier, rounds);
    let (h, p) = baseline_halves(&bodies, rounds);
    let us = |s: f64| format!("{:.2} µs", s * 1e6);
    vec![
        Row::new(format!(
            "webhooks: verify + parse, deliveries/s (10 events, {n} bodies, avg {} B)",
            bytes / n
        ))
        .figure(format!("{t:.0}/s"))
        .baseline(format!("{b:.0}/s (HMAC + Value)"))
        .ratio(t / b)
        .target("≥ 1.2×")
        .met(t / b >= 1.2),
        Row::new(
            "webhooks: the same through a `Verifier` (signature token keyed once), deliveries/s",
        )
        .figure(format!("{v:.0}/s"))
        .baseline(format!("{b:.0}/s (HMAC + Value)"))
        .ratio(v / b)
        .target("≥ 1.2×")
        .met(v / b >= 1.2),
        Row::new("webhooks: time per delivery")
            .figure(us(1.0 / t))
            .baseline(format!(
                "{} = HMAC-SHA256 {} + `from_slice::<Value>` {} + the rest",
                us(1.0 / b),
                us(h),
                us(p)
            ))
            .ratio(b / t),
    ]
}
