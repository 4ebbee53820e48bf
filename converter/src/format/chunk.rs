//! Chunks: the framing of every section. A chunk is a 20-byte header and its stored bytes.
//!
//! ```text
//! 0   tag       4 bytes, ASCII (the section)
//! 4   codec     u8: 0 none, 1 zstd, 2 lz4 (block format, no size prefix)
//! 5   reserved  3 bytes, zero
//! 8   stored    u32 LE: bytes that follow the header
//! 12  raw       u32 LE: bytes after decompression (≤ MAX_CHUNK_RAW)
//! 16  crc32     u32 LE: CRC-32 (IEEE) of the stored bytes
//! ```

use super::{CHUNK_HEADER_LEN, MAX_CHUNK_RAW};

/// How a chunk's payload is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    None,
    Zstd,
    Lz4,
}

impl Codec {
    pub fn id(self) -> u8 {
        match self {
            Codec::None => 0,
            Codec::Zstd => 1,
            Codec::Lz4 => 2,
        }
    }

    pub fn from_id(id: u8) -> Option<Codec> {
        match id {
            0 => Some(Codec::None),
            1 => Some(Codec::Zstd),
            2 => Some(Codec::Lz4),
            _ => None,
        }
    }

    /// Every codec, the default first.
    pub fn all() -> [Codec; 3] {
        [Codec::Zstd, Codec::Lz4, Codec::None]
    }

    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Zstd => "zstd",
            Codec::Lz4 => "lz4",
        }
    }

    /// The codec called `name` (as [`Self::name`] gives it).
    pub fn from_name(name: &str) -> Option<Codec> {
        Codec::all().into_iter().find(|c| c.name() == name)
    }
}

/// A chunk header as found in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    pub tag: [u8; 4],
    pub codec: u8,
    pub stored: u32,
    pub raw: u32,
    pub crc: u32,
}

impl ChunkHeader {
    pub fn encode(&self) -> [u8; CHUNK_HEADER_LEN as usize] {
        let mut b = [0u8; CHUNK_HEADER_LEN as usize];
        b[0..4].copy_from_slice(&self.tag);
        b[4] = self.codec;
        b[8..12].copy_from_slice(&self.stored.to_le_bytes());
        b[12..16].copy_from_slice(&self.raw.to_le_bytes());
        b[16..20].copy_from_slice(&self.crc.to_le_bytes());
        b
    }

    /// Parses a header; `None` when `b` is too short.
    pub fn decode(b: &[u8]) -> Option<ChunkHeader> {
        let b = b.get(..CHUNK_HEADER_LEN as usize)?;
        let u32_at = |o: usize| -> Option<u32> {
            Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?))
        };
        Some(ChunkHeader {
            tag: b.get(0..4)?.try_into().ok()?,
            codec: b[4],
            stored: u32_at(8)?,
            raw: u32_at(12)?,
            crc: u32_at(16)?,
        })
    }
}

/// Compresses `raw` with `codec`; falls back to storing it when that isn't smaller.
pub fn pack(tag: [u8; 4], raw: &[u8], codec: Codec) -> Result<(ChunkHeader, Vec<u8>), String> {
    let raw_len = u32::try_from(raw.len())
        .ok()
        .filter(|&n| n <= MAX_CHUNK_RAW)
        .ok_or_else(|| format!("a chunk of {} bytes is too large", raw.len()))?;
    let packed = match codec {
        Codec::None => None,
        Codec::Zstd => Some(zstd::bulk::compress(raw, 3).map_err(|e| e.to_string())?),
        Codec::Lz4 => Some(lz4_flex::block::compress(raw)),
    };
    let (codec, stored) = match packed {
        Some(p) if p.len() < raw.len() => (codec, p),
        _ => (Codec::None, raw.to_vec()),
    };
    let header = ChunkHeader {
        tag,
        codec: codec.id(),
        stored: u32::try_from(stored.len())
            .map_err(|_| "compressed chunk too large".to_string())?,
        raw: raw_len,
        crc: crc32fast::hash(&stored),
    };
    Ok((header, stored))
}

