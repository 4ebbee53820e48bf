//! Python frames of a thread, and what their code objects say.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::{ReadError, RemoteAddr};

use super::layout::{fast_kind, Bytecode, CodeLocals, FrameLayout, FrameSize, LineTable};
use super::linetable::line_for;
use super::objects::{Builtin, ObjReader};

/// `CO_OPTIMIZED`: the code has fast locals (functions, not module or class bodies).
const CO_OPTIMIZED: i32 = 0x1;

/// How a fast local slot is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Plain,
    /// A cell variable: the slot holds a cell once the frame has started.
    Cell,
    /// A free variable: the slot holds the closure's cell.
    Free,
    /// A 3.12+ inlined comprehension's variable: shown only while it is bound.
    Hidden,
}

/// What hd needs of a code object, read once per code object.
#[derive(Debug)]
pub struct CodeInfo {
    pub name: String,
    pub qualname: String,
    pub filename: String,
    pub first_line: i64,
    pub optimized: bool,
    pub line_table: Vec<u8>,
    /// Names of the fast local slots in order, with their kind.
    pub slots: Vec<(String, SlotKind)>,
    /// Address of the first instruction (3.11+), for instruction pointers.
    pub code_start: RemoteAddr,
    /// First instruction `traceback` shows, in bytes from `code_start` (3.11+).
    pub first_traceable: i64,
    /// Words a frame of this code takes on the data stack (3.11+).
    pub frame_words: Option<u64>,
}

/// One Python frame as found in memory.
#[derive(Debug, Clone)]
pub struct RawFrame {
    pub addr: RemoteAddr,
    pub code: Rc<CodeInfo>,
    /// Byte offset of the current instruction (negative before the first).
    pub offset: i64,
    /// Where the fast locals are.
    pub localsplus: RemoteAddr,
    /// The first frame of a `_PyEval_EvalFrameDefault` call (every frame before 3.11; on
    /// 3.11+ calls between Python functions stay in the caller's).
    pub entry: bool,
}

impl RawFrame {
    pub fn line(&self, kind: LineTable) -> Option<i64> {
        line_for(
            kind,
            &self.code.line_table,
            self.code.first_line,
            self.offset,
        )
    }
}

/// Reads frames and code objects.
pub struct FrameReader<'r, 'a> {
    pub obj: &'r ObjReader<'a>,
    codes: RefCell<HashMap<u64, Rc<CodeInfo>>>,
}

impl<'r, 'a> FrameReader<'r, 'a> {
    pub fn new(obj: &'r ObjReader<'a>) -> Self {
        FrameReader {
            obj,
            codes: RefCell::new(HashMap::new()),
        }
    }

    /// The code object a frame object (`PyFrameObject *`, as tracebacks hold) runs.
    pub fn code_of_frame_object(&self, frame: RemoteAddr) -> Result<Rc<CodeInfo>, ReadError> {
        use super::layout::{FrameLayout, FrameObjectLink};
        let l = self.obj.layout;
        let r = &self.obj.r;
        let code = match (l.frame, l.generator.frame_object) {
            (FrameLayout::Object(f), _) => r.ptr_at(frame, f.f_code)?,
            (FrameLayout::Interpreter(f), FrameObjectLink::Interpreter { f_frame }) => {
                r.ptr_at(r.ptr_at(frame, f_frame)?, f.f_code)?
            }
            (FrameLayout::Interpreter(_), FrameObjectLink::Itself) => {
                return Err(ReadError::invalid(frame))
            }
        };
        self.code(code)
    }

    /// The code object at `addr`, cached; an error if it isn't one.
    pub fn code(&self, addr: RemoteAddr) -> Result<Rc<CodeInfo>, ReadError> {
        if let Some(c) = self.codes.borrow().get(&addr.0) {
            return Ok(c.clone());
        }
        let t = self.obj.type_of(addr)?;
        // A type whose name is missing from the dump (the library isn't here) may still be
        // `code`: reading its name and file as strings decides.
        let unknown = t.builtin.is_none() && *t.display == *super::objects::UNKNOWN_TYPE;
        if t.builtin != Some(Builtin::Code) && !unknown {
            return Err(ReadError::invalid(addr));
        }
        let info = Rc::new(self.read_code(addr)?);
        self.codes.borrow_mut().insert(addr.0, info.clone());
        Ok(info)
    }

