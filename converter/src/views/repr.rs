//! `repr()` of objects in the graph, exactly as Python prints it, or visibly cut.

use std::collections::HashSet;
use std::fmt::Write;

use unicode_general_category::{get_general_category, GeneralCategory};

use crate::limits::{self, ReprLimits};
use crate::model::{
    Entries, FileInfo, IntValue, Items, ModuleOrigin, NdScalar, ObjId, Object, ObjectGraph,
    ObjectKind, PyText, StructSeqInfo, TaskState, TimeInfo, TypeReprStyle,
};

/// How faithful a rendered repr is, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Exactly what Python's `repr()` prints.
    Exact,
    /// Cut by a limit, with the cut marked.
    Truncated,
    /// Contains objects of types hd doesn't decode, shown as `<T object at 0x…>`.
    Opaque,
    /// Contains objects whose memory was not readable.
    Unreadable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Exact => "exact",
            Status::Truncated => "truncated",
            Status::Opaque => "opaque",
            Status::Unreadable => "unreadable",
        }
    }
}

/// A rendered value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub status: Status,
    /// Full length (characters, bytes or items) of the top object when it was cut.
    pub length: Option<u64>,
}

/// Renders `id` from `graph` within `limits`.
pub fn render(graph: &ObjectGraph, id: ObjId, limits: ReprLimits) -> Rendered {
    let mut r = Renderer::new(graph, limits);
    r.value(id, 0, true);
    // A cut somewhere inside: the length given is the top object's own.
    let length = match (r.status, r.top_length) {
        (Status::Truncated, None) => graph.get(id).and_then(|o| o.kind.length()),
        (_, l) => l,
    };
    Rendered {
        text: r.out,
        status: r.status,
        length,
    }
}

struct Renderer<'g> {
    graph: &'g ObjectGraph,
    limits: ReprLimits,
    out: String,
    status: Status,
    /// Objects being rendered, for `[...]` like Python's `Py_ReprEnter`.
    active: HashSet<ObjId>,
    top_length: Option<u64>,
}

impl<'g> Renderer<'g> {
    fn new(graph: &'g ObjectGraph, limits: ReprLimits) -> Self {
        Renderer {
            graph,
            limits,
            out: String::new(),
            status: Status::Exact,
            active: HashSet::new(),
            top_length: None,
        }
    }

    fn mark(&mut self, s: Status) {
        if s > self.status {
            self.status = s;
        }
    }

    fn cut(&mut self, top: bool, length: u64) {
        self.mark(Status::Truncated);
        if top {
            self.top_length = Some(length);
        }
    }

    /// Renders one object, guarding every recursion: an object met again inside its own
    /// repr prints Python's `Py_ReprEnter` marker, and nesting stops at `MAX_NESTING`.
    fn value(&mut self, id: ObjId, depth: usize, top: bool) {
        // Ids that aren't in the graph were not read: the object limit was reached.
        let Some(obj) = self.graph.get(id) else {
            self.mark(Status::Truncated);
            let _ = write!(self.out, "<object at {id:#x}, not read>");
            return;
        };
        if depth > limits::MAX_NESTING {
            self.mark(Status::Truncated);
            self.out.push_str("...");
            return;
        }
        if self.active.contains(&id) {
            self.reentered(obj, depth);
            return;
        }
        self.active.insert(id);
        self.kind(obj, depth, top);
        self.active.remove(&id);
    }

    /// What Python prints for a container met again inside its own repr; other objects
    /// (where Python would raise `RecursionError`) show a cut `...`.
    fn reentered(&mut self, obj: &Object, depth: usize) {
        match &obj.kind {
            ObjectKind::List(_) | ObjectKind::Deque { .. } => self.out.push_str("[...]"),
            ObjectKind::Tuple(_) => self.out.push_str("(...)"),
            ObjectKind::Dict(_) => self.out.push_str("{...}"),
            ObjectKind::Set(_) | ObjectKind::FrozenSet(_) => {
                let _ = write!(self.out, "{}(...)", tp_name(obj));
            }
            ObjectKind::OrderedDict { .. } => self.out.push_str("..."),
            // `defdict_repr` prints the factory, then `dict_repr` finds itself re-entered.
            ObjectKind::DefaultDict { factory, .. } => {
                let _ = write!(self.out, "{}(", obj.type_short);
                self.value(*factory, depth + 1, false);
                self.out.push_str(", {...})");
            }
            _ => {
                self.mark(Status::Truncated);
                self.out.push_str("...");
            }
        }
    }

