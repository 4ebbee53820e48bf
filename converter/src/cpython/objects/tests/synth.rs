//! Objects built by hand in a synthetic address space, read back through the production
//! tables and rendered.
//!
//! The builders below write CPython's structures from offsets typed in here from the
//! headers (`Include/cpython/*.h`, `Include/internal/pycore_dict.h` of 3.11 and 3.12, x86_64),
//! not from `layout::tables`: a wrong number in a generated table fails these tests instead of
//! agreeing with itself.

use crate::cpython::layout::table_for;
use crate::limits::ReprLimits;
use crate::model::ObjectGraph;
use crate::source::synth::SynthMemory;
use crate::source::{Reader, RemoteAddr};
use crate::views::repr::{render, Status};

use super::{CollectLimits, Collector, ObjReader};

const TP_NAME: u64 = 24;
const TP_BASICSIZE: u64 = 32;
const TP_REPR: u64 = 88;
const TP_FLAGS: u64 = 168;
const TP_BASE: u64 = 256;
const TP_DICT: u64 = 264;
/// `sizeof(PyHeapTypeObject)` is larger; enough room for the fields read.
const TYPE_SIZE: u64 = 1024;
/// `PyHeapTypeObject.ht_qualname` and `ht_cached_keys`: 3.12 added `tp_watched` (one byte,
/// padded to 8) to `PyTypeObject`, which moves them by 8.
fn ht_qualname(v: V) -> u64 {
    match v {
        V::V311 => 864,
        V::V312 => 872,
    }
}
fn ht_cached_keys(v: V) -> u64 {
    ht_qualname(v) + 8
}

const HEAPTYPE: u64 = 1 << 9;
const MANAGED_DICT: u64 = 1 << 4;

/// Which version's structures the builder writes.
#[derive(Clone, Copy, PartialEq)]
enum V {
    V311,
    V312,
}

struct Heap {
    m: SynthMemory,
    v: V,
    types: std::collections::HashMap<&'static str, u64>,
}

impl Heap {
    fn new(v: V) -> Heap {
        let mut h = Heap {
            m: SynthMemory::new(),
            v,
            types: Default::default(),
        };
        for name in [
            "NoneType",
            "bool",
            "int",
            "float",
            "str",
            "bytes",
            "list",
            "tuple",
            "dict",
            "set",
            "frozenset",
            "type",
        ] {
            let t = h.static_type(name, 0);
            h.types.insert(name, t);
        }
        h
    }

    fn static_type(&mut self, name: &str, flags: u64) -> u64 {
        let t = self.m.alloc(TYPE_SIZE);
        let n = self.m.cstr(name);
        self.m.w64(t + 8, 0); // ob_type is set once `type` exists; unused by the reader
        self.m.w64(t + TP_NAME, n);
        self.m.w64(t + TP_FLAGS, flags);
        self.m.w64(t + TP_REPR, 0x1000 + name.len() as u64); // a distinct slot per type
        t
    }

    fn ty(&self, name: &str) -> u64 {
        self.types[name]
    }

    /// A bare object header of type `t` with `extra` bytes after it.
    fn object(&mut self, t: u64, size: u64) -> u64 {
        let a = self.m.alloc(size.max(16));
        self.m.w64(a, 1); // ob_refcnt
        self.m.w64(a + 8, t);
        a
    }

    fn none(&mut self) -> u64 {
        let t = self.ty("NoneType");
        self.object(t, 16)
    }

    /// An int from a small value (one or two 30-bit digits).
    fn int(&mut self, v: i64) -> u64 {
        let mag = v.unsigned_abs();
        let digits: Vec<u32> = if mag == 0 {
            vec![]
        } else {
            let mut d = vec![];
            let mut m = mag;
            while m > 0 {
                d.push((m & ((1 << 30) - 1)) as u32);
                m >>= 30;
            }
            d
        };
        self.int_digits(&digits, v < 0)
    }

    fn int_digits(&mut self, digits: &[u32], negative: bool) -> u64 {
        let t = self.ty("int");
        let a = self.object(t, 24 + 4 * digits.len().max(1) as u64);
        match self.v {
            // ob_size: sign × number of digits.
            V::V311 => {
                let n = digits.len() as i64;
                self.m.w64(a + 16, (if negative { -n } else { n }) as u64);
            }
            // long_value.lv_tag: digits << 3 | sign (0 positive, 1 zero, 2 negative).
            V::V312 => {
                let sign = if digits.is_empty() {
                    1
                } else if negative {
                    2
                } else {
                    0
                };
                self.m.w64(a + 16, ((digits.len() as u64) << 3) | sign);
            }
        }
        for (i, d) in digits.iter().enumerate() {
            self.m.w32(a + 24 + 4 * i as u64, *d);
        }
        a
    }

