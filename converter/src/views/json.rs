//! `show --json`: the schema documented in `docs/json.md`.

use serde_json::{json, Map, Value};

use crate::limits::ReprLimits;
use crate::model::{Frame, Snapshot, Thread};
use crate::source::signal_name;

use super::repr::render;

/// Version of the JSON schema.
pub const SCHEMA: u32 = 1;

/// The whole snapshot as the documented JSON value.
pub fn to_json(s: &Snapshot, limits: ReprLimits) -> Value {
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
        "threads": s.threads.iter().map(|t| thread(s, t, limits)).collect::<Vec<_>>(),
        "diagnostics": s.diagnostics,
    })
}

fn thread(s: &Snapshot, t: &Thread, limits: ReprLimits) -> Value {
    json!({
        "tid": t.tid,
        "thread_id": format!("{:#x}", t.thread_id),
        "name": t.name,
        "interpreter": t.interpreter,
        "holds_gil": t.holds_gil,
        "crashed": t.crashed,
        "frames_complete": t.frames_complete,
        "frames": t.frames.iter().map(|f| frame(s, f, limits)).collect::<Vec<_>>(),
    })
}

fn frame(s: &Snapshot, f: &Frame, limits: ReprLimits) -> Value {
    let locals = f.locals.as_ref().map(|ls| {
        let mut m = Map::new();
        for l in ls {
            let r = render(&s.objects, l.value, limits);
            let type_name = s
                .objects
                .get(l.value)
                .map(|o| o.type_name.clone())
                .unwrap_or_else(|| "?".into());
            let mut v = json!({
                "type": type_name,
                "repr": r.text,
                "address": format!("{:#x}", l.value),
                "status": r.status.as_str(),
            });
            if let Some(len) = r.length {
                v["length"] = json!(len);
            }
            m.insert(l.name.clone(), v);
        }
        Value::Object(m)
    });
    json!({
        "function": f.function,
        "qualname": f.qualname,
        "file": f.file,
        "line": f.line,
        "first_line": f.first_line,
        "source": f.source,
        "address": format!("{:#x}", f.address),
        "locals": locals,
    })
}
