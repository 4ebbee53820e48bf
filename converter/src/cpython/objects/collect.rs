//! Walks objects from roots into the [`ObjectGraph`], bounded by [`CollectLimits`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::classify::{Decoder, PyStdlibKind, StdlibKind};
use super::{Builtin, ObjReader, TypeInfo};
use crate::cpython::frames::{FrameReader, RawFrame};
use crate::cpython::layout::{stdlib_for, FileIoLayout, LockLayout, StdlibLayout};
use crate::limits;
use crate::model::{
    AddrMap, CodeInfo, Entries, ExceptionInfo, FileInfo, Frame, FunctionInfo, GeneratorFlavor,
    GeneratorInfo, GeneratorState, Instance, IntValue, Items, Local, MemoryViewInfo, ModuleInfo,
    ModuleOrigin, ObjId, Object, ObjectGraph, ObjectKind, StructSeqInfo, TaskInfo, TaskState,
    TimeInfo, TracebackEntry, TracebackInfo, TypeInfo as TypeValue,
};
use crate::source::{ReadError, RemoteAddr};

/// How much of the object graph is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectLimits {
    /// Containers this many levels below a root are recorded with their length only.
    pub max_depth: usize,
    /// Items read per container.
    pub max_items: usize,
    /// Characters per str, bytes per bytes.
    pub max_string: usize,
    /// Objects in the graph; past it, objects are recorded as not read.
    pub max_objects: usize,
    /// Bytes of objects in the graph (their shallow sizes, what `sys.getsizeof` says); past
    /// it, objects are recorded as not read.
    pub max_bytes: u64,
}

impl Default for CollectLimits {
    fn default() -> Self {
        CollectLimits {
            max_depth: 16,
            max_items: 1000,
            max_string: 8192,
            max_objects: 200_000,
            max_bytes: 1 << 30,
        }
    }
}

/// Adds objects to a graph, each once.
pub struct Collector<'g, 'f, 'r, 'a> {
    fr: &'f FrameReader<'r, 'a>,
    graph: &'g mut ObjectGraph,
    limits: CollectLimits,
    /// Depth budget each object was read with; a later visit with more budget reads again.
    budget: AddrMap<usize>,
    stdlib: Option<&'static StdlibLayout>,
    /// Names of types and attributes, shared by all objects that have them.
    attr_names: HashSet<Arc<str>>,
    /// Locals of generator frames that could not be read: (frame address, what).
    problems: Vec<(u64, String)>,
    /// Classes and modules whose namespace is read too (`--object`): a class's `__dict__`, a
    /// module's globals. Others show them only by name.
    expand: HashSet<u64>,
    /// Read the namespace of every class defined in Python (heap types), as a dump file
    /// does: it can't be asked for later.
    class_namespaces: bool,
    /// Shallow sizes of the objects read so far.
    bytes: u64,
    /// The bound that stopped the reading first, once one has (`max_objects`, `max_bytes`).
    bound_reached: Option<&'static str>,
}

impl<'g, 'f, 'r, 'a> Collector<'g, 'f, 'r, 'a> {
    pub fn new(
        fr: &'f FrameReader<'r, 'a>,
        graph: &'g mut ObjectGraph,
        limits: CollectLimits,
    ) -> Self {
        let l = fr.obj.layout;
        Collector {
            fr,
            graph,
            limits,
            budget: AddrMap::default(),
            stdlib: stdlib_for(l.version.0, l.version.1, l.ptr_size),
            attr_names: HashSet::new(),
            problems: Vec::new(),
            expand: HashSet::new(),
            class_namespaces: false,
            bytes: 0,
            bound_reached: None,
        }
    }

    fn rd(&self) -> &'r ObjReader<'a> {
        self.fr.obj
    }

    /// Collects the object at `addr` and what it reaches, as a root.
    pub fn root(&mut self, addr: RemoteAddr) -> ObjId {
        self.collect(addr, self.limits.max_depth)
    }

    /// Collects the object at `addr` as a root whose own namespace is wanted too: a class's
    /// `__dict__`, a module's globals (`show --object`). Read again if it was met before.
    pub fn root_expanded(&mut self, addr: RemoteAddr) -> ObjId {
        self.expand.insert(addr.0);
        self.budget.remove(&addr.0);
        self.root(addr)
    }

    /// Reads the namespace of every class defined in Python met from now on.
    pub fn with_class_namespaces(mut self, on: bool) -> Self {
        self.class_namespaces = on;
        self
    }

    /// The namespace dict of a class or module asked for with [`Self::root_expanded`].
    fn namespace(&mut self, owner: RemoteAddr, dict: RemoteAddr, budget: usize) -> Option<ObjId> {
        (self.expand.contains(&owner.0) && !dict.is_null()).then(|| self.child(dict, budget.max(2)))
    }

    /// What could not be read in the frames of generators collected so far (their locals), by
    /// frame address; taken out.
    pub fn take_problems(&mut self) -> Vec<(u64, String)> {
        std::mem::take(&mut self.problems)
    }

    /// Records that the object a slot at `id` refers to could not be read.
    pub fn unreadable(&mut self, id: ObjId, reason: String) -> ObjId {
        self.graph.insert(Object {
            id,
            type_name: Arc::from("?"),
            type_short: Arc::from("?"),
            kind: ObjectKind::Unreadable { reason },
            size: None,
        });
        id
    }

    /// A frame with its locals collected (`budget` levels deep).
    pub fn frame(&mut self, rf: &RawFrame, budget: usize, no_locals: bool) -> (Frame, Vec<String>) {
        let mut problems = Vec::new();
        let locals = if no_locals {
            None
        } else {
            self.fr.locals(rf).map(|ls| {
                ls.into_iter()
                    .map(|(name, v)| match v {
                        Ok(addr) => Local {
                            value: self.collect(addr, budget),
                            name,
                        },
                        Err(e) => {
                            problems.push(format!("local `{name}` of {}: {e}", rf.code.qualname));
                            Local {
                                value: self.unreadable(e.addr.0, e.to_string()),
                                name,
                            }
                        }
                    })
                    .collect()
            })
        };
        let frame = Frame {
            function: rf.code.name.clone(),
            qualname: rf.code.qualname.clone(),
            file: rf.code.filename.clone(),
            line: rf.line(self.rd().layout.code.line_table),
            first_line: rf.code.first_line,
            source: None,
            locals,
            address: rf.addr.0,
            entry: rf.entry,
        };
        (frame, problems)
    }

