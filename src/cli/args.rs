//! The command line: every subcommand's arguments, as clap parses them. Formats are parsed
//! from the library's [`Named`] enums, so the library itself does not depend on clap.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};

use scopelint::diagnostic::Severity;
use scopelint::export::ExportFormat;
use scopelint::import::ImportFormat;
use scopelint::lint::report::LintFormat;
use scopelint::named::Named;
use scopelint::output::CheckFormat;
use scopelint::probe::{self, ProbeFormat};
use scopelint::VerdictKind;

/// A value parser for a [`Named`] enum: its names are the possible values.
pub fn named<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    named_among(T::names())
}

/// A value parser for the values of a [`Named`] enum called `names`.
fn named_among<T: Named + Send + Sync>(
    names: Vec<&'static str>,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(names).map(|s| T::parse(&s).expect("one of the possible values"))
}

/// The import formats that are whole platform files (`sync PLATFORM`).
fn platform_file() -> impl TypedValueParser<Value = ImportFormat> {
    named_among(ImportFormat::platform_file_names())
}

#[derive(Parser, Debug)]
#[command(
    name = "scopelint",
    version,
    long_version = super::config::long_version(),
    about = "Keep bug-bounty research inside the program's scope rules",
    propagate_version = true
)]
pub struct Cli {
    /// Configuration file to use instead of the discovered scopelint.yaml / .scopelint.yaml.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, global = true)]
    pub isolated: bool,
    /// Rules file to use instead of the embedded default program (repeatable).
    #[arg(long = "rules", global = true, value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Public Suffix List file to use instead of the vendored copy.
    #[arg(long, global = true, value_name = "FILE")]
    pub psl: Option<PathBuf>,
    /// Load plain lists without their unusable inclusions (a warning each, then a count), for
    /// raw community lists; an unusable exclusion, or an entry that may be one (`！x`, an
    /// invisible character before `!`), is still an error.
    #[arg(long, global = true)]
    pub skip_invalid: bool,
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
    /// Run a command with every HTTP(S) request it makes going through the enforcing proxy.
    #[command(
        after_help = "The proxy listens on an ephemeral loopback port; CMD and its children get\n\
        HTTP_PROXY, HTTPS_PROXY, ALL_PROXY (and lower-case forms) pointing at it, NO_PROXY removed.\n\
        Exit code: CMD's (128+N when killed by signal N); 1 with --fail-on-refused after a refusal.\n\
        Examples:\n  \
        scopelint run --audit-log audit.jsonl -- curl -s https://login.live.com/\n  \
        scopelint run --fail-on-refused --max-requests 200 -- ./agent.sh\n  \
        scopelint run --isolate --intercept --audit-log audit.jsonl -- ./agent.sh"
    )]
    Run(RunArgs),
    /// Serve the scope engine to AI agents over the Model Context Protocol (stdio).
    #[command(
        after_help = "Tools: check_targets, program_summary, lint_draft, send_request, audit_tail.\n\
        The rules, rate, budget and audit log are fixed by these options; the agent cannot change them.\n\
        Examples:\n  \
        scopelint mcp --audit-log audit.jsonl --max-requests 500\n  \
        scopelint --rules my-program.yaml mcp --rate 0.5/s"
    )]
    Mcp(McpArgs),
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
        after_help = "Formats: list, hackerone, bugcrowd, intigriti, yeswehack, federacy, burp, hackerone-csv.\n\
        Entries that cannot be used are listed on stderr with the reason, then `imported N, skipped M`.\n\
        Exit 0: everything imported; 1: something skipped; 2: usage, file or JSON error.\n\
        Examples:\n  \
        scopelint import list wildcards.txt --to list > clean.txt\n  \
        scopelint import bugcrowd bugcrowd_data.json --program acme --output acme.yaml\n  \
        scopelint import bugcrowd bugcrowd_data.json --all --output scope/bugcrowd\n  \
        scopelint import hackerone-csv scopes_for_acme.csv --program acme"
    )]
    Import(ImportArgs),
    /// Fetch a platform file, import every program into a directory, print what changed since
    /// the last sync.
    #[command(
        after_help = "Keeps the previous import in DIR/.previous/ and the fetched file with its ETag and\n\
        Last-Modified in DIR/.sync/ (sent back as If-None-Match / If-Modified-Since).\n\
        Exit 0: no change (or the first sync); 1: scope changed (the feed is printed); 2: errors.\n\
        Examples:\n  \
        scopelint sync bugcrowd https://raw.githubusercontent.com/arkadiyt/bounty-targets-data/main/data/bugcrowd_data.json --into scope/bugcrowd\n  \
        scopelint sync intigriti URL --into scope/intigriti --format jsonl >> feed.jsonl"
    )]
    Sync(SyncArgs),
    /// Write a program's host scope for Burp, ZAP, Caido, as a plain list or as HackerOne's
    /// scope CSV.
    #[command(
        after_help = "What the format cannot express is left out and said on stderr (exit 1).\n\
        Examples:\n  \
        scopelint export burp > burp-scope.json\n  \
        scopelint --rules acme.yaml export list\n  \
        scopelint --rules acme.yaml export hackerone-csv --output acme-scope.csv"
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
    /// Print the man page (roff), or write every page (one per subcommand) to a directory.
    #[command(after_help = "Examples:\n  \
        scopelint man > ~/.local/share/man/man1/scopelint.1\n  \
        scopelint man --dir ~/.local/share/man/man1\n  \
        scopelint man | man -l -")]
    Man {
        /// Write scopelint.1 and scopelint-<command>.1 for every subcommand into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print every setting, its value and where it came from (flag, env, file:line, default).
    #[command(after_help = "Examples:\n  \
        scopelint config show\n  \
        SCOPELINT_RULES=other.yaml scopelint config show\n  \
        scopelint --rules my-program.yaml config show")]
    Show,
}

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Draft files, directories (every *.md below, respecting .gitignore), or `-` for stdin.
    #[arg(value_name = "PATH", required_unless_present = "explain")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_parser = named::<LintFormat>(), default_value = "text")]
    pub format: LintFormat,
    /// Exit 1 when any diagnostic is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "error", value_parser = named::<Severity>())]
    pub fail_on: Severity,
    /// Name to report for a draft read from stdin (`-`).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<String>,
    /// Explain a rule (or an excluded class / rule of engagement id) and exit; with draft
    /// PATHs, also show why each place of each draft did or did not trigger it.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// Succeed when the paths hold no draft (by default that is an error, exit 2).
    #[arg(long)]
    pub allow_empty: bool,
    /// Drop this rule's diagnostics (repeatable; adds to `lint.disable` in scopelint.yaml).
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
    /// Report this rule even if `lint.disable` in scopelint.yaml drops it (repeatable).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,
    /// The session's audit log (probe, proxy, run): warn for every declared target and URL it
    /// does not show as sent, error for those it shows refused.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Targets: URLs, hosts, host:port, host/path, IPs, android:<package>, ios:<bundle-id>.
    /// With none, or `-`, targets are read from standard input, one per line.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Output format.
    #[arg(long, value_parser = named::<CheckFormat>(), default_value = "text")]
    pub format: CheckFormat,
    /// Print only the input lines with this verdict, unchanged (exit 0 if any, 1 if none).
    #[arg(long, value_name = "VERDICT", value_parser = named::<VerdictKind>())]
    pub print: Option<VerdictKind>,
    /// Show the decision path for each target.
    #[arg(long)]
    pub explain: bool,
    /// Print nothing; the exit status is the answer (0: every target in scope).
    #[arg(long, short = 'q', conflicts_with_all = ["print", "explain"])]
    pub quiet: bool,
    /// At the end, print the counts of each verdict on standard error.
    #[arg(long)]
    pub stats: bool,
    /// No progress line on a terminal while standard input is read.
    #[arg(long)]
    pub no_progress: bool,
    /// Match by trying every rule in turn instead of the index (slow; for checking the index).
    #[arg(long, hide = true)]
    pub reference: bool,
    /// Worker threads for standard input (0: one per core, at most 8). Output stays in input
    /// order.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Read JSON Lines from standard input and classify the text at this field path (repeatable;
    /// dotted, `[]` for each element of an array: `host`, `url`, `data.leaf_cert.all_domains[]`).
    /// A record is in scope only when every value is.
    #[arg(long, value_name = "PATH")]
    pub field: Vec<String>,
}

