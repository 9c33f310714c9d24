//! `scopelint proxy`: a forward HTTP proxy with the same scope check, pacing and audit log as
//! `probe`, for any tool that can use a proxy.
//!
//! - Absolute-form requests (`GET http://host/path HTTP/1.1`) are checked and forwarded
//!   (redirects are passed back to the client, whose next request is checked in turn).
//! - `CONNECT host:port` is checked on its authority, then bytes are passed through untouched
//!   (no TLS interception).
//! - Out of scope: `403` with the reason in the body. Over the rate: the request waits, or gets
//!   `429` with `Retry-After` under `--no-wait`.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use reqwest::Url;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::audit::AuditRecord;
use super::{client, Engine, Throttle};

/// Largest request body forwarded.
pub const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

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

#[derive(Debug, Clone, Copy, Default)]
pub struct ProxyOptions {
    /// Answer 429 instead of waiting when a request is over the rate.
    pub no_wait: bool,
}

/// Counts of one proxy run.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub forwarded: AtomicU64,
    pub tunnels: AtomicU64,
    pub refused: AtomicU64,
    pub limited: AtomicU64,
    pub errors: AtomicU64,
}

impl ProxyStats {
    pub fn line(&self) -> String {
        format!(
            "{} forwarded, {} tunnels, {} refused, {} rate-limited, {} errors",
            self.forwarded.load(Ordering::Relaxed),
            self.tunnels.load(Ordering::Relaxed),
            self.refused.load(Ordering::Relaxed),
            self.limited.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed)
        )
    }
}

struct State {
    engine: Arc<Engine>,
    opts: ProxyOptions,
    stats: Arc<ProxyStats>,
    shutdown: watch::Receiver<bool>,
}

type Resp = Response<Full<Bytes>>;

fn text(status: StatusCode, body: String) -> Resp {
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
                let state = Arc::new(State {
                    engine: engine.clone(),
                    opts,
                    stats: stats.clone(),
                    shutdown: rx.clone(),
                });
                let mut stop = rx.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(state, req).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .with_upgrades();
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                        }
                    }
                });
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
    Ok(stats)
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Resp {
    if req.method() == Method::CONNECT {
        connect(state, req).await
    } else {
        forward(state, req).await
    }
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
        Err(e) => return Err(refuse(rec, StatusCode::FORBIDDEN, super::RULE_INTERNAL, e)),
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
    if !engine.take_budget() {
        let why = format!(
            "the request budget (--max-requests {}) is spent",
            engine.max_requests.unwrap_or(0)
        );
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
        return text(StatusCode::BAD_REQUEST, "CONNECT needs host:port".into());
    };
    let host = auth
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let Some(port) = auth.port_u16() else {
        return text(StatusCode::BAD_REQUEST, "CONNECT needs host:port".into());
    };
    let mut rec = AuditRecord::new("proxy", "CONNECT", auth.as_str(), &host);
    let scope = engine.check_authority(&host, port);
    rec.rule = Some(scope.rule.clone());
    if !scope.in_scope {
        rec.reason = Some(scope.reason.clone());
        let _ = engine.audit(&rec);
        state.stats.refused.fetch_add(1, Ordering::Relaxed);
        return text(
            StatusCode::FORBIDDEN,
            format!("scopelint: refused CONNECT {auth}: {}", scope.reason),
        );
    }
    let addr = match admit(&state, &mut rec, &host, port).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let start = Instant::now();
    let upstream = match tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
        .await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return upstream_error(&state, &mut rec, format!("connect to {addr}: {e}")),
        Err(_) => return upstream_error(&state, &mut rec, format!("connect to {addr}: timed out")),
    };
    rec.verdict = "sent";
    rec.status = Some(200);
    rec.duration_ms = Some(start.elapsed().as_millis() as u64);
    if let Err(e) = engine.audit(&rec) {
        return text(StatusCode::INTERNAL_SERVER_ERROR, format!("audit log: {e}"));
    }
    state.stats.tunnels.fetch_add(1, Ordering::Relaxed);
    let mut stop = state.shutdown.clone();
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let mut client = TokioIo::new(upgraded);
        let mut upstream = upstream;
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
            _ = stop.changed() => {}
        }
    });
    Response::new(Full::new(Bytes::new()))
}

fn upstream_error(state: &State, rec: &mut AuditRecord, why: String) -> Resp {
    rec.verdict = "error";
    rec.reason = Some(why.clone());
    let _ = state.engine.audit(rec);
    state.stats.errors.fetch_add(1, Ordering::Relaxed);
    text(StatusCode::BAD_GATEWAY, format!("scopelint: {why}"))
}

async fn forward(state: Arc<State>, req: Request<Incoming>) -> Resp {
    let engine = state.engine.clone();
    let uri = req.uri().clone();
    if uri.scheme().is_none() || uri.authority().is_none() {
        return text(
            StatusCode::BAD_REQUEST,
            "scopelint proxy: send absolute-form requests (http://host/path) or CONNECT host:port"
                .into(),
        );
    }
    let method = req.method().clone();
    let url = match Url::parse(&uri.to_string()) {
        Ok(u) if u.host_str().is_some() => u,
        _ => {
            return text(
                StatusCode::BAD_REQUEST,
                format!("scopelint proxy: `{uri}` is not a URL"),
            )
        }
    };
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = url.port_or_known_default().unwrap_or(0);
    let mut rec = AuditRecord::new("proxy", method.as_str(), &super::loggable(&url), &host);
    let scope = engine.check_url(&url);
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
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("scopelint proxy: request body: {e}"),
            )
        }
    };
    let addr = match admit(&state, &mut rec, &host, port).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let headers = strip_hop_by_hop(&parts.headers);
    let client = match engine.clients.get_async(&host, addr).await {
        Ok(c) => c,
        Err(e) => return upstream_error(&state, &mut rec, e),
    };
    let body = (!body.is_empty()).then_some(body);
    let reply = match client::send(&client, method.clone(), url, headers, body, true).await {
        Ok(r) => r,
        Err(e) => return upstream_error(&state, &mut rec, e),
    };
    rec.verdict = "sent";
    rec.status = Some(reply.status);
    rec.duration_ms = Some(reply.duration.as_millis() as u64);
    rec.bytes = Some(reply.bytes);
    if (300..400).contains(&reply.status) {
        rec.redirect = reply.location();
    }
    if matches!(reply.status, 429 | 503) {
        if let Throttle::Stop(msg) = engine.on_throttle(&host, reply.status, reply.retry_after()) {
            rec.reason = Some(msg);
        }
    } else {
        engine.on_success(&host);
    }
    if let Err(e) = engine.audit(&rec) {
        return text(StatusCode::INTERNAL_SERVER_ERROR, format!("audit log: {e}"));
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
