//! `hdconvert`: Python stacks from a core dump or a live process.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use hd::cpython::objects::CollectLimits;
use hd::cpython::LocateOptions;
use hd::limits::ReprLimits;
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

    /// Levels of nested containers to show in each local.
    #[arg(long, value_name = "N")]
    depth: Option<usize>,

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
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Show(args) => show(args),
    }
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let version = match &args.python_version {
        Some(v) => Some(parse_version(v)?),
        None => None,
    };
    let mut objects = CollectLimits::default();
    let mut human = ReprLimits::HUMAN;
    let mut json_limits = ReprLimits::JSON;
    if let Some(d) = args.depth {
        objects.max_depth = objects.max_depth.max(d);
        human.max_depth = d;
        json_limits.max_depth = d;
    }
    let opts = ReadOptions {
        locate: LocateOptions { version },
        objects,
        no_locals: args.no_locals,
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
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&hd::views::json::to_json(&snap, json_limits))
            .context("encoding JSON")?;
        s.push('\n');
        s
    } else {
        let _ = io::stdout().is_terminal();
        hd::views::text::to_text(
            &snap,
            TextOptions {
                locals: !args.no_locals,
                limits: human,
            },
        )
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("writing the output")?;
    out.flush().context("writing the output")?;
    Ok(if warnings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
