//! Inputs a second reader found to widen the scope: each test's comment names what it widened.
//! Every one is answered out of scope, invalid or refused, never in scope.

use crate::common::{scopelint, stdout, text};

/// `scopelint --rules RULES... check TARGETS...` (an item of `rules` that starts with `--` is
/// a flag of its own): (exit code, stdout, stderr).
fn check(rules: &[&str], targets: &[&str]) -> (Option<i32>, String, String) {
    let mut c = scopelint();
    for r in rules {
        if r.starts_with("--") {
            c.arg(r);
        } else {
            c.args(["--rules", r]);
        }
    }
    let o = c.arg("check").args(targets).output().unwrap();
    (o.status.code(), stdout(&o), text(&o.stderr))
}

/// Each line of `out` starts with the prefix at its place.
fn assert_lines_start(out: &str, prefixes: &[&str]) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), prefixes.len(), "{out}");
    for (line, prefix) in lines.iter().zip(prefixes) {
        assert!(line.starts_with(prefix), "`{prefix}`: {out}");
    }
}

/// A `.NOSCOPE` list (upper case, as some systems write it) was neither paired with its
/// `.inscope` list nor read as exclusions when given alone: its exclusions were lost. A
/// `.noscope` with no `.inscope` of its name in a directory was skipped without a word.
#[test]
fn noscope_lists_are_read_in_any_case_and_never_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let upper = write("upper/s.INSCOPE", "*.example.com\n");
    write("upper/s.NOSCOPE", "admin.example.com\n");
    write("mixed/s.inscope", "*.example.com\n");
    write("mixed/s.NoScope", "admin.example.com\n");
    let alone = write("alone.NOSCOPE", "admin.example.com\n");
    let mixed = dir.path().join("mixed").display().to_string();
    let upper_dir = dir.path().join("upper").display().to_string();
    for rules in [&upper, &upper_dir, &mixed] {
        let (code, out, err) = check(&[rules], &["admin.example.com", "www.example.com"]);
        assert_eq!(code, Some(1), "{rules}: {out}{err}");
        assert_lines_start(
            &out,
            &[
                "out-of-scope admin.example.com  [!admin.example.com]",
                "in-scope     www.example.com",
            ],
        );
    }
    let (_, out, _) = check(&[&alone], &["admin.example.com"]);
    assert_lines_start(
        &out,
        &["out-of-scope admin.example.com  [!admin.example.com]"],
    );

    // The same pairing where a list is converted (`import list`, `rules show|diff`), and with
    // names differing in case, as case-insensitive file systems pair them.
    let o = scopelint()
        .args(["import", "list", &upper, "--to", "list"])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("\n!admin.example.com\n"),
        "{}",
        stdout(&o)
    );
    let o = scopelint()
        .args(["rules", "show", &upper])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("EXCLUSIONS (1)"), "{}", stdout(&o));
    let stem = write("stem/Scope.inscope", "*.example.com\n");
    write("stem/scope.noscope", "admin.example.com\n");
    let (_, out, _) = check(&[&stem], &["admin.example.com"]);
    assert_lines_start(
        &out,
        &["out-of-scope admin.example.com  [!admin.example.com]"],
    );

    write("lone/a.txt", "*.example.com\n");
    write("lone/b.noscope", "admin.example.com\n");
    let lone = dir.path().join("lone").display().to_string();
    let (code, out, err) = check(&[&lone], &["admin.example.com"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("b.noscope:1:1: a .noscope file is read with the .inscope list of the same name, and there is none"), "{err}");
}

/// `--skip-invalid` sets unusable inclusions aside. An entry with an invisible character before
/// its `!` (a zero-width space, a word joiner) or a look-alike `！` was taken for an unusable
/// inclusion and set aside: the exclusion a person reads in the list was dropped. Such entries
/// are errors now; a byte order mark before the first entry is the file's, and its `!` counts.
#[test]
fn an_entry_a_person_reads_as_an_exclusion_is_never_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for (name, first) in [
        ("zwsp", "\u{200b}!admin.example.com"),
        ("word-joiner", "\u{2060}!admin.example.com"),
        ("fullwidth", "\u{ff01}admin.example.com"),
        ("double", "\u{203c}admin.example.com"),
        // Invisible letters, and a look-alike that is a letter (the host name is valid).
        ("hangul-filler", "\u{3164}!admin.example.com"),
        ("halfwidth-filler", "\u{ffa0}!admin.example.com"),
        ("click-letter", "\u{1c3}admin.example.com"),
        ("bang-inside", "x!admin .example.com"),
    ] {
        let list = dir.path().join(format!("{name}.txt"));
        std::fs::write(&list, format!("{first}\n*.example.com\n")).unwrap();
        let list = list.display().to_string();
        let (code, out, err) = check(&[&list, "--skip-invalid"], &["admin.example.com"]);
        assert_eq!(code, Some(2), "{name}: {out}");
        assert!(out.is_empty(), "{name}: {out}");
        assert!(err.contains(&format!("{name}.txt:1:1: `")), "{name}: {err}");
        // The invisible character is shown, so the message says why.
        assert!(
            !err.contains(['\u{200b}', '\u{2060}', '\u{3164}', '\u{ffa0}']),
            "{name}: {err}"
        );
    }
    // An unusable entry that is plainly an inclusion is still set aside: a `{name}`
    // placeholder over a public suffix, a regex-like one.
    let list = dir.path().join("placeholders.txt");
    std::fs::write(
        &list,
        "{tenant}.co.uk\n(se|fi|uk).bingo.example\n*.example.com\n",
    )
    .unwrap();
    let (code, out, err) = check(
        &[&list.display().to_string(), "--skip-invalid"],
        &["www.example.com"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(err.contains("skipped 2 unusable inclusions"), "{err}");

    let bom = dir.path().join("bom.txt");
    std::fs::write(&bom, "\u{feff}!admin.example.com\n*.example.com\n").unwrap();
    let bom = bom.display().to_string();
    for rules in [&[bom.as_str()][..], &[bom.as_str(), "--skip-invalid"]] {
        let (_, out, _) = check(rules, &["admin.example.com", "www.example.com"]);
        assert_lines_start(
            &out,
            &[
                "out-of-scope admin.example.com  [!admin.example.com]",
                "in-scope     www.example.com",
            ],
        );
    }
}

/// A plain list holding `entries`, in a directory that lives as long as the returned guard.
fn list_file(entries: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, entries).unwrap();
    let list = list.display().to_string();
    (dir, list)
}

