#!/usr/bin/env bash
# Import benchmark (bench/README.md, "import_bench"): on the two-host lab
# (docs/lab.md), how long systemTwo's `shadowport import` (import + expose)
# takes for a transportable set of 1 and of 16 volumes, against the raw data
# path measured in the same run (losetup + mount of the same snapshot LUN
# files by hand); and how many bytes a full read of the imported snapshot on
# two reads from one's LUN (target 0), against the same full read done on
# one's original volume (which must read them: it shows the counter works).
#
# Usage (root):
#   bench/import_bench.sh [--build DIR] [--volumes "1 16"] [--rounds R]
#                         [--data-mib M] [--lun-size SIZE]
#
# --build: the CMake build tree with the lab's five binaries (default
# build/main). The lab lives in a fresh `mktemp -d /var/tmp/spib.*` and is
# always removed (`scripts/lab down`, trap on exit, failure, Ctrl-C,
# SIGTERM). Only one lab may run on a machine: while another one exists, the
# script waits (up to LAB_WAIT seconds, default 900).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO LAB="$REPO/scripts/lab"
build=$REPO/build/main
volumes="1 16"
rounds=5
data_mib=64
lun_size=512M
readonly TARGET_1=1.0 TARGET_16=3.0 # seconds (the issue's targets)

usage() {
  sed -n '/^# Usage/,/^# --build/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while (($#)); do
  case $1 in
    --build) build=${2:?}; shift 2 ;;
    --volumes) volumes=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --data-mib) data_mib=${2:?}; shift 2 ;;
    --lun-size) lun_size=${2:?}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "import_bench: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "import_bench: must run as root" >&2; exit 1; }
[[ $rounds =~ ^[1-9][0-9]*$ && $data_mib =~ ^[1-9][0-9]*$ ]] || usage
build=$(realpath "$build")
max_volumes=0
for n in $volumes; do
  [[ $n =~ ^[1-9][0-9]*$ && $n -le 64 ]] || { echo "import_bench: --volumes: 1..64" >&2; exit 2; }
  ((n > max_volumes)) && max_volumes=$n
done

say() { printf 'import_bench: %s\n' "$*" >&2; }

DIR=$(mktemp -d /var/tmp/spib.XXXXXX)
WORK=$(mktemp -d /var/tmp/spib-work.XXXXXX)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  say "removing the lab in $DIR"
  "$LAB" down --dir "$DIR" >&2 || rc=1
  rmdir "$DIR" 2>/dev/null || true
  rm -rf --one-file-system "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab() { "$LAB" --dir "$DIR" "$@"; }
on() { # on HOST CMD...: runs CMD on the host (its namespaces, its CLI socket)
  local h=$1
  shift
  lab exec "$h" "$@"
}

# ------------------------------------------------------------------ the lab

wait_s=${LAB_WAIT:-900}
t0=$SECONDS
while :; do
  if ! ip netns list | grep -q '^splab-'; then
    if lab up --hosts one,two --build "$build" --pool-size 32G 2>"$WORK/up.log"; then
      break
    fi
    # A failed up removes what it made; it was a race only if a lab exists.
    if ! ip netns list | grep -q '^splab-'; then
      cat "$WORK/up.log" >&2
      say "scripts/lab up failed"
      exit 1
    fi
  fi
  ((SECONDS - t0 < wait_s)) || { say "another lab still runs after ${wait_s} s"; exit 1; }
  say "another lab runs on this machine; waiting"
  sleep 15
done
say "lab up in $DIR"

# LUNs on one, each with data_mib MiB of data (4 MiB files) and a few
# directories, written through one's mount and synced.
head -c "$((data_mib << 20))" /dev/urandom >"$WORK/seed"
declare -a MP=() ODEV=()
for ((i = 0; i < max_volumes; i++)); do
  mp=$(lab lun one "$lun_size" xfs 2>>"$WORK/lun.log")
  # shellcheck disable=SC2016 # expanded by that sh
  on one sh -c 'mkdir -p "$1/data/a/b" && split -b 4M "$2" "$1/data/part-" &&
    for k in 1 2 3 4 5 6 7 8; do echo "file $k" >"$1/data/a/b/f$k"; done &&
    sync -f "$1"' sh "$mp" "$WORK/seed"
  MP+=("$mp")
  ODEV+=("$(on one findmnt -n -o SOURCE --mountpoint "$mp")")
done
rm -f "$WORK/seed"
say "$max_volumes LUN(s) of $lun_size (xfs) on one, $data_mib MiB of data each"

