//! Expectations worked by hand, from the docs and the rules fixture, for code whose other tests
//! are circular (issue 22): the indexed and the linear lookup share normalization and verdict
//! code, `cli_normalized_matches_library` compares the CLI with the same function, and the
//! Burp export is otherwise only checked by re-importing it with scopelint. Nothing here calls
//! scopelint's library: the binary's output is compared with values written down by hand.

use assert_cmd::Command;
use serde_json::Value;

const EXAMPLE: &str = "fixtures/rules/example-program.yaml";

fn scopelint() -> Command {
    let mut c = crate::common::scopelint();
    c.args(["--color", "never", "--rules", EXAMPLE]);
    c
}

/// (input, normalized form, verdict, deciding rule), against fixtures/rules/example-program.yaml,
/// worked from docs/check.md ("Target syntax", "How a verdict is reached") and the fixture.
const CASES: &[(&str, &str, &str, &str)] = &[
    // Case, trailing dot, default port, dot segments; the query is kept, the fragment (never
    // sent) is dropped.
    (
        "HTTPS://WWW.Example.COM.:443/a/./b/../c?q#f",
        "https://www.example.com/a/c?q",
        "in-scope",
        "www",
    ),
    ("www.example.com", "www.example.com", "in-scope", "www"),
    // `*.example.com` without the apex.
    (
        "a.b.example.com",
        "a.b.example.com",
        "in-scope",
        "all-subdomains",
    ),
    ("example.com", "example.com", "out-of-scope", "no-asset"),
    // Lookalikes are not below the pattern at a label boundary.
    (
        "evilexample.com",
        "evilexample.com",
        "out-of-scope",
        "no-asset",
    ),
    (
        "www.example.com.evil.org",
        "www.example.com.evil.org",
        "out-of-scope",
        "no-asset",
    ),
    // Exclusions win over `*.example.com`; the blog exclusion includes its apex.
    (
        "https://staging.example.com/",
        "https://staging.example.com/",
        "out-of-scope",
        "staging",
    ),
    (
        "blog.example.com",
        "blog.example.com",
        "out-of-scope",
        "blog",
    ),
    (
        "x.blog.example.com",
        "x.blog.example.com",
        "out-of-scope",
        "blog",
    ),
    // Credentials are never the host, and never printed.
    (
        "https://user:pw@staging.example.com/",
        "https://staging.example.com/",
        "out-of-scope",
        "staging",
    ),
    // IDN to punycode: bücher = xn--bcher-kva.
    (
        "https://bücher.example.com/",
        "https://xn--bcher-kva.example.com/",
        "in-scope",
        "all-subdomains",
    ),
    // IPv4 in hex and short forms (WHATWG): 0xc0.0.2.7 = 192.0.2.7; 192.0.519 = 192.0.2.7.
    (
        "http://0xc0.0.2.7/",
        "http://192.0.2.7/",
        "in-scope",
        "office",
    ),
    (
        "http://192.0.519/",
        "http://192.0.2.7/",
        "in-scope",
        "office",
    ),
    (
        "http://[2001:DB8:0::1]/",
        "http://[2001:db8::1]/",
        "in-scope",
        "office",
    ),
    ("198.51.100.1", "198.51.100.1", "out-of-scope", "no-asset"),
    // Paths of the api asset: version v2 (case-insensitive), then a listed prefix.
    (
        "https://api.example.org/V2/users/42/settings",
        "https://api.example.org/V2/users/42/settings",
        "in-scope",
        "api",
    ),
    (
        "https://api.example.org/v2/orgs/7",
        "https://api.example.org/v2/orgs/7",
        "in-scope",
        "api",
    ),
    // Apps: iOS bundle ids are case-insensitive.
    (
        "android:com.example.app",
        "android:com.example.app",
        "in-scope",
        "app",
    ),
    (
        "ios:COM.EXAMPLE.APP",
        "ios:com.example.app",
        "in-scope",
        "app",
    ),
];

/// Every case through the index and through the linear reference (`--reference`), each
/// compared with the hand-worked answer rather than with the other.
#[test]
fn verdicts_and_normal_forms_worked_by_hand() {
    for reference in [false, true] {
        let mut cmd = scopelint();
        cmd.args(["check", "--format", "jsonl"]);
        if reference {
            cmd.arg("--reference");
        }
        let out = cmd.args(CASES.iter().map(|c| c.0)).output().unwrap();
        let lines: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), CASES.len());
        let mut wrong = Vec::new();
        for ((input, normalized, verdict, rule), v) in CASES.iter().zip(&lines) {
            let got = (
                v["normalized"].as_str(),
                v["verdict"].as_str(),
                v["rule"].as_str(),
            );
            if got != (Some(*normalized), Some(*verdict), Some(*rule)) {
                wrong.push(format!(
                    "{input}: want {normalized} {verdict} {rule}, got {got:?}"
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "reference={reference}:\n{}",
            wrong.join("\n")
        );
    }
}

/// Burp's advanced scope, as its documentation describes it: a request is in scope when an
/// `include` rule matches its protocol, host, port and file (each a Java regex, matched against
/// the whole field) and no `exclude` rule does. The exported regexes are evaluated here with the
/// `regex` crate on requests whose answer is worked by hand from the rules fixture.
#[test]
fn burp_export_decides_as_worked_by_hand() {
    let out = scopelint().args(["export", "burp"]).output().unwrap();
    // The fixture has paths aliases, an IPv6 range and apps, which Burp cannot express: left
    // out (never widened), said on stderr, exit 1.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot express: asset `app`"), "{err}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = |key: &str| -> Vec<[regex::Regex; 3]> {
        json["target"]["scope"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert_eq!(r["enabled"], true);
                assert_eq!(r["protocol"], "any");
                ["host", "port", "file"].map(|f| regex::Regex::new(r[f].as_str().unwrap()).unwrap())
            })
            .collect()
    };
    let (include, exclude) = (rules("include"), rules("exclude"));
    let hit = |set: &[[regex::Regex; 3]], host: &str, port: &str, file: &str| {
        set.iter()
            .any(|[h, p, f]| h.is_match(host) && p.is_match(port) && f.is_match(file))
    };
    let cases = [
        ("www.example.com", "443", "/", true),
        ("a.b.example.com", "80", "/x", true),
        ("example.com", "443", "/", false), // apex not included
        ("evilexample.com", "443", "/", false),
        ("www.example.com.evil.org", "443", "/", false),
        ("www.example.com", "8443", "/", false), // default ports only
        ("staging.example.com", "443", "/", false),
        ("blog.example.com", "443", "/", false),
        ("x.blog.example.com", "80", "/", false),
        ("a.users.example.com", "443", "/", false), // customer-owned
        ("api.example.org", "443", "/V2/orgs", true),
        ("api.example.org", "443", "/v2/users/42/settings", true),
        ("api.example.org", "443", "/v2/users/42", false),
        ("api.example.org", "443", "/v3/orgs", false),
        ("api.example.org", "443", "/v2/orgsx", false),
        ("192.0.2.7", "443", "/", true),
        ("192.0.3.7", "443", "/", false),
    ];
    for (host, port, file, want) in cases {
        let got = hit(&include, host, port, file) && !hit(&exclude, host, port, file);
        assert_eq!(got, want, "{host}:{port}{file}");
    }
}
