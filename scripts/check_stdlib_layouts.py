#!/usr/bin/env python3
"""Live check of converter/src/cpython/layout/stdlib_tables.rs.

The stdlib C objects (deque, defaultdict, OrderedDict, _thread lock and RLock, re.Pattern,
_io FileIO / Buffered* / TextIOWrapper, socket, _decimal.Decimal) and NumPy's ndarray are
defined in CPython `.c` files that are not installed, so their offsets are typed into
stdlib_tables.rs from each version's source. This script reads the numbers *from the Rust
file* (a small parser for its `const NAME: Type = Type { field: number, ... };` literals) and,
for every CPython 3.8-3.13 found, runs a child script in that interpreter which creates real
objects and reads their fields through those offsets with ctypes.string_at(id(obj) + off, n),
comparing them with what Python reports:

  deque          ob_size, maxlen, every item in order (leftblock/leftindex -> block links ->
                 rightblock/rightindex), empty-deque indices
  defaultdict    default_factory (list, and NULL when none)
  OrderedDict    keys in iteration order by walking od_first -> next, after move_to_end(),
                 a deletion and a re-insertion (and that the dict's own order differs);
                 repr_as_dict against repr()
  Lock           lock.locked() for a held and a free lock
  RLock          owner (threading.get_ident()) and count, also against the numbers in repr()
  re.Pattern     pattern (the same object), flags, groups; str and bytes patterns
  open()         files in 'r', 'rb', 'w', 'a', 'x', 'r+b' and unbuffered 'rb': TextIOWrapper
                 buffer/encoding/dict['mode'], Buffered raw/dict, FileIO fd, the created /
                 readable / writable / appending bits against .mode, dict['name'], and fd == -1
                 once closed; the text file's name through buffer -> raw -> dict
  socket         fileno, family, type, proto of an AF_INET stream and an AF_UNIX datagram
                 socket, and fd == -1 once closed
  Decimal        sign / special flags, exponent, digits, coefficient from the base-10**19
                 limbs, for Decimal('-123.456E+7'), big ones (heap limbs), NaN with payload,
                 sNaN, -Infinity, -0
  asyncio        _asyncio.Future / Task (FutureObj / TaskObj): an event loop with a task
                 awaiting a future through two coroutines, a task awaiting that task, a
                 finished task with a result, one that raised, a cancelled one, an unnamed
                 sleeping one, one spinning on sleep(0), one not started yet, and finished /
                 failed / cancelled / pending futures: fut_loop, fut_state, fut_result,
                 fut_exception, task_fut_waiter, task_coro, task_name against get_loop(),
                 _state, result(), exception(), _fut_waiter, get_coro(), get_name() (3.12+:
                 an unnamed task's name is an int N until get_name()). The scenario runs
                 three times: plain, under sys.setprofile and under sys.settrace (3.12+:
                 instrumented bytecode).
  await chain    the end of a task's coroutine chain (followed with cr_await, whose recipe
                 gen_layouts.py checks): an _asyncio.FutureIter whose future
                 (future_iter_future) must be the task's _fut_waiter
  numpy          (when importable) data, nd, shape, strides, base, dtype object, flags, and
                 the dtype's kind / char / byteorder / num / itemsize, for several arrays

Interpreters: /root/.pyenv/versions/3.X.Y/bin/python3.X for X in 8..13 (or the roots given
with --pyenv), plus Debian's /usr/bin/python3.11 and /usr/bin/python3.11d when present, and
any --python PATH. Missing ones are listed. Exit status: 0 when every check of every
interpreter passed, 1 on any mismatch or child failure, 2 when nothing could be run or the
Rust file can't be parsed.

Only Python's standard library is used (plus numpy in the children when it is importable).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TABLES_RS = REPO / "converter" / "src" / "cpython" / "layout" / "stdlib_tables.rs"
DEFAULT_PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
DEBIAN = [Path("/usr/bin/python3.11"), Path("/usr/bin/python3.11d")]
MINORS = range(8, 14)

# --------------------------------------------------------------------------------------------
# Parsing the Rust file


_TOKEN = re.compile(r"\s*(?:(//[^\n]*)|([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)"
                    r"|(-?[0-9][0-9_]*)|([{}(),:;=]))")


def _tokens(text: str):
    pos = 0
    out = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise ValueError("cannot parse Rust near: %r" % text[pos:pos + 40])
        pos = m.end()
        if m.group(1):
            continue
        if m.group(2):
            out.append(("id", m.group(2)))
        elif m.group(3):
            out.append(("num", int(m.group(3).replace("_", ""))))
        else:
            out.append(("p", m.group(4)))
    return out


class _Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else (None, None)

    def take(self, kind=None, val=None):
        tok = self.peek()
        if (kind and tok[0] != kind) or (val is not None and tok[1] != val):
            raise ValueError("expected %s %s, got %s" % (kind, val, tok))
        self.i += 1
        return tok[1]

    def value(self):
        kind, val = self.peek()
        if kind == "num":
            return self.take()
        if kind == "p" and val == "(":
            self.take()
            items = [self.value()]
            while self.peek() == ("p", ","):
                self.take()
                if self.peek() == ("p", ")"):
                    break
                items.append(self.value())
            self.take("p", ")")
            return tuple(items)
        if kind == "id" and val in ("true", "false"):
            self.take()
            return val == "true"
        if kind == "id":
            path = self.take()
            fields = {}
            if "::" in path:
                fields["__variant__"] = path.split("::")[-1]
            self.take("p", "{")
            while self.peek() != ("p", "}"):
                name = self.take("id")
                self.take("p", ":")
                fields[name] = self.value()
                if self.peek() == ("p", ","):
                    self.take()
            self.take("p", "}")
            return fields
        raise ValueError("unexpected token %s" % (self.peek(),))


def _braced(text: str, start: int) -> int:
    """Index just past the brace block opening at text[start] == '{'."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced braces")


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def parse_tables(path: Path):
    """{'stdlib': {(3, X): table}, 'ndarray': {'NUMPY1': .., 'NUMPY2': ..},
    'consts': {'FileIoLayout': {...}, 'DecimalLayout': {...}}}"""
    text = _strip_comments(path.read_text())
    stdlib = {}
    ndarray = {}
    consts = {}
    for m in re.finditer(r"\bconst\s+(\w+)\s*:\s*(\w+)\s*=\s*(\w+)\s*\{", text):
        name, ty = m.group(1), m.group(2)
        end = _braced(text, m.end() - 1)
        lit = text[m.start(3):end]
        value = _Parser(_tokens(lit)).value()
        if ty == "StdlibLayout":
            ver = tuple(value["version"])
            if ver in stdlib:
                raise ValueError("two tables for %s" % (ver,))
            value["__const__"] = name
            stdlib[ver] = value
        elif ty in ("NdArrayLayout", "Self"):
            ndarray[name] = value
    for m in re.finditer(r"\bimpl\s+(\w+)\s*\{", text):
        body = text[m.end():_braced(text, m.end() - 1)]
        for c in re.finditer(r"\bconst\s+(\w+)\s*:\s*(u8|u32|u64|usize)\s*=\s*([0-9_]+)\s*;", body):
            consts.setdefault(m.group(1), {})[c.group(1)] = int(c.group(3).replace("_", ""))
    # Which table does stdlib_for()/ndarray_layout() hand out? Check the match arms agree.
    for arm in re.finditer(r"(\d+)\s*=>\s*Some\(&(\w+)\)", text):
        minor, const = int(arm.group(1)), arm.group(2)
        t = stdlib.get((3, minor))
        if t is None or t["__const__"] != const:
            raise ValueError("stdlib_for(3, %d) returns %s, whose version is not (3, %d)"
                             % (minor, const, minor))
    return {"stdlib": stdlib, "ndarray": ndarray, "consts": consts}


