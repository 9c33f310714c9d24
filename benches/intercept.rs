//! The latency `proxy --intercept` adds per HTTPS request: sequential GETs over keep-alive to
//! an HTTPS server on 127.0.0.1 (certificate made at bench time, trusted with
//! `--upstream-ca`), sent directly, through a pass-through CONNECT tunnel, and through the
//! intercepting proxy (the real `scopelint proxy` binary). Requests are spaced 3 ms apart so
//! the proxy's pacing (1000/s, the fastest rate it takes) never delays one: each sample is the
//! time from sending a request to its whole response. Loopback only.
//!
//! `cargo bench --bench intercept`

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-paths.yaml"
);
const HOST: &str = "www.example.net";
/// Spacing between requests, above the proxy's 1 ms pacing period.
const GAP: Duration = Duration::from_millis(3);

struct Pki {
    ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "scopelint bench upstream CA");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec![HOST.to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    }
}

/// A keep-alive HTTPS server answering every request `200` with a small body.
fn https_server(config: Arc<rustls::ServerConfig>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(tcp) = stream else { continue };
            let config = config.clone();
            thread::spawn(move || {
                let _ = tcp.set_nodelay(true);
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut reader = BufReader::new(rustls::StreamOwned::new(conn, tcp));
                loop {
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
                    let answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
                    let tls = reader.get_mut();
                    if tls.write_all(answer.as_bytes()).is_err() || tls.flush().is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `scopelint proxy` on a free loopback port, ready to accept.
fn proxy(upstream_port: u16, dir: &Path, upstream_ca: &Path, intercept: bool) -> (Child, u16) {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scopelint"));
    cmd.args(["--isolated", "--rules", RULES, "proxy"])
        .arg(format!("--listen=127.0.0.1:{port}"))
        .arg(format!("--resolve={HOST}:{upstream_port}:127.0.0.1"))
        .arg(format!("--upstream-ca={}", upstream_ca.display()))
        .args(["--rate=1000/s", "--burst=1"])
        .stderr(Stdio::null());
    if intercept {
        cmd.arg("--intercept")
            .arg(format!("--ca-dir={}", dir.join("ca").display()));
    }
    let child = cmd.spawn().unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "the proxy did not start");
        thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

fn client(roots: &[&str], proxy_port: Option<u16>, upstream_port: u16) -> reqwest::Client {
    let mut b = reqwest::Client::builder().tls_built_in_root_certs(false);
    for pem in roots {
        b = b.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap());
    }
    b = match proxy_port {
        Some(p) => b.proxy(reqwest::Proxy::all(format!("http://127.0.0.1:{p}")).unwrap()),
        None => b
            .no_proxy()
            .resolve(HOST, SocketAddr::from(([127, 0, 0, 1], upstream_port))),
    };
    b.build().unwrap()
}

fn latency(c: &mut Criterion) {
    let pki = pki();
    let upstream = https_server(pki.config.clone());
    let dir = tempfile::tempdir().unwrap();
    let upstream_ca = dir.path().join("upstream-ca.pem");
    std::fs::write(&upstream_ca, &pki.ca_pem).unwrap();
    let (mut tunnel, tunnel_port) = proxy(upstream, dir.path(), &upstream_ca, false);
    let (mut intercepting, intercept_port) = proxy(upstream, dir.path(), &upstream_ca, true);
    let scopelint_ca = std::fs::read_to_string(dir.path().join("ca/scopelint-ca.pem")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("https://{HOST}:{upstream}/v1/bench");
    let cases = [
        ("direct", client(&[&pki.ca_pem], None, upstream)),
        (
            "connect-tunnel",
            client(&[&pki.ca_pem], Some(tunnel_port), upstream),
        ),
        (
            "intercepted",
            client(&[&scopelint_ca], Some(intercept_port), upstream),
        ),
    ];
    let mut group = c.benchmark_group("https-request");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));
    for (name, http) in &cases {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        tokio::time::sleep(GAP).await;
                        let start = Instant::now();
                        let resp = http.get(&url).send().await.expect("request");
                        assert_eq!(resp.status(), 200, "{name}");
                        resp.bytes().await.expect("body");
                        total += start.elapsed();
                    }
                    total
                })
            })
        });
    }
    group.finish();
    let _ = tunnel.kill();
    let _ = intercepting.kill();
    let _ = tunnel.wait();
    let _ = intercepting.wait();
}

criterion_group!(benches, latency);
criterion_main!(benches);
