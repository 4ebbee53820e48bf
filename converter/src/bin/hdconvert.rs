//! `hdconvert`: Python stacks from a core dump or a live process.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use hd::convert::ConvertOptions;
use hd::cpython::LocateOptions;
use hd::format::{DumpFile, LoadBounds, Redactor};
use hd::limits::ShowLimits;
use hd::views::text::TextOptions;
use hd::{FileOptions, PyVersion, ReadOptions, Snapshot};

/// Post-mortem Python debugging: the Python stacks, locals and objects of every thread of a
/// CPython 3.8+ process, from its core dump or while it runs, without debug symbols.
///
/// `hdconvert CORE -o FILE` converts a core (or `--pid PID`) into a portable dump file that
/// every command reads like the core itself, on any machine.
#[derive(Parser, Debug)]
#[command(
    name = "hdconvert",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    convert: ConvertArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the Python traceback of every thread, with locals (from a core, a live process
    /// or a dump file).
    Show(ShowArgs),
    /// Count the objects of the whole heap by class (like `jmap -histo`), largest first (from
    /// a core, or a dump file made with --heap).
    Stats(StatsArgs),
    /// Convert a core or a live process into a portable dump file (`hdconvert CORE -o FILE`
    /// does the same).
    Convert(ConvertArgs),
    /// Describe a dump file: producer, source, Python, sizes, redactions, diagnostics.
    Info(InfoArgs),
}

/// What to read: a core or a live process, and where its files are.
#[derive(Args, Debug, Clone)]
struct TargetArgs {
    /// The core dump (from the kernel or `gcore`); for `show` and `stats` also a dump file.
    #[arg(required_unless_present = "pid", conflicts_with = "pid")]
    core: Option<PathBuf>,

    /// Read the running process PID instead of a core (it is stopped only while it is read).
    #[arg(long, value_name = "PID")]
    pid: Option<u32>,

    /// With --pid: don't stop the process while reading it (stacks may be inconsistent).
    #[arg(long, requires = "pid")]
    nonblocking: bool,

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
}

/// How much of the object graph to read, and which roots besides the threads.
#[derive(Args, Debug, Clone)]
struct ReadArgs {
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

    /// Also read the globals of `__main__`.
    #[arg(long)]
    globals: bool,

    /// Also read the namespace of the `sys` module (argv, path, flags, modules…).
    #[arg(long)]
    sys: bool,

    /// Leave out the locals.
    #[arg(long)]
    no_locals: bool,
}

#[derive(Args, Debug)]
struct ConvertArgs {
    #[command(flatten)]
    target: TargetArgs,

    #[command(flatten)]
    read: ReadArgs,

    /// The dump file to write (created with mode 0600; replaced only once complete).
    #[arg(short, long, value_name = "FILE", required = true)]
    output: Option<PathBuf>,

    /// Also walk the whole heap and store its class histogram, for `stats` on the dump.
    #[arg(long)]
    heap: bool,

    /// Redact the values of locals, attributes, dict keys and environment variables whose
    /// names match this regular expression (case-insensitive) instead of the default list
    /// (password, passwd, secret, token, api_key, apikey, auth, credential, cookie, session,
    /// private_key).
    #[arg(long, value_name = "REGEX", conflicts_with = "no_redact")]
    redact: Option<String>,

    /// Keep every value, secrets included.
    #[arg(long)]
    no_redact: bool,

    /// Read the source of frames under OLD from NEW (code deployed elsewhere than where it
    /// ran); may be given several times.
    #[arg(long, value_name = "OLD=NEW", value_parser = parse_source_root)]
    source_root: Vec<(String, String)>,

    /// Compression of the file's chunks: zstd (default), lz4 or none.
    #[arg(long, value_name = "CODEC", default_value = "zstd", value_parser = codec_parser())]
    codec: hd::format::Codec,
}

#[derive(Args, Debug)]
struct InfoArgs {
    /// The dump file.
    dump: PathBuf,

    /// Print JSON (see docs/json.md).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct StatsArgs {
    /// The core dump, or a dump file made with --heap.
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
    #[command(flatten)]
    target: TargetArgs,

    #[command(flatten)]
    read: ReadArgs,

    /// Print JSON (see docs/json.md) instead of text.
    #[arg(long)]
    json: bool,

    /// Print this object (an address, 0x…) with its fields and referents, instead of the
    /// threads.
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    object: Option<u64>,

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
        Some(Command::Show(args)) => show(args),
        Some(Command::Stats(args)) => stats(args),
        Some(Command::Convert(args)) => convert(args),
        Some(Command::Info(args)) => info(args),
        None => convert(cli.convert),
    }
}

/// Whether `path` is an hd dump file (by its first bytes).
fn is_dump(path: &Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && hd::format::looks_like_dump(&head)
}

fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let (h, python, diags) = if is_dump(&args.core) {
        let dump = DumpFile::open(&args.core)?;
        let meta = dump.meta()?;
        let Some(heap) = dump.histogram()? else {
            bail!(
                "{} holds no heap histogram: it was converted without --heap. Convert the core again with `hdconvert CORE --heap -o FILE`, or run `hdconvert stats` on the core.",
                args.core.display()
            );
        };
        let python = meta
            .python
            .context("the dump names no Python interpreter")?;
        let diags = heap
            .diagnostics
            .iter()
            .map(hd::format::DiagRecord::to_diagnostic)
            .collect::<Vec<_>>();
        (heap.histogram, python, diags)
    } else {
        let files = FileOptions {
            sysroot: args.sysroot.clone(),
            exe: args.exe.clone(),
        };
        hd::histogram_core(&args.core, &files, &ReadOptions::default())?
    };
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

