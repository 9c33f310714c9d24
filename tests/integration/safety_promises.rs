//! One test per safety promise of README and docs/ that a planted bug once broke without `cargo test`
//! noticing (issue 22). Each test's comment names the bug it catches and how that was verified:
//! the bug was planted by hand in `src/`, the test was run and failed, and the plant was reverted.
//!
//! Network: every request goes to a server on 127.0.0.1. Every name is pinned there with
//! `--resolve`, and [`Probe::output`] refuses to run a probe whose URLs are not all pinned to
//! loopback, so a broken scope check can never reach real DNS or another machine.

use crate::common::{assert_pinned_to_loopback, pin, redirect, reply, stdout};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command as Std, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-program.yaml"
);
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/example-program.yaml"
);

// ---------------------------------------------------------------------------------------------
// Loopback servers: crate::common::Server
// ---------------------------------------------------------------------------------------------

use crate::common::Server;

// ---------------------------------------------------------------------------------------------
// The probe command, with a guard that refuses unpinned names
// ---------------------------------------------------------------------------------------------

/// `scopelint probe` with the loopback test program. [`Probe::output`] checks, before running,
/// that every URL given (arguments and stdin) names a host:port pinned with `--resolve` to a
/// loopback address (or is a loopback literal), and that every pin points at loopback.
struct Probe {
    args: Vec<String>,
    stdin: String,
}

fn probe() -> Probe {
    Probe {
        args: Vec::new(),
        stdin: String::new(),
    }
}

impl Probe {
    fn arg(mut self, a: impl Into<String>) -> Probe {
        self.args.push(a.into());
        self
    }

    fn args<S: Into<String>>(mut self, a: impl IntoIterator<Item = S>) -> Probe {
        self.args.extend(a.into_iter().map(Into::into));
        self
    }

    fn output(self) -> Output {
        assert_pinned_to_loopback(&self.args, &self.stdin);
        let mut c = Command::cargo_bin("scopelint").unwrap();
        c.args(["--isolated", "--rules", RULES, "--color", "never", "probe"])
            .args(&self.args)
            .env_remove("SCOPELINT_RULES")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY")
            .write_stdin(self.stdin)
            .timeout(Duration::from_secs(30));
        c.output().unwrap()
    }
}

/// The outcome entries of an audit log, one per request. Each request is also announced by a
/// `sending` entry written before anything is sent (audit first); those are skipped here.
fn audit_entries(path: &Path) -> Vec<Value> {
    crate::common::audit_entries(path)
        .into_iter()
        .filter(|e| e["verdict"] != "sending")
        .collect()
}

