//! `scopelint lint` end to end: the fixtures under fixtures/drafts/, run as a subprocess
//! against the embedded default program (microsoft-identity).

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cmd() -> Command {
    let mut c = Command::cargo_bin("scopelint").unwrap();
    c.current_dir(root())
        .env_remove("SCOPELINT_RULES")
        .env("NO_COLOR", "1")
        .arg("--isolated")
        .arg("--color")
        .arg("never");
    c
}

struct Run {
    code: i32,
    json: Value,
}

fn lint_json(args: &[&str]) -> Run {
    let out = cmd()
        .arg("lint")
        .arg("--format")
        .arg("json")
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    Run {
        code: out.status.code().unwrap(),
        json,
    }
}

/// (rule, severity, line) of every diagnostic of the only file.
fn diags(run: &Run) -> Vec<(String, String, u64)> {
    let files = run.json["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    files[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn d(rule: &str, sev: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), sev.to_string(), line)
}

fn messages(run: &Run, rule: &str) -> Vec<String> {
    run.json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule)
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

const ATTACK_VECTOR_WARNING: &str = "missing-section";

#[test]
fn good_draft_is_clean_and_gets_the_exact_award() {
    let r = lint_json(&["fixtures/drafts/good.md"]);
    assert_eq!(r.code, 0);
    assert_eq!(diags(&r), vec![d("award", "info", 6)]);
    assert_eq!(
        r.json["files"][0]["award"],
        serde_json::json!({"table": "general", "impact": "eop-mfa-bypass", "severity": "critical",
            "quality": "high", "min": 100000, "max": 100000, "currency": "USD"})
    );
    assert_eq!(r.json["files"][0]["path"], "fixtures/drafts/good.md");
}

#[test]
fn draft_without_front_matter_uses_its_text() {
    let r = lint_json(&["fixtures/drafts/good-no-front-matter.md"]);
    assert_eq!(r.code, 0);
    // The B2C URL in the text is in scope, the tenant carries MSOBB: only the optional
    // attack-vector section, the note that no award can be estimated, and the B2C asset's
    // note at the URL the finding relies on.
    assert_eq!(
        diags(&r),
        vec![
            d(ATTACK_VECTOR_WARNING, "warning", 1),
            d("award", "info", 1),
            d("asset-note", "info", 6)
        ]
    );
    assert!(messages(&r, "asset-note")[0].contains("relies on asset `b2c-tenants`"));
    assert!(r.json["files"][0]["award"].is_null());
    // --fail-on warning turns the warning into a failure.
    let r = lint_json(&[
        "--fail-on",
        "warning",
        "fixtures/drafts/good-no-front-matter.md",
    ]);
    assert_eq!(r.code, 1);
}

#[test]
fn declared_targets_out_of_scope_carry_the_verdict() {
    let r = lint_json(&["fixtures/drafts/target-out-of-scope.md"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        diags(&r),
        vec![
            d("target-out-of-scope", "error", 5),
            d("target-out-of-scope", "error", 6),
            d("award", "info", 7),
            d("missing-section", "warning", 10),
        ]
    );
    let m = messages(&r, "target-out-of-scope");
    assert!(
        m[0].contains("login.live.com:8443") && m[0].contains("[port-not-in-scope]"),
        "{}",
        m[0]
    );
    assert!(m[1].contains("[graph-beta]"), "{}", m[1]);
    // The in-scope login.live.com target still chooses the general table.
    assert_eq!(r.json["files"][0]["award"]["table"], "general");
}

#[test]
fn targets_found_in_text_none_in_scope() {
    let r = lint_json(&["fixtures/drafts/target-out-of-scope-text.md"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        diags(&r),
        vec![
            d("missing-section", "warning", 1),
            d("award", "info", 1),
            d("target-out-of-scope", "error", 3),
        ]
    );
    assert!(messages(&r, "target-out-of-scope")[0].contains("[customer-owned-suffix]"));
}

#[test]
fn missing_target_is_a_warning() {
    let r = lint_json(&["fixtures/drafts/missing-target.md"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        diags(&r),
        vec![
            d("award", "info", 3),
            d("missing-section", "warning", 6),
            d("missing-target", "warning", 6)
        ]
    );
    assert_eq!(
        lint_json(&["--fail-on", "warning", "fixtures/drafts/missing-target.md"]).code,
        1
    );
}

#[test]
fn excluded_class_is_an_error_with_the_class_id() {
    let r = lint_json(&["fixtures/drafts/excluded-class.md"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        diags(&r),
        // Each occurrence is its own diagnostic (issue 16): the title, the first sentence and
        // the impact section state the class (errors); "can be framed" is a clickjacking
        // warning.
        vec![
            d("excluded-class", "error", 2),
            d("award", "info", 4),
            d("missing-section", "warning", 7),
            d("excluded-class", "error", 9),
            d("excluded-class", "warning", 9),
            d("excluded-class", "error", 17),
        ]
    );
    assert!(messages(&r, "excluded-class")[0].contains("`missing-security-headers`"));
    assert!(messages(&r, "excluded-class")[0].contains("in the title"));
    // At the start of the matched phrase "Missing X-Frame-Options".
    assert_eq!(r.json["files"][0]["diagnostics"][0]["column"], 8);
}

#[test]
fn open_redirect_alone_is_an_error_chained_is_a_warning() {
    let alone = lint_json(&["fixtures/drafts/open-redirect.md"]);
    assert_eq!(alone.code, 1);
    assert_eq!(diags(&alone)[0], d("excluded-class", "error", 2));
    let chained = lint_json(&["fixtures/drafts/open-redirect-chained.md"]);
    assert_eq!(chained.code, 0);
    assert_eq!(diags(&chained)[0], d("excluded-class", "warning", 2));
    assert!(messages(&chained, "excluded-class")[0].contains("demonstrate the whole chain"));
}

#[test]
fn missing_sections_by_heading() {
    let r = lint_json(&["fixtures/drafts/missing-section.md"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        diags(&r),
        vec![
            d("award", "info", 4),
            d("missing-section", "error", 7),
            d("missing-section", "error", 7),
            d("missing-section", "warning", 7),
        ]
    );
    let m = messages(&r, "missing-section");
    assert!(
        m[0].contains("steps-to-reproduce")
            && m[1].contains("`impact`")
            && m[2].contains("attack-vector")
    );
}

#[test]
fn labelled_sections_count_like_headings() {
    // A draft written as plain text names its sections with labels (`**Summary:** …`,
    // `**Impact**: …`, `Steps to reproduce:`, `Attack vector: …`): no section is missing.
    let r = lint_json(&["fixtures/drafts/labelled-sections.md"]);
    assert_eq!(r.code, 0, "{:?}", diags(&r));
    assert!(
        messages(&r, "missing-section").is_empty(),
        "{:?}",
        messages(&r, "missing-section")
    );
    // The same draft with its labels turned into a list item and code is missing them again.
    let text = std::fs::read_to_string("fixtures/drafts/labelled-sections.md").unwrap();
    let unlabelled = text
        .replace("**Impact**: ", "- Impact: ")
        .replace("Steps to reproduce:\n", "```\nSteps to reproduce:\n```\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unlabelled.md");
    std::fs::write(&path, unlabelled).unwrap();
    let r = lint_json(&[path.to_str().unwrap()]);
    let m = messages(&r, "missing-section");
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m[0].contains("steps-to-reproduce") && m[1].contains("`impact`"),
        "{m:?}"
    );
}

#[test]
fn a_path_template_stays_in_the_url() {
    // `/v1.0/users/{id}/authentication/methods` is in scope; cut at `{` it was `/v1.0/users/`,
    // which is not, and the draft failed with `target-out-of-scope`.
    let r = lint_json(&["fixtures/drafts/graph-path-template.md"]);
    assert_eq!(r.code, 0, "{:?}", diags(&r));
    assert!(messages(&r, "target-out-of-scope").is_empty());
    let notes = messages(&r, "asset-note");
    assert!(
        notes[0].contains("/v1.0/users/{id}/authentication/methods")
            && notes[0].contains("graph-identity-sign-in"),
        "{notes:?}"
    );
    assert_eq!(r.json["files"][0]["award"]["table"], "general");
}

#[test]
fn test_naming_names_each_account_and_tenant() {
    let r = lint_json(&["fixtures/drafts/test-naming.md"]);
    assert_eq!(r.code, 0);
    let naming: Vec<_> = diags(&r)
        .into_iter()
        .filter(|x| x.0 == "test-naming")
        .map(|x| x.2)
        .collect();
    // "account name and/or tenant name": bob.msobb@contoso vouches for the tenant `contoso`,
    // not for alice, whose own name and tenant both lack the marker.
    assert_eq!(naming, vec![7, 12, 16, 23, 26]);
    let m = messages(&r, "test-naming");
    assert!(m[0].contains("`alice@contoso.onmicrosoft.com`"));
    assert!(m[1].contains("tenant `fabrikam`"));
    assert!(m[2].contains("`carol@fabrikam.onmicrosoft.com`"));
    assert!(m[3].contains("`dave@example.org`"));
    // Microsoft's own mail domains send invitations and alerts; they hold no researcher's
    // account. An address at another domain on the same line is still one.
    assert!(m[4].contains("`eve@contoso.com`"), "{m:?}");
    assert_eq!(m.len(), 5, "{m:?}");
    assert!(!m.iter().any(|x| x.contains("tenant `contoso`")));
    // bob.msobb@ carries the marker (case-insensitively); the program's contact address
    // (`test_naming.not_accounts`, matched case-insensitively) is not a test account.
    assert!(!m
        .iter()
        .any(|x| x.contains("bob.msobb") || x.to_lowercase().contains("bounty@")));
}

#[test]
fn uncertified_standard() {
    let r = lint_json(&["fixtures/drafts/uncertified-standard.md"]);
    assert_eq!(r.code, 1);
    assert!(diags(&r).contains(&d("uncertified-standard", "error", 6)));
    assert!(messages(&r, "uncertified-standard")[0].contains("IETF"));
}

const SECRETS: &[&str] = &[
    "Sup3rS3cret",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9",
    "0.ARoAv4j5cvGGr0GRqy180BHbR8HfHXnJm3g",
];

#[test]
fn secrets_are_reported_and_never_printed() {
    let r = lint_json(&["fixtures/drafts/secret.md"]);
    assert_eq!(r.code, 1);
    let s: Vec<_> = diags(&r)
        .into_iter()
        .filter(|x| x.0 == "secret")
        .map(|x| x.2)
        .collect();
    assert_eq!(s, vec![13, 17, 18]);
    for format in ["text", "json", "sarif", "github"] {
        let out = cmd()
            .args(["lint", "--format", format, "fixtures/drafts/secret.md"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("[REDACTED]"), "{format}: {stdout}");
        for secret in SECRETS {
            assert!(!stdout.contains(secret), "{format} printed {secret}");
        }
    }
}

#[test]
fn rules_of_engagement() {
    let r = lint_json(&["fixtures/drafts/roe.md"]);
    assert_eq!(r.code, 1);
    let roe: Vec<_> = diags(&r)
        .into_iter()
        .filter(|x| x.0 == "roe")
        .map(|x| x.2)
        .collect();
    assert_eq!(roe, vec![13, 13, 14]);
    let m = messages(&r, "roe");
    assert!(m[0].contains("denial-of-service-testing"));
    assert!(m[1].contains("automated-high-traffic"));
    assert!(m[2].contains("data-not-your-own"));
}

#[test]
fn award_moderate_pays_zero_and_says_so() {
    let r = lint_json(&["fixtures/drafts/award-moderate.md"]);
    assert_eq!(r.code, 0);
    let a = &r.json["files"][0]["award"];
    assert_eq!((a["min"].as_u64(), a["max"].as_u64()), (Some(0), Some(0)));
    assert!(messages(&r, "award")[0].contains("moderate severity pays $0"));
}

#[test]
fn award_range_over_quality_and_estimate() {
    let r = lint_json(&["fixtures/drafts/secret.md"]);
    let a = &r.json["files"][0]["award"];
    assert_eq!(a["quality"], Value::Null);
    assert_eq!(
        (a["min"].as_u64(), a["max"].as_u64()),
        (Some(1500), Some(7500))
    );
    let m = &messages(&r, "award")[0];
    assert!(
        m.contains("estimated medium quality") && m.contains("$3,000"),
        "{m}"
    );
}

#[test]
fn b2c_target_uses_the_b2c_table() {
    let r = lint_json(&["fixtures/drafts/b2c.md"]);
    let a = &r.json["files"][0]["award"];
    assert_eq!(a["table"], "b2c");
    assert_eq!(
        (a["min"].as_u64(), a["max"].as_u64()),
        (Some(10000), Some(10000))
    );
}

#[test]
fn suppressions_with_and_without_reason() {
    let r = lint_json(&["fixtures/drafts/suppressions.md"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        diags(&r),
        vec![
            d("award", "info", 4),
            d("suppression-without-reason", "warning", 12),
            d("unused-suppression", "warning", 12),
            d("suppression-without-reason", "warning", 15),
            d("unused-suppression", "warning", 15),
        ]
    );
    // Without the comment on line 9 the clickjacking on line 10 is reported.
    let text = std::fs::read_to_string(root().join("fixtures/drafts/suppressions.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.md");
    std::fs::write(
        &p,
        text.replace("scopelint-disable-next-line excluded-class", "x"),
    )
    .unwrap();
    let r = lint_json(&[p.to_str().unwrap()]);
    assert!(diags(&r).contains(&d("excluded-class", "warning", 10)));
}

#[test]
fn invalid_front_matter_values() {
    let r = lint_json(&["fixtures/drafts/invalid-front-matter.md"]);
    assert_eq!(r.code, 1);
    let bad: Vec<_> = diags(&r)
        .into_iter()
        .filter(|x| x.0 == "invalid-front-matter")
        .map(|x| x.2)
        .collect();
    assert_eq!(bad, vec![4, 6, 7]);
}

#[test]
fn directory_respects_gitignore_and_is_sorted() {
    let r = lint_json(&["fixtures/drafts"]);
    assert_eq!(r.code, 1);
    let paths: Vec<_> = r.json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("fixtures/drafts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            format!(
                "fixtures/drafts/{}",
                p.file_name().unwrap().to_str().unwrap()
            )
        })
        .collect();
    on_disk.sort();
    assert_eq!(paths, on_disk);

    // .gitignore is respected even outside a git repository; only *.md files are taken.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root().join("fixtures/drafts/good.md")).unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::fs::create_dir_all(dir.path().join("ignored")).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(dir.path().join("b.md"), &good).unwrap();
    std::fs::write(dir.path().join("sub/a.md"), &good).unwrap();
    std::fs::write(dir.path().join("ignored/c.md"), "# nothing\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "# nothing\n").unwrap();
    let out = cmd()
        .current_dir(dir.path())
        .args(["lint", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<_> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["b.md", "sub/a.md"]);
}

#[test]
fn stdin_with_filename() {
    let text = std::fs::read_to_string(root().join("fixtures/drafts/excluded-class.md")).unwrap();
    let out = cmd()
        .args([
            "lint",
            "--format",
            "json",
            "--stdin-filename",
            "reports/x.md",
            "-",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["path"], "reports/x.md");
    assert_eq!(v["files"][0]["diagnostics"][0]["rule"], "excluded-class");
}

#[test]
fn text_format_line_and_snippet() {
    let out = cmd()
        .args(["lint", "fixtures/drafts/excluded-class.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = s.lines().collect();
    assert!(
        lines[0].starts_with("fixtures/drafts/excluded-class.md:2:8: error[excluded-class] "),
        "{s}"
    );
    assert_eq!(
        lines[1],
        " 2 | title: Missing X-Frame-Options on account.live.com"
    );
    assert_eq!(lines[2], "   |        ^");
    assert_eq!(
        *lines.last().unwrap(),
        "3 errors, 2 warnings, 1 note in 1 file"
    );
}

#[test]
fn github_annotations() {
    let out = cmd()
        .args([
            "lint",
            "--format",
            "github",
            "fixtures/drafts/excluded-class.md",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    let first = s.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=fixtures/drafts/excluded-class.md,line=2,col=8,title=scopelint excluded-class::"),
        "{first}"
    );
    assert!(s
        .lines()
        .any(|l| l.starts_with("::notice file=fixtures/drafts/excluded-class.md,line=4,")));
    assert!(s
        .lines()
        .any(|l| l.starts_with("::warning file=fixtures/drafts/excluded-class.md,line=7,")));
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let out = cmd()
        .args(["lint", "--format", "sarif", "fixtures/drafts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/sarif/sarif-2.1.0-rtm.5.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the schema is really enforced: a result without a message is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["message"] = Value::Null;
    assert!(!validator.is_valid(&broken));

    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in [
        "target-out-of-scope",
        "excluded-class",
        "secret",
        "award",
        "unused-suppression",
    ] {
        assert!(rules.contains(&id), "{id}");
    }
    let results = run["results"].as_array().unwrap();
    let hit = results
        .iter()
        .find(|r| {
            r["ruleId"] == "excluded-class"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "fixtures/drafts/excluded-class.md"
        })
        .expect("excluded-class result");
    assert_eq!(hit["level"], "error");
    assert_eq!(
        hit["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    assert_eq!(
        hit["locations"][0]["physicalLocation"]["region"]["startColumn"],
        8
    );
    let idx = hit["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx], "excluded-class");
}

#[test]
fn explain_rules_and_class_ids() {
    let out = cmd()
        .args(["lint", "--explain", "excluded-class"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("excluded-class (error)"));
    assert!(s.contains("open-redirect"), "lists the program's classes");
    let out = cmd()
        .args(["lint", "--explain", "open-redirect"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("When chained"));
    let out = cmd()
        .args(["lint", "--explain", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        cmd().args(["lint"]).output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        cmd()
            .args(["lint", "no/such/draft.md"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        cmd()
            .args(["lint", "--fail-on", "sometimes", "fixtures/drafts/good.md"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "schema_version: 1\nprogram: {id: x, name: X, revision: '2024-01-01'}\nexcluded_classes:\n  - {id: c, title: C, patterns: ['(']}\n").unwrap();
    let out = cmd()
        .args([
            "--rules",
            bad.to_str().unwrap(),
            "lint",
            "fixtures/drafts/good.md",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// ---- the default program as the page says it (issue: seed fidelity) --------------------------

#[test]
fn outlook_as_a_whole_is_not_authenticator_lite() {
    let r = lint_json(&["fixtures/drafts/outlook-app.md"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        diags(&r),
        vec![d("target-out-of-scope", "error", 3), d("award", "info", 4)]
    );
    let m = &messages(&r, "target-out-of-scope")[0];
    assert!(
        m.contains("[app-feature-required]")
            && m.contains("android:com.microsoft.office.outlook#authenticator-lite"),
        "{m}"
    );
    // No in-scope target: $0 with the reason, not the $100,000 cell.
    let a = &r.json["files"][0]["award"];
    assert_eq!((a["min"].as_u64(), a["max"].as_u64()), (Some(0), Some(0)));
    assert_eq!(a["table"], Value::Null);
    assert_eq!(a["ineligible"], "no target of the draft is in scope");
}

#[test]
fn a_declared_feature_is_in_scope_and_its_note_is_shown() {
    let r = lint_json(&["fixtures/drafts/authenticator-lite.md"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        diags(&r),
        vec![d("asset-note", "info", 3), d("award", "info", 4)]
    );
    let m = &messages(&r, "asset-note")[0];
    assert!(
        m.contains("relies on asset `authenticator-lite`")
            && m.contains("Only the Authenticator Lite feature"),
        "{m}"
    );
    assert_eq!(r.json["files"][0]["award"]["max"], 10000);
}

#[test]
fn targets_on_different_tables_get_an_award_each() {
    let r = lint_json(&["fixtures/drafts/two-tables.md"]);
    assert_eq!(r.code, 0);
    let m = messages(&r, "award");
    assert_eq!(m.len(), 3, "{m:?}");
    assert!(m[0].contains("sit on different award tables"), "{}", m[0]);
    assert!(
        m[1].contains("general table") && m[1].contains("$20,000"),
        "{}",
        m[1]
    );
    assert!(
        m[2].contains("b2c table") && m[2].contains("$10,000"),
        "{}",
        m[2]
    );
    let f = &r.json["files"][0];
    let tables: Vec<(&str, u64)> = f["awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["table"].as_str().unwrap(), a["max"].as_u64().unwrap()))
        .collect();
    assert_eq!(tables, vec![("general", 20000), ("b2c", 10000)]);
    // `award` never overstates: the table that pays least.
    assert_eq!(f["award"]["table"], "b2c");
}

#[test]
fn a_visible_b2c_policy_on_the_legacy_host_pays_from_the_b2c_table() {
    let r = lint_json(&["fixtures/drafts/legacy-b2c.md"]);
    let a = &r.json["files"][0]["award"];
    assert_eq!(a["table"], "b2c");
    assert_eq!(a["max"], 10000);
    assert!(messages(&r, "asset-note")[0].contains("b2c-legacy-policy-path"));
}

#[test]
fn ineligible_findings_get_zero_with_the_reason() {
    // An excluded class.
    let r = lint_json(&["fixtures/drafts/excluded-class.md"]);
    let a = &r.json["files"][0]["award"];
    assert_eq!((a["min"].as_u64(), a["max"].as_u64()), (Some(0), Some(0)));
    assert!(a["ineligible"]
        .as_str()
        .unwrap()
        .contains("class the program excludes"));
    assert!(messages(&r, "award")[0].contains("$0, ineligible"));
    // An uncertified standard.
    let r = lint_json(&["fixtures/drafts/uncertified-standard.md"]);
    let a = &r.json["files"][0]["award"];
    assert_eq!(a["max"], 0);
    assert!(a["ineligible"]
        .as_str()
        .unwrap()
        .contains("standards finding"));
    // A pasted secret is fixable: the award stays.
    let r = lint_json(&["fixtures/drafts/secret.md"]);
    let a = &r.json["files"][0]["award"];
    assert_eq!(a["max"], 7500);
    assert_eq!(a.get("ineligible"), None);
}

#[test]
fn a_suppressed_excluded_class_keeps_the_award() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.md");
    let text = std::fs::read_to_string(root().join("fixtures/drafts/excluded-class.md")).unwrap();
    let text = format!("{text}\n<!-- scopelint-disable excluded-class: the header is only the entry point of a chain shown below -->\n");
    std::fs::write(&p, text).unwrap();
    let r = lint_json(&[p.to_str().unwrap()]);
    let a = &r.json["files"][0]["award"];
    assert_eq!(a["max"], 10000, "{a}");
    assert_eq!(a.get("ineligible"), None);
}

#[test]
fn requiring_network_access_is_an_excluded_class() {
    let r = lint_json(&["fixtures/drafts/network-access.md"]);
    assert_eq!(r.code, 1);
    let m = &messages(&r, "excluded-class")[0];
    assert!(m.contains("`requires-network-access`"), "{m}");
}

#[test]
fn standards_finding_in_a_non_certified_implementation_warns() {
    let r = lint_json(&["fixtures/drafts/non-certified-implementation.md"]);
    assert_eq!(r.code, 0);
    let w: Vec<_> = diags(&r)
        .into_iter()
        .filter(|x| x.0 == "uncertified-standard")
        .collect();
    assert_eq!(w, vec![d("uncertified-standard", "warning", 4)]);
    let m = &messages(&r, "uncertified-standard")[0];
    assert!(
        m.contains("asset `login-live-com`") && m.contains("non-certified"),
        "{m}"
    );
    // The same specification against Azure AD's certified OpenID provider is clean.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.md");
    let text =
        std::fs::read_to_string(root().join("fixtures/drafts/non-certified-implementation.md"))
            .unwrap()
            .replace(
                "https://login.live.com/oauth20_authorize.srf",
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            );
    std::fs::write(&p, text).unwrap();
    let r = lint_json(&[p.to_str().unwrap()]);
    assert!(messages(&r, "uncertified-standard").is_empty());
}

#[test]
fn a_marked_account_satisfies_its_unmarked_tenant() {
    let r = lint_json(&["fixtures/drafts/marked-account-unmarked-tenant.md"]);
    assert!(messages(&r, "test-naming").is_empty(), "{:?}", diags(&r));
}

#[test]
fn a_discovery_url_in_the_steps_does_not_certify_a_pkce_finding() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.md");
    std::fs::write(
        &p,
        "---\ntargets: [login.microsoftonline.com]\nimpact: standards-implementation\nseverity: important\n---\n# Summary\n\nThe PKCE verifier is not checked.\n\n## Steps to reproduce\n\n1. Fetch https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration with response_mode=form_post.\n2. Redeem the code without the verifier.\n\n## Impact\n\nCode injection.\n",
    )
    .unwrap();
    let r = lint_json(&[p.to_str().unwrap()]);
    let m = messages(&r, "uncertified-standard");
    assert_eq!(m.len(), 1, "{:?}", diags(&r));
    assert!(m[0].contains("PKCE"), "{}", m[0]);
}

/// The engine is generic: a second, fictional program (fixtures/programs/acme-cloud.yaml) makes
/// every lint rule fire on its drafts, with facts from its own rules file alone.
#[test]
fn a_second_program_exercises_every_lint_rule() {
    let r = lint_json(&[
        "--rules",
        "fixtures/programs/acme-cloud.yaml",
        "fixtures/programs/acme-drafts/",
    ]);
    assert_eq!(r.code, 1);
    let mut seen: Vec<String> = r.json["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap().iter())
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    seen.dedup();
    // The audit-log rules need `--audit-log` (tests/lint_audit.rs).
    let mut all: Vec<String> = scopelint::lint::rule_info::RULES
        .iter()
        .filter(|r| !scopelint::lint::AUDIT_LOG_RULES.contains(&r.id))
        .map(|r| r.id.to_string())
        .collect();
    all.sort();
    assert_eq!(seen, all);
    // The program's own facts, not the default program's: its marker, cookie and currency.
    let text = r.json.to_string();
    assert!(text.contains("`ACMEBB`") && text.contains("session cookie") && text.contains("EUR"));
    assert!(!text.contains("MSOBB"));
}

// ---- what a new user hit (issue 17) -----------------------------------------------------------

#[test]
fn no_drafts_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = cmd().args(["lint", d]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no drafts found"));
    let out = cmd().args(["lint", "--allow-empty", d]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_draft_that_is_not_utf8_is_a_finding_and_the_others_are_still_reported() {
    let out = cmd()
        .args(["lint", "--format", "sarif"])
        .args([
            "fixtures/bad-input/not-utf8.draft",
            "fixtures/drafts/excluded-class.md",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|x| x["ruleId"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"unreadable-draft"), "{rules:?}");
    assert!(rules.contains(&"excluded-class"), "{rules:?}");
}

#[test]
fn rules_can_be_disabled_and_enabled_on_the_command_line() {
    let r = lint_json(&["--disable", "award", "fixtures/drafts/good.md"]);
    assert!(diags(&r).is_empty(), "{:?}", diags(&r));
    let out = cmd()
        .args([
            "lint",
            "--disable",
            "no-such-rule",
            "fixtures/drafts/good.md",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // --enable wins over a disable from the configuration file.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("scopelint.yaml");
    std::fs::write(&cfg, "lint:\n  disable: [award]\n").unwrap();
    let out = Command::cargo_bin("scopelint")
        .unwrap()
        .env_remove("SCOPELINT_RULES")
        .current_dir(root())
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "lint",
            "--format",
            "json",
        ])
        .args(["--enable", "award", "fixtures/drafts/good.md"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["diagnostics"][0]["rule"], "award");
}

/// Issue 17: SARIF URIs are relative to the repository root (what code scanning resolves
/// `%SRCROOT%` against), wherever scopelint runs in the checkout.
#[test]
fn sarif_uris_are_relative_to_the_repository_root() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let reports = repo.path().join("team/reports");
    std::fs::create_dir_all(&reports).unwrap();
    let draft = std::fs::read_to_string(root().join("fixtures/drafts/good.md")).unwrap();
    std::fs::write(reports.join("a.md"), &draft).unwrap();
    std::fs::write(repo.path().join("team/b.md"), &draft).unwrap();
    let out = Command::cargo_bin("scopelint")
        .unwrap()
        .current_dir(&reports)
        .env_remove("SCOPELINT_RULES")
        .args(["--isolated", "lint", "--format", "sarif", "a.md", "../b.md"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["location"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["team/reports/a.md", "team/b.md"]);
}
