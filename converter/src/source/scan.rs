//! Reading long stretches of an address space in chunks, within a byte budget: the searches
//! for the version string, the debug cookie, `_PyRuntime` by its shape and thread states.

use std::ops::ControlFlow;

use super::{Memory, Region, RemoteAddr};

/// Bytes read at once.
const CHUNK: u64 = 1 << 20;
/// A chunk that can't be read whole is read in pieces of this size.
const PIECE: u64 = 4096;

/// Visits `[start, end)` as `(address, bytes)` chunks, each extended by `overlap` bytes of
/// what follows (for matches across an edge), until `visit` breaks or `budget` bytes have
/// been read. A chunk that can't be read whole (partly missing from the dump) is visited
/// page by page, so what survives is still seen. Chunks start at multiples of 4096 past
/// `start`: aligned words never straddle two of them.
pub fn scan<T>(
    mem: &dyn Memory,
    start: u64,
    end: u64,
    overlap: u64,
    budget: &mut u64,
    mut visit: impl FnMut(u64, &[u8]) -> ControlFlow<T>,
) -> Option<T> {
    let mut buf = Vec::new();
    let mut cur = start;
    while cur < end && *budget > 0 {
        let n = (end - cur).min(CHUNK);
        let with_overlap = (end - cur).min(n.saturating_add(overlap));
        buf.resize(with_overlap as usize, 0);
        if mem.read_exact(RemoteAddr(cur), &mut buf).is_ok() {
            if let ControlFlow::Break(hit) = visit(cur, &buf) {
                return Some(hit);
            }
        } else {
            let mut p = cur;
            while p < cur + n {
                let len = (end - p).min(PIECE.saturating_add(overlap));
                let piece = &mut buf[..len as usize];
                if mem.read_exact(RemoteAddr(p), piece).is_ok() {
                    if let ControlFlow::Break(hit) = visit(p, piece) {
                        return Some(hit);
                    }
                }
                p += PIECE.min(cur + n - p);
            }
        }
        *budget = budget.saturating_sub(n);
        cur += n;
    }
    None
}

/// The regions worth scanning for runtime state: writable in the process and readable here.
pub fn writable(mem: &dyn Memory) -> impl Iterator<Item = Region> {
    mem.regions()
        .into_iter()
        .filter(|r| r.perms.write && r.readable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::synth::SynthMemory;

    #[test]
    fn a_missing_page_hides_only_itself() {
        // Three pages mapped, the middle one missing: the hits on both sides are found.
        let mut mem = SynthMemory::new();
        mem.map_at(0x10000, 0x1000);
        mem.map_at(0x12000, 0x1000);
        mem.w64(0x10000, 0x0707_0707_0707_0707);
        mem.w64(0x12000 + 4088, 0x0707_0707_0707_0707);
        let mut seen = Vec::new();
        let mut budget = u64::MAX;
        let found: Option<()> = scan(&mem, 0x10000, 0x13000, 0, &mut budget, |at, b| {
            for (i, w) in b.chunks_exact(8).enumerate() {
                if w == [7u8; 8] {
                    seen.push(at + 8 * i as u64);
                }
            }
            ControlFlow::Continue(())
        });
        assert!(found.is_none());
        assert_eq!(seen, vec![0x10000, 0x12000 + 4088]);
    }
}
