//! The ground truth a sample writes about itself just before its core is taken
//! (`samples/hdsample.py`, `Sample.record`).
//!
//! ```json
//! {"python": {"version": "3.11.7", "hexversion": 51054576, "executable": "/…/python3.11"},
//!  "pid": 1234, "argv": ["…/values.py", "--truth", "…", "--mode", "abort"], "mode": "abort",
//!  "threads": [
//!   {"ident": 139…, "native_id": 1234, "name": "MainThread", "role": "main", "volatile": false,
//!    "holds_gil": true,
//!    "frames": [{"function": "main", "qualname": "main", "file": "…/values.py", "line": 135,
//!                "first_line": 130,
//!                "locals": {"x": {"type": "int", "repr": "1", "address": "0x…", "length": 3}}}]}]}
//! ```
//!
//! Frames are outermost first. `locals` is null for code without fast locals (module and class
//! bodies), else `dict(frame.f_locals)` in its order. `holds_gil` null means unknown. A
//! `volatile` thread keeps running: its innermost frame has `allowed_lines` and its locals have
//! null `type`, `repr` and `address`. `address` is `id()`; `length` is `len()` of strings,
//! bytes and builtin containers.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub python: TruthPython,
    pub pid: u32,
    pub argv: Vec<String>,
    pub mode: String,
    pub threads: Vec<TruthThread>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthPython {
    pub version: String,
    pub hexversion: u64,
    pub executable: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthThread {
    pub ident: u64,
    pub native_id: Option<u32>,
    pub name: Option<String>,
    pub role: String,
    pub volatile: bool,
    pub holds_gil: Option<bool>,
    pub frames: Vec<TruthFrame>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthFrame {
    pub function: String,
    pub qualname: String,
    pub file: String,
    pub line: Option<u32>,
    pub first_line: u32,
    #[serde(default)]
    pub allowed_lines: Option<Vec<u32>>,
    #[serde(deserialize_with = "ordered_locals")]
    pub locals: Option<Vec<(String, TruthValue)>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthValue {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub repr: Option<String>,
    pub address: Option<String>,
    #[serde(default)]
    pub length: Option<u64>,
}

/// A JSON object as a list of (name, value) in the file's order.
fn ordered_locals<'de, D: serde::Deserializer<'de>>(
    de: D,
) -> Result<Option<Vec<(String, TruthValue)>>, D::Error> {
    let map: Option<serde_json::Map<String, serde_json::Value>> = Option::deserialize(de)?;
    map.map(|m| {
        m.into_iter()
            .map(|(k, v)| {
                serde_json::from_value(v)
                    .map(|v| (k, v))
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    })
    .transpose()
}

impl Truth {
    pub fn load(path: &Path) -> Result<Truth, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading truth {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("parsing truth {}: {e}", path.display()))
    }

    pub fn main_thread(&self) -> Option<&TruthThread> {
        self.threads.iter().find(|t| t.role == "main")
    }

    /// Major and minor version, from `hexversion`.
    pub fn minor(&self) -> (u64, u64) {
        (
            self.python.hexversion >> 24,
            (self.python.hexversion >> 16) & 0xff,
        )
    }
}

impl TruthThread {
    pub fn label(&self) -> String {
        format!(
            "thread {} ({}, tid {})",
            self.role,
            self.name.as_deref().unwrap_or("unnamed"),
            self.native_id.map_or("?".into(), |n| n.to_string())
        )
    }
}

impl TruthFrame {
    pub fn label(&self) -> String {
        let file = self.file.rsplit('/').next().unwrap_or(&self.file);
        format!(
            "{} ({}:{})",
            self.qualname,
            file,
            self.line.map_or("?".into(), |l| l.to_string())
        )
    }
}
