//! Conversion: a core or a live process read once, written as a portable dump file with
//! everything the views need (threads, frames, objects, source text, diagnostics, and with
//! `--heap` the class histogram).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::analyze::{open_core, read_core, read_live, FileOptions};
use crate::cpython::{self, ReadOptions};
use crate::diag::Diagnostic;
use crate::error::Error;
use crate::format::{
    write_dump, Binary, DiagRecord, DumpContents, FormatError, HeapRecord, LimitsUsed, Meta,
    Platform, RedactionInfo, Redactor, SourceFile, SourceIdentity, WriteOptions, WriteSummary,
};
use crate::model::Snapshot;
use crate::source::{LiveProcess, MappedFile, Memory, ProcessInfo, RemoteAddr};

/// What to put in the dump besides what `ReadOptions` reads.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    pub read: ReadOptions,
    /// Also walk the whole heap and store its class histogram (`stats` on the dump).
    pub heap: bool,
    /// Redact secret-looking values (`None`: keep everything, `--no-redact`).
    pub redact: Option<Redactor>,
    /// `OLD=NEW` prefixes: a frame's file under OLD is read from NEW.
    pub source_roots: Vec<(String, String)>,
    pub write: WriteOptions,
}

/// Why a conversion failed: reading the source, or writing the file.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error(transparent)]
    Read(#[from] Error),
    #[error(transparent)]
    Write(#[from] FormatError),
}

/// What was converted: the file written and the diagnostics it holds.
#[derive(Debug, Clone)]
pub struct Converted {
    pub summary: WriteSummary,
    pub diagnostics: Vec<Diagnostic>,
    pub redacted: Vec<String>,
}

/// Converts the core at `core_path` into a dump at `out`.
pub fn convert_core(
    core_path: &Path,
    files: &FileOptions,
    opts: &ConvertOptions,
    out: &Path,
) -> Result<Converted, ConvertError> {
    let (core, target) = open_core(core_path, files)?;
    let read = ReadOptions {
        environ: true,
        class_namespaces: true,
        ..opts.read.clone()
    };
    let snap = read_core(&core, core_path, &target, &read)?;
    let histogram = if opts.heap {
        let (h, _, d) = cpython::read_histogram(
            &core,
            core.files(),
            core.ptr_size(),
            core.little_endian(),
            &target,
            &read,
        )?;
        Some((h, d))
    } else {
        None
    };
    let identity = SourceIdentity {
        kind: "core".into(),
        path: Some(core_path.display().to_string()),
        size: std::fs::metadata(core_path).ok().map(|m| m.len()),
        head_sha256: head_sha256(core_path),
        pid: None,
    };
    let platform = platform(core.process_info(), core.ptr_size(), core.little_endian());
    let binaries = binaries(&core, &core.process_info().mapped_files);
    finish(snap, histogram, identity, platform, binaries, opts, out)
}

/// Converts the live process `pid` into a dump at `out`.
pub fn convert_live(
    pid: u32,
    pause: bool,
    files: &FileOptions,
    opts: &ConvertOptions,
    out: &Path,
) -> Result<Converted, ConvertError> {
    let mut proc = LiveProcess::attach(pid, pause, files.sysroot.clone())?;
    let read = ReadOptions {
        environ: true,
        class_namespaces: true,
        ..opts.read.clone()
    };
    let mut snap = read_live(&mut proc, pid, pause, &read)?;
    snap.process.cwd = std::fs::read_link(format!("/proc/{pid}/cwd"))
        .ok()
        .map(|p| p.display().to_string());
    let ptr_size = if cfg!(target_pointer_width = "64") {
        8
    } else {
        4
    };
    let identity = SourceIdentity {
        kind: "live".into(),
        pid: Some(pid),
        ..Default::default()
    };
    let platform = platform(
        proc.process_info(),
        ptr_size,
        cfg!(target_endian = "little"),
    );
    let binaries = binaries(&proc, &proc.process_info().mapped_files);
    let histogram = if opts.heap {
        // Walked after the threads were read and the process resumed: it keeps running, so
        // the counts are those of a moment later, and may be inconsistent.
        let target = format!("process {pid}");
        let (h, _, mut d) = cpython::read_histogram(
            &proc,
            proc.files(),
            ptr_size,
            cfg!(target_endian = "little"),
            &target,
            &read,
        )?;
        d.push(Diagnostic::info(
            "heap_while_running",
            "the heap histogram of a live process is counted while it runs: counts may be off by what it allocated or freed meanwhile",
        ));
        Some((h, d))
    } else {
        None
    };
    finish(snap, histogram, identity, platform, binaries, opts, out)
}

/// Writes a snapshot already read (a debugger's target read through its memory callback).
pub fn convert_snapshot(
    snap: Snapshot,
    pid: Option<u32>,
    opts: &ConvertOptions,
    out: &Path,
) -> Result<Converted, ConvertError> {
    let identity = SourceIdentity {
        kind: "debugger".into(),
        pid,
        ..Default::default()
    };
    let platform = Platform {
        os: "linux".into(),
        arch: "unknown".into(),
        ptr_size: 8,
        little_endian: true,
    };
    finish(snap, None, identity, platform, Vec::new(), opts, out)
}

fn finish(
    mut snap: Snapshot,
    histogram: Option<(crate::cpython::heap::Histogram, Vec<Diagnostic>)>,
    source: SourceIdentity,
    platform: Platform,
    binaries: Vec<Binary>,
    opts: &ConvertOptions,
    out: &Path,
) -> Result<Converted, ConvertError> {
    let histogram = histogram.map(|(histogram, d)| HeapRecord {
        histogram,
        diagnostics: d.iter().map(DiagRecord::from_diagnostic).collect(),
    });
    let sources = read_sources(&mut snap, &opts.source_roots);
    let (names, values) = match &opts.redact {
        Some(r) => r.apply(&mut snap),
        None => (Vec::new(), 0),
    };
    let limits = opts.read.objects;
    let library = snap.python.as_ref().and_then(|p| p.library.clone());
    let meta = Meta {
        producer: crate::PRODUCER.to_string(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        source,
        platform,
        python: snap.python.clone(),
        python_shared: library.as_deref().map(|l| {
            Path::new(l)
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libpython"))
        }),
        python_debug: snap
            .python
            .as_ref()
            .and_then(|p| p.layout.contains("debug").then_some(true)),
        // Free-threaded interpreters are refused before this point.
        python_free_threaded: false,
        binaries,
        process: snap.process.clone(),
        limits: LimitsUsed {
            max_depth: limits.max_depth as u64,
            max_items: limits.max_items as u64,
            max_string: limits.max_string as u64,
            max_objects: limits.max_objects as u64,
            max_bytes: limits.max_bytes,
        },
        redaction: RedactionInfo {
            enabled: opts.redact.is_some(),
            pattern: opts
                .redact
                .as_ref()
                .map(|r| r.pattern().to_string())
                .unwrap_or_default(),
            names: names.clone(),
            values,
        },
        has_histogram: histogram.is_some(),
    };
    let diagnostics = snap.diagnostics.clone();
    let contents = DumpContents {
        snapshot: snap,
        meta,
        sources,
        histogram,
    };
    let summary = write_dump(out, &contents, opts.write)?;
    Ok(Converted {
        summary,
        diagnostics,
        redacted: names,
    })
}

/// SHA-256 of the first MiB of a file, hex.
fn head_sha256(path: &Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    let digest = Sha256::digest(&buf[..n]);
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn platform(info: &ProcessInfo, ptr_size: u8, little_endian: bool) -> Platform {
    Platform {
        os: "linux".into(),
        arch: info
            .arch
            .map(|a| a.name())
            .unwrap_or_else(|| "unknown".into()),
        ptr_size,
        little_endian,
    }
}

/// The executable and the Python libraries mapped, each with the build-id read from its
/// first page in memory.
fn binaries(mem: &dyn Memory, maps: &[MappedFile]) -> Vec<Binary> {
    let mut out: Vec<Binary> = Vec::new();
    for m in maps.iter().filter(|m| m.file_offset == 0) {
        let name = Path::new(&m.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !(name.starts_with("python") || name.starts_with("libpython")) {
            continue;
        }
        if out.iter().any(|b| b.path == m.path) {
            continue;
        }
        let build_id = crate::symbols::build_id_in_memory(mem, RemoteAddr(m.start.0))
            .map(|id| id.iter().map(|b| format!("{b:02x}")).collect());
        out.push(Binary {
            path: m.path.clone(),
            build_id,
        });
    }
    out
}

/// The text of every file a frame points into (threads' frames and suspended generators'),
/// read now; a diagnostic for each absolute path that can't be read.
fn read_sources(snap: &mut Snapshot, roots: &[(String, String)]) -> Vec<SourceFile> {
    let paths: BTreeSet<String> = snap.frames().map(|f| f.file.clone()).collect();
    let mut out = Vec::new();
    for path in paths {
        // `<frozen importlib._bootstrap>`, `<string>`: not files.
        if !path.starts_with('/') {
            continue;
        }
        // By whole components: `/app=/src` maps `/app/x.py`, not `/application/x.py`.
        let mapped = roots.iter().find_map(|(old, new)| {
            let rest = Path::new(&path).strip_prefix(old).ok()?;
            Some(Path::new(new).join(rest).display().to_string())
        });
        let from = mapped.clone().unwrap_or_else(|| path.clone());
        let text = crate::source_text::read_text(&from);
        if text.is_none() {
            snap.diagnostics.push(Diagnostic::new(
                "source_missing",
                format!(
                    "the source file {from} could not be read, so the dump has no text for {path}; use --source-root OLD=NEW if the code is elsewhere on this machine"
                ),
            ));
        }
        out.push(SourceFile {
            path,
            read_from: mapped,
            text,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--source-root OLD=NEW` maps whole path components.
    #[test]
    fn source_roots_map_whole_components() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("x.py"), "print(1)\n").expect("write");
        let mut snap = crate::views::text::tests::sample();
        let files = ["/app/x.py", "/application/x.py"];
        for (f, file) in snap.threads[0].frames.iter_mut().zip(files) {
            f.file = file.into();
        }
        let new = dir.path().display().to_string();
        let sources = read_sources(&mut snap, &[("/app".into(), new.clone())]);
        let x = sources.iter().find(|s| s.path == "/app/x.py").expect("x");
        assert_eq!(x.read_from.as_deref(), Some(format!("{new}/x.py").as_str()));
        assert_eq!(x.text.as_deref(), Some("print(1)\n"));
        let other = sources.iter().find(|s| s.path == "/application/x.py");
        assert_eq!(other.map(|s| s.read_from.is_none()), Some(true));
    }
}
