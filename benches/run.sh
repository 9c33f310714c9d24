#!/usr/bin/env bash
# Times the whole binary on generated input (and on the real lists in ../shared/bench-data when
# present) against the `cut -d/ -f3` floor measured in the same run, checks the fast paths
# against the linear reference, and prints one Markdown report.
#
#   bash benches/run.sh [LINES]        # default 1,000,000 lines; figures go to BENCHMARKS.md by hand
#
# Wall time and peak memory come from /usr/bin/time. Each row runs `cut`, `--threads 1` and
# `--threads 2` one after the other, 3 rounds, and keeps the best of each: on a shared machine
# the ratio to `cut` of the same row is the figure to trust. Runs in about 2-4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
OUT=target/bench
mkdir -p "$OUT"
cargo build --release --quiet --bin scopelint --example gen
BIN=target/release/scopelint
GEN=target/release/examples/gen

# "seconds max_rss_kb" of one run of a command reading INPUT, stdout to a file
once() {
  local input=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" < "$input" > "$OUT/out.txt" || true
  # /usr/bin/time puts "Command exited with non-zero status N" first when the exit is not 0.
  tail -n 1 "$OUT/time.txt"
}
# smaller A B: the smaller of two numbers, B when A is empty
smaller() { awk -v a="$1" -v b="$2" 'BEGIN{print (a == "" || b + 0 < a + 0) ? b : a}'; }

# row LABEL RULES INPUT ARGS...: best of 3 rounds of (cut, 1 thread, 2 threads)
row() {
  local label=$1 rules=$2 input=$3; shift 3
  local c="" t1="" t2="" m1="" m2="" t m
  for _ in 1 2 3; do
    read -r t _ < <(once "$input" cut -d/ -f3); c=$(smaller "$c" "$t")
    read -r t m < <(once "$input" "$BIN" "$@" check --threads 1 --print in-scope -)
    if [ "$(smaller "$t1" "$t")" = "$t" ]; then t1=$t; m1=$m; fi
    read -r t m < <(once "$input" "$BIN" "$@" check --threads 2 --print in-scope -)
    if [ "$(smaller "$t2" "$t")" = "$t" ]; then t2=$t; m2=$m; fi
  done
  local lines; lines=$(wc -l < "$input")
  awk -v l="$label" -v r="$rules" -v n="$lines" -v c="$c" -v t1="$t1" -v t2="$t2" -v m1="$m1" -v m2="$m2" 'BEGIN{
    cc = (c > 0 ? c : 0.01)
    printf "| %s | %s | %d | %.2f | %.2f | %.1fx | %.2f | %.1fx | %.2f | %d |\n", l, r, n, c, t1, t1/cc, t2, t2/cc, t1/(t2>0?t2:0.01), (m1>m2?m1:m2)/1024 }'
}

echo "# scopelint benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $LINES lines, load average $(cut -d' ' -f1 /proc/loadavg))"
echo
echo "\`scopelint [--rules FILE] check --threads N --print in-scope -\` against \`cut -d/ -f3\` on the same file (best of 3 rounds each, wall seconds; RSS in MB)."
echo
echo "| input | rules | lines | cut s | 1 thread s | x cut | 2 threads s | x cut | 2 threads gain | peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"

# The real public-program lists first, when present: the headline row.
REAL=../shared/bench-data
have_real=0
if [ -f "$REAL/wildcards.txt" ] && [ -f "$REAL/domains.txt" ]; then
  have_real=1
  cat "$REAL/wildcards.txt" "$REAL/domains.txt" > "$OUT/real-raw.txt"
  if "$BIN" import list "$OUT/real-raw.txt" --to list > "$OUT/real.txt" 2> "$OUT/real-skipped.txt"; then :; fi
  rules=$(grep -cv '^#' "$OUT/real.txt" || true)
  "$GEN" urls-from "$OUT/real.txt" "$LINES" 1 > "$OUT/urls-real.txt"
  row "real lists (wildcards.txt + domains.txt)" "$rules" "$OUT/urls-real.txt" --rules "$OUT/real.txt"
