//! `show`: one traceback per thread, outermost call first, like Python prints them.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::cpython::heap::Histogram;
use crate::diag::Diagnostic;
use crate::limits::ReprLimits;
use crate::model::{
    Frame, GeneratorState, ObjId, ObjectKind, PythonInfo, Snapshot, TaskInfo, Thread,
    TracebackEntry,
};
use crate::source::signal_name;

use super::repr::{render, str_repr_of};
use super::{Beneath, Field};

/// Options of the text view.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub locals: bool,
    pub limits: ReprLimits,
}

/// The whole snapshot as text.
pub fn to_text(s: &Snapshot, opts: TextOptions) -> String {
    let mut out = String::new();
    header(s, &mut out);
    for t in &s.threads {
        out.push('\n');
        thread(s, t, opts, &mut out);
    }
    if s.threads.is_empty() {
        out.push_str("\nNo Python threads.\n");
    }
    suspended_section(s, opts, &mut out);
    tasks_section(s, opts, &mut out);
    for root in &s.roots {
        let _ = writeln!(out, "\n{}:", root.name);
        match s.objects.get(root.value).map(|o| &o.kind) {
            // A namespace: one line per name.
            Some(ObjectKind::Dict(e)) => {
                for (k, v) in &e.items {
                    let key = match s.objects.get(*k).map(|o| &o.kind) {
                        Some(ObjectKind::Str { text, .. }) => text.to_string_lossy(),
                        _ => render(&s.objects, *k, opts.limits).text,
                    };
                    value_lines(
                        s,
                        &key,
                        *v,
                        opts.limits,
                        Beneath::top(opts.limits.attr_depth),
                        2,
                        &mut out,
                    );
                }
            }
            _ => value_lines(
                s,
                "value",
                root.value,
                opts.limits,
                Beneath::top(opts.limits.attr_depth),
                2,
                &mut out,
            ),
        }
    }
    if s.diagnostics.iter().any(|d| d.is_warning()) {
        out.push_str("\nDiagnostics:\n");
        for d in s.diagnostics.iter().filter(|d| d.is_warning()) {
            let _ = writeln!(out, "  [{}] {}", d.code, d.message);
        }
    }
    out
}

/// `name = repr`, then the value's attributes beneath it, as far as `at` allows.
fn value_lines(
    s: &Snapshot,
    name: &str,
    id: ObjId,
    limits: ReprLimits,
    at: Beneath,
    indent: usize,
    out: &mut String,
) {
    let r = render(&s.objects, id, limits);
    let _ = writeln!(out, "{:indent$}{name} = {}", "", r.text);
    let Some(obj) = s.objects.get(id) else { return };
    let Some(attrs) = at.attributes(obj) else {
        return;
    };
    let below = at.below(id);
    for (n, a) in attrs {
        let name = format!(".{n}");
        value_lines(s, &name, *a, limits, below, indent + 4, out);
    }
    let left = obj.kind.attributes_left_out();
    if left > 0 {
        let _ = writeln!(out, "{:w$}...(+{left} attributes)", "", w = indent + 4);
    }
}

/// `File "…", line N, in …` at `indent`, as `traceback` prints a frame.
fn file_line(file: &str, line: Option<i64>, qualname: &str, indent: usize, out: &mut String) {
    let line = line.map(|l| l.to_string()).unwrap_or_else(|| "?".into());
    let _ = writeln!(
        out,
        "{:indent$}File \"{file}\", line {line}, in {qualname}",
        ""
    );
}

/// A frame: its file line, its source line, and (with `opts.locals`) its locals beneath.
fn frame_lines(s: &Snapshot, f: &Frame, opts: TextOptions, indent: usize, out: &mut String) {
    file_line(&f.file, f.line, &f.qualname, indent, out);
    if let Some(src) = &f.source {
        let _ = writeln!(out, "{:w$}{}", "", src.trim(), w = indent + 2);
    }
    if opts.locals {
        for l in f.locals.iter().flatten() {
            let at = Beneath::top(opts.limits.attr_depth);
            value_lines(s, &l.name, l.value, opts.limits, at, indent + 4, out);
        }
    }
}