/// Pacing, resolution and audit options shared by `probe` and `proxy`.
#[derive(clap::Args, Debug)]
pub struct SendArgs {
    /// Global rate: `4/s`, `100/min`, `0.5/s` (default: the rules file's `probe.rate`).
    #[arg(long, value_name = "RATE")]
    pub rate: Option<String>,
    /// Rate per host (default: the rules file's `probe.per_host_rate`, else --rate).
    #[arg(long, value_name = "RATE")]
    pub per_host_rate: Option<String>,
    /// Requests allowed back to back before pacing applies (default: rules file, else 1).
    #[arg(long, value_name = "N")]
    pub burst: Option<u32>,
    /// Hard budget: send at most N requests in this run.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,
    /// Pin HOST:PORT to ADDR (curl syntax, repeatable). Pinned addresses may be internal.
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Longest Retry-After to honor, in seconds; a host asking for more is no longer probed.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub max_wait: u64,
    /// Append one JSON line per attempted request to FILE.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// User-Agent header.
    #[arg(long, value_name = "UA", default_value = concat!("scopelint/", env!("CARGO_PKG_VERSION")))]
    pub user_agent: String,
    /// Also trust the CA certificates in this PEM file for upstream HTTPS (repeatable; the
    /// public webpki roots stay trusted). For staging servers with a private CA.
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Vec<PathBuf>,
}

