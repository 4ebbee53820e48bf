//! The object graph: every object once, by its original address, with references to other
//! objects rather than copies.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// An object's identity: its address in the original process.
pub type ObjId = u64;

/// Text of a `str`. CPython strings may hold lone surrogates, which Rust strings can't.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PyText {
    Utf8(String),
    /// Code points, used only when some are lone surrogates.
    CodePoints(Vec<u32>),
}

impl PyText {
    /// Characters held (not the full length of the string, which may be longer).
    pub fn char_count(&self) -> usize {
        match self {
            PyText::Utf8(s) => s.chars().count(),
            PyText::CodePoints(v) => v.len(),
        }
    }

    /// The code points.
    pub fn code_points(&self) -> Vec<u32> {
        match self {
            PyText::Utf8(s) => s.chars().map(u32::from).collect(),
            PyText::CodePoints(v) => v.clone(),
        }
    }

    /// As a Rust string, lone surrogates replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        match self {
            PyText::Utf8(s) => s.clone(),
            PyText::CodePoints(v) => v
                .iter()
                .map(|&c| char::from_u32(c).unwrap_or('\u{fffd}'))
                .collect(),
        }
    }

    pub fn from_code_points(cps: Vec<u32>) -> PyText {
        let chars: Option<String> = cps.iter().map(|&c| char::from_u32(c)).collect();
        match chars {
            Some(s) => PyText::Utf8(s),
            None => PyText::CodePoints(cps),
        }
    }
}

/// An `int`'s value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntValue {
    /// Decimal digits with a leading `-` when negative.
    Decimal(String),
    /// Too large to convert here: sign and size in bits.
    Huge { negative: bool, bits: u64 },
}

/// Items of a sequence or set: the first `items`, out of `length`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Items {
    pub items: Vec<ObjId>,
    pub length: u64,
}

/// Entries of a mapping: the first `items`, out of `length`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Entries {
    pub items: Vec<(ObjId, ObjId)>,
    pub length: u64,
}

/// What an object holds, by kind. References to other objects are [`ObjId`]s into the same
/// graph; an id that isn't in the graph was not read (a bound was reached).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ObjectKind {
    None,
    Ellipsis,
    NotImplemented,
    Bool(bool),
    Int(IntValue),
    Float(f64),
    Complex {
        real: f64,
        imag: f64,
    },
    /// A `str`: its first characters and its full length in characters.
    Str {
        text: PyText,
        length: u64,
    },
    /// A `bytes`: its first bytes and its full length.
    Bytes {
        data: Vec<u8>,
        length: u64,
    },
    /// A `bytearray`: its first bytes and its full length.
    ByteArray {
        data: Vec<u8>,
        length: u64,
    },
    List(Items),
    Tuple(Items),
    /// A struct sequence (`os.stat_result`, `time.struct_time`, `sys.version_info`): a
    /// tuple whose visible items have names.
    StructSeq(Box<StructSeqInfo>),
    Set(Items),
    FrozenSet(Items),
    Dict(Entries),
    Range {
        start: ObjId,
        stop: ObjId,
        step: ObjId,
    },
    Slice {
        start: ObjId,
        stop: ObjId,
        step: ObjId,
    },
    /// An instance of a class: its attributes from `__dict__` (or the managed dict / inline
    /// values) and `__slots__`.
    Instance(Instance),
    Type(Box<TypeInfo>),
    Module(Box<ModuleInfo>),
    Function(Box<FunctionInfo>),
    BoundMethod {
        func: ObjId,
        receiver: ObjId,
    },
    Code(Box<CodeInfo>),
    Cell {
        contents: Option<ObjId>,
    },
    Exception(Box<ExceptionInfo>),
    Traceback(Box<TracebackInfo>),
    /// A generator, coroutine or async generator.
    Generator(Box<GeneratorInfo>),
    Deque {
        items: Items,
        maxlen: Option<i64>,
    },
    OrderedDict {
        entries: Entries,
        /// `repr()` shows a dict literal (3.12+) rather than a list of pairs.
        dict_style: bool,
    },
    DefaultDict {
        factory: ObjId,
        entries: Entries,
    },
    /// `collections.Counter`.
    Counter(Entries),
    /// An `enum.Enum` member.
    EnumMember {
        class: String,
        name: String,
        value: ObjId,
    },
    Date {
        year: u16,
        month: u8,
        day: u8,
    },
    Time(TimeInfo),
    DateTime {
        year: u16,
        month: u8,
        day: u8,
        time: TimeInfo,
    },
    TimeDelta {
        days: i32,
        seconds: i32,
        microseconds: i32,
    },
    /// `datetime.timezone`: its offset (a timedelta) and name.
    TimeZone {
        offset: ObjId,
        name: Option<ObjId>,
        utc: bool,
    },
    Fraction {
        numerator: ObjId,
        denominator: ObjId,
    },
    Uuid(u128),
    /// `decimal.Decimal`, as the text `str()` gives.
    Decimal(String),
    /// `re.Pattern`: the pattern it was compiled from and its flags.
    Pattern {
        pattern: ObjId,
        flags: i64,
    },
    Lock {
        locked: bool,
    },
    RLock {
        owner: u64,
        count: u64,
    },
    /// A file object of `io`: which class, and what it says of itself.
    File(Box<FileInfo>),
    Socket {
        fd: i64,
        family: i32,
        kind: i32,
        proto: i32,
    },
    MemoryView(Box<MemoryViewInfo>),
    /// An `asyncio` task or future.
    Task(Box<TaskInfo>),
    NdArray(Box<NdArrayInfo>),
    /// A type hd doesn't decode (yet): shown as `<module.Class object at 0x…>`.
    Opaque,
    /// Not read because a bound was reached (depth, objects): its type is known.
    NotRead {
        reason: String,
    },
    /// The object's memory could not be read.
    Unreadable {
        reason: String,
    },
    /// Replaced in a dump file because a name it was held under looks secret: only its type
    /// (the object's) and its length (characters, bytes, items) are kept.
    Redacted {
        length: Option<u64>,
    },
}

