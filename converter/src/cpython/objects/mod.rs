//! Reading Python objects out of foreign memory: types, values, containers, attributes.
//!
//! [`ObjReader`] decodes one object at a time and trusts nothing: every length is bounded by
//! the caller's limit and by `limits`, every pointer is read through the [`Reader`].

mod classify;
mod collect;
mod generator;
mod int;
mod size;
mod stdlib_values;
mod struct_seq;
#[cfg(test)]
#[path = "tests/synth.rs"]
mod synth_tests;

pub use classify::{Decoder, PyStdlibKind, StdlibKind};
pub use collect::{CollectLimits, Collector};

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::limits;
use crate::model::{IntValue, PyText};
use crate::source::{ReadError, Reader, RemoteAddr};

use super::layout::{
    tp_flags, DictKeysLayout, DictValuesLayout, InstanceDictLayout, Layout, LongEncoding,
};

/// Builtin types hd decodes, by what they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    None,
    Ellipsis,
    NotImplemented,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Cell,
    Code,
    Module,
    Type,
    Complex,
    ByteArray,
    Range,
    Slice,
    Function,
    Method,
    Generator,
    Coroutine,
    AsyncGenerator,
    Traceback,
    MemoryView,
    MemberDescriptor,
    /// `object` itself.
    Object,
    /// `BaseException` (the root of exceptions, not a value kind of its own).
    BaseException,
}

/// The symbol of each builtin type object.
pub const BUILTIN_SYMBOLS: &[(&str, Builtin)] = &[
    ("_PyNone_Type", Builtin::None),
    ("PyEllipsis_Type", Builtin::Ellipsis),
    ("_PyNotImplemented_Type", Builtin::NotImplemented),
    ("PyBool_Type", Builtin::Bool),
    ("PyLong_Type", Builtin::Int),
    ("PyFloat_Type", Builtin::Float),
    ("PyUnicode_Type", Builtin::Str),
    ("PyBytes_Type", Builtin::Bytes),
    ("PyList_Type", Builtin::List),
    ("PyTuple_Type", Builtin::Tuple),
    ("PyDict_Type", Builtin::Dict),
    ("PySet_Type", Builtin::Set),
    ("PyFrozenSet_Type", Builtin::FrozenSet),
    ("PyCell_Type", Builtin::Cell),
    ("PyCode_Type", Builtin::Code),
    ("PyModule_Type", Builtin::Module),
    ("PyType_Type", Builtin::Type),
    ("PyComplex_Type", Builtin::Complex),
    ("PyByteArray_Type", Builtin::ByteArray),
    ("PyRange_Type", Builtin::Range),
    ("PySlice_Type", Builtin::Slice),
    ("PyFunction_Type", Builtin::Function),
    ("PyMethod_Type", Builtin::Method),
    ("PyGen_Type", Builtin::Generator),
    ("PyCoro_Type", Builtin::Coroutine),
    ("PyAsyncGen_Type", Builtin::AsyncGenerator),
    ("PyTraceBack_Type", Builtin::Traceback),
    ("PyMemoryView_Type", Builtin::MemoryView),
    ("PyMemberDescr_Type", Builtin::MemberDescriptor),
    ("PyBaseObject_Type", Builtin::Object),
];

impl Builtin {
    /// Its `tp_name`.
    pub fn tp_name(self) -> &'static str {
        match self {
            Builtin::None => "NoneType",
            Builtin::Ellipsis => "ellipsis",
            Builtin::NotImplemented => "NotImplementedType",
            Builtin::Bool => "bool",
            Builtin::Int => "int",
            Builtin::Float => "float",
            Builtin::Str => "str",
            Builtin::Bytes => "bytes",
            Builtin::List => "list",
            Builtin::Tuple => "tuple",
            Builtin::Dict => "dict",
            Builtin::Set => "set",
            Builtin::FrozenSet => "frozenset",
            Builtin::Cell => "cell",
            Builtin::Code => "code",
            Builtin::Module => "module",
            Builtin::Type => "type",
            Builtin::Complex => "complex",
            Builtin::ByteArray => "bytearray",
            Builtin::Range => "range",
            Builtin::Slice => "slice",
            Builtin::Function => "function",
            Builtin::Method => "method",
            Builtin::Generator => "generator",
            Builtin::Coroutine => "coroutine",
            Builtin::AsyncGenerator => "async_generator",
            Builtin::Traceback => "traceback",
            Builtin::MemoryView => "memoryview",
            Builtin::MemberDescriptor => "member_descriptor",
            Builtin::Object => "object",
            Builtin::BaseException => "BaseException",
        }
    }

    /// The builtin whose `tp_name` is `name` (static types only).
    fn from_tp_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "NoneType" => Builtin::None,
            "ellipsis" => Builtin::Ellipsis,
            "NotImplementedType" => Builtin::NotImplemented,
            "bool" => Builtin::Bool,
            "int" => Builtin::Int,
            "float" => Builtin::Float,
            "str" => Builtin::Str,
            "bytes" => Builtin::Bytes,
            "list" => Builtin::List,
            "tuple" => Builtin::Tuple,
            "dict" => Builtin::Dict,
            "set" => Builtin::Set,
            "frozenset" => Builtin::FrozenSet,
            "cell" => Builtin::Cell,
            "code" => Builtin::Code,
            "module" => Builtin::Module,
            "type" => Builtin::Type,
            "complex" => Builtin::Complex,
            "bytearray" => Builtin::ByteArray,
            "range" => Builtin::Range,
            "slice" => Builtin::Slice,
            "function" => Builtin::Function,
            "method" => Builtin::Method,
            "generator" => Builtin::Generator,
            "coroutine" => Builtin::Coroutine,
            "async_generator" => Builtin::AsyncGenerator,
            "traceback" => Builtin::Traceback,
            "memoryview" => Builtin::MemoryView,
            "member_descriptor" => Builtin::MemberDescriptor,
            "object" => Builtin::Object,
            "BaseException" => Builtin::BaseException,
            _ => return None,
        })
    }
}