    fn kind(&mut self, obj: &'g Object, depth: usize, top: bool) {
        let id = obj.id;
        match &obj.kind {
            ObjectKind::None => self.out.push_str("None"),
            ObjectKind::Ellipsis => self.out.push_str("Ellipsis"),
            ObjectKind::NotImplemented => self.out.push_str("NotImplemented"),
            ObjectKind::Bool(b) => self.out.push_str(if *b { "True" } else { "False" }),
            ObjectKind::Int(IntValue::Decimal(d)) => self.out.push_str(d),
            ObjectKind::Int(IntValue::Huge { negative, bits }) => {
                self.mark(Status::Truncated);
                let _ = write!(
                    self.out,
                    "<{}int of {bits} bits>",
                    if *negative { "negative " } else { "" }
                );
            }
            ObjectKind::Float(f) => self.out.push_str(&float_repr(*f)),
            ObjectKind::Str { text, length } => {
                let shown = (text.char_count() as u64).min(self.limits.max_string as u64);
                let cps: Vec<u32> = text
                    .code_points()
                    .into_iter()
                    .take(shown as usize)
                    .collect();
                self.out.push_str(&str_repr(&cps));
                if shown < *length {
                    let _ = write!(self.out, "...(+{} chars)", length - shown);
                    self.cut(top, *length);
                }
            }
            ObjectKind::Bytes { data, length } => {
                let shown = (data.len() as u64).min(self.limits.max_string as u64);
                self.out.push_str(&bytes_repr(&data[..shown as usize]));
                if shown < *length {
                    let _ = write!(self.out, "...(+{} bytes)", length - shown);
                    self.cut(top, *length);
                }
            }
            ObjectKind::List(items) => self.seq("[", "]", items, depth, top, false),
            ObjectKind::Tuple(items) => self.seq("(", ")", items, depth, top, true),
            ObjectKind::StructSeq(s) => self.struct_seq(s, depth, top),
            ObjectKind::Set(items) | ObjectKind::FrozenSet(items) => {
                let frozen = matches!(obj.kind, ObjectKind::FrozenSet(_));
                let exact_set = !frozen && &*obj.type_name == "set";
                let name = obj.type_short.clone();
                if items.length == 0 {
                    let _ = write!(self.out, "{name}()");
                } else if exact_set {
                    self.seq("{", "}", items, depth, top, false);
                } else {
                    let _ = write!(self.out, "{name}(");
                    self.seq("{", "}", items, depth, top, false);
                    self.out.push(')');
                }
            }
            ObjectKind::Dict(entries) => self.dict(entries, depth, top),
            ObjectKind::Complex { real, imag } => self.out.push_str(&complex_repr(*real, *imag)),
            ObjectKind::ByteArray { data, length } => {
                let shown = (data.len() as u64).min(self.limits.max_string as u64);
                let _ = write!(
                    self.out,
                    "{}({}",
                    obj.type_short,
                    bytes_repr(&data[..shown as usize])
                );
                if shown < *length {
                    let _ = write!(self.out, "...(+{} bytes)", length - shown);
                    self.cut(top, *length);
                }
                self.out.push(')');
            }
            ObjectKind::Range { start, stop, step } => {
                self.out.push_str("range(");
                self.value(*start, depth + 1, false);
                self.out.push_str(", ");
                self.value(*stop, depth + 1, false);
                if !self.is_int(*step, "1") {
                    self.out.push_str(", ");
                    self.value(*step, depth + 1, false);
                }
                self.out.push(')');
            }
            ObjectKind::Slice { start, stop, step } => {
                self.out.push_str("slice(");
                self.value(*start, depth + 1, false);
                self.out.push_str(", ");
                self.value(*stop, depth + 1, false);
                self.out.push_str(", ");
                self.value(*step, depth + 1, false);
                self.out.push(')');
            }
            ObjectKind::Instance(inst) => {
                if inst.custom_repr {
                    self.mark(Status::Opaque);
                }
                let _ = write!(self.out, "<{} object at {id:#x}>", obj.type_name);
            }
            ObjectKind::Type(t) if t.repr_style != TypeReprStyle::Class => match &t.repr_style {
                TypeReprStyle::Enum(kind) => {
                    let name = str_repr_of(&t.name);
                    let _ = write!(self.out, "<{kind} {name}>");
                }
                _ => {
                    self.mark(Status::Opaque);
                    let _ = write!(self.out, "<{} object at {id:#x}>", obj.type_name);
                }
            },
            ObjectKind::Type(t) => {
                if t.module == "builtins" {
                    let _ = write!(self.out, "<class '{}'>", t.qualname);
                } else {
                    let _ = write!(self.out, "<class '{}.{}'>", t.module, t.qualname);
                }
            }
            ObjectKind::Module(m) => {
                let name = str_repr_of(&m.name);
                match &m.origin {
                    ModuleOrigin::File(f) => {
                        let f = str_repr_of(f);
                        let _ = write!(self.out, "<module {name} from {f}>");
                    }
                    ModuleOrigin::Tag(t) => {
                        let _ = write!(self.out, "<module {name} ({t})>");
                    }
                    ModuleOrigin::Unknown => {
                        let _ = write!(self.out, "<module {name}>");
                    }
                }
            }
            ObjectKind::Function(f) => {
                let _ = write!(self.out, "<function {} at {id:#x}>", f.qualname);
            }
            ObjectKind::BoundMethod { func, receiver } => {
                let name = match self.graph.get(*func).map(|o| &o.kind) {
                    Some(ObjectKind::Function(f)) => f.qualname.clone(),
                    _ => {
                        self.mark(Status::Opaque);
                        "?".to_string()
                    }
                };
                let _ = write!(self.out, "<bound method {name} of ");
                self.value(*receiver, depth + 1, false);
                self.out.push('>');
            }
            ObjectKind::Code(c) => {
                let _ = write!(
                    self.out,
                    "<code object {} at {id:#x}, file \"{}\", line {}>",
                    c.name, c.filename, c.first_line
                );
            }
            ObjectKind::Cell { contents } => match contents.and_then(|c| self.graph.get(c)) {
                None if contents.is_none() => {
                    let _ = write!(self.out, "<cell at {id:#x}: empty>");
                }
                Some(inner) => {
                    let tp = tp_name(inner);
                    let _ = write!(
                        self.out,
                        "<cell at {id:#x}: {tp} object at {:#x}>",
                        inner.id
                    );
                }
                None => {
                    self.mark(Status::Unreadable);
                    let _ = write!(self.out, "<cell at {id:#x}: ? object>");
                }
            },
            ObjectKind::Exception(e) => {
                if e.custom_repr {
                    self.mark(Status::Opaque);
                    let _ = write!(self.out, "<{} object at {id:#x}>", obj.type_name);
                } else {
                    self.out.push_str(&obj.type_short);
                    match e.args.and_then(|a| self.graph.get(a)).map(|o| &o.kind) {
                        Some(ObjectKind::Tuple(items))
                            if items.length == 1 && items.items.len() == 1 =>
                        {
                            self.out.push('(');
                            self.value(items.items[0], depth + 1, false);
                            self.out.push(')');
                        }
                        Some(ObjectKind::Tuple(_)) => {
                            if let Some(a) = e.args {
                                self.value(a, depth + 1, false);
                            }
                        }
                        _ => {
                            self.mark(Status::Unreadable);
                            self.out.push_str("(?)");
                        }
                    }
                }
            }
            ObjectKind::Traceback(_) => {
                let _ = write!(self.out, "<traceback object at {id:#x}>");
            }
            ObjectKind::Generator(g) => {
                let what = g.flavor.name();
                let _ = write!(self.out, "<{what} object {} at {id:#x}>", g.qualname);
            }
            ObjectKind::Deque { items, maxlen } => {
                let _ = write!(self.out, "{}(", obj.type_short);
                self.seq("[", "]", items, depth, top, false);
                if let Some(m) = maxlen {
                    let _ = write!(self.out, ", maxlen={m}");
                }
                self.out.push(')');
            }
            ObjectKind::OrderedDict {
                entries,
                dict_style,
            } => {
                if entries.length == 0 {
                    let _ = write!(self.out, "{}()", obj.type_short);
                } else {
                    let _ = write!(self.out, "{}(", obj.type_short);
                    if *dict_style {
                        self.dict(entries, depth, top);
                    } else {
                        self.pairs(entries, depth, top);
                    }
                    self.out.push(')');
                }
            }
            ObjectKind::DefaultDict { factory, entries } => {
                let _ = write!(self.out, "{}(", obj.type_short);
                self.value(*factory, depth + 1, false);
                self.out.push_str(", ");
                self.dict(entries, depth, top);
                self.out.push(')');
            }
            ObjectKind::Counter(entries) => {
                if entries.length == 0 {
                    let _ = write!(self.out, "{}()", obj.type_short);
                } else {
                    // most_common(): by count, largest first, ties in insertion order.
                    let mut sorted = entries.clone();
                    if entries.items.len() as u64 == entries.length {
                        let count = |id: ObjId| match self.graph.get(id).map(|o| &o.kind) {
                            Some(ObjectKind::Int(IntValue::Decimal(d))) => d.parse::<i128>().ok(),
                            _ => None,
                        };
                        if sorted.items.iter().all(|(_, v)| count(*v).is_some()) {
                            sorted
                                .items
                                .sort_by_key(|(_, v)| std::cmp::Reverse(count(*v).unwrap_or(0)));
                        } else {
                            self.mark(Status::Opaque);
                        }
                    } else {
                        // Cut: the order of what was read may not be most_common's.
                        self.mark(Status::Truncated);
                    }
                    let _ = write!(self.out, "{}(", obj.type_short);
                    self.dict(&sorted, depth, top);
                    self.out.push(')');
                }
            }
            ObjectKind::EnumMember { class, name, value } => {
                let _ = write!(self.out, "<{class}.{name}: ");
                self.value(*value, depth + 1, false);
                self.out.push('>');
            }
            ObjectKind::Date { year, month, day } => {
                let _ = write!(self.out, "{}({year}, {month}, {day})", obj.type_name);
            }
            ObjectKind::Time(t) => {
                let _ = write!(self.out, "{}(", obj.type_name);
                self.time_fields(t, depth);
                self.out.push(')');
            }
            ObjectKind::DateTime {
                year,
                month,
                day,
                time,
            } => {
                let _ = write!(self.out, "{}({year}, {month}, {day}, ", obj.type_name);
                self.time_fields(time, depth);
                self.out.push(')');
            }
            ObjectKind::TimeDelta {
                days,
                seconds,
                microseconds,
            } => {
                let mut parts = Vec::new();
                if *days != 0 {
                    parts.push(format!("days={days}"));
                }
                if *seconds != 0 {
                    parts.push(format!("seconds={seconds}"));
                }
                if *microseconds != 0 {
                    parts.push(format!("microseconds={microseconds}"));
                }
                if parts.is_empty() {
                    parts.push("0".into());
                }
                let _ = write!(self.out, "{}({})", obj.type_name, parts.join(", "));
            }
            ObjectKind::TimeZone { offset, name, utc } => {
                if *utc {
                    self.out.push_str("datetime.timezone.utc");
                } else {
                    let _ = write!(self.out, "{}(", obj.type_name);
                    self.value(*offset, depth + 1, false);
                    if let Some(n) = name {
                        self.out.push_str(", ");
                        self.value(*n, depth + 1, false);
                    }
                    self.out.push(')');
                }
            }
            ObjectKind::Fraction {
                numerator,
                denominator,
            } => {
                let _ = write!(self.out, "{}(", obj.type_short);
                self.value(*numerator, depth + 1, false);
                self.out.push_str(", ");
                self.value(*denominator, depth + 1, false);
                self.out.push(')');
            }
            ObjectKind::Uuid(v) => {
                let h = format!("{v:032x}");
                let _ = write!(
                    self.out,
                    "{}('{}-{}-{}-{}-{}')",
                    obj.type_short,
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                );
            }
            ObjectKind::Decimal(text) => {
                let _ = write!(self.out, "{}('{text}')", obj.type_short);
            }
            ObjectKind::Pattern { pattern, flags } => self.pattern(*pattern, *flags, depth),
            ObjectKind::Lock { locked } => {
                let state = if *locked { "locked" } else { "unlocked" };
                let _ = write!(self.out, "<{state} {} object at {id:#x}>", tp_name(obj));
            }
            ObjectKind::RLock { owner, count } => {
                let state = if *count > 0 { "locked" } else { "unlocked" };
                let _ = write!(
                    self.out,
                    "<{state} {} object owner={owner} count={count} at {id:#x}>",
                    tp_name(obj)
                );
            }
            ObjectKind::File(f) => self.file(f, depth),
            ObjectKind::Socket {
                fd,
                family,
                kind,
                proto,
            } => {
                // socket.socket's repr also shows the addresses, which need the live socket.
                self.mark(Status::Opaque);
                let _ = write!(
                    self.out,
                    "<{} fd={fd}, family={family}, type={kind}, proto={proto}>",
                    obj.type_name
                );
            }
            ObjectKind::Task(t) => {
                // asyncio's own repr lists the callbacks and formats the coroutine's position;
                // this is a summary of the same fields.
                self.mark(Status::Opaque);
                let state = match t.state {
                    TaskState::Pending => "pending",
                    TaskState::Cancelled => "cancelled",
                    TaskState::Finished => "finished",
                };
                let _ = write!(self.out, "<{} {state}", obj.type_short);
                if let Some(n) = self.graph.task_name(t) {
                    let _ = write!(self.out, " name={}", str_repr_of(&n));
                }
                if let Some(c) = t.coro {
                    self.out.push_str(" coro=");
                    self.value(c, depth + 1, false);
                }
                if t.state == TaskState::Finished {
                    if let Some(e) = t.exception {
                        self.out.push_str(" exception=");
                        self.value(e, depth + 1, false);
                    } else if let Some(r) = t.result {
                        self.out.push_str(" result=");
                        self.value(r, depth + 1, false);
                    }
                }
                if let Some(w) = t.waiting_on {
                    self.out.push_str(" wait_for=");
                    self.value(w, depth + 1, false);
                }
                self.out.push('>');
            }
            ObjectKind::MemoryView(_) => {
                let _ = write!(self.out, "<memory at {id:#x}>");
            }
            ObjectKind::NdArray(a) => {
                self.mark(Status::Opaque);
                let shape: Vec<String> = a.shape.iter().map(|s| s.to_string()).collect();
                let shape = if shape.len() == 1 {
                    format!("({},)", shape[0])
                } else {
                    format!("({})", shape.join(", "))
                };
                let _ = write!(
                    self.out,
                    "<{} shape={shape} dtype={}",
                    obj.type_name, a.dtype
                );
                if !a.head.is_empty() {
                    let head: Vec<String> = a
                        .head
                        .iter()
                        .map(|v| match *v {
                            NdScalar::Bool(b) => if b { "True" } else { "False" }.to_string(),
                            NdScalar::Int(i) => i.to_string(),
                            NdScalar::UInt(u) => u.to_string(),
                            NdScalar::Float(f) => float_repr(f),
                            NdScalar::Complex(re, im) => complex_repr(re, im),
                        })
                        .collect();
                    let more = if (a.head.len() as u64) < a.size {
                        ", ..."
                    } else {
                        ""
                    };
                    let _ = write!(self.out, " [{}{more}]", head.join(", "));
                }
                let _ = write!(self.out, " at {id:#x}>");
            }
            ObjectKind::Opaque => {
                self.mark(Status::Opaque);
                let _ = write!(self.out, "<{} object at {id:#x}>", obj.type_name);
            }
            ObjectKind::Redacted { length } => {
                self.mark(Status::Opaque);
                match length {
                    Some(n) => {
                        let _ = write!(self.out, "<redacted {} of length {n}>", obj.type_name);
                    }
                    None => {
                        let _ = write!(self.out, "<redacted {}>", obj.type_name);
                    }
                }
            }
            ObjectKind::NotRead { .. } => {
                self.mark(Status::Truncated);
                let _ = write!(self.out, "<{} object at {id:#x}>", obj.type_name);
            }
            ObjectKind::Unreadable { .. } => {
                self.mark(Status::Unreadable);
                let _ = write!(self.out, "<unreadable object at {id:#x}>");
            }
        }
    }

