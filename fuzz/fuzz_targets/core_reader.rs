//! Any bytes as an ELF core: the reader, then the whole CPython walk over whatever it maps,
//! must return Ok or Err and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hd::exercise_core_bytes(data);
});
