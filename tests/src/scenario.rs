//! What the integration tests do, one function per kind of test, so that the files under
//! `tests/tests/` are only the matrix of interpreters × samples.

use std::time::Instant;

use crate::compare::{
    check_stats, check_truncated, compare, compare_object, compare_root, compare_root_entries,
    Kind, Report,
};
use crate::cores::{self, CoreEntry};
use crate::hdconvert::{hdconvert_bin, run_hdconvert, HdRun};
use crate::interpreters::Interpreter;
use crate::truth::Truth;

/// The roles (thread names) each sample starts, main thread first.
pub fn roles(sample: &str) -> &'static [&'static str] {
    match sample {
        "minimal" => &["main"],
        "values" => &[
            "main",
            "ints",
            "floats",
            "strings",
            "bytes",
            "containers",
            "shapes",
            "objects",
        ],
        "threads" => &[
            "main",
            "sleeper",
            "lock",
            "busy",
            "recursion",
            "raw",
            "generator",
            "coroutine",
            "closure",
            "method",
            "nested",
            "lambda",
            "comprehension",
            "class_body",
        ],
        "objects" => &["main", "asyncio", "handler", "producer"],
        "leak" => &["main"],
        "arrays" => &["main"],
        _ => &[],
    }
}

/// `(3, minor)` an interpreter key promises (`pyenv_3_12` → 12).
fn promised_minor(key: &str) -> Option<u64> {
    let digits: String = key
        .rsplit('_')
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// Checks that a sample's truth says what the sample meant: all its threads, each parked on
/// its parking line (so no thread was caught before it blocked), the right Python version.
pub fn validate_truth(
    interpreter: &Interpreter,
    sample: &str,
    truth: &Truth,
) -> Result<(), String> {
    let mut problems = Vec::new();
    let (major, minor) = truth.minor();
    if major != 3 || promised_minor(interpreter.key).is_some_and(|m| m != minor) {
        problems.push(format!(
            "{} ran Python {}",
            interpreter.key, truth.python.version
        ));
    }
    let got: Vec<&str> = truth.threads.iter().map(|t| t.role.as_str()).collect();
    if got != roles(sample) {
        problems.push(format!("threads {got:?}, expected {:?}", roles(sample)));
    }
    let park = truth.mode == "park";
    for t in &truth.threads {
        let label = t.label();
        let Some(innermost) = t.frames.last() else {
            problems.push(format!("{label}: no frames"));
            continue;
        };
        if t.frames.iter().any(|f| f.file.ends_with("hdsample.py")) {
            problems.push(format!("{label}: has a frame of hdsample.py"));
        }
        let source = std::fs::read_to_string(&innermost.file)
            .ok()
            .and_then(|text| {
                text.lines()
                    .nth(innermost.line.unwrap_or(0).saturating_sub(1) as usize)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let parked = match t.role.as_str() {
            "main" => source.contains("sample.record(); sample.stop()"),
            "busy" => innermost
                .allowed_lines
                .as_ref()
                .is_some_and(|l| innermost.line.is_some_and(|x| l.contains(&x))),
            _ => ["FOREVER.acquire()", "time.sleep(", "lock.acquire()"]
                .iter()
                .any(|p| source.contains(p)),
        };
        if !parked {
            problems.push(format!(
                "{label}: innermost frame {} is not on its parking line: {source:?}",
                innermost.label()
            ));
        }
        let name_ok = match t.role.as_str() {
            "main" => t.name.as_deref() == Some("MainThread"),
            "raw" => t.name.is_none(),
            role => t.name.as_deref() == Some(role),
        };
        if !name_ok {
            problems.push(format!("{label}: name {:?}", t.name));
        }
        let gil = match t.role.as_str() {
            "main" => Some(!park),
            "busy" => None,
            _ => Some(false),
        };
        if t.holds_gil != gil {
            problems.push(format!(
                "{label}: holds_gil {:?}, expected {gil:?}",
                t.holds_gil
            ));
        }
        if t.role == "main" && t.native_id != Some(truth.pid) {
            problems.push(format!(
                "{label}: native_id {:?} is not the pid {}",
                t.native_id, truth.pid
            ));
        }
        if t.role == "recursion"
            && t.frames.iter().filter(|f| f.function == "recurse").count() != 1000
        {
            problems.push(format!("{label}: not 1000 recurse frames"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "truth of {sample} on {}:\n  {}",
            interpreter.key,
            problems.join("\n  ")
        ))
    }
}

/// A core of `sample` (kernel or gcore), made or from the cache, its truth validated.
pub fn core(interpreter: &Interpreter, sample: &str, kind: Kind) -> CoreEntry {
    let made = match kind {
        Kind::Kernel | Kind::Truncated(_) | Kind::NoLibrary => {
            cores::kernel_core(interpreter, sample)
        }
        Kind::Gcore => cores::gcore(interpreter, sample),
        Kind::Live => panic!("a live process has no core"),
    };
    let entry = made.unwrap_or_else(|e| panic!("{e}"));
    validate_truth(interpreter, sample, &entry.truth).unwrap_or_else(|e| panic!("{e}"));
    let core = std::fs::read(&entry.core).unwrap_or_default();
    assert!(
        core.get(..4) == Some(b"\x7fELF") && core.get(16..18) == Some(&[4, 0]),
        "{} is not an ELF core (e_type ET_CORE)",
        entry.core.display()
    );
    entry
}

fn bin_or_panic() {
    if let Err(e) = hdconvert_bin() {
        panic!("{e}");
    }
}

/// [`core`], saying which core and how big in the test's output.
fn core_reported(interpreter: &Interpreter, sample: &str, kind: Kind) -> CoreEntry {
    let entry = core(interpreter, sample, kind);
    let size = std::fs::metadata(&entry.core).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "core: {} ({:.1} MB)",
        entry.core.display(),
        size as f64 / 1e6
    );
    entry
}

fn show(core: &std::path::Path) -> HdRun {
    run_hdconvert(&["show", "--json", &core.to_string_lossy()]).unwrap_or_else(|e| panic!("{e}"))
}

fn report_run(run: &HdRun) {
    eprintln!(
        "{} → exit {:?}{} in {:.2}s",
        run.command_line(),
        run.code,
        run.signal.map_or(String::new(), |s| format!(" signal {s}")),
        run.duration.as_secs_f64()
    );
}

fn check_exit(run: &HdRun) {
    assert!(
        matches!(run.code, Some(0 | 1)) && !run.stderr.contains("panicked at"),
        "{}: exit {:?} signal {:?}, want 0 or 1; stderr:\n{}",
        run.command_line(),
        run.code,
        run.signal,
        run.stderr
    );
}

/// hdconvert on `sample`'s core (kernel or gcore) or live process, compared with the truth.
pub fn check(key: &str, sample: &str, kind: Kind) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    bin_or_panic();
    let label = format!("{key} {sample}");
    let (truth, run) = match kind {
        Kind::Live => {
            let (truth, run) = cores::live(&interpreter, sample, |pid, truth| {
                validate_truth(&interpreter, sample, truth).map(|()| {
                    (
                        truth.clone(),
                        run_hdconvert(&["show", "--json", "--pid", &pid.to_string()]),
                    )
                })
            })
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
            (truth, run.unwrap_or_else(|e| panic!("{e}")))
        }
        Kind::NoLibrary => {
            let entry = core(&interpreter, sample, kind);
            eprintln!("core: {}", entry.core.display());
            let empty = std::env::temp_dir().join("hd-empty-sysroot");
            std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
            let run = run_hdconvert(&[
                "show",
                "--json",
                "--sysroot",
                &empty.to_string_lossy(),
                &entry.core.to_string_lossy(),
            ])
            .unwrap_or_else(|e| panic!("{e}"));
            (entry.truth, run)
        }
        _ => {
            let entry = core(&interpreter, sample, kind);
            eprintln!("core: {}", entry.core.display());
            let run = show(&entry.core);
            (entry.truth, run)
        }
    };
    report_run(&run);
    check_exit(&run);
    let output = run.json().unwrap_or_else(|e| panic!("{e}"));
    let mut report = compare(&label, &truth, &output, kind);
    let library = output.python.as_ref().and_then(|p| p.library.as_deref());
    // Without the files there is no library to name.
    let want = (kind != Kind::NoLibrary).then(|| interpreter.library.to_string_lossy());
    if library != want.as_deref() {
        report.mismatches.push(format!(
            "python.library: ours {library:?} vs {}",
            interpreter.library.display()
        ));
    }
    // A complete core or process reads without warnings (exit 0); without the Python files
    // their absence is a warning (exit 1).
    let want = if kind == Kind::NoLibrary { 1 } else { 0 };
    if run.code != Some(want) {
        report.mismatches.push(format!(
            "exit code {:?}, want {want}; warnings: {}",
            run.code,
            crate::compare::diagnostics(&output)
        ));
    }
    report.assert_ok();
}

/// hdconvert on `sample`'s kernel core cut to 90, 50 and 10 %.
pub fn check_truncated_levels(key: &str, sample: &str) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    bin_or_panic();
    let entry = core(&interpreter, sample, Kind::Kernel);
    let mut failures = Vec::new();
    for percent in [90, 50, 10] {
        let path = cores::truncated_core(&entry, percent).unwrap_or_else(|e| panic!("{e}"));
        let run = show(&path);
        report_run(&run);
        let (report, kept) =
            check_truncated(&format!("{key} {sample}"), &entry.truth, &run, percent);
        eprintln!("{}", report.summary());
        eprintln!(
            "TRUNCATED {key} {sample} {percent}%: kept {kept} frames, exit {:?}",
            run.code
        );
        for note in &report.notes {
            eprintln!("  note: {note}");
        }
        failures.extend(report.mismatches.iter().map(|m| format!("{percent}%: {m}")));
    }
    assert!(
        failures.is_empty(),
        "{} failures on truncated cores of {sample} on {key}:\n  - {}",
        failures.len(),
        failures.join("\n  - ")
    );
}

/// Makes (or finds) the kernel and gcore cores of every sample and checks their truth;
/// needs no hdconvert.
pub fn make_cores(key: &str) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    eprintln!(
        "{key}: {} ({})",
        interpreter.python.display(),
        interpreter.about
    );
    for sample in crate::SAMPLES {
        for kind in [Kind::Kernel, Kind::Gcore] {
            let started = Instant::now();
            let entry = core(&interpreter, sample, kind);
            eprintln!(
                "{key} {sample} {}: {} in {:.2}s, truth: Python {}, {} threads, {} frames",
                kind.name(),
                if entry.made { "made" } else { "cached" },
                started.elapsed().as_secs_f64(),
                entry.truth.python.version,
                entry.truth.threads.len(),
                entry
                    .truth
                    .threads
                    .iter()
                    .map(|t| t.frames.len())
                    .sum::<usize>()
            );
        }
    }
}