    fn collect(&mut self, addr: RemoteAddr, budget: usize) -> ObjId {
        let budget = budget.min(limits::MAX_NESTING);
        let id = addr.0;
        if let Some(&b) = self.budget.get(&id) {
            if b >= budget {
                return id;
            }
        }
        // Past the object and byte bounds, references are kept but their objects aren't read:
        // views show an id missing from the graph as not read.
        if !self.graph.contains(id) {
            let bound = if self.graph.len() >= self.limits.max_objects {
                Some("max_objects")
            } else if self.bytes >= self.limits.max_bytes {
                Some("max_bytes")
            } else {
                None
            };
            if let Some(bound) = bound {
                self.bound_reached.get_or_insert(bound);
                self.budget.insert(id, usize::MAX);
                return id;
            }
        }
        self.budget.insert(id, budget);
        let obj = self.read_one(addr, budget);
        self.bytes = self.bytes.saturating_add(obj.size.unwrap_or(0));
        self.graph.insert(obj);
        id
    }

    /// What stopped the reading, once a bound of the graph was reached: how many objects
    /// and bytes it holds, and which bound (the CLI option).
    pub fn bound_reached(&self) -> Option<String> {
        let bound = self.bound_reached?;
        let (option, value) = match bound {
            "max_objects" => ("--max-objects", self.limits.max_objects.to_string()),
            _ => ("--max-bytes", self.limits.max_bytes.to_string()),
        };
        Some(format!(
            "the object graph reached {option} {value} ({} objects, {} bytes): objects met after that are shown as not read; raise {option} to read them",
            self.graph.len(),
            self.bytes
        ))
    }

    fn child(&mut self, addr: RemoteAddr, budget: usize) -> ObjId {
        self.collect(addr, budget.saturating_sub(1))
    }

    fn opt_child(&mut self, addr: RemoteAddr, budget: usize) -> Option<ObjId> {
        (!addr.is_null()).then(|| self.child(addr, budget))
    }

    /// One shared copy of an attribute name.
    fn intern(&mut self, name: String) -> Arc<str> {
        if let Some(a) = self.attr_names.get(name.as_str()) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(name);
        self.attr_names.insert(a.clone());
        a
    }

    fn read_one(&mut self, addr: RemoteAddr, budget: usize) -> Object {
        let unknown: Arc<str> = Arc::from("?");
        let unreadable = |type_name: Arc<str>, type_short: Arc<str>, e: ReadError| Object {
            id: addr.0,
            type_name,
            type_short,
            kind: ObjectKind::Unreadable {
                reason: e.to_string(),
            },
            size: None,
        };
        if addr.is_null() {
            return unreadable(unknown.clone(), unknown, ReadError::invalid(addr));
        }
        let t = match self.rd().type_of(addr) {
            Ok(t) => t,
            Err(e) => return unreadable(unknown.clone(), unknown, e),
        };
        let (type_name, type_short) = (t.display.clone(), t.name.clone());
        let decoder = self.rd().decoder(&t);
        let kind = match self.read_kind(addr, &t, decoder, budget) {
            Ok(k) => k,
            Err(e) => return unreadable(type_name, type_short, e),
        };
        Object {
            id: addr.0,
            type_name,
            type_short,
            size: self.rd().size_of(addr, &t),
            kind,
        }
    }

    fn items(&mut self, addrs: Vec<RemoteAddr>, length: u64, budget: usize) -> Items {
        let items = addrs.into_iter().map(|a| self.child(a, budget)).collect();
        Items { items, length }
    }

    fn entries(
        &mut self,
        pairs: Vec<(RemoteAddr, RemoteAddr)>,
        length: u64,
        budget: usize,
    ) -> Entries {
        let items = pairs
            .into_iter()
            .map(|(k, v)| (self.child(k, budget), self.child(v, budget)))
            .collect();
        Entries { items, length }
    }

    /// Items read per container at this depth: none below the depth budget.
    fn n(&self, budget: usize) -> usize {
        if budget == 0 {
            0
        } else {
            self.limits.max_items
        }
    }

    fn read_kind(
        &mut self,
        addr: RemoteAddr,
        t: &TypeInfo,
        decoder: Decoder,
        budget: usize,
    ) -> Result<ObjectKind, ReadError> {
        Ok(match decoder {
            Decoder::Builtin(b) => self.builtin(addr, b, budget)?,
            Decoder::Type => self.type_object(addr, budget)?,
            Decoder::Exception { custom_repr } => self.exception(addr, custom_repr, budget)?,
            Decoder::Instance { custom_repr } => {
                ObjectKind::Instance(self.instance(addr, t, custom_repr, budget)?)
            }
            // A subclass with its own __repr__: its attributes, its repr unknown. (A socket's
            // repr is a summary anyway: socket.socket's own __repr__ asks the live socket.)
            Decoder::Stdlib { kind, custom_repr } if custom_repr && kind != StdlibKind::Socket => {
                ObjectKind::Instance(self.instance(addr, t, true, budget)?)
            }
            // No table of this version's stdlib structs (3.14+): shown by type and address.
            Decoder::Stdlib { kind, .. } if kind.needs_table() && self.stdlib.is_none() => {
                ObjectKind::Opaque
            }
            Decoder::Stdlib { kind, .. } => self.stdlib(addr, t, kind, budget)?,
            Decoder::PyStdlib { kind, custom_repr } => {
                if custom_repr {
                    ObjectKind::Instance(self.instance(addr, t, true, budget)?)
                } else {
                    self.py_stdlib(addr, t, kind, budget)?
                }
            }
            Decoder::StructSeq => {
                let rd = self.rd();
                let (a, len) = rd.tuple_items(addr, self.n(budget))?;
                let names = rd.struct_seq_names(t, len);
                // Without its name or its fields' names (read-only data of a library missing
                // from the dump) the repr can't be Python's: a surrogate.
                match &t.c_name {
                    Some(type_name) if names.len() as u64 == len => {
                        ObjectKind::StructSeq(Box::new(StructSeqInfo {
                            type_name: Arc::from(type_name.as_str()),
                            names,
                            items: self.items(a, len, budget),
                        }))
                    }
                    _ => ObjectKind::Opaque,
                }
            }
            Decoder::Opaque => ObjectKind::Opaque,
        })
    }

