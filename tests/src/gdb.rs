//! The gdb plugin (`gdb-plugin/hd.py`) in gdb's batch mode, with debug-info lookup off, on
//! the objects sample's cores and on the live process attached with `gdb -p`, compared with
//! the sample's truth.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cores::{self, Watchdog};
use crate::scenario::core;
use crate::truth::Truth;
use crate::Kind;

/// The plugin's library: the newest of target/{debug,release}/libhd.so, or HD_LIBRARY.
fn library() -> PathBuf {
    if let Some(p) = std::env::var_os("HD_LIBRARY") {
        return PathBuf::from(p);
    }
    let target = crate::target_dir();
    ["debug", "release"]
        .iter()
        .map(|p| target.join(p).join("libhd.so"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .unwrap_or_else(|| panic!("libhd.so is not built: run `cargo build` (or --release) first"))
}

/// Runs gdb in batch mode on `target` (an executable and a core, or `-p PID`) with the plugin
/// sourced and each command's output after a `==HD name==` line; returns (name, output) pairs.
pub fn gdb_batch(target: &[String], commands: &[(&str, &str)]) -> Vec<(String, String)> {
    let plugin = crate::workspace_root().join("gdb-plugin").join("hd.py");
    gdb_batch_with(&plugin, &library(), target, commands)
}

fn gdb_batch_with(
    plugin: &std::path::Path,
    library: &std::path::Path,
    target: &[String],
    commands: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut args: Vec<String> = [
        "-batch",
        "-nx",
        "-iex",
        "set debuginfod enabled off",
        "-iex",
        "set auto-load no",
        "-iex",
        "set debug-file-directory /nonexistent",
        "-ex",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("source {}", plugin.display()));
    for (name, cmd) in commands {
        args.push("-ex".into());
        args.push(format!("echo ==HD {name}==\\n"));
        args.push("-ex".into());
        args.push(cmd.to_string());
    }
    args.push("-ex".into());
    args.push("echo ==HD end==\\n".into());
    args.extend(target.iter().cloned());
    // stderr into stdout, in order: the plugin reports errors on gdb's stderr.
    let child = Command::new("sh")
        .arg("-c")
        .arg("exec gdb \"$@\" 2>&1")
        .arg("sh")
        .args(&args)
        .env("HD_LIBRARY", library)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running gdb: {e} (install gdb)"));
    let watchdog = Watchdog::new(child.id(), Duration::from_secs(180), "gdb".into());
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("gdb: {e}"));
    drop(watchdog);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("==HD end=="),
        "gdb did not run to the end (exit {:?}):\n{}",
        out.status.code(),
        crate::repr::shorten(&text, 4000)
    );
    let mut parts = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("==HD ")
            .and_then(|l| l.strip_suffix("=="))
        {
            if let Some(p) = cur.take() {
                parts.push(p);
            }
            cur = Some((name.to_string(), String::new()));
        } else if let Some((_, body)) = &mut cur {
            body.push_str(line);
            body.push('\n');
        }
    }
    parts.extend(cur);
    parts
}

fn part<'a>(parts: &'a [(String, String)], name: &str) -> &'a str {
    parts
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.as_str())
        .unwrap_or("")
}