/// What we know of a type object.
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub addr: RemoteAddr,
    /// `tp_name` as its C code has it (`os.stat_result`); `None` when that string is not in
    /// the dump.
    pub c_name: Option<String>,
    /// `module.QualName`, or the bare name for builtins (shared by every object of the type).
    pub display: Arc<str>,
    /// `__name__`: what `tp_name` has after its last dot.
    pub name: Arc<str>,
    pub qualname: String,
    pub module: String,
    pub flags: u64,
    pub basicsize: i64,
    pub itemsize: i64,
    pub dictoffset: i64,
    /// `tp_weaklistoffset`: negative for a managed weakref list (3.12+).
    pub weaklistoffset: i64,
    pub tp_repr: u64,
    pub base: RemoteAddr,
    pub heap: bool,
    /// This type is exactly that builtin.
    pub builtin: Option<Builtin>,
    /// The builtin whose `repr()` this type uses: itself, or a builtin base whose `tp_repr`
    /// this type inherits unchanged.
    pub repr_as: Option<Builtin>,
    /// `ht_cached_keys` of heap types (shared keys of their instances).
    pub cached_keys: RemoteAddr,
    /// How its instances are read (see [`ObjReader::decoder`]).
    pub decoder: std::cell::OnceCell<Decoder>,
    /// Its instances' object slots (see [`ObjReader::slots_of`]).
    pub slots: std::cell::OnceCell<Vec<(std::sync::Arc<str>, u64)>>,
    /// Struct sequences: the names of its fields (see [`ObjReader::struct_seq_names`]).
    pub field_names: std::cell::OnceCell<Vec<std::sync::Arc<str>>>,
    /// The addresses in `tp_mro` (see [`ObjReader::mro_of`]).
    pub mro: std::cell::OnceCell<Vec<RemoteAddr>>,
}

/// The name shown for a type whose name could not be read.
pub const UNKNOWN_TYPE: &str = "?";

impl TypeInfo {
    /// What is known of a builtin type without reading it.
    fn builtin(addr: RemoteAddr, b: Builtin) -> TypeInfo {
        TypeInfo {
            addr,
            c_name: Some(b.tp_name().to_string()),
            display: Arc::from(b.tp_name()),
            name: Arc::from(b.tp_name()),
            qualname: b.tp_name().to_string(),
            module: "builtins".into(),
            flags: 0,
            basicsize: 0,
            itemsize: 0,
            dictoffset: 0,
            weaklistoffset: 0,
            tp_repr: 0,
            base: RemoteAddr::NULL,
            heap: false,
            builtin: Some(b),
            repr_as: Some(b),
            cached_keys: RemoteAddr::NULL,
            decoder: Default::default(),
            slots: Default::default(),
            field_names: Default::default(),
            mro: Default::default(),
        }
    }
}

/// Decodes objects; caches type information.
pub struct ObjReader<'a> {
    pub r: Reader<'a>,
    pub layout: &'a Layout,
    types: RefCell<HashMap<u64, Rc<TypeInfo>>>,
    /// Builtin type objects by address, from the symbol tables.
    known: HashMap<u64, Builtin>,
    /// `structseq_repr`, once learnt (see `struct_seq.rs`).
    struct_seq_repr: std::cell::OnceCell<u64>,
    /// NumPy's major version, once learnt from `numpy.__version__`.
    numpy_major: std::cell::OnceCell<u64>,
}

