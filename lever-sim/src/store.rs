//! The in-memory store: objects by type name and ID, plus deleted objects.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::util::SimRng;

/// Keys starting with this prefix are the simulator's own bookkeeping and never leave it.
pub(crate) const HIDDEN: &str = "__sim_";

/// The key holding a parent's ID on a nested object (e.g. a note's opportunity).
pub(crate) fn parent_key(param: &str) -> String {
    format!("{HIDDEN}parent_{param}")
}

/// The parent type a [`parent_key`] names, or `None` for any other key.
pub(crate) fn parent_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(HIDDEN)?.strip_prefix("parent_")
}

/// A JSON object.
pub(crate) type Obj = Map<String, Value>;

/// Everything the simulated account holds.
#[derive(Debug)]
pub(crate) struct Store {
    objects: BTreeMap<String, BTreeMap<String, Obj>>,
    deleted: BTreeMap<String, BTreeMap<String, Obj>>,
    /// The seeded RNG for IDs and tokens (kept here so that data changes and draws are atomic).
    pub rng: SimRng,
}

impl Store {
    pub(crate) fn new(seed: u64) -> Self {
        Store {
            objects: BTreeMap::new(),
            deleted: BTreeMap::new(),
            rng: SimRng::new(seed),
        }
    }

    pub(crate) fn get(&self, ty: &str, id: &str) -> Option<&Obj> {
        self.objects.get(ty)?.get(id)
    }

    pub(crate) fn get_mut(&mut self, ty: &str, id: &str) -> Option<&mut Obj> {
        self.objects.get_mut(ty)?.get_mut(id)
    }

    /// Stores `obj` (which must have a string `id`), replacing any object with that ID.
    pub(crate) fn put(&mut self, ty: &str, obj: Obj) {
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.objects
            .entry(ty.to_string())
            .or_default()
            .insert(id, obj);
    }

    pub(crate) fn remove(&mut self, ty: &str, id: &str) -> Option<Obj> {
        self.objects.get_mut(ty)?.remove(id)
    }

    pub(crate) fn put_deleted(&mut self, ty: &str, obj: Obj) {
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.deleted
            .entry(ty.to_string())
            .or_default()
            .insert(id, obj);
    }

    pub(crate) fn all(&self, ty: &str) -> impl Iterator<Item = &Obj> {
        self.objects.get(ty).into_iter().flat_map(|m| m.values())
    }

    pub(crate) fn all_deleted(&self, ty: &str) -> impl Iterator<Item = &Obj> {
        self.deleted.get(ty).into_iter().flat_map(|m| m.values())
    }

    pub(crate) fn count(&self, ty: &str) -> usize {
        self.objects.get(ty).map_or(0, |m| m.len())
    }
}

/// A copy of `obj` without the simulator's bookkeeping keys.
pub(crate) fn public(obj: &Obj) -> Obj {
    obj.iter()
        .filter(|(k, _)| !k.starts_with(HIDDEN))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Merges `patch` into `target`: objects merge recursively, everything else is replaced.
pub(crate) fn merge(target: &mut Obj, patch: &Obj) {
    for (k, v) in patch {
        if k.starts_with(HIDDEN) {
            continue;
        }
        match (target.get_mut(k), v) {
            (Some(Value::Object(t)), Value::Object(p)) => merge(t, p),
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}
