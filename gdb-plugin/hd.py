"""hd for gdb: Python stacks, locals and objects of a CPython 3.8+ process, from a core, a
live process or an hd dump file, without debug symbols.

    (gdb) source /path/to/hd/gdb-plugin/hd.py

Commands (named after CPython's libpython.py): py-bt [-a], py-bt-full [-a], py-up, py-down,
py-list, py-locals, py-print NAME [--depth N], py-dump FILE, py-load [FILE]. `help py-bt`
and so on say more.

All the work is done by the hd library (libhd.so, the Rust crate `hd`) through its C ABI
(include/hd.h); this file only finds the target, calls the library and prints. It uses the
standard library only (gdb's embedded Python). The library is found, in this order: the
HD_LIBRARY environment variable; libhd.so next to this file; the checkout's
target/release/ and target/debug/ (when this file is in a checkout).
"""

import ctypes
import json
import os
import re

import gdb

ABI_MAJOR = 1
HD_OK, HD_ERROR, HD_PANIC, HD_INVALID = 0, 1, 2, 3

# gdb defines __file__ only while it sources this file.
try:
    _HERE = os.path.dirname(os.path.abspath(__file__))
except NameError:
    _HERE = os.getcwd()


# Reprs cut as hdconvert's text view cuts them (a terminal, not a tool).
HUMAN = {"human": True}


