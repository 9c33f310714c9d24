//! `scopelint proxy` against local servers: forwarding, 403 for out-of-scope requests, CONNECT
//! tunnels only for in-scope authorities and only for TLS naming that authority, 429 under
//! --no-wait, audit first, bounded resources, clean shutdown on SIGINT.
//! Every name is pinned to 127.0.0.1 with `--resolve`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{audit_entries, pin, read_headers};

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-program.yaml"
);

/// A one-request-per-connection HTTP server on 127.0.0.1 that records request lines.
struct Server {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<Vec<String>>> = Arc::default();
        let h = hits.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let h = h.clone();
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    read_headers(&mut reader);
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    h.lock().unwrap().push(line.trim().to_string());
                    let body = format!("served {path}");
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Server { addr, hits }
    }
    fn port(&self) -> u16 {
        self.addr.port()
    }
    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

struct Proxy {
    child: Child,
    addr: SocketAddr,
    stderr: BufReader<std::process::ChildStderr>,
    /// `host:port` of every `--resolve` pin (all to loopback, checked at start).
    pins: Vec<String>,
}

impl Proxy {
    fn start(args: &[String]) -> Proxy {
        Proxy::start_with(RULES, args)
    }

    /// [`Proxy::start`] with another rules file.
    fn start_with(rules: &str, args: &[String]) -> Proxy {
        let pins = args
            .iter()
            .filter_map(|a| a.strip_prefix("--resolve="))
            .map(|spec| {
                let (hostport, addr) = spec.rsplit_once(':').unwrap();
                let ip: std::net::IpAddr = addr.parse().unwrap();
                assert!(
                    ip.is_loopback(),
                    "test bug: --resolve {spec} is not loopback"
                );
                hostport.to_ascii_lowercase()
            })
            .collect();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
            .args([
                "--isolated",
                "--rules",
                rules,
                "proxy",
                "--listen",
                "127.0.0.1:0",
            ])
            .args(args)
            .env_remove("SCOPELINT_RULES")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let addr = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("proxy exited before listening: {seen}");
            }
            if line.contains("listening on") {
                break line
                    .split_whitespace()
                    .find_map(|w| w.parse::<SocketAddr>().ok())
                    .unwrap_or_else(|| panic!("no listen address in {line:?}"));
            }
            seen.push_str(&line);
        };
        Proxy {
            child,
            addr,
            stderr,
            pins,
        }
    }

    /// Refuses a request whose target authority is not pinned to loopback: with a bug in the
    /// proxy's scope check, an unpinned name would be resolved by real DNS.
    fn assert_pinned(&self, request: &str) {
        let target = request.split_whitespace().nth(1).unwrap_or("");
        let Some(authority) = target
            .strip_prefix("http://")
            .map(|rest| rest.split('/').next().unwrap_or(""))
            .or((!target.starts_with('/')).then_some(target))
        else {
            return; // origin form (`GET /path`): no upstream name
        };
        let authority = if authority.contains(':') {
            authority.to_ascii_lowercase()
        } else {
            format!("{}:80", authority.to_ascii_lowercase())
        };
        assert!(
            self.pins.contains(&authority),
            "test bug: {authority} is not pinned to loopback with --resolve"
        );
    }

    /// Send raw bytes, read until the server closes (or `until` appears), return the text.
    fn exchange(&self, request: &str) -> String {
        self.assert_pinned(request);
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    /// SIGINT, then wait for a clean exit; returns the rest of stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let ok = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            assert!(Instant::now() < deadline, "proxy did not stop on SIGINT");
            thread::sleep(Duration::from_millis(20));
        };
        let mut rest = String::new();
        let _ = self.stderr.read_to_string(&mut rest);
        (status, rest)
    }
}

