//! Struct sequences (`os.stat_result`, `time.struct_time`, `sys.version_info`): tuples
//! whose visible items are named by their type's `tp_members`.
//!
//! Every struct sequence type shares one `tp_repr`, `structseq_repr` in libpython, which no
//! symbol table exports. It is learnt from `sys.version_info`, a struct sequence every
//! interpreter has; a type (or a Python subclass not defining `__repr__`) with that `tp_repr`
//! is a struct sequence.

use std::sync::Arc;

use crate::limits;
use crate::source::RemoteAddr;

use super::{tp_flags, ObjReader, TypeInfo};

impl ObjReader<'_> {
    /// Learns `structseq_repr` from `sys.version_info`, through `sys.modules` (once).
    pub fn learn_struct_seq_repr(&self, modules: RemoteAddr) {
        if self.struct_seq_repr.get().is_some() {
            return;
        }
        let found = || -> Option<u64> {
            let dict = self.module_namespace(modules, "sys")?;
            let version_info = self.dict_get_str(dict, "version_info").ok()??;
            let t = self.type_of(version_info).ok()?;
            (t.flags & tp_flags::TUPLE_SUBCLASS != 0 && t.builtin.is_none() && t.tp_repr != 0)
                .then_some(t.tp_repr)
        };
        if let Some(repr) = found() {
            let _ = self.struct_seq_repr.set(repr);
        }
    }

    /// Whether instances of `t` print as struct sequences.
    pub(super) fn is_struct_seq(&self, t: &TypeInfo) -> bool {
        t.flags & tp_flags::TUPLE_SUBCLASS != 0 && self.struct_seq_repr.get() == Some(&t.tp_repr)
    }

    /// The names of the first `n` fields of struct sequences of type `t`: the `tp_members`
    /// of the struct sequence type itself (`t`, or the base of a Python subclass: the one
    /// whose base is `tuple`), read once per type.
    pub fn struct_seq_names(&self, t: &TypeInfo, n: u64) -> Vec<Arc<str>> {
        let names = t.field_names.get_or_init(|| {
            let chain = self.base_chain(t);
            let seq_type = chain
                .windows(2)
                .find(|w| w[1].builtin == Some(super::Builtin::Tuple))
                .map_or(t.addr, |w| w[0].addr);
            self.member_names(seq_type)
        });
        names.iter().take(n as usize).cloned().collect()
    }

    /// `name` of each `PyMemberDef` of the type's `tp_members`, up to the NULL name.
    fn member_names(&self, t: RemoteAddr) -> Vec<Arc<str>> {
        let m = self.layout.member;
        let r = &self.r;
        let Ok(members) = r.ptr_at(t, self.layout.type_object.tp_members) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if members.is_null() {
            return out;
        }
        for i in 0..limits::MAX_SLOTS as u64 {
            let name = i
                .checked_mul(m.member_size)
                .and_then(|o| members.0.checked_add(o))
                .and_then(|at| r.ptr_at(RemoteAddr(at), m.name).ok());
            let Some(name) = name.filter(|p| !p.is_null()) else {
                break;
            };
            match r.c_string(name, 256) {
                Ok(bytes) => out.push(Arc::from(String::from_utf8_lossy(&bytes).as_ref())),
                Err(_) => break,
            }
        }
        out
    }
}
