//! ELF core files, as written by the kernel or by gdb's `gcore`.
//!
//! The core is memory-mapped and never read as a whole. Segments honour `p_filesz` vs
//! `p_memsz`: bytes past `p_filesz` were left out of the core (by the core filter, or lost to
//! truncation) and are read from the mapped file on disk only when the segment was not
//! writable.

use std::fs::File;
use std::path::{Path, PathBuf};

use goblin::elf::header;
use goblin::elf::program_header::{ProgramHeader, PF_W, PT_LOAD, PT_NOTE};
use memmap2::Mmap;

use super::mapped_files::{FileResolver, MappedFile};
use super::{
    Arch, Memory, OsThread, Perms, ProcessInfo, ReadError, ReadFailure, Region, RemoteAddr,
};
use crate::diag::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::limits;

const NT_PRSTATUS: u32 = 1;
const NT_PRPSINFO: u32 = 3;
const NT_AUXV: u32 = 6;
const NT_ARM_TLS: u32 = 0x401;
const NT_SIGINFO: u32 = 0x5349_4749;
const NT_FILE: u32 = 0x4649_4c45;

/// One `PT_LOAD` segment of the core.
#[derive(Debug, Clone)]
struct Segment {
    vaddr: u64,
    memsz: u64,
    /// Offset of the segment's bytes in the core file.
    offset: u64,
    /// Bytes of the segment that the core holds, after truncation of the file is accounted.
    present: u64,
    /// `p_filesz` as written in the header.
    filesz: u64,
    perms: Perms,
}

impl Segment {
    fn end(&self) -> u64 {
        self.vaddr.saturating_add(self.memsz)
    }
}

/// An ELF core file opened for reading.
pub struct CoreFile {
    path: PathBuf,
    map: Mmap,
    little_endian: bool,
    ptr_size: u8,
    segments: Vec<Segment>,
    info: ProcessInfo,
    files: FileResolver,
    diagnostics: Diagnostics,
    /// The segment of the last read: reads come in runs within one segment.
    last_segment: std::sync::atomic::AtomicUsize,
}

