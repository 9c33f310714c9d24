//! `scopelint probe` against local servers. Every name is pinned to 127.0.0.1 with
//! `--resolve`; out-of-scope names are pinned too (to a server that must stay silent), so a
//! refusal is proven to come from the scope check, not from a failed lookup.

use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use base64::Engine as _;

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-program.yaml"
);

use crate::common::{assert_pinned_to_loopback, pin, reply, stdout, Hit, Server};

fn ok() -> impl Fn(&Hit, usize) -> String + Send + Sync + 'static {
    |_, _| reply("200 OK", "", "ok")
}

/// `scopelint probe`, run only once [`assert_pinned_to_loopback`] has checked its arguments.
struct Probe {
    cmd: Command,
    args: Vec<String>,
    stdin: Vec<u8>,
}

fn probe() -> Probe {
    let mut c = Command::cargo_bin("scopelint").unwrap();
    c.args(["--isolated", "--rules", RULES, "--color", "never", "probe"]);
    c.env_remove("SCOPELINT_RULES");
    c.timeout(Duration::from_secs(20));
    Probe {
        cmd: c,
        args: Vec::new(),
        stdin: Vec::new(),
    }
}

impl Probe {
    fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Probe {
        self.args.push(a.as_ref().to_string_lossy().into_owned());
        self
    }
    fn args<S: AsRef<std::ffi::OsStr>>(self, a: impl IntoIterator<Item = S>) -> Probe {
        a.into_iter().fold(self, |p, a| p.arg(a))
    }
    fn write_stdin(mut self, s: impl Into<Vec<u8>>) -> Probe {
        self.stdin = s.into();
        self
    }
    fn timeout(mut self, d: Duration) -> Probe {
        self.cmd.timeout(d);
        self
    }
    fn output(mut self) -> std::io::Result<std::process::Output> {
        // A dry run sends nothing (`dry_run_sends_nothing` proves it against a server that counts hits).
        if !self.args.iter().any(|a| a == "--dry-run") {
            assert_pinned_to_loopback(&self.args, &String::from_utf8_lossy(&self.stdin));
        }
        self.cmd.args(&self.args).write_stdin(self.stdin).output()
    }
}

#[test]
fn the_pin_guard_refuses_unpinned_names() {
    let refused = |args: &[&str], stdin: &str| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let stdin = stdin.to_string();
        std::panic::catch_unwind(move || assert_pinned_to_loopback(&args, &stdin)).is_err()
    };
    assert!(refused(&["http://www.example.net/"], ""));
    assert!(refused(
        &[
            "--resolve=www.example.net:81:127.0.0.1",
            "http://www.example.net/"
        ],
        ""
    ));
    assert!(refused(&["--resolve=www.example.net:80:192.0.2.1"], ""));
    assert!(refused(&[], "http://api.example.net/\n"));
    assert!(!refused(
        &[
            "--resolve",
            "www.example.net:80:127.0.0.1",
            "http://WWW.example.net/",
            "http://127.0.0.2:9/"
        ],
        "# comment\n"
    ));
}

/// Arrival gaps at the server. A gap can be shorter than the limiter's interval by however long
/// the earlier request took to leave the client after its permit (scheduling delay on a loaded
/// CI machine), so gaps are checked against a floor with that slack, and the rate itself
/// against the span of all requests. Without pacing the gaps would be a few milliseconds.
fn gaps(times: &[Instant]) -> Vec<Duration> {
    times
        .windows(2)
        .map(|w| w[1].duration_since(w[0]))
        .collect()
}

