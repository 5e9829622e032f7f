#!/usr/bin/env bash
# Runs freeze_window_bench on a throwaway setup, and removes all of it
# afterwards, also on failure, Ctrl-C or SIGTERM:
#   - a sparse XFS (reflink=1) pool image on a loop device, mounted;
#   - shadowport-arrayd on it (own socket and admin token), host "one";
#   - VOLUMES LUNs of 512 MiB (default 16) presented to "one", attached by
#     loop (losetup on the LUN files), mkfs.xfs, mounted;
#   - shadowportd as host "one" (own state dir and socket, log_level info,
#     the build's shadowport-freezer).
# Cleanup stops the benchmark and the fio process groups it started
# (fio.pgids), shadowportd, unmounts the volumes, detaches exactly the loop
# devices this script attached, stops the array, unmounts and detaches the
# pool, removes the work directory. Daemons are ended by PID.
#
# Usage (root): bench/freeze_window_bench.sh BUILD_DIR [BENCH_OPTIONS...]
#   VOLUMES=N in the environment: how many volumes to make (default 16);
#   the benchmark measures 1 and N unless BENCH_OPTIONS has --counts.
#   BENCH_OPTIONS: --sets 10 --interval-ms 3000 --rate-iops 200
#   --file-size 64M (see bench/freeze_window_bench.cc).
set -euo pipefail
build=$(cd "${1:?usage: freeze_window_bench.sh BUILD_DIR [OPTIONS...]}" && pwd)
shift
volumes=${VOLUMES:-16}
bench="$build/bench/freeze_window_bench"
arrayd="$build/src/array/daemon/shadowport-arrayd"
array_cli="$build/src/array/cli/shadowport-array"
serviced="$build/src/service/shadowportd"
freezer="$build/src/os/shadowport-freezer"
for p in "$bench" "$arrayd" "$array_cli" "$serviced" "$freezer"; do
  [ -x "$p" ] || { echo "missing $p (build it first)" >&2; exit 1; }
done
for t in fio mkfs.xfs losetup mountpoint; do
  command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

work=$(mktemp -d /var/tmp/sp-freeze-bench.XXXXXX)
pool_loop=""
lun_loops=()
mounts=()
arrayd_pid=""
service_pid=""
bench_pid=""

# Sends SIGTERM to a process we started and waits up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM HUP
  [ -n "$bench_pid" ] && stop_pid "$bench_pid"
  # fio runs in its own process groups (the benchmark records each).
  if [ -f "$work/fio.pgids" ]; then
    while read -r g; do
      kill -TERM -- "-$g" 2>/dev/null
    done <"$work/fio.pgids"
    for _ in $(seq 100); do
      local alive=0
      while read -r g; do
        kill -0 -- "-$g" 2>/dev/null && alive=1
      done <"$work/fio.pgids"
      [ "$alive" = 0 ] && break
      sleep 0.1
    done
    while read -r g; do
      kill -KILL -- "-$g" 2>/dev/null
    done <"$work/fio.pgids"
  fi
  # shadowportd first: its freezer thaws whatever is frozen when it goes.
  [ -n "$service_pid" ] && stop_pid "$service_pid"
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    for _ in 1 2 3 4 5; do
      mountpoint -q "${mounts[i]}" || break
      umount "${mounts[i]}" && break
      sleep 1
    done
  done
  for l in "${lun_loops[@]}"; do
    losetup -d "$l" || echo "could not detach $l" >&2
  done
  # A detach while something (udev's probe after the unmount) still has the
  # device open only sets autoclear: wait until our LUN files are released.
  for l in "${lun_loops[@]}"; do
    local backing="/sys/block/${l#/dev/}/loop/backing_file"
    for _ in $(seq 200); do
      [ -e "$backing" ] && [[ "$(cat "$backing" 2>/dev/null)" == "$work/"* ]] ||
        break
      sleep 0.1
    done
  done
  [ -n "$arrayd_pid" ] && stop_pid "$arrayd_pid"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    mountpoint -q "$work/pool" || break
    umount "$work/pool" && break
    sleep 1
  done
  mountpoint -q "$work/pool" && echo "could not unmount $work/pool" >&2
  [ -n "$pool_loop" ] && { losetup -d "$pool_loop" || echo "could not detach $pool_loop" >&2; }
  if mountpoint -q "$work/pool"; then
    echo "leaving $work (pool still mounted)" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "setting up in $work: pool, array, $volumes LUNs of 512 MiB, shadowportd"