/// The JSON verdict of `check TARGET` against the rules file `rules`, on the fast path and on
/// the linear reference (`--reference`).
fn verdicts_on_both_paths(rules: &str, target: &str) -> [serde_json::Value; 2] {
    [false, true].map(|reference| {
        let mut c = scopelint();
        c.args(["--rules", rules, "check", "--format", "jsonl"]);
        if reference {
            c.arg("--reference");
        }
        let o = c.arg(target).output().unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    })
}

/// A private wildcard rule of the Public Suffix List (`*.compute-1.amazonaws.com`) makes each
/// name under its base one customer's (a cloud instance), but the name is a suffix itself, not
/// below one, so `ec2-54-1-2-3.compute-1.amazonaws.com` was in scope under `*.amazonaws.com`.
/// It is a customer's now, on the fast path and the reference path; the platform's own names
/// stay in scope.
#[test]
fn a_name_a_private_wildcard_rule_gives_a_customer_is_out_of_scope() {
    let (_dir, list) = list_file("*.amazonaws.com\n");
    for t in [
        "ec2-54-1-2-3.compute-1.amazonaws.com",
        "https://www.ec2-54-1-2-3.compute-1.amazonaws.com/",
    ] {
        for v in verdicts_on_both_paths(&list, t) {
            assert_eq!(v["verdict"], "out-of-scope", "{t}: {v}");
            assert_eq!(v["rule"], "customer-owned-suffix", "{t}: {v}");
        }
    }
    for v in verdicts_on_both_paths(&list, "console.amazonaws.com") {
        assert_eq!(v["verdict"], "in-scope", "{v}");
    }
}

/// The Public Suffix List's wildcard rules (`*.yokohama.jp`) make every name directly under
/// `yokohama.jp` a public suffix. `*.yokohama.jp` was accepted, so `shop.evil-corp.yokohama.jp`,
/// an unrelated owner's, was in scope. Such a wildcard is refused; `*.city.yokohama.jp`, which
/// the list's exception (`!city.yokohama.jp`) makes an ordinary domain, is not.
#[test]
fn a_wildcard_over_the_public_suffix_lists_wildcard_rules_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    for entry in [
        "*.yokohama.jp",
        "*.kawasaki.jp",
        "*-shop.kobe.jp",
        "api.*.sendai.jp",
    ] {
        let list = write("w.txt", &format!("{entry}\n*.city.yokohama.jp\n"));
        let (code, out, err) = check(&[&list], &["shop.evil-corp.yokohama.jp"]);
        assert_eq!(code, Some(2), "{entry}: {out}{err}");
        assert!(
            err.contains("covers public suffixes: every name directly under"),
            "{entry}: {err}"
        );
        let (code, out, err) = check(
            &[&list, "--skip-invalid"],
            &["shop.evil-corp.yokohama.jp", "www.city.yokohama.jp"],
        );
        assert_eq!(code, Some(1), "{entry}: {out}{err}");
        assert_lines_start(
            &out,
            &[
                "out-of-scope shop.evil-corp.yokohama.jp",
                "in-scope     www.city.yokohama.jp",
            ],
        );
    }
    let yaml = write(
        "w.yaml",
        "schema_version: 1\nprogram: {id: w, name: W, revision: \"1\"}\nassets:\n  - id: w\n    hosts: [\"*.yokohama.jp\"]\n",
    );
    let o = scopelint()
        .args(["rules", "validate", &yaml])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("w.yaml:5:13"), "{}", stdout(&o));
}

/// `straße.example.com` is `xn--strae-oqa.example.com` to browsers and curl, and
/// `strasse.example.com` to Python's `urllib` (IDNA 2003): with `strasse.example.com` excluded,
/// it was in scope, and a Python script would have reached the excluded host. A host written
/// with an IDNA deviation character (`ß`, `ς`, a zero-width joiner) is invalid now; written as
/// its `xn--` name it is what it says.
#[test]
fn a_host_clients_map_two_ways_is_invalid() {
    let (_dir, list) = list_file("*.example.com\n!strasse.example.com\n");
    let two_ways = [
        "https://straße.example.com/",
        "https://stra%C3%9Fe.example.com/x",
        "STRAßE.example.com",
        "ὀδυσσεύς.example.com",
    ];
    for t in two_ways {
        for v in verdicts_on_both_paths(&list, t) {
            assert_eq!(v["verdict"], "invalid", "{t}: {v}");
            assert!(
                v["reason"]
                    .as_str()
                    .unwrap()
                    .contains("which clients map differently"),
                "{v}"
            );
        }
    }
    let o = scopelint()
        .args(["--rules", &list, "check", "--print", "in-scope", "-"])
        .write_stdin(format!(
            "{}\nxn--strae-oqa.example.com\nstrasse.example.com\n",
            two_ways.join("\n")
        ))
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "xn--strae-oqa.example.com\n");
}