class HdError(Exception):
    """A failure reported by the library: its code and its paragraph."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def message(text):
    """All output goes through here (tests replace it)."""
    gdb.write(text if text.endswith("\n") else text + "\n")


def error(text):
    gdb.write("hd: " + text + ("" if text.endswith("\n") else "\n"), gdb.STDERR)


# --------------------------------------------------------------------------------------------
# The library


def _candidates():
    here = _HERE
    env = os.environ.get("HD_LIBRARY")
    if env:
        yield env
    yield os.path.join(here, "libhd.so")
    root = os.path.dirname(here)
    for profile in ("release", "debug"):
        yield os.path.join(root, "target", profile, "libhd.so")


class Library:
    """libhd.so through ctypes, with the signatures of include/hd.h."""

    def __init__(self):
        tried = []
        self.lib = None
        for path in _candidates():
            tried.append(path)
            if os.path.exists(path):
                self.lib = ctypes.CDLL(path)
                self.path = path
                break
        if self.lib is None:
            raise HdError("library_missing",
                          "the hd library (libhd.so) was not found; tried: %s. Build it with "
                          "`cargo build --release` in the hd checkout, or set HD_LIBRARY to its path."
                          % ", ".join(tried))
        lib = self.lib
        c = ctypes
        lib.hd_abi_version.restype = c.c_uint32
        lib.hd_abi_version.argtypes = []
        version = lib.hd_abi_version()
        if version >> 16 != ABI_MAJOR:
            raise HdError("abi_mismatch", "%s has ABI %d.%d; this plugin needs %d.x. Use the "
                          "plugin of the same checkout as the library." % (
                              self.path, version >> 16, version & 0xFFFF, ABI_MAJOR))
        try:
            self._declare(lib)
        except AttributeError as e:
            raise HdError("abi_mismatch", "%s lacks a function this plugin calls (%s): it was built "
                          "from an older checkout. Rebuild it (`cargo build --release`)." % (self.path, e))

    def _declare(self, lib):
        c = ctypes
        lib.hd_last_error_code.restype = c.c_char_p
        lib.hd_last_error_message.restype = c.c_char_p
        lib.hd_string_free.argtypes = [c.c_void_p]
        lib.hd_string_free.restype = None
        handle = c.POINTER(c.c_void_p)
        lib.hd_session_open_core.argtypes = [c.c_char_p, c.c_char_p, c.c_char_p, handle]
        lib.hd_session_open_pid.argtypes = [c.c_uint32, c.c_int32, handle]
        lib.hd_session_open_dump.argtypes = [c.c_char_p, handle]
        self.ReadFn = c.CFUNCTYPE(c.c_int32, c.c_void_p, c.c_uint64, c.POINTER(c.c_uint8), c.c_size_t)
        lib.hd_session_open_callback.argtypes = [self.ReadFn, c.c_void_p, c.c_uint32, c.c_char_p,
                                                 c.c_char_p, handle]
        lib.hd_session_free.argtypes = [c.c_void_p]
        lib.hd_session_free.restype = None
        out = c.POINTER(c.c_void_p)
        lib.hd_session_json.argtypes = [c.c_void_p, c.c_char_p, out]
        lib.hd_session_text.argtypes = [c.c_void_p, c.c_char_p, out]
        lib.hd_session_object_json.argtypes = [c.c_void_p, c.c_uint64, c.c_char_p, out]
        lib.hd_session_source.argtypes = [c.c_void_p, c.c_char_p, out]
        lib.hd_session_write_dump.argtypes = [c.c_void_p, c.c_char_p]
        for name in ("hd_session_open_core", "hd_session_open_pid", "hd_session_open_dump",
                     "hd_session_open_callback",
                     "hd_session_json", "hd_session_text", "hd_session_object_json",
                     "hd_session_source", "hd_session_write_dump", "hd_debug_panic"):
            getattr(lib, name).restype = c.c_int32

    def check(self, status):
        if status != HD_OK:
            code = (self.lib.hd_last_error_code() or b"").decode("utf-8", "replace")
            text = (self.lib.hd_last_error_message() or b"").decode("utf-8", "replace")
            raise HdError(code or "error", text or "the hd library failed (status %d)" % status)

    def take_string(self, ptr):
        try:
            return ctypes.string_at(ptr).decode("utf-8", "replace")
        finally:
            self.lib.hd_string_free(ptr)

    def string_call(self, fn, *args):
        out = ctypes.c_void_p()
        self.check(fn(*args, ctypes.byref(out)))
        return self.take_string(out)


_library = None


def library():
    global _library
    if _library is None:
        _library = Library()
    return _library


# --------------------------------------------------------------------------------------------
# The target and its snapshot


def _core_path():
    """The core file gdb has open, from `info target` (gdb 13 has no Inferior.corefile)."""
    try:
        text = gdb.execute("info target", to_string=True)
    except gdb.error:
        return None
    m = re.search(r"Local core dump file:\s*\n\s*`(.+?)', file type", text)
    return m.group(1) if m else None


class State:
    """The open session, what it was opened on, and the selected Python frame."""

    def __init__(self):
        self.session = None
        self.key = None
        self.doc = None
        self.loaded_dump = None
        self.frame_index = {}  # Python thread key -> index into its frames (outermost = 0)

    def invalidate(self, *_):
        """The process ran: what was read is stale."""
        if self.key and self.key[0] == "pid":
            self.close()

    def close(self):
        if self.session is not None:
            library().lib.hd_session_free(self.session)
        self.session, self.key, self.doc = None, None, None
        self.frame_index = {}

    def target(self):
        if self.loaded_dump:
            return ("dump", self.loaded_dump)
        core = _core_path()
        if core:
            return ("core", core)
        inferior = gdb.selected_inferior()
        if inferior is not None and inferior.pid:
            return ("pid", inferior.pid)
        return None

    def open(self):
        library()  # first: without it nothing works, and it says where it looked
        key = self.target()
        if key is None:
            raise HdError("no_target", "no process, core or dump: run or attach a program, "
                          "open a core (`gdb PYTHON CORE`), or `py-load FILE`")
        if key == self.key and self.session is not None:
            return self.session
        self.close()
        lib = library()
        handle = ctypes.c_void_p()
        if key[0] == "dump":
            status = lib.lib.hd_session_open_dump(key[1].encode(), ctypes.byref(handle))
        elif key[0] == "core":
            exe = gdb.current_progspace().filename
            status = lib.lib.hd_session_open_core(key[1].encode(), exe.encode() if exe else None,
                                                  None, ctypes.byref(handle))
        elif _needs_callback(key[1]):
            status = _open_through_gdb(lib, key[1], handle)
        else:
            # gdb traces the process already: read it without stopping it again.
            status = lib.lib.hd_session_open_pid(key[1], 0, ctypes.byref(handle))
        lib.check(status)
        self.session, self.key = handle, key
        return handle

    def snapshot(self, depth=None):
        session = self.open()
        if self.doc is None or depth is not None:
            options = dict(HUMAN)
            if depth is not None:
                options["depth"] = depth
            options = json.dumps(options).encode()
            doc = json.loads(library().string_call(library().lib.hd_session_json, session, options))
            if depth is not None:
                return doc
            self.doc = doc
        return self.doc


def _needs_callback(pid):
    """Whether the process must be read through gdb (a remote target, or when asked with
    `set hd memory-callback on`) rather than through /proc/PID/mem."""
    if MEMORY_CALLBACK.value:
        return True
    inferior = gdb.selected_inferior()
    connection = getattr(inferior, "connection", None)
    if connection is not None and getattr(connection, "type", "native") != "native":
        return True
    return not os.path.exists("/proc/%d/mem" % pid)


def _maps_text():
    """`info proc mappings` in the form of /proc/PID/maps."""
    text = gdb.execute("info proc mappings", to_string=True)
    lines = []
    for line in text.splitlines():
        m = re.match(r"\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+([rwxsp-]{4})?\s*(.*)$", line)
        if not m:
            continue
        start, end, offset = (int(x, 16) for x in m.group(1, 2, 3))
        perms = m.group(4) or "r--p"
        path = m.group(5).strip()
        # /proc's inode column: nonzero for a file mapping (gdb doesn't say which inode).
        inode = 1 if path.startswith("/") else 0
        lines.append("%x-%x %s %08x 00:00 %d %s" % (start, end, perms, offset, inode, path))
    return "\n".join(lines)


def _threads_json():
    """[[lwp, fs_base], ...] for the inferior's threads (the selection is restored)."""
    selected = gdb.selected_thread()
    out = []
    try:
        for t in gdb.selected_inferior().threads():
            base = None
            try:
                t.switch()
                base = int(gdb.parse_and_eval("$fs_base")) & 0xFFFFFFFFFFFFFFFF
            except (gdb.error, ValueError):
                pass
            out.append([t.ptid[1] or t.ptid[0], base])
    finally:
        if selected is not None and selected.is_valid():
            selected.switch()
    return json.dumps(out)


