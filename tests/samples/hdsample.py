"""Shared machinery for the hd test samples (stdlib only, CPython 3.8 to 3.13).

A sample starts threads that each park in a known place, waits until every one
has parked, records the ground truth (what Python itself sees: threads, frames,
locals) into the file given by ``--truth``, and then, on the same source line,
either aborts (``--mode abort``: the kernel writes a core) or parks the main
thread too (``--mode park``: prints ``ready`` and blocks, for gcore or a live
read). See tests/src/truth.rs for the JSON this writes.

Parking protocol: a thread parks with ONE source line::

    sample.arrive("role").release(); FOREVER.acquire()

``arrive`` notes the thread's ident and native id and returns the gate the main
thread waits on. ``release`` and the blocking call are C calls, so no frame of
this module stays on the stack, and should the main thread record before the
thread has blocked, the thread is still on that line with the same locals. The
main thread ends with::

    sample.record(); sample.stop()

so the line recorded for it is the line where it aborts or blocks. In park mode
``stop`` prints ``ready`` and blocks, both in C (see ``_in_c``), so from the
moment ``ready`` can be read the main thread's frames and locals are the ones
recorded; the harness then waits for the kernel to show it blocked.
"""

import _thread
import argparse
import collections
import functools
import json
import operator
import os
import platform
import sys
import threading

__all__ = ["FOREVER", "Sample", "type_name"]

# Held from import on and never released: FOREVER.acquire() blocks for good,
# releasing the GIL, in any thread (threading.Lock is not reentrant).
FOREVER = threading.Lock()
FOREVER.acquire()

CO_OPTIMIZED = 0x0001  # code with fast locals (functions); module and class bodies lack it


def type_name(cls):
    """The type's name as hdconvert prints it: builtins bare, others module.QualName."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return cls.__module__ + "." + cls.__qualname__


class Sample:
    """Command line, thread bookkeeping and ground truth for one sample program."""

    def __init__(self, description=None, details=None, extend=None):
        """``details(value)``, when given, returns more keys for the truth entry of each value
        recorded (a dict, possibly empty); ``extend(truth)`` may add keys to the truth just
        before it is written (both run on the main thread inside ``record``)."""
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("--truth", required=True, help="where to write the ground truth JSON")
        parser.add_argument("--mode", required=True, choices=("abort", "park"),
                            help="abort: os.abort() after recording; park: print ready and block")
        args = parser.parse_args()
        self.truth_path = args.truth
        self.mode = args.mode
        # What the main thread calls right after record(), on the same line.
        if self.mode == "abort":
            self.stop = os.abort
        else:
            self.stop = _in_c(functools.partial(print, "ready", flush=True), FOREVER.acquire)
        self._specs = {}    # role -> how the thread is described in the truth
        self._gates = {}    # role -> lock the thread releases once it is parked
        self._arrived = {}  # role -> (ident, native_id), noted by the thread itself
        self._details = details
        self._extend = extend

    def start(self, role, target, *args, raw=False, volatile=False, allowed_lines=None):
        """Start a thread named ``role`` running ``target(*args)``; it must call arrive(role).

        ``raw`` starts it with _thread.start_new_thread, outside threading's registry.
        ``volatile`` marks a thread that keeps running; its innermost frame may be on any
        of ``allowed_lines`` and its locals are recorded by name only.
        """
        gate = threading.Lock()
        gate.acquire()
        self._gates[role] = gate
        self._specs[role] = {"volatile": volatile, "allowed_lines": allowed_lines}
        if raw:
            _thread.start_new_thread(target, args)
        else:
            threading.Thread(target=target, args=args, name=role, daemon=True).start()

    def arrive(self, role):
        """Called by a thread about to park; returns the gate to release (see module doc)."""
        self._arrived[role] = (_thread.get_ident(), _thread.get_native_id())
        return self._gates[role]

    def wait(self):
        """Block until every started thread has arrived."""
        for gate in self._gates.values():
            gate.acquire()

    def marked_lines(self, marker):
        """Line numbers of the sample's own source lines ending in ``# hd: MARKER``."""
        path = sys.modules["__main__"].__file__
        with open(path, encoding="utf-8") as source:
            return [number for number, text in enumerate(source, 1)
                    if text.rstrip().endswith("# hd: " + marker)]

    def record(self):
        """Write the ground truth."""
        main_ident = _thread.get_ident()
        assert main_ident == threading.main_thread().ident, "record() runs on the main thread"
        current = sys._current_frames()
        # The main thread's frames are our callers': skip this module's own frames.
        top = sys._getframe()
        while top is not None and top.f_globals is globals():
            top = top.f_back
        details = self._details
        threads = [_thread_entry(main_ident, os.getpid(), "main", top,
                                 holds_gil=self.mode == "abort", details=details)]
        roles = {ident: role for role, (ident, _) in self._arrived.items()}
        order = list(self._specs)
        others = sorted((ident for ident in current if ident != main_ident),
                        key=lambda ident: order.index(roles[ident]) if ident in roles else len(order))
        for ident in others:
            role = roles.get(ident)
            if role is None:  # not one of ours: describe what Python shows
                registered = threading._active.get(ident)
                native_id = getattr(registered, "native_id", None)
                threads.append(_thread_entry(ident, native_id, "unknown", current[ident], holds_gil=None,
                                             details=details))
                continue
            spec = self._specs[role]
            threads.append(_thread_entry(ident, self._arrived[role][1], role, current[ident],
                                         holds_gil=None if spec["volatile"] else False,
                                         volatile=spec["volatile"], allowed_lines=spec["allowed_lines"],
                                         details=details))
        missing = set(self._specs) - set(roles.values())
        assert not missing, "threads that never arrived: %s" % sorted(missing)
        truth = {
            "python": {"version": platform.python_version(), "hexversion": sys.hexversion,
                       "executable": sys.executable},
            "pid": os.getpid(),
            "argv": sys.argv,
            "mode": self.mode,
            "threads": threads,
        }
        if self._extend is not None:
            self._extend(truth)
        temporary = self.truth_path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(truth, out, indent=1)
        os.replace(temporary, self.truth_path)