#[test]
fn redirect_to_out_of_scope_host_is_not_followed() {
    let outside = Server::start(ok());
    let op = outside.port();
    let inside = Server::start(move |_, _| {
        reply(
            "302 Found",
            &format!("Location: http://evil.example.org:{op}/stolen\r\n"),
            "",
        )
    });
    let out = probe()
        .args([
            pin("www.example.net", inside.port()),
            pin("evil.example.org", op),
        ])
        .arg(format!("http://www.example.net:{}/start", inside.port()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(inside.hits().len(), 1);
    assert!(
        outside.hits().is_empty(),
        "the out-of-scope server was contacted"
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!("-> http://evil.example.org:{op}/stolen")),
        "{text}"
    );
    assert!(
        text.contains("REFUSED") && text.contains("redirect from"),
        "{text}"
    );
}

#[test]
fn in_scope_redirect_is_followed_without_credentials_on_the_new_host() {
    let second = Server::start(ok());
    let sp = second.port();
    let first = Server::start(move |_, _| {
        reply(
            "301 Moved",
            &format!("Location: http://api.example.net:{sp}/next\r\n"),
            "",
        )
    });
    let out = probe()
        .args([
            pin("www.example.net", first.port()),
            pin("api.example.net", sp),
        ])
        .args([
            "-H",
            "Authorization: Bearer s3cr3t-token",
            "-H",
            "Cookie: sid=c00kie",
            "-H",
            "X-Keep: yes",
        ])
        .arg(format!("http://www.example.net:{}/", first.port()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let a = first.hits();
    let b = second.hits();
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a[0].header("authorization"), Some("Bearer s3cr3t-token"));
    assert_eq!(b[0].path, "/next");
    assert_eq!(b[0].header("x-keep"), Some("yes"));
    assert_eq!(
        b[0].header("authorization"),
        None,
        "credentials followed a cross-host redirect"
    );
    assert_eq!(b[0].header("cookie"), None);
}

#[test]
fn rate_spacing_holds_at_4_per_second() {
    let s = Server::start(ok());
    let urls: Vec<String> = (0..6)
        .map(|i| format!("http://www.example.net:{}/{i}", s.port()))
        .collect();
    let out = probe()
        .args([
            "--rate",
            "4/s",
            "--burst",
            "1",
            &pin("www.example.net", s.port()),
        ])
        .args(&urls)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let times: Vec<Instant> = s.hits().iter().map(|h| h.at).collect();
    assert_eq!(times.len(), 6);
    eprintln!("arrival gaps at 4/s: {:?}", gaps(&times));
    let span = times[5].duration_since(times[0]);
    // 5 intervals of 250 ms; 5/s would give 1,000 ms.
    assert!(
        span >= Duration::from_millis(1200),
        "6 requests at 4/s within {span:?}"
    );
    for g in gaps(&times) {
        assert!(
            g >= Duration::from_millis(200),
            "requests {g:?} apart at 4/s"
        );
    }
}

#[test]
fn per_host_and_global_limits_both_hold() {
    let s = Server::start(ok());
    let p = s.port();
    let mut urls = Vec::new();
    for i in 0..3 {
        urls.push(format!("http://www.example.net:{p}/{i}"));
        urls.push(format!("http://api.example.net:{p}/{i}"));
    }
    let out = probe()
        .args(["--rate", "4/s", "--per-host-rate", "2/s", "--burst", "1"])
        .args([pin("www.example.net", p), pin("api.example.net", p)])
        .args(&urls)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let hits = s.hits();
    assert_eq!(hits.len(), 6);
    let all: Vec<Instant> = hits.iter().map(|h| h.at).collect();
    eprintln!("global arrival gaps at 4/s, 2/s per host: {:?}", gaps(&all));
    for g in gaps(&all) {
        assert!(
            g >= Duration::from_millis(200),
            "global: {g:?} apart at 4/s"
        );
    }
    let span = all[5].duration_since(all[0]);
    assert!(
        span >= Duration::from_millis(1200),
        "global: 6 requests at 4/s within {span:?}"
    );
    for host in ["www.example.net", "api.example.net"] {
        let t: Vec<Instant> = hits
            .iter()
            .filter(|h| h.header("host").is_some_and(|v| v.starts_with(host)))
            .map(|h| h.at)
            .collect();
        assert_eq!(t.len(), 3, "{host}");
        for g in gaps(&t) {
            assert!(
                g >= Duration::from_millis(450),
                "{host}: {g:?} apart at 2/s"
            );
        }
        let span = t[2].duration_since(t[0]);
        assert!(
            span >= Duration::from_millis(950),
            "{host}: 3 requests at 2/s within {span:?}"
        );
    }
}

#[test]
fn retry_after_is_honored() {
    let s = Server::start(|_, n| {
        if n == 0 {
            reply("429 Too Many Requests", "Retry-After: 1\r\n", "")
        } else {
            reply("200 OK", "", "ok")
        }
    });
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", s.port())])
        .arg(format!("http://www.example.net:{}/", s.port()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let hits = s.hits();
    assert_eq!(hits.len(), 2);
    let g = hits[1].at.duration_since(hits[0].at);
    assert!(
        g >= Duration::from_millis(990),
        "retried {g:?} after Retry-After: 1"
    );
    let text = stdout(&out);
    assert!(text.contains("429") && text.contains("200"), "{text}");
}

#[test]
fn repeated_throttling_stops_the_host() {
    let s = Server::start(|_, _| reply("503 Service Unavailable", "Retry-After: 0\r\n", ""));
    let p = s.port();
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", p)])
        .arg(format!("http://www.example.net:{p}/a"))
        .arg(format!("http://www.example.net:{p}/b"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.hits().len(), 3, "three strikes, then stop");
    let text = stdout(&out);
    assert!(text.contains("stopped probing"), "{text}");
    assert!(text.contains("[host-stopped]"), "{text}");
}

#[test]
fn max_requests_stops_the_run() {
    let s = Server::start(ok());
    let urls: Vec<String> = (0..5)
        .map(|i| format!("http://www.example.net:{}/{i}", s.port()))
        .collect();
    let out = probe()
        .args([
            "--rate",
            "20/s",
            "--max-requests",
            "2",
            &pin("www.example.net", s.port()),
        ])
        .args(&urls)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.hits().len(), 2);
    assert_eq!(
        stdout(&out).matches("[request-budget]").count(),
        3,
        "{}",
        stdout(&out)
    );
}

#[test]
fn audit_log_has_one_entry_per_attempt_and_no_secrets() {
    let s = Server::start(|h, _| {
        if h.path == "/redirect" {
            reply("302 Found", "Location: http://evil.example.org/\r\n", "")
        } else {
            reply("200 OK", "Set-Cookie: sid=server-s3cret\r\n", "hello")
        }
    });
    let p = s.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = probe()
        .args(["--rate", "20/s", "-X", "GET", &pin("www.example.net", p)])
        .arg(pin("evil.example.org", 80))
        .args([
            "-H",
            "Authorization: Bearer s3cr3t-token",
            "-H",
            "Cookie: sid=c00kie",
        ])
        .arg(format!("--audit-log={}", log.display()))
        .arg(format!("http://www.example.net:{p}/page"))
        .arg("http://evil.example.org/")
        .arg(format!("http://www.example.net:{p}/redirect"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&log).unwrap();
    let all: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Audit first: each sent request has its `sending` record just before its outcome.
    for (i, e) in all.iter().enumerate() {
        if e["verdict"] == "sent" {
            assert_eq!(all[i - 1]["verdict"], "sending", "{text}");
            assert_eq!(all[i - 1]["url"], e["url"], "{text}");
        }
    }
    let entries: Vec<&serde_json::Value> =
        all.iter().filter(|e| e["verdict"] != "sending").collect();
    // /page sent, evil refused, /redirect sent, its out-of-scope hop refused.
    assert_eq!(entries.len(), 4, "{text}");
    let verdicts: Vec<&str> = entries
        .iter()
        .map(|e| e["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts.iter().filter(|v| **v == "sent").count(), 2);
    assert_eq!(verdicts.iter().filter(|v| **v == "refused").count(), 2);
    assert_eq!(s.hits().len(), 2);
    for secret in ["s3cr3t-token", "c00kie", "server-s3cret"] {
        assert!(!text.contains(secret), "audit log leaks {secret}: {text}");
        assert!(!stdout(&out).contains(secret));
    }
    let page = entries
        .iter()
        .find(|e| e["url"].as_str().unwrap().ends_with("/page"))
        .unwrap();
    assert_eq!(page["status"], 200);
    assert_eq!(page["bytes"], 5);
    assert_eq!(page["addr"], format!("127.0.0.1:{p}"));
    assert!(page["time"].as_str().unwrap().ends_with('Z'));
    let redirect = entries.iter().find(|e| e["status"] == 302).unwrap();
    assert_eq!(redirect["redirect"], "http://evil.example.org/");
}

#[test]
fn dry_run_sends_nothing() {
    let s = Server::start(ok());
    let out = probe()
        .args(["--dry-run", &pin("www.example.net", s.port())])
        .arg(format!("http://www.example.net:{}/", s.port()))
        .arg(format!("http://127.0.0.2:{}/", s.port()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    thread::sleep(Duration::from_millis(100));
    assert!(s.hits().is_empty());
    let text = stdout(&out);
    assert_eq!(text.matches("DRY-RUN").count(), 2, "{text}");
    assert!(
        text.contains(&format!("via 127.0.0.1:{}", s.port())),
        "{text}"
    );
    assert!(text.contains("via system DNS"), "{text}");
}

#[test]
fn head_falls_back_to_get() {
    let s = Server::start(|h, _| {
        if h.method == "HEAD" {
            reply("405 Method Not Allowed", "", "")
        } else {
            reply("200 OK", "", "body")
        }
    });
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", s.port())])
        .arg(format!("http://www.example.net:{}/", s.port()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let methods: Vec<String> = s.hits().iter().map(|h| h.method.clone()).collect();
    assert_eq!(methods, ["HEAD", "GET"]);
}

#[test]
fn internal_addresses_need_an_explicit_pin() {
    let s = Server::start(ok());
    let url = format!("http://127.0.0.1:{}/", s.port());
    let out = probe().arg(&url).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("[internal-address]"),
        "{}",
        stdout(&out)
    );
    assert!(s.hits().is_empty());
    let out = probe()
        .arg(pin("127.0.0.1", s.port()))
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(s.hits().len(), 1);
}

fn jwt(claims: &str) -> String {
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}.{}.sig", b.encode(r#"{"alg":"none"}"#), b.encode(claims))
}

#[test]
fn require_marker_refuses_unmarked_tokens() {
    let s = Server::start(ok());
    let url = format!("http://www.example.net:{}/", s.port());
    let bad = jwt(r#"{"upn":"alice@contoso.onmicrosoft.com"}"#);
    let out = probe()
        .args(["--require-marker", &pin("www.example.net", s.port())])
        .args(["-H", &format!("Authorization: Bearer {bad}")])
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("lacks the test marker `MSOBB`"), "{err}");
    assert!(s.hits().is_empty());

    let good = jwt(r#"{"upn":"aliceMSOBB@contosomsobb.onmicrosoft.com"}"#);
    let out = probe()
        .args(["--require-marker", &pin("www.example.net", s.port())])
        .args(["-H", &format!("Authorization: Bearer {good}")])
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.hits().len(), 1);
}

/// A token's claims are whoever minted it: an account name carrying a terminal's escape
/// sequences is shown escaped in the warning, and the warning still names the account.
#[test]
fn token_warnings_show_the_account_escaped() {
    let s = Server::start(ok());
    let url = format!("http://www.example.net:{}/", s.port());
    // JSON's \u001b is a raw ESC in the decoded claim: clear the screen, then an OSC 52 write
    // to the clipboard, then a carriage return that would hide what came before.
    let hostile =
        jwt(r#"{"upn":"\u001b[2J\u001b]52;c;ZXZpbA==\u0007alice\r@contoso.onmicrosoft.com"}"#);
    let out = probe()
        .args(["--dry-run", &pin("www.example.net", s.port())])
        .args(["-H", &format!("Authorization: Bearer {hostile}")])
        .arg(&url)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.stderr
            .iter()
            .any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
        "raw control bytes reached the terminal: {err:?}"
    );
    assert!(
        err.contains(
            r"account `\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}alice\r@contoso.onmicrosoft.com`"
        ),
        "{err}"
    );
    assert!(err.contains("lacks the test marker `MSOBB`"), "{err}");
    assert_eq!(out.status.code(), Some(0), "a dry run: {err}");
    thread::sleep(Duration::from_millis(100));
    assert!(s.hits().is_empty());
}

#[test]
fn urls_are_read_from_stdin_and_bad_rates_are_usage_errors() {
    let s = Server::start(ok());
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", s.port())])
        .write_stdin(format!(
            "# comment\n\nhttp://www.example.net:{}/stdin\n",
            s.port()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(s.hits()[0].path, "/stdin");
    let out = probe()
        .args(["--rate", "4/fortnight", "http://www.example.net/"])
        .arg(pin("www.example.net", 80))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = probe()
        .args(["--resolve", "nonsense", "http://www.example.net/"])
        .arg(pin("www.example.net", 80))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 14, item 2: a user `Host` header is checked against the scope like the URL, and is
/// never carried to another origin (like credentials).
#[test]
fn user_host_header_is_checked_and_not_carried_across_origins() {
    let s = Server::start(ok());
    let p = s.port();
    // An excluded virtual host on an in-scope address: refused, nothing sent.
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", p)])
        .args(["-H", "Host: blocked.svc.example.net"])
        .arg(format!("http://www.example.net:{p}/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("REFUSED") && text.contains("Host header `blocked.svc.example.net`"),
        "{text}"
    );
    assert!(s.hits().is_empty(), "{:?}", s.hits());

    // A value the URL parser has to change to read (a tab taken out, an escape decoded, a port
    // with a leading zero) is not the host that was checked: refused, nothing sent.
    let with_host = |host: &str| {
        probe()
            .args(["--rate", "20/s", &pin("www.example.net", p)])
            .args(["-H", &format!("Host: {host}")])
            .arg(format!("http://www.example.net:{p}/"))
            .output()
            .unwrap()
    };
    for host in [
        format!("www.exa\tmple.net:{p}"),
        format!("%77ww.example.net:{p}"),
        format!("www.example.net:0{p}"),
    ] {
        let out = with_host(&host);
        assert_eq!(out.status.code(), Some(1), "{host}: {}", stdout(&out));
        assert!(
            stdout(&out).contains("is not written as the host it is read as"),
            "{host}: {}",
            stdout(&out)
        );
    }
    // Written as parsed, in any case, it is sent.
    let out = with_host(&format!("WWW.example.net:{p}"));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(s.hits().len(), 1, "{:?}", s.hits());

    // An in-scope virtual host is sent, but not after a redirect to another host.
    let second = Server::start(ok());
    let sp = second.port();
    let first = Server::start(move |_, _| {
        reply(
            "302 Found",
            &format!("Location: http://api.example.net:{sp}/next\r\n"),
            "",
        )
    });
    let fp = first.port();
    let out = probe()
        .args([
            "--rate",
            "20/s",
            &pin("www.example.net", fp),
            &pin("api.example.net", sp),
        ])
        .args(["-H", &format!("Host: api.example.net:{fp}")])
        .arg(format!("http://www.example.net:{fp}/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        first.hits()[0].header("host"),
        Some(format!("api.example.net:{fp}").as_str())
    );
    assert_eq!(
        second.hits()[0].header("host"),
        Some(format!("api.example.net:{sp}").as_str()),
        "the user Host header followed the redirect"
    );

    // Two Host headers are ambiguous: a usage error.
    let out = probe()
        .arg(pin("www.example.net", 80))
        .args(["-H", "Host: www.example.net", "-H", "Host: api.example.net"])
        .arg("http://www.example.net/")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 14, item 4: with an audit log that cannot be written, nothing is sent and the error
/// names the log (exit 2).
#[test]
fn nothing_is_sent_without_its_audit_record() {
    let s = Server::start(ok());
    let p = s.port();
    let out = probe()
        .args([
            "--rate",
            "20/s",
            &pin("www.example.net", p),
            "--audit-log",
            "/dev/full",
        ])
        .arg(format!("http://www.example.net:{p}/a"))
        .arg(format!("http://www.example.net:{p}/b"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit log /dev/full"), "{err}");
    thread::sleep(Duration::from_millis(100));
    assert!(s.hits().is_empty(), "{:?}", s.hits());
}

/// Issue 14, item 5: a Retry-After the clock cannot add stops the host, without a panic.
#[test]
fn enormous_retry_after_stops_the_host_without_panicking() {
    let s = Server::start(|_, _| {
        reply(
            "429 Too Many Requests",
            "Retry-After: 18446744073709551615\r\n",
            "",
        )
    });
    let p = s.port();
    let out = probe()
        .args([
            "--rate",
            "20/s",
            "--max-wait",
            "86400",
            &pin("www.example.net", p),
        ])
        .arg(format!("http://www.example.net:{p}/"))
        .output()
        .unwrap();
    // Exit 1, not 101: no panic, and a host given up on is not a clean run (issue 17).
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("stopped probing"), "{}", stdout(&out));
    assert_eq!(s.hits().len(), 1);
}

/// Issue 14, item 7: userinfo never reaches the audit log or the output: not in a redirect
/// target, not in a target that does not parse.
#[test]
fn userinfo_is_redacted_in_redirects_and_unparsable_targets() {
    let s = Server::start(|h, _| {
        if h.path == "/login" {
            reply(
                "302 Found",
                "Location: http://user:REDIRECTPW@evil.example.org/\r\n",
                "",
            )
        } else {
            reply("200 OK", "", "ok")
        }
    });
    let p = s.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", p)])
        .arg(format!("--audit-log={}", log.display()))
        .arg(format!("http://www.example.net:{p}/login"))
        .arg("http://user:SECRETPW@www.example.net:99999/")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = std::fs::read_to_string(&log).unwrap();
    for secret in ["REDIRECTPW", "SECRETPW"] {
        assert!(!text.contains(secret), "audit log leaks {secret}: {text}");
        assert!(!stdout(&out).contains(secret), "{}", stdout(&out));
    }
    assert!(
        text.contains("http://[redacted]@evil.example.org/"),
        "{text}"
    );
    assert!(
        text.contains("http://[redacted]@www.example.net:99999/"),
        "{text}"
    );
}

/// Issue 14, item 12: a standard-input line that is not UTF-8 is reported by number and the
/// other lines are still probed.
#[test]
fn non_utf8_stdin_line_is_reported_and_the_rest_probed() {
    let s = Server::start(ok());
    let p = s.port();
    let mut input = format!("http://www.example.net:{p}/one\n").into_bytes();
    input.extend_from_slice(b"http://www.example.net/\xff\xfe\n");
    input.extend_from_slice(format!("http://www.example.net:{p}/three\n").as_bytes());
    let out = probe()
        .args(["--rate", "20/s", &pin("www.example.net", p)])
        // The skipped line names port 80: pinned too, so nothing could leave loopback.
        .arg(pin("www.example.net", 80))
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("standard input line 2 is not UTF-8; skipped"),
        "{err}"
    );
    let paths: Vec<String> = s.hits().iter().map(|h| h.path.clone()).collect();
    assert_eq!(paths, ["/one", "/three"]);
}

/// Issue 14, item 10: input is read as it is probed, a task per host only while it has work.
/// Many distinct hosts, and hosts that come back again and again (more than the queue limit in
/// a row), all get their records, each host's in input order.
#[test]
fn many_hosts_stream_through_in_per_host_order() {
    let mut input = String::new();
    for i in 0..20_000 {
        input.push_str(&format!("http://h{i}.svc.example.net/{i}\n"));
    }
    for i in 0..6_000 {
        input.push_str(&format!("http://r{}.svc.example.net/{i}\n", i / 5_000));
    }
    for i in 0..3_000 {
        input.push_str(&format!("http://m{}.svc.example.net/{i}\n", i % 40));
    }
    let out = probe()
        .args(["--dry-run", "--format", "jsonl"])
        .write_stdin(input)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut last: std::collections::HashMap<String, u64> = Default::default();
    let mut n = 0;
    for l in stdout(&out).lines() {
        let e: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(e["verdict"], "dry-run");
        let url = e["url"].as_str().unwrap();
        let (host, path) = url.trim_start_matches("http://").split_once('/').unwrap();
        let i: u64 = path.parse().unwrap();
        if let Some(prev) = last.insert(host.to_string(), i) {
            assert!(prev < i, "{host}: /{i} came after /{prev}");
        }
        n += 1;
    }
    assert_eq!(n, 29_000);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("29000 targets"), "{err}");
}

/// Issue 17: under --require-marker, nothing checked is not a pass.
#[test]
fn require_marker_refuses_when_there_is_nothing_to_check() {
    let s = Server::start(ok());
    let p = s.port();
    let out = probe()
        .args(["--require-marker", &pin("www.example.net", p)])
        .args(["-H", "Authorization: Bearer not-a-jwt"])
        .arg(format!("http://www.example.net:{p}/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token to check"));
    assert!(s.hits().is_empty());
}

/// Issue 17: a host given up on (429 after 429) means exit 1, even when it was the last URL.
#[test]
fn a_host_given_up_on_is_never_a_clean_run() {
    let s = Server::start(|_, _| reply("429 Too Many Requests", "Retry-After: 0\r\n", ""));
    let p = s.port();
    let out = probe()
        .args([
            "--rate",
            "50/s",
            "--per-host-rate",
            "50/s",
            &pin("www.example.net", p),
        ])
        .arg(format!("http://www.example.net:{p}/only"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 host given up on") && err.contains("1 target:"),
        "{err}"
    );
    assert!(!s.hits().is_empty());
}

/// Issue 17: a bare host is refused with the URL it probably meant (nothing is guessed or sent).
#[test]
fn a_bare_host_is_refused_with_a_hint() {
    let out = probe()
        .args(["--dry-run", "login.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("did you mean https://login.example.com/ ?"),
        "{}",
        stdout(&out)
    );
}

/// Issue 17: output comes in input order, whatever order the hosts are probed in (refusals
/// are not printed first).
#[test]
fn output_follows_the_input_order() {
    let mut input = String::new();
    for i in 0..200 {
        let host = ["www.example.net", "evil.example.org", "api.example.net"][i % 3];
        input.push_str(&format!("http://{host}/{i}\n"));
    }
    let out = probe()
        .args(["--dry-run", "--format", "jsonl"])
        .write_stdin(input)
        .output()
        .unwrap();
    let paths: Vec<u64> = stdout(&out)
        .lines()
        .map(|l| {
            let e: serde_json::Value = serde_json::from_str(l).unwrap();
            let url = e["url"].as_str().unwrap().to_string();
            url.rsplit('/').next().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(paths, (0..200).collect::<Vec<u64>>());
}

/// Issue 17: only `--rate` given: one warning about `--rate`, none about a `--per-host-rate`
/// the user did not give.
#[test]
fn only_the_rate_given_warns_only_about_the_rate() {
    let out = probe()
        .args(["--dry-run", "--rate", "50/s", "http://www.example.net/"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(
        warnings,
        ["scopelint: warning: --rate 50/s is faster than the program's default 20/s"]
    );
}

/// A standard-input line longer than any target is skipped with a warning (read only up to a
/// bound: memory stays bounded), and the lines after it are still probed.
#[test]
fn an_overlong_stdin_line_is_skipped_and_the_rest_read() {
    let mut input = "x".repeat(200_000).into_bytes();
    input.extend_from_slice(b"\nhttp://www.example.net/after\n");
    let out = probe()
        .arg("--dry-run")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("standard input line 1 is longer than 65536 bytes"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("http://www.example.net/after"),
        "{}",
        stdout(&out)
    );
}