    fn float(&mut self, f: f64) -> u64 {
        let t = self.ty("float");
        let a = self.object(t, 24);
        self.m.w64(a + 16, f.to_bits());
        a
    }

    /// A compact str: ASCII after `PyASCIIObject`, others after `PyCompactUnicodeObject`.
    fn str(&mut self, s: &str) -> u64 {
        let t = self.ty("str");
        let cps: Vec<u32> = s.chars().map(u32::from).collect();
        let max = cps.iter().copied().max().unwrap_or(0);
        let (kind, width): (u32, u64) = if max < 0x100 {
            (1, 1)
        } else if max < 0x10000 {
            (2, 2)
        } else {
            (4, 4)
        };
        let ascii = max < 0x80;
        // 3.11: PyASCIIObject is 48 bytes (with wstr), the compact one 72;
        // 3.12: 40 and 56. State bits: interned 0-1, kind 2-4, compact 5, ascii 6,
        // ready 7 (3.11 only).
        let (ascii_size, compact_size) = match self.v {
            V::V311 => (48, 72),
            V::V312 => (40, 56),
        };
        let data_off = if ascii { ascii_size } else { compact_size };
        let a = self.object(t, data_off + width * (cps.len() as u64 + 1));
        self.m.w64(a + 16, cps.len() as u64);
        let mut state = (kind << 2) | (1 << 5);
        if ascii {
            state |= 1 << 6;
        }
        if self.v == V::V311 {
            state |= 1 << 7;
        }
        self.m.w32(a + 32, state);
        for (i, c) in cps.iter().enumerate() {
            let at = a + data_off + width * i as u64;
            match width {
                1 => self.m.w8(at, *c as u8),
                2 => self.m.write(at, &(*c as u16).to_le_bytes()),
                _ => self.m.w32(at, *c),
            }
        }
        a
    }

    fn tuple(&mut self, items: &[u64]) -> u64 {
        let t = self.ty("tuple");
        let a = self.object(t, 24 + 8 * items.len() as u64);
        self.m.w64(a + 16, items.len() as u64);
        for (i, it) in items.iter().enumerate() {
            self.m.w64(a + 24 + 8 * i as u64, *it);
        }
        a
    }

    fn list(&mut self, items: &[u64]) -> u64 {
        let t = self.ty("list");
        let a = self.object(t, 40);
        let arr = self.m.alloc(8 * items.len().max(1) as u64);
        self.m.w64(a + 16, items.len() as u64);
        self.m.w64(a + 24, arr);
        self.m.w64(a + 32, items.len() as u64);
        for (i, it) in items.iter().enumerate() {
            self.m.w64(arr + 8 * i as u64, *it);
        }
        a
    }

    /// A keys object (3.11/3.12 `PyDictKeysObject`) of 8 slots with str-key entries when
    /// `unicode`, else general entries (hash, key, value). Deleted entries have a NULL value.
    fn keys(&mut self, entries: &[(u64, u64)], unicode: bool, split: bool) -> u64 {
        let esize = if unicode { 16 } else { 24 };
        let k = self.m.alloc(32 + 8 + esize * 8);
        self.m.w64(k, 1);
        self.m.w8(k + 8, 3); // dk_log2_size: 8 slots
        self.m.w8(k + 9, 3); // dk_log2_index_bytes: 8 one-byte indices
        self.m.w8(
            k + 10,
            if split {
                2
            } else if unicode {
                1
            } else {
                0
            },
        );
        self.m.w64(k + 24, entries.len() as u64); // dk_nentries
        let base = k + 32 + 8;
        for (i, (key, value)) in entries.iter().enumerate() {
            let e = base + esize * i as u64;
            if unicode {
                self.m.w64(e, *key);
                self.m.w64(e + 8, *value);
            } else {
                self.m.w64(e, 12345); // me_hash
                self.m.w64(e + 8, *key);
                self.m.w64(e + 16, *value);
            }
        }
        k
    }

