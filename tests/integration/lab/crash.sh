#!/usr/bin/env bash
# Crashes on the importing host (two), end to end in the lab:
#   (a) the requester (`import --hold`) SIGKILLed: its auto-release set is
#       deleted (LUNs gone at the array, nothing left on two);
#   (b) shadowportd SIGKILLed while it holds an imported auto-release set:
#       the next start deletes the set;
#   (c) shadowportd dies mid-import (SHADOWPORTD_CRASH_AT=import.surfaced):
#       the next start undoes the import (no loop device, no mount, no
#       presentation to two; the set's LUN stays at the array: it is one's);
#   (d) the same at import.located (presented, not attached);
#   (e) an orphan made behind the service's back (a snapshot LUN presented
#       to two, attached and mounted there): `shadowport cleanup` removes it.
#
#   tests/integration/lab/crash.sh [--build DIR]     (root; ~45 s)
set -euo pipefail
# shellcheck source=tests/integration/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_init crash "$@"

lab_up --hosts one,two --cluster one=prod

mx=$(new_lun one 512M xfs)
on one sh -c "echo payload > '$mx/f.txt' && sync"
loops0=$(pool_loops)

# The running shadowportd of HOST (its PID), from lab.state.
daemon_pid() {
  local type name pid found=
  while read -r type name pid _; do
    [[ $type == pid && $name == "shadowportd:$1" ]] || continue
    if [[ -d /proc/$pid ]] && ! exited "$pid"; then found=$pid; fi
  done <"$LAB_DIR/lab.state"
  [[ -n $found ]] && printf '%s\n' "$found"
}

# An auto-release transportable set on one, kept by `create --wait-done`.
# Sets CREATE_PID and SET_ID; the BCD is $WORK/NAME.xml.
auto_release_set() {
  local name=$1
  bg "create-$name" one shadowport create "$mx" --transportable --importer two \
    --bcd "$WORK/$name.xml" --wait-done --wait-timeout 300
  CREATE_PID=$BG_PID
  check "one: auto-release set $name made, create waits" \
    wait_for 60 grep -q 'waiting for the done-signal' "$WORK/create-$name.out"
  SET_ID=$(set_id_of "$WORK/$name.xml")
}

# gone_everywhere SET: no LUN of SET at the array, nothing left on two.
gone_everywhere() {
  [[ $(array_set_count "$1") -eq 0 ]] && nothing_left two "$loops0" >/dev/null
}

not_on_two() { # SET: neither presented to nor attached on two at the array
  [[ ,$(array_set_presented "$1"), != *,two,* && ,$(array_set_attached "$1"), != *,two,* ]]
}

# --- (a) two's requester SIGKILLed.
auto_release_set a
set_a=$SET_ID
create_a=$CREATE_PID
bg hold-a two shadowport import "$WORK/a.xml" --hold
hold_a=$BG_PID
check "(a) two: import --hold holds set a" wait_for 30 grep -q 'holding the import' "$WORK/hold-a.out"
check "(a) two: set a's LUN attached on two" test "$(array_set_attached "$set_a")" = two
kill -KILL "$hold_a"
check "(a) two: requester SIGKILLed" wait_for 5 exited "$hold_a"
t0=$SECONDS
if wait_for 10 gone_everywhere "$set_a"; then
  pass "(a) the auto-release set's LUNs are deleted at the array and nothing is left on two ($((SECONDS - t0)) s)"
else
  fail "(a) after the requester's crash: LUNs at the array $(array_set_count "$set_a"), on two:"
  nothing_left two "$loops0" || true
fi
n=$(on two shadowport list --json | jq '.snapshots | length')
check "(a) two: list is empty" test "$n" -eq 0
kill -TERM "$create_a"
check "(a) one: create ends on SIGTERM" wait_for 15 exited "$create_a"
rc=$(wait_rc "$create_a")
check "(a) one: create exits 1 (SP_E_CANCELLED) without the done-signal (rc $rc)" test "$rc" -eq 1

# --- (b) two's shadowportd SIGKILLed while it holds an imported set.
auto_release_set b
set_b=$SET_ID
create_b=$CREATE_PID
bg hold-b two shadowport import "$WORK/b.xml" --hold
hold_b=$BG_PID
check "(b) two: import --hold holds set b" wait_for 30 grep -q 'holding the import' "$WORK/hold-b.out"
dpid=$(daemon_pid two)
kill -KILL "$dpid"
check "(b) two: shadowportd SIGKILLed" wait_for 5 exited "$dpid"
kill -TERM "$hold_b" 2>/dev/null || true
wait_for 10 exited "$hold_b" || true
check "(b) while it is down the set is still attached on two (something to clean up)" \
  test "$(array_set_attached "$set_b")" = two
check "(b) two: shadowportd restarted" restart_daemon two
check "(b) at start: set b deleted at the array and nothing left on two" wait_for 10 gone_everywhere "$set_b"
kill -TERM "$create_b"
wait_for 15 exited "$create_b" || true
wait_rc "$create_b" >/dev/null