impl<'a> ObjReader<'a> {
    pub fn new(r: Reader<'a>, layout: &'a Layout) -> Self {
        ObjReader {
            r,
            layout,
            types: RefCell::new(HashMap::new()),
            known: HashMap::new(),
            struct_seq_repr: std::cell::OnceCell::new(),
            numpy_major: std::cell::OnceCell::new(),
        }
    }

    /// Builtin types by address (from symbols), so they are recognised even when their type
    /// object's memory is missing from the dump.
    pub fn with_known_types(mut self, known: HashMap<u64, Builtin>) -> Self {
        self.known = known;
        self
    }

    fn ptr(&self) -> u64 {
        u64::from(self.r.ptr_size())
    }

    /// `ob_type` of an object.
    pub fn type_addr(&self, obj: RemoteAddr) -> Result<RemoteAddr, ReadError> {
        self.r.ptr_at(obj, self.layout.object.ob_type)
    }

    /// `ob_size` of a variable-size object.
    pub fn ob_size(&self, obj: RemoteAddr) -> Result<i64, ReadError> {
        self.r.ssize_at(obj, self.layout.object.ob_size)
    }

    /// The type of `obj`, cached.
    pub fn type_of(&self, obj: RemoteAddr) -> Result<Rc<TypeInfo>, ReadError> {
        let t = self.type_addr(obj)?;
        self.type_info(t)
    }

    pub fn type_info(&self, t: RemoteAddr) -> Result<Rc<TypeInfo>, ReadError> {
        self.type_info_at(t, 0)
    }

    /// `type_info` for a type `depth` bases below the one asked for (bounds a cyclic chain).
    fn type_info_at(&self, t: RemoteAddr, depth: usize) -> Result<Rc<TypeInfo>, ReadError> {
        if let Some(info) = self.types.borrow().get(&t.0) {
            return Ok(info.clone());
        }
        let info = match (self.read_type(t, depth), self.known.get(&t.0)) {
            (Ok(mut info), Some(&b)) => {
                // The address decides; the name in memory is only a cross-check.
                info.builtin = Some(b);
                info.repr_as = Some(b);
                Rc::new(info)
            }
            (Ok(info), None) => Rc::new(info),
            (Err(_), Some(&b)) => Rc::new(TypeInfo::builtin(t, b)),
            (Err(e), None) => return Err(e),
        };
        self.types.borrow_mut().insert(t.0, info.clone());
        Ok(info)
    }

    fn read_type(&self, t: RemoteAddr, depth: usize) -> Result<TypeInfo, ReadError> {
        if t.is_null() {
            return Err(ReadError::invalid(t));
        }
        let tl = &self.layout.type_object;
        let flags = self.r.word_at(t, tl.tp_flags)?;
        let heap = flags & tp_flags::HEAPTYPE != 0;
        let name_ptr = self.r.ptr_at(t, tl.tp_name)?;
        // Static types keep their name in read-only data, which is missing from the dump when
        // the library isn't on this machine: then the builtin is told by its tp_flags.
        let c_name = self
            .r
            .c_string(name_ptr, limits::MAX_C_STRING)
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let tp_name = match c_name.clone() {
            Ok(n) => n,
            Err(_) if !heap => match self.builtin_by_flags(flags, t, depth) {
                Some(b) => b.tp_name().to_string(),
                None => UNKNOWN_TYPE.to_string(),
            },
            // Types made from a PyType_Spec point tp_name at the spec's static string; their
            // name objects are on the heap.
            Err(e) => self
                .r
                .ptr_at(t, tl.ht_name)
                .and_then(|n| self.str_plain(n))
                .map_err(|_| e)?,
        };
        let basicsize = self.r.ssize_at(t, tl.tp_basicsize).unwrap_or(0);
        let itemsize = self.r.ssize_at(t, tl.tp_itemsize).unwrap_or(0);
        let dictoffset = self.r.ssize_at(t, tl.tp_dictoffset).unwrap_or(0);
        let weaklistoffset = self.r.ssize_at(t, tl.tp_weaklistoffset).unwrap_or(0);
        let tp_repr = self.r.word_at(t, tl.tp_repr).unwrap_or(0);
        let base = self.r.ptr_at(t, tl.tp_base).unwrap_or(RemoteAddr::NULL);

        let (module, qualname) = if heap {
            let qualname = self
                .r
                .ptr_at(t, tl.ht_qualname)
                .ok()
                .and_then(|q| self.str_plain(q).ok())
                .unwrap_or_else(|| tp_name.clone());
            let module = self
                .r
                .ptr_at(t, tl.tp_dict)
                .ok()
                .filter(|d| !d.is_null())
                .and_then(|d| self.dict_get_str(d, "__module__").ok().flatten())
                .and_then(|m| self.str_plain(m).ok())
                .unwrap_or_else(|| "builtins".into());
            (module, qualname)
        } else {
            match tp_name.rsplit_once('.') {
                Some((m, q)) => (m.to_string(), q.to_string()),
                None => ("builtins".to_string(), tp_name.clone()),
            }
        };
        let builtin = if heap {
            None
        } else {
            Builtin::from_tp_name(&tp_name)
        };
        let display = if module == "builtins" {
            qualname.clone()
        } else {
            format!("{module}.{qualname}")
        };
        let cached_keys = if heap {
            self.r
                .ptr_at(t, tl.ht_cached_keys)
                .unwrap_or(RemoteAddr::NULL)
        } else {
            RemoteAddr::NULL
        };
        let mut info = TypeInfo {
            addr: t,
            c_name: c_name.ok(),
            display: Arc::from(display),
            name: Arc::from(tp_name.rsplit('.').next().unwrap_or(&tp_name)),
            qualname,
            module,
            flags,
            basicsize,
            itemsize,
            dictoffset,
            weaklistoffset,
            tp_repr,
            base,
            heap,
            builtin,
            repr_as: builtin,
            cached_keys,
            decoder: Default::default(),
            slots: Default::default(),
            field_names: Default::default(),
            mro: Default::default(),
        };
        // A subclass that doesn't override __repr__ prints like its builtin base.
        // Bases go through the cache: every class of a hierarchy asks for them.
        if info.repr_as.is_none() && !base.is_null() && depth < 64 {
            if let Ok(b) = self.type_info_at(base, depth + 1) {
                if b.repr_as.is_some() && b.tp_repr == tp_repr {
                    info.repr_as = b.repr_as;
                }
            }
        }
        Ok(info)
    }

