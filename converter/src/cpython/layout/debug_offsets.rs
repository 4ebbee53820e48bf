//! `_Py_DebugOffsets`: the offsets CPython 3.13+ publishes at the start of `_PyRuntime` for
//! out-of-process debuggers.
//!
//! The struct is a cookie (`xdebugpy`), the version (`PY_VERSION_HEX`), then a flat list of
//! `uint64_t`. Its field list changes between minor versions, so each known field list is data
//! here (from `Include/internal/pycore_runtime.h` of 3.13 and `pycore_debug_offsets.h` of
//! 3.14). A parse is accepted only if fixed facts hold (`ob_type` at 8, `tp_name` at 24, ...),
//! so a newer version whose list grew is detected instead of misread.

use std::collections::HashMap;

use super::{FrameLink, Layout};
use crate::source::{Reader, RemoteAddr};

/// The 8 bytes `_PyRuntime` starts with on 3.13+.
pub const DEBUG_COOKIE: &[u8; 8] = b"xdebugpy";

/// Field lists after `cookie` and `version`, in order. `-` marks a field we don't use.
const SCHEMA_3_13: &[&str] = &[
    "free_threaded",
    "runtime_state.size",
    "runtime_state.finalizing",
    "runtime_state.interpreters_head",
    "interpreter_state.size",
    "interpreter_state.id",
    "interpreter_state.next",
    "interpreter_state.threads_head",
    "interpreter_state.gc",
    "interpreter_state.imports_modules",
    "interpreter_state.sysdict",
    "interpreter_state.builtins",
    "interpreter_state.ceval_gil",
    "interpreter_state.gil_runtime_state",
    "interpreter_state.gil_runtime_state_enabled",
    "interpreter_state.gil_runtime_state_locked",
    "interpreter_state.gil_runtime_state_holder",
    "thread_state.size",
    "thread_state.prev",
    "thread_state.next",
    "thread_state.interp",
    "thread_state.current_frame",
    "thread_state.thread_id",
    "thread_state.native_thread_id",
    "thread_state.datastack_chunk",
    "thread_state.status",
    "interpreter_frame.size",
    "interpreter_frame.previous",
    "interpreter_frame.executable",
    "interpreter_frame.instr_ptr",
    "interpreter_frame.localsplus",
    "interpreter_frame.owner",
    "code_object.size",
    "code_object.filename",
    "code_object.name",
    "code_object.qualname",
    "code_object.linetable",
    "code_object.firstlineno",
    "code_object.argcount",
    "code_object.localsplusnames",
    "code_object.localspluskinds",
    "code_object.co_code_adaptive",
    "pyobject.size",
    "pyobject.ob_type",
    "type_object.size",
    "type_object.tp_name",
    "type_object.tp_repr",
    "type_object.tp_flags",
    "tuple_object.size",
    "tuple_object.ob_item",
    "tuple_object.ob_size",
    "list_object.size",
    "list_object.ob_item",
    "list_object.ob_size",
    "dict_object.size",
    "dict_object.ma_keys",
    "dict_object.ma_values",
    "float_object.size",
    "float_object.ob_fval",
    "long_object.size",
    "long_object.lv_tag",
    "long_object.ob_digit",
    "bytes_object.size",
    "bytes_object.ob_size",
    "bytes_object.ob_sval",
    "unicode_object.size",
    "unicode_object.state",
    "unicode_object.length",
    "unicode_object.asciiobject_size",
    "gc.size",
    "gc.collecting",
];

