//! Objects of the standard library's C modules, whose structs live in `.c` files that aren't
//! installed (`Modules/_collectionsmodule.c`, `Objects/odictobject.c`, `Modules/_threadmodule.c`,
//! `Modules/_sre/sre.h`, `Modules/_io/*.c`, `Modules/socketmodule.h`, `Modules/_decimal/`,
//! `Modules/_asynciomodule.c`), and NumPy's `ndarray`.
//!
//! The numbers are typed in from each version's source (cited per table) and checked against
//! live interpreters by `scripts/check_stdlib_layouts.py`, which reads real objects through
//! them with ctypes.

/// Offsets of the stdlib C objects of one CPython minor version (x86_64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdlibLayout {
    pub version: (u8, u8),
    pub deque: DequeLayout,
    pub defaultdict: DefaultDictLayout,
    pub odict: ODictLayout,
    pub lock: LockLayout,
    pub rlock: RLockLayout,
    pub pattern: PatternLayout,
    pub fileio: FileIoLayout,
    pub buffered: BufferedLayout,
    pub textio: TextIoLayout,
    pub socket: SocketLayout,
    pub decimal: DecimalLayout,
    pub timezone: TimeZoneLayout,
    pub asyncio: AsyncioLayout,
    /// `enum.EnumType.__repr__` shows a `Flag` class as `<flag 'X'>` (3.11+), not
    /// `<enum 'X'>` (`Lib/enum.py`).
    pub enum_flag_repr: bool,
}

/// `PyDateTime_TimeZone` (`Modules/_datetimemodule.c`): `offset` (a timedelta) and `name`
/// (a str or NULL) after the object header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneLayout {
    pub offset: u64,
    pub name: u64,
}

/// `FutureObj` and `TaskObj` of `_asyncio` (`Modules/_asynciomodule.c`).
///
/// These are `asyncio.Future` and `asyncio.Task` (and their subclasses) whenever the C
/// accelerator is used, which is the default; the pure-Python `asyncio.futures._PyFuture` /
/// `asyncio.tasks._PyTask` are ordinary instances with their state in the instance dict.
/// `TaskObj` starts with the same fields as `FutureObj` (`FutureObj_HEAD(task)`), so the
/// `fut_*` offsets apply to tasks too. Every pointer field may be NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsyncioLayout {
    /// FutureObj fields (also the start of TaskObj): fut_loop, fut_state (an enum: int), fut_result, fut_exception (PyObject*).
    ///
    /// `fut_loop` is the event loop (`fut.get_loop()`).
    pub fut_loop: u64,
    /// `fut_state`, a C enum (4-byte `int`): compare with `state_pending`, `state_cancelled`,
    /// `state_finished` (what `fut._state` reports as 'PENDING', 'CANCELLED', 'FINISHED').
    pub fut_state: u64,
    /// `fut_result`: the result once FINISHED without an exception (a None result is a
    /// pointer to None), else NULL.
    pub fut_result: u64,
    /// `fut_exception`: the exception instance of a future FINISHED with an exception
    /// (`fut.exception()`), else NULL. A cancelled future or task has state CANCELLED and both
    /// `fut_result` and `fut_exception` NULL (the CancelledError kept for `result()` is in
    /// other fields).
    pub fut_exception: u64,
    /// `fut_state` values: PENDING, CANCELLED, FINISHED.
    pub state_pending: i32,
    pub state_cancelled: i32,
    pub state_finished: i32,
    /// TaskObj: task_fut_waiter (the future it awaits, or NULL), task_coro, task_name.
    ///
    /// `task_fut_waiter` is `task._fut_waiter`: the future (or task: a task awaiting another
    /// task waits on it directly) whose completion will wake the task; NULL while the task is
    /// not blocked on a future (not started yet, scheduled to run after a bare `yield`, e.g.
    /// `asyncio.sleep(0)`, running, or done).
    pub task_fut_waiter: u64,
    /// `task_coro`: the coroutine the task runs (`task.get_coro()`); still set once done. What
    /// it awaits is read through the generator's [`super::YieldFrom`], down the chain of
    /// coroutines to the iterator of the awaited future (`future_iter_future`).
    pub task_coro: u64,
    /// `task_name`: a str; on 3.12+ a task created without a name holds an int N instead,
    /// meaning "Task-N" (formatting is deferred until `get_name()` first replaces it by the
    /// str).
    pub task_name: u64,
    /// `futureiterobject.future` (a `FutureObj *`): what `await fut` delegates to is the
    /// `_asyncio.FutureIter` returned by `fut.__await__()`, whose only field is the future.
    pub future_iter_future: u64,
}

