//! Merging documents and overlays, then checking and resolving every reference.
//!
//! One submodule a concern: [`merge`] (base and overlays into one document), [`api`],
//! [`type_expr`] (the type-expression parser), [`types`], [`actions`] (resources and their
//! actions), [`events`] and [`triggers`]; [`names`] checks Rust names for all of them.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::ast::Document;
use crate::diag::Sink;
use crate::model::*;

mod actions;
mod api;
mod events;
mod merge;
mod names;
mod payloads;
mod trigger_scopes;
mod triggers;
mod type_expr;
mod types;

pub(crate) use merge::merge;

/// Where a document came from: the base spec or an overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Base,
    Overlay,
}

/// Checks a merged document and resolves it into a [`Spec`].
pub(crate) fn resolve(doc: &Document, sink: &mut Sink) -> Spec {
    let types = types::resolve_types(doc, sink);
    let api = api::resolve_api(doc, sink);
    let mut resolver = Resolver {
        types: &types,
        type_names: Rc::new(types.keys().map(String::as_str).collect()),
        api: &api,
        sink,
    };
    let resources = resolver.resources(doc);
    let events = resolver.events(doc);
    let spec_so_far = Spec {
        api: api.clone(),
        types: types.clone(),
        resources,
        events,
        triggers: BTreeMap::new(),
    };
    let triggers = triggers::resolve_triggers(doc, &spec_so_far, resolver.sink);
    Spec {
        triggers,
        ..spec_so_far
    }
}

struct Resolver<'a> {
    types: &'a BTreeMap<String, TypeDef>,
    /// The names of `types`, built once: every action and event looks names up.
    type_names: Rc<BTreeSet<&'a str>>,
    api: &'a Api,
    sink: &'a mut Sink,
}

impl<'a> Resolver<'a> {
    fn names(&self) -> Rc<BTreeSet<&'a str>> {
        Rc::clone(&self.type_names)
    }
}