impl ObjectKind {
    /// Every object this one refers to, in the order views show them (items first), each
    /// passed to `f`. A generator's frame locals and what it awaits count.
    pub fn for_each_referent(&self, mut f: impl FnMut(ObjId)) {
        let opt = |o: &Option<ObjId>, f: &mut dyn FnMut(ObjId)| {
            if let Some(id) = o {
                f(*id);
            }
        };
        match self {
            ObjectKind::List(i)
            | ObjectKind::Tuple(i)
            | ObjectKind::Set(i)
            | ObjectKind::FrozenSet(i)
            | ObjectKind::Deque { items: i, .. } => i.items.iter().copied().for_each(f),
            ObjectKind::StructSeq(s) => s.items.items.iter().copied().for_each(f),
            ObjectKind::Dict(e)
            | ObjectKind::Counter(e)
            | ObjectKind::OrderedDict { entries: e, .. } => e.items.iter().for_each(|&(k, v)| {
                f(k);
                f(v);
            }),
            ObjectKind::DefaultDict { factory, entries } => {
                f(*factory);
                entries.items.iter().for_each(|&(k, v)| {
                    f(k);
                    f(v);
                })
            }
            ObjectKind::Range { start, stop, step } | ObjectKind::Slice { start, stop, step } => {
                f(*start);
                f(*stop);
                f(*step);
            }
            ObjectKind::Instance(i) => i.attrs.iter().for_each(|(_, v)| f(*v)),
            ObjectKind::Type(t) => {
                t.bases.iter().chain(&t.mro).copied().for_each(&mut f);
                opt(&t.dict, &mut f);
            }
            ObjectKind::Module(m) => opt(&m.globals, &mut f),
            ObjectKind::Function(func) => {
                for o in [&func.code, &func.defaults, &func.kwdefaults, &func.closure] {
                    opt(o, &mut f);
                }
            }
            ObjectKind::BoundMethod { func, receiver } => {
                f(*func);
                f(*receiver);
            }
            ObjectKind::Cell { contents } => opt(contents, &mut f),
            ObjectKind::Exception(e) => {
                for o in [&e.args, &e.cause, &e.context, &e.notes, &e.traceback] {
                    opt(o, &mut f);
                }
                e.attrs.iter().for_each(|(_, v)| f(*v));
            }
            ObjectKind::Generator(g) => {
                for l in g.frame.iter().flat_map(|fr| fr.locals.iter().flatten()) {
                    f(l.value);
                }
                opt(&g.awaiting, &mut f);
            }
            ObjectKind::EnumMember { value, .. } => f(*value),
            ObjectKind::Time(t) => opt(&t.tzinfo, &mut f),
            ObjectKind::DateTime { time, .. } => opt(&time.tzinfo, &mut f),
            ObjectKind::TimeZone { offset, name, .. } => {
                f(*offset);
                opt(name, &mut f);
            }
            ObjectKind::Fraction {
                numerator,
                denominator,
            } => {
                f(*numerator);
                f(*denominator);
            }
            ObjectKind::Pattern { pattern, .. } => f(*pattern),
            ObjectKind::File(file) => opt(&file.name, &mut f),
            ObjectKind::MemoryView(m) => opt(&m.obj, &mut f),
            ObjectKind::Task(t) => {
                for o in [&t.name, &t.coro, &t.waiting_on, &t.result, &t.exception] {
                    opt(o, &mut f);
                }
            }
            ObjectKind::None
            | ObjectKind::Ellipsis
            | ObjectKind::NotImplemented
            | ObjectKind::Bool(_)
            | ObjectKind::Int(_)
            | ObjectKind::Float(_)
            | ObjectKind::Complex { .. }
            | ObjectKind::Str { .. }
            | ObjectKind::Bytes { .. }
            | ObjectKind::ByteArray { .. }
            | ObjectKind::Code(_)
            | ObjectKind::Traceback(_)
            | ObjectKind::Date { .. }
            | ObjectKind::TimeDelta { .. }
            | ObjectKind::Uuid(_)
            | ObjectKind::Decimal(_)
            | ObjectKind::Lock { .. }
            | ObjectKind::RLock { .. }
            | ObjectKind::Socket { .. }
            | ObjectKind::NdArray(_)
            | ObjectKind::Opaque
            | ObjectKind::NotRead { .. }
            | ObjectKind::Unreadable { .. }
            | ObjectKind::Redacted { .. } => {}
        }
    }