# --------------------------------------------------------------------------------------------
# The child: runs inside each interpreter, reads objects through the table, prints JSON.

CHILD = r'''
import ctypes, json, os, re, socket, struct, sys, tempfile, threading, _thread
import collections, enum, io
from collections import OrderedDict, defaultdict, deque

cfg = json.loads(sys.argv[1])
T = cfg["table"]
ND = cfg["ndarray"]
K = cfg["consts"]
results = []
notes = []


def check(name, expected, got):
    results.append({"name": name, "ok": expected == got,
                    "expected": repr(expected), "got": repr(got)})


def raw(addr, n):
    return ctypes.string_at(addr, n)


def u8(a):
    return raw(a, 1)[0]


def i32(a):
    return struct.unpack("<i", raw(a, 4))[0]


def u64(a):
    return struct.unpack("<Q", raw(a, 8))[0]


def i64(a):
    return struct.unpack("<q", raw(a, 8))[0]


def obj_at(ptr):
    if not ptr:
        raise ValueError("NULL where an object pointer was expected")
    return ctypes.cast(ptr, ctypes.py_object).value


def ob_size(o):
    return i64(id(o) + 16)


check("version", list(T["version"]), list(sys.version_info[:2]))
check("pointer size", 8, ctypes.sizeof(ctypes.c_void_p))

# Each section runs on its own: an exception (say, a NULL read through a wrong offset) is
# reported as a failed check and the next section still runs. A wrong offset can also crash
# the child outright; the parent reports that.
for _name, _code in cfg["sections"]:
    try:
        exec(compile(_code, "<section %s>" % _name, "exec"), globals())
    except Exception as _e:  # noqa: BLE001
        import traceback
        results.append({"name": "section %s ran" % _name, "ok": False, "expected": "no error",
                        "got": traceback.format_exc().strip().splitlines()[-1]})

print(json.dumps({"results": results, "notes": notes, "version": sys.version.split()[0],
                  "debug": hasattr(sys, "gettotalrefcount")}))
'''

