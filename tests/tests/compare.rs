//! hdconvert against the truth, for every interpreter × sample × {kernel core, gcore, live}.
//! Test names: `<interpreter>::<sample>_<kind>`, e.g. `pyenv_3_12::values_gcore`.

use hd_tests::scenario::check;
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn minimal_kernel() { check(KEY, "minimal", Kind::Kernel) }
            #[test] fn minimal_gcore() { check(KEY, "minimal", Kind::Gcore) }
            #[test] fn minimal_live() { check(KEY, "minimal", Kind::Live) }
            #[test] fn values_kernel() { check(KEY, "values", Kind::Kernel) }
            #[test] fn values_gcore() { check(KEY, "values", Kind::Gcore) }
            #[test] fn values_live() { check(KEY, "values", Kind::Live) }
            #[test] fn threads_kernel() { check(KEY, "threads", Kind::Kernel) }
            #[test] fn threads_gcore() { check(KEY, "threads", Kind::Gcore) }
            #[test] fn threads_live() { check(KEY, "threads", Kind::Live) }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
