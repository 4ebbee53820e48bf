//! The ground truth a sample writes about itself just before its core is taken
//! (`samples/hdsample.py`, `Sample.record`).
//!
//! ```json
//! {"python": {"version": "3.11.7", "hexversion": 51054576, "executable": "/…/python3.11"},
//!  "pid": 1234, "argv": ["…/values.py", "--truth", "…", "--mode", "abort"], "mode": "abort",
//!  "threads": [
//!   {"ident": 139…, "native_id": 1234, "name": "MainThread", "role": "main", "volatile": false,
//!    "holds_gil": true,
//!    "frames": [{"function": "main", "qualname": "main", "file": "…/values.py", "line": 135,
//!                "first_line": 130,
//!                "locals": {"x": {"type": "int", "repr": "1", "address": "0x…", "length": 3}}}]}]}
//! ```
//!
//! Frames are outermost first. `locals` is null for code without fast locals (module and class
//! bodies), else `dict(frame.f_locals)` in its order. `holds_gil` null means unknown. A
//! `volatile` thread keeps running: its innermost frame has `allowed_lines` and its locals have
//! null `type`, `repr` and `address`. `address` is `id()`; `length` is `len()` of strings,
//! bytes and builtin containers.
//!
//! Samples that pass `details`/`extend` to `hdsample.Sample` (`objects.py`, `leak.py`) record
//! more, all optional here:
//!
//! - on each value: `kind` (docs/json.md's short kind name), `exact` (whether docs/json.md
//!   promises Python's repr exactly for it), `size` (`sys.getsizeof`), `length` (also for
//!   deque, OrderedDict, defaultdict, Counter), `attributes` (name → value, `__dict__` then
//!   slots, one level), `head` with `repr: null` for containers too big to record whole (the
//!   repr of their first items), `summary` (numbers an opaque summary may show: a socket's fd,
//!   family, type, proto);
//! - on each thread: `exception`, the value `sys.exc_info()[1]` gave in it, or null;
//! - at the top: `suspended` (generators, coroutines, async generators the locals hold, with
//!   state and frame), `objects` (what `show --object` must say of a few), `globals` (the
//!   root `show --globals` must give), `heap` (`leak.py`: counts of `gc.get_objects()`).

use crate::json::TracebackEntry;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub python: TruthPython,
    pub pid: u32,
    pub argv: Vec<String>,
    pub mode: String,
    pub threads: Vec<TruthThread>,
    #[serde(default)]
    pub suspended: Option<Vec<TruthGenerator>>,
    /// NumPy arrays and the summary hdconvert must show for each (arrays.py).
    #[serde(default)]
    pub arrays: Option<Vec<TruthArray>>,
    /// Pending asyncio tasks (objects.py).
    #[serde(default)]
    pub tasks: Option<Vec<TruthTask>>,
    #[serde(default)]
    pub objects: Option<Vec<TruthObject>>,
    #[serde(default)]
    pub globals: Option<TruthRoot>,
    /// Some entries of the namespace of `sys` (`--sys`): the whole of it changes between
    /// the truth and the core (modules imported on the way).
    #[serde(default)]
    pub sys_namespace: Option<TruthEntries>,
    #[serde(default)]
    pub heap: Option<TruthHeap>,
}

/// A generator, coroutine or async generator (`inspect.getgeneratorstate` and friends).
#[derive(Debug, Clone, Deserialize)]
pub struct TruthGenerator {
    pub kind: String,
    pub name: String,
    pub qualname: String,
    /// `created`, `suspended` or `running`.
    pub state: String,
    pub address: String,
    pub first_line: u32,
    /// Its own frame (`gi_frame`…), none when finished.
    pub frames: Vec<TruthFrame>,
    /// What it delegates to (`gi_yieldfrom`, `cr_await`, `ag_await`; a future's iterator
    /// stands for the future), as a hex address.
    #[serde(default)]
    pub awaiting: Option<String>,
}

/// A root (by name) whose repr must show these `'key': repr` entries.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthEntries {
    pub name: String,
    pub entries: std::collections::BTreeMap<String, String>,
}

/// A NumPy array held by a local of `main`.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthArray {
    pub name: String,
    pub address: String,
    pub summary: String,
}

/// A pending asyncio task.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthTask {
    pub name: String,
    pub address: String,
    /// `task._fut_waiter`, as a hex address.
    pub waiting_on: Option<String>,
    /// Its coroutine, the one that awaits, … outermost first.
    pub chain: Vec<TruthChainLink>,
    /// What the innermost coroutine awaits, when not a coroutine or generator.
    pub end: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthChainLink {
    pub qualname: String,
    pub line: Option<u32>,
}

