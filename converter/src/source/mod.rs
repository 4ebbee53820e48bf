//! Sources: a dump or a process seen as an address space.
//!
//! Everything that reads foreign memory goes through the [`Memory`] trait; nothing else touches
//! raw dump bytes. A source also tells what the OS knew about the process: threads and their
//! registers, the mapped files, the signal.

mod addr;
mod callback;
mod elf_core;
mod live;
mod mapped_files;
mod reader;
pub(crate) mod scan;
#[cfg(test)]
pub(crate) mod synth;

pub use addr::RemoteAddr;
pub use callback::{CallbackMemory, ReadFn};
pub use elf_core::CoreFile;
pub use live::LiveProcess;
pub use mapped_files::{FileResolver, LocalFile, MappedFile};
pub use reader::Reader;

use std::fmt;

/// Why a read of foreign memory failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFailure {
    /// No mapping of the process covers the address.
    NotMapped,
    /// The address was mapped in the process but its bytes are not in the dump (left out by
    /// the kernel's or gcore's filter, or lost when the core was truncated).
    NotInDump,
    /// The OS refused or failed the read (live processes).
    Os,
    /// The bytes were read but don't hold what the layout says is there: a corrupt object,
    /// a count out of range, a layout that doesn't match the build.
    Invalid,
}

/// A failed read of `len` bytes at `addr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadError {
    pub addr: RemoteAddr,
    pub len: u64,
    pub failure: ReadFailure,
}

impl ReadError {
    /// What is at `addr` was read but is not what was expected there.
    pub fn invalid(addr: RemoteAddr) -> Self {
        ReadError {
            addr,
            len: 0,
            failure: ReadFailure::Invalid,
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.failure {
            ReadFailure::NotMapped => "is not mapped in the process",
            ReadFailure::NotInDump => "is not in the dump",
            ReadFailure::Os => "could not be read from the process",
            ReadFailure::Invalid => {
                return write!(
                    f,
                    "the object at {} does not hold what was expected",
                    self.addr
                )
            }
        };
        write!(f, "memory at {} ({} bytes) {}", self.addr, self.len, why)
    }
}

impl std::error::Error for ReadError {}

/// Protection of a region, as the process had it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Perms {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

/// One contiguous range of the address space with the same origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub start: RemoteAddr,
    pub end: RemoteAddr,
    pub perms: Perms,
    /// Whether the bytes can be read (in the dump, or from a file on disk).
    pub readable: bool,
}

/// An address space of a process: the one thing that reads foreign memory.
///
/// Implementations never trust the caller's length: a read either fills the whole buffer or
/// fails with the first address that could not be read.
pub trait Memory {
    /// Fills `buf` with the bytes at `addr`.
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError>;

    /// The regions of the address space, sorted by start, for scans.
    fn regions(&self) -> Vec<Region>;
}

impl<T: Memory + ?Sized> Memory for &T {
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        (**self).read_exact(addr, buf)
    }
    fn regions(&self) -> Vec<Region> {
        (**self).regions()
    }
}

/// The CPU architecture of the dumped process, as far as register layouts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Aarch64,
    Other(u16),
}

impl Arch {
    pub fn from_e_machine(m: u16) -> Arch {
        match m {
            goblin::elf::header::EM_X86_64 => Arch::X86_64,
            goblin::elf::header::EM_AARCH64 => Arch::Aarch64,
            other => Arch::Other(other),
        }
    }

    pub fn name(self) -> String {
        match self {
            Arch::X86_64 => "x86_64".into(),
            Arch::Aarch64 => "aarch64".into(),
            Arch::Other(m) => format!("ELF machine {m}"),
        }
    }
}

/// An OS thread of the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsThread {
    /// Kernel thread id (LWP).
    pub tid: u32,
    /// The thread pointer (`fs_base` on x86_64, `tpidr_el0` on aarch64) when known.
    pub thread_pointer: Option<u64>,
    /// Instruction and stack pointer when known.
    pub pc: Option<u64>,
    pub sp: Option<u64>,
    /// The signal this thread was handling when the core was written (`pr_cursig`), 0 if none.
    pub cursig: u32,
}

/// What a source knows about the process besides its memory.
#[derive(Debug, Clone, Default)]
pub struct ProcessInfo {
    pub pid: Option<u32>,
    pub executable: Option<String>,
    pub argv: Vec<String>,
    /// The signal that killed the process (cores only).
    pub signal: Option<u32>,
    pub threads: Vec<OsThread>,
    /// Tid of the thread that received the fatal signal.
    pub crashed_tid: Option<u32>,
    pub mapped_files: Vec<MappedFile>,
    /// Auxiliary vector entries (type, value).
    pub auxv: Vec<(u64, u64)>,
    pub arch: Option<Arch>,
}

/// Name of a signal number on Linux.
pub fn signal_name(sig: u32) -> Option<&'static str> {
    Some(match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGIO",
        30 => "SIGPWR",
        31 => "SIGSYS",
        _ => return None,
    })
}