/// Small bounds for a second run of `show`: every value must still be right, or cut with the
/// cut marked (`truncated` with `length`, kind `not_read`).
const BOUNDS: &[&str] = &["--max-items", "10", "--max-string", "50"];
/// A total-bytes bound the objects sample's locals exceed many times over.
const BYTE_BOUND: &[&str] = &["--max-bytes", "20000"];

/// Most mismatches listed for one `show --object`; the rest are counted.
const MAX_PER_OBJECT: usize = 10;

/// The runs of `hdconvert` the objects test makes on one target (a core, or `--pid N`).
struct ObjectRuns {
    show: HdRun,
    /// `show` with small bounds ([`BOUNDS`]): what they cut must be marked.
    bounded: HdRun,
    /// `show` with [`BYTE_BOUND`]: objects past it are not read, and a diagnostic says so.
    byte_bound: HdRun,
    globals: HdRun,
    /// One per object of the truth, in its order.
    objects: Vec<HdRun>,
}

fn object_runs(target: &[String], truth: &Truth) -> Result<ObjectRuns, String> {
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = vec!["show", "--json"];
        args.extend_from_slice(extra);
        args.extend(target.iter().map(String::as_str));
        run_hdconvert(&args)
    };
    let show = run(&[])?;
    let bounded = run(BOUNDS)?;
    let byte_bound = run(BYTE_BOUND)?;
    let globals = run(&["--globals", "--sys"])?;
    let objects = truth
        .objects
        .iter()
        .flatten()
        .map(|o| run(&["--object", &o.address]))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ObjectRuns {
        show,
        bounded,
        byte_bound,
        globals,
        objects,
    })
}

