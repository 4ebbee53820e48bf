//! Writing a dump file: chunk by chunk into a temporary file (mode 0600) next to the target,
//! renamed into place only once complete, so a crash never leaves a half file under the
//! final name.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::chunk::{pack, write_varint, Codec};
use super::records::{
    ChunkEntry, DiagRecord, HeapRecord, IdBlock, Index, Meta, ObjectRange, SourceFile,
};
use super::{tag, FormatError, END_MAGIC, IDS_PER_BLOCK, MAGIC, MAJOR, MINOR, TARGET_CHUNK_RAW};
use crate::model::{ObjId, Snapshot};

/// What goes into a dump.
#[derive(Debug, Clone, Default)]
pub struct DumpContents {
    pub snapshot: Snapshot,
    pub meta: Meta,
    pub sources: Vec<SourceFile>,
    pub histogram: Option<HeapRecord>,
}

/// How to write it.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub codec: Codec,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { codec: Codec::Zstd }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub bytes: u64,
    pub chunks: u64,
    pub objects: u64,
    pub threads: u64,
    pub sources: u64,
}

/// Writes `contents` to `path` (replacing it only once the new file is complete).
pub fn write_dump(
    path: &Path,
    contents: &DumpContents,
    opts: WriteOptions,
) -> Result<WriteSummary, FormatError> {
    let tmp = temp_path(path);
    let result = write_to(&tmp, contents, opts).and_then(|summary| {
        fs::rename(&tmp, path).map_err(|source| FormatError::Io {
            what: "move the finished dump to",
            path: path.to_path_buf(),
            source,
        })?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dump".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn write_to(
    tmp: &Path,
    contents: &DumpContents,
    opts: WriteOptions,
) -> Result<WriteSummary, FormatError> {
    let io = |what: &'static str| {
        move |source| FormatError::Io {
            what,
            path: tmp.to_path_buf(),
            source,
        }
    };
    let file = create_private(tmp).map_err(io("create"))?;
    let mut w = ChunkWriter {
        out: BufWriter::new(file),
        offset: 0,
        codec: opts.codec,
        index: Index::default(),
        tmp: tmp.to_path_buf(),
    };
    let mut header = Vec::with_capacity(16);
    header.extend_from_slice(&MAGIC);
    header.extend_from_slice(&MAJOR.to_le_bytes());
    header.extend_from_slice(&MINOR.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    w.raw(&header)?;

    let s = &contents.snapshot;
    w.section(tag::META, std::iter::once(&contents.meta))?;
    w.section(tag::THREADS, s.threads.iter())?;
    w.section(tag::ROOTS, s.roots.iter())?;
    let suspended = suspended_ids(s);
    w.section(tag::SUSPENDED, std::iter::once(&suspended))?;
    let objects = w.objects(s, &suspended)?;
    w.section(tag::SOURCES, contents.sources.iter())?;
    let diags: Vec<DiagRecord> = s
        .diagnostics
        .iter()
        .map(DiagRecord::from_diagnostic)
        .collect();
    w.section(tag::DIAGNOSTICS, diags.iter())?;
    if let Some(h) = &contents.histogram {
        w.section(tag::HISTOGRAM, std::iter::once(h))?;
    }
    let chunks = w.index.chunks.len() as u64;
    w.index.object_count = objects;
    let index = std::mem::take(&mut w.index);
    let index_offset = w.offset;
    let mut index_record = Vec::new();
    push_record(&mut index_record, &index)?;
    let index_chunk = w.chunk(tag::INDEX, &index_record)?;
    let mut footer = Vec::with_capacity(32);
    footer.extend_from_slice(&index_offset.to_le_bytes());
    footer.extend_from_slice(&index_chunk.length.to_le_bytes());
    footer.extend_from_slice(&(u32::try_from(chunks).unwrap_or(u32::MAX)).to_le_bytes());
    let crc = crc32fast::hash(&footer);
    footer.extend_from_slice(&crc.to_le_bytes());
    footer.extend_from_slice(&END_MAGIC);
    w.raw(&footer)?;
    let file = w.out.into_inner().map_err(|e| FormatError::Io {
        what: "write",
        path: tmp.to_path_buf(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io("flush"))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok(WriteSummary {
        bytes,
        chunks: chunks + 1,
        objects,
        threads: s.threads.len() as u64,
        sources: contents.sources.len() as u64,
    })
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Unfinished generators and pending tasks, which the views list whether or not a frame's
/// local reaches them.
fn suspended_ids(s: &Snapshot) -> Vec<ObjId> {
    let mut ids: Vec<ObjId> = s
        .objects
        .unfinished_generators()
        .into_iter()
        .map(|(id, _)| id)
        .chain(s.objects.pending_tasks().into_iter().map(|(id, _)| id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Appends one record: a LEB128 length and its postcard bytes.
fn push_record<T: Serialize + ?Sized>(out: &mut Vec<u8>, r: &T) -> Result<(), FormatError> {
    let bytes = postcard::to_stdvec(r).map_err(|e| FormatError::Encode(e.to_string()))?;
    write_varint(out, bytes.len() as u64);
    out.extend_from_slice(&bytes);
    Ok(())
}

struct ChunkWriter {
    out: BufWriter<File>,
    offset: u64,
    codec: Codec,
    index: Index,
    tmp: PathBuf,
}

impl ChunkWriter {
    fn raw(&mut self, b: &[u8]) -> Result<(), FormatError> {
        self.out.write_all(b).map_err(|source| FormatError::Io {
            what: "write",
            path: self.tmp.clone(),
            source,
        })?;
        self.offset += b.len() as u64;
        Ok(())
    }

    /// Writes one chunk of `raw` record bytes; returns its index entry.
    fn chunk(&mut self, t: [u8; 4], raw: &[u8]) -> Result<ChunkEntry, FormatError> {
        let (header, stored) = pack(t, raw, self.codec).map_err(FormatError::Encode)?;
        let entry = ChunkEntry {
            tag: t,
            offset: self.offset,
            length: super::CHUNK_HEADER_LEN + stored.len() as u64,
            records: 0,
        };
        self.raw(&header.encode())?;
        self.raw(&stored)?;
        Ok(entry)
    }

    /// A whole section: its records, in as many chunks as their size asks.
    fn section<'a, T: Serialize + 'a>(
        &mut self,
        t: [u8; 4],
        records: impl Iterator<Item = &'a T>,
    ) -> Result<(), FormatError> {
        let mut buf = Vec::new();
        let mut n = 0u64;
        for r in records {
            push_record(&mut buf, r)?;
            n += 1;
            if buf.len() >= TARGET_CHUNK_RAW {
                self.flush(t, &mut buf, &mut n)?;
            }
        }
        if n > 0 || buf.is_empty() && !self.index.chunks.iter().any(|c| c.tag == t) {
            self.flush(t, &mut buf, &mut n)?;
        }
        Ok(())
    }

    fn flush(&mut self, t: [u8; 4], buf: &mut Vec<u8>, n: &mut u64) -> Result<(), FormatError> {
        let mut entry = self.chunk(t, buf)?;
        entry.records = *n;
        self.index.chunks.push(entry);
        buf.clear();
        *n = 0;
        Ok(())
    }

    /// The OBJS section (the reachable objects, nearest the roots first), then the OIDX
    /// section that says which OBJS chunk holds each id.
    fn objects(&mut self, s: &Snapshot, suspended: &[ObjId]) -> Result<u64, FormatError> {
        let ids = s
            .objects
            .reachable(s.root_ids().chain(suspended.iter().copied()));
        let mut buf = Vec::new();
        let mut n = 0u64;
        let mut placed: Vec<(ObjId, u64)> = Vec::with_capacity(ids.len());
        for id in &ids {
            let Some(o) = s.objects.get(*id) else {
                continue;
            };
            push_record(&mut buf, o)?;
            n += 1;
            placed.push((*id, self.index.chunks.len() as u64));
            if buf.len() >= TARGET_CHUNK_RAW {
                self.flush(tag::OBJECTS, &mut buf, &mut n)?;
            }
        }
        if n > 0 || placed.is_empty() {
            self.flush(tag::OBJECTS, &mut buf, &mut n)?;
        }
        placed.sort_unstable();
        for block in placed.chunks(IDS_PER_BLOCK) {
            let (Some(&(first, _)), Some(&(last, _))) = (block.first(), block.last()) else {
                continue;
            };
            let record = IdBlock {
                first,
                deltas: block.windows(2).map(|w| w[1].0 - w[0].0).collect(),
                chunks: block.iter().map(|&(_, c)| c).collect(),
            };
            let mut raw = Vec::new();
            push_record(&mut raw, &record)?;
            let mut one = 1;
            let chunk = self.index.chunks.len() as u64;
            self.flush(tag::OBJECT_INDEX, &mut raw, &mut one)?;
            self.index.objects.push(ObjectRange {
                chunk,
                first,
                last,
                count: block.len() as u64,
            });
        }
        Ok(placed.len() as u64)
    }
}
