//! `hdconvert stats` on `leak.py`, for every interpreter × {kernel core, gcore}: the classes of
//! `__main__` counted exactly (50,000 `Leaky` first), sizes as `sys.getsizeof` sums them, and
//! the threads as `show --json` gives them. Each test prints the first lines of the table
//! (`STATS …`). Test names: `<interpreter>::leak_<kind>`, e.g. `pyenv_3_12::leak_gcore`.

use hd_tests::scenario::check_heap;
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn leak_kernel() { check_heap(KEY, Kind::Kernel) }
            #[test] fn leak_gcore() { check_heap(KEY, Kind::Gcore) }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
