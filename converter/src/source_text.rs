//! Source lines of the files frames point into, read from this machine.

use std::collections::HashMap;
use std::fs;

use crate::limits;
use crate::model::{Frame, ObjectKind, Snapshot};

/// Fills `Frame::source` for every frame whose file is readable here.
pub fn fill_source_lines(s: &mut Snapshot) {
    let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
    let mut fill = |f: &mut Frame| {
        let Some(line) = f
            .line
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l > 0)
        else {
            return;
        };
        let lines = files
            .entry(f.file.clone())
            .or_insert_with(|| read_lines(&f.file));
        if let Some(text) = lines.as_ref().and_then(|ls| ls.get(line - 1)) {
            f.source = Some(text.clone());
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

fn read_lines(path: &str) -> Option<Vec<String>> {
    if !path.starts_with('/') {
        return None;
    }
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > limits::MAX_SOURCE_FILE {
        return None;
    }
    let bytes = fs::read(path).ok()?;
    Some(
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}
