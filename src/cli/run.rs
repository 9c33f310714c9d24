//! `scopelint run [options] -- CMD ARGS...`: CMD behind the enforcing proxy (see
//! [`scopelint::probe::run`]); the proxy's summary on stderr, CMD's exit code.

use std::sync::Arc;

use scopelint::probe::{self, proxy::ProxyOptions, run::RunError, run::RunSetup};
use scopelint::ScopeRules;

use super::args::RunArgs;
use super::send::{engine, runtime};
use super::{CliError, ExitStatus};

/// Exit code when CMD cannot be started (the shell's "command not found").
const CANNOT_START: u8 = 127;

pub fn cmd_run(rules: ScopeRules, args: &RunArgs) -> Result<ExitStatus, CliError> {
    // clap requires at least one word of CMD.
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CliError::Usage("give the command to run after `--`".into()));
    };
    let engine = Arc::new(engine(rules, &args.send)?);
    let intercept = super::send::cert_authority(&args.intercept)?;
    let ca_bundle = intercept.as_ref().map(|ca| ca.cert_path().to_path_buf());
    let opts = ProxyOptions {
        no_wait: args.no_wait,
        intercept,
        ..ProxyOptions::default()
    };
    let setup = RunSetup {
        isolate: args.isolate,
        ca_bundle,
    };
    let isolated = if args.isolate {
        " in its own network namespace"
    } else {
        ""
    };
    let shown = program.to_string_lossy().into_owned();
    let outcome = runtime()?.block_on(async {
        let pacing = engine.limiters.to_string();
        tokio::spawn(probe::run::ignore_interrupts());
        probe::run::run_with_proxy(
            engine.clone(),
            opts,
            setup,
            program.clone(),
            rest.to_vec(),
            |addr| {
                eprintln!(
                    "scopelint run: proxy on http://{addr} ({pacing}); running {shown}{isolated}"
                )
            },
        )
        .await
    });
    let outcome = match outcome {
        Ok(o) => o,
        Err(RunError::Spawn(e)) => {
            eprintln!("scopelint run: cannot start `{shown}`: {e}");
            return Ok(ExitStatus::Passthrough(CANNOT_START));
        }
        Err(e) => return Err(CliError::Config(e.to_string())),
    };
    eprintln!(
        "scopelint run: {shown} {}; proxy: {}",
        outcome.exit,
        outcome.stats.line()
    );
    let refusals = outcome.refusals();
    if args.fail_on_refused && refusals > 0 {
        eprintln!("scopelint run: exit 1: {refusals} request(s) refused (--fail-on-refused)");
        return Ok(ExitStatus::Findings);
    }
    Ok(ExitStatus::Passthrough(outcome.exit.code()))
}