truncate -s 24G "$work/pool.img"
mkfs.xfs -q -m reflink=1 "$work/pool.img"
pool_loop=$(losetup --find --show "$work/pool.img")
mkdir "$work/pool"
mount "$pool_loop" "$work/pool"
mkdir "$work/pool/array"

cat >"$work/arrayd.toml" <<EOF
pool_dir = "$work/pool/array"
free_space_floor = 67108864
snapshot_reserve_percent = 10
admin_token_file = "$work/admin.token"
log_level = "info"
shutdown_grace_ms = 500
[listen]
socket = "$work/arrayd.sock"
EOF
"$arrayd" --config "$work/arrayd.toml" >"$work/arrayd.log" 2>&1 &
arrayd_pid=$!
array() {
  "$array_cli" --socket "$work/arrayd.sock" \
    --admin-token-file "$work/admin.token" "$@"
}
for _ in $(seq 200); do
  kill -0 "$arrayd_pid" 2>/dev/null || { cat "$work/arrayd.log" >&2; exit 1; }
  [ -S "$work/arrayd.sock" ] && [ -r "$work/admin.token" ] &&
    array pool status >/dev/null 2>&1 && break
  sleep 0.1
done
array pool status >/dev/null

credential=$(array host add one --json |
  sed -n 's/.*"credential" *: *"\([0-9a-f]*\)".*/\1/p')
[ -n "$credential" ] || { echo "host add gave no credential" >&2; exit 1; }
(umask 077 && echo "$credential" >"$work/one.credential")

lun_ids=()
for ((i = 0; i < volumes; i++)); do
  id=$(array lun create --size 512M --json |
    sed -n 's/^ *"id" *: *\([0-9]*\),*$/\1/p' | head -n1)
  [ -n "$id" ] || { echo "lun create gave no id" >&2; exit 1; }
  array present "$id" one >/dev/null
  file=$(printf '%s/pool/array/luns/lun-%06d.img' "$work" "$id")
  dev=$(losetup --find --show "$file")
  lun_loops+=("$dev")
  mkfs.xfs -q -f "$dev"
  mkdir -p "$work/mnt/$i"
  mount -t xfs "$dev" "$work/mnt/$i"
  mounts+=("$work/mnt/$i")
  lun_ids+=("$id")
done

mkdir -p "$work/run"
cat >"$work/shadowportd.toml" <<EOF
host = "one"
state_dir = "$work/state"
socket = "$work/run/shadowportd.sock"
log_level = "info"
shutdown_grace_ms = 2000
[snapshots]
hold_timeout_ms = 10000
flush_timeout_ms = 10000
freezer = "$freezer"
[writers]
event_timeout_ms = 5000
freeze_timeout_ms = 10000
[providers.array]
target = "unix:$work/arrayd.sock"
credential_file = "$work/one.credential"
EOF
"$serviced" --config "$work/shadowportd.toml" >"$work/shadowportd.log" 2>&1 &
service_pid=$!

ids=$(IFS=,; echo "${lun_ids[*]}")
"$bench" --service-socket "$work/run/shadowportd.sock" \
  --service-log "$work/shadowportd.log" --work-dir "$work" \
  --array-socket "$work/arrayd.sock" --admin-token-file "$work/admin.token" \
  --lun-ids "$ids" --counts "1,$volumes" "$@" "${mounts[@]}" &
bench_pid=$!
set +e
wait "$bench_pid"
rc=$?
set -e
bench_pid=""
if [ "$rc" != 0 ]; then
  echo "freeze_window_bench failed ($rc); shadowportd's log:" >&2
  tail -n 30 "$work/shadowportd.log" >&2
fi
exit "$rc"