/// Three hosts that read as in scope here and as another host to a common client:
/// `javascript:x@login.live.com` (a scheme with no host to a URL parser, a user name and host
/// to a tool that splits at `@`), `log\u{3164}in.live.com` (a Hangul filler UTS 46 drops and
/// IDNA 2003 keeps) and `0177.0.0.1` (octal 127.0.0.1 to `inet_aton`, decimal 177.0.0.1 to
/// Java). Each is invalid, on the fast path and the reference path; the plain forms stay in.
#[test]
fn hosts_read_differently_by_common_clients_are_invalid() {
    let (_dir, list) = list_file("*.live.com\n177.0.0.1\n127.0.0.1\n");
    let cases = [
        ("javascript:alert(1)@login.live.com", "nor a port number"),
        ("mailto:bounty@login.live.com", "nor a port number"),
        ("u:p@login.live.com", "nor a port number"),
        (
            "https://log\u{3164}in.live.com/",
            "U+3164, which IDNA drops",
        ),
        ("log%E3%85%A4in.live.com", "U+3164, which IDNA drops"),
        (
            "https://\u{1D2C}.live.com/",
            "U+1D2C, which IDNA maps to `a`",
        ),
        ("lo\u{AD}gin.live.com", "U+00AD"),
        ("0177.0.0.1", "the part `0177` with a leading zero"),
        (
            "http://%30177.0.0.1/",
            "the part `0177` with a leading zero",
        ),
    ];
    for (t, why) in cases {
        for v in verdicts_on_both_paths(&list, t) {
            assert_eq!(v["verdict"], "invalid", "{t}: {v}");
            assert!(v["reason"].as_str().unwrap().contains(why), "{t}: {v}");
        }
    }
    let o = scopelint()
        .args(["--rules", &list, "check", "--print", "in-scope", "-"])
        .write_stdin(
            "login.live.com:443/x\nhttps://\u{FF4C}\u{FF4F}gin\u{FF0E}live.com/\n0x7f.0.0.1\n177.0.0.1\n",
        )
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        "login.live.com:443/x\nhttps://\u{FF4C}\u{FF4F}gin\u{FF0E}live.com/\n0x7f.0.0.1\n177.0.0.1\n"
    );
}

/// Go's encoding/json (subfinder, httpx, nuclei) fills a `host` field from `HOST` too, the last
/// key counting: `{"host":"login.live.com","HOST":"evil.example"}` is `evil.example` to a Go
/// reader, and was in scope here. A record with such twins is invalid.
#[test]
fn a_record_with_keys_differing_only_in_case_is_invalid() {
    let records = "{\"host\":\"login.live.com\",\"HOST\":\"evil.example\"}\n\
                   {\"ho\u{17f}t\":\"evil.example\",\"host\":\"login.live.com\"}\n\
                   {\"host\":\"login.live.com\",\"meta\":{\"HOST\":\"x\"}}\n";
    let o = scopelint()
        .args(["check", "--field", "host", "--print", "in-scope", "-"])
        .write_stdin(records)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&o),
        "{\"host\":\"login.live.com\",\"meta\":{\"HOST\":\"x\"}}\n",
        "only the record without twins"
    );
    let o = scopelint()
        .args(["check", "--field", "host", "--format", "jsonl", "-"])
        .write_stdin(records)
        .output()
        .unwrap();
    let verdicts: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["verdict"].to_string())
        .collect();
    assert_eq!(verdicts, ["\"invalid\"", "\"invalid\"", "\"in-scope\""]);
}

/// `check --print in-scope` echoed `https://login.live.com/x<U+2028>https://evil.example/`
/// (a path on an in-scope host), and Python's `splitlines` reads `https://evil.example/` from
/// it as a line of its own. A target with a line separator inside is invalid.
#[test]
fn a_line_separator_inside_a_target_makes_it_invalid() {
    let lines = "https://login.live.com/x\u{2028}https://evil.example/\n\
                 evil.example\u{2029}login.live.com\n\
                 https://login.live.com/\n";
    let o = scopelint()
        .args(["check", "--print", "in-scope", "-"])
        .write_stdin(lines)
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "https://login.live.com/\n");
    let o = scopelint()
        .args(["check", "--print", "invalid", "-"])
        .write_stdin(lines)
        .output()
        .unwrap();
    assert_eq!(stdout(&o).lines().count(), 2, "{}", stdout(&o));
}

/// An exclusion of `/admin` left `/Admin` and `/ADMIN/x` in scope, while servers that ignore
/// case (IIS, ASP.NET) serve them as `/admin`. An exclusion's paths match in any case; an
/// asset's stay as written.
#[test]
fn an_exclusions_paths_match_in_any_case() {
    assert_in_scope(
        "assets:\n  - id: app\n    hosts: [app.example.com]\n  - id: api\n    hosts: [api.example.com]\n    paths: {prefixes: [/v1]}\nexclusions:\n  - id: admin\n    hosts: [app.example.com]\n    paths: {prefixes: [/admin], case_insensitive: false}\n    reason: Admin is out.\n",
        "https://app.example.com/Admin\nhttps://app.example.com/ADMIN/x\n\
         https://app.example.com/other\nhttps://api.example.com/V1/x\nhttps://api.example.com/v1/x\n",
        "https://app.example.com/other\nhttps://api.example.com/v1/x\n",
    );
}

