#!/usr/bin/env bash
# The PostgreSQL writer in the two-host lab (docs/writers/postgres.md):
# PostgreSQL 15 on systemOne with its data directory, a tablespace and the
# WAL archive on a LUN of the array, shadowport-writer-postgres registered
# with one's shadowportd.
#
#   1. a transportable set whose done-signal says the backup FAILED: the
#      writer removes no archived WAL;
#   2. one whose done-signal never comes (--wait-timeout): none removed;
#   3. one taken under a pgbench load, imported on systemTwo, restored there
#      with `shadowport-writer-postgres restore` (the tablespace relocated
#      with --tablespace-mapping, its copy found on the exposed LUN),
#      started: it recovers to the backup's end, the tablespace is at its
#      new location, pg_amcheck is clean, and every transaction acknowledged
#      to a client before the writer received Freeze is in it (counted per
#      client from pgbench's per-transaction log); after the successful
#      done-signal the archive lost exactly its segments older than the
#      backup's start segment.
#
#   flock /run/sp-lab.lock bash tests/integration/lab/postgres.sh --build DIR
#   (root; ~2 min). Exit 77 (skip) without root, PostgreSQL 15 or the writer.
set -euo pipefail
# shellcheck source=tests/integration/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init postgres "$@"

PGBIN=/usr/lib/postgresql/15/bin
WRITER=$LAB_BUILD/src/writers/postgres/shadowport-writer-postgres
if [[ ! -x $PGBIN/postgres || ! -x $PGBIN/pgbench || ! -x $PGBIN/pg_amcheck ]]; then
  printf 'SKIP: postgres needs PostgreSQL 15 in %s (postgresql-15, postgresql-client-15)\n' "$PGBIN"
  exit 77
fi
if [[ ! -x $WRITER ]]; then
  printf 'SKIP: %s is not built\n' "$WRITER"
  exit 77
fi
if ! id postgres >/dev/null 2>&1; then
  printf 'SKIP: no postgres user\n'
  exit 77
fi

PORT_ONE=54391
PORT_TWO=54392
SOCK_ONE=$WORK/sock-one
SOCK_TWO=$WORK/sock-two
PG_PIDS=()  # postmasters this test started (on one and two)