    fn is_int(&self, id: ObjId, value: &str) -> bool {
        matches!(self.graph.get(id).map(|o| &o.kind), Some(ObjectKind::Int(IntValue::Decimal(d))) if d == value)
    }

    /// `hour, minute[, second[, microsecond]][, tzinfo=…][, fold=1]` as `datetime` prints them.
    fn time_fields(&mut self, t: &TimeInfo, depth: usize) {
        let _ = write!(self.out, "{}, {}", t.hour, t.minute);
        if t.microsecond != 0 {
            let _ = write!(self.out, ", {}, {}", t.second, t.microsecond);
        } else if t.second != 0 {
            let _ = write!(self.out, ", {}", t.second);
        }
        if let Some(tz) = t.tzinfo {
            self.out.push_str(", tzinfo=");
            self.value(tz, depth + 1, false);
        }
        if t.fold != 0 {
            let _ = write!(self.out, ", fold={}", t.fold);
        }
    }

    /// `re.compile(%.200R[, flags])` like `pattern_repr` in `_sre`.
    fn pattern(&mut self, pattern: ObjId, flags: i64, depth: usize) {
        const NAMES: &[(i64, &str)] = &[
            (1, "re.TEMPLATE"),
            (2, "re.IGNORECASE"),
            (4, "re.LOCALE"),
            (8, "re.MULTILINE"),
            (16, "re.DOTALL"),
            (32, "re.UNICODE"),
            (64, "re.VERBOSE"),
            (128, "re.DEBUG"),
            (256, "re.ASCII"),
        ];
        let is_str = matches!(
            self.graph.get(pattern).map(|o| &o.kind),
            Some(ObjectKind::Str { .. })
        );
        let mut flags = flags;
        // re.UNICODE is the default for str patterns and isn't shown.
        if is_str && flags & (4 | 32 | 256) == 32 {
            flags &= !32;
        }
        let mut inner = Renderer::new(self.graph, self.limits);
        inner.value(pattern, depth + 1, false);
        self.mark(inner.status);
        let text: String = inner.out.chars().take(200).collect();
        let _ = write!(self.out, "re.compile({text}");
        if flags != 0 {
            let mut parts = Vec::new();
            let mut rest = flags;
            for (bit, name) in NAMES {
                if rest & bit != 0 {
                    parts.push((*name).to_string());
                    rest &= !bit;
                }
            }
            if rest != 0 {
                parts.push(format!("{rest:#x}"));
            }
            let _ = write!(self.out, ", {}", parts.join("|"));
        }
        self.out.push(')');
    }