    fn builtin(
        &mut self,
        addr: RemoteAddr,
        b: Builtin,
        budget: usize,
    ) -> Result<ObjectKind, ReadError> {
        let rd = self.rd();
        let l = rd.layout;
        let r = &rd.r;
        let lim = self.limits;
        let n = self.n(budget);
        Ok(match b {
            Builtin::None => ObjectKind::None,
            Builtin::Ellipsis => ObjectKind::Ellipsis,
            Builtin::NotImplemented => ObjectKind::NotImplemented,
            Builtin::Bool => ObjectKind::Bool(rd.int_is_nonzero(addr)?),
            Builtin::Int => ObjectKind::Int(rd.int_value(addr)?),
            Builtin::Float => ObjectKind::Float(rd.float_value(addr)?),
            Builtin::Complex => {
                let at = r.at(addr, l.complex.cval)?;
                ObjectKind::Complex {
                    real: r.f64(at)?,
                    imag: r.f64(r.at(at, 8)?)?,
                }
            }
            Builtin::Str => {
                let (text, length) = rd.str_value(addr, lim.max_string)?;
                ObjectKind::Str { text, length }
            }
            Builtin::Bytes => {
                let (data, length) = rd.bytes_value(addr, lim.max_string)?;
                ObjectKind::Bytes { data, length }
            }
            Builtin::ByteArray => {
                let length =
                    u64::try_from(rd.ob_size(addr)?).map_err(|_| ReadError::invalid(addr))?;
                let start = r.ptr_at(addr, l.bytearray.ob_start)?;
                let k = length.min(lim.max_string as u64) as usize;
                let data = if k == 0 {
                    Vec::new()
                } else {
                    r.bytes(start, k)?
                };
                ObjectKind::ByteArray { data, length }
            }
            Builtin::Tuple => {
                let (a, len) = rd.tuple_items(addr, n)?;
                ObjectKind::Tuple(self.items(a, len, budget))
            }
            Builtin::List => {
                let (a, len) = rd.list_items(addr, n)?;
                ObjectKind::List(self.items(a, len, budget))
            }
            Builtin::Set => {
                let (a, len) = rd.set_items(addr, n)?;
                ObjectKind::Set(self.items(a, len, budget))
            }
            Builtin::FrozenSet => {
                let (a, len) = rd.set_items(addr, n)?;
                ObjectKind::FrozenSet(self.items(a, len, budget))
            }
            Builtin::Dict => {
                let (pairs, length) = rd.dict_items(addr, n)?;
                ObjectKind::Dict(self.entries(pairs, length, budget))
            }
            Builtin::Range => {
                let rl = l.range;
                let (start, stop, step) = (
                    r.ptr_at(addr, rl.start)?,
                    r.ptr_at(addr, rl.stop)?,
                    r.ptr_at(addr, rl.step)?,
                );
                ObjectKind::Range {
                    start: self.child(start, budget.max(1)),
                    stop: self.child(stop, budget.max(1)),
                    step: self.child(step, budget.max(1)),
                }
            }
            Builtin::Slice => {
                let sl = l.slice;
                let (start, stop, step) = (
                    r.ptr_at(addr, sl.start)?,
                    r.ptr_at(addr, sl.stop)?,
                    r.ptr_at(addr, sl.step)?,
                );
                ObjectKind::Slice {
                    start: self.child(start, budget.max(1)),
                    stop: self.child(stop, budget.max(1)),
                    step: self.child(step, budget.max(1)),
                }
            }
            Builtin::Cell => {
                let v = rd.cell_contents(addr)?;
                ObjectKind::Cell {
                    contents: self.opt_child(v, budget),
                }
            }
            Builtin::Code => {
                let c = self.fr.code(addr)?;
                ObjectKind::Code(Box::new(CodeInfo {
                    name: c.name.clone(),
                    qualname: c.qualname.clone(),
                    filename: c.filename.clone(),
                    first_line: c.first_line,
                }))
            }
            Builtin::Function => ObjectKind::Function(Box::new(self.function(addr, budget)?)),
            Builtin::Method => {
                let m = l.method;
                let (func, receiver) = (r.ptr_at(addr, m.im_func)?, r.ptr_at(addr, m.im_self)?);
                ObjectKind::BoundMethod {
                    func: self.child(func, budget.max(1)),
                    receiver: self.child(receiver, budget.max(1)),
                }
            }
            Builtin::Module => ObjectKind::Module(Box::new(self.module(addr, budget)?)),
            Builtin::Type => self.type_object(addr, budget)?,
            Builtin::Traceback => ObjectKind::Traceback(Box::new(self.traceback(addr)?)),
            Builtin::Generator | Builtin::Coroutine | Builtin::AsyncGenerator => {
                let flavor = match b {
                    Builtin::Generator => GeneratorFlavor::Generator,
                    Builtin::Coroutine => GeneratorFlavor::Coroutine,
                    _ => GeneratorFlavor::AsyncGenerator,
                };
                ObjectKind::Generator(Box::new(self.generator(addr, flavor, budget)?))
            }
            Builtin::MemoryView => ObjectKind::MemoryView(Box::new(self.memoryview(addr, budget)?)),
            Builtin::Object | Builtin::BaseException | Builtin::MemberDescriptor => {
                ObjectKind::Opaque
            }
        })
    }

    /// A str attribute (name, qualname), as text.
    fn str_at(&self, addr: RemoteAddr, off: u64) -> Option<String> {
        let rd = self.rd();
        rd.str_if_str(rd.r.ptr_at(addr, off).ok()?)
    }

    fn function(&mut self, addr: RemoteAddr, budget: usize) -> Result<FunctionInfo, ReadError> {
        let f = self.rd().layout.function;
        let r = &self.rd().r;
        let name = self.str_at(addr, f.func_name).unwrap_or_default();
        let qualname = self
            .str_at(addr, f.func_qualname)
            .unwrap_or_else(|| name.clone());
        let module = self.str_at(addr, f.func_module);
        let (code, defaults, kwdefaults, closure) = (
            r.ptr_at(addr, f.func_code)?,
            r.ptr_at(addr, f.func_defaults)?,
            r.ptr_at(addr, f.func_kwdefaults)?,
            r.ptr_at(addr, f.func_closure)?,
        );
        Ok(FunctionInfo {
            name,
            qualname,
            module,
            code: self.opt_child(code, budget.max(1)),
            defaults: self.opt_child(defaults, budget),
            kwdefaults: self.opt_child(kwdefaults, budget),
            closure: self.opt_child(closure, budget),
        })
    }

