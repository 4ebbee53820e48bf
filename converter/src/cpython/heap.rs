//! The whole heap, through the garbage collector's own lists: every GC-tracked object of every
//! generation (and the permanent one), plus the untracked objects they hold directly (str,
//! int, float, bytes…), each counted once. From it, a class histogram like `jmap -histo`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::layout::tp_flags::HAVE_GC;
use super::layout::GcStateLocation;
use super::objects::{Builtin, Decoder, ObjReader, TypeInfo};
use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::RemoteAddr;

/// One line of the histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCount {
    /// `module.QualName`, or the bare name for builtins.
    #[serde(rename = "type")]
    pub type_name: String,
    pub count: u64,
    /// Sum of shallow sizes in bytes (`sys.getsizeof`, estimated where its `__sizeof__` isn't
    /// known).
    pub size: u64,
}

/// The heap, counted by class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Largest total size first.
    pub types: Vec<TypeCount>,
    pub objects: u64,
    pub bytes: u64,
    /// How many of the objects the collector tracks (the rest were found through them).
    pub tracked: u64,
}

/// Walks the GC lists of the interpreter at `interp` (and the runtime's on 3.8).
pub fn histogram(
    o: &ObjReader<'_>,
    runtime: RemoteAddr,
    interps: &[RemoteAddr],
    diags: &mut Diagnostics,
) -> Histogram {
    let g = o.layout.gc;
    let states: Vec<RemoteAddr> = match g.state {
        GcStateLocation::Runtime(off) => runtime.offset(off).into_iter().collect(),
        GcStateLocation::Interp(off) => interps.iter().filter_map(|i| i.offset(off)).collect(),
    };
    let mut by_type: HashMap<u64, (u64, u64)> = HashMap::new();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut tracked = 0u64;
    let mut leaves: Vec<RemoteAddr> = Vec::new();
    // Counts an object under its type; the type is handed on to find what it holds.
    let count = |addr: RemoteAddr, by_type: &mut HashMap<u64, (u64, u64)>| {
        let info = o.type_of(addr).ok()?;
        let size = o.size_estimate(addr, &info);
        let e = by_type.entry(info.addr.0).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.saturating_add(size);
        Some(info)
    };
    for state in states {
        let heads: Vec<u64> = (0..g.num_generations)
            .map(|i| g.generations + i * g.generation_size)
            .chain(std::iter::once(g.permanent_generation))
            .collect();
        for head_off in heads {
            let Some(head) = state.offset(head_off) else {
                continue;
            };
            let mut cur = match o.r.ptr_at(head, g.gc_next) {
                Ok(p) => p,
                Err(e) => {
                    diags.push(
                        Diagnostic::new(
                            "gc_unreadable",
                            format!("a GC list head could not be read: {e}"),
                        )
                        .at(head.0),
                    );
                    continue;
                }
            };
            let mut steps = 0usize;
            while cur != head && !cur.is_null() {
                steps += 1;
                if seen.len() >= limits::MAX_HEAP_OBJECTS || steps > limits::MAX_HEAP_OBJECTS {
                    diags.push(Diagnostic::new(
                        "limit_reached",
                        format!(
                            "stopped the heap walk after {} objects",
                            limits::MAX_HEAP_OBJECTS
                        ),
                    ));
                    break;
                }
                let Some(obj) = cur.offset(g.gc_head_size) else {
                    break;
                };
                if !seen.insert(obj.0) {
                    diags.push(
                        Diagnostic::new("gc_loop", "a GC list loops back on itself; stopped there")
                            .at(cur.0),
                    );
                    break;
                }
                if let Some(t) = count(obj, &mut by_type) {
                    tracked += 1;
                    untracked_referents(o, obj, &t, &seen, &mut leaves);
                }
                cur = match o.r.ptr_at(cur, g.gc_next) {
                    // The low bits of `_gc_next` are flags during a collection.
                    Ok(p) => RemoteAddr(p.0 & !3),
                    Err(e) => {
                        diags.push(Diagnostic::new("gc_unreadable", format!("the GC list is broken at {cur}: {e}; the objects after it are missing")).at(cur.0));
                        break;
                    }
                };
            }
        }
    }
    // Untracked objects, and what untracked containers (a tuple of ints, a dict of strs) hold.
    while let Some(leaf) = leaves.pop() {
        if seen.len() >= limits::MAX_HEAP_OBJECTS {
            break;
        }
        if !seen.insert(leaf.0) {
            continue;
        }
        if let Some(t) = count(leaf, &mut by_type) {
            untracked_referents(o, leaf, &t, &seen, &mut leaves);
        }
    }
    let mut types: Vec<TypeCount> = by_type
        .into_iter()
        .map(|(t, (count, size))| TypeCount {
            type_name: o
                .type_info(RemoteAddr(t))
                .map(|i| i.display.to_string())
                .unwrap_or_else(|_| "?".into()),
            count,
            size,
        })
        .collect();
    types.sort_by(|a, b| {
        b.size
            .cmp(&a.size)
            .then(b.count.cmp(&a.count))
            .then(a.type_name.cmp(&b.type_name))
    });
    Histogram {
        objects: types.iter().map(|t| t.count).sum(),
        bytes: types.iter().fold(0, |a, t| a.saturating_add(t.size)),
        tracked,
        types,
    }
}

