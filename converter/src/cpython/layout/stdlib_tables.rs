use super::stdlib::*;

// Per-version tables of the stdlib C objects (see `stdlib.rs` for what each field is) and of
// NumPy's ndarray, for x86_64 (LP64, ptr_size 8).
//
// Where the numbers come from: the struct definitions were copied verbatim out of each
// version's source files (cited above each table) into a C program that was compiled with
// gcc -m64 against that version's own installed `Python.h` (for `PyObject_HEAD`,
// `PyDictObject`, `Py_ssize_t`, ...) and printed `offsetof()`; the same program printed
// `sizeof()`, which matched `tp_basicsize` of the live types of every version. Every number is
// then read back from real objects by `scripts/check_stdlib_layouts.py`, which parses this
// file (keep the `field: number` literal form, no arithmetic, so it can).
//
// What changed between versions, and why the offsets below still don't:
//   * 3.11: `dequeobject` gained `numfreeblocks` and `freeblocks[MAXFREEBLOCKS]` (16 block
//     pointers) after `maxlen`, so `sizeof` grew from 80 to 216; fields up to `maxlen` are
//     unchanged.
//   * 3.12: `odict_repr` prints a dict copy (`OrderedDict({...})`, `repr_as_dict`);
//     `textio` gained `_PyIO_State *state` at its end (192 -> 200 bytes) and
//     `PySocketSockObject` gained `struct _socket_state *state` at its end (48 -> 56).
//   * 3.13: `rlockobject.rlock_owner` became a `PyThread_ident_t` (`unsigned long long`,
//     Include/internal/pycore_pythread.h) instead of `unsigned long`: same size and offset on
//     LP64. `dequeobject` and `textio` became `struct NAME {...}` (same fields).
//     `lockobject` is NOT a `PyMutex` in 3.13.0: it is still `{PyObject_HEAD;
//     PyThread_type_lock lock_lock; PyObject *in_weakreflist; char locked;}`, and RLock still
//     has `rlock_lock`/`rlock_owner`/`rlock_count`. `LockLayout::Mutex` is for 3.14, whose
//     `_thread.lock` is `{PyObject_HEAD; PyMutex lock;}` (mutex at 16, bit 0 `_Py_LOCKED`,
//     bit 1 `_Py_HAS_PARKED`) and whose RLock is `{PyObject_HEAD; _PyRecursiveMutex lock;}`
//     with `_PyRecursiveMutex {PyMutex mutex; unsigned long long thread; size_t level;}`
//     (owner thread ident at 24, level at 32 by the same arithmetic); no 3.14 table is given
//     here and neither 3.14 layout was checked against a live interpreter.
//   * `PatternObject`, `fileio`, `buffered`, `defdictobject`, `PyODictObject`/`_odictnode`,
//     `PyDecObject` and `mpd_t` are the same in 3.8-3.13.
//   * `FutureObj` / `TaskObj` of `_asyncio` (Modules/_asynciomodule.c) change in every
//     version but 3.12 (see the comment above each `asyncio:` entry): 3.9 added
//     `fut_cancel_msg` before `fut_state` and a `_PyErr_StackItem` before the Task fields,
//     3.10 `fut_exception_tb` before `fut_result`, 3.11 replaced that `_PyErr_StackItem` by a
//     `PyObject *`, 3.13 dropped `dict`/`fut_weakreflist` (managed dict and weakrefs), moved
//     `fut_cancelled_exc` before `fut_state` and put the Task's int fields before its
//     pointers. `fut_loop` (16) and `fut_exception` (48) never move; the `fut_state` enum
//     (PENDING 0, CANCELLED 1, FINISHED 2) is the same in all. `sizeof` of both structs
//     matched `_asyncio.Future.__basicsize__` / `_asyncio.Task.__basicsize__` in every
//     version.

