// Volume discovery: from a mount point, a path on a volume, or a block
// device, find what shadowportd needs to snapshot it: the block device, its
// device number, where it is mounted, the filesystem type and UUID (libblkid,
// read from the device's superblock), and for a loop device its backing file
// (/sys/block/loopN/loop/backing_file).
//
// Thread safety: free functions.
#ifndef SHADOWPORT_OS_VOLUME_PROBE_H_
#define SHADOWPORT_OS_VOLUME_PROBE_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "shadowport/status.h"

namespace sp::os {

struct VolumeInfo {
  std::string device;       // "/dev/loop3"
  dev_t device_number = 0;  // st_rdev of the device (= st_dev of its files)
  std::string mount_point;  // root of the filesystem: "/srv/F"
  std::string fs_type;      // "xfs", "ext4" (from mountinfo)
  std::string fs_uuid;      // superblock UUID, lower-case text; may be ""
  bool read_only = false;   // mounted read-only
  // Loop devices only: the absolute path of the backing file, "" otherwise.
  std::string loop_backing_file;
};

// `volume` is a mount point, any path on a mounted filesystem (its
// filesystem's root is used), or a block device that is mounted (its first
// mount in this namespace). A device that is not mounted, or a filesystem
// without a block device (tmpfs, proc, overlay, fuse):
// VSS_E_VOLUME_NOT_SUPPORTED naming it. A path that does not exist:
// VSS_E_OBJECT_NOT_FOUND. A bind mount of a subdirectory is refused
// (VSS_E_VOLUME_NOT_SUPPORTED): a volume is a whole filesystem.
Result<VolumeInfo> ProbeVolume(const std::string& volume);

// The filesystem UUID in the superblock of `device` (libblkid), "" when it
// has none.
Result<std::string> FilesystemUuid(const std::string& device);

// Whether freezing the filesystem mounted at `mount_point` could deadlock
// the freezer: OK if safe; SP_E_FREEZE_REFUSED naming the path when the
// filesystem is "/" or holds any of `protected_paths` (the daemon's state
// directory, socket, log, the freezer program itself). Compared by device
// number (st_dev), so bind mounts and symlinks cannot hide it.
Status CheckFreezeAllowed(const std::string& mount_point,
                          const std::vector<std::string>& protected_paths);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_VOLUME_PROBE_H_