    /// `_io` reprs: `<_io.TextIOWrapper name='f' mode='r' encoding='UTF-8'>`,
    /// `<_io.BufferedReader name='f'>`, `<_io.FileIO name='f' mode='rb' closefd=True>`.
    fn file(&mut self, f: &FileInfo, depth: usize) {
        if f.closed && f.class == "_io.FileIO" {
            let _ = write!(self.out, "<{} [closed]>", f.class);
            return;
        }
        let _ = write!(self.out, "<{}", f.class);
        if let Some(n) = f.name {
            self.out.push_str(" name=");
            self.value(n, depth + 1, false);
        } else if f.class == "_io.FileIO" {
            if let Some(fd) = f.fd {
                let _ = write!(self.out, " fd={fd}");
            }
        }
        match f.class.as_str() {
            "_io.TextIOWrapper" => {
                if let Some(m) = &f.mode {
                    let _ = write!(self.out, " mode={}", str_repr_of(m));
                }
                if let Some(e) = &f.encoding {
                    let _ = write!(self.out, " encoding={}", str_repr_of(e));
                }
            }
            "_io.FileIO" => {
                if let Some(m) = &f.mode {
                    let _ = write!(self.out, " mode='{m}'");
                }
                match f.closefd {
                    Some(c) => {
                        let _ = write!(self.out, " closefd={}", if c { "True" } else { "False" });
                    }
                    None => self.mark(Status::Opaque),
                }
            }
            _ => {}
        }
        self.out.push('>');
    }