/// An exclusion of `/admin` left `/..;/admin`, `/admin;x` (Tomcat, Jetty, Spring cut path
/// parameters), `//admin` and `/\admin` (merged slashes), `/admin.` and `/admin%20` (IIS trims
/// them), `/%2561dmin` and `/%u0061dmin` (decoded twice, or as `%u`), `/admin%00`,
/// `/admin.json` (Rails formats, Spring's suffix matching), `/adm%C4%B1n` (Java's
/// case-insensitive `ı`), `/ａdmin` (best-fit mapping) and `/admin::$DATA`,
/// `/admin:$i30:$INDEX_ALLOCATION` or `/admin:stream` (NTFS streams) in scope,
/// though lenient servers serve them as `/admin`. Paths that no reading makes the excluded one
/// stay in scope; an API-path asset's path that a lenient reading takes elsewhere is refused.
#[test]
fn a_path_a_lenient_server_reads_as_the_excluded_one_is_out_of_scope() {
    let bypasses = [
        "/..;/admin",
        "/x/..;/admin",
        "/;x/admin",
        "/admin;x",
        "/admin%3Bx",
        "//admin",
        "/\\admin",
        "/admin.",
        "/admin%2e",
        "/admin%20",
        "/x/..%20/admin",
        "/%2561dmin",
        "/%u0061dmin",
        "/admin%00",
        "/admin%09/x",
        "/admin.json",
        "/adm%C4%B1n",
        "/%EF%BD%81dmin",
        "/admin::$DATA",
        "/admin::$INDEX_ALLOCATION/x",
        "/admin:$i30:$INDEX_ALLOCATION/x",
        "/admin:stream",
        "/x%EF%BC%8Fadmin",
    ];
    let kept = [
        "/docs;x",
        "//docs",
        "/docs.",
        "/%61bout",
        "/x/%2e%2e/docs",
        "/report.pdf",
        "/admin.json/x",
    ];
    let input: String = bypasses
        .iter()
        .chain(&kept)
        .map(|p| format!("https://app.example.com{p}\n"))
        .chain(
            ["/v1/x", "/v1/x/..;/..;/v2/x", "/v1/x;/..", "//v1/x"]
                .map(|p| format!("https://api.example.com{p}\n")),
        )
        .collect();
    assert_in_scope(
        "assets:\n  - id: app\n    hosts: [app.example.com]\n  - id: api\n    hosts: [api.example.com]\n    paths: {prefixes: [/v1]}\nexclusions:\n  - id: admin\n    hosts: [app.example.com]\n    paths: {prefixes: [/admin]}\n    reason: Admin is out.\n",
        &input,
        "https://app.example.com/docs;x\nhttps://app.example.com//docs\nhttps://app.example.com/docs.\n\
         https://app.example.com/%61bout\nhttps://app.example.com/x/%2e%2e/docs\n\
         https://app.example.com/report.pdf\nhttps://app.example.com/admin.json/x\n\
         https://api.example.com/v1/x\nhttps://api.example.com/v1/x;/..\n",
    );
}

/// An exclusion of `/administrator` left `/ADMINI~1/` in scope, though IIS serves the
/// directory at its Windows short (8.3) name where the volume keeps them; likewise
/// `/wp-admin*` and `/WP-ADM~1`, and the hashed form (`AD3F2A~1`, the first two characters
/// and a hash). A `~` that is no short name, or a short name of another name, keeps its verdict;
/// an API-path asset's path in short-name form is refused.
#[test]
fn a_short_name_of_an_excluded_path_is_out_of_scope() {
    let input: String = [
        "/ADMINI~1/",
        "/admini~1/x",
        "/ADMINI~2.ASP",
        "/AD3F2A~1/x",
        "/x/../ADMINI~1",
        "/WP-ADM~1",
        // A short name keeps `-`: this one abbreviates no `wp-admin…`.
        "/WPADMI~1",
        "/~user/",
        "/DOCUME~1/",
        "/ADMINISTRATOR~/",
        "/ADMINI~X/",
    ]
    .iter()
    .map(|p| format!("https://app.example.com{p}\n"))
    .chain(["/VERSIO~1/x", "/v1/x"].map(|p| format!("https://api.example.com{p}\n")))
    .collect();
    assert_in_scope(
        "assets:\n  - id: app\n    hosts: [app.example.com]\n  - id: api\n    hosts: [api.example.com]\n    paths: {prefixes: [/v1]}\nexclusions:\n  - id: admin\n    hosts: [app.example.com]\n    paths: {prefixes: [/administrator, '/wp-admin*']}\n    reason: Admin is out.\n",
        &input,
        "https://app.example.com/WPADMI~1\nhttps://app.example.com/~user/\n\
         https://app.example.com/DOCUME~1/\nhttps://app.example.com/ADMINISTRATOR~/\nhttps://app.example.com/ADMINI~X/\n\
         https://api.example.com/v1/x\n",
    );
}

/// The reason of an `ambiguous-path` verdict names the exclusion the path may be read as, and
/// says a host is in scope only for listed paths only when its asset lists some.
#[test]
fn an_ambiguous_paths_reason_names_a_path_limit_only_where_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "schema_version: 1\nprogram: {id: t, name: T, revision: \"1\"}\nassets:\n  - {id: app, hosts: [app.example.com]}\n  - {id: api, hosts: [api.example.com], paths: {prefixes: [/v1]}}\nexclusions:\n  - {id: admin, hosts: [app.example.com], paths: {prefixes: [/administrator]}, reason: r}\n",
    )
    .unwrap();
    let rules = rules.display().to_string();
    for v in verdicts_on_both_paths(&rules, "https://app.example.com/ADMINI~1/") {
        let reason = v["reason"].as_str().unwrap();
        assert_eq!(v["rule"], "ambiguous-path", "{v}");
        assert!(reason.contains("excluded by `admin`"), "{reason}");
        assert!(!reason.contains("only for listed paths"), "{reason}");
    }
    for v in verdicts_on_both_paths(&rules, "https://api.example.com/V1~1/x") {
        let reason = v["reason"].as_str().unwrap();
        assert_eq!(v["rule"], "ambiguous-path", "{v}");
        assert!(
            reason.contains("api.example.com is in scope only for listed paths"),
            "{reason}"
        );
    }
}