/// A server on 127.0.0.1 that answers `204` to each request and records its body (read to
/// its `Content-Length`); its port and the bodies.
fn body_server() -> (u16, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let r2 = received.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            // The request line reads as a header line without a colon, which is skipped.
            let len: usize = read_headers(&mut reader)
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            r2.lock().unwrap().push(body);
            let _ = write!(
                stream,
                "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, received)
}

/// Send `CONNECT authority`, read the proxy's answer head; the stream and the status line.
fn open_tunnel(proxy: &Proxy, authority: &str) -> (TcpStream, String) {
    proxy.assert_pinned(&format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"
    ));
    let mut s = TcpStream::connect(proxy.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    write!(
        s,
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    (s, head.lines().next().unwrap_or("").to_string())
}

fn read_rest(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// A TLS 1.2-framed ClientHello, as a client would send it: the server name (if any) and extra
/// extensions (type, data).
fn client_hello(server_name: Option<&str>, extra: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut exts = Vec::new();
    if let Some(name) = server_name {
        let n = name.as_bytes();
        exts.extend_from_slice(&0u16.to_be_bytes());
        exts.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
        exts.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        exts.push(0);
        exts.extend_from_slice(&(n.len() as u16).to_be_bytes());
        exts.extend_from_slice(n);
    }
    for (t, d) in extra {
        exts.extend_from_slice(&t.to_be_bytes());
        exts.extend_from_slice(&(d.len() as u16).to_be_bytes());
        exts.extend_from_slice(d);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// A TCP server on 127.0.0.1 standing in for a TLS server: it records every byte of every
/// connection, answers `server-hello` to the first bytes and closes when the client does.
struct RawServer {
    addr: SocketAddr,
    conns: Arc<Mutex<Vec<Received>>>,
}

/// The bytes one connection has received so far.
type Received = Arc<Mutex<Vec<u8>>>;

impl RawServer {
    fn start() -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let conns: Arc<Mutex<Vec<Received>>> = Arc::default();
        let c = conns.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let received: Received = Arc::default();
                c.lock().unwrap().push(received.clone());
                thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let mut answered = false;
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        received.lock().unwrap().extend_from_slice(&buf[..n]);
                        if !answered {
                            answered = true;
                            let _ = stream.write_all(b"server-hello");
                        }
                    }
                });
            }
        });
        RawServer { addr, conns }
    }
    fn port(&self) -> u16 {
        self.addr.port()
    }
    /// The bytes of each connection so far.
    fn received(&self) -> Vec<Vec<u8>> {
        self.conns
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.lock().unwrap().clone())
            .collect()
    }
}