    fn module(&mut self, addr: RemoteAddr, budget: usize) -> Result<ModuleInfo, ReadError> {
        let rd = self.rd();
        let l = rd.layout;
        let dict = rd.module_dict(addr)?;
        let items = if dict.is_null() {
            Vec::new()
        } else {
            rd.dict_items(dict, limits::MAX_TABLE_SLOTS as usize)
                .map(|(items, _)| items)
                .unwrap_or_default()
        };
        let [name, file, spec] = rd.values_of(&items, ["__name__", "__file__", "__spec__"]);
        let as_str = |a: Option<RemoteAddr>| rd.str_if_str(a?);
        let dict_name = as_str(name);
        let file = as_str(file);
        // repr() follows the module's spec: its name (which may differ from `__name__`:
        // `_frozen_importlib` is `importlib._bootstrap`), where it came from, and whether that
        // is a file.
        let (origin, spec_name) = match spec {
            Some(spec)
                if rd
                    .type_of(spec)
                    .map(|t| t.repr_as != Some(Builtin::None))
                    .unwrap_or(false) =>
            {
                let attrs = rd
                    .instance_attrs(spec, limits::MAX_TABLE_SLOTS as usize)
                    .unwrap_or_default();
                let [spec_name, origin, set_fileattr, loader] =
                    rd.values_of(&attrs, ["name", "origin", "_set_fileattr", "loader"]);
                let spec_name = as_str(spec_name);
                let origin = as_str(origin);
                let has_location = set_fileattr
                    .and_then(|b| rd.int_is_nonzero(b).ok())
                    .unwrap_or(false);
                // Before 3.10 builtin and frozen modules have no origin; their loaders'
                // module_repr() gives the tag, with `module.__name__`.
                let loader_tag = || {
                    let loader = loader?;
                    let lt = rd.type_info(loader).ok()?;
                    match &*lt.name {
                        "BuiltinImporter" => Some("built-in".to_string()),
                        "FrozenImporter" => Some("frozen".to_string()),
                        _ => None,
                    }
                };
                match origin {
                    Some(o) if has_location => (ModuleOrigin::File(o), spec_name),
                    Some(o) => (ModuleOrigin::Tag(o), spec_name),
                    None => match loader_tag() {
                        Some(tag) => (ModuleOrigin::Tag(tag), None),
                        None => (ModuleOrigin::Unknown, spec_name),
                    },
                }
            }
            _ => match &file {
                Some(f) => (ModuleOrigin::File(f.clone()), None),
                None => (ModuleOrigin::Unknown, None),
            },
        };
        let name = spec_name
            .or(dict_name)
            .or_else(|| self.str_at(addr, l.module.md_name))
            .unwrap_or_else(|| "?".into());
        let globals = self.namespace(addr, dict, budget);
        Ok(ModuleInfo {
            name,
            file,
            origin,
            globals,
        })
    }

    fn type_object(&mut self, addr: RemoteAddr, budget: usize) -> Result<ObjectKind, ReadError> {
        let rd = self.rd();
        let t = rd.type_info(addr)?;
        // Bases and MRO are shown by name; read them shallowly.
        let shallow = budget.min(1);
        let mro = rd
            .mro_of(&t)
            .iter()
            .map(|&a| self.collect(a, shallow.saturating_sub(1)))
            .collect();
        let bases_ptr =
            rd.r.ptr_at(addr, rd.layout.type_object.tp_bases)
                .ok()
                .filter(|b| !b.is_null());
        let base_addrs = match bases_ptr.and_then(|b| rd.tuple_items(b, 64).ok()) {
            Some((items, _)) => items,
            None if !t.base.is_null() => vec![t.base],
            None => Vec::new(),
        };
        let bases = base_addrs
            .into_iter()
            .map(|a| self.collect(a, shallow.saturating_sub(1)))
            .collect();
        let tp_dict = rd.type_dict(addr);
        let dict = match tp_dict {
            Some(d) if self.class_namespaces && t.heap => Some(self.child(d, budget.max(2))),
            _ => self.namespace(addr, tp_dict.unwrap_or(RemoteAddr::NULL), budget),
        };
        Ok(ObjectKind::Type(Box::new(TypeValue {
            name: t.name.to_string(),
            qualname: t.qualname.clone(),
            module: t.module.clone(),
            bases,
            mro,
            dict,
            // Versions without a stdlib table are newer ones: they say "flag".
            repr_style: self
                .rd()
                .type_repr_style(&t, self.stdlib.is_none_or(|s| s.enum_flag_repr)),
        })))
    }

    fn exception(
        &mut self,
        addr: RemoteAddr,
        custom_repr: bool,
        budget: usize,
    ) -> Result<ObjectKind, ReadError> {
        let e = self.rd().layout.exception;
        let r = &self.rd().r;
        let args = r.ptr_at(addr, e.args)?;
        let cause = r.ptr_at(addr, e.cause)?;
        let context = r.ptr_at(addr, e.context)?;
        let tb = r.ptr_at(addr, e.traceback)?;
        let suppress = r.u8_at(addr, e.suppress_context).unwrap_or(0) != 0;
        let notes = match e.notes {
            Some(off) => r.ptr_at(addr, off)?,
            None => RemoteAddr::NULL,
        };
        let dict = r.ptr_at(addr, e.dict)?;
        let budget_inner = budget.max(1);
        let mut info = ExceptionInfo {
            args: self.opt_child(args, budget_inner),
            cause: self.opt_child(cause, budget),
            context: self.opt_child(context, budget),
            suppress_context: suppress,
            notes: self.opt_child(notes, budget),
            traceback: self.opt_child(tb, budget_inner),
            attrs: Vec::new(),
            custom_repr,
        };
        if !dict.is_null() {
            if let Ok((pairs, _)) = self.rd().dict_items(dict, self.n(budget)) {
                for (k, v) in pairs {
                    if let Ok(name) = self.rd().str_plain(k) {
                        let id = self.child(v, budget);
                        // add_note() keeps the notes in the dict, not in the struct's field.
                        if name == "__notes__" && info.notes.is_none() {
                            info.notes = Some(id);
                        }
                        let name = self.intern(name);
                        info.attrs.push((name, id));
                    }
                }
            }
        }
        Ok(ObjectKind::Exception(Box::new(info)))
    }