/// Under an exclusion of `/admin`, paths whose dot segments a lenient server resolves after
/// its own reading were in scope: the readings began from the path with its dot segments
/// already resolved (`/x/y/..;a/../admin` is `/admin` to Tomcat; `/x//../admin` to nginx,
/// which merges the slashes first), and one reading of every leniency at once let two cancel
/// (`/admin;x/..%20/foo` is inside `/admin` to Tomcat, which keeps `.. `). So were longer
/// extensions (`/admin.tar.gz`: Spring's suffix matching), an escaped call (`/admin%28x%29`:
/// servers that decode first) and a drive letter before `..` (kept by the `url` crate, removed
/// by browsers: invalid now).
#[test]
fn a_path_is_read_leniently_before_its_dot_segments_and_one_leniency_at_a_time() {
    let refused = [
        "/x//../admin",
        "//admin/..;x",
        "/x/y/..;a/../admin",
        "/x/y/..::$DATA/../admin",
        "/x/y/%u002e%u002e/../admin",
        "/x/y/%252e%252e/../admin",
        "/x/y/%ef%bc%8e%ef%bc%8e/../admin",
        "/x/.../../admin",
        "/x/..%20./admin",
        "/admin;x/..%20/foo",
        "/admin;x/.../foo",
        "/admin;x/%252e%252e/foo",
        "/admin;x/..::$DATA/foo",
        "/admin.tar.gz",
        "/admin.json.bak",
        "/admin%28x%29",
        "/admin%28'a'%29",
        "/C:/../admin",
        "/C|/../admin",
        "/admin%252e",
        // One cut exposes what another reads: an extension once empty segments go
        // (`/admin.json//` is `/admin.json` to Rails), a dot once a parameter or stream goes.
        "/admin.json/",
        "/admin.json//",
        "/admin.json/;x",
        "/admin.tar.gz%2e%2e/",
        "/x/...;y/admin",
        "/admin.;x/foo",
        "/admin.::$DATA/",
    ];
    let kept = [
        "/x/../docs",
        "/docs/./a",
        "/docs%28x%29",
        "/report.tar.gz",
        "/c:/docs",
    ];
    let input: String = refused
        .iter()
        .chain(&kept)
        .map(|p| format!("https://app.example.com{p}\n"))
        .collect();
    assert_in_scope(
        "assets:\n  - id: app\n    hosts: [app.example.com]\nexclusions:\n  - id: admin\n    hosts: [app.example.com]\n    paths: {prefixes: [/admin]}\n    reason: Admin is out.\n",
        &input,
        "https://app.example.com/x/../docs\nhttps://app.example.com/docs/./a\n\
         https://app.example.com/docs%28x%29\nhttps://app.example.com/report.tar.gz\n\
         https://app.example.com/c:/docs\n",
    );
}

/// Bracketed names that Rack 2 (Rails up to 7.0) and Express's `qs` read as `mode`
/// (`[mode]`, `mode]`, `]mode`, `[[mode`), and PHP's `do[it` (an unclosed `[` is `_`: `do_it`)
/// and `mode[a]b` (`mode`) were in scope under exclusions of `?mode=admin` and `?do_it=yes`.
#[test]
fn bracketed_names_servers_read_as_the_excluded_parameter_are_out_of_scope() {
    let input: String = [
        "?[mode]=admin",
        "?mode]=admin",
        "?]mode=admin",
        "?[[mode=admin",
        "?do[it=yes",
        "?mode[a]b=admin",
        "?mode=x",
        "?[x]=admin",
        "?modes[a]=admin",
    ]
    .iter()
    .map(|q| format!("https://app.example.com/{q}\n"))
    .collect();
    assert_in_scope(
        "assets:\n  - {id: all, hosts: [app.example.com]}\nexclusions:\n  - {id: admin-mode, hosts: [app.example.com], reason: r, paths: {prefixes: [/], query: [{name: mode, value: admin}]}}\n  - {id: do-it, hosts: [app.example.com], reason: r, paths: {prefixes: [/], query: [{name: do_it, value: 'yes'}]}}\n",
        &input,
        "https://app.example.com/?mode=x\nhttps://app.example.com/?[x]=admin\n\
         https://app.example.com/?modes[a]=admin\n",
    );
}

/// `check --print in-scope` on `input` against a program of `sections` prints `in_scope`, on
/// the fast path and on the linear reference.
fn assert_in_scope(sections: &str, input: &str, in_scope: &str) {
    let (_dir, rules) = rules_file(sections);
    for reference in [false, true] {
        let mut c = scopelint();
        c.args(["--rules", &rules, "check", "--print", "in-scope", "-"]);
        if reference {
            c.arg("--reference");
        }
        let o = c.write_stdin(input).output().unwrap();
        assert_eq!(
            stdout(&o),
            in_scope,
            "reference: {reference}: {}",
            text(&o.stderr)
        );
    }
}

