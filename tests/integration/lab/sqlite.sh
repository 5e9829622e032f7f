#!/usr/bin/env bash
# The SQLite writer in the transportable flow (docs/writers/sqlite.md), in
# the two-host lab: a SQLite database on a LUN volume of systemOne, an
# application committing numbered transactions into it (sp-sqlite-app, 3
# rows each), shadowport-writer-sqlite on one. systemOne makes a
# transportable set while the application writes; systemTwo imports it,
# copies the database and its WAL out of the read-only exposure and checks
# the copy: PRAGMA integrity_check is "ok", every transaction is complete,
# they are numbered 1..M without a gap, and M is at least the last
# transaction the application had committed before `shadowport create`
# began (and at most the last one it had committed when the set existed).
# The WAL on one is truncated only after the success done-signal: not at
# Thaw, not after a second set whose backup failed.
#
#   tests/integration/lab/sqlite.sh [--build DIR]     (root; ~60 s)
set -euo pipefail
# shellcheck source=tests/integration/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init sqlite "$@"

APP=$LAB_BUILD/tests/integration/sp-sqlite-app
WRITER=$LAB_BUILD/src/writers/sqlite/shadowport-writer-sqlite
for b in "$APP" "$WRITER"; do
  [[ -x $b ]] || { fail "not built: $b"; exit 1; }
done

lab_up --hosts one,two

mnt=$(new_lun one 512M xfs)
db=$mnt/app.db
progress=$WORK/app.progress
last_tx() { awk 'END { print $1 + 0 }' "$progress" 2>/dev/null || echo 0; }
# tx_above N: the application has recorded a transaction beyond N (read
# afresh on each call, for wait_for).
tx_above() { test "$(last_tx)" -gt "$1"; }
wal_size() { on one stat -c %s "$db-wal" 2>/dev/null || echo -1; }

# The application: --keep-wal (it never checkpoints), so only the writer's
# BackupComplete may shrink the WAL.
start_app() {
  bg app one "$APP" --db "$db" --progress "$progress" --keep-wal
  APP_PID=$BG_PID
  local before
  before=$(last_tx)
  wait_for 20 tx_above "$((before + 20))"
}
stop_app() {
  kill -TERM "$APP_PID" 2>/dev/null || true
  wait "$APP_PID" 2>/dev/null || true
}
start_app
check "one: the application commits into $db" test "$(last_tx)" -gt 20

cat >"$WORK/writer-sqlite.toml" <<EOF2
instance_name = "lab app"
[[database]]
path = "$db"
name = "app"
EOF2
bg writer one "$WRITER" --config "$WORK/writer-sqlite.toml" \
  --socket "$LAB_DIR/one/shadowportd.sock"
check "one: shadowport-writer-sqlite registered" \
  wait_for 20 grep -q 'registered' "$WORK/writer.out"

# --- A backup that succeeds -------------------------------------------------
committed_before=$(last_tx)
log "one: shadowport create (application at transaction $committed_before)"
bg create one shadowport create "$mnt" --transportable --importer two \
  --metadata "$WORK/set.spb" --bcd "$WORK/set.xml" --wait-done --wait-timeout 120
create_pid=$BG_PID
check "one: create made the set and waits for the done-signal" \
  wait_for 60 grep -q 'waiting for the done-signal' "$WORK/create.out"
committed_by_snapshot=$(last_tx)
check "one: the writer held the database's write lock during the freeze" \
  grep -q 'Freeze: app: write lock taken' "$WORK/writer.out"
check "one: and released it at Thaw" grep -q 'Thaw: .*app.db: write lock released' "$WORK/writer.out"
check "one: the application went on after the snapshot" \
  wait_for 20 tx_above "$((committed_by_snapshot + 20))"
stop_app
wal_before=$(wal_size)
check "one: the WAL is not truncated before the done-signal ($wal_before bytes)" \
  test "$wal_before" -gt 0