    fn traceback(&mut self, addr: RemoteAddr) -> Result<TracebackInfo, ReadError> {
        let rd = self.rd();
        let l = rd.layout;
        let tl = l.traceback;
        let mut entries = Vec::new();
        let mut cur = addr;
        let mut seen = std::collections::HashSet::new();
        while !cur.is_null() && entries.len() < limits::MAX_TRACEBACK && seen.insert(cur.0) {
            let frame = rd.r.ptr_at(cur, tl.tb_frame)?;
            let lasti = i64::from(rd.r.i32_at(cur, tl.tb_lasti)?);
            let lineno = i64::from(rd.r.i32_at(cur, tl.tb_lineno)?);
            let code = self.fr.code_of_frame_object(frame)?;
            // `tb_lasti` is a byte offset in every version.
            let line = if lineno >= 0 {
                Some(lineno)
            } else {
                crate::cpython::linetable::line_for(
                    l.code.line_table,
                    &code.line_table,
                    code.first_line,
                    lasti,
                )
            };
            entries.push(TracebackEntry {
                function: code.name.clone(),
                qualname: code.qualname.clone(),
                file: code.filename.clone(),
                line,
            });
            cur = rd.r.ptr_at(cur, tl.tb_next)?;
        }
        Ok(TracebackInfo { entries })
    }

    fn generator(
        &mut self,
        addr: RemoteAddr,
        flavor: GeneratorFlavor,
        budget: usize,
    ) -> Result<GeneratorInfo, ReadError> {
        let rd = self.rd();
        let g = rd.layout.generator;
        let name = self.str_at(addr, g.gi_name).unwrap_or_default();
        let qualname = self
            .str_at(addr, g.gi_qualname)
            .unwrap_or_else(|| name.clone());
        let (state, frame_addr) = rd.generator_frame(addr)?;
        let delegate = rd.yield_from(addr, state, frame_addr).unwrap_or(None);
        let frame = if state == GeneratorState::Finished {
            None
        } else {
            match self.fr.frame_at(frame_addr) {
                Ok((Some(rf), _)) => {
                    let (frame, problems) = self.frame(&rf, budget.saturating_sub(1), false);
                    self.problems
                        .extend(problems.into_iter().map(|p| (rf.addr.0, p)));
                    Some(frame)
                }
                _ => None,
            }
        };
        let awaiting = delegate.map(|d| self.delegate(d, budget));
        Ok(GeneratorInfo {
            flavor,
            name,
            qualname,
            state,
            frame,
            awaiting,
        })
    }

    /// What a generator delegates to: the object, or for the iterator a future's `__await__`
    /// returns (`_asyncio.FutureIter`), the future. Read one level down; at the depth limit
    /// only its address is kept (a task's chain is followed further by `await_chain`).
    fn delegate(&mut self, addr: RemoteAddr, budget: usize) -> ObjId {
        let rd = self.rd();
        let target = match rd.type_of(addr).map(|t| rd.decoder(&t)) {
            Ok(Decoder::Stdlib {
                kind: StdlibKind::FutureIter,
                ..
            }) => self
                .stdlib
                .and_then(|s| rd.r.ptr_at(addr, s.asyncio.future_iter_future).ok())
                .filter(|f| !f.is_null())
                .unwrap_or(addr),
            _ => addr,
        };
        if budget == 0 {
            target.0
        } else {
            self.child(target, budget)
        }
    }

    /// Reads a task's chain of coroutines, each awaiting the next, down to what the last
    /// awaits, however deep the depth limit stopped `delegate`.
    fn await_chain(&mut self, coro: ObjId) {
        let mut cur = coro;
        for _ in 0..limits::MAX_AWAIT_CHAIN {
            let next = match self.graph.get(cur).map(|o| &o.kind) {
                Some(ObjectKind::Generator(g)) => g.awaiting,
                _ => None,
            };
            let Some(next) = next else { return };
            self.collect(RemoteAddr(next), 2);
            cur = next;
        }
    }

    fn memoryview(&mut self, addr: RemoteAddr, budget: usize) -> Result<MemoryViewInfo, ReadError> {
        let rd = self.rd();
        let m = rd.layout.memoryview;
        let r = &rd.r;
        let view = r.at(addr, m.view)?;
        let ndim = i64::from(r.i32_at(view, m.ndim)?);
        let format_ptr = r.ptr_at(view, m.format)?;
        let format = if format_ptr.is_null() {
            "B".to_string()
        } else {
            String::from_utf8_lossy(&r.c_string(format_ptr, 64).unwrap_or_default()).into_owned()
        };
        let shape_ptr = r.ptr_at(view, m.shape)?;
        let mut shape = Vec::new();
        if !shape_ptr.is_null() {
            for i in 0..ndim.clamp(0, 64) as u64 {
                shape.push(r.ssize(r.at(shape_ptr, i * u64::from(r.ptr_size()))?)?);
            }
        }
        let obj = r.ptr_at(view, m.obj)?;
        Ok(MemoryViewInfo {
            format,
            itemsize: r.ssize_at(view, m.itemsize)?,
            ndim,
            shape,
            readonly: r.i32_at(view, m.readonly)? != 0,
            nbytes: r.ssize_at(view, m.len)?,
            obj: self.opt_child(obj, budget),
        })
    }

    /// Attributes of an instance: `__dict__` (or its managed values), then `__slots__`.
    fn instance(
        &mut self,
        addr: RemoteAddr,
        t: &TypeInfo,
        custom_repr: bool,
        budget: usize,
    ) -> Result<Instance, ReadError> {
        let rd = self.rd();
        // All names are read to know how many there are; the values past the bound are not.
        let mut raw: Vec<(RemoteAddr, RemoteAddr)> = rd
            .instance_attrs(addr, limits::MAX_TABLE_SLOTS as usize)
            .unwrap_or_default();
        let mut attrs = Vec::new();
        let mut slot_attrs = rd.slot_values(addr, t);
        let length = (raw.len() + slot_attrs.len()) as u64;
        if budget == 0 {
            return Ok(Instance {
                attrs,
                length,
                custom_repr,
            });
        }
        let keep = self.limits.max_items;
        for (k, v) in raw.drain(..).take(keep) {
            let name = rd.str_plain(k).unwrap_or_else(|_| format!("<key at {k}>"));
            let name = self.intern(name);
            attrs.push((name, self.child(v, budget)));
        }
        for (name, v) in slot_attrs.drain(..).take(keep.saturating_sub(attrs.len())) {
            attrs.push((name, self.child(v, budget)));
        }
        Ok(Instance {
            attrs,
            length,
            custom_repr,
        })
    }

