// Mounting and unmounting filesystems (mount(2), umount2(2)) and finding the
// mount that holds a path (/proc/self/mountinfo).
//
// Mount and Unmount act in the caller's mount namespace. Unmount never
// detaches lazily (MNT_DETACH): a busy filesystem is reported, not hidden.
//
// Thread safety: free functions, safe to call concurrently. A ScopedMount is
// owned by one thread at a time.
#ifndef SHADOWPORT_OS_MOUNTS_H_
#define SHADOWPORT_OS_MOUNTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"

namespace sp::os {

struct MountOptions {
  bool read_only = false;  // MS_RDONLY
  bool no_suid = false;    // MS_NOSUID
  bool no_dev = false;     // MS_NODEV
  bool no_exec = false;    // MS_NOEXEC
  // Filesystem-specific options, comma-separated ("nouuid,norecovery").
  std::string data;
};

// Mounts `source` (a block device) of type `fstype` at the existing
// directory `target`. Fails as FromErrno maps the error: kAccessDeniedLocal
// without CAP_SYS_ADMIN or for a read-write mount of a read-only device,
// kObjectNotFound for a missing target or device, kVolumeInUse when the
// device is already mounted or busy, kInvalidArg for a bad superblock or
// option (the message says so).
Status Mount(const std::string& source, const std::string& target,
             const std::string& fstype, const MountOptions& options);

// Unmounts the filesystem mounted at `target` (umount2 with UMOUNT_NOFOLLOW,
// so a symlink planted at the target is not followed). kVolumeInUse when
// busy (EBUSY is retried briefly first: a prober may hold it a moment),
// kInvalidArg when `target` is not a mount point, else as FromErrno maps.
Status Unmount(const std::string& target);

// Owns one mount: unmounts it when destroyed unless released. Errors in the
// destructor are dropped; call Unmount() to see them.
class ScopedMount {
 public:
  ScopedMount() = default;
  explicit ScopedMount(std::string target) : target_(std::move(target)) {}
  ScopedMount(ScopedMount&& other) noexcept;
  ScopedMount& operator=(ScopedMount&& other) noexcept;
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  ~ScopedMount();

  // Mounts and owns the mount.
  static Result<ScopedMount> Mount(const std::string& source,
                                   const std::string& target,
                                   const std::string& fstype,
                                   const MountOptions& options);

  bool owns() const { return !target_.empty(); }
  const std::string& target() const { return target_; }

  // Unmounts now; the guard owns nothing afterwards, whatever the outcome.
  Status Unmount();

  // Gives up ownership: the filesystem stays mounted. Returns the target.
  std::string Release();

 private:
  std::string target_;  // empty: owns nothing
};

// One line of /proc/self/mountinfo, with octal escapes (\040 ...) decoded.
struct MountInfo {
  uint32_t mount_id = 0;
  uint32_t parent_id = 0;
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string root;           // the directory of the filesystem mounted here
  std::string mount_point;    // "/srv/F"
  std::string mount_options;  // per-mount: "rw,nosuid,relatime"
  std::string fs_type;        // "xfs", "fuse.rbd"
  std::string source;         // "/dev/loop3", "tmpfs", "none"
  std::string super_options;  // per-superblock: "rw,attr2,inode64"

  // "ro" among the per-mount options.
  bool read_only() const;
};

// Parses the text of a mountinfo file (proc(5)). kInvalidArg, naming the
// line, for a malformed line.
Result<std::vector<MountInfo>> ParseMountInfo(std::string_view text);

// The mount holding `absolute_path` among `mounts`: the longest mount point
// that is `absolute_path` or a directory above it, compared by whole
// components; of several mounts on one point, the last (topmost) one.
// `absolute_path` is taken as is (no symlinks resolved). kInvalidArg when it
// is not absolute, kObjectNotFound when no mount holds it.
Result<MountInfo> FindMountIn(const std::vector<MountInfo>& mounts,
                              std::string_view absolute_path);

// FindMountIn on /proc/self/mountinfo for `path` after resolving it
// (realpath: symlinks, "..", relative paths). kObjectNotFound when `path`
// does not exist.
Result<MountInfo> FindMount(const std::string& path);

}  // namespace sp::os

#endif  // SHADOWPORT_OS_MOUNTS_H_
