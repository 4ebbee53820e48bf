//! Every cap on what is read from a dump, in one place.
//!
//! Foreign memory can hold any count or length; these bound the work and the memory we spend
//! on it. When a cap is hit, the result is cut and the cut is marked or a diagnostic says so.

/// Program headers (segments) of a core, lines of /proc/PID/maps.
pub const MAX_SEGMENTS: usize = 1 << 20;
/// Notes in a core.
pub const MAX_NOTES: usize = 1 << 20;
/// Entries of NT_FILE.
pub const MAX_MAPPED_FILES: usize = 1 << 20;
/// Auxiliary vector entries.
pub const MAX_AUXV: usize = 512;
/// OS threads of a live process.
pub const MAX_OS_THREADS: usize = 1 << 16;
/// Diagnostics kept; more are counted.
pub const MAX_DIAGNOSTICS: usize = 500;

/// Interpreters followed through `interpreters.head`.
pub const MAX_INTERPRETERS: usize = 256;
/// Thread states per interpreter.
pub const MAX_THREADS: usize = 1 << 14;
/// Frames per thread.
pub const MAX_FRAMES: usize = 1 << 16;
/// Fast locals (`co_nlocalsplus`) per frame.
pub const MAX_LOCALS: usize = 1 << 16;

/// Bytes of a C string (`tp_name`) read.
pub const MAX_C_STRING: usize = 1024;
/// Classes read from a type's `__mro__`.
pub const MAX_MRO: usize = 256;
/// Bytes of a line table or bytecode read.
pub const MAX_LINE_TABLE: usize = 1 << 22;
/// Characters of a file name or identifier read.
pub const MAX_NAME_CHARS: usize = 4096;
/// Bytes of a source file read for showing lines.
pub const MAX_SOURCE_FILE: u64 = 64 << 20;
/// Bytes of memory scanned for the version string or the debug cookie.
pub const MAX_SCAN_BYTES: u64 = 1 << 30;
/// Entries of a dict's or set's table that are visited.
pub const MAX_TABLE_SLOTS: u64 = 1 << 24;
/// Words of memory below `datastack_top` searched for the last frame of a thread.
pub const MAX_FRAME_WORDS: u64 = 4096;
/// Entries read from one traceback.
pub const MAX_TRACEBACK: usize = 1000;
/// Names in one class's `__slots__`.
pub const MAX_SLOTS: usize = MAX_LOCALS;
/// Limbs of a `Decimal`'s coefficient (19 decimal digits each).
pub const MAX_DECIMAL_LIMBS: u64 = 4096;
/// Elements of a NumPy array read for its preview.
pub const MAX_NDARRAY_HEAD: u64 = 16;
/// Objects walked for the heap histogram (tracked and untracked together).
pub const MAX_HEAP_OBJECTS: usize = 50_000_000;
/// Items looked at per container for the untracked objects it holds.
pub const MAX_REFERENTS: usize = 1 << 24;
/// Levels of objects followed when collecting or rendering, whatever `--depth` asks: both
/// walks recurse, and a cycle through objects that aren't containers (a bound method of
/// itself, an exception among its own args) ends only here.
pub const MAX_NESTING: usize = 100;
/// Coroutines followed down one task's await chain (a chain is as deep as the program's
/// recursion through `await`; past this it is cut).
pub const MAX_AWAIT_CHAIN: usize = 1000;
/// 30-bit digits of an int decoded (about 18,000 decimal digits; Python itself refuses to
/// print more than 4,300 by default). Conversion is quadratic in this.
pub const MAX_INT_DIGITS: u64 = 2048;

/// Rendering of values (`repr`), the defaults of the CLI's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReprLimits {
    /// Characters of a str (bytes of a bytes) shown before the cut.
    pub max_string: usize,
    /// Items of a container shown before the cut.
    pub max_items: usize,
    /// Nesting depth of containers; deeper ones are shown as `[...]`-like cuts.
    pub max_depth: usize,
    /// Characters of a whole repr; past it, items are cut.
    pub max_total: usize,
    /// Levels of attributes shown beneath instances (`--depth`).
    pub attr_depth: usize,
}

impl ReprLimits {
    /// For people reading a terminal.
    pub const HUMAN: ReprLimits = ReprLimits {
        max_string: 200,
        max_items: 20,
        max_depth: 4,
        max_total: 400,
        attr_depth: 1,
    };
    /// For tools (`--json`).
    pub const JSON: ReprLimits = ReprLimits {
        max_string: 8192,
        max_items: 1000,
        max_depth: 16,
        max_total: 65536,
        attr_depth: 1,
    };
}

/// What `show`'s options (`--depth`, `--max-items`, `--max-string`, `--max-objects`,
/// `--max-bytes`) mean for
/// reading the objects and for showing them as text and as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowLimits {
    pub objects: crate::cpython::objects::CollectLimits,
    pub text: ReprLimits,
    pub json: ReprLimits,
}

impl ShowLimits {
    pub fn new(
        depth: Option<usize>,
        max_items: Option<usize>,
        max_string: Option<usize>,
        max_objects: Option<usize>,
        max_bytes: Option<u64>,
    ) -> Self {
        let mut l = ShowLimits {
            objects: Default::default(),
            text: ReprLimits::HUMAN,
            json: ReprLimits::JSON,
        };
        if let Some(d) = depth.map(|d| d.min(MAX_NESTING)) {
            // Attributes `d` levels down need their objects read one level further.
            l.objects.max_depth = l.objects.max_depth.max(d + 1);
            l.text.attr_depth = d;
            l.json.attr_depth = d;
            l.text.max_depth = l.text.max_depth.max(d);
        }
        if let Some(n) = max_items {
            l.objects.max_items = n;
            l.text.max_items = n;
            l.json.max_items = n;
        }
        if let Some(n) = max_string {
            l.objects.max_string = n;
            l.text.max_string = l.text.max_string.min(n);
            l.json.max_string = n;
        }
        if let Some(n) = max_objects {
            l.objects.max_objects = n;
        }
        if let Some(n) = max_bytes {
            l.objects.max_bytes = n;
        }
        l
    }
}

/// `os.environ` variables read at most, and bytes per name or value.
pub const MAX_ENVIRON_VARIABLES: usize = 4096;
pub const MAX_ENVIRON_VALUE: usize = 1 << 16;