impl CoreFile {
    /// Opens and parses a core file. `files` finds the mapped files on this machine.
    pub fn open(path: &Path, files: FileResolver) -> Result<CoreFile, Error> {
        let file = File::open(path).map_err(|e| Error::Open {
            path: path.to_path_buf(),
            source: e,
        })?;
        // SAFETY: the map is read-only and private; a core that changes under us can only give
        // wrong bytes, which every reader already treats as untrusted.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::Open {
            path: path.to_path_buf(),
            source: e,
        })?;
        let mut core = Self::parse(map, path.to_path_buf(), files)?;
        core.check_truncation();
        let mut files = std::mem::replace(&mut core.files, FileResolver::none());
        files.learn_build_ids(&CoreOnly(&core));
        core.files = files;
        Ok(core)
    }

    /// Parses a core held in memory (tests and fuzzing); no files on disk are used.
    pub fn from_bytes(bytes: &[u8]) -> Result<CoreFile, Error> {
        let mut anon = memmap2::MmapMut::map_anon(bytes.len().max(1)).map_err(|e| Error::Open {
            path: PathBuf::from("<memory>"),
            source: e,
        })?;
        anon[..bytes.len()].copy_from_slice(bytes);
        let map = anon.make_read_only().map_err(|e| Error::Open {
            path: PathBuf::from("<memory>"),
            source: e,
        })?;
        let mut core = Self::parse(map, PathBuf::from("<memory>"), FileResolver::none())?;
        core.check_truncation();
        Ok(core)
    }

    fn parse(map: Mmap, path: PathBuf, mut files: FileResolver) -> Result<CoreFile, Error> {
        let data: &[u8] = &map;
        let not_core = |why: String| Error::NotACore {
            path: path.clone(),
            why,
        };
        if data.len() < 4 || &data[..4] != b"\x7fELF" {
            return Err(not_core(
                "it does not start with the ELF magic bytes".into(),
            ));
        }
        let hdr = goblin::elf::Elf::parse_header(data)
            .map_err(|e| not_core(format!("its ELF header is damaged ({e})")))?;
        if hdr.e_type != header::ET_CORE {
            return Err(not_core(format!(
                "it is an ELF file of type {} (an executable or library), not a core (type CORE)",
                header::et_to_str(hdr.e_type)
            )));
        }
        let little_endian = hdr.e_ident[header::EI_DATA] == header::ELFDATA2LSB;
        let ptr_size: u8 = if hdr.e_ident[header::EI_CLASS] == header::ELFCLASS64 {
            8
        } else {
            4
        };
        let ctx = goblin::container::Ctx::new(
            if ptr_size == 8 {
                goblin::container::Container::Big
            } else {
                goblin::container::Container::Little
            },
            if little_endian {
                goblin::container::Endian::Little
            } else {
                goblin::container::Endian::Big
            },
        );
        let phnum = hdr.e_phnum as usize;
        let phentsize = ProgramHeader::size(ctx) as u64;
        let ph_end = hdr
            .e_phoff
            .checked_add(phentsize.saturating_mul(phnum as u64))
            .filter(|&end| end <= data.len() as u64)
            .ok_or_else(|| {
                not_core(format!(
                    "its {phnum} program headers at offset {} go past the end of the file ({} bytes): the core is truncated right at its start",
                    hdr.e_phoff,
                    data.len()
                ))
            })?;
        let _ = ph_end;
        let phdrs = ProgramHeader::parse(data, hdr.e_phoff as usize, phnum, ctx)
            .map_err(|e| not_core(format!("its program headers cannot be parsed ({e})")))?;

        let mut segments = Vec::new();
        let mut notes: Vec<(u32, Vec<u8>)> = Vec::new();
        for ph in &phdrs {
            match ph.p_type {
                PT_LOAD => {
                    let avail = (data.len() as u64).saturating_sub(ph.p_offset);
                    segments.push(Segment {
                        vaddr: ph.p_vaddr,
                        memsz: ph.p_memsz.max(ph.p_filesz),
                        offset: ph.p_offset,
                        present: ph.p_filesz.min(avail),
                        filesz: ph.p_filesz,
                        perms: Perms {
                            read: ph.p_flags & goblin::elf::program_header::PF_R != 0,
                            write: ph.p_flags & PF_W != 0,
                            exec: ph.p_flags & goblin::elf::program_header::PF_X != 0,
                        },
                    });
                }
                PT_NOTE => {
                    let start = ph.p_offset as usize;
                    let end = ph
                        .p_offset
                        .saturating_add(ph.p_filesz)
                        .min(data.len() as u64) as usize;
                    if let Some(bytes) = data.get(start..end) {
                        parse_notes(bytes, little_endian, &mut notes);
                    }
                }
                _ => {}
            }
        }
        segments.sort_by_key(|s| s.vaddr);
        if segments.len() > limits::MAX_SEGMENTS {
            return Err(not_core(format!(
                "it claims {} memory segments",
                segments.len()
            )));
        }

        let arch = Arch::from_e_machine(hdr.e_machine);
        let mut info = ProcessInfo {
            arch: Some(arch),
            ..ProcessInfo::default()
        };
        let rd = NoteReader {
            le: little_endian,
            ptr: ptr_size,
        };
        for (ntype, desc) in &notes {
            match *ntype {
                NT_PRSTATUS => {
                    if let Some(t) = rd.prstatus(desc, arch) {
                        info.threads.push(t);
                    }
                }
                NT_ARM_TLS => {
                    // Follows the NT_PRSTATUS of its thread.
                    if let (Some(last), Some(tp)) = (info.threads.last_mut(), rd.word(desc, 0)) {
                        last.thread_pointer = Some(tp);
                    }
                }
                NT_PRPSINFO => rd.prpsinfo(desc, &mut info),
                NT_SIGINFO => {
                    if let Some(signo) = rd.u32(desc, 0) {
                        if signo != 0 {
                            info.signal = Some(signo);
                        }
                    }
                }
                NT_AUXV => {
                    let step = ptr_size as usize * 2;
                    let mut off = 0;
                    while off + step <= desc.len() && info.auxv.len() < limits::MAX_AUXV {
                        let (Some(k), Some(v)) =
                            (rd.word(desc, off), rd.word(desc, off + ptr_size as usize))
                        else {
                            break;
                        };
                        if k == 0 {
                            break;
                        }
                        info.auxv.push((k, v));
                        off += step;
                    }
                }
                NT_FILE => info.mapped_files = rd.nt_file(desc),
                _ => {}
            }
        }
        // A core written because of a signal has pr_cursig set (the kernel sets it in every
        // thread, and writes the thread that took the signal first). gcore leaves it 0 and
        // puts the SIGSTOP it attached with into NT_SIGINFO: that is no fatal signal.
        match info.threads.iter().find(|t| t.cursig != 0) {
            Some(t) => {
                info.crashed_tid = Some(t.tid);
                if info.signal.is_none() {
                    info.signal = Some(t.cursig);
                }
            }
            None => {
                info.crashed_tid = None;
                info.signal = None;
            }
        }
        if info.pid.is_none() {
            info.pid = info.threads.first().map(|t| t.tid);
        }
        if info.executable.is_none() {
            info.executable = executable_from_auxv(&info);
        }
        files.set_mappings(&info.mapped_files, info.executable.as_deref());

        Ok(CoreFile {
            path,
            map,
            little_endian,
            ptr_size,
            segments,
            info,
            files,
            diagnostics: Diagnostics::default(),
            last_segment: Default::default(),
        })
    }

    fn check_truncation(&mut self) {
        let file_len = self.map.len() as u64;
        let mut missing = 0u64;
        let mut count = 0usize;
        let mut first: Option<u64> = None;
        for s in &self.segments {
            if s.present < s.filesz {
                missing = missing.saturating_add(s.filesz - s.present);
                count += 1;
                first.get_or_insert(s.vaddr.saturating_add(s.present));
            }
        }
        if count > 0 {
            let needed = self
                .segments
                .iter()
                .map(|s| s.offset.saturating_add(s.filesz))
                .max()
                .unwrap_or(file_len);
            self.diagnostics.push(Diagnostic::new(
                "core_truncated",
                format!(
                    "the core file is {file_len} bytes but its segments need {needed}: {count} segment(s) are cut or missing ({} KiB of memory from {:#x} on); frames and objects in that memory cannot be shown",
                    missing / 1024,
                    first.unwrap_or(0)
                ),
            ));
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn process_info(&self) -> &ProcessInfo {
        &self.info
    }

    pub fn ptr_size(&self) -> u8 {
        self.ptr_size
    }

    pub fn little_endian(&self) -> bool {
        self.little_endian
    }

    pub fn size(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn files(&self) -> &FileResolver {
        &self.files
    }

    /// Diagnostics about the core itself, and about the files it maps.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut d = self.diagnostics.clone();
        d.extend(self.files.diagnostics());
        d.into_vec()
    }

    fn segment_index(&self, addr: u64) -> Option<usize> {
        use std::sync::atomic::Ordering::Relaxed;
        let last = self.last_segment.load(Relaxed);
        if let Some(s) = self.segments.get(last) {
            if s.vaddr <= addr && addr < s.end() {
                return Some(last);
            }
        }
        let i = self.segments.partition_point(|s| s.vaddr <= addr);
        let i = i.checked_sub(1)?;
        let hit = (addr < self.segments[i].end()).then_some(i)?;
        self.last_segment.store(hit, Relaxed);
        Some(hit)
    }

    /// Reads only what the core itself holds (no files on disk).
    pub fn read_core_only(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        self.read_impl(addr, buf, false)
    }

    fn read_impl(
        &self,
        addr: RemoteAddr,
        buf: &mut [u8],
        use_files: bool,
    ) -> Result<(), ReadError> {
        let total = buf.len() as u64;
        let fail = |failure| ReadError {
            addr,
            len: total,
            failure,
        };
        let mut done = 0usize;
        while done < buf.len() {
            let cur = addr
                .0
                .checked_add(done as u64)
                .ok_or(fail(ReadFailure::NotMapped))?;
            let want = buf.len() - done;
            let Some(i) = self.segment_index(cur) else {
                // Some mappings (e.g. VM_IO, or filtered by gcore) have no segment at all;
                // read-only file mappings can still come from the file.
                if use_files {
                    let n = self.files.read_available(RemoteAddr(cur), &mut buf[done..]);
                    if n > 0 {
                        done += n;
                        continue;
                    }
                }
                return Err(ReadError {
                    addr: RemoteAddr(cur),
                    len: total,
                    failure: ReadFailure::NotMapped,
                });
            };
            let seg = &self.segments[i];
            let pos = cur - seg.vaddr;
            let seg_left = seg.end() - cur;
            if pos < seg.present {
                let n = (seg.present - pos).min(want as u64) as usize;
                let src = seg
                    .offset
                    .checked_add(pos)
                    .and_then(|off| usize::try_from(off).ok())
                    .and_then(|off| self.map.get(off..off.checked_add(n)?))
                    .ok_or(fail(ReadFailure::NotInDump))?;
                buf[done..done + n].copy_from_slice(src);
                done += n;
                continue;
            }
            // Past what the core holds. Only read-only memory may come from the file on disk:
            // writable memory on disk is not what the process had.
            if use_files && !seg.perms.write {
                let n = want.min(seg_left as usize);
                let got = self
                    .files
                    .read_available(RemoteAddr(cur), &mut buf[done..done + n]);
                if got > 0 {
                    done += got;
                    continue;
                }
            }
            return Err(ReadError {
                addr: RemoteAddr(cur),
                len: total,
                failure: ReadFailure::NotInDump,
            });
        }
        Ok(())
    }
}

impl Memory for CoreFile {
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        self.read_impl(addr, buf, true)
    }

    fn regions(&self) -> Vec<Region> {
        self.segments
            .iter()
            .map(|s| Region {
                start: RemoteAddr(s.vaddr),
                end: RemoteAddr(s.end()),
                perms: s.perms,
                readable: s.present >= s.memsz
                    || (!s.perms.write && self.files.covers(RemoteAddr(s.vaddr))),
            })
            .collect()
    }
}