/// A run with [`BYTE_BOUND`]: every thread still there, an info diagnostic naming the bound,
/// and values past it shown as not read.
fn check_byte_bound(out: &crate::hdconvert::Output) -> Vec<String> {
    let mut found = Vec::new();
    if !out
        .diagnostics
        .iter()
        .any(|d| d.code == "limit_reached" && d.message.contains("--max-bytes 20000"))
    {
        found.push(format!(
            "no limit_reached diagnostic naming --max-bytes: {:?}",
            out.diagnostics.iter().map(|d| &d.code).collect::<Vec<_>>()
        ));
    }
    let want = roles("objects").len();
    if out.threads.len() != want {
        found.push(format!(
            "{} threads, want the sample's {want}",
            out.threads.len()
        ));
    }
    let not_read = out
        .threads
        .iter()
        .flat_map(|t| &t.frames)
        .flat_map(|f| f.locals.iter().flatten())
        .filter(|(_, v)| v.kind.as_deref() == Some("not_read"))
        .count();
    if not_read == 0 {
        found.push("no local shown as not read".into());
    }
    found
}

/// The object graph: `objects.py` (kernel core, gcore or live) compared with its truth —
/// threads with every value's kind, size, length and attributes, each thread's exception,
/// `suspended[]`, the `--globals` root, and `show --object` for the objects the truth lists.
pub fn check_objects(key: &str, kind: Kind) {
    let sample = "objects";
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    bin_or_panic();
    let label = format!("{key} {sample}");
    let (truth, runs) = match kind {
        Kind::Live => cores::live(&interpreter, sample, |pid, truth| {
            validate_truth(&interpreter, sample, truth)?;
            let runs = object_runs(&["--pid".to_string(), pid.to_string()], truth)?;
            Ok::<_, String>((truth.clone(), runs))
        })
        .and_then(|r| r)
        .unwrap_or_else(|e| panic!("{e}")),
        Kind::Kernel | Kind::Gcore => {
            let entry = core_reported(&interpreter, sample, kind);
            let runs = object_runs(&[entry.core.to_string_lossy().into_owned()], &entry.truth)
                .unwrap_or_else(|e| panic!("{e}"));
            (entry.truth, runs)
        }
        other => panic!("check_objects on a {}", other.name()),
    };
    for run in [&runs.show, &runs.bounded, &runs.byte_bound, &runs.globals]
        .into_iter()
        .chain(&runs.objects)
    {
        report_run(run);
        check_exit(run);
    }
    let output = runs.show.json().unwrap_or_else(|e| panic!("{e}"));
    let mut report = compare(&label, &truth, &output, kind);
    let complete = |run: &HdRun, report: &mut Report| {
        if run.code != Some(0) {
            report.mismatches.push(format!(
                "{}: exit code {:?}, want 0 (a complete {}); stderr: {}",
                run.command_line(),
                run.code,
                kind.name(),
                run.stderr.trim()
            ));
        }
    };
    complete(&runs.show, &mut report);
    // The bounded run: only what it adds to the default run's mismatches.
    complete(&runs.bounded, &mut report);
    match runs.bounded.json() {
        Err(e) => report.mismatches.push(e),
        Ok(out) => {
            let bounded = compare(&label, &truth, &out, kind);
            let known: std::collections::HashSet<&String> = report.mismatches.iter().collect();
            let new: Vec<String> = bounded
                .mismatches
                .iter()
                .filter(|m| !known.contains(m))
                .map(|m| format!("{}: {m}", BOUNDS.join(" ")))
                .collect();
            report.mismatches.extend(new);
        }
    }
    complete(&runs.byte_bound, &mut report);
    match runs.byte_bound.json() {
        Err(e) => report.mismatches.push(e),
        Ok(out) => report.mismatches.extend(
            check_byte_bound(&out)
                .into_iter()
                .map(|m| format!("{}: {m}", BYTE_BOUND.join(" "))),
        ),
    }
    complete(&runs.globals, &mut report);
    match runs.globals.json() {
        Err(e) => report.mismatches.push(e),
        Ok(out) => {
            if let Some(globals) = &truth.globals {
                let found = compare_root(globals, &out, kind, &mut report.stats);
                report
                    .mismatches
                    .extend(found.into_iter().map(|m| format!("--globals: {m}")));
            }
            if let Some(sys) = &truth.sys_namespace {
                report.mismatches.extend(
                    compare_root_entries(sys, &out)
                        .into_iter()
                        .map(|m| format!("--sys: {m}")),
                );
            }
        }
    }
    for (object, run) in truth.objects.iter().flatten().zip(&runs.objects) {
        complete(run, &mut report);
        match run.object_json() {
            Err(e) => report.mismatches.push(e),
            Ok(out) => {
                let mut found = compare_object(object, &out, kind, &mut report.stats);
                let extra = found.len().saturating_sub(MAX_PER_OBJECT);
                found.truncate(MAX_PER_OBJECT);
                let at = format!("--object {} ({})", object.address, object.name);
                report
                    .mismatches
                    .extend(found.into_iter().map(|m| format!("{at}: {m}")));
                if extra > 0 {
                    report
                        .mismatches
                        .push(format!("{at}: … and {extra} more mismatches"));
                }
            }
        }
    }
    report.assert_ok();
}

