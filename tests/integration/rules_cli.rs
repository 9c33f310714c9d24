//! `scopelint rules ...` as a subprocess: exact messages, lines, columns and exit codes.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn scopelint() -> Command {
    let mut c = crate::common::scopelint();
    c.env("NO_COLOR", "1");
    c
}

/// `rules validate --format json FILE`: (exit code, problems).
fn validate_json(file: &str) -> (i32, Vec<Value>) {
    let out = scopelint()
        .args(["rules", "validate", "--format", "json", file])
        .output()
        .unwrap();
    let problems: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (
        out.status.code().unwrap(),
        problems.as_array().unwrap().clone(),
    )
}

/// One problem as (severity, line, column, message, help).
type Expect<'a> = (&'a str, u64, u64, &'a str, Option<&'a str>);

fn assert_problems(name: &str, code: i32, expected: &[Expect]) {
    let file = format!("fixtures/rules/broken/{name}.yaml");
    let (got_code, problems) = validate_json(&file);
    let got: Vec<(String, u64, u64, String, Option<String>)> = problems
        .iter()
        .map(|p| {
            assert_eq!(p["file"], file.as_str());
            (
                p["severity"].as_str().unwrap().to_string(),
                p["line"].as_u64().unwrap(),
                p["column"].as_u64().unwrap(),
                p["message"].as_str().unwrap().to_string(),
                p["help"].as_str().map(str::to_string),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64, String, Option<String>)> = expected
        .iter()
        .map(|(s, l, c, m, h)| (s.to_string(), *l, *c, m.to_string(), h.map(str::to_string)))
        .collect();
    assert_eq!(got, want, "{file}");
    assert_eq!(got_code, code, "{file}: exit code");
}

#[test]
fn unknown_key_has_location_and_suggestion() {
    assert_problems(
        "unknown-key",
        2,
        &[(
            "error",
            9,
            5,
            "unknown field `hostz`, expected one of id, title, hosts, include_apex, cidrs, apps, paths, ports, award_table, note",
            Some("did you mean `hosts`?"),
        )],
    );
}

#[test]
fn unknown_key_text_has_snippet_caret_and_help() {
    let out = scopelint()
        .args([
            "rules",
            "validate",
            "fixtures/rules/broken/unknown-key.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "  --> fixtures/rules/broken/unknown-key.yaml:9:5\n   |\n 9 |     hostz: [www.example.com]\n   |     ^\n   = help: did you mean `hosts`?\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("fixtures/rules/broken/unknown-key.yaml: 1 error, 0 warnings\n"),
        "{text}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err, "scopelint: rules validate: 1 error in 1 file\n");
}

#[test]
fn bad_regex() {
    assert_problems(
        "bad-regex",
        2,
        &[(
            "error",
            13,
            16,
            "invalid regex in patterns: error: unclosed group",
            None,
        )],
    );
}

/// Issue 14: `rules validate` refuses what the runtime refuses: a regex that parses but
/// compiles over the size limit, and `probe:` pacing that `probe` and `proxy` reject.
#[test]
fn regex_over_the_size_limit() {
    assert_problems(
        "regex-too-big",
        2,
        &[(
            "error",
            13,
            16,
            "invalid regex in patterns: Compiled regex exceeds size limit of 10485760 bytes.",
            None,
        )],
    );
}

#[test]
fn probe_rates_the_runtime_refuses() {
    assert_problems(
        "probe-rate-tiny",
        2,
        &[(
            "error",
            28,
            3,
            "probe.rate: rate `1e-20/s` is below one request a day",
            None,
        )],
    );
    assert_problems(
        "probe-rate-word",
        2,
        &[(
            "error",
            28,
            3,
            "probe.rate: rate `fast`: expected COUNT/UNIT, e.g. `4/s`, `100/min`, `0.5/s`",
            None,
        )],
    );
}

#[test]
fn bad_cidr() {
    assert_problems(
        "bad-cidr",
        2,
        &[(
            "error",
            9,
            27,
            "`198.51.100.0/33` is not a CIDR range or IP address",
            None,
        )],
    );
}

/// An IPv6 range that holds the IPv4-mapped block matches no IPv4 target: a warning, at the
/// range (not for a mapped range, which is read as IPv4, nor for one inside `::/96`).
#[test]
fn ipv6_range_over_the_mapped_block() {
    assert_problems(
        "ipv6-range-over-mapped-block",
        0,
        &[(
            "warning",
            13,
            13,
            "IPv6 range `::/0` holds the IPv4-mapped block `::ffff:0:0/96`, but IPv4 targets (and IPv4-mapped ones, read as IPv4) are never matched by an IPv6 range",
            Some("to cover IPv4 addresses as well, list the IPv4 range too (`0.0.0.0/0` for every address)"),
        )],
    );
}

#[test]
fn wildcard_on_public_suffix() {
    assert_problems(
        "wildcard-public-suffix",
        2,
        &[(
            "error",
            9,
            13,
            "`*.co.uk` covers a public suffix: names under `co.uk` belong to many unrelated owners",
            None,
        )],
    );
}

#[test]
fn wildcard_on_customer_suffix() {
    assert_problems(
        "wildcard-customer-suffix",
        2,
        &[(
            "error",
            9,
            13,
            "`*.azurewebsites.net` covers a public suffix: `azurewebsites.net` is customer-owned, names under it belong to the platform's customers, not the program",
            None,
        )],
    );
}

#[test]
fn duplicate_id() {
    assert_problems(
        "duplicate-id",
        2,
        &[(
            "error",
            10,
            5,
            "duplicate id `www` (first defined at line 8)",
            None,
        )],
    );
}

#[test]
fn not_normalized_hosts_are_warnings() {
    assert_problems(
        "not-normalized-host",
        0,
        &[
            (
                "warning",
                9,
                13,
                "host pattern `WWW.Example.com.` is not normalized: it has uppercase letters, a trailing dot",
                Some("write `www.example.com`"),
            ),
            (
                "warning",
                9,
                31,
                "host pattern `www.bücher.example` is not normalized: it has Unicode where the punycode form is meant",
                Some("write `www.xn--bcher-kva.example`"),
            ),
        ],
    );
}

#[test]
fn fail_on_warning_exits_1() {
    scopelint()
        .args([
            "rules",
            "validate",
            "--fail-on",
            "warning",
            "fixtures/rules/broken/not-normalized-host.yaml",
        ])
        .assert()
        .code(1);
}

#[test]
fn shadowed_asset_is_a_warning() {
    assert_problems(
        "shadowed-asset",
        0,
        &[(
            "warning",
            10,
            5,
            "asset `www-again` is wholly shadowed by asset `www`: it never decides a verdict",
            Some("remove it or merge it into the other asset"),
        )],
    );
}

#[test]
fn cancelled_asset_is_an_error() {
    assert_problems(
        "cancelled-asset",
        2,
        &[(
            "error",
            10,
            5,
            "asset `staging` is wholly cancelled by exclusion `no-staging`: nothing it lists can be in scope",
            Some("remove the asset, or narrow the exclusion"),
        )],
    );
}

#[test]
fn exclusion_that_never_matches_is_a_warning() {
    assert_problems(
        "exclusion-never-matches",
        0,
        &[(
            "warning",
            11,
            5,
            "exclusion `old-blog` never matches anything an asset includes",
            Some("it changes no verdict, only the reason given for targets that are out of scope anyway"),
        )],
    );
}

#[test]
fn missing_award_cell() {
    assert_problems(
        "missing-award-cell",
        2,
        &[(
            "error",
            19,
            11,
            "award table `main`, impact `xss`: no amount for severity `important` and quality `low`",
            None,
        )],
    );
}

#[test]
fn undefined_reference() {
    assert_problems(
        "undefined-reference",
        2,
        &[(
            "error",
            8,
            5,
            "asset `www` names award table `main`, which `awards.tables` does not define",
            None,
        )],
    );
}

#[test]
fn bad_yaml_syntax() {
    assert_problems(
        "bad-yaml-syntax",
        2,
        &[("error", 10, 7, "illegal placement of ':' indicator", None)],
    );
}

#[test]
fn wrong_type() {
    assert_problems(
        "wrong-type",
        2,
        &[(
            "error",
            7,
            23,
            "invalid u16",
            Some("expected a whole number from 0 to 65535"),
        )],
    );
}

#[test]
fn empty_file() {
    assert_problems(
        "empty",
        2,
        &[("error", 1, 1, "the rules file is empty", None)],
    );
}

#[test]
fn duplicate_key() {
    assert_problems(
        "duplicate-key",
        2,
        &[(
            "error",
            10,
            5,
            "duplicate key `hosts` (a key may appear once per mapping)",
            None,
        )],
    );
}

/// Words `lint` reads are checked when the rules load: a misspelt severity or `applies_to` would
/// otherwise silently change what `lint` reports.
#[test]
fn misspelt_lint_words_are_errors_at_the_value() {
    assert_problems(
        "misspelt-lint-words",
        2,
        &[
            (
                "error",
                13,
                15,
                "excluded class `dos`: severity `eror` is not `error`, `warning` or `info`",
                None,
            ),
            (
                "error",
                18,
                15,
                "report section `steps`: severity `warnign` is not `error`, `warning` or `info`",
                None,
            ),
            (
                "error",
                22,
                16,
                "`test_naming.applies_to`: `acounts` is not `accounts` or `tenants`",
                None,
            ),
            (
                "error",
                26,
                7,
                "`example.com` in `not_accounts`: write an address (`security@example.com`), or `*@example.com` for every address at a domain",
                None,
            ),
            // `lint` never finds a single-label domain in a draft: the entry could never apply.
            (
                "error",
                27,
                7,
                "`admin@localhost` in `not_accounts`: write an address (`security@example.com`), or `*@example.com` for every address at a domain",
                None,
            ),
        ],
    );
}

#[test]
fn every_broken_fixture_is_tested() {
    let src = std::fs::read_to_string("tests/integration/rules_cli.rs").unwrap();
    for entry in std::fs::read_dir("fixtures/rules/broken").unwrap() {
        let name = entry.unwrap().path();
        let stem = name.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            src.contains(&format!("\"{stem}\"")),
            "no test for fixtures/rules/broken/{stem}.yaml"
        );
        let (_, problems) = validate_json(name.to_str().unwrap());
        assert!(!problems.is_empty(), "{stem}: no problem reported");
    }
}

#[test]
fn validate_lists_every_semantic_problem_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.yaml");
    std::fs::write(
        &path,
        "schema_version: 1\nprogram:\n  id: many\n  name: Many\n  revision: \"2026-01-01\"\nassets:\n  - id: a\n    cidrs: [10.0.0.0/99]\n  - id: a\n    hosts: [\"*.com\"]\n    include_apex: false\nrules_of_engagement:\n  - id: r\n    text: no\n    patterns: ['(']\n",
    )
    .unwrap();
    let (code, problems) = validate_json(path.to_str().unwrap());
    assert_eq!(code, 2);
    let got: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (8, "`10.0.0.0/99` is not a CIDR range or IP address"),
            (9, "duplicate id `a` (first defined at line 7)"),
            (
                10,
                "`*.com` covers a public suffix: names under `com` belong to many unrelated owners"
            ),
            (15, "invalid regex in patterns: error: unclosed group"),
        ]
    );
}

