//! `show --json`: the schema documented in `docs/json.md`.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

use crate::cpython::heap::Histogram;
use crate::diag::Diagnostic;
use crate::limits::ReprLimits;
use crate::model::{Frame, ObjId, ObjectKind, PythonInfo, Snapshot, Thread};
use crate::source::signal_name;

use super::repr::render;
use super::{Beneath, Field};

/// Version of the JSON schema.
pub const SCHEMA: u32 = 1;

/// The whole snapshot as the documented JSON value.
pub fn to_json(s: &Snapshot, limits: ReprLimits) -> Value {
    serde_json::to_value(ShowJson { s, limits }).unwrap_or(Value::Null)
}

/// Writes the whole snapshot as JSON (pretty-printed), without building it in memory first.
pub fn write_json(
    s: &Snapshot,
    limits: ReprLimits,
    w: impl std::io::Write,
) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(w, &ShowJson { s, limits })
}

/// One object with its fields and referents (`show --object ADDR --json`).
pub fn object_json(s: &Snapshot, id: ObjId, limits: ReprLimits) -> Value {
    let mut v = header(s);
    v["object"] = detail(s, id, limits);
    v["diagnostics"] = json!(s.diagnostics);
    v
}

fn header(s: &Snapshot) -> Value {
    json!({
        "schema": SCHEMA,
        "producer": crate::PRODUCER,
        "source": {
            "kind": s.source.kind,
            "path": s.source.path,
            "pid": s.source.pid,
        },
        "python": s.python.as_ref().map(|p| json!({
            "version": p.version,
            "version_source": p.version_source,
            "layout": p.layout,
            "runtime_address": format!("{:#x}", p.runtime_address),
            "library": p.library,
        })),
        "process": {
            "pid": s.process.pid,
            "executable": s.process.executable,
            "argv": s.process.argv,
            "signal": s.process.signal.map(|n| json!({"number": n, "name": signal_name(n)})),
        },
    })
}

/// `show --json`, serialized as it is written.
struct ShowJson<'a> {
    s: &'a Snapshot,
    limits: ReprLimits,
}

impl Serialize for ShowJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (s, limits) = (self.s, self.limits);
        let mut m = ser.serialize_map(None)?;
        if let Value::Object(h) = header(s) {
            for (k, v) in h {
                m.serialize_entry(&k, &v)?;
            }
        }
        let threads: Vec<ThreadJson> = s
            .threads
            .iter()
            .map(|t| ThreadJson { s, t, limits })
            .collect();
        m.serialize_entry("threads", &threads)?;
        m.serialize_entry("suspended", &suspended(s, limits))?;
        let roots: Vec<Value> = s
            .roots
            .iter()
            .map(|r| json!({"name": r.name, "value": value(s, r.value, limits, limits.attr_depth)}))
            .collect();
        m.serialize_entry("roots", &roots)?;
        m.serialize_entry("diagnostics", &s.diagnostics)?;
        m.end()
    }
}

struct ThreadJson<'a> {
    s: &'a Snapshot,
    t: &'a Thread,
    limits: ReprLimits,
}

impl Serialize for ThreadJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (s, t, limits) = (self.s, self.t, self.limits);
        let mut m = ser.serialize_map(Some(10))?;
        m.serialize_entry("tid", &t.tid)?;
        m.serialize_entry("thread_id", &format!("{:#x}", t.thread_id))?;
        m.serialize_entry("name", &t.name)?;
        m.serialize_entry("interpreter", &t.interpreter)?;
        m.serialize_entry("holds_gil", &t.holds_gil)?;
        m.serialize_entry("crashed", &t.crashed)?;
        m.serialize_entry("frames_complete", &t.frames_complete)?;
        let frames: Vec<FrameJson> = t
            .frames
            .iter()
            .map(|f| FrameJson { s, f, limits })
            .collect();
        m.serialize_entry("frames", &frames)?;
        let exception = t.exception.map(|id| ValueJson {
            s,
            id,
            limits,
            at: Beneath::top(limits.attr_depth),
        });
        m.serialize_entry("exception", &exception)?;
        m.end()
    }
}

