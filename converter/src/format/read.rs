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

/// The file's bytes: mapped, or owned (tests and the fuzzer).
enum Bytes {
    Map(Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Map(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// An open dump file.
pub struct DumpFile {
    path: PathBuf,
    map: Bytes,
    pub major: u16,
    pub minor: u16,
    index: Index,
    /// What was wrong with the file and how it was read anyway (a cut file read by
    /// scanning its chunks, chunks skipped).
    problems: std::cell::RefCell<Vec<crate::diag::Diagnostic>>,
    /// OIDX blocks decoded so far (by their position in `index.objects`): ids and chunks.
    id_blocks: std::cell::RefCell<HashMap<usize, IdsAndChunks>>,
    /// Id → OBJS chunk, built by reading the OBJS chunks when the file has no usable OIDX
    /// (a cut file).
    id_map: Option<HashMap<ObjId, u64>>,
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
        DumpFile::from_bytes_at(path, Bytes::Map(map))
    }

    /// A dump held in memory (`path` names it in messages).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<DumpFile, FormatError> {
        DumpFile::from_bytes_at(path, Bytes::Owned(bytes))
    }

    fn from_bytes_at(path: &Path, map: Bytes) -> Result<DumpFile, FormatError> {
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
        let mut dump = DumpFile {
            path: path.to_path_buf(),
            map,
            major,
            minor,
            index: Index::default(),
            problems: Default::default(),
            id_blocks: Default::default(),
            id_map: None,
        };
        match dump.footer_index() {
            Ok(index) => dump.index = index,
            Err(why) => {
                // Cut while being written, or its end damaged: read the chunks in order.
                let (index, map) = dump.scan_chunks();
                dump.id_map = Some(map);
                let complete = index.chunks.len();
                dump.index = index;
                if complete == 0 {
                    return Err(
                        dump.damaged(format!("{why}, and no complete chunk follows its header"))
                    );
                }
                dump.problem(
                    "dump_cut",
                    format!("{why}; read its first {complete} complete chunk(s) in order instead, so what came after is missing"),
                );
            }
        }
        Ok(dump)
    }

    /// What reading found wrong in the file so far (damaged or cut chunks skipped), beyond
    /// the diagnostics it stores.
    pub fn problems(&self) -> Vec<crate::diag::Diagnostic> {
        self.problems.borrow().clone()
    }

    fn problem(&self, code: &'static str, message: String) {
        self.problems
            .borrow_mut()
            .push(crate::diag::Diagnostic::new(code, message));
    }

    /// The index the footer points to, checked against the file.
    fn footer_index(&self) -> Result<Index, String> {
        let b: &[u8] = &self.map;
        let len = b.len() as u64;
        if len < HEADER_LEN + FOOTER_LEN {
            return Err(format!(
                "it has {len} bytes, too few for a header and a footer"
            ));
        }
        let footer = &b[(len - FOOTER_LEN) as usize..];
        if footer[24..32] != END_MAGIC {
            return Err("it does not end with the HDPYEND footer (the file is cut)".into());
        }
        let u64_at = |o: usize| u64::from_le_bytes(footer[o..o + 8].try_into().unwrap_or([0; 8]));
        let crc = u32::from_le_bytes(footer[20..24].try_into().unwrap_or([0; 4]));
        if crc32fast::hash(&footer[..20]) != crc {
            return Err("the footer's checksum does not match".into());
        }
        let (index_offset, index_len) = (u64_at(0), u64_at(8));
        index_offset
            .checked_add(index_len)
            .filter(|&e| index_offset >= HEADER_LEN && e <= len - FOOTER_LEN)
            .ok_or("the footer points outside the file")?;
        let entry = ChunkEntry {
            tag: tag::INDEX,
            offset: index_offset,
            length: index_len,
            records: 1,
        };
        let raw = self.chunk_raw(&entry).map_err(|e| e.to_string())?;
        let index: Index = self.single(&raw, tag::INDEX).map_err(|e| e.to_string())?;
        for c in &index.chunks {
            let end = c.offset.checked_add(c.length);
            if c.offset < HEADER_LEN || end.is_none_or(|e| e > index_offset) {
                return Err(format!(
                    "the index lists a {} chunk outside the file",
                    tag_text(c.tag)
                ));
            }
        }
        let mut last = None;
        for r in &index.objects {
            let ok = index
                .chunks
                .get(r.chunk as usize)
                .is_some_and(|c| c.tag == tag::OBJECT_INDEX)
                && r.first <= r.last
                && last.is_none_or(|l| l < r.first);
            if !ok {
                return Err("the object index is not a sorted list of OIDX chunks".into());
            }
            last = Some(r.last);
        }
        Ok(index)
    }

    /// An index made by reading the chunks one after the other from the header, as far as
    /// they are complete and their checksums match, and the OBJS chunk of every object read.
    fn scan_chunks(&self) -> (Index, HashMap<ObjId, u64>) {
        let b: &[u8] = &self.map;
        let mut index = Index::default();
        let mut map = HashMap::new();
        let mut offset = HEADER_LEN;
        while let Some(h) = b.get(offset as usize..).and_then(ChunkHeader::decode) {
            let length = CHUNK_HEADER_LEN + u64::from(h.stored);
            let Some(end) = offset.checked_add(length).filter(|&e| e <= b.len() as u64) else {
                break;
            };
            let entry = ChunkEntry {
                tag: h.tag,
                offset,
                length,
                records: 0,
            };
            if h.tag == tag::INDEX {
                break;
            }
            let Ok(raw) = self.chunk_raw(&entry) else {
                break;
            };
            if h.tag == tag::OBJECTS {
                let chunk = index.chunks.len() as u64;
                for (_, bytes) in records(&raw).filter_map(|r| r.ok()) {
                    if let Some((id, _)) = super::chunk::read_varint(bytes) {
                        map.insert(id, chunk);
                    }
                }
            }
            index.chunks.push(entry);
            offset = end;
        }
        index.object_count = map.len() as u64;
        (index, map)
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

    /// Every object in the file; a damaged OBJS chunk is skipped with a diagnostic (its
    /// objects are then shown as not read).
    pub fn all_objects(&self) -> Result<ObjectGraph, FormatError> {
        let mut g = ObjectGraph::default();
        let mut undecoded = 0u64;
        for c in self.index.chunks.iter().filter(|c| c.tag == tag::OBJECTS) {
            let (raw, at) = self.object_records(c);
            for (_, start, len) in at {
                // A record this reader can't decode (an object kind of a newer format): that
                // object is shown as not read.
                match raw
                    .get(start..start + len)
                    .map(postcard::take_from_bytes::<Object>)
                {
                    Some(Ok((o, _))) => g.insert(o),
                    _ => undecoded += 1,
                }
            }
        }
        if undecoded > 0 {
            self.problem(
                "dump_undecoded",
                format!("{undecoded} object(s) could not be decoded (written by a newer hdconvert?); they are shown as not read"),
            );
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
        self.objects_near_with(ids, depth, max_referents, max_referents)
    }

    /// [`Self::objects_near`], with its own bound for the referents of `ids` themselves.
    pub fn objects_near_with(
        &self,
        ids: &[ObjId],
        depth: usize,
        root_referents: usize,
        max_referents: usize,
    ) -> Result<ObjectGraph, FormatError> {
        let mut g = ObjectGraph::default();
        // Per chunk read: its bytes and where each object's record is; records are decoded
        // only when their object is wanted.
        let mut cache: HashMap<u64, ChunkRecords> = HashMap::new();
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
                let Some(entry) = self
                    .index
                    .chunks
                    .get(chunk as usize)
                    .filter(|c| c.tag == tag::OBJECTS)
                else {
                    continue;
                };
                let (raw, at) = self.object_records(entry);
                let at = at.into_iter().map(|(id, start, len)| (id, (start, len)));
                slot.insert((raw, at.collect()));
            }
            let Some((raw, at)) = cache.get(&chunk) else {
                continue;
            };
            let Some(&(start, len)) = at.get(&id) else {
                continue;
            };
            let Some(bytes) = raw.get(start..start + len) else {
                continue;
            };
            let Ok((o, _)) = postcard::take_from_bytes::<Object>(bytes) else {
                continue;
            };
            if level < depth {
                let cap = if level == 0 {
                    root_referents
                } else {
                    max_referents
                };
                o.kind.for_each_shown_referent(cap, |r| {
                    if !seen.contains(&r) {
                        queue.push_back((r, level + 1));
                    }
                });
            }
            g.insert(o);
        }
        Ok(g)
    }

    /// An OBJS chunk's bytes and where each object's record is in them (id, offset, length;
    /// in the file's order). A chunk that can't be read gives no records and one cut short those before
    /// the cut, each reported as `dump_damaged`: one damaged chunk costs its objects only.
    fn object_records(&self, c: &ChunkEntry) -> (Vec<u8>, Vec<(ObjId, usize, usize)>) {
        let raw = match self.chunk_raw(c) {
            Ok(raw) => raw,
            Err(e) => {
                self.problem(
                    "dump_damaged",
                    format!(
                        "the objects of the chunk at offset {} were skipped: {e}",
                        c.offset
                    ),
                );
                return (Vec::new(), Vec::new());
            }
        };
        let mut at = Vec::new();
        for r in records(&raw) {
            match r {
                // The record's bytes start with the object's id.
                Ok((start, bytes)) => {
                    if let Some((id, _)) = super::chunk::read_varint(bytes) {
                        at.push((id, start, bytes.len()));
                    }
                }
                Err(why) => {
                    self.problem(
                        "dump_damaged",
                        format!("the chunk at offset {} is cut short: {why}", c.offset),
                    );
                    break;
                }
            }
        }
        (raw, at)
    }

    /// The OBJS chunk that holds `id`, through the OIDX block whose range covers it.
    fn chunk_of(&self, id: ObjId) -> Option<u64> {
        if let Some(map) = &self.id_map {
            return map.get(&id).copied();
        }
        let ranges = &self.index.objects;
        let i = ranges.partition_point(|r| r.last < id);
        let r = ranges.get(i).filter(|r| r.first <= id)?;
        let mut blocks = self.id_blocks.borrow_mut();
        if let std::collections::hash_map::Entry::Vacant(slot) = blocks.entry(i) {
            let entry = self.index.chunks.get(r.chunk as usize).copied()?;
            let decoded = self
                .chunk_raw(&entry)
                .and_then(|raw| self.single::<super::records::IdBlock>(&raw, tag::OBJECT_INDEX));
            let block = match decoded {
                Ok(b) if b.chunks.len() == b.deltas.len() + 1 => b,
                Ok(_) | Err(_) => {
                    drop(blocks);
                    self.problem(
                        "dump_damaged",
                        format!("the object index block of ids {:#x}..{:#x} is damaged: those objects are shown as not read", r.first, r.last),
                    );
                    self.id_blocks
                        .borrow_mut()
                        .insert(i, (Vec::new(), Vec::new()));
                    return None;
                }
            };
            let mut ids = Vec::with_capacity(block.chunks.len());
            let mut cur = block.first;
            ids.push(cur);
            for d in &block.deltas {
                cur = cur.saturating_add(*d);
                ids.push(cur);
            }
            slot.insert((ids, block.chunks));
        }
        let (ids, chunks) = blocks.get(&i)?;
        let k = ids.binary_search(&id).ok()?;
        chunks.get(k).copied()
    }

    /// The snapshot as a view with these bounds needs it: the objects its roots (threads'
    /// locals and exceptions, named roots, suspended generators and tasks) reach within
    /// `depth` levels, at most `max_referents` from each, read from only the chunks that hold
    /// them. A view rendering at most `max_items` items per container, `max_depth` levels
    /// deep with `attr_depth` levels of attributes, needs `depth = attr_depth + max_depth +
    /// 2` and `max_items` items per container (see [`LoadBounds::for_view`]).
    pub fn snapshot_near(&self, bounds: LoadBounds) -> Result<Snapshot, FormatError> {
        self.snapshot_around(None, bounds)
    }

    /// [`Self::snapshot_near`] from the objects `ids` instead of the snapshot's roots (`show
    /// --object`).
    pub fn snapshot_around(
        &self,
        ids: Option<&[ObjId]>,
        bounds: LoadBounds,
    ) -> Result<Snapshot, FormatError> {
        let mut s = self.snapshot_without_objects()?;
        if !bounds.locals {
            s.drop_locals();
        }
        let roots: Vec<ObjId> = match ids {
            Some(ids) => ids.to_vec(),
            // Without the locals, generators are only what the exceptions reach.
            None if !bounds.locals => s.root_ids().collect(),
            None => s.root_ids().chain(self.suspended()?).collect(),
        };
        s.objects = self.objects_near_with(
            &roots,
            bounds.depth,
            bounds.root_referents,
            bounds.max_referents,
        )?;
        self.finish_snapshot(&mut s);
        Ok(s)
    }

    /// The snapshot as the views want it, with every object in the file, the embedded
    /// source lines filled in, and `source` naming the dump (and what it was made from).
    pub fn snapshot(&self) -> Result<Snapshot, FormatError> {
        let mut s = self.snapshot_without_objects()?;
        s.objects = self.all_objects()?;
        self.finish_snapshot(&mut s);
        Ok(s)
    }

    fn finish_snapshot(&self, s: &mut Snapshot) {
        s.diagnostics.extend(self.problems.borrow().iter().cloned());
        match self.sources() {
            Ok(sources) => crate::source_text::fill_from_sources(s, &sources),
            Err(e) => s.diagnostics.push(crate::diag::Diagnostic::new(
                "dump_damaged",
                format!("the source text could not be read: {e}"),
            )),
        }
    }

    fn snapshot_without_objects(&self) -> Result<Snapshot, FormatError> {
        let meta = self.meta()?;
        let s = Snapshot {
            source: SourceInfo {
                kind: "dump".into(),
                path: Some(self.path.display().to_string()),
                pid: meta.source.pid,
            },
            python: meta.python.clone(),
            process: meta.process.clone(),
            threads: self.threads()?,
            roots: self.roots()?,
            objects: ObjectGraph::default(),
            diagnostics: self
                .diagnostics()
                .unwrap_or_default()
                .iter()
                .map(DiagRecord::to_diagnostic)
                .collect(),
        };
        Ok(s)
    }
}

/// A decoded OIDX block: its ids, increasing, and the OBJS chunk of each.
type IdsAndChunks = (Vec<ObjId>, Vec<u64>);

/// A decompressed OBJS chunk and where each object's record is in it (start, length).
type ChunkRecords = (Vec<u8>, HashMap<ObjId, (usize, usize)>);

/// How much of a dump's object graph to read for a view (see [`DumpFile::snapshot_near`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadBounds {
    pub depth: usize,
    /// Items (or key-value pairs, or attributes) followed from each root (a local, `show
    /// --object`'s object).
    pub root_referents: usize,
    /// Items followed from every other container.
    pub max_referents: usize,
    /// Read the frames' locals and what only they reach (false: as `--no-locals`).
    pub locals: bool,
}

impl LoadBounds {
    /// What a view with these limits can touch: `max_depth` levels of nesting beneath each
    /// of `attr_depth` levels of attributes, and one more level for the markers of what it
    /// cut; `max_items` items per container.
    pub fn for_view(limits: crate::limits::ReprLimits) -> LoadBounds {
        LoadBounds {
            depth: limits
                .attr_depth
                .saturating_add(limits.max_depth)
                .saturating_add(2),
            root_referents: limits.max_items,
            max_referents: limits.max_items,
            locals: true,
        }
    }
}
