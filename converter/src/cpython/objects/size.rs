//! Shallow sizes, as `sys.getsizeof` reports them: the type's `__sizeof__` plus the GC header
//! (and, 3.11+, the two words before objects with a managed dict). Only where the
//! `__sizeof__` of the type is known; `None` elsewhere.

use super::classify::Decoder;
use super::{Builtin, ObjReader, TypeInfo};
use crate::cpython::layout::{DictKeysLayout, LongEncoding};
use crate::source::RemoteAddr;

use crate::cpython::layout::tp_flags::HAVE_GC;

impl ObjReader<'_> {
    /// What `sys.getsizeof(obj)` would return, when it can be computed from the dump.
    pub fn size_of(&self, addr: RemoteAddr, t: &TypeInfo) -> Option<u64> {
        let p = u64::from(self.r.ptr_size());
        let basic = u64::try_from(t.basicsize).ok().filter(|&b| b > 0)?;
        let var = || -> Option<u64> {
            let item = u64::try_from(t.itemsize).ok()?;
            if item == 0 {
                return Some(0);
            }
            Some(self.ob_size(addr).ok()?.unsigned_abs().saturating_mul(item))
        };
        let sizeof = match self.decoder(t) {
            Decoder::Builtin(Builtin::Int | Builtin::Bool) => {
                let digits = match self.layout.long.encoding {
                    LongEncoding::SignedSize => self.ob_size(addr).ok()?.unsigned_abs(),
                    LongEncoding::Tagged { lv_tag } => self.r.word_at(addr, lv_tag).ok()? >> 3,
                };
                let min = self.layout.long.sizeof_min_digits;
                self.layout.long.ob_digit.saturating_add(
                    digits
                        .max(min)
                        .saturating_mul(u64::from(self.layout.long.digit_size)),
                )
            }
            Decoder::Builtin(Builtin::Str) => {
                let u = &self.layout.unicode;
                let length = u64::try_from(self.r.ssize_at(addr, u.length).ok()?).ok()?;
                let state = self.r.u32_at(addr, u.state).ok()?;
                let ascii = (state >> u.ascii_bit) & 1 == 1;
                let compact = (state >> u.compact_bit) & 1 == 1;
                // Non-ASCII strings may also hold a UTF-8 copy, which isn't read here.
                if !(ascii && compact) {
                    return None;
                }
                u.ascii_size.saturating_add(length).saturating_add(1)
            }
            Decoder::Builtin(Builtin::List) => {
                let allocated = self.r.word_at(addr, self.layout.list.allocated).ok()?;
                basic.saturating_add(allocated.saturating_mul(p))
            }
            Decoder::Builtin(Builtin::Set | Builtin::FrozenSet) => {
                let s = &self.layout.set;
                let table = self.r.ptr_at(addr, s.table).ok()?;
                let small = addr.offset(s.smalltable)?;
                if table == small {
                    basic
                } else {
                    let mask = self.r.word_at(addr, s.mask).ok()?;
                    basic.saturating_add(mask.saturating_add(1).saturating_mul(s.entry_size))
                }
            }
            Decoder::Builtin(Builtin::Dict) => basic.saturating_add(self.dict_extra(addr)?),
            Decoder::Builtin(Builtin::ByteArray) => {
                basic.saturating_add(self.r.word_at(addr, self.layout.bytearray.ob_alloc).ok()?)
            }
            Decoder::Builtin(
                Builtin::None
                | Builtin::Float
                | Builtin::Complex
                | Builtin::Bytes
                | Builtin::Tuple
                | Builtin::Range
                | Builtin::Slice
                | Builtin::Function
                | Builtin::Method
                | Builtin::Cell
                | Builtin::Module,
            )
            | Decoder::Instance { .. }
            | Decoder::StructSeq
            | Decoder::Exception { .. } => basic.saturating_add(var()?),
            _ => return None,
        };
        let gc = if t.flags & HAVE_GC != 0 {
            self.layout.gc.gc_head_size
        } else {
            0
        };
        // The pre-header before the GC head: for a managed dict (3.11+), and for a managed
        // weakref list (3.12+, `tp_weaklistoffset` < 0).
        let managed_dict = match self.layout.instance_dict {
            crate::cpython::layout::InstanceDictLayout::ManagedSeparate { flag }
            | crate::cpython::layout::InstanceDictLayout::ManagedTagged { flag }
            | crate::cpython::layout::InstanceDictLayout::ManagedInline { flag, .. } => {
                t.flags & flag != 0
            }
            crate::cpython::layout::InstanceDictLayout::DictOffset => false,
        };
        let managed = if managed_dict || t.weaklistoffset < 0 {
            self.layout.gc.managed_preheader_words * p
        } else {
            0
        };
        Some(sizeof.saturating_add(gc).saturating_add(managed))
    }

    /// What `dict.__sizeof__` adds to the object: the values array of a split table, and the
    /// keys object when this dict owns it alone (`dk_refcnt == 1`; shared keys are counted
    /// with their class).
    fn dict_extra(&self, addr: RemoteAddr) -> Option<u64> {
        let d = &self.layout.dict;
        let p = u64::from(self.r.ptr_size());
        let keys = self.r.ptr_at(addr, d.ma_keys).ok()?;
        let values = self.r.ptr_at(addr, d.ma_values).ok()?;
        let (values_words, keys_bytes, dk_refcnt) = match d.keys {
            DictKeysLayout::Sized {
                dk_refcnt,
                dk_size,
                dk_indices,
                ..
            } => {
                let size = self.r.word_at(keys, dk_size).ok()?;
                if size > crate::limits::MAX_TABLE_SLOTS {
                    return None;
                }
                let usable = size * 2 / 3;
                let ix = DictKeysLayout::sized_index_width(size);
                (
                    usable,
                    dk_indices + ix * size + usable * d.entry_size,
                    dk_refcnt,
                )
            }
            DictKeysLayout::Log2 {
                dk_refcnt,
                dk_log2_size,
                dk_log2_index_bytes,
                dk_kind,
                dk_usable,
                dk_nentries,
                dk_indices,
            } => {
                let log2 = self.r.u8_at(keys, dk_log2_size).ok()?;
                let log2_ib = self.r.u8_at(keys, dk_log2_index_bytes).ok()?;
                if log2 > 40 || log2_ib > 43 {
                    return None;
                }
                let general = self.r.u8_at(keys, dk_kind).ok()? == 0;
                let es = if general {
                    d.entry_size
                } else {
                    d.unicode_entry_size.unwrap_or(d.entry_size)
                };
                let nentries = self.r.word_at(keys, dk_nentries).ok()?;
                let usable = self.r.word_at(keys, dk_usable).ok()?;
                let frac = (1u64 << log2) * 2 / 3;
                (
                    nentries.saturating_add(usable),
                    dk_indices + (1u64 << log2_ib) + frac * es,
                    dk_refcnt,
                )
            }
        };
        let owned = self.r.ssize_at(keys, dk_refcnt).ok()? == 1;
        let mut extra = 0u64;
        if !values.is_null() {
            extra = extra.saturating_add(values_words.saturating_mul(p));
        }
        if owned {
            extra = extra.saturating_add(keys_bytes);
        }
        Some(extra)
    }

    /// The default `object.__sizeof__` plus headers: what most C types report, an estimate for
    /// the others (for the heap histogram).
    pub fn size_estimate(&self, addr: RemoteAddr, t: &TypeInfo) -> u64 {
        if let Some(s) = self.size_of(addr, t) {
            return s;
        }
        let basic = u64::try_from(t.basicsize).unwrap_or(0);
        // Some types with an item size keep something else where ob_size would be (frame
        // objects of 3.11+): an implausible count is not used.
        let var = u64::try_from(t.itemsize)
            .ok()
            .filter(|&i| i > 0)
            .and_then(|i| Some(self.ob_size(addr).ok()?.unsigned_abs().saturating_mul(i)))
            .filter(|&v| v < 1 << 32)
            .unwrap_or(0);
        let gc = if t.flags & HAVE_GC != 0 {
            self.layout.gc.gc_head_size
        } else {
            0
        };
        basic.saturating_add(var).saturating_add(gc)
    }
}