/// What `show --object ADDR` must say about one object.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthObject {
    /// The local that holds it, for messages.
    pub name: String,
    pub address: String,
    pub value: TruthValue,
    #[serde(default)]
    pub length: Option<u64>,
    /// The first items (sequences and sets, in iteration order).
    #[serde(default)]
    pub items: Option<Vec<TruthValue>>,
    /// The first entries (mappings).
    #[serde(default)]
    pub entries: Option<Vec<(TruthValue, TruthValue)>>,
    /// Exceptions: `args`, `__cause__`, `__context__`, `__traceback__`, `__notes__` (values or
    /// null) and `__suppress_context__` (bool).
    #[serde(default)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub traceback: Option<Vec<TracebackEntry>>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub frames: Option<Vec<TruthFrame>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthRoot {
    pub name: String,
    pub value: TruthValue,
}

/// `leak.py`: what `gc.get_objects()` held.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthHeap {
    /// Type name → count, the most common types first, then every class of `__main__`.
    #[serde(deserialize_with = "ordered_counts")]
    pub counts: Vec<(String, u64)>,
    /// Type name → sum of `sys.getsizeof`, for the classes of `__main__`.
    pub sizes: std::collections::BTreeMap<String, u64>,
    /// `len(gc.get_objects())`.
    pub tracked: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthPython {
    pub version: String,
    pub hexversion: u64,
    pub executable: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthThread {
    pub ident: u64,
    pub native_id: Option<u32>,
    pub name: Option<String>,
    pub role: String,
    pub volatile: bool,
    pub holds_gil: Option<bool>,
    pub frames: Vec<TruthFrame>,
    /// `sys.exc_info()[1]` in that thread: `None` when not recorded, `Some(None)` for null.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub exception: Option<Option<TruthValue>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthFrame {
    pub function: String,
    pub qualname: String,
    pub file: String,
    pub line: Option<u32>,
    pub first_line: u32,
    #[serde(default)]
    pub allowed_lines: Option<Vec<u32>>,
    #[serde(deserialize_with = "crate::json::ordered_values")]
    pub locals: Option<Vec<(String, TruthValue)>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthValue {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub repr: Option<String>,
    pub address: Option<String>,
    #[serde(default)]
    pub length: Option<u64>,
    #[serde(default)]
    pub kind: Option<String>,
    /// Whether docs/json.md promises Python's repr exactly (status `exact`, or `truncated`
    /// when a bound cuts it); false for classes with their own `__repr__`, sockets, and what
    /// shows one of those in its repr.
    #[serde(default)]
    pub exact: Option<bool>,
    /// `sys.getsizeof`.
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default, deserialize_with = "crate::json::ordered_values")]
    pub attributes: Option<Vec<(String, TruthValue)>>,
    /// For containers too long to record (`repr` null): the repr of the first items, in the
    /// container's own brackets (`[…]`, `{…}`).
    #[serde(default)]
    pub head: Option<String>,
    /// Numbers an opaque summary may show (`fd`, `family`, `type`, `proto` of a socket).
    #[serde(default)]
    pub summary: Option<serde_json::Map<String, serde_json::Value>>,
}

fn ordered_counts<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<(String, u64)>, D::Error> {
    let map = serde_json::Map::<String, serde_json::Value>::deserialize(de)?;
    map.into_iter()
        .map(|(k, v)| {
            v.as_u64()
                .map(|n| (k.clone(), n))
                .ok_or_else(|| serde::de::Error::custom(format!("count of {k:?} is not a number")))
        })
        .collect()
}

impl Truth {
    pub fn load(path: &Path) -> Result<Truth, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading truth {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("parsing truth {}: {e}", path.display()))
    }

    /// Major and minor version, from `hexversion`.
    pub fn minor(&self) -> (u64, u64) {
        (
            self.python.hexversion >> 24,
            (self.python.hexversion >> 16) & 0xff,
        )
    }
}

impl TruthThread {
    pub fn label(&self) -> String {
        format!(
            "thread {} ({}, tid {})",
            self.role,
            self.name.as_deref().unwrap_or("unnamed"),
            self.native_id.map_or("?".into(), |n| n.to_string())
        )
    }
}

impl TruthFrame {
    pub fn label(&self) -> String {
        let file = self.file.rsplit('/').next().unwrap_or(&self.file);
        format!(
            "{} ({}:{})",
            self.qualname,
            file,
            self.line.map_or("?".into(), |l| l.to_string())
        )
    }
}