    /// `[(k, v), ...]`: OrderedDict's repr before 3.12.
    fn pairs(&mut self, entries: &Entries, depth: usize, top: bool) {
        self.out.push('[');
        let mut shown = 0u64;
        if depth < self.limits.max_depth {
            for (i, &(k, v)) in entries.items.iter().enumerate() {
                if i >= self.limits.max_items || self.full() {
                    break;
                }
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.out.push('(');
                self.value(k, depth + 1, false);
                self.out.push_str(", ");
                self.value(v, depth + 1, false);
                self.out.push(')');
                shown += 1;
            }
        }
        if shown < entries.length {
            if shown > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "...(+{} items)", entries.length - shown);
            self.cut(top, entries.length);
        }
        self.out.push(']');
    }

    /// Whether the output is already past the total limit.
    fn full(&self) -> bool {
        self.out.len() >= self.limits.max_total
    }

    #[allow(clippy::too_many_arguments)]
    fn seq(
        &mut self,
        open: &str,
        close: &str,
        items: &Items,
        depth: usize,
        top: bool,
        tuple: bool,
    ) {
        self.named_seq(open, close, items, None, depth, top, tuple);
    }

    /// Items between `open` and `close`, each after its name when `names` are given.
    #[allow(clippy::too_many_arguments)]
    fn named_seq(
        &mut self,
        open: &str,
        close: &str,
        items: &Items,
        names: Option<&[std::sync::Arc<str>]>,
        depth: usize,
        top: bool,
        tuple: bool,
    ) {
        self.out.push_str(open);
        let mut shown = 0u64;
        if depth < self.limits.max_depth {
            for (i, &item) in items.items.iter().enumerate() {
                if i >= self.limits.max_items || self.full() {
                    break;
                }
                if i > 0 {
                    self.out.push_str(", ");
                }
                if let Some(names) = names {
                    let _ = write!(self.out, "{}=", names.get(i).map_or("?", |n| n));
                }
                self.value(item, depth + 1, false);
                shown += 1;
            }
        }
        if shown < items.length {
            if shown > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "...(+{} items)", items.length - shown);
            self.cut(top, items.length);
        } else if tuple && items.length == 1 {
            self.out.push(',');
        }
        self.out.push_str(close);
    }

    /// `structseq_repr`: `tp_name(name=value, ...)`, every visible field.
    fn struct_seq(&mut self, s: &StructSeqInfo, depth: usize, top: bool) {
        let open = format!("{}(", s.type_name);
        self.named_seq(&open, ")", &s.items, Some(&s.names), depth, top, false);
    }

    fn dict(&mut self, entries: &Entries, depth: usize, top: bool) {
        self.out.push('{');
        let mut shown = 0u64;
        if depth < self.limits.max_depth {
            for (i, &(k, v)) in entries.items.iter().enumerate() {
                if i >= self.limits.max_items || self.full() {
                    break;
                }
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.value(k, depth + 1, false);
                self.out.push_str(": ");
                self.value(v, depth + 1, false);
                shown += 1;
            }
        }
        if shown < entries.length {
            if shown > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "...(+{} items)", entries.length - shown);
            self.cut(top, entries.length);
        }
        self.out.push('}');
    }
}

