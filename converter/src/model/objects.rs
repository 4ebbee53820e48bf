//! The object graph: every object once, by its original address, with references to other
//! objects rather than copies.

use std::collections::HashMap;

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

/// What an object holds, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ObjectKind {
    None,
    Ellipsis,
    NotImplemented,
    Bool(bool),
    Int(IntValue),
    Float(f64),
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
    List(Items),
    Tuple(Items),
    Set(Items),
    FrozenSet(Items),
    Dict(Entries),
    /// A type hd doesn't decode (yet): shown as `<module.Class object at 0x…>`.
    Opaque,
    /// The object's memory could not be read.
    Unreadable {
        reason: String,
    },
}

/// One object of the process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Object {
    pub id: ObjId,
    /// `module.QualName`, or just the name for builtins (`int`).
    pub type_name: String,
    /// The type's `__qualname__` (`OrderedDict`), as reprs like `MySet({1})` print it.
    pub type_qualname: String,
    pub kind: ObjectKind,
}

/// Objects by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectGraph {
    objects: HashMap<ObjId, Object>,
}

impl ObjectGraph {
    pub fn get(&self, id: ObjId) -> Option<&Object> {
        self.objects.get(&id)
    }

    pub fn insert(&mut self, obj: Object) {
        self.objects.insert(obj.id, obj);
    }

    pub fn contains(&self, id: ObjId) -> bool {
        self.objects.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Object> {
        self.objects.values()
    }
}
