//! `scopelint run -- CMD`: start the enforcing proxy ([`super::proxy::serve`]) on an ephemeral
//! loopback port, run CMD with the proxy variables pointing at it, wait for CMD, stop the proxy.
//!
//! CMD and every process it starts inherit `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` (and the
//! lower-case forms) with `NO_PROXY` / `no_proxy` removed, so a tool that honors the proxy
//! variables sends every HTTP request and every HTTPS tunnel through the scope check, pacing,
//! budget and audit log. A tool that ignores them (or opens raw sockets) is not stopped by the
//! variables alone: with [`RunSetup::isolate`] CMD runs in a network namespace whose only way
//! out is the proxy (see [`super::isolate`]).

use std::ffi::OsString;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::proxy::{self, ProxyOptions, ProxyStats};
use super::Engine;

/// The variables set for CMD (each to the proxy URL).
pub const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];
/// The variables removed for CMD: an exception list would let requests bypass the proxy.
pub const NO_PROXY_VARS: &[&str] = &["NO_PROXY", "no_proxy"];

/// How CMD ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildExit {
    /// Exited with this code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl ChildExit {
    /// The shell convention: the code, or 128 + the signal number.
    pub fn code(self) -> u8 {
        match self {
            ChildExit::Code(c) => (c & 0xff) as u8,
            ChildExit::Signal(n) => (128 + n).clamp(0, 255) as u8,
        }
    }

    fn from_status(st: std::process::ExitStatus) -> ChildExit {
        if let Some(c) = st.code() {
            return ChildExit::Code(c);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(n) = st.signal() {
                return ChildExit::Signal(n);
            }
        }
        ChildExit::Code(1)
    }
}

impl std::fmt::Display for ChildExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChildExit::Code(c) => write!(f, "exited with {c}"),
            ChildExit::Signal(n) => write!(f, "killed by signal {n}"),
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub exit: ChildExit,
    pub stats: Arc<ProxyStats>,
}

impl RunOutcome {
    /// Requests the proxy did not pass on: out of scope, unreadable, not TLS, over the budget,
    /// to a stopped host, or over the rate under `no_wait`.
    pub fn refusals(&self) -> u64 {
        self.stats.refused.load(Ordering::Relaxed) + self.stats.limited.load(Ordering::Relaxed)
    }
}

/// How CMD is run besides the proxy variables.
#[derive(Debug, Clone, Default)]
pub struct RunSetup {
    /// Run CMD in a network namespace whose only way out is the proxy (Linux).
    pub isolate: bool,
    /// A PEM file of CA certificates CMD's TLS clients should trust (the interception CA):
    /// set as each of [`CA_VARS`].
    pub ca_bundle: Option<std::path::PathBuf>,
}

/// The variables set to [`RunSetup::ca_bundle`] for CMD: OpenSSL-based tools, Python requests,
/// curl and Node.js each read one of them.
pub const CA_VARS: &[&str] = &[
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
];

/// Why CMD was not run.
#[derive(Debug)]
pub enum RunError {
    /// `--isolate` was asked for and the namespace could not be made (nothing was run).
    Isolate(String),
    /// The proxy could not listen (nothing was started).
    Listen(io::Error),
    /// CMD could not be started (the proxy was stopped again).
    Spawn(io::Error),
    /// Waiting for CMD failed.
    Wait(io::Error),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Isolate(e) => write!(f, "{e}"),
            RunError::Listen(e) => write!(f, "cannot start the proxy: {e}"),
            RunError::Spawn(e) => write!(f, "cannot start the command: {e}"),
            RunError::Wait(e) => write!(f, "waiting for the command failed: {e}"),
        }
    }
}

/// The command CMD runs as: proxy variables set to `proxy_url`, exceptions removed, the CA
/// variables set when there is a bundle.
pub fn command(
    program: &OsString,
    args: &[OsString],
    proxy_url: &str,
    setup: &RunSetup,
) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    for v in PROXY_VARS {
        cmd.env(v, proxy_url);
    }
    for v in NO_PROXY_VARS {
        cmd.env_remove(v);
    }
    if let Some(ca) = &setup.ca_bundle {
        for v in CA_VARS {
            cmd.env(v, ca);
        }
    }
    cmd
}

/// Spawning in a namespace, where the platform has them.
mod isolated {
    use super::RunError;

    #[cfg(target_os = "linux")]
    pub fn spawn(
        cmd: &mut std::process::Command,
    ) -> Result<(std::process::Child, std::net::TcpListener), RunError> {
        use crate::probe::isolate::{spawn_isolated, IsolateError};
        spawn_isolated(cmd).map_err(|e| match e {
            IsolateError::Spawn(e) => RunError::Spawn(e),
            e => RunError::Isolate(e.to_string()),
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn spawn(
        _cmd: &mut std::process::Command,
    ) -> Result<(std::process::Child, std::net::TcpListener), RunError> {
        Err(RunError::Isolate(
            "cannot isolate the command: --isolate needs Linux network namespaces; nothing was run"
                .into(),
        ))
    }
}

/// Run `program args` behind the proxy; `on_listen` is called with the proxy's address (as CMD
/// sees it) once it listens (before CMD starts, or just after when isolated). Fail closed: CMD
/// is not started unless the proxy is listening, and not at all when isolation was asked for
/// and cannot be had.
pub async fn run_with_proxy(
    engine: Arc<Engine>,
    opts: ProxyOptions,
    setup: RunSetup,
    program: OsString,
    args: Vec<OsString>,
    on_listen: impl FnOnce(SocketAddr),
) -> Result<RunOutcome, RunError> {
    let (listener, addr, mut child) = if setup.isolate {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, super::ISOLATED_PROXY_PORT));
        let mut cmd = command(&program, &args, &format!("http://{addr}"), &setup);
        let (mut child, listener) = isolated::spawn(&mut cmd)?;
        let listener = match TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Listen(e));
            }
        };
        // CMD is already running; its connections wait in the listener's backlog.
        on_listen(addr);
        (listener, addr, Some(child))
    } else {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(RunError::Listen)?;
        let addr = listener.local_addr().map_err(RunError::Listen)?;
        on_listen(addr);
        (listener, addr, None)
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(proxy::serve(engine, listener, opts, async move {
        let _ = stop_rx.await;
    }));
    let stop = |server: tokio::task::JoinHandle<io::Result<Arc<ProxyStats>>>| async move {
        let _ = stop_tx.send(());
        match server.await {
            Ok(Ok(stats)) => stats,
            _ => Arc::new(ProxyStats::default()),
        }
    };
    let mut child = match child.take() {
        Some(c) => c,
        None => match command(&program, &args, &format!("http://{addr}"), &setup).spawn() {
            Ok(c) => c,
            Err(e) => {
                stop(server).await;
                return Err(RunError::Spawn(e));
            }
        },
    };
    let waited = tokio::task::spawn_blocking(move || child.wait()).await;
    let stats = stop(server).await;
    let status = match waited {
        Ok(Ok(st)) => st,
        Ok(Err(e)) => return Err(RunError::Wait(e)),
        Err(e) => return Err(RunError::Wait(io::Error::other(e.to_string()))),
    };
    Ok(RunOutcome {
        exit: ChildExit::from_status(status),
        stats,
    })
}

/// Keep this process alive through Ctrl-C while CMD runs: the terminal sends SIGINT to CMD too,
/// which decides what to do; the proxy stays up until CMD has exited.
pub async fn ignore_interrupts() {
    while tokio::signal::ctrl_c().await.is_ok() {}
}
