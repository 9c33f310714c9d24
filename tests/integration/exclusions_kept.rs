//! Inputs a second reader found to widen the scope: each test's comment names what it widened.
//! Every one is answered out of scope, invalid or refused, never in scope.

use crate::common::{scopelint, stdout, text};

/// `scopelint --rules ARGS check TARGETS...`: (exit code, stdout, stderr).
fn check(rules: &[&str], targets: &[&str]) -> (Option<i32>, String, String) {
    let mut c = scopelint();
    for r in rules {
        c.args(["--rules", r]);
    }
    let o = c.arg("check").args(targets).output().unwrap();
    (o.status.code(), stdout(&o), text(&o.stderr))
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
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("out-of-scope admin.example.com  [!admin.example.com]"),
            "{rules}: {out}"
        );
        assert!(
            lines[1].starts_with("in-scope     www.example.com"),
            "{rules}: {out}"
        );
    }
    let (_, out, _) = check(&[&alone], &["admin.example.com"]);
    assert!(
        out.starts_with("out-of-scope admin.example.com  [!admin.example.com]"),
        "{out}"
    );

    write("lone/a.txt", "*.example.com\n");
    write("lone/b.noscope", "admin.example.com\n");
    let lone = dir.path().join("lone").display().to_string();
    let (code, out, err) = check(&[&lone], &["admin.example.com"]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("b.noscope:1:1: a .noscope file is read with the .inscope list of the same name, and there is none"), "{err}");
}