/// CPython 3.8.
///
/// Source: the CPython 3.8.16 release tree imported in github `zhaoning999/cpython-3.8.16`,
/// root commit bb23212822daaf14361a0b5518734b1d278ec857 (`Include/patchlevel.h` says
/// "3.8.16"; the later commits there change none of the files used):
/// Modules/_collectionsmodule.c (`block`, `dequeobject`, `defdictobject`,
/// `BLOCKLEN 64`), Objects/odictobject.c (`struct _odictobject`, `struct _odictnode`),
/// Modules/_threadmodule.c (`lockobject`, `rlockobject`), Modules/sre.h (`PatternObject`),
/// Modules/_io/fileio.c (`fileio`), Modules/_io/bufferedio.c (`buffered`),
/// Modules/_io/textio.c (`textio`), Modules/socketmodule.h (`PySocketSockObject`),
/// Modules/_decimal/_decimal.c (`PyDecObject`), Modules/_decimal/libmpdec/mpdecimal.h
/// (`mpd_t`), Modules/_asynciomodule.c (`fut_state`, `FutureObj_HEAD`, `FutureObj`,
/// `TaskObj`). Live-checked on 3.8.18.
///
/// Reading the objects (all versions):
/// * deque, items in order: `n = ob_size` (offset 16); `b = leftblock`, `i = leftindex`;
///   `n` times: item = `*(b + block_data + 8*i)`, `i += 1`, and when `i == block_len`:
///   `b = *(b + block_rightlink)`, `i = 0`. The last item is `rightblock[rightindex]`. Count
///   by `ob_size`, never by links: the outer links of the end blocks are set to NULL only in
///   `NDEBUG`-less builds (`MARK_END`), in release builds they are stale. An empty deque has
///   `leftindex == 32`, `rightindex == 31` (`CENTER + 1`, `CENTER`). `maxlen` is -1 when
///   unbounded.
/// * defaultdict: a plain dict (`PyDictObject`, 48 bytes) followed by `default_factory`
///   (NULL when None was given or none at all).
/// * OrderedDict: iteration order (iter, keys(), items(), repr) is the node list `od_first`
///   -> `next` ... (NULL-terminated); a node holds `key`, `hash`, `next`, `prev` but no value:
///   look the value up in the underlying dict. The dict's own entry order is insertion order
///   and does NOT follow `move_to_end()`, so don't use it for an OrderedDict. `repr()` is
///   `OrderedDict([(k, v), ...])` up to 3.11 and `OrderedDict({k: v, ...})` from 3.12
///   (`odict_repr` formats a `PyDict_Copy`, which copies in node order), `OrderedDict()` when
///   empty in both (`repr_as_dict`).
/// * Lock: `locked` is a `char`, 1 while held (kept by acquire/release for sanity checks).
/// * RLock: `rlock_owner` is the owner's thread ident, i.e. `threading.get_ident()`
///   (`PyThread_get_thread_ident()`, `pthread_self()` on Linux, the same value as
///   `PyThreadState.thread_id`; not the kernel TID), 0 when free; `rlock_count` is the
///   recursion depth.
/// * re.Pattern: `flags` is the full flag word (`pattern.flags`, e.g. `re.UNICODE` is
///   included for str patterns); `groups` is `pattern.groups`.
/// * _io: FileIO's `name` lives in its instance dict (`fileio.dict`, set by
///   `FileIO.__init__`: the str/bytes path or the int fd given to open()); its `mode` is not
///   stored, the getter derives it from the bit fields (see [`FileIoLayout::CREATED_BIT`]):
///   created -> "xb", appending -> "ab", readable and writable -> "rb+", readable -> "rb",
///   else "wb", with "+" added to "xb"/"ab" when also readable. `fd` is -1 once closed (that is
///   `closed`). Buffered objects store neither: `name`/`mode` are properties forwarding to
///   `raw`. open() in text mode stores the mode string it was given ("r", "w", "a", ...) as
///   `mode` in the TextIOWrapper's instance dict; a TextIOWrapper's `name` is a property
///   reading `buffer.name`, i.e. `textio.buffer` -> `buffered.raw` -> `fileio.dict["name"]`.
///   Instance dict pointers are NULL until something is stored.
/// * socket: `sock_fd` is -1 once closed; `sock_type` is what `sock.type` returns.
/// * Decimal: the `mpd_t` is embedded at `dec`. `flags` (u8): `MPD_NEG` 1, `MPD_INF` 2,
///   `MPD_NAN` 4, `MPD_SNAN` 8 (special = flags & 14), then storage bits `MPD_STATIC` 16,
///   `MPD_STATIC_DATA` 32, `MPD_SHARED_DATA` 64, `MPD_CONST_DATA` 128 (constants on
///   [`DecimalLayout`]). Value = (-1)^(flags & 1) * coefficient * 10^exp with coefficient =
///   sum(data[k] * 10^(19*k)) for k < len: u64 limbs in base 10^19 (`MPD_RADIX`, 64-bit
///   build), least significant first; `digits` is the coefficient's number of decimal digits.
///   A NaN's payload is its coefficient; an infinity or a NaN without payload has `len` 0
///   and `digits` 0 (don't read `data` then). Every Decimal object has `MPD_STATIC` set (the
///   `mpd_t` is embedded); coefficients of up to 4 limbs use the object's own inline limbs
///   (`PyDecObject.data`, object + 72, `MPD_STATIC_DATA` set), larger ones heap memory.
pub const V3_8: StdlibLayout = StdlibLayout {
    version: (3, 8),
    deque: DequeLayout {
        leftblock: 24,
        rightblock: 32,
        leftindex: 40,
        rightindex: 48,
        maxlen: 64,
        block_len: 64,
        block_leftlink: 0,
        block_data: 8,
        block_rightlink: 520,
    },
    defaultdict: DefaultDictLayout {
        default_factory: 48,
    },
    odict: ODictLayout {
        od_first: 48,
        node_key: 0,
        node_next: 16,
        repr_as_dict: false,
    },
    lock: LockLayout::LockedChar { locked: 32 },
    rlock: RLockLayout {
        rlock_owner: 24,
        rlock_count: 32,
    },
    pattern: PatternLayout {
        groups: 24,
        pattern: 48,
        flags: 56,
    },
    fileio: FileIoLayout {
        fd: 16,
        created: 20,
        readable: 20,
        writable: 20,
        appending: 20,
        dict: 40,
    },
    buffered: BufferedLayout { raw: 16, dict: 136 },
    textio: TextIoLayout {
        buffer: 32,
        encoding: 40,
        dict: 184,
    },
    socket: SocketLayout {
        sock_fd: 16,
        sock_family: 20,
        sock_type: 24,
        sock_proto: 28,
    },
    decimal: DecimalLayout {
        dec: 24,
        flags: 0,
        exp: 8,
        digits: 16,
        len: 24,
        data: 40,
    },
    // PyDateTime_TimeZone { PyObject_HEAD; PyObject *offset; PyObject *name; }, the same in
    // every version's Modules/_datetimemodule.c.
    timezone: TimeZoneLayout {
        offset: 16,
        name: 24,
    },
    // FutureObj_HEAD(fut): PyObject_HEAD, fut_loop, fut_callback0, fut_context0,
    // fut_callbacks, fut_exception, fut_result, fut_source_tb (PyObject *), fut_state
    // (fut_state enum), int fut_log_tb, int fut_blocking, dict, fut_weakreflist; TaskObj then
    // task_fut_waiter, task_coro, task_name, task_context. sizeof 104 / 144 = tp_basicsize.
    asyncio: AsyncioLayout {
        fut_loop: 16,
        fut_state: 72,
        fut_result: 56,
        fut_exception: 48,
        state_pending: 0,
        state_cancelled: 1,
        state_finished: 2,
        task_fut_waiter: 104,
        task_coro: 112,
        task_name: 120,
        future_iter_future: 16,
    },
    enum_flag_repr: false,
};

