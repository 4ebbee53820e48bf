//! Views of a [`crate::model::Snapshot`]: the text traceback, the JSON document, and `repr()`
//! of objects, shared by the CLI and (later) the debugger plugins.

pub mod json;
pub mod repr;
pub mod text;

use std::sync::Arc;

use crate::limits::MAX_NESTING;
use crate::model::{ObjId, Object};

/// Where a value is shown beneath the values whose attributes are being listed: it is
/// expanded `left` more levels, and never beneath itself (`b.self` of a `b` whose `self` is
/// `b` is shown, not expanded again).
#[derive(Debug, Clone, Copy)]
struct Beneath<'a> {
    left: usize,
    parent: Option<(&'a Beneath<'a>, ObjId)>,
}

impl<'a> Beneath<'a> {
    /// A value at the top, expanded `levels` levels (at most `MAX_NESTING`).
    fn top(levels: usize) -> Self {
        Beneath {
            left: levels.min(MAX_NESTING),
            parent: None,
        }
    }

    /// The attributes to show beneath `obj`: none when the levels are spent or `obj` is
    /// already being expanded above.
    fn attributes<'g>(&self, obj: &'g Object) -> Option<&'g [(Arc<str>, ObjId)]> {
        if self.left == 0 || self.is_above(obj.id) {
            return None;
        }
        obj.kind.attributes()
    }

    /// Where the attributes of `id` are shown.
    fn below(&'a self, id: ObjId) -> Beneath<'a> {
        Beneath {
            left: self.left.saturating_sub(1),
            parent: Some((self, id)),
        }
    }

    fn is_above(&self, id: ObjId) -> bool {
        let mut p = self.parent;
        while let Some((b, above)) = p {
            if above == id {
                return true;
            }
            p = b.parent;
        }
        false
    }
}
