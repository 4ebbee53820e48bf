"""Sample: the object graph. The main thread holds locals of every kind hdconvert decodes, one
thread is parked inside an ``except`` block, one inside a running generator called from an
``except`` block, one runs an asyncio event loop whose main task blocks while other tasks
wait: on a future through two coroutines, on another task, in ``asyncio.sleep``.

Besides what every sample records (see hdsample.py), each value's truth entry gets (from
``details``): ``kind`` (the short kind name of docs/json.md), ``exact`` (whether the repr
must be exactly Python's: false for classes with their own ``__repr__``, sockets, asyncio
tasks and futures, and what holds one), ``size`` (``sys.getsizeof``), ``length`` for every sized container kind,
``attributes`` of instances and of exceptions with a ``__dict__`` (see ``attributes``), and
for containers of more than BIG items ``repr: null`` with ``head``, the repr of the first
HEAD items. ``extend`` adds at the top level: ``suspended`` (the generators, coroutines and
async generators the threads' locals hold, with state and frame), ``objects`` (what
``show --object`` must say about a few of them), ``globals`` (``__main__``'s globals) and
on each thread ``exception`` (``sys.exc_info()[1]`` as that thread saw it, or null), and
``tasks``: the event loop's pending tasks, each with its name, what it waits on, its chain of
coroutines (each awaiting the next, with its line) and what the innermost one awaits.

Instance dictionaries are never touched through ``__dict__`` or ``vars()`` on the objects the
converter reads: on 3.11+ that would materialize a dict out of the inline values, and the
converter would never meet the inline form. Each instance is built twice by ``twin()``;
attribute names come from ``vars()`` of the twin, values through ``getattr`` of the original.
"""

import _thread
import asyncio
import collections
import datetime
import decimal
import enum
import fractions
import gc
import inspect
import io
import itertools
import json
import os
import re
import socket
import sys
import threading
import time
import types
import uuid

import hdsample
from hdsample import FOREVER

BIG = 5000   # containers longer than this get "head" instead of the whole repr
HEAD = 20    # items in "head"
DETAIL = 50  # items and entries recorded for show --object

TWINS = {}    # id(object) -> a twin built the same way, whose __dict__ may be touched
HANDLED = {}  # thread ident -> sys.exc_info()[1] as noted by that thread before parking


def twin(factory):
    """``factory()``, with a second ``factory()`` kept as its twin (see the module doc)."""
    original = factory()
    TWINS[id(original)] = factory()
    return original


class Plain:
    """No __repr__ of its own: repr is the default form, exact."""

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def method(self):
        return self.a


class Pretty:
    """Its own __repr__: the converter can't run it (opaque), attributes still given."""

    def __init__(self, value):
        self.value = value
        self.label = "pretty"

    def __repr__(self):
        return "Pretty(%r)" % (self.value,)


class Both:
    """Slots and a __dict__ in one class."""
    __slots__ = ("a", "__dict__")


class SlotBase:
    __slots__ = ("x", "y", "__secret")


class Derived(SlotBase):
    """A dict subclass of a slotted base; slot ``y`` is left unset."""


class Deeper(SlotBase):
    """Slots at two levels, no __dict__."""
    __slots__ = ("w",)


class Node:
    pass


