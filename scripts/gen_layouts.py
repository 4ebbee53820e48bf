#!/usr/bin/env python3
"""Generate the per-version CPython layout tables of the `hd` converter.

For every CPython 3.8-3.13 install found (by default under /root/.pyenv/versions/3.X.Y, or
the roots given with --python-root), this writes a small C program that defines
Py_BUILD_CORE, includes <Python.h> and the internal headers of that version, and prints
offsetof()/sizeof() of every field of `Layout` (converter/src/cpython/layout/mod.rs). It is
compiled with gcc against the install's own headers and run; its output becomes

    converter/src/cpython/layout/tables/v3_X.rs     pub(super) const LAYOUT: Layout = ...;
    converter/src/cpython/layout/tables/mod.rs      mod v3_X; KNOWN_TABLES; table_for()

Every number in the tables comes from the C compiler. The only structures that are not in
the installed headers (PyDictKeysObject and PyDictKeyEntry of 3.8-3.10, PyModuleObject of
3.8-3.9, the range object of every version) are transcribed below as C declarations (see
TRANSCRIBED_*), so gcc still computes their offsets, and their LP64 offsets are pinned by
EXPECTED_LP64_TRANSCRIBED. Enum constants (the generator states of `enum _framestate`,
FRAME_OWNED_BY_*, T_OBJECT_EX / Py_T_OBJECT_EX, NUM_GENERATIONS) are printed by C as well.

Checks (any failure stops the generator; nothing is written):
  * the fields written must be exactly those that mod.rs declares (struct by struct);
  * mod.rs's hand-written constants (`tp_flags`, `fast_kind`) and the word offsets and tags it
    documents for managed dicts must match the headers (build_checks);
  * when the install has its interpreter (bin/python3.X), LIVE_CHECK runs in it and walks real
    objects with ctypes using the freshly computed table: _PyRuntime -> interpreter -> thread
    state -> GIL -> frames -> code objects, str/int/float/bytes/tuple/list/dict/set/cell/module
    objects, a class and the attributes of its instance; functions, bound methods, complex,
    bytearray, slice, range, a chained exception and its tracebacks, generators / coroutines /
    async generators in each state, __slots__ member descriptors, memoryviews, the exception
    being handled (exc_info, down the stack) and the one being raised (set by a small C helper
    built with gcc, LIVE_HELPER_C), the GC lists of every generation (compared with
    gc.get_objects) and the permanent one, datetime / date / time / timedelta objects (and on
    3.13 compares the table with the interpreter's own _Py_DebugOffsets). Skip it with
    --no-live-check.

Debug builds (an include/python3.Xd directory, or Py_DEBUG in pyconfig.h) found among the
roots are compared with the release table of the same version; a v3_X_debug.rs table (listed
in DEBUG_TABLES, not KNOWN_TABLES) is written only if their layouts differ.

Usage:
    scripts/gen_layouts.py                 # regenerate the tables in place
    scripts/gen_layouts.py --check         # regenerate into a temp dir; exit 1 if different
    scripts/gen_layouts.py --dump [--cflag -DPy_DEBUG] --python-root /usr
                                           # print the flat field list (for comparisons)

Exit codes: 0 ok, 1 --check found differences, 2 no usable install / bad usage / failure.

The output is deterministic: running it twice on the same installs gives identical files.
Only LP64 (x86_64, ptr_size 8) tables are generated; TARGETS is where a 32-bit (-m32)
target would be added (its tables would be named v3_X_32.rs).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

REPO = Path(__file__).resolve().parent.parent
LAYOUT_DIR = REPO / "converter" / "src" / "cpython" / "layout"
TABLES_DIR = LAYOUT_DIR / "tables"
LAYOUT_MOD_RS = LAYOUT_DIR / "mod.rs"
DEFAULT_PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
MINORS = range(8, 14)  # 3.8 .. 3.13


@dataclass(frozen=True)
class Target:
    """A C ABI to generate tables for."""

    name: str
    cflags: Tuple[str, ...]
    ptr_size: int
    suffix: str  # appended to the module name (v3_X + suffix)


# The targets generated. A 32-bit table would be Target("i386", ("-m32",), 4, "_32"); it
# needs gcc-multilib and headers (pyconfig.h) of a 32-bit build of each version.
TARGETS: Tuple[Target, ...] = (Target("x86_64", ("-m64",), 8, ""),)

# --------------------------------------------------------------------------------------
# Structures that the installed headers don't contain.
#
# PyDictKeysObject and PyDictKeyEntry of 3.8-3.10 are defined in Objects/dict-common.h,
# which is not installed. The declarations below are transcribed from that file; the field
# types (and so the offsets) are identical in 3.8, 3.9 and 3.10:
#
#     typedef struct { Py_hash_t me_hash; PyObject *me_key; PyObject *me_value; }
#         PyDictKeyEntry;
#     struct _dictkeysobject {
#         Py_ssize_t dk_refcnt;
#         Py_ssize_t dk_size;
#         dict_lookup_func dk_lookup;
#         Py_ssize_t dk_usable;
#         Py_ssize_t dk_nentries;
#         char dk_indices[];
#     };
#
# Checked against CPython's own sources: v3.8.2 and v3.9.18 trees (Objects/dict-common.h),
# and the 3.10 layout against pystack's copy for 3.3-3.10 and Cinder's 3.10-based tree (the
# python/cpython main branch moved to dk_log2_size only for 3.11). The live interpreters are
# checked too (LIVE_CHECK). In 3.11+ the structures are in Include/internal/pycore_dict.h and
# are read from there.
#
# PyModuleObject of 3.8-3.9 is defined in Objects/moduleobject.c (moved to
# Include/internal/pycore_moduleobject.h in 3.10):
#
#     typedef struct { PyObject_HEAD PyObject *md_dict; struct PyModuleDef *md_def;
#                      void *md_state; PyObject *md_weaklist; PyObject *md_name; }
#         PyModuleObject;
#
# (checked against the v3.8.2 and v3.9.18 trees, and live).
#
# rangeobject (the `range` type) of every version is defined in Objects/rangeobject.c and
# never installed:
#
#     typedef struct { PyObject_HEAD PyObject *start; PyObject *stop; PyObject *step;
#                      PyObject *length; } rangeobject;
#
# Checked against python/cpython's Objects/rangeobject.c of the 3.9 development tree (commit
# 0049db81, with `range_vectorcall` and `_PyLong_Zero`) and of a main-branch tree after 3.13
# (Fidget-Spinner/cpython 618f9965, with `pycore_pyatomic_ft_wrappers.h`): the same four
# fields in both; and live (LIVE_CHECK reads range(3, 100, 7) in every interpreter).
TRANSCRIBED_DICT_3_8_TO_3_10 = r"""
/* Transcribed from Objects/dict-common.h of CPython 3.8-3.10 (not installed). */
typedef Py_ssize_t (*hd_dict_lookup_func)(PyDictObject *mp, PyObject *key, Py_hash_t hash,
                                          PyObject **value_addr);
typedef struct {
    Py_hash_t me_hash;
    PyObject *me_key;
    PyObject *me_value;
} hd_PyDictKeyEntry;
typedef struct {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;
    hd_dict_lookup_func dk_lookup;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[];
} hd_PyDictKeysObject;
"""

TRANSCRIBED_MODULE_3_8_TO_3_9 = r"""
/* Transcribed from Objects/moduleobject.c of CPython 3.8-3.9 (not installed). */
typedef struct {
    PyObject_HEAD
    PyObject *md_dict;
    struct PyModuleDef *md_def;
    void *md_state;
    PyObject *md_weaklist;
    PyObject *md_name;
} hd_PyModuleObject;
"""

TRANSCRIBED_RANGE = r"""
/* Transcribed from Objects/rangeobject.c (not installed; the same in 3.8-3.13). */
typedef struct {
    PyObject_HEAD
    PyObject *start;
    PyObject *stop;
    PyObject *step;
    PyObject *length;
} hd_rangeobject;
"""

# The documented LP64 offsets of the transcribed structures (ptr_size 8). gcc computes the
# numbers that go into the tables; these pin the transcription.
EXPECTED_LP64_TRANSCRIBED = {
    "offsetof(hd_PyDictKeysObject, dk_refcnt)": 0,
    "offsetof(hd_PyDictKeysObject, dk_size)": 8,
    "offsetof(hd_PyDictKeysObject, dk_usable)": 24,
    "offsetof(hd_PyDictKeysObject, dk_nentries)": 32,
    "offsetof(hd_PyDictKeysObject, dk_indices)": 40,
    "sizeof(hd_PyDictKeyEntry)": 24,
    "offsetof(hd_PyModuleObject, md_dict)": 16,
    "offsetof(hd_PyModuleObject, md_name)": 48,
    "offsetof(hd_rangeobject, start)": 16,
    "offsetof(hd_rangeobject, stop)": 24,
    "offsetof(hd_rangeobject, step)": 32,
    "offsetof(hd_rangeobject, length)": 40,
}

# The comment shown in the tables for the transcribed expressions.
TRANSCRIBED_NAMES = {
    "hd_PyDictKeysObject": "PyDictKeysObject",
    "hd_PyDictKeyEntry": "PyDictKeyEntry",
    "hd_PyModuleObject": "PyModuleObject",
    "hd_rangeobject": "rangeobject",
}
TRANSCRIBED_SOURCE = {
    "hd_PyDictKeysObject": "Objects/dict-common.h",
    "hd_PyDictKeyEntry": "Objects/dict-common.h",
    "hd_PyModuleObject": "Objects/moduleobject.c",
    "hd_rangeobject": "Objects/rangeobject.c",
}


def internal_headers(minor: int) -> List[str]:
    """The headers each version's program includes (besides Python.h)."""
    hs = ["frameobject.h"]
    if minor <= 12:
        hs.append("opcode.h")  # YIELD_FROM / RESUME, which _PyGen_yf() looks for
    if minor <= 10:
        hs.append("longintrepr.h")  # PyLongObject; moved to cpython/ (via Python.h) in 3.11
    if minor == 8:
        hs += ["pycore_pystate.h"]  # _PyRuntimeState, PyInterpreterState, pycore_gil.h
    else:
        hs += ["pycore_runtime.h", "pycore_interp.h"]
    hs.append("pycore_gil.h")
    if minor >= 10:
        hs.append("pycore_moduleobject.h")
    if minor >= 11:
        hs += ["pycore_frame.h", "pycore_code.h", "pycore_dict.h", "pycore_object.h"]
    if minor >= 12:
        hs += ["pycore_long.h"]
    if minor >= 9:
        hs.append("pycore_gc.h")  # struct _gc_runtime_state, PyGC_Head (3.8: via pycore_pystate.h)
    if minor <= 11:
        hs.append("structmember.h")  # PyMemberDef, T_OBJECT_EX (in descrobject.h from 3.12)
    hs.append("datetime.h")  # PyDateTime_* (not included by Python.h)
    return hs


# --------------------------------------------------------------------------------------
# The Rust value tree. Leaves are numbers printed by C (Num), bit positions derived from a
# mask printed by C (Bits), or Rust literals that are not numbers (Lit, NoneV).


@dataclass
class Num:
    expr: str  # C expression, printed as unsigned long long (signed: long long)
    comment: Optional[str] = None  # defaults to the expression
    hexa: bool = False
    max_value: int = (1 << 64) - 1
    value: Optional[int] = None
    signed: bool = False
    min_value: int = 0


@dataclass
class Bits:
    """Bit position (shift) or width of a bitfield of PyASCIIObject.state."""

    bitfield: str  # kind / compact / ascii / ready
    what: str  # "shift" or "width"
    value: Optional[int] = None
    mask: Optional[int] = None


@dataclass
class Lit:
    text: str
    comment: Optional[str] = None


@dataclass
class NoneV:
    comment: str


@dataclass
class SomeV:
    inner: "Node"


@dataclass
class Struct:
    name: str
    fields: List[Tuple[str, "Node"]]


@dataclass
class Variant:
    """`Path`, `Path(x)`, `Path { .. }` or `Path(Struct { .. })`."""

    path: str
    arg: Optional["Node"] = None  # tuple payload
    fields: Optional[List[Tuple[str, "Node"]]] = None  # struct payload
    comment: Optional[str] = None


Node = Union[Num, Bits, Lit, NoneV, SomeV, Struct, Variant]


def off(typ: str, member: str, **kw) -> Num:
    return Num(f"offsetof({typ}, {member})", **kw)


def size(typ: str, **kw) -> Num:
    return Num(f"sizeof({typ})", **kw)


def u8(expr: str, comment: Optional[str] = None) -> Num:
    return Num(expr, comment=comment, max_value=255)


def i8(expr: str, comment: Optional[str] = None) -> Num:
    return Num(expr, comment=comment, signed=True, min_value=-128, max_value=127)


def i32(expr: str, comment: Optional[str] = None) -> Num:
    return Num(expr, comment=comment, signed=True, min_value=-(1 << 31), max_value=(1 << 31) - 1)


