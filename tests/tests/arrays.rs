//! NumPy arrays (`arrays.py`), for every interpreter that has NumPy × {kernel core, gcore}:
//! shape, dtype and first elements of arrays of each numeric dtype, views, Fortran order, an
//! empty and a 0-d array. An interpreter without NumPy fails its tests, unless
//! HD_ALLOW_MISSING=1 (then it is reported, `MISSING: numpy …`); `numpy_somewhere` fails
//! when none has it. Test names: `<interpreter>::<kind>`.

use hd_tests::scenario::{check_arrays, has_numpy};
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {
        $(
            mod $key {
                use super::*;
                const KEY: &str = stringify!($key);
                #[test] fn kernel() { check_arrays(KEY, Kind::Kernel) }
                #[test] fn gcore() { check_arrays(KEY, Kind::Gcore) }
            }
        )*
        /// NumPy must be importable by at least one interpreter (`.ci/run` installs it).
        #[test]
        fn numpy_somewhere() {
            let keys = [$(stringify!($key)),*];
            let with: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| hd_tests::interpreter(k).is_ok_and(|i| has_numpy(&i)))
                .collect();
            eprintln!("interpreters with numpy: {with:?}");
            assert!(
                !with.is_empty() || hd_tests::allow_missing(),
                "no interpreter here imports numpy: install it (pip install numpy) or set HD_ALLOW_MISSING=1"
            );
        }
    };
}

hd_tests::for_each_interpreter!(matrix);