/// The entries of a traceback, indented.
fn traceback_lines(entries: &[TracebackEntry], out: &mut String) {
    for e in entries {
        file_line(&e.file, e.line, &e.qualname, 4, out);
    }
}

/// The exception's traceback, when it has one.
fn exception_traceback(s: &Snapshot, exc: ObjId) -> Option<&[TracebackEntry]> {
    let ObjectKind::Exception(e) = &s.objects.get(exc)?.kind else {
        return None;
    };
    match &s.objects.get(e.traceback?)?.kind {
        ObjectKind::Traceback(tb) => Some(&tb.entries),
        _ => None,
    }
}

fn state_text(state: GeneratorState) -> &'static str {
    match state {
        GeneratorState::Created => "not started",
        GeneratorState::Suspended => "suspended",
        GeneratorState::Running => "running",
        GeneratorState::Finished => "finished",
    }
}

/// Generators and coroutines that haven't finished, with their frames.
fn suspended_section(s: &Snapshot, opts: TextOptions, out: &mut String) {
    let gens = s.objects.unfinished_generators();
    if gens.is_empty() {
        return;
    }
    out.push_str("\nSuspended generators and coroutines:\n");
    for (id, g) in gens {
        let r = render(&s.objects, id, opts.limits);
        let _ = write!(out, "  {} ({}", r.text, state_text(g.state));
        if let Some(a) = g.awaiting {
            let _ = write!(
                out,
                ", awaiting {}",
                render(&s.objects, a, opts.limits).text
            );
        }
        out.push_str(")\n");
        if let Some(f) = &g.frame {
            frame_lines(s, f, opts, 4, out);
        }
    }
}

/// Pending asyncio tasks as a tree: each task with its chain of coroutines (outermost first,
/// like a traceback) and what the innermost awaits; a task that awaits another task has that
/// one printed beneath it, like `python -m asyncio pstree`.
fn tasks_section(s: &Snapshot, opts: TextOptions, out: &mut String) {
    let tasks = s.objects.pending_tasks();
    if tasks.is_empty() {
        return;
    }
    out.push_str("\nPending asyncio tasks:\n");
    let pending: HashMap<ObjId, &TaskInfo> = tasks.iter().copied().collect();
    let awaited: HashSet<ObjId> = tasks.iter().filter_map(|(_, t)| t.waiting_on).collect();
    let mut shown = HashSet::new();
    // Roots first: tasks no other task awaits; then any left (waits in a cycle).
    let roots = tasks.iter().filter(|(id, _)| !awaited.contains(id));
    for (id, _) in roots.chain(tasks.iter()) {
        task_tree(s, &pending, *id, 2, opts, &mut shown, out);
    }
}

/// One task and, indented beneath it, the task it awaits (and so on).
fn task_tree(
    s: &Snapshot,
    pending: &HashMap<ObjId, &TaskInfo>,
    id: ObjId,
    indent: usize,
    opts: TextOptions,
    shown: &mut HashSet<ObjId>,
    out: &mut String,
) {
    let mut next = Some((id, indent));
    while let Some((id, indent)) = next.take() {
        let Some(t) = pending.get(&id) else { return };
        if !shown.insert(id) {
            return;
        }
        let name = s.objects.task_name(t).unwrap_or_else(|| "?".into());
        let _ = write!(out, "{:indent$}Task {name} at {id:#x}", "");
        let awaits_task = t.waiting_on.filter(|w| pending.contains_key(w));
        match (awaits_task, t.waiting_on) {
            (Some(w), _) => {
                let other = pending
                    .get(&w)
                    .and_then(|wt| s.objects.task_name(wt))
                    .unwrap_or_else(|| "?".into());
                let _ = write!(out, ", awaiting task {other}");
            }
            (None, Some(w)) => {
                let _ = write!(
                    out,
                    ", awaiting {}",
                    render(&s.objects, w, opts.limits).text
                );
            }
            (None, None) => {}
        }
        out.push('\n');
        let (chain, end) = s.objects.await_chain(t.coro);
        for (_, g) in &chain {
            if let Some(f) = &g.frame {
                file_line(&f.file, f.line, &f.qualname, indent + 2, out);
            }
        }
        // What the innermost coroutine awaits, when it isn't the task's own waiter.
        if let Some(e) = end.filter(|e| Some(*e) != t.waiting_on) {
            let _ = writeln!(
                out,
                "{:w$}awaiting {}",
                "",
                render(&s.objects, e, opts.limits).text,
                w = indent + 4
            );
        }
        next = awaits_task.map(|w| (w, indent + 4));
    }
}

