//! `hdconvert show --json` against the truth the sample recorded: every difference collected
//! into one [`Report`], so a failing run lists all of them at once.

use crate::json::TracebackEntry;
use std::fmt::Write as _;

use crate::hdconvert::{
    parse_hex, HdRun, ObjectOutput, OutFrame, OutThread, OutValue, Output, StatsOutput,
};
use crate::repr::{self, Allow};
use crate::truth::{Truth, TruthFrame, TruthObject, TruthRoot, TruthThread, TruthValue};

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
    /// Attributes of instances and exceptions compared.
    pub attributes: usize,
    /// Values whose `kind` was checked, and whose `size` was (we gave one).
    pub kinds: usize,
    pub sizes: usize,
    /// Entries of `suspended[]` compared.
    pub generators: usize,
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
        let mut text = format!(
            "{}: {} threads, {} frames, {} locals ({} exact, {} truncated, {} opaque, {} unreadable)",
            self.label, s.threads, s.frames, s.locals, s.exact, s.truncated, s.opaque, s.unreadable,
        );
        if s.kinds + s.attributes + s.generators > 0 {
            let _ = write!(
                text,
                ", {} kinds, {} sizes, {} attributes, {} suspended",
                s.kinds, s.sizes, s.attributes, s.generators
            );
        }
        let _ = write!(text, "; {} mismatches", self.mismatches.len());
        text
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
    if let Some(truth) = &truth.suspended {
        compare_suspended(truth, output, kind, r);
    }
    if let Some(truth) = &truth.tasks {
        compare_tasks(truth, output, r);
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
    if let Some(truth) = &t.exception {
        compare_exception(&o.exception, truth, kind, found, stats);
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

/// `threads[].exception` against `sys.exc_info()[1]` in that thread.
fn compare_exception(
    ours: &Option<Option<OutValue>>,
    truth: &Option<TruthValue>,
    kind: Kind,
    found: &mut Vec<String>,
    stats: &mut Stats,
) {
    let describe_truth = |t: &Option<TruthValue>| match t {
        None => "null".to_string(),
        Some(tv) => format!(
            "{} {}",
            tv.type_name.as_deref().unwrap_or("?"),
            tv.repr.as_deref().unwrap_or("?")
        ),
    };
    match (ours, truth) {
        (None, _) => found.push(format!(
            "exception: no \"exception\" key in our thread (truth: {})",
            describe_truth(truth)
        )),
        (Some(None), None) => {}
        (Some(Some(ov)), None) => found.push(format!(
            "exception: ours {} {} vs truth null (no exception being handled)",
            ov.type_name, ov.repr
        )),
        (Some(None), Some(_)) => found.push(format!(
            "exception: ours null vs truth {}",
            describe_truth(truth)
        )),
        (Some(Some(ov)), Some(tv)) => {
            if let Err(why) = compare_value(ov, tv, kind, stats) {
                found.push(format!("exception: {why}"));
            }
        }
    }
}

/// `suspended[]` against the generators, coroutines and async generators the sample's locals
/// hold: each must be there (by address, else by qualname) with its kind, state and frame.
/// Ours may list more (reachable otherwise); they are noted.
fn compare_suspended(
    truth: &[crate::truth::TruthGenerator],
    output: &Output,
    kind: Kind,
    r: &mut Report,
) {
    let Some(ours) = &output.suspended else {
        r.mismatches.push(format!(
            "suspended: no \"suspended\" key in our output (truth: {} entries)",
            truth.len()
        ));
        return;
    };
    let mut used = vec![false; ours.len()];
    for tg in truth {
        let label = format!("suspended {} {} at {}", tg.kind, tg.qualname, tg.address);
        let index = (0..ours.len())
            .find(|&i| !used[i] && parse_hex(&ours[i].address) == parse_hex(&tg.address))
            .or_else(|| (0..ours.len()).find(|&i| !used[i] && ours[i].qualname == tg.qualname));
        let Some(index) = index else {
            let listed: Vec<String> = ours
                .iter()
                .map(|g| format!("{} {} {} at {}", g.kind, g.qualname, g.state, g.address))
                .collect();
            r.mismatches.push(format!(
                "{label} ({}): missing from ours [{}]",
                tg.state,
                listed.join("; ")
            ));
            continue;
        };
        used[index] = true;
        r.stats.generators += 1;
        let og = &ours[index];
        let mut found = Vec::new();
        if parse_hex(&og.address) != parse_hex(&tg.address) {
            found.push(format!(
                "address: ours {} vs truth {}",
                og.address, tg.address
            ));
        }
        for (what, o, t) in [
            ("kind", &og.kind, &tg.kind),
            ("name", &og.name, &tg.name),
            ("qualname", &og.qualname, &tg.qualname),
            ("state", &og.state, &tg.state),
        ] {
            if o != t {
                found.push(format!("{what}: ours {o:?} vs truth {t:?}"));
            }
        }
        let ours_awaiting = og.awaiting.as_ref().and_then(|a| parse_hex(&a.address));
        if ours_awaiting != tg.awaiting.as_deref().and_then(parse_hex) {
            found.push(format!(
                "awaiting: ours {:?} vs truth {:?}",
                og.awaiting.as_ref().map(|a| &a.address),
                tg.awaiting
            ));
        }
        compare_generator_frames(&og.frames, &tg.frames, kind, &mut found, &mut r.stats);
        r.mismatches
            .extend(found.into_iter().map(|m| format!("{label}: {m}")));
    }
    let extra: Vec<String> = ours
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(g, _)| format!("{} {} {}", g.kind, g.qualname, g.state))
        .collect();
    if !extra.is_empty() {
        r.notes.push(format!(
            "suspended: {} more than the truth's: {}",
            extra.len(),
            extra.join("; ")
        ));
    }
}

/// Pending asyncio tasks (the `task` entries of `suspended[]`): each by address, with its
/// name, what it waits on, and its chain of coroutines (one frame each, outermost first).
fn compare_tasks(truth: &[crate::truth::TruthTask], output: &Output, r: &mut Report) {
    let ours: Vec<&crate::hdconvert::OutGenerator> = output
        .suspended
        .iter()
        .flatten()
        .filter(|g| g.kind == "task")
        .collect();
    for tt in truth {
        let label = format!("task {} at {}", tt.name, tt.address);
        let Some(ot) = ours
            .iter()
            .find(|o| parse_hex(&o.address) == parse_hex(&tt.address))
        else {
            let listed: Vec<String> = ours
                .iter()
                .map(|o| format!("{} at {}", o.name, o.address))
                .collect();
            r.mismatches.push(format!(
                "{label}: missing from ours [{}]",
                listed.join("; ")
            ));
            continue;
        };
        r.stats.generators += 1;
        if ot.name != tt.name {
            r.mismatches.push(format!(
                "{label}: name ours {:?} vs truth {:?}",
                ot.name, tt.name
            ));
        }
        let want = tt.waiting_on.as_ref().or(tt.end.as_ref());
        let got = ot.awaiting.as_ref().map(|a| &a.address);
        if got.and_then(|a| parse_hex(a)) != want.and_then(|a| parse_hex(a)) {
            r.mismatches
                .push(format!("{label}: awaiting ours {got:?} vs truth {want:?}"));
        }
        let chain =
            |q: &str, l: Option<u32>| format!("{q}:{}", l.map_or("?".into(), |l| l.to_string()));
        let ours_chain: Vec<String> = ot
            .frames
            .iter()
            .map(|f| chain(&f.qualname, f.line))
            .collect();
        let truth_chain: Vec<String> = tt
            .chain
            .iter()
            .map(|c| chain(&c.qualname, c.line))
            .collect();
        if ours_chain != truth_chain || ot.coroutines.len() != tt.chain.len() {
            r.mismatches.push(format!(
                "{label}: await chain ours [{}] ({} coroutines) vs truth [{}]",
                ours_chain.join(" -> "),
                ot.coroutines.len(),
                truth_chain.join(" -> ")
            ));
        }
    }
}

/// A generator's own frame (ours) against `gi_frame` (truth): code, line, locals.
pub fn compare_generator_frames(
    ours: &[OutFrame],
    truth: &[TruthFrame],
    kind: Kind,
    found: &mut Vec<String>,
    stats: &mut Stats,
) {
    if ours.len() != truth.len() {
        found.push(format!(
            "frames: ours {} [{}] vs truth {} [{}]",
            ours.len(),
            ours.iter().map(frame_label).collect::<Vec<_>>().join(", "),
            truth.len(),
            truth
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return;
    }
    for (of, tf) in ours.iter().zip(truth) {
        stats.frames += 1;
        let at = format!("frame {}", tf.label());
        if !same_code(of, tf) || of.qualname != tf.qualname {
            found.push(format!("{at}: ours is {}", frame_label(of)));
            continue;
        }
        if of.line != tf.line {
            found.push(format!(
                "{at}: line: ours {:?} vs truth {:?}",
                of.line, tf.line
            ));
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
    if let Some(truth) = &tv.kind {
        stats.kinds += 1;
        match &ov.kind {
            Some(ours) if ours == truth => {}
            Some(ours) => problems.push(format!("kind: ours {ours:?} vs truth {truth:?}")),
            None => problems.push(format!("kind: none in ours vs truth {truth:?}")),
        }
    }
    if let (Some(ours), Some(truth)) = (ov.size, tv.size) {
        stats.sizes += 1;
        if ours != truth {
            problems.push(format!("size: ours {ours} vs sys.getsizeof {truth}"));
        }
    }
    // Whatever the status, a length given is the full length.
    if let (Some(ours), Some(truth)) = (ov.length, tv.length) {
        if ours != truth {
            problems.push(format!("length: ours {ours} vs truth {truth}"));
        }
    }
    let short = |s: &str| repr::shorten(s, 240);
    // Too long for the truth to hold whole: compare with its first items.
    if let (None, Some(head), Some(length)) = (&tv.repr, &tv.head, tv.length) {
        if ov.status == "exact" || ov.status == "truncated" {
            if let Err(why) = repr::consistent_head(&ov.repr, head, length) {
                problems.push(format!(
                    "repr ({}) disagrees with Python's first items: {why}; ours {:?} vs Python's head {:?}",
                    ov.status,
                    short(&ov.repr),
                    short(head)
                ));
            }
        }
    }
    if tv.exact == Some(true) && ov.status == "opaque" {
        problems.push(format!(
            "status opaque, but docs/json.md promises Python's repr of this {}: ours {:?} vs truth {:?}",
            tv.kind.as_deref().unwrap_or("value"),
            short(&ov.repr),
            short(tv.repr.as_deref().or(tv.head.as_deref()).unwrap_or("?"))
        ));
    }
    compare_attributes(ov, tv, kind, stats, &mut problems);
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
            // Kinds whose repr is a summary of their fields by design (docs/json.md).
            if matches!(
                ov.kind.as_deref(),
                Some("task" | "future" | "socket" | "ndarray")
            ) && tv.summary.is_none()
            {
                if !(ov.repr.starts_with('<') && ov.repr.ends_with('>')) {
                    problems.push(format!("summary repr {:?} is not <…>", short(&ov.repr)));
                }
                return finish(problems);
            }
            if let Some(summary) = &tv.summary {
                if repr::default_form_parts(&ov.repr).is_none() {
                    if let Err(why) = check_summary(ov, summary) {
                        problems.push(why);
                    }
                    return finish(problems);
                }
            }
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
    finish(problems)
}

fn finish(problems: Vec<String>) -> Result<(), String> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// `attributes`: when the truth has them, ours must list the same names in the same order, each
/// value right; an exception Python shows no `__dict__` for must have none in ours.
fn compare_attributes(
    ov: &OutValue,
    tv: &TruthValue,
    kind: Kind,
    stats: &mut Stats,
    problems: &mut Vec<String>,
) {
    let Some(truth) = &tv.attributes else {
        if let (Some("exception"), Some(ours)) = (tv.kind.as_deref(), &ov.attributes) {
            if !ours.is_empty() {
                let names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
                problems.push(format!(
                    "attributes {names:?}, but the exception has no __dict__"
                ));
            }
        }
        return;
    };
    let truth_names: Vec<&str> = truth.iter().map(|(n, _)| n.as_str()).collect();
    let Some(ours) = &ov.attributes else {
        problems.push(format!("attributes: none in ours vs truth {truth_names:?}"));
        return;
    };
    let our_names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    if our_names != truth_names {
        let marked = ov.left_out
            == Some((truth_names.len() - our_names.len().min(truth_names.len())) as u64);
        if our_names.len() < truth_names.len() && truth_names.starts_with(&our_names) && marked {
            // Cut by a bound, and said so.
        } else if our_names.len() < truth_names.len() && truth_names.starts_with(&our_names) {
            problems.push(format!(
                "attribute names: ours are the first {} of Python's {}, the rest left out \
                 without a mark: {:?}",
                our_names.len(),
                truth_names.len(),
                &truth_names[our_names.len()..]
            ));
        } else {
            problems.push(format!(
                "attribute names: ours {our_names:?} vs truth {truth_names:?}"
            ));
        }
    }
    for (name, tav) in truth {
        let Some((_, oav)) = ours.iter().find(|(n, _)| n == name) else {
            continue;
        };
        stats.attributes += 1;
        if let Err(why) = compare_value(oav, tav, kind, stats) {
            problems.push(format!("attribute {name:?}: {why}"));
        }
    }
}

/// An opaque summary (a socket's `<socket.socket fd=3, family=2, type=1, proto=0>`): it must
/// be `<TYPE …>`, and each `key=number` in it for a key the truth knows must be that number.
fn check_summary(
    ov: &OutValue,
    summary: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), String> {
    let inner = ov
        .repr
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .filter(|r| r.starts_with(&ov.type_name))
        .ok_or_else(|| format!("opaque summary {:?} is not <{} …>", ov.repr, ov.type_name))?;
    let mut wrong = Vec::new();
    for part in inner[ov.type_name.len()..].split([',', ' ']) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let (Some(truth), Ok(ours)) = (
            summary.get(key).and_then(|v| v.as_i64()),
            value.parse::<i64>(),
        ) else {
            continue;
        };
        if ours != truth {
            wrong.push(format!("{key}={ours} (Python: {truth})"));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "opaque summary {:?} says {}",
            ov.repr,
            wrong.join(", ")
        ))
    }
}

/// `show --object ADDR --json` against what Python said of that object (`objects` of the
/// truth): the value with its attributes, the items or entries (ours may show more than the
/// truth recorded; shown + `left_out` must be the length), an exception's fields and
/// traceback, a generator's state and frame.
pub fn compare_object(
    truth: &TruthObject,
    out: &ObjectOutput,
    kind: Kind,
    stats: &mut Stats,
) -> Vec<String> {
    let mut found = Vec::new();
    let o = &out.object;
    if parse_hex(&o.value.address) != parse_hex(&truth.address) {
        found.push(format!(
            "address: ours {} vs {}",
            o.value.address, truth.address
        ));
    }
    if let Err(why) = compare_value(&o.value, &truth.value, kind, stats) {
        found.push(why);
    }
    // Items and entries: the same check for both.
    let shown = |ours: usize,
                 left_out: Option<u64>,
                 recorded: usize,
                 found: &mut Vec<String>,
                 what: &str| {
        let Some(length) = truth.length else { return };
        match left_out {
            Some(left) if ours as u64 + left == length => {}
            left => found.push(format!(
                "{what}: {ours} shown and left_out {left:?}, but the length is {length}"
            )),
        }
        let want = recorded.min(length as usize);
        if ours < want {
            found.push(format!(
                "{what}: {ours} shown, fewer than the {want} the truth recorded"
            ));
        }
    };
    if let Some(items) = &truth.items {
        match &o.items {
            None => found.push(format!(
                "items: none in ours (truth: {} recorded)",
                items.len()
            )),
            Some(ours) => {
                shown(ours.len(), o.left_out, items.len(), &mut found, "items");
                for (i, (ov, tv)) in ours.iter().zip(items).enumerate() {
                    if let Err(why) = compare_value(ov, tv, kind, stats) {
                        found.push(format!("item #{i}: {why}"));
                    }
                }
            }
        }
    }
    if let Some(entries) = &truth.entries {
        match &o.entries {
            None => found.push(format!(
                "entries: none in ours (truth: {} recorded)",
                entries.len()
            )),
            Some(ours) => {
                shown(ours.len(), o.left_out, entries.len(), &mut found, "entries");
                for (i, ((ok, ov), (tk, tv))) in ours.iter().zip(entries).enumerate() {
                    if let Err(why) = compare_value(ok, tk, kind, stats) {
                        found.push(format!("entry #{i} key: {why}"));
                    }
                    if let Err(why) = compare_value(ov, tv, kind, stats) {
                        found.push(format!("entry #{i} value: {why}"));
                    }
                }
            }
        }
    }
    if let Some(fields) = &truth.fields {
        match &o.fields {
            None => found.push(format!(
                "fields: none in ours (truth: {:?})",
                fields.keys().collect::<Vec<_>>()
            )),
            Some(ours) => {
                for (name, tval) in fields {
                    let oval = ours.get(name);
                    match (tval, oval) {
                        (_, None) => found.push(format!("fields.{name}: missing from ours")),
                        (serde_json::Value::Bool(t), Some(o)) => {
                            if o.as_bool() != Some(*t) {
                                found.push(format!("fields.{name}: ours {o} vs truth {t}"));
                            }
                        }
                        (serde_json::Value::Null, Some(o)) => {
                            if !o.is_null() {
                                found.push(format!(
                                    "fields.{name}: ours {} vs truth null",
                                    o.get("repr").unwrap_or(o)
                                ));
                            }
                        }
                        (t, Some(o)) => {
                            let tv: Result<TruthValue, _> = serde_json::from_value(t.clone());
                            let ov: Result<OutValue, _> = serde_json::from_value(o.clone());
                            match (tv, ov) {
                                (Ok(tv), Ok(ov)) => {
                                    if let Err(why) = compare_value(&ov, &tv, kind, stats) {
                                        found.push(format!("fields.{name}: {why}"));
                                    }
                                }
                                (Ok(tv), Err(e)) => found.push(format!(
                                    "fields.{name}: ours {o} is not a value ({e}); truth {}",
                                    tv.repr.as_deref().unwrap_or("?")
                                )),
                                (Err(e), _) => found.push(format!("truth fields.{name}: {e}")),
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(traceback) = &truth.traceback {
        let ours: &[TracebackEntry] = o.traceback.as_deref().unwrap_or_default();
        if ours != traceback.as_slice() {
            let show = |entries: &[TracebackEntry]| {
                entries
                    .iter()
                    .map(|e| format!("{} ({}:{:?})", e.qualname, e.file, e.line))
                    .collect::<Vec<_>>()
                    .join(" > ")
            };
            found.push(format!(
                "traceback: ours [{}]{} vs truth [{}]",
                show(ours),
                if o.traceback.is_none() {
                    " (no key)"
                } else {
                    ""
                },
                show(traceback)
            ));
        }
    }
    if let Some(state) = &truth.state {
        if o.state.as_ref() != Some(state) {
            found.push(format!("state: ours {:?} vs truth {state:?}", o.state));
        }
    }
    if let Some(frames) = &truth.frames {
        match &o.frames {
            None => found.push("frames: none in ours".into()),
            Some(ours) => compare_generator_frames(ours, frames, kind, &mut found, stats),
        }
    }
    if let Some(reason) = &o.reason {
        found.push(format!("reason given: {reason}"));
    }
    found
}

/// `roots[]` of `show --globals` against the truth's `globals`.
pub fn compare_root(
    truth: &TruthRoot,
    output: &Output,
    kind: Kind,
    stats: &mut Stats,
) -> Vec<String> {
    let Some(roots) = &output.roots else {
        return vec!["roots: no \"roots\" key in our output".into()];
    };
    let Some(root) = roots.iter().find(|r| r.name == truth.name) else {
        let names: Vec<&str> = roots.iter().map(|r| r.name.as_str()).collect();
        return vec![format!("roots: no {:?} in ours {names:?}", truth.name)];
    };
    match compare_value(&root.value, &truth.value, kind, stats) {
        Ok(()) => Vec::new(),
        Err(why) => vec![format!("root {:?}: {why}", truth.name)],
    }
}

/// A root whose repr must show each of the truth's `'key': repr` entries (a namespace too
/// changeable to compare whole).
pub fn compare_root_entries(truth: &crate::truth::TruthEntries, output: &Output) -> Vec<String> {
    let Some(root) = output.roots.iter().flatten().find(|r| r.name == truth.name) else {
        return vec![format!("roots: no {:?} in ours", truth.name)];
    };
    truth
        .entries
        .iter()
        .filter_map(|(key, repr)| {
            let want = format!("{key:?}: {repr}").replacen('"', "'", 2);
            (!root.value.repr.contains(&want)).then(|| {
                format!(
                    "root {:?}: no `{want}` in ours ({})",
                    truth.name,
                    repr::shorten(&root.value.repr, 200)
                )
            })
        })
        .collect()
}

/// `stats --json` against `gc.get_objects()`: every class of `__main__` with its exact count
/// and total `sys.getsizeof`, the one with the most instances first among them; `tracked`
/// within 1 % of what Python counted (the recording itself allocates and frees a few objects
/// after it counted). Returns the report and the table's first lines for the test output.
pub fn check_stats(label: &str, truth: &Truth, stats: &StatsOutput) -> (Report, Vec<String>) {
    let mut report = Report {
        label: label.to_string(),
        ..Report::default()
    };
    let r = &mut report;
    let Some(heap) = &truth.heap else {
        r.mismatches.push("the truth has no heap".into());
        return (report, Vec::new());
    };
    if stats.schema != 1 {
        r.mismatches
            .push(format!("schema: ours {} vs 1", stats.schema));
    }
    match &stats.python {
        Some(p) if p.version == truth.python.version => {}
        other => r.mismatches.push(format!(
            "python.version: ours {:?} vs truth {:?}",
            other.as_ref().map(|p| &p.version),
            truth.python.version
        )),
    }
    let ours = |name: &str| stats.types.iter().find(|t| t.type_name == name);
    let user: Vec<&(String, u64)> = heap
        .counts
        .iter()
        .filter(|(name, _)| name.starts_with("__main__."))
        .collect();
    for (name, count) in &user {
        match ours(name) {
            None => r
                .mismatches
                .push(format!("{name}: missing from ours (Python: {count})")),
            Some(t) => {
                if t.count != *count {
                    r.mismatches.push(format!(
                        "{name}: count ours {} vs gc.get_objects() {count}",
                        t.count
                    ));
                }
                if let Some(size) = heap.sizes.get(name.as_str()) {
                    if t.size != *size {
                        r.mismatches.push(format!(
                            "{name}: size ours {} vs sum of sys.getsizeof {size}",
                            t.size
                        ));
                    }
                }
            }
        }
    }
    if let Some((top, count)) = user.iter().max_by_key(|(_, c)| *c) {
        let ours_top = stats
            .types
            .iter()
            .filter(|t| t.type_name.starts_with("__main__."))
            .max_by_key(|t| t.count);
        match ours_top {
            Some(t) if &t.type_name == top => {}
            Some(t) => r.mismatches.push(format!(
                "top class of __main__ by count: ours {} ({}) vs {top} ({count})",
                t.type_name, t.count
            )),
            None => r.mismatches.push("no class of __main__ in ours".into()),
        }
    }
    let sorted = stats.types.windows(2).all(|w| w[0].size >= w[1].size);
    if !sorted {
        r.mismatches
            .push("types are not sorted by size, largest first".into());
    }
    let summed: u64 = stats.types.iter().map(|t| t.count).sum();
    if summed != stats.objects {
        r.mismatches.push(format!(
            "objects {} but the types' counts add up to {summed}",
            stats.objects
        ));
    }
    let bytes: u64 = stats.types.iter().map(|t| t.size).sum();
    if bytes != stats.bytes {
        r.mismatches.push(format!(
            "bytes {} but the types' sizes add up to {bytes}",
            stats.bytes
        ));
    }
    let slack = heap.tracked / 100;
    if stats.tracked.abs_diff(heap.tracked) > slack {
        r.mismatches.push(format!(
            "tracked: ours {} vs len(gc.get_objects()) {} (more than 1 % apart)",
            stats.tracked, heap.tracked
        ));
    }
    if stats.tracked > stats.objects {
        r.mismatches.push(format!(
            "tracked {} is more than objects {}",
            stats.tracked, stats.objects
        ));
    }
    let python_count = |name: &str| {
        heap.counts
            .iter()
            .find(|(n, _)| n == name)
            .map_or("-".to_string(), |(_, c)| c.to_string())
    };
    let mut lines = vec![format!(
        "{:>10} {:>12} {:>14}  type   ({} objects, {} bytes, {} tracked; Python tracked {})",
        "count", "gc count", "bytes", stats.objects, stats.bytes, stats.tracked, heap.tracked
    )];
    lines.extend(stats.types.iter().take(10).map(|t| {
        format!(
            "{:>10} {:>12} {:>14}  {}",
            t.count,
            python_count(&t.type_name),
            t.size,
            t.type_name
        )
    }));
    (report, lines)
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

    /// A change made to a matching output.
    type Change = Box<dyn FnOnce(&mut Value)>;

    /// Each change of `cases` must give a mismatch that names what was changed.
    fn assert_each_found(cases: Vec<(&str, Change)>, mismatches: fn(Change) -> Vec<String>) {
        for (wanted, change) in cases {
            let found = mismatches(change);
            assert!(
                found.iter().any(|m| m.contains(wanted)),
                "expected a mismatch about {wanted:?}, got {found:#?}"
            );
        }
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
        assert_each_found(cases, mismatches);
    }

    /// A truth with what `objects.py` records, and an output made to match it.
    fn objects_truth() -> Truth {
        let int = |r: &str, a: &str| json!({"type": "int", "repr": r, "address": a, "kind": "int", "exact": true, "size": 28});
        serde_json::from_value(json!({
            "python": {"version": "3.12.1", "hexversion": 0x030c01f0, "executable": "/py"},
            "pid": 10, "argv": [], "mode": "abort",
            "threads": [
                {"ident": 4096, "native_id": 10, "name": "MainThread", "role": "main", "volatile": false, "holds_gil": true,
                 "exception": null,
                 "frames": [{"function": "hold", "qualname": "hold", "file": "/o.py", "line": 50, "first_line": 40, "locals": {
                    "plain": {"type": "__main__.Plain", "repr": "<__main__.Plain object at 0x40>", "address": "0x40",
                              "kind": "instance", "exact": true, "size": 48,
                              "attributes": {"a": int("1", "0x60"), "b": int("2", "0x61")}},
                    "million": {"type": "list", "repr": null, "head": "[0, 1, 2]", "address": "0x50", "length": 1000000,
                                "kind": "list", "exact": true, "size": 8000056},
                    "sock": {"type": "socket.socket", "repr": "<socket.socket fd=5, family=2, type=1, proto=0, laddr=('0.0.0.0', 0)>",
                             "address": "0x70", "kind": "socket", "exact": false, "size": 104,
                             "summary": {"fd": 5, "family": 2, "type": 1, "proto": 0}}}}]},
                {"ident": 8192, "native_id": 11, "name": "handler", "role": "handler", "volatile": false, "holds_gil": false,
                 "exception": {"type": "LookupError", "repr": "LookupError('wrapped')", "address": "0x80", "kind": "exception", "exact": true},
                 "frames": [{"function": "handler", "qualname": "handler", "file": "/o.py", "line": 30, "first_line": 25, "locals": {}}]}],
            "suspended": [
                {"kind": "generator", "name": "counter", "qualname": "counter", "state": "suspended", "address": "0x90", "first_line": 10,
                 "frames": [{"function": "counter", "qualname": "counter", "file": "/o.py", "line": 12, "first_line": 10,
                             "locals": {"limit": int("3", "0x62")}}], "awaiting": "0x91"}],
            "tasks": [
                {"name": "worker", "address": "0xa0", "waiting_on": "0xb0",
                 "chain": [{"qualname": "work", "line": 20}, {"qualname": "step", "line": 30}], "end": "0xb0"}]
        }))
        .unwrap()
    }

    fn objects_output() -> Value {
        let int = |r: &str, a: &str| json!({"type": "int", "repr": r, "address": a, "status": "exact", "kind": "int", "size": 28});
        json!({
            "schema": 1, "producer": "hdconvert 0.1.0",
            "source": {"kind": "core", "path": "/core", "pid": null},
            "python": {"version": "3.12.1", "version_source": "Py_Version", "layout": "table 3.12", "runtime_address": "0x1", "library": null},
            "process": {"pid": 10, "executable": "/py", "argv": [], "signal": {"number": 6, "name": "SIGABRT"}},
            "threads": [
                {"tid": 10, "thread_id": "0x1000", "name": "MainThread", "interpreter": 0, "holds_gil": true, "crashed": true, "frames_complete": true,
                 "exception": null,
                 "frames": [{"function": "hold", "qualname": "hold", "file": "/o.py", "line": 50, "first_line": 40, "source": null, "locals": {
                    "plain": {"type": "__main__.Plain", "repr": "<__main__.Plain object at 0x40>", "address": "0x40", "status": "exact",
                              "kind": "instance", "size": 48, "attributes": {"a": int("1", "0x60"), "b": int("2", "0x61")}},
                    "million": {"type": "list", "repr": "[0, 1, ...(+999998 items)]", "address": "0x50", "status": "truncated",
                                "length": 1000000, "kind": "list", "size": 8000056},
                    "sock": {"type": "socket.socket", "repr": "<socket.socket fd=5, family=2, type=1, proto=0>", "address": "0x70",
                             "status": "opaque", "kind": "socket"}}}]},
                {"tid": 11, "thread_id": "0x2000", "name": "handler", "interpreter": 0, "holds_gil": false, "crashed": false, "frames_complete": true,
                 "exception": {"type": "LookupError", "repr": "LookupError('wrapped')", "address": "0x80", "status": "exact", "kind": "exception"},
                 "frames": [{"function": "handler", "qualname": "handler", "file": "/o.py", "line": 30, "first_line": 25, "source": null, "locals": {}}]}],
            "suspended": [
                {"kind": "generator", "name": "counter", "qualname": "counter", "state": "suspended", "address": "0x90",
                 "frames": [{"function": "counter", "qualname": "counter", "file": "/o.py", "line": 12, "first_line": 10, "source": null,
                             "locals": {"limit": int("3", "0x62")}}], "awaiting": {"address": "0x91", "type": "list_iterator", "name": null}},
                {"kind": "coroutine", "name": "other", "qualname": "other", "state": "created", "address": "0x99", "frames": []},
                {"kind": "task", "name": "worker", "qualname": "work", "state": "pending", "address": "0xa0",
                 "awaiting": {"address": "0xb0", "type": "_asyncio.Future", "name": null}, "coroutines": ["0xa1", "0xa2"],
                 "frames": [{"function": "work", "qualname": "work", "file": "/o.py", "line": 20, "first_line": 19, "source": null, "locals": {}},
                            {"function": "step", "qualname": "step", "file": "/o.py", "line": 30, "first_line": 29, "source": null, "locals": {}}]}],
            "diagnostics": []
        })
    }

    fn objects_mismatches(change: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut out = objects_output();
        change(&mut out);
        let out: Output = serde_json::from_value(out).unwrap();
        compare("test", &objects_truth(), &out, Kind::Kernel).mismatches
    }

    fn hold_local<'a>(out: &'a mut Value, name: &str) -> &'a mut Value {
        &mut out["threads"][0]["frames"][0]["locals"][name]
    }

    #[test]
    fn matching_objects_output_passes() {
        assert_eq!(objects_mismatches(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn each_object_difference_is_found() {
        let cases: Vec<(&str, Change)> = vec![
            (
                "kind: ours \"dict\"",
                Box::new(|o| hold_local(o, "plain")["kind"] = json!("dict")),
            ),
            (
                "kind: none in ours",
                Box::new(|o| {
                    hold_local(o, "plain")
                        .as_object_mut()
                        .unwrap()
                        .remove("kind");
                }),
            ),
            (
                "size: ours 56",
                Box::new(|o| hold_local(o, "plain")["size"] = json!(56)),
            ),
            (
                "length: ours 999999",
                Box::new(|o| hold_local(o, "million")["length"] = json!(999999)),
            ),
            (
                "attribute names",
                Box::new(|o| {
                    hold_local(o, "plain")["attributes"]
                        .as_object_mut()
                        .unwrap()
                        .remove("a");
                }),
            ),
            (
                "the first 1 of Python's 2",
                Box::new(|o| {
                    hold_local(o, "plain")["attributes"]
                        .as_object_mut()
                        .unwrap()
                        .remove("b");
                }),
            ),
            (
                "attribute \"b\": repr (exact)",
                Box::new(|o| hold_local(o, "plain")["attributes"]["b"]["repr"] = json!("3")),
            ),
            (
                "attributes: none in ours",
                Box::new(|o| {
                    hold_local(o, "plain")
                        .as_object_mut()
                        .unwrap()
                        .remove("attributes");
                }),
            ),
            (
                "promises Python's repr",
                Box::new(|o| {
                    hold_local(o, "plain")["status"] = json!("opaque");
                }),
            ),
            (
                "first items",
                Box::new(|o| {
                    hold_local(o, "million")["repr"] = json!("[0, 2, ...(+999998 items)]")
                }),
            ),
            (
                "shows 2 items",
                Box::new(|o| {
                    hold_local(o, "million")["repr"] = json!("[0, 1, ...(+999997 items)]")
                }),
            ),
            (
                "opaque summary",
                Box::new(|o| {
                    hold_local(o, "sock")["repr"] =
                        json!("<socket.socket fd=6, family=2, type=1, proto=0>")
                }),
            ),
            (
                "is not <socket.socket",
                Box::new(|o| hold_local(o, "sock")["repr"] = json!("<socket fd=5>")),
            ),
            (
                "exception: ours null",
                Box::new(|o| o["threads"][1]["exception"] = Value::Null),
            ),
            (
                "vs truth null",
                Box::new(|o| o["threads"][0]["exception"] = o["threads"][1]["exception"].clone()),
            ),
            (
                "no \"exception\" key",
                Box::new(|o| {
                    o["threads"][1].as_object_mut().unwrap().remove("exception");
                }),
            ),
            (
                "exception: repr (exact)",
                Box::new(|o| o["threads"][1]["exception"]["repr"] = json!("LookupError('x')")),
            ),
            (
                "missing from ours",
                Box::new(|o| {
                    o["suspended"].as_array_mut().unwrap().remove(0);
                }),
            ),
            (
                "no \"suspended\" key",
                Box::new(|o| {
                    o.as_object_mut().unwrap().remove("suspended");
                }),
            ),
            (
                "state: ours \"created\"",
                Box::new(|o| o["suspended"][0]["state"] = json!("created")),
            ),
            (
                "line: ours Some(13)",
                Box::new(|o| o["suspended"][0]["frames"][0]["line"] = json!(13)),
            ),
            (
                "local \"limit\"",
                Box::new(|o| {
                    o["suspended"][0]["frames"][0]["locals"]["limit"]["repr"] = json!("4")
                }),
            ),
            (
                "frames: ours 0",
                Box::new(|o| o["suspended"][0]["frames"] = json!([])),
            ),
            (
                "awaiting: ours None",
                Box::new(|o| o["suspended"][0]["awaiting"] = Value::Null),
            ),
            (
                "task worker at 0xa0: missing",
                Box::new(|o| {
                    o["suspended"].as_array_mut().unwrap().pop();
                }),
            ),
            (
                "task worker at 0xa0: name",
                Box::new(|o| o["suspended"][2]["name"] = json!("Task-1")),
            ),
            (
                "task worker at 0xa0: awaiting",
                Box::new(|o| o["suspended"][2]["awaiting"]["address"] = json!("0xb1")),
            ),
            (
                "await chain ours [work:20]",
                Box::new(|o| {
                    o["suspended"][2]["frames"].as_array_mut().unwrap().pop();
                }),
            ),
            (
                "await chain ours [work:20 -> step:31]",
                Box::new(|o| o["suspended"][2]["frames"][1]["line"] = json!(31)),
            ),
        ];
        assert_each_found(cases, objects_mismatches);
    }

    fn object_truth() -> TruthObject {
        serde_json::from_value(json!({
            "name": "kept", "address": "0x100",
            "value": {"type": "ValueError", "repr": "ValueError('bad', 42)", "address": "0x100", "kind": "exception", "exact": true,
                      "attributes": {"__notes__": {"type": "list", "repr": "['n']", "address": "0x101", "length": 1}}},
            "fields": {"args": {"type": "tuple", "repr": "('bad', 42)", "address": "0x102"},
                       "__cause__": null, "__suppress_context__": true},
            "traceback": [{"function": "make", "qualname": "make", "file": "/o.py", "line": 7}]
        }))
        .unwrap()
    }

    fn object_output() -> Value {
        json!({"object": {
            "type": "ValueError", "repr": "ValueError('bad', 42)", "address": "0x100", "status": "exact", "kind": "exception",
            "attributes": {"__notes__": {"type": "list", "repr": "['n']", "address": "0x101", "status": "exact", "kind": "list"}},
            "fields": {"args": {"type": "tuple", "repr": "('bad', 42)", "address": "0x102", "status": "exact", "kind": "tuple"},
                       "__cause__": null, "__context__": null, "__suppress_context__": true},
            "traceback": [{"function": "make", "qualname": "make", "file": "/o.py", "line": 7}]},
            "diagnostics": []})
    }

    fn list_truth() -> TruthObject {
        serde_json::from_value(json!({
            "name": "big", "address": "0x200", "length": 5,
            "value": {"type": "list", "repr": "[1, 2, 3, 4, 5]", "address": "0x200", "length": 5},
            "items": [{"type": "int", "repr": "1", "address": "0x1"}, {"type": "int", "repr": "2", "address": "0x2"}]
        }))
        .unwrap()
    }

    fn list_output() -> Value {
        let int =
            |r: &str, a: &str| json!({"type": "int", "repr": r, "address": a, "status": "exact"});
        json!({"object": {"type": "list", "repr": "[1, 2, 3, ...(+2 items)]", "address": "0x200", "status": "truncated",
                          "length": 5, "items": [int("1", "0x1"), int("2", "0x2"), int("3", "0x3")], "left_out": 2},
               "diagnostics": []})
    }

    fn object_mismatches(
        truth: TruthObject,
        out: Value,
        change: impl FnOnce(&mut Value),
    ) -> Vec<String> {
        let mut out = out;
        change(&mut out);
        let out = ObjectOutput::parse(&out.to_string()).unwrap();
        compare_object(&truth, &out, Kind::Kernel, &mut Stats::default())
    }

    #[test]
    fn each_show_object_difference_is_found() {
        assert_eq!(
            object_mismatches(object_truth(), object_output(), |_| {}),
            Vec::<String>::new()
        );
        assert_eq!(
            object_mismatches(list_truth(), list_output(), |_| {}),
            Vec::<String>::new()
        );
        let exception_cases: Vec<(&str, Change)> = vec![
            (
                "traceback: ours []",
                Box::new(|o| o["object"]["traceback"] = json!([])),
            ),
            (
                "(no key)",
                Box::new(|o| {
                    o["object"].as_object_mut().unwrap().remove("traceback");
                }),
            ),
            (
                "fields.__suppress_context__",
                Box::new(|o| o["object"]["fields"]["__suppress_context__"] = json!(false)),
            ),
            (
                "fields.__cause__: ours",
                Box::new(|o| {
                    o["object"]["fields"]["__cause__"] = o["object"]["fields"]["args"].clone()
                }),
            ),
            (
                "fields.args: repr",
                Box::new(|o| o["object"]["fields"]["args"]["repr"] = json!("('bad',)")),
            ),
            (
                "fields: none in ours",
                Box::new(|o| {
                    o["object"].as_object_mut().unwrap().remove("fields");
                }),
            ),
            (
                "attribute names",
                Box::new(|o| o["object"]["attributes"] = json!({})),
            ),
        ];
        for (wanted, change) in exception_cases {
            let found = object_mismatches(object_truth(), object_output(), change);
            assert!(
                found.iter().any(|m| m.contains(wanted)),
                "expected {wanted:?}, got {found:#?}"
            );
        }
        let list_cases: Vec<(&str, Change)> = vec![
            (
                "left_out Some(1)",
                Box::new(|o| o["object"]["left_out"] = json!(1)),
            ),
            (
                "item #1",
                Box::new(|o| o["object"]["items"][1]["repr"] = json!("7")),
            ),
            (
                "fewer than the 2",
                Box::new(|o| {
                    o["object"]["items"] =
                        json!([{"type": "int", "repr": "1", "address": "0x1", "status": "exact"}]);
                    o["object"]["left_out"] = json!(4);
                }),
            ),
            (
                "items: none in ours",
                Box::new(|o| {
                    o["object"].as_object_mut().unwrap().remove("items");
                }),
            ),
        ];
        for (wanted, change) in list_cases {
            let found = object_mismatches(list_truth(), list_output(), change);
            assert!(
                found.iter().any(|m| m.contains(wanted)),
                "expected {wanted:?}, got {found:#?}"
            );
        }
    }

    #[test]
    fn stats_are_checked() {
        let mut truth = truth();
        truth.heap = Some(
            serde_json::from_value(json!({
                "counts": {"dict": 60000, "__main__.Leaky": 50000, "__main__.Noise": 10000},
                "sizes": {"__main__.Leaky": 2400000, "__main__.Noise": 480000},
                "tracked": 100000
            }))
            .unwrap(),
        );
        let stats = |change: &dyn Fn(&mut Value)| {
            let mut v = json!({"schema": 1, "producer": "hdconvert", "python": {"version": "3.12.1"},
                "objects": 170000, "bytes": 9880000, "tracked": 100100,
                "types": [{"type": "dict", "count": 110000, "size": 7000000},
                          {"type": "__main__.Leaky", "count": 50000, "size": 2400000},
                          {"type": "__main__.Noise", "count": 10000, "size": 480000}]});
            change(&mut v);
            let stats: StatsOutput = serde_json::from_value(v).unwrap();
            check_stats("t", &truth, &stats).0.mismatches
        };
        assert_eq!(stats(&|_| {}), Vec::<String>::new());
        type Edit = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "count ours 49999",
                Box::new(|v| {
                    v["types"][1]["count"] = json!(49999);
                    v["objects"] = json!(169999);
                }),
            ),
            (
                "size ours",
                Box::new(|v| {
                    v["types"][1]["size"] = json!(2400001);
                    v["bytes"] = json!(9880001);
                }),
            ),
            (
                "top class",
                Box::new(|v| {
                    v["types"][2]["count"] = json!(60000);
                    v["objects"] = json!(220000);
                }),
            ),
            (
                "missing from ours",
                Box::new(|v| {
                    v["types"].as_array_mut().unwrap().remove(2);
                    v["objects"] = json!(160000);
                    v["bytes"] = json!(9400000);
                }),
            ),
            ("tracked", Box::new(|v| v["tracked"] = json!(120000))),
            ("add up", Box::new(|v| v["objects"] = json!(1))),
            ("sorted", Box::new(|v| v["types"][0]["size"] = json!(1))),
        ];
        for (wanted, change) in cases {
            let found = stats(&*change);
            assert!(
                found.iter().any(|m| m.contains(wanted)),
                "expected {wanted:?}, got {found:#?}"
            );
        }
    }
}
