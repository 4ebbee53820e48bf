//! The gdb plugin, for every interpreter × {kernel core, gcore, live process attached with
//! `gdb -p`, live process behind gdbserver (read through gdb's memory)}: py-bt -a, py-bt-full, py-locals, py-list, py-print, py-up/py-down against the
//! objects sample's truth, py-dump then py-load giving the same stacks, and a forced internal
//! error in the library reported without taking gdb down. Debug-info lookup is off. Test
//! names: `<interpreter>::<kind>`.

use hd_tests::gdb::{
    check_gdb, check_gdb_help_and_missing_library, check_gdb_live, check_gdb_remote,
};
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn kernel() { check_gdb(KEY, Kind::Kernel) }
            #[test] fn gcore() { check_gdb(KEY, Kind::Gcore) }
            #[test] fn live() { check_gdb_live(KEY) }
            #[test] fn remote() { check_gdb_remote(KEY) }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);

#[test]
fn help_and_missing_library() {
    check_gdb_help_and_missing_library();
}