def _open_through_gdb(lib, pid, handle):
    inferior = gdb.selected_inferior()

    def read(_ctx, addr, buf, length):
        try:
            data = inferior.read_memory(addr, length).tobytes()
        except (gdb.MemoryError, gdb.error, OverflowError):
            return 1
        ctypes.memmove(buf, data, length)
        return 0

    callback = lib.ReadFn(read)
    return lib.lib.hd_session_open_callback(callback, None, pid or 0, _maps_text().encode(),
                                            _threads_json().encode(), ctypes.byref(handle))


class MemoryCallback(gdb.Parameter):
    """Whether the py-* commands read a live process through gdb (as for remote targets)
instead of /proc/PID/mem. Slower; on by itself for remote targets."""

    set_doc = "Set whether hd reads the process through gdb."
    show_doc = "Show whether hd reads the process through gdb."

    def __init__(self):
        super().__init__("hd memory-callback", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = False

    def get_show_string(self, value):
        return "Reading the process through gdb is %s." % value


STATE = State()
gdb.events.cont.connect(STATE.invalidate)
gdb.events.exited.connect(lambda *_: STATE.close())


# --------------------------------------------------------------------------------------------
# Printing (presentation only: the library decided every value)


def _thread_key(t):
    return (t.get("interpreter"), t.get("thread_id"))


def _selected_python_thread(doc):
    """The Python thread of gdb's selected thread (matched by its LWP), else the one that
    crashed, else the first."""
    threads = doc.get("threads") or []
    if not threads:
        return None
    try:
        lwp = gdb.selected_thread().ptid[1] if gdb.selected_thread() else None
    except gdb.error:
        lwp = None
    for t in threads:
        if lwp and t.get("tid") == lwp:
            return t
    if STATE.key and STATE.key[0] == "dump":
        for t in threads:
            if t.get("crashed"):
                return t
    return threads[0]


def _header(t):
    marks = []
    if t.get("crashed"):
        marks.append("[crashed]")
    if t.get("holds_gil"):
        marks.append("[holds the GIL]")
    name = ' "%s"' % t["name"] if t.get("name") else ""
    ident = t.get("tid") or t.get("thread_id")
    return "Thread %s%s%s" % (ident, name, (" " + " ".join(marks)) if marks else "")


def _frame_lines(f, selected=False):
    line = f.get("line")
    text = '  File "%s", line %s, in %s' % (f["file"], line if line is not None else "?", f["qualname"])
    lines = [("* " + text[2:]) if selected else text]
    if f.get("source"):
        lines.append("    " + f["source"].strip())
    return lines


def _locals_lines(f, indent="    "):
    locs = f.get("locals")
    if not locs:
        return [indent + "(no locals)"]
    out = []
    for name, v in locs.items():
        out.append("%s%s = %s" % (indent, name, v.get("repr")))
        out.extend(_attr_lines(v, indent + "    "))
    return out


def _attr_lines(v, indent):
    out = []
    for name, a in (v.get("attributes") or {}).items():
        out.append("%s.%s = %s" % (indent, name, a.get("repr")))
        out.extend(_attr_lines(a, indent + "    "))
    return out


def _traceback(t, full, selected_index=None):
    out = [_header(t), "Traceback (most recent call last):"]
    frames = t.get("frames") or []
    if not frames:
        out.append("  (no Python frames)")
    for i, f in enumerate(frames):
        out.extend(_frame_lines(f, selected=(i == selected_index)))
        if full:
            out.extend(_locals_lines(f, "      "))
    return out


def _frame_index(t):
    """The selected Python frame of thread `t` (py-up/py-down move it; the innermost by
default), within its frames."""
    frames = t.get("frames") or []
    index = STATE.frame_index.get(_thread_key(t), len(frames) - 1)
    return max(0, min(index, len(frames) - 1))


def _current_frame(doc):
    t = _selected_python_thread(doc)
    if t is None or not t.get("frames"):
        raise HdError("no_frame", "the selected thread runs no Python code (try `py-bt -a`)")
    return t, t["frames"], _frame_index(t)


def _run(fn):
    """Calls `fn`, printing the library's or the plugin's errors instead of raising them."""
    try:
        fn()
    except HdError as e:
        error(str(e))
    except gdb.error as e:
        error(str(e))
    except Exception as e:  # noqa: BLE001 -- a bug of this plugin must not look like gdb's
        error("internal error in the hd plugin: %s: %s" % (type(e).__name__, e))


# --------------------------------------------------------------------------------------------
# Commands


class PyBt(gdb.Command):
    """Print the Python stack of the selected thread, outermost call first, like a traceback.

Usage: py-bt [-a]
  -a   every Python thread (names, the thread holding the GIL and the one that crashed marked)

The selected Python frame (py-up, py-down) is marked with `*`."""

    full = False

    def __init__(self, name="py-bt"):
        super().__init__(name, gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        def go():
            args = gdb.string_to_argv(arg)
            doc = STATE.snapshot()
            if "-a" in args:
                threads = doc.get("threads") or []
                if not threads:
                    message("No Python threads.")
                for t in threads:
                    message("\n".join(_traceback(t, self.full)) + "\n")
                return
            t = _selected_python_thread(doc)
            if t is None:
                message("No Python threads.")
                return
            message("\n".join(_traceback(t, self.full, _frame_index(t))))
        _run(go)


class PyBtFull(PyBt):
    """Print the Python stack of the selected thread with every frame's locals (`name =
repr`, attributes of instances beneath).

Usage: py-bt-full [-a]"""

    full = True

    def __init__(self):
        super().__init__("py-bt-full")


class PyMove(gdb.Command):
    def __init__(self, name, step):
        super().__init__(name, gdb.COMMAND_STACK)
        self.step = step

    def invoke(self, arg, from_tty):
        def go():
            doc = STATE.snapshot()
            t, frames, index = _current_frame(doc)
            new = index + self.step
            if new < 0:
                message("Unable to find an older Python frame")
                return
            if new >= len(frames):
                message("Unable to find a newer Python frame")
                return
            STATE.frame_index[_thread_key(t)] = new
            message("\n".join(_frame_lines(frames[new])))
        _run(go)


class PyUp(PyMove):
    """Select the Python frame that called the selected one (an older frame) and print it."""

    def __init__(self):
        super().__init__("py-up", -1)


class PyDown(PyMove):
    """Select the Python frame called by the selected one (a newer frame) and print it."""

    def __init__(self):
        super().__init__("py-down", 1)


class PyLocals(gdb.Command):
    """Print the locals of the selected Python frame, one per line as `name = repr`."""

    def __init__(self):
        super().__init__("py-locals", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        def go():
            _, frames, index = _current_frame(STATE.snapshot())
            message("\n".join(_locals_lines(frames[index], "")))
        _run(go)


class PyList(gdb.Command):
    """List the source around the current line of the selected Python frame (from the file
on disk, or from the source a dump file carries).

Usage: py-list [LINE | START,END]"""

    def __init__(self):
        super().__init__("py-list", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        def go():
            _, frames, index = _current_frame(STATE.snapshot())
            f = frames[index]
            lib = library()
            text = lib.string_call(lib.lib.hd_session_source, STATE.open(), f["file"].encode())
            lines = text.splitlines()
            current = f.get("line") or 1
            start, end = current - 5, current + 5
            arg_s = arg.strip()
            if arg_s:
                m = re.match(r"^(\d+)(?:\s*,\s*(\d+))?$", arg_s)
                if not m:
                    raise HdError("usage", "py-list takes LINE or START,END")
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else start + 10
            start = max(1, start)
            out = []
            for n in range(start, min(end, len(lines)) + 1):
                mark = ">" if n == current else " "
                out.append("%4d%s   %s" % (n, mark, lines[n - 1]))
            message("\n".join(out) if out else "(no lines there)")
        _run(go)


class PyPrint(gdb.Command):
    """Print one local of the selected Python frame, or a global of __main__, expanded.

Usage: py-print NAME [--depth N]
  --depth N   levels of attributes shown beneath instances (default 2)"""

    def __init__(self):
        super().__init__("py-print", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        def go():
            args = gdb.string_to_argv(arg)
            depth = 2
            if "--depth" in args:
                i = args.index("--depth")
                try:
                    depth = int(args[i + 1])
                except (IndexError, ValueError):
                    raise HdError("usage", "--depth takes a number")
                del args[i:i + 2]
            if len(args) != 1:
                raise HdError("usage", "py-print NAME [--depth N]")
            name = args[0]
            doc = STATE.snapshot(depth=depth)
            t = _selected_python_thread(doc)
            frames = (t or {}).get("frames") or []
            value, where = None, None
            if frames:
                locs = frames[_frame_index(t)].get("locals") or {}
                if name in locs:
                    value, where = locs[name], "local"
            if value is None and t:
                # The globals of the selected thread's interpreter (the library names the
                # root so); with subinterpreters each has its own __main__.
                want = "globals of __main__ (interpreter %s)" % t.get("interpreter")
                for root in doc.get("roots") or []:
                    if root.get("name") == want:
                        value, where = _global(root["value"], name, depth), "global"
                        break
            if value is None:
                raise HdError("no_such_name", "no local or global named %r in the selected Python frame" % name)
            out = ["%s %s = %s" % (where, name, value.get("repr"))]
            out.extend(_attr_lines(value, "    "))
            if value.get("type"):
                out.append("    (type %s at %s)" % (value["type"], value.get("address")))
            message("\n".join(out))
        _run(go)


def _global(globals_value, name, depth):
    lib = library()
    address = int(globals_value["address"], 16)
    options = json.dumps(dict(HUMAN, depth=depth)).encode()
    doc = json.loads(lib.string_call(lib.lib.hd_session_object_json, STATE.open(), address, options))
    for key, value in (doc.get("object") or {}).get("entries") or []:
        if key.get("repr") in ("'%s'" % name, '"%s"' % name):
            return value
    return None


class PyDump(gdb.Command):
    """Write a portable hd dump file of the current target (what `hdconvert CORE -o FILE`
writes: threads, locals, the objects they reach, source text; secrets redacted).

Usage: py-dump FILE"""

    def __init__(self):
        super().__init__("py-dump", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        def go():
            args = gdb.string_to_argv(arg)
            if len(args) != 1:
                raise HdError("usage", "py-dump FILE")
            lib = library()
            lib.check(lib.lib.hd_session_write_dump(STATE.open(), args[0].encode()))
            message("wrote %s" % args[0])
        _run(go)


class PyLoad(gdb.Command):
    """Use an hd dump file as the target of the py-* commands (no process or core needed).

Usage: py-load FILE     (py-load with no argument goes back to gdb's own target)"""

    def __init__(self):
        super().__init__("py-load", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        def go():
            args = gdb.string_to_argv(arg)
            STATE.close()
            STATE.loaded_dump = os.path.abspath(args[0]) if args else None
            if STATE.loaded_dump:
                doc = STATE.snapshot()
                message("loaded %s: %d Python thread(s), Python %s" % (
                    STATE.loaded_dump, len(doc.get("threads") or []),
                    (doc.get("python") or {}).get("version", "?")))
            else:
                message("py-* commands read gdb's target again")
        _run(go)


# --------------------------------------------------------------------------------------------
# bt: the interpreter's C frames annotated with the Python functions they run


class HdPrefix(gdb.Command):
    """Settings of the hd plugin."""

    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)


HdPrefix("set hd")
HdPrefix("show hd")


class AnnotateBt(gdb.Parameter):
    """Whether `bt` annotates the interpreter's _PyEval_EvalFrameDefault frames with the
Python functions each one runs (innermost first)."""

    set_doc = "Set whether bt shows the Python functions of the interpreter's frames."
    show_doc = "Show whether bt shows the Python functions of the interpreter's frames."

    def __init__(self):
        super().__init__("hd annotate-bt", gdb.COMMAND_STACK, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_show_string(self, value):
        return "Annotating the interpreter's frames in bt is %s." % value


ANNOTATE = AnnotateBt()
MEMORY_CALLBACK = MemoryCallback()

# The C function each Python call of the interpreter runs in (3.8-3.13).
EVAL_FUNCTIONS = ("_PyEval_EvalFrameDefault",)


def _eval_groups():
    """The selected thread's Python frames grouped by the _PyEval_EvalFrameDefault call they
    run in, innermost call first (each group innermost frame first)."""
    doc = STATE.snapshot()
    t = _selected_python_thread(doc)
    if t is None:
        return []
    try:
        lwp = gdb.selected_thread().ptid[1]
    except (gdb.error, AttributeError):
        lwp = None
    if lwp and t.get("tid") and t.get("tid") != lwp:
        return []
    groups, current = [], []
    for f in reversed(t.get("frames") or []):
        current.append(f)
        if f.get("entry"):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


try:
    from gdb.FrameDecorator import FrameDecorator
except ImportError:  # a gdb without frame filters: bt stays as it is
    FrameDecorator = None

if FrameDecorator is not None:

    class PythonAnnotated(FrameDecorator):
        def __init__(self, base, frames):
            super().__init__(base)
            self.python = frames

        def function(self):
            name = super().function()
            if not isinstance(name, str):
                # Without debug info gdb gives the pc and prints the ELF symbol's name itself.
                try:
                    name = self.inferior_frame().name()
                except gdb.error:
                    name = None
                if not name:
                    return super().function()
            where = "; ".join('%s (%s:%s)' % (f["qualname"], os.path.basename(f["file"]),
                                             f.get("line") if f.get("line") is not None else "?")
                              for f in self.python)
            return "%s [Python: %s]" % (name, where)

    class HdFrameFilter:
        """Annotates bt's _PyEval_EvalFrameDefault frames (see `help set hd annotate-bt`)."""

        def __init__(self):
            self.name = "hd"
            self.priority = 100
            self.enabled = True
            gdb.frame_filters[self.name] = self

        def filter(self, frames):
            if not ANNOTATE.value:
                return frames
            try:
                groups = _eval_groups()
            except Exception:  # noqa: BLE001 -- no Python here: bt as usual
                return frames
            if not groups:
                return frames
            return self._annotate(frames, groups)

        @staticmethod
        def _annotate(frames, groups):
            i = 0
            for fd in frames:
                try:
                    name = fd.inferior_frame().name()
                except gdb.error:
                    name = None
                if name in EVAL_FUNCTIONS and i < len(groups):
                    yield PythonAnnotated(fd, groups[i])
                    i += 1
                else:
                    yield fd

    HdFrameFilter()


for command in (PyBt, PyBtFull, PyUp, PyDown, PyLocals, PyList, PyPrint, PyDump, PyLoad):
    command()
