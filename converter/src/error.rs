//! Errors that stop a whole operation. Anything smaller is a [`crate::diag::Diagnostic`].

use std::path::PathBuf;

use crate::source::ReadError;

/// Why a dump or a process could not be analysed. Each message is one paragraph that says
/// what was wrong and what to try.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot open {path}: {source}. Check the path and that you may read the file.")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not an ELF core dump: {why}. Give a core written by the kernel (with `ulimit -c unlimited`) or by gdb's `gcore PID`, or use --pid for a running process.")]
    NotACore { path: PathBuf, why: String },

    #[error("cannot {what} of process {pid}: {source}. Check that the process exists and that you may trace it (run as the same user or root; see /proc/sys/kernel/yama/ptrace_scope).")]
    Process {
        pid: u32,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("no Python interpreter found in {target}: {why}")]
    NotPython { target: String, why: String },

    #[error("Python {version} is not supported: {why}")]
    UnsupportedVersion { version: String, why: String },

    #[error("{what} at {at}: {source}")]
    Memory {
        what: &'static str,
        at: String,
        #[source]
        source: ReadError,
    },
}

impl Error {
    /// A stable identifier, the same in JSON output and the C ABI.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Open { .. } => "open_failed",
            Error::NotACore { .. } => "not_a_core",
            Error::Process { .. } => "process_unreadable",
            Error::NotPython { .. } => "not_python",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::Memory { .. } => "memory_unreadable",
        }
    }
}