/// CPython 3.9.
///
/// Source: the CPython 3.9.18 release tree imported in github `Poeagle/cpython3918`, root
/// commit 045a0591a6a0986ac5034e76c1c52385f5d1da38 ("3.9.18" in `Include/patchlevel.h`; the
/// later commits of that repository touch none of the files used): the same files as 3.8
/// (Modules/sre.h for `PatternObject`). Every struct used is identical to 3.8's but
/// `FutureObj`/`TaskObj` (`fut_cancel_msg` and `fut_cancelled_exc_state` added). Live-checked
/// on 3.9.18. See [`V3_8`] for how to read the objects.
pub const V3_9: StdlibLayout = StdlibLayout {
    version: (3, 9),
    deque: DequeLayout {
        leftblock: 24,
        rightblock: 32,
        leftindex: 40,
        rightindex: 48,
        maxlen: 64,
        block_len: 64,
        block_leftlink: 0,
        block_data: 8,
        block_rightlink: 520,
    },
    defaultdict: DefaultDictLayout {
        default_factory: 48,
    },
    odict: ODictLayout {
        od_first: 48,
        node_key: 0,
        node_next: 16,
        repr_as_dict: false,
    },
    lock: LockLayout::LockedChar { locked: 32 },
    rlock: RLockLayout {
        rlock_owner: 24,
        rlock_count: 32,
    },
    pattern: PatternLayout {
        groups: 24,
        pattern: 48,
        flags: 56,
    },
    fileio: FileIoLayout {
        fd: 16,
        created: 20,
        readable: 20,
        writable: 20,
        appending: 20,
        dict: 40,
    },
    buffered: BufferedLayout { raw: 16, dict: 136 },
    textio: TextIoLayout {
        buffer: 32,
        encoding: 40,
        dict: 184,
    },
    socket: SocketLayout {
        sock_fd: 16,
        sock_family: 20,
        sock_type: 24,
        sock_proto: 28,
    },
    decimal: DecimalLayout {
        dec: 24,
        flags: 0,
        exp: 8,
        digits: 16,
        len: 24,
        data: 40,
    },
    // PyDateTime_TimeZone { PyObject_HEAD; PyObject *offset; PyObject *name; }, the same in
    // every version's Modules/_datetimemodule.c.
    timezone: TimeZoneLayout {
        offset: 16,
        name: 24,
    },
    // 3.9 added fut_cancel_msg after fut_source_tb and a _PyErr_StackItem (4 pointers)
    // fut_cancelled_exc_state after fut_weakreflist. sizeof 144 / 184 = tp_basicsize.
    asyncio: AsyncioLayout {
        fut_loop: 16,
        fut_state: 80,
        fut_result: 56,
        fut_exception: 48,
        state_pending: 0,
        state_cancelled: 1,
        state_finished: 2,
        task_fut_waiter: 144,
        task_coro: 152,
        task_name: 160,
        future_iter_future: 16,
    },
    enum_flag_repr: false,
};