def _in_c(*calls):
    """One callable making ``calls`` in turn without a Python frame of its own: deque, map,
    methodcaller and partial are all C, so the caller's frame stays the innermost one."""
    return functools.partial(collections.deque, map(operator.methodcaller("__call__"), calls), 0)


def _thread_entry(ident, native_id, role, top, holds_gil, volatile=False, allowed_lines=None,
                  details=None):
    registered = threading._active.get(ident)  # what the registry holds, without adding to it
    stack = []
    while top is not None:
        stack.append(top)
        top = top.f_back
    stack.reverse()
    frames = [frame_entry(frame, volatile=volatile and frame is stack[-1], allowed_lines=allowed_lines,
                          details=details)
              for frame in stack]
    return {"ident": ident, "native_id": native_id,
            "name": registered.name if registered is not None else None,
            "role": role, "volatile": volatile, "holds_gil": holds_gil, "frames": frames}


def frame_entry(frame, volatile=False, allowed_lines=None, details=None):
    """The truth entry of one frame: code, line, locals (see tests/src/truth.rs)."""
    code = frame.f_code
    entry = {"function": code.co_name, "qualname": getattr(code, "co_qualname", code.co_name),
             "file": code.co_filename, "line": frame.f_lineno, "first_line": code.co_firstlineno}
    if volatile:
        assert entry["line"] in allowed_lines, (entry["line"], allowed_lines)
        entry["allowed_lines"] = list(allowed_lines)
    if not code.co_flags & CO_OPTIMIZED:
        entry["locals"] = None
    elif volatile:
        entry["locals"] = {name: {"type": None, "repr": None, "address": None}
                           for name in dict(frame.f_locals)}
    else:
        entry["locals"] = {name: value_entry(value, details)
                           for name, value in dict(frame.f_locals).items()}
    return entry


_SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset)


def value_entry(value, details=None):
    """The truth entry of one value; ``details(value)`` may add keys (see ``Sample``)."""
    # Beyond type and repr: "address" is id(), which the converter's `address` and the
    # `0x…` of default reprs must match; "length" is len() of strings and containers,
    # which the converter's `length` of a truncated value must match.
    entry = {"type": type_name(type(value)), "repr": repr(value), "address": hex(id(value))}
    if type(value) in _SIZED:
        entry["length"] = len(value)
    if details is not None:
        entry.update(details(value))
    return entry