class AppError(Exception):
    """An exception class with attributes in its __dict__."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Step:
    """Awaitable that suspends a coroutine once (its iterator is not a generator)."""

    def __await__(self):
        return iter([None])


def make_both():
    both = Both()
    both.a = [1, 2]
    both.extra = "in dict"
    return both


def make_derived():
    derived = Derived()
    derived.x = 10
    derived._SlotBase__secret = "hidden"
    derived.z = 3
    return derived


def make_deeper():
    deeper = Deeper()
    deeper.x = 1
    deeper.y = 2
    deeper.w = 3
    return deeper


def make_node():
    node = Node()
    node.name = "loop"
    node.me = node
    return node


def helper(x, y=2):
    return x + y


def counter(limit):
    total = 0
    for i in range(limit):
        total += i
        yield i


async def fetch(key):
    attempt = 1
    await Step()
    return key * attempt


async def ticker(limit):
    for tick in range(limit):
        yield tick


def started_coroutine():
    coro = fetch("k")
    coro.send(None)  # runs to `await Step()` and suspends
    return coro


def started_async_generator():
    agen = ticker(3)
    try:
        agen.asend(None).send(None)  # runs to the first `yield tick`
    except StopIteration:
        pass
    return agen


def make_closure():
    captured = 99

    def inner():
        return captured

    return inner


def nested(levels):
    """A list nested ``levels`` deep with a dict and a tuple on the way."""
    value = ["bottom"]
    for level in range(levels):
        if level % 5 == 2:
            value = {"level": value}
        elif level % 5 == 4:
            value = (value,)
        else:
            value = [value]
    return value


def make_kept():
    """A ValueError with __cause__, __context__, a traceback and (3.11+) a note."""
    try:
        try:
            {}["nope"]
        except KeyError:
            raise ValueError("bad", 42) from OSError(2, "No such file")
    except ValueError as caught:
        kept = caught
    if hasattr(kept, "add_note"):
        kept.add_note("while loading")
    return kept


def handler():
    try:
        try:
            raise KeyError("missing")
        except KeyError:
            raise LookupError("wrapped")
    except LookupError as err:
        note = "handling"
        HANDLED[_thread.get_ident()] = sys.exc_info()[1]
        sample.arrive("handler").release(); FOREVER.acquire()


async def on_future_leaf(fut):
    where = "leaf"
    return (where, await fut)[1]


async def on_future(fut):
    where = "middle"
    return [where, await on_future_leaf(fut)][1]


async def on_task(task):
    return await task


async def sleeps():
    await asyncio.sleep(3600)


async def event_loop_main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    first = loop.create_task(on_future(fut), name="on-future")
    second = loop.create_task(on_task(first), name="on-task")
    third = loop.create_task(sleeps())  # the default name
    for _ in range(5):  # let them run to where they wait
        await asyncio.sleep(0)
    me = asyncio.current_task()
    # for the truth; not a global: __main__'s globals are compared by repr
    sample.asyncio_tasks = [me, first, second, third]
    sample.arrive("asyncio").release(); FOREVER.acquire()


def run_loop():
    asyncio.run(event_loop_main())


def producer(limit):
    for i in range(limit):
        if i == 1:
            HANDLED[_thread.get_ident()] = sys.exc_info()[1]
            sample.arrive("producer").release(); FOREVER.acquire()
        yield i


def consume():
    try:
        raise RuntimeError("outer")
    except RuntimeError:
        source = producer(3)
        seen = []
        for value in source:
            seen.append(value)


def hold():
    nothing = None
    flag = True
    number = 42
    huge = 2**100
    real = 2.5
    cplx = complex(1.5, -2)
    text = "héllo"
    long_text = "x" * 10000
    raw = b"\x00ab"
    mutable = bytearray(b"ab\xff")
    items = [1, "two", 3.0, None, (4,), {"five": 5}]
    version = sys.version_info
    klass = Plain
    epoch = time.gmtime(0)
    status = os.stat(__file__)
    pair = (1, "a")
    tags = {1, 2, 3}
    frozen = frozenset({"x"})
    mapping = {"a": 1, "b": [2]}
    span = range(0, 10, 2)
    cut = slice(1, None, 2)
    deep = nested(24)
    looped = [1]
    looped.append(looped)
    self_map = {}
    self_map["me"] = (self_map, looped)
    million = list(range(1000)) * 1000
    big_dict = dict.fromkeys(range(100000), 0)
    plain = twin(lambda: Plain(1, "b"))
    pretty = twin(lambda: Pretty(7))
    both = twin(make_both)
    derived = twin(make_derived)
    deeper = twin(make_deeper)
    node = twin(make_node)
    with_pretty = [pretty, 1]
    kept = make_kept()
    trace = kept.__traceback__
    app_error = AppError("failed", 7)
    paused = counter(3)
    next(paused)
    fresh = counter(5)
    coro = started_coroutine()
    agen = started_async_generator()
    function = helper
    anonymous = lambda x: x + 1
    bound = plain.method
    module = os
    file_module = json
    builtin_module = sys
    cls = Plain
    code = helper.__code__
    cell = make_closure().__closure__[0]
    recent = collections.deque(maxlen=3)
    for n in range(5):
        recent.append(n)
    ordered = collections.OrderedDict([("a", 1), ("b", 2), ("c", 3)])
    ordered.move_to_end("a")
    groups = collections.defaultdict(list)
    groups["k"].append(1)
    counts = collections.Counter("abcab")
    fraction = fractions.Fraction(3, 4)
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    color = Color.RED
    level = Level.HIGH
    aware = datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
    folded = datetime.datetime(2021, 11, 7, 1, 30, fold=1)
    day = datetime.date(2024, 2, 29)
    clock = datetime.time(12, 30, 15, 250)
    delta = datetime.timedelta(-1, 5, 3)
    dec = decimal.Decimal("-1.5E+7")
    nan_dec = decimal.Decimal("NaN")
    pattern = re.compile(r"a.b", re.I | re.M)
    held = threading.Lock()
    held.acquire()
    free = threading.Lock()
    rlock = threading.RLock()
    rlock.acquire()
    rlock.acquire()
    reader = open(__file__, encoding="utf-8")
    writer = open(os.devnull, "wb")
    # text straight over a FileIO, as sys.stderr is when it isn't a terminal
    unbuffered_text = io.TextIOWrapper(open(os.devnull, "wb", buffering=0), encoding="ascii")
    err = sys.stderr
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    view_base = bytearray(b"abc")
    view = memoryview(view_base)
    sample.record(); sample.stop()


# --- the truth's extra keys -------------------------------------------------------------

RLOCK_TYPE = type(threading.RLock())
SIMPLE_KINDS = {
    type(None): "none", bool: "bool", int: "int", float: "float", complex: "complex",
    str: "str", bytes: "bytes", bytearray: "bytearray", list: "list", tuple: "tuple",
    set: "set", frozenset: "frozenset", dict: "dict", range: "range", slice: "slice",
    types.FunctionType: "function", types.MethodType: "method", types.CodeType: "code",
    types.CellType: "cell", types.ModuleType: "module", types.TracebackType: "traceback",
    types.GeneratorType: "generator", types.CoroutineType: "coroutine",
    types.AsyncGeneratorType: "async_generator", collections.deque: "deque",
    collections.OrderedDict: "ordered_dict", collections.defaultdict: "defaultdict",
    collections.Counter: "counter", datetime.datetime: "datetime", datetime.date: "date",
    datetime.time: "time", datetime.timedelta: "timedelta", fractions.Fraction: "fraction",
    uuid.UUID: "uuid", decimal.Decimal: "decimal", re.Pattern: "pattern",
    _thread.LockType: "lock", RLOCK_TYPE: "rlock", memoryview: "memoryview",
    socket.socket: "socket",
}
SEQUENCES = ("list", "tuple", "set", "frozenset", "deque", "struct_seq")
MAPPINGS = ("dict", "ordered_dict", "defaultdict", "counter")
SIZED = ("str", "bytes", "bytearray") + SEQUENCES + MAPPINGS


def kind_of(value):
    """The kind docs/json.md names for ``value``."""
    cls = type(value)
    if isinstance(value, enum.Enum):
        return "enum_member"
    if cls in SIMPLE_KINDS:
        return SIMPLE_KINDS[cls]
    if isinstance(value, type):
        return "type"
    if isinstance(value, BaseException):
        return "exception"
    if isinstance(value, io.IOBase) and cls.__module__ in ("_io", "io"):
        return "file"
    if isinstance(value, tuple) and hasattr(cls, "n_sequence_fields"):
        return "struct_seq"
    if cls.__module__ == "_asyncio" and cls.__name__ in ("Task", "Future"):
        return cls.__name__.lower()
    return "instance"


def expect_exact(value, seen):
    """Whether the converter must print Python's repr exactly (docs/json.md): not for classes
    with their own __repr__ (or a metaclass with one), sockets, nor what shows one in its repr."""
    if id(value) in seen:
        return True
    seen.add(id(value))
    kind = kind_of(value)
    if kind == "socket":
        return False
    if kind in ("task", "future"):
        return False  # their repr lists their callbacks, which the converter doesn't render
    if kind == "type":
        return type(value).__repr__ is type.__repr__
    if kind == "instance":
        return type(value).__repr__ is object.__repr__
    if kind == "exception":
        return (type(value).__repr__ is BaseException.__repr__
                and all(expect_exact(arg, seen) for arg in value.args))
    if kind in SEQUENCES:
        return all(expect_exact(item, seen) for item in value)
    if kind in MAPPINGS:
        if kind == "defaultdict" and not expect_exact(value.default_factory, seen):
            return False
        return all(expect_exact(k, seen) and expect_exact(v, seen) for k, v in value.items())
    if kind == "method":
        return expect_exact(value.__self__, seen)
    return True


def instance_dict(value):
    """The instance's __dict__ without making one: through its twin for instances, and for
    exceptions only when gc shows it has one (BaseException.__dict__ creates it)."""
    if kind_of(value) == "exception":
        if not any(type(r) is dict for r in gc.get_referents(value)):
            return None
        return value.__dict__
    source = TWINS.get(id(value))
    if source is None:
        source = value  # not one of ours (threading's objects): reading it is harmless
    return getattr(source, "__dict__", None)


def slot_names(cls):
    """Names of the slots of ``cls`` and its bases, in the order of copyreg._slotnames:
    the MRO from the class itself, each class's __slots__ as declared, private names mangled,
    __dict__ and __weakref__ left out."""
    names = []
    for c in cls.__mro__:
        slots = c.__dict__.get("__slots__")
        if slots is None:
            continue
        if isinstance(slots, str):
            slots = (slots,)
        for name in slots:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = "_%s%s" % (c.__name__.lstrip("_"), name)
            names.append(name)
    return names


def attributes(value):
    """Name -> value: the __dict__ in its order, then the slots that are set."""
    found = []
    own = instance_dict(value)
    if own:
        found.extend((name, getattr(value, name)) for name in own)
    if kind_of(value) == "instance":
        for name in slot_names(type(value)):
            try:
                found.append((name, getattr(value, name)))
            except AttributeError:
                pass  # an unset slot
    return found


def details(value, depth=1):
    """The extra keys of a value's truth entry (see the module doc)."""
    kind = kind_of(value)
    extra = {"kind": kind, "exact": expect_exact(value, set())}
    try:
        extra["size"] = sys.getsizeof(value)
    except TypeError:
        pass
    if kind in SIZED:
        extra["length"] = len(value)
    if kind in SEQUENCES + MAPPINGS and len(value) > BIG:
        extra["repr"] = None
        if kind in SEQUENCES:
            extra["head"] = repr(list(itertools.islice(value, HEAD)))
        else:
            extra["head"] = repr(dict(itertools.islice(value.items(), HEAD)))
    if kind == "socket":
        extra["summary"] = {"fd": value.fileno(), "family": int(value.family),
                            "type": int(value.type), "proto": value.proto}
    if kind in ("instance", "exception") and depth > 0:
        found = attributes(value)
        if found or kind == "instance":
            extra["attributes"] = {name: entry(attr, depth - 1) for name, attr in found}
    return extra