/// CPython 3.10.
///
/// Source: the CPython 3.10.7 release tree imported in github
/// `Shiori-Takanashi/CPython-3.10.7-RE`, root commit 1ec1582abed62762f30b398a544158fe9efbf979
/// ("3.10.7" in `Include/patchlevel.h`): the same files as 3.8 (Modules/sre.h for
/// `PatternObject`). Every struct used is identical to 3.8's but `FutureObj`/`TaskObj` (3.9's
/// and `fut_exception_tb`). Live-checked on 3.10.13. See [`V3_8`] for how to read the
/// objects.
pub const V3_10: StdlibLayout = StdlibLayout {
    version: (3, 10),
    deque: DequeLayout {
        leftblock: 24,
        rightblock: 32,
        leftindex: 40,
        rightindex: 48,
        maxlen: 64,
        block_len: 64,
        block_leftlink: 0,
        block_data: 8,
        block_rightlink: 520,
    },
    defaultdict: DefaultDictLayout {
        default_factory: 48,
    },
    odict: ODictLayout {
        od_first: 48,
        node_key: 0,
        node_next: 16,
        repr_as_dict: false,
    },
    lock: LockLayout::LockedChar { locked: 32 },
    rlock: RLockLayout {
        rlock_owner: 24,
        rlock_count: 32,
    },
    pattern: PatternLayout {
        groups: 24,
        pattern: 48,
        flags: 56,
    },
    fileio: FileIoLayout {
        fd: 16,
        created: 20,
        readable: 20,
        writable: 20,
        appending: 20,
        dict: 40,
    },
    buffered: BufferedLayout { raw: 16, dict: 136 },
    textio: TextIoLayout {
        buffer: 32,
        encoding: 40,
        dict: 184,
    },
    socket: SocketLayout {
        sock_fd: 16,
        sock_family: 20,
        sock_type: 24,
        sock_proto: 28,
    },
    decimal: DecimalLayout {
        dec: 24,
        flags: 0,
        exp: 8,
        digits: 16,
        len: 24,
        data: 40,
    },
    // PyDateTime_TimeZone { PyObject_HEAD; PyObject *offset; PyObject *name; }, the same in
    // every version's Modules/_datetimemodule.c.
    timezone: TimeZoneLayout {
        offset: 16,
        name: 24,
    },
    // 3.10 added fut_exception_tb after fut_exception. sizeof 152 / 192 = tp_basicsize.
    asyncio: AsyncioLayout {
        fut_loop: 16,
        fut_state: 88,
        fut_result: 64,
        fut_exception: 48,
        state_pending: 0,
        state_cancelled: 1,
        state_finished: 2,
        task_fut_waiter: 152,
        task_coro: 160,
        task_name: 168,
        future_iter_future: 16,
    },
    enum_flag_repr: false,
};

