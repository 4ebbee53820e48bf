//! `hdconvert show --json` against the truth the sample recorded: every difference collected
//! into one [`Report`], so a failing run lists all of them at once.

use std::fmt::Write as _;

use crate::hdconvert::{parse_hex, HdRun, OutFrame, OutThread, OutValue, Output};
use crate::repr::{self, Allow};
use crate::truth::{Truth, TruthFrame, TruthThread, TruthValue};

/// Where the output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A kernel core of `--mode abort`.
    Kernel,
    /// A gcore core of `--mode park`.
    Gcore,
    /// `--pid` on a process in `--mode park`.
    Live,
    /// A kernel core cut to this percentage of its size.
    Truncated(u64),
    /// A kernel core read without the Python files (`--sysroot` of an empty directory): no
    /// symbols, no read-only data; values whose type name was there are shown with type `?`.
    NoLibrary,
}

impl Kind {
    pub fn name(self) -> String {
        match self {
            Kind::Kernel => "kernel core".into(),
            Kind::Gcore => "gcore".into(),
            Kind::Live => "live".into(),
            Kind::Truncated(p) => format!("kernel core cut to {p}%"),
            Kind::NoLibrary => "kernel core without the Python files".into(),
        }
    }
}

/// Counts of what was compared.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub threads: usize,
    pub frames: usize,
    pub locals: usize,
    pub exact: usize,
    pub truncated: usize,
    pub opaque: usize,
    pub unreadable: usize,
}

/// The result of one comparison.
#[derive(Debug, Default)]
pub struct Report {
    pub label: String,
    pub mismatches: Vec<String>,
    /// Worth knowing, not failures.
    pub notes: Vec<String>,
    pub stats: Stats,
}

/// Most mismatches listed for one thread; the rest are counted.
const MAX_PER_THREAD: usize = 25;

impl Report {
    pub fn summary(&self) -> String {
        let s = &self.stats;
        format!(
            "{}: {} threads, {} frames, {} locals ({} exact, {} truncated, {} opaque, {} unreadable); {} mismatches",
            self.label,
            s.threads,
            s.frames,
            s.locals,
            s.exact,
            s.truncated,
            s.opaque,
            s.unreadable,
            self.mismatches.len()
        )
    }

    /// Prints the summary and notes; panics with every mismatch listed when there are any.
    pub fn assert_ok(&self) {
        eprintln!("{}", self.summary());
        for note in &self.notes {
            eprintln!("  note: {note}");
        }
        if !self.mismatches.is_empty() {
            let mut text = format!("{} mismatches in {}:\n", self.mismatches.len(), self.label);
            for m in &self.mismatches {
                let _ = writeln!(text, "  - {m}");
            }
            panic!("{text}");
        }
    }
}

