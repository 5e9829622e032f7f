# Shared by the lab's end-to-end tests (steps.sh, rules.sh, crash.sh,
# signal.sh): sourced, not run. Each test script:
#
#   source "$(dirname "$0")/lib.sh"
#   lab_init NAME "$@"          # --build DIR; root check (SKIP = exit 77)
#   lab_up --hosts one,two ...  # its own lab in /var/tmp/sp-labtest-NAME
#   check "what" CMD...         # PASS/FAIL per check
#   lab_finish                  # summary; exit 1 on any failure
#
# The lab is always removed (`scripts/lab down`) by an EXIT trap, also after
# a failure or Ctrl-C. Exit codes of the CLI come from docs/errors.md.
# shellcheck shell=bash disable=SC2034 # the EXIT_* codes are for the scripts

LAB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LAB_SCRIPT=$LAB_REPO/scripts/lab
LAB_BUILD=$LAB_REPO/build/main
LAB_DIR=
LAB_NAME=
LAB_FAILS=0
LAB_PASSES=0
LAB_T0=$SECONDS
LAB_BG_PIDS=()
LAB_STARTED=0
LAB_ROUNDS=  # --rounds N (benchmarks)

# Exit codes (docs/errors.md), used by the scripts that source this.
readonly EXIT_ACCESS_DENIED=5       # SP_E_ACCESS_DENIED
readonly EXIT_BUSY=6                # VSS_E_VOLUME_IN_USE
readonly EXIT_TIMEOUT=8             # SP_E_DEADLINE_EXCEEDED
readonly EXIT_PROVIDER=10           # VSS_E_NO_SNAPSHOTS_IMPORTED
readonly EXIT_CONFLICT=11           # SP_E_IMPORT_COLLISION, VSS_E_OBJECT_ALREADY_EXISTS

log() { printf '[%s %3ds] %s\n' "$LAB_NAME" "$((SECONDS - LAB_T0))" "$*"; }

pass() {
  LAB_PASSES=$((LAB_PASSES + 1))
  printf 'PASS: %s\n' "$*"
}

fail() {
  LAB_FAILS=$((LAB_FAILS + 1))
  printf 'FAIL: %s\n' "$*"
}

# check DESCRIPTION CMD...: PASS when CMD succeeds.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_code DESCRIPTION CODE NAME OUTFILE CMD...: runs CMD (stdout and
# stderr to OUTFILE), PASS when it exits CODE and its output names NAME (the
# error code's name; "" for none).
expect_code() {
  local what=$1 want=$2 name=$3 out=$4 rc=0
  shift 4
  "$@" >"$out" 2>&1 || rc=$?
  if [[ $rc -eq $want ]] && { [[ -z $name ]] || grep -qF -- "$name" "$out"; }; then
    pass "$what (exit $rc${name:+, $name})"
  else
    fail "$what: exit $rc, wanted $want${name:+ with $name}; output:"
    sed 's/^/    | /' "$out" | tail -n 20
  fi
}

lab_init() {
  LAB_NAME=$1
  shift
  while (($#)); do
    case $1 in
      --build) LAB_BUILD=${2-}; shift 2 ;;
      --build=*) LAB_BUILD=${1#*=}; shift ;;
      # Benchmarks' repetitions (bench/): LAB_ROUNDS, empty when not given.
      --rounds) LAB_ROUNDS=${2-}; shift 2 ;;
      *) printf 'usage: %s [--build DIR] [--rounds N]\n' "$0" >&2; exit 2 ;;
    esac
  done
  if [[ $(id -u) -ne 0 ]]; then
    if [[ -n ${SHADOWPORT_REQUIRE_ROOT-} && ${SHADOWPORT_REQUIRE_ROOT} != 0 ]]; then
      printf 'FAIL: %s needs root and SHADOWPORT_REQUIRE_ROOT is set (CI): run as root\n' "$LAB_NAME"
      exit 1
    fi
    printf 'SKIP: %s needs root (namespaces, loop devices, mounts)\n' "$LAB_NAME"
    exit 77
  fi
  LAB_BUILD=$(realpath -m -- "$LAB_BUILD")
  LAB_DIR=/var/tmp/sp-labtest-$LAB_NAME
  WORK=$(mktemp -d "/var/tmp/sp-labtest-$LAB_NAME.work.XXXXXX")
  chmod 0755 "$WORK"
  trap lab_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
}