/// CPython 3.11.
///
/// Source: the CPython 3.11 branch tree (`Include/patchlevel.h` "3.11.11+") imported in
/// github `shane-mf/cpython-3.11`, root commit ecae2bb81a42eab7ae199cbf75228f558f396581 (the
/// later commits there change only Modules/posixmodule.c among Modules/, Objects/ and
/// Include/): the same files as 3.8, with `PatternObject` now in Modules/_sre/sre.h.
/// Difference from 3.10: `dequeobject` has `numfreeblocks` and `freeblocks[16]` after
/// `maxlen` (offsets below unchanged); in `FutureObj` the `_PyErr_StackItem
/// fut_cancelled_exc_state` became `PyObject *fut_cancelled_exc` (so the Task fields move)
/// and `TaskObj` ends with `task_num_cancels_requested`. Live-checked on 3.11.7 and Debian's
/// 3.11.2
/// (`/usr/bin/python3.11` and the debug build `/usr/bin/python3.11d`, whose structs are the
/// same). See [`V3_8`] for how to read the objects.
pub const V3_11: StdlibLayout = StdlibLayout {
    version: (3, 11),
    deque: DequeLayout {
        leftblock: 24,
        rightblock: 32,
        leftindex: 40,
        rightindex: 48,
        maxlen: 64,
        block_len: 64,
        block_leftlink: 0,
        block_data: 8,
        block_rightlink: 520,
    },
    defaultdict: DefaultDictLayout {
        default_factory: 48,
    },
    odict: ODictLayout {
        od_first: 48,
        node_key: 0,
        node_next: 16,
        repr_as_dict: false,
    },
    lock: LockLayout::LockedChar { locked: 32 },
    rlock: RLockLayout {
        rlock_owner: 24,
        rlock_count: 32,
    },
    pattern: PatternLayout {
        groups: 24,
        pattern: 48,
        flags: 56,
    },
    fileio: FileIoLayout {
        fd: 16,
        created: 20,
        readable: 20,
        writable: 20,
        appending: 20,
        dict: 40,
    },
    buffered: BufferedLayout { raw: 16, dict: 136 },
    textio: TextIoLayout {
        buffer: 32,
        encoding: 40,
        dict: 184,
    },
    socket: SocketLayout {
        sock_fd: 16,
        sock_family: 20,
        sock_type: 24,
        sock_proto: 28,
    },
    decimal: DecimalLayout {
        dec: 24,
        flags: 0,
        exp: 8,
        digits: 16,
        len: 24,
        data: 40,
    },
    // PyDateTime_TimeZone { PyObject_HEAD; PyObject *offset; PyObject *name; }, the same in
    // every version's Modules/_datetimemodule.c.
    timezone: TimeZoneLayout {
        offset: 16,
        name: 24,
    },
    // 3.11: fut_cancelled_exc_state became PyObject *fut_cancelled_exc; TaskObj gained
    // int task_num_cancels_requested at its end. sizeof 128 / 176 = tp_basicsize.
    asyncio: AsyncioLayout {
        fut_loop: 16,
        fut_state: 88,
        fut_result: 64,
        fut_exception: 48,
        state_pending: 0,
        state_cancelled: 1,
        state_finished: 2,
        task_fut_waiter: 128,
        task_coro: 136,
        task_name: 144,
        future_iter_future: 16,
    },
    enum_flag_repr: true,
};

