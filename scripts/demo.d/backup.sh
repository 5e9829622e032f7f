#!/usr/bin/env bash
# scripts/demo.d/backup.sh: systemTwo's backup tool in the demo (step 7).
# scripts/demo installs it as DIR/two/backup.sh and runs it through
# `shadowport import BUNDLE --exec DIR/two/backup.sh --signal-done`, so it
# runs on systemTwo while the imported snapshot is exposed there, with the
# SHADOWPORT_* variables of the import (docs/cli.md). It
#   1. prints those variables and `shadowport list` (device, exposure);
#   2. archives the exposed snapshot of volume F with tar;
#   3. verifies the archive against the manifest systemOne took of F
#      (extracted to a scratch directory, `sha256sum -c`, and the same file
#      list: nothing missing, nothing added, apart from the database);
#   4. checks the SQLite database in the archive (sqlite/app.db and its WAL):
#      `PRAGMA integrity_check` is ok, every transaction is whole (3 rows),
#      they are numbered 1..M without a gap, and M lies between the last
#      transaction committed when `shadowport create` began
#      (DEMO_DB_MIN_TX) and the last one committed when the set existed
#      (DEMO_DB_MAX_TX): the snapshot is application-consistent.
# Its exit status is the backup's verdict: the import sends it to systemOne
# with the done-signal. Paths from the demo: DEMO_BACKUP_DIR (the archive's
# directory), DEMO_MANIFEST (systemOne's manifest of F, copied to two),
# DEMO_DB_MIN_TX and DEMO_DB_MAX_TX. Writes the database's verdict to
# DEMO_BACKUP_DIR/db.check.
set -euo pipefail
export LC_ALL=C
: "${DEMO_BACKUP_DIR:?}" "${DEMO_MANIFEST:?}" "${DEMO_DB_MIN_TX:?}" "${DEMO_DB_MAX_TX:?}"

stamp() { printf '%s %s\n' "$1" "$EPOCHREALTIME" >>"$DEMO_BACKUP_DIR/times"; }
stamp start

echo "backup.sh on host ${SHADOWPORT_LAB_HOST:-?}: the import's environment"
env | grep '^SHADOWPORT_' | grep -v '^SHADOWPORT_LAB_' | sort | sed 's/^/  /'
echo "shadowport list (on ${SHADOWPORT_LAB_HOST:-?}):"
shadowport list | sed 's/^/  /'

((${SHADOWPORT_SNAPSHOT_COUNT:-0} == 1)) || {
  echo "backup.sh: expected 1 imported snapshot, got ${SHADOWPORT_SNAPSHOT_COUNT:-none}" >&2
  exit 1
}
src=${SHADOWPORT_SNAPSHOT_0_EXPOSED:-}
[[ -n $src && -d $src ]] || {
  echo "backup.sh: the snapshot is not exposed (SHADOWPORT_SNAPSHOT_0_EXPOSED='$src')" >&2
  exit 1
}
archive=$DEMO_BACKUP_DIR/F.tar
echo "tar -C $src -cf $archive . (snapshot of $SHADOWPORT_SNAPSHOT_0_VOLUME on $SHADOWPORT_SNAPSHOT_0_DEVICE)"
tar -C "$src" -cf "$archive" .
stamp tar
echo "archive: $(stat -c %s "$archive") bytes, $(tar -tvf "$archive" | grep -c '^-') files"

scratch=$(mktemp -d "$DEMO_BACKUP_DIR/verify.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
tar -C "$scratch" -xf "$archive"
if ! (cd "$scratch" && sha256sum -c --quiet --strict "$DEMO_MANIFEST"); then
  echo "backup.sh: VERIFY FAILED: the archive does not match systemOne's manifest of F" >&2
  exit 1
fi
if ! diff -u <(sed 's/^[0-9a-f]\{64\}  //' "$DEMO_MANIFEST" | sort) \
  <(cd "$scratch" && find . -type f -not -path './sqlite/*' | sort) >&2; then
  echo "backup.sh: VERIFY FAILED: the archive's file list differs from the manifest" >&2
  exit 1
fi
stamp verified
echo "verified: every file of the archive matches the manifest of F taken before the snapshot ($(wc -l <"$DEMO_MANIFEST") files)"

db=$scratch/sqlite/app.db
[[ -f $db ]] || {
  echo "backup.sh: VERIFY FAILED: no sqlite/app.db in the archive" >&2
  exit 1
}
integrity=$(sqlite3 "$db" 'PRAGMA integrity_check')
read -r txs first last partial < <(sqlite3 -separator ' ' "$db" \
  'SELECT count(*), coalesce(min(tx), 0), coalesce(max(tx), 0), coalesce(sum(n != 3), 0)
     FROM (SELECT tx, count(*) AS n FROM t GROUP BY tx)')
verdict="integrity $integrity, transactions $first..$last ($txs, $partial partial); committed before create: $DEMO_DB_MIN_TX, by the snapshot: $DEMO_DB_MAX_TX"
echo "database: $verdict"
if [[ $integrity != ok ]] || ((partial != 0 || first != 1 || txs != last ||
  last < DEMO_DB_MIN_TX || last > DEMO_DB_MAX_TX)); then
  echo "backup.sh: VERIFY FAILED: the database in the snapshot is not consistent" >&2
  exit 1
fi
printf '%s\n' "$verdict" >"$DEMO_BACKUP_DIR/db.check"
stamp db
echo "verified: the SQLite database is consistent and holds every transaction committed before the snapshot"