/// The leak: `hdconvert stats --json` on `leak.py`'s core (kernel or gcore) must count every
/// class of `__main__` exactly, `__main__.Leaky` first; its first lines are printed. The
/// threads are compared too (`show --json`).
pub fn check_heap(key: &str, kind: Kind) {
    let sample = "leak";
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    bin_or_panic();
    let entry = core_reported(&interpreter, sample, kind);
    let label = format!("{key} {sample}");
    let core = entry.core.to_string_lossy().into_owned();
    let stats_run = run_hdconvert(&["stats", "--json", &core]).unwrap_or_else(|e| panic!("{e}"));
    report_run(&stats_run);
    check_exit(&stats_run);
    let stats = stats_run.stats_json().unwrap_or_else(|e| panic!("{e}"));
    let (mut report, lines) = check_stats(
        &format!("{label} stats ({})", kind.name()),
        &entry.truth,
        &stats,
    );
    eprintln!("STATS {label} ({}):", kind.name());
    for line in &lines {
        eprintln!("  {line}");
    }
    if stats_run.code != Some(0) {
        report.mismatches.push(format!(
            "{}: exit code {:?}, want 0; diagnostics: {:?}",
            stats_run.command_line(),
            stats_run.code,
            stats
                .diagnostics
                .iter()
                .map(|d| &d.message)
                .collect::<Vec<_>>()
        ));
    }
    let show = show(&entry.core);
    report_run(&show);
    check_exit(&show);
    match show.json() {
        Err(e) => report.mismatches.push(e),
        Ok(output) => {
            let threads = compare(&label, &entry.truth, &output, kind);
            report.mismatches.extend(threads.mismatches);
            report.notes.extend(threads.notes);
            report.stats = threads.stats;
        }
    }
    report.assert_ok();
}