    fn stdlib(
        &mut self,
        addr: RemoteAddr,
        t: &TypeInfo,
        kind: StdlibKind,
        budget: usize,
    ) -> Result<ObjectKind, ReadError> {
        let rd = self.rd();
        let r = &rd.r;
        let n = self.n(budget);
        let dt = rd.layout.datetime;
        let need = || self.stdlib.ok_or_else(|| ReadError::invalid(addr));
        Ok(match kind {
            StdlibKind::Date => {
                let d = r.bytes(r.at(addr, dt.date_data)?, 4)?;
                ObjectKind::Date {
                    year: u16::from(d[0]) << 8 | u16::from(d[1]),
                    month: d[2],
                    day: d[3],
                }
            }
            StdlibKind::Time => {
                let d = r.bytes(r.at(addr, dt.time_data)?, 6)?;
                let tz = self.tzinfo(addr, dt.time_tzinfo, budget)?;
                ObjectKind::Time(TimeInfo {
                    hour: d[0],
                    minute: d[1],
                    second: d[2],
                    microsecond: u32::from(d[3]) << 16 | u32::from(d[4]) << 8 | u32::from(d[5]),
                    fold: r.u8_at(addr, dt.time_fold).unwrap_or(0),
                    tzinfo: tz,
                })
            }
            StdlibKind::DateTime => {
                let d = r.bytes(r.at(addr, dt.datetime_data)?, 10)?;
                let tz = self.tzinfo(addr, dt.datetime_tzinfo, budget)?;
                ObjectKind::DateTime {
                    year: u16::from(d[0]) << 8 | u16::from(d[1]),
                    month: d[2],
                    day: d[3],
                    time: TimeInfo {
                        hour: d[4],
                        minute: d[5],
                        second: d[6],
                        microsecond: u32::from(d[7]) << 16 | u32::from(d[8]) << 8 | u32::from(d[9]),
                        fold: r.u8_at(addr, dt.datetime_fold).unwrap_or(0),
                        tzinfo: tz,
                    },
                }
            }
            StdlibKind::TimeDelta => ObjectKind::TimeDelta {
                days: r.i32_at(addr, dt.delta_days)?,
                seconds: r.i32_at(addr, dt.delta_seconds)?,
                microseconds: r.i32_at(addr, dt.delta_microseconds)?,
            },
            StdlibKind::TimeZone => {
                let z = need()?.timezone;
                let (offset, name) = (r.ptr_at(addr, z.offset)?, r.ptr_at(addr, z.name)?);
                // `timezone(timedelta(0))` without a name is the `timezone.utc` singleton.
                let zero = self
                    .rd()
                    .type_of(offset)
                    .ok()
                    .filter(|t| &*t.display == "datetime.timedelta")
                    .and_then(|_| {
                        let d = (
                            r.i32_at(offset, dt.delta_days).ok()?,
                            r.i32_at(offset, dt.delta_seconds).ok()?,
                            r.i32_at(offset, dt.delta_microseconds).ok()?,
                        );
                        Some(d == (0, 0, 0))
                    })
                    .unwrap_or(false);
                ObjectKind::TimeZone {
                    offset: self.child(offset, budget.max(1)),
                    name: self.opt_child(name, budget.max(1)),
                    utc: zero && name.is_null(),
                }
            }
            StdlibKind::Deque => {
                let d = need()?.deque;
                let len = u64::try_from(rd.ob_size(addr)?).map_err(|_| ReadError::invalid(addr))?;
                let mut block = r.ptr_at(addr, d.leftblock)?;
                let mut idx = u64::try_from(r.ssize_at(addr, d.leftindex)?)
                    .map_err(|_| ReadError::invalid(addr))?;
                let mut out = Vec::new();
                while (out.len() as u64) < len.min(n as u64) {
                    if idx >= d.block_len {
                        block = r.ptr_at(block, d.block_rightlink)?;
                        idx = 0;
                        if block.is_null() {
                            break;
                        }
                    }
                    out.push(r.ptr_at(block, d.block_data + idx * u64::from(r.ptr_size()))?);
                    idx += 1;
                }
                let maxlen = r.ssize_at(addr, d.maxlen)?;
                ObjectKind::Deque {
                    items: self.items(out, len, budget),
                    maxlen: (maxlen >= 0).then_some(maxlen),
                }
            }
            StdlibKind::DefaultDict => {
                let factory = r.ptr_at(addr, need()?.defaultdict.default_factory)?;
                let (pairs, length) = rd.dict_items(addr, n)?;
                ObjectKind::DefaultDict {
                    factory: self.child(factory, budget.max(1)),
                    entries: self.entries(pairs, length, budget),
                }
            }
            StdlibKind::OrderedDict => {
                let o = need()?.odict;
                // All values are read to match them to the nodes (the order); none when no
                // item is wanted.
                let cap = if n == 0 {
                    0
                } else {
                    limits::MAX_TABLE_SLOTS as usize
                };
                let (all, length) = rd.dict_items(addr, cap)?;
                let values: HashMap<u64, RemoteAddr> = all.iter().map(|(k, v)| (k.0, *v)).collect();
                let mut node = r.ptr_at(addr, o.od_first)?;
                let mut pairs = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while !node.is_null() && pairs.len() < n && seen.insert(node.0) {
                    let key = r.ptr_at(node, o.node_key)?;
                    if let Some(&v) = values.get(&key.0) {
                        pairs.push((key, v));
                    }
                    node = r.ptr_at(node, o.node_next)?;
                }
                ObjectKind::OrderedDict {
                    entries: self.entries(pairs, length, budget),
                    dict_style: o.repr_as_dict,
                }
            }
            StdlibKind::Decimal => ObjectKind::Decimal(rd.decimal_text(addr, need()?.decimal)?),
            StdlibKind::Pattern => {
                let p = need()?.pattern;
                let pattern = r.ptr_at(addr, p.pattern)?;
                ObjectKind::Pattern {
                    pattern: self.child(pattern, budget.max(1)),
                    flags: i64::from(r.i32_at(addr, p.flags)?),
                }
            }
            StdlibKind::Lock => ObjectKind::Lock {
                locked: match need()?.lock {
                    LockLayout::LockedChar { locked } => r.u8_at(addr, locked)? != 0,
                    LockLayout::Mutex { mutex, locked_bit } => {
                        r.u8_at(addr, mutex)? & (1 << locked_bit) != 0
                    }
                },
            },
            StdlibKind::RLock => {
                let l = need()?.rlock;
                ObjectKind::RLock {
                    owner: r.word_at(addr, l.rlock_owner)?,
                    count: r.word_at(addr, l.rlock_count)?,
                }
            }
            StdlibKind::FileIo | StdlibKind::Buffered | StdlibKind::TextIo => {
                let info = self.file(addr, t, kind, budget)?;
                ObjectKind::File(Box::new(info))
            }
            StdlibKind::Socket => {
                let s = need()?.socket;
                ObjectKind::Socket {
                    fd: i64::from(r.i32_at(addr, s.sock_fd)?),
                    family: r.i32_at(addr, s.sock_family)?,
                    kind: r.i32_at(addr, s.sock_type)?,
                    proto: r.i32_at(addr, s.sock_proto)?,
                }
            }
            StdlibKind::NdArray => ObjectKind::NdArray(Box::new(rd.ndarray(addr)?)),
            // Only a step between a coroutine and the future it awaits (see `delegate`).
            StdlibKind::FutureIter => ObjectKind::Opaque,
            StdlibKind::Task | StdlibKind::Future => {
                let a = need()?.asyncio;
                let state = r.i32_at(addr, a.fut_state)?;
                // Any other value is not a future's state: garbage, not "finished".
                let state = match state {
                    s if s == a.state_pending => TaskState::Pending,
                    s if s == a.state_cancelled => TaskState::Cancelled,
                    s if s == a.state_finished => TaskState::Finished,
                    _ => return Err(ReadError::invalid(addr)),
                };
                let is_task = kind == StdlibKind::Task;
                let (result, exception) = (
                    r.ptr_at(addr, a.fut_result)?,
                    r.ptr_at(addr, a.fut_exception)?,
                );
                let (name, coro, waiter) = if is_task {
                    (
                        r.ptr_at(addr, a.task_name)?,
                        r.ptr_at(addr, a.task_coro)?,
                        r.ptr_at(addr, a.task_fut_waiter)?,
                    )
                } else {
                    (RemoteAddr::NULL, RemoteAddr::NULL, RemoteAddr::NULL)
                };
                let b = budget.max(1);
                let coro = self.opt_child(coro, b.max(2));
                if let Some(c) = coro {
                    self.await_chain(c);
                }
                ObjectKind::Task(Box::new(TaskInfo {
                    is_task,
                    state,
                    name: self.opt_child(name, b),
                    coro,
                    waiting_on: self.opt_child(waiter, b),
                    result: self.opt_child(result, b),
                    exception: self.opt_child(exception, b),
                }))
            }
        })
    }

