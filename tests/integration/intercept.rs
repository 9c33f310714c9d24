//! TLS interception (`run --intercept`, `proxy --intercept`): real curl through the proxy to a
//! real HTTPS server on 127.0.0.1 whose certificate is made at test time by a test CA trusted
//! with `--upstream-ca` (never by turning verification off). Every name is pinned to 127.0.0.1
//! with `--resolve`; nothing is sent anywhere else.
//!
//! Each test counts what it attempted, what arrived at the server and what was refused; the
//! totals are printed (`cargo test -q --test integration intercept -- --nocapture`).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::common::{
    assert_command_pinned, assert_pinned_to_loopback, has, lowercase_names, pin, read_headers, text,
};

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-paths.yaml"
);

/// A test CA (made now) and a server certificate it signs for `names`.
struct TestPki {
    ca_pem: String,
    cert_der: rustls::pki_types::CertificateDer<'static>,
    key_der: Vec<u8>,
}

fn test_pki(names: &[&str]) -> TestPki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "scopelint test upstream CA");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf =
        rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        cert_der: leaf.der().clone(),
        key_der: key.serialize_der(),
    }
}

/// One request an [`HttpsServer`] received.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    headers: Vec<(String, String)>,
}

/// An HTTPS server on 127.0.0.1 (rustls, HTTP/1.1 with keep-alive) that records every request
/// and answers `200 served PATH`. `handshakes` counts TLS connections that got as far as a
/// ClientHello, `failed` those whose handshake failed.
struct HttpsServer {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    handshakes: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
}

impl HttpsServer {
    fn start(pki: &TestPki) -> HttpsServer {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.cert_der.clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.clone().into()),
        )
        .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let handshakes: Arc<AtomicU64> = Arc::default();
        let failed: Arc<AtomicU64> = Arc::default();
        let (h, hs, f) = (hits.clone(), handshakes.clone(), failed.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut tcp) = stream else { continue };
                let (h, hs, f, config) = (h.clone(), hs.clone(), f.clone(), config.clone());
                thread::spawn(move || {
                    let mut conn = rustls::ServerConnection::new(config).unwrap();
                    hs.fetch_add(1, Ordering::SeqCst);
                    while conn.is_handshaking() {
                        if conn.complete_io(&mut tcp).is_err() {
                            f.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                    }
                    let tls = rustls::StreamOwned::new(conn, tcp);
                    let mut reader = BufReader::new(tls);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                        let headers = lowercase_names(read_headers(&mut reader));
                        let body = format!("served {path}");
                        h.lock().unwrap().push(Hit { path, headers });
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        let tls = reader.get_mut();
                        if tls.write_all(answer.as_bytes()).is_err() || tls.flush().is_err() {
                            return;
                        }
                    }
                });
            }
        });
        HttpsServer {
            addr,
            hits,
            handshakes,
            failed,
        }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn paths(&self) -> Vec<String> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .map(|h| h.path.clone())
            .collect()
    }
}

/// Files of one test: the interception CA directory, the upstream CA file, the audit log.
struct Files {
    _dir: tempfile::TempDir,
    ca_dir: PathBuf,
    upstream_ca: PathBuf,
    audit: PathBuf,
}

fn files(pki: &TestPki) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let upstream_ca = dir.path().join("upstream-ca.pem");
    std::fs::write(&upstream_ca, &pki.ca_pem).unwrap();
    Files {
        ca_dir: dir.path().join("ca"),
        audit: dir.path().join("audit.jsonl"),
        upstream_ca,
        _dir: dir,
    }
}

/// A loopback HTTPS server with a certificate for `hosts`, its port, and the files of a run
/// (whose upstream CA is the one that signed the server's certificate).
fn upstream(hosts: &[&str]) -> (HttpsServer, u16, Files) {
    let pki = test_pki(hosts);
    let server = HttpsServer::start(&pki);
    let port = server.port();
    (server, port, files(&pki))
}

