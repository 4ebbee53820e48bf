//! The portable heap-dump file: what `hdconvert CORE -o FILE` writes, and what every view
//! reads back without the core or the binaries. The specification is docs/FORMAT.md; this
//! module is its reference implementation.
//!
//! A file is a 16-byte header, a sequence of checksummed, optionally compressed chunks, each
//! tagged with the section it belongs to, and a 32-byte footer that locates the index chunk.
//! Records inside a chunk are postcard-encoded (serde), each prefixed by its length.

mod chunk;
mod error;
mod read;
mod records;
mod redact;
#[cfg(test)]
mod tests;
mod write;

pub use chunk::Codec;
pub use error::FormatError;
pub use read::{looks_like_dump, DumpFile, LoadBounds};
pub use records::{
    Binary, ChunkEntry, DiagRecord, HeapRecord, IdBlock, Index, LimitsUsed, Meta, ObjectRange,
    Platform, RedactionInfo, SourceFile, SourceIdentity, ThreadRecord,
};
pub use redact::{Redactor, DEFAULT_SECRET_PATTERN};
pub use write::{write_dump, DumpContents, WriteOptions, WriteSummary};

/// First 8 bytes of every dump file.
pub const MAGIC: [u8; 8] = *b"HDPYDUMP";
/// Last 8 bytes of every complete dump file.
pub const END_MAGIC: [u8; 8] = *b"HDPYEND\0";
/// Format version written. Readers refuse another major version; a newer minor version may
/// add sections and append fields to records, which older readers skip.
pub const MAJOR: u16 = 1;
pub const MINOR: u16 = 0;
/// Header: magic, major, minor, flags.
pub const HEADER_LEN: u64 = 16;
/// Footer: index offset, index length, chunk count, CRC, end magic.
pub const FOOTER_LEN: u64 = 32;
/// Chunk header: tag, codec, reserved, stored length, raw length, CRC.
pub const CHUNK_HEADER_LEN: u64 = 20;
/// Largest decompressed chunk a reader accepts (writers stay far below).
pub const MAX_CHUNK_RAW: u32 = 64 << 20;
/// Uncompressed bytes a writer puts in one chunk before starting the next.
pub const TARGET_CHUNK_RAW: usize = 1 << 18;
/// Ids per OIDX chunk.
pub const IDS_PER_BLOCK: usize = 1 << 16;

/// Section tags, in the order a writer emits them.
pub mod tag {
    /// One [`super::Meta`] record.
    pub const META: [u8; 4] = *b"META";
    /// [`super::ThreadRecord`]s, in the snapshot's order.
    pub const THREADS: [u8; 4] = *b"THRD";
    /// Named roots besides the threads (`crate::model::Root`).
    pub const ROOTS: [u8; 4] = *b"ROOT";
    /// Objects (`crate::model::Object`), nearest the roots first.
    pub const OBJECTS: [u8; 4] = *b"OBJS";
    /// [`super::IdBlock`]s, one per chunk: which OBJS chunk holds each id, ids sorted.
    pub const OBJECT_INDEX: [u8; 4] = *b"OIDX";
    /// One record: the ids of unfinished generators and pending tasks (`Vec<u64>`).
    pub const SUSPENDED: [u8; 4] = *b"SUSP";
    /// [`super::SourceFile`]s.
    pub const SOURCES: [u8; 4] = *b"SRCS";
    /// [`super::DiagRecord`]s.
    pub const DIAGNOSTICS: [u8; 4] = *b"DIAG";
    /// One [`super::HeapRecord`]: the class histogram of the whole heap.
    pub const HISTOGRAM: [u8; 4] = *b"HIST";
    /// One [`super::Index`] record; the footer points to it.
    pub const INDEX: [u8; 4] = *b"INDX";
}
