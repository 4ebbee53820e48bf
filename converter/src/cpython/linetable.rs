//! Line numbers from each version's table, as `PyCode_Addr2Line` computes them.
//!
//! All functions take the raw table bytes (already read from the dump, bounded) and a byte
//! offset into the bytecode, and never index out of bounds.

use super::layout::LineTable;

/// The line of the instruction at byte offset `addr` (negative: the frame hasn't started yet,
/// which CPython reports as the first line). `None` where the table says "no line".
pub fn line_for(kind: LineTable, table: &[u8], first_line: i64, addr: i64) -> Option<i64> {
    if addr < 0 {
        return Some(first_line);
    }
    match kind {
        LineTable::Lnotab(_) => Some(lnotab(table, first_line, addr)),
        LineTable::Linetable310(_) => linetable_310(table, first_line, addr),
        LineTable::Locations(_) => locations(table, first_line, addr),
    }
}

/// 3.8–3.9 `co_lnotab`: (unsigned address increment, signed line increment) pairs.
fn lnotab(table: &[u8], first_line: i64, addr: i64) -> i64 {
    let mut line = first_line;
    let mut a = 0i64;
    for pair in table.chunks_exact(2) {
        a = a.saturating_add(i64::from(pair[0]));
        if a > addr {
            break;
        }
        line = line.saturating_add(i64::from(pair[1] as i8));
    }
    line
}

/// 3.10 `co_linetable`: (unsigned byte delta, signed line delta or -128 for "no line") pairs,
/// each describing a range [start, end).
fn linetable_310(table: &[u8], first_line: i64, addr: i64) -> Option<i64> {
    let mut computed = first_line;
    let mut end = 0i64;
    for pair in table.chunks_exact(2) {
        let start = end;
        end = end.saturating_add(i64::from(pair[0]));
        let delta = pair[1] as i8;
        let line = if delta == -128 {
            None
        } else {
            computed = computed.saturating_add(i64::from(delta));
            Some(computed)
        };
        if start <= addr && addr < end {
            return line;
        }
    }
    None
}

/// 3.11+ location table: entries that start with a byte with the high bit set; bits 3–6 are
/// the code, bits 0–2 the length in code units minus one.
fn locations(table: &[u8], first_line: i64, addr: i64) -> Option<i64> {
    let mut computed = first_line;
    let mut end = 0i64;
    let mut i = 0usize;
    while i < table.len() {
        let first = table[i];
        let code = (first >> 3) & 15;
        let delta = match code {
            13 | 14 => signed_varint(table, i + 1).unwrap_or(0),
            11 => 1,
            12 => 2,
            _ => 0,
        };
        computed = computed.saturating_add(delta);
        let line = if code == 15 { None } else { Some(computed) };
        let start = end;
        end = end.saturating_add((i64::from(first & 7) + 1) * 2);
        if start <= addr && addr < end {
            return line;
        }
        // Skip the continuation bytes of this entry.
        i += 1;
        while i < table.len() && table[i] & 0x80 == 0 {
            i += 1;
        }
    }
    None
}

fn varint(table: &[u8], mut i: usize) -> Option<u64> {
    let mut b = *table.get(i)?;
    let mut val = u64::from(b & 63);
    let mut shift = 0u32;
    while b & 64 != 0 {
        i += 1;
        b = *table.get(i)?;
        shift += 6;
        if shift > 60 {
            return None;
        }
        val |= u64::from(b & 63) << shift;
    }
    Some(val)
}

fn signed_varint(table: &[u8], i: usize) -> Option<i64> {
    let u = varint(table, i)?;
    let mag = (u >> 1) as i64;
    Some(if u & 1 != 0 { -mag } else { mag })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lnotab_pairs() {
        // first line 10; offsets 0..6 line 10, 6..12 line 11, 12.. line 9
        let t = [6u8, 1, 6, (-2i8) as u8];
        assert_eq!(lnotab(&t, 10, 0), 10);
        assert_eq!(lnotab(&t, 10, 5), 10);
        assert_eq!(lnotab(&t, 10, 6), 11);
        assert_eq!(lnotab(&t, 10, 12), 9);
        assert_eq!(lnotab(&t, 10, 400), 9);
    }

    #[test]
    fn linetable_310_ranges() {
        // [0,4) line 11, [4,8) no line, [8,10) line 13
        let t = [4u8, 1, 4, 0x80, 2, 2];
        assert_eq!(linetable_310(&t, 10, 0), Some(11));
        assert_eq!(linetable_310(&t, 10, 5), None);
        assert_eq!(linetable_310(&t, 10, 9), Some(13));
        assert_eq!(linetable_310(&t, 10, 10), None);
    }

    #[test]
    fn locations_entries() {
        // Entry 1: code 13 (no columns), 1 unit, line delta +1 (varint 2).
        // Entry 2: code 10 (one line, delta 0) 2 units + two column bytes.
        // Entry 3: code 15 (none), 1 unit.
        // Entry 4: code 14 (long) 1 unit, delta -3 (varint 7), end line, cols.
        let t = [
            0x80 | (13 << 3),
            2,
            0x80 | (10 << 3) | 1,
            4,
            8,
            0x80 | (15 << 3),
            0x80 | (14 << 3),
            7,
            0,
            1,
            2,
        ];
        assert_eq!(locations(&t, 20, 0), Some(21));
        assert_eq!(locations(&t, 20, 2), Some(21));
        assert_eq!(locations(&t, 20, 5), Some(21));
        assert_eq!(locations(&t, 20, 6), None);
        assert_eq!(locations(&t, 20, 8), Some(18));
        assert_eq!(locations(&t, 20, 10), None);
        assert_eq!(line_for(LineTable::Locations(0), &t, 20, -2), Some(20));
    }

    #[test]
    fn garbage_never_panics() {
        let junk: Vec<u8> = (0..=255u8).collect();
        for a in [0i64, 1, 100, 1000, i64::MAX / 4] {
            let _ = lnotab(&junk, 1, a);
            let _ = linetable_310(&junk, 1, a);
            let _ = locations(&junk, 1, a);
            let _ = locations(
                &[
                    0xff, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
                ],
                1,
                a,
            );
        }
    }
}