/// Python's `str.isprintable()` for one character: everything but the categories Cc, Cf, Cs,
/// Co, Cn, Zl, Zp and Zs, except the space.
fn is_printable(c: u32) -> bool {
    if c == 0x20 {
        return true;
    }
    let Some(ch) = char::from_u32(c) else {
        return false; // lone surrogates
    };
    !matches!(
        get_general_category(ch),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::Surrogate
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::SpaceSeparator
    )
}

/// `repr()` of a Rust string.
pub fn str_repr_of(s: &str) -> String {
    str_repr(&s.chars().map(u32::from).collect::<Vec<_>>())
}

/// `repr()` of a str given by code points (`unicode_repr` in `Objects/unicodeobject.c`).
pub fn str_repr(cps: &[u32]) -> String {
    let has_single = cps.contains(&u32::from('\''));
    let has_double = cps.contains(&u32::from('"'));
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut s = String::with_capacity(cps.len() + 2);
    s.push(quote);
    for &c in cps {
        match c {
            _ if c == u32::from(quote) || c == u32::from('\\') => {
                s.push('\\');
                s.push(char::from_u32(c).unwrap_or('?'));
            }
            0x09 => s.push_str("\\t"),
            0x0a => s.push_str("\\n"),
            0x0d => s.push_str("\\r"),
            _ if c < 0x20 || c == 0x7f => {
                let _ = write!(s, "\\x{c:02x}");
            }
            _ if c < 0x7f => s.push(char::from_u32(c).unwrap_or('?')),
            _ if is_printable(c) => s.push(char::from_u32(c).unwrap_or('?')),
            _ if c <= 0xff => {
                let _ = write!(s, "\\x{c:02x}");
            }
            _ if c <= 0xffff => {
                let _ = write!(s, "\\u{c:04x}");
            }
            _ => {
                let _ = write!(s, "\\U{c:08x}");
            }
        }
    }
    s.push(quote);
    s
}