/// CPython 3.12.
///
/// Source: the CPython 3.12.5 release tree imported in github
/// `fanwenting99/force-cpython-3.12.5`, root commit fba59a15bb01af28486d9549e23b640b1aa563c2
/// ("3.12.5" in `Include/patchlevel.h`; the later commits there change none of the files
/// used): the same files as 3.11. Differences from 3.11:
/// `textio` ends with `_PyIO_State *state` and `PySocketSockObject` with
/// `struct _socket_state *state` (offsets below unchanged); `FutureObj`/`TaskObj` are 3.11's,
/// but an unnamed task's `task_name` is an int until `get_name()` (see
/// [`AsyncioLayout::task_name`]). Live-checked on 3.12.1. See [`V3_8`] for how to read the
/// objects.
pub const V3_12: StdlibLayout = StdlibLayout {
    version: (3, 12),
    deque: DequeLayout {
        leftblock: 24,
        rightblock: 32,
        leftindex: 40,
        rightindex: 48,
        maxlen: 64,
        block_len: 64,
        block_leftlink: 0,
        block_data: 8,
        block_rightlink: 520,
    },
    defaultdict: DefaultDictLayout {
        default_factory: 48,
    },
    odict: ODictLayout {
        od_first: 48,
        node_key: 0,
        node_next: 16,
        repr_as_dict: true,
    },
    lock: LockLayout::LockedChar { locked: 32 },
    rlock: RLockLayout {
        rlock_owner: 24,
        rlock_count: 32,
    },
    pattern: PatternLayout {
        groups: 24,
        pattern: 48,
        flags: 56,
    },
    fileio: FileIoLayout {
        fd: 16,
        created: 20,
        readable: 20,
        writable: 20,
        appending: 20,
        dict: 40,
    },
    buffered: BufferedLayout { raw: 16, dict: 136 },
    textio: TextIoLayout {
        buffer: 32,
        encoding: 40,
        dict: 184,
    },
    socket: SocketLayout {
        sock_fd: 16,
        sock_family: 20,
        sock_type: 24,
        sock_proto: 28,
    },
    decimal: DecimalLayout {
        dec: 24,
        flags: 0,
        exp: 8,
        digits: 16,
        len: 24,
        data: 40,
    },
    // PyDateTime_TimeZone { PyObject_HEAD; PyObject *offset; PyObject *name; }, the same in
    // every version's Modules/_datetimemodule.c.
    timezone: TimeZoneLayout {
        offset: 16,
        name: 24,
    },
    // Same structs as 3.11 (task_name may now hold an int, see AsyncioLayout::task_name).
    // sizeof 128 / 176 = tp_basicsize.
    asyncio: AsyncioLayout {
        fut_loop: 16,
        fut_state: 88,
        fut_result: 64,
        fut_exception: 48,
        state_pending: 0,
        state_cancelled: 1,
        state_finished: 2,
        task_fut_waiter: 128,
        task_coro: 136,
        task_name: 144,
        future_iter_future: 16,
    },
    enum_flag_repr: true,
};

/// CPython 3.13.
///
/// Source: the CPython 3.13.0 release tree imported in github
/// `WCXCod1ng/Python-3.13.0-configured-debug`, root commit
/// 6eb3e576b3ab75e1bb8b39c65ce28c41fc8fd687 ("3.13.0" in `Include/patchlevel.h`; the one
/// later commit there changes none of the files used):
/// the same files as 3.11, plus Include/internal/pycore_pythread.h (`PyThread_ident_t` is
/// `unsigned long long`). Differences from 3.12: `rlock_owner` is a `PyThread_ident_t` (same
/// size); the lock is still `char locked`, not a `PyMutex` (that is 3.14); `FutureObj` lost
/// `dict`/`fut_weakreflist`, has `fut_cancelled_exc` before `fut_state` and 1-bit fields
/// after it, and `TaskObj` has its int fields before its pointers. Live-checked on 3.13.0.
/// See [`V3_8`] for how to read the objects.
pub const V3_13: StdlibLayout = StdlibLayout {
    version: (3, 13),
    deque: DequeLayout {
        leftblock: 24,
        rightblock: 32,
        leftindex: 40,
        rightindex: 48,
        maxlen: 64,
        block_len: 64,
        block_leftlink: 0,
        block_data: 8,
        block_rightlink: 520,
    },
    defaultdict: DefaultDictLayout {
        default_factory: 48,
    },
    odict: ODictLayout {
        od_first: 48,
        node_key: 0,
        node_next: 16,
        repr_as_dict: true,
    },
    lock: LockLayout::LockedChar { locked: 32 },
    rlock: RLockLayout {
        rlock_owner: 24,
        rlock_count: 32,
    },
    pattern: PatternLayout {
        groups: 24,
        pattern: 48,
        flags: 56,
    },
    fileio: FileIoLayout {
        fd: 16,
        created: 20,
        readable: 20,
        writable: 20,
        appending: 20,
        dict: 40,
    },
    buffered: BufferedLayout { raw: 16, dict: 136 },
    textio: TextIoLayout {
        buffer: 32,
        encoding: 40,
        dict: 184,
    },
    socket: SocketLayout {
        sock_fd: 16,
        sock_family: 20,
        sock_type: 24,
        sock_proto: 28,
    },
    decimal: DecimalLayout {
        dec: 24,
        flags: 0,
        exp: 8,
        digits: 16,
        len: 24,
        data: 40,
    },
    // PyDateTime_TimeZone { PyObject_HEAD; PyObject *offset; PyObject *name; }, the same in
    // every version's Modules/_datetimemodule.c.
    timezone: TimeZoneLayout {
        offset: 16,
        name: 24,
    },
    // 3.13: no dict / fut_weakreflist (managed by the type), fut_cancelled_exc moved before
    // fut_state, fut_log_tb / fut_blocking are 1-bit fields after it; TaskObj continues with
    // the bit fields task_must_cancel / task_log_destroy_pending, int
    // task_num_cancels_requested, then task_fut_waiter, task_coro, task_name, task_context.
    // sizeof 104 / 144 = tp_basicsize.
    asyncio: AsyncioLayout {
        fut_loop: 16,
        fut_state: 96,
        fut_result: 64,
        fut_exception: 48,
        state_pending: 0,
        state_cancelled: 1,
        state_finished: 2,
        task_fut_waiter: 112,
        task_coro: 120,
        task_name: 128,
        future_iter_future: 16,
    },
    enum_flag_repr: true,
};