    /// Like [`Self::for_each_referent`], but at most `max_items` items of a container (a
    /// key-value pair counting as one): what a view showing `max_items` per container can
    /// reach (attributes are all shown).
    pub fn for_each_shown_referent(&self, max_items: usize, mut f: impl FnMut(ObjId)) {
        let pairs = |e: &Entries, f: &mut dyn FnMut(ObjId)| {
            for &(k, v) in e.items.iter().take(max_items) {
                f(k);
                f(v);
            }
        };
        match self {
            ObjectKind::List(i)
            | ObjectKind::Tuple(i)
            | ObjectKind::Set(i)
            | ObjectKind::FrozenSet(i)
            | ObjectKind::Deque { items: i, .. } => {
                i.items.iter().take(max_items).copied().for_each(f)
            }
            ObjectKind::StructSeq(s) => s.items.items.iter().take(max_items).copied().for_each(f),
            ObjectKind::Dict(e)
            | ObjectKind::Counter(e)
            | ObjectKind::OrderedDict { entries: e, .. } => pairs(e, &mut f),
            ObjectKind::DefaultDict { factory, entries } => {
                f(*factory);
                pairs(entries, &mut f);
            }
            // Attributes are listed whole beneath their object.
            other => other.for_each_referent(f),
        }
    }

    /// Characters, bytes or items of the value, where it has a length (the full one, not
    /// what was read).
    pub fn length(&self) -> Option<u64> {
        Some(match self {
            ObjectKind::Str { length, .. }
            | ObjectKind::Bytes { length, .. }
            | ObjectKind::ByteArray { length, .. } => *length,
            ObjectKind::List(i)
            | ObjectKind::Tuple(i)
            | ObjectKind::Set(i)
            | ObjectKind::FrozenSet(i)
            | ObjectKind::Deque { items: i, .. } => i.length,
            ObjectKind::StructSeq(s) => s.items.length,
            ObjectKind::Dict(e)
            | ObjectKind::Counter(e)
            | ObjectKind::OrderedDict { entries: e, .. }
            | ObjectKind::DefaultDict { entries: e, .. } => e.length,
            ObjectKind::Instance(i) => i.length,
            _ => return None,
        })
    }

