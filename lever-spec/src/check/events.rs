//! Webhook events: each names an object type as its `data`.

use std::collections::BTreeMap;

use crate::ast::Document;
use crate::model::*;
use crate::naming;

use super::names::{check_ident, reserved, Namespace};
use super::type_expr::resolve_type_ref;
use super::Resolver;

impl Resolver<'_> {
    pub(super) fn events(&mut self, doc: &Document) -> BTreeMap<String, Event> {
        let mut out = BTreeMap::new();
        let mut variants = Namespace::default();
        for event in &doc.events {
            let variant = naming::variant_name(&event.name.value);
            if check_ident(self.sink, &event.name, "event name", &variant) {
                if variant == naming::UNKNOWN_EVENT_VARIANT {
                    reserved(
                        self.sink,
                        &event.name,
                        "event name",
                        &variant,
                        "the `WebhookEvent` variant for events the spec does not know",
                    );
                }
                variants.claim(self.sink, &event.name, "event", variant);
            }
            let Some(data) = &event.data else {
                self.sink.error_help(
                    &event.name.location,
                    &event.name.path,
                    format!("event `{}` has no `data` type", event.name.value),
                    "add `data: SomeObject` naming the object type of the event's `data`",
                );
                continue;
            };
            let names = self.names();
            let Some(ty) = resolve_type_ref(data, &names, self.sink) else {
                continue;
            };
            let TypeRef::Named(data_name) = ty else {
                self.sink.error(
                    &data.location,
                    &data.path,
                    "an event's data must be an object type",
                );
                continue;
            };
            if !matches!(
                self.types.get(&data_name).map(|t| &t.kind),
                Some(TypeKind::Object(_))
            ) {
                self.sink.error(
                    &data.location,
                    &data.path,
                    "an event's data must be an object type",
                );
                continue;
            }
            out.insert(
                event.name.value.clone(),
                Event {
                    name: event.name.value.clone(),
                    doc: event.doc.clone(),
                    data: data_name,
                    location: event.name.location.clone(),
                },
            );
        }
        out
    }
}
