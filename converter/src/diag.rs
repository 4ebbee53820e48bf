//! Diagnostics: everything that was skipped, guessed or damaged, as data.
//!
//! Best effort is the default: a reader that can't read something records a diagnostic and
//! goes on; `--strict` turns diagnostics into a failure at the CLI.

use serde::Serialize;

/// How much a diagnostic matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// How something was found; the result is complete.
    Info,
    /// Something was skipped, guessed or damaged; the result may be incomplete.
    Warning,
}

/// One thing the user should know about the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable identifier (`segment_missing`, `file_missing`, ...), also used in JSON and the C ABI.
    pub code: std::borrow::Cow<'static, str>,
    pub level: Level,
    /// One sentence for people.
    pub message: String,
    /// The address it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_addr")]
    pub address: Option<u64>,
}

fn ser_addr<S: serde::Serializer>(a: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match a {
        Some(a) => s.serialize_str(&format!("{a:#x}")),
        None => s.serialize_none(),
    }
}

impl Diagnostic {
    /// A warning: the result may be incomplete.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code: std::borrow::Cow::Borrowed(code),
            level: Level::Warning,
            message: message.into(),
            address: None,
        }
    }

    /// Information on how something was found.
    pub fn info(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Info,
            ..Diagnostic::new(code, message)
        }
    }

    pub fn is_warning(&self) -> bool {
        self.level == Level::Warning
    }

    pub fn at(mut self, address: u64) -> Self {
        self.address = Some(address);
        self
    }
}

/// An ordered collection of diagnostics that drops exact repeats and stops growing at a cap.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    dropped: usize,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        if self.items.contains(&d) {
            return;
        }
        if self.items.len() >= crate::limits::MAX_DIAGNOSTICS {
            self.dropped += 1;
            return;
        }
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        let dropped = other.dropped;
        for d in other.items {
            self.push(d);
        }
        self.dropped += dropped;
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// The diagnostics, with one more saying how many were dropped at the cap.
    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.items.push(Diagnostic::new(
                "limit_reached",
                format!("{} more diagnostics were left out", self.dropped),
            ));
        }
        self.items
    }
}
