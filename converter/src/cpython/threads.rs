//! Interpreters and their thread states; which OS thread each one is, its name, the GIL.

use std::collections::{HashMap, HashSet};

use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::{Arch, OsThread, ReadError, RemoteAddr};

use super::layout::{FrameLink, GilLocation};
use super::objects::ObjReader;

/// A `PyThreadState` as read from memory.
#[derive(Debug, Clone)]
pub struct ThreadState {
    pub addr: RemoteAddr,
    /// `thread_id`: the `pthread_t` (what `threading.get_ident()` returns).
    pub thread_id: u64,
    /// `native_thread_id` (3.11+), 0 when not set.
    pub native_id: Option<u64>,
    /// Innermost frame (a `PyFrameObject*` or `_PyInterpreterFrame*`), null when idle.
    pub top_frame: Result<RemoteAddr, ReadError>,
    /// `datastack_top` (3.11+).
    pub datastack_top: Option<RemoteAddr>,
}

/// An interpreter and its thread states.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub addr: RemoteAddr,
    pub id: i64,
    pub threads: Vec<ThreadState>,
    /// The thread list was read to its end (a damaged one stops early).
    pub threads_complete: bool,
    /// The thread state holding this interpreter's GIL, if it is held.
    pub gil_holder: Option<RemoteAddr>,
    /// `sys.modules`.
    pub modules: RemoteAddr,
}

/// Every interpreter of the runtime and every thread state of each.
pub fn interpreters(
    o: &ObjReader<'_>,
    runtime: RemoteAddr,
    diags: &mut Diagnostics,
) -> Result<Vec<Interpreter>, ReadError> {
    let l = o.layout;
    let r = &o.r;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut cur = r.ptr_at(runtime, l.runtime.interpreters_head)?;
    // The GIL of 3.8–3.11 belongs to the runtime.
    let runtime_gil = match l.runtime.gil {
        GilLocation::Runtime(off) => Some(gil_holder(o, r.at(runtime, off)?)),
        GilLocation::InterpPointer(_) => None,
    };
    while !cur.is_null() && out.len() < limits::MAX_INTERPRETERS {
        if !seen.insert(cur.0) {
            diags.push(
                Diagnostic::new(
                    "interpreter_loop",
                    "the interpreter list loops; stopped there",
                )
                .at(cur.0),
            );
            break;
        }
        out.push(read_interpreter(o, cur, runtime_gil, diags));
        cur = match r.ptr_at(cur, l.interp.next) {
            Ok(n) => n,
            Err(e) => {
                diags.push(
                    Diagnostic::new(
                        "interpreter_unreadable",
                        format!("the next interpreter could not be read: {e}"),
                    )
                    .at(cur.0),
                );
                break;
            }
        };
    }
    Ok(out)
}

/// One interpreter and its thread states. `runtime_gil` is the holder of a runtime-wide GIL
/// (3.8–3.11) when it was readable.
pub fn read_interpreter(
    o: &ObjReader<'_>,
    interp: RemoteAddr,
    runtime_gil: Option<Option<RemoteAddr>>,
    diags: &mut Diagnostics,
) -> Interpreter {
    let l = o.layout;
    let r = &o.r;
    let id = r.ssize_at(interp, l.interp.id).unwrap_or(-1);
    let gil = match l.runtime.gil {
        GilLocation::InterpPointer(off) => r
            .ptr_at(interp, off)
            .ok()
            .filter(|g| !g.is_null())
            .map(|g| gil_holder(o, g)),
        GilLocation::Runtime(_) => runtime_gil,
    };
    let modules = r
        .ptr_at(interp, l.interp.modules)
        .unwrap_or(RemoteAddr::NULL);
    let (threads, threads_complete) = thread_states(o, interp, id, diags);
    Interpreter {
        addr: interp,
        id,
        threads,
        threads_complete,
        gil_holder: gil.flatten(),
        modules,
    }
}

/// `last_holder` if `locked`, from a `struct _gil_runtime_state` at `gil`.
fn gil_holder(o: &ObjReader<'_>, gil: RemoteAddr) -> Option<RemoteAddr> {
    let rt = &o.layout.runtime;
    let locked = o.r.i32_at(gil, rt.gil_locked).ok()?;
    if locked == 0 {
        return None;
    }
    o.r.ptr_at(gil, rt.gil_last_holder)
        .ok()
        .filter(|h| !h.is_null())
}

/// The thread states of an interpreter, and whether the list could be read to its end.
fn thread_states(
    o: &ObjReader<'_>,
    interp: RemoteAddr,
    interp_id: i64,
    diags: &mut Diagnostics,
) -> (Vec<ThreadState>, bool) {
    let l = o.layout;
    let r = &o.r;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut cur = match r.ptr_at(interp, l.interp.tstate_head) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::new(
                    "threads_unreadable",
                    format!("the thread list of interpreter {interp_id} could not be read: {e}"),
                )
                .at(interp.0),
            );
            return (out, false);
        }
    };
    while !cur.is_null() {
        if out.len() >= limits::MAX_THREADS {
            diags.push(Diagnostic::new(
                "limit_reached",
                format!("stopped after {} threads", limits::MAX_THREADS),
            ));
            break;
        }
        if !seen.insert(cur.0) {
            diags.push(
                Diagnostic::new("thread_loop", "the thread list loops; stopped there").at(cur.0),
            );
            break;
        }
        let thread_id = match r.word_at(cur, l.tstate.thread_id) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::new("thread_unreadable", format!("a thread state could not be read ({e}); the threads after it are missing")).at(cur.0));
                return (out, false);
            }
        };
        out.push(read_thread_state(o, cur, thread_id));
        cur = match r.ptr_at(cur, l.tstate.next) {
            Ok(n) => n,
            Err(e) => {
                diags.push(Diagnostic::new("thread_unreadable", format!("the next thread state could not be read ({e}); the threads after it are missing")).at(cur.0));
                return (out, false);
            }
        };
    }
    (out, true)
}

