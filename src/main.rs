//! The `scopelint` binary: parse arguments, dispatch, decide the exit code. Everything else
//! lives in the library.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use scopelint::check::{check_one, check_stream, CheckSummary};
use scopelint::output::{
    CheckFormat, CheckReporter, JsonReporter, JsonlReporter, PrintFilter, TextReporter,
};
use scopelint::psl::SuffixList;
use scopelint::{ScopeRules, VerdictKind};

#[derive(Parser, Debug)]
#[command(
    name = "scopelint",
    version,
    about = "Keep bug-bounty research inside the program's scope rules",
    propagate_version = true
)]
struct Cli {
    /// Rules file to use instead of the embedded default program (repeatable).
    #[arg(long = "rules", global = true, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Public Suffix List file to use instead of the vendored copy.
    #[arg(long, global = true, value_name = "FILE")]
    psl: Option<PathBuf>,
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Classify targets as in scope, out of scope or invalid.
    #[command(after_help = "Examples:\n  \
        scopelint check https://login.live.com/\n  \
        subfinder -d live.com | scopelint check --print in-scope\n  \
        scopelint check --format jsonl --explain android:com.azure.authenticator")]
    Check(CheckArgs),
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Targets: URLs, hosts, host:port, host/path, IPs, android:<package>, ios:<bundle-id>.
    /// With none, or `-`, targets are read from standard input, one per line.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Print only the input lines with this verdict, unchanged (exit 0 if any, 1 if none).
    #[arg(long, value_name = "VERDICT", value_parser = ["in-scope", "out-of-scope", "invalid"])]
    print: Option<String>,
    /// Show the decision path for each target.
    #[arg(long)]
    explain: bool,
}

/// A failure of the tool or its configuration (exit 2), as opposed to a finding.
#[derive(Debug)]
enum CliError {
    Io(io::Error),
    Config(String),
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Io(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(false) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Err(CliError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(CliError::Io(e)) => {
            eprintln!("scopelint: {e}");
            ExitCode::from(2)
        }
        Err(CliError::Config(msg)) => {
            eprintln!("scopelint: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Runs the subcommand; `Ok(true)` means something was found (exit 1).
fn run(cli: Cli) -> Result<bool, CliError> {
    let color = use_color(cli.color);
    match &cli.command {
        Command::Check(args) => {
            let rules = load_rules(&cli)?;
            cmd_check(&rules, args, color)
        }
    }
}

fn use_color(choice: ColorChoice) -> bool {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    colored::control::set_override(on);
    on
}

fn load_rules(cli: &Cli) -> Result<ScopeRules, CliError> {
    let psl = match &cli.psl {
        Some(p) => Arc::new(SuffixList::from_file(p).map_err(CliError::Config)?),
        None => SuffixList::embedded(),
    };
    let mut files = cli.rules.clone();
    if files.is_empty() {
        if let Some(env) = std::env::var_os("SCOPELINT_RULES").filter(|v| !v.is_empty()) {
            files = std::env::split_paths(&env).collect();
        }
    }
    let loaded = if files.is_empty() {
        ScopeRules::embedded(psl)
    } else {
        ScopeRules::from_files(&files, psl)
    };
    loaded.map_err(|e| CliError::Config(e.to_string()))
}

fn cmd_check(rules: &ScopeRules, args: &CheckArgs, color: bool) -> Result<bool, CliError> {
    let stdout = io::stdout().lock();
    let out = io::BufWriter::with_capacity(64 * 1024, stdout);
    let print_kind = args.print.as_deref().and_then(VerdictKind::parse);
    let mut print_filter;
    let mut text;
    let mut json;
    let mut jsonl;
    let reporter: &mut dyn CheckReporter = match (print_kind, args.format) {
        (Some(kind), _) => {
            print_filter = PrintFilter::new(out, kind);
            &mut print_filter
        }
        (None, CheckFormat::Text) => {
            text = TextReporter::new(out, color, args.explain);
            &mut text
        }
        (None, CheckFormat::Json) => {
            json = JsonReporter::new(out, args.explain);
            &mut json
        }
        (None, CheckFormat::Jsonl) => {
            jsonl = JsonlReporter::new(out, args.explain);
            &mut jsonl
        }
    };

    let from_stdin = args.targets.is_empty() || args.targets.iter().any(|t| t == "-");
    let mut summary = CheckSummary::default();
    for t in args.targets.iter().filter(|t| t.as_str() != "-") {
        check_one(rules, t.as_bytes(), reporter, args.explain, &mut summary)?;
    }
    if from_stdin {
        let stdin = io::stdin().lock();
        let s = check_stream(rules, stdin, reporter, args.explain)?;
        summary.in_scope += s.in_scope;
        summary.out_of_scope += s.out_of_scope;
        summary.invalid += s.invalid;
    } else {
        reporter.finish()?;
    }
    if summary.total() == 0 && print_kind.is_none() {
        let _ = writeln!(io::stderr(), "scopelint: no targets given");
    }
    Ok(match print_kind {
        Some(kind) => match kind {
            VerdictKind::InScope => summary.in_scope == 0,
            VerdictKind::OutOfScope => summary.out_of_scope == 0,
            VerdictKind::Invalid => summary.invalid == 0,
        },
        None => summary.out_of_scope + summary.invalid > 0,
    })
}