/// `repr()` of bytes (`PyBytes_Repr`).
pub fn bytes_repr(b: &[u8]) -> String {
    let has_single = b.contains(&b'\'');
    let has_double = b.contains(&b'"');
    let quote = if has_single && !has_double {
        b'"'
    } else {
        b'\''
    };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(char::from(quote));
    for &c in b {
        match c {
            _ if c == quote || c == b'\\' => {
                s.push('\\');
                s.push(char::from(c));
            }
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            _ if !(0x20..0x7f).contains(&c) => {
                let _ = write!(s, "\\x{c:02x}");
            }
            _ => s.push(char::from(c)),
        }
    }
    s.push(char::from(quote));
    s
}

/// `tp_name` as C code prints it (`%s` of `Py_TYPE(o)->tp_name`): the dotted name of static
/// types, `__name__` for classes defined in Python.
fn tp_name(o: &Object) -> &str {
    match o.kind {
        ObjectKind::Instance(_) | ObjectKind::Exception(_) => &o.type_short,
        _ => &o.type_name,
    }
}

/// `repr()` of a complex: `1j`, `(1+2j)`, `(-0-1j)`, `(nan+infj)`.
pub fn complex_repr(real: f64, imag: f64) -> String {
    let im = float_repr_plain(imag);
    if real == 0.0 && real.is_sign_positive() {
        return format!("{im}j");
    }
    let re = float_repr_plain(real);
    let sign = if imag.is_sign_negative() && !imag.is_nan() {
        ""
    } else {
        "+"
    };
    format!("({re}{sign}{im}j)")
}

/// A float as `repr` writes it but without the `.0` of integral values (the `'r'` format
/// without `Py_DTSF_ADD_DOT_0`), as complex numbers and others use it.
pub fn float_repr_plain(x: f64) -> String {
    let s = float_repr(x);
    match s.strip_suffix(".0") {
        Some(t) => t.to_string(),
        None => s,
    }
}

/// `repr()` of a float: the shortest string that round-trips, in Python's format (`'r'` mode
/// of `PyOS_double_to_string`: exponent form when the decimal point is before -4 or after 16).
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-5".
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.chars().all(|c| c == '0') {
        "0".to_string()
    } else {
        digits
    };
    let decpt = exp + 1;
    let mut s = String::new();
    if x.is_sign_negative() {
        s.push('-');
    }
    let nd = digits.len() as i32;
    if x == 0.0 {
        s.push_str("0.0");
    } else if decpt <= -4 || decpt > 16 {
        s.push_str(&digits[..1]);
        if nd > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(s, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    } else if decpt <= 0 {
        s.push_str("0.");
        s.push_str(&"0".repeat((-decpt) as usize));
        s.push_str(&digits);
    } else if decpt >= nd {
        s.push_str(&digits);
        s.push_str(&"0".repeat((decpt - nd) as usize));
        s.push_str(".0");
    } else {
        s.push_str(&digits[..decpt as usize]);
        s.push('.');
        s.push_str(&digits[decpt as usize..]);
    }
    s
}

