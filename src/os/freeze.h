// Filesystem freeze (FIFREEZE / FITHAW): holds every write to a filesystem
// and makes it consistent on disk (XFS and ext4 quiesce their logs), so a
// block-level snapshot taken meanwhile mounts without log recovery.
//
// This is the bare kernel call. Freezing is dangerous: a frozen filesystem
// blocks every writer, the freezer included if it writes there. The service
// (later) adds the watchdog that thaws on a deadline and refuses volumes the
// freezer itself needs; tests use ScopedFreeze, which thaws on destruction.
//
// Thread safety: free functions; the kernel serializes freezes of one
// filesystem (a second freeze fails with EBUSY -> VSS_E_VOLUME_IN_USE).
#ifndef SHADOWPORT_OS_FREEZE_H_
#define SHADOWPORT_OS_FREEZE_H_

#include <string>

#include "shadowport/status.h"

namespace sp::os {

// Flushes (syncfs) then freezes the filesystem mounted at `mount_point`.
// REQUIRES: `mount_point` is the root of a mounted filesystem.
// Fails with VSS_E_VOLUME_IN_USE if it is already frozen, E_ACCESSDENIED
// without CAP_SYS_ADMIN, VSS_E_NOT_SUPPORTED if the filesystem cannot
// freeze.
Status FreezeFilesystem(const std::string& mount_point);

// Thaws it. E_INVALIDARG (EINVAL) if it was not frozen.
Status ThawFilesystem(const std::string& mount_point);

// Freezes on construction (see ok()), thaws on destruction unless thawed.
class ScopedFreeze {
 public:
  explicit ScopedFreeze(std::string mount_point);
  ~ScopedFreeze();
  ScopedFreeze(const ScopedFreeze&) = delete;
  ScopedFreeze& operator=(const ScopedFreeze&) = delete;

  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  Status Thaw();

 private:
  std::string mount_point_;
  Status status_;
  bool frozen_ = false;
};

}  // namespace sp::os

#endif  // SHADOWPORT_OS_FREEZE_H_