CHILD_SECTIONS = r'''
# ---- deque -------------------------------------------------------------------------------
D = T["deque"]


def deque_items(d):
    """Item pointers in order: leftblock[leftindex], ... through the right links, ob_size
    of them (the outer links of the end blocks are not reliable in release builds)."""
    b = u64(id(d) + D["leftblock"])
    i = i64(id(d) + D["leftindex"])
    out = []
    for _ in range(ob_size(d)):
        out.append(u64(b + D["block_data"] + 8 * i))
        i += 1
        if i == D["block_len"]:
            b = u64(b + D["block_rightlink"])
            i = 0
    return out


dq = deque(range(1000, 1300), maxlen=250)
dq.rotate(17)
dq.appendleft("left")
dq.append("right")
items = deque_items(dq)
check("deque ob_size", len(dq), ob_size(dq))
check("deque maxlen", dq.maxlen, i64(id(dq) + D["maxlen"]))
check("deque items in order", [id(x) for x in dq], items)
blocks = set()
b = u64(id(dq) + D["leftblock"])
while b != u64(id(dq) + D["rightblock"]) and len(blocks) < 100:
    blocks.add(b)
    b = u64(b + D["block_rightlink"])
check("deque spans several blocks", True, len(blocks) >= 3)
last_block = u64(id(dq) + D["rightblock"])
last_idx = i64(id(dq) + D["rightindex"])
check("deque last item at rightblock[rightindex]", id(dq[-1]),
      u64(last_block + D["block_data"] + 8 * last_idx))
check("deque first item at leftblock[leftindex]", id(dq[0]),
      u64(u64(id(dq) + D["leftblock"]) + D["block_data"] + 8 * i64(id(dq) + D["leftindex"])))
check("deque left link of the right block", True,
      u64(last_block + D["block_leftlink"]) in blocks)
empty = deque()
check("empty deque maxlen -1", -1, i64(id(empty) + D["maxlen"]))
check("empty deque indices (CENTER+1, CENTER)", (D["block_len"] // 2, D["block_len"] // 2 - 1),
      (i64(id(empty) + D["leftindex"]), i64(id(empty) + D["rightindex"])))
check("empty deque one block", u64(id(empty) + D["leftblock"]), u64(id(empty) + D["rightblock"]))

# ---- defaultdict -------------------------------------------------------------------------
dd = defaultdict(list)
dd["a"].append(1)
check("defaultdict default_factory", id(list), u64(id(dd) + T["defaultdict"]["default_factory"]))
dd0 = defaultdict()
check("defaultdict without factory is NULL", 0, u64(id(dd0) + T["defaultdict"]["default_factory"]))

# ---- OrderedDict -------------------------------------------------------------------------
O = T["odict"]
od = OrderedDict((k, i) for i, k in enumerate("abcdefgh"))
od.move_to_end("b")
od.move_to_end("g", last=False)
del od["d"]
od["d"] = 99
od.move_to_end("a")
walk = []
node = u64(id(od) + O["od_first"])
while node and len(walk) < 100:
    walk.append(u64(node + O["node_key"]))
    node = u64(node + O["node_next"])
check("OrderedDict node keys = iteration order", [id(k) for k in od], walk)
dict_order = list(dict.__iter__(od))
notes.append("OrderedDict iteration %s, underlying dict order %s"
             % ("".join(od), "".join(dict_order)))
check("OrderedDict dict order differs after move_to_end", True, dict_order != list(od))
odr = repr(OrderedDict([("k", 1), ("j", 2)]))
check("OrderedDict repr_as_dict", O["repr_as_dict"], odr.startswith("OrderedDict({"))
check("OrderedDict repr form", "OrderedDict({'k': 1, 'j': 2})" if O["repr_as_dict"]
      else "OrderedDict([('k', 1), ('j', 2)])", odr)

# ---- enum --------------------------------------------------------------------------------
class _Bits(enum.Flag):
    A = 1


check("enum Flag class repr", T["enum_flag_repr"], repr(_Bits).startswith("<flag "))

# ---- locks -------------------------------------------------------------------------------
L = T["lock"]


def lock_held(lk):
    if L["__variant__"] == "LockedChar":
        return u8(id(lk) + L["locked"]) != 0
    return (u8(id(lk) + L["mutex"]) >> L["locked_bit"]) & 1 == 1


held = _thread.allocate_lock()
held.acquire()
free = _thread.allocate_lock()
check("Lock held", held.locked(), lock_held(held))
check("Lock free", free.locked(), lock_held(free))
free.acquire()
free.release()
check("Lock free after acquire/release", False, lock_held(free))
check("threading.Lock is _thread.lock", type(held), type(threading.Lock()))

R = T["rlock"]
rl = _thread.RLock()
rl.acquire()
rl.acquire()
m = re.search(r"owner=(\d+) count=(\d+)", repr(rl))
check("RLock owner = threading.get_ident()", threading.get_ident(), u64(id(rl) + R["rlock_owner"]))
check("RLock owner (repr)", int(m.group(1)), u64(id(rl) + R["rlock_owner"]))
check("RLock count (repr)", int(m.group(2)), u64(id(rl) + R["rlock_count"]))
check("RLock count 2", 2, u64(id(rl) + R["rlock_count"]))
rl2 = _thread.RLock()
check("free RLock owner/count", (0, 0),
      (u64(id(rl2) + R["rlock_owner"]), u64(id(rl2) + R["rlock_count"])))

# ---- re.Pattern ---------------------------------------------------------------------------
P = T["pattern"]
for pat in (re.compile(r"(?P<word>\w+)\s+(\d+)?(x)", re.IGNORECASE | re.MULTILINE | re.DOTALL),
            re.compile(rb"(a)(?:b)(c)", re.VERBOSE), re.compile("plain")):
    tag = "re.Pattern %r" % (pat.pattern,)
    check(tag + " pattern", id(pat.pattern), u64(id(pat) + P["pattern"]))
    check(tag + " flags", pat.flags, i32(id(pat) + P["flags"]))
    check(tag + " groups", pat.groups, i64(id(pat) + P["groups"]))

# ---- _io ---------------------------------------------------------------------------------
F = T["fileio"]
B = T["buffered"]
X = T["textio"]
FB = K.get("FileIoLayout", {})


def fio_bits(f):
    out = {}
    for name in ("created", "readable", "writable", "appending"):
        bit = FB.get(name.upper() + "_BIT")
        out[name] = (u8(id(f) + F[name]) >> bit) & 1 if bit is not None else u8(id(f) + F[name])
    return out


def mode_from_bits(bits):
    # Modules/_io/fileio.c mode_string()
    if bits["created"]:
        return "xb+" if bits["readable"] else "xb"
    if bits["appending"]:
        return "ab+" if bits["readable"] else "ab"
    if bits["readable"]:
        return "rb+" if bits["writable"] else "rb"
    return "wb"


def dict_ptr(o, off):
    """The instance dict pointer; if NULL, make Python create it and read again."""
    p = u64(id(o) + off)
    if p == 0:
        d = o.__dict__
        p = u64(id(o) + off)
        check("%s dict created at dict offset" % type(o).__name__, id(d), p)
    else:
        check("%s dict pointer" % type(o).__name__, id(o.__dict__), p)
    return p


def check_fileio(tag, f):
    check(tag + " FileIO fd", f.fileno(), i32(id(f) + F["fd"]))
    bits = fio_bits(f)
    check(tag + " FileIO readable bit", f.readable(), bool(bits["readable"]))
    check(tag + " FileIO writable bit", f.writable(), bool(bits["writable"]))
    check(tag + " FileIO mode from bits", f.mode, mode_from_bits(bits))
    d = obj_at(dict_ptr(f, F["dict"]))
    check(tag + " FileIO dict['name'] is .name", True, d.get("name") is f.name)


tmp = tempfile.mkdtemp(prefix="hd-stdlib-")
path = os.path.join(tmp, "data.txt")
with open(path, "w") as w:
    w.write("hello\nworld\n")
files = {}
files["r"] = open(path, "r", encoding="utf-8")
files["rb"] = open(path, "rb")
files["w"] = open(os.path.join(tmp, "w.txt"), "w")
files["a"] = open(os.path.join(tmp, "a.txt"), "a")
files["x"] = open(os.path.join(tmp, "x.bin"), "xb")
files["r+b"] = open(path, "r+b")
files["rb unbuffered"] = open(path, "rb", buffering=0)
for mode, f in files.items():
    tag = "open(%r)" % mode
    if isinstance(f, io.TextIOWrapper):
        check(tag + " textio buffer", id(f.buffer), u64(id(f) + X["buffer"]))
        check(tag + " textio encoding", id(f.encoding), u64(id(f) + X["encoding"]))
        d = obj_at(dict_ptr(f, X["dict"]))
        check(tag + " textio dict['mode']", f.mode, d.get("mode"))
        # name through buffer -> raw -> FileIO dict, with pointers only
        b = u64(id(f) + X["buffer"])
        r = u64(b + B["raw"])
        rd = u64(r + F["dict"])
        check(tag + " name via buffer->raw->dict", f.name, obj_at(rd).get("name") if rd else None)
        check(tag + " fd via buffer->raw", f.fileno(), i32(r + F["fd"]))
        check_fileio(tag, f.buffer.raw)
    elif isinstance(f, (io.BufferedReader, io.BufferedWriter, io.BufferedRandom)):
        check(tag + " buffered raw", id(f.raw), u64(id(f) + B["raw"]))
        dict_ptr(f, B["dict"])
        check_fileio(tag, f.raw)
    else:
        check_fileio(tag, f)
raw_f = files["rb unbuffered"]
raw_f.close()
check("closed FileIO fd -1", -1, i32(id(raw_f) + F["fd"]))
check("closed FileIO .closed", True, raw_f.closed)
for f in files.values():
    f.close()
import shutil
shutil.rmtree(tmp, ignore_errors=True)

# ---- socket ------------------------------------------------------------------------------
S = T["socket"]
socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)]
if hasattr(socket, "AF_UNIX"):
    socks.append(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
for s in socks:
    tag = "socket(%s, %s)" % (int(s.family), int(s.type))
    check(tag + " fd", s.fileno(), i32(id(s) + S["sock_fd"]))
    check(tag + " family", int(s.family), i32(id(s) + S["sock_family"]))
    check(tag + " type", int(s.type), i32(id(s) + S["sock_type"]))
    check(tag + " proto", s.proto, i32(id(s) + S["sock_proto"]))
    s.close()
    check(tag + " closed fd -1", -1, i32(id(s) + S["sock_fd"]))

# ---- Decimal -----------------------------------------------------------------------------
try:
    import _decimal
except ImportError:
    _decimal = None
if _decimal is None:
    notes.append("SKIPPED Decimal: no _decimal module")
else:
    import decimal
    check("decimal.Decimal is _decimal.Decimal", True, decimal.Decimal is _decimal.Decimal)
    C = T["decimal"]
    DK = K.get("DecimalLayout", {})
    NEG, INF, NAN, SNAN = (DK.get(n, d) for n, d in
                           (("MPD_NEG", 1), ("MPD_INF", 2), ("MPD_NAN", 4), ("MPD_SNAN", 8)))
    RADIX = DK.get("RADIX_64", 10 ** 19)
    Dec = _decimal.Decimal
    values = [Dec("-123.456E+7"), Dec("1" * 60 + ".5"), Dec(str(2 ** 200)), Dec("-" + "9" * 95),
              Dec("NaN123"), Dec("-sNaN7"), Dec("-Infinity"), Dec("-0"), Dec("0E-1000"),
              Dec("7")]
    for v in values:
        tag = "Decimal(%r)" % (str(v),)
        m = id(v) + C["dec"]
        flags = u8(m + C["flags"])
        t = v.as_tuple()
        check(tag + " sign", t.sign, 1 if flags & NEG else 0)
        special = {"F": INF, "n": NAN, "N": SNAN}.get(t.exponent, 0)
        check(tag + " special", special, flags & (INF | NAN | SNAN))
        n = i64(m + C["len"])
        data = u64(m + C["data"])
        coeff = sum(u64(data + 8 * k) * RADIX ** k for k in range(n))
        want = int("".join(map(str, t.digits)) or "0")
        if t.exponent == "F":
            want = 0
        check(tag + " coefficient from limbs", want, coeff)
        if not special:
            check(tag + " exp", t.exponent, i64(m + C["exp"]))
            check(tag + " digits", len(t.digits), i64(m + C["digits"]))
        if n > 4:
            inline = id(v) <= data < id(v) + type(v).__basicsize__
            check(tag + " heap limbs (len > 4)", False, inline)

# ---- asyncio -----------------------------------------------------------------------------
import asyncio
import types
import _asyncio

A = T["asyncio"]
STATE_NAMES = {A["state_pending"]: "PENDING", A["state_cancelled"]: "CANCELLED",
               A["state_finished"]: "FINISHED"}
check("asyncio.Task is _asyncio.Task", True, asyncio.Task is _asyncio.Task)
check("asyncio.Future is _asyncio.Future", True, asyncio.Future is _asyncio.Future)


def await_chain(task):
    """The task's coroutine chain, followed with cr_await / gi_yieldfrom: the type names and
    the object at its end."""
    c = task.get_coro()
    kinds = []
    for _ in range(20):
        if isinstance(c, types.CoroutineType):
            nxt = c.cr_await
        elif isinstance(c, types.GeneratorType):
            nxt = c.gi_yieldfrom
        else:
            break
        kinds.append("%s %s" % (type(c).__name__, c.__qualname__))
        if nxt is None:
            return kinds, None
        c = nxt
    kinds.append(type(c).__name__)
    return kinds, c


def check_future(tag, f):
    o = id(f)
    check(tag + " fut_loop", id(f.get_loop()), u64(o + A["fut_loop"]))
    state = STATE_NAMES.get(i32(o + A["fut_state"]), "?%d" % i32(o + A["fut_state"]))
    check(tag + " fut_state", f._state, state)
    res = u64(o + A["fut_result"])
    exc = u64(o + A["fut_exception"])
    if f._state == "FINISHED":
        e = f.exception()
        check(tag + " fut_exception", id(e) if e is not None else 0, exc)
        check(tag + " fut_result", id(f.result()) if e is None else 0, res)
    else:
        check(tag + " fut_result NULL", 0, res)
        check(tag + " fut_exception NULL", 0, exc)
    return state


def check_task(tag, t, waiter=None):
    state = check_future(tag, t)
    o = id(t)
    w = t._fut_waiter
    check(tag + " task_fut_waiter", id(w) if w is not None else 0, u64(o + A["task_fut_waiter"]))
    if waiter is not None:
        check(tag + " waits on the expected future", id(waiter), u64(o + A["task_fut_waiter"]))
    check(tag + " task_coro", id(t.get_coro()), u64(o + A["task_coro"]))
    # the name before get_name() (3.12+: an int N for "Task-N" until then)
    n = obj_at(u64(o + A["task_name"]))
    shown = "Task-%d" % n if type(n) is int else n
    if type(n) is int:
        notes.append("%s: task_name holds the int %d before get_name()" % (tag, n))
    check(tag + " task_name is str, or int on 3.12+", True,
          type(n) is str or (type(n) is int and sys.version_info >= (3, 12)))
    check(tag + " task_name", t.get_name(), shown)
    check(tag + " task_name after get_name()", id(t.get_name()), u64(o + A["task_name"]))
    kinds, end = await_chain(t)
    return state, kinds, end


RESULT = ["the", "result"]


# Values below the awaited object on the value stack, so that the recipe must find the top of
# the stack, not its bottom.
async def leaf(fut):
    return ("leaf", 1, await fut)[2]


async def middle(fut):
    return ["middle", await leaf(fut)][1]


async def wait_for_task(t):
    return await t


async def finished_value():
    return RESULT


async def raises():
    raise KeyError("boom")


async def sleeps():
    await asyncio.sleep(3600)


async def spins():
    while True:
        await asyncio.sleep(0)


async def scenario(run):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    t_fut = loop.create_task(middle(fut))
    t_fut.set_name("awaits-future")
    t_task = asyncio.ensure_future(wait_for_task(t_fut))
    t_task.set_name(("awaits", "task"))  # not a str: stored as str()
    t_done = loop.create_task(finished_value(), name="finished")
    t_err = loop.create_task(raises(), name="raised")
    t_cancel = loop.create_task(sleeps(), name="cancelled")
    t_sleep = loop.create_task(sleeps())  # default name
    t_spin = loop.create_task(spins(), name="spinner")
    for _ in range(40):  # let them start and suspend; the spinner's code gets quickened
        await asyncio.sleep(0)
    t_cancel.cancel()
    for _ in range(3):
        await asyncio.sleep(0)
    t_new = loop.create_task(sleeps(), name="not-started")
    f_done = loop.create_future()
    f_done.set_result(RESULT)
    f_none = loop.create_future()
    f_none.set_result(None)
    f_exc = loop.create_future()
    f_exc.set_exception(ValueError("bad"))
    f_cancel = loop.create_future()
    f_cancel.cancel()
    # the reads, in the order that keeps them meaningful (the name before get_name())
    p = "[%s] " % run
    st, kinds, end = check_task(p + "task awaiting a future", t_fut, waiter=fut)
    check(p + "task awaiting a future: state", "PENDING", st)
    check(p + "task awaiting a future: chain",
          ["coroutine middle", "coroutine leaf", "FutureIter"], kinds)
    check(p + "task awaiting a future: FutureIter.future is the waiter", id(fut),
          u64(id(end) + A["future_iter_future"]) if end is not None else None)
    st, kinds, end = check_task(p + "task awaiting a task", t_task, waiter=t_fut)
    check(p + "task awaiting a task: chain", ["coroutine wait_for_task", "FutureIter"], kinds)
    check(p + "task awaiting a task: FutureIter.future is that task", id(t_fut),
          u64(id(end) + A["future_iter_future"]) if end is not None else None)
    st, _, _ = check_task(p + "finished task", t_done)
    check(p + "finished task: state", "FINISHED", st)
    check(p + "finished task: result", id(RESULT), u64(id(t_done) + A["fut_result"]))
    st, _, _ = check_task(p + "task that raised", t_err)
    check(p + "task that raised: KeyError", True,
          type(obj_at(u64(id(t_err) + A["fut_exception"]))) is KeyError)
    st, _, _ = check_task(p + "cancelled task", t_cancel)
    check(p + "cancelled task: state", "CANCELLED", st)
    st, kinds, end = check_task(p + "unnamed sleeping task", t_sleep)
    check(p + "unnamed sleeping task: chain", ["coroutine sleeps", "coroutine sleep", "FutureIter"],
          kinds)
    check(p + "unnamed sleeping task: FutureIter.future is the waiter", id(t_sleep._fut_waiter),
          u64(id(end) + A["future_iter_future"]) if end is not None else None)
    st, kinds, end = check_task(p + "task spinning on sleep(0)", t_spin)
    check(p + "task spinning on sleep(0): no waiter", 0, u64(id(t_spin) + A["task_fut_waiter"]))
    # sleep(0) awaits the generator __sleep0, suspended at a bare `yield`: no cr_await
    check(p + "task spinning on sleep(0): chain",
          ["coroutine spins", "coroutine sleep", "generator __sleep0"], kinds)
    st, kinds, end = check_task(p + "task not started", t_new)
    check(p + "task not started: chain", ["coroutine sleeps"], kinds)
    for name, t in (("finished task", t_done), ("cancelled task", t_cancel)):
        check(p + name + ": chain", ["coroutine " + t.get_coro().__qualname__],
              await_chain(t)[0])
    st, kinds, end = check_task(p + "the running task", asyncio.current_task())
    check(p + "the running task: chain (running: nothing awaited)", ["coroutine scenario"],
          kinds)
    check_future(p + "future with a result", f_done)
    check_future(p + "future with result None", f_none)
    check(p + "future with result None: points to None", id(None), u64(id(f_none) + A["fut_result"]))
    check_future(p + "future with an exception", f_exc)
    check_future(p + "cancelled future", f_cancel)
    check(p + "cancelled future: state", "CANCELLED",
          STATE_NAMES.get(i32(id(f_cancel) + A["fut_state"])))
    check_future(p + "pending future", fut)
    # clean up
    fut.set_result("done")
    await t_task
    for t in (t_sleep, t_spin, t_new):
        t.cancel()
    await asyncio.gather(t_sleep, t_spin, t_new, t_err, return_exceptions=True)
    check(p + "task finished after its future", ("FINISHED", "FINISHED"),
          (STATE_NAMES.get(i32(id(t_fut) + A["fut_state"])),
           STATE_NAMES.get(i32(id(t_task) + A["fut_state"]))))
    check(p + "result read after the chain completed", id(t_fut.result()),
          u64(id(t_task) + A["fut_result"]))


asyncio.run(scenario("plain"))
# Profiling and line tracing change the bytecode on 3.12+; the chain must end the same.
sys.setprofile(lambda *a: None)
try:
    asyncio.run(scenario("setprofile"))
finally:
    sys.setprofile(None)
sys.settrace(lambda *a: (lambda *b: None))
try:
    asyncio.run(scenario("settrace"))
finally:
    sys.settrace(None)

# ---- numpy -------------------------------------------------------------------------------
try:
    import numpy as np
except Exception as e:  # noqa: BLE001 -- any import failure means: not testable here
    np = None
    notes.append("SKIPPED numpy: not importable (%s)" % (type(e).__name__,))
if np is not None:
    major = int(np.__version__.split(".")[0])
    N = ND.get("NUMPY1" if major < 2 else "NUMPY2")
    notes.append("numpy %s, table %s" % (np.__version__, "NUMPY1" if major < 2 else "NUMPY2"))
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    arrays = {
        "arange int32 (2,3,4)": a,
        "view a[:, ::2, 1:3]": a[:, ::2, 1:3],
        "a.T": a.T,
        "'>f8' Fortran (3,5)": np.zeros((3, 5), dtype=">f8", order="F"),
        "0-d float": np.array(3.5),
        "uint8": np.ones(7, np.uint8),
        "structured": np.zeros(4, dtype=[("x", "<i2"), ("y", "f4")]),
        "unicode": np.array(["ab", "cde"]),
    }
    for tag, arr in arrays.items():
        tag = "ndarray " + tag
        o = id(arr)
        nd = i32(o + N["nd"])
        check(tag + " data", arr.__array_interface__["data"][0], u64(o + N["data"]))
        check(tag + " nd", arr.ndim, nd)
        dims = u64(o + N["dimensions"])
        strides = u64(o + N["strides"])
        check(tag + " shape", list(arr.shape), [i64(dims + 8 * k) for k in range(nd)])
        check(tag + " strides", list(arr.strides), [i64(strides + 8 * k) for k in range(nd)])
        check(tag + " base", id(arr.base) if arr.base is not None else 0, u64(o + N["base"]))
        d = u64(o + N["descr"])
        check(tag + " descr is dtype", id(arr.dtype), d)
        fl = i32(o + N["flags"])
        check(tag + " flags", (arr.flags.c_contiguous, arr.flags.f_contiguous, arr.flags.owndata,
                               arr.flags.aligned, arr.flags.writeable),
              (bool(fl & 1), bool(fl & 2), bool(fl & 4), bool(fl & 0x100), bool(fl & 0x400)))
        dt = arr.dtype
        check(tag + " dtype kind", dt.kind, chr(u8(d + N["descr_kind"])))
        check(tag + " dtype char", dt.char, chr(u8(d + N["descr_type"])))
        check(tag + " dtype byteorder", dt.byteorder, chr(u8(d + N["descr_byteorder"])))
        check(tag + " dtype num", dt.num, i32(d + N["descr_type_num"]))
        es = i32(d + N["descr_elsize"]) if major < 2 else i64(d + N["descr_elsize"])
        check(tag + " dtype itemsize", dt.itemsize, es)
'''


