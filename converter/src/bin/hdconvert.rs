//! `hdconvert`: Python stacks from a core dump or a live process.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use hd::cpython::LocateOptions;
use hd::limits::ShowLimits;
use hd::views::text::TextOptions;
use hd::{FileOptions, PyVersion, ReadOptions, Snapshot};

/// Post-mortem Python debugging: the Python stacks, locals and objects of every thread of a
/// CPython 3.8+ process, from its core dump or while it runs, without debug symbols.
#[derive(Parser, Debug)]
#[command(name = "hdconvert", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the Python traceback of every thread, with locals.
    Show(ShowArgs),
    /// Count the objects of the whole heap by class (like `jmap -histo`), largest first.
    Stats(StatsArgs),
}

#[derive(Args, Debug)]
struct StatsArgs {
    /// The core dump.
    core: PathBuf,

    /// Print JSON (`{"types": [{"type", "count", "size"}, ...]}`, see docs/json.md).
    #[arg(long)]
    json: bool,

    /// Lines of the table to print (all with --json).
    #[arg(long, value_name = "N", default_value_t = 30)]
    top: usize,

    /// The Python executable the core came from, when it is not at its original path here.
    #[arg(long, value_name = "PATH")]
    exe: Option<PathBuf>,

    /// Look up the files the process had mapped under this directory.
    #[arg(long, value_name = "DIR")]
    sysroot: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ShowArgs {
    /// The core dump (from the kernel or `gcore`).
    #[arg(required_unless_present = "pid", conflicts_with = "pid")]
    core: Option<PathBuf>,

    /// Read the running process PID instead of a core (it is stopped only while it is read).
    #[arg(long, value_name = "PID")]
    pid: Option<u32>,

    /// With --pid: don't stop the process while reading it (stacks may be inconsistent).
    #[arg(long, requires = "pid")]
    nonblocking: bool,

    /// Print JSON (see docs/json.md) instead of text.
    #[arg(long)]
    json: bool,

    /// Leave out the locals.
    #[arg(long)]
    no_locals: bool,

    /// The Python executable the core came from, when it is not at its original path here.
    #[arg(long, value_name = "PATH")]
    exe: Option<PathBuf>,

    /// Look up the files the process had mapped under this directory (a copy of the server's
    /// root file system, or the parts of it that hold Python).
    #[arg(long, value_name = "DIR")]
    sysroot: Option<PathBuf>,

    /// Don't detect the Python version; use this one (3.X or 3.X.Y).
    #[arg(long, value_name = "VERSION")]
    python_version: Option<String>,

    /// Levels of attributes shown beneath instances (default 1); also read and show nested
    /// containers at least this deep.
    #[arg(long, value_name = "N")]
    depth: Option<usize>,

    /// Items read and shown per container (default: 1000 read, 20 shown, all of the read
    /// ones with --json).
    #[arg(long, value_name = "N")]
    max_items: Option<usize>,

    /// Characters read per str and bytes per bytes (default 8192; 200 shown as text).
    #[arg(long, value_name = "N")]
    max_string: Option<usize>,

    /// Objects read in all (default 200000); past it, objects are shown as not read.
    #[arg(long, value_name = "N")]
    max_objects: Option<usize>,

    /// Bytes of objects read in all, by their sys.getsizeof (default 1073741824); past it,
    /// objects are shown as not read.
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<u64>,

    /// Print this object (an address, 0x…) with its fields and referents, instead of the
    /// threads.
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    object: Option<u64>,

    /// Also show the globals of `__main__`.
    #[arg(long)]
    globals: bool,

    /// Also show the namespace of the `sys` module (argv, path, flags, modules…).
    #[arg(long)]
    sys: bool,

    /// Fail (exit code 2) if anything could not be read, instead of printing what could.
    #[arg(long)]
    strict: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(&format!(": {c}"));
                }
            }
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Show(args) => show(args),
        Command::Stats(args) => stats(args),
    }
}

fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let files = FileOptions {
        sysroot: args.sysroot.clone(),
        exe: args.exe.clone(),
    };
    let (h, python, diags) = hd::histogram_core(&args.core, &files, &ReadOptions::default())?;
    let text = if args.json {
        json_text(&hd::views::json::histogram_json(&h, &python, &diags))?
    } else {
        hd::views::text::histogram_text(&h, &python, &diags, args.top)
    };
    write_out(text.as_bytes())?;
    Ok(exit_code(diags.iter().all(|d| !d.is_warning())))
}

/// 0 when nothing went wrong, 1 when something could not be read (see the diagnostics).
fn exit_code(clean: bool) -> ExitCode {
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn write_out(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).context("writing the output")?;
    out.flush().context("writing the output")
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let version = match &args.python_version {
        Some(v) => Some(parse_version(v)?),
        None => None,
    };
    let limits = ShowLimits::new(
        args.depth,
        args.max_items,
        args.max_string,
        args.max_objects,
        args.max_bytes,
    );
    let opts = ReadOptions {
        locate: LocateOptions { version },
        objects: limits.objects,
        no_locals: args.no_locals,
        extra_roots: args.object.into_iter().collect(),
        globals: args.globals,
        sys_module: args.sys,
    };
    let files = FileOptions {
        sysroot: args.sysroot.clone(),
        exe: args.exe.clone(),
    };
    let snap: Snapshot = match (&args.core, args.pid) {
        (Some(core), _) => hd::snapshot_core(core, &files, &opts)?,
        (None, Some(pid)) => hd::snapshot_live(pid, !args.nonblocking, &files, &opts)?,
        (None, None) => bail!("give a core file or --pid PID"),
    };
    let warnings: Vec<&hd::Diagnostic> =
        snap.diagnostics.iter().filter(|d| d.is_warning()).collect();
    if args.strict && !warnings.is_empty() {
        let first = warnings[0];
        bail!(
            "{} problem(s) while reading, and --strict is set; the first: [{}] {}",
            warnings.len(),
            first.code,
            first.message
        );
    }
    let text_opts = TextOptions {
        locals: !args.no_locals,
        limits: limits.text,
    };
    match (args.json, args.object) {
        (true, None) => {
            // Streamed: the JSON of a large snapshot is never held in memory whole.
            let mut out = io::BufWriter::new(io::stdout().lock());
            hd::views::json::write_json(&snap, limits.json, &mut out)
                .context("writing the output")?;
            out.write_all(b"\n").context("writing the output")?;
            out.flush().context("writing the output")?;
        }
        (true, Some(a)) => {
            let v = hd::views::json::object_json(&snap, a, limits.json);
            write_out(json_text_once(v)?.as_bytes())?;
        }
        (false, None) => write_out(hd::views::text::to_text(&snap, text_opts).as_bytes())?,
        (false, Some(a)) => {
            write_out(hd::views::text::object_text(&snap, a, text_opts).as_bytes())?;
        }
    }
    let clean = warnings.is_empty();
    // The process ends now: freeing a graph of a million objects would only cost time.
    std::mem::forget(snap);
    Ok(exit_code(clean))
}

/// [`json_text`] of a value that is not needed afterwards: it is not freed, the process is
/// about to end (freeing a large JSON tree costs more than writing it).
fn json_text_once(v: serde_json::Value) -> anyhow::Result<String> {
    let text = json_text(&v);
    std::mem::forget(v);
    text
}

fn json_text(v: &serde_json::Value) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(v).context("encoding JSON")?;
    s.push('\n');
    Ok(s)
}

fn parse_addr(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    match hex {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse(),
    }
    .map_err(|_| format!("{s:?} is not an address (write it as 0x7f… or in decimal)"))
}

fn parse_version(v: &str) -> anyhow::Result<PyVersion> {
    if let Some(p) = PyVersion::parse(v) {
        return Ok(p);
    }
    let (a, b) = v
        .split_once('.')
        .with_context(|| format!("--python-version {v}: expected 3.X or 3.X.Y"))?;
    Ok(PyVersion::minor_only(
        a.parse()
            .with_context(|| format!("--python-version {v}: expected 3.X or 3.X.Y"))?,
        b.parse()
            .with_context(|| format!("--python-version {v}: expected 3.X or 3.X.Y"))?,
    ))
}
