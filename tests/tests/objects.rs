//! The object graph on `objects.py`, for every interpreter × {kernel core, gcore, live}: every
//! value's kind, size, length and attributes, each thread's exception, `suspended[]`, the
//! `--globals` root and `show --object` (a list, a dict, a deque, instances, exceptions, a
//! generator). Test names: `<interpreter>::<kind>`, e.g. `pyenv_3_12::gcore`.

use hd_tests::scenario::check_objects;
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn kernel() { check_objects(KEY, Kind::Kernel) }
            #[test] fn gcore() { check_objects(KEY, Kind::Gcore) }
            #[test] fn live() { check_objects(KEY, Kind::Live) }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
