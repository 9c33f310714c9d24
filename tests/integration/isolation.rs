//! `scopelint run --isolate`: CMD in a network namespace whose only way out is the proxy.
//! What the namespace holds is inspected from inside (`/proc/net`, `ip`), never by sending
//! traffic outward; the only traffic is to servers on the host's 127.0.0.1, pinned with
//! `--resolve`.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{assert_command_pinned, assert_pinned_to_loopback, has, text, Server};

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-program.yaml"
);

/// `scopelint --rules RULES run --isolate OPTIONS -- CMD...`.
fn run_isolated(options: &[String], cmd: &[&str]) -> Output {
    assert_command_pinned(options, cmd);
    Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
        .args(["--isolated", "--rules", RULES, "run", "--isolate"])
        .args(options)
        .arg("--")
        .args(cmd)
        .env_remove("SCOPELINT_RULES")
        .output()
        .unwrap()
}

/// Whether this machine can create the namespaces. Under `CI=true` it must: the test fails
/// with the reason instead of passing without having checked anything.
fn isolation_available() -> bool {
    let out = run_isolated(&[], &["true"]);
    if out.status.success() {
        return true;
    }
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot isolate the command"), "{stderr}");
    assert!(
        std::env::var_os("CI").is_none(),
        "CI cannot create network namespaces, so --isolate is untested: {stderr}"
    );
    eprintln!("skipped: this machine cannot create network namespaces: {stderr}");
    false
}