def build_layout(minor: int, target: Target) -> Struct:
    """The `Layout` of CPython 3.<minor>, as C expressions. Field names follow mod.rs."""
    v = minor

    object_ = Struct(
        "ObjectLayout",
        [
            ("ob_refcnt", off("PyObject", "ob_refcnt")),
            ("ob_type", off("PyObject", "ob_type")),
            ("ob_size", off("PyVarObject", "ob_size")),
        ],
    )

    if v <= 11:
        gil = Variant("GilLocation::Runtime", arg=off("_PyRuntimeState", "ceval.gil"))
    else:
        gil = Variant("GilLocation::InterpPointer", arg=off("PyInterpreterState", "ceval.gil"))
    runtime = Struct(
        "RuntimeLayout",
        [
            ("interpreters_head", off("_PyRuntimeState", "interpreters.head")),
            ("interpreters_main", off("_PyRuntimeState", "interpreters.main")),
            ("gil", gil),
            ("gil_locked", off("struct _gil_runtime_state", "locked")),
            ("gil_last_holder", off("struct _gil_runtime_state", "last_holder")),
        ],
    )

    interp = Struct(
        "InterpLayout",
        [
            ("next", off("PyInterpreterState", "next")),
            ("id", off("PyInterpreterState", "id")),
            (
                "tstate_head",
                off("PyInterpreterState", "tstate_head" if v <= 10 else "threads.head"),
            ),
            ("modules", off("PyInterpreterState", "modules" if v <= 11 else "imports.modules")),
            ("sysdict", off("PyInterpreterState", "sysdict")),
            ("builtins", off("PyInterpreterState", "builtins")),
        ],
    )

    if v <= 10:
        frame_link = Variant("FrameLink::Direct", arg=off("PyThreadState", "frame"))
    elif v <= 12:
        frame_link = Variant(
            "FrameLink::ViaCFrame",
            fields=[
                ("cframe", off("PyThreadState", "cframe")),
                ("current_frame", off("_PyCFrame", "current_frame")),
            ],
        )
    else:
        frame_link = Variant("FrameLink::Direct", arg=off("PyThreadState", "current_frame"))
    tstate = Struct(
        "ThreadStateLayout",
        [
            ("prev", off("PyThreadState", "prev")),
            ("next", off("PyThreadState", "next")),
            ("interp", off("PyThreadState", "interp")),
            ("frame", frame_link),
            ("thread_id", off("PyThreadState", "thread_id")),
            (
                "native_thread_id",
                SomeV(off("PyThreadState", "native_thread_id"))
                if v >= 11
                else NoneV("no native_thread_id before 3.11"),
            ),
            (
                "datastack_top",
                SomeV(off("PyThreadState", "datastack_top"))
                if v >= 11
                else NoneV("frames are heap objects before 3.11"),
            ),
        ],
    )

    if v <= 10:
        if v <= 9:
            lasti_unit: Node = Lit("1", "f_lasti is a byte offset into co_code in 3.8-3.9")
        else:
            lasti_unit = Num(
                "sizeof(_Py_CODEUNIT)",
                comment="sizeof(_Py_CODEUNIT): f_lasti counts code units in 3.10",
            )
        frame = Variant(
            "FrameLayout::Object",
            arg=Struct(
                "FrameObjectLayout",
                [
                    ("f_back", off("PyFrameObject", "f_back")),
                    ("f_code", off("PyFrameObject", "f_code")),
                    ("f_lasti", off("PyFrameObject", "f_lasti")),
                    ("f_lasti_unit", lasti_unit),
                    ("f_localsplus", off("PyFrameObject", "f_localsplus")),
                ],
            ),
        )
    else:
        frame = Variant(
            "FrameLayout::Interpreter",
            arg=Struct(
                "InterpreterFrameLayout",
                [
                    (
                        "f_code",
                        off("_PyInterpreterFrame", "f_code" if v <= 12 else "f_executable"),
                    ),
                    ("previous", off("_PyInterpreterFrame", "previous")),
                    (
                        "instr_ptr",
                        off("_PyInterpreterFrame", "prev_instr" if v <= 12 else "instr_ptr"),
                    ),
                    ("localsplus", off("_PyInterpreterFrame", "localsplus")),
                    ("owner", off("_PyInterpreterFrame", "owner")),
                    ("owner_generator", u8("FRAME_OWNED_BY_GENERATOR")),
                    (
                        "owner_cstack",
                        SomeV(u8("FRAME_OWNED_BY_CSTACK"))
                        if v >= 12
                        else NoneV("no FRAME_OWNED_BY_CSTACK before 3.12"),
                    ),
                    (
                        "is_entry",
                        SomeV(off("_PyInterpreterFrame", "is_entry"))
                        if v == 11
                        else NoneV("3.12+ mark entries with a C-stack shim frame before them"),
                    ),
                ],
            ),
        )

    if v <= 10:
        locals_ = Variant(
            "CodeLocals::Split",
            fields=[
                ("co_nlocals", off("PyCodeObject", "co_nlocals")),
                ("co_varnames", off("PyCodeObject", "co_varnames")),
                ("co_cellvars", off("PyCodeObject", "co_cellvars")),
                ("co_freevars", off("PyCodeObject", "co_freevars")),
            ],
        )
    else:
        locals_ = Variant(
            "CodeLocals::Combined",
            fields=[
                ("co_localsplusnames", off("PyCodeObject", "co_localsplusnames")),
                ("co_localspluskinds", off("PyCodeObject", "co_localspluskinds")),
            ],
        )
    if v <= 9:
        line_table = Variant("LineTable::Lnotab", arg=off("PyCodeObject", "co_lnotab"))
    elif v == 10:
        line_table = Variant("LineTable::Linetable310", arg=off("PyCodeObject", "co_linetable"))
    else:
        line_table = Variant("LineTable::Locations", arg=off("PyCodeObject", "co_linetable"))
    if v <= 10:
        bytecode = Variant("Bytecode::BytesObject", arg=off("PyCodeObject", "co_code"))
    else:
        bytecode = Variant(
            "Bytecode::Inline",
            fields=[
                ("co_code_adaptive", off("PyCodeObject", "co_code_adaptive")),
                ("co_firsttraceable", off("PyCodeObject", "_co_firsttraceable")),
                (
                    "frame_size",
                    Variant(
                        "FrameSize::Computed",
                        fields=[
                            ("co_nlocalsplus", off("PyCodeObject", "co_nlocalsplus")),
                            ("co_stacksize", off("PyCodeObject", "co_stacksize")),
                            ("specials", Num("FRAME_SPECIALS_SIZE")),
                        ],
                    )
                    if v == 11
                    else Variant("FrameSize::Field", arg=off("PyCodeObject", "co_framesize")),
                ),
            ],
        )
    code = Struct(
        "CodeLayout",
        [
            ("co_argcount", off("PyCodeObject", "co_argcount")),
            ("co_flags", off("PyCodeObject", "co_flags")),
            ("co_firstlineno", off("PyCodeObject", "co_firstlineno")),
            ("co_filename", off("PyCodeObject", "co_filename")),
            ("co_name", off("PyCodeObject", "co_name")),
            (
                "co_qualname",
                SomeV(off("PyCodeObject", "co_qualname"))
                if v >= 11
                else NoneV("no co_qualname before 3.11"),
            ),
            ("locals", locals_),
            ("line_table", line_table),
            ("bytecode", bytecode),
        ],
    )

    type_object = Struct(
        "TypeLayout",
        [
            ("tp_name", off("PyTypeObject", "tp_name")),
            ("tp_basicsize", off("PyTypeObject", "tp_basicsize")),
            ("tp_itemsize", off("PyTypeObject", "tp_itemsize")),
            ("tp_repr", off("PyTypeObject", "tp_repr")),
            ("tp_dictoffset", off("PyTypeObject", "tp_dictoffset")),
            ("tp_flags", off("PyTypeObject", "tp_flags")),
            ("tp_base", off("PyTypeObject", "tp_base")),
            ("tp_dict", off("PyTypeObject", "tp_dict")),
            ("tp_bases", off("PyTypeObject", "tp_bases")),
            ("tp_mro", off("PyTypeObject", "tp_mro")),
            ("ht_name", off("PyHeapTypeObject", "ht_name")),
            ("ht_qualname", off("PyHeapTypeObject", "ht_qualname")),
            ("ht_cached_keys", off("PyHeapTypeObject", "ht_cached_keys")),
            ("ht_slots", off("PyHeapTypeObject", "ht_slots")),
            ("tp_weaklistoffset", off("PyTypeObject", "tp_weaklistoffset")),
            ("tp_members", off("PyTypeObject", "tp_members")),
        ],
    )

    # 3.12 moved the size into lv_tag (with the sign) and the digits into long_value.
    if v <= 11:
        encoding = Variant("LongEncoding::SignedSize", comment="sign and size in ob_size")
        ob_digit = off("PyLongObject", "ob_digit")
    else:
        encoding = Variant(
            "LongEncoding::Tagged", fields=[("lv_tag", off("PyLongObject", "long_value.lv_tag"))]
        )
        ob_digit = off("PyLongObject", "long_value.ob_digit")
    long_ = Struct(
        "LongLayout",
        [
            ("encoding", encoding),
            ("ob_digit", ob_digit),
            ("digit_bits", u8("PyLong_SHIFT")),
            ("digit_size", u8("sizeof(digit)")),
            (
                "sizeof_min_digits",
                Lit(
                    "1" if v >= 11 else "0",
                    comment="int.__sizeof__ counts at least one digit from 3.11 on (Objects/longobject.c)",
                ),
            ),
        ],
    )

    float_ = Struct("FloatLayout", [("ob_fval", off("PyFloatObject", "ob_fval"))])

    unicode = Struct(
        "UnicodeLayout",
        [
            ("length", off("PyASCIIObject", "length")),
            ("state", off("PyASCIIObject", "state")),
            ("kind_shift", Bits("kind", "shift")),
            ("kind_bits", Bits("kind", "width")),
            ("compact_bit", Bits("compact", "shift")),
            ("ascii_bit", Bits("ascii", "shift")),
            (
                "ready_bit",
                SomeV(Bits("ready", "shift")) if v <= 11 else NoneV("no state.ready since 3.12"),
            ),
            ("ascii_size", size("PyASCIIObject")),
            ("compact_size", size("PyCompactUnicodeObject")),
            ("legacy_data", off("PyUnicodeObject", "data")),
        ],
    )

    bytes_ = Struct("BytesLayout", [("ob_sval", off("PyBytesObject", "ob_sval"))])
    tuple_ = Struct("TupleLayout", [("ob_item", off("PyTupleObject", "ob_item"))])
    list_ = Struct(
        "ListLayout",
        [
            ("ob_item", off("PyListObject", "ob_item")),
            ("allocated", off("PyListObject", "allocated")),
        ],
    )

    if v <= 10:
        keys = Variant(
            "DictKeysLayout::Sized",
            fields=[
                ("dk_refcnt", off("hd_PyDictKeysObject", "dk_refcnt")),
                ("dk_size", off("hd_PyDictKeysObject", "dk_size")),
                ("dk_usable", off("hd_PyDictKeysObject", "dk_usable")),
                ("dk_nentries", off("hd_PyDictKeysObject", "dk_nentries")),
                ("dk_indices", off("hd_PyDictKeysObject", "dk_indices")),
            ],
        )
        values = Variant("DictValuesLayout::Parallel", comment="ma_values is a PyObject *[]")
        entry_size = size("hd_PyDictKeyEntry")
        unicode_entry_size: Node = NoneV("no PyDictUnicodeEntry before 3.11")
    else:
        keys = Variant(
            "DictKeysLayout::Log2",
            fields=[
                ("dk_refcnt", off("PyDictKeysObject", "dk_refcnt")),
                ("dk_log2_size", off("PyDictKeysObject", "dk_log2_size")),
                ("dk_log2_index_bytes", off("PyDictKeysObject", "dk_log2_index_bytes")),
                ("dk_kind", off("PyDictKeysObject", "dk_kind")),
                ("dk_usable", off("PyDictKeysObject", "dk_usable")),
                ("dk_nentries", off("PyDictKeysObject", "dk_nentries")),
                ("dk_indices", off("PyDictKeysObject", "dk_indices")),
            ],
        )
        if v <= 12:
            values = Variant(
                "DictValuesLayout::OrderBefore",
                comment="bytes before PyDictValues.values: [-2] count, [-3-i] i-th index",
            )
        else:
            values = Variant(
                "DictValuesLayout::OrderAfter",
                fields=[
                    ("capacity", off("PyDictValues", "capacity")),
                    ("size", off("PyDictValues", "size")),
                    ("valid", off("PyDictValues", "valid")),
                    ("values", off("PyDictValues", "values")),
                ],
            )
        entry_size = size("PyDictKeyEntry")
        unicode_entry_size = SomeV(size("PyDictUnicodeEntry"))
    dict_ = Struct(
        "DictLayout",
        [
            ("ma_used", off("PyDictObject", "ma_used")),
            ("ma_keys", off("PyDictObject", "ma_keys")),
            ("ma_values", off("PyDictObject", "ma_values")),
            ("keys", keys),
            ("values", values),
            ("entry_size", entry_size),
            ("unicode_entry_size", unicode_entry_size),
        ],
    )

    set_ = Struct(
        "SetLayout",
        [
            ("used", off("PySetObject", "used")),
            ("mask", off("PySetObject", "mask")),
            ("table", off("PySetObject", "table")),
            ("smalltable", off("PySetObject", "smalltable")),
            ("entry_size", size("setentry")),
        ],
    )
    cell = Struct("CellLayout", [("ob_ref", off("PyCellObject", "ob_ref"))])
    module_t = "hd_PyModuleObject" if v <= 9 else "PyModuleObject"
    module = Struct(
        "ModuleLayout",
        [("md_dict", off(module_t, "md_dict")), ("md_name", off(module_t, "md_name"))],
    )

    if v <= 10:
        instance_dict = Variant(
            "InstanceDictLayout::DictOffset", comment="no Py_TPFLAGS_MANAGED_DICT before 3.11"
        )
    elif v == 11:
        instance_dict = Variant(
            "InstanceDictLayout::ManagedSeparate",
            fields=[("flag", Num("Py_TPFLAGS_MANAGED_DICT", hexa=True))],
        )
    elif v == 12:
        instance_dict = Variant(
            "InstanceDictLayout::ManagedTagged",
            fields=[("flag", Num("Py_TPFLAGS_MANAGED_DICT", hexa=True))],
        )
    else:
        instance_dict = Variant(
            "InstanceDictLayout::ManagedInline",
            fields=[
                ("flag", Num("Py_TPFLAGS_MANAGED_DICT", hexa=True)),
                ("inline_values_flag", Num("Py_TPFLAGS_INLINE_VALUES", hexa=True)),
            ],
        )

    function = Struct(
        "FunctionLayout",
        [
            (f, off("PyFunctionObject", f))
            for f in (
                "func_code",
                "func_globals",
                "func_defaults",
                "func_kwdefaults",
                "func_closure",
                "func_name",
                "func_qualname",
                "func_module",
                "func_dict",
            )
        ],
    )
    method = Struct(
        "MethodLayout",
        [("im_func", off("PyMethodObject", "im_func")), ("im_self", off("PyMethodObject", "im_self"))],
    )
    complex_ = Struct("ComplexLayout", [("cval", off("PyComplexObject", "cval"))])
    bytearray_ = Struct(
        "ByteArrayLayout",
        [(f, off("PyByteArrayObject", f)) for f in ("ob_alloc", "ob_bytes", "ob_start")],
    )
    slice_ = Struct("SliceLayout", [(f, off("PySliceObject", f)) for f in ("start", "stop", "step")])
    range_ = Struct(
        "RangeLayout", [(f, off("hd_rangeobject", f)) for f in ("start", "stop", "step", "length")]
    )

    exception = Struct(
        "ExceptionLayout",
        [
            ("dict", off("PyBaseExceptionObject", "dict")),
            ("args", off("PyBaseExceptionObject", "args")),
            (
                "notes",
                SomeV(
                    off(
                        "PyBaseExceptionObject",
                        "notes",
                        comment="offsetof(PyBaseExceptionObject, notes), unused:"
                        " add_note() keeps __notes__ in the dict",
                    )
                )
                if v >= 11
                else NoneV("no notes field before 3.11"),
            ),
            ("traceback", off("PyBaseExceptionObject", "traceback")),
            ("context", off("PyBaseExceptionObject", "context")),
            ("cause", off("PyBaseExceptionObject", "cause")),
            ("suppress_context", off("PyBaseExceptionObject", "suppress_context")),
        ],
    )
    traceback = Struct(
        "TracebackLayout",
        [(f, off("PyTracebackObject", f)) for f in ("tb_next", "tb_frame", "tb_lasti", "tb_lineno")],
    )

    if v <= 10:
        gen_frame = Variant(
            "GenFrame::FrameObject",
            fields=[
                ("gi_frame", off("PyGenObject", "gi_frame")),
                ("gi_code", off("PyGenObject", "gi_code")),
                (
                    "gi_running",
                    SomeV(off("PyGenObject", "gi_running"))
                    if v <= 9
                    else NoneV("no gi_running in 3.10: the frame's f_state says FRAME_EXECUTING"),
                ),
                (
                    "f_state",
                    SomeV(off("PyFrameObject", "f_state"))
                    if v == 10
                    else NoneV("no PyFrameObject.f_state before 3.10"),
                ),
            ],
        )
        frame_object: Node = Variant(
            "FrameObjectLink::Itself", comment="the frame object is the frame before 3.11"
        )
    else:
        states = Struct(
            "GenStates",
            [
                ("created", i8("FRAME_CREATED")),
                ("suspended", i8("FRAME_SUSPENDED")),
                (
                    "suspended_yield_from",
                    SomeV(i8("FRAME_SUSPENDED_YIELD_FROM"))
                    if v >= 13
                    else NoneV("no FRAME_SUSPENDED_YIELD_FROM before 3.13"),
                ),
                ("executing", i8("FRAME_EXECUTING")),
                ("completed", i8("FRAME_COMPLETED")),
                ("cleared", i8("FRAME_CLEARED")),
            ],
        )
        gen_frame = Variant(
            "GenFrame::Embedded",
            fields=[
                ("gi_iframe", off("PyGenObject", "gi_iframe")),
                ("gi_frame_state", off("PyGenObject", "gi_frame_state")),
                ("states", states),
            ],
        )
        frame_object = Variant(
            "FrameObjectLink::Interpreter", fields=[("f_frame", off("PyFrameObject", "f_frame"))]
        )
    # What _PyGen_yf() (Objects/genobject.c) reads for gi_yieldfrom / cr_await.
    if v <= 9:
        yield_from: Node = Variant(
            "YieldFrom::FrameStackTop",
            fields=[
                ("f_stacktop", off("PyFrameObject", "f_stacktop")),
                ("yield_from_op", u8("YIELD_FROM")),
            ],
        )
    elif v == 10:
        yield_from = Variant(
            "YieldFrom::FrameStackDepth",
            fields=[
                ("f_valuestack", off("PyFrameObject", "f_valuestack")),
                ("f_stackdepth", off("PyFrameObject", "f_stackdepth")),
                ("yield_from_op", u8("YIELD_FROM")),
            ],
        )
    elif v <= 12:
        yield_from = Variant(
            "YieldFrom::Resume",
            fields=[
                ("stacktop", off("_PyInterpreterFrame", "stacktop")),
                ("resume_op", u8("RESUME")),
                (
                    "resume_variant_op",
                    u8("RESUME_QUICK", "RESUME_QUICK (_PyOpcode_Deopt maps it to RESUME)")
                    if v == 11
                    else u8("INSTRUMENTED_RESUME", "INSTRUMENTED_RESUME (is_resume())"),
                ),
                (
                    "min_oparg",
                    Lit("2", "_PyGen_yf(): `_Py_OPARG(next) < 2` is not in a yield from"),
                ),
            ],
        )
    else:
        yield_from = Variant(
            "YieldFrom::StateStackTop",
            fields=[("stacktop", off("_PyInterpreterFrame", "stacktop"))],
        )
    generator = Struct(
        "GeneratorLayout",
        [
            ("gi_name", off("PyGenObject", "gi_name")),
            ("gi_qualname", off("PyGenObject", "gi_qualname")),
            ("frame", gen_frame),
            ("frame_object", frame_object),
            ("yield_from", yield_from),
        ],
    )

    member = Struct(
        "MemberLayout",
        [
            ("d_member", off("PyMemberDescrObject", "d_member")),
            ("name", off("PyMemberDef", "name")),
            ("member_type", off("PyMemberDef", "type")),
            ("offset", off("PyMemberDef", "offset")),
            ("member_size", size("PyMemberDef")),
            ("t_object_ex", i32("T_OBJECT_EX" if v <= 11 else "Py_T_OBJECT_EX")),
        ],
    )
    memoryview = Struct(
        "MemoryViewLayout",
        [("view", off("PyMemoryViewObject", "view"))]
        + [
            (f, off("Py_buffer", f))
            for f in ("buf", "obj", "len", "itemsize", "readonly", "ndim", "format", "shape", "strides")
        ],
    )

    if v <= 10:
        handled = Variant(
            "HandledException::Triple",
            fields=[(f, off("_PyErr_StackItem", f)) for f in ("exc_type", "exc_value", "exc_traceback")],
        )
    else:
        handled = Variant(
            "HandledException::Value", fields=[("exc_value", off("_PyErr_StackItem", "exc_value"))]
        )
    if v <= 11:
        current = Variant(
            "CurrentException::Triple",
            fields=[
                (f, off("PyThreadState", f))
                for f in ("curexc_type", "curexc_value", "curexc_traceback")
            ],
        )
    else:
        current = Variant(
            "CurrentException::Value",
            fields=[("current_exception", off("PyThreadState", "current_exception"))],
        )
    errors = Struct(
        "ThreadErrorsLayout",
        [
            ("exc_info", off("PyThreadState", "exc_info")),
            ("previous_item", off("_PyErr_StackItem", "previous_item")),
            ("handled", handled),
            ("current", current),
        ],
    )

    if v == 8:
        gc_state = Variant("GcStateLocation::Runtime", arg=off("_PyRuntimeState", "gc"))
    else:
        gc_state = Variant("GcStateLocation::Interp", arg=off("PyInterpreterState", "gc"))
    if v <= 10:
        preheader: Node = Lit("0", "no pre-header (Py_TPFLAGS_MANAGED_DICT) before 3.11")
    else:
        preheader = Num(
            "_PyType_PreHeaderSize(&hd_managed_dict_type) / sizeof(PyObject *)",
            comment="_PyType_PreHeaderSize(a non-GC type with Py_TPFLAGS_MANAGED_DICT)"
            " / sizeof(PyObject *)",
        )
    gc = Struct(
        "GcLayout",
        [
            ("state", gc_state),
            ("generations", off("struct _gc_runtime_state", "generations")),
            ("generation_size", size("struct gc_generation")),
            ("num_generations", Num("NUM_GENERATIONS")),
            ("permanent_generation", off("struct _gc_runtime_state", "permanent_generation")),
            ("gc_next", off("PyGC_Head", "_gc_next")),
            ("gc_prev", off("PyGC_Head", "_gc_prev")),
            ("gc_head_size", size("PyGC_Head")),
            ("managed_preheader_words", preheader),
        ],
    )

    datetime = Struct(
        "DateTimeLayout",
        [
            ("hastzinfo", off("_PyDateTime_BaseTZInfo", "hastzinfo")),
            ("date_data", off("PyDateTime_Date", "data")),
            ("time_data", off("PyDateTime_Time", "data")),
            ("datetime_data", off("PyDateTime_DateTime", "data")),
            ("time_tzinfo", off("PyDateTime_Time", "tzinfo")),
            ("datetime_tzinfo", off("PyDateTime_DateTime", "tzinfo")),
            ("time_fold", off("PyDateTime_Time", "fold")),
            ("datetime_fold", off("PyDateTime_DateTime", "fold")),
            ("delta_days", off("PyDateTime_Delta", "days")),
            ("delta_seconds", off("PyDateTime_Delta", "seconds")),
            ("delta_microseconds", off("PyDateTime_Delta", "microseconds")),
        ],
    )

    return Struct(
        "Layout",
        [
            ("version", Lit("(PY_MAJOR_VERSION, PY_MINOR_VERSION)")),  # filled in later
            ("ptr_size", u8("sizeof(void *)")),
            ("object", object_),
            ("runtime", runtime),
            ("interp", interp),
            ("tstate", tstate),
            ("frame", frame),
            ("code", code),
            ("type_object", type_object),
            ("long", long_),
            ("float", float_),
            ("unicode", unicode),
            ("bytes", bytes_),
            ("tuple", tuple_),
            ("list", list_),
            ("dict", dict_),
            ("set", set_),
            ("cell", cell),
            ("module", module),
            ("instance_dict", instance_dict),
            ("function", function),
            ("method", method),
            ("complex", complex_),
            ("bytearray", bytearray_),
            ("slice", slice_),
            ("range", range_),
            ("exception", exception),
            ("traceback", traceback),
            ("generator", generator),
            ("member", member),
            ("memoryview", memoryview),
            ("errors", errors),
            ("gc", gc),
            ("datetime", datetime),
        ],
    )


