//! Making cores of the samples, cached under `target/hd-cores/<interpreter>/`.
//!
//! An entry `<sample>-<mode>-<hash>/` holds `core`, the sample's `truth.json`, its stdout and
//! stderr; the hash covers the interpreter's files (path, size, mtime), how it is run, both
//! the sample's and `hdsample.py`'s source and [`GENERATION`]. `abort` entries hold a kernel
//! core, `park` entries a `gcore` one. Readiness comes through the sample's stdout (`ready`),
//! never a sleep; every process we start has a watchdog and dies with its parent thread.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::cache::{cached_dir, cached_file, Fnv};
use crate::interpreters::Interpreter;
use crate::truth::Truth;

/// Bump when the way cores are made changes, to drop every cached entry.
pub const GENERATION: &str = "hd-cores v1";

/// How long a sample, gcore or hdconvert may take before its watchdog kills it.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// A cached core with the truth its process recorded.
#[derive(Debug, Clone)]
pub struct CoreEntry {
    pub dir: PathBuf,
    pub core: PathBuf,
    pub truth: Truth,
    /// Whether this call made the core (false: it came from the cache).
    pub made: bool,
}

/// Kills a process if not dropped within its timeout.
pub struct Watchdog {
    disarm: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    pub fn new(pid: u32, timeout: Duration, what: String) -> Watchdog {
        let (disarm, rx) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                eprintln!("TIMEOUT: killing {what} (pid {pid}) after {timeout:?}");
                // SAFETY: plain syscall; the process is our unreaped child, so the pid is still its.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        });
        Watchdog {
            disarm: Some(disarm),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.disarm.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Core dumps unlimited and death with the parent thread, in the child before exec.
fn prepare_child(command: &mut Command, allow_core: bool) {
    // SAFETY: only async-signal-safe calls (setrlimit, getrlimit, prctl) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if allow_core {
                let unlimited = libc::rlimit {
                    rlim_cur: libc::RLIM_INFINITY,
                    rlim_max: libc::RLIM_INFINITY,
                };
                if libc::setrlimit(libc::RLIMIT_CORE, &unlimited) != 0 {
                    let mut current = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    if libc::getrlimit(libc::RLIMIT_CORE, &mut current) == 0 {
                        current.rlim_cur = current.rlim_max;
                        libc::setrlimit(libc::RLIMIT_CORE, &current);
                    }
                }
            }
            libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            );
            Ok(())
        });
    }
}

/// Fails, saying what to set, unless kernel cores land as files in the process's cwd.
pub fn check_core_pattern() -> Result<(), String> {
    let pattern = fs::read_to_string("/proc/sys/kernel/core_pattern")
        .map_err(|e| format!("reading /proc/sys/kernel/core_pattern: {e}"))?;
    let pattern = pattern.trim();
    let fix = "kernel cores must be written as a file in the crashing process's cwd; as root run \
               `echo core > /proc/sys/kernel/core_pattern` (or `sysctl -w kernel.core_pattern=core`)";
    if pattern.starts_with('|') {
        Err(format!(
            "/proc/sys/kernel/core_pattern is a pipe to a program ({pattern}): {fix}"
        ))
    } else if pattern.starts_with('/') {
        Err(format!(
            "/proc/sys/kernel/core_pattern is an absolute path ({pattern}): {fix}"
        ))
    } else if pattern.is_empty() {
        Err(format!("/proc/sys/kernel/core_pattern is empty: {fix}"))
    } else {
        Ok(())
    }
}

pub fn sample_path(sample: &str) -> PathBuf {
    crate::samples_dir().join(format!("{sample}.py"))
}

fn entry_dir(interpreter: &Interpreter, sample: &str, mode: &str) -> PathBuf {
    let mut hash = Fnv::default();
    hash.bytes(GENERATION.as_bytes()).bytes(mode.as_bytes());
    interpreter.fingerprint(&mut hash);
    hash.file_content(&sample_path(sample));
    hash.file_content(&crate::samples_dir().join("hdsample.py"));
    crate::target_dir()
        .join("hd-cores")
        .join(interpreter.key)
        .join(format!("{sample}-{mode}-{}", hash.hex()))
}

fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (_, Some(signal)) => format!(
            "signal {signal}{}",
            if status.core_dumped() {
                " (core dumped)"
            } else {
                ""
            }
        ),
        _ => format!("{status}"),
    }
}

fn wait(child: &mut Child, what: &str) -> Result<ExitStatus, String> {
    let _watchdog = Watchdog::new(child.id(), TIMEOUT, what.to_string());
    child.wait().map_err(|e| format!("waiting for {what}: {e}"))
}

fn sample_command(
    interpreter: &Interpreter,
    sample: &str,
    dir: &Path,
    mode: &str,
) -> Result<Command, String> {
    let mut command = interpreter.command();
    command
        .arg(sample_path(sample))
        .arg("--truth")
        .arg(dir.join("truth.json"))
        .arg("--mode")
        .arg(mode)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(
            File::create(dir.join("python.stderr"))
                .map_err(|e| format!("creating python.stderr: {e}"))?,
        );
    Ok(command)
}

fn load_truth(dir: &Path, pid: u32) -> Result<Truth, String> {
    let truth = Truth::load(&dir.join("truth.json"))?;
    if truth.pid != pid {
        return Err(format!(
            "truth in {} is of pid {}, the process was {pid}",
            dir.display(),
            truth.pid
        ));
    }
    Ok(truth)
}

fn log_made(interpreter: &Interpreter, sample: &str, what: &str, started: Instant, core: &Path) {
    let size = fs::metadata(core).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "made {what} core of {sample} on {} in {:.2}s ({:.1} MB): {}",
        interpreter.key,
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6,
        core.display()
    );
}