/// One object with its fields and referents (`show --object ADDR`).
pub fn object_text(s: &Snapshot, id: ObjId, opts: TextOptions) -> String {
    let mut out = String::new();
    header(s, &mut out);
    out.push('\n');
    let Some(obj) = s.objects.get(id) else {
        let _ = writeln!(out, "No object at {id:#x}.");
        return out;
    };
    let r = render(&s.objects, id, opts.limits);
    let _ = writeln!(out, "{} at {id:#x}", obj.type_name);
    let _ = writeln!(out, "  repr: {}", r.text);
    if let Some(size) = obj.size {
        let _ = writeln!(out, "  size: {size} bytes");
    }
    let d = super::detail(&s.objects, obj);
    let short = |a: ObjId| render(&s.objects, a, opts.limits).text;
    let length = d.length.unwrap_or(0);
    if let Some(items) = d.items {
        let _ = writeln!(out, "  items ({length}):");
        for (i, a) in items.iter().enumerate() {
            let _ = writeln!(out, "    [{i}] {}", short(*a));
        }
    }
    if let Some(entries) = d.entries {
        let _ = writeln!(out, "  entries ({length}):");
        for (k, v) in entries {
            let _ = writeln!(out, "    {}: {}", short(*k), short(*v));
        }
    }
    if let Some(left) = d.left_out.filter(|&n| n > 0) {
        let _ = writeln!(out, "    ...(+{left} more)");
    }
    if let Some(attrs) = obj.kind.attributes() {
        let _ = writeln!(out, "  attributes:");
        let top = Beneath::top(opts.limits.attr_depth);
        let below = top.below(id);
        for (n, a) in attrs {
            value_lines(s, n, *a, opts.limits, below, 4, &mut out);
        }
    }
    if !d.fields.is_empty() {
        let _ = writeln!(out, "  fields:");
        for (name, f) in &d.fields {
            let text = match f {
                Field::Object(Some(a)) => short(*a),
                Field::Object(None) | Field::Text(None) => "None".into(),
                Field::Objects(list) => {
                    let reprs: Vec<String> = list.iter().map(|a| short(*a)).collect();
                    format!(
                        "({}{})",
                        reprs.join(", "),
                        if reprs.len() == 1 { "," } else { "" }
                    )
                }
                Field::Text(Some(t)) => str_repr_of(t),
                Field::Bool(b) => if *b { "True" } else { "False" }.into(),
            };
            let _ = writeln!(out, "    {name} = {text}");
        }
    }
    if let Some(state) = d.state {
        let _ = writeln!(out, "  state: {}", state_text(state));
        if let Some(f) = d.frame {
            frame_lines(s, f, opts, 4, &mut out);
        }
    }
    if let Some(reason) = &d.reason {
        let _ = writeln!(out, "  not decoded: {reason}");
    }
    if let Some(entries) = d.traceback {
        out.push_str("  traceback:\n");
        traceback_lines(entries, &mut out);
    }
    out
}

fn header(s: &Snapshot, out: &mut String) {
    let what = match (s.source.kind.as_str(), &s.source.path, s.source.pid) {
        ("core", Some(p), _) => format!("core {p}"),
        ("dump", Some(p), _) => format!("dump {p}"),
        (_, _, Some(pid)) => format!("live process {pid}"),
        (k, _, _) => k.to_string(),
    };
    let _ = write!(out, "Source: {what}");
    if let Some(p) = &s.python {
        let _ = write!(out, " | Python {} ({})", p.version, p.version_source);
    }
    if let Some(pid) = s.process.pid {
        let _ = write!(out, " | pid {pid}");
    }
    out.push('\n');
    if !s.process.argv.is_empty() {
        let _ = writeln!(out, "Command: {}", s.process.argv.join(" "));
    }
    if let Some(sig) = s.process.signal {
        let _ = writeln!(
            out,
            "Signal: {} ({sig})",
            signal_name(sig).unwrap_or("unknown")
        );
    }
}

