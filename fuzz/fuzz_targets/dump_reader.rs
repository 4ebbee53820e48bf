//! Any bytes as a portable dump file: header, chunks, checksums, decompression, records, the
//! index or the scan of a cut file, then every view of what was read: Ok or Err, never a
//! panic, never an allocation sized by an unchecked length.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hd::exercise_dump_bytes(data);
});