#[test]
fn default_rules_validate_without_errors() {
    let (code, problems) = validate_json("scope-rules/microsoft-identity.yaml");
    assert_eq!(code, 0, "{problems:#?}");
    assert!(
        problems.iter().all(|p| p["severity"] == "warning"),
        "{problems:#?}"
    );
}

#[test]
fn default_rules_start_with_the_schema_line() {
    let text = std::fs::read_to_string("scope-rules/microsoft-identity.yaml").unwrap();
    assert_eq!(
        text.lines().next(),
        Some("# yaml-language-server: $schema=../schema/scope-rules.schema.json")
    );
}

#[test]
fn committed_schema_matches_the_model() {
    let generated = scopelint::rules::schema::schema_json();
    let committed =
        std::fs::read_to_string(scopelint::rules::schema::SCHEMA_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date: run `cargo run -- rules schema > {}`",
        scopelint::rules::schema::SCHEMA_PATH,
        scopelint::rules::schema::SCHEMA_PATH
    );
    let out = scopelint().args(["rules", "schema"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), generated);
    let schema: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    let required = schema["required"].as_array().unwrap();
    assert!(
        required.contains(&Value::from("schema_version"))
            && required.contains(&Value::from("program"))
    );
    assert!(schema["definitions"]["AssetDef"]["properties"]["hosts"]["items"]["type"] == "string");
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

const SMALL: &str = "schema_version: 1
program:
  id: small
  name: Small
  revision: \"2026-01-01\"
assets:
  - id: www
    hosts: [www.example.com]
  - id: api
    hosts: [api.example.com]
exclusions:
  - id: staging
    hosts: [staging.example.com]
    reason: Staging is not part of the program.
examples:
  - {target: www.example.com, verdict: in-scope, asset: www}
  - {target: staging.example.com, verdict: in-scope, asset: www}
";

#[test]
fn rules_test_reports_failures_and_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "small.yaml", SMALL);
    let out = scopelint().args(["rules", "test", &f]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!(
        "FAIL {f}:17: staging.example.com
    expected verdict `in-scope`, got `out-of-scope`
    expected asset `www`, got none
    actual: out-of-scope by `staging`: Staging is not part of the program.
{f}: 2 examples, 1 passed, 1 failed
coverage: 2 without an example:
    asset `api` ({f}:9)
    exclusion `staging` ({f}:12)
"
    );
    assert_eq!(text, expected);
}