def entry(value, depth=1):
    return hdsample.value_entry(value, lambda v: details(v, depth))


GENERATOR_PREFIX = {"generator": "gi", "coroutine": "cr", "async_generator": "ag"}


def generator_state(value):
    kind = kind_of(value)
    if kind == "generator":
        state = inspect.getgeneratorstate(value)
    elif kind == "coroutine":
        state = inspect.getcoroutinestate(value)
    elif hasattr(inspect, "getasyncgenstate"):  # 3.12+
        state = inspect.getasyncgenstate(value)
    elif value.ag_running:
        state = "AGEN_RUNNING"
    elif value.ag_frame is None:
        state = "AGEN_CLOSED"
    elif value.ag_frame.f_lineno == value.ag_code.co_firstlineno:
        # 3.8-3.11 have no ag_suspended; a started async generator of this sample is never
        # on its `async def` line.
        state = "AGEN_CREATED"
    else:
        state = "AGEN_SUSPENDED"
    return {"CREATED": "created", "RUNNING": "running", "SUSPENDED": "suspended",
            "CLOSED": "finished"}[state.split("_", 1)[1]]


def generators_in(values):
    """Generators, coroutines and async generators among ``values``, in containers and
    attributes one level down too, and what they await."""
    found = {}

    def visit(value, level):
        kind = kind_of(value)
        if kind in GENERATOR_PREFIX:
            if id(value) not in found:
                found[id(value)] = value
                prefix = GENERATOR_PREFIX[kind]
                awaited = getattr(value, {"gi": "gi_yieldfrom", "cr": "cr_await",
                                          "ag": "ag_await"}[prefix], None)
                if awaited is not None:
                    visit(awaited, level)
        elif level < 2 and kind in SEQUENCES and len(value) <= BIG:
            for item in value:
                visit(item, level + 1)
        elif level < 2 and kind in MAPPINGS and len(value) <= BIG:
            for item in value.values():
                visit(item, level + 1)
        elif level < 2 and kind == "instance":
            for _, attr in attributes(value):
                visit(attr, level + 1)

    for value in values:
        visit(value, 0)
    return list(found.values())