struct FrameJson<'a> {
    s: &'a Snapshot,
    f: &'a Frame,
    limits: ReprLimits,
}

impl Serialize for FrameJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (s, f, limits) = (self.s, self.f, self.limits);
        let mut m = ser.serialize_map(Some(9))?;
        m.serialize_entry("function", &f.function)?;
        m.serialize_entry("qualname", &f.qualname)?;
        m.serialize_entry("file", &f.file)?;
        m.serialize_entry("line", &f.line)?;
        m.serialize_entry("first_line", &f.first_line)?;
        m.serialize_entry("source", &f.source)?;
        m.serialize_entry("address", &format!("{:#x}", f.address))?;
        m.serialize_entry("entry", &f.entry)?;
        let locals = f.locals.as_ref().map(|ls| Named {
            s,
            items: ls.iter().map(|l| (l.name.as_str(), l.value)).collect(),
            limits,
            at: Beneath::top(limits.attr_depth),
        });
        m.serialize_entry("locals", &locals)?;
        m.end()
    }
}

/// Names to values, as a JSON object in their order.
struct Named<'a> {
    s: &'a Snapshot,
    items: Vec<(&'a str, ObjId)>,
    limits: ReprLimits,
    at: Beneath<'a>,
}

impl Serialize for Named<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(self.items.len()))?;
        for &(name, id) in &self.items {
            m.serialize_entry(
                name,
                &ValueJson {
                    s: self.s,
                    id,
                    limits: self.limits,
                    at: self.at,
                },
            )?;
        }
        m.end()
    }
}

/// A value: type, repr, address, status; its attributes as far as `at` allows.
struct ValueJson<'a> {
    s: &'a Snapshot,
    id: ObjId,
    limits: ReprLimits,
    at: Beneath<'a>,
}

impl Serialize for ValueJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (s, id, limits) = (self.s, self.id, self.limits);
        let r = render(&s.objects, id, limits);
        let obj = s.objects.get(id);
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("type", obj.map(|o| &*o.type_name).unwrap_or("?"))?;
        m.serialize_entry("repr", &r.text)?;
        m.serialize_entry("address", &format!("{id:#x}"))?;
        m.serialize_entry("status", r.status.as_str())?;
        if let Some(len) = r.length {
            m.serialize_entry("length", &len)?;
        }
        let Some(obj) = obj else {
            m.serialize_entry("kind", "not_read")?;
            return m.end();
        };
        m.serialize_entry("kind", obj.kind.name())?;
        if let Some(size) = obj.size {
            m.serialize_entry("size", &size)?;
        }
        if let Some(attrs) = self.at.attributes(obj) {
            let named = Named {
                s,
                items: attrs.iter().map(|(n, a)| (&**n, *a)).collect(),
                limits,
                at: self.at.below(id),
            };
            m.serialize_entry("attributes", &named)?;
            let left = obj.kind.attributes_left_out();
            if left > 0 {
                m.serialize_entry("left_out", &left)?;
            }
        }
        m.end()
    }
}

fn frame(s: &Snapshot, f: &Frame, limits: ReprLimits) -> Value {
    serde_json::to_value(FrameJson { s, f, limits }).unwrap_or(Value::Null)
}

/// A value: type, repr, address, status; its attributes `depth` levels down.
pub fn value(s: &Snapshot, id: ObjId, limits: ReprLimits, depth: usize) -> Value {
    serde_json::to_value(ValueJson {
        s,
        id,
        limits,
        at: Beneath::top(depth),
    })
    .unwrap_or(Value::Null)
}

