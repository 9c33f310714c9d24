//! `scopelint proxy`: a forward HTTP proxy with the same scope check, pacing and audit log as
//! `probe`, for any tool that can use a proxy.
//!
//! - Absolute-form requests (`GET http://host/path HTTP/1.1`) are checked and forwarded
//!   (redirects are passed back to the client, whose next request is checked in turn).
//! - `CONNECT host:port` is checked on its authority; then the first bytes from the client must
//!   be a TLS ClientHello whose server name is that host (see [`super::client_hello`]) before
//!   anything is connected or passed on. Without interception the TLS inside is passed through,
//!   so `--rate` and `--max-requests` count the tunnel, not the requests inside it.
//! - With interception ([`ProxyOptions::intercept`]) the proxy ends the client's TLS itself
//!   with a certificate for the CONNECT host signed by the local CA ([`super::intercept`]), and
//!   every request inside goes through the same path as a plain one (scope by host and path,
//!   Host header, pacing, budget, an audit entry each), sent upstream over TLS verified against
//!   the webpki roots (plus `--upstream-ca`). A host in scope only for some paths may then be
//!   tunnelled to; each request's path decides.
//! - Bounded: at most `--max-connections` client connections (more get a 503 and are closed),
//!   request headers must arrive within `--header-timeout`, request bodies are streamed
//!   (never buffered whole), response bodies are buffered up to
//!   [`client::MAX_BODY_BYTES`] (a larger one is a 502) by at most [`MAX_IN_FLIGHT`]
//!   requests at once.
//! - Out of scope: `403` with the reason in the body. Over the rate: the request waits, or gets
//!   `429` with `Retry-After` under `--no-wait`.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use reqwest::Url;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use super::audit::AuditRecord;
use super::client_hello::{self, Parsed, MAX_CLIENT_HELLO};
use super::intercept::CertAuthority;
use super::{client, Engine, Throttle};

/// Largest request body forwarded (streamed; a longer one is cut off and the request fails).
pub const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;
/// Default of `--max-connections`: most client connections open at once.
pub const MAX_CONNECTIONS: usize = 512;
/// Default of `--header-timeout`: longest wait for a client's request headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Most forwarded requests in flight at once (each may buffer one response body).
pub const MAX_IN_FLIGHT: usize = 16;
/// Longest wait for the ClientHello after a CONNECT is answered.
pub const CLIENT_HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Engine rule ids of tunnel refusals.
pub const RULE_TUNNEL_NOT_TLS: &str = "tunnel-not-tls";
pub const RULE_TUNNEL_SERVER_NAME: &str = "tunnel-server-name";
/// Rule id of a request inside an intercepted tunnel that names another host than the
/// tunnel's (`Host` header or absolute-form target).
pub const RULE_TUNNEL_HOST: &str = "tunnel-host";
use super::RULE_BAD_REQUEST;

/// The answer to a client over `--max-connections`, written before the connection is closed.
fn busy_answer(max: usize) -> String {
    let body = format!("scopelint proxy: too many open connections ({max}); try again later\n");
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nX-Scopelint: refused\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Headers that belong to one connection and are never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// Answer 429 instead of waiting when a request is over the rate.
    pub no_wait: bool,
    /// Most client connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// Longest wait for a client's request headers.
    pub header_timeout: Duration,
    /// End the client's TLS inside CONNECT tunnels with certificates of this CA and check
    /// every request inside; `None` passes tunnels through.
    pub intercept: Option<Arc<CertAuthority>>,
}

impl Default for ProxyOptions {
    fn default() -> ProxyOptions {
        ProxyOptions {
            no_wait: false,
            max_connections: MAX_CONNECTIONS,
            header_timeout: HEADER_READ_TIMEOUT,
            intercept: None,
        }
    }
}

