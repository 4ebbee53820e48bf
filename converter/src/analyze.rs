//! The whole flow for one target: open the source, find the interpreter, read the threads,
//! add the source lines.

use std::path::PathBuf;

use crate::cpython::{self, ReadOptions};
use crate::diag::Diagnostic;
use crate::error::Error;
use crate::model::{Snapshot, SourceInfo};
use crate::source::{CoreFile, FileResolver, LiveProcess, Memory};
use crate::source_text::fill_source_lines;

/// Where the files the process had mapped are on this machine.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// Root under which the process's paths are looked up (a copy of the server's files).
    pub sysroot: Option<PathBuf>,
    /// The executable, when it is not at its original path.
    pub exe: Option<PathBuf>,
}

/// Reads a core file.
pub fn snapshot_core(
    path: &std::path::Path,
    files: &FileOptions,
    opts: &ReadOptions,
) -> Result<Snapshot, Error> {
    let (core, target) = open_core(path, files)?;
    read_core(&core, path, &target, opts)
}

/// The snapshot of an open core.
pub(crate) fn read_core(
    core: &CoreFile,
    path: &std::path::Path,
    target: &str,
    opts: &ReadOptions,
) -> Result<Snapshot, Error> {
    let mut snap = match cpython::read_snapshot(
        &core,
        core.files(),
        core.process_info(),
        core.ptr_size(),
        core.little_endian(),
        target,
        opts,
    ) {
        Ok(s) => s,
        Err(e) => return Err(with_core_context(e, core)),
    };
    let mut diags = core.diagnostics();
    diags.append(&mut snap.diagnostics);
    snap.diagnostics = diags;
    snap.source = SourceInfo {
        kind: "core".into(),
        path: Some(path.display().to_string()),
        pid: None,
    };
    fill_source_lines(&mut snap);
    Ok(snap)
}

/// The core at `path`, and how errors name it.
pub(crate) fn open_core(
    path: &std::path::Path,
    files: &FileOptions,
) -> Result<(CoreFile, String), Error> {
    let resolver = FileResolver::new(files.sysroot.clone(), files.exe.clone());
    let core = CoreFile::open(path, resolver)?;
    Ok((core, format!("the core {}", path.display())))
}

/// When the interpreter can't be found in a damaged core, say that the damage is why.
fn with_core_context(e: Error, core: &CoreFile) -> Error {
    let damage: Vec<Diagnostic> = core
        .diagnostics()
        .into_iter()
        .filter(|d| d.code == "core_truncated")
        .collect();
    match (e, damage.first()) {
        (Error::NotPython { target, why }, Some(d)) => Error::NotPython {
            target,
            why: format!("{why} Note: {}.", d.message),
        },
        (e, _) => e,
    }
}

/// The class histogram of a core's whole heap.
pub fn histogram_core(
    path: &std::path::Path,
    files: &FileOptions,
    opts: &ReadOptions,
) -> Result<
    (
        crate::cpython::heap::Histogram,
        crate::model::PythonInfo,
        Vec<Diagnostic>,
    ),
    Error,
> {
    let (core, target) = open_core(path, files)?;
    let (h, py, mut d) = cpython::read_histogram(
        &core,
        core.files(),
        core.ptr_size(),
        core.little_endian(),
        &target,
        opts,
    )
    .map_err(|e| with_core_context(e, &core))?;
    let mut diags = core.diagnostics();
    diags.append(&mut d);
    Ok((h, py, diags))
}

/// Reads a live process; with `pause`, its threads are stopped only while it is read.
pub fn snapshot_live(
    pid: u32,
    pause: bool,
    files: &FileOptions,
    opts: &ReadOptions,
) -> Result<Snapshot, Error> {
    let mut proc = LiveProcess::attach(pid, pause, files.sysroot.clone())?;
    read_live(&mut proc, pid, pause, opts)
}

/// The snapshot of an attached process; its threads are resumed before this returns.
pub(crate) fn read_live(
    proc: &mut LiveProcess,
    pid: u32,
    pause: bool,
    opts: &ReadOptions,
) -> Result<Snapshot, Error> {
    let target = format!("process {pid}");
    let ptr_size = if cfg!(target_pointer_width = "64") {
        8
    } else {
        4
    };
    let mem: &dyn Memory = &*proc;
    let result = cpython::read_snapshot(
        mem,
        proc.files(),
        proc.process_info(),
        ptr_size,
        cfg!(target_endian = "little"),
        &target,
        opts,
    );
    let paused = proc.is_paused();
    proc.resume();
    let mut snap = result?;
    let mut diags = proc.files().diagnostics().into_vec();
    if pause && !paused {
        diags.push(Diagnostic::new(
            "not_paused",
            format!("process {pid} could not be stopped with ptrace while it was read, so its stacks may be inconsistent (check /proc/sys/kernel/yama/ptrace_scope, or run as root)"),
        ));
    }
    diags.append(&mut snap.diagnostics);
    snap.diagnostics = diags;
    snap.source = SourceInfo {
        kind: "live".into(),
        path: None,
        pid: Some(pid),
    };
    fill_source_lines(&mut snap);
    Ok(snap)
}

