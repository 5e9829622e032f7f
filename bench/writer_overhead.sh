#!/usr/bin/env bash
# writer_overhead: what the SQLite writer and the hook writer add to a
# snapshot, in the two-host lab (bench/README.md, "writer_overhead"; the
# PostgreSQL writer has its own bench, writer_bench.sh). An application
# (sp-sqlite-app, 3 rows per transaction, WAL mode) commits into a SQLite
# database on an XFS LUN of systemOne throughout, with both writers
# registered: shadowport-writer-sqlite for that database, and
# shadowport-writer-hooks with one freeze/thaw script that only logs.
# ROUNDS rounds each make three transportable sets, one per case, in the
# same run and on the same volume, by excluding writers by name:
#
#   none    both writers excluded (the baseline: the filesystem freeze only)
#   sqlite  only the SQLite writer (write lock at Freeze, released at Thaw)
#   hooks   only the hook writer (the freeze and thaw scripts run)
#
# It reports, per case, the wall time of `shadowport create` (median, max)
# and its ratio to the baseline, and the application's commit latency (p99,
# max) for the transactions that completed during the creates, against the
# quiet time between them.
#
#   flock /run/sp-lab.lock bash bench/writer_overhead.sh --build DIR [--rounds N]
#
# Root; about 1 minute.
set -euo pipefail
export LC_ALL=C
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lab/lib.sh
source "$BENCH_DIR/../tests/integration/lab/lib.sh"

lab_init writer-overhead "$@"
ROUNDS=${LAB_ROUNDS:-8}

APP=$LAB_BUILD/tests/integration/sp-sqlite-app
SQLITE_WRITER=$LAB_BUILD/src/writers/sqlite/shadowport-writer-sqlite
HOOKS_WRITER=$LAB_BUILD/src/writers/hooks/shadowport-writer-hooks
for b in "$APP" "$SQLITE_WRITER" "$HOOKS_WRITER"; do
  [[ -x $b ]] || { printf 'SKIP: not built: %s\n' "$b"; exit 77; }
done
now() { date +%s.%N; }
lines() { wc -l <"$WORK/app.progress"; }

lab_up --hosts one,two
MNT=$(new_lun one 1G xfs)

bg app one "$APP" --db "$MNT/app.db" --progress "$WORK/app.progress" --interval-ms 2
wait_for 20 test -s "$WORK/app.progress"

printf 'instance_name = "bench"\n[[database]]\npath = "%s"\nname = "app"\n' \
  "$MNT/app.db" >"$WORK/sqlite.toml"
bg writer-sqlite one "$SQLITE_WRITER" --config "$WORK/sqlite.toml" \
  --socket "$LAB_DIR/one/shadowportd.sock"
mkdir -p "$WORK/hooks.d"
printf '#!/bin/sh\necho "hook $1" >>"%s/hooks.log"\n' "$WORK" >"$WORK/hooks.d/10-log"
chmod 0755 "$WORK/hooks.d/10-log"
bg writer-hooks one "$HOOKS_WRITER" --dir "$WORK/hooks.d" \
  --socket "$LAB_DIR/one/shadowportd.sock"
wait_for 20 grep -q registered "$WORK/writer-sqlite.out"
wait_for 20 grep -q registered "$WORK/writer-hooks.out"
sleep 2

declare -A EXCLUDE=(
  [none]="--exclude-writer|SQLite Writer|--exclude-writer|Hook Scripts Writer"
  [sqlite]="--exclude-writer|Hook Scripts Writer"
  [hooks]="--exclude-writer|SQLite Writer"
)
: >"$WORK/windows"  # case first_line last_line seconds
: >"$WORK/quiet"    # first_line last_line
for ((r = 0; r < ROUNDS; r++)); do
  for c in none sqlite hooks; do
    IFS='|' read -r -a excl <<<"${EXCLUDE[$c]}"
    n0=$(lines)
    t0=$(now)
    on one shadowport create "$MNT" --transportable --importer two "${excl[@]}" \
      >"$WORK/create-$r-$c.out" 2>&1 || {
      fail "create $r ($c)"
      cat "$WORK/create-$r-$c.out"
      exit 1
    }
    t1=$(now)
    n1=$(lines)
    printf '%s %s %s %s\n' "$c" "$n0" "$n1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
      >>"$WORK/windows"
    sleep 0.5
    q0=$(lines)
    sleep 1
    printf '%s %s\n' "$q0" "$(lines)" >>"$WORK/quiet"
  done
  log "round $r done"
done
grep -q 'hook freeze' "$WORK/hooks.log" || { fail "the hook script never ran"; exit 1; }
grep -q 'Freeze: app: write lock taken' "$WORK/writer-sqlite.out" ||
  { fail "the SQLite writer never took the lock"; exit 1; }

# Commit latencies (ms, the progress file's 2nd column) by line ranges.
latencies() { # FILE_OF_RANGES [CASE]: one latency per line
  awk -v c="${2-}" 'FNR == NR {
      if (c == "" || $1 == c) { lo[++n] = (c == "" ? $1 : $2); hi[n] = (c == "" ? $2 : $3) }
      next }
    { for (i = 1; i <= n; i++) if (FNR > lo[i] && FNR <= hi[i]) { print $2; break } }' \
    "$1" "$WORK/app.progress"
}
stats() { # count p99 max of stdin
  sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "0 - -"; exit }
    i = int(NR * 0.99); if (i < 1) i = 1; printf "%d %.1f %.1f\n", NR, a[i], a[NR] }'
}
times() { # CASE: median max (s)
  awk -v c="$1" '$1 == c { print $4 }' "$WORK/windows" | sort -n |
    awk '{ a[NR] = $1 } END { printf "%.3f %.3f\n", a[int((NR + 1) / 2)], a[NR] }'
}
read -r base_med base_max < <(times none)
read -r qn qp99 qmax < <(latencies "$WORK/quiet" | stats)
printf '\nwriter_overhead: %d rounds per case; sp-sqlite-app (3 rows/tx, WAL) on an XFS LUN\n' "$ROUNDS"
printf '%-8s %10s %8s %8s   %8s %9s %9s\n' case "create med" max ratio "app tx" "p99 ms" "max ms"
printf '%-8s %10s %8s %8s   %8s %9s %9s\n' quiet - - - "$qn" "$qp99" "$qmax"
for c in none sqlite hooks; do
  read -r med max < <(times "$c")
  read -r n p99 mx < <(latencies "$WORK/windows" "$c" | stats)
  printf '%-8s %10s %8s %7.2fx   %8s %9s %9s\n' "$c" "$med" "$max" \
    "$(awk -v a="$med" -v b="$base_med" 'BEGIN { print a / b }')" "$n" "$p99" "$mx"
done
lab_finish