fn thread(s: &Snapshot, t: &Thread, opts: TextOptions, out: &mut String) {
    let _ = write!(out, "Thread ");
    match t.tid {
        Some(tid) => {
            let _ = write!(out, "{tid}");
        }
        None => {
            let _ = write!(out, "{:#x}", t.thread_id);
        }
    }
    if let Some(n) = &t.name {
        let _ = write!(out, " \"{n}\"");
    }
    if t.crashed {
        let sig = s.process.signal.and_then(signal_name).unwrap_or("signal");
        let _ = write!(out, " [crashed: {sig}]");
    }
    if t.holds_gil {
        out.push_str(" [holds the GIL]");
    }
    if t.interpreter != 0 {
        let _ = write!(out, " [interpreter {}]", t.interpreter);
    }
    out.push('\n');
    if t.frames.is_empty() {
        out.push_str(if t.frames_complete {
            "  (no Python frames)\n"
        } else {
            "  (its Python frames could not be read; see the diagnostics)\n"
        });
        return;
    }
    out.push_str("Traceback (most recent call last):\n");
    if !t.frames_complete {
        out.push_str("  ... (outer frames could not be read)\n");
    }
    for f in &t.frames {
        frame_lines(s, f, opts, 2, out);
    }
    if let Some(e) = t.exception {
        let r = render(&s.objects, e, opts.limits);
        let _ = writeln!(out, "  Handling: {}", r.text);
        traceback_lines(exception_traceback(s, e).unwrap_or_default(), out);
    }
}