    /// The builtin a static type is, from its `Py_TPFLAGS_*_SUBCLASS` bit (`bool` is the
    /// static int type whose base is a static int type).
    fn builtin_by_flags(&self, flags: u64, t: RemoteAddr, depth: usize) -> Option<Builtin> {
        let b = [
            (tp_flags::UNICODE_SUBCLASS, Builtin::Str),
            (tp_flags::LONG_SUBCLASS, Builtin::Int),
            (tp_flags::LIST_SUBCLASS, Builtin::List),
            (tp_flags::TUPLE_SUBCLASS, Builtin::Tuple),
            (tp_flags::BYTES_SUBCLASS, Builtin::Bytes),
            (tp_flags::DICT_SUBCLASS, Builtin::Dict),
            (tp_flags::TYPE_SUBCLASS, Builtin::Type),
        ]
        .into_iter()
        .find(|(f, _)| flags & f != 0)?;
        // The builtin itself derives from `object`; a static type whose base carries the same
        // flag is a subclass with its own repr (a structseq like sys.version_info), except
        // `bool`, the one static subclass of int.
        let tl = &self.layout.type_object;
        let base = self.r.ptr_at(t, tl.tp_base).ok()?;
        let base_flags = if base.is_null() {
            0
        } else {
            self.r.word_at(base, tl.tp_flags).ok()?
        };
        if base_flags & b.0 == 0 {
            return Some(b.1);
        }
        (b.1 == Builtin::Int && depth == 0 && base_flags & tp_flags::HEAPTYPE == 0)
            .then_some(Builtin::Bool)
    }

    /// A `str` that is expected to be short (names, file names): lossless up to
    /// `MAX_NAME_CHARS`, lone surrogates replaced.
    pub fn str_plain(&self, obj: RemoteAddr) -> Result<String, ReadError> {
        Ok(self
            .str_value(obj, limits::MAX_NAME_CHARS)?
            .0
            .to_string_lossy())
    }

