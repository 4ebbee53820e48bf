//! The portable dump file, for every interpreter × {kernel core, gcore}: every sample's core
//! converted and shown again from the dump gives the same output as the core (text, JSON,
//! `show --object`, `stats` of a `--heap` dump), but for the line naming the source; and a
//! live process converted with `--pid` shows from its dump what the sample's truth says. Test
//! names: `<interpreter>::<kind>`.

use hd_tests::scenario::{check_dump, check_dump_live};
use hd_tests::Kind;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        mod $key {
            use super::*;
            const KEY: &str = stringify!($key);
            #[test] fn kernel() { check_dump(KEY, Kind::Kernel) }
            #[test] fn gcore() { check_dump(KEY, Kind::Gcore) }
            #[test] fn live() { check_dump_live(KEY) }
        }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
