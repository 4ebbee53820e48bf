//! `show`: one traceback per thread, outermost call first, like Python prints them.

use std::fmt::Write;

use crate::limits::ReprLimits;
use crate::model::{Snapshot, Thread};
use crate::source::signal_name;

use super::repr::render;

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
    if s.diagnostics.iter().any(|d| d.is_warning()) {
        out.push_str("\nDiagnostics:\n");
        for d in s.diagnostics.iter().filter(|d| d.is_warning()) {
            let _ = writeln!(out, "  [{}] {}", d.code, d.message);
        }
    }
    out
}

fn header(s: &Snapshot, out: &mut String) {
    let what = match (s.source.kind.as_str(), &s.source.path, s.source.pid) {
        ("core", Some(p), _) => format!("core {p}"),
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
        let line = f.line.map(|l| l.to_string()).unwrap_or_else(|| "?".into());
        let _ = writeln!(out, "  File \"{}\", line {line}, in {}", f.file, f.qualname);
        if let Some(src) = &f.source {
            let _ = writeln!(out, "    {}", src.trim());
        }
        if opts.locals {
            for l in f.locals.iter().flatten() {
                let r = render(&s.objects, l.value, opts.limits);
                let _ = writeln!(out, "      {} = {}", l.name, r.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
                type_qualname: t.rsplit('.').next().unwrap_or(t).into(),
                kind,
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
                },
            ],
            objects: g,
            diagnostics: vec![crate::diag::Diagnostic::new(
                "file_missing",
                "/usr/lib/libfoo.so is not on this machine",
            )],
        }
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
