// Filesystem identity: gives the filesystem on a block device a new UUID, so
// that a block-level copy of a volume (a broken snapshot, reference 4.6
// "fast recovery") can be mounted read-write beside its origin. XFS refuses
// to mount a second filesystem with a UUID already mounted (unless
// `nouuid`), and tools that find filesystems by UUID (fstab, systemd,
// blkid) would confuse the two.
//
// Runs the filesystem's own tools (an argv, never a shell; os/process.h):
//   xfs         xfs_admin -U generate DEV; when it refuses because the log
//               needs replaying, the log is replayed by mounting the device
//               (nouuid, on a private directory under /tmp) and unmounting
//               it, then xfs_admin runs again
//   ext2/3/4    e2fsck -f -y DEV (exit 0 or 1: clean or fixed; it replays
//               the journal), then tune2fs -U random DEV
// Other filesystems: VSS_E_VOLUME_NOT_SUPPORTED, nothing touched.
//
// Why the XFS mount: freezing quiesces the XFS log but writes no unmount
// record, so xfs_admin finds the log of every snapshot "dirty" even though
// replaying it changes nothing. The kernel's replay is the only safe one:
// `xfs_repair -L` throws the log away, and shadowport never runs it. An XFS
// filesystem that cannot be mounted to replay its log is VSS_E_BAD_STATE,
// unchanged.
//
// Thread safety: free functions; the device must not be mounted, and
// nothing else may write to it meanwhile.
#ifndef SHADOWPORT_OS_FILESYSTEM_IDENTITY_H_
#define SHADOWPORT_OS_FILESYSTEM_IDENTITY_H_

#include <string>

#include "shadowport/status.h"

namespace sp::os {

// Whether NewFilesystemIdentity supports `fs_type` ("xfs", "ext4", ...).
bool CanRenewFilesystemIdentity(const std::string& fs_type);

// Gives the `fs_type` filesystem on `device` (unmounted, writable) a new
// random UUID and returns it as blkid reads it afterwards (lower case).
// Fails with VSS_E_VOLUME_NOT_SUPPORTED for another filesystem type,
// VSS_E_BAD_STATE for an XFS log that cannot be replayed, SP_E_IO naming the
// tool and its stderr when a tool fails (e2fsck finding errors it could not
// fix: exit status 4 and above), VSS_E_OBJECT_NOT_FOUND when a tool is not
// installed (xfsprogs, e2fsprogs), and SP_E_IO when the UUID did not change.
Result<std::string> NewFilesystemIdentity(const std::string& device,
                                          const std::string& fs_type);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_FILESYSTEM_IDENTITY_H_