def generator_entry(value):
    kind = kind_of(value)
    prefix = GENERATOR_PREFIX[kind]
    frame = getattr(value, prefix + "_frame")
    code = getattr(value, prefix + "_code")
    awaited = getattr(value, {"gi": "gi_yieldfrom", "cr": "cr_await", "ag": "ag_await"}[prefix])
    return {"kind": kind, "name": value.__name__, "qualname": value.__qualname__,
            "state": generator_state(value), "address": hex(id(value)),
            "awaiting": None if awaited is None else hex(id(through_future_iter(awaited))),
            "first_line": code.co_firstlineno,
            "frames": [] if frame is None else [hdsample.frame_entry(frame, details=details)]}


def through_future_iter(awaited):
    """What a coroutine awaits, as the converter names it: a future's ``__await__`` iterator
    (the C ``FutureIter``) stands for its future, the one object it refers to."""
    if type(awaited).__name__ == "FutureIter":
        # (a heap type's instances also refer to their type, 3.12+)
        (future,) = [r for r in gc.get_referents(awaited) if isinstance(r, asyncio.Future)]
        return future
    return awaited


def task_entry(task):
    """A pending task: name, waiter, its chain of coroutines and what the innermost awaits."""
    chain = []
    awaited = task.get_coro()
    end = None
    while awaited is not None:
        if isinstance(awaited, types.CoroutineType):
            frame, awaited_next = awaited.cr_frame, awaited.cr_await
        elif isinstance(awaited, types.GeneratorType):
            frame, awaited_next = awaited.gi_frame, awaited.gi_yieldfrom
        else:
            end = through_future_iter(awaited)
            break
        chain.append({"qualname": awaited.__qualname__,
                      "line": None if frame is None else frame.f_lineno})
        awaited = awaited_next
    waiter = task._fut_waiter
    return {"name": task.get_name(), "address": hex(id(task)),
            "waiting_on": None if waiter is None else hex(id(waiter)),
            "chain": chain, "end": None if end is None else hex(id(end))}