/// Counts of one proxy run.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub forwarded: AtomicU64,
    pub tunnels: AtomicU64,
    pub refused: AtomicU64,
    /// Connections turned away over `--max-connections`.
    pub busy: AtomicU64,
    pub limited: AtomicU64,
    pub errors: AtomicU64,
    /// Tunnels whose TLS the proxy ended itself (`--intercept`).
    pub intercepted: AtomicU64,
}

impl ProxyStats {
    pub fn line(&self) -> String {
        let intercepted = match self.intercepted.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!(", {n} tunnels intercepted"),
        };
        // What a pass-through tunnel carried was not checked; the summary says so.
        let tunnels = self.tunnels.load(Ordering::Relaxed);
        let unchecked = match tunnels {
            0 => "",
            _ => " (inside a tunnel only the host and TLS server name were checked, not the Host header or path: --intercept checks each request)",
        };
        format!(
            "{} forwarded, {tunnels} tunnels, {} refused, {} rate-limited, {} errors, {} connections turned away{intercepted}{unchecked}",
            self.forwarded.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
            self.limited.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed),
            self.busy.load(Ordering::Relaxed),
        )
    }
}

struct State {
    engine: Arc<Engine>,
    opts: ProxyOptions,
    stats: Arc<ProxyStats>,
    shutdown: watch::Receiver<bool>,
    in_flight: Arc<Semaphore>,
    /// Open tunnels, so shutdown can wait for their closing records.
    tunnels: Arc<Mutex<tokio::task::JoinSet<()>>>,
}

type Resp = Response<Full<Bytes>>;