/// Assets `app.example.com` (every path) and `api.example.com` (`/v1` only), with `/admin` and
/// `?mode=admin` excluded on `app`: the program the readings' tests check against.
const APP_AND_API: &str = "assets:\n  - {id: app, hosts: [app.example.com]}\n  - {id: api, hosts: [api.example.com], paths: {prefixes: [/v1]}}\nexclusions:\n  - {id: admin, hosts: [app.example.com], reason: r, paths: {prefixes: [/admin]}}\n  - {id: admin-mode, hosts: [app.example.com], reason: r, paths: {prefixes: [/], query: [{name: mode, value: admin}]}}\n";

/// One `https://HOST{path}` line for each of `paths`.
fn urls(host: &str, paths: &[&str]) -> String {
    paths
        .iter()
        .map(|p| format!("https://{host}{p}\n"))
        .collect()
}

/// A rules file of program `t` with `sections` (assets, exclusions) in a temporary folder.
fn rules_file(sections: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        format!("schema_version: 1\nprogram: {{id: t, name: T, revision: \"1\"}}\n{sections}"),
    )
    .unwrap();
    let rules = rules.display().to_string();
    (dir, rules)
}

/// An exclusion on `?mode=admin` needed every `mode` to be `admin`: `?mode=admin&mode=x` was in
/// scope, though a server that reads the first value serves the excluded page. An exclusion's
/// query condition holds when any value matches (an asset's, when every value does).
#[test]
fn an_exclusions_query_condition_holds_on_any_value() {
    assert_in_scope(
        "assets:\n  - {id: all, hosts: [app.example.com]}\n  - {id: api, hosts: [api.example.com], paths: {prefixes: [/], query: [{name: v, value: \"2\"}]}}\nexclusions:\n  - {id: admin-mode, hosts: [app.example.com], reason: r, paths: {prefixes: [/], query: [{name: mode, value: admin}]}}\n",
        "https://app.example.com/?mode=admin&mode=x\nhttps://app.example.com/?mode=x&MODE=admin\n\
         https://app.example.com/?mode=x\nhttps://api.example.com/?v=2&v=3\nhttps://api.example.com/?v=2\n",
        "https://app.example.com/?mode=x\nhttps://api.example.com/?v=2\n",
    );
}

/// An exclusion on `?mode=admin` left in scope what lenient servers read as `mode=admin`:
/// `;` as a separator (Rack before 3, Python before 3.9.2), `mode[]` and ` mode` (PHP), a
/// value with a trailing space, double and `%u` escapes, a name or value cut by `%00` (servers
/// written in C), `ı` and full-width letters (Java's case-insensitive comparison, best-fit
/// mapping). An asset's condition that a lenient
/// reading breaks is refused too; queries that read the same either way keep their verdict.
#[test]
fn a_query_a_lenient_server_reads_as_the_excluded_one_is_out_of_scope() {
    let app = [
        "x=1;mode=admin",
        "%20mode=admin",
        "mode[]=admin",
        "mode[x]=admin",
        "mode=admin%20",
        "mode=admin+",
        "mode=%2561dmin",
        "mode=%u0061dmin",
        "mode%00=admin",
        "mode%00junk=admin",
        "mode=admin%00x",
        "mode=adm%C4%B1n",
        "mode=%EF%BD%81dmin",
        "debug.on=1",
        "mode=x",
        "mode=adm;x",
        "a=b.c",
    ];
    let input: String = app
        .iter()
        .map(|q| format!("https://app.example.com/?{q}\n"))
        .chain(["v=2", "v=2%20", "v=%32"].map(|q| format!("https://api.example.com/?{q}\n")))
        .collect();
    assert_in_scope(
        "assets:\n  - {id: all, hosts: [app.example.com]}\n  - {id: api, hosts: [api.example.com], paths: {prefixes: [/], query: [{name: v, value: \"2\"}]}}\nexclusions:\n  - {id: admin-mode, hosts: [app.example.com], reason: r, paths: {prefixes: [/], query: [{name: mode, value: admin}]}}\n  - {id: debug, hosts: [app.example.com], reason: r, paths: {prefixes: [/], query: [{name: debug_on, value: \"1\"}]}}\n",
        &input,
        "https://app.example.com/?mode=x\nhttps://app.example.com/?mode=adm;x\n\
         https://app.example.com/?a=b.c\nhttps://api.example.com/?v=2\nhttps://api.example.com/?v=%32\n",
    );
}

/// `import list FILE --to list` (the documented way to clean a list once) set an unusable
/// exclusion aside like any entry and wrote the rest: the cleaned list was wider than the list.
/// Like `--skip-invalid`, it refuses such a list and writes nothing.
#[test]
fn cleaning_a_list_never_drops_an_exclusion() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bad) in [
        ("bad-exclusion", "!admin .example.com"),
        ("hidden-bang", "\u{200b}!login.example.com"),
    ] {
        let list = dir.path().join(format!("{name}.txt"));
        std::fs::write(&list, format!("{bad}\n*.example.com\n")).unwrap();
        let o = scopelint()
            .args([
                "import",
                "list",
                &list.display().to_string(),
                "--to",
                "list",
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stdout(&o));
        assert!(o.stdout.is_empty(), "{name}: {}", stdout(&o));
        assert!(
            text(&o.stderr).contains("leaving it out would widen the scope"),
            "{name}: {}",
            text(&o.stderr)
        );
    }
}