# Scripts run on a host, timing from the inside (bash's EPOCHREALTIME), so
# that `scripts/lab exec`'s own cost counts in neither figure.
cat >"$WORK/time_import.sh" <<'EOF'
# time_import.sh BCD OUT: `shadowport import --json BCD >OUT`; prints seconds.
s=$EPOCHREALTIME
shadowport import --json "$1" >"$2"
e=$EPOCHREALTIME
awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
EOF
cat >"$WORK/time_raw.sh" <<'EOF'
# time_raw.sh MOUNTDIR FILE...: the raw data path of an import: each LUN file
# attached read-only (losetup) and mounted as the import's exposure mounts
# XFS; prints seconds. Then unmounts and detaches (not timed).
set -euo pipefail
dir=$1
shift
devs=()
i=0
s=$EPOCHREALTIME
for f in "$@"; do
  d=$(losetup --find --show --read-only "$f")
  devs+=("$d")
  mkdir -p "$dir/$i"
  mount -t xfs -o ro,nosuid,nodev,noexec,nouuid,norecovery "$d" "$dir/$i"
  i=$((i + 1))
done
e=$EPOCHREALTIME
for ((i = 0; i < ${#devs[@]}; i++)); do
  umount "$dir/$i"
  losetup -d "${devs[$i]}"
done
awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
EOF
cat >"$WORK/full_read.sh" <<'EOF'
# full_read.sh DEVICE:DIR...: every file under DIR (tar, through a pipe:
# GNU tar does not read the files when its archive is /dev/null) and every
# block of DEVICE, caches dropped first.
set -euo pipefail
sync
echo 3 >/proc/sys/vm/drop_caches
for pair in "$@"; do
  tar -C "${pair#*:}" -cf - . | cat >/dev/null
  dd if="${pair%%:*}" of=/dev/null bs=1M status=none
done
EOF

# Sectors read (field 3 of /sys/block/DEV/stat), summed over the devices.
sectors_read() {
  local d sum=0 f
  for d in "$@"; do
    read -r _ _ f _ <"/sys/block/${d#/dev/}/stat"
    sum=$((sum + f))
  done
  printf '%s\n' "$sum"
}

json_get() { # json_get KEY < JSON: every string value of KEY, in order
  grep -o "\"$1\": *\"[^\"]*\"" | sed 's/.*: *"\(.*\)"/\1/'
}

luns_dir=$DIR/pool/luns
[[ -d $luns_dir ]] || luns_dir=$(dirname "$(losetup -nO BACK-FILE "${ODEV[0]}")")

# ------------------------------------------------------------------ rounds

# stats FILE: "p50 max" of the numbers in FILE (lower median).
stats() {
  sort -g "$1" | awk '{ v[NR] = $1 } END { printf "%.3f %.3f\n", v[int((NR + 1) / 2)], v[NR] }'
}

declare -A RESULT_IMPORT=() RESULT_RAW=() RESULT_TWO=() RESULT_ONE=() RESULT_SNAPREAD=() RESULT_CREATE=()
for n in $volumes; do
  : >"$WORK/import.$n"
  : >"$WORK/raw.$n"
  : >"$WORK/create.$n"
  for ((r = 1; r <= rounds; r++)); do
    bcd=$WORK/set-$n-$r.xml
    before=("$luns_dir"/*)
    s=$EPOCHREALTIME
    on one shadowport create --transportable --persistent --importer two \
      --bcd "$bcd" --json "${MP[@]:0:n}" >"$WORK/create.json"
    e=$EPOCHREALTIME
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }' >>"$WORK/create.$n"
    set_id=$(json_get snapshot_set_id <"$WORK/create.json" | head -n1)
    [[ -n $set_id ]] || { say "create printed no set id"; cat "$WORK/create.json" >&2; exit 1; }
    # The set's snapshot LUN files: the pool's new files.
    files=()
    for f in "$luns_dir"/*; do
      [[ " ${before[*]} " == *" $f "* ]] || files+=("$f")
    done
    ((${#files[@]} == n)) || { say "expected $n new snapshot LUN files, found ${#files[@]}"; exit 1; }

    # Alternate which goes first, so that neither always finds the other's
    # metadata reads in the page cache.
    raw() { on two bash "$WORK/time_raw.sh" "$WORK/raw-mnt" "${files[@]}" >>"$WORK/raw.$n"; }
    imp() { on two bash "$WORK/time_import.sh" "$bcd" "$WORK/import.json" >>"$WORK/import.$n"; }
    if ((r % 2)); then raw; imp; else imp; raw; fi

    if ((r == rounds)); then
      # Full read of the imported snapshot on two; one's LUN devices watched.
      mapfile -t sdevs < <(json_get device <"$WORK/import.json")
      mapfile -t spaths < <(json_get exposed_path <"$WORK/import.json")
      ((${#sdevs[@]} == n && ${#spaths[@]} == n)) || { say "import printed ${#sdevs[@]} devices for $n volumes"; cat "$WORK/import.json" >&2; exit 1; }
      pairs=()
      for ((i = 0; i < n; i++)); do pairs+=("${sdevs[$i]}:${spaths[$i]}"); done
      o0=$(sectors_read "${ODEV[@]:0:n}")
      t0s=$(sectors_read "${sdevs[@]}")
      on two bash "$WORK/full_read.sh" "${pairs[@]}"
      o1=$(sectors_read "${ODEV[@]:0:n}")
      t1s=$(sectors_read "${sdevs[@]}")
      RESULT_TWO[$n]=$(((o1 - o0) * 512))
      RESULT_SNAPREAD[$n]=$(((t1s - t0s) * 512))
      # The same full read on one's original volumes: the counter moves.
      pairs=()
      for ((i = 0; i < n; i++)); do pairs+=("${ODEV[$i]}:${MP[$i]}"); done
      o0=$(sectors_read "${ODEV[@]:0:n}")
      on one bash "$WORK/full_read.sh" "${pairs[@]}"
      o1=$(sectors_read "${ODEV[@]:0:n}")
      RESULT_ONE[$n]=$(((o1 - o0) * 512))
    fi

    # A persistent set stays imported: delete it on two (unmount, detach,
    # delete the LUNs at the array), then on one (which finds them gone).
    on two shadowport delete "$set_id" --set >/dev/null
    on one shadowport delete "$set_id" --set >/dev/null
    say "N=$n round $r/$rounds: import+expose $(tail -n1 "$WORK/import.$n") s, raw $(tail -n1 "$WORK/raw.$n") s"
  done
  RESULT_IMPORT[$n]=$(stats "$WORK/import.$n")
  RESULT_RAW[$n]=$(stats "$WORK/raw.$n")
  RESULT_CREATE[$n]=$(stats "$WORK/create.$n")
done

# ------------------------------------------------------------------ report

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo
echo "import_bench: $rounds round(s) per N, LUNs of $lun_size (xfs) with $data_mib MiB of data each"
echo "(seconds; p50 = lower median; raw = losetup -r + mount -o ro,nouuid,norecovery of the same snapshot LUN files on two)"
echo
printf '| volumes | import+expose p50 | max | target | vs raw (p50) | raw p50 | raw max | create p50 | result |\n'
printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n'
miss=0
for n in $volumes; do
  read -r ip im <<<"${RESULT_IMPORT[$n]}"
  read -r rp rm_ <<<"${RESULT_RAW[$n]}"
  read -r cp _ <<<"${RESULT_CREATE[$n]}"
  target=""
  ((n == 1)) && target=$TARGET_1
  ((n == 16)) && target=$TARGET_16
  verdict="-"
  if [[ -n $target ]]; then
    if awk -v v="$ip" -v t="$target" 'BEGIN { exit !(v <= t) }'; then verdict=PASS; else verdict=MISS; miss=1; fi
  fi
  ratio=$(awk -v a="$ip" -v b="$rp" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$ip" "$im" "${target:--}" "$ratio" "$rp" "$rm_" "$cp" "$verdict"
done
echo
printf '| volumes | read from one'"'"'s LUNs by the full read on two | target | read from the snapshot devices on two | baseline: same read on one | result |\n'
printf '| ---: | ---: | ---: | ---: | ---: | --- |\n'
for n in $volumes; do
  verdict=PASS
  ((RESULT_TWO[$n] == 0)) || { verdict=MISS; miss=1; }
  ((RESULT_ONE[$n] > 0)) || verdict="$verdict (baseline read nothing: counter?)"
  printf '| %s | %s bytes | 0 | %s | %s | %s |\n' "$n" "${RESULT_TWO[$n]}" "$(mib "${RESULT_SNAPREAD[$n]}")" "$(mib "${RESULT_ONE[$n]}")" "$verdict"
done
echo
if ((miss)); then echo "import_bench: MISS"; else echo "import_bench: PASS"; fi
