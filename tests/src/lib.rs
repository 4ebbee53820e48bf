//! Test harness for `hdconvert`: real cores from every CPython on the machine, compared with
//! the ground truth each sample program records about itself.
//!
//! # Running
//!
//! ```text
//! cargo build -p hd --bin hdconvert        # the tests run the CLI, they don't build it
//! cargo nextest run -p hd-tests            # or: cargo test -p hd-tests
//! ```
//!
//! # Layout
//!
//! - `tests/samples/*.py`: the sample programs (stdlib only, CPython 3.8–3.13). Each takes
//!   `--truth OUT.json --mode abort|park`, parks its threads, writes what Python sees (threads,
//!   frames, locals) and then aborts (kernel core) or parks (gcore, live read); see
//!   `samples/hdsample.py` and [`truth`]. `objects.py` and `leak.py` record more through
//!   hdsample's `details` and `extend` hooks: kinds, sizes, attributes, exceptions, generators,
//!   what `show --object` must say, heap counts.
//! - [`interpreters`]: the explicit set of interpreters the tests expect, and where to find them.
//! - [`cores`]: making cores and caching them under `target/hd-cores/<interpreter>/`, keyed by
//!   a hash of the interpreter's files and the sample sources; safe when tests run in parallel
//!   processes (file locks, then an atomic rename).
//! - [`hdconvert`]: finding and running the binary, and the types of its `--json` output
//!   (`docs/json.md`).
//! - [`compare`]: output against truth, every mismatch collected into one report (also
//!   `show --object`, `--globals` roots and `stats`); [`repr`] checks that a cut or partly
//!   opaque `repr` is consistent with Python's.
//! - [`scenario`]: what each integration test does; `tests/tests/*.rs` only spell out the
//!   matrix of interpreters × samples × kinds of core.
//!
//! # Environment
//!
//! - `HD_BIN`: the `hdconvert` to test; default: the newer of `target/debug/hdconvert` and
//!   `target/release/hdconvert` in the workspace. A test that needs it fails when there is none.
//! - `HD_ALLOW_MISSING=1`: an interpreter of the expected set that isn't installed makes its
//!   tests print `MISSING: …` and return instead of failing (the test
//!   `expected_interpreters_present` too). Without it every missing interpreter is a failure.
//! - `PYENV_ROOT`: where the pyenv versions are (default `/root/.pyenv`).
//! - `CARGO_TARGET_DIR`: honoured for the core cache and the stripped libpython copies.
//!
//! Kernel cores need `/proc/sys/kernel/core_pattern` to name a relative file (`core`,
//! `core.%p`); when it's a pipe or an absolute path the tests fail and say what to set.
//! Delete `target/hd-cores` to drop every cached core.

pub mod cache;
pub mod compare;
pub mod cores;
pub mod gdb;
pub mod hdconvert;
pub mod interpreters;
pub mod json;
pub mod repr;
pub mod scenario;
pub mod truth;

pub use compare::{compare, Kind, Report};
pub use cores::{gcore, kernel_core, live, non_python_core, truncated_core, CoreEntry};
pub use hdconvert::{hdconvert_bin, run_hdconvert, HdRun, Output};
pub use interpreters::{interpreter, Interpreter, EXPECTED};
pub use truth::Truth;

/// Calls `$callback!(key, key, …)` with the key of every expected interpreter, so that the test
/// files generate one test module per interpreter from this single list. [`EXPECTED`] lists
/// the same keys (checked by a test in `interpreters.rs`).
#[macro_export]
macro_rules! for_each_interpreter {
    ($callback:ident) => {
        $callback!(
            pyenv_3_8,
            pyenv_3_9,
            pyenv_3_10,
            pyenv_3_11,
            pyenv_3_12,
            pyenv_3_13,
            debian_3_11,
            debian_3_11d,
            stripped_3_8,
            stripped_3_12
        );
    };
}

/// The sample programs in `tests/samples/` (without `.py`).
pub const SAMPLES: &[&str] = &["minimal", "values", "threads", "objects", "leak"];

/// The workspace's root directory (the parent of this crate).
pub fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` or `<workspace>/target`.
pub fn target_dir() -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// `tests/samples/`.
pub fn samples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// Whether `HD_ALLOW_MISSING=1` is set.
pub fn allow_missing() -> bool {
    std::env::var("HD_ALLOW_MISSING")
        .map(|v| v == "1")
        .unwrap_or(false)
}

/// The interpreter for a test, or `None` (after printing `MISSING: …`) when it isn't
/// installed and `HD_ALLOW_MISSING=1`; panics when it isn't installed otherwise.
pub fn interpreter_or_skip(key: &str) -> Option<Interpreter> {
    match interpreter(key) {
        Ok(found) => Some(found),
        Err(why) => {
            eprintln!("MISSING: {key} ({why})");
            if allow_missing() {
                eprintln!("HD_ALLOW_MISSING=1: not testing {key}");
                None
            } else {
                panic!(
                    "interpreter {key} is missing: {why}\n(set HD_ALLOW_MISSING=1 to let its tests pass without it)"
                );
            }
        }
    }
}