lab_exit() {
  local rc=$?
  # The clean-up is not interrupted (a second Ctrl-C would leave the lab).
  trap - EXIT
  trap '' INT TERM HUP
  local p
  for p in "${LAB_BG_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  if ((LAB_STARTED)); then
    if ((rc != 0 || LAB_FAILS != 0)); then
      local h
      for h in "$LAB_DIR"/*/shadowportd.log; do
        [[ -f $h ]] || continue
        printf -- '--- the end of %s\n' "$h"
        tail -n 15 "$h"
      done
    fi
    log "scripts/lab down"
    if ! "$LAB_SCRIPT" --dir "$LAB_DIR" down >"$WORK/down.log" 2>&1; then
      cat "$WORK/down.log"
      fail "scripts/lab down"
      rc=1
    fi
  fi
  for p in "${LAB_BG_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  rm -rf --one-file-system -- "$WORK"
  if ((rc == 0 && LAB_FAILS != 0)); then rc=1; fi
  exit "$rc"
}

# lab_up ARGS...: `scripts/lab up --dir LAB_DIR --build LAB_BUILD ARGS`; waits
# (10 minutes at most) while another lab runs on this machine.
lab_up() {
  local i out
  if [[ -e $LAB_DIR/lab.state ]]; then
    log "a lab of an earlier run is left in $LAB_DIR: removing it"
    "$LAB_SCRIPT" --dir "$LAB_DIR" down || true
  fi
  for ((i = 0; i < 60; i++)); do
    if [[ ! -e /run/netns/splab-net ]]; then
      LAB_STARTED=1
      if out=$("$LAB_SCRIPT" up --dir "$LAB_DIR" --build "$LAB_BUILD" "$@" 2>&1); then
        log "lab up in $LAB_DIR ($*)"
        return 0
      fi
      if ! grep -q 'another lab runs' <<<"$out"; then
        printf '%s\n' "$out"
        fail "scripts/lab up $*"
        exit 1
      fi
      LAB_STARTED=0
    fi
    ((i % 6 == 0)) && log "another lab runs on this machine (splab-net); waiting"
    sleep 10
  done
  fail "another lab kept running for 10 minutes"
  exit 1
}

# on HOST CMD...: CMD on HOST (its namespaces, SHADOWPORT_SOCKET, PATH).
on() { "$LAB_SCRIPT" --dir "$LAB_DIR" exec "$@"; }

# admin ARGS...: shadowport-array as the array's admin.
admin() {
  "$LAB_DIR/bin/shadowport-array" --socket "$LAB_DIR/arrayd.sock" \
    --admin-token-file "$LAB_DIR/admin.token" "$@"
}

# new_lun HOST SIZE FS: prints the mount point of a new LUN on HOST.
new_lun() { "$LAB_SCRIPT" --dir "$LAB_DIR" lun "$@" 2>/dev/null; }

restart_daemon() { "$LAB_SCRIPT" --dir "$LAB_DIR" restart "$@" >"$WORK/restart.log" 2>&1; }

# The set id ({GUID}) in a BCD or bundle (`shadowport doc show --json`).
set_id_of() {
  local file=$1 id
  id=$("$LAB_DIR/bin/shadowport" doc show --json "$file" 2>/dev/null |
    jq -r '.. | objects | .snapshot_set_id? // empty' | head -n1)
  if [[ -z $id ]]; then
    id=$(grep -o -i -m1 '{[0-9a-f-]\{36\}}' "$file" | head -n1)
  fi
  printf '%s\n' "$id"
}

# Snapshot LUNs of a set at the array (admin): JSON array (maybe empty).
array_set_luns() {
  local out
  out=$(admin snapshot list --set "$1" --json 2>/dev/null) || out='{}'
  jq -c '.snapshots // []' <<<"$out"
}

array_set_count() { array_set_luns "$1" | jq 'length'; }

# The hosts a set's snapshot LUNs are presented to / attached on.
array_set_presented() {
  array_set_luns "$1" | jq -r '[.[] | .presented_to[]] | unique | join(",")'
}
array_set_attached() {
  array_set_luns "$1" | jq -r '[.[] | .attachments[].host] | unique | join(",")'
}

# Loop devices backed by a LUN file of the pool (NAME BACK-FILE), sorted.
pool_loops() {
  losetup -ln -O NAME,BACK-FILE 2>/dev/null | awk -v p="$LAB_DIR/pool/luns/" 'index($2, p) == 1' | sort
}

# host_mounts_under HOST PREFIX: the mounts (TARGET SOURCE FSTYPE OPTIONS)
# in HOST's mount namespace at or under PREFIX.
host_mounts_under() {
  on "$1" findmnt -rn -o TARGET,SOURCE,FSTYPE,OPTIONS | awk -v p="$2" 'index($1, p) == 1'
}

# nothing_left HOST LOOPS_BEFORE: PASS when HOST has no mount under its
# exposure root and the pool's loop devices are the ones in LOOPS_BEFORE.
nothing_left() {
  local h=$1 before=$2 mounts loops
  mounts=$(host_mounts_under "$h" "$LAB_DIR/$h/exposed")
  loops=$(pool_loops)
  if [[ -n $mounts ]]; then
    printf '    mounts left on %s:\n%s\n' "$h" "$mounts" | sed 's/^/    | /'
    return 1
  fi
  if [[ $loops != "$before" ]]; then
    printf '    loop devices of pool LUNs: before\n%s\n    now\n%s\n' "$before" "$loops" | sed 's/^/    | /'
    return 1
  fi
  return 0
}

# wait_for SECONDS CMD...: until CMD succeeds (0.2 s steps).
wait_for() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  "$@" >/dev/null 2>&1
}

# bg NAME HOST CMD...: CMD on HOST in the background, output in
# $WORK/NAME.out; BG_PID is CMD's own PID (scripts/lab exec and nsenter
# exec it), killed at exit if still running.
bg() {
  local name=$1
  shift
  "$LAB_SCRIPT" --dir "$LAB_DIR" exec "$@" >"$WORK/$name.out" 2>&1 &
  BG_PID=$!
  LAB_BG_PIDS+=("$BG_PID")
}

# exited PID: the background process has ended (gone, or a zombie not yet
# waited for).
exited() {
  local st
  st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 0
  [[ -z $st || $st == Z ]]
}

# wait_rc PID: its exit status (waits for it).
wait_rc() {
  local rc=0
  wait "$1" || rc=$?
  printf '%s\n' "$rc"
}

lab_finish() {
  log "$LAB_PASSES passed, $LAB_FAILS failed"
  if ((LAB_FAILS)); then
    printf 'FAIL: %s (%d of %d checks failed)\n' "$LAB_NAME" "$LAB_FAILS" "$((LAB_FAILS + LAB_PASSES))"
  else
    printf 'PASS: %s (%d checks, %d s)\n' "$LAB_NAME" "$LAB_PASSES" "$((SECONDS - LAB_T0))"
  fi
}
