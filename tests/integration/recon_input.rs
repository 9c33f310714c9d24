//! Subprocess tests of recon-scale input: raw community lists with `--skip-invalid`, JSON Lines
//! with `check --field` (fixtures shaped like subfinder `-oJ`, httpx `-json` and certstream),
//! and the quick `--print` path against the linear reference.

use assert_cmd::Command;
use serde_json::Value;

const SCOPE: &str = "fixtures/recon/scope.txt";

fn scopelint() -> Command {
    crate::common::scopelint()
}

fn field_run(args: &[&str], fixture: &str) -> (String, String, i32) {
    let out = scopelint()
        .args(["--rules", SCOPE, "check"])
        .args(args)
        .pipe_stdin(format!("fixtures/recon/{fixture}"))
        .unwrap()
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

fn list(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("raw.txt");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn skip_invalid_skips_and_counts_unusable_inclusions() {
    let dir = tempfile::tempdir().unwrap();
    let raw = list(
        &dir,
        "*.canva.com\n*.canva-apps.com\naqora.naiad.*\n  not a host\nwww.example.org\n",
    );
    // Without the flag the list does not load: exit 2, first problem with its place.
    let out = scopelint()
        .args(["--rules", &raw, "check", "www.canva.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("raw.txt:2:1"), "{err}");

    let out = scopelint()
        .args(["--rules", &raw, "--skip-invalid", "check", "www.canva.com"])
        .args(["www.example.org", "x.canva-apps.com"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // One warning per skipped entry with file:line:col and the reason, then a count.
    assert!(
        err.contains("raw.txt:2:1: `*.canva-apps.com` covers a public suffix"),
        "{err}"
    );
    assert!(err.contains("raw.txt:3:1: `aqora.naiad.*`"), "{err}");
    assert!(err.contains("raw.txt:4:3: `not a host`"), "{err}");
    assert_eq!(err.matches("warning:").count(), 3, "{err}");
    assert!(
        err.contains("skipped 3 unusable inclusions, loaded 2 assets"),
        "{err}"
    );
    assert!(stdout.contains("in-scope     www.canva.com"), "{stdout}");
    assert!(stdout.contains("in-scope     www.example.org"), "{stdout}");
    // The skipped wildcard covers nothing: fail closed.
    assert!(stdout.contains("out-of-scope x.canva-apps.com"), "{stdout}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn skip_invalid_never_skips_an_exclusion() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused_with_skip_invalid(&dir, "*.example.com\n!not an entry\n");
    assert!(
        err.contains("raw.txt:2:1: `not an entry` is not a host"),
        "{err}"
    );
}

/// `--skip-invalid check` on a list of `body`, which it must refuse (exit 2, nothing on
/// standard output): its standard error.
fn refused_with_skip_invalid(dir: &tempfile::TempDir, body: &str) -> String {
    let raw = list(dir, body);
    let out = scopelint()
        .args(["--rules", &raw, "--skip-invalid", "check", "a.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The fatal error names the place of every other entry `--skip-invalid` may not leave out
/// (up to five), not the skipped ones, which `rules validate` would list among them.
#[test]
fn skip_invalid_names_every_entry_it_may_not_leave_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from("*.example.com\n!bad one\nbad inclusion\n");
    for n in 0..6 {
        body.push_str(&format!("!bad {n}\nskipped {n}\n"));
    }
    let err = refused_with_skip_invalid(&dir, &body);
    assert!(
        err.contains(
            "raw.txt:2:1: `bad one` is not a host, wildcard, IP or CIDR \
             (and 6 more entries that --skip-invalid may not leave out: "
        ),
        "{err}"
    );
    for line in [4, 6, 8, 10, 12] {
        assert!(err.contains(&format!("raw.txt:{line}:1")), "{line}: {err}");
    }
    assert!(err.contains(":12:1 and 1 more)"), "{err}");
    assert!(!err.contains("raw.txt:3:1"), "{err}");
}

#[test]
fn field_host_of_subfinder_records() {
    let (out, _, code) = field_run(
        &["--field", "host", "--print", "in-scope"],
        "subfinder.jsonl",
    );
    // The whole record is printed, unchanged.
    assert_eq!(
        out,
        "{\"host\":\"api.example.com\",\"input\":\"example.com\",\"source\":\"crtsh\"}\n\
         {\"host\":\"WWW.Example.COM.\",\"input\":\"example.com\",\"source\":\"anubis\"}\n"
    );
    assert_eq!(code, 0);
    // Malformed lines and missing fields are reported as invalid with their line, not dropped.
    let (out, _, code) = field_run(
        &["--field", "host", "--print", "invalid"],
        "subfinder.jsonl",
    );
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        out.contains("this is not json") && out.contains("bad host name"),
        "{out}"
    );
    assert_eq!(code, 0);
    let (out, _, code) = field_run(&["--field", "host"], "subfinder.jsonl");
    assert!(
        out.contains("invalid      line 4  [invalid] field `host` is missing"),
        "{out}"
    );
    assert!(
        out.contains("invalid      line 6  [invalid] not JSON"),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn field_url_of_httpx_records_as_jsonl() {
    let (out, _, code) = field_run(&["--field", "url", "--format", "jsonl"], "httpx.jsonl");
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The blank line 3 is skipped; line numbers are those of the input.
    let lines: Vec<u64> = records
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2, 4]);
    let verdicts: Vec<&str> = records
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["in-scope", "out-of-scope", "out-of-scope"]);
    assert_eq!(records[1]["values"][0]["rule"], "!admin.example.com");
    assert_eq!(records[0]["values"][0]["target"], "https://api.example.com");
    assert_eq!(code, 1);
}

#[test]
fn certstream_records_are_in_scope_only_when_every_domain_is() {
    let path = ["--field", "data.leaf_cert.all_domains[]"];
    let (out, _, _) = field_run(
        &[&path[..], &["--print", "in-scope"]].concat(),
        "certstream.jsonl",
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("\"cert_index\":1201"), "{out}");
    let (out, _, _) = field_run(
        &[&path[..], &["--format", "json"]].concat(),
        "certstream.jsonl",
    );
    let records: Value = serde_json::from_str(&out).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 4);
    // Per-value verdicts: one domain in scope, one not, so the record is out of scope.
    assert_eq!(records[1]["verdict"], "out-of-scope");
    let per_value: Vec<&str> = records[1]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(per_value, ["in-scope", "out-of-scope"]);
    assert_eq!(records[2]["verdict"], "invalid");
    assert!(records[2]["error"]
        .as_str()
        .unwrap()
        .contains("empty array"));
    assert!(records[3]["error"].as_str().unwrap().contains("missing"));
}

#[test]
fn several_fields_must_all_be_in_scope_and_bad_paths_are_usage_errors() {
    let (out, _, _) = field_run(
        &["--field", "url", "--field", "input", "--print", "in-scope"],
        "httpx.jsonl",
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    let (_, err, code) = field_run(&["--field", "a[0]"], "httpx.jsonl");
    assert_eq!(code, 2);
    assert!(err.contains("not a field path"), "{err}");
    let out = scopelint()
        .args([
            "--rules",
            SCOPE,
            "check",
            "--field",
            "host",
            "a.example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `scopelint --rules RULES check ARGS -` on `input`, through every rule in turn with
/// `reference` (`--reference`), else through the index and the quick path.
fn check_run(
    rules: &std::path::Path,
    args: &[&str],
    reference: bool,
    input: &str,
) -> std::process::Output {
    let mut c = scopelint();
    c.arg("--rules").arg(rules).arg("check").args(args);
    if reference {
        c.arg("--reference");
    }
    c.write_stdin(input.to_string()).output().unwrap()
}

/// `--print` answers through the quick path; `--reference` through every rule in turn. Both
/// must print the same lines, for every verdict, on the plain shapes and the unusual ones.
#[test]
fn print_quick_path_matches_the_linear_reference() {
    let dir = tempfile::tempdir().unwrap();
    let scope = dir.path().join("scope.txt");
    std::fs::write(&scope, scopelint::gen::scope_list(2_000, 7)).unwrap();
    let mut input: String = scopelint::gen::UrlCorpus::new(2_000, 7)
        .take(6_000)
        .map(|u| u + "\n")
        .collect();
    input.push_str(
        "HTTPS://A.B.example\nhttp://x.y:99999/\nhttps://u@h.example/\nftp://a.b/\n\n# c\n",
    );
    for kind in ["in-scope", "out-of-scope", "invalid"] {
        let run = |reference| check_run(&scope, &["--print", kind], reference, &input).stdout;
        let (fast, slow) = (run(false), run(true));
        assert!(!fast.is_empty(), "{kind}: nothing printed");
        assert!(fast == slow, "{kind}: quick path and reference differ");
    }
}

/// Addresses are looked up in a list's ranges by prefix length; `--reference` compares with
/// every range. Both give the same verdicts, with ranges excluded inside included ones, nested
/// ranges, IPv6, and addresses in, at the edges of and outside the ranges.
#[test]
fn address_ranges_match_the_linear_reference() {
    let dir = tempfile::tempdir().unwrap();
    let scope = dir.path().join("ranges.txt");
    let mut list = scopelint::gen::range_list(3_000, 4);
    list.push_str(
        "2001:db8::/32
!2001:db8:1::/48
2001:db8:1:2::/64
10.0.0.0/8
!10.1.0.0/16
10.1.2.0/24
",
    );
    std::fs::write(&scope, list).unwrap();
    let mut input: String = scopelint::gen::IpCorpus::new(3_000, 4)
        .take(6_000)
        .map(|ip| ip + "\n")
        .collect();
    input.push_str(
        "2001:db8::1\n2001:db8:1::1\n2001:db8:1:2::9\n2001:db9::1\n10.0.0.0\n10.255.255.255\n10.1.0.5\n10.1.2.3\n11.0.0.1\n",
    );
    let run = |reference| check_run(&scope, &["--format", "jsonl"], reference, &input).stdout;
    let (fast, slow) = (run(false), run(true));
    let text = String::from_utf8(fast.clone()).unwrap();
    let in_scope = text.matches("\"verdict\":\"in-scope\"").count();
    assert!(
        (2_500..=3_500).contains(&in_scope),
        "{in_scope} addresses in scope"
    );
    let verdict = |target: &str| {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{{\"target\":\"{target}\"")))
            .unwrap();
        serde_json::from_str::<Value>(line).unwrap()["verdict"].clone()
    };
    // An exclusion wins over every range that includes the address, nested or not.
    for (target, expected) in [
        ("10.255.255.255", "in-scope"),
        ("10.1.0.5", "out-of-scope"),
        ("10.1.2.3", "out-of-scope"),
        ("2001:db8::1", "in-scope"),
        ("2001:db8:1:2::9", "out-of-scope"),
        ("2001:db9::1", "out-of-scope"),
    ] {
        assert_eq!(verdict(target), expected, "{target}");
    }
    assert!(fast == slow, "indexed ranges and reference differ");
}

/// Addresses in dotted decimal answer through `--print`'s quick path: the same lines as the
/// full path (`--reference`), for ranges with ports, with paths (declined to the full path),
/// and excluded with and without paths.
#[test]
fn address_quick_path_matches_the_full_path() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("ranges.yaml");
    std::fs::write(
        &rules,
        "schema_version: 1
program:
  id: ranges
  name: Ranges
  revision: 2026-01-01
  default_ports: [80, 443]
assets:
  - id: office
    cidrs: [192.0.2.0/24, 10.0.0.0/8]
  - id: admin-port
    cidrs: [198.51.100.0/24]
    ports: [8443]
  - id: api-range
    hosts: [api.example.net]
    cidrs: [203.0.113.0/24]
    paths:
      prefixes: [/api]
exclusions:
  - id: lab
    cidrs: [10.1.0.0/16, \"::ffff:10.9.0.0/112\"]
    reason: Lab network.
  - id: lab-admin
    hosts: [lab.example.net]
    cidrs: [10.2.0.0/16]
    paths:
      prefixes: [/admin]
    reason: Admin pages.
",
    )
    .unwrap();
    let mut input = String::new();
    for host in [
        "192.0.2.7",
        "10.0.0.1",
        "10.1.2.3",
        "10.2.0.9",
        "10.9.0.1",
        "198.51.100.1",
        "203.0.113.5",
        "8.8.8.8",
        "010.0.0.1",
        "10.0.0.1.",
    ] {
        for shape in [
            "{h}",
            "http://{h}/",
            "https://{h}:8443/x",
            "http://{h}:8080/api/v1",
            "https://{h}/admin",
        ] {
            input.push_str(&shape.replace("{h}", host));
            input.push('\n');
        }
    }
    for kind in ["in-scope", "out-of-scope", "invalid"] {
        let run = |reference| {
            let out = check_run(&rules, &["--print", kind], reference, &input);
            let loaded = matches!(out.status.code(), Some(0 | 1));
            assert!(loaded, "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let (quick, full) = (run(false), run(true));
        assert_eq!(quick, full, "{kind}");
        if kind == "in-scope" {
            // An exclusion written as an IPv4-mapped range excludes the IPv4 addresses.
            for (line, listed) in [
                ("192.0.2.7", true),
                ("https://198.51.100.1:8443/x", true),
                ("https://10.2.0.9/admin", false),
                ("10.9.0.1", false),
                ("http://10.9.0.1/", false),
            ] {
                assert_eq!(quick.lines().any(|l| l == line), listed, "{line}");
            }
        }
    }
}

/// `-q` answers through the quick path too: the exit status alone, the same as without it.
#[test]
fn quiet_exit_status_on_standard_input() {
    for (input, code) in [
        ("https://a.example.com/\nb.example.com\n", 0),
        ("https://a.example.com/\nhttps://admin.example.com/\n", 1),
        ("https://a.example.com/\nhttps://a.example.com:99999/\n", 1),
        ("https://a.example.com/\nexample.org\n", 1),
    ] {
        for threads in ["1", "2"] {
            let out = scopelint()
                .args(["--rules", SCOPE, "check", "-q", "--threads", threads])
                .write_stdin(input)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(code), "{input:?}");
            assert!(out.stdout.is_empty());
        }
    }
}

/// A big generated plain list read with its duplicates (repeated in other letter case, and
/// repeated exclusions) classifies every line exactly as the same list without them: the
/// loader's duplicate check keeps the first entry and drops only true repeats.
#[test]
fn big_plain_list_with_repeats_gives_the_same_output_as_without() {
    let dir = tempfile::tempdir().unwrap();
    let list = scopelint::gen::scope_list(20_000, 11);
    let entries: Vec<&str> = list
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let hosts: Vec<String> = scopelint::gen::UrlCorpus::new(20_000, 11)
        .take(3_000)
        .collect();
    // Exclude the hosts of some of the URLs, so exclusions decide some verdicts.
    let exclusions: Vec<String> = hosts
        .iter()
        .step_by(7)
        .filter_map(|u| u.split('/').nth(2))
        .map(|h| h.split(':').next().unwrap_or(h))
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
        .map(|h| format!("!{h}"))
        .collect();
    let clean = format!("{}\n{}\n", entries.join("\n"), exclusions.join("\n"));
    let mut noisy = clean.clone();
    for e in entries.iter().step_by(3) {
        noisy.push_str(&e.to_ascii_uppercase());
        noisy.push('\n');
    }
    for e in exclusions.iter().step_by(2) {
        noisy.push_str(&e.to_ascii_uppercase());
        noisy.push('\n');
    }
    let input: String = hosts.iter().map(|u| format!("{u}\n")).collect();
    let run = |text: &str, reference: bool| {
        let path = dir.path().join("scope.txt");
        std::fs::write(&path, text).unwrap();
        let mut c = scopelint();
        c.args([
            "--rules",
            path.to_str().unwrap(),
            "check",
            "--format",
            "jsonl",
        ]);
        if reference {
            c.arg("--reference");
        }
        let out = c.write_stdin(input.clone()).output().unwrap();
        assert!(
            out.status.code() != Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let clean_out = run(&clean, false);
    let text = String::from_utf8_lossy(&clean_out);
    assert!(text.contains("\"in-scope\""), "no in-scope line");
    assert!(text.contains("\"rule\":\"!"), "no exclusion decided a line");
    assert!(
        clean_out == run(&noisy, false),
        "repeats changed the output"
    );
    assert!(
        clean_out == run(&noisy, true),
        "reference path differs on the noisy list"
    );
}
