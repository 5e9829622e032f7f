#!/usr/bin/env bash
# The systemd units of packaging/ against what `cmake --install` installs:
# the build is installed into a temporary DESTDIR, each unit's /usr/local
# paths are pointed there, and `systemd-analyze verify` checks it (a
# template as the instance "main"). Any message fails the test: an unknown
# or misspelt key, a bad value, a program the install does not provide.
#
#   bash tests/integration/packaging_units.sh --build DIR
set -euo pipefail

build=
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR" >&2; exit 2 ;;
  esac
done
[[ -n $build ]] || { echo "usage: $0 --build DIR" >&2; exit 2; }
if ! command -v systemd-analyze >/dev/null; then
  echo "packaging_units: systemd-analyze is missing (package systemd, scripts/install-deps)" >&2
  exit 1
fi
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/sp-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/units"

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local >"$tmp/install.log"

failed=0
count=0
for unit in "$source_dir"/packaging/*.service; do
  name=$(basename "$unit")
  [[ $name == *@.service ]] && name=${name/@./@main.}
  sed "s|/usr/local/|$tmp/root/usr/local/|g" "$unit" >"$tmp/units/$name"
  count=$((count + 1))
  if out=$(systemd-analyze verify --man=no "$tmp/units/$name" 2>&1) && [[ -z $out ]]; then
    echo "PASS: $name"
  else
    echo "FAIL: $name"
    printf '%s\n' "$out" | sed "s|$tmp/root||g; s/^/    | /"
    failed=1
  fi
done
[[ $count -gt 0 ]] || { echo "FAIL: no unit in $source_dir/packaging"; exit 1; }
exit "$failed"