    fn read_code(&self, co: RemoteAddr) -> Result<CodeInfo, ReadError> {
        let o = self.obj;
        let r = &o.r;
        let c = &o.layout.code;
        let name_str = |off: u64| -> Result<String, ReadError> { o.str_plain(r.ptr_at(co, off)?) };
        let name = name_str(c.co_name)?;
        let qualname = match c.co_qualname {
            Some(off) => name_str(off).unwrap_or_else(|_| name.clone()),
            None => name.clone(),
        };
        let filename = name_str(c.co_filename)?;
        let first_line = i64::from(r.i32_at(co, c.co_firstlineno)?);
        let flags = r.i32_at(co, c.co_flags)?;
        let table_off = match c.line_table {
            LineTable::Lnotab(o) | LineTable::Linetable310(o) | LineTable::Locations(o) => o,
        };
        let line_table = o
            .bytes_value(r.ptr_at(co, table_off)?, limits::MAX_LINE_TABLE)
            .map(|(b, _)| b)
            .unwrap_or_default();
        let names_of = |off: u64| -> Result<Vec<String>, ReadError> {
            let (items, _) = o.tuple_items(r.ptr_at(co, off)?, limits::MAX_LOCALS)?;
            items.into_iter().map(|a| o.str_plain(a)).collect()
        };
        let slots = match c.locals {
            CodeLocals::Split {
                co_varnames,
                co_cellvars,
                co_freevars,
                ..
            } => {
                let mut s: Vec<(String, SlotKind)> = names_of(co_varnames)?
                    .into_iter()
                    .map(|n| (n, SlotKind::Plain))
                    .collect();
                s.extend(
                    names_of(co_cellvars)?
                        .into_iter()
                        .map(|n| (n, SlotKind::Cell)),
                );
                s.extend(
                    names_of(co_freevars)?
                        .into_iter()
                        .map(|n| (n, SlotKind::Free)),
                );
                s
            }
            CodeLocals::Combined {
                co_localsplusnames,
                co_localspluskinds,
            } => {
                let names = names_of(co_localsplusnames)?;
                let (kinds, _) = o.bytes_value(r.ptr_at(co, co_localspluskinds)?, names.len())?;
                names
                    .into_iter()
                    .zip(kinds.into_iter().chain(std::iter::repeat(fast_kind::LOCAL)))
                    .map(|(n, k)| {
                        let kind = if k & fast_kind::FREE != 0 {
                            SlotKind::Free
                        } else if k & fast_kind::CELL != 0 {
                            SlotKind::Cell
                        } else if k & fast_kind::HIDDEN != 0 {
                            SlotKind::Hidden
                        } else {
                            SlotKind::Plain
                        };
                        (n, kind)
                    })
                    .collect()
            }
        };
        let (code_start, first_traceable, frame_words) = match c.bytecode {
            Bytecode::BytesObject(_) => (RemoteAddr::NULL, 0, None),
            Bytecode::Inline {
                co_code_adaptive,
                co_firsttraceable,
                frame_size,
            } => {
                let int = |off: u64| r.i32_at(co, off).ok().and_then(|v| u64::try_from(v).ok());
                let words = match frame_size {
                    FrameSize::Field(off) => int(off),
                    FrameSize::Computed {
                        co_nlocalsplus,
                        co_stacksize,
                        specials,
                    } => int(co_nlocalsplus)
                        .zip(int(co_stacksize))
                        .map(|(a, b)| a + b + specials),
                };
                (
                    r.at(co, co_code_adaptive)?,
                    i64::from(r.i32_at(co, co_firsttraceable).unwrap_or(0)) * 2,
                    words,
                )
            }
        };
        Ok(CodeInfo {
            name,
            qualname,
            filename,
            first_line,
            optimized: flags & CO_OPTIMIZED != 0,
            line_table,
            slots,
            code_start,
            first_traceable,
            frame_words,
        })
    }

    /// The frame at `cur` (a `PyFrameObject` on 3.8–3.10, an `_PyInterpreterFrame` on 3.11+)
    /// and the next one out; `None` for frames the interpreter hides (incomplete frames,
    /// C-stack shims).
    pub fn frame_at(&self, cur: RemoteAddr) -> Result<(Option<RawFrame>, RemoteAddr), ReadError> {
        let r = &self.obj.r;
        match self.obj.layout.frame {
            FrameLayout::Object(f) => {
                let back = r.ptr_at(cur, f.f_back)?;
                let code = self.code(r.ptr_at(cur, f.f_code)?)?;
                let lasti = i64::from(r.i32_at(cur, f.f_lasti)?);
                let offset = if lasti < 0 {
                    -1
                } else {
                    lasti * f.f_lasti_unit as i64
                };
                let frame = RawFrame {
                    addr: cur,
                    code,
                    offset,
                    localsplus: r.at(cur, f.f_localsplus)?,
                    entry: true,
                };
                Ok((Some(frame), back))
            }
            FrameLayout::Interpreter(f) => {
                let previous = r.ptr_at(cur, f.previous)?;
                let owner = r.u8_at(cur, f.owner)?;
                if Some(owner) == f.owner_cstack {
                    return Ok((None, previous));
                }
                let code = self.code(r.ptr_at(cur, f.f_code)?)?;
                let instr = r.ptr_at(cur, f.instr_ptr)?;
                let offset = instr.0.wrapping_sub(code.code_start.0) as i64;
                // An incomplete frame: created, but not yet at its first traceable instruction.
                if owner != f.owner_generator && offset < code.first_traceable {
                    return Ok((None, previous));
                }
                let entry = match f.is_entry {
                    Some(off) => r.u8_at(cur, off).unwrap_or(0) != 0,
                    // 3.12+: marked by the walk, from the shim frame outside it.
                    None => false,
                };
                let frame = RawFrame {
                    addr: cur,
                    code,
                    offset: offset.max(-2),
                    localsplus: r.at(cur, f.localsplus)?,
                    entry,
                };
                Ok((Some(frame), previous))
            }
        }
    }