/// A refusal, as text a client (curl) shows on a terminal: it quotes targets and the rules
/// file's reasons, so it is escaped (see [`crate::text::printable`]).
fn text(status: StatusCode, body: String) -> Resp {
    let body = crate::text::printable(&body).into_owned();
    let mut r = Response::new(Full::new(Bytes::from(body + "\n")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert("x-scopelint", HeaderValue::from_static("refused"));
    // A refused CONNECT must not leave the client waiting on an open connection.
    r.headers_mut()
        .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// Serve on `listener` until `shutdown` completes; then stop accepting, let open requests
/// finish (up to 5 s) and close tunnels.
pub async fn serve(
    engine: Arc<Engine>,
    listener: TcpListener,
    opts: ProxyOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<Arc<ProxyStats>> {
    let stats = Arc::new(ProxyStats::default());
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let tunnels: Arc<Mutex<tokio::task::JoinSet<()>>> = Arc::default();
    let (tx, rx) = watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        eprintln!("scopelint proxy: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                while conns.try_join_next().is_some() {}
                // An open tunnel holds its client connection too.
                let open_tunnels = {
                    let mut t = tunnels.lock().unwrap_or_else(|e| e.into_inner());
                    while t.try_join_next().is_some() {}
                    t.len()
                };
                if conns.len() + open_tunnels >= opts.max_connections {
                    // Best effort: the answer fits in a fresh socket's buffer.
                    let _ = stream.try_write(busy_answer(opts.max_connections).as_bytes());
                    stats.busy.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let header_timeout = opts.header_timeout;
                let state = Arc::new(State {
                    engine: engine.clone(),
                    opts: opts.clone(),
                    stats: stats.clone(),
                    shutdown: rx.clone(),
                    in_flight: in_flight.clone(),
                    tunnels: tunnels.clone(),
                });
                let stop = rx.clone();
                conns.spawn(serve_http1(
                    stream,
                    move |req| handle(state.clone(), req),
                    header_timeout,
                    stop,
                ));
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(6), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.abort_all();
    // Tunnels saw the shutdown signal too: let them write their closing records.
    let mut open = std::mem::take(&mut *tunnels.lock().unwrap_or_else(|e| e.into_inner()));
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while open.join_next().await.is_some() {}
    })
    .await;
    open.abort_all();
    Ok(stats)
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Resp {
    if req.method() == Method::CONNECT {
        connect(state, req).await
    } else {
        forward(state, req).await
    }
}

/// Answer a request the proxy cannot read (400) or take (413), with an audit record.
fn bad_request(
    state: &State,
    req_method: &Method,
    target: &str,
    status: StatusCode,
    why: String,
) -> Resp {
    let mut rec = AuditRecord::new("proxy", req_method.as_str(), target, "");
    rec.rule = Some(RULE_BAD_REQUEST.into());
    rec.reason = Some(why.clone());
    let _ = state.engine.audit(&rec);
    state.stats.refused.fetch_add(1, Ordering::Relaxed);
    text(status, format!("scopelint proxy: {why}"))
}

/// Checks shared by both kinds of request. `Err` is the response to give instead.
async fn admit(
    state: &State,
    rec: &mut AuditRecord,
    host: &str,
    port: u16,
) -> Result<SocketAddr, Resp> {
    let engine = &state.engine;
    let refuse = |rec: &mut AuditRecord, status: StatusCode, rule: &str, why: String| {
        rec.rule = Some(rule.to_string());
        rec.reason = Some(why.clone());
        let _ = engine.audit(rec);
        if status == StatusCode::FORBIDDEN {
            state.stats.refused.fetch_add(1, Ordering::Relaxed);
        } else {
            state.stats.limited.fetch_add(1, Ordering::Relaxed);
        }
        text(
            status,
            format!("scopelint: refused {} {}: {why}", rec.method, rec.url),
        )
    };
    if let Some(why) = engine.host_stopped(host) {
        return Err(refuse(
            rec,
            StatusCode::TOO_MANY_REQUESTS,
            super::RULE_STOPPED,
            why,
        ));
    }
    let resolved = match engine.resolve(host, port).await {
        Ok(r) => r,
        Err(e) => return Err(refuse(rec, StatusCode::FORBIDDEN, e.rule, e.reason)),
    };
    rec.addr = Some(resolved.addr.to_string());
    if state.opts.no_wait {
        let wait = engine
            .host_pause(host)
            .map_or_else(|| engine.limiters.try_take(host).err(), Some);
        if let Some(d) = wait {
            let secs = d.as_secs_f64().ceil().max(1.0) as u64;
            let mut r = refuse(
                rec,
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limit",
                format!("over the rate limit; retry in {}ms", d.as_millis()),
            );
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
            return Err(r);
        }
    }
    if let Err(why) = engine.take_budget() {
        return Err(refuse(
            rec,
            StatusCode::TOO_MANY_REQUESTS,
            super::RULE_BUDGET,
            why,
        ));
    }
    if !state.opts.no_wait {
        engine.wait_turn(host).await;
    }
    Ok(resolved.addr)
}

async fn connect(state: Arc<State>, req: Request<Incoming>) -> Resp {
    let engine = state.engine.clone();
    let Some(auth) = req.uri().authority().cloned() else {
        return bad_request(
            &state,
            req.method(),
            &req.uri().to_string(),
            StatusCode::BAD_REQUEST,
            "CONNECT needs host:port".into(),
        );
    };
    let host = auth
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let Some(port) = auth.port_u16() else {
        return bad_request(
            &state,
            req.method(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "CONNECT needs host:port".into(),
        );
    };
    let mut rec = AuditRecord::new("proxy", "CONNECT", auth.as_str(), &host);
    let scope = engine.check_authority(&host, port);
    rec.rule = Some(scope.rule.clone());
    let intercept = state.opts.intercept.clone();
    // Intercepted, a host in scope for some paths is admitted: each request's path decides.
    let admitted = scope.in_scope || (intercept.is_some() && scope.paths_only);
    if !admitted {
        rec.reason = Some(scope.reason.clone());
        let _ = engine.audit(&rec);
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
        return text(
            StatusCode::FORBIDDEN,
            format!("scopelint: refused CONNECT {auth}: {}", scope.reason),
        );
    }
    if let Some(ca) = intercept {
        // Nothing goes upstream for the tunnel itself: each request inside is admitted (and
        // paced, budgeted, logged) on its own.
        let tunnels = state.tunnels.clone();
        on_upgrade(&tunnels, req, move |io| {
            intercepted_tunnel(state, ca, rec, host, port, io)
        });
        return Response::new(Full::new(Bytes::new()));
    }
    let addr = match admit(&state, &mut rec, &host, port).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Nothing is connected upstream until the client's ClientHello names this host.
    let tunnels = state.tunnels.clone();
    on_upgrade(&tunnels, req, move |io| async move {
        tunnel(&state, rec, &host, addr, io).await;
    });
    Response::new(Full::new(Bytes::new()))
}

/// Read the ClientHello (across as many packets as it takes, up to [`MAX_CLIENT_HELLO`]
/// bytes); the bytes read and what they say.
async fn read_client_hello<R: AsyncRead + Unpin>(
    client: &mut R,
) -> Result<(Vec<u8>, client_hello::ClientHello), String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            match client_hello::parse(&buf)? {
                Parsed::Complete(hello) => return Ok(hello),
                Parsed::Incomplete if buf.len() >= MAX_CLIENT_HELLO => {
                    return Err(format!(
                        "no complete ClientHello in the first {MAX_CLIENT_HELLO} bytes"
                    ))
                }
                Parsed::Incomplete => {}
            }
            let room = (MAX_CLIENT_HELLO - buf.len()).min(chunk.len());
            let n = client
                .read(&mut chunk[..room])
                .await
                .map_err(|e| format!("reading the ClientHello: {e}"))?;
            if n == 0 {
                return Err("the client closed the tunnel before a complete ClientHello".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    let hello = tokio::time::timeout(CLIENT_HELLO_TIMEOUT, read)
        .await
        .map_err(|_| {
            format!(
                "no complete ClientHello within {}s",
                CLIENT_HELLO_TIMEOUT.as_secs()
            )
        })??;
    Ok((buf, hello))
}

/// Whether a ClientHello's server name fits the CONNECT host: the same name; or, for an IP
/// literal (which has no server name), none. `Err` says why not.
fn check_server_name(connect_host: &str, server_name: Option<&str>) -> Result<(), String> {
    let is_ip = connect_host.parse::<std::net::IpAddr>().is_ok();
    let want = connect_host.trim_end_matches('.');
    match server_name {
        Some(name) if !is_ip && name.eq_ignore_ascii_case(want) => Ok(()),
        None if is_ip => Ok(()),
        Some(name) => Err(format!(
            "the ClientHello names `{name}`, not the CONNECT host `{connect_host}`"
        )),
        None => Err(format!(
            "the ClientHello has no server name; a tunnel to `{connect_host}` must name it"
        )),
    }
}

/// Hold a CONNECT tunnel to `addr`: check the ClientHello, write the `sending` record, connect,
/// pass bytes both ways, then write the tunnel's record with duration and bytes.
async fn tunnel<C: AsyncRead + AsyncWrite + Unpin>(
    state: &State,
    mut rec: AuditRecord,
    host: &str,
    addr: SocketAddr,
    mut client: C,
) {
    let engine = &state.engine;
    let refuse = |rec: &mut AuditRecord, rule: &str, why: String| {
        rec.rule = Some(rule.into());
        rec.reason = Some(why);
        let _ = engine.audit(rec);
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
    };
    let (hello_bytes, hello) = match read_client_hello(&mut client).await {
        Ok(h) => h,
        Err(why) => return refuse(&mut rec, RULE_TUNNEL_NOT_TLS, why),
    };
    rec.server_name = hello.server_name.clone();
    if let Err(why) = check_server_name(host, hello.server_name.as_deref()) {
        return refuse(&mut rec, RULE_TUNNEL_SERVER_NAME, why);
    }
    rec.time = super::audit::rfc3339_now();
    if let Err(e) = engine.audit_sending(&rec) {
        eprintln!(
            "scopelint proxy: {e}; tunnel to {} closed, nothing sent",
            crate::text::printable(host)
        );
        state.stats.errors.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let start = Instant::now();
    let upstream =
        match tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                let _ = upstream_error(state, &mut rec, format!("connect to {addr}: {e}"));
                return;
            }
            Err(_) => {
                let _ = upstream_error(state, &mut rec, format!("connect to {addr}: timed out"));
                return;
            }
        };
    state.stats.tunnels.fetch_add(1, Ordering::Relaxed);
    let to_server = AtomicU64::new(0);
    let to_client = AtomicU64::new(0);
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut server_read, mut server_write) = upstream.into_split();
    let up = async {
        server_write.write_all(&hello_bytes).await?;
        to_server.fetch_add(hello_bytes.len() as u64, Ordering::Relaxed);
        pump(&mut client_read, &mut server_write, &to_server).await
    };
    let down = pump(&mut server_read, &mut client_write, &to_client);
    let mut stop = state.shutdown.clone();
    let ended = tokio::select! {
        r = async { tokio::try_join!(up, down) } => r.err().map(|e| e.to_string()),
        _ = stop.changed() => Some("closed at proxy shutdown".into()),
    };
    rec.verdict = "sent";
    rec.status = Some(200);
    rec.duration_ms = Some(start.elapsed().as_millis() as u64);
    rec.bytes = Some(to_client.load(Ordering::Relaxed));
    rec.bytes_sent = Some(to_server.load(Ordering::Relaxed));
    rec.reason = ended;
    if let Err(e) = engine.audit(&rec) {
        eprintln!("scopelint proxy: {e}");
    }
}

/// Once the client's CONNECT is answered, serve the upgraded connection with `serve`, as a
/// task of `tunnels` (finished tasks are reaped first, so the set does not grow).
fn on_upgrade<F, Fut>(tunnels: &Mutex<tokio::task::JoinSet<()>>, req: Request<Incoming>, serve: F)
where
    F: FnOnce(TokioIo<hyper::upgrade::Upgraded>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut tunnels = tunnels.lock().unwrap_or_else(|e| e.into_inner());
    while tunnels.try_join_next().is_some() {}
    tunnels.spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(req).await {
            serve(TokioIo::new(upgraded)).await;
        }
    });
}

/// Serve an intercepted tunnel to `host:port`: check the ClientHello's server name, end the
/// client's TLS with a certificate for `host` signed by `ca`, then serve the HTTP/1.1 requests
/// inside, each checked and forwarded like a plain request ([`inside_tunnel`]). `rec` is the
/// CONNECT's record, written only when the tunnel fails before its first request.
async fn intercepted_tunnel<C: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    state: Arc<State>,
    ca: Arc<CertAuthority>,
    mut rec: AuditRecord,
    host: String,
    port: u16,
    client: C,
) {
    let engine = state.engine.clone();
    let fail = |rec: &mut AuditRecord, rule: Option<&str>, why: String| {
        if let Some(rule) = rule {
            rec.rule = Some(rule.into());
            state.stats.refused.fetch_add(1, Ordering::Relaxed);
        } else {
            rec.verdict = "error";
            state.stats.errors.fetch_add(1, Ordering::Relaxed);
        }
        rec.reason = Some(why);
        let _ = engine.audit(rec);
    };
    let acceptor =
        tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), client);
    let start = match tokio::time::timeout(CLIENT_HELLO_TIMEOUT, acceptor).await {
        Ok(Ok(start)) => start,
        Ok(Err(e)) => {
            let why = format!("the tunnel does not start with a TLS ClientHello: {e}");
            return fail(&mut rec, Some(RULE_TUNNEL_NOT_TLS), why);
        }
        Err(_) => {
            let why = format!(
                "no ClientHello within {}s of the CONNECT",
                CLIENT_HELLO_TIMEOUT.as_secs()
            );
            return fail(&mut rec, Some(RULE_TUNNEL_NOT_TLS), why);
        }
    };
    let server_name = start.client_hello().server_name().map(str::to_string);
    rec.server_name = server_name.clone();
    if let Err(why) = check_server_name(&host, server_name.as_deref()) {
        return fail(&mut rec, Some(RULE_TUNNEL_SERVER_NAME), why);
    }
    let config = match ca.server_config(&host) {
        Ok(c) => c,
        Err(why) => return fail(&mut rec, None, why),
    };
    let tls = match start.into_stream(config).await {
        Ok(t) => t,
        Err(e) => {
            let why = format!(
                "TLS handshake with the client failed (does it trust the scopelint CA, {}?): {e}",
                ca.cert_path().display()
            );
            return fail(&mut rec, None, why);
        }
    };
    state.stats.intercepted.fetch_add(1, Ordering::Relaxed);
    let header_timeout = state.opts.header_timeout;
    let stop = state.shutdown.clone();
    let handler = move |req| {
        let (state, host) = (state.clone(), host.clone());
        async move { inside_tunnel(state, &host, port, req).await }
    };
    serve_http1(tls, handler, header_timeout, stop).await;
}