/// Whether the interpreter imports NumPy; `MISSING: …` is printed when it doesn't.
pub fn has_numpy(interpreter: &Interpreter) -> bool {
    let probe = interpreter
        .command()
        .args(["-c", "import numpy; print(numpy.__version__)"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {
            eprintln!(
                "{}: numpy {}",
                interpreter.key,
                String::from_utf8_lossy(&out.stdout).trim()
            );
            true
        }
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr);
            eprintln!(
                "MISSING: numpy for {} ({}): its arrays are not tested",
                interpreter.key,
                why.trim().lines().last().unwrap_or("not importable")
            );
            false
        }
        Err(e) => {
            eprintln!("MISSING: numpy for {} (cannot run: {e})", interpreter.key);
            false
        }
    }
}

/// NumPy arrays: `arrays.py` on an interpreter that has NumPy (kernel core or gcore), each
/// array's summary (shape, dtype, first elements in C order) exactly as the truth says.
pub fn check_arrays(key: &str, kind: Kind) {
    let sample = "arrays";
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    // `.ci/run` installs NumPy for every interpreter: missing, it fails here unless
    // HD_ALLOW_MISSING=1 (and `has_numpy` has printed `MISSING: …`).
    if !has_numpy(&interpreter) {
        assert!(
            crate::allow_missing(),
            "{key}: NumPy is not importable, so its arrays can't be tested: install it ({} -m pip install numpy) or set HD_ALLOW_MISSING=1",
            interpreter.python.display()
        );
        return;
    }
    bin_or_panic();
    let entry = core(&interpreter, sample, kind);
    let run = show(&entry.core);
    report_run(&run);
    check_exit(&run);
    let output = run.json().unwrap_or_else(|e| panic!("{e}"));
    let truth = entry.truth.arrays.clone().unwrap_or_default();
    assert!(!truth.is_empty(), "arrays.py recorded no arrays");
    let locals: Vec<&(String, crate::hdconvert::OutValue)> = output
        .threads
        .first()
        .into_iter()
        .flat_map(|t| &t.frames)
        .filter(|f| f.function == "main")
        .flat_map(|f| f.locals.iter().flatten())
        .collect();
    let mut mismatches = Vec::new();
    for a in &truth {
        match locals.iter().find(|(name, _)| *name == a.name) {
            None => mismatches.push(format!("{}: no such local in ours", a.name)),
            Some((_, v)) if v.repr != a.summary => mismatches.push(format!(
                "{}: ours {:?} vs truth {:?}",
                a.name, v.repr, a.summary
            )),
            Some((_, v)) if v.kind.as_deref() != Some("ndarray") => {
                mismatches.push(format!("{}: kind {:?}, want \"ndarray\"", a.name, v.kind))
            }
            Some(_) => {}
        }
    }
    eprintln!(
        "{key} arrays ({}): {} arrays, {} mismatches",
        kind.name(),
        truth.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches in {key} arrays ({}):\n  - {}",
        mismatches.len(),
        kind.name(),
        mismatches.join("\n  - ")
    );
}