/// The core's own bytes, without files from disk.
struct CoreOnly<'a>(&'a CoreFile);

impl Memory for CoreOnly<'_> {
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        self.0.read_core_only(addr, buf)
    }
    fn regions(&self) -> Vec<Region> {
        self.0.regions()
    }
}

/// Walks a note segment: (namesz, descsz, type, name, desc), each padded to 4 bytes.
fn parse_notes(mut bytes: &[u8], le: bool, out: &mut Vec<(u32, Vec<u8>)>) {
    let u32_at = |b: &[u8], o: usize| -> Option<u32> {
        let a: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    };
    let pad4 = |n: usize| n.checked_add(3).map(|v| v & !3);
    while bytes.len() >= 12 && out.len() < limits::MAX_NOTES {
        let (Some(namesz), Some(descsz), Some(ntype)) =
            (u32_at(bytes, 0), u32_at(bytes, 4), u32_at(bytes, 8))
        else {
            return;
        };
        let Some(name_end) = pad4(namesz as usize).and_then(|n| n.checked_add(12)) else {
            return;
        };
        let Some(desc_end) = pad4(descsz as usize).and_then(|d| d.checked_add(name_end)) else {
            return;
        };
        let Some(desc) = bytes.get(name_end..name_end + descsz as usize) else {
            return;
        };
        let name = bytes.get(12..12 + namesz as usize).unwrap_or(&[]);
        // Core notes are named "CORE" (and "LINUX" for the extended register sets).
        if name.starts_with(b"CORE") || name.starts_with(b"LINUX") {
            out.push((ntype, desc.to_vec()));
        }
        bytes = bytes.get(desc_end.min(bytes.len())..).unwrap_or(&[]);
    }
}

