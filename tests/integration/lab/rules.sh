#!/usr/bin/env bash
# The import's rules, end to end in the lab: hosts one and three in cluster
# prod, two and four in none.
#   - a host that is not an importer: SP_E_ACCESS_DENIED, nothing changed;
#   - an importer in the cluster of the mounted original (three):
#     SP_E_IMPORT_COLLISION, nothing changed;
#   - once at a time anywhere: while two holds the set, four (an importer
#     outside the cluster) gets VSS_E_VOLUME_IN_USE, and a second import on
#     two VSS_E_OBJECT_ALREADY_EXISTS;
#   - a persistent set stays imported after the import command; list shows
#     device and exposure; unexpose/expose; delete --set on two removes
#     mounts, loop devices and the LUNs at the array;
#   - a BCD whose destination size was changed: VSS_E_NO_SNAPSHOTS_IMPORTED,
#     and the import is rolled back (nothing attached or presented on two).
#
#   tests/integration/lab/rules.sh [--build DIR]     (root; ~30 s)
set -euo pipefail
# shellcheck source=tests/integration/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init rules "$@"

lab_up --hosts one,two,three,four --cluster one=prod --cluster three=prod

mx=$(new_lun one 512M xfs)
on one sh -c "echo payload > '$mx/f.txt' && sync"
loops0=$(pool_loops)

# nothing_changed HOST SET LOOPS: HOST has nothing of SET (no presentation or
# attachment at the array, no mount, no new loop device, not in its list).
nothing_changed() {
  local h=$1 set=$2 before=$3 n
  [[ ,$(array_set_presented "$set"), != *",$h,"* ]] || { echo "    presented to $h"; return 1; }
  [[ ,$(array_set_attached "$set"), != *",$h,"* ]] || { echo "    attached on $h"; return 1; }
  nothing_left "$h" "$before" || return 1
  n=$(on "$h" shadowport list --json | jq '.snapshots | length')
  [[ $n -eq 0 ]] || { echo "    $h lists $n snapshots"; return 1; }
}

# --- 1. Importers {two}: three is refused, nothing changes.
expect_code "one: persistent transportable set S1 for importer two" 0 "" "$WORK/c1.out" \
  on one shadowport create "$mx" --transportable --persistent --importer two --bcd "$WORK/s1.xml"
s1=$(set_id_of "$WORK/s1.xml")
expect_code "three (not an importer) imports S1: refused" "$EXIT_ACCESS_DENIED" SP_E_ACCESS_DENIED \
  "$WORK/i1.out" on three shadowport import "$WORK/s1.xml"
check "three: nothing changed (no presentation, no loop device, no mount, nothing listed)" \
  nothing_changed three "$s1" "$loops0"
check "array: S1's LUN is still there, presented to nobody" \
  test "$(array_set_count "$s1")" -eq 1 -a -z "$(array_set_presented "$s1")"

# --- 2. Importers {two,three,four}: the cluster rule and once at a time.
expect_code "one: persistent transportable set S2 for importers two, three, four" 0 "" "$WORK/c2.out" \
  on one shadowport create "$mx" --transportable --persistent --importer two --importer three \
  --importer four --bcd "$WORK/s2.xml"
s2=$(set_id_of "$WORK/s2.xml")
origin_mounted_rw_by() {
  admin lun list --json | jq -e --arg h "$1" '[.luns[] | select(.mounted_read_write_by | index($h))] | length > 0' >/dev/null
}
check "array: one has the original mounted read-write (the cluster rule's input)" origin_mounted_rw_by one
expect_code "three (importer, cluster prod like one) imports S2: collision" "$EXIT_CONFLICT" \
  SP_E_IMPORT_COLLISION "$WORK/i2.out" on three shadowport import "$WORK/s2.xml"
check "three: nothing changed after the collision" nothing_changed three "$s2" "$loops0"

bg hold two shadowport import "$WORK/s2.xml" --hold
hold_pid=$BG_PID
check "two: import S2 --hold holds it" wait_for 30 grep -q 'holding the import' "$WORK/hold.out"
loops_held=$(pool_loops)
check "two: S2's LUN is attached on two at the array" test "$(array_set_attached "$s2")" = two
expect_code "four (importer, no cluster) imports S2 while two holds it: in use" "$EXIT_BUSY" \
  VSS_E_VOLUME_IN_USE "$WORK/i3.out" on four shadowport import "$WORK/s2.xml"
check "four: the refusal names two" grep -q 'two' "$WORK/i3.out"
check "four: nothing changed" nothing_changed four "$s2" "$loops_held"
check "two: still holds S2 (attached on two only)" test "$(array_set_attached "$s2")" = two
expect_code "two: a second import of S2 while held" "$EXIT_CONFLICT" VSS_E_OBJECT_ALREADY_EXISTS \
  "$WORK/i4.out" on two shadowport import "$WORK/s2.xml"
check "two: the held import is untouched (still one loop device more)" test "$(pool_loops)" = "$loops_held"