/// The fields of the thread state at `addr` whose `thread_id` is already known.
pub fn read_thread_state(o: &ObjReader<'_>, cur: RemoteAddr, thread_id: u64) -> ThreadState {
    let l = o.layout;
    let r = &o.r;
    {
        let native_id = l
            .tstate
            .native_thread_id
            .and_then(|off| r.word_at(cur, off).ok())
            .filter(|&n| n != 0);
        let top_frame = match l.tstate.frame {
            FrameLink::Direct(off) => r.ptr_at(cur, off),
            FrameLink::ViaCFrame {
                cframe,
                current_frame,
            } => r.ptr_at(cur, cframe).and_then(|cf| {
                if cf.is_null() {
                    Ok(RemoteAddr::NULL)
                } else {
                    r.ptr_at(cf, current_frame)
                }
            }),
        };
        let datastack_top = l
            .tstate
            .datastack_top
            .and_then(|off| r.ptr_at(cur, off).ok())
            .filter(|t| !t.is_null());
        ThreadState {
            addr: cur,
            thread_id,
            native_id,
            top_frame,
            datastack_top,
        }
    }
}

/// Maps thread states to OS thread ids: `native_thread_id` where the version has it, else the
/// `pthread_t` (which on x86_64 glibc is the thread pointer, `fs_base`), else the `tid` field
/// that glibc keeps in `struct pthread`, found by its offset being the same for every thread.
pub fn match_os_threads(
    o: &ObjReader<'_>,
    states: &[&ThreadState],
    os: &[OsThread],
    arch: Option<Arch>,
) -> HashMap<u64, u32> {
    let tids: HashSet<u32> = os.iter().map(|t| t.tid).collect();
    let mut out = HashMap::new();
    for s in states {
        if let Some(n) = s.native_id {
            if tids.contains(&(n as u32)) || tids.is_empty() {
                out.insert(s.addr.0, n as u32);
            }
        }
    }
    if out.len() == states.len() {
        return out;
    }
    if arch == Some(Arch::X86_64) {
        let by_tp: HashMap<u64, u32> = os
            .iter()
            .filter_map(|t| Some((t.thread_pointer?, t.tid)))
            .collect();
        for s in states {
            if let Some(&tid) = by_tp.get(&s.thread_id) {
                out.entry(s.addr.0).or_insert(tid);
            }
        }
        if out.len() == states.len() {
            return out;
        }
    }
    // glibc's struct pthread holds the kernel tid at a fixed offset; find the offset at which
    // every unmatched thread's pthread_t holds a distinct known tid.
    let pending: Vec<&&ThreadState> = states
        .iter()
        .filter(|s| !out.contains_key(&s.addr.0))
        .collect();
    if pending.is_empty() || tids.is_empty() {
        return out;
    }
    let blocks: Vec<Option<Vec<u8>>> = pending
        .iter()
        .map(|s| o.r.bytes(RemoteAddr(s.thread_id), 2048).ok())
        .collect();
    'offsets: for off in (0..2048usize).step_by(4) {
        let mut found = Vec::new();
        let mut used = HashSet::new();
        for b in &blocks {
            let Some(b) = b else { continue 'offsets };
            let v = u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]]);
            if !tids.contains(&v) || !used.insert(v) {
                continue 'offsets;
            }
            found.push(v);
        }
        for (s, tid) in pending.iter().zip(found) {
            out.insert(s.addr.0, tid);
        }
        break;
    }
    out
}

/// Thread names from `threading._active` (ident → Thread, whose `_name` is the name).
pub fn thread_names(o: &ObjReader<'_>, modules: RemoteAddr) -> HashMap<u64, String> {
    let mut out = HashMap::new();
    let Ok(Some(threading)) = o.dict_get_str(modules, "threading") else {
        return out;
    };
    let Ok(md) = o.module_dict(threading) else {
        return out;
    };
    let Ok(Some(active)) = o.dict_get_str(md, "_active") else {
        return out;
    };
    let Ok((items, _)) = o.dict_items(active, limits::MAX_THREADS) else {
        return out;
    };
    for (k, v) in items {
        let Ok(super::super::model::IntValue::Decimal(ident)) = o.int_value(k) else {
            continue;
        };
        let Ok(ident) = ident.parse::<u64>() else {
            continue;
        };
        if let Ok(Some(name)) = o.instance_attr(v, "_name") {
            if let Ok(name) = o.str_plain(name) {
                out.insert(ident, name);
            }
        }
    }
    out
}

/// The exception `sys.exc_info()` would give in that thread: the innermost one being handled
/// (`exc_info`, then down the stack of `_PyErr_StackItem`s past the empty ones).
pub fn handled_exception(o: &ObjReader<'_>, tstate: RemoteAddr) -> Option<RemoteAddr> {
    use super::layout::HandledException;
    let e = &o.layout.errors;
    let value_off = match e.handled {
        HandledException::Triple { exc_value, .. } | HandledException::Value { exc_value } => {
            exc_value
        }
    };
    let mut item = o.r.ptr_at(tstate, e.exc_info).ok()?;
    for _ in 0..limits::MAX_FRAMES {
        if item.is_null() {
            return None;
        }
        let value = o.r.ptr_at(item, value_off).ok()?;
        if !value.is_null() {
            let is_none = o
                .type_of(value)
                .map(|t| t.builtin == Some(super::objects::Builtin::None))
                .unwrap_or(true);
            if !is_none {
                return Some(value);
            }
        }
        item = o.r.ptr_at(item, e.previous_item).ok()?;
    }
    None
}
