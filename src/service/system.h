// System: the host effects the coordinator needs (volume probing, the
// freeze-safety check, freezing), behind one interface so that the
// coordinator's logic is unit-tested with a fake (tests/support) and runs
// on the real kernel (src/os) in shadowportd. Created once in main() and
// passed down (STYLE.md: no singletons).
//
// Thread safety: implementations may be called from any thread.
#ifndef SHADOWPORT_SERVICE_SYSTEM_H_
#define SHADOWPORT_SERVICE_SYSTEM_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "os/volume_probe.h"
#include "shadowport/status.h"

namespace sp::service {

// A set of frozen filesystems; destroying it thaws them (errors dropped).
class FrozenFilesystems {
 public:
  virtual ~FrozenFilesystems() = default;
  // Thaws: OK, or VSS_E_HOLD_WRITES_TIMEOUT when the hold deadline passed
  // before (the watchdog had thawed them then), or the failure to thaw.
  virtual Status Thaw() = 0;
  // The part of the freeze during which writes were already held (from the
  // first FIFREEZE to the last); the flush before it holds none.
  virtual std::chrono::microseconds freezing_time() const {
    return std::chrono::microseconds(0);
  }
};

struct FreezeLimits {
  std::chrono::milliseconds flush_timeout{10000};
  std::chrono::milliseconds hold_timeout{10000};
};

class System {
 public:
  virtual ~System() = default;
  virtual Result<os::VolumeInfo> ProbeVolume(const std::string& volume) = 0;
  // SP_E_FREEZE_REFUSED when freezing the filesystem at `mount_point` could
  // deadlock the service.
  virtual Status CheckFreezeAllowed(const std::string& mount_point) = 0;
  // Flushes and freezes every filesystem (all or none), bounded by
  // `limits`: VSS_E_FLUSH_WRITES_TIMEOUT when flushing takes too long.
  virtual Result<std::unique_ptr<FrozenFilesystems>> Freeze(
      const std::vector<std::string>& mount_points,
      const FreezeLimits& limits) = 0;

  // Exposure of imported snapshots (read-only mounts under the exposure
  // root). MountReadOnly creates `target` (and its parents, 0755) if
  // needed and mounts `device` there read-only, nosuid, nodev, noexec with
  // the filesystem options `data`. Unmount never detaches lazily; it
  // removes `target` if it is an empty directory afterwards.
  virtual Status MountReadOnly(const std::string& device,
                               const std::string& target,
                               const std::string& fs_type,
                               const std::string& data) = 0;
  virtual Status Unmount(const std::string& target) = 0;
  // Mount points (in this namespace) whose source is `device`.
  virtual Result<std::vector<std::string>> MountsOf(
      const std::string& device) = 0;

  // Break with --writable (snapshot_break.cc): gives the `fs_type`
  // filesystem on `device` (unmounted, writable) a new UUID so it can be
  // mounted beside its origin, and returns it. VSS_E_VOLUME_NOT_SUPPORTED
  // for a filesystem other than xfs and ext2/3/4 (os/filesystem_identity.h
  // has the tools and the other failures).
  virtual Result<std::string> NewFilesystemIdentity(
      const std::string& device, const std::string& fs_type) = 0;
};

// The real one: os::ProbeVolume, os::CheckFreezeAllowed against
// `protected_paths`, and os::FreezeWatchdog running `freezer_program`.
std::unique_ptr<System> MakeRealSystem(std::vector<std::string> protected_paths,
                                       std::string freezer_program);

}  // namespace sp::service

#endif  // SHADOWPORT_SERVICE_SYSTEM_H_