# --- 3. A persistent set stays after the import ends.
kill -TERM "$hold_pid"
check "two: import --hold ends on SIGTERM" wait_for 15 exited "$hold_pid"
rc=$(wait_rc "$hold_pid")
check "two: import --hold exits 0 (rc $rc)" test "$rc" -eq 0
on two shadowport list --json >"$WORK/list2.json"
snap2=$(jq -r --arg s "$s2" '[.snapshots[] | select(.snapshot_set_id == $s)][0].snapshot_id // empty' "$WORK/list2.json")
dev2=$(jq -r --arg s "$s2" '[.snapshots[] | select(.snapshot_set_id == $s)][0].device // empty' "$WORK/list2.json")
exp2=$(jq -r --arg s "$s2" '[.snapshots[] | select(.snapshot_set_id == $s)][0].exposed_path // empty' "$WORK/list2.json")
check "two: S2 still imported after the command ended (list: device $dev2)" test -n "$snap2" -a -b "${dev2:-/nonexistent}"
check "two: list shows S2's exposure under the exposure root ($exp2)" test "${exp2#"$LAB_DIR/two/exposed/"}" != "$exp2"
check "two: the exposure holds the snapshot's file" on two grep -qx payload "$exp2/f.txt"
on two shadowport list >"$WORK/list2.txt" 2>&1 || true
check "two: shadowport list (text) shows the device and the exposure" \
  bash -c "grep -qF '$dev2' '$WORK/list2.txt' && grep -qF '$exp2' '$WORK/list2.txt'"
expect_code "two: the same BCD again on two" "$EXIT_CONFLICT" VSS_E_OBJECT_ALREADY_EXISTS \
  "$WORK/i5.out" on two shadowport import "$WORK/s2.xml"
expect_code "two: shadowport unexpose" 0 "" "$WORK/unexpose.out" on two shadowport unexpose "$snap2"
check "two: unexposed: not mounted any more" bash -c "! '$LAB_SCRIPT' --dir '$LAB_DIR' exec two mountpoint -q '$exp2'"
n=$(on two shadowport list --json | jq -r --arg s "$s2" '[.snapshots[] | select(.snapshot_set_id == $s)][0].exposed_path')
check "two: list shows no exposure after unexpose" test -z "$n"
expect_code "two: shadowport expose" 0 "" "$WORK/expose.out" on two shadowport expose "$snap2"
check "two: exposed again, read-only, with the file" on two grep -qx payload "$exp2/f.txt"
check "two: the exposure is read-only" bash -c "! '$LAB_SCRIPT' --dir '$LAB_DIR' exec two touch '$exp2/new' 2>/dev/null"
expect_code "two: shadowport delete --set S2" 0 "" "$WORK/delete.out" on two shadowport delete "$s2" --set
check "two: after delete nothing is left (mounts, loop devices)" nothing_left two "$loops0"
check "array: S2's snapshot LUN is deleted" test "$(array_set_count "$s2")" -eq 0
n=$(on two shadowport list --json | jq '.snapshots | length')
check "two: list is empty after delete" test "$n" -eq 0

# --- 4. A tampered BCD (destination LUN size changed): rolled back.
expect_code "one: persistent transportable set S3 for importer two" 0 "" "$WORK/c3.out" \
  on one shadowport create "$mx" --transportable --persistent --importer two --bcd "$WORK/s3.xml"
s3=$(set_id_of "$WORK/s3.xml")
python3 - "$WORK/s3.xml" "$WORK/s3-tampered.xml" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def bump(m):
    return m.group(1) + str(int(m.group(2)) + 512) + '"'
new, n = re.subn(r'(<DESTINATION_LUN>\s*<LUN_INFORMATION[^>]*?sizeBytes=")(\d+)"', bump, text)
if n != 1:
    sys.exit("no destination LUN size found")
open(sys.argv[2], "w").write(new)
EOF
check "the tampered BCD differs from the original only in the size" \
  test "$(diff "$WORK/s3.xml" "$WORK/s3-tampered.xml" | grep -c '^[<>]')" -eq 2
expect_code "two: import of the tampered BCD" "$EXIT_PROVIDER" VSS_E_NO_SNAPSHOTS_IMPORTED \
  "$WORK/i6.out" on two shadowport import "$WORK/s3-tampered.xml"
check "two: the refusal names the size check" grep -q 'bytes; the BCD says' "$WORK/i6.out"
check "two: the failed import was rolled back (nothing presented, attached, mounted or listed)" \
  nothing_changed two "$s3" "$loops0"
check "array: S3's LUN is still there" test "$(array_set_count "$s3")" -eq 1
expect_code "two: the untampered BCD imports afterwards (--delete)" 0 "" "$WORK/i7.out" \
  on two shadowport import "$WORK/s3.xml" --delete
check "two: nothing left after import --delete" nothing_left two "$loops0"
check "array: S3's LUN deleted by import --delete" test "$(array_set_count "$s3")" -eq 0

# one's S1 is still its own; deleting it there removes its LUN.
expect_code "one: delete S1" 0 "" "$WORK/d1.out" on one shadowport delete "$s1" --set
check "array: S1 deleted" test "$(array_set_count "$s1")" -eq 0

lab_finish
