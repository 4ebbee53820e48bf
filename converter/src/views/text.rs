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
    if !s.diagnostics.is_empty() {
        out.push_str("\nDiagnostics:\n");
        for d in &s.diagnostics {
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
        let _ = write!(out, " | Python {}", p.version);
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
        out.push_str("  (no Python frames)\n");
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