/// The stdlib table of CPython `major.minor` for pointers of `ptr_size` bytes (only LP64,
/// ptr_size 8, has tables).
pub fn stdlib_for(major: u8, minor: u8, ptr_size: u8) -> Option<&'static StdlibLayout> {
    if major != 3 || ptr_size != 8 {
        return None;
    }
    match minor {
        8 => Some(&V3_8),
        9 => Some(&V3_9),
        10 => Some(&V3_10),
        11 => Some(&V3_11),
        12 => Some(&V3_12),
        13 => Some(&V3_13),
        _ => None,
    }
}

/// The ndarray layout for pointers of `ptr_size` bytes and NumPy's major version (from
/// `numpy.__version__`; NumPy 2 when unknown). NumPy 1.x differs only in `descr_elsize`.
pub fn ndarray_layout(ptr_size: u8, numpy_major: Option<u64>) -> Option<&'static NdArrayLayout> {
    match (ptr_size, numpy_major) {
        (8, Some(1)) => Some(&NdArrayLayout::NUMPY1),
        (8, _) => Some(&NdArrayLayout::NUMPY2),
        _ => None,
    }
}

impl NdArrayLayout {
    /// NumPy 2.x (LP64).
    ///
    /// Source: `PyArrayObject_fields` and `PyArray_Descr` of numpy/_core/include/numpy/
    /// ndarraytypes.h as installed by NumPy 2.4.6 and 2.5.5 (pip wheels for CPython 3.11 and
    /// 3.12), compiled with `NPY_TARGET_VERSION NPY_2_0_API_VERSION`. The array: `data`
    /// (char *), `nd` (int), `dimensions` and `strides` (`npy_intp *`, `nd` entries each),
    /// `base` (NULL or the object owning the memory), `descr`, `flags` (int: C_CONTIGUOUS 1,
    /// F_CONTIGUOUS 2, OWNDATA 4, ALIGNED 0x100, WRITEABLE 0x400, WRITEBACKIFCOPY 0x2000). The
    /// descr (the `np.dtype` object): `kind`, `type` (`dtype.char`), `byteorder` ('=', '<',
    /// '>', '|'), `type_num` (`dtype.num`), then NumPy 2's `npy_uint64 flags` at 32 and
    /// `npy_intp elsize` at 40. Live-checked (`numpy` 2.4.6 on 3.11.7, 2.5.5 on 3.12.1).
    pub const NUMPY2: NdArrayLayout = NdArrayLayout {
        data: 16,
        nd: 24,
        dimensions: 32,
        strides: 40,
        base: 48,
        descr: 56,
        flags: 64,
        descr_kind: 24,
        descr_type: 25,
        descr_byteorder: 26,
        descr_type_num: 28,
        descr_elsize: 40,
    };

    /// NumPy 1.x (LP64): the array struct is NumPy 2's; in `PyArray_Descr`, `char flags` is
    /// at 27 and `elsize` is an `int` at 32 (then `int alignment` at 36).
    ///
    /// Source: numpy/core/include/numpy/ndarraytypes.h of github `numpy/numpy` at commit
    /// 5a342560374e495a99d1ee771d157ca3815e6825 (the 1.x `PyArray_Descr`: `typeobj`, `kind`,
    /// `type`, `byteorder`, `flags`, `type_num`, `elsize`, `alignment`, ...), offsets by hand
    /// for LP64. Live-checked (`numpy` 1.24.4 on 3.8.18).
    pub const NUMPY1: NdArrayLayout = NdArrayLayout {
        data: 16,
        nd: 24,
        dimensions: 32,
        strides: 40,
        base: 48,
        descr: 56,
        flags: 64,
        descr_kind: 24,
        descr_type: 25,
        descr_byteorder: 26,
        descr_type_num: 28,
        descr_elsize: 32,
    };
}

