//! The files a process had mapped, found on this machine.
//!
//! Read-only pages that the kernel or gcore left out of a core are read from these files
//! (relocated under `--sysroot`, checked against the build-id the core still holds); the
//! symbols layer reads their symbol tables.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use memmap2::Mmap;

use super::{Memory, RemoteAddr};
use crate::diag::{Diagnostic, Diagnostics};

/// One file mapping of the process (`NT_FILE` entry or a line of `/proc/PID/maps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedFile {
    pub start: RemoteAddr,
    pub end: RemoteAddr,
    /// Offset in the file of the byte mapped at `start`.
    pub file_offset: u64,
    /// Path as the process saw it.
    pub path: String,
}

/// A file found on this machine for a path of the process.
pub struct LocalFile {
    /// Where it was found here.
    pub local_path: PathBuf,
    pub map: Mmap,
    /// Whether its build-id was compared with the one in the dump and matched.
    pub verified: bool,
}

struct Entry {
    /// Path as the process saw it (without a " (deleted)" suffix).
    path: String,
    /// Build-id read from the dump's own copy of the ELF headers, when it was there.
    expected_build_id: Option<Vec<u8>>,
    local: OnceLock<Result<Arc<LocalFile>, Option<Diagnostic>>>,
    /// The failure to open it was reported (once: reads of its pages ask again and again).
    reported: AtomicBool,
}

/// Finds and opens the files of the process's mappings, once each.
pub struct FileResolver {
    sysroot: Option<PathBuf>,
    exe_override: Option<PathBuf>,
    enabled: bool,
    executable: Option<String>,
    mappings: Vec<MappedFile>,
    /// For each mapping, its index in `entries`.
    entry_of: Vec<usize>,
    entries: Vec<Entry>,
    diagnostics: Mutex<Diagnostics>,
}

impl FileResolver {
    /// Files are looked up at their original paths, under `sysroot` when given; the executable
    /// at `exe_override` when given.
    pub fn new(sysroot: Option<PathBuf>, exe_override: Option<PathBuf>) -> Self {
        FileResolver {
            sysroot,
            exe_override,
            enabled: true,
            executable: None,
            mappings: Vec::new(),
            entry_of: Vec::new(),
            entries: Vec::new(),
            diagnostics: Mutex::new(Diagnostics::default()),
        }
    }

    /// A resolver that never opens a file (fuzzing, or when only the dump is to be used).
    pub fn none() -> Self {
        let mut r = Self::new(None, None);
        r.enabled = false;
        r
    }

    pub(crate) fn set_mappings(&mut self, mappings: &[MappedFile], executable: Option<&str>) {
        let mut mappings = mappings.to_vec();
        mappings.sort_by_key(|m| m.start);
        let mut index: HashMap<String, usize> = HashMap::new();
        self.entry_of.clear();
        self.entries.clear();
        for m in &mappings {
            let path = m
                .path
                .strip_suffix(" (deleted)")
                .unwrap_or(&m.path)
                .to_string();
            let i = *index.entry(path.clone()).or_insert_with(|| {
                self.entries.push(Entry {
                    path,
                    expected_build_id: None,
                    local: OnceLock::new(),
                    reported: AtomicBool::new(false),
                });
                self.entries.len() - 1
            });
            self.entry_of.push(i);
        }
        self.mappings = mappings;
        self.executable = executable.map(|e| e.strip_suffix(" (deleted)").unwrap_or(e).to_string());
    }

    /// Reads the build-ids that the dump itself holds (the ELF header pages), so that files
    /// found on disk can be checked against them. `mem` must read the dump only.
    pub(crate) fn learn_build_ids(&mut self, mem: &dyn Memory) {
        for (i, e) in self.entries.iter_mut().enumerate() {
            let Some(base) = self
                .mappings
                .iter()
                .zip(&self.entry_of)
                .find(|(m, &ei)| ei == i && m.file_offset == 0)
                .map(|(m, _)| m.start)
            else {
                continue;
            };
            e.expected_build_id = crate::symbols::build_id_in_memory(mem, base);
        }
    }

    /// All mappings, sorted by address.
    pub fn mappings(&self) -> &[MappedFile] {
        &self.mappings
    }

