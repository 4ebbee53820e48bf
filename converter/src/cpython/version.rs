//! Which CPython the process ran, and how we know.

use std::fmt;

/// A CPython version as `PY_VERSION_HEX` encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion {
    pub major: u8,
    pub minor: u8,
    /// `None` when only major.minor is known (from a library name).
    pub micro: Option<u8>,
    /// 0xA alpha, 0xB beta, 0xC release candidate, 0xF final.
    pub level: u8,
    pub serial: u8,
}

impl PyVersion {
    pub fn from_hex(hex: u64) -> PyVersion {
        PyVersion {
            major: ((hex >> 24) & 0xff) as u8,
            minor: ((hex >> 16) & 0xff) as u8,
            micro: Some(((hex >> 8) & 0xff) as u8),
            level: ((hex >> 4) & 0xf) as u8,
            serial: (hex & 0xf) as u8,
        }
    }

    pub fn minor_only(major: u8, minor: u8) -> PyVersion {
        PyVersion {
            major,
            minor,
            micro: None,
            level: 0xf,
            serial: 0,
        }
    }

    /// Parses the start of `sys.version`: `3.9.18`, `3.13.0rc1`, `3.12.0b4+`.
    pub fn parse(text: &str) -> Option<PyVersion> {
        let mut parts = text.splitn(3, '.');
        let major: u8 = parts.next()?.parse().ok()?;
        let minor: u8 = parts.next()?.parse().ok()?;
        let rest = parts.next()?;
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let micro: u8 = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        let (level, serial) = [("a", 0xa), ("b", 0xb), ("rc", 0xc)]
            .iter()
            .find_map(|(p, l)| {
                let s = tail.strip_prefix(p)?;
                let n = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
                Some((*l, s[..n].parse().ok()?))
            })
            .unwrap_or((0xf, 0));
        Some(PyVersion {
            major,
            minor,
            micro: Some(micro),
            level,
            serial,
        })
    }

    /// Whether `major.minor` is in the range this build has tables for or can read through
    /// `_Py_DebugOffsets`.
    pub fn is_supported(&self) -> bool {
        self.major == 3 && self.minor >= 8
    }
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(m) = self.micro {
            write!(f, ".{m}")?;
            match self.level {
                0xa => write!(f, "a{}", self.serial)?,
                0xb => write!(f, "b{}", self.serial)?,
                0xc => write!(f, "rc{}", self.serial)?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// How the version was found (reported in `python.version_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSource {
    /// The `Py_Version` constant (3.11+), read from the dump or the library on disk.
    PyVersionSymbol,
    /// `_Py_DebugOffsets.version` (3.13+).
    DebugOffsets,
    /// The `sys.version` text that `Py_GetVersion` keeps in memory.
    VersionString,
    /// The name of the library or executable (`libpython3.X.so`, `python3.X`).
    LibraryName,
    /// Given by the user.
    Option,
}

impl VersionSource {
    /// The name used in JSON (`python.version_source`).
    pub fn as_str(self) -> &'static str {
        match self {
            VersionSource::PyVersionSymbol => "Py_Version",
            VersionSource::DebugOffsets => "debug_offsets",
            VersionSource::VersionString => "version_string",
            VersionSource::LibraryName => "library_name",
            VersionSource::Option => "option",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            VersionSource::PyVersionSymbol => "the Py_Version constant",
            VersionSource::DebugOffsets => "_Py_DebugOffsets.version at the start of _PyRuntime",
            VersionSource::VersionString => "the sys.version text in the process's memory",
            VersionSource::LibraryName => {
                "the name of the Python library or executable (major.minor only)"
            }
            VersionSource::Option => "the --python-version option",
        }
    }
}

/// `(major, minor)` from a file name like `libpython3.11.so.1.0`, `libpython3.13t.so` or
/// `python3.9`.
pub fn version_from_file_name(name: &str) -> Option<(u8, u8)> {
    let rest = name
        .strip_prefix("libpython")
        .or_else(|| name.strip_prefix("python"))?;
    let (major, rest) = rest.split_once('.')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    Some((major.parse().ok()?, rest[..digits].parse().ok()?))
}

/// Finds `sys.version` (`"3.9.18 (main, ...) [GCC ...]"`) in `bytes`: a version number followed
/// by ` (`, preceded by a NUL or the start.
pub fn find_version_string(bytes: &[u8]) -> Option<PyVersion> {
    let mut i = 0;
    while let Some(pos) = memchr_from(bytes, b'3', i) {
        i = pos + 1;
        if pos > 0 && bytes[pos - 1] != 0 {
            continue;
        }
        let window = &bytes[pos..bytes.len().min(pos + 32)];
        let Some(paren) = window.windows(2).position(|w| w == b" (") else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&window[..paren]) else {
            continue;
        };
        if text.len() < 5
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'+')
        {
            continue;
        }
        if let Some(v) = PyVersion::parse(text) {
            if v.major == 3 && v.minor <= 40 {
                return Some(v);
            }
        }
    }
    None
}

fn memchr_from(hay: &[u8], needle: u8, from: usize) -> Option<usize> {
    hay.get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_text() {
        assert_eq!(PyVersion::from_hex(0x030b07f0).to_string(), "3.11.7");
        assert_eq!(PyVersion::from_hex(0x030d00c1).to_string(), "3.13.0rc1");
        assert_eq!(
            PyVersion::parse("3.12.0b4+")
                .map(|v| v.to_string())
                .as_deref(),
            Some("3.12.0b4")
        );
        assert_eq!(
            version_from_file_name("libpython3.11.so.1.0"),
            Some((3, 11))
        );
        assert_eq!(version_from_file_name("libpython3.13t.so"), Some((3, 13)));
        assert_eq!(version_from_file_name("python3.9"), Some((3, 9)));
        assert_eq!(version_from_file_name("python"), None);
    }

    #[test]
    fn version_string_in_memory() {
        let mut mem = vec![0xffu8; 40];
        mem.extend_from_slice(b"\x003.10.13 (main, Jan  1 2024, 00:00:00) [GCC 12.2.0]\x00");
        assert_eq!(
            find_version_string(&mem).map(|v| v.to_string()).as_deref(),
            Some("3.10.13")
        );
        assert_eq!(find_version_string(b"x3.10.13 (main"), None);
    }
}
