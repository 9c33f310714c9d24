//! Subprocess tests of project configuration (`scopelint.yaml`), `config show`, completions,
//! the man page, `--version` and help.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scopelint` run in `dir`, with no environment variable that could change its settings.
fn scopelint(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("scopelint").unwrap();
    cmd.current_dir(dir)
        .env_remove("SCOPELINT_RULES")
        .env_remove("NO_COLOR");
    cmd
}

/// A project: `scopelint.yaml` with `config` at the root, a subdirectory `a/b`, and the test
/// rules files under `rules/`.
fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    for f in ["example-program.yaml", "probe-program.yaml"] {
        std::fs::copy(
            repo().join("fixtures/rules").join(f),
            dir.path().join("rules").join(f),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("scopelint.yaml"), config).unwrap();
    dir
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `program` field of `check --format jsonl` for one target.
fn program_for(cmd: &mut Command, target: &str) -> String {
    let out = cmd
        .args(["check", "--format", "jsonl", target])
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("{e}: {line} {}", String::from_utf8_lossy(&out.stderr)));
    v["program"].as_str().unwrap().to_string()
}

/// The `config show` line for `key`.
fn show_line(cmd: &mut Command, key: &str) -> String {
    let text = stdout_of(cmd.args(["config", "show"]));
    text.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no `{key}` in:\n{text}"))
        .to_string()
}

#[test]
fn config_is_discovered_from_a_subdirectory() {
    let dir = project("check:\n  format: jsonl\n");
    let sub = dir.path().join("a/b");
    scopelint(&sub)
        .args(["check", "login.live.com"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "{\"target\":\"login.live.com\"",
        ));
    // The hidden name is found too.
    std::fs::rename(
        dir.path().join("scopelint.yaml"),
        dir.path().join(".scopelint.yaml"),
    )
    .unwrap();
    scopelint(&sub)
        .args(["check", "login.live.com"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("{"));
    // Without it, the default text format.
    std::fs::remove_file(dir.path().join(".scopelint.yaml")).unwrap();
    scopelint(&sub)
        .args(["check", "login.live.com"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("in-scope"));
}

#[test]
fn rules_in_the_config_are_relative_to_its_directory() {
    let dir = project("rules: [rules/example-program.yaml]\n");
    let sub = dir.path().join("a/b");
    assert_eq!(
        program_for(&mut scopelint(&sub), "www.example.com"),
        "example"
    );
}

#[test]
fn rules_precedence_is_flag_then_env_then_config_then_default() {
    let dir = project("rules: [rules/example-program.yaml]\n");
    let sub = dir.path().join("a/b");
    let probe_rules = dir.path().join("rules/probe-program.yaml");
    let example_rules = dir.path().join("rules/example-program.yaml");

    // default
    assert_eq!(
        program_for(scopelint(&sub).arg("--isolated"), "login.live.com"),
        "microsoft-identity"
    );
    // config over default
    assert_eq!(
        program_for(&mut scopelint(&sub), "x.example.net"),
        "example"
    );
    // env over config
    assert_eq!(
        program_for(
            scopelint(&sub).env("SCOPELINT_RULES", &probe_rules),
            "www.example.net"
        ),
        "probe-test"
    );
    // flag over env
    assert_eq!(
        program_for(
            scopelint(&sub)
                .env("SCOPELINT_RULES", &probe_rules)
                .arg("--rules")
                .arg(&example_rules),
            "www.example.net"
        ),
        "example"
    );

    // And `config show` says where the value came from.
    let cfg = dir.path().join("scopelint.yaml");
    assert_eq!(
        show_line(&mut scopelint(&sub), "rules"),
        format!(
            "rules = [{}]  # {}:1",
            dir.path().join("rules/example-program.yaml").display(),
            cfg.display()
        )
    );
    assert!(show_line(
        scopelint(&sub).env("SCOPELINT_RULES", &probe_rules),
        "rules"
    )
    .ends_with("# env SCOPELINT_RULES"));
    assert!(show_line(
        scopelint(&sub)
            .env("SCOPELINT_RULES", &probe_rules)
            .arg("--rules")
            .arg(&example_rules),
        "rules"
    )
    .ends_with("# flag --rules"));
    assert!(show_line(scopelint(&sub).arg("--isolated"), "rules").ends_with("# default"));
}

#[test]
fn lint_settings_apply_and_flags_win() {
    let dir = project("lint:\n  fail_on: warning\n");
    let draft = repo().join("fixtures/drafts/missing-target.md");
    // The draft has warnings only: exit 0 by default, 1 with the config's `fail_on: warning`.
    scopelint(dir.path())
        .arg("--isolated")
        .arg("lint")
        .arg(&draft)
        .assert()
        .code(0);
    scopelint(dir.path())
        .arg("lint")
        .arg(&draft)
        .assert()
        .code(1);
    scopelint(dir.path())
        .args(["lint", "--fail-on", "error"])
        .arg(&draft)
        .assert()
        .code(0);
    // The config's format applies unless the flag is given.
    std::fs::write(
        dir.path().join("scopelint.yaml"),
        "lint:\n  format: json\n  fail_on: warning\n",
    )
    .unwrap();
    let out = scopelint(dir.path())
        .arg("lint")
        .arg(&draft)
        .output()
        .unwrap();
    // JSON from the config, and its `fail_on: warning` makes the warning fail the run.
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"missing-target"), "{json}");
    scopelint(dir.path())
        .args(["lint", "--format", "text"])
        .arg(&draft)
        .assert()
        .stdout(predicate::str::contains("warning[missing-target]"));
}