impl FileIoLayout {
    /// `created`, `readable`, `writable` and `appending` are one-bit fields of an `unsigned
    /// int` in 3.8-3.13, all in the byte at offset 20 (the `created` .. `appending` offsets of
    /// the tables): bit 0 is `created`, 1 `readable`, 2 `writable`, 3 `appending` (GCC's
    /// x86_64 allocation, LSB first); bits 4-5 are the signed `seekable`, bit 6 `closefd`.
    pub const CREATED_BIT: u8 = 0;
    /// See [`FileIoLayout::CREATED_BIT`].
    pub const READABLE_BIT: u8 = 1;
    /// See [`FileIoLayout::CREATED_BIT`].
    pub const WRITABLE_BIT: u8 = 2;
    /// See [`FileIoLayout::CREATED_BIT`].
    pub const APPENDING_BIT: u8 = 3;
    /// See [`FileIoLayout::CREATED_BIT`]: `closefd`, in the same byte as `appending`.
    pub const CLOSEFD_BIT: u8 = 6;
}

impl DecimalLayout {
    /// `mpd_t.flags` bits (libmpdec `mpdecimal.h`, the same in every version here).
    pub const MPD_NEG: u8 = 1;
    /// Infinity.
    pub const MPD_INF: u8 = 2;
    /// Quiet NaN.
    pub const MPD_NAN: u8 = 4;
    /// Signaling NaN.
    pub const MPD_SNAN: u8 = 8;
    /// `MPD_INF | MPD_NAN | MPD_SNAN`.
    pub const MPD_SPECIAL: u8 = 14;
    /// Storage bits (not part of the value).
    pub const MPD_STATIC: u8 = 16;
    /// `data` points into the object (`PyDecObject.data`).
    pub const MPD_STATIC_DATA: u8 = 32;
    /// Storage bits (not part of the value).
    pub const MPD_SHARED_DATA: u8 = 64;
    /// Storage bits (not part of the value).
    pub const MPD_CONST_DATA: u8 = 128;
    /// Limb base of a 64-bit build (`MPD_RADIX`, 10**19); a 32-bit build uses 10**9.
    pub const RADIX_64: u64 = 10_000_000_000_000_000_000;
    /// Decimal digits per limb of a 64-bit build (`MPD_RDIGITS`).
    pub const RDIGITS_64: u32 = 19;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_minor_has_its_table() {
        for minor in 8..=13u8 {
            let t = stdlib_for(3, minor, 8).expect("table");
            assert_eq!(t.version, (3, minor));
        }
        assert!(stdlib_for(3, 7, 8).is_none());
        assert!(stdlib_for(3, 14, 8).is_none());
        assert!(stdlib_for(3, 11, 4).is_none());
        assert!(stdlib_for(2, 7, 8).is_none());
    }

    #[test]
    fn ndarray_tables() {
        assert_eq!(ndarray_layout(8, None), Some(&NdArrayLayout::NUMPY2));
        assert_eq!(ndarray_layout(8, Some(2)), Some(&NdArrayLayout::NUMPY2));
        assert_eq!(ndarray_layout(8, Some(1)), Some(&NdArrayLayout::NUMPY1));
        assert!(ndarray_layout(4, Some(1)).is_none());
        assert_eq!(NdArrayLayout::NUMPY1.descr_elsize, 32);
        assert_eq!(NdArrayLayout::NUMPY2.descr_elsize, 40);
    }

    #[test]
    fn asyncio_task_fields_follow_the_future_head() {
        for minor in 8..=13u8 {
            let a = stdlib_for(3, minor, 8).unwrap().asyncio;
            assert_eq!((a.fut_loop, a.fut_exception), (16, 48));
            assert!(a.fut_result > a.fut_exception && a.fut_state > a.fut_result);
            assert!(a.task_fut_waiter > a.fut_state);
            assert_eq!(a.task_coro, a.task_fut_waiter + 8);
            assert_eq!(a.task_name, a.task_coro + 8);
            assert_eq!(
                (a.state_pending, a.state_cancelled, a.state_finished),
                (0, 1, 2)
            );
        }
    }

    #[test]
    fn deque_block_is_links_around_data() {
        for minor in 8..=13u8 {
            let d = stdlib_for(3, minor, 8).unwrap().deque;
            assert_eq!(d.block_rightlink, d.block_data + 8 * d.block_len);
        }
    }
}
