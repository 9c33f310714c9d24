//! `scopelint probe` and `scopelint proxy`: the commands that send requests, through one engine
//! (scope check per hop, pacing, budget, audit log).

use std::io;
use std::sync::Arc;

use scopelint::probe::{self, Engine, ProbeOptions};
use scopelint::ScopeRules;

use super::args::{InterceptArgs, ProbeArgs, ProxyArgs, SendArgs};
use super::{CliError, ExitStatus};

/// Build the engine shared by `probe` and `proxy` from the rules and the command line.
pub fn engine(rules: ScopeRules, a: &SendArgs) -> Result<Engine, CliError> {
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
        eprintln!("scopelint: warning: {}", scopelint::text::printable(&w));
    }
    let mut pins = probe::resolve::Pins::default();
    for spec in &a.resolve {
        pins.add(spec).map_err(CliError::Config)?;
    }
    let timeout = probe::rate::parse_timeout("--timeout", a.timeout).map_err(CliError::Config)?;
    if a.max_wait > probe::rate::MAX_WAIT_SECS {
        return Err(CliError::Config(format!(
            "--max-wait {}: at most {} seconds",
            a.max_wait,
            probe::rate::MAX_WAIT_SECS
        )));
    }
    let audit = match &a.audit_log {
        Some(p) => Some(
            probe::audit::AuditLog::open(p)
                .map_err(|e| CliError::Config(format!("--audit-log {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let mut upstream_roots = Vec::new();
    for file in &a.upstream_ca {
        upstream_roots.extend(
            probe::intercept::read_pem_certificates(file)
                .map_err(|e| CliError::Config(format!("--upstream-ca {e}")))?,
        );
    }
    let cfg = probe::EngineConfig {
        upstream_roots,
        pins,
        pacing,
        timeout,
        user_agent: a.user_agent.clone(),
        max_requests: a.max_requests,
        max_wait: std::time::Duration::from_secs(a.max_wait),
        audit,
    };
    Engine::new(rules, cfg).map_err(CliError::Config)
}

/// The interception CA when `--intercept` is given: loaded from `--ca-dir` (or the default
/// directory), made there on first use.
pub fn cert_authority(
    a: &InterceptArgs,
) -> Result<Option<Arc<probe::intercept::CertAuthority>>, CliError> {
    if !a.intercept {
        return Ok(None);
    }
    let dir = match &a.ca_dir {
        Some(d) => d.clone(),
        None => probe::intercept::default_ca_dir().ok_or_else(|| {
            CliError::Config(
                "--intercept: no data directory (neither XDG_DATA_HOME nor HOME is set); give --ca-dir"
                    .into(),
            )
        })?,
    };
    let ca = probe::intercept::CertAuthority::load_or_create(&dir)
        .map_err(|e| CliError::Config(format!("--intercept: {e}")))?;
    eprintln!(
        "scopelint: intercepting TLS with the CA {} (clients must trust it)",
        ca.cert_path().display()
    );
    Ok(Some(Arc::new(ca)))
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn cmd_probe(rules: ScopeRules, args: &ProbeArgs, color: bool) -> Result<ExitStatus, CliError> {
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
    if args.require_marker {
        // Nothing checked is not a pass.
        if !rules.programs.iter().any(|p| p.file.test_naming.is_some()) {
            return Err(CliError::Usage(
                "--require-marker: the program has no `test_naming`, so there is no marker to check"
                    .into(),
            ));
        }
        let has_jwt = headers
            .get_all(reqwest::header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| probe::token::bearer_jwt(v).is_some());
        if !has_jwt {
            return Err(CliError::Usage(
                "--require-marker: no `Authorization: Bearer <JWT>` header, so no token to check for the marker"
                    .into(),
            ));
        }
    }
    let marker_problems = probe::token_warnings(&rules, &headers);
    for w in &marker_problems {
        eprintln!("scopelint: warning: {}", scopelint::text::printable(w));
    }
    if args.require_marker && !marker_problems.is_empty() {
        eprintln!(
            "scopelint: refusing to send: --require-marker and the token lacks the test marker"
        );
        return Ok(ExitStatus::Findings);
    }
    if headers.get_all(reqwest::header::HOST).iter().count() > 1 {
        return Err(CliError::Usage(
            "--header Host: given more than once; give one virtual host".into(),
        ));
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
    let input = io::BufReader::new(super::progress::ProgressReader::new(
        io::stdin(),
        "probe",
        args.no_progress,
    ));
    let (targets, reader) = probe::read_targets(args.urls.clone(), input);
    let (summary, _) =
        runtime()?.block_on(probe::run_probe(engine, targets, opts, io::stdout()))?;
    let skipped = reader
        .join()
        .map_err(|_| CliError::Io(io::Error::other("the input reader failed")))??;
    if summary.targets == 0 && skipped == 0 {
        return Err(CliError::Config("no URLs given".into()));
    }
    eprintln!("scopelint probe: {}", summary.line());
    // A skipped input line is a target that was not probed: not a clean run.
    Ok(ExitStatus::found(summary.found() || skipped > 0))
}

pub fn cmd_proxy(rules: ScopeRules, args: &ProxyArgs) -> Result<ExitStatus, CliError> {
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        return Err(CliError::Config(format!(
            "--listen {}: not a loopback address; add --allow-remote to expose the proxy",
            args.listen
        )));
    }
    if args.max_connections == 0 {
        return Err(CliError::Config(
            "--max-connections must be at least 1".into(),
        ));
    }
    let header_timeout = probe::rate::parse_timeout("--header-timeout", args.header_timeout)
        .map_err(CliError::Config)?;
    let engine = Arc::new(engine(rules, &args.send)?);
    let opts = probe::proxy::ProxyOptions {
        no_wait: args.no_wait,
        max_connections: args.max_connections,
        header_timeout,
        intercept: cert_authority(&args.intercept)?,
    };
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot listen on {}: {e}", args.listen))
            })?;
        eprintln!(
            "scopelint proxy listening on {} ({}); Ctrl-C to stop",
            listener.local_addr()?,
            engine.limiters
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let stats = probe::proxy::serve(engine.clone(), listener, opts, shutdown).await?;
        eprintln!("scopelint proxy: stopped: {}", stats.line());
        Ok::<_, io::Error>(())
    })?;
    Ok(ExitStatus::Clean)
}
