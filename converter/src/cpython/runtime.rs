//! Finding `_PyRuntime`, the version, and the layout to read them with.

use crate::diag::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::limits;
use std::ops::ControlFlow;

use crate::source::scan;
use crate::source::{FileResolver, Memory, Reader, RemoteAddr};
use crate::symbols::{self, Module};

use super::layout::{
    read_debug_offsets, table_for, DebugOffsets, Layout, DEBUG_COOKIE, KNOWN_TABLES,
};
use super::version::{find_version_string, version_from_file_name, PyVersion, VersionSource};

/// What the user may tell about the interpreter.
#[derive(Debug, Clone, Default)]
pub struct LocateOptions {
    /// `--python-version 3.X[.Y]`: skip detection.
    pub version: Option<PyVersion>,
}

/// The interpreter found in a process.
pub struct Located {
    pub runtime: RemoteAddr,
    pub version: PyVersion,
    pub version_source: VersionSource,
    pub layout: Layout,
    /// `table 3.X` or `debug_offsets 3.X (+ table 3.Y)`.
    pub layout_desc: String,
    /// The file that holds the interpreter, as the process saw it.
    pub library: Option<String>,
    pub module: Option<Module>,
    pub diagnostics: Diagnostics,
}

/// Finds the interpreter in `mem`.
pub fn locate(
    mem: &dyn Memory,
    files: &FileResolver,
    ptr_size: u8,
    little_endian: bool,
    target: &str,
    opts: &LocateOptions,
) -> Result<Located, Error> {
    let r = Reader::new(mem, ptr_size, little_endian);
    let mut diags = Diagnostics::default();
    let module = symbols::find_python_module(files);

    // 1. _PyRuntime: from the symbol tables, else by the 3.13+ cookie in writable memory.
    let mut runtime = module.as_ref().and_then(|m| m.symbol("_PyRuntime"));
    if runtime.is_none() {
        if let Some(addr) = scan_for_cookie(mem) {
            diags.push(Diagnostic::info(
                "runtime_by_cookie",
                format!("_PyRuntime was found at {addr} by its `xdebugpy` cookie, without symbols"),
            ));
            runtime = Some(addr);
        }
    }
    // Found without debug offsets, kept: finding it may have scanned all writable memory.
    let mut version_found = None;
    if runtime.is_none() {
        // No symbols and no cookie (3.8-3.12 without their library here): the version from
        // the sys.version text or the library's name picks a table, and the table tells what
        // _PyRuntime looks like in the library's writable data.
        version_found = detect_version(&r, mem, module.as_ref(), None, files, opts);
        if let Some((v, _)) = version_found {
            if let Some(t) = table_for(v.major, v.minor, ptr_size) {
                if let Some(addr) = scan_for_runtime(&r, mem, files, t) {
                    diags.push(Diagnostic::info(
                        "runtime_by_structure",
                        format!(
                            "_PyRuntime was found at {addr} without symbols, by the shape of its interpreter and thread lists (layout {}.{})",
                            t.version.0, t.version.1
                        ),
                    ));
                    runtime = Some(addr);
                }
            }
        }
    }
    let Some(runtime) = runtime else {
        return Err(Error::NotPython {
            target: target.to_string(),
            why: explain_missing_runtime(files),
        });
    };

    // 2. The version.
    let debug = read_debug_offsets(&r, runtime);
    if debug.as_ref().is_some_and(|d| d.free_threaded) {
        return Err(Error::UnsupportedVersion {
            version: debug
                .as_ref()
                .map(|d| format!("{} (free-threaded)", PyVersion::from_hex(d.version_hex)))
                .unwrap_or_default(),
            why: "free-threaded builds (--disable-gil) keep objects, reference counts and thread states differently, and hd does not read them yet; a core of a build with the GIL can be read".into(),
        });
    }
    let version = match (&debug, version_found) {
        (None, Some(found)) => Some(found),
        _ => detect_version(&r, mem, module.as_ref(), debug.as_ref(), files, opts),
    };
    let (version, version_source) = match version {
        Some(v) => v,
        None => {
            return Err(Error::NotPython {
                target: target.to_string(),
                why: "_PyRuntime was found but the Python version could not be determined: no Py_Version constant, no _Py_DebugOffsets, no sys.version text in memory and no version in the library's name. Give it with --python-version 3.X.".into(),
            })
        }
    };
    diags.push(Diagnostic::info(
        "version_found",
        format!("Python {version}, from {}", version_source.describe()),
    ));
    if !version.is_supported() {
        return Err(Error::UnsupportedVersion {
            version: version.to_string(),
            why: "hd reads CPython 3.8 and newer. For older versions use gdb with the interpreter's libpython.py.".into(),
        });
    }

    // 3. The layout: the table for this version, overridden by the debug offsets where present.
    let table = table_for(version.major, version.minor, ptr_size);
    let (layout, layout_desc) = match (&debug, table) {
        (Some(d), Some(t)) => {
            let mut l = t.clone();
            let changed = d.apply(&mut l);
            if !changed.is_empty() {
                diags.push(Diagnostic::new(
                    "layout_mismatch",
                    format!(
                        "_Py_DebugOffsets in the dump differ from the built-in table for {}.{} ({}); the dump's values are used",
                        version.major,
                        version.minor,
                        changed.join(", ")
                    ),
                ));
            }
            (
                l,
                format!(
                    "debug_offsets {} (+ table {}.{})",
                    d.schema, t.version.0, t.version.1
                ),
            )
        }
        (Some(d), None) => {
            // A version newer than our tables: the debug offsets and the newest table below it.
            let Some(base) = KNOWN_TABLES
                .iter()
                .filter(|t| t.ptr_size == ptr_size && t.version < (version.major, version.minor))
                .max_by_key(|t| t.version)
            else {
                return Err(unsupported(version, ptr_size));
            };
            let mut l = (*base).clone();
            l.version = (version.major, version.minor);
            d.apply(&mut l);
            diags.push(Diagnostic::new(
                "layout_extrapolated",
                format!(
                    "Python {version} is newer than hd's tables: the offsets in its _Py_DebugOffsets are used, and what they don't describe (dict, set and str internals, instance dicts) is assumed unchanged since {}.{}",
                    base.version.0, base.version.1
                ),
            ));
            (
                l,
                format!(
                    "debug_offsets {} (+ table {}.{})",
                    d.schema, base.version.0, base.version.1
                ),
            )
        }
        (None, Some(t)) => {
            if version.minor >= 13 {
                diags.push(Diagnostic::new(
                    "debug_offsets_missing",
                    format!("no _Py_DebugOffsets at _PyRuntime ({runtime}); using the built-in table for {}.{}", version.major, version.minor),
                ));
            }
            (t.clone(), format!("table {}.{}", t.version.0, t.version.1))
        }
        (None, None) => return Err(unsupported(version, ptr_size)),
    };

    let library = module.as_ref().map(|m| m.path.clone());
    Ok(Located {
        runtime,
        version,
        version_source,
        layout,
        layout_desc,
        library,
        module,
        diagnostics: diags,
    })
}