/// What to read, from the shared options.
fn read_options(
    t: &TargetArgs,
    r: &ReadArgs,
    object: Option<u64>,
) -> anyhow::Result<(ReadOptions, ShowLimits, FileOptions)> {
    let version = match &t.python_version {
        Some(v) => Some(parse_version(v)?),
        None => None,
    };
    let limits = ShowLimits::new(
        r.depth,
        r.max_items,
        r.max_string,
        r.max_objects,
        r.max_bytes,
    );
    let opts = ReadOptions {
        locate: LocateOptions { version },
        objects: limits.objects,
        no_locals: r.no_locals,
        extra_roots: object.into_iter().collect(),
        globals: r.globals,
        sys_module: r.sys,
        environ: false,
        class_namespaces: false,
    };
    let files = FileOptions {
        sysroot: t.sysroot.clone(),
        exe: t.exe.clone(),
    };
    Ok((opts, limits, files))
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let (opts, limits, files) = read_options(&args.target, &args.read, args.object)?;
    let snap: Snapshot = match (&args.target.core, args.target.pid) {
        (Some(path), _) if is_dump(path) => {
            // Only what this view can show is read from the file.
            let view = if args.json { limits.json } else { limits.text };
            let mut bounds = LoadBounds::for_view(view);
            bounds.locals = !args.read.no_locals;
            let dump = DumpFile::open(path)?;
            // `bounds.locals` drops the frames' locals; the objects asked for stay.
            match args.object {
                Some(a) => {
                    // Every item of the object is listed.
                    bounds.root_referents = usize::MAX;
                    dump.snapshot_around(Some(&[a]), bounds)?
                }
                None => dump.snapshot_near(bounds)?,
            }
        }
        (Some(core), _) => hd::snapshot_core(core, &files, &opts)?,
        (None, Some(pid)) => hd::snapshot_live(pid, !args.target.nonblocking, &files, &opts)?,
        (None, None) => bail!("give a core file, a dump file or --pid PID"),
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
        locals: !args.read.no_locals,
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

fn convert(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let Some(out) = args.output.clone() else {
        bail!("give the dump file to write with -o FILE");
    };
    if let Some(core) = args.target.core.as_deref().filter(|p| is_dump(p)) {
        bail!(
            "{} is already an hd dump file: open it with `hdconvert show {0}` or `hdconvert info {0}`; only a core or a live process (--pid) is converted",
            core.display()
        );
    }
    let (read, _, files) = read_options(&args.target, &args.read, None)?;
    let redact = if args.no_redact {
        None
    } else {
        let pattern = args
            .redact
            .as_deref()
            .unwrap_or(hd::format::DEFAULT_SECRET_PATTERN);
        Some(Redactor::new(pattern).map_err(anyhow::Error::msg)?)
    };
    let opts = ConvertOptions {
        read,
        heap: args.heap,
        redact,
        source_roots: args.source_root.clone(),
        write: hd::format::WriteOptions { codec: args.codec },
    };
    let done = match (&args.target.core, args.target.pid) {
        (Some(core), _) => hd::convert::convert_core(core, &files, &opts, &out),
        (None, Some(pid)) => {
            hd::convert::convert_live(pid, !args.target.nonblocking, &files, &opts, &out)
        }
        (None, None) => bail!("give a core file or --pid PID"),
    }
    .with_context(|| format!("converting into {}", out.display()))?;
    let s = &done.summary;
    eprintln!(
        "wrote {}: {} bytes, {} thread(s), {} object(s), {} source file(s)",
        out.display(),
        s.bytes,
        s.threads,
        s.objects,
        s.sources
    );
    if !done.redacted.is_empty() {
        eprintln!("redacted the values of: {}", done.redacted.join(", "));
    }
    let warnings: Vec<&hd::Diagnostic> =
        done.diagnostics.iter().filter(|d| d.is_warning()).collect();
    for d in &warnings {
        eprintln!("warning: [{}] {}", d.code, d.message);
    }
    Ok(exit_code(warnings.is_empty()))
}

fn info(args: InfoArgs) -> anyhow::Result<ExitCode> {
    let dump = DumpFile::open(&args.dump)?;
    let text = if args.json {
        json_text(&hd::views::info::info_json(&dump)?)?
    } else {
        hd::views::info::info_text(&dump)?
    };
    write_out(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// `--codec`: one of the library's codec names (listed in `--help`).
fn codec_parser() -> impl clap::builder::TypedValueParser<Value = hd::format::Codec> {
    use clap::builder::TypedValueParser;
    let names = hd::format::Codec::all().map(hd::format::Codec::name);
    // Only the names listed pass the first parser: the default is never used.
    clap::builder::PossibleValuesParser::new(names)
        .map(|s| hd::format::Codec::from_name(&s).unwrap_or(hd::format::Codec::Zstd))
}

fn parse_source_root(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(old, new)| !old.is_empty() && !new.is_empty())
        .map(|(old, new)| (old.to_string(), new.to_string()))
        .ok_or_else(|| format!("{s:?}: expected OLD=NEW, two directories"))
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