/// What the commands must print for the truth: every frame of every thread in `py-bt -a`;
/// the main thread's innermost frame's short exact locals in `py-bt-full` and `py-locals`;
/// py-up / py-down moving between its frames; py-list marking the current line; py-print of
/// a local; an internal error reported without taking gdb down; `bt` annotating the
/// interpreter's frame with the innermost Python function, and not once switched off.
fn check(label: &str, parts: &[(String, String)], truth: &Truth) -> Vec<String> {
    let mut found = Vec::new();
    let all = part(parts, "bt-a");
    for t in truth.threads.iter().filter(|t| !t.volatile) {
        for f in &t.frames {
            let Some(line) = f.line else { continue };
            let want = format!("File \"{}\", line {line}, in {}", f.file, f.qualname);
            if !all.contains(&want) {
                found.push(format!("py-bt -a: no `{want}` (thread {})", t.role));
            }
        }
    }
    let main = truth.threads.iter().find(|t| t.role == "main");
    let inner = main.and_then(|t| t.frames.last());
    if let Some(f) = inner {
        let full = part(parts, "bt-full");
        let locs = part(parts, "locals");
        let mut checked = 0;
        for (name, v) in f.locals.iter().flatten() {
            let (Some(repr), Some(true)) = (&v.repr, v.exact) else {
                continue;
            };
            if repr.chars().count() > 60 || repr.contains('\n') {
                continue;
            }
            checked += 1;
            let want = format!("{name} = {repr}");
            if !full.contains(&want) {
                found.push(format!("py-bt-full: no `{want}`"));
            }
            if !locs.contains(&want) {
                found.push(format!("py-locals: no `{want}`"));
            }
        }
        if checked == 0 {
            found.push("no short exact local in the innermost frame to check".into());
        }
        if let Some((name, v)) =
            f.locals.iter().flatten().find(|(_, v)| {
                v.exact == Some(true) && v.repr.as_ref().is_some_and(|r| r.len() < 60)
            })
        {
            let want = format!("local {name} = {}", v.repr.as_deref().unwrap_or(""));
            if !part(parts, "print").contains(&want) {
                found.push(format!(
                    "py-print {name}: no `{want}` in {:?}",
                    part(parts, "print")
                ));
            }
        }
        if let Some(line) = f.line {
            let want = format!("{line:4}>");
            if !part(parts, "list").contains(&want) {
                found.push(format!("py-list: no line `{want}` marked"));
            }
        }
    }
    if let Some(t) = main {
        let n = t.frames.len();
        if n >= 2 {
            let caller = &t.frames[n - 2];
            let want = format!("in {}", caller.qualname);
            if !part(parts, "up").contains(&want) {
                found.push(format!(
                    "py-up: not in the caller ({want}): {:?}",
                    part(parts, "up")
                ));
            }
            let back = format!("in {}", t.frames[n - 1].qualname);
            if !part(parts, "down").contains(&back) {
                found.push(format!(
                    "py-down: not back in {back}: {:?}",
                    part(parts, "down")
                ));
            }
        }
    }
    // bt: the interpreter's frame running the innermost Python frame of the main thread is
    // annotated with it first; not when switched off.
    if let Some(f) = inner {
        let want = format!("[Python: {} (", f.qualname);
        let bt = part(parts, "bt");
        if !bt
            .lines()
            .any(|l| l.contains("_PyEval_EvalFrameDefault") && l.contains(&want))
        {
            found.push(format!(
                "bt: no _PyEval_EvalFrameDefault frame annotated `{want}`: {}",
                crate::repr::shorten(bt, 1500)
            ));
        }
    }
    // A global of __main__ (objects.py's BIG = 5000), from any frame.
    if !part(parts, "print-global").contains("global BIG = 5000") {
        found.push(format!("py-print BIG: {:?}", part(parts, "print-global")));
    }
    // Still gdb's backtrace (not an empty output or an error), without the annotations.
    let bt_off = part(parts, "bt-off");
    if bt_off.contains("[Python: ")
        || (inner.is_some() && !bt_off.contains("_PyEval_EvalFrameDefault"))
    {
        found.push(format!(
            "bt after `set hd annotate-bt off`: want gdb's frames, unannotated: {}",
            crate::repr::shorten(bt_off, 1500)
        ));
    }
    let panic = part(parts, "panic");
    if !panic.trim_start().starts_with("2 ") || !panic.contains("internal error in the hd library")
    {
        found.push(format!("the forced internal error: {panic:?}"));
    }
    if !part(parts, "after-panic").contains("Traceback (most recent call last):") {
        found.push("py-bt after the internal error printed no traceback".into());
    }
    eprintln!("{label}: {} mismatches", found.len());
    found
}

const COMMANDS: &[(&str, &str)] = &[
    ("bt-a", "py-bt -a"),
    ("bt-full", "py-bt-full"),
    ("locals", "py-locals"),
    ("list", "py-list"),
    ("print", "py-print PRINT_NAME"),
    ("up", "py-up"),
    ("down", "py-down"),
    (
        "panic",
        "python print(library().lib.hd_debug_panic(), library().lib.hd_last_error_message())",
    ),
    ("after-panic", "py-bt"),
    ("print-global", "py-print BIG --depth 1"),
    ("bt", "bt"),
    ("bt-off-set", "set hd annotate-bt off"),
    ("bt-off", "bt"),
];

fn commands(truth: &Truth) -> Vec<(&'static str, String)> {
    let print_name = truth
        .threads
        .iter()
        .find(|t| t.role == "main")
        .and_then(|t| t.frames.last())
        .and_then(|f| {
            f.locals.iter().flatten().find(|(_, v)| {
                v.exact == Some(true) && v.repr.as_ref().is_some_and(|r| r.len() < 60)
            })
        })
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| "nothing".into());
    COMMANDS
        .iter()
        .map(|(n, c)| (*n, c.replace("PRINT_NAME", &print_name)))
        .collect()
}