/// Wait (up to 10 s) until the audit log has `n` entries with `verdict`.
fn wait_for_entries(log: &std::path::Path, verdict: &str, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let entries = audit_entries(log);
        if entries.iter().filter(|e| e["verdict"] == verdict).count() >= n
            || Instant::now() > deadline
        {
            return entries;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn forwards_in_scope_refuses_out_of_scope_and_tunnels_only_in_scope() {
    let inside = Server::start();
    let outside = Server::start();
    let (ip, op) = (inside.port(), outside.port());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let proxy = Proxy::start(&[
        "--rate".into(),
        "50/s".into(),
        pin("www.example.net", ip),
        pin("evil.example.org", op),
        pin("blocked.svc.example.net", op),
        format!("--audit-log={}", log.display()),
    ]);

    // Plain HTTP, in scope: forwarded, response relayed.
    let r = proxy.exchange(&format!(
        "GET http://www.example.net:{ip}/hello HTTP/1.1\r\nHost: www.example.net:{ip}\r\nProxy-Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\n"
    ));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.ends_with("served /hello"), "{r}");

    // Plain HTTP, out of scope: 403 with the reason.
    let r = proxy.exchange(&format!(
        "GET http://evil.example.org:{op}/ HTTP/1.1\r\nHost: evil.example.org:{op}\r\nConnection: close\r\n\r\n"
    ));
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(
        r.contains("out-of-scope") && r.contains("evil.example.org"),
        "{r}"
    );

    // CONNECT, in scope, then plaintext HTTP through it: the tunnel is closed unused.
    let (mut s, status) = open_tunnel(&proxy, &format!("www.example.net:{ip}"));
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    write!(s, "GET /tunneled HTTP/1.1\r\nHost: www.example.net\r\n\r\n").unwrap();
    assert_eq!(read_rest(&mut s), b"");

    // CONNECT, out of scope (an exclusion): 403, nothing reaches the server.
    let r = proxy.exchange(&format!(
        "CONNECT blocked.svc.example.net:{op} HTTP/1.1\r\nHost: blocked.svc.example.net:{op}\r\n\r\n"
    ));
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(r.contains("blocked service"), "{r}");

    // Not a proxy request.
    let r = proxy.exchange("GET /direct HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");

    let (status, err) = proxy.stop();
    assert!(status.success(), "{status:?} {err}");
    assert!(err.contains("stopped"), "{err}");

    assert_eq!(inside.hits(), ["GET /hello HTTP/1.1"]);
    assert!(
        outside.hits().is_empty(),
        "out-of-scope server was contacted: {:?}",
        outside.hits()
    );

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("c2VjcmV0"), "{text}");
    let entries = audit_entries(&log);
    let summary: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["verdict"].as_str().unwrap().to_string(),
                e["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let s = |m: &str, v: &str, r: &str| (m.to_string(), v.to_string(), r.to_string());
    assert_eq!(
        summary,
        [
            s("GET", "sending", "www"),
            s("GET", "sent", "www"),
            s("GET", "refused", "no-asset"),
            s("CONNECT", "refused", "tunnel-not-tls"),
            s("CONNECT", "refused", "blocked"),
            s("GET", "refused", "bad-request"),
        ],
        "{text}"
    );
}

#[test]
fn over_rate_requests_get_429_with_no_wait() {
    let s = Server::start();
    let p = s.port();
    let proxy = Proxy::start(&[
        "--rate".into(),
        "1/min".into(),
        "--no-wait".into(),
        pin("www.example.net", p),
    ]);
    let req = format!("GET http://www.example.net:{p}/ HTTP/1.1\r\nHost: www.example.net:{p}\r\nConnection: close\r\n\r\n");
    let first = proxy.exchange(&req);
    let second = proxy.exchange(&req);
    let (status, _) = proxy.stop();
    assert!(status.success());
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(second.starts_with("HTTP/1.1 429"), "{second}");
    assert!(
        second.to_ascii_lowercase().contains("retry-after:"),
        "{second}"
    );
    assert_eq!(s.hits().len(), 1);
}

#[test]
fn over_rate_requests_wait_by_default() {
    let s = Server::start();
    let p = s.port();
    let proxy = Proxy::start(&["--rate".into(), "4/s".into(), pin("www.example.net", p)]);
    let req = format!("GET http://www.example.net:{p}/ HTTP/1.1\r\nHost: www.example.net:{p}\r\nConnection: close\r\n\r\n");
    let start = Instant::now();
    for _ in 0..3 {
        assert!(proxy.exchange(&req).starts_with("HTTP/1.1 200"));
    }
    let took = start.elapsed();
    proxy.stop();
    assert!(
        took >= Duration::from_millis(480),
        "3 requests at 4/s took {took:?}"
    );
    assert_eq!(s.hits().len(), 3);
}

/// A refusal quotes the rules file's reason to the client, which shows it on a terminal
/// (curl prints the body): the reason's escape sequences and `\r` arrive escaped.
#[test]
fn a_refusal_shows_the_rules_text_escaped() {
    let outside = Server::start();
    let op = outside.port();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("hostile.yaml");
    std::fs::write(
        &rules,
        "schema_version: 1\nprogram: {id: h, name: H, revision: \"1\"}\nassets:\n  - id: all\n    hosts: [\"*.example.net\"]\n    include_apex: false\nexclusions:\n  - id: ex\n    hosts: [no.example.net]\n    reason: \"Excluded\\r\\e[2KIN-SCOPE \\e]0;title\\a\"\n",
    )
    .unwrap();
    let proxy = Proxy::start_with(rules.to_str().unwrap(), &[pin("no.example.net", op)]);
    let r = proxy.exchange(&format!(
        "GET http://no.example.net:{op}/ HTTP/1.1\r\nHost: no.example.net:{op}\r\nConnection: close\r\n\r\n"
    ));
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    let body = r.split_once("\r\n\r\n").unwrap().1;
    assert!(
        body.contains("Excluded\\r\\u{1b}[2KIN-SCOPE \\u{1b}]0;title\\u{7}"),
        "{body}"
    );
    assert!(!body.contains(['\u{1b}', '\u{7}', '\r']), "{body:?}");
    proxy.stop();
    assert!(outside.hits().is_empty());
}

#[test]
fn refuses_non_loopback_listen_without_allow_remote() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
        .args([
            "--isolated",
            "--rules",
            RULES,
            "proxy",
            "--listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

/// Issue 14, item 1: an in-scope CONNECT carries only TLS whose ClientHello names the CONNECT
/// host. Plaintext (100 pipelined requests for an excluded Host), another or no server name
/// (domain fronting), and Encrypted Client Hello are refused before anything is connected; a
/// ClientHello split across packets is read whole; an IP-literal CONNECT may omit the name.
/// The tunnel's record has its duration and bytes both ways.
#[test]
fn tunnels_carry_only_tls_naming_the_connect_host() {
    let server = RawServer::start();
    let p = server.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let proxy = Proxy::start(&[
        "--rate".into(),
        "50/s".into(),
        pin("www.example.net", p),
        pin("127.0.0.1", p),
        format!("--audit-log={}", log.display()),
    ]);
    let authority = format!("www.example.net:{p}");

    let smuggled: String = (0..100)
        .map(|n| format!("GET /{n} HTTP/1.1\r\nHost: blocked.svc.example.net\r\n\r\n"))
        .collect();
    let ech = (0xfe0d, vec![0u8; 32]);
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("plaintext", smuggled.into_bytes()),
        (
            "excluded name",
            client_hello(Some("blocked.svc.example.net"), &[]),
        ),
        ("fronting", client_hello(Some("api.example.net"), &[])),
        ("no name", client_hello(None, &[])),
        ("ECH", client_hello(Some("www.example.net"), &[ech])),
    ];
    for (what, bytes) in &refused {
        let (mut s, status) = open_tunnel(&proxy, &authority);
        assert!(status.starts_with("HTTP/1.1 200"), "{what}: {status}");
        s.write_all(bytes).unwrap();
        assert_eq!(read_rest(&mut s), b"", "{what}: the tunnel answered");
    }
    assert!(
        server.received().is_empty(),
        "a refused tunnel reached the server"
    );

    // Split across two packets, a pause between them: read whole, passed on byte for byte.
    let hello = client_hello(Some("WWW.example.net"), &[(10, vec![0, 2, 0, 29])]);
    let (mut s, status) = open_tunnel(&proxy, &authority);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    s.write_all(&hello[..7]).unwrap();
    thread::sleep(Duration::from_millis(200));
    s.write_all(&hello[7..]).unwrap();
    s.write_all(b"after").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_rest(&mut s), b"server-hello");

    // An IP literal has no server name to check.
    let (mut s, status) = open_tunnel(&proxy, &format!("127.0.0.1:{p}"));
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let nameless = client_hello(None, &[]);
    s.write_all(&nameless).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_rest(&mut s), b"server-hello");

    let mut want_split = hello.clone();
    want_split.extend_from_slice(b"after");
    assert_eq!(server.received(), [want_split, nameless.clone()]);

    let entries = wait_for_entries(&log, "sent", 2);
    let (status, err) = proxy.stop();
    assert!(status.success(), "{err}");
    let rules: Vec<&str> = entries
        .iter()
        .filter(|e| e["verdict"] == "refused")
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "tunnel-not-tls",
            "tunnel-server-name",
            "tunnel-server-name",
            "tunnel-server-name",
            "tunnel-not-tls"
        ]
    );
    let ech_reason = entries.iter().rfind(|e| e["verdict"] == "refused").unwrap()["reason"]
        .as_str()
        .unwrap();
    assert!(
        ech_reason.contains("Encrypted Client Hello"),
        "{ech_reason}"
    );
    let sent: Vec<&serde_json::Value> = entries.iter().filter(|e| e["verdict"] == "sent").collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["server_name"], "www.example.net");
    assert_eq!(sent[0]["bytes_sent"], hello.len() as u64 + 5);
    assert_eq!(sent[0]["bytes"], 12);
    assert!(sent[0]["duration_ms"].is_u64());
    assert_eq!(sent[1]["bytes_sent"], nameless.len() as u64);
    assert!(sent[1].get("server_name").is_none());
    // Audit first: each tunnel's `sending` record comes before its `sent` one.
    assert_eq!(
        entries.iter().filter(|e| e["verdict"] == "sending").count(),
        2
    );
}

