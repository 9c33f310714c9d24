//! Scope over time: `import PLATFORM FILE --all`, `rules diff DIR DIR` (the change feed),
//! `sync` against a loopback server whose file changes between runs, and HackerOne's CSV
//! (`export hackerone-csv`, `import hackerone-csv`). Fixtures: `fixtures/import/feed/`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use serde_json::Value;

use crate::common::{assert_pinned_to_loopback, Server};

const OLD: &str = "fixtures/import/feed/bugcrowd-old.json";
const NEW: &str = "fixtures/import/feed/bugcrowd-new.json";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary with no proxy from the environment: sync's requests go straight to loopback.
fn scopelint() -> Command {
    let mut c = crate::common::scopelint();
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    c
}

fn run(args: &[&str]) -> Out {
    // Only sync sends requests (`check` classifies URLs, it does not fetch them).
    if args.first() == Some(&"sync") {
        let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        assert_pinned_to_loopback(&owned, "");
    }
    let o = scopelint().args(args).output().unwrap();
    Out {
        code: o.status.code().unwrap(),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Every file in `dir` (not below it), name and bytes, sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn import_all(file: &str, dir: &Path) -> Out {
    run(&["import", "bugcrowd", file, "--all", "--output", &s(dir)])
}

#[test]
fn import_all_writes_one_file_per_program_and_reruns_change_no_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bugcrowd");
    let r = import_all(OLD, &dir);
    // Exit 1: something was skipped (a program, an in-scope hardware entry).
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r
        .stderr
        .contains("3 programs written, 1 programs skipped, 1 entries skipped"));
    let names: Vec<String> = snapshot(&dir).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["acme.yaml", "globex.yaml", "skipped.tsv", "umbrella.yaml"]
    );
    // The program with an out-of-scope entry that names a host but cannot be imported is not
    // written: without it, legacy.initech.example would be in scope.
    let skipped = std::fs::read_to_string(dir.join("skipped.tsv")).unwrap();
    assert!(
        skipped.contains("initech\t(program not written)"),
        "{skipped}"
    );
    assert!(skipped.contains("legacy.initech.example"));
    assert!(skipped.contains("acme\tin_scope[3]\tAcme smart lock\tasset type `hardware`"));
    assert!(r.stderr.contains("skipped program initech"));
    // Lossless: names, payout, disclosure, safe harbour, free-text out-of-scope kept.
    let acme = std::fs::read_to_string(dir.join("acme.yaml")).unwrap();
    for want in [
        "id: \"acme\"",
        "Name: Acme API.",
        "Maximum payout: 5000.",
        "Safe harbor: full.",
        "Also out of scope (out_of_scope[1]): Denial of service attacks",
        "- id: \"!blog.acme.example\"",
    ] {
        assert!(acme.contains(want), "{want} missing:\n{acme}");
    }
    // The same input again: not one byte changes.
    let before = snapshot(&dir);
    let r = import_all(OLD, &dir);
    assert_eq!(r.code, 1);
    assert_eq!(snapshot(&dir), before);
    // The next snapshot: umbrella's file (gone from the platform) is removed, hooli's added.
    let r = import_all(NEW, &dir);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(dir.join("hooli.yaml").is_file());
    assert!(!dir.join("umbrella.yaml").exists());
    // The written files load, and check what the platform says.
    let r = run(&[
        "--rules",
        &s(&dir),
        "check",
        "--format",
        "jsonl",
        "x.shop.acme.example",
        "status.acme.example",
        "legacy.initech.example",
    ]);
    let verdicts: Vec<String> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["verdict"].to_string())
        .collect();
    assert_eq!(
        verdicts,
        ["\"in-scope\"", "\"out-of-scope\"", "\"out-of-scope\""],
        "{}",
        r.stdout
    );
}

#[test]
fn import_all_refuses_wrong_shapes_and_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let no_targets = tmp.path().join("no-targets.json");
    std::fs::write(
        &no_targets,
        r#"[{"name": "A", "url": "https://bugcrowd.com/engagements/a"}]"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    let r = import_all(&s(&no_targets), &out);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no program has `targets`"),
        "{}",
        r.stderr
    );
    assert!(
        !out.exists(),
        "nothing is written for a file of the wrong shape"
    );
    let r = import_all("fixtures/import/intigriti.json", &out);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("on intigriti"), "{}", r.stderr);
    // --all needs a platform file and a directory.
    let r = run(&[
        "import",
        "list",
        "fixtures/import/messy.txt",
        "--all",
        "-o",
        &s(&out),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--all reads a platform file"),
        "{}",
        r.stderr
    );
    let r = run(&["import", "bugcrowd", OLD, "--all"]);
    assert_eq!(r.code, 2);
    // A file in the way that the import did not write is never overwritten.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("acme.yaml"), "schema_version: 1\n# mine\n").unwrap();
    let r = import_all(OLD, &out);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not overwritten"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("acme.yaml")).unwrap(),
        "schema_version: 1\n# mine\n"
    );
}

