//! A file cache that several test processes can fill at once: an exclusive `flock` per entry,
//! the entry built under a temporary name and renamed into place, so an entry that exists is
//! complete.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// An exclusive lock on a file, released when dropped (closing the file releases it).
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Blocks until this process holds the lock on `path` (created if needed).
    pub fn exclusive(path: &Path) -> io::Result<FileLock> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        loop {
            // SAFETY: flock on a file descriptor we own; no memory is passed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(FileLock { _file: file });
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The directory `path`, built by `build` (given an empty directory to fill) if it doesn't
/// exist yet. Returns whether it was built by this call.
pub fn cached_dir(
    path: &Path,
    build: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<bool, String> {
    if path.is_dir() {
        return Ok(false);
    }
    let _lock = FileLock::exclusive(&with_suffix(path, ".lock"))
        .map_err(|e| format!("locking {}: {e}", path.display()))?;
    if path.is_dir() {
        return Ok(false); // another process built it while we waited
    }
    let temporary = with_suffix(path, ".tmp");
    if temporary.exists() {
        fs::remove_dir_all(&temporary)
            .map_err(|e| format!("removing {}: {e}", temporary.display()))?;
    }
    fs::create_dir_all(&temporary).map_err(|e| format!("creating {}: {e}", temporary.display()))?;
    build(&temporary)?;
    fs::rename(&temporary, path)
        .map_err(|e| format!("renaming {} into place: {e}", temporary.display()))?;
    Ok(true)
}

/// The file `path`, written by `build` (given the temporary path to write) if it doesn't exist.
pub fn cached_file(
    path: &Path,
    build: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    if path.is_file() {
        return Ok(());
    }
    let _lock = FileLock::exclusive(&with_suffix(path, ".lock"))
        .map_err(|e| format!("locking {}: {e}", path.display()))?;
    if path.is_file() {
        return Ok(());
    }
    let temporary = with_suffix(path, ".tmp");
    let _ = fs::remove_file(&temporary);
    build(&temporary)?;
    fs::rename(&temporary, path)
        .map_err(|e| format!("renaming {} into place: {e}", temporary.display()))
}

/// FNV-1a, 64 bits: stable across Rust versions, which `DefaultHasher` doesn't promise.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Length-terminated, so ("ab", "c") and ("a", "bc") differ.
        for b in (bytes.len() as u64).to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    /// A file's path, size and modification time (not its content: interpreters are big).
    pub fn file_identity(&mut self, path: &Path) -> &mut Self {
        self.bytes(path.as_os_str().as_encoded_bytes());
        match fs::metadata(path) {
            Ok(meta) => {
                use std::os::unix::fs::MetadataExt;
                self.bytes(&meta.len().to_le_bytes());
                self.bytes(&meta.mtime().to_le_bytes());
                self.bytes(&meta.mtime_nsec().to_le_bytes())
            }
            Err(_) => self.bytes(b"missing"),
        }
    }

    /// A file's path and content.
    pub fn file_content(&mut self, path: &Path) -> &mut Self {
        self.bytes(path.as_os_str().as_encoded_bytes());
        match fs::read(path) {
            Ok(content) => self.bytes(&content),
            Err(_) => self.bytes(b"missing"),
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}