/// `dequeobject` and its `block`s (`Modules/_collectionsmodule.c`). The length is `ob_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DequeLayout {
    pub leftblock: u64,
    pub rightblock: u64,
    pub leftindex: u64,
    pub rightindex: u64,
    /// `maxlen`, a Py_ssize_t, -1 when unbounded.
    pub maxlen: u64,
    /// `BLOCKLEN`: items per block.
    pub block_len: u64,
    /// Within a `block`: `leftlink`, `data[BLOCKLEN]`, `rightlink`.
    pub block_leftlink: u64,
    pub block_data: u64,
    pub block_rightlink: u64,
}

/// `defdictobject`: a dict followed by `default_factory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultDictLayout {
    pub default_factory: u64,
}

/// `PyODictObject` and `_odictnode` (`Objects/odictobject.c`): iteration follows the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ODictLayout {
    pub od_first: u64,
    /// Within an `_odictnode`.
    pub node_key: u64,
    pub node_next: u64,
    /// `repr()` is `OrderedDict({...})` (3.12+), not `OrderedDict([(k, v), ...])`.
    pub repr_as_dict: bool,
}

/// `lockobject` of `_thread` (`threading.Lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockLayout {
    /// `char locked` (3.8–3.12).
    LockedChar { locked: u64 },
    /// A `PyMutex` (one byte) whose bit `locked_bit` is set when held (3.13+).
    Mutex { mutex: u64, locked_bit: u8 },
}

/// `rlockobject` of `_thread` (`threading.RLock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RLockLayout {
    /// `rlock_owner`: the owner's thread ident (an `unsigned long`), 0 when not held.
    pub rlock_owner: u64,
    /// `rlock_count`: recursion depth (an `unsigned long`, or `size_t`).
    pub rlock_count: u64,
}

/// `PatternObject` of `_sre` (`re.Pattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternLayout {
    pub groups: u64,
    /// `pattern`: the str or bytes it was compiled from (may be None).
    pub pattern: u64,
    /// `flags`, an int.
    pub flags: u64,
}

/// `fileio` of `_io` (`io.FileIO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIoLayout {
    /// `fd`, an int (-1 when closed).
    pub fd: u64,
    /// Bit fields or chars `created`, `readable`, `writable`, `appending`, read as bytes.
    pub created: u64,
    pub readable: u64,
    pub writable: u64,
    pub appending: u64,
    /// `dict`: the instance dict, where `name` and `mode` attributes live.
    pub dict: u64,
}

/// `buffered` of `_io` (`BufferedReader`, `BufferedWriter`, `BufferedRandom`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferedLayout {
    /// `raw`: the underlying raw file (a `FileIO` usually).
    pub raw: u64,
    /// `dict`: the instance dict.
    pub dict: u64,
}

/// `textio` of `_io` (`TextIOWrapper`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextIoLayout {
    /// `buffer`: the buffered file below.
    pub buffer: u64,
    /// `encoding`: a str.
    pub encoding: u64,
    /// `dict`: the instance dict (holds `mode` when `open()` set it).
    pub dict: u64,
}

/// `PySocketSockObject` (`Modules/socketmodule.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketLayout {
    /// `sock_fd` (an int on POSIX), `sock_family`, `sock_type`, `sock_proto` (ints).
    pub sock_fd: u64,
    pub sock_family: u64,
    pub sock_type: u64,
    pub sock_proto: u64,
}

/// `PyDecObject` of `_decimal` and the `mpd_t` inside it (libmpdec, 64-bit: base 10**19
/// limbs, least significant first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalLayout {
    /// Where the `mpd_t` is in the object.
    pub dec: u64,
    /// Within the `mpd_t`: `flags` (u8), `exp`, `digits`, `len`, `alloc` (Py_ssize_t), `data`.
    pub flags: u64,
    pub exp: u64,
    pub digits: u64,
    pub len: u64,
    pub data: u64,
}

/// NumPy's `PyArrayObject_fields` and `PyArray_Descr` (stable in NumPy's C ABI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NdArrayLayout {
    pub data: u64,
    pub nd: u64,
    pub dimensions: u64,
    pub strides: u64,
    pub base: u64,
    pub descr: u64,
    pub flags: u64,
    /// Within `PyArray_Descr`: `kind` (char), `type` (char), `byteorder` (char), `type_num`
    /// (int), `elsize` (int on NumPy 1.x; Py_ssize_t on 2.x).
    pub descr_kind: u64,
    pub descr_type: u64,
    pub descr_byteorder: u64,
    pub descr_type_num: u64,
    pub descr_elsize: u64,
}