/// TLS interception options shared by `proxy` and `run`.
#[derive(clap::Args, Debug)]
pub struct InterceptArgs {
    /// End TLS inside CONNECT tunnels with certificates of a local CA and check every request
    /// inside (scope by host and path, pacing, budget, audit) like a plain one.
    #[arg(long)]
    pub intercept: bool,
    /// Directory of the interception CA (made there on first use, key mode 0600; default:
    /// $XDG_DATA_HOME/scopelint/ca or ~/.local/share/scopelint/ca).
    #[arg(long, value_name = "DIR", requires = "intercept")]
    pub ca_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ProbeArgs {
    /// URLs to probe. With none, or `-`, URLs are read from standard input, one per line.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    #[command(flatten)]
    pub send: SendArgs,
    /// HTTP method (default: HEAD, falling back to GET when HEAD is refused).
    #[arg(long, short = 'X', value_name = "METHOD")]
    pub method: Option<String>,
    /// Extra request header `Name: value` (repeatable). A `Host` header is checked like the
    /// URL and must be written as it is read; an `X-Original-URL` or `X-Rewrite-URL` path is
    /// checked like the URL's path.
    #[arg(long = "header", short = 'H', value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Follow at most N redirects (each hop is checked against the scope).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_redirects: usize,
    /// Refuse to send when a bearer token lacks the program's test marker.
    #[arg(long)]
    pub require_marker: bool,
    /// Print what would be sent, with verdicts; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress line on a terminal while standard input is read.
    #[arg(long)]
    pub no_progress: bool,
    /// Output format.
    #[arg(long, value_parser = named::<ProbeFormat>(), default_value = "text")]
    pub format: ProbeFormat,
}

#[derive(clap::Args, Debug)]
pub struct ProxyArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Allow listening on a non-loopback address (anyone who can reach it can use the proxy).
    #[arg(long)]
    pub allow_remote: bool,
    /// Answer 429 instead of waiting when a request is over the rate.
    #[arg(long)]
    pub no_wait: bool,
    /// Most client connections open at once; more are answered 503 and closed.
    #[arg(long, value_name = "N", default_value_t = probe::proxy::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Longest wait, in seconds, for a client's request headers.
    #[arg(long, value_name = "SECS", default_value_t = probe::proxy::HEADER_READ_TIMEOUT.as_secs_f64())]
    pub header_timeout: f64,
    #[command(flatten)]
    pub send: SendArgs,
    #[command(flatten)]
    pub intercept: InterceptArgs,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub send: SendArgs,
    /// Exit 1 when the proxy refused any request (out of scope, over the budget, ...).
    #[arg(long)]
    pub fail_on_refused: bool,
    /// Answer 429 instead of waiting when a request is over the rate.
    #[arg(long)]
    pub no_wait: bool,
    /// Run CMD in a network namespace of its own whose only way out is the proxy (Linux);
    /// fails (exit 2) where namespaces are unavailable, never runs CMD unisolated. (Not the
    /// global --isolated, which only ignores configuration files.)
    #[arg(long)]
    pub isolate: bool,
    #[command(flatten)]
    pub intercept: InterceptArgs,
    /// The command and its arguments (after `--`).
    #[arg(value_name = "CMD", required = true, num_args = 1.., last = true)]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(clap::Args, Debug)]
pub struct McpArgs {
    #[command(flatten)]
    pub send: SendArgs,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// Output of `rules validate`: its own text and JSON, or SARIF / GitHub annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// Output of `rules diff`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Json,
    /// One change-feed record per line.
    Jsonl,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
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
        /// Output format (SARIF and GitHub annotations through the emitters `lint` uses).
        #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
        format: ValidateFormat,
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
        /// Rules files to show (as `--rules`; default: the rules in use), like `validate`.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Program id, when several rules files are loaded.
        #[arg(long, value_name = "ID")]
        program: Option<String>,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// What changed between two revisions of a rules file, or of a directory of them (exit 1
    /// when anything did).
    #[command(
        after_help = "Two directories: programs are matched by `program.id`; the change feed lists programs\n\
        added/removed, assets added/removed/changed, exclusions added/removed (most valuable first).\n\
        Examples:\n  \
        scopelint rules diff old.yaml new.yaml\n  \
        scopelint rules diff old.yaml new.yaml --targets targets.txt\n  \
        scopelint rules diff scope/.previous scope --format jsonl\n  \
        git show HEAD~1:p.yaml > old.yaml && scopelint rules diff old.yaml p.yaml"
    )]
    Diff {
        /// The earlier revision: a rules file (YAML), a plain list, or a directory of them.
        old: PathBuf,
        /// The later revision: a rules file (YAML), a plain list, or a directory of them.
        new: PathBuf,
        /// Target list (one per line; `-` for standard input): show the targets whose verdict
        /// changes, and why.
        #[arg(long, value_name = "FILE")]
        targets: Option<PathBuf>,
        /// `jsonl`: one change-feed record per line (`change`, `program`, `asset`, `covers`).
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Print the JSON Schema of the rules format.
    #[command(after_help = "Examples:\n  \
        scopelint rules schema > scopelint-rules.schema.json\n  \
        # in a rules file, for editor completion (yaml-language-server):\n  \
        # yaml-language-server: $schema=./scopelint-rules.schema.json")]
    Schema,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Input format.
    #[arg(value_name = "FORMAT", value_parser = named::<ImportFormat>())]
    pub format: ImportFormat,
    /// Input file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The program to import from a platform file (handle, id, URL's last segment or name).
    #[arg(long, value_name = "HANDLE")]
    pub program: Option<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output: a rules YAML file, or a cleaned plain list.
    #[arg(long, value_name = "KIND", default_value = "yaml", value_parser = ["yaml", "list"])]
    pub to: String,
    /// Every program of a platform file: one rules file each in the `--output` directory, plus
    /// `skipped.tsv` (what was not imported and why).
    #[arg(long, conflicts_with = "program", requires = "output")]
    pub all: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(value_name = "FORMAT", value_parser = named::<ExportFormat>())]
    pub format: ExportFormat,
    /// Program id, when several rules files are loaded (default: the first).
    #[arg(long, value_name = "ID")]
    pub program: Option<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// The platform whose bounty-targets-data file URL serves.
    #[arg(value_name = "PLATFORM", value_parser = platform_file())]
    pub platform: ImportFormat,
    /// The platform file's http:// or https:// URL.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The directory of rules files (one per program) to keep in sync.
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// The largest file accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_bytes: u64,
    /// Seconds to connect, and for the whole download.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// The change feed as text, a JSON document, or JSON lines (one change each).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}