    /// Named fields shown beneath a value: an instance's attributes, an exception's.
    pub fn attributes(&self) -> Option<&[(Arc<str>, ObjId)]> {
        match self {
            ObjectKind::Instance(i) => Some(&i.attrs),
            ObjectKind::Exception(e) if !e.attrs.is_empty() => Some(&e.attrs),
            _ => None,
        }
    }

    /// Attributes a bound left out of [`ObjectKind::attributes`].
    pub fn attributes_left_out(&self) -> u64 {
        match self {
            ObjectKind::Instance(i) => i.length.saturating_sub(i.attrs.len() as u64),
            _ => 0,
        }
    }

    /// A short stable name of the kind (`int`, `instance`, `surrogate`…), as JSON shows it.
    pub fn name(&self) -> &'static str {
        match self {
            ObjectKind::None => "none",
            ObjectKind::Ellipsis => "ellipsis",
            ObjectKind::NotImplemented => "not_implemented",
            ObjectKind::Bool(_) => "bool",
            ObjectKind::Int(_) => "int",
            ObjectKind::Float(_) => "float",
            ObjectKind::Complex { .. } => "complex",
            ObjectKind::Str { .. } => "str",
            ObjectKind::Bytes { .. } => "bytes",
            ObjectKind::ByteArray { .. } => "bytearray",
            ObjectKind::List(_) => "list",
            ObjectKind::Tuple(_) => "tuple",
            ObjectKind::StructSeq(_) => "struct_seq",
            ObjectKind::Set(_) => "set",
            ObjectKind::FrozenSet(_) => "frozenset",
            ObjectKind::Dict(_) => "dict",
            ObjectKind::Range { .. } => "range",
            ObjectKind::Slice { .. } => "slice",
            ObjectKind::Instance(_) => "instance",
            ObjectKind::Type(_) => "type",
            ObjectKind::Module(_) => "module",
            ObjectKind::Function(_) => "function",
            ObjectKind::BoundMethod { .. } => "method",
            ObjectKind::Code(_) => "code",
            ObjectKind::Cell { .. } => "cell",
            ObjectKind::Exception(_) => "exception",
            ObjectKind::Traceback(_) => "traceback",
            ObjectKind::Generator(g) => g.flavor.name(),
            ObjectKind::Deque { .. } => "deque",
            ObjectKind::OrderedDict { .. } => "ordered_dict",
            ObjectKind::DefaultDict { .. } => "defaultdict",
            ObjectKind::Counter(_) => "counter",
            ObjectKind::EnumMember { .. } => "enum_member",
            ObjectKind::Date { .. } => "date",
            ObjectKind::Time(_) => "time",
            ObjectKind::DateTime { .. } => "datetime",
            ObjectKind::TimeDelta { .. } => "timedelta",
            ObjectKind::TimeZone { .. } => "timezone",
            ObjectKind::Fraction { .. } => "fraction",
            ObjectKind::Uuid(_) => "uuid",
            ObjectKind::Decimal(_) => "decimal",
            ObjectKind::Pattern { .. } => "pattern",
            ObjectKind::Lock { .. } => "lock",
            ObjectKind::RLock { .. } => "rlock",
            ObjectKind::File(_) => "file",
            ObjectKind::Socket { .. } => "socket",
            ObjectKind::MemoryView(_) => "memoryview",
            ObjectKind::Task(t) if t.is_task => "task",
            ObjectKind::Task(_) => "future",
            ObjectKind::NdArray(_) => "ndarray",
            ObjectKind::Opaque => "surrogate",
            ObjectKind::NotRead { .. } => "not_read",
            ObjectKind::Unreadable { .. } => "unreadable",
            ObjectKind::Redacted { .. } => "redacted",
        }
    }
}

