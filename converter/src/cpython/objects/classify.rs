//! Which decoder reads an object, decided once per type.
//!
//! Builtins by their identity (address or static name); C types of the standard library by
//! the name of the first class in the MRO that hd knows; Python classes of the standard library
//! (`Counter`, `Fraction`, `UUID`, enum members) by name too; everything else as an instance
//! with its attributes. A class that defines `__repr__` itself is noted: `repr()` would run
//! Python code, which can't be done on a dump.

use super::{Builtin, ObjReader, TypeInfo};
use crate::source::RemoteAddr;

/// C types of the standard library hd decodes, found by `module.QualName` in the MRO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdlibKind {
    Deque,
    OrderedDict,
    DefaultDict,
    Date,
    Time,
    DateTime,
    TimeDelta,
    TimeZone,
    Decimal,
    Pattern,
    Lock,
    RLock,
    FileIo,
    Buffered,
    TextIo,
    Socket,
    NdArray,
    Task,
    Future,
    /// `_asyncio.FutureIter`: what `await fut` delegates to; read only to reach its future.
    FutureIter,
}

impl StdlibKind {
    /// Whether decoding reads the version's [`crate::cpython::layout::StdlibLayout`] (the
    /// datetime types are in the main table, NumPy's arrays in their own).
    pub fn needs_table(self) -> bool {
        !matches!(
            self,
            StdlibKind::Date
                | StdlibKind::Time
                | StdlibKind::DateTime
                | StdlibKind::TimeDelta
                | StdlibKind::NdArray
        )
    }
}

/// Python classes of the standard library with a known `__repr__`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyStdlibKind {
    Counter,
    Fraction,
    Uuid,
    EnumMember,
}

/// How to read objects of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// A builtin value kind (the type, or a subclass that keeps its `repr`).
    Builtin(Builtin),
    /// Any class object (instances of `type` and of metaclasses).
    Type,
    /// An exception instance.
    Exception {
        custom_repr: bool,
    },
    Stdlib {
        kind: StdlibKind,
        custom_repr: bool,
    },
    PyStdlib {
        kind: PyStdlibKind,
        custom_repr: bool,
    },
    /// A struct sequence (`os.stat_result`): a tuple with named fields.
    StructSeq,
    /// An instance of a Python class: its attributes.
    Instance {
        custom_repr: bool,
    },
    /// A C type hd doesn't read.
    Opaque,
}

const STDLIB_NAMES: &[(&str, StdlibKind)] = &[
    ("collections.deque", StdlibKind::Deque),
    ("collections.OrderedDict", StdlibKind::OrderedDict),
    ("collections.defaultdict", StdlibKind::DefaultDict),
    ("datetime.datetime", StdlibKind::DateTime),
    ("datetime.date", StdlibKind::Date),
    ("datetime.time", StdlibKind::Time),
    ("datetime.timedelta", StdlibKind::TimeDelta),
    ("datetime.timezone", StdlibKind::TimeZone),
    ("decimal.Decimal", StdlibKind::Decimal),
    ("re.Pattern", StdlibKind::Pattern),
    ("_sre.SRE_Pattern", StdlibKind::Pattern),
    ("_thread.lock", StdlibKind::Lock),
    ("_thread.RLock", StdlibKind::RLock),
    ("_io.FileIO", StdlibKind::FileIo),
    ("_io.BufferedReader", StdlibKind::Buffered),
    ("_io.BufferedWriter", StdlibKind::Buffered),
    ("_io.BufferedRandom", StdlibKind::Buffered),
    ("_io.TextIOWrapper", StdlibKind::TextIo),
    ("_socket.socket", StdlibKind::Socket),
    ("numpy.ndarray", StdlibKind::NdArray),
    ("_asyncio.Task", StdlibKind::Task),
    ("_asyncio.Future", StdlibKind::Future),
    ("_asyncio.FutureIter", StdlibKind::FutureIter),
];

const PY_STDLIB_NAMES: &[(&str, PyStdlibKind)] = &[
    ("collections.Counter", PyStdlibKind::Counter),
    ("fractions.Fraction", PyStdlibKind::Fraction),
    ("uuid.UUID", PyStdlibKind::Uuid),
];