def leaves(node: Node):
    """Every Num and Bits leaf, in order."""
    if isinstance(node, (Num, Bits)):
        yield node
    elif isinstance(node, SomeV):
        yield from leaves(node.inner)
    elif isinstance(node, Struct):
        for _, n in node.fields:
            yield from leaves(n)
    elif isinstance(node, Variant):
        if node.arg is not None:
            yield from leaves(node.arg)
        for _, n in node.fields or []:
            yield from leaves(n)


def flatten(node: Node, prefix: str = "") -> List[Tuple[str, str]]:
    """(path, value) of every leaf, for comparisons and --dump."""
    out: List[Tuple[str, str]] = []
    if isinstance(node, Num):
        out.append((prefix, str(node.value)))
    elif isinstance(node, Bits):
        out.append((prefix, str(node.value)))
    elif isinstance(node, Lit):
        out.append((prefix, node.text))
    elif isinstance(node, NoneV):
        out.append((prefix, "None"))
    elif isinstance(node, SomeV):
        out += flatten(node.inner, prefix)
    elif isinstance(node, Struct):
        for name, n in node.fields:
            out += flatten(n, f"{prefix}.{name}" if prefix else name)
    elif isinstance(node, Variant):
        tag = node.path.split("::")[-1]
        if node.arg is None and not node.fields:
            out.append((prefix, tag))
        if node.arg is not None:
            out += flatten(node.arg, f"{prefix}[{tag}]")
        for name, n in node.fields or []:
            out += flatten(n, f"{prefix}[{tag}].{name}")
    return out


def mod_rs_shapes(mod_rs: Path) -> Dict[str, List[str]]:
    """Field names of the structs and struct-like enum variants of layout/mod.rs, keyed by
    `Struct` or `Enum::Variant`."""
    text = re.sub(r"//[^\n]*", "", mod_rs.read_text())
    shapes: Dict[str, List[str]] = {}
    for name, body in re.findall(r"pub struct (\w+) \{(.*?)\n\}", text, re.S):
        shapes[name] = re.findall(r"pub (\w+):", body)
    for name, body in re.findall(r"pub enum (\w+) \{(.*?)\n\}", text, re.S):
        for var, fields in re.findall(r"(\w+)\s*\{([^}]*)\}", body):
            shapes[f"{name}::{var}"] = re.findall(r"(\w+):", fields)
    return shapes


def check_shapes(layout: Struct, shapes: Dict[str, List[str]]) -> List[str]:
    """Differences between the fields the generator writes and those mod.rs declares."""
    problems: List[str] = []

    def visit(node: Node) -> None:
        fields = None
        if isinstance(node, Struct):
            key, fields = node.name, node.fields
        elif isinstance(node, Variant) and node.fields:
            key, fields = node.path, node.fields
        if fields is not None:
            want = shapes.get(key)
            have = [n for n, _ in fields]
            if want is None:
                problems.append(f"{key}: not found in mod.rs")
            elif sorted(want) != sorted(have):
                missing = sorted(set(want) - set(have))
                extra = sorted(set(have) - set(want))
                problems.append(f"{key}: mod.rs has {missing} that the generator lacks; "
                                f"the generator has {extra} that mod.rs lacks")
            for _, n in fields:
                visit(n)
        elif isinstance(node, SomeV):
            visit(node.inner)
        elif isinstance(node, Variant) and node.arg is not None:
            visit(node.arg)

    visit(layout)
    return problems


# --------------------------------------------------------------------------------------
# Checks of mod.rs's hand-written constants and documented assumptions against the headers.


@dataclass
class Check:
    what: str
    expr: str  # C expression (signed long long); may be guarded by `guard`
    expected: int
    guard: Optional[str] = None  # #if condition; the check is skipped if false


def mod_rs_constants(mod_rs: Path) -> Dict[str, Dict[str, int]]:
    """The `pub mod tp_flags` / `pub mod fast_kind` constants of layout/mod.rs."""
    text = mod_rs.read_text()
    out: Dict[str, Dict[str, int]] = {}
    for modname in ("tp_flags", "fast_kind"):
        m = re.search(r"pub mod %s \{(.*?)\n\}" % modname, text, re.S)
        if not m:
            raise SystemExit(f"gen_layouts: `pub mod {modname}` not found in {mod_rs}")
        consts: Dict[str, int] = {}
        for name, value in re.findall(r"pub const (\w+): u\d+ = ([^;]+);", m.group(1)):
            consts[name] = eval_rust_int(value)
        out[modname] = consts
    return out


def eval_rust_int(text: str) -> int:
    text = text.strip().replace("_", "")
    m = re.fullmatch(r"(\w+)\s*<<\s*(\w+)", text)
    if m:
        return int(m.group(1), 0) << int(m.group(2), 0)
    return int(text, 0)


def build_checks(minor: int, target: Target, consts: Dict[str, Dict[str, int]]) -> List[Check]:
    v = minor
    w = target.ptr_size
    checks: List[Check] = []
    for name, value in sorted(consts["tp_flags"].items()):
        checks.append(Check(f"tp_flags::{name}", f"Py_TPFLAGS_{name}", value))
    if v >= 11:
        for name, value in sorted(consts["fast_kind"].items()):
            macro = f"CO_FAST_{name}"
            checks.append(Check(f"fast_kind::{name}", macro, value, guard=f"defined({macro})"))
    if v == 11:
        checks.append(Check("managed dict at word -3", "MANAGED_DICT_OFFSET", -3 * w))
        checks.append(
            Check(
                "3.11 values pointer at word -4",
                "(char *)_PyObject_ValuesPointer(hd_fake_obj) - (char *)hd_fake_obj",
                -4 * w,
            )
        )
        checks.append(
            Check(
                "3.11 dict pointer at word -3",
                "(char *)_PyObject_ManagedDictPointer(hd_fake_obj) - (char *)hd_fake_obj",
                -3 * w,
            )
        )
    if v == 12:
        checks.append(
            Check(
                "3.12 PyDictOrValues at word -3",
                "(char *)_PyObject_DictOrValuesPointer(hd_fake_obj) - (char *)hd_fake_obj",
                -3 * w,
            )
        )
        checks.append(Check("3.12 sizeof(PyDictOrValues)", "sizeof(PyDictOrValues)", w))
        # The tagged word is `values - 1` (so its low bit is set); untagging adds 1.
        checks.append(
            Check(
                "3.12 _PyDictOrValues_GetValues(tagged) == tagged + 1",
                "(char *)_PyDictOrValues_GetValues(hd_dorv) - hd_dorv.values",
                1,
            )
        )
    if v >= 13:
        checks.append(Check("managed dict at word -3", "MANAGED_DICT_OFFSET", -3 * w))
        checks.append(
            Check(
                "3.13 inline values right after PyObject",
                "(char *)_PyObject_InlineValues(hd_fake_obj) - (char *)hd_fake_obj",
                2 * w,  # == sizeof(PyObject) on non-free-threaded builds
            )
        )
    if v >= 12:
        # LongEncoding::Tagged: digits = tag >> 3, sign = 1 - (tag & 3)
        checks.append(Check("_PyLong_NON_SIZE_BITS", "_PyLong_NON_SIZE_BITS", 3))
        checks.append(Check("SIGN_MASK", "SIGN_MASK", 3))
    # Widths of the fields whose C type mod.rs documents.
    int_ = "sizeof(int)"
    widths = [
        ("struct _gil_runtime_state", "locked", int_),
        ("struct _gil_runtime_state", "last_holder", "sizeof(void *)"),
        ("PyThreadState", "thread_id", "sizeof(unsigned long)"),
        ("PyCodeObject", "co_argcount", int_),
        ("PyCodeObject", "co_flags", int_),
        ("PyCodeObject", "co_firstlineno", int_),
        ("PyTypeObject", "tp_flags", "sizeof(unsigned long)"),
        ("PyTypeObject", "tp_dictoffset", "sizeof(Py_ssize_t)"),
        ("PyASCIIObject", "state", "4"),
    ]
    if v >= 11:
        widths.append(("PyThreadState", "native_thread_id", "sizeof(unsigned long)"))
    if v <= 10:
        widths.append(("PyFrameObject", "f_lasti", int_))
        widths.append(("PyCodeObject", "co_nlocals", int_))
        widths.append(("hd_PyDictKeysObject", "dk_size", "sizeof(Py_ssize_t)"))
    else:
        widths.append(("_PyInterpreterFrame", "owner", "1"))
        widths.append(("PyCodeObject", "_co_firsttraceable", int_))
        for f in ("dk_log2_size", "dk_log2_index_bytes", "dk_kind"):
            widths.append(("PyDictKeysObject", f, "1"))
    if v >= 12:
        widths.append(("PyLongObject", "long_value.lv_tag", "sizeof(uintptr_t)"))
    if v >= 13:
        for f in ("capacity", "size", "valid"):
            widths.append(("PyDictValues", f, "1"))
    # The fields added for the objects walkers.
    widths += [
        ("PyTracebackObject", "tb_lasti", int_),
        ("PyTracebackObject", "tb_lineno", int_),
        ("PyBaseExceptionObject", "suppress_context", "1"),
        ("PyMemberDef", "type", int_),
        ("PyMemberDef", "offset", "sizeof(Py_ssize_t)"),
        ("Py_buffer", "len", "sizeof(Py_ssize_t)"),
        ("Py_buffer", "itemsize", "sizeof(Py_ssize_t)"),
        ("Py_buffer", "readonly", int_),
        ("Py_buffer", "ndim", int_),
        ("PyByteArrayObject", "ob_alloc", "sizeof(Py_ssize_t)"),
        ("PyGC_Head", "_gc_next", "sizeof(void *)"),
        ("PyGC_Head", "_gc_prev", "sizeof(void *)"),
        ("_PyDateTime_BaseTZInfo", "hastzinfo", "1"),
        ("PyDateTime_Date", "data", "4"),
        ("PyDateTime_Time", "data", "6"),
        ("PyDateTime_DateTime", "data", "10"),
        ("PyDateTime_Time", "fold", "1"),
        ("PyDateTime_DateTime", "fold", "1"),
        ("PyDateTime_Delta", "days", int_),
        ("PyDateTime_Delta", "seconds", int_),
        ("PyDateTime_Delta", "microseconds", int_),
        ("PyComplexObject", "cval.real", "sizeof(double)"),
        ("PyComplexObject", "cval.imag", "sizeof(double)"),
    ]
    if v <= 9:
        widths.append(("PyGenObject", "gi_running", "1"))
    if v == 10:
        widths.append(("PyFrameObject", "f_state", "1"))
    if v >= 11:
        widths.append(("PyGenObject", "gi_frame_state", "1"))
    for typ, member, want in widths:
        checks.append(
            Check(
                f"sizeof({typ}.{member}) == {want}",
                f"sizeof(((({typ} *)0)->{member})) == {want}",
                1,
            )
        )
    # GilLocation: inline struct in _PyRuntimeState (<=3.11) or a pointer in the interpreter.
    if v <= 11:
        checks.append(
            Check(
                "_PyRuntimeState.ceval.gil is a struct _gil_runtime_state",
                "__builtin_types_compatible_p(__typeof__(((_PyRuntimeState *)0)->ceval.gil),"
                " struct _gil_runtime_state)",
                1,
            )
        )
    else:
        checks.append(
            Check(
                "PyInterpreterState.ceval.gil is a struct _gil_runtime_state *",
                "__builtin_types_compatible_p(__typeof__(((PyInterpreterState *)0)->ceval.gil),"
                " struct _gil_runtime_state *)",
                1,
            )
        )
    # Coroutines and async generators share the generator's offsets (_PyGenObject_HEAD).
    gen_fields = ["name", "qualname"] + (
        ["frame", "code"] + (["running"] if v <= 9 else []) if v <= 10 else ["iframe", "frame_state"]
    )
    for typ, prefix in (("PyCoroObject", "cr"), ("PyAsyncGenObject", "ag")):
        for f in gen_fields:
            checks.append(
                Check(
                    f"offsetof({typ}, {prefix}_{f}) == offsetof(PyGenObject, gi_{f})",
                    f"offsetof({typ}, {prefix}_{f}) == offsetof(PyGenObject, gi_{f})",
                    1,
                )
            )
    # Signedness of the frame states.
    if v == 10:
        checks.append(Check("3.10 FRAME_EXECUTING", "FRAME_EXECUTING", 0))
        checks.append(Check("PyFrameState is signed", "(PyFrameState)-1 < 0", 1))
    if v >= 11:
        checks.append(
            Check(
                "gi_frame_state is signed",
                "(__typeof__(((PyGenObject *)0)->gi_frame_state))-1 < 0",
                1,
            )
        )
        checks.append(
            Check(
                "PyFrameObject.f_frame is a _PyInterpreterFrame *",
                "__builtin_types_compatible_p(__typeof__(((PyFrameObject *)0)->f_frame),"
                " _PyInterpreterFrame *)",
                1,
            )
        )
    checks.append(
        Check(
            "PyThreadState.exc_info is a _PyErr_StackItem *",
            "__builtin_types_compatible_p(__typeof__(((PyThreadState *)0)->exc_info),"
            " _PyErr_StackItem *)",
            1,
        )
    )
    # ComplexLayout: imag right after real.
    checks.append(Check("Py_complex.imag 8 bytes after real", "offsetof(Py_complex, imag)", 8))
    # GcLayout: each generation starts with its list head.
    checks.append(Check("gc_generation.head first", "offsetof(struct gc_generation, head)", 0))
    # DateTimeLayout: one hastzinfo for all; `fold` of naive objects (allocated with the size
    # of the tzinfo-less struct) sits in that struct's tail padding, so it can be read too.
    for typ in ("PyDateTime_Date", "PyDateTime_Time", "PyDateTime_DateTime"):
        checks.append(
            Check(
                f"{typ}.hastzinfo at _PyDateTime_BaseTZInfo.hastzinfo",
                f"offsetof({typ}, hastzinfo) == offsetof(_PyDateTime_BaseTZInfo, hastzinfo)",
                1,
            )
        )
    for typ, base in (
        ("PyDateTime_Time", "_PyDateTime_BaseTime"),
        ("PyDateTime_DateTime", "_PyDateTime_BaseDateTime"),
    ):
        checks.append(
            Check(f"{typ}.fold inside sizeof({base})", f"offsetof({typ}, fold) < sizeof({base})", 1)
        )
        checks.append(
            Check(f"{typ}.data at {base}.data", f"offsetof({typ}, data) == offsetof({base}, data)", 1)
        )
    # 3.11-3.12: the thread state holds a pointer to the _PyCFrame.
    if 11 <= v <= 12:
        checks.append(
            Check(
                "PyThreadState.cframe is a _PyCFrame *",
                "__builtin_types_compatible_p(__typeof__(((PyThreadState *)0)->cframe),"
                " _PyCFrame *)",
                1,
            )
        )
    return checks