/// Reads fields of note descriptors in the core's byte order and word size.
struct NoteReader {
    le: bool,
    ptr: u8,
}

impl NoteReader {
    fn u32(&self, b: &[u8], off: usize) -> Option<u32> {
        let a: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    fn u16(&self, b: &[u8], off: usize) -> Option<u16> {
        let a: [u8; 2] = b.get(off..off.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        })
    }

    fn word(&self, b: &[u8], off: usize) -> Option<u64> {
        if self.ptr == 4 {
            return self.u32(b, off).map(u64::from);
        }
        let a: [u8; 8] = b.get(off..off.checked_add(8)?)?.try_into().ok()?;
        Some(if self.le {
            u64::from_le_bytes(a)
        } else {
            u64::from_be_bytes(a)
        })
    }

    /// `struct elf_prstatus`: `pr_cursig` at 12, then `pr_pid` after the signal sets and the
    /// general registers after the four `timeval`s.
    fn prstatus(&self, d: &[u8], arch: Arch) -> Option<OsThread> {
        let w = self.ptr as usize;
        let pid_off = 12 + 4 + 2 * w; // elf_siginfo, cursig + pad, sigpend, sighold
        let reg_off = pid_off + 16 + 4 * 2 * w; // 4 pids, 4 timevals
        let tid = self.u32(d, pid_off)?;
        let cursig = u32::from(self.u16(d, 12).unwrap_or(0));
        let reg = |i: usize| self.word(d, reg_off + i * w);
        let (tp, pc, sp) = match arch {
            // user_regs_struct: ... rip = 16, rsp = 19, fs_base = 21.
            Arch::X86_64 if w == 8 => (reg(21), reg(16), reg(19)),
            // user_pt_regs: x0..x30, sp = 31, pc = 32; the thread pointer is in NT_ARM_TLS.
            Arch::Aarch64 => (None, reg(32), reg(31)),
            _ => (None, None, None),
        };
        Some(OsThread {
            tid,
            thread_pointer: tp,
            pc,
            sp,
            cursig,
        })
    }

