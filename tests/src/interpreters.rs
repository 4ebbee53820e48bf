//! The interpreters the tests expect, and how to find (or prepare) each.
//!
//! The set is explicit ([`EXPECTED`]): one that isn't installed is reported as `MISSING: …`
//! and fails its tests unless `HD_ALLOW_MISSING=1` (see the crate docs).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cache::{cached_file, Fnv};

/// How one expected interpreter is found.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// `$PYENV_ROOT/versions/3.MINOR.*/bin/python3.MINOR`, the highest patch level.
    Pyenv { minor: u32 },
    /// A fixed path (Debian's packages).
    System { path: &'static str },
    /// A pyenv install run with `LD_LIBRARY_PATH` pointing at a `strip --strip-all` copy of
    /// its `libpython3.MINOR.so.1.0` under `target/hd-stripped/`.
    StrippedLibpython { minor: u32 },
}

/// One expected interpreter.
#[derive(Debug, Clone, Copy)]
pub struct Expected {
    /// Test-module name, also the directory under `target/hd-cores/`.
    pub key: &'static str,
    pub source: Source,
    /// What is special about it, for the test output.
    pub about: &'static str,
}

/// Every interpreter the tests expect; the same keys as [`crate::for_each_interpreter`].
pub const EXPECTED: &[Expected] = &[
    Expected {
        key: "pyenv_3_8",
        source: Source::Pyenv { minor: 8 },
        about: "pyenv CPython 3.8, shared libpython",
    },
    Expected {
        key: "pyenv_3_9",
        source: Source::Pyenv { minor: 9 },
        about: "pyenv CPython 3.9, shared libpython",
    },
    Expected {
        key: "pyenv_3_10",
        source: Source::Pyenv { minor: 10 },
        about: "pyenv CPython 3.10, shared libpython",
    },
    Expected {
        key: "pyenv_3_11",
        source: Source::Pyenv { minor: 11 },
        about: "pyenv CPython 3.11, shared libpython",
    },
    Expected {
        key: "pyenv_3_12",
        source: Source::Pyenv { minor: 12 },
        about: "pyenv CPython 3.12, shared libpython",
    },
    Expected {
        key: "pyenv_3_13",
        source: Source::Pyenv { minor: 13 },
        about: "pyenv CPython 3.13, shared libpython",
    },
    Expected {
        key: "debian_3_11",
        source: Source::System {
            path: "/usr/bin/python3.11",
        },
        about: "Debian's python3.11: stripped, interpreter linked into the executable, non-PIE",
    },
    Expected {
        key: "debian_3_11d",
        source: Source::System {
            path: "/usr/bin/python3.11d",
        },
        about: "Debian's python3.11-dbg: debug build (Py_DEBUG layouts)",
    },
    Expected {
        key: "stripped_3_8",
        source: Source::StrippedLibpython { minor: 8 },
        about: "pyenv CPython 3.8 with a strip --strip-all copy of libpython",
    },
    Expected {
        key: "stripped_3_12",
        source: Source::StrippedLibpython { minor: 12 },
        about: "pyenv CPython 3.12 with a strip --strip-all copy of libpython",
    },
];

/// An interpreter that was found, ready to run samples.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub key: &'static str,
    pub about: &'static str,
    /// The executable to run.
    pub python: PathBuf,
    /// Environment to set when running it (`LD_LIBRARY_PATH` for the stripped variants).
    pub env: Vec<(String, String)>,
    /// The stripped libpython copy that must be the one mapped, for the stripped variants.
    pub stripped_library: Option<PathBuf>,
    /// The file that holds the interpreter (`python.library` in hdconvert's output):
    /// libpython for shared builds, else the executable.
    pub library: PathBuf,
    /// Files whose identity (path, size, mtime) keys the core cache.
    pub identity: Vec<PathBuf>,
}

impl Interpreter {
    /// Hash of what makes this interpreter's cores: its files and how it is run.
    pub fn fingerprint(&self, hash: &mut Fnv) {
        hash.bytes(self.key.as_bytes());
        hash.file_identity(&self.python);
        for file in &self.identity {
            hash.file_identity(file);
        }
        // How it is run: the flags and environment of `command`, not only `env`.
        let command = self.command();
        for arg in command.get_args() {
            hash.bytes(arg.as_encoded_bytes());
        }
        for (name, value) in command.get_envs() {
            hash.bytes(name.as_encoded_bytes());
            hash.bytes(value.map(|v| v.as_encoded_bytes()).unwrap_or(b"<removed>"));
        }
    }

    /// A `Command` running this interpreter (flags: ignore `PYTHON*` variables and the user
    /// site, write no `.pyc` into the source tree).
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.python);
        command.args(["-E", "-s", "-B"]);
        command
            .env_remove("LD_LIBRARY_PATH")
            .env_remove("LD_PRELOAD")
            // glibc reserves a 64 MiB malloc arena per thread, and gcore writes each out in
            // full (a 1 GB core for the threads sample); one arena keeps cores ~10x smaller.
            .env("MALLOC_ARENA_MAX", "1");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// For the stripped variants: checks that the process maps the stripped copy of libpython
    /// and not the original.
    pub fn check_mapped(&self, pid: u32) -> Result<(), String> {
        let Some(stripped) = &self.stripped_library else {
            return Ok(());
        };
        let maps = fs::read_to_string(format!("/proc/{pid}/maps"))
            .map_err(|e| format!("reading /proc/{pid}/maps: {e}"))?;
        let wanted = stripped.to_string_lossy();
        let libpython: Vec<&str> = maps.lines().filter(|l| l.contains("libpython")).collect();
        if libpython.iter().any(|l| l.ends_with(wanted.as_ref()))
            && !libpython.iter().any(|l| !l.ends_with(wanted.as_ref()))
        {
            Ok(())
        } else {
            Err(format!(
                "{}: process {pid} does not map (only) {wanted}; its libpython lines:\n{}",
                self.key,
                libpython.join("\n")
            ))
        }
    }
}

