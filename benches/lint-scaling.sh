#!/usr/bin/env bash
# `lint` on drafts built to expose passes that are quadratic in the number of findings (issue
# 14): every pass must stay linear, so doubling an input about doubles its time.
#
#   bash benches/lint-scaling.sh [SCALE]    # SCALE 1 (default): the issue's sizes
#
# Inputs (generated into target/bench/lint-scaling/, SCALE times these sizes, and again at
# twice that to show the growth):
#   jwt        40,000 lines with one JSON Web Token each
#   targets    80,000 targets in the front matter
#   emails     80,000 lines with one e-mail address each
#   mixed   1,000,000 lines mixing prose, URLs, hosts, addresses, tokens, headings, code blocks
#              and suppression comments
# Each figure is the best of 3 runs of the release binary (wall seconds, peak RSS from
# /usr/bin/time). Before the fix (commit e24ccaf) the issue measured 1.9 s, 28.5 s, 1.9 s and
# more than 300 s.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-1}
OUT=target/bench/lint-scaling
mkdir -p "$OUT"
cargo build --release --quiet --bin scopelint
BIN=target/release/scopelint

gen() { # gen KIND LINES > file
  awk -v kind="$1" -v n="$2" 'BEGIN {
    if (kind == "jwt") {
      print "# Token leak"
      for (i = 0; i < n; i++)
        printf "Step %d returned eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0%dIn0.c2lnbmF0dXJl%d in the body.\n", i, i, i
    } else if (kind == "targets") {
      print "---"; print "targets:"
      for (i = 0; i < n; i++) printf "  - https://h%d.contoso.example/path\n", i
      print "---"; print "# Many targets"
    } else if (kind == "emails") {
      print "# Accounts"
      for (i = 0; i < n; i++) printf "Signed in as user%d@contoso.onmicrosoft.com for step %d.\n", i, i
    } else {
      print "# A very long draft"
      for (i = 0; i < n; i++) {
        k = i % 10
        if (k == 0) printf "## Step %d\n", i
        else if (k == 1) printf "Request https://h%d.login.live.com/oauth2/authorize?x=%d was sent.\n", i, i
        else if (k == 2) printf "The tenant t%d.onmicrosoft.com answered for user%d@t%d.onmicrosoft.com.\n", i, i, i
        else if (k == 4) printf "Token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0%dIn0.c2lnbmF0dXJl%d came back.\n", i, i
        else if (k == 3) printf "<!-- scopelint-disable-next-line secret: test token %d, expired -->\n", i
        else if (k == 5) printf "```\n"
        else if (k == 6) printf "GET /api/%d HTTP/1.1 Host: graph%d.microsoft.com\n", i, i
        else if (k == 7) printf "```\n"
        else if (k == 8) printf "%d. The host h%d.outlook.com redirected with password=hunter%d.\n", i % 100, i, i
        else printf "Plain prose about the finding, line %d, with nothing to report.\n", i
      }
    }
  }'
}

best() { # best INPUT: "seconds max_rss_kb", best of 3
  local best="" rss=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$BIN" --isolated lint --format json "$1" > "$OUT/out.json" || true
    read -r t m < <(tail -n 1 "$OUT/time.txt")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}

echo "| input | lines | wall s | peak RSS MB | lines x2: wall s | ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for spec in jwt:40000 targets:80000 emails:80000 mixed:1000000; do
  kind=${spec%%:*}
  n=$(( ${spec#*:} * SCALE ))
  gen "$kind" "$n" > "$OUT/$kind.md"
  gen "$kind" $(( n * 2 )) > "$OUT/$kind-x2.md"
  read -r t m < <(best "$OUT/$kind.md")
  read -r t2 _ < <(best "$OUT/$kind-x2.md")
  ratio=$(awk "BEGIN{ if ($t > 0) printf \"%.1f\", $t2 / $t; else print \"-\" }")
  echo "| $kind | $n | $t | $((m / 1024)) | $t2 | $ratio |"
done
