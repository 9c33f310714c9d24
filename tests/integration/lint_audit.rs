//! `lint --audit-log FILE`: a draft checked against what a real session sent. The session is
//! `scopelint run -- curl ...` against servers on 127.0.0.1 (every name pinned with
//! `--resolve`); then the draft's targets and URLs are looked up in its audit log.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::thread;

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-program.yaml"
);

/// An HTTP server on 127.0.0.1 answering `200` to anything (and plaintext to a TLS hello).
fn server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                // A TLS ClientHello holds no line end: answer it after a short wait.
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(300)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = Vec::new();
                let _ = reader.read_until(b'\n', &mut line);
                loop {
                    let mut l = Vec::new();
                    if reader.read_until(b'\n', &mut l).unwrap_or(0) == 0
                        || l.iter().all(u8::is_ascii_whitespace)
                    {
                        break;
                    }
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            });
        }
    });
    port
}

fn scopelint() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("scopelint"));
    c.args(["--isolated", "--rules", RULES])
        .env_remove("SCOPELINT_RULES");
    c
}

fn has_curl() -> bool {
    let ok = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var_os("CI").is_none(), "curl is needed");
    ok
}

#[test]
fn draft_targets_are_checked_against_the_session_audit_log() {
    if !has_curl() {
        return;
    }
    let (ip, op) = (server(), server());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let pins = [
        format!("--resolve=www.example.net:{ip}:127.0.0.1"),
        format!("--resolve=api.example.net:{ip}:127.0.0.1"),
        format!("--resolve=evil.example.org:{op}:127.0.0.1"),
    ];
    // The session: one plain request in scope, one refused, one HTTPS tunnel in scope (the
    // loopback server speaks no TLS, so curl fails after the tunnel was opened and used).
    let out = scopelint()
        .arg("run")
        .args(&pins)
        .arg(format!("--audit-log={}", log.display()))
        .args([
            "--",
            "curl",
            "-s",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            &format!("http://www.example.net:{ip}/tested?id=1"),
            &format!("http://evil.example.org:{op}/x"),
            &format!("https://www.example.net:{ip}/inside"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 forwarded, 1 tunnels, 1 refused"),
        "{stderr}"
    );
    // A tunnel passed through was not checked inside, and the summary says so.
    assert!(
        stderr.contains("not the Host header or path: --intercept checks each request"),
        "{stderr}"
    );

    let draft = dir.path().join("draft.md");
    std::fs::write(
        &draft,
        format!(
            "---\ntargets: [www.example.net, api.example.net]\n---\n# Summary\n\n\
             ## Steps to reproduce\n\n\
             1. Open http://www.example.net:{ip}/tested?id=2\n\
             2. Then http://www.example.net:{ip}/invented\n\
             3. Then http://evil.example.org:{op}/x\n\
             4. Then https://www.example.net:{ip}/inside\n\n## Impact\n\nNone.\n"
        ),
    )
    .unwrap();
    let out = scopelint()
        .args(["lint", "--format", "json", "--audit-log"])
        .arg(&log)
        .arg(&draft)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String, u64, String)> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| scopelint::lint::AUDIT_LOG_RULES.contains(&d["rule"].as_str().unwrap()))
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let brief: Vec<(&str, &str, u64)> = found
        .iter()
        .map(|(r, s, l, _)| (r.as_str(), s.as_str(), *l))
        .collect();
    assert_eq!(
        brief,
        [
            ("never-requested", "warning", 2),
            ("never-requested", "warning", 9),
            ("refused-request", "error", 10),
            ("never-requested", "info", 11),
        ],
        "{found:#?}"
    );
    assert!(found[0]
        .3
        .contains("`api.example.net` was never requested in this session"));
    assert!(found[1]
        .3
        .contains("/invented` was never requested in this session"));
    assert!(found[2].3.contains("refused (no-asset"), "{}", found[2].3);
    assert!(
        found[3].3.contains("vouches for the host, not the path"),
        "{}",
        found[3].3
    );
    // The refusal is an error: exit 1.
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_unreadable_audit_log_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    std::fs::write(&log, "{\"verdict\":\"sent\"}\nnot json\n").unwrap();
    let draft = dir.path().join("d.md");
    std::fs::write(&draft, "# Summary\n\nhttp://www.example.net/\n").unwrap();
    let out = scopelint()
        .args(["lint", "--audit-log"])
        .arg(&log)
        .arg(&draft)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2: not an audit entry"), "{err}");
    // Missing file: the same.
    let out = scopelint()
        .args(["lint", "--audit-log", "/nonexistent/audit.jsonl"])
        .arg(&draft)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