fn unsupported(version: PyVersion, ptr_size: u8) -> Error {
    Error::UnsupportedVersion {
        version: version.to_string(),
        why: format!(
            "hd has no structure layout for it with {}-bit pointers and the dump has no _Py_DebugOffsets to read one from (they exist from 3.13 on)",
            u32::from(ptr_size) * 8
        ),
    }
}

fn detect_version(
    r: &Reader<'_>,
    mem: &dyn Memory,
    module: Option<&Module>,
    debug: Option<&DebugOffsets>,
    files: &FileResolver,
    opts: &LocateOptions,
) -> Option<(PyVersion, VersionSource)> {
    if let Some(v) = opts.version {
        return Some((v, VersionSource::Option));
    }
    if let Some(addr) = module.and_then(|m| m.symbol("Py_Version")) {
        if let Ok(hex) = r.u32(addr) {
            let v = PyVersion::from_hex(u64::from(hex));
            if v.major == 3 {
                return Some((v, VersionSource::PyVersionSymbol));
            }
        }
    }
    if let Some(d) = debug {
        return Some((
            PyVersion::from_hex(d.version_hex),
            VersionSource::DebugOffsets,
        ));
    }
    if let Some(v) = scan_version_string(mem, module) {
        return Some((v, VersionSource::VersionString));
    }
    let names = module
        .map(|m| m.path.clone())
        .into_iter()
        .chain(files.paths().into_iter().map(str::to_owned));
    for p in names {
        let name = p.rsplit('/').next().unwrap_or(&p);
        if let Some((major, minor)) = version_from_file_name(name) {
            return Some((
                PyVersion::minor_only(major, minor),
                VersionSource::LibraryName,
            ));
        }
    }
    None
}