/// Readings a red-team pass found left out, each in scope under an exclusion of `/admin` or
/// `?mode=admin`: an escaped `?` or `#` that ends the path for Apache's `mod_rewrite` once it
/// decodes (`/admin%3F.css` is `/admin`); a full-width `；` that folds to a path parameter;
/// Windows' best-fit `∕` and `¥`, which make separators; a comma list (`mode=x,admin`, a list
/// holding `admin` to Spring); a query decoded as a whole before it is split
/// (`x=1%26mode=admin`). Paths and queries that read the same either way keep their verdict.
#[test]
fn escaped_query_marks_best_fit_separators_and_comma_lists_are_read_as_servers_read_them() {
    let app = [
        "/admin%3F.css",
        "/admin%3fx/y",
        "/admin%23top",
        "/admin%EF%BC%9Bx",
        "/x%E2%88%95..%E2%88%95admin",
        "/x%C2%A5..%C2%A5admin",
        "/?mode=x,admin",
        "/?mode=admin,x",
        "/?x=1%26mode=admin",
        "/?x=1%26mode%3Dadmin",
        "/?x=%FF%26mode=admin",
        "/docs%3Fx",
        "/about%23",
        "/?mode=x,y",
        "/?x=1%26y=2",
    ];
    let input = urls("app.example.com", &app) + &urls("api.example.com", &["/v1/x%3F", "/v1%3F/x"]);
    assert_in_scope(
        APP_AND_API,
        &input,
        "https://app.example.com/docs%3Fx\nhttps://app.example.com/about%23\n\
         https://app.example.com/?mode=x,y\nhttps://app.example.com/?x=1%26y=2\n\
         https://api.example.com/v1/x%3F\n",
    );
}

/// The third red-team pass, each in scope under an exclusion of `/admin` or `?mode=admin` (or
/// outside an asset's `/v1`): ASP.NET's cookieless values (`/(S(x))/admin` is `/admin` on
/// IIS); dot segments that routers reading the path as sent do not resolve (`/admin/../x` is
/// under `/admin` to Express and Envoy); scripts run with the rest as `PATH_INFO`
/// (`/admin.php/x`) and front controllers (`/index.php/admin`); Windows' best-fit mappings
/// (`⁄` is `/`, `ā` is `a`, `։` is `:`). Paths that read the same every way keep their verdict.
#[test]
fn cookieless_values_raw_dot_segments_path_info_and_best_fit_letters_are_read() {
    let app = [
        "/(S(x))/admin",
        "/(A(x)F(y))/admin/users",
        "/adm(S(x))in",
        "/admin/../x",
        "/admin/%2e%2e/x",
        "/admin/..",
        "/admin.php/x",
        "/index.php/admin",
        "/app_dev.php/admin",
        "/x/..%e2%81%84admin",
        "/x%e2%88%96..%e2%88%96admin",
        "/%c4%81dmin",
        "/admin%d6%89%d6%89$DATA",
        "/?mode=%C4%81dmin",
        "/docs/(S(x))/a",
        "/(x)/a",
        "/docs/../about",
        "/index.php/docs",
        "/caf%C3%A9",
    ];
    let input =
        urls("app.example.com", &app) + &urls("api.example.com", &["/v2/../v1/x", "/v1/x/../y"]);
    assert_in_scope(
        APP_AND_API,
        &input,
        "https://app.example.com/docs/(S(x))/a\nhttps://app.example.com/(x)/a\n\
         https://app.example.com/docs/../about\nhttps://app.example.com/index.php/docs\n\
         https://app.example.com/caf%C3%A9\nhttps://api.example.com/v1/x/../y\n",
    );
}

/// The fourth red-team pass, each in scope under an exclusion of `/admin` or `?mode=admin`:
/// a hash router's page (`/#/admin`, `/#!/admin`); invisible characters, which linguistic
/// comparison ignores (`adm%E2%80%8Bin`: .NET on ICU, Java's `Collator`); a script segment as
/// IIS reads it (`admin.aspx.`, `admin.aspx::$DATA`) and a front controller's route with its
/// format (`/index.php/admin.json`); a query decoded whole twice (`%2526`) or with `%u0026`;
/// a name with spaces around it (`mode+=admin`); a value a naive split cuts at its second `=`
/// (`mode=admin=x`). A fifth pass: those readings combined with ASP.NET's cookieless values
/// (`/(S(x))/admin./x`), leading control characters in a query (`%09admin` is `admin` to
/// `String.trim`), routes without a `/` (`#admin`: React Router, Vue Router) and in the query
/// (`?/admin`: CodeIgniter; `?q=admin`: Drupal 7; `?r=`: Yii), ColdFusion and WSGI scripts.
/// What reads the same every way keeps its verdict: other fragments, a route elsewhere,
/// `caf%C3%A9`, a script with another path after it, a value with `=` that is not `admin` up
/// to it, a cookieless value below the root.
#[test]
fn hash_routes_invisible_characters_iis_scripts_and_naive_query_splits_are_read() {
    let app = [
        "/#/admin",
        "/#!/admin/users",
        "/x#/admin?tab=1",
        "/#/x/../admin",
        "/#/?mode=admin",
        "/adm%E2%80%8Bin",
        "/admin%C2%AD",
        "/%EF%BB%BFadmin",
        "/admin.aspx./x",
        "/admin.aspx::$DATA/x",
        "/index.php/admin.json",
        "/?x=1%2526mode=admin",
        "/?x=1%u0026mode=admin",
        "/?mode+=admin",
        "/?mode%20=admin",
        "/?mode=admin=x",
        "/#section",
        "/#/home",
        "/docs#admin",
        "/docs#/admin",
        "/caf%C3%A9",
        "/x.aspx/docs",
        "/?q=a=b",
        "/?x=1%2526y=2",
        // The fifth pass: readings combined with ASP.NET's cookieless values, leading control
        // characters in a query, routes without a `/` and in the query, more script types.
        "/(S(x))/admin./x",
        "/(S(x))/admin::$DATA/x",
        "/(S(x))/index.aspx/admin",
        "/?mode=%09admin",
        "/?%0amode=admin",
        "/#admin",
        "/#!%2Fadmin",
        "/#?mode=admin",
        "/?/admin",
        "/index.php?/x?mode=admin",
        "/?q=admin",
        "/index.php?r=admin/users",
        "/index.cfm/admin",
        "/app.wsgi/admin",
        "/x/(S(x))/admin",
        "/x/index.php/admin",
        "/?q=docs",
        "/?mode=x%00admin",
    ];
    let input = urls("app.example.com", &app) + &urls("api.example.com", &["/#/v1", "/v1/#/admin"]);
    assert_in_scope(
        APP_AND_API,
        &input,
        "https://app.example.com/#section\nhttps://app.example.com/#/home\n\
         https://app.example.com/caf%C3%A9\n\
         https://app.example.com/x.aspx/docs\nhttps://app.example.com/?q=a=b\n\
         https://app.example.com/?x=1%2526y=2\nhttps://app.example.com/x/(S(x))/admin\n\
         https://app.example.com/x/index.php/admin\nhttps://app.example.com/?q=docs\n\
         https://app.example.com/?mode=x%00admin\nhttps://api.example.com/v1/#/admin\n",
    );
}

