//! `scopelint proxy` against local servers: forwarding, 403 for out-of-scope requests, CONNECT
//! tunnels only for in-scope authorities, 429 under --no-wait, clean shutdown on SIGINT.
//! Every name is pinned to 127.0.0.1 with `--resolve`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

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
                    loop {
                        let mut l = String::new();
                        if reader.read_line(&mut l).unwrap_or(0) == 0 || l.trim().is_empty() {
                            break;
                        }
                    }
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
                RULES,
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

fn pin(host: &str, port: u16) -> String {
    format!("--resolve={host}:{port}:127.0.0.1")
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

    // CONNECT, in scope: tunnel, then speak HTTP through it.
    let connect =
        format!("CONNECT www.example.net:{ip} HTTP/1.1\r\nHost: www.example.net:{ip}\r\n\r\n");
    proxy.assert_pinned(&connect);
    let mut s = TcpStream::connect(proxy.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "{connect}").unwrap();
    let mut reader = BufReader::new(s.try_clone().unwrap());
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    loop {
        let mut l = String::new();
        reader.read_line(&mut l).unwrap();
        if l.trim().is_empty() {
            break;
        }
    }
    write!(s, "GET /tunneled HTTP/1.1\r\nHost: www.example.net\r\n\r\n").unwrap();
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
    assert!(rest.ends_with("served /tunneled"), "{rest}");

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

    assert_eq!(
        inside.hits(),
        ["GET /hello HTTP/1.1", "GET /tunneled HTTP/1.1"]
    );
    assert!(
        outside.hits().is_empty(),
        "out-of-scope server was contacted: {:?}",
        outside.hits()
    );

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("c2VjcmV0"), "{text}");
    let entries: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GET".to_string(), "sent".to_string()),
            ("GET".into(), "refused".into()),
            ("CONNECT".into(), "sent".into()),
            ("CONNECT".into(), "refused".into()),
        ]
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
