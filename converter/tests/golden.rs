//! The golden dump files of format 1.0 (`tests/golden/`, see its README): every later version
//! must keep reading them and show the same thing. The outputs are insta snapshots.

use std::path::PathBuf;
use std::process::Command;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/golden")
        .join(name)
}

fn hdconvert(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hdconvert"))
        .current_dir(golden(""))
        .args(args)
        .output()
        .expect("run hdconvert");
    assert!(
        out.stderr.is_empty() || out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        // The producer is this build's, not the file's.
        String::from_utf8_lossy(&out.stdout).replace(hd::PRODUCER, "hdconvert X.Y.Z"),
    )
}

#[test]
fn minimal_3_12() {
    let (code, text) = hdconvert(&["show", "minimal-3.12.dump"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("minimal_show", text);
    let (code, json) = hdconvert(&["show", "--json", "minimal-3.12.dump"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("minimal_json", json);
    let (code, info) = hdconvert(&["info", "minimal-3.12.dump"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("minimal_info", info);
}

#[test]
fn objects_3_11() {
    let (code, text) = hdconvert(&["show", "objects-3.11.dump"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("objects_show", text);
    let (code, info) = hdconvert(&["info", "--json", "objects-3.11.dump"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&info).expect("json");
    assert_eq!(v["format"], "1.0");
    assert_eq!(v["contents"]["threads"], 4);
    assert_eq!(
        v["redaction"]["names"],
        serde_json::json!(["CARGO_PKG_AUTHORS", "_SlotBase__secret"])
    );
    assert!(text.contains("._SlotBase__secret = <redacted str of length 6>"));
    assert!(text.contains("Pending asyncio tasks:"));
}

#[test]
fn every_golden_file_opens_and_checks() {
    let dir = golden("");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("tests/golden") {
        let path = e.expect("entry").path();
        if path.extension().is_some_and(|x| x == "dump") {
            let d = hd::format::DumpFile::open(&path).expect("opens");
            assert_eq!((d.major, d.minor), (1, 0), "{}", path.display());
            let s = d.snapshot().expect("snapshot");
            assert!(!s.threads.is_empty(), "{}", path.display());
            assert!(
                s.diagnostics.iter().all(|x| !x.code.starts_with("dump_")),
                "{}: {:?}",
                path.display(),
                s.diagnostics
            );
            n += 1;
        }
    }
    assert!(n >= 2, "golden files missing from {}", dir.display());
}