/// The repr of a str given as [`PyText`], uncut.
pub fn text_repr(t: &PyText) -> String {
    str_repr(&t.code_points())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ExceptionInfo;

    #[test]
    fn floats_like_python() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-7, "1.5e-07"),
            (123456789.123, "123456789.123"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.5, "2.5"),
            (-1234.5, "-1234.5"),
            (1e22, "1e+22"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(*x), *want, "{x:?}");
        }
    }

    #[test]
    fn strings_like_python() {
        let r = |s: &str| str_repr_of(s);
        assert_eq!(r("hello"), "'hello'");
        assert_eq!(r("it's"), "\"it's\"");
        assert_eq!(r("a\"b"), "'a\"b'");
        assert_eq!(r("both '\""), "'both \\'\"'");
        assert_eq!(r("\0\x7f\t\n\r\\"), "'\\x00\\x7f\\t\\n\\r\\\\'");
        assert_eq!(r("café"), "'café'");
        assert_eq!(r("\u{200b}"), "'\\u200b'");
        assert_eq!(r("\u{a0}"), "'\\xa0'");
        assert_eq!(r("😀x"), "'😀x'");
        assert_eq!(r("\u{e000}"), "'\\ue000'");
        assert_eq!(str_repr(&[0xd800]), "'\\ud800'");
        assert_eq!(r("\u{10ffff}"), "'\\U0010ffff'");
    }

    fn graph(objects: Vec<(ObjId, &str, ObjectKind)>) -> ObjectGraph {
        let mut g = ObjectGraph::default();
        for (id, t, kind) in objects {
            g.insert(Object {
                id,
                type_name: t.into(),
                type_short: t.into(),
                kind,
                size: None,
            });
        }
        g
    }

    fn items(ids: &[ObjId]) -> Items {
        Items {
            items: ids.to_vec(),
            length: ids.len() as u64,
        }
    }

    #[test]
    fn containers_in_themselves_like_python() {
        // l = [1]; l.append(l); t = (l,); d = {}; d[0] = d
        let g = graph(vec![
            (1, "int", ObjectKind::Int(IntValue::Decimal("1".into()))),
            (2, "list", ObjectKind::List(items(&[1, 2]))),
            (3, "tuple", ObjectKind::Tuple(items(&[2]))),
            (
                4,
                "dict",
                ObjectKind::Dict(Entries {
                    items: vec![(1, 4)],
                    length: 1,
                }),
            ),
        ]);
        let r = render(&g, 3, ReprLimits::JSON);
        assert_eq!(r.text, "([1, [...]],)");
        assert_eq!(r.status, Status::Exact);
        assert_eq!(render(&g, 4, ReprLimits::JSON).text, "{1: {...}}");
    }

    #[test]
    fn cycles_through_other_objects_end() {
        // e = ValueError(); e.args = (e,)   and   a bound method whose receiver is itself.
        let g = graph(vec![
            (
                1,
                "ValueError",
                ObjectKind::Exception(Box::new(ExceptionInfo {
                    args: Some(2),
                    ..Default::default()
                })),
            ),
            (2, "tuple", ObjectKind::Tuple(items(&[1]))),
            (
                3,
                "method",
                ObjectKind::BoundMethod {
                    func: 4,
                    receiver: 3,
                },
            ),
        ]);
        let r = render(&g, 1, ReprLimits::JSON);
        assert_eq!(r.text, "ValueError(...)");
        assert_eq!(r.status, Status::Truncated);
        let r = render(&g, 3, ReprLimits::JSON);
        assert!(r.text.starts_with("<bound method ? of ...>"), "{}", r.text);
    }

    #[test]
    fn nesting_is_bounded_whatever_the_limits() {
        // [[[[...]]]] thousands deep, rendered with no depth limit of its own.
        let depth = 10_000;
        let g = graph(
            (0..depth)
                .map(|i| (i + 1, "list", ObjectKind::List(items(&[i + 2]))))
                .collect(),
        );
        let limits = ReprLimits {
            max_depth: usize::MAX,
            max_total: usize::MAX,
            ..ReprLimits::JSON
        };
        let r = render(&g, 1, limits);
        assert_eq!(r.status, Status::Truncated);
        assert_eq!(r.text.matches('[').count(), limits::MAX_NESTING + 1);
        assert!(r.text.contains("[...]"), "{}", &r.text[..200]);
    }

    #[test]
    fn bytes_like_python() {
        assert_eq!(bytes_repr(b"\x00ab\xff'\""), "b'\\x00ab\\xff\\'\"'");
        assert_eq!(bytes_repr(b"'"), "b\"'\"");
        assert_eq!(bytes_repr(b"\\"), "b'\\\\'");
        assert_eq!(bytes_repr(b""), "b''");
    }
}
