//! From the command line and `scopelint.yaml` to the settings a run uses: a flag wins over the
//! environment, which wins over the configuration file, which wins over the default.

use clap::parser::ValueSource;
use clap::{ArgMatches, ValueEnum};

use super::args::{Cli, ColorChoice, Command, InterceptArgs, SendArgs};
use super::config::{self, Settings};
use super::CliError;

/// Load the configuration file (unless `--isolated`) and apply its settings wherever the
/// command line left them unset. The returned settings say where each value came from.
pub fn configure(cli: &mut Cli, m: &ArgMatches) -> Result<Settings, CliError> {
    if matches!(
        cli.command,
        Command::Completions { .. } | Command::Man { .. }
    ) {
        return Ok(Settings::resolve(
            config::ConfigChoice::Isolated,
            None,
            None,
        ));
    }
    let cwd = std::env::current_dir()?;
    let (choice, file) =
        config::load(cli.config.as_deref(), cli.isolated, &cwd).map_err(CliError::Source)?;
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
                a.fail_on = s.lint_fail_on.value;
            }
        }
        Command::Probe(a) => {
            if !given(sm, "format") {
                a.format = s.probe_format.value;
            }
            apply_send_settings(&mut a.send, &s);
        }
        Command::Proxy(a) => {
            apply_send_settings(&mut a.send, &s);
            apply_intercept_settings(&mut a.intercept, &s);
        }
        Command::Run(a) => {
            apply_send_settings(&mut a.send, &s);
            apply_intercept_settings(&mut a.intercept, &s);
        }
        Command::Mcp(a) => apply_send_settings(&mut a.send, &s),
        _ => {}
    }
    Ok(s)
}

fn apply_intercept_settings(a: &mut InterceptArgs, s: &Settings) {
    if a.ca_dir.is_none() {
        a.ca_dir = s.probe_ca_dir.value.clone();
    }
}

pub fn apply_send_settings(a: &mut SendArgs, s: &Settings) {
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
