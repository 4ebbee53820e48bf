//! Reading a dump file. Nothing in the file is trusted: every offset and length is checked
//! against the file's size, every chunk against its checksum before it is decompressed, and
//! every decompressed size against the header's claim and `MAX_CHUNK_RAW`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use serde::de::DeserializeOwned;

use super::chunk::{records, tag_text, unpack, ChunkHeader};
use super::records::{ChunkEntry, DiagRecord, HeapRecord, Index, Meta, SourceFile};
use super::{tag, FormatError, CHUNK_HEADER_LEN, END_MAGIC, FOOTER_LEN, HEADER_LEN, MAGIC, MAJOR};
use crate::model::{ObjId, Object, ObjectGraph, Root, Snapshot, SourceInfo, Thread};

/// Whether `bytes` (the start of a file) is an hd dump.
pub fn looks_like_dump(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// An open dump file.
pub struct DumpFile {
    path: PathBuf,
    map: Mmap,
    pub major: u16,
    pub minor: u16,
    index: Index,
}

impl std::fmt::Debug for DumpFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DumpFile")
            .field("path", &self.path)
            .field("major", &self.major)
            .field("minor", &self.minor)
            .finish()
    }
}

impl DumpFile {
    /// Opens `path`, checks its header and footer, and reads its index.
    pub fn open(path: &Path) -> Result<DumpFile, FormatError> {
        let file = File::open(path).map_err(|source| FormatError::Io {
            what: "open",
            path: path.to_path_buf(),
            source,
        })?;
        // SAFETY: the map is read-only; a file changed underneath can give wrong bytes (which
        // the checksums catch), not undefined behaviour in safe code reading a `&[u8]`.
        let map = unsafe { Mmap::map(&file) }.map_err(|source| FormatError::Io {
            what: "map",
            path: path.to_path_buf(),
            source,
        })?;
        DumpFile::from_map(path, map)
    }