/// Scans writable memory near the interpreter's module (its data and bss) for `sys.version`.
fn scan_version_string(mem: &dyn Memory, module: Option<&Module>) -> Option<PyVersion> {
    let (lo, hi) = match module {
        Some(m) => (m.base.0, m.base.0.saturating_add(m.span)),
        None => (0, u64::MAX),
    };
    let mut budget = limits::MAX_SCAN_BYTES;
    for region in scan::writable(mem) {
        if region.end.0 <= lo || region.start.0 >= hi {
            continue;
        }
        let (start, end) = (region.start.0.max(lo), region.end.0.min(hi));
        let found = scan::scan(mem, start, end, 64, &mut budget, |_, chunk| {
            find_version_string(chunk).map_or(ControlFlow::Continue(()), ControlFlow::Break)
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Finds `_PyRuntime` in the writable memory of the interpreter's files (and the bss right
/// after them) by its shape: `interpreters.head` and `interpreters.main` point to the same
/// interpreter, whose first thread state points back to it.
fn scan_for_runtime(
    r: &Reader<'_>,
    mem: &dyn Memory,
    files: &FileResolver,
    t: &Layout,
) -> Option<RemoteAddr> {
    let p = u64::from(t.ptr_size);
    let head = t.runtime.interpreters_head;
    let main = t.runtime.interpreters_main;
    let ranges: Vec<(u64, u64)> = files
        .mappings()
        .iter()
        .filter(|m| {
            let n = m.path.rsplit('/').next().unwrap_or(&m.path);
            n.starts_with("libpython") || n.starts_with("python")
        })
        .map(|m| (m.start.0, m.end.0))
        .collect();
    let regions = mem.regions();
    let mut budget = limits::MAX_SCAN_BYTES;
    for (i, region) in regions.iter().enumerate() {
        if !region.perms.write || !region.readable {
            continue;
        }
        // The file's own writable mappings, and an anonymous bss that follows one directly.
        let of_file = ranges
            .iter()
            .any(|&(s, e)| s < region.end.0 && region.start.0 < e);
        let after_file = i > 0
            && regions[i - 1].end == region.start
            && ranges.iter().any(|&(_, e)| e == region.start.0);
        if !of_file && !after_file {
            continue;
        }
        let span = head.max(main) + p;
        let found = scan::scan(
            mem,
            region.start.0,
            region.end.0,
            span,
            &mut budget,
            |at, chunk| {
                let skew = ((p - at % p) % p) as usize;
                for off in (skew..chunk.len()).step_by(p as usize) {
                    let (Some(h), Some(m)) = (
                        r.word_in(chunk, off + head as usize),
                        r.word_in(chunk, off + main as usize),
                    ) else {
                        break;
                    };
                    if h != 0
                        && h == m
                        && h % p == 0
                        && looks_like_main_interpreter(r, RemoteAddr(h), t)
                    {
                        return ControlFlow::Break(RemoteAddr(at + off as u64));
                    }
                }
                ControlFlow::Continue(())
            },
        );
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The main interpreter: id 0, and a first thread state that points back to it, heads its
/// list (no `prev`) and has a thread id.
fn looks_like_main_interpreter(r: &Reader<'_>, interp: RemoteAddr, t: &Layout) -> bool {
    let check = || -> Option<bool> {
        if r.ssize_at(interp, t.interp.id).ok()? != 0 {
            return Some(false);
        }
        let ts = r.ptr_at(interp, t.interp.tstate_head).ok()?;
        if ts.is_null() {
            return Some(false);
        }
        Some(
            r.ptr_at(ts, t.tstate.interp).ok()? == interp
                && r.ptr_at(ts, t.tstate.prev).ok()?.is_null()
                && r.word_at(ts, t.tstate.thread_id).ok()? != 0,
        )
    };
    check().unwrap_or(false)
}

/// Finds `_PyRuntime` of 3.13+ by the `xdebugpy` cookie it starts with, in writable memory.
fn scan_for_cookie(mem: &dyn Memory) -> Option<RemoteAddr> {
    let mut budget = limits::MAX_SCAN_BYTES;
    for region in scan::writable(mem) {
        let found = scan::scan(
            mem,
            region.start.0,
            region.end.0,
            0,
            &mut budget,
            |at, chunk| {
                let skew = ((8 - at % 8) % 8) as usize;
                let hit = chunk
                    .get(skew..)
                    .and_then(|c| c.chunks_exact(8).position(|w| w == DEBUG_COOKIE));
                match hit {
                    Some(i) => ControlFlow::Break(RemoteAddr(at + skew as u64 + 8 * i as u64)),
                    None => ControlFlow::Continue(()),
                }
            },
        );
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Why no `_PyRuntime` was found: which Python files the process mapped and which of them are
/// missing here.
fn explain_missing_runtime(files: &FileResolver) -> String {
    let pythonish: Vec<&str> = files
        .paths()
        .into_iter()
        .filter(|p| {
            let n = p.rsplit('/').next().unwrap_or(p);
            n.starts_with("libpython") || n.starts_with("python")
        })
        .collect();
    if pythonish.is_empty() {
        let exe = files.executable().unwrap_or("an unknown executable");
        return format!(
            "the process ran {exe} and mapped no libpython or python file, and no _Py_DebugOffsets cookie (Python 3.13+) is in its writable memory. If it is a Python program with an embedded or renamed interpreter, give the executable with --exe; otherwise this is not a Python process."
        );
    }
    let missing: Vec<&str> = pythonish
        .iter()
        .copied()
        .filter(|p| files.open(p).is_none())
        .collect();
    if !missing.is_empty() {
        return format!(
            "the process mapped {}, which is not on this machine (or does not match the dump's build-id), so the symbol _PyRuntime can't be looked up; and the core has no _Py_DebugOffsets cookie (Python 3.13+) to find it without symbols. Copy the server's files and give --sysroot DIR (or --exe PATH for the executable).",
            missing.join(", ")
        );
    }
    format!(
        "none of {} defines the symbol _PyRuntime (in .dynsym or .symtab), and no _Py_DebugOffsets cookie (Python 3.13+) is in writable memory. If the interpreter is linked into another executable, give it with --exe.",
        pythonish.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_exist_for_all_supported_versions() {
        for minor in 8..=13 {
            assert!(table_for(3, minor, 8).is_some(), "no table for 3.{minor}");
        }
    }
}
