//! Helpers every test module may use.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use assert_cmd::Command;

/// The `scopelint` binary, run from the repository root, unaffected by the environment or by a
/// stray `scopelint.yaml` above the checkout (`--isolated`); `NO_COLOR` is left unset so the
/// tests of color handling decide it themselves.
pub fn scopelint() -> Command {
    let mut c = Command::cargo_bin("scopelint").expect("the scopelint binary is built");
    c.env_remove("SCOPELINT_RULES")
        .env_remove("NO_COLOR")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--isolated");
    c
}

/// One request a test server received.
#[derive(Debug, Clone)]
#[allow(dead_code)] // every field is read by some test module, not by all
pub struct Hit {
    pub at: Instant,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Responder = dyn Fn(&Hit, usize) -> String + Send + Sync;

/// A one-request-per-connection HTTP/1.1 server on 127.0.0.1 that records every request and
/// answers with `respond(hit, index)`. A connection that opens with a TLS handshake (first byte
/// 0x16) is counted in `tls_attempts` and closed.
pub struct Server {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    tls: Arc<Mutex<usize>>,
}

impl Server {
    pub fn start(respond: impl Fn(&Hit, usize) -> String + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let tls: Arc<Mutex<usize>> = Arc::default();
        let respond: Arc<Responder> = Arc::new(respond);
        let (h, t) = (hits.clone(), tls.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (h, t, respond) = (h.clone(), t.clone(), respond.clone());
                thread::spawn(move || {
                    let mut first = [0u8; 1];
                    if stream.peek(&mut first).unwrap_or(0) == 0 {
                        return;
                    }
                    if first[0] == 0x16 {
                        *t.lock().unwrap() += 1;
                        return; // dropped: the handshake fails at once
                    }
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let at = Instant::now();
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    let headers = read_headers(&mut reader);
                    let hit = Hit {
                        at,
                        method,
                        path,
                        headers,
                    };
                    let n = {
                        let mut g = h.lock().unwrap();
                        g.push(hit.clone());
                        g.len() - 1
                    };
                    let _ = stream.write_all(respond(&hit, n).as_bytes());
                    let _ = stream.flush();
                });
            }
        });
        Server { addr, hits, tls }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Connections that began with a TLS handshake.
    pub fn tls_attempts(&self) -> usize {
        *self.tls.lock().unwrap()
    }
}

/// Refuses to run a probe unless every http(s) URL in its arguments and stdin names a
/// host:port pinned with `--resolve` to a loopback address, or is a loopback literal; every
/// pin must point at loopback. (Names reached only through a `Location` header are pinned by
/// the tests themselves.) Nothing can then reach real DNS or another machine, even with a bug
/// in the scope check.
pub fn assert_pinned_to_loopback(args: &[String], stdin: &str) {
    let loopback = |a: &str| {
        a.trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    };
    let mut pins: Vec<(String, u16)> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let spec = match a.strip_prefix("--resolve=") {
            Some(s) => s.to_string(),
            None if a == "--resolve" => it.next().cloned().unwrap_or_default(),
            None => continue,
        };
        let mut parts = spec.splitn(3, ':');
        let (host, port, addr) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        if let Ok(port) = port.parse::<u16>() {
            assert!(loopback(addr), "test bug: --resolve {spec} is not loopback");
            pins.push((host.to_ascii_lowercase(), port));
        } // else: a malformed pin, which the test expects scopelint to reject
    }
    // As probe reads them: trimmed, and a scheme in any case.
    let urls = args
        .iter()
        .map(String::as_str)
        .chain(stdin.lines())
        .map(str::trim);
    let is_http = |s: &str| {
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    };
    for u in urls.filter(|s| is_http(s)) {
        // A URL that does not parse cannot be sent (the client parses with the same crate);
        // the test expects scopelint to refuse it.
        let Ok(url) = url::Url::parse(u) else {
            continue;
        };
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let port = url.port_or_known_default().unwrap_or(0);
        assert!(
            loopback(&host) || pins.contains(&(host.clone(), port)),
            "test bug: {u} is not pinned: add --resolve {host}:{port}:127.0.0.1"
        );
    }
}