#[test]
fn rules_test_passes_and_fail_uncovered_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = SMALL.replace(
        "{target: staging.example.com, verdict: in-scope, asset: www}",
        "{target: staging.example.com, verdict: out-of-scope, rule: staging}",
    );
    let f = write(dir.path(), "small.yaml", &fixed);
    scopelint().args(["rules", "test", &f]).assert().code(0);
    scopelint()
        .args(["rules", "test", "--fail-uncovered", &f])
        .assert()
        .code(1);
    let out = scopelint()
        .args(["rules", "test", "--format", "json", &f])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["outcomes"][1]["rule"], "staging");
    assert_eq!(v[0]["outcomes"][1]["passed"], true);
    assert_eq!(v[0]["uncovered"][0]["id"], "api");
}

#[test]
fn rules_show_prints_aligned_tables_with_sources() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "small.yaml", SMALL);
    let out = scopelint()
        .args(["--rules", &f, "rules", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected_assets = format!(
        "ASSETS (2)
ID   COVERS           PATHS  PORTS  AWARD TABLE  SOURCE
www  www.example.com  any    any    -            {f}:7
api  api.example.com  any    any    -            {f}:9
"
    );
    assert!(text.contains(&expected_assets), "{text}");
    assert!(text.contains(&format!("staging  staging.example.com  any    excluded  Staging is not part of the program.  {f}:12")), "{text}");
    let out = scopelint()
        .args(["--rules", &f, "rules", "show", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["assets"][1]["id"], "api");
    assert_eq!(v["assets"][1]["line"], 9);
    scopelint()
        .args(["--rules", &f, "rules", "show", "--program", "nope"])
        .assert()
        .code(2)
        .stderr("scopelint: no program `nope` is loaded (loaded: small)\n");
}

#[test]
fn rules_show_default_has_award_tables() {
    let out = scopelint().args(["rules", "show"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "AWARD TABLE general: General awards (USD, scope-rules/microsoft-identity.yaml:"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "IMPACT                    SEVERITY   high    medium  low\neop-mfa-bypass            critical   100000  75000   45000\n"
        ),
        "{text}"
    );
    let lite: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("authenticator-lite "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        lite[..5],
        [
            "authenticator-lite",
            "android:com.microsoft.office.outlook",
            "-",
            "-",
            "general"
        ]
    );
}

#[test]
fn rules_diff_lists_changes_and_verdict_changes() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", SMALL);
    let new_text = SMALL
        .replace("hosts: [api.example.com]", "hosts: [api.example.com, api2.example.com]")
        .replace(
            "  - id: staging\n    hosts: [staging.example.com]\n    reason: Staging is not part of the program.\n",
            "  - id: no-api\n    hosts: [api.example.com]\n    reason: The API is retired.\n",
        );
    let new = write(dir.path(), "new.yaml", &new_text);
    let targets = write(
        dir.path(),
        "targets.txt",
        "www.example.com\napi.example.com\n# comment\napi2.example.com\n",
    );
    let out = scopelint()
        .args(["rules", "diff", &old, &new, "--targets", &targets])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = "~ asset `api`
    hosts: api.example.com -> api.example.com, api2.example.com
- exclusion `staging`
+ exclusion `no-api`

2 targets change verdict
api.example.com
    old: in-scope [api] covered by asset `api` (api)
    new: out-of-scope [no-api] The API is retired. (exclusion `no-api` wins over asset `api`)
api2.example.com
    old: out-of-scope [no-asset] no asset of the Small covers host `api2.example.com`
    new: in-scope [api] covered by asset `api` (api)
";
    assert_eq!(text, expected);
    scopelint()
        .args(["rules", "diff", &old, &old])
        .assert()
        .code(0)
        .stdout("no changes to the rules\n");
}

/// The prose model's keys (issue 16) are checked when the rules load, at their position.
#[test]
fn bad_prose_keys_are_errors() {
    assert_problems(
        "bad-prose-keys",
        2,
        &[
            (
                "error",
                11,
                3,
                "prose concept `dos` must list at least one term, none empty",
                None,
            ),
            (
                "error",
                12,
                5,
                "`prose.negation.window` must be at least 1",
                None,
            ),
            (
                "error",
                20,
                20,
                "excluded class `dos`: a `match` rule must list at least one concept or term, none empty",
                None,
            ),
            (
                "error",
                24,
                13,
                "rule of engagement `traffic`: `volume` needs `min` above 0 and at least one unit",
                None,
            ),
        ],
    );
}

/// `rules validate` reports through the emitters `lint` uses: SARIF that the 2.1.0 schema
/// accepts, and GitHub annotations.
#[test]
fn validate_emits_sarif_and_github_annotations() {
    let out = scopelint()
        .args(["rules", "validate", "--format", "sarif"])
        .args([
            "fixtures/rules/broken/unknown-key.yaml",
            "fixtures/rules/broken/shadowed-asset.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/sarif/sarif-2.1.0-rtm.5.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&sarif));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let got: Vec<(&str, &str, u64)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("rules-error", "error", 9),
            ("rules-warning", "warning", 10)
        ]
    );
    let out = scopelint()
        .args(["rules", "validate", "--format", "github"])
        .arg("fixtures/rules/broken/unknown-key.yaml")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("::error file=fixtures/rules/broken/unknown-key.yaml,line=9,col=5,title=scopelint rules-error::unknown field `hostz`"),
        "{text}"
    );
}

