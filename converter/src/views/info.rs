//! `info`: what a dump file holds, from its META section, index and diagnostics.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};

use crate::diag::Diagnostic;
use crate::format::{DumpFile, FormatError};

/// The date and time (UTC) of a Unix timestamp, as `2026-11-28 17:05:09 UTC`.
pub fn utc_text(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Bytes per section: (stored, raw, chunks).
fn sections(dump: &DumpFile) -> BTreeMap<String, (u64, u64, u64)> {
    let mut out: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for (tag, stored, raw, _) in dump.chunk_sizes() {
        let e = out
            .entry(String::from_utf8_lossy(&tag).into_owned())
            .or_default();
        e.0 += stored;
        e.1 += raw;
        e.2 += 1;
    }
    out
}

/// A section's records, or none with a `dump_damaged` diagnostic in `found`.
fn or_reported<T>(
    r: Result<Vec<T>, FormatError>,
    what: &str,
    found: &mut Vec<Diagnostic>,
) -> Vec<T> {
    r.unwrap_or_else(|e| {
        found.push(Diagnostic::new(
            "dump_damaged",
            format!("the {what} could not be read: {e}"),
        ));
        Vec::new()
    })
}

pub fn info_json(dump: &DumpFile) -> Result<Value, FormatError> {
    let meta = dump.meta()?;
    // A damaged section costs what it holds: it is counted as empty and said so in the
    // diagnostics, with what the reader found wrong in the file.
    let mut found = Vec::new();
    let threads = or_reported(dump.threads(), "threads", &mut found);
    let sources = or_reported(dump.sources(), "source files", &mut found);
    let stored = or_reported(dump.diagnostics(), "stored diagnostics", &mut found);
    let diags: Vec<Diagnostic> = stored
        .iter()
        .map(|d| d.to_diagnostic())
        .chain(found)
        .chain(dump.problems())
        .collect();
    let env_names: Vec<&String> = meta
        .process
        .environ
        .iter()
        .flatten()
        .map(|(k, _)| k)
        .collect();
    let sections: Value = sections(dump)
        .into_iter()
        .map(|(t, (stored, raw, chunks))| {
            (t, json!({"stored": stored, "raw": raw, "chunks": chunks}))
        })
        .collect::<serde_json::Map<String, Value>>()
        .into();
    Ok(json!({
        "schema": super::json::SCHEMA,
        "format": format!("{}.{}", dump.major, dump.minor),
        "file": {"path": dump.path().display().to_string(), "size": dump.size()},
        "producer": meta.producer,
        "created": utc_text(meta.created_unix),
        "created_unix": meta.created_unix,
        "source": {
            "kind": meta.source.kind,
            "path": meta.source.path,
            "size": meta.source.size,
            "head_sha256": meta.source.head_sha256,
            "pid": meta.source.pid,
        },
        "platform": {
            "os": meta.platform.os,
            "arch": meta.platform.arch,
            "ptr_size": meta.platform.ptr_size,
            "endian": if meta.platform.little_endian { "little" } else { "big" },
        },
        "python": meta.python.as_ref().map(|p| json!({
            "version": p.version,
            "version_source": p.version_source,
            "layout": p.layout,
            "library": p.library,
            "shared": meta.python_shared,
            "debug": meta.python_debug,
            "free_threaded": meta.python_free_threaded,
        })),
        "binaries": meta.binaries.iter().map(|b| json!({"path": b.path, "build_id": b.build_id})).collect::<Vec<_>>(),
        "process": {
            "pid": meta.process.pid,
            "executable": meta.process.executable,
            "argv": meta.process.argv,
            "cwd": meta.process.cwd,
            "signal": meta.process.signal,
            "environment": env_names,
        },
        "limits": {
            "max_depth": meta.limits.max_depth,
            "max_items": meta.limits.max_items,
            "max_string": meta.limits.max_string,
            "max_objects": meta.limits.max_objects,
            "max_bytes": meta.limits.max_bytes,
        },
        "contents": {
            "threads": threads.len(),
            "frames": threads.iter().map(|t| t.frames.len()).sum::<usize>(),
            "objects": dump.index().object_count,
            "sources": sources.len(),
            "sources_missing": sources.iter().filter(|s| s.text.is_none()).map(|s| s.path.clone()).collect::<Vec<_>>(),
            "heap_histogram": meta.has_histogram,
        },
        "sections": sections,
        "redaction": {
            "enabled": meta.redaction.enabled,
            "pattern": meta.redaction.pattern,
            "names": meta.redaction.names,
            "values": meta.redaction.values,
        },
        // As `show --json` gives them.
        "diagnostics": diags,
    }))
}

pub fn info_text(dump: &DumpFile) -> Result<String, FormatError> {
    let v = info_json(dump)?;
    let mut out = String::new();
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let _ = writeln!(
        out,
        "File:      {} ({} bytes, format {})",
        s(&v["file"]["path"]),
        v["file"]["size"],
        s(&v["format"])
    );
    let _ = writeln!(
        out,
        "Producer:  {}, {}",
        s(&v["producer"]),
        s(&v["created"])
    );
    let src = &v["source"];
    match src["kind"].as_str() {
        Some("live") => {
            let _ = writeln!(out, "Source:    live process {}", s(&src["pid"]));
        }
        Some("core") => {
            let _ = writeln!(
                out,
                "Source:    core {} ({} bytes, first MiB sha256 {})",
                s(&src["path"]),
                s(&src["size"]),
                s(&src["head_sha256"])
            );
        }
        // "debugger" (a gdb or lldb target read through the C ABI) and kinds of later writers.
        kind => {
            let _ = writeln!(
                out,
                "Source:    {} (pid {})",
                kind.unwrap_or("-"),
                s(&src["pid"])
            );
        }
    }
    let p = &v["platform"];
    let _ = writeln!(
        out,
        "Platform:  {} {}, {}-bit, {} endian",
        s(&p["os"]),
        s(&p["arch"]),
        p["ptr_size"].as_u64().unwrap_or(0) * 8,
        s(&p["endian"])
    );
    if let Some(py) = v["python"].as_object() {
        let build = match (
            py.get("shared").and_then(Value::as_bool),
            py.get("debug").and_then(Value::as_bool),
        ) {
            (Some(true), Some(true)) => "shared library, debug build",
            (Some(true), _) => "shared library",
            (Some(false), Some(true)) => "static, debug build",
            (Some(false), _) => "static",
            (None, _) => "build unknown",
        };
        let _ = writeln!(
            out,
            "Python:    {} ({}; {})",
            s(&py["version"]),
            build,
            s(&py["layout"])
        );
    }
    for b in v["binaries"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "Binary:    {} build-id {}",
            s(&b["path"]),
            s(&b["build_id"])
        );
    }
    let pr = &v["process"];
    let argv: Vec<String> = pr["argv"].as_array().into_iter().flatten().map(s).collect();
    let _ = writeln!(out, "Process:   pid {}, {}", s(&pr["pid"]), argv.join(" "));
    if !pr["cwd"].is_null() {
        let _ = writeln!(out, "Cwd:       {}", s(&pr["cwd"]));
    }
    let env = pr["environment"].as_array().map_or(0, Vec::len);
    let _ = writeln!(out, "Env:       {env} variables");
    let c = &v["contents"];
    let _ = writeln!(
        out,
        "Contents:  {} threads, {} frames, {} objects, {} source files{}",
        c["threads"],
        c["frames"],
        c["objects"],
        c["sources"],
        if c["heap_histogram"].as_bool() == Some(true) {
            ", heap histogram"
        } else {
            ""
        }
    );
    for missing in c["sources_missing"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "           source missing: {}", s(missing));
    }
    let _ = writeln!(out, "Sections:");
    for (t, e) in v["sections"].as_object().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  {t}  {:>10} bytes stored, {:>10} raw, {} chunk(s)",
            e["stored"], e["raw"], e["chunks"]
        );
    }
    let r = &v["redaction"];
    if r["enabled"].as_bool() == Some(true) {
        let names: Vec<String> = r["names"].as_array().into_iter().flatten().map(s).collect();
        let _ = writeln!(
            out,
            "Redacted:  {} value(s) of {} (pattern {})",
            r["values"],
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            },
            s(&r["pattern"])
        );
    } else {
        let _ = writeln!(out, "Redacted:  nothing (converted with --no-redact)");
    }
    let diags = v["diagnostics"].as_array().map_or(&[][..], Vec::as_slice);
    let _ = writeln!(out, "Diagnostics: {}", diags.len());
    for d in diags {
        let _ = writeln!(out, "  [{}] {}", s(&d["code"]), s(&d["message"]));
    }
    Ok(out)
}
