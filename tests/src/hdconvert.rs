//! Finding and running `hdconvert`, and the types of `hdconvert show --json` (docs/json.md).
//! Unknown keys are ignored, as the schema asks of readers.

use crate::json::TracebackEntry;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::cores::{Watchdog, TIMEOUT};

/// The binary under test: `HD_BIN`, else the newer of `target/{debug,release}/hdconvert`.
pub fn hdconvert_bin() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("HD_BIN") {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!("HD_BIN={} is not a file", bin.display()))
        };
    }
    let target = crate::target_dir();
    let candidates: Vec<PathBuf> = ["debug", "release"]
        .iter()
        .map(|p| target.join(p).join("hdconvert"))
        .filter(|p| p.is_file())
        .collect();
    candidates
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .ok_or_else(|| {
            format!(
                "hdconvert is not built: neither {0}/debug/hdconvert nor {0}/release/hdconvert exists. \
                 Build it first (`cargo build -p hd --bin hdconvert`) or point HD_BIN at it.",
                target.display()
            )
        })
}

/// One run of `hdconvert`.
#[derive(Debug)]
pub struct HdRun {
    pub args: Vec<String>,
    /// Exit code; `None` when it died of a signal.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
}

impl HdRun {
    pub fn command_line(&self) -> String {
        format!("hdconvert {}", self.args.join(" "))
    }

    /// Parses stdout as `--json` output.
    pub fn json(&self) -> Result<Output, String> {
        serde_json::from_str(&self.stdout).map_err(|e| {
            let head: String = self.stdout.chars().take(300).collect();
            format!(
                "{}: stdout is not the JSON of docs/json.md ({e}); it starts with {head:?}; stderr: {}",
                self.command_line(),
                self.stderr.trim()
            )
        })
    }
}

impl HdRun {
    /// Parses stdout as `show --object ADDR --json` output.
    pub fn object_json(&self) -> Result<ObjectOutput, String> {
        ObjectOutput::parse(&self.stdout).map_err(|e| self.not_json(&e))
    }

    /// Parses stdout as `stats --json` output.
    pub fn stats_json(&self) -> Result<StatsOutput, String> {
        serde_json::from_str(&self.stdout).map_err(|e| self.not_json(&e.to_string()))
    }

    fn not_json(&self, why: &str) -> String {
        let head: String = self.stdout.chars().take(300).collect();
        format!(
            "{}: stdout is not the expected JSON ({why}); it starts with {head:?}; stderr: {}",
            self.command_line(),
            self.stderr.trim()
        )
    }
}