/// The class histogram of `hdconvert stats`: the `top` largest types.
pub fn histogram_text(
    h: &Histogram,
    python: &PythonInfo,
    diagnostics: &[Diagnostic],
    top: usize,
) -> String {
    let mut t = format!(
        "Python {} | {} objects, {} bytes ({} tracked by the GC)\n\n{:>10} {:>14}  type\n",
        python.version, h.objects, h.bytes, h.tracked, "count", "bytes"
    );
    for tc in h.types.iter().take(top) {
        let _ = writeln!(t, "{:>10} {:>14}  {}", tc.count, tc.size, tc.type_name);
    }
    if h.types.len() > top {
        let _ = writeln!(t, "... and {} more types", h.types.len() - top);
    }
    for d in diagnostics.iter().filter(|d| d.is_warning()) {
        let _ = writeln!(t, "[{}] {}", d.code, d.message);
    }
    t
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{
        Entries, Frame, IntValue, Items, Local, Object, ObjectGraph, ObjectKind, ProcessSummary,
        PyText, PythonInfo, SourceInfo,
    };

    /// A snapshot as a crash of a small service would give it.
    pub(crate) fn sample() -> Snapshot {
        let mut g = ObjectGraph::default();
        let mut add = |id: u64, t: &str, kind: ObjectKind| {
            g.insert(Object {
                id,
                type_name: t.into(),
                type_short: t.rsplit('.').next().unwrap_or(t).into(),
                kind,
                size: None,
            });
            id
        };
        let s = add(
            0x10,
            "str",
            ObjectKind::Str {
                text: PyText::Utf8("café".into()),
                length: 4,
            },
        );
        let long = add(
            0x20,
            "str",
            ObjectKind::Str {
                text: PyText::Utf8("x".repeat(300)),
                length: 100_000,
            },
        );
        let n = add(
            0x30,
            "int",
            ObjectKind::Int(IntValue::Decimal("-17".into())),
        );
        let f = add(0x40, "float", ObjectKind::Float(0.1));
        let none = add(0x50, "NoneType", ObjectKind::None);
        let l = add(
            0x60,
            "list",
            ObjectKind::List(Items {
                items: vec![n, f, none, 0x60],
                length: 4,
            }),
        );
        let k = add(
            0x70,
            "str",
            ObjectKind::Str {
                text: PyText::Utf8("it's".into()),
                length: 4,
            },
        );
        let d = add(
            0x80,
            "dict",
            ObjectKind::Dict(Entries {
                items: vec![(k, l)],
                length: 1,
            }),
        );
        let o = add(0x90, "app.Order", ObjectKind::Opaque);
        let frames = vec![
            Frame {
                function: "<module>".into(),
                qualname: "<module>".into(),
                file: "/srv/app.py".into(),
                line: Some(40),
                first_line: 1,
                source: Some("main()".into()),
                locals: None,
                address: 0x1000,
                entry: true,
            },
            Frame {
                function: "handle".into(),
                qualname: "Service.handle".into(),
                file: "/srv/app.py".into(),
                line: Some(12),
                first_line: 9,
                source: Some("        os.abort()".into()),
                locals: Some(vec![
                    Local {
                        name: "name".into(),
                        value: s,
                    },
                    Local {
                        name: "blob".into(),
                        value: long,
                    },
                    Local {
                        name: "items".into(),
                        value: l,
                    },
                    Local {
                        name: "index".into(),
                        value: d,
                    },
                    Local {
                        name: "order".into(),
                        value: o,
                    },
                ]),
                address: 0x2000,
                entry: false,
            },
        ];
        Snapshot {
            source: SourceInfo {
                kind: "core".into(),
                path: Some("core.4242".into()),
                pid: None,
            },
            python: Some(PythonInfo {
                version: "3.12.1".into(),
                version_source: "Py_Version".into(),
                layout: "table 3.12".into(),
                runtime_address: 0x7f00_0000_0000,
                library: Some("/usr/lib/libpython3.12.so.1.0".into()),
            }),
            process: ProcessSummary {
                pid: Some(4242),
                executable: Some("/usr/bin/python3.12".into()),
                argv: vec!["python3".into(), "app.py".into()],
                signal: Some(6),
                ..Default::default()
            },
            threads: vec![
                Thread {
                    tid: Some(4242),
                    thread_id: 0x7f00_1000,
                    name: Some("MainThread".into()),
                    interpreter: 0,
                    holds_gil: true,
                    crashed: true,
                    frames_complete: true,
                    frames,
                    exception: None,
                },
                Thread {
                    tid: Some(4243),
                    thread_id: 0x7f00_2000,
                    name: None,
                    interpreter: 0,
                    holds_gil: false,
                    crashed: false,
                    frames_complete: false,
                    frames: vec![],
                    exception: None,
                },
            ],
            roots: vec![],
            objects: g,
            diagnostics: vec![crate::diag::Diagnostic::new(
                "file_missing",
                "/usr/lib/libfoo.so is not on this machine",
            )],
        }
    }

    #[test]
    fn attributes_of_an_object_beneath_itself_are_not_repeated() {
        // b.self = b; b.n = -17; shown with --depth 50.
        let mut s = sample();
        s.objects.insert(Object {
            id: 0xb0,
            type_name: "app.Node".into(),
            type_short: "Node".into(),
            kind: ObjectKind::Instance(crate::model::Instance {
                attrs: vec![("self".into(), 0xb0), ("n".into(), 0x30)],
                length: 3,
                custom_repr: false,
            }),
            size: None,
        });
        let mut out = String::new();
        let limits = crate::limits::ReprLimits::HUMAN;
        value_lines(&s, "b", 0xb0, limits, Beneath::top(50), 0, &mut out);
        assert_eq!(
            out,
            "b = <app.Node object at 0xb0>\n    .self = <app.Node object at 0xb0>\n    .n = -17\n    ...(+1 attributes)\n"
        );
        let v = crate::views::json::value(&s, 0xb0, limits, 50);
        assert_eq!(v["attributes"]["n"]["repr"], "-17");
        assert_eq!(v["attributes"]["self"]["address"], "0xb0");
        assert!(v["attributes"]["self"].get("attributes").is_none(), "{v}");
    }

    #[test]
    fn text_view() {
        let t = to_text(
            &sample(),
            TextOptions {
                locals: true,
                limits: crate::limits::ReprLimits::HUMAN,
            },
        );
        insta::assert_snapshot!(t);
    }

    #[test]
    fn json_view() {
        let j = crate::views::json::to_json(&sample(), crate::limits::ReprLimits::JSON);
        insta::assert_snapshot!(serde_json::to_string_pretty(&j).unwrap_or_default());
    }
}
