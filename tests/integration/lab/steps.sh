#!/usr/bin/env bash
# The nine steps of the transportable flow, end to end in the lab
# (docs/lab.md): systemOne (host one, cluster prod) makes a transportable
# auto-release set of an XFS and an ext4 volume and waits for the
# done-signal; systemTwo (host two) imports it, backs it up with tar from
# its exposure (--exec), lists it, and signals done. Then: the archive holds
# the files as they were at snapshot time, nothing is left on two, the
# snapshot LUNs are gone at the array, and one's create ended with
# BackupComplete after the done-signal.
#
#   tests/integration/lab/steps.sh [--build DIR]     (root; ~30 s)
set -euo pipefail
# shellcheck source=tests/integration/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init steps "$@"

lab_up --hosts one,two --cluster one=prod

# Step 1: LUNs of the array mounted as volumes on one, with sample files.
mx=$(new_lun one 512M xfs)
me=$(new_lun one 512M ext4)
on one sh -c "echo 'xfs file, before' > '$mx/a.txt' && mkdir '$mx/dir' &&
  seq 1 20000 > '$mx/dir/b.txt' && echo 'ext4 file, before' > '$me/c.txt' && sync"
seq 1 20000 >"$WORK/b.expected"
loops_before=$(pool_loops)

# Steps 2-5 and 9 on one: the transportable set, the metadata for two, and
# the wait for two's done-signal.
log "one: shadowport create --transportable --importer two --wait-done"
bg create one shadowport create "$mx" "$me" --transportable --importer two \
  --metadata "$WORK/set.spb" --bcd "$WORK/set.xml" --wait-done --wait-timeout 120
create_pid=$BG_PID
check "one: create made the set and waits for the done-signal" \
  wait_for 60 grep -q 'waiting for the done-signal' "$WORK/create.out"
check "one: the metadata bundle and the BCD were written" test -s "$WORK/set.spb" -a -s "$WORK/set.xml"
set_id=$(set_id_of "$WORK/set.xml")
log "set $set_id"
check "the set's two snapshot LUNs exist at the array" test "$(array_set_count "$set_id")" -eq 2
check "they are presented to nobody before the import (not surfaced on one)" \
  test -z "$(array_set_presented "$set_id")"

# After the snapshot: change the originals, to prove two backs up the
# snapshot, not the live volume.
on one sh -c "echo 'xfs file, after' > '$mx/a.txt' && echo 'ext4 file, after' > '$me/c.txt' &&
  echo new > '$mx/new.txt' && rm '$mx/dir/b.txt' && sync"

# Steps 6-8 on two: import, back up from the exposure, list, delete (the
# set is auto-release: it goes with the import's session), signal done.
cat >"$WORK/backup.sh" <<EOF
#!/bin/bash
set -euo pipefail
env | grep '^SHADOWPORT_' | sort > '$WORK/exec.env'
for ((i = 0; i < SHADOWPORT_SNAPSHOT_COUNT; i++)); do
  exposed=SHADOWPORT_SNAPSHOT_\${i}_EXPOSED
  fs=SHADOWPORT_SNAPSHOT_\${i}_FS
  tar -C "\${!exposed}" -cf '$WORK/archive-'"\${!fs}"'.tar' .
  findmnt -n -o FSTYPE,OPTIONS --mountpoint "\${!exposed}" > '$WORK/mount-'"\${!fs}"'.txt'
done
shadowport list --json > '$WORK/list.json'
EOF
chmod 0755 "$WORK/backup.sh"
log "two: shadowport import BUNDLE --exec backup.sh --signal-done"
expect_code "two: import --exec --signal-done succeeds" 0 "" "$WORK/import.out" \
  on two shadowport import "$WORK/set.spb" --exec "$WORK/backup.sh" --signal-done
check "two: import says it signalled one" grep -q "signalled one" "$WORK/import.out"

# Step 9 on one: the done-signal arrived, BackupComplete, exit 0.
check "one: create ends after the done-signal" wait_for 30 exited "$create_pid"
rc=$(wait_rc "$create_pid")
if [[ $rc -eq 0 ]] && grep -q 'done-signal from two' "$WORK/create.out"; then
  pass "one: create exits 0 saying the done-signal from two arrived"
else
  fail "one: create exit $rc; output:"
  sed 's/^/    | /' "$WORK/create.out"
fi
check "one: create sent BackupComplete" grep -q 'BackupComplete sent' "$WORK/create.out"

# Step 7: the backup holds the files as they were at snapshot time.
mkdir -p "$WORK/x" "$WORK/e"
if [[ -f $WORK/archive-xfs.tar && -f $WORK/archive-ext4.tar ]]; then
  tar -C "$WORK/x" -xf "$WORK/archive-xfs.tar"
  tar -C "$WORK/e" -xf "$WORK/archive-ext4.tar"
  pass "two: --exec made an archive of each exposed snapshot"
