//! Walks objects from roots into the [`ObjectGraph`], bounded by [`CollectLimits`].

use std::collections::HashMap;

use super::{Builtin, ObjReader};
use crate::model::{Entries, Items, ObjId, Object, ObjectGraph, ObjectKind};
use crate::source::{ReadError, RemoteAddr};

/// How much of the object graph is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectLimits {
    /// Containers this many levels below a root are recorded with their length only.
    pub max_depth: usize,
    /// Items read per container.
    pub max_items: usize,
    /// Characters per str, bytes per bytes.
    pub max_string: usize,
    /// Objects in the graph; past it, objects are recorded as cut.
    pub max_objects: usize,
}

impl Default for CollectLimits {
    fn default() -> Self {
        CollectLimits {
            max_depth: 16,
            max_items: 1000,
            max_string: 8192,
            max_objects: 200_000,
        }
    }
}

/// Adds objects to a graph, each once.
pub struct Collector<'g, 'r, 'a> {
    rd: &'r ObjReader<'a>,
    graph: &'g mut ObjectGraph,
    limits: CollectLimits,
    /// Depth budget each object was read with; a later visit with more budget reads again.
    budget: HashMap<ObjId, usize>,
}

impl<'g, 'r, 'a> Collector<'g, 'r, 'a> {
    pub fn new(rd: &'r ObjReader<'a>, graph: &'g mut ObjectGraph, limits: CollectLimits) -> Self {
        Collector {
            rd,
            graph,
            limits,
            budget: HashMap::new(),
        }
    }

    /// Collects the object at `addr` and what it reaches, as a root.
    pub fn root(&mut self, addr: RemoteAddr) -> ObjId {
        self.collect(addr, self.limits.max_depth)
    }

    /// Records that the object a slot at `id` refers to could not be read.
    pub fn unreadable(&mut self, id: ObjId, reason: String) -> ObjId {
        self.graph.insert(Object {
            id,
            type_name: "?".into(),
            type_qualname: "?".into(),
            kind: ObjectKind::Unreadable { reason },
        });
        id
    }

    fn collect(&mut self, addr: RemoteAddr, budget: usize) -> ObjId {
        let id = addr.0;
        if let Some(&b) = self.budget.get(&id) {
            if b >= budget {
                return id;
            }
        }
        if self.graph.len() >= self.limits.max_objects && !self.graph.contains(id) {
            let (type_name, type_qualname) = self.type_names(addr);
            self.graph.insert(Object {
                id,
                type_name,
                type_qualname,
                kind: ObjectKind::Unreadable {
                    reason: "not read: the object limit was reached".into(),
                },
            });
            self.budget.insert(id, usize::MAX);
            return id;
        }
        self.budget.insert(id, budget);
        let obj = self.read_one(addr, budget);
        self.graph.insert(obj);
        id
    }

    fn type_names(&self, addr: RemoteAddr) -> (String, String) {
        match self.rd.type_of(addr) {
            Ok(t) => (t.display.clone(), t.qualname.clone()),
            Err(_) => ("?".into(), "?".into()),
        }
    }

    fn read_one(&mut self, addr: RemoteAddr, budget: usize) -> Object {
        let unreadable = |type_name: String, type_qualname: String, e: ReadError| Object {
            id: addr.0,
            type_name,
            type_qualname,
            kind: ObjectKind::Unreadable {
                reason: e.to_string(),
            },
        };
        if addr.is_null() {
            return Object {
                id: 0,
                type_name: "?".into(),
                type_qualname: "?".into(),
                kind: ObjectKind::Unreadable {
                    reason: "NULL pointer".into(),
                },
            };
        }
        let t = match self.rd.type_of(addr) {
            Ok(t) => t,
            Err(e) => return unreadable("?".into(), "?".into(), e),
        };
        let kind = match self.read_kind(addr, t.repr_as, budget) {
            Ok(k) => k,
            Err(e) => return unreadable(t.display.clone(), t.qualname.clone(), e),
        };
        Object {
            id: addr.0,
            type_name: t.display.clone(),
            type_qualname: t.qualname.clone(),
            kind,
        }
    }

    fn items(&mut self, addrs: Vec<RemoteAddr>, length: u64, budget: usize) -> Items {
        let items = addrs
            .into_iter()
            .map(|a| self.collect(a, budget.saturating_sub(1)))
            .collect();
        Items { items, length }
    }

    fn read_kind(
        &mut self,
        addr: RemoteAddr,
        as_builtin: Option<Builtin>,
        budget: usize,
    ) -> Result<ObjectKind, ReadError> {
        let rd = self.rd;
        let lim = self.limits;
        // Containers below the depth budget keep only their length.
        let n = if budget == 0 { 0 } else { lim.max_items };
        Ok(match as_builtin {
            Some(Builtin::None) => ObjectKind::None,
            Some(Builtin::Ellipsis) => ObjectKind::Ellipsis,
            Some(Builtin::NotImplemented) => ObjectKind::NotImplemented,
            Some(Builtin::Bool) => ObjectKind::Bool(rd.int_is_nonzero(addr)?),
            Some(Builtin::Int) => ObjectKind::Int(rd.int_value(addr)?),
            Some(Builtin::Float) => ObjectKind::Float(rd.float_value(addr)?),
            Some(Builtin::Str) => {
                let (text, length) = rd.str_value(addr, lim.max_string)?;
                ObjectKind::Str { text, length }
            }
            Some(Builtin::Bytes) => {
                let (data, length) = rd.bytes_value(addr, lim.max_string)?;
                ObjectKind::Bytes { data, length }
            }
            Some(Builtin::Tuple) => {
                let (a, len) = rd.tuple_items(addr, n)?;
                ObjectKind::Tuple(self.items(a, len, budget))
            }
            Some(Builtin::List) => {
                let (a, len) = rd.list_items(addr, n)?;
                ObjectKind::List(self.items(a, len, budget))
            }
            Some(Builtin::Set) => {
                let (a, len) = rd.set_items(addr, n)?;
                ObjectKind::Set(self.items(a, len, budget))
            }
            Some(Builtin::FrozenSet) => {
                let (a, len) = rd.set_items(addr, n)?;
                ObjectKind::FrozenSet(self.items(a, len, budget))
            }
            Some(Builtin::Dict) => {
                let (pairs, length) = rd.dict_items(addr, n)?;
                let items = pairs
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            self.collect(k, budget.saturating_sub(1)),
                            self.collect(v, budget.saturating_sub(1)),
                        )
                    })
                    .collect();
                ObjectKind::Dict(Entries { items, length })
            }
            _ => ObjectKind::Opaque,
        })
    }
}