/// A target with a space (or other white space) was classified as one URL and printed as
/// written, so `xargs` or `split()` read a second target on an excluded host; an `@` in a
/// target without a scheme (`x.example:80@app.example.com`) is a host to some tools and no
/// host to URL parsers. Both are `invalid` now; `%20` and `https://user@host/` stay valid.
#[test]
fn white_space_in_a_target_and_an_at_sign_without_a_scheme_are_invalid() {
    let input = "https://app.example.com/x https://x.internal.example.com/\n\
                 https://app.example.com/x\u{3000}y\napp.example.com/x\u{a0}y\n\
                 x.internal.example.com:80@app.example.com\na@app.example.com\n\
                 https://app.example.com/x%20y\nhttps://a@app.example.com/\napp.example.com/x@y\n";
    assert_in_scope(
        "assets:\n  - {id: app, hosts: [app.example.com]}\nexclusions:\n  - {id: internal, hosts: ['*.internal.example.com'], include_apex: true, reason: r}\n",
        input,
        "https://app.example.com/x%20y\nhttps://a@app.example.com/\napp.example.com/x@y\n",
    );
}

/// With only port 443 allowed, a URL with a path but neither a scheme nor a port was in scope,
/// though curl sends it to port 80. It is `port-not-in-scope` now, on the quick and the full
/// path; with both 80 and 443 allowed (the default) it stays in scope, and so does a bare host,
/// which asks about the host.
#[test]
fn a_target_without_scheme_or_port_needs_both_web_ports() {
    let input = "api.example.com/v1/x\napi.example.com\nhttps://api.example.com/v1/x\n\
                 api.example.com:443/v1/x\nhttp://api.example.com/v1/x\nweb.example.com/x\nweb.example.com\n";
    assert_in_scope(
        "assets:\n  - {id: api, hosts: [api.example.com], ports: [443]}\n  - {id: web, hosts: [web.example.com]}\n",
        input,
        "api.example.com\nhttps://api.example.com/v1/x\napi.example.com:443/v1/x\nweb.example.com/x\nweb.example.com\n",
    );
    let (_dir, rules) =
        rules_file("assets:\n  - {id: api, hosts: [api.example.com], ports: [443]}\n");
    for v in verdicts_on_both_paths(&rules, "api.example.com/v1/x") {
        assert_eq!(v["rule"], "port-not-in-scope", "{v}");
        assert!(
            v["reason"].as_str().unwrap().contains("no scheme or port"),
            "{v}"
        );
    }
}

/// A review of the readings above found them switched off or cut short: a non-ASCII character
/// or a double escape turned off the dot, script and front-controller readings
/// (`/index.php/admin/%C3%A9`); cookieless values taken out before `..` was resolved, and an
/// escaped `?` in the all-at-once reading, hid what IIS and Tomcat read
/// (`/admin.::$DATA/(S(y))/../`, `/x%3F/../ad%256din;x`); the path as clients send it was never
/// read leniently (`/admin.::$DATA//..` is sent as `/admin.::$DATA/`); ASP.NET joins the
/// segments around a cookieless value (`/prot/(S(x))ected`); and dropping accents hid an
/// accented exclusion (`/cafe%CC%81` is `/café`).
#[test]
fn the_new_readings_combine_with_the_others_and_keep_what_they_read() {
    let app = [
        "/index.php/admin/%C3%A9",
        "/admin.php/%C3%A9",
        "/admin/../%C3%A9",
        "/admin/../x%2525",
        "/admin.::$DATA/(S(y))/../",
        "/x%3F/../ad%256din;x",
        "/admin.::$DATA//..",
        "/ad%256din;x//..",
        "/prot/(S(x))ected",
        "/cafe%CC%81",
        "/docs/(S(x))/a",
        "/docs/%C3%A9",
    ];
    let input = urls("app.example.com", &app);
    assert_in_scope(
        "assets:\n  - {id: app, hosts: [app.example.com]}\nexclusions:\n  - {id: admin, hosts: [app.example.com], reason: r, paths: {prefixes: [/admin, /protected, /café]}}\n",
        &input,
        "https://app.example.com/docs/(S(x))/a\nhttps://app.example.com/docs/%C3%A9\n",
    );
}
