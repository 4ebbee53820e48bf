//! hdconvert on kernel cores with none of the Python files on this machine (`--sysroot` of an
//! empty directory): `_PyRuntime` is found by the 3.13+ cookie or by its shape, the version by
//! the `sys.version` text in memory; every thread, frame, line and local must still match,
//! values of builtin types whose names were in the missing read-only data shown as `?`.

use hd_tests::scenario::check;
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn minimal() { check(KEY, "minimal", Kind::NoLibrary) }
            #[test] fn threads() { check(KEY, "threads", Kind::NoLibrary) }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
