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

#[test]
fn dump_error_paragraphs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/minimal-3.12.dump");
    let bytes = std::fs::read(&golden).expect("golden dump");
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..100]).expect("write");
    let mut newer = bytes.clone();
    newer[8] = 2;
    let v2 = dir.path().join("v2.dump");
    std::fs::write(&v2, &newer).expect("write");
    let golden_str = golden.to_str().expect("utf-8");
    let again = dir.path().join("again.dump");
    for (name, args) in [
        ("dump_cut", vec!["show", cut.to_str().expect("utf-8")]),
        ("dump_v2", vec!["show", v2.to_str().expect("utf-8")]),
        ("dump_no_heap", vec!["stats", golden_str]),
        ("info_not_dump", vec!["info", "/bin/true"]),
        (
            "convert_a_dump",
            vec![golden_str, "-o", again.to_str().expect("utf-8")],
        ),
    ] {
        let (code, out, err) = hdconvert(&args);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(out.is_empty(), "{name}: nothing on stdout");
        let err = err
            .replace(dir.path().to_str().expect("utf-8"), "<dir>")
            .replace(golden_str, "<golden>");
        insta::assert_snapshot!(name, err);
    }
}

/// `show DUMP --object ADDR --no-locals` leaves out the frames' locals, not the object asked
/// for (it once printed "No object").
#[test]
fn object_without_locals() {
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/objects-3.11.dump");
    let golden = golden.to_str().expect("utf-8");
    // The producer thread's `Thread` object, `self` in its first frame.
    let addr = "0x7ff7ad9655d0";
    let (code, out, err) = hdconvert(&["show", "--no-locals", "--object", addr, golden]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("No object"), "{out}");
    assert!(out.contains("_name = 'producer'"), "{out}");
}
