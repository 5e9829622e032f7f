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
#      list: nothing missing, nothing added).
# Its exit status is the backup's verdict: the import sends it to systemOne
# with the done-signal. Paths from the demo: DEMO_BACKUP_DIR (the archive's
# directory), DEMO_MANIFEST (systemOne's manifest of F, copied to two).
set -euo pipefail
export LC_ALL=C
: "${DEMO_BACKUP_DIR:?}" "${DEMO_MANIFEST:?}"

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
  <(cd "$scratch" && find . -type f | sort) >&2; then
  echo "backup.sh: VERIFY FAILED: the archive's file list differs from the manifest" >&2
  exit 1
fi
stamp verified
echo "verified: every file of the archive matches the manifest of F taken before the snapshot ($(wc -l <"$DEMO_MANIFEST") files)"
