#!/usr/bin/env bash
# scripts/demo.d/fill.sh F MANIFEST: fills the volume mounted at F with
# deterministic sample data (the same bytes on every run) and writes the
# sha256sum manifest of every file on it to MANIFEST. Run by scripts/demo on
# systemOne (through scripts/lab exec, so that F is the host's mount).
#
#   docs/licenses/   the system's license texts (/usr/share/common-licenses)
#   db/              8 "tables" of 512 KiB of pseudo-random bytes
#   media/           60 binary files of 4 to 100 KiB
#   projects/pNN/    10 projects: a README and 20 source-like text files each
#   logs/app.log     5,000 log lines
set -euo pipefail
export LC_ALL=C
(($# == 2)) || {
  echo "usage: fill.sh MOUNTPOINT MANIFEST" >&2
  exit 2
}
F=$1
MANIFEST=$2
cd "$F"

# 12 MiB of deterministic pseudo-random bytes: AES-128-CTR of zeros with a
# fixed key. Every binary file is a slice of it.
blob=$(mktemp)
trap 'rm -f "$blob"' EXIT
head -c 12M /dev/zero |
  openssl enc -aes-128-ctr -nosalt -K 5348414430575030525453484144304f \
    -iv 00000000000000000000000000000000 >"$blob"
slice() { # OFFSET BYTES OUT
  dd if="$blob" of="$3" bs=64K iflag=skip_bytes,count_bytes skip="$1" count="$2" status=none
}

mkdir -p docs/licenses db media logs
for f in /usr/share/common-licenses/*; do
  [[ -f $f ]] && cp -L "$f" docs/licenses/
done

for i in 1 2 3 4 5 6 7 8; do
  slice $(((i - 1) * 524288)) 524288 "db/table-0$i.dat"
done

off=$((4 * 1048576))
for ((i = 1; i <= 60; i++)); do
  size=$((((i * 7919) % 97 + 4) * 1024))
  slice "$off" "$size" "$(printf 'media/clip-%03d.bin' "$i")"
  off=$((off + size))
done

for ((p = 1; p <= 10; p++)); do
  d=$(printf 'projects/p%02d' "$p")
  mkdir -p "$d/src"
  printf 'Project %02d\n\nSample data of the shadowport demo: %d source files.\n' "$p" 20 >"$d/README"
  for ((n = 1; n <= 20; n++)); do
    # shellcheck disable=SC2046 # one printf argument per word
    printf "/* project $p, file $n, line %03d */ int f_${p}_${n}_%03d(int x) { return x * $n + %d; }\n" \
      $(seq 1 40 | awk -v p="$p" -v n="$n" '{print $1, $1, (p * 31 + n * 7 + $1) % 1000}') \
      >"$(printf '%s/src/file-%03d.c' "$d" "$n")"
  done
done

awk 'BEGIN {
  for (i = 1; i <= 5000; i++)
    printf "2024-06-01T%02d:%02d:%02d app[%d]: request %d served in %d ms\n",
      int(i / 3600) % 24, int(i / 60) % 60, i % 60, 1000 + i % 7, i, (i * 37) % 500
}' >logs/app.log

sync -f .
find . -type f -print0 | sort -z | xargs -0 sha256sum >"$MANIFEST"
printf '%d files in %d directories, %d bytes\n' \
  "$(find . -type f | wc -l)" "$(find . -mindepth 1 -type d | wc -l)" \
  "$(find . -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"