def traceback_entries(tb):
    found = []
    while tb is not None:
        code = tb.tb_frame.f_code
        found.append({"function": code.co_name, "qualname": getattr(code, "co_qualname", code.co_name),
                      "file": code.co_filename, "line": tb.tb_lineno})
        tb = tb.tb_next
    return found


def object_entry(name, value):
    """What `show --object` must say about ``value`` (the local ``name``)."""
    kind = kind_of(value)
    found = {"name": name, "address": hex(id(value)), "value": entry(value)}
    if kind in SEQUENCES:
        found["length"] = len(value)
        found["items"] = [entry(item, 0) for item in itertools.islice(value, DETAIL)]
    elif kind in MAPPINGS:
        found["length"] = len(value)
        found["entries"] = [[entry(k, 0), entry(v, 0)]
                            for k, v in itertools.islice(value.items(), DETAIL)]
    elif kind == "exception":
        fields = {"args": entry(value.args, 0),
                  "__cause__": None if value.__cause__ is None else entry(value.__cause__, 0),
                  "__context__": None if value.__context__ is None else entry(value.__context__, 0),
                  "__suppress_context__": value.__suppress_context__,
                  "__traceback__": None if value.__traceback__ is None else entry(value.__traceback__, 0)}
        if hasattr(value, "__notes__"):
            fields["__notes__"] = entry(value.__notes__, 0)
        found["fields"] = fields
        found["traceback"] = traceback_entries(value.__traceback__)
    elif kind == "type":
        # the dict itself (value.__dict__ is a mappingproxy of it): types traverse tp_dict
        (tp_dict,) = [r for r in gc.get_referents(value) if type(r) is dict]
        found["fields"] = {"__dict__": entry(tp_dict, 0)}
    elif kind in GENERATOR_PREFIX:
        generator = generator_entry(value)
        found["state"] = generator["state"]
        found["frames"] = generator["frames"]
    return found