/// 3.14 adds `threads_main`, the generation counters, `stackpointer`, `tlbc_index`, `co_tlbc`,
/// the set and generator sections, `llist_node` and `debugger_support`.
const SCHEMA_3_14: &[&str] = &[
    "free_threaded",
    "runtime_state.size",
    "runtime_state.finalizing",
    "runtime_state.interpreters_head",
    "interpreter_state.size",
    "interpreter_state.id",
    "interpreter_state.next",
    "interpreter_state.threads_head",
    "interpreter_state.threads_main",
    "interpreter_state.gc",
    "interpreter_state.imports_modules",
    "interpreter_state.sysdict",
    "interpreter_state.builtins",
    "interpreter_state.ceval_gil",
    "interpreter_state.gil_runtime_state",
    "interpreter_state.gil_runtime_state_enabled",
    "interpreter_state.gil_runtime_state_locked",
    "interpreter_state.gil_runtime_state_holder",
    "interpreter_state.code_object_generation",
    "interpreter_state.tlbc_generation",
    "thread_state.size",
    "thread_state.prev",
    "thread_state.next",
    "thread_state.interp",
    "thread_state.current_frame",
    "thread_state.thread_id",
    "thread_state.native_thread_id",
    "thread_state.datastack_chunk",
    "thread_state.status",
    "interpreter_frame.size",
    "interpreter_frame.previous",
    "interpreter_frame.executable",
    "interpreter_frame.instr_ptr",
    "interpreter_frame.localsplus",
    "interpreter_frame.owner",
    "interpreter_frame.stackpointer",
    "interpreter_frame.tlbc_index",
    "code_object.size",
    "code_object.filename",
    "code_object.name",
    "code_object.qualname",
    "code_object.linetable",
    "code_object.firstlineno",
    "code_object.argcount",
    "code_object.localsplusnames",
    "code_object.localspluskinds",
    "code_object.co_code_adaptive",
    "code_object.co_tlbc",
    "pyobject.size",
    "pyobject.ob_type",
    "type_object.size",
    "type_object.tp_name",
    "type_object.tp_repr",
    "type_object.tp_flags",
    "tuple_object.size",
    "tuple_object.ob_item",
    "tuple_object.ob_size",
    "list_object.size",
    "list_object.ob_item",
    "list_object.ob_size",
    "set_object.size",
    "set_object.used",
    "set_object.table",
    "set_object.mask",
    "dict_object.size",
    "dict_object.ma_keys",
    "dict_object.ma_values",
    "float_object.size",
    "float_object.ob_fval",
    "long_object.size",
    "long_object.lv_tag",
    "long_object.ob_digit",
    "bytes_object.size",
    "bytes_object.ob_size",
    "bytes_object.ob_sval",
    "unicode_object.size",
    "unicode_object.state",
    "unicode_object.length",
    "unicode_object.asciiobject_size",
    "gc.size",
    "gc.collecting",
    "gen_object.size",
    "gen_object.gi_name",
    "gen_object.gi_iframe",
    "gen_object.gi_frame_state",
    "llist_node.next",
    "llist_node.prev",
    "debugger_support.eval_breaker",
    "debugger_support.remote_debugger_support",
    "debugger_support.remote_debugging_enabled",
    "debugger_support.debugger_pending_call",
    "debugger_support.debugger_script_path",
    "debugger_support.debugger_script_path_size",
];

/// Known field lists: (first minor version it applies to, name, fields).
const SCHEMAS: &[(u8, &str, &[&str])] = &[(13, "3.13", SCHEMA_3_13), (14, "3.14", SCHEMA_3_14)];

/// `_Py_DebugOffsets` as read from a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugOffsets {
    /// `PY_VERSION_HEX` of the interpreter.
    pub version_hex: u64,
    pub free_threaded: bool,
    /// Which field list matched.
    pub schema: &'static str,
    fields: HashMap<&'static str, u64>,
}

impl DebugOffsets {
    pub fn get(&self, name: &str) -> Option<u64> {
        self.fields.get(name).copied()
    }

    /// Parses the words after cookie and version with the schema for `minor`, or the others
    /// when that one fails the sanity checks.
    pub fn parse(version_hex: u64, words: &[u64]) -> Option<DebugOffsets> {
        let minor = ((version_hex >> 16) & 0xff) as u8;
        // The schema for this version first (the newest one not newer than it), then the rest.
        let mut order: Vec<&(u8, &str, &[&str])> = SCHEMAS.iter().collect();
        order.sort_by_key(|(from, _, _)| {
            if *from <= minor {
                minor - from
            } else {
                100 + from - minor
            }
        });
        for (_, name, schema) in order {
            if words.len() < schema.len() {
                continue;
            }
            let fields: HashMap<&'static str, u64> =
                schema.iter().copied().zip(words.iter().copied()).collect();
            let d = DebugOffsets {
                version_hex,
                free_threaded: fields.get("free_threaded").copied().unwrap_or(0) != 0,
                schema: name,
                fields,
            };
            if d.sane() {
                return Some(d);
            }
        }
        None
    }

