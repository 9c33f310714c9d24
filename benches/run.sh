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

# best-of-3 "seconds max_rss_kb" of a command reading INPUT, whose stdout goes to a file
measure_in() {
  local input=$1 best="" rss=""; shift
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" < "$input" > "$OUT/out.txt" || true
    # /usr/bin/time puts "Command exited with non-zero status N" first when the exit is 1.
    read -r t m < <(tail -n 1 "$OUT/time.txt")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}

echo "# scopelint benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $LINES lines)"
echo
echo "| input | rules | lines | wall s, 1 thread | wall s, --threads 2 | peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"

# row LABEL RULES LINES ARGS... < input: best-of-3 wall at 1 and 2 threads, peak RSS of the latter
row() {
  local label=$1 rules=$2 lines=$3 input=$4; shift 4
  read -r t1 _ < <(measure_in "$input" "$BIN" "$@" check --threads 1 --print in-scope -)
  read -r t2 m < <(measure_in "$input" "$BIN" "$@" check --threads 2 --print in-scope -)
  echo "| $label | $rules | $lines | $t1 | $t2 | $((m/1024)) |"
}

# Start-up: one target on the embedded default, 200 runs each.
startup() {
  local start end
  start=$(date +%s.%N)
  for _ in $(seq 200); do "$BIN" check "$1" > /dev/null || true; done
  end=$(date +%s.%N)
  awk "BEGIN{printf \"%.2f\", ($end-$start)*1000/200}"
}
startup_exact=$(startup login.live.com)
startup_wild=$(startup contoso.b2clogin.com)
startup_true=$(start=$(date +%s.%N); for _ in $(seq 200); do /bin/true; done; end=$(date +%s.%N); awk "BEGIN{printf \"%.2f\", ($end-$start)*1000/200}")

# Embedded default program.
"$GEN" urls "$LINES" 1000 1 > "$OUT/urls-embedded.txt"
row "generated URLs, embedded Microsoft Identity" "(default)" "$LINES" "$OUT/urls-embedded.txt"

# Scaling in rules: the same number of lines against 10 ... 40,000 generated rules.
for k in 10 100 1000 10000 40000; do
  "$GEN" scope "$k" 1 > "$OUT/scope-$k.txt"
  "$GEN" urls "$LINES" "$k" 1 > "$OUT/urls-$k.txt"
  row "generated URLs, generated scope" "$k" "$LINES" "$OUT/urls-$k.txt" --rules "$OUT/scope-$k.txt"
done

# Scaling in lines at 40,000 rules.
for n in 250000 500000; do
  head -n "$n" "$OUT/urls-40000.txt" > "$OUT/urls-40000-$n.txt"
  row "generated URLs, generated scope" 40000 "$n" "$OUT/urls-40000-$n.txt" --rules "$OUT/scope-40000.txt"
done

# The real public-program lists, when present.
REAL=../shared/bench-data
if [ -f "$REAL/wildcards.txt" ] && [ -f "$REAL/domains.txt" ]; then
  cat "$REAL/wildcards.txt" "$REAL/domains.txt" > "$OUT/real-raw.txt"
  if "$BIN" import list "$OUT/real-raw.txt" --to list > "$OUT/real.txt" 2> "$OUT/real-skipped.txt"; then :; fi
  rules=$(grep -cv '^#' "$OUT/real.txt" || true)
  "$GEN" urls-from "$OUT/real.txt" "$LINES" 1 > "$OUT/urls-real.txt"
  row "real lists (wildcards.txt + domains.txt)" "$rules" "$LINES" "$OUT/urls-real.txt" --rules "$OUT/real.txt"
fi
echo
echo "Start-up on the embedded default, mean of 200 runs, process start included (\`/bin/true\` takes ${startup_true} ms):"
echo "\`check login.live.com\` ${startup_exact} ms; \`check contoso.b2clogin.com\` (a wildcard asset, so the suffix list's private section is parsed) ${startup_wild} ms."

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