#[test]
fn directory_diff_is_a_change_feed_most_valuable_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    import_all(OLD, &old);
    import_all(NEW, &new);
    let r = run(&["rules", "diff", &s(&old), &s(&new), "--format", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let records: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let brief: Vec<(String, String, String)> = records
        .iter()
        .map(|v| {
            (
                v["change"].as_str().unwrap().to_string(),
                v["program"].as_str().unwrap().to_string(),
                v["asset"]
                    .as_str()
                    .or(v["exclusion"].as_str())
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    let want = [
        ("asset-added", "acme", "*.shop.acme.example"),
        ("exclusion-removed", "acme", "!blog.acme.example"),
        ("asset-changed", "acme", "api.acme.example"),
        ("asset-removed", "acme", "android:com.acme.app"),
        ("exclusion-added", "acme", "!status.acme.example"),
        ("program-added", "hooli", ""),
        ("program-removed", "umbrella", ""),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(brief, want);
    assert_eq!(
        records[0]["covers"],
        serde_json::json!(["*.shop.acme.example"])
    );
    assert_eq!(records[5]["covers"], serde_json::json!(["*.hooli.example"]));
    assert_eq!(
        records[2]["details"],
        serde_json::json!(["note: Name: Acme API. -> Name: Acme API v2."])
    );
    // Text: grouped by program, the new wildcard first, then the counts.
    let r = run(&["rules", "diff", &s(&old), &s(&new)]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("acme\n  + asset `*.shop.acme.example`\n"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("programs +1 -1 (0 could not be imported), assets +1 -1 ~1, exclusions +1 -1"));
    // The same directory twice: no change, exit 0.
    let r = run(&["rules", "diff", &s(&new), &s(&new), "--format", "jsonl"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    // A file and a directory do not compare.
    let r = run(&["rules", "diff", &s(&new.join("acme.yaml")), &s(&old)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("two files or two directories"));
}

#[test]
fn a_program_that_cannot_be_imported_any_more_is_not_reported_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    import_all(OLD, &old);
    // Globex now lists an out-of-scope entry that names a host but cannot be imported.
    let text = std::fs::read_to_string(NEW).unwrap().replace(
        r#""out_of_scope": []}},
  {"name": "Hooli""#,
        r#""out_of_scope": [{"type": "other", "target": "shop.globex.example (vendor)", "uri": "", "name": "", "ipAddress": ""}]}},
  {"name": "Hooli""#,
    );
    assert!(text.contains("shop.globex.example"), "fixture changed");
    let changed = tmp.path().join("changed.json");
    std::fs::write(&changed, text).unwrap();
    import_all(&s(&changed), &new);
    let r = run(&["rules", "diff", &s(&old), &s(&new), "--format", "jsonl"]);
    let globex: Value = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["program"] == "globex")
        .expect("a record for globex");
    assert_eq!(globex["change"], "program-skipped");
    assert!(globex["details"][0]
        .as_str()
        .unwrap()
        .contains("shop.globex.example"));
}

/// A loopback server serving `body` with an ETag and Last-Modified, answering 304 to a request
/// that sends the current ETag back.
fn platform_server(body: Arc<Mutex<(String, String)>>) -> Server {
    Server::start(move |hit, _| {
        let (etag, text) = body.lock().unwrap().clone();
        if hit.header("If-None-Match") == Some(etag.as_str()) {
            return format!(
                "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
            );
        }
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: {etag}\r\nLast-Modified: Sat, 22 Aug 2026 12:00:00 GMT\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        )
    })
}

#[test]
fn sync_fetches_imports_and_prints_the_feed_with_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scope");
    let body = Arc::new(Mutex::new((
        "\"v1\"".to_string(),
        std::fs::read_to_string(OLD).unwrap(),
    )));
    let server = platform_server(body.clone());
    let url = format!("http://127.0.0.1:{}/bugcrowd_data.json", server.port());
    let sync = |extra: &[&str]| {
        let mut a = vec!["sync", "bugcrowd", url.as_str(), "--into"];
        let d = s(&dir);
        a.push(&d);
        a.extend(extra);
        run(&a)
    };
    // First sync: everything imported, nothing to compare with: exit 0.
    let r = sync(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("first sync"), "{}", r.stderr);
    assert!(dir.join("acme.yaml").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join(".sync/snapshot.etag")).unwrap(),
        "\"v1\""
    );
    // Unchanged on the server: the stored ETag is sent back, 304, exit 0, nothing touched.
    let before = snapshot(&dir);
    let r = sync(&["--format", "jsonl"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 304"), "{}", r.stderr);
    let hits = server.hits();
    assert_eq!(hits[1].header("If-None-Match"), Some("\"v1\""));
    assert_eq!(
        hits[1].header("If-Modified-Since"),
        Some("Sat, 22 Aug 2026 12:00:00 GMT")
    );
    assert_eq!(snapshot(&dir), before);
    // The platform file changes: the feed, exit 1, the previous import kept.
    *body.lock().unwrap() = ("\"v2\"".to_string(), std::fs::read_to_string(NEW).unwrap());
    let r = sync(&["--format", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let changes: Vec<String> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["change"].to_string())
        .collect();
    assert_eq!(changes.len(), 7, "{}", r.stdout);
    assert_eq!(changes[0], "\"asset-added\"");
    assert!(dir.join(".previous/umbrella.yaml").is_file());
    assert!(!dir.join("umbrella.yaml").exists());
    assert!(dir.join("hooli.yaml").is_file());
    // Same bytes again under a new ETag: fetched, imported, no change: exit 0.
    body.lock().unwrap().0 = "\"v3\"".to_string();
    let r = sync(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "no changes to scope\n");
    assert_eq!(server.hits().len(), 4);
}

#[test]
fn sync_errors_leave_the_last_sync_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scope");
    let body = Arc::new(Mutex::new((
        "\"v1\"".to_string(),
        std::fs::read_to_string(OLD).unwrap(),
    )));
    let server = platform_server(body.clone());
    let url = format!("http://127.0.0.1:{}/bugcrowd_data.json", server.port());
    let d = s(&dir);
    assert_eq!(run(&["sync", "bugcrowd", &url, "--into", &d]).code, 0);
    let before = snapshot(&dir);
    *body.lock().unwrap() = ("\"v2\"".to_string(), std::fs::read_to_string(NEW).unwrap());
    // Larger than the cap: exit 2, nothing changed.
    let r = run(&["sync", "bugcrowd", &url, "--into", &d, "--max-bytes", "100"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("size cap of 100 bytes"), "{}", r.stderr);
    assert_eq!(snapshot(&dir), before);
    // No Content-Length: the cap applies while the body is read.
    let no_length = Server::start(|_, _| {
        format!(
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[{}]",
            " ".repeat(5000)
        )
    });
    let url_unsized = format!("http://127.0.0.1:{}/x.json", no_length.port());
    let r = run(&[
        "sync",
        "bugcrowd",
        &url_unsized,
        "--into",
        &d,
        "--max-bytes",
        "1000",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("size cap of 1000 bytes"), "{}", r.stderr);
    assert_eq!(snapshot(&dir), before);
    // Another platform's file under the URL: refused by the shape check, nothing changed.
    *body.lock().unwrap() = (
        "\"v3\"".to_string(),
        std::fs::read_to_string("fixtures/import/intigriti.json").unwrap(),
    );
    let r = run(&["sync", "bugcrowd", &url, "--into", &d]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("on intigriti"), "{}", r.stderr);
    assert_eq!(snapshot(&dir), before);
    // Not found, and nothing listening: clear errors, exit 2.
    let gone = Server::start(|_, _| {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    });
    let url404 = format!("http://127.0.0.1:{}/x.json", gone.port());
    let r = run(&["sync", "bugcrowd", &url404, "--into", &d]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("HTTP 404"), "{}", r.stderr);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let r = run(&[
        "sync",
        "bugcrowd",
        &format!("http://127.0.0.1:{port}/x.json"),
        "--into",
        &d,
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot connect"), "{}", r.stderr);
    assert_eq!(snapshot(&dir), before);
}

/// (target, verdict) for each target under the rules in `rules`.
fn verdicts(rules: &str, targets: &[&str]) -> Vec<(String, String)> {
    let mut a = vec!["--rules", rules, "check", "--format", "jsonl"];
    a.extend(targets);
    let r = run(&a);
    assert!(r.code <= 1, "{}", r.stderr);
    r.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["target"].as_str().unwrap().to_string(),
                v["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn hackerone_csv_round_trip_keeps_every_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("scope.csv");
    let program = "fixtures/import/feed/hackerone-export.yaml";
    let r = run(&[
        "--rules",
        program,
        "export",
        "hackerone-csv",
        "-o",
        &s(&csv),
    ]);
    // The path pattern with a `{id}` segment cannot be expressed: said, left out, exit 1.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("cannot express: asset `users`: the path pattern `/users/{id}`"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "identifier,asset_type,instruction,eligible_for_bounty,eligible_for_submission,availability_requirement,confidentiality_requirement,integrity_requirement,max_severity,system_tags"
    );
    for row in [
        "*.example.org,WILDCARD,",
        "example.org,URL,",
        "www.example.com,URL,,false,true,,,,medium,",
        "api.example.com/v1/orders,URL,",
        "alt.example.com:8443,URL,Only port 8443 is in scope.,true,true,,,,critical,",
        "192.0.2.0/24,CIDR,",
        "198.51.100.7,IP_ADDRESS,",
        "com.example.app,GOOGLE_PLAY_APP_ID,",
        "123456789,APPLE_STORE_APP_ID,",
        "staging.example.org,URL,Staging is not part of the program.,false,false,,,,,",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(row)),
            "{row} missing:\n{text}"
        );
    }
    let back = tmp.path().join("back.yaml");
    let r = run(&[
        "import",
        "hackerone-csv",
        &s(&csv),
        "--program",
        "round-trip",
        "-o",
        &s(&back),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let targets = [
        "www.example.com",
        "https://www.example.com/admin/x",
        "https://www.example.com/public",
        "a.example.org",
        "example.org",
        "staging.example.org",
        "web-prod.example.net",
        "a.web-prod.example.net",
        "https://api.example.com/v1/orders/7",
        "https://api.example.com/v2/users",
        "https://api.example.com/v3/users",
        "https://api.example.com/users/7",
        "https://alt.example.com:8443/",
        "https://alt.example.com/",
        "192.0.2.9",
        "198.51.100.7",
        "198.51.100.8",
        "android:com.example.app",
        "ios:123456789",
        "eu.login.example.com",
        "other.example",
    ];
    let original = verdicts(program, &targets);
    let round = verdicts(&s(&back), &targets);
    // The asset left out (`/users/{id}`) is the only difference allowed, and it only narrows.
    let differ: Vec<_> = original
        .iter()
        .zip(&round)
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(differ.len(), 1, "{differ:?}");
    assert_eq!(differ[0].0 .0, "https://api.example.com/users/7");
    assert_eq!(
        (differ[0].0 .1.as_str(), differ[0].1 .1.as_str()),
        ("in-scope", "out-of-scope")
    );
    assert!(original.iter().any(|(_, v)| v == "in-scope"));
    assert!(original.iter().any(|(_, v)| v == "out-of-scope"));
}

#[test]
fn hackerone_csv_import_reads_eligibility_and_refuses_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("acme.csv");
    std::fs::write(
        &csv,
        "identifier,asset_type,instruction,eligible_for_bounty,eligible_for_submission,availability_requirement,confidentiality_requirement,integrity_requirement,max_severity,system_tags\n\
         *.acme.example,WILDCARD,\"Everything, except below\",true,true,,,,critical,\n\
         legacy.acme.example,URL,Retired,false,false,,,,none,\n\
         https://github.com/acme/x,SOURCE_CODE,,true,true,,,,high,\n",
    )
    .unwrap();
    let r = run(&["import", "hackerone-csv", &s(&csv)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("id: \"acme\""),
        "program named after the file"
    );
    assert!(r.stdout.contains("Instructions: Everything, except below"));
    assert!(r.stdout.contains("- id: \"!legacy.acme.example\""));
    assert!(
        r.stderr
            .contains(":4 `https://github.com/acme/x`: asset type `SOURCE_CODE`"),
        "{}",
        r.stderr
    );
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "host,type\nx.example,URL\n").unwrap();
    let r = run(&["import", "hackerone-csv", &s(&bad)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no column `identifier`, `asset_type`"),
        "{}",
        r.stderr
    );
    std::fs::write(
        &bad,
        "identifier,asset_type,eligible_for_submission\nx.example,URL,maybe\n",
    )
    .unwrap();
    let r = run(&["import", "hackerone-csv", &s(&bad)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains(":2: `eligible_for_submission` is `maybe`"),
        "{}",
        r.stderr
    );
}