    /// The first `max_chars` characters of a `str` and its full length.
    pub fn str_value(&self, obj: RemoteAddr, max_chars: usize) -> Result<(PyText, u64), ReadError> {
        let u = &self.layout.unicode;
        let length = self.r.ssize_at(obj, u.length)?;
        let length = u64::try_from(length).map_err(|_| ReadError::invalid(obj))?;
        let state = self.r.u32_at(obj, u.state)?;
        let bit = |pos: u8| (state >> pos) & 1 == 1;
        let kind = (state >> u.kind_shift) & ((1u32 << u.kind_bits) - 1);
        let compact = bit(u.compact_bit);
        let ascii = bit(u.ascii_bit);
        if let Some(ready) = u.ready_bit {
            if !bit(ready) {
                // A legacy string whose canonical data was never made (3.11 and older).
                return Err(ReadError::invalid(obj));
            }
        }
        let width: u64 = match kind {
            1 => 1,
            2 => 2,
            4 => 4,
            _ => return Err(ReadError::invalid(obj)),
        };
        let data = if compact {
            self.r
                .at(obj, if ascii { u.ascii_size } else { u.compact_size })?
        } else {
            self.r.ptr_at(obj, u.legacy_data)?
        };
        let n = length.min(max_chars as u64);
        let nbytes = usize::try_from(n * width).map_err(|_| ReadError::invalid(obj))?;
        let raw = self.r.bytes(data, nbytes)?;
        let text = match width {
            1 if ascii => PyText::Utf8(raw.iter().map(|&b| char::from(b & 0x7f)).collect()),
            1 => PyText::Utf8(raw.iter().map(|&b| char::from(b)).collect()),
            2 => PyText::from_code_points(
                raw.chunks_exact(2)
                    .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
                    .collect(),
            ),
            _ => PyText::from_code_points(
                raw.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
        };
        Ok((text, length))
    }

    /// Whether `obj` is a str whose text equals `want` (cheap: checks the length first).
    pub fn str_equals(&self, obj: RemoteAddr, want: &str) -> bool {
        let want_len = want.chars().count();
        match self.r.ssize_at(obj, self.layout.unicode.length) {
            Ok(len) if len as usize == want_len => {}
            _ => return false,
        }
        match self.str_value(obj, want_len) {
            Ok((PyText::Utf8(s), _)) => s == want,
            _ => false,
        }
    }

    /// The first `max` bytes of a `bytes` and its full length.
    pub fn bytes_value(&self, obj: RemoteAddr, max: usize) -> Result<(Vec<u8>, u64), ReadError> {
        let len = u64::try_from(self.ob_size(obj)?).map_err(|_| ReadError::invalid(obj))?;
        let n = len.min(max as u64) as usize;
        let data = self
            .r
            .bytes(self.r.at(obj, self.layout.bytes.ob_sval)?, n)?;
        Ok((data, len))
    }

    /// An `int`'s value.
    pub fn int_value(&self, obj: RemoteAddr) -> Result<IntValue, ReadError> {
        let l = &self.layout.long;
        let (negative, ndigits) = match l.encoding {
            LongEncoding::SignedSize => {
                let size = self.ob_size(obj)?;
                (size < 0, size.unsigned_abs())
            }
            LongEncoding::Tagged { lv_tag } => {
                let tag = self.r.word_at(obj, lv_tag)?;
                let sign = tag & 3;
                if sign == 1 {
                    return Ok(IntValue::Decimal("0".into()));
                }
                (sign == 2, tag >> 3)
            }
        };
        if ndigits > limits::MAX_INT_DIGITS {
            return Ok(IntValue::Huge {
                negative,
                bits: ndigits.saturating_mul(u64::from(l.digit_bits)),
            });
        }
        let base = self.r.at(obj, l.ob_digit)?;
        let raw = self
            .r
            .bytes(base, (ndigits * u64::from(l.digit_size)) as usize)?;
        let digits: Vec<u32> = match l.digit_size {
            2 => raw
                .chunks_exact(2)
                .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            _ => raw
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        };
        Ok(int::to_decimal(&digits, l.digit_bits, negative))
    }

    /// Whether an int is non-zero (for `bool`).
    pub fn int_is_nonzero(&self, obj: RemoteAddr) -> Result<bool, ReadError> {
        Ok(match self.int_value(obj)? {
            IntValue::Decimal(d) => d != "0",
            IntValue::Huge { .. } => true,
        })
    }

    pub fn float_value(&self, obj: RemoteAddr) -> Result<f64, ReadError> {
        self.r.f64(self.r.at(obj, self.layout.float.ob_fval)?)
    }

    /// A C array of `n` pointers at `at`.
    fn ptr_array(&self, at: RemoteAddr, n: u64) -> Result<Vec<RemoteAddr>, ReadError> {
        let p = self.ptr();
        let raw = self.r.bytes(
            at,
            usize::try_from(n * p).map_err(|_| ReadError::invalid(at))?,
        )?;
        Ok(raw
            .chunks_exact(p as usize)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                RemoteAddr(u64::from_le_bytes(w))
            })
            .collect())
    }

    /// The first `max` items of a tuple and its length.
    pub fn tuple_items(
        &self,
        obj: RemoteAddr,
        max: usize,
    ) -> Result<(Vec<RemoteAddr>, u64), ReadError> {
        let len = u64::try_from(self.ob_size(obj)?).map_err(|_| ReadError::invalid(obj))?;
        let n = len.min(max as u64);
        Ok((
            self.ptr_array(self.r.at(obj, self.layout.tuple.ob_item)?, n)?,
            len,
        ))
    }

    /// The first `max` items of a list and its length.
    pub fn list_items(
        &self,
        obj: RemoteAddr,
        max: usize,
    ) -> Result<(Vec<RemoteAddr>, u64), ReadError> {
        let len = u64::try_from(self.ob_size(obj)?).map_err(|_| ReadError::invalid(obj))?;
        let n = len.min(max as u64);
        if n == 0 {
            return Ok((Vec::new(), len));
        }
        let items = self.r.ptr_at(obj, self.layout.list.ob_item)?;
        Ok((self.ptr_array(items, n)?, len))
    }

    /// The first `max` entries of a set or frozenset, in table order (as Python iterates),
    /// and its length.
    pub fn set_items(
        &self,
        obj: RemoteAddr,
        max: usize,
    ) -> Result<(Vec<RemoteAddr>, u64), ReadError> {
        let s = &self.layout.set;
        let used =
            u64::try_from(self.r.ssize_at(obj, s.used)?).map_err(|_| ReadError::invalid(obj))?;
        let mask = self.r.word_at(obj, s.mask)?;
        let table = self.r.ptr_at(obj, s.table)?;
        let slots = mask
            .checked_add(1)
            .filter(|&n| n <= limits::MAX_TABLE_SLOTS)
            .ok_or_else(|| ReadError::invalid(obj))?;
        let mut out = Vec::new();
        let mut i = 0;
        // Read the table in chunks; stop as soon as enough live entries were seen.
        while i < slots && (out.len() as u64) < used.min(max as u64) {
            let n = (slots - i).min(1024);
            let raw = self.r.bytes(
                self.r.at(table, i * s.entry_size)?,
                usize::try_from(n * s.entry_size).map_err(|_| ReadError::invalid(obj))?,
            )?;
            let w = self.ptr() as usize;
            for e in raw.chunks_exact(s.entry_size as usize) {
                let key = le_word(e.get(..w).unwrap_or(&[]));
                let hash = le_word(e.get(w..2 * w).unwrap_or(&[]));
                let hash = if w == 4 {
                    i64::from(hash as u32 as i32)
                } else {
                    hash as i64
                };
                // Empty slots have no key; deleted ones hold the dummy key with hash -1.
                if key != 0 && hash != -1 && out.len() < max {
                    out.push(RemoteAddr(key));
                }
            }
            i += n;
        }
        Ok((out, used))
    }

    /// The first `max` (key, value) pairs of a dict in iteration order, and its length.
    pub fn dict_items(
        &self,
        obj: RemoteAddr,
        max: usize,
    ) -> Result<(Vec<(RemoteAddr, RemoteAddr)>, u64), ReadError> {
        let d = &self.layout.dict;
        let used =
            u64::try_from(self.r.ssize_at(obj, d.ma_used)?).map_err(|_| ReadError::invalid(obj))?;
        let keys = self.r.ptr_at(obj, d.ma_keys)?;
        let values = self.r.ptr_at(obj, d.ma_values)?;
        let items = self.keys_values_items(keys, values, used, max)?;
        Ok((items, used))
    }

    /// Pairs of a keys object with an optional split values array, `used` of them live.
    fn keys_values_items(
        &self,
        keys: RemoteAddr,
        values: RemoteAddr,
        used: u64,
        max: usize,
    ) -> Result<Vec<(RemoteAddr, RemoteAddr)>, ReadError> {
        let d = &self.layout.dict;
        let p = self.ptr();
        let (nentries, entries, general) = match d.keys {
            DictKeysLayout::Sized {
                dk_size,
                dk_nentries,
                dk_indices,
                ..
            } => {
                let size = self.r.word_at(keys, dk_size)?;
                let idx_bytes = size
                    .checked_mul(DictKeysLayout::sized_index_width(size))
                    .filter(|&b| b <= limits::MAX_TABLE_SLOTS * 8)
                    .ok_or_else(|| ReadError::invalid(keys))?;
                let nentries = self.r.word_at(keys, dk_nentries)?;
                (nentries, self.r.at(keys, dk_indices + idx_bytes)?, true)
            }
            DictKeysLayout::Log2 {
                dk_log2_index_bytes,
                dk_kind,
                dk_nentries,
                dk_indices,
                ..
            } => {
                let log2_ib = self.r.u8_at(keys, dk_log2_index_bytes)?;
                if log2_ib > 40 {
                    return Err(ReadError::invalid(keys));
                }
                let kind = self.r.u8_at(keys, dk_kind)?;
                let nentries = self.r.word_at(keys, dk_nentries)?;
                (
                    nentries,
                    self.r.at(keys, dk_indices + (1u64 << log2_ib))?,
                    kind == 0,
                )
            }
        };
        if nentries > limits::MAX_TABLE_SLOTS {
            return Err(ReadError::invalid(keys));
        }
        let esize = if general {
            d.entry_size
        } else {
            d.unicode_entry_size.unwrap_or(d.entry_size)
        };
        // Key and value positions within an entry: general entries start with the hash.
        let (koff, voff) = if general { (p, 2 * p) } else { (0, p) };
        let entry = |i: u64| -> Result<(RemoteAddr, RemoteAddr), ReadError> {
            let e = self.r.at(entries, i * esize)?;
            Ok((self.r.ptr_at(e, koff)?, self.r.ptr_at(e, voff)?))
        };
        let mut out = Vec::new();
        let want = used.min(max as u64) as usize;
        if values.is_null() {
            // Combined table: entries in insertion order, deleted ones have no value.
            for i in 0..nentries {
                if out.len() >= want {
                    break;
                }
                let (k, v) = entry(i)?;
                if !k.is_null() && !v.is_null() {
                    out.push((k, v));
                }
            }
            return Ok(out);
        }
        // Split table: keys from the shared keys object, values from the values array.
        match d.values {
            DictValuesLayout::Parallel => {
                let vals = self.ptr_array(values, nentries)?;
                for (i, v) in vals.into_iter().enumerate() {
                    if out.len() >= want {
                        break;
                    }
                    if !v.is_null() {
                        out.push((entry(i as u64)?.0, v));
                    }
                }
            }
            DictValuesLayout::OrderBefore => {
                let count = u64::from(
                    self.r
                        .u8(values.back(2).ok_or_else(|| ReadError::invalid(values))?)?,
                );
                for i in 0..count.min(used) {
                    if out.len() >= want {
                        break;
                    }
                    let ix = u64::from(
                        self.r.u8(values
                            .back(3 + i)
                            .ok_or_else(|| ReadError::invalid(values))?)?,
                    );
                    let v = self.r.ptr(self.r.at(values, ix * p)?)?;
                    if !v.is_null() {
                        out.push((entry(ix)?.0, v));
                    }
                }
            }
            DictValuesLayout::OrderAfter {
                capacity,
                size,
                values: vals_off,
                ..
            } => {
                let cap = u64::from(self.r.u8_at(values, capacity)?);
                let count = u64::from(self.r.u8_at(values, size)?);
                let order = self.r.at(values, vals_off + cap * p)?;
                for i in 0..count.min(used) {
                    if out.len() >= want {
                        break;
                    }
                    let ix = u64::from(self.r.u8(self.r.at(order, i)?)?);
                    let v = self.r.ptr(self.r.at(values, vals_off + ix * p)?)?;
                    if !v.is_null() {
                        out.push((entry(ix)?.0, v));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Looks up a str key in a dict by comparing text (no hashing).
    pub fn dict_get_str(
        &self,
        dict: RemoteAddr,
        key: &str,
    ) -> Result<Option<RemoteAddr>, ReadError> {
        let (items, _) = self.dict_items(dict, limits::MAX_TABLE_SLOTS as usize)?;
        Ok(self.values_of(&items, [key])[0])
    }

    /// The values of str keys among `items` (a dict's or an instance's), in one pass.
    pub fn values_of<const N: usize>(
        &self,
        items: &[(RemoteAddr, RemoteAddr)],
        keys: [&str; N],
    ) -> [Option<RemoteAddr>; N] {
        let mut out = [None; N];
        for &(k, v) in items {
            if let Some(i) = keys.iter().position(|want| self.str_equals(k, want)) {
                out[i].get_or_insert(v);
            }
        }
        out
    }

    /// The text of `obj` when it is a str (of a str subclass too).
    pub fn str_if_str(&self, obj: RemoteAddr) -> Option<String> {
        if obj.is_null() || self.type_of(obj).ok()?.repr_as != Some(Builtin::Str) {
            return None;
        }
        self.str_plain(obj).ok()
    }

    /// The attributes of an instance: its `__dict__`, or its managed dict / inline values.
    /// Empty when it has neither.
    pub fn instance_attrs(
        &self,
        obj: RemoteAddr,
        max: usize,
    ) -> Result<Vec<(RemoteAddr, RemoteAddr)>, ReadError> {
        let t = self.type_of(obj)?;
        let p = self.ptr();
        let word_before = |n: u64| -> Result<RemoteAddr, ReadError> {
            self.r
                .ptr(obj.back(n * p).ok_or_else(|| ReadError::invalid(obj))?)
        };
        let dict_or_empty = |d: RemoteAddr| -> Result<Vec<(RemoteAddr, RemoteAddr)>, ReadError> {
            if d.is_null() {
                Ok(Vec::new())
            } else {
                Ok(self.dict_items(d, max)?.0)
            }
        };
        match self.layout.instance_dict {
            InstanceDictLayout::ManagedSeparate { flag } if t.flags & flag != 0 => {
                let dict = word_before(3)?;
                if !dict.is_null() {
                    return dict_or_empty(dict);
                }
                let values = word_before(4)?;
                if values.is_null() || t.cached_keys.is_null() {
                    return Ok(Vec::new());
                }
                self.keys_values_items(t.cached_keys, values, u64::MAX, max)
            }
            InstanceDictLayout::ManagedTagged { flag } if t.flags & flag != 0 => {
                let tagged = word_before(3)?;
                if tagged.0 & 1 == 1 {
                    // Stored as `values - 1` (`_PyDictOrValues_SetValues`).
                    let values = tagged.offset(1).ok_or_else(|| ReadError::invalid(obj))?;
                    if t.cached_keys.is_null() {
                        return Ok(Vec::new());
                    }
                    return self.keys_values_items(t.cached_keys, values, u64::MAX, max);
                }
                dict_or_empty(tagged)
            }
            InstanceDictLayout::ManagedInline {
                flag,
                inline_values_flag,
            } if t.flags & flag != 0 => {
                let dict = word_before(3)?;
                if !dict.is_null() {
                    return dict_or_empty(dict);
                }
                if t.flags & inline_values_flag == 0 || t.cached_keys.is_null() {
                    return Ok(Vec::new());
                }
                let values = self.r.at(
                    obj,
                    u64::try_from(t.basicsize).map_err(|_| ReadError::invalid(obj))?,
                )?;
                if let DictValuesLayout::OrderAfter { valid, .. } = self.layout.dict.values {
                    if self.r.u8_at(values, valid)? == 0 {
                        return Ok(Vec::new());
                    }
                }
                self.keys_values_items(t.cached_keys, values, u64::MAX, max)
            }
            _ => {
                if t.dictoffset == 0 {
                    return Ok(Vec::new());
                }
                let off = if t.dictoffset > 0 {
                    t.dictoffset as u64
                } else {
                    // Negative: counted from the end of a variable-size object.
                    let n = self.ob_size(obj)?.unsigned_abs();
                    let size =
                        (t.basicsize as u64).saturating_add(n.saturating_mul(t.itemsize as u64));
                    let size = size.saturating_add(p - 1) & !(p - 1);
                    size.checked_add_signed(t.dictoffset)
                        .ok_or_else(|| ReadError::invalid(obj))?
                };
                dict_or_empty(self.r.ptr_at(obj, off)?)
            }
        }
    }

    /// The `__dict__` object of an instance, when it has one (not managed values).
    pub fn instance_dict(&self, obj: RemoteAddr) -> Option<RemoteAddr> {
        let t = self.type_of(obj).ok()?;
        let p = self.ptr();
        let d = match self.layout.instance_dict {
            InstanceDictLayout::ManagedSeparate { flag }
            | InstanceDictLayout::ManagedTagged { flag }
            | InstanceDictLayout::ManagedInline { flag, .. }
                if t.flags & flag != 0 =>
            {
                let d = self.r.ptr(obj.back(3 * p)?).ok()?;
                // 3.12 tags values pointers with the low bit.
                (d.0 & 1 == 0).then_some(d)?
            }
            _ if t.dictoffset > 0 => self.r.ptr_at(obj, t.dictoffset as u64).ok()?,
            _ => return None,
        };
        (!d.is_null()).then_some(d)
    }

    /// One attribute of an instance by name.
    pub fn instance_attr(
        &self,
        obj: RemoteAddr,
        name: &str,
    ) -> Result<Option<RemoteAddr>, ReadError> {
        let attrs = self.instance_attrs(obj, limits::MAX_TABLE_SLOTS as usize)?;
        Ok(attrs
            .into_iter()
            .find(|(k, _)| self.str_equals(*k, name))
            .map(|(_, v)| v))
    }

    /// `ob_ref` of a cell.
    pub fn cell_contents(&self, cell: RemoteAddr) -> Result<RemoteAddr, ReadError> {
        self.r.ptr_at(cell, self.layout.cell.ob_ref)
    }

    /// `md_dict` of a module.
    pub fn module_dict(&self, module: RemoteAddr) -> Result<RemoteAddr, ReadError> {
        self.r.ptr_at(module, self.layout.module.md_dict)
    }

    /// The namespace of the module `name` in `modules` (an interpreter's `sys.modules`), when
    /// it is imported and readable.
    pub fn module_namespace(&self, modules: RemoteAddr, name: &str) -> Option<RemoteAddr> {
        let module = self.dict_get_str(modules, name).ok()??;
        self.module_dict(module).ok().filter(|d| !d.is_null())
    }

    /// What is learnt once from an interpreter's modules: the struct-sequence repr and
    /// NumPy's major version.
    pub fn learn_from_modules(&self, modules: RemoteAddr) {
        self.learn_struct_seq_repr(modules);
        self.learn_numpy_version(modules);
    }
}

fn le_word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    w[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(w)
}