def child_sections():
    """CHILD_SECTIONS cut at its '# ---- name' lines: [(name, code), ...]."""
    parts = re.split(r"^# ---- (\w+)[^\n]*\n", CHILD_SECTIONS, flags=re.M)
    return [(parts[k], parts[k + 1]) for k in range(1, len(parts), 2)]


# --------------------------------------------------------------------------------------------
# Driver


def find_interpreters(pyenv_roots, extra):
    found = []
    missing = []
    for minor in MINORS:
        hits = []
        for root in pyenv_roots:
            for d in sorted(root.glob("3.%d.*" % minor)):
                exe = d / "bin" / ("python3.%d" % minor)
                if re.fullmatch(r"3\.%d\.\d+" % minor, d.name) and exe.exists():
                    hits.append(exe)
        if hits:
            found.extend(hits)
        else:
            missing.append("CPython 3.%d (no %s)" % (minor, " or ".join(
                str(r / ("3.%d.*" % minor)) for r in pyenv_roots)))
    for exe in DEBIAN + [Path(p) for p in extra]:
        if exe.exists():
            found.append(exe)
        else:
            missing.append(str(exe))
    return found, missing


def run_one(exe: Path, tables, verbose: bool):
    probe = subprocess.run([str(exe), "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return None, ["cannot run %s: %s" % (exe, probe.stderr.strip())]
    ver = tuple(int(x) for x in probe.stdout.split())
    table = tables["stdlib"].get(ver)
    if table is None:
        return None, ["%s is %d.%d: stdlib_tables.rs has no table for it" % ((exe,) + ver)]
    cfg = {"table": table, "ndarray": tables["ndarray"], "consts": tables["consts"],
           "sections": child_sections()}
    proc = subprocess.run([str(exe), "-c", CHILD, json.dumps(cfg)], capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        return None, ["child in %s failed (exit %d; a negative status is a crash, e.g. an offset "
                      "that led to a bad pointer):\n%s" % (exe, proc.returncode,
                                                           proc.stderr.strip()[-3000:])]
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, ["child in %s printed no result: %r" % (exe, proc.stdout[-500:])]
    return out, []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=Path, default=TABLES_RS, help="the Rust file to check")
    ap.add_argument("--pyenv", type=Path, action="append",
                    help="a directory of 3.X.Y installs (default %s)" % DEFAULT_PYENV)
    ap.add_argument("--python", action="append", default=[], help="another interpreter to check")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every check")
    args = ap.parse_args()

    try:
        tables = parse_tables(args.tables)
    except (OSError, ValueError, KeyError) as e:
        print("cannot read the tables of %s: %s" % (args.tables, e))
        return 2
    try:
        shown = args.tables.resolve().relative_to(REPO)
    except ValueError:
        shown = args.tables
    print("tables in %s: %s; ndarray: %s" % (
        shown,
        ", ".join("%d.%d" % v for v in sorted(tables["stdlib"])),
        ", ".join(sorted(tables["ndarray"])) or "none"))

    exes, missing = find_interpreters(args.pyenv or [DEFAULT_PYENV], args.python)
    failed = 0
    ran = 0
    for exe in exes:
        out, errors = run_one(exe, tables, args.verbose)
        if errors:
            failed += 1
            print("FAIL %s" % exe)
            for e in errors:
                print("    " + e.replace("\n", "\n    "))
            continue
        ran += 1
        bad = [r for r in out["results"] if not r["ok"]]
        print("%s %s (%s%s): %d checks, %d mismatches" % (
            "ok  " if not bad else "FAIL", exe, out["version"],
            ", debug build" if out["debug"] else "",
            len(out["results"]), len(bad)))
        for r in (out["results"] if args.verbose else bad):
            print("    %s %s: expected %s, read %s" % ("ok  " if r["ok"] else "DIFF", r["name"],
                                                    r["expected"], r["got"]))
        for n in out["notes"]:
            print("    note: " + n)
        if bad:
            failed += 1
    print("missing interpreters (not checked): " + ("; ".join(missing) if missing else "none"))
    if ran == 0 and failed == 0:
        print("no interpreter could be run")
        return 2
    print("%d interpreter(s) checked, %d failed" % (len(exes), failed))
    if missing and os.environ.get("HD_ALLOW_MISSING") != "1":
        print("MISSING interpreters fail the check (set HD_ALLOW_MISSING=1 to let it pass)")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