#[test]
fn disabled_lint_rules_are_dropped_and_not_counted() {
    let dir = project(
        "lint:\n  fail_on: warning\n  disable:\n    - missing-target\n    - missing-section\n",
    );
    let draft = repo().join("fixtures/drafts/missing-target.md");
    scopelint(dir.path())
        .arg("lint")
        .arg(&draft)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("[missing-target]").not())
        .stdout(predicate::str::contains("[missing-section]").not())
        .stdout(predicate::str::contains("0 errors, 0 warnings"));
    // --isolated brings them back.
    scopelint(dir.path())
        .args(["--isolated", "lint", "--fail-on", "warning"])
        .arg(&draft)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("warning[missing-target]"));
}

#[test]
fn probe_rates_from_the_config_reach_the_proxy() {
    let dir = project("probe:\n  rate: 7/min\n  burst: 3\n");
    let bin = assert_cmd::cargo::cargo_bin("scopelint");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir.path())
        .env_remove("SCOPELINT_RULES")
        .args(["proxy", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut before = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("listening") {
        before.push_str(&line);
        line.clear();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.contains("listening"), "{before}{line}");
    assert!(line.contains("burst 3"), "{line}");
    // Above the program's burst (the embedded rules set 1): a warning, as for --burst.
    assert!(
        before.contains("warning: --burst 3 is more than the program's 1"),
        "{before}"
    );
    assert!(line.contains("7/min") || line.contains("0.116"), "{line}");
}

#[test]
fn isolated_ignores_the_config() {
    let dir = project("check:\n  format: jsonl\n");
    scopelint(dir.path())
        .args(["--isolated", "check", "login.live.com"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("in-scope"));
    // Even a broken config file.
    std::fs::write(dir.path().join("scopelint.yaml"), "nonsense: [\n").unwrap();
    scopelint(dir.path())
        .args(["check", "--isolated", "login.live.com"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("in-scope"));
    scopelint(dir.path())
        .args(["check", "login.live.com"])
        .assert()
        .code(2);
    assert_eq!(
        show_line(scopelint(dir.path()).arg("--isolated"), "config"),
        "config = none  # flag --isolated"
    );
}

#[test]
fn explicit_config_file_is_used_instead_of_discovery() {
    let dir = project("check:\n  format: jsonl\n");
    let other = dir.path().join("a/ci.yaml");
    std::fs::write(
        &other,
        "check:\n  format: json\nrules: [../rules/example-program.yaml]\n",
    )
    .unwrap();
    let out = stdout_of(
        scopelint(dir.path())
            .arg("--config")
            .arg(&other)
            .args(["check", "www.example.com"]),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["program"], "example", "{out}");
    assert_eq!(
        show_line(scopelint(dir.path()).arg("--config").arg(&other), "config"),
        format!("config = {}  # flag --config", other.display())
    );
    // A missing file is an error, not a silent fallback.
    scopelint(dir.path())
        .args(["--config", "nope.yaml", "check", "login.live.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.yaml"));
    // --config and --isolated contradict each other.
    scopelint(dir.path())
        .arg("--config")
        .arg(&other)
        .args(["--isolated", "config", "show"])
        .assert()
        .code(2);
}

#[test]
fn unknown_key_is_an_error_with_its_line() {
    let dir = project("# team settings\nlint:\n  fail_on: warning\n  dissable: [award]\n");
    let cfg = dir.path().join("scopelint.yaml");
    scopelint(&dir.path().join("a/b"))
        .args(["check", "login.live.com"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!("{}:4:", cfg.display())))
        .stderr(predicate::str::contains("dissable"));
}

#[test]
fn bad_values_are_errors_with_their_line() {
    for (text, line, what) in [
        ("check:\n  format: xml\n", 2, "check.format"),
        (
            "lint:\n  disable: [award, nope]\n",
            2,
            "unknown rule `nope`",
        ),
        ("probe:\n  burst: 0\n", 2, "probe.burst"),
        ("color: sometimes\n", 1, "color"),
    ] {
        let dir = project(text);
        let cfg = dir.path().join("scopelint.yaml");
        scopelint(dir.path())
            .args(["config", "show"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{}:{line}:",
                cfg.display()
            )))
            .stderr(predicate::str::contains(what));
    }
}

#[test]
fn config_show_lists_every_setting_with_its_source() {
    let dir = project(
        "color: never\ncheck:\n  format: jsonl\nlint:\n  disable: [award]\nprobe:\n  rate: 2/s\n",
    );
    let cfg = dir.path().join("scopelint.yaml").display().to_string();
    let text = stdout_of(scopelint(&dir.path().join("a")).args(["config", "show"]));
    let expected = [
        format!("config = {cfg}  # discovered"),
        "psl = vendored  # default".to_string(),
        format!("color = never  # {cfg}:1"),
        format!("check.format = jsonl  # {cfg}:3"),
        "lint.format = text  # default".to_string(),
        "lint.fail_on = error  # default".to_string(),
        format!("lint.disable = [award]  # {cfg}:5"),
        format!("probe.rate = 2/s  # {cfg}:7"),
        "probe.format = text  # default".to_string(),
    ];
    for line in &expected {
        assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
    }
    // A global flag wins over the file and says so.
    assert_eq!(
        show_line(scopelint(dir.path()).args(["--color", "always"]), "color"),
        "color = always  # flag --color"
    );
    assert_eq!(
        show_line(&mut scopelint(dir.path()), "color"),
        format!("color = never  # {cfg}:1")
    );
}

#[test]
fn completions_are_generated_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef scopelint"),
        ("fish", "complete -c scopelint"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = stdout_of(scopelint(dir.path()).args(["completions", shell]));
        assert!(out.contains(marker), "{shell}: no `{marker}`");
        // Subcommands and their flags are in the script.
        assert!(out.contains("check") && out.contains("fail-on"), "{shell}");
    }
    scopelint(dir.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn completions_and_man_ignore_a_broken_config() {
    let dir = project("nonsense: [\n");
    scopelint(dir.path())
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("_scopelint()"));
    scopelint(dir.path())
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH scopelint 1"));
}

#[test]
fn man_page_is_roff() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(scopelint(dir.path()).arg("man"));
    assert!(
        out.contains(".TH scopelint 1"),
        "{}",
        &out[..out.len().min(300)]
    );
    assert!(out.contains(".SH SYNOPSIS") && out.contains("scopelint\\-check"));
}

/// `key: value` of the first line starting with `prefix` in a repository file.
fn field(path: &str, prefix: &str) -> String {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in {path}"))
        .trim()
        .trim_matches('"')
        .to_string()
}

#[test]
fn version_names_the_program_revision_and_psl_date() {
    let revision = field("scope-rules/microsoft-identity.yaml", "  revision:");
    let psl = field("data/public_suffix_list.dat", "// VERSION:");
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(scopelint(dir.path()).arg("--version"));
    assert!(
        out.starts_with(concat!("scopelint ", env!("CARGO_PKG_VERSION"), "\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!("microsoft-identity (revision {revision})")),
        "{out}"
    );
    assert!(out.contains(&format!("public suffix list: {psl}")), "{out}");
}

#[test]
fn misspellings_get_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    scopelint(dir.path())
        .args(["chek", "login.live.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "similar subcommand exists: 'check'",
        ));
    scopelint(dir.path())
        .args(["check", "--fromat", "json", "login.live.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "similar argument exists: '--format'",
        ));
    scopelint(dir.path())
        .args(["config", "shwo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'show'"));
}

/// Subcommand names listed under `Commands:` in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_subcommand_help_has_examples() {
    let dir = tempfile::tempdir().unwrap();
    let top = stdout_of(scopelint(dir.path()).arg("--help"));
    let mut queue: Vec<Vec<String>> = subcommands(&top).into_iter().map(|c| vec![c]).collect();
    assert!(queue.len() >= 8, "{top}");
    let mut seen = 0;
    while let Some(path) = queue.pop() {
        let help = stdout_of(scopelint(dir.path()).args(&path).arg("--help"));
        seen += 1;
        let children = subcommands(&help);
        if children.is_empty() {
            let examples = help
                .lines()
                .skip_while(|l| !l.starts_with("Example"))
                .skip(1)
                .filter(|l| l.trim_start().starts_with("scopelint ") || l.contains("| scopelint"))
                .count();
            assert!(
                examples >= 1 && help.contains("Example"),
                "`scopelint {}` --help has no examples:\n{help}",
                path.join(" ")
            );
        }
        for c in children {
            let mut p = path.clone();
            p.push(c);
            queue.push(p);
        }
    }
    assert!(seen >= 14, "only {seen} help pages");
}