/// Compares `output` with `truth`.
pub fn compare(label: &str, truth: &Truth, output: &Output, kind: Kind) -> Report {
    let mut report = Report {
        label: format!("{label} ({})", kind.name()),
        ..Report::default()
    };
    let r = &mut report;
    if output.schema != 1 {
        r.mismatches
            .push(format!("schema: ours {} vs 1", output.schema));
    }
    let source_kind = if kind == Kind::Live { "live" } else { "core" };
    if output.source.kind != source_kind {
        r.mismatches.push(format!(
            "source.kind: ours {:?} vs {source_kind:?}",
            output.source.kind
        ));
    }
    match &output.python {
        None => r.mismatches.push(format!(
            "python: null (no runtime found); diagnostics: {}",
            diagnostics(output)
        )),
        Some(python) if python.version != truth.python.version => r.mismatches.push(format!(
            "python.version: ours {:?} vs truth {:?} (source {})",
            python.version, truth.python.version, python.version_source
        )),
        Some(_) => {}
    }
    if output.process.executable.as_deref() != Some(truth.python.executable.as_str()) {
        r.mismatches.push(format!(
            "process.executable: ours {:?} vs sys.executable {:?}",
            output.process.executable, truth.python.executable
        ));
    }
    if output.process.pid != Some(truth.pid) {
        r.mismatches.push(format!(
            "process.pid: ours {:?} vs truth {}",
            output.process.pid, truth.pid
        ));
    }
    match (&output.process.signal, kind) {
        (Some(signal), Kind::Kernel | Kind::NoLibrary)
            if signal.name == "SIGABRT" && signal.number == libc::SIGABRT => {}
        (signal, Kind::Kernel | Kind::NoLibrary) => r
            .mismatches
            .push(format!("process.signal: ours {signal:?} vs SIGABRT (6)")),
        (Some(signal), Kind::Gcore | Kind::Live) => r
            .mismatches
            .push(format!("process.signal: ours {signal:?} vs null")),
        _ => {}
    }

    let mut used = vec![false; output.threads.len()];
    for t in &truth.threads {
        let Some(index) = find_thread(output, t, &used) else {
            let ours: Vec<String> = output
                .threads
                .iter()
                .map(|o| format!("tid {:?} thread_id {} {:?}", o.tid, o.thread_id, o.name))
                .collect();
            r.mismatches.push(format!(
                "{}: missing from our output (ours: {})",
                t.label(),
                ours.join("; ")
            ));
            continue;
        };
        used[index] = true;
        let mut found = Vec::new();
        compare_thread(t, &output.threads[index], kind, &mut found, &mut r.stats);
        r.stats.threads += 1;
        let extra = found.len().saturating_sub(MAX_PER_THREAD);
        found.truncate(MAX_PER_THREAD);
        r.mismatches
            .extend(found.into_iter().map(|m| format!("{}: {m}", t.label())));
        if extra > 0 {
            r.mismatches
                .push(format!("{}: … and {extra} more mismatches", t.label()));
        }
    }
    for (o, _) in output.threads.iter().zip(&used).filter(|(_, used)| !**used) {
        let frames: Vec<String> = o.frames.iter().map(frame_label).collect();
        let what = format!(
            "thread tid {:?} thread_id {} name {:?} that the truth lacks, frames [{}]",
            o.tid,
            o.thread_id,
            o.name,
            frames.join(", ")
        );
        if o.frames.is_empty() {
            r.notes.push(format!("extra frameless {what}"));
        } else {
            r.mismatches.push(format!("extra {what}"));
        }
    }
    if !output.diagnostics.is_empty() {
        r.notes
            .push(format!("diagnostics: {}", diagnostics(output)));
    }
    report
}