/// Checks and decompresses a chunk's stored bytes into exactly `header.raw` bytes.
pub fn unpack(header: &ChunkHeader, stored: &[u8]) -> Result<Vec<u8>, String> {
    if stored.len() != header.stored as usize {
        return Err(format!(
            "a {} chunk holds {} bytes where its header says {}",
            tag_text(header.tag),
            stored.len(),
            header.stored
        ));
    }
    if crc32fast::hash(stored) != header.crc {
        return Err(format!(
            "the checksum of a {} chunk does not match its bytes",
            tag_text(header.tag)
        ));
    }
    if header.raw > MAX_CHUNK_RAW {
        return Err(format!(
            "a {} chunk claims {} bytes uncompressed, more than the {} a chunk may hold",
            tag_text(header.tag),
            header.raw,
            MAX_CHUNK_RAW
        ));
    }
    let raw = match Codec::from_id(header.codec) {
        Some(Codec::None) => stored.to_vec(),
        Some(Codec::Zstd) => zstd::bulk::decompress(stored, header.raw as usize)
            .map_err(|e| format!("a {} chunk does not decompress: {e}", tag_text(header.tag)))?,
        Some(Codec::Lz4) => lz4_flex::block::decompress(stored, header.raw as usize)
            .map_err(|e| format!("a {} chunk does not decompress: {e}", tag_text(header.tag)))?,
        None => {
            return Err(format!(
                "a {} chunk uses codec {}, which this reader does not know",
                tag_text(header.tag),
                header.codec
            ))
        }
    };
    if raw.len() != header.raw as usize {
        return Err(format!(
            "a {} chunk decompresses to {} bytes where its header says {}",
            tag_text(header.tag),
            raw.len(),
            header.raw
        ));
    }
    Ok(raw)
}

/// A tag for messages: its ASCII text, or its bytes.
pub fn tag_text(tag: [u8; 4]) -> String {
    if tag.iter().all(|b| b.is_ascii_alphanumeric()) {
        String::from_utf8_lossy(&tag).into_owned()
    } else {
        format!("{tag:02x?}")
    }
}

/// Splits a chunk's raw bytes into its records: each a LEB128 length, then that many bytes.
pub fn records(raw: &[u8]) -> Records<'_> {
    Records {
        rest: raw,
        offset: 0,
    }
}

pub struct Records<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for Records<'a> {
    /// (offset of the record's bytes in the chunk, the record's bytes), or why the rest
    /// can't be split.
    type Item = Result<(usize, &'a [u8]), String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let start = self.offset;
        let Some((len, used)) = read_varint(self.rest) else {
            self.rest = &[];
            return Some(Err(format!("a record length at offset {start} is cut")));
        };
        let end = usize::try_from(len).ok().and_then(|l| used.checked_add(l));
        match end.and_then(|e| self.rest.get(used..e).map(|r| (r, e))) {
            Some((record, e)) => {
                self.rest = &self.rest[e..];
                self.offset += e;
                Some(Ok((start + used, record)))
            }
            None => {
                self.rest = &[];
                Some(Err(format!(
                    "a record at offset {start} claims {len} bytes, more than its chunk holds"
                )))
            }
        }
    }
}

/// Appends `n` as LEB128.
pub fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A LEB128 number (at most 10 bytes) and how many bytes it took.
pub fn read_varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut n = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        let bits = u64::from(byte & 0x7f);
        if i == 9 && bits > 1 {
            return None;
        }
        n |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Some((n, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for n in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            write_varint(&mut b, n);
            assert_eq!(read_varint(&b), Some((n, b.len())));
        }
        assert_eq!(read_varint(&[0x80]), None);
        assert_eq!(read_varint(&[0xff; 11]), None);
    }

    #[test]
    fn chunks_round_trip_and_detect_damage() {
        let raw: Vec<u8> = (0..5000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        for codec in [Codec::None, Codec::Zstd, Codec::Lz4] {
            let (h, stored) = pack(*b"TEST", &raw, codec).unwrap();
            assert_eq!(ChunkHeader::decode(&h.encode()), Some(h));
            assert_eq!(unpack(&h, &stored).unwrap(), raw);
            let mut bad = stored.clone();
            bad[0] ^= 1;
            assert!(unpack(&h, &bad).unwrap_err().contains("checksum"));
        }
    }
}
