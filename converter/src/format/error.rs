//! Why a dump file could not be written or read.

use std::path::PathBuf;

/// A dump file that can't be used, or an I/O failure. Each message says what was wrong and
/// what to try.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    #[error("cannot {what} {path}: {source}. Check the path, the permissions and the free space.")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not an hd dump file: {why}. Give a file written by `hdconvert CORE -o FILE`, or a core dump to read directly.")]
    NotADump { path: PathBuf, why: String },

    #[error("{path} is an hd dump of format version {major}.{minor}, which this hdconvert (format {}.{}) cannot read. Use a newer hdconvert.", super::MAJOR, super::MINOR)]
    UnsupportedVersion {
        path: PathBuf,
        major: u16,
        minor: u16,
    },

    #[error("{path} is damaged: {why}. The file was truncated or altered after it was written; convert the core again if you can.")]
    Damaged { path: PathBuf, why: String },

    #[error("cannot encode the dump: {0}")]
    Encode(String),
}

impl FormatError {
    /// A stable identifier, the same in JSON output and the C ABI.
    pub fn code(&self) -> &'static str {
        match self {
            FormatError::Io { .. } => "dump_io",
            FormatError::NotADump { .. } => "not_a_dump",
            FormatError::UnsupportedVersion { .. } => "dump_version",
            FormatError::Damaged { .. } => "dump_damaged",
            FormatError::Encode(_) => "dump_encode",
        }
    }
}
