//! Any bytes as a memory image walked as an object graph (every decoder, the renderers and
//! the heap walk): must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hd::exercise_object_bytes(data);
});