    fn dict(&mut self, items: &[(u64, u64)], unicode: bool) -> u64 {
        let t = self.ty("dict");
        let a = self.object(t, 48);
        let live = items.iter().filter(|(_, v)| *v != 0).count();
        let k = self.keys(items, unicode, false);
        self.m.w64(a + 16, live as u64); // ma_used
        self.m.w64(a + 32, k); // ma_keys
        a
    }

    /// Split values as 3.11/3.12 lay them out: the insertion order in the bytes before the
    /// array, `[-1]` the prefix size, `[-2]` the count, `[-3 - i]` the i-th index.
    fn split_values(&mut self, values: &[u64], order: &[u8]) -> u64 {
        let prefix = 8u64;
        let v = self.m.alloc_with_prefix(prefix, 8 * values.len() as u64);
        self.m.w8(v - 1, prefix as u8);
        self.m.w8(v - 2, order.len() as u8);
        for (i, ix) in order.iter().enumerate() {
            self.m.w8(v - 3 - i as u64, *ix);
        }
        for (i, val) in values.iter().enumerate() {
            self.m.w64(v + 8 * i as u64, *val);
        }
        v
    }

    fn set(&mut self, table: &[(u64, i64)], used: u64) -> u64 {
        let t = self.ty("set");
        let a = self.object(t, 200);
        let tab = self.m.alloc(16 * table.len() as u64);
        for (i, (key, hash)) in table.iter().enumerate() {
            self.m.w64(tab + 16 * i as u64, *key);
            self.m.w64(tab + 16 * i as u64 + 8, *hash as u64);
        }
        self.m.w64(a + 24, used); // used
        self.m.w64(a + 32, table.len() as u64 - 1); // mask
        self.m.w64(a + 40, tab); // table
        a
    }

    fn render(&self, addr: u64) -> (String, Status) {
        let minor = if self.v == V::V311 { 11 } else { 12 };
        let layout = table_for(3, minor, 8).expect("table");
        let rd = ObjReader::new(Reader::new(&self.m, 8, true), layout);
        let fr = crate::cpython::frames::FrameReader::new(&rd);
        let mut g = ObjectGraph::default();
        let id = Collector::new(&fr, &mut g, CollectLimits::default()).root(RemoteAddr(addr));
        let r = render(&g, id, ReprLimits::JSON);
        (r.text, r.status)
    }
}