fi

# Embedded default program.
"$GEN" urls "$LINES" 1000 1 > "$OUT/urls-embedded.txt"
row "generated URLs, embedded Microsoft Identity" "(default)" "$OUT/urls-embedded.txt"

# Scaling in rules: the same number of lines against 10 ... 40,000 generated rules.
for k in 10 100 1000 10000 40000; do
  "$GEN" scope "$k" 1 > "$OUT/scope-$k.txt"
  "$GEN" urls "$LINES" "$k" 1 > "$OUT/urls-$k.txt"
  row "generated URLs, generated scope" "$k" "$OUT/urls-$k.txt" --rules "$OUT/scope-$k.txt"
done

# Address ranges: addresses against 10 and 40,000 generated IPv4 ranges (looked up by prefix
# length, so the cost should not follow the number of ranges).
for k in 10 40000; do
  "$GEN" ranges "$k" 1 > "$OUT/ranges-$k.txt"
  "$GEN" ips "$LINES" "$k" 1 > "$OUT/ips-$k.txt"
  row "generated addresses, generated ranges" "$k" "$OUT/ips-$k.txt" --rules "$OUT/ranges-$k.txt"
done

# JSON Lines in (`--field url`), the 40,000-rule input wrapped as httpx-like records.
awk '{gsub(/["\\]/, ""); printf "{\"url\":\"%s\",\"status_code\":200}\n", $0}' "$OUT/urls-40000.txt" > "$OUT/records-40000.jsonl"
read -r tj mj < <(once "$OUT/records-40000.jsonl" "$BIN" --rules "$OUT/scope-40000.txt" check --field url --print in-scope -)
read -r tp _ < <(once "$OUT/urls-40000.txt" "$BIN" --rules "$OUT/scope-40000.txt" check --threads 1 --print in-scope -)

# Loading a 1,000,000-entry plain list (one target checked, so the time is the load).
"$GEN" scope 1000000 2 > "$OUT/scope-1m.txt"
lt=""; lm=""
for _ in 1 2 3; do
  read -r t m < <(once /dev/null "$BIN" --rules "$OUT/scope-1m.txt" check example.invalid)
  if [ "$(smaller "$lt" "$t")" = "$t" ]; then lt=$t; lm=$m; fi
done

# Start-up: `--version` and two checks on the embedded default, interleaved, 4 x 100 runs each.
declare -A total=([version]=0 [exact]=0 [wild]=0)
# mean_ns N CMD...: mean wall nanoseconds of N runs of CMD (standard input empty)
mean_ns() {
  local n=$1 start end
  shift
  start=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" < /dev/null > /dev/null || true; done
  end=$(date +%s%N)
  echo $(( (end - start) / n ))
}
for _ in 1 2 3 4; do
  total[version]=$(( total[version] + $(mean_ns 100 "$BIN" --version) ))
  total[exact]=$(( total[exact] + $(mean_ns 100 "$BIN" check login.live.com) ))
  total[wild]=$(( total[wild] + $(mean_ns 100 "$BIN" check contoso.b2clogin.com) ))
done
ms() { awk "BEGIN{printf \"%.2f\", $1/4/1e6}"; }

echo
echo "JSON Lines: \`check --field url --print in-scope\` on the 40,000-rule input as httpx-like records: ${tj} s (${mj} KB RSS) vs ${tp} s for the plain lines (1 thread, one run each)."
echo
echo "Loading a 1,000,000-entry generated plain list (\`check example.invalid\`, best of 3): ${lt} s, $((lm/1024)) MB peak RSS."
echo
echo "Start-up, mean of 400 runs each, interleaved: \`--version\` $(ms "${total[version]}") ms; \`check login.live.com\` $(ms "${total[exact]}") ms; \`check contoso.b2clogin.com\` (wildcard asset) $(ms "${total[wild]}") ms."
echo