/// Output bytes as text (lossy), for assertions and messages.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Whether `tool --version` runs. Tests that drive a real client (curl, python3) skip without
/// it, except under `CI=true`, where `.ci/run` installs them and a missing tool is a failure.
pub fn has(tool: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "{tool} is needed by this test"
    );
    ok
}

/// An HTTP/1.1 response: status line, `Content-Length`, `Connection: close`, `extra` header
/// lines (each ending in `\r\n`) and `body`.
pub fn reply(status: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    )
}

/// A `302 Found` to `location`.
pub fn redirect(location: &str) -> String {
    reply("302 Found", &format!("Location: {location}\r\n"), "")
}

/// `--resolve=HOST:PORT:127.0.0.1`: the pin every name a test uses must have.
pub fn pin(host: &str, port: u16) -> String {
    format!("--resolve={host}:{port}:127.0.0.1")
}

/// A command's standard output as text (lossy).
pub fn stdout(o: &std::process::Output) -> String {
    text(&o.stdout)
}

/// [`assert_pinned_to_loopback`] for `run OPTIONS -- CMD...`: every URL CMD names, also inside
/// a script (`sh -c '...'`, `python3 -c '...'`), must be pinned to loopback too.
pub fn assert_command_pinned(options: &[String], cmd: &[&str]) {
    let mut checked: Vec<String> = options.to_vec();
    for word in cmd {
        // The earliest URL of either scheme, in any case (ASCII lowercasing keeps offsets).
        let lower = word.to_ascii_lowercase();
        let mut at = 0;
        while let Some(i) = ["http://", "https://"]
            .iter()
            .filter_map(|scheme| lower[at..].find(scheme))
            .min()
        {
            let start = at + i;
            let end = word[start..]
                .find(|c: char| c.is_whitespace() || "'\"()`;&|<>".contains(c))
                .map_or(word.len(), |n| start + n);
            let url = &word[start..end];
            // Unlike a target the test hands scopelint, a URL in CMD is meant to be sent.
            assert!(
                url::Url::parse(url).is_ok(),
                "test bug: `{url}` in CMD does not parse"
            );
            checked.push(url.to_string());
            at = end;
        }
    }
    assert_pinned_to_loopback(&checked, "");
}

/// Every entry of a JSON Lines audit log (the log must exist).
pub fn audit_entries(log: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The header lines that follow a request line, up to the blank line: (name, value), trimmed,
/// names as sent.
pub fn read_headers(reader: &mut impl BufRead) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).unwrap_or(0) == 0 || l.trim().is_empty() {
            return headers;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
}

/// Headers with their names in lower case, for tests that look them up by name.
pub fn lowercase_names(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect()
}

/// The guard above finds every URL in a script: the earliest of either scheme, in any case,
/// ended by shell punctuation. (It panics, and never connects: nothing is run.)
#[test]
fn command_guard_finds_every_url_in_a_script() {
    let pinned = [pin("www.example.com", 1)];
    // Refused as unpinned, not for another reason (a URL that runs on past its end does not
    // parse, which panics too).
    let refused = |script: &str| {
        std::panic::catch_unwind(|| assert_command_pinned(&[], &["sh", "-c", script]))
            .err()
            .and_then(|e| e.downcast::<String>().ok())
            .is_some_and(|m| m.contains("is not pinned"))
    };
    for script in [
        "curl https://www.example.com/; curl http://127.0.0.1:1/",
        "curl HTTPS://www.example.com:1/",
        "curl http://www.example.net:8080; echo",
    ] {
        assert!(refused(script), "{script}");
    }
    // Each URL ends at the shell's punctuation, or it would not parse.
    for script in [
        "curl https://www.example.com:1/x && curl http://127.0.0.1:1/",
        "curl 'https://www.example.com:1/x';curl \"http://127.0.0.1:1/\"|cat",
        "(curl http://127.0.0.1:1/)&",
        "curl `echo http://127.0.0.1:1/`<x>y",
    ] {
        assert_command_pinned(&pinned, &["sh", "-c", script]);
    }
}
