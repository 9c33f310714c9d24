//! The `scopelint` binary: parse arguments, dispatch, decide the exit code. Everything else
//! lives in the library.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use scopelint::config::{self, Settings};

use scopelint::check::{
    check_one, check_stream, check_stream_parallel, reporter_factory, CheckOptions, CheckSummary,
};
use scopelint::matcher::Lookup;
use scopelint::output::{check_reporter, CheckFormat};
use scopelint::probe::{self, Engine, ProbeFormat, ProbeOptions};
use scopelint::psl::SuffixList;
use scopelint::{ScopeRules, VerdictKind};

#[derive(Parser, Debug)]
#[command(
    name = "scopelint",
    version,
    long_version = scopelint::config::long_version(),
    about = "Keep bug-bounty research inside the program's scope rules",
    propagate_version = true
)]
struct Cli {
    /// Configuration file to use instead of the discovered scopelint.yaml / .scopelint.yaml.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, global = true)]
    isolated: bool,
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
    /// Send paced requests to in-scope URLs only, checking every redirect hop.
    #[command(after_help = "Examples:\n  \
        scopelint probe https://login.live.com/\n  \
        scopelint probe --dry-run --rate 0.5/s < urls.txt\n  \
        scopelint probe --audit-log audit.jsonl -H 'Authorization: Bearer eyJ...' https://graph.microsoft.com/v1.0/me")]
    Probe(ProbeArgs),
    /// Run a forward HTTP proxy that applies the scope check, pacing and audit log to any tool.
    #[command(after_help = "Example:\n  \
        scopelint proxy --listen 127.0.0.1:8080 --audit-log audit.jsonl\n  \
        curl -x http://127.0.0.1:8080 https://login.live.com/")]
    Proxy(ProxyArgs),
    /// Pre-check bounty report drafts (Markdown with optional YAML front matter).
    #[command(after_help = "Examples:\n  \
        scopelint lint draft.md\n  \
        scopelint lint --format sarif reports/ > scopelint.sarif\n  \
        scopelint lint --explain excluded-class")]
    Lint(LintArgs),
    /// Author rules files: validate, test examples, show, diff, print the JSON Schema.
    #[command(after_help = "Examples:\n  \
        scopelint rules validate scope-rules/*.yaml\n  \
        scopelint rules test --fail-uncovered scope-rules/microsoft-identity.yaml\n  \
        scopelint rules diff old.yaml new.yaml --targets targets.txt")]
    Rules(RulesArgs),
    /// Write a rules YAML file (or a cleaned plain list) from a plain list, a platform's
    /// bounty-targets-data JSON or a Burp Suite scope export.
    #[command(
        after_help = "Formats: list, hackerone, bugcrowd, intigriti, yeswehack, federacy, burp.\n\
        Entries that cannot be used are listed on stderr with the reason, then `imported N, skipped M`.\n\
        Exit 0: everything imported; 1: something skipped; 2: usage, file or JSON error.\n\
        Examples:\n  \
        scopelint import list wildcards.txt --to list > clean.txt\n  \
        scopelint import bugcrowd bugcrowd_data.json --program acme --output acme.yaml"
    )]
    Import(ImportArgs),
    /// Write a program's host scope for Burp, ZAP, Caido or as a plain list.
    #[command(
        after_help = "What the format cannot express is left out and said on stderr (exit 1).\n\
        Examples:\n  \
        scopelint export burp > burp-scope.json\n  \
        scopelint --rules acme.yaml export list"
    )]
    Export(ExportArgs),
    /// Show the project configuration (scopelint.yaml) in effect.
    #[command(after_help = "Examples:\n  \
        scopelint config show\n  \
        scopelint --config ci/scopelint.yaml config show\n  \
        scopelint --isolated config show")]
    Config(ConfigArgs),
    /// Print a shell completion script.
    #[command(after_help = "Examples:\n  \
        scopelint completions bash > ~/.local/share/bash-completion/completions/scopelint\n  \
        scopelint completions zsh > ~/.zfunc/_scopelint\n  \
        scopelint completions fish > ~/.config/fish/completions/scopelint.fish")]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Examples:\n  \
        scopelint man > ~/.local/share/man/man1/scopelint.1\n  \
        scopelint man | man -l -")]
    Man,
}

#[derive(clap::Args, Debug)]
struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print every setting, its value and where it came from (flag, env, file:line, default).
    #[command(after_help = "Examples:\n  \
        scopelint config show\n  \
        SCOPELINT_RULES=other.yaml scopelint config show\n  \
        scopelint --rules my-program.yaml config show")]
    Show,
}

#[derive(clap::Args, Debug)]
struct LintArgs {
    /// Draft files, directories (every *.md below, respecting .gitignore), or `-` for stdin.
    #[arg(value_name = "PATH", required_unless_present = "explain")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = scopelint::lint::report::LintFormat::Text)]
    format: scopelint::lint::report::LintFormat,
    /// Exit 1 when any diagnostic is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = ["error", "warning", "info"])]
    fail_on: String,
    /// Name to report for a draft read from stdin (`-`).
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<String>,
    /// Explain a rule (or an excluded class / rule of engagement id) and exit.
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,
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
    /// Match by trying every rule in turn instead of the index (slow; for checking the index).
    #[arg(long, hide = true)]
    reference: bool,
    /// Worker threads for standard input (0: one per core, at most 8). Output stays in input
    /// order.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

/// Pacing, resolution and audit options shared by `probe` and `proxy`.
#[derive(clap::Args, Debug)]
struct SendArgs {
    /// Global rate: `4/s`, `100/min`, `0.5/s` (default: the rules file's `probe.rate`).
    #[arg(long, value_name = "RATE")]
    rate: Option<String>,
    /// Rate per host (default: the rules file's `probe.per_host_rate`, else --rate).
    #[arg(long, value_name = "RATE")]
    per_host_rate: Option<String>,
    /// Requests allowed back to back before pacing applies (default: rules file, else 1).
    #[arg(long, value_name = "N")]
    burst: Option<u32>,
    /// Hard budget: send at most N requests in this run.
    #[arg(long, value_name = "N")]
    max_requests: Option<u64>,
    /// Pin HOST:PORT to ADDR (curl syntax, repeatable). Pinned addresses may be internal.
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    resolve: Vec<String>,
    /// Request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Longest Retry-After to honor, in seconds; a host asking for more is no longer probed.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    max_wait: u64,
    /// Append one JSON line per attempted request to FILE.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// User-Agent header.
    #[arg(long, value_name = "UA", default_value = concat!("scopelint/", env!("CARGO_PKG_VERSION")))]
    user_agent: String,
}

#[derive(clap::Args, Debug)]
struct ProbeArgs {
    /// URLs to probe. With none, or `-`, URLs are read from standard input, one per line.
    #[arg(value_name = "URL")]
    urls: Vec<String>,
    #[command(flatten)]
    send: SendArgs,
    /// HTTP method (default: HEAD, falling back to GET when HEAD is refused).
    #[arg(long, short = 'X', value_name = "METHOD")]
    method: Option<String>,
    /// Extra request header `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    headers: Vec<String>,
    /// Follow at most N redirects (each hop is checked against the scope).
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_redirects: usize,
    /// Refuse to send when a bearer token lacks the program's test marker.
    #[arg(long)]
    require_marker: bool,
    /// Print what would be sent, with verdicts; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProbeFormat::Text)]
    format: ProbeFormat,
}

#[derive(clap::Args, Debug)]
struct ProxyArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Allow listening on a non-loopback address (anyone who can reach it can use the proxy).
    #[arg(long)]
    allow_remote: bool,
    /// Answer 429 instead of waiting when a request is over the rate.
    #[arg(long)]
    no_wait: bool,
    #[command(flatten)]
    send: SendArgs,
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
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match configure(&mut cli, &matches).and_then(|settings| run(cli, &settings)) {
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

/// Load the configuration file (unless `--isolated`) and apply its settings wherever the
/// command line left them unset. The returned settings say where each value came from.
fn configure(cli: &mut Cli, m: &ArgMatches) -> Result<Settings, CliError> {
    if matches!(cli.command, Command::Completions { .. } | Command::Man) {
        return Ok(Settings::resolve(
            config::ConfigChoice::Isolated,
            None,
            None,
        ));
    }
    let cwd = std::env::current_dir()?;
    let (choice, file) = config::load(cli.config.as_deref(), cli.isolated, &cwd)
        .map_err(|e| CliError::Config(e.to_string()))?;
    let env = std::env::var_os(config::RULES_ENV);
    let mut s = Settings::resolve(choice, file.as_ref(), env.as_deref());
    let given = |m: &ArgMatches, id: &str| m.value_source(id) == Some(ValueSource::CommandLine);
    if cli.rules.is_empty() {
        cli.rules = s.rules.value.clone();
    } else {
        s.rules.set_by_flag(cli.rules.clone(), "--rules");
    }
    match &cli.psl {
        Some(p) => s.psl.set_by_flag(Some(p.clone()), "--psl"),
        None => cli.psl = s.psl.value.clone(),
    }
    if given(m, "color") {
        let name = cli
            .color
            .to_possible_value()
            .map(|v| v.get_name().to_string());
        s.color.set_by_flag(name.unwrap_or_default(), "--color");
    } else if let Ok(c) = ColorChoice::from_str(&s.color.value, false) {
        cli.color = c;
    }
    let Some((_, sm)) = m.subcommand() else {
        return Ok(s);
    };
    match &mut cli.command {
        Command::Check(a) if !given(sm, "format") => a.format = s.check_format.value,
        Command::Lint(a) => {
            if !given(sm, "format") {
                a.format = s.lint_format.value;
            }
            if !given(sm, "fail_on") {
                a.fail_on = s.lint_fail_on.value.as_str().to_string();
            }
        }
        Command::Probe(a) => {
            if !given(sm, "format") {
                a.format = s.probe_format.value;
            }
            apply_send_settings(&mut a.send, &s);
        }
        Command::Proxy(a) => apply_send_settings(&mut a.send, &s),
        _ => {}
    }
    Ok(s)
}

fn apply_send_settings(a: &mut SendArgs, s: &Settings) {
    if a.rate.is_none() {
        a.rate = s.probe_rate.value.clone();
    }
    if a.per_host_rate.is_none() {
        a.per_host_rate = s.probe_per_host_rate.value.clone();
    }
    if a.burst.is_none() {
        a.burst = s.probe_burst.value;
    }
}

/// Runs the subcommand; `Ok(true)` means something was found (exit 1).
fn run(cli: Cli, settings: &Settings) -> Result<bool, CliError> {
    let color = use_color(cli.color);
    match &cli.command {
        Command::Check(args) => {
            let rules = load_rules(&cli)?;
            let found = cmd_check(&rules, args, color);
            // The process ends next: skip freeing tens of thousands of rules one by one.
            std::mem::forget(rules);
            found
        }
        Command::Probe(args) => cmd_probe(load_rules(&cli)?, args, color),
        Command::Proxy(args) => cmd_proxy(load_rules(&cli)?, args),
        Command::Lint(args) => {
            let rules = load_rules(&cli)?;
            cmd_lint(&rules, args, color, &settings.lint_disable.value)
        }
        Command::Rules(args) => cmd_rules(&cli, args, color),
        Command::Import(args) => cmd_import(&cli, args),
        Command::Export(args) => cmd_export(&cli, args),
        Command::Config(ConfigArgs {
            command: ConfigCommand::Show,
        }) => {
            io::stdout().write_all(settings.render().as_bytes())?;
            Ok(false)
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "scopelint", &mut buf);
            io::stdout().write_all(&buf)?;
            Ok(false)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut io::stdout().lock())?;
            Ok(false)
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
    load_rules_from(cli, &[])
}

/// The programs in `files`, else the rules in use (see [`rules_files`]).
fn load_rules_from(cli: &Cli, files: &[PathBuf]) -> Result<ScopeRules, CliError> {
    let psl = rules_psl(cli)?;
    match rules_files(cli, files) {
        Some(files) => ScopeRules::from_files(&files, psl),
        None => ScopeRules::embedded(psl),
    }
    .map_err(|e| CliError::Config(e.to_string()))
}

fn cmd_check(rules: &ScopeRules, args: &CheckArgs, color: bool) -> Result<bool, CliError> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let print_kind = args.print.as_deref().and_then(VerdictKind::parse);
    let opts = CheckOptions {
        explain: args.explain,
        lookup: if args.reference {
            Lookup::Linear
        } else {
            Lookup::Indexed
        },
    };
    let from_stdin = args.targets.is_empty() || args.targets.iter().any(|t| t == "-");
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
        n => n,
    };
    // One JSON array cannot be cut into independent batches.
    let parallel =
        from_stdin && threads > 1 && (print_kind.is_some() || args.format != CheckFormat::Json);

    let mut summary = CheckSummary::default();
    {
        let mut reporter = check_reporter(&mut out, print_kind, args.format, color, args.explain);
        for t in args.targets.iter().filter(|t| t.as_str() != "-") {
            check_one(rules, t.as_bytes(), reporter.as_mut(), opts, &mut summary)?;
        }
        if from_stdin && !parallel {
            let s = check_stream(rules, io::stdin().lock(), reporter.as_mut(), opts)?;
            summary.add(&s);
        } else {
            reporter.finish()?;
        }
    }
    if parallel {
        let make = reporter_factory(|buf| {
            check_reporter(buf, print_kind, args.format, color, args.explain)
        });
        let input = io::BufReader::with_capacity(256 * 1024, io::stdin());
        let s = check_stream_parallel(rules, input, &mut out, &make, opts, threads)?;
        summary.add(&s);
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

fn cmd_lint(
    rules: &ScopeRules,
    args: &LintArgs,
    color: bool,
    disabled: &[String],
) -> Result<bool, CliError> {
    use scopelint::lint;
    let linter = lint::Linter::new(rules).map_err(|e| CliError::Config(e.to_string()))?;
    if let Some(id) = &args.explain {
        let text = linter.explain(id).ok_or_else(|| {
            CliError::Config(format!(
                "unknown rule `{id}` (rules: {})",
                lint::Linter::rule_ids()
            ))
        })?;
        print!("{text}");
        // With drafts: how the prose model reads each one (terms, negations, exceptions).
        for input in lint::collect_inputs(&args.paths, args.stdin_filename.as_deref())? {
            if let lint::Input::File(p) = &input {
                println!("\n{}:", p.display());
                for line in linter.explain_draft(&std::fs::read_to_string(p)?) {
                    println!("  {line}");
                }
            }
        }
        return Ok(false);
    }
    let inputs = lint::collect_inputs(&args.paths, args.stdin_filename.as_deref())?;
    let out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let reporter = lint::report::reporter(args.format, Box::new(out), color);
    // Rules disabled in the configuration file are dropped before reporting and counting.
    let mut reporter = config::DisabledRules::new(reporter, disabled.to_vec());
    lint::run(&linter, &inputs, &mut reporter)?;
    let summary = reporter.summary();
    let fail_on = lint::Severity::parse(&args.fail_on).unwrap_or(lint::Severity::Error);
    Ok(summary.fails(fail_on))
}

/// Build the engine shared by `probe` and `proxy` from the rules and the command line.
fn engine(rules: ScopeRules, a: &SendArgs) -> Result<Engine, CliError> {
    let defaults = probe::Pacing::from_rules(&rules).map_err(CliError::Config)?;
    let (pacing, warnings) = defaults
        .with_overrides(
            probe::rules_have_per_host(&rules),
            a.rate.as_deref(),
            a.per_host_rate.as_deref(),
            a.burst,
        )
        .map_err(CliError::Config)?;
    for w in warnings {
        eprintln!("scopelint: warning: {w}");
    }
    let mut pins = probe::resolve::Pins::default();
    for spec in &a.resolve {
        pins.add(spec).map_err(CliError::Config)?;
    }
    if !(a.timeout.is_finite() && a.timeout > 0.0) {
        return Err(CliError::Config(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    let audit = match &a.audit_log {
        Some(p) => Some(
            probe::audit::AuditLog::open(p)
                .map_err(|e| CliError::Config(format!("--audit-log {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let cfg = probe::EngineConfig {
        pins,
        pacing,
        timeout: std::time::Duration::from_secs_f64(a.timeout),
        user_agent: a.user_agent.clone(),
        max_requests: a.max_requests,
        max_wait: std::time::Duration::from_secs(a.max_wait),
        audit,
    };
    Engine::new(rules, cfg).map_err(CliError::Config)
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn cmd_probe(rules: ScopeRules, args: &ProbeArgs, color: bool) -> Result<bool, CliError> {
    let mut headers = reqwest::header::HeaderMap::new();
    for h in &args.headers {
        let (n, v) = probe::client::parse_header(h).map_err(CliError::Config)?;
        headers.append(n, v);
    }
    let method = match &args.method {
        Some(m) => Some(
            reqwest::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| CliError::Config(format!("--method `{m}` is not an HTTP method")))?,
        ),
        None => None,
    };
    let marker_problems = probe::token_warnings(&rules, &headers);
    for w in &marker_problems {
        eprintln!("scopelint: warning: {w}");
    }
    if args.require_marker && !marker_problems.is_empty() {
        eprintln!(
            "scopelint: refusing to send: --require-marker and the token lacks the test marker"
        );
        return Ok(true);
    }
    let targets = probe::collect_targets(&args.urls, io::stdin().lock())?;
    if targets.is_empty() {
        return Err(CliError::Config("no URLs given".into()));
    }
    let engine = Arc::new(engine(rules, &args.send)?);
    let opts = Arc::new(ProbeOptions {
        method,
        headers,
        max_redirects: args.max_redirects,
        dry_run: args.dry_run,
        format: args.format,
        color,
    });
    let (summary, _) =
        runtime()?.block_on(probe::run_probe(engine, targets, opts, io::stdout()))?;
    eprintln!("scopelint probe: {}", summary.line());
    Ok(summary.found())
}

fn cmd_proxy(rules: ScopeRules, args: &ProxyArgs) -> Result<bool, CliError> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(CliError::Config(format!(
            "--listen {}: not a loopback address; add --allow-remote to expose the proxy",
            args.listen
        )));
    }
    let engine = Arc::new(engine(rules, &args.send)?);
    let opts = probe::proxy::ProxyOptions {
        no_wait: args.no_wait,
    };
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        let l = &engine.limiters;
        eprintln!(
            "scopelint proxy listening on {} (rate {}, per host {}, burst {}); Ctrl-C to stop",
            listener.local_addr()?,
            l.global_rate,
            l.host_rate,
            l.burst
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let stats = probe::proxy::serve(engine.clone(), listener, opts, shutdown).await?;
        eprintln!("scopelint proxy: stopped: {}", stats.line());
        Ok::<_, io::Error>(())
    })?;
    Ok(false)
}

// ---- `scopelint rules ...` -------------------------------------------------------------------

#[derive(clap::Args, Debug)]
struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Report every problem in rules files, with file, line and column.
    #[command(
        after_help = "Errors exit 2; warnings exit 0 unless --fail-on warning (then 1).\n\
        With no FILE, the rules in use are validated (--rules, SCOPELINT_RULES or the embedded default).\n\n\
        Examples:\n  \
        scopelint rules validate scope-rules/*.yaml\n  \
        scopelint rules validate --format json --fail-on warning my-program.yaml\n  \
        scopelint --rules my-program.yaml rules validate"
    )]
    Validate {
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        /// Exit 1 when there are warnings (errors always exit 2).
        #[arg(long, value_name = "SEVERITY", value_parser = ["error", "warning"], default_value = "error")]
        fail_on: String,
    },
    /// Run the `examples:` of rules files and list assets and exclusions without one.
    #[command(
        after_help = "Exit 1 when an example fails (or, with --fail-uncovered, when coverage is incomplete).\n\n\
        Examples:\n  \
        scopelint rules test\n  \
        scopelint rules test --fail-uncovered scope-rules/microsoft-identity.yaml\n  \
        scopelint rules test --format json my-program.yaml"
    )]
    Test {
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        /// Also exit 1 when an asset or exclusion has no example.
        #[arg(long)]
        fail_uncovered: bool,
    },
    /// Show a program at a glance: assets, exclusions, award tables, with source lines.
    #[command(after_help = "Examples:\n  \
        scopelint rules show\n  \
        scopelint --rules a.yaml --rules b.yaml rules show --program b\n  \
        scopelint rules show --format json")]
    Show {
        /// Program id, when several rules files are loaded.
        #[arg(long, value_name = "ID")]
        program: Option<String>,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// What changed between two revisions of a rules file (exit 1 when anything did).
    #[command(after_help = "Examples:\n  \
        scopelint rules diff old.yaml new.yaml\n  \
        scopelint rules diff old.yaml new.yaml --targets targets.txt\n  \
        git show HEAD~1:p.yaml > old.yaml && scopelint rules diff old.yaml p.yaml")]
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// Target list (one per line): show the targets whose verdict changes, and why.
        #[arg(long, value_name = "FILE")]
        targets: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print the JSON Schema of the rules format.
    #[command(after_help = "Examples:\n  \
        scopelint rules schema > scopelint-rules.schema.json\n  \
        # in a rules file, for editor completion (yaml-language-server):\n  \
        # yaml-language-server: $schema=./scopelint-rules.schema.json")]
    Schema,
}

fn rules_psl(cli: &Cli) -> Result<Arc<SuffixList>, CliError> {
    match &cli.psl {
        Some(p) => Ok(Arc::new(
            SuffixList::from_file(p).map_err(CliError::Config)?,
        )),
        None => Ok(SuffixList::embedded()),
    }
}

/// The files named on the command line, else the rules in use (`--rules`, `SCOPELINT_RULES`),
/// else `None` for the embedded default.
fn rules_files(cli: &Cli, files: &[PathBuf]) -> Option<Vec<PathBuf>> {
    if !files.is_empty() {
        return Some(files.to_vec());
    }
    if !cli.rules.is_empty() {
        return Some(cli.rules.clone());
    }
    std::env::var_os("SCOPELINT_RULES")
        .filter(|v| !v.is_empty())
        .map(|env| std::env::split_paths(&env).collect())
}

fn cmd_rules(cli: &Cli, args: &RulesArgs, color: bool) -> Result<bool, CliError> {
    match &args.command {
        RulesCommand::Validate {
            files,
            format,
            fail_on,
        } => cmd_rules_validate(cli, files, *format, fail_on == "warning", color),
        RulesCommand::Test {
            files,
            format,
            fail_uncovered,
        } => cmd_rules_test(cli, files, *format, *fail_uncovered, color),
        RulesCommand::Show { program, format } => cmd_rules_show(cli, program.as_deref(), *format),
        RulesCommand::Diff {
            old,
            new,
            targets,
            format,
        } => cmd_rules_diff(cli, old, new, targets.as_deref(), *format),
        RulesCommand::Schema => {
            io::stdout().write_all(scopelint::rules::schema::schema_json().as_bytes())?;
            Ok(false)
        }
    }
}

fn cmd_rules_validate(
    cli: &Cli,
    files: &[PathBuf],
    format: RulesFormat,
    fail_on_warning: bool,
    color: bool,
) -> Result<bool, CliError> {
    use scopelint::rules::validate;
    let psl = rules_psl(cli)?;
    let reports: Vec<validate::FileReport> = match rules_files(cli, files) {
        Some(files) => files
            .iter()
            .map(|f| validate::validate_file(f, psl.clone()))
            .collect(),
        None => vec![validate::validate_str(
            scopelint::rules::EMBEDDED_RULES,
            scopelint::rules::EMBEDDED_RULES_PATH,
            psl,
        )],
    };
    let all: Vec<&validate::Problem> = reports.iter().flat_map(|r| &r.problems).collect();
    write_reports(format, &reports, |r| validate::render_text(r, color), &all)?;
    let errors: usize = reports.iter().map(|r| r.errors()).sum();
    let warnings: usize = reports.iter().map(|r| r.warnings()).sum();
    if errors > 0 {
        return Err(CliError::Config(format!(
            "rules validate: {errors} error{} in {} file{}",
            if errors == 1 { "" } else { "s" },
            reports.len(),
            if reports.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(fail_on_warning && warnings > 0)
}

fn cmd_rules_test(
    cli: &Cli,
    files: &[PathBuf],
    format: RulesFormat,
    fail_uncovered: bool,
    color: bool,
) -> Result<bool, CliError> {
    use scopelint::rules::examples;
    let rules = load_rules_from(cli, files)?;
    let reports: Vec<examples::TestReport> =
        rules.programs.iter().map(examples::run_examples).collect();
    write_reports(
        format,
        &reports,
        |r| examples::render_text(r, color),
        &reports,
    )?;
    Ok(reports
        .iter()
        .any(|r| r.failed() > 0 || (fail_uncovered && !r.uncovered.is_empty())))
}

/// Writes each report as text, or `json` as one pretty-printed document, to standard output.
fn write_reports<R>(
    format: RulesFormat,
    reports: &[R],
    text: impl Fn(&R) -> String,
    json: &impl serde::Serialize,
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        RulesFormat::Text => {
            for r in reports {
                out.write_all(text(r).as_bytes())?;
            }
        }
        RulesFormat::Json => {
            serde_json::to_writer_pretty(&mut out, json).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

/// The program `--program ID` names, or the first one loaded.
fn select_program<'r>(
    rules: &'r scopelint::ScopeRules,
    program: Option<&str>,
) -> Result<&'r scopelint::rules::Program, CliError> {
    match program {
        None => rules.programs.first(),
        Some(id) => rules.programs.iter().find(|p| p.id() == id),
    }
    .ok_or_else(|| {
        let ids: Vec<&str> = rules.programs.iter().map(|p| p.id()).collect();
        CliError::Config(format!(
            "no program `{}` is loaded (loaded: {})",
            program.unwrap_or(""),
            ids.join(", ")
        ))
    })
}

fn cmd_rules_show(cli: &Cli, program: Option<&str>, format: RulesFormat) -> Result<bool, CliError> {
    let rules = load_rules(cli)?;
    let p = select_program(&rules, program)?;
    let mut out = io::stdout().lock();
    match format {
        RulesFormat::Text => out.write_all(scopelint::rules::show::show_text(p).as_bytes())?,
        RulesFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &scopelint::rules::show::show_json(p))
                .map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(false)
}

fn cmd_rules_diff(
    cli: &Cli,
    old: &std::path::Path,
    new: &std::path::Path,
    targets: Option<&std::path::Path>,
    format: RulesFormat,
) -> Result<bool, CliError> {
    use scopelint::rules::{diff, load_program_file};
    let psl = rules_psl(cli)?;
    let old = load_program_file(old, psl.clone()).map_err(|e| CliError::Config(e.to_string()))?;
    let new = load_program_file(new, psl).map_err(|e| CliError::Config(e.to_string()))?;
    let changes = diff::diff_files(&old.file, &new.file);
    let verdicts = match targets {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Config(format!("{}: {e}", path.display())))?;
            Some(diff::diff_targets(&old, &new, text.lines()))
        }
        None => None,
    };
    let mut out = io::stdout().lock();
    match format {
        RulesFormat::Text => {
            out.write_all(diff::render_text(&changes, verdicts.as_deref()).as_bytes())?
        }
        RulesFormat::Json => {
            let v = serde_json::json!({ "changes": changes, "verdict_changes": verdicts });
            serde_json::to_writer_pretty(&mut out, &v).map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(match &verdicts {
        Some(v) => !v.is_empty(),
        None => !changes.is_empty(),
    })
}

// ---- `scopelint import` / `scopelint export` ----------------------------------------------------

#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// Input format.
    #[arg(value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(scopelint::import::ImportFormat::NAMES))]
    format: String,
    /// Input file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The program to import from a platform file (handle, id, URL's last segment or name).
    #[arg(long, value_name = "HANDLE")]
    program: Option<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output: a rules YAML file, or a cleaned plain list.
    #[arg(long, value_name = "KIND", default_value = "yaml", value_parser = ["yaml", "list"])]
    to: String,
}

#[derive(clap::Args, Debug)]
struct ExportArgs {
    /// Output format.
    #[arg(value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(scopelint::export::ExportFormat::NAMES))]
    format: String,
    /// Program id, when several rules files are loaded (default: the first).
    #[arg(long, value_name = "ID")]
    program: Option<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), CliError> {
    match path {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| CliError::Config(format!("{}: cannot write: {e}", p.display()))),
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

fn cmd_import(cli: &Cli, args: &ImportArgs) -> Result<bool, CliError> {
    let psl = rules_psl(cli)?;
    let format = scopelint::import::ImportFormat::parse(&args.format)
        .ok_or_else(|| CliError::Config(format!("unknown import format `{}`", args.format)))?;
    let (text, skipped) = scopelint::import::run_import(
        format,
        &args.file,
        args.program.as_deref(),
        args.to == "list",
        &psl,
    )
    .map_err(CliError::Config)?;
    for line in &skipped.messages {
        eprintln!("scopelint: skipped {line}");
    }
    eprintln!("scopelint import: {}", skipped.summary);
    write_output(args.output.as_deref(), &text)?;
    Ok(skipped.count > 0)
}

fn cmd_export(cli: &Cli, args: &ExportArgs) -> Result<bool, CliError> {
    let rules = load_rules(cli)?;
    let format = scopelint::export::ExportFormat::parse(&args.format)
        .ok_or_else(|| CliError::Config(format!("unknown export format `{}`", args.format)))?;
    let p = select_program(&rules, args.program.as_deref())?;
    let ex = scopelint::export::export(p, format);
    for w in &ex.warnings {
        eprintln!("scopelint: cannot express: {w}");
    }
    write_output(args.output.as_deref(), &ex.text)?;
    Ok(!ex.warnings.is_empty())
}
