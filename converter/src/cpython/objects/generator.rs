//! Generators, coroutines and async generators: their state, their frame, and what a
//! suspended one delegates to (`gi_yieldfrom` / `cr_await`), which links a task's chain of
//! coroutines down to the future it waits on.

use crate::model::GeneratorState;
use crate::source::{ReadError, RemoteAddr};

use super::super::layout::{Bytecode, FrameLayout, GenFrame, YieldFrom};
use super::ObjReader;

/// Largest value-stack index believed (`stacktop`, `f_stackdepth`): CPython's stack depth
/// of a code object is far below this; a larger one is garbage.
const MAX_STACK_DEPTH: i32 = 1 << 16;

impl ObjReader<'_> {
    /// A generator's state and the address of its frame (a frame object on 3.8–3.10, the
    /// embedded interpreter frame on 3.11+; NULL on 3.8–3.10 once finished).
    pub fn generator_frame(
        &self,
        gen: RemoteAddr,
    ) -> Result<(GeneratorState, RemoteAddr), ReadError> {
        let r = &self.r;
        match self.layout.generator.frame {
            GenFrame::FrameObject {
                gi_frame,
                gi_running,
                f_state,
                ..
            } => {
                let frame = r.ptr_at(gen, gi_frame)?;
                if frame.is_null() {
                    return Ok((GeneratorState::Finished, frame));
                }
                let running = match (gi_running, f_state) {
                    (Some(off), _) => r.u8_at(gen, off).unwrap_or(0) != 0,
                    // 3.10: FRAME_EXECUTING is 0.
                    (None, Some(off)) => r.u8_at(frame, off).map(|s| s == 0).unwrap_or(false),
                    _ => false,
                };
                let state = if running {
                    GeneratorState::Running
                } else {
                    match self.layout.frame {
                        FrameLayout::Object(f) if r.i32_at(frame, f.f_lasti)? < 0 => {
                            GeneratorState::Created
                        }
                        _ => GeneratorState::Suspended,
                    }
                };
                Ok((state, frame))
            }
            GenFrame::Embedded {
                gi_iframe,
                gi_frame_state,
                states,
            } => {
                let st = r.u8_at(gen, gi_frame_state)? as i8;
                let state = if st >= states.completed {
                    GeneratorState::Finished
                } else if st == states.executing {
                    GeneratorState::Running
                } else if st == states.created {
                    GeneratorState::Created
                } else {
                    GeneratorState::Suspended
                };
                Ok((state, r.at(gen, gi_iframe)?))
            }
        }
    }

    /// What a suspended generator delegates to, as `_PyGen_yf()` finds it: the top of its
    /// frame's value stack, when the frame is suspended in `yield from` / `await`. `None`
    /// when it isn't (a bare `yield`, not started, running, finished).
    pub fn yield_from(
        &self,
        gen: RemoteAddr,
        state: GeneratorState,
        frame: RemoteAddr,
    ) -> Result<Option<RemoteAddr>, ReadError> {
        if state != GeneratorState::Suspended || frame.is_null() {
            return Ok(None);
        }
        let r = &self.r;
        let word = u64::from(r.ptr_size());
        let top = match self.layout.generator.yield_from {
            YieldFrom::FrameStackTop {
                f_stacktop,
                yield_from_op,
            } => {
                let sp = r.ptr_at(frame, f_stacktop)?;
                // The value stack lives inside the frame object, after its fixed fields.
                if sp.0 <= frame.0 + f_stacktop || sp.0 - frame.0 > (1 << 24) {
                    return Ok(None);
                }
                if !self.next_op_is(frame, &[yield_from_op])? {
                    return Ok(None);
                }
                r.ptr(RemoteAddr(sp.0 - word))?
            }
            YieldFrom::FrameStackDepth {
                f_valuestack,
                f_stackdepth,
                yield_from_op,
            } => {
                let depth = r.i32_at(frame, f_stackdepth)?;
                if !(1..=MAX_STACK_DEPTH).contains(&depth) {
                    return Ok(None);
                }
                if !self.next_op_is(frame, &[yield_from_op])? {
                    return Ok(None);
                }
                let stack = r.ptr_at(frame, f_valuestack)?;
                r.ptr_at(stack, (depth as u64 - 1) * word)?
            }
            YieldFrom::Resume {
                stacktop,
                resume_op,
                resume_variant_op,
                min_oparg,
            } => {
                let FrameLayout::Interpreter(f) = self.layout.frame else {
                    return Ok(None);
                };
                let instr = r.ptr_at(frame, f.instr_ptr)?;
                // The code unit after prev_instr: its opcode byte, then its oparg byte.
                let next = r.bytes(r.at(instr, 2)?, 2)?;
                if !(next[0] == resume_op || next[0] == resume_variant_op) || next[1] < min_oparg {
                    return Ok(None);
                }
                self.stack_top(frame, f.localsplus, stacktop)?
            }
            YieldFrom::StateStackTop { stacktop } => {
                let FrameLayout::Interpreter(f) = self.layout.frame else {
                    return Ok(None);
                };
                if !self.suspended_in_yield_from(gen)? {
                    return Ok(None);
                }
                self.stack_top(frame, f.localsplus, stacktop)?
            }
            YieldFrom::StateStackPointer { stackpointer } => {
                if !self.suspended_in_yield_from(gen)? {
                    return Ok(None);
                }
                let sp = r.ptr_at(frame, stackpointer)?;
                if sp.0 <= frame.0 || sp.0 - frame.0 > (1 << 24) {
                    return Ok(None);
                }
                // A `_PyStackRef`: the low bits are tags.
                RemoteAddr(r.word(RemoteAddr(sp.0 - word))? & !3)
            }
        };
        Ok((!top.is_null()).then_some(top))
    }

    /// Whether the instruction after `f_lasti` of a 3.8–3.10 frame object is one of `ops`.
    fn next_op_is(&self, frame: RemoteAddr, ops: &[u8]) -> Result<bool, ReadError> {
        let r = &self.r;
        let (FrameLayout::Object(f), Bytecode::BytesObject(co_code)) =
            (self.layout.frame, self.layout.code.bytecode)
        else {
            return Ok(false);
        };
        let lasti = r.i32_at(frame, f.f_lasti)?;
        if lasti < 0 {
            return Ok(false);
        }
        let code = r.ptr_at(frame, f.f_code)?;
        let bytes = r.ptr_at(code, co_code)?;
        let len = self.ob_size(bytes)?;
        let at = (lasti as u64) * f.f_lasti_unit + 2;
        if len < 0 || at >= len as u64 {
            return Ok(false);
        }
        let op = r.u8(r.at(r.at(bytes, self.layout.bytes.ob_sval)?, at)?)?;
        Ok(ops.contains(&op))
    }

    /// `localsplus[stacktop - 1]` of an interpreter frame (3.11–3.13).
    fn stack_top(
        &self,
        frame: RemoteAddr,
        localsplus: u64,
        stacktop: u64,
    ) -> Result<RemoteAddr, ReadError> {
        let r = &self.r;
        let top = r.i32_at(frame, stacktop)?;
        if !(1..=MAX_STACK_DEPTH).contains(&top) {
            return Err(ReadError::invalid(frame));
        }
        let word = u64::from(r.ptr_size());
        r.ptr_at(frame, localsplus + (top as u64 - 1) * word)
    }

    /// 3.13+: the generator's state is `FRAME_SUSPENDED_YIELD_FROM`.
    fn suspended_in_yield_from(&self, gen: RemoteAddr) -> Result<bool, ReadError> {
        match self.layout.generator.frame {
            GenFrame::Embedded {
                gi_frame_state,
                states,
                ..
            } => Ok(states.suspended_yield_from == Some(self.r.u8_at(gen, gi_frame_state)? as i8)),
            GenFrame::FrameObject { .. } => Ok(false),
        }
    }
}