fn both(f: impl Fn(&mut Heap) -> (u64, &'static str)) {
    for v in [V::V311, V::V312] {
        let mut h = Heap::new(v);
        let (addr, want) = f(&mut h);
        assert_eq!(h.render(addr), (want.to_string(), Status::Exact));
    }
}

#[test]
fn ints_of_every_size_and_sign() {
    both(|h| (h.int(0), "0"));
    both(|h| (h.int(-17), "-17"));
    both(|h| (h.int(1 << 40), "1099511627776"));
    // 2**100 + 12345: digits of 30 bits, least significant first.
    both(|h| {
        (
            h.int_digits(&[12345, 0, 0, 1 << 10], false),
            "1267650600228229401496703217721",
        )
    });
    both(|h| (h.int_digits(&[5, 1], true), "-1073741829"));
}

#[test]
fn strs_of_every_kind() {
    both(|h| (h.str("hello"), "'hello'"));
    both(|h| (h.str("café"), "'café'"));
    both(|h| (h.str("日本語"), "'日本語'"));
    both(|h| (h.str("😀x"), "'😀x'"));
    both(|h| (h.str("it's\n"), "\"it's\\n\""));
    both(|h| (h.str(""), "''"));
}

#[test]
fn floats_and_containers() {
    both(|h| (h.float(0.1), "0.1"));
    both(|h| {
        let items = [h.int(1), h.str("two"), h.float(3.0), h.none()];
        (h.list(&items), "[1, 'two', 3.0, None]")
    });
    both(|h| {
        let one = h.int(1);
        (h.tuple(&[one]), "(1,)")
    });
    both(|h| (h.tuple(&[]), "()"));
}

#[test]
fn dicts_combined_general_and_unicode_with_deleted_entries() {
    both(|h| {
        let (a, b, c) = (h.str("a"), h.str("b"), h.str("c"));
        let (one, two) = (h.int(1), h.int(2));
        // "b" was deleted: its entry stays with a NULL value.
        (
            h.dict(&[(a, one), (b, 0), (c, two)], true),
            "{'a': 1, 'c': 2}",
        )
    });
    both(|h| {
        let (k1, k2) = (h.int(7), h.str("x"));
        let empty = h.tuple(&[]);
        let none = h.none();
        (
            h.dict(&[(k1, empty), (k2, none)], false),
            "{7: (), 'x': None}",
        )
    });
}

#[test]
fn split_dict_follows_insertion_order() {
    both(|h| {
        let (x, y) = (h.str("x"), h.str("y"));
        let (one, two) = (h.int(1), h.int(2));
        let keys = h.keys(&[(x, 0), (y, 0)], true, true);
        // Inserted y first, then x.
        let values = h.split_values(&[one, two], &[1, 0]);
        let t = h.ty("dict");
        let d = h.object(t, 48);
        h.m.w64(d + 16, 2);
        h.m.w64(d + 32, keys);
        h.m.w64(d + 40, values);
        (d, "{'y': 2, 'x': 1}")
    });
}

#[test]
fn sets_skip_empty_and_dummy_slots() {
    both(|h| {
        let (a, b, dummy) = (h.int(1), h.int(2), h.str("<dummy>"));
        (h.set(&[(0, 0), (a, 1), (dummy, -1), (b, 2)], 2), "{1, 2}")
    });
    both(|h| (h.set(&[(0, 0), (0, 0)], 0), "set()"));
}

#[test]
fn self_containing_list() {
    both(|h| {
        let one = h.int(1);
        let l = h.list(&[one, 0]);
        // Point the second item at the list itself.
        let arr = {
            let mut b = [0u8; 8];
            crate::source::Memory::read_exact(&h.m, RemoteAddr(l + 24), &mut b)
                .expect("item array");
            u64::from_le_bytes(b)
        };
        h.m.w64(arr + 8, l);
        (l, "[1, [...]]")
    });
}

#[test]
fn instance_attributes_from_managed_values() {
    // A heap type with a managed dict; its instance keeps values and no dict object.
    for v in [V::V311, V::V312] {
        let mut h = Heap::new(v);
        let t = h.m.alloc(TYPE_SIZE);
        let (tn, qn, module_key, module_val) = (
            h.m.cstr("Point"),
            h.str("Point"),
            h.str("__module__"),
            h.str("geo"),
        );
        h.m.w64(t + TP_NAME, tn);
        h.m.w64(t + TP_FLAGS, HEAPTYPE | MANAGED_DICT);
        h.m.w64(t + TP_BASICSIZE, 16);
        h.m.w64(t + TP_BASE, 0);
        h.m.w64(t + ht_qualname(v), qn);
        let tdict = h.dict(&[(module_key, module_val)], true);
        h.m.w64(t + TP_DICT, tdict);
        let (kx, ky) = (h.str("x"), h.str("y"));
        let cached = h.keys(&[(kx, 0), (ky, 0)], true, true);
        h.m.w64(t + ht_cached_keys(v), cached);
        let (vx, vy) = (h.int(3), h.int(4));
        let values = h.split_values(&[vx, vy], &[0, 1]);
        // The object, with the managed words before it.
        let obj = h.m.alloc_with_prefix(32, 16);
        h.m.w64(obj + 8, t);
        match v {
            // 3.11: dict pointer at word -3 (NULL), values pointer at word -4.
            V::V311 => h.m.w64(obj - 32, values),
            // 3.12: word -3 holds `values - 1` (tagged).
            V::V312 => h.m.w64(obj - 24, values - 1),
        }
        let layout = table_for(3, if v == V::V311 { 11 } else { 12 }, 8).expect("table");
        let rd = ObjReader::new(Reader::new(&h.m, 8, true), layout);
        let attrs = rd.instance_attrs(RemoteAddr(obj), 10).expect("attributes");
        let names: Vec<String> = attrs
            .iter()
            .map(|(k, _)| rd.str_plain(*k).expect("name"))
            .collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(
            &*rd.type_of(RemoteAddr(obj)).expect("type").display,
            "geo.Point"
        );
        let (text, status) = h.render(obj);
        assert_eq!(status, Status::Opaque);
        assert_eq!(text, format!("<geo.Point object at {obj:#x}>"));
    }
}

#[test]
fn unreadable_memory_is_marked_not_guessed() {
    let mut h = Heap::new(V::V312);
    let one = h.int(1);
    let l = h.list(&[one, 0xdead_0000]);
    let (text, status) = h.render(l);
    assert_eq!(status, Status::Unreadable);
    assert_eq!(text, "[1, <unreadable object at 0xdead0000>]");
}
