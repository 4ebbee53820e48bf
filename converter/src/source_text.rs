//! Source lines of the files frames point into: read from this machine, or from the sources
//! a dump file carries.

use std::collections::HashMap;
use std::fs;

use crate::format::SourceFile;
use crate::limits;
use crate::model::Snapshot;

/// Fills `Frame::source` for every frame whose file is readable here.
pub fn fill_source_lines(s: &mut Snapshot) {
    let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
    fill_with(s, |path, line| {
        files
            .entry(path.to_string())
            .or_insert_with(|| read_text(path).map(|t| split_lines(&t)))
            .as_ref()?
            .get(line)
            .cloned()
    });
}

/// Fills `Frame::source` from the sources embedded in a dump.
pub fn fill_from_sources(s: &mut Snapshot, sources: &[SourceFile]) {
    let files: HashMap<&str, Vec<String>> = sources
        .iter()
        .filter_map(|f| Some((f.path.as_str(), split_lines(f.text.as_deref()?))))
        .collect();
    fill_with(s, |path, line| files.get(path)?.get(line).cloned());
}

/// Sets each frame's source to `line_of(file, index of its line from 0)`.
fn fill_with(s: &mut Snapshot, mut line_of: impl FnMut(&str, usize) -> Option<String>) {
    for f in s.frames_mut() {
        let index = f
            .line
            .and_then(|l| usize::try_from(l).ok())
            .and_then(|l| l.checked_sub(1));
        if let Some(text) = index.and_then(|i| line_of(&f.file, i)) {
            f.source = Some(text);
        }
    }
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// The text of a source file on this machine: absolute paths only, regular files up to
/// `MAX_SOURCE_FILE` bytes, invalid UTF-8 replaced.
pub fn read_text(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > limits::MAX_SOURCE_FILE {
        return None;
    }
    let bytes = fs::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