    /// Facts that hold for every CPython with a GIL on every platform; a misaligned parse
    /// breaks several of them.
    fn sane(&self) -> bool {
        let ptr = self.get("pyobject.ob_type").unwrap_or(0);
        let expect = |name: &str, want: u64| self.get(name) == Some(want);
        (ptr == 8 || ptr == 4)
            && expect("type_object.tp_name", 3 * ptr)
            && expect("tuple_object.ob_item", 3 * ptr)
            && expect("list_object.ob_item", 3 * ptr)
            && expect("float_object.ob_fval", 2 * ptr)
            && self.get("unicode_object.length") == Some(2 * ptr)
            && self
                .get("thread_state.size")
                .is_some_and(|s| s > 0 && s < 1 << 20)
            && self
                .get("code_object.size")
                .is_some_and(|s| s > 0 && s < 1 << 16)
    }

    /// How many words of the dump to read to parse any known schema.
    pub fn max_words() -> usize {
        SCHEMAS.iter().map(|(_, _, s)| s.len()).max().unwrap_or(0)
    }

    /// Overrides the fields of `layout` that the debug offsets describe. Returns the names of
    /// fields whose value differed from the table, for the cross-check.
    pub fn apply(&self, layout: &mut Layout) -> Vec<String> {
        let mut changed = Vec::new();
        let mut set = |name: &'static str, slot: &mut u64| {
            if let Some(v) = self.get(name) {
                if *slot != v {
                    changed.push(format!("{name}: table {} vs dump {}", *slot, v));
                    *slot = v;
                }
            }
        };
        set(
            "runtime_state.interpreters_head",
            &mut layout.runtime.interpreters_head,
        );
        set("interpreter_state.id", &mut layout.interp.id);
        set("interpreter_state.next", &mut layout.interp.next);
        set(
            "interpreter_state.threads_head",
            &mut layout.interp.tstate_head,
        );
        set(
            "interpreter_state.imports_modules",
            &mut layout.interp.modules,
        );
        set("interpreter_state.sysdict", &mut layout.interp.sysdict);
        set("interpreter_state.builtins", &mut layout.interp.builtins);
        set("thread_state.prev", &mut layout.tstate.prev);
        set("thread_state.next", &mut layout.tstate.next);
        set("thread_state.interp", &mut layout.tstate.interp);
        if let FrameLink::Direct(ref mut off) = layout.tstate.frame {
            set("thread_state.current_frame", off);
        }
        set("thread_state.thread_id", &mut layout.tstate.thread_id);
        if let Some(ref mut off) = layout.tstate.native_thread_id {
            set("thread_state.native_thread_id", off);
        }
        if let super::FrameLayout::Interpreter(ref mut f) = layout.frame {
            set("interpreter_frame.previous", &mut f.previous);
            set("interpreter_frame.executable", &mut f.f_code);
            set("interpreter_frame.instr_ptr", &mut f.instr_ptr);
            set("interpreter_frame.localsplus", &mut f.localsplus);
            set("interpreter_frame.owner", &mut f.owner);
        }
        set("gen_object.gi_name", &mut layout.generator.gi_name);
        if let super::GenFrame::Embedded {
            ref mut gi_iframe,
            ref mut gi_frame_state,
            ..
        } = layout.generator.frame
        {
            set("gen_object.gi_iframe", gi_iframe);
            set("gen_object.gi_frame_state", gi_frame_state);
        }
        // 3.14 replaced the frame's `stacktop` index by a `stackpointer`.
        if let Some(stackpointer) = self.get("interpreter_frame.stackpointer") {
            layout.generator.yield_from = super::YieldFrom::StateStackPointer { stackpointer };
        }
        set("code_object.filename", &mut layout.code.co_filename);
        set("code_object.name", &mut layout.code.co_name);
        if let Some(ref mut q) = layout.code.co_qualname {
            set("code_object.qualname", q);
        }
        if let super::LineTable::Locations(ref mut off) = layout.code.line_table {
            set("code_object.linetable", off);
        }
        set("code_object.firstlineno", &mut layout.code.co_firstlineno);
        set("code_object.argcount", &mut layout.code.co_argcount);
        if let super::CodeLocals::Combined {
            ref mut co_localsplusnames,
            ref mut co_localspluskinds,
        } = layout.code.locals
        {
            set("code_object.localsplusnames", co_localsplusnames);
            set("code_object.localspluskinds", co_localspluskinds);
        }
        if let super::Bytecode::Inline {
            ref mut co_code_adaptive,
            ..
        } = layout.code.bytecode
        {
            set("code_object.co_code_adaptive", co_code_adaptive);
        }
        set("pyobject.ob_type", &mut layout.object.ob_type);
        set("type_object.tp_name", &mut layout.type_object.tp_name);
        set("type_object.tp_repr", &mut layout.type_object.tp_repr);
        set("type_object.tp_flags", &mut layout.type_object.tp_flags);
        set("tuple_object.ob_item", &mut layout.tuple.ob_item);
        set("list_object.ob_item", &mut layout.list.ob_item);
        set("set_object.used", &mut layout.set.used);
        set("set_object.table", &mut layout.set.table);
        set("set_object.mask", &mut layout.set.mask);
        set("dict_object.ma_keys", &mut layout.dict.ma_keys);
        set("dict_object.ma_values", &mut layout.dict.ma_values);
        set("float_object.ob_fval", &mut layout.float.ob_fval);
        if let super::LongEncoding::Tagged { ref mut lv_tag } = layout.long.encoding {
            set("long_object.lv_tag", lv_tag);
        }
        set("long_object.ob_digit", &mut layout.long.ob_digit);
        set("bytes_object.ob_sval", &mut layout.bytes.ob_sval);
        set("unicode_object.state", &mut layout.unicode.state);
        set("unicode_object.length", &mut layout.unicode.length);
        set(
            "unicode_object.asciiobject_size",
            &mut layout.unicode.ascii_size,
        );
        // The GIL: `ceval.gil` is a pointer to the interpreter's own `_gil` on 3.12+.
        if let Some(g) = self.get("interpreter_state.ceval_gil") {
            let mut off = match layout.runtime.gil {
                super::GilLocation::InterpPointer(o) => o,
                super::GilLocation::Runtime(o) => o,
            };
            set_plain(&mut changed, "interpreter_state.ceval_gil", &mut off, g);
            layout.runtime.gil = super::GilLocation::InterpPointer(off);
        }
        if let (Some(base), Some(locked), Some(holder)) = (
            self.get("interpreter_state.gil_runtime_state"),
            self.get("interpreter_state.gil_runtime_state_locked"),
            self.get("interpreter_state.gil_runtime_state_holder"),
        ) {
            if let (Some(l), Some(h)) = (locked.checked_sub(base), holder.checked_sub(base)) {
                set_plain(
                    &mut changed,
                    "gil_runtime_state.locked",
                    &mut layout.runtime.gil_locked,
                    l,
                );
                set_plain(
                    &mut changed,
                    "gil_runtime_state.holder",
                    &mut layout.runtime.gil_last_holder,
                    h,
                );
            }
        }
        changed
    }
}

fn set_plain(changed: &mut Vec<String>, name: &str, slot: &mut u64, v: u64) {
    if *slot != v {
        changed.push(format!("{name}: table {} vs dump {}", *slot, v));
        *slot = v;
    }
}

/// Reads `_Py_DebugOffsets` at `runtime`; `None` when the cookie isn't there or no known field
/// list fits.
pub fn read_debug_offsets(r: &Reader<'_>, runtime: RemoteAddr) -> Option<DebugOffsets> {
    let mut cookie = [0u8; 8];
    r.read_exact(runtime, &mut cookie).ok()?;
    if &cookie != DEBUG_COOKIE {
        return None;
    }
    let version_hex = r.u64(runtime.offset(8)?).ok()?;
    let n = DebugOffsets::max_words();
    let mut words = Vec::with_capacity(n);
    for i in 0..n as u64 {
        match r.u64(runtime.offset(16 + 8 * i)?) {
            Ok(w) => words.push(w),
            Err(_) => break,
        }
    }
    DebugOffsets::parse(version_hex, &words)
}