fn header_names(entry: &Value) -> Vec<String> {
    entry["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

const SECRET_HEADERS: [&str; 4] = [
    "Authorization: Bearer s3cr3t-token",
    "Proxy-Authorization: Basic cHJveHk6czNjcjN0",
    "Cookie: sid=c00kie",
    "X-Keep: yes",
];

fn with_secret_headers(p: Probe) -> Probe {
    SECRET_HEADERS
        .iter()
        .fold(p, |p, h| p.arg("-H").arg(h.to_string()))
}

#[test]
fn the_guard_refuses_unpinned_names() {
    let unpinned = std::panic::catch_unwind(|| {
        assert_pinned_to_loopback(&["http://www.example.net:8080/".into()], "")
    });
    assert!(unpinned.is_err(), "an unpinned name was let through");
    let wrong_port = std::panic::catch_unwind(|| {
        assert_pinned_to_loopback(
            &[
                pin("www.example.net", 8081),
                "http://www.example.net:8080/".into(),
            ],
            "",
        )
    });
    assert!(wrong_port.is_err(), "a pin for another port was accepted");
    let elsewhere = std::panic::catch_unwind(|| {
        assert_pinned_to_loopback(&["--resolve=www.example.net:80:192.0.2.1".into()], "")
    });
    assert!(elsewhere.is_err(), "a non-loopback pin was accepted");
    let from_stdin =
        std::panic::catch_unwind(|| assert_pinned_to_loopback(&[], "http://api.example.net/\n"));
    assert!(
        from_stdin.is_err(),
        "an unpinned URL on stdin was let through"
    );
    assert_pinned_to_loopback(
        &[
            "--resolve".into(),
            "www.example.net:8080:127.0.0.1".into(),
            "http://WWW.example.net:8080/x".into(),
            "http://127.0.0.1:9/".into(),
        ],
        "",
    );
}

// ---------------------------------------------------------------------------------------------
// Credentials on redirects
// ---------------------------------------------------------------------------------------------

/// docs/probe-and-proxy.md: "`Authorization`, `Proxy-Authorization` and `Cookie` are dropped when a redirect
/// changes scheme, host or port." Same host and scheme, another port: a new origin.
///
/// Fails if the port is left out of the same-origin comparison: verified by planting
/// `&& origin.2 == url.port_or_known_default()` -> removed in `hop_headers` (src/probe/mod.rs).
#[test]
fn credentials_are_dropped_when_a_redirect_changes_only_the_port() {
    let second = Server::start(|_, _| reply("200 OK", "", "ok"));
    let sp = second.port();
    let first = Server::start(move |_, _| redirect(&format!("http://www.example.net:{sp}/next")));
    let fp = first.port();
    let out = with_secret_headers(probe())
        .args([pin("www.example.net", fp), pin("www.example.net", sp)])
        .arg(format!("http://www.example.net:{fp}/"))
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let (a, b) = (first.hits(), second.hits());
    assert_eq!((a.len(), b.len()), (1, 1), "{}", stdout(&out));
    // The credentials did reach the origin they were given for...
    assert_eq!(a[0].header("authorization"), Some("Bearer s3cr3t-token"));
    assert_eq!(a[0].header("cookie"), Some("sid=c00kie"));
    // ...and nothing else but the ordinary header reached the other port.
    assert_eq!(b[0].path, "/next");
    assert_eq!(b[0].header("x-keep"), Some("yes"));
    for h in ["authorization", "proxy-authorization", "cookie"] {
        assert_eq!(b[0].header(h), None, "{h} followed a port-only redirect");
    }
}

/// Same host and port, `http` -> `https`: a new origin too. The https hop reaches the same
/// loopback server, which drops the TLS handshake; the audit log records the headers the hop
/// was built with (names, secret values redacted), so the headers are checked there.
///
/// Fails if the scheme is left out of the same-origin comparison: verified by planting
/// `origin.0 == url.scheme() &&` -> removed in `hop_headers` (src/probe/mod.rs).
#[test]
fn credentials_are_dropped_when_a_redirect_changes_only_the_scheme() {
    let s = Arc::new(Mutex::new(0u16));
    let port = s.clone();
    let server = Server::start(move |_, _| {
        let p = *port.lock().unwrap();
        redirect(&format!("https://www.example.net:{p}/secure"))
    });
    let p = server.port();
    *s.lock().unwrap() = p;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = with_secret_headers(probe())
        .args([pin("www.example.net", p), "--timeout".into(), "5".into()])
        .arg(format!("--audit-log={}", log.display()))
        .arg(format!("http://www.example.net:{p}/"))
        .output();
    let hits = server.hits();
    assert_eq!(hits.len(), 1, "{}", stdout(&out));
    assert_eq!(hits[0].header("authorization"), Some("Bearer s3cr3t-token"));
    assert!(
        server.tls_attempts() >= 1,
        "the https hop was not attempted: {}",
        stdout(&out)
    );
    let entries = audit_entries(&log);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries[0]["url"].as_str().unwrap().starts_with("http://"));
    assert!(entries[1]["url"].as_str().unwrap().starts_with("https://"));
    let first = header_names(&entries[0]);
    assert!(first.contains(&"authorization".to_string()), "{first:?}");
    let second = header_names(&entries[1]);
    assert!(second.contains(&"x-keep".to_string()), "{second:?}");
    for h in ["authorization", "proxy-authorization", "cookie"] {
        assert!(
            !second.contains(&h.to_string()),
            "{h} followed an http -> https redirect: {second:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Redirect limit and request budget
// ---------------------------------------------------------------------------------------------

/// A server whose `/N` redirects to `/N+1` up to `/10`, which answers 200.
fn chain() -> Server {
    Server::start(|h, _| {
        let n: u32 = h.path.trim_start_matches('/').parse().unwrap_or(0);
        if n >= 10 {
            reply("200 OK", "", "end")
        } else {
            redirect(&format!("/{}", n + 1))
        }
    })
}

/// docs/probe-and-proxy.md: "At most `--max-redirects` hops (default 5)."
///
/// Fails if `--max-redirects` is ignored: verified by planting `if hops >= opts.max_redirects`
/// -> `if false && hops >= opts.max_redirects` in `probe_one` (src/probe/mod.rs): 11 requests.
#[test]
fn max_redirects_bounds_the_hops() {
    for (flag, hops) in [(Some("2"), 2usize), (Some("0"), 0), (None, 5)] {
        let s = chain();
        let p = s.port();
        let mut cmd = probe().arg(pin("www.example.net", p));
        if let Some(n) = flag {
            cmd = cmd.args(["--max-redirects", n]);
        }
        let out = cmd.arg(format!("http://www.example.net:{p}/0")).output();
        let text = stdout(&out);
        let paths: Vec<String> = s.hits().iter().map(|h| h.path.clone()).collect();
        let want: Vec<String> = (0..=hops).map(|i| format!("/{i}")).collect();
        assert_eq!(paths, want, "--max-redirects {flag:?}: {text}");
        assert_eq!(out.status.code(), Some(1), "{flag:?}: {text}");
        assert_eq!(text.matches("[too-many-redirects]").count(), 1, "{text}");
    }
}

/// docs/probe-and-proxy.md: "`--max-requests N` is a hard limit for the run (redirect hops and retries count)."
///
/// Fails if redirect hops are not counted: verified by planting
/// `if !engine.take_budget()` -> `if hops == 0 && !engine.take_budget()` in `probe_one` (as the
/// budget check read then; src/probe/mod.rs): 4 requests reach the server instead of 2.
#[test]
fn redirect_hops_count_against_max_requests() {
    let s = chain();
    let p = s.port();
    let out = probe()
        .args([
            pin("www.example.net", p),
            "--max-requests".into(),
            "2".into(),
        ])
        .arg(format!("http://www.example.net:{p}/7"))
        .output();
    let text = stdout(&out);
    let paths: Vec<String> = s.hits().iter().map(|h| h.path.clone()).collect();
    assert_eq!(paths, ["/7", "/8"], "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("[request-budget]").count(), 1, "{text}");
}

/// The retry after a 429 is a request, and so is the GET after a HEAD refused with 405.
///
/// Fails if retries are not counted: verified by planting a flag `retrying` set before the
/// `continue` of the 429/503 branch and the HEAD->GET fallback, and
/// `if !engine.take_budget()` -> `if !retrying && !engine.take_budget()` (as the budget check
/// read then; src/probe/mod.rs):
/// 3 requests reach the server instead of 2 (the 429 case, checked first, failed).
#[test]
fn retries_count_against_max_requests() {
    // 429 then 200 for /a: two sends; /b is over the budget.
    let s = Server::start(|_, n| {
        if n == 0 {
            reply("429 Too Many Requests", "Retry-After: 0\r\n", "")
        } else {
            reply("200 OK", "", "ok")
        }
    });
    let p = s.port();
    let out = probe()
        .args([
            pin("www.example.net", p),
            "--max-requests".into(),
            "2".into(),
        ])
        .arg(format!("http://www.example.net:{p}/a"))
        .arg(format!("http://www.example.net:{p}/b"))
        .output();
    let text = stdout(&out);
    let paths: Vec<String> = s.hits().iter().map(|h| h.path.clone()).collect();
    assert_eq!(paths, ["/a", "/a"], "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("[request-budget]").count(), 1, "{text}");

    // HEAD refused with 405, then GET: two sends; /b is over the budget.
    let s = Server::start(|_, n| {
        if n == 0 {
            reply("405 Method Not Allowed", "", "")
        } else {
            reply("200 OK", "", "ok")
        }
    });
    let p = s.port();
    let out = probe()
        .args([
            pin("www.example.net", p),
            "--max-requests".into(),
            "2".into(),
        ])
        .arg(format!("http://www.example.net:{p}/a"))
        .arg(format!("http://www.example.net:{p}/b"))
        .output();
    let text = stdout(&out);
    let paths: Vec<String> = s.hits().iter().map(|h| h.path.clone()).collect();
    assert_eq!(paths, ["/a", "/a"], "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("[request-budget]").count(), 1, "{text}");
}

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

/// docs/probe-and-proxy.md: "URLs are logged without userinfo." Checked in the audit log and on stdout, for the
/// first request and for a redirect hop that carries userinfo of its own.
///
/// Fails if userinfo is logged: verified by planting `fn loggable` -> `url.to_string()`
/// (src/probe/mod.rs).
#[test]
fn audit_log_never_holds_userinfo() {
    let s = Server::start(|h, _| {
        if h.path == "/start" {
            redirect("/next")
        } else {
            reply("200 OK", "", "ok")
        }
    });
    let p = s.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    for format in ["text", "jsonl"] {
        let out = probe()
            .args([pin("www.example.net", p), "--format".into(), format.into()])
            .arg(format!("--audit-log={}", log.display()))
            .arg(format!("http://alice:pa55w0rd@www.example.net:{p}/start"))
            .output();
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        for leak in ["pa55w0rd", "alice"] {
            assert!(!text.contains(leak), "{format} output has {leak}: {text}");
        }
    }
    let log_text = std::fs::read_to_string(&log).unwrap();
    let entries = audit_entries(&log);
    assert_eq!(entries.len(), 4, "{log_text}");
    for leak in ["pa55w0rd", "alice", "@www"] {
        assert!(!log_text.contains(leak), "audit log has {leak}: {log_text}");
    }
    assert_eq!(
        entries[0]["url"],
        format!("http://www.example.net:{p}/start")
    );
}

/// docs/probe-and-proxy.md: "JSON Lines, appended and flushed per entry."
///
/// Fails if the log is truncated on open: verified by planting `.append(true)` ->
/// `.write(true).truncate(true)` in `AuditLog::open` (src/probe/audit.rs).
#[test]
fn audit_log_is_appended_to() {
    let s = Server::start(|_, _| reply("200 OK", "", "ok"));
    let p = s.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let earlier = r#"{"earlier":"entry from another run"}"#;
    std::fs::write(&log, format!("{earlier}\n")).unwrap();
    for path in ["/one", "/two"] {
        let out = probe()
            .arg(pin("www.example.net", p))
            .arg(format!("--audit-log={}", log.display()))
            .arg(format!("http://www.example.net:{p}{path}"))
            .output();
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The earlier entry, then each run's `sending` and outcome entries.
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[0], earlier);
    assert!(lines[1..3].iter().all(|l| l.contains("/one\"")), "{text}");
    assert!(lines[3..5].iter().all(|l| l.contains("/two\"")), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Secret redaction in `lint`
// ---------------------------------------------------------------------------------------------

/// Secrets of each kind the README lists, each long enough that "all but the last 8" would
/// still show far more than 4 characters.
const SECRETS: &[(&str, &str)] = &[
    ("password=", "Sup3rS3cret!2024-LongEnough"),
    (
        "Authorization: Bearer ",
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln",
    ),
    ("Cookie: ESTSAUTHPERSISTENT=", "0.ARoAv4j5cvGGr0GRqy180BHbR8HfHXnJm3g"),
    ("client_secret=", "Qx8Q~abcdefghijklmnopqrstuvwxyz0123456789"),
];

/// README: a secret's "first 4 characters and the length are ever printed" — never more.
/// Every format (text, json, sarif, github), stdout and stderr: no prefix of a secret longer
/// than 4 characters, and no 8-character piece of it anywhere.
///
/// Fails if the snippet shows all but the last 8 characters: verified by planting
/// `prefix: v.chars().take(4)` -> `v.chars().take(v.chars().count().saturating_sub(8))` in
/// `secrets::find` (src/lint/secrets.rs).
#[test]
fn secrets_never_show_more_than_four_characters_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from(
        "---\ntitle: Token leak\ntargets: [https://login.microsoftonline.com/]\n---\n# Summary\n\nx\n\n## Steps to reproduce\n\n",
    );
    for (i, (lead, secret)) in SECRETS.iter().enumerate() {
        body.push_str(&format!("{}. {lead}{secret}\n", i + 1));
    }
    body.push_str("\n## Impact\n\nz\n");
    let draft = dir.path().join("draft.md");
    std::fs::write(&draft, &body).unwrap();
    for format in ["text", "json", "sarif", "github"] {
        let out = Command::cargo_bin("scopelint")
            .unwrap()
            .args(["--isolated", "--color", "never", "lint", "--format", format])
            .arg(&draft)
            .env_remove("SCOPELINT_RULES")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.matches("secret").count() >= SECRETS.len(),
            "{format}: not every secret was reported: {all}"
        );
        for (_, secret) in SECRETS {
            // JSON escapes nothing in these values, so the text is searched as is.
            assert!(
                !all.contains(&secret[..5]),
                "{format} shows more than 4 characters of {secret}: {all}"
            );
            for w in secret.as_bytes().windows(8) {
                let piece = std::str::from_utf8(w).unwrap();
                assert!(
                    !all.contains(piece),
                    "{format} shows `{piece}` of {secret}: {all}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NO_COLOR
// ---------------------------------------------------------------------------------------------

/// Runs `scopelint <args>` on a pseudo-terminal (util-linux `script`), so that `--color auto`
/// sees a terminal. Returns what the terminal showed.
fn on_terminal(args: &str, no_color: Option<&str>) -> String {
    let bin = assert_cmd::cargo::cargo_bin("scopelint");
    let mut c = Std::new("script");
    c.args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .env_remove("SCOPELINT_RULES")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().expect("util-linux `script` runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// README/no-color.org: with `--color auto` (the default), output on a terminal is colored
/// unless `NO_COLOR` is set to a non-empty value. The colored run proves the terminal is seen.
///
/// Fails if `NO_COLOR` is ignored: verified by planting `&& std::env::var_os("NO_COLOR")...`
/// -> removed in `use_color` (src/main.rs).
#[test]
fn no_color_turns_color_off_on_a_terminal() {
    let check = format!("--isolated --rules {EXAMPLE} check www.example.com evil.example.org");
    let lint = "--isolated lint fixtures/drafts/secret.md";
    for args in [check.as_str(), lint] {
        let colored = on_terminal(args, None);
        assert!(
            colored.contains("\u{1b}["),
            "no color on a terminal for {args}: {colored:?}"
        );
        let empty = on_terminal(args, Some(""));
        assert!(
            empty.contains("\u{1b}["),
            "an empty NO_COLOR turned color off for {args}"
        );
        let plain = on_terminal(args, Some("1"));
        assert!(
            !plain.contains("\u{1b}["),
            "NO_COLOR=1 ignored for {args}: {plain:?}"
        );
        assert!(plain.len() > 20, "nothing printed for {args}: {plain:?}");
        // `--color always` wins over NO_COLOR.
        let forced = on_terminal(&format!("--color always {args}"), Some("1"));
        assert!(
            forced.contains("\u{1b}["),
            "--color always lost to NO_COLOR"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Write errors on the single-thread `check` path
// ---------------------------------------------------------------------------------------------

/// Feeds `check --threads 1` an endless stream of targets with stdout on `stdout`, and returns
/// the exit status and stderr once the process ends. Panics if it is still running 20 s
/// after start: a run that ignores write errors reads its input for ever.
fn endless_check(stdout: Stdio, close_after: Option<usize>) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("scopelint");
    let mut child = Std::new(bin)
        .args(["--isolated", "--rules", EXAMPLE, "--color", "never"])
        .args(["check", "--threads", "1"])
        .env_remove("SCOPELINT_RULES")
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = thread::spawn(move || {
        let chunk = "www.example.com\nevil.example.org\nhttps://api.example.com/v1\n".repeat(500);
        while stdin.write_all(chunk.as_bytes()).is_ok() {}
    });
    if let Some(n) = close_after {
        let mut out = child.stdout.take().unwrap();
        let mut first = vec![0u8; n];
        out.read_exact(&mut first).unwrap();
        drop(out); // like `| head -c n`
    }
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("check --threads 1 kept running after its output failed");
        }
        thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    (status.code(), err_reader.join().unwrap())
}

/// A full disk is an error: exit 2 and a message, promptly.
///
/// Fails if write errors are ignored on the single-thread path: verified by planting
/// `reporter.verdict(raw, input, &v)?;` -> `let _ = reporter.verdict(raw, input, &v);` in
/// `check_one` (src/check.rs): the run never ends (killed after 20 s).
#[test]
fn single_thread_check_stops_with_an_error_on_a_full_disk() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let (code, err) = endless_check(Stdio::from(full), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
}

/// A closed pipe (`| head`) ends the run quietly and promptly: exit 0, nothing on stderr.
///
/// Fails if write errors are ignored on the single-thread path: verified by the same plant as
/// above (the run never ends).
#[test]
fn single_thread_check_ends_quietly_on_a_closed_pipe() {
    let (code, err) = endless_check(Stdio::piped(), Some(64));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Secret detection: placeholders are not secrets, near-placeholders are (mutation follow-up)
// ---------------------------------------------------------------------------------------------

/// Lines of `draft` that `lint --format json` reports as `secret`.
fn secret_lines(draft: &str) -> Vec<u64> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.md");
    std::fs::write(&path, draft).unwrap();
    let out = Command::cargo_bin("scopelint")
        .unwrap()
        .args(["--isolated", "lint", "--format", "json"])
        .arg(&path)
        .env_remove("SCOPELINT_RULES")
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "secret")
        .map(|d| d["line"].as_u64().unwrap())
        .collect()
}

/// Each placeholder form the README's advice produces, or a writer commonly uses, is not a
/// secret; a real value that merely contains such a word is. Written after `cargo mutants`
/// left the `||`/`==` mutants of `is_placeholder` (src/lint/secrets.rs) alive: each line below
/// is the only one that tells its own alternative apart.
#[test]
fn placeholders_are_not_secrets_but_lookalike_values_are() {
    let placeholders = [
        "password=<pw_value>",
        "password={pw_value}",
        "password=$PW_VALUE",
        "password=*pw_value",
        "password=[pw_value]",
        "password=%PW_VALUE%",
        "password=xxxxxxxx",
        "password=REDACTED",
        "password=removed-from-report",
        "password=example-pass",
        "password=placeholder1",
        "password=your_password",
        "password=your-password",
        "password=password",
        "password=secret",
        "password=hidden",
    ];
    let mut draft = String::from("# Summary\n\n");
    for p in placeholders {
        draft.push_str(p);
        draft.push('\n');
    }
    assert_eq!(secret_lines(&draft), Vec::<u64>::new(), "{draft}");
    // Line 3 on: values that contain a placeholder word but are not one.
    let real = [
        "password=hidden2024!",
        "password=secret-Tr0ub4dor",
        "password=passwordZ9q",
        "password=x1x2x3x4",
        "password=Hunter2Hunter2",
    ];
    let draft = format!("# Summary\n\n{}\n", real.join("\n"));
    assert_eq!(secret_lines(&draft), [3, 4, 5, 6, 7], "{draft}");
}

/// Two secrets that touch (a 37-character app secret ending exactly where a private key block
/// begins) are both reported. Written after `cargo mutants` left `s.range.start < range.end`
/// -> `<=` in `secrets::find` (src/lint/secrets.rs) alive: that mutant drops the second one
/// (verified by planting it: `left: [3]`).
#[test]
fn touching_secrets_are_both_reported() {
    let app_secret = format!("abc8Q~{}", "a".repeat(31));
    let draft = format!(
        "# Summary\n\n{app_secret}-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"
    );
    assert_eq!(secret_lines(&draft), [3, 3], "{draft}");
    // The other way round: an app secret that starts where a private key block ends (mutant
    // `range.start < s.range.end` -> `<=`, same function). Ranges are the secret values, so
    // only the patterns whose whole match is the value can touch.
    let draft = format!(
        "# Summary\n\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----{app_secret}\n"
    );
    assert_eq!(secret_lines(&draft), [3, 5], "{draft}");
}