/// Issue 17: `rules show FILE` like `validate`, and `rules diff --targets -` from stdin.
#[test]
fn show_takes_a_file_and_diff_reads_targets_from_stdin() {
    let out = scopelint()
        .args([
            "rules",
            "show",
            "--format",
            "json",
            "fixtures/programs/acme-cloud.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["program"]["id"], "acme-cloud", "{v}");
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.yaml");
    let text = std::fs::read_to_string("fixtures/programs/acme-cloud.yaml")
        .unwrap()
        .replace(
            "hosts: [status.docs.acme-cloud.example]",
            "hosts: [status.docs.acme-cloud.example, en.docs.acme-cloud.example]",
        );
    std::fs::write(&new, text).unwrap();
    let out = scopelint()
        .args([
            "rules",
            "diff",
            "fixtures/programs/acme-cloud.yaml",
            new.to_str().unwrap(),
        ])
        .args(["--targets", "-", "--format", "json"])
        .write_stdin("en.docs.acme-cloud.example\nsso.acme-cloud.example\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed = v["verdict_changes"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{v}");
    assert!(
        changed[0]
            .to_string()
            .contains("en.docs.acme-cloud.example"),
        "{v}"
    );
}

/// Issue 17: a wildcard asset that puts every path of a path-restricted host in scope.
#[test]
fn an_asset_that_widens_path_rules_is_a_warning() {
    assert_problems(
        "widening-asset",
        0,
        &[(
            "warning",
            12,
            5,
            "asset `everything` puts every path on `api.example.com` (asset `api`) in scope, wider than the paths listed there",
            Some("restrict this asset with `paths`, or exclude those hosts from it"),
        )],
    );
}

/// Issue 17: a plain list with several bad lines: validate lists every one, the loader names the
/// first and says how many more there are.
#[test]
fn every_bad_line_of_a_plain_list_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("scope.txt");
    std::fs::write(
        &list,
        "a.example.com\nbad entry here\n*.com\nb.example.com\n",
    )
    .unwrap();
    let out = scopelint()
        .args([
            "rules",
            "validate",
            "--format",
            "json",
            list.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let problems: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3]);
    let out = scopelint()
        .args(["--rules", list.to_str().unwrap(), "check", "a.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":2:1: `bad entry here`") && err.contains("and 1 more bad line"),
        "{err}"
    );
}

/// Issue 17: `rules show` and `rules diff` take plain lists as `--rules` does.
#[test]
fn show_and_diff_take_plain_lists() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1.txt");
    let v2 = dir.path().join("v2.txt");
    std::fs::write(&v1, "*.example.com\n!www.example.com\n").unwrap();
    std::fs::write(&v2, "*.example.com\n!www.example.com\napi.other.com\n").unwrap();
    let out = scopelint()
        .args(["rules", "show", "--format", "json", v1.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let assets = v["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 1, "{v}");
    assert_eq!(v["exclusions"].as_array().unwrap().len(), 1, "{v}");
    let out = scopelint()
        .args(["rules", "diff", v1.to_str().unwrap(), v2.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "+ asset `api.other.com`\n"
    );
    let out = scopelint()
        .args(["rules", "diff", v1.to_str().unwrap(), v1.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// An exclusion's paths match in any case whatever its `case_insensitive` says: `rules show`
/// shows the value in effect (an asset's as written), and `rules diff` sees no change when
/// only an exclusion's flag changed.
#[test]
fn an_exclusions_case_insensitive_is_shown_as_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, flag: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!(
                "schema_version: 1\nprogram: {{id: t, name: T, revision: \"1\"}}\n\
                 assets:\n  - {{id: api, hosts: [api.example.com], paths: {{prefixes: [/v1]}}}}\n\
                 exclusions:\n  - {{id: admin, hosts: [api.example.com], reason: r, \
                 paths: {{prefixes: [/v1/admin]{flag}}}}}\n"
            ),
        )
        .unwrap();
        p.display().to_string()
    };
    let (unset, off) = (
        write("a.yaml", ""),
        write("b.yaml", ", case_insensitive: false"),
    );
    let out = scopelint()
        .args(["rules", "show", "--format", "json", &off])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flag = |kind: &str| json[kind][0]["paths"]["case_insensitive"].clone();
    assert_eq!(flag("exclusions"), serde_json::json!(true), "{json}");
    assert_eq!(flag("assets"), serde_json::json!(false), "{json}");
    scopelint()
        .args(["rules", "diff", &unset, &off])
        .assert()
        .code(0)
        .stdout("no changes to the rules\n");
}