# --- (c) crash mid-import, after the first LUN was attached.
expect_code "one: persistent transportable set P" 0 "" "$WORK/cp.out" \
  on one shadowport create "$mx" --transportable --persistent --importer two --bcd "$WORK/p.xml"
set_p=$(set_id_of "$WORK/p.xml")
check "(c) two: shadowportd restarted with SHADOWPORTD_CRASH_AT=import.surfaced" \
  restart_daemon two --env SHADOWPORTD_CRASH_AT=import.surfaced
dpid=$(daemon_pid two)
rc=0
on two shadowport import "$WORK/p.xml" >"$WORK/ic.out" 2>&1 || rc=$?
check "(c) two: the import fails (rc $rc)" test "$rc" -ne 0
check "(c) two: shadowportd died at the crash point" wait_for 5 exited "$dpid"
check "(c) the daemon's log says so" grep -q 'crash test: SIGKILL at import.surfaced' "$LAB_DIR/two/shadowportd.log"
check "(c) left behind: set P's LUN attached on two (a loop device of a pool LUN)" \
  bash -c "[[ '$(array_set_attached "$set_p")' == two && '$(pool_loops)' != '$loops0' ]]"
check "(c) two: shadowportd restarted normally" restart_daemon two
check "(c) at start: nothing left on two" nothing_left two "$loops0"
check "(c) at start: P's LUN no longer presented to or attached on two" not_on_two "$set_p"
check "(c) P's LUN remains at the array (the set is one's)" test "$(array_set_count "$set_p")" -eq 1
check "(c) the log says the import was undone at start" \
  grep -q "import of snapshot set $set_p was cut off" "$LAB_DIR/two/shadowportd.log"
n=$(on two shadowport list --json | jq '.snapshots | length')
check "(c) two: list is empty" test "$n" -eq 0

# --- (d) crash mid-import, after locating (presented to two, not attached).
check "(d) two: shadowportd restarted with SHADOWPORTD_CRASH_AT=import.located" \
  restart_daemon two --env SHADOWPORTD_CRASH_AT=import.located
dpid=$(daemon_pid two)
rc=0
on two shadowport import "$WORK/p.xml" >"$WORK/id.out" 2>&1 || rc=$?
check "(d) two: the import fails (rc $rc)" test "$rc" -ne 0
check "(d) two: shadowportd died at the crash point" wait_for 5 exited "$dpid"
check "(d) left behind: P's LUN presented to two" test "$(array_set_presented "$set_p")" = two
check "(d) two: shadowportd restarted normally" restart_daemon two
check "(d) at start: P's LUN no longer presented to two" not_on_two "$set_p"
check "(d) nothing left on two" nothing_left two "$loops0"
check "(d) P's LUN remains at the array" test "$(array_set_count "$set_p")" -eq 1

# --- (e) an orphan behind the service's back; `shadowport cleanup`.
lun_p=$(array_set_luns "$set_p" | jq -r '.[0].id')
admin present "$lun_p" two >/dev/null
# shellcheck disable=SC2016 # expanded by the inner sh, on two
on two sh -c 'shadowport-array --socket "$SHADOWPORT_LAB_ARRAY_SOCKET" --host two \
  --credential-file "$SHADOWPORT_LAB_CREDENTIAL" attach "$1" --json' sh "$lun_p" >"$WORK/attach.json"
odev=$(jq -r .device "$WORK/attach.json")
omnt=$LAB_DIR/two/orphan
mkdir -p "$omnt"
on two mount -o ro,nouuid,norecovery -t xfs "$odev" "$omnt"
check "(e) orphan: P's LUN attached on two as $odev, mounted at $omnt" \
  bash -c "[[ '$(array_set_attached "$set_p")' == two ]] && '$LAB_SCRIPT' --dir '$LAB_DIR' exec two mountpoint -q '$omnt'"
expect_code "(e) two: shadowport cleanup" 0 "" "$WORK/cleanup.out" on two shadowport cleanup
check "(e) cleanup says it unmounted the orphan" grep -qF "unmounted $omnt" "$WORK/cleanup.out"
check "(e) cleanup says it detached and released the LUN" grep -q 'detached and released snapshot LUN' "$WORK/cleanup.out"
check "(e) the orphan's mount is gone" bash -c "! '$LAB_SCRIPT' --dir '$LAB_DIR' exec two mountpoint -q '$omnt'"
check "(e) nothing left on two (loop devices)" nothing_left two "$loops0"
check "(e) P's LUN no longer presented to or attached on two" not_on_two "$set_p"
check "(e) P's LUN remains at the array" test "$(array_set_count "$set_p")" -eq 1
expect_code "(e) two: shadowport cleanup again" 0 "" "$WORK/cleanup2.out" on two shadowport cleanup
check "(e) the second cleanup finds nothing" grep -q 'nothing to clean up' "$WORK/cleanup2.out"

# P still imports normally after all this, and goes with --delete.
expect_code "two: P imports after the crashes (--delete)" 0 "" "$WORK/ip.out" \
  on two shadowport import "$WORK/p.xml" --delete
check "nothing left on two, P deleted at the array" gone_everywhere "$set_p"

lab_finish