/// Every generator, coroutine and async generator in the graph that hasn't finished, with its
/// frame, in address order.
pub fn suspended(s: &Snapshot, limits: ReprLimits) -> Vec<Value> {
    let gens = s.objects.unfinished_generators();
    let tasks = s.objects.pending_tasks();
    let awaited = |w: ObjId| {
        let name = match s.objects.get(w).map(|o| &o.kind) {
            Some(ObjectKind::Task(wt)) => s.objects.task_name(wt),
            _ => None,
        };
        json!({"address": format!("{w:#x}"), "type": s.objects.get(w).map(|o| o.type_name.clone()), "name": name})
    };
    let task_values = tasks.into_iter().map(|(id, t)| {
        let coro = s.objects.task_coroutine(t);
        let qualname = coro.map(|g| g.qualname.as_str());
        let (chain, end) = s.objects.await_chain(t.coro);
        let frames: Vec<Value> = chain
            .iter()
            .filter_map(|(_, g)| g.frame.as_ref())
            .map(|f| frame(s, f, limits))
            .collect();
        let chain_ids: Vec<String> = chain.iter().map(|(c, _)| format!("{c:#x}")).collect();
        let awaiting = t.waiting_on.or(end).map(awaited);
        json!({
            "kind": "task",
            "name": s.objects.task_name(t).unwrap_or_else(|| "?".into()),
            "qualname": qualname.unwrap_or("?"),
            "state": "pending",
            "address": format!("{id:#x}"),
            "awaiting": awaiting,
            "coroutines": chain_ids,
            "frames": frames,
        })
    });
    gens.into_iter()
        .map(|(id, g)| {
            json!({
                "kind": g.flavor.name(),
                "name": g.name,
                "qualname": g.qualname,
                "state": g.state,
                "address": format!("{id:#x}"),
                "awaiting": g.awaiting.map(awaited),
                "frames": g.frame.iter().map(|f| frame(s, f, limits)).collect::<Vec<_>>(),
            })
        })
        .chain(task_values)
        .collect()
}

/// An object in full: its value, plus its items, entries, attributes and other referents.
pub fn detail(s: &Snapshot, id: ObjId, limits: ReprLimits) -> Value {
    let mut v = value(s, id, limits, 1);
    let Some(obj) = s.objects.get(id) else {
        return v;
    };
    let short = |a: ObjId| value(s, a, limits, 0);
    let d = super::detail(&s.objects, obj);
    if let Some(n) = d.length {
        v["length"] = json!(n);
    }
    if let Some(items) = d.items {
        v["items"] = items.iter().map(|a| short(*a)).collect();
    }
    if let Some(entries) = d.entries {
        v["entries"] = entries
            .iter()
            .map(|(k, x)| json!([short(*k), short(*x)]))
            .collect();
    }
    if let Some(n) = d.left_out {
        v["left_out"] = json!(n);
    }
    if !d.fields.is_empty() {
        let fields: Map<String, Value> = d
            .fields
            .iter()
            .map(|(name, f)| {
                let value = match f {
                    Field::Object(o) => o.map(short).unwrap_or(Value::Null),
                    Field::Objects(list) => list.iter().map(|a| short(*a)).collect(),
                    Field::Text(t) => json!(t),
                    Field::Bool(b) => json!(b),
                };
                ((*name).to_string(), value)
            })
            .collect();
        v["fields"] = Value::Object(fields);
    }
    if let Some(t) = d.traceback {
        v["traceback"] = json!(t);
    }
    if let Some(state) = d.state {
        v["state"] = json!(state);
        v["frames"] = d.frame.iter().map(|f| frame(s, f, limits)).collect();
    }
    if let Some(reason) = d.reason {
        v["reason"] = json!(reason);
    }
    v
}

/// The class histogram of `hdconvert stats --json`.
pub fn histogram_json(h: &Histogram, python: &PythonInfo, diagnostics: &[Diagnostic]) -> Value {
    json!({
        "schema": SCHEMA,
        "producer": crate::PRODUCER,
        "python": {"version": python.version},
        "objects": h.objects,
        "bytes": h.bytes,
        "tracked": h.tracked,
        "types": h.types,
        "diagnostics": diagnostics,
    })
}
