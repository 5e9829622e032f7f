// Image pools: a pool for shadowport-arrayd on a machine without a spare
// XFS or btrfs filesystem. A sparse image file is formatted as XFS with
// reflink (mkfs.xfs -m reflink=1), attached read-write to a loop device and
// mounted at the pool directory; `shadowport-array pool init --image`
// calls CreatePoolImage. docs/operations-pool.md is the user's side.
//
// Every call undoes its own partial work on failure (unmount, detach exactly
// the loop device it attached, remove the image and directory it created)
// and touches no loop device or mount it did not find or make for the pool.
//
// Thread safety: free functions; two calls on the same image or directory
// at once are not supported (the caller serializes pool administration).
#ifndef SHADOWPORT_OS_POOL_IMAGE_H_
#define SHADOWPORT_OS_POOL_IMAGE_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "os/pool_filesystem.h"
#include "shadowport/status.h"

namespace sp::os {

struct PoolImageOptions {
  std::string image;        // the image file; must not exist yet
  uint64_t size_bytes = 0;  // apparent size; mkfs.xfs needs 300 MiB or more
  // Created when missing (its parent must exist); else it must be an empty
  // directory and no mount point.
  std::string mount_dir;
  std::chrono::milliseconds mkfs_timeout = std::chrono::minutes(10);
};

// A mounted image pool. Paths are absolute.
struct PoolImage {
  std::string image;        // backing file, as the kernel names it
  std::string loop_device;  // "/dev/loop3"
  std::string mount_dir;
};

// Creates the sparse image (O_EXCL, via `fs`), formats it (mkfs.xfs -q -m
// reflink=1, through RunProcess), attaches it read-write, mounts it at
// mount_dir (nosuid, nodev, noexec), and checks with fs.CheckReflink that the
// pool can reflink. Fails with:
//   kInvalidArg            size 0, or a relative path that cannot be made
//                          absolute;
//   kObjectAlreadyExists   the image exists, or mount_dir is not empty or is
//                          already a mount point;
//   kIoError               mkfs.xfs failed (its stderr in the message: too
//                          small an image, missing xfsprogs...);
//   kDeadlineExceeded      mkfs.xfs ran longer than options.mkfs_timeout;
//   others                 from AttachLoopDevice, Mount, CheckReflink.
// On failure nothing it made remains.
Result<PoolImage> CreatePoolImage(const PoolImageOptions& options,
                                  PoolFilesystem& fs);

// Mounts an existing pool image again (after a reboot): attach read-write,
// mount at `mount_dir` (which must exist and be empty), CheckReflink. On
// failure nothing it made remains.
Result<PoolImage> MountPoolImage(const std::string& image,
                                 const std::string& mount_dir,
                                 PoolFilesystem& fs);

// Unmounts the image pool mounted at `mount_dir` and detaches exactly the
// loop device backing that mount; the image file stays. Returns what was
// unmounted. kObjectNotFound when nothing is mounted at `mount_dir`,
// kInvalidArg when what is mounted there does not come from a loop device
// (not an image pool: left alone), kVolumeInUse when busy (a LUN of the
// pool still attached, a shell inside...), else as Unmount and
// DetachLoopDevice fail.
Result<PoolImage> UnmountPoolImage(const std::string& mount_dir);

// UnmountPoolImage, then removes the image file, only if it is still the
// very file the loop device was backed by (else kObjectNotFound, nothing
// removed). The pool's data is gone afterwards. The directory stays.
Status DestroyPoolImage(const std::string& mount_dir);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_POOL_IMAGE_H_