pub fn diagnostics(output: &Output) -> String {
    let list: Vec<String> = output
        .diagnostics
        .iter()
        .take(10)
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    let more = output.diagnostics.len().saturating_sub(10);
    format!(
        "[{}]{}",
        list.join("; "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// The output thread for a truth thread: same OS thread id, else same `thread_id`.
fn find_thread(output: &Output, t: &TruthThread, used: &[bool]) -> Option<usize> {
    let free = |i: &usize| !used[*i];
    (0..output.threads.len())
        .filter(free)
        .find(|&i| t.native_id.is_some() && output.threads[i].tid == t.native_id)
        .or_else(|| {
            (0..output.threads.len())
                .filter(free)
                .find(|&i| output.threads[i].ident() == Some(t.ident))
        })
}

fn frame_label(f: &OutFrame) -> String {
    let file = f.file.rsplit('/').next().unwrap_or(&f.file);
    format!(
        "{} ({}:{})",
        f.qualname,
        file,
        f.line.map_or("?".into(), |l| l.to_string())
    )
}

fn same_code(o: &OutFrame, t: &TruthFrame) -> bool {
    o.function == t.function && o.file == t.file && o.first_line == t.first_line
}

fn line_ok(o: &OutFrame, t: &TruthFrame, innermost: bool) -> bool {
    match (&t.allowed_lines, innermost) {
        (Some(allowed), true) => o.line.is_some_and(|l| allowed.contains(&l)),
        _ => o.line == t.line,
    }
}

fn compare_thread(
    t: &TruthThread,
    o: &OutThread,
    kind: Kind,
    found: &mut Vec<String>,
    stats: &mut Stats,
) {
    if o.name != t.name {
        found.push(format!("name: ours {:?} vs truth {:?}", o.name, t.name));
    }
    if t.native_id.is_some() && o.tid != t.native_id {
        found.push(format!("tid: ours {:?} vs truth {:?}", o.tid, t.native_id));
    }
    if o.ident() != Some(t.ident) {
        found.push(format!(
            "thread_id: ours {} vs truth {:#x}",
            o.thread_id, t.ident
        ));
    }
    if let Some(gil) = t.holds_gil {
        if o.holds_gil != gil {
            found.push(format!("holds_gil: ours {} vs truth {gil}", o.holds_gil));
        }
    }
    let crashed = matches!(kind, Kind::Kernel | Kind::NoLibrary) && t.role == "main";
    if o.crashed != crashed {
        found.push(format!("crashed: ours {} vs {crashed}", o.crashed));
    }
    if o.interpreter != 0 {
        found.push(format!("interpreter: ours {} vs 0", o.interpreter));
    }
    if !o.frames_complete {
        found.push("frames_complete: false".into());
    }
    let common = o
        .frames
        .iter()
        .zip(&t.frames)
        .take_while(|(of, tf)| same_code(of, tf))
        .count();
    if o.frames.len() != t.frames.len() || common < t.frames.len() {
        let show = |labels: Vec<String>| {
            if labels.len() <= 8 {
                labels.join(" > ")
            } else {
                format!(
                    "{} > … ({} frames) … > {}",
                    labels[..3].join(" > "),
                    labels.len(),
                    labels[labels.len() - 3..].join(" > ")
                )
            }
        };
        found.push(format!(
            "frames differ from #{common} on (outermost is #0): ours {} frames [{}] vs truth {} frames [{}]",
            o.frames.len(),
            show(o.frames[common..].iter().map(frame_label).collect()),
            t.frames.len(),
            show(t.frames[common..].iter().map(|f| f.label()).collect()),
        ));
    }
    let innermost = t.frames.len().saturating_sub(1);
    for (i, (of, tf)) in o.frames.iter().zip(&t.frames).take(common).enumerate() {
        stats.frames += 1;
        let at = format!("frame #{i} {}", tf.label());
        if of.qualname != tf.qualname {
            found.push(format!(
                "{at}: qualname: ours {:?} vs truth {:?}",
                of.qualname, tf.qualname
            ));
        }
        if !line_ok(of, tf, i == innermost) {
            let wanted = match &tf.allowed_lines {
                Some(allowed) if i == innermost => format!("one of {allowed:?}"),
                _ => format!("{:?}", tf.line),
            };
            found.push(format!("{at}: line: ours {:?} vs truth {wanted}", of.line));
        }
        compare_locals(&at, of, tf, kind, found, stats);
    }
}

fn compare_locals(
    at: &str,
    of: &OutFrame,
    tf: &TruthFrame,
    kind: Kind,
    found: &mut Vec<String>,
    stats: &mut Stats,
) {
    let (ours, truth) = match (&of.locals, &tf.locals) {
        (None, None) => return,
        (Some(ours), None) => {
            found.push(format!(
                "{at}: locals: ours {} names, truth null (no fast locals)",
                ours.len()
            ));
            return;
        }
        (None, Some(_)) => {
            found.push(format!("{at}: locals: ours null"));
            return;
        }
        (Some(ours), Some(truth)) => (ours, truth),
    };
    let our_names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    let truth_names: Vec<&str> = truth.iter().map(|(n, _)| n.as_str()).collect();
    if our_names != truth_names {
        let only_ours: Vec<&str> = our_names
            .iter()
            .filter(|n| !truth_names.contains(n))
            .copied()
            .collect();
        let only_truth: Vec<&str> = truth_names
            .iter()
            .filter(|n| !our_names.contains(n))
            .copied()
            .collect();
        found.push(format!(
            "{at}: local names: ours {our_names:?} vs truth {truth_names:?} (only ours: {only_ours:?}, only truth: {only_truth:?})"
        ));
    }
    for (name, tv) in truth {
        let Some((_, ov)) = ours.iter().find(|(n, _)| n == name) else {
            continue;
        };
        stats.locals += 1;
        if let Err(why) = compare_value(ov, tv, kind, stats) {
            found.push(format!("{at}: local {name:?}: {why}"));
        }
    }
}

/// Compares one value; the error lists what differs.
pub fn compare_value(
    ov: &OutValue,
    tv: &TruthValue,
    kind: Kind,
    stats: &mut Stats,
) -> Result<(), String> {
    let mut problems = Vec::new();
    // Without the library, static types' names (in its read-only data) are unknown; such
    // values must say so rather than guess.
    if kind == Kind::NoLibrary && ov.type_name == "?" {
        stats.opaque += 1;
        if ov.status != "opaque" || !ov.repr.starts_with("<? object at 0x") {
            return Err(format!(
                "type `?` but status {} repr {:?}",
                ov.status, ov.repr
            ));
        }
        return Ok(());
    }
    if let Some(t) = &tv.type_name {
        if &ov.type_name != t {
            problems.push(format!("type: ours {:?} vs truth {t:?}", ov.type_name));
        }
    }
    if let Some(address) = &tv.address {
        if parse_hex(&ov.address) != parse_hex(address) {
            problems.push(format!("address: ours {} vs truth {address}", ov.address));
        }
    }
    let short = |s: &str| repr::shorten(s, 240);
    match ov.status.as_str() {
        "exact" => {
            stats.exact += 1;
            if let Some(truth) = &tv.repr {
                if &ov.repr != truth {
                    problems.push(format!(
                        "repr (exact): ours {:?} vs truth {:?}",
                        short(&ov.repr),
                        short(truth)
                    ));
                }
            }
        }
        "truncated" => {
            stats.truncated += 1;
            if ov.length.is_none() {
                problems.push("truncated without length".into());
            }
            if let (Some(length), Some(_)) = (tv.length, ov.length) {
                if ov.length != Some(length) {
                    problems.push(format!("length: ours {:?} vs truth {length}", ov.length));
                }
            }
            if let Some(truth) = &tv.repr {
                if let Err(why) = repr::consistent(
                    &ov.repr,
                    truth,
                    Allow {
                        cut: true,
                        opaque: false,
                    },
                ) {
                    problems.push(format!(
                        "repr (truncated) not a cut of Python's: {why}; ours {:?} vs truth {:?}",
                        short(&ov.repr),
                        short(truth)
                    ));
                }
            }
        }
        "opaque" => {
            stats.opaque += 1;
            match repr::default_form_parts(&ov.repr) {
                Some((type_name, address)) => {
                    if type_name != ov.type_name || parse_hex(address) != parse_hex(&ov.address) {
                        problems.push(format!(
                            "opaque repr {:?} doesn't name its type {:?} and address {}",
                            ov.repr, ov.type_name, ov.address
                        ));
                    }
                }
                None => match (repr::parse(&ov.repr), &tv.repr) {
                    (Err(e), _) => problems.push(format!(
                        "opaque repr {:?} is not <TYPE object at 0x…> nor parseable ({e})",
                        short(&ov.repr)
                    )),
                    (Ok(tree), _) if repr::count_opaque(&tree) == 0 => problems.push(format!(
                        "status opaque but no <… object at 0x…> part in {:?}",
                        short(&ov.repr)
                    )),
                    (Ok(_), Some(truth)) => {
                        if let Err(why) = repr::consistent(
                            &ov.repr,
                            truth,
                            Allow {
                                cut: true,
                                opaque: true,
                            },
                        ) {
                            problems.push(format!(
                                "repr (opaque) inconsistent with Python's: {why}; ours {:?} vs truth {:?}",
                                short(&ov.repr),
                                short(truth)
                            ));
                        }
                    }
                    (Ok(_), None) => {}
                },
            }
        }
        "unreadable" => {
            stats.unreadable += 1;
            if !matches!(kind, Kind::Truncated(_)) {
                problems.push(format!(
                    "unreadable in a complete {}: {:?}",
                    kind.name(),
                    ov.repr
                ));
            }
        }
        other => problems.push(format!("unknown status {other:?}")),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// What a run on a truncated core must satisfy: exit 0 or 1, valid JSON, and every frame it
/// prints is a frame of the truth (same code and line, innermost-aligned), every `exact` value
/// in it right. Returns the report and how many frames were printed.
pub fn check_truncated(label: &str, truth: &Truth, run: &HdRun, percent: u64) -> (Report, usize) {
    let mut report = Report {
        label: format!("{label} ({})", Kind::Truncated(percent).name()),
        ..Report::default()
    };
    let r = &mut report;
    match (run.code, run.signal) {
        (Some(0 | 1), _) => {}
        (code, signal) => r.mismatches.push(format!(
            "exit: code {code:?} signal {signal:?}, want 0 or 1; stderr: {}",
            run.stderr.trim()
        )),
    }
    if run.stderr.contains("panicked at") {
        r.mismatches.push(format!("panic: {}", run.stderr.trim()));
    }
    let output = match run.json() {
        Ok(output) => output,
        Err(e) => {
            r.mismatches.push(e);
            return (report, 0);
        }
    };
    let mut kept = 0;
    for o in &output.threads {
        kept += o.frames.len();
        let t = truth
            .threads
            .iter()
            .find(|t| t.native_id.is_some() && o.tid == t.native_id)
            .or_else(|| truth.threads.iter().find(|t| o.ident() == Some(t.ident)));
        let Some(t) = t else {
            if !o.frames.is_empty() {
                r.mismatches.push(format!(
                    "thread tid {:?} thread_id {} with {} frames is not in the truth",
                    o.tid,
                    o.thread_id,
                    o.frames.len()
                ));
            }
            continue;
        };
        r.stats.threads += 1;
        // A thread shown with fewer frames than Python had must say its walk was cut.
        if o.frames.len() < t.frames.len() && o.frames_complete {
            r.mismatches.push(format!(
                "{}: {} of {} frames shown but frames_complete is true",
                t.label(),
                o.frames.len(),
                t.frames.len()
            ));
        }
        // Innermost first on both sides; each of ours must match a later truth frame.
        let mut truth_frames = t.frames.iter().enumerate().rev();
        let innermost = t.frames.len().saturating_sub(1);
        for of in o.frames.iter().rev() {
            r.stats.frames += 1;
            let matched = truth_frames
                .by_ref()
                .find(|(i, tf)| same_code(of, tf) && line_ok(of, tf, *i == innermost));
            let Some((i, tf)) = matched else {
                r.mismatches.push(format!(
                    "{}: frame {} is not a frame of the truth (or out of order)",
                    t.label(),
                    frame_label(of)
                ));
                break;
            };
            if of.qualname != tf.qualname {
                r.mismatches.push(format!(
                    "{}: frame #{i} {}: qualname ours {:?}",
                    t.label(),
                    tf.label(),
                    of.qualname
                ));
            }
            if let (Some(ours), Some(locals)) = (&of.locals, &tf.locals) {
                for (name, ov) in ours {
                    match locals.iter().find(|(n, _)| n == name) {
                        None => r.mismatches.push(format!(
                            "{}: frame #{i} {}: local {name:?} that Python doesn't have",
                            t.label(),
                            tf.label()
                        )),
                        Some((_, tv)) if ov.status == "exact" || ov.status == "truncated" => {
                            r.stats.locals += 1;
                            if let Err(why) =
                                compare_value(ov, tv, Kind::Truncated(percent), &mut r.stats)
                            {
                                r.mismatches.push(format!(
                                    "{}: frame #{i} {}: local {name:?}: {why}",
                                    t.label(),
                                    tf.label()
                                ));
                            }
                        }
                        Some(_) => r.stats.locals += 1,
                    }
                }
            }
        }
    }
    let total: usize = truth.threads.iter().map(|t| t.frames.len()).sum();
    r.notes.push(format!("kept {kept} frames of {total}"));
    // What was lost must be said: the cut core is reported, and so is each thread the output
    // could not show.
    if kept < total
        && !output
            .diagnostics
            .iter()
            .any(|d| d.code == "core_truncated")
    {
        r.mismatches.push(format!(
            "{kept} of {total} frames shown and no core_truncated diagnostic"
        ));
    }
    if !output.diagnostics.is_empty() {
        r.notes
            .push(format!("diagnostics: {}", diagnostics(&output)));
    }
    (report, kept)
}

#[cfg(test)]
mod tests {
    //! The comparison must fail on every kind of difference: a hand-made truth, an output made
    //! to match it, then one change at a time.
    use super::*;
    use serde_json::{json, Value};

    fn truth() -> Truth {
        serde_json::from_value(json!({
            "python": {"version": "3.12.1", "hexversion": 0x030c01f0, "executable": "/py"},
            "pid": 10, "argv": [], "mode": "abort",
            "threads": [
                {"ident": 4096, "native_id": 10, "name": "MainThread", "role": "main", "volatile": false, "holds_gil": true,
                 "frames": [
                    {"function": "<module>", "qualname": "<module>", "file": "/s.py", "line": 20, "first_line": 1, "locals": null},
                    {"function": "main", "qualname": "main", "file": "/s.py", "line": 16, "first_line": 12, "locals": {
                        "name": {"type": "str", "repr": "'demo'", "address": "0x10", "length": 4},
                        "items": {"type": "list", "repr": "[1, 2, 3]", "address": "0x20", "length": 3},
                        "p": {"type": "__main__.P", "repr": "P(x=1)", "address": "0x40"}}}]},
                {"ident": 8192, "native_id": 11, "name": "busy", "role": "busy", "volatile": true, "holds_gil": null,
                 "frames": [{"function": "spin", "qualname": "spin", "file": "/s.py", "line": 33, "first_line": 30,
                             "allowed_lines": [32, 33, 34], "locals": {"count": {"type": null, "repr": null, "address": null}}}]}]
        }))
        .unwrap()
    }

    fn output() -> Value {
        let value = |t: &str, r: &str, a: &str, s: &str| json!({"type": t, "repr": r, "address": a, "status": s});
        json!({
            "schema": 1, "producer": "hdconvert 0.1.0",
            "source": {"kind": "core", "path": "/core", "pid": null},
            "python": {"version": "3.12.1", "version_source": "Py_Version", "layout": "table 3.12", "runtime_address": "0x1", "library": null},
            "process": {"pid": 10, "executable": "/py", "argv": [], "signal": {"number": 6, "name": "SIGABRT"}},
            "threads": [
                {"tid": 11, "thread_id": "0x2000", "name": "busy", "interpreter": 0, "holds_gil": false, "crashed": false, "frames_complete": true,
                 "frames": [{"function": "spin", "qualname": "spin", "file": "/s.py", "line": 34, "first_line": 30, "source": null,
                             "locals": {"count": value("int", "123", "0x99", "exact")}}]},
                {"tid": 10, "thread_id": "0x1000", "name": "MainThread", "interpreter": 0, "holds_gil": true, "crashed": true, "frames_complete": true,
                 "frames": [
                    {"function": "<module>", "qualname": "<module>", "file": "/s.py", "line": 20, "first_line": 1, "source": null, "locals": null},
                    {"function": "main", "qualname": "main", "file": "/s.py", "line": 16, "first_line": 12, "source": null, "locals": {
                        "name": value("str", "'demo'", "0x10", "exact"),
                        "items": value("list", "[1, 2, 3]", "0x20", "exact"),
                        "p": value("__main__.P", "<__main__.P object at 0x40>", "0x40", "opaque")}}]}],
            "diagnostics": []
        })
    }

    fn mismatches(change: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut out = output();
        change(&mut out);
        let out: Output = serde_json::from_value(out).unwrap();
        compare("test", &truth(), &out, Kind::Kernel).mismatches
    }

    fn main_local<'a>(out: &'a mut Value, name: &str) -> &'a mut Value {
        &mut out["threads"][1]["frames"][1]["locals"][name]
    }

    #[test]
    fn matching_output_passes() {
        assert_eq!(mismatches(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn each_difference_is_found() {
        type Change = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "repr (exact)",
                Box::new(|o| main_local(o, "name")["repr"] = json!("'demO'")),
            ),
            (
                "type",
                Box::new(|o| main_local(o, "name")["type"] = json!("bytes")),
            ),
            (
                "address",
                Box::new(|o| main_local(o, "name")["address"] = json!("0x11")),
            ),
            (
                "unreadable",
                Box::new(|o| main_local(o, "name")["status"] = json!("unreadable")),
            ),
            (
                "not a cut",
                Box::new(
                    |o| *main_local(o, "items") = json!({"type": "list", "repr": "[1, 3, ...(+1 items)]", "address": "0x20", "status": "truncated", "length": 3}),
                ),
            ),
            (
                "says +",
                Box::new(
                    |o| *main_local(o, "items") = json!({"type": "list", "repr": "[1, 2, ...(+2 items)]", "address": "0x20", "status": "truncated", "length": 3}),
                ),
            ),
            (
                "length",
                Box::new(
                    |o| *main_local(o, "items") = json!({"type": "list", "repr": "[1, 2, ...(+1 items)]", "address": "0x20", "status": "truncated", "length": 4}),
                ),
            ),
            (
                "doesn't name its type",
                Box::new(|o| main_local(o, "p")["repr"] = json!("<__main__.Q object at 0x40>")),
            ),
            (
                "local names",
                Box::new(|o| {
                    let locals = o["threads"][1]["frames"][1]["locals"]
                        .as_object_mut()
                        .unwrap();
                    locals.remove("items");
                }),
            ),
            (
                "line",
                Box::new(|o| o["threads"][1]["frames"][1]["line"] = json!(17)),
            ),
            (
                "one of [32, 33, 34]",
                Box::new(|o| o["threads"][0]["frames"][0]["line"] = json!(35)),
            ),
            (
                "qualname",
                Box::new(|o| o["threads"][1]["frames"][1]["qualname"] = json!("x.main")),
            ),
            (
                "frames differ",
                Box::new(|o| {
                    o["threads"][1]["frames"].as_array_mut().unwrap().remove(0);
                }),
            ),
            (
                "missing from our output",
                Box::new(|o| o["threads"].as_array_mut().unwrap().truncate(1)),
            ),
            (
                "extra thread",
                Box::new(|o| {
                    let mut extra = o["threads"][0].clone();
                    extra["tid"] = json!(99);
                    extra["thread_id"] = json!("0x9");
                    o["threads"].as_array_mut().unwrap().push(extra);
                }),
            ),
            (
                "name",
                Box::new(|o| o["threads"][1]["name"] = json!("Main")),
            ),
            (
                "holds_gil",
                Box::new(|o| o["threads"][1]["holds_gil"] = json!(false)),
            ),
            (
                "crashed",
                Box::new(|o| o["threads"][0]["crashed"] = json!(true)),
            ),
            (
                "frames_complete",
                Box::new(|o| o["threads"][1]["frames_complete"] = json!(false)),
            ),
            (
                "process.signal",
                Box::new(|o| o["process"]["signal"] = Value::Null),
            ),
            ("process.pid", Box::new(|o| o["process"]["pid"] = json!(11))),
            (
                "python.version",
                Box::new(|o| o["python"]["version"] = json!("3.12")),
            ),
            (
                "locals: ours null",
                Box::new(|o| o["threads"][1]["frames"][1]["locals"] = Value::Null),
            ),
        ];
        for (wanted, change) in cases {
            let found = mismatches(change);
            assert!(
                found.iter().any(|m| m.contains(wanted)),
                "expected a mismatch about {wanted:?}, got {found:#?}"
            );
        }
    }
}