/// Removes the entries of the same sample and mode with other hashes (made from older sources
/// or interpreters): the cache holds gigabytes.
fn prune_siblings(dir: &Path) {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name().and_then(|n| n.to_str()))
    else {
        return;
    };
    let Some((stem, _hash)) = name.rsplit_once('-') else {
        return;
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for sibling in entries.flatten() {
        let other = sibling.file_name().to_string_lossy().into_owned();
        let other_stem = other.trim_end_matches(".lock").trim_end_matches(".tmp");
        if other_stem.rsplit_once('-').map(|(s, _)| s) == Some(stem) && !other.starts_with(name) {
            let path = sibling.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

fn entry(dir: PathBuf, made: bool) -> Result<CoreEntry, String> {
    if made {
        prune_siblings(&dir);
    }
    let truth = Truth::load(&dir.join("truth.json"))?;
    Ok(CoreEntry {
        core: dir.join("core"),
        dir,
        truth,
        made,
    })
}

/// The kernel core of `sample` run with `--mode abort`: its main thread calls `os.abort()`.
pub fn kernel_core(interpreter: &Interpreter, sample: &str) -> Result<CoreEntry, String> {
    let dir = entry_dir(interpreter, sample, "abort");
    let made = cached_dir(&dir, |tmp| {
        // Only making a kernel core needs the pattern; a cached one is read whatever it is.
        check_core_pattern()?;
        let started = Instant::now();
        let mut command = sample_command(interpreter, sample, tmp, "abort")?;
        command.stdout(
            File::create(tmp.join("python.stdout"))
                .map_err(|e| format!("creating python.stdout: {e}"))?,
        );
        prepare_child(&mut command, true);
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", interpreter.python.display()))?;
        let pid = child.id();
        let status = wait(&mut child, &format!("{sample} on {}", interpreter.key))?;
        if status.signal() != Some(libc::SIGABRT) {
            return Err(format!(
                "{sample} on {} ended with {} instead of SIGABRT; its stderr:\n{}",
                interpreter.key,
                describe(status),
                read_lossy(&tmp.join("python.stderr"))
            ));
        }
        load_truth(tmp, pid)?;
        let known = ["truth.json", "python.stdout", "python.stderr"];
        let mut cores: Vec<PathBuf> = fs::read_dir(tmp)
            .map_err(|e| format!("listing {}: {e}", tmp.display()))?
            .flatten()
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .filter(|e| !known.contains(&e.file_name().to_string_lossy().as_ref()))
            .map(|e| e.path())
            .collect();
        cores.sort();
        let Some(core) = cores.first() else {
            return Err(format!(
                "{sample} on {} aborted ({}) but left no core in {}; check `ulimit -c` (the tests set \
                 RLIMIT_CORE unlimited, which needs a hard limit that allows it) and /proc/sys/kernel/core_pattern",
                interpreter.key,
                describe(status),
                tmp.display()
            ));
        };
        fs::rename(core, tmp.join("core"))
            .map_err(|e| format!("renaming {}: {e}", core.display()))?;
        log_made(interpreter, sample, "kernel", started, &tmp.join("core"));
        Ok(())
    })?;
    entry(dir, made)
}

/// A sample run with `--mode park` that has printed `ready`; killed when dropped.
pub struct Parked {
    child: Child,
    pub pid: u32,
    pub truth: Truth,
    _watchdog: Watchdog,
}

impl Drop for Parked {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `sample` with `--mode park` with its files in `dir`, and waits for its `ready`.
pub fn spawn_parked(interpreter: &Interpreter, sample: &str, dir: &Path) -> Result<Parked, String> {
    let mut command = sample_command(interpreter, sample, dir, "park")?;
    command.stdout(Stdio::piped());
    prepare_child(&mut command, false);
    let mut child = command
        .spawn()
        .map_err(|e| format!("starting {}: {e}", interpreter.python.display()))?;
    let pid = child.id();
    let watchdog = Watchdog::new(
        pid,
        TIMEOUT,
        format!("parked {sample} on {}", interpreter.key),
    );
    let checked = child
        .stdout
        .take()
        .ok_or_else(|| "no stdout pipe".to_string())
        .and_then(|stdout| {
            let mut line = String::new();
            match BufReader::new(stdout).read_line(&mut line) {
                Ok(_) if line == "ready\n" => Ok(()),
                Ok(_) => Err(format!("it printed {line:?} instead of \"ready\\n\"")),
                Err(e) => Err(format!("reading its stdout: {e}")),
            }
        })
        .and_then(|()| wait_blocked(pid))
        .and_then(|()| load_truth(dir, pid))
        .and_then(|truth| {
            interpreter.check_mapped(pid)?;
            for thread in &truth.threads {
                if let Some(tid) = thread.native_id {
                    if !Path::new(&format!("/proc/{pid}/task/{tid}")).exists() {
                        return Err(format!(
                            "truth names thread {tid} ({}), which /proc/{pid}/task doesn't list",
                            thread.role
                        ));
                    }
                }
            }
            Ok(truth)
        });
    match checked {
        Ok(truth) => Ok(Parked {
            child,
            pid,
            truth,
            _watchdog: watchdog,
        }),
        Err(why) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!(
                "{sample} (park) on {}: {why}; its stderr:\n{}",
                interpreter.key,
                read_lossy(&dir.join("python.stderr"))
            ))
        }
    }
}

/// Waits until the kernel shows the main thread of `pid` in a futex wait. The sample prints
/// `ready` and then blocks on a lock, both in C on the same line, so its Python state no longer
/// changes once `ready` is read; this closes the last gap, in which it may still hold the GIL.
/// It watches a kernel state, not a clock: no sleep.
fn wait_blocked(pid: u32) -> Result<(), String> {
    let path = format!("/proc/{pid}/task/{pid}/syscall");
    let futex = libc::SYS_futex.to_string();
    let started = Instant::now();
    loop {
        let text = fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
        if text.split_whitespace().next() == Some(futex.as_str()) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!(
                "its main thread printed ready but isn't blocked in futex after a minute ({path}: {})",
                text.trim()
            ));
        }
        thread::yield_now();
    }
}