else
  fail "two: archives missing: $(ls "$WORK")"
fi
check "archive (xfs): a.txt as at snapshot time" grep -qx 'xfs file, before' "$WORK/x/a.txt"
check "archive (xfs): dir/b.txt as at snapshot time (deleted since)" cmp -s "$WORK/b.expected" "$WORK/x/dir/b.txt"
check "archive (xfs): no file made after the snapshot" test ! -e "$WORK/x/new.txt"
check "archive (ext4): c.txt as at snapshot time" grep -qx 'ext4 file, before' "$WORK/e/c.txt"
check "one: the original volume was not touched (a.txt is the new one)" \
  on one grep -qx 'xfs file, after' "$mx/a.txt"

# The --exec environment (src/cli/import_env.h).
envf=$WORK/exec.env
check "--exec: SHADOWPORT_SNAPSHOT_SET_ID is the set" grep -qxF "SHADOWPORT_SNAPSHOT_SET_ID=$set_id" "$envf"
check "--exec: SHADOWPORT_CREATING_HOST=one" grep -qx 'SHADOWPORT_CREATING_HOST=one' "$envf"
check "--exec: SHADOWPORT_SNAPSHOT_COUNT=2" grep -qx 'SHADOWPORT_SNAPSHOT_COUNT=2' "$envf"
check "--exec: the original volumes (SHADOWPORT_SNAPSHOT_i_VOLUME)" \
  bash -c "grep -qxE 'SHADOWPORT_SNAPSHOT_[01]_VOLUME=$mx' '$envf' && grep -qxE 'SHADOWPORT_SNAPSHOT_[01]_VOLUME=$me' '$envf'"
check "--exec: devices are loop devices on two (SHADOWPORT_SNAPSHOT_i_DEVICE)" \
  test "$(grep -cE '^SHADOWPORT_SNAPSHOT_[01]_DEVICE=/dev/loop[0-9]+$' "$envf")" -eq 2
check "--exec: exposures under two's exposure root" \
  test "$(grep -cE "^SHADOWPORT_SNAPSHOT_[01]_EXPOSED=$LAB_DIR/two/exposed/" "$envf")" -eq 2
check "--exec: SHADOWPORT_BCD names a readable BCD" \
  grep -qE '^SHADOWPORT_BCD=/.+' "$envf"

# The exposures' mounts: read-only, XFS nouuid,norecovery, ext4 noload.
xo=$(cat "$WORK/mount-xfs.txt" 2>/dev/null || true)
eo=$(cat "$WORK/mount-ext4.txt" 2>/dev/null || true)
xopts=,$(awk '{print $2}' <<<"$xo"),
eopts=,$(awk '{print $2}' <<<"$eo"),
if [[ $xo == xfs* && $xopts == *,ro,* && $xopts == *,nouuid,* && $xopts == *,norecovery,* ]]; then
  pass "xfs snapshot mounted ro,nouuid,norecovery ($xo)"
else
  fail "xfs snapshot mount options: '$xo'"
fi
if [[ $eo == ext4* && $eopts == *,ro,* && ($eopts == *,noload,* || $eopts == *,norecovery,*) ]]; then
  pass "ext4 snapshot mounted read-only without journal replay ($eo)"
else
  fail "ext4 snapshot mount options: '$eo'"
fi

# GetSnapshotProperties while the set existed: device and exposure.
lj=$WORK/list.json
n=$(jq --arg s "$set_id" '[.snapshots[] | select(.snapshot_set_id == $s and (.device | startswith("/dev/loop")) and (.exposed_path | length > 0))] | length' "$lj" 2>/dev/null || echo 0)
check "two: shadowport list --json showed both snapshots with device and exposure" test "$n" -eq 2
n=$(jq --arg s "$set_id" '[.snapshots[] | select(.snapshot_set_id == $s and .originating_host == "one")] | length' "$lj" 2>/dev/null || echo 0)
check "two: shadowport list --json named one as the creating host" test "$n" -eq 2

# After step 8: nothing left on two, nothing at the array, nothing on one.
check "two: nothing left (no mount under the exposure root, no snapshot loop device)" \
  nothing_left two "$loops_before"
check "array: the set's snapshot LUNs are deleted" test "$(array_set_count "$set_id")" -eq 0
n=$(on two shadowport list --json | jq '.snapshots | length')
check "two: shadowport list is empty afterwards" test "$n" -eq 0
n=$(on one shadowport list --json | jq '.snapshots | length')
check "one: shadowport list is empty afterwards (auto-release set released)" test "$n" -eq 0

lab_finish
