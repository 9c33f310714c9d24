#!/usr/bin/env bash
# The engine knows no program: every program fact lives in scope-rules/*.yaml. This fails when
# src/ names the default program's vendor or products outside the places that may: test
# modules (from `#[cfg(test)]` to the end of a file), comments, CLI usage examples (lines that
# show a `scopelint` command line) and the one place that embeds the default rules file.
set -euo pipefail
cd "$(dirname "$0")/.."
words='microsoft|msobb|b2c|x-ms-|estsauth'
found=$(
  find src -name '*.rs' -print0 | sort -z | xargs -0 awk -v words="$words" '
    FNR == 1 { in_test = 0 }
    /^[[:space:]]*#\[cfg\(test\)\]/ { in_test = 1 }
    in_test { next }
    {
      line = $0
      sub(/^[[:space:]]*\/\/.*/, "", line)          # whole-line comments, doc comments
      sub(/[[:space:]]\/\/ .*$/, "", line)           # trailing comments
      if (line ~ /scopelint (rules|probe|check|lint|proxy|import|export) /) next   # usage examples
      if (line ~ /include_str!|EMBEDDED_RULES_PATH/) next                         # the embedded default
      if (tolower(line) ~ words) printf "%s:%d: %s\n", FILENAME, FNR, $0
    }'
)
if [ -n "$found" ]; then
  echo "src/ names a program; move the fact to scope-rules/*.yaml:" >&2
  echo "$found" >&2
  exit 1
fi
echo "no-program-names: src/ names no program"