/// `--max-requests` and `--rate` count tunnels: a second CONNECT over the budget is refused.
#[test]
fn tunnels_count_against_the_request_budget() {
    let server = RawServer::start();
    let p = server.port();
    let proxy = Proxy::start(&[
        "--max-requests".into(),
        "1".into(),
        pin("www.example.net", p),
    ]);
    let authority = format!("www.example.net:{p}");
    let (_first, status) = open_tunnel(&proxy, &authority);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let (_second, status) = open_tunnel(&proxy, &authority);
    assert!(status.starts_with("HTTP/1.1 429"), "{status}");
    proxy.stop();
}

/// Issue 14, item 4: with an audit log that cannot be written, nothing reaches the server and
/// every answer names the log.
#[test]
fn nothing_is_forwarded_without_its_audit_record() {
    let inside = Server::start();
    let tls = RawServer::start();
    let (ip, tp) = (inside.port(), tls.port());
    let proxy = Proxy::start(&[
        "--rate".into(),
        "50/s".into(),
        pin("www.example.net", ip),
        pin("api.example.net", tp),
        "--audit-log=/dev/full".into(),
    ]);
    for n in 0..5 {
        let r = proxy.exchange(&format!(
            "GET http://www.example.net:{ip}/{n} HTTP/1.1\r\nHost: www.example.net:{ip}\r\nConnection: close\r\n\r\n"
        ));
        assert!(r.starts_with("HTTP/1.1 500"), "{r}");
        assert!(r.contains("audit log /dev/full"), "{r}");
    }
    let (mut s, status) = open_tunnel(&proxy, &format!("api.example.net:{tp}"));
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    s.write_all(&client_hello(Some("api.example.net"), &[]))
        .unwrap();
    assert_eq!(read_rest(&mut s), b"");
    let (_, err) = proxy.stop();
    assert!(err.contains("/dev/full"), "{err}");
    assert!(inside.hits().is_empty(), "{:?}", inside.hits());
    assert!(tls.received().is_empty());
}