impl ObjReader<'_> {
    /// The decoder for objects of type `t`, decided once per type.
    pub fn decoder(&self, t: &TypeInfo) -> Decoder {
        *t.decoder.get_or_init(|| self.classify(t))
    }

    fn classify(&self, t: &TypeInfo) -> Decoder {
        // Any type object, whatever its metaclass.
        if t.flags & super::tp_flags::TYPE_SUBCLASS != 0 {
            return Decoder::Type;
        }
        let mro = self.mro_full(t);
        // Classes before position `stop` in the MRO define __repr__ in their own dicts.
        let overrides_repr_before = |stop: usize| {
            mro[..stop.min(mro.len())]
                .iter()
                .any(|c| self.defines(c, "__repr__"))
        };
        // Enum members: their class's metaclass derives from EnumMeta (EnumType on 3.11+).
        if t.heap {
            if let Ok(meta) = self.type_of(t.addr) {
                if self.is_enum_meta(&meta) {
                    // EnumType copies Enum.__repr__ into classes mixed with another type
                    // (IntEnum): only a different function is an override.
                    let stop = mro
                        .iter()
                        .position(|c| &*c.display == "enum.Enum")
                        .unwrap_or(mro.len());
                    let enum_repr = mro.get(stop).and_then(|e| self.class_attr(e, "__repr__"));
                    let custom_repr = mro[..stop].iter().any(|c| {
                        self.class_attr(c, "__repr__")
                            .is_some_and(|f| Some(f) != enum_repr)
                    });
                    return Decoder::PyStdlib {
                        kind: PyStdlibKind::EnumMember,
                        custom_repr,
                    };
                }
            }
        }
        // Known classes of the standard library, the most derived first.
        for (i, c) in mro.iter().enumerate() {
            if let Some((_, kind)) = PY_STDLIB_NAMES.iter().find(|(n, _)| **n == *c.display) {
                return Decoder::PyStdlib {
                    kind: *kind,
                    custom_repr: overrides_repr_before(i),
                };
            }
            if let Some((_, kind)) = STDLIB_NAMES.iter().find(|(n, _)| **n == *c.display) {
                return Decoder::Stdlib {
                    kind: *kind,
                    custom_repr: c.tp_repr != t.tp_repr || overrides_repr_before(i),
                };
            }
        }
        if self.is_struct_seq(t) {
            return Decoder::StructSeq;
        }
        match t.repr_as {
            Some(Builtin::Object) => Decoder::Instance { custom_repr: false },
            Some(Builtin::BaseException) => Decoder::Exception { custom_repr: false },
            Some(b) => Decoder::Builtin(b),
            None if t.flags & super::tp_flags::BASE_EXC_SUBCLASS != 0 => {
                Decoder::Exception { custom_repr: true }
            }
            // A class whose repr is neither object's nor a builtin's defines its own.
            None if t.heap => Decoder::Instance { custom_repr: true },
            None => Decoder::Opaque,
        }
    }

    /// `t` and its bases through `tp_base` (the MRO's spine), at most 64.
    /// The addresses in a type's `tp_mro` (at most [`crate::limits::MAX_MRO`]), read once per type.
    pub(super) fn mro_of<'t>(&self, t: &'t TypeInfo) -> &'t [RemoteAddr] {
        t.mro.get_or_init(|| {
            self.r
                .ptr_at(t.addr, self.layout.type_object.tp_mro)
                .ok()
                .filter(|m| !m.is_null())
                .and_then(|m| self.tuple_items(m, crate::limits::MAX_MRO).ok())
                .map(|(items, _)| items)
                .unwrap_or_default()
        })
    }

    pub(super) fn base_chain(&self, t: &TypeInfo) -> Vec<std::rc::Rc<TypeInfo>> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut cur = Some(t.addr);
        while let Some(a) = cur.filter(|a| !a.is_null()) {
            if out.len() >= 64 || !seen.insert(a.0) {
                break;
            }
            let Ok(info) = self.type_info(a) else { break };
            cur = Some(info.base);
            out.push(info);
        }
        out
    }

    /// How `repr()` shows the class `t`: its metaclass decides. `flag_repr`: this version's
    /// `EnumType.__repr__` says "flag" for `Flag` classes (`StdlibLayout::enum_flag_repr`).
    pub fn type_repr_style(&self, t: &TypeInfo, flag_repr: bool) -> crate::model::TypeReprStyle {
        use crate::model::TypeReprStyle;
        let Ok(meta) = self.type_of(t.addr) else {
            return TypeReprStyle::Class;
        };
        if self.is_enum_meta(&meta) {
            let flag = flag_repr && self.mro_full(t).iter().any(|c| &*c.display == "enum.Flag");
            return TypeReprStyle::Enum(if flag { "flag" } else { "enum" }.into());
        }
        if self
            .mro_full(&meta)
            .iter()
            .any(|m| self.defines(m, "__repr__"))
        {
            return TypeReprStyle::Custom;
        }
        TypeReprStyle::Class
    }

    /// The full MRO (`tp_mro`), or the `tp_base` chain when it can't be read.
    pub(super) fn mro_full(&self, t: &TypeInfo) -> Vec<std::rc::Rc<TypeInfo>> {
        let mro: Vec<_> = self
            .mro_of(t)
            .iter()
            .filter_map(|&a| self.type_info(a).ok())
            .collect();
        if mro.first().map(|c| c.addr) == Some(t.addr) {
            mro
        } else {
            self.base_chain(t)
        }
    }

    /// `name` in the class's own `__dict__` (heap types).
    pub(super) fn class_attr(&self, c: &TypeInfo, name: &str) -> Option<RemoteAddr> {
        if !c.heap {
            return None;
        }
        self.type_dict(c.addr)
            .and_then(|d| self.dict_get_str(d, name).ok().flatten())
    }

    /// Whether the class's own `__dict__` has `name` (heap types; static types never do for
    /// our purposes).
    pub(super) fn defines(&self, c: &TypeInfo, name: &str) -> bool {
        self.class_attr(c, name).is_some()
    }

    /// Whether `meta` is enum's metaclass or derives from it (`EnumMeta`, `EnumType` on
    /// 3.11+), through its MRO.
    fn is_enum_meta(&self, meta: &TypeInfo) -> bool {
        self.mro_full(meta)
            .iter()
            .any(|m| matches!(&*m.display, "enum.EnumMeta" | "enum.EnumType"))
    }

    /// `tp_dict` of a type, when set.
    pub(super) fn type_dict(&self, t: RemoteAddr) -> Option<RemoteAddr> {
        self.r
            .ptr_at(t, self.layout.type_object.tp_dict)
            .ok()
            .filter(|d| !d.is_null())
    }
}