/// Any bytes as a core, through the reader and the CPython walkers, touching every accessor.
/// For the fuzzer and the property tests: must return, never panic.
pub fn exercise_core_bytes(data: &[u8]) {
    let Ok(core) = CoreFile::from_bytes(data) else {
        return;
    };
    let _ = core.diagnostics();
    let mut buf = [0u8; 16];
    for r in core.regions() {
        let _ = core.read_exact(r.start, &mut buf);
        let _ = core.read_exact(
            crate::source::RemoteAddr(r.end.0.saturating_sub(8)),
            &mut buf,
        );
    }
    let opts = ReadOptions::default();
    if let Ok(snap) = cpython::read_snapshot(
        &core,
        core.files(),
        core.process_info(),
        core.ptr_size(),
        core.little_endian(),
        "fuzz input",
        &opts,
    ) {
        let _ = crate::views::json::to_json(&snap, crate::limits::ReprLimits::JSON);
        let _ = crate::views::text::to_text(
            &snap,
            crate::views::text::TextOptions {
                locals: true,
                limits: crate::limits::ReprLimits::HUMAN,
            },
        );
    }
}

/// Any bytes as a memory image (mapped at 0x10000), walked as an object graph from an address
/// inside it with the layout of one of the supported versions: for the fuzzer. The first byte
/// picks the version, the next two the root's offset.
pub fn exercise_object_bytes(data: &[u8]) {
    use crate::cpython::layout::KNOWN_TABLES;
    use crate::cpython::objects::{CollectLimits, Collector, ObjReader};
    use crate::cpython::FrameReader;
    use crate::source::{Perms, ReadError, ReadFailure, Reader, Region, RemoteAddr};

    struct Image<'d>(&'d [u8]);
    const BASE: u64 = 0x10000;
    impl Memory for Image<'_> {
        fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
            let fail = ReadError {
                addr,
                len: buf.len() as u64,
                failure: ReadFailure::NotMapped,
            };
            let off = addr.0.checked_sub(BASE).ok_or(fail)? as usize;
            let src = self
                .0
                .get(off..off.checked_add(buf.len()).ok_or(fail)?)
                .ok_or(fail)?;
            buf.copy_from_slice(src);
            Ok(())
        }
        fn regions(&self) -> Vec<Region> {
            vec![Region {
                start: RemoteAddr(BASE),
                end: RemoteAddr(BASE + self.0.len() as u64),
                perms: Perms {
                    read: true,
                    write: true,
                    exec: false,
                },
                readable: true,
            }]
        }
    }
    let (Some(&pick), Some(lo), Some(hi)) = (data.first(), data.get(1), data.get(2)) else {
        return;
    };
    let Some(layout) = KNOWN_TABLES.get(pick as usize % KNOWN_TABLES.len()) else {
        return;
    };
    let image = Image(data);
    let rd = ObjReader::new(Reader::new(&image, 8, true), layout);
    let fr = FrameReader::new(&rd);
    let mut graph = crate::model::ObjectGraph::default();
    let limits = CollectLimits {
        max_depth: 8,
        max_items: 64,
        max_string: 256,
        max_objects: 2000,
        max_bytes: 1 << 20,
    };
    let root = RemoteAddr(BASE + ((u64::from(*hi) << 8 | u64::from(*lo)) & !7));
    let id = Collector::new(&fr, &mut graph, limits).root(root);
    let _ = crate::views::repr::render(&graph, id, crate::limits::ReprLimits::JSON);
    let snap = Snapshot {
        objects: graph,
        ..Snapshot::default()
    };
    let _ = crate::views::json::object_json(&snap, id, crate::limits::ReprLimits::JSON);
    let _ = crate::views::text::object_text(
        &snap,
        id,
        crate::views::text::TextOptions {
            locals: true,
            limits: crate::limits::ReprLimits::HUMAN,
        },
    );
    let mut d = crate::diag::Diagnostics::default();
    let _ =
        crate::cpython::heap::histogram(&rd, RemoteAddr(BASE), &[RemoteAddr(BASE + 64)], &mut d);
}

/// Any bytes as a dump file (after a valid header when they don't start with one, so the
/// chunks are what varies), through every accessor and view. For the fuzzer: must return,
/// never panic.
pub fn exercise_dump_bytes(data: &[u8]) {
    use crate::format::{DumpFile, MAGIC, MAJOR, MINOR};
    let mut bytes = Vec::with_capacity(data.len() + 16);
    if !data.starts_with(&MAGIC) {
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&MAJOR.to_le_bytes());
        bytes.extend_from_slice(&MINOR.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
    }
    bytes.extend_from_slice(data);
    let Ok(d) = DumpFile::from_bytes(std::path::Path::new("fuzz input"), bytes) else {
        return;
    };
    let _ = d.meta();
    let _ = d.threads();
    let _ = d.roots();
    let _ = d.sources();
    let _ = d.histogram();
    let _ = d.chunk_sizes();
    let _ = crate::views::info::info_json(&d);
    if let Ok(ids) = d.suspended() {
        let _ = d.objects_near(&ids, 4, 64);
    }
    if let Ok(s) = d.snapshot() {
        let _ = crate::views::json::to_json(&s, crate::limits::ReprLimits::JSON);
        let _ = crate::views::text::to_text(
            &s,
            crate::views::text::TextOptions {
                locals: true,
                limits: crate::limits::ReprLimits::HUMAN,
            },
        );
        for o in s.objects.iter().take(64) {
            let _ = crate::views::json::object_json(&s, o.id, crate::limits::ReprLimits::JSON);
        }
    }
}