    fn tzinfo(
        &mut self,
        addr: RemoteAddr,
        off: u64,
        budget: usize,
    ) -> Result<Option<ObjId>, ReadError> {
        let rd = self.rd();
        let has = rd.r.u8_at(addr, rd.layout.datetime.hastzinfo)? != 0;
        if !has {
            return Ok(None);
        }
        let tz = rd.r.ptr_at(addr, off)?;
        Ok(self.opt_child(tz, budget.max(1)))
    }

    /// `_io` file objects: the raw file's name and mode, found through the layers.
    fn file(
        &mut self,
        addr: RemoteAddr,
        t: &TypeInfo,
        kind: StdlibKind,
        budget: usize,
    ) -> Result<FileInfo, ReadError> {
        let rd = self.rd();
        let std = self.stdlib.ok_or_else(|| ReadError::invalid(addr))?;
        let r = &rd.r;
        let dict_attr = |obj: RemoteAddr, dict_off: u64, name: &str| -> Option<RemoteAddr> {
            let d = r.ptr_at(obj, dict_off).ok().filter(|d| !d.is_null())?;
            rd.dict_get_str(d, name).ok().flatten()
        };
        let as_str = |a: Option<RemoteAddr>| rd.str_if_str(a?);
        let (raw, text) = match kind {
            StdlibKind::TextIo => {
                let b = r.ptr_at(addr, std.textio.buffer)?;
                // Below a text file is a buffered one, or the raw FileIO itself when it is
                // unbuffered (`sys.stderr` when it isn't a terminal, `python -u`).
                let below = rd.type_of(b).map(|t| rd.decoder(&t));
                let raw = match below {
                    _ if b.is_null() => RemoteAddr::NULL,
                    Ok(Decoder::Stdlib {
                        kind: StdlibKind::FileIo,
                        ..
                    }) => b,
                    Ok(Decoder::Stdlib {
                        kind: StdlibKind::Buffered,
                        ..
                    }) => r.ptr_at(b, std.buffered.raw)?,
                    // A Python-level buffer (io.BytesIO, a user class): no FileIO below.
                    _ => RemoteAddr::NULL,
                };
                (raw, Some(addr))
            }
            StdlibKind::Buffered => (r.ptr_at(addr, std.buffered.raw)?, None),
            _ => (addr, None),
        };
        let f = std.fileio;
        let (fd, closefd, mode_bits) = if raw.is_null() {
            (None, None, None)
        } else {
            let fd = i64::from(r.i32_at(raw, f.fd)?);
            // One-bit fields of one byte; each offset names the byte its bit lives in.
            let bit = |off: u64, b: u8| r.u8_at(raw, off).map(|v| v >> b & 1 == 1).unwrap_or(false);
            (
                Some(fd),
                Some(bit(f.appending, FileIoLayout::CLOSEFD_BIT)),
                Some((
                    bit(f.created, FileIoLayout::CREATED_BIT),
                    bit(f.readable, FileIoLayout::READABLE_BIT),
                    bit(f.writable, FileIoLayout::WRITABLE_BIT),
                    bit(f.appending, FileIoLayout::APPENDING_BIT),
                )),
            )
        };
        let name = if raw.is_null() {
            None
        } else {
            dict_attr(raw, f.dict, "name")
        };
        let mode = match (text, mode_bits) {
            // open() sets `mode` on the object it returns.
            (Some(tw), _) => as_str(dict_attr(tw, std.textio.dict, "mode")),
            (None, Some((created, readable, writable, appending))) => Some(
                if created {
                    if readable {
                        "xb+"
                    } else {
                        "xb"
                    }
                } else if appending {
                    if readable {
                        "ab+"
                    } else {
                        "ab"
                    }
                } else if readable && writable {
                    "rb+"
                } else if readable {
                    "rb"
                } else {
                    "wb"
                }
                .to_string(),
            ),
            _ => None,
        };
        let encoding = text.and_then(|tw| {
            let e = r.ptr_at(tw, std.textio.encoding).ok()?;
            rd.str_plain(e).ok()
        });
        Ok(FileInfo {
            class: t.display.to_string(),
            name: name.map(|n| self.child(n, budget.max(1))),
            mode,
            encoding,
            closed: fd == Some(-1),
            fd,
            closefd,
        })
    }