/// Objects the collector doesn't track (atoms: str, int, float, bytes…) that `obj` holds
/// directly: items of lists, tuples and sets, keys and values of dicts, attribute values.
/// Those already counted (`seen`) are skipped before anything of theirs is read.
fn untracked_referents(
    o: &ObjReader<'_>,
    obj: RemoteAddr,
    t: &TypeInfo,
    seen: &HashSet<u64>,
    out: &mut Vec<RemoteAddr>,
) {
    let refs: Vec<RemoteAddr> = match o.decoder(t) {
        Decoder::Builtin(Builtin::List) => o
            .list_items(obj, limits::MAX_REFERENTS)
            .map(|(v, _)| v)
            .unwrap_or_default(),
        Decoder::Builtin(Builtin::Tuple) | Decoder::StructSeq => o
            .tuple_items(obj, limits::MAX_REFERENTS)
            .map(|(v, _)| v)
            .unwrap_or_default(),
        Decoder::Builtin(Builtin::Set | Builtin::FrozenSet) => o
            .set_items(obj, limits::MAX_REFERENTS)
            .map(|(v, _)| v)
            .unwrap_or_default(),
        Decoder::Builtin(Builtin::Dict) => o
            .dict_items(obj, limits::MAX_REFERENTS)
            .map(|(v, _)| v.into_iter().flat_map(|(k, v)| [k, v]).collect())
            .unwrap_or_default(),
        // Managed values (3.11+) aren't a dict object, so nothing else reaches them; an
        // instance's own dict may be untracked.
        Decoder::Instance { .. } => o
            .instance_attrs(obj, limits::MAX_REFERENTS)
            .map(|v| v.into_iter().flat_map(|(k, v)| [k, v]).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .chain(o.instance_dict(obj))
            .collect(),
        // A function holds its code object (never tracked), and the code its names.
        Decoder::Builtin(Builtin::Function) => {
            let f = o.layout.function;
            [f.func_code, f.func_name, f.func_qualname]
                .into_iter()
                .filter_map(|off| o.r.ptr_at(obj, off).ok())
                .collect()
        }
        Decoder::Builtin(Builtin::Code) => {
            let c = o.layout.code;
            [Some(c.co_name), Some(c.co_filename), c.co_qualname]
                .into_iter()
                .flatten()
                .filter_map(|off| o.r.ptr_at(obj, off).ok())
                .collect()
        }
        _ => Vec::new(),
    };
    let g = o.layout.gc;
    for r in refs {
        if r.is_null() || seen.contains(&r.0) {
            continue;
        }
        // Not a GC type, or a GC object the collector stopped tracking (`_gc_next` is 0).
        let untracked = o.type_of(r).is_ok_and(|rt| {
            rt.flags & HAVE_GC == 0
                || r.back(g.gc_head_size)
                    .and_then(|h| o.r.word_at(h, g.gc_next).ok())
                    == Some(0)
        });
        if untracked {
            out.push(r);
        }
    }
}
