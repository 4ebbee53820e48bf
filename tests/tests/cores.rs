//! Making the cores and checking the truth the samples record; needs no hdconvert. Run these
//! first to fill the cache: `cargo nextest run -p hd-tests -E 'binary(cores)'`.

use hd_tests::scenario::make_cores;

macro_rules! matrix {
    ($($key:ident),*) => {$(
        #[test] fn $key() { make_cores(stringify!($key)) }
    )*};
}

hd_tests::for_each_interpreter!(matrix);