# 3.13+: fields of the live interpreter's `_Py_DebugOffsets` (first member of _PyRuntime)
# that describe the same thing as a table field. The live check reads them from _PyRuntime
# (at positions gcc computes from the headers) and compares: this checks the table against
# the numbers the interpreter binary itself publishes.
DEBUG_OFFSET_PAIRS = [
    # (table key as in flatten(), _Py_DebugOffsets member, member to subtract or None)
    ("runtime.interpreters_head", "runtime_state.interpreters_head", None),
    ("interp.id", "interpreter_state.id", None),
    ("interp.next", "interpreter_state.next", None),
    ("interp.tstate_head", "interpreter_state.threads_head", None),
    ("interp.modules", "interpreter_state.imports_modules", None),
    ("interp.sysdict", "interpreter_state.sysdict", None),
    ("interp.builtins", "interpreter_state.builtins", None),
    ("runtime.gil[InterpPointer]", "interpreter_state.ceval_gil", None),
    ("runtime.gil_locked", "interpreter_state.gil_runtime_state_locked",
     "interpreter_state.gil_runtime_state"),
    ("runtime.gil_last_holder", "interpreter_state.gil_runtime_state_holder",
     "interpreter_state.gil_runtime_state"),
    ("tstate.prev", "thread_state.prev", None),
    ("tstate.next", "thread_state.next", None),
    ("tstate.interp", "thread_state.interp", None),
    ("tstate.frame[Direct]", "thread_state.current_frame", None),
    ("tstate.thread_id", "thread_state.thread_id", None),
    ("tstate.native_thread_id", "thread_state.native_thread_id", None),
    ("frame[Interpreter].previous", "interpreter_frame.previous", None),
    ("frame[Interpreter].f_code", "interpreter_frame.executable", None),
    ("frame[Interpreter].instr_ptr", "interpreter_frame.instr_ptr", None),
    ("frame[Interpreter].localsplus", "interpreter_frame.localsplus", None),
    ("frame[Interpreter].owner", "interpreter_frame.owner", None),
    ("code.co_filename", "code_object.filename", None),
    ("code.co_name", "code_object.name", None),
    ("code.co_qualname", "code_object.qualname", None),
    ("code.line_table[Locations]", "code_object.linetable", None),
    ("code.co_firstlineno", "code_object.firstlineno", None),
    ("code.co_argcount", "code_object.argcount", None),
    ("code.locals[Combined].co_localsplusnames", "code_object.localsplusnames", None),
    ("code.locals[Combined].co_localspluskinds", "code_object.localspluskinds", None),
    ("code.bytecode[Inline].co_code_adaptive", "code_object.co_code_adaptive", None),
    ("object.ob_type", "pyobject.ob_type", None),
    ("type_object.tp_name", "type_object.tp_name", None),
    ("type_object.tp_repr", "type_object.tp_repr", None),
    ("type_object.tp_flags", "type_object.tp_flags", None),
    ("tuple.ob_item", "tuple_object.ob_item", None),
    ("list.ob_item", "list_object.ob_item", None),
    ("dict.ma_keys", "dict_object.ma_keys", None),
    ("dict.ma_values", "dict_object.ma_values", None),
    ("float.ob_fval", "float_object.ob_fval", None),
    ("long.encoding[Tagged].lv_tag", "long_object.lv_tag", None),
    ("long.ob_digit", "long_object.ob_digit", None),
    ("bytes.ob_sval", "bytes_object.ob_sval", None),
    ("unicode.state", "unicode_object.state", None),
    ("unicode.length", "unicode_object.length", None),
    ("unicode.ascii_size", "unicode_object.asciiobject_size", None),
    ("gc.state[Interp]", "interpreter_state.gc", None),
]


def debug_offset_members(minor: int) -> List[str]:
    if minor < 13:
        return []
    ms: Dict[str, None] = {}
    for _, m, minus in DEBUG_OFFSET_PAIRS:
        ms.setdefault(m)
        if minus:
            ms.setdefault(minus)
    return list(ms)


# --------------------------------------------------------------------------------------
# The C program.


def c_program(minor: int, layout: Struct, checks: List[Check]) -> str:
    lines = [
        "/* Generated by scripts/gen_layouts.py; prints the layout of this CPython. */",
        "#define Py_BUILD_CORE 1",
        "#define NDEBUG 1 /* drop assert()s from the headers' inline functions */",
        "#include <Python.h>",
    ]
    lines += [f'#include "{h}"' for h in internal_headers(minor)]
    lines += [
        "#include <stddef.h>",
        "#include <stdint.h>",
        "#include <stdio.h>",
        "#include <string.h>",
    ]
    if minor <= 10:
        lines.append(TRANSCRIBED_DICT_3_8_TO_3_10)
    if minor <= 9:
        lines.append(TRANSCRIBED_MODULE_3_8_TO_3_9)
    lines.append(TRANSCRIBED_RANGE)
    lines += [
        "",
        "#define P(id, e) printf(\"n%d %llu\\n\", (id), (unsigned long long)(e))",
        "#define PS(id, e) printf(\"n%d %lld\\n\", (id), (long long)(e))",
        "#define C(id, e) printf(\"c%d %lld\\n\", (id), (long long)(e))",
        "",
        "/* Which bits of the 32-bit word at offsetof(PyASCIIObject, state) a bitfield has. */",
        "#define STATE_MASK(name) do { \\",
        "        PyASCIIObject o; uint32_t w; \\",
        "        memset(&o, 0, sizeof o); \\",
        "        o.state.name = 0; o.state.name--; /* all ones, whatever the width */ \\",
        "        memcpy(&w, (char *)&o + offsetof(PyASCIIObject, state), sizeof w); \\",
        "        printf(\"b%s %lu\\n\", #name, (unsigned long)w); \\",
        "    } while (0)",
        "",
        *(
            ["static PyTypeObject hd_managed_dict_type; /* for _PyType_PreHeaderSize */", ""]
            if minor >= 11
            else []
        ),
        "int main(void) {",
        "    PyObject *hd_fake_words[16];",
        "    PyObject *hd_fake_obj = (PyObject *)&hd_fake_words[8];",
        "    (void)hd_fake_obj;",
        *(["    hd_managed_dict_type.tp_flags = Py_TPFLAGS_MANAGED_DICT;"] if minor >= 11 else []),
        *(
            [
                "    PyDictOrValues hd_dorv;",
                "    hd_dorv.values = (char *)hd_fake_words + 7; /* tagged: aligned - 1 */",
            ]
            if minor == 12
            else []
        ),
        "    printf(\"major %d\\n\", PY_MAJOR_VERSION);",
        "    printf(\"minor %d\\n\", PY_MINOR_VERSION);",
        "    printf(\"version %s\\n\", PY_VERSION);",
        "    printf(\"ptr_size %d\\n\", (int)sizeof(void *));",
        "#ifdef Py_DEBUG",
        "    printf(\"py_debug 1\\n\");",
        "#else",
        "    printf(\"py_debug 0\\n\");",
        "#endif",
        "#ifdef Py_TRACE_REFS",
        "    printf(\"trace_refs 1\\n\");",
        "#else",
        "    printf(\"trace_refs 0\\n\");",
        "#endif",
        "#ifdef Py_GIL_DISABLED",
        "    printf(\"gil_disabled 1\\n\");",
        "#else",
        "    printf(\"gil_disabled 0\\n\");",
        "#endif",
    ]
    exprs = unique_exprs(layout)
    signed = signed_exprs(layout)
    for i, e in enumerate(exprs):
        lines.append(f"    {'PS' if e in signed else 'P'}({i}, {e});")
    for name in unique_bitfields(layout):
        lines.append(f"    STATE_MASK({name});")
    if minor >= 13:
        lines.append("    printf(\"dbgoff %llu\\n\", (unsigned long long)offsetof(_PyRuntimeState, debug_offsets));")
    for m in debug_offset_members(minor):
        lines.append(f"    printf(\"d{m} %llu\\n\", (unsigned long long)offsetof(_Py_DebugOffsets, {m}));")
    for i, c in enumerate(checks):
        if c.guard:
            lines.append(f"#if {c.guard}")
        lines.append(f"    C({i}, {c.expr});")
        if c.guard:
            lines.append("#endif")
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


def unique_exprs(layout: Struct) -> List[str]:
    seen: Dict[str, None] = {}
    for leaf in leaves(layout):
        if isinstance(leaf, Num):
            seen.setdefault(leaf.expr)
    return list(seen)


def signed_exprs(layout: Struct) -> Dict[str, None]:
    """The expressions printed as signed numbers (an expression is either signed or not)."""
    signed: Dict[str, None] = {}
    unsigned: Dict[str, None] = {}
    for leaf in leaves(layout):
        if isinstance(leaf, Num):
            (signed if leaf.signed else unsigned).setdefault(leaf.expr)
    both = set(signed) & set(unsigned)
    if both:
        raise SystemExit(f"gen_layouts: expressions both signed and unsigned: {sorted(both)}")
    return signed


def unique_bitfields(layout: Struct) -> List[str]:
    seen: Dict[str, None] = {}
    for leaf in leaves(layout):
        if isinstance(leaf, Bits):
            seen.setdefault(leaf.bitfield)
    return list(seen)


# --------------------------------------------------------------------------------------
# Installs.


@dataclass
class Install:
    root: Path
    include: Path  # .../include/python3.X[d]
    minor: int
    abiflags: str  # "" or "d"
    python: Optional[Path]  # the interpreter, for the live check

    @property
    def label(self) -> str:
        return f"{self.include}"


def find_installs(roots: List[Path]) -> List[Install]:
    out: List[Install] = []
    for root in roots:
        inc = root / "include"
        if not inc.is_dir():
            continue
        for d in sorted(inc.iterdir()):
            m = re.fullmatch(r"python3\.(\d+)(d?)", d.name)
            if not m or not (d / "Python.h").is_file() or not (d / "internal").is_dir():
                continue
            minor = int(m.group(1))
            if minor not in MINORS:
                continue
            py = root / "bin" / f"python3.{minor}{m.group(2)}"
            out.append(Install(root, d, minor, m.group(2), py if py.is_file() else None))
    return out


def default_roots() -> List[Path]:
    if not DEFAULT_PYENV.is_dir():
        return []
    roots = []
    for d in DEFAULT_PYENV.iterdir():
        m = re.fullmatch(r"3\.(\d+)\.(\d+)", d.name)
        if m and int(m.group(1)) in MINORS:
            roots.append(d)
    return sorted(roots, key=lambda p: tuple(int(x) for x in p.name.split(".")))


# --------------------------------------------------------------------------------------
# Compile, run, fill in.


@dataclass
class Result:
    install: Install
    target: Target
    version: str  # PY_VERSION, e.g. "3.11.7"
    py_debug: bool
    layout: Struct
    cflags: Tuple[str, ...] = ()
    # 3.13+: (table key, _Py_DebugOffsets member, its position in _PyRuntime, minus position)
    debug_pairs: List[Tuple[str, str, int, Optional[int]]] = field(default_factory=list)

    @property
    def micro_key(self) -> Tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", self.version)[:3])