/// The first difference between two JSON values, as a path and both sides.
fn json_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return Some(format!("{path}.{k}: only in the core's output")),
                    Some(w) => {
                        if let Some(d) = json_difference(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}: only in the dump's output"))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if let Some(d) = json_difference(v, w, &format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{path}: {} items vs {}", x.len(), y.len()))
        }
        _ => (a != b).then(|| {
            format!(
                "{path}: core {} vs dump {}",
                crate::repr::shorten(&a.to_string(), 200),
                crate::repr::shorten(&b.to_string(), 200)
            )
        }),
    }
}

/// Runs hdconvert on the core and on the dump with the same `args`, and says how the outputs
/// differ besides the line or key naming the source.
fn same_output(core: &str, dump: &str, args: &[&str], json: bool) -> Result<(), String> {
    let run = |target: &str| {
        let mut a: Vec<&str> = args.to_vec();
        a.push(target);
        run_hdconvert(&a)
    };
    let (c, d) = (run(core)?, run(dump)?);
    if c.code != d.code {
        return Err(format!(
            "{}: exit {:?} on the core, {:?} on the dump ({})",
            args.join(" "),
            c.code,
            d.code,
            d.stderr.trim()
        ));
    }
    if json {
        let parse = |r: &HdRun| -> Result<serde_json::Value, String> {
            let mut v: serde_json::Value = serde_json::from_str(&r.stdout)
                .map_err(|e| format!("{}: not JSON: {e}", r.command_line()))?;
            if let Some(o) = v.as_object_mut() {
                o.remove("source");
            }
            Ok(v)
        };
        match json_difference(&parse(&c)?, &parse(&d)?, "") {
            None => Ok(()),
            Some(diff) => Err(format!("{}: {diff}", args.join(" "))),
        }
    } else {
        let strip = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with("Source: "))
                .map(str::to_owned)
                .collect()
        };
        let (a, b) = (strip(&c.stdout), strip(&d.stdout));
        match a.iter().zip(&b).position(|(x, y)| x != y) {
            None if a.len() == b.len() => Ok(()),
            None => Err(format!(
                "{}: {} lines vs {}",
                args.join(" "),
                a.len(),
                b.len()
            )),
            Some(i) => Err(format!(
                "{}: line {} differs: core {:?} vs dump {:?}",
                args.join(" "),
                i + 1,
                a[i],
                b[i]
            )),
        }
    }
}

