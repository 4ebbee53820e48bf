use super::{Memory, ReadError, ReadFailure, RemoteAddr};

/// Typed reads over a [`Memory`], in the dumped process's pointer width and byte order.
///
/// Every read is bounds-checked by the memory; every address computation is checked here.
#[derive(Clone, Copy)]
pub struct Reader<'m> {
    mem: &'m dyn Memory,
    ptr_size: u8,
    little_endian: bool,
}

impl<'m> Reader<'m> {
    pub fn new(mem: &'m dyn Memory, ptr_size: u8, little_endian: bool) -> Self {
        Reader {
            mem,
            ptr_size,
            little_endian,
        }
    }

    pub fn memory(&self) -> &'m dyn Memory {
        self.mem
    }

    pub fn ptr_size(&self) -> u8 {
        self.ptr_size
    }

    fn overflow(addr: RemoteAddr, len: u64) -> ReadError {
        ReadError {
            addr,
            len,
            failure: ReadFailure::NotMapped,
        }
    }

    /// `base + off`, failing as an unmapped read on overflow.
    pub fn at(&self, base: RemoteAddr, off: u64) -> Result<RemoteAddr, ReadError> {
        base.offset(off).ok_or_else(|| Self::overflow(base, off))
    }

    pub fn read_exact(&self, addr: RemoteAddr, buf: &mut [u8]) -> Result<(), ReadError> {
        self.mem.read_exact(addr, buf)
    }

    fn array<const N: usize>(&self, addr: RemoteAddr) -> Result<[u8; N], ReadError> {
        let mut b = [0u8; N];
        self.mem.read_exact(addr, &mut b)?;
        if !self.little_endian {
            b.reverse();
        }
        Ok(b)
    }

    pub fn u8(&self, addr: RemoteAddr) -> Result<u8, ReadError> {
        Ok(self.array::<1>(addr)?[0])
    }

    pub fn u16(&self, addr: RemoteAddr) -> Result<u16, ReadError> {
        Ok(u16::from_le_bytes(self.array(addr)?))
    }

    pub fn u32(&self, addr: RemoteAddr) -> Result<u32, ReadError> {
        Ok(u32::from_le_bytes(self.array(addr)?))
    }

    pub fn i32(&self, addr: RemoteAddr) -> Result<i32, ReadError> {
        Ok(i32::from_le_bytes(self.array(addr)?))
    }

    pub fn u64(&self, addr: RemoteAddr) -> Result<u64, ReadError> {
        Ok(u64::from_le_bytes(self.array(addr)?))
    }

    pub fn f64(&self, addr: RemoteAddr) -> Result<f64, ReadError> {
        Ok(f64::from_bits(self.u64(addr)?))
    }

    /// A C `long`/`Py_ssize_t`/pointer-sized unsigned word.
    pub fn word(&self, addr: RemoteAddr) -> Result<u64, ReadError> {
        if self.ptr_size == 4 {
            Ok(u64::from(self.u32(addr)?))
        } else {
            self.u64(addr)
        }
    }

    /// A pointer-sized word at `off` of bytes already read from this address space.
    pub fn word_in(&self, bytes: &[u8], off: usize) -> Option<u64> {
        let b = bytes.get(off..off.checked_add(usize::from(self.ptr_size))?)?;
        let mut w = [0u8; 8];
        if self.little_endian {
            w[..b.len()].copy_from_slice(b);
            Some(u64::from_le_bytes(w))
        } else {
            w[8 - b.len()..].copy_from_slice(b);
            Some(u64::from_be_bytes(w))
        }
    }

    /// A `Py_ssize_t`.
    pub fn ssize(&self, addr: RemoteAddr) -> Result<i64, ReadError> {
        if self.ptr_size == 4 {
            Ok(i64::from(self.i32(addr)?))
        } else {
            Ok(self.u64(addr)? as i64)
        }
    }

    pub fn ptr(&self, addr: RemoteAddr) -> Result<RemoteAddr, ReadError> {
        self.word(addr).map(RemoteAddr)
    }

    /// The pointer field at `base + off`.
    pub fn ptr_at(&self, base: RemoteAddr, off: u64) -> Result<RemoteAddr, ReadError> {
        self.ptr(self.at(base, off)?)
    }

    /// The word field at `base + off`.
    pub fn word_at(&self, base: RemoteAddr, off: u64) -> Result<u64, ReadError> {
        self.word(self.at(base, off)?)
    }

    /// The `Py_ssize_t` field at `base + off`.
    pub fn ssize_at(&self, base: RemoteAddr, off: u64) -> Result<i64, ReadError> {
        self.ssize(self.at(base, off)?)
    }

    /// The `int` field at `base + off`.
    pub fn i32_at(&self, base: RemoteAddr, off: u64) -> Result<i32, ReadError> {
        self.i32(self.at(base, off)?)
    }

    pub fn u8_at(&self, base: RemoteAddr, off: u64) -> Result<u8, ReadError> {
        self.u8(self.at(base, off)?)
    }

    pub fn u32_at(&self, base: RemoteAddr, off: u64) -> Result<u32, ReadError> {
        self.u32(self.at(base, off)?)
    }

    /// `len` bytes at `addr`; the caller bounds `len` (see `limits`).
    pub fn bytes(&self, addr: RemoteAddr, len: usize) -> Result<Vec<u8>, ReadError> {
        let mut v = vec![0u8; len];
        self.mem.read_exact(addr, &mut v)?;
        Ok(v)
    }

    /// A NUL-terminated C string of at most `max` bytes (without the NUL). Reads in small
    /// pieces so a string near the end of a region is still found.
    pub fn c_string(&self, addr: RemoteAddr, max: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut cur = addr;
        let mut chunk = [0u8; 64];
        while out.len() < max {
            // Don't cross a 64-byte boundary in one read: the page after may be missing.
            let room = 64 - (cur.0 % 64) as usize;
            let n = room.min(max - out.len()).min(chunk.len());
            let buf = &mut chunk[..n];
            if self.mem.read_exact(cur, buf).is_err() {
                // The chunk runs past what is readable: go byte by byte up to the edge.
                let b = self.u8(cur)?;
                if b == 0 {
                    return Ok(out);
                }
                out.push(b);
                cur = self.at(cur, 1)?;
                continue;
            }
            if let Some(pos) = buf.iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..pos]);
                return Ok(out);
            }
            out.extend_from_slice(buf);
            cur = self.at(cur, n as u64)?;
        }
        Ok(out)
    }
}
