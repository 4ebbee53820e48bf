//! Thread states found without `_PyRuntime`, for cores whose runtime didn't survive (a
//! truncated core loses its highest addresses first, which is where the libraries' data is).
//!
//! A thread state's `thread_id` is the thread's `pthread_t`, which glibc on x86_64 makes the
//! thread pointer (`fs_base`), and the core keeps every thread's registers in its notes. So
//! words equal to a thread's `fs_base` mark candidate thread states; a candidate is kept when
//! its `native_thread_id` (3.11+) is that thread's id, or when its frame chain starts with a
//! real code object. From a kept thread state, its interpreter may still be readable, and with
//! it the full thread list and the thread names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;

use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::scan;
use crate::source::{Arch, Memory, OsThread, RemoteAddr};

use super::frames::FrameReader;
use super::threads::{read_interpreter, read_thread_state, Interpreter, ThreadState};

/// Interpreters rebuilt from thread states found by scanning memory.
pub fn interpreters_by_scan(
    fr: &FrameReader<'_, '_>,
    mem: &dyn Memory,
    os: &[OsThread],
    arch: Option<Arch>,
    diags: &mut Diagnostics,
) -> Vec<Interpreter> {
    let o = fr.obj;
    if arch != Some(Arch::X86_64) {
        diags.push(Diagnostic::new(
            "recovery_unsupported",
            "thread states can be found without _PyRuntime only on x86_64 cores for now",
        ));
        return Vec::new();
    }
    let by_tp: HashMap<u64, u32> = os
        .iter()
        .filter_map(|t| Some((t.thread_pointer?, t.tid)))
        .collect();
    if by_tp.is_empty() {
        return Vec::new();
    }
    let hits = scan_words(mem, &by_tp.keys().copied().collect());
    let tid_off = o.layout.tstate.thread_id;
    // Interpreters as read through a candidate's `interp`, each once.
    let mut interps: HashMap<u64, Interpreter> = HashMap::new();
    // The thread state kept for each OS thread, with its interpreter; ordered by thread id.
    let mut found: BTreeMap<u32, (ThreadState, RemoteAddr)> = BTreeMap::new();
    for (at, word) in hits {
        let Some(&tid) = by_tp.get(&word) else {
            continue;
        };
        let Some(addr) = at.back(tid_off) else {
            continue;
        };
        let ts = read_thread_state(o, addr, word);
        let Ok(interp) = o.r.ptr_at(addr, o.layout.tstate.interp) else {
            continue;
        };
        if interp.is_null() || !plausible(fr, &ts, tid, interp, &mut interps) {
            continue;
        }
        // Prefer a candidate with frames over one without.
        let better = match found.get(&tid) {
            None => true,
            Some((old, _)) => matches!(old.top_frame, Ok(f) if f.is_null()),
        };
        if better {
            found.insert(tid, (ts, interp));
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    // Group by interpreter: its own list when it survived and holds every thread state
    // found for it, else the ones found.
    let mut by_interp: BTreeMap<u64, Vec<ThreadState>> = BTreeMap::new();
    for (ts, interp) in found.into_values() {
        by_interp.entry(interp.0).or_default().push(ts);
    }
    let mut out: Vec<Interpreter> = Vec::new();
    let mut covered: HashSet<u64> = HashSet::new();
    for (interp, mine) in by_interp {
        let full = interp_at(fr, &mut interps, RemoteAddr(interp)).clone();
        if mine
            .iter()
            .all(|t| full.threads.iter().any(|f| f.addr == t.addr))
        {
            covered.extend(full.threads.iter().map(|t| t.addr.0));
            out.push(full);
        } else {
            covered.extend(mine.iter().map(|t| t.addr.0));
            out.push(Interpreter {
                addr: RemoteAddr(interp),
                id: full.id,
                threads: mine,
                threads_complete: false,
                gil_holder: None,
                modules: full.modules,
            });
        }
    }
    let missing = os.len().saturating_sub(covered.len());
    diags.push(Diagnostic::new(
        "recovered_by_scan",
        format!(
            "_PyRuntime is not readable in this core, so thread states were found by scanning memory for the threads' ids: {} found{}; whether a thread held the GIL is unknown",
            covered.len(),
            if missing > 0 {
                format!(", {missing} OS thread(s) without one (their thread state was in the missing part, or they never ran Python)")
            } else {
                String::new()
            }
        ),
    ));
    out
}

/// The interpreter at `addr`, read once.
fn interp_at<'c>(
    fr: &FrameReader<'_, '_>,
    cache: &'c mut HashMap<u64, Interpreter>,
    addr: RemoteAddr,
) -> &'c Interpreter {
    cache
        .entry(addr.0)
        .or_insert_with(|| read_interpreter(fr.obj, addr, None, &mut Diagnostics::default()))
}

/// Whether a candidate thread state is one: its native id matches (3.11+), or its frame
/// chain starts with a frame of a real code object, or its interpreter lists it (read last,
/// and once per interpreter).
fn plausible(
    fr: &FrameReader<'_, '_>,
    ts: &ThreadState,
    tid: u32,
    interp: RemoteAddr,
    interps: &mut HashMap<u64, Interpreter>,
) -> bool {
    let o = fr.obj;
    if let Some(n) = ts.native_id {
        return n == u64::from(tid);
    }
    if o.layout.tstate.native_thread_id.is_some() {
        return false;
    }
    if let Ok(f) = ts.top_frame {
        if !f.is_null() {
            let mut d = Diagnostics::default();
            let (frames, _) = fr.walk_limited(f, 1, &mut d);
            if !frames.is_empty() {
                return true;
            }
        }
    }
    interp_at(fr, interps, interp)
        .threads
        .iter()
        .any(|t| t.addr == ts.addr)
}

/// Addresses of aligned words in writable memory whose value is in `wanted`.
fn scan_words(mem: &dyn Memory, wanted: &HashSet<u64>) -> Vec<(RemoteAddr, u64)> {
    let mut out = Vec::new();
    let mut budget = limits::MAX_SCAN_BYTES;
    for region in scan::writable(mem) {
        scan::scan(
            mem,
            region.start.0,
            region.end.0,
            0,
            &mut budget,
            |at, chunk| {
                collect_hits(at, chunk, wanted, &mut out);
                ControlFlow::<()>::Continue(())
            },
        );
    }
    out
}

fn collect_hits(base: u64, buf: &[u8], wanted: &HashSet<u64>, out: &mut Vec<(RemoteAddr, u64)>) {
    let skew = ((8 - base % 8) % 8) as usize;
    let Some(aligned) = buf.get(skew..) else {
        return;
    };
    for (i, w) in aligned.chunks_exact(8).enumerate() {
        let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if wanted.contains(&v) {
            out.push((RemoteAddr(base + skew as u64 + 8 * i as u64), v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_are_aligned() {
        let mut buf = vec![0u8; 64];
        buf[8..16].copy_from_slice(&0x1234u64.to_le_bytes());
        buf[21..29].copy_from_slice(&0x1234u64.to_le_bytes());
        let mut out = Vec::new();
        collect_hits(0x1000, &buf, &HashSet::from([0x1234]), &mut out);
        assert_eq!(out, vec![(RemoteAddr(0x1008), 0x1234)]);
    }
}
