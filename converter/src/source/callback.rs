//! A process whose memory hd can only read through its host: a debugger's memory-read
//! function (gdb's `Inferior.read_memory` for a remote target), called back for each block.
//! Calls are costly (tens of microseconds through a debugger), so reads go through a cache
//! of 16 KiB blocks.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::Rc;

use super::live::parse_maps;
use super::mapped_files::FileResolver;
use super::{Memory, OsThread, ProcessInfo, ReadError, ReadFailure, Region, RemoteAddr};
use crate::limits;

/// Reads `len` bytes at `addr` into `buf`; returns 0 when all were read, anything else when
/// they can't be.
pub type ReadFn =
    unsafe extern "C" fn(ctx: *mut c_void, addr: u64, buf: *mut u8, len: usize) -> i32;

const BLOCK: u64 = 16 * 1024;
/// Blocks kept at most (64 MiB).
const MAX_BLOCKS: usize = 4096;

/// Memory read through the host's function.
pub struct CallbackMemory {
    read: ReadFn,
    ctx: *mut c_void,
    regions: Vec<Region>,
    /// Blocks read (None: the block could not be read whole).
    cache: RefCell<HashMap<u64, Option<Rc<[u8]>>>>,
    info: ProcessInfo,
    files: FileResolver,
}

impl CallbackMemory {
    /// `maps` is the target's memory map in /proc/PID/maps form; `threads` its (tid, thread
    /// pointer) pairs.
    ///
    /// # Safety
    /// `read` must be safe to call with `ctx` and any address and length, for as long as this
    /// value lives, from the thread that uses it.
    pub unsafe fn new(
        read: ReadFn,
        ctx: *mut c_void,
        pid: Option<u32>,
        maps: &str,
        threads: &[(u32, Option<u64>)],
    ) -> CallbackMemory {
        let (regions, mapped_files) = parse_maps(maps);
        let executable = mapped_files.first().map(|m| m.path.clone());
        let mut files = FileResolver::new(None, None);
        files.set_mappings(&mapped_files, executable.as_deref());
        let info = ProcessInfo {
            pid,
            executable,
            argv: Vec::new(),
            signal: None,
            threads: threads
                .iter()
                .take(limits::MAX_OS_THREADS)
                .map(|&(tid, tp)| OsThread {
                    tid,
                    thread_pointer: tp,
                    pc: None,
                    sp: None,
                    cursig: 0,
                })
                .collect(),
            crashed_tid: None,
            mapped_files,
            auxv: Vec::new(),
            arch: None,
        };
        CallbackMemory {
            read,
            ctx,
            regions,
            cache: RefCell::new(HashMap::new()),
            info,
            files,
        }
    }

    pub fn process_info(&self) -> &ProcessInfo {
        &self.info
    }

    pub fn files(&self) -> &FileResolver {
        &self.files
    }

    fn call(&self, addr: u64, buf: &mut [u8]) -> bool {
        // SAFETY: the contract of `new`; `buf` is valid for `buf.len()` bytes.
        unsafe { (self.read)(self.ctx, addr, buf.as_mut_ptr(), buf.len()) == 0 }
    }

    /// The block at `start`, shared with the cache (a hit copies no bytes).
    fn block(&self, start: u64) -> Option<Rc<[u8]>> {
        if let Some(b) = self.cache.borrow().get(&start) {
            return b.clone();
        }
        let mut buf = vec![0u8; BLOCK as usize];
        let got = self.call(start, &mut buf).then(|| Rc::from(buf));
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= MAX_BLOCKS {
            cache.clear();
        }
        cache.insert(start, got.clone());
        got
    }
}

impl Memory for CallbackMemory {
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        let len = buf.len() as u64;
        let fail = || ReadError {
            addr,
            len,
            failure: ReadFailure::Os,
        };
        let end = addr.0.checked_add(len).ok_or_else(fail)?;
        let mut at = addr.0;
        let mut filled = 0usize;
        while at < end {
            let start = at - at % BLOCK;
            // The last block of the address space ends at u64::MAX, not past it.
            let take = (end.min(start.saturating_add(BLOCK)) - at) as usize;
            match self.block(start) {
                Some(b) => {
                    let from = (at - start) as usize;
                    buf[filled..filled + take].copy_from_slice(&b[from..from + take]);
                }
                // A block across the end of a mapping: read just what is asked.
                None => {
                    if !self.call(at, &mut buf[filled..filled + take]) {
                        return Err(fail());
                    }
                }
            }
            filled += take;
            at += take as u64;
        }
        Ok(())
    }

    fn regions(&self) -> Vec<Region> {
        self.regions.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the byte `addr as u8` at every address, from every block.
    unsafe extern "C" fn pattern(_: *mut c_void, addr: u64, buf: *mut u8, len: usize) -> i32 {
        for i in 0..len {
            // SAFETY: the caller gives `len` writable bytes at `buf`.
            unsafe { *buf.add(i) = addr.wrapping_add(i as u64) as u8 };
        }
        0
    }

    /// The last block of the address space: no overflow, the bytes asked for.
    #[test]
    fn reads_at_the_top_of_the_address_space() {
        // SAFETY: `pattern` reads nothing and writes only `buf`.
        let m = unsafe { CallbackMemory::new(pattern, std::ptr::null_mut(), None, "", &[]) };
        let mut buf = [0u8; 4];
        let at = u64::MAX - 4;
        m.read_exact(RemoteAddr(at), &mut buf).expect("read");
        assert_eq!(buf, [0xfb, 0xfc, 0xfd, 0xfe]);
        // Twice: the second comes from the cache.
        let mut again = [0u8; 4];
        m.read_exact(RemoteAddr(at), &mut again).expect("read");
        assert_eq!(again, buf);
        assert!(m.read_exact(RemoteAddr(u64::MAX), &mut buf).is_err());
    }
}