# On two: copy the database and its WAL out of the read-only exposure (the
# -shm index is not needed: SQLite rebuilds it) and check the copy.
cat >"$WORK/check.sh" <<EOF2
#!/bin/bash
set -euo pipefail
copy=\$(mktemp -d '$WORK/copy.XXXXXX')
cp "\$SHADOWPORT_SNAPSHOT_0_EXPOSED/app.db" "\$copy/"
if [[ -e \$SHADOWPORT_SNAPSHOT_0_EXPOSED/app.db-wal ]]; then
  cp "\$SHADOWPORT_SNAPSHOT_0_EXPOSED/app.db-wal" "\$copy/"
fi
ls -l "\$SHADOWPORT_SNAPSHOT_0_EXPOSED" > '$WORK/exposed.ls'
sqlite3 "\$copy/app.db" 'PRAGMA integrity_check' > '$WORK/integrity.txt'
sqlite3 -separator ' ' "\$copy/app.db" \
  'SELECT count(*), coalesce(min(tx), 0), coalesce(max(tx), 0), coalesce(sum(n != 3), 0)
     FROM (SELECT tx, count(*) AS n FROM t GROUP BY tx)' > '$WORK/rows.txt'
EOF2
chmod 0755 "$WORK/check.sh"
log "two: shadowport import --exec check.sh --signal-done"
expect_code "two: import, check of the copy, done-signal" 0 "" "$WORK/import.out" \
  on two shadowport import "$WORK/set.spb" --exec "$WORK/check.sh" --signal-done
check "one: create ends after the done-signal" wait_for 60 exited "$create_pid"
rc=$(wait_rc "$create_pid")
check "one: create exits 0 (exit $rc)" test "$rc" -eq 0
check "one: BackupComplete reached the writer, which truncated the WAL" \
  wait_for 10 grep -q 'BackupComplete: app: WAL checkpointed' "$WORK/writer.out"
wal_after=$(wal_size)
check "one: the WAL is truncated after the success done-signal ($wal_before -> $wal_after bytes)" \
  test "$wal_after" -eq 0

check "two: the copy passes PRAGMA integrity_check" grep -qx ok "$WORK/integrity.txt"
read -r txs first last partial <"$WORK/rows.txt" || true
log "copy: $txs transactions $first..$last ($partial partial); committed before create: $committed_before, by the snapshot: $committed_by_snapshot"
check "two: no partial transaction in the copy" test "${partial:-1}" -eq 0
check "two: transactions 1..$last without a gap" \
  test "${first:-0}" -eq 1 -a "${txs:-0}" -eq "${last:--1}"
check "two: every transaction committed before the snapshot is there ($last >= $committed_before)" \
  test "${last:-0}" -ge "$committed_before"
check "two: nothing the application committed after the set existed ($last <= $committed_by_snapshot)" \
  test "${last:-0}" -le "$committed_by_snapshot"

# --- A backup that fails: the WAL stays ------------------------------------
start_app
stop_app
wal_before=$(wal_size)
check "one: the WAL has grown again ($wal_before bytes)" test "$wal_before" -gt 0
bg create2 one shadowport create "$mnt" --transportable --importer two \
  --metadata "$WORK/set2.spb" --wait-done --wait-timeout 120
create_pid=$BG_PID
check "one: second set made, waiting for the done-signal" \
  wait_for 60 grep -q 'waiting for the done-signal' "$WORK/create2.out"
expect_code "two: import whose backup fails (--exec false) signals failure" 13 "" \
  "$WORK/import2.out" on two shadowport import "$WORK/set2.spb" --exec /bin/false --signal-done
check "two: import says the backup failed" grep -q 'backup failed' "$WORK/import2.out"
check "one: second create ends after the done-signal" wait_for 60 exited "$create_pid"
wait_rc "$create_pid" >/dev/null
check "one: the writer kept the WAL" \
  wait_for 10 grep -q 'BackupComplete: app: the backup did not succeed' "$WORK/writer.out"
wal_after=$(wal_size)
check "one: the WAL is not truncated after the failure done-signal ($wal_before -> $wal_after bytes)" \
  test "$wal_after" -eq "$wal_before"

lab_finish
