//! Redaction: values whose names look secret are replaced, in the dump, by a marker that keeps
//! their type and length. Names are those of locals, attributes, dict keys (str) and
//! environment variables.

use std::collections::{BTreeSet, HashSet};

use regex::Regex;

use crate::model::{IntValue, ObjId, ObjectKind, Snapshot};

/// Whether `kind` is one of CPython's shared constants: the singletons and the cached small
/// ints (-5..=256). One object stands for every use of such a value, so redacting it would
/// hide `None`, `True` or `0` wherever they appear, and the value tells nothing secret.
fn is_shared_constant(kind: &ObjectKind) -> bool {
    match kind {
        ObjectKind::None | ObjectKind::Ellipsis | ObjectKind::NotImplemented => true,
        ObjectKind::Bool(_) => true,
        ObjectKind::Int(IntValue::Decimal(d)) => {
            d.parse::<i16>().is_ok_and(|v| (-5..=256).contains(&v))
        }
        _ => false,
    }
}

/// The names redacted by default (matched case-insensitively, anywhere in the name).
pub const DEFAULT_SECRET_PATTERN: &str =
    "password|passwd|secret|token|api_?key|apikey|auth|credential|cookie|session|private_?key";

/// What to redact.
#[derive(Debug, Clone)]
pub struct Redactor {
    re: Regex,
    pattern: String,
}

impl Redactor {
    /// A redactor for names matching `pattern` (a regular expression, case-insensitive).
    pub fn new(pattern: &str) -> Result<Redactor, String> {
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                format!("the redaction pattern {pattern:?} is not a valid regular expression: {e}")
            })?;
        Ok(Redactor {
            re,
            pattern: pattern.to_string(),
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn is_secret(&self, name: &str) -> bool {
        self.re.is_match(name)
    }

    /// Redacts `snap` in place: replaces each secret value by a [`ObjectKind::Redacted`]
    /// marker and each secret environment value by a marker text. Returns the names
    /// redacted (sorted, once each) and how many values were replaced.
    pub fn apply(&self, snap: &mut Snapshot) -> (Vec<String>, u64) {
        let mut names = BTreeSet::new();
        let mut secret: HashSet<ObjId> = HashSet::new();
        let objects = &snap.objects;
        let mut mark = |name: &str, id: ObjId, names: &mut BTreeSet<String>| {
            let shared = objects.get(id).is_some_and(|o| is_shared_constant(&o.kind));
            if !shared && self.is_secret(name) {
                names.insert(name.to_string());
                secret.insert(id);
            }
        };
        for f in snap.frames() {
            for l in f.locals.iter().flatten() {
                mark(&l.name, l.value, &mut names);
            }
        }
        let key_text = |id: ObjId| match snap.objects.get(id).map(|o| &o.kind) {
            Some(ObjectKind::Str { text, .. }) => Some(text.to_string_lossy()),
            _ => None,
        };
        for o in snap.objects.iter() {
            if let Some(attrs) = o.kind.attributes() {
                for (n, v) in attrs {
                    mark(n, *v, &mut names);
                }
            }
            let entries = match &o.kind {
                ObjectKind::Dict(e) | ObjectKind::Counter(e) => Some(e),
                ObjectKind::OrderedDict { entries, .. }
                | ObjectKind::DefaultDict { entries, .. } => Some(entries),
                _ => None,
            };
            for (k, v) in entries.map(|e| e.items.as_slice()).unwrap_or_default() {
                if let Some(key) = key_text(*k) {
                    mark(&key, *v, &mut names);
                }
            }
        }
        let mut values = 0u64;
        for o in snap.objects.iter_mut() {
            if secret.contains(&o.id) {
                o.kind = ObjectKind::Redacted {
                    length: o.kind.length(),
                };
                values += 1;
            }
        }
        if let Some(env) = &mut snap.process.environ {
            for (name, value) in env.iter_mut() {
                if self.is_secret(name) {
                    names.insert(name.clone());
                    *value = format!("<redacted: {} chars>", value.chars().count());
                    values += 1;
                }
            }
        }
        (names.into_iter().collect(), values)
    }
}
