//! Thread states found without `_PyRuntime`, for cores whose runtime didn't survive (a
//! truncated core loses its highest addresses first, which is where the libraries' data is).
//!
//! A thread state's `thread_id` is the thread's `pthread_t`, which glibc on x86_64 makes the
//! thread pointer (`fs_base`), and the core keeps every thread's registers in its notes. So
//! words equal to a thread's `fs_base` mark candidate thread states; a candidate is kept when
//! its `native_thread_id` (3.11+) is that thread's id, or when its frame chain starts with a
//! real code object. From a kept thread state, its interpreter may still be readable, and with
//! it the full thread list and the thread names.

use std::collections::{HashMap, HashSet};

use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
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
    let mut found: HashMap<u32, ThreadState> = HashMap::new();
    let mut interp_of: HashMap<u64, RemoteAddr> = HashMap::new();
    for (at, word) in hits {
        let Some(&tid) = by_tp.get(&word) else {
            continue;
        };
        let Some(addr) = at.back(tid_off) else {
            continue;
        };
        let ts = read_thread_state(o, addr, word);
        if !plausible(fr, &ts, tid) {
            continue;
        }
        let Ok(interp) = o.r.ptr_at(addr, o.layout.tstate.interp) else {
            continue;
        };
        if interp.is_null() {
            continue;
        }
        // Prefer a candidate with frames over one without.
        let better = match found.get(&tid) {
            None => true,
            Some(old) => matches!(old.top_frame, Ok(f) if f.is_null()),
        };
        if better {
            interp_of.insert(addr.0, interp);
            found.insert(tid, ts);
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    // Group by interpreter; read each interpreter's own list when it survived.
    let mut out: Vec<Interpreter> = Vec::new();
    let mut interps: Vec<RemoteAddr> = interp_of.values().copied().collect();
    interps.sort();
    interps.dedup();
    let mut covered: HashSet<u64> = HashSet::new();
    for interp in interps {
        let mut scratch = Diagnostics::default();
        let full = read_interpreter(o, interp, None, &mut scratch);
        let mine: Vec<&ThreadState> = found
            .values()
            .filter(|t| interp_of.get(&t.addr.0) == Some(&interp))
            .collect();
        if mine
            .iter()
            .all(|t| full.threads.iter().any(|f| f.addr == t.addr))
        {
            covered.extend(full.threads.iter().map(|t| t.addr.0));
            out.push(full);
        } else {
            covered.extend(mine.iter().map(|t| t.addr.0));
            out.push(Interpreter {
                addr: interp,
                id: full.id,
                threads: mine.into_iter().cloned().collect(),
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

/// Whether a candidate thread state is one: its native id matches (3.11+), or its frame
/// chain starts with a frame of a real code object, or its interpreter lists it.
fn plausible(fr: &FrameReader<'_, '_>, ts: &ThreadState, tid: u32) -> bool {
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
    let Ok(interp) = o.r.ptr_at(ts.addr, o.layout.tstate.interp) else {
        return false;
    };
    let mut d = Diagnostics::default();
    read_interpreter(o, interp, None, &mut d)
        .threads
        .iter()
        .any(|t| t.addr == ts.addr)
}

/// Addresses of aligned words in writable memory whose value is in `wanted`.
fn scan_words(mem: &dyn Memory, wanted: &HashSet<u64>) -> Vec<(RemoteAddr, u64)> {
    const CHUNK: u64 = 1 << 20;
    let mut out = Vec::new();
    let mut budget = limits::MAX_SCAN_BYTES;
    let mut buf = Vec::new();
    for region in mem.regions() {
        if !region.perms.write {
            continue;
        }
        let mut cur = region.start.0;
        while cur < region.end.0 && budget > 0 {
            let n = (region.end.0 - cur).min(CHUNK);
            buf.resize(n as usize, 0);
            // A read that fails (the chunk is partly missing) is retried page by page.
            if mem.read_exact(RemoteAddr(cur), &mut buf).is_ok() {
                collect_hits(cur, &buf, wanted, &mut out);
            } else {
                let mut p = cur;
                while p < cur + n {
                    let page = (cur + n - p).min(4096);
                    let b = &mut buf[..page as usize];
                    if mem.read_exact(RemoteAddr(p), b).is_ok() {
                        collect_hits(p, b, wanted, &mut out);
                    }
                    p += page;
                }
            }
            budget = budget.saturating_sub(n);
            cur += n;
        }
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
