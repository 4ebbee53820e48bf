//! Views of a [`crate::model::Snapshot`]: the text traceback, the JSON document, and `repr()`
//! of objects, shared by the CLI and (later) the debugger plugins.

pub mod info;
pub mod json;
pub mod repr;
pub mod text;

use std::sync::Arc;

use crate::limits::MAX_NESTING;
use crate::model::{Frame, GeneratorState, ObjId, Object, ObjectGraph, ObjectKind, TracebackEntry};

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

/// What `show --object` lists about an object beyond its value, for both views.
#[derive(Debug, Default)]
struct Detail<'g> {
    /// Items or entries in the object, and how many a bound left out.
    length: Option<u64>,
    items: Option<&'g [ObjId]>,
    entries: Option<&'g [(ObjId, ObjId)]>,
    left_out: Option<u64>,
    /// Named fields, in the order Python lists them.
    fields: Vec<(&'static str, Field<'g>)>,
    traceback: Option<&'g [TracebackEntry]>,
    /// A generator's state and its suspended frame.
    state: Option<GeneratorState>,
    frame: Option<&'g Frame>,
    /// Why the object's contents are not shown.
    reason: Option<String>,
}

/// One named field of an object.
#[derive(Debug)]
enum Field<'g> {
    /// An object, or NULL.
    Object(Option<ObjId>),
    Objects(&'g [ObjId]),
    Text(Option<&'g str>),
    Bool(bool),
}

fn detail<'g>(graph: &'g ObjectGraph, obj: &'g Object) -> Detail<'g> {
    let mut d = Detail::default();
    match &obj.kind {
        ObjectKind::List(i)
        | ObjectKind::Tuple(i)
        | ObjectKind::Set(i)
        | ObjectKind::FrozenSet(i)
        | ObjectKind::Deque { items: i, .. } => {
            d.length = Some(i.length);
            d.items = Some(&i.items);
            d.left_out = Some(i.length.saturating_sub(i.items.len() as u64));
        }
        ObjectKind::StructSeq(s) => {
            let i = &s.items;
            d.length = Some(i.length);
            d.items = Some(&i.items);
            d.left_out = Some(i.length.saturating_sub(i.items.len() as u64));
        }
        ObjectKind::Dict(e)
        | ObjectKind::Counter(e)
        | ObjectKind::OrderedDict { entries: e, .. }
        | ObjectKind::DefaultDict { entries: e, .. } => {
            d.length = Some(e.length);
            d.entries = Some(&e.items);
            d.left_out = Some(e.length.saturating_sub(e.items.len() as u64));
        }
        ObjectKind::Instance(i) => {
            d.length = Some(i.length);
            d.left_out = Some(obj.kind.attributes_left_out());
        }
        ObjectKind::Exception(e) => {
            d.fields = vec![
                ("args", Field::Object(e.args)),
                ("__cause__", Field::Object(e.cause)),
                ("__context__", Field::Object(e.context)),
                ("__suppress_context__", Field::Bool(e.suppress_context)),
                ("__notes__", Field::Object(e.notes)),
                ("__traceback__", Field::Object(e.traceback)),
            ];
            d.traceback = match e.traceback.and_then(|t| graph.get(t)).map(|o| &o.kind) {
                Some(ObjectKind::Traceback(t)) => Some(&t.entries),
                _ => None,
            };
        }
        ObjectKind::Traceback(t) => d.traceback = Some(&t.entries),
        ObjectKind::Generator(g) => {
            d.state = Some(g.state);
            d.frame = g.frame.as_ref();
        }
        ObjectKind::Function(f) => {
            d.fields = vec![
                ("__name__", Field::Text(Some(&f.name))),
                ("__qualname__", Field::Text(Some(&f.qualname))),
                ("__module__", Field::Text(f.module.as_deref())),
                ("__code__", Field::Object(f.code)),
                ("__defaults__", Field::Object(f.defaults)),
                ("__kwdefaults__", Field::Object(f.kwdefaults)),
                ("__closure__", Field::Object(f.closure)),
            ];
        }
        ObjectKind::Type(t) => {
            d.fields = vec![
                ("__name__", Field::Text(Some(&t.name))),
                ("__qualname__", Field::Text(Some(&t.qualname))),
                ("__module__", Field::Text(Some(&t.module))),
                ("__bases__", Field::Objects(&t.bases)),
                ("__mro__", Field::Objects(&t.mro)),
            ];
            if let Some(dict) = t.dict {
                d.fields.push(("__dict__", Field::Object(Some(dict))));
            }
        }
        ObjectKind::Module(m) => {
            d.fields = vec![
                ("__name__", Field::Text(Some(&m.name))),
                ("__file__", Field::Text(m.file.as_deref())),
            ];
            if let Some(globals) = m.globals {
                d.fields.push(("__dict__", Field::Object(Some(globals))));
            }
        }
        ObjectKind::Unreadable { reason } | ObjectKind::NotRead { reason } => {
            d.reason = Some(reason.clone());
        }
        ObjectKind::Opaque => {
            d.reason = Some(format!("objects of type {} are not decoded", obj.type_name));
        }
        ObjectKind::Redacted { .. } => {
            d.reason = Some("redacted: a name it was held under looks secret".into());
        }
        _ => {}
    }
    d
}
