//! The file format on a snapshot built by hand: round trips, redaction, and damaged files
//! (cut anywhere, any byte changed, any bytes at all) that must give an error or a partial
//! result, never a panic.

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::model::{Local, Object, ObjectKind, PyText, Snapshot};
use crate::views::text::tests::sample;

fn contents(snapshot: Snapshot) -> DumpContents {
    DumpContents {
        meta: Meta {
            producer: crate::PRODUCER.into(),
            python: snapshot.python.clone(),
            process: snapshot.process.clone(),
            ..Default::default()
        },
        snapshot,
        sources: vec![SourceFile {
            path: "/srv/app.py".into(),
            read_from: None,
            text: Some("import os\nmain()\n".into()),
        }],
        histogram: None,
    }
}

fn written(c: &DumpContents, codec: Codec) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.dump");
    write_dump(&path, c, WriteOptions { codec }).expect("write");
    std::fs::read(&path).expect("read back")
}

fn open(bytes: Vec<u8>) -> Result<DumpFile, FormatError> {
    DumpFile::from_bytes(Path::new("t.dump"), bytes)
}

/// Everything a reader can be asked, for damaged inputs: must return, never panic.
fn exercise(d: &DumpFile) {
    let _ = d.meta();
    let _ = d.threads();
    let _ = d.roots();
    let _ = d.suspended();
    let _ = d.sources();
    let _ = d.diagnostics();
    let _ = d.histogram();
    let _ = d.chunk_sizes();
    let _ = d.objects_near(&[0x10, 0x20, 0x30], 8, 64);
    if let Ok(s) = d.snapshot() {
        let _ = crate::views::text::to_text(
            &s,
            crate::views::text::TextOptions {
                locals: true,
                limits: crate::limits::ReprLimits::HUMAN,
            },
        );
        let _ = crate::views::json::to_json(&s, crate::limits::ReprLimits::JSON);
    }
    let _ = crate::views::info::info_json(d);
}

#[test]
fn round_trip_with_every_codec() {
    let snap = sample();
    let c = contents(snap.clone());
    for codec in [Codec::None, Codec::Zstd, Codec::Lz4] {
        let d = open(written(&c, codec)).expect("open");
        assert_eq!((d.major, d.minor), (MAJOR, MINOR));
        assert_eq!(d.meta().expect("meta"), c.meta);
        let back = d.snapshot().expect("snapshot");
        assert_eq!(back.threads.len(), snap.threads.len());
        assert_eq!(back.python, snap.python);
        for o in snap.objects.iter() {
            assert_eq!(back.objects.get(o.id), Some(o), "object {:#x}", o.id);
        }
        let opts = crate::views::text::TextOptions {
            locals: true,
            limits: crate::limits::ReprLimits::HUMAN,
        };
        let strip = |t: String| t.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(
            strip(crate::views::text::to_text(&back, opts)),
            strip(crate::views::text::to_text(&snap, opts))
        );
        let near = d.objects_near(&[snap.objects.iter().next().expect("one").id], 0, 0);
        assert_eq!(near.expect("near").len(), 1);
    }
}

#[test]
fn files_are_private_and_replaced_only_when_complete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.dump");
    std::fs::write(&path, b"old").expect("write");
    write_dump(&path, &contents(sample()), WriteOptions::default()).expect("write");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("x.dump")],
        "no temporary file left"
    );
}

