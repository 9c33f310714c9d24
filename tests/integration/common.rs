//! Helpers every test module may use.

use assert_cmd::Command;

/// The `scopelint` binary, run from the repository root, unaffected by the environment or by a
/// stray `scopelint.yaml` above the checkout (`--isolated`); `NO_COLOR` is left unset so the
/// tests of color handling decide it themselves.
pub fn scopelint() -> Command {
    let mut c = Command::cargo_bin("scopelint").expect("the scopelint binary is built");
    c.env_remove("SCOPELINT_RULES")
        .env_remove("NO_COLOR")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--isolated");
    c
}