/// The `gcore` core of `sample` run with `--mode park`.
pub fn gcore(interpreter: &Interpreter, sample: &str) -> Result<CoreEntry, String> {
    let dir = entry_dir(interpreter, sample, "park");
    let made = cached_dir(&dir, |tmp| {
        let started = Instant::now();
        let parked = spawn_parked(interpreter, sample, tmp)?;
        let log =
            File::create(tmp.join("gcore.log")).map_err(|e| format!("creating gcore.log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let mut gcore = Command::new("gcore");
        gcore
            .arg("-o")
            .arg(tmp.join("gcore"))
            .arg(parked.pid.to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        prepare_child(&mut gcore, false);
        let mut child = gcore
            .spawn()
            .map_err(|e| format!("cannot run gcore (from gdb): {e}"))?;
        let status = wait(&mut child, "gcore")?;
        let written = tmp.join(format!("gcore.{}", parked.pid));
        if !status.success() || !written.is_file() {
            return Err(format!(
                "gcore -o {} {} failed ({}):\n{}",
                tmp.join("gcore").display(),
                parked.pid,
                describe(status),
                read_lossy(&tmp.join("gcore.log"))
            ));
        }
        drop(parked);
        fs::rename(&written, tmp.join("core"))
            .map_err(|e| format!("renaming {}: {e}", written.display()))?;
        log_made(interpreter, sample, "gcore", started, &tmp.join("core"));
        Ok(())
    })?;
    entry(dir, made)
}

static LIVE_COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs `sample` with `--mode park` and calls `read(pid, truth)` while it is parked; the
/// process is killed afterwards.
pub fn live<T>(
    interpreter: &Interpreter,
    sample: &str,
    read: impl FnOnce(u32, &Truth) -> T,
) -> Result<T, String> {
    let dir = crate::target_dir()
        .join("hd-cores")
        .join(interpreter.key)
        .join("live")
        .join(format!(
            "{sample}-{}-{}",
            std::process::id(),
            LIVE_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let parked = spawn_parked(interpreter, sample, &dir)?;
    let result = read(parked.pid, &parked.truth);
    drop(parked);
    let _ = fs::remove_dir_all(&dir);
    Ok(result)
}

/// A copy of `entry`'s core cut to `percent` % of its size (`core.<percent>`).
pub fn truncated_core(entry: &CoreEntry, percent: u64) -> Result<PathBuf, String> {
    let size = fs::metadata(&entry.core)
        .map_err(|e| format!("{}: {e}", entry.core.display()))?
        .len();
    let path = entry.dir.join(format!("core.{percent}"));
    cut_copy(&entry.core, &path, size * percent / 100)?;
    Ok(path)
}

/// A copy of the first `bytes` bytes of `entry`'s core (`core.head<bytes>`).
pub fn core_head(entry: &CoreEntry, bytes: u64) -> Result<PathBuf, String> {
    let path = entry.dir.join(format!("core.head{bytes}"));
    cut_copy(&entry.core, &path, bytes)?;
    Ok(path)
}

fn cut_copy(from: &Path, to: &Path, bytes: u64) -> Result<(), String> {
    cached_file(to, |temporary| {
        let mut input = File::open(from)
            .map_err(|e| format!("{}: {e}", from.display()))?
            .take(bytes);
        let mut output =
            File::create(temporary).map_err(|e| format!("{}: {e}", temporary.display()))?;
        std::io::copy(&mut input, &mut output)
            .map_err(|e| format!("copying {}: {e}", from.display()))?;
        output.flush().map_err(|e| e.to_string())
    })
}

/// A kernel core of a process that isn't Python (`sleep`, killed with SIGABRT).
pub fn non_python_core() -> Result<PathBuf, String> {
    let sleep = Path::new("/bin/sleep");
    let mut hash = Fnv::default();
    hash.bytes(GENERATION.as_bytes()).file_identity(sleep);
    let dir = crate::target_dir()
        .join("hd-cores")
        .join("non-python")
        .join(format!("sleep-abort-{}", hash.hex()));
    cached_dir(&dir, |tmp| {
        check_core_pattern()?;
        let mut command = Command::new(sleep);
        command
            .arg("1000")
            .current_dir(tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        prepare_child(&mut command, true);
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting sleep: {e}"))?;
        // spawn() returns once exec succeeded: the process is `sleep` now.
        // SAFETY: plain syscall on our unreaped child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGABRT) };
        let status = wait(&mut child, "sleep")?;
        let core = fs::read_dir(tmp)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "sleep ended with {} but left no core in {}",
                    describe(status),
                    tmp.display()
                )
            })?;
        fs::rename(&core, tmp.join("core")).map_err(|e| e.to_string())
    })?;
    Ok(dir.join("core"))
}
