//! A synthetic address space for unit tests: regions of bytes at chosen addresses, written
//! with a bump allocator.

use super::{Memory, Perms, ReadError, ReadFailure, Region, RemoteAddr};

/// Memory made by a test.
#[derive(Default)]
pub struct SynthMemory {
    regions: Vec<(u64, Vec<u8>)>,
    next: u64,
}

impl SynthMemory {
    pub fn new() -> Self {
        SynthMemory {
            regions: Vec::new(),
            next: 0x10_0000,
        }
    }

    /// Allocates `len` zeroed bytes, 16-aligned, preceded by `before` more (for fields that
    /// live before an object, like managed dicts); returns the address after the prefix.
    pub fn alloc_with_prefix(&mut self, before: u64, len: u64) -> u64 {
        let start = self.next;
        let total = before + len;
        self.regions.push((start, vec![0; total as usize]));
        self.next = (start + total + 0x100) & !0xf;
        start + before
    }

    /// Maps `len` zeroed bytes at `addr` (the bump allocator is not moved).
    pub fn map_at(&mut self, addr: u64, len: u64) {
        self.regions.push((addr, vec![0; len as usize]));
    }

    pub fn alloc(&mut self, len: u64) -> u64 {
        self.alloc_with_prefix(0, len)
    }

    pub fn write(&mut self, addr: u64, bytes: &[u8]) {
        for (start, data) in &mut self.regions {
            if *start <= addr && addr + bytes.len() as u64 <= *start + data.len() as u64 {
                let off = (addr - *start) as usize;
                data[off..off + bytes.len()].copy_from_slice(bytes);
                return;
            }
        }
        panic!("synthetic write outside any region at {addr:#x}");
    }

    pub fn w64(&mut self, addr: u64, v: u64) {
        self.write(addr, &v.to_le_bytes());
    }

    pub fn w32(&mut self, addr: u64, v: u32) {
        self.write(addr, &v.to_le_bytes());
    }

    pub fn w8(&mut self, addr: u64, v: u8) {
        self.write(addr, &[v]);
    }

    /// A NUL-terminated C string.
    pub fn cstr(&mut self, s: &str) -> u64 {
        let a = self.alloc(s.len() as u64 + 1);
        self.write(a, s.as_bytes());
        a
    }
}

impl Memory for SynthMemory {
    fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        for (start, data) in &self.regions {
            let end = *start + data.len() as u64;
            if *start <= addr.0 && addr.0.saturating_add(buf.len() as u64) <= end {
                let off = (addr.0 - start) as usize;
                buf.copy_from_slice(&data[off..off + buf.len()]);
                return Ok(());
            }
        }
        Err(ReadError {
            addr,
            len: buf.len() as u64,
            failure: ReadFailure::NotMapped,
        })
    }

    fn regions(&self) -> Vec<Region> {
        self.regions
            .iter()
            .map(|(s, d)| Region {
                start: RemoteAddr(*s),
                end: RemoteAddr(s + d.len() as u64),
                perms: Perms {
                    read: true,
                    write: true,
                    exec: false,
                },
                readable: true,
            })
            .collect()
    }
}