    /// The frames of a thread, innermost first, from its innermost frame pointer. Frames the
    /// interpreter hides (incomplete frames, C-stack shims) are skipped like `traceback` does.
    /// Returns the frames and whether the walk reached the end.
    pub fn walk(&self, top: RemoteAddr, diags: &mut Diagnostics) -> (Vec<RawFrame>, bool) {
        self.walk_limited(top, limits::MAX_FRAMES, diags)
    }

    /// [`FrameReader::walk`], stopping after `max` frames.
    pub fn walk_limited(
        &self,
        top: RemoteAddr,
        max: usize,
        diags: &mut Diagnostics,
    ) -> (Vec<RawFrame>, bool) {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut cur = top;
        while !cur.is_null() {
            if out.len() >= max {
                diags.push(Diagnostic::new(
                    "limit_reached",
                    format!("stopped after {max} frames of one thread"),
                ));
                return (out, false);
            }
            if !seen.insert(cur.0) {
                diags.push(
                    Diagnostic::new(
                        "frame_loop",
                        "the frame chain loops back on itself; stopped there",
                    )
                    .at(cur.0),
                );
                return (out, false);
            }
            let step = self.frame_at(cur);
            match step {
                Ok((None, next)) => {
                    // A C-stack shim (3.12+) sits just outside the first frame of each
                    // `_PyEval_EvalFrameDefault` call.
                    if self.is_shim(cur) {
                        if let Some(inner) = out.last_mut() {
                            inner.entry = true;
                        }
                    }
                    cur = next;
                }
                Ok((Some(frame), next)) => {
                    out.push(frame);
                    cur = next;
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::new(
                            "frame_unreadable",
                            format!("a frame of this thread could not be read ({e}); the frames beyond it are missing"),
                        )
                        .at(cur.0),
                    );
                    return (out, false);
                }
            }
        }
        (out, true)
    }

    /// Whether the interpreter frame at `cur` is a C-stack shim (3.12+).
    fn is_shim(&self, cur: RemoteAddr) -> bool {
        match self.obj.layout.frame {
            FrameLayout::Interpreter(f) => {
                f.owner_cstack.is_some() && self.obj.r.u8_at(cur, f.owner).ok() == f.owner_cstack
            }
            FrameLayout::Object(_) => false,
        }
    }

    /// The innermost frame pushed on a thread's data stack (3.11+), found from
    /// `datastack_top` alone: the frame whose code's frame size ends exactly there. Used when
    /// the frame pointer itself is lost (3.11–3.12 keep it on the C stack).
    pub fn frame_ending_at(&self, top: RemoteAddr) -> Option<RemoteAddr> {
        let FrameLayout::Interpreter(f) = self.obj.layout.frame else {
            return None;
        };
        let p = u64::from(self.obj.r.ptr_size());
        for words in 1..=limits::MAX_FRAME_WORDS {
            let start = top.back(words * p)?;
            let Ok(code_ptr) = self.obj.r.ptr_at(start, f.f_code) else {
                continue;
            };
            if code_ptr.is_null() || code_ptr.0 % p != 0 {
                continue;
            }
            if let Ok(code) = self.code(code_ptr) {
                if code.frame_words == Some(words) {
                    return Some(start);
                }
            }
        }
        None
    }

    /// The bound fast locals of a frame: (name, object), cells replaced by their contents.
    /// `None` for frames without fast locals (module and class bodies).
    pub fn locals(&self, frame: &RawFrame) -> Option<Vec<(String, Result<RemoteAddr, ReadError>)>> {
        if !frame.code.optimized {
            return None;
        }
        let o = self.obj;
        let p = u64::from(o.r.ptr_size());
        let mut out = Vec::new();
        for (i, (name, kind)) in frame.code.slots.iter().enumerate() {
            let slot = match o
                .r
                .at(frame.localsplus, i as u64 * p)
                .and_then(|a| o.r.ptr(a))
            {
                Ok(v) => v,
                Err(e) => {
                    out.push((name.clone(), Err(e)));
                    continue;
                }
            };
            if slot.is_null() {
                continue;
            }
            let value = match kind {
                SlotKind::Cell | SlotKind::Free => match o.type_of(slot) {
                    Ok(t) if t.builtin == Some(Builtin::Cell) => match o.cell_contents(slot) {
                        Ok(v) if v.is_null() => continue,
                        other => other,
                    },
                    // An argument that is also a cell, before the cell was made.
                    Ok(_) => Ok(slot),
                    Err(e) => Err(e),
                },
                _ => Ok(slot),
            };
            // A name can appear twice (an argument that is also a cell on 3.8–3.10): the later
            // one, the cell, is what Python shows.
            out.retain(|(n, _)| n != name);
            out.push((name.clone(), value));
        }
        Some(out)
    }
}