/// Serves one HTTP/1 connection (a client's, or the requests inside an intercepted tunnel)
/// until it ends, or until the proxy stops: then it is shut down gracefully, for at most 5 s.
/// Upgrades are allowed; only the proxy's own CONNECT answer asks for one.
async fn serve_http1<I, H, F>(
    io: I,
    handler: H,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> F + Send + 'static,
    F: Future<Output = Resp> + Send + 'static,
{
    let svc = service_fn(move |req| {
        let answer = handler(req);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(io), svc)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

/// One request inside an intercepted tunnel to `host:port`: it must name the tunnel's host
/// (origin-form target, or an absolute one for that host; a `Host` header, when given, for
/// that host), then it is checked and forwarded as `https://host:port/path` exactly like a
/// plain request.
async fn inside_tunnel(state: Arc<State>, host: &str, port: u16, req: Request<Incoming>) -> Resp {
    let bracketed = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let authority = if port == 443 {
        bracketed.clone()
    } else {
        format!("{bracketed}:{port}")
    };
    let method = req.method().clone();
    // As logged: the URL the request would be sent to.
    let target = match req.uri().authority() {
        Some(_) => super::audit::redact_userinfo(&req.uri().to_string()),
        None => format!("https://{authority}{}", req.uri()),
    };
    let refuse = |rule: &str, status: StatusCode, why: String| {
        let mut rec = AuditRecord::new("proxy", method.as_str(), &target, host);
        rec.rule = Some(rule.into());
        rec.reason = Some(why.clone());
        let _ = state.engine.audit(&rec);
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
        text(
            status,
            format!("scopelint: refused {method} {target}: {why}"),
        )
    };
    if method == Method::CONNECT {
        return refuse(
            RULE_BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            "CONNECT inside a tunnel".into(),
        );
    }
    // `host` or `host:port` of the tunnel (the upstream request's Host comes from its URL).
    let names_tunnel = |named: &str| {
        let named = named.trim();
        match named.parse::<hyper::http::uri::Authority>() {
            Ok(a) if !named.contains('@') => {
                let h = a.host().trim_start_matches('[').trim_end_matches(']');
                h.trim_end_matches('.').eq_ignore_ascii_case(host)
                    && a.port_u16().is_none_or(|p| p == port)
            }
            _ => false,
        }
    };
    if let Some(a) = req.uri().authority() {
        if !names_tunnel(a.as_str()) {
            let why = format!("the request names `{a}`, not the tunnel's host `{authority}`");
            return refuse(RULE_TUNNEL_HOST, StatusCode::FORBIDDEN, why);
        }
    }
    let hosts: Vec<&HeaderValue> = req.headers().get_all(hyper::header::HOST).iter().collect();
    if hosts.len() > 1 {
        let why = "more than one Host header".to_string();
        return refuse(RULE_TUNNEL_HOST, StatusCode::FORBIDDEN, why);
    }
    if let Some(h) = hosts.first() {
        let named = String::from_utf8_lossy(h.as_bytes()).into_owned();
        if !names_tunnel(&named) {
            let why = format!(
                "the Host header `{}` is not the tunnel's host `{authority}`",
                named.trim()
            );
            return refuse(RULE_TUNNEL_HOST, StatusCode::FORBIDDEN, why);
        }
    }
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    if !path.starts_with('/') {
        let why = format!("`{path}` is not a path");
        return refuse(RULE_BAD_REQUEST, StatusCode::BAD_REQUEST, why);
    }
    match Url::parse(&format!("https://{authority}{path}")) {
        Ok(url) => forward_url(state.clone(), req, url).await,
        Err(e) => refuse(
            RULE_BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            format!("`https://{authority}{path}` is not a URL: {e}"),
        ),
    }
}

/// Copy until end of input, counting bytes, then close the write side.
async fn pump<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    from: &mut R,
    to: &mut W,
    count: &AtomicU64,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return to.shutdown().await;
        }
        to.write_all(&buf[..n]).await?;
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
}

fn upstream_error(state: &State, rec: &mut AuditRecord, why: String) -> Resp {
    rec.verdict = "error";
    rec.reason = Some(why.clone());
    let _ = state.engine.audit(rec);
    state.stats.errors.fetch_add(1, Ordering::Relaxed);
    text(StatusCode::BAD_GATEWAY, format!("scopelint: {why}"))
}

async fn forward(state: Arc<State>, req: Request<Incoming>) -> Resp {
    let uri = req.uri().clone();
    let method = req.method().clone();
    if uri.scheme().is_none() || uri.authority().is_none() {
        return bad_request(
            &state,
            &method,
            &uri.to_string(),
            StatusCode::BAD_REQUEST,
            "send absolute-form requests (http://host/path) or CONNECT host:port".into(),
        );
    }
    let url = match Url::parse(&uri.to_string()) {
        Ok(u) if u.host_str().is_some() => u,
        _ => {
            let shown = super::audit::redact_userinfo(&uri.to_string());
            return bad_request(
                &state,
                &method,
                &uri.to_string(),
                StatusCode::BAD_REQUEST,
                format!("`{shown}` is not a URL"),
            );
        }
    };
    forward_url(state, req, url).await
}

/// Check, admit and forward one request to `url` (a plain request's absolute URL, or the
/// `https://` URL of a request inside an intercepted tunnel).
async fn forward_url(state: Arc<State>, req: Request<Incoming>, url: Url) -> Resp {
    let engine = state.engine.clone();
    let method = req.method().clone();
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = url.port_or_known_default().unwrap_or(0);
    let mut rec = AuditRecord::new("proxy", method.as_str(), &super::loggable(&url), &host);
    let scope = engine.check_request(&url, req.headers());
    rec.rule = Some(scope.rule.clone());
    if !scope.in_scope {
        rec.reason = Some(scope.reason.clone());
        let _ = engine.audit(&rec);
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
        return text(
            StatusCode::FORBIDDEN,
            format!("scopelint: refused {method} {}: {}", rec.url, scope.reason),
        );
    }
    let (parts, body) = req.into_parts();
    let declared_len = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        return bad_request(
            &state,
            &method,
            &rec.url,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over the {MAX_REQUEST_BODY}-byte limit"),
        );
    }
    // A body whose fields servers read as parameters is read whole and checked with the query
    // before anything is sent (only when some rule has a query condition); others stream.
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let has_fields = engine.reads_body_fields()
        && declared_len != Some(0)
        && !body.is_end_stream()
        && content_type
            .as_deref()
            .and_then(super::body::BodyKind::of)
            .is_some();
    let (body, whole) = if has_fields {
        match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(b) => (None, Some(b.to_bytes())),
            Err(e) => {
                return bad_request(
                    &state,
                    &method,
                    &rec.url,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                    "request body not read whole (over the {MAX_REQUEST_BODY}-byte limit?): {e}"
                ),
                )
            }
        }
    } else {
        (Some(body), None)
    };
    if let Some(refusal) = whole
        .as_ref()
        .and_then(|b| engine.check_body(&url, content_type.as_deref(), b))
    {
        rec.rule = Some(refusal.rule.clone());
        rec.reason = Some(refusal.reason.clone());
        let _ = engine.audit(&rec);
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
        return text(
            StatusCode::FORBIDDEN,
            format!(
                "scopelint: refused {method} {}: {}",
                rec.url, refusal.reason
            ),
        );
    }
    let addr = match admit(&state, &mut rec, &host, port).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(_permit) = state.in_flight.clone().acquire_owned().await else {
        return upstream_error(&state, &mut rec, "the proxy is shutting down".into());
    };
    let mut headers = strip_hop_by_hop(&parts.headers);
    // The program's identification headers: this request is in scope (checked above).
    super::add_program_headers(&mut headers, &scope);
    if !scope.headers.is_empty() {
        rec = rec.with_headers(
            scope
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("?"))),
        );
    }
    let client = match engine.clients.get_async(&host, addr).await {
        Ok(c) => c,
        Err(e) => return upstream_error(&state, &mut rec, e),
    };
    // Streamed to the server as it arrives; a body over the limit fails the request.
    let body = match (body, whole) {
        (_, Some(whole)) => Some(reqwest::Body::from(whole)),
        (Some(body), None) => (declared_len != Some(0) && !body.is_end_stream()).then(|| {
            reqwest::Body::wrap(SyncBody(Mutex::new(Limited::new(body, MAX_REQUEST_BODY))))
        }),
        (None, None) => None,
    };
    if let Err(e) = engine.audit_sending(&rec) {
        state.stats.errors.fetch_add(1, Ordering::Relaxed);
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("scopelint proxy: not sent: {e}"),
        );
    }
    let reply = match client::send(
        &client,
        method.clone(),
        url,
        headers,
        body,
        client::BodyMode::Whole,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return upstream_error(&state, &mut rec, e),
    };
    super::record_reply(&mut rec, &reply);
    if let Some(Throttle::Stop(msg)) = engine.after_reply(&host, &reply) {
        rec.reason = Some(msg);
    }
    if let Err(e) = engine.audit(&rec) {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("scopelint proxy: {e}"),
        );
    }
    state.stats.forwarded.fetch_add(1, Ordering::Relaxed);
    let mut resp = Response::new(Full::new(reply.body.clone().unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut h = strip_hop_by_hop(&reply.headers);
    if method != Method::HEAD {
        h.remove(CONTENT_LENGTH);
    }
    *resp.headers_mut() = h;
    resp
}

/// A request body made `Sync` for reqwest (hyper's incoming body is only `Send`); it is only
/// ever polled by one task, so the lock is never contended.
struct SyncBody<B>(Mutex<B>);

impl<B: hyper::body::Body + Unpin> hyper::body::Body for SyncBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let inner = self
            .get_mut()
            .0
            .get_mut()
            .unwrap_or_else(|e| e.into_inner());
        std::pin::Pin::new(inner).poll_frame(cx)
    }
}

fn strip_hop_by_hop(h: &HeaderMap) -> HeaderMap {
    let mut out = h.clone();
    let listed: Vec<String> = h
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()))
        .collect();
    for name in HOP_BY_HOP
        .iter()
        .copied()
        .chain(listed.iter().map(String::as_str))
    {
        if !name.is_empty() {
            out.remove(name);
        }
    }
    out
}