def run_install(
    inst: Install, target: Target, consts, workdir: Path, extra_cflags: Tuple[str, ...] = ()
) -> Result:
    layout = build_layout(inst.minor, target)
    problems = check_shapes(layout, mod_rs_shapes(LAYOUT_MOD_RS))
    if problems:
        raise SystemExit(
            f"gen_layouts: the generator and {LAYOUT_MOD_RS} disagree (update build_layout()):\n  "
            + "\n  ".join(problems)
        )
    checks = build_checks(inst.minor, target, consts)
    src = c_program(inst.minor, layout, checks)
    tag = f"v3_{inst.minor}{inst.abiflags}{target.suffix}"
    c_path = workdir / f"{tag}.c"
    exe = workdir / tag
    c_path.write_text(src)
    cmd = (
        ["gcc", "-std=gnu11", "-w"]
        + list(target.cflags)
        + list(extra_cflags)
        + ["-I", str(inst.include), "-I", str(inst.include / "internal"), str(c_path), "-o", str(exe)]
    )
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(
            f"gen_layouts: compiling against {inst.label} failed:\n{' '.join(cmd)}\n{proc.stderr}"
        )
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    info: Dict[str, str] = {}
    nums: Dict[int, int] = {}
    masks: Dict[str, int] = {}
    cvals: Dict[int, int] = {}
    dbg_pos: Dict[str, int] = {}
    for line in out.splitlines():
        key, _, val = line.partition(" ")
        if key.startswith("n") and key[1:].isdigit():
            nums[int(key[1:])] = int(val)
        elif key.startswith("c") and key[1:].isdigit():
            cvals[int(key[1:])] = int(val)
        elif key.startswith("b"):
            masks[key[1:]] = int(val)
        elif key.startswith("d") and key != "dbgoff":
            dbg_pos[key[1:]] = int(val)
        else:
            info[key] = val
    where = f"{inst.label} ({info.get('version')}, {target.name}{' ' + ' '.join(extra_cflags) if extra_cflags else ''})"
    if int(info["major"]) != 3 or int(info["minor"]) != inst.minor:
        raise SystemExit(f"gen_layouts: {where}: headers say {info['major']}.{info['minor']}")
    if int(info["ptr_size"]) != target.ptr_size:
        raise SystemExit(f"gen_layouts: {where}: sizeof(void *) is {info['ptr_size']}")
    if info["gil_disabled"] == "1":
        raise SystemExit(f"gen_layouts: {where}: free-threaded (Py_GIL_DISABLED) builds are not supported")
    if info["trace_refs"] == "1":
        print(f"gen_layouts: warning: {where}: Py_TRACE_REFS build", file=sys.stderr)

    # Fill in.
    exprs = unique_exprs(layout)
    for leaf in leaves(layout):
        if isinstance(leaf, Num):
            leaf.value = nums[exprs.index(leaf.expr)]
            if not leaf.min_value <= leaf.value <= leaf.max_value:
                raise SystemExit(
                    f"gen_layouts: {where}: {leaf.expr} = {leaf.value} is out of range"
                    f" [{leaf.min_value}, {leaf.max_value}]"
                )
            if leaf.expr in EXPECTED_LP64_TRANSCRIBED and target.ptr_size == 8:
                want = EXPECTED_LP64_TRANSCRIBED[leaf.expr]
                if leaf.value != want:
                    raise SystemExit(
                        f"gen_layouts: {where}: {leaf.expr} = {leaf.value}, documented {want}"
                    )
        else:
            mask = masks[leaf.bitfield]
            leaf.mask = mask
            shift = (mask & -mask).bit_length() - 1
            width = bin(mask).count("1")
            if mask == 0 or mask != ((1 << width) - 1) << shift:
                raise SystemExit(f"gen_layouts: {where}: state.{leaf.bitfield} mask {mask:#x}")
            leaf.value = shift if leaf.what == "shift" else width
    # `version` literal from the headers.
    layout.fields[0] = (
        "version",
        Lit(f"({info['major']}, {info['minor']})", "PY_MAJOR_VERSION, PY_MINOR_VERSION"),
    )

    failed = []
    for i, c in enumerate(checks):
        if i not in cvals:
            continue  # guarded out
        if cvals[i] != c.expected:
            failed.append(f"  {c.what}: headers give {cvals[i]}, expected {c.expected}")
    if failed:
        raise SystemExit(
            f"gen_layouts: {where}: mod.rs assumptions disagree with the headers:\n"
            + "\n".join(failed)
        )
    debug_pairs = []
    if dbg_pos:
        base = int(info["dbgoff"])
        for key, m, minus in DEBUG_OFFSET_PAIRS:
            debug_pairs.append(
                (key, m, base + dbg_pos[m], base + dbg_pos[minus] if minus else None)
            )
    return Result(
        inst, target, info["version"], info["py_debug"] == "1", layout, extra_cflags, debug_pairs
    )


# --------------------------------------------------------------------------------------
# Live check of the transcribed structures (and a few others) with the real interpreter.

