// FakeSystem: a service::System for unit tests of the coordinator (no root,
// no kernel). Volumes are whatever the test declares (AddVolume); freezing
// only records "Freeze <mounts>" and "Thaw" in a journal the test shares with
// its FakeProviders, so the order of the whole protocol can be asserted. It
// can refuse to freeze chosen mount points, fail the next Freeze, make the
// next Thaw report a result (VSS_E_HOLD_WRITES_TIMEOUT), and tells whether
// anything is still frozen.
//
// Thread safety: none; the coordinator under test calls it from the test's
// thread. The journal must outlive the FakeSystem and anything it froze.
#ifndef SHADOWPORT_TESTS_SUPPORT_FAKE_SYSTEM_H_
#define SHADOWPORT_TESTS_SUPPORT_FAKE_SYSTEM_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "os/volume_probe.h"
#include "service/system.h"
#include "shadowport/status.h"

namespace sp::fakes {

class FakeSystem : public service::System {
 public:
  explicit FakeSystem(std::vector<std::string>& journal) : journal_(journal) {}

  // ProbeVolume(`name`) returns `info`; any other name:
  // VSS_E_OBJECT_NOT_FOUND.
  void AddVolume(const std::string& name, const os::VolumeInfo& info);
  // CheckFreezeAllowed(`mount_point`) fails SP_E_FREEZE_REFUSED.
  void RefuseFreeze(const std::string& mount_point);
  // The next Freeze fails with `status` (nothing frozen), once.
  void FailNextFreeze(Status status);
  // The next Thaw returns `status`; the filesystems are thawed anyway (as
  // the real watchdog thaws them when the hold deadline passes), once.
  void SetNextThawResult(Status status);

  // Mount points frozen now (frozen by a Freeze, not thawed yet).
  bool AnythingFrozen() const { return !frozen_.empty(); }
  int freeze_calls() const { return freeze_calls_; }
  const service::FreezeLimits& last_limits() const { return last_limits_; }

  // Mounts made by MountReadOnly and not unmounted: target -> device.
  const std::map<std::string, std::string>& mounts() const { return mounts_; }
  // The next MountReadOnly fails with `status`, once.
  void FailNextMount(Status status) { next_mount_failure_ = std::move(status); }
  // The next NewFilesystemIdentity fails with `status`, once.
  void FailNextIdentity(Status status) {
    next_identity_failure_ = std::move(status);
  }

  Result<os::VolumeInfo> ProbeVolume(const std::string& volume) override;
  Status CheckFreezeAllowed(const std::string& mount_point) override;
  Result<std::unique_ptr<service::FrozenFilesystems>> Freeze(
      const std::vector<std::string>& mount_points,
      const service::FreezeLimits& limits) override;
  Status MountReadOnly(const std::string& device, const std::string& target,
                       const std::string& fs_type,
                       const std::string& data) override;
  Status Unmount(const std::string& target) override;
  Result<std::vector<std::string>> MountsOf(const std::string& device) override;
  // Journals "NewIdentity <device> <fs_type>" and answers "new-uuid-N"; like
  // the real one, only xfs and ext2/3/4 (else VSS_E_VOLUME_NOT_SUPPORTED).
  Result<std::string> NewFilesystemIdentity(
      const std::string& device, const std::string& fs_type) override;

 private:
  class Frozen;

  std::vector<std::string>& journal_;
  std::map<std::string, os::VolumeInfo> volumes_;
  std::set<std::string> refused_;
  std::multiset<std::string> frozen_;
  Status next_freeze_failure_;
  Status next_thaw_result_;
  int freeze_calls_ = 0;
  std::map<std::string, std::string> mounts_;
  Status next_mount_failure_;
  Status next_identity_failure_;
  int next_uuid_ = 1;
  service::FreezeLimits last_limits_;
};

}  // namespace sp::fakes

#endif  // SHADOWPORT_TESTS_SUPPORT_FAKE_SYSTEM_H_
