#!/usr/bin/env bash
# Runs array_commit_bench on a fresh XFS (reflink=1) pool made on a sparse
# image and a loop device, and removes both afterwards, also on failure.
# Usage (root): bench/array_commit_bench.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: array_commit_bench.sh BUILD_DIR}
work=$(mktemp -d /var/tmp/sp-bench.XXXXXX)
loop=""
cleanup() {
  mountpoint -q "$work/pool" && umount "$work/pool"
  [ -n "$loop" ] && losetup -d "$loop"
  rm -rf "$work"
}
trap cleanup EXIT
truncate -s 96G "$work/pool.img"
mkfs.xfs -q -m reflink=1 "$work/pool.img"
loop=$(losetup --find --show "$work/pool.img")
mkdir "$work/pool"
mount "$loop" "$work/pool"
"$build/bench/array_commit_bench" "$work/pool"
