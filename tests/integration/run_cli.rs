//! `scopelint run -- CMD`: real clients (curl, Python's urllib) run behind the enforcing proxy
//! against servers on 127.0.0.1. Every name is pinned to 127.0.0.1 with `--resolve`; nothing is
//! sent anywhere else, not even to show a refusal (a refused name is pinned too, so a bug in
//! the scope check would reach the local "outside" server, where the test sees it).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{audit_entries, has, lowercase_names, pin, read_headers, text};

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-program.yaml"
);
/// A program with `probe.headers`, and one without (loaded together).
const HEADERS_RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-headers.yaml"
);
const PARTNER_RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-partner.yaml"
);

/// One request seen by a [`Server`]: its request line, its headers, when it arrived.
#[derive(Debug, Clone)]
struct Hit {
    line: String,
    headers: Vec<(String, String)>,
    at: Instant,
}

/// A one-request-per-connection HTTP server on 127.0.0.1 that records what arrives. A request
/// for `/redirect` is answered `302` to `redirect_to`; anything else `200 served PATH`.
struct Server {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    /// TCP connections accepted (also those that never sent a request line).
    conns: Arc<AtomicU64>,
}

impl Server {
    fn start() -> Server {
        Server::with_redirect(None)
    }

    fn with_redirect(redirect_to: Option<String>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let conns: Arc<AtomicU64> = Arc::default();
        let (h, c) = (hits.clone(), conns.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let h = h.clone();
                let redirect_to = redirect_to.clone();
                thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let at = Instant::now();
                    let headers = lowercase_names(read_headers(&mut reader));
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    h.lock().unwrap().push(Hit {
                        line: line.trim().to_string(),
                        headers,
                        at,
                    });
                    let _ = match (&redirect_to, path.as_str()) {
                        (Some(to), "/redirect") => write!(
                            stream,
                            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        ),
                        _ => {
                            let body = format!("served {path}");
                            write!(
                                stream,
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            )
                        }
                    };
                });
            }
        });
        Server { addr, hits, conns }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn lines(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.line).collect()
    }

    fn conns(&self) -> u64 {
        self.conns.load(Ordering::SeqCst)
    }
}

/// `scopelint --rules RULES run OPTIONS -- CMD...`, with the test's proxy variables cleared
/// and `NO_PROXY` set (run must remove it).
fn run(options: &[String], cmd: &[&str]) -> Output {
    run_with_rules(&[RULES], "run", options, cmd)
}

/// `scopelint --rules R... SUBCOMMAND OPTIONS [-- CMD...]` (no `--` when `cmd` is empty and
/// the subcommand is not `run`).
fn run_with_rules(rules: &[&str], sub: &str, options: &[String], cmd: &[&str]) -> Output {
    // Every URL the command names (also inside a script) must be pinned to loopback, and every
    // pin must be loopback: a bug in the proxy cannot then make scopelint reach real DNS.
    crate::common::assert_command_pinned(options, cmd);
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("scopelint"));
    c.arg("--isolated");
    for r in rules {
        c.args(["--rules", r]);
    }
    c.arg(sub).args(options);
    if sub == "run" {
        c.arg("--");
    }
    c.args(cmd)
        .env_remove("SCOPELINT_RULES")
        .env("NO_PROXY", "*")
        .env("no_proxy", "*")
        .output()
        .unwrap()
}

