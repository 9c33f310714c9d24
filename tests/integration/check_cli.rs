//! Subprocess tests of `scopelint check`: every flag, exit code and format.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const EXAMPLE: &str = "fixtures/rules/example-program.yaml";

fn scopelint() -> Command {
    crate::common::scopelint()
}

fn example() -> Command {
    let mut c = scopelint();
    c.args(["--rules", EXAMPLE]);
    c
}

/// A rules file in a temporary directory: a five-line program header, then `rest` (line 6 on).
fn temp_rules(rest: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yaml");
    let header = "schema_version: 1\nprogram:\n  id: x\n  name: X\n  revision: 2026-01-01\n";
    std::fs::write(&path, format!("{header}{rest}")).unwrap();
    (dir, path)
}

fn jsonl(out: &[u8]) -> Vec<Value> {
    std::str::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn embedded_default_classifies_login_live_com_in_scope() {
    scopelint()
        .args(["check", "https://login.live.com/"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("in-scope"))
        .stdout(predicate::str::contains("[login-live-com]"))
        .stdout(predicate::str::contains(
            "scope-rules/microsoft-identity.yaml:",
        ));
}

#[test]
fn embedded_default_has_general_and_b2c_tables() {
    let out = scopelint()
        .args(["check", "--format", "jsonl"])
        .args([
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/oauth2/v2.0/authorize",
            "https://graph.microsoft.com/v1.0/me/authentication/methods",
            "https://graph.microsoft.com/v1.0/me/messages",
            "https://graph.microsoft.com/beta/identity/conditionalAccess/policies",
            "contoso.azurewebsites.net",
            "contoso.ciamlogin.com",
            "android:com.azure.authenticator",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = jsonl(&out);
    let got: Vec<(&str, &str, Option<&str>)> = v
        .iter()
        .map(|o| {
            (
                o["verdict"].as_str().unwrap(),
                o["rule"].as_str().unwrap(),
                o["award_table"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got[0],
        ("in-scope", "login-microsoftonline-com", Some("general"))
    );
    assert_eq!(got[1], ("in-scope", "b2c-tenants", Some("b2c")));
    assert_eq!(
        got[2],
        ("in-scope", "graph-identity-sign-in", Some("general"))
    );
    assert_eq!(got[3].0, "out-of-scope");
    assert_eq!(got[3].1, "no-asset");
    assert_eq!(got[4], ("out-of-scope", "graph-beta", None));
    assert_eq!(got[5], ("out-of-scope", "customer-owned-suffix", None));
    assert_eq!(got[6], ("out-of-scope", "entra-external-id", None));
    assert!(v[6]["reason"].as_str().unwrap().contains("needs review"));
    assert_eq!(got[7].0, "in-scope");
}

#[test]
fn exit_codes_follow_the_worst_verdict() {
    example()
        .args(["check", "www.example.com"])
        .assert()
        .code(0);
    example()
        .args(["check", "www.example.com", "evil.example.net"])
        .assert()
        .code(1);
    example().args(["check", "bad..host"]).assert().code(1);
}

#[test]
fn json_contract_has_every_field() {
    let out = example()
        .args([
            "check",
            "--format",
            "json",
            " https://www.example.com/x ",
            "http://[::1",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    let first = &arr[0];
    assert_eq!(first["target"], "https://www.example.com/x");
    assert_eq!(first["verdict"], "in-scope");
    assert_eq!(first["program"], "example");
    assert_eq!(first["asset"], "www");
    assert_eq!(first["award_table"], "main");
    assert_eq!(first["rule"], "www");
    assert!(first["reason"].as_str().unwrap().contains("asset `www`"));
    assert_eq!(first["source"], format!("{EXAMPLE}:9"));
    assert!(first.get("error").is_none());
    let second = &arr[1];
    assert_eq!(second["verdict"], "invalid");
    assert_eq!(second["asset"], Value::Null);
    assert_eq!(second["source"], Value::Null);
    assert!(second["error"].as_str().unwrap().contains("closing `]`"));
}

#[test]
fn json_array_is_valid_when_empty() {
    let out = example()
        .args(["check", "--format", "json", "-"])
        .write_stdin("\n# only a comment\n\n")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v, Value::Array(vec![]));
}

#[test]
fn stdin_streams_in_order_skipping_blanks_and_comments_and_tolerating_crlf() {
    let out = example()
        .args(["check", "--format", "jsonl"])
        .write_stdin("www.example.com\r\n\r\n# comment\n   staging.example.com   \nevil.test\n")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = jsonl(&out);
    let targets: Vec<&str> = v.iter().map(|o| o["target"].as_str().unwrap()).collect();
    assert_eq!(
        targets,
        ["www.example.com", "staging.example.com", "evil.test"]
    );
    assert_eq!(v[0]["verdict"], "in-scope");
    assert_eq!(v[1]["rule"], "staging");
    assert_eq!(v[2]["rule"], "no-asset");
}

#[test]
fn invalid_utf8_line_is_reported_and_the_run_continues() {
    let out = example()
        .args(["check", "--format", "jsonl"])
        .write_stdin(&b"www.example.com\n\xff\xfeabc\na.example.com\n"[..])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = jsonl(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[1]["verdict"], "invalid");
    assert!(v[1]["error"].as_str().unwrap().contains("not valid UTF-8"));
    assert_eq!(v[2]["verdict"], "in-scope");
}

#[test]
fn print_filters_lines_unchanged_like_grep() {
    example()
        .args(["check", "--print", "in-scope"])
        .write_stdin("WWW.Example.com  \nevil.test\na.example.com\n")
        .assert()
        .code(0)
        .stdout("WWW.Example.com  \na.example.com\n");
    example()
        .args(["check", "--print", "out-of-scope"])
        .write_stdin("www.example.com\n")
        .assert()
        .code(1)
        .stdout("");
    example()
        .args(["check", "--print", "invalid"])
        .write_stdin("www.example.com\nhttps://a@b@c/\n")
        .assert()
        .code(0)
        .stdout("https://a@b@c/\n");
}

#[test]
fn explain_shows_which_exclusion_won_over_which_asset() {
    example()
        .args(["check", "--explain", "https://staging.example.com/"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "normalized: https://staging.example.com/",
        ))
        .stdout(predicate::str::contains("exclusion `staging`"))
        .stdout(predicate::str::contains(
            "candidate: asset `all-subdomains`",
        ))
        .stdout(predicate::str::contains(
            "decision: out-of-scope by `staging`",
        ));
}

#[test]
fn color_is_controlled_by_flag_and_no_color() {
    example()
        .args(["--color", "always", "check", "www.example.com"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}["));
    example()
        .args(["--color", "never", "check", "www.example.com"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
    // Not a terminal: auto means no color.
    example()
        .args(["check", "www.example.com"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn rules_from_environment_variable() {
    scopelint()
        .env("SCOPELINT_RULES", EXAMPLE)
        .args(["check", "--format", "jsonl", "www.example.com"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"program\":\"example\""));
}

#[test]
fn bad_rules_file_is_exit_2_with_file_line_column() {
    let (_dir, path) =
        temp_rules("assets:\n  - id: a\n    hosts: [\"*.com\"]\n    include_apex: false\n");
    scopelint()
        .args([
            "--rules",
            path.to_str().unwrap(),
            "check",
            "www.example.com",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!("{}:8:", path.display())))
        .stderr(predicate::str::contains("covers a public suffix"));
}

#[test]
fn unknown_key_and_missing_file_are_exit_2() {
    let (_dir, path) = temp_rules("  revison: oops\n");
    scopelint()
        .args(["--rules", path.to_str().unwrap(), "check", "a.example"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":6:3:"))
        .stderr(predicate::str::contains("revison"));
    scopelint()
        .args([
            "--rules",
            "fixtures/does-not-exist.yaml",
            "check",
            "a.example",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/does-not-exist.yaml: cannot read",
        ));
}

#[test]
fn psl_can_be_replaced_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let psl_file = |name: &str, private: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!("// ===BEGIN ICANN DOMAINS===\ncom\n// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\n{private}\n// ===END PRIVATE DOMAINS===\n"),
        )
        .unwrap();
        path
    };
    // With the vendored list, x.hosted.example.com is covered by `*.example.com`.
    example()
        .args(["check", "x.hosted.example.com"])
        .assert()
        .code(0);
    // A newer list on which hosted.example.com is a private suffix makes it customer-owned.
    let hosted = psl_file("hosted.dat", "hosted.example.com");
    example()
        .args(["--psl", hosted.to_str().unwrap()])
        .args(["check", "--format", "jsonl", "x.hosted.example.com"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "\"rule\":\"customer-owned-suffix\"",
        ));
    // A list on which example.com itself is a suffix makes `*.example.com` a load error.
    let apex = psl_file("apex.dat", "example.com");
    example()
        .args(["--psl", apex.to_str().unwrap()])
        .args(["check", "www.example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("example-program.yaml:13:13"))
        .stderr(predicate::str::contains("covers a public suffix"));
}

#[test]
fn usage_errors_are_exit_2() {
    scopelint()
        .args(["check", "--format", "xml", "a"])
        .assert()
        .code(2);
    scopelint()
        .args(["check", "--print", "maybe", "a"])
        .assert()
        .code(2);
}

/// A large, messy input: generated URLs with blank lines, comments, CRLF and invalid UTF-8.
fn messy_input(lines: usize) -> Vec<u8> {
    let mut input = Vec::new();
    for (i, url) in scopelint::gen::UrlCorpus::new(50, 7)
        .take(lines)
        .enumerate()
    {
        match i % 97 {
            0 => input.extend_from_slice(b"\n# a comment\n"),
            1 => input.extend_from_slice(b"\xff\xfe not utf-8\n"),
            2 => input.extend_from_slice(b"www.example.com\r\n"),
            _ => {}
        }
        input.extend_from_slice(url.as_bytes());
        input.push(b'\n');
    }
    input
}

#[test]
fn threads_give_the_same_output_in_the_same_order() {
    let input = messy_input(40_000);
    for args in [
        &["check", "--format", "jsonl"][..],
        &["check", "--format", "text", "--explain"][..],
        &["check", "--print", "in-scope"][..],
        &["check", "--print", "invalid"][..],
    ] {
        let run = |threads: &str| {
            let out = example()
                .args(args)
                .args(["--threads", threads])
                .write_stdin(input.clone())
                .output()
                .unwrap();
            (out.status.code(), out.stdout)
        };
        let (code1, out1) = run("1");
        let (code4, out4) = run("4");
        assert_eq!(code1, code4, "{args:?}");
        assert!(out1.len() > 1000, "{args:?} printed too little");
        assert!(
            out1 == out4,
            "{args:?}: output differs between 1 and 4 threads"
        );
    }
}

#[test]
fn closed_pipe_ends_quietly_with_threads() {
    use std::io::{Read, Write};
    use std::process::{Command as Std, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("scopelint");
    let mut child = Std::new(bin)
        .args(["--isolated", "--rules", EXAMPLE, "check", "--threads", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let writer = {
        let mut stdin = child.stdin.take().unwrap();
        let input = messy_input(200_000);
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        })
    };
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like `| head`
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plain_lists_take_one_label_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scope.txt");
    std::fs::write(&path, "{tenant}.b2c.example.com\n!www.b2c.example.com\n").unwrap();
    let out = scopelint()
        .args([
            "--rules",
            path.to_str().unwrap(),
            "check",
            "--format",
            "jsonl",
            "-",
        ])
        .write_stdin(
            "contoso.b2c.example.com\na.b.b2c.example.com\nb2c.example.com\nwww.b2c.example.com\n",
        )
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let verdicts: Vec<(String, String)> = jsonl(&out)
        .iter()
        .map(|v| {
            (
                v["verdict"].as_str().unwrap().to_string(),
                v["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        verdicts,
        vec![
            pair("in-scope", "{tenant}.b2c.example.com"),
            pair("out-of-scope", "no-asset"),
            pair("out-of-scope", "no-asset"),
            pair("out-of-scope", "!www.b2c.example.com"),
        ]
    );
}

// ---- what a new user hit (issue 17) -----------------------------------------------------------

#[test]
fn print_refuses_formats_it_cannot_honour() {
    for extra in [
        ["--format", "json"],
        ["--format", "jsonl"],
        ["--explain", "--explain"],
    ] {
        let mut c = scopelint();
        c.args(["check", "--print", "in-scope"]);
        c.args(if extra[0] == extra[1] {
            &extra[..1]
        } else {
            &extra[..]
        });
        let out = c.arg("login.live.com").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("--print prints the input lines unchanged"));
    }
}

#[test]
fn a_target_that_names_a_file_gets_a_hint() {
    let out = scopelint().args(["check", "Cargo.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`Cargo.toml` is a file") && err.contains("check - < Cargo.toml"),
        "{err}"
    );
}

#[test]
fn quiet_prints_nothing_and_stats_counts() {
    let out = scopelint()
        .args(["check", "-q", "login.live.com", "evil.example"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let out = scopelint()
        .args(["check", "-q", "login.live.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = scopelint()
        .args(["check", "--stats", "login.live.com", "evil.example", "a b"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "scopelint check: 3 targets: 1 in scope, 1 out of scope, 1 invalid\n"
    );
}

/// Issue 17: the main man page refers to `scopelint-check(1)` and the others; `man --dir`
/// writes every one of them, with the subcommand's options.
#[test]
fn man_dir_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    scopelint()
        .args(["man", "--dir", dir.path().to_str().unwrap()])
        .assert()
        .code(0);
    let main = std::fs::read_to_string(dir.path().join("scopelint.1")).unwrap();
    for sub in [
        "check", "lint", "probe", "proxy", "rules", "import", "export", "config",
    ] {
        assert!(main.contains(&format!("scopelint\\-{sub}(1)")), "{sub}");
        assert!(
            dir.path().join(format!("scopelint-{sub}.1")).exists(),
            "{sub}"
        );
    }
    let check = std::fs::read_to_string(dir.path().join("scopelint-check.1")).unwrap();
    assert!(
        check.contains("\\-\\-print") && check.contains("\\-\\-threads"),
        "{check}"
    );
}

/// Issue 17: a busy port names the address.
#[test]
fn proxy_on_a_busy_port_names_the_address() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = scopelint()
        .args(["proxy", "--listen", &addr])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

/// Issue 17: a progress line on a terminal while a long standard input is read, none with
/// `--no-progress` (and none when standard error is not a terminal: every other test).
#[test]
fn progress_shows_on_a_terminal_only_when_wanted() {
    let bin = assert_cmd::cargo::cargo_bin("scopelint");
    let run = |extra: &str| {
        let shell = format!(
            "yes www.example.com | head -n 1000000 | {} --isolated --color never check --threads 1 --print in-scope {extra} > /dev/null",
            bin.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &shell, "/dev/null"])
            .env_remove("SCOPELINT_RULES")
            .env("TERM", "xterm")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("util-linux `script` runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = run("");
    assert!(
        shown.contains("check:") && shown.contains("read"),
        "{shown:?}"
    );
    let hidden = run("--no-progress");
    assert!(!hidden.contains("check:"), "{hidden:?}");
}

/// `check` without `--rules` loads the embedded program prepared for start-up (only the sections
/// that classify, no award tables); with `--rules` on the same file it goes through the ordinary
/// loader. Every example target of the file, and a few more, must give the same bytes either way,
/// in every format, with and without `--explain` (rule ids, reasons, `file:line`).
#[test]
fn embedded_start_up_path_prints_what_the_ordinary_loader_prints() {
    const FILE: &str = "scope-rules/microsoft-identity.yaml";
    let rules = scopelint::rules::ScopeRules::embedded(scopelint::psl::SuffixList::embedded())
        .expect("the embedded program loads");
    let mut targets: Vec<String> = rules.programs[0]
        .file
        .examples
        .iter()
        .map(|e| e.value.target.clone())
        .collect();
    assert!(targets.len() >= 50, "{}", targets.len());
    targets.extend(
        [
            "contoso.b2clogin.com",
            "https://graph.microsoft.com/v1.0/me",
            "contoso.azurewebsites.net",
            "example.org",
            "not a target",
        ]
        .map(String::from),
    );
    let stdin = targets.join("\n") + "\n";
    for format in ["text", "json", "jsonl"] {
        for explain in [false, true] {
            let run = |with_rules: bool| {
                let mut c = scopelint();
                if with_rules {
                    c.args(["--rules", FILE]);
                }
                c.args(["check", "--threads", "1", "--format", format]);
                if explain {
                    c.arg("--explain");
                }
                let out = c.write_stdin(stdin.clone()).output().unwrap();
                (out.status.code(), out.stdout, out.stderr)
            };
            let (fast, ordinary) = (run(false), run(true));
            assert!(
                String::from_utf8_lossy(&fast.1).contains(&format!("{FILE}:")),
                "{format} {explain}"
            );
            assert_eq!(
                (
                    fast.0,
                    crate::common::text(&fast.1),
                    crate::common::text(&fast.2)
                ),
                (
                    ordinary.0,
                    crate::common::text(&ordinary.1),
                    crate::common::text(&ordinary.2)
                ),
                "--format {format}, --explain {explain}"
            );
        }
    }
}