    /// Distinct paths of mapped files, in address order of their first mapping.
    pub fn paths(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.path.as_str()).collect()
    }

    /// The path of the executable, as the process saw it.
    pub fn executable(&self) -> Option<&str> {
        self.executable.as_deref()
    }

    /// Whether some mapping covers `addr`.
    pub fn covers(&self, addr: RemoteAddr) -> bool {
        self.mapping_index(addr).is_some()
    }

    fn mapping_index(&self, addr: RemoteAddr) -> Option<usize> {
        let i = self
            .mappings
            .partition_point(|m| m.start <= addr)
            .checked_sub(1)?;
        (addr < self.mappings[i].end).then_some(i)
    }

    /// Where the process's `path` is on this machine.
    fn local_candidates(&self, path: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if self.executable.as_deref() == Some(path) {
            if let Some(exe) = &self.exe_override {
                out.push(exe.clone());
                return out;
            }
        }
        match &self.sysroot {
            Some(root) => out.push(root.join(path.trim_start_matches('/'))),
            None => out.push(PathBuf::from(path)),
        }
        out
    }

    fn note(&self, d: Diagnostic) {
        if let Ok(mut g) = self.diagnostics.lock() {
            g.push(d);
        }
    }

    /// Opens entry `i` once; a failure is reported as a diagnostic when `report` (the first
    /// time a caller that needs the file asks; probes don't report).
    fn open_entry(&self, i: usize, report: bool) -> Option<Arc<LocalFile>> {
        let e = self.entries.get(i)?;
        let result = e.local.get_or_init(|| self.find_local(e));
        match result {
            Ok(f) => Some(f.clone()),
            Err(d) => {
                if report && !e.reported.swap(true, Ordering::Relaxed) {
                    if let Some(d) = d {
                        self.note(d.clone());
                    }
                }
                None
            }
        }
    }

    /// Finds the file of `e` here and checks its build-id; the error is the diagnostic to
    /// give (none when files are off).
    fn find_local(&self, e: &Entry) -> Result<Arc<LocalFile>, Option<Diagnostic>> {
        if !self.enabled {
            return Err(None);
        }
        let mut tried = Vec::new();
        for cand in self.local_candidates(&e.path) {
            let Ok(file) = File::open(&cand) else {
                tried.push(cand.display().to_string());
                continue;
            };
            // SAFETY: read-only private map of a file; its bytes are treated as untrusted.
            let Ok(map) = (unsafe { Mmap::map(&file) }) else {
                tried.push(cand.display().to_string());
                continue;
            };
            let found = crate::symbols::build_id_in_file(&map);
            let verified = match (&e.expected_build_id, &found) {
                (Some(want), Some(got)) if want != got => {
                    return Err(Some(Diagnostic::new(
                        "build_id_mismatch",
                        format!(
                            "{} is not the file the process had mapped as {} (build-id {} here, {} in the dump); it is not used, so pages and symbols from it are missing — give the right file with --sysroot or --exe",
                            cand.display(),
                            e.path,
                            hex(got),
                            hex(want)
                        ),
                    )));
                }
                (Some(_), Some(_)) => true,
                _ => false,
            };
            return Ok(Arc::new(LocalFile {
                local_path: cand,
                map,
                verified,
            }));
        }
        Err(Some(Diagnostic::new(
            "file_missing",
            format!(
                "{} is not on this machine (looked at {}); read-only pages and symbols it holds are missing — use --sysroot to point at a copy of the server's files",
                e.path,
                tried.join(", ")
            ),
        )))
    }

    /// Opens the file the process had mapped at `path`; says so in a diagnostic when it
    /// can't.
    pub fn open(&self, path: &str) -> Option<Arc<LocalFile>> {
        let i = self.entries.iter().position(|e| e.path == path)?;
        self.open_entry(i, true)
    }

    /// Like [`FileResolver::open`], for a file that is only looked into in passing: no
    /// diagnostic when it's missing.
    pub fn probe(&self, path: &str) -> Option<Arc<LocalFile>> {
        let i = self.entries.iter().position(|e| e.path == path)?;
        self.open_entry(i, false)
    }

    /// Copies bytes of read-only file mappings at `addr` into `buf`, as far as one mapping
    /// goes; returns how many bytes were copied (0 when none).
    pub(crate) fn read_available(&self, addr: RemoteAddr, buf: &mut [u8]) -> usize {
        let Some(mi) = self.mapping_index(addr) else {
            return 0;
        };
        let m = &self.mappings[mi];
        let Some(local) = self.open_entry(self.entry_of[mi], true) else {
            return 0;
        };
        let within = addr.0 - m.start.0;
        let Some(off) = m.file_offset.checked_add(within) else {
            return 0;
        };
        let n = (buf.len() as u64).min(m.end.0 - addr.0) as usize;
        let Ok(off) = usize::try_from(off) else {
            return 0;
        };
        let Some(src) = local
            .map
            .get(off..off.saturating_add(n).min(local.map.len()))
        else {
            return 0;
        };
        buf[..src.len()].copy_from_slice(src);
        src.len()
    }

    /// Diagnostics collected while opening files.
    pub fn diagnostics(&self) -> Diagnostics {
        self.diagnostics
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
