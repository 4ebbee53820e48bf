//! What hd knows about a Python process: threads, frames, locals and the objects they reach.
//!
//! The cpython layer builds it from a source; the views (CLI, JSON, later the dump file and the
//! debugger plugins) only read it.

mod objects;

pub use objects::{
    AddrMap, CodeInfo, Entries, ExceptionInfo, FileInfo, FunctionInfo, GeneratorFlavor,
    GeneratorInfo, GeneratorState, Instance, IntValue, Items, MemoryViewInfo, ModuleInfo,
    ModuleOrigin, NdArrayInfo, NdScalar, ObjId, Object, ObjectGraph, ObjectKind, PyText,
    StructSeqInfo, TaskInfo, TaskState, TimeInfo, TracebackEntry, TracebackInfo, TypeInfo,
    TypeReprStyle,
};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// Everything read from one dump or process.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub source: SourceInfo,
    pub python: Option<PythonInfo>,
    pub process: ProcessSummary,
    pub threads: Vec<Thread>,
    /// Roots asked for besides the threads (`--object`, `--globals`).
    pub roots: Vec<Root>,
    pub objects: ObjectGraph,
    pub diagnostics: Vec<Diagnostic>,
}

impl Snapshot {
    /// Every frame: the threads' stacks, then the frames of suspended generators and
    /// coroutines.
    pub fn frames(&self) -> impl Iterator<Item = &Frame> + '_ {
        let suspended = self.objects.iter().filter_map(|o| match &o.kind {
            ObjectKind::Generator(g) => g.frame.as_ref(),
            _ => None,
        });
        self.threads
            .iter()
            .flat_map(|t| t.frames.iter())
            .chain(suspended)
    }

    /// [`Self::frames`], to change.
    pub fn frames_mut(&mut self) -> impl Iterator<Item = &mut Frame> + '_ {
        let suspended = self.objects.iter_mut().filter_map(|o| match &mut o.kind {
            ObjectKind::Generator(g) => g.frame.as_mut(),
            _ => None,
        });
        self.threads
            .iter_mut()
            .flat_map(|t| t.frames.iter_mut())
            .chain(suspended)
    }

    /// The roots of the object graph the views show: frames' locals, threads' exceptions,
    /// named roots.
    pub fn root_ids(&self) -> impl Iterator<Item = ObjId> + '_ {
        self.threads
            .iter()
            .flat_map(|t| {
                t.frames
                    .iter()
                    .flat_map(|f| f.locals.iter().flatten().map(|l| l.value))
                    .chain(t.exception)
            })
            .chain(self.roots.iter().map(|r| r.value))
    }

    /// What reading with `--no-locals` would have given: no locals, and only the objects the
    /// threads' exceptions and the named roots reach.
    pub fn drop_locals(&mut self) {
        for t in &mut self.threads {
            for f in &mut t.frames {
                f.locals = None;
            }
        }
        let keep: std::collections::HashSet<ObjId> = self
            .objects
            .reachable(self.root_ids())
            .into_iter()
            .collect();
        self.objects.retain(|id| keep.contains(&id));
    }
}

/// A named root of the object graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Root {
    pub name: String,
    pub value: ObjId,
}

/// Where the snapshot came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `core` or `live`.
    pub kind: String,
    pub path: Option<String>,
    pub pid: Option<u32>,
}

/// The interpreter that was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonInfo {
    pub version: String,
    pub version_source: String,
    pub layout: String,
    pub runtime_address: u64,
    pub library: Option<String>,
}

/// What the OS said about the process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSummary {
    pub pid: Option<u32>,
    pub executable: Option<String>,
    pub argv: Vec<String>,
    pub signal: Option<u32>,
    /// The working directory, when known (live processes).
    pub cwd: Option<String>,
    /// The environment as Python saw it (`os.environ`), when read (dumps only; the views
    /// never print it).
    pub environ: Option<Vec<(String, String)>>,
}

/// One Python thread state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// OS thread id, when the thread state could be matched to an OS thread.
    pub tid: Option<u32>,
    /// `PyThreadState.thread_id` (`pthread_t`).
    pub thread_id: u64,
    pub name: Option<String>,
    pub interpreter: i64,
    pub holds_gil: bool,
    pub crashed: bool,
    /// False when the frame walk stopped early.
    pub frames_complete: bool,
    /// Outermost first.
    pub frames: Vec<Frame>,
    /// The exception being handled (`sys.exc_info()[1]` in that thread), if any.
    pub exception: Option<ObjId>,
}

/// One Python frame.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub function: String,
    pub qualname: String,
    pub file: String,
    pub line: Option<i64>,
    pub first_line: i64,
    /// The source line, when the file could be read.
    pub source: Option<String>,
    /// Fast locals in code-object order; `None` for frames without fast locals.
    pub locals: Option<Vec<Local>>,
    /// Address of the frame (`PyFrameObject` or `_PyInterpreterFrame`).
    pub address: u64,
    /// The first frame of a `_PyEval_EvalFrameDefault` call: every frame before 3.11; on
    /// 3.11+ a Python function called from Python runs in its caller's call. Native
    /// debuggers match Python frames to the interpreter's C frames with it.
    pub entry: bool,
}

/// A named local and the object it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Local {
    pub name: String,
    pub value: ObjId,
}
