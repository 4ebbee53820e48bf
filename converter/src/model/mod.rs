//! What hd knows about a Python process: threads, frames, locals and the objects they reach.
//!
//! The cpython layer builds it from a source; the views (CLI, JSON, later the dump file and the
//! debugger plugins) only read it.

mod objects;

pub use objects::{Entries, IntValue, Items, ObjId, Object, ObjectGraph, ObjectKind, PyText};

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// Everything read from one dump or process.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub source: SourceInfo,
    pub python: Option<PythonInfo>,
    pub process: ProcessSummary,
    pub threads: Vec<Thread>,
    pub objects: ObjectGraph,
    pub diagnostics: Vec<Diagnostic>,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PythonInfo {
    pub version: String,
    pub version_source: String,
    pub layout: String,
    pub runtime_address: u64,
    pub library: Option<String>,
}

/// What the OS said about the process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProcessSummary {
    pub pid: Option<u32>,
    pub executable: Option<String>,
    pub argv: Vec<String>,
    pub signal: Option<u32>,
}

/// One Python thread state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
}

/// One Python frame.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
}

/// A named local and the object it refers to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Local {
    pub name: String,
    pub value: ObjId,
}