/// Issue 14, item 9: a response over the 16 MiB limit is a 502 with the reason, never a
/// silently cut 200.
#[test]
fn oversized_response_is_a_502_not_a_cut_200() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let p = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            read_headers(&mut reader);
            let len = 20_000_000;
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n");
            let chunk = vec![b'x'; 1 << 20];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len());
                if stream.write_all(&chunk[..n]).is_err() {
                    break;
                }
                left -= n;
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let proxy = Proxy::start(&[
        pin("www.example.net", p),
        format!("--audit-log={}", log.display()),
    ]);
    let r = proxy.exchange(&format!(
        "GET http://www.example.net:{p}/big HTTP/1.1\r\nHost: www.example.net:{p}\r\nConnection: close\r\n\r\n"
    ));
    proxy.stop();
    assert!(r.starts_with("HTTP/1.1 502"), "{}", &r[..r.len().min(300)]);
    assert!(r.contains("larger than 16777216 bytes"), "{r}");
    let entries = audit_entries(&log);
    assert_eq!(entries.last().unwrap()["verdict"], "error");
}

/// Issue 14, item 8: request bodies are streamed (a 1 MiB body arrives whole); a declared body
/// over the limit is a 413 with an audit record.
#[test]
fn request_bodies_stream_through_and_oversized_ones_get_413() {
    let (p, received) = body_server();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let proxy = Proxy::start(&[
        pin("www.example.net", p),
        format!("--audit-log={}", log.display()),
    ]);
    let body: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let mut s = TcpStream::connect(proxy.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST http://www.example.net:{p}/up HTTP/1.1\r\nHost: www.example.net:{p}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body).unwrap();
    let answer = String::from_utf8_lossy(&read_rest(&mut s)).into_owned();
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert_eq!(received.lock().unwrap().as_slice(), [body]);

    let r = proxy.exchange(&format!(
        "POST http://www.example.net:{p}/up HTTP/1.1\r\nHost: www.example.net:{p}\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n"
    ));
    proxy.stop();
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert_eq!(received.lock().unwrap().len(), 1);
    let last = audit_entries(&log).pop().unwrap();
    assert_eq!(last["rule"], "bad-request");
    assert_eq!(last["verdict"], "refused");
}

/// Issue 14, item 8: connections over --max-connections get a clear 503; clients that never
/// finish their headers are dropped after --header-timeout, freeing their places.
#[test]
fn connections_are_capped_and_slow_headers_time_out() {
    let inside = Server::start();
    let p = inside.port();
    let proxy = Proxy::start(&[
        "--max-connections".into(),
        "3".into(),
        "--header-timeout".into(),
        "1".into(),
        pin("www.example.net", p),
    ]);
    let mut slow: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = TcpStream::connect(proxy.addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            write!(s, "GET http://www.example.net:{p}/ HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    thread::sleep(Duration::from_millis(200));
    let refused = proxy.exchange(&format!("GET http://www.example.net:{p}/ HTTP/1.1\r\n\r\n"));
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.contains("too many open connections (3)"),
        "{refused}"
    );
    let start = Instant::now();
    for s in &mut slow {
        read_rest(s);
    }
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "half-sent requests held for {took:?}"
    );
    let r = proxy.exchange(&format!(
        "GET http://www.example.net:{p}/after HTTP/1.1\r\nHost: www.example.net:{p}\r\nConnection: close\r\n\r\n"
    ));
    let (_, err) = proxy.stop();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(err.contains("1 connections turned away"), "{err}");
    assert_eq!(inside.hits(), ["GET /after HTTP/1.1"]);
}

/// `X-Original-URL` and `X-Rewrite-URL` make IIS URL Rewrite, Symfony and Drupal serve their
/// path instead of the request line's: `GET /docs` with `X-Original-URL: /admin` reached an
/// excluded `/admin`. The header's path is checked like the URL's; one that is not a path is
/// refused.
#[test]
fn a_header_that_overrides_the_path_is_checked_like_the_path() {
    let server = Server::start();
    let p = server.port();
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/rules/probe-paths.yaml"
    );
    let proxy = Proxy::start_with(rules, &[pin("www.example.net", p)]);
    let get = |extra: &str| {
        proxy.exchange(&format!(
            "GET http://www.example.net:{p}/docs HTTP/1.1\r\nHost: www.example.net:{p}\r\n{extra}Connection: close\r\n\r\n"
        ))
    };
    for header in [
        "X-Original-URL: /admin/users",
        "x-rewrite-url: /ADMIN",
        "X-Original-URL: //admin",
        "X-Original-URL: https://www.example.net/admin",
    ] {
        let r = get(&format!("{header}\r\n"));
        assert!(r.starts_with("HTTP/1.1 403"), "{header}: {r}");
        assert!(
            r.contains("asks the server for another path"),
            "{header}: {r}"
        );
    }
    assert!(server.hits().is_empty(), "{:?}", server.hits());
    let r = get("X-Original-URL: /docs/other\r\n");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert_eq!(server.hits(), ["GET /docs HTTP/1.1"]);
    proxy.stop();
}