/// Runs `hdconvert ARGS…` (with a watchdog) and captures everything.
pub fn run_hdconvert(args: &[&str]) -> Result<HdRun, String> {
    use std::os::unix::process::ExitStatusExt;
    let bin = hdconvert_bin()?;
    let started = Instant::now();
    let child = Command::new(&bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", bin.display()))?;
    let watchdog = Watchdog::new(child.id(), TIMEOUT, format!("hdconvert {}", args.join(" ")));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
    drop(watchdog);
    Ok(HdRun {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        signal: out.status.signal(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        duration: started.elapsed(),
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct Output {
    pub schema: u32,
    pub producer: String,
    pub source: OutSource,
    pub python: Option<OutPython>,
    pub process: OutProcess,
    pub threads: Vec<OutThread>,
    /// Generators, coroutines and async generators that haven't finished; `None` when the key
    /// is absent (a converter from before the object graph).
    #[serde(default)]
    pub suspended: Option<Vec<OutGenerator>>,
    /// `--globals`: the roots shown besides the threads.
    #[serde(default)]
    pub roots: Option<Vec<OutRoot>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One entry of `suspended[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct OutGenerator {
    pub kind: String,
    pub name: String,
    pub qualname: String,
    pub state: String,
    pub address: String,
    pub frames: Vec<OutFrame>,
    /// What it delegates to, or for a task what it waits on.
    #[serde(default)]
    pub awaiting: Option<OutAwaited>,
    /// Tasks: the addresses of its chain of coroutines, outermost first.
    #[serde(default)]
    pub coroutines: Vec<String>,
}

/// `awaiting` of a `suspended[]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct OutAwaited {
    pub address: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// One entry of `roots[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct OutRoot {
    pub name: String,
    pub value: OutValue,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutSource {
    pub kind: String,
    pub path: Option<String>,
    pub pid: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutPython {
    pub version: String,
    pub version_source: String,
    pub layout: String,
    pub runtime_address: String,
    pub library: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutProcess {
    pub pid: Option<u32>,
    pub executable: Option<String>,
    pub argv: Vec<String>,
    pub signal: Option<OutSignal>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutSignal {
    pub number: i32,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutThread {
    pub tid: Option<u32>,
    pub thread_id: String,
    pub name: Option<String>,
    pub interpreter: i64,
    pub holds_gil: bool,
    pub crashed: bool,
    pub frames_complete: bool,
    pub frames: Vec<OutFrame>,
    /// The exception being handled: `None` when the key is absent, `Some(None)` for null.
    #[serde(default, deserialize_with = "crate::json::present")]
    pub exception: Option<Option<OutValue>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutFrame {
    pub function: String,
    pub qualname: String,
    pub file: String,
    pub line: Option<u32>,
    pub first_line: u32,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(deserialize_with = "crate::json::ordered_values")]
    pub locals: Option<Vec<(String, OutValue)>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutValue {
    #[serde(rename = "type")]
    pub type_name: String,
    pub repr: String,
    pub address: String,
    pub status: String,
    #[serde(default)]
    pub length: Option<u64>,
    /// The short kind name (`int`, `instance`, `surrogate`…).
    #[serde(default)]
    pub kind: Option<String>,
    /// What `sys.getsizeof` would say, when the converter can compute it.
    #[serde(default)]
    pub size: Option<u64>,
    /// An instance's or exception's attributes, in order.
    #[serde(default, deserialize_with = "crate::json::ordered_values")]
    pub attributes: Option<Vec<(String, OutValue)>>,
    /// How many attributes a bound left out.
    #[serde(default)]
    pub left_out: Option<u64>,
}

/// `show --object ADDR --json`: the object in full. Kept as the value plus the raw JSON of the
/// other keys, which differ by kind.
#[derive(Debug, Clone)]
pub struct OutObject {
    pub value: OutValue,
    pub items: Option<Vec<OutValue>>,
    pub entries: Option<Vec<(OutValue, OutValue)>>,
    pub left_out: Option<u64>,
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    pub traceback: Option<Vec<TracebackEntry>>,
    pub state: Option<String>,
    pub frames: Option<Vec<OutFrame>>,
    pub reason: Option<String>,
}

/// The whole `show --object ADDR --json` output.
#[derive(Debug, Clone)]
pub struct ObjectOutput {
    pub object: OutObject,
    pub diagnostics: Vec<Diagnostic>,
}

impl ObjectOutput {
    pub fn parse(text: &str) -> Result<ObjectOutput, String> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let object = v.get("object").ok_or("no \"object\" key")?;
        let field = |name: &str| object.get(name).filter(|x| !x.is_null());
        let typed =
            |name: &str| -> Result<Option<serde_json::Value>, String> { Ok(field(name).cloned()) };
        let value: OutValue =
            serde_json::from_value(object.clone()).map_err(|e| format!("object: {e}"))?;
        let items = match typed("items")? {
            Some(x) => Some(serde_json::from_value(x).map_err(|e| format!("object.items: {e}"))?),
            None => None,
        };
        let entries = match typed("entries")? {
            Some(x) => Some(serde_json::from_value(x).map_err(|e| format!("object.entries: {e}"))?),
            None => None,
        };
        let traceback = match typed("traceback")? {
            Some(x) => {
                Some(serde_json::from_value(x).map_err(|e| format!("object.traceback: {e}"))?)
            }
            None => None,
        };
        let frames = match typed("frames")? {
            Some(x) => Some(serde_json::from_value(x).map_err(|e| format!("object.frames: {e}"))?),
            None => None,
        };
        let diagnostics = match v.get("diagnostics") {
            Some(d) => {
                serde_json::from_value(d.clone()).map_err(|e| format!("diagnostics: {e}"))?
            }
            None => Vec::new(),
        };
        Ok(ObjectOutput {
            object: OutObject {
                value,
                items,
                entries,
                left_out: field("left_out").and_then(|x| x.as_u64()),
                fields: field("fields").and_then(|x| x.as_object()).cloned(),
                traceback,
                state: field("state").and_then(|x| x.as_str()).map(str::to_string),
                frames,
                reason: field("reason").and_then(|x| x.as_str()).map(str::to_string),
            },
            diagnostics,
        })
    }
}

/// `hdconvert stats CORE --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct StatsOutput {
    pub schema: u32,
    pub producer: String,
    pub python: Option<StatsPython>,
    pub objects: u64,
    pub bytes: u64,
    pub tracked: u64,
    pub types: Vec<StatsType>,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatsPython {
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatsType {
    #[serde(rename = "type")]
    pub type_name: String,
    pub count: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub address: Option<String>,
}

impl OutThread {
    /// `thread_id` as a number.
    pub fn ident(&self) -> Option<u64> {
        parse_hex(&self.thread_id)
    }
}

/// `0x…` → number.
pub fn parse_hex(text: &str) -> Option<u64> {
    u64::from_str_radix(
        text.trim()
            .trim_start_matches("0x")
            .trim_start_matches("0X"),
        16,
    )
    .ok()
}
