#!/usr/bin/env bash
# Runs the GitHub Action's lint step (.ci/action-lint.sh) with sample inputs, as the runner
# would: inputs in the environment, GITHUB_OUTPUT a file. No Docker, no GitHub. Needs a built
# scopelint (cargo build); `.ci/run` runs it after `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir=$(cd target/debug && pwd)
export PATH="$bin_dir:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "action test: $*" >&2; exit 1; }

run_step() {  # run_step NAME -> sets $code and $out
  out="$work/$1.out"
  : > "$work/github_output"
  set +e
  GITHUB_OUTPUT="$work/github_output" SARIF_FILE="$work/$1.sarif" bash .ci/action-lint.sh > "$out" 2>&1
  code=$?
  set -e
}

# 1. A clean draft: exit-code=0 (nothing at the fail level), a SARIF file with the award note.
INPUT_PATH="fixtures/drafts/good.md" run_step clean
[ "$code" -eq 0 ] || fail "clean draft: step exited $code: $(cat "$out")"
grep -qx 'exit-code=0' "$work/github_output" || fail "clean draft: no exit-code=0 output"
grep -q '"ruleId": *"award"' "$work/clean.sarif" || fail "clean draft: SARIF lacks the award note"

# 2. Findings: the step succeeds (the upload runs), exit-code=1, the SARIF names the rule.
INPUT_PATH="fixtures/drafts/excluded-class.md fixtures/drafts/good.md" run_step findings
[ "$code" -eq 0 ] || fail "findings: step exited $code"
grep -qx 'exit-code=1' "$work/github_output" || fail "findings: no exit-code=1 output"
grep -q 'excluded-class' "$work/findings.sarif" || fail "findings: SARIF lacks excluded-class"

# 3. --fail-on warning from the input.
INPUT_PATH="fixtures/drafts/missing-target.md" INPUT_FAIL_ON=warning run_step fail_on
[ "$code" -eq 0 ] || fail "fail-on warning: step exited $code"
grep -qx 'exit-code=1' "$work/github_output" || fail "fail-on warning: not exit-code=1"

# 4. A path with no drafts (the default reports/ in a repository without it): the step fails
#    with scopelint's exit 2, so the job does not pass silently.
INPUT_PATH="$work/nothing-here" run_step missing
[ "$code" -eq 2 ] || fail "missing path: step exited $code, want 2"
grep -qx 'exit-code=2' "$work/github_output" || fail "missing path: no exit-code=2 output"

# 5. Inputs are data, never shell: a path with `$(...)` and `;` is one argument.
INPUT_PATH='fixtures/drafts/good.md;touch${IFS}'"$work"'/pwned' run_step injection
[ ! -e "$work/pwned" ] || fail "an input was run as a command"
[ "$code" -eq 2 ] || fail "injection: step exited $code, want 2 (no such draft)"
INPUT_PATH='x$(touch '"$work"'/pwned2)' run_step substitution
[ ! -e "$work/pwned2" ] || fail "a \$(...) input was run as a command"
[ "$code" -eq 2 ] || fail "substitution: step exited $code, want 2 (no such draft)"

# 6. Rules from the input.
INPUT_PATH="fixtures/programs/acme-drafts/clean.md" INPUT_RULES="fixtures/programs/acme-cloud.yaml" run_step rules
grep -qx 'exit-code=0' "$work/github_output" || fail "rules input: not exit-code=0: $(cat "$out")"

echo "action test: 7 cases passed"