# Stops the postmasters by PID (fast shutdown, then SIGKILL after 30 s),
# before lab_exit takes the lab down. Runs from the EXIT trap.
stop_postgres() {
  local pid i
  for pid in "${PG_PIDS[@]}"; do
    [[ -n $pid ]] || continue
    kill -INT "$pid" 2>/dev/null || continue
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap 'rc=$?; set +e; stop_postgres; (exit $rc); lab_exit' EXIT

as_postgres() { runuser -u postgres -- "$@"; }
psql_at() { # SOCKDIR PORT SQL
  "$PGBIN/psql" -h "$1" -p "$2" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 -c "$3"
}
# The archive's file names on one, sorted.
archive_list() { on one ls -1 "$ARCHIVE" | LC_ALL=C sort; }
# every_listed_present BEFORE NOW: each name of BEFORE is in NOW.
every_listed_present() {
  local missing
  missing=$(LC_ALL=C comm -23 "$1" "$2")
  if [[ -n $missing ]]; then
    printf '    removed:\n%s\n' "$missing" | sed 's/^/    | /'
    return 1
  fi
}

lab_up --hosts one,two

# ---------------------------------------------------------------- systemOne
MNT=$(new_lun one 2G xfs)
PGDATA=$MNT/pgdata
ARCHIVE=$MNT/archive
TABLESPACE=$MNT/ts
log "one: PostgreSQL 15 on the LUN at $MNT"
mkdir -p "$SOCK_ONE" "$SOCK_TWO" "$WORK/pg"
chown postgres: "$SOCK_ONE" "$SOCK_TWO" "$WORK/pg"  # the servers' sockets and logs
on one install -d -o postgres -g postgres -m 0700 "$ARCHIVE" "$PGDATA" "$TABLESPACE"
on one runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" --auth=trust -U postgres \
  >"$WORK/initdb.log" 2>&1
on one runuser -u postgres -- sh -c "cat >> '$PGDATA/postgresql.conf'" <<EOF
port = $PORT_ONE
listen_addresses = ''
unix_socket_directories = '$SOCK_ONE'
archive_mode = on
archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f'
max_wal_size = 256MB
EOF
on one runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/one.log" -w -t 60 start \
  >/dev/null
PG_PIDS+=("$(on one head -n1 "$PGDATA/postmaster.pid")")
check "one: PostgreSQL runs (pid ${PG_PIDS[0]})" psql_at "$SOCK_ONE" "$PORT_ONE" "SELECT 1"

"$PGBIN/pgbench" -h "$SOCK_ONE" -p "$PORT_ONE" -U postgres -i -s 5 -q postgres >"$WORK/pgbench-init.log" 2>&1
# The table the transactions are counted in lives in a tablespace.
psql_at "$SOCK_ONE" "$PORT_ONE" "CREATE TABLESPACE ts1 LOCATION '$TABLESPACE'"
psql_at "$SOCK_ONE" "$PORT_ONE" \
  "CREATE TABLE acked (client int, seq bigint, PRIMARY KEY (client, seq)) TABLESPACE ts1"

cat >"$WORK/writer.toml" <<EOF
instance_name = "main"
conninfo = "host=$SOCK_ONE port=$PORT_ONE user=postgres dbname=postgres"
data_directory = "$PGDATA"
wal_archive = "$ARCHIVE"
socket = "$LAB_DIR/one/shadowportd.sock"
EOF
log "one: shadowport-writer-postgres"
bg writer one "$WRITER" --config "$WORK/writer.toml"
check "one: the writer registered" wait_for 30 grep -q 'registered as main' "$WORK/writer.out"
check "one: shadowport writers lists it" \
  bash -c "'$LAB_SCRIPT' --dir '$LAB_DIR' exec one shadowport writers | grep -q 'PostgreSQL Writer'"

# create NAME [ARGS...]: a transportable set of the LUN waiting for the
# done-signal, in the background (CREATE_PID); returns once it waits.
create() {
  local name=$1
  shift
  bg "create-$name" one shadowport create "$MNT" --transportable --importer two \
    --metadata "$WORK/$name.spb" --bcd "$WORK/$name.xml" --wait-done "$@"
  CREATE_PID=$BG_PID
  if ! wait_for 120 grep -q 'waiting for the done-signal' "$WORK/create-$name.out"; then
    fail "one: create ($name) did not reach the wait"
    sed 's/^/    | /' "$WORK/create-$name.out" "$WORK/writer.out" | tail -n 40
    exit 1
  fi
}

# ------------------------------------------------- 1: done-signal, failed
log "round 1: backup reported failed"
psql_at "$SOCK_ONE" "$PORT_ONE" "SELECT pg_switch_wal()" >/dev/null
create failed --wait-timeout 120
set_failed=$(set_id_of "$WORK/failed.xml")
archive_list >"$WORK/archive-1.before"
expect_code "round 1: two says done --failed" 0 "" "$WORK/done-failed.out" \
  on two shadowport done "$WORK/failed.spb" --failed
check "round 1: create ends" wait_for 30 exited "$CREATE_PID"
rc=$(wait_rc "$CREATE_PID")
check "round 1: create exits SP_E_IO (13) for the failed backup (got $rc)" test "$rc" -eq 13
archive_list >"$WORK/archive-1.after"
check "round 1: the writer was told the backup did not succeed" \
  grep -qF "BackupComplete set=$set_failed at" "$WORK/writer.out"
check "round 1: no archived WAL removed" every_listed_present "$WORK/archive-1.before" "$WORK/archive-1.after"

# ------------------------------------------------ 2: done-signal, missing
log "round 2: no done-signal (wait-timeout)"
create missing --wait-timeout 8
archive_list >"$WORK/archive-2.before"
check "round 2: create ends at its wait-timeout" wait_for 30 exited "$CREATE_PID"
rc=$(wait_rc "$CREATE_PID")
check "round 2: create exits SP_E_DEADLINE_EXCEEDED (8) (got $rc)" test "$rc" -eq 8
archive_list >"$WORK/archive-2.after"
check "round 2: no archived WAL removed" every_listed_present "$WORK/archive-2.before" "$WORK/archive-2.after"
check "round 2: the writer removed nothing in either round" \
  bash -c "! grep -q 'backup succeeded: removed' '$WORK/writer.out'"

# ----------------------------------- 3: under load, imported, restored, done
log "round 3: pgbench load, snapshot, import and restore on two"
cat >"$WORK/acked.sql" <<'EOF'
\set seq :seq + 1
\set aid random(1, 500000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;
INSERT INTO acked VALUES (:client_id, :seq);
END;
EOF
(cd "$WORK" && exec "$PGBIN/pgbench" -h "$SOCK_ONE" -p "$PORT_ONE" -U postgres -n \
  -f "$WORK/acked.sql" -D seq=0 -c 4 -j 1 -T 25 --log --log-prefix=pgb postgres \
  >"$WORK/pgbench.out" 2>&1) &
PGBENCH_PID=$!
LAB_BG_PIDS+=("$PGBENCH_PID")
sleep 3
create ok --wait-timeout 300
set_ok=$(set_id_of "$WORK/ok.xml")
# The archive as a log backup would take it now: it holds the WAL up to the
# backup's stop (pg_backup_stop waited for it), which the snapshot cannot.
rm -rf "$WORK/archive-copy"
on one cp -a "$ARCHIVE" "$WORK/archive-copy"
archive_list >"$WORK/archive-3.before"

cat >"$WORK/restore.sh" <<EOF
#!/bin/bash
set -u
exposed=
for ((i = 0; i < SHADOWPORT_SNAPSHOT_COUNT; i++)); do
  v=SHADOWPORT_SNAPSHOT_\${i}_VOLUME e=SHADOWPORT_SNAPSHOT_\${i}_EXPOSED
  [[ \${!v} == '$MNT' ]] && exposed=\${!e}
done
[[ -n \$exposed ]] || { echo "no exposure of $MNT"; exit 1; }
# The snapshot's own archive ends at the freeze: restore must refuse it.
'$WRITER' restore --bcd "\$SHADOWPORT_BCD" --from "\$exposed/pgdata" \
  --to '$WORK/refused' --archive "\$exposed/archive" > '$WORK/restore-refused.out' 2>&1
echo \$? > '$WORK/restore-refused.rc'
'$WRITER' restore --bcd "\$SHADOWPORT_BCD" --from "\$exposed/pgdata" \
  --to '$WORK/restored' --archive '$WORK/archive-copy' \
  --tablespace-mapping '$TABLESPACE=$WORK/restored-ts'
EOF
chmod 0755 "$WORK/restore.sh"
expect_code "two: import --exec restore.sh --signal-done" 0 "" "$WORK/import.out" \
  on two shadowport import "$WORK/ok.spb" --exec "$WORK/restore.sh" --signal-done
check "two: restore refused the snapshot's own archive (VSS_E_OBJECT_NOT_FOUND, exit 4)" \
  bash -c "[[ \$(cat '$WORK/restore-refused.rc') == 4 ]] && grep -q 'lacks' '$WORK/restore-refused.out'"
check "one: create ends after the done-signal" wait_for 60 exited "$CREATE_PID"
rc=$(wait_rc "$CREATE_PID")
check "one: create exits 0 (got $rc)" test "$rc" -eq 0
wait "$PGBENCH_PID" || true
check "pgbench ran without errors" grep -q 'number of failed transactions: 0' "$WORK/pgbench.out"

# The archive after BackupComplete(success).
start_file=$(grep -o 'WAL [0-9A-F]\{24\}\.\.[0-9A-F]\{24\} archived' "$WORK/writer.out" | tail -n1 | cut -c5-28)
archive_list >"$WORK/archive-3.after"
log "backup start segment $start_file"
# pg_archivecleanup's rule, in awk (mawk: no {n} intervals): a segment or
# partial segment whose log+seg digits sort before the start's.
OLDER='{ n = $0; sub(/\.partial$/, "", n) }
  length(n) == 24 && n ~ /^[0-9A-F]+$/ && substr(n, 9, 16) < s'
older_before=$(awk -v s="${start_file:8}" "$OLDER" "$WORK/archive-3.before" | wc -l)
older_after=$(awk -v s="${start_file:8}" "$OLDER" "$WORK/archive-3.after" | wc -l)
awk -v s="${start_file:8}" "$OLDER" "$WORK/archive-3.before" |
  LC_ALL=C comm -23 "$WORK/archive-3.before" - >"$WORK/archive-3.kept"
check "round 3: the writer logged the backup's start segment" test -n "$start_file"
check "round 3: there were $older_before segments older than the start before BackupComplete" test "$older_before" -gt 0
check "round 3: none is left after BackupComplete(success)" test "$older_after" -eq 0
check "round 3: every other archive file is kept" every_listed_present "$WORK/archive-3.kept" "$WORK/archive-3.after"
check "round 3: the writer says what it removed" \
  grep -q "BackupComplete set=$set_ok at .*removed $older_before archived WAL files older than $start_file" "$WORK/writer.out"

# ---------------------------------------------------- the restored cluster
log "two: PostgreSQL on the restored data directory"
check "two: restore wrote backup_label and recovery.signal" \
  test -s "$WORK/restored/backup_label" -a -e "$WORK/restored/recovery.signal"
ts_oid=$(psql_at "$SOCK_ONE" "$PORT_ONE" "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'")
check "two: restore copied the tablespace and wrote tablespace_map ($ts_oid)" \
  bash -c "[[ \$(cat '$WORK/restored/tablespace_map') == '$ts_oid $WORK/restored-ts' ]] &&
    ls -d '$WORK/restored-ts'/PG_15_*/ >/dev/null && grep -q 'tablespace $ts_oid' '$WORK/import.out'"
chown -R postgres: "$WORK/restored" "$WORK/restored.wal-archive" "$WORK/restored-ts"
on two runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/restored" -l "$WORK/pg/two.log" -w -t 120 \
  -o "-p $PORT_TWO -k $SOCK_TWO" start >/dev/null 2>&1 || true
if [[ -s $WORK/restored/postmaster.pid ]]; then
  PG_PIDS+=("$(head -n1 "$WORK/restored/postmaster.pid")")
fi
promoted() { [[ $(psql_at "$SOCK_TWO" "$PORT_TWO" "SELECT pg_is_in_recovery()" 2>/dev/null) == f ]]; }
check "two: the restored cluster starts, recovers and opens" wait_for 120 promoted
check "two: recovery reached a consistent state (the backup's end)" \
  grep -q 'consistent recovery state reached' "$WORK/pg/two.log"
check "two: archive recovery completed from the archive copy" \
  grep -q 'archive recovery complete' "$WORK/pg/two.log"
check "two: the tablespace is at its new location" \
  test "$(psql_at "$SOCK_TWO" "$PORT_TWO" "SELECT pg_tablespace_location($ts_oid)")" == "$WORK/restored-ts"
check "two: pg_tblspc/$ts_oid links to it" \
  test "$(readlink "$WORK/restored/pg_tblspc/$ts_oid")" == "$WORK/restored-ts"
expect_code "two: pg_amcheck --all is clean" 0 "" "$WORK/amcheck.out" \
  "$PGBIN/pg_amcheck" -h "$SOCK_TWO" -p "$PORT_TWO" -U postgres --install-missing --all --heapallindexed

# Every transaction acknowledged before the writer got Freeze is there.
t_freeze=$(grep -F "Freeze set=$set_ok at" "$WORK/writer.out" | head -n1 | sed 's/.* at \([0-9.]*\):.*/\1/')
log "Freeze at $t_freeze"
cat "$WORK"/pgb.* >"$WORK/pgbench.log" 2>/dev/null || true
awk -v t="$t_freeze" '{ if ($5 + $6 / 1e6 < t) n[$1]++; all[$1]++ }
  END { for (c in all) print c, n[c] + 0, all[c] }' "$WORK/pgbench.log" | sort -n >"$WORK/acked.expected"
sed 's/^/    /' "$WORK/acked.expected"
live=$(psql_at "$SOCK_ONE" "$PORT_ONE" "SELECT client, count(*), max(seq) FROM acked GROUP BY client ORDER BY client")
expected_live=$(awk '{ print $1 "|" $3 "|" $3 }' "$WORK/acked.expected")
check "one: the live table holds one row per logged transaction, seq = transaction number + 1" \
  test "$live" == "$expected_live"
before=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/acked.expected")
after=$(awk '{ s += $3 - $2 } END { print s + 0 }' "$WORK/acked.expected")
check "pgbench committed transactions before the freeze ($before) and after it ($after)" \
  test "$before" -gt 0 -a "$after" -gt 0
missing=0
while read -r client n _; do
  got=$(psql_at "$SOCK_TWO" "$PORT_TWO" "SELECT count(*) FROM acked WHERE client = $client AND seq <= $n")
  if [[ $got != "$n" ]]; then
    printf '    client %s: %s of its first %s transactions restored\n' "$client" "$got" "$n"
    missing=1
  fi
done <"$WORK/acked.expected"
check "two: every transaction acknowledged before the freeze is restored" test "$missing" -eq 0

lab_finish