LIVE_CHECK = r"""
import builtins, ctypes, os, sys, threading

L = {layout}
DEBUG_PAIRS = {debug_pairs}
HELPER = {helper}
V = sys.version_info[:2]
errors = []
P, S, U64 = ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_uint64


def word(a): return P.from_address(a).value or 0
def ssize(a): return S.from_address(a).value
def i32(a): return ctypes.c_int.from_address(a).value
def u32(a): return ctypes.c_uint32.from_address(a).value
def ulong(a): return ctypes.c_ulong.from_address(a).value
def byte(a): return ctypes.c_uint8.from_address(a).value
def has(k): return k in L
def expect(what, got, want):
    if got != want:
        errors.append("%s: got %.100r, want %.100r" % (what, got, want))


def ascii_str(a):
    # A compact ASCII str: its characters follow the PyASCIIObject.
    st = u32(a + L["unicode.state"])
    if not (st >> L["unicode.compact_bit"]) & 1 or not (st >> L["unicode.ascii_bit"]) & 1:
        return None
    return ctypes.string_at(a + L["unicode.ascii_size"], ssize(a + L["unicode.length"])).decode()


def tuple_item(t, i): return word(t + L["tuple.ob_item"] + 8 * i)


# ---- runtime, interpreter, thread state, GIL, frames, code
def probe(a, b):
    get = ctypes.pythonapi.PyThreadState_Get
    get.restype = P
    ts = get()
    rt = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
    interp = word(ts + L["tstate.interp"])
    expect("interpreters.head", word(rt + L["runtime.interpreters_head"]), interp)
    expect("interpreters.main", word(rt + L["runtime.interpreters_main"]), interp)
    expect("interp.next", word(interp + L["interp.next"]), 0)
    expect("interp.id", ctypes.c_int64.from_address(interp + L["interp.id"]).value, 0)
    expect("interp.tstate_head", word(interp + L["interp.tstate_head"]), ts)
    expect("interp.modules", word(interp + L["interp.modules"]), id(sys.modules))
    expect("interp.sysdict", word(interp + L["interp.sysdict"]), id(sys.__dict__))
    expect("interp.builtins", word(interp + L["interp.builtins"]), id(builtins.__dict__))
    expect("tstate.prev", word(ts + L["tstate.prev"]), 0)
    expect("tstate.next", word(ts + L["tstate.next"]), 0)
    expect("tstate.thread_id", ulong(ts + L["tstate.thread_id"]), threading.get_ident())
    if L["tstate.native_thread_id"] != "None":
        expect("tstate.native_thread_id", ulong(ts + L["tstate.native_thread_id"]),
               threading.get_native_id())
    for key, member, pos, minus in DEBUG_PAIRS:
        got = U64.from_address(rt + pos).value - (U64.from_address(rt + minus).value if minus else 0)
        expect("_Py_DebugOffsets.%s vs %s" % (member, key), got, L[key])
    if has("runtime.gil[Runtime]"):
        gil = rt + L["runtime.gil[Runtime]"]
    else:
        gil = word(interp + L["runtime.gil[InterpPointer]"])
    expect("gil.locked", i32(gil + L["runtime.gil_locked"]), 1)
    expect("gil.last_holder", word(gil + L["runtime.gil_last_holder"]), ts)

    # Read inline (no Python call in between) so that the innermost frame is probe's own.
    if has("tstate.frame[Direct]"):
        f = P.from_address(ts + L["tstate.frame[Direct]"]).value
    else:
        cf = P.from_address(ts + L["tstate.frame[ViaCFrame].cframe"]).value
        f = P.from_address(cf + L["tstate.frame[ViaCFrame].current_frame"]).value
    if has("frame[Object].f_code"):
        code_of = lambda f: word(f + L["frame[Object].f_code"])
        back = lambda f: word(f + L["frame[Object].f_back"])
    else:
        code_of = lambda f: word(f + L["frame[Interpreter].f_code"])
        back = lambda f: word(f + L["frame[Interpreter].previous"])
    me, caller_code = probe.__code__, caller.__code__
    expect("innermost frame's code", code_of(f), id(me))
    fb = back(f)
    expect("caller frame's code", code_of(fb), id(caller_code))
    lasti = sys._getframe(1).f_lasti  # in bytes
    if has("frame[Object].f_lasti"):
        expect("f_lasti", i32(fb + L["frame[Object].f_lasti"]) * L["frame[Object].f_lasti_unit"], lasti)
    else:
        start = id(caller_code) + L["code.bytecode[Inline].co_code_adaptive"]
        expect("instr_ptr - code", word(fb + L["frame[Interpreter].instr_ptr"]) - start, lasti)
        expect("owner of a thread frame", byte(f + L["frame[Interpreter].owner"]), 0)
    if has("frame[Interpreter].is_entry") and L["frame[Interpreter].is_entry"] != "None":
        # A Python-to-Python call runs in the caller's _PyEval_EvalFrameDefault (3.11): not
        # an entry; the outermost frame (the module, run from C) is one.
        expect("is_entry of a called frame", byte(f + L["frame[Interpreter].is_entry"]), 0)
        outer = f
        while back(outer):
            outer = back(outer)
        expect("is_entry of the outermost frame", byte(outer + L["frame[Interpreter].is_entry"]), 1)
    if has("frame[Object].f_localsplus"):
        expect("f_localsplus[0]", word(f + L["frame[Object].f_localsplus"]), id(a))
        expect("f_localsplus[1]", word(f + L["frame[Object].f_localsplus"] + 8), id(b))
    else:
        expect("localsplus[0]", word(f + L["frame[Interpreter].localsplus"]), id(a))
        expect("localsplus[1]", word(f + L["frame[Interpreter].localsplus"] + 8), id(b))

    c = id(me)
    expect("co_argcount", i32(c + L["code.co_argcount"]), 2)
    expect("co_flags", i32(c + L["code.co_flags"]), me.co_flags)
    expect("co_firstlineno", i32(c + L["code.co_firstlineno"]), me.co_firstlineno)
    expect("co_filename", word(c + L["code.co_filename"]), id(me.co_filename))
    expect("co_name", ascii_str(word(c + L["code.co_name"])), "probe")
    if L["code.co_qualname"] != "None":
        expect("co_qualname", word(c + L["code.co_qualname"]), id(me.co_qualname))
    if has("code.locals[Split].co_nlocals"):
        expect("co_nlocals", i32(c + L["code.locals[Split].co_nlocals"]), me.co_nlocals)
        expect("co_varnames", word(c + L["code.locals[Split].co_varnames"]), id(me.co_varnames))
        expect("co_cellvars", word(c + L["code.locals[Split].co_cellvars"]), id(me.co_cellvars))
        expect("co_freevars", word(c + L["code.locals[Split].co_freevars"]), id(me.co_freevars))
    else:
        names = word(c + L["code.locals[Combined].co_localsplusnames"])
        expect("co_localsplusnames[1]", tuple_item(names, 1), id(me.co_varnames[1]))
        kinds = word(c + L["code.locals[Combined].co_localspluskinds"])
        expect("co_localspluskinds[0]", byte(kinds + L["bytes.ob_sval"]), 0x20)  # CO_FAST_LOCAL
    lt = [v for k, v in L.items() if k.startswith("code.line_table[")][0]
    expect("line table", word(c + lt), id(me.co_lnotab if V <= (3, 9) else me.co_linetable))
    if has("code.bytecode[BytesObject]"):
        expect("co_code", word(c + L["code.bytecode[BytesObject]"]), id(me.co_code))
    else:
        g = gen.__code__
        units = g.co_code
        resume = [i for i in range(0, len(units), 2) if units[i] == __import__("dis").opmap["RESUME"]]
        expect("_co_firsttraceable", i32(id(g) + L["code.bytecode[Inline].co_firsttraceable"]),
               resume[0] // 2)
        adaptive = getattr(g, "_co_code_adaptive", None)  # gen never ran: stable bytes
        if adaptive is not None:
            start = id(g) + L["code.bytecode[Inline].co_code_adaptive"]
            expect("co_code_adaptive", ctypes.string_at(start, len(adaptive)), adaptive)


def gen():
    yield 1


def caller():
    probe("hd_a", "hd_b")


caller()

# ---- objects
x, y = 123456789, -(2 ** 40 + 7)
mask = (1 << L["long.digit_bits"]) - 1
dig = lambda o, i: u32(id(o) + L["long.ob_digit"] + 4 * i) if L["long.digit_size"] == 4 else None
if L.get("long.encoding") == "SignedSize":
    expect("long ob_size", ssize(id(y) + L["object.ob_size"]), -2)
else:
    tag = U64.from_address(id(y) + L["long.encoding[Tagged].lv_tag"]).value
    expect("lv_tag digits", tag >> 3, 2)
    expect("lv_tag sign", 1 - (tag & 3), -1)
expect("digit 0", dig(x, 0), x & mask)
expect("digit 1", dig(y, 1), (-y) >> L["long.digit_bits"])
fl = 2.5
expect("ob_fval", ctypes.c_double.from_address(id(fl) + L["float.ob_fval"]).value, 2.5)
expect("ob_type", word(id(fl) + L["object.ob_type"]), id(float))
expect("ob_refcnt", ssize(id(fl) + L["object.ob_refcnt"]) > 0, True)

s1 = "hd_ascii"
st = u32(id(s1) + L["unicode.state"])
expect("ascii kind", (st >> L["unicode.kind_shift"]) & ((1 << L["unicode.kind_bits"]) - 1), 1)
if L["unicode.ready_bit"] != "None":
    expect("ready", (st >> L["unicode.ready_bit"]) & 1, 1)
expect("ascii data", ascii_str(id(s1)), s1)
s2 = "hd_\u20ac" * 2
st = u32(id(s2) + L["unicode.state"])
expect("2-byte kind", (st >> L["unicode.kind_shift"]) & ((1 << L["unicode.kind_bits"]) - 1), 2)
expect("2-byte compact", (st >> L["unicode.compact_bit"]) & 1, 1)
expect("2-byte not ascii", (st >> L["unicode.ascii_bit"]) & 1, 0)
expect("2-byte data", ctypes.string_at(id(s2) + L["unicode.compact_size"], 2 * len(s2)),
       s2.encode("utf-16-le"))
class Str(str): pass
s3 = Str("hd_legacy")
st = u32(id(s3) + L["unicode.state"])
expect("legacy not compact", (st >> L["unicode.compact_bit"]) & 1, 0)
expect("legacy data", ctypes.string_at(word(id(s3) + L["unicode.legacy_data"]), len(s3)), b"hd_legacy")

bs = b"hd_bytes"
expect("ob_sval", ctypes.string_at(id(bs) + L["bytes.ob_sval"], len(bs)), bs)
lst = [s1, s2]
expect("list ob_item", word(word(id(lst) + L["list.ob_item"]) + 8), id(s2))
expect("list allocated", ssize(id(lst) + L["list.allocated"]), (lst.__sizeof__() - list.__basicsize__) // 8)

k1, k2 = "hd_key_one", "hd_key_two"
d = {{k1: 1, k2: 2}}
expect("ma_used", ssize(id(d) + L["dict.ma_used"]), 2)
expect("ma_values", word(id(d) + L["dict.ma_values"]), 0)
keys = word(id(d) + L["dict.ma_keys"])
if has("dict.keys[Sized].dk_size"):
    n = ssize(keys + L["dict.keys[Sized].dk_size"])
    expect("dk_size", n, 8)
    expect("dk_nentries", ssize(keys + L["dict.keys[Sized].dk_nentries"]), 2)
    expect("dk_refcnt", ssize(keys + L["dict.keys[Sized].dk_refcnt"]), 1)
    expect("dk_usable", ssize(keys + L["dict.keys[Sized].dk_usable"]), 3)
    entries = keys + L["dict.keys[Sized].dk_indices"] + n  # 1-byte indices
    es = L["dict.entry_size"]
    expect("entry[0].me_hash", ssize(entries), hash(k1))
    expect("entry[0].me_key", word(entries + 8), id(k1))
    expect("entry[1].me_key", word(entries + es + 8), id(k2))
    expect("entry[1].me_value", word(entries + es + 16), id(2))
else:
    pre = "dict.keys[Log2]."
    expect("dk_log2_size", byte(keys + L[pre + "dk_log2_size"]), 3)
    expect("dk_kind (unicode)", byte(keys + L[pre + "dk_kind"]), 1)
    expect("dk_nentries", ssize(keys + L[pre + "dk_nentries"]), 2)
    expect("dk_refcnt", ssize(keys + L[pre + "dk_refcnt"]), 1)
    expect("dk_usable", ssize(keys + L[pre + "dk_usable"]), 3)
    entries = keys + L[pre + "dk_indices"] + (1 << byte(keys + L[pre + "dk_log2_index_bytes"]))
    es = L["dict.unicode_entry_size"]
    expect("unicode entry[1].me_key", word(entries + es), id(k2))
    expect("unicode entry[1].me_value", word(entries + es + 8), id(2))
    d2 = {{1: k1}}
    keys2 = word(id(d2) + L["dict.ma_keys"])
    expect("dk_kind (general)", byte(keys2 + L[pre + "dk_kind"]), 0)
    entries = keys2 + L[pre + "dk_indices"] + (1 << byte(keys2 + L[pre + "dk_log2_index_bytes"]))
    expect("general entry[0].me_hash", ssize(entries), hash(1))
    expect("general entry[0].me_value", word(entries + 16), id(k1))

se = {{k1}}
expect("set used", ssize(id(se) + L["set.used"]), 1)
expect("set smalltable", word(id(se) + L["set.table"]), id(se) + L["set.smalltable"])
m = ssize(id(se) + L["set.mask"])
table = word(id(se) + L["set.table"])
found = [i for i in range(m + 1) if word(table + i * L["set.entry_size"]) == id(k1)]
expect("set entry", len(found), 1)
if found:
    expect("set entry hash", ssize(table + found[0] * L["set.entry_size"] + 8), hash(k1))

def outer():
    v = s1
    def inner():
        return v
    return inner
cell = outer().__closure__[0]
expect("cell ob_ref", word(id(cell) + L["cell.ob_ref"]), id(s1))
expect("md_dict", word(id(sys) + L["module.md_dict"]), id(sys.__dict__))

# ---- types and instance attributes
class Point:
    def __init__(self):
        self.x = 1
        self.y = 2
t = id(Point)
expect("tp_name", ctypes.string_at(word(t + L["type_object.tp_name"])), b"Point")
expect("tp_basicsize", ssize(t + L["type_object.tp_basicsize"]), Point.__basicsize__)
expect("tp_itemsize", ssize(t + L["type_object.tp_itemsize"]), Point.__itemsize__)
expect("tp_dictoffset", ssize(t + L["type_object.tp_dictoffset"]), Point.__dictoffset__)
flags = ulong(t + L["type_object.tp_flags"])
expect("tp_flags", flags, Point.__flags__)
expect("tp_base", word(t + L["type_object.tp_base"]), id(object))
expect("tp_repr inherited", word(t + L["type_object.tp_repr"]), word(id(object) + L["type_object.tp_repr"]))
expect("tp_repr differs", word(id(int) + L["type_object.tp_repr"]) != word(id(float) + L["type_object.tp_repr"]), True)
expect("tp_mro", word(t + L["type_object.tp_mro"]), id(Point.__mro__))
expect("tp_bases", word(t + L["type_object.tp_bases"]), id(Point.__bases__))
expect("tp_dict has __init__", "__init__" in Point.__dict__ and word(t + L["type_object.tp_dict"]) != 0, True)
expect("ht_name", word(t + L["type_object.ht_name"]), id(Point.__name__))
expect("ht_qualname", word(t + L["type_object.ht_qualname"]), id(Point.__qualname__))
p = Point()
expect("ht_cached_keys", word(t + L["type_object.ht_cached_keys"]) != 0, True)
o = id(p)
kind = L["instance_dict"] if isinstance(L.get("instance_dict"), str) else None
if kind == "DictOffset":
    dp = word(o + Point.__dictoffset__)
    vals = word(dp + L["dict.ma_values"])
    expect("split values[0]", word(vals), id(1))
    expect("split values[1]", word(vals + 8), id(2))
elif has("instance_dict[ManagedSeparate].flag"):
    expect("managed flag", bool(flags & L["instance_dict[ManagedSeparate].flag"]), True)
    vals = word(o - 32)
    expect("values[1] (word -4)", word(vals + 8), id(2))
    expect("order size byte [-2]", byte(vals - 2), 2)
    expect("order [-3-1]", byte(vals - 4), 1)
    expect("dict pointer (word -3) before __dict__", word(o - 24), 0)
elif has("instance_dict[ManagedTagged].flag"):
    expect("managed flag", bool(flags & L["instance_dict[ManagedTagged].flag"]), True)
    tagged = word(o - 24)
    expect("tagged values bit", tagged & 1, 1)
    vals = tagged + 1  # _PyDictOrValues_GetValues: the tag is "values pointer - 1"
    expect("values[1]", word(vals + 8), id(2))
    expect("order size byte [-2]", byte(vals - 2), 2)
    expect("order [-3-1]", byte(vals - 4), 1)
else:
    pre = "instance_dict[ManagedInline]."
    expect("managed flag", bool(flags & L[pre + "flag"]), True)
    expect("inline values flag", bool(flags & L[pre + "inline_values_flag"]), True)
    vals = o + Point.__basicsize__
    q = "dict.values[OrderAfter]."
    cap = byte(vals + L[q + "capacity"])
    expect("values.size", byte(vals + L[q + "size"]), 2)
    expect("values.valid", byte(vals + L[q + "valid"]), 1)
    expect("values[1]", word(vals + L[q + "values"] + 8), id(2))
    expect("order after values", byte(vals + L[q + "values"] + 8 * cap + 1), 1)
    expect("dict pointer (word -3) before __dict__", word(o - 24), 0)

# ---- the objects walkers' fields (function .. datetime)
import datetime as dtm, gc, types
def i8(a): return ctypes.c_int8.from_address(a).value
def obj_at(a): return ctypes.cast(a, ctypes.py_object).value
def tstate():
    get = ctypes.pythonapi.PyThreadState_Get
    get.restype = P
    return get()
RT = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
INTERP = word(tstate() + L["tstate.interp"])
if has("frame[Object].f_code"):
    frame_code = lambda f: word(f + L["frame[Object].f_code"])
else:
    frame_code = lambda f: word(f + L["frame[Interpreter].f_code"])

# module md_name, type ht_slots / tp_weaklistoffset
expect("md_name (sys)", word(id(sys) + L["module.md_name"]), id(sys.__name__))
hd_mod = types.ModuleType("hd_module")
expect("md_name (ModuleType)", ascii_str(word(id(hd_mod) + L["module.md_name"])), "hd_module")

class Slotted:
    __slots__ = ("hd_b", "hd_a")
class SlottedWeak:
    __slots__ = ("hd_c", "__weakref__")
so = Slotted()
so.hd_b = s1
expect("ht_slots", obj_at(word(id(Slotted) + L["type_object.ht_slots"])), ("hd_a", "hd_b"))
expect("ht_slots (no __slots__)", word(id(Point) + L["type_object.ht_slots"]), 0)
# struct sequences: their field names are the names of tp_members, in order
def member_names(t, n):
    m = word(id(t) + L["type_object.tp_members"])
    return [ctypes.string_at(word(m + i * L["member.member_size"] + L["member.name"])).decode()
            for i in range(n)]
import time as hd_time
for hd_seq in (sys.version_info, hd_time.gmtime(0), os.stat("/")):
    t = type(hd_seq)
    expect("struct seq %s fields" % t.__name__, member_names(t, len(hd_seq)),
           [part.split("=")[0] for part in repr(hd_seq)[repr(hd_seq).index("(") + 1:-1].split(", ")])
    expect("struct seq %s ob_size is the visible length" % t.__name__,
           ssize(id(hd_seq) + L["object.ob_size"]), t.n_sequence_fields)
for C in (Point, Slotted, SlottedWeak, int, type, types.FunctionType):
    expect("tp_weaklistoffset of %s" % C.__name__,
           ssize(id(C) + L["type_object.tp_weaklistoffset"]), C.__weakrefoffset__)
# member descriptors of __slots__
md = Slotted.__dict__["hd_b"]
dm = word(id(md) + L["member.d_member"])
expect("PyMemberDef.name", ctypes.string_at(word(dm + L["member.name"])), b"hd_b")
expect("PyMemberDef.type", i32(dm + L["member.member_type"]), L["member.t_object_ex"])
expect("slot value at PyMemberDef.offset", word(id(so) + ssize(dm + L["member.offset"])), id(s1))
dm_a = word(id(Slotted.__dict__["hd_a"]) + L["member.d_member"])
expect("unset slot is NULL", word(id(so) + ssize(dm_a + L["member.offset"])), 0)
# Pre-header (sys.getsizeof counts it): managed dict, and (3.12+) managed weakref, which
# has tp_weaklistoffset < 0.
GCH = L["gc.gc_head_size"]
W = L["gc.managed_preheader_words"]
expect("managed dict iff 3.11+", bool(Point.__flags__ & (1 << 4)), V >= (3, 11))
if V >= (3, 11):
    expect("sys.getsizeof(managed-dict instance)", sys.getsizeof(p), Point.__basicsize__ + GCH + 8 * W)
else:
    expect("sys.getsizeof(instance with a dict)", sys.getsizeof(p), Point.__basicsize__ + GCH)
    expect("no pre-header words before 3.11", W, 0)
sw = SlottedWeak()
expect("sys.getsizeof(__weakref__ slot instance)", sys.getsizeof(sw),
       SlottedWeak.__basicsize__ + GCH + (8 * W if SlottedWeak.__weakrefoffset__ < 0 else 0))
expect("managed weakref (tp_weaklistoffset < 0) iff 3.12+", SlottedWeak.__weakrefoffset__ < 0,
       V >= (3, 12))
expect("sys.getsizeof(plain slots instance)", sys.getsizeof(so), Slotted.__basicsize__ + GCH)

# functions and bound methods
def hd_kwfunc(a, b="hd_default", *, c="hd_kwdefault"):
    return a
def hd_make_closure():
    hd_cv = "hd_cell_value"
    def hd_inner(x=1, y=2):
        return hd_cv
    return hd_inner
fn = hd_make_closure()
fn.hd_attr = 1
fo = id(fn)
expect("func_code", word(fo + L["function.func_code"]), id(fn.__code__))
expect("func_globals", word(fo + L["function.func_globals"]), id(globals()))
expect("func_defaults", word(fo + L["function.func_defaults"]), id(fn.__defaults__))
expect("func_kwdefaults NULL", word(fo + L["function.func_kwdefaults"]), 0)
expect("func_kwdefaults", word(id(hd_kwfunc) + L["function.func_kwdefaults"]), id(hd_kwfunc.__kwdefaults__))
expect("func_defaults NULL", word(id(probe) + L["function.func_defaults"]), 0)
cl = word(fo + L["function.func_closure"])
expect("func_closure", cl, id(fn.__closure__))
expect("func_closure[0].ob_ref", ascii_str(word(tuple_item(cl, 0) + L["cell.ob_ref"])), "hd_cell_value")
expect("func_closure NULL", word(id(hd_kwfunc) + L["function.func_closure"]), 0)
expect("func_name", ascii_str(word(fo + L["function.func_name"])), "hd_inner")
expect("func_qualname", ascii_str(word(fo + L["function.func_qualname"])), "hd_make_closure.<locals>.hd_inner")
expect("func_module", word(fo + L["function.func_module"]), id(fn.__module__))
expect("func_dict", word(fo + L["function.func_dict"]), id(fn.__dict__))
class HdK:
    def hd_meth(self):
        return self
hk = HdK()
bm = hk.hd_meth
expect("im_func", word(id(bm) + L["method.im_func"]), id(HdK.__dict__["hd_meth"]))
expect("im_self", word(id(bm) + L["method.im_self"]), id(hk))

# complex, bytearray, slice, range
z = complex(1.5, -2.25)
expect("cval.real", ctypes.c_double.from_address(id(z) + L["complex.cval"]).value, 1.5)
expect("cval.imag", ctypes.c_double.from_address(id(z) + L["complex.cval"] + 8).value, -2.25)
ba = bytearray(b"hd_bytearray_data")
del ba[:3]  # advances ob_start
start = word(id(ba) + L["bytearray.ob_start"])
expect("ob_start - ob_bytes", start - word(id(ba) + L["bytearray.ob_bytes"]), 3)
expect("bytearray ob_size", ssize(id(ba) + L["object.ob_size"]), len(ba))
expect("bytearray data", ctypes.string_at(start, len(ba)), bytes(ba))
expect("ob_alloc", ssize(id(ba) + L["bytearray.ob_alloc"]), ba.__alloc__())
sl = slice(5, "hd_stop")
expect("slice.start", word(id(sl) + L["slice.start"]), id(sl.start))
expect("slice.stop", word(id(sl) + L["slice.stop"]), id(sl.stop))
expect("slice.step", word(id(sl) + L["slice.step"]), id(None))
rg = range(3, 100, 7)
expect("range.start", word(id(rg) + L["range.start"]), id(rg.start))
expect("range.stop", word(id(rg) + L["range.stop"]), id(rg.stop))
expect("range.step", word(id(rg) + L["range.step"]), id(rg.step))
ln = obj_at(word(id(rg) + L["range.length"]))
expect("range.length", (type(ln), ln), (int, len(rg)))

# exceptions and tracebacks
def hd_raiser():
    raise KeyError("hd_inner")
hd_cause = RuntimeError("hd_cause")
def hd_chain():
    try:
        hd_raiser()
    except KeyError:
        raise ValueError("hd_outer", 2) from hd_cause
try:
    hd_chain()
except ValueError as e:
    ex = e
ex.hd_attr = 1
if V >= (3, 11):
    ex.add_note("hd_note")
eo = id(ex)
expect("exc args", word(eo + L["exception.args"]), id(ex.args))
expect("exc dict", word(eo + L["exception.dict"]), id(ex.__dict__))
expect("exc cause", word(eo + L["exception.cause"]), id(ex.__cause__))
expect("exc context", word(eo + L["exception.context"]), id(ex.__context__))
expect("exc suppress_context", byte(eo + L["exception.suppress_context"]), 1)
expect("exc traceback", word(eo + L["exception.traceback"]), id(ex.__traceback__))
if L["exception.notes"] != "None":
    # add_note() and `__notes__` use the instance dict; the struct's `notes` stays NULL.
    expect("exc notes field (unused)", word(eo + L["exception.notes"]), 0)
    expect("exc __notes__ in the dict", obj_at(word(eo + L["exception.dict"]))["__notes__"], ["hd_note"])
expect("cause is not context", ex.__cause__ is not ex.__context__, True)
inner = ex.__context__
expect("no context", word(id(inner) + L["exception.context"]), 0)
expect("no cause", word(id(inner) + L["exception.cause"]), 0)
expect("no suppress_context", byte(id(inner) + L["exception.suppress_context"]), 0)
expect("no dict", word(id(inner) + L["exception.dict"]), 0)
tb = ex.__traceback__  # <module> (the try above) -> hd_chain
expect("tb_next", word(id(tb) + L["traceback.tb_next"]), id(tb.tb_next))
tb2 = tb.tb_next
expect("last tb_next", word(id(tb2) + L["traceback.tb_next"]), 0)
expect("tb_frame", word(id(tb2) + L["traceback.tb_frame"]), id(tb2.tb_frame))
expect("tb_lasti (bytes, every version)", i32(id(tb2) + L["traceback.tb_lasti"]), tb2.tb_lasti)
expect("tb_lineno", i32(id(tb2) + L["traceback.tb_lineno"]), tb2.tb_lineno if V <= (3, 10) else -1)
fobj = word(id(tb2) + L["traceback.tb_frame"])
if L.get("generator.frame_object") == "Itself":
    expect("tb_frame's code", frame_code(fobj), id(hd_chain.__code__))
else:
    iframe = word(fobj + L["generator.frame_object[Interpreter].f_frame"])
    expect("tb_frame -> f_frame's code", frame_code(iframe), id(hd_chain.__code__))
# inner's traceback: hd_chain -> hd_raiser, frames of finished calls
t3 = inner.__traceback__.tb_next
expect("inner tb_frame", word(id(t3) + L["traceback.tb_frame"]), id(t3.tb_frame))

# the exception being handled (exc_info), in a function and in a generator
def hd_check_handled(err, what):
    ei = word(tstate() + L["errors.exc_info"])
    if has("errors.handled[Triple].exc_type"):
        expect(what + " exc_type", word(ei + L["errors.handled[Triple].exc_type"]), id(type(err)))
        expect(what + " exc_value", word(ei + L["errors.handled[Triple].exc_value"]), id(err))
        expect(what + " exc_traceback", word(ei + L["errors.handled[Triple].exc_traceback"]),
               id(err.__traceback__))
    else:
        expect(what + " exc_value", word(ei + L["errors.handled[Value].exc_value"]), id(err))
def hd_handler():
    try:
        raise LookupError("hd_handled")
    except LookupError as err:
        hd_check_handled(err, "handled")
hd_handler()
def hd_gen_handler():
    try:
        raise IndexError("hd_gen_handled")
    except IndexError as err:
        hd_check_handled(err, "handled in generator")
        yield
list(hd_gen_handler())
# ... and down the stack: a generator's gi_exc_state, then the thread's.
PREV_ITEM = L["errors.previous_item"]
HANDLED = [v for k, v in L.items() if k.startswith("errors.handled[") and k.endswith("exc_value")][0]
def hd_nested_handler():
    try:
        raise OSError("hd_outer_handled")
    except OSError as outer:
        def hd_inner_gen():
            try:
                raise EOFError("hd_gen_handled")
            except EOFError as err:
                ei = word(tstate() + L["errors.exc_info"])
                expect("nested: exc_info's value", word(ei + HANDLED), id(err))
                expect("nested: previous_item's value", word(word(ei + PREV_ITEM) + HANDLED), id(outer))
                yield
        list(hd_inner_gen())
hd_nested_handler()
# the exception being raised: set (and cleared) by a C helper that snapshots the thread state
helper = ctypes.PyDLL(HELPER)
helper.hd_snapshot_raising.argtypes = [ctypes.py_object, ctypes.py_object, P, ctypes.c_size_t]
helper.hd_snapshot_raising.restype = None
cur = [v for k, v in L.items() if k.startswith("errors.current[")]
buf = ctypes.create_string_buffer(max(cur) + 8)
helper.hd_snapshot_raising(ex, tb, ctypes.addressof(buf), len(buf))
snap = lambda o: P.from_buffer(buf, o).value or 0
if has("errors.current[Triple].curexc_type"):
    expect("curexc_type", snap(L["errors.current[Triple].curexc_type"]), id(ValueError))
    expect("curexc_value", snap(L["errors.current[Triple].curexc_value"]), id(ex))
    expect("curexc_traceback", snap(L["errors.current[Triple].curexc_traceback"]), id(tb))
else:
    expect("current_exception", snap(L["errors.current[Value].current_exception"]), id(ex))
expect("no exception left raised", sys.exc_info(), (None, None, None))

# generators, coroutines, async generators
GN = "generator.frame[FrameObject]."
GE = "generator.frame[Embedded]."
def gen_state(g):
    # created / suspended / suspended_yield_from / executing / finished
    if has(GN + "gi_frame"):
        f = word(id(g) + L[GN + "gi_frame"])
        if f == 0:
            return "finished"
        if L[GN + "gi_running"] != "None":
            running = byte(id(g) + L[GN + "gi_running"]) != 0
        else:
            running = i8(f + L[GN + "f_state"]) == 0  # FRAME_EXECUTING
        if running:
            return "executing"
        return "created" if i32(f + L["frame[Object].f_lasti"]) == -1 else "suspended"
    st = i8(id(g) + L[GE + "gi_frame_state"])
    names = {{L[GE + "states." + n]: n for n in
              ("created", "suspended", "suspended_yield_from", "executing")
              if L[GE + "states." + n] != "None"}}
    if st >= L[GE + "states.completed"]:  # FRAME_STATE_FINISHED
        return "finished"
    return names.get(st, "bad state %d" % st)
def gen_code(g):
    if has(GN + "gi_frame"):
        code = word(id(g) + L[GN + "gi_code"])
        f = word(id(g) + L[GN + "gi_frame"])
        if f:
            expect("gi_frame's code", frame_code(f), code)
        return code
    return frame_code(id(g) + L[GE + "gi_iframe"])
def check_gen(g, what, code, name, qualname):
    expect(what + " name", ascii_str(word(id(g) + L["generator.gi_name"])), name)
    expect(what + " qualname", ascii_str(word(id(g) + L["generator.gi_qualname"])), qualname)
    expect(what + " code", gen_code(g), id(code))
    fr = getattr(g, "gi_frame", None) or getattr(g, "cr_frame", None) or getattr(g, "ag_frame", None)
    if fr is not None:
        if has(GN + "gi_frame"):
            expect(what + " gi_frame", word(id(g) + L[GN + "gi_frame"]), id(fr))
        else:
            expect(what + " frame object -> f_frame",
                   word(id(fr) + L["generator.frame_object[Interpreter].f_frame"]),
                   id(g) + L[GE + "gi_iframe"])
seen_running = []
def hd_gen():
    seen_running.append(gen_state(hg))
    yield 1
    yield 2
def hd_delegator():
    yield from hd_gen()
hg = hd_gen()
expect("gen created", gen_state(hg), "created")
check_gen(hg, "created gen", hd_gen.__code__, "hd_gen", "hd_gen")
next(hg)
expect("gen executing (seen from inside)", seen_running, ["executing"])
expect("gen suspended", gen_state(hg), "suspended")
check_gen(hg, "suspended gen", hd_gen.__code__, "hd_gen", "hd_gen")
list(hg)
expect("gen finished", gen_state(hg), "finished")
if has(GE + "gi_frame_state"):  # a generator that returned has cleared its frame
    expect("gen returned: FRAME_CLEARED", i8(id(hg) + L[GE + "gi_frame_state"]), L[GE + "states.cleared"])
hg2 = hd_gen()
hg2.close()
expect("gen closed before start", gen_state(hg2), "finished")
hd = hd_delegator()
hg = hd  # gen_state(hg) inside hd_gen now reads the delegator: executing
seen_running.clear()
next(hd)
expect("delegator executing", seen_running, ["executing"])
expect("delegator suspended in yield from", gen_state(hd),
       "suspended_yield_from" if V >= (3, 13) else "suspended")
check_gen(hd, "delegator", hd_delegator.__code__, "hd_delegator", "hd_delegator")
hd.close()
expect("delegator closed", gen_state(hd), "finished")
class HdAwaitable:
    def __await__(self):
        yield "hd_await"
class HdNS:
    async def hd_coro(self):
        await HdAwaitable()
    async def hd_agen(self):
        yield 1
        yield 2
co = HdNS().hd_coro()
expect("coro created", gen_state(co), "created")
check_gen(co, "coro", HdNS.hd_coro.__code__, "hd_coro", "HdNS.hd_coro")
co.send(None)
expect("coro suspended in await", gen_state(co),
       "suspended_yield_from" if V >= (3, 13) else "suspended")
check_gen(co, "suspended coro", HdNS.hd_coro.__code__, "hd_coro", "HdNS.hd_coro")
co.close()
expect("coro closed", gen_state(co), "finished")
ag = HdNS().hd_agen()
expect("async gen created", gen_state(ag), "created")
check_gen(ag, "async gen", HdNS.hd_agen.__code__, "hd_agen", "HdNS.hd_agen")
try:
    ag.__anext__().send(None)
except StopIteration as stop:
    expect("async gen first value", stop.value, 1)
expect("async gen suspended", gen_state(ag), "suspended")
check_gen(ag, "suspended async gen", HdNS.hd_agen.__code__, "hd_agen", "HdNS.hd_agen")

# gi_yieldfrom / cr_await from memory: the top of a suspended frame's value stack, when the
# instruction it resumes at is the one yield from / await compile to (_PyGen_yf)
YF = "generator.yield_from"
def yf_ptr(g):
    st = gen_state(g)
    if st not in ("suspended", "suspended_yield_from"):
        return 0
    if has(YF + "[FrameStackTop].f_stacktop") or has(YF + "[FrameStackDepth].f_stackdepth"):
        f = word(id(g) + L[GN + "gi_frame"])
        lasti = i32(f + L["frame[Object].f_lasti"])
        code = word(frame_code(f) + L["code.bytecode[BytesObject]"]) + L["bytes.ob_sval"]
        top = None
        if has(YF + "[FrameStackTop].f_stacktop"):
            sp = word(f + L[YF + "[FrameStackTop].f_stacktop"])
            op = L[YF + "[FrameStackTop].yield_from_op"]
            top = word(sp - 8) if sp else None
        else:
            depth = i32(f + L[YF + "[FrameStackDepth].f_stackdepth"])
            op = L[YF + "[FrameStackDepth].yield_from_op"]
            top = word(word(f + L[YF + "[FrameStackDepth].f_valuestack"]) + 8 * (depth - 1))
        nxt = code + lasti * L["frame[Object].f_lasti_unit"] + 2
        return top if lasti >= 0 and top is not None and byte(nxt) == op else 0
    fr = id(g) + L[GE + "gi_iframe"]
    if has(YF + "[Resume].stacktop"):
        nxt = word(fr + L["frame[Interpreter].instr_ptr"]) + 2
        if byte(nxt) not in (L[YF + "[Resume].resume_op"], L[YF + "[Resume].resume_variant_op"]):
            return 0
        if byte(nxt + 1) < L[YF + "[Resume].min_oparg"]:
            return 0
        stacktop = i32(fr + L[YF + "[Resume].stacktop"])
    else:
        if st != "suspended_yield_from":
            return 0
        stacktop = i32(fr + L[YF + "[StateStackTop].stacktop"])
    return word(fr + L["frame[Interpreter].localsplus"] + 8 * (stacktop - 1))
def yf_want(g):
    w = g.cr_await if hasattr(g, "cr_await") else g.gi_yieldfrom
    return 0 if w is None else id(w)
def hd_inner():
    yield "in"
    yield "in2"
def hd_outer():
    x = ("below", "the", (yield from hd_inner()))
    yield x
class HdAw:
    def __await__(self):
        return (yield "aw")
async def hd_co_leaf():
    return ["beneath", await HdAw()]
async def hd_co_mid():
    return ("mid", 1, await hd_co_leaf())
# Warm them up: 3.11/3.12 quicken code run often (RESUME_QUICK); profiling and tracing
# instrument it on 3.12+ (INSTRUMENTED_RESUME).
def hd_yf_checks():
    for _ in range(300):
        o_ = hd_outer(); next(o_); next(o_); next(o_); o_.close()
        c_ = hd_co_mid(); c_.send(None); c_.close()
    og = hd_outer()
    expect("yield from: not started", yf_ptr(og), yf_want(og))
    next(og)
    expect("yield from: delegating", (yf_ptr(og), yf_ptr(og) == id(og.gi_yieldfrom)), (yf_want(og), True))
    next(og); next(og)
    expect("yield from: done delegating", (yf_ptr(og), og.gi_yieldfrom), (0, None))
    og.close()
    expect("yield from: closed", yf_ptr(og), 0)
    cm = hd_co_mid()
    cm.send(None)
    expect("await: coroutine awaits a coroutine", (yf_ptr(cm), type(cm.cr_await).__name__), (yf_want(cm), "coroutine"))
    leaf_ = cm.cr_await
    expect("await: the leaf awaits a generator", (yf_ptr(leaf_), type(leaf_.cr_await).__name__), (yf_want(leaf_), "generator"))
    aw = leaf_.cr_await
    expect("await: the __await__ generator yields", yf_ptr(aw), 0)
    cm.close()
    hg3 = hd_gen(); next(hg3)
    expect("plain yield: no delegate", yf_ptr(hg3), 0)
    hg3.close()
for hd_mode in ("plain", "setprofile", "settrace"):
    if hd_mode == "setprofile":
        sys.setprofile(lambda *a: None)
    elif hd_mode == "settrace":
        sys.settrace(lambda *a: (lambda *b: None))
    try:
        for _ in range(3):
            hd_yf_checks()
    finally:
        sys.setprofile(None)
        sys.settrace(None)

# memoryview and its Py_buffer
raw = bytearray(b"hd_mem")
mv = memoryview(raw).cast("B", (2, 3))
vo = id(mv) + L["memoryview.view"]
expect("view.buf", word(vo + L["memoryview.buf"]), word(id(raw) + L["bytearray.ob_start"]))
expect("view.obj", word(vo + L["memoryview.obj"]), id(mv.obj))
expect("view.obj is the bytearray", mv.obj is raw, True)
expect("view.len", ssize(vo + L["memoryview.len"]), mv.nbytes)
expect("view.itemsize", ssize(vo + L["memoryview.itemsize"]), mv.itemsize)
expect("view.readonly", i32(vo + L["memoryview.readonly"]), 0)
expect("view.ndim", i32(vo + L["memoryview.ndim"]), 2)
expect("view.format", ctypes.string_at(word(vo + L["memoryview.format"])), b"B")
expect("view.shape", [ssize(word(vo + L["memoryview.shape"]) + 8 * i) for i in range(2)], [2, 3])
expect("view.strides", [ssize(word(vo + L["memoryview.strides"]) + 8 * i) for i in range(2)], [3, 1])
hd_b = b"hd_readonly_view"
mv2 = memoryview(hd_b)[3:11:2]
vo = id(mv2) + L["memoryview.view"]
expect("ro view.buf", word(vo + L["memoryview.buf"]), id(hd_b) + L["bytes.ob_sval"] + 3)
expect("ro view.obj", word(vo + L["memoryview.obj"]), id(hd_b))
expect("ro view.readonly", i32(vo + L["memoryview.readonly"]), 1)
expect("ro view.len", ssize(vo + L["memoryview.len"]), 4)
expect("ro view.strides", ssize(word(vo + L["memoryview.strides"])), 2)

# datetime (the C implementation)
import _datetime
expect("C datetime", dtm.datetime is _datetime.datetime, True)
tz = dtm.timezone(dtm.timedelta(hours=5, minutes=30), "hd_tz")
def dt_fields(o, n):
    return list(ctypes.string_at(id(o) + L["datetime.datetime_data" if n == 10 else
                                            "datetime.time_data" if n == 6 else
                                            "datetime.date_data"], n))
for a, aware in ((dtm.datetime(2024, 2, 29, 13, 14, 15, 654321, tzinfo=tz, fold=1), True),
                 (dtm.datetime(1999, 12, 31, 23, 59, 58, 1, fold=1), False)):
    d = dt_fields(a, 10)
    what = "aware datetime" if aware else "naive datetime"
    expect(what + " hastzinfo", byte(id(a) + L["datetime.hastzinfo"]), int(aware))
    expect(what + " data", [d[0] << 8 | d[1], d[2], d[3], d[4], d[5], d[6], d[7] << 16 | d[8] << 8 | d[9]],
           [a.year, a.month, a.day, a.hour, a.minute, a.second, a.microsecond])
    expect(what + " fold", byte(id(a) + L["datetime.datetime_fold"]), 1)
    if aware:
        expect(what + " tzinfo", word(id(a) + L["datetime.datetime_tzinfo"]), id(tz))
tz2 = dtm.timezone(dtm.timedelta(hours=-2), "hd_tz2")  # not tz: stale memory may hold tz
for t, aware in ((dtm.time(7, 8, 9, 123456, tzinfo=tz2, fold=1), True), (dtm.time(1, 2, 3, 4, fold=1), False)):
    d = dt_fields(t, 6)
    what = "aware time" if aware else "naive time"
    expect(what + " hastzinfo", byte(id(t) + L["datetime.hastzinfo"]), int(aware))
    expect(what + " data", [d[0], d[1], d[2], d[3] << 16 | d[4] << 8 | d[5]],
           [t.hour, t.minute, t.second, t.microsecond])
    expect(what + " fold", byte(id(t) + L["datetime.time_fold"]), 1)
    if aware:
        expect(what + " tzinfo", word(id(t) + L["datetime.time_tzinfo"]), id(tz2))
dd = dtm.date(2001, 9, 9)
d = dt_fields(dd, 4)
expect("date data", [d[0] << 8 | d[1], d[2], d[3]], [2001, 9, 9])
expect("date hastzinfo", byte(id(dd) + L["datetime.hastzinfo"]), 0)
td = dtm.timedelta(days=-3, seconds=5, microseconds=7)
expect("timedelta", [i32(id(td) + L["datetime.delta_" + f]) for f in ("days", "seconds", "microseconds")],
       [-3, 5, 7])

# GC lists: the walk of each generation starts with exactly gc.get_objects(generation),
# in order (new objects are appended at the end of generation 0), with consistent back links.
gc.disable()
if has("gc.state[Runtime]"):
    gcs = RT + L["gc.state[Runtime]"]
else:
    gcs = INTERP + L["gc.state[Interp]"]
expect("NUM_GENERATIONS", L["gc.num_generations"], len(gc.get_count()))
def gc_walk(head, stop_after=None):
    out, prev, node = [], head, word(head + L["gc.gc_next"])
    while node != head and (stop_after is None or len(out) < stop_after):
        if word(node + L["gc.gc_prev"]) & ~3 != prev:  # _PyGC_PREV_MASK: two flag bits
            errors.append("gc: bad back link at %#x" % node)
            break
        out.append(node + GCH)
        prev, node = node, word(node + L["gc.gc_next"])
        if len(out) > 10 ** 7:
            errors.append("gc: runaway walk")
            break
    return out
hd_new = [[], Point(), lambda: None]  # all GC-tracked from birth (an empty dict is not)
for g in range(L["gc.num_generations"]):
    objs = gc.get_objects(g)
    want = list(map(id, objs))
    head = gcs + L["gc.generations"] + g * L["gc.generation_size"]
    got = gc_walk(head, len(want))
    expect("generation %d walk" % g, (len(got), got == want), (len(want), True))
    if g == 0:
        expect("new objects in generation 0", all(id(o) in set(want) for o in hd_new), True)
    del objs, want, got
gc.freeze()
frozen = gc_walk(gcs + L["gc.permanent_generation"])
expect("permanent generation", len(frozen), gc.get_freeze_count())
expect("permanent generation has a frozen object", id(hd_new) in set(frozen), True)
gc.unfreeze()
gc.enable()

if errors:
    print("\n".join(errors))
    sys.exit(1)
print("ok")
"""