/// The dump file: every sample's core (kernel or gcore) converted with `--no-redact` (and
/// `--heap`) shows the same as the core itself: `show` as text and JSON, `show --object` for
/// the objects the truth lists, `stats --json` for the leak sample.
pub fn check_dump(key: &str, kind: Kind) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    bin_or_panic();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut failures = Vec::new();
    for sample in crate::SAMPLES {
        let entry = core(&interpreter, sample, kind);
        let core_path = entry.core.to_string_lossy().into_owned();
        let dump = dir.path().join(format!("{sample}.dump"));
        let dump_path = dump.to_string_lossy().into_owned();
        let mut args = vec![core_path.as_str(), "--no-redact", "-o", dump_path.as_str()];
        if *sample == "leak" {
            args.push("--heap");
        }
        let conv = run_hdconvert(&args).unwrap_or_else(|e| panic!("{e}"));
        report_run(&conv);
        check_exit(&conv);
        if !dump.exists() {
            failures.push(format!("{sample}: no dump written: {}", conv.stderr.trim()));
            continue;
        }
        let size = std::fs::metadata(&dump).map(|m| m.len()).unwrap_or(0);
        eprintln!("{key} {sample} ({}): dump of {size} bytes", kind.name());
        let mut checks: Vec<(Vec<&str>, bool)> = vec![
            (vec!["show"], false),
            (vec!["show", "--json"], true),
            (vec!["show", "--no-locals"], false),
        ];
        let objects: Vec<String> = entry
            .truth
            .objects
            .iter()
            .flatten()
            .map(|o| o.address.clone())
            .collect();
        for a in &objects {
            checks.push((vec!["show", "--json", "--object", a.as_str()], true));
        }
        // Leaving out the locals keeps the object asked for.
        if let Some(a) = objects.first() {
            let args = vec!["show", "--no-locals", "--object", a.as_str()];
            checks.push((args, false));
        }
        if *sample == "leak" {
            checks.push((vec!["stats", "--json"], true));
        }
        for (args, json) in checks {
            if let Err(e) = same_output(&core_path, &dump_path, &args, json) {
                failures.push(format!("{sample}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences between cores and their dumps on {key} ({}):\n  - {}",
        failures.len(),
        kind.name(),
        failures.join("\n  - ")
    );
}

/// `hdconvert --pid PID -o FILE` on the parked objects sample, then `show --json FILE`
/// compared with the sample's truth, as `show --pid` is in the objects test.
pub fn check_dump_live(key: &str) {
    let sample = "objects";
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    bin_or_panic();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let dump = dir.path().join("live.dump");
    let dump_path = dump.to_string_lossy().into_owned();
    let (truth, run) = cores::live(&interpreter, sample, |pid, truth| {
        validate_truth(&interpreter, sample, truth)?;
        let conv = run_hdconvert(&["--pid", &pid.to_string(), "--no-redact", "-o", &dump_path])?;
        report_run(&conv);
        check_exit(&conv);
        Ok::<_, String>((truth.clone(), conv))
    })
    .and_then(|r| r)
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        dump.exists(),
        "{key}: hdconvert --pid wrote no dump: {}",
        run.stderr.trim()
    );
    let show = run_hdconvert(&["show", "--json", &dump_path]).unwrap_or_else(|e| panic!("{e}"));
    report_run(&show);
    check_exit(&show);
    let mut output = show.json().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.source.kind, "dump");
    // Compared as what it was made from.
    output.source.kind = "live".into();
    let report = compare(
        &format!("{key} {sample} (live, from its dump)"),
        &truth,
        &output,
        Kind::Live,
    );
    report.assert_ok();
}
