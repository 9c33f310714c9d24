//! The bad-input matrix: table-driven subprocess tests, each with the exact message and exit
//! code. For target input a bad line is a per-line `invalid` verdict and the run goes on; for
//! configuration the run stops with exit 2 before printing any verdict. Nothing panics (a
//! panic would exit 101, which no row expects).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::common::{pin, text};

const EXAMPLE: &str = "fixtures/rules/example-program.yaml";

/// What standard output must be.
enum Out {
    /// JSON Lines verdicts, in order: `(verdict, error)`; `error` only for `invalid`.
    Verdicts(&'static [(&'static str, Option<&'static str>)]),
    /// Exactly this text.
    Exact(&'static str),
    /// Contains each of these.
    Contains(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Vec<u8>,
    code: i32,
    stdout: Out,
    stderr: String,
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_scopelint"))
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// `check --format jsonl` on the example program, reading `stdin`.
fn check_stdin(name: &'static str, stdin: &[u8], code: i32, v: Out, stderr: &str) -> Case {
    Case {
        name,
        args: args(&["--rules", EXAMPLE, "check", "--format", "jsonl"]),
        stdin: stdin.to_vec(),
        code,
        stdout: v,
        stderr: stderr.to_string(),
    }
}

/// `--rules FILE check www.example.com`: a configuration error, exit 2, nothing on stdout.
fn rules_error(name: &'static str, file: &str, message: &str) -> Case {
    Case {
        name,
        args: args(&[
            "--rules",
            file,
            "check",
            "--format",
            "jsonl",
            "www.example.com",
            "-",
        ]),
        stdin: b"www.example.com\n".to_vec(),
        code: 2,
        stdout: Out::Exact(""),
        stderr: format!("scopelint: {file}:{message}\n"),
    }
}

/// Runs scopelint with `args` on `stdin`, as every case runs: from the checkout, with no
/// rules from the environment and no color. Standard input is fed from a thread so large
/// inputs cannot deadlock.
fn output(args: &[String], stdin: Vec<u8>) -> Result<std::process::Output, String> {
    // `--isolated` keeps a stray scopelint.yaml above the checkout out, except where a case
    // names its configuration file (the two flags exclude each other).
    let isolated = !args.iter().any(|a| a == "--config");
    let mut child = Command::new(bin())
        .args(isolated.then_some("--isolated"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SCOPELINT_RULES")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut pipe = child.stdin.take().unwrap();
    // The child may exit before reading everything (configuration errors): ignore EPIPE.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&stdin);
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer.join().unwrap();
    Ok(out)
}

/// Run one case.
fn run(case: &Case) -> Result<(), String> {
    let out = output(&case.args, case.stdin.clone())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(case.code) {
        problems.push(format!(
            "exit {:?}, expected {}",
            out.status.code(),
            case.code
        ));
    }
    if stderr != case.stderr {
        problems.push(format!("stderr {stderr:?}, expected {:?}", case.stderr));
    }
    match &case.stdout {
        Out::Exact(s) if stdout != *s => {
            problems.push(format!("stdout {stdout:?}, expected {s:?}"))
        }
        Out::Exact(_) => {}
        Out::Contains(parts) => {
            for p in *parts {
                if !stdout.contains(p) {
                    problems.push(format!("stdout lacks {p:?}"));
                }
            }
        }
        Out::Verdicts(expected) => {
            let got: Vec<(String, Option<String>)> = stdout
                .lines()
                .map(|l| {
                    let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"));
                    (
                        v["verdict"].as_str().unwrap_or_default().to_string(),
                        v["error"].as_str().map(str::to_string),
                    )
                })
                .collect();
            let want: Vec<(String, Option<String>)> = expected
                .iter()
                .map(|(v, e)| (v.to_string(), e.map(str::to_string)))
                .collect();
            if got != want {
                problems.push(format!("verdicts {got:?}, expected {want:?}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {}", case.name, problems.join("; ")))
    }
}

fn run_all(cases: &[Case]) {
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err()).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Deterministic bytes (no `rand` dependency).
fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 56) as u8
        })
        .collect()
}

const IN: (&str, Option<&str>) = ("in-scope", None);
const OUT: (&str, Option<&str>) = ("out-of-scope", None);

#[test]
fn target_input_matrix() {
    let long = format!(
        "https://www.example.com/{}\nwww.example.com\n",
        "a".repeat(70_000)
    );
    run_all(&[
        check_stdin(
            "empty input",
            b"",
            0,
            Out::Exact(""),
            "scopelint: no targets given\n",
        ),
        check_stdin(
            "only blank lines and comments",
            b"\n   \n\t\n\r\n# a comment\n",
            0,
            Out::Exact(""),
            "scopelint: no targets given\n",
        ),
        check_stdin(
            "CRLF line endings",
            b"www.example.com\r\nhttps://staging.example.com/\r\n\r\napi.example.org/v2/orgs\r\n",
            1,
            Out::Verdicts(&[IN, OUT, IN]),
            "",
        ),
        check_stdin(
            "invalid UTF-8 on stdin",
            b"www.example.com\n\xff\xfe\nwww.exam\xc3ple.com\nwww.example.com\n",
            1,
            Out::Verdicts(&[
                IN,
                ("invalid", Some("not valid UTF-8 (at byte 0)")),
                ("invalid", Some("not valid UTF-8 (at byte 8)")),
                IN,
            ]),
            "",
        ),
        check_stdin(
            "NUL byte",
            b"www.example.com\0\nwww.exa\0mple.com\nwww.example.com\n",
            1,
            Out::Verdicts(&[
                (
                    "invalid",
                    Some("contains the control character U+0000, which clients treat differently"),
                ),
                (
                    "invalid",
                    Some("contains the control character U+0000, which clients treat differently"),
                ),
                IN,
            ]),
            "",
        ),
        check_stdin(
            "line over the 64 KiB target limit",
            long.as_bytes(),
            1,
            Out::Verdicts(&[
                (
                    "invalid",
                    Some("target is 70024 bytes long; the limit is 65536"),
                ),
                IN,
            ]),
            "",
        ),
        check_stdin(
            "CR alone inside a line",
            b"www.example.com\rstaging.example.com\nwww.example.com\n",
            1,
            Out::Verdicts(&[
                (
                    "invalid",
                    Some("contains the control character U+000D, which clients treat differently"),
                ),
                IN,
            ]),
            "",
        ),
    ]);
}

/// A single 100 MB line (generated, streamed from a thread): answered `invalid`, the run goes
/// on to the next line. `--print in-scope` keeps the 100 MB out of the captured output.
#[test]
fn hundred_megabyte_line() {
    let mut input = vec![b'a'; 100 * 1024 * 1024];
    input.extend_from_slice(b"\nwww.example.com\nstaging.example.com\n");
    run_all(&[Case {
        name: "100 MB single line",
        args: args(&["--rules", EXAMPLE, "check", "--print", "in-scope"]),
        stdin: input,
        code: 0,
        stdout: Out::Exact("www.example.com\n"),
        stderr: String::new(),
    }]);
}

/// Binary garbage: every line gets a verdict, nothing is in scope, nothing on stderr.
#[test]
fn binary_garbage_on_stdin() {
    let data = garbage(256 * 1024, 0xdead_beef);
    let out = Command::new(bin())
        .arg("--isolated")
        .args(["--rules", EXAMPLE, "check", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .spawn()
        .and_then(|mut c| {
            let mut stdin = c.stdin.take().unwrap();
            let d = data.clone();
            let w = std::thread::spawn(move || stdin.write_all(&d));
            let o = c.wait_with_output();
            w.join().unwrap().unwrap();
            o
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let expected = data
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .count();
    let lines: Vec<Value> = std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected);
    assert!(lines.iter().all(|v| v["verdict"] != "in-scope"));
    assert!(lines.iter().filter(|v| v["verdict"] == "invalid").count() > expected / 2);
}

#[test]
fn configuration_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| -> String {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let garbage_file = write("garbage.yaml", &garbage(4096, 42));
    let nul_file = write("nul.yaml", b"schema_version: 1\0\n");
    let under_file = format!("{}/rules.yaml", write("a-file", b"x"));
    let missing = dir.path().join("missing.yaml").display().to_string();
    // A directory of rules files loads them all; one that holds none is an error.
    let empty_dir = dir.path().join("empty-dir");
    std::fs::create_dir(&empty_dir).unwrap();
    let dir_name = empty_dir.display().to_string();
    let mut cases = vec![
        rules_error(
            "directory without rules files as --rules",
            &dir_name,
            "1:1: the directory holds no rules files (*.yaml, *.yml or plain lists)",
        ),
        rules_error(
            "missing rules file",
            &missing,
            " cannot read: No such file or directory (os error 2)",
        ),
        rules_error(
            "rules path under a file",
            &under_file,
            " cannot read: Not a directory (os error 20)",
        ),
        rules_error(
            "empty rules file",
            "fixtures/rules/broken/empty.yaml",
            "1:1: the rules file is empty",
        ),
        rules_error(
            "not YAML",
            "fixtures/bad-input/not-yaml.yaml",
            "1:3: mismatched bracket '{' closed by ']'",
        ),
        rules_error(
            "YAML list instead of a mapping",
            "fixtures/bad-input/wrong-shape-list.yaml",
            "1:1: expected mapping start",
        ),
        rules_error(
            "YAML scalar instead of a mapping",
            "fixtures/bad-input/wrong-shape-scalar.yaml",
            "1:1: expected mapping start",
        ),
        rules_error(
            "wrong type",
            "fixtures/rules/broken/wrong-type.yaml",
            "7:23: invalid u16",
        ),
        rules_error(
            "duplicate keys",
            "fixtures/rules/broken/duplicate-key.yaml",
            "10:5: duplicate key `hosts` (a key may appear once per mapping)",
        ),
        rules_error(
            "invalid regex",
            "fixtures/rules/broken/bad-regex.yaml",
            "13:16: invalid regex in patterns: error: unclosed group",
        ),
        rules_error(
            "rules file not UTF-8",
            "fixtures/bad-input/not-utf8.yaml",
            "3:10: not valid UTF-8",
        ),
        rules_error(
            "binary garbage as rules",
            &garbage_file,
            "1:1: not valid UTF-8",
        ),
        rules_error(
            "NUL in rules",
            &nul_file,
            "1:18: unexpected character: `\\u{0}'",
        ),
    ];
    // Unreadable file, for every user including root: /proc/self/mem opens, and reading it at
    // offset 0 (never mapped) fails with EIO. Mode 000 is its own test below.
    cases.push(rules_error(
        "unreadable rules file (the read fails)",
        "/proc/self/mem",
        " cannot read: Input/output error (os error 5)",
    ));
    // SCOPELINT_RULES is configuration too.
    cases.push(Case {
        name: "SCOPELINT_RULES names a missing file",
        args: args(&["check", "www.example.com"]),
        stdin: Vec::new(),
        code: 2,
        stdout: Out::Exact(""),
        stderr: format!(
            "scopelint: {missing}: cannot read: No such file or directory (os error 2)\n"
        ),
    });
    let env_case = cases.pop().unwrap();
    run_all(&cases);
    // The environment variable needs its own run.
    let out = Command::new(bin())
        .arg("--isolated")
        .args(&env_case.args)
        .env("SCOPELINT_RULES", &missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(env_case.code));
    assert_eq!(String::from_utf8_lossy(&out.stderr), env_case.stderr);
    assert!(out.stdout.is_empty());
}

/// A rules file with mode 000 is `Permission denied`. Root reads through mode 000, so as root
/// (how these machines and most containers run) scopelint runs as `nobody` through util-linux
/// `setpriv`; the row never skips.
#[test]
fn rules_file_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // `nobody` must reach the file: only the file itself is locked.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked.yaml");
    std::fs::write(&locked, "schema_version: 1\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let as_root = std::fs::read(&locked).is_ok();
    let mut cmd = if as_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin());
        c
    } else {
        Command::new(bin())
    };
    let file = locked.display().to_string();
    let out = cmd
        .args(["--isolated", "--rules", &file, "check", "www.example.com"])
        .current_dir(dir.path())
        .env_remove("SCOPELINT_RULES")
        .output()
        .expect("setpriv (util-linux) runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("scopelint: {file}: cannot read: Permission denied (os error 13)\n"),
        "as root: {as_root}"
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// A rules file with CRLF line endings is the same program.
#[test]
fn crlf_rules_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE)).unwrap();
    let p = dir.path().join("crlf.yaml");
    std::fs::write(&p, text.replace('\n', "\r\n")).unwrap();
    let out = Command::new(bin())
        .arg("--isolated")
        .args(["--rules", p.to_str().unwrap(), "check", "--format", "jsonl"])
        .args(["www.example.com", "staging.example.com"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(v[0]["verdict"], "in-scope");
    assert_eq!(
        v[0]["source"].as_str().unwrap(),
        format!("{}:9", p.display())
    );
    assert_eq!(v[1]["rule"], "staging");
}

#[test]
fn draft_matrix() {
    run_all(&[
        Case {
            name: "draft with broken front matter",
            args: args(&["lint", "fixtures/bad-input/broken-front-matter.draft"]),
            stdin: Vec::new(),
            code: 1,
            stdout: Out::Contains(&[
                "fixtures/bad-input/broken-front-matter.draft:3:7: error[invalid-front-matter] front matter is not valid YAML: illegal placement of ':' indicator\n 3 | impact: eop\n   |       ^\n",
                "3 errors, 2 warnings, 1 note in 1 file",
            ]),
            stderr: String::new(),
        },
        Case {
            name: "draft that is not UTF-8",
            args: args(&["lint", "fixtures/bad-input/not-utf8.draft"]),
            stdin: Vec::new(),
            // A finding about that draft (exit 1), not a failure of the run.
            code: 1,
            stdout: Out::Contains(&[
                "fixtures/bad-input/not-utf8.draft:2:11: error[unreadable-draft] not valid UTF-8 (byte 14): save the draft as UTF-8\n",
            ]),
            stderr: String::new(),
        },
        Case {
            name: "draft on stdin that is not UTF-8",
            args: args(&["lint", "-"]),
            stdin: b"# Summary\n\xff\n".to_vec(),
            code: 1,
            stdout: Out::Contains(&[
                "<stdin>:2:1: error[unreadable-draft] not valid UTF-8 (byte 10): save the draft as UTF-8\n",
            ]),
            stderr: String::new(),
        },
        Case {
            name: "missing draft",
            args: args(&["lint", "fixtures/bad-input/no-such-draft.md"]),
            stdin: Vec::new(),
            code: 2,
            stdout: Out::Exact(""),
            stderr: "scopelint: fixtures/bad-input/no-such-draft.md: No such file or directory (os error 2)\n".into(),
        },
    ]);
}

/// `probe` and `proxy` configuration (issue 14): out-of-range rates, bursts, timeouts and
/// waits, and malformed pins, are usage errors (exit 2) naming the value, never a panic (101);
/// `rules validate` and `config show` refuse what the runtime refuses. Nothing is sent: every
/// row stops before a socket is opened.
#[test]
fn probe_and_proxy_configuration_matrix() {
    const PROBE_RULES: &str = "fixtures/rules/probe-program.yaml";
    let send = |name: &'static str, cmd: &str, extra: &[&str], stderr: &str| {
        let mut a = args(&["--rules", PROBE_RULES, cmd]);
        a.extend(extra.iter().map(|s| s.to_string()));
        if cmd == "probe" {
            // Pinned to loopback (nothing listens there): were a check to regress and the
            // row go on to send, it still could not leave the machine.
            a.push("--resolve=www.example.net:80:127.0.0.1".into());
            a.push("http://www.example.net/".into());
        } else {
            a.extend(args(&["--listen", "127.0.0.1:0"]));
        }
        Case {
            name,
            args: a,
            stdin: Vec::new(),
            code: 2,
            stdout: Out::Exact(""),
            stderr: format!("scopelint: {stderr}\n"),
        }
    };
    let validate = |name: &'static str, file: &str, message: &'static [&'static str]| Case {
        name,
        args: args(&["--color", "never", "rules", "validate", file]),
        stdin: Vec::new(),
        code: 2,
        stdout: Out::Contains(message),
        stderr: "scopelint: rules validate: 1 error in 1 file\n".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("scopelint.yaml");
    std::fs::write(&config, "probe:\n  rate: 1e-20/s\n").unwrap();
    let config = config.display().to_string();
    let cases = vec![
        send(
            "tiny --rate",
            "probe",
            &["--rate", "1e-20/s"],
            "--rate: rate `1e-20/s` is below one request a day",
        ),
        send(
            "tiny --per-host-rate",
            "probe",
            &["--per-host-rate", "1e-20/s"],
            "--per-host-rate: rate `1e-20/s` is below one request a day",
        ),
        send(
            "huge --timeout",
            "probe",
            &["--timeout", "1e300"],
            "--timeout 1e300: use a number of seconds above 0 and at most 3600",
        ),
        send(
            "huge --burst",
            "probe",
            &["--burst", "4294967295"],
            "--burst 4294967295 is out of range: use 1 to 100",
        ),
        send(
            "zero --burst",
            "probe",
            &["--burst", "0"],
            "--burst 0 is out of range: use 1 to 100",
        ),
        send(
            "huge --max-wait",
            "probe",
            &["--max-wait", "18446744073709551615"],
            "--max-wait 18446744073709551615: at most 86400 seconds",
        ),
        send(
            "unclosed bracket in --resolve",
            "probe",
            &["--resolve", "www.example.net:8000:[::1"],
            "--resolve `www.example.net:8000:[::1`: `[::1` has an unpaired bracket",
        ),
        send(
            "tiny proxy --rate",
            "proxy",
            &["--rate", "1e-20/s"],
            "--rate: rate `1e-20/s` is below one request a day",
        ),
        send(
            "zero --max-connections",
            "proxy",
            &["--max-connections", "0"],
            "--max-connections must be at least 1",
        ),
        send(
            "zero --header-timeout",
            "proxy",
            &["--header-timeout", "0"],
            "--header-timeout 0.0: use a number of seconds above 0 and at most 3600",
        ),
        validate(
            "tiny probe.rate in a rules file",
            "fixtures/rules/broken/probe-rate-tiny.yaml",
            &["probe.rate: rate `1e-20/s` is below one request a day"],
        ),
        validate(
            "probe.rate: fast in a rules file",
            "fixtures/rules/broken/probe-rate-word.yaml",
            &["probe.rate: rate `fast`: expected COUNT/UNIT"],
        ),
        validate(
            "regex over the size limit",
            "fixtures/rules/broken/regex-too-big.yaml",
            &["invalid regex in patterns: Compiled regex exceeds size limit"],
        ),
        Case {
            name: "tiny probe.rate in a rules file, at probe",
            args: args(&[
                "--rules",
                "fixtures/rules/broken/probe-rate-tiny.yaml",
                "probe",
                "--dry-run",
                "http://www.example.net/",
            ]),
            stdin: Vec::new(),
            code: 2,
            stdout: Out::Exact(""),
            stderr: "scopelint: fixtures/rules/broken/probe-rate-tiny.yaml:28:3: probe.rate: rate `1e-20/s` is below one request a day\n".into(),
        },
        Case {
            name: "tiny probe.rate in scopelint.yaml, at config show",
            args: args(&["--config", &config, "config", "show"]),
            stdin: Vec::new(),
            code: 2,
            stdout: Out::Exact(""),
            stderr: format!(
                "scopelint: {config}:2:9: probe.rate: rate `1e-20/s` is below one request a day\n"
            ),
        },
    ];
    run_all(&cases);
}

/// Issue 14: a 100 MB bad entry in a plain list is quoted cut, not whole, in the error.
#[test]
fn hundred_megabyte_plain_list_entry_is_cut_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("scope.txt");
    let mut text = b"www.example.com\nhttps://".to_vec();
    text.extend(std::iter::repeat_n(b'a', 100 << 20));
    text.extend_from_slice(b".example.com/path\n");
    std::fs::write(&list, &text).unwrap();
    let list = list.display().to_string();
    run_all(&[Case {
        name: "100 MB plain-list entry",
        args: args(&["--rules", &list, "check", "www.example.com"]),
        stdin: Vec::new(),
        code: 2,
        stdout: Out::Exact(""),
        stderr: format!(
            "scopelint: {list}:2:1: `https://{}... (104857625 bytes)`: paths and credentials cannot be expressed in a plain list; use a YAML rules file\n",
            "a".repeat(52)
        ),
    }]);
}

/// Targets, list entries and draft lines are untrusted: where scopelint shows them to a person
/// (text verdicts, rule and draft diagnostics, the error that stops a run) a control character
/// or a bidirectional override comes out escaped, so it cannot steer the terminal; where it
/// prints them as data (`--print`'s lines, JSON) they are as they came.
#[test]
fn untrusted_text_is_shown_escaped_and_printed_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("scope.txt");
    std::fs::write(&list, "a\u{1b}]0;owned\u{7}.example.com\n").unwrap();
    let list = list.display().to_string();
    let escaped = "a\\u{1b}]0;owned\\u{7}.example.com";
    let shown = |a: &[&str], stdin: &[u8]| {
        let o = output(&args(a), stdin.to_vec()).unwrap();
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
        (o.status.code(), all)
    };
    // The error that stops a run, and `rules validate`'s message and snippet.
    let (code, all) = shown(&["--rules", &list, "check", "x.example.com"], b"");
    assert_eq!(code, Some(2));
    assert!(all.contains(&format!("`{escaped}`")), "{all}");
    let (code, all) = shown(&["rules", "validate", &list], b"");
    assert_eq!(code, Some(2));
    assert!(all.contains(&format!(" 1 | {escaped}\n")), "{all}");

    // A text verdict; then the same line printed as data, byte for byte.
    let target = "https://login.live.com/\u{202e}\u{1b}[2J";
    let (_, all) = shown(&["check", "--format", "text", target], b"");
    assert!(all.contains("login.live.com/\\u{202e}\\u{1b}[2J"), "{all}");
    let line = format!("{target}\n");
    let o = output(
        &args(&["check", "--print", "invalid", "-"]),
        line.clone().into(),
    )
    .unwrap();
    assert_eq!(text(&o.stdout), line);

    // A probe's text line for a target refused before anything is resolved or sent.
    let (_, all) = shown(&["probe", "--dry-run", "-"], b"https://a\x1b[2J.example/\n");
    assert!(
        all.contains("REFUSED HEAD https://a\\u{1b}[2J.example/ [invalid-target]"),
        "{all}"
    );

    // A draft's snippet, with the caret under the column as shown.
    let draft = dir.path().join("draft.md");
    std::fs::write(&draft, "# T\n\n\u{1b}[8m https://example.com/\n").unwrap();
    let (_, all) = shown(&["lint", &draft.display().to_string()], b"");
    assert!(
        all.contains(" 3 | \\u{1b}[8m https://example.com/\n   |           ^\n"),
        "{all}"
    );
}

/// A plain list is read a line at a time at `\n` (a lone `\r` is inside its line): the line a
/// problem names, the snippet under it and a not-UTF-8 position count lines that way.
#[test]
fn plain_list_problems_name_the_line_as_it_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("scope.txt");
    std::fs::write(&list, "a.example.com\rb.example.com\nbad entry!\n").unwrap();
    let list = list.display().to_string();
    let o = output(&args(&["rules", "validate", &list]), Vec::new()).unwrap();
    let out = text(&o.stdout);
    assert!(out.contains(":2:1\n   |\n 2 | bad entry!\n"), "{out}");
    assert!(
        out.contains(" 1 | a.example.com\\rb.example.com\n"),
        "{out}"
    );
    std::fs::write(&list, b"a.example.com\nb.example.com\r\xff\n").unwrap();
    for a in [
        ["rules", "validate", &list].as_slice(),
        ["--rules", &list, "check", "a.example.com"].as_slice(),
    ] {
        let o = output(&args(a), Vec::new()).unwrap();
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(2), "{all}");
        assert!(all.contains(&format!("{list}:2:15")), "{a:?}: {all}");
    }
}

/// A rules file's own text (ids, names, reasons, examples) is as untrusted as a target: every
/// text report of it shows it escaped, and GitHub annotations too (its log viewer renders
/// terminal escapes). A `\n` inside a quoted value does not start a line of the error.
#[test]
fn rules_text_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let rules = "schema_version: 1\nprogram:\n  id: \"evil\\e[31m\"\n  name: \"Evil\\e]0;pwned\\a Program\"\n  revision: \"2026-12-01\"\nassets:\n  - id: \"www\\e[2J\"\n    hosts: [www.example.com]\nexclusions:\n  - id: \"stg\\u202e\"\n    hosts: [staging.example.com]\n    reason: \"Staging\\e[41m hidden\"\nexamples:\n  - { target: \"bad\\e[31m.example.com\", verdict: in-scope }\n";
    std::fs::write(path("esc.yaml"), rules).unwrap();
    std::fs::write(
        path("plain.yaml"),
        rules
            .replace("\\e", "")
            .replace("\\a", "")
            .replace("\\u202e", ""),
    )
    .unwrap();
    let esc = path("esc.yaml");
    let run = |a: &[&str], stdin: &[u8]| {
        let o = output(&args(a), stdin.to_vec()).unwrap();
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(
            !all.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{a:?}: {all:?}"
        );
        all
    };
    let all = run(
        &["--rules", &esc, "check", "-"],
        b"www.example.com\nstaging.example.com\n",
    );
    assert!(
        all.contains("[www\\u{1b}[2J]") && all.contains("[stg\\u{202e}]"),
        "{all}"
    );
    assert!(run(&["rules", "show", &esc], b"").contains("Evil\\u{1b}]0;pwned\\u{7} Program"));
    // A `\n` in a quoted value does not start a line of `rules show` that looks like its own.
    std::fs::write(
        path("nl-show.yaml"),
        rules.replace("\\e", "").replace("\\a", "").replace(
            "Evil]0;pwned Program",
            "Evil\\nASSETS (1)\\nall  everything",
        ),
    )
    .unwrap();
    let shown = run(&["rules", "show", &path("nl-show.yaml")], b"");
    assert!(
        shown.contains("Evil\\nASSETS (1)\\nall  everything"),
        "{shown}"
    );
    assert!(
        !shown.lines().any(|l| l.starts_with("all  everything"))
            && shown.lines().filter(|l| l.starts_with("ASSETS")).count() == 1,
        "{shown}"
    );
    let all = run(&["rules", "diff", &path("plain.yaml"), &esc], b"");
    assert!(all.contains("www\\u{1b}[2J"), "{all}");
    std::fs::write(
        path("nl-diff.yaml"),
        std::fs::read_to_string(path("plain.yaml"))
            .unwrap()
            .replace("id: \"www[2J\"", "id: \"www\\n- assets `all`\""),
    )
    .unwrap();
    let all = run(
        &["rules", "diff", &path("plain.yaml"), &path("nl-diff.yaml")],
        b"",
    );
    assert!(all.contains("www\\n- assets `all`"), "{all}");
    assert!(
        !all.lines().any(|l| l.starts_with("- assets `all`")),
        "{all}"
    );
    let all = run(&["rules", "test", &esc], b"");
    assert!(all.contains("bad\\u{1b}[31m.example.com"), "{all}");
    // Refused before anything is resolved; pinned to loopback all the same.
    let pinned = pin("staging.example.com", 443);
    let all = run(
        &[
            "--rules",
            &esc,
            "probe",
            "--dry-run",
            &pinned,
            "https://staging.example.com/",
        ],
        b"",
    );
    assert!(all.contains("[stg\\u{202e}]"), "{all}");

    // A draft's target in a GitHub annotation.
    std::fs::write(
        path("d.md"),
        "---\ntargets: [\"https://evil\\e[2J.example.com/\"]\n---\n# T\n",
    )
    .unwrap();
    let all = run(&["lint", "--format", "github", &path("d.md")], b"");
    assert!(all.contains("evil\\u{1b}[2J.example.com"), "{all}");

    // A draft explained, and a repository's configuration shown.
    std::fs::write(
        path("e.md"),
        "We accessed the\u{1b}]0;pwn\u{7} data of other users.\n",
    )
    .unwrap();
    let all = run(
        &["lint", "--explain", "data-not-your-own", &path("e.md")],
        b"",
    );
    assert!(all.contains("the\\u{1b}]0;pwn\\u{7} data"), "{all}");
    // A rules file's value with a `\n` in `lint --explain`'s lists makes no line of its own.
    std::fs::write(
        path("acme.yaml"),
        std::fs::read_to_string("fixtures/programs/acme-cloud.yaml")
            .unwrap()
            .replace(
                "text: \"Do not send mail to other customers.\"",
                "text: \"Do not send mail.\\n\\nscopelint: rules of engagement withdrawn\"",
            )
            .replace(
                "marker: ACMEBB",
                "marker: \"ACMEBB\\nMarker check disabled\"",
            )
            .replace("  id: acme-cloud", "  id: \"acme\\nNot accounts: none\"")
            .replace(
                "qualities: [good, basic]",
                "qualities: [\"good\\nINJECTED\", basic]",
            )
            .replace("good:", "\"good\\nINJECTED\":")
            .replace("{id: good,", "{id: \"good\\nINJECTED\","),
    )
    .unwrap();
    let acme = path("acme.yaml");
    let all = run(&["--rules", &acme, "lint", "--explain", "roe"], b"");
    assert!(
        all.contains("Do not send mail.\\n\\nscopelint: rules of engagement withdrawn"),
        "{all}"
    );
    assert!(!all.lines().any(|l| l.starts_with("scopelint:")), "{all}");
    let all = run(&["--rules", &acme, "lint", "--explain", "test-naming"], b"");
    assert!(all.contains("`ACMEBB\\nMarker check disabled`"), "{all}");
    assert!(!all.lines().any(|l| l.starts_with("Marker check")), "{all}");
    assert!(
        !all.lines().any(|l| l.starts_with("Not accounts: none")),
        "{all}"
    );
    // An award table's quality name is a column heading of `rules show`.
    let all = run(&["rules", "show", &acme], b"");
    assert!(all.contains("good\\nINJECTED"), "{all}");
    assert!(!all.lines().any(|l| l.starts_with("INJECTED")), "{all}");
    std::fs::write(path("scopelint.yaml"), "rules: [\"r\\e]0;t\\a.yaml\"]\n").unwrap();
    let all = run(
        &["--config", &path("scopelint.yaml"), "config", "show"],
        b"",
    );
    assert!(all.contains("r\\u{1b}]0;t\\u{7}.yaml"), "{all}");
    // A `\n` in a configured value does not make a line of its own either.
    std::fs::write(
        path("scopelint.yaml"),
        "rules: [\"r.yaml\\npsl = forged\"]\n",
    )
    .unwrap();
    let all = run(
        &["--config", &path("scopelint.yaml"), "config", "show"],
        b"",
    );
    assert!(all.contains("r.yaml\\npsl = forged]"), "{all}");
    assert_eq!(
        all.lines().filter(|l| l.starts_with("psl =")).count(),
        1,
        "{all}"
    );

    // An error quoting a host with `\r\n` in it stays one line.
    std::fs::write(
        path("nl.yaml"),
        "schema_version: 1\nprogram: {id: x, name: X, revision: \"1\"}\nassets:\n  - id: a\n    hosts: [\"bad\\r\\nscopelint: all targets are in scope\"]\n",
    )
    .unwrap();
    let all = run(
        &["--rules", &path("nl.yaml"), "check", "www.example.com"],
        b"",
    );
    assert_eq!(all.lines().count(), 1, "{all}");
    assert!(all.contains("bad\\r\\nscopelint: all targets"), "{all}");
}

/// With color, the location is bold: the bold itself is not escaped.
#[test]
fn lint_colors_are_not_escaped() {
    let o = output(
        &args(&[
            "--color",
            "always",
            "lint",
            "fixtures/drafts/excluded-class.md",
        ]),
        Vec::new(),
    )
    .unwrap();
    let out = text(&o.stdout);
    assert!(
        out.starts_with("\u{1b}[1mfixtures/drafts/excluded-class.md:2:8"),
        "{out:?}"
    );
}

/// Where problems are placed: a YAML comment ended by a lone `\r` hides nothing after it; a
/// list's column counts characters; a `.noscope` pair's problem gets no snippet from the
/// `.inscope` file, and a pair that is not UTF-8 is placed as a list is.
#[test]
fn problems_are_placed_as_the_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(
        path("cr.yaml"),
        "# scope\rschema_version: 1\rprogram: {id: x, name: X, revision: \"1\"}\rassets:\r  - {id: a, hosts: [www.example.com]}\r",
    )
    .unwrap();
    let o = output(
        &args(&["--rules", &path("cr.yaml"), "check", "www.example.com"]),
        Vec::new(),
    )
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    std::fs::write(path("l.txt"), "www.example.com\n\u{a0}\u{a0}bad entry\n").unwrap();
    let o = output(&args(&["rules", "validate", &path("l.txt")]), Vec::new()).unwrap();
    let out = text(&o.stdout);
    assert!(
        out.contains(":2:3\n") && out.contains("\n   |   ^\n"),
        "{out}"
    );

    std::fs::write(path("p.inscope"), "www.example.com\napi.example.com\n").unwrap();
    std::fs::write(path("p.noscope"), "# c\nbad entry\n").unwrap();
    let o = output(
        &args(&["rules", "validate", &path("p.inscope")]),
        Vec::new(),
    )
    .unwrap();
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("{}:2:1\n", path("p.noscope"))),
        "{out}"
    );
    assert!(!out.contains("api.example.com"), "{out}");
    std::fs::write(path("p.noscope"), b"# c\nbad\r\xff\n").unwrap();
    let o = output(
        &args(&["rules", "validate", &path("p.inscope")]),
        Vec::new(),
    )
    .unwrap();
    assert!(
        text(&o.stdout).contains(&format!("{}:2:5", path("p.noscope"))),
        "{}",
        text(&o.stdout)
    );
}
