//! Snapshots of what users read: `--help`, the error paragraphs, and both output modes of a
//! snapshot built by hand (deterministic: no addresses or thread ids from a real process).

use std::process::Command;

fn hdconvert(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hdconvert"))
        .args(args)
        .output()
        .expect("run hdconvert");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_texts() {
    let (code, out, _) = hdconvert(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", out);
    let (code, out, _) = hdconvert(&["show", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("show_help", out);
}

#[test]
fn error_paragraphs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_elf = dir.path().join("notes.txt");
    std::fs::write(&not_elf, "hello").expect("write");
    let missing = dir.path().join("missing.core");
    for (name, path) in [("not_elf", &not_elf), ("missing", &missing)] {
        let (code, out, err) = hdconvert(&["show", path.to_str().expect("utf-8 path")]);
        assert_eq!(code, 2, "{name}");
        assert!(out.is_empty(), "{name}: nothing on stdout");
        let err = err.replace(dir.path().to_str().expect("utf-8"), "<dir>");
        insta::assert_snapshot!(name, err);
    }
    let (code, _, err) = hdconvert(&["show", "/bin/true"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("not_a_core", err);
}