    fn py_stdlib(
        &mut self,
        addr: RemoteAddr,
        t: &TypeInfo,
        kind: PyStdlibKind,
        budget: usize,
    ) -> Result<ObjectKind, ReadError> {
        let rd = self.rd();
        // Slots first; the instance dict is read on a miss, once.
        let slots = rd.slot_values(addr, t);
        let dict = std::cell::OnceCell::new();
        let attr = |name: &str| -> Option<RemoteAddr> {
            slots
                .iter()
                .find(|(n, _)| &**n == name)
                .map(|(_, v)| *v)
                .or_else(|| {
                    let attrs = dict.get_or_init(|| {
                        rd.instance_attrs(addr, limits::MAX_TABLE_SLOTS as usize)
                            .unwrap_or_default()
                    });
                    rd.values_of(attrs, [name])[0]
                })
        };
        Ok(match kind {
            PyStdlibKind::Counter => {
                let (pairs, length) = rd.dict_items(addr, self.n(budget))?;
                ObjectKind::Counter(self.entries(pairs, length, budget))
            }
            PyStdlibKind::Fraction => {
                let (num, den) = (
                    attr("_numerator").ok_or_else(|| ReadError::invalid(addr))?,
                    attr("_denominator").ok_or_else(|| ReadError::invalid(addr))?,
                );
                ObjectKind::Fraction {
                    numerator: self.child(num, budget.max(1)),
                    denominator: self.child(den, budget.max(1)),
                }
            }
            PyStdlibKind::Uuid => {
                let v = attr("int").ok_or_else(|| ReadError::invalid(addr))?;
                match rd.int_value(v)? {
                    IntValue::Decimal(d) => {
                        ObjectKind::Uuid(d.parse().map_err(|_| ReadError::invalid(v))?)
                    }
                    IntValue::Huge { .. } => return Err(ReadError::invalid(v)),
                }
            }
            PyStdlibKind::EnumMember => {
                let name = attr("_name_")
                    .and_then(|n| rd.str_plain(n).ok())
                    .unwrap_or_else(|| "?".into());
                let value = attr("_value_").ok_or_else(|| ReadError::invalid(addr))?;
                ObjectKind::EnumMember {
                    class: t.name.to_string(),
                    name,
                    value: self.child(value, budget.max(1)),
                }
            }
        })
    }
}

impl ObjReader<'_> {
    /// `__slots__` values of an instance, set ones only, in the order `copyreg._slotnames`
    /// (and so pickle) uses: see [`ObjReader::slots_of`].
    pub fn slot_values(&self, addr: RemoteAddr, t: &TypeInfo) -> Vec<(Arc<str>, RemoteAddr)> {
        self.slots_of(t)
            .iter()
            .filter_map(|(name, off)| {
                let value = self.r.ptr_at(addr, *off).ok()?;
                (!value.is_null()).then(|| (name.clone(), value))
            })
            .collect()
    }

    /// The object slots of a class's instances, name and offset, in the order
    /// `copyreg._slotnames` uses: the class first, then its bases along the MRO, each class's
    /// `__slots__` as declared; private names mangled, `__dict__` and `__weakref__` left out.
    /// Read once per class.
    pub fn slots_of<'t>(&self, t: &'t TypeInfo) -> &'t [(Arc<str>, u64)] {
        t.slots.get_or_init(|| self.read_slots(t))
    }

    fn read_slots(&self, t: &TypeInfo) -> Vec<(Arc<str>, u64)> {
        let m = self.layout.member;
        let mut out = Vec::new();
        for c in self.mro_full(t) {
            if !c.heap {
                continue;
            }
            // The class dict is read once: `__slots__`, then each slot's descriptor.
            let Some(Ok((entries, _))) = self
                .type_dict(c.addr)
                .map(|d| self.dict_items(d, limits::MAX_TABLE_SLOTS as usize))
            else {
                continue;
            };
            let [Some(slots)] = self.values_of(&entries, ["__slots__"]) else {
                continue;
            };
            let by_name: HashMap<String, RemoteAddr> = entries
                .iter()
                .filter_map(|&(k, v)| Some((self.str_plain(k).ok()?, v)))
                .collect();
            let items = match self.type_of(slots).map(|st| st.repr_as) {
                Ok(Some(Builtin::Str)) => Ok((vec![slots], 1)),
                Ok(Some(Builtin::Tuple)) => self.tuple_items(slots, limits::MAX_SLOTS),
                Ok(Some(Builtin::List)) => self.list_items(slots, limits::MAX_SLOTS),
                _ => Ok((Vec::new(), 0)),
            };
            let names: Vec<String> = items
                .map(|(v, _)| {
                    v.into_iter()
                        .filter_map(|n| self.str_plain(n).ok())
                        .collect()
                })
                .unwrap_or_default();
            for name in names {
                if name == "__dict__" || name == "__weakref__" {
                    continue;
                }
                let key = mangle(&c.name, &name);
                // Only a member descriptor has a `d_member` (after `C.x = 5` the name holds
                // an int).
                let Some(&descr) = by_name.get(&key).filter(|&&a| {
                    self.type_of(a)
                        .is_ok_and(|t| t.builtin == Some(Builtin::MemberDescriptor))
                }) else {
                    continue;
                };
                let Ok(def) = self.r.ptr_at(descr, m.d_member) else {
                    continue;
                };
                let (Ok(ty), Ok(off)) = (
                    self.r.i32_at(def, m.member_type),
                    self.r.ssize_at(def, m.offset),
                ) else {
                    continue;
                };
                if ty == m.t_object_ex && off > 0 {
                    out.push((Arc::from(key), off as u64));
                }
            }
        }
        out
    }
}

/// `_Py_Mangle`: `__x` in class `C` is stored as `_C__x` (not names ending in `__`, nor
/// dotted ones; leading underscores of the class name are dropped).
fn mangle(class: &str, name: &str) -> String {
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') {
        return name.to_string();
    }
    let cls = class.trim_start_matches('_');
    if cls.is_empty() {
        return name.to_string();
    }
    format!("_{cls}{name}")
}
