//! CPython: version detection, per-version layouts, and the walkers for threads, frames and
//! objects that turn an address space into a [`Snapshot`].

mod environ;
mod frames;
pub mod heap;
pub mod layout;
pub(crate) mod linetable;
pub mod objects;
mod recover;
mod runtime;
mod threads;
mod version;

pub use frames::{CodeInfo, FrameReader, RawFrame};
pub use runtime::{locate, LocateOptions, Located};
pub use version::{PyVersion, VersionSource};

use crate::diag::{Diagnostic, Diagnostics};
use crate::error::Error;
use crate::model::{ObjectGraph, ProcessSummary, PythonInfo, Root, Snapshot, Thread};
use crate::source::{FileResolver, Memory, ProcessInfo, Reader};

use objects::{CollectLimits, Collector, ObjReader};

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub locate: LocateOptions,
    pub objects: CollectLimits,
    /// Leave locals out.
    pub no_locals: bool,
    /// More roots: objects by address (`--object 0x…`).
    pub extra_roots: Vec<u64>,
    /// Also the globals of `__main__` (`--globals`).
    pub globals: bool,
    /// Also the namespace of the `sys` module (`--sys`).
    pub sys_module: bool,
    /// Also the environment (`os.environ`), for dump files.
    pub environ: bool,
    /// Also the namespace of every class defined in Python, for dump files.
    pub class_namespaces: bool,
}

/// Reads every thread, frame and local of the Python process in `mem`.
pub fn read_snapshot(
    mem: &dyn Memory,
    files: &FileResolver,
    info: &ProcessInfo,
    ptr_size: u8,
    little_endian: bool,
    target: &str,
    opts: &ReadOptions,
) -> Result<Snapshot, Error> {
    let mut located = locate(mem, files, ptr_size, little_endian, target, &opts.locate)?;
    let mut diags = std::mem::take(&mut located.diagnostics);
    let o = located.objects(mem, ptr_size, little_endian);
    let fr = FrameReader::new(&o);

    let (interps, runtime_unreadable) = match threads::interpreters(&o, located.runtime, &mut diags)
    {
        // Threads were found, or every list was read to its end (none had started yet).
        Ok(i)
            if i.iter().any(|i| !i.threads.is_empty()) || i.iter().all(|i| i.threads_complete) =>
        {
            (i, false)
        }
        found => {
            // The runtime (or its thread lists) is not readable: look for thread states.
            let recovered =
                recover::interpreters_by_scan(&fr, mem, &info.threads, info.arch, &mut diags);
            match (found, recovered.is_empty()) {
                (_, false) => (recovered, false),
                (Ok(i), true) => (i, false),
                (Err(e), true) => {
                    diags.push(
                        Diagnostic::new(
                            "runtime_unreadable",
                            format!(
                                "the interpreters of _PyRuntime could not be read ({e}), and no thread state was found without them: no Python thread can be shown"
                            ),
                        )
                        .at(located.runtime.0),
                    );
                    (Vec::new(), true)
                }
            }
        }
    };
    if interps.is_empty() && !runtime_unreadable {
        diags.push(Diagnostic::new(
            "no_interpreter",
            "_PyRuntime has no interpreter: the process had not started Python yet, or had finalized it",
        ));
    }
    for interp in &interps {
        o.learn_from_modules(interp.modules);
    }
    let all_states: Vec<&threads::ThreadState> =
        interps.iter().flat_map(|i| i.threads.iter()).collect();
    let tid_of = threads::match_os_threads(&o, &all_states, &info.threads, info.arch);

    let mut graph = ObjectGraph::default();
    // One collector for every root: an object reached again is not read again.
    let mut c =
        Collector::new(&fr, &mut graph, opts.objects).with_class_namespaces(opts.class_namespaces);
    let mut out_threads = Vec::new();
    for interp in &interps {
        let names = threads::thread_names(&o, interp.modules);
        for ts in &interp.threads {
            let tid = tid_of.get(&ts.addr.0).copied();
            let mut thread = Thread {
                tid,
                thread_id: ts.thread_id,
                name: names.get(&ts.thread_id).cloned(),
                interpreter: interp.id,
                holds_gil: interp.gil_holder == Some(ts.addr),
                crashed: tid.is_some() && tid == info.crashed_tid,
                frames_complete: true,
                frames: Vec::new(),
                exception: None,
            };
            let mut tdiags = Diagnostics::default();
            let raw = match ts.top_frame {
                Ok(top) => {
                    let (raw, complete) = fr.walk(top, &mut tdiags);
                    thread.frames_complete = complete;
                    raw
                }
                Err(e) => match ts.datastack_top.and_then(|t| fr.frame_ending_at(t)) {
                    Some(top) => {
                        tdiags.push(
                            Diagnostic::new(
                                "frame_from_data_stack",
                                format!(
                                    "the frame pointer of this thread is not in the dump ({e}); its frames were found from the top of its data stack, so frames of a generator it was running may be missing on top"
                                ),
                            )
                            .at(ts.addr.0),
                        );
                        let (raw, _) = fr.walk(top, &mut tdiags);
                        thread.frames_complete = false;
                        raw
                    }
                    None => {
                        tdiags.push(
                            Diagnostic::new(
                                "frame_unreadable",
                                format!("the current frame of this thread could not be read: {e}"),
                            )
                            .at(ts.addr.0),
                        );
                        thread.frames_complete = false;
                        Vec::new()
                    }
                },
            };
            // Innermost first in memory; outermost first in the model, like a traceback.
            for rf in raw.iter().rev() {
                let (frame, problems) = c.frame(rf, opts.objects.max_depth, opts.no_locals);
                for p in problems {
                    tdiags.push(Diagnostic::new("local_unreadable", p).at(rf.addr.0));
                }
                thread.frames.push(frame);
            }
            // The exception being handled (`sys.exc_info()` in that thread).
            if let Some(exc) = threads::handled_exception(&o, ts.addr) {
                thread.exception = Some(c.root(exc));
            }
            for d in tdiags.iter() {
                let mut d = d.clone();
                d.message = format!("thread {}: {}", describe_thread(&thread), d.message);
                diags.push(d);
            }
            out_threads.push(thread);
        }
    }

    let mut roots = Vec::new();
    for &addr in &opts.extra_roots {
        roots.push(Root {
            name: format!("object {addr:#x}"),
            value: c.root_expanded(crate::source::RemoteAddr(addr)),
        });
    }
    // The namespaces asked for, per interpreter: `__main__`'s globals, `sys`.
    let namespaces = [
        (opts.globals, "__main__", "globals of __main__"),
        (opts.sys_module, "sys", "namespace of sys"),
    ];
    for (_, module, label) in namespaces.into_iter().filter(|n| n.0) {
        for interp in &interps {
            if let Some(dict) = o.module_namespace(interp.modules, module) {
                roots.push(Root {
                    name: format!("{label} (interpreter {})", interp.id),
                    value: c.root(dict),
                });
            }
        }
    }
    for (at, p) in c.take_problems() {
        diags.push(Diagnostic::new("local_unreadable", p).at(at));
    }
    if let Some(message) = c.bound_reached() {
        diags.push(Diagnostic::info("limit_reached", message));
    }
    drop(c);

    Ok(Snapshot {
        roots,
        source: Default::default(),
        python: Some(located.python_info()),
        process: ProcessSummary {
            pid: info.pid,
            executable: info.executable.clone(),
            argv: info.argv.clone(),
            signal: info.signal,
            cwd: None,
            environ: if opts.environ {
                interps
                    .first()
                    .and_then(|i| environ::read_environ(&o, i.modules))
            } else {
                None
            },
        },
        threads: out_threads,
        objects: graph,
        diagnostics: diags.into_vec(),
    })
}

