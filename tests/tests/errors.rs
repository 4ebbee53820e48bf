//! Inputs hdconvert can't use: exit code 2, a one-paragraph message on stderr, never a panic,
//! in both output modes (with `--json`, stdout is empty or a JSON object).

use std::fs;
use std::path::PathBuf;

use hd_tests::{cores, run_hdconvert, target_dir};

fn scratch(name: &str) -> PathBuf {
    let dir = target_dir().join("hd-cores").join("errors");
    fs::create_dir_all(&dir).expect("create target/hd-cores/errors");
    dir.join(name)
}

/// Runs `hdconvert show [--json] PATH` and checks the failure is a clean one.
fn fails_cleanly(path: &str, what: &str) {
    let mut problems = Vec::new();
    for json in [false, true] {
        let args: Vec<&str> = if json {
            vec!["show", "--json", path]
        } else {
            vec!["show", path]
        };
        let run = run_hdconvert(&args).unwrap_or_else(|e| panic!("{e}"));
        let stderr = run.stderr.trim();
        eprintln!(
            "{} → exit {:?}, stderr: {stderr}",
            run.command_line(),
            run.code
        );
        if run.code != Some(2) {
            problems.push(format!(
                "{}: exit code {:?} (signal {:?}), want 2",
                run.command_line(),
                run.code,
                run.signal
            ));
        }
        if stderr.contains("panicked at") || stderr.contains("RUST_BACKTRACE") {
            problems.push(format!("{}: panicked: {stderr}", run.command_line()));
        }
        if stderr.is_empty() {
            problems.push(format!("{}: nothing on stderr", run.command_line()));
        }
        if stderr.contains("\n\n") {
            problems.push(format!(
                "{}: stderr is more than one paragraph: {stderr:?}",
                run.command_line()
            ));
        }
        let stdout = run.stdout.trim();
        if json
            && !stdout.is_empty()
            && serde_json::from_str::<serde_json::Value>(stdout)
                .map(|v| !v.is_object())
                .unwrap_or(true)
        {
            problems.push(format!(
                "{}: stdout is neither empty nor a JSON object: {:?}",
                run.command_line(),
                hd_tests::repr::shorten(stdout, 200)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{what}:\n  - {}",
        problems.join("\n  - ")
    );
}

#[test]
fn not_elf() {
    let path = scratch("not-elf.txt");
    fs::write(&path, "this is not an ELF file\n").unwrap();
    fails_cleanly(&path.to_string_lossy(), "a text file");
}

#[test]
fn empty_file() {
    let path = scratch("empty");
    fs::write(&path, "").unwrap();
    fails_cleanly(&path.to_string_lossy(), "an empty file");
}

#[test]
fn elf_not_core() {
    fails_cleanly("/bin/true", "an ELF executable, not a core");
}

#[test]
fn directory() {
    fails_cleanly("/", "a directory");
}

#[test]
fn nonexistent_path() {
    fails_cleanly("/nonexistent/hd/core.12345", "a path that doesn't exist");
}

#[test]
fn core_of_non_python_process() {
    let core = cores::non_python_core().unwrap_or_else(|e| panic!("{e}"));
    fails_cleanly(&core.to_string_lossy(), "a core of sleep (no Python in it)");
}

#[test]
fn truncated_header() {
    // The first 100 bytes of a Python core: ELF header, program headers cut.
    let interpreter = hd_tests::interpreters::EXPECTED
        .iter()
        .find_map(|e| hd_tests::interpreter(e.key).ok())
        .expect("no interpreter at all to make a core with");
    let entry = cores::kernel_core(&interpreter, "minimal").unwrap_or_else(|e| panic!("{e}"));
    let head = cores::core_head(&entry, 100).unwrap_or_else(|e| panic!("{e}"));
    fails_cleanly(&head.to_string_lossy(), "the first 100 bytes of a core");
}

#[test]
fn no_such_pid() {
    let run =
        run_hdconvert(&["show", "--json", "--pid", "999999999"]).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{} → exit {:?}, stderr: {}",
        run.command_line(),
        run.code,
        run.stderr.trim()
    );
    assert_eq!(
        run.code,
        Some(2),
        "{}: stderr {}",
        run.command_line(),
        run.stderr
    );
    assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
}
