//! hdconvert on kernel cores cut to 90, 50 and 10 % of their size: exit 0 or 1, valid JSON,
//! no invented frames or wrong values, and every loss marked (a `core_truncated` diagnostic,
//! `frames_complete: false` on threads shown with fewer frames). How many frames each level
//! kept is printed (`TRUNCATED … kept N frames`): the kernel writes memory in address order,
//! so a cut loses the highest mappings first — libpython's data (`_PyRuntime`), the first
//! arenas and data-stack chunks, the main stack — and on small samples that is where the
//! frames are.

use hd_tests::scenario::check_truncated_levels;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn minimal() { check_truncated_levels(KEY, "minimal") }
            #[test] fn values() { check_truncated_levels(KEY, "values") }
            #[test] fn threads() { check_truncated_levels(KEY, "threads") }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