#[test]
fn inside_the_namespace_there_is_only_loopback_and_no_route() {
    if !isolation_available() {
        return;
    }
    // /proc/net is the reading process's own network namespace (/sys/class/net would show
    // the namespace sysfs was mounted in, i.e. the host's).
    let out = run_isolated(
        &[],
        &[
            "sh",
            "-c",
            "cat /proc/net/dev; echo ROUTES; cat /proc/net/route; echo ROUTES6; cat /proc/net/ipv6_route 2>/dev/null; echo END",
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (dev, rest) = stdout.split_once("ROUTES\n").unwrap();
    let interfaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(interfaces, ["lo"], "{stdout}");
    let (route4, rest) = rest.split_once("ROUTES6\n").unwrap();
    // Only the header line: no IPv4 route at all.
    assert_eq!(route4.lines().count(), 1, "{route4}");
    // IPv6: nothing but loopback's own entries (device `lo`), when IPv6 is there at all.
    for l in rest.trim_end_matches("END\n").lines() {
        assert!(l.split_whitespace().last() == Some("lo"), "{l}");
    }
    assert!(
        text(&out.stderr).contains("in its own network namespace"),
        "{}",
        text(&out.stderr)
    );
    if Command::new("ip").arg("-V").output().is_ok() {
        let out = run_isolated(
            &[],
            &["sh", "-c", "ip -o link; echo ROUTES; ip route; ip -6 route"],
        );
        let stdout = text(&out.stdout);
        let (links, routes) = stdout.split_once("ROUTES\n").unwrap();
        assert_eq!(links.lines().count(), 1, "{stdout}");
        assert!(
            links.starts_with("1: lo:") && links.contains(",UP"),
            "{stdout}"
        );
        assert!(
            routes.lines().all(|l| l.contains("dev lo")),
            "a route besides loopback: {stdout}"
        );
    }
}

#[test]
fn a_direct_connection_never_arrives_while_the_proxied_request_does() {
    if !isolation_available() || !has("curl") {
        return;
    }
    let server = Server::start(|hit, _| {
        let body = format!("served {}", hit.path);
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    });
    let port = server.port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let direct = format!("http://127.0.0.1:{port}/direct");
    let proxied = format!("http://www.example.net:{port}/proxied");
    // Three ways around the proxy (curl told to ignore it, Python's raw socket, Python over
    // IPv6 loopback), then one request that uses it.
    let script = format!(
        "curl -sS --noproxy '*' -m 5 {direct}; echo \"direct=$?\"; \
         python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 3)' 2>/dev/null; echo \"socket=$?\"; \
         python3 -c 'import socket; socket.create_connection((\"::1\", {port}), 3)' 2>/dev/null; echo \"socket6=$?\"; \
         curl -sS -m 5 {proxied}; echo; echo \"proxied=$?\""
    );
    let out = run_isolated(
        &[
            format!("--resolve=www.example.net:{port}:127.0.0.1"),
            format!("--audit-log={}", log.display()),
        ],
        &["sh", "-c", &script],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let paths: Vec<String> = server.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(paths, ["/proxied"], "{stdout}\n{stderr}");
    // curl: 7 (cannot connect); Python: an exception (exit 1).
    assert!(stdout.contains("direct=7"), "{stdout}");
    assert!(stdout.contains("socket=1"), "{stdout}");
    assert!(stdout.contains("socket6=1"), "{stdout}");
    assert!(
        stdout.contains("served /proxied") && stdout.contains("proxied=0"),
        "{stdout}"
    );
    assert!(stderr.contains("1 forwarded"), "{stderr}");
    let audit = std::fs::read_to_string(&log).unwrap();
    let sent: Vec<&str> = audit.lines().filter(|l| l.contains("\"sent\"")).collect();
    assert_eq!(sent.len(), 1, "{audit}");
    assert!(sent[0].contains("/proxied"), "{audit}");
}

#[test]
fn without_isolate_the_same_direct_connection_arrives() {
    // The control for the test above: the direct request is a real way around the proxy
    // variables unless the namespace stops it.
    if !has("curl") {
        return;
    }
    let server = Server::start(|_, _| {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_string()
    });
    let url = format!("http://127.0.0.1:{}/direct", server.port());
    assert_pinned_to_loopback(std::slice::from_ref(&url), "");
    let out = Command::new(assert_cmd::cargo::cargo_bin("scopelint"))
        .args(["--isolated", "--rules", RULES, "run", "--"])
        .args(["curl", "-sS", "--noproxy", "*", "-m", "5", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(server.hits().len(), 1);
}

#[test]
fn a_command_that_cannot_start_inside_is_127() {
    if !isolation_available() {
        return;
    }
    let out = run_isolated(&[], &["scopelint-test-no-such-command"]);
    assert_eq!(out.status.code(), Some(127), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("cannot start"));
}

/// A helper that runs a command where user namespaces cannot be made: in a user namespace of
/// its own whose `max_user_namespaces` is 0, as an unprivileged user (as root with
/// `STAY_ROOT=1`). Needs root (to write the
/// namespace's id maps) and python3.
const NO_NAMESPACES: &str = r#"
import ctypes, os, sys
mapped_r, mapped_w = os.pipe()
unshared_r, unshared_w = os.pipe()
pid = os.fork()
if pid == 0:
    if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:
        os._exit(90)
    os.write(unshared_w, b"u")
    os.read(mapped_r, 1)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    if os.environ.get("STAY_ROOT") != "1":
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    os.execvp(sys.argv[1], sys.argv[1:])
os.read(unshared_r, 1)
for name in ("uid_map", "gid_map"):
    with open(f"/proc/{pid}/{name}", "w") as f:
        f.write("0 0 65536\n")
os.write(mapped_w, b"m")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;

/// Run `scopelint --isolated --rules RULES run --isolate -- sh -c SCRIPT` from `dir` where
/// user namespaces cannot be made (see [`NO_NAMESPACES`]): as an unprivileged user, or as root
/// with `stay_root`. `None` (with the reason printed) where that cannot be simulated; under
/// `CI=true` that fails the test instead.
fn without_user_namespaces(dir: &Path, stay_root: bool, script: &str) -> Option<Output> {
    // SAFETY: getuid cannot fail.
    let root = unsafe { libc::getuid() } == 0;
    if !root || !has("python3") {
        eprintln!("skipped: simulating a machine without user namespaces needs root and python3");
        return None;
    }
    use std::os::unix::fs::PermissionsExt;
    // Readable by the unprivileged user the simulation runs as.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.join("scopelint");
    std::fs::copy(assert_cmd::cargo::cargo_bin("scopelint"), &bin).unwrap();
    let rules = dir.join("rules.yaml");
    std::fs::copy(RULES, &rules).unwrap();
    let helper = dir.join("no-namespaces.py");
    std::fs::write(&helper, NO_NAMESPACES).unwrap();
    let out = Command::new("python3")
        .arg(&helper)
        .arg(&bin)
        .args(["--isolated", "--rules"])
        .arg(&rules)
        .args(["run", "--isolate", "--", "sh", "-c", script])
        .env("STAY_ROOT", if stay_root { "1" } else { "0" })
        .env_remove("SCOPELINT_RULES")
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    if out.status.code() == Some(90) || stderr.contains("Traceback") {
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot simulate a machine without user namespaces: {stderr}"
        );
        eprintln!("skipped: cannot simulate a machine without user namespaces: {stderr}");
        return None;
    }
    Some(out)
}

#[test]
fn where_namespaces_cannot_be_made_isolate_fails_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let script = format!("echo ran > {}", marker.display());
    let Some(out) = without_user_namespaces(dir.path(), false, &script) else {
        return;
    };
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot isolate the command: cannot create a user and network namespace"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was run"), "{stderr}");
    assert!(!marker.exists(), "the command ran unisolated");
}

#[test]
fn root_without_user_namespaces_runs_the_command_without_capabilities() {
    // Root may fall back to a network namespace alone; CMD must then hold no capability, or
    // CAP_SYS_ADMIN would let it `setns` back into the host's network namespace.
    let dir = tempfile::tempdir().unwrap();
    let script = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status; \
                  ls /sys/class/net";
    let Some(out) = without_user_namespaces(dir.path(), true, script) else {
        return;
    };
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = text(&out.stdout);
    for set in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert!(
            stdout.contains(&format!("{set}:\t0000000000000000")),
            "{set} not empty:\n{stdout}"
        );
    }
    assert!(stdout.contains("NoNewPrivs:\t1"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("lo"), "{stdout}");
}