#[test]
fn refuses_what_is_not_a_dump_or_too_new() {
    assert!(matches!(
        open(b"\x7fELF....".to_vec()),
        Err(FormatError::NotADump { .. })
    ));
    assert!(matches!(
        open(Vec::new()),
        Err(FormatError::NotADump { .. })
    ));
    let mut b = written(&contents(sample()), Codec::Zstd);
    b[8] = 2; // major version 2
    let e = open(b).expect_err("refused");
    assert!(
        matches!(e, FormatError::UnsupportedVersion { major: 2, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("newer hdconvert"), "{e}");
}

#[test]
fn a_cut_file_gives_its_complete_chunks_with_a_diagnostic() {
    let b = written(&contents(sample()), Codec::Zstd);
    // Without the footer and the index: every section before them is still there.
    let cut = b.len() - FOOTER_LEN as usize - 5;
    let d = open(b[..cut].to_vec()).expect("readable");
    let s = d.snapshot().expect("snapshot");
    assert!(!s.threads.is_empty());
    assert!(
        s.diagnostics.iter().any(|x| x.code == "dump_cut"),
        "{:?}",
        s.diagnostics
    );
    // Every other cut: an error or a partial result, never a panic.
    for n in 0..b.len() {
        if let Ok(d) = open(b[..n].to_vec()) {
            exercise(&d);
        }
    }
}

#[test]
fn a_changed_byte_is_detected() {
    let b = written(&contents(sample()), Codec::None);
    for i in HEADER_LEN as usize..b.len() {
        let mut bad = b.clone();
        bad[i] ^= 0x40;
        match open(bad) {
            Err(_) => {}
            Ok(d) => {
                exercise(&d);
                // Whatever was read is what was written, or flagged.
                if let Ok(s) = d.snapshot() {
                    let flagged = s
                        .diagnostics
                        .iter()
                        .any(|x| x.code == "dump_cut" || x.code == "dump_damaged");
                    assert!(
                        flagged || s.threads == sample().threads,
                        "byte {i} changed silently"
                    );
                }
            }
        }
    }
}

#[test]
fn redaction_keeps_type_and_length_and_lists_names() {
    let mut snap = sample();
    let secret = Object {
        id: 0x9990,
        type_name: "str".into(),
        type_short: "str".into(),
        kind: ObjectKind::Str {
            text: PyText::Utf8("hunter2".into()),
            length: 7,
        },
        size: Some(56),
    };
    snap.objects.insert(secret);
    // `None` is one object for every use of it: left as it is, even under a secret name.
    snap.objects.insert(Object {
        id: 0x9a00,
        type_name: "NoneType".into(),
        type_short: "NoneType".into(),
        kind: ObjectKind::None,
        size: Some(16),
    });
    if let Some(f) = snap.threads[0].frames.last_mut() {
        let locals = f.locals.get_or_insert_with(Vec::new);
        locals.push(Local {
            name: "db_password".into(),
            value: 0x9990,
        });
        locals.push(Local {
            name: "session".into(),
            value: 0x9a00,
        });
    }
    snap.process.environ = Some(vec![
        ("HOME".into(), "/root".into()),
        ("API_KEY".into(), "abc123".into()),
    ]);
    let r = Redactor::new(DEFAULT_SECRET_PATTERN).expect("pattern");
    let (names, values) = r.apply(&mut snap);
    assert_eq!(
        names,
        vec!["API_KEY".to_string(), "db_password".to_string()]
    );
    assert_eq!(values, 2);
    assert_eq!(
        snap.objects.get(0x9990).map(|o| &o.kind),
        Some(&ObjectKind::Redacted { length: Some(7) })
    );
    let env = snap.process.environ.clone().unwrap_or_default();
    assert_eq!(env[0].1, "/root");
    assert_eq!(env[1].1, "<redacted: 6 chars>");
    assert_eq!(
        snap.objects.get(0x9a00).map(|o| &o.kind),
        Some(&ObjectKind::None)
    );
    let text =
        crate::views::repr::render(&snap.objects, 0x9990, crate::limits::ReprLimits::HUMAN).text;
    assert_eq!(text, "<redacted str of length 7>");
    assert!(Redactor::new("(").is_err());
}

/// Objects of a few kinds, referring to one another by id (ids 0x1000, 0x1010, ...).
fn arb_object(n: u64) -> impl Strategy<Value = Object> {
    let id = move |i: u64| 0x1000 + 16 * (i % n.max(1));
    let kind = prop_oneof![
        Just(ObjectKind::None),
        any::<bool>().prop_map(ObjectKind::Bool),
        // NaN != NaN: the comparison below would fail on an exact copy.
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(ObjectKind::Float),
        ".{0,40}".prop_map(|t| ObjectKind::Str {
            length: t.chars().count() as u64,
            text: PyText::Utf8(t),
        }),
        proptest::collection::vec(any::<u32>(), 0..8).prop_map(|cps| ObjectKind::Str {
            length: cps.len() as u64,
            text: PyText::CodePoints(cps),
        }),
        (proptest::collection::vec(any::<u64>(), 0..12), any::<u64>()).prop_map(
            move |(items, extra)| {
                let items: Vec<u64> = items.into_iter().map(id).collect();
                ObjectKind::List(crate::model::Items {
                    length: items.len() as u64 + extra % 3,
                    items,
                })
            }
        ),
        proptest::collection::vec((any::<u64>(), any::<u64>()), 0..6).prop_map(move |pairs| {
            ObjectKind::Dict(crate::model::Entries {
                length: pairs.len() as u64,
                items: pairs.into_iter().map(|(k, v)| (id(k), id(v))).collect(),
            })
        }),
        (any::<u64>(), any::<u64>()).prop_map(move |(f, r)| ObjectKind::BoundMethod {
            func: id(f),
            receiver: id(r),
        }),
        any::<u128>().prop_map(ObjectKind::Uuid),
        proptest::option::of(any::<u64>()).prop_map(|length| ObjectKind::Redacted { length }),
    ];
    (kind, proptest::option::of(any::<u64>())).prop_map(|(kind, size)| Object {
        id: 0,
        type_name: "t".into(),
        type_short: "t".into(),
        kind,
        size,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Write, read back: the same threads and every object reachable from them.
    #[test]
    fn random_graphs_round_trip(objects in proptest::collection::vec(arb_object(24), 1..24)) {
        let mut snap = sample();
        let mut graph = crate::model::ObjectGraph::default();
        for (i, mut o) in objects.into_iter().enumerate() {
            o.id = 0x1000 + 16 * i as u64;
            graph.insert(o);
        }
        snap.objects = graph;
        if let Some(f) = snap.threads[0].frames.last_mut() {
            f.locals = Some(vec![Local { name: "root".into(), value: 0x1000 }]);
        }
        let c = DumpContents { histogram: None, ..contents(snap.clone()) };
        let d = open(written(&c, Codec::Zstd)).expect("open");
        let back = d.snapshot().expect("snapshot");
        prop_assert_eq!(&back.threads, &snap.threads);
        let reachable: std::collections::HashSet<_> =
            snap.objects.reachable(snap.root_ids()).into_iter().collect();
        for o in snap.objects.iter() {
            if reachable.contains(&o.id) {
                prop_assert_eq!(back.objects.get(o.id), Some(o));
            } else {
                prop_assert_eq!(back.objects.get(o.id), None);
            }
        }
    }

    /// Any bytes after a valid header: an error or a usable file, never a panic.
    #[test]
    fn any_bytes_open_or_fail(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&MAJOR.to_le_bytes());
        b.extend_from_slice(&MINOR.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&tail);
        if let Ok(d) = open(b) {
            exercise(&d);
        }
    }

    /// Bytes of a real dump with a stretch overwritten.
    #[test]
    fn overwritten_dumps_open_or_fail(at in 0usize..2048, junk in proptest::collection::vec(any::<u8>(), 1..64)) {
        let mut b = written(&contents(sample()), Codec::Zstd);
        let at = at % b.len();
        for (i, j) in junk.iter().enumerate() {
            if let Some(x) = b.get_mut(at + i) {
                *x = *j;
            }
        }
        if let Ok(d) = open(b) {
            exercise(&d);
        }
    }
}

/// A dump written from a debugger's target names it as such, not as a core.
#[test]
fn info_names_a_debugger_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.dump");
    let opts = crate::convert::ConvertOptions::default();
    crate::convert::convert_snapshot(sample(), Some(4242), &opts, &path).expect("convert");
    let d = DumpFile::open(&path).expect("open");
    let text = crate::views::info::info_text(&d).expect("info");
    assert!(text.contains("Source:    debugger (pid 4242)"), "{text}");
    assert!(!text.contains("core"), "{text}");
}

/// The dump with the header of its first chunk tagged `t` overwritten.
fn with_damaged_chunk(t: [u8; 4]) -> DumpFile {
    let mut bytes = written(&contents(sample()), Codec::Zstd);
    let d = open(bytes.clone()).expect("open");
    let chunk = d
        .index()
        .chunks
        .iter()
        .find(|c| c.tag == t)
        .copied()
        .expect("a chunk of that tag");
    let at = usize::try_from(chunk.offset).expect("offset");
    bytes[at..at + 4].copy_from_slice(b"XXXX");
    open(bytes).expect("open")
}

/// A damaged OBJS chunk costs its objects only: the views' partial read reports it and goes
/// on, as the full read does.
#[test]
fn damaged_objects_chunk_is_skipped_and_reported() {
    let d = with_damaged_chunk(tag::OBJECTS);
    for s in [
        d.snapshot_near(LoadBounds::for_view(crate::limits::ReprLimits::HUMAN)),
        d.snapshot(),
    ] {
        let s = s.expect("a partial snapshot");
        assert_eq!(s.threads, sample().threads);
        assert!(
            s.diagnostics.iter().any(|x| x.code == "dump_damaged"),
            "{:?}",
            s.diagnostics
        );
    }
}

/// `info` on a dump with a damaged section: the rest, and the damage among its diagnostics.
#[test]
fn info_reports_a_damaged_section() {
    let d = with_damaged_chunk(tag::SOURCES);
    let v = crate::views::info::info_json(&d).expect("info");
    assert_eq!(v["contents"]["threads"], sample().threads.len());
    assert_eq!(v["contents"]["sources"], 0);
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["code"].as_str())
        .collect();
    assert!(codes.contains(&"dump_damaged"), "{codes:?}");
    let text = crate::views::info::info_text(&d).expect("info");
    assert!(
        text.contains("[dump_damaged] the source files could not be read"),
        "{text}"
    );
}