/// A struct sequence's values and the names its repr gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StructSeqInfo {
    /// `tp_name` of its type, which its repr starts with (`os.stat_result`,
    /// `sys.version_info`).
    pub type_name: Arc<str>,
    /// The names of the visible fields, in order (shared by the type's instances).
    pub names: Vec<Arc<str>>,
    /// The visible fields (`n_sequence_fields`; the others are only attributes).
    pub items: Items,
}

/// Attributes of an instance, in `__dict__` order, then `__slots__` in the class's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Instance {
    /// Names are shared between instances.
    pub attrs: Vec<(Arc<str>, ObjId)>,
    /// How many attributes there are (more than `attrs` when cut by a bound).
    pub length: u64,
    /// The class defines `__repr__`: `repr()` would call Python code, which hd can't run.
    pub custom_repr: bool,
}

/// A class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TypeInfo {
    pub name: String,
    pub qualname: String,
    pub module: String,
    pub bases: Vec<ObjId>,
    pub mro: Vec<ObjId>,
    /// `__dict__` (read only when asked for: `tp_dict`).
    pub dict: Option<ObjId>,
    /// How `repr()` shows the class, which its metaclass decides.
    pub repr_style: TypeReprStyle,
}

/// `repr()` of a class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TypeReprStyle {
    /// `<class 'module.QualName'>`.
    #[default]
    Class,
    /// `<enum 'Name'>` or `<flag 'Name'>` (enum's metaclass).
    Enum(String),
    /// The metaclass defines `__repr__`.
    Custom,
}

/// A module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ModuleInfo {
    pub name: String,
    /// `__file__`, or the origin of its spec.
    pub file: Option<String>,
    /// How `repr()` names where it came from: `from '…'`, `(built-in)`, `(frozen)`.
    pub origin: ModuleOrigin,
    /// Its globals, read only when asked for.
    pub globals: Option<ObjId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ModuleOrigin {
    /// `<module 'name' from 'path'>`.
    File(String),
    /// `<module 'name' (built-in)>`, `(frozen)`, `(namespace)`…
    Tag(String),
    /// `<module 'name'>`.
    #[default]
    Unknown,
}

/// A Python function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FunctionInfo {
    pub name: String,
    pub qualname: String,
    pub module: Option<String>,
    pub code: Option<ObjId>,
    pub defaults: Option<ObjId>,
    pub kwdefaults: Option<ObjId>,
    /// The closure's cells.
    pub closure: Option<ObjId>,
}

/// A code object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CodeInfo {
    pub name: String,
    pub qualname: String,
    pub filename: String,
    pub first_line: i64,
}

/// An exception instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExceptionInfo {
    pub args: Option<ObjId>,
    pub cause: Option<ObjId>,
    pub context: Option<ObjId>,
    pub suppress_context: bool,
    /// `__notes__` (3.11+).
    pub notes: Option<ObjId>,
    pub traceback: Option<ObjId>,
    /// Other attributes from its `__dict__`.
    pub attrs: Vec<(Arc<str>, ObjId)>,
    /// The class defines `__repr__`.
    pub custom_repr: bool,
}

/// A traceback: the frames it went through, outermost first, like `traceback` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TracebackInfo {
    pub entries: Vec<TracebackEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TracebackEntry {
    pub function: String,
    pub qualname: String,
    pub file: String,
    pub line: Option<i64>,
}

/// Generators, coroutines, async generators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorFlavor {
    Generator,
    Coroutine,
    AsyncGenerator,
}