/// `scopelint --rules RULES run OPTIONS -- CMD...`; every URL in CMD must be pinned.
fn run(options: &[String], cmd: &[&str]) -> Output {
    assert_command_pinned(options, cmd);
    Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
        .args(["--isolated", "--rules", RULES, "run"])
        .args(options)
        .arg("--")
        .args(cmd)
        .env_remove("SCOPELINT_RULES")
        .env_remove("SSL_CERT_FILE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .unwrap()
}

fn audit(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Audit entries other than `sending`, as `VERDICT RULE URL`.
fn outcomes(path: &Path) -> Vec<String> {
    audit(path)
        .iter()
        .filter(|e| e["verdict"] != "sending")
        .map(|e| {
            format!(
                "{} {} {}",
                e["verdict"].as_str().unwrap_or("?"),
                e["rule"].as_str().unwrap_or("-"),
                e["url"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

fn pins(port: u16) -> Vec<String> {
    ["api.example.net", "www.example.net", "blocked.example.net"]
        .iter()
        .map(|h| pin(h, port))
        .collect()
}

/// Pins, `--intercept` with this test's CA directory, `--upstream-ca` (when the test server's
/// CA is to be trusted) and the audit log.
fn intercepting(port: u16, f: &Files, trust_upstream: bool) -> Vec<String> {
    let mut options = pins(port);
    options.push("--intercept".to_string());
    options.push(format!("--ca-dir={}", f.ca_dir.display()));
    if trust_upstream {
        options.push(format!("--upstream-ca={}", f.upstream_ca.display()));
    }
    options.push(format!("--audit-log={}", f.audit.display()));
    options
}

/// The counts a test reports: requests attempted by the client, arrived at the server,
/// refused by scopelint.
fn report(test: &str, attempted: usize, arrived: usize, refused: usize) {
    println!(
        "intercept counts: {test}: attempted {attempted}, arrived {arrived}, refused {refused}"
    );
}

#[test]
fn in_scope_paths_arrive_and_other_paths_on_the_same_host_do_not() {
    if !has("curl") {
        return;
    }
    let (server, port, f) = upstream(&["api.example.net", "www.example.net"]);
    let options = intercepting(port, &f, true);
    let base = format!("https://api.example.net:{port}");
    let urls = [
        format!("{base}/v1/identity/users"),
        format!("{base}/v1/mail/inbox"),
        format!("{base}/v1/identity/groups?x=1"),
        format!("https://www.example.net:{port}/any/path"),
        format!("https://www.example.net:{port}/admin/users"),
    ];
    // One curl, several URLs: the requests to one host share a tunnel (keep-alive), and
    // still each is checked on its own.
    let mut cmd = vec!["curl", "-sS"];
    for u in &urls {
        cmd.extend(["-w", "\\n%{http_code}\\n", u.as_str()]);
    }
    let out = run(&options, &cmd);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        server.paths(),
        ["/v1/identity/users", "/v1/identity/groups?x=1", "/any/path"],
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("served /v1/identity/users\n200"),
        "{stdout}"
    );
    // Upstream, each request names the host of its URL.
    for h in server.hits.lock().unwrap().iter() {
        let host = h.headers.iter().find(|(n, _)| n == "host").map(|(_, v)| v);
        let want = if h.path == "/any/path" {
            format!("www.example.net:{port}")
        } else {
            format!("api.example.net:{port}")
        };
        assert_eq!(host, Some(&want), "{h:?}");
    }
    assert!(
        stdout.contains("refused GET https://api.example.net")
            && stdout.contains("/v1/mail/inbox")
            && stdout.contains("\n403\n"),
        "{stdout}"
    );
    assert!(stderr.contains("3 forwarded"), "{stderr}");
    assert!(stderr.contains("2 refused"), "{stderr}");
    assert!(stderr.contains("tunnels intercepted"), "{stderr}");
    // The CA was made in the given directory, its key private.
    assert!(f.ca_dir.join("scopelint-ca.pem").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.ca_dir.join("scopelint-ca.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // An audit entry per request inside the tunnels, with its path.
    assert_eq!(
        outcomes(&f.audit),
        [
            format!("sent api-identity {base}/v1/identity/users"),
            format!("refused no-asset {base}/v1/mail/inbox"),
            format!("sent api-identity {base}/v1/identity/groups?x=1"),
            format!("sent www https://www.example.net:{port}/any/path"),
            format!("refused www-admin https://www.example.net:{port}/admin/users"),
        ]
    );
    report("paths", urls.len(), server.paths().len(), 2);
}

/// A tunnel hides the path: without `--intercept`, neither a host in scope for some paths
/// only nor one with an exclusion for some of its paths (`/admin` reached through a tunnel to
/// an in-scope host) can be tunnelled to.
#[test]
fn without_intercept_a_host_whose_scope_depends_on_the_path_cannot_be_tunnelled_to() {
    if !has("curl") {
        return;
    }
    let (server, port, f) = upstream(&["api.example.net", "www.example.net"]);
    let mut options = pins(port);
    options.push(format!("--audit-log={}", f.audit.display()));
    let urls = [
        format!("https://api.example.net:{port}/v1/identity/users"),
        format!("https://www.example.net:{port}/admin/users"),
    ];
    for url in &urls {
        let out = run(&options, &["curl", "-sS", url]);
        assert_eq!(out.status.code(), Some(56), "{}", text(&out.stderr));
    }
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 0);
    assert_eq!(
        outcomes(&f.audit),
        [
            format!("refused no-asset api.example.net:{port}"),
            format!("refused www-admin www.example.net:{port}"),
        ]
    );
    report("no-intercept", 2, 0, 2);
}

/// The value of `counter` once it reaches `want`, or after 5 s, whichever comes first.
fn eventually(counter: &AtomicU64, want: u64) -> u64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now = counter.load(Ordering::SeqCst);
        if now >= want || std::time::Instant::now() > deadline {
            return now;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_upstream_with_an_untrusted_certificate_is_an_error_not_a_pass_through() {
    if !has("curl") {
        return;
    }
    let (server, port, f) = upstream(&["www.example.net"]);
    // No --upstream-ca: the server's certificate chains to nothing trusted.
    let options = intercepting(port, &f, false);
    let url = format!("https://www.example.net:{port}/secret");
    let out = run(&options, &["curl", "-sS", "-w", "\\n%{http_code}\\n", &url]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(server.paths().is_empty(), "{:?}", server.paths());
    // The server's thread sees the aborted handshake after scopelint has answered the client.
    assert_eq!(eventually(&server.failed, 1), 1, "{stderr}");
    assert!(stdout.ends_with("\n502\n"), "{stdout}");
    assert!(stdout.to_lowercase().contains("certificate"), "{stdout}");
    let entries: Vec<serde_json::Value> = audit(&f.audit)
        .into_iter()
        .filter(|e| e["verdict"] == "error")
        .collect();
    assert_eq!(entries.len(), 1, "{:?}", audit(&f.audit));
    assert!(
        entries[0]["reason"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{:?}",
        entries[0]
    );
    report("untrusted-upstream", 1, 0, 1);
}

#[test]
fn a_host_header_for_another_host_inside_the_tunnel_is_refused() {
    if !has("curl") {
        return;
    }
    let (server, port, f) = upstream(&["www.example.net"]);
    let options = intercepting(port, &f, true);
    let url = format!("https://www.example.net:{port}/x");
    let out = run(
        &options,
        &[
            "curl",
            "-sS",
            "-w",
            "\\n%{http_code}\\n",
            "-H",
            "Host: blocked.example.net",
            &url,
        ],
    );
    let stdout = text(&out.stdout);
    assert!(server.paths().is_empty(), "{:?}", server.paths());
    assert!(stdout.ends_with("\n403\n"), "{stdout}");
    assert!(stdout.contains("not the tunnel's host"), "{stdout}");
    assert_eq!(
        outcomes(&f.audit),
        [format!(
            "refused tunnel-host https://www.example.net:{port}/x"
        )]
    );
    report("host-header", 1, 0, 1);
}

#[test]
fn the_budget_counts_requests_inside_one_tunnel() {
    if !has("curl") {
        return;
    }
    let (server, port, f) = upstream(&["www.example.net"]);
    let mut options = intercepting(port, &f, true);
    options.push("--max-requests=2".to_string());
    let urls: Vec<String> = (1..=3)
        .map(|i| format!("https://www.example.net:{port}/{i}"))
        .collect();
    let mut cmd = vec!["curl", "-sS"];
    cmd.extend(urls.iter().map(String::as_str));
    let out = run(&options, &cmd);
    let stderr = text(&out.stderr);
    assert_eq!(server.paths(), ["/1", "/2"], "{stderr}");
    // Each request was paced too: the server saw one TLS connection (one tunnel, keep-alive
    // upstream) or more, never a request past the budget.
    let refused: Vec<String> = outcomes(&f.audit)
        .into_iter()
        .filter(|o| o.starts_with("refused"))
        .collect();
    assert_eq!(
        refused,
        [format!(
            "refused request-budget https://www.example.net:{port}/3"
        )]
    );
    report("budget", 3, 2, 1);
}

#[test]
fn run_intercept_points_the_ca_variables_at_the_ca_file() {
    let pki = test_pki(&["www.example.net"]);
    let f = files(&pki);
    let out = run(
        &[
            "--intercept".to_string(),
            format!("--ca-dir={}", f.ca_dir.display()),
        ],
        &["sh", "-c", "env"],
    );
    let env = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = f.ca_dir.join("scopelint-ca.pem");
    for v in [
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
    ] {
        assert!(
            env.contains(&format!("\n{v}={}\n", want.display())),
            "{v} in {env}"
        );
    }
    let pem = std::fs::read_to_string(&want).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}

#[test]
fn isolated_and_intercepted_https_in_scope_arrives() {
    if !has("curl") {
        return;
    }
    let probe = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
        .args([
            "--isolated",
            "--rules",
            RULES,
            "run",
            "--isolate",
            "--",
            "true",
        ])
        .output()
        .unwrap();
    if !probe.status.success() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI cannot create network namespaces: {}",
            text(&probe.stderr)
        );
        eprintln!("skipped: no network namespaces: {}", text(&probe.stderr));
        return;
    }
    let (server, port, f) = upstream(&["api.example.net"]);
    let mut options = intercepting(port, &f, true);
    options.push("--isolate".to_string());
    let inside = format!("https://api.example.net:{port}/v1/identity/me");
    let outside = format!("https://api.example.net:{port}/v2/other");
    let out = run(&options, &["curl", "-sS", &inside, &outside]);
    assert_eq!(server.paths(), ["/v1/identity/me"], "{}", text(&out.stderr));
    report("isolated", 2, 1, 1);
}

#[test]
fn the_ca_directory_comes_from_the_configuration_file_and_the_flag_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scopelint.yaml"),
        "probe:\n  ca_dir: team-ca\n",
    )
    .unwrap();
    let env_of = |extra: &[&str]| {
        let out = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
            .current_dir(dir.path())
            .args(["--rules", RULES, "run", "--intercept"])
            .args(extra)
            .args(["--", "sh", "-c", "echo $SSL_CERT_FILE"])
            .env_remove("SCOPELINT_RULES")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    };
    let from_file = dir.path().join("team-ca").join("scopelint-ca.pem");
    assert_eq!(env_of(&[]), from_file.display().to_string());
    assert!(from_file.is_file());
    let flag = dir.path().join("mine");
    let from_flag = flag.join("scopelint-ca.pem");
    assert_eq!(
        env_of(&[&format!("--ca-dir={}", flag.display())]),
        from_flag.display().to_string()
    );
    let show = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
        .current_dir(dir.path())
        .args(["config", "show"])
        .output()
        .unwrap();
    let show = text(&show.stdout);
    assert!(
        show.lines().any(|l| l.starts_with("probe.ca_dir = ")
            && l.contains("team-ca")
            && l.contains("scopelint.yaml:2")),
        "{show}"
    );
}

/// The MCP request tool's own client: HTTPS upstream verified against the webpki roots plus
/// `--upstream-ca`, path scope checked per request. Without the CA the same request is an
/// error, never sent unverified.
#[tokio::test]
async fn mcp_send_request_verifies_https_upstream_with_upstream_ca() {
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
    use rmcp::ServiceExt;

    let (server, port, f) = upstream(&["api.example.net"]);
    let send = |with_ca: bool, url: String| {
        let mut server_args: Vec<String> = ["--isolated", "--rules", RULES, "mcp"]
            .map(String::from)
            .to_vec();
        server_args.extend(pins(port));
        if with_ca {
            server_args.push(format!("--upstream-ca={}", f.upstream_ca.display()));
        }
        let mut checked = server_args.clone();
        checked.push(url.clone());
        assert_pinned_to_loopback(&checked, "");
        async move {
            let cmd = tokio::process::Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
                .configure(|c| {
                    c.args(&server_args).env_remove("SCOPELINT_RULES");
                });
            let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();
            let arguments = serde_json::json!({"method": "GET", "url": url});
            let r = client
                .call_tool(
                    CallToolRequestParams::new("send_request")
                        .with_arguments(arguments.as_object().unwrap().clone()),
                )
                .await
                .unwrap();
            client.cancel().await.unwrap();
            let text = r.content[0].as_text().unwrap().text.clone();
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        }
    };
    let base = format!("https://api.example.net:{port}");
    let v = send(true, format!("{base}/v1/identity/me")).await;
    assert_eq!(v["status"], 200, "{v}");
    assert_eq!(v["body"], "served /v1/identity/me", "{v}");
    let v = send(true, format!("{base}/v1/mail")).await;
    assert_eq!(v["refused"]["rule"], "no-asset", "{v}");
    let v = send(false, format!("{base}/v1/identity/again")).await;
    assert_eq!(v["sent"], false, "{v}");
    assert!(v["error"].as_str().unwrap().contains("certificate"), "{v}");
    assert_eq!(server.paths(), ["/v1/identity/me"]);
    report("mcp", 3, 1, 2);
}

#[test]
fn proxy_intercept_serves_a_client_that_trusts_the_ca() {
    if !has("curl") {
        return;
    }
    let (server, port, f) = upstream(&["www.example.net"]);
    let listen = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = listen.local_addr().unwrap().port();
    drop(listen);
    let mut options = pins(port);
    options.extend([
        format!("--listen=127.0.0.1:{proxy_port}"),
        "--intercept".to_string(),
        format!("--ca-dir={}", f.ca_dir.display()),
        format!("--upstream-ca={}", f.upstream_ca.display()),
    ]);
    assert_pinned_to_loopback(&options, "");
    /// Stops the proxy however the test ends.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _proxy = Stop(
        Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
            .args(["--isolated", "--rules", RULES, "proxy"])
            .args(&options)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", proxy_port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the proxy did not start"
        );
        thread::sleep(std::time::Duration::from_millis(20));
    }
    let url = format!("https://www.example.net:{port}/through-proxy");
    let mut checked = options.clone();
    checked.push(url.clone());
    assert_pinned_to_loopback(&checked, "");
    let out = Command::new("curl")
        .args(["-sS", "-x", &format!("http://127.0.0.1:{proxy_port}")])
        .arg("--cacert")
        .arg(f.ca_dir.join("scopelint-ca.pem"))
        .arg(&url)
        .env_remove("SSL_CERT_FILE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "served /through-proxy",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.paths(), ["/through-proxy"]);
    report("proxy", 1, 1, 0);
}

#[test]
fn a_bad_upstream_ca_file_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    for (file, says) in [
        (dir.path().join("missing.pem"), "No such file"),
        (not_pem, "no certificate in the file"),
    ] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
            .args(["--isolated", "--rules", RULES, "run"])
            .arg(format!("--upstream-ca={}", file.display()))
            .args(["--", "true"])
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("--upstream-ca") && stderr.contains(says),
            "{stderr}"
        );
    }
}
