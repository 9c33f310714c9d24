#!/usr/bin/env bash
# The "Lint drafts" step of action.yml, kept in a file so it can be tested (tests/action.sh).
# Inputs come from the environment, never interpolated into the script:
#   INPUT_PATH      drafts, separated by spaces (default reports/)
#   INPUT_RULES     rules files, separated by spaces (optional)
#   INPUT_FAIL_ON   error | warning | info (optional)
#   SARIF_FILE      where to write SARIF
#   GITHUB_OUTPUT   the step's output file (exit-code=N is appended)
# Exits with scopelint's code when it is 2 or more (no SARIF to upload), else 0: the action's
# last step fails the job on findings after the upload.
set -euo pipefail
scopelint --version
args=()
read -ra rules <<< "${INPUT_RULES:-}"
for r in "${rules[@]}"; do args+=(--rules "$r"); done
args+=(lint --format sarif)
if [ -n "${INPUT_FAIL_ON:-}" ]; then args+=(--fail-on "$INPUT_FAIL_ON"); fi
read -ra paths <<< "${INPUT_PATH:-reports/}"
set +e
scopelint "${args[@]}" -- "${paths[@]}" > "$SARIF_FILE"
code=$?
set -e
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
if [ "$code" -ge 2 ]; then exit "$code"; fi
