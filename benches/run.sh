#!/usr/bin/env bash
# Times the whole binary on generated input (and on the real lists in ../shared/bench-data when
# present), checks the fast path against the linear reference, and prints a Markdown report.
#
#   bash benches/run.sh [LINES]        # default 1,000,000 lines; figures go to BENCHMARKS.md by hand
#
# Wall time and peak memory come from /usr/bin/time; each figure is the best of 3 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
OUT=target/bench
mkdir -p "$OUT"
cargo build --release --quiet --bin scopelint --example gen
BIN=target/release/scopelint
GEN=target/release/examples/gen

# best-of-3 "seconds max_rss_kb" of a command whose stdout goes to a file
measure() {
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" > "$OUT/out.txt" || true
    read -r t m < "$OUT/time.txt"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}

echo "# scopelint benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $LINES lines)"
echo
echo "| input | rules | lines | wall s | peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: |"

# Start-up: one target on the embedded default, 200 runs.
start=$(date +%s.%N)
for _ in $(seq 200); do "$BIN" check login.live.com > /dev/null; done
end=$(date +%s.%N)
startup_ms=$(awk "BEGIN{printf \"%.2f\", ($end-$start)*1000/200}")

# Embedded default program.
"$GEN" urls "$LINES" 1000 1 > "$OUT/urls-embedded.txt"
read -r t m < <(measure "$BIN" check --print in-scope "$OUT/urls-embedded.txt" - < "$OUT/urls-embedded.txt")
echo "| generated URLs, embedded Microsoft Identity | 20 assets | $LINES | $t | $((m/1024)) |"

# Scaling in rules: the same number of lines against 10 ... 40,000 generated rules.
for k in 10 100 1000 10000 40000; do
  "$GEN" scope "$k" 1 > "$OUT/scope-$k.txt"
  "$GEN" urls "$LINES" "$k" 1 > "$OUT/urls-$k.txt"
  read -r t m < <(measure "$BIN" --rules "$OUT/scope-$k.txt" check --print in-scope - < "$OUT/urls-$k.txt")
  echo "| generated URLs, generated scope | $k | $LINES | $t | $((m/1024)) |"
done

# Scaling in lines at 40,000 rules.
for n in 250000 500000; do
  head -n "$n" "$OUT/urls-40000.txt" > "$OUT/urls-40000-$n.txt"
  read -r t m < <(measure "$BIN" --rules "$OUT/scope-40000.txt" check --print in-scope - < "$OUT/urls-40000-$n.txt")
  echo "| generated URLs, generated scope | 40000 | $n | $t | $((m/1024)) |"
done

# The real public-program lists, when present.
REAL=../shared/bench-data
if [ -f "$REAL/wildcards.txt" ] && [ -f "$REAL/domains.txt" ]; then
  cat "$REAL/wildcards.txt" "$REAL/domains.txt" > "$OUT/real-raw.txt"
  if "$BIN" import list "$OUT/real-raw.txt" --to list > "$OUT/real.txt" 2> "$OUT/real-skipped.txt"; then :; fi
  rules=$(grep -cv '^#' "$OUT/real.txt" || true)
  "$GEN" urls-from "$OUT/real.txt" "$LINES" 1 > "$OUT/urls-real.txt"
  read -r t m < <(measure "$BIN" --rules "$OUT/real.txt" check --print in-scope - < "$OUT/urls-real.txt")
  echo "| real lists (wildcards.txt + domains.txt) | $rules | $LINES | $t | $((m/1024)) |"
fi
echo
echo "Start-up, \`check login.live.com\` on the embedded default: ${startup_ms} ms per run (mean of 200, process start included)."

# Same answers as the slow, obviously-correct path (linear scan over every rule).
sample=20000
for k in 1000 40000; do
  head -n "$sample" "$OUT/urls-$k.txt" > "$OUT/sample.txt"
  "$BIN" --rules "$OUT/scope-$k.txt" check --format jsonl - < "$OUT/sample.txt" > "$OUT/fast.jsonl" || true
  "$BIN" --rules "$OUT/scope-$k.txt" check --format jsonl --reference - < "$OUT/sample.txt" > "$OUT/ref.jsonl" || true
  if cmp -s "$OUT/fast.jsonl" "$OUT/ref.jsonl"; then
    echo "Fast path = linear reference on $sample lines against $k rules: identical."
  else
    echo "Fast path and linear reference DIFFER on $k rules (see $OUT/fast.jsonl, $OUT/ref.jsonl)"; exit 1
  fi
done