/// An exclusion of `?mode=admin` let `POST /form` with the form body `mode=admin` through,
/// though PHP's `$_REQUEST`, ASP.NET's `Request[]`, Spring and Rails read a form's fields (Rails
/// a JSON body's members) as parameters. Such a body is read whole and checked with the query
/// before anything is sent; other bodies, and bodies of other types, go through unchanged.
#[test]
fn a_body_whose_fields_servers_read_as_the_excluded_query_is_refused() {
    let (p, received) = body_server();
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/rules/probe-paths.yaml"
    );
    let proxy = Proxy::start_with(rules, &[pin("www.example.net", p)]);
    let post = |query: &str, content_type: &str, body: &str| {
        proxy.exchange(&format!(
            "POST http://www.example.net:{p}/form{query} HTTP/1.1\r\nHost: www.example.net:{p}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ))
    };
    let multipart =
        "--b1\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nadmin\r\n--b1--\r\n";
    for (query, content_type, body) in [
        ("", "application/x-www-form-urlencoded", "x=1&mode=admin"),
        (
            "",
            "application/x-www-form-urlencoded; charset=utf-8",
            "mode=%61dmin",
        ),
        ("?x=1", "application/x-www-form-urlencoded", "mode[]=admin"),
        ("", "multipart/form-data; boundary=b1", multipart),
        ("", "application/json", r#"{"mode": "admin"}"#),
    ] {
        let r = post(query, content_type, body);
        assert!(r.starts_with("HTTP/1.1 403"), "{content_type} {body}: {r}");
        assert!(
            r.contains("read a body's fields as query parameters")
                && (r.contains("admin mode is not part of the program")
                    || r.contains("excluded by `www-admin-mode`")),
            "{r}"
        );
    }
    assert!(received.lock().unwrap().is_empty());
    // Fields that are not the excluded ones, and a type no server reads as parameters.
    let kept = [
        ("application/x-www-form-urlencoded", "mode=view&x=admin"),
        ("application/json", r#"{"x": {"mode": "admin"}}"#),
        ("text/plain", "mode=admin"),
    ];
    for (content_type, body) in kept {
        let r = post("", content_type, body);
        assert!(r.starts_with("HTTP/1.1 204"), "{content_type} {body}: {r}");
    }
    let got: Vec<Vec<u8>> = kept.iter().map(|(_, b)| b.as_bytes().to_vec()).collect();
    assert_eq!(*received.lock().unwrap(), got);
    proxy.stop();
}
