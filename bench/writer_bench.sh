#!/usr/bin/env bash
# writer_bench: what a writer costs a snapshot, in the two-host lab
# (bench/README.md, "writer_bench"). PostgreSQL 15 on a LUN of systemOne
# under a steady pgbench load (4 clients, tpcb-like, per-transaction log);
# ROUNDS transportable sets are made alternately with the writer and without
# it (`--exclude-writer` its instance: same run, same load, same volume):
#
#   - DoSnapshotSet time: the wall time of `shadowport create` with vs
#     without the writer (median and max), and the ratio;
#   - application latency: pgbench transaction latency p99 and max for the
#     transactions that completed while a create ran, with the writer,
#     without it, and in the quiet gaps between creates.
#
#   flock /run/sp-lab.lock bash bench/writer_bench.sh --build DIR [--rounds N]
#
# Writers: "postgres" is measured here; further writers plug in through
# start_writer_<name> (start the writer, set WRITER_INSTANCE). The SQLite
# and hook writers are measured by bench/writer_overhead.sh.
# Root; ~2-3 min. Prints a table and a PASS/MISS line against the target:
# the writer adds at most 2 s to DoSnapshotSet and the p99 latency during a
# snapshot with the writer is at most 3x the quiet p99.
set -euo pipefail
export LC_ALL=C
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lab/lib.sh
source "$BENCH_DIR/../tests/integration/lab/lib.sh"

lab_init writer-bench "$@"
ROUNDS=${LAB_ROUNDS:-6}

PGBIN=/usr/lib/postgresql/15/bin
PGWRITER=$LAB_BUILD/src/writers/postgres/shadowport-writer-postgres
[[ -x $PGBIN/pgbench && -x $PGWRITER ]] || { printf 'SKIP: PostgreSQL 15 or the writer missing\n'; exit 77; }
PORT=54393
SOCK=$WORK/sock
PG_PID=
stop_pg() { [[ -z $PG_PID ]] || { kill -INT "$PG_PID" 2>/dev/null; for ((i = 0; i < 150; i++)); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.2; done; kill -KILL "$PG_PID" 2>/dev/null; }; }
trap 'rc=$?; set +e; stop_pg; (exit $rc); lab_exit' EXIT
psql1() { "$PGBIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -XAtq -c "$1"; }
now() { date +%s.%N; }

for w in sqlite hooks; do
  if compgen -G "$LAB_BUILD/src/writers/$w/shadowport-writer-*" >/dev/null; then
    log "writer $w is built; not measured yet (no start_writer_$w)"
  fi
done

lab_up --hosts one,two
MNT=$(new_lun one 2G xfs)
mkdir -p "$SOCK" "$WORK/pg" && chown postgres: "$SOCK" "$WORK/pg"
on one install -d -o postgres -g postgres -m 0700 "$MNT/pgdata" "$MNT/archive"
on one runuser -u postgres -- "$PGBIN/initdb" -D "$MNT/pgdata" --auth=trust -U postgres >/dev/null 2>&1
on one runuser -u postgres -- sh -c "cat >> '$MNT/pgdata/postgresql.conf'" <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
archive_mode = on
archive_command = 'test ! -f $MNT/archive/%f && cp %p $MNT/archive/%f'
max_wal_size = 512MB
EOF
on one runuser -u postgres -- "$PGBIN/pg_ctl" -D "$MNT/pgdata" -l "$WORK/pg/one.log" -w start >/dev/null
PG_PID=$(on one head -n1 "$MNT/pgdata/postmaster.pid")
"$PGBIN/pgbench" -h "$SOCK" -p "$PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1

start_writer_postgres() {
  cat >"$WORK/pg.toml" <<EOF
instance_name = "bench"
conninfo = "host=$SOCK port=$PORT user=postgres dbname=postgres"
data_directory = "$MNT/pgdata"
wal_archive = "$MNT/archive"
socket = "$LAB_DIR/one/shadowportd.sock"
EOF
  bg writer-postgres one "$PGWRITER" --config "$WORK/pg.toml"
  wait_for 30 grep -q 'registered as' "$WORK/writer-postgres.out"
  WRITER_INSTANCE=$(sed -n 's/.*(instance \({[^}]*}\)).*/\1/p' "$WORK/writer-postgres.out" | head -n1)
}
start_writer_postgres
log "postgres writer instance $WRITER_INSTANCE"

# The load: long enough for every round.
duration=$((ROUNDS * 12 + 20))
(cd "$WORK" && exec "$PGBIN/pgbench" -h "$SOCK" -p "$PORT" -U postgres -n -c 4 -j 1 \
  -T "$duration" --log --log-prefix=tx postgres >"$WORK/pgbench.out" 2>&1) &
PGBENCH=$!
LAB_BG_PIDS+=("$PGBENCH")
sleep 5

: >"$WORK/windows"  # kind start end
for ((r = 0; r < ROUNDS; r++)); do
  if ((r % 2 == 0)); then kind=with; excl=(); else kind=without; excl=(--exclude-writer "$WRITER_INSTANCE"); fi
  t0=$(now)
  on one shadowport create "$MNT" --transportable --importer two "${excl[@]}" >"$WORK/create-$r.out" 2>&1 ||
    { fail "create $r ($kind)"; cat "$WORK/create-$r.out"; exit 1; }
  t1=$(now)
  printf '%s %s %s\n' "$kind" "$t0" "$t1" >>"$WORK/windows"
  log "round $r ($kind writer): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f s", b - a }')"
  sleep 5