# What the rule-count slope is made of (10 against 40,000 rules, one thread): start-up and
# loading the list (empty input, mean of 20 runs; `--version` above is start-up alone), and the
# same lines in rule order: sorted by their host's labels read from the right, so every line
# under one name (`*.auth9.app`'s `edge79.auth9.app`, `www.auth9.app`, ...) comes with the
# others and the name's index entries stay cached. (Sorted by the host as written, the lines
# of one wildcard are spread by their first label, so that order does not gather them.) What
# is left between the two orders is the cost of reading the index out of order, not work. Last, the 10-rule
# lines against the 40,000 rules, which give the same answers (the 10 rules are the 40,000's
# first ten, and no other covers a line): the same input, so what is left is the rule count's own
# cost (the load, and a larger index), without the 40,000-rule input's hits spread over 40,000
# different hosts.
load_ms() {
  awk -v ns="$(mean_ns 20 "$BIN" --rules "$1" check --threads 1 --print in-scope -)" 'BEGIN{printf "%.1f", ns/1e6}'
}
by_rule() {
  awk -F/ '{h = ($0 ~ /:\/\//) ? $3 : $1; sub(/:.*/, "", h); n = split(h, l, "."); r = ""
    for (i = n; i >= 1; i--) r = r l[i] "."
    print r "\t" $0}' "$1" | LC_ALL=C sort -s -t "$(printf '\t')" -k1,1 | cut -f2-
}
# ms_once INPUT RULES: wall time of one `--threads 1 --print in-scope` run, in hundredths of a ms
ms_once() {
  local start end
  start=$(date +%s%N)
  "$BIN" --rules "$2" check --threads 1 --print in-scope - < "$1" > /dev/null || true
  end=$(date +%s%N)
  echo $(( (end - start) / 10000 ))
}
declare -A slope
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)] / 100}'; }
for k in 10 40000; do
  by_rule "$OUT/urls-$k.txt" > "$OUT/urls-$k-by-rule.txt"
  slope[load$k]=$(load_ms "$OUT/scope-$k.txt")
done
# Inputs built alike: the generated 40,000-rule list numbers its names up to 39,999, so its
# hosts are longer than the 10-rule list's and it prints more. Ten entries from the middle of
# the 40,000 (entries 30,001-30,010, names as long as most of the 40,000's) and the 40,000
# themselves, each with URLs built from the list the same way (`gen urls-from`).
{ echo "# entries 30,001-30,010 of scope-40000.txt"; sed -n '30002,30011p' "$OUT/scope-40000.txt"; } > "$OUT/scope-mid10.txt"
"$GEN" urls-from "$OUT/scope-mid10.txt" "$LINES" 1 > "$OUT/urls-alike10.txt"
"$GEN" urls-from "$OUT/scope-40000.txt" "$LINES" 1 > "$OUT/urls-alike40000.txt"
# Interleaved, so that a busy moment of the machine falls on every case alike; /usr/bin/time's
# 10 ms steps are too coarse for a ratio of two runs this short.
declare -A runs
cases="as10 as40000 sorted10 sorted40000 same40000 alike10 alike40000"
# The same-input case assumes the 10-rule lines get the same answers from the 40,000 rules.
"$BIN" --rules "$OUT/scope-10.txt" check --threads 1 --print in-scope - < "$OUT/urls-10.txt" > "$OUT/fast.txt" || true
"$BIN" --rules "$OUT/scope-40000.txt" check --threads 1 --print in-scope - < "$OUT/urls-10.txt" > "$OUT/ref.txt" || true
cmp -s "$OUT/fast.txt" "$OUT/ref.txt" || { echo "the 10-rule lines are answered differently by the 40,000 rules"; exit 1; }
for _ in $(seq 11); do
  runs[as10]+="$(ms_once "$OUT/urls-10.txt" "$OUT/scope-10.txt") "
  runs[as40000]+="$(ms_once "$OUT/urls-40000.txt" "$OUT/scope-40000.txt") "
  runs[sorted10]+="$(ms_once "$OUT/urls-10-by-rule.txt" "$OUT/scope-10.txt") "
  runs[sorted40000]+="$(ms_once "$OUT/urls-40000-by-rule.txt" "$OUT/scope-40000.txt") "
  runs[same40000]+="$(ms_once "$OUT/urls-10.txt" "$OUT/scope-40000.txt") "
  runs[alike10]+="$(ms_once "$OUT/urls-alike10.txt" "$OUT/scope-mid10.txt") "
  runs[alike40000]+="$(ms_once "$OUT/urls-alike40000.txt" "$OUT/scope-40000.txt") "