fn pyenv_root() -> PathBuf {
    std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.pyenv"))
}

/// `$PYENV_ROOT/versions/3.MINOR.PATCH` with the highest PATCH whose python exists.
fn pyenv_install(minor: u32) -> Result<(PathBuf, PathBuf), String> {
    let versions = pyenv_root().join("versions");
    let entries =
        fs::read_dir(&versions).map_err(|e| format!("cannot list {}: {e}", versions.display()))?;
    let prefix = format!("3.{minor}.");
    let mut best: Option<(u32, PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(patch) = name
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let python = entry.path().join("bin").join(format!("python3.{minor}"));
        if python.is_file() && best.as_ref().is_none_or(|(b, _)| patch > *b) {
            best = Some((patch, entry.path()));
        }
    }
    match best {
        Some((_, dir)) => {
            let python = dir.join("bin").join(format!("python3.{minor}"));
            Ok((dir, python))
        }
        None => Err(format!(
            "no {}/3.{minor}.*/bin/python3.{minor}",
            versions.display()
        )),
    }
}

/// Finds (and for the stripped variants prepares) the expected interpreter `key`.
/// The error says why it is missing.
pub fn interpreter(key: &str) -> Result<Interpreter, String> {
    let expected = EXPECTED
        .iter()
        .find(|e| e.key == key)
        .ok_or_else(|| format!("{key} is not an expected interpreter"))?;
    match expected.source {
        Source::Pyenv { minor } => {
            let (dir, python) = pyenv_install(minor)?;
            let library = dir.join("lib").join(format!("libpython3.{minor}.so.1.0"));
            Ok(Interpreter {
                key: expected.key,
                about: expected.about,
                python,
                env: vec![],
                stripped_library: None,
                library,
                identity: vec![],
            })
        }
        Source::System { path } => {
            let python = PathBuf::from(path);
            if !python.is_file() {
                return Err(format!("{path} does not exist"));
            }
            Ok(Interpreter {
                key: expected.key,
                about: expected.about,
                library: python.clone(),
                python,
                env: vec![],
                stripped_library: None,
                identity: vec![],
            })
        }
        Source::StrippedLibpython { minor } => {
            let (dir, python) = pyenv_install(minor)?;
            let name = format!("libpython3.{minor}.so.1.0");
            let original = dir.join("lib").join(&name);
            if !original.is_file() {
                return Err(format!(
                    "{} does not exist (not a --enable-shared build)",
                    original.display()
                ));
            }
            let version = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let copy_dir = crate::target_dir().join("hd-stripped").join(&version);
            let copy = copy_dir.join(&name);
            strip_copy(&original, &copy)?;
            let interpreter = Interpreter {
                key: expected.key,
                about: expected.about,
                python,
                env: vec![(
                    "LD_LIBRARY_PATH".into(),
                    copy_dir.to_string_lossy().into_owned(),
                )],
                stripped_library: Some(copy.clone()),
                library: copy.clone(),
                identity: vec![original],
            };
            check_ldd(&interpreter, &copy)?;
            Ok(interpreter)
        }
    }
}

/// `strip --strip-all` copy of `original` at `copy`, made once (cached, parallel-safe), and
/// remade when the original is newer.
fn strip_copy(original: &Path, copy: &Path) -> Result<(), String> {
    let stale = match (
        fs::metadata(original).and_then(|m| m.modified()),
        fs::metadata(copy).and_then(|m| m.modified()),
    ) {
        (Ok(o), Ok(c)) => o > c,
        _ => false,
    };
    if stale {
        let _ = fs::remove_file(copy);
    }
    cached_file(copy, |temporary| {
        let out = Command::new("strip")
            .arg("--strip-all")
            .arg("-o")
            .arg(temporary)
            .arg(original)
            .output()
            .map_err(|e| format!("cannot run strip (binutils): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "strip --strip-all {} failed: {}",
                original.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let (before, after) = (
            fs::metadata(original).map(|m| m.len()).unwrap_or(0),
            fs::metadata(temporary).map(|m| m.len()).unwrap_or(0),
        );
        if after == 0 || after >= before {
            return Err(format!(
                "strip made {} bytes out of {before}: not stripped?",
                after
            ));
        }
        Ok(())
    })
}

/// Checks with `ldd` (which honours `LD_LIBRARY_PATH`) that the copy is what gets loaded.
fn check_ldd(interpreter: &Interpreter, copy: &Path) -> Result<(), String> {
    let mut command = Command::new("ldd");
    command.arg(&interpreter.python);
    for (name, value) in &interpreter.env {
        command.env(name, value);
    }
    let out = command
        .output()
        .map_err(|e| format!("cannot run ldd: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text
        .lines()
        .any(|l| l.contains("libpython") && l.contains(copy.to_string_lossy().as_ref()))
    {
        Ok(())
    } else {
        Err(format!(
            "ldd {} with {:?} does not load {}:\n{text}",
            interpreter.python.display(),
            interpreter.env,
            copy.display()
        ))
    }
}