done
wait "$PGBENCH" || true
cat "$WORK"/tx.* >"$WORK/tx.log"

# Per transaction: completion time (epoch) and latency (us); classify it by
# the create windows; quiet = at least 1 s away from any window.
awk '
  FNR == NR { k[NR] = $1; s[NR] = $2; e[NR] = $3; n = NR; next }
  {
    t = $5 + $6 / 1e6; lat = $3; cls = "quiet"
    for (i = 1; i <= n; i++) {
      if (t >= s[i] && t <= e[i]) { cls = k[i]; break }
      if (t >= s[i] - 1 && t <= e[i] + 1) { cls = "edge" }
    }
    print cls, lat
  }' "$WORK/windows" "$WORK/tx.log" >"$WORK/classified"
stats() { # CLASS: count p99 max (ms)
  awk -v c="$1" '$1 == c { print $2 }' "$WORK/classified" | sort -n |
    awk '{ a[NR] = $1 } END { if (NR == 0) { print "0 - -"; exit }
      i = int(NR * 0.99); if (i < 1) i = 1; printf "%d %.1f %.1f\n", NR, a[i] / 1000, a[NR] / 1000 }'
}
times() { # KIND: median max (s)
  awk -v k="$1" '$1 == k { print $3 - $2 }' "$WORK/windows" | sort -n |
    awk '{ a[NR] = $1 } END { printf "%.3f %.3f\n", a[int((NR + 1) / 2)], a[NR] }'
}
read -r w_med w_max < <(times with)
read -r o_med o_max < <(times without)
read -r qn qp99 qmax < <(stats quiet)
read -r wn wp99 wmax < <(stats with)
read -r on_ op99 omax < <(stats without)
printf '\nwriter_bench: %d rounds, pgbench 4 clients tpcb-like scale 10, PostgreSQL 15 on an XFS LUN\n' "$ROUNDS"
printf '%-28s %10s %10s\n' "create (DoSnapshotSet)" "median s" "max s"
printf '%-28s %10s %10s\n' "with postgres writer" "$w_med" "$w_max" "without writers" "$o_med" "$o_max"
added=$(awk -v a="$w_med" -v b="$o_med" 'BEGIN { printf "%.3f", a - b }')
ratio=$(awk -v a="$w_med" -v b="$o_med" 'BEGIN { printf "%.2f", a / b }')
printf 'writer adds %s s (ratio %s)\n' "$added" "$ratio"
printf '%-28s %8s %10s %10s\n' "pgbench latency" "tx" "p99 ms" "max ms"
printf '%-28s %8s %10s %10s\n' "quiet" "$qn" "$qp99" "$qmax" \
  "during create, with writer" "$wn" "$wp99" "$wmax" \
  "during create, no writer" "$on_" "$op99" "$omax"
if awk -v a="$added" -v w="$wp99" -v q="$qp99" 'BEGIN { exit !(a <= 2.0 && w <= 3 * q) }'; then
  printf 'PASS: writer adds <= 2 s and p99 during the snapshot <= 3x quiet\n'
else
  printf 'MISS: target is writer adds <= 2 s and p99 during the snapshot <= 3x quiet\n'
fi