done
for c in $cases; do slope[$c]=$(echo "${runs[$c]}" | median); done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a / b}'; }
echo "Rule-count slope, one thread (medians of 11 interleaved runs, ms): start-up and loading the list (mean of 20 runs) ${slope[load10]} ms at 10 rules, ${slope[load40000]} ms at 40,000; the lines as generated ${slope[as10]} and ${slope[as40000]} ($(ratio "${slope[as40000]}" "${slope[as10]}")); the same lines in rule order (sorted by labels from the right) ${slope[sorted10]} and ${slope[sorted40000]} ($(ratio "${slope[sorted40000]}" "${slope[sorted10]}")); the 10-rule lines against the 40,000 rules ${slope[same40000]} ($(ratio "${slope[same40000]}" "${slope[as10]}") of 10 rules on them); inputs built alike (10 entries from the middle of the 40,000, and the 40,000, each with \`gen urls-from\`) ${slope[alike10]} and ${slope[alike40000]} ($(ratio "${slope[alike40000]}" "${slope[alike10]}"))."
echo

# Same answers as the slow, obviously-correct path (linear scan over every rule), for the
# verdict objects (full path) and for every `--print` filter (quick path).
check_same() {
  local what=$1 scope=$2 sample=$3; shift 3
  "$BIN" --rules "$scope" check "$@" - < "$sample" > "$OUT/fast.txt" || true
  "$BIN" --rules "$scope" check "$@" --reference - < "$sample" > "$OUT/ref.txt" || true
  if cmp -s "$OUT/fast.txt" "$OUT/ref.txt"; then
    echo "- $what, \`$*\`: identical ($(wc -l < "$OUT/fast.txt") lines)."
  else
    echo "- $what, \`$*\`: DIFFERENT (see $OUT/fast.txt, $OUT/ref.txt)"; exit 1
  fi
}
echo "Fast paths against the linear reference (\`check --reference\`):"
head -n 20000 "$OUT/urls-40000.txt" > "$OUT/sample.txt"
check_same "20,000 lines, 40,000 generated rules" "$OUT/scope-40000.txt" "$OUT/sample.txt" --format jsonl
for kind in in-scope out-of-scope invalid; do
  check_same "20,000 lines, 40,000 generated rules" "$OUT/scope-40000.txt" "$OUT/sample.txt" --print "$kind"
done
head -n 20000 "$OUT/ips-40000.txt" > "$OUT/sample-ips.txt"
check_same "20,000 addresses, 40,000 generated ranges" "$OUT/ranges-40000.txt" "$OUT/sample-ips.txt" --format jsonl
for kind in in-scope out-of-scope; do
  check_same "20,000 addresses, 40,000 generated ranges" "$OUT/ranges-40000.txt" "$OUT/sample-ips.txt" --print "$kind"
done
if [ "$have_real" = 1 ]; then
  head -n 20000 "$OUT/urls-real.txt" > "$OUT/sample-real.txt"
  check_same "20,000 lines, real lists" "$OUT/real.txt" "$OUT/sample-real.txt" --format jsonl
  for kind in in-scope out-of-scope invalid; do
    check_same "20,000 lines, real lists" "$OUT/real.txt" "$OUT/sample-real.txt" --print "$kind"
  done
fi