    /// `struct elf_prpsinfo`: `pr_pid` and `pr_psargs` (the first 80 bytes of the command line).
    fn prpsinfo(&self, d: &[u8], info: &mut ProcessInfo) {
        let w = self.ptr as usize;
        // state, sname, zomb, nice (4 chars), flag (word), uid, gid (u32 each on 64-bit Linux).
        let (pid_off, fname_off) = if w == 8 { (24, 40) } else { (12, 28) };
        if let Some(pid) = self.u32(d, pid_off) {
            info.pid = Some(pid);
        }
        let psargs = d.get(fname_off + 16..fname_off + 16 + 80).unwrap_or(&[]);
        let end = psargs.iter().position(|&b| b == 0).unwrap_or(psargs.len());
        let args = String::from_utf8_lossy(&psargs[..end]);
        if !args.trim().is_empty() {
            info.argv = args
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
    }

    /// `NT_FILE`: count, page size, `count` × (start, end, page offset), then the names.
    fn nt_file(&self, d: &[u8]) -> Vec<MappedFile> {
        let w = self.ptr as usize;
        let (Some(count), Some(page)) = (self.word(d, 0), self.word(d, w)) else {
            return Vec::new();
        };
        let count = count as usize;
        let table = 2 * w;
        let Some(names_off) = count.checked_mul(3 * w).and_then(|n| n.checked_add(table)) else {
            return Vec::new();
        };
        if names_off > d.len() || count > limits::MAX_MAPPED_FILES {
            return Vec::new();
        }
        let mut names = d[names_off..].split(|&b| b == 0);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let base = table + i * 3 * w;
            let (Some(start), Some(end), Some(pgoff)) = (
                self.word(d, base),
                self.word(d, base + w),
                self.word(d, base + 2 * w),
            ) else {
                break;
            };
            let Some(name) = names.next() else { break };
            out.push(MappedFile {
                start: RemoteAddr(start),
                end: RemoteAddr(end),
                file_offset: pgoff.saturating_mul(page),
                path: String::from_utf8_lossy(name).into_owned(),
            });
        }
        out
    }
}

/// The executable's path: the mapped file that contains `AT_ENTRY`, else `AT_PHDR`.
fn executable_from_auxv(info: &ProcessInfo) -> Option<String> {
    const AT_PHDR: u64 = 3;
    const AT_ENTRY: u64 = 9;
    let find = |key| info.auxv.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    for addr in [find(AT_ENTRY), find(AT_PHDR)].into_iter().flatten() {
        if let Some(m) = info
            .mapped_files
            .iter()
            .find(|m| m.start.0 <= addr && addr < m.end.0)
        {
            return Some(m.path.clone());
        }
    }
    None
}
