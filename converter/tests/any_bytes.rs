//! Property tests: any bytes given as a core give Ok or Err, never a panic; damaged copies
//! of a well-formed core header too.

use proptest::prelude::*;

/// A minimal ELF64 core: header, one PT_NOTE with an NT_PRSTATUS, one PT_LOAD.
fn tiny_core() -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // 64-bit
    b[5] = 1; // little endian
    b[6] = 1;
    b[16..18].copy_from_slice(&4u16.to_le_bytes()); // ET_CORE
    b[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86_64
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b[56..58].copy_from_slice(&2u16.to_le_bytes()); // e_phnum
    let notes_off = 64 + 2 * 56;
    let mut note = Vec::new();
    note.extend_from_slice(&5u32.to_le_bytes());
    note.extend_from_slice(&336u32.to_le_bytes());
    note.extend_from_slice(&1u32.to_le_bytes());
    note.extend_from_slice(b"CORE\0\0\0\0");
    let mut prs = vec![0u8; 336];
    prs[32..36].copy_from_slice(&4242u32.to_le_bytes());
    note.extend_from_slice(&prs);
    let load_off = notes_off + note.len();
    let ph = |t: u32, flags: u32, off: u64, vaddr: u64, filesz: u64| {
        let mut p = vec![0u8; 56];
        p[..4].copy_from_slice(&t.to_le_bytes());
        p[4..8].copy_from_slice(&flags.to_le_bytes());
        p[8..16].copy_from_slice(&off.to_le_bytes());
        p[16..24].copy_from_slice(&vaddr.to_le_bytes());
        p[32..40].copy_from_slice(&filesz.to_le_bytes());
        p[40..48].copy_from_slice(&filesz.to_le_bytes());
        p
    };
    b.extend(ph(4, 4, notes_off as u64, 0, note.len() as u64));
    b.extend(ph(1, 6, load_off as u64, 0x1000, 4096));
    b.extend(note);
    let mut mem = vec![0u8; 4096];
    mem[..8].copy_from_slice(b"xdebugpy");
    mem[8..16].copy_from_slice(&0x030d00f0u64.to_le_bytes());
    b.extend(mem);
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        hd::exercise_core_bytes(&data);
    }

    #[test]
    fn any_memory_as_objects_never_panics(data in proptest::collection::vec(any::<u8>(), 0..8192)) {
        hd::exercise_object_bytes(&data);
    }

    #[test]
    fn damaged_core_never_panics(
        flips in proptest::collection::vec((0usize..5000, any::<u8>()), 1..40),
        cut in 0usize..5000,
    ) {
        let mut core = tiny_core();
        for (i, v) in flips {
            let n = core.len();
            core[i % n] = v;
        }
        core.truncate(cut.max(1));
        hd::exercise_core_bytes(&core);
    }
}

#[test]
fn tiny_core_parses() {
    let core = hd::source::CoreFile::from_bytes(&tiny_core()).expect("a well-formed core");
    let info = core.process_info();
    assert_eq!(info.threads.len(), 1);
    assert_eq!(info.threads[0].tid, 4242);
    let mut b = [0u8; 8];
    hd::source::Memory::read_exact(&core, hd::source::RemoteAddr(0x1000), &mut b).expect("mapped");
    assert_eq!(&b, b"xdebugpy");
    hd::exercise_core_bytes(&tiny_core());
}

/// Found by the fuzzer: segment offsets and sizes near `u64::MAX` must not overflow.
#[test]
fn huge_segment_fields() {
    let mut core = tiny_core();
    let load = 64 + 56; // the PT_LOAD header
    for (field, value) in [(8, u64::MAX - 10), (32, u64::MAX), (40, u64::MAX)] {
        core[load + field..load + field + 8].copy_from_slice(&value.to_le_bytes());
    }
    hd::exercise_core_bytes(&core);
    let core2 = {
        let mut c = tiny_core();
        c[load + 16..load + 24].copy_from_slice(&(u64::MAX - 100).to_le_bytes()); // p_vaddr
        c
    };
    hd::exercise_core_bytes(&core2);
}