#[test]
fn curl_reaches_in_scope_hosts_only() {
    if !has("curl") {
        return;
    }
    let inside = Server::start();
    let outside = Server::start();
    let (ip, op) = (inside.port(), outside.port());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = run(
        &[
            pin("www.example.net", ip),
            pin("api.example.net", ip),
            pin("evil.example.org", op),
            pin("blocked.svc.example.net", op),
            format!("--audit-log={}", log.display()),
        ],
        &[
            "curl",
            "-sS",
            &format!("http://www.example.net:{ip}/one"),
            &format!("http://evil.example.org:{op}/two"),
            &format!("http://api.example.net:{ip}/three"),
            &format!("http://blocked.svc.example.net:{op}/four"),
            // HTTPS goes through CONNECT: refused on the authority, nothing connected.
            &format!("https://evil.example.org:{op}/five"),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        inside.lines(),
        ["GET /one HTTP/1.1", "GET /three HTTP/1.1"],
        "{stderr}"
    );
    assert_eq!(
        outside.conns(),
        0,
        "out of scope reached: {:?}",
        outside.lines()
    );
    // The proxy forwards the Host header of the URL, not one a client could choose.
    for h in inside.hits() {
        assert!(
            h.headers
                .contains(&("host".into(), format!("www.example.net:{ip}")))
                || h.headers
                    .contains(&("host".into(), format!("api.example.net:{ip}"))),
            "{h:?}"
        );
    }
    assert!(
        stdout.contains("served /one") && stdout.contains("served /three"),
        "{stdout}"
    );
    assert!(
        stdout.contains("refused GET http://evil.example.org"),
        "{stdout}"
    );
    assert!(stdout.contains("blocked service"), "{stdout}");
    // curl fails on the refused CONNECT (exit 56): its code is passed through.
    assert_eq!(out.status.code(), Some(56), "{stderr}");
    assert!(
        stderr.contains("2 forwarded, 0 tunnels, 3 refused"),
        "{stderr}"
    );
    let refused: Vec<String> = audit_entries(&log)
        .iter()
        .filter(|e| e["verdict"] == "refused")
        .map(|e| {
            format!(
                "{} {}",
                e["method"].as_str().unwrap(),
                e["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(refused, ["GET no-asset", "GET blocked", "CONNECT no-asset"]);
}

#[test]
fn proxy_variables_are_set_and_no_proxy_removed() {
    let out = run(&[], &["sh", "-c", "env"]);
    let env = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = env
        .lines()
        .find_map(|l| l.strip_prefix("HTTP_PROXY="))
        .expect("HTTP_PROXY set")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    for v in [
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        assert!(env.contains(&format!("\n{v}={url}\n")), "{v} in {env}");
    }
    assert!(
        !env.contains("NO_PROXY=") && !env.contains("no_proxy="),
        "{env}"
    );
}

#[test]
fn exit_code_is_the_commands() {
    let out = run(&[], &["sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    assert!(
        text(&out.stderr).contains("sh exited with 7"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&[], &["sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(128 + 15), "{}", text(&out.stderr));

    let out = run(&[], &["scopelint-test-no-such-command"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        text(&out.stderr).contains("cannot start"),
        "{}",
        text(&out.stderr)
    );

    // Without a command: a usage error.
    let out = run(&[], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fail_on_refused_exits_1_after_a_refusal() {
    if !has("curl") {
        return;
    }
    let inside = Server::start();
    let outside = Server::start();
    let (ip, op) = (inside.port(), outside.port());
    let pins = [pin("www.example.net", ip), pin("evil.example.org", op)];
    let with = |extra: &[&str], urls: &[String]| {
        let mut opts: Vec<String> = pins.to_vec();
        opts.extend(extra.iter().map(|s| s.to_string()));
        let mut cmd = vec!["curl", "-s", "-o", "/dev/null"];
        cmd.extend(urls.iter().map(String::as_str));
        run(&opts, &cmd)
    };
    let good = format!("http://www.example.net:{ip}/ok");
    let bad = format!("http://evil.example.org:{op}/no");

    // Only in scope: CMD's 0.
    let out = with(&["--fail-on-refused"], std::slice::from_ref(&good));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A refusal: curl itself exits 0 (a 403 is an answer), run exits 1.
    let out = with(&["--fail-on-refused"], &[good.clone(), bad.clone()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("1 request(s) refused"));
    // The same without the option: curl's 0.
    let out = with(&[], &[good, bad]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The budget counts too.
    let out = with(
        &["--fail-on-refused", "--max-requests=1"],
        &[
            format!("http://www.example.net:{ip}/a"),
            format!("http://www.example.net:{ip}/b"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    assert_eq!(inside.lines().len(), 4);
    assert_eq!(outside.conns(), 0);
}

#[test]
fn redirects_are_checked_per_hop() {
    if !has("curl") {
        return;
    }
    let outside = Server::start();
    let op = outside.port();
    let inside = Server::with_redirect(Some(format!("http://evil.example.org:{op}/landed")));
    let ip = inside.port();
    let pins = [pin("www.example.net", ip), pin("evil.example.org", op)];
    let url = format!("http://www.example.net:{ip}/redirect");

    // curl -L follows: the second hop goes to the proxy and is refused there.
    let out = run(&pins, &["curl", "-sSL", &url]);
    assert!(text(&out.stdout).contains("refused GET http://evil.example.org"));
    // Python's urllib follows redirects by itself: same.
    let script = format!(
        "import urllib.request, urllib.error\n\
         try:\n    urllib.request.urlopen('{url}', timeout=10)\n    print('followed')\n\
         except urllib.error.HTTPError as e:\n    print('refused', e.code)"
    );
    if has("python3") {
        let out = run(&pins, &["python3", "-c", &script]);
        assert_eq!(
            text(&out.stdout).trim(),
            "refused 403",
            "{}",
            text(&out.stderr)
        );
    }
    let lines = inside.lines();
    assert!(!lines.is_empty(), "no request reached the in-scope server");
    assert!(
        lines.iter().all(|l| l == "GET /redirect HTTP/1.1"),
        "{lines:?}"
    );
    assert_eq!(outside.conns(), 0, "{:?}", outside.lines());
}

#[test]
fn python_urllib_goes_through_the_proxy() {
    if !has("python3") {
        return;
    }
    let inside = Server::start();
    let outside = Server::start();
    let (ip, op) = (inside.port(), outside.port());
    let script = format!(
        "import urllib.request, urllib.error\n\
         for u in ['http://api.example.net:{ip}/py', 'http://evil.example.org:{op}/py']:\n    \
             try:\n        print(urllib.request.urlopen(u, timeout=10).read().decode())\n    \
             except urllib.error.HTTPError as e:\n        print(e.code, e.read().decode().strip())"
    );
    let out = run(
        &[pin("api.example.net", ip), pin("evil.example.org", op)],
        &["python3", "-c", &script],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("served /py\n403 scopelint: refused GET"),
        "{stdout}"
    );
    assert_eq!(inside.lines(), ["GET /py HTTP/1.1"]);
    assert_eq!(outside.conns(), 0);
}

#[test]
fn requests_are_paced_at_the_server() {
    if !has("curl") {
        return;
    }
    let inside = Server::start();
    let ip = inside.port();
    let urls: Vec<String> = (0..5)
        .map(|i| format!("http://www.example.net:{ip}/p{i}"))
        .collect();
    let mut cmd = vec!["curl", "-s", "-o", "/dev/null"];
    cmd.extend(urls.iter().map(String::as_str));
    let out = run(
        &[
            pin("www.example.net", ip),
            "--rate=5/s".into(),
            "--burst=1".into(),
        ],
        &cmd,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hits = inside.hits();
    assert_eq!(hits.len(), 5);
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1].at - w[0].at).collect();
    // 5/s: one request per 200 ms at the server (a little slack for scheduling).
    for g in &gaps {
        assert!(*g >= Duration::from_millis(180), "{gaps:?}");
    }
    let span = hits[4].at - hits[0].at;
    eprintln!("pacing at the server: gaps {gaps:?}, 5 requests over {span:?}");
    assert!(span >= Duration::from_millis(760), "{span:?}");
}

fn header<'h>(hit: &'h Hit, name: &str) -> Option<&'h str> {
    hit.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn identification_headers_go_to_in_scope_hosts_only_through_run() {
    if !has("curl") {
        return;
    }
    let program = Server::start();
    let partner = Server::start();
    let outside = Server::start();
    let (wp, pp, op) = (program.port(), partner.port(), outside.port());
    let out = run_with_rules(
        &[HEADERS_RULES, PARTNER_RULES],
        "run",
        &[
            pin("www.example.net", wp),
            pin("partner.example.com", pp),
            pin("evil.example.org", op),
        ],
        &[
            "curl",
            "-sS",
            // A client-sent value is replaced by the program's.
            "-H",
            "X-Bug-Bounty: someone-else",
            &format!("http://www.example.net:{wp}/mine"),
            &format!("http://partner.example.com:{pp}/theirs"),
            &format!("http://evil.example.org:{op}/out"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hits = program.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(header(&hits[0], "x-bug-bounty"), Some("tester-42"));
    assert_eq!(header(&hits[0], "user-agent"), Some("tester-42-research"));
    assert_eq!(
        hits[0]
            .headers
            .iter()
            .filter(|(n, _)| n == "x-bug-bounty")
            .count(),
        1
    );
    // In scope of the other program: its own request, without the first program's headers.
    let hits = partner.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(header(&hits[0], "x-bug-bounty"), Some("someone-else"));
    assert!(header(&hits[0], "user-agent").is_some_and(|ua| ua.starts_with("curl/")));
    assert_eq!(outside.conns(), 0);
}

#[test]
fn identification_headers_follow_scope_per_redirect_hop_in_probe() {
    let partner = Server::start();
    let pp = partner.port();
    let program = Server::with_redirect(Some(format!("http://partner.example.com:{pp}/landed")));
    let wp = program.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = run_with_rules(
        &[HEADERS_RULES, PARTNER_RULES],
        "probe",
        &[
            pin("www.example.net", wp),
            pin("partner.example.com", pp),
            "-X".into(),
            "GET".into(),
            format!("--audit-log={}", log.display()),
        ],
        &[&format!("http://www.example.net:{wp}/redirect")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let hits = program.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(header(&hits[0], "x-bug-bounty"), Some("tester-42"));
    assert_eq!(header(&hits[0], "user-agent"), Some("tester-42-research"));
    let hits = partner.hits();
    assert_eq!(
        hits.len(),
        1,
        "the redirect hop in the other program's scope was sent"
    );
    assert_eq!(hits[0].line, "GET /landed HTTP/1.1");
    assert_eq!(header(&hits[0], "x-bug-bounty"), None);
    assert!(header(&hits[0], "user-agent").is_some_and(|ua| ua.starts_with("scopelint/")));
    // The audit log shows the headers added, on the hop they were added to.
    let sent: Vec<serde_json::Value> = audit_entries(&log)
        .into_iter()
        .filter(|e| e["verdict"] == "sent")
        .collect();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[0]["headers"].to_string().contains("tester-42"),
        "{}",
        sent[0]
    );
    assert!(sent[1].get("headers").is_none(), "{}", sent[1]);
}

#[test]
fn identification_headers_are_validated_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "schema_version: 1\nprogram: {id: x, name: X, revision: 2026-01-01}\nassets:\n  - {id: a, hosts: [a.example.net]}\nprobe:\n  rate: 1/s\n  headers:\n    - \"X-Ok: fine\"\n    - \"Cookie: session=1\"\n",
    )
    .unwrap();
    let path = bad.display().to_string();
    let out = run_with_rules(&[&path], "run", &[], &["true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{path}:9:7: probe.headers: `Cookie` cannot be set here"
        )),
        "{err}"
    );
}
