//! Webhook events and the triggers registry with their poll rules.

use super::*;

pub(super) fn decode_event(name: Spanned<String>, node: &Node, sink: &mut Sink) -> EventAst {
    let path = name.path.clone();
    let mut event = EventAst {
        name,
        doc: None,
        data: None,
    };
    if let Some(map) = Map::new(node, &path, sink) {
        for (key, value) in map.entries(&["doc", "data"], sink) {
            let p = join(&path, &key.name);
            if key.name == "doc" {
                event.doc = string(value, &p, sink);
            } else {
                event.data = spanned_string(value, &p, sink);
            }
        }
    }
    event
}

pub(super) fn decode_trigger(
    name: Spanned<String>,
    node: &Node,
    sink: &mut Sink,
) -> Option<TriggerAst> {
    let path = name.path.clone();
    let map = Map::new(node, &path, sink)?;
    let mut trigger = TriggerAst {
        name,
        title: None,
        description: None,
        webhook: Vec::new(),
        poll: None,
        scopes: Vec::new(),
        experimental: false,
    };
    let keys = [
        "title",
        "description",
        "webhook",
        "poll",
        "scopes",
        "experimental",
    ];
    for (key, value) in map.entries(&keys, sink) {
        let p = join(&path, &key.name);
        match key.name.as_str() {
            "title" => trigger.title = spanned_string(value, &p, sink),
            "description" => trigger.description = string(value, &p, sink),
            "webhook" => trigger.webhook = string_list(value, &p, sink),
            "scopes" => trigger.scopes = string_list(value, &p, sink),
            "experimental" => trigger.experimental = boolean(value, &p, sink),
            _ => trigger.poll = decode_poll(value, &p, sink),
        }
    }
    Some(trigger)
}

fn decode_poll(node: &Node, path: &str, sink: &mut Sink) -> Option<PollAst> {
    let map = Map::new(node, path, sink)?;
    let mut poll = PollAst {
        action: None,
        since: None,
        cursor: None,
        created_field: None,
        emit: None,
        query: Vec::new(),
        location: node.location.clone(),
        path: path.to_string(),
    };
    let keys = [
        "action",
        "since",
        "cursor",
        "created_field",
        "emit",
        "query",
    ];
    for (key, value) in map.entries(&keys, sink) {
        let p = join(path, &key.name);
        match key.name.as_str() {
            "action" => poll.action = spanned_string(value, &p, sink),
            "since" => poll.since = spanned_string(value, &p, sink),
            "cursor" => poll.cursor = spanned_string(value, &p, sink),
            "created_field" => poll.created_field = spanned_string(value, &p, sink),
            "emit" => poll.emit = spanned_string(value, &p, sink),
            _ => each_entry(value, &p, sink, |qname, qnode, sink| {
                if let Some(v) = string(qnode, &qname.path, sink) {
                    poll.query.push((qname, v));
                }
            }),
        }
    }
    Some(poll)
}