/// py-* commands on the objects sample's core (kernel or gcore) of `key`, and py-load of its
/// dump giving the same py-bt -a.
pub fn check_gdb(key: &str, kind: Kind) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    let entry = core(&interpreter, "objects", kind);
    let cmds = commands(&entry.truth);
    let cmd_refs: Vec<(&str, &str)> = cmds.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let exe = interpreter.python.to_string_lossy().into_owned();
    let core_path = entry.core.to_string_lossy().into_owned();
    let parts = gdb_batch(&[exe.clone(), core_path.clone()], &cmd_refs);
    let label = format!("{key} objects ({}) in gdb", kind.name());
    let mut found = check(&label, &parts, &entry.truth);
    // The same from a dump written by py-dump, loaded with py-load (no process, no core).
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let dump = dir.path().join("g.dump").to_string_lossy().into_owned();
    let dumped = gdb_batch(&[exe, core_path], &[("dump", &format!("py-dump {dump}"))]);
    if !part(&dumped, "dump").contains("wrote") {
        found.push(format!("py-dump: {:?}", part(&dumped, "dump")));
    }
    let loaded = gdb_batch(
        &[],
        &[("load", &format!("py-load {dump}")), ("bt-a", "py-bt -a")],
    );
    // Redaction may change a local's repr, not the tracebacks' lines.
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.trim_start().starts_with("File \"") || l.starts_with("Thread "))
            .map(str::to_owned)
            .collect()
    };
    if lines(part(&loaded, "bt-a")) != lines(part(&parts, "bt-a")) {
        found.push(format!(
            "py-load of the py-dump file: py-bt -a differs from the core's:\n{}",
            part(&loaded, "bt-a")
        ));
    }
    assert!(
        found.is_empty(),
        "{} mismatches in {label}:\n  - {}",
        found.len(),
        found.join("\n  - ")
    );
}

/// py-* commands on the live objects sample, attached with `gdb -p`.
pub fn check_gdb_live(key: &str) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    let found = cores::live(&interpreter, "objects", |pid, truth| {
        // The sample's own account must be whole before it is compared with.
        if let Err(e) = crate::scenario::validate_truth(&interpreter, "objects", truth) {
            return vec![e];
        }
        let cmds = commands(truth);
        let cmd_refs: Vec<(&str, &str)> = cmds.iter().map(|(n, c)| (*n, c.as_str())).collect();
        let parts = gdb_batch(&["-p".into(), pid.to_string()], &cmd_refs);
        check(&format!("{key} objects (live) in gdb"), &parts, truth)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        found.is_empty(),
        "{} mismatches in {key} (live) in gdb:\n  - {}",
        found.len(),
        found.join("\n  - ")
    );
}

/// Every command has its help; a plugin that can't find the library says where it looked and
/// what to do, and gdb goes on.
pub fn check_gdb_help_and_missing_library() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let plugin = dir.path().join("hd.py");
    std::fs::copy(
        crate::workspace_root().join("gdb-plugin").join("hd.py"),
        &plugin,
    )
    .unwrap_or_else(|e| panic!("copying the plugin: {e}"));
    let names = [
        "py-bt",
        "py-bt-full",
        "py-up",
        "py-down",
        "py-list",
        "py-locals",
        "py-print",
        "py-dump",
        "py-load",
    ];
    let helps: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), format!("help {n}")))
        .collect();
    let mut cmds: Vec<(&str, &str)> = helps
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    cmds.push(("missing", "py-bt"));
    let parts = gdb_batch_with(
        &plugin,
        std::path::Path::new("/nonexistent/libhd.so"),
        &[],
        &cmds,
    );
    let mut found = Vec::new();
    for n in names {
        let h = part(&parts, n);
        if h.trim().len() < 20 || h.contains("Undefined command") {
            found.push(format!("help {n}: {h:?}"));
        }
    }
    let missing = part(&parts, "missing");
    if !missing.contains("the hd library (libhd.so) was not found")
        || !missing.contains("/nonexistent/libhd.so")
        || !missing.contains("cargo build --release")
    {
        found.push(format!("without the library: {missing:?}"));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// py-* commands on the live objects sample served by `gdbserver --attach`, gdb connected with
/// `target remote`: the library reads it through gdb's memory callback.
pub fn check_gdb_remote(key: &str) {
    let Some(interpreter) = crate::interpreter_or_skip(key) else {
        return;
    };
    let Some(gdbserver) = ["/usr/bin/gdbserver", "/usr/local/bin/gdbserver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        panic!("gdbserver is not installed (apt-get install gdbserver); .ci/run installs it");
    };
    let found = cores::live(&interpreter, "objects", |pid, truth| {
        if let Err(e) = crate::scenario::validate_truth(&interpreter, "objects", truth) {
            return vec![e];
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("a free port: {e}"));
        let mut server = Command::new(&gdbserver)
            .args(["--attach", &format!("127.0.0.1:{port}"), &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting gdbserver: {e}"));
        // Until it listens.
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                let _ = server.kill();
                panic!("gdbserver did not listen on port {port}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // (That probe connection is refused by gdbserver's single-client accept only after
        // gdb's; gdbserver keeps listening for the real client.)
        let cmds = commands(truth);
        let remote = format!("target remote 127.0.0.1:{port}");
        let mut cmd_refs: Vec<(&str, &str)> = vec![("connect", remote.as_str())];
        cmd_refs.extend(cmds.iter().map(|(n, c)| (*n, c.as_str())));
        let parts = gdb_batch(
            &[interpreter.python.to_string_lossy().into_owned()],
            &cmd_refs,
        );
        let _ = server.kill();
        let _ = server.wait();
        check(&format!("{key} objects (remote) in gdb"), &parts, truth)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        found.is_empty(),
        "{} mismatches in {key} (remote, through gdb's memory) in gdb:\n  - {}",
        found.len(),
        found.join("\n  - ")
    );
}