# Python code cannot see the exception being raised (every hook fetches it first), so the
# live check makes one with this helper, loaded with ctypes.PyDLL (the GIL stays held).
LIVE_HELPER_C = r"""
#include <Python.h>
#include <string.h>
/* Makes `exc` (of its own type, with traceback `tb`) the exception being raised, copies the
   first `n` bytes of the thread state to `out`, and clears the exception again. */
void hd_snapshot_raising(PyObject *exc, PyObject *tb, void *out, size_t n) {
    PyThreadState *ts = PyThreadState_Get();
    Py_INCREF(Py_TYPE(exc));
    Py_INCREF(exc);
    Py_INCREF(tb);
    PyErr_Restore((PyObject *)Py_TYPE(exc), exc, tb);
    memcpy(out, ts, n);
    PyErr_Clear();
}
"""


def live_check(res: Result) -> Optional[str]:
    """Run LIVE_CHECK in the install's interpreter; None if fine or not possible."""
    py = res.install.python
    if py is None or res.target.ptr_size != 8 or res.cflags:
        return None
    layout = {k: int(v) if v.lstrip("-").isdigit() else v for k, v in flatten(res.layout)}
    with tempfile.TemporaryDirectory(prefix="gen_layouts.live.") as tmp:
        c_path = Path(tmp) / "hd_live_helper.c"
        so_path = Path(tmp) / "hd_live_helper.so"
        c_path.write_text(LIVE_HELPER_C)
        cmd = ["gcc", "-shared", "-fPIC", "-w", "-I", str(res.install.include), str(c_path),
               "-o", str(so_path)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            return f"compiling the live-check helper failed:\n{' '.join(cmd)}\n{proc.stderr}"
        code = LIVE_CHECK.format(
            layout=repr(layout), debug_pairs=repr(res.debug_pairs), helper=repr(str(so_path))
        )
        proc = subprocess.run([str(py), "-I", "-c", code], capture_output=True, text=True)
    if proc.returncode != 0 or proc.stdout.strip() != "ok":
        return f"live check with {py} failed:\n{proc.stdout}{proc.stderr}"
    return None


# --------------------------------------------------------------------------------------
# Rust output.

INDENT = "    "


def comment_of(node: Node) -> Optional[str]:
    if isinstance(node, Num):
        if node.comment:
            return node.comment
        return pretty_expr(node.expr)
    if isinstance(node, Bits):
        what = "lowest bit" if node.what == "shift" else "width"
        return (
            f"state.{node.bitfield}: {what} of mask {node.mask:#x} in the u32 at"
            " offsetof(PyASCIIObject, state)"
        )
    if isinstance(node, Variant) and node.comment is None and node.arg is not None:
        return comment_of(node.arg)
    if isinstance(node, (Lit, NoneV, Variant)):
        return node.comment
    if isinstance(node, SomeV):
        return comment_of(node.inner)
    return None


def pretty_expr(expr: str) -> str:
    """The C expression as CPython spells it (transcribed struct names restored)."""
    for local, real in TRANSCRIBED_NAMES.items():
        if local in expr:
            return f"{expr.replace(local, real)} [{TRANSCRIBED_SOURCE[local]}, transcribed in gen_layouts.py]"
    return expr


def scalar(node: Node) -> Optional[str]:
    """The Rust text of a node that fits on one line, or None."""
    if isinstance(node, Num):
        return hex(node.value) if node.hexa else str(node.value)
    if isinstance(node, Bits):
        return str(node.value)
    if isinstance(node, Lit):
        return node.text
    if isinstance(node, NoneV):
        return "None"
    if isinstance(node, SomeV):
        inner = scalar(node.inner)
        return None if inner is None else f"Some({inner})"
    if isinstance(node, Variant) and not node.fields:
        if node.arg is None:
            return node.path
        inner = scalar(node.arg)
        return None if inner is None else f"{node.path}({inner})"
    return None


def render_fields(fields: List[Tuple[str, Node]], depth: int) -> List[str]:
    """Struct literal fields, each preceded by its comment on a line of its own (so that
    rustfmt has nothing to align or rewrap)."""
    pad = INDENT * depth
    out: List[str] = []
    for name, node in fields:
        comment = comment_of(node)
        if comment:
            out.append(f"{pad}// {comment}")
        s = scalar(node)
        if s is not None:
            out.append(f"{pad}{name}: {s},")
        elif isinstance(node, Struct):
            out.append(f"{pad}{name}: {node.name} {{")
            out += render_fields(node.fields, depth + 1)
            out.append(f"{pad}}},")
        elif isinstance(node, Variant) and node.fields:
            out.append(f"{pad}{name}: {node.path} {{")
            out += render_fields(node.fields, depth + 1)
            out.append(f"{pad}}},")
        elif isinstance(node, Variant) and isinstance(node.arg, Struct):
            out.append(f"{pad}{name}: {node.path}({node.arg.name} {{")
            out += render_fields(node.arg.fields, depth + 1)
            out.append(f"{pad}}}),")
        else:
            raise AssertionError(f"cannot render {name}: {node!r}")
    return out


def module_name(minor: int, target: Target, debug: bool = False) -> str:
    return f"v3_{minor}{'_debug' if debug else ''}{target.suffix}"


def render_table(res: Result, debug: bool = False) -> str:
    lines = [
        f"// Generated by scripts/gen_layouts.py from the headers of CPython {res.version}"
        f"{' (Py_DEBUG build)' if debug else ''}"
        f" ({res.target.name}); do not edit.",
        "// Each comment is the C expression the number came from, compiled by gcc against",
        f"// include/python3.{res.install.minor}{res.install.abiflags}/ and"
        f" include/python3.{res.install.minor}{res.install.abiflags}/internal/.",
        "",
        "use super::super::*;",
        "",
        "pub(super) const LAYOUT: Layout = Layout {",
    ]
    lines += render_fields(res.layout.fields, 1)
    lines += ["};", ""]
    return "\n".join(lines)


def const_list(name: str, mods: List[str]) -> List[str]:
    """`pub const NAME: &[&Layout] = &[..];` laid out as rustfmt would (one line when the
    array is short)."""
    items = [f"&{m}::LAYOUT" for m in mods]
    head = f"pub const {name}: &[&Layout] = &"
    array = "[" + ", ".join(items) + "]"
    if len(array) <= 60 and len(head + array) + 1 <= 100:  # rustfmt's array_width
        return [head + array + ";", ""]
    return [head + "["] + [f"    {i}," for i in items] + ["];", ""]


def render_mod(results: List[Result], debug_results: List[Result]) -> str:
    versions = ", ".join(r.version for r in results)
    lines = [
        f"// Generated by scripts/gen_layouts.py from the headers of CPython {versions}; do not edit.",
        "",
        "//! Per-version layout tables, one module per CPython minor version and target,",
        "//! generated by `scripts/gen_layouts.py` (`--check` verifies them).",
        "",
        "use super::Layout;",
        "",
    ]
    mods = [module_name(r.install.minor, r.target) for r in results]
    dmods = [module_name(r.install.minor, r.target, debug=True) for r in debug_results]
    for m in sorted(mods + dmods):  # rustfmt's order
        lines.append(f"mod {m};")
    lines += [
        "",
        "/// Every table of a release build, oldest version first.",
    ]
    lines += const_list("KNOWN_TABLES", mods)
    if dmods:
        lines += [
            "/// Tables of `Py_DEBUG` builds whose layout differs from the release build's.",
            "#[allow(dead_code)] // until layout/mod.rs re-exports it",
        ]
        lines += const_list("DEBUG_TABLES", dmods)
    lines += [
        "/// The table of CPython `major.minor` (release build) with `ptr_size`-byte pointers.",
        "pub fn table_for(major: u8, minor: u8, ptr_size: u8) -> Option<&'static Layout> {",
        "    KNOWN_TABLES",
        "        .iter()",
        "        .copied()",
        "        .find(|t| t.version == (major, minor) && t.ptr_size == ptr_size)",
        "}",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------


def diff_layouts(a: Result, b: Result) -> List[str]:
    fa, fb = dict(flatten(a.layout)), dict(flatten(b.layout))
    out = []
    for k in list(dict.fromkeys(list(fa) + list(fb))):
        if k == "version":
            continue
        if fa.get(k) != fb.get(k):
            out.append(f"{k}: {fa.get(k)} -> {fb.get(k)}")
    return out


def generate(installs: List[Install], out_dir: Path, live: bool) -> List[str]:
    """Write the tables into out_dir; return the names of the files written."""
    consts = mod_rs_constants(LAYOUT_MOD_RS)
    results: List[Result] = []
    debug_results: List[Result] = []
    with tempfile.TemporaryDirectory(prefix="gen_layouts.") as tmp:
        work = Path(tmp)
        for target in TARGETS:
            by_minor: Dict[int, List[Result]] = {}
            for inst in installs:
                res = run_install(inst, target, consts, work)
                if live:
                    err = live_check(res)
                    if err:
                        raise SystemExit(f"gen_layouts: {inst.label}: {err}")
                by_minor.setdefault(inst.minor, []).append(res)
            for minor in sorted(by_minor):
                rs = by_minor[minor]
                release = sorted((r for r in rs if not r.py_debug), key=lambda r: r.micro_key)
                debug = sorted((r for r in rs if r.py_debug), key=lambda r: r.micro_key)
                if not release:
                    print(f"gen_layouts: 3.{minor}: only debug builds found; no table", file=sys.stderr)
                    continue
                chosen = release[-1]
                results.append(chosen)
                for other in release[:-1]:
                    d = diff_layouts(other, chosen)
                    note = "same layout" if not d else "DIFFERENT layout:\n    " + "\n    ".join(d)
                    print(
                        f"gen_layouts: 3.{minor}: {other.version} ({other.install.label}) vs"
                        f" {chosen.version}: {note}",
                        file=sys.stderr,
                    )
                for dbg in debug:
                    d = diff_layouts(chosen, dbg)
                    if d:
                        print(
                            f"gen_layouts: 3.{minor}: Py_DEBUG build {dbg.version} differs from"
                            f" {chosen.version}:\n    " + "\n    ".join(d),
                            file=sys.stderr,
                        )
                        if not any(x.install.minor == minor and x.target == target for x in debug_results):
                            debug_results.append(dbg)
                    else:
                        print(
                            f"gen_layouts: 3.{minor}: Py_DEBUG build {dbg.version}"
                            f" ({dbg.install.label}): same layout as {chosen.version}",
                            file=sys.stderr,
                        )
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for res in results:
        name = module_name(res.install.minor, res.target) + ".rs"
        (out_dir / name).write_text(render_table(res))
        written.append(name)
    for res in debug_results:
        name = module_name(res.install.minor, res.target, debug=True) + ".rs"
        (out_dir / name).write_text(render_table(res, debug=True))
        written.append(name)
    (out_dir / "mod.rs").write_text(render_mod(results, debug_results))
    written.append("mod.rs")
    return written


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--python-root",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a CPython install prefix (with include/python3.X/internal); repeatable."
        f" Default: every 3.8-3.13 under {DEFAULT_PYENV}",
    )
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed tables differ")
    ap.add_argument("--out-dir", type=Path, default=TABLES_DIR, help="where to write (default: %(default)s)")
    ap.add_argument("--dump", action="store_true", help="print every field of every install; write nothing")
    ap.add_argument(
        "--cflag",
        action="append",
        default=[],
        help="extra gcc flag (e.g. -DPy_DEBUG); only with --dump",
    )
    ap.add_argument("--no-live-check", action="store_true", help="don't check against the interpreters")
    args = ap.parse_args(argv)

    if args.cflag and not args.dump:
        ap.error("--cflag is only for --dump")
    if shutil.which("gcc") is None:
        print("gen_layouts: gcc not found", file=sys.stderr)
        return 2
    roots = args.python_root or default_roots()
    installs = find_installs(roots)
    if not installs:
        print(f"gen_layouts: no CPython 3.8-3.13 headers under {[str(r) for r in roots]}", file=sys.stderr)
        return 2

    if args.dump:
        consts = mod_rs_constants(LAYOUT_MOD_RS)
        with tempfile.TemporaryDirectory(prefix="gen_layouts.") as tmp:
            for target in TARGETS:
                for inst in installs:
                    res = run_install(inst, target, consts, Path(tmp), tuple(args.cflag))
                    flags = " ".join(args.cflag)
                    print(
                        f"# {inst.label} CPython {res.version} {target.name}"
                        f" Py_DEBUG={int(res.py_debug)} {flags}".rstrip()
                    )
                    for k, v in flatten(res.layout):
                        print(f"{k} = {v}")
        return 0

    live = not args.no_live_check
    if args.check:
        missing = sorted(set(MINORS) - {i.minor for i in installs})
        if missing:
            print(
                "gen_layouts: --check needs every version; missing "
                + ", ".join(f"3.{m}" for m in missing),
                file=sys.stderr,
            )
            return 2
        with tempfile.TemporaryDirectory(prefix="gen_layouts.check.") as tmp:
            out = Path(tmp)
            written = generate(installs, out, live)
            bad = False
            committed = {p.name for p in args.out_dir.glob("*.rs")} if args.out_dir.is_dir() else set()
            for name in sorted(set(written) | committed):
                new = (out / name).read_text() if name in written else ""
                old = (args.out_dir / name).read_text() if name in committed else ""
                if new != old:
                    bad = True
                    sys.stdout.writelines(
                        difflib.unified_diff(
                            old.splitlines(True),
                            new.splitlines(True),
                            f"committed/{name}",
                            f"generated/{name}",
                        )
                    )
            if bad:
                print("gen_layouts: the committed tables differ; run scripts/gen_layouts.py", file=sys.stderr)
                return 1
            print(f"gen_layouts: {len(written)} files up to date", file=sys.stderr)
            return 0

    written = generate(installs, args.out_dir, live)
    print(f"gen_layouts: wrote {', '.join(written)} in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