impl GeneratorFlavor {
    /// Python's name of the type: `generator`, `coroutine`, `async_generator`.
    pub fn name(self) -> &'static str {
        match self {
            GeneratorFlavor::Generator => "generator",
            GeneratorFlavor::Coroutine => "coroutine",
            GeneratorFlavor::AsyncGenerator => "async_generator",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorState {
    Created,
    Suspended,
    Running,
    Finished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratorInfo {
    pub flavor: GeneratorFlavor,
    pub name: String,
    pub qualname: String,
    pub state: GeneratorState,
    /// Its suspended frame with locals (one frame: the generator's own).
    pub frame: Option<super::Frame>,
    /// What it is waiting on (`yield from` / `await`), when known.
    pub awaiting: Option<ObjId>,
}

/// `asyncio.Task` / `asyncio.Future` (the C implementations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub is_task: bool,
    pub state: TaskState,
    /// The task's name (a str, or what `set_name` was given).
    pub name: Option<ObjId>,
    /// The coroutine a task runs.
    pub coro: Option<ObjId>,
    /// The future a task waits on.
    pub waiting_on: Option<ObjId>,
    pub result: Option<ObjId>,
    pub exception: Option<ObjId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Pending,
    Cancelled,
    Finished,
}

/// Time of day, with its tzinfo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TimeInfo {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
    pub fold: u8,
    pub tzinfo: Option<ObjId>,
}

/// A file object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileInfo {
    /// `_io.TextIOWrapper`, `_io.BufferedReader`, `_io.FileIO`…
    pub class: String,
    pub name: Option<ObjId>,
    pub mode: Option<String>,
    pub encoding: Option<String>,
    pub fd: Option<i64>,
    pub closed: bool,
    pub closefd: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MemoryViewInfo {
    pub format: String,
    pub itemsize: i64,
    pub ndim: i64,
    pub shape: Vec<i64>,
    pub readonly: bool,
    pub nbytes: i64,
    pub obj: Option<ObjId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct NdArrayInfo {
    /// `dtype.str`-like: kind, byte order and size (`<i8`, `<f8`).
    pub dtype: String,
    pub shape: Vec<i64>,
    pub strides: Vec<i64>,
    /// The first elements in C order, when the buffer is in the dump and the dtype is
    /// numeric or boolean.
    pub head: Vec<NdScalar>,
    pub size: u64,
}

/// One element of a NumPy array, as `.item()` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum NdScalar {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Complex(f64, f64),
}

/// One object of the process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Object {
    pub id: ObjId,
    /// `module.QualName`, or just the name for builtins (`int`); shared by all objects of
    /// the type.
    pub type_name: Arc<str>,
    /// The type's `__name__` (`OrderedDict`), as reprs like `MySet({1})` print it.
    pub type_short: Arc<str>,
    pub kind: ObjectKind,
    /// Shallow size in bytes, as `sys.getsizeof` would say, when it can be computed.
    pub size: Option<u64>,
}