# The locals whose `show --object` is checked.
OBJECT_LOCALS = ("items", "big_dict", "recent", "both", "derived", "pretty", "kept", "app_error",
                 "klass",
                 "paused")


def extend(truth):
    hold_frame = sys._getframe()
    while hold_frame.f_code is not hold.__code__:
        hold_frame = hold_frame.f_back
    current = sys._current_frames()
    current[_thread.get_ident()] = hold_frame  # not this function's nor record's frames
    held = []
    for thread in truth["threads"]:
        exception = HANDLED.get(thread["ident"])
        thread["exception"] = None if exception is None else entry(exception)
        frame = current.get(thread["ident"])
        while frame is not None:
            if frame.f_code.co_flags & hdsample.CO_OPTIMIZED:
                held.extend(dict(frame.f_locals).values())
            frame = frame.f_back
    truth["suspended"] = [generator_entry(g) for g in generators_in(held)]
    truth["tasks"] = [task_entry(t) for t in sample.asyncio_tasks]
    locals_ = dict(hold_frame.f_locals)
    truth["objects"] = [object_entry(name, locals_[name]) for name in OBJECT_LOCALS]
    truth["globals"] = {"name": "globals of __main__ (interpreter 0)",
                        "value": entry(vars(sys.modules["__main__"]))}
    truth["sys_namespace"] = {"name": "namespace of sys (interpreter 0)",
                              "entries": {key: repr(getattr(sys, key)) for key in
                                          ("argv", "version_info", "flags", "platform",
                                           "hexversion", "float_info", "maxsize")}}


sample = hdsample.Sample(__doc__, details=details, extend=extend)


def main():
    sample.start("asyncio", run_loop)
    sample.start("handler", handler)
    sample.start("producer", consume)
    sample.wait()
    hold()


if __name__ == "__main__":
    main()