    fn from_map(path: &Path, map: Mmap) -> Result<DumpFile, FormatError> {
        let not_dump = |why: &str| FormatError::NotADump {
            path: path.to_path_buf(),
            why: why.to_string(),
        };
        let damaged = |why: String| FormatError::Damaged {
            path: path.to_path_buf(),
            why,
        };
        let b: &[u8] = &map;
        if !looks_like_dump(b) {
            return Err(not_dump("it does not start with the HDPYDUMP magic"));
        }
        let header = b
            .get(..HEADER_LEN as usize)
            .ok_or_else(|| damaged("the header is cut".into()))?;
        let major = u16::from_le_bytes([header[8], header[9]]);
        let minor = u16::from_le_bytes([header[10], header[11]]);
        if major != MAJOR {
            return Err(FormatError::UnsupportedVersion {
                path: path.to_path_buf(),
                major,
                minor,
            });
        }
        let len = b.len() as u64;
        if len < HEADER_LEN + FOOTER_LEN {
            return Err(damaged(format!(
                "it has {len} bytes, too few for a header and a footer (it was cut while being written?)"
            )));
        }
        let footer = &b[(len - FOOTER_LEN) as usize..];
        if footer[24..32] != END_MAGIC {
            return Err(damaged(
                "it does not end with the HDPYEND footer (the file is cut)".into(),
            ));
        }
        let u64_at = |o: usize| u64::from_le_bytes(footer[o..o + 8].try_into().unwrap_or([0; 8]));
        let crc = u32::from_le_bytes(footer[20..24].try_into().unwrap_or([0; 4]));
        if crc32fast::hash(&footer[..20]) != crc {
            return Err(damaged("the footer's checksum does not match".into()));
        }
        let (index_offset, index_len) = (u64_at(0), u64_at(8));
        let index_end = index_offset
            .checked_add(index_len)
            .filter(|&e| index_offset >= HEADER_LEN && e <= len - FOOTER_LEN)
            .ok_or_else(|| damaged("the footer points outside the file".into()))?;
        let _ = index_end;
        let mut dump = DumpFile {
            path: path.to_path_buf(),
            map,
            major,
            minor,
            index: Index::default(),
        };
        let entry = ChunkEntry {
            tag: tag::INDEX,
            offset: index_offset,
            length: index_len,
            records: 1,
        };
        let raw = dump.chunk_raw(&entry)?;
        let index: Index = dump.single(&raw, tag::INDEX)?;
        for c in &index.chunks {
            let end = c.offset.checked_add(c.length);
            if c.offset < HEADER_LEN || end.is_none_or(|e| e > index_offset) {
                return Err(dump.damaged(format!(
                    "the index lists a {} chunk outside the file",
                    tag_text(c.tag)
                )));
            }
        }
        for r in &index.objects {
            let ok = index
                .chunks
                .get(r.chunk as usize)
                .is_some_and(|c| c.tag == tag::OBJECTS)
                && r.first <= r.last;
            if !ok {
                return Err(
                    dump.damaged("the object index names a chunk that holds no objects".into())
                );
            }
        }
        dump.index = index;
        Ok(dump)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Per chunk: tag, stored bytes, raw bytes and codec name, from the headers alone.
    pub fn chunk_sizes(&self) -> Vec<([u8; 4], u64, u64, &'static str)> {
        self.index
            .chunks
            .iter()
            .filter_map(|c| {
                let h = self
                    .map
                    .get(usize::try_from(c.offset).ok()?..)
                    .and_then(ChunkHeader::decode)?;
                let codec = super::Codec::from_id(h.codec).map_or("unknown", |c| c.name());
                Some((c.tag, u64::from(h.stored), u64::from(h.raw), codec))
            })
            .collect()
    }

    fn damaged(&self, why: String) -> FormatError {
        FormatError::Damaged {
            path: self.path.clone(),
            why,
        }
    }

    /// The decompressed bytes of one chunk, checked.
    fn chunk_raw(&self, entry: &ChunkEntry) -> Result<Vec<u8>, FormatError> {
        let start = usize::try_from(entry.offset)
            .map_err(|_| self.damaged("an offset is too large".into()))?;
        let hdr = self
            .map
            .get(start..)
            .and_then(ChunkHeader::decode)
            .ok_or_else(|| {
                self.damaged(format!("a {} chunk header is cut", tag_text(entry.tag)))
            })?;
        if hdr.tag != entry.tag {
            return Err(self.damaged(format!(
                "the index expects a {} chunk at offset {} and finds {}",
                tag_text(entry.tag),
                entry.offset,
                tag_text(hdr.tag)
            )));
        }
        if CHUNK_HEADER_LEN + u64::from(hdr.stored) != entry.length {
            return Err(self.damaged(format!(
                "a {} chunk's length disagrees with the index",
                tag_text(entry.tag)
            )));
        }
        let body = start + CHUNK_HEADER_LEN as usize;
        let stored = self
            .map
            .get(body..body + hdr.stored as usize)
            .ok_or_else(|| self.damaged(format!("a {} chunk is cut", tag_text(entry.tag))))?;
        unpack(&hdr, stored).map_err(|why| self.damaged(why))
    }

    /// Every record of every chunk of section `t`, decoded; unknown trailing bytes of a
    /// record (fields of a newer minor version) are ignored.
    fn section<T: DeserializeOwned>(&self, t: [u8; 4]) -> Result<Vec<T>, FormatError> {
        let mut out = Vec::new();
        for c in self.index.chunks.iter().filter(|c| c.tag == t) {
            let raw = self.chunk_raw(c)?;
            for r in records(&raw) {
                let (_, bytes) =
                    r.map_err(|why| self.damaged(format!("{}: {why}", tag_text(t))))?;
                out.push(self.decode(bytes, t)?);
            }
        }
        Ok(out)
    }

    fn decode<T: DeserializeOwned>(&self, bytes: &[u8], t: [u8; 4]) -> Result<T, FormatError> {
        postcard::take_from_bytes::<T>(bytes)
            .map(|(v, _rest)| v)
            .map_err(|e| self.damaged(format!("a {} record does not decode: {e}", tag_text(t))))
    }

    fn single<T: DeserializeOwned>(&self, raw: &[u8], t: [u8; 4]) -> Result<T, FormatError> {
        let first = records(raw)
            .next()
            .ok_or_else(|| self.damaged(format!("the {} chunk is empty", tag_text(t))))?
            .map_err(|why| self.damaged(format!("{}: {why}", tag_text(t))))?;
        self.decode(first.1, t)
    }

    fn one<T: DeserializeOwned>(&self, t: [u8; 4]) -> Result<Option<T>, FormatError> {
        Ok(self.section::<T>(t)?.into_iter().next())
    }

    pub fn meta(&self) -> Result<Meta, FormatError> {
        self.one(tag::META)?
            .ok_or_else(|| self.damaged("it has no META section".into()))
    }

    pub fn threads(&self) -> Result<Vec<Thread>, FormatError> {
        self.section(tag::THREADS)
    }

    pub fn roots(&self) -> Result<Vec<Root>, FormatError> {
        self.section(tag::ROOTS)
    }

    pub fn suspended(&self) -> Result<Vec<ObjId>, FormatError> {
        Ok(self.one::<Vec<ObjId>>(tag::SUSPENDED)?.unwrap_or_default())
    }

    pub fn sources(&self) -> Result<Vec<SourceFile>, FormatError> {
        self.section(tag::SOURCES)
    }

    pub fn diagnostics(&self) -> Result<Vec<DiagRecord>, FormatError> {
        self.section(tag::DIAGNOSTICS)
    }

    pub fn histogram(&self) -> Result<Option<HeapRecord>, FormatError> {
        self.one(tag::HISTOGRAM)
    }

    /// Every object in the file.
    pub fn all_objects(&self) -> Result<ObjectGraph, FormatError> {
        let mut g = ObjectGraph::default();
        for o in self.section::<Object>(tag::OBJECTS)? {
            g.insert(o);
        }
        Ok(g)
    }

    /// The objects `ids` and those they refer to, `depth` levels down and at most
    /// `max_referents` per object, reading only the chunks that hold them.
    pub fn objects_near(
        &self,
        ids: &[ObjId],
        depth: usize,
        max_referents: usize,
    ) -> Result<ObjectGraph, FormatError> {
        let mut g = ObjectGraph::default();
        let mut cache: HashMap<u64, HashMap<ObjId, Object>> = HashMap::new();
        let mut seen: HashSet<ObjId> = HashSet::new();
        let mut queue: VecDeque<(ObjId, usize)> = ids.iter().map(|&id| (id, 0)).collect();
        while let Some((id, level)) = queue.pop_front() {
            if !seen.insert(id) {
                continue;
            }
            let Some(chunk) = self.chunk_of(id) else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(chunk) {
                let Some(entry) = self.index.chunks.get(chunk as usize).copied() else {
                    continue;
                };
                let raw = self.chunk_raw(&entry)?;
                let mut objects = HashMap::new();
                for r in records(&raw) {
                    let (_, bytes) = r.map_err(|why| self.damaged(format!("OBJS: {why}")))?;
                    let o: Object = self.decode(bytes, tag::OBJECTS)?;
                    objects.insert(o.id, o);
                }
                slot.insert(objects);
            }
            let Some(o) = cache.get_mut(&chunk).and_then(|m| m.remove(&id)) else {
                continue;
            };
            if level < depth {
                let mut n = 0;
                o.kind.for_each_referent(|r| {
                    if n < max_referents && !seen.contains(&r) {
                        queue.push_back((r, level + 1));
                    }
                    n += 1;
                });
            }
            g.insert(o);
        }
        Ok(g)
    }

    /// The OBJS chunk whose id range holds `id`.
    fn chunk_of(&self, id: ObjId) -> Option<u64> {
        let ranges = &self.index.objects;
        let i = ranges.partition_point(|r| r.last < id);
        ranges.get(i).filter(|r| r.first <= id).map(|r| r.chunk)
    }

    /// The snapshot as the views want it, with every object in the file, the embedded
    /// source lines filled in, and `source` naming the dump (and what it was made from).
    pub fn snapshot(&self) -> Result<Snapshot, FormatError> {
        let meta = self.meta()?;
        let mut s = Snapshot {
            source: SourceInfo {
                kind: "dump".into(),
                path: Some(self.path.display().to_string()),
                pid: meta.source.pid,
            },
            python: meta.python.clone(),
            process: meta.process.clone(),
            threads: self.threads()?,
            roots: self.roots()?,
            objects: self.all_objects()?,
            diagnostics: self
                .diagnostics()?
                .iter()
                .map(DiagRecord::to_diagnostic)
                .collect(),
        };
        let sources = self.sources()?;
        crate::source_text::fill_from_sources(&mut s, &sources);
        Ok(s)
    }
}