/// Hashes object addresses: they are distinct already, only their low bits are alike
/// (alignment), so one multiplication spreads them (SipHash would be wasted work here).
#[derive(Default, Clone, Copy)]
pub struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (x ^ (x >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by addresses.
pub type AddrMap<V> = HashMap<u64, V, BuildHasherDefault<AddrHasher>>;

/// Objects by id. Serialized as the list of objects; the index is rebuilt when read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "Vec<Object>")]
pub struct ObjectGraph {
    /// In the order they were first added.
    objects: Vec<Object>,
    /// Position in `objects` by id. Only these small entries move when it grows.
    index: AddrMap<u32>,
}

impl From<Vec<Object>> for ObjectGraph {
    fn from(objects: Vec<Object>) -> Self {
        let mut g = ObjectGraph::default();
        for o in objects {
            g.insert(o);
        }
        g
    }
}

impl Serialize for ObjectGraph {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.objects.serialize(s)
    }
}

impl ObjectGraph {
    /// The objects reachable from `roots` through their referents, nearest the roots first
    /// (breadth first); ids not in the graph are left out.
    pub fn reachable(&self, roots: impl IntoIterator<Item = ObjId>) -> Vec<ObjId> {
        let mut seen = std::collections::HashSet::new();
        let mut queue: std::collections::VecDeque<ObjId> = roots.into_iter().collect();
        let mut order = Vec::new();
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id) {
                continue;
            }
            let Some(o) = self.get(id) else { continue };
            order.push(id);
            o.kind.for_each_referent(|r| {
                if !seen.contains(&r) {
                    queue.push_back(r);
                }
            });
        }
        order
    }

    /// Keeps the objects whose id `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(ObjId) -> bool) {
        self.objects.retain(|o| keep(o.id));
        self.index = self
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id, i as u32))
            .collect();
    }

    pub fn get(&self, id: ObjId) -> Option<&Object> {
        self.objects.get(*self.index.get(&id)? as usize)
    }

    /// Adds `obj`, or replaces the object with its id.
    pub fn insert(&mut self, obj: Object) {
        match self.index.get(&obj.id) {
            Some(&i) => {
                if let Some(slot) = self.objects.get_mut(i as usize) {
                    *slot = obj;
                }
            }
            None => {
                // Past u32::MAX objects (far beyond --max-objects' reach) new ones are
                // dropped; views show them as not read.
                let Ok(i) = u32::try_from(self.objects.len()) else {
                    return;
                };
                self.index.insert(obj.id, i);
                self.objects.push(obj);
            }
        }
    }

    pub fn contains(&self, id: ObjId) -> bool {
        self.index.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Object> {
        self.objects.iter_mut()
    }

    /// Generators, coroutines and async generators that haven't finished, by address.
    pub fn unfinished_generators(&self) -> Vec<(ObjId, &GeneratorInfo)> {
        let mut v: Vec<_> = self
            .objects
            .iter()
            .filter_map(|o| match &o.kind {
                ObjectKind::Generator(g) if g.state != GeneratorState::Finished => {
                    Some((o.id, &**g))
                }
                _ => None,
            })
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v
    }

    /// asyncio tasks still pending, by address.
    pub fn pending_tasks(&self) -> Vec<(ObjId, &TaskInfo)> {
        let mut v: Vec<_> = self
            .objects
            .iter()
            .filter_map(|o| match &o.kind {
                ObjectKind::Task(t) if t.is_task && t.state == TaskState::Pending => {
                    Some((o.id, &**t))
                }
                _ => None,
            })
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v
    }

    /// The coroutine a task runs, when it was read.
    pub fn task_coroutine(&self, t: &TaskInfo) -> Option<&GeneratorInfo> {
        match &self.get(t.coro?)?.kind {
            ObjectKind::Generator(g) => Some(g),
            _ => None,
        }
    }

    /// The await chain from a coroutine (or generator): it, the one it awaits, the one that
    /// awaits, … as far as they were read, and what the last one awaits when that isn't a
    /// generator read here (a future, a task, or an object not read).
    pub fn await_chain(
        &self,
        start: Option<ObjId>,
    ) -> (Vec<(ObjId, &GeneratorInfo)>, Option<ObjId>) {
        let mut chain: Vec<(ObjId, &GeneratorInfo)> = Vec::new();
        let mut next = start;
        while let Some(id) = next {
            let gen = match self.get(id).map(|o| &o.kind) {
                Some(ObjectKind::Generator(g)) => g,
                _ => return (chain, Some(id)),
            };
            if chain.len() >= crate::limits::MAX_AWAIT_CHAIN || chain.iter().any(|(c, _)| *c == id)
            {
                break;
            }
            chain.push((id, gen));
            next = gen.awaiting;
        }
        (chain, None)
    }

    /// A task's name: its str, or `Task-N` for the int N that 3.12+ keeps until
    /// `get_name()` is called.
    pub fn task_name(&self, t: &TaskInfo) -> Option<String> {
        match &self.get(t.name?)?.kind {
            ObjectKind::Str { text, .. } => Some(text.to_string_lossy()),
            ObjectKind::Int(IntValue::Decimal(n)) => Some(format!("Task-{n}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_read_back_has_its_index() {
        let mut g = ObjectGraph::default();
        for id in [0x30, 0x10, 0x20] {
            g.insert(Object {
                id,
                type_name: "NoneType".into(),
                type_short: "NoneType".into(),
                kind: ObjectKind::None,
                size: None,
            });
        }
        let text = serde_json::to_string(&g).expect("serializes");
        assert!(text.starts_with('['), "a list of objects: {text}");
        let back: ObjectGraph = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, g);
        assert_eq!(back.get(0x10).map(|o| o.id), Some(0x10));
        assert!(back.get(0x40).is_none());
    }
}
