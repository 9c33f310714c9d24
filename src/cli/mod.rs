//! The command-line front end: [`args`] (what clap parses), [`settings`] (flags merged with
//! `scopelint.yaml`), [`config`] (the configuration file), and one module per command. Each
//! command returns an [`ExitStatus`]; `main` turns it into the exit code in one place.

pub mod args;
pub mod config;
pub mod settings;

mod check;
mod import_export;
mod lint;
mod mcp;
mod progress;
mod rules;
mod run;
mod send;
mod sync;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::CommandFactory;

use scopelint::psl::SuffixList;
use scopelint::ScopeRules;

use args::{Cli, ColorChoice, Command, ConfigArgs, ConfigCommand};
use config::Settings;

/// How a command ended: the exit code is decided from this alone (`main`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing found (exit 0).
    Clean,
    /// Something found: a target out of scope, a diagnostic at the fail level (exit 1).
    Findings,
    /// The command reported errors in its input itself, e.g. `rules validate` (exit 2).
    Error,
    /// `scopelint run`: the exit code of the command it ran.
    Passthrough(u8),
}

impl ExitStatus {
    /// `Findings` when `found`, else `Clean`.
    pub fn found(found: bool) -> ExitStatus {
        if found {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }
}

/// A failure of the tool or its configuration (exit 2), as opposed to a finding.
#[derive(Debug)]
pub enum CliError {
    /// Reading input or writing output failed (a closed pipe ends the run quietly).
    Io(io::Error),
    /// A problem at a place in a file: a rules file, `scopelint.yaml`, a plain list.
    Source(scopelint::diagnostic::SourceError),
    /// Options that do not go together, or a value the command cannot use.
    Usage(String),
    /// Anything else about the setup: a rules directory without rules, a port in use, ...
    Config(String),
}

impl From<scopelint::diagnostic::SourceError> for CliError {
    fn from(e: scopelint::diagnostic::SourceError) -> Self {
        CliError::Source(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Io(e)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Io(e) => write!(f, "{e}"),
            CliError::Source(e) => write!(f, "{e}"),
            CliError::Usage(m) | CliError::Config(m) => f.write_str(m),
        }
    }
}

impl CliError {
    /// A closed pipe downstream (`scopelint check ... | head`): end quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Runs the subcommand; `Ok(true)` means something was found (exit 1).
pub fn run(cli: Cli, settings: &Settings) -> Result<ExitStatus, CliError> {
    let color = use_color(cli.color);
    match &cli.command {
        Command::Check(args) => {
            let rules = match rules_files(&cli, &[]) {
                // Only the sections that classify: start-up close to the process's own.
                None => {
                    ScopeRules::embedded_for_check(rules_psl(&cli)?).map_err(CliError::Source)?
                }
                Some(_) => load_rules(&cli)?,
            };
            let found = check::cmd_check(&rules, args, color);
            // The process ends next: skip freeing tens of thousands of rules one by one.
            std::mem::forget(rules);
            found
        }
        Command::Probe(args) => send::cmd_probe(load_rules(&cli)?, args, color),
        Command::Proxy(args) => send::cmd_proxy(load_rules(&cli)?, args),
        Command::Run(args) => run::cmd_run(load_rules(&cli)?, args),
        Command::Mcp(args) => mcp::cmd_mcp(load_rules(&cli)?, args),
        Command::Lint(args) => {
            let rules = load_rules(&cli)?;
            lint::cmd_lint(&rules, args, color, &settings.lint_disable.value)
        }
        Command::Rules(args) => rules::cmd_rules(&cli, args, color),
        Command::Import(args) => import_export::cmd_import(&cli, args),
        Command::Export(args) => import_export::cmd_export(&cli, args),
        Command::Sync(args) => sync::cmd_sync(&cli, args),
        Command::Config(ConfigArgs {
            command: ConfigCommand::Show,
        }) => {
            // A repository's configuration is as untrusted as its rules: `render` escapes it.
            io::stdout().write_all(settings.render().as_bytes())?;
            Ok(ExitStatus::Clean)
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "scopelint", &mut buf);
            io::stdout().write_all(&buf)?;
            Ok(ExitStatus::Clean)
        }
        Command::Man { dir: Some(dir) } => {
            // The main page refers to `scopelint-check(1)` and the others: write them all.
            clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
                CliError::Config(format!(
                    "{}: cannot write the man pages: {e}",
                    dir.display()
                ))
            })?;
            Ok(ExitStatus::Clean)
        }
        Command::Man { dir: None } => {
            clap_mangen::Man::new(Cli::command()).render(&mut io::stdout().lock())?;
            Ok(ExitStatus::Clean)
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
    let mut skipped = Vec::new();
    let rules = match rules_files(cli, files) {
        Some(files) => {
            ScopeRules::from_files_with(&files, psl, cli.skip_invalid.then_some(&mut skipped))
        }
        None => ScopeRules::embedded(psl),
    }
    .map_err(CliError::Source)?;
    // `--skip-invalid`: every entry left out is said, with its place and reason, then counted.
    for e in &skipped {
        eprintln!(
            "scopelint: warning: {} (inclusion skipped: --skip-invalid)",
            scopelint::text::printable(&e.to_string())
        );
    }
    if !skipped.is_empty() {
        let assets: usize = rules.programs.iter().map(|p| p.assets.len()).sum();
        eprintln!(
            "scopelint: --skip-invalid: skipped {} unusable inclusion{}, loaded {assets} asset{}",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            if assets == 1 { "" } else { "s" },
        );
    }
    Ok(rules)
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
