//! Source lines of the files frames point into: read from this machine, or from the sources
//! a dump file carries.

use std::collections::HashMap;
use std::fs;

use crate::format::SourceFile;
use crate::limits;
use crate::model::{Frame, ObjectKind, Snapshot};

/// Fills `Frame::source` for every frame whose file is readable here.
pub fn fill_source_lines(s: &mut Snapshot) {
    let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
    fill_with(s, |path| {
        files
            .entry(path.to_string())
            .or_insert_with(|| read_text(path).map(|t| split_lines(&t)))
            .clone()
    });
}

/// Fills `Frame::source` from the sources embedded in a dump.
pub fn fill_from_sources(s: &mut Snapshot, sources: &[SourceFile]) {
    let files: HashMap<&str, Vec<String>> = sources
        .iter()
        .filter_map(|f| Some((f.path.as_str(), split_lines(f.text.as_deref()?))))
        .collect();
    fill_with(s, |path| files.get(path).cloned());
}

fn fill_with(s: &mut Snapshot, mut lines_of: impl FnMut(&str) -> Option<Vec<String>>) {
    let mut fill = |f: &mut Frame| {
        let Some(line) = f
            .line
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l > 0)
        else {
            return;
        };
        if let Some(text) = lines_of(&f.file).and_then(|ls| ls.get(line - 1).cloned()) {
            f.source = Some(text);
        }
    };
    for t in &mut s.threads {
        t.frames.iter_mut().for_each(&mut fill);
    }
    // Frames of suspended generators and coroutines.
    for o in s.objects.iter_mut() {
        if let ObjectKind::Generator(g) = &mut o.kind {
            if let Some(f) = &mut g.frame {
                fill(f);
            }
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
