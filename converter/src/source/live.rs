//! A running process on this machine, read through `process_vm_readv` (with `/proc/PID/mem`
//! as the fallback).
//!
//! By default every thread is stopped with `PTRACE_SEIZE` + `PTRACE_INTERRUPT` while we read,
//! so that stacks are consistent; the caller reads what it needs and drops the
//! [`LiveProcess`] (or calls [`LiveProcess::resume`]) to let the process go on at once.

use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use super::mapped_files::{FileResolver, MappedFile};
use super::{
    Arch, Memory, OsThread, Perms, ProcessInfo, ReadError, ReadFailure, Region, RemoteAddr,
};
use crate::error::Error;
use crate::limits;

/// A live process, possibly stopped while we read it.
pub struct LiveProcess {
    pid: u32,
    mem_file: Option<File>,
    regions: Vec<Region>,
    info: ProcessInfo,
    files: FileResolver,
    /// Threads we stopped with ptrace and must detach from.
    stopped: Vec<u32>,
    /// Blocks of the process's memory read so far, by address (`None`: not all readable).
    cache: std::sync::Mutex<std::collections::HashMap<u64, Option<std::sync::Arc<[u8]>>>>,
}

impl LiveProcess {
    /// Opens process `pid`. With `pause`, stops all its threads until the value is dropped.
    pub fn attach(pid: u32, pause: bool, sysroot: Option<PathBuf>) -> Result<LiveProcess, Error> {
        let proc_dir = PathBuf::from(format!("/proc/{pid}"));
        let maps = fs::read_to_string(proc_dir.join("maps")).map_err(|e| Error::Process {
            pid,
            what: "read the memory map (/proc/PID/maps)",
            source: e,
        })?;
        let (regions, mapped_files) = parse_maps(&maps);
        let executable = fs::read_link(proc_dir.join("exe"))
            .ok()
            .map(|p| p.to_string_lossy().into_owned());
        let argv = fs::read(proc_dir.join("cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut tids: Vec<u32> = fs::read_dir(proc_dir.join("task"))
            .map_err(|e| Error::Process {
                pid,
                what: "list the threads (/proc/PID/task)",
                source: e,
            })?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        tids.sort_unstable();
        tids.truncate(limits::MAX_OS_THREADS);

        // Files are read through the process's own root, so containers work too.
        let root = sysroot.unwrap_or_else(|| proc_dir.join("root"));
        let mut files = FileResolver::new(Some(root), None);
        files.set_mappings(&mapped_files, executable.as_deref());

        let mut me = LiveProcess {
            pid,
            mem_file: File::open(proc_dir.join("mem")).ok(),
            regions,
            info: ProcessInfo {
                pid: Some(pid),
                executable,
                argv,
                signal: None,
                threads: Vec::new(),
                crashed_tid: None,
                mapped_files,
                auxv: read_auxv(pid),
                arch: Some(host_arch()),
            },
            files,
            stopped: Vec::new(),
            cache: Default::default(),
        };
        if pause {
            me.pause(&tids);
        }
        me.info.threads = tids
            .iter()
            .map(|&tid| OsThread {
                tid,
                thread_pointer: if me.stopped.contains(&tid) {
                    thread_pointer(tid)
                } else {
                    None
                },
                pc: None,
                sp: None,
                cursig: 0,
            })
            .collect();
        Ok(me)
    }

    fn pause(&mut self, tids: &[u32]) {
        for &tid in tids {
            let t = tid as libc::pid_t;
            // SAFETY: plain ptrace requests on a thread id; failures are reported by the return value.
            unsafe {
                if libc::ptrace(libc::PTRACE_SEIZE, t, 0usize, 0usize) != 0 {
                    continue;
                }
                if libc::ptrace(libc::PTRACE_INTERRUPT, t, 0usize, 0usize) != 0 {
                    libc::ptrace(libc::PTRACE_DETACH, t, 0usize, 0usize);
                    continue;
                }
                let mut status = 0;
                libc::waitpid(t, &mut status, libc::__WALL);
            }
            self.stopped.push(tid);
        }
    }

    /// Lets the process run again (also done on drop).
    pub fn resume(&mut self) {
        for tid in self.stopped.drain(..) {
            // SAFETY: detaching a thread we seized.
            unsafe {
                libc::ptrace(libc::PTRACE_DETACH, tid as libc::pid_t, 0usize, 0usize);
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn is_paused(&self) -> bool {
        !self.stopped.is_empty()
    }

    pub fn process_info(&self) -> &ProcessInfo {
        &self.info
    }

    pub fn files(&self) -> &FileResolver {
        &self.files
    }
}

impl Drop for LiveProcess {
    fn drop(&mut self) {
        self.resume();
    }
}

/// Bytes fetched from the process per cache block: one system call brings in this much.
const BLOCK: u64 = 16 * 1024;
/// Blocks kept; past it the cache is emptied (a snapshot rarely touches this many).
const MAX_BLOCKS: usize = 16 * 1024;

impl Memory for LiveProcess {
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        if buf.is_empty() {
            return Ok(());
        }
        // Large reads go straight to the process; small ones through the block cache, so a
        // walk over many small fields costs one system call per 16 KiB instead of one each.
        if buf.len() as u64 > BLOCK {
            return self.read_direct(addr, buf);
        }
        let mut done = 0usize;
        while done < buf.len() {
            let cur = addr.0.checked_add(done as u64).ok_or(ReadError {
                addr,
                len: buf.len() as u64,
                failure: ReadFailure::NotMapped,
            })?;
            let base = cur & !(BLOCK - 1);
            let within = (cur - base) as usize;
            let n = (buf.len() - done).min(BLOCK as usize - within);
            match self.block(base) {
                Some(block) if block.len() >= within + n => {
                    buf[done..done + n].copy_from_slice(&block[within..within + n]);
                }
                // The block is only partly readable (the edge of a mapping): read directly.
                _ => self.read_direct(RemoteAddr(cur), &mut buf[done..done + n])?,
            }
            done += n;
        }
        Ok(())
    }

    fn regions(&self) -> Vec<Region> {
        self.regions.clone()
    }
}

impl LiveProcess {
    /// The cached block at `base`, fetched on first use; `None` when it isn't all readable.
    fn block(&self, base: u64) -> Option<std::sync::Arc<[u8]>> {
        let mut cache = self.cache.lock().ok()?;
        if let Some(b) = cache.get(&base) {
            return b.clone();
        }
        let mut data = vec![0u8; BLOCK as usize];
        let got = self
            .read_direct(RemoteAddr(base), &mut data)
            .ok()
            .map(|()| std::sync::Arc::<[u8]>::from(data));
        if cache.len() >= MAX_BLOCKS {
            cache.clear();
        }
        cache.insert(base, got.clone());
        got
    }

    fn read_direct(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        let err = ReadError {
            addr,
            len: buf.len() as u64,
            failure: ReadFailure::Os,
        };
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let remote = libc::iovec {
            iov_base: addr.0 as usize as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: `local` describes `buf`, which we own mutably; the kernel checks `remote`.
        let n =
            unsafe { libc::process_vm_readv(self.pid as libc::pid_t, &local, 1, &remote, 1, 0) };
        if n >= 0 && n as usize == buf.len() {
            return Ok(());
        }
        // Partial reads (a range over two mappings) and kernels without the syscall: /proc/PID/mem.
        let Some(f) = &self.mem_file else {
            return Err(self.classify(err));
        };
        let mut done = 0;
        while done < buf.len() {
            match f.read_at(&mut buf[done..], addr.0 + done as u64) {
                Ok(0) | Err(_) => return Err(self.classify(err)),
                Ok(k) => done += k,
            }
        }
        Ok(())
    }
}

impl LiveProcess {
    fn classify(&self, mut e: ReadError) -> ReadError {
        let mapped = self
            .regions
            .iter()
            .any(|r| r.start <= e.addr && e.addr < r.end);
        if !mapped {
            e.failure = ReadFailure::NotMapped;
        }
        e
    }
}

fn host_arch() -> Arch {
    if cfg!(target_arch = "x86_64") {
        Arch::X86_64
    } else if cfg!(target_arch = "aarch64") {
        Arch::Aarch64
    } else {
        Arch::Other(0)
    }
}

/// The thread pointer of a thread we stopped (x86_64: `fs_base`).
fn thread_pointer(tid: u32) -> Option<u64> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: user_regs_struct is plain data; PTRACE_GETREGS fills it for a stopped tracee.
        unsafe {
            let mut regs: libc::user_regs_struct = std::mem::zeroed();
            if libc::ptrace(
                libc::PTRACE_GETREGS,
                tid as libc::pid_t,
                0usize,
                &mut regs as *mut libc::user_regs_struct,
            ) == 0
            {
                return Some(regs.fs_base);
            }
        }
        None
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = tid;
        None
    }
}

fn read_auxv(pid: u32) -> Vec<(u64, u64)> {
    let Ok(b) = fs::read(format!("/proc/{pid}/auxv")) else {
        return Vec::new();
    };
    b.chunks_exact(16)
        .map(|c| {
            let k = u64::from_ne_bytes(c[..8].try_into().unwrap_or([0; 8]));
            let v = u64::from_ne_bytes(c[8..].try_into().unwrap_or([0; 8]));
            (k, v)
        })
        .take_while(|&(k, _)| k != 0)
        .collect()
}

/// Parses `/proc/PID/maps`.
pub(crate) fn parse_maps(text: &str) -> (Vec<Region>, Vec<MappedFile>) {
    let mut regions = Vec::new();
    let mut files = Vec::new();
    for line in text.lines().take(limits::MAX_SEGMENTS) {
        let mut it = line.split_ascii_whitespace();
        let (Some(range), Some(perms), Some(off), Some(_dev), Some(inode)) =
            (it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            continue;
        };
        let path = it.collect::<Vec<_>>().join(" ");
        let Some((s, e)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end), Ok(off)) = (
            u64::from_str_radix(s, 16),
            u64::from_str_radix(e, 16),
            u64::from_str_radix(off, 16),
        ) else {
            continue;
        };
        let p = perms.as_bytes();
        let perms = Perms {
            read: p.first() == Some(&b'r'),
            write: p.get(1) == Some(&b'w'),
            exec: p.get(2) == Some(&b'x'),
        };
        regions.push(Region {
            start: RemoteAddr(start),
            end: RemoteAddr(end),
            perms,
            readable: perms.read,
        });
        if inode != "0" && path.starts_with('/') {
            files.push(MappedFile {
                start: RemoteAddr(start),
                end: RemoteAddr(end),
                file_offset: off,
                path,
            });
        }
    }
    (regions, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_lines() {
        let (r, f) = parse_maps(
            "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 123 /usr/bin/python3.11\n\
             7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n\
             7f0000000000-7f0000001000 r-xp 00002000 fe:01 456 /lib/with space.so (deleted)\n",
        );
        assert_eq!(r.len(), 3);
        assert!(r[1].perms.write && !r[1].perms.exec);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].path, "/lib/with space.so (deleted)");
        assert_eq!(f[1].file_offset, 0x2000);
    }
}
