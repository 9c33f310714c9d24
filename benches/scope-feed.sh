#!/usr/bin/env bash
# The change feed on two real snapshots of bounty-targets-data (../shared/bench-data: 2026-08-12
# and 2026-08-22): imports every platform file of both dates with `import --all`, checks that a
# second import changes no byte, and prints the feed's counts per platform.
#
#   bash benches/scope-feed.sh [DATA_DIR]     # default ../shared/bench-data
#   SCOPELINT=target/debug/scopelint bash benches/scope-feed.sh   # use another build
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/bench-data}
OLD=$DATA/2026-08-12
OUT=target/scope-feed
if [ -z "${SCOPELINT:-}" ]; then
  cargo build --release --quiet --bin scopelint
  SCOPELINT=target/release/scopelint
fi
rm -rf "$OUT"
mkdir -p "$OUT"
echo "| platform | programs (old -> new) | written (old / new) | programs + / - / not importable | assets + / - / ~ | exclusions + / - |"
echo "| --- | --- | --- | --- | --- | --- |"
for f in "$OLD"/*_data.json; do
  name=$(basename "$f" _data.json)
  for side in old new; do
    src=$f; [ "$side" = new ] && src=$DATA/${name}_data.json
    # exit 1 means something was skipped (listed in skipped.tsv); 2 is an error.
    "$SCOPELINT" --isolated import "$name" "$src" --all --output "$OUT/$side/$name" 2> "$OUT/$side-$name.log" || [ $? -eq 1 ]
    sum1=$(cat "$OUT/$side/$name"/* | sha256sum)
    "$SCOPELINT" --isolated import "$name" "$src" --all --output "$OUT/$side/$name" 2> /dev/null || [ $? -eq 1 ]
    sum2=$(cat "$OUT/$side/$name"/* | sha256sum)
    [ "$sum1" = "$sum2" ] || { echo "re-import of $src changed bytes" >&2; exit 2; }
  done
  "$SCOPELINT" --isolated rules diff "$OUT/old/$name" "$OUT/new/$name" --format json > "$OUT/$name-feed.json" || [ $? -eq 1 ]
  "$SCOPELINT" --isolated rules diff "$OUT/old/$name" "$OUT/new/$name" > "$OUT/$name-feed.txt" || [ $? -eq 1 ]
  python3 - "$OUT/$name-feed.json" "$f" "$DATA/${name}_data.json" "$OUT" "$name" <<'PY'
import json, os, sys
feed, old, new, out, name = sys.argv[1:]
c = json.load(open(feed))["counts"]
n_old, n_new = len(json.load(open(old))), len(json.load(open(new)))
w_old = sum(1 for x in os.listdir(f"{out}/old/{name}") if x.endswith(".yaml"))
w_new = sum(1 for x in os.listdir(f"{out}/new/{name}") if x.endswith(".yaml"))
print(f"| {name} | {n_old} -> {n_new} | {w_old} / {w_new} | "
      f"{c['programs_added']} / {c['programs_removed']} / {c['programs_skipped']} | "
      f"{c['assets_added']} / {c['assets_removed']} / {c['assets_changed']} | "
      f"{c['exclusions_added']} / {c['exclusions_removed']} |")
PY
done
echo
echo "Feeds: $OUT/<platform>-feed.txt (text) and -feed.json; skipped: $OUT/new/<platform>/skipped.tsv"