/// The class histogram of the whole heap (through the collector's lists).
pub fn read_histogram(
    mem: &dyn Memory,
    files: &FileResolver,
    ptr_size: u8,
    little_endian: bool,
    target: &str,
    opts: &ReadOptions,
) -> Result<(heap::Histogram, PythonInfo, Vec<crate::diag::Diagnostic>), Error> {
    let mut located = locate(mem, files, ptr_size, little_endian, target, &opts.locate)?;
    let mut diags = std::mem::take(&mut located.diagnostics);
    let o = located.objects(mem, ptr_size, little_endian);
    let interps =
        threads::interpreters(&o, located.runtime, &mut diags).map_err(|e| Error::Memory {
            what: "reading the interpreter list of _PyRuntime",
            at: located.runtime.to_string(),
            source: e,
        })?;
    for interp in &interps {
        o.learn_from_modules(interp.modules);
    }
    let addrs: Vec<_> = interps.iter().map(|i| i.addr).collect();
    let h = heap::histogram(&o, located.runtime, &addrs, &mut diags);
    Ok((h, located.python_info(), diags.into_vec()))
}

impl Located {
    /// The object reader over `mem` with this interpreter's layout; builtin type objects
    /// are known by address where the interpreter's symbols name them.
    fn objects<'a>(
        &'a self,
        mem: &'a dyn Memory,
        ptr_size: u8,
        little_endian: bool,
    ) -> ObjReader<'a> {
        let known = self
            .module
            .as_ref()
            .map(|m| {
                objects::BUILTIN_SYMBOLS
                    .iter()
                    .filter_map(|(name, b)| Some((m.symbol(name)?.0, *b)))
                    .collect()
            })
            .unwrap_or_default();
        ObjReader::new(Reader::new(mem, ptr_size, little_endian), &self.layout)
            .with_known_types(known)
    }

    /// What the output says about the interpreter found.
    fn python_info(&self) -> PythonInfo {
        PythonInfo {
            version: self.version.to_string(),
            version_source: self.version_source.as_str().to_string(),
            layout: self.layout_desc.clone(),
            runtime_address: self.runtime.0,
            library: self.library.clone(),
        }
    }
}

fn describe_thread(t: &Thread) -> String {
    match (t.tid, &t.name) {
        (Some(tid), Some(n)) => format!("{tid} ({n})"),
        (Some(tid), None) => tid.to_string(),
        (None, Some(n)) => format!("{:#x} ({n})", t.thread_id),
        (None, None) => format!("{:#x}", t.thread_id),
    }
}
