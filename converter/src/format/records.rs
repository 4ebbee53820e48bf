//! The records of the sections that aren't model types. Every struct here is encoded by
//! postcard field by field, in declaration order (docs/FORMAT.md lists them); a newer minor
//! version may only append fields at the end of a top-level record.

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Level};
use crate::model::{ProcessSummary, PythonInfo};

/// The META section: what the file holds and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Meta {
    /// `hdconvert 0.1.0`.
    pub producer: String,
    /// When the file was written: seconds since 1970-01-01 UTC.
    pub created_unix: u64,
    pub source: SourceIdentity,
    pub platform: Platform,
    pub python: Option<PythonInfo>,
    /// The interpreter's build as far as the dump tells: `Some(true)` when libpython is a
    /// shared library (`--enable-shared`), `Some(false)` for a static build.
    pub python_shared: Option<bool>,
    /// A debug build (`Py_DEBUG`), when known.
    pub python_debug: Option<bool>,
    /// A free-threaded build (`--disable-gil`); hdconvert refuses those for now, so false.
    pub python_free_threaded: bool,
    /// The executable and libpython, with their build-ids.
    pub binaries: Vec<Binary>,
    /// pid, executable, argv, signal, cwd and environment (secret values redacted).
    pub process: ProcessSummary,
    pub limits: LimitsUsed,
    pub redaction: RedactionInfo,
    /// Whether the HIST section (the whole heap's class histogram) is present.
    pub has_histogram: bool,
}

/// What was converted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceIdentity {
    /// `core` or `live`.
    pub kind: String,
    /// The core's path as given to hdconvert.
    pub path: Option<String>,
    /// The core's size in bytes.
    pub size: Option<u64>,
    /// SHA-256 of the core's first MiB, hex.
    pub head_sha256: Option<String>,
    /// The process, for a live source.
    pub pid: Option<u32>,
}

/// The machine the process ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Platform {
    /// `linux`.
    pub os: String,
    /// `x86_64`, `aarch64`, or `unknown`.
    pub arch: String,
    pub ptr_size: u8,
    pub little_endian: bool,
}

/// A file the process had mapped: its path there and its GNU build-id (hex), when read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Binary {
    pub path: String,
    pub build_id: Option<String>,
}

/// The bounds the objects were read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LimitsUsed {
    pub max_depth: u64,
    pub max_items: u64,
    pub max_string: u64,
    pub max_objects: u64,
    pub max_bytes: u64,
}

/// How values were redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RedactionInfo {
    pub enabled: bool,
    /// The regular expression names were matched against (case-insensitive).
    pub pattern: String,
    /// The names whose values were redacted (locals, attributes, dict keys, environment
    /// variables), each once, sorted.
    pub names: Vec<String>,
    /// How many values were replaced.
    pub values: u64,
}

/// A source file a frame points into, as read at conversion time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceFile {
    /// The path frames name (`co_filename`).
    pub path: String,
    /// Where it was read from, when mapped with `--source-root`.
    pub read_from: Option<String>,
    /// Its text (invalid UTF-8 replaced), or `None` when it couldn't be read.
    pub text: Option<String>,
}

/// A diagnostic (`crate::diag::Diagnostic`) in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DiagRecord {
    pub code: String,
    /// 0 info, 1 warning.
    pub level: u8,
    pub message: String,
    pub address: Option<u64>,
}

impl DiagRecord {
    pub fn from_diagnostic(d: &Diagnostic) -> DiagRecord {
        DiagRecord {
            code: d.code.to_string(),
            level: match d.level {
                Level::Info => 0,
                Level::Warning => 1,
            },
            message: d.message.clone(),
            address: d.address,
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic {
            code: std::borrow::Cow::Owned(self.code.clone()),
            level: if self.level == 0 {
                Level::Info
            } else {
                Level::Warning
            },
            message: self.message.clone(),
            address: self.address,
        }
    }
}

/// The HIST section's record: the class histogram of the whole heap and what its walk
/// reported (the same diagnostics `stats` gives on the core).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HeapRecord {
    pub histogram: crate::cpython::heap::Histogram,
    pub diagnostics: Vec<DiagRecord>,
}

/// The THRD section's records are `crate::model::Thread`s.
pub type ThreadRecord = crate::model::Thread;

/// The INDX section: where every chunk is, and where to look an object id up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Index {
    /// Every chunk before the index, in file order.
    pub chunks: Vec<ChunkEntry>,
    /// One per OIDX chunk, in id order: the chunk's number in `chunks` and the range of the
    /// ids its [`IdBlock`] maps to OBJS chunks.
    pub objects: Vec<ObjectRange>,
    /// Objects in all.
    pub object_count: u64,
}

/// The record of an OIDX chunk: a run of object ids in increasing order and the OBJS chunk
/// holding each (its number in `Index.chunks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IdBlock {
    /// The first id.
    pub first: u64,
    /// Each following id minus the one before it (so `ids[i] = first + sum(deltas[..i])`).
    pub deltas: Vec<u64>,
    /// The OBJS chunk of each id (`deltas.len() + 1` entries).
    pub chunks: Vec<u64>,
}

/// A chunk: its tag and where its header starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ChunkEntry {
    pub tag: [u8; 4],
    pub offset: u64,
    /// Header plus stored bytes.
    pub length: u64,
    /// Records in the chunk.
    pub records: u64,
}

/// The ids an OIDX chunk maps: `first..=last`, `count` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ObjectRange {
    pub chunk: u64,
    pub first: u64,
    pub last: u64,
    pub count: u64,
}
